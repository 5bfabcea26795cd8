// Wasm instantiation time in the admin page, in headless Chromium: median of fresh page loads.
import { chromium } from 'playwright-core';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'] });
const samples = [];
for (let i = 0; i < 15; i++) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(process.env.E2E_URL + '/');
  samples.push(await page.waitForFunction(() => window.__wasmInitMs).then((h) => h.jsonValue()));
  await context.close();
}
await browser.close();
samples.sort((a, b) => a - b);
console.log(JSON.stringify({ wasmInitMs: samples[Math.floor(samples.length / 2)], samples }));
