//! SCIM Users: the organization's accounts, read and written through the core's forms and the
//! page's own edits.

use super::*;

/// `GET /Users`, `POST /Users/.search`: filtered, paged (`startIndex` from 1, `count` up to 200).
pub(super) async fn list_users(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    query: &ListQuery,
) -> Result<serde_json::Value, Refusal> {
    let (start, count, filter) = paging(query)?;
    let rows = match filter.as_ref().and_then(crate::scim_filter::user_name_eq) {
        Some(name) => match livechat_access::Email::parse(name) {
            Some(email) => ctx
                .store
                .user_by_email(org, &email)
                .await?
                .into_iter()
                .collect(),
            None => Vec::new(),
        },
        None => ctx.store.all_users(org).await?,
    };
    let mut matched = Vec::new();
    for row in &rows {
        let resource = resource_of(row, base)?;
        if filter
            .as_ref()
            .is_none_or(|f| crate::scim_filter::matches(f, &resource))
        {
            matched.push(crate::scim_filter::project(
                resource,
                &query.attributes,
                &query.excluded,
            ));
        }
    }
    Ok(list_response(matched, start, count))
}

pub(super) fn resource_of(
    row: &crate::store::UserRow,
    base: &str,
) -> Result<serde_json::Value, ApiError> {
    Ok(livechat_access::user_resource(
        &row.id,
        row.external_id.as_deref(),
        &row.account()?,
        row.created_at,
        row.updated_at,
        &format!("{base}/Users/{}", row.id),
    ))
}

/// The account `id` of the organization; another organization's is not found, like an unknown one.
pub(super) async fn user_row(
    ctx: &Ctx,
    org: &OrganizationId,
    id: &str,
) -> Result<crate::store::UserRow, Refusal> {
    ctx.store
        .user(org, id)
        .await?
        .ok_or_else(|| Refusal::new(404, None, format!("No User {id}")))
}

/// `GET /Users/{id}`: another organization's id is not found, like an unknown one.
pub(super) async fn get_user(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    id: &str,
) -> Result<serde_json::Value, Refusal> {
    let row = user_row(ctx, org, id).await?;
    Ok(resource_of(&row, base)?)
}

/// An `active` value as identity providers send it: a boolean, or Entra's "True"/"False".
pub(super) fn active_of(value: &serde_json::Value) -> Option<bool> {
    match value {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// One SCIM attribute written into the edit form's body (`form`), or the `externalId` kept
/// beside it; what is not supported yet is `invalidPath`.
pub(super) fn put_attribute(
    form: &mut serde_json::Map<String, serde_json::Value>,
    external_id: &mut Option<Option<String>>,
    path: &str,
    value: Option<&serde_json::Value>,
) -> Result<(), Refusal> {
    let text = |v: Option<&serde_json::Value>| v.cloned().unwrap_or(serde_json::Value::Null);
    let mut profile = |key: &str, v: serde_json::Value| {
        let entry = form
            .entry("profile")
            .or_insert_with(|| serde_json::Value::Object(Default::default()));
        if let Some(p) = entry.as_object_mut() {
            p.insert(key.to_owned(), v);
        }
    };
    match path.to_ascii_lowercase().as_str() {
        "active" => {
            let active = value
                .and_then(active_of)
                .ok_or_else(|| Refusal::new(400, Some("invalidValue"), "active: true or false"))?;
            form.insert("disabled".into(), json!(!active));
        }
        "displayname" => profile("pseudonym", text(value)),
        "name.givenname" => profile("firstName", text(value)),
        "name.familyname" => profile("lastName", text(value)),
        "timezone" => profile("timeZone", text(value)),
        "externalid" => {
            let mut errors = Vec::new();
            let read = livechat_access::read_external_id(value, &mut errors);
            if !errors.is_empty() {
                return Err(scim_refusal(errors));
            }
            *external_id = Some(read);
        }
        "name" => {
            for (sub, key) in [("givenName", "firstName"), ("familyName", "lastName")] {
                if let Some(v) = value.and_then(|v| v.get(sub)) {
                    profile(key, v.clone());
                }
            }
        }
        other => {
            return Err(Refusal::new(
                400,
                Some("invalidPath"),
                format!("{other}: not writable through SCIM yet"),
            ))
        }
    }
    Ok(())
}

/// `PATCH /Users/{id}` (RFC 7644 §3.5.2): `add`/`replace`/`remove` in any case, on `active`,
/// `displayName`, `name` and its parts, `timezone`, `externalId`; with a path or as an object
/// value. Written through the same edit as the page's, so disabling ends every session and frees
/// the person's conversations, and the last admin stays.
pub(super) async fn patch_user(
    ctx: &mut Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    base: &str,
    id: &str,
) -> Result<serde_json::Value, Refusal> {
    let row = user_row(ctx, org, id).await?;
    check_version(ctx, &resource_of(&row, base)?)?;
    let body = ctx.body().await.map_err(Refusal::from)?;
    let operations = operations(&body)?;
    let mut form = serde_json::Map::new();
    let mut external = None;
    for operation in &operations {
        let op = op_name(operation);
        let value = operation.get("value");
        let path = operation.get("path").and_then(|p| p.as_str());
        match (op.as_str(), path) {
            ("add" | "replace", Some(path)) => {
                put_attribute(&mut form, &mut external, path, value)?
            }
            ("remove", Some(path)) => put_attribute(&mut form, &mut external, path, None)?,
            ("add" | "replace", None) => {
                let object = value.and_then(|v| v.as_object()).ok_or_else(|| {
                    Refusal::new(
                        400,
                        Some("invalidValue"),
                        "value: an object when there is no path",
                    )
                })?;
                for (key, v) in object {
                    put_attribute(&mut form, &mut external, key, Some(v))?;
                }
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
    let (actor, catalog) = provisioner(ctx, org, token).await?;
    let row =
        crate::users::edit_account(ctx, &actor, &catalog, row, &serde_json::Value::Object(form))
            .await?;
    let row = match external {
        Some(external_id) => keep_external_id(ctx, org, row, external_id.as_deref()).await?,
        None => row,
    };
    Ok(resource_of(&row, base)?)
}

/// `DELETE /Users/{id}`: the account goes, its conversations wait for someone else; the last
/// admin cannot be removed (the detail says `last_admin`).
pub(super) async fn delete_user(
    ctx: &Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    id: &str,
) -> Result<(), Refusal> {
    let row = user_row(ctx, org, id).await?;
    let (actor, _) = provisioner(ctx, org, token).await?;
    crate::users::delete_account(ctx, &actor, row).await?;
    Ok(())
}

/// `POST /Users`: a new account, by the same rules as the add-user form; an address already
/// here is 409 `uniqueness`. Without a password, the person gets the invitation email with a
/// link to choose one (valid as long as an invitation's).
pub(super) async fn create_user(
    ctx: &mut Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    base: &str,
) -> Result<serde_json::Value, Refusal> {
    let body = ctx.body().await.map_err(Refusal::from)?;
    let read = livechat_access::provisioned_form(&body).map_err(scim_refusal)?;
    let (actor, catalog) = provisioner(ctx, org, token).await?;
    let new = livechat_access::validate_provisioned_user(&read.form, &catalog.catalog)
        .map_err(scim_refusal)?;
    authorize(
        &actor,
        &Action::CreateUser {
            grant: new.access.grant(false),
        },
    )
    .map_err(ApiError::from)?;
    if ctx.store.user_by_email(org, &new.email).await?.is_some() {
        return Err(Refusal::new(
            409,
            Some("uniqueness"),
            "email_taken: userName: an account already uses this address",
        ));
    }
    let id = crate::users::insert_new_user(ctx, org, Some(&actor.id), &new, false, catalog.version)
        .await?;
    if read.external_id.is_some() {
        ctx.store
            .batch(vec![ctx.store.set_external_id(
                org,
                &id,
                read.external_id.as_deref(),
            )?])
            .await
            .map_err(ApiError::from)?;
    }
    let mut row = ctx
        .store
        .user(org, &id)
        .await?
        .ok_or_else(|| ApiError::from(Code::Internal))?;
    if !read.active {
        row = crate::users::edit_account(ctx, &actor, &catalog, row, &json!({"disabled": true}))
            .await?;
    } else if new.password.is_empty() {
        let (reset, link_token) = (new_id(), new_token());
        let expires_at = ctx.now + ctx.config.invitation_ttl_s * 1000;
        ctx.store
            .batch(vec![ctx.store.insert_reset(
                &reset,
                org,
                &id,
                &token_digest(&link_token),
                ctx.now,
                expires_at,
            )?])
            .await
            .map_err(ApiError::from)?;
        let link = format!("{}/reset#token={link_token}", ctx.origin()?);
        ctx.store
            .enqueue(&[crate::mail::Outgoing::Activation { reset, link }])
            .await
            .map_err(ApiError::from)?;
    }
    Ok(resource_of(&row, base)?)
}

/// `PUT /Users/{id}`: the account replaced by the User sent (what it leaves out takes the
/// role's defaults, names and avatar are cleared), through the page's own edit.
pub(super) async fn replace_user(
    ctx: &mut Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    base: &str,
    id: &str,
) -> Result<serde_json::Value, Refusal> {
    let row = user_row(ctx, org, id).await?;
    check_version(ctx, &resource_of(&row, base)?)?;
    let body = ctx.body().await.map_err(Refusal::from)?;
    let read = livechat_access::provisioned_form(&body).map_err(scim_refusal)?;
    let (actor, catalog) = provisioner(ctx, org, token).await?;
    // A whole User: the fields it leaves out are the add form's defaults for its role.
    let new = livechat_access::validate_provisioned_user(&read.form, &catalog.catalog)
        .map_err(scim_refusal)?;
    let mut edit = json!({
        "email": new.email.as_str(),
        "role": new.access.role,
        "modules": new.access.modules,
        "livechat": new.access.livechat,
        "profile": new.profile,
        "disabled": !read.active,
    });
    if !new.password.is_empty() {
        edit["password"] = json!(new.password);
    }
    let row = crate::users::edit_account(ctx, &actor, &catalog, row, &edit).await?;
    let row = keep_external_id(ctx, org, row, read.external_id.as_deref()).await?;
    Ok(resource_of(&row, base)?)
}

/// Writes a User's `externalId` when it changed, and answers the account as it is then.
pub(super) async fn keep_external_id(
    ctx: &Ctx,
    org: &OrganizationId,
    row: crate::store::UserRow,
    external_id: Option<&str>,
) -> Result<crate::store::UserRow, Refusal> {
    if row.external_id.as_deref() == external_id {
        return Ok(row);
    }
    ctx.store
        .batch(vec![ctx.store.set_external_id(
            org,
            &row.id,
            external_id,
        )?])
        .await
        .map_err(ApiError::from)?;
    user_row(ctx, org, &row.id).await
}
