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
