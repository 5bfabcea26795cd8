// A real OpenID provider for the SSO tests: `oidc-provider` (OpenID Certified) on loopback, with
// signing keys the test holds (so it can rotate them, or play an attacker who signs with a key
// the provider never published), accounts, and one confidential client. Its koa middleware can
// rewrite the token endpoint's answer (`idp.tamper`): the tests' man in the middle.
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, decodeProtectedHeader } from 'jose';
import { createServer } from 'node:net';
import { BASE, CLIENT_HEADERS } from './client.mjs';

/** A signing key: `{kid, alg, privateKey, jwk}` (the private JWK the provider signs with). */
export async function signingKey(kid, alg = 'RS256') {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'RS256' ? { modulusLength: 2048 } : {}) });
  const jwk = { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk };
}

export const CALLBACK = `${BASE}/api/v1/sso/callback`;

/**
 * Starts a provider. `accounts`: sub → claims. `keys`: signing keys, the first signs.
 * `logoutRedirects`: the post-logout redirect URIs the client may name.
 */
export async function startIdp({ accounts, keys, clientId = 'livechat', clientSecret = 'a client secret of enough length', logoutRedirects = [] }) {
  const idp = { accounts, clientId, clientSecret, tamper: null, keys, alg: keys[0].alg, server: null, port: 0 };
  const listen = async () => {
    const issuer = `http://127.0.0.1:${idp.port}`;
    const provider = new Provider(issuer, {
      clients: [{
        client_id: clientId, client_secret: clientSecret, redirect_uris: [CALLBACK],
        post_logout_redirect_uris: logoutRedirects, response_types: ['code'], grant_types: ['authorization_code'],
        id_token_signed_response_alg: idp.alg,
      }],
      jwks: { keys: idp.keys.map((k) => k.jwk) },
      findAccount: async (_ctx, sub) => idp.accounts[sub] && ({ accountId: sub, claims: async () => ({ sub, ...idp.accounts[sub] }) }),
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name'] },
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      cookies: { keys: ['e2e cookie key of some length'] },
      // A first-party client: consent is given (no consent screen in the tests).
      loadExistingGrant: async (ctx) => {
        const grant = new ctx.oidc.provider.Grant({ clientId, accountId: ctx.oidc.session.accountId });
        grant.addOIDCScope('openid email profile');
        await grant.save();
        return grant;
      },
    });
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/token' && ctx.status === 200 && idp.tamper && ctx.body?.id_token) {
        ctx.body = { ...ctx.body, id_token: await idp.tamper(ctx.body.id_token) };
      }
    });
    await new Promise((resolve) => {
      idp.server = provider.listen(idp.port, '127.0.0.1', resolve);
    });
    idp.server.unref();
    idp.port = idp.server.address().port;
    idp.issuer = `http://127.0.0.1:${idp.port}`;
  };
  // A free port first: the issuer names it, and stays the same across restarts.
  idp.port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
  });
  await listen();
  /** Starts again with other keys (a rotation; the first signs), on the same address. */
  idp.restart = async (keys) => {
    idp.keys = keys;
    idp.alg = keys[0].alg;
    idp.server.closeAllConnections?.();
    await new Promise((r) => idp.server.close(r));
    await listen();
  };
  idp.stop = () => new Promise((r) => { idp.server.closeAllConnections?.(); idp.server.close(r); });
  return idp;
}

/** Re-signs an ID token's claims (changed by `change`) with `key`, as an attacker holding it would. */
export async function resign(idToken, key, change = (c) => c) {
  const claims = change({ ...decodeJwt(idToken) });
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
}

/** The token's header, for assertions. */
export const headerOf = (idToken) => decodeProtectedHeader(idToken);

const cookiesOf = (res) => res.headers.getSetCookie().map((c) => c.split(';')[0]);

/**
 * Signs `login` in at the provider from the organization's start address, up to the provider's
 * redirect back: answers the callback URL and the flow cookie the Worker set.
 */
export async function throughProvider(slug, providerId, login) {
  const start = await fetch(`${BASE}/api/v1/sso/start?organization=${slug}&provider=${providerId}`, { redirect: 'manual', headers: CLIENT_HEADERS });
  if (start.status !== 303) throw new Error(`start: ${start.status} ${await start.text()}`);
  const flow = cookiesOf(start).find((c) => c.startsWith('lca_sso='));
  const jar = new Map();
  let url = start.headers.get('location');
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(CALLBACK)) return { callback: url, flow, authorize: start.headers.get('location') };
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let res = await fetch(url, { redirect: 'manual', headers: { cookie } });
    for (const c of cookiesOf(res)) { const [k, ...v] = c.split('='); jar.set(k, v.join('=')); }
    if (res.status === 200 && new URL(url).pathname.startsWith('/interaction/')) {
      const html = await res.text();
      const prompt = html.includes('name="login"') ? 'login' : 'consent';
      const body = new URLSearchParams({ prompt, login, password: 'any' });
      const cookie2 = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      res = await fetch(url, { method: 'POST', redirect: 'manual', body, headers: { cookie: cookie2, 'content-type': 'application/x-www-form-urlencoded' } });
      for (const c of cookiesOf(res)) { const [k, ...v] = c.split('='); jar.set(k, v.join('=')); }
    }
    if (![302, 303].includes(res.status)) throw new Error(`provider: ${res.status} at ${url}: ${(await res.text()).slice(0, 300)}`);
    url = new URL(res.headers.get('location'), url).href;
  }
  throw new Error('too many redirects');
}

/**
 * Comes back to the Worker's callback (with the flow cookie unless `flow` is null): answers where
 * it lands, the refusal code if any, and the session token if one was opened.
 */
export async function callback({ callback: url, flow }, headers = {}) {
  const res = await fetch(url, { redirect: 'manual', headers: { ...CLIENT_HEADERS, ...(flow ? { cookie: flow } : {}), ...headers } });
  if (res.status !== 303) throw new Error(`callback: ${res.status} ${await res.text()}`);
  const location = new URL(res.headers.get('location'), BASE);
  const session = cookiesOf(res).find((c) => c.startsWith('lca_session=') && c !== 'lca_session=');
  return {
    location,
    error: location.searchParams.get('sso_error'),
    token: session?.slice('lca_session='.length) ?? null,
    secondFactor: location.hash.startsWith('#second-factor=') ? location.hash.slice('#second-factor='.length) : null,
  };
}
