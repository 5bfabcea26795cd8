//! SCIM 2.0 provisioning (RFC 7643, RFC 7644), the part that stands so far: the bearer tokens an
//! organization's identity provider authenticates with. Admins create, name, list and revoke
//! them; a token is shown once and stored as a digest.

use crate::error::Violation;
use crate::input::{keys_of, object};
use serde::Deserialize;
use serde_json::Value;

/// Longest token name, in characters.
pub const MAX_TOKEN_NAME: usize = 100;

/// A new SCIM token (`POST /organization/scim-tokens`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScimTokenInput {
    /// What it is for, as admins will recognise it in the list (`Entra ID`, `Okta – prod`).
    pub name: String,
}

/// Validates a new token's form: a name, 1 to 100 characters, no control characters.
pub fn validate_scim_token(input: &Value) -> Result<String, Vec<Violation>> {
    let mut errors = Vec::new();
    let name = object(input, "", keys_of::<ScimTokenInput>(), &mut errors)
        .and_then(|obj| obj.required_text("name", MAX_TOKEN_NAME, &mut errors));
    match name {
        Some(name) if errors.is_empty() => Ok(name),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Code;
    use serde_json::json;

    #[test]
    fn a_token_has_a_name() {
        assert_eq!(
            validate_scim_token(&json!({"name": " Entra ID "})),
            Ok("Entra ID".into())
        );
        let codes = |v: Value| -> Vec<(String, Code)> {
            validate_scim_token(&v)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            codes(json!({"name": "  "})),
            vec![("name".into(), Code::FieldRequired)]
        );
        assert_eq!(
            codes(json!({"name": "a\nb"})),
            vec![("name".into(), Code::FieldInvalid)]
        );
        assert_eq!(
            codes(json!({"name": "x".repeat(101)})),
            vec![("name".into(), Code::FieldTooLong)]
        );
        assert_eq!(
            codes(json!({"label": "x"})),
            vec![
                ("label".into(), Code::UnknownField),
                ("name".into(), Code::FieldRequired)
            ]
        );
    }
}
