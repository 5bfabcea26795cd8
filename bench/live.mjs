// The live desks on local workerd (issue #21), from a second process over loopback, one run:
// - the D1 statements each conversation endpoint prepares in the Worker (x-d1-statements,
//   BENCH_MODES=1): the desk itself reads D1 only when it catches up after a change;
// - open → the agent's socket: the time from sending POST /conversations to the
//   `conversationAssigned` frame on the assigned agent's socket, sequential (p50, p99);
// - opens per second with 32 in flight, all in one organization against spread over 16, in
//   alternating rounds (medians of 5 rounds of 3 s each).
// Needs BENCH_MODES=1 (scripts/bench-live).
import { api, createUser, integrationKey, liveSocket, newOrganization, offer } from '../tests/e2e/client.mjs';

const body = { questionnaire: 'bench', language: 'fr', channel: 'chat' };

async function company(agents) {
  const org = await newOrganization({ name: 'Bench' });
  const admin = org.session.token;
  await offer(admin, { questionnaires: ['bench'] });
  const people = [];
  for (let i = 0; i < agents; i++) {
    const agent = await createUser(admin, { livechat: { questionnaires: ['bench'], maxConversations: null } }, { organization: org.slug });
    await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } });
    people.push(agent);
  }
  return { org, admin, agents: people, box: await integrationKey(admin, ['conversations:open', 'conversations:manage', 'conversations:read']) };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const round2 = (x) => Number(x.toFixed(2));
const out = {};

// D1 statements per endpoint (the Worker's side).
const one = await company(2);
const count = async (method, path, opts) => {
  const res = await api(method, path, opts);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return { n: Number(res.headers.get('x-d1-statements')), body: res.body };
};
const opened = await count('POST', '/conversations', { token: one.box, body });
const other = one.agents.find((a) => a.id !== opened.body.assignedTo);
out.d1StatementsWorker = {
  'POST /conversations': opened.n,
  'GET /conversations': (await count('GET', '/conversations', { token: one.agents[0].token })).n,
  'POST /conversations/{id}/transfer': (await count('POST', `/conversations/${opened.body.id}/transfer`, { token: one.box, body: { to: other.id } })).n,
  'POST /conversations/{id}/close': (await count('POST', `/conversations/${opened.body.id}/close`, { token: one.box })).n,
  'PUT /me/presence': (await count('PUT', '/me/presence', { token: one.agents[0].token, body: { status: 'online' } })).n,
};

// Open → the assigned agent's socket.
const sockets = new Map();
for (const agent of one.agents) sockets.set(agent.id, await liveSocket(agent.token));
const latencies = [];
for (let i = 0; i < 200; i++) {
  const t0 = process.hrtime.bigint();
  const res = await api('POST', '/conversations', { token: one.box, body });
  const socket = sockets.get(res.body.assignedTo);
  await socket.until((m) => m.type === 'event' && m.event.conversation === res.body.id);
  latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  await api('POST', `/conversations/${res.body.id}/close`, { token: one.box });
}
for (const s of sockets.values()) await s.close();
out.openToSocketMs = { p50: round2(median(latencies)), p99: round2(pct(latencies, 0.99)), samples: latencies.length };

// Opens per second, 32 in flight: one organization against sixteen.
const many = [one];
for (let i = 0; i < 15; i++) many.push(await company(2));
async function rate(companies) {
  let done = 0;
  const until = Date.now() + 3000;
  const worker = async (k) => {
    for (let i = k; Date.now() < until; i++) {
      const co = companies[i % companies.length];
      const res = await api('POST', '/conversations', { token: co.box, body });
      if (res.status !== 201) throw new Error(String(res.status));
      done++;
    }
  };
  await Promise.all(Array.from({ length: 32 }, (_, k) => worker(k)));
  return done / 3;
}
const rounds = { oneOrganization: [], sixteenOrganizations: [] };
for (let r = 0; r < 5; r++) {
  rounds.oneOrganization.push(await rate([one]));
  rounds.sixteenOrganizations.push(await rate(many));
}
out.opensPerSecond = {
  oneOrganization: Math.round(median(rounds.oneOrganization)),
  sixteenOrganizations: Math.round(median(rounds.sixteenOrganizations)),
  ratio: round2(median(rounds.sixteenOrganizations) / median(rounds.oneOrganization)),
  inFlight: 32,
};
console.log(JSON.stringify(out));
