//! The OpenAPI 3.1 description, generated natively from the handlers' `utoipa::path`
//! annotations and the types they read and write (the core's request shapes, the Worker's
//! answers). `cargo run -p livechat-access-worker --features openapi --bin openapi` writes
//! `api/openapi.json`, which the Worker serves and the end-to-end tests check every response
//! against; a test fails when the file, the route table and this description part.

use crate::{
    api, catalog, conversations, integration, invitations, live, operator, organization, scim,
    signin, teams, users,
};
use serde_json::{json, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "livechat-access",
        version = "1.0.0",
        description = "Users, invitations, sessions and routing for a live-chat back office. Errors are \
                       RFC 9457 problem+json with a stable `code`; `Accept-Language` picks fr or en. \
                       Request bodies are JSON of at most 64 KB; unknown fields are refused (422)."
    ),
    servers((url = "/api/v1")),
    paths(
        api::health,
        api::openapi,
        signin::sign_in,
        signin::sign_out,
        signin::sessions::me,
        signin::sessions::presence,
        signin::password::change,
        signin::password::forgot,
        signin::password::reset,
        organization::organization,
        catalog::show,
        catalog::replace,
        teams::list,
        teams::create,
        teams::replace,
        teams::remove,
        scim::tokens::list,
        scim::tokens::create,
        scim::tokens::revoke,
        scim::tokens::settings,
        integration::keys::list,
        integration::keys::create,
        integration::keys::revoke,
        signin::sso_settings::get,
        signin::sso_settings::change_policy,
        signin::sso_settings::add,
        signin::sso_settings::change,
        signin::sso_settings::remove,
        signin::sso::offered,
        signin::sso::start,
        signin::sso::callback,
        integration::endpoints::list,
        integration::endpoints::create,
        integration::endpoints::change,
        integration::endpoints::remove,
        integration::endpoints::rotate,
        integration::endpoints::end_rotation,
        integration::endpoints::deliveries,
        integration::endpoints::redeliver,
        integration::identity::issue,
        integration::identity::jwks,
        signin::factors::security,
        signin::second_step,
        signin::factors::overview,
        signin::factors::start_totp,
        signin::factors::confirm_totp,
        signin::factors::remove_totp,
        signin::factors::recovery_codes,
        signin::factors::reset,
        signin::passkeys::creation_options,
        signin::passkeys::register,
        signin::passkeys::rename,
        signin::passkeys::remove,
        signin::passkeys::request_options,
        users::list,
        users::create,
        users::show,
        users::edit,
        users::remove,
        users::audit,
        invitations::invite,
        invitations::list,
        invitations::lookup,
        invitations::accept,
        invitations::revoke,
        invitations::resend,
        conversations::open,
        conversations::list,
        conversations::transfer,
        conversations::close,
        live::connect,
        operator::list,
        operator::create,
        operator::change,
        operator::remove,
        operator::lift_sso_requirement,
        operator::factor_keys,
        operator::reseal_factor_keys,
    ),
    // What only a problem body refers to.
    components(
        schemas(
            livechat_access::FieldError,
            livechat_access::SettingError,
            livechat_access::EmailVerdict,
            livechat_access::EmailStatus,
            livechat_access::HeldEntry,
            livechat_access::HolderRef,
            livechat_access::HolderKind,
            livechat_access::WebhookEvent
        ),
        responses(crate::http::ProblemBody)
    ),
    modifiers(&Authentication)
)]
struct ApiDoc;

struct Authentication;

impl Modify for Authentication {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "integrationKey",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("lca_live_…")
                    .description(Some(
                        "An organization's integration key: acts in that organization only, \
                         within its scopes (`key_scope_missing` otherwise)",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::http::SESSION_COOKIE,
            ))),
        );
    }
}

/// The description as JSON, every object schema closed: the API refuses unknown request fields
/// and sends no field it does not describe, so the description says so too. A schema composed
/// with `allOf` (a flattened struct) is closed where it is composed, its parts left open.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    let composed: Vec<String> = referenced_from_all_of(&doc);
    if let Some(schemas) = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in schemas.iter_mut() {
            close(schema, composed.contains(name));
        }
    }
    if let Some(paths) = doc.get_mut("paths") {
        close_inline(paths);
        may_require_a_second_factor(paths);
    }
    doc["webhooks"] = webhooks();
    doc
}

/// The events an organization's endpoints receive (OpenAPI 3.1 `webhooks`): one POST per event
/// type, its body a `WebhookEvent`, signed per Standard Webhooks.
fn webhooks() -> Value {
    let header = |name: &str, description: &str| {
        json!({"name": name, "in": "header", "required": true, "schema": {"type": "string"},
               "description": description})
    };
    let parameters = json!([
        header(
            "webhook-id",
            "The event's id: the same on every attempt (drop duplicates by it)"
        ),
        header(
            "webhook-timestamp",
            "When this attempt was signed, Unix seconds (refuse old ones)"
        ),
        header(
            "webhook-signature",
            "`v1,<base64 HMAC-SHA256 of id.timestamp.body>` per live secret, space-separated \
             (two during a rotation)",
        ),
    ]);
    let mut hooks = serde_json::Map::new();
    for event in livechat_access::EventType::ALL {
        hooks.insert(
            event.as_str().to_owned(),
            json!({"post": {
                "operationId": format!("event_{}", event.as_str().replace('.', "_")),
                "summary": event.description(),
                "parameters": parameters,
                "requestBody": {"required": true, "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/WebhookEvent"}}}},
                "responses": {"2XX": {"description": "Delivered; anything else (or no answer \
                    within WEBHOOK_TIMEOUT_SECONDS) is tried again, doubling the delay"}}
            }}),
        );
    }
    Value::Object(hooks)
}

/// Every operation that takes a session may answer 403 `second_factor_required` (a session whose
/// person the organization's policy requires a factor of, and who has none yet, may only enrol),
/// so each says so, once, here.
fn may_require_a_second_factor(paths: &mut Value) {
    let Some(paths) = paths.as_object_mut() else {
        return;
    };
    for operation in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in operation.values_mut() {
            let secured = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if let (true, Some(responses)) = (
                secured,
                op.get_mut("responses").and_then(Value::as_object_mut),
            ) {
                responses
                    .entry("403")
                    .or_insert_with(|| json!({"$ref": "#/components/responses/ProblemBody"}));
            }
        }
    }
}

/// The component names some `allOf` refers to: those stay open.
fn referenced_from_all_of(doc: &Value) -> Vec<String> {
    let mut names = Vec::new();
    walk(doc, &mut |v| {
        for part in v
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = part
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                names.push(name.to_owned());
            }
        }
    });
    names
}

fn walk(value: &Value, visit: &mut impl FnMut(&Value)) {
    visit(value);
    match value {
        Value::Object(map) => map.values().for_each(|v| walk(v, visit)),
        Value::Array(items) => items.iter().for_each(|v| walk(v, visit)),
        _ => {}
    }
}

/// Closes one schema and the object schemas nested in it.
fn close(schema: &mut Value, stays_open: bool) {
    if let Some(parts) = schema.get_mut("allOf").and_then(Value::as_array_mut) {
        for part in parts.iter_mut() {
            // The parts of a composition are evaluated together: only the whole is closed.
            open_nested(part);
        }
        if !stays_open {
            schema["unevaluatedProperties"] = json!(false);
            // Every part is an object: said at the whole too, as strict validators ask.
            if schema.get("type").is_none() {
                schema["type"] = json!("object");
            }
        }
        return;
    }
    if schema.get("properties").is_some() && !stays_open {
        schema["additionalProperties"] = json!(false);
    }
    for key in ["properties", "items", "oneOf", "anyOf"] {
        match schema.get_mut(key) {
            Some(Value::Object(map)) if key == "properties" => {
                map.values_mut().for_each(|v| close(v, false))
            }
            Some(Value::Array(list)) => list.iter_mut().for_each(|v| close(v, false)),
            Some(item @ Value::Object(_)) => close(item, false),
            _ => {}
        }
    }
}

/// Nested objects of a composition's part are closed on their own.
fn open_nested(part: &mut Value) {
    if let Some(Value::Object(map)) = part.get_mut("properties") {
        map.values_mut().for_each(|v| close(v, false));
    }
}

/// Closes the schemas written inline in paths (request bodies and responses).
fn close_inline(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(schema) = map.get_mut("schema") {
                close(schema, false);
            }
            map.values_mut().for_each(close_inline);
        }
        Value::Array(items) => items.iter_mut().for_each(close_inline),
        _ => {}
    }
}

/// `api/openapi.json` as it must be committed.
pub fn text() -> String {
    serde_json::to_string_pretty(&document()).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_route_is_described_and_nothing_more() {
        let doc = document();
        let described: BTreeSet<String> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .unwrap()
                    .keys()
                    .filter(|m| m.as_str() != "parameters")
                    .map(move |m| format!("{} {path}", m.to_uppercase()))
            })
            .collect();
        let routed: BTreeSet<String> = api::ROUTES
            .iter()
            .map(|r| format!("{} {}", r.method, r.path))
            .collect();
        assert_eq!(routed.len(), api::ROUTES.len());
        assert_eq!(routed, described);
    }

    #[test]
    fn the_committed_description_is_the_generated_one() {
        let committed = include_str!("../../api/openapi.json");
        assert!(
            committed == text(),
            "api/openapi.json is stale: cargo run -p livechat-access-worker --features openapi --bin openapi"
        );
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let mut refs = Vec::new();
        walk(&doc, &mut |v| {
            if let Some(r) = v.get("$ref").and_then(Value::as_str) {
                refs.push(r.to_owned());
            }
        });
        assert!(refs.len() > 50);
        for r in refs {
            let pointer = r.strip_prefix('#').unwrap_or(&r);
            assert!(doc.pointer(pointer).is_some(), "{r} resolves to nothing");
        }
    }

    #[test]
    fn request_shapes_come_from_the_core_and_are_closed() {
        let doc = document();
        let user = &doc["components"]["schemas"]["UserInput"];
        assert_eq!(user["additionalProperties"], json!(false));
        let required: BTreeSet<&str> = user["required"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(required, BTreeSet::from(["email", "password", "role"]));
        let codes = doc["components"]["schemas"]["Code"]["enum"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(codes, livechat_access::Code::ALL.len());
    }
}
