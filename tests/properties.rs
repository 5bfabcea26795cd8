//! Properties of the whole model, over generated inputs.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use livechat_access::SortedSet;
use livechat_access::{
    authorize, role_defaults, route, validate_acceptance, validate_invitation, validate_user,
    validate_user_patch, Account, Action, Actor, AgentSnapshot, Channel, ConversationLimit,
    ConversationRef, Grant, Module, OrganizationId, Presence, Questionnaire, Role, Subject,
    WaitingConversation,
};
use proptest::prelude::*;
use serde_json::{json, Value};

use common::catalog;

const MODULES: [&str; 7] = [
    "livechat",
    "statistics",
    "history",
    "users",
    "settings",
    "crm",
    "nope",
];
const QUESTIONNAIRES: [&str; 3] = ["site-fr", "site-de", "shop"];
const LANGUAGES: [&str; 4] = ["fr", "en", "de", "xx"];

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,20}".prop_map(Value::from),
        prop::sample::select(vec![
            "agent",
            "admin",
            "fr",
            "livechat",
            "a@b.fr",
            "Europe/Paris"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "email",
                    "password",
                    "role",
                    "modules",
                    "livechat",
                    "profile",
                    "emails",
                    "token",
                    "maxConversations",
                    "languages",
                    "mainLanguage",
                    "channels",
                    "questionnaires",
                    "timeZone",
                    "avatarUrl",
                    "disabled",
                    "pseudonym",
                    "other",
                ])
                .prop_map(String::from),
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn subset<T: Clone + 'static + std::fmt::Debug>(
    items: &'static [T],
) -> impl Strategy<Value = Vec<T>> {
    prop::sample::subsequence(items.to_vec(), 0..=items.len())
}

fn user_form() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(vec!["agent", "manager", "admin"]),
        subset(&MODULES),
        prop::option::of(0u32..60),
        subset(&LANGUAGES),
        subset(&QUESTIONNAIRES),
    )
        .prop_map(|(role, modules, max, languages, questionnaires)| {
            json!({"email": "p@exemple.fr", "password": "une longue phrase", "role": role, "modules": modules,
                   "livechat": {"maxConversations": max, "languages": languages, "questionnaires": questionnaires}})
        })
}

fn role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

fn modules() -> impl Strategy<Value = SortedSet<Module>> {
    subset(&MODULES[..6]).prop_map(|m| m.into_iter().map(Module::named).collect())
}

fn questionnaires() -> impl Strategy<Value = SortedSet<Questionnaire>> {
    subset(&QUESTIONNAIRES).prop_map(|q| q.into_iter().filter_map(Questionnaire::parse).collect())
}

/// The two organizations of the isolation properties; most properties live inside the first.
const ACME: &str = "acme";
const GLOBEX: &str = "globex";

fn organization() -> impl Strategy<Value = OrganizationId> {
    prop::sample::select(vec![ACME, GLOBEX]).prop_map(OrganizationId::new)
}

fn actor() -> impl Strategy<Value = Actor> {
    (role(), modules(), questionnaires(), any::<bool>()).prop_map(
        |(role, modules, questionnaires, disabled)| Actor {
            id: "actor".into(),
            organization: OrganizationId::new(ACME),
            modules: if role == Role::Admin {
                catalog().allowed_for(Role::Admin)
            } else {
                modules
            },
            role,
            questionnaires,
            disabled,
        },
    )
}

fn agent() -> impl Strategy<Value = AgentSnapshot> {
    agent_of(Just(OrganizationId::new(ACME)))
}

fn agent_of(
    organization: impl Strategy<Value = OrganizationId>,
) -> impl Strategy<Value = AgentSnapshot> {
    (
        organization,
        (
            0u32..1000,
            role(),
            any::<bool>(),
            prop::sample::select(vec![Presence::Online, Presence::Away, Presence::Offline]),
        ),
        subset(&MODULES),
        subset(&QUESTIONNAIRES),
        subset(&LANGUAGES),
        subset(&Channel::ALL),
        (
            0u32..6,
            prop::option::of(1u8..5),
            prop::option::of(0i64..100),
        ),
    )
        .prop_map(
            |(
                organization,
                (id, role, disabled, presence),
                modules,
                questionnaires,
                languages,
                channels,
                (load, max, last),
            )| {
                AgentSnapshot {
                    id: format!("agent-{id}"),
                    organization,
                    role,
                    disabled,
                    presence,
                    modules: modules.into_iter().map(Module::named).collect(),
                    questionnaires: questionnaires.into_iter().map(String::from).collect(),
                    languages: languages.into_iter().map(String::from).collect(),
                    channels,
                    load,
                    max_conversations: max
                        .map_or(ConversationLimit::Unlimited, ConversationLimit::AtMost),
                    last_assigned_at: last,
                }
            },
        )
}

/// Whether an agent may take a conversation, written from the product's rule (online, the livechat
/// module, the questionnaire (admins cover all), the language, the channel, under capacity), not
/// from the implementation's table of rules: the oracle `route` is held to.
fn may_take(a: &AgentSnapshot, c: &WaitingConversation) -> bool {
    !a.disabled
        && a.presence == Presence::Online
        && a.modules.iter().any(|m| m.as_str() == "livechat")
        && (a.role == Role::Admin
            || a.questionnaires
                .iter()
                .any(|q| q.as_str() == c.questionnaire.as_str()))
        && a.languages
            .iter()
            .any(|l| l.eq_ignore_ascii_case(&c.language))
        && a.channels.contains(&c.channel)
        && has_room(a)
}

/// Under capacity: unlimited, or fewer open conversations than the limit.
fn has_room(a: &AgentSnapshot) -> bool {
    match a.max_conversations {
        ConversationLimit::Unlimited => true,
        ConversationLimit::AtMost(n) => a.load < u32::from(n),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn validation_is_total(input in any_json()) {
        let catalog = catalog();
        let _ = validate_user(&input, &catalog);
        let _ = validate_user_patch(&input, &catalog);
        let _ = validate_invitation(&input, &catalog);
        let _ = validate_acceptance(&input, None, false);
        let _ = validate_acceptance(&input, None, true);
    }

    #[test]
    fn an_accepted_admin_always_holds_every_module(mut form in user_form()) {
        form["role"] = json!("admin");
        if let Ok(user) = validate_user(&form, &catalog()) {
            prop_assert_eq!(user.access.modules, catalog().allowed_for(Role::Admin));
        }
    }

    #[test]
    fn an_accepted_form_fits_its_role(form in user_form()) {
        if let Ok(user) = validate_user(&form, &catalog()) {
            prop_assert!(user.access.modules.is_subset(&catalog().allowed_for(user.access.role)));
            prop_assert!(user.access.livechat.languages.contains(&user.access.livechat.main_language));
        }
    }

    #[test]
    fn an_accepted_form_holds_only_what_the_catalog_offers(form in user_form(), patch in user_form()) {
        let catalog = catalog();
        let mut accepted = Vec::new();
        if let Ok(user) = validate_user(&form, &catalog) {
            accepted.push(user.access.clone());
            let account = Account { email: user.email, access: user.access, profile: user.profile, disabled: false };
            if let Ok(after) = validate_user_patch(&json!({"livechat": patch["livechat"]}), &catalog)
                .and_then(|p| p.apply(&account, &catalog))
            {
                accepted.push(after.access);
            }
        }
        if let Ok(invitation) = validate_invitation(&json!({"emails": ["p@exemple.fr"], "role": form["role"],
            "livechat": form["livechat"]}), &catalog) {
            accepted.push(invitation.access);
        }
        for access in accepted {
            for q in &access.livechat.questionnaires {
                prop_assert!(catalog.questionnaire(q.as_str()).is_some(), "{q:?}");
            }
            for l in &access.livechat.languages {
                prop_assert!(catalog.offers(l), "{l:?}");
            }
        }
    }

    #[test]
    fn routing_never_picks_an_ineligible_or_full_agent(
        agents in prop::collection::vec(agent(), 0..30),
        questionnaire in prop::sample::select(QUESTIONNAIRES.to_vec()),
        language in prop::sample::select(LANGUAGES.to_vec()),
        channel in prop::sample::select(Channel::ALL.to_vec()),
    ) {
        let conversation = WaitingConversation { organization: OrganizationId::new(ACME), questionnaire: questionnaire.into(), language: language.into(), channel, assigned_to: None };
        let decision = route(&conversation, &agents);
        let eligible: Vec<&AgentSnapshot> = agents.iter().filter(|a| may_take(a, &conversation)).collect();
        prop_assert_eq!(decision.eligible as usize, eligible.len());
        let excluded: u32 = decision.reasons.iter().map(|r| r.count).sum();
        prop_assert_eq!(excluded as usize, agents.len() - eligible.len());
        match &decision.agent_id {
            None => prop_assert!(eligible.is_empty()),
            Some(id) => {
                let chosen = eligible.iter().find(|a| &a.id == id);
                prop_assert!(chosen.is_some(), "picked an ineligible agent");
                let chosen = chosen.unwrap();
                prop_assert!(has_room(chosen));
                prop_assert!(eligible.iter().all(|a| a.load >= chosen.load), "not the least loaded");
            }
        }
    }

    #[test]
    fn an_agent_sees_only_conversations_assigned_to_them(
        actor in actor(),
        holder in prop::option::of(prop::sample::select(vec!["actor", "someone", "else"])),
    ) {
        let conversation = ConversationRef { organization: OrganizationId::new(ACME), assigned_to: holder.map(String::from) };
        for action in [
            Action::ViewConversation { conversation: conversation.clone() },
            Action::ReplyConversation { conversation: conversation.clone() },
            Action::TransferConversation { conversation: conversation.clone() },
        ] {
            let allowed = authorize(&actor, &action).is_ok();
            if actor.role == Role::Agent {
                // Assigned to them, which is also what a transfer to them does.
                prop_assert_eq!(allowed, !actor.disabled && actor.modules.contains(&Module::named("livechat")) && holder == Some("actor"));
            } else if allowed {
                prop_assert!(!actor.disabled && actor.modules.contains(&Module::named("livechat")));
            }
        }
    }

    #[test]
    fn no_accepted_edit_gives_more_than_the_actor_holds(
        actor in actor(),
        target_role in role(),
        target_is_actor in any::<bool>(),
        patch_role in prop::option::of(prop::sample::select(vec!["agent", "manager", "admin"])),
        patch_modules in prop::option::of(subset(&MODULES[..6])),
        patch_questionnaires in prop::option::of(subset(&QUESTIONNAIRES)),
        disable in prop::option::of(any::<bool>()),
        active_admins in 0u32..3,
    ) {
        let catalog = catalog();
        let defaults = role_defaults(target_role, &catalog);
        let current = Account {
            email: livechat_access::Email::parse("t@exemple.fr").unwrap(),
            access: livechat_access::Access { role: target_role, modules: defaults.modules, livechat: defaults.livechat },
            profile: Default::default(),
            disabled: false,
        };
        let mut input = serde_json::Map::new();
        if let Some(r) = patch_role { input.insert("role".into(), json!(r)); }
        if let Some(m) = &patch_modules { input.insert("modules".into(), json!(m)); }
        if let Some(q) = &patch_questionnaires { input.insert("livechat".into(), json!({"questionnaires": q})); }
        if let Some(d) = disable { input.insert("disabled".into(), json!(d)); }
        let Ok(patch) = validate_user_patch(&Value::Object(input), &catalog) else { return Ok(()) };
        let Ok(after) = patch.apply(&current, &catalog) else { return Ok(()) };
        let target = Subject { id: if target_is_actor { actor.id.clone() } else { "target".into() }, organization: actor.organization.clone(), role: target_role, disabled: false };
        let grant = Grant {
            role: after.access.role,
            modules: after.access.modules.clone(),
            questionnaires: after.access.livechat.questionnaires.clone(),
            disabled: after.disabled,
        };
        let action = Action::EditUser { target, after: patch.changes_access().then_some(grant), active_admins };
        if authorize(&actor, &action).is_ok() && patch.changes_access() {
            prop_assert!(!actor.disabled);
            prop_assert!(after.access.role <= actor.role);
            prop_assert!(after.access.modules.is_subset(&actor.modules));
            prop_assert!(actor.role == Role::Admin || after.access.livechat.questionnaires.is_subset(&actor.questionnaires));
            if target_role == Role::Admin && (after.access.role != Role::Admin || after.disabled) {
                prop_assert!(active_admins > 1, "the last admin was removed");
            }
        }
    }

    /// ASVS 5.0 8.4.1: nothing of one organization is read, changed, routed or transferred through
    /// another. Any actor of either organization, any action on anything of either: across the
    /// line the answer is `not_found` and nothing else, whatever the roles, modules or states.
    #[test]
    fn nothing_crosses_organizations(
        actor in actor(),
        actor_org in organization(),
        target_org in organization(),
        target_role in role(),
        target_disabled in any::<bool>(),
        holder in prop::option::of(prop::sample::select(vec!["actor", "someone"])),
        grant_modules in modules(),
        active_admins in 0u32..3,
    ) {
        let actor = Actor { organization: actor_org, ..actor };
        let target = Subject { id: "target".into(), organization: target_org.clone(), role: target_role, disabled: target_disabled };
        let conversation = ConversationRef { organization: target_org.clone(), assigned_to: holder.map(String::from) };
        let grant = Grant { role: Role::Agent, modules: grant_modules, questionnaires: SortedSet::new(), disabled: false };
        let actions = [
            Action::ViewUser { target: target.clone() },
            Action::EditUser { target: target.clone(), after: None, active_admins },
            Action::EditUser { target: target.clone(), after: Some(grant), active_admins },
            Action::ResetSecondFactors { target: target.clone() },
            Action::DeleteUser { target, active_admins },
            Action::ViewConversation { conversation: conversation.clone() },
            Action::ReplyConversation { conversation: conversation.clone() },
            Action::TransferConversation { conversation: conversation.clone() },
            Action::CloseConversation { conversation },
        ];
        for action in &actions {
            let answer = authorize(&actor, action);
            if actor.organization != target_org {
                prop_assert_eq!(answer, Err(livechat_access::Code::NotFound), "{:?}", action);
            } else {
                prop_assert_ne!(answer, Err(livechat_access::Code::NotFound));
            }
        }
    }

    #[test]
    fn routing_and_transfers_stay_in_their_organization(
        agents in prop::collection::vec(agent_of(organization()), 0..30),
        conversation_org in organization(),
        questionnaire in prop::sample::select(QUESTIONNAIRES.to_vec()),
        language in prop::sample::select(LANGUAGES.to_vec()),
        channel in prop::sample::select(Channel::ALL.to_vec()),
    ) {
        let conversation = WaitingConversation { organization: conversation_org.clone(), questionnaire: questionnaire.into(), language: language.into(), channel, assigned_to: None };
        let ours: Vec<AgentSnapshot> = agents.iter().filter(|a| a.organization == conversation_org).cloned().collect();
        let decision = route(&conversation, &agents);
        // The other organization's agents change nothing: not the choice, not the counts.
        prop_assert_eq!(&decision, &route(&conversation, &ours));
        if let Some(id) = &decision.agent_id {
            prop_assert!(ours.iter().any(|a| &a.id == id && a.organization == conversation_org));
        }
        for agent in agents.iter().filter(|a| a.organization != conversation_org) {
            let check = livechat_access::can_transfer(&conversation, agent);
            prop_assert!(!check.allowed);
            prop_assert_eq!(check.reasons, vec![livechat_access::Code::NotFound]);
        }
    }
}
