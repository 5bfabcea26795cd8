//! The vendor's other services as callers: integration keys (the chat box, a chat server) act
//! inside one organization within their scopes; a signed identity token tells those services who
//! a person is and what they hold, so that they decide with the same rules (`Actor`).

use crate::access::{Access, ConversationLimit, Language, Module, Role};
use crate::authz::{authorize, conversation_scope, user_scope, Action, Actor};
use crate::authz::{ConversationScope, UserScope};
use crate::error::{Code, Violation};
use crate::input::{keys_of, object};
use crate::organization::OrganizationId;
use crate::SortedSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What every integration key starts with, so that a leaked one is recognisable (secret scanners,
/// logs) and never mistaken for a session.
pub const KEY_PREFIX: &str = "lca_live_";

/// Longest key name, in characters.
pub const MAX_KEY_NAME: usize = 100;

/// What a key may do; nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Scope {
    /// Open conversations for visitors (the chat box).
    #[serde(rename = "conversations:open")]
    OpenConversations,
    /// Read people and their access (`GET /users`).
    #[serde(rename = "people:read")]
    ReadPeople,
    /// Read every conversation of the organization.
    #[serde(rename = "conversations:read")]
    ReadConversations,
    /// Transfer and close conversations (a chat server).
    #[serde(rename = "conversations:manage")]
    ManageConversations,
    /// Ask for a person's signed identity token (a chat server acting for an agent).
    #[serde(rename = "identity:issue")]
    IssueIdentityTokens,
}

impl Scope {
    /// Every scope, in the order the page lists them.
    pub const ALL: [Scope; 5] = [
        Scope::OpenConversations,
        Scope::ReadPeople,
        Scope::ReadConversations,
        Scope::ManageConversations,
        Scope::IssueIdentityTokens,
    ];

    /// The wire name (`conversations:open`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OpenConversations => "conversations:open",
            Scope::ReadPeople => "people:read",
            Scope::ReadConversations => "conversations:read",
            Scope::ManageConversations => "conversations:manage",
            Scope::IssueIdentityTokens => "identity:issue",
        }
    }

    /// Reads a wire name exactly.
    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The scope an action needs from a key; `None` when no key may do it (managing people,
    /// settings, the audit log: those stay with signed-in people).
    pub fn needed_for(action: &Action) -> Option<Scope> {
        match action {
            Action::OpenConversation => Some(Scope::OpenConversations),
            Action::ListUsers | Action::ViewUser { .. } => Some(Scope::ReadPeople),
            Action::ViewConversation { .. } => Some(Scope::ReadConversations),
            Action::TransferConversation { .. } | Action::CloseConversation { .. } => {
                Some(Scope::ManageConversations)
            }
            Action::IssueIdentityToken { .. } => Some(Scope::IssueIdentityTokens),
            Action::AccessModule { .. }
            | Action::ReplyConversation { .. }
            | Action::CreateUser { .. }
            | Action::InviteUser { .. }
            | Action::EditUser { .. }
            | Action::DeleteUser { .. }
            | Action::ResetSecondFactors { .. }
            | Action::ChangeSettings
            | Action::ViewAudit => None,
        }
    }
}

/// A new key's form (`POST /organization/integration-keys`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrationKeyInput {
    /// What it is for, as admins will recognise it in the list (`Chat box – site`).
    pub name: String,
    /// What it may do; at least one.
    pub scopes: Vec<Scope>,
}

/// A valid new key: its name and scopes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIntegrationKey {
    /// Trimmed name.
    pub name: String,
    /// At least one scope, each once.
    pub scopes: SortedSet<Scope>,
}

/// Validates a new key's form: a name (1 to 100 characters) and at least one known scope.
pub fn validate_integration_key(input: &Value) -> Result<NewIntegrationKey, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<IntegrationKeyInput>(), &mut errors) else {
        return Err(errors);
    };
    let name = obj.required_text("name", MAX_KEY_NAME, &mut errors);
    let mut scopes = SortedSet::new();
    if let Some(names) = obj.required_strings("scopes", &mut errors) {
        for (i, name) in names.iter().enumerate() {
            match Scope::parse(name) {
                Some(scope) => {
                    scopes.insert(scope);
                }
                None => errors
                    .push(Violation::new(format!("scopes[{i}]"), Code::ScopeUnknown).value(name)),
            }
        }
        if names.is_empty() {
            errors.push(Violation::new("scopes", Code::ScopesEmpty));
        }
    }
    match name {
        Some(name) if errors.is_empty() => Ok(NewIntegrationKey { name, scopes }),
        _ => Err(errors),
    }
}

/// `POST /token`'s body: whose identity token (a key must say; a person gets their own).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityTokenInput {
    /// The person's id; left out, the signed-in person's own.
    #[serde(default)]
    pub user_id: Option<String>,
}

/// Reads `POST /token`'s body: the person asked for, if named.
pub fn validate_identity_token_request(input: &Value) -> Result<Option<String>, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<IdentityTokenInput>(), &mut errors) else {
        return Err(errors);
    };
    let user_id = obj.string("userId", &mut errors).map(str::to_owned);
    if errors.is_empty() {
        Ok(user_id)
    } else {
        Err(errors)
    }
}

/// An integration key as authorization sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntegrationKey {
    /// Its id (the deployment's `SERVICE_TOKEN`, read as a key, is `service-token`).
    pub id: String,
    /// The organization it acts in: nothing outside exists for it.
    pub organization: OrganizationId,
    /// What it may do.
    pub scopes: SortedSet<Scope>,
}

/// The id the deployment's `SERVICE_TOKEN` takes when read as a key of the default organization.
pub const SERVICE_TOKEN_KEY_ID: &str = "service-token";

impl IntegrationKey {
    /// The deployment's `SERVICE_TOKEN`, kept working where it was set: a key of the default
    /// organization that opens conversations and nothing else.
    pub fn service_token() -> IntegrationKey {
        let mut scopes = SortedSet::new();
        scopes.insert(Scope::OpenConversations);
        IntegrationKey {
            id: SERVICE_TOKEN_KEY_ID.into(),
            organization: OrganizationId::default_organization(),
            scopes,
        }
    }

    /// The deployment's `SERVICE_TOKEN` as `organization`'s admins see it: its chat-box key when
    /// the secret is still `set` and this is the default organization, else nothing.
    pub fn service_token_of(organization: &OrganizationId, set: bool) -> Option<IntegrationKey> {
        let key = IntegrationKey::service_token();
        (set && key.organization == *organization).then_some(key)
    }
}

/// Who is asking: a signed-in person, or one of the organization's integration keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A person, by their session.
    Person(Actor),
    /// A service, by its key.
    Key(IntegrationKey),
}

impl Caller {
    /// The organization the caller acts in.
    pub fn organization(&self) -> &OrganizationId {
        match self {
            Caller::Person(actor) => &actor.organization,
            Caller::Key(key) => &key.organization,
        }
    }

    /// Decides whether the caller may do `action`: a person by [`authorize`]; a key only inside
    /// its organization (anything else is `not_found`), only for actions a key may take
    /// (`key_not_accepted`) and only within its scopes (`key_scope_missing`).
    pub fn authorize(&self, action: &Action) -> Result<(), Code> {
        match self {
            Caller::Person(actor) => authorize(actor, action),
            Caller::Key(key) => {
                if let Some(theirs) = action.organization() {
                    if *theirs != key.organization {
                        return Err(Code::NotFound);
                    }
                }
                let needed = Scope::needed_for(action).ok_or(Code::KeyNotAccepted)?;
                if !key.scopes.contains(&needed) {
                    return Err(Code::KeyScopeMissing);
                }
                match action {
                    // A disabled person holds nothing a service could act on.
                    Action::IssueIdentityToken { target } if target.disabled => {
                        Err(Code::AccountDisabled)
                    }
                    _ => Ok(()),
                }
            }
        }
    }

    /// The people the caller may list: a key with `people:read` sees everyone of its
    /// organization.
    pub fn user_scope(&self) -> UserScope {
        match self {
            Caller::Person(actor) => user_scope(actor),
            Caller::Key(_) => UserScope::All,
        }
    }

    /// The conversations the caller may list: a key with `conversations:read`, all of them.
    pub fn conversation_scope(&self) -> ConversationScope {
        match self {
            Caller::Person(actor) => conversation_scope(actor),
            Caller::Key(_) => ConversationScope::All,
        }
    }
}

/// Live-chat access as an identity token carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LivechatClaims {
    /// Accepted languages.
    pub languages: Vec<Language>,
    /// The native language.
    pub main_language: Language,
    /// The questionnaires they take conversations for: their own and their teams' (empty for
    /// admins, who take them all).
    pub questionnaires: Vec<String>,
    /// The questionnaires granted to them directly (what they may grant others, as a manager).
    pub own_questionnaires: Vec<String>,
    /// Channels.
    pub channels: Vec<String>,
    /// Simultaneous conversations: `null` for unlimited.
    pub max_conversations: ConversationLimit,
}

/// Who a person is and what they hold, signed by the Worker (ES256) for the vendor's other
/// services. The registered claims (`iss`, `sub`, `aud`, `iat`, `exp`) follow RFC 7519.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityClaims {
    /// The deployment's address.
    pub iss: String,
    /// Always `livechat-access`: what the verifier checks it was meant for.
    pub aud: String,
    /// The person's id.
    pub sub: String,
    /// Their organization's id.
    pub org: String,
    /// Their login address.
    pub email: String,
    /// Their role.
    pub role: Role,
    /// Their modules.
    pub modules: Vec<Module>,
    /// Their live-chat access.
    pub livechat: LivechatClaims,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// This token's id.
    pub jti: String,
}

/// The audience every identity token names.
pub const IDENTITY_AUDIENCE: &str = "livechat-access";

/// What an identity token is made of, before the claims are built.
pub struct IdentityOf<'a> {
    /// The deployment's address (`iss`).
    pub issuer: &'a str,
    /// The person's id, organization and login.
    pub id: &'a str,
    /// Their organization.
    pub organization: &'a OrganizationId,
    /// Their login.
    pub email: &'a str,
    /// Their access as stored.
    pub access: &'a Access,
    /// Their teams' questionnaires.
    pub team_questionnaires: &'a [String],
}

impl IdentityClaims {
    /// The claims for a person at `now_s` (seconds), valid `ttl_s` seconds.
    pub fn of(person: &IdentityOf<'_>, now_s: i64, ttl_s: i64, jti: String) -> IdentityClaims {
        let livechat = &person.access.livechat;
        let own: Vec<String> = livechat
            .questionnaires
            .iter()
            .map(|q| q.as_str().to_owned())
            .collect();
        let mut questionnaires = own.clone();
        if !person.access.role.covers_all_questionnaires() {
            questionnaires.extend(person.team_questionnaires.iter().cloned());
        }
        questionnaires.sort();
        questionnaires.dedup();
        IdentityClaims {
            iss: person.issuer.to_owned(),
            aud: IDENTITY_AUDIENCE.to_owned(),
            sub: person.id.to_owned(),
            org: person.organization.as_str().to_owned(),
            email: person.email.to_owned(),
            role: person.access.role,
            modules: person.access.modules.iter().cloned().collect(),
            livechat: LivechatClaims {
                languages: livechat.languages.iter().cloned().collect(),
                main_language: livechat.main_language.clone(),
                questionnaires,
                own_questionnaires: own,
                channels: livechat
                    .channels
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect(),
                max_conversations: livechat.max_conversations,
            },
            iat: now_s,
            exp: now_s + ttl_s,
            jti,
        }
    }

    /// The actor these claims describe, as the Worker would hold it: the same decisions in a
    /// service that verified the token. Only an enabled person gets a token.
    pub fn actor(&self) -> Actor {
        Actor {
            id: self.sub.clone(),
            organization: OrganizationId::new(&self.org),
            role: self.role,
            modules: self.modules.iter().cloned().collect(),
            questionnaires: self
                .livechat
                .own_questionnaires
                .iter()
                .map(|q| crate::access::Questionnaire::unchecked(q))
                .collect(),
            disabled: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::{ConversationRef, Subject};
    use serde_json::json;

    fn key(scopes: &[Scope]) -> Caller {
        let mut set = SortedSet::new();
        for s in scopes {
            set.insert(*s);
        }
        Caller::Key(IntegrationKey {
            id: "k1".into(),
            organization: OrganizationId::new("acme"),
            scopes: set,
        })
    }

    fn conversation(org: &str) -> ConversationRef {
        ConversationRef {
            organization: OrganizationId::new(org),
            assigned_to: Some("u1".into()),
        }
    }

    fn subject(org: &str, disabled: bool) -> Subject {
        Subject {
            id: "u1".into(),
            organization: OrganizationId::new(org),
            role: Role::Agent,
            disabled,
        }
    }

    #[test]
    fn a_key_acts_within_its_scopes_only() {
        let chat_box = key(&[Scope::OpenConversations]);
        assert_eq!(chat_box.authorize(&Action::OpenConversation), Ok(()));
        assert_eq!(
            chat_box.authorize(&Action::ListUsers),
            Err(Code::KeyScopeMissing)
        );
        let view = Action::ViewConversation {
            conversation: conversation("acme"),
        };
        assert_eq!(chat_box.authorize(&view), Err(Code::KeyScopeMissing));
        let server = key(&[Scope::ReadConversations, Scope::ManageConversations]);
        assert_eq!(server.authorize(&view), Ok(()));
        let close = Action::CloseConversation {
            conversation: conversation("acme"),
        };
        assert_eq!(server.authorize(&close), Ok(()));
        assert_eq!(
            server.authorize(&Action::OpenConversation),
            Err(Code::KeyScopeMissing)
        );
    }

    #[test]
    fn no_scope_lets_a_key_manage_people_or_settings() {
        let all = key(&Scope::ALL);
        for action in [
            Action::ChangeSettings,
            Action::ViewAudit,
            Action::DeleteUser {
                target: subject("acme", false),
                active_admins: 3,
            },
            Action::AccessModule {
                module: Module::named(Module::LIVECHAT),
            },
        ] {
            assert_eq!(
                all.authorize(&action),
                Err(Code::KeyNotAccepted),
                "{action:?}"
            );
        }
    }

    #[test]
    fn another_organization_does_not_exist_for_a_key() {
        let all = key(&Scope::ALL);
        let theirs = Action::TransferConversation {
            conversation: conversation("globex"),
        };
        assert_eq!(all.authorize(&theirs), Err(Code::NotFound));
        let person = Action::ViewUser {
            target: subject("globex", false),
        };
        assert_eq!(all.authorize(&person), Err(Code::NotFound));
        // Not found before any scope question: a key cannot probe ids of other organizations.
        let none = key(&[]);
        assert_eq!(none.authorize(&theirs), Err(Code::NotFound));
    }

    #[test]
    fn identity_tokens_go_to_enabled_people_only() {
        let issuer = key(&[Scope::IssueIdentityTokens]);
        let enabled = Action::IssueIdentityToken {
            target: subject("acme", false),
        };
        assert_eq!(issuer.authorize(&enabled), Ok(()));
        let disabled = Action::IssueIdentityToken {
            target: subject("acme", true),
        };
        assert_eq!(issuer.authorize(&disabled), Err(Code::AccountDisabled));
        assert_eq!(
            key(&[Scope::ReadPeople]).authorize(&enabled),
            Err(Code::KeyScopeMissing)
        );
    }

    #[test]
    fn the_service_token_opens_conversations_in_the_default_organization_only() {
        let legacy = Caller::Key(IntegrationKey::service_token());
        assert_eq!(legacy.authorize(&Action::OpenConversation), Ok(()));
        assert_eq!(
            legacy.organization(),
            &OrganizationId::default_organization()
        );
        assert_eq!(
            legacy.authorize(&Action::ListUsers),
            Err(Code::KeyScopeMissing)
        );
        let default = OrganizationId::default_organization();
        assert!(IntegrationKey::service_token_of(&default, true).is_some());
        assert!(IntegrationKey::service_token_of(&default, false).is_none());
        assert!(IntegrationKey::service_token_of(&OrganizationId::new("acme"), true).is_none());
    }

    #[test]
    fn a_key_form_needs_a_name_and_known_scopes() {
        let ok = validate_integration_key(&json!({"name": " Chat box ", "scopes": ["conversations:open", "people:read", "conversations:open"]})).unwrap();
        assert_eq!(ok.name, "Chat box");
        assert_eq!(
            ok.scopes.iter().copied().collect::<Vec<_>>(),
            [Scope::OpenConversations, Scope::ReadPeople]
        );
        let codes = |v: Value| {
            validate_integration_key(&v)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            codes(json!({"name": "x", "scopes": ["admin"]})),
            [("scopes[0]".to_owned(), Code::ScopeUnknown)]
        );
        assert_eq!(
            codes(json!({"name": "x", "scopes": []})),
            [("scopes".to_owned(), Code::ScopesEmpty)]
        );
        assert_eq!(
            codes(json!({"scopes": ["people:read"]})),
            [("name".to_owned(), Code::FieldRequired)]
        );
        assert_eq!(
            codes(json!({"name": "x", "scopes": ["people:read"], "role": "admin"})),
            [("role".to_owned(), Code::UnknownField)]
        );
    }

    #[test]
    fn claims_carry_teams_questionnaires_and_read_back_as_the_same_actor() {
        let access: Access = serde_json::from_value(json!({
            "role": "agent", "modules": ["livechat"],
            "livechat": {"maxConversations": 3, "languages": ["en", "fr"], "mainLanguage": "fr",
                          "questionnaires": ["sales"], "channels": ["chat"]}
        }))
        .unwrap();
        let org = OrganizationId::new("acme");
        let person = IdentityOf {
            issuer: "https://x",
            id: "u1",
            organization: &org,
            email: "a@x.fr",
            access: &access,
            team_questionnaires: &["support".into(), "sales".into()],
        };
        let claims = IdentityClaims::of(&person, 1_000, 300, "j1".into());
        assert_eq!((claims.iat, claims.exp), (1_000, 1_300));
        assert_eq!(claims.livechat.questionnaires, ["sales", "support"]);
        assert_eq!(claims.livechat.own_questionnaires, ["sales"]);
        assert_eq!(
            claims.livechat.max_conversations,
            ConversationLimit::AtMost(3)
        );
        let wire = serde_json::to_value(&claims).unwrap();
        assert_eq!(wire["livechat"]["maxConversations"], json!(3));
        assert_eq!(wire["role"], json!("agent"));
        let back: IdentityClaims = serde_json::from_value(wire).unwrap();
        let actor = back.actor();
        assert_eq!(actor.questionnaires.len(), 1);
        assert_eq!(actor.organization, org);
        let module = Action::AccessModule {
            module: Module::named(Module::LIVECHAT),
        };
        assert_eq!(authorize(&actor, &module), Ok(()));
    }
}
