//! One's own second factors (authenticator app, recovery codes; passkeys are `passkeys.rs`'s, which
//! records them here), an admin's reset of someone else's, and the organization's policy; the
//! app's code check the second step uses. Calls nothing else of the sign-in room. The rules are
//! the core's (`second_factor.rs`); the codes' cryptography is totp-rs's.

use crate::ctx::{Ctx, Session};
use crate::http::{self, ApiError};
use crate::secrets::{random_bytes, token_digest};
use crate::store::UserRow;
use livechat_access::{
    accept_totp_step, authorize, may_remove_factor, validate_security, Action, Code, Factors,
    OrganizationId, SecondFactorPolicy, RECOVERY_CODES,
};
use serde::Serialize;
use worker::Response;

/// One's own second factors (`GET /me/second-factors`).
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SecondFactorsView {
    /// The organization's policy.
    pub policy: SecondFactorPolicy,
    /// Whether the policy requires a factor of this person.
    pub required: bool,
    /// Required and none yet: this session may only enrol one.
    pub enrolment_required: bool,
    /// An authenticator app is confirmed.
    pub totp: bool,
    /// Passkeys, oldest first.
    pub passkeys: Vec<crate::store::PasskeyView>,
    /// Recovery codes not used yet.
    pub recovery_codes_left: u32,
}

/// A new authenticator app, to scan or type (`POST /me/second-factors/totp`).
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TotpEnrolment {
    /// The secret, base32, for typing into the app.
    pub secret: String,
    /// The `otpauth://` address the QR code holds.
    pub uri: String,
    /// The QR code, SVG.
    pub qr_svg: String,
}

/// Recovery codes, shown this once.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecoveryCodes {
    /// Ten codes, each good once.
    pub codes: Vec<String>,
}

/// A factor just added: one's factors now, and the recovery codes when it was the first.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FactorAdded {
    /// One's factors now.
    pub factors: SecondFactorsView,
    /// With the first factor: ten recovery codes, shown this once.
    pub recovery_codes: Option<Vec<String>>,
}

/// Checks an app's code for `user` and records its step: `false` for a wrong, replayed or older code.
pub(super) async fn use_totp_code(
    ctx: &Ctx,
    org: &OrganizationId,
    user: &UserRow,
    code: &str,
) -> Result<bool, ApiError> {
    let Some(row) = ctx.store.totp(org, &user.id).await? else {
        return Ok(false);
    };
    let opened = factor_keys(ctx)?.open(&row.secret).ok_or_else(|| {
        // A key removed from FACTOR_KEY while secrets were still sealed under it.
        ApiError::Internal("an authenticator secret does not open with FACTOR_KEY".into())
    })?;
    if opened.stale {
        // Sealed by an older key: sealed again by the newest, so the old one can go.
        if let Some(resealed) = factor_keys(ctx)?.seal(&opened.plain) {
            ctx.store
                .reseal_totp(org, &user.id, &row.secret, &resealed)
                .await?;
        }
    }
    let secret = opened.plain;
    let matched = totp(&secret, None, &user.email)?
        .check(code, u64::try_from(ctx.now / 1000).unwrap_or(0))
        .and_then(|step| i64::try_from(step).ok());
    let Ok(step) = accept_totp_step(matched, row.last_step) else {
        return Ok(false);
    };
    // Guarded: a replay racing this request finds the step taken.
    let used = ctx
        .store
        .batch(vec![ctx
            .store
            .use_totp_step(org, &user.id, step, ctx.now)?])
        .await?;
    Ok(used.first().is_some_and(crate::store::written))
}

/// The keys authenticator-app secrets are sealed with (`FACTOR_KEY`); without one, apps cannot
/// be used at all rather than stored in the clear: 503 naming the setting.
fn factor_keys(ctx: &Ctx) -> Result<&crate::secrets::Keyring, ApiError> {
    if ctx.config.factor_keys.is_empty() {
        return Err(ctx
            .config
            .refused("FACTOR_KEY")
            .unwrap_or_else(|| ApiError::Internal("FACTOR_KEY does not open".into())));
    }
    Ok(&ctx.config.factor_keys)
}

/// The TOTP generator of a secret (RFC 6238 with the core's parameters: SHA-1, 6 digits, 30 s,
/// one step of drift either side: what every authenticator app reads from a QR code).
fn totp(secret: &str, issuer: Option<&str>, account: &str) -> Result<totp_rs::Totp, ApiError> {
    let secret = totp_rs::Secret::try_from_base32(secret)
        .map_err(|e| ApiError::Internal(format!("totp secret: {e:?}")))?;
    totp_rs::Builder::new()
        .with_algorithm(totp_rs::Algorithm::SHA1)
        .with_digits(livechat_access::TOTP_DIGITS)
        .with_skew(livechat_access::TOTP_DRIFT)
        .with_step_duration(livechat_access::TOTP_STEP_S)
        .with_secret(secret)
        .with_issuer(issuer)
        .with_account_name(account)
        .build()
        .map_err(|e| ApiError::Internal(format!("totp: {e:?}")))
}

/// One's own factors as the page shows them.
pub async fn view(ctx: &Ctx, session: &Session) -> Result<SecondFactorsView, ApiError> {
    let org = &session.actor.organization;
    let policy = ctx.store.second_factor_policy(org).await?;
    let (factors, recovery_codes_left) = ctx.store.factors(org, &session.user.id).await?;
    let required = policy.requires(session.actor.role);
    Ok(SecondFactorsView {
        policy,
        required,
        // As the session's gate sees it (a provider's second factor counts), and no longer once
        // this request enrolled one.
        enrolment_required: session.enrolling
            && livechat_access::must_enrol(policy, session.actor.role, factors.any()),
        totp: factors.totp,
        passkeys: ctx.store.passkeys(org, &session.user.id).await?,
        recovery_codes_left,
    })
}

/// `GET /me/second-factors`.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/me/second-factors", operation_id = "mySecondFactors", tag = "second factor", summary = "One's own second factors, and whether the organization requires one", responses((status = 200, description = "OK", body = SecondFactorsView), (status = 401, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn overview(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session_to_enrol().await?;
    http::json(200, &view(ctx, &session).await?)
}

/// `POST /me/second-factors/totp`: a new secret for an authenticator app, pending until its
/// first code (a confirmed app is removed first: 409 `totp_exists`).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/me/second-factors/totp", operation_id = "startTotp", tag = "second factor", summary = "Start setting up an authenticator app: its secret and QR code", responses((status = 200, description = "The secret, pending until its first code", body = TotpEnrolment), (status = 401, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn start_totp(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session_to_enrol().await?;
    let org = &session.actor.organization;
    if ctx
        .store
        .totp(org, &session.user.id)
        .await?
        .is_some_and(|t| t.confirmed_at.is_some())
    {
        return Err(Code::TotpExists.into());
    }
    let secret = totp_rs::Secret::new_stack(random_bytes::<20>()).to_base32();
    let organization = ctx
        .store
        .organization(org.as_str())
        .await?
        .ok_or(Code::Internal)?;
    // The app shows the organization's name beside the address.
    let uri = totp(&secret, Some(&organization.name), &session.user.email)?
        .to_url()
        .map_err(|e| ApiError::Internal(format!("totp url: {e:?}")))?;
    let qr = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| ApiError::Internal(e.to_string()))?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    ctx.store
        .batch(vec![ctx.store.put_pending_totp(
            org,
            &session.user.id,
            &factor_keys(ctx)?.seal(&secret).ok_or(Code::Internal)?,
            ctx.now,
        )?])
        .await?;
    http::json(
        200,
        &TotpEnrolment {
            secret,
            uri,
            qr_svg,
        },
    )
}

/// `PUT /me/second-factors/totp` {code}: the app's first code confirms it; with the first factor
/// come ten recovery codes, shown once.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/me/second-factors/totp", operation_id = "confirmTotp", tag = "second factor", summary = "Confirm an authenticator app with its first code", request_body = livechat_access::TotpCodeInput, responses((status = 200, description = "Confirmed", body = FactorAdded), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn confirm_totp(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session_to_enrol().await?;
    let code = livechat_access::validate_totp_code(&ctx.body().await?).map_err(ApiError::form)?;
    let org = session.actor.organization.clone();
    let (before, _) = ctx.store.factors(&org, &session.user.id).await?;
    let pending = ctx.store.totp(&org, &session.user.id).await?;
    if pending.as_ref().is_none_or(|t| t.confirmed_at.is_some()) {
        return Err(not_accepted("code"));
    }
    if !use_totp_code(ctx, &org, &session.user, &code).await? {
        return Err(not_accepted("code"));
    }
    audit(ctx, &session, "totp_added", None).await?;
    factor_added(ctx, &session, before).await
}

/// A code or a key refused while enrolling: a form error on `field` (422), never a 401 (the
/// session is fine; the value is not).
pub fn not_accepted(field: &str) -> ApiError {
    ApiError::new(
        Code::FieldInvalid,
        vec![livechat_access::Violation::new(
            field,
            Code::SecondFactorInvalid,
        )],
    )
}

/// One's factors after adding one; the first brings recovery codes.
pub async fn factor_added(
    ctx: &Ctx,
    session: &Session,
    before: Factors,
) -> Result<Response, ApiError> {
    let recovery_codes = if before.any() {
        None
    } else {
        Some(new_recovery_codes(ctx, session).await?)
    };
    http::json(
        200,
        &FactorAdded {
            factors: view(ctx, session).await?,
            recovery_codes,
        },
    )
}

/// Ten recovery codes (80 random bits each, shown as four groups of four), their digests stored
/// in place of the old ones.
async fn new_recovery_codes(ctx: &Ctx, session: &Session) -> Result<Vec<String>, ApiError> {
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let raw = totp_rs::Secret::new(Box::new(random_bytes::<10>())).to_base32();
            raw.as_bytes()
                .chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect();
    let digests: Vec<String> = codes
        .iter()
        .map(|c| token_digest(&livechat_access::normalize_recovery_code(c)))
        .collect();
    ctx.store
        .batch(ctx.store.replace_recovery_codes(
            &session.actor.organization,
            &session.user.id,
            &digests,
            ctx.now,
        )?)
        .await?;
    Ok(codes)
}

/// `POST /me/second-factors/recovery-codes`: ten new codes in place of the old (with a factor).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/me/second-factors/recovery-codes", operation_id = "newRecoveryCodes", tag = "second factor", summary = "Ten new recovery codes, shown once; the old ones stop working", responses((status = 200, description = "The codes", body = RecoveryCodes), (status = 401, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn recovery_codes(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let (factors, _) = ctx
        .store
        .factors(&session.actor.organization, &session.user.id)
        .await?;
    if !factors.any() {
        return Err(Code::SecondFactorRequired.into());
    }
    let codes = new_recovery_codes(ctx, &session).await?;
    audit(ctx, &session, "recovery_codes_renewed", None).await?;
    http::json(200, &RecoveryCodes { codes })
}

/// `DELETE /me/second-factors/totp`: the app goes, unless it is the last factor under a policy
/// that requires one (403 `second_factor_required`); with the last factor go the recovery codes.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/me/second-factors/totp", operation_id = "removeTotp", tag = "second factor", summary = "Remove one's authenticator app", responses((status = 204, description = "Removed"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn remove_totp(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let org = session.actor.organization.clone();
    let (factors, _) = ctx.store.factors(&org, &session.user.id).await?;
    let after = Factors {
        totp: false,
        ..factors
    };
    remove_factor(
        ctx,
        &session,
        after,
        ctx.store.delete_totp(&org, &session.user.id)?,
    )
    .await?;
    audit(ctx, &session, "totp_removed", None).await?;
    Ok(Response::empty()?.with_status(204))
}

/// Removes a factor when the core allows what is left; with the last go the recovery codes.
pub async fn remove_factor(
    ctx: &Ctx,
    session: &Session,
    after: Factors,
    delete: worker::D1PreparedStatement,
) -> Result<(), ApiError> {
    let org = &session.actor.organization;
    let policy = ctx.store.second_factor_policy(org).await?;
    may_remove_factor(policy, session.actor.role, after)?;
    let mut writes = vec![delete];
    if !after.any() {
        writes.push(ctx.store.delete_recovery_codes(org, &session.user.id)?);
    }
    ctx.store.batch(writes).await?;
    Ok(())
}

async fn audit(
    ctx: &Ctx,
    session: &Session,
    action: &str,
    what: Option<&str>,
) -> Result<(), ApiError> {
    let org = &session.actor.organization;
    ctx.store
        .batch(
            [ctx.store.audit::<livechat_access::Access>(
                org,
                ctx.now,
                Some(&session.user.id),
                action,
                (
                    Some(&session.user.id),
                    what.or(Some(session.user.email.as_str())),
                ),
                None,
                None,
            )?]
            .concat(),
        )
        .await?;
    Ok(())
}

/// `DELETE /users/{id}/second-factors`: an admin takes away someone else's factors (a lost phone):
/// their sessions end, they enrol again at their next sign-in if the policy requires it.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/users/{id}/second-factors", operation_id = "resetSecondFactors", tag = "users", summary = "Reset someone's second factors (admins; never one's own); their sessions end", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Reset"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn reset(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let org = session.actor.organization.clone();
    let target = ctx.store.user(&org, id).await?.ok_or(Code::NotFound)?;
    authorize(
        &session.actor,
        &Action::ResetSecondFactors {
            target: target.subject()?,
        },
    )?;
    let mut writes = ctx.store.reset_factors(&org, id, ctx.now)?;
    writes.extend(ctx.store.audit::<livechat_access::Access>(
        &org,
        ctx.now,
        Some(&session.user.id),
        "second_factors_reset",
        (Some(id), Some(&target.email)),
        None,
        None,
    )?);
    ctx.store.batch(writes).await?;
    Ok(Response::empty()?.with_status(204))
}

/// `PUT /organization/security` {secondFactor}: who must have a second factor (admins). It
/// applies at once: from their next request, people it newly covers may only enrol.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/organization/security", operation_id = "changeSecurity", tag = "organization", summary = "Who must have a second factor (admins)", request_body = livechat_access::SecurityInput, responses((status = 200, description = "OK", body = crate::store::OrganizationRow), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn security(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let policy = validate_security(&ctx.body().await?).map_err(ApiError::form)?;
    let write = ctx
        .store
        .set_second_factor_policy(&session.actor.organization, policy)?;
    crate::organization::change_organization(
        ctx,
        &session,
        write,
        ("second_factor_policy", Some(policy.as_str())),
    )
    .await
}
