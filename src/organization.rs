//! The customer company every person, invitation and conversation belongs to. One deployment
//! serves many; nothing of one may reach another, and the rule that says so lives here, in
//! [`crate::authorize`] and [`crate::route`], so no handler can forget it.

use crate::credentials::Email;
use crate::error::{Code, Violation};
use crate::input::{keys_of, object, one_choice};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// An organization's id. Opaque: two values are the same organization or not, nothing more.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct OrganizationId(String);

impl OrganizationId {
    /// The organization a single-company database moves into (migration 0002).
    pub const DEFAULT: &'static str = "default";

    /// An id as stored or sent.
    pub fn new(id: impl Into<String>) -> Self {
        OrganizationId(id.into())
    }

    /// The organization existing data moved into.
    pub fn default_organization() -> Self {
        OrganizationId::new(Self::DEFAULT)
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether an organization may take conversations and sign its people in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum OrganizationStatus {
    /// In service.
    Active,
    /// Its people cannot sign in, and their sessions have ended.
    Suspended,
}

impl OrganizationStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            OrganizationStatus::Active => "active",
            OrganizationStatus::Suspended => "suspended",
        }
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        [OrganizationStatus::Active, OrganizationStatus::Suspended]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// The platform operator's form for a new organization (`POST /operator/organizations`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrganizationInput {
    /// Its identifier in sign-in addresses (`/{slug}/`): a-z, 0-9, `-`, `_`, 2 to 40 characters.
    pub slug: String,
    /// The company's name, as its people see it.
    pub name: String,
    /// Who becomes its first admin: they are invited, and choose their own password.
    pub admin_email: String,
}

/// A checked new organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrganization {
    /// Its slug.
    pub slug: String,
    /// Its name.
    pub name: String,
    /// Its first admin's address.
    pub admin: Email,
}

/// Longest organization name, in characters.
pub const MAX_ORGANIZATION_NAME: usize = 100;

/// Paths of the deployment an organization's slug may not take.
const RESERVED_SLUGS: &[&str] = &[
    "api", "accept", "assets", "operator", "pkg", "reset", "static",
];

/// Whether the operator may suspend or delete an organization: never the default one, which
/// single-company data and the bootstrap admin live in.
pub fn may_suspend_or_delete(id: &OrganizationId) -> Result<(), Code> {
    if id.as_str() == OrganizationId::DEFAULT {
        Err(Code::DefaultOrganization)
    } else {
        Ok(())
    }
}

/// Whether `slug` can name an organization in addresses.
pub fn is_organization_slug(slug: &str) -> bool {
    (2..=40).contains(&slug.len())
        && crate::access::is_slug(slug)
        && !RESERVED_SLUGS.contains(&slug)
}

/// Validates the operator's new-organization form, every field at once.
pub fn validate_organization(input: &Value) -> Result<NewOrganization, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<OrganizationInput>(), &mut errors) else {
        return Err(errors);
    };
    let slug = obj.required_string("slug", &mut errors).map(str::trim);
    if let Some(bad) = slug.filter(|s| !is_organization_slug(s)) {
        errors.push(Violation::new("slug", Code::OrganizationSlugInvalid).value(bad));
    }
    let name = obj.required_text("name", MAX_ORGANIZATION_NAME, &mut errors);
    let admin = obj
        .required_string("adminEmail", &mut errors)
        .and_then(|raw| Email::read(raw, "adminEmail", &mut errors));
    match (slug, name, admin) {
        (Some(slug), Some(name), Some(admin)) if errors.is_empty() => Ok(NewOrganization {
            slug: slug.to_owned(),
            name,
            admin,
        }),
        _ => Err(errors),
    }
}

/// The operator's change of an organization (`PATCH /operator/organizations/{id}`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationPatchInput {
    /// Suspend it (its people are signed out at once) or put it back in service.
    pub status: OrganizationStatus,
}

/// Validates an organization's change of status.
pub fn validate_organization_patch(input: &Value) -> Result<OrganizationStatus, Vec<Violation>> {
    one_choice::<OrganizationPatchInput, _>(
        input,
        "status",
        OrganizationStatus::parse,
        Code::FieldInvalid,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_new_organization_is_checked_field_by_field() {
        let ok = validate_organization(
            &json!({"slug": "acme", "name": " Acme SA ", "adminEmail": "Boss@Acme.fr"}),
        )
        .unwrap();
        assert_eq!((ok.slug.as_str(), ok.name.as_str()), ("acme", "Acme SA"));
        assert_eq!(ok.admin.as_str(), "Boss@acme.fr");
        let bad = validate_organization(
            &json!({"slug": "API", "name": "", "adminEmail": "x", "plan": 1}),
        )
        .unwrap_err();
        let codes: Vec<_> = bad.iter().map(|v| (v.field.as_str(), v.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("plan", Code::UnknownField),
                ("slug", Code::OrganizationSlugInvalid),
                ("name", Code::FieldRequired),
                ("adminEmail", Code::EmailInvalid),
            ]
        );
        for reserved in ["api", "accept", "operator", "a", "x".repeat(41).as_str()] {
            assert!(!is_organization_slug(reserved), "{reserved}");
        }
    }

    #[test]
    fn the_default_organization_stays() {
        let default = OrganizationId::default_organization();
        assert_eq!(
            may_suspend_or_delete(&default),
            Err(Code::DefaultOrganization)
        );
        assert_eq!(may_suspend_or_delete(&OrganizationId::new("acme")), Ok(()));
    }

    #[test]
    fn a_status_change_is_one_of_two() {
        assert_eq!(
            validate_organization_patch(&json!({"status": "suspended"})),
            Ok(OrganizationStatus::Suspended)
        );
        assert!(validate_organization_patch(&json!({"status": "closed"})).is_err());
        assert!(validate_organization_patch(&json!({})).is_err());
    }
}
