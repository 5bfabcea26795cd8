// The platform operator: creates, lists, suspends and deletes organizations with its own token,
// and never sees inside them. A new organization's first admin is invited and sets their own
// password; suspending signs its people out at once; deleting removes every record of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminToken, codes, mailsTo, newOrganization as createOrganization, reconfigure, sql, deskSql, totp, unique, ADMIN, OPERATOR_TOKEN, PASSWORD, SERVICE_TOKEN } from './client.mjs';

const slug = () => `co-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const operator = (method, path, body) => api(method, `/operator/organizations${path}`, { token: OPERATOR_TOKEN, body });

async function newOrganization(adminEmail = unique('first-admin')) {
  const org = await createOrganization({ slug: slug(), adminEmail });
  assert.equal((await api('GET', `/users/${org.session.user.id}`, { token: org.session.token })).body.role, 'admin');
  return org;
}

test('only the operator token reaches the operator API', async () => {
  const admin = await adminToken();
  for (const token of [undefined, admin, 'not-the-operator-token']) {
    for (const [method, path] of [['GET', ''], ['POST', ''], ['PATCH', '/x'], ['DELETE', '/x']]) {
      const res = await api(method, `/operator/organizations${path}`, { token, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
      assert.equal(res.status, 401, `${method} ${path} with ${token ? 'a token' : 'nothing'}`);
    }
  }
});

test('a new organization invites its first admin, who signs in to it alone', async () => {
  const org = await newOrganization();
  assert.equal(org.status, 'active');
  assert.equal(org.session.user.organization, org.id);
  assert.equal(org.session.user.role, 'admin');
  const users = await api('GET', '/users', { token: org.session.token });
  assert.deepEqual(users.body.items.map((u) => u.email), [org.adminEmail]);
  const signIn = await api('POST', '/session', { body: { organization: org.slug, email: org.adminEmail, password: PASSWORD } });
  assert.equal(signIn.status, 200);
  const listed = await operator('GET', '');
  assert.ok(listed.body.items.some((o) => o.id === org.id && o.slug === org.slug));
  // The operator's answers hold no people, no conversation, no token of theirs.
  assert.ok(!JSON.stringify(listed.body).includes(org.adminEmail));
});

test('the same address is two accounts in two organizations, with two passwords', async () => {
  // The deployment's bootstrap admin is also the first admin of a new organization.
  const org = await newOrganization(ADMIN.email);
  const here = await api('POST', '/session', { body: { organization: org.slug, email: ADMIN.email, password: PASSWORD } });
  const there = await api('POST', '/session', { body: { email: ADMIN.email, password: ADMIN.password } });
  assert.equal(here.status, 200);
  assert.equal(there.status, 200);
  assert.notEqual(here.body.user.id, there.body.user.id);
  assert.deepEqual([here.body.user.organization, there.body.user.organization], [org.id, 'default']);
  // Each password opens its own account only.
  const crossed = await api('POST', '/session', { body: { organization: org.slug, email: ADMIN.email, password: ADMIN.password } });
  assert.equal(crossed.status, 401);
});

test('bad organization forms and taken slugs', async () => {
  const bad = await operator('POST', '', { slug: 'API', name: '', adminEmail: 'nope', plan: 'gold' });
  assert.equal(bad.status, 422);
  assert.deepEqual(codes(bad.body), [['adminEmail', 'email_invalid'], ['name', 'field_required'],
    ['plan', 'unknown_field'], ['slug', 'organization_slug_invalid']]);
  const org = await newOrganization();
  const again = await operator('POST', '', { slug: org.slug, name: 'Other', adminEmail: unique() });
  assert.equal(again.status, 409);
  assert.deepEqual(codes(again.body), [['slug', 'organization_taken']]);
  for (const method of ['PATCH', 'DELETE']) {
    const res = await operator(method, '/default', method === 'PATCH' ? { status: 'suspended' } : undefined);
    assert.equal(res.status, 409);
    assert.equal(res.body.code, 'default_organization');
  }
  assert.equal((await operator('PATCH', '/no-such-org', { status: 'suspended' })).status, 404);
  assert.equal((await operator('PATCH', `/${org.id}`, { status: 'closed' })).status, 422);
});

test("suspending signs the organization's people out at once; resuming lets them back", async () => {
  const org = await newOrganization();
  const token = org.session.token;
  assert.equal((await api('GET', '/me', { token })).status, 200);
  const suspended = await operator('PATCH', `/${org.id}`, { status: 'suspended' });
  assert.equal(suspended.body.status, 'suspended');
  assert.equal((await api('GET', '/me', { token })).status, 401);
  const refused = await api('POST', '/session', { body: { organization: org.slug, email: org.adminEmail, password: PASSWORD } });
  assert.equal(refused.status, 401);
  assert.equal(refused.body.code, 'invalid_credentials');
  // Other organizations are untouched.
  assert.equal((await api('GET', '/me', { token: await adminToken() })).status, 200);
  await operator('PATCH', `/${org.id}`, { status: 'active' });
  const back = await api('POST', '/session', { body: { organization: org.slug, email: org.adminEmail, password: PASSWORD } });
  assert.equal(back.status, 200);
});

/** Every table of the live D1 schema with an `organization_id` column, read from SQLite itself. */
async function organizationTables() {
  const tables = await sql("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'");
  const named = [];
  for (const { name } of tables) {
    const columns = await sql(`SELECT name FROM pragma_table_info('${name}')`);
    if (columns.some((c) => c.name === 'organization_id')) named.push(name);
  }
  return named;
}

/** How many rows name the organization, table by table, throttle keys and the organization included. */
async function rowsOf(id, tables) {
  const counts = {};
  for (const table of tables) counts[table] = (await sql(`SELECT COUNT(*) AS n FROM ${table} WHERE organization_id = '${id}'`))[0].n;
  counts.login_failures = (await sql(`SELECT COUNT(*) AS n FROM login_failures WHERE key LIKE '%:${id}:%'`))[0].n;
  counts.organizations = (await sql(`SELECT COUNT(*) AS n FROM organizations WHERE id = '${id}'`))[0].n;
  return counts;
}

/** Fills an organization through every feature it has, and returns what a check needs. */
async function fill(org) {
  const token = org.session.token;
  // A webhook endpoint nobody listens on: the events below are owed to it and tried (deliveries,
  // attempts), so the webhook tables name the organization too.
  const hook = await api('POST', '/organization/webhooks', { token, body: { url: 'http://127.0.0.1:9/hooks', events: ['person.created', 'team.created'] } });
  assert.equal(hook.status, 201);
  const agent = (await api('POST', '/users', { token, body: { email: unique('agent'), password: PASSWORD, role: 'agent' } })).body;
  const agentToken = (await api('POST', '/session', { body: { organization: org.slug, email: agent.email, password: PASSWORD } })).body.token;
  // An authenticator app (and with it recovery codes), then a pending second-step challenge and a
  // failed second step (a throttle counter keyed by the organization).
  const started = (await api('POST', '/me/second-factors/totp', { token: agentToken })).body;
  assert.equal((await api('PUT', '/me/second-factors/totp', { token: agentToken, body: { code: totp(started.secret) } })).status, 200);
  const challenge = (await api('POST', '/session', { body: { organization: org.slug, email: agent.email, password: PASSWORD } })).body.challenge;
  assert.equal((await api('POST', '/session/second-factor', { body: { challenge, method: 'recovery', code: 'WRONG-0000-0000-0000' } })).status, 401);
  // An anonymous visitor's passwordless challenge (no person behind it): once made the
  // organization undeletable.
  assert.equal((await api('POST', '/session/passkey', { body: { organization: org.slug } })).status, 200);
  // A passkey: registering one needs a browser's authenticator (page-second-factor.test.mjs);
  // here its row, as the Worker writes it.
  await sql(`INSERT INTO passkeys (id, user_id, organization_id, name, credential, created_at) VALUES ('pk-${org.id}', '${agent.id}', '${org.id}', 'key', '{}', 0)`);
  // Its identity provider and a person linked through it: adding one fetches its discovery
  // (sso.test.mjs, against a real provider); here their rows, as the Worker writes them.
  await sql(`INSERT INTO sso_providers (id, organization_id, name, preset, issuer, client_id, client_secret, discovery, created_at, updated_at)
             VALUES ('sso-${org.id}', '${org.id}', 'IdP', 'generic', 'https://idp.example.com', 'c', 'sealed', '{}', 0, 0)`);
  await sql(`INSERT INTO sso_links (provider_id, subject, organization_id, user_id, linked_at) VALUES ('sso-${org.id}', 'sub-1', '${org.id}', '${agent.id}', 0)`);
  // A failed password for an address of the organization (a throttle counter keyed by it).
  assert.equal((await api('POST', '/session', { body: { organization: org.slug, email: agent.email, password: 'not the password at all' } })).status, 401);
  const invited = (await api('POST', '/invitations', { token, body: { emails: [unique('invitee')], role: 'agent' } })).body.results[0];
  assert.equal((await api('POST', '/password/forgot', { body: { organization: org.slug, email: agent.email } })).status, 202);
  await mailsTo(agent.email);
  assert.equal((await api('POST', '/organization/scim-tokens', { token, body: { name: 'idp' } })).status, 201);
  assert.equal((await api('POST', '/teams', { token, body: { name: 'Support', members: [agent.id] } })).status, 201);
  // Its chat box's integration key, and a conversation it opens (routed to nobody: the agent is away).
  const catalog = (await api('GET', '/organization/catalog', { token })).body;
  catalog.questionnaires.push({ id: 'site', name: 'Site' });
  assert.equal((await api('PUT', '/organization/catalog', { token, body: catalog })).status, 200);
  const box = (await api('POST', '/organization/integration-keys', { token, body: { name: 'Chat box', scopes: ['conversations:open'] } })).body.key;
  assert.equal((await api('POST', '/conversations', { token: box, body: { questionnaire: 'site', language: 'fr', channel: 'chat' } })).status, 201);
  // A conversation as D1 held them before each organization had its desk (not yet taken over:
  // the desk took over at its first start, above).
  await sql(`INSERT INTO conversations (id, organization_id, questionnaire, language, channel, status, created_at, updated_at)
             VALUES ('legacy-${org.id}', '${org.id}', 'site', 'fr', 'chat', 'waiting', 0, 0)`);
  return { token, agentToken, invitation: new URL(invited.acceptUrl).hash.replace('#token=', '') };
}

test('deleting an organization removes every row that names it, whatever it holds; the other is untouched', async () => {
  const tables = await organizationTables();
  assert.ok(tables.length >= 14, `tables with organization_id: ${tables}`);
  const [doomed, kept] = [await newOrganization(), await newOrganization()];
  const held = await fill(doomed);
  await fill(kept);
  const before = await rowsOf(doomed.id, tables);
  // Every table (and the throttle counters) holds something of it: the check below means something.
  for (const [table, n] of Object.entries(before)) assert.ok(n > 0, `${table} holds none of the organization before`);
  const keptBefore = await rowsOf(kept.id, tables);

  assert.equal((await operator('DELETE', `/${doomed.id}`)).status, 204);
  const after = await rowsOf(doomed.id, tables);
  assert.deepEqual(after, Object.fromEntries(Object.keys(before).map((t) => [t, 0])), 'no row names it anywhere');
  // The other keeps every row: its failing endpoint's deliveries go on meanwhile (attempts, and
  // once it has failed for WEBHOOK_DISABLE_AFTER_SECONDS, its disabling and the admins' email),
  // so a table may have grown, however long the test took; none may have shrunk.
  const keptAfter = await rowsOf(kept.id, tables);
  for (const [table, n] of Object.entries(keptBefore)) assert.ok(keptAfter[table] >= n, `the other organization lost rows of ${table}: ${n} → ${keptAfter[table]}`);
  // Its live desk's storage (the Durable Object's SQLite) is gone too; the other's is not.
  const desk = (id) => deskSql(`SELECT id FROM conversations WHERE organization_id = '${id}'`);
  assert.deepEqual(await desk(doomed.id), [], 'the desk kept nothing of it');
  assert.equal((await desk(kept.id)).length, 1);
  // Its sessions and its invitation links (KV) are gone with it.
  assert.equal((await api('GET', '/me', { token: held.token })).status, 401);
  assert.equal((await api('GET', '/me', { token: held.agentToken })).status, 401);
  assert.equal((await api('GET', `/invitations/lookup?token=${held.invitation}`)).status, 404);
  assert.equal((await operator('DELETE', `/${doomed.id}`)).status, 404);
});

test('the operator and chat-box tokens rotate with no refused request: new and old side by side, then the old refused', async () => {
  const [nextOperator, nextService] = ['e2e-operator-token-next-0123456789abcdef', 'e2e-service-token-next-0123456789abcdef'];
  const lines = (operator, service) => (c) => c
    .replace(/^OPERATOR_TOKEN = "[^"]*"$/m, `OPERATOR_TOKEN = "${operator}"`)
    .replace(/^SERVICE_TOKEN = "[^"]*"$/m, `SERVICE_TOKEN = "${service}"`);
  const operatorAnswers = async (token) => (await api('GET', '/operator/organizations', { token })).status;
  // The chat box's token: an empty body is refused by the form (422) once the token is taken.
  const serviceAnswers = async (token) => (await api('POST', '/conversations', { token, body: {} })).status;
  try {
    await reconfigure(lines(`${nextOperator},${OPERATOR_TOKEN}`, `${nextService},${SERVICE_TOKEN}`), async () => (await operatorAnswers(nextOperator)) === 200);
    assert.deepEqual([await operatorAnswers(nextOperator), await operatorAnswers(OPERATOR_TOKEN)], [200, 200]);
    assert.deepEqual([await serviceAnswers(nextService), await serviceAnswers(SERVICE_TOKEN)], [422, 422]);
    await reconfigure(lines(nextOperator, nextService), async () => (await operatorAnswers(OPERATOR_TOKEN)) === 401);
    assert.deepEqual([await operatorAnswers(nextOperator), await operatorAnswers(OPERATOR_TOKEN)], [200, 401]);
    assert.deepEqual([await serviceAnswers(nextService), await serviceAnswers(SERVICE_TOKEN)], [422, 401]);
  } finally {
    await reconfigure(lines(OPERATOR_TOKEN, SERVICE_TOKEN), async () => (await operatorAnswers(OPERATOR_TOKEN)) === 200);
  }
});
