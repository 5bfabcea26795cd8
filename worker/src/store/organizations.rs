//! Organizations: the customer companies one deployment serves.

use super::{js, Store};
use crate::http::ApiError;
use livechat_access::OrganizationId;
use serde::Deserialize;

/// A stored organization.
#[derive(Debug, Clone, Deserialize)]
pub struct OrganizationRow {
    pub id: String,
    pub status: String,
}

impl OrganizationRow {
    pub fn id(&self) -> OrganizationId {
        OrganizationId::new(&self.id)
    }

    /// A suspended organization's people cannot sign in.
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

impl Store {
    /// The organization a sign-in address names.
    pub async fn organization_by_slug(
        &self,
        slug: &str,
    ) -> Result<Option<OrganizationRow>, ApiError> {
        self.first(
            "SELECT id, status FROM organizations WHERE slug = ?1",
            &[js(slug)],
        )
        .await
    }
}
