// argon2id per release profile, seen through the API of Workers that serve side by side, one per
// profile. A sign-in verifies one hash and an account creation computes one; requests of the same
// shape without hashing (GET /me, PATCH /users) are the baselines. Each round sends every request
// to every Worker, in an order that rotates between rounds, so drift on a shared machine hits
// each profile alike. Usage: node bench/argon2.mjs a=URL b=URL … (E2E_ADMIN_* set; ROUNDS=40).
const variants = process.argv.slice(2).map((arg) => arg.split('='));
const rounds = Number(process.env.ROUNDS ?? 40);
const PASSWORD = 'a long enough passphrase';
const stamp = Date.now().toString(36);

async function call(base, method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body) headers['content-type'] = 'application/json';
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body && JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`${method} ${path} on ${base}: ${res.status} ${JSON.stringify(json)}`);
  return { ms, json };
}
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

const workers = {};
for (const [name, base] of variants) {
  const admin = (await call(base, 'POST', '/session', { body: { email: process.env.E2E_ADMIN_EMAIL, password: process.env.E2E_ADMIN_PASSWORD } })).json.token;
  const email = `seed.${stamp}@bench.test`;
  const seed = (await call(base, 'POST', '/users', { token: admin, body: { email, password: PASSWORD, role: 'agent' } })).json.id;
  workers[name] = { base, admin, email, seed, me: [], signIn: [], patch: [], create: [] };
}
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < variants.length; i++) {
    const w = workers[variants[(i + round) % variants.length][0]];
    w.me.push((await call(w.base, 'GET', '/me', { token: w.admin })).ms);
    w.signIn.push((await call(w.base, 'POST', '/session', { body: { email: w.email, password: PASSWORD } })).ms);
    w.patch.push((await call(w.base, 'PATCH', `/users/${w.seed}`, { token: w.admin, body: { profile: { pseudonym: `p${round}` } } })).ms);
    w.create.push((await call(w.base, 'POST', '/users', { token: w.admin, body: { email: `h${round}.${stamp}@bench.test`, password: PASSWORD, role: 'agent' } })).ms);
  }
}
const out = { rounds };
for (const [name, w] of Object.entries(workers)) {
  const [me, signIn, patch, create] = [w.me, w.signIn, w.patch, w.create].map(median);
  out[name] = { meMs: me, signInMs: signIn, verifyMs: signIn - me, patchMs: patch, createMs: create, hashMs: create - patch };
}
console.log(JSON.stringify(out));
