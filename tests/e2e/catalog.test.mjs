// The organization's catalog over HTTP: who reads and changes it, what forms take from it, why a
// removal is refused, admins' modules following it, the audit trail, and a race with a write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminToken, createUser, offer, unique, sql, codes } from './client.mjs';

const suffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
const catalogOf = async (token) => (await api('GET', '/organization/catalog', { token })).body;
const put = (token, body) => api('PUT', '/organization/catalog', { token, body });
const without = (catalog, id) => ({ ...catalog, questionnaires: catalog.questionnaires.filter((q) => q.id !== id) });

test('every member reads the catalog; only admins change it', async () => {
  const admin = await adminToken();
  const catalog = await catalogOf(admin);
  assert.ok(catalog.languages.includes('fr') && ['fr', 'en'].includes(catalog.locale));
  const agent = await createUser(admin);
  const manager = await createUser(admin, { role: 'manager' });
  assert.deepEqual(await catalogOf(agent.token), catalog);
  for (const token of [agent.token, manager.token]) {
    const res = await put(token, catalog);
    assert.equal(res.status, 403);
    assert.equal(res.body.code, 'forbidden');
  }
  assert.equal((await api('GET', '/organization/catalog')).status, 401);
});

test('a wrong catalog is refused entry by entry and changes nothing', async () => {
  const admin = await adminToken();
  const before = await catalogOf(admin);
  const res = await put(admin, {
    questionnaires: [{ id: 'Bad Id', name: '' }, { id: 'ok', name: 'OK', language: 'pt' }, { id: 'ok', name: 'again' }],
    modules: ['livechat'], languages: ['fr', 'xx'], locale: 'de', extra: 1,
  });
  assert.equal(res.status, 422);
  assert.deepEqual(codes(res.body), [
    ['extra', 'unknown_field'], ['languages[1]', 'language_unknown'], ['locale', 'field_invalid'],
    ['modules[0]', 'catalog_duplicate'], ['questionnaires[0].id', 'questionnaire_invalid'],
    ['questionnaires[0].name', 'field_required'], ['questionnaires[1].language', 'language_not_offered'],
    ['questionnaires[2].id', 'catalog_duplicate'],
  ]);
  const fr = await api('PUT', '/organization/catalog', { token: admin, body: { languages: [] }, headers: { 'accept-language': 'fr' } });
  assert.ok(fr.body.errors.some((e) => e.code === 'languages_empty' && e.message === 'Choisissez au moins une langue'));
  assert.deepEqual(await catalogOf(admin), before);
});

test('forms take questionnaires and languages from the catalog only', async () => {
  const admin = await adminToken();
  const q = `q-${suffix()}`;
  await offer(admin, { questionnaires: [q] });
  const form = (livechat) => ({ email: unique(), password: 'a long enough passphrase', role: 'agent', livechat });
  assert.equal((await api('POST', '/users', { token: admin, body: form({ questionnaires: [q] }) })).status, 201);
  const refused = await api('POST', '/users', { token: admin, body: form({ questionnaires: [q, `never-${suffix()}`], languages: ['fr', 'pt'] }) });
  assert.equal(refused.status, 422);
  assert.deepEqual(codes(refused.body), [['livechat.languages', 'language_not_offered'], ['livechat.questionnaires', 'questionnaire_unknown']]);
  const invitation = await api('POST', '/invitations', { token: admin, body: { emails: [unique()], role: 'agent', livechat: { questionnaires: ['nope-nope'] } } });
  assert.deepEqual(codes(invitation.body), [['livechat.questionnaires', 'questionnaire_unknown']]);
  const agent = await createUser(admin);
  const patch = await api('PATCH', `/users/${agent.id}`, { token: admin, body: { livechat: { mainLanguage: 'pt' } } });
  assert.deepEqual(codes(patch.body), [['livechat.mainLanguage', 'language_not_offered']]);
});

test('removing a questionnaire someone holds is refused with every holder; once taken away, it goes', async () => {
  const admin = await adminToken();
  const q = `held-${suffix()}`;
  const catalog = await offer(admin, { questionnaires: [q] });
  const agent = await createUser(admin, { livechat: { questionnaires: [q] } });
  const invitee = unique('invitee');
  const invited = (await api('POST', '/invitations', { token: admin, body: { emails: [invitee], role: 'agent', livechat: { questionnaires: [q] } } })).body.results[0];

  const refused = await put(admin, without(catalog, q));
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code, 'catalog_entry_in_use');
  assert.deepEqual(codes(refused.body), [['questionnaires', 'catalog_entry_in_use']]);
  assert.match(refused.body.errors[0].message, new RegExp(`${q}.*2`));
  assert.deepEqual(refused.body.holders, [{ field: 'questionnaires', value: q, holders: [
    { id: agent.id, email: agent.email, kind: 'user' },
    { id: invited.invitationId, email: invitee, kind: 'invitation' },
  ] }]);
  assert.ok((await catalogOf(admin)).questionnaires.some((e) => e.id === q), 'nothing changed');

  // The admin takes it away from both, then the removal goes through.
  assert.equal((await api('PATCH', `/users/${agent.id}`, { token: admin, body: { livechat: { questionnaires: [] } } })).status, 200);
  assert.equal((await api('DELETE', `/invitations/${invited.invitationId}`, { token: admin })).status, 204);
  const removed = await put(admin, without(await catalogOf(admin), q));
  assert.equal(removed.status, 200, JSON.stringify(removed.body));
  assert.ok(!removed.body.questionnaires.some((e) => e.id === q));
  const [entry] = (await api('GET', '/audit?limit=5', { token: admin })).body.items.filter((e) => e.action === 'catalog_changed');
  assert.ok(entry.before.questionnaires.some((e) => e.id === q) && !entry.after.questionnaires.some((e) => e.id === q));
});

test("an extra module follows on admins; an agent holding it keeps it from being removed", async () => {
  const admin = await adminToken();
  const module = `crm${suffix()}`.slice(0, 40);
  const me = (await api('GET', '/me', { token: admin })).body;
  const added = await offer(admin, { modules: [module] });
  assert.ok((await api('GET', `/users/${me.id}`, { token: admin })).body.modules.includes(module), 'admins hold every module');
  const agent = await createUser(admin, { modules: ['livechat', module] });
  const refused = await put(admin, { ...added, modules: added.modules.filter((m) => m !== module) });
  assert.equal(refused.status, 409);
  assert.deepEqual(refused.body.holders.map((h) => [h.field, h.value, h.holders.map((x) => x.id)]), [['modules', module, [agent.id]]]);
  await api('PATCH', `/users/${agent.id}`, { token: admin, body: { modules: ['livechat'] } });
  const removed = await put(admin, { ...added, modules: added.modules.filter((m) => m !== module) });
  assert.equal(removed.status, 200);
  assert.ok(!(await api('GET', `/users/${me.id}`, { token: admin })).body.modules.includes(module), 'and lose it with the catalog');
});

test('a removal racing writes that take the questionnaire: never a holder of a removed entry', async () => {
  const admin = await adminToken();
  for (let round = 0; round < 3; round++) {
    const q = `race-${suffix()}`;
    const catalog = await offer(admin, { questionnaires: [q] });
    const form = () => ({ email: unique('racer'), password: 'a long enough passphrase', role: 'agent', livechat: { questionnaires: [q] } });
    const answers = await Promise.all([
      ...[1, 2, 3].map(() => api('POST', '/users', { token: admin, body: form() })),
      put(admin, without(catalog, q)),
      ...[1, 2].map(() => api('POST', '/invitations', { token: admin, body: { emails: [unique('racer')], role: 'agent', livechat: { questionnaires: [q] } } })),
    ]);
    for (const a of answers) assert.ok([200, 201, 409, 422].includes(a.status), JSON.stringify(a.body));
    const listed = (await catalogOf(admin)).questionnaires.some((e) => e.id === q);
    const [{ n }] = await sql(`SELECT (SELECT COUNT(*) FROM users u, json_each(u.access, '$.livechat.questionnaires') j WHERE j.value = '${q}')
      + (SELECT COUNT(*) FROM invitations i, json_each(i.access, '$.livechat.questionnaires') j WHERE j.value = '${q}' AND i.status = 'pending') AS n`);
    assert.ok(listed || n === 0, `round ${round}: ${q} removed but held ${n} times`);
  }
});
