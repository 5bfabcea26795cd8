// The built Node package, used the way a JavaScript caller uses it (node --test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const api = require('../../pkg/node/livechat_access.js');

test('the package exports the documented API', () => {
  for (const name of ['validateUser', 'validateUserPatch', 'validateInvitation', 'validateAcceptance',
    'roleDefaults', 'isAllowed', 'routeConversation', 'canTransfer', 'errorCodes', 'describeCode',
    'languageCodes', 'timeZones', 'validateCatalog', 'checkSettings', 'HeldActor']) {
    assert.equal(typeof api[name], 'function', name);
  }
});

test('validateUser answers with a tagged union in the requested language', () => {
  const ok = api.validateUser({ email: 'nina@exemple.fr', password: 'une longue phrase', role: 'agent' }, 'fr');
  assert.equal(ok.type, 'success');
  assert.deepEqual(ok.value.access.modules, ['livechat']);
  const ko = api.validateUser({ email: 'nina', password: 'une longue phrase', role: 'agent' }, 'en');
  assert.deepEqual(ko, { type: 'failure', errors: [{ field: 'email', code: 'email_invalid', message: 'Invalid email address' }] });
});

test('bad JS values never throw', () => {
  for (const bad of [undefined, null, 1, 'x', [], () => 1, Symbol('s'), 10n, new Date()]) {
    assert.equal(api.validateUser(bad, 'en').type, 'failure');
    assert.equal(api.validateInvitation(bad).type, 'failure');
    assert.equal(api.isAllowed(bad, bad).allowed, false);
    assert.equal(api.routeConversation(bad, bad).agentId, null);
  }
});

test('routing picks the least loaded eligible agent', () => {
  const agent = (id, load) => ({ id, organization: 'acme', role: 'agent', presence: 'online', modules: ['livechat'], questionnaires: ['site'],
    languages: ['fr'], channels: ['chat'], load, maxConversations: 3 });
  const decision = api.routeConversation({ organization: 'acme', questionnaire: 'site', language: 'fr', channel: 'chat' },
    [agent('a', 2), agent('b', 0), agent('c', 3)]);
  assert.equal(decision.agentId, 'b');
  assert.deepEqual(decision.reasons, [{ code: 'at_capacity', count: 1 }]);
});

test('the TypeScript declarations describe the API', async () => {
  const { readFile } = await import('node:fs/promises');
  const dts = await readFile(new URL('../../pkg/node/livechat_access.d.ts', import.meta.url), 'utf8');
  assert.match(dts, /export function validateUser\(input: UserInput, locale_tag\?: string \| null, catalog_input\?: CatalogInput \| null\): Outcome<NewUser>;/);
  // Declared from the Rust types by tsify, not written by hand.
  assert.match(dts, /export interface UserInput \{/);
  assert.match(dts, /export type Code = "field_required" \| /);
  assert.match(dts, /export function isAllowed\(actor: Actor, action: Action\): Decision;/);
});

test('forms are read against the organization\'s catalog, the one the Worker holds', () => {
  const catalog = { questionnaires: [{ id: 'site-fr', name: 'Site France', language: 'fr' }], modules: ['crm'], languages: ['en', 'fr'], locale: 'fr' };
  const form = { email: 'nina@exemple.fr', password: 'une longue phrase', role: 'agent', modules: ['livechat', 'crm'],
    livechat: { languages: ['fr', 'de'], questionnaires: ['site-fr', 'site-de'] } };
  const out = api.validateUser(form, 'en', catalog);
  assert.deepEqual(out.errors.map((e) => [e.field, e.code]), [
    ['livechat.languages', 'language_not_offered'], ['livechat.questionnaires', 'questionnaire_unknown']]);
  // Without a catalog: a new organization's (no questionnaire, French, no extra module).
  assert.deepEqual(api.validateUser(form, 'en').errors.map((e) => e.code),
    ['module_unknown', 'language_not_offered', 'questionnaire_unknown', 'questionnaire_unknown']);
  // A broken catalog is refused under `catalog.`, not read as another one.
  const broken = api.validateUser(form, 'en', { ...catalog, languages: [] });
  assert.deepEqual(broken.errors.map((e) => [e.field, e.code]), [['catalog.languages', 'languages_empty'],
    ['catalog.questionnaires[0].language', 'language_not_offered']]);
  assert.equal(api.roleDefaults('agent', { ...catalog, languages: [] }), null);
  assert.deepEqual(api.roleDefaults('admin', catalog).modules, ['crm', 'history', 'livechat', 'settings', 'statistics', 'users']);
  assert.deepEqual(api.validateCatalog({ ...catalog, locale: 'de' }, 'en').errors.map((e) => [e.field, e.code]), [['locale', 'field_invalid']]);
  assert.deepEqual(api.validateCatalog(catalog, 'en'), { type: 'success', value: catalog });
});

test('codes, languages and time zones for the form', () => {
  assert.equal(api.describeCode('last_admin', 'en'), 'At least one active administrator must remain');
  assert.equal(api.describeCode('no_such_code', 'en'), undefined);
  assert.ok(api.languageCodes().includes('fr') && api.languageCodes().length === 184);
  assert.ok(api.timeZones().includes('Europe/Paris'));
});

test('checkSettings names refused settings by code and rule, never their values', () => {
  const good = {
    MAIL_FROM: 'no-reply@example.com', FACTOR_KEY: 'q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0VnE',
    OPERATOR_TOKEN: '0123456789abcdefghijklmnopqrstuvwxyz', BOOTSTRAP_ADMIN_EMAIL: 'root@example.com',
    IDENTITY_KEYS: 'k1:q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0VnE',
    BOOTSTRAP_ADMIN_PASSWORD: 'correct horse battery staple',
  };
  assert.deepEqual(api.checkSettings(good, 'en'), { problems: [], warnings: [] });
  const bad = api.checkSettings({ ...good, BOOTSTRAP_ADMIN_PASSWORD: 'root is my password', ARGON2_T: 'two', TEST_CLOCK: '1' }, 'en');
  assert.deepEqual(bad.problems.map((p) => [p.setting, p.code, p.rule]), [
    ['ARGON2_T', 'setting_out_of_range', null],
    ['BOOTSTRAP_ADMIN_PASSWORD', 'bootstrap_admin_refused', 'password_contains_email'],
  ]);
  assert.deepEqual(bad.warnings.map((w) => w.code), ['test_clock_on']);
  assert.ok(!JSON.stringify(bad).includes('root is my password'));
  // Whatever arrives, an answer: nothing set is every required setting missing.
  for (const nothing of [undefined, null, 42, 'x', [], { MAIL_FROM: 7 }]) {
    assert.deepEqual(api.checkSettings(nothing, 'en').problems.map((p) => p.setting), ['MAIL_FROM', 'FACTOR_KEY', 'IDENTITY_KEYS']);
  }
});

test('the two packages are named apart, and versioned together', async () => {
  const { readFileSync } = await import('node:fs');
  const manifest = (dir) => JSON.parse(readFileSync(new URL(`../../pkg/${dir}/package.json`, import.meta.url)));
  const [browser, node] = [manifest('web'), manifest('node')];
  assert.deepEqual([browser.name, node.name], ['livechat-access-browser', 'livechat-access-node']);
  assert.equal(browser.version, node.version);
});

// HeldActor: the same answers as isAllowed, on every shape an action may take, good or bad.
const actor = { id: 'u1', organization: 'acme', role: 'agent', modules: ['livechat', 'history'], questionnaires: ['site'] };
const conversation = (fields) => ({ organization: 'acme', ...fields });
const actions = [
  { type: 'accessModule', module: 'livechat' }, { type: 'accessModule', module: 'history' },
  { type: 'accessModule', module: 'settings' }, { type: 'accessModule', module: '' },
  { type: 'accessModule', module: 7 }, { type: 'accessModule' }, { type: 'accessModule', module: 'livechat', extra: 1 },
  ...['viewConversation', 'replyConversation', 'transferConversation', 'closeConversation'].flatMap((type) => [
    { type, conversation: conversation({ assignedTo: 'u1' }) }, { type, conversation: conversation({ assignedTo: 'u2' }) },
    { type, conversation: conversation({}) }, { type, conversation: conversation({ assignedTo: null }) },
    { type, conversation: conversation({ assignedTo: undefined }) }, { type, conversation: conversation({ assignedTo: 3 }) },
    { type, conversation: { organization: 'globex', assignedTo: 'u1' } }, { type, conversation: { assignedTo: 'u1' } },
    { type, conversation: conversation({ assignedTo: 'u1', extra: true }) }, { type, conversation: 'c1' }, { type },
  ]),
  { type: 'openConversation' }, { type: 'listUsers' }, { type: 'changeSettings' }, { type: 'viewAudit' },
  { type: 'viewAudit', extra: 1 }, { type: 'listUsers', organization: 'acme' },
  { type: 'viewUser', target: { id: 'u1', organization: 'acme', role: 'agent' } },
  { type: 'issueIdentityToken', target: { id: 'u1', organization: 'acme', role: 'agent' } },
  { type: 'deleteUser', target: { id: 'u2', organization: 'acme', role: 'agent' }, activeAdmins: 1 },
  { type: 'nothing' }, { type: 3 }, {}, null, undefined, 'accessModule', [], new Map([['type', 'listUsers']]),
];

test('a held actor answers exactly as isAllowed, whatever the action', () => {
  for (const who of [actor, { ...actor, role: 'manager', modules: ['livechat', 'users'] }, { ...actor, role: 'admin', modules: ['livechat', 'settings'] }, { ...actor, disabled: true }]) {
    const held = new api.HeldActor(who);
    assert.equal(held.error, null);
    for (const action of actions) {
      assert.deepEqual(held.isAllowed(action), api.isAllowed(who, action), `${who.role} ${JSON.stringify(action)}`);
    }
    held.free();
  }
});

test('a held actor\'s answers are frozen, and an unreadable actor denies everything, saying why', () => {
  const held = new api.HeldActor(actor);
  const answer = held.isAllowed({ type: 'accessModule', module: 'livechat' });
  assert.ok(Object.isFrozen(answer));
  assert.throws(() => { 'use strict'; answer.allowed = false; }, TypeError);
  assert.deepEqual(held.isAllowed({ type: 'accessModule', module: 'livechat' }), { allowed: true });
  for (const bad of [undefined, null, 1, {}, { id: 'u1' }]) {
    const unread = new api.HeldActor(bad);
    assert.notEqual(unread.error, null);
    assert.deepEqual(unread.isAllowed({ type: 'listUsers' }), api.isAllowed(bad, { type: 'listUsers' }));
  }
});

test('a held actor from identity claims decides as the Worker would for that person', () => {
  const claims = {
    iss: 'https://chat.example', aud: 'livechat-access', sub: 'u9', org: 'acme', email: 'nina@exemple.fr', role: 'manager',
    modules: ['livechat', 'users'], livechat: { languages: ['fr'], mainLanguage: 'fr', questionnaires: ['site', 'team-site'],
      ownQuestionnaires: ['site'], channels: ['chat'], maxConversations: null }, iat: 1, exp: 301, jti: 'j',
  };
  const held = api.HeldActor.fromClaims(claims);
  assert.equal(held.error, null);
  const same = { id: 'u9', organization: 'acme', role: 'manager', modules: ['livechat', 'users'], questionnaires: ['site'] };
  for (const action of [...actions, { type: 'inviteUser', grant: { role: 'agent', modules: ['livechat'], questionnaires: ['team-site'] } }]) {
    assert.deepEqual(held.isAllowed(action), api.isAllowed(same, action), JSON.stringify(action));
  }
  // Another organization's conversation does not exist for it.
  assert.deepEqual(held.isAllowed({ type: 'viewConversation', conversation: { organization: 'globex' } }), { allowed: false, code: 'not_found' });
  assert.equal(api.HeldActor.fromClaims({ ...claims, role: 'owner' }).error, 'field_invalid');
  assert.equal(api.HeldActor.fromClaims(null).error, 'field_invalid');
});
