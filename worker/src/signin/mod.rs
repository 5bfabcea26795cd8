//! Signing in, one room. Its entry points are here: the password step and the second step
//! (`POST /session`, `POST /session/second-factor`) and signing out (`DELETE /session`); they call
//! the rest, which never call back up. From the top: `sso_settings` (admins' API) → `sso` (a
//! provider's sign-in), `passkeys` and `password` (reset and change) → `factors` (one's second
//! factors, their records) → `challenges` (between a first step and a session) → `sessions`
//! (starting one, the brakes, ending one, presence). The rules are the core's.

pub mod challenges;
pub mod factors;
pub mod passkeys;
pub mod password;
pub mod sessions;
pub mod sso;
pub mod sso_settings;

use crate::ctx::Ctx;
use crate::http::ApiError;
use crate::secrets::token_digest;
use challenges::signed_in_by_challenge;
use factors::use_totp_code;
use livechat_access::{
    decide_sign_in, validate_login, validate_second_factor, Code, LoginThrottle, OrganizationId,
    Proof, SignIn, SsoPolicy,
};
use sessions::{brake, count_failure};
use worker::Response;

/// `POST /session` {email, password} → {token, user} and the session cookie, or the second
/// step's challenge.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/session", operation_id = "signIn", tag = "session", summary = "Sign in (the password step)", request_body = livechat_access::LoginInput, responses((status = 200, description = "Signed in (the token is also set as the `lca_session` cookie), or, for someone with a second factor, the second step's challenge", body = challenges::SignInAnswer), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 429, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(())))]
pub async fn sign_in(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let body = ctx.body().await?;
    let login = validate_login(&body).map_err(ApiError::form)?;
    let client = ctx.client()?;
    // The organization the sign-in names, whether it is in service (the core decides what a
    // suspended one means), and its SSO policy; an unknown one has no accounts, and costs the
    // same work.
    let (organization, in_service, sso) = match login.organization.as_deref() {
        Some(slug) => match ctx.store.organization_by_slug(slug).await? {
            Some(row) => (Some(row.id()), row.is_active(), row.sso_policy()?),
            None => (None, true, SsoPolicy::default()),
        },
        None => {
            let default = OrganizationId::default_organization();
            let sso = ctx.store.sso_policy(&default).await?;
            (Some(default), true, sso)
        }
    };
    if let Some(org) = &organization {
        if crate::users::bootstrap_blocked(ctx, org).await? {
            let problems = ctx.config.report.problems.iter();
            let bootstrap = problems.filter(|p| p.setting.starts_with("BOOTSTRAP_ADMIN_"));
            return Err(ApiError::settings(bootstrap.cloned().collect()));
        }
    }
    let throttled_as = organization
        .as_ref()
        .map_or("-", OrganizationId::as_str)
        .to_owned();
    let keys = [
        (
            format!("email:{throttled_as}:{}", login.email.key()),
            LoginThrottle::PER_EMAIL,
        ),
        (format!("client:{client}"), LoginThrottle::PER_CLIENT),
    ];
    let records = brake(ctx, &keys).await?;
    let cost = ctx.config.hash_cost;
    let user = match &organization {
        Some(org) => ctx.store.user_by_email(org, &login.email).await?,
        None => None,
    };
    // SSO required: no password but the break-glass admin's is even looked at.
    livechat_access::local_sign_in_allowed(&sso, user.as_ref().map(|u| u.id.as_str()))?;
    let verified = match &user {
        Some(user) if user.password_hash != crate::users::NO_PASSWORD => {
            cost.verify(&login.password, &user.password_hash)
        }
        // Unknown, or no password yet (provisioned, not activated): the same work, refused.
        _ => {
            cost.verify_nothing(&login.password);
            false
        }
    };
    let user = match (
        decide_sign_in(in_service, user.as_ref().map(|u| u.disabled != 0), verified),
        user,
    ) {
        (SignIn::Granted, Some(user)) => user,
        (SignIn::Disabled, _) => return Err(Code::AccountDisabled.into()),
        _ => {
            count_failure(ctx, &keys, &records).await?;
            return Err(Code::InvalidCredentials.into());
        }
    };
    ctx.store.clear_failures(&keys[0].0).await?;
    crate::signin::challenges::after_right_password(ctx, &user, 200).await
}

/// `POST /session/second-factor` {challenge, method, code | credential}: the second step. Throttled
/// like the password (per person and per client); a challenge survives five wrong tries; every
/// refusal says only "not accepted".
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/session/second-factor", operation_id = "secondFactor", tag = "session", summary = "The second step of a sign-in: an app's code, a recovery code or a passkey", request_body = livechat_access::SecondFactorInput, responses((status = 200, description = "Signed in; the token is also set as the `lca_session` cookie", body = crate::signin::sessions::SessionStarted), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 429, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(())))]
pub async fn second_step(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let attempt = validate_second_factor(&ctx.body().await?).map_err(ApiError::form)?;
    let digest = token_digest(&attempt.challenge);
    let challenge = ctx
        .store
        .challenge(&digest, ctx.now)
        .await?
        .filter(|c| c.purpose == "second_factor" || c.purpose == "passkey_sign_in")
        .ok_or(Code::ChallengeExpired)?;
    let org = OrganizationId::new(&challenge.organization_id);
    if challenge.purpose == "passkey_sign_in" {
        // Instead of the password: only a passkey, which names the person.
        let Proof::Passkey(credential) = &attempt.proof else {
            return Err(Code::ChallengeExpired.into());
        };
        // Per client only: the person is unknown until the passkey is verified, and a key per
        // organization would let anyone lock everyone out of it.
        let keys = [(
            format!("client:{}", ctx.client()?),
            LoginThrottle::PER_CLIENT,
        )];
        let records = brake(ctx, &keys).await?;
        return crate::signin::passkeys::finish_sign_in(
            ctx, &challenge, credential, &keys, &records,
        )
        .await;
    }
    let user_id = challenge.user_id.clone().ok_or(Code::ChallengeExpired)?;
    let keys = [
        (
            format!("second:{}:{user_id}", org.as_str()),
            LoginThrottle::PER_EMAIL,
        ),
        (
            format!("client:{}", ctx.client()?),
            LoginThrottle::PER_CLIENT,
        ),
    ];
    let records = brake(ctx, &keys).await?;
    let user = ctx
        .store
        .user(&org, &user_id)
        .await?
        .ok_or(Code::ChallengeExpired)?;
    let accepted = match &attempt.proof {
        Proof::Totp(code) => use_totp_code(ctx, &org, &user, code).await?,
        Proof::Recovery(code) => {
            let used = ctx
                .store
                .batch(vec![ctx.store.use_recovery_code(
                    &org,
                    &user.id,
                    &token_digest(code),
                    ctx.now,
                )?])
                .await?;
            used.first().is_some_and(crate::store::written)
        }
        Proof::Passkey(credential) => {
            crate::signin::passkeys::verify_second_factor(ctx, &org, &user, &challenge, credential)
                .await?
        }
    };
    if !accepted || user.disabled != 0 {
        count_failure(ctx, &keys, &records).await?;
        ctx.store
            .batch(vec![ctx.store.fail_challenge(&digest)?])
            .await?;
        return Err(Code::SecondFactorInvalid.into());
    }
    // After a provider's sign-in that showed no second factor: the session came through it.
    let via = challenge.sso_provider_id.as_deref();
    signed_in_by_challenge(ctx, &digest, &keys[0].0, &user, via).await
}

/// Signed out of a session that came through a provider offering RP-initiated logout.
#[derive(serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignedOut {
    /// Where to send the browser to sign out at the provider too (it comes back to the
    /// organization's page).
    pub end_session: String,
}

/// `DELETE /session`: ends this session (and, through a provider, names its sign-out address).
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/session", operation_id = "signOut", tag = "session", summary = "Sign out", responses((status = 200, description = "The session ended; it came through a provider: sign out there too", body = SignedOut), (status = 204, description = "The session ended"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn sign_out(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let (session, provider) = sessions::end(ctx).await?;
    // Came through a provider that offers RP-initiated logout: the page goes there next.
    let end_session = match provider {
        Some(p) => sso::end_session_url(ctx, &session.actor.organization, &p).await?,
        None => None,
    };
    let mut response = match end_session {
        Some(url) => crate::http::json(200, &SignedOut { end_session: url })?,
        None => Response::empty()?.with_status(204),
    };
    response
        .headers_mut()
        .set("set-cookie", &crate::http::session_cookie("", 0))?;
    Ok(response)
}
