// Second factors on the page, in real Chromium: an authenticator app enrolled and used with codes
// computed here from the secret shown, a recovery code that works once, passkeys registered and
// used (as the second step and instead of the password) with the DevTools protocol's virtual
// authenticator, a cloned passkey refused by its counter, and the organization's policy forcing
// enrolment. WebAuthn needs a domain as its RP ID: these pages are opened on localhost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, adminToken, createUser, sql, totp, PASSWORD } from './client.mjs';
import { close, done, launch, page, shot, signIn as signInAsAdmin } from './browser.mjs';

const LOCAL = BASE.replace('127.0.0.1', 'localhost');

before(launch);
after(close);

async function passwordStep(p, email, { slug = '' } = {}) {
  await p.goto(`${LOCAL}/${slug}`);
  await p.fill('#si-email', email);
  await p.fill('#si-password', PASSWORD);
  await p.click('#sign-in-form button[type=submit]');
}

const signedIn = (p) => p.waitForSelector('#view-users:not([hidden]) tbody tr, #view-self:not([hidden])');

async function signOut(p) {
  await p.click('#sign-out');
  await p.waitForSelector('#view-sign-in:not([hidden])');
}

/** Enrols an authenticator app from the security screen; the secret shown and the codes. */
async function enrolApp(p) {
  await p.click('#totp-start');
  await p.waitForSelector('#totp-form:not([hidden])');
  const secret = await p.textContent('#totp-secret');
  assert.match(await p.getAttribute('#totp-qr', 'src'), /^data:image\/svg\+xml;base64,/);
  const confirmedWith = totp(secret);
  await p.fill('#totp-code', confirmedWith);
  await p.click('#totp-form button[type=submit]');
  await p.waitForSelector('#recovery-new:not([hidden])');
  const codes = await p.$$eval('#recovery-codes li', (items) => items.map((i) => i.textContent));
  assert.equal(codes.length, 10);
  return { secret, codes, confirmedWith };
}

test('an authenticator app: enrolled from the security screen, then asked for after the password; a recovery code works once', async () => {
  const agent = await createUser(await adminToken());
  const p = await page();
  await passwordStep(p, agent.email);
  await signedIn(p);
  await p.click('#open-security');
  await p.waitForSelector('#view-security:not([hidden])');
  const { secret, codes, confirmedWith } = await enrolApp(p);
  assert.equal(await p.textContent('#totp-status'), 'Configurée.');
  await shot(p, '17-security-app-and-recovery-codes');
  await signOut(p);

  await passwordStep(p, agent.email);
  await p.waitForSelector('#view-second-factor:not([hidden])');
  await shot(p, '18-second-step');
  // The code that confirmed the app is spent: refused, then a later one opens.
  await p.fill('#sf-code', confirmedWith);
  await p.click('#second-factor-form button[type=submit]');
  await p.waitForFunction(() => document.querySelector('#sf-error').textContent !== '');
  assert.equal(await p.textContent('#sf-error'), "Ce code ou cette clé n'a pas été accepté");
  await p.fill('#sf-code', totp(secret, Date.now() + 30_000));
  await p.click('#second-factor-form button[type=submit]');
  await signedIn(p);
  await signOut(p);

  // A recovery code, once.
  for (const expected of ['in', 'refused']) {
    await passwordStep(p, agent.email);
    await p.waitForSelector('#view-second-factor:not([hidden])');
    await p.check('input[name=sf-method][value=recovery]');
    await p.fill('#sf-code', codes[0]);
    await p.click('#second-factor-form button[type=submit]');
    if (expected === 'in') {
      await signedIn(p);
      await signOut(p);
    } else {
      // Refused by the server as a spent code (not a throttle, not a network error).
      await p.waitForFunction(() => document.querySelector('#sf-error').textContent !== '');
      assert.equal(await p.textContent('#sf-error'), "Ce code ou cette clé n'a pas été accepté");
    }
  }
  await done(p);
});

test('passkeys in Chromium\'s virtual authenticator: registered, used as the second step and instead of the password; a clone is refused', async () => {
  const agent = await createUser(await adminToken());
  const p = await page();
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await passwordStep(p, agent.email);
  await signedIn(p);
  await p.click('#open-security');
  await p.fill('#passkey-name', 'Ordinateur du test');
  await p.click('#passkey-form button[type=submit]');
  await p.waitForSelector('#passkey-list li');
  assert.match(await p.textContent('#passkey-list li'), /Ordinateur du test — jamais utilisée/);
  const recovery = await p.$$eval('#recovery-codes li', (items) => items.map((i) => i.textContent));
  assert.equal(recovery.length, 10, 'the first factor brings recovery codes');
  // Named again from the list.
  p.once('dialog', (dialog) => dialog.accept('Portable de test'));
  await p.click('#passkey-list li button:has-text("Renommer")');
  await p.waitForFunction(() => document.querySelector('#passkey-list li')?.textContent.startsWith('Portable de test'));
  await shot(p, '19-passkey-registered');
  await signOut(p);

  // As the second step.
  await passwordStep(p, agent.email);
  await p.waitForSelector('#sf-passkey:not([hidden])');
  await p.click('#sf-passkey');
  await signedIn(p);
  // A password's session: it came through no identity provider (the passkey's WebAuthn
  // challenge is not taken for one).
  assert.deepEqual(await sql(`SELECT DISTINCT sso_provider_id FROM sessions WHERE user_id = '${agent.id}'`), [{ sso_provider_id: null }]);
  await signOut(p);

  // Instead of the password: the passkey names the person.
  await p.goto(`${LOCAL}/`);
  const answered = p.waitForRequest((r) => r.url().endsWith('/api/v1/session/second-factor'));
  await p.click('#passkey-sign-in');
  await signedIn(p);
  assert.equal(await p.textContent('#whoami'), agent.email);
  // The same assertion again (a replay): its challenge is spent.
  const replay = await fetch(`${LOCAL}/api/v1/session/second-factor`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: (await answered).postData(),
  });
  assert.deepEqual([replay.status, (await replay.json()).code], [401, 'challenge_expired']);
  await signOut(p);

  // A clone of the authenticator, with the counter it had before the last use: refused.
  const [credential] = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  assert.ok(credential.signCount >= 2, `counter ${credential.signCount}`);
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  const clone = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  await cdp.send('WebAuthn.addCredential', {
    authenticatorId: clone.authenticatorId,
    credential: { ...credential, signCount: credential.signCount - 2 },
  });
  await p.goto(`${LOCAL}/`);
  const refusedClone = p.waitForResponse((r) => r.url().endsWith('/api/v1/session/second-factor'));
  await p.click('#passkey-sign-in');
  const cloneAnswer = await refusedClone;
  // The server's verdict on the counter, not a throttle (429) or the browser giving up.
  assert.deepEqual([cloneAnswer.status(), (await cloneAnswer.json()).code], [401, 'second_factor_invalid']);
  await p.waitForFunction(() => document.querySelector('#si-form-error').textContent !== '');
  assert.equal(await p.textContent('#si-form-error'), "Ce code ou cette clé n'a pas été accepté");
  assert.equal(await p.isVisible('#view-sign-in'), true, 'still signed out');

  // In with a recovery code, and the passkey removed from the list.
  await passwordStep(p, agent.email);
  await p.waitForSelector('#view-second-factor:not([hidden])');
  await p.check('input[name=sf-method][value=recovery]');
  await p.fill('#sf-code', recovery[0]);
  await p.click('#second-factor-form button[type=submit]');
  await signedIn(p);
  await p.click('#open-security');
  await p.click('#passkey-list li button:has-text("Supprimer")');
  await p.waitForFunction(() => document.querySelectorAll('#passkey-list li').length === 0);
  assert.equal(await p.textContent('#recovery-status'), 'Ils arrivent avec votre premier facteur.', 'they went with the last factor');
  await done(p);
});

test('the organization\'s policy: set on the security screen, it sends whoever it covers to enrol before anything else', async () => {
  // An organization of its own, so that its policy touches no other test.
  const root = await adminToken();
  const id = `org-page-2fa-${Date.now().toString(36)}`;
  await sql(`INSERT INTO organizations (id, slug, name, status, created_at) VALUES ('${id}', '${id}', 'Umbrella', 'active', 0)`);
  const seed = await createUser(root, { role: 'admin' });
  await sql(`INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, created_at, updated_at)
             SELECT '${seed.id}-u', '${id}', email, email_key, password_hash, role, access, profile, 0, 0 FROM users WHERE id = '${seed.id}'`);
  const p = await page();
  await passwordStep(p, seed.email, { slug: `${id}/` });
  await signedIn(p);
  await p.click('#open-security');
  await p.waitForSelector('#policy-card:not([hidden])');
  await p.selectOption('#policy', 'everyone');
  // The admin is covered too: the screen turns into enrolment, with no way elsewhere.
  await p.waitForSelector('#enrol-required:not([hidden])');
  assert.equal(await p.isHidden('#security-back'), true);
  await shot(p, '20-enrolment-required');
  const organization = (await api('POST', '/session', { body: { organization: id, email: seed.email, password: PASSWORD } })).body;
  assert.equal((await api('GET', '/users', { token: organization.token })).body.code, 'second_factor_required');
  await enrolApp(p);
  assert.equal(await p.isHidden('#enrol-required'), true);
  await p.click('#security-back');
  await signedIn(p);
  await done(p);
});

test('an admin resets a person\'s lost factor from the edit dialog: their sessions end, their app is gone', async () => {
  const admin = await adminToken();
  const agent = await createUser(admin);
  const started = await api('POST', '/me/second-factors/totp', { token: agent.token });
  assert.equal((await api('PUT', '/me/second-factors/totp', { token: agent.token, body: { code: totp(started.body.secret) } })).status, 200);
  const p = await page();
  await signInAsAdmin(p);
  await p.fill('#search', agent.email.split('@')[0]);
  const row = p.locator(`tr[data-email="${agent.email}"]`);
  await row.locator('button', { hasText: 'Modifier' }).click();
  await p.waitForSelector('#uf-reset-factors:not([hidden])');
  await p.click('#uf-reset-factors');
  const reset = p.waitForResponse((r) => r.url().endsWith(`/users/${agent.id}/second-factors`));
  await p.click('#confirm-dialog button[value=ok]');
  assert.equal((await reset).status(), 204);
  assert.equal((await api('GET', '/me', { token: agent.token })).status, 401, 'their sessions ended');
  assert.deepEqual(await sql(`SELECT user_id FROM totp_factors WHERE user_id = '${agent.id}'`), []);
  await done(p);
});

test('on an IP address the page says why no passkey can be made, and names the address to use', async () => {
  assert.match(BASE, /^http:\/\/127\.0\.0\.1:/, 'this test opens the page by its IP address');
  const p = await page();
  await signInAsAdmin(p);
  await p.click('#open-security');
  await p.waitForSelector('#view-security:not([hidden])');
  const said = await p.textContent('#passkey-error');
  assert.match(said, /ne fonctionnent pas sur une adresse IP \(127\.0\.0\.1\)/);
  assert.ok(said.includes(`${LOCAL}/`), said);
  await shot(p, '24-passkey-on-ip-address');
  await p.click('#sign-out');
  await p.waitForSelector('#view-sign-in:not([hidden])');
  await p.click('#passkey-sign-in');
  assert.match(await p.textContent('#si-form-error'), /adresse IP \(127\.0\.0\.1\).*localhost/);
  await done(p);
});
