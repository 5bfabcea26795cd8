//! The HTTP envelope: decoding requests, RFC 9457 problem responses, cookies and headers.

use livechat_access::{
    localize_all, parse_json, Code, EmailVerdict, FieldError, HeldEntry, Locale, SettingError,
    SettingProblem, Violation, MAX_BODY_BYTES,
};
use serde::Serialize;
use serde_json::Value;
use worker::{Headers, Method, Request, Response};

/// Why a request was refused.
#[derive(Debug)]
pub enum ApiError {
    /// A refusal the client can act on.
    Problem(Box<Problem>),
    /// Something broke on our side; the detail goes to the log, never to the client.
    Internal(String),
}

/// An RFC 9457 problem: a stable code, and for forms every field error.
#[derive(Debug)]
pub struct Problem {
    /// The main code.
    pub code: Code,
    /// Field errors (forms).
    pub errors: Vec<Violation>,
    /// Per-address verdicts of a refused invitation.
    pub emails: Option<Vec<EmailVerdict>>,
    /// Routing's reasons a transfer cannot go ahead.
    pub reasons: Option<Vec<Code>>,
    /// A refused catalog change: who still holds each entry it removes.
    pub holders: Option<Vec<HeldEntry>>,
    /// Seconds to wait, for 429.
    pub retry_after: Option<u32>,
    /// The methods a path takes, for 405.
    pub allow: Option<String>,
    /// The deployment's refused settings, for 503.
    pub settings: Vec<SettingProblem>,
}

impl ApiError {
    pub fn new(code: Code, errors: Vec<Violation>) -> Self {
        ApiError::Problem(Box::new(Problem {
            code,
            errors,
            emails: None,
            reasons: None,
            holders: None,
            retry_after: None,
            allow: None,
            settings: Vec::new(),
        }))
    }

    /// 503: the deployment runs without what these refused settings would give.
    pub fn settings(problems: Vec<SettingProblem>) -> Self {
        let mut error = ApiError::code(Code::ConfigurationInvalid);
        if let ApiError::Problem(p) = &mut error {
            p.settings = problems;
        }
        error
    }

    /// A refusal with only a code.
    pub fn code(code: Code) -> Self {
        ApiError::new(code, Vec::new())
    }

    /// A form refusal: the first error's code leads when all share a kind, else `field_invalid`.
    pub fn form(errors: Vec<Violation>) -> Self {
        let code = errors.first().map_or(Code::FieldInvalid, |v| v.code);
        let code = if errors.iter().all(|v| v.code == code) {
            code
        } else {
            Code::FieldInvalid
        };
        ApiError::new(code, errors)
    }

    /// Adds the per-address verdicts of an invitation.
    pub fn with_emails(mut self, emails: Vec<EmailVerdict>) -> Self {
        if let ApiError::Problem(p) = &mut self {
            p.emails = Some(emails);
        }
        self
    }

    /// A refused catalog change, each removed entry with its holders.
    pub fn held(entries: Vec<HeldEntry>) -> Self {
        let mut error = ApiError::form(entries.iter().map(HeldEntry::violation).collect());
        if let ApiError::Problem(p) = &mut error {
            p.holders = Some(entries);
        }
        error
    }

    /// Adds routing's reasons.
    pub fn with_reasons(mut self, reasons: Vec<Code>) -> Self {
        if let ApiError::Problem(p) = &mut self {
            p.reasons = Some(reasons);
        }
        self
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::Backend(detail) => ApiError::Internal(detail),
            crate::store::StoreError::CatalogChanged => Code::CatalogChanged.into(),
        }
    }
}

impl From<Code> for ApiError {
    fn from(code: Code) -> Self {
        ApiError::code(code)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(e.to_string())
    }
}

/// The HTTP status of a code.
pub fn status_of(problem: &Problem) -> u16 {
    use Code::*;
    match problem.code {
        InvalidJson => 400,
        Unauthenticated | InvalidCredentials | SecondFactorInvalid | ChallengeExpired => 401,
        Forbidden | PrivilegeEscalation | LastAdmin | OwnRoleChange | SelfDelete
        | AdminNotProvisioned | SecondFactorRequired | OwnFactorsReset | AccountDisabled
        | CrossOrigin | KeyScopeMissing | KeyNotAccepted | SsoRequired => 403,
        NotFound => 404,
        MethodNotAllowed => 405,
        EmailTaken
        | AlreadyMember
        | AlreadyInvited
        | AlreadyAssigned
        | ConversationClosed
        | OrganizationTaken
        | DefaultOrganization
        | CatalogEntryInUse
        | CatalogChanged
        | TeamTaken
        | UserNameTaken
        | TotpExists
        | ServiceTokenIsASecret => 409,
        InvitationExpired | InvitationUsed | InvitationRevoked | ResetLinkInvalid => 410,
        PayloadTooLarge => 413,
        UnsupportedMediaType => 415,
        RateLimited => 429,
        WebSocketExpected => 426,
        Internal => 500,
        SsoProviderUnreachable => 502,
        ConfigurationInvalid => 503,
        // Everything else is a field rule, or routing's reason a transfer cannot go ahead.
        AgentDisabled
        | AgentNotOnline
        | NoLivechatModule
        | QuestionnaireNotCovered
        | LanguageNotSpoken
        | ChannelNotEnabled
        | AtCapacity => 409,
        _ => 422,
    }
}

/// An RFC 9457 problem as sent: a stable `code`, and for forms every field error.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::ToResponse))]
#[cfg_attr(
    feature = "openapi",
    response(
        description = "A refusal (RFC 9457); `Accept-Language` picks the language of its messages",
        content_type = "application/problem+json"
    )
)]
pub struct ProblemBody {
    /// `urn:livechat-access:problem:{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The first field error's message, or the code's.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// The stable code to switch on.
    pub code: Code,
    /// Every field error of a refused form.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// A refused invitation: each address's verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<EmailVerdict>>,
    /// A refused transfer: routing's reasons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasons: Option<Vec<Code>>,
    /// A refused catalog change: who still holds each entry it would remove.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holders: Option<Vec<HeldEntry>>,
    /// `configuration_invalid`: each refused setting of the deployment (never its value).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<SettingError>,
}

/// Renders an error as `application/problem+json`.
pub fn problem_response(error: ApiError, locale: Locale) -> worker::Result<Response> {
    let problem = match error {
        ApiError::Problem(p) => *p,
        ApiError::Internal(detail) => {
            worker::console_error!("internal error: {detail}");
            Problem {
                code: Code::Internal,
                errors: Vec::new(),
                emails: None,
                reasons: None,
                holders: None,
                retry_after: None,
                allow: None,
                settings: Vec::new(),
            }
        }
    };
    let status = status_of(&problem);
    // A form problem is titled by its first field error (whose message has its values filled).
    let title = match problem.errors.first() {
        Some(first) => first.localize(locale).message,
        None => problem.code.message(locale, &Default::default()),
    };
    let body = ProblemBody {
        kind: format!("urn:livechat-access:problem:{}", problem.code),
        title,
        status,
        code: problem.code,
        errors: localize_all(&problem.errors, locale),
        emails: problem.emails,
        reasons: problem.reasons,
        holders: problem.holders,
        settings: problem
            .settings
            .iter()
            .map(|p| p.localize(locale))
            .collect(),
    };
    let headers = Headers::new();
    let _ = headers.set("content-type", "application/problem+json");
    if let Some(methods) = &problem.allow {
        let _ = headers.set("allow", methods);
    }
    if let Some(seconds) = problem.retry_after {
        let _ = headers.set("retry-after", &seconds.to_string());
    }
    Ok(Response::from_bytes(serde_json::to_vec(&body)?)?
        .with_status(status)
        .with_headers(headers))
}

/// `GET /health`: up, with every setting accepted.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `ok` (refused settings answer 503 `configuration_invalid` instead).
    pub status: String,
    /// Settings that work but must never reach production (test clock, benchmark modes).
    pub warnings: Vec<SettingError>,
}

/// A JSON response.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response, ApiError> {
    Ok(Response::from_json(value)?.with_status(status))
}

/// The locale asked for by `Accept-Language`.
pub fn locale_of(req: &Request) -> Locale {
    req.headers()
        .get("accept-language")
        .ok()
        .flatten()
        .map(|h| Locale::from_accept_language(&h))
        .unwrap_or_default()
}

/// Reads a JSON body: 415 unless it is JSON, 413 over 64 KB, 400 if it does not parse.
pub async fn read_json(req: &mut Request) -> Result<Value, ApiError> {
    let content_type = req.headers().get("content-type")?.unwrap_or_default();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // SCIM clients send their own JSON media type (RFC 7644 §3.1).
    if media != "application/json" && media != "application/scim+json" {
        return Err(Code::UnsupportedMediaType.into());
    }
    let declared = req
        .headers()
        .get("content-length")?
        .and_then(|n| n.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(Code::PayloadTooLarge.into());
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Code::PayloadTooLarge.into());
    }
    let text = String::from_utf8(bytes).map_err(|_| ApiError::code(Code::InvalidJson))?;
    parse_json(&text).map_err(|v| ApiError::form(vec![v]))
}

/// The value of a cookie.
pub fn cookie(req: &Request, name: &str) -> Option<String> {
    let header = req.headers().get("cookie").ok()??;
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "lca_session";

/// `Set-Cookie` for a session token (or its removal when `token` is empty).
pub fn session_cookie(token: &str, max_age_s: i64) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age_s}"
    )
}

/// Whether a method changes state (and so needs CSRF checks under cookie auth).
pub fn is_state_changing(method: &Method) -> bool {
    !matches!(method, Method::Get | Method::Head | Method::Options)
}

/// Sets the headers every response carries; pages also get a strict CSP.
pub fn secure(response: Response, is_api: bool) -> Response {
    // Responses from the assets binding have immutable headers: copy them into new ones.
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        let _ = headers.append(&name, &value);
    }
    let _ = headers.set("x-content-type-options", "nosniff");
    let _ = headers.set("referrer-policy", "no-referrer");
    let _ = headers.set("x-frame-options", "DENY");
    let _ = headers.set("cross-origin-opener-policy", "same-origin");
    // The API is never cached, but for what says otherwise (the public key set).
    if is_api && !headers.has("cache-control").unwrap_or(false) {
        let _ = headers.set("cache-control", "no-store");
    } else {
        let _ = headers.set(
            "content-security-policy",
            "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
             img-src 'self' https: data:; connect-src 'self'; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        );
    }
    response.with_headers(headers)
}
