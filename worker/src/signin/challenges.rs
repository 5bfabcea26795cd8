//! Between a first step (a right password, a reset link, a provider's sign-in) and a session: the
//! second step's challenge, opened for five minutes, used once. Calls `sessions` only; the entry
//! points (`mod.rs`, `passkeys`, `password`, `sso`) call it.

use super::sessions::start;
use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::secrets::{new_token, token_digest};
use crate::store::UserRow;
use livechat_access::{after_password, AfterPassword, Code, OrganizationId, SecondFactorMethod};
use serde::Serialize;
use worker::Response;

/// How long the second step may take after the password (ms).
pub const CHALLENGE_TTL_MS: i64 = 5 * 60 * 1000;

/// The password was right; the second step is next (`POST /session/second-factor`).
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecondFactorNeeded {
    /// Single-use, short-lived; never a session.
    pub challenge: String,
    /// When it expires (ms since the epoch).
    pub expires_at: i64,
    /// The factors the person has (a recovery code always works while any is left).
    pub methods: Vec<SecondFactorMethod>,
}

/// What a right password answers: a session, or (for someone with a second factor) the second
/// step's challenge. Only the API description names it: each handler writes one or the other.
#[cfg(feature = "openapi")]
#[allow(dead_code, clippy::large_enum_variant)]
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum SignInAnswer {
    /// Signed in.
    Session(super::sessions::SessionStarted),
    /// The second step is next.
    SecondFactor(SecondFactorNeeded),
}

/// After a right password (a sign-in, a reset link): a session, or the second step's challenge
/// when the person has a factor. The core decides which.
pub async fn after_right_password(
    ctx: &Ctx,
    user: &UserRow,
    status: u16,
) -> Result<Response, ApiError> {
    let org = user.organization();
    let policy = ctx.store.second_factor_policy(&org).await?;
    let (factors, _) = ctx.store.factors(&org, &user.id).await?;
    if after_password(policy, user.access()?.role, factors) != AfterPassword::SecondFactor {
        return start(ctx, user, status, None).await;
    }
    http::json(200, &open_second_step(ctx, user, factors, None).await?)
}

/// Opens the second step for `user`, who has `factors` (after a right password, a reset link,
/// or a sign-in through the provider `via` whose token showed no second factor: the session the
/// step opens remembers it, so that signing out reaches the provider too).
pub async fn open_second_step(
    ctx: &Ctx,
    user: &UserRow,
    factors: livechat_access::Factors,
    via: Option<&str>,
) -> Result<SecondFactorNeeded, ApiError> {
    let token = new_token();
    let org = user.organization();
    let expires_at = open_challenge(
        ctx,
        &token,
        &org,
        Some(&user.id),
        ("second_factor", None),
        via,
    )
    .await?;
    Ok(SecondFactorNeeded {
        challenge: token,
        expires_at,
        methods: factors.methods(),
    })
}

/// Opens a challenge for `token` (its digest stored) for five minutes, the dead ones forgotten on
/// the way (`via`: the provider whose sign-in it follows); when it expires.
pub async fn open_challenge(
    ctx: &Ctx,
    token: &str,
    org: &OrganizationId,
    user: Option<&str>,
    (purpose, state): (&str, Option<&str>),
    via: Option<&str>,
) -> Result<i64, ApiError> {
    let expires_at = ctx.now + CHALLENGE_TTL_MS;
    ctx.store
        .batch(vec![
            ctx.store.purge_challenges(ctx.now)?,
            ctx.store.insert_challenge(
                &token_digest(token),
                org,
                user,
                (purpose, state),
                via,
                expires_at,
            )?,
        ])
        .await?;
    Ok(expires_at)
}

/// The challenge used up (once: a second use, even a concurrent one, is refused), the failures
/// forgotten, a session opened (through the provider `via` when the first step was its).
pub async fn signed_in_by_challenge(
    ctx: &Ctx,
    digest: &str,
    throttle_key: &str,
    user: &UserRow,
    via: Option<&str>,
) -> Result<Response, ApiError> {
    let used = ctx
        .store
        .batch(vec![ctx.store.consume_challenge(digest, ctx.now)?])
        .await?;
    if used.first().is_none_or(|r| !crate::store::written(r)) {
        return Err(Code::ChallengeExpired.into());
    }
    ctx.store.clear_failures(throttle_key).await?;
    start(ctx, user, 200, via.map(|provider| (provider, false))).await
}
