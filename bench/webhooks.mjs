// Webhooks on local workerd (issue #22), from a second process over loopback, one run:
// - what publishing costs a write: PATCH /users/{id} (an access change: audit entry, event,
//   delivery) against the same PATCH with publishing off (`x-bench-events: off`, BENCH_MODES),
//   interleaved, 200 each; medians and their ratio, and the D1 statements each prepares;
// - change → receiver: from sending the PATCH to the signed event at a receiver on loopback,
//   sequential, 200 (p50, p99);
// - events delivered per second from one organization: 400 changes, 16 in flight, until the
//   receiver holds all 400 (one local workerd; a queue consumer batch of 10).
// Needs BENCH_MODES=1 (scripts/bench-webhooks).
import { api, createUser, newOrganization } from '../tests/e2e/client.mjs';
import { receiver } from '../tests/e2e/receiver.mjs';

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const round2 = (x) => Number(x.toFixed(2));
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const out = {};

const org = await newOrganization({ name: 'Bench hooks' });
const admin = org.session.token;
const hook = await receiver();
const made = await api('POST', '/organization/webhooks', { token: admin, body: { url: hook.url, events: ['person.access_changed'] } });
if (made.status !== 201) throw new Error(JSON.stringify(made.body));
const agent = await createUser(admin, {}, { organization: org.slug });
let capacity = 1;
const change = (headers = {}) => {
  capacity = capacity === 1 ? 2 : 1;
  return api('PATCH', `/users/${agent.id}`, { token: admin, headers, body: { livechat: { maxConversations: capacity } } });
};

// The cost of publishing, interleaved.
const timed = { on: [], off: [] };
const statements = {};
for (let i = 0; i < 400; i++) {
  const mode = i % 2 ? 'off' : 'on';
  const t0 = process.hrtime.bigint();
  const res = await change(mode === 'off' ? { 'x-bench-events': 'off' } : {});
  timed[mode].push(ms(t0));
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
  statements[mode] = Number(res.headers.get('x-d1-statements'));
}
out.writeCost = {
  request: 'PATCH /users/{id} (capacity 1 ↔ 2), 200 each, interleaved',
  medianMsWithEvents: round2(median(timed.on)),
  medianMsWithout: round2(median(timed.off)),
  ratio: round2(median(timed.on) / median(timed.off)),
  d1StatementsWithEvents: statements.on,
  d1StatementsWithout: statements.off,
};
await hook.until((g) => g.length >= 200, 'the 200 published events', 60000);
await new Promise((r) => setTimeout(r, 1000));

// Change → receiver, sequential.
const latencies = [];
for (let i = 0; i < 200; i++) {
  const before = hook.got.length;
  const t0 = process.hrtime.bigint();
  const res = await change();
  if (res.status !== 200) throw new Error(`${res.status}`);
  await hook.until((g) => g.length > before, 'the event', 30000);
  latencies.push(ms(t0));
}
out.changeToReceiver = { n: 200, p50Ms: round2(pct(latencies, 0.5)), p99Ms: round2(pct(latencies, 0.99)) };

// Throughput from one organization: 16 lanes, each changing its own person (every PATCH a change).
const total = 400;
const lanes = [];
for (let i = 0; i < 16; i++) lanes.push({ person: await createUser(admin, {}, { organization: org.slug }), capacity: 1 });
await new Promise((r) => setTimeout(r, 2000)); // their person.created events are not subscribed; settle anyway
const start = hook.got.length;
const t0 = process.hrtime.bigint();
let next = 0;
await Promise.all(lanes.map(async (lane) => {
  while (next < total) {
    next += 1;
    lane.capacity = lane.capacity === 1 ? 2 : 1;
    const res = await api('PATCH', `/users/${lane.person.id}`, { token: admin, body: { livechat: { maxConversations: lane.capacity } } });
    if (res.status !== 200) throw new Error(`${res.status}`);
  }
}));
const written = ms(t0);
await hook.until((g) => g.length >= start + total, `${total} events`, 120000);
const delivered = ms(t0);
out.throughput = {
  events: total,
  inFlight: 16,
  writesPerSecond: round2(total / (written / 1000)),
  eventsDeliveredPerSecond: round2(total / (delivered / 1000)),
};
await hook.down();
console.log(JSON.stringify(out, null, 2));
