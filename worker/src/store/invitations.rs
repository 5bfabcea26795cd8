//! Invitations in D1, their tokens in KV.

use super::StoreError;
use super::{internal, js, num, opt, Store};
use livechat_access::{Access, Email, OrganizationId, Profile, Role};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

/// A stored invitation.
#[derive(Debug, Clone, Deserialize)]
pub struct InvitationRow {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub access: String,
    pub status: String,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub user_id: Option<String>,
    pub delivery: String,
    pub delivery_error: Option<String>,
    pub delivery_attempts: i64,
    pub delivery_at: Option<i64>,
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum InvitationStatus {
    /// Its link works.
    Pending,
    /// The account exists.
    Accepted,
    /// Withdrawn.
    Revoked,
    /// Past its expiry.
    Expired,
}

/// An invitation as the API shows it (never the token).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Invitation))]
#[serde(rename_all = "camelCase")]
pub struct InvitationView {
    pub id: String,
    /// The invited address.
    pub email: String,
    /// The access the invitee gets.
    #[serde(flatten)]
    pub access: Access,
    pub status: InvitationStatus,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub user_id: Option<String>,
    /// Its latest link's email.
    pub delivery: Delivery,
}

/// Where the email of an invitation's latest link stands.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// `none` (made before email), `queued`, `sending`, `sent` or `failed`.
    pub status: DeliveryStatus,
    /// The sender's reason, when the last try failed.
    pub error: Option<String>,
    /// Tries so far.
    pub attempts: i64,
    /// When it last changed (ms since the epoch).
    pub at: Option<i64>,
}

/// Where an email stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Made before invitations were emailed.
    None,
    /// In the outbox (also between tries).
    Queued,
    /// Being sent.
    Sending,
    /// Accepted by the sender.
    Sent,
    /// Refused on every try, or never queued: resend it.
    Failed,
}

impl DeliveryStatus {
    fn parse(name: &str) -> DeliveryStatus {
        match name {
            "queued" => DeliveryStatus::Queued,
            "sending" => DeliveryStatus::Sending,
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::None,
        }
    }
}

impl InvitationRow {
    pub fn access(&self) -> Result<Access, StoreError> {
        serde_json::from_str(&self.access).map_err(internal)
    }

    /// Its status now: a pending invitation past its expiry is expired.
    pub fn status_at(&self, now: i64) -> InvitationStatus {
        match self.status.as_str() {
            "pending" if self.expires_at <= now => InvitationStatus::Expired,
            "pending" => InvitationStatus::Pending,
            "accepted" => InvitationStatus::Accepted,
            "revoked" => InvitationStatus::Revoked,
            _ => InvitationStatus::Expired,
        }
    }

    pub fn view(&self, now: i64) -> Result<InvitationView, StoreError> {
        Ok(InvitationView {
            id: self.id.clone(),
            email: self.email.clone(),
            access: self.access()?,
            status: self.status_at(now),
            invited_by: self.invited_by.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            accepted_at: self.accepted_at,
            user_id: self.user_id.clone(),
            delivery: Delivery {
                status: DeliveryStatus::parse(&self.delivery),
                error: self.delivery_error.clone(),
                attempts: self.delivery_attempts,
                at: self.delivery_at,
            },
        })
    }
}

/// An email owed, as the outbox's consumer claims and records it.
#[derive(Debug, Clone, Copy)]
pub enum Owed<'a> {
    /// The email of an invitation's link `delivery`.
    Invitation { id: &'a str, delivery: &'a str },
    /// A reset link's email.
    Reset { id: &'a str, now: i64 },
}

impl Owed<'_> {
    /// The id its Message-ID is made of: the link's delivery, or the reset link's id.
    pub fn message_id(&self) -> &str {
        match self {
            Owed::Invitation { delivery, .. } => delivery,
            Owed::Reset { id, .. } => id,
        }
    }

    fn id(&self) -> &str {
        match self {
            Owed::Invitation { id, .. } | Owed::Reset { id, .. } => id,
        }
    }

    /// Bound as `?2`: the link's delivery, or the time a reset link must outlive.
    fn delivery(&self) -> String {
        match self {
            Owed::Invitation { delivery, .. } => (*delivery).to_owned(),
            Owed::Reset { now, .. } => now.to_string(),
        }
    }

    /// Its table, and when it is still wanted.
    fn table(&self) -> (&'static str, &'static str) {
        match self {
            Owed::Invitation { .. } => ("invitations", "delivery_id = ?2 AND status = 'pending'"),
            Owed::Reset { .. } => (
                "password_resets",
                "used_at IS NULL AND expires_at > CAST(?2 AS INTEGER)",
            ),
        }
    }
}

/// What the outbox's consumer needs to write an invitation's email.
#[derive(Debug, Deserialize)]
pub struct InvitationMailRow {
    pub email: String,
    pub role: String,
    pub expires_at: i64,
    pub organization: String,
    pub catalog: String,
    pub inviter_email: Option<String>,
    pub inviter_profile: Option<String>,
    /// The organization requires single sign-on (the email asks for no password).
    pub sso_required: i64,
}

impl InvitationMailRow {
    /// The inviter as the invitee knows them: their name, else pseudonym, else address; `None`
    /// for the platform operator.
    pub fn inviter_name(&self) -> Option<String> {
        let profile: Option<Profile> = self
            .inviter_profile
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok());
        let name = profile.and_then(|p| {
            let full = [p.first_name, p.last_name]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            Some(full).filter(|f| !f.is_empty()).or(p.pseudonym)
        });
        name.or_else(|| self.inviter_email.clone())
    }
}

const INVITATION_COLUMNS: &str =
    "id, organization_id, email, access, status, invited_by, created_at, expires_at, accepted_at, user_id, \
     delivery, delivery_error, delivery_attempts, delivery_at";

impl Store {
    /// Which of these address keys belong to members, and which have a live invitation.
    pub async fn known_emails(
        &self,
        org: &OrganizationId,
        keys: &[String],
        now: i64,
    ) -> Result<Vec<(String, String)>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            kind: String,
            email_key: String,
        }
        // One JSON parameter instead of one per address: D1 caps bound parameters at 100.
        let keys = serde_json::to_string(keys)?;
        let rows: Vec<Row> = self
            .all(
                "SELECT 'member' AS kind, email_key FROM users WHERE organization_id = ?3 \
                 AND email_key IN (SELECT value FROM json_each(?1)) \
                 UNION ALL SELECT 'invited', email_key FROM invitations WHERE organization_id = ?3 \
                 AND status = 'pending' AND expires_at > ?2 AND email_key IN (SELECT value FROM json_each(?1))",
                &[js(keys), num(now), js(org.as_str())],
            )
            .await?;
        Ok(rows.into_iter().map(|r| (r.kind, r.email_key)).collect())
    }

    /// An invitation by id alone (the outbox's consumer and the sweep, outside any request).
    pub async fn invitation_by_id(&self, id: &str) -> Result<Option<InvitationRow>, StoreError> {
        self.first(
            &format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = ?1"),
            &[js(id)],
        )
        .await
    }

    /// Invitations whose link died unused and whose expiry is not published yet, oldest first.
    pub async fn unnoted_expiries(
        &self,
        now: i64,
        limit: u32,
    ) -> Result<Vec<InvitationRow>, StoreError> {
        self.all(
            &format!(
                "SELECT {INVITATION_COLUMNS} FROM invitations WHERE expiry_noted_at IS NULL \
                 AND status IN ('pending', 'expired') AND expires_at <= ?1 \
                 ORDER BY expires_at LIMIT ?2"
            ),
            &[num(now), num(i64::from(limit))],
        )
        .await
    }

    /// Notes that invitation `row` expired: audited and published (`invitation.expired`) once.
    pub async fn note_expiry(&self, row: &InvitationRow, now: i64) -> Result<(), StoreError> {
        let mut writes = vec![self.stmt(
            "UPDATE invitations SET expiry_noted_at = ?2 WHERE id = ?1 AND expiry_noted_at IS NULL \
             AND status IN ('pending', 'expired') AND expires_at <= ?2",
            &[js(row.id.as_str()), num(now)],
        )?];
        writes.extend(self.audit_by_platform(row, "expired", now)?);
        self.batch(writes).await?;
        Ok(())
    }

    /// The audit entry (and events) of what happened to invitation `row` by no one's hand (time,
    /// the mail sender), right after the write that records it.
    fn audit_by_platform(
        &self,
        row: &InvitationRow,
        action: &str,
        now: i64,
    ) -> Result<Vec<D1PreparedStatement>, StoreError> {
        self.audit(
            &OrganizationId::new(&row.organization_id),
            now,
            None,
            action,
            (Some(&row.id), Some(&row.email)),
            None,
            Some(&row.access()?),
        )
    }

    /// Marks pending invitations past their expiry as expired, so the address can be invited
    /// again.
    pub fn expire_invitations(
        &self,
        org: &OrganizationId,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE invitations SET status = 'expired' WHERE organization_id = ?2 \
             AND status = 'pending' AND expires_at <= ?1",
            &[num(now), js(org.as_str())],
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_invitation(
        &self,
        organization: &OrganizationId,
        id: &str,
        email: &Email,
        access: &Access,
        digest: &str,
        invited_by: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        // The delivery is named after the token's digest: a new link, a new delivery.
        self.stmt(
            "INSERT INTO invitations (id, email, email_key, role, access, token_hash, invited_by, \
             created_at, expires_at, organization_id, delivery, delivery_id, delivery_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', ?6, ?8) \
             ON CONFLICT DO NOTHING",
            &[
                js(id),
                js(email.as_str()),
                js(email.key()),
                js(access.role.as_str()),
                js(serde_json::to_string(access)?),
                js(digest),
                js(invited_by),
                num(now),
                num(expires_at),
                js(organization.as_str()),
            ],
        )
    }

    /// The invitation `id` of the organization; another organization's is `None`.
    pub async fn invitation(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<InvitationRow>, StoreError> {
        self.first(
            &format!(
                "SELECT {INVITATION_COLUMNS} FROM invitations WHERE organization_id = ?1 AND id = ?2"
            ),
            &[js(org.as_str()), js(id)],
        )
        .await
    }

    /// The invitation behind a token. KV answers first (and forgets expired tokens by itself);
    /// D1 is asked either way, since KV may lag behind a revocation or a new token.
    pub async fn invitation_by_token(
        &self,
        digest: &str,
    ) -> Result<Option<InvitationRow>, StoreError> {
        let cached_id = self
            .kv
            .get(&kv_key(digest))
            .text()
            .await
            .map_err(internal)?;
        let sql = format!(
            "SELECT {INVITATION_COLUMNS} FROM invitations WHERE token_hash = ?1 AND (?2 IS NULL OR id = ?2)"
        );
        self.first(&sql, &[js(digest), opt(cached_id.as_deref())])
            .await
    }

    pub async fn invitations(
        &self,
        org: &OrganizationId,
        roles: &[Role],
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<InvitationRow>, StoreError> {
        let roles = serde_json::to_string(&roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())?;
        self.all(
            &format!(
                "SELECT {INVITATION_COLUMNS} FROM invitations WHERE organization_id = ?4 \
                 AND role IN (SELECT value FROM json_each(?1)) \
                 AND (?2 IS NULL OR created_at < ?2) ORDER BY created_at DESC, id LIMIT ?3"
            ),
            &[
                js(roles),
                before.map_or(JsValue::NULL, num),
                num(i64::from(limit)),
                js(org.as_str()),
            ],
        )
        .await
    }

    pub async fn remember_token(
        &self,
        digest: &str,
        id: &str,
        ttl_s: u64,
    ) -> Result<(), StoreError> {
        // KV's smallest TTL is 60 s.
        self.kv
            .put(&kv_key(digest), id)
            .map_err(internal)?
            .expiration_ttl(ttl_s.max(60))
            .execute()
            .await
            .map_err(internal)
    }

    pub async fn forget_token(&self, digest: &str) -> Result<(), StoreError> {
        self.kv.delete(&kv_key(digest)).await.map_err(internal)
    }

    pub async fn token_digest_of(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            token_hash: String,
        }
        Ok(self
            .first::<Row>(
                "SELECT token_hash FROM invitations WHERE organization_id = ?1 AND id = ?2",
                &[js(org.as_str()), js(id)],
            )
            .await?
            .map(|r| r.token_hash))
    }

    pub fn revoke_invitation(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE invitations SET status = 'revoked' WHERE id = ?1 AND organization_id = ?2 \
             AND status = 'pending'",
            &[js(id), js(org.as_str())],
        )
    }

    pub fn renew_invitation(
        &self,
        org: &OrganizationId,
        id: &str,
        digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE invitations SET token_hash = ?2, created_at = ?3, expires_at = ?4, \
             delivery = 'queued', delivery_id = ?2, delivery_error = NULL, delivery_attempts = 0, delivery_at = ?3 \
             WHERE id = ?1 AND organization_id = ?5 AND status = 'pending'",
            &[
                js(id),
                js(digest),
                num(now),
                num(expires_at),
                js(org.as_str()),
            ],
        )
    }

    /// The user an accepted invitation creates: inserted only while the invitation is still
    /// pending and unexpired, so of two concurrent accepts exactly one creates a user.
    pub fn insert_invited_user(
        &self,
        invitation_id: &str,
        user_id: &str,
        password_hash: &str,
        profile: &Profile,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO users (id, email, email_key, password_hash, role, access, profile, created_at, updated_at, \
             organization_id) SELECT ?2, email, email_key, ?3, role, access, ?4, ?5, ?5, organization_id FROM invitations \
             WHERE id = ?1 AND status = 'pending' AND expires_at > ?5",
            &[js(invitation_id), js(user_id), js(password_hash), js(serde_json::to_string(profile)?), num(now)],
        )
    }

    pub fn mark_accepted(
        &self,
        invitation_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE invitations SET status = 'accepted', accepted_at = ?3, user_id = ?2 \
             WHERE id = ?1 AND status = 'pending' AND EXISTS (SELECT 1 FROM users WHERE id = ?2)",
            &[js(invitation_id), js(user_id), num(now)],
        )
    }
}

impl Store {
    /// Takes an email for one try: only while it is owed (queued, or stuck sending for a minute)
    /// and still wanted (the invitation pending with this link, the reset link unused and alive).
    /// The number of this try, or `None` when there is nothing to send.
    pub async fn claim_delivery(
        &self,
        owed: Owed<'_>,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            delivery_attempts: i64,
        }
        let (table, wanted) = owed.table();
        Ok(self
            .first::<Row>(
                &format!(
                    "UPDATE {table} SET delivery = 'sending', delivery_attempts = delivery_attempts + 1, \
                     delivery_at = ?3 WHERE id = ?1 AND {wanted} \
                     AND (delivery = 'queued' OR (delivery = 'sending' AND delivery_at < ?3 - 60000)) \
                     RETURNING delivery_attempts"
                ),
                &[js(owed.id()), js(owed.delivery()), num(now)],
            )
            .await?
            .map(|r| r.delivery_attempts))
    }

    /// Records how a try went: sent, or the sender's reason and whether it was the last try.
    pub async fn record_delivery(
        &self,
        owed: Owed<'_>,
        outcome: Result<(), (&str, bool)>,
        now: i64,
    ) -> Result<(), StoreError> {
        let (status, error) = match outcome {
            Ok(()) => ("sent", None),
            Err((error, true)) => ("failed", Some(error)),
            Err((error, false)) => ("queued", Some(error)),
        };
        match owed {
            Owed::Invitation { .. } => {
                let mut writes = vec![self.stmt(
                    "UPDATE invitations SET delivery = ?3, delivery_error = ?4, delivery_at = ?5 \
                     WHERE id = ?1 AND delivery_id = ?2",
                    &[
                        js(owed.id()),
                        js(owed.delivery()),
                        js(status),
                        opt(error),
                        num(now),
                    ],
                )?];
                // The last try failed: audited and published (`invitation.delivery_failed`).
                if status == "failed" {
                    if let Some(row) = self.invitation_by_id(owed.id()).await? {
                        writes.extend(self.audit_by_platform(&row, "delivery_failed", now)?);
                    }
                }
                self.batch(writes).await?;
                0
            }
            Owed::Reset { .. } => {
                self.run(
                    "UPDATE password_resets SET delivery = ?2, delivery_at = ?3 WHERE id = ?1",
                    &[js(owed.id()), js(status), num(now)],
                )
                .await?
            }
        };
        Ok(())
    }

    /// Marks deliveries that never reached the outbox as failed, with why, so they can be resent.
    pub async fn outbox_refused(
        &self,
        deliveries: &[&str],
        error: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        self.run(
            "UPDATE invitations SET delivery = 'failed', delivery_error = ?2, delivery_at = ?3 \
             WHERE delivery_id IN (SELECT value FROM json_each(?1))",
            &[js(serde_json::to_string(deliveries)?), js(error), num(now)],
        )
        .await?;
        Ok(())
    }

    /// What an invitation's email says, read when it is sent.
    pub async fn invitation_mail(&self, id: &str) -> Result<Option<InvitationMailRow>, StoreError> {
        self.first(
            "SELECT i.email, i.role, i.expires_at, o.name AS organization, o.catalog, \
             u.email AS inviter_email, u.profile AS inviter_profile, o.sso_required \
             FROM invitations i JOIN organizations o ON o.id = i.organization_id \
             LEFT JOIN users u ON u.id = i.invited_by AND u.organization_id = i.organization_id \
             WHERE i.id = ?1",
            &[js(id)],
        )
        .await
    }
}

fn kv_key(digest: &str) -> String {
    format!("invite:{digest}")
}
