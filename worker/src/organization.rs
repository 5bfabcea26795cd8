//! The signed-in person's organization, and its settings as its admins write them: each write
//! audited in the same batch. Called by the rooms that hold such settings (SCIM, integrations,
//! second factors); calls only the store.

use crate::ctx::{Ctx, Session};
use crate::http::{self, ApiError};
use livechat_access::Code;
use worker::Response;

/// `GET /organization`: the caller's organization, as the page's header shows it.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/organization", operation_id = "organization", tag = "session", summary = "The signed-in user's organization", responses((status = 200, description = "OK", body = crate::store::OrganizationRow), (status = 401, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn organization(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session_to_enrol().await?;
    let row = ctx
        .store
        .organization(session.actor.organization.as_str())
        .await?
        .ok_or(Code::NotFound)?;
    http::json(200, &row)
}

/// A write by one of the organization's admins (`write`), audited as `action` about `target`
/// (id, label) in the same batch; the entry is written only if the write changed a row, so that
/// revoking twice, say, is audited once.
pub async fn write_audited(
    ctx: &Ctx,
    session: &Session,
    write: worker::D1PreparedStatement,
    action: &str,
    target: (Option<&str>, Option<&str>),
) -> Result<(), ApiError> {
    ctx.store
        .batch(
            [
                vec![write],
                ctx.store.audit::<livechat_access::Access>(
                    &session.actor.organization,
                    ctx.now,
                    Some(&session.user.id),
                    action,
                    target,
                    None,
                    None,
                )?,
            ]
            .concat(),
        )
        .await?;
    Ok(())
}

/// An organization setting written by one of its admins (`write`), audited as `action` with
/// `what`; answers the organization as it is then.
pub async fn change_organization(
    ctx: &Ctx,
    session: &Session,
    write: worker::D1PreparedStatement,
    (action, what): (&str, Option<&str>),
) -> Result<Response, ApiError> {
    let org = &session.actor.organization;
    write_audited(ctx, session, write, action, (None, what)).await?;
    let row = ctx
        .store
        .organization(org.as_str())
        .await?
        .ok_or(Code::NotFound)?;
    http::json(200, &row)
}
