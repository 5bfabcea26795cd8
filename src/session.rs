//! Signing in: the login form and the brake on password guessing.

use crate::credentials::Email;
use crate::error::{Code, Violation};
use crate::input::{keys_of, object};
use serde::Deserialize;
use serde_json::Value;

/// A sign-in attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// The organization's slug, as in its sign-in address (`/{slug}/`); `None` names the
    /// organization a single-company deployment moved into.
    pub organization: Option<String>,
    /// The address typed (normalised).
    pub email: Email,
    /// The password typed.
    pub password: String,
}

/// The sign-in form (`POST /session`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginInput {
    /// The organization's slug (`acme` in `/acme/`); left out, the deployment's default
    /// organization.
    #[serde(default)]
    pub organization: Option<String>,
    /// The login address.
    pub email: String,
    /// The password.
    pub password: String,
}

/// Validates `{email, password}`. Only shape is checked: the password policy is not applied to
/// sign-ins, so an old password that predates a policy change still works.
pub fn validate_login(input: &Value) -> Result<Login, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<LoginInput>(), &mut errors) else {
        return Err(errors);
    };
    let email = obj
        .required_string("email", &mut errors)
        .and_then(|raw| Email::read(raw, "email", &mut errors));
    let organization = obj.organization_slug(&mut errors);
    let password = obj.required_string("password", &mut errors);
    if password.is_some_and(|p| p.chars().count() > crate::PasswordPolicy::MAX_CHARS) {
        errors.push(
            Violation::new("password", Code::PasswordTooLong).max(crate::PasswordPolicy::MAX_CHARS),
        );
    }
    match (email, password) {
        (Some(email), Some(password)) if errors.is_empty() => Ok(Login {
            organization,
            email,
            password: password.to_owned(),
        }),
        _ => Err(errors),
    }
}

/// How a sign-in attempt ends once the password has been checked against the account's hash (or,
/// for an unknown address, against nothing, so that both take as long).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// A session may start.
    Granted,
    /// Unknown address or wrong password, told apart from nothing: counts as a failure.
    Refused,
    /// The right password for a disabled account.
    Disabled,
}

/// Decides a sign-in from whether the organization it names is in service, whether the address
/// has an account there (`Some(disabled)`), and whether the password matched. A disabled account
/// is named only after the right password, and a suspended organization is never named at all,
/// so the answer tells someone guessing nothing about which addresses or organizations exist.
pub fn decide_sign_in(
    organization_active: bool,
    account_disabled: Option<bool>,
    password_matches: bool,
) -> SignIn {
    match account_disabled {
        _ if !organization_active => SignIn::Refused,
        Some(false) if password_matches => SignIn::Granted,
        Some(true) if password_matches => SignIn::Disabled,
        _ => SignIn::Refused,
    }
}

/// Recent failed sign-ins for one key (an address, or a client).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// How many in the current window.
    pub count: u32,
    /// When the window started (ms since the epoch).
    pub window_start: i64,
}

/// What to do with the next sign-in attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Check the password now.
    Open,
    /// Check it after a pause (ms), so guessing gets slow.
    Slow(u32),
    /// Refuse without checking, for this many more seconds.
    Closed(u32),
}

/// The brake on guessing: a window of 15 minutes; past `slow_after` failures each attempt
/// waits a little longer, and at the limit the key is refused until the window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failures allowed in a window before refusing.
    pub limit: u32,
    /// Failures after which attempts are slowed (never, for keys shared by many people).
    pub slow_after: Option<u32>,
    /// Window length in ms.
    pub window_ms: i64,
}

impl LoginThrottle {
    /// Per address: 5 failures per 15 minutes.
    pub const PER_EMAIL: LoginThrottle = LoginThrottle {
        limit: 5,
        slow_after: Some(2),
        window_ms: 15 * 60 * 1000,
    };
    /// Per client: 30 failures per 15 minutes, never slowed (an office behind one address has
    /// many people, who should not wait for a colleague's typos).
    pub const PER_CLIENT: LoginThrottle = LoginThrottle {
        limit: 30,
        slow_after: None,
        window_ms: 15 * 60 * 1000,
    };

    fn current(self, failures: Failures, now: i64) -> u32 {
        if now - failures.window_start >= self.window_ms {
            0
        } else {
            failures.count
        }
    }

    /// Whether and when to check the next attempt.
    pub fn gate(self, failures: Failures, now: i64) -> Gate {
        let count = self.current(failures, now);
        if count >= self.limit {
            let left_ms = failures.window_start + self.window_ms - now;
            Gate::Closed(u32::try_from((left_ms + 999).div_euclid(1000).max(1)).unwrap_or(u32::MAX))
        } else if let Some(after) = self.slow_after.filter(|after| count >= *after) {
            Gate::Slow(250 * (count + 1 - after))
        } else {
            Gate::Open
        }
    }

    /// The record after one more failure.
    pub fn fail(self, failures: Failures, now: i64) -> Failures {
        match self.current(failures, now) {
            0 => Failures {
                count: 1,
                window_start: now,
            },
            n => Failures {
                count: n + 1,
                window_start: failures.window_start,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn login_shape() {
        assert!(validate_login(&json!({"email": "a@x.fr", "password": "x"})).is_ok());
        let errors = validate_login(&json!({"email": "a", "remember": true})).unwrap_err();
        let codes: Vec<_> = errors.iter().map(|v| v.code).collect();
        assert_eq!(
            codes,
            vec![Code::UnknownField, Code::EmailInvalid, Code::FieldRequired]
        );
        let acme =
            validate_login(&json!({"organization": "acme", "email": "a@x.fr", "password": "x"}));
        assert_eq!(acme.unwrap().organization.as_deref(), Some("acme"));
        let bad = validate_login(
            &json!({"organization": "Not A Slug", "email": "a@x.fr", "password": "x"}),
        );
        assert_eq!(bad.unwrap_err()[0].field, "organization");
    }

    #[test]
    fn a_disabled_account_is_named_only_after_the_right_password() {
        assert_eq!(decide_sign_in(true, Some(false), true), SignIn::Granted);
        assert_eq!(decide_sign_in(true, Some(true), true), SignIn::Disabled);
        for account in [None, Some(false), Some(true)] {
            assert_eq!(decide_sign_in(true, account, false), SignIn::Refused);
        }
        assert_eq!(decide_sign_in(true, None, true), SignIn::Refused);
    }

    #[test]
    fn a_suspended_organization_signs_nobody_in_and_names_nobody() {
        for account in [None, Some(false), Some(true)] {
            for password in [false, true] {
                assert_eq!(decide_sign_in(false, account, password), SignIn::Refused);
            }
        }
    }

    #[test]
    fn guessing_slows_then_stops_then_resumes() {
        let t = LoginThrottle::PER_EMAIL;
        let mut f = Failures::default();
        let now = 1_000_000;
        assert_eq!(t.gate(f, now), Gate::Open);
        f = t.fail(f, now);
        assert_eq!(t.gate(f, now), Gate::Open);
        f = t.fail(f, now);
        assert_eq!(t.gate(f, now), Gate::Slow(250));
        for _ in 0..3 {
            f = t.fail(f, now);
        }
        assert_eq!(t.gate(f, now + 1000), Gate::Closed(899));
        assert_eq!(t.gate(f, now + t.window_ms), Gate::Open);
        let client = LoginThrottle::PER_CLIENT;
        let many = Failures {
            count: 29,
            window_start: now,
        };
        assert_eq!(client.gate(many, now), Gate::Open);
        assert_eq!(client.gate(client.fail(many, now), now), Gate::Closed(900));
        assert_eq!(t.fail(f, now + t.window_ms).count, 1);
    }
}
