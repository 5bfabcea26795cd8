//! The deployment's own settings (`[vars]` and secrets), read by one set of rules wherever they
//! are read: by the Worker once per isolate, by `scripts/run` before it starts anything.
//!
//! A refused setting never takes the deployment down: it is reported by a stable code (never
//! with its value) and replaced by its safe default, or the feature that needs it is switched
//! off, so that everything else keeps working.

use crate::catalog::Catalog;
use crate::credentials::Email;
use crate::error::{Code, Locale, Params};
use crate::user::validate_user;
use serde::Serialize;

/// argon2id's cost: memory in KiB, passes, lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCostSetting {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

/// The settings as the deployment runs with them: refused ones replaced by their default or off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// argon2id's cost for new hashes (OWASP's 19 MiB, 2 passes, 1 lane by default).
    pub hash_cost: HashCostSetting,
    /// How long an invitation link works.
    pub invitation_ttl_hours: u32,
    /// How long a session lasts.
    pub session_ttl_hours: u32,
    /// How many times an email is tried.
    pub mail_attempts: u32,
    /// The first retry's delay (doubled each time).
    pub mail_retry_seconds: u32,
    /// The sender's address, when it is one.
    pub mail_from: Option<Email>,
    /// The platform operator's tokens: one, or two during a switch (`new,old`); none when
    /// missing or when one is too weak.
    pub operator_tokens: Vec<String>,
    /// The chat box's tokens, likewise.
    pub service_tokens: Vec<String>,
    /// The keys sealing authenticator-app secrets, newest (the one that seals) first, each with
    /// its id; empty when missing or malformed.
    pub factor_keys: Vec<FactorKey>,
    /// The keys signing identity tokens (`IDENTITY_KEYS`): the first marked `signs` signs, every
    /// one is published; empty when missing or malformed.
    pub identity_keys: Vec<IdentityKey>,
    /// How long an identity token lives, in seconds.
    pub identity_token_ttl_seconds: u32,
    /// How long an agent stays online after their last live connection closed, in seconds
    /// (a closed socket is not "online" forever; a reload reconnects well within it).
    pub live_away_after_seconds: u32,
    /// How long an owed message (an email, soon an event) may go unanswered before the scheduled
    /// sweep puts it on the queue again, in seconds.
    pub outbox_sweep_seconds: u32,
    /// A failed webhook delivery's first retry delay (doubled each time, a day at most), in seconds.
    pub webhook_retry_seconds: u32,
    /// How long an endpoint may fail without a success before it is disabled and its
    /// organization's admins are told, in seconds (3 days).
    pub webhook_disable_after_seconds: u32,
    /// How long a receiver has to answer, in seconds.
    pub webhook_timeout_seconds: u32,
    /// Where delivery asks DNS what an endpoint's name points to (DNS over HTTPS, JSON).
    pub webhook_dns_resolver: String,
    /// Endpoints on loopback (`http://127.0.0.1:…`) are allowed (`WEBHOOK_ALLOW_LOOPBACK=1`):
    /// local development and tests only.
    pub webhook_allow_loopback: bool,
    /// How long a provider's signing keys are trusted before they are fetched again, in seconds
    /// (a key unknown to the cache is fetched at once; a key the provider removed is trusted at
    /// most this long after).
    pub sso_jwks_seconds: u32,
    /// Identity providers on loopback (`http://127.0.0.1:…`) are allowed (`SSO_ALLOW_LOOPBACK=1`):
    /// local development and tests only.
    pub sso_allow_loopback: bool,
    /// The first admin of the default organization, when the add-user rules accept it.
    pub bootstrap: Option<(String, String)>,
    /// Benchmarks' request modes (`BENCH_MODES=1`).
    pub bench_modes: bool,
    /// Requests from loopback may set the clock (`TEST_CLOCK=1`): end-to-end tests only.
    pub test_clock: bool,
}

/// One key of the `FACTOR_KEY` keyring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactorKey {
    /// Its id, written before every secret it seals (`k2.…`); a key given without one is `v1`,
    /// the id every secret sealed before keyrings carries.
    pub id: String,
    /// base64url of its 32 bytes.
    pub key: String,
}

/// One key of the `IDENTITY_KEYS` keyring (ES256 private keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityKey {
    /// Its id, the tokens' `kid`.
    pub id: String,
    /// base64url of its 32-byte P-256 scalar.
    pub key: String,
    /// Whether it signs; `false` for a key published ahead of use (`+id:key`) or kept for the
    /// tokens it signed until they expire.
    pub signs: bool,
}

/// Cloudflare's DNS over HTTPS (JSON API): what delivery asks unless `WEBHOOK_DNS_RESOLVER` says.
pub const DEFAULT_DNS_RESOLVER: &str = "https://cloudflare-dns.com/dns-query";

/// The id of a key given without one.
pub const LEGACY_KEY_ID: &str = "v1";
/// Two values at most during a switch: the new one and the old one.
pub const MAX_TOKENS: usize = 2;

/// What is wrong with one setting. Never carries the setting's value: secrets live there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingProblem {
    /// The variable's name (`BOOTSTRAP_ADMIN_PASSWORD`).
    pub setting: &'static str,
    /// What is wrong.
    pub code: Code,
    /// The form rule behind it, when a form refused it (`password_contains_email`).
    pub rule: Option<Code>,
    /// What the message mentions (bounds).
    pub params: Params,
}

impl SettingProblem {
    fn new(setting: &'static str, code: Code) -> Self {
        SettingProblem {
            setting,
            code,
            rule: None,
            params: Params::default(),
        }
    }

    fn between(mut self, min: usize, max: usize) -> Self {
        self.params.min = Some(min);
        self.params.max = Some(max);
        self
    }

    /// The wire form, with its message in `locale`.
    pub fn localize(&self, locale: Locale) -> SettingError {
        let mut params = self.params.clone();
        if let Some(rule) = self.rule {
            params.value = Some(rule.as_str().to_owned());
        }
        SettingError {
            setting: self.setting.to_owned(),
            code: self.code,
            rule: self.rule,
            message: self.code.message(locale, &params),
        }
    }
}

/// A setting's problem as the operator sees it (`GET /health`, `scripts/run`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SettingError {
    /// The variable's name.
    pub setting: String,
    /// What is wrong (stable).
    pub code: Code,
    /// The form rule behind it, when a form refused it.
    pub rule: Option<Code>,
    /// Why, in the requested language; never the value.
    pub message: String,
}

/// The settings read, with what is wrong and what only deserves a look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsReport {
    /// What the deployment runs with.
    pub settings: Settings,
    /// Refused settings: the deployment is not healthy until they are fixed.
    pub problems: Vec<SettingProblem>,
    /// Settings that work but must never reach production as they are.
    pub warnings: Vec<SettingProblem>,
}

impl SettingsReport {
    /// Whether the bootstrap admin was given and refused.
    pub fn bootstrap_refused(&self) -> bool {
        self.problems
            .iter()
            .any(|p| p.code == Code::BootstrapAdminRefused)
    }
}

/// The shortest secret token accepted (a base64url of 24 random bytes is 32 characters).
pub const MIN_SECRET_CHARS: usize = 32;
/// A secret must not be a repetition of a few characters.
const MIN_DISTINCT_SECRET_CHARS: usize = 10;
/// OWASP's floor for argon2id: memory × passes (7 MiB × 5 is the cheapest of its profiles).
pub const MIN_HASH_WORK_KIB: u64 = 7168 * 5;

const DEFAULT_HASH_COST: HashCostSetting = HashCostSetting {
    m_kib: 19_456,
    t: 2,
    p: 1,
};

/// Every setting this module reads, for tools that list them.
pub const SETTING_NAMES: &[&str] = &[
    "ARGON2_M_KIB",
    "ARGON2_T",
    "ARGON2_P",
    "INVITATION_TTL_HOURS",
    "SESSION_TTL_HOURS",
    "MAIL_ATTEMPTS",
    "MAIL_RETRY_SECONDS",
    "MAIL_FROM",
    "OPERATOR_TOKEN",
    "SERVICE_TOKEN",
    "FACTOR_KEY",
    "IDENTITY_KEYS",
    "IDENTITY_TOKEN_TTL_SECONDS",
    "LIVE_AWAY_AFTER_SECONDS",
    "OUTBOX_SWEEP_SECONDS",
    "WEBHOOK_RETRY_SECONDS",
    "WEBHOOK_DISABLE_AFTER_SECONDS",
    "WEBHOOK_TIMEOUT_SECONDS",
    "WEBHOOK_DNS_RESOLVER",
    "WEBHOOK_ALLOW_LOOPBACK",
    "SSO_JWKS_SECONDS",
    "SSO_ALLOW_LOOPBACK",
    "BOOTSTRAP_ADMIN_EMAIL",
    "BOOTSTRAP_ADMIN_PASSWORD",
    "BENCH_MODES",
    "TEST_CLOCK",
];

/// Reads the deployment's settings through `get` (a variable's text, `None` when unset or blank).
pub fn read_settings(get: &dyn Fn(&str) -> Option<String>) -> SettingsReport {
    let get = |name: &str| get(name).filter(|v| !v.trim().is_empty());
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut number = |name: &'static str, default: u32, min: u32, max: u32| -> u32 {
        let Some(text) = get(name) else {
            return default;
        };
        match text.trim().parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                problems.push(
                    SettingProblem::new(name, Code::SettingOutOfRange)
                        .between(min as usize, max as usize),
                );
                default
            }
        }
    };
    // Workers get 128 MB an isolate: 64 MiB of argon2 memory is the most one may spend.
    let mut hash_cost = HashCostSetting {
        m_kib: number("ARGON2_M_KIB", DEFAULT_HASH_COST.m_kib, 7168, 65_536),
        t: number("ARGON2_T", DEFAULT_HASH_COST.t, 1, 10),
        p: number("ARGON2_P", DEFAULT_HASH_COST.p, 1, 4),
    };
    let invitation_ttl_hours = number("INVITATION_TTL_HOURS", 7 * 24, 1, 30 * 24);
    let session_ttl_hours = number("SESSION_TTL_HOURS", 12, 1, 30 * 24);
    let mail_attempts = number("MAIL_ATTEMPTS", 4, 1, 20);
    let mail_retry_seconds = number("MAIL_RETRY_SECONDS", 30, 1, 3600);
    let identity_token_ttl_seconds = number("IDENTITY_TOKEN_TTL_SECONDS", 300, 60, 3600);
    let live_away_after_seconds = number("LIVE_AWAY_AFTER_SECONDS", 60, 1, 3600);
    let outbox_sweep_seconds = number("OUTBOX_SWEEP_SECONDS", 120, 1, 3600);
    let webhook_retry_seconds = number(
        "WEBHOOK_RETRY_SECONDS",
        crate::webhooks::WEBHOOK_FIRST_RETRY_S,
        1,
        3600,
    );
    let webhook_disable_after_seconds = number(
        "WEBHOOK_DISABLE_AFTER_SECONDS",
        3 * 24 * 3600,
        1,
        30 * 24 * 3600,
    );
    let webhook_timeout_seconds = number("WEBHOOK_TIMEOUT_SECONDS", 10, 1, 30);
    let sso_jwks_seconds = number("SSO_JWKS_SECONDS", 900, 60, 24 * 3600);
    if u64::from(hash_cost.m_kib) * u64::from(hash_cost.t) < MIN_HASH_WORK_KIB {
        let mut problem = SettingProblem::new("ARGON2_T", Code::HashCostTooLow);
        problem.params.min = Some(MIN_HASH_WORK_KIB as usize);
        problems.push(problem);
        hash_cost = DEFAULT_HASH_COST;
    }

    let mail_from = match get("MAIL_FROM") {
        None => {
            problems.push(SettingProblem::new("MAIL_FROM", Code::SettingMissing));
            None
        }
        Some(text) => {
            let email = Email::parse(&text);
            if email.is_none() {
                problems.push(SettingProblem::new("MAIL_FROM", Code::EmailInvalid));
            }
            email
        }
    };

    // A token, or two during a switch (`new,old`): every one strong, or none is used.
    let mut tokens = |name: &'static str| -> Vec<String> {
        let Some(text) = get(name) else {
            return Vec::new();
        };
        let values: Vec<String> = text.split(',').map(|v| v.trim().to_owned()).collect();
        if values.len() <= MAX_TOKENS && values.iter().all(|v| strong_secret(v)) {
            values
        } else {
            let mut problem = SettingProblem::new(name, Code::SecretTooWeak);
            problem.params.min = Some(MIN_SECRET_CHARS);
            problems.push(problem);
            Vec::new()
        }
    };
    let operator_tokens = tokens("OPERATOR_TOKEN");
    let service_tokens = tokens("SERVICE_TOKEN");
    if !service_tokens.is_empty() {
        warnings.push(SettingProblem::new(
            "SERVICE_TOKEN",
            Code::ServiceTokenDeprecated,
        ));
    }

    let factor_keys = match get("FACTOR_KEY") {
        None => {
            problems.push(SettingProblem::new("FACTOR_KEY", Code::SettingMissing));
            Vec::new()
        }
        Some(text) => match keyring(&text) {
            Some(keys) => keys,
            None => {
                problems.push(SettingProblem::new("FACTOR_KEY", Code::FactorKeyInvalid));
                Vec::new()
            }
        },
    };
    let identity_keys = match get("IDENTITY_KEYS") {
        None => {
            problems.push(SettingProblem::new("IDENTITY_KEYS", Code::SettingMissing));
            Vec::new()
        }
        Some(text) => match identity_keyring(&text) {
            Some(keys) => keys,
            None => {
                problems.push(SettingProblem::new(
                    "IDENTITY_KEYS",
                    Code::IdentityKeyInvalid,
                ));
                Vec::new()
            }
        },
    };
    if factor_keys.len() > 1 {
        warnings.push(SettingProblem::new("FACTOR_KEY", Code::FactorKeysRotating));
    }

    let bootstrap = match (
        get("BOOTSTRAP_ADMIN_EMAIL"),
        get("BOOTSTRAP_ADMIN_PASSWORD"),
    ) {
        (None, None) => None,
        (Some(_), None) => {
            problems.push(SettingProblem::new(
                "BOOTSTRAP_ADMIN_PASSWORD",
                Code::SettingMissing,
            ));
            None
        }
        (None, Some(_)) => {
            problems.push(SettingProblem::new(
                "BOOTSTRAP_ADMIN_EMAIL",
                Code::SettingMissing,
            ));
            None
        }
        (Some(email), Some(password)) => {
            // The same form an admin fills in, against a new organization's catalog.
            let form = serde_json::json!({"email": email, "password": password, "role": "admin"});
            match validate_user(&form, &Catalog::default()) {
                Ok(_) => Some((email, password)),
                Err(violations) => {
                    problems.extend(violations.iter().map(|v| SettingProblem {
                        setting: if v.field == "email" {
                            "BOOTSTRAP_ADMIN_EMAIL"
                        } else {
                            "BOOTSTRAP_ADMIN_PASSWORD"
                        },
                        code: Code::BootstrapAdminRefused,
                        rule: Some(v.code),
                        params: Params::default(),
                    }));
                    None
                }
            }
        }
    };

    let flag = |name: &str| get(name).is_some_and(|v| v.trim() == "1");
    let bench_modes = flag("BENCH_MODES");
    if bench_modes {
        warnings.push(SettingProblem::new("BENCH_MODES", Code::BenchModesOn));
    }
    let test_clock = flag("TEST_CLOCK");
    if test_clock {
        warnings.push(SettingProblem::new("TEST_CLOCK", Code::TestClockOn));
    }
    let webhook_allow_loopback = flag("WEBHOOK_ALLOW_LOOPBACK");
    if webhook_allow_loopback {
        warnings.push(SettingProblem::new(
            "WEBHOOK_ALLOW_LOOPBACK",
            Code::WebhookLoopbackOn,
        ));
    }
    let sso_allow_loopback = flag("SSO_ALLOW_LOOPBACK");
    if sso_allow_loopback {
        warnings.push(SettingProblem::new(
            "SSO_ALLOW_LOOPBACK",
            Code::SsoLoopbackOn,
        ));
    }
    let webhook_dns_resolver = match get("WEBHOOK_DNS_RESOLVER") {
        None => DEFAULT_DNS_RESOLVER.to_owned(),
        Some(url) => match crate::webhooks::url_refusal(url.trim(), webhook_allow_loopback) {
            None => url.trim().to_owned(),
            Some(code) => {
                problems.push(SettingProblem::new("WEBHOOK_DNS_RESOLVER", code));
                DEFAULT_DNS_RESOLVER.to_owned()
            }
        },
    };

    SettingsReport {
        settings: Settings {
            hash_cost,
            invitation_ttl_hours,
            session_ttl_hours,
            mail_attempts,
            mail_retry_seconds,
            mail_from,
            operator_tokens,
            service_tokens,
            factor_keys,
            identity_keys,
            identity_token_ttl_seconds,
            live_away_after_seconds,
            outbox_sweep_seconds,
            webhook_retry_seconds,
            webhook_disable_after_seconds,
            webhook_timeout_seconds,
            webhook_dns_resolver,
            webhook_allow_loopback,
            sso_jwks_seconds,
            sso_allow_loopback,
            bootstrap,
            bench_modes,
            test_clock,
        },
        problems,
        warnings,
    }
}

/// `FACTOR_KEY` read as a keyring: `id:key` entries separated by commas, the newest first; a
/// key without an id is the legacy `v1`. Ids are 1–16 of `A-Z a-z 0-9 _ -`, each once.
fn keyring(text: &str) -> Option<Vec<FactorKey>> {
    let mut keys: Vec<FactorKey> = Vec::new();
    for entry in text.split(',') {
        let (id, key) = entry
            .trim()
            .split_once(':')
            .unwrap_or((LEGACY_KEY_ID, entry.trim()));
        if !keyring_entry(id, key, keys.iter().map(|k| k.id.as_str())) {
            return None;
        }
        keys.push(FactorKey {
            id: id.to_owned(),
            key: key.to_owned(),
        });
    }
    Some(keys)
}

/// Whether `id:key` is a keyring entry: an id of 1–16 of `A-Z a-z 0-9 _ -` not among `taken`,
/// and 32 bytes in base64url.
fn keyring_entry<'a>(id: &str, key: &str, mut taken: impl Iterator<Item = &'a str>) -> bool {
    let id_ok = (1..=16).contains(&id.len())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    id_ok && is_key_of_32_bytes(key) && !taken.any(|t| t == id)
}

/// `IDENTITY_KEYS` read as a keyring: `id:key` entries separated by commas; `+id:key` is
/// published but does not sign yet (the next key, announced before use); of the others, the
/// first signs and the rest stay published until the tokens they signed expire. One must sign.
fn identity_keyring(text: &str) -> Option<Vec<IdentityKey>> {
    let mut keys: Vec<IdentityKey> = Vec::new();
    for entry in text.split(',') {
        let entry = entry.trim();
        let (ahead, entry) = match entry.strip_prefix('+') {
            Some(rest) => (true, rest),
            None => (false, entry),
        };
        let (id, key) = entry.split_once(':')?;
        if !keyring_entry(id, key, keys.iter().map(|k| k.id.as_str())) {
            return None;
        }
        let signs = !ahead && !keys.iter().any(|k| k.signs);
        keys.push(IdentityKey {
            id: id.to_owned(),
            key: key.to_owned(),
            signs,
        });
    }
    keys.iter().any(|k| k.signs).then_some(keys)
}

/// Long enough and not a repetition of a few characters.
fn strong_secret(text: &str) -> bool {
    let distinct: crate::SortedSet<char> = text.chars().collect();
    text.chars().count() >= MIN_SECRET_CHARS && distinct.len() >= MIN_DISTINCT_SECRET_CHARS
}

/// Whether `text` is base64url (padded or not) of exactly 32 bytes: 43 characters, the last
/// one carrying 4 bits and two zero bits, as a strict decoder requires.
fn is_key_of_32_bytes(text: &str) -> bool {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let text = text.trim_end_matches('=');
    let Some(last) = text.chars().last() else {
        return false;
    };
    text.chars().count() == 43
        && text.chars().all(|c| ALPHABET.contains(c))
        && ALPHABET.find(last).is_some_and(|i| i % 4 == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    const KEY: &str = "q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0VnE";
    const TOKEN: &str = "0123456789abcdefghijklmnopqrstuvwxyz";

    fn read(pairs: &[(&str, &str)]) -> SettingsReport {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        read_settings(&|name| map.get(name).cloned())
    }

    fn good() -> Vec<(&'static str, &'static str)> {
        vec![
            ("MAIL_FROM", "no-reply@example.com"),
            ("FACTOR_KEY", KEY),
            (
                "IDENTITY_KEYS",
                "id1:q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0VnE",
            ),
            ("OPERATOR_TOKEN", TOKEN),
            ("BOOTSTRAP_ADMIN_EMAIL", "root@example.com"),
            ("BOOTSTRAP_ADMIN_PASSWORD", "correct horse battery staple"),
        ]
    }

    fn codes(report: &SettingsReport) -> Vec<(&str, &str, Option<&str>)> {
        report
            .problems
            .iter()
            .map(|p| (p.setting, p.code.as_str(), p.rule.map(Code::as_str)))
            .collect()
    }

    #[test]
    fn a_complete_deployment_has_no_problem_and_keeps_what_it_was_given() {
        let report = read(&good());
        assert_eq!(codes(&report), []);
        assert!(report.warnings.is_empty());
        let s = report.settings;
        assert_eq!(s.hash_cost, DEFAULT_HASH_COST);
        assert_eq!((s.invitation_ttl_hours, s.session_ttl_hours), (168, 12));
        assert_eq!(s.operator_tokens, [TOKEN]);
        assert_eq!(
            s.factor_keys,
            [FactorKey {
                id: "v1".into(),
                key: KEY.into()
            }]
        );
        assert_eq!(
            s.bootstrap,
            Some((
                "root@example.com".into(),
                "correct horse battery staple".into()
            ))
        );
    }

    #[test]
    fn identity_keys_publish_the_next_key_before_it_signs() {
        const K2: &str = "AAAAEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0VnE";
        let keys = |text: &str| {
            let mut pairs = good();
            pairs.retain(|(k, _)| *k != "IDENTITY_KEYS");
            pairs.push(("IDENTITY_KEYS", text));
            let report = read(&pairs);
            let signs: Vec<(String, bool)> = report
                .settings
                .identity_keys
                .iter()
                .map(|k| (k.id.clone(), k.signs))
                .collect();
            let problems: Vec<String> = codes(&report)
                .iter()
                .map(|(s, c, _)| format!("{s} {c}"))
                .collect();
            (signs, problems)
        };
        let announced = keys(&format!("+k2:{K2},k1:{KEY}"));
        assert_eq!(announced.0, [("k2".into(), false), ("k1".into(), true)]);
        let switched = keys(&format!("k2:{K2},k1:{KEY}"));
        assert_eq!(switched.0, [("k2".into(), true), ("k1".into(), false)]);
        for bad in [
            format!("+k1:{KEY}"),
            KEY.to_owned(),
            format!("k1:{KEY},k1:{K2}"),
            format!("k1:{}", &KEY[1..]),
        ] {
            assert_eq!(
                keys(&bad).1,
                ["IDENTITY_KEYS identity_key_invalid"],
                "{bad}"
            );
        }
        let mut pairs = good();
        pairs.retain(|(k, _)| *k != "IDENTITY_KEYS");
        assert_eq!(
            codes(&read(&pairs)),
            [("IDENTITY_KEYS", "setting_missing", None)]
        );
    }

    #[test]
    fn a_service_token_still_set_works_and_asks_to_be_replaced() {
        let mut pairs = good();
        pairs.push(("SERVICE_TOKEN", TOKEN));
        let report = read(&pairs);
        assert_eq!(report.settings.service_tokens, [TOKEN]);
        let warned: Vec<_> = report
            .warnings
            .iter()
            .map(|w| (w.setting, w.code))
            .collect();
        assert_eq!(warned, [("SERVICE_TOKEN", Code::ServiceTokenDeprecated)]);
    }

    #[test]
    fn a_bootstrap_password_the_form_refuses_is_named_with_its_rule_and_never_used() {
        let mut pairs = good();
        pairs.retain(|(k, _)| *k != "BOOTSTRAP_ADMIN_PASSWORD");
        pairs.push(("BOOTSTRAP_ADMIN_PASSWORD", "root-root-root-root"));
        let report = read(&pairs);
        assert_eq!(
            codes(&report),
            [(
                "BOOTSTRAP_ADMIN_PASSWORD",
                "bootstrap_admin_refused",
                Some("password_contains_email")
            )]
        );
        assert!(report.bootstrap_refused());
        assert_eq!(report.settings.bootstrap, None);
        let wire = report.problems[0].localize(Locale::En);
        assert!(wire.message.contains("password_contains_email"));
        assert!(!wire.message.contains("root-root"), "never the value");
    }

    #[test]
    fn numbers_out_of_range_fall_back_to_their_default() {
        let mut pairs = good();
        pairs.extend([
            ("ARGON2_M_KIB", "lots"),
            ("SESSION_TTL_HOURS", "0"),
            ("INVITATION_TTL_HOURS", "24"),
        ]);
        let report = read(&pairs);
        assert_eq!(
            codes(&report),
            [
                ("ARGON2_M_KIB", "setting_out_of_range", None),
                ("SESSION_TTL_HOURS", "setting_out_of_range", None)
            ]
        );
        assert_eq!(report.settings.hash_cost.m_kib, 19_456);
        assert_eq!(report.settings.session_ttl_hours, 12);
        assert_eq!(report.settings.invitation_ttl_hours, 24);
        assert_eq!(
            report.problems[0].localize(Locale::Fr).message,
            "Un nombre entier entre 7168 et 65536"
        );
    }

    #[test]
    fn a_hash_cost_under_owasp_floor_is_refused_whole() {
        let mut pairs = good();
        pairs.extend([("ARGON2_M_KIB", "7168"), ("ARGON2_T", "1")]);
        let report = read(&pairs);
        assert_eq!(codes(&report), [("ARGON2_T", "hash_cost_too_low", None)]);
        assert_eq!(report.settings.hash_cost, DEFAULT_HASH_COST);
        let mut pairs = good();
        pairs.extend([("ARGON2_M_KIB", "12288"), ("ARGON2_T", "3")]);
        assert_eq!(codes(&read(&pairs)), []);
    }

    #[test]
    fn weak_or_malformed_secrets_are_switched_off() {
        let mut pairs = good();
        pairs.retain(|(k, _)| !["OPERATOR_TOKEN", "FACTOR_KEY"].contains(k));
        pairs.extend([
            ("OPERATOR_TOKEN", "short"),
            ("SERVICE_TOKEN", "abababababababababababababababababab"),
            ("FACTOR_KEY", "not-a-key"),
        ]);
        let report = read(&pairs);
        assert_eq!(
            codes(&report),
            [
                ("OPERATOR_TOKEN", "secret_too_weak", None),
                ("SERVICE_TOKEN", "secret_too_weak", None),
                ("FACTOR_KEY", "factor_key_invalid", None)
            ]
        );
        let s = report.settings;
        assert!(s.operator_tokens.is_empty() && s.service_tokens.is_empty());
        assert!(s.factor_keys.is_empty());
    }

    #[test]
    fn keyrings_and_token_pairs_for_rotation() {
        const NEXT: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
        let mut pairs = good();
        pairs.retain(|(k, _)| !["OPERATOR_TOKEN", "FACTOR_KEY"].contains(k));
        let ring = format!("k2:{NEXT}, {KEY}");
        let tokens = format!("{TOKEN},abcdefghijklmnopqrstuvwxyz0123456789");
        pairs.extend([
            ("FACTOR_KEY", ring.as_str()),
            ("OPERATOR_TOKEN", tokens.as_str()),
        ]);
        let report = read(&pairs);
        assert_eq!(codes(&report), []);
        let ids: Vec<_> = report
            .settings
            .factor_keys
            .iter()
            .map(|k| k.id.as_str())
            .collect();
        assert_eq!(
            ids,
            ["k2", "v1"],
            "newest first; a bare key is the legacy v1"
        );
        assert_eq!(report.settings.operator_tokens.len(), 2);
        let warned: Vec<_> = report.warnings.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(warned, ["factor_keys_rotating"]);
        for bad in [
            format!("k2:{NEXT},k2:{KEY}"),
            format!("{NEXT},{KEY}"),
            format!("bad id:{KEY}"),
            format!("k2:{NEXT},"),
            format!("{}:{KEY}", "x".repeat(17)),
        ] {
            assert_eq!(keyring(&bad), None, "{bad}");
        }
        let three = format!("{TOKEN},{TOKEN}x,{TOKEN}y");
        let mut pairs = good();
        pairs.push(("SERVICE_TOKEN", three.as_str()));
        assert_eq!(
            codes(&read(&pairs)),
            [("SERVICE_TOKEN", "secret_too_weak", None)]
        );
    }

    #[test]
    fn factor_keys_are_exactly_32_bytes_of_base64url() {
        assert!(is_key_of_32_bytes(KEY));
        assert!(is_key_of_32_bytes(&format!("{KEY}=")));
        // 43 characters whose last one has bits a strict decoder refuses.
        assert!(!is_key_of_32_bytes(&format!("{}F", &KEY[..42])));
        assert!(!is_key_of_32_bytes(&KEY[..42]));
        assert!(!is_key_of_32_bytes(&format!("{}+", &KEY[..42])));
        assert!(!is_key_of_32_bytes(""));
    }

    #[test]
    fn missing_halves_and_the_required_settings_are_named() {
        let report = read(&[("BOOTSTRAP_ADMIN_EMAIL", "root@example.com")]);
        assert_eq!(
            codes(&report),
            [
                ("MAIL_FROM", "setting_missing", None),
                ("FACTOR_KEY", "setting_missing", None),
                ("IDENTITY_KEYS", "setting_missing", None),
                ("BOOTSTRAP_ADMIN_PASSWORD", "setting_missing", None)
            ]
        );
    }

    #[test]
    fn test_only_switches_are_warnings() {
        let mut pairs = good();
        pairs.extend([("TEST_CLOCK", "1"), ("BENCH_MODES", "1")]);
        let report = read(&pairs);
        assert_eq!(codes(&report), []);
        let warned: Vec<_> = report.warnings.iter().map(|w| w.code.as_str()).collect();
        assert_eq!(warned, ["bench_modes_on", "test_clock_on"]);
        assert!(report.settings.test_clock && report.settings.bench_modes);
    }
}
