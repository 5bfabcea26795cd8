//! Webhook endpoints (issue #22, work in progress): per organization, their secrets sealed.

use super::StoreError;
use super::{internal, js, num, Store};
use livechat_access::{EventType, OrganizationId, SortedSet};
use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

#[derive(Deserialize)]
struct EndpointRecord {
    id: String,
    url: String,
    events: String,
    created_by: Option<String>,
    created_at: i64,
    updated_at: i64,
    disabled_at: Option<i64>,
    disabled_reason: Option<String>,
    rotating: i64,
}

/// An endpoint as admins see it (never its secrets, shown once).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = WebhookEndpoint))]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndpointView {
    pub id: String,
    /// Where events are posted.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<EventType>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When it was disabled (`null`: it receives events).
    pub disabled_at: Option<i64>,
    /// Why: by an admin, or failing for too long.
    pub disabled_reason: Option<String>,
    /// A previous secret still signs (a rotation under way).
    pub rotating: bool,
}

const COLUMNS: &str = "id, url, events, created_by, created_at, updated_at, disabled_at, \
     disabled_reason, previous_secret IS NOT NULL AS rotating";

impl EndpointRecord {
    fn view(self) -> Result<WebhookEndpointView, StoreError> {
        Ok(WebhookEndpointView {
            events: serde_json::from_str(&self.events).map_err(internal)?,
            id: self.id,
            url: self.url,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            disabled_at: self.disabled_at,
            disabled_reason: self.disabled_reason,
            rotating: self.rotating != 0,
        })
    }
}

impl Store {
    /// A new endpoint, its secret sealed.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_webhook_endpoint(
        &self,
        org: &OrganizationId,
        id: &str,
        url: &str,
        events: &SortedSet<EventType>,
        sealed_secret: &str,
        created_by: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        let events: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        self.stmt(
            "INSERT INTO webhook_endpoints (id, organization_id, url, events, secret, created_by, \
             created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            &[
                js(id),
                js(org.as_str()),
                js(url),
                js(serde_json::to_string(&events)?),
                js(sealed_secret),
                js(created_by),
                num(now),
            ],
        )
    }

    /// The organization's endpoints, newest first.
    pub async fn webhook_endpoints(
        &self,
        org: &OrganizationId,
    ) -> Result<Vec<WebhookEndpointView>, StoreError> {
        self.all::<EndpointRecord>(
            &format!(
                "SELECT {COLUMNS} FROM webhook_endpoints WHERE organization_id = ?1 \
                 ORDER BY created_at DESC, id"
            ),
            &[js(org.as_str())],
        )
        .await?
        .into_iter()
        .map(EndpointRecord::view)
        .collect()
    }

    /// One endpoint of the organization; another organization's is `None`.
    pub async fn webhook_endpoint(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<WebhookEndpointView>, StoreError> {
        self.first::<EndpointRecord>(
            &format!(
                "SELECT {COLUMNS} FROM webhook_endpoints WHERE organization_id = ?1 AND id = ?2"
            ),
            &[js(org.as_str()), js(id)],
        )
        .await?
        .map(EndpointRecord::view)
        .transpose()
    }

    pub fn delete_webhook_endpoint(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "DELETE FROM webhook_endpoints WHERE organization_id = ?1 AND id = ?2",
            &[js(org.as_str()), js(id)],
        )
    }
}
