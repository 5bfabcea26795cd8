//! Invitations: one access template for many addresses, each invitee choosing their own password
//! through a single-use link.

use crate::access::{read_new_access, Access, LivechatInput, Module, Role};
use crate::catalog::Catalog;
use crate::credentials::{Email, PasswordPolicy};
use crate::error::{Code, Locale, Violation};
use crate::input::{keys_of, object, strings};
use crate::user::{Profile, ProfileInput, ProfilePatch};
use crate::SortedSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Most addresses in one invitation.
pub const MAX_EMAILS: usize = 100;

/// What happened to one address of an invitation form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Well formed and new in this list.
    Valid,
    /// Not an address; see the code.
    Invalid,
}

/// One address of the list, as checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmailCheck {
    /// What was typed.
    pub input: String,
    /// The normalised address, when valid.
    pub email: Option<Email>,
    /// The verdict.
    pub status: EmailStatus,
    /// Why it is invalid (`email_invalid`, `email_duplicate`).
    pub code: Option<Code>,
}

impl EmailCheck {
    /// This verdict with its reason in `locale`.
    pub fn localize(&self, locale: Locale) -> EmailVerdict {
        EmailVerdict {
            input: self.input.clone(),
            email: self.email.clone(),
            status: self.status,
            code: self.code,
            message: self.code.map(|c| c.message(locale, &Default::default())),
        }
    }
}

/// One address's verdict as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EmailVerdict {
    /// What was typed.
    pub input: String,
    /// The normalised address, when valid.
    pub email: Option<Email>,
    /// The verdict.
    pub status: EmailStatus,
    /// Why it is invalid.
    pub code: Option<Code>,
    /// The reason in the requested language.
    pub message: Option<String>,
}

/// A checked invitation: the shared access and every address's verdict. Invalid addresses do not
/// fail the batch; the valid ones go ahead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationRequest {
    /// The access every invitee gets.
    pub access: Access,
    /// One entry per address typed, in order.
    pub emails: Vec<EmailCheck>,
}

impl InvitationRequest {
    /// The addresses that go ahead.
    pub fn valid_emails(&self) -> impl Iterator<Item = &Email> {
        self.emails.iter().filter_map(|c| c.email.as_ref())
    }
}

/// A refused invitation form: the form errors, and the per-address verdicts so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRejection {
    /// What refused the form.
    pub errors: Vec<Violation>,
    /// Per-address verdicts (empty when the list itself was unreadable).
    pub emails: Vec<EmailCheck>,
}

/// Splits a pasted list on commas, semicolons and any white space.
pub fn split_email_list(text: &str) -> Vec<&str> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Checks every address of a list: invalid ones and repeats (same account key) are marked, the
/// first occurrence of each address stays valid.
pub fn check_emails(items: &[&str]) -> Vec<EmailCheck> {
    let mut seen = SortedSet::new();
    items
        .iter()
        .map(|raw| {
            let (email, code) = match Email::parse(raw) {
                None => (None, Some(Code::EmailInvalid)),
                Some(email) if !seen.insert(email.key()) => (None, Some(Code::EmailDuplicate)),
                Some(email) => (Some(email), None),
            };
            EmailCheck {
                input: raw.trim().to_owned(),
                status: if email.is_some() {
                    EmailStatus::Valid
                } else {
                    EmailStatus::Invalid
                },
                email,
                code,
            }
        })
        .collect()
}

/// The invitation form (`POST /invitations`): one access for every address.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationInput {
    /// At most 100 addresses.
    pub emails: EmailList,
    /// The role every invitee gets.
    pub role: Role,
    /// Module ids; left out, the role's defaults.
    #[serde(default)]
    pub modules: Option<Vec<Module>>,
    /// Live-chat settings.
    #[serde(default)]
    pub livechat: Option<LivechatInput>,
}

/// Addresses as an array, or as one pasted text separated by commas, semicolons or white space.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum EmailList {
    /// One text holding a list.
    Text(String),
    /// One address an item.
    List(Vec<String>),
}

/// Validates the invitation form. `emails` is an array of addresses or one string holding a list.
pub fn validate_invitation(
    input: &Value,
    catalog: &Catalog,
) -> Result<InvitationRequest, InvitationRejection> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<InvitationInput>(), &mut errors) else {
        return Err(InvitationRejection {
            errors,
            emails: Vec::new(),
        });
    };
    let items: Option<Vec<&str>> = match obj.raw("emails") {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::String(list)) => Some(split_email_list(list)),
        Some(value) => strings(value, "emails", &mut errors).map(|list| {
            list.into_iter()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect()
        }),
    };
    let mut emails = Vec::new();
    if let Some(items) = items {
        if items.is_empty() {
            errors.push(Violation::new("emails", Code::EmailsEmpty));
        } else if items.len() > MAX_EMAILS {
            errors.push(Violation::new("emails", Code::EmailsTooMany).max(MAX_EMAILS));
        } else {
            emails = check_emails(&items);
        }
    }
    let access = read_new_access(&obj, catalog, &mut errors);
    match access {
        Some(access) if errors.is_empty() => Ok(InvitationRequest { access, emails }),
        _ => Err(InvitationRejection { errors, emails }),
    }
}

/// Bytes of randomness in an invitation token.
pub const TOKEN_BYTES: usize = 32;

/// Whether a string has the shape of an invitation token (unpadded base64url of
/// [`TOKEN_BYTES`] bytes), so malformed links are refused before any look-up.
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == TOKEN_BYTES.div_ceil(3) * 4 - 1
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// An invitee's answer: the token from their link, their password, their profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(rename_all = "camelCase")]
pub struct Acceptance {
    /// The single-use token.
    #[serde(skip)]
    pub token: String,
    /// Their chosen password (none when the organization requires single sign-on: they sign in
    /// through its provider); never sent back.
    #[serde(skip)]
    pub password: Option<String>,
    /// Their profile.
    pub profile: Profile,
}

/// The accept-invitation form (`POST /invitations/accept`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptanceInput {
    /// The token from the link (43 characters of base64url).
    pub token: String,
    /// The password the invitee chooses; absent (or `null`) when the organization requires
    /// single sign-on (`ssoRequired` in the lookup): they sign in through its provider.
    #[serde(default)]
    pub password: Option<String>,
    /// Their names, avatar and time zone.
    #[serde(default)]
    pub profile: Option<ProfileInput>,
}

/// Validates the accept-invitation form; `invited` (when known) feeds the password rule that
/// forbids building it on the address. Under `sso_required` no password is chosen (one could not
/// be used: sign-in goes through the organization's provider), so one sent is refused.
pub fn validate_acceptance(
    input: &Value,
    invited: Option<&Email>,
    sso_required: bool,
) -> Result<Acceptance, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<AcceptanceInput>(), &mut errors) else {
        return Err(errors);
    };
    let token = obj.required_string("token", &mut errors);
    if let Some(token) = token {
        if !is_token_shaped(token) {
            errors.push(Violation::new("token", Code::TokenInvalid));
        }
    }
    let password = if sso_required {
        if obj.string("password", &mut errors).is_some() {
            errors.push(Violation::new("password", Code::SsoRequired));
        }
        None
    } else {
        let password = obj.required_string("password", &mut errors);
        if let Some(password) = password {
            if let Err(v) = PasswordPolicy::check(password, invited) {
                errors.push(v);
            }
        }
        password
    };
    let profile = ProfilePatch::read_in(&obj, &mut errors).over(Profile::default());
    match token {
        Some(token) if errors.is_empty() => Ok(Acceptance {
            token: token.to_owned(),
            password: password.map(str::to_owned),
            profile,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pasted_list_is_split_and_each_address_judged() {
        let input =
            json!({"emails": "a@x.fr, b@x.fr;\nnot-an-email  A@X.FR\tc@x.fr", "role": "agent"});
        let request = validate_invitation(&input, &crate::catalog::sample()).unwrap();
        let verdicts: Vec<_> = request
            .emails
            .iter()
            .map(|c| (c.input.as_str(), c.code))
            .collect();
        assert_eq!(
            verdicts,
            vec![
                ("a@x.fr", None),
                ("b@x.fr", None),
                ("not-an-email", Some(Code::EmailInvalid)),
                ("A@X.FR", Some(Code::EmailDuplicate)),
                ("c@x.fr", None)
            ]
        );
        assert_eq!(request.valid_emails().count(), 3);
    }

    #[test]
    fn list_bounds_are_form_errors() {
        let catalog = crate::catalog::sample();
        let empty =
            validate_invitation(&json!({"emails": " , ", "role": "agent"}), &catalog).unwrap_err();
        assert_eq!(empty.errors[0].code, Code::EmailsEmpty);
        let many: Vec<String> = (0..=MAX_EMAILS).map(|i| format!("u{i}@x.fr")).collect();
        let too_many =
            validate_invitation(&json!({"emails": many, "role": "agent"}), &catalog).unwrap_err();
        assert_eq!(too_many.errors[0].code, Code::EmailsTooMany);
        let exactly: Vec<String> = (0..MAX_EMAILS).map(|i| format!("u{i}@x.fr")).collect();
        assert!(
            validate_invitation(&json!({"emails": exactly, "role": "agent"}), &catalog).is_ok()
        );
    }

    #[test]
    fn a_bad_template_fails_but_keeps_the_email_verdicts() {
        let rejection = validate_invitation(
            &json!({"emails": ["a@x.fr", 7], "role": "agent", "password": "x"}),
            &crate::catalog::sample(),
        )
        .unwrap_err();
        let codes: Vec<_> = rejection
            .errors
            .iter()
            .map(|v| (v.field.as_str(), v.code))
            .collect();
        assert!(codes.contains(&("emails[1]", Code::FieldType)));
        assert!(codes.contains(&("password", Code::UnknownField)));
        let rejection = validate_invitation(
            &json!({"emails": ["a@x.fr", "b"], "role": "chef"}),
            &crate::catalog::sample(),
        )
        .unwrap_err();
        assert_eq!(rejection.emails.len(), 2);
    }

    #[test]
    fn acceptance() {
        let token = "A".repeat(43);
        let ok = validate_acceptance(&json!({"token": token, "password": "mon mot de passe", "profile": {"pseudonym": "Jo"}}), None, false).unwrap();
        assert_eq!(ok.profile.pseudonym.as_deref(), Some("Jo"));
        assert_eq!(ok.password.as_deref(), Some("mon mot de passe"));
        let invited = Email::parse("jojo@x.fr");
        let bad = validate_acceptance(
            &json!({"token": "abc", "password": "jojo-le-rigolo"}),
            invited.as_ref(),
            false,
        )
        .unwrap_err();
        let codes: Vec<_> = bad.iter().map(|v| v.code).collect();
        assert_eq!(codes, vec![Code::TokenInvalid, Code::PasswordContainsEmail]);
        let missing = validate_acceptance(&json!({ "token": token }), None, false).unwrap_err();
        assert_eq!(missing[0].code, Code::FieldRequired);
    }

    #[test]
    fn under_sso_required_an_invitee_chooses_no_password() {
        let token = "A".repeat(43);
        let ok = validate_acceptance(&json!({ "token": token }), None, true).unwrap();
        assert_eq!(ok.password, None);
        let null = validate_acceptance(&json!({"token": token, "password": null}), None, true);
        assert_eq!(null.unwrap().password, None);
        let sent = validate_acceptance(
            &json!({"token": token, "password": "mon mot de passe"}),
            None,
            true,
        )
        .unwrap_err();
        let errors: Vec<_> = sent.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert_eq!(errors, vec![("password", Code::SsoRequired)]);
    }
}
