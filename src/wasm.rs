//! The JavaScript facade: thin wrappers that turn JS values into the core's inputs and the core's
//! answers into plain JS objects. No rule lives here.
//!
//! Every function takes untyped values and never throws: bad input, including wrong JS types,
//! comes back as a `failure` (or a denial) with stable codes.

use crate::decode;
use crate::error::{localize_all, Code, FieldError, Locale, Violation};
use crate::outcome::Outcome;
use crate::{
    authorize, can_transfer, role_defaults, route, validate_acceptance, validate_invitation,
    validate_user, validate_user_patch, AgentSnapshot, Decision, Email, ModuleCatalog, ReasonCount,
    Role,
};
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
export type Locale = "fr" | "en";
export type Role = "agent" | "manager" | "admin";
export type Channel = "chat" | "call" | "video" | "messaging";
export type Presence = "online" | "away" | "offline";
export interface FieldError { field: string; code: string; message: string }
export type Outcome<T, X = {}> =
  | { type: "success"; value: T }
  | ({ type: "failure"; errors: FieldError[] } & X);
export interface LivechatSettings {
  maxConversations: number | null; languages: string[]; mainLanguage: string;
  questionnaires: string[]; channels: Channel[];
}
export interface Access { role: Role; modules: string[]; livechat: LivechatSettings }
export interface Profile {
  firstName: string | null; lastName: string | null; pseudonym: string | null;
  avatarUrl: string | null; timeZone: string;
}
export interface NewUser { email: string; access: Access; profile: Profile }
export interface EmailVerdict {
  input: string; email: string | null; status: "valid" | "invalid";
  code: string | null; message: string | null;
}
export interface InvitationRequest { access: Access; emails: EmailVerdict[] }
export interface RoleDefaults {
  role: Role; modules: string[]; allowedModules: string[]; modulesLocked: boolean;
  showQuestionnaires: boolean; livechat: LivechatSettings; timeZone: string;
}
export interface Actor {
  id: string; role: Role; modules: string[]; questionnaires?: string[]; disabled?: boolean;
}
export interface Subject { id: string; role: Role; disabled?: boolean }
export interface Grant { role: Role; modules: string[]; questionnaires?: string[]; disabled?: boolean }
export interface ConversationRef { assignedTo?: string | null }
export type Action =
  | { type: "accessModule"; module: string }
  | { type: "viewConversation" | "replyConversation" | "transferConversation" | "closeConversation"; conversation: ConversationRef }
  | { type: "openConversation" | "listUsers" | "changeSettings" | "viewAudit" }
  | { type: "viewUser"; target: Subject }
  | { type: "createUser" | "inviteUser"; grant: Grant }
  | { type: "editUser"; target: Subject; after?: Grant | null; activeAdmins: number }
  | { type: "deleteUser"; target: Subject; activeAdmins: number };
export interface Decision { allowed: boolean; code?: string }
export interface WaitingConversation { questionnaire: string; language: string; channel: Channel; assignedTo?: string | null }
export interface AgentSnapshot {
  id: string; role: Role; disabled?: boolean; presence: Presence; modules: string[];
  questionnaires?: string[]; languages: string[]; channels: Channel[]; load: number;
  maxConversations: number | null; lastAssignedAt?: number | null;
}
export interface RoutingDecision {
  agentId: string | null; eligible: number; reasons: { code: string; count: number }[];
  error?: FieldError;
}
export interface TransferCheck { allowed: boolean; reasons: string[]; error?: FieldError }
"#;

fn to_js<T: Serialize>(value: &T) -> JsValue {
    // Through JSON text: plain objects and `null`s, exactly what the Worker sends over HTTP.
    crate::json::to_string(value)
        .and_then(|text| js_sys::JSON::parse(&text).ok())
        .unwrap_or(JsValue::NULL)
}

fn locale(tag: Option<String>) -> Locale {
    tag.as_deref().map(Locale::from_tag).unwrap_or_default()
}

/// A JS value as JSON, decoded by the same parser as the Worker's request bodies, so
/// the browser and the server read input identically. What JSON cannot hold (undefined,
/// functions, symbols, BigInt) is one `invalid_json` error.
fn json(input: JsValue) -> Result<Value, Violation> {
    let invalid = || Violation::new("", Code::InvalidJson);
    let text = js_sys::JSON::stringify(&input).map_err(|_| invalid())?;
    let text = text.as_string().ok_or_else(invalid)?;
    crate::parse_json(&text)
}

/// A JS value decoded into a typed core input by the core's own readers (`crate::decode`).
fn typed<T>(
    input: JsValue,
    decode: impl FnOnce(&Value) -> Result<T, Violation>,
) -> Result<T, Violation> {
    decode(&json(input)?)
}

fn catalog(extra_modules: Option<Vec<String>>) -> ModuleCatalog {
    ModuleCatalog::with_extra(extra_modules.iter().flatten().map(String::as_str))
}

fn failure<T: Serialize>(errors: &[Violation], locale: Locale) -> JsValue {
    to_js(&Outcome::<T>::Failure {
        errors: localize_all(errors, locale),
        detail: (),
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
    input: JsValue,
    locale_tag: Option<String>,
    extra_modules: Option<Vec<String>>,
) -> JsValue {
    form(input, locale_tag, |v| {
        validate_user(v, &catalog(extra_modules))
    })
}

/// Validates the edit form (each present field on its own).
#[wasm_bindgen(js_name = validateUserPatch, unchecked_return_type = "Outcome<{}>")]
pub fn validate_user_patch_js(
    input: JsValue,
    locale_tag: Option<String>,
    extra_modules: Option<Vec<String>>,
) -> JsValue {
    // The patch itself stays in the core: the page only needs to know it is valid.
    #[derive(Serialize)]
    struct Valid {}
    form(input, locale_tag, |v| {
        validate_user_patch(v, &catalog(extra_modules)).map(|_| Valid {})
    })
}

/// Validates the invitation form; both answers carry a verdict per address.
#[wasm_bindgen(
    js_name = validateInvitation,
    unchecked_return_type = "Outcome<InvitationRequest, { emails: EmailVerdict[] }>"
)]
pub fn validate_invitation_js(
    input: JsValue,
    locale_tag: Option<String>,
    extra_modules: Option<Vec<String>>,
) -> JsValue {
    #[derive(Serialize)]
    struct Emails {
        emails: Vec<crate::EmailVerdict>,
    }
    #[derive(Serialize)]
    struct Request {
        access: crate::Access,
        emails: Vec<crate::EmailVerdict>,
    }
    let locale = locale(locale_tag);
    let value = match json(input) {
        Ok(value) => value,
        Err(v) => {
            return to_js(&Outcome::<Request, Emails>::Failure {
                errors: localize_all(&[v], locale),
                detail: Emails { emails: Vec::new() },
            })
        }
    };
    let verdicts =
        |checks: &[crate::EmailCheck]| checks.iter().map(|c| c.localize(locale)).collect();
    match validate_invitation(&value, &catalog(extra_modules)) {
        Ok(request) => to_js(&Outcome::<Request, Emails>::Success {
            value: Request {
                emails: verdicts(&request.emails),
                access: request.access,
            },
        }),
        Err(rejection) => to_js(&Outcome::<Request, Emails>::Failure {
            errors: localize_all(&rejection.errors, locale),
            detail: Emails {
                emails: verdicts(&rejection.emails),
            },
        }),
    }
}

/// Validates the accept-invitation form; `email` is the invited address, when known.
#[wasm_bindgen(js_name = validateAcceptance, unchecked_return_type = "Outcome<{ profile: Profile }>")]
pub fn validate_acceptance_js(
    input: JsValue,
    locale_tag: Option<String>,
    email: Option<String>,
) -> JsValue {
    let invited = email.as_deref().and_then(Email::parse);
    form(input, locale_tag, |v| {
        validate_acceptance(v, invited.as_ref())
    })
}

/// The form's defaults for a role; `null` for an unknown role.
#[wasm_bindgen(js_name = roleDefaults, unchecked_return_type = "RoleDefaults | null")]
pub fn role_defaults_js(role: JsValue, extra_modules: Option<Vec<String>>) -> JsValue {
    match role.as_string().as_deref().and_then(Role::parse) {
        Some(role) => to_js(&role_defaults(role, &catalog(extra_modules))),
        None => JsValue::NULL,
    }
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
#[wasm_bindgen(js_name = routeConversation, unchecked_return_type = "RoutingDecision")]
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
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Unroutable {
        agent_id: Option<String>,
        eligible: usize,
        reasons: [ReasonCount; 0],
        error: FieldError,
    }
    to_js(&Unroutable {
        agent_id: None,
        eligible: 0,
        reasons: [],
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
    #[wasm_bindgen(unchecked_return_type = "RoutingDecision")]
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
#[wasm_bindgen(js_name = canTransfer, unchecked_return_type = "TransferCheck")]
pub fn can_transfer_js(
    #[wasm_bindgen(unchecked_param_type = "WaitingConversation")] conversation: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AgentSnapshot")] target: JsValue,
    locale_tag: Option<String>,
) -> JsValue {
    let read = typed(conversation, decode::waiting_conversation)
        .and_then(|c| Ok((c, typed(target, |v| decode::agent(v, "target"))?)));
    match read {
        Ok((conversation, target)) => to_js(&can_transfer(&conversation, &target)),
        Err(v) => {
            #[derive(Serialize)]
            struct Refused {
                allowed: bool,
                reasons: [Code; 1],
                error: FieldError,
            }
            to_js(&Refused {
                allowed: false,
                reasons: [v.code],
                error: v.localize(locale(locale_tag)),
            })
        }
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

/// Every stable error code, for clients that map codes to their own words.
#[wasm_bindgen(js_name = errorCodes, unchecked_return_type = "string[]")]
pub fn error_codes_js() -> JsValue {
    to_js(&Code::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>())
}
