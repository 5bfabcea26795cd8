//! Webhooks (`migrations/0014`): endpoints per organization (their secrets sealed), the events
//! changes publish, written in the change's own batch, and each endpoint's deliveries with every
//! attempt.

use super::StoreError;
use super::{internal, js, num, opt, Store};
use livechat_access::{DeliveryOutcome, EventType, OrganizationId, SortedSet};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, D1Result};

/// The column a batch's delivery statement returns each new delivery's event under, so that
/// [`Store::batch`] learns which events to queue without knowing where the statement sits.
pub const DELIVERY_MARK: &str = "owed_webhook_event";

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
    failing_since: Option<i64>,
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
    /// Why: `admin`, or `failing` (no success for `WEBHOOK_DISABLE_AFTER_SECONDS`).
    pub disabled_reason: Option<String>,
    /// The first failure since its last success (`null`: its last delivery succeeded).
    pub failing_since: Option<i64>,
    /// A previous secret still signs (a rotation under way).
    pub rotating: bool,
}

const COLUMNS: &str = "id, url, events, created_by, created_at, updated_at, disabled_at, \
     disabled_reason, failing_since, previous_secret IS NOT NULL AS rotating";

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
            failing_since: self.failing_since,
            rotating: self.rotating != 0,
        })
    }
}

/// One event as a change publishes it: its id, type and body (its `seq` set when written).
pub struct EventRecord {
    pub id: String,
    pub event_type: EventType,
    pub payload: String,
}

impl EventRecord {
    /// A new event of `org` (its `seq` is the batch's to set).
    pub fn new(
        org: &OrganizationId,
        event_type: EventType,
        data: livechat_access::EventData,
        at: i64,
    ) -> Result<EventRecord, StoreError> {
        let id = format!("evt_{}", crate::secrets::new_id());
        let payload = serde_json::to_string(&livechat_access::WebhookEvent {
            id: id.clone(),
            event_type,
            organization: org.as_str().to_owned(),
            seq: 0,
            at,
            data,
        })?;
        Ok(EventRecord {
            id,
            event_type,
            payload,
        })
    }
}

/// What the notice of a disabled endpoint says.
#[derive(Debug, Deserialize)]
pub struct EndpointNotice {
    pub email: String,
    pub organization: String,
    pub catalog: String,
    pub url: String,
    pub page_url: Option<String>,
    pub failing_since: i64,
}

/// A delivery claimed for an attempt, with what sending it needs.
#[derive(Debug, Deserialize)]
pub struct ClaimedDelivery {
    pub event_id: String,
    pub endpoint_id: String,
    pub organization_id: String,
    pub attempts: i64,
    pub payload: String,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub failing_since: Option<i64>,
    pub disabled: i64,
}

/// One attempt, as the delivery log shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub attempt: i64,
    /// When (ms since the epoch).
    pub at: i64,
    /// The receiver's HTTP status (`null`: no answer).
    pub status: Option<i64>,
    pub duration_ms: i64,
    /// What went wrong: a short excerpt of the answer, or why nothing was sent.
    pub error: Option<String>,
}

/// One event's delivery to an endpoint.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    /// The event's id (`webhook-id`).
    pub event_id: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub seq: i64,
    /// `pending` (owed, maybe retrying), `delivered`, `failed` (its endpoint was disabled).
    pub status: String,
    pub created_at: i64,
    /// Newest first.
    pub attempts: Vec<AttemptView>,
}

#[derive(Deserialize)]
struct DeliveryRecord {
    event_id: String,
    #[serde(rename = "type")]
    event_type: String,
    seq: i64,
    status: String,
    created_at: i64,
    attempts: Option<String>,
}

/// Whether `endpoint` (a row of `webhook_endpoints` named `w`) receives events of type `t`.
const SUBSCRIBED: &str =
    "w.disabled_at IS NULL AND EXISTS (SELECT 1 FROM json_each(w.events) WHERE value = {t})";

fn subscribed(t: &str) -> String {
    SUBSCRIBED.replace("{t}", t)
}

impl Store {
    /// The statements that publish `events` of `org` in a change's batch: each event numbered
    /// with the organization's next `seq`, written only if `guard` holds (SQL: `changes() > 0`
    /// right after an audit entry, so a change that did not happen publishes nothing; the next
    /// events of the same change chain on the previous one's count), then a pending delivery
    /// for every endpoint subscribed to it.
    pub fn publish(
        &self,
        org: &OrganizationId,
        events: &[EventRecord],
        guard: &str,
        now: i64,
    ) -> Result<Vec<D1PreparedStatement>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut writes = Vec::with_capacity(events.len() * 2 + 1);
        for event in events {
            writes.push(self.stmt(
                &format!(
                    "INSERT INTO events (id, organization_id, seq, type, payload, created_at) \
                     SELECT ?1, o.id, o.event_seq + 1, ?2, json_set(?3, '$.seq', o.event_seq + 1), \
                     ?4 FROM organizations o WHERE o.id = ?5 AND {}",
                    guard.replace("{t}", "?2")
                ),
                &[
                    js(event.id.as_str()),
                    js(event.event_type.as_str()),
                    js(event.payload.as_str()),
                    num(now),
                    js(org.as_str()),
                ],
            )?);
            writes.push(self.stmt(
                "UPDATE organizations SET event_seq = event_seq + 1 WHERE id = ?1 AND changes() > 0",
                &[js(org.as_str())],
            )?);
        }
        let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
        self.delivery_prepared.set(true);
        writes.push(self.stmt(
            &format!(
                "INSERT INTO webhook_deliveries (event_id, endpoint_id, organization_id, status, \
                 created_at, due_at) SELECT e.id, w.id, e.organization_id, 'pending', ?2, ?2 \
                 FROM events e JOIN webhook_endpoints w ON w.organization_id = e.organization_id \
                 WHERE e.id IN (SELECT value FROM json_each(?1)) AND {} \
                 RETURNING event_id AS {DELIVERY_MARK}",
                subscribed("e.type")
            ),
            &[js(serde_json::to_string(&ids)?), num(now)],
        )?);
        Ok(writes)
    }

    /// The guard of an event nobody may have asked for (a live desk's): written once (its id
    /// is the desk's), and only if an endpoint of the organization wants its type.
    pub fn once_if_subscribed(id_param: &str) -> String {
        format!(
            "NOT EXISTS (SELECT 1 FROM events WHERE id = {id_param}) AND EXISTS (SELECT 1 FROM \
             webhook_endpoints w WHERE w.organization_id = o.id AND {})",
            SUBSCRIBED
        )
    }

    /// Notes the events a batch wrote deliveries for (see [`DELIVERY_MARK`]); a store that
    /// prepared no delivery statement has nothing to look for, so most writes skip the scan.
    pub(crate) fn note_deliveries(&self, results: &[D1Result]) {
        if !self.delivery_prepared.get() {
            return;
        }
        #[derive(Deserialize)]
        struct Owed {
            owed_webhook_event: String,
        }
        let mut owed = self.owed_events.borrow_mut();
        for result in results {
            if let Ok(rows) = result.results::<Owed>() {
                for row in rows {
                    if !owed.contains(&row.owed_webhook_event) {
                        owed.push(row.owed_webhook_event);
                    }
                }
            }
        }
    }

    /// A new endpoint, its secret sealed.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_webhook_endpoint(
        &self,
        org: &OrganizationId,
        id: &str,
        url: &str,
        events: &SortedSet<EventType>,
        sealed_secret: &str,
        (created_by, page_url): (&str, &str),
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        let events: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        self.stmt(
            "INSERT INTO webhook_endpoints (id, organization_id, url, events, secret, created_by, \
             page_url, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, ?7, ?7)",
            &[
                js(id),
                js(org.as_str()),
                js(url),
                js(serde_json::to_string(&events)?),
                js(sealed_secret),
                js(created_by),
                num(now),
                js(page_url),
            ],
        )
    }

    /// What the notice that endpoint `endpoint` was disabled says to admin `admin`, while they
    /// are one of its organization's active admins.
    pub async fn endpoint_notice(
        &self,
        endpoint: &str,
        admin: &str,
    ) -> Result<Option<EndpointNotice>, StoreError> {
        self.first(
            "SELECT u.email, o.name AS organization, o.catalog, w.url, w.page_url, \
             COALESCE(w.failing_since, w.disabled_at, 0) AS failing_since \
             FROM webhook_endpoints w JOIN organizations o ON o.id = w.organization_id \
             JOIN users u ON u.organization_id = w.organization_id \
             WHERE w.id = ?1 AND u.id = ?2 AND u.role = 'admin' AND u.disabled = 0",
            &[js(endpoint), js(admin)],
        )
        .await
    }

    /// The active admins of the organization, by id.
    pub async fn admin_ids(&self, org: &OrganizationId) -> Result<Vec<String>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
        }
        Ok(self
            .all::<Row>(
                "SELECT id FROM users WHERE organization_id = ?1 AND role = 'admin' \
                 AND disabled = 0 ORDER BY id",
                &[js(org.as_str())],
            )
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect())
    }

    /// An endpoint's address, events and whether an admin disabled it; enabling again clears
    /// a failing run, so its next failure starts a new one.
    pub fn update_webhook_endpoint(
        &self,
        org: &OrganizationId,
        id: &str,
        (url, events, enabled): (&str, &SortedSet<EventType>, bool),
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        let events: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
        self.stmt(
            "UPDATE webhook_endpoints SET url = ?3, events = ?4, updated_at = ?5, \
             disabled_at = CASE WHEN ?6 THEN NULL ELSE COALESCE(disabled_at, ?5) END, \
             disabled_reason = CASE WHEN ?6 THEN NULL ELSE COALESCE(disabled_reason, 'admin') END, \
             failing_since = CASE WHEN ?6 THEN failing_since ELSE NULL END \
             WHERE organization_id = ?1 AND id = ?2",
            &[
                js(org.as_str()),
                js(id),
                js(url),
                js(serde_json::to_string(&events)?),
                num(now),
                js(enabled),
            ],
        )
    }

    /// A rotation: `sealed` signs from now on, the current secret signs too until it is removed.
    pub fn rotate_webhook_secret(
        &self,
        org: &OrganizationId,
        id: &str,
        sealed: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE webhook_endpoints SET previous_secret = secret, secret = ?3, updated_at = ?4 \
             WHERE organization_id = ?1 AND id = ?2",
            &[js(org.as_str()), js(id), js(sealed), num(now)],
        )
    }

    /// The end of a rotation: only the newest secret signs.
    pub fn drop_previous_webhook_secret(
        &self,
        org: &OrganizationId,
        id: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE webhook_endpoints SET previous_secret = NULL, updated_at = ?3 \
             WHERE organization_id = ?1 AND id = ?2 AND previous_secret IS NOT NULL",
            &[js(org.as_str()), js(id), num(now)],
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

    /// The endpoint's latest deliveries (newest event first), each with its attempts.
    pub async fn webhook_deliveries(
        &self,
        org: &OrganizationId,
        endpoint: &str,
        limit: u32,
    ) -> Result<Vec<DeliveryView>, StoreError> {
        let rows: Vec<DeliveryRecord> = self
            .all(
                "SELECT d.event_id, e.type, e.seq, d.status, d.created_at, \
                 (SELECT json_group_array(json_object('attempt', a.attempt, 'at', a.at, \
                   'status', a.status, 'durationMs', a.duration_ms, 'error', a.error)) \
                  FROM (SELECT * FROM webhook_attempts a WHERE a.event_id = d.event_id \
                        AND a.endpoint_id = d.endpoint_id ORDER BY a.attempt DESC) a) AS attempts \
                 FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
                 WHERE d.organization_id = ?1 AND d.endpoint_id = ?2 \
                 ORDER BY e.seq DESC LIMIT ?3",
                &[js(org.as_str()), js(endpoint), num(i64::from(limit))],
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(DeliveryView {
                    attempts: match r.attempts {
                        Some(text) => serde_json::from_str(&text)?,
                        None => Vec::new(),
                    },
                    event_id: r.event_id,
                    event_type: r.event_type,
                    seq: r.seq,
                    status: r.status,
                    created_at: r.created_at,
                })
            })
            .collect()
    }

    /// Owes event `event` to `endpoint` again, now (an admin's redelivery): `false` when the
    /// endpoint never had it.
    pub async fn redeliver(
        &self,
        org: &OrganizationId,
        endpoint: &str,
        event: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(self
            .run(
                "UPDATE webhook_deliveries SET status = 'pending', due_at = ?4 \
                 WHERE organization_id = ?1 AND endpoint_id = ?2 AND event_id = ?3",
                &[js(org.as_str()), js(endpoint), js(event), num(now)],
            )
            .await?
            > 0)
    }

    /// Claims the deliveries of `events` that are owed and due, for one attempt each: pushed
    /// `lease_ms` ahead so that no other consumer or sweep takes them meanwhile (at-least-once:
    /// should this attempt never be recorded, the sweep finds them again after the lease).
    pub async fn claim_deliveries(
        &self,
        events: &[String],
        now: i64,
        lease_ms: i64,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        let ids = serde_json::to_string(events)?;
        #[derive(Deserialize)]
        struct Key {
            event_id: String,
            endpoint_id: String,
        }
        let claimed: Vec<Key> = self
            .all(
                "UPDATE webhook_deliveries SET due_at = ?2 + ?3, attempts = attempts + 1 \
                 WHERE status = 'pending' AND due_at <= ?2 \
                 AND event_id IN (SELECT value FROM json_each(?1)) RETURNING event_id, endpoint_id",
                &[js(ids), num(now), num(lease_ms)],
            )
            .await?;
        if claimed.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<String> = claimed
            .iter()
            .map(|k| format!("{} {}", k.event_id, k.endpoint_id))
            .collect();
        self.all(
            "SELECT d.event_id, d.endpoint_id, d.organization_id, d.attempts, e.payload, w.url, \
             w.secret, w.previous_secret, w.failing_since, w.disabled_at IS NOT NULL AS disabled \
             FROM webhook_deliveries d JOIN events e ON e.id = d.event_id \
             JOIN webhook_endpoints w ON w.id = d.endpoint_id \
             WHERE d.event_id || ' ' || d.endpoint_id IN (SELECT value FROM json_each(?1)) \
             ORDER BY w.id, e.seq",
            &[js(serde_json::to_string(&keys)?)],
        )
        .await
    }

    /// Records one attempt: `retry_at` `None` when it succeeded, else when to try again
    /// (`failed`: the endpoint was disabled, nothing more is owed).
    #[allow(clippy::too_many_arguments)]
    pub async fn record_attempt(
        &self,
        delivery: &ClaimedDelivery,
        now: i64,
        status: Option<u16>,
        duration_ms: i64,
        error: Option<&str>,
        outcome: DeliveryOutcome,
    ) -> Result<(), StoreError> {
        let (event, endpoint) = (delivery.event_id.as_str(), delivery.endpoint_id.as_str());
        let status_js = status.map_or(JsValue::NULL, |s| num(i64::from(s)));
        let (state, due) = match outcome {
            DeliveryOutcome::Delivered => ("delivered", now),
            DeliveryOutcome::Retry { at_ms, .. } => ("pending", at_ms),
            DeliveryOutcome::GiveUp { .. } => ("failed", now),
        };
        let mut writes = vec![
            self.stmt(
                "INSERT OR REPLACE INTO webhook_attempts (event_id, endpoint_id, attempt, at, \
                 status, duration_ms, error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                &[
                    js(event),
                    js(endpoint),
                    num(delivery.attempts),
                    num(now),
                    status_js.clone(),
                    num(duration_ms),
                    opt(error),
                ],
            )?,
            self.stmt(
                "UPDATE webhook_deliveries SET status = ?3, due_at = ?4, last_at = ?5, \
                 last_status = ?6, last_error = ?7 WHERE event_id = ?1 AND endpoint_id = ?2",
                &[
                    js(event),
                    js(endpoint),
                    js(state),
                    num(due),
                    num(now),
                    status_js,
                    opt(error),
                ],
            )?,
        ];
        writes.push(match outcome {
            DeliveryOutcome::Delivered => self.stmt(
                "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ?1",
                &[js(endpoint)],
            )?,
            _ => self.stmt(
                "UPDATE webhook_endpoints SET failing_since = COALESCE(failing_since, ?2) \
                 WHERE id = ?1",
                &[js(endpoint), num(now)],
            )?,
        });
        self.batch(writes).await?;
        Ok(())
    }

    /// Disables an endpoint that failed for too long: its owed deliveries are given up. `true`
    /// when this call disabled it (a concurrent one finds it done).
    pub async fn disable_failing_endpoint(
        &self,
        endpoint: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let results = self
            .batch(vec![
                self.stmt(
                    "UPDATE webhook_endpoints SET disabled_at = ?2, disabled_reason = 'failing', \
                     updated_at = ?2 WHERE id = ?1 AND disabled_at IS NULL",
                    &[js(endpoint), num(now)],
                )?,
                self.stmt(
                    "UPDATE webhook_deliveries SET status = 'failed', last_error = \
                     COALESCE(last_error, 'endpoint disabled') \
                     WHERE endpoint_id = ?1 AND status = 'pending' AND changes() > 0",
                    &[js(endpoint)],
                )?,
            ])
            .await?;
        Ok(results.first().is_some_and(super::written))
    }

    /// Events with a delivery still owed past `before` (its queue message lost, or a retry
    /// past the queue's longest delay), oldest first.
    pub async fn overdue_events(&self, before: i64, limit: u32) -> Result<Vec<String>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            event_id: String,
        }
        Ok(self
            .all::<Row>(
                "SELECT event_id FROM webhook_deliveries WHERE status = 'pending' \
                 AND due_at <= ?1 GROUP BY event_id ORDER BY MIN(due_at) LIMIT ?2",
                &[num(before), num(i64::from(limit))],
            )
            .await?
            .into_iter()
            .map(|r| r.event_id)
            .collect())
    }
}
