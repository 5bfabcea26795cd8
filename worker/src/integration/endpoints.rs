//! An organization's webhook endpoints, managed by its admins: add (the secret shown once),
//! change, disable, rotate the secret, delete; each endpoint's delivery log and redelivery.

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::organization::write_audited;
use crate::secrets::new_id;
use crate::store::{DeliveryView, WebhookEndpointView};
use base64::Engine;
use livechat_access::{authorize, validate_webhook_endpoint, Action, Code};
use serde::Serialize;
use worker::Response;

/// `GET /organization/webhooks`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointList {
    /// Newest first.
    pub items: Vec<WebhookEndpointView>,
}

/// An endpoint and its new secret, shown this once.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointCreated {
    #[serde(flatten)]
    pub endpoint: WebhookEndpointView,
    /// `whsec_…`: what the receiver verifies signatures with (Standard Webhooks); never shown again.
    pub secret: String,
}

/// `GET /organization/webhooks/{id}/deliveries`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeliveryLog {
    /// The latest 100 events sent to it, newest first, each with its attempts.
    pub items: Vec<DeliveryView>,
}

/// A new signing secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries read it.
fn new_secret() -> String {
    let bytes: [u8; 32] = crate::secrets::random_bytes();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A new secret sealed like the authenticator secrets.
fn sealed_secret(ctx: &Ctx) -> Result<(String, String), ApiError> {
    let secret = new_secret();
    let sealed = ctx.config.factor_keys.seal(&secret).ok_or_else(|| {
        ctx.config
            .refused("FACTOR_KEY")
            .unwrap_or(Code::Internal.into())
    })?;
    Ok((secret, sealed))
}

/// The admin signed in, and the endpoint `id` of their organization.
async fn endpoint_of(
    ctx: &mut Ctx,
    id: &str,
) -> Result<(crate::ctx::Session, WebhookEndpointView), ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let endpoint = ctx
        .store
        .webhook_endpoint(&session.actor.organization, id)
        .await?
        .ok_or(Code::NotFound)?;
    Ok((session, endpoint))
}

/// The endpoint `id` as it is now.
async fn reread(
    ctx: &Ctx,
    org: &livechat_access::OrganizationId,
    id: &str,
) -> Result<WebhookEndpointView, ApiError> {
    Ok(ctx
        .store
        .webhook_endpoint(org, id)
        .await?
        .ok_or(Code::NotFound)?)
}

/// `GET /organization/webhooks` (admins).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/organization/webhooks", operation_id = "webhookEndpoints", tag = "integrations", summary = "The organization's webhook endpoints (admins); never their secrets", responses((status = 200, description = "OK", body = WebhookEndpointList), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let items = ctx
        .store
        .webhook_endpoints(&session.actor.organization)
        .await?;
    http::json(200, &WebhookEndpointList { items })
}

/// `POST /organization/webhooks` {url, events} (admins): the secret is shown once.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/organization/webhooks", operation_id = "createWebhookEndpoint", tag = "integrations", summary = "A new webhook endpoint (admins); its secret shown once", request_body = livechat_access::WebhookEndpointInput, responses((status = 201, description = "Created", body = WebhookEndpointCreated), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn create(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let loopback = ctx.config.report.settings.webhook_allow_loopback;
    let new = validate_webhook_endpoint(&ctx.body().await?, loopback).map_err(ApiError::form)?;
    let org = &session.actor.organization;
    let (secret, sealed) = sealed_secret(ctx)?;
    let id = new_id();
    let page = format!("{}/", ctx.origin()?);
    let write = ctx.store.insert_webhook_endpoint(
        org,
        &id,
        &new.url,
        &new.events,
        &sealed,
        (&session.user.id, &page),
        ctx.now,
    )?;
    let target = (Some(id.as_str()), Some(new.url.as_str()));
    write_audited(ctx, &session, write, "webhook_endpoint_created", target).await?;
    let mut endpoint = reread(ctx, org, &id).await?;
    if !new.enabled {
        let write =
            ctx.store
                .update_webhook_endpoint(org, &id, (&new.url, &new.events, false), ctx.now)?;
        ctx.store.batch(vec![write]).await?;
        endpoint = reread(ctx, org, &id).await?;
    }
    http::json(201, &WebhookEndpointCreated { endpoint, secret })
}

/// `PUT /organization/webhooks/{id}` {url, events, enabled} (admins).
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/organization/webhooks/{id}", operation_id = "changeWebhookEndpoint", tag = "integrations", summary = "Change a webhook endpoint's address or events, disable or enable it (admins)", params(("id" = String, Path, description = "The id")), request_body = livechat_access::WebhookEndpointInput, responses((status = 200, description = "OK", body = WebhookEndpointView), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn change(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, _) = endpoint_of(ctx, id).await?;
    let loopback = ctx.config.report.settings.webhook_allow_loopback;
    let new = validate_webhook_endpoint(&ctx.body().await?, loopback).map_err(ApiError::form)?;
    let org = &session.actor.organization;
    let write = ctx.store.update_webhook_endpoint(
        org,
        id,
        (&new.url, &new.events, new.enabled),
        ctx.now,
    )?;
    let target = (Some(id), Some(new.url.as_str()));
    write_audited(ctx, &session, write, "webhook_endpoint_changed", target).await?;
    http::json(200, &reread(ctx, org, id).await?)
}

/// `DELETE /organization/webhooks/{id}` (admins): its deliveries go with it.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/organization/webhooks/{id}", operation_id = "deleteWebhookEndpoint", tag = "integrations", summary = "Delete a webhook endpoint and its delivery log (admins)", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Deleted"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn remove(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, endpoint) = endpoint_of(ctx, id).await?;
    let write = ctx
        .store
        .delete_webhook_endpoint(&session.actor.organization, id)?;
    let target = (Some(id), Some(endpoint.url.as_str()));
    write_audited(ctx, &session, write, "webhook_endpoint_deleted", target).await?;
    Ok(Response::empty()?.with_status(204))
}

/// `POST /organization/webhooks/{id}/secret` (admins): a new secret, shown once, signs from now
/// on; the previous one signs too until `DELETE …/previous-secret`, so receivers switch at leisure.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/organization/webhooks/{id}/secret", operation_id = "rotateWebhookSecret", tag = "integrations", summary = "Rotate a webhook endpoint's secret (admins): the new one shown once, both sign until the previous is removed", params(("id" = String, Path, description = "The id")), responses((status = 200, description = "The endpoint and its new secret", body = WebhookEndpointCreated), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn rotate(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, endpoint) = endpoint_of(ctx, id).await?;
    let org = &session.actor.organization;
    let (secret, sealed) = sealed_secret(ctx)?;
    let write = ctx.store.rotate_webhook_secret(org, id, &sealed, ctx.now)?;
    let target = (Some(id), Some(endpoint.url.as_str()));
    write_audited(ctx, &session, write, "webhook_secret_rotated", target).await?;
    let endpoint = reread(ctx, org, id).await?;
    http::json(200, &WebhookEndpointCreated { endpoint, secret })
}

/// `DELETE /organization/webhooks/{id}/previous-secret` (admins): the end of a rotation.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/organization/webhooks/{id}/previous-secret", operation_id = "endWebhookRotation", tag = "integrations", summary = "End a rotation: only the newest secret signs (admins)", params(("id" = String, Path, description = "The id")), responses((status = 200, description = "OK", body = WebhookEndpointView), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn end_rotation(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, endpoint) = endpoint_of(ctx, id).await?;
    let org = &session.actor.organization;
    let write = ctx.store.drop_previous_webhook_secret(org, id, ctx.now)?;
    let target = (Some(id), Some(endpoint.url.as_str()));
    write_audited(ctx, &session, write, "webhook_rotation_ended", target).await?;
    http::json(200, &reread(ctx, org, id).await?)
}

/// `GET /organization/webhooks/{id}/deliveries` (admins): the delivery log.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/organization/webhooks/{id}/deliveries", operation_id = "webhookDeliveries", tag = "integrations", summary = "A webhook endpoint's latest deliveries, each attempt with its time, status, duration and error (admins)", params(("id" = String, Path, description = "The id")), responses((status = 200, description = "OK", body = DeliveryLog), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn deliveries(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, _) = endpoint_of(ctx, id).await?;
    let items = ctx
        .store
        .webhook_deliveries(&session.actor.organization, id, 100)
        .await?;
    http::json(200, &DeliveryLog { items })
}

/// `POST /organization/webhooks/{id}/redeliver` {event} (admins): sent again now, with the same
/// `webhook-id`.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/organization/webhooks/{id}/redeliver", operation_id = "redeliverWebhook", tag = "integrations", summary = "Send an event to an endpoint again, with the same webhook-id (admins)", params(("id" = String, Path, description = "The id")), request_body = livechat_access::RedeliverInput, responses((status = 202, description = "Owed again: on its way"), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn redeliver(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, _) = endpoint_of(ctx, id).await?;
    let event = livechat_access::validate_redelivery(&ctx.body().await?).map_err(ApiError::form)?;
    let org = &session.actor.organization;
    if !ctx.store.redeliver(org, id, &event, ctx.now).await? {
        return Err(Code::NotFound.into());
    }
    ctx.store.owed_events.borrow_mut().push(event);
    Ok(Response::empty()?.with_status(202))
}
