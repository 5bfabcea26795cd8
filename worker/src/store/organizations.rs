//! Organizations: the customer companies one deployment serves.

use super::StoreError;
use super::{js, num, Store};
use livechat_access::{NewOrganization, OrganizationId, OrganizationStatus};
use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

/// A stored organization, as the operator sees it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = Organization, rename_all = "camelCase")
)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct OrganizationRow {
    pub id: String,
    /// In sign-in addresses: `/{slug}/`.
    pub slug: String,
    pub name: String,
    pub status: OrganizationStatus,
    pub created_at: i64,
    /// Whether people its identity provider creates without a password get the activation
    /// email (`PUT /organization/scim-settings`).
    #[serde(deserialize_with = "flag")]
    pub scim_activation_emails: bool,
    /// Who must have a second factor (`PUT /organization/security`).
    pub second_factor_policy: livechat_access::SecondFactorPolicy,
    // The SSO policy (`PUT /organization/sso`), read with the row that sign-in reads anyway;
    // shown to its admins only (`GET /organization/sso`), so never serialized here.
    #[serde(deserialize_with = "flag", skip_serializing)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    sso_required: bool,
    #[serde(skip_serializing)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    sso_break_glass: Option<String>,
    #[serde(skip_serializing)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    sso_jit_access: Option<String>,
}

/// A D1 integer read as a boolean.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(i64::deserialize(d)? != 0)
}

const ORGANIZATION_COLUMNS: &str =
    "id, slug, name, status, created_at, scim_activation_emails, second_factor_policy, \
     sso_required, sso_break_glass, sso_jit_access";

impl OrganizationRow {
    pub fn id(&self) -> OrganizationId {
        OrganizationId::new(&self.id)
    }

    /// A suspended organization's people cannot sign in.
    pub fn is_active(&self) -> bool {
        self.status == OrganizationStatus::Active
    }

    /// Its SSO policy.
    pub fn sso_policy(&self) -> Result<livechat_access::SsoPolicy, StoreError> {
        let jit = self
            .sso_jit_access
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(super::internal)?;
        Ok(livechat_access::SsoPolicy {
            required: self.sso_required,
            break_glass: self.sso_break_glass.clone(),
            jit,
        })
    }
}

/// Every table whose rows name an organization (`organization_id`), children before the tables
/// they reference.
pub const ORGANIZATION_TABLES: [&str; 20] = [
    "sso_links",
    "sso_providers",
    "webhook_deliveries",
    "events",
    "webhook_endpoints",
    "outbox",
    "team_members",
    "teams",
    "scim_tokens",
    "integration_keys",
    "password_resets",
    "sessions",
    "sign_in_challenges",
    "recovery_codes",
    "passkeys",
    "totp_factors",
    "conversations",
    "invitations",
    "audit_log",
    "users",
];

impl Store {
    /// The organization a sign-in address names.
    pub async fn organization_by_slug(
        &self,
        slug: &str,
    ) -> Result<Option<OrganizationRow>, StoreError> {
        self.first(
            &format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE slug = ?1"),
            &[js(slug)],
        )
        .await
    }

    pub async fn organization(&self, id: &str) -> Result<Option<OrganizationRow>, StoreError> {
        self.first(
            &format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations WHERE id = ?1"),
            &[js(id)],
        )
        .await
    }

    /// Switches the activation email of people its identity provider creates.
    pub fn set_scim_activation_emails(
        &self,
        org: &OrganizationId,
        on: bool,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE organizations SET scim_activation_emails = ?2 WHERE id = ?1",
            &[js(org.as_str()), num(i64::from(on))],
        )
    }

    pub async fn organizations(&self) -> Result<Vec<OrganizationRow>, StoreError> {
        self.all(
            &format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations ORDER BY slug"),
            &[],
        )
        .await
    }

    pub fn insert_organization(
        &self,
        id: &OrganizationId,
        new: &NewOrganization,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO organizations (id, slug, name, status, created_at) VALUES (?1, ?2, ?3, 'active', ?4)",
            &[js(id.as_str()), js(new.slug.as_str()), js(new.name.as_str()), num(now)],
        )
    }

    /// Suspends or resumes; suspending also ends every session of its people (they are refused on
    /// their next request either way: the session check reads the organization's status).
    /// The operator's change is audited in the organization's log and published
    /// (`organization.suspended`, `organization.resumed`) when the status did change.
    pub fn set_organization_status(
        &self,
        id: &OrganizationId,
        status: OrganizationStatus,
        now: i64,
    ) -> Result<Vec<D1PreparedStatement>, StoreError> {
        let mut writes = vec![self.stmt(
            "UPDATE organizations SET status = ?2 WHERE id = ?1 AND status <> ?2",
            &[js(id.as_str()), js(status.as_str())],
        )?];
        let action = match status {
            OrganizationStatus::Suspended => "organization_suspended",
            OrganizationStatus::Active => "organization_resumed",
        };
        writes.extend(self.audit::<livechat_access::Access>(
            id,
            now,
            None,
            action,
            (Some(id.as_str()), None),
            None,
            None,
        )?);
        if status == OrganizationStatus::Suspended {
            writes.push(self.stmt(
                "DELETE FROM sessions WHERE organization_id = ?1",
                &[js(id.as_str())],
            )?);
        }
        Ok(writes)
    }

    /// Every row of the organization, children first, then the organization: run as one batch,
    /// so as one transaction, all or nothing. `ORGANIZATION_TABLES` lists every table with an
    /// `organization_id`; the e2e test reads the schema itself and fails on a table left out.
    pub fn delete_organization(
        &self,
        id: &OrganizationId,
    ) -> Result<Vec<D1PreparedStatement>, StoreError> {
        let mut writes = Vec::new();
        for table in ORGANIZATION_TABLES {
            writes.push(self.stmt(
                &format!("DELETE FROM {table} WHERE organization_id = ?1"),
                &[js(id.as_str())],
            )?);
        }
        // Throttle counters are keyed, not linked: per address (`email:{org}:…`) and per
        // person's second step (`second:{org}:…`). Per-client keys name no organization.
        writes.push(self.stmt(
            "DELETE FROM login_failures WHERE key LIKE 'email:' || ?1 || ':%' \
             OR key LIKE 'second:' || ?1 || ':%'",
            &[js(id.as_str())],
        )?);
        writes.push(self.stmt(
            "DELETE FROM organizations WHERE id = ?1",
            &[js(id.as_str())],
        )?);
        Ok(writes)
    }

    /// The token digests of an organization's invitations (to forget them in KV).
    pub async fn invitation_digests(&self, id: &OrganizationId) -> Result<Vec<String>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            token_hash: String,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT token_hash FROM invitations WHERE organization_id = ?1 AND status = 'pending'",
                &[js(id.as_str())],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.token_hash).collect())
    }
}
