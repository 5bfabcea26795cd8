// The API on local workerd under load from this second process (autocannon, loopback only, each
// run bounded in time). Prints one JSON object.
// Needs the Worker started by scripts/bench (E2E_* variables, BENCH_MODES=1).
import autocannon from 'autocannon';
import { writeFileSync } from 'node:fs';
import { api, adminToken, sql, SERVICE_TOKEN, PASSWORD, BASE } from '../tests/e2e/client.mjs';
import { execFileSync } from 'node:child_process';

const admin = await adminToken();
const out = {};

// One real account, whose argon2 hash the 1,000 seeded users reuse.
const seed = await api('POST', '/users', { token: admin, body: { email: 'bench.seed@bench.test', password: PASSWORD, role: 'agent' } });
const stamp = Date.now().toString(36);

// Seed 1,000 users (200 of them online agents for routing) straight into D1, reusing one real hash.
const [{ password_hash: hash }] = await sql(`SELECT password_hash FROM users WHERE id = '${seed.body.id}'`);
const rows = [];
for (let i = 0; i < 1000; i++) {
  const agent = i < 200;
  const access = JSON.stringify({ role: 'agent', modules: ['livechat'], livechat: { maxConversations: null, languages: ['fr'], mainLanguage: 'fr', questionnaires: ['bench'], channels: ['chat'] } });
  const profile = JSON.stringify({ firstName: `User ${i}`, lastName: null, pseudonym: null, avatarUrl: null, timeZone: 'Europe/Paris' });
  rows.push(`('seed${i}', 'default', 'load${String(i).padStart(4, '0')}@bench.test', 'load${String(i).padStart(4, '0')}@bench.test', '${hash}', 'agent', '${access}', '${profile}', 0, '${agent ? 'online' : 'offline'}', 0, 0)`);
}
const file = `${process.env.E2E_STATE}/seed.sql`;
// D1 caps one statement at 100 KB: 50 rows per INSERT.
const statements = [];
for (let i = 0; i < rows.length; i += 50) {
  statements.push(`INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, disabled, presence, created_at, updated_at) VALUES\n${rows.slice(i, i + 50).join(',\n')};`);
}
writeFileSync(file, statements.join('\n') + '\n');
execFileSync('node_modules/.bin/wrangler', ['d1', 'execute', 'DB', '--local', '--persist-to', process.env.E2E_STATE, '--file', file, '--yes'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } });
const [{ n }] = await sql('SELECT COUNT(*) AS n FROM users');
out.seededUsers = n;

const load = (opts) => new Promise((resolve, reject) => autocannon({ url: BASE, connections: 8, duration: 10, ...opts }, (e, r) => e ? reject(e) : resolve(r)));
const summary = (r) => ({ requestsPerSecond: r.requests.average, p50ms: r.latency.p50, p99ms: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors });

out.listUsers = summary(await load({ url: `${BASE}/api/v1/users?limit=100`, headers: { authorization: `Bearer ${admin}` } }));
out.openConversation = summary(await load({
  url: `${BASE}/api/v1/conversations`, method: 'POST',
  headers: { authorization: `Bearer ${SERVICE_TOKEN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ questionnaire: 'bench', language: 'fr', channel: 'chat' }),
}));
let batch = 0;
const invitations = (mode) => load({
  url: `${BASE}/api/v1/invitations`, method: 'POST', connections: 4, duration: 8,
  headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json', ...(mode ? { 'x-bench-writes': mode } : {}) },
  requests: [{ setupRequest: (req) => {
    const b = batch++;
    return { ...req, body: JSON.stringify({ role: 'agent', emails: Array.from({ length: 100 }, (_, i) => `inv${b}.${i}.${stamp}.${mode ?? 'batch'}@bench.test`) }) };
  } }],
});
out.invite100Batched = summary(await invitations(null));
out.invite100RowByRow = summary(await invitations('rows'));
console.log(JSON.stringify(out));
