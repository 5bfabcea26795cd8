// scripts/check-settings.mjs, the check scripts/run makes before it starts anything: a .dev.vars
// the Worker would refuse stops it (exit 1, each setting named with its rule, never its value);
// one it accepts lets it go on. Run on real files, as scripts/run runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const dir = mkdtempSync(join(tmpdir(), 'settings-'));
const key = () => randomBytes(32).toString('base64url');
const check = (vars) => {
  const file = join(dir, `${Math.random()}.vars`);
  writeFileSync(file, vars);
  return spawnSync(process.execPath, ['scripts/check-settings.mjs', file, 'wrangler.toml'], { encoding: 'utf8' });
};

test('a .dev.vars the Worker would refuse stops scripts/run, and says why', () => {
  const run = check('BOOTSTRAP_ADMIN_EMAIL=admin@livechat.local\nBOOTSTRAP_ADMIN_PASSWORD=admin-is-my-password\n'
    + `OPERATOR_TOKEN=short\nFACTOR_KEY=${key()}\n`);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /refused {2}BOOTSTRAP_ADMIN_PASSWORD: .*password_contains_email.*The password must not contain the email address \(bootstrap_admin_refused\)/);
  assert.match(run.stderr, /refused {2}OPERATOR_TOKEN: .*\(secret_too_weak\)/);
  assert.doesNotMatch(run.stderr, /admin-is-my-password|OPERATOR_TOKEN=short/, 'never a value');
});

test('the .dev.vars scripts/run writes passes, quoted values included', () => {
  const run = check(`BOOTSTRAP_ADMIN_EMAIL=admin@livechat.local\nBOOTSTRAP_ADMIN_PASSWORD="${key()}"\n`
    + `OPERATOR_TOKEN=${key()}\nFACTOR_KEY=${key()}\nIDENTITY_KEYS=local-1:${key()}\n`);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
});

test('an older .dev.vars: no identity key stops it, a SERVICE_TOKEN still set is a warning', () => {
  const run = check(`BOOTSTRAP_ADMIN_EMAIL=admin@livechat.local\nBOOTSTRAP_ADMIN_PASSWORD="${key()}"\n`
    + `SERVICE_TOKEN=${key()}\nOPERATOR_TOKEN=${key()}\nFACTOR_KEY=${key()}\n`);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stderr, /refused {2}IDENTITY_KEYS: This setting is required \(setting_missing\)/);
  assert.match(run.stderr, /warning {2}SERVICE_TOKEN: .*replace it with an integration key.*\(service_token_deprecated\)/);
});
