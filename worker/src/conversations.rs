//! Conversations over HTTP: opening (routing), listing, transferring, closing. Each is
//! authorized here by the core, then done by the organization's live desk (`live/`), where the
//! core routes; no D1 statement beyond the caller's look-up.

use crate::ctx::Authenticated;
use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::live::{Desk, Refused};
use crate::secrets::new_id;
#[cfg(feature = "openapi")]
use crate::store::OpenedConversation;
use crate::store::{ConversationList, ConversationRow, ConversationStatus};
use livechat_access::{
    validate_new_conversation, validate_transfer, Action, Caller, Code, ConversationScope,
};
use worker::Response;

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
    // Routed by the organization's desk (no D1 statement): it catches up with D1 first if the
    // caller's look-up read a newer access version than the one it was built from.
    let opened = Desk::of(&ctx.env, &organization)?
        .open(&id, conversation, ctx.now, catalog.access_version)
        .await?;
    http::json(201, &opened)
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
    let status = match ctx
        .query_choice("status", &["waiting", "assigned", "closed"])?
        .as_deref()
    {
        Some("waiting") => Some(ConversationStatus::Waiting),
        Some("assigned") => Some(ConversationStatus::Assigned),
        Some("closed") => Some(ConversationStatus::Closed),
        _ => None,
    };
    let limit = ctx.query_number("limit", 1..=500)?.unwrap_or(100);
    let assigned_to = match caller.conversation_scope() {
        ConversationScope::All => None,
        ConversationScope::AssignedTo(me) => Some(me),
        ConversationScope::Nothing => return http::json(200, &ConversationList { items: vec![] }),
    };
    let items = Desk::of(&ctx.env, caller.organization())?
        .list(assigned_to.as_deref(), status, limit)
        .await?;
    http::json(200, &ConversationList { items })
}

/// The conversation `id` if the caller may act on it this way; one they cannot see is "not
/// found".
async fn reachable(
    ctx: &Ctx,
    id: &str,
    action: fn(livechat_access::ConversationRef) -> Action,
) -> Result<(ConversationRow, Desk, i64), ApiError> {
    let authenticated = ctx.caller().await?;
    let version = match &authenticated {
        Authenticated::Person(session) => session.catalog.access_version,
        Authenticated::Key(_, catalog) => catalog.as_ref().map_or(0, |c| c.access_version),
    };
    let caller = authenticated.caller();
    let desk = Desk::of(&ctx.env, caller.organization())?;
    let row = desk.conversation(id).await?.ok_or(Code::NotFound)?;
    caller
        .authorize(&action(row.reference()))
        .map_err(|code| match code {
            Code::Forbidden => Code::NotFound,
            other => other,
        })?;
    if row.status == ConversationStatus::Closed {
        return Err(Code::ConversationClosed.into());
    }
    Ok((row, desk, version))
}

/// `POST /conversations/{id}/transfer` {to}: the target must be eligible and have room.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/conversations/{id}/transfer", operation_id = "transferConversation", tag = "conversations", summary = "Transfer (routing rules apply)", params(("id" = String, Path, description = "The id")), request_body = livechat_access::TransferInput, responses((status = 200, description = "OK", body = ConversationRow), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []), ("integrationKey" = []))))]
pub async fn transfer(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (row, desk, version) = reachable(ctx, id, |conversation| Action::TransferConversation {
        conversation,
    })
    .await?;
    let to = validate_transfer(&ctx.body().await?).map_err(ApiError::form)?;
    match desk.transfer(&row, &to, ctx.now, version).await? {
        Ok(row) => http::json(200, &row),
        // Routing's reasons, first first: the target is not eligible, or has no room.
        Err(Refused(reasons)) => {
            let first = reasons.first().copied().unwrap_or(Code::Internal);
            Err(ApiError::code(first).with_reasons(reasons))
        }
    }
}

/// `POST /conversations/{id}/close`: frees the agent's slot for the queue.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/conversations/{id}/close", operation_id = "closeConversation", tag = "conversations", summary = "Close; the slot goes to the queue", params(("id" = String, Path, description = "The id")), responses((status = 200, description = "OK", body = ConversationRow), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []), ("integrationKey" = []))))]
pub async fn close(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (row, desk, version) = reachable(ctx, id, |conversation| Action::CloseConversation {
        conversation,
    })
    .await?;
    http::json(200, &desk.close(&row, ctx.now, version).await?)
}
