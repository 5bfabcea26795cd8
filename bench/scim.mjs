// SCIM under load against an organization of 10,000 people (scripts/bench-scim starts the Worker).
// Usage: node bench/scim.mjs <url> <state>. Prints one JSON object: latency percentiles of the
// look-up identity providers make before creating someone (userName eq), of a filter the address
// index cannot answer (a scan of the 10,000), and of a PATCH; the D1 statements of each.
import autocannon from 'autocannon';
import { execFileSync } from 'node:child_process';

const [base, state] = process.argv.slice(2);
const ADMIN = { email: process.env.E2E_ADMIN_EMAIL, password: process.env.E2E_ADMIN_PASSWORD };
const PEOPLE = 10000;

const json = async (res) => ({ status: res.status, body: await res.json(), statements: Number(res.headers.get('x-d1-statements')) });
const admin = (await (await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })).json()).token;
const token = (await (await fetch(`${base}/api/v1/organization/scim-tokens`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) })).json()).token;

// 10,000 agents straight into the local D1 file.
const SEED = `
import glob, json, sqlite3, sys
state, n = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect([f for f in glob.glob(state + "/v3/d1/miniflare-D1DatabaseObject/*.sqlite") if not f.endswith("metadata.sqlite")][0], timeout=30)
access = json.dumps({"role": "agent", "modules": ["livechat"], "livechat": {"maxConversations": 3, "languages": ["fr"],
  "mainLanguage": "fr", "questionnaires": [], "channels": ["chat"]}})
profile = json.dumps({"firstName": "Agent", "lastName": None, "pseudonym": None, "avatarUrl": None, "timeZone": "Europe/Paris"})
db.executemany("INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, created_at, updated_at) "
               "VALUES (?, 'default', ?, ?, '!', 'agent', ?, ?, ?, ?)",
               [(f"bench-u{i:05d}", f"agent{i:05d}@bench.test", f"agent{i:05d}@bench.test", access, profile, i, i) for i in range(n)])
db.commit()
print(db.execute("SELECT COUNT(*) FROM users WHERE organization_id = 'default'").fetchone()[0])
`;
const people = Number(execFileSync('python3', ['-c', SEED, state, String(PEOPLE)], { encoding: 'utf8' }).trim());

const scim = (path, init = {}) => fetch(`${base}/scim/v2/default${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', ...(init.headers ?? {}) } });
const filtered = (filter) => `/Users?filter=${encodeURIComponent(filter)}`;
const cases = {
  'userName eq (index)': { method: 'GET', path: filtered('userName eq "AGENT05000@bench.test"') },
  'a filter the index cannot answer (scan)': { method: 'GET', path: filtered('name.givenName eq "Agent" and userName ew "05000@bench.test"') },
  'PATCH displayName': { method: 'PATCH', path: '/Users/bench-u05000', body: JSON.stringify({ Operations: [{ op: 'replace', path: 'displayName', value: 'Agent 5000' }] }) },
};
const out = { people, cases: {} };
for (const [name, c] of Object.entries(cases)) {
  const once = await json(await scim(c.path, { method: c.method, body: c.body }));
  if (once.status !== 200) throw new Error(`${name}: ${once.status} ${JSON.stringify(once.body).slice(0, 200)}`);
  const run = await new Promise((resolve, reject) => autocannon({
    url: `${base}/scim/v2/default${c.path}`, method: c.method, body: c.body, connections: 4, duration: 5,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
  }, (e, r) => (e ? reject(e) : resolve(r))));
  out.cases[name] = { p50Ms: run.latency.p50, p99Ms: run.latency.p99, requestsPerS: run.requests.average, non2xx: run.non2xx, d1Statements: once.statements };
}
console.log(JSON.stringify(out, null, 1));
