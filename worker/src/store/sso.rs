//! Single sign-on (`migrations/0015`): an organization's OpenID providers (their client secrets
//! sealed), the links between a provider's `sub` and a person, and the organization's SSO policy.

use super::StoreError;
use super::{internal, js, num, opt, Store};
use livechat_access::{Discovery, OrganizationId, SsoPolicy, SsoPreset, SsoProvider};
use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

/// A provider as stored.
#[derive(Debug, Clone, Deserialize)]
pub struct SsoProviderRow {
    pub id: String,
    pub name: String,
    pub preset: String,
    pub tenant: Option<String>,
    pub issuer: String,
    pub client_id: String,
    /// Sealed with FACTOR_KEY.
    pub client_secret: String,
    pub email_claim: String,
    allowed_domains: String,
    enabled: i64,
    discovery: String,
    pub jwks: Option<String>,
    pub jwks_fetched_at: Option<i64>,
    created_by: Option<String>,
    created_at: i64,
    updated_at: i64,
}

/// A provider as admins see it (never its client secret).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SsoProviderView))]
#[serde(rename_all = "camelCase")]
pub struct SsoProviderView {
    pub id: String,
    /// Shown on the sign-in button.
    pub name: String,
    pub preset: SsoPreset,
    pub tenant: Option<String>,
    pub issuer: String,
    pub client_id: String,
    pub email_claim: String,
    pub allowed_domains: Vec<String>,
    pub enabled: bool,
    /// The provider offers RP-initiated logout: signing out here signs out there too.
    pub end_session: bool,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl SsoProviderRow {
    pub fn enabled(&self) -> bool {
        self.enabled != 0
    }

    pub fn preset(&self) -> SsoPreset {
        SsoPreset::parse(&self.preset).unwrap_or(SsoPreset::Generic)
    }

    pub fn allowed_domains(&self) -> Result<livechat_access::SortedSet<String>, StoreError> {
        let list: Vec<String> = serde_json::from_str(&self.allowed_domains).map_err(internal)?;
        let mut set = livechat_access::SortedSet::new();
        for d in list {
            set.insert(d);
        }
        Ok(set)
    }

    pub fn discovery(&self) -> Result<Discovery, StoreError> {
        serde_json::from_str(&self.discovery).map_err(internal)
    }

    pub fn view(&self) -> Result<SsoProviderView, StoreError> {
        Ok(SsoProviderView {
            id: self.id.clone(),
            name: self.name.clone(),
            preset: self.preset(),
            tenant: self.tenant.clone(),
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            email_claim: self.email_claim.clone(),
            allowed_domains: self.allowed_domains()?.iter().cloned().collect(),
            enabled: self.enabled(),
            end_session: self.discovery()?.end_session_endpoint.is_some(),
            created_by: self.created_by.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str =
    "id, organization_id, name, preset, tenant, issuer, client_id, client_secret, \
     email_claim, allowed_domains, enabled, discovery, jwks, jwks_fetched_at, created_by, \
     created_at, updated_at";

impl Store {
    /// The organization's providers, oldest first.
    pub async fn sso_providers(
        &self,
        org: &OrganizationId,
    ) -> Result<Vec<SsoProviderRow>, StoreError> {
        self.all(
            &format!(
                "SELECT {COLUMNS} FROM sso_providers WHERE organization_id = ?1 \
                 ORDER BY created_at, id"
            ),
            &[js(org.as_str())],
        )
        .await
    }

    /// One provider of the organization.
    pub async fn sso_provider(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<SsoProviderRow>, StoreError> {
        self.first(
            &format!("SELECT {COLUMNS} FROM sso_providers WHERE organization_id = ?1 AND id = ?2"),
            &[js(org.as_str()), js(id)],
        )
        .await
    }

    /// A new provider.
    pub fn insert_sso_provider(
        &self,
        org: &OrganizationId,
        id: &str,
        provider: &SsoProvider,
        (sealed_secret, discovery): (&str, &Discovery),
        created_by: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        let domains: Vec<&String> = provider.allowed_domains.iter().collect();
        self.stmt(
            "INSERT INTO sso_providers (id, organization_id, name, preset, tenant, issuer, \
             client_id, client_secret, email_claim, allowed_domains, enabled, discovery, \
             created_by, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
            &[
                js(id),
                js(org.as_str()),
                js(provider.name.as_str()),
                js(provider.preset.as_str()),
                opt(provider.tenant.as_deref()),
                js(provider.issuer.as_str()),
                js(provider.client_id.as_str()),
                js(sealed_secret),
                js(provider.email_claim.as_str()),
                js(serde_json::to_string(&domains)?),
                num(i64::from(provider.enabled)),
                js(serde_json::to_string(discovery)?),
                js(created_by),
                num(now),
            ],
        )
    }

    /// A provider changed; its secret only when a new one was given (`sealed_secret`). A new
    /// issuer forgets the keys of the old one.
    pub fn update_sso_provider(
        &self,
        org: &OrganizationId,
        id: &str,
        provider: &SsoProvider,
        (sealed_secret, discovery): (Option<&str>, &Discovery),
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        let domains: Vec<&String> = provider.allowed_domains.iter().collect();
        self.stmt(
            "UPDATE sso_providers SET name = ?3, preset = ?4, tenant = ?5, \
             jwks = CASE WHEN issuer = ?6 THEN jwks END, \
             jwks_fetched_at = CASE WHEN issuer = ?6 THEN jwks_fetched_at END, issuer = ?6, \
             client_id = ?7, client_secret = COALESCE(?8, client_secret), email_claim = ?9, \
             allowed_domains = ?10, enabled = ?11, discovery = ?12, updated_at = ?13 \
             WHERE organization_id = ?1 AND id = ?2",
            &[
                js(org.as_str()),
                js(id),
                js(provider.name.as_str()),
                js(provider.preset.as_str()),
                opt(provider.tenant.as_deref()),
                js(provider.issuer.as_str()),
                js(provider.client_id.as_str()),
                opt(sealed_secret),
                js(provider.email_claim.as_str()),
                js(serde_json::to_string(&domains)?),
                num(i64::from(provider.enabled)),
                js(serde_json::to_string(discovery)?),
                num(now),
            ],
        )
    }

    /// A provider removed, its links with it.
    pub fn delete_sso_provider(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Vec<D1PreparedStatement>, StoreError> {
        Ok(vec![
            self.stmt(
                "DELETE FROM sso_links WHERE provider_id = ?2 AND organization_id = ?1",
                &[js(org.as_str()), js(id)],
            )?,
            self.stmt(
                "DELETE FROM sso_providers WHERE organization_id = ?1 AND id = ?2",
                &[js(org.as_str()), js(id)],
            )?,
        ])
    }

    /// The provider's signing keys as just fetched.
    pub async fn set_sso_jwks(&self, id: &str, jwks: &str, now: i64) -> Result<(), StoreError> {
        self.run(
            "UPDATE sso_providers SET jwks = ?2, jwks_fetched_at = ?3 WHERE id = ?1",
            &[js(id), js(jwks), num(now)],
        )
        .await?;
        Ok(())
    }

    /// Who the provider's `sub` is linked to.
    pub async fn sso_linked_user(
        &self,
        provider: &str,
        subject: &str,
    ) -> Result<Option<String>, StoreError> {
        #[derive(Deserialize)]
        struct Linked {
            user_id: String,
        }
        Ok(self
            .first::<Linked>(
                "SELECT user_id FROM sso_links WHERE provider_id = ?1 AND subject = ?2",
                &[js(provider), js(subject)],
            )
            .await?
            .map(|l| l.user_id))
    }

    /// Whether the person is linked to a `sub` of this provider other than `subject`.
    pub async fn sso_linked_elsewhere(
        &self,
        provider: &str,
        user: &str,
        subject: &str,
    ) -> Result<bool, StoreError> {
        #[derive(Deserialize)]
        struct Found {
            found: i64,
        }
        Ok(self
            .first::<Found>(
                "SELECT 1 AS found FROM sso_links WHERE provider_id = ?1 AND user_id = ?2 \
                 AND subject <> ?3",
                &[js(provider), js(user), js(subject)],
            )
            .await?
            .is_some_and(|f| f.found == 1))
    }

    /// Links the provider's `sub` to a person of its organization.
    pub fn insert_sso_link(
        &self,
        org: &OrganizationId,
        provider: &str,
        subject: &str,
        user: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO sso_links (provider_id, subject, organization_id, user_id, linked_at) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?4 AND \
             organization_id = ?3)",
            &[
                js(provider),
                js(subject),
                js(org.as_str()),
                js(user),
                num(now),
            ],
        )
    }

    /// The organization's SSO policy (read alone; sign-in reads it with the organization's row).
    pub async fn sso_policy(&self, org: &OrganizationId) -> Result<SsoPolicy, StoreError> {
        match self.organization(org.as_str()).await? {
            Some(row) => row.sso_policy(),
            None => Ok(SsoPolicy::default()),
        }
    }

    /// The organization's SSO policy written.
    pub fn set_sso_policy(
        &self,
        org: &OrganizationId,
        policy: &SsoPolicy,
    ) -> Result<D1PreparedStatement, StoreError> {
        let jit = policy.jit.as_ref().map(serde_json::to_string).transpose()?;
        self.stmt(
            "UPDATE organizations SET sso_required = ?2, sso_break_glass = ?3, \
             sso_jit_access = ?4 WHERE id = ?1",
            &[
                js(org.as_str()),
                num(i64::from(policy.required)),
                opt(policy.break_glass.as_deref()),
                opt(jit.as_deref()),
            ],
        )
    }
}
