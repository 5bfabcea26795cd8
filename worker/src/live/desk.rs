//! `OrganizationDesk`: an organization's live desk as a SQLite-backed Durable Object. It holds
//! the core's `LiveDesk` between requests, writes every change to its own SQLite before it
//! answers, and rebuilds from storage (conversations) and D1 (agents) when it starts.
//! Work in progress (#21): internal routes only, not yet called by the API.

use crate::store::Store;
use livechat_access::{
    Channel, LiveDesk, LiveEvent, OpenConversation, OrganizationId, WaitingConversation,
};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorageValue, State,
};

#[durable_object]
pub struct OrganizationDesk {
    state: State,
    env: Env,
    desk: RefCell<Option<LiveDesk>>,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    organization: String,
    questionnaire: String,
    language: String,
    channel: String,
    assigned_to: Option<String>,
    opened_at: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Open {
    id: String,
    organization: String,
    questionnaire: String,
    language: String,
    channel: String,
    now: i64,
}

#[derive(Deserialize)]
struct Close {
    id: String,
    now: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    events: Vec<LiveEvent>,
    agent_id: Option<String>,
}

impl OrganizationDesk {
    fn sql(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    /// The desk, loaded at first use: conversations from this object's SQLite, agents from D1.
    async fn loaded(&self, org: &OrganizationId, now: i64) -> Result<()> {
        if self.desk.borrow().is_some() {
            return Ok(());
        }
        let mut desk = LiveDesk::new();
        let store = Store::open(&self.env)?;
        let agents = store
            .online_agents(org, now)
            .await
            .map_err(|e| worker::Error::RustError(format!("{e:?}")))?;
        for row in agents {
            if let Ok(agent) = row.snapshot() {
                desk.upsert_agent(agent, now);
            }
        }
        let rows: Vec<Row> = self
            .sql()
            .exec(
                "SELECT id, organization, questionnaire, language, channel, assigned_to, opened_at FROM conversations",
                None,
            )?
            .to_array()?;
        for row in rows {
            desk.restore(OpenConversation {
                id: row.id,
                conversation: WaitingConversation {
                    organization: OrganizationId::new(row.organization),
                    questionnaire: row.questionnaire,
                    language: row.language,
                    channel: Channel::parse(&row.channel).unwrap_or(Channel::Chat),
                    assigned_to: row.assigned_to,
                },
                opened_at: row.opened_at as i64,
            });
        }
        *self.desk.borrow_mut() = Some(desk);
        Ok(())
    }

    /// Writes what `events` changed, before anyone is told.
    fn persist(&self, events: &[LiveEvent]) -> Result<()> {
        let desk = self.desk.borrow();
        let Some(desk) = desk.as_ref() else {
            return Ok(());
        };
        for event in events {
            match event {
                LiveEvent::ConversationClosed { conversation, .. } => {
                    self.sql().exec(
                        "DELETE FROM conversations WHERE id = ?",
                        vec![SqlStorageValue::from(conversation.clone())],
                    )?;
                }
                LiveEvent::ConversationAssigned { conversation, .. }
                | LiveEvent::ConversationQueued { conversation, .. }
                | LiveEvent::ConversationTransferred { conversation, .. }
                | LiveEvent::ConversationRequeued { conversation, .. } => {
                    if let Some(open) = desk.conversations().find(|c| &c.id == conversation) {
                        let c = &open.conversation;
                        self.sql().exec(
                            "INSERT INTO conversations (id, organization, questionnaire, language, channel, assigned_to, opened_at) \
                             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET assigned_to = excluded.assigned_to",
                            vec![
                                SqlStorageValue::from(open.id.clone()),
                                SqlStorageValue::from(c.organization.as_str().to_owned()),
                                SqlStorageValue::from(c.questionnaire.clone()),
                                SqlStorageValue::from(c.language.clone()),
                                SqlStorageValue::from(c.channel.as_str().to_owned()),
                                c.assigned_to.clone().map_or(SqlStorageValue::Null, SqlStorageValue::from),
                                SqlStorageValue::from(open.opened_at as f64),
                            ],
                        )?;
                    }
                }
                LiveEvent::PresenceChanged { .. } => {}
            }
        }
        Ok(())
    }
}

impl DurableObject for OrganizationDesk {
    fn new(state: State, env: Env) -> Self {
        let _ = state.storage().sql().exec(
            "CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, organization TEXT NOT NULL, \
             questionnaire TEXT NOT NULL, language TEXT NOT NULL, channel TEXT NOT NULL, \
             assigned_to TEXT, opened_at REAL NOT NULL)",
            None,
        );
        Self {
            state,
            env,
            desk: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/open" => {
                let open: Open = req.json().await?;
                let org = OrganizationId::new(&open.organization);
                self.loaded(&org, open.now).await?;
                let conversation = WaitingConversation {
                    organization: org,
                    questionnaire: open.questionnaire,
                    language: open.language,
                    channel: Channel::parse(&open.channel).unwrap_or(Channel::Chat),
                    assigned_to: None,
                };
                let (decision, events) = {
                    let mut desk = self.desk.borrow_mut();
                    let desk = desk
                        .as_mut()
                        .ok_or_else(|| worker::Error::RustError("desk".into()))?;
                    desk.open(&open.id, conversation, open.now)
                };
                self.persist(&events)?;
                Response::from_json(&Answer {
                    events,
                    agent_id: decision.agent_id,
                })
            }
            "/close" => {
                let close: Close = req.json().await?;
                let events = {
                    let mut desk = self.desk.borrow_mut();
                    match desk.as_mut() {
                        Some(desk) => desk.close(&close.id, close.now).unwrap_or_default(),
                        None => Vec::new(),
                    }
                };
                self.persist(&events)?;
                Response::from_json(&Answer {
                    events,
                    agent_id: None,
                })
            }
            _ => Response::error("not found", 404),
        }
    }
}
