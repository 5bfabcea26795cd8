// One organization against a thousand in the same D1 (scripts/bench-organizations starts both
// Workers). Usage: node bench/organizations.mjs <url one> <state one> <url many> <state many>
// Prints one JSON object: medians of p50 latencies over alternating rounds, and the D1
// statements each endpoint prepares (x-d1-statements, BENCH_MODES=1).
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';

const [one, oneState, many, manyState] = process.argv.slice(2);
const ADMIN = { email: process.env.E2E_ADMIN_EMAIL, password: process.env.E2E_ADMIN_PASSWORD };
const SERVICE = process.env.E2E_SERVICE_TOKEN, OPERATOR = process.env.E2E_OPERATOR_TOKEN;
const PASSWORD = 'a long enough passphrase';

async function call(base, method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, statements: Number(res.headers.get('x-d1-statements')) };
}

// Rows written straight into the local D1 file; they share the password hash the Worker made for
// the account \`seed\` names.
const SEED = `
import glob, json, sqlite3, sys
state, seed, orgs = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = sqlite3.connect([f for f in glob.glob(state + "/v3/d1/miniflare-D1DatabaseObject/*.sqlite") if not f.endswith("metadata.sqlite")][0], timeout=30)
hash = db.execute("SELECT password_hash FROM users WHERE id = ?", (seed,)).fetchone()[0]
access = json.dumps({"role": "agent", "modules": ["livechat"], "livechat": {"maxConversations": None, "languages": ["fr"],
  "mainLanguage": "fr", "questionnaires": ["bench"], "channels": ["chat"]}})
profile = json.dumps({"firstName": "Agent", "lastName": None, "pseudonym": None, "avatarUrl": None, "timeZone": "Europe/Paris"})
def people(org, n, online):
    return [(f"{org}-u{i}", org, f"agent{i}@{org}.bench", f"agent{i}@{org}.bench", hash, "agent", access, profile,
             "online" if i < online else "offline") for i in range(n)]
rows = people("default", 49, 10)
for o in range(orgs):
    rows += people(f"org{o:04d}", 50, 10)
db.executemany("INSERT INTO organizations (id, slug, name, created_at) VALUES (?, ?, ?, 0)",
               [(f"org{o:04d}", f"org{o:04d}", f"Company {o}") for o in range(orgs)])
db.executemany("INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, presence, "
               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0)", rows)
db.commit()
print(db.execute("SELECT COUNT(*) FROM users").fetchone()[0], db.execute("SELECT COUNT(*) FROM organizations").fetchone()[0])
`;

async function prepare(base, state, otherOrgs) {
  const admin = (await call(base, 'POST', '/session', { body: ADMIN })).body.token;
  const seed = await call(base, 'POST', '/users', { token: admin, body: { email: 'seed@bench.test', password: PASSWORD, role: 'agent' } });
  const [users, organizations] = execFileSync('python3', ['-c', SEED, state, seed.body.id, String(otherOrgs)], { encoding: 'utf8' }).trim().split(' ').map(Number);
  return { admin, users, organizations };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const load = (opts) => new Promise((resolve, reject) => autocannon({ connections: 4, duration: 3, ...opts }, (e, r) => (e ? reject(e) : resolve(r))));

const sides = {
  one: { base: one, ...(await prepare(one, oneState, 0)) },
  many: { base: many, ...(await prepare(many, manyState, 999)) },
};
const requests = {
  listUsers: (s) => ({ url: `${s.base}/api/v1/users?limit=50`, headers: { authorization: `Bearer ${s.admin}` } }),
  openConversation: (s) => ({ url: `${s.base}/api/v1/conversations`, method: 'POST',
    headers: { authorization: `Bearer ${SERVICE}`, 'content-type': 'application/json' },
    body: JSON.stringify({ questionnaire: 'bench', language: 'fr', channel: 'chat' }) }),
};
const samples = { one: { listUsers: [], openConversation: [] }, many: { listUsers: [], openConversation: [] } };
for (let round = 0; round < 5; round++) {
  for (const name of Object.keys(requests)) {
    // The order of the two sides alternates between rounds, so the machine's drift hits both.
    for (const side of round % 2 ? ['many', 'one'] : ['one', 'many']) {
      const r = await load(requests[name](sides[side]));
      if (r.non2xx || r.errors) throw new Error(`${side} ${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      samples[side][name].push(r.latency.p50);
    }
  }
}
const latency = {};
for (const name of Object.keys(requests)) {
  const a = median(samples.one[name]), b = median(samples.many[name]);
  latency[name] = { oneOrganizationP50ms: a, thousandOrganizationsP50ms: b, ratio: +(b / a).toFixed(3) };
}

// D1 statements per endpoint, on the thousand-organization side (and checked equal on the other).
async function statements(s) {
  const t = s.admin, out = {};
  const rec = async (name, method, path, opts) => { const r = await call(s.base, method, path, opts); out[name] = r.statements; return r; };
  await rec('POST /session', 'POST', '/session', { body: ADMIN });
  await rec('GET /me', 'GET', '/me', { token: t });
  await rec('GET /organization', 'GET', '/organization', { token: t });
  await rec('GET /users', 'GET', '/users?limit=50', { token: t });
  const created = await rec('POST /users', 'POST', '/users', { token: t, body: { email: `count${Date.now()}@bench.test`, password: PASSWORD, role: 'agent' } });
  const id = created.body.id;
  await rec('GET /users/{id}', 'GET', `/users/${id}`, { token: t });
  await rec('PATCH /users/{id}', 'PATCH', `/users/${id}`, { token: t, body: { profile: { pseudonym: 'Jo' } } });
  const invited = await rec('POST /invitations (3 addresses)', 'POST', '/invitations', { token: t, body: { emails: [1, 2, 3].map((i) => `inv${i}.${Date.now()}@bench.test`), role: 'agent' } });
  await rec('GET /invitations', 'GET', '/invitations', { token: t });
  await rec('POST /invitations/{id}/resend', 'POST', `/invitations/${invited.body.results[0].invitationId}/resend`, { token: t });
  await rec('DELETE /invitations/{id}', 'DELETE', `/invitations/${invited.body.results[0].invitationId}`, { token: t });
  const conv = await rec('POST /conversations', 'POST', '/conversations', { token: SERVICE, body: { questionnaire: 'bench', language: 'fr', channel: 'chat' } });
  await rec('GET /conversations', 'GET', '/conversations', { token: t });
  await rec('POST /conversations/{id}/transfer', 'POST', `/conversations/${conv.body.id}/transfer`, { token: t, body: { to: 'default-u1' } });
  await rec('POST /conversations/{id}/close', 'POST', `/conversations/${conv.body.id}/close`, { token: t });
  await rec('PUT /me/presence', 'PUT', '/me/presence', { token: t, body: { status: 'online' } });
  await rec('GET /audit', 'GET', '/audit', { token: t });
  await rec('DELETE /users/{id}', 'DELETE', `/users/${id}`, { token: t });
  await rec('GET /operator/organizations', 'GET', '/operator/organizations', { token: OPERATOR });
  return out;
}
const counts = await statements(sides.many);
const countsOne = await statements(sides.one);
for (const [k, v] of Object.entries(counts)) if (countsOne[k] !== v) throw new Error(`${k}: ${countsOne[k]} statements with one organization, ${v} with a thousand`);
console.log(JSON.stringify({
  seeded: { one: { users: sides.one.users, organizations: sides.one.organizations }, many: { users: sides.many.users, organizations: sides.many.organizations } },
  latency, d1Statements: counts,
}, null, 1));
