//! JSON text in and out, small enough for the browser build.
//!
//! serde_json's generic deserializer and its `io::Write` serializer cost the browser package
//! about 14 KB gzipped; this module is a few hundred lines that produce and consume the same
//! `serde_json::Value` and the same wire shapes (the serde derives stay the one description of
//! every answer). The Worker reads request bodies with [`parse`] too, so browser and server
//! read input with the same code; tests check both halves against serde_json itself.

use serde::ser::{self, Serialize};
use serde_json::{Map, Number, Value};
use std::fmt::{self, Write as _};

/// How deeply arrays and objects may nest, as in serde_json: deeper input is refused instead of
/// exhausting the stack.
pub const MAX_DEPTH: usize = 127;

/// Parses JSON text (RFC 8259, nothing more): `None` for anything else, including trailing
/// characters, lone surrogates and numbers too large for a float.
pub fn parse(text: &str) -> Option<Value> {
    let mut parser = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let value = parser.value()?;
    parser.skip_whitespace();
    (parser.pos == text.len()).then_some(value)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Skips whitespace, then consumes `byte` if it comes next.
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.peek() == Some(byte);
        self.pos += usize::from(found);
        found
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn value(&mut self) -> Option<Value> {
        self.skip_whitespace();
        let (word, value) = match self.peek()? {
            b'n' => ("null", Value::Null),
            b't' => ("true", Value::Bool(true)),
            b'f' => ("false", Value::Bool(false)),
            b'"' => return self.string().map(Value::String),
            b'[' | b'{' => return self.nested(),
            _ => return self.number(),
        };
        self.rest().starts_with(word).then(|| {
            self.pos += word.len();
            value
        })
    }

    /// An array or an object, one level deeper.
    fn nested(&mut self) -> Option<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let value = if self.eat(b'[') {
            let mut items = Vec::new();
            self.items(b']', |p| {
                items.push(p.value()?);
                Some(())
            })?;
            Value::Array(items)
        } else {
            self.pos += 1;
            let mut map = Map::new();
            self.items(b'}', |p| {
                p.skip_whitespace();
                if p.peek() != Some(b'"') {
                    return None;
                }
                let key = p.string()?;
                if !p.eat(b':') {
                    return None;
                }
                // A repeated key keeps its last value, as in serde_json and JavaScript.
                map.insert(key, p.value()?);
                Some(())
            })?;
            Value::Object(map)
        };
        self.depth -= 1;
        Some(value)
    }

    /// Comma-separated items up to `close`, the opening bracket already consumed.
    fn items(&mut self, close: u8, mut item: impl FnMut(&mut Self) -> Option<()>) -> Option<()> {
        if self.eat(close) {
            return Some(());
        }
        loop {
            item(self)?;
            if self.eat(close) {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let start = self.pos;
            while self
                .peek()
                .is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                self.pos += 1;
            }
            // Runs end on ASCII bytes, so these are character boundaries.
            out.push_str(self.text.get(start..self.pos)?);
            match self.peek()? {
                b'"' => {
                    self.pos += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.pos += 1;
                    out.push(self.escape()?);
                }
                _ => return None, // a raw control character
            }
        }
    }

    fn escape(&mut self) -> Option<char> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let unit = self.hex4()?;
                if (0xD800..0xDC00).contains(&unit) {
                    // A high surrogate must be followed by a low one; Rust strings cannot hold
                    // a lone surrogate, so it is an error, as in serde_json.
                    if !self.rest().starts_with("\\u") {
                        return None;
                    }
                    self.pos += 2;
                    let low = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&low) {
                        return None;
                    }
                    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))?
                } else {
                    char::from_u32(unit)?
                }
            }
            _ => return None,
        })
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.rest().get(..4)?;
        self.pos += 4;
        digits
            .chars()
            .try_fold(0, |n, c| Some(n * 16 + c.to_digit(16)?))
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        self.pos += usize::from(self.peek() == Some(b'-'));
        let integer_start = self.pos;
        let integer_digits = self.digits();
        let leading_zero = self.text.as_bytes().get(integer_start) == Some(&b'0');
        if integer_digits == 0 || (leading_zero && integer_digits > 1) {
            return None;
        }
        let mut integer = true;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            self.pos += usize::from(matches!(self.peek(), Some(b'+' | b'-')));
            integer = false;
            if self.digits() == 0 {
                return None;
            }
        }
        let text = self.text.get(start..self.pos)?;
        if integer {
            // Like serde_json: unsigned when it can be, signed when negative, otherwise (a
            // huge integer, or -0) a float.
            if let Ok(n) = text.parse::<u64>() {
                return Some(n.into());
            }
            if let Some(n) = text.parse::<i64>().ok().filter(|&n| n != 0) {
                return Some(n.into());
            }
        }
        Number::from_f64(approximate(text)).map(Value::Number)
    }
}

/// The value of a number that is not an integer, without a full float parser (whose tables
/// would weigh more than this whole module). No field of this domain takes a fraction — each
/// numeric field is a count, a limit or a timestamp — so a fraction is only ever reported as the
/// wrong type; its exact value does not matter, only that it is a finite float of about the
/// right size. Exact for up to 15 significant digits and exponents within ±22; digits worth more
/// than the largest float before their exponent applies make the number unreadable.
fn approximate(text: &str) -> f64 {
    let (mantissa, exponent) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
    let mut scale = exponent
        .parse::<i32>()
        .unwrap_or(if exponent.starts_with('-') {
            i32::MIN / 2
        } else {
            i32::MAX / 2
        });
    // The first 17 or so significant digits; later integer digits only scale the value.
    let mut value = 0.0_f64;
    let mut fraction = false;
    for byte in mantissa.bytes() {
        match byte {
            b'0'..=b'9' if value < 1e17 => {
                value = value * 10.0 + f64::from(byte - b'0');
                scale = scale.saturating_sub(i32::from(fraction));
            }
            b'0'..=b'9' => scale = scale.saturating_add(i32::from(!fraction)),
            b'.' => fraction = true,
            _ => {}
        }
    }
    // In steps of 10^300, stopping at zero or infinity, so that a value and an exponent that
    // are both far from 1 do not pass through zero or infinity on the way.
    while value != 0.0 && value.is_finite() && scale.unsigned_abs() > 300 {
        value = if scale < 0 {
            value / 1e300
        } else {
            value * 1e300
        };
        scale -= 300 * scale.signum();
    }
    if value != 0.0 {
        value = if scale < 0 {
            value / 10_f64.powi(-scale)
        } else {
            value * 10_f64.powi(scale)
        };
    }
    if mantissa.starts_with('-') {
        -value
    } else {
        value
    }
}

/// Serializes to compact JSON text, as `serde_json::to_string` would for the types this crate
/// answers with. `None` for what those never hold: floats, bytes and non-string map keys.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut out = String::new();
    value.serialize(Writer(&mut out)).ok()?;
    Some(out)
}

/// What [`to_string`] cannot write.
#[derive(Debug)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not representable in this crate's JSON")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

struct Writer<'a>(&'a mut String);

fn write_str(out: &mut String, text: &str) {
    out.push('"');
    let mut rest = text;
    while let Some(at) = rest.find(|c: char| c == '"' || c == '\\' || c < ' ') {
        let (plain, tail) = rest.split_at(at);
        out.push_str(plain);
        let mut chars = tail.chars();
        match chars.next() {
            Some('"') => out.push_str("\\\""),
            Some('\\') => out.push_str("\\\\"),
            Some('\n') => out.push_str("\\n"),
            Some('\r') => out.push_str("\\r"),
            Some('\t') => out.push_str("\\t"),
            Some('\u{8}') => out.push_str("\\b"),
            Some('\u{c}') => out.push_str("\\f"),
            Some(c) => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            None => {}
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out.push('"');
}

/// An array, object or variant being written; `close` ends it.
pub struct Compound<'a> {
    out: &'a mut String,
    first: bool,
    close: &'static str,
}

impl<'a> Writer<'a> {
    fn open(self, open: &str, variant: Option<&str>, close: &'static str) -> Compound<'a> {
        if let Some(variant) = variant {
            self.0.push('{');
            write_str(self.0, variant);
            self.0.push(':');
        }
        self.0.push_str(open);
        Compound {
            out: self.0,
            first: true,
            close,
        }
    }
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        value.serialize(Writer(self.out))
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Unsupported> {
        self.element(key)?;
        self.out.push(':');
        value.serialize(Writer(self.out))
    }

    fn end(self) -> Result<(), Unsupported> {
        self.out.push_str(self.close);
        Ok(())
    }
}

macro_rules! compound {
    ($($trait:ident { $($method:ident),* })*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Unsupported;
            $(fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
                self.element(value)
            })*
            fn end(self) -> Result<(), Unsupported> {
                Compound::end(self)
            }
        }
    )*};
}

compound! {
    SerializeSeq { serialize_element }
    SerializeTuple { serialize_element }
    SerializeTupleStruct { serialize_field }
    SerializeTupleVariant { serialize_field }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        let at = self.out.len() + usize::from(!self.first);
        self.element(key)?;
        // JSON keys are strings; anything else would make the text invalid.
        match self.out.as_bytes().get(at) {
            Some(b'"') => {
                self.out.push(':');
                Ok(())
            }
            _ => Err(Unsupported),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(Writer(self.out))
    }
    fn end(self) -> Result<(), Unsupported> {
        Compound::end(self)
    }
}

macro_rules! keyed {
    ($($trait:ident)*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Unsupported> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Unsupported> {
                Compound::end(self)
            }
        }
    )*};
}

keyed! { SerializeStruct SerializeStructVariant }

macro_rules! integers {
    ($($method:ident($ty:ty))*) => {$(
        fn $method(self, v: $ty) -> Result<(), Unsupported> {
            let _ = write!(self.0, "{v}");
            Ok(())
        }
    )*};
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.0.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    integers! {
        serialize_i8(i8) serialize_i16(i16) serialize_i32(i32) serialize_i64(i64)
        serialize_u8(u8) serialize_u16(u16) serialize_u32(u32) serialize_u64(u64)
    }
    // Floats would pull in float formatting; no answer of this crate carries one.
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        write_str(self.0, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.0.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        let object = self.open("", Some(variant), "}");
        value.serialize(Writer(object.out))?;
        object.end()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("[", None, "]"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("[", None, "]"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("[", None, "]"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("[", Some(variant), "]}"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("{", None, "}"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("{", None, "}"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Unsupported> {
        Ok(self.open("{", Some(variant), "}}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// serde_json's answer, with floats reduced to "some float" (see [`approximate`]).
    fn reference(text: &str) -> Option<Value> {
        serde_json::from_str::<Value>(text).ok()
    }

    pub(crate) fn same(ours: &Value, theirs: &Value) -> bool {
        match (ours, theirs) {
            (Value::Number(a), Value::Number(b)) if a.is_f64() && b.is_f64() => {
                let (a, b) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                a == b || ((a - b) / b).abs() < 1e-9 || (a - b).abs() < 1e-300
            }
            (Value::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
            }
            (Value::Object(a), Value::Object(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((ka, a), (kb, b))| ka == kb && same(a, b))
            }
            _ => ours == theirs,
        }
    }

    pub(crate) fn agrees_with_serde_json(text: &str) -> Result<(), String> {
        match (parse(text), reference(text)) {
            (None, None) => Ok(()),
            (Some(ours), Some(theirs)) if same(&ours, &theirs) => Ok(()),
            (ours, theirs) => Err(format!("{text:?}: ours {ours:?}, serde_json {theirs:?}")),
        }
    }

    #[test]
    fn parses_what_serde_json_parses_and_refuses_what_it_refuses() {
        let deep_ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let cases = [
            "null",
            "true",
            "false",
            " \t\n\r1 ",
            "0",
            "-0",
            "-1",
            "12",
            "007",
            "-",
            "1.",
            ".5",
            "1.5",
            "-1.5e3",
            "1E+2",
            "1e-2",
            "1e",
            "1e+",
            "2.5E-3",
            "1e400",
            "-1e400",
            "1e-400",
            "0E228011246",
            "-0.0e-99999999999",
            "1234567890123456789012345678901234567890e-30",
            "0.000000000000000000000000000000000000001234567890123456789e35",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "123456789012345678901234567890",
            r#""""#,
            r#""a""#,
            r#""é💬""#,
            r#""\"\\\/\b\f\n\r\t""#,
            r#""\u00e9\u0000\uFFFF""#,
            r#""\ud83d\udcac""#,
            r#""\ud83d""#,
            r#""\udcac""#,
            r#""\ud83dx""#,
            r#""\ud83d\u0041""#,
            r#""\u12""#,
            r#""\u12g4""#,
            r#""\x""#,
            "\"a\nb\"",
            "\"a\u{7f}b\"",
            r#""unterminated"#,
            "[]",
            "[1,2]",
            "[1,]",
            "[,1]",
            "[1 2]",
            "{}",
            r#"{"a":1}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{a:1}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"b":[{"c":null}],"a":{}}"#,
            "[1]x",
            "nul",
            "nulls",
            "truex",
            "",
            "   ",
            "\u{feff}1",
            "+1",
            "0x10",
            "NaN",
            "Infinity",
            "[",
            "{",
            r#"{"a""#,
            r#"{"a":"#,
            &deep_ok,
            &too_deep,
        ];
        for text in cases {
            agrees_with_serde_json(text).unwrap();
        }
        assert!(parse(&deep_ok).is_some() && parse(&too_deep).is_none());
    }

    #[test]
    fn numbers_keep_serde_json_kinds() {
        assert_eq!(parse("5"), Some(json!(5u64)));
        assert_eq!(parse("-5"), Some(json!(-5i64)));
        for float in ["-0", "1.0", "1e2", "18446744073709551616"] {
            assert!(parse(float).is_some_and(|v| v.is_f64()), "{float}");
        }
    }

    #[test]
    fn writes_what_serde_json_writes() {
        let values = [
            json!(null),
            json!([
                true,
                false,
                0,
                18446744073709551615u64,
                -9223372036854775808i64
            ]),
            json!("quote \" backslash \\ newline \n tab \t bell \u{7} nul \0 \u{8}\u{c}\u{1f} é 💬 \u{2028}"),
            json!({"type": "failure", "errors": [{"field": "a.b[0]", "code": "x"}], "e": {}}),
            json!([[], {}, [[]], {"a": {"b": []}}]),
        ];
        for value in values {
            assert_eq!(to_string(&value), serde_json::to_string(&value).ok());
        }
        assert_eq!(to_string(&1.5_f64), None);
        let non_string_key: std::collections::BTreeMap<u8, u8> = [(1, 2)].into();
        assert_eq!(to_string(&non_string_key), None);
    }

    #[test]
    fn variants_are_written_like_serde_json() {
        #[derive(serde::Serialize)]
        enum Shape {
            Unit,
            New(u8),
            Tuple(u8, u8),
            Struct { a: u8 },
        }
        for shape in [
            Shape::Unit,
            Shape::New(1),
            Shape::Tuple(1, 2),
            Shape::Struct { a: 1 },
        ] {
            assert_eq!(to_string(&shape), serde_json::to_string(&shape).ok());
        }
        assert_eq!(
            to_string(&('x', (1u8, "y"))),
            serde_json::to_string(&('x', (1u8, "y"))).ok()
        );
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::tests::{agrees_with_serde_json, same};
    use super::*;
    use proptest::prelude::*;

    /// Values without floats (what this crate writes), nested a few levels.
    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

        #[test]
        fn writes_like_serde_json_and_reads_its_own_text(v in value()) {
            let text = to_string(&v);
            prop_assert_eq!(&text, &serde_json::to_string(&v).ok());
            prop_assert_eq!(parse(&text.unwrap_or_default()), Some(v.clone()));
            let pretty = serde_json::to_string_pretty(&v).unwrap_or_default();
            prop_assert_eq!(parse(&pretty), Some(v));
        }

        #[test]
        fn reads_floats_like_serde_json(f in any::<f64>().prop_filter("finite", |f| f.is_finite())) {
            let text = serde_json::to_string(&f).unwrap_or_default();
            let (ours, theirs) = (parse(&text), serde_json::from_str::<Value>(&text).ok());
            prop_assert!(matches!((&ours, &theirs), (Some(a), Some(b)) if same(a, b)), "{}", text);
        }

        #[test]
        fn accepts_and_refuses_what_serde_json_does(text in r#"[\[\]{}",:0-9eE.+\-ntrufals\\u/bfd8cA \n\t]{0,24}"#) {
            prop_assert!(agrees_with_serde_json(&text).is_ok(), "{}", agrees_with_serde_json(&text).unwrap_err());
        }
    }
}
