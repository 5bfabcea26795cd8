// scim2-tester (PyPI: scim2-cli's `test` command), a SCIM client nobody here wrote, drives the
// local Worker's SCIM base for Users and Groups: discovery, creation, queries with attributes,
// replacement, PATCH add/replace/remove of every attribute the schemas publish, deletion. It
// fills attributes with random values from the published canonical values, each drawn on its
// own; the organization it runs in offers one language, so that a drawn `mainLanguage` is
// always among the drawn `languages` (the product refuses it otherwise, as it should).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { api, adminToken, createUser, sql, BASE, PASSWORD } from './client.mjs';

const TESTER = process.env.SCIM_TESTER ?? '.venv-scim/bin/scim2';

test('scim2-tester passes every check for Users and Groups', { timeout: 600_000 }, async () => {
  const admin = await adminToken();
  const id = `org-scim2-tester-${Date.now().toString(36)}`;
  await sql(`INSERT INTO organizations (id, slug, name, status, created_at) VALUES ('${id}', '${id}', 'Tester', 'active', 0)`);
  const seed = await createUser(admin, { role: 'admin' });
  await sql(`INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, created_at, updated_at)
             SELECT '${seed.id}-t', '${id}', email, email_key, password_hash, role, access, profile, 0, 0 FROM users WHERE id = '${seed.id}'`);
  const session = await api('POST', '/session', { body: { organization: id, email: seed.email, password: PASSWORD } });
  assert.equal(session.status, 200);
  const token = session.body.token;
  const catalog = await api('PUT', '/organization/catalog', {
    token,
    body: {
      questionnaires: [{ id: 'support', name: 'Support' }, { id: 'ventes', name: 'Ventes', language: 'fr' }],
      modules: ['crm'], languages: ['fr'], locale: 'fr',
    },
  });
  assert.equal(catalog.status, 200, JSON.stringify(catalog.body));
  const made = await api('POST', '/organization/scim-tokens', { token, body: { name: 'scim2-tester' } });
  assert.equal(made.status, 201);

  const run = await promisify(execFile)(TESTER, ['--url', `${BASE}/scim/v2/${id}`, 'test'], {
    env: { ...process.env, SCIM_CLI_HEADERS: `Authorization: Bearer ${made.body.token}` },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((e) => e);
  const out = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  // The tester's own verdict first: a non-zero exit is a failure whatever its output says.
  assert.equal(run.code ?? 0, 0, `scim2 test exited with ${run.code}:\n${out}`);
  const verdicts = [...out.matchAll(/^(SUCCESS|ERROR|CRITICAL|SKIPPED)\s+(\S+)/gm)].map((m) => [m[1], m[2]]);
  // Nothing skipped: a check the tester could not run is not a check that passed.
  assert.deepEqual(verdicts.filter(([v]) => v === 'SKIPPED'), [], out);
  const failed = out.split('\n').filter((line, n, lines) => /^(ERROR|CRITICAL)/.test(line) || /^(ERROR|CRITICAL)/.test(lines[n - 1] ?? ''));
  assert.deepEqual(failed, [], out);
  // What was checked: discovery, then each resource type's life cycle (not an empty run).
  const passed = new Set(verdicts.filter(([v]) => v === 'SUCCESS').map(([, name]) => name));
  for (const check of ['object_creation', 'object_query', 'object_query_without_id', 'object_replacement',
    'object_deletion', 'check_add_attribute', 'check_remove_attribute', 'check_replace_attribute',
    'object_list_with_attributes', 'search_with_attributes']) {
    assert.ok(passed.has(check), `${check} did not pass:\n${out}`);
  }
  assert.ok(verdicts.filter(([v]) => v === 'SUCCESS').length >= 40, out);
});
