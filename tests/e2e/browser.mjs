// Real headless Chromium (Debian's), driven by playwright-core, for the page tests: one browser
// per test file, a fresh context per page, screenshots in tests/e2e/artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { BASE, ADMIN, CLIENT_HEADERS } from './client.mjs';

export const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });
let browser;

export async function launch() {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-sync', '--no-first-run'],
  });
}

export const close = () => browser?.close();

// The time zone is the test's, not the machine's: dates on the page read the same everywhere.
export async function page({ width = 1280, height = 900, locale = 'fr-FR', timezoneId = 'Europe/Paris' } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale, timezoneId, extraHTTPHeaders: CLIENT_HEADERS });
  const p = await context.newPage();
  p.errors = [];
  p.on('pageerror', (e) => p.errors.push(e));
  return p;
}

export async function signIn(p, email = ADMIN.email, password = ADMIN.password) {
  await p.goto(BASE + '/');
  await p.fill('#si-email', email);
  await p.fill('#si-password', password);
  await p.click('#sign-in-form button[type=submit]');
  await p.waitForSelector('#view-users:not([hidden]) tbody tr, #view-self:not([hidden])');
}

/** Closes a page's context, failing the test if the page threw. */
export async function done(p) {
  await p.context().close();
  assert.deepEqual(p.errors.map(String), [], 'no script error on the page');
}

export const shot = (p, name) => p.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });
