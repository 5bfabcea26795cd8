//! Prints generated questions with the native core's answers, as JSON, so that
//! `tests/js/generated.test.mjs` can ask the wasm build the same questions and demand the same
//! answers. Deterministic: the same cases every run.
use livechat_access::*;
use serde_json::{json, Value};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn some<'a>(&mut self, items: &[&'a str]) -> Vec<&'a str> {
        items
            .iter()
            .copied()
            .filter(|_| self.next() % 2 == 0)
            .collect()
    }
}

const ROLES: [&str; 4] = ["agent", "manager", "admin", "boss"];
const MODULES: [&str; 6] = [
    "livechat",
    "statistics",
    "history",
    "users",
    "settings",
    "nope",
];
const LANGS: [&str; 4] = ["fr", "en", "de", "xx"];
const QS: [&str; 4] = ["site-fr", "shop", "site-de", "Bad Slug"];
const EMAILS: [&str; 5] = [
    "a@exemple.fr",
    "B@Exemple.FR",
    "nope",
    "x@y",
    "josé@café.fr",
];
const PASSWORDS: [&str; 4] = [
    "une longue phrase",
    "short",
    "password1234",
    "aaaaaaaaaaaaaaaa",
];

fn main() {
    let mut rng = Lcg(42);
    // The catalog tests/js/generated.test.mjs passes to the wasm build.
    let catalog = validate_catalog(
        &serde_json::from_str(include_str!("../tests/fixtures/catalog.json")).expect("catalog"),
    )
    .expect("a valid catalog");
    let mut cases = Vec::new();
    for _ in 0..400 {
        let max = [Value::Null, json!(0), json!(3), json!(51)][(rng.next() % 4) as usize].clone();
        let form = json!({
            "email": rng.pick(&EMAILS), "password": rng.pick(&PASSWORDS), "role": rng.pick(&ROLES),
            "modules": rng.some(&MODULES),
            "livechat": {"maxConversations": max,
                         "languages": rng.some(&LANGS), "questionnaires": rng.some(&QS)},
        });
        let codes = |r: Result<(), Vec<Violation>>| -> Vec<String> {
            r.err()
                .unwrap_or_default()
                .iter()
                .map(|v| format!("{}:{}", v.field, v.code))
                .collect()
        };
        cases.push(json!({"form": "user", "input": form, "codes": codes(validate_user(&form, &catalog).map(|_| ()))}));
        let invitation = json!({"emails": rng.some(&EMAILS), "role": rng.pick(&ROLES), "modules": rng.some(&MODULES)});
        let codes_inv = validate_invitation(&invitation, &catalog)
            .map(|_| ())
            .map_err(|r| r.errors);
        cases.push(json!({"form": "invitation", "input": invitation, "codes": codes(codes_inv)}));
        let actor = json!({"id": rng.pick(&["a", "b"]), "organization": "acme", "role": rng.pick(&ROLES[..3]), "modules": rng.some(&MODULES[..5]),
                           "questionnaires": rng.some(&QS[..3])});
        let action = match rng.next() % 4 {
            0 => json!({"type": "accessModule", "module": rng.pick(&MODULES)}),
            1 => {
                json!({"type": "viewConversation", "conversation": {"organization": rng.pick(&["acme", "globex"]), "assignedTo": rng.pick(&["a", "b"])}})
            }
            2 => {
                json!({"type": "createUser", "grant": {"role": rng.pick(&ROLES[..3]), "modules": rng.some(&MODULES[..5]), "questionnaires": rng.some(&QS[..3])}})
            }
            _ => {
                json!({"type": "deleteUser", "target": {"id": rng.pick(&["a", "b"]), "organization": rng.pick(&["acme", "globex"]), "role": rng.pick(&ROLES[..3])}, "activeAdmins": rng.next() % 3})
            }
        };
        let allowed = match (decode::actor(&actor), decode::action(&action)) {
            (Ok(actor), Ok(action)) => json!(Decision::from(authorize(&actor, &action))),
            _ => Value::Null,
        };
        cases.push(
            json!({"form": "decision", "actor": actor, "action": action, "decision": allowed}),
        );
    }
    println!("{}", Value::Array(cases));
}
