// Integration keys and identity tokens on local workerd (issue #20), from a second process over
// loopback: D1 statements per key-authenticated POST /conversations (against a session's and the
// legacy SERVICE_TOKEN's), and sequential latency medians of POST /token (a person's, a key's)
// against GET /me, alternating, in one run. Needs BENCH_MODES=1 (scripts/bench-integration).
import { api, adminToken, createUser, integrationKey, offer, SERVICE_TOKEN } from '../tests/e2e/client.mjs';

const admin = await adminToken();
await offer(admin, { questionnaires: ['bench'] });
const agents = [];
for (let i = 0; i < 10; i++) {
  const agent = await createUser(admin, { livechat: { questionnaires: ['bench'], languages: ['fr'], maxConversations: null } });
  await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } });
  agents.push(agent);
}
const box = await integrationKey(admin, ['conversations:open']);
const server = await integrationKey(admin, ['identity:issue'], 'Chat server');
const body = { questionnaire: 'bench', language: 'fr', channel: 'chat' };
const statements = async (token) => {
  const res = await api('POST', '/conversations', { token, body });
  if (res.status !== 201) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  return Number(res.headers.get('x-d1-statements'));
};
const out = { d1StatementsOpenConversation: { key: await statements(box), session: await statements(admin), serviceToken: await statements(SERVICE_TOKEN) } };

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const ms = async (call) => { const t0 = process.hrtime.bigint(); const res = await call(); if (res.status !== 200) throw new Error(String(res.status)); return Number(process.hrtime.bigint() - t0) / 1e6; };
const calls = {
  tokenBySession: () => api('POST', '/token', { token: agents[0].token, body: {} }),
  tokenByKey: () => api('POST', '/token', { token: server, body: { userId: agents[1].id } }),
  me: () => api('GET', '/me', { token: agents[0].token }),
};
const samples = Object.fromEntries(Object.keys(calls).map((k) => [k, []]));
for (let round = 0; round < 5; round++) {
  for (const [name, call] of Object.entries(calls)) {
    for (let i = 0; i < 40; i++) samples[name].push(await ms(call));
  }
}
out.latencyMedianMs = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Number(median(v).toFixed(2))]));
out.samplesEach = samples.me.length;
console.log(JSON.stringify(out));
