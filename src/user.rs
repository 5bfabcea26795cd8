//! The add-user and edit-user forms.

use crate::access::{
    read_modules, read_new_access, read_role, role_defaults, Access, LivechatFields, LivechatInput,
    Module, Role, TimeZone,
};
use crate::catalog::Catalog;
use crate::credentials::{Email, PasswordPolicy};
use crate::error::{Code, Violation};
use crate::input::{self, keys_of, object, Obj};
use crate::SortedSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What visitors and colleagues see of a person, and where they work from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// First name, known to the team only.
    pub first_name: Option<String>,
    /// Last name, known to the team only.
    pub last_name: Option<String>,
    /// The name shown to visitors.
    pub pseudonym: Option<String>,
    /// The picture shown to visitors (https only).
    pub avatar_url: Option<String>,
    /// Where they work, for schedules and reports.
    pub time_zone: crate::access::TimeZone,
}

impl Profile {
    /// How the team sees this person named (supervision, lists): the pseudonym, else first and
    /// last name, else `email`.
    pub fn display_name(&self, email: &str) -> String {
        let full = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|part| !part.trim().is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        match self.pseudonym.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(pseudonym) => pseudonym.to_owned(),
            None if !full.is_empty() => full,
            None => email.to_owned(),
        }
    }
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            first_name: None,
            last_name: None,
            pseudonym: None,
            avatar_url: None,
            time_zone: crate::access::TimeZone::default_zone(),
        }
    }
}

/// Longest first or last name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest pseudonym, in characters.
pub const MAX_PSEUDONYM_CHARS: usize = 50;
/// Longest avatar address, in bytes.
pub const MAX_AVATAR_URL: usize = 2048;

/// The `profile` object of a request: any subset; `null` or `""` clears a name or the avatar.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProfileInput {
    /// First name (team only), at most 100 characters.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name (team only), at most 100 characters.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Shown to visitors, at most 50 characters.
    #[serde(default)]
    pub pseudonym: Option<String>,
    /// An `https://` address.
    #[serde(default)]
    pub avatar_url: Option<String>,
    /// An IANA time zone name.
    #[serde(default)]
    pub time_zone: Option<TimeZone>,
}

/// The profile fields present in an input: outer `None` = absent, inner `None` = cleared.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProfilePatch {
    /// First name.
    pub first_name: Option<Option<String>>,
    /// Last name.
    pub last_name: Option<Option<String>>,
    /// Pseudonym.
    pub pseudonym: Option<Option<String>>,
    /// Avatar address.
    pub avatar_url: Option<Option<String>>,
    /// Time zone (cannot be cleared).
    pub time_zone: Option<crate::access::TimeZone>,
}

impl ProfilePatch {
    pub(crate) fn read(obj: &Obj<'_>, errors: &mut Vec<Violation>) -> Self {
        let text_field = |key: &str, max: usize, errors: &mut Vec<Violation>| {
            obj.raw(key)?;
            let Some(value) = obj.string(key, errors) else {
                // null (or a wrong type, already reported) clears it.
                return Some(None);
            };
            let text = input::text(value, &obj.path(key), max, errors)?;
            Some((!text.is_empty()).then_some(text))
        };
        let mut patch = ProfilePatch {
            first_name: text_field("firstName", MAX_NAME_CHARS, errors),
            last_name: text_field("lastName", MAX_NAME_CHARS, errors),
            pseudonym: text_field("pseudonym", MAX_PSEUDONYM_CHARS, errors),
            ..ProfilePatch::default()
        };
        if obj.raw("avatarUrl").is_some() {
            patch.avatar_url = match obj.string("avatarUrl", errors).map(str::trim) {
                None | Some("") => Some(None),
                Some(url) if is_https_url(url) => Some(Some(url.to_owned())),
                Some(url) => {
                    errors.push(
                        Violation::new(obj.path("avatarUrl"), Code::AvatarUrlInvalid).value(url),
                    );
                    None
                }
            };
        }
        if let Some(name) = obj.string("timeZone", errors) {
            patch.time_zone = crate::access::TimeZone::parse(name);
            if patch.time_zone.is_none() {
                errors
                    .push(Violation::new(obj.path("timeZone"), Code::TimezoneUnknown).value(name));
            }
        }
        patch
    }

    /// This patch laid over a profile.
    pub fn over(self, base: Profile) -> Profile {
        Profile {
            first_name: self.first_name.unwrap_or(base.first_name),
            last_name: self.last_name.unwrap_or(base.last_name),
            pseudonym: self.pseudonym.unwrap_or(base.pseudonym),
            avatar_url: self.avatar_url.unwrap_or(base.avatar_url),
            time_zone: self.time_zone.unwrap_or(base.time_zone),
        }
    }

    /// Reads an optional `profile` object.
    pub(crate) fn read_in(obj: &Obj<'_>, errors: &mut Vec<Violation>) -> Self {
        obj.object("profile", keys_of::<ProfileInput>(), errors)
            .map(|o| ProfilePatch::read(&o, errors))
            .unwrap_or_default()
    }
}

/// An absolute `https://` address with a plausible host and nothing that could break out of an
/// HTML attribute.
fn is_https_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    url.len() <= MAX_AVATAR_URL
        && host.contains('.')
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'))
        && port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\`".contains(c))
}

/// A person to create, as the add form describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    /// Their address (login).
    pub email: Email,
    /// The password set by the admin; never sent back.
    #[serde(skip)]
    pub password: String,
    /// What they may do.
    pub access: Access,
    /// How they appear.
    pub profile: Profile,
}

/// The add-user form (`POST /users`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserInput {
    /// The login address.
    pub email: String,
    /// 12 to 128 characters, not a common password, not built on the address.
    pub password: String,
    /// The role.
    pub role: Role,
    /// Module ids; left out, the role's defaults (an admin always holds every module).
    #[serde(default)]
    pub modules: Option<Vec<Module>>,
    /// Live-chat settings.
    #[serde(default)]
    pub livechat: Option<LivechatInput>,
    /// Names, avatar, time zone.
    #[serde(default)]
    pub profile: Option<ProfileInput>,
}

/// Validates the add-user form, reporting every wrong field at once.
pub fn validate_user(input: &Value, catalog: &Catalog) -> Result<NewUser, Vec<Violation>> {
    read_new_user(input, catalog, true)
}

/// Validates a person an identity provider provisions: the add-user form, but the password may
/// be left out (`NewUser::password` is then empty: the account has none until the person sets
/// one through their activation link).
pub fn validate_provisioned_user(
    input: &Value,
    catalog: &Catalog,
) -> Result<NewUser, Vec<Violation>> {
    read_new_user(input, catalog, false)
}

fn read_new_user(
    input: &Value,
    catalog: &Catalog,
    password_required: bool,
) -> Result<NewUser, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<UserInput>(), &mut errors) else {
        return Err(errors);
    };
    let email = obj
        .required_string("email", &mut errors)
        .and_then(|raw| Email::read(raw, "email", &mut errors));
    // Provisioned without one (absent or empty), an account has no password yet: "".
    let password = if password_required {
        obj.required_string("password", &mut errors)
    } else {
        obj.string("password", &mut errors).or(Some(""))
    };
    if let Some(password) = password.filter(|p| password_required || !p.is_empty()) {
        if let Err(v) = PasswordPolicy::check(password, email.as_ref()) {
            errors.push(v);
        }
    }
    let access = read_new_access(&obj, catalog, &mut errors);
    let profile = ProfilePatch::read_in(&obj, &mut errors).over(Profile::default());
    match (email, password, access) {
        (Some(email), Some(password), Some(access)) if errors.is_empty() => Ok(NewUser {
            email,
            password: password.to_owned(),
            access,
            profile,
        }),
        _ => Err(errors),
    }
}

/// A stored person as rules see them (no id, no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    /// Their address.
    pub email: Email,
    /// What they may do.
    pub access: Access,
    /// How they appear.
    pub profile: Profile,
    /// A disabled account cannot sign in and takes no conversations.
    pub disabled: bool,
}

/// A partial edit: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserPatch {
    /// New address.
    pub email: Option<Email>,
    /// New password (checked against the final address when applied).
    pub password: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New modules.
    pub modules: Option<SortedSet<Module>>,
    /// Live-chat fields.
    pub(crate) livechat: LivechatFields,
    /// Profile fields.
    pub profile: ProfilePatch,
    /// Disable or re-enable.
    pub disabled: Option<bool>,
}

impl UserPatch {
    /// Whether the edit touches what the person may do (role, modules, live-chat, status), as
    /// opposed to only their own profile or password.
    pub fn changes_access(&self) -> bool {
        self.role.is_some()
            || self.modules.is_some()
            || self.disabled.is_some()
            || self.livechat.max_conversations.is_some()
            || self.livechat.languages.is_some()
            || self.livechat.main_language.is_some()
            || self.livechat.questionnaires.is_some()
            || self.livechat.channels.is_some()
    }

    /// Applies the edit to an account and checks the result as a whole (a main language must
    /// still be accepted, modules must fit the new role, a new password must not contain the
    /// address).
    pub fn apply(&self, current: &Account, catalog: &Catalog) -> Result<Account, Vec<Violation>> {
        let mut errors = Vec::new();
        let role = self.role.unwrap_or(current.access.role);
        let modules = match (&self.modules, self.role) {
            (Some(modules), _) => modules.clone(),
            // A new role without explicit modules takes that role's defaults, as the form does.
            (None, Some(new_role)) if new_role != current.access.role => {
                role_defaults(new_role, catalog).modules
            }
            (None, _) => current.access.modules.clone(),
        };
        let email = self.email.clone().unwrap_or_else(|| current.email.clone());
        if let Some(password) = &self.password {
            if let Err(v) = PasswordPolicy::check(password, Some(&email)) {
                errors.push(v);
            }
        }
        let livechat = self.livechat.clone();
        let access = Access {
            role,
            modules,
            livechat: livechat.over(current.access.livechat.clone()),
        }
        .normalize(catalog);
        access.check_modules_fit_role(catalog, &mut errors);
        access.check_main_language(&mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Account {
            email,
            access,
            profile: self.profile.clone().over(current.profile.clone()),
            disabled: self.disabled.unwrap_or(current.disabled),
        })
    }
}

/// The edit form (`PATCH /users/{id}`): only the fields sent change.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPatchInput {
    /// A new login address.
    #[serde(default)]
    pub email: Option<String>,
    /// A new password (ends the account's sessions).
    #[serde(default)]
    pub password: Option<String>,
    /// A new role.
    #[serde(default)]
    pub role: Option<Role>,
    /// The whole new module list.
    #[serde(default)]
    pub modules: Option<Vec<Module>>,
    /// Disables (`true`) or enables the account.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// Live-chat fields to change.
    #[serde(default)]
    pub livechat: Option<LivechatInput>,
    /// Profile fields to change.
    #[serde(default)]
    pub profile: Option<ProfileInput>,
}

/// Validates the edit form: each present field on its own. Checks that need the stored account
/// happen in [`UserPatch::apply`].
pub fn validate_user_patch(input: &Value, catalog: &Catalog) -> Result<UserPatch, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<UserPatchInput>(), &mut errors) else {
        return Err(errors);
    };
    let email = obj
        .string("email", &mut errors)
        .and_then(|raw| Email::read(raw, "email", &mut errors));
    let password = obj.string("password", &mut errors);
    if let Some(password) = password {
        if let Err(v) = PasswordPolicy::check(password, email.as_ref()) {
            errors.push(v);
        }
    }
    let patch = UserPatch {
        email,
        password: password.map(str::to_owned),
        role: read_role(&obj, false, &mut errors),
        modules: read_modules(&obj, catalog, &mut errors),
        livechat: obj
            .object("livechat", keys_of::<LivechatInput>(), &mut errors)
            .map(|o| LivechatFields::read(&o, catalog, &mut errors))
            .unwrap_or_default(),
        profile: ProfilePatch::read_in(&obj, &mut errors),
        disabled: obj.boolean("disabled", &mut errors),
    };
    if let Some(languages) = &patch.livechat.languages {
        if let Some(main) = &patch.livechat.main_language {
            if !languages.contains(main) {
                errors.push(Violation::new(
                    "livechat.mainLanguage",
                    Code::MainLanguageNotAccepted,
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_person_is_named_by_pseudonym_then_name_then_address() {
        let mut p = Profile::default();
        assert_eq!(p.display_name("lea@exemple.fr"), "lea@exemple.fr");
        p.last_name = Some("Martin".into());
        assert_eq!(p.display_name("lea@exemple.fr"), "Martin");
        p.first_name = Some("Léa".into());
        assert_eq!(p.display_name("lea@exemple.fr"), "Léa Martin");
        p.pseudonym = Some("  ".into());
        assert_eq!(
            p.display_name("lea@exemple.fr"),
            "Léa Martin",
            "a blank pseudonym is none"
        );
        p.pseudonym = Some("Léa du support".into());
        assert_eq!(p.display_name("lea@exemple.fr"), "Léa du support");
    }

    use super::*;
    use crate::access::ConversationLimit;
    use serde_json::json;

    fn codes(result: Result<impl std::fmt::Debug, Vec<Violation>>) -> Vec<(String, Code)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| (v.field, v.code))
            .collect()
    }

    fn valid_agent() -> Value {
        json!({
            "email": "Lea@Exemple.fr",
            "password": "une phrase de passe",
            "role": "agent",
            "modules": ["livechat", "history"],
            "livechat": {"maxConversations": 3, "languages": ["fr", "en"], "mainLanguage": "fr",
                         "questionnaires": ["site-fr"], "channels": ["chat"]},
            "profile": {"firstName": "Léa", "pseudonym": "Léa", "avatarUrl": "https://cdn.exemple.fr/a.png",
                        "timeZone": "Europe/Paris"}
        })
    }

    #[test]
    fn questionnaires_and_languages_come_from_the_catalog() {
        let mut input = valid_agent();
        input["livechat"]["questionnaires"] = json!(["site-fr", "site-de", "Not A Slug"]);
        input["livechat"]["languages"] = json!(["fr", "pt"]);
        input["livechat"]["mainLanguage"] = json!("pt");
        let got = codes(validate_user(&input, &crate::catalog::sample()));
        assert_eq!(
            got,
            vec![
                ("livechat.languages".to_owned(), Code::LanguageNotOffered),
                ("livechat.mainLanguage".to_owned(), Code::LanguageNotOffered),
                (
                    "livechat.questionnaires".to_owned(),
                    Code::QuestionnaireUnknown
                ),
                (
                    "livechat.questionnaires".to_owned(),
                    Code::QuestionnaireInvalid
                ),
            ]
        );
        // A new organization's catalog lists no questionnaire and offers French only.
        let got = codes(validate_user(&valid_agent(), &Catalog::default()));
        assert!(got.contains(&(
            "livechat.questionnaires".to_owned(),
            Code::QuestionnaireUnknown
        )));
        assert!(got.contains(&("livechat.languages".to_owned(), Code::LanguageNotOffered)));
    }

    #[test]
    fn a_complete_agent_is_accepted_and_normalised() {
        let user = validate_user(&valid_agent(), &crate::catalog::sample()).unwrap();
        assert_eq!(user.email.as_str(), "Lea@exemple.fr");
        assert_eq!(
            user.access.livechat.max_conversations,
            ConversationLimit::AtMost(3)
        );
        assert_eq!(user.profile.first_name.as_deref(), Some("Léa"));
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = json!({
            "email": "nope", "password": "short", "role": "boss", "modules": ["livechat", "crm"],
            "livechat": {"maxConversations": 0, "languages": [], "channels": ["fax"]},
            "profile": {"avatarUrl": "http://x.fr/a.png", "timeZone": "Mars/Olympus"},
            "extra": 1
        });
        let got = codes(validate_user(&input, &crate::catalog::sample()));
        for expected in [
            ("email", Code::EmailInvalid),
            ("password", Code::PasswordTooShort),
            ("role", Code::RoleUnknown),
            ("modules", Code::ModuleUnknown),
            ("livechat.maxConversations", Code::MaxConversationsInvalid),
            ("livechat.languages", Code::LanguagesEmpty),
            ("livechat.channels", Code::ChannelUnknown),
            ("profile.avatarUrl", Code::AvatarUrlInvalid),
            ("profile.timeZone", Code::TimezoneUnknown),
            ("extra", Code::UnknownField),
        ] {
            assert!(
                got.contains(&(expected.0.into(), expected.1)),
                "{expected:?} not in {got:?}"
            );
        }
    }

    #[test]
    fn wrong_types_and_missing_fields_are_field_errors() {
        let got = codes(validate_user(
            &json!({"email": 3, "modules": "livechat", "livechat": []}),
            &crate::catalog::sample(),
        ));
        assert!(got.contains(&("email".into(), Code::FieldType)));
        assert!(got.contains(&("password".into(), Code::FieldRequired)));
        assert!(got.contains(&("role".into(), Code::FieldRequired)));
        assert!(got.contains(&("modules".into(), Code::FieldType)));
        assert!(got.contains(&("livechat".into(), Code::FieldType)));
        assert_eq!(
            codes(validate_user(&json!([1]), &crate::catalog::sample())),
            vec![(String::new(), Code::FieldType)]
        );
    }

    #[test]
    fn admins_get_every_module_and_no_questionnaire_list() {
        let mut input = valid_agent();
        input["role"] = json!("admin");
        let user = validate_user(&input, &crate::catalog::sample().with_extra(["crm"])).unwrap();
        assert_eq!(user.access.modules.len(), 6);
        assert!(user.access.livechat.questionnaires.is_empty());
        assert!(user.access.covers("anything"));
    }

    #[test]
    fn modules_must_fit_the_role_and_main_language_must_be_accepted() {
        let mut input = valid_agent();
        input["modules"] = json!(["livechat", "settings"]);
        input["livechat"]["mainLanguage"] = json!("de");
        let got = codes(validate_user(&input, &crate::catalog::sample()));
        assert!(got.contains(&("modules".into(), Code::ModuleNotForRole)));
        assert!(got.contains(&(
            "livechat.mainLanguage".into(),
            Code::MainLanguageNotAccepted
        )));
    }

    #[test]
    fn unlimited_is_null_and_main_language_defaults_to_an_accepted_one() {
        let mut input = valid_agent();
        input["livechat"] = json!({"maxConversations": null, "languages": ["en", "es"]});
        let user = validate_user(&input, &crate::catalog::sample()).unwrap();
        assert_eq!(
            user.access.livechat.max_conversations,
            ConversationLimit::Unlimited
        );
        assert_eq!(user.access.livechat.main_language.as_str(), "en");
    }

    #[test]
    fn names_are_bounded_and_free_of_control_characters() {
        let mut input = valid_agent();
        input["profile"] = json!({"firstName": "a".repeat(101), "pseudonym": "x\u{0007}y", "lastName": "<b>ok</b>"});
        let got = codes(validate_user(&input, &crate::catalog::sample()));
        assert_eq!(
            got,
            vec![
                ("profile.firstName".into(), Code::FieldTooLong),
                ("profile.pseudonym".into(), Code::FieldInvalid)
            ]
        );
    }

    #[test]
    fn avatar_urls() {
        for ok in ["https://cdn.x.fr/a.png", "https://x.fr:8443/a?b=c#d"] {
            assert!(is_https_url(ok), "{ok}");
        }
        for bad in [
            "http://x.fr/a",
            "https://",
            "https://x",
            "javascript:alert(1)",
            "https://x.fr/\"onerror=",
            "https://u@x.fr/a",
            "https://x.fr:abc/",
        ] {
            assert!(!is_https_url(bad), "{bad}");
        }
    }

    fn account() -> Account {
        let user = validate_user(&valid_agent(), &crate::catalog::sample()).unwrap();
        Account {
            email: user.email,
            access: user.access,
            profile: user.profile,
            disabled: false,
        }
    }

    #[test]
    fn patches_apply_partially() {
        let catalog = crate::catalog::sample();
        let patch = validate_user_patch(
            &json!({"livechat": {"maxConversations": null}, "profile": {"pseudonym": null}}),
            &catalog,
        )
        .unwrap();
        assert!(patch.changes_access());
        let after = patch.apply(&account(), &catalog).unwrap();
        assert_eq!(
            after.access.livechat.max_conversations,
            ConversationLimit::Unlimited
        );
        assert_eq!(after.profile.pseudonym, None);
        assert_eq!(after.profile.first_name.as_deref(), Some("Léa"));
        assert_eq!(after.access.livechat.languages.len(), 2);
    }

    #[test]
    fn a_patch_is_checked_against_the_stored_account() {
        let catalog = crate::catalog::sample();
        let patch = validate_user_patch(
            &json!({"livechat": {"languages": ["de"], "mainLanguage": "fr"}}),
            &catalog,
        );
        assert_eq!(
            codes(patch),
            vec![(
                "livechat.mainLanguage".into(),
                Code::MainLanguageNotAccepted
            )]
        );
        let patch =
            validate_user_patch(&json!({"livechat": {"mainLanguage": "it"}}), &catalog).unwrap();
        assert_eq!(
            codes(patch.apply(&account(), &catalog)),
            vec![(
                "livechat.mainLanguage".into(),
                Code::MainLanguageNotAccepted
            )]
        );
        let patch = validate_user_patch(&json!({"password": "lea-et-son-chat"}), &catalog).unwrap();
        assert_eq!(
            codes(patch.apply(&account(), &catalog)),
            vec![("password".into(), Code::PasswordContainsEmail)]
        );
        let patch =
            validate_user_patch(&json!({"profile": {"firstName": "Léonie"}}), &catalog).unwrap();
        assert!(!patch.changes_access());
    }

    #[test]
    fn a_role_change_without_modules_takes_the_role_defaults() {
        let catalog = crate::catalog::sample();
        let promote = validate_user_patch(&json!({"role": "admin"}), &catalog).unwrap();
        let admin = promote.apply(&account(), &catalog).unwrap();
        assert!(admin.access.has_module("settings"));
        let demote = validate_user_patch(&json!({"role": "agent"}), &catalog).unwrap();
        let agent = demote.apply(&admin, &catalog).unwrap();
        assert_eq!(
            agent.access.modules,
            SortedSet::from([Module::named("livechat")])
        );
    }
}
