//! The `/api/v1` table: route → decode → core decision → store → encode. The table is data, so
//! that dispatch, the `Allow` header of a 405 and the check against the OpenAPI description all
//! read the same list.

use crate::ctx::{Config, Ctx};
use crate::http::{self, ApiError};
use crate::store::Store;
use crate::{
    catalog, conversations, integration, invitations, live, operator, organization, scim, signin,
    teams, users,
};
use livechat_access::Code;
use worker::{Env, Request, Response};

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Health,
    OpenApi,
    SignIn,
    SignOut,
    Me,
    SetPresence,
    ChangePassword,
    ForgotPassword,
    ResetPassword,
    Organization,
    Catalog,
    ReplaceCatalog,
    ListTeams,
    CreateTeam,
    ReplaceTeam,
    DeleteTeam,
    ScimTokens,
    CreateScimToken,
    RevokeScimToken,
    ChangeScimSettings,
    IntegrationKeys,
    CreateIntegrationKey,
    RevokeIntegrationKey,
    Webhooks,
    AddWebhook,
    ChangeWebhook,
    DeleteWebhook,
    RotateWebhookSecret,
    EndWebhookRotation,
    WebhookDeliveries,
    RedeliverWebhook,
    IdentityToken,
    Jwks,
    SecondFactor,
    MySecondFactors,
    StartTotp,
    ConfirmTotp,
    RemoveTotp,
    NewRecoveryCodes,
    PasskeyCreationOptions,
    RegisterPasskey,
    RenamePasskey,
    RemovePasskey,
    PasskeyRequestOptions,
    ResetSecondFactors,
    ChangeSecurity,
    SsoSettings,
    ChangeSsoPolicy,
    AddSsoProvider,
    ChangeSsoProvider,
    DeleteSsoProvider,
    SsoProviders,
    SsoStart,
    SsoCallback,
    ListUsers,
    CreateUser,
    GetUser,
    EditUser,
    DeleteUser,
    Audit,
    Invite,
    ListInvitations,
    LookupInvitation,
    AcceptInvitation,
    RevokeInvitation,
    ResendInvitation,
    OpenConversation,
    ListConversations,
    TransferConversation,
    CloseConversation,
    Live,
    ListOrganizations,
    FactorKeys,
    ResealFactorKeys,
    CreateOrganization,
    ChangeOrganization,
    DeleteOrganization,
    LiftSsoRequirement,
}

/// One row of the table: an HTTP method, a path under `/api/v1` (`{id}` matches one segment).
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub endpoint: Endpoint,
}

const fn route(method: &'static str, path: &'static str, endpoint: Endpoint) -> Route {
    Route {
        method,
        path,
        endpoint,
    }
}

/// Every route of the API.
pub const ROUTES: &[Route] = {
    use Endpoint::*;
    &[
        route("GET", "/health", Health),
        route("GET", "/openapi.json", OpenApi),
        route("POST", "/session", SignIn),
        route("DELETE", "/session", SignOut),
        route("GET", "/me", Me),
        route("PUT", "/me/presence", SetPresence),
        route("PUT", "/me/password", ChangePassword),
        route("POST", "/password/forgot", ForgotPassword),
        route("POST", "/password/reset", ResetPassword),
        route("GET", "/organization", Organization),
        route("GET", "/organization/catalog", Catalog),
        route("PUT", "/organization/catalog", ReplaceCatalog),
        route("GET", "/teams", ListTeams),
        route("POST", "/teams", CreateTeam),
        route("PUT", "/teams/{id}", ReplaceTeam),
        route("DELETE", "/teams/{id}", DeleteTeam),
        route("GET", "/organization/scim-tokens", ScimTokens),
        route("POST", "/organization/scim-tokens", CreateScimToken),
        route("DELETE", "/organization/scim-tokens/{id}", RevokeScimToken),
        route("PUT", "/organization/scim-settings", ChangeScimSettings),
        route("GET", "/organization/integration-keys", IntegrationKeys),
        route(
            "POST",
            "/organization/integration-keys",
            CreateIntegrationKey,
        ),
        route(
            "DELETE",
            "/organization/integration-keys/{id}",
            RevokeIntegrationKey,
        ),
        route("GET", "/organization/webhooks", Webhooks),
        route("POST", "/organization/webhooks", AddWebhook),
        route("PUT", "/organization/webhooks/{id}", ChangeWebhook),
        route("DELETE", "/organization/webhooks/{id}", DeleteWebhook),
        route(
            "POST",
            "/organization/webhooks/{id}/secret",
            RotateWebhookSecret,
        ),
        route(
            "DELETE",
            "/organization/webhooks/{id}/previous-secret",
            EndWebhookRotation,
        ),
        route(
            "GET",
            "/organization/webhooks/{id}/deliveries",
            WebhookDeliveries,
        ),
        route(
            "POST",
            "/organization/webhooks/{id}/redeliver",
            RedeliverWebhook,
        ),
        route("POST", "/token", IdentityToken),
        route("GET", "/jwks.json", Jwks),
        route("PUT", "/organization/security", ChangeSecurity),
        route("GET", "/organization/sso", SsoSettings),
        route("PUT", "/organization/sso", ChangeSsoPolicy),
        route("POST", "/organization/sso/providers", AddSsoProvider),
        route("PUT", "/organization/sso/providers/{id}", ChangeSsoProvider),
        route(
            "DELETE",
            "/organization/sso/providers/{id}",
            DeleteSsoProvider,
        ),
        route("GET", "/sso/providers", SsoProviders),
        route("GET", "/sso/start", SsoStart),
        route("GET", "/sso/callback", SsoCallback),
        route("POST", "/session/second-factor", SecondFactor),
        route("GET", "/me/second-factors", MySecondFactors),
        route("POST", "/me/second-factors/totp", StartTotp),
        route("PUT", "/me/second-factors/totp", ConfirmTotp),
        route("DELETE", "/me/second-factors/totp", RemoveTotp),
        route(
            "POST",
            "/me/second-factors/recovery-codes",
            NewRecoveryCodes,
        ),
        route(
            "POST",
            "/me/second-factors/passkeys/options",
            PasskeyCreationOptions,
        ),
        route("POST", "/me/second-factors/passkeys", RegisterPasskey),
        route("PATCH", "/me/second-factors/passkeys/{id}", RenamePasskey),
        route("DELETE", "/me/second-factors/passkeys/{id}", RemovePasskey),
        route("POST", "/session/passkey", PasskeyRequestOptions),
        route("DELETE", "/users/{id}/second-factors", ResetSecondFactors),
        route("GET", "/users", ListUsers),
        route("POST", "/users", CreateUser),
        route("GET", "/users/{id}", GetUser),
        route("PATCH", "/users/{id}", EditUser),
        route("DELETE", "/users/{id}", DeleteUser),
        route("GET", "/audit", Audit),
        route("POST", "/invitations", Invite),
        route("GET", "/invitations", ListInvitations),
        route("GET", "/invitations/lookup", LookupInvitation),
        route("POST", "/invitations/accept", AcceptInvitation),
        route("DELETE", "/invitations/{id}", RevokeInvitation),
        route("POST", "/invitations/{id}/resend", ResendInvitation),
        route("POST", "/conversations", OpenConversation),
        route("GET", "/conversations", ListConversations),
        route("POST", "/conversations/{id}/transfer", TransferConversation),
        route("POST", "/conversations/{id}/close", CloseConversation),
        route("GET", "/live", Live),
        route("GET", "/operator/organizations", ListOrganizations),
        route("GET", "/operator/factor-keys", FactorKeys),
        route("POST", "/operator/factor-keys/reseal", ResealFactorKeys),
        route("POST", "/operator/organizations", CreateOrganization),
        route("PATCH", "/operator/organizations/{id}", ChangeOrganization),
        route("DELETE", "/operator/organizations/{id}", DeleteOrganization),
        route(
            "DELETE",
            "/operator/organizations/{id}/sso-requirement",
            LiftSsoRequirement,
        ),
    ]
};

/// The `{id}` a path gives a template, or `None` when the path is not of that template; also
/// the number of parameters, the fewer the more specific.
fn capture<'a>(template: &str, segments: &[&'a str]) -> Option<(usize, Option<&'a str>)> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut id = None;
    let mut params = 0;
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with('{') {
            id = Some(*segment);
            params += 1;
        } else if part != segment {
            return None;
        }
    }
    Some((params, id))
}

/// The routes a path belongs to, the most specific only (`/invitations/lookup` before
/// `/invitations/{id}`), with the id each captures.
pub fn routes_of<'a>(segments: &[&'a str]) -> Vec<(&'static Route, Option<&'a str>)> {
    let matches: Vec<_> = ROUTES
        .iter()
        .filter_map(|r| capture(r.path, segments).map(|(params, id)| (params, r, id)))
        .collect();
    let fewest = matches.iter().map(|(params, ..)| *params).min();
    matches
        .into_iter()
        .filter(|(params, ..)| Some(*params) == fewest)
        .map(|(_, r, id)| (r, id))
        .collect()
}

/// The request's context.
fn context(req: Request, env: Env, event: worker::Context) -> worker::Result<Ctx> {
    let config = Config::from_env(&env);
    let store = Store::open(&env)?;
    // What publishing events costs a write, measured against not publishing (benchmarks only).
    if config.bench_modes && req.headers().get("x-bench-events")?.as_deref() == Some("off") {
        store.publishing.set(false);
    }
    Ok(Ctx {
        locale: http::locale_of(&req),
        store,
        now: crate::ctx::now_of(&req, &config),
        req,
        config,
        env,
        event: Some(event),
        touched: Default::default(),
        lagged: Default::default(),
    })
}

/// Handles one `/scim/v2/{organization}` request.
pub async fn handle_scim(
    req: Request,
    env: Env,
    event: worker::Context,
) -> worker::Result<Response> {
    let mut ctx = context(req, env, event)?;
    let is_write = !ctx.req.inner().method().eq_ignore_ascii_case("GET");
    let mut response = scim::handle(&mut ctx).await?;
    if is_write && response.status_code() < 400 {
        crate::live::caught_up(&ctx).await;
    }
    crate::outbox::after_request(&ctx).await;
    if ctx.config.bench_modes {
        // How many D1 statements this request prepared (benchmarks only, BENCH_MODES=1).
        let count = ctx.store.statements.get().to_string();
        response.headers_mut().set("x-d1-statements", &count)?;
    }
    Ok(response)
}

/// Handles one `/api/v1` request.
pub async fn handle(req: Request, env: Env, event: worker::Context) -> worker::Result<Response> {
    let mut ctx = context(req, env, event)?;
    let locale = ctx.locale;
    let result = match users::ensure_first_admin(&ctx).await {
        Ok(()) => dispatch(&mut ctx).await,
        Err(e) => Err(e),
    };
    // Events this request published go on the queue, whatever it answered.
    crate::outbox::after_request(&ctx).await;
    let mut response = match result {
        Ok(response) => response,
        Err(error) => http::problem_response(error, locale)?,
    };
    if response.status_code() == 101 {
        // A live socket's handshake, as its desk answered it: its headers are not ours to add to.
        return Ok(response);
    }
    // The newest point of D1 this request saw (a lagging read's, else the primary's), for the
    // client to carry back so that its next lagging read is at least as recent.
    let bookmark = ctx
        .lagged
        .borrow_mut()
        .take()
        .or_else(|| ctx.store.bookmark());
    if let Some(bookmark) = bookmark {
        response
            .headers_mut()
            .set(crate::ctx::BOOKMARK_HEADER, &bookmark)?;
    }
    if ctx.config.bench_modes {
        // How many D1 statements this request prepared (benchmarks only, BENCH_MODES=1).
        let count = ctx.store.statements.get().to_string();
        response.headers_mut().set("x-d1-statements", &count)?;
    }
    Ok(response)
}

async fn dispatch(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let path = ctx.req.path();
    let segments: Vec<&str> = path
        .trim_start_matches("/api/v1")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    // The raw method: worker::Method reads unknown ones (QUERY, PROPFIND…) as GET.
    let method = ctx.req.inner().method().to_ascii_uppercase();
    let routes = routes_of(&segments);
    let Some((route, id)) = routes.iter().find(|(r, _)| r.method == method) else {
        return Err(method_not_allowed(&routes));
    };
    let id = id.unwrap_or("").to_owned();
    let answer = answer(ctx, route.endpoint, &id).await;
    // After a write of an organization's data, its desk catches up with D1 before the answer
    // (`live::caught_up`); conversations are the desk's own writes.
    let desk_writes = matches!(
        route.endpoint,
        Endpoint::OpenConversation | Endpoint::TransferConversation | Endpoint::CloseConversation
    );
    if answer.is_ok() && method != "GET" && !desk_writes {
        live::caught_up(ctx).await;
    }
    answer
}

async fn answer(ctx: &mut Ctx, endpoint: Endpoint, id: &str) -> Result<Response, ApiError> {
    let id = id.to_owned();
    use Endpoint::*;
    match endpoint {
        Health => health(ctx),
        OpenApi => openapi(ctx).await,
        SignIn => signin::sign_in(ctx).await,
        SignOut => signin::sign_out(ctx).await,
        Me => signin::sessions::me(ctx).await,
        SetPresence => signin::sessions::presence(ctx).await,
        ChangePassword => signin::password::change(ctx).await,
        ForgotPassword => signin::password::forgot(ctx).await,
        ResetPassword => signin::password::reset(ctx).await,
        Organization => organization::organization(ctx).await,
        Catalog => catalog::show(ctx).await,
        ReplaceCatalog => catalog::replace(ctx).await,
        ListTeams => teams::list(ctx).await,
        CreateTeam => teams::create(ctx).await,
        ReplaceTeam => teams::replace(ctx, &id).await,
        DeleteTeam => teams::remove(ctx, &id).await,
        ScimTokens => scim::tokens::list(ctx).await,
        CreateScimToken => scim::tokens::create(ctx).await,
        RevokeScimToken => scim::tokens::revoke(ctx, &id).await,
        ChangeScimSettings => scim::tokens::settings(ctx).await,
        IntegrationKeys => integration::keys::list(ctx).await,
        CreateIntegrationKey => integration::keys::create(ctx).await,
        RevokeIntegrationKey => integration::keys::revoke(ctx, &id).await,
        Webhooks => integration::endpoints::list(ctx).await,
        AddWebhook => integration::endpoints::create(ctx).await,
        ChangeWebhook => integration::endpoints::change(ctx, &id).await,
        DeleteWebhook => integration::endpoints::remove(ctx, &id).await,
        RotateWebhookSecret => integration::endpoints::rotate(ctx, &id).await,
        EndWebhookRotation => integration::endpoints::end_rotation(ctx, &id).await,
        WebhookDeliveries => integration::endpoints::deliveries(ctx, &id).await,
        RedeliverWebhook => integration::endpoints::redeliver(ctx, &id).await,
        IdentityToken => integration::identity::issue(ctx).await,
        Jwks => integration::identity::jwks(&ctx.config),
        ChangeSecurity => signin::factors::security(ctx).await,
        SsoSettings => signin::sso_settings::get(ctx).await,
        ChangeSsoPolicy => signin::sso_settings::change_policy(ctx).await,
        AddSsoProvider => signin::sso_settings::add(ctx).await,
        ChangeSsoProvider => signin::sso_settings::change(ctx, &id).await,
        DeleteSsoProvider => signin::sso_settings::remove(ctx, &id).await,
        SsoProviders => signin::sso::offered(ctx).await,
        SsoStart => signin::sso::start(ctx).await,
        SsoCallback => signin::sso::callback(ctx).await,
        SecondFactor => signin::second_step(ctx).await,
        MySecondFactors => signin::factors::overview(ctx).await,
        StartTotp => signin::factors::start_totp(ctx).await,
        ConfirmTotp => signin::factors::confirm_totp(ctx).await,
        RemoveTotp => signin::factors::remove_totp(ctx).await,
        NewRecoveryCodes => signin::factors::recovery_codes(ctx).await,
        PasskeyCreationOptions => signin::passkeys::creation_options(ctx).await,
        RegisterPasskey => signin::passkeys::register(ctx).await,
        RenamePasskey => signin::passkeys::rename(ctx, &id).await,
        RemovePasskey => signin::passkeys::remove(ctx, &id).await,
        PasskeyRequestOptions => signin::passkeys::request_options(ctx).await,
        ResetSecondFactors => signin::factors::reset(ctx, &id).await,
        ListUsers => users::list(ctx).await,
        CreateUser => users::create(ctx).await,
        GetUser => users::show(ctx, &id).await,
        EditUser => users::edit(ctx, &id).await,
        DeleteUser => users::remove(ctx, &id).await,
        Audit => users::audit(ctx).await,
        Invite => invitations::invite(ctx).await,
        ListInvitations => invitations::list(ctx).await,
        LookupInvitation => invitations::lookup(ctx).await,
        AcceptInvitation => invitations::accept(ctx).await,
        RevokeInvitation => invitations::revoke(ctx, &id).await,
        ResendInvitation => invitations::resend(ctx, &id).await,
        OpenConversation => conversations::open(ctx).await,
        ListConversations => conversations::list(ctx).await,
        TransferConversation => conversations::transfer(ctx, &id).await,
        CloseConversation => conversations::close(ctx, &id).await,
        Live => live::connect(ctx).await,
        ListOrganizations => operator::list(ctx).await,
        FactorKeys => operator::factor_keys(ctx).await,
        ResealFactorKeys => operator::reseal_factor_keys(ctx).await,
        CreateOrganization => operator::create(ctx).await,
        ChangeOrganization => operator::change(ctx, &id).await,
        DeleteOrganization => operator::remove(ctx, &id).await,
        LiftSsoRequirement => operator::lift_sso_requirement(ctx, &id).await,
    }
}

/// `GET /health`: 503 naming every refused setting (never its value), else 200 with warnings.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/health", operation_id = "health", tag = "meta", summary = "Liveness and the deployment's settings", responses((status = 200, description = "Up, every setting accepted", body = http::Health), (status = 503, response = http::ProblemBody)), security(())))]
fn health(ctx: &Ctx) -> Result<Response, ApiError> {
    let report = &ctx.config.report;
    if !report.problems.is_empty() {
        return Err(ApiError::settings(report.problems.clone()));
    }
    http::json(
        200,
        &http::Health {
            status: "ok".into(),
            warnings: report
                .warnings
                .iter()
                .map(|w| w.localize(ctx.locale))
                .collect(),
        },
    )
}

/// `GET /openapi.json`: this API's description, as committed (`api/openapi.json`), served from the
/// static assets (`scripts/build-site` puts it there) rather than carried in the Worker's wasm,
/// where it took 24 KB gzipped of the 1 MB budget (BENCHMARKS §3).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/openapi.json", operation_id = "openapi", tag = "meta", summary = "This description (OpenAPI 3.1)", responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json")), security(())))]
async fn openapi(ctx: &Ctx) -> Result<Response, ApiError> {
    let mut asset = ctx
        .env
        .assets("ASSETS")?
        .fetch(format!("{}/openapi.json", ctx.origin()?), None)
        .await?;
    // Missing, the single-page fallback would answer the page: an internal error, not a 200.
    let is_json = asset
        .headers()
        .get("content-type")?
        .is_some_and(|t| t.starts_with("application/json"));
    if asset.status_code() != 200 || !is_json {
        return Err(ApiError::Internal(
            "openapi.json is not among the assets".into(),
        ));
    }
    let mut response = Response::ok(asset.text().await?)?;
    response
        .headers_mut()
        .set("content-type", "application/json")?;
    Ok(response)
}

/// 405 with `Allow` for a known path; 404 for an unknown one.
fn method_not_allowed(routes: &[(&'static Route, Option<&str>)]) -> ApiError {
    if routes.is_empty() {
        return Code::NotFound.into();
    }
    let allow = routes
        .iter()
        .map(|(r, _)| r.method)
        .collect::<Vec<_>>()
        .join(", ");
    let mut error = ApiError::code(Code::MethodNotAllowed);
    if let ApiError::Problem(p) = &mut error {
        p.allow = Some(allow);
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    fn methods(path: &str) -> Vec<&'static str> {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        routes_of(&segments).iter().map(|(r, _)| r.method).collect()
    }

    #[test]
    fn a_path_finds_its_routes_the_most_specific_first() {
        assert_eq!(methods("/users"), ["GET", "POST"]);
        assert_eq!(methods("/users/u1"), ["GET", "PATCH", "DELETE"]);
        assert_eq!(methods("/invitations/lookup"), ["GET"]);
        assert_eq!(methods("/invitations/accept"), ["POST"]);
        assert_eq!(methods("/invitations/i1"), ["DELETE"]);
        assert_eq!(methods("/conversations/c1/close"), ["POST"]);
        assert!(methods("/nothing").is_empty() && methods("/users/u1/x").is_empty());
        let segments = ["conversations", "c9", "transfer"];
        let found = routes_of(&segments);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.endpoint, Endpoint::TransferConversation);
        assert_eq!(found[0].1, Some("c9"));
    }

    #[test]
    fn the_table_has_no_twice_declared_route() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    (a.method, a.path) != (b.method, b.path) && a.endpoint != b.endpoint,
                    "{} {}",
                    a.method,
                    a.path
                );
            }
        }
    }
}
