//! SCIM filters (RFC 7644 §3.4.2.2) evaluated over resources as they are shown. The grammar is
//! the maintained `scim_v2` crate's (a LALRPOP parser with a nesting limit); this is only how its
//! tree reads a resource: attribute names case-insensitively, strings compared case-insensitively
//! (every attribute published here is `caseExact: false`), multi-valued attributes matching when
//! one value does.

use scim_v2::filter::{AttrExp, AttrPath, CompValue, CompareOp, Filter, ValFilter};
use serde_json::Value;
use std::cmp::Ordering;

/// Parses a filter; `None` with the parser's words when it is not one (answered as `invalidFilter`).
pub fn parse(text: &str) -> Result<Filter, String> {
    text.parse::<Filter>().map_err(|e| e.to_string())
}

/// Whether `resource` matches `filter`.
pub fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::Attr(exp) => attr_matches(exp, resource),
        Filter::ValuePath(path) => values(resource, &path.attr)
            .iter()
            .any(|item| val_matches(&path.filter, item)),
        Filter::Not(inner) => !matches(inner, resource),
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
    }
}

/// Whether one item of a multi-valued attribute matches a value filter (`[type eq "work"]`).
pub fn value_matches(filter: &ValFilter, item: &Value) -> bool {
    val_matches(filter, item)
}

fn val_matches(filter: &ValFilter, item: &Value) -> bool {
    match filter {
        ValFilter::Attr(exp) => attr_matches(exp, item),
        ValFilter::Not(inner) => !val_matches(inner, item),
        ValFilter::And(a, b) => val_matches(a, item) && val_matches(b, item),
        ValFilter::Or(a, b) => val_matches(a, item) || val_matches(b, item),
    }
}

/// A key of an object, whatever its case.
fn get<'a>(object: &'a Value, key: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// Every value at a path: an extension's attributes under its URN, a multi-valued attribute's
/// items, a sub-attribute of each.
fn values<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let base = match &path.uri {
        Some(uri) if !uri.eq_ignore_ascii_case(livechat_access::USER_SCHEMA) => get(resource, uri),
        _ => Some(resource),
    };
    let Some(value) = base.and_then(|b| get(b, &path.name)) else {
        return Vec::new();
    };
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    match &path.sub_attr {
        Some(sub) => items.into_iter().filter_map(|i| get(i, sub)).collect(),
        None => items,
    }
}

fn attr_matches(exp: &AttrExp, resource: &Value) -> bool {
    match exp {
        AttrExp::Present(path) => values(resource, path).iter().any(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(o) => !o.is_empty(),
            _ => true,
        }),
        AttrExp::Comparison(path, op, expected) => {
            let found = values(resource, path);
            match op {
                // Not equal: no value equals (an absent attribute is not equal).
                CompareOp::Ne => !found.iter().any(|v| compare(&CompareOp::Eq, v, expected)),
                op => found.iter().any(|v| compare(op, v, expected)),
            }
        }
    }
}

fn compare(op: &CompareOp, actual: &Value, expected: &CompValue) -> bool {
    match (actual, expected) {
        (Value::String(a), CompValue::Str(e)) => {
            let (a, e) = (a.to_lowercase(), e.to_lowercase());
            match op {
                CompareOp::Eq => a == e,
                CompareOp::Ne => a != e,
                CompareOp::Co => a.contains(&e),
                CompareOp::Sw => a.starts_with(&e),
                CompareOp::Ew => a.ends_with(&e),
                // dateTime values are RFC 3339 in UTC here, so they order as text.
                CompareOp::Gt => a.cmp(&e) == Ordering::Greater,
                CompareOp::Ge => a.cmp(&e) != Ordering::Less,
                CompareOp::Lt => a.cmp(&e) == Ordering::Less,
                CompareOp::Le => a.cmp(&e) != Ordering::Greater,
            }
        }
        (Value::Bool(a), CompValue::True) => matches!(op, CompareOp::Eq) == *a,
        (Value::Bool(a), CompValue::False) => matches!(op, CompareOp::Eq) != *a,
        (Value::Number(a), CompValue::Number(e)) => {
            let (Some(a), Some(e)) = (a.as_f64(), e.as_f64()) else {
                return false;
            };
            match op {
                CompareOp::Eq => a == e,
                CompareOp::Ne => a != e,
                CompareOp::Gt => a > e,
                CompareOp::Ge => a >= e,
                CompareOp::Lt => a < e,
                CompareOp::Le => a <= e,
                _ => false,
            }
        }
        (Value::Null, CompValue::Null) => matches!(op, CompareOp::Eq),
        _ => false,
    }
}

/// One name of an `attributes` or `excludedAttributes` list: an extension's URN (or none), the
/// attribute, its sub-attribute.
fn attribute_name(raw: &str) -> (Option<&str>, &str, Option<&str>) {
    let raw = raw.trim();
    let (uri, rest) = match raw.rfind(':') {
        Some(at) if raw.starts_with("urn:") => (raw.get(..at), raw.get(at + 1..).unwrap_or("")),
        _ => (None, raw),
    };
    let uri = uri.filter(|u| {
        !u.eq_ignore_ascii_case(livechat_access::USER_SCHEMA)
            && !u.eq_ignore_ascii_case(livechat_access::GROUP_SCHEMA)
    });
    match rest.split_once('.') {
        Some((name, sub)) => (uri, name, Some(sub)),
        None => (uri, rest, None),
    }
}

/// The key of `object` spelled like `name` whatever the case.
fn key_of(object: &serde_json::Map<String, Value>, name: &str) -> Option<String> {
    object
        .keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .cloned()
}

/// A resource narrowed as `attributes` and `excludedAttributes` ask (RFC 7644 §3.4.2.5): with
/// `attributes`, only those (and `id`, `schemas`, `meta`, always returned); without, all but the
/// excluded ones (never `id` or `schemas`).
pub fn project(resource: Value, attributes: &[String], excluded: &[String]) -> Value {
    let Value::Object(all) = resource else {
        return resource;
    };
    if !attributes.is_empty() {
        let mut kept = serde_json::Map::new();
        for always in ["id", "schemas", "meta"] {
            if let Some(v) = all.get(always) {
                kept.insert(always.to_owned(), v.clone());
            }
        }
        for raw in attributes {
            // A whole extension is named by its URN alone.
            if let Some(k) = key_of(&all, raw.trim()) {
                if let Some(v) = all.get(&k) {
                    kept.insert(k, v.clone());
                }
                continue;
            }
            let (uri, name, sub) = attribute_name(raw);
            let (holder, target) = match uri {
                Some(uri) => match key_of(&all, uri) {
                    Some(k) => (all.get(&k).and_then(Value::as_object), Some(k)),
                    None => (None, None),
                },
                None => (Some(&all), None),
            };
            let Some(holder) = holder else { continue };
            let Some(key) = key_of(holder, name) else {
                continue;
            };
            let Some(value) = holder.get(&key) else {
                continue;
            };
            let value = match (sub, value) {
                (Some(sub), Value::Object(o)) => match key_of(o, sub) {
                    Some(s) => {
                        let merged = kept
                            .get(&key)
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default();
                        let mut merged = merged;
                        if let Some(v) = o.get(&s) {
                            merged.insert(s, v.clone());
                        }
                        Value::Object(merged)
                    }
                    None => continue,
                },
                _ => value.clone(),
            };
            match target {
                Some(ext) => {
                    let entry = kept
                        .entry(ext)
                        .or_insert_with(|| Value::Object(Default::default()));
                    if let Some(e) = entry.as_object_mut() {
                        e.insert(key, value);
                    }
                }
                None => {
                    kept.insert(key, value);
                }
            }
        }
        return Value::Object(kept);
    }
    let mut all = all;
    for raw in excluded {
        if let Some(k) = key_of(&all, raw.trim()).filter(|k| k != "id" && k != "schemas") {
            all.remove(&k);
            continue;
        }
        let (uri, name, sub) = attribute_name(raw);
        let holder = match uri {
            Some(uri) => key_of(&all, uri)
                .and_then(|k| all.get_mut(&k))
                .and_then(Value::as_object_mut),
            None => Some(&mut all),
        };
        let Some(holder) = holder else { continue };
        let Some(key) = key_of(holder, name) else {
            continue;
        };
        if uri.is_none() && (key == "id" || key == "schemas") {
            continue;
        }
        match sub {
            Some(sub) => {
                if let Some(o) = holder.get_mut(&key).and_then(Value::as_object_mut) {
                    if let Some(s) = key_of(o, sub) {
                        o.remove(&s);
                    }
                }
            }
            None => {
                holder.remove(&key);
            }
        }
    }
    Value::Object(all)
}

/// A comma-separated list of attribute names (query string or `/.search` body).
pub fn names(raw: Option<&str>) -> Vec<String> {
    raw.map(|r| {
        r.split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// The address a filter asks for when it is exactly `userName eq "…"` (what identity providers
/// send before creating someone): answered from the address index instead of a scan.
pub fn user_name_eq(filter: &Filter) -> Option<&str> {
    match filter {
        Filter::Attr(AttrExp::Comparison(path, CompareOp::Eq, CompValue::Str(value)))
            if path.sub_attr.is_none()
                && path.name.eq_ignore_ascii_case("userName")
                && path
                    .uri
                    .as_deref()
                    .is_none_or(|u| u.eq_ignore_ascii_case(livechat_access::USER_SCHEMA)) =>
        {
            Some(value)
        }
        _ => None,
    }
}

/// What SQL may narrow a scan of Users by before the whole filter is tested here: a condition
/// every matching User meets (never fewer rows than the filter matches).
#[derive(Debug, Clone, PartialEq)]
pub enum Narrowing {
    /// `userName` `eq`/`sw`/`ew`/`co` an ASCII value (lower-cased): a `LIKE` on its key.
    UserName(CompareOp, String),
    /// `active eq true|false`.
    Active(bool),
}

/// The conditions of a filter's top-level `and` that SQL can apply: `userName` compared to an
/// ASCII value, `active`. Anything under `or` or `not` narrows nothing.
pub fn narrowing(filter: &Filter) -> Vec<Narrowing> {
    match filter {
        Filter::And(a, b) => [narrowing(a), narrowing(b)].concat(),
        Filter::Attr(AttrExp::Comparison(path, op, value))
            if path.sub_attr.is_none()
                && path
                    .uri
                    .as_deref()
                    .is_none_or(|u| u.eq_ignore_ascii_case(livechat_access::USER_SCHEMA)) =>
        {
            match (path.name.to_ascii_lowercase().as_str(), op, value) {
                (
                    "username",
                    CompareOp::Eq | CompareOp::Sw | CompareOp::Ew | CompareOp::Co,
                    CompValue::Str(s),
                ) if s.is_ascii() => {
                    vec![Narrowing::UserName(op.clone(), s.to_ascii_lowercase())]
                }
                ("active", CompareOp::Eq, CompValue::True) => vec![Narrowing::Active(true)],
                ("active", CompareOp::Eq, CompValue::False) => vec![Narrowing::Active(false)],
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({
            "schemas": [livechat_access::USER_SCHEMA, livechat_access::LIVECHAT_USER_SCHEMA],
            "id": "u1", "userName": "Lea@Exemple.fr", "active": true, "displayName": "Léa",
            "name": {"givenName": "Léa", "familyName": "Martin"},
            "emails": [{"value": "lea@exemple.fr", "type": "work", "primary": true}],
            "meta": {"lastModified": "2026-11-23T10:00:00.000Z"},
            livechat_access::LIVECHAT_USER_SCHEMA: {"role": "agent", "maxConversations": 3, "languages": ["en", "fr"]}
        })
    }

    fn yes(text: &str) -> bool {
        matches(&parse(text).unwrap(), &user())
    }

    #[test]
    fn every_operator_and_grouping() {
        assert!(yes(r#"userName eq "lea@exemple.fr""#), "case-insensitive");
        assert!(yes(r#"USERNAME Eq "LEA@EXEMPLE.FR""#));
        assert!(!yes(r#"userName ne "lea@exemple.fr""#));
        assert!(
            yes(r#"userName co "exemple""#)
                && yes(r#"userName sw "lea""#)
                && yes(r#"userName ew ".fr""#)
        );
        assert!(yes("name.familyName pr") && !yes("title pr"));
        assert!(yes(r#"meta.lastModified gt "2026-01-01T00:00:00Z""#));
        assert!(yes(r#"meta.lastModified le "2026-11-23T10:00:00.000Z""#));
        assert!(yes("active eq true") && !yes("active eq false"));
        assert!(yes(r#"emails[type eq "work" and value co "lea"]"#));
        assert!(!yes(r#"emails[type eq "home"]"#));
        assert!(yes(r#"emails.value eq "LEA@exemple.fr""#));
        assert!(yes(
            r#"not (userName eq "x") and (active eq true or displayName eq "y")"#
        ));
        assert!(yes(
            r#"urn:ietf:params:scim:schemas:extension:livechat:2.0:User:role eq "agent""#
        ));
        assert!(yes(
            r#"urn:ietf:params:scim:schemas:extension:livechat:2.0:User:maxConversations ge 3"#
        ));
        assert!(yes(
            r#"urn:ietf:params:scim:schemas:extension:livechat:2.0:User:languages eq "fr""#
        ));
        assert!(!yes(r#"nothing eq "x""#) && yes(r#"nothing ne "x""#));
    }

    #[test]
    fn attributes_and_excluded_attributes() {
        let only = project(user(), &names(Some("userName, name.givenName, urn:ietf:params:scim:schemas:extension:livechat:2.0:User:role")), &[]);
        let keys: Vec<_> = only.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "id",
                "meta",
                "name",
                "schemas",
                "urn:ietf:params:scim:schemas:extension:livechat:2.0:User",
                "userName"
            ]
        );
        assert_eq!(only["name"], json!({"givenName": "Léa"}));
        assert_eq!(
            only["urn:ietf:params:scim:schemas:extension:livechat:2.0:User"],
            json!({"role": "agent"})
        );
        let without = project(user(), &[], &names(Some("emails,name.familyName,id")));
        assert!(without.get("emails").is_none() && without.get("id").is_some());
        assert_eq!(without["name"], json!({"givenName": "Léa"}));
    }

    #[test]
    fn sql_narrows_by_what_every_match_meets_only() {
        let n = |text: &str| narrowing(&parse(text).unwrap());
        assert_eq!(
            n(r#"name.givenName eq "Agent" and userName ew "05000@BENCH.test""#),
            [Narrowing::UserName(
                CompareOp::Ew,
                "05000@bench.test".into()
            )]
        );
        assert_eq!(
            n(r#"active eq false and (userName sw "a" and userName co "b")"#),
            [
                Narrowing::Active(false),
                Narrowing::UserName(CompareOp::Sw, "a".into()),
                Narrowing::UserName(CompareOp::Co, "b".into())
            ]
        );
        assert_eq!(n(r#"userName sw "a" or active eq true"#), []);
        assert_eq!(n(r#"not (userName eq "a")"#), []);
        assert_eq!(n(r#"userName ne "a""#), []);
        assert_eq!(
            n(r#"userName co "é""#),
            [],
            "non-ASCII values are left to the full test"
        );
        assert_eq!(n(r#"emails.value co "a""#), []);
    }

    #[test]
    fn a_broken_filter_is_refused_and_the_fast_path_is_exact() {
        assert!(parse(r#"userName eq"#).is_err());
        assert!(parse(r#"userName zz "x""#).is_err());
        assert!(parse(&"(".repeat(200)).is_err());
        assert_eq!(
            user_name_eq(&parse(r#"userName eq "a@b.fr""#).unwrap()),
            Some("a@b.fr")
        );
        assert_eq!(
            user_name_eq(&parse(r#"userName eq "a@b.fr" and active eq true"#).unwrap()),
            None
        );
        assert_eq!(user_name_eq(&parse(r#"userName co "a""#).unwrap()), None);
    }
}
