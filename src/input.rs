//! Reading untrusted JSON field by field, so every wrong field is reported at once and no input,
//! however malformed, can make a validator fail as a whole.

use crate::error::{Code, Violation};
use serde_json::{Map, Value};

/// A JSON object being read, with the path used in error fields.
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

/// Opens `value` as an object whose keys must all be in `allowed`; reports a wrong type or any
/// unknown key (a typo must not be silently dropped).
pub(crate) fn object<'a>(
    value: &'a Value,
    path: &str,
    allowed: &[&str],
    errors: &mut Vec<Violation>,
) -> Option<Obj<'a>> {
    let Value::Object(map) = value else {
        errors.push(Violation::new(path, Code::FieldType).value("object"));
        return None;
    };
    for key in map.keys() {
        if !allowed.contains(&key.as_str()) {
            errors.push(Violation::new(join(path, key), Code::UnknownField).value(key));
        }
    }
    Some(Obj {
        map,
        path: path.to_owned(),
    })
}

/// `a.b`, or `b` at the top.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

impl<'a> Obj<'a> {
    /// The error path of a key.
    pub(crate) fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value under `key`, `None` when absent. JSON `null` is returned as is, because for
    /// some fields (an unlimited conversation count, a removed avatar) it means something.
    pub(crate) fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key)
    }

    /// A string field; absent and `null` give `None`, another type is reported.
    pub(crate) fn string(&self, key: &str, errors: &mut Vec<Violation>) -> Option<&'a str> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(_) => {
                errors.push(Violation::new(self.path(key), Code::FieldType).value("string"));
                None
            }
        }
    }

    /// A string field that must be there.
    pub(crate) fn required_string(
        &self,
        key: &str,
        errors: &mut Vec<Violation>,
    ) -> Option<&'a str> {
        if matches!(self.map.get(key), None | Some(Value::Null)) {
            errors.push(Violation::new(self.path(key), Code::FieldRequired));
            return None;
        }
        self.string(key, errors)
    }

    /// A boolean field that must be there.
    pub(crate) fn required_bool(&self, key: &str, errors: &mut Vec<Violation>) -> Option<bool> {
        if matches!(self.map.get(key), None | Some(Value::Null)) {
            errors.push(Violation::new(self.path(key), Code::FieldRequired));
            return None;
        }
        self.boolean(key, errors)
    }

    /// A boolean field.
    pub(crate) fn boolean(&self, key: &str, errors: &mut Vec<Violation>) -> Option<bool> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                errors.push(Violation::new(self.path(key), Code::FieldType).value("boolean"));
                None
            }
        }
    }

    /// An array of strings; a non-string item is reported with its index.
    pub(crate) fn strings(&self, key: &str, errors: &mut Vec<Violation>) -> Option<Vec<&'a str>> {
        strings(self.map.get(key)?, &self.path(key), errors)
    }

    /// An array of strings that must be there.
    pub(crate) fn required_strings(
        &self,
        key: &str,
        errors: &mut Vec<Violation>,
    ) -> Option<Vec<&'a str>> {
        if matches!(self.map.get(key), None | Some(Value::Null)) {
            errors.push(Violation::new(self.path(key), Code::FieldRequired));
            return None;
        }
        self.strings(key, errors)
    }

    /// A text field that must be there and not be blank, at most `max_chars` characters, without
    /// control characters; trimmed.
    pub(crate) fn required_text(
        &self,
        key: &str,
        max_chars: usize,
        errors: &mut Vec<Violation>,
    ) -> Option<String> {
        let path = self.path(key);
        let value = text(self.required_string(key, errors)?, &path, max_chars, errors)?;
        if value.is_empty() {
            errors.push(Violation::new(path, Code::FieldRequired));
            return None;
        }
        Some(value)
    }

    /// The optional `organization` field of the sign-in forms: an organization's slug as in its
    /// sign-in address.
    pub(crate) fn organization_slug(&self, errors: &mut Vec<Violation>) -> Option<String> {
        let organization = self.string("organization", errors).map(str::to_owned);
        if let Some(bad) = organization
            .as_deref()
            .filter(|s| !crate::access::is_slug(s))
        {
            errors.push(Violation::new(self.path("organization"), Code::FieldInvalid).value(bad));
        }
        organization
    }

    /// A nested object field, read with its own allowed keys.
    pub(crate) fn object(
        &self,
        key: &str,
        allowed: &[&str],
        errors: &mut Vec<Violation>,
    ) -> Option<Obj<'a>> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => object(value, &self.path(key), allowed, errors),
        }
    }
}

/// Reads an array of strings at `path`; `null` is `None`.
pub(crate) fn strings<'a>(
    value: &'a Value,
    path: &str,
    errors: &mut Vec<Violation>,
) -> Option<Vec<&'a str>> {
    match value {
        Value::Null => None,
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => out.push(s.as_str()),
                    _ => {
                        ok = false;
                        errors.push(
                            Violation::new(format!("{path}[{i}]"), Code::FieldType).value("string"),
                        );
                    }
                }
            }
            ok.then_some(out)
        }
        _ => {
            errors.push(Violation::new(path, Code::FieldType).value("array"));
            None
        }
    }
}

/// Rejects text with control characters and bounds its length in characters (what a person
/// counts), not bytes.
pub(crate) fn text(
    value: &str,
    path: &str,
    max_chars: usize,
    errors: &mut Vec<Violation>,
) -> Option<String> {
    let value = value.trim();
    if value.chars().count() > max_chars {
        errors.push(Violation::new(path, Code::FieldTooLong).max(max_chars));
        return None;
    }
    if value.chars().any(char::is_control) {
        errors.push(Violation::new(path, Code::FieldInvalid).value(value));
        return None;
    }
    Some(value.to_owned())
}

/// A body of one field, `key`, whose value is one of a few names (`{status: "away"}`): the
/// shape `T` gives the accepted keys, `parse` the names, `code` the refusal of any other name.
pub(crate) fn one_choice<'de, S: serde::Deserialize<'de>, T>(
    input: &Value,
    key: &str,
    parse: impl Fn(&str) -> Option<T>,
    code: Code,
) -> Result<T, Vec<Violation>> {
    let mut errors = Vec::new();
    let name = object(input, "", keys_of::<S>(), &mut errors)
        .and_then(|obj| obj.required_string(key, &mut errors));
    let choice = name.and_then(&parse);
    if let (Some(name), None) = (name, &choice) {
        errors.push(Violation::new(key, code).value(name));
    }
    match choice {
        Some(choice) if errors.is_empty() => Ok(choice),
        _ => Err(errors),
    }
}

/// The wire names of a request shape's fields, as its serde derive lists them. The readers accept
/// exactly the keys of the type that describes the shape, the same type TypeScript declarations
/// and the OpenAPI description are generated from, so a field is named in one place.
pub(crate) fn keys_of<'de, T: serde::Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(FieldNames) {
        Err(Listed(keys)) => keys,
        Ok(_) => &[],
    }
}

/// A deserializer that reads nothing: asked for a struct, it stops with the struct's field names.
struct FieldNames;

#[derive(Debug)]
struct Listed(&'static [&'static str]);

impl std::fmt::Display for Listed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl std::error::Error for Listed {}

impl serde::de::Error for Listed {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Listed(&[])
    }
}

impl<'de> serde::Deserializer<'de> for FieldNames {
    type Error = Listed;

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Listed> {
        Err(Listed(fields))
    }

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Listed> {
        Err(Listed(&[]))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}
