//! Invitations: one access template for many addresses; each invitee sets their own password
//! through a single-use link.

use crate::api::Ctx;
use crate::http::{self, ApiError};
use crate::secrets::{new_id, new_token, token_digest};
use crate::store::{changes, is_unique_violation, InvitationRow};
use livechat_access::{
    authorize, is_token_shaped, user_scope, validate_acceptance, validate_invitation, Action, Code,
    Email, EmailStatus, Role, UserScope,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use worker::Response;

fn accept_url(ctx: &Ctx, token: &str) -> Result<String, ApiError> {
    // In the fragment, so the token never reaches a server log or a Referer header.
    Ok(format!("{}/accept#token={token}", ctx.origin()?))
}

/// The error for an invitation that is no longer usable.
fn gone(invitation: &InvitationRow, now: i64) -> ApiError {
    match invitation.status_at(now) {
        "accepted" => Code::InvitationUsed.into(),
        "revoked" => Code::InvitationRevoked.into(),
        _ => Code::InvitationExpired.into(),
    }
}

/// `POST /invitations` {emails, role, modules, livechat}: one result per address, in order.
pub async fn invite(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    if matches!(user_scope(&session.actor), UserScope::SelfOnly(_)) {
        return Err(Code::Forbidden.into());
    }
    let body = ctx.body().await?;
    let locale = ctx.locale;
    let request = validate_invitation(&body, &ctx.catalog).map_err(|rejection| {
        let emails: Vec<_> = rejection
            .emails
            .iter()
            .map(|c| c.localize(locale))
            .collect();
        ApiError::form(rejection.errors).with("emails", json!(emails))
    })?;
    authorize(
        &session.actor,
        &Action::InviteUser {
            grant: request.access.grant(false),
        },
    )?;

    let keys: Vec<String> = request.valid_emails().map(Email::key).collect();
    let known: HashMap<String, String> = ctx
        .store
        .known_emails(&keys, ctx.now)
        .await?
        .into_iter()
        .map(|(kind, key)| (key, kind))
        .collect();
    let expires_at = ctx.now + ctx.config.invitation_ttl_s * 1000;

    // Statuses first, then one batch (one round trip, one transaction) for every new invitation.
    let mut results: Vec<Value> = Vec::with_capacity(request.emails.len());
    let mut fresh: Vec<(usize, String, String, String)> = Vec::new(); // (result index, id, token, digest)
    let mut writes = vec![ctx.store.expire_invitations(ctx.now)?];
    for check in &request.emails {
        let verdict = check.localize(locale);
        let Some(email) = check
            .email
            .as_ref()
            .filter(|_| check.status == EmailStatus::Valid)
        else {
            results.push(json!({"input": verdict.input, "status": "invalid", "code": verdict.code, "message": verdict.message}));
            continue;
        };
        let status = match known.get(&email.key()).map(String::as_str) {
            Some("member") => Some(Code::AlreadyMember),
            Some(_) => Some(Code::AlreadyInvited),
            None => None,
        };
        if let Some(code) = status {
            results.push(
                json!({"input": verdict.input, "email": email, "status": code, "code": code,
                                "message": code.message(locale, &Default::default())}),
            );
            continue;
        }
        let (id, token) = (new_id(), new_token());
        let digest = token_digest(&token);
        writes.push(ctx.store.insert_invitation(
            &id,
            email,
            &request.access,
            &digest,
            &session.user.id,
            ctx.now,
            expires_at,
        )?);
        writes.push(ctx.store.audit(
            ctx.now,
            Some(&session.user.id),
            "invited",
            (None, Some(email.as_str())),
            None,
            Some(&request.access),
        )?);
        fresh.push((results.len(), id, token, digest));
        results.push(json!({"input": verdict.input, "email": email, "status": "invited"}));
    }
    let written = if ctx.bench_rows() {
        ctx.store.one_by_one(writes).await?
    } else {
        ctx.store.batch(writes).await?
    };
    let ttl_s = u64::try_from(ctx.config.invitation_ttl_s).unwrap_or(60);
    for (n, (index, id, token, digest)) in fresh.iter().enumerate() {
        // Statement 0 expires old invitations; each new one is an insert and its audit entry.
        if written.get(1 + 2 * n).map(changes) != Some(1) {
            // Another request invited the same address between our check and our write.
            let code = Code::AlreadyInvited;
            results[*index]["status"] = json!(code);
            results[*index]["code"] = json!(code);
            results[*index]["message"] = json!(code.message(locale, &Default::default()));
            continue;
        }
        ctx.store.remember_token(digest, id, ttl_s).await?;
        results[*index]["invitationId"] = json!(id);
        results[*index]["acceptUrl"] = json!(accept_url(ctx, token)?);
        results[*index]["expiresAt"] = json!(expires_at);
    }
    let invited = results.iter().filter(|r| r["status"] == "invited").count();
    http::json(200, &json!({"invited": invited, "results": results}))
}

/// `GET /invitations?before=&limit=`: invitations the caller could have sent, newest first.
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ListUsers)?;
    let roles: &[Role] = match user_scope(&session.actor) {
        UserScope::All => &Role::ALL,
        _ => &[Role::Agent],
    };
    let before = ctx.query_number("before", 0..=crate::api::MAX_SAFE_INTEGER)?;
    let limit = ctx.query_number("limit", 1..=500)?.unwrap_or(100);
    let rows = ctx.store.invitations(roles, before, limit).await?;
    let items = rows
        .iter()
        .map(|r| r.view(ctx.now))
        .collect::<Result<Vec<_>, _>>()?;
    http::json(200, &json!({"items": items}))
}

async fn by_token(ctx: &Ctx, token: Option<&str>) -> Result<InvitationRow, ApiError> {
    let token = token
        .filter(|t| is_token_shaped(t))
        .ok_or(Code::TokenInvalid)?;
    ctx.store
        .invitation_by_token(&token_digest(token))
        .await?
        .ok_or_else(|| Code::NotFound.into())
}

/// `GET /invitations/lookup?token=`: what the accept page shows.
pub async fn lookup(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let invitation = by_token(ctx, ctx.query("token").as_deref()).await?;
    if invitation.status_at(ctx.now) != "pending" {
        return Err(gone(&invitation, ctx.now));
    }
    http::json(
        200,
        &json!({"email": invitation.email, "role": invitation.role, "expiresAt": invitation.expires_at,
                            "access": invitation.access()?}),
    )
}

/// `POST /invitations/accept` {token, password, profile}: creates the account and signs in.
pub async fn accept(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let body = ctx.body().await?;
    let token = body.get("token").and_then(Value::as_str).map(str::to_owned);
    let invitation = match by_token(ctx, token.as_deref()).await {
        Ok(invitation) => Some(invitation),
        Err(ApiError::Problem(p)) if matches!(p.code, Code::TokenInvalid | Code::NotFound) => None,
        Err(e) => return Err(e),
    };
    let invited = invitation.as_ref().and_then(|i| Email::parse(&i.email));
    let acceptance = validate_acceptance(&body, invited.as_ref()).map_err(ApiError::form)?;
    let invitation = invitation.ok_or(Code::NotFound)?;
    if invitation.status_at(ctx.now) != "pending" {
        return Err(gone(&invitation, ctx.now));
    }
    let hash = ctx.hash_password(&acceptance.password)?;
    let user_id = new_id();
    let access = invitation.access()?;
    let written = match ctx
        .store
        .batch(vec![
            ctx.store.insert_invited_user(
                &invitation.id,
                &user_id,
                &hash,
                &acceptance.profile,
                ctx.now,
            )?,
            ctx.store.mark_accepted(&invitation.id, &user_id, ctx.now)?,
            ctx.store.audit(
                ctx.now,
                Some(&user_id),
                "accepted",
                (Some(&user_id), Some(&invitation.email)),
                None,
                Some(&access),
            )?,
        ])
        .await
    {
        Err(e) if is_unique_violation(&e) => return Err(Code::AlreadyMember.into()),
        other => other?,
    };
    if written.first().map(changes) != Some(1) {
        // Another accept won the race, or the invitation was revoked meanwhile.
        let now = ctx
            .store
            .invitation(&invitation.id)
            .await?
            .ok_or(Code::NotFound)?;
        return Err(gone(&now, ctx.now));
    }
    ctx.store
        .forget_token(&token_digest(&acceptance.token))
        .await?;
    let user = ctx.store.user(&user_id).await?.ok_or(Code::Internal)?;
    crate::session::start(ctx, &user, 201).await
}

/// The invitation `id` if the caller may manage it (they could have sent it).
async fn managed(ctx: &Ctx, id: &str) -> Result<(crate::api::Session, InvitationRow), ApiError> {
    let session = ctx.session().await?;
    let invitation = ctx.store.invitation(id).await?.ok_or(Code::NotFound)?;
    authorize(
        &session.actor,
        &Action::InviteUser {
            grant: invitation.access()?.grant(false),
        },
    )
    .map_err(|_| Code::NotFound)?;
    Ok((session, invitation))
}

/// Writes a change to a pending invitation with its audit entry; a no longer pending one is gone.
async fn change_pending(
    ctx: &Ctx,
    actor_id: &str,
    invitation: &InvitationRow,
    change: worker::D1PreparedStatement,
    action: &str,
) -> Result<(), ApiError> {
    let audit = ctx.store.audit(
        ctx.now,
        Some(actor_id),
        action,
        (None, Some(&invitation.email)),
        None,
        None,
    )?;
    let written = ctx.store.batch(vec![change, audit]).await?;
    if written.first().map(changes) != Some(1) {
        return Err(gone(invitation, ctx.now));
    }
    Ok(())
}

/// `DELETE /invitations/{id}`: the link stops working at once.
pub async fn revoke(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, invitation) = managed(ctx, id).await?;
    change_pending(
        ctx,
        &session.user.id,
        &invitation,
        ctx.store.revoke_invitation(id)?,
        "revoked",
    )
    .await?;
    if let Some(digest) = ctx.store.token_digest_of(id).await? {
        ctx.store.forget_token(&digest).await?;
    }
    Ok(Response::empty()?.with_status(204))
}

/// `POST /invitations/{id}/resend`: a new link and a new expiry; the old link dies.
pub async fn resend(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, invitation) = managed(ctx, id).await?;
    let old_digest = ctx.store.token_digest_of(id).await?;
    let token = new_token();
    let digest = token_digest(&token);
    let expires_at = ctx.now + ctx.config.invitation_ttl_s * 1000;
    let renew = ctx
        .store
        .renew_invitation(id, &digest, ctx.now, expires_at)?;
    change_pending(ctx, &session.user.id, &invitation, renew, "reinvited").await?;
    if let Some(old) = old_digest {
        ctx.store.forget_token(&old).await?;
    }
    ctx.store
        .remember_token(
            &digest,
            id,
            u64::try_from(ctx.config.invitation_ttl_s).unwrap_or(60),
        )
        .await?;
    http::json(
        200,
        &json!({"invitationId": id, "acceptUrl": accept_url(ctx, &token)?, "expiresAt": expires_at}),
    )
}
