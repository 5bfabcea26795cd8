//! The shape every validator's answer takes on the wire, identical in the browser and in the
//! Worker's responses.

use crate::error::{Code, FieldError, Violation};
use crate::invitation::EmailVerdict;
use serde::Serialize;
use serde_json::Value;

/// `{type: "success", value}` or `{type: "failure", errors}`: a tagged union rather than an
/// exception, so callers must look at the tag.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Outcome<T> {
    /// Accepted; `value` is the normalised input.
    Success {
        /// The normalised input.
        value: T,
    },
    /// Refused.
    Failure {
        /// Every field error.
        errors: Vec<FieldError>,
        /// Invitations only: each address's verdict, which a refused form still carries.
        #[serde(skip_serializing_if = "Option::is_none")]
        #[cfg_attr(feature = "wasm", tsify(optional))]
        emails: Option<Vec<EmailVerdict>>,
    },
}

/// Bodies larger than this are refused before parsing.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Parses a request body with serde_json, whose nesting limit (128 levels) keeps deep input from
/// exhausting the stack; anything but one JSON value is one `invalid_json` error.
pub fn parse_json(text: &str) -> Result<Value, Violation> {
    serde_json::from_str(text).map_err(|_| Violation::new("", Code::InvalidJson))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Locale;

    #[test]
    fn the_wire_shape_is_a_tagged_union() {
        let ok: Outcome<u8> = Outcome::Success { value: 1 };
        assert_eq!(
            serde_json::to_value(ok).unwrap(),
            serde_json::json!({"type": "success", "value": 1})
        );
        let errors = vec![Violation::new("email", Code::EmailInvalid).localize(Locale::En)];
        let ko: Outcome<u8> = Outcome::Failure {
            errors,
            emails: None,
        };
        assert_eq!(
            serde_json::to_value(ko).unwrap(),
            serde_json::json!({"type": "failure", "errors": [{"field": "email", "code": "email_invalid", "message": "Invalid email address"}]})
        );
        assert_eq!(parse_json("{").unwrap_err().code, Code::InvalidJson);
    }
}
