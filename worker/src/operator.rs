//! The platform operator (secret `OPERATOR_TOKEN`): creates, lists, suspends and deletes
//! organizations. The operator never sees inside one: no people, no conversations, no password
//! (a new organization's first admin is invited and chooses their own).

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::invitations::accept_url;
use crate::secrets::{new_id, new_token, token_digest};
use crate::store::{is_unique_violation, OrganizationRow};
use livechat_access::{
    may_suspend_or_delete, role_defaults, validate_organization, validate_organization_patch,
    Access, Catalog, Code, OrganizationId, Role,
};
use serde::Serialize;
use worker::Response;

/// `GET /operator/organizations`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationList {
    /// By slug.
    pub items: Vec<OrganizationRow>,
}

/// `POST /operator/organizations`: the organization, and its first admin's invitation.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationCreated {
    pub organization: OrganizationRow,
    /// The first admin's single-use link, shown this once.
    pub invitation: FirstAdminInvitation,
}

/// The first admin's invitation.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FirstAdminInvitation {
    pub invitation_id: String,
    pub email: String,
    pub accept_url: String,
    pub expires_at: i64,
    /// The invitation's email: `queued`, or `failed` when the outbox could not take it.
    pub delivery: crate::store::DeliveryStatus,
}

/// The organization `id`, if the operator may suspend or delete it (the core says which).
async fn changeable(ctx: &Ctx, id: &str) -> Result<OrganizationRow, ApiError> {
    may_suspend_or_delete(&OrganizationId::new(id))?;
    Ok(ctx.store.organization(id).await?.ok_or(Code::NotFound)?)
}

fn slug_taken() -> ApiError {
    ApiError::form(vec![livechat_access::Violation::new(
        "slug",
        Code::OrganizationTaken,
    )])
}

/// `GET /operator/organizations`.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/operator/organizations", operation_id = "listOrganizations", tag = "operator", summary = "Every organization (the operator's token)", responses((status = 200, description = "OK", body = OrganizationList), (status = 401, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []))))]
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    ctx.operator()?;
    let items = ctx.store.organizations().await?;
    http::json(200, &OrganizationList { items })
}

/// `POST /operator/organizations` {slug, name, adminEmail}: the organization and its first
/// admin's invitation, written together.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/operator/organizations", operation_id = "createOrganization", tag = "operator", summary = "Create an organization and invite its first admin", request_body = livechat_access::OrganizationInput, responses((status = 201, description = "Created", body = OrganizationCreated), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []))))]
pub async fn create(ctx: &mut Ctx) -> Result<Response, ApiError> {
    ctx.operator()?;
    let new = validate_organization(&ctx.body().await?).map_err(ApiError::form)?;
    if ctx.store.organization_by_slug(&new.slug).await?.is_some() {
        return Err(slug_taken());
    }
    let org = OrganizationId::new(new_id());
    // A new organization starts with the default catalog (the column's default).
    let defaults = role_defaults(Role::Admin, &Catalog::default());
    let access = Access {
        role: Role::Admin,
        modules: defaults.modules,
        livechat: defaults.livechat,
    };
    let (invitation_id, token) = (new_id(), new_token());
    let digest = token_digest(&token);
    let expires_at = ctx.now + ctx.config.invitation_ttl_s * 1000;
    let link = accept_url(ctx, &token)?;
    let owing =
        crate::invitations::owe_invitation(ctx, &org, &invitation_id, &digest, link.clone())?;
    let mut writes = [
        vec![
            ctx.store.insert_organization(&org, &new, ctx.now)?,
            ctx.store.insert_invitation(
                &org,
                &invitation_id,
                &new.admin,
                &access,
                &digest,
                "operator",
                ctx.now,
                expires_at,
            )?,
        ],
        ctx.store.audit(
            &org,
            ctx.now,
            None,
            "invited",
            (None, Some(new.admin.as_str())),
            None,
            Some(&access),
        )?,
    ]
    .concat();
    writes.extend(owing.statement);
    match ctx.store.batch(writes).await {
        // Another request took the slug between our look and our write.
        Err(e) if is_unique_violation(&e) => return Err(slug_taken()),
        other => other?,
    };
    let ttl_s = u64::try_from(ctx.config.invitation_ttl_s).unwrap_or(60);
    ctx.store
        .remember_token(&digest, &invitation_id, ttl_s)
        .await?;
    let delivery =
        crate::invitations::post(&ctx.store, vec![(digest, owing.body)], ctx.now).await?;
    let organization = ctx
        .store
        .organization(org.as_str())
        .await?
        .ok_or(Code::Internal)?;
    http::json(
        201,
        &OrganizationCreated {
            organization,
            invitation: FirstAdminInvitation {
                invitation_id,
                email: new.admin.as_str().to_owned(),
                accept_url: link,
                expires_at,
                delivery,
            },
        },
    )
}

/// `PATCH /operator/organizations/{id}` {status}: suspending signs its people out at once.
#[cfg_attr(feature = "openapi", utoipa::path(patch, path = "/operator/organizations/{id}", operation_id = "changeOrganization", tag = "operator", summary = "Suspend (its people are signed out at once) or resume an organization", params(("id" = String, Path, description = "The id")), request_body = livechat_access::OrganizationPatchInput, responses((status = 200, description = "OK", body = OrganizationRow), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []))))]
pub async fn change(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    ctx.operator()?;
    let row = changeable(ctx, id).await?;
    let status = validate_organization_patch(&ctx.body().await?).map_err(ApiError::form)?;
    let org = OrganizationId::new(&row.id);
    ctx.store
        .batch(ctx.store.set_organization_status(&org, status, ctx.now)?)
        .await?;
    // Its desk catches up before this answers: suspended, its sockets close.
    ctx.touch(&org);
    let row = ctx.store.organization(id).await?.ok_or(Code::NotFound)?;
    http::json(200, &row)
}

/// `DELETE /operator/organizations/{id}/sso-requirement`: local sign-in allowed again in an
/// organization that requires single sign-on and lost its way in (its provider gone, and its
/// break-glass admin too). Its providers, links and the rest of its policy stay; audited as
/// `sso_required_lifted`, by no one of the organization.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/operator/organizations/{id}/sso-requirement", operation_id = "liftSsoRequirement", tag = "operator", summary = "Allow password sign-in again in an organization that requires single sign-on and lost its way in", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Lifted (or not required)"), (status = 401, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []))))]
pub async fn lift_sso_requirement(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    ctx.operator()?;
    let row = ctx.store.organization(id).await?.ok_or(Code::NotFound)?;
    let before = row.sso_policy()?;
    if before.required {
        let (org, after) = (row.id(), before.lifted());
        let write = ctx.store.set_sso_policy(&org, &after)?;
        let audit = ctx.store.audit(
            &org,
            ctx.now,
            None,
            "sso_required_lifted",
            (None, None),
            Some(&before),
            Some(&after),
        )?;
        ctx.store.batch([vec![write], audit].concat()).await?;
    }
    Ok(Response::empty()?.with_status(204))
}

/// `DELETE /operator/organizations/{id}`: every record of the organization goes, in one D1
/// transaction (users, sessions, invitations, conversations, audit entries, sign-in counters).
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/operator/organizations/{id}", operation_id = "deleteOrganization", tag = "operator", summary = "Delete an organization and all its data, in one transaction", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Deleted, with every record of it"), (status = 401, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []))))]
pub async fn remove(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    ctx.operator()?;
    let row = changeable(ctx, id).await?;
    let org = OrganizationId::new(&row.id);
    let digests = ctx.store.invitation_digests(&org).await?;
    ctx.store
        .batch(ctx.store.delete_organization(&org)?)
        .await?;
    for digest in digests {
        ctx.store.forget_token(&digest).await?;
    }
    // Its live desk's storage (conversations) goes too, and its sockets close.
    crate::live::Desk::of(&ctx.env, &org)?.wipe().await?;
    Ok(Response::empty()?.with_status(204))
}

/// `GET /operator/factor-keys`: which key seals, and how many authenticator secrets each key
/// holds across every organization (no secret, no person): when an old key holds none, it can be
/// taken out of `FACTOR_KEY`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FactorKeys {
    /// The id of the key new secrets are sealed with.
    pub sealing_key: Option<String>,
    /// Secrets by the id of the key that sealed them (`known: false`: no longer in FACTOR_KEY).
    pub secrets: Vec<SealedCount>,
    /// How many were sealed again by this call (`POST …/reseal` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resealed: Option<u32>,
}

/// How many secrets one key sealed.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealedCount {
    /// The key's id.
    pub key: String,
    pub count: u32,
    /// Whether FACTOR_KEY still holds this key.
    pub known: bool,
}

async fn factor_keys_now(ctx: &Ctx, resealed: Option<u32>) -> Result<Response, ApiError> {
    let ring = &ctx.config.factor_keys;
    let secrets = ctx
        .store
        .sealed_counts()
        .await?
        .into_iter()
        .map(|row| SealedCount {
            known: ring.has(&row.key),
            key: row.key,
            count: row.count,
        })
        .collect();
    http::json(
        200,
        &FactorKeys {
            sealing_key: ring.sealing_id().map(str::to_owned),
            secrets,
            resealed,
        },
    )
}

/// `GET /operator/factor-keys`.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/operator/factor-keys", operation_id = "factorKeys", tag = "operator", summary = "Authenticator secrets by the key that sealed them (rotating FACTOR_KEY)", responses((status = 200, description = "OK", body = FactorKeys), (status = 401, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []))))]
pub async fn factor_keys(ctx: &mut Ctx) -> Result<Response, ApiError> {
    ctx.operator()?;
    factor_keys_now(ctx, None).await
}

/// Most secrets one reseal call handles (a Worker request's CPU time stays small).
const RESEAL_BATCH: u32 = 200;

/// `POST /operator/factor-keys/reseal`: seals again with the newest key up to 200 secrets that an
/// older key of the ring sealed; call until none is left, then remove the old key.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/operator/factor-keys/reseal", operation_id = "resealFactorKeys", tag = "operator", summary = "Seal authenticator secrets again with the newest key (200 a call)", responses((status = 200, description = "What each key holds now, and how many were sealed again", body = FactorKeys), (status = 401, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []))))]
pub async fn reseal_factor_keys(ctx: &mut Ctx) -> Result<Response, ApiError> {
    ctx.operator()?;
    let ring = &ctx.config.factor_keys;
    let Some(newest) = ring.sealing_id() else {
        return Err(ctx
            .config
            .refused("FACTOR_KEY")
            .unwrap_or(ApiError::code(Code::Internal)));
    };
    let mut resealed = 0;
    for row in ctx.store.stale_secrets(newest, RESEAL_BATCH).await? {
        // Secrets under a key no longer in the ring stay as they are (and are counted).
        let Some(opened) = ring.open(&row.secret) else {
            continue;
        };
        let Some(sealed) = ring.seal(&opened.plain) else {
            continue;
        };
        let org = OrganizationId::new(&row.organization_id);
        ctx.store
            .reseal_totp(&org, &row.user_id, &row.secret, &sealed)
            .await?;
        resealed += 1;
    }
    factor_keys_now(ctx, Some(resealed)).await
}
