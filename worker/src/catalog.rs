//! The organization's catalog, managed by its admins (Paramètres → Catalogue).

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::store::Record;
use livechat_access::{authorize, plan_catalog_change, validate_catalog, Action, Code};
use worker::Response;

/// `GET /organization/catalog`: what the forms of the caller's organization offer; every member
/// reads it (the page's pickers and the browser's validation use it).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/organization/catalog", operation_id = "catalog", tag = "organization", summary = "The organization's catalog: questionnaires, extra modules, languages, locale", responses((status = 200, description = "OK", body = livechat_access::CatalogInput), (status = 401, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn show(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    http::json(200, &session.catalog.catalog)
}

/// `PUT /organization/catalog`: replaces the catalog (admins). An entry someone still holds is
/// not removed: 409 `catalog_entry_in_use` lists every holder. Admins' modules follow the
/// catalog in the same transaction.
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/organization/catalog", operation_id = "replaceCatalog", tag = "organization", summary = "Replace the catalog (admins); removing an entry someone holds is refused with the holders", request_body = livechat_access::CatalogInput, responses((status = 200, description = "The new catalog", body = livechat_access::CatalogInput), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn replace(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let next = validate_catalog(&ctx.body().await?).map_err(ApiError::form)?;
    let org = &session.actor.organization;
    let current = &session.catalog;
    let removed = current.catalog.removed_by(&next);
    let holders = ctx.store.catalog_holders(org, &removed).await?;
    let realigned =
        plan_catalog_change(&current.catalog, &next, &holders).map_err(ApiError::held)?;

    let mut writes = vec![ctx
        .store
        .set_catalog(org, &next, current.version, &removed)?];
    writes.extend(ctx.store.audit(
        org,
        ctx.now,
        Some(&session.user.id),
        "catalog_changed",
        (None, None),
        Some(&Record::Catalog(current.catalog.to_input())),
        Some(&Record::Catalog(next.to_input())),
    )?);
    for (holder, access) in &realigned {
        let before = holders
            .iter()
            .find(|h| h.id == holder.id)
            .and_then(|h| match &h.held {
                livechat_access::Held::Access(access) => Some(access),
                livechat_access::Held::Questionnaires(_) => None,
            });
        writes.push(
            ctx.store
                .realign_access(org, holder, access, current.version)?,
        );
        writes.extend(ctx.store.audit(
            org,
            ctx.now,
            Some(&session.user.id),
            "changed",
            (Some(&holder.id), Some(&holder.email)),
            before.cloned().map(Record::Access).as_ref(),
            Some(&Record::Access(access.clone())),
        )?);
    }
    let results = ctx.store.batch(writes).await?;
    if results.first().is_none_or(|r| !crate::store::written(r)) {
        // Another change came first, or someone took a removed entry meanwhile: the admin
        // reloads and sees the catalog and its holders as they are now.
        return Err(Code::CatalogChanged.into());
    }
    http::json(200, &next)
}
