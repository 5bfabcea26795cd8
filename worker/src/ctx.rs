//! What a handler knows about its request: the bindings, the deployment's settings, the caller.

use crate::http::{self, cookie, is_state_changing, ApiError, SESSION_COOKIE};
use crate::secrets::{token_digest, HashCost};
use crate::store::{CatalogAt, Store, UserRow};
use livechat_access::{
    read_settings, Actor, Caller, Code, IntegrationKey, Locale, SettingsReport, Violation,
    KEY_PREFIX,
};
use std::cell::OnceCell;
use std::rc::Rc;
use worker::{Env, Request};

/// The D1 Sessions API bookmark a client carries back, and each answer gives.
pub const BOOKMARK_HEADER: &str = "x-d1-bookmark";

/// The largest integer JavaScript clients can hold exactly; ids and times stay below it.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Everything a handler needs about the request and the deployment.
pub struct Ctx {
    pub req: Request,
    pub store: Store,
    pub locale: Locale,
    /// Milliseconds since the epoch, read once per request.
    pub now: i64,
    /// The deployment's settings, read and decoded once per isolate.
    pub config: Rc<Config>,
    /// The bindings, for work that outlives the response.
    pub env: Env,
    /// The request's event: work after the response is sent (`wait_until`).
    pub event: Option<worker::Context>,
    /// The organization this request acted in, once known (its caller, or whom it signed in):
    /// after a write, its live desk catches up with D1 before the answer (`live::caught_up`).
    pub touched: std::cell::RefCell<Option<livechat_access::OrganizationId>>,
    /// The lagging-read store this request used, if any: its bookmark is the answer's.
    pub lagged: std::cell::RefCell<Option<String>>,
}

/// Deployment settings from `[vars]` and secrets, as the core read them (`read_settings`): a
/// refused setting is replaced by its default or switched off, and named in `report`.
pub struct Config {
    pub hash_cost: HashCost,
    pub invitation_ttl_s: i64,
    pub session_ttl_s: i64,
    /// The deployment's former chat-box token (`SERVICE_TOKEN`), or two during a switch: read
    /// as a key of the default organization that opens conversations only.
    pub service_tokens: Vec<String>,
    /// The keys signing identity tokens, decoded once.
    pub identity_keys: Rc<crate::integration::identity::SigningKeys>,
    /// How long an identity token lives, in seconds.
    pub identity_token_ttl_s: i64,
    /// The platform operator's token (secret `OPERATOR_TOKEN`): organizations, nothing inside
    /// them; two during a switch.
    pub operator_tokens: Vec<String>,
    pub bootstrap: Option<(String, String)>,
    /// Lets benchmarks ask for unbatched writes (`x-bench-writes: rows`); off unless set.
    pub bench_modes: bool,
    /// The keys authenticator-app secrets are sealed with at rest (secret `FACTOR_KEY`, a
    /// keyring, newest first), so that a copy of D1 alone does not give away anyone's factor.
    pub factor_keys: crate::secrets::Keyring,
    /// What is wrong with the settings, and what only deserves a look (`GET /health`).
    pub report: Rc<SettingsReport>,
}

pub fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .or_else(|| env.secret(name).ok().map(|v| v.to_string()))
        .filter(|v| !v.trim().is_empty())
}

thread_local! {
    // Settings do not change during an isolate's life: read and checked once.
    static REPORT: OnceCell<Rc<SettingsReport>> = const { OnceCell::new() };
}

/// The deployment's settings as the core read them, once per isolate.
pub fn settings(env: &Env) -> Rc<SettingsReport> {
    REPORT.with(|cell| {
        cell.get_or_init(|| {
            let report = read_settings(&|name| var(env, name));
            for problem in &report.problems {
                let wire = problem.localize(Locale::En);
                worker::console_error!(
                    "setting {}: {} ({})",
                    wire.setting,
                    wire.code,
                    wire.message
                );
            }
            Rc::new(report)
        })
        .clone()
    })
}

thread_local! {
    static CONFIG: OnceCell<Rc<Config>> = const { OnceCell::new() };
}

impl Config {
    /// The settings as the Worker uses them, built once per isolate (keys decoded once too).
    pub fn from_env(env: &Env) -> Rc<Config> {
        CONFIG.with(|cell| cell.get_or_init(|| Rc::new(Config::read(env))).clone())
    }

    fn read(env: &Env) -> Config {
        let report = settings(env);
        let s = &report.settings;
        Config {
            hash_cost: HashCost {
                m_kib: s.hash_cost.m_kib,
                t: s.hash_cost.t,
                p: s.hash_cost.p,
            },
            invitation_ttl_s: i64::from(s.invitation_ttl_hours) * 3600,
            session_ttl_s: i64::from(s.session_ttl_hours) * 3600,
            service_tokens: s.service_tokens.clone(),
            identity_keys: Rc::new(crate::integration::identity::SigningKeys::new(
                &s.identity_keys,
            )),
            identity_token_ttl_s: i64::from(s.identity_token_ttl_seconds),
            operator_tokens: s.operator_tokens.clone(),
            bootstrap: s.bootstrap.clone(),
            bench_modes: s.bench_modes,
            factor_keys: crate::secrets::Keyring::new(&s.factor_keys),
            report,
        }
    }

    /// A 503 naming what is wrong with `setting`, when the core refused it.
    pub fn refused(&self, setting: &str) -> Option<ApiError> {
        let problems: Vec<_> = self
            .report
            .problems
            .iter()
            .filter(|p| p.setting == setting)
            .cloned()
            .collect();
        (!problems.is_empty()).then(|| ApiError::settings(problems))
    }
}

/// The request's instant: the clock, or, when the deployment runs with `TEST_CLOCK=1` and the
/// request came over loopback, the `x-test-clock` header (milliseconds since the epoch). The
/// end-to-end tests set it to write dates in every month; no public address can reach it.
pub fn now_of(req: &Request, config: &Config) -> i64 {
    let clock = js_sys::Date::now() as i64;
    if !under_test(req, config) {
        return clock;
    }
    let asked = req
        .headers()
        .get("x-test-clock")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|ms| (0..=MAX_SAFE_INTEGER).contains(ms));
    asked.unwrap_or(clock)
}

/// Whether the request asks for a fault the end-to-end tests inject (`x-test-fault`), under
/// the same rule as `x-test-clock`: only with `TEST_CLOCK=1`, only over loopback. `queue-lost`: the
/// request's queue messages are never sent, as when the Worker dies between its D1 write and
/// the queue's send.
pub fn test_fault(req: &Request, config: &Config, fault: &str) -> bool {
    under_test(req, config)
        && req.headers().get("x-test-fault").ok().flatten().as_deref() == Some(fault)
}

/// The deployment runs with `TEST_CLOCK=1` and the request came over loopback: no public
/// address can reach what the tests set.
fn under_test(req: &Request, config: &Config) -> bool {
    config.report.settings.test_clock
        && req
            .url()
            .ok()
            .is_some_and(|url| matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")))
}

/// Someone signed in.
pub struct Session {
    pub user: UserRow,
    pub actor: Actor,
    /// Their organization's catalog, read with the session.
    pub catalog: CatalogAt,
    /// The organization's policy requires a second factor of them and they have none: the
    /// session may only enrol one (read on every request, so a new policy applies at once).
    pub enrolling: bool,
}

/// Who is calling, authenticated: a person by their session, or a service by its key.
pub enum Authenticated {
    Person(Box<Session>),
    /// A key, with its organization's catalog when its look-up read it (not for `SERVICE_TOKEN`).
    Key(IntegrationKey, Option<CatalogAt>),
}

impl Authenticated {
    /// The caller as the core's rules take it.
    pub fn caller(&self) -> Caller {
        match self {
            Authenticated::Person(session) => Caller::Person(session.actor.clone()),
            Authenticated::Key(key, _) => Caller::Key(key.clone()),
        }
    }
}

impl Ctx {
    /// Notes the organization this request acts in (`touched`).
    pub fn touch(&self, org: &livechat_access::OrganizationId) {
        *self.touched.borrow_mut() = Some(org.clone());
    }

    /// A store for reads that may lag a little, from the bookmark the client carried back
    /// (`x-d1-bookmark`), so that it sees at least what it last saw written. The bookmark it
    /// reached goes back in the answer's `x-d1-bookmark` (`api::handle`).
    pub fn lagging(&self) -> Result<Store, ApiError> {
        let bookmark = self.req.headers().get(BOOKMARK_HEADER)?;
        Ok(Store::lagging(&self.env, bookmark.as_deref())?)
    }

    /// The request's origin (`https://host`), for links and CSRF checks.
    pub fn origin(&self) -> Result<String, ApiError> {
        let url = self.req.url()?;
        Ok(url.origin().ascii_serialization())
    }

    fn bearer(&self) -> Option<String> {
        let header = self.req.headers().get("authorization").ok()??;
        header.strip_prefix("Bearer ").map(|t| t.trim().to_owned())
    }

    /// The signed-in user, from a bearer token or the session cookie. Cookie-authenticated
    /// writes must come from this origin (SameSite=Strict already stops most cross-site sends).
    /// The caller's session, when it may do anything: one that must enrol a second factor first
    /// is refused (`second_factor_required`).
    pub async fn session(&self) -> Result<Session, ApiError> {
        let session = self.session_to_enrol().await?;
        if session.enrolling {
            return Err(Code::SecondFactorRequired.into());
        }
        Ok(session)
    }

    /// The caller's session, even one that may only enrol a second factor (the routes that
    /// enrol, sign out and show who is signed in).
    pub async fn session_to_enrol(&self) -> Result<Session, ApiError> {
        let (token, via_cookie) = match self.bearer() {
            // A key where only a person may act: said so, not read as a session that expired.
            Some(token) if token.starts_with(KEY_PREFIX) || self.is_service() => {
                return Err(Code::KeyNotAccepted.into())
            }
            Some(token) => (token, false),
            None => (
                cookie(&self.req, SESSION_COOKIE).ok_or(Code::Unauthenticated)?,
                true,
            ),
        };
        if via_cookie && is_state_changing(&self.req.method()) {
            let origin = self.req.headers().get("origin")?;
            let site = self.req.headers().get("sec-fetch-site")?;
            let same = match origin {
                Some(origin) => origin == self.origin()?,
                None => site.as_deref() != Some("cross-site"),
            };
            if !same {
                return Err(Code::CrossOrigin.into());
            }
        }
        let user = self
            .store
            .session_user(&token_digest(&token), self.now)
            .await?
            .ok_or(Code::Unauthenticated)?;
        let catalog = CatalogAt {
            access_version: user.access_version.unwrap_or_default(),
            ..CatalogAt::parse(
                user.catalog.as_deref().unwrap_or_default(),
                user.catalog_version.unwrap_or_default(),
            )?
        };
        let policy = user
            .second_factor_policy
            .as_deref()
            .and_then(livechat_access::SecondFactorPolicy::parse)
            .unwrap_or_default();
        let actor = user.actor()?;
        let enrolling =
            livechat_access::must_enrol(policy, actor.role, user.has_factor.unwrap_or(0) != 0);
        self.touch(&actor.organization);
        Ok(Session {
            actor,
            catalog,
            user,
            enrolling,
        })
    }

    /// Whether the request carries the deployment's `SERVICE_TOKEN` (compared by digest, so the
    /// comparison time says nothing about the secret).
    fn is_service(&self) -> bool {
        self.bears(&self.config.service_tokens)
    }

    /// The caller, where both people and integration keys may act: a bearer `lca_live_…` is a
    /// key of its organization (its use recorded in the same D1 statement that finds it); the
    /// deployment's `SERVICE_TOKEN`, the default organization's chat-box key; anything else, a
    /// session. A revoked or unknown key is 401, at once.
    pub async fn caller(&self) -> Result<Authenticated, ApiError> {
        if let Some(token) = self.bearer() {
            if token.starts_with(KEY_PREFIX) {
                let (key, catalog) = self
                    .store
                    .use_integration_key(&token_digest(&token), self.now)
                    .await?
                    .ok_or(Code::Unauthenticated)?;
                self.touch(&key.organization);
                return Ok(Authenticated::Key(key, Some(catalog)));
            }
            if self.is_service() {
                return Ok(Authenticated::Key(IntegrationKey::service_token(), None));
            }
        }
        Ok(Authenticated::Person(Box::new(self.session().await?)))
    }

    /// Whether the request carries one of `secrets` as its bearer token (compared by digest;
    /// two during a switch, the new and the old).
    fn bears(&self, secrets: &[String]) -> bool {
        let Some(given) = self.bearer() else {
            return false;
        };
        let given = token_digest(&given);
        secrets.iter().any(|secret| token_digest(secret) == given)
    }

    /// The platform operator, or 401: an organization's session never counts. A token the
    /// core refused as too weak opens nothing: 503 naming it.
    pub fn operator(&self) -> Result<(), ApiError> {
        if let Some(refused) = self.config.refused("OPERATOR_TOKEN") {
            return Err(refused);
        }
        if self.bears(&self.config.operator_tokens) {
            Ok(())
        } else {
            Err(Code::Unauthenticated.into())
        }
    }

    pub async fn body(&mut self) -> Result<serde_json::Value, ApiError> {
        http::read_json(&mut self.req).await
    }

    /// An argon2id PHC string for a new password, with the deployment's cost.
    pub fn hash_password(&self, password: &str) -> Result<String, ApiError> {
        self.config
            .hash_cost
            .hash(password)
            .map_err(ApiError::Internal)
    }

    /// The caller's address as Cloudflare saw it, for per-client brakes.
    pub fn client(&self) -> Result<String, ApiError> {
        Ok(self
            .req
            .headers()
            .get("cf-connecting-ip")?
            .unwrap_or_else(|| "local".into()))
    }

    /// Runs `work` after the response is sent, so that its duration tells the caller nothing.
    pub fn after_response(&self, work: impl std::future::Future<Output = ()> + 'static) {
        if let Some(event) = &self.event {
            event.wait_until(work);
        }
    }

    /// Whether this request asks for row-at-a-time writes (benchmarks only).
    pub fn bench_rows(&self) -> bool {
        self.config.bench_modes
            && self
                .req
                .headers()
                .get("x-bench-writes")
                .ok()
                .flatten()
                .as_deref()
                == Some("rows")
    }

    /// A whole-number query parameter within `range`; anything else is a 422 naming it.
    pub fn query_number<T>(
        &self,
        name: &str,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<Option<T>, ApiError>
    where
        T: std::str::FromStr + PartialOrd + Copy + std::fmt::Display,
    {
        let Some(raw) = self.query(name) else {
            return Ok(None);
        };
        match raw.trim().parse::<T>() {
            Ok(n) if range.contains(&n) => Ok(Some(n)),
            _ => Err(invalid_query(name, &raw)),
        }
    }

    /// A query parameter that must be one of `choices`; anything else is a 422 naming it.
    pub fn query_choice(&self, name: &str, choices: &[&str]) -> Result<Option<String>, ApiError> {
        match self.query(name) {
            Some(raw) if !choices.contains(&raw.as_str()) => Err(invalid_query(name, &raw)),
            value => Ok(value),
        }
    }

    pub fn query(&self, name: &str) -> Option<String> {
        let url = self.req.url().ok()?;
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// A 422 naming a query parameter that is not one of its allowed values.
fn invalid_query(name: &str, raw: &str) -> ApiError {
    ApiError::form(vec![Violation::new(name, Code::FieldInvalid).value(raw)])
}
