// SCIM, the part that stands: tokens per organization (made, named, listed, revoked by admins;
// shown once, stored as digests, last use recorded) and the SCIM base they open.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, adminToken, createUser, mailsTo, offer, reconfigure, sql, PASSWORD, integrationKey } from './client.mjs';

// The default organization's chat box, by its integration key.
const CHAT_BOX = await integrationKey(await adminToken());

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
  // A path the base does not serve: 404 in SCIM's schema, not a page.
  const unknown = await scim('default/Bulk', made.token);
  assert.equal(unknown.status, 404);
  assert.equal(unknown.type, 'application/scim+json');
});

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIVECHAT = 'urn:ietf:params:scim:schemas:extension:livechat:2.0:User';

test('identity providers look people up: userName eq (any case) before creating, an empty result as a ListResponse, filters and paging', async () => {
  const admin = await adminToken();
  const token = (await api('POST', '/organization/scim-tokens', { token: admin, body: { name: 'Lookups' } })).body.token;
  const lea = await createUser(admin, { profile: { firstName: 'Léa', lastName: 'Martin', pseudonym: 'Léa M.' } });
  const found = await scim(`default/Users?filter=${encodeURIComponent(`userName eq "${lea.email.toUpperCase()}"`)}`, token);
  assert.equal(found.status, 200);
  assert.equal(found.type, 'application/scim+json');
  assert.deepEqual(found.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse']);
  assert.equal(found.body.totalResults, 1);
  const [user] = found.body.Resources;
  assert.equal(user.id, lea.id);
  assert.equal(user.userName, lea.email);
  assert.deepEqual(user.name, { givenName: 'Léa', familyName: 'Martin' });
  assert.equal(user.displayName, 'Léa M.');
  assert.equal(user.active, true);
  assert.deepEqual(user.schemas, [USER, LIVECHAT]);
  assert.equal(user[LIVECHAT].role, 'agent');
  assert.equal(user.meta.location, `${BASE}/scim/v2/default/Users/${lea.id}`);
  assert.match(user.meta.version, /^W\/"\d+"$/);

  const none = await scim(`default/Users?filter=${encodeURIComponent('userName eq "nobody@nowhere.test"')}`, token);
  assert.deepEqual([none.status, none.body.totalResults, none.body.Resources], [200, 0, []]);

  const one = await scim(`default/Users/${lea.id}`, token);
  assert.deepEqual(one.body, user);
  assert.equal((await scim('default/Users/nope', token)).status, 404);

  // Any operator, grouping, value paths, the extension's attributes; paging from startIndex 1.
  const filter = `(name.familyName eq "martin" and emails[type eq "work" and value co "${lea.email.split('@')[0]}"]) and ${LIVECHAT}:role eq "agent"`;
  const complex = await scim(`default/Users?filter=${encodeURIComponent(filter)}`, token);
  assert.deepEqual(complex.body.Resources.map((u) => u.id), [lea.id]);
  const all = (await scim('default/Users?count=1000', token)).body;
  assert.ok(all.totalResults >= 2 && all.itemsPerPage <= 200);
  const page = (await scim('default/Users?startIndex=2&count=1', token)).body;
  assert.deepEqual([page.startIndex, page.itemsPerPage, page.Resources[0].id], [2, 1, all.Resources[1].id]);
  const searched = await fetch(`${BASE}/scim/v2/default/Users/.search`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `userName eq "${lea.email}"` }) });
  assert.equal((await searched.json()).Resources[0].id, lea.id);

  // attributes and excludedAttributes narrow what comes back (id, schemas and meta stay).
  const narrow = (await scim(`default/Users/${lea.id}?attributes=userName,name.familyName`, token)).body;
  assert.deepEqual(Object.keys(narrow).sort(), ['id', 'meta', 'name', 'schemas', 'userName']);
  assert.deepEqual(narrow.name, { familyName: 'Martin' });
  const wide = (await scim(`default/Users?filter=${encodeURIComponent(`userName eq "${lea.email}"`)}&excludedAttributes=emails,${LIVECHAT}`, token)).body.Resources[0];
  assert.ok(!('emails' in wide) && !(LIVECHAT in wide) && wide.userName === lea.email);

  const broken = await scim(`default/Users?filter=${encodeURIComponent('userName eq')}`, token);
  assert.equal(broken.status, 400);
  assert.equal(broken.body.scimType, 'invalidFilter');
  // Another organization's people are not there.
  const other = (await scim(`default/Users?filter=${encodeURIComponent('userName eq "root@e2e.test"')}`, token)).body.Resources;
  assert.ok(other.every((u) => u.meta.location.startsWith(`${BASE}/scim/v2/default/`)));
});

const patch = (path, token, operations) => fetch(`${BASE}/scim/v2/${path}`, {
  method: 'PATCH',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
  body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }),
}).then(async (r) => ({ status: r.status, body: await r.json() }));

test('deprovisioning works at once: Entra-style PATCH of active ("False"), DELETE; the last admin stays', async () => {
  const admin = await adminToken();
  const token = (await api('POST', '/organization/scim-tokens', { token: admin, body: { name: 'Entra ID' } })).body.token;
  const q = `scim-q-${Date.now().toString(36)}`;
  await offer(admin, { questionnaires: [q] });
  const lea = await createUser(admin, { livechat: { questionnaires: [q] } });
  await api('PUT', '/me/presence', { token: lea.token, body: { status: 'online' } });
  const conversation = (await api('POST', '/conversations', { token: CHAT_BOX, body: { questionnaire: q, language: 'fr', channel: 'chat' } })).body;
  assert.equal(conversation.assignedTo, lea.id);

  // Entra sends the operation name capitalised and the boolean as a string.
  const off = await patch(`default/Users/${lea.id}`, token, [{ op: 'Replace', path: 'active', value: 'False' }]);
  assert.equal(off.status, 200, JSON.stringify(off.body));
  assert.equal(off.body.active, false);
  assert.equal((await api('GET', '/me', { token: lea.token })).status, 401, 'signed out on the next request');
  const row = (await api('GET', '/conversations?limit=500', { token: admin })).body.items.find((c) => c.id === conversation.id);
  assert.deepEqual([row.status, row.assignedTo], ['waiting', null], 'their conversation is free for routing');
  const audit = (await api('GET', '/audit?limit=10', { token: admin })).body.items.find((e) => e.targetId === lea.id && e.action === 'disabled');
  assert.match(audit.actorId, /^scim:/, 'attributed to the token');

  // Back, and other attributes, with an object value and lower-case op names.
  const on = await patch(`default/Users/${lea.id}`, token, [{ op: 'replace', value: { active: true, displayName: 'Léa (SCIM)', 'name.familyName': 'Martin' } }]);
  assert.deepEqual([on.body.active, on.body.displayName, on.body.name.familyName], [true, 'Léa (SCIM)', 'Martin']);
  const bad = await patch(`default/Users/${lea.id}`, token, [{ op: 'replace', path: 'emails[type eq', value: 'x' }]);
  assert.deepEqual([bad.status, bad.body.scimType], [400, 'invalidPath']);
  const readOnly = await patch(`default/Users/${lea.id}`, token, [{ op: 'replace', path: 'meta.created', value: 'x' }]);
  assert.deepEqual([readOnly.status, readOnly.body.scimType], [400, 'mutability']);
  // What the product does not keep (Entra's enterprise attributes, nickName) is ignored, as a POST ignores it.
  const ignored = await patch(`default/Users/${lea.id}`, token, [{ op: 'replace', path: 'nickName', value: 'x' },
    { op: 'add', path: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', value: 'Ventes' }]);
  assert.equal(ignored.status, 200);
  assert.equal(ignored.body.nickName, undefined);
  const wrong = await patch(`default/Users/${lea.id}`, token, [{ op: 'replace', path: 'active', value: 'maybe' }]);
  assert.deepEqual([wrong.status, wrong.body.scimType], [400, 'invalidValue']);

  const gone = await fetch(`${BASE}/scim/v2/default/Users/${lea.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  assert.equal(gone.status, 204, await gone.text());
  assert.equal((await scim(`default/Users/${lea.id}`, token)).status, 404);

  // The last admin: refused, and the answer says why.
  const [root] = (await scim(`default/Users?filter=${encodeURIComponent('userName eq "root@e2e.test"')}`, token)).body.Resources;
  const admins = (await api('GET', '/users?role=admin&limit=100', { token: admin })).body.items.filter((u) => !u.disabled);
  for (const other of admins.filter((u) => u.id !== root.id)) await api('PATCH', `/users/${other.id}`, { token: admin, body: { disabled: true } });
  const last = await patch(`default/Users/${root.id}`, token, [{ op: 'replace', path: 'active', value: false }]);
  assert.equal(last.status, 403);
  assert.match(last.body.detail, /^last_admin: /);
  const kept = await fetch(`${BASE}/scim/v2/default/Users/${root.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  assert.equal(kept.status, 403);
  assert.equal((await api('GET', '/me', { token: admin })).status, 200);
});

const post = (path, token, body) => fetch(`${BASE}/scim/v2/${path}`, {
  method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: JSON.stringify(body),
}).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() }));

test('an identity provider creates people: the activation email, a duplicate is 409 uniqueness, bad values are invalidValue', async () => {
  const admin = await adminToken();
  const token = (await api('POST', '/organization/scim-tokens', { token: admin, body: { name: 'Okta' } })).body.token;
  const userName = `okta.${Date.now().toString(36)}@e2e.test`;
  // The IdP looks up first, finds nobody, creates.
  assert.equal((await scim(`default/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, token)).body.totalResults, 0);
  const made = await post('default/Users', token, { schemas: [USER, LIVECHAT], userName, name: { givenName: 'Olga', familyName: 'Kay' },
    displayName: 'Olga', externalId: '00u-okta-1', [LIVECHAT]: { role: 'agent', languages: ['fr'] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.headers.get('location'), made.body.meta.location);
  assert.equal(made.headers.get('etag'), made.body.meta.version);
  assert.deepEqual([made.body.userName, made.body.active, made.body.name.givenName, made.body[LIVECHAT].role], [userName, true, 'Olga', 'agent']);
  // The identity provider's own id is kept, found by filter, and changed by PATCH.
  assert.equal(made.body.externalId, '00u-okta-1');
  const byExternal = await scim(`default/Users?filter=${encodeURIComponent('externalId eq "00u-okta-1"')}`, token);
  assert.deepEqual(byExternal.body.Resources.map((u) => u.id), [made.body.id]);
  const renamed = await patch(`default/Users/${made.body.id}`, token, [{ op: 'replace', path: 'externalId', value: '00u-okta-2' }]);
  assert.equal(renamed.body.externalId, '00u-okta-2');
  // No password: the invitation's email, whose link lets the person choose one.
  const [mail] = await mailsTo(userName);
  assert.match(mail.subject, /vous invite à rejoindre Default/);
  const link = mail.text.match(/https?:\/\/\S+\/reset#token=[A-Za-z0-9_-]{43}/)[0];
  assert.equal((await api('POST', '/session', { body: { email: userName, password: 'anything at all here' } })).status, 401, 'no password yet');
  const activated = await api('POST', '/password/reset', { body: { token: link.split('#token=')[1], password: 'a chosen passphrase' } });
  assert.equal(activated.status, 200);
  assert.equal((await api('POST', '/session', { body: { email: userName, password: 'a chosen passphrase' } })).status, 200);

  const again = await post('default/Users', token, { schemas: [USER], userName: userName.toUpperCase() });
  assert.deepEqual([again.status, again.body.scimType], [409, 'uniqueness']);
  const bad = await post('default/Users', token, { schemas: [USER], userName: `x.${Date.now().toString(36)}@e2e.test`, [LIVECHAT]: { languages: ['klingon'] } });
  assert.deepEqual([bad.status, bad.body.scimType], [400, 'invalidValue']);
  assert.match(bad.body.detail, /language_unknown/);
  const noName = await post('default/Users', token, { schemas: [USER] });
  assert.match(noName.body.detail, /field_required: userName/);
  // Created inactive: disabled from the start; with a password: signs in at once, no email.
  const off = await post('default/Users', token, { schemas: [USER], userName: `off.${Date.now().toString(36)}@e2e.test`, active: false });
  assert.deepEqual([off.status, off.body.active], [201, false]);
  const withPassword = `pw.${Date.now().toString(36)}@e2e.test`;
  assert.equal((await post('default/Users', token, { schemas: [USER], userName: withPassword, password: 'an idp chosen passphrase' })).status, 201);
  assert.equal((await api('POST', '/session', { body: { email: withPassword, password: 'an idp chosen passphrase' } })).status, 200);
  // A barrier, not a wait: a person created after, without a password, gets their email; by then
  // any email owed to the one before would have been sent too.
  const sentinel = `sentinel.${Date.now().toString(36)}@e2e.test`;
  assert.equal((await post('default/Users', token, { schemas: [USER], userName: sentinel })).status, 201);
  assert.equal((await mailsTo(sentinel)).length, 1);
  assert.equal((await mailsTo(withPassword, { timeout: 0 })).length, 0);
  const audit = (await api('GET', '/audit?limit=30', { token: admin })).body.items.find((e) => e.targetEmail === userName && e.action === 'created');
  assert.match(audit.actorId, /^scim:/);
});

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIVECHAT_GROUP = 'urn:ietf:params:scim:schemas:extension:livechat:2.0:Group';

test('groups are teams: created, found by displayName, members added and removed by PATCH (Entra and Okta styles), removed', async () => {
  const admin = await adminToken();
  const token = (await api('POST', '/organization/scim-tokens', { token: admin, body: { name: 'Groups' } })).body.token;
  const q = `grp-q-${Date.now().toString(36)}`;
  await offer(admin, { questionnaires: [q] });
  const [a, b] = [await createUser(admin), await createUser(admin)];
  const name = `Support ${Date.now().toString(36)}`;
  const made = await post('default/Groups', token, { schemas: [GROUP, LIVECHAT_GROUP], displayName: name, members: [{ value: a.id }], [LIVECHAT_GROUP]: { questionnaires: [q] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.deepEqual(made.body.members.map((m) => m.value), [a.id]);
  const asTeam = (await api('GET', '/teams', { token: admin })).body.items.find((t) => t.id === made.body.id);
  assert.deepEqual([asTeam.name, asTeam.questionnaires, asTeam.members], [name, [q], [a.id]], 'the same team on the page');

  const found = await scim(`default/Groups?filter=${encodeURIComponent(`displayName eq "${name.toLowerCase()}"`)}`, token);
  assert.deepEqual(found.body.Resources.map((g) => g.id), [made.body.id]);

  const add = await patch(`default/Groups/${made.body.id}`, token, [{ op: 'Add', path: 'members', value: [{ value: b.id }] }]);
  assert.deepEqual(add.body.members.map((m) => m.value).sort(), [a.id, b.id].sort());
  // The member is eligible for the team's questionnaire at once.
  await api('PUT', '/me/presence', { token: b.token, body: { status: 'online' } });
  const opened = (await api('POST', '/conversations', { token: CHAT_BOX, body: { questionnaire: q, language: 'fr', channel: 'chat' } })).body;
  assert.equal(opened.assignedTo, b.id);

  const removeEntra = await patch(`default/Groups/${made.body.id}`, token, [{ op: 'Remove', path: `members[value eq "${b.id}"]` }]);
  assert.deepEqual(removeEntra.body.members.map((m) => m.value), [a.id]);
  const removeOkta = await patch(`default/Groups/${made.body.id}`, token, [{ op: 'remove', path: 'members', value: [{ value: a.id }] }]);
  assert.deepEqual(removeOkta.body.members, []);
  const stranger = await patch(`default/Groups/${made.body.id}`, token, [{ op: 'add', path: 'members', value: [{ value: 'nobody-here' }] }]);
  assert.deepEqual([stranger.status, stranger.body.scimType], [400, 'invalidValue']);
  const renamed = await patch(`default/Groups/${made.body.id}`, token, [{ op: 'replace', value: { displayName: `${name} 2` } }]);
  assert.equal(renamed.body.displayName, `${name} 2`);
  const twice = await post('default/Groups', token, { schemas: [GROUP], displayName: `${name} 2` });
  assert.deepEqual([twice.status, twice.body.scimType], [409, 'uniqueness']);

  const gone = await fetch(`${BASE}/scim/v2/default/Groups/${made.body.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  assert.equal(gone.status, 204);
  assert.equal((await scim(`default/Groups/${made.body.id}`, token)).status, 404);
});

test('discovery: Schemas and ResourceTypes describe Users, Groups and the extensions; If-Match guards writes; requests are limited per token', async () => {
  const admin = await adminToken();
  const token = (await api('POST', '/organization/scim-tokens', { token: admin, body: { name: 'Discovery' } })).body.token;
  const types = (await scim('default/ResourceTypes', token)).body;
  assert.deepEqual(types.Resources.map((t) => [t.name, t.endpoint, t.schemaExtensions[0].schema]),
    [['User', '/Users', LIVECHAT], ['Group', '/Groups', LIVECHAT_GROUP]]);
  const schemas = (await scim('default/Schemas', token)).body.Resources.map((s) => s.id);
  assert.deepEqual(schemas, [USER, LIVECHAT, GROUP, LIVECHAT_GROUP]);
  const user = (await scim(`default/Schemas/${USER}`, token)).body;
  assert.equal(user.attributes.find((a) => a.name === 'userName').uniqueness, 'server');
  assert.equal(user.meta.location, `${BASE}/scim/v2/default/Schemas/${USER}`);
  const spc = (await scim('default/ServiceProviderConfig', token)).body;
  assert.deepEqual([spc.patch.supported, spc.filter.supported, spc.etag.supported, spc.bulk.supported], [true, true, true, false]);

  const lea = await createUser(admin);
  const current = (await scim(`default/Users/${lea.id}`, token)).body;
  const stale = await fetch(`${BASE}/scim/v2/default/Users/${lea.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'if-match': 'W/"1"' },
    body: JSON.stringify({ Operations: [{ op: 'replace', path: 'displayName', value: 'x' }] }) });
  assert.equal(stale.status, 412);
  const fresh = await fetch(`${BASE}/scim/v2/default/Users/${lea.id}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'if-match': current.meta.version },
    body: JSON.stringify({ Operations: [{ op: 'replace', path: 'displayName', value: 'Léa (IdP)' }] }) });
  assert.equal(fresh.status, 200);
  // PUT replaces the whole User.
  const replaced = await fetch(`${BASE}/scim/v2/default/Users/${lea.id}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: [USER], userName: lea.email, active: true, name: { givenName: 'Léa' } }) });
  const body = await replaced.json();
  assert.equal(replaced.status, 200, JSON.stringify(body));
  assert.deepEqual([body.name, body.displayName], [{ givenName: 'Léa' }, undefined], 'what the User leaves out is cleared');

  // A flood from one token is refused with 429 (the limit lowered for the test).
  const limited = (config) => config.replace('simple = { limit = 1500, period = 60 }', 'simple = { limit = 5, period = 10 }');
  const burst = async () => (await Promise.all([...Array(8)].map(() => scim('default/ServiceProviderConfig', token)))).map((r) => r.status);
  await reconfigure(limited, async () => (await burst()).includes(429));
  try {
    const answers = await Promise.all([...Array(8)].map(() => fetch(`${BASE}/scim/v2/default/ServiceProviderConfig`, { headers: { authorization: `Bearer ${token}` } })));
    const refused = answers.filter((r) => r.status === 429);
    assert.ok(refused.length > 0, answers.map((r) => r.status).join(','));
    // Told when to come back: a whole number of seconds, in SCIM's error schema.
    for (const r of refused) {
      assert.match(r.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
      assert.equal((await r.json()).status, '429');
    }
  } finally {
    await reconfigure((config) => config.replace('simple = { limit = 5, period = 10 }', 'simple = { limit = 1500, period = 60 }'),
      async () => !(await burst()).includes(429) || (await new Promise((r) => setTimeout(r, 1000)), false));
  }
});

test('a userName that is not an address: the sign-in address from emails, value paths, the admin role kept off SCIM', async () => {
  const admin = await adminToken();
  const manager = (await createUser(admin, { role: 'manager' })).token;
  const token = (await api('POST', '/organization/scim-tokens', { token: admin, body: { name: 'Entra (UPN)' } })).body.token;
  const stamp = Date.now().toString(36);
  const [upn, work, home] = [`Lea.Martin.${stamp}`, `lea.${stamp}@e2e.test`, `lea.${stamp}@home.test`];
  const made = await post('default/Users', token, { schemas: [USER], userName: upn, locale: 'en-GB',
    emails: [{ value: home, type: 'home' }, { value: work, type: 'work', primary: true }] });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.deepEqual([made.body.userName, made.body.locale, made.body.emails.length], [upn, 'en-GB', 2]);
  const page = (await api('GET', `/users/${made.body.id}`, { token: admin })).body;
  assert.equal(page.email, work, 'the primary email is the sign-in address');
  const [activation] = await mailsTo(work);
  assert.match(activation.subject, /invites you to join Default/, 'written in the person\'s locale');
  // Found by its userName in any case; nobody else may take it, even as an address.
  const found = await scim(`default/Users?filter=${encodeURIComponent(`userName eq "${upn.toUpperCase()}"`)}`, token);
  assert.deepEqual(found.body.Resources.map((u) => u.id), [made.body.id]);
  // Filters SQL narrows first (userName sw/ew/co, active), then tested whole: the same answers.
  const ids = async (filter) => (await scim(`default/Users?filter=${encodeURIComponent(filter)}`, token)).body.Resources?.map((u) => u.id) ?? [];
  assert.deepEqual(await ids(`userName sw "lea.martin.${stamp}" and active eq true`), [made.body.id]);
  assert.deepEqual(await ids(`userName co "MARTIN.${stamp.toUpperCase()}" and displayName pr`), []);
  assert.deepEqual(await ids(`active eq false and userName ew "${stamp}"`), []);
  assert.deepEqual(await ids(`userName ew "%${stamp}"`), [], 'LIKE wildcards are text');
  const twin = await post('default/Users', token, { schemas: [USER], userName: upn.toLowerCase(), emails: [{ value: `other.${stamp}@e2e.test` }] });
  assert.deepEqual([twin.status, twin.body.scimType], [409, 'uniqueness']);
  assert.match(twin.body.detail, /^user_name_taken/);
  const noAddress = await post('default/Users', token, { schemas: [USER], userName: `nobody.${stamp}` });
  assert.deepEqual([noAddress.status, noAddress.body.scimType], [400, 'invalidValue']);
  assert.match(noAddress.body.detail, /emails/);

  // Entra's value paths: a new work address becomes the sign-in address.
  const moved = await patch(`default/Users/${made.body.id}`, token, [
    { op: 'Replace', path: 'emails[type eq "work"].value', value: `lea2.${stamp}@e2e.test` },
    { op: 'Add', path: 'urn:ietf:params:scim:schemas:extension:livechat:2.0:User:channels', value: ['call'] }]);
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal((await api('GET', `/users/${made.body.id}`, { token: admin })).body.email, `lea2.${stamp}@e2e.test`);
  assert.deepEqual(moved.body[LIVECHAT].channels.sort(), ['call', 'chat']);

  // A PUT without the product's extension (an IdP that does not know it) keeps the access.
  await api('PATCH', `/users/${made.body.id}`, { token: admin, body: { role: 'manager' } });
  const put = await fetch(`${BASE}/scim/v2/default/Users/${made.body.id}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: [USER], userName: upn, emails: [{ value: `lea2.${stamp}@e2e.test`, primary: true }] }) });
  const kept = await put.json();
  assert.equal(put.status, 200, JSON.stringify(kept));
  assert.deepEqual([kept[LIVECHAT].role, kept.active], ['manager', true]);

  // Admins read every conversation: SCIM neither makes nor unmakes one (403, and why).
  const promote = await patch(`default/Users/${made.body.id}`, token, [{ op: 'replace', path: `${LIVECHAT}:role`, value: 'admin' }]);
  assert.equal(promote.status, 403);
  assert.match(promote.body.detail, /^admin_not_provisioned: /);
  const newAdmin = await post('default/Users', token, { schemas: [USER, LIVECHAT], userName: `boss.${stamp}@e2e.test`, [LIVECHAT]: { role: 'admin' } });
  assert.equal(newAdmin.status, 403, JSON.stringify(newAdmin.body));
  const [root] = (await scim(`default/Users?filter=${encodeURIComponent('userName eq "root@e2e.test"')}`, token)).body.Resources;
  const demote = await patch(`default/Users/${root.id}`, token, [{ op: 'replace', path: `${LIVECHAT}:role`, value: 'agent' }]);
  assert.equal(demote.status, 403);
  const renamed = await patch(`default/Users/${root.id}`, token, [{ op: 'replace', path: 'displayName', value: 'Root' }]);
  assert.equal(renamed.status, 200, 'an admin is still provisioned otherwise');

  // A search at the root reads Users and Groups together (RFC 7644 §3.4.3).
  const group = await post('default/Groups', token, { schemas: [GROUP], displayName: `Root search ${stamp}`, members: [{ value: made.body.id }] });
  assert.equal(group.status, 201);
  const both = await fetch(`${BASE}/scim/v2/default/.search`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: `displayName eq "Root search ${stamp}" or userName eq "${upn}"`, attributes: ['id'] }) });
  const listed = await both.json();
  assert.deepEqual(listed.Resources.map((r) => r.id).sort(), [made.body.id, group.body.id].sort());
  assert.ok(listed.Resources.every((r) => r.userName === undefined && r.displayName === undefined), 'only the attributes asked for');

  // With the organization's switch off, a person created without a password gets no email.
  assert.equal((await api('PUT', '/organization/scim-settings', { token: manager, body: { activationEmails: false } })).status, 403);
  const off = await api('PUT', '/organization/scim-settings', { token: admin, body: { activationEmails: false } });
  assert.deepEqual([off.status, off.body.scimActivationEmails], [200, false]);
  try {
    const quiet = await post('default/Users', token, { schemas: [USER], userName: `sso.${stamp}@e2e.test` });
    assert.equal(quiet.status, 201);
    assert.deepEqual(await sql(`SELECT id FROM password_resets WHERE user_id = '${quiet.body.id}'`), [], 'no activation link, no email');
  } finally {
    await api('PUT', '/organization/scim-settings', { token: admin, body: { activationEmails: true } });
  }

  // The extension's canonical values are the organization's catalog.
  const q = `canon-${stamp}`;
  await offer(admin, { questionnaires: [q] });
  const schema = (await scim(`default/Schemas/${LIVECHAT}`, token)).body;
  const canonical = (name) => schema.attributes.find((a) => a.name === name).canonicalValues;
  assert.ok(canonical('questionnaires').includes(q));
  assert.deepEqual(canonical('role'), ['agent', 'manager']);
  assert.deepEqual(canonical('languages'), (await api('GET', '/organization/catalog', { token: admin })).body.languages);
});

test('a page holds at most 200 resources, whatever count asks for', async () => {
  // An organization of its own with 205 people, written straight into D1 (the API would take
  // minutes of password hashing), and its admin's SCIM token.
  const admin = await adminToken();
  const id = `org-paging-${Date.now().toString(36)}`;
  await sql(`INSERT INTO organizations (id, slug, name, status, created_at) VALUES ('${id}', '${id}', 'Paging', 'active', 0)`);
  const seed = await createUser(admin, { role: 'admin' });
  await sql(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 204)
             INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, created_at, updated_at)
             SELECT '${id}-' || i, '${id}', 'p' || i || '@paging.test', 'p' || i || '@paging.test', '!', role, access, profile, 0, 0
             FROM n, users WHERE users.id = '${seed.id}'`);
  await sql(`UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE id = '${seed.id}') WHERE id = '${id}-0'`);
  const session = await api('POST', '/session', { body: { organization: id, email: 'p0@paging.test', password: PASSWORD } });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  const token = (await api('POST', '/organization/scim-tokens', { token: session.body.token, body: { name: 'paging' } })).body.token;
  const all = await scim(`${id}/Users?count=1000`, token);
  assert.equal(all.status, 200);
  assert.equal(all.body.totalResults, 205);
  assert.equal(all.body.itemsPerPage, 200);
  assert.equal(all.body.Resources.length, 200);
  const rest = await scim(`${id}/Users?startIndex=201&count=1000`, token);
  assert.deepEqual([rest.body.itemsPerPage, rest.body.Resources.length], [5, 5]);
  const seen = new Set([...all.body.Resources, ...rest.body.Resources].map((u) => u.id));
  assert.equal(seen.size, 205, 'two pages, every person once');
});
