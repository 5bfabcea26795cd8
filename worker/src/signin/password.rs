//! A forgotten password (a single-use link by email) and changing one's own.

use crate::ctx::Ctx;
use crate::http::ApiError;
use crate::mail::Outgoing;
use crate::secrets::{new_id, new_token, token_digest};
use crate::signin::sessions::{brake, count_failure, start};
use crate::store::Store;
use livechat_access::{
    validate_password_change, validate_password_forgot, validate_password_reset, Code, Email,
    LoginThrottle, OrganizationId, PasswordForgot, RESET_TTL_MS,
};
use worker::{Env, Response};

/// `POST /password/forgot` {organization?, email}: 202 whatever the address, after the same
/// work: the brake is the only thing done before answering; looking the account up, writing the
/// link and queuing the email happen after the response is sent.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/password/forgot", operation_id = "forgotPassword", tag = "session", summary = "Ask for a reset link by email (202 whether the address exists or not)", request_body = livechat_access::PasswordForgotInput, responses((status = 202, description = "If the account exists, a link valid 30 minutes is on its way"), (status = 400, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 429, response = crate::http::ProblemBody)), security(())))]
pub async fn forgot(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let request = validate_password_forgot(&ctx.body().await?).map_err(ApiError::form)?;
    let organization = request
        .organization
        .clone()
        .unwrap_or_else(|| OrganizationId::DEFAULT.to_owned());
    let keys = [
        (
            format!("reset:{organization}:{}", request.email.key()),
            LoginThrottle::PER_EMAIL,
        ),
        (
            format!("reset-client:{}", ctx.client()?),
            LoginThrottle::PER_CLIENT,
        ),
    ];
    let records = brake(ctx, &keys).await?;
    // Every request counts, known address or not: the brake says nothing about who has an account.
    count_failure(ctx, &keys, &records).await?;
    let (env, origin, now) = (ctx.env.clone(), ctx.origin()?, ctx.now);
    ctx.after_response(async move {
        if let Err(e) = send_link(env, request, origin, now).await {
            worker::console_error!("password reset: {e:?}");
        }
    });
    Ok(Response::empty()?.with_status(202))
}

/// Writes a reset link for the account, if there is one in service, and queues its email.
async fn send_link(
    env: Env,
    request: PasswordForgot,
    origin: String,
    now: i64,
) -> Result<(), ApiError> {
    let store = Store::open(&env)?;
    let row = match request.organization.as_deref() {
        Some(slug) => store.organization_by_slug(slug).await?,
        None => {
            let id = OrganizationId::default_organization();
            store.organization(id.as_str()).await?
        }
    };
    let Some(row) = row.filter(|o| o.is_active()) else {
        return Ok(());
    };
    let organization = row.id();
    let Some(user) = store.user_by_email(&organization, &request.email).await? else {
        return Ok(());
    };
    if user.disabled != 0 {
        return Ok(());
    }
    // SSO required: no reset link but for the break-glass admin (the answer is the same).
    if livechat_access::local_sign_in_allowed(&row.sso_policy()?, Some(&user.id)).is_err() {
        return Ok(());
    }
    let (id, token) = (new_id(), new_token());
    let link_write = store.insert_reset(
        &id,
        &organization,
        &user.id,
        &token_digest(&token),
        now,
        now + RESET_TTL_MS,
    )?;
    // In the fragment, so the token never reaches a server log or a Referer header.
    let message = Outgoing::PasswordReset {
        reset: id,
        link: format!("{origin}/reset#token={token}"),
    };
    let config = crate::ctx::Config::from_env(&env);
    crate::mail::owe_reset(&store, &config, &organization, link_write, message, now).await
}

/// `POST /password/reset` {token, password}: the new password, every session of the account
/// ended, and a new one opened here.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/password/reset", operation_id = "resetPassword", tag = "session", summary = "Set a new password through a reset link; signs in (or, with a second factor, answers its challenge) and ends every other session", request_body = livechat_access::PasswordResetInput, responses((status = 200, description = "Signed in with the new password, or the second step's challenge", body = crate::signin::challenges::SignInAnswer), (status = 400, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 410, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(())))]
pub async fn reset(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let body = ctx.body().await?;
    let token = body.get("token").and_then(|t| t.as_str()).unwrap_or("");
    let live = ctx.store.live_reset(&token_digest(token), ctx.now).await?;
    let user = match &live {
        Some(reset) => {
            let org = OrganizationId::new(&reset.organization_id);
            ctx.store.user(&org, &reset.user_id).await?
        }
        None => None,
    };
    let email = user.as_ref().and_then(|u| Email::parse(&u.email));
    let change = validate_password_reset(&body, email.as_ref()).map_err(ApiError::form)?;
    let (Some(reset), Some(user)) = (live, user) else {
        return Err(Code::ResetLinkInvalid.into());
    };
    let org = OrganizationId::new(&reset.organization_id);
    let policy = ctx.store.sso_policy(&org).await?;
    livechat_access::local_sign_in_allowed(&policy, Some(&user.id))?;
    ctx.touch(&org);
    let hash = ctx.hash_password(&change.password)?;
    let written = ctx
        .store
        .batch(
            [
                vec![
                    ctx.store.use_reset(&reset, ctx.now)?,
                    ctx.store.set_password(&org, &user.id, &hash, ctx.now)?,
                ],
                ctx.store.audit::<livechat_access::Access>(
                    &org,
                    ctx.now,
                    Some(&user.id),
                    "password_reset",
                    (Some(&user.id), Some(&user.email)),
                    None,
                    None,
                )?,
            ]
            .concat(),
        )
        .await?;
    if written.first().is_none_or(|r| !crate::store::written(r)) {
        // Used by a concurrent request a moment ago.
        return Err(Code::ResetLinkInvalid.into());
    }
    // A reset link is the password step, not the second: whoever has a factor still uses it.
    let user = ctx
        .store
        .user(&org, &user.id)
        .await?
        .ok_or(Code::Internal)?;
    crate::signin::challenges::after_right_password(ctx, &user, 200).await
}

/// A new session for an account whose other sessions just ended (its epoch moved on).
async fn signed_in_again(ctx: &Ctx, org: &OrganizationId, id: &str) -> Result<Response, ApiError> {
    let user = ctx.store.user(org, id).await?.ok_or(Code::Internal)?;
    start(ctx, &user, 200, None).await
}

/// `PUT /me/password` {currentPassword, newPassword}: takes the current password; every other
/// session of the account ends, this one goes on with a new token.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/me/password", operation_id = "changePassword", tag = "session", summary = "Change one's own password (the current one is required); other sessions end", request_body = livechat_access::PasswordChangeInput, responses((status = 200, description = "Changed; a new session replaces this one", body = crate::signin::sessions::SessionStarted), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 429, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn change(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let email = Email::parse(&session.user.email).ok_or(Code::Internal)?;
    let change = validate_password_change(&ctx.body().await?, &email).map_err(ApiError::form)?;
    let keys = [(
        format!("password:{}", session.user.id),
        LoginThrottle::PER_EMAIL,
    )];
    let records = brake(ctx, &keys).await?;
    if !ctx
        .config
        .hash_cost
        .verify(&change.current, &session.user.password_hash)
    {
        count_failure(ctx, &keys, &records).await?;
        return Err(ApiError::form(vec![livechat_access::Violation::new(
            "currentPassword",
            Code::CurrentPasswordWrong,
        )]));
    }
    let org = &session.actor.organization;
    let hash = ctx.hash_password(&change.new)?;
    ctx.store
        .batch(
            [
                vec![ctx
                    .store
                    .set_password(org, &session.user.id, &hash, ctx.now)?],
                ctx.store.audit::<livechat_access::Access>(
                    org,
                    ctx.now,
                    Some(&session.user.id),
                    "password_changed",
                    (Some(&session.user.id), Some(&session.user.email)),
                    None,
                    None,
                )?,
            ]
            .concat(),
        )
        .await?;
    ctx.store.clear_failures(&keys[0].0).await?;
    signed_in_again(ctx, org, &session.user.id).await
}
