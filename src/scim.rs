//! SCIM 2.0 provisioning (RFC 7643, RFC 7644), the parts that stand so far: the bearer tokens an
//! organization's identity provider authenticates with (admins create, name, list and revoke
//! them; a token is shown once and stored as a digest), and what an account is as a SCIM User.

use crate::error::Violation;
use crate::input::{keys_of, object};
use crate::time::format_iso8601;
use crate::user::Account;
use serde::Deserialize;
use serde_json::{json, Value};

/// The core User schema (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The product's extension: what a person may do in the back office.
pub const LIVECHAT_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:livechat:2.0:User";

/// The core Group schema (RFC 7643 §4.2): a team.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The product's Group extension: the questionnaires a team grants.
pub const LIVECHAT_GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:livechat:2.0:Group";

/// A team as a SCIM Group: `displayName` its name, `members` its people (`value` their id),
/// the questionnaires it grants in the product's extension.
pub fn group_resource(
    id: &str,
    name: &str,
    questionnaires: &[crate::Questionnaire],
    members: &[String],
    (created_ms, updated_ms): (i64, i64),
    base: &str,
) -> Value {
    json!({
        "schemas": [GROUP_SCHEMA, LIVECHAT_GROUP_SCHEMA],
        "id": id,
        "displayName": name,
        "members": members
            .iter()
            .map(|m| json!({"value": m, "$ref": format!("{base}/Users/{m}"), "type": "User"}))
            .collect::<Vec<_>>(),
        LIVECHAT_GROUP_SCHEMA: {"questionnaires": questionnaires},
        "meta": {
            "resourceType": "Group",
            "created": format_iso8601(created_ms),
            "lastModified": format_iso8601(updated_ms),
            "location": format!("{base}/Groups/{id}"),
            "version": format!("W/\"{updated_ms}\""),
        },
    })
}

/// A SCIM Group read into the team form (`validate_team` reads it).
pub fn team_form(group: &Value) -> Value {
    let get = |key: &str| {
        group
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)))
            .map(|(_, v)| v.clone())
    };
    let members: Vec<Value> = get("members")
        .and_then(|m| m.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|m| m.get("value").cloned())
        .collect();
    let questionnaires = get(LIVECHAT_GROUP_SCHEMA)
        .and_then(|e| e.get("questionnaires").cloned())
        .unwrap_or_else(|| json!([]));
    json!({
        "name": get("displayName").unwrap_or(Value::Null),
        "questionnaires": questionnaires,
        "members": members,
    })
}

/// A SCIM User written by an identity provider, as the add-user form reads it, and whether it
/// is active (a disabled account is created enabled, then disabled, by the same rules as an edit).
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionedForm {
    /// The add-user form (`validate_provisioned_user` reads it).
    pub form: Value,
    /// `active`.
    pub active: bool,
    /// `externalId`: the identity provider's own id, kept as sent (one line, at most 256).
    pub external_id: Option<String>,
}

/// Longest `externalId` kept, in characters.
pub const MAX_EXTERNAL_ID: usize = 256;

/// Reads an `externalId`: text of one line, at most 256 characters; `null` clears it.
pub fn read_external_id(value: Option<&Value>, errors: &mut Vec<Violation>) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => crate::input::text(s, "externalId", MAX_EXTERNAL_ID, errors),
        Some(_) => {
            errors.push(Violation::new("externalId", crate::Code::FieldType).value("string"));
            None
        }
    }
}

/// The form field a SCIM attribute is written to, for refusals named in SCIM's words.
pub fn scim_attribute(field: &str) -> &str {
    match field {
        "email" => "userName",
        "profile.firstName" => "name.givenName",
        "profile.lastName" => "name.familyName",
        "profile.pseudonym" => "displayName",
        "profile.timeZone" => "timezone",
        "profile.avatarUrl" => "photos",
        other => other,
    }
}

/// Reads a SCIM User (RFC 7643 §4.1 and the product's extension) into the add-user form; the
/// extension's attributes left out take the role's defaults, as on the page. Attributes this
/// product does not keep are ignored.
pub fn provisioned_form(user: &Value) -> Result<ProvisionedForm, Vec<Violation>> {
    use crate::error::Code;
    let mut errors = Vec::new();
    let get = |key: &str| {
        user.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    };
    let mut form = serde_json::Map::new();
    match get("userName") {
        Some(Value::String(name)) => {
            form.insert("email".into(), json!(name));
        }
        _ => errors.push(Violation::new("userName", Code::FieldRequired)),
    }
    if let Some(password) = get("password") {
        form.insert("password".into(), password.clone());
    }
    let mut profile = serde_json::Map::new();
    if let Some(name) = get("name") {
        for (sub, key) in [("givenName", "firstName"), ("familyName", "lastName")] {
            if let Some(v) = name.get(sub) {
                profile.insert(key.into(), v.clone());
            }
        }
    }
    if let Some(v) = get("displayName") {
        profile.insert("pseudonym".into(), v.clone());
    }
    if let Some(v) = get("timezone") {
        profile.insert("timeZone".into(), v.clone());
    }
    if let Some(v) = get("photos")
        .and_then(|p| p.get(0))
        .and_then(|p| p.get("value"))
    {
        profile.insert("avatarUrl".into(), v.clone());
    }
    if !profile.is_empty() {
        form.insert("profile".into(), Value::Object(profile));
    }
    let extension = get(LIVECHAT_USER_SCHEMA);
    let field = |key: &str| extension.and_then(|e| e.get(key));
    form.insert(
        "role".into(),
        field("role").cloned().unwrap_or_else(|| json!("agent")),
    );
    if let Some(v) = field("modules") {
        form.insert("modules".into(), v.clone());
    }
    let mut livechat = serde_json::Map::new();
    for key in [
        "languages",
        "mainLanguage",
        "maxConversations",
        "questionnaires",
        "channels",
    ] {
        if let Some(v) = field(key) {
            livechat.insert(key.into(), v.clone());
        }
    }
    if !livechat.is_empty() {
        form.insert("livechat".into(), Value::Object(livechat));
    }
    let active = match get("active") {
        None | Some(Value::Null) => Some(true),
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        Some(_) => None,
    };
    if active.is_none() {
        errors.push(Violation::new("active", Code::FieldType).value("boolean"));
    }
    let external_id = read_external_id(get("externalId"), &mut errors);
    match active {
        Some(active) if errors.is_empty() => Ok(ProvisionedForm {
            form: Value::Object(form),
            active,
            external_id,
        }),
        _ => Err(errors),
    }
}

/// An account as a SCIM User: `userName` and the work email are the login address, `name` the
/// internal names, `displayName` the pseudonym visitors see, `active` the opposite of disabled,
/// `timezone`, the avatar as a photo, and the product's extension for the access. `version` is
/// the account's ETag (it changes with every write).
pub fn user_resource(
    id: &str,
    external_id: Option<&str>,
    account: &Account,
    created_ms: i64,
    updated_ms: i64,
    location: &str,
) -> Value {
    let profile = &account.profile;
    let access = &account.access;
    let mut user = serde_json::Map::new();
    let mut put = |key: &str, value: Value| {
        user.insert(key.to_owned(), value);
    };
    put("schemas", json!([USER_SCHEMA, LIVECHAT_USER_SCHEMA]));
    put("id", json!(id));
    if let Some(external_id) = external_id {
        put("externalId", json!(external_id));
    }
    put("userName", json!(account.email.as_str()));
    put(
        "emails",
        json!([{"value": account.email.as_str(), "type": "work", "primary": true}]),
    );
    put("active", json!(!account.disabled));
    put("timezone", json!(profile.time_zone.as_str()));
    let name: serde_json::Map<String, Value> = [
        ("givenName", &profile.first_name),
        ("familyName", &profile.last_name),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().map(|v| (k.to_owned(), json!(v))))
    .collect();
    if !name.is_empty() {
        put("name", Value::Object(name));
    }
    if let Some(pseudonym) = &profile.pseudonym {
        put("displayName", json!(pseudonym));
    }
    if let Some(avatar) = &profile.avatar_url {
        put(
            "photos",
            json!([{"value": avatar, "type": "photo", "primary": true}]),
        );
    }
    put(
        LIVECHAT_USER_SCHEMA,
        json!({
            "role": access.role,
            "modules": access.modules,
            "languages": access.livechat.languages,
            "mainLanguage": access.livechat.main_language,
            "maxConversations": access.livechat.max_conversations,
            "questionnaires": access.livechat.questionnaires,
            "channels": access.livechat.channels,
        }),
    );
    put(
        "meta",
        json!({
            "resourceType": "User",
            "created": format_iso8601(created_ms),
            "lastModified": format_iso8601(updated_ms),
            "location": location,
            "version": format!("W/\"{updated_ms}\""),
        }),
    );
    Value::Object(user)
}

/// Longest token name, in characters.
pub const MAX_TOKEN_NAME: usize = 100;

/// A new SCIM token (`POST /organization/scim-tokens`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScimTokenInput {
    /// What it is for, as admins will recognise it in the list (`Entra ID`, `Okta – prod`).
    pub name: String,
}

/// Validates a new token's form: a name, 1 to 100 characters, no control characters.
pub fn validate_scim_token(input: &Value) -> Result<String, Vec<Violation>> {
    let mut errors = Vec::new();
    let name = object(input, "", keys_of::<ScimTokenInput>(), &mut errors)
        .and_then(|obj| obj.required_text("name", MAX_TOKEN_NAME, &mut errors));
    match name {
        Some(name) if errors.is_empty() => Ok(name),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;
    use serde_json::json;

    #[test]
    fn a_scim_user_reads_as_the_add_user_form() {
        let read = provisioned_form(&json!({
            "schemas": [USER_SCHEMA, LIVECHAT_USER_SCHEMA],
            "userName": "lea@x.fr", "active": "False", "displayName": "Léa",
            "name": {"givenName": "Léa", "familyName": "Martin"}, "timezone": "Europe/Paris",
            "externalId": "00u1", "emails": [{"value": "lea@x.fr", "primary": true}],
            LIVECHAT_USER_SCHEMA: {"role": "manager", "languages": ["fr", "en"]}
        }))
        .unwrap();
        assert!(!read.active);
        assert_eq!(read.external_id.as_deref(), Some("00u1"));
        assert_eq!(
            read.form,
            json!({"email": "lea@x.fr", "role": "manager", "livechat": {"languages": ["fr", "en"]},
                   "profile": {"firstName": "Léa", "lastName": "Martin", "pseudonym": "Léa", "timeZone": "Europe/Paris"}})
        );
        let user = crate::validate_provisioned_user(&read.form, &crate::catalog::sample()).unwrap();
        assert_eq!(
            user.password, "",
            "no password: the person sets one through their link"
        );
        // Left out, the role is an agent's with its defaults.
        let minimal = provisioned_form(&json!({"userName": "sam@x.fr"})).unwrap();
        assert_eq!(minimal.form, json!({"email": "sam@x.fr", "role": "agent"}));
        assert!(minimal.active);
        let refused = provisioned_form(&json!({"active": 3})).unwrap_err();
        let codes: Vec<_> = refused.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert_eq!(
            codes,
            [
                ("userName", Code::FieldRequired),
                ("active", Code::FieldType)
            ]
        );
        assert_eq!(scim_attribute("profile.pseudonym"), "displayName");
    }

    #[test]
    fn an_account_as_a_scim_user() {
        let user = crate::validate_user(
            &json!({"email": "Lea@X.fr", "password": "une longue phrase", "role": "agent",
                    "profile": {"firstName": "Léa", "pseudonym": "Léa M.", "avatarUrl": "https://x.fr/a.png"}}),
            &crate::catalog::sample(),
        )
        .unwrap();
        let account = Account {
            email: user.email,
            access: user.access,
            profile: user.profile,
            disabled: true,
        };
        let r = user_resource(
            "u1",
            Some("00u1"),
            &account,
            0,
            1_000,
            "https://x.test/scim/v2/acme/Users/u1",
        );
        assert_eq!(r["userName"], "Lea@x.fr");
        assert_eq!(r["externalId"], "00u1");
        assert_eq!(
            r["emails"][0],
            json!({"value": "Lea@x.fr", "type": "work", "primary": true})
        );
        assert_eq!(r["active"], false);
        assert_eq!(r["name"], json!({"givenName": "Léa"}));
        assert_eq!(r["displayName"], "Léa M.");
        assert_eq!(r["photos"][0]["value"], "https://x.fr/a.png");
        assert_eq!(r[LIVECHAT_USER_SCHEMA]["role"], "agent");
        assert_eq!(r[LIVECHAT_USER_SCHEMA]["maxConversations"], 3);
        assert_eq!(r["meta"]["version"], "W/\"1000\"");
        assert_eq!(r["meta"]["created"], "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn a_token_has_a_name() {
        assert_eq!(
            validate_scim_token(&json!({"name": " Entra ID "})),
            Ok("Entra ID".into())
        );
        let codes = |v: Value| -> Vec<(String, Code)> {
            validate_scim_token(&v)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            codes(json!({"name": "  "})),
            vec![("name".into(), Code::FieldRequired)]
        );
        assert_eq!(
            codes(json!({"name": "a\nb"})),
            vec![("name".into(), Code::FieldInvalid)]
        );
        assert_eq!(
            codes(json!({"name": "x".repeat(101)})),
            vec![("name".into(), Code::FieldTooLong)]
        );
        assert_eq!(
            codes(json!({"label": "x"})),
            vec![
                ("label".into(), Code::UnknownField),
                ("name".into(), Code::FieldRequired)
            ]
        );
    }
}
