//! Conversations: opening (routing), listing, transferring, closing. Who gets a conversation is
//! the core's `route`; the store only writes it if nothing changed meanwhile.

use crate::ctx::Authenticated;
use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::secrets::new_id;
use crate::store::ConversationStatus;
use crate::store::{ConversationRow, UserRow};
use livechat_access::ReasonCount;
use livechat_access::{
    can_transfer, route, validate_new_conversation, validate_transfer, Action, AgentSnapshot,
    Caller, Code, ConversationLimit, OrganizationId, RoutingDecision, WaitingConversation,
};
use serde::Serialize;
use worker::Response;

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

fn room(limit: ConversationLimit) -> Option<u8> {
    match limit {
        ConversationLimit::Unlimited => None,
        ConversationLimit::AtMost(n) => Some(n),
    }
}

fn snapshots(rows: &[UserRow]) -> Result<Vec<AgentSnapshot>, ApiError> {
    Ok(rows
        .iter()
        .map(UserRow::snapshot)
        .collect::<Result<_, _>>()?)
}

/// Routes one waiting conversation; retries when a concurrent assignment took the slot.
async fn assign_one(
    ctx: &Ctx,
    id: &str,
    conversation: &WaitingConversation,
) -> Result<RoutingDecision, ApiError> {
    let org = &conversation.organization;
    for _ in 0..3 {
        let agents = snapshots(&ctx.store.online_agents(org, ctx.now).await?)?;
        let decision = route(conversation, &agents);
        let Some(agent_id) = decision.agent_id.as_deref() else {
            return Ok(decision);
        };
        let limit = agents
            .iter()
            .find(|a| a.id == agent_id)
            .map_or(ConversationLimit::AtMost(0), |a| a.max_conversations);
        if ctx
            .store
            .assign(org, id, None, agent_id, room(limit), ctx.now)
            .await?
        {
            return Ok(decision);
        }
    }
    Ok(RoutingDecision {
        agent_id: None,
        eligible: 0,
        reasons: Vec::new(),
    })
}

/// Gives waiting conversations, oldest first, to agents who have room: run whenever capacity
/// frees up (close, transfer, disable) or an agent comes online.
pub async fn assign_waiting(ctx: &Ctx, org: &OrganizationId) -> Result<(), ApiError> {
    let waiting = ctx.store.waiting_conversations(org, 50).await?;
    if waiting.is_empty() {
        return Ok(());
    }
    let mut agents = snapshots(&ctx.store.online_agents(org, ctx.now).await?)?;
    for row in waiting {
        let conversation = row.waiting()?;
        let Some(agent_id) = route(&conversation, &agents).agent_id else {
            continue;
        };
        let Some(agent) = agents.iter_mut().find(|a| a.id == agent_id) else {
            continue;
        };
        if ctx
            .store
            .assign(
                org,
                &row.id,
                None,
                &agent_id,
                room(agent.max_conversations),
                ctx.now,
            )
            .await?
        {
            // Keep the snapshot current for the next conversation of this pass.
            agent.load += 1;
            agent.last_assigned_at = Some(ctx.now);
        }
    }
    Ok(())
}

/// `POST /conversations` {questionnaire, language, channel}: by the chat box (its integration key) or
/// an admin; routed at once.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/conversations", operation_id = "openConversation", tag = "conversations", summary = "Open and route a conversation (admins, or a key with conversations:open)", request_body = livechat_access::NewConversationInput, responses((status = 201, description = "Created", body = OpenedConversation), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("integrationKey" = []))))]
pub async fn open(ctx: &mut Ctx) -> Result<Response, ApiError> {
    // The chat box's key opens its organization's conversations; an admin, their own.
    let caller = ctx.caller().await?;
    caller.caller().authorize(&Action::OpenConversation)?;
    let (organization, catalog) = match caller {
        Authenticated::Person(session) => (session.actor.organization, session.catalog),
        Authenticated::Key(key, catalog) => {
            let catalog = match catalog {
                Some(catalog) => catalog,
                None => ctx.store.catalog(&key.organization).await?,
            };
            (key.organization, catalog)
        }
    };
    let conversation =
        validate_new_conversation(&ctx.body().await?, &organization, &catalog.catalog)
            .map_err(ApiError::form)?;
    let id = new_id();
    ctx.store
        .insert_conversation(&id, &conversation, ctx.now)
        .await?;
    let decision = assign_one(ctx, &id, &conversation).await?;
    let row = ctx
        .store
        .conversation(&organization, &id)
        .await?
        .ok_or(Code::Internal)?;
    http::json(
        201,
        &OpenedConversation {
            id: row.id.clone(),
            status: row.status,
            assigned_to: row.assigned_to.clone(),
            conversation: row,
            routing: RoutingSummary {
                eligible: decision.eligible,
                reasons: decision.reasons,
            },
        },
    )
}

/// `GET /conversations?status=`: agents see theirs (transfers to them included); managers and
/// admins see all.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/conversations", operation_id = "listConversations", tag = "conversations", summary = "Conversations (agents: their own)", params(("status" = Option<crate::store::ConversationStatus>, Query, description = "Only these"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "How many (100)")), responses((status = 200, description = "OK", body = ConversationList), (status = 401, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []), ("integrationKey" = []))))]
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let caller = ctx.caller().await?.caller();
    if let Caller::Key(_) = caller {
        // A key reads conversations with its scope; a person, by the scope rule below.
        let every = livechat_access::ConversationRef {
            organization: caller.organization().clone(),
            assigned_to: None,
        };
        caller.authorize(&Action::ViewConversation {
            conversation: every,
        })?;
    }
    let status = ctx.query_choice("status", &["waiting", "assigned", "closed"])?;
    let limit = ctx.query_number("limit", 1..=500)?.unwrap_or(100);
    let items = ctx
        .store
        .conversations(
            caller.organization(),
            &caller.conversation_scope(),
            status.as_deref(),
            limit,
        )
        .await?;
    http::json(200, &ConversationList { items })
}

/// The conversation `id` if the caller may act on it this way; one they cannot see is "not
/// found".
async fn reachable(
    ctx: &Ctx,
    id: &str,
    action: fn(livechat_access::ConversationRef) -> Action,
) -> Result<ConversationRow, ApiError> {
    let caller = ctx.caller().await?.caller();
    let row = ctx
        .store
        .conversation(caller.organization(), id)
        .await?
        .ok_or(Code::NotFound)?;
    caller
        .authorize(&action(row.reference()))
        .map_err(|code| match code {
            Code::Forbidden => Code::NotFound,
            other => other,
        })?;
    if row.status == ConversationStatus::Closed {
        return Err(Code::ConversationClosed.into());
    }
    Ok(row)
}

/// `POST /conversations/{id}/transfer` {to}: the target must be eligible and have room.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/conversations/{id}/transfer", operation_id = "transferConversation", tag = "conversations", summary = "Transfer (routing rules apply)", params(("id" = String, Path, description = "The id")), request_body = livechat_access::TransferInput, responses((status = 200, description = "OK", body = ConversationRow), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []), ("integrationKey" = []))))]
pub async fn transfer(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let row = reachable(ctx, id, |conversation| Action::TransferConversation {
        conversation,
    })
    .await?;
    let org = OrganizationId::new(&row.organization);
    let to = validate_transfer(&ctx.body().await?).map_err(ApiError::form)?;
    let target = ctx
        .store
        .person_at(&org, &to, ctx.now)
        .await?
        .ok_or(Code::NotFound)?
        .snapshot()?;
    let check = can_transfer(&row.waiting()?, &target);
    if let Some(first) = check.reasons.first() {
        return Err(ApiError::code(*first).with_reasons(check.reasons.clone()));
    }
    if !ctx
        .store
        .assign(
            &org,
            id,
            row.assigned_to.as_deref(),
            &to,
            room(target.max_conversations),
            ctx.now,
        )
        .await?
    {
        // The target filled up, or the conversation moved, since we looked.
        return Err(ApiError::code(Code::AtCapacity).with_reasons(vec![Code::AtCapacity]));
    }
    freed(ctx, &org, id).await
}

/// After a slot freed up: the queue moves on, and the conversation is answered as it now stands.
async fn freed(ctx: &Ctx, org: &OrganizationId, id: &str) -> Result<Response, ApiError> {
    assign_waiting(ctx, org).await?;
    let row = ctx
        .store
        .conversation(org, id)
        .await?
        .ok_or(Code::NotFound)?;
    http::json(200, &row)
}

/// `POST /conversations/{id}/close`: frees the agent's slot for the queue.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/conversations/{id}/close", operation_id = "closeConversation", tag = "conversations", summary = "Close; the slot goes to the queue", params(("id" = String, Path, description = "The id")), responses((status = 200, description = "OK", body = ConversationRow), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []), ("integrationKey" = []))))]
pub async fn close(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let row = reachable(ctx, id, |conversation| Action::CloseConversation {
        conversation,
    })
    .await?;
    let org = OrganizationId::new(&row.organization);
    if !ctx.store.close_conversation(&org, id, ctx.now).await? {
        return Err(Code::ConversationClosed.into());
    }
    freed(ctx, &org, id).await
}
