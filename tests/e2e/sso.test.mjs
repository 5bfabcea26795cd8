// Single sign-on with OpenID Connect against a real OpenID provider (`oidc-provider`, started on
// loopback by the test): linking, refusals (nothing created), just-in-time creation, SSO required
// with a break-glass admin, the second-factor policy (the provider's `amr`), the provider's key
// rotation, organizations sealed, sign-out there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, newOrganization, sql, unique, createUser, signIn, mailsTo, totp, codes, OPERATOR_TOKEN, PASSWORD, BASE } from './client.mjs';
import { startIdp, signingKey, throughProvider, callback, resign, headerOf } from './idp.mjs';

let idp;
let k1;
const accounts = {};

before(async () => {
  k1 = await signingKey('k1');
  idp = await startIdp({ accounts, keys: [k1], logoutRedirects: [] });
});
after(() => idp?.stop());

/** A new organization with the provider configured; its admin's token and the provider's id. */
async function organizationWithProvider(fields = {}) {
  const org = await newOrganization();
  const admin = org.session.token;
  const res = await api('POST', '/organization/sso/providers', {
    token: admin,
    body: { name: 'Acme ID', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, ...fields },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { org, admin, provider: res.body };
}

/** An account at the provider; answers its sub. */
function account(email, claims = {}) {
  const sub = `sub-${Math.random().toString(36).slice(2)}`;
  accounts[sub] = { email, email_verified: true, given_name: 'Ana', family_name: 'Lima', ...claims };
  return sub;
}

const signInThrough = async (org, provider, sub, headers) => callback(await throughProvider(org.slug, provider.id, sub), headers);
const me = (token) => api('GET', '/me', { token });
const userCount = async (org) => (await sql(`SELECT COUNT(*) AS n FROM users WHERE organization_id = '${org.id}'`))[0].n;
const links = (org) => sql(`SELECT provider_id, subject, user_id FROM sso_links WHERE organization_id = '${org.id}'`);

test('an admin configures a provider: discovery checked, the secret sealed, never shown; the sign-in page offers it', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  assert.equal(provider.issuer, idp.issuer);
  assert.equal(provider.endSession, true);
  assert.equal(JSON.stringify(provider).includes(idp.clientSecret), false);
  const stored = await sql(`SELECT client_secret FROM sso_providers WHERE id = '${provider.id}'`);
  assert.notEqual(stored[0].client_secret, idp.clientSecret);
  assert.equal(stored[0].client_secret.includes(idp.clientSecret), false);
  const settings = await api('GET', '/organization/sso', { token: admin });
  assert.equal(settings.status, 200);
  assert.deepEqual(settings.body.providers.map((p) => p.id), [provider.id]);
  assert.equal(settings.body.redirectUri, `${BASE}/api/v1/sso/callback`);
  const offered = await api('GET', `/sso/providers?organization=${org.slug}`);
  assert.deepEqual(offered.body, { providers: [{ id: provider.id, name: 'Acme ID' }], required: false });
  // An issuer whose discovery names another issuer (a mix-up), or none at all, is refused.
  const wrong = await api('POST', '/organization/sso/providers', {
    token: admin, body: { name: 'x', issuer: `${idp.issuer}/elsewhere`, clientId: 'c', clientSecret: 's' },
  });
  assert.ok(['sso_provider_unreachable', 'sso_discovery_invalid'].includes(wrong.body.code), JSON.stringify(wrong.body));
  const internal = await api('POST', '/organization/sso/providers', {
    token: admin, body: { name: 'x', issuer: 'https://169.254.169.254', clientId: 'c', clientSecret: 's' },
  });
  assert.equal(internal.status, 422);
  assert.deepEqual(internal.body.errors.map((e) => [e.field, e.code]), [['issuer', 'sso_issuer_invalid']]);
  // Only admins.
  const agent = await createUser(admin, {}, { organization: org.slug });
  assert.equal((await api('GET', '/organization/sso', { token: agent.token })).status, 403);
});

test('the first sign-in links the provider\'s person to the verified address; the next one finds them by sub', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const person = await createUser(admin, { email: unique('ana') }, { organization: org.slug });
  const sub = account(person.email.toUpperCase().replace('@E2E.TEST', '@e2e.test'));
  const first = await signInThrough(org, provider, sub);
  assert.equal(first.error, null);
  assert.equal(first.location.pathname, `/${org.slug}/`);
  assert.equal((await me(first.token)).body.id, person.id);
  assert.deepEqual(await links(org), [{ provider_id: provider.id, subject: sub, user_id: person.id }]);
  const audit = await api('GET', '/audit', { token: admin });
  assert.ok(audit.body.items.some((e) => e.action === 'sso_linked' && e.targetId === person.id), JSON.stringify(audit.body.items.slice(0, 3)));
  // The address changes at the provider: the link by sub still signs the same person in.
  accounts[sub].email = unique('renamed');
  const second = await signInThrough(org, provider, sub);
  assert.equal((await me(second.token)).body.id, person.id);
});

test('refused, nothing created: an unverified address, no account, a disabled person', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const before = await userCount(org);
  const unverified = account(unique('unverified'), { email_verified: false });
  assert.equal((await signInThrough(org, provider, unverified)).error, 'sso_email_unverified');
  const stranger = account(unique('stranger'));
  const refused = await signInThrough(org, provider, stranger);
  assert.equal(refused.error, 'sso_no_account');
  assert.equal(refused.token, null);
  assert.equal(refused.location.pathname, `/${org.slug}/`);
  assert.equal(await userCount(org), before);
  assert.deepEqual(await links(org), []);
  const person = await createUser(admin, {}, { organization: org.slug });
  const disabled = await api('PATCH', `/users/${person.id}`, { token: admin, body: { disabled: true } });
  assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
  assert.equal((await signInThrough(org, provider, account(person.email))).error, 'account_disabled');
});

test('a flow works once, in the browser that started it, for five minutes', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const person = await createUser(admin, {}, { organization: org.slug });
  const sub = account(person.email);
  const flow = await throughProvider(org.slug, provider.id, sub);
  // Someone else's callback link (login CSRF): no flow cookie.
  assert.equal((await callback({ ...flow, flow: null })).error, 'sso_state_invalid');
  // Spent by that try: replayed, even with its cookie.
  assert.equal((await callback(flow)).error, 'sso_state_invalid');
  const late = await throughProvider(org.slug, provider.id, sub);
  const clock = String(Date.now() + 5 * 60 * 1000 + 1000);
  assert.equal((await callback(late, { 'x-test-clock': clock })).error, 'sso_state_invalid');
  const fine = await throughProvider(org.slug, provider.id, sub);
  const ok = await callback(fine);
  assert.equal(ok.error, null);
  assert.equal((await callback(fine)).error, 'sso_state_invalid');
  assert.equal((await me(ok.token)).body.id, person.id);
});

test('an ID token tampered with, for another audience, expired, or signed by a key the provider never published: refused, nothing linked', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const person = await createUser(admin, {}, { organization: org.slug });
  const sub = account(person.email);
  const stranger = await signingKey('k1'); // the same kid, another key
  const cases = [
    ['tampered', async (t) => { const [h, p, s] = t.split('.'); const claims = JSON.parse(Buffer.from(p, 'base64url')); claims.sub = 'someone-else'; return [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.'); }, 'sso_token_invalid'],
    ['another audience', (t) => resign(t, k1, (c) => ({ ...c, aud: 'another-client' })), 'sso_token_invalid'],
    ['another nonce', (t) => resign(t, k1, (c) => ({ ...c, nonce: 'not-the-flows' })), 'sso_token_invalid'],
    ['expired', (t) => resign(t, k1, (c) => ({ ...c, exp: Math.floor(Date.now() / 1000) - 120 })), 'sso_token_expired'],
    ['an unknown key', (t) => resign(t, stranger), 'sso_token_invalid'],
    ['an unpublished kid', async (t) => resign(t, { ...(await signingKey('k-unknown')) }), 'sso_token_invalid'],
    ['alg none', (t) => { const claims = t.split('.')[1]; return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${claims}.`; }, 'sso_token_invalid'],
  ];
  for (const [name, tamper, code] of cases) {
    idp.tamper = tamper;
    try {
      assert.equal((await signInThrough(org, provider, sub)).error, code, name);
    } finally {
      idp.tamper = null;
    }
  }
  assert.deepEqual(await links(org), []);
  // Untouched, the same person signs in.
  assert.equal((await signInThrough(org, provider, sub)).error, null);
});

test('just-in-time creation: off refuses, on creates an agent (never an admin) with no password', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const email = unique('newcomer');
  const sub = account(email, { given_name: 'Noa', family_name: 'Diaz' });
  assert.equal((await signInThrough(org, provider, sub)).error, 'sso_no_account');
  const asAdmin = await api('PUT', '/organization/sso', { token: admin, body: { required: false, jit: { role: 'admin' } } });
  assert.equal(asAdmin.status, 422);
  assert.deepEqual(asAdmin.body.errors.map((e) => [e.field, e.code]), [['jit.role', 'sso_jit_admin']]);
  const on = await api('PUT', '/organization/sso', { token: admin, body: { required: false, jit: { role: 'agent' } } });
  assert.equal(on.status, 200, JSON.stringify(on.body));
  assert.equal(on.body.jit.role, 'agent');
  const created = await signInThrough(org, provider, sub);
  assert.equal(created.error, null);
  const person = (await me(created.token)).body;
  assert.equal(person.email, email);
  assert.equal(person.role, 'agent');
  assert.equal(person.profile.firstName, 'Noa');
  assert.deepEqual(await links(org), [{ provider_id: provider.id, subject: sub, user_id: person.id }]);
  const password = await api('POST', '/session', { body: { email, password: PASSWORD, organization: org.slug } });
  assert.equal(password.status, 401);
  const audit = await api('GET', '/audit', { token: admin });
  assert.ok(audit.body.items.some((e) => e.action === 'created' && e.targetId === person.id && e.actorId === null));
  assert.ok(audit.body.items.some((e) => e.action === 'sso_policy_changed'));
});

test('SSO required: password sign-in and reset refused but to the break-glass admin; SSO still signs in', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const adminId = (await me(admin)).body.id;
  const person = await createUser(admin, {}, { organization: org.slug });
  const noBreakGlass = await api('PUT', '/organization/sso', { token: admin, body: { required: true } });
  assert.equal(noBreakGlass.status, 422);
  assert.deepEqual(noBreakGlass.body.errors.map((e) => [e.field, e.code]), [['breakGlass', 'sso_break_glass_required']]);
  const notAdmin = await api('PUT', '/organization/sso', { token: admin, body: { required: true, breakGlass: person.id } });
  assert.deepEqual(notAdmin.body.errors.map((e) => [e.field, e.code]), [['breakGlass', 'sso_break_glass_required']]);
  const required = await api('PUT', '/organization/sso', { token: admin, body: { required: true, breakGlass: adminId } });
  assert.equal(required.status, 200, JSON.stringify(required.body));
  assert.equal((await api('GET', `/sso/providers?organization=${org.slug}`)).body.required, true);
  const refused = await api('POST', '/session', { body: { email: person.email, password: PASSWORD, organization: org.slug } });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'sso_required');
  const unknown = await api('POST', '/session', { body: { email: unique('nobody'), password: PASSWORD, organization: org.slug } });
  assert.equal(unknown.body.code, 'sso_required');
  assert.ok(await signIn(org.adminEmail, PASSWORD, org.slug));
  const forgot = await api('POST', '/password/forgot', { body: { email: person.email, organization: org.slug } });
  assert.equal(forgot.status, 202);
  const resets = await sql(`SELECT COUNT(*) AS n FROM password_resets WHERE user_id = '${person.id}'`);
  assert.equal(resets[0].n, 0);
  const through = await signInThrough(org, provider, account(person.email));
  assert.equal(through.error, null);
  assert.equal((await me(through.token)).body.id, person.id);
  // Someone the identity provider creates by SCIM gets no link to set a password they could not
  // use (activation emails are on); their first sign-in through the provider finds them.
  const scim = (await api('POST', '/organization/scim-tokens', { token: admin, body: { name: 'Acme ID' } })).body.token;
  const email = unique('provisioned');
  const made = await fetch(`${BASE}/scim/v2/${org.slug}/Users`, {
    method: 'POST', headers: { authorization: `Bearer ${scim}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: email }),
  });
  assert.equal(made.status, 201);
  const provisioned = (await made.json()).id;
  assert.equal((await sql(`SELECT COUNT(*) AS n FROM password_resets WHERE user_id = '${provisioned}'`))[0].n, 0, 'no activation link, no email');
  const first = await signInThrough(org, provider, account(email));
  assert.equal((await me(first.token)).body.id, provisioned);
});

test('under SSO required an invitee chooses no password: the email says so, the account is made without one, the provider signs them in', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const adminId = (await me(admin)).body.id;
  assert.equal((await api('PUT', '/organization/sso', { token: admin, body: { required: true, breakGlass: adminId } })).status, 200);
  const email = unique('invitee');
  const invited = (await api('POST', '/invitations', { token: admin, body: { emails: [email], role: 'agent' } })).body.results[0];
  const token = new URL(invited.acceptUrl).hash.replace('#token=', '');
  const [mail] = await mailsTo(email);
  assert.match(mail.text, /fournisseur d'identité/);
  assert.doesNotMatch(mail.text, /mot de passe/);
  assert.equal((await api('GET', `/invitations/lookup?token=${token}`)).body.ssoRequired, true);
  // A password sent is refused, and the invitation is still there to accept.
  const withPassword = await api('POST', '/invitations/accept', { body: { token, password: PASSWORD } });
  assert.deepEqual([withPassword.status, codes(withPassword.body)], [403, [['password', 'sso_required']]]);
  const accepted = await api('POST', '/invitations/accept', { body: { token, profile: { pseudonym: 'Iva' } } });
  assert.equal(accepted.status, 201, JSON.stringify(accepted.body));
  assert.deepEqual([accepted.body.organization, accepted.body.user.email, accepted.body.token], [org.slug, email, undefined]);
  assert.equal(accepted.headers.get('set-cookie'), null, 'no session: sign-in goes through the provider');
  const [row] = await sql(`SELECT password_hash FROM users WHERE id = '${accepted.body.user.id}'`);
  assert.equal(row.password_hash, '!', 'no password');
  const through = await signInThrough(org, provider, account(email));
  assert.equal((await me(through.token)).body.id, accepted.body.user.id);
  // Where SSO is not required, an invitation still asks for a password.
  const plain = await newOrganization();
  const other = (await api('POST', '/invitations', { token: plain.session.token, body: { emails: [unique('invitee')], role: 'agent' } })).body.results[0];
  const otherToken = new URL(other.acceptUrl).hash.replace('#token=', '');
  assert.equal((await api('GET', `/invitations/lookup?token=${otherToken}`)).body.ssoRequired, false);
  const none = await api('POST', '/invitations/accept', { body: { token: otherToken } });
  assert.deepEqual([none.status, codes(none.body)], [422, [['password', 'field_required']]]);
});

test('an organization that requires SSO and lost its way in: the operator lifts the requirement, audited; nothing else changes', async () => {
  const { org, admin } = await organizationWithProvider();
  const adminId = (await me(admin)).body.id;
  const person = await createUser(admin, {}, { organization: org.slug });
  assert.equal((await api('PUT', '/organization/sso', { token: admin, body: { required: true, breakGlass: adminId } })).status, 200);
  const password = () => api('POST', '/session', { body: { email: person.email, password: PASSWORD, organization: org.slug } });
  assert.equal((await password()).body.code, 'sso_required');
  const lift = (token, id = org.id) => api('DELETE', `/operator/organizations/${id}/sso-requirement`, { token });
  // Only the operator: the organization's own admin is not one.
  assert.equal((await lift(admin)).status, 401);
  assert.equal((await lift(OPERATOR_TOKEN, 'no-such-organization')).status, 404);
  assert.equal((await lift(OPERATOR_TOKEN)).status, 204);
  assert.equal((await password()).status, 200, 'password sign-in is back');
  const settings = (await api('GET', '/organization/sso', { token: admin })).body;
  assert.deepEqual([settings.required, settings.breakGlass, settings.providers.length], [false, adminId, 1]);
  const lifted = async () => (await api('GET', '/audit', { token: admin })).body.items.filter((e) => e.action === 'sso_required_lifted');
  const [entry] = await lifted();
  assert.equal(entry.actorId ?? null, null, 'by no one of the organization');
  assert.deepEqual([entry.before.required, entry.after.required, entry.after.breakGlass], [true, false, adminId]);
  // Nothing left to lift: nothing written.
  assert.equal((await lift(OPERATOR_TOKEN)).status, 204);
  assert.equal((await lifted()).length, 1);
});

test('the provider rotates to an ES256 key: it is fetched at once; a removed key is refused once the cached keys are old', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const person = await createUser(admin, {}, { organization: org.slug });
  const sub = account(person.email);
  assert.equal((await signInThrough(org, provider, sub)).error, null);
  const k2 = await signingKey('k2', 'ES256');
  await idp.restart([k2, k1]);
  let kid;
  idp.tamper = (t) => { kid = headerOf(t).kid; return t; };
  assert.equal((await signInThrough(org, provider, sub)).error, null);
  idp.tamper = null;
  assert.equal(kid, 'k2');
  await idp.restart([k2]);
  try {
    // A token of the removed key, within the keys' cache (SSO_JWKS_SECONDS = 60 here): still
    // trusted (the documented bound); past it, the keys are fetched again and it is refused.
    idp.tamper = (t) => resign(t, k1);
    const stale = await throughProvider(org.slug, provider.id, sub);
    assert.equal((await callback(stale, { 'x-test-clock': String(Date.now() + 61_000) })).error, 'sso_token_invalid');
  } finally {
    idp.tamper = null;
    await idp.restart([k1]);
  }
});

test('organizations are sealed: the same provider in two organizations links each only within its own', async () => {
  const a = await organizationWithProvider();
  const b = await organizationWithProvider();
  const person = await createUser(a.admin, {}, { organization: a.org.slug });
  const sub = account(person.email);
  const viaB = await signInThrough(b.org, b.provider, sub);
  assert.equal(viaB.error, 'sso_no_account');
  assert.deepEqual(await links(b.org), []);
  const viaA = await signInThrough(a.org, a.provider, sub);
  assert.equal((await me(viaA.token)).body.id, person.id);
  // A's provider id at B's address is not found.
  const crossed = await fetch(`${BASE}/api/v1/sso/start?organization=${b.org.slug}&provider=${a.provider.id}`, { redirect: 'manual' });
  assert.equal(crossed.status, 404);
});

test('signing out of a session that came through the provider names its end-session address', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const person = await createUser(admin, {}, { organization: org.slug });
  const through = await signInThrough(org, provider, account(person.email));
  const out = await api('DELETE', '/session', { token: through.token });
  assert.equal(out.status, 200);
  const url = new URL(out.body.endSession);
  assert.equal(url.origin, idp.issuer);
  assert.equal(url.searchParams.get('client_id'), idp.clientId);
  assert.equal(url.searchParams.get('post_logout_redirect_uri'), `${BASE}/${org.slug}/`);
  assert.equal((await me(through.token)).status, 401);
  // A password session signs out as before.
  const local = await api('DELETE', '/session', { token: person.token });
  assert.equal(local.status, 204);
});

test('the second-factor policy counts the provider\'s (amr); without it a factor here asks the second step, whose session still signs out at the provider', async () => {
  const { org, admin, provider } = await organizationWithProvider();
  const person = await createUser(admin, {}, { organization: org.slug });
  const sub = account(person.email);
  assert.equal((await api('PUT', '/organization/security', { token: admin, body: { secondFactor: 'everyone' } })).status, 200);
  const factorsOf = async (token) => (await api('GET', '/me/second-factors', { token })).body;
  // oidc-provider's own login screen sets no `amr`: its key signs one, as a provider whose login
  // took a one-time code would.
  const withAmr = (amr) => { idp.tamper = (t) => resign(t, k1, (c) => ({ ...c, amr })); };
  try {
    withAmr(['pwd', 'otp']);
    const full = await signInThrough(org, provider, sub);
    assert.equal(full.secondFactor, null);
    assert.equal((await factorsOf(full.token)).enrolmentRequired, false);
    assert.equal((await api('GET', '/conversations', { token: full.token })).status, 200);
    // A password alone at the provider is not a second factor.
    withAmr(['pwd']);
    const pwd = await signInThrough(org, provider, sub);
    assert.equal((await factorsOf(pwd.token)).enrolmentRequired, true);
  } finally {
    idp.tamper = null;
  }
  // No `amr`: a session that may only enrol, as after a password.
  const enrolling = (await signInThrough(org, provider, sub)).token;
  const blocked = await api('GET', '/conversations', { token: enrolling });
  assert.deepEqual([blocked.status, blocked.body.code], [403, 'second_factor_required']);
  const started = await api('POST', '/me/second-factors/totp', { token: enrolling });
  const { secret } = started.body;
  assert.equal((await api('PUT', '/me/second-factors/totp', { token: enrolling, body: { code: totp(secret) } })).status, 200);
  // A factor here and none in the token: the second step, then a session that came through the
  // provider (signing out reaches it).
  const step = await signInThrough(org, provider, sub);
  assert.equal(step.token, null);
  const hash = new URLSearchParams(`second-factor=${step.secondFactor}`);
  assert.deepEqual(hash.get('methods').split(','), ['totp', 'recovery']);
  const done = await api('POST', '/session/second-factor', { body: { challenge: hash.get('second-factor'), method: 'totp', code: totp(secret, Date.now() + 30_000) } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal((await api('GET', '/conversations', { token: done.body.token })).status, 200);
  const out = await api('DELETE', '/session', { token: done.body.token });
  assert.equal(out.status, 200);
  assert.equal(new URL(out.body.endSession).origin, idp.issuer);
});
