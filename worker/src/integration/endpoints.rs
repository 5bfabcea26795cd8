//! An organization's webhook endpoints, managed by its admins (issue #22, work in progress: no
//! event is delivered yet).

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::organization::write_audited;
use crate::secrets::new_id;
use crate::store::WebhookEndpointView;
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

/// `POST /organization/webhooks`: the endpoint and its secret, shown this once.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointCreated {
    #[serde(flatten)]
    pub endpoint: WebhookEndpointView,
    /// `whsec_…`: what the receiver verifies signatures with (Standard Webhooks); never shown again.
    pub secret: String,
}

/// A new signing secret: `whsec_` and 32 random bytes in base64, as Standard Webhooks libraries read it.
fn new_secret() -> String {
    let bytes: [u8; 32] = crate::secrets::random_bytes();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// `GET /organization/webhooks` (admins).
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
pub async fn create(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let allow_loopback = ctx.config.report.settings.test_clock;
    let new =
        validate_webhook_endpoint(&ctx.body().await?, allow_loopback).map_err(ApiError::form)?;
    let org = &session.actor.organization;
    let secret = new_secret();
    let sealed = ctx.config.factor_keys.seal(&secret).ok_or_else(|| {
        ctx.config
            .refused("FACTOR_KEY")
            .unwrap_or(Code::Internal.into())
    })?;
    let id = new_id();
    let write = ctx.store.insert_webhook_endpoint(
        org,
        &id,
        &new.url,
        &new.events,
        &sealed,
        &session.user.id,
        ctx.now,
    )?;
    let target = (Some(id.as_str()), Some(new.url.as_str()));
    write_audited(ctx, &session, write, "webhook_endpoint_created", target).await?;
    let endpoint = ctx
        .store
        .webhook_endpoint(org, &id)
        .await?
        .ok_or(Code::Internal)?;
    http::json(201, &WebhookEndpointCreated { endpoint, secret })
}

/// `DELETE /organization/webhooks/{id}` (admins).
pub async fn remove(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let org = &session.actor.organization;
    let endpoint = ctx
        .store
        .webhook_endpoint(org, id)
        .await?
        .ok_or(Code::NotFound)?;
    let write = ctx.store.delete_webhook_endpoint(org, id)?;
    let target = (Some(id), Some(endpoint.url.as_str()));
    write_audited(ctx, &session, write, "webhook_endpoint_deleted", target).await?;
    Ok(Response::empty()?.with_status(204))
}
