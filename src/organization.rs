//! The customer company every person, invitation and conversation belongs to. One deployment
//! serves many; nothing of one may reach another, and the rule that says so lives here, in
//! [`crate::authorize`] and [`crate::route`], so no handler can forget it.

use serde::{Deserialize, Serialize};

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
