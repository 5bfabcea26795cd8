//! Accounts: the first admin, listing, creating, editing, removing, and the audit log.

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::secrets::{base64url, new_id};
use crate::store::{is_unique_violation, NewUserRow, UserFilter};
use livechat_access::{
    authorize, user_scope, validate_user, validate_user_patch, Action, Caller, Code,
    OrganizationId, Role, UserScope, Violation,
};
use serde::Serialize;
use std::cell::Cell;
use worker::Response;

/// `GET /users`: a page of accounts, by address.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserPage {
    /// The accounts of this page.
    pub items: Vec<crate::store::UserView>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// `GET /audit`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditLog {
    /// Newest first.
    pub items: Vec<crate::store::AuditEntry>,
}

thread_local! {
    // Per isolate: once an account exists there is nothing to bootstrap.
    static HAS_USERS: Cell<bool> = const { Cell::new(false) };
}

/// On an empty database, creates the admin named by `BOOTSTRAP_ADMIN_EMAIL` and
/// `BOOTSTRAP_ADMIN_PASSWORD`, checked by the same add-user rules as anyone else.
pub async fn ensure_first_admin(ctx: &Ctx) -> Result<(), ApiError> {
    if HAS_USERS.with(Cell::get) {
        return Ok(());
    }
    // None when unset or refused by the core (`GET /health` names why): nothing to create, and
    // nothing else waits on it.
    let Some((email, password)) = &ctx.config.bootstrap else {
        return Ok(());
    };
    let bootstrap = OrganizationId::default_organization();
    if ctx.store.user_count(&bootstrap).await? == 0 {
        let form = serde_json::json!({"email": email, "password": password, "role": "admin"});
        let catalog = ctx.store.catalog(&bootstrap).await?;
        match validate_user(&form, &catalog.catalog) {
            Ok(admin) => {
                insert_new_user(ctx, &bootstrap, None, &admin, true, catalog.version, None).await?;
            }
            // The settings check read it against a new organization's catalog; the default
            // organization's may offer other languages. Logged, never a failed request.
            Err(errors) => {
                let codes: Vec<_> = errors.iter().map(|v| v.code.as_str()).collect();
                worker::console_error!("BOOTSTRAP_ADMIN_* refused by the catalog: {codes:?}");
                return Ok(());
            }
        }
    }
    HAS_USERS.with(|c| c.set(true));
    Ok(())
}

/// Whether the default organization waits for a bootstrap admin that its settings refuse: its
/// sign-in then says so (503) instead of answering every address with wrong credentials.
pub async fn bootstrap_blocked(ctx: &Ctx, organization: &OrganizationId) -> Result<bool, ApiError> {
    let blocked = ctx.config.report.bootstrap_refused()
        && *organization == OrganizationId::default_organization()
        && !HAS_USERS.with(Cell::get);
    Ok(blocked && ctx.store.user_count(organization).await? == 0)
}

/// The stored hash of an account that has no password yet: no PHC string, so nothing verifies.
pub const NO_PASSWORD: &str = "!";

/// Hashes the password and writes the account with its audit entry in one batch; `first` writes
/// only into an empty table (the bootstrap admin, safe under races).
pub async fn insert_new_user(
    ctx: &Ctx,
    organization: &OrganizationId,
    by: Option<&str>,
    new: &livechat_access::NewUser,
    first: bool,
    catalog_version: i64,
    identity: Option<&livechat_access::ScimIdentity>,
) -> Result<String, ApiError> {
    // An account provisioned without a password has none that verifies until its activation.
    let hash = if new.password.is_empty() {
        NO_PASSWORD.to_owned()
    } else {
        ctx.hash_password(&new.password)?
    };
    let id = new_id();
    let row = NewUserRow {
        id: &id,
        organization,
        email: &new.email,
        password_hash: &hash,
        access: &new.access,
        profile: &new.profile,
        now: ctx.now,
    };
    let insert = if first {
        ctx.store.insert_first_user(&row)?
    } else {
        ctx.store.insert_user(&row)?
    };
    let audit = ctx.store.audit(
        organization,
        ctx.now,
        by,
        "created",
        (Some(&id), Some(new.email.as_str())),
        None,
        Some(&new.access),
    )?;
    let mut writes = vec![insert];
    writes.extend(audit);
    if let Some(identity) = identity {
        writes.push(ctx.store.set_identity(organization, &id, identity)?);
    }
    match ctx
        .store
        .batch_at(organization, catalog_version, writes)
        .await
    {
        Ok(_) => Ok(id),
        Err(e) if is_unique_violation(&e) => Err(taken(&e)),
        Err(e) => Err(ctx
            .store
            .explain_failure(organization, catalog_version, e)
            .await
            .into()),
    }
}

pub fn email_taken() -> ApiError {
    ApiError::form(vec![Violation::new("email", Code::EmailTaken)])
}

/// Which uniqueness a refused write met: a SCIM `userName`, else the address.
fn taken(e: &worker::Error) -> ApiError {
    if e.to_string().contains("user_name_key") {
        ApiError::form(vec![Violation::new("userName", Code::UserNameTaken)])
    } else {
        email_taken()
    }
}

/// `GET /users?role=&q=&limit=&cursor=`: the accounts the caller may see, by address.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/users", operation_id = "listUsers", tag = "users", summary = "List accounts (admins: all; managers: agents and themself)", params(("role" = Option<livechat_access::Role>, Query, description = "Only this role"), ("q" = Option<String>, Query, description = "Search in address and names"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size (50)"), ("cursor" = Option<String>, Query, description = "`nextCursor` of the previous page")), responses((status = 200, description = "OK", body = UserPage), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []), ("integrationKey" = []))))]
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let caller = ctx.caller().await?.caller();
    caller.authorize(&Action::ListUsers)?;
    let role = match ctx.query("role") {
        Some(name) => Some(Role::parse(&name).ok_or_else(|| {
            ApiError::form(vec![Violation::new("role", Code::RoleUnknown).value(&name)])
        })?),
        None => None,
    };
    let limit = ctx.query_number("limit", 1..=100)?.unwrap_or(50);
    let after = ctx.query("cursor").and_then(|c| decode_cursor(&c));
    let search = ctx.query("q").filter(|q| !q.trim().is_empty());
    // One more than asked tells whether a next page exists. A list that may lag a little: any
    // replica, from the client's bookmark.
    let reads = ctx.lagging()?;
    let mut rows = reads
        .users(
            caller.organization(),
            &UserFilter {
                scope: caller.user_scope(),
                role,
                search: search.as_deref().map(str::trim),
                after: after.as_deref(),
                limit: limit + 1,
            },
        )
        .await?;
    *ctx.lagged.borrow_mut() = reads.bookmark();
    let next = (rows.len() > limit as usize).then(|| {
        rows.truncate(limit as usize);
        rows.last()
            .map(|r| base64url(livechat_access::fold_case(&r.email).as_bytes()))
    });
    let items = rows
        .iter()
        .map(|r| r.view())
        .collect::<Result<Vec<_>, _>>()?;
    http::json(
        200,
        &UserPage {
            items,
            next_cursor: next.flatten(),
        },
    )
}

fn decode_cursor(cursor: &str) -> Option<String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in cursor.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = (bits << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
            bits &= (1 << n) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `POST /users`: the add form.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/users", operation_id = "createUser", tag = "users", summary = "Create an account", request_body = livechat_access::UserInput, responses((status = 201, description = "Created", body = crate::store::UserView), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn create(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    if matches!(user_scope(&session.actor), UserScope::SelfOnly(_)) {
        return Err(Code::Forbidden.into());
    }
    let new =
        validate_user(&ctx.body().await?, &session.catalog.catalog).map_err(ApiError::form)?;
    authorize(
        &session.actor,
        &Action::CreateUser {
            grant: new.access.grant(false),
        },
    )?;
    let org = &session.actor.organization;
    if ctx.store.user_by_email(org, &new.email).await?.is_some() {
        return Err(email_taken());
    }
    let id = insert_new_user(
        ctx,
        &session.actor.organization,
        Some(&session.user.id),
        &new,
        false,
        session.catalog.version,
        None,
    )
    .await?;
    let user = ctx.store.user(org, &id).await?.ok_or(Code::Internal)?;
    http::json(201, &user.view()?)
}

/// The account `id` if the caller may see it; one they may not see is "not found", so that
/// ids cannot be probed.
async fn visible(ctx: &Ctx, caller: &Caller, id: &str) -> Result<crate::store::UserRow, ApiError> {
    let row = ctx
        .store
        .person_at(caller.organization(), id, ctx.now)
        .await?
        .ok_or(Code::NotFound)?;
    caller
        .authorize(&Action::ViewUser {
            target: row.subject()?,
        })
        .map_err(|code| match code {
            // A key is told what it lacks; anyone else learns nothing about the account.
            Code::KeyScopeMissing | Code::KeyNotAccepted => code,
            _ => Code::NotFound,
        })?;
    Ok(row)
}

/// `GET /users/{id}`.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/users/{id}", operation_id = "getUser", tag = "users", summary = "One account (one the caller may not see is 404)", params(("id" = String, Path, description = "The id")), responses((status = 200, description = "OK", body = crate::store::UserView), (status = 401, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []), ("integrationKey" = []))))]
pub async fn show(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let caller = ctx.caller().await?.caller();
    let row = visible(ctx, &caller, id).await?;
    http::json(200, &row.view()?)
}

/// `PATCH /users/{id}`: the edit form; only the fields sent change.
#[cfg_attr(feature = "openapi", utoipa::path(patch, path = "/users/{id}", operation_id = "editUser", tag = "users", summary = "Edit an account (the fields sent only)", params(("id" = String, Path, description = "The id")), request_body = livechat_access::UserPatchInput, responses((status = 200, description = "OK", body = crate::store::UserView), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn edit(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let row = visible(ctx, &Caller::Person(session.actor.clone()), id).await?;
    let body = ctx.body().await?;
    let row = edit_account(ctx, &session.actor, &session.catalog, row, &body, None).await?;
    http::json(200, &row.view()?)
}

/// An edit of `row` by `actor` (a person, or an identity provider's SCIM token acting as the
/// organization's admin), from the edit form's body: checked by the core, guarded against
/// leaving no admin, ending sessions and releasing conversations as the change requires, audited
/// under the actor's id. Answers the account as written.
pub async fn edit_account(
    ctx: &Ctx,
    actor: &livechat_access::Actor,
    catalog: &crate::store::CatalogAt,
    row: crate::store::UserRow,
    body: &serde_json::Value,
    identity: Option<&livechat_access::ScimIdentity>,
) -> Result<crate::store::UserRow, ApiError> {
    let id = row.id.as_str();
    let org = &actor.organization;
    let version = catalog.version;
    let catalog = &catalog.catalog;
    let patch = validate_user_patch(body, catalog).map_err(ApiError::form)?;
    let before = row.account()?;
    let after = patch.apply(&before, catalog).map_err(ApiError::form)?;
    let target = row.subject()?;
    let active_admins = ctx.store.active_admins(org).await?;
    authorize(
        actor,
        &Action::EditUser {
            target: target.clone(),
            after: patch
                .changes_access()
                .then(|| after.access.grant(after.disabled)),
            active_admins,
        },
    )?;
    if after.email.key() != before.email.key()
        && ctx.store.user_by_email(org, &after.email).await?.is_some()
    {
        return Err(email_taken());
    }
    let hash = match &patch.password {
        Some(password) => Some(ctx.hash_password(password)?),
        None => None,
    };
    let was_active_admin = target.role == Role::Admin && !target.disabled;
    let removes_admin = was_active_admin && (after.access.role != Role::Admin || after.disabled);
    // A new role, a disable or a new password ends every session of the account.
    let end_sessions = after.access.role != before.access.role
        || (after.disabled && !before.disabled)
        || hash.is_some();
    let action = match (before.disabled, after.disabled) {
        (false, true) => "disabled",
        (true, false) => "enabled",
        _ => "changed",
    };
    // A disabled agent's conversations go back to the queue at their desk, which catches up
    // with D1 before this request answers (`live::caught_up`).
    let mut writes = Vec::new();
    let update_at = writes.len();
    writes.push(ctx.store.update_user(
        org,
        id,
        &after,
        hash.as_deref(),
        end_sessions,
        removes_admin,
        ctx.now,
    )?);
    writes.extend(ctx.store.audit(
        &actor.organization,
        ctx.now,
        Some(&actor.id),
        action,
        (Some(id), Some(after.email.as_str())),
        Some(&before.access),
        Some(&after.access),
    )?);
    if let Some(identity) = identity {
        writes.push(ctx.store.set_identity(org, id, identity)?);
    }
    let results = match ctx.store.batch_at(org, version, writes).await {
        Ok(results) => results,
        Err(e) if is_unique_violation(&e) => return Err(taken(&e)),
        Err(e) => return Err(ctx.store.explain_failure(org, version, e).await.into()),
    };
    if results
        .get(update_at)
        .is_none_or(|r| !crate::store::written(r))
    {
        // Only the last-admin guard can stop an update of a row that exists.
        return Err(Code::LastAdmin.into());
    }
    ctx.store
        .user(org, id)
        .await?
        .ok_or_else(|| Code::NotFound.into())
}

/// `DELETE /users/{id}`.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/users/{id}", operation_id = "deleteUser", tag = "users", summary = "Delete an account", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Deleted"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn remove(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let row = visible(ctx, &Caller::Person(session.actor.clone()), id).await?;
    delete_account(ctx, &session.actor, row).await?;
    Ok(Response::empty()?.with_status(204))
}

/// Deletes `row` for `actor` (a person or a SCIM token): authorized by the core, guarded against
/// leaving no admin, its conversations back in the queue at its desk, audited under the actor's id.
pub async fn delete_account(
    ctx: &Ctx,
    actor: &livechat_access::Actor,
    row: crate::store::UserRow,
) -> Result<(), ApiError> {
    let id = row.id.as_str();
    let org = &actor.organization;
    let target = row.subject()?;
    let active_admins = ctx.store.active_admins(org).await?;
    authorize(
        actor,
        &Action::DeleteUser {
            target: target.clone(),
            active_admins,
        },
    )?;
    let removes_admin = target.role == Role::Admin && !target.disabled;
    let access = row.access()?;
    let results = ctx
        .store
        .batch(
            [
                vec![ctx.store.delete_user(org, id, removes_admin)?],
                ctx.store.audit(
                    &actor.organization,
                    ctx.now,
                    Some(&actor.id),
                    "removed",
                    (Some(id), Some(&row.email)),
                    Some(&access),
                    None,
                )?,
            ]
            .concat(),
        )
        .await?;
    // D1 counts the rows its foreign keys delete with the account (sessions, team memberships)
    // in `changes`: refused means none.
    if results.first().is_none_or(|r| !crate::store::written(r)) {
        return Err(Code::LastAdmin.into());
    }
    Ok(())
}

/// `GET /audit?before=&limit=`: who changed whose access, newest first (admins).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/audit", operation_id = "audit", tag = "users", summary = "Who changed whose access (admins)", params(("before" = Option<i64>, Query, minimum = 0, maximum = 9007199254740991_i64, description = "Entries with a smaller id"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "How many (100)")), responses((status = 200, description = "OK", body = AuditLog), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn audit(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ViewAudit)?;
    let before = ctx.query_number("before", 0..=crate::ctx::MAX_SAFE_INTEGER)?;
    let limit = ctx.query_number("limit", 1..=500)?.unwrap_or(100);
    // A list that may lag a little: any replica, from the client's bookmark.
    let reads = ctx.lagging()?;
    let items = reads
        .audit_entries(&session.actor.organization, before, limit)
        .await?;
    *ctx.lagged.borrow_mut() = reads.bookmark();
    http::json(200, &AuditLog { items })
}
