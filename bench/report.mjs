// Prints the benchmark results as the Markdown tables of BENCHMARKS.md.
import { readFileSync } from 'node:fs';
const dir = process.argv[2] ?? 'bench/results';
const read = (f) => JSON.parse(readFileSync(`${dir}/${f}`, 'utf8'));
const native = read('native.json');
const wasm = read('wasm.json');
const cases = read('cases.json');
const count = (kind) => cases.filter((c) => c.kind === kind).length;
const ns = (x) => (x < 1000 ? `${x.toFixed(1)} ns` : x < 1e6 ? `${(x / 1000).toFixed(2)} µs` : `${(x / 1e6).toFixed(2)} ms`);

console.log('### Decisions (median per decision; native ratio = Cedar / core)\n');
console.log('| decision | core, native | Cedar, native | ratio | core, wasm under Node (JS API) |');
console.log('| --- | --- | --- | --- | --- |');
for (const kind of ['ModuleAccess', 'ConversationVisibility', 'UserEdit']) {
  const n = count(kind);
  const core = native[`decision/core/${kind}`] / n;
  const cedar = native[`decision/cedar/${kind}`] / n;
  console.log(`| ${kind} (${n} cases) | ${ns(core)} | ${ns(cedar)} | ${(cedar / core).toFixed(0)}× | ${ns(wasm.decisions[kind])} |`);
}
console.log(`| add-user form (validateUser) | ${ns(native['validate_user_complete agent'])} | — | — | ${ns(wasm.decisions.validateUser)} |`);

console.log('\n### Routing (median per decision)\n');
console.log('| agents | native | wasm, roster in wasm memory | wasm, agents passed per call |');
console.log('| --- | --- | --- | --- |');
for (const n of [10, 1000, 10000]) {
  console.log(`| ${n.toLocaleString('en')} | ${ns(native[`route/${n}`])} | ${ns(wasm.routing[n].roster)} | ${ns(wasm.routing[n].oneShot)} |`);
}

const sizes = read('sizes.json');
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
console.log('\n### Sizes\n');
console.log('| artifact | raw | gzip -9 | brotli 11 |');
console.log('| --- | --- | --- | --- |');
for (const [name, s] of Object.entries(sizes)) console.log(`| ${name} | ${kb(s.raw)} | ${kb(s.gzip)} | ${kb(s.brotli)} |`);

const argon2 = read('argon2.json');
console.log(`\n### argon2id in workerd (median ms through the API, ${argon2.rounds} alternating rounds, the three Workers side by side)\n`);
console.log('| release profile | sign-in | GET /me | ≈ verify | POST /users | PATCH /users | ≈ hash |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
const labels = { a: 'a: opt-level z everywhere, no SIMD (before)', b: 'b: argon2 + blake2 at opt-level 3', c: 'c: b + simd128 (shipped)' };
for (const v of ['a', 'b', 'c']) {
  const a = argon2[v];
  console.log(`| ${labels[v]} | ${a.signInMs.toFixed(1)} | ${a.meMs.toFixed(1)} | ${a.verifyMs.toFixed(1)} | ${a.createMs.toFixed(1)} | ${a.patchMs.toFixed(1)} | ${a.hashMs.toFixed(1)} |`);
}
console.log(`\nb / a: verify ${(argon2.b.verifyMs / argon2.a.verifyMs).toFixed(2)}, hash ${(argon2.b.hashMs / argon2.a.hashMs).toFixed(2)}; c / a: verify ${(argon2.c.verifyMs / argon2.a.verifyMs).toFixed(2)}, hash ${(argon2.c.hashMs / argon2.a.hashMs).toFixed(2)}`);

const api = read('api.json');
console.log(`\n### The API under load (autocannon, loopback, ${api.seededUsers} users in D1)\n`);
console.log('| request | req/s | p50 | p99 | requests | non-2xx |');
console.log('| --- | --- | --- | --- | --- | --- |');
const row = (name, r) => console.log(`| ${name} | ${r.requestsPerSecond.toFixed(1)} | ${r.p50ms} ms | ${r.p99ms} ms | ${r.requests} | ${r.non2xx} |`);
row('GET /users?limit=100', api.listUsers);
row('POST /conversations (routing over 200 online agents)', api.openConversation);
row('POST /invitations, 100 emails, one D1 batch', api.invite100Batched);
row('POST /invitations, 100 emails, row at a time', api.invite100RowByRow);

const startup = read('startup-load.json');
const page = read('page.json');
console.log('\n### Start-up\n');
console.log(`| Worker: first request after start | ${(startup.firstRequestS * 1000).toFixed(1)} ms |`);
console.log('| --- | --- |');
console.log(`| Worker: second request | ${(startup.secondRequestS * 1000).toFixed(1)} ms |`);
console.log(`| page: wasm fetch + instantiate (median of 15 loads) | ${page.wasmInitMs.toFixed(1)} ms |`);
