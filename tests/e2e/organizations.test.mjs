// Two organizations in one deployment: nothing of one is read, listed, changed, routed or
// transferred through the other (ASVS 5.0 8.4.1). Every endpoint that takes an id is tried with
// the other organization's ids and tokens. (A second organization is written straight into D1
// here; creating one through the API is the operator's, which is still to come.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminToken, createUser, offer, sql, unique, PASSWORD, integrationKey } from './client.mjs';

// The default organization's chat box, by its integration key.
const CHAT_BOX = await integrationKey(await adminToken());

const suffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;

/** A second organization with an admin; the admin's password hash is copied from an account
 * the Worker made, so the same password signs in (a separate account, same address). */
async function otherOrganization(admin, status = 'active') {
  const id = `org-${suffix()}`;
  const slug = `globex-${suffix()}`;
  await sql(`INSERT INTO organizations (id, slug, name, status, created_at) VALUES ('${id}', '${slug}', 'Globex', '${status}', 0)`);
  const seed = await createUser(admin, { role: 'admin' });
  const theirs = `${seed.id}-g`;
  await sql(`INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, created_at, updated_at)
             SELECT '${theirs}', '${id}', email, email_key, password_hash, role, access, profile, 0, 0 FROM users WHERE id = '${seed.id}'`);
  return { id, slug, email: seed.email, userId: theirs, twin: seed };
}

test('signing in names the organization; a wrong slug, address or password are the same 401', async () => {
  const admin = await adminToken();
  const globex = await otherOrganization(admin);
  const ok = await api('POST', '/session', { body: { organization: globex.slug, email: globex.email, password: PASSWORD } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.user.organization, globex.id);
  assert.equal(ok.body.user.id, globex.userId, 'the account of that organization, not its twin');
  const refusals = [
    { organization: `nowhere-${suffix()}`, email: globex.email, password: PASSWORD },
    { organization: globex.slug, email: unique('nobody'), password: PASSWORD },
    { organization: globex.slug, email: globex.email, password: 'not the password at all' },
  ];
  const answers = [];
  for (const body of refusals) {
    const res = await api('POST', '/session', { body });
    answers.push([res.status, res.body.code, res.body.title]);
  }
  assert.deepEqual(answers, Array(3).fill(answers[0]));
  assert.deepEqual(answers[0].slice(0, 2), [401, 'invalid_credentials']);
  // Left out, the organization is the default one: the same address signs in to the twin.
  const twin = await api('POST', '/session', { body: { email: globex.email, password: PASSWORD } });
  assert.equal(twin.body.user.id, globex.twin.id);
  assert.equal(twin.body.user.organization, 'default');
});

test("a suspended organization's people cannot sign in", async () => {
  const admin = await adminToken();
  const suspended = await otherOrganization(admin, 'suspended');
  const res = await api('POST', '/session', { body: { organization: suspended.slug, email: suspended.email, password: PASSWORD } });
  assert.equal(res.status, 401);
  assert.equal(res.body.code, 'invalid_credentials');
});

test("every endpoint answers another organization's ids as unknown ones", async () => {
  const admin = await adminToken();
  const globex = await otherOrganization(admin);
  const token = (await api('POST', '/session', { body: { organization: globex.slug, email: globex.email, password: PASSWORD } })).body.token;

  // Things of the default organization, seen from Globex.
  const q = `site-${suffix()}`;
  await offer(admin, { questionnaires: [q] });
  const agent = await createUser(admin, { livechat: { questionnaires: [q] } });
  await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } });
  const conversation = (await api('POST', '/conversations', { token: CHAT_BOX, body: { questionnaire: q, language: 'fr', channel: 'chat' } })).body;
  assert.equal(conversation.assignedTo, agent.id);
  const invited = (await api('POST', '/invitations', { token: admin, body: { emails: [unique('inv')], role: 'agent' } })).body.results[0];
  assert.equal(invited.status, 'invited');

  const notFound = async (method, path, body) => {
    const res = await api(method, path, { token, body });
    assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.code, 'not_found');
  };
  await notFound('GET', `/users/${agent.id}`);
  await notFound('PATCH', `/users/${agent.id}`, { disabled: true });
  await notFound('DELETE', `/users/${agent.id}`);
  await notFound('POST', `/conversations/${conversation.id}/close`);
  await notFound('POST', `/conversations/${conversation.id}/transfer`, { to: globex.userId });
  await notFound('DELETE', `/invitations/${invited.invitationId}`);
  await notFound('POST', `/invitations/${invited.invitationId}/resend`);

  // Lists hold nothing of the other organization.
  const users = (await api('GET', '/users?limit=100', { token })).body.items;
  assert.deepEqual(users.map((u) => u.id), [globex.userId]);
  assert.deepEqual((await api('GET', '/users?q=' + encodeURIComponent(agent.email), { token })).body.items, []);
  assert.deepEqual((await api('GET', '/conversations', { token })).body.items, []);
  assert.deepEqual((await api('GET', '/invitations', { token })).body.items, []);
  assert.deepEqual((await api('GET', '/audit', { token })).body.items, []);

  // The other way round: the default organization's admin cannot reach Globex's admin.
  const fromDefault = await api('GET', `/users/${globex.userId}`, { token: admin });
  assert.equal(fromDefault.status, 404);
  // Nothing changed on the way.
  const still = await api('GET', `/users/${agent.id}`, { token: admin });
  assert.equal(still.body.disabled, false);
  assert.equal((await api('GET', '/conversations?status=assigned', { token: agent.token })).body.items.length, 1);
});

test("a conversation is never routed or transferred to another organization's agent", async () => {
  const admin = await adminToken();
  const globex = await otherOrganization(admin);
  const q = `site-${suffix()}`;
  await offer(admin, { questionnaires: [q] });
  // Globex's agent, online and eligible in every other way.
  const seed = await createUser(admin, { livechat: { questionnaires: [q] } });
  const theirAgent = `${seed.id}-g`;
  await sql(`INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, presence, created_at, updated_at)
             SELECT '${theirAgent}', '${globex.id}', email, email_key, password_hash, role, access, profile, 'online', 0, 0 FROM users WHERE id = '${seed.id}'`);
  const opened = await api('POST', '/conversations', { token: CHAT_BOX, body: { questionnaire: q, language: 'fr', channel: 'chat' } });
  assert.equal(opened.body.status, 'waiting');
  // Globex's agent is online and eligible in every other way: not counted as eligible here.
  assert.equal(opened.body.routing.eligible, 0);
  const mine = await createUser(admin, { livechat: { questionnaires: [q] } });
  await api('PUT', '/me/presence', { token: mine.token, body: { status: 'online' } });
  const row = (await api('GET', '/conversations?limit=500', { token: admin })).body.items.find((c) => c.id === opened.body.id);
  assert.equal(row.assignedTo, mine.id);
  const transfer = await api('POST', `/conversations/${opened.body.id}/transfer`, { token: admin, body: { to: theirAgent } });
  assert.equal(transfer.status, 404);
  assert.equal(transfer.body.code, 'not_found');
});

test('each organization has its own catalog', async () => {
  const admin = await adminToken();
  const globex = await otherOrganization(admin);
  const token = (await api('POST', '/session', { body: { organization: globex.slug, email: globex.email, password: PASSWORD } })).body.token;
  const ours = `ours-${suffix()}`;
  await offer(admin, { questionnaires: [ours] });
  const theirs = (await api('GET', '/organization/catalog', { token })).body;
  assert.ok(!theirs.questionnaires.some((q) => q.id === ours), "Globex does not see the default organization's questionnaires");
  const refused = await api('POST', '/users', { token, body: { email: unique(), password: PASSWORD, role: 'agent', livechat: { questionnaires: [ours] } } });
  assert.equal(refused.status, 422);
  assert.equal(refused.body.errors[0].code, 'questionnaire_unknown');
  const own = `theirs-${suffix()}`;
  assert.ok((await offer(token, { questionnaires: [own] })).questionnaires.some((q) => q.id === own));
  const defaults = (await api('GET', '/organization/catalog', { token: admin })).body;
  assert.ok(!defaults.questionnaires.some((q) => q.id === own), "Globex's change stays in Globex");
});
