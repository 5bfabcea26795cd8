//! The shared decision cases for comparing the core with Cedar: the same actors, targets and
//! actions, expressed once for each engine, so both are timed on identical questions and must
//! give identical answers.

use cedar_policy::{
    Authorizer, Context, Decision, Entities, EntityUid, PolicySet, Request, RestrictedExpression,
    Schema,
};
use livechat_access::{
    authorize, Action, Actor, ConversationRef, Grant, Module, Questionnaire, Role, Subject,
};
use livechat_access::{OrganizationId, SortedSet};
use std::str::FromStr;

/// The core's rules for these three kinds of decision, written in Cedar.
pub const CEDAR_POLICIES: &str = r#"
permit(principal, action == Action::"accessModule", resource)
when { principal.modules.contains(resource.name) };

permit(principal, action == Action::"viewConversation", resource)
when {
  principal.modules.contains("livechat") &&
  (principal.rank >= 1 || (resource has assignedTo && resource.assignedTo == principal.id))
};

permit(principal, action == Action::"editUser", resource)
when {
  principal.modules.contains("users") && principal.rank >= 1 &&
  (principal.rank == 2 || resource.rank == 0) &&
  context.afterRank <= principal.rank &&
  (principal.rank == 2 || context.afterRank == 0) &&
  principal.modules.containsAll(context.afterModules) &&
  (principal.rank == 2 || principal.questionnaires.containsAll(context.afterQuestionnaires))
};

forbid(principal, action, resource) when { principal.disabled };
"#;

const MODULES: [&str; 5] = ["livechat", "statistics", "history", "users", "settings"];
const QUESTIONNAIRES: [&str; 3] = ["site-fr", "site-de", "shop"];

/// Which kind of question a case asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// May the actor open a module?
    ModuleAccess,
    /// May the actor see a conversation?
    ConversationVisibility,
    /// May the actor give another account this access?
    UserEdit,
}

/// One question, in both engines' terms.
pub struct Case {
    pub kind: Kind,
    pub actor: Actor,
    pub action: Action,
    /// The same actor and action as the JS API takes them (for the wasm benchmark).
    pub js: serde_json::Value,
    pub cedar: Request,
    pub entities: Entities,
}

/// A small deterministic generator, so every run asks the same questions.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn subset(&mut self, items: &[&'static str]) -> Vec<&'static str> {
        items.iter().copied().filter(|_| self.below(2) == 0).collect()
    }
}

fn rank(role: Role) -> i64 {
    match role {
        Role::Agent => 0,
        Role::Manager => 1,
        Role::Admin => 2,
    }
}

fn role(n: u64) -> Role {
    Role::ALL[n as usize % 3]
}

fn set(items: &[&str]) -> RestrictedExpression {
    RestrictedExpression::new_set(items.iter().map(|s| RestrictedExpression::new_string((*s).to_owned())))
}

fn uid(kind: &str, id: &str) -> EntityUid {
    EntityUid::from_str(&format!("{kind}::\"{id}\"")).expect("valid uid")
}

fn entity_json(actor: &Actor, extra: serde_json::Value) -> Entities {
    let modules: Vec<&str> = actor.modules.iter().map(Module::as_str).collect();
    let questionnaires: Vec<&str> = actor.questionnaires.iter().map(Questionnaire::as_str).collect();
    let mut list = vec![serde_json::json!({
        "uid": {"type": "User", "id": actor.id},
        "attrs": {"id": actor.id, "rank": rank(actor.role), "modules": modules,
                  "questionnaires": questionnaires, "disabled": actor.disabled},
        "parents": []
    })];
    list.push(extra);
    Entities::from_json_value(serde_json::Value::Array(list), None).expect("valid entities")
}

/// `n` cases, a third of each kind.
pub fn cases(n: usize) -> Vec<Case> {
    let mut rng = Lcg(0x5eed);
    (0..n)
        .map(|i| {
            let actor_role = role(rng.next());
            let actor = Actor {
                id: format!("u{}", rng.below(4)),
                organization: OrganizationId::new("acme"),
                role: actor_role,
                modules: if actor_role == Role::Admin {
                    MODULES.iter().map(|m| Module::named(m)).collect()
                } else {
                    rng.subset(&MODULES).into_iter().map(Module::named).collect()
                },
                questionnaires: rng.subset(&QUESTIONNAIRES).into_iter().filter_map(Questionnaire::parse).collect(),
                disabled: rng.below(10) == 0,
            };
            let principal = uid("User", &actor.id);
            let mut case = match i % 3 {
                0 => {
                    let module = MODULES[rng.below(5) as usize];
                    let entities = entity_json(&actor, serde_json::json!({
                        "uid": {"type": "Module", "id": module}, "attrs": {"name": module}, "parents": []}));
                    let cedar = Request::new(principal, uid("Action", "accessModule"), uid("Module", module), Context::empty(), None)
                        .expect("request");
                    Case { kind: Kind::ModuleAccess, action: Action::AccessModule { module: Module::named(module) }, actor, cedar, entities, js: serde_json::json!({"type": "accessModule", "module": module}) }
                }
                1 => {
                    let assigned = (rng.below(3) > 0).then(|| format!("u{}", rng.below(4)));
                    let mut attrs = serde_json::json!({});
                    if let Some(a) = &assigned {
                        attrs["assignedTo"] = serde_json::json!(a);
                    }
                    let entities = entity_json(&actor, serde_json::json!({
                        "uid": {"type": "Conversation", "id": "c1"}, "attrs": attrs, "parents": []}));
                    let cedar = Request::new(principal, uid("Action", "viewConversation"), uid("Conversation", "c1"), Context::empty(), None)
                        .expect("request");
                    let js = serde_json::json!({"type": "viewConversation", "conversation": {"organization": "acme", "assignedTo": assigned}});
                    let action = Action::ViewConversation { conversation: ConversationRef { organization: OrganizationId::new("acme"), assigned_to: assigned } };
                    Case { kind: Kind::ConversationVisibility, action, actor, cedar, entities, js }
                }
                _ => {
                    // Another account (never the actor, never touching the last admin: those rules
                    // are the core's alone and are not in the shared set).
                    let target_role = role(rng.next());
                    let after_role = role(rng.next());
                    let after_modules = rng.subset(&MODULES);
                    let after_questionnaires = rng.subset(&QUESTIONNAIRES);
                    let entities = entity_json(&actor, serde_json::json!({
                        "uid": {"type": "User", "id": "target"},
                        "attrs": {"id": "target", "rank": rank(target_role), "modules": [], "questionnaires": [], "disabled": false},
                        "parents": []}));
                    let context = Context::from_pairs([
                        ("afterRank".to_owned(), RestrictedExpression::new_long(rank(after_role))),
                        ("afterModules".to_owned(), set(&after_modules)),
                        ("afterQuestionnaires".to_owned(), set(&after_questionnaires)),
                    ])
                    .expect("context");
                    let cedar = Request::new(principal, uid("Action", "editUser"), uid("User", "target"), context, None).expect("request");
                    let action = Action::EditUser {
                        target: Subject { id: "target".into(), organization: OrganizationId::new("acme"), role: target_role, disabled: false },
                        after: Some(Grant {
                            role: after_role,
                            modules: after_modules.iter().map(|m| Module::named(m)).collect(),
                            questionnaires: after_questionnaires.iter().filter_map(|q| Questionnaire::parse(q)).collect::<SortedSet<_>>(),
                            disabled: false,
                        }),
                        active_admins: 5,
                    };
                    let js = serde_json::json!({"type": "editUser", "target": {"id": "target", "organization": "acme", "role": target_role, "disabled": false},
                        "after": {"role": after_role, "modules": after_modules, "questionnaires": after_questionnaires, "disabled": false},
                        "activeAdmins": 5});
                    Case { kind: Kind::UserEdit, action, actor, cedar, entities, js }
                }
            };
            let modules: Vec<&str> = case.actor.modules.iter().map(Module::as_str).collect();
            let questionnaires: Vec<&str> = case.actor.questionnaires.iter().map(Questionnaire::as_str).collect();
            case.js = serde_json::json!({
                "kind": format!("{:?}", case.kind),
                "actor": {"id": case.actor.id, "organization": case.actor.organization, "role": case.actor.role, "modules": modules, "questionnaires": questionnaires, "disabled": case.actor.disabled},
                "action": case.js,
                "allowed": core_allows(&case),
            });
            case
        })
        .collect()
}

/// The Cedar side, parsed once.
pub struct Cedar {
    pub authorizer: Authorizer,
    pub policies: PolicySet,
}

impl Cedar {
    pub fn new() -> Cedar {
        let _unused: Option<Schema> = None;
        Cedar { authorizer: Authorizer::new(), policies: CEDAR_POLICIES.parse().expect("policies parse") }
    }

    pub fn allows(&self, case: &Case) -> bool {
        self.authorizer.is_authorized(&case.cedar, &self.policies, &case.entities).decision() == Decision::Allow
    }
}

impl Default for Cedar {
    fn default() -> Self {
        Cedar::new()
    }
}

/// The core's answer.
pub fn core_allows(case: &Case) -> bool {
    authorize(&case.actor, &case.action).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_engines_agree_on_every_shared_case() {
        let cedar = Cedar::new();
        let cases = cases(3000);
        let mut allowed = 0;
        for (i, case) in cases.iter().enumerate() {
            assert_eq!(core_allows(case), cedar.allows(case), "case {i}: {:?} {:?}", case.actor, case.action);
            allowed += usize::from(core_allows(case));
        }
        // Both answers occur, so agreement means something.
        assert!(allowed > 300 && allowed < 2700, "{allowed} allowed");
    }
}
