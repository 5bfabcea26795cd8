//! SCIM Groups: the organization's teams.

use super::*;

pub(super) fn group_of(team: &crate::store::TeamView, base: &str) -> serde_json::Value {
    livechat_access::group_resource(
        &livechat_access::GroupParts {
            id: &team.id,
            external_id: team.external_id.as_deref(),
            name: &team.name,
            questionnaires: &team.questionnaires,
            members: &team.members,
            times: (team.created_at, team.updated_at),
        },
        base,
    )
}

/// The organization's Groups (teams) a filter matches, by name.
pub(super) async fn matched_groups(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    filter: Option<&scim_v2::filter::Filter>,
) -> Result<Vec<serde_json::Value>, Refusal> {
    Ok(ctx
        .store
        .teams(org)
        .await?
        .iter()
        .map(|t| group_of(t, base))
        .filter(|g| filter.is_none_or(|f| crate::scim_filter::matches(f, g)))
        .collect())
}

pub(super) async fn team(
    ctx: &Ctx,
    org: &OrganizationId,
    id: &str,
) -> Result<crate::store::TeamView, Refusal> {
    ctx.store
        .team(org, id)
        .await?
        .ok_or_else(|| Refusal::new(404, None, format!("No Group {id}")))
}

/// `GET /Groups/{id}`.
pub(super) async fn get_group(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    id: &str,
) -> Result<serde_json::Value, Refusal> {
    Ok(group_of(&team(ctx, org, id).await?, base))
}

/// Writes a team whole from a Group (POST, PUT, and PATCH once applied), through the core's team
/// form and the same store writes as the page's.
pub(super) async fn save_group(
    ctx: &Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    base: &str,
    existing: Option<&str>,
    group: &serde_json::Value,
) -> Result<serde_json::Value, Refusal> {
    let (actor, catalog) = provisioner(ctx, org, token).await?;
    let form = livechat_access::team_form(group);
    let new = livechat_access::validate_team(&form, &catalog.catalog).map_err(scim_refusal)?;
    let mut errors = Vec::new();
    let external_id = livechat_access::read_external_id(
        group
            .as_object()
            .and_then(|g| g.iter().find(|(k, _)| k.eq_ignore_ascii_case("externalId")))
            .map(|(_, v)| v),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(scim_refusal(errors));
    }
    let ids: Vec<String> = new.members.iter().cloned().collect();
    let strangers = ctx.store.strangers(org, &ids).await?;
    if !strangers.is_empty() {
        return Err(Refusal::new(
            400,
            Some("invalidValue"),
            format!("team_member_unknown: members: {}", strangers.join(", ")),
        ));
    }
    let id = existing.map_or_else(new_id, str::to_owned);
    let mut writes = ctx.store.write_team(
        org,
        &id,
        &new,
        external_id.as_deref(),
        ctx.now,
        existing.is_none(),
    )?;
    // The audit entry follows the team's own row: the member statements after it may change
    // nothing (a team left without members), and the entry must not hang on them.
    let members = writes.split_off(1);
    writes.extend(ctx.store.audit::<livechat_access::Access>(
        org,
        ctx.now,
        Some(&actor.id),
        if existing.is_none() {
            "team_created"
        } else {
            "team_changed"
        },
        (Some(&id), Some(&new.name)),
        None,
        None,
    )?);
    writes.extend(members);
    match ctx.store.batch_at(org, catalog.version, writes).await {
        Ok(_) => {}
        Err(e) if crate::store::is_unique_violation(&e) => {
            return Err(Refusal::new(
                409,
                Some("uniqueness"),
                "team_taken: displayName",
            ))
        }
        Err(e) => {
            return Err(ctx
                .store
                .explain_failure(org, catalog.version, e)
                .await
                .into())
        }
    }
    Ok(group_of(&team(ctx, org, &id).await?, base))
}

/// `POST /Groups` and `PUT /Groups/{id}`.
pub(super) async fn write_group(
    ctx: &mut Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    base: &str,
    existing: Option<&str>,
) -> Result<serde_json::Value, Refusal> {
    if let Some(id) = existing {
        check_version(ctx, &group_of(&team(ctx, org, id).await?, base))?;
    }
    let body = ctx.body().await.map_err(Refusal::from)?;
    save_group(ctx, org, token, base, existing, &body).await
}

/// `PATCH /Groups/{id}` (RFC 7644 §3.5.2): the operations applied to the Group as a GET shows
/// it (`patch.rs`: members added and removed in Entra's and Okta's forms), then written whole.
pub(super) async fn patch_group(
    ctx: &mut Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    base: &str,
    id: &str,
) -> Result<serde_json::Value, Refusal> {
    let mut group = group_of(&team(ctx, org, id).await?, base);
    check_version(ctx, &group)?;
    let body = ctx.body().await.map_err(Refusal::from)?;
    super::patch::apply(&mut group, livechat_access::GROUP_SCHEMA, &body)?;
    save_group(ctx, org, token, base, Some(id), &group).await
}

/// `DELETE /Groups/{id}`: the team goes; its members keep their own questionnaires.
pub(super) async fn delete_group(
    ctx: &Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    id: &str,
) -> Result<(), Refusal> {
    let current = team(ctx, org, id).await?;
    let (actor, _) = provisioner(ctx, org, token).await?;
    ctx.store
        .batch(
            [
                vec![ctx.store.delete_team(org, id)?],
                ctx.store.audit::<livechat_access::Access>(
                    org,
                    ctx.now,
                    Some(&actor.id),
                    "team_removed",
                    (Some(id), Some(&current.name)),
                    None,
                    None,
                )?,
            ]
            .concat(),
        )
        .await
        .map_err(ApiError::from)?;
    Ok(())
}
