//! Who takes a waiting conversation, and whether a transfer may go to someone.

use crate::access::{Channel, ConversationLimit, Module, Role};
use crate::catalog::Catalog;
use crate::error::{Code, Violation};
use crate::input::{keys_of, object, one_choice};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Whether someone is there to take conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Presence {
    /// Available: takes new conversations.
    Online,
    /// Signed in but not taking new conversations.
    Away,
    /// Gone.
    Offline,
}

impl Presence {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Presence::Online => "online",
            Presence::Away => "away",
            Presence::Offline => "offline",
        }
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<Presence> {
        [Presence::Online, Presence::Away, Presence::Offline]
            .into_iter()
            .find(|p| p.as_str() == name)
    }

    /// Presence lasts as long as a session: whoever has none left (signed out, expired, ended by
    /// a password change or an admin) is offline, whatever they last set, so that nothing is
    /// routed to someone who is gone.
    pub fn while_signed_in(self, signed_in: bool) -> Presence {
        if signed_in {
            self
        } else {
            Presence::Offline
        }
    }
}

/// A presence change (`PUT /me/presence`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PresenceInput {
    /// The new presence.
    pub status: Presence,
}

/// Validates `{status}` for a presence change.
pub fn validate_presence(input: &Value) -> Result<Presence, Vec<Violation>> {
    one_choice::<PresenceInput, _>(input, "status", Presence::parse, Code::PresenceUnknown)
}

/// A conversation opened by the chat box (`POST /conversations`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewConversationInput {
    /// The questionnaire (project, site) id it came through.
    pub questionnaire: String,
    /// The visitor's language (ISO 639-1), one the organization offers; left out, the
    /// questionnaire's own language.
    #[serde(default)]
    pub language: Option<String>,
    /// The channel it came through.
    pub channel: Channel,
}

/// Validates a new conversation from the chat box: `{questionnaire, language?, channel}`, for the
/// organization the request is made for (the caller's, never one the body names). The
/// questionnaire must be in its catalog, the language offered; a questionnaire with a language
/// of its own gives it to conversations that do not name one.
pub fn validate_new_conversation(
    input: &Value,
    organization: &crate::OrganizationId,
    catalog: &Catalog,
) -> Result<WaitingConversation, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<NewConversationInput>(), &mut errors) else {
        return Err(errors);
    };
    let questionnaire = obj
        .required_string("questionnaire", &mut errors)
        .and_then(|id| catalog.read_questionnaire(id, "questionnaire", &mut errors));
    let language = match obj.string("language", &mut errors) {
        Some(code) => catalog.read_language(code, "language", &mut errors),
        None => {
            let own = questionnaire
                .as_ref()
                .and_then(|q| catalog.questionnaire(q.as_str()))
                .and_then(|q| q.language.clone());
            if own.is_none() && questionnaire.is_some() {
                errors.push(Violation::new("language", Code::FieldRequired));
            }
            own
        }
    };
    let channel = obj
        .required_string("channel", &mut errors)
        .and_then(|name| {
            let channel = Channel::parse(name);
            if channel.is_none() {
                errors.push(Violation::new("channel", Code::ChannelUnknown).value(name));
            }
            channel
        });
    match (questionnaire, language, channel) {
        (Some(questionnaire), Some(language), Some(channel)) if errors.is_empty() => {
            Ok(WaitingConversation {
                organization: organization.clone(),
                questionnaire: questionnaire.as_str().to_owned(),
                language: language.as_str().to_owned(),
                channel,
                assigned_to: None,
            })
        }
        _ => Err(errors),
    }
}

/// A transfer (`POST /conversations/{id}/transfer`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferInput {
    /// The user id of the agent who takes it.
    pub to: String,
}

/// Validates a transfer request: `{to}`, the target's user id.
pub fn validate_transfer(input: &Value) -> Result<String, Vec<Violation>> {
    let mut errors = Vec::new();
    let to = object(input, "", keys_of::<TransferInput>(), &mut errors)
        .and_then(|obj| obj.required_string("to", &mut errors))
        .map(str::to_owned);
    match to {
        Some(to) if errors.is_empty() => Ok(to),
        _ => Err(errors),
    }
}

/// A conversation looking for an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(missing_as_null),
    serde(rename_all = "camelCase")
)]
pub struct WaitingConversation {
    /// The organization whose visitor opened it.
    pub organization: crate::OrganizationId,
    /// The questionnaire (project, site) it came through.
    pub questionnaire: String,
    /// The visitor's language (ISO 639-1).
    pub language: String,
    /// The channel it came through.
    pub channel: Channel,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// Who holds it now, for transfers.
    pub assigned_to: Option<String>,
}

/// An agent as routing sees them at one instant.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "wasm",
    derive(tsify::Tsify),
    tsify(missing_as_null),
    serde(rename_all = "camelCase")
)]
pub struct AgentSnapshot {
    /// User id.
    pub id: String,
    /// Their organization: they take its conversations only.
    pub organization: crate::OrganizationId,
    /// Role (admins cover every questionnaire).
    pub role: Role,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// A disabled account takes nothing.
    pub disabled: bool,
    /// Presence.
    pub presence: Presence,
    /// Modules held.
    pub modules: Vec<Module>,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// Questionnaires covered.
    pub questionnaires: Vec<String>,
    /// Languages spoken.
    pub languages: Vec<String>,
    /// Channels answered.
    pub channels: Vec<Channel>,
    /// Conversations held now.
    pub load: u32,
    /// Most conversations at once (`null` for unlimited; required in input, so that a missing
    /// value never means "unlimited").
    pub max_conversations: ConversationLimit,
    #[cfg_attr(feature = "wasm", serde(default))]
    /// When they last got a conversation (ms since the epoch); `None` = never.
    pub last_assigned_at: Option<i64>,
}

impl AgentSnapshot {
    /// The agent with their teams' questionnaires: they take the conversations of their own
    /// questionnaires and of every team they are in.
    pub fn joining_teams(mut self, team_questionnaires: impl IntoIterator<Item = String>) -> Self {
        self.questionnaires.extend(team_questionnaires);
        self.questionnaires.sort();
        self.questionnaires.dedup();
        self
    }

    /// The first reason this agent cannot take `conversation`, checked cheapest first.
    pub fn refusal(&self, conversation: &WaitingConversation) -> Option<Code> {
        self.refusals(conversation).next()
    }

    /// Every reason this agent cannot take `conversation`.
    pub fn refusals<'a>(&'a self, c: &'a WaitingConversation) -> impl Iterator<Item = Code> + 'a {
        ELIGIBILITY
            .iter()
            .filter(move |(passes, _)| !passes(self, c))
            .map(|(_, code)| *code)
    }
}

type Rule = fn(&AgentSnapshot, &WaitingConversation) -> bool;

/// The eligibility rules, cheapest first; each names the reason given when it fails.
const ELIGIBILITY: [(Rule, Code); 7] = [
    (|a, _| !a.disabled, Code::AgentDisabled),
    (|a, _| a.presence == Presence::Online, Code::AgentNotOnline),
    (
        |a, _| a.modules.iter().any(|m| m.as_str() == Module::LIVECHAT),
        Code::NoLivechatModule,
    ),
    (
        |a, c| a.role.covers_all_questionnaires() || a.questionnaires.contains(&c.questionnaire),
        Code::QuestionnaireNotCovered,
    ),
    (
        |a, c| {
            a.languages
                .iter()
                .any(|l| l.eq_ignore_ascii_case(&c.language))
        },
        Code::LanguageNotSpoken,
    ),
    (
        |a, c| a.channels.contains(&c.channel),
        Code::ChannelNotEnabled,
    ),
    (
        |a, _| a.max_conversations.has_room(a.load),
        Code::AtCapacity,
    ),
];

/// How many agents were passed over for one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonCount {
    /// The reason (the first that applied to each agent).
    pub code: Code,
    /// How many agents.
    pub count: u32,
}

impl ReasonCount {
    /// Listed before `other`: more agents, then the code's order.
    fn precedes(&self, other: &ReasonCount) -> bool {
        (std::cmp::Reverse(self.count), self.code) < (std::cmp::Reverse(other.count), other.code)
    }
}

/// Routing's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RoutingDecision {
    /// The chosen agent, or `None`: the conversation waits.
    pub agent_id: Option<String>,
    /// How many agents could have taken it.
    pub eligible: u32,
    /// Why the others could not, most common first.
    pub reasons: Vec<ReasonCount>,
}

/// Picks the agent for a waiting conversation: among eligible agents (enabled, online, livechat,
/// questionnaire, language, channel, room), the least loaded, then the longest idle, then the
/// smallest id, so the choice is fair and reproducible.
pub fn route(conversation: &WaitingConversation, agents: &[AgentSnapshot]) -> RoutingDecision {
    let mut best: Option<&AgentSnapshot> = None;
    let mut eligible = 0;
    let mut tally: Vec<ReasonCount> = Vec::new();
    // Another organization's agents are not passed over: they are not there. Counting them would
    // tell one company how many people another has.
    for agent in agents
        .iter()
        .filter(|a| a.organization == conversation.organization)
    {
        if let Some(code) = agent.refusal(conversation) {
            match tally.iter_mut().find(|r| r.code == code) {
                Some(r) => r.count += 1,
                None => tally.push(ReasonCount { code, count: 1 }),
            }
            continue;
        }
        eligible += 1;
        if best.is_none_or(|b| priority(agent) < priority(b)) {
            best = Some(agent);
        }
    }
    // Most frequent first, then by code. An insertion sort: a handful of reasons, and no generic
    // sort in the browser package.
    for i in 1..tally.len() {
        let mut j = i;
        while j > 0
            && tally
                .get(j - 1)
                .zip(tally.get(j))
                .is_some_and(|(a, b)| b.precedes(a))
        {
            tally.swap(j - 1, j);
            j -= 1;
        }
    }
    RoutingDecision {
        agent_id: best.map(|a| a.id.clone()),
        eligible,
        reasons: tally,
    }
}

fn priority(agent: &AgentSnapshot) -> (u32, i64, &str) {
    // Never assigned counts as idle the longest.
    (
        agent.load,
        agent.last_assigned_at.unwrap_or(i64::MIN),
        &agent.id,
    )
}

/// Whether a transfer may go to someone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransferCheck {
    /// Yes or no.
    pub allowed: bool,
    /// Every reason it may not.
    pub reasons: Vec<Code>,
}

/// Transfers follow routing's rules: the target must be eligible and have room, and must not
/// already hold the conversation.
pub fn can_transfer(conversation: &WaitingConversation, target: &AgentSnapshot) -> TransferCheck {
    if target.organization != conversation.organization {
        // As if the target did not exist, which for this organization it does not.
        return TransferCheck {
            allowed: false,
            reasons: vec![Code::NotFound],
        };
    }
    let mut reasons: Vec<Code> = target.refusals(conversation).collect();
    if conversation.assigned_to.as_deref() == Some(target.id.as_str()) {
        reasons.push(Code::AlreadyAssigned);
    }
    TransferCheck {
        allowed: reasons.is_empty(),
        reasons,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_ends_with_the_last_session() {
        for p in [Presence::Online, Presence::Away, Presence::Offline] {
            assert_eq!(p.while_signed_in(true), p);
            assert_eq!(p.while_signed_in(false), Presence::Offline);
        }
        let gone = AgentSnapshot {
            presence: Presence::Online.while_signed_in(false),
            ..agent("a1", 0)
        };
        assert_eq!(gone.refusal(&conversation()), Some(Code::AgentNotOnline));
        assert_eq!(route(&conversation(), &[gone]).agent_id, None);
    }

    fn conversation() -> WaitingConversation {
        WaitingConversation {
            organization: crate::OrganizationId::new("acme"),
            questionnaire: "site-fr".into(),
            language: "fr".into(),
            channel: Channel::Chat,
            assigned_to: None,
        }
    }

    fn agent(id: &str, load: u32) -> AgentSnapshot {
        AgentSnapshot {
            id: id.into(),
            organization: crate::OrganizationId::new("acme"),
            role: Role::Agent,
            disabled: false,
            presence: Presence::Online,
            modules: vec![Module::named("livechat")],
            questionnaires: vec!["site-fr".into()],
            languages: vec!["fr".into()],
            channels: vec![Channel::Chat],
            load,
            max_conversations: ConversationLimit::AtMost(3),
            last_assigned_at: Some(1_000),
        }
    }

    #[test]
    fn a_team_makes_its_members_eligible_for_its_questionnaires() {
        let mut shop = conversation();
        shop.questionnaire = "shop".into();
        let own = agent("a", 0);
        assert_eq!(own.refusal(&shop), Some(Code::QuestionnaireNotCovered));
        let member = own.joining_teams(["shop".to_owned(), "site-fr".to_owned()]);
        assert_eq!(member.questionnaires, ["shop", "site-fr"]);
        assert_eq!(member.refusal(&shop), None);
        assert_eq!(route(&shop, &[member]).agent_id.as_deref(), Some("a"));
    }

    #[test]
    fn another_organizations_agents_are_not_there() {
        let mut stranger = agent("s", 0);
        stranger.organization = crate::OrganizationId::new("globex");
        let decision = route(&conversation(), &[stranger.clone(), agent("a", 2)]);
        assert_eq!(decision.agent_id.as_deref(), Some("a"));
        assert_eq!(decision.eligible, 1);
        // Not counted among those passed over either: their number is the other company's.
        let alone = route(&conversation(), std::slice::from_ref(&stranger));
        assert_eq!((alone.agent_id, alone.eligible), (None, 0));
        assert!(alone.reasons.is_empty());
        let transfer = can_transfer(&conversation(), &stranger);
        assert_eq!(
            (transfer.allowed, transfer.reasons),
            (false, vec![Code::NotFound])
        );
    }

    #[test]
    fn least_loaded_then_longest_idle_then_id() {
        let c = conversation();
        let mut agents = vec![agent("b", 2), agent("c", 1), agent("a", 1)];
        assert_eq!(route(&c, &agents).agent_id.as_deref(), Some("a"));
        agents[1].last_assigned_at = Some(10);
        assert_eq!(route(&c, &agents).agent_id.as_deref(), Some("c"));
        agents[0].last_assigned_at = None;
        agents[0].load = 1;
        assert_eq!(route(&c, &agents).agent_id.as_deref(), Some("b"));
    }

    #[test]
    fn each_rule_excludes_and_is_counted() {
        let c = conversation();
        let mut agents: Vec<AgentSnapshot> = (0..8).map(|i| agent(&format!("a{i}"), 0)).collect();
        agents[0].disabled = true;
        agents[1].presence = Presence::Away;
        agents[2].modules.clear();
        agents[3].questionnaires = vec!["site-de".into()];
        agents[4].languages = vec!["en".into()];
        agents[5].channels = vec![Channel::Call];
        agents[6].load = 3;
        let decision = route(&c, &agents);
        assert_eq!(decision.agent_id.as_deref(), Some("a7"));
        assert_eq!(decision.eligible, 1);
        let mut codes: Vec<Code> = decision.reasons.iter().map(|r| r.code).collect();
        codes.sort();
        let mut expected = vec![
            Code::AgentDisabled,
            Code::AgentNotOnline,
            Code::NoLivechatModule,
            Code::QuestionnaireNotCovered,
            Code::LanguageNotSpoken,
            Code::ChannelNotEnabled,
            Code::AtCapacity,
        ];
        expected.sort();
        assert_eq!(codes, expected);
        agents[7].presence = Presence::Offline;
        let none = route(&c, &agents);
        assert_eq!((none.agent_id, none.eligible), (None, 0));
        assert_eq!(
            none.reasons[0],
            ReasonCount {
                code: Code::AgentNotOnline,
                count: 2
            }
        );
    }

    #[test]
    fn admins_cover_every_questionnaire_and_unlimited_never_fills() {
        let c = conversation();
        let mut admin = agent("z", 500);
        admin.role = Role::Admin;
        admin.questionnaires.clear();
        admin.max_conversations = ConversationLimit::Unlimited;
        assert_eq!(route(&c, &[admin]).agent_id.as_deref(), Some("z"));
    }

    #[test]
    fn transfers_follow_routing_rules() {
        let mut c = conversation();
        c.assigned_to = Some("a".into());
        assert!(can_transfer(&c, &agent("b", 0)).allowed);
        let full = can_transfer(&c, &agent("b", 3));
        assert_eq!(full.reasons, vec![Code::AtCapacity]);
        let mut english = agent("b", 3);
        english.languages = vec!["en".into()];
        assert_eq!(
            can_transfer(&c, &english).reasons,
            vec![Code::LanguageNotSpoken, Code::AtCapacity]
        );
        assert_eq!(
            can_transfer(&c, &agent("a", 0)).reasons,
            vec![Code::AlreadyAssigned]
        );
    }

    #[test]
    fn presence_input() {
        assert_eq!(
            validate_presence(&serde_json::json!({"status": "away"})),
            Ok(Presence::Away)
        );
        let err = validate_presence(&serde_json::json!({"status": "busy"})).unwrap_err();
        assert_eq!(err[0].code, Code::PresenceUnknown);
        assert_eq!(
            validate_presence(&serde_json::json!({})).unwrap_err()[0].code,
            Code::FieldRequired
        );
    }
}
