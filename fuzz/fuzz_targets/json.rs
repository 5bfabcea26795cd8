//! The core's JSON reader and writer against serde_json: the same text is accepted or refused by
//! both, gives the same value (floats aside: see `json::approximate`), and writes back the same.
#![no_main]
use libfuzzer_sys::fuzz_target;
use livechat_access::json;
use serde_json::Value;

fn has_float(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.is_f64(),
        Value::Array(items) => items.iter().any(has_float),
        Value::Object(map) => map.values().any(has_float),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = json::parse(text);
    let theirs = serde_json::from_str::<Value>(text).ok();
    assert_eq!(ours.is_some(), theirs.is_some(), "{text:?}");
    if let (Some(ours), Some(theirs)) = (ours, theirs) {
        if !has_float(&theirs) {
            assert_eq!(ours, theirs, "{text:?}");
            assert_eq!(json::to_string(&ours), serde_json::to_string(&theirs).ok());
        }
    }
});
