//! `HeldActor` (Node package): an actor decoded once, then asked many decisions, each crossing the
//! JS boundary with the action only. The decision is the core's `authorize`, as in `isAllowed`.
//!
//! Reading an action costs more than deciding it (BENCHMARKS.md §7: each value asked of
//! JavaScript is a crossing, a string copied into wasm a few hundred ns). So the frequent actions
//! (a module, a conversation, and those without fields) are read in JavaScript, in one call
//! (`read_action`), by comparing their values with the held actor's own: it answers small numbers,
//! and only a value that matches none (another person's id, a module not held) is copied. Whatever
//! it is not sure of (another shape, an extra or inherited key, a wrong type, another
//! organization) goes to the core's own reader (`decode::action`), so both give the same answer
//! on every input.

use super::{json, to_js, typed};
use crate::decode;
use crate::error::{Code, Violation};
use crate::{authorize, Action, Actor, ConversationRef, Decision, IdentityClaims, Module};
use js_sys::{Map, Object};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
// -1: not sure, the core's reader decides. Else the kind (bits 0-3) and, for a module, its index
// among the held actor's plus one (0: not held), for a conversation whose organization is the
// actor's, who holds it (0: nobody, 1: the actor, 2: someone else). Own enumerable keys only, as
// the core's reader sees them.
export function read_action(action, kinds, modules, organization, id) {
  if (action === null || typeof action !== 'object' || !Object.hasOwn(action, 'type')) return -1;
  const kind = kinds.get(action.type);
  if (kind === undefined) return -1;
  const keys = Object.keys(action).length;
  if (kind === 0) {
    const module = action.module;
    if (keys !== 2 || !Object.hasOwn(action, 'module') || typeof module !== 'string') return -1;
    const held = modules.get(module);
    return held === undefined ? 0 : (held + 1) << 4;
  }
  if (kind <= 4) {
    const c = action.conversation;
    if (keys !== 2 || !Object.hasOwn(action, 'conversation') || c === null || typeof c !== 'object'
      || Array.isArray(c) || c instanceof Map || !Object.hasOwn(c, 'organization') || c.organization !== organization) return -1;
    const has = Object.hasOwn(c, 'assignedTo'), to = c.assignedTo;
    if (Object.keys(c).length !== (has ? 2 : 1)) return -1;
    if (to === undefined || to === null) return kind;
    if (to === id) return kind | (1 << 4);
    return typeof to === 'string' ? kind | (2 << 4) : -1;
  }
  return keys === 1 ? kind : -1;
}
export function module_of(action) { return action.module; }
export function assignee_of(action) { return action.conversation.assignedTo; }
"#)]
extern "C" {
    fn read_action(
        action: &JsValue,
        kinds: &Map,
        modules: &Map,
        organization: &JsValue,
        id: &JsValue,
    ) -> i32;
    fn module_of(action: &JsValue) -> String;
    fn assignee_of(action: &JsValue) -> String;
}

/// The action kinds read without the core's reader, in `read_action`'s numbering.
#[derive(Clone, Copy)]
enum Kind {
    AccessModule,
    View,
    Reply,
    Transfer,
    Close,
    OpenConversation,
    ListUsers,
    ChangeSettings,
    ViewAudit,
}

const KINDS: [(&str, Kind); 9] = [
    ("accessModule", Kind::AccessModule),
    ("viewConversation", Kind::View),
    ("replyConversation", Kind::Reply),
    ("transferConversation", Kind::Transfer),
    ("closeConversation", Kind::Close),
    ("openConversation", Kind::OpenConversation),
    ("listUsers", Kind::ListUsers),
    ("changeSettings", Kind::ChangeSettings),
    ("viewAudit", Kind::ViewAudit),
];

/// The held actor's values as JS values, made once.
struct Interned {
    kinds: Map,
    modules: Map,
    id: JsValue,
    organization: JsValue,
}

impl Interned {
    fn of(actor: &Actor) -> Interned {
        let kinds = Map::new();
        for (i, (name, _)) in KINDS.iter().enumerate() {
            kinds.set(&JsValue::from_str(name), &JsValue::from(i as u32));
        }
        let modules = Map::new();
        for (i, module) in actor.modules.iter().enumerate() {
            modules.set(
                &JsValue::from_str(module.as_str()),
                &JsValue::from(i as u32),
            );
        }
        Interned {
            kinds,
            modules,
            id: JsValue::from_str(&actor.id),
            organization: JsValue::from_str(actor.organization.as_str()),
        }
    }
}

/// An actor held in wasm memory (Node package): `new HeldActor(actor)` or
/// `HeldActor.fromClaims(claims)` (a verified identity token's payload), then `isAllowed(action)`
/// as many times as needed. Never throws: an actor that cannot be read makes every answer a denial
/// naming why (`error` says it), as `isAllowed` does.
#[wasm_bindgen]
pub struct HeldActor {
    actor: Result<Actor, Violation>,
    interned: Option<Interned>,
    /// One frozen answer per outcome (allowed, or each code), made at first use.
    answers: RefCell<Vec<Option<JsValue>>>,
}

impl HeldActor {
    fn hold(actor: Result<Actor, Violation>) -> HeldActor {
        HeldActor {
            interned: actor.as_ref().ok().map(Interned::of),
            actor,
            answers: RefCell::new(vec![None; Code::ALL.len() + 1]),
        }
    }

    fn answer(&self, result: Result<(), Code>) -> JsValue {
        let slot = result.err().map_or(0, |code| code as usize + 1);
        let mut answers = self.answers.borrow_mut();
        if let Some(Some(answer)) = answers.get(slot) {
            return answer.clone();
        }
        let answer = to_js(&Decision::from(result));
        Object::freeze(answer.unchecked_ref::<Object>());
        if let Some(cell) = answers.get_mut(slot) {
            *cell = Some(answer.clone());
        }
        answer
    }

    /// The action as `read_action` read it; `None` for anything it was not sure of.
    fn read(&self, actor: &Actor, i: &Interned, action: &JsValue) -> Option<Action> {
        let read = read_action(action, &i.kinds, &i.modules, &i.organization, &i.id);
        let (_, kind) = KINDS.get(usize::try_from(read & 0xf).ok()?)?;
        let detail = read >> 4;
        let conversation = || ConversationRef {
            organization: actor.organization.clone(),
            assigned_to: match detail {
                0 => None,
                1 => Some(actor.id.clone()),
                _ => Some(assignee_of(action)),
            },
        };
        Some(match kind {
            Kind::AccessModule => Action::AccessModule {
                module: match usize::try_from(detail - 1) {
                    Ok(held) => actor.modules.iter().nth(held)?.clone(),
                    Err(_) => Module::named(&module_of(action)),
                },
            },
            Kind::View => Action::ViewConversation {
                conversation: conversation(),
            },
            Kind::Reply => Action::ReplyConversation {
                conversation: conversation(),
            },
            Kind::Transfer => Action::TransferConversation {
                conversation: conversation(),
            },
            Kind::Close => Action::CloseConversation {
                conversation: conversation(),
            },
            Kind::OpenConversation => Action::OpenConversation,
            Kind::ListUsers => Action::ListUsers,
            Kind::ChangeSettings => Action::ChangeSettings,
            Kind::ViewAudit => Action::ViewAudit,
        })
    }
}

#[wasm_bindgen]
impl HeldActor {
    /// Holds an actor of the `isAllowed` shape.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "Actor")] actor: JsValue) -> HeldActor {
        HeldActor::hold(typed(actor, decode::actor))
    }

    /// Holds the actor a verified identity token describes (its payload, as `jose` returns it).
    #[wasm_bindgen(js_name = fromClaims)]
    pub fn from_claims(
        #[wasm_bindgen(unchecked_param_type = "IdentityClaims")] claims: JsValue,
    ) -> HeldActor {
        let actor = json(claims).and_then(|value| {
            serde_json::from_value::<IdentityClaims>(value)
                .map(|claims| claims.actor())
                .map_err(|_| Violation::new("claims", Code::FieldInvalid))
        });
        HeldActor::hold(actor)
    }

    /// Why the actor could not be read (`null` when it was).
    #[wasm_bindgen(getter, unchecked_return_type = "Code | null")]
    pub fn error(&self) -> JsValue {
        match &self.actor {
            Ok(_) => JsValue::NULL,
            Err(v) => JsValue::from_str(v.code.as_str()),
        }
    }

    /// May the held actor do `action`? The same answer as `isAllowed(actor, action)`; the answer
    /// objects are shared and frozen.
    #[wasm_bindgen(js_name = isAllowed, unchecked_return_type = "Decision")]
    pub fn is_allowed(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Action")] action: JsValue,
    ) -> JsValue {
        let result = match (&self.actor, &self.interned) {
            (Err(v), _) => Err(v.code),
            (Ok(actor), Some(i)) => match self.read(actor, i, &action) {
                Some(action) => authorize(actor, &action),
                None => typed(action, decode::action)
                    .map_or_else(|v| Err(v.code), |a| authorize(actor, &a)),
            },
            (Ok(actor), None) => {
                typed(action, decode::action).map_or_else(|v| Err(v.code), |a| authorize(actor, &a))
            }
        };
        self.answer(result)
    }
}
