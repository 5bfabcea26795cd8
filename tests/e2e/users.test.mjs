// Accounts over HTTP: the same form corpus as the core, roles' allowed and denied paths,
// pagination, the last admin, and bad input that must change nothing.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE, api, adminToken, newOrganization, createUser, sql, unique, codes, offer, offerFixture, PASSWORD, signIn } from './client.mjs';

const corpus = JSON.parse(readFileSync(new URL('../fixtures/forms.json', import.meta.url), 'utf8'));
const expected = (c) => c.errors.map(([f, code]) => [f, code]).sort();

// The default organization offers what the core's corpus is read against, and what these tests use.
before(async () => {
  const token = await adminToken();
  await offerFixture(token);
  await offer(token, { questionnaires: ['other-site'] });
});

test('POST /users gives exactly the core corpus answers (browser and server agree)', async () => {
  const token = await adminToken();
  for (const c of corpus.filter((c) => c.form === 'user')) {
    const res = await api('POST', '/users', { token, body: c.input });
    if (c.errors.length === 0) {
      assert.equal(res.status, 201, `${c.name}: ${JSON.stringify(res.body)}`);
    } else {
      assert.equal(res.status, 422, c.name);
      assert.deepEqual(codes(res.body), expected(c), c.name);
    }
  }
});

test('PATCH /users/{id} gives the corpus answers for edits', async () => {
  const token = await adminToken();
  const target = await createUser(token);
  for (const c of corpus.filter((c) => c.form === 'patch')) {
    const res = await api('PATCH', `/users/${target.id}`, { token, body: c.input });
    assert.equal(res.status, c.errors.length ? 422 : 200, c.name);
    assert.deepEqual(codes(res.body), expected(c), c.name);
  }
});

test('create, read, edit, delete an agent; one account per email, whatever the case', async () => {
  const token = await adminToken();
  const email = unique('Claire');
  const created = await api('POST', '/users', { token, body: {
    email, password: PASSWORD, role: 'agent', modules: ['livechat', 'history'],
    livechat: { maxConversations: 2, languages: ['fr', 'en'], mainLanguage: 'en', questionnaires: ['site-fr'], channels: ['chat', 'messaging'] },
    profile: { firstName: 'Claire', pseudonym: '<b>Claire</b>', avatarUrl: 'https://cdn.e2e.test/c.png', timeZone: 'America/Montreal' } } });
  assert.equal(created.status, 201);
  const id = created.body.id;
  assert.deepEqual(created.body.modules, ['history', 'livechat']);
  assert.equal(created.body.livechat.maxConversations, 2);
  assert.equal(created.body.profile.pseudonym, '<b>Claire</b>', 'stored as text; the page escapes it');
  const dup = await api('POST', '/users', { token, body: { email: email.toUpperCase().replace('@E2E.TEST', '@e2e.test'), password: PASSWORD, role: 'agent' } });
  assert.equal(dup.status, 409);
  assert.deepEqual(codes(dup.body), [['email', 'email_taken']]);
  const read = await api('GET', `/users/${id}`, { token });
  assert.deepEqual(read.body, created.body);
  const edited = await api('PATCH', `/users/${id}`, { token, body: { livechat: { maxConversations: null }, profile: { lastName: 'Roy' } } });
  assert.equal(edited.status, 200);
  assert.equal(edited.body.livechat.maxConversations, null);
  assert.equal(edited.body.profile.firstName, 'Claire');
  assert.equal(edited.body.profile.lastName, 'Roy');
  const inconsistent = await api('PATCH', `/users/${id}`, { token, body: { livechat: { languages: ['de'] } } });
  assert.equal(inconsistent.status, 200, 'the main language follows the accepted languages');
  assert.equal(inconsistent.body.livechat.mainLanguage, 'de');
  assert.equal((await api('DELETE', `/users/${id}`, { token })).status, 204);
  assert.equal((await api('GET', `/users/${id}`, { token })).status, 404);
  assert.equal((await api('DELETE', `/users/${id}`, { token })).status, 404);
});

test('an admin always holds every module', async () => {
  const token = await adminToken();
  const admin = await createUser(token, { role: 'admin', modules: ['livechat'] });
  const extra = (await api('GET', '/organization/catalog', { token })).body.modules;
  assert.ok(extra.length > 0, 'the catalog offers an extra module');
  assert.deepEqual(admin.modules, ['history', 'livechat', 'settings', 'statistics', 'users', ...extra].sort());
  assert.deepEqual(admin.livechat.questionnaires, []);
});

test('agents: no user management, but their own profile', async () => {
  const admin = await adminToken();
  const agent = await createUser(admin);
  assert.equal((await api('GET', '/users', { token: agent.token })).status, 403);
  const create = await api('POST', '/users', { token: agent.token, body: { email: unique(), password: PASSWORD, role: 'agent' } });
  assert.equal(create.status, 403);
  assert.equal(create.body.code, 'forbidden');
  assert.equal((await api('GET', `/users/${agent.id}`, { token: agent.token })).status, 200);
  const own = await api('PATCH', `/users/${agent.id}`, { token: agent.token, body: { profile: { pseudonym: 'Sam' } } });
  assert.equal(own.status, 200);
  const role = await api('PATCH', `/users/${agent.id}`, { token: agent.token, body: { role: 'admin' } });
  assert.equal(role.status, 403);
  assert.equal(role.body.code, 'own_role_change');
  const limit = await api('PATCH', `/users/${agent.id}`, { token: agent.token, body: { livechat: { maxConversations: 50 } } });
  assert.equal(limit.body.code, 'own_role_change');
  const other = await createUser(admin);
  assert.equal((await api('GET', `/users/${other.id}`, { token: agent.token })).status, 404);
  assert.equal((await api('GET', '/audit', { token: agent.token })).status, 403);
});

test('managers manage agents only and grant no more than they hold', async () => {
  const admin = await adminToken();
  const manager = await createUser(admin, { role: 'manager', modules: ['livechat', 'users'], livechat: { questionnaires: ['shop'] } });
  const agent = await api('POST', '/users', { token: manager.token, body: { email: unique(), password: PASSWORD, role: 'agent', livechat: { questionnaires: ['shop'] } } });
  assert.equal(agent.status, 201);
  for (const [body, code] of [
    [{ role: 'manager' }, 'privilege_escalation'],
    [{ role: 'admin' }, 'privilege_escalation'],
    [{ role: 'agent', modules: ['livechat', 'statistics'] }, 'privilege_escalation'],
    [{ role: 'agent', livechat: { questionnaires: ['other-site'] } }, 'privilege_escalation'],
  ]) {
    const res = await api('POST', '/users', { token: manager.token, body: { email: unique(), password: PASSWORD, ...body } });
    assert.equal(res.status, 403, JSON.stringify(body));
    assert.equal(res.body.code, code);
  }
  const promote = await api('PATCH', `/users/${agent.body.id}`, { token: manager.token, body: { role: 'manager' } });
  assert.equal(promote.body.code, 'privilege_escalation');
  const list = await api('GET', '/users?limit=100', { token: manager.token });
  assert.equal(list.status, 200);
  assert.ok(list.body.items.every((u) => u.role === 'agent' || u.id === manager.id));
  const someAdmin = (await api('GET', '/users?role=admin', { token: admin })).body.items[0];
  assert.equal((await api('GET', `/users/${someAdmin.id}`, { token: manager.token })).status, 404);
  assert.equal((await api('DELETE', `/users/${someAdmin.id}`, { token: manager.token })).status, 404);
  assert.equal((await api('DELETE', `/users/${agent.body.id}`, { token: manager.token })).status, 204);
});

test('nobody deletes themself', async () => {
  const root = await adminToken();
  const me = (await api('GET', '/me', { token: root })).body;
  const self = await api('DELETE', `/users/${me.id}`, { token: root });
  assert.equal(self.status, 403);
  assert.equal(self.body.code, 'self_delete');
});

test('the last two active admins disabled at once: exactly one is, the other stays (the D1 guard)', async () => {
  // A SCIM token acts for its organization without a session of its own, so neither request can
  // be stopped by the other ending its session: only the guarded write decides. Five rounds, each
  // in a fresh organization with exactly two active admins.
  for (let round = 0; round < 5; round++) {
    const organization = await newOrganization({ name: 'Race' });
    const { slug, session: a } = organization;
    const b = await api('POST', '/users', { token: a.token, body: { email: unique('race-b'), password: PASSWORD, role: 'admin' } });
    assert.equal(b.status, 201);
    const scimToken = (await api('POST', '/organization/scim-tokens', { token: a.token, body: { name: 'race' } })).body.token;
    const deactivate = (id) => fetch(`${BASE}/scim/v2/${slug}/Users/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] }),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const answers = await Promise.all([deactivate(a.user.id), deactivate(b.body.id)]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 403], JSON.stringify(answers));
    assert.match(answers.find((r) => r.status === 403).body.detail, /^last_admin: /);
    const [{ active }] = await sql(`SELECT COUNT(*) AS active FROM users WHERE organization_id = '${organization.id}' AND role = 'admin' AND disabled = 0`);
    assert.equal(active, 1, 'exactly one active admin remains');
  }
});

test('cursor pagination walks every match once, in order', async () => {
  const token = await adminToken();
  const tag = `page${Date.now().toString(36)}`;
  const made = [];
  for (let i = 0; i < 7; i++) made.push((await createUser(token, { email: `${tag}.${i}@e2e.test` })).email);
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const res = await api('GET', `/users?q=${tag}&limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token });
    assert.equal(res.status, 200);
    seen.push(...res.body.items.map((u) => u.email));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual(seen, made.sort());
  const bad = await api('GET', '/users?role=pope', { token });
  assert.equal(bad.status, 422);
});

test('bad input of every kind gets a clear error and changes nothing', async () => {
  const token = await adminToken();
  const target = await createUser(token, { profile: { firstName: 'Intact' } });
  const before = (await api('GET', `/users/${target.id}`, { token })).body;
  // Counted in D1 itself: a page of the API would stop at its limit, and this organization holds
  // more people than a page by then.
  const count = async () => (await sql("SELECT COUNT(*) AS n FROM users WHERE organization_id = 'default'"))[0].n;
  const n = await count();
  const attempts = [
    { email: "x'); DROP TABLE users;--", password: PASSWORD, role: 'agent' },
    { email: target.email, password: PASSWORD, role: 'agent' },
    { email: 42, password: [], role: {} },
    { email: unique(), password: PASSWORD, role: 'agent', modules: ['livechat', "'; DELETE FROM users; --"] },
    { email: unique(), password: PASSWORD, role: 'agent', profile: { firstName: 'a'.repeat(101) } },
    { email: unique(), password: '\u0000'.repeat(3), role: 'agent' },
    null, [], 'string', 12,
  ];
  for (const body of attempts) {
    const res = await api('POST', '/users', { token, body });
    assert.ok([409, 422].includes(res.status), `${JSON.stringify(body)} -> ${res.status}`);
    assert.ok(res.body.code && Array.isArray(res.body.errors), 'a code and field errors');
  }
  for (const body of [{ role: 'root' }, { email: 'nope' }, { livechat: { languages: [] } }, { disabled: 'true' }, { id: 'x' }]) {
    const res = await api('PATCH', `/users/${target.id}`, { token, body });
    assert.equal(res.status, 422, JSON.stringify(body));
  }
  const sqlish = await api('GET', `/users?q=${encodeURIComponent("%' OR 1=1 --")}`, { token });
  assert.equal(sqlish.status, 200);
  assert.equal(sqlish.body.items.length, 0);
  assert.deepEqual((await api('GET', `/users/${target.id}`, { token })).body, before);
  assert.equal(await count(), n);
});

test('the audit log records who changed whose access (admins only)', async () => {
  const token = await adminToken();
  const user = await createUser(token);
  await api('PATCH', `/users/${user.id}`, { token, body: { modules: ['livechat', 'statistics'] } });
  await api('DELETE', `/users/${user.id}`, { token });
  const log = await api('GET', '/audit?limit=50', { token });
  assert.equal(log.status, 200);
  const mine = log.body.items.filter((e) => e.targetId === user.id).map((e) => e.action);
  assert.deepEqual(mine, ['removed', 'changed', 'created']);
  const change = log.body.items.find((e) => e.targetId === user.id && e.action === 'changed');
  assert.deepEqual(change.before.modules, ['livechat']);
  assert.deepEqual(change.after.modules, ['livechat', 'statistics']);
});

test('an account that has signed in can be deleted (its sessions go with it)', async () => {
  const admin = await adminToken();
  const lea = await createUser(admin);
  const removed = await api('DELETE', `/users/${lea.id}`, { token: admin });
  assert.equal(removed.status, 204, JSON.stringify(removed.body));
  assert.equal((await api('GET', '/me', { token: lea.token })).status, 401);
});
