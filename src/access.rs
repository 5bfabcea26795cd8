//! What a person may do in the back office: their role, the modules they see, and how they take
//! live-chat conversations.

use crate::catalog::Catalog;
use crate::error::{Code, Violation};
use crate::input::{keys_of, Obj};
use crate::words::WordList;
use crate::SortedSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The three kinds of account, ordered by power.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Role {
    /// A chat agent ("conseiller", "utilisateur"): the modules granted, their own conversations.
    Agent,
    /// A team lead: desk, statistics and history; sees every conversation; manages agents.
    Manager,
    /// An administrator ("modérateur"): everything, including settings and every user.
    Admin,
}

impl Role {
    /// Every role, weakest first.
    pub const ALL: [Role; 3] = [Role::Agent, Role::Manager, Role::Admin];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// Admins take conversations for every questionnaire, so theirs are not chosen.
    pub fn covers_all_questionnaires(self) -> bool {
        self == Role::Admin
    }
}

/// A back-office module, by its catalog id (`livechat`, `statistics`…).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Module(String);

impl Module {
    /// The desk where conversations are answered; routing requires it.
    pub const LIVECHAT: &'static str = "livechat";
    /// Team and user management.
    pub const USERS: &'static str = "users";
    /// Platform settings.
    pub const SETTINGS: &'static str = "settings";

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A module by id, unchecked: use [`Catalog::module`] for input.
    pub fn named(id: &str) -> Module {
        Module(id.to_owned())
    }
}

/// A lower-case identifier: `a-z`, `0-9`, `-`, `_`, 1 to 64 characters.
pub(crate) fn is_slug(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

/// How a visitor reaches the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Channel {
    /// Text chat in the site's chat box.
    Chat,
    /// Phone call.
    Call,
    /// Video call.
    Video,
    /// Asynchronous messaging (WhatsApp, Messenger…).
    Messaging,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 4] = [
        Channel::Chat,
        Channel::Call,
        Channel::Video,
        Channel::Messaging,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Chat => "chat",
            Channel::Call => "call",
            Channel::Video => "video",
            Channel::Messaging => "messaging",
        }
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// How many conversations someone may hold at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConversationLimit {
    /// No limit ("illimité").
    Unlimited,
    /// At most this many, within [`ConversationLimit::RANGE`].
    AtMost(u8),
}

impl ConversationLimit {
    /// The numbers a limited count may take.
    pub const RANGE: std::ops::RangeInclusive<u8> = 1..=50;

    /// Whether someone holding `load` conversations may take one more.
    pub fn has_room(self, load: u32) -> bool {
        match self {
            ConversationLimit::Unlimited => true,
            ConversationLimit::AtMost(n) => load < u32::from(n),
        }
    }

    /// Reads `null` (unlimited) or a whole number in range.
    pub(crate) fn read(value: &Value, path: &str, errors: &mut Vec<Violation>) -> Option<Self> {
        let invalid = || {
            Violation::new(path, Code::MaxConversationsInvalid)
                .min(usize::from(*Self::RANGE.start()))
                .max(usize::from(*Self::RANGE.end()))
        };
        match value {
            Value::Null => Some(ConversationLimit::Unlimited),
            Value::Number(n) => match n.as_u64().and_then(|n| u8::try_from(n).ok()) {
                Some(n) if Self::RANGE.contains(&n) => Some(ConversationLimit::AtMost(n)),
                _ => {
                    errors.push(invalid());
                    None
                }
            },
            _ => {
                errors.push(invalid());
                None
            }
        }
    }
}

impl<'de> Deserialize<'de> for ConversationLimit {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Option::<u8>::deserialize(d)? {
            None => Ok(ConversationLimit::Unlimited),
            Some(n) if Self::RANGE.contains(&n) => Ok(ConversationLimit::AtMost(n)),
            Some(n) => Err(serde::de::Error::custom(format_args!(
                "max conversations `{n}` is not null or 1 to 50"
            ))),
        }
    }
}

impl Serialize for ConversationLimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ConversationLimit::Unlimited => s.serialize_none(),
            ConversationLimit::AtMost(n) => s.serialize_u8(*n),
        }
    }
}

// Its serde form is written by hand above, so its OpenAPI schema is too (and its TypeScript type,
// in the facade).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ConversationLimit {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
            .minimum(Some(*Self::RANGE.start()))
            .maximum(Some(*Self::RANGE.end()))
            .description(Some("Simultaneous conversations: `null` for unlimited"))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ConversationLimit {}

static LANGUAGES: WordList = WordList::new(include_str!("data/languages.txt"));
static TIME_ZONES: WordList = WordList::new(include_str!("data/time_zones.txt"));

/// An ISO 639-1 language code (`fr`, `en`…).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    /// Reads a code, case-insensitively; `None` when it is not ISO 639-1.
    pub fn parse(code: &str) -> Option<Language> {
        let code = code.trim().to_ascii_lowercase();
        LANGUAGES.contains(&code).then_some(Language(code))
    }

    /// Every accepted code.
    pub fn all() -> impl Iterator<Item = &'static str> {
        LANGUAGES.all()
    }

    /// French, the default accepted language.
    pub fn french() -> Language {
        Language("fr".to_owned())
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone name (`Europe/Paris`), checked against the bundled tz database list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct TimeZone(String);

impl TimeZone {
    /// Reads an exact IANA name.
    pub fn parse(name: &str) -> Option<TimeZone> {
        let name = name.trim();
        TIME_ZONES.contains(name).then(|| TimeZone(name.to_owned()))
    }

    /// Every accepted name.
    pub fn all() -> impl Iterator<Item = &'static str> {
        TIME_ZONES.all()
    }

    /// The product's home time zone.
    pub fn default_zone() -> TimeZone {
        TimeZone("Europe/Paris".to_owned())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A questionnaire or project (a site) whose waiting conversations someone may take.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Questionnaire(String);

impl Questionnaire {
    /// Reads an id (lower-case slug).
    pub fn parse(id: &str) -> Option<Questionnaire> {
        is_slug(id).then(|| Questionnaire(id.to_owned()))
    }

    /// An id as a stored actor holds it, unchecked (as serde reads it).
    pub(crate) fn unchecked(id: &str) -> Questionnaire {
        Questionnaire(id.to_owned())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How someone takes live-chat conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LivechatSettings {
    /// Simultaneous conversations.
    pub max_conversations: ConversationLimit,
    /// Accepted languages, never empty.
    pub languages: SortedSet<Language>,
    /// The native language, one of `languages`.
    pub main_language: Language,
    /// Questionnaires covered; always empty for admins, who cover them all.
    pub questionnaires: SortedSet<Questionnaire>,
    /// Channels the agent answers on.
    pub channels: SortedSet<Channel>,
}

/// A person's whole access: what the add form, the edit form and an invitation decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Access {
    /// The role.
    pub role: Role,
    /// The modules held; for admins, always the whole catalog.
    pub modules: SortedSet<Module>,
    /// Live-chat settings.
    pub livechat: LivechatSettings,
}

impl Access {
    /// The access as authorization sees it when granted to someone.
    pub fn grant(&self, disabled: bool) -> crate::Grant {
        crate::Grant {
            role: self.role,
            modules: self.modules.clone(),
            questionnaires: self.livechat.questionnaires.clone(),
            disabled,
        }
    }

    /// Whether this access includes a module.
    pub fn has_module(&self, id: &str) -> bool {
        self.modules.iter().any(|m| m.as_str() == id)
    }

    /// Whether this access may take conversations of a questionnaire.
    pub fn covers(&self, questionnaire: &str) -> bool {
        self.role.covers_all_questionnaires()
            || self
                .livechat
                .questionnaires
                .iter()
                .any(|q| q.as_str() == questionnaire)
    }

    /// Brings the access in line with its role: an admin holds every module and every
    /// questionnaire, whatever was sent (the form locks those fields).
    pub(crate) fn normalize(mut self, catalog: &Catalog) -> Self {
        if self.role == Role::Admin {
            self.modules = catalog.allowed_for(Role::Admin);
            self.livechat.questionnaires.clear();
        }
        self
    }

    /// Reports modules the role may not hold; run after any change of role or modules.
    pub(crate) fn check_modules_fit_role(&self, catalog: &Catalog, errors: &mut Vec<Violation>) {
        for module in &self.modules {
            if let Some(entry) = catalog.module(module.as_str()) {
                if entry.min_role > self.role {
                    errors.push(
                        Violation::new("modules", Code::ModuleNotForRole).value(module.as_str()),
                    );
                }
            }
        }
    }

    /// Reports a main language outside the accepted ones.
    pub(crate) fn check_main_language(&self, errors: &mut Vec<Violation>) {
        if !self
            .livechat
            .languages
            .contains(&self.livechat.main_language)
        {
            errors.push(Violation::new(
                "livechat.mainLanguage",
                Code::MainLanguageNotAccepted,
            ));
        }
    }
}

/// What the form shows and pre-fills when a role is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RoleDefaults {
    /// The role.
    pub role: Role,
    /// Modules ticked.
    pub modules: SortedSet<Module>,
    /// Modules that may be ticked at all.
    pub allowed_modules: SortedSet<Module>,
    /// Whether module ticks are locked (admins hold everything).
    pub modules_locked: bool,
    /// Whether the questionnaire picker is shown (hidden for admins, who have them all).
    pub show_questionnaires: bool,
    /// Default live-chat settings.
    pub livechat: LivechatSettings,
    /// Default time zone.
    pub time_zone: TimeZone,
}

/// The form's defaults for a role.
pub fn role_defaults(role: Role, catalog: &Catalog) -> RoleDefaults {
    RoleDefaults {
        role,
        modules: catalog.defaults_for(role),
        allowed_modules: catalog.allowed_for(role),
        modules_locked: role == Role::Admin,
        show_questionnaires: !role.covers_all_questionnaires(),
        livechat: LivechatSettings {
            // The onboarding guide suggests 2 to 3 simultaneous chats for an agent.
            max_conversations: match role {
                Role::Agent => ConversationLimit::AtMost(3),
                Role::Manager | Role::Admin => ConversationLimit::Unlimited,
            },
            languages: SortedSet::from([catalog.default_language()]),
            main_language: catalog.default_language(),
            questionnaires: SortedSet::new(),
            channels: SortedSet::from([Channel::Chat]),
        },
        time_zone: TimeZone::default_zone(),
    }
}

/// The `livechat` object of a request: any subset; what is left out takes the role's defaults
/// (on an edit, stays as it was).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LivechatInput {
    /// `null` for unlimited, else 1 to 50.
    #[serde(default)]
    pub max_conversations: Option<ConversationLimit>,
    /// Accepted languages (ISO 639-1), at least one.
    #[serde(default)]
    pub languages: Option<Vec<Language>>,
    /// One of the accepted languages.
    #[serde(default)]
    pub main_language: Option<Language>,
    /// Questionnaire ids (ignored for admins, who cover all).
    #[serde(default)]
    pub questionnaires: Option<Vec<Questionnaire>>,
    /// Channels answered on.
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
}

/// The live-chat fields present in an input, each already checked on its own.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct LivechatFields {
    pub max_conversations: Option<ConversationLimit>,
    pub languages: Option<SortedSet<Language>>,
    pub main_language: Option<Language>,
    pub questionnaires: Option<SortedSet<Questionnaire>>,
    pub channels: Option<SortedSet<Channel>>,
}

impl LivechatFields {
    /// Reads whichever live-chat fields are present, against the organization's catalog.
    pub(crate) fn read(obj: &Obj<'_>, catalog: &Catalog, errors: &mut Vec<Violation>) -> Self {
        let mut fields = LivechatFields::default();
        if let Some(value) = obj.raw("maxConversations") {
            fields.max_conversations =
                ConversationLimit::read(value, &obj.path("maxConversations"), errors);
        }
        if let Some(codes) = obj.strings("languages", errors) {
            let path = obj.path("languages");
            if codes.is_empty() {
                errors.push(Violation::new(&path, Code::LanguagesEmpty));
            } else {
                fields.languages =
                    read_each(&codes, |code| catalog.read_language(code, &path, errors));
            }
        }
        if let Some(code) = obj.string("mainLanguage", errors) {
            fields.main_language = catalog.read_language(code, &obj.path("mainLanguage"), errors);
        }
        if let Some(ids) = obj.strings("questionnaires", errors) {
            let path = obj.path("questionnaires");
            fields.questionnaires =
                read_each(&ids, |id| catalog.read_questionnaire(id, &path, errors));
        }
        if let Some(names) = obj.strings("channels", errors) {
            fields.channels = parse_each(
                &names,
                &obj.path("channels"),
                Channel::parse,
                Code::ChannelUnknown,
                errors,
            );
        }
        fields
    }

    /// Fills what is missing from `base`; a main language left out follows the languages.
    pub(crate) fn over(self, base: LivechatSettings) -> LivechatSettings {
        let languages = self.languages.unwrap_or(base.languages);
        let main_language = self.main_language.unwrap_or_else(|| {
            if languages.contains(&base.main_language) {
                base.main_language
            } else {
                languages
                    .iter()
                    .next()
                    .cloned()
                    .unwrap_or_else(Language::french)
            }
        });
        LivechatSettings {
            max_conversations: self.max_conversations.unwrap_or(base.max_conversations),
            languages,
            main_language,
            questionnaires: self.questionnaires.unwrap_or(base.questionnaires),
            channels: self.channels.unwrap_or(base.channels),
        }
    }
}

/// Reads every item of a list with a reader that reports its own refusals; `None` if any was bad.
fn read_each<T: Ord>(
    items: &[&str],
    mut read: impl FnMut(&str) -> Option<T>,
) -> Option<SortedSet<T>> {
    let mut out = SortedSet::new();
    let mut ok = true;
    for item in items {
        match read(item) {
            Some(parsed) => {
                out.insert(parsed);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// Parses every item of a list, reporting each bad one; `None` if any was bad.
pub(crate) fn parse_each<T: Ord>(
    items: &[&str],
    path: &str,
    parse: impl Fn(&str) -> Option<T>,
    code: Code,
    errors: &mut Vec<Violation>,
) -> Option<SortedSet<T>> {
    read_each(items, |item| {
        let parsed = parse(item);
        if parsed.is_none() {
            errors.push(Violation::new(path, code).value(item));
        }
        parsed
    })
}

/// Reads a role field.
pub(crate) fn read_role(
    obj: &Obj<'_>,
    required: bool,
    errors: &mut Vec<Violation>,
) -> Option<Role> {
    let name = if required {
        obj.required_string("role", errors)?
    } else {
        obj.string("role", errors)?
    };
    let role = Role::parse(name);
    if role.is_none() {
        errors.push(Violation::new(obj.path("role"), Code::RoleUnknown).value(name));
    }
    role
}

/// Reads a modules field against the catalog.
pub(crate) fn read_modules(
    obj: &Obj<'_>,
    catalog: &Catalog,
    errors: &mut Vec<Violation>,
) -> Option<SortedSet<Module>> {
    let ids = obj.strings("modules", errors)?;
    parse_each(
        &ids,
        &obj.path("modules"),
        |id| catalog.module(id).map(|e| e.id.clone()),
        Code::ModuleUnknown,
        errors,
    )
}

/// Reads role, modules and live-chat settings for a new account (add form or invitation),
/// starting from the role's defaults.
pub(crate) fn read_new_access(
    obj: &Obj<'_>,
    catalog: &Catalog,
    errors: &mut Vec<Violation>,
) -> Option<Access> {
    let role = read_role(obj, true, errors);
    let modules = read_modules(obj, catalog, errors);
    let livechat = obj
        .object("livechat", keys_of::<LivechatInput>(), errors)
        .map(|o| LivechatFields::read(&o, catalog, errors))
        .unwrap_or_default();
    let role = role?;
    let defaults = role_defaults(role, catalog);
    let access = Access {
        role,
        modules: modules.unwrap_or(defaults.modules),
        livechat: livechat.over(defaults.livechat),
    }
    .normalize(catalog);
    access.check_modules_fit_role(catalog, errors);
    access.check_main_language(errors);
    Some(access)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_defaults_hold_every_module_and_hide_questionnaires() {
        let catalog = Catalog::default().with_extra(["crm"]);
        let d = role_defaults(Role::Admin, &catalog);
        assert_eq!(d.modules.len(), catalog.modules().len());
        assert!(d.modules_locked && !d.show_questionnaires);
        assert_eq!(d.livechat.max_conversations, ConversationLimit::Unlimited);
    }

    #[test]
    fn agent_and_manager_defaults_follow_the_guides() {
        let catalog = Catalog::default();
        let agent = role_defaults(Role::Agent, &catalog);
        assert_eq!(agent.modules, SortedSet::from([Module::named("livechat")]));
        assert!(!agent.allowed_modules.contains(&Module::named("users")));
        assert!(agent.show_questionnaires);
        assert_eq!(
            agent.livechat.languages,
            SortedSet::from([Language::french()])
        );
        let manager = role_defaults(Role::Manager, &catalog);
        for m in ["livechat", "statistics", "history", "users"] {
            assert!(manager.modules.contains(&Module::named(m)), "{m}");
        }
        assert!(!manager.allowed_modules.contains(&Module::named("settings")));
    }

    #[test]
    fn limits_languages_and_zones() {
        assert!(ConversationLimit::AtMost(2).has_room(1));
        assert!(!ConversationLimit::AtMost(2).has_room(2));
        assert!(ConversationLimit::Unlimited.has_room(u32::MAX));
        assert_eq!(Language::parse(" EN ").map(|l| l.0), Some("en".into()));
        assert!(Language::parse("xx").is_none() && Language::parse("fra").is_none());
        assert!(TimeZone::parse("America/Argentina/Buenos_Aires").is_some());
        assert!(TimeZone::parse("Europe/Pariss").is_none());
        assert!(TimeZone::parse("europe/paris").is_none());
    }

    #[test]
    fn extra_modules_are_slugs_and_unique() {
        let catalog = Catalog::default().with_extra(["crm", "CRM", "", "livechat", "crm"]);
        assert_eq!(catalog.modules().len(), 6);
    }
}
