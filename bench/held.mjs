// A held actor (HeldActor: the actor decoded once, the action crossing alone) against today's
// isAllowed(actor, action), the same 300 cases as §1 and §7, in one process, alternating rounds.
// Usage: node bench/held.mjs <cases.json> [rounds]; prints JSON (ns per call, each round's median).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { time } from './timing.mjs';

const api = createRequire(import.meta.url)('../pkg/node/livechat_access.js');
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const rounds = Number(process.argv[3] ?? 5);


const out = {};
for (const kind of ['ModuleAccess', 'ConversationVisibility', 'UserEdit']) {
  const of = cases.filter((c) => c.kind === kind);
  const held = of.map((c) => new api.HeldActor(c.actor));
  of.forEach((c, i) => {
    const answer = held[i].isAllowed(c.action);
    assert.deepEqual(answer, api.isAllowed(c.actor, c.action), 'held and full agree');
    assert.equal(answer.allowed, c.allowed, 'and both agree with the native core');
  });
  out[kind] = { full: [], held: [] };
  const per = of.length * 5;
  for (let r = 0; r < rounds; r++) {
    out[kind].full.push(time((i) => { const c = of[i % of.length]; api.isAllowed(c.actor, c.action); }, { per }));
    out[kind].held.push(time((i) => held[i % of.length].isAllowed(of[i % of.length].action), { per }));
  }
}
console.log(JSON.stringify(out));
