//! D1 (the source of truth) and KV (invitation tokens with a TTL). SQL lives here and in
//! `migrations/`; no rule does: queries only narrow what the core then decides on.

use crate::http::ApiError;
use livechat_access::{
    Access, Account, Actor, AgentSnapshot, ConversationRef, ConversationScope, Email, Failures,
    Presence, Profile, Role, Subject, UserScope, WaitingConversation,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result, Env, KvStore};

/// The bindings, as named in wrangler.toml.
pub struct Store {
    /// Users, sessions, invitations, conversations, audit.
    pub db: D1Database,
    /// Invitation tokens.
    pub kv: KvStore,
}

pub fn js(value: impl Into<JsValue>) -> JsValue {
    value.into()
}

fn opt(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}

fn num(n: i64) -> JsValue {
    // D1 binds JS numbers; every integer stored here is well inside 2^53.
    JsValue::from(n as f64)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Whether a D1 error is a uniqueness violation.
pub fn is_unique_violation(e: &worker::Error) -> bool {
    e.to_string().contains("UNIQUE constraint failed")
}

/// The `changes` count of a write.
pub fn changes(result: &D1Result) -> usize {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|m| m.changes)
        .unwrap_or(0)
}

/// A stored user, as read from D1.
#[derive(Debug, Clone, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub access: String,
    pub profile: String,
    pub disabled: i64,
    pub presence: String,
    pub last_assigned_at: Option<i64>,
    pub session_epoch: i64,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub load: Option<i64>,
}

/// A user as the API shows them (never a hash).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    pub email: String,
    #[serde(flatten)]
    pub access: Access,
    pub profile: Profile,
    pub disabled: bool,
    pub presence: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UserRow {
    pub fn access(&self) -> Result<Access, ApiError> {
        serde_json::from_str(&self.access).map_err(internal)
    }

    pub fn account(&self) -> Result<Account, ApiError> {
        Ok(Account {
            email: serde_json::from_value(Value::String(self.email.clone())).map_err(internal)?,
            access: self.access()?,
            profile: serde_json::from_str(&self.profile).map_err(internal)?,
            disabled: self.disabled != 0,
        })
    }

    pub fn actor(&self) -> Result<Actor, ApiError> {
        let access = self.access()?;
        Ok(Actor {
            id: self.id.clone(),
            role: access.role,
            modules: access.modules,
            questionnaires: access.livechat.questionnaires,
            disabled: self.disabled != 0,
        })
    }

    pub fn subject(&self) -> Result<Subject, ApiError> {
        Ok(Subject {
            id: self.id.clone(),
            role: self.access()?.role,
            disabled: self.disabled != 0,
        })
    }

    pub fn view(&self) -> Result<UserView, ApiError> {
        let account = self.account()?;
        Ok(UserView {
            id: self.id.clone(),
            email: self.email.clone(),
            access: account.access,
            profile: account.profile,
            disabled: account.disabled,
            presence: self.presence.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }

    pub fn snapshot(&self) -> Result<AgentSnapshot, ApiError> {
        let access = self.access()?;
        Ok(AgentSnapshot {
            id: self.id.clone(),
            role: access.role,
            disabled: self.disabled != 0,
            presence: Presence::parse(&self.presence).unwrap_or(Presence::Offline),
            modules: access.modules.into_iter().collect(),
            questionnaires: access
                .livechat
                .questionnaires
                .iter()
                .map(|q| q.as_str().to_owned())
                .collect(),
            languages: access
                .livechat
                .languages
                .iter()
                .map(|l| l.as_str().to_owned())
                .collect(),
            channels: access.livechat.channels.into_iter().collect(),
            load: u32::try_from(self.load.unwrap_or(0)).unwrap_or(u32::MAX),
            max_conversations: access.livechat.max_conversations,
            last_assigned_at: self.last_assigned_at,
        })
    }
}

const USER_COLUMNS: &str = "id, email, password_hash, access, profile, disabled, presence, \
    last_assigned_at, session_epoch, created_at, updated_at";

/// SQL for a user's current load (conversations assigned now).
const LOAD: &str =
    "(SELECT COUNT(*) FROM conversations c WHERE c.assigned_to = users.id AND c.status = 'assigned')";

/// The condition that keeps at least one active admin after a write that may remove one.
pub const KEEPS_AN_ADMIN: &str =
    "(SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0) > 1";

/// A stored invitation.
#[derive(Debug, Clone, Deserialize)]
pub struct InvitationRow {
    pub id: String,
    pub email: String,
    pub role: String,
    pub access: String,
    pub status: String,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub user_id: Option<String>,
}

/// An invitation as the API shows it (never the token).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationView {
    pub id: String,
    pub email: String,
    #[serde(flatten)]
    pub access: Access,
    pub status: String,
    pub invited_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub user_id: Option<String>,
}

impl InvitationRow {
    pub fn access(&self) -> Result<Access, ApiError> {
        serde_json::from_str(&self.access).map_err(internal)
    }

    /// Its status now: a pending invitation past its expiry is expired.
    pub fn status_at(&self, now: i64) -> &str {
        if self.status == "pending" && self.expires_at <= now {
            "expired"
        } else {
            &self.status
        }
    }

    pub fn view(&self, now: i64) -> Result<InvitationView, ApiError> {
        Ok(InvitationView {
            id: self.id.clone(),
            email: self.email.clone(),
            access: self.access()?,
            status: self.status_at(now).to_owned(),
            invited_by: self.invited_by.clone(),
            created_at: self.created_at,
            expires_at: self.expires_at,
            accepted_at: self.accepted_at,
            user_id: self.user_id.clone(),
        })
    }
}

const CONVERSATION_COLUMNS: &str =
    "id, questionnaire, language, channel, status, assigned_to, created_at, updated_at";

const INVITATION_COLUMNS: &str =
    "id, email, role, access, status, invited_by, created_at, expires_at, accepted_at, user_id";

/// A stored conversation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct ConversationRow {
    pub id: String,
    pub questionnaire: String,
    pub language: String,
    pub channel: String,
    pub status: String,
    pub assigned_to: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ConversationRow {
    pub fn reference(&self) -> ConversationRef {
        ConversationRef {
            assigned_to: self.assigned_to.clone(),
        }
    }

    pub fn waiting(&self) -> Result<WaitingConversation, ApiError> {
        Ok(WaitingConversation {
            questionnaire: self.questionnaire.clone(),
            language: self.language.clone(),
            channel: livechat_access::Channel::parse(&self.channel)
                .ok_or_else(|| internal("stored channel"))?,
            assigned_to: self.assigned_to.clone(),
        })
    }
}

/// One audit entry.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_id: Option<String>,
    pub target_email: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// A new user row.
pub struct NewUserRow<'a> {
    pub id: &'a str,
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub access: &'a Access,
    pub profile: &'a Profile,
    pub now: i64,
}

/// A filter for listing users.
pub struct UserFilter<'a> {
    pub scope: UserScope,
    pub role: Option<Role>,
    pub search: Option<&'a str>,
    pub after: Option<&'a str>,
    pub limit: u32,
}

impl Store {
    pub fn open(env: &Env) -> worker::Result<Store> {
        Ok(Store {
            db: env.d1("DB")?,
            kv: env.kv("INVITES")?,
        })
    }

    fn stmt(&self, sql: &str, args: &[JsValue]) -> Result<D1PreparedStatement, ApiError> {
        Ok(self.db.prepare(sql).bind(args)?)
    }

    async fn first<T: for<'de> Deserialize<'de>>(
        &self,
        sql: &str,
        args: &[JsValue],
    ) -> Result<Option<T>, ApiError> {
        Ok(self.stmt(sql, args)?.first::<T>(None).await?)
    }

    async fn all<T: for<'de> Deserialize<'de>>(
        &self,
        sql: &str,
        args: &[JsValue],
    ) -> Result<Vec<T>, ApiError> {
        Ok(self.stmt(sql, args)?.all().await?.results::<T>()?)
    }

    async fn run(&self, sql: &str, args: &[JsValue]) -> Result<usize, ApiError> {
        Ok(changes(&self.stmt(sql, args)?.run().await?))
    }

    // ---- users

    pub async fn user_count(&self) -> Result<i64, ApiError> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        Ok(self
            .first::<Count>("SELECT COUNT(*) AS n FROM users", &[])
            .await?
            .map_or(0, |c| c.n))
    }

    pub async fn active_admins(&self) -> Result<u32, ApiError> {
        #[derive(Deserialize)]
        struct Count {
            n: u32,
        }
        Ok(self
            .first::<Count>(
                "SELECT COUNT(*) AS n FROM users WHERE role = 'admin' AND disabled = 0",
                &[],
            )
            .await?
            .map_or(0, |c| c.n))
    }

    pub fn insert_user(&self, row: &NewUserRow<'_>) -> Result<D1PreparedStatement, ApiError> {
        self.insert_user_if(row, "1")
    }

    /// Creates the first admin when the table is empty; a no-op otherwise, even under races.
    pub fn insert_first_user(&self, row: &NewUserRow<'_>) -> Result<D1PreparedStatement, ApiError> {
        self.insert_user_if(row, "NOT EXISTS (SELECT 1 FROM users)")
    }

    fn insert_user_if(
        &self,
        row: &NewUserRow<'_>,
        condition: &str,
    ) -> Result<D1PreparedStatement, ApiError> {
        self.stmt(
            &format!(
                "INSERT INTO users (id, email, email_key, password_hash, role, access, profile, \
                 created_at, updated_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8 WHERE {condition}"
            ),
            &[
                js(row.id),
                js(row.email.as_str()),
                js(row.email.key()),
                js(row.password_hash),
                js(row.access.role.as_str()),
                js(serde_json::to_string(row.access)?),
                js(serde_json::to_string(row.profile)?),
                num(row.now),
            ],
        )
    }

    pub async fn user(&self, id: &str) -> Result<Option<UserRow>, ApiError> {
        self.first(
            &format!("SELECT {USER_COLUMNS}, {LOAD} AS load FROM users WHERE id = ?1"),
            &[js(id)],
        )
        .await
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<Option<UserRow>, ApiError> {
        self.first(
            &format!("SELECT {USER_COLUMNS} FROM users WHERE email_key = ?1"),
            &[js(email.key())],
        )
        .await
    }

    pub async fn users(&self, filter: &UserFilter<'_>) -> Result<Vec<UserRow>, ApiError> {
        let (scope_sql, me) = match &filter.scope {
            UserScope::All => ("1", None),
            UserScope::AgentsAndSelf(me) => ("(role = 'agent' OR id = ?1)", Some(me.as_str())),
            UserScope::SelfOnly(me) => ("id = ?1", Some(me.as_str())),
        };
        let search = filter.search.map(|s| {
            let escaped = livechat_access::fold_case(s)
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            format!("%{escaped}%")
        });
        self.all(
            &format!(
                "SELECT {USER_COLUMNS} FROM users WHERE {scope_sql} \
                 AND (?2 IS NULL OR role = ?2) \
                 AND (?3 IS NULL OR email_key LIKE ?3 ESCAPE '\\' OR lower(profile) LIKE ?3 ESCAPE '\\') \
                 AND (?4 IS NULL OR email_key > ?4) \
                 ORDER BY email_key LIMIT ?5"
            ),
            &[
                opt(me),
                opt(filter.role.map(Role::as_str)),
                opt(search.as_deref()),
                opt(filter.after),
                num(i64::from(filter.limit)),
            ],
        )
        .await
    }

    /// Writes an edited account; `removes_admin` guards the write so that two concurrent
    /// demotions cannot leave no admin (D1 runs statements one at a time).
    pub fn update_user(
        &self,
        id: &str,
        account: &Account,
        password_hash: Option<&str>,
        end_sessions: bool,
        removes_admin: bool,
        now: i64,
    ) -> Result<D1PreparedStatement, ApiError> {
        let guard = if removes_admin { KEEPS_AN_ADMIN } else { "1" };
        self.stmt(
            &format!(
                "UPDATE users SET email = ?2, email_key = ?3, role = ?4, access = ?5, profile = ?6, \
                 disabled = ?7, password_hash = COALESCE(?8, password_hash), \
                 session_epoch = session_epoch + ?9, updated_at = ?10 WHERE id = ?1 AND {guard}"
            ),
            &[
                js(id),
                js(account.email.as_str()),
                js(account.email.key()),
                js(account.access.role.as_str()),
                js(serde_json::to_string(&account.access)?),
                js(serde_json::to_string(&account.profile)?),
                num(i64::from(account.disabled)),
                opt(password_hash),
                num(i64::from(end_sessions)),
                num(now),
            ],
        )
    }

    pub fn delete_user(
        &self,
        id: &str,
        removes_admin: bool,
    ) -> Result<D1PreparedStatement, ApiError> {
        let guard = if removes_admin { KEEPS_AN_ADMIN } else { "1" };
        self.stmt(
            &format!("DELETE FROM users WHERE id = ?1 AND {guard}"),
            &[js(id)],
        )
    }

    /// Puts a deleted or disabled agent's conversations back in the queue.
    /// Runs under the same last-admin guard as the write it goes with, so both happen or neither.
    pub fn release_conversations(
        &self,
        user_id: &str,
        removes_admin: bool,
        now: i64,
    ) -> Result<D1PreparedStatement, ApiError> {
        let guard = if removes_admin { KEEPS_AN_ADMIN } else { "1" };
        self.stmt(
            &format!(
                "UPDATE conversations SET status = 'waiting', assigned_to = NULL, updated_at = ?2 \
                 WHERE assigned_to = ?1 AND status = 'assigned' AND {guard}"
            ),
            &[js(user_id), num(now)],
        )
    }

    pub async fn set_presence(
        &self,
        id: &str,
        presence: Presence,
        now: i64,
    ) -> Result<(), ApiError> {
        self.run(
            "UPDATE users SET presence = ?2, updated_at = ?3 WHERE id = ?1",
            &[js(id), js(presence.as_str()), num(now)],
        )
        .await?;
        Ok(())
    }

    /// An audit entry for the write just before it in the same batch: written only if that
    /// write changed something, so a refused or raced write leaves no trace.
    pub fn audit(
        &self,
        now: i64,
        actor_id: Option<&str>,
        action: &str,
        target: (Option<&str>, Option<&str>),
        before: Option<&Access>,
        after: Option<&Access>,
    ) -> Result<D1PreparedStatement, ApiError> {
        let to_json = |a: Option<&Access>| a.map(serde_json::to_string).transpose();
        self.stmt(
            "INSERT INTO audit_log (at, actor_id, action, target_id, target_email, before, after) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE changes() > 0",
            &[
                num(now),
                opt(actor_id),
                js(action),
                opt(target.0),
                opt(target.1),
                opt(to_json(before)?.as_deref()),
                opt(to_json(after)?.as_deref()),
            ],
        )
    }

    pub async fn audit_entries(
        &self,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditRow>, ApiError> {
        self.all(
            "SELECT id, at, actor_id, action, target_id, target_email, before, after FROM audit_log \
             WHERE (?1 IS NULL OR id < ?1) ORDER BY id DESC LIMIT ?2",
            &[before_id.map_or(JsValue::NULL, num), num(i64::from(limit))],
        )
        .await
    }

    pub async fn batch(
        &self,
        statements: Vec<D1PreparedStatement>,
    ) -> Result<Vec<D1Result>, worker::Error> {
        self.db.batch(statements).await
    }

    /// The same writes one round trip each, without a transaction: only for the benchmark that
    /// measures what batching saves (`BENCH_MODES`).
    pub async fn one_by_one(
        &self,
        statements: Vec<D1PreparedStatement>,
    ) -> Result<Vec<D1Result>, worker::Error> {
        let mut results = Vec::with_capacity(statements.len());
        for statement in statements {
            results.push(statement.run().await?);
        }
        Ok(results)
    }

    // ---- sessions

    pub fn insert_session(
        &self,
        digest: &str,
        user: &UserRow,
        now: i64,
        expires_at: i64,
    ) -> Result<D1PreparedStatement, ApiError> {
        self.stmt(
            "INSERT INTO sessions (token_hash, user_id, epoch, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            &[js(digest), js(user.id.as_str()), num(user.session_epoch), num(now), num(expires_at)],
        )
    }

    /// The user behind a live session: unexpired, same epoch, account enabled. Read from D1 on
    /// every request, so a revocation takes effect at once.
    pub async fn session_user(&self, digest: &str, now: i64) -> Result<Option<UserRow>, ApiError> {
        self.first(
            &format!(
                "SELECT {USER_COLUMNS} FROM users WHERE id = (SELECT s.user_id FROM sessions s \
                 JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1 AND s.expires_at > ?2 \
                 AND s.epoch = u.session_epoch AND u.disabled = 0)"
            ),
            &[js(digest), num(now)],
        )
        .await
    }

    pub async fn delete_session(&self, digest: &str) -> Result<(), ApiError> {
        self.run("DELETE FROM sessions WHERE token_hash = ?1", &[js(digest)])
            .await?;
        Ok(())
    }

    // ---- sign-in failures

    pub async fn failures(&self, key: &str) -> Result<Failures, ApiError> {
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
    ) -> Result<D1PreparedStatement, ApiError> {
        self.stmt(
            "INSERT INTO login_failures (key, count, window_start) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO UPDATE SET count = excluded.count, window_start = excluded.window_start",
            &[js(key), num(i64::from(failures.count)), num(failures.window_start)],
        )
    }

    pub async fn clear_failures(&self, key: &str) -> Result<(), ApiError> {
        self.run("DELETE FROM login_failures WHERE key = ?1", &[js(key)])
            .await?;
        Ok(())
    }

    // ---- invitations

    /// Which of these address keys belong to members, and which have a live invitation.
    pub async fn known_emails(
        &self,
        keys: &[String],
        now: i64,
    ) -> Result<Vec<(String, String)>, ApiError> {
        #[derive(Deserialize)]
        struct Row {
            kind: String,
            email_key: String,
        }
        // One JSON parameter instead of one per address: D1 caps bound parameters at 100.
        let keys = serde_json::to_string(keys)?;
        let rows: Vec<Row> = self
            .all(
                "SELECT 'member' AS kind, email_key FROM users WHERE email_key IN (SELECT value FROM json_each(?1)) \
                 UNION ALL SELECT 'invited', email_key FROM invitations WHERE status = 'pending' \
                 AND expires_at > ?2 AND email_key IN (SELECT value FROM json_each(?1))",
                &[js(keys), num(now)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| (r.kind, r.email_key)).collect())
    }

    /// Marks pending invitations past their expiry as expired, so the address can be invited
    /// again.
    pub fn expire_invitations(&self, now: i64) -> Result<D1PreparedStatement, ApiError> {
        self.stmt(
            "UPDATE invitations SET status = 'expired' WHERE status = 'pending' AND expires_at <= ?1",
            &[num(now)],
        )
    }

    #[allow(clippy::too_many_arguments)]
    pub fn insert_invitation(
        &self,
        id: &str,
        email: &Email,
        access: &Access,
        digest: &str,
        invited_by: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<D1PreparedStatement, ApiError> {
        self.stmt(
            "INSERT INTO invitations (id, email, email_key, role, access, token_hash, invited_by, \
             created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
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
            ],
        )
    }

    pub async fn invitation(&self, id: &str) -> Result<Option<InvitationRow>, ApiError> {
        self.first(
            &format!("SELECT {INVITATION_COLUMNS} FROM invitations WHERE id = ?1"),
            &[js(id)],
        )
        .await
    }

    /// The invitation behind a token. KV answers first (and forgets expired tokens by itself);
    /// D1 is asked either way, since KV may lag behind a revocation or a new token.
    pub async fn invitation_by_token(
        &self,
        digest: &str,
    ) -> Result<Option<InvitationRow>, ApiError> {
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
        roles: &[Role],
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<InvitationRow>, ApiError> {
        let roles = serde_json::to_string(&roles.iter().map(|r| r.as_str()).collect::<Vec<_>>())?;
        self.all(
            &format!(
                "SELECT {INVITATION_COLUMNS} FROM invitations WHERE role IN (SELECT value FROM json_each(?1)) \
                 AND (?2 IS NULL OR created_at < ?2) ORDER BY created_at DESC, id LIMIT ?3"
            ),
            &[js(roles), before.map_or(JsValue::NULL, num), num(i64::from(limit))],
        )
        .await
    }

    pub async fn remember_token(&self, digest: &str, id: &str, ttl_s: u64) -> Result<(), ApiError> {
        // KV's smallest TTL is 60 s.
        self.kv
            .put(&kv_key(digest), id)
            .map_err(internal)?
            .expiration_ttl(ttl_s.max(60))
            .execute()
            .await
            .map_err(internal)
    }

    pub async fn forget_token(&self, digest: &str) -> Result<(), ApiError> {
        self.kv.delete(&kv_key(digest)).await.map_err(internal)
    }

    pub async fn token_digest_of(&self, id: &str) -> Result<Option<String>, ApiError> {
        #[derive(Deserialize)]
        struct Row {
            token_hash: String,
        }
        Ok(self
            .first::<Row>(
                "SELECT token_hash FROM invitations WHERE id = ?1",
                &[js(id)],
            )
            .await?
            .map(|r| r.token_hash))
    }

    pub fn revoke_invitation(&self, id: &str) -> Result<D1PreparedStatement, ApiError> {
        self.stmt(
            "UPDATE invitations SET status = 'revoked' WHERE id = ?1 AND status = 'pending'",
            &[js(id)],
        )
    }

    pub fn renew_invitation(
        &self,
        id: &str,
        digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<D1PreparedStatement, ApiError> {
        self.stmt(
            "UPDATE invitations SET token_hash = ?2, created_at = ?3, expires_at = ?4 \
             WHERE id = ?1 AND status = 'pending'",
            &[js(id), js(digest), num(now), num(expires_at)],
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
    ) -> Result<D1PreparedStatement, ApiError> {
        self.stmt(
            "INSERT INTO users (id, email, email_key, password_hash, role, access, profile, created_at, updated_at) \
             SELECT ?2, email, email_key, ?3, role, access, ?4, ?5, ?5 FROM invitations \
             WHERE id = ?1 AND status = 'pending' AND expires_at > ?5",
            &[js(invitation_id), js(user_id), js(password_hash), js(serde_json::to_string(profile)?), num(now)],
        )
    }

    pub fn mark_accepted(
        &self,
        invitation_id: &str,
        user_id: &str,
        now: i64,
    ) -> Result<D1PreparedStatement, ApiError> {
        self.stmt(
            "UPDATE invitations SET status = 'accepted', accepted_at = ?3, user_id = ?2 \
             WHERE id = ?1 AND status = 'pending' AND EXISTS (SELECT 1 FROM users WHERE id = ?2)",
            &[js(invitation_id), js(user_id), num(now)],
        )
    }

    // ---- conversations

    pub async fn conversation(&self, id: &str) -> Result<Option<ConversationRow>, ApiError> {
        self.first(
            &format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1"),
            &[js(id)],
        )
        .await
    }

    pub async fn conversations(
        &self,
        scope: &ConversationScope,
        status: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ConversationRow>, ApiError> {
        let (scope_sql, me) = match scope {
            ConversationScope::All => ("1", None),
            ConversationScope::AssignedTo(me) => ("assigned_to = ?1", Some(me.as_str())),
            ConversationScope::Nothing => return Ok(Vec::new()),
        };
        self.all(
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE {scope_sql} AND (?2 IS NULL OR status = ?2) \
                 ORDER BY created_at DESC, id LIMIT ?3"
            ),
            &[opt(me), opt(status), num(i64::from(limit))],
        )
        .await
    }

    pub async fn insert_conversation(
        &self,
        id: &str,
        c: &WaitingConversation,
        now: i64,
    ) -> Result<(), ApiError> {
        self.run(
            "INSERT INTO conversations (id, questionnaire, language, channel, status, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, 'waiting', ?5, ?5)",
            &[js(id), js(c.questionnaire.as_str()), js(c.language.as_str()), js(c.channel.as_str()), num(now)],
        )
        .await?;
        Ok(())
    }

    /// Agents who could take conversations now (enabled and online), with their load. Only a
    /// narrowing: the core decides among them.
    pub async fn online_agents(&self) -> Result<Vec<UserRow>, ApiError> {
        self.all(
            &format!("SELECT {USER_COLUMNS}, {LOAD} AS load FROM users WHERE presence = 'online' AND disabled = 0"),
            &[],
        )
        .await
    }

    /// Gives a conversation to an agent if, at the moment of writing, it is still where the
    /// caller saw it (`from`: waiting, or held by that agent) and the agent still has room; returns
    /// whether it was written. `room` is the agent's limit (`None`: unlimited).
    pub async fn assign(
        &self,
        conversation_id: &str,
        from: Option<&str>,
        agent_id: &str,
        room: Option<u8>,
        now: i64,
    ) -> Result<bool, ApiError> {
        let from_sql = if from.is_some() {
            "status = 'assigned' AND assigned_to = ?4"
        } else {
            "status = 'waiting' AND ?4 IS NULL"
        };
        let writes = self
            .batch(vec![
                self.stmt(
                    &format!(
                        "UPDATE conversations SET status = 'assigned', assigned_to = ?2, updated_at = ?3 \
                         WHERE id = ?1 AND {from_sql} AND (?5 IS NULL OR (SELECT COUNT(*) FROM conversations \
                         WHERE assigned_to = ?2 AND status = 'assigned') < ?5)"
                    ),
                    &[js(conversation_id), js(agent_id), num(now), opt(from), room.map_or(JsValue::NULL, |n| num(i64::from(n)))],
                )?,
                self.stmt(
                    "UPDATE users SET last_assigned_at = ?3 WHERE id = ?2 AND EXISTS \
                     (SELECT 1 FROM conversations WHERE id = ?1 AND assigned_to = ?2 AND updated_at = ?3)",
                    &[js(conversation_id), js(agent_id), num(now)],
                )?,
            ])
            .await?;
        Ok(writes.first().map(changes) == Some(1))
    }

    pub async fn close_conversation(&self, id: &str, now: i64) -> Result<bool, ApiError> {
        Ok(self
            .run(
                "UPDATE conversations SET status = 'closed', updated_at = ?2 WHERE id = ?1 AND status != 'closed'",
                &[js(id), num(now)],
            )
            .await?
            == 1)
    }

    pub async fn waiting_conversations(
        &self,
        limit: u32,
    ) -> Result<Vec<ConversationRow>, ApiError> {
        self.all(
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE status = 'waiting' \
                 ORDER BY created_at, id LIMIT ?1"
            ),
            &[num(i64::from(limit))],
        )
        .await
    }
}

fn kv_key(digest: &str) -> String {
    format!("invite:{digest}")
}
