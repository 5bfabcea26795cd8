// Teams over HTTP: a team's questionnaires make its members eligible for routing; its members
// must be the organization's people; the catalog keeps a questionnaire a team holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminToken, codes, createUser, offer, integrationKey } from './client.mjs';

// The default organization's chat box, by its integration key.
const CHAT_BOX = await integrationKey(await adminToken());

const suffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;

test('a team grants its questionnaires: its member takes their conversations, and stops when they leave', async () => {
  const admin = await adminToken();
  const q = `team-q-${suffix()}`;
  await offer(admin, { questionnaires: [q] });
  const agent = await createUser(admin);
  await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } });
  const before = await api('POST', '/conversations', { token: CHAT_BOX, body: { questionnaire: q, language: 'fr', channel: 'chat' } });
  assert.equal(before.body.status, 'waiting', 'not their questionnaire yet');

  const made = await api('POST', '/teams', { token: admin, body: { name: `Équipe ${q}`, questionnaires: [q], members: [agent.id] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.deepEqual(made.body.members, [agent.id]);
  // The waiting conversation goes to the new member at once.
  const mine = (await api('GET', '/conversations?status=assigned', { token: agent.token })).body.items.map((c) => c.id);
  assert.ok(mine.includes(before.body.id));

  // Out of the team, out of its questionnaires.
  const changed = await api('PUT', `/teams/${made.body.id}`, { token: admin, body: { name: `Équipe ${q}`, questionnaires: [q], members: [] } });
  assert.equal(changed.status, 200);
  const after = await api('POST', '/conversations', { token: CHAT_BOX, body: { questionnaire: q, language: 'fr', channel: 'chat' } });
  assert.equal(after.body.status, 'waiting');
  // A team with members is removed too (D1 counts the memberships that go with it).
  assert.equal((await api('PUT', `/teams/${made.body.id}`, { token: admin, body: { name: `Équipe ${q}`, members: [agent.id] } })).status, 200);
  assert.equal((await api('DELETE', `/teams/${made.body.id}`, { token: admin })).status, 204);
  assert.equal((await api('GET', `/teams`, { token: admin })).body.items.some((t) => t.id === made.body.id), false);
});

test('bad teams are refused field by field; names are unique; only admins change teams', async () => {
  const admin = await adminToken();
  const manager = await createUser(admin, { role: 'manager' });
  const bad = await api('POST', '/teams', { token: admin, body: { name: ' ', questionnaires: ['never-listed'], members: ['nobody-here'] } });
  assert.equal(bad.status, 422);
  assert.deepEqual(codes(bad.body), [['name', 'field_required'], ['questionnaires', 'questionnaire_unknown']]);
  const stranger = await api('POST', '/teams', { token: admin, body: { name: `T ${suffix()}`, members: ['nobody-here'] } });
  assert.deepEqual(codes(stranger.body), [['members', 'team_member_unknown']]);
  const name = `Support ${suffix()}`;
  assert.equal((await api('POST', '/teams', { token: admin, body: { name } })).status, 201);
  const twice = await api('POST', '/teams', { token: admin, body: { name } });
  assert.equal(twice.status, 409);
  assert.equal(twice.body.code, 'team_taken');
  assert.equal((await api('GET', '/teams', { token: manager.token })).status, 200, 'managers see teams');
  assert.equal((await api('POST', '/teams', { token: manager.token, body: { name: 'x' } })).status, 403);
  assert.equal((await api('PUT', '/teams/nope', { token: admin, body: { name: 'x' } })).status, 404);
});

test('the catalog keeps a questionnaire a team holds, naming the team', async () => {
  const admin = await adminToken();
  const q = `held-by-team-${suffix()}`;
  const catalog = await offer(admin, { questionnaires: [q] });
  const made = await api('POST', '/teams', { token: admin, body: { name: `Holders ${q}`, questionnaires: [q] } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const team = made.body;
  const refused = await api('PUT', '/organization/catalog', { token: admin, body: { ...catalog, questionnaires: catalog.questionnaires.filter((e) => e.id !== q) } });
  assert.equal(refused.status, 409);
  assert.deepEqual(refused.body.holders, [{ field: 'questionnaires', value: q, holders: [{ id: team.id, email: team.name, kind: 'team' }] }]);
});
