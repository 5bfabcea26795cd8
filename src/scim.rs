//! SCIM 2.0 provisioning (RFC 7643, RFC 7644), the parts that stand so far: the bearer tokens an
//! organization's identity provider authenticates with (admins create, name, list and revoke
//! them; a token is shown once and stored as a digest), and what an account is as a SCIM User.

use crate::access::Role;
use crate::error::Violation;
use crate::input::{keys_of, object};
use crate::time::format_iso8601;
use crate::user::Account;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// The core User schema (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The product's extension: what a person may do in the back office.
pub const LIVECHAT_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:livechat:2.0:User";

/// The core Group schema (RFC 7643 §4.2): a team.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The product's Group extension: the questionnaires a team grants.
pub const LIVECHAT_GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:livechat:2.0:Group";

/// A team as a SCIM Group.
#[derive(Debug, Clone, Copy)]
pub struct GroupParts<'a> {
    /// The team's id.
    pub id: &'a str,
    /// `externalId`: the identity provider's id of the team.
    pub external_id: Option<&'a str>,
    /// `displayName`.
    pub name: &'a str,
    /// What it grants (the product's extension).
    pub questionnaires: &'a [crate::Questionnaire],
    /// Its members' ids.
    pub members: &'a [String],
    /// Created and last changed, in milliseconds.
    pub times: (i64, i64),
}

/// A team as a SCIM Group: `displayName` its name, `members` its people (`value` their id),
/// the questionnaires it grants in the product's extension.
pub fn group_resource(team: &GroupParts<'_>, base: &str) -> Value {
    let GroupParts {
        id,
        name,
        questionnaires,
        times: (created_ms, updated_ms),
        ..
    } = *team;
    let mut group = json!({
        "schemas": [GROUP_SCHEMA, LIVECHAT_GROUP_SCHEMA],
        "id": id,
        "displayName": name,
        "members": team
            .members
            .iter()
            .map(|m| json!({"value": m, "$ref": format!("{base}/Users/{m}"), "type": "User"}))
            .collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Group",
            "created": format_iso8601(created_ms),
            "lastModified": format_iso8601(updated_ms),
            "location": format!("{base}/Groups/{id}"),
            "version": format!("W/\"{updated_ms}\""),
        },
    });
    if let Some(object) = group.as_object_mut() {
        if let Some(external_id) = team.external_id {
            object.insert("externalId".into(), json!(external_id));
        }
        // Every team carries the extension (`required` in its resource type), granting nothing or more.
        object.insert(
            LIVECHAT_GROUP_SCHEMA.into(),
            json!({ "questionnaires": questionnaires }),
        );
    }
    group
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

/// How an identity provider names a person, kept beside the account: `userName` (when it is
/// not simply the address), the `emails` as sent, the `locale`, the `externalId`. People added
/// on the page have none of these: their userName is their address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScimIdentity {
    /// `userName`, unique per organization in any case.
    pub user_name: Option<String>,
    /// `emails`, shown as sent while they hold the sign-in address.
    pub emails: Option<Vec<ScimEmail>>,
    /// `locale`: the language the product writes to them in when it is `fr` or `en`.
    pub locale: Option<String>,
    /// `externalId`: the identity provider's own id, kept as sent (one line, at most 256).
    pub external_id: Option<String>,
}

/// One of a User's `emails`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScimEmail {
    /// The address.
    pub value: String,
    /// `work`, `home`, `other`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether it is the sign-in address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

/// A SCIM User written by an identity provider: the add-user form, whether it is active, and
/// how the identity provider names the person.
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionedForm {
    /// The add-user form (`validate_provisioned_user` reads it).
    pub form: Value,
    /// `active`; `None` when left out (a new account is active, a replaced one stays as it was).
    pub active: Option<bool>,
    /// Whether the product's extension was sent: a replacement without it keeps the access
    /// (an identity provider that does not know the extension must not take access away).
    pub grants_access: bool,
    /// `userName`, `emails`, `locale`, `externalId`.
    pub identity: ScimIdentity,
}

/// Longest `externalId`, `userName` and `locale` kept, in characters.
pub const MAX_EXTERNAL_ID: usize = 256;
/// Most `emails` kept for one person.
pub const MAX_EMAILS: usize = 10;

/// Reads an `externalId`: text of one line, at most 256 characters; `null` clears it.
pub fn read_external_id(value: Option<&Value>, errors: &mut Vec<Violation>) -> Option<String> {
    optional_text(value, "externalId", errors)
}

fn optional_text(
    value: Option<&Value>,
    field: &str,
    errors: &mut Vec<Violation>,
) -> Option<String> {
    match value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => {
            crate::input::text(s, field, MAX_EXTERNAL_ID, errors).filter(|s| !s.is_empty())
        }
        Some(_) => {
            errors.push(Violation::new(field, crate::Code::FieldType).value("string"));
            None
        }
    }
}

/// A boolean as identity providers send it: `true`, or Entra's `"True"`/`"False"`.
pub fn scim_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Reads `emails`: at most ten, each an address, `type` one line, at most one `primary`.
fn read_emails(value: Option<&Value>, errors: &mut Vec<Violation>) -> Option<Vec<ScimEmail>> {
    use crate::error::Code;
    let items = match value {
        None | Some(Value::Null) => return None,
        Some(Value::Array(items)) => items,
        Some(_) => {
            errors.push(Violation::new("emails", Code::FieldType).value("array"));
            return None;
        }
    };
    if items.len() > MAX_EMAILS {
        errors.push(Violation::new("emails", Code::FieldTooLong).max(MAX_EMAILS));
        return None;
    }
    let mut emails = Vec::new();
    for item in items {
        let value = item.get("value").and_then(Value::as_str);
        let Some(address) = value.and_then(crate::Email::parse) else {
            errors.push(Violation::new("emails", Code::EmailInvalid).value(value.unwrap_or("")));
            continue;
        };
        let kind = optional_text(item.get("type"), "emails.type", errors);
        let primary = match item.get("primary") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let read = scim_bool(v);
                if read.is_none() {
                    errors.push(Violation::new("emails.primary", Code::FieldType).value("boolean"));
                }
                read
            }
        };
        emails.push(ScimEmail {
            value: address.as_str().to_owned(),
            kind,
            primary,
        });
    }
    if emails.iter().filter(|e| e.primary == Some(true)).count() > 1 {
        errors.push(Violation::new("emails.primary", Code::FieldInvalid).value("one primary"));
    }
    Some(emails)
}

/// The sign-in address of a provisioned person: the primary email, else the first, else the
/// `userName` when it is an address.
fn sign_in_address<'a>(
    emails: Option<&'a [ScimEmail]>,
    user_name: Option<&'a str>,
) -> Option<&'a str> {
    let emails = emails.unwrap_or_default();
    emails
        .iter()
        .find(|e| e.primary == Some(true))
        .or_else(|| emails.first())
        .map(|e| e.value.as_str())
        .or_else(|| user_name.filter(|n| crate::Email::parse(n).is_some()))
}

/// The form field a SCIM attribute is written to, for refusals named in SCIM's words.
pub fn scim_attribute(field: &str) -> &str {
    match field {
        "email" => "emails",
        "profile.firstName" => "name.givenName",
        "profile.lastName" => "name.familyName",
        "profile.pseudonym" => "displayName",
        "profile.timeZone" => "timezone",
        "profile.avatarUrl" => "photos",
        other => other,
    }
}

/// Whether an identity provider may change a person's role from `before` (`None`: a new person)
/// to `after`. Admins read every conversation of the company: that right is given and taken on
/// the admin page by an admin, so that a leaked SCIM token cannot make one. Deprovisioning an
/// admin (`active: false`, DELETE) stays possible, under the last-admin rule.
pub fn scim_may_give_role(before: Option<Role>, after: Role) -> bool {
    (before == Some(Role::Admin)) == (after == Role::Admin)
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
    let user_name = match get("userName") {
        Some(Value::String(_)) => optional_text(get("userName"), "userName", &mut errors),
        _ => None,
    };
    if user_name.is_none() && errors.is_empty() {
        errors.push(Violation::new("userName", Code::FieldRequired));
    }
    let emails = read_emails(get("emails"), &mut errors);
    let mut form = serde_json::Map::new();
    match sign_in_address(emails.as_deref(), user_name.as_deref()) {
        Some(address) => {
            form.insert("email".into(), json!(address));
        }
        // Nothing to reach the person at (their own refusals already said why, if any).
        None if errors.is_empty() => errors.push(Violation::new("emails", Code::FieldRequired)),
        None => {}
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
    if let Some(photos) = get("photos") {
        // One avatar: the primary photo, else the first; none clears it.
        let items = photos.as_array().map(Vec::as_slice).unwrap_or_default();
        let photo = items
            .iter()
            .find(|p| p.get("primary").and_then(scim_bool) == Some(true))
            .or_else(|| items.first());
        profile.insert(
            "avatarUrl".into(),
            photo
                .and_then(|p| p.get("value"))
                .cloned()
                .unwrap_or(Value::Null),
        );
    }
    if !profile.is_empty() {
        form.insert("profile".into(), Value::Object(profile));
    }
    let extension = get(LIVECHAT_USER_SCHEMA).filter(|e| !e.is_null());
    let field = |key: &str| extension.and_then(|e| e.get(key));
    // No role (or a removed one) is an agent; a removed limit (null) is unlimited.
    form.insert(
        "role".into(),
        field("role")
            .filter(|v| !v.is_null())
            .cloned()
            .unwrap_or_else(|| json!("agent")),
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
            let v = match (key, v) {
                // Published as text ("1" to "50"); the form reads numbers.
                ("maxConversations", Value::String(s)) => s
                    .trim()
                    .parse::<u64>()
                    .map_or_else(|_| v.clone(), |n| json!(n)),
                _ => v.clone(),
            };
            livechat.insert(key.into(), v);
        }
    }
    if !livechat.is_empty() {
        form.insert("livechat".into(), Value::Object(livechat));
    }
    let active = match get("active") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => scim_bool(v).map(Some).ok_or(()),
    };
    if active.is_err() {
        errors.push(Violation::new("active", Code::FieldType).value("boolean"));
    }
    let locale = optional_text(get("locale"), "locale", &mut errors);
    let external_id = read_external_id(get("externalId"), &mut errors);
    match active {
        Ok(active) if errors.is_empty() => Ok(ProvisionedForm {
            form: Value::Object(form),
            active,
            grants_access: extension.is_some(),
            identity: ScimIdentity {
                user_name,
                emails,
                locale,
                external_id,
            },
        }),
        _ => Err(errors),
    }
}

/// An account as a SCIM User: `userName` as the identity provider named them (else the
/// address), the `emails` it sent while they hold the sign-in address (else that address),
/// `name` the internal names, `displayName` the pseudonym visitors see, `active` the opposite
/// of disabled, `timezone`, the avatar as a photo, and the product's extension for the access.
/// `version` is the account's ETag (it changes with every write).
pub fn user_resource(
    id: &str,
    identity: &ScimIdentity,
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
    if let Some(external_id) = &identity.external_id {
        put("externalId", json!(external_id));
    }
    put(
        "userName",
        json!(identity
            .user_name
            .as_deref()
            .unwrap_or(account.email.as_str())),
    );
    let address = account.email.as_str();
    let emails = match &identity.emails {
        Some(emails) if sign_in_address(Some(emails), None) == Some(address) => json!(emails),
        _ => json!([{"value": address, "type": "work", "primary": true}]),
    };
    put("emails", emails);
    put("active", json!(!account.disabled));
    if let Some(locale) = &identity.locale {
        put("locale", json!(locale));
    }
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
        put("photos", json!([{ "value": avatar }]));
    }
    let mut extension = json!({
        "role": access.role,
        "modules": access.modules,
        "languages": access.livechat.languages,
        "mainLanguage": access.livechat.main_language,
        "questionnaires": access.livechat.questionnaires,
        "channels": access.livechat.channels,
    });
    // Unlimited is no value (RFC 7643 has no "infinity"); removing the limit removes it.
    if let (crate::ConversationLimit::AtMost(n), Some(object)) =
        (access.livechat.max_conversations, extension.as_object_mut())
    {
        object.insert("maxConversations".into(), json!(n.to_string()));
    }
    put(LIVECHAT_USER_SCHEMA, extension);
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

/// The organization's SCIM settings (`PUT /organization/scim-settings`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScimSettingsInput {
    /// Whether people the identity provider creates without a password get the activation
    /// email (on by default; off when they sign in some other way the company arranges).
    pub activation_emails: bool,
}

/// Validates the SCIM settings form.
pub fn validate_scim_settings(input: &Value) -> Result<bool, Vec<Violation>> {
    let mut errors = Vec::new();
    let on = object(input, "", keys_of::<ScimSettingsInput>(), &mut errors)
        .and_then(|obj| obj.required_bool("activationEmails", &mut errors));
    match on {
        Some(on) if errors.is_empty() => Ok(on),
        _ => Err(errors),
    }
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
        assert_eq!(read.active, Some(false));
        assert!(read.grants_access);
        assert_eq!(read.identity.external_id.as_deref(), Some("00u1"));
        assert_eq!(read.identity.user_name.as_deref(), Some("lea@x.fr"));
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
        assert_eq!(minimal.active, None);
        assert!(!minimal.grants_access);
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
    fn the_sign_in_address_comes_from_emails_when_user_name_is_not_one() {
        let read = |user: Value| provisioned_form(&user).map(|r| r.form["email"].clone());
        // Entra's userPrincipalName, a work and a home address: the primary one signs in.
        assert_eq!(
            read(json!({"userName": "lea.martin", "emails": [
                {"value": "l@home.fr", "type": "home"},
                {"value": "lea@x.fr", "type": "work", "primary": "True"}]})),
            Ok(json!("lea@x.fr"))
        );
        assert_eq!(
            read(json!({"userName": "lea.martin", "emails": [{"value": "l@home.fr"}]})),
            Ok(json!("l@home.fr"))
        );
        let codes = |user: Value| -> Vec<(String, Code)> {
            provisioned_form(&user)
                .unwrap_err()
                .into_iter()
                .map(|v| (v.field, v.code))
                .collect()
        };
        assert_eq!(
            codes(json!({"userName": "lea.martin"})),
            [("emails".to_owned(), Code::FieldRequired)]
        );
        assert_eq!(
            codes(
                json!({"userName": "lea", "emails": [{"value": "a@x.fr", "primary": true},
                {"value": "b@x.fr", "primary": true}, {"value": "pas une adresse"}]})
            ),
            [
                ("emails".to_owned(), Code::EmailInvalid),
                ("emails.primary".to_owned(), Code::FieldInvalid)
            ]
        );
        assert_eq!(
            codes(json!({"userName": "lea", "emails": vec![json!({"value": "a@x.fr"}); 11]})),
            [("emails".to_owned(), Code::FieldTooLong)]
        );
        // The emails are shown as sent while they hold the sign-in address.
        let sent = provisioned_form(&json!({"userName": "lea.martin", "locale": "en-GB",
            "emails": [{"value": "lea@x.fr", "type": "home"}]}))
        .unwrap();
        let user = crate::validate_provisioned_user(&sent.form, &crate::catalog::sample()).unwrap();
        let mut account = Account {
            email: user.email,
            access: user.access,
            profile: user.profile,
            disabled: false,
        };
        let shown = user_resource("u1", &sent.identity, &account, 0, 0, "l");
        assert_eq!(shown["userName"], "lea.martin");
        assert_eq!(shown["locale"], "en-GB");
        assert_eq!(
            shown["emails"],
            json!([{"value": "lea@x.fr", "type": "home"}])
        );
        account.email = crate::Email::parse("lea@y.fr").unwrap();
        let shown = user_resource("u1", &sent.identity, &account, 0, 0, "l");
        assert_eq!(
            shown["emails"],
            json!([{"value": "lea@y.fr", "type": "work", "primary": true}]),
            "an address changed on the page replaces the emails sent"
        );
    }

    #[test]
    fn identity_providers_neither_make_nor_unmake_admins() {
        use Role::*;
        for (before, after, allowed) in [
            (None, Agent, true),
            (None, Manager, true),
            (None, Admin, false),
            (Some(Agent), Manager, true),
            (Some(Agent), Admin, false),
            (Some(Admin), Admin, true),
            (Some(Admin), Manager, false),
        ] {
            assert_eq!(
                scim_may_give_role(before, after),
                allowed,
                "{before:?} → {after:?}"
            );
        }
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
            &ScimIdentity {
                external_id: Some("00u1".into()),
                ..ScimIdentity::default()
            },
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
        assert_eq!(r[LIVECHAT_USER_SCHEMA]["maxConversations"], "3");
        assert_eq!(r["meta"]["version"], "W/\"1000\"");
        assert_eq!(r["meta"]["created"], "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn the_activation_switch_is_a_boolean() {
        assert_eq!(
            validate_scim_settings(&json!({"activationEmails": false})),
            Ok(false)
        );
        let codes = |v: Value| -> Vec<(String, Code)> {
            validate_scim_settings(&v)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            codes(json!({})),
            [("activationEmails".to_owned(), Code::FieldRequired)]
        );
        assert_eq!(
            codes(json!({"activationEmails": "no"})),
            [("activationEmails".to_owned(), Code::FieldType)]
        );
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
