// The platform operator: creates, lists, suspends and deletes organizations with its own token,
// and never sees inside them. A new organization's first admin is invited and sets their own
// password; suspending signs its people out at once; deleting removes every record of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminToken, codes, sql, unique, ADMIN, OPERATOR_TOKEN, PASSWORD } from './client.mjs';

const slug = () => `co-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const operator = (method, path, body) => api(method, `/operator/organizations${path}`, { token: OPERATOR_TOKEN, body });

async function newOrganization(adminEmail = unique('first-admin')) {
  const created = await operator('POST', '', { slug: slug(), name: 'Globex', adminEmail });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const token = new URL(created.body.invitation.acceptUrl).hash.replace('#token=', '');
  const lookup = await api('GET', `/invitations/lookup?token=${token}`);
  assert.equal(lookup.body.role, 'admin');
  const accepted = await api('POST', '/invitations/accept', { body: { token, password: PASSWORD } });
  assert.equal(accepted.status, 201);
  return { ...created.body.organization, adminEmail, session: accepted.body };
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

test('deleting an organization removes every record of it, in one go', async () => {
  const org = await newOrganization();
  const token = org.session.token;
  await api('POST', '/invitations', { token, body: { emails: [unique()], role: 'agent' } });
  await api('POST', '/users', { token, body: { email: unique(), password: PASSWORD, role: 'agent' } });
  const before = await sql(`SELECT (SELECT COUNT(*) FROM users WHERE organization_id = '${org.id}') AS users,
    (SELECT COUNT(*) FROM invitations WHERE organization_id = '${org.id}') AS invitations,
    (SELECT COUNT(*) FROM audit_log WHERE organization_id = '${org.id}') AS audit`);
  assert.deepEqual(before, [{ users: 2, invitations: 2, audit: 4 }]);
  assert.equal((await operator('DELETE', `/${org.id}`)).status, 204);
  assert.equal((await api('GET', '/me', { token })).status, 401);
  const left = await sql(`SELECT
    (SELECT COUNT(*) FROM users WHERE organization_id = '${org.id}') + (SELECT COUNT(*) FROM sessions WHERE organization_id = '${org.id}')
    + (SELECT COUNT(*) FROM invitations WHERE organization_id = '${org.id}') + (SELECT COUNT(*) FROM conversations WHERE organization_id = '${org.id}')
    + (SELECT COUNT(*) FROM audit_log WHERE organization_id = '${org.id}') + (SELECT COUNT(*) FROM organizations WHERE id = '${org.id}') AS rows`);
  assert.deepEqual(left, [{ rows: 0 }]);
  assert.equal((await operator('DELETE', `/${org.id}`)).status, 404);
});
