//! Second factors: authenticator apps (TOTP), passkeys, recovery codes, the organization's
//! policy, and the sign-in challenges between a right password and the second step. Every
//! one-time use is a guarded UPDATE, so two requests racing with one code cannot both pass.

use super::StoreError;
use super::{js, num, opt, Store};
use livechat_access::{Factors, OrganizationId, SecondFactorPolicy};
use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

/// A person's authenticator app.
#[derive(Debug, Clone, Deserialize)]
pub struct TotpRow {
    pub secret: String,
    pub confirmed_at: Option<i64>,
    pub last_step: Option<i64>,
}

/// A passkey as its owner sees it in the list.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = Passkey, rename_all = "camelCase")
)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct PasskeyView {
    /// The credential id (base64url).
    pub id: String,
    /// What its owner called it.
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// A passkey with what its verification needs.
#[derive(Debug, Clone, Deserialize)]
pub struct PasskeyRow {
    pub id: String,
    pub user_id: String,
    pub credential: String,
    pub sign_count: i64,
}

/// A sign-in challenge, live.
#[derive(Debug, Clone, Deserialize)]
pub struct ChallengeRow {
    pub digest: String,
    pub organization_id: String,
    pub user_id: Option<String>,
    pub purpose: String,
    pub state: Option<String>,
    /// The provider whose sign-in this second step follows.
    pub sso_provider_id: Option<String>,
}

/// How many wrong second steps a challenge survives.
pub const CHALLENGE_ATTEMPTS: i64 = 5;

/// How many secrets one key sealed, as D1 counts them.
#[derive(Deserialize)]
pub struct SealedRow {
    pub key: String,
    pub count: u32,
}

/// A secret to seal again.
#[derive(Deserialize)]
pub struct StaleSecret {
    pub organization_id: String,
    pub user_id: String,
    pub secret: String,
}

impl Store {
    /// The organization's second-factor policy.
    pub async fn second_factor_policy(
        &self,
        org: &OrganizationId,
    ) -> Result<SecondFactorPolicy, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            second_factor_policy: String,
        }
        Ok(self
            .first::<Row>(
                "SELECT second_factor_policy FROM organizations WHERE id = ?1",
                &[js(org.as_str())],
            )
            .await?
            .and_then(|r| SecondFactorPolicy::parse(&r.second_factor_policy))
            .unwrap_or_default())
    }

    pub fn set_second_factor_policy(
        &self,
        org: &OrganizationId,
        policy: SecondFactorPolicy,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE organizations SET second_factor_policy = ?2 WHERE id = ?1",
            &[js(org.as_str()), js(policy.as_str())],
        )
    }

    /// Which factors a person has, and how many recovery codes are left.
    pub async fn factors(
        &self,
        org: &OrganizationId,
        user: &str,
    ) -> Result<(Factors, u32), StoreError> {
        #[derive(Deserialize)]
        struct Row {
            totp: i64,
            passkeys: u32,
            recovery: u32,
        }
        let row = self
            .first::<Row>(
                "SELECT \
                 (SELECT COUNT(*) FROM totp_factors WHERE user_id = ?2 AND organization_id = ?1 \
                   AND confirmed_at IS NOT NULL) AS totp, \
                 (SELECT COUNT(*) FROM passkeys WHERE user_id = ?2 AND organization_id = ?1) AS passkeys, \
                 (SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?2 AND organization_id = ?1 \
                   AND used_at IS NULL) AS recovery",
                &[js(org.as_str()), js(user)],
            )
            .await?;
        Ok(row.map_or((Factors::default(), 0), |r| {
            (
                Factors {
                    totp: r.totp > 0,
                    passkeys: r.passkeys,
                },
                r.recovery,
            )
        }))
    }

    // ---- authenticator apps

    /// How many authenticator secrets each key sealed (the id before the first `.`), over every
    /// organization.
    pub async fn sealed_counts(&self) -> Result<Vec<SealedRow>, StoreError> {
        self.all(
            "SELECT substr(secret, 1, instr(secret, '.') - 1) AS key, COUNT(*) AS count \
             FROM totp_factors GROUP BY key ORDER BY key",
            &[],
        )
        .await
    }

    /// Secrets some key other than `newest` sealed, at most `limit`.
    pub async fn stale_secrets(
        &self,
        newest: &str,
        limit: u32,
    ) -> Result<Vec<StaleSecret>, StoreError> {
        self.all(
            "SELECT organization_id, user_id, secret FROM totp_factors \
             WHERE substr(secret, 1, instr(secret, '.') - 1) <> ?1 LIMIT ?2",
            &[js(newest), num(i64::from(limit))],
        )
        .await
    }

    /// Replaces a sealed secret by the same secret sealed with the newest key, if nobody changed
    /// it meanwhile.
    pub async fn reseal_totp(
        &self,
        org: &OrganizationId,
        user: &str,
        before: &str,
        after: &str,
    ) -> Result<(), StoreError> {
        self.run(
            "UPDATE totp_factors SET secret = ?4 WHERE organization_id = ?1 AND user_id = ?2 AND secret = ?3",
            &[js(org.as_str()), js(user), js(before), js(after)],
        )
        .await?;
        Ok(())
    }

    pub async fn totp(
        &self,
        org: &OrganizationId,
        user: &str,
    ) -> Result<Option<TotpRow>, StoreError> {
        self.first(
            "SELECT secret, confirmed_at, last_step FROM totp_factors \
             WHERE user_id = ?2 AND organization_id = ?1",
            &[js(org.as_str()), js(user)],
        )
        .await
    }

    /// A new secret awaiting its first code (replacing an unconfirmed one, never a confirmed one).
    pub fn put_pending_totp(
        &self,
        org: &OrganizationId,
        user: &str,
        secret: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO totp_factors (user_id, organization_id, secret, created_at) \
             VALUES (?2, ?1, ?3, ?4) \
             ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, \
             created_at = excluded.created_at, last_step = NULL WHERE confirmed_at IS NULL",
            &[js(org.as_str()), js(user), js(secret), num(now)],
        )
    }

    /// Records that a code of `step` was used (confirming the app on its first one), only when it
    /// is later than the last: `changes` is 0 for a replay, even a concurrent one.
    pub fn use_totp_step(
        &self,
        org: &OrganizationId,
        user: &str,
        step: i64,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE totp_factors SET last_step = ?3, confirmed_at = COALESCE(confirmed_at, ?4) \
             WHERE user_id = ?2 AND organization_id = ?1 AND (last_step IS NULL OR last_step < ?3)",
            &[js(org.as_str()), js(user), num(step), num(now)],
        )
    }

    pub fn delete_totp(
        &self,
        org: &OrganizationId,
        user: &str,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "DELETE FROM totp_factors WHERE user_id = ?2 AND organization_id = ?1",
            &[js(org.as_str()), js(user)],
        )
    }

    // ---- recovery codes

    /// Replaces a person's recovery codes by these digests.
    pub fn replace_recovery_codes(
        &self,
        org: &OrganizationId,
        user: &str,
        digests: &[String],
        now: i64,
    ) -> Result<Vec<D1PreparedStatement>, StoreError> {
        let mut writes = vec![self.delete_recovery_codes(org, user)?];
        for digest in digests {
            writes.push(self.stmt(
                "INSERT INTO recovery_codes (digest, user_id, organization_id, created_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                &[js(digest.as_str()), js(user), js(org.as_str()), num(now)],
            )?);
        }
        Ok(writes)
    }

    pub fn delete_recovery_codes(
        &self,
        org: &OrganizationId,
        user: &str,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "DELETE FROM recovery_codes WHERE user_id = ?2 AND organization_id = ?1",
            &[js(org.as_str()), js(user)],
        )
    }

    /// Uses a recovery code: `changes` is 1 the first time, 0 after (or for another's code).
    pub fn use_recovery_code(
        &self,
        org: &OrganizationId,
        user: &str,
        digest: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE recovery_codes SET used_at = ?4 \
             WHERE digest = ?3 AND user_id = ?2 AND organization_id = ?1 AND used_at IS NULL",
            &[js(org.as_str()), js(user), js(digest), num(now)],
        )
    }

    // ---- passkeys

    pub async fn passkeys(
        &self,
        org: &OrganizationId,
        user: &str,
    ) -> Result<Vec<PasskeyView>, StoreError> {
        self.all(
            "SELECT id, name, created_at, last_used_at FROM passkeys \
             WHERE user_id = ?2 AND organization_id = ?1 ORDER BY created_at",
            &[js(org.as_str()), js(user)],
        )
        .await
    }

    /// The passkeys a verification may use: the person's, or (`None`) any of the organization's.
    pub async fn passkey(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<PasskeyRow>, StoreError> {
        self.first(
            "SELECT id, user_id, credential, sign_count FROM passkeys \
             WHERE id = ?2 AND organization_id = ?1",
            &[js(org.as_str()), js(id)],
        )
        .await
    }

    pub async fn passkey_ids(
        &self,
        org: &OrganizationId,
        user: &str,
    ) -> Result<Vec<String>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT id FROM passkeys WHERE user_id = ?2 AND organization_id = ?1",
                &[js(org.as_str()), js(user)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    pub fn insert_passkey(
        &self,
        org: &OrganizationId,
        user: &str,
        (id, name, credential, sign_count): (&str, &str, &str, i64),
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO passkeys (id, user_id, organization_id, name, credential, created_at, \
             sign_count) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                js(id),
                js(user),
                js(org.as_str()),
                js(name),
                js(credential),
                num(now),
                num(sign_count),
            ],
        )
    }

    /// Records a passkey's use: its new counter and state, only when the counter moved on from
    /// the one read (`changes` 0: a replayed or cloned assertion raced this one).
    pub fn use_passkey(
        &self,
        org: &OrganizationId,
        id: &str,
        (credential, previous_count): (&str, i64),
        sign_count: i64,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE passkeys SET credential = ?3, sign_count = ?5, last_used_at = ?6 \
             WHERE id = ?2 AND organization_id = ?1 AND sign_count = ?4",
            &[
                js(org.as_str()),
                js(id),
                js(credential),
                num(previous_count),
                num(sign_count),
                num(now),
            ],
        )
    }

    pub fn rename_passkey(
        &self,
        org: &OrganizationId,
        user: &str,
        id: &str,
        name: &str,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE passkeys SET name = ?4 WHERE id = ?3 AND user_id = ?2 AND organization_id = ?1",
            &[js(org.as_str()), js(user), js(id), js(name)],
        )
    }

    pub fn delete_passkey(
        &self,
        org: &OrganizationId,
        user: &str,
        id: &str,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "DELETE FROM passkeys WHERE id = ?3 AND user_id = ?2 AND organization_id = ?1",
            &[js(org.as_str()), js(user), js(id)],
        )
    }

    /// Every factor of a person gone, and every session of theirs ended.
    pub fn reset_factors(
        &self,
        org: &OrganizationId,
        user: &str,
        now: i64,
    ) -> Result<Vec<D1PreparedStatement>, StoreError> {
        Ok(vec![
            self.delete_totp(org, user)?,
            self.delete_recovery_codes(org, user)?,
            self.stmt(
                "DELETE FROM passkeys WHERE user_id = ?2 AND organization_id = ?1",
                &[js(org.as_str()), js(user)],
            )?,
            self.stmt(
                "UPDATE users SET session_epoch = session_epoch + 1, updated_at = ?3 \
                 WHERE id = ?2 AND organization_id = ?1",
                &[js(org.as_str()), js(user), num(now)],
            )?,
        ])
    }

    // ---- sign-in challenges

    pub fn insert_challenge(
        &self,
        digest: &str,
        org: &OrganizationId,
        user: Option<&str>,
        (purpose, state): (&str, Option<&str>),
        via: Option<&str>,
        expires_at: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "INSERT INTO sign_in_challenges (digest, organization_id, user_id, purpose, state, \
             sso_provider_id, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                js(digest),
                js(org.as_str()),
                opt(user),
                js(purpose),
                opt(state),
                opt(via),
                num(expires_at),
            ],
        )
    }

    /// A challenge that is live: unexpired, unused, with attempts left.
    pub async fn challenge(
        &self,
        digest: &str,
        now: i64,
    ) -> Result<Option<ChallengeRow>, StoreError> {
        self.first(
            "SELECT digest, organization_id, user_id, purpose, state, sso_provider_id \
             FROM sign_in_challenges \
             WHERE digest = ?1 AND expires_at > ?2 AND used_at IS NULL AND attempts < ?3",
            &[js(digest), num(now), num(CHALLENGE_ATTEMPTS)],
        )
        .await
    }

    /// The WebAuthn challenge a second step's passkey must answer.
    pub fn set_challenge_state(
        &self,
        digest: &str,
        state: &str,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE sign_in_challenges SET state = ?2 WHERE digest = ?1 AND used_at IS NULL",
            &[js(digest), js(state)],
        )
    }

    /// One wrong attempt at a challenge.
    pub fn fail_challenge(&self, digest: &str) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE sign_in_challenges SET attempts = attempts + 1 WHERE digest = ?1",
            &[js(digest)],
        )
    }

    /// Uses a challenge up: `changes` is 1 once, 0 for a second use or a late one.
    pub fn consume_challenge(
        &self,
        digest: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "UPDATE sign_in_challenges SET used_at = ?2 \
             WHERE digest = ?1 AND used_at IS NULL AND expires_at > ?2",
            &[js(digest), num(now)],
        )
    }

    /// Forgets challenges that can no longer be used.
    pub fn purge_challenges(&self, now: i64) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "DELETE FROM sign_in_challenges WHERE expires_at <= ?1 OR used_at IS NOT NULL",
            &[num(now)],
        )
    }
}
