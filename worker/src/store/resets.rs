//! Password reset links: single use, 30 minutes, their tokens stored only as digests.

use super::StoreError;
use super::{js, num, Store};
use livechat_access::OrganizationId;
use serde::Deserialize;
use worker::D1PreparedStatement;

/// A live reset link.
#[derive(Debug, Deserialize)]
pub struct ResetRow {
    pub id: String,
    pub organization_id: String,
    pub user_id: String,
}

/// What the outbox's consumer needs to write a reset email.
#[derive(Debug, Deserialize)]
pub struct ResetMailRow {
    pub email: String,
    pub role: String,
    pub organization: String,
    pub catalog: String,
    pub expires_at: i64,
    /// The person's own language (SCIM `locale`), if their identity provider said.
    #[serde(default)]
    pub locale: Option<String>,
}

impl ResetMailRow {
    /// The language to write to the person in: theirs when their identity provider gave one in
    /// French or English, else their organization's.
    pub fn locale(&self) -> Result<livechat_access::Locale, StoreError> {
        Ok(livechat_access::Locale::for_person(
            self.locale.as_deref(),
            super::CatalogAt::parse(&self.catalog, 0)?.catalog.locale(),
        ))
    }
}

impl Store {
    pub fn insert_reset(
        &self,
        id: &str,
        org: &OrganizationId,
        user_id: &str,
        digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO password_resets (id, organization_id, user_id, token_hash, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[js(id), js(org.as_str()), js(user_id), js(digest), num(now), num(expires_at)],
        )
    }

    /// The unused, unexpired link behind a token digest, of an enabled account.
    pub async fn live_reset(&self, digest: &str, now: i64) -> Result<Option<ResetRow>, StoreError> {
        self.first(
            "SELECT r.id, r.organization_id, r.user_id FROM password_resets r \
             JOIN users u ON u.id = r.user_id AND u.organization_id = r.organization_id \
             WHERE r.token_hash = ?1 AND r.used_at IS NULL AND r.expires_at > ?2 AND u.disabled = 0",
            &[js(digest), num(now)],
        )
        .await
    }

    /// Uses the link: only once, only while it lives; with it, every other link of the account dies.
    pub fn use_reset(&self, reset: &ResetRow, now: i64) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE password_resets SET used_at = ?2 WHERE user_id = ?3 AND used_at IS NULL \
             AND expires_at > ?2 AND EXISTS (SELECT 1 FROM password_resets WHERE id = ?1 \
             AND used_at IS NULL AND expires_at > ?2)",
            &[js(reset.id.as_str()), num(now), js(reset.user_id.as_str())],
        )
    }

    /// A new password for an account; every session of it ends (the epoch moves on).
    pub fn set_password(
        &self,
        org: &OrganizationId,
        user_id: &str,
        hash: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE users SET password_hash = ?3, session_epoch = session_epoch + 1, updated_at = ?4 \
             WHERE id = ?2 AND organization_id = ?1",
            &[js(org.as_str()), js(user_id), js(hash), num(now)],
        )
    }

    /// What a reset email says, while its link lives.
    pub async fn reset_mail(&self, id: &str, now: i64) -> Result<Option<ResetMailRow>, StoreError> {
        self.first(
            "SELECT u.email, u.role, u.locale, o.name AS organization, o.catalog, r.expires_at \
             FROM password_resets r \
             JOIN users u ON u.id = r.user_id JOIN organizations o ON o.id = r.organization_id \
             WHERE r.id = ?1 AND r.used_at IS NULL AND r.expires_at > ?2",
            &[js(id), num(now)],
        )
        .await
    }
}
