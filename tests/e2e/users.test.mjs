// Accounts over HTTP: the same form corpus as the core, roles' allowed and denied paths,
// pagination, the last admin, and bad input that must change nothing.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, adminToken, createUser, unique, codes, offer, offerFixture, PASSWORD, signIn } from './client.mjs';

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

test('nobody deletes themself; the last two admins cannot demote each other at once', async () => {
  const root = await adminToken();
  const me = (await api('GET', '/me', { token: root })).body;
  const self = await api('DELETE', `/users/${me.id}`, { token: root });
  assert.equal(self.status, 403);
  assert.equal(self.body.code, 'self_delete');
  // Leave exactly two active admins: root and a new one.
  const admins = (await api('GET', '/users?role=admin&limit=100', { token: root })).body.items;
  for (const a of admins.filter((a) => a.id !== me.id && !a.disabled)) {
    assert.equal((await api('PATCH', `/users/${a.id}`, { token: root, body: { disabled: true } })).status, 200);
  }
  const other = await createUser(root, { role: 'admin' });
  const [a, b] = await Promise.all([
    api('PATCH', `/users/${other.id}`, { token: root, body: { role: 'agent' } }),
    api('PATCH', `/users/${me.id}`, { token: other.token, body: { role: 'agent' } }),
  ]);
  const statuses = [a.status, b.status].sort();
  assert.equal(statuses.filter((s) => s === 200).length, 1, JSON.stringify([a.body, b.body]));
  assert.ok([b, a].some((r) => r.body.code === 'last_admin' || r.status === 401), 'the loser is refused');
  const left = (await api('GET', '/users?role=admin&limit=100', { token: a.status === 200 ? root : other.token })).body.items.filter((u) => !u.disabled);
  assert.equal(left.length, 1, 'exactly one active admin remains');
  // Put root back in charge for the other tests.
  if (a.status !== 200) {
    await api('PATCH', `/users/${me.id}`, { token: other.token, body: { role: 'admin' } });
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
  const count = async () => (await api('GET', '/users?limit=100', { token })).body.items.length;
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
