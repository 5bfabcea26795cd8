// Events out (#22): each organization's webhook endpoints receive a signed event (Standard
// Webhooks) for every access and routing change, written in the change's own D1 batch, delivered
// through the queue with retries, swept again after a crash. The receiver is a real HTTP server on
// loopback verifying with the `standardwebhooks` npm package; the Worker is real workerd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  api, createUser, integrationKey, mailsTo, newOrganization, offer, signIn, sql, totp, unique, BASE, OPERATOR_TOKEN, OPENAPI, PASSWORD,
} from './client.mjs';
import { receiver, resolver } from './receiver.mjs';

const crash = () => promisify(execFile)(`${process.env.E2E_STATE}/crash`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sweep = async () => {
  const res = await fetch(`${BASE}/__scheduled?cron=${encodeURIComponent('* * * * *')}`);
  assert.equal(res.status, 200, await res.text());
};
const ALL_TYPES = OPENAPI.components.schemas.EventType.enum;
const Q = 'site-hooks';

let dns;
before(async () => { dns = await resolver({ 'private.e2e.test': ['10.0.0.7'], 'mixed.e2e.test': ['93.184.216.34', 'fd00::7'] }); });
after(() => dns?.close());

/** A new organization, its admin's token, and an endpoint on a fresh receiver for `events`. */
async function company(events = ALL_TYPES) {
  const org = await newOrganization({ name: 'Hooks Co' });
  const admin = org.session.token;
  const hook = await receiver();
  const made = await api('POST', '/organization/webhooks', { token: admin, body: { url: hook.url, events } });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.match(made.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  return { org, admin, hook, endpoint: made.body, secret: made.body.secret };
}
const eventCount = async (org) => (await sql(`SELECT COUNT(*) AS n FROM events WHERE organization_id = '${org.id}'`))[0].n;

test('every event type fires once for its change, with its organization, its sequence and the state after it; every signature verifies, a tampered body does not', async () => {
  const co = await company();
  const { admin, hook, org } = co;
  const expect = []; // [type, check(event)] in the order the changes are made
  const step = (type, check = () => {}) => expect.push([type, check]);

  await offer(admin, { questionnaires: [Q] });
  step('catalog.changed', (e) => assert.ok(e.data.after.questionnaires.some((q) => q.id === Q)));
  const agent = await createUser(admin, { livechat: { questionnaires: [Q], maxConversations: 1 } }, { organization: org.slug });
  step('person.created', (e) => { assert.equal(e.data.subject.id, agent.id); assert.equal(e.data.after.role, 'agent'); });
  const helper = await createUser(admin, { livechat: { questionnaires: [Q], maxConversations: 2 } }, { organization: org.slug });
  step('person.created', (e) => assert.equal(e.data.subject.id, helper.id));
  const other = await createUser(admin, { livechat: { questionnaires: [Q], maxConversations: 1 } }, { organization: org.slug });
  step('person.created', (e) => assert.equal(e.data.subject.id, other.id));
  assert.equal((await api('PATCH', `/users/${other.id}`, { token: admin, body: { role: 'manager' } })).status, 200);
  step('person.role_changed', (e) => { assert.equal(e.data.before.role, 'agent'); assert.equal(e.data.after.role, 'manager'); assert.ok(e.data.actor); });
  // The role brought the manager's modules with it: an access change of the same edit.
  step('person.access_changed', (e) => assert.ok(e.data.after.modules.includes('statistics') && !e.data.before.modules.includes('statistics')));
  assert.equal((await api('PATCH', `/users/${other.id}`, { token: admin, body: { livechat: { maxConversations: 3 } } })).status, 200);
  step('person.access_changed', (e) => assert.equal(e.data.after.livechat.maxConversations, 3));
  // A profile edit alone publishes nothing.
  assert.equal((await api('PATCH', `/users/${other.id}`, { token: admin, body: { profile: { pseudonym: 'Zoé' } } })).status, 200);
  assert.equal((await api('PATCH', `/users/${other.id}`, { token: admin, body: { disabled: true } })).status, 200);
  step('person.disabled', (e) => assert.equal(e.data.subject.id, other.id));
  assert.equal((await api('PATCH', `/users/${other.id}`, { token: admin, body: { disabled: false } })).status, 200);
  step('person.enabled');
  const started = (await api('POST', '/me/second-factors/totp', { token: agent.token })).body;
  assert.equal((await api('PUT', '/me/second-factors/totp', { token: agent.token, body: { code: totp(started.secret) } })).status, 200);
  assert.equal((await api('DELETE', `/users/${agent.id}/second-factors`, { token: admin })).status, 204);
  step('person.second_factors_reset', (e) => assert.equal(e.data.subject.id, agent.id));
  const agentToken = await signIn(agent.email, PASSWORD, org.slug);

  // Live: presence, queued, assigned, transferred, closed.
  const box = await integrationKey(admin, ['conversations:open']);
  step('integration_key.created');
  assert.equal((await api('PUT', '/me/presence', { token: agentToken, body: { status: 'online' } })).status, 200);
  const first = await api('POST', '/conversations', { token: box, body: { questionnaire: Q, language: 'fr', channel: 'chat' } });
  assert.equal(first.body.status, 'assigned');
  const second = await api('POST', '/conversations', { token: box, body: { questionnaire: Q, language: 'fr', channel: 'chat' } });
  assert.equal(second.body.status, 'waiting');
  // The helper takes the waiting one as they come online, then the first one by a transfer.
  assert.equal((await api('PUT', '/me/presence', { token: helper.token, body: { status: 'online' } })).status, 200);
  const moved = await api('POST', `/conversations/${first.body.id}/transfer`, { token: admin, body: { to: helper.id } });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.equal((await api('POST', `/conversations/${first.body.id}/close`, { token: admin })).status, 200);

  const made = await api('POST', '/invitations', { token: admin, body: { emails: [unique('hook-in'), unique('hook-out')].join(', '), role: 'agent' } });
  assert.equal(made.status, 200);
  step('invitation.sent');
  step('invitation.sent');
  const [accepting, revoking] = made.body.results;
  const acceptToken = new URL(accepting.acceptUrl).hash.replace('#token=', '');
  assert.equal((await api('POST', '/invitations/accept', { body: { token: acceptToken, password: PASSWORD } })).status, 201);
  step('invitation.accepted', (e) => assert.equal(e.data.subject.name, accepting.email));
  step('person.created', (e) => assert.equal(e.data.subject.name, accepting.email));
  const pending = (await api('GET', '/invitations?limit=500', { token: admin })).body.items.find((i) => i.email === revoking.email);
  assert.equal((await api('DELETE', `/invitations/${pending.id}`, { token: admin })).status, 204);
  step('invitation.revoked', (e) => assert.equal(e.data.subject.name, revoking.email));
  // An invitation made in the past (the test clock) whose link has died: the minute's sweep says so.
  const ttlMs = 7 * 24 * 3600 * 1000;
  const old = await api('POST', '/invitations', { token: admin, headers: { 'x-test-clock': String(Date.now() - ttlMs - 60000) }, body: { emails: unique('hook-late'), role: 'agent' } });
  assert.equal(old.status, 200);
  step('invitation.sent');
  await sweep();
  step('invitation.expired', (e) => assert.equal(e.data.subject.name, old.body.results[0].email));

  const team = await api('POST', '/teams', { token: admin, body: { name: 'Crochets', members: [agent.id] } });
  assert.equal(team.status, 201);
  step('team.created', (e) => assert.equal(e.data.subject.name, 'Crochets'));
  assert.equal((await api('PUT', `/teams/${team.body.id}`, { token: admin, body: { name: 'Crochets 2', members: [] } })).status, 200);
  step('team.changed');
  assert.equal((await api('DELETE', `/teams/${team.body.id}`, { token: admin })).status, 204);
  step('team.deleted');
  assert.equal((await api('PUT', '/organization/security', { token: admin, body: { secondFactor: 'optional' } })).status, 200);
  step('security_policy.changed');
  const scim = await api('POST', '/organization/scim-tokens', { token: admin, body: { name: 'idp' } });
  step('scim_token.created');
  assert.equal((await api('DELETE', `/organization/scim-tokens/${scim.body.id}`, { token: admin })).status, 204);
  step('scim_token.revoked');
  const keys = (await api('GET', '/organization/integration-keys', { token: admin })).body.items;
  assert.equal((await api('DELETE', `/organization/integration-keys/${keys.find((k) => k.name === 'Chat box').id}`, { token: admin })).status, 204);
  step('integration_key.revoked');
  assert.equal((await api('DELETE', `/users/${agent.id}`, { token: admin })).status, 204);
  step('person.deleted', (e) => { assert.equal(e.data.subject.id, agent.id); assert.equal(e.data.after, null); assert.equal(e.data.before.role, 'agent'); });
  for (const status of ['suspended', 'active']) {
    assert.equal((await api('PATCH', `/operator/organizations/${org.id}`, { token: OPERATOR_TOKEN, body: { status } })).status, 200);
  }
  step('organization.suspended');
  step('organization.resumed');

  const counts = {};
  for (const [type] of expect) counts[type] = (counts[type] ?? 0) + 1;
  const live = ['agent.presence_changed', 'conversation.queued', 'conversation.assigned', 'conversation.transferred', 'conversation.closed'];
  await hook.until((got) => Object.entries(counts).every(([t, n]) => got.filter((g) => g.event?.type === t).length >= n)
    && live.every((t) => got.some((g) => g.event?.type === t)), 'every event type');
  await sleep(1500); // nothing more should come
  // Once each: no access change was published twice, nor any event delivered twice.
  for (const [type, n] of Object.entries(counts)) assert.equal(hook.ofType(type).length, n, type);
  assert.equal(new Set(hook.got.map((g) => g.id)).size, hook.got.length, 'each webhook-id once');
  assert.deepEqual([...new Set(hook.got.map((g) => g.event.type))].sort(), [...ALL_TYPES].filter((t) => t !== 'invitation.delivery_failed').sort(),
    'every type but invitation.delivery_failed (tests/e2e/mail.test.mjs) fired');
  for (const g of hook.got) {
    assert.equal(g.event.organization, org.id);
    assert.equal(g.id, g.event.id, 'webhook-id is the event id');
    hook.verify(g, co.secret); // throws if the signature does not hold
  }
  // The access changes arrive in their order; seq numbers them in the order they were made.
  const changes = hook.got.filter((g) => !live.includes(g.event.type)).sort((a, b) => a.event.seq - b.event.seq);
  assert.deepEqual(changes.map((g) => g.event.type), expect.map(([t]) => t));
  changes.forEach((g, i) => expect[i][1](g.event));
  const seqs = hook.got.map((g) => g.event.seq).sort((a, b) => a - b);
  assert.equal(new Set(seqs).size, seqs.length, 'one seq per event');
  // Live events carry the desk's event.
  const [assigned] = hook.ofType('conversation.assigned').filter((g) => g.event.data.conversation === first.body.id);
  assert.equal(assigned.event.data.agent, agent.id);
  const [transferred] = hook.ofType('conversation.transferred').filter((g) => g.event.data.conversation === first.body.id);
  assert.equal(transferred.event.data.to, helper.id);
  // A changed body, or a changed id, fails the library's verification.
  const sample = hook.ofType('person.role_changed')[0];
  assert.throws(() => hook.verify(sample, co.secret, sample.body.replace('"manager"', '"admin"')));
  assert.throws(() => hook.verify({ ...sample, headers: { ...sample.headers, 'webhook-id': 'evt_other' } }, co.secret));
  await hook.down();
});

test('a change refused by validation or lost to a race publishes nothing', async () => {
  const { org, admin, hook } = await company(['person.role_changed', 'person.created', 'person.disabled']);
  const before = await eventCount(org);
  const me = (await api('GET', '/me', { token: admin })).body;
  // Validation: refused before anything is written.
  assert.ok((await api('PATCH', `/users/${me.id}`, { token: admin, body: { role: 'boss' } })).status >= 400);
  // The last admin cannot be demoted: the guarded write changes nothing, and so publishes nothing.
  const demote = await api('PATCH', `/users/${me.id}`, { token: admin, body: { role: 'agent' } });
  assert.ok(demote.status >= 400, JSON.stringify(demote.body));
  // A duplicate address: the batch fails on the unique index, all or nothing.
  const taken = await api('POST', '/users', { token: admin, body: { email: org.adminEmail, password: PASSWORD, role: 'agent' } });
  assert.ok(taken.status >= 400, JSON.stringify(taken.body));
  await sleep(1000);
  assert.equal(await eventCount(org), before);
  assert.equal(hook.got.length, 0);
  await hook.down();
});

test('the receiver answers 500 then 200: delivered on retry with the same webhook-id; the log shows both attempts; a redelivery sends it again', async () => {
  const { admin, hook, endpoint, secret, org } = await company(['person.created']);
  hook.plan.push(500);
  const agent = await createUser(admin, {}, { organization: org.slug });
  const got = await hook.until((g) => g.length >= 2, 'the retry');
  assert.deepEqual(got.map((g) => g.status), [500, 200]);
  assert.equal(got[0].id, got[1].id, 'the same webhook-id on the retry');
  assert.equal(got[1].body, got[0].body, 'the same body');
  for (const g of got) hook.verify(g, secret);
  assert.equal(got[1].event.data.subject.id, agent.id);
  const log = await api('GET', `/organization/webhooks/${endpoint.id}/deliveries`, { token: admin });
  assert.equal(log.status, 200);
  const [delivery] = log.body.items;
  assert.equal(delivery.eventId, got[0].id);
  assert.equal(delivery.status, 'delivered');
  assert.deepEqual(delivery.attempts.map((a) => a.status), [200, 500], 'newest first');
  assert.match(delivery.attempts[1].error, /HTTP 500: not now/);
  assert.ok(delivery.attempts.every((a) => a.durationMs >= 0 && a.at > 0));
  const again = await api('POST', `/organization/webhooks/${endpoint.id}/redeliver`, { token: admin, body: { event: delivery.eventId } });
  assert.equal(again.status, 202);
  await hook.until((g) => g.length >= 3, 'the redelivery');
  assert.equal(hook.got[2].id, got[0].id);
  assert.equal((await api('POST', `/organization/webhooks/${endpoint.id}/redeliver`, { token: admin, body: { event: 'evt_nothing' } })).status, 404);
  await hook.down();
});

test('the receiver down for a while: delivered once it is back', async () => {
  const { admin, hook, org } = await company(['person.created']);
  await hook.down();
  const agent = await createUser(admin, {}, { organization: org.slug });
  await sleep(2500); // a few attempts fail meanwhile (1 s, then 2 s apart)
  await hook.up();
  const [g] = await hook.until((got) => got.length >= 1, 'the delivery after the receiver came back');
  assert.equal(g.event.data.subject.id, agent.id);
  await hook.down();
});

test('wrangler dev killed (kill -9) between the change and the delivery: delivered after the restart, once', async () => {
  const { admin, hook, org } = await company(['person.created']);
  // The queue never hears of it, as when the Worker dies right after its batch.
  const res = await api('POST', '/users', { token: admin, headers: { 'x-test-fault': 'queue-lost' }, body: { email: unique('crash'), password: PASSWORD, role: 'agent' } });
  assert.equal(res.status, 201);
  await crash();
  await sleep(2500); // past OUTBOX_SWEEP_SECONDS
  assert.equal(hook.got.length, 0, 'nothing sent before the sweep');
  await sweep();
  const [g] = await hook.until((got) => got.length >= 1, 'the swept delivery');
  assert.equal(g.event.data.subject.id, res.body.id);
  await sweep();
  await sleep(1000);
  assert.equal(hook.got.length, 1, 'once');
  void org;
  await hook.down();
});

test('another organization\'s endpoint never receives an event', async () => {
  const [a, b] = [await company(), await company()];
  await createUser(a.admin, {}, { organization: a.org.slug });
  await createUser(b.admin, {}, { organization: b.org.slug });
  await a.hook.until((g) => g.some((x) => x.event.type === 'person.created'), 'a\'s event');
  await b.hook.until((g) => g.some((x) => x.event.type === 'person.created'), 'b\'s event');
  await sleep(500);
  assert.ok(a.hook.got.every((g) => g.event.organization === a.org.id));
  assert.ok(b.hook.got.every((g) => g.event.organization === b.org.id));
  // Nor can one organization's admin read or change another's endpoint.
  assert.equal((await api('GET', `/organization/webhooks/${b.endpoint.id}/deliveries`, { token: a.admin })).status, 404);
  assert.equal((await api('DELETE', `/organization/webhooks/${b.endpoint.id}`, { token: a.admin })).status, 404);
  await a.hook.down();
  await b.hook.down();
});

test('an internal address is refused when the endpoint is made, and when DNS answers one at delivery', async () => {
  const org = await newOrganization({ name: 'Hooks SSRF' });
  const admin = org.session.token;
  for (const url of ['https://10.0.0.1/hook', 'https://169.254.169.254/latest/meta-data', 'https://[fd00::1]/', 'http://example.com/hook']) {
    const res = await api('POST', '/organization/webhooks', { token: admin, body: { url, events: ['person.created'] } });
    assert.equal(res.status, 422, url);
    assert.match(res.body.errors[0].code, /^webhook_(address_forbidden|url_not_https)$/, url);
  }
  const made = [];
  for (const name of ['private.e2e.test', 'mixed.e2e.test']) {
    const res = await api('POST', '/organization/webhooks', { token: admin, body: { url: `https://${name}/hook`, events: ['person.created'] } });
    assert.equal(res.status, 201, 'a name is checked when delivering, against what DNS answers');
    made.push(res.body);
  }
  await createUser(admin, {}, { organization: org.slug });
  for (const endpoint of made) {
    const deadline = Date.now() + 20000;
    let attempt;
    while (!attempt && Date.now() < deadline) {
      [attempt] = (await api('GET', `/organization/webhooks/${endpoint.id}/deliveries`, { token: admin })).body.items[0]?.attempts.slice(-1) ?? [];
      await sleep(200);
    }
    assert.ok(attempt, 'an attempt was recorded');
    assert.equal(attempt.status, null, 'nothing was sent');
    assert.match(attempt.error, /webhook_address_forbidden: \S+ points to (10\.0\.0\.7|fd00::7)/);
  }
});

test('an endpoint failing for long is disabled and its admins are emailed; enabled again, it receives', async () => {
  const { org, admin, hook, endpoint } = await company(['person.created']);
  hook.plan.push(...Array(100).fill(503));
  await createUser(admin, {}, { organization: org.slug });
  const deadline = Date.now() + 40000;
  let state;
  do {
    await sleep(500);
    state = (await api('GET', '/organization/webhooks', { token: admin })).body.items.find((e) => e.id === endpoint.id);
  } while (!state.disabledAt && Date.now() < deadline);
  assert.equal(state.disabledReason, 'failing', 'disabled after WEBHOOK_DISABLE_AFTER_SECONDS (8 for the tests) of failures');
  const [mail] = await mailsTo(org.adminEmail, { count: 2, timeout: 20000 }).then((m) => m.filter((x) => /Webhook/.test(x.subject)));
  assert.ok(mail, 'the admin was told');
  assert.match(mail.text, new RegExp(hook.url.replace(/[.?/]/g, '\\$&')));
  const tries = hook.got.length;
  assert.ok(tries >= 3, `retried with doubling delays before giving up (${tries})`);
  const log = (await api('GET', `/organization/webhooks/${endpoint.id}/deliveries`, { token: admin })).body.items;
  assert.equal(log[0].status, 'failed');
  // Enabled again: the next change is delivered.
  hook.plan.length = 0;
  const enabled = await api('PUT', `/organization/webhooks/${endpoint.id}`, { token: admin, body: { url: hook.url, events: ['person.created'], enabled: true } });
  assert.equal(enabled.status, 200);
  assert.equal(enabled.body.disabledAt, null);
  await createUser(admin, {}, { organization: org.slug });
  await hook.until((g) => g.some((x) => x.status === 200), 'a delivery after enabling');
  await hook.down();
});

test('a secret rotation: both secrets sign until the previous is removed, then only the new one', async () => {
  const { org, admin, hook, endpoint, secret: old } = await company(['person.created']);
  const rotated = await api('POST', `/organization/webhooks/${endpoint.id}/secret`, { token: admin });
  assert.equal(rotated.status, 200);
  assert.equal(rotated.body.rotating, true);
  const fresh = rotated.body.secret;
  assert.notEqual(fresh, old);
  await createUser(admin, {}, { organization: org.slug });
  const [during] = await hook.until((g) => g.length >= 1, 'a delivery during the rotation');
  assert.equal(during.signature.split(' ').length, 2);
  hook.verify(during, old);
  hook.verify(during, fresh);
  const ended = await api('DELETE', `/organization/webhooks/${endpoint.id}/previous-secret`, { token: admin });
  assert.equal(ended.body.rotating, false);
  await createUser(admin, {}, { organization: org.slug });
  const got = await hook.until((g) => g.length >= 2, 'a delivery after the rotation');
  hook.verify(got[1], fresh);
  assert.throws(() => hook.verify(got[1], old));
  // The secrets are sealed at rest: neither is in D1 as it was shown.
  const [row] = await sql(`SELECT secret, previous_secret FROM webhook_endpoints WHERE id = '${endpoint.id}'`);
  assert.ok(!row.secret.includes(fresh.slice(6)) && row.previous_secret === null);
  await hook.down();
});
