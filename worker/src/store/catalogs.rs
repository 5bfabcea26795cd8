//! Each organization's catalog: a JSON column of `organizations`, with a version that every
//! change bumps, so that a write validated against one catalog cannot land after another.

use super::StoreError;
use super::{internal, js, num, Store};
use livechat_access::{
    validate_catalog, Access, Catalog, Held, Holder, HolderKind, HolderRef, OrganizationId, Removed,
};
use serde::Deserialize;
use worker::{D1PreparedStatement, D1Result};

/// A catalog as read, with the version it was read at.
pub struct CatalogAt {
    pub catalog: Catalog,
    pub version: i64,
    /// The organization's access version read with it (what its live desk must have caught up
    /// with before routing for this request); 0 where unread.
    pub access_version: i64,
}

impl CatalogAt {
    /// Reads a stored catalog: it was checked by the same rules when written.
    pub fn parse(text: &str, version: i64) -> Result<CatalogAt, StoreError> {
        let value = serde_json::from_str(text).map_err(internal)?;
        let catalog = validate_catalog(&value)
            .map_err(|errors| internal(format!("stored catalog refused: {errors:?}")))?;
        Ok(CatalogAt {
            catalog,
            version,
            access_version: 0,
        })
    }
}

/// Whether an access (`a.access`, a JSON column) holds anything of the removed lists bound at
/// `?2` (questionnaires), `?3` (languages; the main language is always one of them) and `?4`
/// (modules, which admins hold by rule and are realigned on instead).
const HOLDS: &str = "(EXISTS (SELECT 1 FROM json_each(a.access, '$.livechat.questionnaires') j \
       WHERE j.value IN (SELECT value FROM json_each(?2))) \
     OR EXISTS (SELECT 1 FROM json_each(a.access, '$.livechat.languages') j \
       WHERE j.value IN (SELECT value FROM json_each(?3))) \
     OR (a.role <> 'admin' AND EXISTS (SELECT 1 FROM json_each(a.access, '$.modules') j \
       WHERE j.value IN (SELECT value FROM json_each(?4)))))";

/// Accounts, pending invitations and teams of organization `?1`, as `a` (a team as an access
/// that holds its questionnaires only).
const PEOPLE: &str =
    "(SELECT id, email, role, access, 'user' AS kind FROM users WHERE organization_id = ?1 \
     UNION ALL SELECT id, email, role, access, 'invitation' FROM invitations \
       WHERE organization_id = ?1 AND status = 'pending' \
     UNION ALL SELECT id, name, 'agent', json_object('modules', json('[]'), 'livechat', \
       json_object('questionnaires', json(questionnaires), 'languages', json('[]'))), 'team' \
       FROM teams WHERE organization_id = ?1) a";

fn removed_args(
    org: &OrganizationId,
    removed: &Removed,
) -> Result<[wasm_bindgen::JsValue; 4], StoreError> {
    Ok([
        js(org.as_str()),
        js(serde_json::to_string(&removed.questionnaires)?),
        js(serde_json::to_string(&removed.languages)?),
        js(serde_json::to_string(&removed.modules)?),
    ])
}

impl Store {
    pub async fn catalog(&self, org: &OrganizationId) -> Result<CatalogAt, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            catalog: String,
            catalog_version: i64,
            access_version: i64,
        }
        let row: Row = self
            .first(
                "SELECT catalog, catalog_version, access_version FROM organizations WHERE id = ?1",
                &[js(org.as_str())],
            )
            .await?
            .ok_or_else(|| internal(format!("no organization {}", org.as_str())))?;
        Ok(CatalogAt {
            access_version: row.access_version,
            ..CatalogAt::parse(&row.catalog, row.catalog_version)?
        })
    }

    /// Everyone a change that removes `removed` concerns: whoever holds a removed entry, and every
    /// admin (their modules follow the catalog).
    pub async fn catalog_holders(
        &self,
        org: &OrganizationId,
        removed: &Removed,
    ) -> Result<Vec<Holder>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            email: String,
            access: String,
            kind: String,
        }
        let rows: Vec<Row> = self
            .all(
                &format!("SELECT id, email, access, kind FROM {PEOPLE} WHERE a.role = 'admin' OR {HOLDS} ORDER BY kind DESC, email"),
                &removed_args(org, removed)?,
            )
            .await?;
        rows.into_iter()
            .map(|r| {
                let (kind, held) = match r.kind.as_str() {
                    "team" => {
                        #[derive(Deserialize)]
                        struct Livechat {
                            questionnaires:
                                livechat_access::SortedSet<livechat_access::Questionnaire>,
                        }
                        #[derive(Deserialize)]
                        struct TeamAccess {
                            livechat: Livechat,
                        }
                        let team: TeamAccess = serde_json::from_str(&r.access).map_err(internal)?;
                        (
                            HolderKind::Team,
                            Held::Questionnaires(team.livechat.questionnaires),
                        )
                    }
                    kind => (
                        if kind == "user" {
                            HolderKind::User
                        } else {
                            HolderKind::Invitation
                        },
                        Held::Access(serde_json::from_str::<Access>(&r.access).map_err(internal)?),
                    ),
                };
                Ok(Holder {
                    id: r.id,
                    email: r.email,
                    kind,
                    held,
                })
            })
            .collect()
    }

    /// Writes a new catalog over version `version`, unless another change came first or someone
    /// took a removed entry since the holders were read; `changes` tells which (0: refused).
    pub fn set_catalog(
        &self,
        org: &OrganizationId,
        catalog: &Catalog,
        version: i64,
        removed: &Removed,
    ) -> Result<D1PreparedStatement, StoreError> {
        let [org_id, questionnaires, languages, modules] = removed_args(org, removed)?;
        self.stmt(
            &format!(
                "UPDATE organizations SET catalog = ?5, catalog_version = ?6 + 1 \
                 WHERE id = ?1 AND catalog_version = ?6 AND NOT EXISTS (SELECT 1 FROM {PEOPLE} WHERE {HOLDS})"
            ),
            &[org_id, questionnaires, languages, modules, js(serde_json::to_string(catalog)?), num(version)],
        )
    }

    /// An admin's access brought in line with the catalog written just before, in the same batch
    /// (the version check makes it a no-op when that write was refused).
    pub fn realign_access(
        &self,
        org: &OrganizationId,
        holder: &HolderRef,
        access: &Access,
        version: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        // Only admins are realigned, and teams hold no modules.
        let table = match holder.kind {
            HolderKind::User => "users",
            HolderKind::Invitation => "invitations",
            HolderKind::Team => return Err(internal("a team has no access to realign")),
        };
        self.stmt(
            &format!(
                "UPDATE {table} SET access = ?3 WHERE id = ?2 AND organization_id = ?1 \
                 AND (SELECT catalog_version FROM organizations WHERE id = ?1) = ?4 + 1"
            ),
            &[
                js(org.as_str()),
                js(holder.id.as_str()),
                js(serde_json::to_string(access)?),
                num(version),
            ],
        )
    }

    /// Put first in a batch whose writes were validated against catalog `version`: fails the
    /// batch, so nothing of it is written, when the catalog has changed since (json() of a
    /// non-JSON text is an error in SQLite).
    fn catalog_unchanged(
        &self,
        org: &OrganizationId,
        version: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "SELECT json(CASE WHEN catalog_version = ?2 THEN '0' ELSE 'catalog changed' END) \
             FROM organizations WHERE id = ?1",
            &[js(org.as_str()), num(version)],
        )
    }

    /// Runs writes validated against catalog `version` as one batch, of which nothing is written
    /// when the catalog has moved since; the results are the writes' own. On failure, see
    /// [`Store::explain_failure`].
    pub async fn batch_at(
        &self,
        org: &OrganizationId,
        version: i64,
        writes: Vec<D1PreparedStatement>,
    ) -> Result<Vec<D1Result>, worker::Error> {
        let mut batch = Vec::with_capacity(writes.len() + 1);
        batch.push(
            self.catalog_unchanged(org, version)
                .map_err(|e| worker::Error::RustError(format!("{e:?}")))?,
        );
        batch.extend(writes);
        let mut results = self.batch(batch).await?;
        results.remove(0);
        Ok(results)
    }

    /// Why a batch of [`Store::batch_at`] failed: the catalog changed (409), or something else.
    pub async fn explain_failure(
        &self,
        org: &OrganizationId,
        version: i64,
        error: worker::Error,
    ) -> StoreError {
        match self.catalog(org).await {
            Ok(now) if now.version != version => StoreError::CatalogChanged,
            _ => error.into(),
        }
    }
}
