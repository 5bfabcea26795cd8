// Decisions, the add-user form and routing in wasm under Node (pkg/node), timed as medians of
// repeated batches. Usage: node bench/wasm.mjs <cases.json> [pkg/node directory]
// (scripts/bench passes the cases; a second directory compares another build, such as an older
// commit's, in the same run)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { time } from './timing.mjs';

import { resolve } from 'node:path';

const api = createRequire(import.meta.url)(resolve(process.argv[3] ?? new URL('../pkg/node', import.meta.url).pathname, 'livechat_access.js'));
const cases = JSON.parse(readFileSync(process.argv[2], 'utf8'));


const out = { decisions: {}, routing: {} };
for (const kind of ['ModuleAccess', 'ConversationVisibility', 'UserEdit']) {
  const of = cases.filter((c) => c.kind === kind);
  for (const c of of) assert.equal(api.isAllowed(c.actor, c.action).allowed, c.allowed, 'wasm and native agree');
  out.decisions[kind] = time((i) => { const c = of[i % of.length]; api.isAllowed(c.actor, c.action); }, { per: of.length * 5 });
}
const form = { email: 'lea.martin@exemple.fr', password: 'une longue phrase', role: 'agent', modules: ['livechat', 'history'],
  livechat: { maxConversations: 3, languages: ['fr', 'en'], mainLanguage: 'fr', questionnaires: ['site-fr'], channels: ['chat'] },
  profile: { firstName: 'Léa', pseudonym: 'Léa', timeZone: 'Europe/Paris', avatarUrl: 'https://cdn.exemple.fr/lea.png' } };
// The organization's catalog the form is read against (the one the shared corpus uses).
const catalog = JSON.parse(readFileSync(new URL('../tests/fixtures/catalog.json', import.meta.url), 'utf8'));
assert.equal(api.validateUser(form, 'fr', catalog).type, 'success');
out.decisions.validateUser = time(() => api.validateUser(form, 'fr', catalog), { per: 500 });

// What crossing the boundary costs by itself: two values that decode to nothing but an error, an
// empty form, and a code's message (two strings in, one out).
out.boundary = {
  isAllowedOnNumbers: time(() => api.isAllowed(1, 1), { per: 500 }),
  validateUserPatchEmpty: time(() => api.validateUserPatch({}), { per: 500 }),
  describeCode: time(() => api.describeCode('last_admin', 'en'), { per: 500 }),
};
if (process.env.DECISIONS_ONLY) { console.log(JSON.stringify(out)); process.exit(0); }

// The same agents as bench/benches/routing.rs.
const agents = (n) => Array.from({ length: n }, (_, i) => ({
  id: `agent-${String(i).padStart(5, '0')}`, organization: 'acme', role: i % 50 === 0 ? 'manager' : 'agent', disabled: i % 97 === 0,
  presence: i % 7 === 0 ? 'away' : 'online', modules: ['livechat', 'history'],
  questionnaires: [i % 5 === 0 ? 'site-de' : 'site-fr', 'shop'], languages: i % 3 === 0 ? ['fr', 'en'] : ['fr'],
  channels: ['chat', 'messaging'], load: i % 4, maxConversations: 3, lastAssignedAt: 1_700_000_000_000 + (i * 7919) % 100_000,
}));
const conversation = { organization: 'acme', questionnaire: 'site-fr', language: 'fr', channel: 'chat' };
for (const n of [10, 1000, 10000]) {
  const pool = agents(n);
  const once = api.routeConversation(conversation, pool);
  assert.ok(once.agentId);
  const roster = new api.AgentRoster();
  assert.equal(roster.replace(pool), null);
  assert.deepEqual(roster.route(conversation), once, 'roster and one-shot agree');
  const per = n >= 10000 ? 5 : n >= 1000 ? 20 : 500;
  out.routing[n] = {
    oneShot: time(() => api.routeConversation(conversation, pool), { per, batches: 15 }),
    roster: time(() => roster.route(conversation), { per: per * 4, batches: 15 }),
  };
  roster.free();
}
console.log(JSON.stringify(out));
