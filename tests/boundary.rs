//! The Worker's request bodies, held to one list of answers: every text of the form corpus and
//! of the fuzz corpora, and the edge cases of JSON text, parsed as the Worker parses a body and
//! read by every form the API has. `tests/fixtures/boundary.json` holds the answers of the JSON
//! reader that came before serde_json (a differential run, kept), as error codes by field or `ok`:
//! a change of answer fails here. Its only deliberate change since: a new conversation no longer
//! requires `language` (the questionnaire's own language stands in).
//!
//! `BLESS=1 cargo test --test boundary` rewrites the fixture after a deliberate change, and still
//! fails, so that the new answers are read in the diff before they are committed; under CI
//! (`CI` set) it is refused.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use livechat_access::{
    parse_json, validate_acceptance, validate_invitation, validate_login,
    validate_new_conversation, validate_presence, validate_transfer, validate_user,
    validate_user_patch, OrganizationId, Violation,
};
use serde_json::{json, Map, Value};
use std::path::Path;

const FIXTURE: &str = "tests/fixtures/boundary.json";

/// JSON texts whose reading is easy to get wrong.
const EDGES: &[&str] = &[
    "",
    " ",
    "{",
    "}",
    "[]",
    "null",
    "0",
    "-0",
    "1e400",
    "-1e400",
    "18446744073709551616",
    "9007199254740993",
    "1.5",
    "\"\\ud800\"",
    "\"\\u00e9\"",
    "\"\u{7f}\"",
    "{\"email\": \"a@b.fr\",}",
    "{\"email\": \"a@b.fr\"} x",
    "{\"email\": \"a@b.fr\", \"email\": \"c@d.fr\", \"password\": \"une longue phrase\", \"role\": \"agent\"}",
    "{\"role\": \"agent\", \"email\": \"a@b.fr\", \"password\": \"une longue phrase\", \"extra\": {\"a\": [1, {\"b\": null}]}}",
    "{\"emails\": [\"a@b.fr\", 3, null], \"role\": \"agent\"}",
    "{\"status\": \"online\"}",
    "{\"to\": \"u1\"}",
    "{\"questionnaire\": \"site-fr\", \"language\": \"fr\", \"channel\": \"chat\"}",
    "{\"email\": \"a@b.fr\", \"password\": \"x\"}",
    "\u{feff}{}",
    "{\"email\": \"a@b.fr\"\u{0}}",
    "{\"a\":1}\n",
    "\t{\"disabled\": true}\r\n",
    "{\"maxConversations\": 1.0}",
    "{\"livechat\": {\"maxConversations\": 1e1}, \"role\": \"agent\", \"email\": \"a@b.fr\", \"password\": \"une longue phrase\"}",
    "{\"livechat\": {\"maxConversations\": -0}, \"role\": \"agent\", \"email\": \"a@b.fr\", \"password\": \"une longue phrase\"}",
];

fn texts() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut texts: Vec<String> = EDGES.iter().map(|t| (*t).to_owned()).collect();
    for corpus in ["forms", "decisions"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join("fuzz/corpus").join(corpus))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        texts.extend(files.iter().map(|f| std::fs::read_to_string(f).unwrap()));
    }
    let forms: Vec<Value> = serde_json::from_str(include_str!("fixtures/forms.json")).unwrap();
    texts.extend(forms.iter().map(|case| case["input"].to_string()));
    // Nesting at and past the depth limit.
    for depth in [126, 127, 128, 129] {
        texts.push(format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
        texts.push(format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth)));
    }
    texts
}

/// `ok`, or each error as `field code`: the codes are the contract, not the Rust values.
fn answer<T>(result: Result<T, Vec<Violation>>) -> Value {
    match result {
        Ok(_) => json!("ok"),
        Err(errors) => json!({
            "errors": errors.iter().map(|v| format!("{} {}", v.field, v.code)).collect::<Vec<_>>()
        }),
    }
}

/// What every form answers to one body.
fn answers(text: &str) -> Value {
    let value = match parse_json(text) {
        Ok(value) => value,
        Err(v) => return json!({"parse": v.code.as_str()}),
    };
    let catalog = common::catalog();
    json!({
        "user": answer(validate_user(&value, &catalog)),
        "patch": answer(validate_user_patch(&value, &catalog)),
        "invitation": answer(validate_invitation(&value, &catalog).map_err(|r| r.errors)),
        "acceptance": answer(validate_acceptance(&value, None, false)),
        "login": answer(validate_login(&value)),
        "presence": answer(validate_presence(&value)),
        "transfer": answer(validate_transfer(&value)),
        "conversation": answer(validate_new_conversation(&value, &OrganizationId::default_organization(), &catalog)),
    })
}

#[test]
fn every_body_gets_the_answer_it_had() {
    let got: Map<String, Value> = texts().iter().map(|t| (t.clone(), answers(t))).collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    if std::env::var_os("BLESS").is_some() {
        assert!(
            std::env::var_os("CI").is_none(),
            "BLESS is refused under CI: the pinned answers change only by a reviewed commit"
        );
        let text = serde_json::to_string_pretty(&got).unwrap();
        std::fs::write(&path, text + "\n").unwrap();
        panic!("{FIXTURE} rewritten: read `git diff {FIXTURE}`, then commit it or restore it");
    }
    let expected: Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(got.len(), expected.len(), "the list of bodies changed");
    for (text, answer) in &got {
        assert_eq!(Some(answer), expected.get(text), "body {text:?}");
    }
}
