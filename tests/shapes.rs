//! The request shapes (the types TypeScript and OpenAPI are generated from) and the readers that
//! enforce them agree: a body with every field of the shape deserializes into the shape's type
//! and passes its form; a body with one field more is refused by the form, naming that field.

mod common;

use livechat_access::*;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

fn livechat() -> Value {
    json!({"maxConversations": 3, "languages": ["fr", "en"], "mainLanguage": "fr",
           "questionnaires": ["site-fr"], "channels": ["chat", "messaging"]})
}

fn profile() -> Value {
    json!({"firstName": "Léa", "lastName": "Martin", "pseudonym": "Léa",
           "avatarUrl": "https://cdn.exemple.fr/lea.png", "timeZone": "Europe/Paris"})
}

/// A form's name, a body that fills each field of its shape, the form's errors for a body, and
/// whether a body is of the shape's type.
type Form = (
    &'static str,
    Value,
    fn(&Value) -> Vec<Violation>,
    fn(&Value) -> bool,
);

/// Every form, with a body that fills each field of its shape.
fn forms() -> Vec<Form> {
    fn errors<T, E>(result: Result<T, E>, list: impl Fn(E) -> Vec<Violation>) -> Vec<Violation> {
        result.err().map(list).unwrap_or_default()
    }
    fn shape<T: DeserializeOwned>(body: &Value) -> bool {
        serde_json::from_value::<T>(body.clone()).is_ok()
    }
    vec![
        (
            "user",
            json!({"email": "lea@exemple.fr", "password": "une longue phrase", "role": "agent",
                   "modules": ["livechat", "history"], "livechat": livechat(), "profile": profile()}),
            |b| errors(validate_user(b, &common::catalog()), |e| e),
            shape::<UserInput>,
        ),
        (
            "patch",
            json!({"email": "lea@exemple.fr", "password": "une autre phrase", "role": "agent",
                   "modules": ["livechat"], "disabled": false, "livechat": livechat(), "profile": profile()}),
            |b| errors(validate_user_patch(b, &common::catalog()), |e| e),
            shape::<UserPatchInput>,
        ),
        (
            "invitation (list)",
            json!({"emails": ["a@exemple.fr", "b@exemple.fr"], "role": "agent",
                   "modules": ["livechat"], "livechat": livechat()}),
            |b| errors(validate_invitation(b, &common::catalog()), |r| r.errors),
            shape::<InvitationInput>,
        ),
        (
            "invitation (text)",
            json!({"emails": "a@exemple.fr, b@exemple.fr", "role": "manager"}),
            |b| errors(validate_invitation(b, &common::catalog()), |r| r.errors),
            shape::<InvitationInput>,
        ),
        (
            "acceptance",
            json!({"token": "A".repeat(43), "password": "une longue phrase", "profile": profile()}),
            |b| errors(validate_acceptance(b, None, false), |e| e),
            shape::<AcceptanceInput>,
        ),
        (
            "login",
            json!({"email": "lea@exemple.fr", "password": "x"}),
            |b| errors(validate_login(b), |e| e),
            shape::<LoginInput>,
        ),
        (
            "presence",
            json!({"status": "away"}),
            |b| errors(validate_presence(b), |e| e),
            shape::<PresenceInput>,
        ),
        (
            "transfer",
            json!({"to": "u1"}),
            |b| errors(validate_transfer(b), |e| e),
            shape::<TransferInput>,
        ),
        (
            "conversation",
            json!({"questionnaire": "site-fr", "language": "fr", "channel": "chat"}),
            |b| {
                errors(
                    validate_new_conversation(
                        b,
                        &OrganizationId::default_organization(),
                        &common::catalog(),
                    ),
                    |e| e,
                )
            },
            shape::<NewConversationInput>,
        ),
    ]
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_body_with_every_field_of_the_shape_passes_its_form() {
    for (name, body, form, shape) in forms() {
        assert!(shape(&body), "{name}: the body is not of its shape");
        assert_eq!(form(&body), vec![], "{name}");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
fn a_field_outside_the_shape_is_refused_by_name() {
    for (name, mut body, form, _) in forms() {
        body["nickname"] = json!("x");
        let codes: Vec<_> = form(&body).into_iter().map(|v| (v.field, v.code)).collect();
        assert_eq!(
            codes,
            vec![("nickname".to_owned(), Code::UnknownField)],
            "{name}"
        );
        if let Some(nested) = ["livechat", "profile"]
            .into_iter()
            .find(|k| body.get(k).is_some())
        {
            body.as_object_mut().unwrap().remove("nickname");
            body[nested]["extra"] = json!(1);
            let fields: Vec<_> = form(&body).into_iter().map(|v| v.field).collect();
            assert_eq!(fields, vec![format!("{nested}.extra")], "{name}");
        }
    }
}
