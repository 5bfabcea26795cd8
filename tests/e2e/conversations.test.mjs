// Routing and transfers over HTTP, with real capacities, languages and presence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminToken, createUser, offer, integrationKey, sql } from './client.mjs';

// The default organization's chat box, by its integration key.
const CHAT_BOX = await integrationKey(await adminToken());

/** A new questionnaire in the default organization's catalog (the service token's). */
async function site(admin) {
  const id = `site-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;
  await offer(admin, { questionnaires: [id, 'x'], languages: ['en', 'de'] });
  return id;
}
const open = (body, token = CHAT_BOX) => api('POST', '/conversations', { token, body });

async function onlineAgent(admin, questionnaire, livechat = {}) {
  const agent = await createUser(admin, { livechat: { questionnaires: [questionnaire], ...livechat } });
  assert.equal((await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } })).status, 200);
  return agent;
}

test('a conversation goes to the least loaded eligible agent; others wait with reasons', async () => {
  const admin = await adminToken();
  const q = await site(admin);
  const fr = await onlineAgent(admin, q, { languages: ['fr'], maxConversations: 2 });
  const frEn = await onlineAgent(admin, q, { languages: ['fr', 'en'], maxConversations: 1 });
  const first = await open({ questionnaire: q, language: 'fr', channel: 'chat' });
  assert.equal(first.status, 201);
  assert.equal(first.body.status, 'assigned');
  const second = await open({ questionnaire: q, language: 'fr', channel: 'chat' });
  assert.notEqual(second.body.assignedTo, first.body.assignedTo, 'least loaded first');
  const english = await open({ questionnaire: q, language: 'en', channel: 'chat' });
  assert.equal(english.body.status, 'waiting', 'the only English speaker is full');
  assert.ok(english.body.routing.reasons.some((r) => r.code === 'at_capacity'));
  assert.ok(english.body.routing.reasons.some((r) => r.code === 'language_not_spoken'));
  const video = await open({ questionnaire: q, language: 'fr', channel: 'video' });
  assert.equal(video.body.status, 'waiting');
  // Closing frees the English speaker's slot: the waiting English conversation is assigned.
  const held = [first.body, second.body].find((c) => c.assignedTo === frEn.id);
  const closed = await api('POST', `/conversations/${held.id}/close`, { token: frEn.token });
  assert.equal(closed.status, 200);
  assert.equal(closed.body.status, 'closed');
  const mine = await api('GET', '/conversations?status=assigned', { token: frEn.token });
  assert.deepEqual(mine.body.items.map((c) => c.id), [english.body.id]);
  const twice = await api('POST', `/conversations/${held.id}/close`, { token: frEn.token });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.code, 'conversation_closed');
  assert.equal((await api('POST', `/conversations/${held.id}/close`, { token: fr.token })).status, 404, 'not theirs');
});

test('a waiting conversation is assigned when an agent comes online', async () => {
  const admin = await adminToken();
  const q = await site(admin);
  const waiting = await open({ questionnaire: q, language: 'de', channel: 'chat' });
  assert.equal(waiting.body.status, 'waiting');
  const agent = await onlineAgent(admin, q, { languages: ['de'] });
  const list = await api('GET', '/conversations', { token: agent.token });
  assert.deepEqual(list.body.items.map((c) => c.id), [waiting.body.id]);
});

test('a freed slot goes to the oldest waiting conversation, then the next oldest', async () => {
  const admin = await adminToken();
  const q = await site(admin);
  // Three conversations wait, opened a second apart by the test's clock (not the order of their
  // ids, nor the order they happen to be listed in).
  const start = Date.now() - 60_000;
  const waiting = [];
  for (const [i, at] of [[0, start + 2000], [1, start], [2, start + 1000]]) {
    const res = await api('POST', '/conversations', { token: CHAT_BOX, headers: { 'x-test-clock': String(at) }, body: { questionnaire: q, language: 'de', channel: 'chat' } });
    assert.equal(res.body.status, 'waiting', `conversation ${i}`);
    waiting.push({ id: res.body.id, at });
  }
  const byAge = [...waiting].sort((a, b) => a.at - b.at).map((c) => c.id);
  const agent = await onlineAgent(admin, q, { languages: ['de'], maxConversations: 1 });
  const held = async () => (await api('GET', '/conversations?status=assigned', { token: agent.token })).body.items.map((c) => c.id);
  assert.deepEqual(await held(), [byAge[0]], 'coming online takes the oldest');
  for (const next of [byAge[1], byAge[2]]) {
    const [current] = await held();
    assert.equal((await api('POST', `/conversations/${current}/close`, { token: agent.token })).status, 200);
    assert.deepEqual(await held(), [next], 'closing one takes the next oldest');
  }
});

test('presence ends with the session: signed out or expired, an agent gets nothing more', async () => {
  const admin = await adminToken();
  const q = await site(admin);
  const conversation = { questionnaire: q, language: 'de', channel: 'chat' };
  // Signing out: the agent is offline at once, and the next conversation waits.
  const leaving = await onlineAgent(admin, q, { languages: ['de'] });
  assert.equal((await open(conversation)).body.assignedTo, leaving.id, 'online, it takes conversations');
  assert.equal((await api('DELETE', '/session', { token: leaving.token })).status, 204);
  assert.equal((await api('GET', `/users/${leaving.id}`, { token: admin })).body.presence, 'offline');
  const afterSignOut = await open(conversation);
  assert.equal(afterSignOut.body.status, 'waiting');
  assert.ok(afterSignOut.body.routing.reasons.every((r) => r.code !== 'at_capacity'));
  // A session that expires: the stored presence still says online, routing does not believe it.
  const expiring = await onlineAgent(admin, q, { languages: ['de'] });
  const [waitingNow] = (await api('GET', '/conversations?status=assigned', { token: expiring.token })).body.items;
  assert.equal(waitingNow?.id, afterSignOut.body.id, 'coming online took the waiting one');
  await sql(`UPDATE sessions SET expires_at = 1 WHERE user_id = '${expiring.id}'`);
  const afterExpiry = await open(conversation);
  assert.equal(afterExpiry.body.status, 'waiting');
  assert.equal((await api('GET', `/users/${expiring.id}`, { token: admin })).body.presence, 'offline');
  // A transfer to someone signed out is refused as such.
  const held = await api('POST', `/conversations/${afterSignOut.body.id}/transfer`, { token: admin, body: { to: leaving.id } });
  assert.deepEqual([held.status, held.body.code], [409, 'agent_not_online']);
});

test('transfers follow routing rules and move visibility', async () => {
  const admin = await adminToken();
  const q = await site(admin);
  const a = await onlineAgent(admin, q, { maxConversations: 3 });
  const conv = (await open({ questionnaire: q, language: 'fr', channel: 'chat' })).body;
  assert.equal(conv.assignedTo, a.id);
  const full = await onlineAgent(admin, q, { maxConversations: 1 });
  // The least loaded takes the next one: `full` is then at its limit.
  assert.equal((await open({ questionnaire: q, language: 'fr', channel: 'chat' })).body.assignedTo, full.id);
  const toFull = await api('POST', `/conversations/${conv.id}/transfer`, { token: a.token, body: { to: full.id } });
  assert.equal(toFull.status, 409);
  assert.equal(toFull.body.code, 'at_capacity');
  const english = await onlineAgent(admin, q, { languages: ['en'] });
  const toEnglish = await api('POST', `/conversations/${conv.id}/transfer`, { token: a.token, body: { to: english.id } });
  assert.equal(toEnglish.body.code, 'language_not_spoken');
  const away = await createUser(admin, { livechat: { questionnaires: [q] } });
  const toAway = await api('POST', `/conversations/${conv.id}/transfer`, { token: a.token, body: { to: away.id } });
  assert.deepEqual(toAway.body.reasons, ['agent_not_online']);
  const b = await onlineAgent(admin, q);
  const moved = await api('POST', `/conversations/${conv.id}/transfer`, { token: a.token, body: { to: b.id } });
  assert.equal(moved.status, 200);
  assert.equal(moved.body.assignedTo, b.id);
  assert.deepEqual((await api('GET', '/conversations', { token: b.token })).body.items.map((c) => c.id), [conv.id]);
  assert.equal((await api('GET', '/conversations', { token: a.token })).body.items.length, 0);
  assert.equal((await api('POST', `/conversations/${conv.id}/transfer`, { token: a.token, body: { to: a.id } })).status, 404);
  const self = await api('POST', `/conversations/${conv.id}/transfer`, { token: b.token, body: { to: b.id } });
  assert.equal(self.body.code, 'already_assigned');
  const manager = await createUser(admin, { role: 'manager' });
  assert.ok((await api('GET', '/conversations?limit=500', { token: manager.token })).body.items.some((c) => c.id === conv.id));
});

test('concurrent conversations never overfill an agent', async () => {
  const admin = await adminToken();
  const q = await site(admin);
  const agent = await onlineAgent(admin, q, { maxConversations: 1 });
  const answers = await Promise.all([1, 2, 3, 4].map(() => open({ questionnaire: q, language: 'fr', channel: 'chat' })));
  assert.equal(answers.filter((a) => a.body.status === 'assigned').length, 1);
  const held = (await api('GET', '/conversations?status=assigned', { token: agent.token })).body.items;
  assert.deepEqual(held.map((c) => c.id), answers.filter((a) => a.body.status === 'assigned').map((a) => a.body.id));
});

test('the catalog drives routing: known questionnaires only, offered languages, a questionnaire\'s own language', async () => {
  const admin = await adminToken();
  const id = `site-uk-${Date.now().toString(36)}`;
  const catalog = await offer(admin, { languages: ['en'] });
  const put = await api('PUT', '/organization/catalog', { token: admin, body: {
    ...catalog, questionnaires: [...catalog.questionnaires, { id, name: 'UK shop', language: 'en' }] } });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const english = await onlineAgent(admin, id, { languages: ['en'] });
  // No language named: the questionnaire's own (English) is the conversation's, and routes to the English speaker.
  const opened = await open({ questionnaire: id, channel: 'chat' });
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  assert.equal(opened.body.conversation.language, 'en');
  assert.equal(opened.body.assignedTo, english.id);
  const unknown = await open({ questionnaire: 'never-listed', language: 'fr', channel: 'chat' });
  assert.deepEqual(unknown.body.errors.map((e) => [e.field, e.code]), [['questionnaire', 'questionnaire_unknown']]);
  const notOffered = await open({ questionnaire: id, language: 'pt', channel: 'chat' });
  assert.deepEqual(notOffered.body.errors.map((e) => [e.field, e.code]), [['language', 'language_not_offered']]);
  // A questionnaire without a language of its own needs the visitor's.
  const needs = await open({ questionnaire: 'x', channel: 'chat' });
  assert.deepEqual(needs.body.errors.map((e) => [e.field, e.code]), [['language', 'field_required']]);
});

test('who may open conversations, and bad input', async () => {
  const admin = await adminToken();
  await offer(admin, { questionnaires: ['x'] });
  const agent = await createUser(admin);
  assert.equal((await open({ questionnaire: 'x', language: 'fr', channel: 'chat' }, 'wrong-token')).status, 401);
  assert.equal((await open({ questionnaire: 'x', language: 'fr', channel: 'chat' }, agent.token)).status, 403);
  assert.equal((await open({ questionnaire: 'x', language: 'fr', channel: 'chat' }, admin)).status, 201);
  const bad = await open({ questionnaire: 'Not A Slug', language: 'klingon', channel: 'fax', extra: 1 });
  assert.equal(bad.status, 422);
  assert.deepEqual(bad.body.errors.map((e) => [e.field, e.code]).sort(), [
    ['channel', 'channel_unknown'], ['extra', 'unknown_field'], ['language', 'language_unknown'], ['questionnaire', 'questionnaire_invalid'],
  ]);
  assert.equal((await api('POST', '/conversations/nope/close', { token: admin })).status, 404);
});
