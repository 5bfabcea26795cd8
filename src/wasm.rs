//! The JavaScript facade: thin wrappers that turn JS values into the core's inputs and the core's
//! answers into plain JS objects. No rule lives here.
//!
//! Every function takes untyped values and never throws: bad input, including wrong JS types,
//! comes back as a `failure` (or a denial) with stable codes.

use crate::decode;
use crate::error::{localize_all, Code, FieldError, Locale, Violation};
use crate::outcome::Outcome;
use crate::{
    authorize, can_transfer, role_defaults, route, validate_acceptance, validate_catalog,
    validate_invitation, validate_user, validate_user_patch, AgentSnapshot, Catalog, Decision,
    Email, ReasonCount, Role,
};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[cfg(feature = "node")]
mod held;
#[cfg(feature = "node")]
pub use held::HeldActor;

// talc instead of the standard library's dlmalloc: the same job for a few KB less in the
// browser package (BENCHMARKS.md §3), which allocates little and briefly.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

// Types whose serde form is written by hand (ConversationLimit's `null` for unlimited) declare
// their TypeScript here; every other declaration is generated from the Rust types by tsify.
#[wasm_bindgen(typescript_custom_section)]
const HAND_WRITTEN_FORMS: &'static str = r#"
/** Simultaneous conversations: `null` for unlimited, else 1 to 50. */
export type ConversationLimit = number | null;
"#;

/// The core's answer as a plain JS value: objects, arrays and `null` (never `undefined`, a Map or
/// a BigInt), the shape the Worker sends over HTTP as JSON.
fn to_js<T: Serialize>(value: &T) -> JsValue {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// A JS value as the tree the core's readers take, walked directly (no JSON text, no serde
/// deserializer: serde's type errors would link float formatting, ~6 KB gzipped, into the browser
/// package). Objects are read by their own enumerable entries, a `Map` by its entries; `undefined`
/// reads as `null`; what JSON cannot hold (a function, a symbol, a BigInt, a non-string map key,
/// nesting past 128 levels) is one `invalid_json` error.
fn json(input: JsValue) -> Result<Value, Violation> {
    read_js(&input, 0).ok_or_else(|| Violation::new("", Code::InvalidJson))
}

fn read_js(value: &JsValue, depth: usize) -> Option<Value> {
    use js_sys::{Array, Map, Object};
    use wasm_bindgen::JsCast;
    if depth > 128 {
        return None;
    }
    if value.is_null() || value.is_undefined() {
        return Some(Value::Null);
    }
    if let Some(b) = value.as_bool() {
        return Some(Value::Bool(b));
    }
    if let Some(n) = value.as_f64() {
        // Whole numbers stay integers, as JSON text would read them.
        let whole = n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0;
        return Some(if whole {
            Value::from(n as i64)
        } else {
            serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
        });
    }
    if let Some(s) = value.as_string() {
        return Some(Value::String(s));
    }
    if value.is_function() || !value.is_object() {
        return None;
    }
    if Array::is_array(value) {
        let items: &Array = value.unchecked_ref();
        return items
            .iter()
            .map(|item| read_js(&item, depth + 1))
            .collect::<Option<_>>()
            .map(Value::Array);
    }
    let entries = match value.dyn_ref::<Map>() {
        Some(map) => Array::from(&map.entries()),
        None => Object::entries(value.unchecked_ref()),
    };
    let mut object = serde_json::Map::new();
    for entry in entries.iter() {
        let pair: &Array = entry.unchecked_ref();
        let key = pair.get(0).as_string()?;
        object.insert(key, read_js(&pair.get(1), depth + 1)?);
    }
    Some(Value::Object(object))
}

/// `validateUserPatch`'s success: the patch stays in the core, the page only needs to know it is
/// valid.
#[derive(Serialize, tsify::Tsify)]
#[tsify(missing_as_null)]
pub struct ValidPatch {}

/// `validateInvitation`'s success: the access, and each address's verdict in the asked language.
#[derive(Serialize, tsify::Tsify)]
#[tsify(missing_as_null)]
pub struct InvitationCheck {
    access: crate::Access,
    emails: Vec<crate::EmailVerdict>,
}

/// A routing answer for unreadable input: nobody, and why.
#[derive(Serialize, tsify::Tsify)]
#[tsify(missing_as_null)]
#[serde(rename_all = "camelCase")]
pub struct UnreadableRouting {
    agent_id: Option<String>,
    eligible: usize,
    reasons: Vec<ReasonCount>,
    error: FieldError,
}

/// A transfer answer for unreadable input.
#[derive(Serialize, tsify::Tsify)]
#[tsify(missing_as_null)]
pub struct UnreadableTransfer {
    allowed: bool,
    reasons: Vec<Code>,
    error: FieldError,
}

fn locale(tag: Option<String>) -> Locale {
    tag.as_deref().map(Locale::from_tag).unwrap_or_default()
}

/// A JS value decoded into a typed core input by the core's own readers (`crate::decode`).
fn typed<T>(
    input: JsValue,
    decode: impl FnOnce(&Value) -> Result<T, Violation>,
) -> Result<T, Violation> {
    decode(&json(input)?)
}

/// The organization's catalog as `GET /organization/catalog` answers it; left out, a new
/// organization's (built-in modules, no questionnaire, French). A wrong one is refused field by
/// field under `catalog.`, never read as something else.
fn catalog(value: Option<JsValue>) -> Result<Catalog, Vec<Violation>> {
    let Some(value) = value.filter(|v| !v.is_null() && !v.is_undefined()) else {
        return Ok(Catalog::default());
    };
    json(value)
        .map_err(|v| vec![v])
        .and_then(|v| validate_catalog(&v))
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|mut v| {
                    v.field = crate::input::join("catalog", &v.field);
                    v
                })
                .collect()
        })
}

fn failure<T: Serialize>(errors: &[Violation], locale: Locale) -> JsValue {
    to_js(&Outcome::<T>::Failure {
        errors: localize_all(errors, locale),
        emails: None,
    })
}

/// Runs a form validator on a JS value and answers the tagged union.
fn form<T: Serialize>(
    input: JsValue,
    locale_tag: Option<String>,
    validate: impl FnOnce(&Value) -> Result<T, Vec<Violation>>,
) -> JsValue {
    let locale = locale(locale_tag);
    match json(input).map_err(|v| vec![v]).and_then(|v| validate(&v)) {
        Ok(value) => to_js(&Outcome::<T>::Success { value }),
        Err(errors) => failure::<T>(&errors, locale),
    }
}

/// Validates the add-user form.
#[wasm_bindgen(js_name = validateUser, unchecked_return_type = "Outcome<NewUser>")]
pub fn validate_user_js(
    #[wasm_bindgen(unchecked_param_type = "UserInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] locale_tag: Option<String>,
    #[wasm_bindgen(unchecked_optional_param_type = "CatalogInput | null")] catalog_input: Option<
        JsValue,
    >,
) -> JsValue {
    form(input, locale_tag, |v| {
        validate_user(v, &catalog(catalog_input)?)
    })
}

/// Validates the edit form (each present field on its own).
#[wasm_bindgen(js_name = validateUserPatch, unchecked_return_type = "Outcome<ValidPatch>")]
pub fn validate_user_patch_js(
    #[wasm_bindgen(unchecked_param_type = "UserPatchInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] locale_tag: Option<String>,
    #[wasm_bindgen(unchecked_optional_param_type = "CatalogInput | null")] catalog_input: Option<
        JsValue,
    >,
) -> JsValue {
    form(input, locale_tag, |v| {
        validate_user_patch(v, &catalog(catalog_input)?).map(|_| ValidPatch {})
    })
}

/// Validates the invitation form; both answers carry a verdict per address.
#[wasm_bindgen(
    js_name = validateInvitation,
    unchecked_return_type = "Outcome<InvitationCheck>"
)]
pub fn validate_invitation_js(
    #[wasm_bindgen(unchecked_param_type = "InvitationInput")] input: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] locale_tag: Option<String>,
    #[wasm_bindgen(unchecked_optional_param_type = "CatalogInput | null")] catalog_input: Option<
        JsValue,
    >,
) -> JsValue {
    let locale = locale(locale_tag);
    let read = json(input)
        .map_err(|v| vec![v])
        .and_then(|value| Ok((value, catalog(catalog_input)?)));
    let (value, catalog) = match read {
        Ok(read) => read,
        Err(errors) => {
            return to_js(&Outcome::<InvitationCheck>::Failure {
                errors: localize_all(&errors, locale),
                emails: Some(Vec::new()),
            })
        }
    };
    let verdicts =
        |checks: &[crate::EmailCheck]| checks.iter().map(|c| c.localize(locale)).collect();
    match validate_invitation(&value, &catalog) {
        Ok(request) => to_js(&Outcome::<InvitationCheck>::Success {
            value: InvitationCheck {
                emails: verdicts(&request.emails),
                access: request.access,
            },
        }),
        Err(rejection) => to_js(&Outcome::<InvitationCheck>::Failure {
            errors: localize_all(&rejection.errors, locale),
            emails: Some(verdicts(&rejection.emails)),
        }),
    }
}

/// Validates the accept-invitation form; `email` is the invited address, when known;
/// `ssoRequired` as the invitation's lookup says (no password is chosen then).
#[wasm_bindgen(js_name = validateAcceptance, unchecked_return_type = "Outcome<Acceptance>")]
pub fn validate_acceptance_js(
    #[wasm_bindgen(unchecked_param_type = "AcceptanceInput")] input: JsValue,
    locale_tag: Option<String>,
    email: Option<String>,
    #[wasm_bindgen(js_name = ssoRequired)] sso_required: Option<bool>,
) -> JsValue {
    let invited = email.as_deref().and_then(Email::parse);
    form(input, locale_tag, |v| {
        validate_acceptance(v, invited.as_ref(), sso_required.unwrap_or(false))
    })
}

/// Validates the new-password form of a reset link (the account's address is not known here; the
/// server adds the rule that forbids building the password on it).
#[wasm_bindgen(
    js_name = validatePasswordReset,
    unchecked_return_type = "Outcome<Record<string, never>>"
)]
pub fn validate_password_reset_js(
    #[wasm_bindgen(unchecked_param_type = "PasswordResetInput")] input: JsValue,
    locale_tag: Option<String>,
) -> JsValue {
    form(input, locale_tag, |v| {
        crate::validate_password_reset(v, None).map(|_| ValidPatch {})
    })
}

/// Validates the change-my-password form; `email` is the signed-in person's address.
#[wasm_bindgen(
    js_name = validatePasswordChange,
    unchecked_return_type = "Outcome<Record<string, never>>"
)]
pub fn validate_password_change_js(
    #[wasm_bindgen(unchecked_param_type = "PasswordChangeInput")] input: JsValue,
    locale_tag: Option<String>,
    email: &str,
) -> JsValue {
    let email = Email::parse(email);
    form(input, locale_tag, |v| match &email {
        Some(email) => crate::validate_password_change(v, email).map(|_| ValidPatch {}),
        None => Err(vec![Violation::new("email", Code::EmailInvalid)]),
    })
}

/// The form's defaults for a role; `null` for an unknown role or an unreadable catalog.
#[wasm_bindgen(js_name = roleDefaults, unchecked_return_type = "RoleDefaults | null")]
pub fn role_defaults_js(
    #[wasm_bindgen(unchecked_param_type = "Role")] role: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CatalogInput | null")] catalog_input: Option<
        JsValue,
    >,
) -> JsValue {
    match (
        role.as_string().as_deref().and_then(Role::parse),
        catalog(catalog_input),
    ) {
        (Some(role), Ok(catalog)) => to_js(&role_defaults(role, &catalog)),
        _ => JsValue::NULL,
    }
}

/// Validates the catalog screen's form, as `PUT /organization/catalog` does.
#[wasm_bindgen(js_name = validateCatalog, unchecked_return_type = "Outcome<CatalogInput>")]
pub fn validate_catalog_js(
    #[wasm_bindgen(unchecked_param_type = "CatalogInput")] input: JsValue,
    locale_tag: Option<String>,
) -> JsValue {
    form(input, locale_tag, |v| {
        validate_catalog(v).map(|c| c.to_input())
    })
}

/// May `actor` do `action`? Malformed input is a denial naming the first broken field's code.
#[wasm_bindgen(js_name = isAllowed, unchecked_return_type = "Decision")]
pub fn is_allowed_js(
    #[wasm_bindgen(unchecked_param_type = "Actor")] actor: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Action")] action: JsValue,
) -> JsValue {
    let decision: Decision = match (typed(actor, decode::actor), typed(action, decode::action)) {
        (Ok(actor), Ok(action)) => authorize(&actor, &action).into(),
        (Err(v), _) | (_, Err(v)) => Err(v.code).into(),
    };
    to_js(&decision)
}

/// Picks the agent for a waiting conversation.
#[wasm_bindgen(
    js_name = routeConversation,
    unchecked_return_type = "RoutingDecision | UnreadableRouting"
)]
pub fn route_conversation_js(
    #[wasm_bindgen(unchecked_param_type = "WaitingConversation")] conversation: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AgentSnapshot[]")] agents: JsValue,
    locale_tag: Option<String>,
) -> JsValue {
    let read = typed(conversation, decode::waiting_conversation)
        .and_then(|c| Ok((c, typed(agents, decode::agents)?)));
    match read {
        Ok((conversation, agents)) => to_js(&route(&conversation, &agents)),
        Err(v) => unroutable(&v, locale_tag),
    }
}

/// A routing answer for unreadable input: nobody, and why.
fn unroutable(v: &Violation, locale_tag: Option<String>) -> JsValue {
    to_js(&UnreadableRouting {
        agent_id: None,
        eligible: 0,
        reasons: Vec::new(),
        error: v.localize(locale(locale_tag)),
    })
}

/// Agents kept in wasm memory, for callers that route many conversations over the same team:
/// the snapshot crosses the JS boundary once instead of on every decision.
#[wasm_bindgen]
#[derive(Default)]
pub struct AgentRoster {
    agents: Vec<AgentSnapshot>,
}

#[wasm_bindgen]
impl AgentRoster {
    /// An empty roster.
    #[wasm_bindgen(constructor)]
    pub fn new() -> AgentRoster {
        AgentRoster::default()
    }

    /// Replaces the agents; on bad input keeps the previous ones and answers the error.
    #[wasm_bindgen(unchecked_return_type = "FieldError | null")]
    pub fn replace(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "AgentSnapshot[]")] agents: JsValue,
        locale_tag: Option<String>,
    ) -> JsValue {
        match typed(agents, decode::agents) {
            Ok(agents) => {
                self.agents = agents;
                JsValue::NULL
            }
            Err(v) => to_js(&v.localize(locale(locale_tag))),
        }
    }

    /// How many agents it holds.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.agents.len()
    }

    /// Picks the agent for a waiting conversation among the roster.
    #[wasm_bindgen(unchecked_return_type = "RoutingDecision | UnreadableRouting")]
    pub fn route(
        &self,
        #[wasm_bindgen(unchecked_param_type = "WaitingConversation")] conversation: JsValue,
        locale_tag: Option<String>,
    ) -> JsValue {
        match typed(conversation, decode::waiting_conversation) {
            Ok(conversation) => to_js(&route(&conversation, &self.agents)),
            Err(v) => unroutable(&v, locale_tag),
        }
    }
}

/// Whether a conversation may be transferred to `target`.
#[wasm_bindgen(
    js_name = canTransfer,
    unchecked_return_type = "TransferCheck | UnreadableTransfer"
)]
pub fn can_transfer_js(
    #[wasm_bindgen(unchecked_param_type = "WaitingConversation")] conversation: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AgentSnapshot")] target: JsValue,
    locale_tag: Option<String>,
) -> JsValue {
    let read = typed(conversation, decode::waiting_conversation)
        .and_then(|c| Ok((c, typed(target, |v| decode::agent(v, "target"))?)));
    match read {
        Ok((conversation, target)) => to_js(&can_transfer(&conversation, &target)),
        Err(v) => to_js(&UnreadableTransfer {
            allowed: false,
            reasons: vec![v.code],
            error: v.localize(locale(locale_tag)),
        }),
    }
}

/// The message of a code in a locale (`null` for an unknown code), for answers that carry only a
/// code, such as `isAllowed`.
#[wasm_bindgen(js_name = describeCode)]
pub fn describe_code_js(code: &str, locale_tag: Option<String>) -> Option<String> {
    Code::parse(code).map(|c| c.message(locale(locale_tag), &Default::default()))
}

/// The ISO 639-1 codes a language field accepts.
#[wasm_bindgen(js_name = languageCodes, unchecked_return_type = "string[]")]
pub fn language_codes_js() -> JsValue {
    to_js(&crate::Language::all().collect::<Vec<_>>())
}

/// The IANA time zone names a time zone field accepts.
#[wasm_bindgen(js_name = timeZones, unchecked_return_type = "string[]")]
pub fn time_zones_js() -> JsValue {
    to_js(&crate::TimeZone::all().collect::<Vec<_>>())
}

/// `checkSettings`'s answer (Node package only): refused settings (the deployment answers `/health` with 503 while
/// there are any) and those that must never reach production.
#[cfg(feature = "node")]
#[derive(Serialize, tsify::Tsify)]
#[tsify(missing_as_null)]
pub struct SettingsCheck {
    problems: Vec<crate::SettingError>,
    warnings: Vec<crate::SettingError>,
}

/// Checks a deployment's settings (`[vars]` and secrets, by name) as the Worker does at start:
/// for deploy pipelines and `scripts/run`. Values that are not strings count as unset.
#[cfg(feature = "node")]
#[wasm_bindgen(js_name = checkSettings, unchecked_return_type = "SettingsCheck")]
pub fn check_settings_js(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] vars: JsValue,
    locale_tag: Option<String>,
) -> JsValue {
    let vars = json(vars).unwrap_or(Value::Null);
    let report = crate::read_settings(&|name| vars.get(name)?.as_str().map(str::to_owned));
    let locale = locale(locale_tag);
    let localize =
        |list: &[crate::SettingProblem]| list.iter().map(|p| p.localize(locale)).collect();
    to_js(&SettingsCheck {
        problems: localize(&report.problems),
        warnings: localize(&report.warnings),
    })
}

/// Every stable error code, for clients that map codes to their own words.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "Code[]")]
pub fn error_codes_js() -> JsValue {
    to_js(&Code::ALL)
}
