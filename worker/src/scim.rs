//! SCIM 2.0 for each organization's identity provider: the bearer tokens its admins manage (in
//! `/api/v1`), and the SCIM base `/scim/v2/{organization}` they open. What stands so far: the
//! token life cycle, the service description, and reading Users (look-up, filters, paging);
//! writing Users and Groups are still to come (issue #13), and `/ServiceProviderConfig` says
//! exactly what is supported, nothing more.

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::secrets::{new_id, new_token, token_digest};
use crate::store::ScimTokenRow;
use livechat_access::{authorize, validate_scim_token, Action, Code, OrganizationId};
use serde::Serialize;
use serde_json::json;
use worker::Response;

/// `GET /organization/scim-tokens`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScimTokenList {
    /// Newest first, revoked ones included.
    pub items: Vec<ScimTokenRow>,
}

/// `POST /organization/scim-tokens`: the token, shown this once.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ScimTokenCreated {
    /// The stored record.
    #[serde(flatten)]
    pub record: ScimTokenRow,
    /// `Authorization: Bearer …` for the identity provider; never shown again.
    pub token: String,
    /// The organization's SCIM base address, for the identity provider's settings.
    pub base_url: String,
}

/// `GET /organization/scim-tokens`: the organization's tokens (admins).
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/organization/scim-tokens", operation_id = "scimTokens", tag = "organization", summary = "The organization's SCIM tokens (admins); never the tokens themselves", responses((status = 200, description = "OK", body = ScimTokenList), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn list(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let items = ctx.store.scim_tokens(&session.actor.organization).await?;
    http::json(200, &ScimTokenList { items })
}

/// `POST /organization/scim-tokens` {name}: a new token, shown once (admins).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/organization/scim-tokens", operation_id = "createScimToken", tag = "organization", summary = "A new SCIM token (admins), shown once", request_body = livechat_access::ScimTokenInput, responses((status = 201, description = "Created", body = ScimTokenCreated), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn create(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let name = validate_scim_token(&ctx.body().await?).map_err(ApiError::form)?;
    let org = &session.actor.organization;
    let (id, token) = (new_id(), new_token());
    ctx.store
        .batch(vec![
            ctx.store.insert_scim_token(
                org,
                &id,
                &name,
                &token_digest(&token),
                Some(&session.user.id),
                ctx.now,
            )?,
            ctx.store.audit::<livechat_access::Access>(
                org,
                ctx.now,
                Some(&session.user.id),
                "scim_token_created",
                (Some(&id), Some(&name)),
                None,
                None,
            )?,
        ])
        .await?;
    let record = ctx
        .store
        .scim_token(org, &id)
        .await?
        .ok_or(Code::Internal)?;
    let slug = ctx
        .store
        .organization(org.as_str())
        .await?
        .ok_or(Code::Internal)?
        .slug;
    http::json(
        201,
        &ScimTokenCreated {
            record,
            token,
            base_url: format!("{}/scim/v2/{slug}", ctx.origin()?),
        },
    )
}

/// `DELETE /organization/scim-tokens/{id}`: the token stops working at once (admins).
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/organization/scim-tokens/{id}", operation_id = "revokeScimToken", tag = "organization", summary = "Revoke a SCIM token (admins): refused from the next request on", params(("id" = String, Path, description = "The id")), responses((status = 204, description = "Revoked"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn revoke(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    authorize(&session.actor, &Action::ChangeSettings)?;
    let org = &session.actor.organization;
    let token = ctx.store.scim_token(org, id).await?.ok_or(Code::NotFound)?;
    ctx.store
        .batch(vec![
            ctx.store.revoke_scim_token(org, id, ctx.now)?,
            ctx.store.audit::<livechat_access::Access>(
                org,
                ctx.now,
                Some(&session.user.id),
                "scim_token_revoked",
                (Some(id), Some(&token.name)),
                None,
                None,
            )?,
        ])
        .await?;
    // Revoking a revoked token changes nothing (and writes no audit entry): the same 204.
    Ok(Response::empty()?.with_status(204))
}

/// The SCIM base: `/scim/v2/{organization}/…`, bearer tokens of that organization only. Errors
/// are in SCIM's error schema.
pub async fn handle(ctx: &mut Ctx) -> Result<Response, worker::Error> {
    let path = ctx.req.path();
    let segments: Vec<&str> = path
        .trim_start_matches("/scim/v2/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let (Some(slug), rest) = (segments.first().copied(), segments.get(1..).unwrap_or(&[])) else {
        return scim_error(404, None, "Not found");
    };
    // Every SCIM request names its organization and carries one of its live tokens.
    let bearer = ctx
        .req
        .headers()
        .get("authorization")?
        .and_then(|h| h.strip_prefix("Bearer ").map(|t| t.trim().to_owned()));
    let caller = match bearer {
        Some(token) => ctx
            .store
            .use_scim_token(slug, &token_digest(&token), ctx.now)
            .await
            .ok()
            .flatten(),
        None => None,
    };
    let Some((org, token)) = caller else {
        return scim_error(
            401,
            None,
            "A live SCIM token of this organization is required",
        );
    };
    // Per token, so that one identity provider's flood cannot starve D1 for the others.
    if let Ok(limiter) = ctx.env.rate_limiter("SCIM_LIMITER") {
        if !limiter.limit(format!("scim:{}", token.id)).await?.success {
            let mut response =
                scim_error(429, None, "Too many requests for this token: slow down")?;
            response.headers_mut().set("retry-after", "60")?;
            return Ok(response);
        }
    }
    let base = format!("{}/scim/v2/{slug}", ctx.origin().unwrap_or_default());
    let method = ctx.req.inner().method().to_ascii_uppercase();
    let answer: Result<Answer, Refusal> = match (method.as_str(), rest) {
        ("GET", ["ServiceProviderConfig"]) => Ok(Answer::Ok(service_provider_config())),
        ("GET", ["Schemas"]) => discovery("schemas", &base, None).map(Answer::Ok),
        ("GET", ["Schemas", id]) => discovery("schemas", &base, Some(id)).map(Answer::Ok),
        ("GET", ["ResourceTypes"]) => discovery("resourceTypes", &base, None).map(Answer::Ok),
        ("GET", ["ResourceTypes", id]) => {
            discovery("resourceTypes", &base, Some(id)).map(Answer::Ok)
        }
        ("GET", ["Users"]) => list_users(ctx, &org, &base, &list_query(ctx))
            .await
            .map(Answer::Ok),
        ("POST", ["Users", ".search"]) => match read_search(ctx).await {
            Ok(query) => list_users(ctx, &org, &base, &query).await.map(Answer::Ok),
            Err(refusal) => Err(refusal),
        },
        ("POST", ["Users"]) => create_user(ctx, &org, &token, &base)
            .await
            .map(Answer::Created),
        ("GET", ["Users", id]) => {
            let query = list_query(ctx);
            get_user(ctx, &org, &base, id).await.map(|r| {
                Answer::Ok(crate::scim_filter::project(
                    r,
                    &query.attributes,
                    &query.excluded,
                ))
            })
        }
        ("PUT", ["Users", id]) => replace_user(ctx, &org, &token, &base, id)
            .await
            .map(Answer::Ok),
        ("PATCH", ["Users", id]) => patch_user(ctx, &org, &token, &base, id)
            .await
            .map(Answer::Ok),
        ("DELETE", ["Users", id]) => delete_user(ctx, &org, &token, id)
            .await
            .map(|()| Answer::Gone),
        ("GET", ["Groups"]) => list_groups(ctx, &org, &base, &list_query(ctx))
            .await
            .map(Answer::Ok),
        ("POST", ["Groups", ".search"]) => match read_search(ctx).await {
            Ok(query) => list_groups(ctx, &org, &base, &query).await.map(Answer::Ok),
            Err(refusal) => Err(refusal),
        },
        ("POST", ["Groups"]) => write_group(ctx, &org, &token, &base, None)
            .await
            .map(Answer::Created),
        ("GET", ["Groups", id]) => {
            let query = list_query(ctx);
            get_group(ctx, &org, &base, id).await.map(|r| {
                Answer::Ok(crate::scim_filter::project(
                    r,
                    &query.attributes,
                    &query.excluded,
                ))
            })
        }
        ("PUT", ["Groups", id]) => write_group(ctx, &org, &token, &base, Some(id))
            .await
            .map(Answer::Ok),
        ("PATCH", ["Groups", id]) => patch_group(ctx, &org, &token, &base, id)
            .await
            .map(Answer::Ok),
        ("DELETE", ["Groups", id]) => delete_group(ctx, &org, &token, id)
            .await
            .map(|()| Answer::Gone),
        (
            _,
            ["ServiceProviderConfig"]
            | ["Users"]
            | ["Users", ".search"]
            | ["Users", _]
            | ["Groups"]
            | ["Groups", ".search"]
            | ["Groups", _]
            | ["Schemas"]
            | ["Schemas", _]
            | ["ResourceTypes"]
            | ["ResourceTypes", _],
        ) => Err(Refusal::new(405, None, "Method not allowed")),
        _ => Err(Refusal::new(404, None, "Not found")),
    };
    match answer {
        Ok(Answer::Ok(body)) => scim_json(200, &body),
        Ok(Answer::Created(body)) => {
            // Where the new resource lives, and its version.
            let mut response = scim_json(201, &body)?;
            for (header, key) in [("location", "location"), ("etag", "version")] {
                if let Some(value) = body["meta"].get(key).and_then(|v| v.as_str()) {
                    response.headers_mut().set(header, value)?;
                }
            }
            Ok(response)
        }
        Ok(Answer::Gone) => Ok(Response::empty()?.with_status(204)),
        Err(r) => scim_error(r.status, r.scim_type, &r.detail),
    }
}

/// What a SCIM request answers when it succeeds.
enum Answer {
    /// 200 with a resource or a list.
    Ok(serde_json::Value),
    /// 201 with the new resource.
    Created(serde_json::Value),
    /// 204: deleted.
    Gone,
}

/// A refusal in SCIM's terms: status, `scimType`, and the detail (with the core's code when
/// there is one).
struct Refusal {
    status: u16,
    scim_type: Option<&'static str>,
    detail: String,
}

impl Refusal {
    fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Refusal {
            status,
            scim_type,
            detail: detail.into(),
        }
    }
}

impl From<ApiError> for Refusal {
    fn from(e: ApiError) -> Self {
        match e {
            // The core's stable code leads the detail, then its words (English).
            ApiError::Problem(p) => {
                let words = match p.errors.first() {
                    Some(v) => format!(
                        "{}: {}",
                        v.field,
                        v.localize(livechat_access::Locale::En).message
                    ),
                    None => p
                        .code
                        .message(livechat_access::Locale::En, &Default::default()),
                };
                let scim_type = match p.code {
                    Code::EmailTaken => Some("uniqueness"),
                    _ if !p.errors.is_empty() => Some("invalidValue"),
                    _ => None,
                };
                let status = match crate::http::status_of(&p) {
                    422 => 400,
                    other => other,
                };
                Refusal::new(status, scim_type, format!("{}: {words}", p.code.as_str()))
            }
            ApiError::Internal(detail) => {
                worker::console_error!("scim: {detail}");
                Refusal::new(500, None, "internal")
            }
        }
    }
}

/// A list request's parameters, from the query string or a `/.search` body.
struct ListQuery {
    filter: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Vec<String>,
    excluded: Vec<String>,
}

/// A list request from the query string.
fn list_query(ctx: &Ctx) -> ListQuery {
    ListQuery {
        filter: ctx.query("filter"),
        start_index: ctx.query("startIndex"),
        count: ctx.query("count"),
        attributes: crate::scim_filter::names(ctx.query("attributes").as_deref()),
        excluded: crate::scim_filter::names(ctx.query("excludedAttributes").as_deref()),
    }
}

/// Most resources one page holds (`count` above it is lowered to it).
const MAX_PAGE: usize = 200;

async fn read_search(ctx: &mut Ctx) -> Result<ListQuery, Refusal> {
    let body = ctx.body().await.map_err(|e| match Refusal::from(e) {
        r if r.status == 400 || r.status == 422 => {
            Refusal::new(400, Some("invalidSyntax"), "The body is not a JSON object")
        }
        r => r,
    })?;
    let text = |key: &str| {
        body.get(key).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    // Lists of names, as arrays (RFC 7644 §3.4.3) or comma-separated text.
    let names = |key: &str| match body.get(key) {
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Some(serde_json::Value::String(s)) => crate::scim_filter::names(Some(s)),
        _ => Vec::new(),
    };
    Ok(ListQuery {
        filter: text("filter"),
        start_index: text("startIndex"),
        count: text("count"),
        attributes: names("attributes"),
        excluded: names("excludedAttributes"),
    })
}

/// `GET /Users`, `POST /Users/.search`: filtered, paged (`startIndex` from 1, `count` up to 200).
async fn list_users(
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

/// A list request's `startIndex` (from 1), `count` (up to 200) and filter.
fn paging(query: &ListQuery) -> Result<(usize, usize, Option<scim_v2::filter::Filter>), Refusal> {
    let number = |raw: &Option<String>, default: usize| -> Result<usize, Refusal> {
        match raw {
            None => Ok(default),
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .map(|n| usize::try_from(n.max(0)).unwrap_or(0))
                .map_err(|_| {
                    Refusal::new(400, Some("invalidValue"), format!("not a number: {raw}"))
                }),
        }
    };
    let start = number(&query.start_index, 1)?.max(1);
    let count = number(&query.count, 100)?.min(MAX_PAGE);
    let filter = match &query.filter {
        Some(text) if !text.trim().is_empty() => Some(
            crate::scim_filter::parse(text)
                .map_err(|e| Refusal::new(400, Some("invalidFilter"), e))?,
        ),
        _ => None,
    };
    Ok((start, count, filter))
}

/// One page of matched resources.
fn list_response(matched: Vec<serde_json::Value>, start: usize, count: usize) -> serde_json::Value {
    let total = matched.len();
    let page: Vec<_> = matched.into_iter().skip(start - 1).take(count).collect();
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": page.len(),
        "Resources": page,
    })
}

fn resource_of(row: &crate::store::UserRow, base: &str) -> Result<serde_json::Value, ApiError> {
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
async fn user_row(
    ctx: &Ctx,
    org: &OrganizationId,
    id: &str,
) -> Result<crate::store::UserRow, Refusal> {
    ctx.store
        .user(org, id)
        .await?
        .ok_or_else(|| Refusal::new(404, None, format!("No User {id}")))
}

/// A PATCH body's operations (RFC 7644 §3.5.2).
fn operations(body: &serde_json::Value) -> Result<Vec<serde_json::Value>, Refusal> {
    body.get("Operations")
        .and_then(|o| o.as_array())
        .cloned()
        .ok_or_else(|| Refusal::new(400, Some("invalidSyntax"), "Operations: an array"))
}

/// An operation's name, whatever its case (Entra sends `Replace`).
fn op_name(operation: &serde_json::Value) -> String {
    operation
        .get("op")
        .and_then(|o| o.as_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default()
}

/// `GET /Users/{id}`: another organization's id is not found, like an unknown one.
async fn get_user(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    id: &str,
) -> Result<serde_json::Value, Refusal> {
    let row = user_row(ctx, org, id).await?;
    Ok(resource_of(&row, base)?)
}

/// What this server supports today (RFC 7643 §5); each feature is switched on as it lands.
fn service_provider_config() -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/livechat-access/livechat-access#scim",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_PAGE},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Bearer token",
            "description": "A token the organization's admins create under Paramètres › SCIM",
            "primary": true
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": "ServiceProviderConfig"}
    })
}

fn scim_json(status: u16, body: &serde_json::Value) -> Result<Response, worker::Error> {
    let mut response = Response::from_json(body)?.with_status(status);
    response
        .headers_mut()
        .set("content-type", "application/scim+json")?;
    Ok(response)
}

/// An error in SCIM's schema (RFC 7644 §3.12); `scim_type` where the RFC names one.
fn scim_error(
    status: u16,
    scim_type: Option<&str>,
    detail: &str,
) -> Result<Response, worker::Error> {
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.to_string(),
        "detail": detail,
    });
    if let Some(scim_type) = scim_type {
        body["scimType"] = json!(scim_type);
    }
    scim_json(status, &body)
}

/// The organization's identity provider as the core sees it: an admin of the organization (so
/// every rule an admin is held to holds, the last-admin one first), named after its token in
/// the audit log.
async fn provisioner(
    ctx: &Ctx,
    org: &OrganizationId,
    token: &ScimTokenRow,
) -> Result<(livechat_access::Actor, crate::store::CatalogAt), ApiError> {
    let catalog = ctx.store.catalog(org).await?;
    let actor = livechat_access::Actor {
        id: format!("scim:{}", token.id),
        organization: org.clone(),
        role: livechat_access::Role::Admin,
        modules: catalog.catalog.allowed_for(livechat_access::Role::Admin),
        questionnaires: Default::default(),
        disabled: false,
    };
    Ok((actor, catalog))
}

/// An `active` value as identity providers send it: a boolean, or Entra's "True"/"False".
fn active_of(value: &serde_json::Value) -> Option<bool> {
    match value {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        serde_json::Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// One SCIM attribute written into the edit form's body (`form`), or the `externalId` kept
/// beside it; what is not supported yet is `invalidPath`.
fn put_attribute(
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
/// value. Written
/// through the same edit as the page's, so disabling ends every session and frees the person's
/// conversations, and the last admin stays.
async fn patch_user(
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
async fn delete_user(
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
async fn create_user(
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

/// A form's refusal in SCIM's terms: `invalidValue`, each field named as SCIM names it.
fn scim_refusal(errors: Vec<livechat_access::Violation>) -> Refusal {
    let detail = errors
        .iter()
        .map(|v| {
            format!(
                "{}: {}: {}",
                v.code,
                livechat_access::scim_attribute(&v.field),
                v.localize(livechat_access::Locale::En).message
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Refusal::new(400, Some("invalidValue"), detail)
}

fn group_of(team: &crate::store::TeamView, base: &str) -> serde_json::Value {
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
async fn list_groups(
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

async fn team(
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
async fn get_group(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    id: &str,
) -> Result<serde_json::Value, Refusal> {
    Ok(group_of(&team(ctx, org, id).await?, base))
}

/// Writes a team whole from a Group (POST, PUT, and PATCH once applied), through the core's team
/// form and the same store writes as the page's.
async fn save_group(
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
async fn write_group(
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
fn member_ids(value: Option<&serde_json::Value>) -> Vec<String> {
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
async fn patch_group(
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
            ("add", Some("members"), _) => {
                for m in member_ids(value) {
                    if !members.contains(&m) {
                        members.push(m);
                    }
                }
            }
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
                        "members" if op == "add" => {
                            for m in member_ids(Some(v)) {
                                if !members.contains(&m) {
                                    members.push(m);
                                }
                            }
                        }
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
async fn delete_group(
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

/// `PUT /Users/{id}`: the account replaced by the User sent (what it leaves out takes the
/// role's defaults, names and avatar are cleared), through the page's own edit.
async fn replace_user(
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

/// `If-Match`: a write to a resource someone changed since it was read is refused (412).
fn check_version(ctx: &Ctx, current: &serde_json::Value) -> Result<(), Refusal> {
    let Some(wanted) = ctx.req.headers().get("if-match").ok().flatten() else {
        return Ok(());
    };
    let version = current["meta"]["version"].as_str().unwrap_or_default();
    let strip = |v: &str| {
        v.trim()
            .trim_start_matches("W/")
            .trim_matches('"')
            .to_owned()
    };
    if wanted.trim() == "*" || wanted.split(',').any(|w| strip(w) == strip(version)) {
        Ok(())
    } else {
        Err(Refusal::new(
            412,
            None,
            "The resource changed since it was read (If-Match)",
        ))
    }
}

/// `/Schemas` and `/ResourceTypes` (RFC 7643 §6, §7): what this server publishes, from
/// `scim_discovery.json`; one of them by id, or all as a ListResponse.
fn discovery(kind: &str, base: &str, id: Option<&str>) -> Result<serde_json::Value, Refusal> {
    let all: serde_json::Value = serde_json::from_str(include_str!("scim_discovery.json"))
        .map_err(|e| Refusal::new(500, None, e.to_string()))?;
    let mut items: Vec<serde_json::Value> = all[kind].as_array().cloned().unwrap_or_default();
    for item in &mut items {
        if let Some(location) = item["meta"]["location"].as_str() {
            item["meta"]["location"] = json!(format!("{base}/{location}"));
        }
    }
    match id {
        Some(id) => items
            .into_iter()
            .find(|i| i["id"].as_str() == Some(id))
            .ok_or_else(|| Refusal::new(404, None, format!("No {kind} {id}"))),
        None => {
            let count = items.len();
            Ok(list_response(items, 1, count.max(1)))
        }
    }
}

/// Writes a User's `externalId` when it changed, and answers the account as it is then.
async fn keep_external_id(
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
