//! What the Worker asks an organization's desk, and what it answers: JSON over the object's
//! `fetch`, never reachable from outside (only the Worker holds the binding).

use crate::store::ConversationStatus;
use livechat_access::{Channel, Code};
use serde::{Deserialize, Serialize};

/// One request to a desk. Each names its organization (the object learns it from its first
/// request) and, where routing may follow, the access version the Worker read with its caller:
/// a desk built from an older one catches up with D1 first.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Command {
    /// A visitor's conversation: routed at once, or queued.
    Open {
        organization: String,
        id: String,
        questionnaire: String,
        language: String,
        channel: Channel,
        now: i64,
        version: i64,
    },
    /// Conversations, newest first: all, or those `assigned_to` one person.
    List {
        organization: String,
        assigned_to: Option<String>,
        status: Option<ConversationStatus>,
        limit: u32,
    },
    /// One conversation.
    Get { organization: String, id: String },
    /// Hands a conversation to `to`, if it is still with `from` (where the Worker authorized it).
    Transfer {
        organization: String,
        id: String,
        from: Option<String>,
        to: String,
        now: i64,
        version: i64,
    },
    /// Ends a conversation, if it is still with `from`.
    Close {
        organization: String,
        id: String,
        from: Option<String>,
        now: i64,
        version: i64,
    },
    /// D1 changed what routing reads of the organization's people: read it again if behind.
    CatchUp { organization: String, now: i64 },
    /// The organization is deleted: the desk's storage goes, its sockets close.
    Wipe { organization: String },
}

impl Command {
    pub fn organization(&self) -> &str {
        match self {
            Command::Open { organization, .. }
            | Command::List { organization, .. }
            | Command::Get { organization, .. }
            | Command::Transfer { organization, .. }
            | Command::Close { organization, .. }
            | Command::CatchUp { organization, .. }
            | Command::Wipe { organization } => organization,
        }
    }
}

/// A desk's answer: what was asked, or the codes that refused it (first first).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Reply<T> {
    Ok(T),
    Refused(Vec<String>),
}

impl<T> Reply<T> {
    pub fn refused(codes: &[Code]) -> Reply<T> {
        Reply::Refused(codes.iter().map(|c| c.as_str().to_owned()).collect())
    }
}

/// The header carrying the person a live connection is for (the Worker authenticated them).
pub const PERSON_HEADER: &str = "x-live-person";
/// The header carrying the access version read with them.
pub const VERSION_HEADER: &str = "x-live-version";
/// The header carrying the organization.
pub const ORGANIZATION_HEADER: &str = "x-live-organization";
