//! Sessions: starting one, the brakes on guessing, ending one, the current user, presence. The
//! bottom of the sign-in room: it calls nothing above it.

use crate::ctx::Ctx;
use crate::http::{self, session_cookie, ApiError};
use crate::secrets::{new_token, token_digest};
use crate::store::UserRow;
use livechat_access::{validate_presence, Code, Gate, LoginThrottle};
use serde::Serialize;
use worker::{Delay, Response};

/// A new session: its bearer token (also set as the `lca_session` cookie), shown once.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionStarted {
    /// `Authorization: Bearer …`.
    pub token: String,
    /// When it ends (ms since the epoch).
    pub expires_at: i64,
    /// Who is signed in.
    pub user: crate::store::UserView,
}

/// The brake on guessing, for one attempt under `keys` (per address, per client…): refused with
/// 429 and `Retry-After` when one is closed, slowed when one asks for it; the counts as they
/// stand, to record a failure with.
pub async fn brake(
    ctx: &Ctx,
    keys: &[(String, LoginThrottle)],
) -> Result<Vec<livechat_access::Failures>, ApiError> {
    let mut pause = 0;
    let mut records = Vec::with_capacity(keys.len());
    for (key, throttle) in keys {
        let failures = ctx.store.failures(key).await?;
        match throttle.gate(failures, ctx.now) {
            Gate::Open => {}
            Gate::Slow(ms) => pause = pause.max(ms),
            Gate::Closed(seconds) => {
                let mut error = ApiError::code(Code::RateLimited);
                if let ApiError::Problem(p) = &mut error {
                    p.retry_after = Some(seconds);
                }
                return Err(error);
            }
        }
        records.push(failures);
    }
    if pause > 0 {
        Delay::from(std::time::Duration::from_millis(u64::from(pause))).await;
    }
    Ok(records)
}

/// Counts one failure under every key of a [`brake`].
pub async fn count_failure(
    ctx: &Ctx,
    keys: &[(String, LoginThrottle)],
    records: &[livechat_access::Failures],
) -> Result<(), ApiError> {
    let writes = keys
        .iter()
        .zip(records)
        .map(|((key, throttle), failures)| {
            ctx.store
                .record_failure(key, throttle.fail(*failures, ctx.now))
        })
        .collect::<Result<Vec<_>, _>>()?;
    ctx.store.batch(writes).await?;
    Ok(())
}

/// Opens a session for `user` (`sso`: the provider it came through, and whether its ID token
/// showed a second factor); its token, shown once, and when it ends.
pub async fn open(
    ctx: &Ctx,
    user: &UserRow,
    sso: Option<(&str, bool)>,
) -> Result<(String, i64), ApiError> {
    let token = new_token();
    let expires_at = ctx.now + ctx.config.session_ttl_s * 1000;
    let insert =
        ctx.store
            .insert_session(&token_digest(&token), user, (ctx.now, expires_at), sso)?;
    ctx.store.batch(vec![insert]).await?;
    ctx.touch(&user.organization());
    Ok((token, expires_at))
}

/// Opens a session for `user` (`sso` as for [`open`]): the token in the body (shown once) and in
/// the session cookie.
pub async fn start(
    ctx: &Ctx,
    user: &UserRow,
    status: u16,
    sso: Option<(&str, bool)>,
) -> Result<Response, ApiError> {
    let (token, expires_at) = open(ctx, user, sso).await?;
    let body = SessionStarted {
        token: token.clone(),
        expires_at,
        user: user.view()?,
    };
    let mut response = http::json(status, &body)?;
    response.headers_mut().set(
        "set-cookie",
        &session_cookie(&token, ctx.config.session_ttl_s),
    )?;
    Ok(response)
}

/// Ends the session a request carries (its bearer token or cookie); the provider it came
/// through, if any.
pub async fn end(ctx: &mut Ctx) -> Result<(crate::ctx::Session, Option<String>), ApiError> {
    let token = ctx
        .req
        .headers()
        .get("authorization")?
        .and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned))
        .or_else(|| http::cookie(&ctx.req, http::SESSION_COOKIE));
    let session = ctx.session_to_enrol().await?;
    let provider = match token {
        Some(token) => {
            ctx.store
                .end_session(&token_digest(&token), &session.user.id, ctx.now)
                .await?
        }
        None => None,
    };
    Ok((session, provider))
}

/// `GET /me`.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/me", operation_id = "me", tag = "session", summary = "The signed-in user", responses((status = 200, description = "OK", body = crate::store::UserView), (status = 401, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn me(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session_to_enrol().await?;
    http::json(200, &session.user.view()?)
}

/// `PUT /me/presence` {status}: coming online may pick up waiting conversations.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/me/presence", operation_id = "setPresence", tag = "session", summary = "Set presence; coming online picks up waiting conversations", request_body = livechat_access::PresenceInput, responses((status = 200, description = "OK", body = crate::store::UserView), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn presence(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let presence = validate_presence(&ctx.body().await?).map_err(ApiError::form)?;
    let org = &session.actor.organization;
    // Coming online picks up waiting conversations: the desk catches up before this answers.
    ctx.store
        .set_presence(org, &session.user.id, presence, ctx.now)
        .await?;
    let user = ctx
        .store
        .user(org, &session.user.id)
        .await?
        .ok_or(Code::NotFound)?;
    http::json(200, &user.view()?)
}
