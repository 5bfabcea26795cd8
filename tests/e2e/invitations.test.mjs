// Invitations over HTTP: bulk with mixed addresses, accept, expire, revoke, resend, races.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, adminToken, createUser, unique, sql, offer, PASSWORD } from './client.mjs';

before(async () => offer(await adminToken(), { languages: ['es'] }));

const tokenOf = (url) => new URL(url).hash.replace('#token=', '');
const invite = (token, emails, extra = {}) => api('POST', '/invitations', { token, body: { emails, role: 'agent', ...extra } });

test('one request invites many; each address gets its own verdict', async () => {
  const token = await adminToken();
  const member = await createUser(token);
  const [a, b] = [unique('inv'), unique('inv')];
  const pending = unique('pending');
  assert.equal((await invite(token, [pending])).body.invited, 1);
  const res = await invite(token, `${a}, ${b}\nnot-an-email ${a.toUpperCase().replace('@E2E.TEST', '@e2e.test')};${member.email} ${pending}`,
    { modules: ['livechat', 'history'], livechat: { languages: ['fr', 'es'], maxConversations: 4 } });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.results.map((r) => [r.status, r.code ?? null]), [
    ['invited', null], ['invited', null], ['invalid', 'email_invalid'], ['invalid', 'email_duplicate'],
    ['already_member', 'already_member'], ['already_invited', 'already_invited'],
  ]);
  assert.equal(res.body.invited, 2);
  const first = res.body.results[0];
  assert.match(first.acceptUrl, /\/accept#token=[A-Za-z0-9_-]{43}$/);
  const lookup = await api('GET', `/invitations/lookup?token=${tokenOf(first.acceptUrl)}`);
  assert.equal(lookup.status, 200);
  assert.equal(lookup.body.email, a);
  assert.equal(lookup.body.role, 'agent');
  assert.deepEqual(lookup.body.access.livechat.languages, ['es', 'fr']);
  const listed = await api('GET', '/invitations', { token });
  assert.ok(listed.body.items.some((i) => i.email === b && i.status === 'pending'));
  assert.equal(JSON.stringify(listed.body).includes('token'), false, 'tokens are never listed');
});

test('the form is checked as a whole: bounds, template, no password', async () => {
  const token = await adminToken();
  const many = Array.from({ length: 101 }, (_, i) => `bulk${i}@e2e.test`);
  const tooMany = await invite(token, many);
  assert.equal(tooMany.status, 422);
  assert.equal(tooMany.body.errors[0].code, 'emails_too_many');
  const empty = await invite(token, ' , ');
  assert.equal(empty.body.errors[0].code, 'emails_empty');
  const bad = await api('POST', '/invitations', { token, body: { emails: [unique()], role: 'agent', password: PASSWORD } });
  assert.deepEqual(bad.body.errors.map((e) => e.code), ['unknown_field']);
  assert.equal(bad.body.emails.length, 1, 'per-email verdicts come with the refusal');
});

test('a hundred addresses in one request', async () => {
  const token = await adminToken();
  const tag = Date.now().toString(36);
  const res = await invite(token, Array.from({ length: 100 }, (_, i) => `hundred${i}.${tag}@e2e.test`));
  assert.equal(res.status, 200);
  assert.equal(res.body.invited, 100);
  const [{ n }] = await sql(`SELECT COUNT(*) AS n FROM invitations WHERE email LIKE 'hundred%.${tag}@e2e.test'`);
  assert.equal(n, 100);
});

test('accepting creates the account with the invitation\'s access and signs in; the link works once', async () => {
  const admin = await adminToken();
  const email = unique('newbie');
  const sent = (await invite(admin, [email], { modules: ['livechat', 'statistics'] })).body.results[0];
  const token = tokenOf(sent.acceptUrl);
  const weak = await api('POST', '/invitations/accept', { body: { token, password: 'short' } });
  assert.equal(weak.status, 422);
  assert.equal(weak.body.errors[0].code, 'password_too_short');
  const built = await api('POST', '/invitations/accept', { body: { token, password: `${email.split('@')[0]}-2026!` } });
  assert.equal(built.body.errors[0].code, 'password_contains_email', 'the invited address feeds the password rule');
  const ok = await api('POST', '/invitations/accept', { body: { token, password: PASSWORD, profile: { pseudonym: 'Nouveau', timeZone: 'Europe/Brussels' } } });
  assert.equal(ok.status, 201);
  assert.equal(ok.body.user.email, email);
  assert.deepEqual(ok.body.user.modules, ['livechat', 'statistics']);
  assert.equal(ok.body.user.profile.timeZone, 'Europe/Brussels');
  assert.equal((await api('GET', '/me', { token: ok.body.token })).body.email, email);
  const again = await api('POST', '/invitations/accept', { body: { token, password: PASSWORD } });
  assert.equal(again.status, 410);
  assert.equal(again.body.code, 'invitation_used');
  assert.equal((await api('GET', `/invitations/lookup?token=${token}`)).body.code, 'invitation_used');
  assert.equal((await api('GET', '/invitations/lookup?token=garbage')).body.code, 'token_invalid');
  assert.equal((await api('GET', `/invitations/lookup?token=${'A'.repeat(43)}`)).status, 404);
});

test('two concurrent accepts of one invitation create one user', async () => {
  const admin = await adminToken();
  const email = unique('race');
  const token = tokenOf((await invite(admin, [email])).body.results[0].acceptUrl);
  const answers = await Promise.all([1, 2, 3].map(() => api('POST', '/invitations/accept', { body: { token, password: PASSWORD } })));
  const statuses = answers.map((a) => a.status).sort();
  assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(statuses));
  assert.ok(statuses.filter((s) => s !== 201).every((s) => s === 409 || s === 410));
  const [{ n }] = await sql(`SELECT COUNT(*) AS n FROM users WHERE email = '${email}'`);
  assert.equal(n, 1);
});

test('revoked, expired and resent links', async () => {
  const admin = await adminToken();
  const [r, e, s] = [unique('revoke'), unique('expire'), unique('resend')];
  const results = (await invite(admin, [r, e, s])).body.results;
  // Revoke.
  assert.equal((await api('DELETE', `/invitations/${results[0].invitationId}`, { token: admin })).status, 204);
  const revoked = await api('POST', '/invitations/accept', { body: { token: tokenOf(results[0].acceptUrl), password: PASSWORD } });
  assert.equal(revoked.status, 410);
  assert.equal(revoked.body.code, 'invitation_revoked');
  assert.equal((await api('DELETE', `/invitations/${results[0].invitationId}`, { token: admin })).status, 410);
  // Expire (moving the clock is not possible; moving the expiry is).
  await sql(`UPDATE invitations SET expires_at = 1 WHERE id = '${results[1].invitationId}'`);
  const expired = await api('GET', `/invitations/lookup?token=${tokenOf(results[1].acceptUrl)}`);
  assert.equal(expired.status, 410);
  assert.equal(expired.body.code, 'invitation_expired');
  const reinvite = await invite(admin, [e]);
  assert.equal(reinvite.body.results[0].status, 'invited', 'an expired invitation does not block a new one');
  // Resend: a new link, the old one dead.
  const resent = await api('POST', `/invitations/${results[2].invitationId}/resend`, { token: admin });
  assert.equal(resent.status, 200);
  assert.notEqual(resent.body.acceptUrl, results[2].acceptUrl);
  assert.equal((await api('GET', `/invitations/lookup?token=${tokenOf(results[2].acceptUrl)}`)).status, 404);
  assert.equal((await api('GET', `/invitations/lookup?token=${tokenOf(resent.body.acceptUrl)}`)).status, 200);
});

test('concurrent invitations of one address leave one pending invitation', async () => {
  const admin = await adminToken();
  const email = unique('twice');
  const answers = await Promise.all([invite(admin, [email]), invite(admin, [email]), invite(admin, [email])]);
  const statuses = answers.map((a) => a.body.results[0].status).sort();
  assert.deepEqual(statuses, ['already_invited', 'already_invited', 'invited']);
  const [{ n }] = await sql(`SELECT COUNT(*) AS n FROM invitations WHERE email = '${email}' AND status = 'pending'`);
  assert.equal(n, 1);
});

test('managers invite agents only; agents invite nobody', async () => {
  const admin = await adminToken();
  const manager = await createUser(admin, { role: 'manager' });
  const agent = await createUser(admin);
  assert.equal((await invite(manager.token, [unique()])).status, 200);
  const up = await invite(manager.token, [unique()], { role: 'manager' });
  assert.equal(up.status, 403);
  assert.equal(up.body.code, 'privilege_escalation');
  assert.equal((await invite(agent.token, [unique()])).status, 403);
  const adminInvite = (await invite(admin, [unique()], { role: 'admin' })).body.results[0];
  assert.equal((await api('DELETE', `/invitations/${adminInvite.invitationId}`, { token: manager.token })).status, 404);
  const seen = (await api('GET', '/invitations?limit=500', { token: manager.token })).body.items;
  assert.ok(seen.every((i) => i.role === 'agent'));
});
