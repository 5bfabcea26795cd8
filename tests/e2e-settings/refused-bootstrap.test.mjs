// A deployment started with a bootstrap admin password the add-user rules refuse (it holds the
// address's local part), run by `E2E_ADMIN_PASSWORD=… E2E_HEALTH=503 scripts/test-worker
// tests/e2e-settings/`: the refusal is named by /health and by the default organization's
// sign-in, never with the password, and nothing else stops (the operator API, other
// organizations, their people's sign-in). No request answers 500.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { api, newOrganization, unique, ADMIN, OPERATOR_TOKEN, PASSWORD } from '../e2e/client.mjs';
import { launch, close, page, done, shot } from '../e2e/browser.mjs';

before(launch);
after(close);

const refusal = [['BOOTSTRAP_ADMIN_PASSWORD', 'bootstrap_admin_refused', 'password_contains_email']];
const named = (body) => body.settings.map((s) => [s.setting, s.code, s.rule]);

test('the deployment is started with a password that holds the address', () => {
  // The premise, checked: the bootstrap address's local part is inside the password.
  assert.ok(ADMIN.password.includes(ADMIN.email.split('@')[0]), 'run with a refused E2E_ADMIN_PASSWORD');
});

test('/health answers 503 naming the refused setting and its rule, never its value', async () => {
  for (const [language, words] of [['fr', /refusé par la règle `password_contains_email`/], ['en', /refused by the rule `password_contains_email`/]]) {
    const health = await api('GET', '/health', { headers: { 'accept-language': language } });
    assert.equal(health.status, 503);
    assert.equal(health.headers.get('content-type'), 'application/problem+json');
    assert.equal(health.body.code, 'configuration_invalid');
    assert.deepEqual(named(health.body), refusal);
    assert.match(health.body.settings[0].message, words);
    assert.ok(!JSON.stringify(health.body).includes(ADMIN.password), 'the password never leaves');
  }
});

test("the default organization's sign-in says why it has no admin", async () => {
  for (const body of [{ email: ADMIN.email, password: ADMIN.password }, { organization: 'default', email: unique(), password: PASSWORD }]) {
    const res = await api('POST', '/session', { body });
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assert.equal(res.body.code, 'configuration_invalid');
    assert.deepEqual(named(res.body), refusal);
  }
});

test('the operator creates an organization whose admin signs in and works', async () => {
  const { slug, adminEmail } = await newOrganization({ name: 'Initech' });
  const session = await api('POST', '/session', { body: { organization: slug, email: adminEmail, password: PASSWORD } });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  const agent = await api('POST', '/users', { token: session.body.token, body: { email: unique('agent'), password: PASSWORD, role: 'agent' } });
  assert.equal(agent.status, 201, JSON.stringify(agent.body));
  const listed = await api('GET', '/operator/organizations', { token: OPERATOR_TOKEN });
  assert.ok(listed.body.items.some((o) => o.slug === slug));
  // Another organization's wrong password is the usual 401, not the default organization's 503.
  const wrong = await api('POST', '/session', { body: { organization: slug, email: adminEmail, password: 'not the password at all' } });
  assert.equal(wrong.status, 401);
});

test('the sign-in page names the setting and the rule in words', async () => {
  const p = await page();
  await p.goto(`${process.env.E2E_URL}/`);
  await p.fill('#si-email', ADMIN.email);
  await p.fill('#si-password', ADMIN.password);
  await p.click('#sign-in-form button[type=submit]');
  await p.waitForFunction(() => document.querySelector('#si-form-error').textContent.length > 0);
  const text = await p.textContent('#si-form-error');
  assert.match(text, /BOOTSTRAP_ADMIN_PASSWORD : Le mot de passe ne doit pas contenir l'adresse e-mail/);
  assert.match(text, /configuration du déploiement est incomplète/);
  await shot(p, 'settings-refused-bootstrap');
  await done(p);
});

test('nothing answered 500 (the Worker log, every request of this file)', () => {
  const log = readFileSync(`${process.env.E2E_STATE}/wrangler.log`, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
  assert.doesNotMatch(log, / 500 Internal Server Error|internal error:/);
  assert.match(log, /\/api\/v1\/health 503/, 'the log holds the requests it is read for');
});
