//! The shared form corpus (`tests/fixtures/forms.json`), run natively and in wasm. The Worker's
//! end-to-end tests post the same corpus to the HTTP API, so browser and server are held to one
//! list of answers.

mod common;

use livechat_access::{
    validate_acceptance, validate_invitation, validate_user, validate_user_patch, Violation,
};
use serde_json::Value;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

const CORPUS: &str = include_str!("fixtures/forms.json");

fn violations(form: &str, input: &Value) -> Vec<Violation> {
    let catalog = common::catalog();
    match form {
        "user" => validate_user(input, &catalog).err(),
        "patch" => validate_user_patch(input, &catalog).err(),
        "invitation" => validate_invitation(input, &catalog).err().map(|r| r.errors),
        "acceptance" => validate_acceptance(input, None, false).err(),
        other => unreachable!("unknown form {other}"),
    }
    .unwrap_or_default()
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn every_corpus_case_gives_exactly_its_errors() {
    let cases: Vec<Value> = serde_json::from_str(CORPUS).unwrap();
    assert!(cases.len() >= 20);
    for case in &cases {
        let mut expected: Vec<(String, String)> = case["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e[0].as_str().unwrap().to_owned(),
                    e[1].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut got: Vec<(String, String)> =
            violations(case["form"].as_str().unwrap(), &case["input"])
                .into_iter()
                .map(|v| (v.field, v.code.as_str().to_owned()))
                .collect();
        expected.sort();
        got.sort();
        assert_eq!(got, expected, "case {}", case["name"]);
    }
}
