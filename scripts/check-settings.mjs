#!/usr/bin/env node
// Checks the settings `wrangler dev` will run with ([vars] of wrangler.toml, then .dev.vars over
// them) by the core's own rules (checkSettings, pkg/node), before anything starts: a refused
// bootstrap password, a weak token or a malformed key is named here, not after start-up.
// Usage: node scripts/check-settings.mjs [.dev.vars] [wrangler.toml]; exits 1 when refused.
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'smol-toml';
import dotenv from 'dotenv';

const [devVars = '.dev.vars', config = 'wrangler.toml'] = process.argv.slice(2);
const { checkSettings, describeCode } = createRequire(import.meta.url)('../pkg/node/livechat_access.js');

const vars = Object.fromEntries(
  Object.entries(parse(readFileSync(config, 'utf8')).vars ?? {}).map(([k, v]) => [k, String(v)]),
);
// .dev.vars is read with dotenv, as wrangler reads it.
if (existsSync(devVars)) Object.assign(vars, dotenv.parse(readFileSync(devVars)));
const { problems, warnings } = checkSettings(vars, 'en');
for (const w of warnings) console.error(`  warning  ${w.setting}: ${w.message} (${w.code})`);
for (const p of problems) {
  const rule = p.rule ? `: ${describeCode(p.rule, 'en')}` : '';
  console.error(`  refused  ${p.setting}: ${p.message}${rule} (${p.code})`);
}
if (problems.length) {
  console.error(`\n  ${devVars} or ${config} holds settings the Worker would refuse: fix them, then start again.`);
  process.exit(1);
}
