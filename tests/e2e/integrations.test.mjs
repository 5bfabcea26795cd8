// Integration keys (issue #20): each organization's chat box opens conversations in that
// organization with its own key, routed among its own agents; a key acts only within its scopes
// and its organization; revoked, it fails at once; the deployment's SERVICE_TOKEN, still set,
// works as the default organization's chat-box key and nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  api, adminToken, createUser, integrationKey, newOrganization, offer, reconfigure,
  SERVICE_TOKEN,
} from './client.mjs';

const conversationOf = (q) => ({ questionnaire: q, language: 'fr', channel: 'chat' });

/** An organization with a questionnaire, an online agent for it, and its admin's session. */
async function company(name) {
  const org = await newOrganization({ name });
  const admin = org.session.token;
  const q = `site-${org.slug}`;
  await offer(admin, { questionnaires: [q] });
  const agent = await createUser(admin, { livechat: { questionnaires: [q], languages: ['fr'] } }, { organization: org.slug });
  assert.equal((await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } })).status, 200);
  return { ...org, admin, q, agent };
}

const [acme, globex] = await Promise.all([company('Acme'), company('Globex')]);

test('each organization\'s chat box opens conversations in its own organization, routed to its own agents only', async () => {
  const [acmeBox, globexBox] = await Promise.all([integrationKey(acme.admin), integrationKey(globex.admin)]);
  assert.match(acmeBox, /^lca_live_[A-Za-z0-9_-]{43}$/);
  for (const [box, own, other] of [[acmeBox, acme, globex], [globexBox, globex, acme]]) {
    const opened = await api('POST', '/conversations', { token: box, body: conversationOf(own.q) });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    assert.equal(opened.body.assignedTo, own.agent.id);
    assert.equal(opened.body.conversation.organization, own.id);
    assert.equal(opened.body.routing.eligible, 1, 'only its own agent was a candidate');
    // The other organization's questionnaire does not exist for this key.
    const foreign = await api('POST', '/conversations', { token: box, body: conversationOf(other.q) });
    assert.equal(foreign.status, 422);
    assert.deepEqual(foreign.body.errors.map((e) => [e.field, e.code]), [['questionnaire', 'questionnaire_unknown']]);
    // The agent sees it; the other organization's agent does not.
    const mine = await api('GET', '/conversations', { token: own.agent.token });
    assert.ok(mine.body.items.some((c) => c.id === opened.body.id));
    const theirs = await api('GET', '/conversations', { token: other.agent.token });
    assert.ok(!theirs.body.items.some((c) => c.id === opened.body.id));
  }
});

test('a key acts within its scopes only: anything else is 403 with a stable code', async () => {
  const box = await integrationKey(acme.admin, ['conversations:open']);
  const scopeMissing = async (method, path, body) => {
    const res = await api(method, path, { token: box, body });
    assert.equal(res.status, 403, `${method} ${path}`);
    assert.equal(res.body.code, 'key_scope_missing', `${method} ${path}`);
  };
  await scopeMissing('GET', '/users');
  await scopeMissing('GET', `/users/${acme.agent.id}`);
  await scopeMissing('GET', '/conversations');
  await scopeMissing('POST', '/token', { userId: acme.agent.id });
  const opened = (await api('POST', '/conversations', { token: box, body: conversationOf(acme.q) })).body;
  await scopeMissing('POST', `/conversations/${opened.id}/close`);
  // What no key may do: managing people, settings, one's own account.
  for (const [method, path, body] of [
    ['GET', '/me'], ['POST', '/users', { email: 'x@e2e.test', role: 'admin' }], ['GET', '/audit'],
    ['GET', '/organization/integration-keys'], ['PUT', '/me/presence', { status: 'online' }],
  ]) {
    const res = await api(method, path, { token: box, body });
    assert.deepEqual([res.status, res.body.code], [403, 'key_not_accepted'], `${method} ${path}`);
  }

  // A chat server's key reads and manages conversations, and reads people.
  const server = await integrationKey(acme.admin, ['conversations:read', 'conversations:manage', 'people:read'], 'Chat server');
  const people = await api('GET', '/users', { token: server });
  assert.equal(people.status, 200);
  assert.ok(people.body.items.some((u) => u.id === acme.agent.id));
  assert.ok(people.body.items.every((u) => u.organization === acme.id));
  assert.equal((await api('GET', `/users/${acme.agent.id}`, { token: server })).body.email, acme.agent.email);
  const all = await api('GET', '/conversations', { token: server });
  assert.ok(all.body.items.some((c) => c.id === opened.id));
  assert.ok(all.body.items.every((c) => c.organization === acme.id));
  const closed = await api('POST', `/conversations/${opened.id}/close`, { token: server });
  assert.deepEqual([closed.status, closed.body.status], [200, 'closed']);
  // It cannot open conversations.
  const refused = await api('POST', '/conversations', { token: server, body: conversationOf(acme.q) });
  assert.deepEqual([refused.status, refused.body.code], [403, 'key_scope_missing']);
});

test('a key of one organization finds nothing of another', async () => {
  const every = ['conversations:open', 'people:read', 'conversations:read', 'conversations:manage', 'identity:issue'];
  const globexKey = await integrationKey(globex.admin, every, 'Everything');
  const acmeBox = await integrationKey(acme.admin);
  const acmeConversation = (await api('POST', '/conversations', { token: acmeBox, body: conversationOf(acme.q) })).body;
  for (const [method, path, body] of [
    ['GET', `/users/${acme.agent.id}`],
    ['POST', `/conversations/${acmeConversation.id}/close`],
    ['POST', `/conversations/${acmeConversation.id}/transfer`, { to: globex.agent.id }],
    ['POST', '/token', { userId: acme.agent.id }],
  ]) {
    const res = await api(method, path, { token: globexKey, body });
    assert.deepEqual([res.status, res.body.code], [404, 'not_found'], `${method} ${path}`);
  }
  // Nor does Acme's admin see Globex's keys, or revoke them.
  const globexKeys = (await api('GET', '/organization/integration-keys', { token: globex.admin })).body.items;
  const acmeKeys = (await api('GET', '/organization/integration-keys', { token: acme.admin })).body.items;
  assert.ok(!acmeKeys.some((k) => globexKeys.some((g) => g.id === k.id)));
  const revoke = await api('DELETE', `/organization/integration-keys/${globexKeys[0].id}`, { token: acme.admin });
  assert.equal(revoke.status, 404);
  const conversation = (await api('GET', '/conversations', { token: acme.admin })).body.items.find((c) => c.id === acmeConversation.id);
  assert.equal(conversation.status, 'assigned', 'untouched');
});

test('keys are shown once, recognisable, their use recorded, audited; two work side by side until one is revoked', async () => {
  const created = await api('POST', '/organization/integration-keys', {
    token: acme.admin, body: { name: 'Chat box v1', scopes: ['conversations:open'] },
  });
  assert.equal(created.status, 201);
  const { key: old, id: oldId } = created.body;
  assert.equal(created.body.hint, old.slice(0, 13));
  assert.deepEqual(created.body.scopes, ['conversations:open']);
  const listed = (await api('GET', '/organization/integration-keys', { token: acme.admin })).body.items.find((k) => k.id === oldId);
  assert.equal(listed.key, undefined, 'never shown again');
  assert.equal(listed.lastUsedAt, null);
  assert.ok(!JSON.stringify((await api('GET', '/organization/integration-keys', { token: acme.admin })).body).includes(old));

  // Used at an instant the test sets: recorded exactly.
  const at = Date.UTC(2031, 1, 28, 23, 59);
  const used = await api('POST', '/conversations', { token: old, body: conversationOf(acme.q), headers: { 'x-test-clock': String(at) } });
  assert.equal(used.status, 201);
  const after = (await api('GET', '/organization/integration-keys', { token: acme.admin })).body.items.find((k) => k.id === oldId);
  assert.equal(after.lastUsedAt, at);

  // Rotation: the new key and the old one both work, then the old one is revoked and fails at once.
  const next = await integrationKey(acme.admin, ['conversations:open'], 'Chat box v2');
  const opens = async (key) => (await api('POST', '/conversations', { token: key, body: conversationOf(acme.q) })).status;
  assert.deepEqual([await opens(next), await opens(old)], [201, 201]);
  assert.equal((await api('DELETE', `/organization/integration-keys/${oldId}`, { token: acme.admin })).status, 204);
  const refused = await api('POST', '/conversations', { token: old, body: conversationOf(acme.q) });
  assert.deepEqual([refused.status, refused.body.code], [401, 'unauthenticated']);
  assert.equal(await opens(next), 201);
  // Revoking again changes nothing.
  assert.equal((await api('DELETE', `/organization/integration-keys/${oldId}`, { token: acme.admin })).status, 204);
  const revoked = (await api('GET', '/organization/integration-keys', { token: acme.admin })).body.items.find((k) => k.id === oldId);
  assert.equal(typeof revoked.revokedAt, 'number');

  const audit = (await api('GET', '/audit?limit=200', { token: acme.admin })).body.items;
  const about = audit.filter((e) => e.targetId === oldId).map((e) => e.action).sort();
  assert.deepEqual(about, ['integration_key_created', 'integration_key_revoked']);

  // Bad forms: a stable code per field, nothing created.
  const before = (await api('GET', '/organization/integration-keys', { token: acme.admin })).body.items.length;
  const bad = await api('POST', '/organization/integration-keys', { token: acme.admin, body: { name: '', scopes: ['admin', 'people:read'] } });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e) => [e.field, e.code]).sort(), [['name', 'field_required'], ['scopes[0]', 'scope_unknown']]);
  const none = await api('POST', '/organization/integration-keys', { token: acme.admin, body: { name: 'x', scopes: [] } });
  assert.deepEqual(none.body.errors.map((e) => [e.field, e.code]), [['scopes', 'scopes_empty']]);
  assert.equal((await api('GET', '/organization/integration-keys', { token: acme.admin })).body.items.length, before);
  // Only admins manage keys.
  const agentTries = await api('POST', '/organization/integration-keys', { token: acme.agent.token, body: { name: 'x', scopes: ['people:read'] } });
  assert.equal(agentTries.status, 403);
});

test('a Worker still started with SERVICE_TOKEN: the default organization\'s chat box, nothing more; removing the secret ends it', async () => {
  const admin = await adminToken();
  const q = `legacy-${Date.now().toString(36)}`;
  await offer(admin, { questionnaires: [q] });
  const agent = await createUser(admin, { livechat: { questionnaires: [q], languages: ['fr'] } });
  await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } });
  const opened = await api('POST', '/conversations', { token: SERVICE_TOKEN, body: conversationOf(q) });
  assert.equal(opened.status, 201);
  assert.deepEqual([opened.body.conversation.organization, opened.body.assignedTo], ['default', agent.id]);
  // Another organization's questionnaire: unknown in the default organization, never routed there.
  const elsewhere = await api('POST', '/conversations', { token: SERVICE_TOKEN, body: conversationOf(acme.q) });
  assert.deepEqual([elsewhere.status, elsewhere.body.errors[0].code], [422, 'questionnaire_unknown']);
  // It reads nothing.
  for (const path of ['/users', `/users/${agent.id}`, '/conversations']) {
    const res = await api('GET', path, { token: SERVICE_TOKEN });
    assert.deepEqual([res.status, res.body.code], [403, 'key_scope_missing'], path);
  }
  assert.equal((await api('GET', '/me', { token: SERVICE_TOKEN })).body.code, 'key_not_accepted');
  // Shown as such on the default organization's list, and nowhere else; not revocable there.
  const listed = (await api('GET', '/organization/integration-keys', { token: admin })).body.items;
  const legacy = listed.find((k) => k.deploymentSecret);
  assert.deepEqual([legacy.id, legacy.scopes], ['service-token', ['conversations:open']]);
  assert.ok(!(await api('GET', '/organization/integration-keys', { token: acme.admin })).body.items.some((k) => k.deploymentSecret));
  const revoke = await api('DELETE', '/organization/integration-keys/service-token', { token: admin });
  assert.deepEqual([revoke.status, revoke.body.code], [409, 'service_token_is_a_secret']);
  // /health asks for it to be replaced.
  const health = await api('GET', '/health');
  assert.ok(health.body.warnings.some((w) => w.setting === 'SERVICE_TOKEN' && w.code === 'service_token_deprecated'));

  // Removing the secret ends it.
  const without = (c) => c.replace(/^SERVICE_TOKEN = "[^"]*"$/m, 'SERVICE_TOKEN = ""');
  const answers = async () => (await api('POST', '/conversations', { token: SERVICE_TOKEN, body: conversationOf(q) })).status;
  try {
    await reconfigure(without, async () => (await answers()) === 401);
    const gone = (await api('GET', '/organization/integration-keys', { token: admin })).body.items;
    assert.ok(!gone.some((k) => k.deploymentSecret));
    assert.ok(!(await api('GET', '/health')).body.warnings.some((w) => w.setting === 'SERVICE_TOKEN'));
  } finally {
    await reconfigure((c) => c.replace(/^SERVICE_TOKEN = "[^"]*"$/m, `SERVICE_TOKEN = "${SERVICE_TOKEN}"`), async () => (await answers()) === 201);
  }
});
