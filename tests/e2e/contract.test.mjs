// The OpenAPI description as served, and the contract check itself. (Every response of every e2e
// test is checked against the description, in client.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, OPENAPI } from './client.mjs';

test('the served description is the committed one', async () => {
  // That the committed file is what the Rust types generate, and that it lists exactly the
  // Worker's route table, is checked natively (worker/src/openapi.rs tests).
  const served = await api('GET', '/openapi.json');
  assert.equal(served.status, 200);
  assert.deepEqual(served.body, OPENAPI);
  assert.equal(OPENAPI.openapi, '3.1.0');
  assert.equal(Object.keys(OPENAPI.paths).length, 58);
  // The events endpoints receive (OpenAPI 3.1 webhooks): one per type of the core's catalogue.
  assert.deepEqual(Object.keys(OPENAPI.webhooks).sort(), [...OPENAPI.components.schemas.EventType.enum].sort());
  for (const hook of Object.values(OPENAPI.webhooks)) {
    assert.equal(hook.post.requestBody.content['application/json'].schema.$ref, '#/components/schemas/WebhookEvent');
    assert.deepEqual(hook.post.parameters.map((p) => p.name), ['webhook-id', 'webhook-timestamp', 'webhook-signature']);
  }
  // Integration keys are a security scheme of their own, on the operations a key may call.
  assert.equal(OPENAPI.components.securitySchemes.integrationKey.bearerFormat, 'lca_live_…');
  const byKey = Object.entries(OPENAPI.paths).flatMap(([path, ops]) => Object.entries(ops)
    .filter(([, op]) => op.security?.some((s) => 'integrationKey' in s)).map(([method]) => `${method.toUpperCase()} ${path}`));
  assert.deepEqual(byKey.sort(), ['GET /conversations', 'GET /users', 'GET /users/{id}', 'POST /conversations',
    'POST /conversations/{id}/close', 'POST /conversations/{id}/transfer', 'POST /token']);
});

test('the key set is the same at its well-known address', async () => {
  const described = await api('GET', '/jwks.json');
  const wellKnown = await fetch(new URL('/.well-known/jwks.json', process.env.E2E_URL));
  assert.deepEqual(await wellKnown.json(), described.body);
  assert.ok(described.body.keys.length >= 1);
});

test('problem bodies are checked too', async () => {
  const { checkContract } = await import('./client.mjs');
  assert.throws(() => checkContract('POST', '/users', 422, 'application/problem+json', { code: 'email_invalid' }), /does not match/);
  assert.doesNotThrow(() => checkContract('POST', '/users', 422, 'application/problem+json',
    { type: 'urn:livechat-access:problem:email_invalid', title: 't', status: 422, code: 'email_invalid',
      errors: [{ field: 'email', code: 'email_invalid', message: 'm' }] }));
});

test('a response that breaks the contract is caught', async () => {
  const { checkContract } = await import('./client.mjs');
  assert.throws(() => checkContract('GET', '/me', 200, 'application/json', { id: 1 }), /does not match/);
  assert.throws(() => checkContract('GET', '/me', 418, 'application/json', {}), /does not declare status 418/);
});
