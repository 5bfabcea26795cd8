//! The Cloudflare Worker: the HTTP API over D1 and KV, and the admin page. An adapter only:
//! it decodes requests, asks the policy core (`livechat-access`) every question, stores and
//! encodes. Runs unchanged in local workerd (`wrangler dev`) and on Cloudflare.

mod api;
mod callout;
mod catalog;
mod conversations;
mod ctx;
mod http;
mod integration;
mod invitations;
mod live;
mod mail;
#[cfg(feature = "openapi")]
pub mod openapi;
mod operator;
mod organization;
mod outbox;
mod purge;
mod scim;
mod scim_filter;
mod secrets;
mod signin;
mod store;
mod teams;
mod users;

use worker::{
    event, Context, Env, MessageBatch, Request, Response, ScheduleContext, ScheduledEvent,
};

/// The identity tokens' key set at its well-known address.
const JWKS_PATH: &str = "/.well-known/jwks.json";

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let is_api = req.path().starts_with("/api/")
        || req.path().starts_with("/scim/")
        || req.path() == JWKS_PATH;
    let response = if req.path() == JWKS_PATH {
        // Where verifiers look first (RFC 8615); the same set as `/api/v1/jwks.json`.
        let config = ctx::Config::from_env(&env);
        integration::identity::jwks(&config)
            .or_else(|e| http::problem_response(e, Default::default()))?
    } else if req.path().starts_with("/scim/v2/") {
        api::handle_scim(req, env, ctx).await?
    } else if is_api {
        api::handle(req, env, ctx).await?
    } else {
        // The admin page and the wasm package, from Workers static assets.
        env.assets("ASSETS")?.fetch_request(req).await?
    };
    Ok(http::secure(response, is_api))
}

/// The outbox's consumer: each message to its own room, webhook events to
/// `integration::webhooks`, email to `mail.rs`.
#[event(queue)]
async fn queue(
    batch: MessageBatch<outbox::QueueBody>,
    env: Env,
    _ctx: Context,
) -> worker::Result<()> {
    let messages = batch.messages()?;
    let (webhooks, mail): (Vec<_>, Vec<_>) =
        messages.into_iter().partition(|m| m.body().is_webhooks());
    if !webhooks.is_empty() {
        integration::webhooks::consume(webhooks, &env).await?;
    }
    mail::consume(mail, env).await
}

/// The purge's Cron Trigger (`wrangler.toml`); every other trigger (each minute) sweeps the outbox.
const PURGE_CRON: &str = "*/30 * * * *";

/// The Cron Triggers: the purge of what expired (`purge.rs`), every half hour; the outbox's sweep
/// of what is still owed (`mail::sweep`), every minute.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let now = js_sys::Date::now() as i64;
    if event.cron() == PURGE_CRON {
        if let Err(e) = purge::run(&env, now).await {
            worker::console_error!("purge: {e:?}");
        }
    } else {
        match mail::sweep(&env, now).await {
            Ok(0) => {}
            Ok(n) => worker::console_log!("outbox: {n} owed message(s) queued again"),
            Err(e) => worker::console_error!("outbox sweep: {e:?}"),
        }
        if let Err(e) = invitations::note_expiries(&env, now).await {
            worker::console_error!("invitation expiries: {e:?}");
        }
        match integration::webhooks::sweep(&env, now).await {
            Ok(0) => {}
            Ok(n) => worker::console_log!("webhooks: {n} owed event(s) queued again"),
            Err(e) => worker::console_error!("webhooks sweep: {e:?}"),
        }
    }
}
