// Intégrations › Webhooks in real Chromium: an admin adds an endpoint, sees its secret once,
// sees the deliveries in the log (a failed attempt, then a success) and redelivers one. The
// receiver is a real HTTP server verifying each signature with the page's secret.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, createUser, newOrganization, PASSWORD, BASE } from './client.mjs';
import { launch, close, page, done, shot } from './browser.mjs';
import { receiver } from './receiver.mjs';

before(launch);
after(close);

test('webhooks: add an endpoint, copy its secret shown once, read the delivery log, redeliver', async () => {
  const org = await newOrganization({ name: 'Hooked' });
  const hook = await receiver();
  hook.plan.push(500);
  const p = await page();
  await p.goto(`${BASE}/${org.slug}/`);
  await p.fill('#si-email', org.adminEmail);
  await p.fill('#si-password', PASSWORD);
  await p.click('#sign-in-form button[type=submit]');
  await p.waitForSelector('#view-users:not([hidden])');
  await p.click('#open-integrations');
  await p.waitForSelector('#view-integrations:not([hidden]) #hook-events input[data-type="person.created"]');
  // A plain http address is refused by the same rule as the API (the loopback switch aside).
  await p.fill('#hook-url', 'http://hooks.example.com/x');
  await p.check('#hook-events input[data-type="person.created"]');
  await p.click('#hook-form button[type=submit]');
  await p.waitForFunction(() => document.querySelector('#hook-error').textContent.length > 0);
  assert.match(await p.textContent('#hook-error'), /https:\/\//);
  await p.fill('#hook-url', hook.url);
  await p.click('#hook-form button[type=submit]');
  await p.waitForSelector('#hook-new:not([hidden])');
  const secret = await p.textContent('#hook-new-value');
  assert.match(secret, /^whsec_/);
  await p.waitForSelector(`#webhook-endpoints tbody tr code:text("${hook.url}")`);
  await shot(p, 'webhooks');
  // Shown once: the list never carries it.
  const listed = await api('GET', '/organization/webhooks', { token: org.session.token });
  assert.ok(!JSON.stringify(listed.body).includes(secret.slice(6)));

  const agent = await createUser(org.session.token, {}, { organization: org.slug });
  await hook.until((g) => g.length >= 2, 'the failed attempt and its retry');
  for (const g of hook.got) hook.verify(g, secret);
  assert.equal(hook.got[1].event.data.subject.id, agent.id);

  await p.click('#webhook-endpoints tbody tr button[aria-label^="Journal"]');
  await p.waitForSelector('#hook-log:not([hidden]) #hook-deliveries tbody tr');
  const attempts = await p.locator('#hook-deliveries tbody tr .attempt').allTextContents();
  assert.equal(attempts.length, 2);
  assert.match(attempts[0], / 200 · /);
  assert.match(attempts[1], / 500 · .*HTTP 500/);
  assert.match(await p.textContent('#hook-deliveries tbody tr'), /#\d+ person\.created/);
  await shot(p, 'webhooks-log');
  await p.click('#hook-deliveries tbody tr button[aria-label^="Relivrer"]');
  await hook.until((g) => g.length >= 3, 'the redelivery');
  assert.equal(hook.got[2].id, hook.got[0].id, 'the same webhook-id');
  await p.waitForFunction(() => document.querySelectorAll('#hook-deliveries tbody tr .attempt').length === 3);
  // Edited from the page: its events change, its secret does not.
  await p.click('#webhook-endpoints tbody tr button[aria-label^="Modifier"]');
  await p.check('#hook-events input[data-type="person.deleted"]');
  await p.click('#hook-form button[type=submit]');
  await p.waitForSelector('#webhook-endpoints tbody tr td:text("person.created, person.deleted")');
  assert.equal(await p.inputValue('#hook-url'), '', 'the form is back to adding');
  assert.equal((await api('DELETE', `/users/${agent.id}`, { token: org.session.token })).status, 204);
  await hook.until((g) => g.some((x) => x.event.type === 'person.deleted'), 'the newly subscribed event');
  hook.verify(hook.got.find((x) => x.event.type === 'person.deleted'), secret);
  await hook.down();
  await done(p);
});
