//! Decoding the typed inputs of the JS API (actor, action, conversation, agents) with the form
//! readers of [`crate::input`]: the one reader of these shapes (the types derive no serde
//! decoder), small in the browser build, and an error names the field that broke.

use crate::access::{Channel, ConversationLimit, Module, Questionnaire, Role};
use crate::authz::{Action, Actor, ConversationRef, Grant, Subject};
use crate::error::{Code, Violation};
use crate::input::{join, object, strings, Obj};
use crate::organization::OrganizationId;
use crate::routing::{AgentSnapshot, Presence, WaitingConversation};
use serde_json::Value;

type Decoded<T> = Result<T, Violation>;

/// The value, or the first error; the path is only built when something failed.
fn first<T>(value: Option<T>, errors: Vec<Violation>, path: impl FnOnce() -> String) -> Decoded<T> {
    match (value, errors.into_iter().next()) {
        (Some(value), None) => Ok(value),
        (_, Some(error)) => Err(error),
        (None, None) => Err(Violation::new(path(), Code::FieldInvalid)),
    }
}

fn open<'a>(value: &'a Value, path: &str, keys: &[&str]) -> Decoded<Obj<'a>> {
    let mut errors = Vec::new();
    let obj = object(value, path, keys, &mut errors);
    first(obj, errors, || path.to_owned())
}

fn text(obj: &Obj<'_>, key: &str) -> Decoded<String> {
    let mut errors = Vec::new();
    let value = obj.required_string(key, &mut errors).map(str::to_owned);
    first(value, errors, || obj.path(key))
}

fn named<T>(obj: &Obj<'_>, key: &str, parse: impl Fn(&str) -> Option<T>, code: Code) -> Decoded<T> {
    let name = text(obj, key)?;
    parse(&name).ok_or_else(|| Violation::new(obj.path(key), code).value(&name))
}

fn flag(obj: &Obj<'_>, key: &str) -> Decoded<bool> {
    let mut errors = Vec::new();
    let value = obj.boolean(key, &mut errors).unwrap_or(false);
    first(Some(value), errors, || obj.path(key))
}

fn list(obj: &Obj<'_>, key: &str, required: bool) -> Decoded<Vec<String>> {
    match obj.raw(key) {
        None | Some(Value::Null) if !required => Ok(Vec::new()),
        None | Some(Value::Null) => Err(Violation::new(obj.path(key), Code::FieldRequired)),
        // The common case, checked without building paths.
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()),
        Some(value) => {
            let path = obj.path(key);
            let mut errors = Vec::new();
            let items = strings(value, &path, &mut errors);
            first(items, errors, || path.clone())
                .map(|items| items.into_iter().map(str::to_owned).collect())
        }
    }
}

fn whole<T: TryFrom<u64>>(obj: &Obj<'_>, key: &str) -> Decoded<T> {
    match obj.raw(key) {
        None | Some(Value::Null) => Err(Violation::new(obj.path(key), Code::FieldRequired)),
        Some(value) => value
            .as_u64()
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| Violation::new(obj.path(key), Code::FieldType).value("whole number")),
    }
}

fn organization(obj: &Obj<'_>) -> Decoded<OrganizationId> {
    text(obj, "organization").map(OrganizationId::new)
}

fn role(obj: &Obj<'_>) -> Decoded<Role> {
    named(obj, "role", Role::parse, Code::RoleUnknown)
}

fn modules(obj: &Obj<'_>, required: bool) -> Decoded<crate::SortedSet<Module>> {
    Ok(list(obj, "modules", required)?
        .iter()
        .map(|m| Module::named(m))
        .collect())
}

fn questionnaires(obj: &Obj<'_>) -> Decoded<crate::SortedSet<Questionnaire>> {
    Ok(list(obj, "questionnaires", false)?
        .iter()
        .map(|q| Questionnaire::unchecked(q))
        .collect())
}

/// An [`Actor`] from JSON.
pub fn actor(value: &Value) -> Decoded<Actor> {
    let obj = open(
        value,
        "actor",
        &[
            "id",
            "organization",
            "role",
            "modules",
            "questionnaires",
            "disabled",
        ],
    )?;
    Ok(Actor {
        id: text(&obj, "id")?,
        organization: organization(&obj)?,
        role: role(&obj)?,
        modules: modules(&obj, true)?,
        questionnaires: questionnaires(&obj)?,
        disabled: flag(&obj, "disabled")?,
    })
}

fn subject(value: &Value, path: &str) -> Decoded<Subject> {
    let obj = open(value, path, &["id", "organization", "role", "disabled"])?;
    Ok(Subject {
        id: text(&obj, "id")?,
        organization: organization(&obj)?,
        role: role(&obj)?,
        disabled: flag(&obj, "disabled")?,
    })
}

fn grant(value: &Value, path: &str) -> Decoded<Grant> {
    let obj = open(
        value,
        path,
        &["role", "modules", "questionnaires", "disabled"],
    )?;
    Ok(Grant {
        role: role(&obj)?,
        modules: modules(&obj, true)?,
        questionnaires: questionnaires(&obj)?,
        disabled: flag(&obj, "disabled")?,
    })
}

fn required<'a>(obj: &Obj<'a>, key: &str) -> Decoded<&'a Value> {
    obj.raw(key)
        .ok_or_else(|| Violation::new(obj.path(key), Code::FieldRequired))
}

/// An [`Action`] from JSON (`{type, …}`).
pub fn action(value: &Value) -> Decoded<Action> {
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
    let keys: &[&str] = match kind {
        "accessModule" => &["type", "module"],
        "viewConversation" | "replyConversation" | "transferConversation" | "closeConversation" => {
            &["type", "conversation"]
        }
        "viewUser" | "resetSecondFactors" | "issueIdentityToken" => &["type", "target"],
        "createUser" | "inviteUser" => &["type", "grant"],
        "editUser" => &["type", "target", "after", "activeAdmins"],
        "deleteUser" => &["type", "target", "activeAdmins"],
        _ => &["type"],
    };
    let obj = open(value, "action", keys)?;
    let conversation = || -> Decoded<ConversationRef> {
        let path = obj.path("conversation");
        let c = open(
            required(&obj, "conversation")?,
            &path,
            &["organization", "assignedTo"],
        )?;
        let mut errors = Vec::new();
        let assigned_to = c.string("assignedTo", &mut errors).map(str::to_owned);
        let reference = ConversationRef {
            organization: organization(&c)?,
            assigned_to,
        };
        first(Some(reference), errors, || path)
    };
    let target = || subject(required(&obj, "target")?, &obj.path("target"));
    Ok(match kind {
        "accessModule" => Action::AccessModule {
            module: Module::named(&text(&obj, "module")?),
        },
        "viewConversation" => Action::ViewConversation {
            conversation: conversation()?,
        },
        "replyConversation" => Action::ReplyConversation {
            conversation: conversation()?,
        },
        "transferConversation" => Action::TransferConversation {
            conversation: conversation()?,
        },
        "closeConversation" => Action::CloseConversation {
            conversation: conversation()?,
        },
        "openConversation" => Action::OpenConversation,
        "listUsers" => Action::ListUsers,
        "changeSettings" => Action::ChangeSettings,
        "viewAudit" => Action::ViewAudit,
        "viewUser" => Action::ViewUser { target: target()? },
        "resetSecondFactors" => Action::ResetSecondFactors { target: target()? },
        "issueIdentityToken" => Action::IssueIdentityToken { target: target()? },
        "createUser" => Action::CreateUser {
            grant: grant(required(&obj, "grant")?, &obj.path("grant"))?,
        },
        "inviteUser" => Action::InviteUser {
            grant: grant(required(&obj, "grant")?, &obj.path("grant"))?,
        },
        "editUser" => Action::EditUser {
            target: target()?,
            after: match obj.raw("after") {
                None | Some(Value::Null) => None,
                Some(after) => Some(grant(after, &obj.path("after"))?),
            },
            active_admins: whole(&obj, "activeAdmins")?,
        },
        "deleteUser" => Action::DeleteUser {
            target: target()?,
            active_admins: whole(&obj, "activeAdmins")?,
        },
        other => {
            return Err(Violation::new(join("action", "type"), Code::FieldInvalid).value(other))
        }
    })
}

/// A [`WaitingConversation`] from JSON.
pub fn waiting_conversation(value: &Value) -> Decoded<WaitingConversation> {
    let obj = open(
        value,
        "conversation",
        &[
            "organization",
            "questionnaire",
            "language",
            "channel",
            "assignedTo",
        ],
    )?;
    let mut errors = Vec::new();
    let assigned_to = obj.string("assignedTo", &mut errors).map(str::to_owned);
    let conversation = WaitingConversation {
        organization: organization(&obj)?,
        questionnaire: text(&obj, "questionnaire")?,
        language: text(&obj, "language")?,
        channel: named(&obj, "channel", Channel::parse, Code::ChannelUnknown)?,
        assigned_to,
    };
    first(Some(conversation), errors, || "conversation".to_owned())
}

/// An [`AgentSnapshot`] from JSON.
pub fn agent(value: &Value, path: &str) -> Decoded<AgentSnapshot> {
    let keys = [
        "id",
        "organization",
        "role",
        "disabled",
        "presence",
        "modules",
        "questionnaires",
        "languages",
        "channels",
        "load",
        "maxConversations",
        "lastAssignedAt",
    ];
    let obj = open(value, path, &keys)?;
    let max_conversations = match required(&obj, "maxConversations")? {
        Value::Null => ConversationLimit::Unlimited,
        n => n
            .as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .filter(|n| ConversationLimit::RANGE.contains(n))
            .map(ConversationLimit::AtMost)
            .ok_or_else(|| {
                Violation::new(obj.path("maxConversations"), Code::MaxConversationsInvalid)
            })?,
    };
    let last_assigned_at = match obj.raw("lastAssignedAt") {
        None | Some(Value::Null) => None,
        Some(n) => Some(n.as_i64().ok_or_else(|| {
            Violation::new(obj.path("lastAssignedAt"), Code::FieldType).value("whole number")
        })?),
    };
    let channels = list(&obj, "channels", true)?
        .iter()
        .map(|c| {
            Channel::parse(c)
                .ok_or_else(|| Violation::new(obj.path("channels"), Code::ChannelUnknown).value(c))
        })
        .collect::<Decoded<Vec<_>>>()?;
    Ok(AgentSnapshot {
        id: text(&obj, "id")?,
        organization: organization(&obj)?,
        role: role(&obj)?,
        disabled: flag(&obj, "disabled")?,
        presence: named(&obj, "presence", Presence::parse, Code::PresenceUnknown)?,
        modules: list(&obj, "modules", true)?
            .iter()
            .map(|m| Module::named(m))
            .collect(),
        questionnaires: list(&obj, "questionnaires", false)?,
        languages: list(&obj, "languages", true)?,
        channels,
        load: whole(&obj, "load")?,
        max_conversations,
        last_assigned_at,
    })
}

/// A list of [`AgentSnapshot`]s from JSON.
pub fn agents(value: &Value) -> Decoded<Vec<AgentSnapshot>> {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, a)| agent(a, &format!("agents[{i}]")))
            .collect(),
        _ => Err(Violation::new("agents", Code::FieldType).value("array")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set<T: Ord>(items: impl IntoIterator<Item = T>) -> crate::SortedSet<T> {
        items.into_iter().collect()
    }

    fn subject(id: &str, role: Role, disabled: bool) -> Subject {
        Subject {
            id: id.into(),
            organization: OrganizationId::new("acme"),
            role,
            disabled,
        }
    }

    #[test]
    fn decodes_each_shape() {
        let a = json!({"id": "m", "organization": "acme", "role": "manager", "modules": ["livechat", "users"], "questionnaires": ["shop"]});
        assert_eq!(
            actor(&a).unwrap(),
            Actor {
                id: "m".into(),
                organization: OrganizationId::new("acme"),
                role: Role::Manager,
                modules: set(["livechat", "users"].map(Module::named)),
                questionnaires: set([Questionnaire::unchecked("shop")]),
                disabled: false,
            }
        );
        for (act, expected) in [
            (
                json!({"type": "accessModule", "module": "livechat"}),
                Action::AccessModule {
                    module: Module::named("livechat"),
                },
            ),
            (
                json!({"type": "viewConversation", "conversation": {"organization": "acme", "assignedTo": null}}),
                Action::ViewConversation {
                    conversation: ConversationRef {
                        organization: OrganizationId::new("acme"),
                        assigned_to: None,
                    },
                },
            ),
            (
                json!({"type": "editUser", "target": {"id": "a", "organization": "acme", "role": "agent"}, "after": {"role": "agent", "modules": []}, "activeAdmins": 2}),
                Action::EditUser {
                    target: subject("a", Role::Agent, false),
                    after: Some(Grant {
                        role: Role::Agent,
                        modules: set([]),
                        questionnaires: set([]),
                        disabled: false,
                    }),
                    active_admins: 2,
                },
            ),
            (
                json!({"type": "deleteUser", "target": {"id": "a", "organization": "acme", "role": "admin", "disabled": true}, "activeAdmins": 1}),
                Action::DeleteUser {
                    target: subject("a", Role::Admin, true),
                    active_admins: 1,
                },
            ),
            (json!({"type": "listUsers"}), Action::ListUsers),
        ] {
            assert_eq!(action(&act).unwrap(), expected, "{act}");
        }
        let agent_json = json!({"id": "a", "organization": "acme", "role": "agent", "presence": "online", "modules": ["livechat"], "languages": ["fr"],
                                "channels": ["chat"], "load": 1, "maxConversations": null, "lastAssignedAt": 5});
        assert_eq!(
            agent(&agent_json, "agent").unwrap(),
            AgentSnapshot {
                id: "a".into(),
                organization: OrganizationId::new("acme"),
                role: Role::Agent,
                disabled: false,
                presence: Presence::Online,
                modules: vec![Module::named("livechat")],
                questionnaires: vec![],
                languages: vec!["fr".into()],
                channels: vec![Channel::Chat],
                load: 1,
                max_conversations: ConversationLimit::Unlimited,
                last_assigned_at: Some(5),
            }
        );
    }

    #[test]
    fn the_organization_is_required() {
        let err = actor(&json!({"id": "m", "role": "admin", "modules": []})).unwrap_err();
        assert_eq!(
            (err.field.as_str(), err.code),
            ("actor.organization", Code::FieldRequired)
        );
        let view = json!({"type": "viewUser", "target": {"id": "a", "role": "agent"}});
        assert_eq!(
            action(&view).unwrap_err().field,
            "action.target.organization"
        );
    }

    #[test]
    fn refuses_malformed_shapes() {
        // Unknown keys are refused on every variant, the unit ones included.
        assert!(action(&json!({"type": "listUsers", "extra": 1})).is_err());
        for bad in [
            json!({"type": "editUser", "target": {"id": "a", "role": "agent"}}),
            json!({"type": "nope"}),
            json!({"type": "deleteUser", "target": {"id": "a", "role": "agent"}, "activeAdmins": 1.5}),
            json!([]),
        ] {
            assert!(action(&bad).is_err(), "{bad}");
        }
        let missing_limit = json!({"id": "a", "organization": "acme", "role": "agent", "presence": "online", "modules": [], "languages": [], "channels": [], "load": 0});
        assert!(agent(&missing_limit, "agent").is_err());
    }
}
