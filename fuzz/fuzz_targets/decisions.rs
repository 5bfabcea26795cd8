//! Any bytes as the JSON of an authorization question or a routing snapshot: decoding, deciding
//! and routing must answer, never panic; a chosen agent is always eligible.
#![no_main]
use libfuzzer_sys::fuzz_target;
use livechat_access::*;

/// A JSON array of two values, each read by its decoder.
fn pair<A, B>(
    value: &serde_json::Value,
    first: impl Fn(&serde_json::Value) -> Result<A, Violation>,
    second: impl Fn(&serde_json::Value) -> Result<B, Violation>,
) -> Option<(A, B)> {
    match value.as_array()?.as_slice() {
        [a, b] => Some((first(a).ok()?, second(b).ok()?)),
        _ => None,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = parse_json(text) else { return };
    if let Some((actor, action)) = pair(&value, decode::actor, decode::action) {
        let _ = authorize(&actor, &action);
        let _ = user_scope(&actor);
        let _ = conversation_scope(&actor);
    }
    if let Some((conversation, agents)) = pair(&value, decode::waiting_conversation, decode::agents) {
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
