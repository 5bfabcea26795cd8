//! SCIM bearer tokens: digests only, per organization.

use super::StoreError;
use super::{js, num, opt, Store};
use livechat_access::OrganizationId;
use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

/// A token as admins see it (never the token itself, which is shown once).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = ScimToken, rename_all = "camelCase")
)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct ScimTokenRow {
    pub id: String,
    /// What it is for.
    pub name: String,
    /// Who made it.
    pub created_by: Option<String>,
    pub created_at: i64,
    /// When an identity provider last used it (`null`: never).
    pub last_used_at: Option<i64>,
    /// When it was revoked (`null`: it works).
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "id, name, created_by, created_at, last_used_at, revoked_at";

impl Store {
    pub async fn scim_tokens(&self, org: &OrganizationId) -> Result<Vec<ScimTokenRow>, StoreError> {
        self.all(
            &format!(
                "SELECT {COLUMNS} FROM scim_tokens WHERE organization_id = ?1 ORDER BY created_at DESC, id"
            ),
            &[js(org.as_str())],
        )
        .await
    }

    pub async fn scim_token(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<ScimTokenRow>, StoreError> {
        self.first(
            &format!("SELECT {COLUMNS} FROM scim_tokens WHERE organization_id = ?1 AND id = ?2"),
            &[js(org.as_str()), js(id)],
        )
        .await
    }

    pub fn insert_scim_token(
        &self,
        org: &OrganizationId,
        id: &str,
        name: &str,
        digest: &str,
        by: Option<&str>,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO scim_tokens (id, organization_id, name, token_hash, created_by, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[js(id), js(org.as_str()), js(name), js(digest), opt(by), num(now)],
        )
    }

    pub fn revoke_scim_token(
        &self,
        org: &OrganizationId,
        id: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE scim_tokens SET revoked_at = ?3 WHERE organization_id = ?1 AND id = ?2 \
             AND revoked_at IS NULL",
            &[js(org.as_str()), js(id), num(now)],
        )
    }

    /// The live token behind a digest, for the organization a SCIM address names (by slug, in
    /// service); its use is recorded in the same statement.
    pub async fn use_scim_token(
        &self,
        slug: &str,
        digest: &str,
        now: i64,
    ) -> Result<Option<(OrganizationId, ScimTokenRow)>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            organization_id: String,
            #[serde(flatten)]
            token: ScimTokenRow,
        }
        let row: Option<Row> = self
            .first(
                &format!(
                    "UPDATE scim_tokens SET last_used_at = ?3 WHERE token_hash = ?2 AND revoked_at IS NULL \
                     AND organization_id = (SELECT id FROM organizations WHERE slug = ?1 AND status = 'active') \
                     RETURNING organization_id, {COLUMNS}"
                ),
                &[js(slug), js(digest), num(now)],
            )
            .await?;
        Ok(row.map(|r| (OrganizationId::new(r.organization_id), r.token)))
    }
}
