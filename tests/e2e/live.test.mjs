// Live routing per organization (#21): each organization's desk is its own Durable Object in
// workerd; conversations are routed there, pushed to sockets, and survive a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  api, createUser, integrationKey, liveSocket, newOrganization, offer, sql, deskSql, OPERATOR_TOKEN,
} from './client.mjs';

const QUESTIONNAIRE = 'site-live';

/** A new organization with the questionnaire, its chat box's key and `agents` online agents. */
async function company({ agents = 3, capacity = 2 } = {}) {
  const org = await newOrganization({ name: 'Live Co' });
  const admin = org.session.token;
  await offer(admin, { questionnaires: [QUESTIONNAIRE, 'other'] });
  const box = await integrationKey(admin, ['conversations:open']);
  const people = [];
  for (let i = 0; i < agents; i++) {
    const agent = await createUser(admin, { livechat: { questionnaires: [QUESTIONNAIRE], maxConversations: capacity } }, { organization: org.slug });
    assert.equal((await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } })).status, 200);
    people.push(agent);
  }
  return { org, admin, box, agents: people };
}

const open = (co, body = {}) => api('POST', '/conversations', { token: co.box, body: { questionnaire: QUESTIONNAIRE, language: 'fr', channel: 'chat', ...body } });
const everything = async (co) => (await api('GET', '/conversations?limit=500', { token: co.admin })).body.items;
const oldest = (items) => [...items].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))[0];

test('two organizations at once: 30 opens each against 3 agents of 2 → 6 assigned, 24 waiting, each among its own; a close gives the oldest waiting to that agent', async () => {
  const [a, b] = [await company(), await company()];
  // Interleaved, all in flight together.
  const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => open(i % 2 ? b : a)));
  for (const answer of answers) assert.equal(answer.status, 201, JSON.stringify(answer.body));
  for (const co of [a, b]) {
    const items = await everything(co);
    assert.equal(items.length, 30);
    assert.equal(items.filter((c) => c.status === 'assigned').length, 6);
    assert.equal(items.filter((c) => c.status === 'waiting').length, 24);
    const ids = new Set(co.agents.map((x) => x.id));
    for (const c of items.filter((c) => c.assignedTo)) assert.ok(ids.has(c.assignedTo), 'routed among its own agents only');
    for (const agent of co.agents) {
      const held = (await api('GET', '/conversations?status=assigned', { token: agent.token })).body.items;
      assert.equal(held.length, 2, 'each at capacity, never over');
    }
  }
  // Close one of a's agent's conversations: the oldest waiting one goes to that agent.
  const agent = a.agents[1];
  const [mine] = (await api('GET', '/conversations?status=assigned', { token: agent.token })).body.items;
  const expected = oldest((await everything(a)).filter((c) => c.status === 'waiting'));
  const closed = await api('POST', `/conversations/${mine.id}/close`, { token: agent.token });
  assert.equal(closed.status, 200);
  assert.equal(closed.body.status, 'closed');
  const after = (await everything(a)).find((c) => c.id === expected.id);
  assert.deepEqual([after.status, after.assignedTo], ['assigned', agent.id]);
  assert.equal((await everything(b)).filter((c) => c.status === 'waiting').length, 24, 'the other organization did not move');
});

test('a disabled agent, and one whose questionnaire is removed, get nothing once the request answered, even with conversations waiting', async () => {
  const co = await company({ agents: 2, capacity: 1 });
  const [disabled, narrowed] = co.agents;
  const first = (await open(co)).body;
  const second = (await open(co)).body;
  assert.deepEqual(new Set([first.assignedTo, second.assignedTo]), new Set([disabled.id, narrowed.id]));
  const waiting = (await open(co)).body;
  assert.equal(waiting.status, 'waiting');
  // Disabled: what they held goes back to the queue; nothing goes to them any more.
  assert.equal((await api('PATCH', `/users/${disabled.id}`, { token: co.admin, body: { disabled: true } })).status, 200);
  // Narrowed: no longer this questionnaire.
  assert.equal((await api('PATCH', `/users/${narrowed.id}`, { token: co.admin, body: { livechat: { questionnaires: ['other'] } } })).status, 200);
  const next = (await open(co)).body;
  assert.equal(next.status, 'waiting');
  const items = await everything(co);
  assert.equal(items.filter((c) => c.assignedTo === disabled.id).length, 0, 'the disabled agent holds nothing');
  assert.equal(items.filter((c) => c.status === 'assigned' && c.assignedTo === narrowed.id && c.id !== first.id && c.id !== second.id).length, 0,
    'nothing new to the agent without the questionnaire');
  // Given the questionnaire back, the agent takes the oldest waiting at once (the request answered
  // after the desk caught up).
  const held = items.filter((c) => c.assignedTo === narrowed.id).length;
  assert.equal((await api('PATCH', `/users/${narrowed.id}`, { token: co.admin, body: { livechat: { questionnaires: [QUESTIONNAIRE], maxConversations: 1 + held } } })).status, 200);
  const now = await everything(co);
  assert.equal(now.filter((c) => c.assignedTo === narrowed.id).length, 1 + held);
});

test('a change written to D1 that never reached the desk (a crash in between) is caught before the next conversation is routed', async () => {
  const co = await company({ agents: 1, capacity: 5 });
  const [agent] = co.agents;
  assert.equal((await open(co)).body.assignedTo, agent.id);
  // The D1 write as the API makes it, without the API's call to the desk afterwards: the trigger
  // moves the organization's access version in the same transaction.
  const [{ access_version: before }] = await sql(`SELECT access_version FROM organizations WHERE id = '${co.org.id}'`);
  await sql(`UPDATE users SET disabled = 1 WHERE id = '${agent.id}'`);
  const [{ access_version: after }] = await sql(`SELECT access_version FROM organizations WHERE id = '${co.org.id}'`);
  assert.ok(after > before, 'the trigger moved the version');
  const next = (await open(co)).body;
  assert.equal(next.status, 'waiting', 'the desk read D1 again before routing');
  assert.equal((await everything(co)).filter((c) => c.assignedTo === agent.id).length, 0, 'and put back what the agent held');
});

test('sockets: each agent gets its own assignments once each, in order; a manager gets all; another organization nothing; refused without a session or from another origin', async () => {
  const co = await company({ agents: 2, capacity: 3 });
  const other = await company({ agents: 1, capacity: 3 });
  const manager = await createUser(co.admin, { role: 'manager' }, { organization: co.org.slug });
  const sockets = {
    a: await liveSocket(co.agents[0].token),
    b: await liveSocket(co.agents[1].token),
    manager: await liveSocket(manager.token),
    stranger: await liveSocket(other.agents[0].token),
  };
  for (const s of Object.values(sockets)) await s.until((m) => m.type === 'desk');
  const opened = [];
  for (let i = 0; i < 6; i++) opened.push((await open(co)).body);
  const lastSeq = async (s, id) => (await s.until((m) => m.type === 'event' && m.event.conversation === id)).seq;
  await lastSeq(sockets.manager, opened.at(-1).id);
  for (const [key, agent] of [['a', co.agents[0]], ['b', co.agents[1]]]) {
    const mine = opened.filter((c) => c.assignedTo === agent.id).map((c) => c.id);
    assert.equal(mine.length, 3);
    await lastSeq(sockets[key], mine.at(-1));
    const events = sockets[key].messages.filter((m) => m.type === 'event');
    assert.deepEqual(events.map((m) => m.event.conversation), mine, 'its own assignments, once each, in order');
    assert.ok(events.every((m) => m.event.type === 'conversationAssigned' && m.event.agent === agent.id));
    const seqs = events.map((m) => m.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
  }
  const all = sockets.manager.messages.filter((m) => m.type === 'event' && m.event.type === 'conversationAssigned');
  assert.deepEqual(all.map((m) => m.event.conversation), opened.map((c) => c.id), 'the manager sees every assignment');
  const desk = sockets.manager.messages.filter((m) => m.type === 'desk').at(-1).desk;
  assert.deepEqual(desk.agents.map((x) => x.load).sort(), [3, 3]);
  // A transfer: both agents and the manager hear of it.
  const moved = await api('POST', `/conversations/${opened[0].id}/close`, { token: co.admin });
  assert.equal(moved.status, 200);
  await sockets.manager.until((m) => m.type === 'event' && m.event.type === 'conversationClosed');
  assert.equal(sockets.stranger.messages.filter((m) => m.type === 'event').length, 0, 'another organization hears nothing');
  await Promise.all(Object.values(sockets).map((s) => s.close()));
  // Refusals: no session, a session of this site but from another origin, a plain GET.
  await assert.rejects(liveSocket(undefined), (e) => e.status === 401);
  await assert.rejects(liveSocket(manager.token, { origin: 'https://evil.example' }), (e) => e.status === 403);
  const plain = await api('GET', '/live', { token: manager.token });
  assert.deepEqual([plain.status, plain.body.code], [426, 'websocket_expected']);
});

test('a closed socket is not online for ever: away after the grace period (LIVE_AWAY_AFTER_SECONDS), nothing routed to them', async () => {
  const co = await company({ agents: 1, capacity: 3 });
  const [agent] = co.agents;
  const socket = await liveSocket(agent.token);
  await socket.until((m) => m.type === 'desk');
  await socket.close();
  // The test Worker runs with a 2-second grace (scripts/test-worker); the alarm then sets them away.
  const deadline = Date.now() + 20000;
  let presence;
  while (Date.now() < deadline) {
    presence = (await api('GET', `/users/${agent.id}`, { token: co.admin })).body.presence;
    if (presence === 'away') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(presence, 'away');
  assert.equal((await open(co)).body.status, 'waiting');
});

test('suspending an organization closes its sockets before the operator\'s request answers; the other organization\'s stay open', async () => {
  const co = await company({ agents: 1, capacity: 2 });
  const other = await company({ agents: 1, capacity: 2 });
  const [doomed, kept] = [await liveSocket(co.agents[0].token), await liveSocket(other.agents[0].token)];
  const closed = new Promise((resolve) => doomed.socket.once('close', (code) => resolve(code)));
  const suspended = await api('PATCH', `/operator/organizations/${co.org.id}`, { token: OPERATOR_TOKEN, body: { status: 'suspended' } });
  assert.equal(suspended.status, 200);
  assert.equal(await closed, 4403);
  assert.equal(kept.socket.readyState, kept.socket.OPEN);
  await assert.rejects(liveSocket(co.agents[0].token), (e) => e.status === 401, 'signed out with the suspension');
  await kept.close();
});

test('wrangler dev killed and started again: the desk comes back from its own SQLite, nothing lost', async () => {
  const co = await company({ agents: 1, capacity: 1 });
  const assigned = (await open(co)).body;
  const waiting = (await open(co)).body;
  assert.deepEqual([assigned.status, waiting.status], ['assigned', 'waiting']);
  const stored = await deskSql(`SELECT id, status, assigned_to FROM conversations WHERE organization_id = '${co.org.id}' ORDER BY created_at, id`);
  assert.deepEqual(stored.map((r) => r.id).sort(), [assigned.id, waiting.id].sort(), 'written to the desk\'s SQLite');
  // wrangler dev and its workerd killed (SIGKILL: nothing flushed, nothing held in memory
  // survives) and started again on the same local state.
  await promisify(execFile)(`${process.env.E2E_STATE}/crash`);
  const items = await everything(co);
  assert.deepEqual(items.map((c) => [c.id, c.status, c.assignedTo]).sort(),
    [[assigned.id, 'assigned', co.agents[0].id], [waiting.id, 'waiting', null]].sort());
  const closed = await api('POST', `/conversations/${assigned.id}/close`, { token: co.agents[0].token });
  assert.equal(closed.status, 200);
  const after = (await everything(co)).find((c) => c.id === waiting.id);
  assert.deepEqual([after.status, after.assignedTo], ['assigned', co.agents[0].id], 'the queue still moves');
});

test('back-office lists may come from a replica (D1 Sessions API): every answer carries a bookmark, and a list read from it includes the write that gave it', async () => {
  const co = await company({ agents: 0 });
  const created = await api('POST', '/users', { token: co.admin, body: { email: `replica.${Date.now()}@e2e.test`, password: 'a long enough passphrase', role: 'agent' } });
  assert.equal(created.status, 201);
  const bookmark = created.headers.get('x-d1-bookmark');
  assert.match(bookmark ?? '', /^[0-9a-f-]+$/, 'a write answers the point of D1 it reached');
  for (const path of ['/users?limit=100', '/invitations', '/audit']) {
    const read = await api('GET', path, { token: co.admin, headers: { 'x-d1-bookmark': bookmark } });
    assert.equal(read.status, 200, path);
    assert.match(read.headers.get('x-d1-bookmark') ?? '', /^[0-9a-f-]+$/, `${path} answers its bookmark`);
  }
  const users = (await api('GET', '/users?limit=100', { token: co.admin, headers: { 'x-d1-bookmark': bookmark } })).body.items;
  assert.ok(users.some((u) => u.id === created.body.id), 'read your own write');
  const audit = (await api('GET', '/audit', { token: co.admin, headers: { 'x-d1-bookmark': bookmark } })).body.items;
  assert.ok(audit.some((e) => e.targetId === created.body.id && e.action === 'created'));
  // Something that is not a bookmark is not handed to D1: the list is read from any replica.
  assert.equal((await api('GET', '/users', { token: co.admin, headers: { 'x-d1-bookmark': 'not a bookmark; drop table' } })).status, 200);
});
