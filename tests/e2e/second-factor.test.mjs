// Second factors over HTTP (issue #14): authenticator-app enrolment and sign-in with codes
// computed here from the secret, replayed codes, challenges used twice or late, a factor tried
// against another organization's challenge, recovery codes used once, the organization's policy
// forcing enrolment, an admin's reset, and a reset link that does not skip the second step.
// Passkeys are driven in Chromium (page.test.mjs) with a virtual authenticator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { api, adminToken, createUser, mailsTo, reconfigure, signIn, sql, totp, OPERATOR_TOKEN, PASSWORD } from './client.mjs';

const suffix = () => `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6)}`;

/** Sets up an authenticator app for the person of `token`: its secret and recovery codes. */
async function enrolApp(token) {
  const started = await api('POST', '/me/second-factors/totp', { token });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  assert.match(started.body.uri, /^otpauth:\/\/totp\/.+secret=/);
  assert.match(started.body.qrSvg, /^<\?xml|^<svg/);
  const wrong = await api('PUT', '/me/second-factors/totp', { token, body: { code: totp(started.body.secret, Date.now() - 300_000) } });
  assert.deepEqual([wrong.status, wrong.body.errors?.[0]?.code], [422, 'second_factor_invalid']);
  const code = totp(started.body.secret);
  const confirmed = await api('PUT', '/me/second-factors/totp', { token, body: { code } });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.factors.totp, true);
  assert.equal(confirmed.body.recoveryCodes.length, 10, 'the first factor brings ten recovery codes');
  return { secret: started.body.secret, recovery: confirmed.body.recoveryCodes, confirmedWith: code };
}

const password = (email, organization) => api('POST', '/session', { body: { email, password: PASSWORD, ...(organization ? { organization } : {}) } });
const second = (challenge, method, code) => api('POST', '/session/second-factor', { body: { challenge, method, code } });

test('an authenticator app: enrolled with its first code; sign-in needs a later code, each code works once', async () => {
  const admin = await adminToken();
  const lea = await createUser(admin);
  const { secret, confirmedWith } = await enrolApp(lea.token);
  // At rest the secret is sealed (AES-256-GCM under FACTOR_KEY), not stored as the app got it.
  const [stored] = await sql(`SELECT secret FROM totp_factors WHERE user_id = '${lea.id}'`);
  assert.match(stored.secret, /^v1\./);
  assert.ok(!stored.secret.includes(secret));

  // The password alone is no longer a session: a challenge, and the methods the person has.
  const first = await password(lea.email);
  assert.equal(first.status, 200);
  assert.equal(first.body.token, undefined, 'never a session before the second step');
  assert.deepEqual(first.body.methods, ['totp', 'recovery']);
  // The code that confirmed the app is spent, and so is every earlier one.
  const replayed = await second(first.body.challenge, 'totp', confirmedWith);
  assert.deepEqual([replayed.status, replayed.body.code], [401, 'second_factor_invalid']);
  const next = totp(secret, Date.now() + 30_000);
  const ok = await second(first.body.challenge, 'totp', next);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((await api('GET', '/me', { token: ok.body.token })).body.id, lea.id);
  // A challenge works once; the code too, even with a fresh challenge.
  const again = await second(first.body.challenge, 'totp', next);
  assert.deepEqual([again.status, again.body.code], [401, 'challenge_expired']);
  const fresh = await password(lea.email);
  const reused = await second(fresh.body.challenge, 'totp', next);
  assert.deepEqual([reused.status, reused.body.code], [401, 'second_factor_invalid']);
  // A late challenge is refused, whatever the code.
  await sql(`UPDATE sign_in_challenges SET expires_at = 0 WHERE used_at IS NULL AND user_id = '${lea.id}'`);
  const late = await second(fresh.body.challenge, 'totp', totp(secret, Date.now() + 30_000));
  assert.deepEqual([late.status, late.body.code], [401, 'challenge_expired']);
  // Their factor is theirs to see; the app cannot be set up twice.
  const mine = await api('GET', '/me/second-factors', { token: ok.body.token });
  assert.deepEqual([mine.body.totp, mine.body.recoveryCodesLeft, mine.body.required], [true, 10, false]);
  assert.equal((await api('POST', '/me/second-factors/totp', { token: ok.body.token })).status, 409);
});

test('recovery codes work once each; the second step is throttled like the password', async () => {
  const admin = await adminToken();
  const sam = await createUser(admin);
  const { recovery } = await enrolApp(sam.token);
  const challenge = (await password(sam.email)).body.challenge;
  const used = await second(challenge, 'recovery', recovery[0].toLowerCase());
  assert.equal(used.status, 200, 'typed in any case');
  const twice = await second((await password(sam.email)).body.challenge, 'recovery', recovery[0]);
  assert.deepEqual([twice.status, twice.body.code], [401, 'second_factor_invalid']);
  assert.equal((await api('GET', '/me/second-factors', { token: used.body.token })).body.recoveryCodesLeft, 9);

  // Five wrong second steps (the reused code above was one), then the person's second step is
  // closed for a while (429), even with a right code; the answer never says which factor was wrong.
  const guessing = (await password(sam.email)).body.challenge;
  for (let i = 0; i < 4; i++) {
    const wrong = await second(guessing, 'recovery', `WRONG-${i}-0000-0000`);
    assert.deepEqual([wrong.status, wrong.body.code], [401, 'second_factor_invalid']);
  }
  const closed = await second(guessing, 'recovery', recovery[1]);
  assert.equal(closed.status, 429);
});

test('a challenge dies after five wrong tries, even with the throttle out of the way', async () => {
  const admin = await adminToken();
  const kim = await createUser(admin);
  const { secret } = await enrolApp(kim.token);
  const challenge = (await password(kim.email)).body.challenge;
  for (let i = 0; i < 5; i++) {
    const wrong = await second(challenge, 'recovery', `WRONG-${i}-0000-0000`);
    assert.deepEqual([wrong.status, wrong.body.code], [401, 'second_factor_invalid']);
    // The per-person and per-client brakes forget, so that only the challenge's count is left.
    await sql(`DELETE FROM login_failures WHERE key LIKE 'second:%:${kim.id}' OR key LIKE 'client:%'`);
  }
  const late = await second(challenge, 'totp', totp(secret, Date.now() + 30_000));
  assert.deepEqual([late.status, late.body.code], [401, 'challenge_expired']);
  // A new password step gives a new challenge, which the same right code opens.
  const fresh = await second((await password(kim.email)).body.challenge, 'totp', totp(secret, Date.now() + 30_000));
  assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
});

test('new recovery codes replace the old ones', async () => {
  const admin = await adminToken();
  const ana = await createUser(admin);
  const { recovery } = await enrolApp(ana.token);
  const renewed = await api('POST', '/me/second-factors/recovery-codes', { token: ana.token });
  assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
  const fresh = renewed.body.codes;
  assert.equal(fresh.length, 10);
  assert.equal(new Set([...fresh, ...recovery]).size, 20, 'all new');
  const old = await second((await password(ana.email)).body.challenge, 'recovery', recovery[0]);
  assert.deepEqual([old.status, old.body.code], [401, 'second_factor_invalid']);
  const ok = await second((await password(ana.email)).body.challenge, 'recovery', fresh[0]);
  assert.equal(ok.status, 200);
  assert.equal((await api('GET', '/me/second-factors', { token: ok.body.token })).body.recoveryCodesLeft, 9);
});

test('a factor is tried against its own organization only: another one\'s challenge refuses it', async () => {
  const admin = await adminToken();
  const here = await createUser(admin);
  await enrolApp(here.token);
  // A twin account in another organization, with its own app.
  const id = `org-2fa-${suffix()}`;
  await sql(`INSERT INTO organizations (id, slug, name, status, created_at) VALUES ('${id}', '${id}', 'Globex', 'active', 0)`);
  await sql(`INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, created_at, updated_at)
             SELECT '${here.id}-g', '${id}', email, email_key, password_hash, role, access, profile, 0, 0 FROM users WHERE id = '${here.id}'`);
  const theirs = await password(here.email, id);
  assert.ok(theirs.body.token, 'no factor there yet: a session');
  const { secret } = await enrolApp(theirs.body.token);
  // The other organization's code against this one's challenge: refused.
  const challenge = (await password(here.email)).body.challenge;
  const crossed = await second(challenge, 'totp', totp(secret, Date.now() + 30_000));
  assert.deepEqual([crossed.status, crossed.body.code], [401, 'second_factor_invalid']);
});

test('the organization\'s policy forces enrolment before anything else; the last factor stays; an admin resets a lost one', async () => {
  // An organization of its own, so that its policy touches no other test.
  const root = await adminToken();
  const id = `org-policy-${suffix()}`;
  await sql(`INSERT INTO organizations (id, slug, name, status, created_at) VALUES ('${id}', '${id}', 'Initech', 'active', 0)`);
  const seed = await createUser(root, { role: 'admin' });
  await sql(`INSERT INTO users (id, organization_id, email, email_key, password_hash, role, access, profile, created_at, updated_at)
             SELECT '${seed.id}-p', '${id}', email, email_key, password_hash, role, access, profile, 0, 0 FROM users WHERE id = '${seed.id}'`);
  const admin = (await password(seed.email, id)).body.token;
  const agent = (await api('POST', '/users', { token: admin, body: { email: `agent.${suffix()}@e2e.test`, password: PASSWORD, role: 'agent' } })).body;
  const agentSession = (await password(agent.email, id)).body.token;
  assert.equal((await api('GET', '/conversations', { token: agentSession })).status, 200);

  // Only admins set it; from the next request on, everyone it covers may only enrol.
  assert.equal((await api('PUT', '/organization/security', { token: agentSession, body: { secondFactor: 'everyone' } })).status, 403);
  const set = await api('PUT', '/organization/security', { token: admin, body: { secondFactor: 'everyone' } });
  assert.deepEqual([set.status, set.body.secondFactorPolicy], [200, 'everyone']);
  const blocked = await api('GET', '/conversations', { token: agentSession });
  assert.deepEqual([blocked.status, blocked.body.code], [403, 'second_factor_required']);
  // The admin who set it is covered too: they enrol before anything else.
  assert.equal((await api('GET', '/users', { token: admin })).body.code, 'second_factor_required');
  await enrolApp(admin);
  // A new sign-in without a factor: a session that can only enrol.
  const enrolling = (await password(agent.email, id)).body.token;
  assert.equal((await api('GET', '/users', { token: enrolling })).body.code, 'second_factor_required');
  assert.equal((await api('GET', '/me', { token: enrolling })).status, 200, 'who is signed in, yes');
  const before = await api('GET', '/me/second-factors', { token: enrolling });
  assert.deepEqual([before.body.required, before.body.enrolmentRequired], [true, true]);
  await enrolApp(enrolling);
  assert.equal((await api('GET', '/conversations', { token: enrolling })).status, 200, 'enrolled: everything else opens');
  // The last factor under the policy cannot go.
  const kept = await api('DELETE', '/me/second-factors/totp', { token: enrolling });
  assert.deepEqual([kept.status, kept.body.code], [403, 'second_factor_required']);

  // A lost phone: an admin resets the factors (audited); the person's sessions end; they enrol
  // again at their next sign-in. Never one's own; never by a manager.
  const mine = await api('DELETE', `/users/${seed.id}-p/second-factors`, { token: admin });
  assert.deepEqual([mine.status, mine.body.code], [403, 'own_factors_reset']);
  const reset = await api('DELETE', `/users/${agent.id}/second-factors`, { token: admin });
  assert.equal(reset.status, 204);
  assert.equal((await api('GET', '/me', { token: enrolling })).status, 401, 'their sessions ended');
  const again = await password(agent.email, id);
  assert.ok(again.body.token, 'no factor left: a session, to enrol with');
  assert.equal((await api('GET', '/me/second-factors', { token: again.body.token })).body.enrolmentRequired, true);
  const audit = (await api('GET', '/audit?limit=20', { token: admin })).body.items;
  assert.ok(audit.some((e) => e.action === 'second_factors_reset' && e.targetId === agent.id));
  assert.ok(audit.some((e) => e.action === 'second_factor_policy'));
});

test('a reset link is the password step, not the second: whoever has a factor still uses it', async () => {
  const admin = await adminToken();
  const kim = await createUser(admin);
  const { secret } = await enrolApp(kim.token);
  assert.equal((await api('POST', '/password/forgot', { body: { email: kim.email } })).status, 202);
  const [mail] = await mailsTo(kim.email);
  const token = mail.text.match(/reset#token=([A-Za-z0-9_-]+)/)[1];
  const reset = await api('POST', '/password/reset', { body: { token, password: 'an entirely new passphrase' } });
  assert.equal(reset.status, 200, JSON.stringify(reset.body));
  assert.equal(reset.body.token, undefined);
  const done = await second(reset.body.challenge, 'totp', totp(secret, Date.now() + 30_000));
  assert.equal(done.status, 200);
  assert.equal(await signIn(kim.email, 'an entirely new passphrase'), undefined, 'the password alone is not a session');
});

test('FACTOR_KEY rotates with no failed sign-in: old secrets open and are sealed again, then the old key goes', async () => {
  const config = readFileSync(process.env.E2E_CONFIG, 'utf8');
  const old = config.match(/^FACTOR_KEY = "([^"]+)"$/m)[1];
  const next = randomBytes(32).toString('base64url');
  const warnings = async () => (await api('GET', '/health')).body.warnings?.map((w) => w.code) ?? [];
  const sealedOf = async (id) => (await sql(`SELECT secret FROM totp_factors WHERE user_id = '${id}'`))[0].secret;
  // A sign-in with the app's current code (the step it last used is forgotten first, so that one
  // person can sign in several times within a test).
  const signInWithApp = async (person, secret) => {
    await sql(`UPDATE totp_factors SET last_step = NULL WHERE user_id = '${person.id}'`);
    const challenge = (await password(person.email)).body.challenge;
    return second(challenge, 'totp', totp(secret));
  };
  const operatorKeys = async (method = 'GET', path = '') => (await api(method, `/operator/factor-keys${path}`, { token: OPERATOR_TOKEN })).body;

  const admin = await adminToken();
  const [early, idle] = [await createUser(admin), await createUser(admin)];
  const [earlyApp, idleApp] = [await enrolApp(early.token), await enrolApp(idle.token)];
  assert.match(await sealedOf(early.id), /^v1\./, 'a key given without an id is v1');

  // The new key first, the old one kept: new secrets are sealed by the new one.
  await reconfigure((c) => c.replace(`FACTOR_KEY = "${old}"`, `FACTOR_KEY = "k2:${next},v1:${old}"`),
    async () => (await warnings()).includes('factor_keys_rotating'));
  const late = await createUser(admin);
  const lateApp = await enrolApp(late.token);
  assert.match(await sealedOf(late.id), /^k2\./);
  // An app sealed by the old key signs in, and is sealed again by the new one on the way.
  assert.equal((await signInWithApp(early, earlyApp.secret)).status, 200);
  assert.match(await sealedOf(early.id), /^k2\./);
  // The operator sees what the old key still holds, and seals the rest again.
  const before = await operatorKeys();
  assert.equal(before.sealingKey, 'k2');
  assert.ok(before.secrets.some((s) => s.key === 'v1' && s.count >= 1 && s.known), JSON.stringify(before));
  const resealed = await operatorKeys('POST', '/reseal');
  assert.ok(resealed.resealed >= 1, JSON.stringify(resealed));
  assert.deepEqual(resealed.secrets.filter((s) => s.key !== 'k2'), [], 'nothing left under the old key');
  assert.match(await sealedOf(idle.id), /^k2\./);

  // The old key goes: everyone still signs in with their app.
  await reconfigure((c) => c.replace(`FACTOR_KEY = "k2:${next},v1:${old}"`, `FACTOR_KEY = "k2:${next}"`),
    async () => !(await warnings()).includes('factor_keys_rotating'));
  for (const [person, app] of [[early, earlyApp], [idle, idleApp], [late, lateApp]]) {
    const res = await signInWithApp(person, app.secret);
    assert.equal(res.status, 200, `${person.email}: ${JSON.stringify(res.body)}`);
  }
});
