//! An organization's single sign-on, as its admins set it: its OpenID providers (each checked by
//! fetching its discovery document when saved; the client secret sealed, never shown again) and
//! its policy (SSO required but for a break-glass admin; people created at their first sign-in,
//! with an access that is never admin). Every change audited. Calls `sso` for discovery.

use super::sso::{discover, redirect_uri};
use crate::ctx::{Ctx, Session};
use crate::http::{self, ApiError};
use crate::organization::write_audited;
use crate::secrets::new_id;
use crate::store::SsoProviderView;
use livechat_access::{
    authorize, break_glass_fits, validate_sso_policy, validate_sso_provider, Access, Action, Code,
    OrganizationId, SsoPolicy,
};
use serde::Serialize;
use worker::Response;

/// `GET /organization/sso`: the providers, the policy, and the redirect URI to register.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SsoSettings {
    /// Oldest first; never their client secrets.
    pub providers: Vec<SsoProviderView>,
    /// The policy.
    #[serde(flatten)]
    pub policy: SsoPolicy,
    /// What to register at the provider as the redirect (callback) URI.
    pub redirect_uri: String,
}

async fn admin(ctx: &Ctx) -> Result<Session, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    Ok(session)
}

async fn settings(ctx: &Ctx, org: &OrganizationId) -> Result<SsoSettings, ApiError> {
    let providers = ctx
        .store
        .sso_providers(org)
        .await?
        .iter()
        .map(|p| p.view())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SsoSettings {
        providers,
        policy: ctx.store.sso_policy(org).await?,
        redirect_uri: redirect_uri(ctx)?,
    })
}

/// `GET /organization/sso` (admins).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/organization/sso", operation_id = "ssoSettings", tag = "organization", summary = "The organization's single sign-on: providers (never their secrets), policy, redirect URI (admins)", responses((status = 200, description = "OK", body = SsoSettings), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn get(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = admin(ctx).await?;
    http::json(200, &settings(ctx, &session.actor.organization).await?)
}

/// `PUT /organization/sso` {required, breakGlass, jit} (admins).
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/organization/sso", operation_id = "changeSsoPolicy", tag = "organization", summary = "Require single sign-on (but for a break-glass admin); create people at their first sign-in (admins)", request_body = livechat_access::SsoPolicyInput, responses((status = 200, description = "OK", body = SsoSettings), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn change_policy(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = admin(ctx).await?;
    let org = session.actor.organization.clone();
    let body = ctx.body().await?;
    let catalog = ctx.store.catalog(&org).await?;
    let policy = validate_sso_policy(&body, &catalog.catalog).map_err(ApiError::form)?;
    if let Some(id) = &policy.break_glass {
        let person = ctx.store.user(&org, id).await?;
        let role = person
            .as_ref()
            .map(|p| p.access())
            .transpose()?
            .map(|a| a.role);
        break_glass_fits(role, person.is_some_and(|p| p.disabled != 0)).map_err(|code| {
            ApiError::form(vec![
                livechat_access::Violation::new("breakGlass", code).value(id)
            ])
        })?;
    }
    let before = ctx.store.sso_policy(&org).await?;
    let write = ctx.store.set_sso_policy(&org, &policy)?;
    let audit = ctx.store.audit(
        &org,
        ctx.now,
        Some(&session.user.id),
        "sso_policy_changed",
        (None, None),
        Some(&before),
        Some(&policy),
    )?;
    ctx.store.batch([vec![write], audit].concat()).await?;
    http::json(200, &settings(ctx, &org).await?)
}

/// `POST /organization/sso/providers` (admins): checked by fetching its discovery document.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/organization/sso/providers", operation_id = "addSsoProvider", tag = "organization", summary = "A new OpenID provider (admins); its discovery document fetched and checked", request_body = livechat_access::SsoProviderInput, responses((status = 201, description = "Created", body = SsoProviderView), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 502, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn add(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = admin(ctx).await?;
    let loopback = ctx.config.report.settings.sso_allow_loopback;
    let provider =
        validate_sso_provider(&ctx.body().await?, true, loopback).map_err(ApiError::form)?;
    let org = session.actor.organization.clone();
    let discovery = discover(ctx, &provider.issuer).await?;
    let secret = provider.client_secret.as_deref().unwrap_or_default();
    let sealed = seal(ctx, secret)?;
    let id = new_id();
    let write = ctx.store.insert_sso_provider(
        &org,
        &id,
        &provider,
        (&sealed, &discovery),
        &session.user.id,
        ctx.now,
    )?;
    let target = (Some(id.as_str()), Some(provider.issuer.as_str()));
    write_audited(ctx, &session, write, "sso_provider_created", target).await?;
    http::json(201, &view(ctx, &org, &id).await?)
}

/// `PUT /organization/sso/providers/{id}` (admins): the secret kept unless a new one is given.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/organization/sso/providers/{id}", operation_id = "changeSsoProvider", tag = "organization", summary = "Change an OpenID provider, disable or enable it (admins); its secret kept unless given", params(("id" = String, Path, description = "The id")), request_body = livechat_access::SsoProviderInput, responses((status = 200, description = "OK", body = SsoProviderView), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 502, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn change(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = admin(ctx).await?;
    let org = session.actor.organization.clone();
    view(ctx, &org, id).await?;
    let loopback = ctx.config.report.settings.sso_allow_loopback;
    let provider =
        validate_sso_provider(&ctx.body().await?, false, loopback).map_err(ApiError::form)?;
    let discovery = discover(ctx, &provider.issuer).await?;
    let sealed = provider
        .client_secret
        .as_deref()
        .map(|s| seal(ctx, s))
        .transpose()?;
    let write = ctx.store.update_sso_provider(
        &org,
        id,
        &provider,
        (sealed.as_deref(), &discovery),
        ctx.now,
    )?;
    let target = (Some(id), Some(provider.issuer.as_str()));
    write_audited(ctx, &session, write, "sso_provider_changed", target).await?;
    http::json(200, &view(ctx, &org, id).await?)
}

/// `DELETE /organization/sso/providers/{id}` (admins): its links go with it.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/organization/sso/providers/{id}", operation_id = "deleteSsoProvider", tag = "organization", summary = "Remove an OpenID provider and the links made through it (admins)", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Removed"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn remove(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = admin(ctx).await?;
    let org = session.actor.organization.clone();
    let provider = view(ctx, &org, id).await?;
    let mut writes = ctx.store.delete_sso_provider(&org, id)?;
    writes.extend(ctx.store.audit::<Access>(
        &org,
        ctx.now,
        Some(&session.user.id),
        "sso_provider_deleted",
        (Some(id), Some(provider.issuer.as_str())),
        None,
        None,
    )?);
    ctx.store.batch(writes).await?;
    Ok(Response::empty()?.with_status(204))
}

async fn view(ctx: &Ctx, org: &OrganizationId, id: &str) -> Result<SsoProviderView, ApiError> {
    Ok(ctx
        .store
        .sso_provider(org, id)
        .await?
        .ok_or(Code::NotFound)?
        .view()?)
}

/// A client secret sealed like the authenticator secrets.
fn seal(ctx: &Ctx, secret: &str) -> Result<String, ApiError> {
    ctx.config.factor_keys.seal(secret).ok_or_else(|| {
        ctx.config
            .refused("FACTOR_KEY")
            .unwrap_or(Code::Internal.into())
    })
}
