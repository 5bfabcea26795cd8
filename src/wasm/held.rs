//! `HeldActor` (Node package): an actor decoded once, then asked many decisions, each crossing the
//! JS boundary with the action only. The decision is the core's `authorize`, as in `isAllowed`.
//!
//! Reading an action costs more than deciding it (BENCHMARKS.md §7: a JS string into wasm costs a
//! few hundred ns). So the frequent actions (a module, a conversation, and those without fields)
//! are read by comparing their values with the held actor's own, kept as JS values (`===`, no
//! copy into wasm), and a value that matches none is copied as it is. Whatever this reader is
//! not sure of (another shape, an extra key, a wrong type, another organization) goes to the
//! core's own reader (`decode::action`), so both give the same answer on every input.

use super::{json, to_js, typed};
use crate::decode;
use crate::error::{Code, Violation};
use crate::{authorize, Action, Actor, ConversationRef, Decision, IdentityClaims, Module};
use js_sys::{Map, Object, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// The action kinds read without the core's reader.
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

/// The held actor's values as JS values, and the property names, made once.
struct Interned {
    kinds: Map,
    modules: Map,
    id: JsValue,
    organization: JsValue,
    key_type: JsValue,
    key_module: JsValue,
    key_conversation: JsValue,
    key_organization: JsValue,
    key_assigned_to: JsValue,
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
            key_type: JsValue::from_str("type"),
            key_module: JsValue::from_str("module"),
            key_conversation: JsValue::from_str("conversation"),
            key_organization: JsValue::from_str("organization"),
            key_assigned_to: JsValue::from_str("assignedTo"),
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

    /// The action, read by comparison with the held actor's values; `None` for anything this
    /// reader is not sure of.
    fn read(&self, actor: &Actor, i: &Interned, action: &JsValue) -> Option<Action> {
        if !action.is_object() {
            return None;
        }
        let kind = i
            .kinds
            .get(&Reflect::get(action, &i.key_type).ok()?)
            .as_f64()? as usize;
        let (_, kind) = KINDS.get(kind)?;
        let fields =
            |expected: u32| Object::keys(action.unchecked_ref::<Object>()).length() == expected;
        let action = match kind {
            Kind::AccessModule => {
                let module = Reflect::get(action, &i.key_module).ok()?;
                let module = match i.modules.get(&module).as_f64() {
                    Some(held) => actor.modules.iter().nth(held as usize)?.clone(),
                    None => Module::named(&module.as_string()?),
                };
                fields(2).then_some(Action::AccessModule { module })?
            }
            Kind::View | Kind::Reply | Kind::Transfer | Kind::Close => {
                let conversation = self.conversation(actor, i, action)?;
                fields(2).then_some(())?;
                match kind {
                    Kind::View => Action::ViewConversation { conversation },
                    Kind::Reply => Action::ReplyConversation { conversation },
                    Kind::Transfer => Action::TransferConversation { conversation },
                    _ => Action::CloseConversation { conversation },
                }
            }
            Kind::OpenConversation => fields(1).then_some(Action::OpenConversation)?,
            Kind::ListUsers => fields(1).then_some(Action::ListUsers)?,
            Kind::ChangeSettings => fields(1).then_some(Action::ChangeSettings)?,
            Kind::ViewAudit => fields(1).then_some(Action::ViewAudit)?,
        };
        Some(action)
    }

    /// `{organization, assignedTo?}` of the held actor's own organization.
    fn conversation(
        &self,
        actor: &Actor,
        i: &Interned,
        action: &JsValue,
    ) -> Option<ConversationRef> {
        let c = Reflect::get(action, &i.key_conversation).ok()?;
        if !c.is_object() || Reflect::get(&c, &i.key_organization).ok()? != i.organization {
            return None;
        }
        let assigned = Reflect::get(&c, &i.key_assigned_to).ok()?;
        let (assigned_to, keys) = if assigned.is_undefined() {
            (None, 1)
        } else if assigned.is_null() {
            (None, 2)
        } else if assigned == i.id {
            (Some(actor.id.clone()), 2)
        } else {
            (Some(assigned.as_string()?), 2)
        };
        (Object::keys(c.unchecked_ref::<Object>()).length() == keys).then(|| ConversationRef {
            organization: actor.organization.clone(),
            assigned_to,
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
