//! Conversations: opening (routing), listing, transferring, closing. Who gets a conversation is
//! the core's `route`; the store only writes it if nothing changed meanwhile.

use crate::api::Ctx;
use crate::http::{self, ApiError};
use crate::secrets::new_id;
use crate::store::{ConversationRow, UserRow};
use livechat_access::{
    authorize, can_transfer, conversation_scope, route, validate_new_conversation,
    validate_transfer, Action, AgentSnapshot, Code, ConversationLimit, RoutingDecision,
    WaitingConversation,
};
use serde_json::json;
use worker::Response;

fn room(limit: ConversationLimit) -> Option<u8> {
    match limit {
        ConversationLimit::Unlimited => None,
        ConversationLimit::AtMost(n) => Some(n),
    }
}

fn snapshots(rows: &[UserRow]) -> Result<Vec<AgentSnapshot>, ApiError> {
    rows.iter().map(UserRow::snapshot).collect()
}

/// Routes one waiting conversation; retries when a concurrent assignment took the slot.
async fn assign_one(
    ctx: &Ctx,
    id: &str,
    conversation: &WaitingConversation,
) -> Result<RoutingDecision, ApiError> {
    for _ in 0..3 {
        let agents = snapshots(&ctx.store.online_agents().await?)?;
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
            .assign(id, None, agent_id, room(limit), ctx.now)
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
pub async fn assign_waiting(ctx: &Ctx) -> Result<(), ApiError> {
    let waiting = ctx.store.waiting_conversations(50).await?;
    if waiting.is_empty() {
        return Ok(());
    }
    let mut agents = snapshots(&ctx.store.online_agents().await?)?;
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

/// `POST /conversations` {questionnaire, language, channel}: by the chat box (service token) or
/// an admin; routed at once.
pub async fn open(ctx: &mut Ctx) -> Result<Response, ApiError> {
    if !ctx.is_service() {
        let session = ctx.session().await?;
        authorize(&session.actor, &Action::OpenConversation)?;
    }
    let conversation = validate_new_conversation(&ctx.body().await?).map_err(ApiError::form)?;
    let id = new_id();
    ctx.store
        .insert_conversation(&id, &conversation, ctx.now)
        .await?;
    let decision = assign_one(ctx, &id, &conversation).await?;
    let row = ctx.store.conversation(&id).await?.ok_or(Code::Internal)?;
    http::json(
        201,
        &json!({
            "id": row.id, "status": row.status, "assignedTo": row.assigned_to,
            "conversation": row, "routing": {"eligible": decision.eligible, "reasons": decision.reasons},
        }),
    )
}

/// `GET /conversations?status=`: agents see theirs (transfers to them included); managers and
/// admins see all.
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let status = ctx.query_choice("status", &["waiting", "assigned", "closed"])?;
    let limit = ctx.query_number("limit", 1..=500)?.unwrap_or(100);
    let items = ctx
        .store
        .conversations(
            &conversation_scope(&session.actor),
            status.as_deref(),
            limit,
        )
        .await?;
    http::json(200, &json!({"items": items}))
}

/// The conversation `id` if the caller may act on it this way; one they cannot see is "not
/// found".
async fn reachable(
    ctx: &Ctx,
    id: &str,
    action: fn(livechat_access::ConversationRef) -> Action,
) -> Result<ConversationRow, ApiError> {
    let session = ctx.session().await?;
    let row = ctx.store.conversation(id).await?.ok_or(Code::NotFound)?;
    authorize(&session.actor, &action(row.reference())).map_err(|code| match code {
        Code::Forbidden => Code::NotFound,
        other => other,
    })?;
    if row.status == "closed" {
        return Err(Code::ConversationClosed.into());
    }
    Ok(row)
}

/// `POST /conversations/{id}/transfer` {to}: the target must be eligible and have room.
pub async fn transfer(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let row = reachable(ctx, id, |conversation| Action::TransferConversation {
        conversation,
    })
    .await?;
    let to = validate_transfer(&ctx.body().await?).map_err(ApiError::form)?;
    let target = ctx
        .store
        .user(&to)
        .await?
        .ok_or(Code::NotFound)?
        .snapshot()?;
    let check = can_transfer(&row.waiting()?, &target);
    if let Some(first) = check.reasons.first() {
        return Err(ApiError::code(*first).with("reasons", json!(check.reasons)));
    }
    if !ctx
        .store
        .assign(
            id,
            row.assigned_to.as_deref(),
            &to,
            room(target.max_conversations),
            ctx.now,
        )
        .await?
    {
        // The target filled up, or the conversation moved, since we looked.
        return Err(ApiError::code(Code::AtCapacity).with("reasons", json!([Code::AtCapacity])));
    }
    assign_waiting(ctx).await?;
    let row = ctx.store.conversation(id).await?.ok_or(Code::NotFound)?;
    http::json(200, &row)
}

/// `POST /conversations/{id}/close`: frees the agent's slot for the queue.
pub async fn close(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    reachable(ctx, id, |conversation| Action::CloseConversation {
        conversation,
    })
    .await?;
    if !ctx.store.close_conversation(id, ctx.now).await? {
        return Err(Code::ConversationClosed.into());
    }
    assign_waiting(ctx).await?;
    let row = ctx.store.conversation(id).await?.ok_or(Code::NotFound)?;
    http::json(200, &row)
}
