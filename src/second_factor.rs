//! The second factor (OWASP ASVS 5.0 §6.3.3): who an organization's policy requires one of, what
//! a sign-in leads to once the password is right, which factor changes are allowed, and the
//! one-time use of authenticator-app (TOTP, RFC 6238) codes. The cryptography (HMAC, WebAuthn
//! signatures) is the Worker's; the rules are here, once.

use crate::access::Role;
use crate::error::{Code, Violation};
use crate::input::{keys_of, object};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who must have a second factor in an organization (`PUT /organization/security`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SecondFactorPolicy {
    /// Whoever wants one.
    #[default]
    Optional,
    /// Admins.
    Admins,
    /// Managers and admins.
    Managers,
    /// Everyone.
    Everyone,
}

impl SecondFactorPolicy {
    /// Every policy, weakest first.
    pub const ALL: [SecondFactorPolicy; 4] = [
        SecondFactorPolicy::Optional,
        SecondFactorPolicy::Admins,
        SecondFactorPolicy::Managers,
        SecondFactorPolicy::Everyone,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SecondFactorPolicy::Optional => "optional",
            SecondFactorPolicy::Admins => "admins",
            SecondFactorPolicy::Managers => "managers",
            SecondFactorPolicy::Everyone => "everyone",
        }
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Whether someone of `role` must have a second factor.
    pub fn requires(self, role: Role) -> bool {
        match self {
            SecondFactorPolicy::Optional => false,
            SecondFactorPolicy::Admins => role == Role::Admin,
            SecondFactorPolicy::Managers => role >= Role::Manager,
            SecondFactorPolicy::Everyone => true,
        }
    }
}

/// The second factors a person has. Recovery codes are a way back in, not a factor of their own:
/// they come with the first factor and go with the last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Factors {
    /// An authenticator app, confirmed.
    pub totp: bool,
    /// Passkeys registered.
    pub passkeys: u32,
}

impl Factors {
    /// Whether they have any.
    pub fn any(self) -> bool {
        self.totp || self.passkeys > 0
    }

    /// The methods the second step offers them: their app, their passkeys, and a recovery code,
    /// which always works while any is left.
    pub fn methods(self) -> Vec<SecondFactorMethod> {
        let mut methods = Vec::with_capacity(3);
        if self.totp {
            methods.push(SecondFactorMethod::Totp);
        }
        if self.passkeys > 0 {
            methods.push(SecondFactorMethod::Passkey);
        }
        methods.push(SecondFactorMethod::Recovery);
        methods
    }
}

/// What a right password leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterPassword {
    /// A session: no factor, none required.
    Session,
    /// A short-lived, single-purpose challenge for the second step; never a session.
    SecondFactor,
    /// A session that may only enrol a factor: the policy requires one and they have none.
    Enrolment,
}

/// What a right password leads to for someone of `role` with `factors`, under `policy`. Whoever
/// has a factor uses it, required or not.
pub fn after_password(policy: SecondFactorPolicy, role: Role, factors: Factors) -> AfterPassword {
    if factors.any() {
        AfterPassword::SecondFactor
    } else if must_enrol(policy, role, false) {
        AfterPassword::Enrolment
    } else {
        AfterPassword::Session
    }
}

/// Whether a session may only enrol a factor: the policy requires one of its person, who has
/// none. Read on every request, so that a new policy applies from the next one.
pub fn must_enrol(policy: SecondFactorPolicy, role: Role, has_factor: bool) -> bool {
    policy.requires(role) && !has_factor
}

/// Whether someone may be left with `after` once a factor is removed: not with none under a
/// policy that requires one (`second_factor_required`).
pub fn may_remove_factor(
    policy: SecondFactorPolicy,
    role: Role,
    after: Factors,
) -> Result<(), Code> {
    if after.any() || !policy.requires(role) {
        Ok(())
    } else {
        Err(Code::SecondFactorRequired)
    }
}

/// The time step of an authenticator-app code (RFC 6238: 30 s).
pub const TOTP_STEP_S: u64 = 30;
/// Steps of clock drift accepted either side.
pub const TOTP_DRIFT: u16 = 1;
/// Digits of a code.
pub const TOTP_DIGITS: u8 = 6;

/// Accepts the step a code matched (`None`: it matched none) when it comes after the last one
/// used: every code works once, and so does every earlier one (a code seen on a shoulder or in a
/// log is dead as soon as a later one is used).
pub fn accept_totp_step(matched: Option<i64>, last_used: Option<i64>) -> Result<i64, Code> {
    match matched {
        Some(step) if last_used.is_none_or(|last| step > last) => Ok(step),
        _ => Err(Code::SecondFactorInvalid),
    }
}

/// Whether a passkey's signature counter moved on from the one stored: a clone of the
/// authenticator, or a replayed assertion, shows one that did not. Both zero is an authenticator
/// that keeps no counter (WebAuthn §6.1.1), accepted.
pub fn passkey_counter_moved_on(stored: i64, received: i64) -> bool {
    (stored == 0 && received == 0) || received > stored
}

/// Recovery codes given at once.
pub const RECOVERY_CODES: usize = 10;

/// A recovery code as typed: its letters and digits, upper-cased (spaces and dashes dropped), so
/// `abcd-efgh-…` and `ABCDEFGH…` are one code.
pub fn normalize_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The organization's security settings (`PUT /organization/security`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecurityInput {
    /// Who must have a second factor.
    pub second_factor: SecondFactorPolicy,
}

/// Validates the security settings form.
pub fn validate_security(input: &Value) -> Result<SecondFactorPolicy, Vec<Violation>> {
    let mut errors = Vec::new();
    let policy = object(input, "", keys_of::<SecurityInput>(), &mut errors).and_then(|obj| {
        let name = obj.required_string("secondFactor", &mut errors)?;
        let policy = SecondFactorPolicy::parse(name);
        if policy.is_none() {
            errors.push(Violation::new("secondFactor", Code::FieldInvalid).value(name));
        }
        policy
    });
    match policy {
        Some(policy) if errors.is_empty() => Ok(policy),
        _ => Err(errors),
    }
}

/// How the second step proves the person (`POST /session/second-factor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SecondFactorMethod {
    /// A code of their authenticator app.
    Totp,
    /// One of their recovery codes.
    Recovery,
    /// A passkey's assertion.
    Passkey,
}

impl SecondFactorMethod {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SecondFactorMethod::Totp => "totp",
            SecondFactorMethod::Recovery => "recovery",
            SecondFactorMethod::Passkey => "passkey",
        }
    }
}

/// The second step of a sign-in.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecondFactorInput {
    /// The challenge the password step answered.
    pub challenge: String,
    /// Which factor.
    pub method: SecondFactorMethod,
    /// The code (authenticator app or recovery).
    #[serde(default)]
    pub code: Option<String>,
    /// The passkey's assertion, as the browser gives it (`PublicKeyCredential.toJSON()`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    #[cfg_attr(feature = "wasm", tsify(type = "Record<string, unknown> | null"))]
    pub credential: Option<Value>,
}

/// A second step, read.
#[derive(Debug, Clone, PartialEq)]
pub struct SecondFactorAttempt {
    /// The challenge's token.
    pub challenge: String,
    /// What proves the person.
    pub proof: Proof,
}

/// What a second step proves the person with.
#[derive(Debug, Clone, PartialEq)]
pub enum Proof {
    /// Six digits of their authenticator app.
    Totp(String),
    /// A recovery code, normalized.
    Recovery(String),
    /// A passkey's assertion (checked by the Worker's WebAuthn verifier).
    Passkey(Value),
}

/// Validates a second step: a challenge, and the proof its method names (six digits for an app's
/// code, a code of the recovery alphabet, a passkey's assertion object).
pub fn validate_second_factor(input: &Value) -> Result<SecondFactorAttempt, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<SecondFactorInput>(), &mut errors) else {
        return Err(errors);
    };
    let challenge = obj.required_text("challenge", 100, &mut errors);
    let method = obj.required_string("method", &mut errors).and_then(|m| {
        let method = serde_json::from_value::<SecondFactorMethod>(Value::String(m.to_owned())).ok();
        if method.is_none() {
            errors.push(Violation::new("method", Code::FieldInvalid).value(m));
        }
        method
    });
    let code = |errors: &mut Vec<Violation>| obj.required_text("code", 64, errors);
    let proof = match method {
        Some(SecondFactorMethod::Totp) => code(&mut errors)
            .and_then(|c| totp_code(&c, &mut errors))
            .map(Proof::Totp),
        Some(SecondFactorMethod::Recovery) => {
            code(&mut errors).map(|c| Proof::Recovery(normalize_recovery_code(&c)))
        }
        Some(SecondFactorMethod::Passkey) => match obj.raw("credential") {
            Some(credential @ Value::Object(_)) => Some(Proof::Passkey(credential.clone())),
            _ => {
                errors.push(Violation::new("credential", Code::FieldRequired));
                None
            }
        },
        None => None,
    };
    match (challenge, proof) {
        (Some(challenge), Some(proof)) if errors.is_empty() => {
            Ok(SecondFactorAttempt { challenge, proof })
        }
        _ => Err(errors),
    }
}

/// An authenticator app's code (`PUT /me/second-factors/totp`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpCodeInput {
    /// Six digits (spaces allowed).
    pub code: String,
}

/// Reads an app's code: six digits, spaces dropped.
pub fn validate_totp_code(input: &Value) -> Result<String, Vec<Violation>> {
    let mut errors = Vec::new();
    let code = object(input, "", keys_of::<TotpCodeInput>(), &mut errors)
        .and_then(|obj| obj.required_text("code", 64, &mut errors))
        .and_then(|c| totp_code(&c, &mut errors));
    match code {
        Some(code) if errors.is_empty() => Ok(code),
        _ => Err(errors),
    }
}

fn totp_code(typed: &str, errors: &mut Vec<Violation>) -> Option<String> {
    let c: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if c.len() == usize::from(TOTP_DIGITS) && c.chars().all(|c| c.is_ascii_digit()) {
        Some(c)
    } else {
        errors.push(Violation::new("code", Code::FieldInvalid).value("6 digits"));
        None
    }
}

/// Where a passkey sign-in starts (`POST /session/passkey`): the password step's challenge (the
/// passkey as the second step), or an organization's slug (instead of the password; the
/// default organization when neither is given).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyRequestInput {
    /// The password step's challenge.
    #[serde(default)]
    pub challenge: Option<String>,
    /// The organization's slug.
    #[serde(default)]
    pub organization: Option<String>,
}

/// A passkey sign-in's start, read: the challenge, else the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasskeyRequest {
    /// As the second step of this challenge.
    SecondStep(String),
    /// Instead of the password, in the organization of this slug (`None`: the default one).
    Passwordless(Option<String>),
}

/// Validates a passkey sign-in's start: an object with a challenge or an organization (text).
pub fn validate_passkey_request(input: &Value) -> Result<PasskeyRequest, Vec<Violation>> {
    let mut errors = Vec::new();
    let read = object(input, "", keys_of::<PasskeyRequestInput>(), &mut errors).map(|obj| {
        let challenge = obj.string("challenge", &mut errors).map(str::to_owned);
        let organization = obj.string("organization", &mut errors).map(str::to_owned);
        match challenge {
            Some(challenge) => PasskeyRequest::SecondStep(challenge),
            None => PasskeyRequest::Passwordless(organization),
        }
    });
    match read {
        Some(read) if errors.is_empty() => Ok(read),
        _ => Err(errors),
    }
}

/// A new passkey (`POST /me/second-factors/passkeys`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyInput {
    /// What its owner calls it.
    pub name: String,
    /// The browser's new credential (`PublicKeyCredential.toJSON()`).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    #[cfg_attr(feature = "wasm", tsify(type = "Record<string, unknown>"))]
    pub credential: Value,
}

/// A passkey's new name (`PATCH /me/second-factors/passkeys/{id}`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeyNameInput {
    /// What its owner calls it.
    pub name: String,
}

/// Longest name of a passkey, in characters.
pub const MAX_PASSKEY_NAME: usize = 60;

/// Reads a passkey's new name (`{name}`): 1 to 60 characters of one line.
pub fn validate_passkey_name(input: &Value) -> Result<String, Vec<Violation>> {
    passkey_name(input, keys_of::<PasskeyNameInput>())
}

/// Reads a new passkey's name (`{name, credential}`; the credential is the Worker's to verify).
pub fn validate_new_passkey(input: &Value) -> Result<String, Vec<Violation>> {
    passkey_name(input, keys_of::<PasskeyInput>())
}

fn passkey_name(input: &Value, keys: &[&str]) -> Result<String, Vec<Violation>> {
    let mut errors = Vec::new();
    let name = object(input, "", keys, &mut errors)
        .and_then(|obj| obj.required_text("name", MAX_PASSKEY_NAME, &mut errors));
    match name {
        Some(name) if errors.is_empty() => Ok(name),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use Role::*;
    use SecondFactorPolicy::*;

    const NONE: Factors = Factors {
        totp: false,
        passkeys: 0,
    };
    const APP: Factors = Factors {
        totp: true,
        passkeys: 0,
    };

    #[test]
    fn the_policy_names_who_must_have_a_factor() {
        let required = |p: SecondFactorPolicy| -> Vec<Role> {
            Role::ALL.into_iter().filter(|r| p.requires(*r)).collect()
        };
        assert_eq!(required(Optional), []);
        assert_eq!(required(Admins), [Admin]);
        assert_eq!(required(Managers), [Manager, Admin]);
        assert_eq!(required(Everyone), [Agent, Manager, Admin]);
        for p in SecondFactorPolicy::ALL {
            assert_eq!(SecondFactorPolicy::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn a_right_password_leads_to_a_session_a_challenge_or_enrolment() {
        assert_eq!(
            after_password(Optional, Agent, NONE),
            AfterPassword::Session
        );
        assert_eq!(
            after_password(Optional, Agent, APP),
            AfterPassword::SecondFactor
        );
        assert_eq!(after_password(Admins, Agent, NONE), AfterPassword::Session);
        assert_eq!(
            after_password(Admins, Admin, NONE),
            AfterPassword::Enrolment
        );
        assert_eq!(
            after_password(Everyone, Agent, APP),
            AfterPassword::SecondFactor
        );
        let passkey = Factors {
            totp: false,
            passkeys: 1,
        };
        assert_eq!(
            after_password(Managers, Manager, passkey),
            AfterPassword::SecondFactor
        );
    }

    #[test]
    fn whoever_the_policy_covers_without_a_factor_may_only_enrol() {
        assert!(must_enrol(Admins, Admin, false));
        assert!(!must_enrol(Admins, Admin, true));
        assert!(!must_enrol(Admins, Manager, false));
        assert!(must_enrol(Managers, Manager, false));
        assert!(!must_enrol(Optional, Admin, false));
    }

    #[test]
    fn the_last_factor_stays_under_a_policy_that_requires_one() {
        assert_eq!(
            may_remove_factor(Admins, Admin, NONE),
            Err(Code::SecondFactorRequired)
        );
        assert_eq!(may_remove_factor(Admins, Manager, NONE), Ok(()));
        assert_eq!(
            may_remove_factor(Everyone, Agent, APP),
            Ok(()),
            "another one stays"
        );
        assert_eq!(may_remove_factor(Optional, Admin, NONE), Ok(()));
    }

    #[test]
    fn every_code_works_once_and_earlier_ones_die_with_it() {
        assert_eq!(accept_totp_step(Some(10), None), Ok(10));
        assert_eq!(accept_totp_step(Some(11), Some(10)), Ok(11));
        assert_eq!(
            accept_totp_step(Some(10), Some(10)),
            Err(Code::SecondFactorInvalid),
            "replayed"
        );
        assert_eq!(
            accept_totp_step(Some(9), Some(10)),
            Err(Code::SecondFactorInvalid),
            "older"
        );
        assert_eq!(accept_totp_step(None, None), Err(Code::SecondFactorInvalid));
    }

    #[test]
    fn a_passkey_counter_must_move_on() {
        assert!(passkey_counter_moved_on(4, 5));
        assert!(!passkey_counter_moved_on(5, 5), "replayed");
        assert!(!passkey_counter_moved_on(5, 3), "a clone behind");
        assert!(passkey_counter_moved_on(0, 0), "no counter kept");
        assert!(!passkey_counter_moved_on(3, 0), "a counter that stopped");
    }

    #[test]
    fn second_steps_are_read_before_any_check() {
        let read = |v: Value| validate_second_factor(&v);
        assert_eq!(
            read(json!({"challenge": "c", "method": "totp", "code": "123 456"})).map(|a| a.proof),
            Ok(Proof::Totp("123456".into()))
        );
        assert_eq!(
            read(json!({"challenge": "c", "method": "recovery", "code": "abcd-efgh 23"}))
                .map(|a| a.proof),
            Ok(Proof::Recovery("ABCDEFGH23".into()))
        );
        let codes = |v: Value| -> Vec<(String, Code)> {
            read(v)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            codes(json!({"challenge": "c", "method": "totp", "code": "12345"})),
            [("code".to_owned(), Code::FieldInvalid)]
        );
        assert_eq!(
            codes(json!({"challenge": "c", "method": "sms", "code": "1"})),
            [("method".to_owned(), Code::FieldInvalid)]
        );
        assert_eq!(
            codes(json!({"challenge": "c", "method": "passkey"})),
            [("credential".to_owned(), Code::FieldRequired)]
        );
        assert_eq!(
            codes(json!({"method": "totp", "code": "123456", "x": 1})),
            [
                ("x".to_owned(), Code::UnknownField),
                ("challenge".to_owned(), Code::FieldRequired)
            ]
        );
    }

    #[test]
    fn a_passkey_sign_in_starts_from_a_challenge_or_an_organization() {
        assert_eq!(
            validate_passkey_request(&json!({"challenge": "c"})),
            Ok(PasskeyRequest::SecondStep("c".into()))
        );
        assert_eq!(
            validate_passkey_request(&json!({"organization": "acme"})),
            Ok(PasskeyRequest::Passwordless(Some("acme".into())))
        );
        assert_eq!(
            validate_passkey_request(&json!({})),
            Ok(PasskeyRequest::Passwordless(None))
        );
        assert!(validate_passkey_request(&json!([null, null])).is_err());
        assert!(validate_passkey_request(&json!({"challenge": 3})).is_err());
        assert!(validate_passkey_request(&json!({"x": 1})).is_err());
    }

    #[test]
    fn the_security_form() {
        assert_eq!(
            validate_security(&json!({"secondFactor": "managers"})),
            Ok(Managers)
        );
        assert!(validate_security(&json!({"secondFactor": "all"})).is_err());
        assert_eq!(
            validate_passkey_name(&json!({"name": " Clé USB "})),
            Ok("Clé USB".into())
        );
        assert!(validate_passkey_name(&json!({"name": ""})).is_err());
        assert!(validate_passkey_name(&json!({"name": "a", "credential": {}})).is_err());
        assert_eq!(
            validate_new_passkey(&json!({"name": "a", "credential": {}})),
            Ok("a".into())
        );
    }

    #[test]
    fn the_second_step_offers_what_one_has_and_a_recovery_code() {
        let methods = |totp, passkeys| {
            Factors { totp, passkeys }
                .methods()
                .into_iter()
                .map(SecondFactorMethod::as_str)
                .collect::<Vec<_>>()
        };
        assert_eq!(methods(true, 2), ["totp", "passkey", "recovery"]);
        assert_eq!(methods(false, 1), ["passkey", "recovery"]);
        assert_eq!(methods(true, 0), ["totp", "recovery"]);
        for m in [
            SecondFactorMethod::Totp,
            SecondFactorMethod::Recovery,
            SecondFactorMethod::Passkey,
        ] {
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        }
    }
}
