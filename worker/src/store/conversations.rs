//! Conversations as the API shows them. They live in each organization's desk (`live/`); D1 only
//! holds those written before the desks, until their desk takes them over.

use super::StoreError;
use super::{js, Store};
use livechat_access::{Channel, ConversationRef, OrganizationId, ReasonCount, WaitingConversation};
use serde::{Deserialize, Serialize};

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
    #[serde(rename(deserialize = "organization_id"), alias = "organization")]
    pub organization: String,
    /// The questionnaire (project, site) it came through.
    pub questionnaire: String,
    /// The visitor's language.
    pub language: String,
    /// The channel it came through.
    pub channel: Channel,
    pub status: ConversationStatus,
    /// Who holds it.
    #[serde(alias = "assignedTo")]
    pub assigned_to: Option<String>,
    #[serde(alias = "createdAt")]
    pub created_at: i64,
    #[serde(alias = "updatedAt")]
    pub updated_at: i64,
}

/// `POST /conversations`: the conversation, and how routing went.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OpenedConversation {
    /// Its id.
    pub id: String,
    /// `assigned` when an agent took it, else `waiting`.
    pub status: ConversationStatus,
    /// Who took it.
    pub assigned_to: Option<String>,
    /// The whole conversation.
    pub conversation: ConversationRow,
    /// How many agents could take it, and why the others could not.
    pub routing: RoutingSummary,
}

/// Routing's tally for one conversation.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingSummary {
    /// Agents who could take it.
    pub eligible: u32,
    /// For the others, the first reason each could not, counted.
    pub reasons: Vec<ReasonCount>,
}

/// `GET /conversations`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationList {
    /// Newest first.
    pub items: Vec<ConversationRow>,
}

impl ConversationRow {
    pub fn reference(&self) -> ConversationRef {
        ConversationRef {
            organization: OrganizationId::new(&self.organization),
            assigned_to: self.assigned_to.clone(),
        }
    }

    pub fn waiting(&self) -> WaitingConversation {
        WaitingConversation {
            organization: OrganizationId::new(&self.organization),
            questionnaire: self.questionnaire.clone(),
            language: self.language.clone(),
            channel: self.channel,
            assigned_to: self.assigned_to.clone(),
        }
    }
}

impl Store {
    /// Conversations still in D1 (written before each organization had its live desk), for the
    /// desk to take over at its first start.
    pub async fn leftover_conversations(
        &self,
        org: &OrganizationId,
    ) -> Result<Vec<ConversationRow>, StoreError> {
        self.all(
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE organization_id = ?1 \
                 ORDER BY created_at, id LIMIT 500"
            ),
            &[js(org.as_str())],
        )
        .await
    }

    /// Removes from D1 the conversations the desk has written to its own storage.
    pub async fn forget_conversations(
        &self,
        org: &OrganizationId,
        ids: &[String],
    ) -> Result<(), StoreError> {
        self.run(
            "DELETE FROM conversations WHERE organization_id = ?1 \
             AND id IN (SELECT value FROM json_each(?2))",
            &[js(org.as_str()), js(serde_json::to_string(ids)?)],
        )
        .await?;
        Ok(())
    }
}
