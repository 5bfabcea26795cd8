//! Teams on the admin page and in the API: admins make, change and remove them; managers and
//! admins see them. A team's questionnaires make its members eligible for routing.

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::secrets::new_id;
use crate::store::{is_unique_violation, TeamView};
use livechat_access::{authorize, validate_team, Action, Code, NewTeam, OrganizationId, Violation};
use serde::Serialize;
use worker::Response;

/// `GET /teams`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamList {
    /// By name.
    pub items: Vec<TeamView>,
}

fn team_taken() -> ApiError {
    ApiError::form(vec![Violation::new("name", Code::TeamTaken)])
}

/// The members that are not the organization's people, as field errors.
async fn check_members(ctx: &Ctx, org: &OrganizationId, team: &NewTeam) -> Result<(), ApiError> {
    let ids: Vec<String> = team.members.iter().cloned().collect();
    let strangers = ctx.store.strangers(org, &ids).await?;
    if strangers.is_empty() {
        return Ok(());
    }
    Err(ApiError::form(
        strangers
            .iter()
            .map(|id| Violation::new("members", Code::TeamMemberUnknown).value(id))
            .collect(),
    ))
}

/// `GET /teams`: the organization's teams (managers and admins).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/teams", operation_id = "listTeams", tag = "teams", summary = "The organization's teams (managers and admins)", responses((status = 200, description = "OK", body = TeamList), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ListUsers)?;
    let items = ctx.store.teams(&session.actor.organization).await?;
    http::json(200, &TeamList { items })
}

/// `POST /teams` {name, questionnaires, members} (admins).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/teams", operation_id = "createTeam", tag = "teams", summary = "A new team (admins)", request_body = livechat_access::TeamInput, responses((status = 201, description = "Created", body = TeamView), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn create(ctx: &mut Ctx) -> Result<Response, ApiError> {
    save(ctx, None).await
}

/// `PUT /teams/{id}` {name, questionnaires, members}: the team, replaced whole (admins).
#[cfg_attr(feature = "openapi", utoipa::path(put, path = "/teams/{id}", operation_id = "replaceTeam", tag = "teams", summary = "Replace a team (admins)", params(("id" = String, Path, description = "The id")), request_body = livechat_access::TeamInput, responses((status = 200, description = "OK", body = TeamView), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn replace(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    save(ctx, Some(id)).await
}

async fn save(ctx: &mut Ctx, existing: Option<&str>) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let org = session.actor.organization.clone();
    let before = match existing {
        Some(id) => Some(ctx.store.team(&org, id).await?.ok_or(Code::NotFound)?),
        None => None,
    };
    let team =
        validate_team(&ctx.body().await?, &session.catalog.catalog).map_err(ApiError::form)?;
    check_members(ctx, &org, &team).await?;
    let id = existing.map_or_else(new_id, str::to_owned);
    // The identity provider's id of the team stays as it set it.
    let external_id = before.as_ref().and_then(|b| b.external_id.as_deref());
    let mut writes =
        ctx.store
            .write_team(&org, &id, &team, external_id, ctx.now, before.is_none())?;
    // The audit entry follows the team's own row: the member statements after it may change
    // nothing (a team left without members), and the entry must not hang on them.
    let members = writes.split_off(1);
    writes.extend(ctx.store.audit::<livechat_access::Access>(
        &org,
        ctx.now,
        Some(&session.user.id),
        if before.is_none() {
            "team_created"
        } else {
            "team_changed"
        },
        (Some(&id), Some(&team.name)),
        None,
        None,
    )?);
    writes.extend(members);
    let version = session.catalog.version;
    match ctx.store.batch_at(&org, version, writes).await {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(team_taken()),
        Err(e) => return Err(ctx.store.explain_failure(&org, version, e).await.into()),
    }
    let view = ctx.store.team(&org, &id).await?.ok_or(Code::Internal)?;
    http::json(if before.is_none() { 201 } else { 200 }, &view)
}

/// `DELETE /teams/{id}` (admins): its members keep their own questionnaires only.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/teams/{id}", operation_id = "deleteTeam", tag = "teams", summary = "Remove a team (admins)", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Removed"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn remove(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let org = &session.actor.organization;
    let team = ctx.store.team(org, id).await?.ok_or(Code::NotFound)?;
    let written = ctx
        .store
        .batch(
            [
                vec![ctx.store.delete_team(org, id)?],
                ctx.store.audit::<livechat_access::Access>(
                    org,
                    ctx.now,
                    Some(&session.user.id),
                    "team_removed",
                    (Some(id), Some(&team.name)),
                    None,
                    None,
                )?,
            ]
            .concat(),
        )
        .await?;
    // Its memberships go with it, and D1 counts them in `changes`.
    if written.first().is_none_or(|r| !crate::store::written(r)) {
        return Err(Code::NotFound.into());
    }
    Ok(Response::empty()?.with_status(204))
}
