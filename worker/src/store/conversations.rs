//! Conversations: the queue, assignment under capacity, closing.

use super::users::UserRow;
use super::StoreError;
use super::{changes, js, num, opt, Store};
use livechat_access::{
    Channel, ConversationRef, ConversationScope, OrganizationId, WaitingConversation,
};
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsValue;

const CONVERSATION_COLUMNS: &str =
    "id, organization_id, questionnaire, language, channel, status, assigned_to, created_at, updated_at";

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ConversationStatus {
    /// In the queue.
    Waiting,
    /// With an agent.
    Assigned,
    /// Over.
    Closed,
}

/// A stored conversation, as the API shows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(as = Conversation, rename_all = "camelCase")
)]
#[serde(rename_all(serialize = "camelCase"))]
pub struct ConversationRow {
    pub id: String,
    /// The organization whose visitor opened it.
    #[serde(rename(deserialize = "organization_id"))]
    pub organization: String,
    /// The questionnaire (project, site) it came through.
    pub questionnaire: String,
    /// The visitor's language.
    pub language: String,
    /// The channel it came through.
    pub channel: Channel,
    pub status: ConversationStatus,
    /// Who holds it.
    pub assigned_to: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ConversationRow {
    pub fn reference(&self) -> ConversationRef {
        ConversationRef {
            organization: OrganizationId::new(&self.organization),
            assigned_to: self.assigned_to.clone(),
        }
    }

    pub fn waiting(&self) -> Result<WaitingConversation, StoreError> {
        Ok(WaitingConversation {
            organization: OrganizationId::new(&self.organization),
            questionnaire: self.questionnaire.clone(),
            language: self.language.clone(),
            channel: self.channel,
            assigned_to: self.assigned_to.clone(),
        })
    }
}

impl Store {
    /// The conversation `id` of the organization; another organization's is `None`.
    pub async fn conversation(
        &self,
        org: &OrganizationId,
        id: &str,
    ) -> Result<Option<ConversationRow>, StoreError> {
        self.first(
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE organization_id = ?1 AND id = ?2"
            ),
            &[js(org.as_str()), js(id)],
        )
        .await
    }

    pub async fn conversations(
        &self,
        org: &OrganizationId,
        scope: &ConversationScope,
        status: Option<&str>,
        limit: u32,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        let (scope_sql, me) = match scope {
            ConversationScope::All => ("1", None),
            ConversationScope::AssignedTo(me) => ("assigned_to = ?1", Some(me.as_str())),
            ConversationScope::Nothing => return Ok(Vec::new()),
        };
        self.all(
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE organization_id = ?4 AND {scope_sql} \
                 AND (?2 IS NULL OR status = ?2) ORDER BY created_at DESC, id LIMIT ?3"
            ),
            &[opt(me), opt(status), num(i64::from(limit)), js(org.as_str())],
        )
        .await
    }

    pub async fn insert_conversation(
        &self,
        id: &str,
        c: &WaitingConversation,
        now: i64,
    ) -> Result<(), StoreError> {
        self.run(
            "INSERT INTO conversations (id, questionnaire, language, channel, status, created_at, updated_at, \
             organization_id) VALUES (?1, ?2, ?3, ?4, 'waiting', ?5, ?5, ?6)",
            &[js(id), js(c.questionnaire.as_str()), js(c.language.as_str()), js(c.channel.as_str()), num(now),
              js(c.organization.as_str())],
        )
        .await?;
        Ok(())
    }

    /// Agents who could take conversations at `now` (enabled, online, signed in), with their
    /// load. Only a narrowing: the core decides among them.
    pub async fn online_agents(
        &self,
        org: &OrganizationId,
        now: i64,
    ) -> Result<Vec<UserRow>, StoreError> {
        self.all(
            &format!(
                "SELECT {} FROM users WHERE organization_id = ?1 \
                 AND presence = 'online' AND disabled = 0 AND {}",
                super::users::routing_columns(2),
                super::users::signed_in(2)
            ),
            &[js(org.as_str()), num(now)],
        )
        .await
    }

    /// Gives a conversation to an agent if, at the moment of writing, it is still where the
    /// caller saw it (`from`: waiting, or held by that agent) and the agent still has room; returns
    /// whether it was written. `room` is the agent's limit (`None`: unlimited).
    pub async fn assign(
        &self,
        org: &OrganizationId,
        conversation_id: &str,
        from: Option<&str>,
        agent_id: &str,
        room: Option<u8>,
        now: i64,
    ) -> Result<bool, StoreError> {
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
                         WHERE id = ?1 AND organization_id = ?6 AND {from_sql} \
                         AND EXISTS (SELECT 1 FROM users WHERE id = ?2 AND organization_id = ?6) \
                         AND (?5 IS NULL OR (SELECT COUNT(*) FROM conversations \
                         WHERE assigned_to = ?2 AND status = 'assigned') < ?5)"
                    ),
                    &[js(conversation_id), js(agent_id), num(now), opt(from), room.map_or(JsValue::NULL, |n| num(i64::from(n))),
                      js(org.as_str())],
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

    pub async fn close_conversation(
        &self,
        org: &OrganizationId,
        id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(self
            .run(
                "UPDATE conversations SET status = 'closed', updated_at = ?2 \
                 WHERE id = ?1 AND organization_id = ?3 AND status != 'closed'",
                &[js(id), num(now), js(org.as_str())],
            )
            .await?
            == 1)
    }

    pub async fn waiting_conversations(
        &self,
        org: &OrganizationId,
        limit: u32,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        self.all(
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE organization_id = ?2 \
                 AND status = 'waiting' ORDER BY created_at, id LIMIT ?1"
            ),
            &[num(i64::from(limit)), js(org.as_str())],
        )
        .await
    }
}
