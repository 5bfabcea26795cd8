// The wasm build and the native core answer generated questions identically
// (pkg/node/generated_cases.json is written by `cargo run --example generated_cases`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const api = createRequire(import.meta.url)('../../pkg/node/livechat_access.js');
const catalog = JSON.parse(readFileSync(new URL('../fixtures/catalog.json', import.meta.url), 'utf8'));
const cases = JSON.parse(readFileSync(new URL('../../pkg/node/generated_cases.json', import.meta.url), 'utf8'));

test('wasm and native agree on 1,200 generated forms and decisions', () => {
  assert.equal(cases.length, 1200);
  let failures = 0;
  for (const c of cases) {
    if (c.form === 'decision') {
      assert.deepEqual(api.isAllowed(c.actor, c.action), c.decision, JSON.stringify(c));
    } else {
      const out = c.form === 'user' ? api.validateUser(c.input, 'en', catalog) : api.validateInvitation(c.input, 'en', catalog);
      const codes = out.type === 'success' ? [] : out.errors.map((e) => `${e.field}:${e.code}`);
      assert.deepEqual(codes, c.codes, JSON.stringify(c.input));
      failures += out.type === 'failure' ? 1 : 0;
    }
  }
  assert.ok(failures > 50 && failures < 750, `${failures} refusals of 800: both answers occur`);
});
