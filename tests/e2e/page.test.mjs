// The admin page in real headless Chromium (Debian's), driven by playwright-core, against the
// real Worker. Screenshots of the main screens go to tests/e2e/artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, ADMIN, api, adminToken, createUser, deliveryOf, offer, unique, OPERATOR_TOKEN, PASSWORD } from './client.mjs';
import { close, done, launch, page, shot, signIn } from './browser.mjs';

before(async () => {
  await offer(await adminToken(), { questionnaires: ['site-fr'] });
  await launch();
});
after(close);

test('sign in, add a user with instant checks, see them listed', async () => {
  const p = await page();
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await shot(p, '01-users');
  await p.click('#open-add');
  await p.waitForSelector('#user-dialog[open]');
  const apiCalls = [];
  p.on('request', (r) => { if (r.url().includes('/api/')) apiCalls.push(r.url()); });
  await p.fill('#uf-email', 'pas-un-email');
  assert.equal(await p.textContent('#uf-email-error'), 'Adresse e-mail non valide');
  assert.equal(await p.getAttribute('#uf-email', 'aria-invalid'), 'true');
  assert.deepEqual(apiCalls, [], 'the check ran in the browser, no request');
  assert.equal(await p.isDisabled('#uf-save'), true, 'Save is disabled while the form is invalid');
  await p.fill('#uf-password', 'court');
  assert.match(await p.textContent('#uf-password-error'), /au moins 12 caractères/);
  await shot(p, '02-add-user-errors');
  const email = unique('page');
  await p.fill('#uf-email', email);
  await p.fill('#uf-password', PASSWORD);
  assert.equal(await p.textContent('#uf-password-hint'), 'Mot de passe solide');
  await p.fill('#uf-first-name', 'Inès');
  await p.fill('#uf-pseudonym', '<img src=x onerror=alert(1)>');
  // Questionnaires are picked from the organization's catalog, not typed.
  await p.check('#uf-questionnaires input[value=site-fr]');
  assert.equal(await p.isDisabled('#uf-save'), false);
  await p.click('#uf-save');
  await p.waitForSelector('#user-dialog[open]', { state: 'detached' });
  await p.fill('#search', email.split('@')[0]);
  const row = p.locator(`tr[data-email="${email}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /Inès/);
  assert.equal(await p.locator('main img:not(#totp-qr)').count(), 0, 'names are text, never markup');
  await done(p);
});

test('a server rejection shows against the right field', async () => {
  const p = await page();
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-add');
  await p.fill('#uf-email', ADMIN.email.toUpperCase());
  await p.fill('#uf-password', PASSWORD);
  await p.click('#uf-save');
  await p.waitForFunction(() => document.querySelector('#uf-email-error').textContent !== '');
  assert.equal(await p.textContent('#uf-email-error'), 'Un compte existe déjà avec cette adresse e-mail');
  await done(p);
});

test('admin role selects and locks every module and hides questionnaires; unlimited toggle', async () => {
  const p = await page();
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-add');
  assert.equal(await p.isVisible('#uf-questionnaires-field'), true);
  await p.selectOption('#uf-role', 'admin');
  const boxes = p.locator('#uf-modules input');
  const modules = 5 + (await api('GET', '/organization/catalog', { token: await adminToken() })).body.modules.length;
  assert.equal(await boxes.count(), modules, 'the built-in modules and the catalog\'s extra ones');
  for (let i = 0; i < modules; i++) {
    assert.equal(await boxes.nth(i).isChecked(), true);
    assert.equal(await boxes.nth(i).isDisabled(), true);
  }
  assert.equal(await p.isVisible('#uf-questionnaires-field'), false);
  assert.equal(await p.isChecked('#uf-unlimited'), true, 'admins default to unlimited');
  assert.equal(await p.isDisabled('#uf-max'), true);
  await shot(p, '03-admin-role');
  await p.selectOption('#uf-role', 'agent');
  assert.equal(await p.isChecked('#uf-unlimited'), false);
  assert.equal(await p.inputValue('#uf-max'), '3');
  assert.equal(await p.isDisabled('#uf-modules input[value=settings]'), true, 'agents cannot hold settings');
  await p.fill('#uf-max', '0');
  assert.match(await p.textContent('#uf-max-error'), /illimité ou entre 1 et 50/);
  await p.check('#uf-unlimited');
  assert.equal(await p.textContent('#uf-max-error'), '');
  assert.equal(await p.isDisabled('#uf-max'), true);
  await done(p);
});

test('bulk invitation with one bad address, then accept in a fresh browser and sign in', async () => {
  const p = await page();
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-invite');
  const [a, b] = [unique('bulk'), unique('bulk')];
  await p.fill('#uf-emails', `${a}, oops\n${b}`);
  const verdicts = p.locator('#uf-emails-verdicts li');
  assert.equal(await verdicts.count(), 3);
  assert.match(await verdicts.nth(1).textContent(), /oops.*Adresse e-mail non valide/);
  assert.equal(await p.isDisabled('#uf-save'), false, 'valid addresses go ahead');
  await p.click('#uf-save');
  await p.waitForSelector('#invite-results:not([hidden])');
  const results = p.locator('#invite-results-list li');
  assert.deepEqual(await results.evaluateAll((lis) => lis.map((li) => li.dataset.status)), ['invited', 'invalid', 'invited']);
  const link = await results.nth(0).locator('code').textContent();
  assert.match(link, /\/accept#token=/);
  await shot(p, '04-invite-results');
  await p.keyboard.press('Escape');
  await p.waitForSelector(`tr[data-email="${b}"]`);
  assert.match(await p.textContent(`tr[data-email="${b}"]`), /Invité·e, expire le/);

  const fresh = await page();
  await fresh.goto(link);
  await fresh.waitForSelector('#accept-form:not([hidden])');
  assert.match(await fresh.textContent('#accept-intro'), new RegExp(a.replace(/[.]/g, '\\.')));
  await fresh.fill('#ac-password', 'short');
  assert.match(await fresh.textContent('#ac-password-error'), /au moins 12/);
  await fresh.fill('#ac-password', PASSWORD);
  await fresh.fill('#ac-pseudonym', 'Bulk');
  await shot(fresh, '05-accept');
  await fresh.click('#accept-form button[type=submit]');
  await fresh.waitForSelector('#view-self:not([hidden])');
  assert.match(await fresh.textContent('#self-details'), new RegExp(a.replace(/[.]/g, '\\.')));
  assert.equal(await fresh.isVisible('#view-users'), false, 'an agent has no users screen');
  await shot(fresh, '06-agent-account');
  await done(fresh);
  await done(p);
});

test('a manager can only pick the agent role; the last admin cannot remove themself', async () => {
  const admin = await adminToken();
  const manager = await createUser(admin, { role: 'manager' });
  const p = await page();
  await signIn(p, manager.email, PASSWORD);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-add');
  assert.equal(await p.isDisabled('#uf-role option[value=admin]'), true);
  assert.equal(await p.isDisabled('#uf-role option[value=manager]'), true);
  assert.equal(await p.isDisabled('#uf-role option[value=agent]'), false);
  await done(p);

  const root = await page();
  await signIn(root);
  await root.fill('#search', ADMIN.email);
  const own = root.locator(`tr[data-email="${ADMIN.email}"]`);
  await own.waitFor();
  assert.equal(await own.locator('button.danger').isDisabled(), true);
  assert.match(await own.locator('.why').textContent(), /Vous ne pouvez pas supprimer/);
  await done(root);
});

test('English switch, keyboard only, and no layout break at 360 px', async () => {
  const p = await page({ width: 360, height: 740 });
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#lang-switch');
  assert.equal(await p.textContent('#view-users h1'), 'User management');
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `horizontal overflow of ${overflow}px`);
  await shot(p, '07-mobile-en');
  await p.focus('#open-add');
  await p.keyboard.press('Enter');
  await p.waitForSelector('#user-dialog[open]');
  assert.equal(await p.evaluate(() => document.activeElement.id), 'uf-email', 'focus moves into the dialog');
  await p.keyboard.type('nope');
  assert.equal(await p.textContent('#uf-email-error'), 'Invalid email address');
  const dialogOverflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(dialogOverflow <= 0);
  await shot(p, '08-mobile-dialog');
  await p.keyboard.press('Escape');
  await p.waitForSelector('#user-dialog[open]', { state: 'detached' });
  await done(p);
});

test("an organization's own address signs its people in to it, its name in the header", async () => {
  const slug = `page-${Date.now().toString(36)}`;
  const adminEmail = unique('boss');
  const created = await api('POST', '/operator/organizations', { token: OPERATOR_TOKEN, body: { slug, name: 'Globex Support', adminEmail } });
  assert.equal(created.status, 201);
  const token = new URL(created.body.invitation.acceptUrl).hash.replace('#token=', '');
  assert.equal((await api('POST', '/invitations/accept', { body: { token, password: PASSWORD } })).status, 201);
  const p = await page();
  // At the root (the default organization) the same address and password are refused.
  await p.goto(BASE + '/');
  await p.fill('#si-email', adminEmail);
  await p.fill('#si-password', PASSWORD);
  await p.click('#sign-in-form button[type=submit]');
  await p.waitForFunction(() => document.querySelector('#si-form-error').textContent !== '');
  assert.equal(await p.textContent('#si-form-error'), 'E-mail ou mot de passe incorrect', 'wrong credentials there, not a throttle');
  await p.goto(`${BASE}/${slug}/`);
  await p.fill('#si-email', adminEmail);
  await p.fill('#si-password', PASSWORD);
  await p.click('#sign-in-form button[type=submit]');
  await p.waitForSelector('#view-users:not([hidden]) tbody tr');
  await p.waitForSelector('#organization-name:not([hidden])');
  assert.equal(await p.textContent('#organization-name'), 'Globex Support');
  const emails = await p.$$eval('#view-users tbody tr', (rows) => rows.map((r) => r.textContent));
  assert.equal(emails.length, 1, 'only their own organization');
  assert.ok(emails[0].includes(adminEmail));
  await shot(p, '08-organization');
  await done(p);
});

test('the catalog screen: add a questionnaire, pick it in the form by name; a held one is not removed', async () => {
  const p = await page();
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-catalog');
  await p.waitForSelector('#view-catalog:not([hidden])');
  const id = `page-${Date.now().toString(36)}`;
  // A bad id is refused in the browser by the core, before any request.
  await p.fill('#cat-new-id', 'Pas Un Id');
  await p.click('#cat-add');
  assert.match(await p.textContent('#cat-questionnaires-error'), /Identifiant de questionnaire non valide/);
  assert.equal(await p.isDisabled('#cat-save'), true);
  await p.click('#cat-questionnaires tr[data-id="Pas Un Id"] button');
  await p.fill('#cat-new-id', id);
  await p.fill('#cat-new-name', 'Boutique en ligne');
  await p.click('#cat-add');
  await p.check('#cat-languages input[value=en]');
  await p.selectOption(`#cat-questionnaires tr[data-id="${id}"] select`, 'en');
  await p.click('#cat-save');
  await p.waitForFunction(() => document.querySelector('#announce').textContent === 'Catalogue enregistré');
  await shot(p, '09-catalog');
  const saved = (await api('GET', '/organization/catalog', { token: await adminToken() })).body;
  assert.deepEqual(saved.questionnaires.find((q) => q.id === id), { id, name: 'Boutique en ligne', language: 'en' });
  assert.ok(saved.languages.includes('en'));

  // The add form offers it by name, and a user is created with it.
  await p.click('#catalog-back');
  await p.click('#open-add');
  const box = p.locator(`#uf-questionnaires input[value="${id}"]`);
  assert.equal(await p.locator(`#uf-questionnaires label:has(input[value="${id}"])`).textContent(), 'Boutique en ligne');
  const email = unique('catalog');
  await p.fill('#uf-email', email);
  await p.fill('#uf-password', PASSWORD);
  await box.check();
  await shot(p, '10-questionnaire-picker');
  await p.click('#uf-save');
  await p.waitForSelector('#user-dialog[open]', { state: 'detached' });

  // Removing it now is refused, naming who holds it.
  await p.click('#open-catalog');
  await p.click(`#cat-questionnaires tr[data-id="${id}"] button`);
  await p.click('#cat-save');
  await p.waitForSelector('#cat-holders:not([hidden])');
  assert.match(await p.textContent('#cat-holders'), new RegExp(`${id}[\\s\\S]*${email.replace(/[.+]/g, '\\$&')} \\(compte\\)`));
  await shot(p, '11-catalog-held');
  const still = (await api('GET', '/organization/catalog', { token: await adminToken() })).body;
  assert.ok(still.questionnaires.some((q) => q.id === id), 'nothing removed');
  await done(p);
});

test('the invitations list shows each email\'s delivery and resends; a forgotten password and one\'s own password from the page', async () => {
  const admin = await adminToken();
  const invitee = unique('delivered');
  await api('POST', '/invitations', { token: admin, body: { emails: [invitee], role: 'agent' } });
  await deliveryOf(admin, invitee);
  const p = await page();
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.fill('#search', invitee.split('@')[0]);
  const row = p.locator(`tr[data-email="${invitee}"]`);
  await row.waitFor();
  assert.equal(await row.locator('[data-delivery]').getAttribute('data-delivery'), 'sent');
  assert.match(await row.textContent(), /e-mail envoyé/);
  await shot(p, '12-invitation-delivery');
  await row.locator('button', { hasText: 'Renvoyer' }).click();
  await p.waitForFunction(() => document.querySelector('#announce').textContent.startsWith('Invitation renvoyée'));

  // One's own password, with the core's checks as one types.
  const lea = await createUser(admin);
  const q = await page();
  await signIn(q, lea.email, PASSWORD);
  await q.click('#open-password');
  await q.fill('#pw-current', PASSWORD);
  await q.fill('#pw-new', 'court');
  assert.match(await q.textContent('#pw-new-error'), /au moins 12 caractères/);
  await q.fill('#pw-new', 'a brand new passphrase');
  assert.equal(await q.textContent('#pw-new-error'), '');
  await shot(q, '13-change-password');
  await q.click('#pw-save');
  await q.waitForFunction(() => document.querySelector('#announce').textContent.startsWith('Mot de passe changé'));
  assert.equal((await api('POST', '/session', { body: { email: lea.email, password: 'a brand new passphrase' } })).status, 200);

  // "Mot de passe oublié ?" on the sign-in page: the same answer for anyone.
  const r = await page();
  await r.goto(BASE + '/');
  await r.click('#open-forgot');
  await r.fill('#fg-email', unique('nobody'));
  await r.click('#forgot-form button[type=submit]');
  await r.waitForSelector('#fg-done:not([hidden])');
  await shot(r, '14-forgot-password');
  for (const x of [p, q, r]) await done(x);
});

test('the SCIM screen: a token made, shown once, listed, revoked; the activation email switched', async () => {
  const admin = await adminToken();
  const p = await page();
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-scim');
  await p.waitForSelector('#view-scim:not([hidden])');
  await p.fill('#scim-name', 'Entra ID (page)');
  await p.click('#scim-form button[type=submit]');
  await p.waitForSelector('#scim-new:not([hidden])');
  assert.match(await p.textContent('#scim-new-token'), /^[A-Za-z0-9_-]{43}$/);
  assert.match(await p.textContent('#scim-new-base'), /\/scim\/v2\/default$/);
  const row = p.locator('#scim-tokens tr', { hasText: 'Entra ID (page)' }).first();
  await row.waitFor();
  assert.match(await row.textContent(), /jamais/);
  await shot(p, '15-scim-tokens');
  assert.equal(await row.locator('button').textContent(), 'Révoquer', 'a token is revoked, not an invitation');
  await row.locator('button').click();
  await p.click('#confirm-dialog button[value=ok]');
  await p.waitForFunction(() => [...document.querySelectorAll('#scim-tokens tr')].some((r) => r.textContent.includes('Entra ID (page)') && r.textContent.includes('Révoqué')));
  // The activation email of provisioned people: on by default, switched off and on again.
  assert.equal(await p.isChecked('#scim-activation'), true);
  const saved = p.waitForResponse((r) => r.url().endsWith('/organization/scim-settings') && r.status() === 200);
  await p.click('#scim-activation');
  await saved;
  assert.equal((await api('GET', '/organization', { token: admin })).body.scimActivationEmails, false);
  const back = p.waitForResponse((r) => r.url().endsWith('/organization/scim-settings') && r.status() === 200);
  await p.click('#scim-activation');
  await back;
  assert.equal((await api('GET', '/organization', { token: admin })).body.scimActivationEmails, true);
  await done(p);
});

test('the integrations screen: a key made with its scopes, shown once, works, revoked, refused', async () => {
  const p = await page();
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-integrations');
  await p.waitForSelector('#view-integrations:not([hidden])');
  // The deployment's SERVICE_TOKEN is listed as such, and cannot be revoked here.
  const legacy = p.locator('#integration-keys tr[data-id=service-token]');
  assert.match(await legacy.textContent(), /SERVICE_TOKEN — secret du déploiement, à remplacer par une clé/);
  assert.equal(await legacy.locator('button').isDisabled(), true);
  // No scope: refused with the rule's words, nothing made.
  await p.fill('#key-name', 'Serveur de chat (page)');
  await p.uncheck('#key-scopes input[value="conversations:open"]');
  await p.click('#key-form button[type=submit]');
  await p.waitForFunction(() => document.querySelector('#key-error').textContent !== '');
  assert.equal(await p.textContent('#key-error'), 'Choisissez au moins une portée');
  assert.equal(await p.isHidden('#key-new'), true);
  await p.check('#key-scopes input[value="people:read"]');
  await p.check('#key-scopes input[value="conversations:read"]');
  await p.click('#key-form button[type=submit]');
  await p.waitForSelector('#key-new:not([hidden])');
  const key = await p.textContent('#key-new-value');
  assert.match(key, /^lca_live_[A-Za-z0-9_-]{43}$/);
  const row = p.locator('#integration-keys tr', { hasText: 'Serveur de chat (page)' }).first();
  await row.waitFor();
  assert.match(await row.textContent(), /Lire les personnes et leurs accès, Lire les conversations/);
  assert.match(await row.textContent(), new RegExp(`${key.slice(0, 13)}…`));
  assert.ok(!(await row.textContent()).includes(key), 'the list never shows the key');
  await shot(p, '17-integration-keys');
  // The key works as its scopes say, then stops at once when revoked on the page.
  assert.equal((await api('GET', '/users', { token: key })).status, 200);
  assert.equal((await api('POST', '/conversations', { token: key, body: { questionnaire: 'site-fr', language: 'fr', channel: 'chat' } })).body.code, 'key_scope_missing');
  assert.equal(await row.locator('button').textContent(), 'Révoquer');
  await row.locator('button').click();
  await p.click('#confirm-dialog button[value=ok]');
  await p.waitForFunction(() => [...document.querySelectorAll('#integration-keys tr')].some((r) => r.textContent.includes('Serveur de chat (page)') && r.textContent.includes('Révoqué')));
  assert.equal((await api('GET', '/users', { token: key })).status, 401);
  // Only the first time: a reload shows no key.
  await p.reload();
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-integrations');
  await p.waitForSelector('#view-integrations:not([hidden])');
  assert.equal(await p.isHidden('#key-new'), true);
  assert.equal((await p.content()).includes(key), false);
  await done(p);
});

test('the teams screen: a team made from the catalog and the people, listed, changed', async () => {
  const admin = await adminToken();
  const member = await createUser(admin);
  const p = await page();
  await signIn(p);
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-teams');
  await p.waitForSelector('#view-teams:not([hidden])');
  const name = `Boutique ${Date.now().toString(36)}`;
  await p.fill('#team-name', name);
  await p.check('#team-questionnaires input[value=site-fr]');
  await p.check(`#team-members input[value="${member.id}"]`);
  const saved = p.waitForResponse((r) => r.url().endsWith('/api/v1/teams') && r.request().method() === 'POST');
  await p.click('#team-save');
  const answer = await saved;
  assert.equal(answer.status(), 201, await answer.text());
  const row = p.locator('#teams-table tr', { hasText: name });
  await row.waitFor();
  assert.match(await row.textContent(), /site-fr/);
  await shot(p, '16-teams');
  const [team] = (await api('GET', '/teams', { token: admin })).body.items.filter((t) => t.name === name);
  assert.deepEqual([team.questionnaires, team.members], [['site-fr'], [member.id]]);
  await done(p);
});
