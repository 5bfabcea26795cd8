// One outbox for what leaves (#22, its email half): an owed message is written to D1 with the
// change that owes it, and a scheduled sweep sends again whatever a crash left owed. The Worker
// is really killed here (SIGKILL of wrangler dev and workerd, $E2E_STATE/crash) and started again
// on the same local state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { api, adminToken, deliveryOf, mailsTo, sql, unique, BASE } from './client.mjs';

const crash = () => promisify(execFile)(`${process.env.E2E_STATE}/crash`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sweep = async () => {
  const res = await fetch(`${BASE}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
  assert.equal(res.status, 200, await res.text());
};
const invite = (token, emails, headers = {}) => api('POST', '/invitations', { token, headers, body: { emails: emails.join(', '), role: 'agent' } });
const owed = async (emails) => (await sql(`SELECT COUNT(*) AS n FROM outbox o JOIN invitations i ON i.id = o.subject
  WHERE o.done_at IS NULL AND i.email IN (${emails.map((e) => `'${e}'`).join(', ')})`))[0].n;

test('the Worker killed between the D1 write and the queue: after the restart and one sweep, each invitation is sent, one email per address', async () => {
  const admin = await adminToken();
  const emails = [unique('lost'), unique('lost'), unique('lost')];
  // The queue never hears of them (x-test-fault), as when the Worker dies right after its write.
  const res = await invite(admin, emails, { 'x-test-fault': 'queue-lost' });
  assert.equal(res.status, 200);
  assert.equal(res.body.invited, 3);
  await crash();
  const token = await adminToken();
  // Nothing in memory survived; D1 still owes all three, and nothing sent them.
  assert.equal(await owed(emails), 3);
  await sleep(2500); // past OUTBOX_SWEEP_SECONDS (2 for the tests)
  for (const email of emails) {
    const item = (await api('GET', '/invitations?limit=500', { token })).body.items.find((i) => i.email === email);
    assert.deepEqual([item.delivery.status, item.delivery.attempts], ['queued', 0], 'never tried before the sweep');
  }
  await sweep();
  for (const email of emails) {
    assert.equal((await deliveryOf(token, email)).delivery.status, 'sent');
    assert.equal((await mailsTo(email, { count: 2, timeout: 3000 })).length, 1, `one email to ${email}`);
  }
  assert.equal(await owed(emails), 0, 'nothing owed any more');
  // A second sweep finds nothing to send.
  await sweep();
  for (const email of emails) assert.equal((await mailsTo(email, { count: 2, timeout: 2000 })).length, 1);
});

test('kill -9 right after POST /invitations answered: after the restart and one sweep, every invitation sent, exactly once', async () => {
  const admin = await adminToken();
  const emails = [unique('killed'), unique('killed'), unique('killed')];
  const res = await invite(admin, emails);
  assert.equal(res.body.invited, 3);
  await crash();
  // Whatever the queue had taken before the kill, and whatever it lost: the sweep sends the rest,
  // and a message the queue and the sweep both deliver is sent once (the delivery's claim).
  await sleep(2500);
  await sweep();
  const token = await adminToken();
  for (const email of emails) {
    assert.equal((await deliveryOf(token, email)).delivery.status, 'sent');
    assert.equal((await mailsTo(email, { count: 2, timeout: 3000 })).length, 1, `one email to ${email}`);
  }
});

test('a change that did not happen owes nothing: an address invited twice at once gets one invitation, one email', async () => {
  const admin = await adminToken();
  const email = unique('twice');
  const [a, b] = await Promise.all([invite(admin, [email]), invite(admin, [email])]);
  const statuses = [a.body.results[0].status, b.body.results[0].status].sort();
  assert.deepEqual(statuses, ['already_invited', 'invited']);
  await sleep(2500);
  await sweep();
  assert.equal((await deliveryOf(admin, email)).delivery.status, 'sent');
  assert.equal((await mailsTo(email, { count: 2, timeout: 3000 })).length, 1);
  const [{ n }] = await sql(`SELECT COUNT(*) AS n FROM outbox o JOIN invitations i ON i.id = o.subject WHERE i.email = '${email}'`);
  assert.equal(n, 1);
  const [{ orphans }] = await sql(`SELECT COUNT(*) AS orphans FROM outbox WHERE subject NOT IN (SELECT id FROM invitations)
    AND subject NOT IN (SELECT id FROM password_resets) AND subject NOT IN (SELECT id FROM webhook_endpoints)`);
  assert.equal(orphans, 0, 'the write that did not happen owed nothing');
});
