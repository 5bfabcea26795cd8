//! SCIM Users: the organization's accounts, read and written through the core's forms and the
//! page's own edits.

use super::*;

/// The organization's Users a filter matches, oldest first; `userName eq` through its index.
pub(super) async fn matched_users(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    filter: Option<&scim_v2::filter::Filter>,
) -> Result<Vec<serde_json::Value>, Refusal> {
    let rows = match filter.and_then(crate::scim_filter::user_name_eq) {
        Some(name) => ctx
            .store
            .user_by_user_name(org, name)
            .await?
            .into_iter()
            .collect(),
        // Indexable or not, what SQL can narrow it narrows (a LIKE on the key, `disabled`);
        // the whole filter is then tested here.
        None => {
            let narrowings = filter
                .map(crate::scim_filter::narrowing)
                .unwrap_or_default();
            ctx.store.users_narrowed(org, &narrowings).await?
        }
    };
    let mut matched = Vec::new();
    for row in &rows {
        let resource = resource_of(row, base)?;
        if filter.is_none_or(|f| crate::scim_filter::matches(f, &resource)) {
            matched.push(resource);
        }
    }
    Ok(matched)
}

pub(super) fn resource_of(
    row: &crate::store::UserRow,
    base: &str,
) -> Result<serde_json::Value, ApiError> {
    Ok(livechat_access::user_resource(
        &row.id,
        &row.identity()?,
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

/// The role a provisioned User asks for may be given through SCIM (not to or from admin);
/// checked before the rest of the form, whose refusals would otherwise hide why.
fn check_role(
    before: Option<Role>,
    read: &livechat_access::ProvisionedForm,
) -> Result<(), Refusal> {
    let Some(after) = read.form["role"].as_str().and_then(Role::parse) else {
        return Ok(());
    };
    if livechat_access::scim_may_give_role(before, after) {
        Ok(())
    } else {
        Err(ApiError::from(Code::AdminNotProvisioned).into())
    }
}

/// A `userName` nobody else of the organization has (in any case, their address included).
async fn check_user_name(
    ctx: &Ctx,
    org: &OrganizationId,
    identity: &livechat_access::ScimIdentity,
    id: Option<&str>,
) -> Result<(), Refusal> {
    let Some(name) = identity.user_name.as_deref() else {
        return Ok(());
    };
    match ctx.store.user_by_user_name(org, name).await? {
        Some(other) if Some(other.id.as_str()) != id => Err(Refusal::new(
            409,
            Some("uniqueness"),
            "user_name_taken: userName: another person of the organization has it",
        )),
        _ => Ok(()),
    }
}

/// `POST /Users`: a new account, by the same rules as the add-user form; a `userName` or an
/// address already here is 409 `uniqueness`. Without a password, the person gets the
/// invitation email with a link to choose one (valid as long as an invitation's).
pub(super) async fn create_user(
    ctx: &mut Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    base: &str,
) -> Result<serde_json::Value, Refusal> {
    let body = ctx.body().await.map_err(Refusal::from)?;
    let read = livechat_access::provisioned_form(&body).map_err(scim_refusal)?;
    check_role(None, &read)?;
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
    check_user_name(ctx, org, &read.identity, None).await?;
    if ctx.store.user_by_email(org, &new.email).await?.is_some() {
        return Err(Refusal::new(
            409,
            Some("uniqueness"),
            "email_taken: emails: an account already uses this address",
        ));
    }
    let id = crate::users::insert_new_user(
        ctx,
        org,
        Some(&actor.id),
        &new,
        false,
        catalog.version,
        Some(&read.identity),
    )
    .await?;
    let mut row = user_row(ctx, org, &id).await?;
    if read.active == Some(false) {
        row = crate::users::edit_account(
            ctx,
            &actor,
            &catalog,
            row,
            &json!({"disabled": true}),
            None,
        )
        .await?;
    } else if new.password.is_empty() && activation_emails(ctx, org).await? {
        let (reset, link_token) = (new_id(), new_token());
        let expires_at = ctx.now + ctx.config.invitation_ttl_s * 1000;
        let link_write = ctx.store.insert_reset(
            &reset,
            org,
            &id,
            &token_digest(&link_token),
            ctx.now,
            expires_at,
        )?;
        let link = format!("{}/reset#token={link_token}", ctx.origin()?);
        let message = crate::mail::Outgoing::Activation { reset, link };
        crate::mail::owe_reset(&ctx.store, &ctx.config, org, link_write, message, ctx.now).await?;
    }
    Ok(resource_of(&row, base)?)
}

/// Whether the organization sends the activation email to people created without a password
/// (the core's rule: its switch, and not under SSO required).
async fn activation_emails(ctx: &Ctx, org: &OrganizationId) -> Result<bool, Refusal> {
    Ok(match ctx.store.organization(org.as_str()).await? {
        Some(o) => {
            livechat_access::activation_email_due(o.scim_activation_emails, &o.sso_policy()?)
        }
        None => false,
    })
}

/// `PUT /Users/{id}` (the User sent replaces the account) and `PATCH /Users/{id}` (RFC 7644
/// §3.5.2: the operations applied to the User as a GET shows it, `patch.rs`, the result written
/// like a PUT). Disabling ends every session and frees the person's conversations; the last
/// admin stays.
pub(super) async fn rewrite_user(
    ctx: &mut Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    (base, id): (&str, &str),
    patching: bool,
) -> Result<serde_json::Value, Refusal> {
    let row = user_row(ctx, org, id).await?;
    let mut user = resource_of(&row, base)?;
    check_version(ctx, &user)?;
    let body = ctx.body().await.map_err(Refusal::from)?;
    if patching {
        super::patch::apply(&mut user, livechat_access::USER_SCHEMA, &body)?;
    } else {
        user = body;
    }
    write_user(ctx, org, token, base, row, &user).await
}

/// Writes a whole User over an account, through the page's own edit: what the User leaves out
/// of the product's extension takes the role's defaults, names and avatar left out are
/// cleared; without the extension the access stays, without `active` the state stays (an
/// identity provider that does not send them must not take access away or give it back).
async fn write_user(
    ctx: &mut Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
    base: &str,
    row: crate::store::UserRow,
    user: &serde_json::Value,
) -> Result<serde_json::Value, Refusal> {
    let read = livechat_access::provisioned_form(user).map_err(scim_refusal)?;
    if read.grants_access {
        check_role(Some(row.access()?.role), &read)?;
    }
    let (actor, catalog) = provisioner(ctx, org, token).await?;
    let new = livechat_access::validate_provisioned_user(&read.form, &catalog.catalog)
        .map_err(scim_refusal)?;
    let mut edit = json!({
        "email": new.email.as_str(),
        "profile": new.profile,
    });
    if read.grants_access {
        edit["role"] = json!(new.access.role);
        edit["modules"] = json!(new.access.modules);
        edit["livechat"] = json!(new.access.livechat);
    }
    if let Some(active) = read.active {
        edit["disabled"] = json!(!active);
    }
    if !new.password.is_empty() {
        edit["password"] = json!(new.password);
    }
    check_user_name(ctx, org, &read.identity, Some(&row.id)).await?;
    let row =
        crate::users::edit_account(ctx, &actor, &catalog, row, &edit, Some(&read.identity)).await?;
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
