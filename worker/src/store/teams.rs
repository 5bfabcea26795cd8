//! Teams and their members.

use super::StoreError;
use super::{js, num, Store};
use livechat_access::{NewTeam, OrganizationId, Questionnaire};
use serde::{Deserialize, Serialize};
use worker::D1PreparedStatement;

/// A team as stored and shown.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = Team))]
#[serde(rename_all = "camelCase")]
pub struct TeamView {
    pub id: String,
    /// Unique in the organization.
    pub name: String,
    /// Questionnaires its members take conversations for.
    pub questionnaires: Vec<Questionnaire>,
    /// Its members' user ids.
    pub members: Vec<String>,
    /// The identity provider's id of the team (SCIM `externalId`).
    #[serde(skip)]
    pub external_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Deserialize)]
struct TeamRow {
    id: String,
    name: String,
    questionnaires: String,
    members: String,
    external_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl TeamRow {
    fn view(self) -> Result<TeamView, StoreError> {
        Ok(TeamView {
            id: self.id,
            name: self.name,
            questionnaires: serde_json::from_str(&self.questionnaires)?,
            members: serde_json::from_str(&self.members)?,
            external_id: self.external_id,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const TEAM: &str = "SELECT t.id, t.name, t.questionnaires, t.external_id, t.created_at, t.updated_at, \
     (SELECT json_group_array(m.user_id) FROM (SELECT user_id FROM team_members WHERE team_id = t.id ORDER BY user_id) m) AS members \
     FROM teams t";

impl Store {
    pub async fn teams(&self, org: &OrganizationId) -> Result<Vec<TeamView>, StoreError> {
        let rows: Vec<TeamRow> = self
            .all(
                &format!("{TEAM} WHERE t.organization_id = ?1 ORDER BY t.name"),
                &[js(org.as_str())],
            )
            .await?;
        rows.into_iter().map(TeamRow::view).collect()
    }

    pub async fn team(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<TeamView>, StoreError> {
        let row: Option<TeamRow> = self
            .first(
                &format!("{TEAM} WHERE t.organization_id = ?1 AND t.id = ?2"),
                &[js(org.as_str()), js(id)],
            )
            .await?;
        row.map(TeamRow::view).transpose()
    }

    /// Which of these ids are not the organization's people.
    pub async fn strangers(
        &self,
        org: &OrganizationId,
        ids: &[String],
    ) -> Result<Vec<String>, StoreError> {
        #[derive(Deserialize)]
        struct Row {
            value: String,
        }
        let rows: Vec<Row> = self
            .all(
                "SELECT value FROM json_each(?2) WHERE value NOT IN \
                 (SELECT id FROM users WHERE organization_id = ?1)",
                &[js(org.as_str()), js(serde_json::to_string(ids)?)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.value).collect())
    }

    /// Writes a team whole (new, or replacing `id`'s name, questionnaires and members).
    pub fn write_team(
        &self,
        org: &OrganizationId,
        id: &str,
        team: &NewTeam,
        external_id: Option<&str>,
        now: i64,
        new: bool,
    ) -> Result<Vec<D1PreparedStatement>, StoreError> {
        let questionnaires = serde_json::to_string(&team.questionnaires)?;
        let members = serde_json::to_string(&team.members.iter().collect::<Vec<_>>())?;
        let upsert = if new {
            self.stmt(
                "INSERT INTO teams (id, organization_id, name, questionnaires, created_at, updated_at, \
                 external_id) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
                &[
                    js(id),
                    js(org.as_str()),
                    js(team.name.as_str()),
                    js(questionnaires),
                    num(now),
                    super::opt(external_id),
                ],
            )?
        } else {
            self.stmt(
                "UPDATE teams SET name = ?3, questionnaires = ?4, updated_at = ?5, external_id = ?6 \
                 WHERE id = ?1 AND organization_id = ?2",
                &[
                    js(id),
                    js(org.as_str()),
                    js(team.name.as_str()),
                    js(questionnaires),
                    num(now),
                    super::opt(external_id),
                ],
            )?
        };
        Ok(vec![
            upsert,
            self.stmt(
                "DELETE FROM team_members WHERE team_id = ?1 AND organization_id = ?2",
                &[js(id), js(org.as_str())],
            )?,
            // Only the organization's people join, whatever the ids say.
            self.stmt(
                "INSERT INTO team_members (team_id, user_id, organization_id) \
                 SELECT ?1, u.id, ?2 FROM users u WHERE u.organization_id = ?2 \
                 AND u.id IN (SELECT value FROM json_each(?3)) \
                 AND EXISTS (SELECT 1 FROM teams WHERE id = ?1 AND organization_id = ?2)",
                &[js(id), js(org.as_str()), js(members)],
            )?,
        ])
    }

    pub fn delete_team(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<D1PreparedStatement, StoreError> {
        self.stmt(
            "DELETE FROM teams WHERE id = ?1 AND organization_id = ?2",
            &[js(id), js(org.as_str())],
        )
    }
}
