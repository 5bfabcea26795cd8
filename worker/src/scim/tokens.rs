//! The SCIM tokens an organization's admins manage, in `/api/v1`.

use super::*;

/// `GET /organization/scim-tokens`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScimTokenList {
    /// Newest first, revoked ones included.
    pub items: Vec<ScimTokenRow>,
}

/// `POST /organization/scim-tokens`: the token, shown this once.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScimTokenCreated {
    /// The stored record.
    #[serde(flatten)]
    pub record: ScimTokenRow,
    /// `Authorization: Bearer …` for the identity provider; never shown again.
    pub token: String,
    /// The organization's SCIM base address, for the identity provider's settings.
    pub base_url: String,
}

/// `GET /organization/scim-tokens`: the organization's tokens (admins).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/organization/scim-tokens", operation_id = "scimTokens", tag = "organization", summary = "The organization's SCIM tokens (admins); never the tokens themselves", responses((status = 200, description = "OK", body = ScimTokenList), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let items = ctx.store.scim_tokens(&session.actor.organization).await?;
    http::json(200, &ScimTokenList { items })
}

/// `POST /organization/scim-tokens` {name}: a new token, shown once (admins).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/organization/scim-tokens", operation_id = "createScimToken", tag = "organization", summary = "A new SCIM token (admins), shown once", request_body = livechat_access::ScimTokenInput, responses((status = 201, description = "Created", body = ScimTokenCreated), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn create(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let name = validate_scim_token(&ctx.body().await?).map_err(ApiError::form)?;
    let org = &session.actor.organization;
    let (id, token) = (new_id(), new_token());
    let write = ctx.store.insert_scim_token(
        org,
        &id,
        &name,
        &token_digest(&token),
        Some(&session.user.id),
        ctx.now,
    )?;
    let target = (Some(id.as_str()), Some(name.as_str()));
    crate::organization::write_audited(ctx, &session, write, "scim_token_created", target).await?;
    let record = ctx
        .store
        .scim_token(org, &id)
        .await?
        .ok_or(Code::Internal)?;
    let slug = ctx
        .store
        .organization(org.as_str())
        .await?
        .ok_or(Code::Internal)?
        .slug;
    http::json(
        201,
        &ScimTokenCreated {
            record,
            token,
            base_url: format!("{}/scim/v2/{slug}", ctx.origin()?),
        },
    )
}

/// `DELETE /organization/scim-tokens/{id}`: the token stops working at once (admins).
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/organization/scim-tokens/{id}", operation_id = "revokeScimToken", tag = "organization", summary = "Revoke a SCIM token (admins): refused from the next request on", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Revoked"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn revoke(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let org = &session.actor.organization;
    let token = ctx.store.scim_token(org, id).await?.ok_or(Code::NotFound)?;
    let write = ctx.store.revoke_scim_token(org, id, ctx.now)?;
    let target = (Some(id), Some(token.name.as_str()));
    crate::organization::write_audited(ctx, &session, write, "scim_token_revoked", target).await?;
    // Revoking a revoked token changes nothing (and writes no audit entry): the same 204.
    Ok(Response::empty()?.with_status(204))
}

/// `PUT /organization/scim-settings` {activationEmails}: whether people the identity provider
/// creates without a password get the activation email (admins); answers the organization.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/organization/scim-settings", operation_id = "changeScimSettings", tag = "organization", summary = "The organization's SCIM settings (admins): the activation email of provisioned people", request_body = livechat_access::ScimSettingsInput, responses((status = 200, description = "OK", body = crate::store::OrganizationRow), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn settings(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let on = livechat_access::validate_scim_settings(&ctx.body().await?).map_err(ApiError::form)?;
    let write = ctx
        .store
        .set_scim_activation_emails(&session.actor.organization, on)?;
    let action = if on {
        "scim_activation_emails_on"
    } else {
        "scim_activation_emails_off"
    };
    crate::organization::change_organization(ctx, &session, write, (action, None)).await
}
