// Signed identity (issue #20): a person's token, verified by an independent implementation (jose,
// npm) against the key set the Worker serves; its claims are what GET /me says, their teams'
// questionnaires included; tampered, expired, unsigned, unknown-key tokens refused; keys rotate
// with the next one published before it signs. The Worker never takes such a token as a session.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as jose from 'jose';
import {
  api, BASE, createUser, integrationKey, newOrganization, offer, reconfigure,
} from './client.mjs';

const ISSUER = new URL(BASE).origin;
const keySet = async () => {
  const res = await fetch(`${BASE}/.well-known/jwks.json`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
  return res.json();
};
const verify = async (token, { at = Date.now(), jwks } = {}) => jose.jwtVerify(
  token,
  jose.createLocalJWKSet(jwks ?? await keySet()),
  { issuer: ISSUER, audience: 'livechat-access', algorithms: ['ES256'], currentDate: new Date(at) },
);

const org = await newOrganization({ name: 'Initech' });
const admin = org.session.token;
await offer(admin, { questionnaires: ['sales', 'support', 'billing'], languages: ['en'] });
const agent = await createUser(admin, {
  modules: ['livechat'],
  livechat: { questionnaires: ['sales'], languages: ['fr', 'en'], mainLanguage: 'fr', channels: ['chat', 'call'], maxConversations: 4 },
}, { organization: org.slug });
const team = await api('POST', '/teams', { token: admin, body: { name: 'Support', questionnaires: ['support'], members: [agent.id] } });
assert.equal(team.status, 201, JSON.stringify(team.body));

test('a person\'s token verifies with jose against the served key set, and says what GET /me says', async () => {
  // The Worker's clock set by the test (its session must still be valid at that instant).
  const at = Date.now() + 1234;
  const issued = await api('POST', '/token', { token: agent.token, body: {}, headers: { 'x-test-clock': String(at) } });
  assert.equal(issued.status, 200, JSON.stringify(issued.body));
  const { payload, protectedHeader } = await verify(issued.body.token, { at: at + 1000 });
  assert.deepEqual(protectedHeader, { alg: 'ES256', kid: issued.body.keyId });
  assert.equal(issued.body.expiresAt, (Math.floor(at / 1000) + 300) * 1000);
  assert.deepEqual([payload.iat, payload.exp], [Math.floor(at / 1000), Math.floor(at / 1000) + 300]);
  assert.deepEqual(payload, issued.body.claims);

  const me = (await api('GET', '/me', { token: agent.token })).body;
  assert.equal(payload.sub, me.id);
  assert.equal(payload.org, me.organization);
  assert.equal(payload.email, me.email);
  assert.equal(payload.role, me.role);
  assert.deepEqual(payload.modules, me.modules);
  assert.deepEqual(payload.livechat.languages, me.livechat.languages);
  assert.equal(payload.livechat.mainLanguage, me.livechat.mainLanguage);
  assert.deepEqual(payload.livechat.channels, me.livechat.channels);
  assert.equal(payload.livechat.maxConversations, me.livechat.maxConversations);
  assert.deepEqual(payload.livechat.ownQuestionnaires, me.livechat.questionnaires);
  assert.deepEqual(payload.livechat.questionnaires, ['sales', 'support'], 'their own and their team\'s');
});

test('tampered, expired, unsigned and unknown-key tokens are refused by jose; the Worker never takes one as a session', async () => {
  const at = Date.now() + 4321;
  const { token } = (await api('POST', '/token', { token: agent.token, body: {}, headers: { 'x-test-clock': String(at) } })).body;
  const jwks = await keySet();
  await verify(token, { at, jwks });
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url'));
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

  const refusals = {
    tampered: `${header}.${encode({ ...claims, role: 'admin' })}.${signature}`,
    'alg none': `${encode({ alg: 'none', kid: JSON.parse(Buffer.from(header, 'base64url')).kid })}.${payload}.`,
    'altered signature': `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
  };
  // Signed by a key the Worker never published, under a kid it does not know, and under its own.
  const { privateKey } = await jose.generateKeyPair('ES256');
  for (const kid of ['unknown-kid', JSON.parse(Buffer.from(header, 'base64url')).kid]) {
    refusals[`foreign key as ${kid}`] = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(privateKey);
  }
  for (const [what, forged] of Object.entries(refusals)) {
    await assert.rejects(verify(forged, { at, jwks }), jose.errors.JOSEError, what);
  }
  await assert.rejects(verify(token, { at: at + 301_000, jwks }), jose.errors.JWTExpired);
  await assert.rejects(jose.jwtVerify(token, jose.createLocalJWKSet(jwks), { issuer: ISSUER, audience: 'chat-server', algorithms: ['ES256'], currentDate: new Date(at) }), jose.errors.JWTClaimValidationFailed);

  // The Worker's own API checks sessions: no token, valid or not, opens it.
  for (const presented of [token, ...Object.values(refusals)]) {
    for (const [method, path] of [['GET', '/me'], ['GET', '/conversations'], ['POST', '/token']]) {
      const res = await api(method, path, { token: presented, body: method === 'POST' ? {} : undefined });
      assert.equal(res.status, 401, `${method} ${path}`);
    }
  }
});

test('a key with identity:issue gets a person\'s token; others are told why', async () => {
  const server = await integrationKey(admin, ['identity:issue'], 'Chat server');
  const issued = await api('POST', '/token', { token: server, body: { userId: agent.id } });
  assert.equal(issued.status, 200);
  assert.equal((await verify(issued.body.token)).payload.sub, agent.id);
  // The key must name the person.
  const unnamed = await api('POST', '/token', { token: server, body: {} });
  assert.deepEqual(unnamed.body.errors.map((e) => [e.field, e.code]), [['userId', 'field_required']]);
  const without = await api('POST', '/token', { token: await integrationKey(admin, ['people:read']), body: { userId: agent.id } });
  assert.deepEqual([without.status, without.body.code], [403, 'key_scope_missing']);
  // A person gets their own token only.
  const other = await api('POST', '/token', { token: agent.token, body: { userId: org.session.user.id } });
  assert.deepEqual([other.status, other.body.code], [403, 'forbidden']);
  // A disabled person gets none.
  const leaving = await createUser(admin, { livechat: { questionnaires: ['sales'] } }, { organization: org.slug });
  assert.equal((await api('PATCH', `/users/${leaving.id}`, { token: admin, body: { disabled: true } })).status, 200);
  const disabled = await api('POST', '/token', { token: server, body: { userId: leaving.id } });
  assert.deepEqual([disabled.status, disabled.body.code], [403, 'account_disabled']);
  // Another organization's person does not exist for this key.
  const elsewhere = await newOrganization({ name: 'Hooli' });
  const foreign = await api('POST', '/token', { token: server, body: { userId: elsewhere.session.user.id } });
  assert.deepEqual([foreign.status, foreign.body.code], [404, 'not_found']);
  // Its token names its own organization: a verifier that checks `org` refuses it for Initech.
  const theirs = (await api('POST', '/token', { token: elsewhere.session.token, body: {} })).body.token;
  assert.notEqual((await verify(theirs)).payload.org, org.id);
});

test('signing keys rotate: the next key is published before it signs, the old one kept until its tokens expire', async () => {
  const config = readFileSync(process.env.E2E_CONFIG, 'utf8');
  const original = config.match(/^IDENTITY_KEYS = "([^"]*)"$/m)[1];
  const [oldKid] = original.split(':');
  const nextKey = `e2e-2:${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')}`;
  const keys = (value) => (c) => c.replace(/^IDENTITY_KEYS = "[^"]*"$/m, `IDENTITY_KEYS = "${value}"`);
  const kids = async () => (await keySet()).keys.map((k) => k.kid);
  const signer = async () => (await api('POST', '/token', { token: agent.token, body: {} })).body.keyId;
  const before = (await api('POST', '/token', { token: agent.token, body: {} })).body.token;
  try {
    // 1. Announced: published, not signing.
    await reconfigure(keys(`+${nextKey},${original}`), async () => (await kids()).includes('e2e-2'));
    assert.deepEqual(await kids(), ['e2e-2', oldKid]);
    assert.equal(await signer(), oldKid);
    // 2. Switched: the new key signs; tokens of the old one still verify.
    await reconfigure(keys(`${nextKey},${original}`), async () => (await signer()) === 'e2e-2');
    const after = (await api('POST', '/token', { token: agent.token, body: {} })).body.token;
    await verify(after);
    await verify(before);
    // 3. The old key removed once its tokens expired: what it signed no longer verifies.
    await reconfigure(keys(nextKey), async () => !(await kids()).includes(oldKid));
    await assert.rejects(verify(before), jose.errors.JWKSNoMatchingKey);
    await verify(after);
  } finally {
    await reconfigure(keys(original), async () => (await signer()) === oldKid);
  }
});

test('the README\'s chat-server example, as written: remote key set, jose, a held actor deciding per message', async () => {
  const { createRequire } = await import('node:module');
  const { HeldActor } = createRequire(import.meta.url)('../../pkg/node/livechat_access.js');
  const keys = jose.createRemoteJWKSet(new URL('/.well-known/jwks.json', BASE));
  async function agentOf(token, organization) {
    const { payload } = await jose.jwtVerify(token, keys, { issuer: ISSUER, audience: 'livechat-access', algorithms: ['ES256'] });
    if (payload.org !== organization) throw new Error('another organization');
    return HeldActor.fromClaims(payload);
  }
  const { token } = (await api('POST', '/token', { token: agent.token, body: {} })).body;
  const held = await agentOf(token, org.id);
  await assert.rejects(agentOf(token, 'default'), /another organization/);
  // Its own conversation and another agent's: as the Worker decides (GET /conversations).
  await api('PUT', '/me/presence', { token: agent.token, body: { status: 'online' } });
  const opened = (await api('POST', '/conversations', {
    token: await integrationKey(admin), body: { questionnaire: 'support', language: 'fr', channel: 'chat' },
  })).body;
  assert.equal(opened.assignedTo, agent.id, 'routed to the agent by their team\'s questionnaire');
  const listed = (await api('GET', '/conversations', { token: agent.token })).body.items;
  const view = (c) => held.isAllowed({ type: 'viewConversation', conversation: { organization: c.organization, assignedTo: c.assignedTo } });
  assert.deepEqual(view(opened.conversation), { allowed: true });
  assert.ok(listed.some((c) => c.id === opened.id));
  assert.deepEqual(view({ organization: org.id, assignedTo: 'someone-else' }), { allowed: false, code: 'forbidden' });
  assert.deepEqual(held.isAllowed({ type: 'accessModule', module: 'livechat' }), { allowed: true });
  assert.deepEqual(held.isAllowed({ type: 'accessModule', module: 'statistics' }), { allowed: false, code: 'forbidden' });
  held.free();
});
