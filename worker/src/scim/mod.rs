//! SCIM 2.0 for each organization's identity provider: the bearer tokens its admins manage (in
//! `/api/v1`, `tokens.rs`), and the SCIM base `/scim/v2/{organization}` they open: dispatch,
//! paging, errors, discovery (the core's attribute tables) and the provisioner's rights here;
//! Users (`users.rs`), Groups, which are teams (`groups.rs`), and PATCH over a resource as shown
//! (`patch.rs`). Every write goes through the core's forms and the page's own edits.
//! `/ServiceProviderConfig` says exactly what is supported.

use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::secrets::{new_id, new_token, token_digest};
use crate::store::ScimTokenRow;
use livechat_access::{authorize, validate_scim_token, Action, Code, OrganizationId, Role};
use serde::Serialize;
use serde_json::json;
use worker::Response;

mod groups;
mod patch;
pub mod tokens;
mod users;

use groups::*;
use users::*;

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
    ctx.touch(&org);
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
        ("GET", ["Schemas"]) => schemas(ctx, &org, &base, None).await.map(Answer::Ok),
        ("GET", ["Schemas", id]) => schemas(ctx, &org, &base, Some(id)).await.map(Answer::Ok),
        ("GET", ["ResourceTypes"]) => resource_types(&base, None).map(Answer::Ok),
        ("GET", ["ResourceTypes", id]) => resource_types(&base, Some(id)).map(Answer::Ok),
        ("GET", []) => list(ctx, &org, &base, &list_query(ctx), Listed::Both)
            .await
            .map(Answer::Ok),
        ("POST", [".search"]) => match read_search(ctx).await {
            Ok(query) => list(ctx, &org, &base, &query, Listed::Both)
                .await
                .map(Answer::Ok),
            Err(refusal) => Err(refusal),
        },
        ("GET", ["Users"]) => list(ctx, &org, &base, &list_query(ctx), Listed::Users)
            .await
            .map(Answer::Ok),
        ("POST", ["Users", ".search"]) => match read_search(ctx).await {
            Ok(query) => list(ctx, &org, &base, &query, Listed::Users)
                .await
                .map(Answer::Ok),
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
        ("PUT", ["Users", id]) => rewrite_user(ctx, &org, &token, (&base, id), false)
            .await
            .map(Answer::Ok),
        ("PATCH", ["Users", id]) => rewrite_user(ctx, &org, &token, (&base, id), true)
            .await
            .map(Answer::Ok),
        ("DELETE", ["Users", id]) => delete_user(ctx, &org, &token, id)
            .await
            .map(|()| Answer::Gone),
        ("GET", ["Groups"]) => list(ctx, &org, &base, &list_query(ctx), Listed::Groups)
            .await
            .map(Answer::Ok),
        ("POST", ["Groups", ".search"]) => match read_search(ctx).await {
            Ok(query) => list(ctx, &org, &base, &query, Listed::Groups)
                .await
                .map(Answer::Ok),
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
            | []
            | [".search"]
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

impl From<crate::store::StoreError> for Refusal {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::from(e).into()
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
                        livechat_access::scim_attribute(&v.field),
                        v.localize(livechat_access::Locale::En).message
                    ),
                    None => p
                        .code
                        .message(livechat_access::Locale::En, &Default::default()),
                };
                let scim_type = match p.code {
                    Code::EmailTaken | Code::UserNameTaken => Some("uniqueness"),
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

/// Which resources a list reads: one endpoint's, or both at the root (RFC 7644 §3.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listed {
    Users,
    Groups,
    Both,
}

/// A list or search: the resources its filter matches, one page of them, each with the
/// attributes asked for.
async fn list(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    query: &ListQuery,
    listed: Listed,
) -> Result<serde_json::Value, Refusal> {
    let (start, count, filter) = paging(query)?;
    let mut matched = Vec::new();
    if listed != Listed::Groups {
        matched.extend(matched_users(ctx, org, base, filter.as_ref()).await?);
    }
    if listed != Listed::Users {
        matched.extend(matched_groups(ctx, org, base, filter.as_ref()).await?);
    }
    let mut response = list_response(matched, start, count);
    if let Some(page) = response["Resources"].as_array_mut() {
        for resource in page {
            *resource =
                crate::scim_filter::project(resource.take(), &query.attributes, &query.excluded);
        }
    }
    Ok(response)
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

/// `/Schemas` (RFC 7643 §7): the core's attribute tables, with the organization's canonical
/// values (its catalog's modules, questionnaires, languages).
async fn schemas(
    ctx: &Ctx,
    org: &OrganizationId,
    base: &str,
    id: Option<&str>,
) -> Result<serde_json::Value, Refusal> {
    let catalog = ctx.store.catalog(org).await?;
    let items = livechat_access::published_schemas(&catalog.catalog);
    discovery("Schema", items, base, id)
}

/// `/ResourceTypes` (RFC 7643 §6), from `resource_types.json`.
fn resource_types(base: &str, id: Option<&str>) -> Result<serde_json::Value, Refusal> {
    let items: Vec<serde_json::Value> = serde_json::from_str(include_str!("resource_types.json"))
        .map_err(|e| Refusal::new(500, None, e.to_string()))?;
    discovery("ResourceType", items, base, id)
}

/// Discovery resources: one by id, or all as a ListResponse; locations made absolute.
fn discovery(
    kind: &str,
    mut items: Vec<serde_json::Value>,
    base: &str,
    id: Option<&str>,
) -> Result<serde_json::Value, Refusal> {
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
