//! Accounts: rows, the API's view of them, and their queries.

use super::StoreError;
use super::{internal, js, num, opt, Store};
use livechat_access::{
    fold_case, Access, Account, Actor, AgentSnapshot, Email, OrganizationId, Presence, Profile,
    Role, ScimIdentity, Subject, UserScope,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use worker::D1PreparedStatement;

/// A stored user, as read from D1.
#[derive(Debug, Clone, Deserialize)]
pub struct UserRow {
    pub id: String,
    pub organization_id: String,
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
    /// The identity provider's id of the person (SCIM `externalId`).
    #[serde(default)]
    pub external_id: Option<String>,
    /// SCIM `userName`, when the identity provider named them otherwise than by the address.
    #[serde(default)]
    pub user_name: Option<String>,
    /// SCIM `emails` as sent (JSON).
    #[serde(default)]
    pub emails: Option<String>,
    /// SCIM `locale`.
    #[serde(default)]
    pub locale: Option<String>,
    /// Their teams' questionnaires (a JSON array), when read for routing.
    #[serde(default)]
    pub team_questionnaires: Option<String>,
    /// Whether the person has a live session (`SIGNED_IN`), where a query asked; unasked, taken
    /// as signed in.
    #[serde(default)]
    pub signed_in: Option<i64>,
    /// When their last session ends, when read for their live desk (`roster`).
    #[serde(default)]
    pub signed_in_until: Option<i64>,
    /// The organization's catalog and its version, when read with the session.
    #[serde(default)]
    pub catalog: Option<String>,
    #[serde(default)]
    pub catalog_version: Option<i64>,
    #[serde(default)]
    pub access_version: Option<i64>,
    /// The organization's second-factor policy and whether they have a factor, when read with
    /// the session.
    #[serde(default)]
    pub second_factor_policy: Option<String>,
    #[serde(default)]
    pub has_factor: Option<i64>,
}

/// A user as the API shows them (never a hash).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = User))]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    /// The organization the account belongs to.
    pub organization: OrganizationId,
    /// The login address.
    pub email: String,
    /// What they may do.
    #[serde(flatten)]
    pub access: Access,
    /// Names, avatar, time zone.
    pub profile: Profile,
    /// A disabled account cannot sign in.
    pub disabled: bool,
    /// Whether they take conversations now.
    pub presence: Presence,
    pub created_at: i64,
    pub updated_at: i64,
}

impl UserRow {
    pub fn access(&self) -> Result<Access, StoreError> {
        serde_json::from_str(&self.access).map_err(internal)
    }

    pub fn account(&self) -> Result<Account, StoreError> {
        Ok(Account {
            email: serde_json::from_value(Value::String(self.email.clone())).map_err(internal)?,
            access: self.access()?,
            profile: serde_json::from_str(&self.profile).map_err(internal)?,
            disabled: self.disabled != 0,
        })
    }

    /// How the identity provider names the person (nothing for people added on the page).
    pub fn identity(&self) -> Result<ScimIdentity, StoreError> {
        Ok(ScimIdentity {
            user_name: self.user_name.clone(),
            emails: self
                .emails
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(internal)?,
            locale: self.locale.clone(),
            external_id: self.external_id.clone(),
        })
    }

    pub fn organization(&self) -> OrganizationId {
        OrganizationId::new(&self.organization_id)
    }

    pub fn actor(&self) -> Result<Actor, StoreError> {
        let access = self.access()?;
        Ok(Actor {
            id: self.id.clone(),
            organization: self.organization(),
            role: access.role,
            modules: access.modules,
            questionnaires: access.livechat.questionnaires,
            disabled: self.disabled != 0,
        })
    }

    pub fn subject(&self) -> Result<Subject, StoreError> {
        Ok(Subject {
            id: self.id.clone(),
            organization: self.organization(),
            role: self.access()?.role,
            disabled: self.disabled != 0,
        })
    }

    pub fn view(&self) -> Result<UserView, StoreError> {
        let account = self.account()?;
        Ok(UserView {
            id: self.id.clone(),
            organization: self.organization(),
            email: self.email.clone(),
            access: account.access,
            profile: account.profile,
            disabled: account.disabled,
            presence: Presence::parse(&self.presence)
                .unwrap_or(Presence::Offline)
                .while_signed_in(self.signed_in.unwrap_or(1) != 0),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }

    pub fn snapshot(&self) -> Result<AgentSnapshot, StoreError> {
        let access = self.access()?;
        Ok(AgentSnapshot {
            id: self.id.clone(),
            organization: self.organization(),
            role: access.role,
            disabled: self.disabled != 0,
            presence: Presence::parse(&self.presence)
                .unwrap_or(Presence::Offline)
                .while_signed_in(self.signed_in.unwrap_or(1) != 0),
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
            load: 0,
            max_conversations: access.livechat.max_conversations,
            last_assigned_at: self.last_assigned_at,
        }
        .joining_teams(self.team_questionnaires()?))
    }

    /// Their teams' questionnaires, where the query read them (`routing_columns`).
    pub fn team_questionnaires(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .team_questionnaires
            .as_deref()
            .map(serde_json::from_str::<Vec<String>>)
            .transpose()
            .map_err(internal)?
            .unwrap_or_default())
    }
}

pub(super) const USER_COLUMNS: &str =
    "id, organization_id, email, password_hash, access, profile, disabled, presence, \
    last_assigned_at, session_epoch, created_at, updated_at, external_id, user_name, emails, locale";

/// The columns of a person as routing sees them at the instant bound at `?{now_param}`: the row,
/// their teams' questionnaires, whether they are signed in (their load is their desk's).
pub(super) fn routing_columns(now_param: usize) -> String {
    format!(
        "{USER_COLUMNS}, {TEAM_QUESTIONNAIRES} AS team_questionnaires, {} AS signed_in",
        signed_in(now_param)
    )
}

/// SQL for whether a user has a live session at the instant bound at `?{param}` (its epoch the
/// user's, unexpired): presence lasts no longer (`Presence::while_signed_in`).
pub(super) fn signed_in(param: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = users.id \
         AND s.epoch = users.session_epoch AND s.expires_at > ?{param})"
    )
}

/// The questionnaires of every team the user is in (a JSON array).
pub(super) const TEAM_QUESTIONNAIRES: &str = "(SELECT json_group_array(DISTINCT j.value) \
     FROM team_members m JOIN teams t ON t.id = m.team_id, json_each(t.questionnaires) j \
     WHERE m.user_id = users.id)";

/// The condition a write runs under: when it `removes_admin`, that at least one other active
/// admin stays in the organization bound at `?{param}`; otherwise none.
fn admin_guard(removes_admin: bool, param: usize) -> String {
    if !removes_admin {
        return "1".into();
    }
    format!(
        "(SELECT COUNT(*) FROM users a WHERE a.organization_id = ?{param} AND a.role = 'admin' \
         AND a.disabled = 0) > 1"
    )
}

/// A new user row.
pub struct NewUserRow<'a> {
    pub id: &'a str,
    pub organization: &'a OrganizationId,
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
    pub async fn user_count(&self, org: &OrganizationId) -> Result<i64, StoreError> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        Ok(self
            .first::<Count>(
                "SELECT COUNT(*) AS n FROM users WHERE organization_id = ?1",
                &[js(org.as_str())],
            )
            .await?
            .map_or(0, |c| c.n))
    }

    pub async fn active_admins(&self, org: &OrganizationId) -> Result<u32, StoreError> {
        #[derive(Deserialize)]
        struct Count {
            n: u32,
        }
        Ok(self
            .first::<Count>(
                "SELECT COUNT(*) AS n FROM users WHERE organization_id = ?1 AND role = 'admin' \
                 AND disabled = 0",
                &[js(org.as_str())],
            )
            .await?
            .map_or(0, |c| c.n))
    }

    pub fn insert_user(&self, row: &NewUserRow<'_>) -> Result<D1PreparedStatement, StoreError> {
        self.insert_user_if(row, "1")
    }

    /// Creates the organization's first user when it has none; a no-op otherwise, even under
    /// races.
    pub fn insert_first_user(
        &self,
        row: &NewUserRow<'_>,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.insert_user_if(
            row,
            "NOT EXISTS (SELECT 1 FROM users WHERE organization_id = ?9)",
        )
    }

    fn insert_user_if(
        &self,
        row: &NewUserRow<'_>,
        condition: &str,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            &format!(
                "INSERT INTO users (id, email, email_key, password_hash, role, access, profile, \
                 created_at, updated_at, organization_id) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9 WHERE {condition}"
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
                js(row.organization.as_str()),
            ],
        )
    }

    /// The account `id` of the organization; another organization's is `None`, like an id that
    /// does not exist.
    /// A person as things stand at `now`: their load, their teams' questionnaires, and whether
    /// they are signed in (presence lasts no longer).
    pub async fn person_at(
        &self,
        org: &OrganizationId,
        id: &str,
        now: i64,
    ) -> Result<Option<UserRow>, StoreError> {
        self.first(
            &format!(
                "SELECT {} FROM users WHERE organization_id = ?1 AND id = ?2",
                routing_columns(3)
            ),
            &[js(org.as_str()), js(id), num(now)],
        )
        .await
    }

    pub async fn user(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<UserRow>, StoreError> {
        self.first(
            &format!(
                "SELECT {USER_COLUMNS}, {TEAM_QUESTIONNAIRES} AS team_questionnaires \
                 FROM users WHERE organization_id = ?1 AND id = ?2"
            ),
            &[js(org.as_str()), js(id)],
        )
        .await
    }

    /// Records how the identity provider names a person (`userName`, `emails`, `locale`,
    /// `externalId`); the unique index refuses a `userName` another person has, in any case.
    pub fn set_identity(
        &self,
        org: &OrganizationId,
        id: &str,
        identity: &ScimIdentity,
    ) -> Result<D1PreparedStatement, StoreError> {
        let emails = identity
            .emails
            .as_ref()
            .map(serde_json::to_string)
            .transpose()?;
        self.stmt(
            "UPDATE users SET external_id = ?3, user_name = ?4, user_name_key = ?5, emails = ?6, \
             locale = ?7 WHERE id = ?2 AND organization_id = ?1",
            &[
                js(org.as_str()),
                js(id),
                opt(identity.external_id.as_deref()),
                opt(identity.user_name.as_deref()),
                opt(identity.user_name.as_deref().map(fold_case).as_deref()),
                opt(emails.as_deref()),
                opt(identity.locale.as_deref()),
            ],
        )
    }

    /// The person an identity provider calls `name` (SCIM `userName`, any case): the one it
    /// named so, or someone added on the page whose address it is.
    pub async fn user_by_user_name(
        &self,
        org: &OrganizationId,
        name: &str,
    ) -> Result<Option<UserRow>, StoreError> {
        let key = fold_case(name.trim());
        self.first(
            &format!(
                "SELECT {USER_COLUMNS} FROM users WHERE organization_id = ?1 \
                 AND (user_name_key = ?2 OR (user_name_key IS NULL AND email_key = ?2))"
            ),
            &[js(org.as_str()), js(&key)],
        )
        .await
    }

    /// The organization's accounts that meet every narrowing, oldest first. A key holding any
    /// character outside printable ASCII is always kept: its case folding is left to the full
    /// filter, so the narrowing never drops a match.
    pub async fn users_narrowed(
        &self,
        org: &OrganizationId,
        narrowings: &[crate::scim_filter::Narrowing],
    ) -> Result<Vec<UserRow>, StoreError> {
        use crate::scim_filter::Narrowing;
        use scim_v2::filter::CompareOp;
        let mut clauses = Vec::new();
        let mut params = vec![js(org.as_str())];
        for narrowing in narrowings {
            params.push(match narrowing {
                Narrowing::UserName(op, value) => {
                    let escaped = value
                        .replace('\\', "\\\\")
                        .replace('%', "\\%")
                        .replace('_', "\\_");
                    clauses.push(format!(
                        "(COALESCE(user_name_key, email_key) LIKE ?{} ESCAPE '\\' \
                         OR COALESCE(user_name_key, email_key) GLOB '*[^ -~]*')",
                        params.len() + 1
                    ));
                    js(match op {
                        CompareOp::Sw => format!("{escaped}%"),
                        CompareOp::Ew => format!("%{escaped}"),
                        CompareOp::Co => format!("%{escaped}%"),
                        _ => escaped,
                    })
                }
                Narrowing::Active(active) => {
                    clauses.push(format!("disabled = ?{}", params.len() + 1));
                    num(i64::from(!*active))
                }
            });
        }
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE organization_id = ?1 AND {} \
             ORDER BY created_at, id",
            if clauses.is_empty() {
                "1".to_owned()
            } else {
                clauses.join(" AND ")
            }
        );
        self.all(&sql, &params).await
    }

    pub async fn user_by_email(
        &self,
        org: &OrganizationId,
        email: &Email,
    ) -> Result<Option<UserRow>, StoreError> {
        self.first(
            &format!(
                "SELECT {USER_COLUMNS} FROM users WHERE organization_id = ?1 AND email_key = ?2"
            ),
            &[js(org.as_str()), js(email.key())],
        )
        .await
    }

    pub async fn users(
        &self,
        org: &OrganizationId,
        filter: &UserFilter<'_>,
    ) -> Result<Vec<UserRow>, StoreError> {
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
                "SELECT {USER_COLUMNS} FROM users WHERE organization_id = ?6 AND {scope_sql} \
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
                js(org.as_str()),
            ],
        )
        .await
    }

    /// Writes an edited account; `removes_admin` guards the write so that two concurrent
    /// demotions cannot leave no admin (D1 runs statements one at a time).
    #[allow(clippy::too_many_arguments)]
    pub fn update_user(
        &self,
        org: &OrganizationId,
        id: &str,
        account: &Account,
        password_hash: Option<&str>,
        end_sessions: bool,
        removes_admin: bool,
        now: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        let guard = admin_guard(removes_admin, 11);
        self.stmt(
            &format!(
                "UPDATE users SET email = ?2, email_key = ?3, role = ?4, access = ?5, profile = ?6, \
                 disabled = ?7, password_hash = COALESCE(?8, password_hash), \
                 session_epoch = session_epoch + ?9, updated_at = ?10 \
                 WHERE id = ?1 AND organization_id = ?11 AND {guard}"
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
                js(org.as_str()),
            ],
        )
    }

    pub fn delete_user(
        &self,
        org: &OrganizationId,
        id: &str,
        removes_admin: bool,
    ) -> Result<D1PreparedStatement, StoreError> {
        let guard = admin_guard(removes_admin, 2);
        self.stmt(
            &format!("DELETE FROM users WHERE id = ?1 AND organization_id = ?2 AND {guard}"),
            &[js(id), js(org.as_str())],
        )
    }

    pub async fn set_presence(
        &self,
        org: &OrganizationId,
        id: &str,
        presence: Presence,
        now: i64,
    ) -> Result<(), StoreError> {
        self.run(
            "UPDATE users SET presence = ?2, updated_at = ?3 WHERE id = ?1 AND organization_id = ?4",
            &[js(id), js(presence.as_str()), num(now), js(org.as_str())],
        )
        .await?;
        Ok(())
    }

    /// The organization's people as its live desk needs them (access, teams' questionnaires,
    /// until when they are signed in), with the access version and status they are at: one
    /// batch, so one transaction.
    pub async fn roster(&self, org: &OrganizationId) -> Result<Option<Roster>, StoreError> {
        #[derive(Deserialize)]
        struct At {
            access_version: i64,
            status: String,
        }
        let results = self
            .batch(vec![
                self.stmt(
                    "SELECT access_version, status FROM organizations WHERE id = ?1",
                    &[js(org.as_str())],
                )?,
                self.stmt(
                    &format!(
                        "SELECT {USER_COLUMNS}, {TEAM_QUESTIONNAIRES} AS team_questionnaires, \
                         (SELECT MAX(s.expires_at) FROM sessions s WHERE s.user_id = users.id \
                         AND s.epoch = users.session_epoch) AS signed_in_until \
                         FROM users WHERE organization_id = ?1"
                    ),
                    &[js(org.as_str())],
                )?,
            ])
            .await?;
        let mut results = results.into_iter();
        let (Some(at), Some(people)) = (results.next(), results.next()) else {
            return Err(internal("roster: two results expected"));
        };
        let Some(at) = at.results::<At>()?.into_iter().next() else {
            return Ok(None);
        };
        Ok(Some(Roster {
            version: at.access_version,
            active: at.status == "active",
            people: people.results::<UserRow>()?,
        }))
    }

    /// Sets someone away if they are online (their last live connection closed a while ago);
    /// returns whether it changed anything.
    pub async fn set_away_if_online(
        &self,
        org: &OrganizationId,
        id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(self
            .run(
                "UPDATE users SET presence = 'away', updated_at = ?3 \
                 WHERE id = ?1 AND organization_id = ?2 AND presence = 'online'",
                &[js(id), js(org.as_str()), num(now)],
            )
            .await?
            > 0)
    }

    /// The organization's access version (`roster`), alone: whether its desk is behind.
    pub async fn access_version(&self, org: &OrganizationId) -> Result<Option<i64>, StoreError> {
        #[derive(Deserialize)]
        struct At {
            access_version: i64,
        }
        Ok(self
            .first::<At>(
                "SELECT access_version FROM organizations WHERE id = ?1",
                &[js(org.as_str())],
            )
            .await?
            .map(|at| at.access_version))
    }
}

/// An organization's people as D1 holds them, at one access version.
pub struct Roster {
    pub version: i64,
    /// Not suspended.
    pub active: bool,
    pub people: Vec<UserRow>,
}
