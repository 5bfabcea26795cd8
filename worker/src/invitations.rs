//! Invitations: one access template for many addresses; each invitee sets their own password
//! through a single-use link.

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::mail::{self, Outgoing, Owing};
use crate::outbox::QueueBody;
use crate::secrets::{new_id, new_token, token_digest};
use crate::store::{is_unique_violation, DeliveryStatus, InvitationRow, InvitationStatus, Store};
use livechat_access::{
    authorize, is_token_shaped, user_scope, validate_acceptance, validate_invitation,
    within_organization, Action, Actor, Code, Email, EmailStatus, OrganizationId, Role, UserScope,
};
use livechat_access::{Access, Locale};
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use worker::Response;

/// What became of one address of `POST /invitations`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InviteStatus {
    /// Invited: the link was made (shown once).
    #[default]
    Invited,
    /// Already has an account here.
    AlreadyMember,
    /// Already has a pending invitation.
    AlreadyInvited,
    /// Not an address, or a repeat in the list.
    Invalid,
}

/// One address's result, in the order typed.
#[derive(Debug, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InvitationResult {
    /// What was typed.
    pub input: String,
    /// The normalised address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// What became of it.
    pub status: InviteStatus,
    /// Why it was not invited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<Code>,
    /// Why, in the asked language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The new invitation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitation_id: Option<String>,
    /// The single-use link, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_url: Option<String>,
    /// When the link dies (ms since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Its email: `queued` (in the outbox), or `failed` when the outbox could not take it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryStatus>,
}

impl InvitationResult {
    /// A result refused for `status`, with its code and message.
    fn refused(status: InviteStatus, locale: Locale) -> Self {
        let code = match status {
            InviteStatus::AlreadyMember => Code::AlreadyMember,
            _ => Code::AlreadyInvited,
        };
        InvitationResult {
            status,
            code: Some(code),
            message: Some(code.message(locale, &Default::default())),
            ..InvitationResult::default()
        }
    }
}

/// `POST /invitations`: how many were invited, and one result per address.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationResults {
    /// How many links were made.
    pub invited: usize,
    /// One per address, in order.
    pub results: Vec<InvitationResult>,
}

/// `GET /invitations`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationList {
    /// Newest first.
    pub items: Vec<crate::store::InvitationView>,
}

/// `GET /invitations/lookup`: what the accept page shows.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InvitationLookup {
    /// The invited address.
    pub email: String,
    /// The role offered.
    pub role: Role,
    /// When the link dies.
    pub expires_at: i64,
    /// The whole access offered.
    pub access: Access,
    /// The organization requires single sign-on: the invitee chooses no password, and signs in
    /// through its provider once the account exists.
    pub sso_required: bool,
}

/// Accepted in an organization that requires single sign-on: the account exists, without a
/// password, and no session is opened; its person signs in through the organization's provider.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AcceptedForSso {
    /// The new account.
    pub user: crate::store::UserView,
    /// The organization's slug: its sign-in page, `/{organization}/`, offers its providers.
    pub organization: String,
}

/// What accepting answers: a session, or (under SSO required) where to sign in. Only the API
/// description names it.
#[cfg(feature = "openapi")]
#[allow(dead_code, clippy::large_enum_variant)]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum AcceptAnswer {
    /// Created and signed in.
    Session(crate::signin::sessions::SessionStarted),
    /// Created; sign in through the organization's provider.
    ThroughProvider(AcceptedForSso),
}

/// `POST /invitations/{id}/resend`: the new link.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Resent {
    /// The invitation.
    pub invitation_id: String,
    /// Its new single-use link (the old one is dead).
    pub accept_url: String,
    /// When it dies.
    pub expires_at: i64,
    /// Its email: `queued`, or `failed` when the outbox could not take it.
    pub delivery: DeliveryStatus,
}

/// Puts invitation emails on the queue, owed in D1 (the outbox, in the batch that wrote them as
/// `queued`). When the queue cannot take them they are marked `failed` with the reason, where the
/// list shows them and resend works: an invitation is never silently left unsent.
pub async fn post(
    store: &Store,
    messages: Vec<(String, QueueBody)>,
    now: i64,
) -> Result<DeliveryStatus, ApiError> {
    let bodies: Vec<QueueBody> = messages.iter().map(|(_, b)| b.clone()).collect();
    match store.enqueue(&bodies).await {
        Ok(()) => Ok(DeliveryStatus::Queued),
        Err(e) => {
            let deliveries: Vec<&str> = messages.iter().map(|(d, _)| d.as_str()).collect();
            worker::console_error!("outbox: {e}");
            store
                .outbox_refused(&deliveries, &format!("outbox: {e}"), now)
                .await?;
            Ok(DeliveryStatus::Failed)
        }
    }
}

/// An invitation's email, owed in the batch that writes its link `digest`, only if that write
/// happened.
pub fn owe_invitation(
    ctx: &Ctx,
    org: &livechat_access::OrganizationId,
    invitation: &str,
    digest: &str,
    link: String,
) -> Result<Owing, ApiError> {
    mail::owe(
        &ctx.store,
        &ctx.config,
        org,
        Outgoing::Invitation {
            invitation: invitation.to_owned(),
            delivery: digest.to_owned(),
            link,
        },
        (
            "EXISTS (SELECT 1 FROM invitations WHERE id = ?6 AND delivery_id = ?7 AND status = 'pending')",
            &[digest],
        ),
        ctx.now,
    )
}

pub fn accept_url(ctx: &Ctx, token: &str) -> Result<String, ApiError> {
    // In the fragment, so the token never reaches a server log or a Referer header.
    Ok(format!("{}/accept#token={token}", ctx.origin()?))
}

/// The error for an invitation that is no longer usable.
fn gone(invitation: &InvitationRow, now: i64) -> ApiError {
    match invitation.status_at(now) {
        InvitationStatus::Accepted => Code::InvitationUsed.into(),
        InvitationStatus::Revoked => Code::InvitationRevoked.into(),
        _ => Code::InvitationExpired.into(),
    }
}

/// `POST /invitations` {emails, role, modules, livechat}: one result per address, in order.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/invitations", operation_id = "invite", tag = "invitations", summary = "Invite many addresses with one access", request_body = livechat_access::InvitationInput, responses((status = 200, description = "One result per address", body = InvitationResults), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn invite(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    if matches!(user_scope(&session.actor), UserScope::SelfOnly(_)) {
        return Err(Code::Forbidden.into());
    }
    let body = ctx.body().await?;
    let locale = ctx.locale;
    let request = validate_invitation(&body, &session.catalog.catalog).map_err(|rejection| {
        let emails: Vec<_> = rejection
            .emails
            .iter()
            .map(|c| c.localize(locale))
            .collect();
        ApiError::form(rejection.errors).with_emails(emails)
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
        .known_emails(&session.actor.organization, &keys, ctx.now)
        .await?
        .into_iter()
        .map(|(kind, key)| (key, kind))
        .collect();
    let expires_at = ctx.now + ctx.config.invitation_ttl_s * 1000;

    // Statuses first, then one batch (one round trip, one transaction) for every new invitation.
    let mut results: Vec<InvitationResult> = Vec::with_capacity(request.emails.len());
    // (result index, its insert's index in the batch, id, token, digest)
    let mut fresh: Vec<(usize, usize, String, String, String)> = Vec::new();
    let mut writes = vec![ctx
        .store
        .expire_invitations(&session.actor.organization, ctx.now)?];
    // Each email owed, in the same batch, after the invitations (their indices stay as below).
    let mut owings = Vec::new();
    let mut bodies: HashMap<String, QueueBody> = HashMap::new();
    for check in &request.emails {
        let verdict = check.localize(locale);
        let Some(email) = check
            .email
            .as_ref()
            .filter(|_| check.status == EmailStatus::Valid)
        else {
            results.push(InvitationResult {
                input: verdict.input,
                status: InviteStatus::Invalid,
                code: verdict.code,
                message: verdict.message,
                ..InvitationResult::default()
            });
            continue;
        };
        let known = match known.get(&email.key()).map(String::as_str) {
            Some("member") => Some(InviteStatus::AlreadyMember),
            Some(_) => Some(InviteStatus::AlreadyInvited),
            None => None,
        };
        if let Some(status) = known {
            results.push(InvitationResult {
                input: verdict.input,
                email: Some(email.as_str().to_owned()),
                ..InvitationResult::refused(status, locale)
            });
            continue;
        }
        let (id, token) = (new_id(), new_token());
        let digest = token_digest(&token);
        let owing = owe_invitation(
            ctx,
            &session.actor.organization,
            &id,
            &digest,
            accept_url(ctx, &token)?,
        )?;
        owings.extend(owing.statement);
        bodies.insert(id.clone(), owing.body);
        let insert_at = writes.len();
        writes.push(ctx.store.insert_invitation(
            &session.actor.organization,
            &id,
            email,
            &request.access,
            &digest,
            &session.user.id,
            ctx.now,
            expires_at,
        )?);
        writes.extend(ctx.store.audit(
            &session.actor.organization,
            ctx.now,
            Some(&session.user.id),
            "invited",
            (None, Some(email.as_str())),
            None,
            Some(&request.access),
        )?);
        fresh.push((results.len(), insert_at, id, token, digest));
        results.push(InvitationResult {
            input: verdict.input,
            email: Some(email.as_str().to_owned()),
            status: InviteStatus::Invited,
            ..InvitationResult::default()
        });
    }
    let (org, version) = (&session.actor.organization, session.catalog.version);
    writes.extend(owings);
    let written = if ctx.bench_rows() {
        ctx.store.one_by_one(writes).await?
    } else {
        match ctx.store.batch_at(org, version, writes).await {
            Ok(written) => written,
            Err(e) => return Err(ctx.store.explain_failure(org, version, e).await.into()),
        }
    };
    let ttl_s = u64::try_from(ctx.config.invitation_ttl_s).unwrap_or(60);
    let mut owed = Vec::with_capacity(fresh.len());
    for (index, insert_at, id, token, digest) in &fresh {
        // Each insert is followed by its audit entry and the events it publishes.
        let Some(result) = results.get_mut(*index) else {
            continue;
        };
        if written
            .get(*insert_at)
            .is_none_or(|r| !crate::store::written(r))
        {
            // Another request invited the same address between our check and our write.
            let refused = InvitationResult::refused(InviteStatus::AlreadyInvited, locale);
            (result.status, result.code, result.message) =
                (refused.status, refused.code, refused.message);
            continue;
        }
        ctx.store.remember_token(digest, id, ttl_s).await?;
        let link = accept_url(ctx, token)?;
        if let Some(body) = bodies.remove(id) {
            owed.push((*index, (digest.clone(), body)));
        }
        result.invitation_id = Some(id.clone());
        result.accept_url = Some(link);
        result.expires_at = Some(expires_at);
    }
    let delivery = if crate::ctx::test_fault(&ctx.req, &ctx.config, "queue-lost") {
        // The end-to-end tests' crash between the D1 write and the queue (owed all the same).
        DeliveryStatus::Queued
    } else {
        post(
            &ctx.store,
            owed.iter().map(|(_, m)| m).cloned().collect(),
            ctx.now,
        )
        .await?
    };
    for (index, _) in &owed {
        if let Some(result) = results.get_mut(*index) {
            result.delivery = Some(delivery);
        }
    }
    let invited = results
        .iter()
        .filter(|r| r.status == InviteStatus::Invited)
        .count();
    http::json(200, &InvitationResults { invited, results })
}

/// `GET /invitations?before=&limit=`: invitations the caller could have sent, newest first.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/invitations", operation_id = "listInvitations", tag = "invitations", summary = "Invitations the caller could have sent", params(("before" = Option<i64>, Query, minimum = 0, maximum = 9007199254740991_i64, description = "Created before this time (ms)"), ("limit" = Option<u32>, Query, minimum = 1, maximum = 500, description = "How many (100)")), responses((status = 200, description = "OK", body = InvitationList), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ListUsers)?;
    let roles: &[Role] = match user_scope(&session.actor) {
        UserScope::All => &Role::ALL,
        _ => &[Role::Agent],
    };
    let before = ctx.query_number("before", 0..=crate::ctx::MAX_SAFE_INTEGER)?;
    let limit = ctx.query_number("limit", 1..=500)?.unwrap_or(100);
    // A list that may lag a little: any replica, from the client's bookmark.
    let reads = ctx.lagging()?;
    let rows = reads
        .invitations(&session.actor.organization, roles, before, limit)
        .await?;
    *ctx.lagged.borrow_mut() = reads.bookmark();
    let items = rows
        .iter()
        .map(|r| r.view(ctx.now))
        .collect::<Result<Vec<_>, _>>()?;
    http::json(200, &InvitationList { items })
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
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/invitations/lookup", operation_id = "lookupInvitation", tag = "invitations", summary = "What the accept page shows", params(("token" = String, Query, pattern = "^[A-Za-z0-9_-]{43}$", description = "The token of the link")), responses((status = 200, description = "OK", body = InvitationLookup), (status = 404, response = crate::http::ProblemBody), (status = 410, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(())))]
pub async fn lookup(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let invitation = by_token(ctx, ctx.query("token").as_deref()).await?;
    if invitation.status_at(ctx.now) != InvitationStatus::Pending {
        return Err(gone(&invitation, ctx.now));
    }
    let access = invitation.access()?;
    let org = OrganizationId::new(&invitation.organization_id);
    let sso_required = ctx.store.sso_policy(&org).await?.required;
    http::json(
        200,
        &InvitationLookup {
            email: invitation.email,
            role: access.role,
            expires_at: invitation.expires_at,
            access,
            sso_required,
        },
    )
}

/// `POST /invitations/accept` {token, password, profile}: creates the account and signs in; in an
/// organization that requires single sign-on, {token, profile}: creates the account without a
/// password, and its person signs in through the organization's provider.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/invitations/accept", operation_id = "acceptInvitation", tag = "invitations", summary = "Accept: creates the account and signs in (under SSO required: creates it, without a password)", request_body = livechat_access::AcceptanceInput, responses((status = 201, description = "Created and signed in (the token is also set as the `lca_session` cookie); under SSO required, created, and where to sign in", body = AcceptAnswer), (status = 400, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 409, response = crate::http::ProblemBody), (status = 410, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(())))]
pub async fn accept(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let body = ctx.body().await?;
    let token = body.get("token").and_then(Value::as_str).map(str::to_owned);
    let invitation = match by_token(ctx, token.as_deref()).await {
        Ok(invitation) => Some(invitation),
        Err(ApiError::Problem(p)) if matches!(p.code, Code::TokenInvalid | Code::NotFound) => None,
        Err(e) => return Err(e),
    };
    let invited = invitation.as_ref().and_then(|i| Email::parse(&i.email));
    // Its organization's slug and SSO policy, when the invitation is known: under SSO required
    // no password is chosen.
    let sso = match &invitation {
        Some(i) => ctx
            .store
            .organization(&i.organization_id)
            .await?
            .map(|o| o.sso_policy().map(|p| (o.slug.clone(), p)))
            .transpose()?,
        None => None,
    };
    let sso_required = sso.as_ref().is_some_and(|(_, p)| p.required);
    let acceptance =
        validate_acceptance(&body, invited.as_ref(), sso_required).map_err(ApiError::form)?;
    let invitation = invitation.ok_or(Code::NotFound)?;
    if invitation.status_at(ctx.now) != InvitationStatus::Pending {
        return Err(gone(&invitation, ctx.now));
    }
    let hash = match &acceptance.password {
        Some(password) => ctx.hash_password(password)?,
        None => crate::users::NO_PASSWORD.to_owned(),
    };
    let user_id = new_id();
    let access = invitation.access()?;
    let slug = sso.map(|(slug, _)| slug).unwrap_or_default();
    let organization = OrganizationId::new(&invitation.organization_id);
    let written = match ctx
        .store
        .batch(
            [
                vec![
                    ctx.store.insert_invited_user(
                        &invitation.id,
                        &user_id,
                        &hash,
                        &acceptance.profile,
                        ctx.now,
                    )?,
                    ctx.store.mark_accepted(&invitation.id, &user_id, ctx.now)?,
                ],
                ctx.store.audit(
                    &organization,
                    ctx.now,
                    Some(&user_id),
                    "accepted",
                    (Some(&user_id), Some(&invitation.email)),
                    None,
                    Some(&access),
                )?,
            ]
            .concat(),
        )
        .await
    {
        Err(e) if is_unique_violation(&e) => return Err(Code::AlreadyMember.into()),
        other => other?,
    };
    if written.first().is_none_or(|r| !crate::store::written(r)) {
        // Another accept won the race, or the invitation was revoked meanwhile.
        let now = ctx
            .store
            .invitation(&organization, &invitation.id)
            .await?
            .ok_or(Code::NotFound)?;
        return Err(gone(&now, ctx.now));
    }
    ctx.store
        .forget_token(&token_digest(&acceptance.token))
        .await?;
    let user = ctx
        .store
        .user(&organization, &user_id)
        .await?
        .ok_or(Code::Internal)?;
    if acceptance.password.is_none() {
        let answer = AcceptedForSso {
            user: user.view()?,
            organization: slug,
        };
        return http::json(201, &answer);
    }
    crate::signin::sessions::start(ctx, &user, 201, None).await
}

/// The invitation `id` if the caller may manage it (they could have sent it).
async fn managed(ctx: &Ctx, id: &str) -> Result<(crate::ctx::Session, InvitationRow), ApiError> {
    let session = ctx.session().await?;
    let invitation = ctx
        .store
        .invitation(&session.actor.organization, id)
        .await?
        .ok_or(Code::NotFound)?;
    within_organization(
        &session.actor,
        &OrganizationId::new(&invitation.organization_id),
    )?;
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
    actor: &Actor,
    invitation: &InvitationRow,
    change: worker::D1PreparedStatement,
    action: &str,
    owing: Option<worker::D1PreparedStatement>,
) -> Result<(), ApiError> {
    let audit = ctx.store.audit::<Access>(
        &actor.organization,
        ctx.now,
        Some(&actor.id),
        action,
        (None, Some(&invitation.email)),
        None,
        None,
    )?;
    let mut writes = vec![change];
    writes.extend(audit);
    writes.extend(owing);
    let written = ctx.store.batch(writes).await?;
    if written.first().is_none_or(|r| !crate::store::written(r)) {
        return Err(gone(invitation, ctx.now));
    }
    Ok(())
}

/// `DELETE /invitations/{id}`: the link stops working at once.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/invitations/{id}", operation_id = "revokeInvitation", tag = "invitations", summary = "Revoke: the link stops working", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Revoked"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 410, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn revoke(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, invitation) = managed(ctx, id).await?;
    change_pending(
        ctx,
        &session.actor,
        &invitation,
        ctx.store
            .revoke_invitation(&session.actor.organization, id)?,
        "revoked",
        None,
    )
    .await?;
    if let Some(digest) = ctx
        .store
        .token_digest_of(&session.actor.organization, id)
        .await?
    {
        ctx.store.forget_token(&digest).await?;
    }
    Ok(Response::empty()?.with_status(204))
}

/// `POST /invitations/{id}/resend`: a new link and a new expiry; the old link dies.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/invitations/{id}/resend", operation_id = "resendInvitation", tag = "invitations", summary = "A new link; the old one dies", params(("id" = String, Path, description = "The id")), responses((status = 200, description = "OK", body = Resent), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 410, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn resend(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let (session, invitation) = managed(ctx, id).await?;
    let org = &session.actor.organization;
    let old_digest = ctx.store.token_digest_of(org, id).await?;
    let token = new_token();
    let digest = token_digest(&token);
    let expires_at = ctx.now + ctx.config.invitation_ttl_s * 1000;
    let renew = ctx
        .store
        .renew_invitation(org, id, &digest, ctx.now, expires_at)?;
    let link = accept_url(ctx, &token)?;
    let owing = owe_invitation(ctx, org, id, &digest, link.clone())?;
    change_pending(
        ctx,
        &session.actor,
        &invitation,
        renew,
        "reinvited",
        owing.statement,
    )
    .await?;
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
    let delivery = post(&ctx.store, vec![(digest, owing.body)], ctx.now).await?;
    http::json(
        200,
        &Resent {
            invitation_id: id.to_owned(),
            accept_url: link,
            expires_at,
            delivery,
        },
    )
}

/// The minute's note of invitations whose link died unused: each published once
/// (`invitation.expired`), then its deliveries queued.
pub async fn note_expiries(env: &worker::Env, now: i64) -> Result<usize, ApiError> {
    let store = crate::store::Store::open(env)?;
    let expired = store.unnoted_expiries(now, 100).await?;
    for row in &expired {
        store.note_expiry(row, now).await?;
    }
    crate::outbox::dispatch(&store).await;
    Ok(expired.len())
}
