// The live Supervision screen in real Chromium: an assignment appears without a reload, pushed
// by the organization's desk over the page's WebSocket; an agent's own list follows live too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { api, createUser, integrationKey, newOrganization, offer, PASSWORD, BASE } from './client.mjs';
import { launch, close, page, done, shot } from './browser.mjs';

before(launch);
after(close);

async function signInAt(p, slug, email) {
  await p.goto(`${BASE}/${slug}/`);
  await p.fill('#si-email', email);
  await p.fill('#si-password', PASSWORD);
  await p.click('#sign-in-form button[type=submit]');
  await p.waitForSelector('#view-users:not([hidden]) tbody tr, #view-self:not([hidden])');
}

test('supervision: an assignment and the queue appear live, without reload; the agent sees theirs come and go', async () => {
  const org = await newOrganization({ name: 'Supervised' });
  const admin = org.session.token;
  await offer(admin, { questionnaires: ['site-live'] });
  const box = await integrationKey(admin);
  const agent = await createUser(admin, { profile: { firstName: 'Léa', lastName: 'Martin' }, livechat: { questionnaires: ['site-live'], maxConversations: 1 } }, { organization: org.slug });
  assert.equal((await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } })).status, 200);

  const boss = await page();
  await signInAt(boss, org.slug, org.adminEmail);
  await boss.click('#open-supervision');
  await boss.waitForSelector(`#view-supervision:not([hidden]) #live-agents tr[data-agent="${agent.id}"][data-load="0"]`);
  const seat = await page();
  await signInAt(seat, org.slug, agent.email);
  await seat.waitForSelector('#self-live:not([hidden]) #self-conversations li.hint');
  // Nothing reloads from here on: a mark on each window must survive.
  for (const p of [boss, seat]) await p.evaluate(() => { window.stillHere = true; });

  const opened = (await api('POST', '/conversations', { token: box, body: { questionnaire: 'site-live', language: 'fr', channel: 'chat' } })).body;
  assert.equal(opened.assignedTo, agent.id);
  await boss.waitForSelector(`#live-agents tr[data-agent="${agent.id}"][data-load="1"]`);
  await boss.waitForSelector('#live-feed li[data-type="conversationAssigned"]');
  await seat.waitForSelector(`#self-conversations li[data-conversation="${opened.id}"]`);
  // The agent is full: the next one waits, and the queue shows it.
  const queued = (await api('POST', '/conversations', { token: box, body: { questionnaire: 'site-live', language: 'fr', channel: 'chat' } })).body;
  assert.equal(queued.status, 'waiting');
  await boss.waitForSelector('#live-queue tr[data-waiting="1"]');
  assert.equal(await boss.textContent('#queue-total'), '1');
  await shot(boss, 'supervision');
  // Closing the first: the waiting one goes to the agent, on both screens.
  assert.equal((await api('POST', `/conversations/${opened.id}/close`, { token: agent.token })).status, 200);
  await seat.waitForSelector(`#self-conversations li[data-conversation="${queued.id}"]`);
  await boss.waitForSelector('#live-feed li[data-type="conversationClosed"]');
  assert.equal(await boss.textContent('#queue-total'), '0');
  await shot(seat, 'supervision-agent');
  for (const p of [boss, seat]) assert.equal(await p.evaluate(() => window.stillHere), true, 'no reload');
  await done(boss);
  await done(seat);
});
