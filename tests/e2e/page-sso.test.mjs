// Single sign-on in real Chromium against a real OpenID provider (oidc-provider on loopback): an
// admin configures it on the security screen; a person signs in through its button, lands signed
// in, signs out there too; a stranger is told why they are refused; under SSO required an
// invitee activates their account without a password and signs in through the provider.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, createUser, newOrganization, unique, PASSWORD, BASE } from './client.mjs';
import { launch, close, page, done, shot } from './browser.mjs';
import { startIdp, signingKey } from './idp.mjs';

let idp;
let org;
const accounts = {};

before(async () => {
  await launch();
  org = await newOrganization({ name: 'Single' });
  idp = await startIdp({ accounts, keys: [await signingKey('page-1')], logoutRedirects: [`${BASE}/${org.slug}/`] });
});
after(async () => { await idp?.stop(); await close(); });

test('an admin adds the provider; a person signs in through it, then out of both; a stranger is told why not', async () => {
  const admin = await page();
  await admin.goto(`${BASE}/${org.slug}/`);
  await admin.fill('#si-email', org.adminEmail);
  await admin.fill('#si-password', PASSWORD);
  await admin.click('#sign-in-form button[type=submit]');
  await admin.waitForSelector('#view-users:not([hidden])');
  await admin.click('#open-security');
  await admin.waitForSelector('#sso-card:not([hidden])');
  assert.equal(await admin.textContent('#sso-redirect'), `${BASE}/api/v1/sso/callback`);
  await admin.click('#sso-add');
  // A preset asks for its tenant instead of the issuer.
  await admin.selectOption('#sso-preset', 'entra');
  assert.equal(await admin.isVisible('#sso-tenant'), true);
  assert.equal(await admin.isVisible('#sso-issuer'), false);
  await admin.selectOption('#sso-preset', 'generic');
  await admin.fill('#sso-name', 'Acme ID');
  await admin.fill('#sso-issuer', 'http://idp.example.com');
  await admin.fill('#sso-client-id', idp.clientId);
  await admin.fill('#sso-client-secret', idp.clientSecret);
  await admin.click('#sso-form button[type=submit]');
  await admin.waitForFunction(() => document.querySelector('#sso-form-error').textContent.length > 0);
  assert.match(await admin.textContent('#sso-form-error'), /issuer : .*https:\/\//);
  await admin.fill('#sso-issuer', idp.issuer);
  await admin.click('#sso-form button[type=submit]');
  await admin.waitForSelector('#sso-providers li[data-provider]');
  assert.match(await admin.textContent('#sso-providers'), /Acme ID/);
  await shot(admin, 'sso-settings');
  await done(admin);

  const person = await createUser(org.session.token, { email: unique('sso-person') }, { organization: org.slug });
  const sub = 'page-person';
  accounts[sub] = { email: person.email, email_verified: true, given_name: 'Ana' };
  const p = await page();
  await p.goto(`${BASE}/${org.slug}/`);
  const button = p.locator('#sso-buttons a', { hasText: 'Se connecter avec Acme ID' });
  await button.waitFor();
  await shot(p, 'sso-sign-in');
  await button.click();
  // The provider's own login page.
  await p.waitForURL((url) => url.origin === idp.issuer);
  await p.fill('input[name=login]', sub);
  await p.fill('input[name=password]', 'anything');
  await p.click('button[type=submit]');
  await p.waitForURL(`${BASE}/${org.slug}/`);
  await p.waitForSelector('#whoami:not([hidden])');
  assert.equal(await p.textContent('#whoami'), person.email);
  // Signing out ends the session here, then at the provider, which sends the browser back.
  await p.click('#sign-out');
  await p.waitForURL((url) => url.origin === idp.issuer);
  await p.click('button[name=logout][value=yes]');
  await p.waitForURL(`${BASE}/${org.slug}/`);
  await p.waitForSelector('#view-sign-in:not([hidden])');
  await done(p);

  accounts['page-stranger'] = { email: unique('stranger'), email_verified: true };
  const s = await page();
  await s.goto(`${BASE}/${org.slug}/`);
  await s.locator('#sso-buttons a').click();
  await s.waitForURL((url) => url.origin === idp.issuer);
  await s.fill('input[name=login]', 'page-stranger');
  await s.fill('input[name=password]', 'anything');
  await s.click('button[type=submit]');
  await s.waitForURL(`${BASE}/${org.slug}/`);
  await s.waitForFunction(() => document.querySelector('#sso-error').textContent.length > 0);
  assert.match(await s.textContent('#sso-error'), /Aucun compte/);
  assert.equal(new URL(s.url()).search, '');
  await shot(s, 'sso-refused');
  await done(s);
});

test('under SSO required the accept page asks for no password; the invitee activates, then signs in through the provider', async () => {
  const other = await newOrganization({ name: 'Unique' });
  const admin = other.session.token;
  const added = await api('POST', '/organization/sso/providers', { token: admin, body: { name: 'Acme ID', issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret } });
  assert.equal(added.status, 201);
  const adminId = (await api('GET', '/me', { token: admin })).body.id;
  assert.equal((await api('PUT', '/organization/sso', { token: admin, body: { required: true, breakGlass: adminId } })).status, 200);
  const email = unique('sso-invitee');
  const invited = (await api('POST', '/invitations', { token: admin, body: { emails: [email], role: 'agent' } })).body.results[0];
  accounts['page-invitee'] = { email, email_verified: true };
  const p = await page();
  await p.goto(invited.acceptUrl);
  await p.waitForSelector('#accept-form:not([hidden])');
  assert.equal(await p.isVisible('#ac-password'), false);
  assert.match(await p.textContent('#ac-sso-note'), /pas de mot de passe/);
  await p.fill('#ac-pseudonym', 'Iva');
  await shot(p, 'sso-accept');
  await p.click('#accept-form button[type=submit]');
  await p.waitForURL(`${BASE}/${other.slug}/`);
  await p.locator('#sso-buttons a', { hasText: 'Se connecter avec Acme ID' }).click();
  await p.waitForURL((url) => url.origin === idp.issuer);
  await p.fill('input[name=login]', 'page-invitee');
  await p.fill('input[name=password]', 'anything');
  await p.click('button[type=submit]');
  await p.waitForURL(`${BASE}/${other.slug}/`);
  await p.waitForSelector('#whoami:not([hidden])');
  assert.equal(await p.textContent('#whoami'), email);
  await done(p);
});
