//! An organization's integration keys, managed by its admins in `/api/v1/organization`.

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::organization::write_audited;
use crate::secrets::{new_id, new_token, token_digest};
use crate::store::IntegrationKeyView;
use livechat_access::{
    authorize, validate_integration_key, Action, Code, IntegrationKey, KEY_PREFIX,
};
use serde::Serialize;
use worker::Response;

/// `GET /organization/integration-keys`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrationKeyList {
    /// Newest first, revoked ones included; the deployment's `SERVICE_TOKEN` first when it is
    /// still set (default organization only).
    pub items: Vec<IntegrationKeyView>,
}

/// `POST /organization/integration-keys`: the key, shown this once.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntegrationKeyCreated {
    /// The stored record.
    #[serde(flatten)]
    pub record: IntegrationKeyView,
    /// `Authorization: Bearer lca_live_…` for the service; never shown again.
    pub key: String,
}

/// How many characters of a key its record keeps, to recognise it: the prefix and 4 more.
const HINT_CHARS: usize = KEY_PREFIX.len() + 4;

/// The deployment's `SERVICE_TOKEN`, as the default organization's list shows it.
fn service_token_row(key: IntegrationKey) -> IntegrationKeyView {
    IntegrationKeyView {
        id: key.id,
        name: "SERVICE_TOKEN".into(),
        scopes: key.scopes.iter().copied().collect(),
        hint: "SERVICE_TOKEN".into(),
        created_by: None,
        created_at: 0,
        last_used_at: None,
        revoked_at: None,
        deployment_secret: true,
    }
}

/// `GET /organization/integration-keys`: the organization's keys (admins).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/organization/integration-keys", operation_id = "integrationKeys", tag = "integrations", summary = "The organization's integration keys (admins); never the keys themselves", responses((status = 200, description = "OK", body = IntegrationKeyList), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let org = &session.actor.organization;
    let mut items = ctx.store.integration_keys(org).await?;
    if let Some(key) = IntegrationKey::service_token_of(org, !ctx.config.service_tokens.is_empty())
    {
        items.insert(0, service_token_row(key));
    }
    http::json(200, &IntegrationKeyList { items })
}

/// `POST /organization/integration-keys` {name, scopes}: a new key, shown once (admins).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/organization/integration-keys", operation_id = "createIntegrationKey", tag = "integrations", summary = "A new integration key (admins), shown once", request_body = livechat_access::IntegrationKeyInput, responses((status = 201, description = "Created", body = IntegrationKeyCreated), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn create(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let new = validate_integration_key(&ctx.body().await?).map_err(ApiError::form)?;
    let org = &session.actor.organization;
    let id = new_id();
    let key = format!("{KEY_PREFIX}{}", new_token());
    let hint: String = key.chars().take(HINT_CHARS).collect();
    let write = ctx.store.insert_integration_key(
        org,
        &id,
        &new.name,
        &new.scopes,
        (&token_digest(&key), &hint),
        &session.user.id,
        ctx.now,
    )?;
    let target = (Some(id.as_str()), Some(new.name.as_str()));
    write_audited(ctx, &session, write, "integration_key_created", target).await?;
    let record = ctx
        .store
        .integration_key(org, &id)
        .await?
        .ok_or(Code::Internal)?;
    http::json(201, &IntegrationKeyCreated { record, key })
}

/// `DELETE /organization/integration-keys/{id}`: the key stops working at once (admins).
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/organization/integration-keys/{id}", operation_id = "revokeIntegrationKey", tag = "integrations", summary = "Revoke an integration key (admins): refused from the next request on", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Revoked"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn revoke(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let org = &session.actor.organization;
    if IntegrationKey::service_token_of(org, !ctx.config.service_tokens.is_empty())
        .is_some_and(|key| key.id == id)
    {
        return Err(Code::ServiceTokenIsASecret.into());
    }
    let key = ctx
        .store
        .integration_key(org, id)
        .await?
        .ok_or(Code::NotFound)?;
    let write = ctx.store.revoke_integration_key(org, id, ctx.now)?;
    let target = (Some(id), Some(key.name.as_str()));
    write_audited(ctx, &session, write, "integration_key_revoked", target).await?;
    // Revoking a revoked key changes nothing (and writes no audit entry): the same 204.
    Ok(Response::empty()?.with_status(204))
}
