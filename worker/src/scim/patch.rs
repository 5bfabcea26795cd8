//! PATCH (RFC 7644 §3.5.2) applied to a resource as it is shown: the operations change the
//! JSON a GET answers, and the result is written back whole through the same reader as a PUT.
//! So every attribute the product keeps is patchable, in every form identity providers send
//! (paths, value paths such as `emails[type eq "work"].value`, extension URNs, path-less
//! objects), and no second mapping of attributes to the product's fields exists.
//!
//! Attributes the product does not keep (say Entra's enterprise `department`) are ignored, as
//! a POST ignores them; writing a read-only one is `mutability`.

use super::Refusal;
use livechat_access::{schema_attribute, Attribute, AttributeType, Mutability};
use scim_v2::filter::{AttrExp, CompValue, CompareOp, PatchPath, ValFilter};
use serde_json::{Map, Value};

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// Applies a PATCH body's operations, in order, to `resource` (whose core schema is `core`).
pub(super) fn apply(resource: &mut Value, core: &str, body: &Value) -> Result<(), Refusal> {
    let operations = body
        .get("Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| Refusal::new(400, Some("invalidSyntax"), "Operations: an array"))?;
    for operation in operations {
        // Entra sends `Replace`, Okta `replace`.
        let op = match operation
            .get("op")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("add") => Op::Add,
            Some("replace") => Op::Replace,
            Some("remove") => Op::Remove,
            other => {
                return Err(Refusal::new(
                    400,
                    Some("invalidSyntax"),
                    format!("op: add, replace or remove, not {other:?}"),
                ))
            }
        };
        let value = operation.get("value");
        match operation.get("path") {
            Some(Value::String(path)) => at_path(resource, core, op, path, value)?,
            None | Some(Value::Null) if op != Op::Remove => {
                let Some(Value::Object(object)) = value else {
                    return Err(Refusal::new(
                        400,
                        Some("invalidValue"),
                        "value: an object when there is no path",
                    ));
                };
                // Each key is a path; an extension's URN holds its attributes.
                for (key, v) in object {
                    match v {
                        Value::Object(inner) if is_schema(key) => {
                            for (name, v) in inner {
                                at_path(resource, core, op, &format!("{key}:{name}"), Some(v))?;
                            }
                        }
                        _ => at_path(resource, core, op, key, Some(v))?,
                    }
                }
            }
            None | Some(Value::Null) => {
                return Err(Refusal::new(400, Some("noTarget"), "remove needs a path"))
            }
            Some(_) => return Err(Refusal::new(400, Some("invalidPath"), "path: text")),
        }
    }
    Ok(())
}

fn is_schema(key: &str) -> bool {
    livechat_access::published_schema_ids().any(|id| id.eq_ignore_ascii_case(key))
}

/// The key of `object` named `name` in any case, or `name` itself.
fn key_of(object: &Map<String, Value>, name: &str) -> String {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
        .unwrap_or_else(|| name.to_owned())
}

/// One operation at a path.
fn at_path(
    resource: &mut Value,
    core: &str,
    op: Op,
    text: &str,
    value: Option<&Value>,
) -> Result<(), Refusal> {
    // An extension's URN alone: each of its attributes, as given (or all of them, removed).
    if is_schema(text) && !text.eq_ignore_ascii_case(core) {
        return match (op, value) {
            (Op::Remove, _) => livechat_access::schema_attributes(text)
                .iter()
                .try_for_each(|a| at_path(resource, core, op, &format!("{text}:{}", a.name), None)),
            (_, Some(Value::Object(object))) => object.iter().try_for_each(|(name, v)| {
                at_path(resource, core, op, &format!("{text}:{name}"), Some(v))
            }),
            _ => Err(Refusal::new(
                400,
                Some("invalidValue"),
                format!("{text}: an object of its attributes"),
            )),
        };
    }
    let path: PatchPath = text
        .parse()
        .map_err(|e| Refusal::new(400, Some("invalidPath"), format!("{text}: {e}")))?;
    let (attr, filter, sub) = match path {
        PatchPath::Attr(a) => {
            let sub = a.sub_attr.clone();
            (a, None, sub)
        }
        PatchPath::Value(v) => (v.attr, Some(v.filter), v.sub_attr),
    };
    let schema = attr.uri.as_deref().unwrap_or(core);
    let Some(definition) = schema_attribute(schema, &attr.name) else {
        return Ok(());
    };
    let read_only = Refusal::new(400, Some("mutability"), format!("{text}: read-only"));
    if definition.mutability == Mutability::ReadOnly {
        return Err(read_only);
    }
    let part = match &sub {
        Some(name) => match definition.part(name) {
            Some(part) => Some(part),
            None => return Ok(()),
        },
        None => None,
    };
    if part.is_some_and(|p| p.mutability == Mutability::ReadOnly) {
        return Err(read_only);
    }
    if filter.is_some() && !definition.multi_valued {
        return Err(Refusal::new(
            400,
            Some("invalidPath"),
            format!("{text}: a filter needs a multi-valued attribute"),
        ));
    }
    let Some(root) = resource.as_object_mut() else {
        return Ok(());
    };
    // The container: the resource, or the extension's object under its URN.
    let container = if schema.eq_ignore_ascii_case(core) {
        root
    } else {
        let key = key_of(root, schema);
        let entry = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        match entry.as_object_mut() {
            Some(object) => object,
            None => return Ok(()),
        }
    };
    let key = key_of(container, definition.name);
    let current = container.get(&key).cloned().unwrap_or(Value::Null);
    let next = match (filter, sub.as_deref()) {
        (None, None) => whole(definition, op, current, value),
        (None, Some(sub)) if definition.multi_valued => {
            // `emails.value`: every item's part; a first item when there is none.
            let mut items = items_of(current);
            if items.is_empty() && op != Op::Remove {
                items.push(Value::Object(Map::new()));
            }
            for item in &mut items {
                set_part(item, sub, op, value);
            }
            Value::Array(items)
        }
        (None, Some(sub)) => {
            let mut object = if current.is_object() {
                current
            } else {
                Value::Object(Map::new())
            };
            set_part(&mut object, sub, op, value);
            match object.as_object().is_some_and(Map::is_empty) {
                true => Value::Null,
                false => object,
            }
        }
        (Some(filter), sub) => selected(&filter, op, current, sub, value, text)?,
    };
    let primary_set = matches!(sub.as_deref(), Some(s) if s.eq_ignore_ascii_case("primary"))
        || value.is_some_and(has_primary);
    container.insert(key, one_primary(next, primary_set));
    Ok(())
}

/// An operation on a whole attribute.
fn whole(definition: &Attribute, op: Op, current: Value, value: Option<&Value>) -> Value {
    let given = value.cloned().unwrap_or(Value::Null);
    match (op, definition.multi_valued) {
        (Op::Remove, true) => match value {
            // Okta removes members by listing them.
            Some(v) => {
                let gone = items_of(v.clone());
                Value::Array(
                    items_of(current)
                        .into_iter()
                        .filter(|item| !gone.iter().any(|g| same_item(g, item)))
                        .collect(),
                )
            }
            None => Value::Array(Vec::new()),
        },
        (Op::Remove, false) => Value::Null,
        (Op::Add, true) => {
            let mut items = items_of(current);
            for item in items_of(given) {
                if !items.iter().any(|i| same_item(i, &item)) {
                    items.push(item);
                }
            }
            Value::Array(items)
        }
        (Op::Replace, true) => Value::Array(items_of(given)),
        // A complex attribute: the parts sent replace theirs, the others stay (§3.5.2.3).
        (_, false) if definition.kind == AttributeType::Complex => match (current, given) {
            (Value::Object(mut current), Value::Object(given)) => {
                for (k, v) in given {
                    let key = key_of(&current, &k);
                    current.insert(key, v);
                }
                Value::Object(current)
            }
            (_, given) => given,
        },
        (_, false) => given,
    }
}

/// The items a value path selects, changed.
fn selected(
    filter: &ValFilter,
    op: Op,
    current: Value,
    sub: Option<&str>,
    value: Option<&Value>,
    text: &str,
) -> Result<Value, Refusal> {
    let mut items = items_of(current);
    let mut matched = false;
    let mut kept = Vec::with_capacity(items.len());
    for mut item in items.drain(..) {
        if !crate::scim_filter::value_matches(filter, &item) {
            kept.push(item);
            continue;
        }
        matched = true;
        match (op, sub) {
            (Op::Remove, None) => {}
            (_, Some(sub)) => {
                set_part(&mut item, sub, op, value);
                kept.push(item);
            }
            (_, None) => {
                if let (Some(object), Some(Value::Object(given))) = (item.as_object_mut(), value) {
                    if op == Op::Replace {
                        object.clear();
                    }
                    for (k, v) in given {
                        object.insert(k.clone(), v.clone());
                    }
                }
                kept.push(item);
            }
        }
    }
    if !matched && op != Op::Remove {
        // `add emails[type eq "work"].value`: Entra's way of giving a first work address.
        let Some(mut item) = item_from(filter) else {
            return Err(Refusal::new(
                400,
                Some("noTarget"),
                format!("{text}: no value matches"),
            ));
        };
        match (sub, value) {
            (Some(sub), _) => set_part(&mut item, sub, op, value),
            (None, Some(Value::Object(given))) => {
                if let Some(object) = item.as_object_mut() {
                    object.extend(given.clone());
                }
            }
            _ => {}
        }
        kept.push(item);
    }
    Ok(Value::Array(kept))
}

/// The item a filter of `eq` comparisons joined by `and` describes (`type eq "work"`).
fn item_from(filter: &ValFilter) -> Option<Value> {
    match filter {
        ValFilter::Attr(AttrExp::Comparison(path, CompareOp::Eq, literal)) => {
            let value = match literal {
                CompValue::Str(s) => Value::String(s.clone()),
                CompValue::True => Value::Bool(true),
                CompValue::False => Value::Bool(false),
                CompValue::Number(n) => serde_json::to_value(n).ok()?,
                CompValue::Null => return None,
            };
            let mut object = Map::new();
            object.insert(path.name.clone(), value);
            Some(Value::Object(object))
        }
        ValFilter::And(a, b) => {
            let (Value::Object(mut a), Value::Object(b)) = (item_from(a)?, item_from(b)?) else {
                return None;
            };
            a.extend(b);
            Some(Value::Object(a))
        }
        _ => None,
    }
}

fn set_part(item: &mut Value, sub: &str, op: Op, value: Option<&Value>) {
    if !item.is_object() {
        *item = Value::Object(Map::new());
    }
    if let Some(object) = item.as_object_mut() {
        let key = key_of(object, sub);
        match (op, value) {
            (Op::Remove, _) | (_, None) => {
                object.remove(&key);
            }
            (_, Some(v)) => {
                object.insert(key, v.clone());
            }
        }
    }
}

fn items_of(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        one => vec![one],
    }
}

/// Two items of a multi-valued attribute are one when equal, or when both have the same
/// `value` (a member listed with and without its `$ref`).
fn same_item(a: &Value, b: &Value) -> bool {
    a == b || matches!((a.get("value"), b.get("value")), (Some(x), Some(y)) if x == y)
}

fn has_primary(value: &Value) -> bool {
    items_of(value.clone())
        .iter()
        .any(|i| i.get("primary").and_then(livechat_access::scim_bool) == Some(true))
}

/// At most one item is `primary` (RFC 7643 §2.4): the one just written wins.
fn one_primary(value: Value, written: bool) -> Value {
    let Value::Array(mut items) = value else {
        return value;
    };
    let primaries: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.get("primary").and_then(livechat_access::scim_bool) == Some(true))
        .map(|(n, _)| n)
        .collect();
    if primaries.len() > 1 && written {
        let keep = primaries.last().copied();
        for (n, item) in items.iter_mut().enumerate() {
            if Some(n) != keep && primaries.contains(&n) {
                item["primary"] = Value::Bool(false);
            }
        }
    }
    Value::Array(items)
}

#[cfg(test)]
mod tests {
    use super::*;
    use livechat_access::{GROUP_SCHEMA, LIVECHAT_USER_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    fn patched(resource: Value, core: &str, ops: Value) -> Result<Value, String> {
        let mut resource = resource;
        apply(&mut resource, core, &json!({ "Operations": ops }))
            .map(|()| resource)
            .map_err(|r| format!("{} {:?} {}", r.status, r.scim_type, r.detail))
    }

    fn user() -> Value {
        json!({
            "id": "u1", "userName": "lea@x.fr", "active": true,
            "emails": [{"value": "lea@x.fr", "type": "work", "primary": true}],
            "name": {"givenName": "Léa"},
            LIVECHAT_USER_SCHEMA: {"role": "agent", "modules": ["livechat"], "maxConversations": 3}
        })
    }

    #[test]
    fn paths_in_every_form_identity_providers_send() {
        let u = patched(
            user(),
            USER_SCHEMA,
            json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "replace", "path": "name.familyName", "value": "Martin"},
                {"op": "add", "path": "emails[type eq \"home\"].value", "value": "l@home.fr"},
                {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "lea@y.fr"},
                {"op": "add", "path": format!("{LIVECHAT_USER_SCHEMA}:modules"), "value": ["history"]},
                {"op": "remove", "path": format!("{LIVECHAT_USER_SCHEMA}:maxConversations")},
                {"op": "replace", "value": {"displayName": "Léa M.", "name.givenName": "Lea",
                  LIVECHAT_USER_SCHEMA: {"channels": ["chat", "call"]},
                  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ventes"}}
            ]),
        )
        .unwrap();
        assert_eq!(u["active"], "False");
        assert_eq!(
            u["name"],
            json!({"givenName": "Lea", "familyName": "Martin"})
        );
        assert_eq!(
            u["emails"],
            json!([{"value": "lea@y.fr", "type": "work", "primary": true},
                   {"type": "home", "value": "l@home.fr"}])
        );
        let ext = &u[LIVECHAT_USER_SCHEMA];
        assert_eq!(ext["modules"], json!(["livechat", "history"]));
        assert_eq!(ext["maxConversations"], Value::Null);
        assert_eq!(ext["channels"], json!(["chat", "call"]));
        assert_eq!(u["displayName"], "Léa M.");
        assert!(u.get("department").is_none(), "what is not kept is ignored");
    }

    #[test]
    fn refusals_name_the_rfc_error() {
        let refused = |ops: Value| patched(user(), USER_SCHEMA, ops).unwrap_err();
        assert!(
            refused(json!([{"op": "replace", "path": "id", "value": "x"}])).contains("mutability")
        );
        assert!(
            refused(json!([{"op": "replace", "path": "emails[", "value": "x"}]))
                .contains("invalidPath")
        );
        assert!(
            refused(json!([{"op": "replace", "path": "emails[value sw \"z\"]", "value": {}}]))
                .contains("noTarget")
        );
        assert!(refused(json!([{"op": "remove"}])).contains("noTarget"));
        assert!(refused(json!([{"op": "move", "path": "active"}])).contains("invalidSyntax"));
        assert!(refused(json!([{"op": "add", "value": 3}])).contains("invalidValue"));
        assert!(
            refused(json!([{"op": "add", "path": "active[value eq 1]", "value": 3}]))
                .contains("invalidPath")
        );
    }

    #[test]
    fn members_in_entra_and_okta_forms_and_one_primary() {
        let group = json!({"displayName": "Ventes", "members": [{"value": "a", "$ref": "…/a"}, {"value": "b"}]});
        let g = patched(
            group,
            GROUP_SCHEMA,
            json!([
                {"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "c"}]},
                {"op": "remove", "path": "members[value eq \"b\"]"},
                {"op": "remove", "path": "members", "value": [{"value": "c"}]}
            ]),
        )
        .unwrap();
        assert_eq!(g["members"], json!([{"value": "a", "$ref": "…/a"}]));
        let u = patched(
            user(),
            USER_SCHEMA,
            json!([{"op": "add", "path": "emails", "value": [{"value": "b@x.fr", "primary": true}]}]),
        )
        .unwrap();
        assert_eq!(u["emails"][0]["primary"], false);
        assert_eq!(u["emails"][1]["primary"], true);
    }
}
