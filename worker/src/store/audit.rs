//! The audit log: who changed whose access.

use super::EventRecord;
use super::StoreError;
use super::{js, num, opt, Store};
use livechat_access::{
    events_of_change, Access, CatalogInput, ChangeData, EventData, EventSubject, OrganizationId,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

/// One change of someone's access, as stored and as the API shows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(rename_all = "camelCase")
)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct AuditEntry {
    /// Increasing.
    pub id: i64,
    /// When (ms since the epoch).
    pub at: i64,
    /// Who did it (`null`: the deployment's bootstrap, the operator, or someone's first sign-in
    /// through a provider).
    pub actor_id: Option<String>,
    /// What was done: `created`, `invited`, `accepted`, `changed`, `disabled`, `enabled`,
    /// `removed`, `revoked`, `reinvited`, `catalog_changed`, `sso_policy_changed`,
    /// `sso_required_lifted`, `sso_linked`, `second_factor_policy`, `organization_suspended`….
    pub action: String,
    /// Whose account.
    pub target_id: Option<String>,
    /// Whose address.
    pub target_email: Option<String>,
    /// Their access (or the catalog) before.
    #[serde(deserialize_with = "record_column")]
    pub before: Option<Record>,
    /// Their access (or the catalog) after.
    #[serde(deserialize_with = "record_column")]
    pub after: Option<Record>,
}

/// What an audit entry records the change of.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Record {
    /// A person's access.
    Access(Access),
    /// The organization's catalog.
    Catalog(CatalogInput),
    /// The link made between a provider's person and an account (`sso_linked`).
    SsoLink(SsoLinkRecord),
    /// The organization's SSO policy (`sso_policy_changed`).
    SsoPolicy(livechat_access::SsoPolicy),
}

/// A provider's `sub` linked to the account.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SsoLinkRecord {
    /// The provider's id.
    pub provider: String,
    /// The provider's id for the person.
    pub subject: String,
}

/// A record stored as JSON text (`null` when there is none).
fn record_column<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Record>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|text| serde_json::from_str(&text).map_err(serde::de::Error::custom))
        .transpose()
}

impl Store {
    /// An audit entry for the write just before it in the same batch, and the events that
    /// change publishes (`livechat_access::events_of_change`): written only if that write
    /// changed something, so a refused or raced write leaves no trace and publishes nothing.
    #[allow(clippy::too_many_arguments)]
    pub fn audit<T: Serialize>(
        &self,
        organization: &OrganizationId,
        now: i64,
        actor_id: Option<&str>,
        action: &str,
        target: (Option<&str>, Option<&str>),
        before: Option<&T>,
        after: Option<&T>,
    ) -> Result<Vec<D1PreparedStatement>, StoreError> {
        let to_value = |a: Option<&T>| a.map(serde_json::to_value).transpose();
        let (before, after) = (to_value(before)?, to_value(after)?);
        let to_json = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string());
        let mut writes = vec![self.stmt(
            "INSERT INTO audit_log (at, actor_id, action, target_id, target_email, before, after, \
             organization_id) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE changes() > 0",
            &[
                num(now),
                opt(actor_id),
                js(action),
                opt(target.0),
                opt(target.1),
                opt(to_json(&before).as_deref()),
                opt(to_json(&after).as_deref()),
                js(organization.as_str()),
            ],
        )?];
        let types = events_of_change(action, before.as_ref(), after.as_ref());
        if !types.is_empty() && self.publishing.get() {
            let data = EventData::Change(ChangeData {
                actor: actor_id.map(str::to_owned),
                subject: EventSubject {
                    id: target.0.map(str::to_owned),
                    name: target.1.map(str::to_owned),
                },
                before,
                after,
            });
            let events = types
                .into_iter()
                .map(|t| EventRecord::new(organization, t, data.clone(), now))
                .collect::<Result<Vec<_>, _>>()?;
            writes.extend(self.publish(organization, &events, "changes() > 0", now)?);
        }
        Ok(writes)
    }

    pub async fn audit_entries(
        &self,
        org: &OrganizationId,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.all(
            "SELECT id, at, actor_id, action, target_id, target_email, before, after FROM audit_log \
             WHERE organization_id = ?3 AND (?1 IS NULL OR id < ?1) ORDER BY id DESC LIMIT ?2",
            &[before_id.map_or(JsValue::NULL, num), num(i64::from(limit)), js(org.as_str())],
        )
        .await
    }
}
