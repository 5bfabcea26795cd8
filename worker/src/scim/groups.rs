//! SCIM Groups: the organization's teams.

use super::*;

pub(super) fn group_of(team: &crate::store::TeamView, base: &str) -> serde_json::Value {
    livechat_access::group_resource(
        &team.id,
        &team.name,
        &team.questionnaires,
        &team.members,
        (team.created_at, team.updated_at),
        base,
    )
}

/// `GET /Groups`, `POST /Groups/.search`: the organization's teams, filtered and paged.
pub(super) async fn list_groups(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    query: &ListQuery,
) -> Result<serde_json::Value, Refusal> {
    let (start, count, filter) = paging(query)?;
    let matched = ctx
        .store
        .teams(org)
        .await?
        .iter()
        .map(|t| group_of(t, base))
        .filter(|g| {
            filter
                .as_ref()
                .is_none_or(|f| crate::scim_filter::matches(f, g))
        })
        .map(|g| crate::scim_filter::project(g, &query.attributes, &query.excluded))
        .collect();
    Ok(list_response(matched, start, count))
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
    let mut writes = ctx
        .store
        .write_team(org, &id, &new, ctx.now, existing.is_none())?;
    writes.push(ctx.store.audit::<livechat_access::Access>(
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
    crate::conversations::assign_waiting(ctx, org).await?;
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

/// The member ids a PATCH value names (`[{"value": id}, …]` or one `{"value": id}`).
pub(super) fn member_ids(value: Option<&serde_json::Value>) -> Vec<String> {
    let items = match value {
        Some(serde_json::Value::Array(items)) => items.clone(),
        Some(one @ serde_json::Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    items
        .iter()
        .filter_map(|m| m.get("value").and_then(|v| v.as_str()).map(str::to_owned))
        .collect()
}

/// `PATCH /Groups/{id}` (RFC 7644 §3.5.2): members added and removed (`members` with a value,
/// `members[value eq "…"]`, or all), `displayName` and the questionnaires replaced; op names in
/// any case. Applied to the group as it is, then written whole.
pub(super) async fn patch_group(
    ctx: &mut Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    base: &str,
    id: &str,
) -> Result<serde_json::Value, Refusal> {
    use scim_v2::filter::PatchPath;
    let current = team(ctx, org, id).await?;
    check_version(ctx, &group_of(&current, base))?;
    let body = ctx.body().await.map_err(Refusal::from)?;
    let operations = operations(&body)?;
    let mut name = current.name.clone();
    let mut questionnaires: Vec<String> = current
        .questionnaires
        .iter()
        .map(|q| q.as_str().to_owned())
        .collect();
    let mut members = current.members.clone();
    for operation in &operations {
        let op = op_name(operation);
        let value = operation.get("value");
        let path = match operation.get("path").and_then(|p| p.as_str()) {
            Some(text) => Some(
                text.parse::<PatchPath>()
                    .map_err(|e| Refusal::new(400, Some("invalidPath"), e.to_string()))?,
            ),
            None => None,
        };
        let attr = match &path {
            Some(PatchPath::Attr(a)) => Some(a.name.to_ascii_lowercase()),
            Some(PatchPath::Value(v)) => Some(v.attr.name.to_ascii_lowercase()),
            None => None,
        };
        match (op.as_str(), attr.as_deref(), &path) {
            ("add", Some("members"), _) => add_members(&mut members, value),
            ("replace", Some("members"), _) => members = member_ids(value),
            ("remove", Some("members"), Some(PatchPath::Value(v))) => members
                .retain(|m| !crate::scim_filter::value_matches(&v.filter, &json!({ "value": m }))),
            ("remove", Some("members"), _) => match value {
                Some(_) => {
                    let gone = member_ids(value);
                    members.retain(|m| !gone.contains(m));
                }
                None => members.clear(),
            },
            ("add" | "replace", Some("displayname"), _) => {
                name = value
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned();
            }
            ("add" | "replace", None, _) => {
                let object = value.and_then(|v| v.as_object()).ok_or_else(|| {
                    Refusal::new(
                        400,
                        Some("invalidValue"),
                        "value: an object when there is no path",
                    )
                })?;
                for (key, v) in object {
                    match key.to_ascii_lowercase().as_str() {
                        "displayname" => name = v.as_str().unwrap_or_default().to_owned(),
                        "members" if op == "add" => add_members(&mut members, Some(v)),
                        "members" => members = member_ids(Some(v)),
                        k if k.eq_ignore_ascii_case(livechat_access::LIVECHAT_GROUP_SCHEMA) => {
                            if let Some(q) = v.get("questionnaires").and_then(|q| q.as_array()) {
                                questionnaires = q
                                    .iter()
                                    .filter_map(|x| x.as_str().map(str::to_owned))
                                    .collect();
                            }
                        }
                        other => {
                            return Err(Refusal::new(
                                400,
                                Some("invalidPath"),
                                format!("{other}: not writable"),
                            ))
                        }
                    }
                }
            }
            (_, Some(other), _) => {
                return Err(Refusal::new(
                    400,
                    Some("invalidPath"),
                    format!("{other}: not writable"),
                ))
            }
            _ => {
                return Err(Refusal::new(
                    400,
                    Some("invalidSyntax"),
                    format!("op: add, replace or remove, not {op:?}"),
                ))
            }
        }
    }
    let group = json!({
        "displayName": name,
        "members": members.iter().map(|m| json!({"value": m})).collect::<Vec<_>>(),
        livechat_access::LIVECHAT_GROUP_SCHEMA: {"questionnaires": questionnaires},
    });
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
        .batch(vec![
            ctx.store.delete_team(org, id)?,
            ctx.store.audit::<livechat_access::Access>(
                org,
                ctx.now,
                Some(&actor.id),
                "team_removed",
                (Some(id), Some(&current.name)),
                None,
                None,
            )?,
        ])
        .await
        .map_err(ApiError::from)?;
    Ok(())
}

/// Adds the members a PATCH value names, each once.
fn add_members(members: &mut Vec<String>, value: Option<&serde_json::Value>) {
    for m in member_ids(value) {
        if !members.contains(&m) {
            members.push(m);
        }
    }
}
