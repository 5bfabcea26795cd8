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

/// One organization's live state.
#[derive(Debug, Clone, Default)]
pub struct LiveDesk {
    agents: BTreeMap<String, AgentSnapshot>,
    open: BTreeMap<String, OpenConversation>,
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
        let agents: Vec<AgentSnapshot> = self.agents.values().cloned().collect();
        let decision = route(&conversation, &agents);
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
            let agents: Vec<AgentSnapshot> = self.agents.values().cloned().collect();
            if let Some(agent) = route(&open.conversation, &agents).agent_id {
                self.give(&id, &agent, now);
                events.push(LiveEvent::ConversationAssigned {
                    conversation: id,
                    agent,
                });
            }
        }
        events
    }

    /// A conversation handed to `to`: refused with routing's first reason (`not_found` for
    /// someone the desk does not know), the queue moving on when a slot frees up.
    pub fn transfer(&mut self, id: &str, to: &str, now: i64) -> Result<Vec<LiveEvent>, Code> {
        let open = self.open.get(id).ok_or(Code::NotFound)?;
        let target = self.agents.get(to).ok_or(Code::NotFound)?;
        let check = can_transfer(&open.conversation, target);
        if let Some(first) = check.reasons.first() {
            return Err(*first);
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

    /// An agent's access as D1 now holds it (an edit, a team or catalog change): from the next
    /// decision on, routing reads it. Someone who may no longer take conversations at all
    /// (disabled, or without the desk's module) gives theirs back to the queue; the queue then
    /// moves on, so that an agent given a questionnaire gets its waiting conversations at once.
    pub fn upsert_agent(&mut self, mut agent: AgentSnapshot, now: i64) -> Vec<LiveEvent> {
        agent.load = self.load_of(&agent.id);
        if let Some(known) = self.agents.get(&agent.id) {
            // Presence is the desk's: D1 learns it from the desk, not the other way round.
            agent.presence = known.presence;
            agent.last_assigned_at = agent.last_assigned_at.max(known.last_assigned_at);
        }
        let id = agent.id.clone();
        let can_take = !agent.disabled
            && agent
                .modules
                .iter()
                .any(|m| m.as_str() == crate::Module::LIVECHAT);
        self.agents.insert(id.clone(), agent);
        let mut events = if can_take {
            Vec::new()
        } else {
            self.requeue(&id)
        };
        events.extend(self.drain(now));
        events
    }

    /// An agent deleted: their conversations go back to the queue, which moves on.
    pub fn remove_agent(&mut self, agent: &str, now: i64) -> Vec<LiveEvent> {
        let mut events = self.requeue(agent);
        self.agents.remove(agent);
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
        assert_eq!(desk.transfer("c1", other, 4), Err(Code::AtCapacity));
        assert_eq!(desk.transfer("c1", "nobody", 4), Err(Code::NotFound));
        desk.close("c2", 5).unwrap();
        // c3 was waiting; c2's slot went to it.
        assert_eq!(desk.queue().len(), 0);
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
