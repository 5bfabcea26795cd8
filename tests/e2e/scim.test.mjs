// SCIM, the part that stands: tokens per organization (made, named, listed, revoked by admins;
// shown once, stored as digests, last use recorded) and the SCIM base they open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, adminToken, createUser, sql } from './client.mjs';

const scim = async (path, token, init = {}) => {
  const res = await fetch(`${BASE}/scim/v2/${path}`, { ...init, headers: { ...(init.headers ?? {}), ...(token ? { authorization: `Bearer ${token}` } : {}) } });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() };
};

test('admins make, list and revoke SCIM tokens; the token is shown once and stored as a digest', async () => {
  const admin = await adminToken();
  const made = await api('POST', '/organization/scim-tokens', { token: admin, body: { name: ' Entra ID ' } });
  assert.equal(made.status, 201);
  assert.equal(made.body.name, 'Entra ID');
  assert.match(made.body.token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(made.body.baseUrl, `${BASE}/scim/v2/default`);
  assert.equal(made.body.lastUsedAt, null);
  const listed = (await api('GET', '/organization/scim-tokens', { token: admin })).body.items.find((t) => t.id === made.body.id);
  assert.equal(listed.name, 'Entra ID');
  assert.equal(listed.token, undefined, 'never shown again');
  const [row] = await sql(`SELECT token_hash FROM scim_tokens WHERE id = '${made.body.id}'`);
  assert.match(row.token_hash, /^[0-9a-f]{64}$/);
  assert.notEqual(row.token_hash, made.body.token);

  // The token opens its organization's SCIM base, and its use is recorded.
  const spc = await scim('default/ServiceProviderConfig', made.body.token);
  assert.equal(spc.status, 200);
  assert.equal(spc.type, 'application/scim+json');
  assert.deepEqual(spc.body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
  assert.equal(spc.body.authenticationSchemes[0].type, 'oauthbearertoken');
  const used = (await api('GET', '/organization/scim-tokens', { token: admin })).body.items.find((t) => t.id === made.body.id);
  assert.ok(used.lastUsedAt > 0, 'last use recorded');

  // Revoked: refused at once, in SCIM's error schema; the audit log names it.
  assert.equal((await api('DELETE', `/organization/scim-tokens/${made.body.id}`, { token: admin })).status, 204);
  const refused = await scim('default/ServiceProviderConfig', made.body.token);
  assert.equal(refused.status, 401);
  assert.deepEqual(refused.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
  assert.equal(refused.body.status, '401');
  const audit = (await api('GET', '/audit?limit=20', { token: admin })).body.items.map((e) => [e.action, e.targetId]);
  assert.ok(audit.some(([a, id]) => a === 'scim_token_created' && id === made.body.id));
  assert.ok(audit.some(([a, id]) => a === 'scim_token_revoked' && id === made.body.id));
  assert.equal((await api('DELETE', '/organization/scim-tokens/nope', { token: admin })).status, 404);
});

test('only admins manage tokens; a name is required; a token opens its own organization only', async () => {
  const admin = await adminToken();
  const manager = await createUser(admin, { role: 'manager' });
  assert.equal((await api('GET', '/organization/scim-tokens', { token: manager.token })).status, 403);
  assert.equal((await api('POST', '/organization/scim-tokens', { token: manager.token, body: { name: 'x' } })).status, 403);
  const bad = await api('POST', '/organization/scim-tokens', { token: admin, body: { name: '  ' } });
  assert.deepEqual(bad.body.errors.map((e) => [e.field, e.code]), [['name', 'field_required']]);
  const made = (await api('POST', '/organization/scim-tokens', { token: admin, body: { name: 'Okta' } })).body;
  // Another organization's address, or none, with this token: 401, and nothing recorded.
  const other = `other-${Date.now().toString(36)}`;
  await sql(`INSERT INTO organizations (id, slug, name, status, created_at) VALUES ('${other}', '${other}', 'Other', 'active', 0)`);
  assert.equal((await scim(`${other}/ServiceProviderConfig`, made.token)).status, 401);
  assert.equal((await scim('default/ServiceProviderConfig')).status, 401);
  assert.equal((await scim('default/ServiceProviderConfig', 'x'.repeat(43))).status, 401);
  assert.equal((await api('GET', '/organization/scim-tokens', { token: admin })).body.items.find((t) => t.id === made.id).lastUsedAt, null);
  // Users and Groups are not served yet (issue #13): 404 in SCIM's schema, not a page.
  const users = await scim('default/Users', made.token);
  assert.equal(users.status, 404);
  assert.equal(users.type, 'application/scim+json');
});
