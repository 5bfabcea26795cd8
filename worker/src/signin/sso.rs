//! Signing in through an organization's OpenID provider: the authorization code flow with PKCE
//! (S256), `state` and `nonce`, kept single-use for five minutes as a sign-in challenge (purpose
//! `sso`, sealed) and bound to the browser that started it by a cookie; the code exchanged at the
//! provider's token endpoint; the ID token's signature checked against the provider's keys
//! (cached with the provider, fetched again for a key not seen yet or once `SSO_JWKS_SECONDS`
//! passed); its claims, whom it signs in, and what the policy allows are the core's. Calls
//! `challenges` and `sessions` below it, and the callout guard.

use super::challenges::{open_challenge, open_second_step, CHALLENGE_TTL_MS};
use super::sessions::open;
use crate::callout;
use crate::ctx::Ctx;
use crate::http::{self, session_cookie, ApiError};
use crate::secrets::{base64url, new_token, token_digest};
use crate::store::{OrganizationRow, SsoLinkRecord, SsoProviderRow, UserRow};
use jwt_compact::{alg::Es256, jwk::JsonWebKey, AlgorithmExt, UntrustedToken};
use livechat_access::{
    after_sso, check_id_token, match_person, response_issuer_fits, sso_new_person, AfterPassword,
    Code, IdTokenExpectations, OrganizationId, SsoCandidate, SsoIdentity, SsoMatch, SsoPreset,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use worker::{Headers, Method, RequestInit, Response};

/// The cookie that binds a flow to the browser that started it (login CSRF): the flow's `state`.
pub const FLOW_COOKIE: &str = "lca_sso";
/// Where every provider sends the browser back (registered at the provider as the redirect URI).
pub const CALLBACK_PATH: &str = "/api/v1/sso/callback";
/// How long a provider has to answer a discovery, key or token request.
const PROVIDER_TIMEOUT_S: u32 = 10;

/// What a flow remembers between the start and the callback (sealed with FACTOR_KEY).
#[derive(Serialize, Deserialize)]
struct Flow {
    provider: String,
    verifier: String,
    nonce: String,
}

/// The providers an organization's sign-in page offers.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SsoOffer {
    /// Each enabled provider: its id (for `GET /sso/start`) and the name on its button.
    pub providers: Vec<SsoOfferedProvider>,
    /// Password sign-in is refused to all but the break-glass admin.
    pub required: bool,
}

/// One sign-in button.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoOfferedProvider {
    pub id: String,
    pub name: String,
}

/// The organization a public SSO request names (`?organization=slug`), in service.
async fn organization_of(ctx: &Ctx) -> Result<OrganizationRow, ApiError> {
    let slug = ctx.query("organization").ok_or(Code::NotFound)?;
    Ok(ctx
        .store
        .organization_by_slug(&slug)
        .await?
        .filter(|o| o.is_active())
        .ok_or(Code::NotFound)?)
}

/// `GET /sso/providers?organization={slug}` (public): what the sign-in page offers.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/sso/providers", operation_id = "ssoProviders", tag = "session", summary = "The single sign-on providers an organization's sign-in page offers", params(("organization" = String, Query, description = "The organization's slug")), responses((status = 200, description = "OK", body = SsoOffer), (status = 404, response = crate::http::ProblemBody)), security(())))]
pub async fn offered(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let row = organization_of(ctx).await?;
    let org = row.id();
    let providers = ctx
        .store
        .sso_providers(&org)
        .await?
        .into_iter()
        .filter(SsoProviderRow::enabled)
        .map(|p| SsoOfferedProvider {
            id: p.id,
            name: p.name,
        })
        .collect();
    let required = row.sso_policy()?.required;
    http::json(
        200,
        &SsoOffer {
            providers,
            required,
        },
    )
}

/// A 303 to `location`.
fn see_other(location: &str) -> Result<Response, ApiError> {
    let mut response = Response::empty()?.with_status(303);
    response.headers_mut().set("location", location)?;
    response.headers_mut().set("cache-control", "no-store")?;
    Ok(response)
}

/// The flow cookie (`""`, 0: its removal): sent back only to the callback, and on the top-level
/// navigation from the provider (Lax).
fn flow_cookie(state: &str, max_age_s: i64) -> String {
    format!(
        "{FLOW_COOKIE}={state}; Path={CALLBACK_PATH}; HttpOnly; Secure; SameSite=Lax; \
         Max-Age={max_age_s}"
    )
}

/// `GET /sso/start?organization={slug}&provider={id}`: to the provider, with a new flow.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/sso/start", operation_id = "ssoStart", tag = "session", summary = "Start signing in through a provider: a redirect to it", params(("organization" = String, Query, description = "The organization's slug"), ("provider" = String, Query, description = "The provider's id")), responses((status = 303, description = "To the provider's authorization endpoint; the flow's cookie set"), (status = 404, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(())))]
pub async fn start(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let org = organization_of(ctx).await?.id();
    let id = ctx.query("provider").ok_or(Code::NotFound)?;
    let provider = ctx
        .store
        .sso_provider(&org, &id)
        .await?
        .filter(SsoProviderRow::enabled)
        .ok_or(Code::NotFound)?;
    let discovery = provider.discovery()?;
    let flow = Flow {
        provider: provider.id.clone(),
        verifier: new_token(),
        nonce: new_token(),
    };
    let sealed = ctx
        .config
        .factor_keys
        .seal(&serde_json::to_string(&flow)?)
        .ok_or_else(|| {
            ctx.config
                .refused("FACTOR_KEY")
                .unwrap_or(Code::Internal.into())
        })?;
    let state = new_token();
    open_challenge(ctx, &state, &org, None, ("sso", Some(&sealed)), None).await?;
    let challenge = base64url(&Sha256::digest(flow.verifier.as_bytes()));
    let mut url = worker::Url::parse(&discovery.authorization_endpoint)
        .map_err(|_| ApiError::code(Code::SsoDiscoveryInvalid))?;
    {
        let mut query = url.query_pairs_mut();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", &provider.client_id)
            .append_pair("redirect_uri", &redirect_uri(ctx)?)
            .append_pair("scope", "openid email profile")
            .append_pair("state", &state)
            .append_pair("nonce", &flow.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        if let (SsoPreset::Google, Some(domain)) = (provider.preset(), &provider.tenant) {
            query.append_pair("hd", domain);
        }
    }
    let mut response = see_other(url.as_str())?;
    response
        .headers_mut()
        .set("set-cookie", &flow_cookie(&state, CHALLENGE_TTL_MS / 1000))?;
    Ok(response)
}

/// The redirect URI every provider is registered with.
pub fn redirect_uri(ctx: &Ctx) -> Result<String, ApiError> {
    Ok(format!("{}{CALLBACK_PATH}", ctx.origin()?))
}

/// `GET /sso/callback?code&state&iss`: back from the provider. Signed in: to the organization's
/// page with the session cookie (or its second step). Refused: to its sign-in page, the reason
/// named (`?sso_error={code}`); the flow is spent either way.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/sso/callback", operation_id = "ssoCallback", tag = "session", summary = "Back from the provider: the code exchanged, the ID token checked, a session opened", params(("code" = Option<String>, Query, description = "The authorization code"), ("state" = Option<String>, Query, description = "The flow's state"), ("iss" = Option<String>, Query, description = "The provider's issuer (RFC 9207)"), ("error" = Option<String>, Query, description = "The provider's refusal")), responses((status = 303, description = "To `/{slug}/`: signed in (the session cookie set), or `?sso_error={code}`, or `#second-factor={challenge}&methods=…`")), security(())))]
pub async fn callback(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let mut landing = String::from("/");
    let outcome = finish(ctx, &mut landing).await;
    let mut response = match outcome {
        Ok(Landing::SignedIn(token)) => {
            let mut r = see_other(&landing)?;
            r.headers_mut().append(
                "set-cookie",
                &session_cookie(&token, ctx.config.session_ttl_s),
            )?;
            r
        }
        Ok(Landing::SecondStep(challenge, methods)) => see_other(&format!(
            "{landing}#second-factor={challenge}&methods={}",
            methods.join(",")
        ))?,
        Err(e) => {
            let code = match &e {
                ApiError::Problem(p) => p.code,
                _ => Code::Internal,
            };
            if code == Code::Internal {
                worker::console_error!("sso callback: {e:?}");
            }
            see_other(&format!("{landing}?sso_error={}", code.as_str()))?
        }
    };
    response
        .headers_mut()
        .append("set-cookie", &flow_cookie("", 0))?;
    Ok(response)
}

/// Where a callback lands.
enum Landing {
    /// A session's token.
    SignedIn(String),
    /// The second step's challenge, and the methods the person has.
    SecondStep(String, Vec<&'static str>),
}

async fn finish(ctx: &mut Ctx, landing: &mut String) -> Result<Landing, ApiError> {
    let state = ctx.query("state").ok_or(Code::SsoStateInvalid)?;
    let digest = token_digest(&state);
    let challenge = ctx
        .store
        .challenge(&digest, ctx.now)
        .await?
        .filter(|c| c.purpose == "sso")
        .ok_or(Code::SsoStateInvalid)?;
    let org = OrganizationId::new(&challenge.organization_id);
    let row = ctx
        .store
        .organization(org.as_str())
        .await?
        .ok_or(Code::SsoStateInvalid)?;
    *landing = format!("/{}/", row.slug);
    // Suspended since the flow started: its people cannot sign in.
    if !row.is_active() {
        return Err(Code::SsoStateInvalid.into());
    }
    // Spent now, whatever follows: a replayed callback finds nothing.
    let used = ctx
        .store
        .batch(vec![ctx.store.consume_challenge(&digest, ctx.now)?])
        .await?;
    if used.first().is_none_or(|r| !crate::store::written(r)) {
        return Err(Code::SsoStateInvalid.into());
    }
    // Started in this browser (login CSRF: someone else's callback link carries no cookie).
    if http::cookie(&ctx.req, FLOW_COOKIE).as_deref() != Some(state.as_str()) {
        return Err(Code::SsoStateInvalid.into());
    }
    let flow: Flow = challenge
        .state
        .as_deref()
        .and_then(|s| ctx.config.factor_keys.open(s))
        .and_then(|o| serde_json::from_str(&o.plain).ok())
        .ok_or(Code::SsoStateInvalid)?;
    let provider = ctx
        .store
        .sso_provider(&org, &flow.provider)
        .await?
        .filter(SsoProviderRow::enabled)
        .ok_or(Code::SsoStateInvalid)?;
    if ctx.query("error").is_some() {
        return Err(Code::SsoDenied.into());
    }
    let discovery = provider.discovery()?;
    // Mix-up: the answer must come from the provider this flow went to.
    if !response_issuer_fits(&discovery, &provider.issuer, ctx.query("iss").as_deref()) {
        return Err(Code::SsoTokenInvalid.into());
    }
    let code = ctx.query("code").ok_or(Code::SsoTokenInvalid)?;
    let id_token = exchange(ctx, &provider, &code, &flow.verifier).await?;
    let claims = verified_claims(ctx, &provider, &id_token).await?;
    let allowed = provider.allowed_domains()?;
    let hosted = match provider.preset() {
        SsoPreset::Google => provider.tenant.as_deref(),
        _ => None,
    };
    let identity = check_id_token(
        &claims,
        &IdTokenExpectations {
            issuer: &provider.issuer,
            client_id: &provider.client_id,
            nonce: &flow.nonce,
            email_claim: &provider.email_claim,
            allowed_domains: &allowed,
            hosted_domain: hosted,
            now_ms: ctx.now,
        },
    )?;
    let jit = row.sso_policy()?.jit;
    let user = person_of(ctx, &org, &provider, &identity, jit.as_ref()).await?;
    let policy = row.second_factor_policy;
    let (factors, _) = ctx.store.factors(&org, &user.id).await?;
    let next = after_sso(policy, user.access()?.role, factors, identity.second_factor);
    if next == AfterPassword::SecondFactor {
        let step = open_second_step(ctx, &user, factors, Some(&provider.id)).await?;
        let methods = step.methods.iter().map(|m| m.as_str()).collect();
        return Ok(Landing::SecondStep(step.challenge, methods));
    }
    let (token, _) = open(ctx, &user, Some((&provider.id, identity.second_factor))).await?;
    Ok(Landing::SignedIn(token))
}

/// The person an identity signs in, within the provider's organization: the core's match over
/// the link, the address, and the organization's just-in-time access; a new link or a new
/// person written with its audit entry.
async fn person_of(
    ctx: &Ctx,
    org: &OrganizationId,
    provider: &SsoProviderRow,
    identity: &SsoIdentity,
    jit: Option<&livechat_access::Access>,
) -> Result<UserRow, ApiError> {
    let candidate = |user: &UserRow, linked_elsewhere: bool| SsoCandidate {
        id: user.id.clone(),
        disabled: user.disabled != 0,
        linked_elsewhere,
    };
    let linked = match ctx
        .store
        .sso_linked_user(&provider.id, &identity.subject)
        .await?
    {
        Some(id) => ctx.store.user(org, &id).await?,
        None => None,
    };
    let by_email = match &linked {
        Some(_) => None,
        None => ctx.store.user_by_email(org, &identity.email).await?,
    };
    let elsewhere = match &by_email {
        Some(u) => {
            ctx.store
                .sso_linked_elsewhere(&provider.id, &u.id, &identity.subject)
                .await?
        }
        None => false,
    };
    let decision = match_person(
        linked.as_ref().map(|u| candidate(u, false)).as_ref(),
        by_email.as_ref().map(|u| candidate(u, elsewhere)).as_ref(),
        jit,
    )?;
    let user_id = match decision {
        SsoMatch::Linked(id) => {
            return ctx
                .store
                .user(org, &id)
                .await?
                .ok_or(Code::SsoNoAccount.into())
        }
        SsoMatch::LinkNow(id) => id,
        SsoMatch::Create(access) => {
            let catalog = ctx.store.catalog(org).await?;
            let new = sso_new_person(identity, &access, &catalog.catalog);
            crate::users::insert_new_user(ctx, org, None, &new, false, catalog.version, None)
                .await?
        }
    };
    let link =
        ctx.store
            .insert_sso_link(org, &provider.id, &identity.subject, &user_id, ctx.now)?;
    let record = SsoLinkRecord {
        provider: provider.id.clone(),
        subject: identity.subject.clone(),
    };
    let audit = ctx.store.audit(
        org,
        ctx.now,
        None,
        "sso_linked",
        (Some(&user_id), Some(identity.email.as_str())),
        None,
        Some(&record),
    )?;
    ctx.store.batch([vec![link], audit].concat()).await?;
    ctx.store
        .user(org, &user_id)
        .await?
        .ok_or(Code::SsoNoAccount.into())
}

/// The code exchanged for tokens at the provider's token endpoint; the ID token.
async fn exchange(
    ctx: &Ctx,
    provider: &SsoProviderRow,
    code: &str,
    verifier: &str,
) -> Result<String, ApiError> {
    let discovery = provider.discovery()?;
    let secret = ctx
        .config
        .factor_keys
        .open(&provider.client_secret)
        .ok_or(Code::Internal)?
        .plain;
    let mut form = worker::Url::parse("x:/").map_err(|_| ApiError::code(Code::Internal))?;
    {
        let mut pairs = form.query_pairs_mut();
        pairs
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code)
            .append_pair("redirect_uri", &redirect_uri(ctx)?)
            .append_pair("code_verifier", verifier);
        if discovery.token_auth == livechat_access::TokenAuth::ClientSecretPost {
            pairs
                .append_pair("client_id", &provider.client_id)
                .append_pair("client_secret", &secret);
        }
    }
    let headers = Headers::new();
    headers.set("content-type", "application/x-www-form-urlencoded")?;
    headers.set("accept", "application/json")?;
    if discovery.token_auth == livechat_access::TokenAuth::ClientSecretBasic {
        // RFC 6749 §2.3.1: each part form-encoded, then base64.
        let encode = |s: &str| -> String {
            worker::Url::parse_with_params("x:/", [("v", s)])
                .ok()
                .and_then(|u| u.query().map(|q| q.trim_start_matches("v=").to_owned()))
                .unwrap_or_default()
        };
        let basic = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{}:{}", encode(&provider.client_id), encode(&secret)),
        );
        headers.set("authorization", &format!("Basic {basic}"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(form.query().unwrap_or_default().to_owned().into()));
    let mut response = call_provider(ctx, &discovery.token_endpoint, init).await?;
    if response.status_code() != 200 {
        worker::console_error!("sso token endpoint: HTTP {}", response.status_code());
        return Err(Code::SsoTokenInvalid.into());
    }
    let tokens: Value = response
        .json()
        .await
        .map_err(|_| ApiError::code(Code::SsoTokenInvalid))?;
    tokens
        .get("id_token")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or(Code::SsoTokenInvalid.into())
}

/// The ID token's claims once its signature is verified with the provider's key named by its
/// `kid` (RS256 with a key of 2048 bits or more, through Web Crypto; or ES256, through `p256`);
/// any other algorithm is refused.
async fn verified_claims(
    ctx: &Ctx,
    provider: &SsoProviderRow,
    id_token: &str,
) -> Result<Value, ApiError> {
    let untrusted =
        UntrustedToken::new(id_token).map_err(|_| ApiError::code(Code::SsoTokenInvalid))?;
    let alg = untrusted.algorithm().to_owned();
    if !livechat_access::SIGNING_ALGORITHMS.contains(&alg.as_str()) {
        return Err(Code::SsoTokenInvalid.into());
    }
    let kid = untrusted.header().key_id.clone();
    let max_age_ms = i64::from(ctx.config.report.settings.sso_jwks_seconds) * 1000;
    let fresh = provider
        .jwks_fetched_at
        .is_some_and(|at| ctx.now - at < max_age_ms);
    let mut keys = match (&provider.jwks, fresh) {
        (Some(jwks), true) => serde_json::from_str(jwks).unwrap_or(Value::Null),
        _ => fetch_jwks(ctx, provider).await?,
    };
    let mut refetched = !fresh || provider.jwks.is_none();
    loop {
        if let Some(jwk) = key_for(&keys, kid.as_deref(), &alg) {
            let valid = match alg.as_str() {
                "RS256" => {
                    let signed = id_token.rsplit_once('.').map_or("", |(signed, _)| signed);
                    crate::secrets::rs256_verify(
                        &jwk,
                        signed.as_bytes(),
                        untrusted.signature_bytes(),
                    )
                    .await
                }
                _ => serde_json::from_value::<JsonWebKey<'_>>(jwk.clone())
                    .ok()
                    .and_then(|jwk| p256::ecdsa::VerifyingKey::try_from(&jwk).ok())
                    .is_some_and(|k| Es256.validator::<Value>(&k).validate(&untrusted).is_ok()),
            };
            if !valid {
                return Err(Code::SsoTokenInvalid.into());
            }
            // Verified: the payload as sent (its numbers and names as the provider wrote them).
            let payload = id_token.split('.').nth(1).unwrap_or_default();
            let bytes =
                base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
                    .map_err(|_| ApiError::code(Code::SsoTokenInvalid))?;
            return serde_json::from_slice(&bytes)
                .map_err(|_| ApiError::code(Code::SsoTokenInvalid));
        }
        if refetched {
            return Err(Code::SsoTokenInvalid.into());
        }
        // A key not seen yet: the provider rotated; fetch its keys once more.
        keys = fetch_jwks(ctx, provider).await?;
        refetched = true;
    }
}

/// The key of `jwks` a token names (its `kid`; or, when it names none, the one key of its type).
fn key_for(jwks: &Value, kid: Option<&str>, alg: &str) -> Option<Value> {
    let kty = if alg == "RS256" { "RSA" } else { "EC" };
    let keys = jwks.get("keys")?.as_array()?;
    let fits = |k: &&Value| {
        k.get("kty").and_then(Value::as_str) == Some(kty)
            && k.get("use")
                .and_then(Value::as_str)
                .is_none_or(|u| u == "sig")
            && k.get("alg")
                .and_then(Value::as_str)
                .is_none_or(|a| a == alg)
    };
    let mut candidates = keys.iter().filter(fits);
    let key = match kid {
        Some(kid) => candidates.find(|k| k.get("kid").and_then(Value::as_str) == Some(kid))?,
        None => {
            let only = candidates.next()?;
            if candidates.next().is_some() {
                return None;
            }
            only
        }
    };
    Some(key.clone())
}

/// The provider's keys, fetched from its `jwks_uri` and kept with it.
async fn fetch_jwks(ctx: &Ctx, provider: &SsoProviderRow) -> Result<Value, ApiError> {
    let discovery = provider.discovery()?;
    let mut response = get_json(ctx, &discovery.jwks_uri).await?;
    let text = response.text().await?;
    let keys: Value =
        serde_json::from_str(&text).map_err(|_| ApiError::code(Code::SsoProviderUnreachable))?;
    if keys.get("keys").and_then(Value::as_array).is_none() {
        return Err(Code::SsoProviderUnreachable.into());
    }
    ctx.store.set_sso_jwks(&provider.id, &text, ctx.now).await?;
    Ok(keys)
}

/// One call to a provider, through the callout guard; unreachable (or refused by the guard) is
/// `sso_provider_unreachable`, the reason logged.
async fn call_provider(ctx: &Ctx, url: &str, init: RequestInit) -> Result<Response, ApiError> {
    let loopback = ctx.config.report.settings.sso_allow_loopback;
    callout::send(&ctx.config, url, init, loopback, PROVIDER_TIMEOUT_S)
        .await
        .map_err(|e| {
            worker::console_error!("sso {url}: {e}");
            ApiError::code(Code::SsoProviderUnreachable)
        })
}

/// A provider's JSON document (discovery, keys): a 200, or `sso_provider_unreachable`.
async fn get_json(ctx: &Ctx, url: &str) -> Result<Response, ApiError> {
    let headers = Headers::new();
    headers.set("accept", "application/json")?;
    let mut init = RequestInit::new();
    init.with_headers(headers);
    let response = call_provider(ctx, url, init).await?;
    if response.status_code() != 200 {
        worker::console_error!("sso {url}: HTTP {}", response.status_code());
        return Err(Code::SsoProviderUnreachable.into());
    }
    Ok(response)
}

/// A provider's discovery document, fetched and read by the core (when an admin saves it).
pub async fn discover(ctx: &Ctx, issuer: &str) -> Result<livechat_access::Discovery, ApiError> {
    let loopback = ctx.config.report.settings.sso_allow_loopback;
    let url = format!("{issuer}/.well-known/openid-configuration");
    let mut response = get_json(ctx, &url).await?;
    let doc: Value = response
        .json()
        .await
        .map_err(|_| ApiError::code(Code::SsoDiscoveryInvalid))?;
    Ok(livechat_access::read_discovery(&doc, issuer, loopback)?)
}

/// Where signing out of a session that came through `provider` sends the browser: the
/// provider's end-session endpoint (RP-initiated logout), back to the organization's page.
pub async fn end_session_url(
    ctx: &Ctx,
    org: &OrganizationId,
    provider: &str,
) -> Result<Option<String>, ApiError> {
    let Some(provider) = ctx.store.sso_provider(org, provider).await? else {
        return Ok(None);
    };
    let Some(endpoint) = provider.discovery()?.end_session_endpoint else {
        return Ok(None);
    };
    let slug = ctx
        .store
        .organization(org.as_str())
        .await?
        .map(|o| o.slug)
        .unwrap_or_default();
    let mut url = worker::Url::parse(&endpoint).map_err(|_| ApiError::code(Code::Internal))?;
    url.query_pairs_mut()
        .append_pair("client_id", &provider.client_id)
        .append_pair(
            "post_logout_redirect_uri",
            &format!("{}/{slug}/", ctx.origin()?),
        );
    Ok(Some(url.into()))
}
