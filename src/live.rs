//! One organization's live desk: who is online with what load, the conversations open, the queue,
//! and what happened, in order. It is what a per-organization Durable Object holds in memory
//! (issue #21); every decision in it is the core's (`route`, `can_transfer`), this keeps the books
//! so that a decision never reads a stale load, and says who may see each event
//! (`conversation_scope`).

use crate::authz::{conversation_scope, Actor, ConversationScope};
use crate::error::Code;
use crate::routing::WaitingConversation;
use crate::routing::{can_transfer, route, AgentSnapshot, Presence, RoutingDecision};
use serde::Serialize;
use std::collections::BTreeMap;

/// Something that happened at the desk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LiveEvent {
    /// Nobody could take it: it waits.
    ConversationQueued {
        /// Its id.
        conversation: String,
        /// What it is about.
        questionnaire: String,
        /// Its language.
        language: String,
    },
    /// An agent took it (at opening, or from the queue).
    ConversationAssigned {
        /// Its id.
        conversation: String,
        /// Who took it.
        agent: String,
    },
    /// Handed to someone else.
    ConversationTransferred {
        /// Its id.
        conversation: String,
        /// Who held it (`null`: it was waiting).
        from: Option<String>,
        /// Who holds it now.
        to: String,
    },
    /// Back in the queue: its agent was disabled, removed, or lost the desk.
    ConversationRequeued {
        /// Its id.
        conversation: String,
        /// Who held it.
        from: String,
    },
    /// Ended.
    ConversationClosed {
        /// Its id.
        conversation: String,
        /// Who held it.
        agent: Option<String>,
    },
    /// An agent came online, went away or left.
    PresenceChanged {
        /// Whose.
        agent: String,
        /// Now.
        presence: Presence,
    },
}

/// What a live connection (`GET /api/v1/live`) receives, as JSON text frames.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum LiveMessage {
    /// Something the receiver may see happened. `seq` is the desk's order: it only grows, and
    /// a receiver gets each event once, in that order.
    Event {
        /// The desk's sequence number.
        seq: u64,
        /// When (milliseconds since the epoch).
        at: i64,
        /// What.
        event: LiveEvent,
    },
    /// The desk as the receiver may see it: on connecting, then after every change.
    Desk {
        /// Agents, queue, conversations in view.
        desk: DeskView,
    },
}

impl LiveEvent {
    /// The people an event is about, for the scope rule.
    fn about(&self) -> (Option<&str>, Option<&str>) {
        match self {
            LiveEvent::ConversationQueued { .. } => (None, None),
            LiveEvent::ConversationAssigned { agent, .. }
            | LiveEvent::PresenceChanged { agent, .. } => (Some(agent), None),
            LiveEvent::ConversationTransferred { from, to, .. } => (from.as_deref(), Some(to)),
            LiveEvent::ConversationRequeued { from, .. } => (Some(from), None),
            LiveEvent::ConversationClosed { agent, .. } => (agent.as_deref(), None),
        }
    }
}

/// Whether `actor` may hold a live connection to their organization's desk, and keep it: the
/// organization active, the person enabled, with a conversation scope (an agent their own, a
/// manager or admin the desk). Anyone else is refused, or their sockets closed when it changes.
pub fn may_watch(actor: &Actor, organization_active: bool) -> bool {
    organization_active
        && !actor.disabled
        && !matches!(conversation_scope(actor), ConversationScope::Nothing)
}

/// Whether `actor` may see `event`: managers and admins with the desk see everything of their
/// organization, the queue included; an agent what is about them (their assignments, transfers to
/// and from them, their closes, their presence); nobody else anything. The same rule as
/// `GET /conversations` (`conversation_scope`).
pub fn sees(actor: &Actor, event: &LiveEvent) -> bool {
    match conversation_scope(actor) {
        ConversationScope::All => true,
        ConversationScope::AssignedTo(me) => {
            let (a, b) = event.about();
            a == Some(me.as_str()) || b == Some(me.as_str())
        }
        ConversationScope::Nothing => false,
    }
}

/// An open conversation at the desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenConversation {
    /// Its id.
    pub id: String,
    /// What routing reads (`assigned_to` kept current).
    pub conversation: WaitingConversation,
    /// When it was opened: the queue's order.
    pub opened_at: i64,
}

/// A person as the desk holds them: what routing reads (presence as they set it), the name
/// supervisors see, and until when they are signed in (presence lasts no longer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskMember {
    /// Their access and declared presence; the load is the desk's own count.
    pub agent: AgentSnapshot,
    /// How supervisors see them named.
    pub name: String,
    /// When their last session ends (`None`: they have none).
    pub signed_in_until: Option<i64>,
}

/// One organization's live state.
#[derive(Debug, Clone, Default)]
pub struct LiveDesk {
    agents: BTreeMap<String, AgentSnapshot>,
    names: BTreeMap<String, String>,
    signed_in_until: BTreeMap<String, Option<i64>>,
    open: BTreeMap<String, OpenConversation>,
}

/// An agent on the supervision screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeskAgent {
    /// Their id.
    pub id: String,
    /// Their name (pseudonym, else first and last name, else address).
    pub name: String,
    /// As routing sees it now (offline once their sessions ended).
    pub presence: Presence,
    /// Conversations they hold.
    pub load: u32,
    /// At most (`null`: unlimited).
    pub max_conversations: Option<u8>,
}

/// A conversation on the supervision screen or an agent's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeskConversation {
    /// Its id.
    pub id: String,
    /// What it is about.
    pub questionnaire: String,
    /// Its language.
    pub language: String,
    /// Who holds it (`null`: waiting).
    pub assigned_to: Option<String>,
    /// When it was opened (milliseconds since the epoch).
    pub opened_at: i64,
}

/// The desk as one viewer may see it: supervisors everything, an agent themself and their own
/// conversations (the scope rule, `sees`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeskView {
    /// People at the desk (the desk's module, enabled; online, away, or holding conversations),
    /// by name.
    pub agents: Vec<DeskAgent>,
    /// Waiting, oldest first (supervisors only).
    pub queue: Vec<DeskConversation>,
    /// Open conversations in view, oldest first.
    pub conversations: Vec<DeskConversation>,
}

fn takes_conversations(agent: &AgentSnapshot) -> bool {
    !agent.disabled
        && agent
            .modules
            .iter()
            .any(|m| m.as_str() == crate::Module::LIVECHAT)
}

impl LiveDesk {
    /// An empty desk.
    pub fn new() -> LiveDesk {
        LiveDesk::default()
    }

    /// The agents as routing sees them, loads counted here.
    pub fn agents(&self) -> impl Iterator<Item = &AgentSnapshot> {
        self.agents.values()
    }

    /// The agents as routing decides at `now`: presence lasts as long as a session.
    fn routable(&self, now: i64) -> Vec<AgentSnapshot> {
        self.agents
            .values()
            .map(|a| {
                let mut a = a.clone();
                let until = self.signed_in_until.get(&a.id).copied().flatten();
                a.presence = a.presence.while_signed_in(until.is_some_and(|t| t > now));
                a
            })
            .collect()
    }

    /// What `actor` may see of the desk at `now` (`sees`' rule).
    pub fn view(&self, actor: &Actor, now: i64) -> DeskView {
        let scope = conversation_scope(actor);
        let shown = |c: &OpenConversation| DeskConversation {
            id: c.id.clone(),
            questionnaire: c.conversation.questionnaire.clone(),
            language: c.conversation.language.clone(),
            assigned_to: c.conversation.assigned_to.clone(),
            opened_at: c.opened_at,
        };
        let mine = |id: &str| match &scope {
            ConversationScope::All => true,
            ConversationScope::AssignedTo(me) => me == id,
            ConversationScope::Nothing => false,
        };
        let mut agents: Vec<DeskAgent> = self
            .routable(now)
            .into_iter()
            // Who is at the desk: online or away, or still holding conversations.
            .filter(|a| {
                takes_conversations(a)
                    && mine(&a.id)
                    && (a.presence != Presence::Offline || a.load > 0)
            })
            .map(|a| DeskAgent {
                name: self
                    .names
                    .get(&a.id)
                    .cloned()
                    .unwrap_or_else(|| a.id.clone()),
                id: a.id,
                presence: a.presence,
                load: a.load,
                max_conversations: match a.max_conversations {
                    crate::ConversationLimit::Unlimited => None,
                    crate::ConversationLimit::AtMost(n) => Some(n),
                },
            })
            .collect();
        agents.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        let queue = match scope {
            ConversationScope::All => self.queue().into_iter().map(shown).collect(),
            _ => Vec::new(),
        };
        let mut conversations: Vec<&OpenConversation> = self
            .open
            .values()
            .filter(|c| match &scope {
                ConversationScope::All => true,
                ConversationScope::AssignedTo(me) => {
                    c.conversation.assigned_to.as_deref() == Some(me.as_str())
                }
                ConversationScope::Nothing => false,
            })
            .collect();
        conversations.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        DeskView {
            agents,
            queue,
            conversations: conversations.into_iter().map(shown).collect(),
        }
    }

    /// The open conversations, by id.
    pub fn conversations(&self) -> impl Iterator<Item = &OpenConversation> {
        self.open.values()
    }

    /// The waiting conversations, oldest first.
    pub fn queue(&self) -> Vec<&OpenConversation> {
        let mut waiting: Vec<_> = self
            .open
            .values()
            .filter(|c| c.conversation.assigned_to.is_none())
            .collect();
        waiting.sort_by(|a, b| (a.opened_at, &a.id).cmp(&(b.opened_at, &b.id)));
        waiting
    }

    fn load_of(&self, agent: &str) -> u32 {
        let held = self
            .open
            .values()
            .filter(|c| c.conversation.assigned_to.as_deref() == Some(agent))
            .count();
        u32::try_from(held).unwrap_or(u32::MAX)
    }

    fn give(&mut self, id: &str, agent: &str, now: i64) {
        if let Some(open) = self.open.get_mut(id) {
            open.conversation.assigned_to = Some(agent.to_owned());
        }
        let load = self.load_of(agent);
        if let Some(a) = self.agents.get_mut(agent) {
            a.load = load;
            a.last_assigned_at = Some(now);
        }
    }

    fn recount(&mut self, agent: &str) {
        let load = self.load_of(agent);
        if let Some(a) = self.agents.get_mut(agent) {
            a.load = load;
        }
    }

    /// A conversation as the object's storage holds it, put back without routing (the object
    /// starting again); loads follow.
    pub fn restore(&mut self, open: OpenConversation) {
        let agent = open.conversation.assigned_to.clone();
        self.open.insert(open.id.clone(), open);
        if let Some(agent) = agent {
            self.recount(&agent);
        }
    }

    /// A conversation opened: routed at once by the core, or queued.
    pub fn open(
        &mut self,
        id: &str,
        mut conversation: WaitingConversation,
        now: i64,
    ) -> (RoutingDecision, Vec<LiveEvent>) {
        conversation.assigned_to = None;
        let decision = route(&conversation, &self.routable(now));
        let event = match &decision.agent_id {
            Some(agent) => LiveEvent::ConversationAssigned {
                conversation: id.to_owned(),
                agent: agent.clone(),
            },
            None => LiveEvent::ConversationQueued {
                conversation: id.to_owned(),
                questionnaire: conversation.questionnaire.clone(),
                language: conversation.language.clone(),
            },
        };
        self.open.insert(
            id.to_owned(),
            OpenConversation {
                id: id.to_owned(),
                conversation,
                opened_at: now,
            },
        );
        if let Some(agent) = &decision.agent_id {
            self.give(id, agent, now);
        }
        (decision, vec![event])
    }

    /// Gives waiting conversations, oldest first, to agents with room, as the core routes each.
    pub fn drain(&mut self, now: i64) -> Vec<LiveEvent> {
        let mut events = Vec::new();
        let waiting: Vec<String> = self.queue().iter().map(|c| c.id.clone()).collect();
        for id in waiting {
            let Some(open) = self.open.get(&id) else {
                continue;
            };
            if let Some(agent) = route(&open.conversation, &self.routable(now)).agent_id {
                self.give(&id, &agent, now);
                events.push(LiveEvent::ConversationAssigned {
                    conversation: id,
                    agent,
                });
            }
        }
        events
    }

    /// A conversation handed to `to`: refused with routing's reasons, first first (`not_found`
    /// for someone the desk does not know), the queue moving on when a slot frees up.
    pub fn transfer(&mut self, id: &str, to: &str, now: i64) -> Result<Vec<LiveEvent>, Vec<Code>> {
        let open = self.open.get(id).ok_or(vec![Code::NotFound])?;
        let target = self
            .routable(now)
            .into_iter()
            .find(|a| a.id == to)
            .ok_or(vec![Code::NotFound])?;
        let check = can_transfer(&open.conversation, &target);
        if !check.reasons.is_empty() {
            return Err(check.reasons);
        }
        let from = open.conversation.assigned_to.clone();
        self.give(id, to, now);
        if let Some(from) = &from {
            self.recount(from);
        }
        let mut events = vec![LiveEvent::ConversationTransferred {
            conversation: id.to_owned(),
            from,
            to: to.to_owned(),
        }];
        events.extend(self.drain(now));
        Ok(events)
    }

    /// A conversation ended; its agent's slot goes to the oldest waiting conversation they may take.
    pub fn close(&mut self, id: &str, now: i64) -> Result<Vec<LiveEvent>, Code> {
        let closed = self.open.remove(id).ok_or(Code::ConversationClosed)?;
        let agent = closed.conversation.assigned_to;
        if let Some(agent) = &agent {
            self.recount(agent);
        }
        let mut events = vec![LiveEvent::ConversationClosed {
            conversation: id.to_owned(),
            agent,
        }];
        events.extend(self.drain(now));
        Ok(events)
    }

    /// An agent's presence changed; coming online picks up waiting conversations.
    pub fn set_presence(&mut self, agent: &str, presence: Presence, now: i64) -> Vec<LiveEvent> {
        let Some(a) = self.agents.get_mut(agent) else {
            return Vec::new();
        };
        if a.presence == presence {
            return Vec::new();
        }
        a.presence = presence;
        let mut events = vec![LiveEvent::PresenceChanged {
            agent: agent.to_owned(),
            presence,
        }];
        events.extend(self.drain(now));
        events
    }

    /// An agent's access as D1 now holds it (an edit, a team or catalog change), signed in
    /// for good (tests, tools); the desk's own callers say until when (`upsert_member`).
    pub fn upsert_agent(&mut self, agent: AgentSnapshot, now: i64) -> Vec<LiveEvent> {
        self.upsert_member(
            DeskMember {
                name: agent.id.clone(),
                agent,
                signed_in_until: Some(i64::MAX),
            },
            now,
        )
    }

    /// A person as D1 now holds them: from the next decision on, routing reads it. Someone who
    /// may no longer take conversations at all (disabled, or without the desk's module) gives
    /// theirs back to the queue; the queue then moves on, so that an agent given a questionnaire
    /// gets its waiting conversations at once.
    pub fn upsert_member(&mut self, member: DeskMember, now: i64) -> Vec<LiveEvent> {
        let DeskMember {
            mut agent,
            name,
            signed_in_until,
        } = member;
        agent.load = self.load_of(&agent.id);
        let before = self.routable(now).into_iter().find(|a| a.id == agent.id);
        if let Some(known) = self.agents.get(&agent.id) {
            // The desk's own record of the last assignment is the newer one.
            agent.last_assigned_at = agent.last_assigned_at.max(known.last_assigned_at);
        }
        let id = agent.id.clone();
        let can_take = takes_conversations(&agent);
        self.agents.insert(id.clone(), agent);
        self.names.insert(id.clone(), name);
        self.signed_in_until.insert(id.clone(), signed_in_until);
        let after = self.routable(now).into_iter().find(|a| a.id == id);
        let mut events = Vec::new();
        if let Some(after) = after.filter(takes_conversations) {
            let was = before.map_or(Presence::Offline, |b| b.presence);
            if was != after.presence {
                events.push(LiveEvent::PresenceChanged {
                    agent: id.clone(),
                    presence: after.presence,
                });
            }
        }
        if !can_take {
            events.extend(self.requeue(&id));
        }
        events.extend(self.drain(now));
        events
    }

    /// Whether the desk knows `id` (someone of the organization as D1 last said).
    pub fn knows(&self, id: &str) -> bool {
        self.agents.contains_key(id)
    }

    /// An agent deleted: their conversations go back to the queue, which moves on.
    pub fn remove_agent(&mut self, agent: &str, now: i64) -> Vec<LiveEvent> {
        let mut events = self.requeue(agent);
        self.agents.remove(agent);
        self.names.remove(agent);
        self.signed_in_until.remove(agent);
        events.extend(self.drain(now));
        events
    }

    fn requeue(&mut self, agent: &str) -> Vec<LiveEvent> {
        let mut events = Vec::new();
        for open in self.open.values_mut() {
            if open.conversation.assigned_to.as_deref() == Some(agent) {
                open.conversation.assigned_to = None;
                events.push(LiveEvent::ConversationRequeued {
                    conversation: open.id.clone(),
                    from: agent.to_owned(),
                });
            }
        }
        self.recount(agent);
        events
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn who_may_hold_a_live_connection() {
        let org = crate::OrganizationId::new("o1");
        let person = |role: crate::Role, modules: &[&str], disabled: bool| Actor {
            id: "p1".into(),
            organization: org.clone(),
            role,
            modules: modules.iter().map(|m| crate::Module::named(m)).collect(),
            questionnaires: Default::default(),
            disabled,
        };
        assert!(may_watch(
            &person(crate::Role::Agent, &["livechat"], false),
            true
        ));
        assert!(may_watch(
            &person(crate::Role::Admin, &["livechat"], false),
            true
        ));
        assert!(
            !may_watch(&person(crate::Role::Agent, &["livechat"], false), false),
            "suspended"
        );
        assert!(
            !may_watch(&person(crate::Role::Agent, &["livechat"], true), true),
            "disabled"
        );
        assert!(
            !may_watch(&person(crate::Role::Agent, &["statistics"], false), true),
            "no live-chat module: no conversation to watch"
        );
    }

    use super::*;
    use crate::access::{Channel, ConversationLimit, Module, Role};
    use crate::OrganizationId;

    fn agent(id: &str, capacity: u8) -> AgentSnapshot {
        AgentSnapshot {
            id: id.into(),
            organization: OrganizationId::new("acme"),
            role: Role::Agent,
            disabled: false,
            presence: Presence::Online,
            modules: vec![Module::named(Module::LIVECHAT)],
            questionnaires: vec!["site".into()],
            languages: vec!["fr".into()],
            channels: vec![Channel::Chat],
            load: 0,
            max_conversations: ConversationLimit::AtMost(capacity),
            last_assigned_at: None,
        }
    }

    fn visitor() -> WaitingConversation {
        WaitingConversation {
            organization: OrganizationId::new("acme"),
            questionnaire: "site".into(),
            language: "fr".into(),
            channel: Channel::Chat,
            assigned_to: None,
        }
    }

    fn desk(agents: &[AgentSnapshot]) -> LiveDesk {
        let mut desk = LiveDesk::new();
        for a in agents {
            desk.upsert_agent(a.clone(), 0);
            desk.agents.get_mut(&a.id).unwrap().presence = a.presence;
        }
        desk
    }

    fn held(desk: &LiveDesk, agent: &str) -> usize {
        desk.conversations()
            .filter(|c| c.conversation.assigned_to.as_deref() == Some(agent))
            .count()
    }

    #[test]
    fn thirty_visitors_three_agents_of_two_six_assigned_and_the_oldest_waiting_goes_first() {
        let mut desk = desk(&[agent("a", 2), agent("b", 2), agent("c", 2)]);
        for i in 0..30 {
            desk.open(&format!("c{i:02}"), visitor(), 1_000 + i);
        }
        assert_eq!(desk.queue().len(), 24);
        for a in ["a", "b", "c"] {
            assert_eq!(held(&desk, a), 2);
        }
        let first = desk.queue()[0].id.clone();
        assert_eq!(first, "c06");
        let given = desk
            .conversations()
            .find(|c| c.conversation.assigned_to.as_deref() == Some("b"))
            .unwrap()
            .id
            .clone();
        let events = desk.close(&given, 5_000).unwrap();
        assert_eq!(
            events[1],
            LiveEvent::ConversationAssigned {
                conversation: "c06".into(),
                agent: "b".into()
            }
        );
        assert_eq!(desk.queue().len(), 23);
    }

    #[test]
    fn a_disabled_agent_gets_nothing_and_gives_back_what_they_held() {
        let mut desk = desk(&[agent("a", 3), agent("b", 1)]);
        for i in 0..3 {
            desk.open(&format!("c{i}"), visitor(), i);
        }
        let before = held(&desk, "a");
        assert!(before >= 1);
        let mut disabled = agent("a", 3);
        disabled.disabled = true;
        let events = desk.upsert_agent(disabled, 10);
        assert_eq!(held(&desk, "a"), 0);
        let requeued = events
            .iter()
            .filter(|e| matches!(e, LiveEvent::ConversationRequeued { .. }))
            .count();
        assert_eq!(requeued, before);
        desk.open("c9", visitor(), 20);
        assert_eq!(held(&desk, "a"), 0, "nothing routed to a disabled agent");
    }

    #[test]
    fn a_questionnaire_given_is_taken_at_once_from_the_queue() {
        let mut other = agent("a", 2);
        other.questionnaires = vec!["shop".into()];
        let mut desk = desk(&[other.clone()]);
        desk.open("c1", visitor(), 1);
        assert_eq!(desk.queue().len(), 1);
        other.questionnaires.push("site".into());
        let events = desk.upsert_agent(other, 2);
        assert_eq!(
            events,
            [LiveEvent::ConversationAssigned {
                conversation: "c1".into(),
                agent: "a".into()
            }]
        );
    }

    #[test]
    fn transfers_follow_routing_and_free_a_slot() {
        let mut desk = desk(&[agent("a", 1), agent("b", 1)]);
        desk.open("c1", visitor(), 1);
        desk.open("c2", visitor(), 2);
        desk.open("c3", visitor(), 3);
        let holder = desk
            .open
            .get("c1")
            .unwrap()
            .conversation
            .assigned_to
            .clone()
            .unwrap();
        let other = if holder == "a" { "b" } else { "a" };
        assert_eq!(desk.transfer("c1", other, 4), Err(vec![Code::AtCapacity]));
        assert_eq!(desk.transfer("c1", "nobody", 4), Err(vec![Code::NotFound]));
        desk.close("c2", 5).unwrap();
        // c3 was waiting; c2's slot went to it.
        assert_eq!(desk.queue().len(), 0);
    }

    #[test]
    fn presence_lasts_as_long_as_the_session_the_desk_was_told_of() {
        let mut desk = LiveDesk::new();
        desk.upsert_member(
            DeskMember {
                agent: agent("a", 2),
                name: "Léa".into(),
                signed_in_until: Some(100),
            },
            0,
        );
        assert_eq!(
            desk.open("c1", visitor(), 99).0.agent_id.as_deref(),
            Some("a")
        );
        assert_eq!(
            desk.open("c2", visitor(), 100).0.agent_id,
            None,
            "expired at 100"
        );
        // Signed in again (D1 says until 500): the waiting one goes to them at once.
        let events = desk.upsert_member(
            DeskMember {
                agent: agent("a", 2),
                name: "Léa".into(),
                signed_in_until: Some(500),
            },
            200,
        );
        assert!(events.contains(&LiveEvent::ConversationAssigned {
            conversation: "c2".into(),
            agent: "a".into()
        }));
        let none = DeskMember {
            agent: agent("a", 2),
            name: "Léa".into(),
            signed_in_until: None,
        };
        desk.upsert_member(none, 300);
        assert_eq!(
            desk.open("c3", visitor(), 300).0.agent_id,
            None,
            "no session at all"
        );
    }

    #[test]
    fn the_desk_as_each_may_see_it() {
        let mut desk = desk(&[agent("a", 1), agent("b", 1)]);
        desk.open("c1", visitor(), 1);
        desk.open("c2", visitor(), 2);
        desk.open("c3", visitor(), 3);
        let person = |id: &str, role: Role| Actor {
            id: id.into(),
            organization: OrganizationId::new("acme"),
            role,
            modules: [Module::named(Module::LIVECHAT)].into_iter().collect(),
            questionnaires: Default::default(),
            disabled: false,
        };
        let everything = desk.view(&person("m", Role::Manager), 10);
        assert_eq!(everything.agents.len(), 2);
        assert_eq!(
            everything
                .queue
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["c3"]
        );
        assert_eq!(everything.conversations.len(), 3);
        let holder = everything.conversations[0].assigned_to.clone().unwrap();
        let own = desk.view(&person(&holder, Role::Agent), 10);
        assert_eq!(
            own.agents.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            [holder.as_str()]
        );
        assert!(own.queue.is_empty(), "an agent does not see the queue");
        assert_eq!(
            own.conversations
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["c1"]
        );
        assert_eq!(own.agents[0].load, 1);
    }

    #[test]
    fn each_sees_what_the_scope_rule_gives_them() {
        let actor = |id: &str, role: Role| Actor {
            id: id.into(),
            organization: OrganizationId::new("acme"),
            role,
            modules: [Module::named(Module::LIVECHAT)].into_iter().collect(),
            questionnaires: Default::default(),
            disabled: false,
        };
        let assigned = LiveEvent::ConversationAssigned {
            conversation: "c1".into(),
            agent: "a".into(),
        };
        let moved = LiveEvent::ConversationTransferred {
            conversation: "c1".into(),
            from: Some("a".into()),
            to: "b".into(),
        };
        let queued = LiveEvent::ConversationQueued {
            conversation: "c2".into(),
            questionnaire: "site".into(),
            language: "fr".into(),
        };
        assert!(sees(&actor("a", Role::Agent), &assigned));
        assert!(!sees(&actor("b", Role::Agent), &assigned));
        assert!(sees(&actor("a", Role::Agent), &moved) && sees(&actor("b", Role::Agent), &moved));
        assert!(!sees(&actor("a", Role::Agent), &queued));
        assert!(sees(&actor("m", Role::Manager), &queued));
        let mut without_desk = actor("m", Role::Manager);
        without_desk.modules = Default::default();
        assert!(!sees(&without_desk, &assigned));
    }

    // proptest is a native dev-dependency: the rest of these tests also run in wasm (wasm-pack).
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever happens, in any order, nobody holds more than their capacity, and nothing
            /// waits that an agent with room could take.
            #[test]
            fn never_over_capacity_never_idle_with_work(ops in proptest::collection::vec((0u8..5, 0usize..12, 0usize..3), 1..80)) {
                let names = ["a", "b", "c"];
                let mut desk = desk(&[agent("a", 2), agent("b", 1), agent("c", 3)]);
                let mut next = 0;
                for (i, (op, n, who)) in ops.into_iter().enumerate() {
                    let now = i as i64;
                    let id = format!("c{}", n % (next + 1));
                    match op {
                        0 | 1 => { desk.open(&format!("c{next}"), visitor(), now); next += 1; }
                        2 => { let _ = desk.close(&id, now); }
                        3 => { let _ = desk.transfer(&id, names[who], now); }
                        _ => {
                            let p = if n % 2 == 0 { Presence::Online } else { Presence::Away };
                            desk.set_presence(names[who], p, now);
                        }
                    }
                    for a in desk.agents() {
                        let cap = match a.max_conversations { ConversationLimit::AtMost(n) => n as usize, ConversationLimit::Unlimited => usize::MAX };
                        prop_assert!(held(&desk, &a.id) <= cap);
                        prop_assert_eq!(a.load as usize, held(&desk, &a.id));
                    }
                    for waiting in desk.queue() {
                        prop_assert!(desk.agents().all(|a| a.refusal(&waiting.conversation).is_some()));
                    }
                }
            }
        }
    }
}
