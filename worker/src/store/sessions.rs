//! Sessions and the sign-in failure counters.

use super::users::{UserRow, USER_COLUMNS};
use super::StoreError;
use super::{js, num, opt, Store};
use livechat_access::Failures;
use serde::Deserialize;
use worker::D1PreparedStatement;

impl Store {
    /// A new session; `sso`: the provider it came through, and whether its ID token showed a
    /// second factor.
    pub fn insert_session(
        &self,
        digest: &str,
        user: &UserRow,
        (now, expires_at): (i64, i64),
        sso: Option<(&str, bool)>,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO sessions (token_hash, user_id, epoch, created_at, expires_at, organization_id, \
             sso_provider_id, sso_second_factor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            &[js(digest), js(user.id.as_str()), num(user.session_epoch), num(now), num(expires_at),
              js(user.organization_id.as_str()), opt(sso.map(|s| s.0)),
              num(i64::from(sso.is_some_and(|s| s.1)))],
        )
    }

    /// The user behind a live session: unexpired, same epoch, account enabled, organization in
    /// service; with the organization's catalog, and whether they have a second factor (here, or
    /// shown by the provider the session came through). Read from D1 on every request, so a
    /// revocation takes effect at once.
    pub async fn session_user(
        &self,
        digest: &str,
        now: i64,
    ) -> Result<Option<UserRow>, StoreError> {
        self.first(
            &format!(
                "SELECT {USER_COLUMNS}, \
                 (SELECT o.catalog FROM organizations o WHERE o.id = users.organization_id) AS catalog, \
                 (SELECT o.catalog_version FROM organizations o WHERE o.id = users.organization_id) \
                 AS catalog_version, \
                 (SELECT o.access_version FROM organizations o WHERE o.id = users.organization_id) \
                 AS access_version, \
                 (SELECT o.second_factor_policy FROM organizations o WHERE o.id = users.organization_id) \
                 AS second_factor_policy, \
                 (live.sso_second_factor = 1 \
                  OR EXISTS (SELECT 1 FROM totp_factors t WHERE t.user_id = users.id AND t.confirmed_at IS NOT NULL) \
                  OR EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = users.id)) \
                 AS has_factor \
                 FROM users JOIN (SELECT s.user_id AS session_user, s.sso_second_factor FROM sessions s \
                 JOIN users u ON u.id = s.user_id JOIN organizations o ON o.id = u.organization_id \
                 WHERE s.token_hash = ?1 AND s.expires_at > ?2 \
                 AND s.epoch = u.session_epoch AND u.disabled = 0 AND o.status = 'active') AS live \
                 ON users.id = live.session_user"
            ),
            &[js(digest), num(now)],
        )
        .await
    }

    /// Ends one session; the person goes offline with their last one (presence lasts no longer
    /// than a session: `Presence::while_signed_in`), in the same transaction.
    pub async fn end_session(
        &self,
        digest: &str,
        user_id: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        #[derive(serde::Deserialize)]
        struct Ended {
            sso_provider_id: Option<String>,
        }
        let writes = vec![
            self.stmt(
                "DELETE FROM sessions WHERE token_hash = ?1 RETURNING sso_provider_id",
                &[js(digest)],
            )?,
            self.stmt(
                &format!(
                    "UPDATE users SET presence = 'offline', updated_at = ?2 \
                     WHERE id = ?1 AND presence <> 'offline' AND NOT {}",
                    super::users::signed_in(2)
                ),
                &[js(user_id), num(now)],
            )?,
        ];
        let results = self.batch(writes).await?;
        let ended = match results.first() {
            Some(r) => r.results::<Ended>()?,
            None => Vec::new(),
        };
        Ok(ended.into_iter().find_map(|e| e.sso_provider_id))
    }

    // ---- sign-in failures

    pub async fn failures(&self, key: &str) -> Result<Failures, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            count: u32,
            window_start: i64,
        }
        Ok(self
            .first::<Row>(
                "SELECT count, window_start FROM login_failures WHERE key = ?1",
                &[js(key)],
            )
            .await?
            .map_or_else(Failures::default, |r| Failures {
                count: r.count,
                window_start: r.window_start,
            }))
    }

    pub fn record_failure(
        &self,
        key: &str,
        failures: Failures,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO login_failures (key, count, window_start) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO UPDATE SET count = excluded.count, window_start = excluded.window_start",
            &[js(key), num(i64::from(failures.count)), num(failures.window_start)],
        )
    }

    pub async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        self.run("DELETE FROM login_failures WHERE key = ?1", &[js(key)])
            .await?;
        Ok(())
    }
}
