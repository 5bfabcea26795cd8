//! Integration keys: digests only, per organization.

use super::StoreError;
use super::{internal, js, num, opt, CatalogAt, Store};
use livechat_access::{IntegrationKey, OrganizationId, Scope, SortedSet};
use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

/// A key as D1 holds it (scopes as JSON text).
#[derive(Deserialize)]
struct KeyRecord {
    id: String,
    organization_id: String,
    name: String,
    scopes: String,
    hint: String,
    created_by: Option<String>,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

/// A key as admins see it (never the key itself, which is shown once).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = IntegrationKey)
)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationKeyView {
    pub id: String,
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub scopes: Vec<Scope>,
    /// Its first characters (`lca_live_AbCd`), to recognise it in a log or a leak report.
    pub hint: String,
    /// Who made it (`null` for the deployment's `SERVICE_TOKEN`).
    pub created_by: Option<String>,
    pub created_at: i64,
    /// When a service last used it (`null`: never, or not recorded for `SERVICE_TOKEN`).
    pub last_used_at: Option<i64>,
    /// When it was revoked (`null`: it works).
    pub revoked_at: Option<i64>,
    /// `true` for the deployment's `SERVICE_TOKEN` secret, read as a chat-box key of the default
    /// organization: it ends when the secret is removed, not here.
    pub deployment_secret: bool,
}

impl KeyRecord {
    fn scopes(&self) -> Result<SortedSet<Scope>, StoreError> {
        let scopes: Vec<Scope> = serde_json::from_str(&self.scopes).map_err(internal)?;
        Ok(scopes.into_iter().collect())
    }

    fn view(self) -> Result<IntegrationKeyView, StoreError> {
        let scopes = self.scopes()?.iter().copied().collect();
        Ok(IntegrationKeyView {
            id: self.id,
            name: self.name,
            scopes,
            hint: self.hint,
            created_by: self.created_by,
            created_at: self.created_at,
            last_used_at: self.last_used_at,
            revoked_at: self.revoked_at,
            deployment_secret: false,
        })
    }
}

const COLUMNS: &str =
    "id, organization_id, name, scopes, hint, created_by, created_at, last_used_at, revoked_at";

impl Store {
    pub async fn integration_keys(
        &self,
        org: &OrganizationId,
    ) -> Result<Vec<IntegrationKeyView>, StoreError> {
        let rows: Vec<KeyRecord> = self
            .all(
                &format!(
                    "SELECT {COLUMNS} FROM integration_keys WHERE organization_id = ?1 \
                     ORDER BY created_at DESC, id"
                ),
                &[js(org.as_str())],
            )
            .await?;
        rows.into_iter().map(KeyRecord::view).collect()
    }

    pub async fn integration_key(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<IntegrationKeyView>, StoreError> {
        let row: Option<KeyRecord> = self
            .first(
                &format!(
                    "SELECT {COLUMNS} FROM integration_keys WHERE organization_id = ?1 AND id = ?2"
                ),
                &[js(org.as_str()), js(id)],
            )
            .await?;
        row.map(KeyRecord::view).transpose()
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_integration_key(
        &self,
        org: &OrganizationId,
        id: &str,
        name: &str,
        scopes: &SortedSet<Scope>,
        (digest, hint): (&str, &str),
        by: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        let scopes = serde_json::to_string(&scopes.iter().collect::<Vec<_>>()).map_err(internal)?;
        self.stmt(
            "INSERT INTO integration_keys \
             (id, organization_id, name, scopes, key_hash, hint, created_by, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            &[
                js(id),
                js(org.as_str()),
                js(name),
                js(scopes),
                js(digest),
                js(hint),
                opt(Some(by)),
                num(now),
            ],
        )
    }

    pub fn revoke_integration_key(
        &self,
        org: &OrganizationId,
        id: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE integration_keys SET revoked_at = ?3 WHERE organization_id = ?1 AND id = ?2 \
             AND revoked_at IS NULL",
            &[js(org.as_str()), js(id), num(now)],
        )
    }

    /// The live key behind a digest, of an active organization, with its organization's catalog;
    /// its use is recorded in the same statement (one D1 statement per key-authenticated request,
    /// as a session's check is one).
    pub async fn use_integration_key(
        &self,
        digest: &str,
        now: i64,
    ) -> Result<Option<(IntegrationKey, CatalogAt)>, StoreError> {
        #[derive(Deserialize)]
        struct Used {
            #[serde(flatten)]
            key: KeyRecord,
            catalog: String,
            catalog_version: i64,
            access_version: i64,
        }
        let row: Option<Used> = self
            .first(
                &format!(
                    "UPDATE integration_keys SET last_used_at = ?2 WHERE key_hash = ?1 \
                     AND revoked_at IS NULL AND organization_id IN \
                     (SELECT id FROM organizations WHERE status = 'active') RETURNING {COLUMNS}, \
                     (SELECT catalog FROM organizations o WHERE o.id = organization_id) AS catalog, \
                     (SELECT catalog_version FROM organizations o WHERE o.id = organization_id) \
                     AS catalog_version, \
                     (SELECT access_version FROM organizations o WHERE o.id = organization_id) \
                     AS access_version"
                ),
                &[js(digest), num(now)],
            )
            .await?;
        row.map(|r| {
            let key = IntegrationKey {
                scopes: r.key.scopes()?,
                id: r.key.id,
                organization: OrganizationId::new(r.key.organization_id),
            };
            let catalog = CatalogAt {
                access_version: r.access_version,
                ..CatalogAt::parse(&r.catalog, r.catalog_version)?
            };
            Ok((key, catalog))
        })
        .transpose()
    }
}
