// A small client for the e2e tests: the Worker's URL comes from scripts/test-worker.
import WebSocket from 'ws';
import { createHash, createHmac } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

// Every response of every e2e test is checked against api/openapi.json: its status must be
// declared for that operation, and its body must match the declared schema.
export const OPENAPI = JSON.parse(readFileSync(new URL('../../api/openapi.json', import.meta.url), 'utf8'));
// Strict: a schema Ajv would have to guess about is an error, not a silent pass. The document's
// own OpenAPI fields are declared as such, so that its schemas can be addressed inside it.
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
ajv.addVocabulary(['openapi', 'info', 'paths', 'components', 'servers', 'tags', 'security', 'webhooks', 'externalDocs', 'jsonSchemaDialect']);
ajv.addSchema(OPENAPI, 'openapi');
const templates = Object.keys(OPENAPI.paths).map((t) => [t, new RegExp('^' + t.replace(/\{[^}]+\}/g, '[^/]+') + '$')]);

/** Throws when a response breaks the contract. */
export function checkContract(method, path, status, contentType, body) {
  const bare = path.split('?')[0];
  const found = templates.find(([, re]) => re.test(bare));
  const operation = found && OPENAPI.paths[found[0]][method.toLowerCase()];
  if (!operation) {
    if (status === 404 && body?.code === 'not_found' && !found) return; // an unknown path, answered as such
    if (status === 405 && body?.code === 'method_not_allowed' && found) return; // a known path, another method
    throw new Error(`contract: ${method} ${bare} is not in the OpenAPI description (got ${status})`);
  }
  // A shared response (the problem body) is a reference into components.responses.
  const listed = operation.responses[String(status)];
  const declared = listed?.$ref ? OPENAPI.components.responses[listed.$ref.split('/').pop()] : listed;
  if (!declared) throw new Error(`contract: ${method} ${found[0]} does not declare status ${status}: ${JSON.stringify(body)}`);
  const media = (contentType ?? '').split(';')[0].trim();
  const content = declared.content?.[media];
  if (declared.content && !content) throw new Error(`contract: ${method} ${found[0]} ${status} answered ${media}`);
  if (!content?.schema) return;
  // The schema as it stands in the description, so that its references resolve there.
  const where = listed?.$ref
    ? `#/components/responses/${listed.$ref.split('/').pop()}/content/${media.replace('/', '~1')}/schema`
    : `#/paths/${found[0].replaceAll('~', '~0').replaceAll('/', '~1')}/${method.toLowerCase()}/responses/${status}/content/${media.replace('/', '~1')}/schema`;
  const validate = ajv.getSchema(`openapi${where}`);
  if (!validate(body)) {
    throw new Error(`contract: ${method} ${found[0]} ${status} body does not match ${where}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 400)}`);
  }
}

export const BASE = process.env.E2E_URL;
export const ADMIN = { email: process.env.E2E_ADMIN_EMAIL, password: process.env.E2E_ADMIN_PASSWORD };
export const SERVICE_TOKEN = process.env.E2E_SERVICE_TOKEN;
export const OPERATOR_TOKEN = process.env.E2E_OPERATOR_TOKEN;
if (!BASE) throw new Error('run through scripts/test-worker (E2E_URL is not set)');

/**
 * This test file's client address, as Cloudflare would pass it (`cf-connecting-ip`; only a header,
 * from TEST-NET-3): each file has its own, so that one file's failed sign-ins never trip the
 * per-client brake for another (node --test runs each file in its own process).
 */
const digest = createHash('sha256').update(process.argv[1] ?? '').digest();
export const CLIENT_IP = `203.0.113.${1 + (digest[0] % 250)}`;
export const CLIENT_HEADERS = { 'cf-connecting-ip': CLIENT_IP };

/** One request; returns {status, headers, body} with the JSON body parsed when there is one. */
export async function api(method, path, { token, body, headers = {}, raw } = {}) {
  const init = { method, headers: { ...CLIENT_HEADERS, ...headers } };
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(BASE + '/api/v1' + path, init);
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = text; }
  checkContract(method, path, res.status, res.headers.get('content-type'), json);
  return { status: res.status, headers: res.headers, body: json };
}

/**
 * A new organization made by the operator, its first admin's invitation accepted: answers the
 * organization (`id`, `slug`…), the admin's address and their session (`{token, user}`).
 */
export async function newOrganization({ name = 'Globex', slug, adminEmail } = {}) {
  slug ??= `co-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  adminEmail ??= unique('first-admin');
  const created = await api('POST', '/operator/organizations', { token: OPERATOR_TOKEN, body: { slug, name, adminEmail } });
  if (created.status !== 201) throw new Error(`organization ${slug}: ${created.status} ${JSON.stringify(created.body)}`);
  const token = new URL(created.body.invitation.acceptUrl).hash.replace('#token=', '');
  const accepted = await api('POST', '/invitations/accept', { body: { token, password: PASSWORD } });
  if (accepted.status !== 201) throw new Error(`first admin of ${slug}: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  return { ...created.body.organization, adminEmail, session: accepted.body };
}

let counter = 0;
/** A unique address for this run. */
export const unique = (name = 'user') => `${name}.${Date.now().toString(36)}${(counter++).toString(36)}@e2e.test`;
export const PASSWORD = 'a long enough passphrase';

export async function signIn(email, password = PASSWORD, organization = undefined) {
  const res = await api('POST', '/session', { body: { email, password, organization } });
  if (res.status !== 200) throw new Error(`sign-in ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

export const adminToken = () => signIn(ADMIN.email, ADMIN.password);

/** A new integration key of the admin's organization (`lca_live_…`), with these scopes. */
export async function integrationKey(token, scopes = ['conversations:open'], name = 'Chat box') {
  const res = await api('POST', '/organization/integration-keys', { token, body: { name, scopes } });
  if (res.status !== 201) throw new Error(`integration key: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.key;
}

/** Creates a user through the API and signs them in (at `organization`'s address, by slug). */
export async function createUser(token, fields = {}, { organization } = {}) {
  const email = fields.email ?? unique(fields.role ?? 'agent');
  const res = await api('POST', '/users', { token, body: { password: PASSWORD, role: 'agent', ...fields, email } });
  if (res.status !== 201) throw new Error(`create ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...res.body, token: await signIn(email, PASSWORD, organization) };
}

/**
 * Runs SQL against the local D1 the Worker uses (for checks the API does not expose), straight on
 * its SQLite file: spawning `wrangler d1 execute` next to a running `wrangler dev` touches the
 * shared dev registry, and wrangler dev then restarts its Worker, sometimes mid-request.
 */
const SQL = `
import glob, json, sqlite3, sys
files = [f for f in glob.glob(sys.argv[1] + "/v3/d1/miniflare-D1DatabaseObject/*.sqlite") if not f.endswith("metadata.sqlite")]
db = sqlite3.connect(files[0], timeout=10)
db.row_factory = sqlite3.Row
rows = [dict(r) for r in db.execute(sys.argv[2]).fetchall()]
db.commit()
print(json.dumps(rows))
`;
export async function sql(command) {
  const { stdout } = await promisify(execFile)('python3', ['-c', SQL, process.env.E2E_STATE, command]);
  return JSON.parse(stdout);
}

const DESK_SQL = `
import glob, json, sqlite3, sys
rows = []
for f in glob.glob(sys.argv[1] + "/v3/do/*-OrganizationDesk/*.sqlite"):
    db = sqlite3.connect(f, timeout=10)
    db.row_factory = sqlite3.Row
    try:
        rows += [dict(r) for r in db.execute(sys.argv[2]).fetchall()]
    except sqlite3.OperationalError:
        pass  # a desk whose storage was deleted has no tables
print(json.dumps(rows))
`;
/** Reads every organization's desk storage (the Durable Objects' SQLite files), rows concatenated. */
export async function deskSql(command) {
  const { stdout } = await promisify(execFile)('python3', ['-c', DESK_SQL, process.env.E2E_STATE, command]);
  return JSON.parse(stdout);
}

/**
 * A live connection (`GET /api/v1/live`) as `token`'s person: every frame kept in `messages`;
 * `until(predicate)` waits for one. Resolves once open, rejects with the refusal's status.
 */
export function liveSocket(token, { origin } = {}) {
  const headers = { ...CLIENT_HEADERS };
  if (token) headers.authorization = `Bearer ${token}`;
  if (origin) headers.origin = origin;
  const socket = new WebSocket(`${BASE.replace(/^http/, 'ws')}/api/v1/live`, { headers });
  const messages = [];
  const waiters = new Set();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    messages.push(message);
    for (const w of waiters) if (w.predicate(message)) { waiters.delete(w); w.resolve(message); }
  });
  const live = {
    socket,
    messages,
    events: () => messages.filter((m) => m.type === 'event').map((m) => m.event),
    until(predicate, timeout = 10000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { predicate, resolve };
        waiters.add(w);
        setTimeout(() => { waiters.delete(w); reject(new Error(`no such live message in ${timeout} ms: ${JSON.stringify(messages.slice(-5))}`)); }, timeout);
      });
    },
    close: () => new Promise((resolve) => { socket.once('close', resolve); socket.close(); }),
  };
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(live));
    socket.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused: ${res.statusCode}`), { status: res.statusCode })));
    socket.once('error', reject);
  });
}

export const codes = (body) => (body.errors ?? []).map((e) => [e.field, e.code]).sort();

/**
 * Adds questionnaires (named after their ids), languages and modules to the catalog of the
 * token's organization, keeping what it lists: forms only take what the catalog offers.
 */
export async function offer(token, { questionnaires = [], languages = [], modules = [] } = {}) {
  const current = (await api('GET', '/organization/catalog', { token })).body;
  const known = new Set(current.questionnaires.map((q) => q.id));
  const next = {
    ...current,
    questionnaires: [...current.questionnaires, ...questionnaires.filter((id) => !known.has(id)).map((id) => ({ id, name: id }))],
    languages: [...new Set([...current.languages, ...languages])],
    modules: [...new Set([...current.modules, ...modules])],
  };
  const res = await api('PUT', '/organization/catalog', { token, body: next });
  if (res.status !== 200) throw new Error(`catalog: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The catalog the shared form corpus is read against (tests/fixtures/catalog.json). */
export const FIXTURE_CATALOG = JSON.parse(readFileSync(new URL('../fixtures/catalog.json', import.meta.url), 'utf8'));

/** Offers everything of the fixture catalog, so the corpus gets the core's answers over HTTP. */
export const offerFixture = (token) => offer(token, {
  questionnaires: FIXTURE_CATALOG.questionnaires.map((q) => q.id),
  languages: FIXTURE_CATALOG.languages,
  modules: FIXTURE_CATALOG.modules,
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const plainLog = () => readFileSync(`${process.env.E2E_STATE}/wrangler.log`, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');

/**
 * The messages the Worker's send_email binding sent to `address`, parsed: wrangler dev writes
 * each one to an .eml file and logs its path. Waits until `count` have arrived.
 */
export async function mailsTo(address, { count = 1, timeout = 20000 } = {}) {
  const { default: PostalMime } = await import('postal-mime');
  const deadline = Date.now() + timeout;
  for (;;) {
    const paths = [...plainLog().matchAll(/send_email binding called with the following message:\s*\n\s*(\S+\.eml)/g)].map((m) => m[1]);
    const mails = [];
    for (const path of paths) {
      const raw = readFileSync(path, 'utf8');
      const parsed = await PostalMime.parse(raw);
      if (parsed.to?.some((t) => t.address.toLowerCase() === address.toLowerCase())) mails.push({ ...parsed, raw, path });
    }
    if (mails.length >= count || Date.now() > deadline) return mails;
    await sleep(200);
  }
}

/** Waits until an invitation's email is no longer on its way (sent or failed). */
export async function deliveryOf(token, email, { timeout = 20000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const item = (await api('GET', '/invitations?limit=500', { token })).body.items.find((i) => i.email === email);
    if (!item) throw new Error(`no invitation for ${email}`);
    if (!['queued', 'sending'].includes(item.delivery.status) || Date.now() > deadline) return item;
    await sleep(200);
  }
}

/**
 * Rewrites the running Worker's wrangler config; `wrangler dev` reloads it, bindings included,
 * without a word in its log. `settled` is polled until it answers true: the caller's proof that
 * the new configuration is the one running.
 */
export async function reconfigure(change, settled) {
  const path = process.env.E2E_CONFIG;
  // Rewritten in place, never truncated: wrangler's watcher once read the file between the
  // truncation and the write, found no entry point and stopped serving (replacing the file by a
  // rename instead made it stop watching). A shorter text is padded with spaces, TOML whitespace.
  const before = readFileSync(path, 'utf8');
  const after = Buffer.from(change(before));
  const bytes = Buffer.concat([after, Buffer.alloc(Math.max(0, Buffer.byteLength(before) - after.length), ' ')]);
  const fd = openSync(path, 'r+');
  try { writeSync(fd, bytes, 0, bytes.length, 0); } finally { closeSync(fd); }
  const deadline = Date.now() + 90000;
  for (;;) {
    if (await settled().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error('the new wrangler configuration never took effect');
    await sleep(500);
  }
}

/** An authenticator app's code for a base32 secret (RFC 6238: HMAC-SHA-1, 30 s, 6 digits), at `ms`. */
export function totp(secret, ms = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const key = [];
  for (const c of secret.replace(/=+$/, '')) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) { key.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30000)));
  const mac = createHmac('sha1', Buffer.from(key)).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1e6).padStart(6, '0');
}
