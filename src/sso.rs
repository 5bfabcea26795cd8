//! Single sign-on with OpenID Connect. An organization's providers (their form, and the presets
//! that fill an issuer's shape for Entra ID, Okta and Google Workspace), what a provider's
//! discovery document must say, what a verified ID token must say to sign someone in, whom it
//! signs in, and what the organization's SSO policy allows. The Worker fetches, and checks
//! signatures with a library; every decision is here.

use crate::access::{read_new_access, Access, Role};
use crate::catalog::Catalog;
use crate::credentials::{fold_case, Email};
use crate::error::{Code, Violation};
use crate::input::{keys_of, object};
use crate::second_factor::{after_password, AfterPassword, Factors, SecondFactorPolicy};
use crate::set::SortedSet;
use crate::user::{NewUser, Profile};
use crate::webhooks::url_refusal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Where an issuer's shape comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SsoPreset {
    /// Any OpenID provider: its issuer URL as given (Keycloak, Auth0, an Okta custom server…).
    Generic,
    /// Microsoft Entra ID: `tenant` is the directory (tenant) id or a verified domain.
    Entra,
    /// Okta's organization server: `tenant` is the Okta domain (`acme.okta.com`).
    Okta,
    /// Google Workspace: `tenant` is the Workspace domain, checked against the `hd` claim.
    Google,
}

impl SsoPreset {
    /// Every preset.
    pub const ALL: [SsoPreset; 4] = [
        SsoPreset::Generic,
        SsoPreset::Entra,
        SsoPreset::Okta,
        SsoPreset::Google,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SsoPreset::Generic => "generic",
            SsoPreset::Entra => "entra",
            SsoPreset::Okta => "okta",
            SsoPreset::Google => "google",
        }
    }

    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The issuer a preset's `tenant` gives; `None` for `generic`, or a tenant of the wrong shape.
    pub fn issuer(self, tenant: &str) -> Option<String> {
        let tenant = tenant.trim();
        let label_ok = |s: &str| {
            !s.is_empty()
                && s.split('.').all(|l| {
                    !l.is_empty()
                        && !l.starts_with('-')
                        && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                })
        };
        match self {
            SsoPreset::Generic => None,
            SsoPreset::Entra if label_ok(tenant) => Some(format!(
                "https://login.microsoftonline.com/{}/v2.0",
                tenant.to_ascii_lowercase()
            )),
            SsoPreset::Okta if label_ok(tenant) && tenant.contains('.') => {
                Some(format!("https://{}", tenant.to_ascii_lowercase()))
            }
            SsoPreset::Google if label_ok(tenant) && tenant.contains('.') => {
                Some("https://accounts.google.com".into())
            }
            _ => None,
        }
    }
}

/// The claim that carries the address unless an organization names another.
pub const DEFAULT_EMAIL_CLAIM: &str = "email";
/// Longest provider name, shown on the sign-in button.
pub const MAX_PROVIDER_NAME: usize = 60;
/// Longest client id or secret accepted.
pub const MAX_CLIENT_FIELD: usize = 512;
/// Most allowed domains per provider.
pub const MAX_ALLOWED_DOMAINS: usize = 50;

/// A provider's form (`POST /organization/sso/providers`, `PUT …/{id}`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SsoProviderInput {
    /// Shown on the sign-in page: "Se connecter avec {name}".
    pub name: String,
    /// Where the issuer comes from (`generic` when left out).
    #[serde(default)]
    pub preset: Option<SsoPreset>,
    /// The issuer URL (discovery at `{issuer}/.well-known/openid-configuration`); for `generic`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// For a preset: the Entra tenant, the Okta domain, or the Google Workspace domain.
    #[serde(default)]
    pub tenant: Option<String>,
    /// The client (application) id registered at the provider.
    pub client_id: String,
    /// The client secret; required to create, left out to keep the one stored. Never shown again.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// The ID token's claim that carries the address (`email` by default, which must come with
    /// `email_verified: true`; any other claim needs `allowedDomains`).
    #[serde(default)]
    pub email_claim: Option<String>,
    /// Only addresses of these domains sign in through this provider (any when empty).
    #[serde(default)]
    pub allowed_domains: Option<Vec<String>>,
    /// Whether it is offered on the sign-in page (`true` when left out).
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A valid provider form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoProvider {
    /// The button's name.
    pub name: String,
    /// Where the issuer came from.
    pub preset: SsoPreset,
    /// The preset's tenant, if any.
    pub tenant: Option<String>,
    /// The issuer, exactly as the ID tokens must name it.
    pub issuer: String,
    /// The client id.
    pub client_id: String,
    /// A new secret, if one was given.
    pub client_secret: Option<String>,
    /// The address claim.
    pub email_claim: String,
    /// Lower-cased domains.
    pub allowed_domains: SortedSet<String>,
    /// Offered on the sign-in page.
    pub enabled: bool,
}

/// Validates a provider's form. `creating`: a secret is required. `allow_loopback`: local
/// development and tests may use an `http://127.0.0.1` issuer (`SSO_ALLOW_LOOPBACK`).
pub fn validate_sso_provider(
    input: &Value,
    creating: bool,
    allow_loopback: bool,
) -> Result<SsoProvider, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<SsoProviderInput>(), &mut errors) else {
        return Err(errors);
    };
    let name = obj.required_text("name", MAX_PROVIDER_NAME, &mut errors);
    let preset = match obj.string("preset", &mut errors) {
        None => Some(SsoPreset::Generic),
        Some(p) => {
            let preset = SsoPreset::parse(p);
            if preset.is_none() {
                errors.push(Violation::new("preset", Code::FieldInvalid).value(p));
            }
            preset
        }
    };
    let tenant = obj
        .string("tenant", &mut errors)
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty());
    let issuer = match preset {
        Some(SsoPreset::Generic) => obj
            .required_text("issuer", 2048, &mut errors)
            .map(|i| i.trim_end_matches('/').to_owned()),
        Some(preset) => match tenant.as_deref().map(|t| (t, preset.issuer(t))) {
            Some((_, Some(issuer))) => Some(issuer),
            Some((t, None)) => {
                errors.push(Violation::new("tenant", Code::FieldInvalid).value(t));
                None
            }
            None => {
                errors.push(Violation::new("tenant", Code::FieldRequired));
                None
            }
        },
        None => None,
    };
    if let Some(issuer) = &issuer {
        if url_refusal(issuer, allow_loopback).is_some() || issuer.contains(['?', '#']) {
            errors.push(Violation::new("issuer", Code::SsoIssuerInvalid).value(issuer));
        }
    }
    let client_id = obj.required_text("clientId", MAX_CLIENT_FIELD, &mut errors);
    let client_secret = match obj.string("clientSecret", &mut errors) {
        Some(s) if s.trim().is_empty() => None,
        Some(s) if s.chars().count() > MAX_CLIENT_FIELD || s.chars().any(char::is_control) => {
            errors.push(Violation::new("clientSecret", Code::FieldInvalid));
            None
        }
        Some(s) => Some(s.to_owned()),
        None => None,
    };
    if creating && client_secret.is_none() {
        errors.push(Violation::new("clientSecret", Code::FieldRequired));
    }
    let email_claim = obj
        .string("emailClaim", &mut errors)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or(DEFAULT_EMAIL_CLAIM)
        .to_owned();
    let claim_ok = email_claim.len() <= 64
        && email_claim
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-:.".contains(c));
    if !claim_ok {
        errors.push(Violation::new("emailClaim", Code::FieldInvalid).value(&email_claim));
    }
    let mut allowed_domains = SortedSet::new();
    let domains = obj
        .strings("allowedDomains", &mut errors)
        .unwrap_or_default();
    if domains.len() > MAX_ALLOWED_DOMAINS {
        errors.push(Violation::new("allowedDomains", Code::FieldTooLong).max(MAX_ALLOWED_DOMAINS));
    }
    for (i, domain) in domains.iter().enumerate() {
        let domain = fold_case(domain.trim().trim_start_matches('@'));
        match Email::parse(&format!("x@{domain}")) {
            Some(_) => {
                allowed_domains.insert(domain);
            }
            None => errors.push(
                Violation::new(format!("allowedDomains[{i}]"), Code::FieldInvalid).value(&domain),
            ),
        }
    }
    // Google Workspace: the Workspace domain is the one allowed, unless others are named.
    if let (Some(SsoPreset::Google), Some(t), true) = (preset, &tenant, allowed_domains.is_empty())
    {
        allowed_domains.insert(t.clone());
    }
    if email_claim != DEFAULT_EMAIL_CLAIM && allowed_domains.is_empty() {
        // Only `email` comes with the provider's word that it was verified; another claim is
        // trusted for the domains the organization says are its own.
        errors.push(Violation::new("allowedDomains", Code::SsoDomainsRequired));
    }
    let enabled = obj.boolean("enabled", &mut errors).unwrap_or(true);
    match (name, preset, issuer, client_id) {
        (Some(name), Some(preset), Some(issuer), Some(client_id)) if errors.is_empty() => {
            Ok(SsoProvider {
                name,
                preset,
                tenant: tenant.filter(|_| preset != SsoPreset::Generic),
                issuer,
                client_id,
                client_secret,
                email_claim,
                allowed_domains,
                enabled,
            })
        }
        _ => Err(errors),
    }
}

/// How the client authenticates at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenAuth {
    /// HTTP Basic (the specification's default).
    ClientSecretBasic,
    /// In the form's body.
    ClientSecretPost,
}

/// What the Worker keeps of a provider's discovery document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Discovery {
    /// Where the browser is sent.
    pub authorization_endpoint: String,
    /// Where the code is exchanged.
    pub token_endpoint: String,
    /// The provider's signing keys.
    pub jwks_uri: String,
    /// RP-initiated logout, when offered.
    pub end_session_endpoint: Option<String>,
    /// How to authenticate at the token endpoint.
    pub token_auth: TokenAuth,
    /// Whether the provider names itself in the authorization response (RFC 9207): then it
    /// must, and must name this issuer.
    pub iss_in_response: bool,
}

/// The ID token algorithms verified: RS256 (every provider's default) and ES256.
pub const SIGNING_ALGORITHMS: [&str; 2] = ["RS256", "ES256"];

/// Reads a discovery document fetched from `{issuer}/.well-known/openid-configuration`: it must
/// name the same issuer (a document naming another is a mix-up), offer the code flow, a signing
/// algorithm verified here, and every endpoint at an address a callout may reach.
pub fn read_discovery(doc: &Value, issuer: &str, allow_loopback: bool) -> Result<Discovery, Code> {
    let text = |key: &str| doc.get(key).and_then(Value::as_str);
    let names = |key: &str| -> Option<Vec<&str>> {
        doc.get(key)?
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
    };
    if text("issuer") != Some(issuer) {
        return Err(Code::SsoDiscoveryInvalid);
    }
    let endpoint = |key: &str| -> Result<String, Code> {
        let url = text(key).ok_or(Code::SsoDiscoveryInvalid)?;
        match url_refusal(url, allow_loopback) {
            None => Ok(url.to_owned()),
            Some(_) => Err(Code::SsoDiscoveryInvalid),
        }
    };
    if names("response_types_supported").is_some_and(|t| !t.contains(&"code")) {
        return Err(Code::SsoDiscoveryInvalid);
    }
    if names("id_token_signing_alg_values_supported")
        .is_some_and(|algs| !algs.iter().any(|a| SIGNING_ALGORITHMS.contains(a)))
    {
        return Err(Code::SsoDiscoveryInvalid);
    }
    // PKCE S256 is always sent; a provider that says it supports only `plain` is refused.
    if names("code_challenge_methods_supported").is_some_and(|m| !m.contains(&"S256")) {
        return Err(Code::SsoDiscoveryInvalid);
    }
    let auth_methods = names("token_endpoint_auth_methods_supported");
    let token_auth = match auth_methods {
        Some(m) if !m.contains(&"client_secret_basic") && m.contains(&"client_secret_post") => {
            TokenAuth::ClientSecretPost
        }
        _ => TokenAuth::ClientSecretBasic,
    };
    Ok(Discovery {
        authorization_endpoint: endpoint("authorization_endpoint")?,
        token_endpoint: endpoint("token_endpoint")?,
        jwks_uri: endpoint("jwks_uri")?,
        end_session_endpoint: text("end_session_endpoint")
            .filter(|u| url_refusal(u, allow_loopback).is_none())
            .map(str::to_owned),
        token_auth,
        iss_in_response: doc
            .get("authorization_response_iss_parameter_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

/// Whether an authorization response's `iss` (RFC 9207) fits the provider the flow started
/// with: required and equal when the provider announces it, equal when present otherwise.
pub fn response_issuer_fits(discovery: &Discovery, issuer: &str, iss: Option<&str>) -> bool {
    match iss {
        Some(iss) => iss == issuer,
        None => !discovery.iss_in_response,
    }
}

/// What an ID token is checked against: the flow's provider and nonce, and the instant.
#[derive(Debug, Clone)]
pub struct IdTokenExpectations<'a> {
    /// The provider's issuer.
    pub issuer: &'a str,
    /// This client's id.
    pub client_id: &'a str,
    /// The flow's nonce.
    pub nonce: &'a str,
    /// The address claim and the domains allowed.
    pub email_claim: &'a str,
    /// Lower-cased; any when empty.
    pub allowed_domains: &'a SortedSet<String>,
    /// Google Workspace: the `hd` claim must be this domain.
    pub hosted_domain: Option<&'a str>,
    /// Now (ms).
    pub now_ms: i64,
}

/// Clock difference tolerated between the provider and here.
pub const CLOCK_SKEW_S: i64 = 60;

/// Who a valid ID token names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoIdentity {
    /// The provider's stable id for the person (`sub`).
    pub subject: String,
    /// Their address, verified by the provider (or of a domain the organization vouches for).
    pub email: Email,
    /// Given and family names, when sent (for a person created just in time).
    pub given_name: Option<String>,
    /// See `given_name`.
    pub family_name: Option<String>,
    /// Whether the token says a second factor was used (`amr`).
    pub second_factor: bool,
}

/// `amr` values (RFC 8176) of something one has or is: with a password, two factors.
const POSSESSION_OR_INHERENCE: [&str; 11] = [
    "otp", "hwk", "swk", "sms", "tel", "sc", "fpt", "face", "iris", "retina", "vbm",
];
const KNOWLEDGE: [&str; 3] = ["pwd", "pin", "kba"];

/// Whether `amr` shows a second factor: `mfa`, or something known with something held or been.
pub fn amr_shows_second_factor(amr: &[&str]) -> bool {
    amr.contains(&"mfa")
        || (amr.iter().any(|a| KNOWLEDGE.contains(a))
            && amr.iter().any(|a| POSSESSION_OR_INHERENCE.contains(a)))
}

/// What a provider's sign-in leads to for someone of `role` with `factors` here, under the
/// organization's second-factor `policy`: the provider's second factor (its ID token showed one)
/// counts as ours, so it leads straight to a session; without one, what a right password would.
pub fn after_sso(
    policy: SecondFactorPolicy,
    role: Role,
    factors: Factors,
    token_shows_second_factor: bool,
) -> AfterPassword {
    if token_shows_second_factor {
        AfterPassword::Session
    } else {
        after_password(policy, role, factors)
    }
}

/// Checks the claims of an ID token whose signature the Worker verified: `iss`, `aud` (and
/// `azp` when present, required when `aud` names others too), `exp`, `iat`, `nbf`, `nonce`,
/// `sub`; then the address: `email` with `email_verified: true` (true or "true"), or the claim
/// the organization named within its allowed domains; Google's `hd` for a Workspace.
pub fn check_id_token(
    claims: &Value,
    expect: &IdTokenExpectations<'_>,
) -> Result<SsoIdentity, Code> {
    let text = |key: &str| claims.get(key).and_then(Value::as_str);
    let now_s = expect.now_ms.div_euclid(1000);
    if text("iss") != Some(expect.issuer) {
        return Err(Code::SsoTokenInvalid);
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expect.client_id) {
        return Err(Code::SsoTokenInvalid);
    }
    match text("azp") {
        Some(azp) if azp != expect.client_id => return Err(Code::SsoTokenInvalid),
        None if audiences.len() > 1 => return Err(Code::SsoTokenInvalid),
        _ => {}
    }
    let seconds = |key: &str| claims.get(key).and_then(Value::as_i64);
    match seconds("exp") {
        Some(exp) if now_s <= exp + CLOCK_SKEW_S => {}
        _ => return Err(Code::SsoTokenExpired),
    }
    if seconds("iat").is_none_or(|iat| iat > now_s + CLOCK_SKEW_S)
        || seconds("nbf").is_some_and(|nbf| nbf > now_s + CLOCK_SKEW_S)
    {
        return Err(Code::SsoTokenInvalid);
    }
    if text("nonce") != Some(expect.nonce) {
        return Err(Code::SsoTokenInvalid);
    }
    let subject = text("sub")
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or(Code::SsoTokenInvalid)?;
    let email = text(expect.email_claim)
        .and_then(Email::parse)
        .ok_or(Code::SsoEmailMissing)?;
    if expect.email_claim == DEFAULT_EMAIL_CLAIM {
        let verified = match claims.get("email_verified") {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => false,
        };
        if !verified {
            return Err(Code::SsoEmailUnverified);
        }
    }
    let domain = fold_case(email.as_str().rsplit('@').next().unwrap_or(""));
    if !expect.allowed_domains.is_empty() && !expect.allowed_domains.contains(domain.as_str()) {
        return Err(Code::SsoDomainRefused);
    }
    if let Some(hd) = expect.hosted_domain {
        if text("hd").map(fold_case).as_deref() != Some(hd) {
            return Err(Code::SsoDomainRefused);
        }
    }
    let amr: Vec<&str> = claims
        .get("amr")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let name = |key: &str| {
        text(key)
            .map(|n| {
                n.trim()
                    .chars()
                    .take(crate::user::MAX_NAME_CHARS)
                    .collect::<String>()
            })
            .filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
    };
    Ok(SsoIdentity {
        subject: subject.to_owned(),
        email,
        given_name: name("given_name"),
        family_name: name("family_name"),
        second_factor: amr_shows_second_factor(&amr),
    })
}

/// A person as the match sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoCandidate {
    /// Their id.
    pub id: String,
    /// Disabled (on the page, or by SCIM).
    pub disabled: bool,
    /// Linked to another `sub` of the same provider.
    pub linked_elsewhere: bool,
}

/// Whom a valid ID token signs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoMatch {
    /// The person linked to this `sub`.
    Linked(String),
    /// The person with this verified address in the organization, linked from now on.
    LinkNow(String),
    /// Nobody: a new person with the organization's just-in-time access.
    Create(Access),
}

/// Finds whom an identity signs in, within the provider's organization only: the person linked
/// to its `sub`, else the person with its address (linked now), else a new person when the
/// organization creates them just in time. Disabled people are refused either way.
pub fn match_person(
    linked: Option<&SsoCandidate>,
    by_email: Option<&SsoCandidate>,
    jit: Option<&Access>,
) -> Result<SsoMatch, Code> {
    if let Some(person) = linked {
        if person.disabled {
            return Err(Code::AccountDisabled);
        }
        return Ok(SsoMatch::Linked(person.id.clone()));
    }
    if let Some(person) = by_email {
        if person.linked_elsewhere {
            return Err(Code::SsoAlreadyLinked);
        }
        if person.disabled {
            return Err(Code::AccountDisabled);
        }
        return Ok(SsoMatch::LinkNow(person.id.clone()));
    }
    match jit {
        Some(access) if access.role != Role::Admin => Ok(SsoMatch::Create(access.clone())),
        _ => Err(Code::SsoNoAccount),
    }
}

/// The person created at their first SSO sign-in: the identity's address and names, the
/// organization's just-in-time access as its catalog stands now (a module removed since the
/// policy was saved is not given), no password (none verifies: they sign in through the provider).
pub fn sso_new_person(identity: &SsoIdentity, access: &Access, catalog: &Catalog) -> NewUser {
    NewUser {
        email: identity.email.clone(),
        password: String::new(),
        access: access.clone().normalize(catalog),
        profile: Profile {
            first_name: identity.given_name.clone(),
            last_name: identity.family_name.clone(),
            pseudonym: None,
            avatar_url: None,
            time_zone: crate::access::TimeZone::default_zone(),
        },
    }
}

impl SsoPolicy {
    /// The policy with local sign-in allowed again (the operator's way back in for an
    /// organization that lost its provider and its break-glass admin); the rest kept.
    pub fn lifted(&self) -> SsoPolicy {
        SsoPolicy {
            required: false,
            ..self.clone()
        }
    }
}

/// Whether a person provisioned without a password gets the activation email (a link to set
/// one): when the organization sends them (`scim_activation_emails`), but not under SSO
/// required, where their way in is the provider and a password they set could not be used.
pub fn activation_email_due(activation_emails: bool, sso: &SsoPolicy) -> bool {
    activation_emails && !sso.required
}

/// An organization's SSO policy (as its admins read it, and as the audit log records it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SsoPolicy {
    /// Password (and passkey, and reset) sign-in refused for everyone but `breakGlass`.
    pub required: bool,
    /// The admin who may still sign in locally when SSO is required (the way back in when the
    /// provider is down or misconfigured): their id.
    pub break_glass: Option<String>,
    /// The access of a person created at their first SSO sign-in; `null`: no one is created.
    pub jit: Option<Access>,
}

/// The SSO policy's form (`PUT /organization/sso`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SsoPolicyInput {
    /// Refuse local sign-in (password, passkey, reset link) to all but the break-glass admin.
    pub required: bool,
    /// The break-glass admin's id; required when `required` is true.
    #[serde(default)]
    pub break_glass: Option<String>,
    /// Create people at their first SSO sign-in with this access (never admin); `null`: don't.
    #[serde(default)]
    pub jit: Option<JitAccessInput>,
}

/// The access given to people created just in time (the invitation's fields).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JitAccessInput {
    /// `agent` or `manager`; never `admin`.
    pub role: Role,
    /// Module ids; left out, the role's defaults.
    #[serde(default)]
    pub modules: Option<Vec<crate::access::Module>>,
    /// Live-chat settings.
    #[serde(default)]
    pub livechat: Option<crate::access::LivechatInput>,
}

/// Validates the SSO policy form. Whether the break-glass person is an active admin of the
/// organization is the Worker's look-up, then [`break_glass_fits`].
pub fn validate_sso_policy(input: &Value, catalog: &Catalog) -> Result<SsoPolicy, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<SsoPolicyInput>(), &mut errors) else {
        return Err(errors);
    };
    let required = obj.required_bool("required", &mut errors);
    let break_glass = obj
        .string("breakGlass", &mut errors)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if required == Some(true) && break_glass.is_none() {
        errors.push(Violation::new("breakGlass", Code::SsoBreakGlassRequired));
    }
    let jit = obj
        .object("jit", keys_of::<JitAccessInput>(), &mut errors)
        .and_then(|o| read_new_access(&o, catalog, &mut errors));
    if jit.as_ref().is_some_and(|a| a.role == Role::Admin) {
        errors.push(Violation::new("jit.role", Code::SsoJitAdmin));
    }
    match required {
        Some(required) if errors.is_empty() => Ok(SsoPolicy {
            required,
            break_glass,
            jit,
        }),
        _ => Err(errors),
    }
}

/// Whether the named break-glass person may be one: an active admin of the organization.
pub fn break_glass_fits(role: Option<Role>, disabled: bool) -> Result<(), Code> {
    match role {
        Some(Role::Admin) if !disabled => Ok(()),
        _ => Err(Code::SsoBreakGlassRequired),
    }
}

/// Whether a local sign-in (password, passkey, reset link) is allowed to `person` (`None`:
/// unknown, answered like a known one) under the organization's policy.
pub fn local_sign_in_allowed(policy: &SsoPolicy, person: Option<&str>) -> Result<(), Code> {
    if !policy.required || person.is_some_and(|p| policy.break_glass.as_deref() == Some(p)) {
        Ok(())
    } else {
        Err(Code::SsoRequired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW_MS: i64 = 1_800_000_000_000;

    fn domains(list: &[&str]) -> SortedSet<String> {
        let mut set = SortedSet::new();
        for d in list {
            set.insert((*d).to_owned());
        }
        set
    }

    fn claims() -> Value {
        json!({"iss": "https://idp.example.com", "aud": "client-1", "sub": "abc",
               "exp": NOW_MS / 1000 + 300, "iat": NOW_MS / 1000, "nonce": "n-1",
               "email": "Ana@Example.com", "email_verified": true, "given_name": "Ana"})
    }

    fn check(claims: &Value, allowed: &SortedSet<String>) -> Result<SsoIdentity, Code> {
        check_id_token(
            claims,
            &IdTokenExpectations {
                issuer: "https://idp.example.com",
                client_id: "client-1",
                nonce: "n-1",
                email_claim: "email",
                allowed_domains: allowed,
                hosted_domain: None,
                now_ms: NOW_MS,
            },
        )
    }

    fn with(key: &str, value: Value) -> Value {
        let mut c = claims();
        c[key] = value;
        c
    }

    #[test]
    fn a_valid_token_names_its_subject_and_verified_address() {
        let id = check(&claims(), &domains(&[])).unwrap();
        assert_eq!(id.subject, "abc");
        assert_eq!(id.email.as_str(), "Ana@example.com");
        assert_eq!(id.given_name.as_deref(), Some("Ana"));
        assert!(!id.second_factor);
        assert!(check(&with("aud", json!(["client-1"])), &domains(&[])).is_ok());
        assert!(check(&with("email_verified", json!("true")), &domains(&[])).is_ok());
    }

    #[test]
    fn every_claim_that_does_not_fit_is_refused() {
        let none = domains(&[]);
        let refused = [
            (
                with("iss", json!("https://other.example.com")),
                Code::SsoTokenInvalid,
            ),
            (with("aud", json!("client-2")), Code::SsoTokenInvalid),
            (
                with("aud", json!(["client-1", "client-2"])),
                Code::SsoTokenInvalid,
            ),
            (with("azp", json!("client-2")), Code::SsoTokenInvalid),
            (with("nonce", json!("n-2")), Code::SsoTokenInvalid),
            (with("sub", json!("")), Code::SsoTokenInvalid),
            (
                with("iat", json!(NOW_MS / 1000 + 61)),
                Code::SsoTokenInvalid,
            ),
            (
                with("nbf", json!(NOW_MS / 1000 + 61)),
                Code::SsoTokenInvalid,
            ),
            (
                with("exp", json!(NOW_MS / 1000 - 61)),
                Code::SsoTokenExpired,
            ),
            (
                with("email_verified", json!(false)),
                Code::SsoEmailUnverified,
            ),
            (
                with("email", json!("not an address")),
                Code::SsoEmailMissing,
            ),
        ];
        for (claims, code) in refused {
            assert_eq!(check(&claims, &none), Err(code), "{claims}");
        }
        let mut unverified = claims();
        unverified.as_object_mut().unwrap().remove("email_verified");
        assert_eq!(check(&unverified, &none), Err(Code::SsoEmailUnverified));
        // Within the skew, and with azp naming this client among several audiences.
        assert!(check(&with("exp", json!(NOW_MS / 1000 - 60)), &none).is_ok());
        let mut several = with("aud", json!(["client-1", "client-2"]));
        several["azp"] = json!("client-1");
        assert!(check(&several, &none).is_ok());
    }

    #[test]
    fn allowed_domains_and_the_workspace_domain() {
        assert_eq!(
            check(&claims(), &domains(&["acme.fr"])),
            Err(Code::SsoDomainRefused)
        );
        assert!(check(&claims(), &domains(&["example.com"])).is_ok());
        let allowed = domains(&[]);
        let expect = |hd| IdTokenExpectations {
            issuer: "https://idp.example.com",
            client_id: "client-1",
            nonce: "n-1",
            email_claim: "email",
            allowed_domains: &allowed,
            hosted_domain: hd,
            now_ms: NOW_MS,
        };
        assert_eq!(
            check_id_token(&claims(), &expect(Some("example.com"))),
            Err(Code::SsoDomainRefused)
        );
        assert!(check_id_token(
            &with("hd", json!("example.com")),
            &expect(Some("example.com"))
        )
        .is_ok());
    }

    #[test]
    fn amr_counts_as_a_second_factor_only_when_it_shows_one() {
        assert!(amr_shows_second_factor(&["pwd", "mfa"]));
        assert!(amr_shows_second_factor(&["pwd", "otp"]));
        assert!(amr_shows_second_factor(&["pin", "hwk"]));
        assert!(!amr_shows_second_factor(&["pwd"]));
        assert!(!amr_shows_second_factor(&["otp"]));
        assert!(!amr_shows_second_factor(&[]));
        let id = check(&with("amr", json!(["pwd", "mfa"])), &domains(&[])).unwrap();
        assert!(id.second_factor);
    }

    #[test]
    fn presets_fill_the_issuer() {
        assert_eq!(
            SsoPreset::Entra.issuer("7a1b-C2"),
            Some("https://login.microsoftonline.com/7a1b-c2/v2.0".into())
        );
        assert_eq!(
            SsoPreset::Okta.issuer("acme.okta.com"),
            Some("https://acme.okta.com".into())
        );
        assert_eq!(SsoPreset::Okta.issuer("acme"), None);
        assert_eq!(SsoPreset::Entra.issuer("a/b"), None);
        assert_eq!(
            SsoPreset::Google.issuer("acme.fr"),
            Some("https://accounts.google.com".into())
        );
        let google = validate_sso_provider(
            &json!({"name": "Google", "preset": "google", "tenant": "Acme.fr",
                    "clientId": "c", "clientSecret": "s"}),
            true,
            false,
        )
        .unwrap();
        assert_eq!(google.allowed_domains, domains(&["acme.fr"]));
        assert_eq!(google.tenant.as_deref(), Some("acme.fr"));
    }

    #[test]
    fn the_provider_form_reports_each_field() {
        let errors = validate_sso_provider(
            &json!({"name": "", "issuer": "http://idp.example.com", "clientId": "c",
                    "emailClaim": "upn", "allowedDomains": ["not a domain"]}),
            true,
            false,
        )
        .unwrap_err();
        let fields: Vec<(&str, Code)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert!(fields.contains(&("name", Code::FieldRequired)));
        assert!(fields.contains(&("issuer", Code::SsoIssuerInvalid)));
        assert!(fields.contains(&("clientSecret", Code::FieldRequired)));
        assert!(fields.contains(&("allowedDomains[0]", Code::FieldInvalid)));
        assert!(fields.contains(&("allowedDomains", Code::SsoDomainsRequired)));
        // Loopback only when the deployment allows it; a secret only to create.
        let local = json!({"name": "Test", "issuer": "http://127.0.0.1:9000/", "clientId": "c"});
        assert!(validate_sso_provider(&local, false, false).is_err());
        let ok = validate_sso_provider(&local, false, true).unwrap();
        assert_eq!(ok.issuer, "http://127.0.0.1:9000");
        assert_eq!(ok.client_secret, None);
        assert_eq!(ok.email_claim, "email");
        let internal = json!({"name": "x", "issuer": "https://10.0.0.1", "clientId": "c"});
        assert!(validate_sso_provider(&internal, false, true).is_err());
    }

    #[test]
    fn discovery_must_name_the_same_issuer_and_a_verified_algorithm() {
        let doc = json!({"issuer": "https://idp.example.com",
            "authorization_endpoint": "https://idp.example.com/auth",
            "token_endpoint": "https://idp.example.com/token",
            "jwks_uri": "https://idp.example.com/jwks",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
            "authorization_response_iss_parameter_supported": true});
        let d = read_discovery(&doc, "https://idp.example.com", false).unwrap();
        assert_eq!(d.token_auth, TokenAuth::ClientSecretPost);
        assert!(d.iss_in_response);
        assert!(response_issuer_fits(
            &d,
            "https://idp.example.com",
            Some("https://idp.example.com")
        ));
        assert!(!response_issuer_fits(&d, "https://idp.example.com", None));
        assert!(!response_issuer_fits(
            &d,
            "https://idp.example.com",
            Some("https://evil.example")
        ));
        assert_eq!(
            read_discovery(&doc, "https://other.example.com", false),
            Err(Code::SsoDiscoveryInvalid)
        );
        let mut hs = doc.clone();
        hs["id_token_signing_alg_values_supported"] = json!(["HS256", "none"]);
        assert_eq!(
            read_discovery(&hs, "https://idp.example.com", false),
            Err(Code::SsoDiscoveryInvalid)
        );
        let mut inside = doc.clone();
        inside["token_endpoint"] = json!("https://169.254.169.254/token");
        assert_eq!(
            read_discovery(&inside, "https://idp.example.com", false),
            Err(Code::SsoDiscoveryInvalid)
        );
    }

    fn person(id: &str, disabled: bool, linked_elsewhere: bool) -> SsoCandidate {
        SsoCandidate {
            id: id.into(),
            disabled,
            linked_elsewhere,
        }
    }

    #[test]
    fn the_link_first_then_the_address_then_just_in_time() {
        let agent: Access =
            serde_json::from_value(json!({"role": "agent", "modules": ["livechat"],
            "livechat": {"maxConversations": 3, "languages": ["fr"], "mainLanguage": "fr",
            "questionnaires": [], "channels": ["chat"]}}))
            .unwrap();
        let a = person("a", false, false);
        let b = person("b", false, false);
        assert_eq!(
            match_person(Some(&a), Some(&b), None),
            Ok(SsoMatch::Linked("a".into()))
        );
        assert_eq!(
            match_person(None, Some(&b), None),
            Ok(SsoMatch::LinkNow("b".into()))
        );
        assert_eq!(
            match_person(None, Some(&person("b", false, true)), Some(&agent)),
            Err(Code::SsoAlreadyLinked)
        );
        assert_eq!(
            match_person(Some(&person("a", true, false)), None, None),
            Err(Code::AccountDisabled)
        );
        assert_eq!(
            match_person(None, Some(&person("b", true, false)), Some(&agent)),
            Err(Code::AccountDisabled)
        );
        assert_eq!(match_person(None, None, None), Err(Code::SsoNoAccount));
        assert_eq!(
            match_person(None, None, Some(&agent)),
            Ok(SsoMatch::Create(agent.clone()))
        );
        let mut admin = agent.clone();
        admin.role = Role::Admin;
        assert_eq!(
            match_person(None, None, Some(&admin)),
            Err(Code::SsoNoAccount)
        );
    }

    #[test]
    fn the_policy_form_and_local_sign_in() {
        let catalog = Catalog::default();
        let errors = validate_sso_policy(
            &json!({"required": true, "jit": {"role": "admin"}}),
            &catalog,
        )
        .unwrap_err();
        let codes: Vec<Code> = errors.iter().map(|e| e.code).collect();
        assert!(codes.contains(&Code::SsoBreakGlassRequired));
        assert!(codes.contains(&Code::SsoJitAdmin));
        let policy = validate_sso_policy(
            &json!({"required": true, "breakGlass": "u-1", "jit": {"role": "agent"}}),
            &catalog,
        )
        .unwrap();
        assert_eq!(policy.jit.as_ref().map(|a| a.role), Some(Role::Agent));
        assert_eq!(local_sign_in_allowed(&policy, Some("u-1")), Ok(()));
        assert_eq!(
            local_sign_in_allowed(&policy, Some("u-2")),
            Err(Code::SsoRequired)
        );
        assert_eq!(local_sign_in_allowed(&policy, None), Err(Code::SsoRequired));
        assert_eq!(
            local_sign_in_allowed(&SsoPolicy::default(), Some("u-2")),
            Ok(())
        );
        assert_eq!(break_glass_fits(Some(Role::Admin), false), Ok(()));
        assert!(break_glass_fits(Some(Role::Manager), false).is_err());
        assert!(break_glass_fits(Some(Role::Admin), true).is_err());
        assert!(break_glass_fits(None, false).is_err());
    }

    #[test]
    fn a_providers_second_factor_counts_as_ours() {
        use SecondFactorPolicy::{Admins, Everyone, Optional};
        let none = Factors::default();
        let app = Factors {
            totp: true,
            passkeys: 0,
        };
        // Shown by the token: a full session, whatever the policy or the factors here.
        for policy in SecondFactorPolicy::ALL {
            for factors in [none, app] {
                assert_eq!(
                    after_sso(policy, Role::Admin, factors, true),
                    AfterPassword::Session
                );
            }
        }
        // Not shown: as after a right password.
        assert_eq!(
            after_sso(Optional, Role::Agent, app, false),
            AfterPassword::SecondFactor
        );
        assert_eq!(
            after_sso(Admins, Role::Admin, none, false),
            AfterPassword::Enrolment
        );
        assert_eq!(
            after_sso(Everyone, Role::Agent, none, false),
            AfterPassword::Enrolment
        );
        assert_eq!(
            after_sso(Admins, Role::Agent, none, false),
            AfterPassword::Session
        );
    }

    #[test]
    fn under_sso_required_nobody_is_sent_a_link_to_set_a_password() {
        let required = SsoPolicy {
            required: true,
            break_glass: Some("admin".into()),
            jit: None,
        };
        assert!(activation_email_due(true, &SsoPolicy::default()));
        assert!(!activation_email_due(false, &SsoPolicy::default()));
        assert!(!activation_email_due(true, &required));
        let lifted = required.lifted();
        assert!(!lifted.required);
        assert_eq!(lifted.break_glass, required.break_glass);
        assert!(activation_email_due(true, &lifted));
    }
}
