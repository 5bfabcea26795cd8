//! The rest of a password's life: asking for a reset link, setting a new password through it, and
//! changing one's own password (which takes the current one, ASVS 5.0 6.2.3). The policy is
//! [`crate::PasswordPolicy`], the same as for new accounts.

use crate::credentials::{Email, PasswordPolicy};
use crate::error::{Code, Violation};
use crate::input::{keys_of, object, Obj};
use crate::invitation::is_token_shaped;
use serde::Deserialize;
use serde_json::Value;

/// How long a reset link works: 30 minutes.
pub const RESET_TTL_MS: i64 = 30 * 60 * 1000;

/// "Mot de passe oublié ?" (`POST /password/forgot`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordForgotInput {
    /// The organization's slug, as at sign-in; left out, the default organization.
    #[serde(default)]
    pub organization: Option<String>,
    /// The account's address.
    pub email: String,
}

/// A checked reset request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordForgot {
    /// The organization's slug, if named.
    pub organization: Option<String>,
    /// The address.
    pub email: Email,
}

/// A new password through a reset link (`POST /password/reset`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordResetInput {
    /// The token from the link (43 characters of base64url).
    pub token: String,
    /// The new password.
    pub password: String,
}

/// One's own new password (`PUT /me/password`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasswordChangeInput {
    /// The password used now.
    pub current_password: String,
    /// The new one.
    pub new_password: String,
}

/// A checked change of one's own password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChange {
    /// To verify against the stored hash.
    pub current: String,
    /// The new password, within the policy.
    pub new: String,
}

/// A checked reset: the link's token and the new password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    /// The token.
    pub token: String,
    /// The new password, within the policy.
    pub password: String,
}

/// Validates a reset request: an address, and an organization's slug if any.
pub fn validate_password_forgot(input: &Value) -> Result<PasswordForgot, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<PasswordForgotInput>(), &mut errors) else {
        return Err(errors);
    };
    let email = obj
        .required_string("email", &mut errors)
        .and_then(|raw| Email::read(raw, "email", &mut errors));
    let organization = obj.organization_slug(&mut errors);
    match email {
        Some(email) if errors.is_empty() => Ok(PasswordForgot {
            organization,
            email,
        }),
        _ => Err(errors),
    }
}

/// A new password at `field`, checked by the policy; `email` (when known) feeds the rule that
/// forbids building it on the address.
fn new_password<'a>(
    obj: &Obj<'a>,
    field: &str,
    email: Option<&Email>,
    errors: &mut Vec<Violation>,
) -> Option<&'a str> {
    let password = obj.required_string(field, errors)?;
    match PasswordPolicy::check(password, email) {
        Ok(()) => Some(password),
        Err(mut v) => {
            v.field = field.to_owned();
            errors.push(v);
            None
        }
    }
}

/// Validates a new password through a reset link; `email` is the account's, once the link is
/// known.
pub fn validate_password_reset(
    input: &Value,
    email: Option<&Email>,
) -> Result<PasswordReset, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<PasswordResetInput>(), &mut errors) else {
        return Err(errors);
    };
    let token = obj.required_string("token", &mut errors);
    if token.is_some_and(|t| !is_token_shaped(t)) {
        errors.push(Violation::new("token", Code::TokenInvalid));
    }
    let password = new_password(&obj, "password", email, &mut errors);
    match (token, password) {
        (Some(token), Some(password)) if errors.is_empty() => Ok(PasswordReset {
            token: token.to_owned(),
            password: password.to_owned(),
        }),
        _ => Err(errors),
    }
}

/// Validates a change of one's own password: the current one is required (verified by the
/// caller against the hash), the new one follows the policy and differs from it.
pub fn validate_password_change(
    input: &Value,
    email: &Email,
) -> Result<PasswordChange, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<PasswordChangeInput>(), &mut errors) else {
        return Err(errors);
    };
    let current = obj.required_string("currentPassword", &mut errors);
    if current.is_some_and(|p| p.chars().count() > PasswordPolicy::MAX_CHARS) {
        errors.push(
            Violation::new("currentPassword", Code::PasswordTooLong).max(PasswordPolicy::MAX_CHARS),
        );
    }
    let new = new_password(&obj, "newPassword", Some(email), &mut errors);
    if let (Some(current), Some(new)) = (current, new) {
        if current == new {
            errors.push(Violation::new("newPassword", Code::PasswordUnchanged));
        }
    }
    match (current, new) {
        (Some(current), Some(new)) if errors.is_empty() => Ok(PasswordChange {
            current: current.to_owned(),
            new: new.to_owned(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(r: Vec<Violation>) -> Vec<(String, Code)> {
        r.into_iter().map(|v| (v.field, v.code)).collect()
    }

    #[test]
    fn a_reset_request_is_an_address_and_maybe_an_organization() {
        let ok = validate_password_forgot(&json!({"organization": "acme", "email": "Lea@X.fr"}))
            .unwrap();
        assert_eq!(ok.email.as_str(), "Lea@x.fr");
        assert_eq!(
            fields(
                validate_password_forgot(&json!({"organization": "A B", "email": "x", "more": 1}))
                    .unwrap_err()
            ),
            vec![
                ("more".into(), Code::UnknownField),
                ("email".into(), Code::EmailInvalid),
                ("organization".into(), Code::FieldInvalid)
            ]
        );
    }

    #[test]
    fn a_reset_follows_the_policy() {
        let token = "A".repeat(43);
        let lea = Email::parse("lea.martin@exemple.fr").unwrap();
        assert!(validate_password_reset(
            &json!({"token": token, "password": "une longue phrase"}),
            Some(&lea)
        )
        .is_ok());
        assert_eq!(
            fields(
                validate_password_reset(
                    &json!({"token": "short", "password": "lea.martin-2026!"}),
                    Some(&lea)
                )
                .unwrap_err()
            ),
            vec![
                ("token".into(), Code::TokenInvalid),
                ("password".into(), Code::PasswordContainsEmail)
            ]
        );
    }

    #[test]
    fn a_change_needs_the_current_password_and_a_new_one() {
        let lea = Email::parse("lea@exemple.fr").unwrap();
        let same = "une longue phrase";
        assert_eq!(
            fields(
                validate_password_change(
                    &json!({"currentPassword": same, "newPassword": same}),
                    &lea
                )
                .unwrap_err()
            ),
            vec![("newPassword".into(), Code::PasswordUnchanged)]
        );
        assert_eq!(
            fields(validate_password_change(&json!({"newPassword": "court"}), &lea).unwrap_err()),
            vec![
                ("currentPassword".into(), Code::FieldRequired),
                ("newPassword".into(), Code::PasswordTooShort)
            ]
        );
        let ok = validate_password_change(
            &json!({"currentPassword": "old one", "newPassword": same}),
            &lea,
        )
        .unwrap();
        assert_eq!((ok.current.as_str(), ok.new.as_str()), ("old one", same));
    }
}
