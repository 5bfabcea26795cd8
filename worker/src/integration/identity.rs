//! Signed identity: `POST /token` gives a person's identity and access as a short-lived ES256
//! JWT; `/.well-known/jwks.json` publishes the keys that verify it. The Worker itself never takes
//! such a token as a credential: its own API checks the session on every request.

use crate::ctx::{Authenticated, Config, Ctx};
use crate::http::{self, ApiError};
use crate::secrets::{key_of, new_id};
use jwt_compact::{alg::Es256, jwk::JsonWebKey, AlgorithmExt, Claims, Header};
use livechat_access::{
    validate_identity_token_request, Action, Code, IdentityClaims, IdentityKey, IdentityOf,
    SettingProblem, Violation,
};
use p256::ecdsa::{SigningKey, VerifyingKey};
use serde::Serialize;
use serde_json::{json, Value};
use worker::Response;

/// The identity keys, decoded once per isolate.
pub struct SigningKeys {
    /// Every published key: id, public half, and the private half of the one that signs.
    published: Vec<(String, VerifyingKey)>,
    signer: Option<(String, SigningKey)>,
}

impl SigningKeys {
    /// The keys the core read from `IDENTITY_KEYS`; a key whose bytes are not a P-256 scalar
    /// (zero, or past the group order: a shape the core cannot see) is left out, and without a
    /// signer `POST /token` answers 503.
    pub fn new(keys: &[IdentityKey]) -> SigningKeys {
        let mut published = Vec::new();
        let mut signer = None;
        for key in keys {
            let Some(secret) = key_of(&key.key).and_then(|b| SigningKey::from_slice(&b).ok())
            else {
                continue;
            };
            published.push((key.id.clone(), *secret.verifying_key()));
            if key.signs {
                signer = Some((key.id.clone(), secret));
            }
        }
        SigningKeys { published, signer }
    }

    /// The JWK Set (RFC 7517): every published key, with its `kid`, for ES256 signatures.
    pub fn jwks(&self) -> KeySet {
        let keys: Vec<Value> = self
            .published
            .iter()
            .map(|(kid, public)| {
                let mut jwk = serde_json::to_value(JsonWebKey::from(public)).unwrap_or_default();
                if let Some(fields) = jwk.as_object_mut() {
                    fields.insert("kid".into(), json!(kid));
                    fields.insert("alg".into(), json!("ES256"));
                    fields.insert("use".into(), json!("sig"));
                }
                jwk
            })
            .collect();
        KeySet { keys }
    }

    /// The claims signed as a compact JWS, with the signing key's id in the header.
    pub fn sign(&self, claims: &IdentityClaims) -> Option<(String, String)> {
        let (kid, key) = self.signer.as_ref()?;
        let header = Header::empty().with_key_id(kid.clone());
        let token = Es256.token(&header, &Claims::new(claims), key).ok()?;
        Some((kid.clone(), token))
    }
}

/// How long the key set may be cached: announce a new key at least this long before it signs.
pub const JWKS_MAX_AGE_S: u32 = 300;

/// `GET /jwks.json`, also at `/.well-known/jwks.json`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KeySet {
    /// The public keys (`kty` `EC`, `crv` `P-256`, `x`, `y`, `kid`, `alg` `ES256`, `use` `sig`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub keys: Vec<Value>,
}

/// `GET /jwks.json`: the public keys identity tokens are signed with, the next one included
/// before it signs; cacheable.
#[cfg_attr(feature = "openapi", utoipa::path(get, path = "/jwks.json", operation_id = "jwks", tag = "integrations", summary = "The keys that verify identity tokens (JWK Set; also at /.well-known/jwks.json)", responses((status = 200, description = "OK", body = KeySet)), security(())))]
pub fn jwks(config: &Config) -> Result<Response, ApiError> {
    let mut response = http::json(200, &config.identity_keys.jwks())?;
    response.headers_mut().set(
        "cache-control",
        &format!("public, max-age={JWKS_MAX_AGE_S}"),
    )?;
    Ok(response)
}

/// `POST /token`.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentityToken {
    /// The compact JWS (ES256): show it to the vendor's services; they verify it against the
    /// key set.
    pub token: String,
    /// The signing key's id (the header's `kid`).
    pub key_id: String,
    /// When it stops being valid (milliseconds since the epoch).
    pub expires_at: i64,
    /// What it says.
    pub claims: IdentityClaims,
}

/// `POST /token` {userId?}: a signed identity token, for the signed-in person (their own) or,
/// for a key with `identity:issue`, for a person of its organization.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/token", operation_id = "identityToken", tag = "integrations", summary = "A short-lived signed identity token (ES256 JWT) for a person", request_body = livechat_access::IdentityTokenInput, responses((status = 200, description = "OK", body = IdentityToken), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody), (status = 503, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []), ("integrationKey" = []))))]
pub async fn issue(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let authenticated = ctx.caller().await?;
    let caller = authenticated.caller();
    let asked = validate_identity_token_request(&ctx.body().await?).map_err(ApiError::form)?;
    let id = match (asked, &authenticated) {
        (Some(id), _) => id,
        (None, Authenticated::Person(session)) => session.user.id.clone(),
        (None, Authenticated::Key(..)) => {
            return Err(ApiError::form(vec![Violation::new(
                "userId",
                Code::FieldRequired,
            )]))
        }
    };
    let row = ctx
        .store
        .person_at(caller.organization(), &id, ctx.now)
        .await?
        .ok_or(Code::NotFound)?;
    caller.authorize(&Action::IssueIdentityToken {
        target: row.subject()?,
    })?;
    if let Some(refused) = ctx.config.refused("IDENTITY_KEYS") {
        return Err(refused);
    }
    let now_s = ctx.now / 1000;
    let claims = IdentityClaims::of(
        &IdentityOf {
            issuer: &ctx.origin()?,
            id: &row.id,
            organization: &row.organization(),
            email: &row.email,
            access: &row.access()?,
            team_questionnaires: &row.team_questionnaires()?,
        },
        now_s,
        ctx.config.identity_token_ttl_s,
        new_id(),
    );
    let Some((key_id, token)) = ctx.config.identity_keys.sign(&claims) else {
        return Err(ApiError::settings(vec![SettingProblem {
            setting: "IDENTITY_KEYS",
            code: Code::IdentityKeyInvalid,
            rule: None,
            params: Default::default(),
        }]));
    };
    http::json(
        200,
        &IdentityToken {
            token,
            key_id,
            expires_at: claims.exp * 1000,
            claims,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use jwt_compact::UntrustedToken;

    const K1: &str = "q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0VnE";
    const K2: &str = "AAAAEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0VnE";

    fn key(id: &str, key: &str, signs: bool) -> IdentityKey {
        IdentityKey {
            id: id.into(),
            key: key.into(),
            signs,
        }
    }

    #[test]
    fn the_signing_key_signs_and_every_key_is_published() {
        let keys = SigningKeys::new(&[key("k2", K2, false), key("k1", K1, true)]);
        let set = serde_json::to_value(keys.jwks()).unwrap();
        let kids: Vec<&str> = set["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap())
            .collect();
        assert_eq!(kids, ["k2", "k1"]);
        assert_eq!(set["keys"][0]["crv"], "P-256");
        assert_eq!(set["keys"][0].get("d"), None, "no private half published");
        let claims: IdentityClaims = serde_json::from_value(json!({
            "iss": "https://x", "aud": "livechat-access", "sub": "u1", "org": "acme",
            "email": "a@x.fr", "role": "agent", "modules": ["livechat"],
            "livechat": {"languages": ["fr"], "mainLanguage": "fr", "questionnaires": [],
                         "ownQuestionnaires": [], "channels": ["chat"], "maxConversations": null},
            "iat": 1000, "exp": 1300, "jti": "j"
        }))
        .unwrap();
        let (kid, token) = keys.sign(&claims).unwrap();
        assert_eq!(kid, "k1");
        let untrusted = UntrustedToken::new(&token).unwrap();
        assert_eq!(untrusted.header().key_id.as_deref(), Some("k1"));
        assert_eq!(untrusted.algorithm(), "ES256");
        let k1 = SigningKey::from_slice(&key_of(K1).unwrap()).unwrap();
        let checked = Es256
            .validator::<Value>(k1.verifying_key())
            .validate(&untrusted)
            .unwrap();
        let read = checked.claims();
        assert_eq!(read.expiration.map(|t| t.timestamp()), Some(1300));
        assert_eq!(read.issued_at.map(|t| t.timestamp()), Some(1000));
        assert_eq!(read.custom["sub"], "u1");
        assert_eq!(read.custom["livechat"]["channels"], json!(["chat"]));
        // The announced key did not sign it.
        let k2 = SigningKey::from_slice(&key_of(K2).unwrap()).unwrap();
        assert!(Es256
            .validator::<Value>(k2.verifying_key())
            .validate(&untrusted)
            .is_err());
    }

    #[test]
    fn a_key_that_is_no_scalar_is_left_out_and_nothing_signs() {
        let zero = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let keys = SigningKeys::new(&[key("k0", zero, true)]);
        assert!(keys.jwks().keys.is_empty());
        assert!(keys.signer.is_none());
    }
}
