// The scheduled purge (Cron Trigger), run by wrangler dev's --test-scheduled endpoint: rows past
// their life go (sessions, sign-in challenges, reset links, throttle counters, invitations 30
// days after their link died), and nothing alive goes with them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BASE, api, adminToken, createUser, mailsTo, sql, unique, PASSWORD } from './client.mjs';

const digest = (token) => createHash('sha256').update(token).digest('hex');
const count = async (query) => (await sql(query))[0].n;
const runPurge = async () => {
  const res = await fetch(`${BASE}/__scheduled?cron=${encodeURIComponent('*/30 * * * *')}`);
  assert.equal(res.status, 200, await res.text());
};

test('the purge deletes what expired and keeps what lives', async () => {
  const admin = await adminToken();
  const dead = await createUser(admin);
  const alive = await createUser(admin);
  // Sessions: one of dead's is past its expiry; alive's is not.
  await sql(`UPDATE sessions SET expires_at = 1 WHERE user_id = '${dead.id}'`);
  // Sign-in challenges (anonymous passkey ones): one expired, one live.
  const [gone, live] = [(await api('POST', '/session/passkey', { body: {} })).body, (await api('POST', '/session/passkey', { body: {} })).body];
  await sql(`UPDATE sign_in_challenges SET expires_at = 1 WHERE digest = '${digest(gone.challenge)}'`);
  // Reset links: dead's expired, alive's live.
  for (const person of [dead, alive]) {
    assert.equal((await api('POST', '/password/forgot', { body: { email: person.email } })).status, 202);
    await mailsTo(person.email);
  }
  await sql(`UPDATE password_resets SET expires_at = 1 WHERE user_id = '${dead.id}'`);
  // Throttle counters: one whose window is long over, one current.
  for (const email of [dead.email, alive.email]) {
    assert.equal((await api('POST', '/session', { body: { email, password: 'not the password at all' } })).status, 401);
  }
  await sql(`UPDATE login_failures SET window_start = 1 WHERE key = 'email:default:${dead.email}'`);
  // Invitations: one whose link died long ago, one pending.
  const [old, fresh] = [unique('old-invite'), unique('fresh-invite')];
  await api('POST', '/invitations', { token: admin, body: { emails: [old, fresh], role: 'agent' } });
  await sql(`UPDATE invitations SET expires_at = 1 WHERE email = '${old}'`);

  await runPurge();

  assert.equal(await count(`SELECT COUNT(*) AS n FROM sessions WHERE user_id = '${dead.id}'`), 0);
  assert.equal(await count(`SELECT COUNT(*) AS n FROM sessions WHERE user_id = '${alive.id}'`), 1);
  assert.equal(await count(`SELECT COUNT(*) AS n FROM sign_in_challenges WHERE digest = '${digest(gone.challenge)}'`), 0);
  assert.equal(await count(`SELECT COUNT(*) AS n FROM sign_in_challenges WHERE digest = '${digest(live.challenge)}'`), 1);
  assert.equal(await count(`SELECT COUNT(*) AS n FROM password_resets WHERE user_id = '${dead.id}'`), 0);
  assert.equal(await count(`SELECT COUNT(*) AS n FROM password_resets WHERE user_id = '${alive.id}'`), 1);
  assert.equal(await count(`SELECT COUNT(*) AS n FROM login_failures WHERE key = 'email:default:${dead.email}'`), 0);
  assert.equal(await count(`SELECT COUNT(*) AS n FROM login_failures WHERE key = 'email:default:${alive.email}'`), 1);
  assert.equal(await count(`SELECT COUNT(*) AS n FROM invitations WHERE email = '${old}'`), 0);
  assert.equal(await count(`SELECT COUNT(*) AS n FROM invitations WHERE email = '${fresh}'`), 1);
  // Nothing that lives noticed: alive still signs in, and so does the person whose session died.
  assert.equal((await api('GET', '/me', { token: alive.token })).status, 200);
  assert.equal((await api('POST', '/session', { body: { email: dead.email, password: PASSWORD } })).status, 200);
});

test('the purge finds what expired by an index, in every table it cleans', async () => {
  // The purge's own query (worker/src/store/purge.rs), planned by SQLite on the Worker's database.
  for (const [table, column] of [['sessions', 'expires_at'], ['sign_in_challenges', 'expires_at'],
    ['password_resets', 'expires_at'], ['login_failures', 'window_start'], ['invitations', 'expires_at'], ['outbox', 'done_at']]) {
    const plan = await sql(`EXPLAIN QUERY PLAN SELECT rowid FROM ${table} WHERE ${column} < 0 LIMIT 10`);
    const steps = plan.map((row) => row.detail).join(' | ');
    assert.match(steps, new RegExp(`SEARCH ${table} USING (COVERING )?INDEX \\w+ \\(${column}<\\?\\)`), `${table}: ${steps}`);
  }
});
