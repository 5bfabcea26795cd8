//! The JavaScript API as JS sees it: plain objects in, tagged unions out, and no throw on any
//! input, however wrong its JS type. Run by `wasm-pack test --node -- --features wasm`.
#![cfg(all(target_arch = "wasm32", feature = "wasm"))]

use js_sys::{Function, JSON};
use livechat_access::wasm::*;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

fn js(value: Value) -> JsValue {
    JSON::parse(&value.to_string()).unwrap()
}

fn rust(value: JsValue) -> Value {
    // Through JSON.stringify, as a browser would send it to the server.
    serde_json::from_str(&String::from(JSON::stringify(&value).unwrap())).unwrap()
}

fn en() -> Option<String> {
    Some("en".into())
}

#[wasm_bindgen_test]
fn validate_user_success_is_normalised() {
    let out = rust(validate_user_js(
        js(json!({"email": "Ana@EXEMPLE.fr", "password": "une longue phrase", "role": "admin"})),
        None,
        Some(js(
            json!({"questionnaires": [], "modules": ["crm"], "languages": ["fr"], "locale": "fr"}),
        )),
    ));
    assert_eq!(out["type"], "success");
    assert_eq!(out["value"]["email"], "Ana@exemple.fr");
    assert_eq!(
        out["value"]["access"]["modules"].as_array().unwrap().len(),
        6
    );
    assert_eq!(
        out["value"]["access"]["livechat"]["maxConversations"],
        Value::Null
    );
    assert!(
        out["value"].get("password").is_none(),
        "the password never comes back"
    );
}

#[wasm_bindgen_test]
fn validate_user_failure_has_codes_and_both_languages() {
    let input = json!({"email": "nope", "password": "x", "role": "agent"});
    let fr = rust(validate_user_js(
        js(input.clone()),
        Some("fr-FR".into()),
        None,
    ));
    let en = rust(validate_user_js(js(input), en(), None));
    assert_eq!(fr["type"], "failure");
    assert_eq!(fr["errors"][0]["field"], "email");
    assert_eq!(fr["errors"][0]["code"], "email_invalid");
    assert_eq!(fr["errors"][0]["message"], "Adresse e-mail non valide");
    assert_eq!(en["errors"][0]["message"], "Invalid email address");
    assert_eq!(en["errors"][1]["code"], "password_too_short");
}

#[wasm_bindgen_test]
fn no_input_of_any_js_type_throws() {
    let weird: Vec<JsValue> = vec![
        JsValue::UNDEFINED,
        JsValue::NULL,
        JsValue::from(3.5),
        JsValue::from_str("{}"),
        JsValue::from(true),
        js_sys::Symbol::for_("x").into(),
        Function::new_no_args("return 1").into(),
        js_sys::Array::of2(&JsValue::from(1), &JsValue::NULL).into(),
        js_sys::BigInt::from(7u64).into(),
    ];
    for value in weird {
        for out in [
            validate_user_js(value.clone(), en(), None),
            validate_user_patch_js(value.clone(), en(), None),
            validate_invitation_js(value.clone(), en(), None),
            validate_acceptance_js(value.clone(), en(), None, None),
        ] {
            let out = rust(out);
            assert_eq!(out["type"], "failure", "{value:?} -> {out}");
            assert!(!out["errors"].as_array().unwrap().is_empty());
        }
        assert_eq!(
            rust(is_allowed_js(value.clone(), value.clone()))["allowed"],
            false
        );
        assert_eq!(
            rust(route_conversation_js(value.clone(), value.clone(), None))["agentId"],
            Value::Null
        );
        assert_eq!(
            rust(can_transfer_js(value.clone(), value.clone(), None))["allowed"],
            false
        );
        assert_eq!(role_defaults_js(value.clone(), None), JsValue::NULL);
    }
}

#[wasm_bindgen_test]
fn js_values_are_read_by_their_structure() {
    // serde-wasm-bindgen reads a Map by its entries, so its wrong field is caught like an
    // object's; a Date is an object, not the string an address must be.
    let map = js_sys::Map::new();
    map.set(&"disabled".into(), &"oui".into());
    let out = rust(validate_user_patch_js(map.into(), en(), None));
    assert_eq!(out["errors"][0]["field"], "disabled");
    assert_eq!(out["errors"][0]["code"], "field_type");
    let form = js(json!({"password": "une longue phrase", "role": "agent"}));
    js_sys::Reflect::set(&form, &"email".into(), &js_sys::Date::new_0().into()).unwrap();
    let out = rust(validate_user_js(form, en(), None));
    assert_eq!(out["errors"][0]["field"], "email");
    assert_eq!(out["errors"][0]["code"], "field_type");
    // `undefined` reads as `null`: an unlimited conversation count, where JSON text would leave
    // the key out and take the role's default.
    let form = js(
        json!({"email": "a@exemple.fr", "password": "une longue phrase", "role": "agent",
                         "livechat": {}}),
    );
    let livechat = js_sys::Reflect::get(&form, &"livechat".into()).unwrap();
    js_sys::Reflect::set(&livechat, &"maxConversations".into(), &JsValue::UNDEFINED).unwrap();
    let out = rust(validate_user_js(form, en(), None));
    assert_eq!(
        out["value"]["access"]["livechat"]["maxConversations"],
        Value::Null
    );
}

#[wasm_bindgen_test]
fn answers_are_plain_json_values() {
    // null, never undefined; plain objects and arrays, never a Map.
    let out = validate_user_js(
        js(json!({"email": "a@exemple.fr", "password": "une longue phrase", "role": "agent"})),
        en(),
        None,
    );
    let profile = js_sys::Reflect::get(
        &js_sys::Reflect::get(&out, &"value".into()).unwrap(),
        &"profile".into(),
    )
    .unwrap();
    assert!(js_sys::Reflect::get(&profile, &"firstName".into())
        .unwrap()
        .is_null());
    assert!(!profile.has_type::<js_sys::Map>());
    assert_eq!(
        js_sys::Object::get_prototype_of(&profile),
        js_sys::Object::get_prototype_of(&js_sys::Object::new())
    );
}

#[wasm_bindgen_test]
fn patch_success_and_failure() {
    assert_eq!(
        rust(validate_user_patch_js(
            js(json!({"disabled": true})),
            None,
            None
        ))["type"],
        "success"
    );
    let out = rust(validate_user_patch_js(
        js(json!({"disabled": "oui"})),
        en(),
        None,
    ));
    assert_eq!(out["errors"][0]["code"], "field_type");
}

#[wasm_bindgen_test]
fn invitation_verdicts_per_email() {
    let out = rust(validate_invitation_js(
        js(json!({"emails": "a@x.fr\nnope, A@X.FR", "role": "agent"})),
        en(),
        None,
    ));
    assert_eq!(out["type"], "success");
    let emails = out["value"]["emails"].as_array().unwrap();
    assert_eq!(emails.len(), 3);
    assert_eq!(emails[0]["status"], "valid");
    assert_eq!(emails[1]["code"], "email_invalid");
    assert_eq!(emails[2]["code"], "email_duplicate");
    assert_eq!(
        emails[2]["message"],
        "This address appears twice in the list"
    );
    let refused = rust(validate_invitation_js(
        js(json!({"emails": ["a@x.fr"], "role": "pope"})),
        en(),
        None,
    ));
    assert_eq!(refused["type"], "failure");
    assert_eq!(refused["emails"][0]["status"], "valid");
}

#[wasm_bindgen_test]
fn acceptance_uses_the_invited_email() {
    let token = "a".repeat(43);
    let out = rust(validate_acceptance_js(
        js(json!({"token": token, "password": "camille-forever"})),
        en(),
        Some("camille@x.fr".into()),
        None,
    ));
    assert_eq!(out["errors"][0]["code"], "password_contains_email");
    // Under SSO required the page sends no password; one sent is refused, in the page's words.
    let out = rust(validate_acceptance_js(
        js(json!({"token": token, "password": "camille-forever"})),
        en(),
        None,
        Some(true),
    ));
    assert_eq!(
        (&out["errors"][0]["field"], &out["errors"][0]["code"]),
        (&json!("password"), &json!("sso_required"))
    );
    let out = rust(validate_acceptance_js(
        js(json!({ "token": token })),
        en(),
        None,
        Some(true),
    ));
    assert_eq!(out["type"], "success");
}

#[wasm_bindgen_test]
fn role_defaults_drive_the_form() {
    let admin = rust(role_defaults_js(JsValue::from_str("admin"), None));
    assert_eq!(admin["modulesLocked"], true);
    assert_eq!(admin["showQuestionnaires"], false);
    let agent = rust(role_defaults_js(JsValue::from_str("agent"), None));
    assert_eq!(agent["modules"], json!(["livechat"]));
    assert_eq!(agent["livechat"]["languages"], json!(["fr"]));
    assert_eq!(agent["livechat"]["maxConversations"], 3);
}

#[wasm_bindgen_test]
fn is_allowed_from_js() {
    let manager = js(
        json!({"id": "m", "organization": "acme", "role": "manager", "modules": ["livechat", "users"]}),
    );
    let create_admin = js(json!({"type": "createUser", "grant": {"role": "admin", "modules": []}}));
    assert_eq!(
        rust(is_allowed_js(manager.clone(), create_admin)),
        json!({"allowed": false, "code": "privilege_escalation"})
    );
    let create_agent =
        js(json!({"type": "createUser", "grant": {"role": "agent", "modules": ["livechat"]}}));
    assert_eq!(
        rust(is_allowed_js(manager.clone(), create_agent)),
        json!({"allowed": true})
    );
    let typo =
        js(json!({"type": "createUser", "grant": {"role": "agent", "modules": []}, "sudo": true}));
    assert_eq!(
        rust(is_allowed_js(manager.clone(), typo))["code"],
        "unknown_field"
    );
    // Another organization's account does not exist for this manager.
    let theirs = js(
        json!({"type": "viewUser", "target": {"id": "a", "organization": "globex", "role": "agent"}}),
    );
    assert_eq!(
        rust(is_allowed_js(manager, theirs)),
        json!({"allowed": false, "code": "not_found"})
    );
}

#[wasm_bindgen_test]
fn routing_from_js() {
    let conversation = js(
        json!({"organization": "acme", "questionnaire": "site-fr", "language": "fr", "channel": "chat"}),
    );
    let agent = |id: &str, load: u32| {
        json!({"id": id, "organization": "acme", "role": "agent", "presence": "online", "modules": ["livechat"],
        "questionnaires": ["site-fr"], "languages": ["fr"], "channels": ["chat"], "load": load, "maxConversations": 2})
    };
    let agents = js(json!([agent("a", 2), agent("b", 1)]));
    let out = rust(route_conversation_js(conversation.clone(), agents, None));
    assert_eq!(out["agentId"], "b");
    assert_eq!(out["reasons"], json!([{"code": "at_capacity", "count": 1}]));
    let full = rust(can_transfer_js(
        conversation.clone(),
        js(agent("a", 2)),
        None,
    ));
    assert_eq!(full, json!({"allowed": false, "reasons": ["at_capacity"]}));
    let mut missing_limit = agent("c", 0);
    missing_limit
        .as_object_mut()
        .unwrap()
        .remove("maxConversations");
    let out = rust(route_conversation_js(
        conversation,
        js(json!([missing_limit])),
        en(),
    ));
    assert_eq!(out["agentId"], Value::Null);
    assert_eq!(out["error"]["code"], "field_required");
    assert_eq!(out["error"]["field"], "agents[0].maxConversations");
}

#[wasm_bindgen_test]
fn error_codes_are_listed() {
    let codes = rust(error_codes_js());
    for code in [
        "email_invalid",
        "email_taken",
        "last_admin",
        "privilege_escalation",
        "not_found",
    ] {
        assert!(
            codes.as_array().unwrap().iter().any(|c| c == code),
            "{code}"
        );
    }
}
