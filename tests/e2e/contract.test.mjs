// The OpenAPI description against the code: every route of the Worker's table is described, the
// description is served as committed, and the committed file is what api/openapi.py generates.
// (Every response of every e2e test is also checked against it, in client.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { api, OPENAPI } from './client.mjs';

test('every route in the Worker is described, and nothing more', () => {
  const table = readFileSync(new URL('../../worker/src/api.rs', import.meta.url), 'utf8');
  const routes = [...table.matchAll(/^\s*\((Get|Post|Put|Patch|Delete), \[([^\]]*)\]\)/gm)].map(([, method, segs]) => {
    const path = '/' + segs.split(',').map((s) => s.trim()).map((s) => (s.startsWith('"') ? s.slice(1, -1) : `{${s}}`)).join('/');
    return `${method.toUpperCase()} ${path}`;
  }).sort();
  const described = Object.entries(OPENAPI.paths).flatMap(([path, item]) =>
    Object.keys(item).filter((k) => k !== 'parameters').map((m) => `${m.toUpperCase()} ${path}`)).sort();
  assert.ok(routes.length >= 20, `${routes.length} routes read`);
  assert.deepEqual(routes, described);
});

test('the served description is the committed one, and the committed one is generated', async () => {
  const served = await api('GET', '/openapi.json');
  assert.equal(served.status, 200);
  assert.deepEqual(served.body, OPENAPI);
  const generated = execFileSync('python3', ['api/openapi.py', '--stdout'], { encoding: 'utf8' });
  assert.equal(generated, readFileSync('api/openapi.json', 'utf8'), 'run python3 api/openapi.py');
});

test('a response that breaks the contract is caught', async () => {
  const { checkContract } = await import('./client.mjs');
  assert.throws(() => checkContract('GET', '/me', 200, 'application/json', { id: 1 }), /does not match/);
  assert.throws(() => checkContract('GET', '/me', 418, 'application/json', {}), /does not declare status 418/);
});
