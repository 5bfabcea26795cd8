//! Any bytes as the JSON of an authorization question or a routing snapshot: decoding, deciding
//! and routing must answer, never panic; a chosen agent is always eligible.
#![no_main]
use libfuzzer_sys::fuzz_target;
use livechat_access::*;

fuzz_target!(|data: &[u8]| {
    if let Ok((actor, action)) = serde_json::from_slice::<(Actor, Action)>(data) {
        let _ = authorize(&actor, &action);
        let _ = user_scope(&actor);
        let _ = conversation_scope(&actor);
    }
    if let Ok((conversation, agents)) = serde_json::from_slice::<(WaitingConversation, Vec<AgentSnapshot>)>(data) {
        let decision = route(&conversation, &agents);
        if let Some(id) = &decision.agent_id {
            let chosen = agents.iter().find(|a| &a.id == id).expect("the chosen agent is in the snapshot");
            assert!(chosen.refusal(&conversation).is_none(), "routing chose an ineligible agent");
        }
        for agent in &agents {
            let _ = can_transfer(&conversation, agent);
        }
    }
});
