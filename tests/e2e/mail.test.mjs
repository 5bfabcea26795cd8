// Email that arrives, end to end: the request writes D1 and the outbox (a local Queue), the
// consumer sends through the real send_email binding, which wrangler dev writes to .eml files.
// The tests read those files, follow their links in Chromium, and sign in.
import { receiver } from './receiver.mjs';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import { BASE, ADMIN, CLIENT_HEADERS, api, newOrganization, adminToken, createUser, deliveryOf, mailsTo, reconfigure, sql, unique, PASSWORD } from './client.mjs';

let browser;
before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-sync', '--no-first-run'],
  });
});
after(() => browser?.close());

// The invitation TTL the Worker runs with, from its own configuration.
const INVITATION_TTL_MS = Number(parse(readFileSync(process.env.E2E_CONFIG, 'utf8')).vars.INVITATION_TTL_HOURS) * 3600 * 1000;

/**
 * How a person reads an instant in an email, computed by ICU (Node's Intl), which shares no code
 * with the Worker's: `8 décembre 2026 à 09:05 UTC`, `8 December 2026, 09:05 UTC`.
 */
function expiryText(ms, locale) {
  const date = new Intl.DateTimeFormat(locale === 'fr' ? 'fr-FR' : 'en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(ms);
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' }).format(ms);
  return locale === 'fr' ? `${date} à ${time} UTC` : `${date}, ${time} UTC`;
}

const linkIn = (mail, path) => mail.text.match(new RegExp(`https?://\\S+/${path}#token=[A-Za-z0-9_-]{43}`))?.[0];

test('invite two addresses: two emails, each link opens the accept page, the invitee chooses a password and is signed in', async () => {
  const admin = await adminToken();
  const me = (await api('GET', '/me', { token: admin })).body;
  await api('PATCH', `/users/${me.id}`, { token: admin, body: { profile: { firstName: 'Camille', lastName: 'Admin' } } });
  const [a, b] = [unique('mail-a'), unique('mail-b')];
  const res = await api('POST', '/invitations', { token: admin, body: { emails: [a, b], role: 'agent' } });
  assert.deepEqual(res.body.results.map((r) => r.delivery), ['queued', 'queued']);
  for (const address of [a, b]) {
    const [mail, ...more] = await mailsTo(address);
    assert.ok(mail, `an email to ${address}`);
    assert.equal(more.length, 0, 'one email per invitation');
    // In the organization's locale (French here), with its name, the inviter's name and the expiry.
    assert.equal(mail.subject, 'Camille Admin vous invite à rejoindre Default');
    assert.equal(mail.from.address, 'no-reply@e2e.test');
    const { expiresAt } = res.body.results.find((r) => r.email === address);
    assert.ok(mail.text.includes(`expire le ${expiryText(expiresAt, 'fr')}`), mail.text);
    assert.ok(mail.html.includes('Activer mon compte'));
    assert.ok((await deliveryOf(admin, address)).delivery.status === 'sent');

    const page = await (await browser.newContext({ extraHTTPHeaders: CLIENT_HEADERS, timezoneId: 'Europe/Paris' })).newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e));
    await page.goto(linkIn(mail, 'accept').replace(/^https?:\/\/[^/]+/, BASE));
    await page.waitForSelector('#accept-form:not([hidden])');
    assert.match(await page.textContent('#accept-intro'), new RegExp(address.replace(/[.]/g, '\\.')));
    await page.fill('#ac-password', PASSWORD);
    await page.click('#accept-form button[type=submit]');
    await page.waitForSelector('#view-self:not([hidden])');
    assert.match(await page.textContent('#whoami'), new RegExp(address.replace(/[.]/g, '\\.')));
    await page.context().close();
    assert.deepEqual(errors.map(String), []);
  }
});

test('a refused send shows as failed with the sender\'s reason, publishes invitation.delivery_failed, and a resend goes through', async () => {
  const admin = await adminToken();
  const [ok, refused] = [unique('allowed'), unique('refused')];
  const hook = await receiver();
  const endpoint = await api('POST', '/organization/webhooks', { token: admin, body: { url: hook.url, events: ['invitation.delivery_failed'] } });
  assert.equal(endpoint.status, 201);
  // A probe invitation: what the sender does with a new address now.
  const probe = async () => (await deliveryOf(admin, (await invite(admin, unique('probe'))).email)).delivery.status;
  // The sender now takes one destination only (as Cloudflare does for unverified addresses).
  await reconfigure((config) => config.replace('name = "MAILER"', `name = "MAILER"\nallowed_destination_addresses = ["${ok}"]`),
    async () => (await probe()) === 'failed');
  try {
    await api('POST', '/invitations', { token: admin, body: { emails: [ok, refused], role: 'agent' } });
    assert.equal((await deliveryOf(admin, ok)).delivery.status, 'sent');
    const failed = await deliveryOf(admin, refused);
    assert.equal(failed.delivery.status, 'failed');
    assert.equal(failed.delivery.attempts, 2, 'tried MAIL_ATTEMPTS times, with backoff');
    assert.match(failed.delivery.error, /not allowed/);
    // `failed` is final (every attempt made): no email can still be on its way.
    assert.equal((await mailsTo(refused, { timeout: 0 })).length, 0);
    // …and the organization's webhook hears of it, once, signed.
    const [event] = await hook.until((g) => g.some((x) => x.event.data.subject.name === refused), 'invitation.delivery_failed');
    assert.equal(event.event.type, 'invitation.delivery_failed');
    hook.verify(event, endpoint.body.secret);
    assert.equal(hook.got.filter((x) => x.event.data.subject.name === ok).length, 0, 'a sent invitation publishes no failure');
  } finally {
    await api('DELETE', `/organization/webhooks/${endpoint.body.id}`, { token: admin });
    await hook.down();
    await reconfigure((config) => config.replace(/\nallowed_destination_addresses = \[[^\]]*\]/, ''),
      async () => (await probe()) === 'sent');
  }
  const invitation = (await deliveryOf(admin, refused)).id;
  const resent = await api('POST', `/invitations/${invitation}/resend`, { token: admin });
  assert.equal(resent.status, 200);
  assert.equal(resent.body.delivery, 'queued');
  const again = await deliveryOf(admin, refused);
  assert.equal(again.delivery.status, 'sent');
  assert.equal(again.delivery.error, null);
  const [mail] = await mailsTo(refused);
  assert.equal(linkIn(mail, 'accept').split('#token=')[1], resent.body.acceptUrl.split('#token=')[1], 'the new link, not the dead one');
});

test('forgotten password: known and unknown addresses get the same answer; only the known one gets mail; the link works once', async () => {
  const admin = await adminToken();
  const lea = await createUser(admin);
  const other = await signInAgain(lea.email);
  const stranger = unique('nobody');
  const answers = [];
  // The stranger first: by the time lea's email has arrived, the work after the stranger's answer
  // (which started earlier and only reads D1) is long over, so the absence below means something.
  for (const email of [stranger, lea.email]) {
    const res = await api('POST', '/password/forgot', { body: { email } });
    answers.push({ status: res.status, body: res.body });
  }
  assert.deepEqual(answers.map((a) => [a.status, a.body]), [[202, null], [202, null]]);
  const [mail] = await mailsTo(lea.email);
  assert.match(mail.subject, /Réinitialisation de votre mot de passe – Default/);
  assert.equal((await mailsTo(stranger, { timeout: 0 })).length, 0, 'no mail for an unknown address');
  const [row] = await sql(`SELECT token_hash FROM password_resets WHERE user_id = '${lea.id}'`);
  assert.match(row.token_hash, /^[0-9a-f]{64}$/, 'only the digest is stored');

  // The link in Chromium: a new password, signed in.
  const page = await (await browser.newContext({ extraHTTPHeaders: CLIENT_HEADERS, timezoneId: 'Europe/Paris' })).newPage();
  await page.goto(linkIn(mail, 'reset').replace(/^https?:\/\/[^/]+/, BASE));
  await page.waitForSelector('#view-reset:not([hidden])');
  const fresh = 'a brand new passphrase';
  await page.fill('#rs-password', 'court');
  assert.match(await page.textContent('#rs-password-error'), /au moins 12 caractères/);
  await page.fill('#rs-password', fresh);
  await page.click('#reset-form button[type=submit]');
  await page.waitForSelector('#view-self:not([hidden])');
  await page.context().close();

  // The old password no longer works; the other session has ended; the link is dead.
  assert.equal((await api('POST', '/session', { body: { email: lea.email, password: PASSWORD } })).status, 401);
  assert.equal((await api('GET', '/me', { token: other })).status, 401);
  assert.equal((await api('POST', '/session', { body: { email: lea.email, password: fresh } })).status, 200);
  const token = linkIn(mail, 'reset').split('#token=')[1];
  const twice = await api('POST', '/password/reset', { body: { token, password: 'yet another passphrase' } });
  assert.equal(twice.status, 410, JSON.stringify(twice.body));
  assert.equal(twice.body.code, 'reset_link_invalid');
});

test('a reset link past its expiry is dead, and forgetting is throttled per address', async () => {
  const admin = await adminToken();
  const lea = await createUser(admin);
  await api('POST', '/password/forgot', { body: { email: lea.email } });
  const [mail] = await mailsTo(lea.email);
  // The Worker's own 30 minutes are checked by the test above; here the expiry is moved.
  await sql(`UPDATE password_resets SET expires_at = 1 WHERE user_id = '${lea.id}'`);
  const token = linkIn(mail, 'reset').split('#token=')[1];
  assert.equal((await api('POST', '/password/reset', { body: { token, password: 'a brand new passphrase' } })).status, 410);
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await api('POST', '/password/forgot', { body: { email: lea.email } })).status);
  assert.ok(statuses.includes(429), `throttled: ${statuses}`);
});

test('changing one\'s own password takes the current one and ends the other sessions', async () => {
  const admin = await adminToken();
  const lea = await createUser(admin);
  const other = await signInAgain(lea.email);
  const wrong = await api('PUT', '/me/password', { token: lea.token, body: { currentPassword: 'not my password at all', newPassword: 'a brand new passphrase' } });
  assert.equal(wrong.status, 422);
  assert.deepEqual(wrong.body.errors.map((e) => [e.field, e.code]), [['currentPassword', 'current_password_wrong']]);
  assert.equal((await api('GET', '/me', { token: other })).status, 200, 'nothing changed');
  const missing = await api('PUT', '/me/password', { token: lea.token, body: { newPassword: 'a brand new passphrase' } });
  assert.deepEqual(missing.body.errors.map((e) => [e.field, e.code]), [['currentPassword', 'field_required']]);
  const changed = await api('PUT', '/me/password', { token: lea.token, body: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } });
  assert.equal(changed.status, 200);
  assert.equal((await api('GET', '/me', { token: changed.body.token })).status, 200, 'this session goes on with its new token');
  assert.equal((await api('GET', '/me', { token: other })).status, 401, 'the other session ended');
  assert.equal((await api('POST', '/session', { body: { email: lea.email, password: PASSWORD } })).status, 401);
});

test('the expiry reads right in every month, in French and in English (the clock set by the test)', async () => {
  // An English-speaking organization beside the default (French) one.
  const { slug, adminEmail, session: accepted } = await newOrganization({ name: 'Acme UK' });
  const catalog = (await api('GET', '/organization/catalog', { token: accepted.token })).body;
  assert.equal((await api('PUT', '/organization/catalog', { token: accepted.token, body: { ...catalog, locale: 'en' } })).status, 200);

  const organizations = [
    { locale: 'fr', login: { email: ADMIN.email, password: ADMIN.password }, words: 'expire le' },
    { locale: 'en', login: { organization: slug, email: adminEmail, password: PASSWORD }, words: 'expires on' },
  ];
  // Always in the future, whatever today is: two years on, at instants that test the edges of a
  // day (just after midnight, just before) and of months (the 1st, the 28th to the 31st).
  const year = new Date().getUTCFullYear() + 2;
  const days = [1, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  for (const { locale, login, words } of organizations) {
    for (let month = 0; month < 12; month++) {
      const expiry = Date.UTC(year, month, month % 2 ? days[month] : 1, month % 2 ? 23 : 0, month % 2 ? 59 : 0);
      // The request's clock: the Worker writes the invitation as if it were this instant.
      const headers = { 'x-test-clock': String(expiry - INVITATION_TTL_MS) };
      const session = await api('POST', '/session', { body: login, headers });
      assert.equal(session.status, 200, JSON.stringify(session.body));
      const address = unique(`month-${locale}-${month + 1}`);
      const res = await api('POST', '/invitations', { token: session.body.token, headers, body: { emails: [address], role: 'agent' } });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.results[0].expiresAt, expiry, 'the clock plus the invitation TTL');
      const [mail] = await mailsTo(address);
      assert.ok(mail, `an email to ${address}`);
      const expected = `${words} ${expiryText(expiry, locale)}`;
      assert.ok(mail.text.includes(expected), `${expected}\nin\n${mail.text}`);
      assert.ok(mail.html.includes(expected), 'the HTML part says the same');
    }
  }
});

test('a reset link\'s expiry is the clock plus 30 minutes, in any month', async () => {
  const admin = await adminToken();
  const year = new Date().getUTCFullYear() + 2;
  for (const month of [1, 7, 11]) {
    const lea = await createUser(admin);
    // 23:45 on the month's last day: the link's 30 minutes end in the next month (and year).
    const clock = Date.UTC(year, month + 1, 0, 23, 45);
    const res = await api('POST', '/password/forgot', { body: { email: lea.email }, headers: { 'x-test-clock': String(clock) } });
    assert.equal(res.status, 202);
    const [mail] = await mailsTo(lea.email);
    assert.ok(mail, `a reset email to ${lea.email}`);
    const expected = `expire le ${expiryText(clock + 30 * 60 * 1000, 'fr')}`;
    assert.ok(mail.text.includes(expected), `${expected}\nin\n${mail.text}`);
    const [row] = await sql(`SELECT created_at, expires_at FROM password_resets WHERE user_id = '${lea.id}'`);
    assert.deepEqual([row.created_at, row.expires_at], [clock, clock + 30 * 60 * 1000]);
  }
});

async function invite(admin, email) {
  const res = await api('POST', '/invitations', { token: admin, body: { emails: [email], role: 'agent' } });
  if (res.status !== 200) throw new Error(`invite ${res.status}`);
  return res.body.results[0];
}

async function signInAgain(email) {
  return (await api('POST', '/session', { body: { email, password: PASSWORD } })).body.token;
}
