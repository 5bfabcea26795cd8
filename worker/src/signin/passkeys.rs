//! Passkeys (WebAuthn Level 3): registered on one's account, used as the second step of a
//! sign-in or instead of the password. The relying party's steps (W3C WebAuthn §7.1 and §7.2:
//! client data, RP ID hash, flags, counter, signature) are written out here over maintained
//! primitives — RustCrypto's `p256` for ES256 signatures, Google's `coset` for COSE keys,
//! `ciborium` for CBOR — because no maintained relying-party crate runs on
//! wasm32-unknown-unknown: webauthn-rs needs OpenSSL, webauthn_rp reads the system clock (which
//! panics there), caden and webauthn-kit need ring's C code. The rules (who may, when a factor
//! may go) stay the core's.

use super::challenges::{open_challenge, signed_in_by_challenge, CHALLENGE_TTL_MS};
use super::factors::factor_added;
use crate::ctx::Ctx;
use crate::http::{self, ApiError};
use crate::secrets::{base64url, new_token, random_bytes, token_digest};
use crate::store::{ChallengeRow, UserRow};
use base64::Engine;
use livechat_access::{validate_passkey_name, Code, Factors, OrganizationId};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use worker::Response;

/// COSE's number for ES256 (ECDSA P-256 with SHA-256), the one algorithm accepted.
const ES256: i64 = -7;

/// A registered passkey's public key, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredKey {
    /// COSE algorithm.
    pub alg: i64,
    /// The P-256 point, uncompressed SEC1, base64url.
    pub point: String,
    /// Whose (the WebAuthn user handle is this id's bytes).
    pub user: String,
}

/// Who the relying party is for this request: the page's origin, and its host as the RP ID.
struct RelyingParty {
    id: String,
    origin: String,
}

fn relying_party(ctx: &Ctx) -> Result<RelyingParty, ApiError> {
    let url = ctx.req.url()?;
    Ok(RelyingParty {
        id: url.host_str().unwrap_or_default().to_owned(),
        origin: url.origin().ascii_serialization(),
    })
}

fn decode(text: Option<&Value>) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text?.as_str()?.trim_end_matches('='))
        .ok()
}

fn refused(field: &str) -> ApiError {
    crate::signin::factors::not_accepted(field)
}

/// The client data a browser signed (§7.1 steps 5–12, §7.2 steps 10–15): its type, challenge
/// and origin; `None` when any is not the expected one.
fn client_data(response: &Value, kind: &str, rp: &RelyingParty) -> Option<(Vec<u8>, String)> {
    let bytes = decode(response.get("clientDataJSON"))?;
    let data: Value = serde_json::from_slice(&bytes).ok()?;
    let ok = data.get("type")?.as_str()? == kind
        && data.get("origin")?.as_str()? == rp.origin
        && data.get("crossOrigin").and_then(Value::as_bool) != Some(true);
    let challenge = data.get("challenge")?.as_str()?.to_owned();
    ok.then_some((bytes, challenge))
}

/// Authenticator data (§6.1): the RP ID hash, flags, counter, and for a registration the
/// credential id and its COSE key.
struct AuthenticatorData {
    user_present: bool,
    user_verified: bool,
    sign_count: u32,
    credential: Option<(Vec<u8>, coset::CoseKey)>,
}

fn authenticator_data(bytes: &[u8], rp: &RelyingParty) -> Option<AuthenticatorData> {
    let rp_id_hash = bytes.get(..32)?;
    if rp_id_hash != Sha256::digest(rp.id.as_bytes()).as_slice() {
        return None;
    }
    let flags = *bytes.get(32)?;
    let sign_count = u32::from_be_bytes(bytes.get(33..37)?.try_into().ok()?);
    let credential = if flags & 0x40 != 0 {
        // Attested credential data: AAGUID (16), id length (2), id, COSE key (CBOR).
        let length = usize::from(u16::from_be_bytes(bytes.get(53..55)?.try_into().ok()?));
        let id = bytes.get(55..55 + length)?.to_vec();
        let mut rest = bytes.get(55 + length..)?;
        let value: ciborium::Value = ciborium::de::from_reader(&mut rest).ok()?;
        let key = <coset::CoseKey as coset::AsCborValue>::from_cbor_value(value).ok()?;
        Some((id, key))
    } else {
        None
    };
    Some(AuthenticatorData {
        user_present: flags & 0x01 != 0,
        user_verified: flags & 0x04 != 0,
        sign_count,
        credential,
    })
}

/// A COSE key as an ES256 public key (SEC1 point), or `None` for any other kind.
fn es256_point(key: &coset::CoseKey) -> Option<Vec<u8>> {
    use coset::iana::{Algorithm, Ec2KeyParameter, EllipticCurve, KeyType};
    use coset::{KeyType as Kty, Label, RegisteredLabelWithPrivate};
    if key.kty != Kty::Assigned(KeyType::EC2) {
        return None;
    }
    if key
        .alg
        .as_ref()
        .is_some_and(|a| *a != RegisteredLabelWithPrivate::Assigned(Algorithm::ES256))
    {
        return None;
    }
    let param = |p: Ec2KeyParameter| {
        key.params
            .iter()
            .find(|(label, _)| *label == Label::Int(p as i64))
            .map(|(_, v)| v)
    };
    let curve = param(Ec2KeyParameter::Crv)?.as_integer()?;
    if i128::from(curve) != EllipticCurve::P_256 as i128 {
        return None;
    }
    let x = param(Ec2KeyParameter::X)?.as_bytes()?;
    let y = param(Ec2KeyParameter::Y)?.as_bytes()?;
    let mut point = vec![0x04];
    point.extend_from_slice(x);
    point.extend_from_slice(y);
    // Only a point on the curve is kept.
    p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).ok()?;
    Some(point)
}

/// `POST /me/second-factors/passkeys/options`: the options `navigator.credentials.create` takes
/// (`PublicKeyCredential.parseCreationOptionsFromJSON`); the ceremony lasts five minutes.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/me/second-factors/passkeys/options", operation_id = "passkeyCreationOptions", tag = "second factor", summary = "Start registering a passkey: the browser's creation options", responses((status = 200, description = "PublicKeyCredentialCreationOptionsJSON", body = Object), (status = 401, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn creation_options(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session_to_enrol().await?;
    let org = session.actor.organization.clone();
    let rp = relying_party(ctx)?;
    let challenge = base64url(&random_bytes::<32>());
    open_challenge(
        ctx,
        &challenge,
        &org,
        Some(&session.user.id),
        ("passkey_register", None),
        None,
    )
    .await?;
    let organization = ctx
        .store
        .organization(org.as_str())
        .await?
        .ok_or(Code::Internal)?;
    let existing = ctx.store.passkey_ids(&org, &session.user.id).await?;
    let profile = session.user.account()?.profile;
    http::json(
        200,
        &json!({
            "challenge": challenge,
            "rp": {"id": rp.id, "name": organization.name},
            "user": {
                "id": base64url(session.user.id.as_bytes()),
                "name": session.user.email,
                "displayName": profile.pseudonym.unwrap_or_else(|| session.user.email.clone()),
            },
            "pubKeyCredParams": [{"type": "public-key", "alg": ES256}],
            "timeout": CHALLENGE_TTL_MS,
            "attestation": "none",
            "excludeCredentials": existing.iter().map(|id| json!({"type": "public-key", "id": id})).collect::<Vec<_>>(),
            "authenticatorSelection": {"residentKey": "preferred", "userVerification": "preferred"},
        }),
    )
}

/// `POST /me/second-factors/passkeys` {name, credential}: the browser's new credential
/// (`toJSON()`), checked (§7.1) and kept; the first factor brings recovery codes.
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/me/second-factors/passkeys", operation_id = "registerPasskey", tag = "second factor", summary = "Register a passkey (ES256)", request_body = livechat_access::PasskeyInput, responses((status = 200, description = "Registered", body = crate::signin::factors::FactorAdded), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn register(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let session = ctx.session_to_enrol().await?;
    let body = ctx.body().await?;
    let name = livechat_access::validate_new_passkey(&body).map_err(ApiError::form)?;
    let org = session.actor.organization.clone();
    let rp = relying_party(ctx)?;
    let credential = body
        .get("credential")
        .ok_or_else(|| refused("credential"))?;
    let response = credential
        .get("response")
        .ok_or_else(|| refused("credential"))?;
    let (_, challenge) =
        client_data(response, "webauthn.create", &rp).ok_or_else(|| refused("credential"))?;
    let digest = token_digest(&challenge);
    let ceremony = ctx.store.challenge(&digest, ctx.now).await?;
    if ceremony.as_ref().is_none_or(|c| {
        c.purpose != "passkey_register" || c.user_id.as_deref() != Some(&session.user.id)
    }) {
        return Err(Code::ChallengeExpired.into());
    }
    let attestation: ciborium::Value = decode(response.get("attestationObject"))
        .and_then(|bytes| ciborium::de::from_reader(bytes.as_slice()).ok())
        .ok_or_else(|| refused("credential"))?;
    let auth_data = attestation
        .as_map()
        .and_then(|m| m.iter().find(|(k, _)| k.as_text() == Some("authData")))
        .and_then(|(_, v)| v.as_bytes())
        .ok_or_else(|| refused("credential"))?;
    let data = authenticator_data(auth_data, &rp).ok_or_else(|| refused("credential"))?;
    let (id, key) = data.credential.ok_or_else(|| refused("credential"))?;
    if !data.user_present || decode(credential.get("rawId")) != Some(id.clone()) {
        return Err(refused("credential"));
    }
    let point = es256_point(&key).ok_or_else(|| refused("credential"))?;
    let stored = StoredKey {
        alg: ES256,
        point: base64url(&point),
        user: session.user.id.clone(),
    };
    let (before, _) = ctx.store.factors(&org, &session.user.id).await?;
    let written = ctx
        .store
        .batch(vec![
            ctx.store.consume_challenge(&digest, ctx.now)?,
            ctx.store.insert_passkey(
                &org,
                &session.user.id,
                (
                    &base64url(&id),
                    &name,
                    &serde_json::to_string(&stored)?,
                    i64::from(data.sign_count),
                ),
                ctx.now,
            )?,
        ])
        .await;
    match written {
        Ok(results) if results.first().is_some_and(crate::store::written) => {}
        Ok(_) => return Err(Code::ChallengeExpired.into()),
        // The same credential twice.
        Err(e) if crate::store::is_unique_violation(&e) => return Err(refused("credential")),
        Err(e) => return Err(e.into()),
    }
    factor_added(ctx, &session, before).await
}

/// `PATCH /me/second-factors/passkeys/{id}` {name}.
#[cfg_attr(feature = "openapi", utoipa::path(patch, path = "/me/second-factors/passkeys/{id}", operation_id = "renamePasskey", tag = "second factor", summary = "Rename one's passkey", params(("id" = String, Path, description = "The credential id")), request_body = livechat_access::PasskeyNameInput, responses((status = 204, description = "Renamed"), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn rename(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let name = validate_passkey_name(&ctx.body().await?).map_err(ApiError::form)?;
    let done = ctx
        .store
        .batch(vec![ctx.store.rename_passkey(
            &session.actor.organization,
            &session.user.id,
            id,
            &name,
        )?])
        .await?;
    if done.first().is_none_or(|r| !crate::store::written(r)) {
        return Err(Code::NotFound.into());
    }
    Ok(Response::empty()?.with_status(204))
}

/// `DELETE /me/second-factors/passkeys/{id}`: unless it is the last factor under a policy that
/// requires one.
#[cfg_attr(feature = "openapi", utoipa::path(delete, path = "/me/second-factors/passkeys/{id}", operation_id = "removePasskey", tag = "second factor", summary = "Remove one's passkey", params(("id" = String, Path, description = "The credential id")), responses((status = 204, description = "Removed"), (status = 401, response = crate::http::ProblemBody), (status = 403, response = crate::http::ProblemBody), (status = 404, response = crate::http::ProblemBody)), security(("bearer" = []), ("cookie" = []))))]
pub async fn remove(ctx: &mut Ctx, id: &str) -> Result<Response, ApiError> {
    let session = ctx.session().await?;
    let org = session.actor.organization.clone();
    if !ctx
        .store
        .passkey_ids(&org, &session.user.id)
        .await?
        .iter()
        .any(|p| p == id)
    {
        return Err(Code::NotFound.into());
    }
    let (factors, _) = ctx.store.factors(&org, &session.user.id).await?;
    let after = Factors {
        passkeys: factors.passkeys.saturating_sub(1),
        ..factors
    };
    crate::signin::factors::remove_factor(
        ctx,
        &session,
        after,
        ctx.store.delete_passkey(&org, &session.user.id, id)?,
    )
    .await?;
    Ok(Response::empty()?.with_status(204))
}

/// The options of a passkey sign-in.
#[derive(Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PasskeyRequest {
    /// The sign-in challenge to send back with the assertion (`POST /session/second-factor`).
    pub challenge: String,
    /// `PublicKeyCredentialRequestOptionsJSON`, for `navigator.credentials.get`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub public_key: Value,
}

/// `POST /session/passkey` {challenge} or {organization}: the options of `navigator.credentials.get`.
/// With the password step's challenge, the person's passkeys as the second step; with an
/// organization alone, any passkey of it, instead of the password (user verification required).
#[cfg_attr(feature = "openapi", utoipa::path(post, path = "/session/passkey", operation_id = "passkeyRequestOptions", tag = "session", summary = "Passkey options: as the second step (with the password step's challenge) or instead of the password (with the organization)", request_body = livechat_access::PasskeyRequestInput, responses((status = 200, description = "The options and the challenge to answer", body = PasskeyRequest), (status = 400, response = crate::http::ProblemBody), (status = 401, response = crate::http::ProblemBody), (status = 413, response = crate::http::ProblemBody), (status = 415, response = crate::http::ProblemBody), (status = 422, response = crate::http::ProblemBody)), security(())))]
pub async fn request_options(ctx: &mut Ctx) -> Result<Response, ApiError> {
    let request =
        livechat_access::validate_passkey_request(&ctx.body().await?).map_err(ApiError::form)?;
    let rp = relying_party(ctx)?;
    let webauthn = base64url(&random_bytes::<32>());
    let (token, allow, verification) = match request {
        livechat_access::PasskeyRequest::SecondStep(token) => {
            let digest = token_digest(&token);
            let row = ctx
                .store
                .challenge(&digest, ctx.now)
                .await?
                .filter(|c| c.purpose == "second_factor")
                .ok_or(Code::ChallengeExpired)?;
            let org = OrganizationId::new(&row.organization_id);
            let user = row.user_id.as_deref().ok_or(Code::ChallengeExpired)?;
            let allow = ctx.store.passkey_ids(&org, user).await?;
            ctx.store
                .batch(vec![ctx.store.set_challenge_state(&digest, &webauthn)?])
                .await?;
            (token, allow, "preferred")
        }
        livechat_access::PasskeyRequest::Passwordless(slug) => {
            let slug = slug.as_deref().unwrap_or("default");
            let org = ctx
                .store
                .organization_by_slug(slug)
                .await?
                .filter(|o| o.is_active())
                .ok_or(Code::InvalidCredentials)?
                .id();
            let token = new_token();
            open_challenge(
                ctx,
                &token,
                &org,
                None,
                ("passkey_sign_in", Some(&webauthn)),
                None,
            )
            .await?;
            (token, Vec::new(), "required")
        }
    };
    http::json(
        200,
        &PasskeyRequest {
            challenge: token,
            public_key: json!({
                "challenge": webauthn,
                "rpId": rp.id,
                "timeout": CHALLENGE_TTL_MS,
                "userVerification": verification,
                "allowCredentials": allow.iter().map(|id| json!({"type": "public-key", "id": id})).collect::<Vec<_>>(),
            }),
        },
    )
}

/// Verifies a passkey's assertion as the second step of `user`'s sign-in.
pub async fn verify_second_factor(
    ctx: &Ctx,
    org: &OrganizationId,
    user: &UserRow,
    challenge: &ChallengeRow,
    credential: &Value,
) -> Result<bool, ApiError> {
    Ok(verify_assertion(ctx, org, challenge, credential, false)
        .await?
        .is_some_and(|owner| owner == user.id))
}

/// A sign-in with a passkey instead of the password: the passkey names the person (in the
/// challenge's organization only), user verification required; a session, or 401.
pub async fn sign_in_without_password(
    ctx: &Ctx,
    challenge: &ChallengeRow,
    credential: &Value,
) -> Result<Option<UserRow>, ApiError> {
    let org = OrganizationId::new(&challenge.organization_id);
    let Some(owner) = verify_assertion(ctx, &org, challenge, credential, true).await? else {
        return Ok(None);
    };
    let user = ctx.store.user(&org, &owner).await?;
    Ok(user.filter(|u| u.disabled == 0))
}

/// §7.2: the assertion answers this challenge, from this origin, for this RP, signed by a
/// passkey of this organization whose counter moved on; its owner's id, or `None`.
async fn verify_assertion(
    ctx: &Ctx,
    org: &OrganizationId,
    challenge: &ChallengeRow,
    credential: &Value,
    verification_required: bool,
) -> Result<Option<String>, ApiError> {
    let rp = relying_party(ctx)?;
    let (Some(expected), Some(id), Some(response)) = (
        challenge.state.as_deref(),
        credential.get("id").and_then(Value::as_str),
        credential.get("response"),
    ) else {
        return Ok(None);
    };
    let Some(row) = ctx.store.passkey(org, id).await? else {
        return Ok(None);
    };
    let Ok(key) = serde_json::from_str::<StoredKey>(&row.credential) else {
        return Ok(None);
    };
    let Some((client_bytes, answered)) = client_data(response, "webauthn.get", &rp) else {
        return Ok(None);
    };
    let (Some(auth_bytes), Some(signature)) = (
        decode(response.get("authenticatorData")),
        decode(response.get("signature")),
    ) else {
        return Ok(None);
    };
    let Some(data) = authenticator_data(&auth_bytes, &rp) else {
        return Ok(None);
    };
    // The user handle, when the authenticator gives one, is the owner's.
    let handle_ok = match response.get("userHandle") {
        None | Some(Value::Null) => !verification_required,
        handle => decode(handle).as_deref() == Some(key.user.as_bytes()),
    };
    let stored = row.sign_count;
    let count = i64::from(data.sign_count);
    let counter_ok = livechat_access::passkey_counter_moved_on(stored, count);
    let mut message = auth_bytes.clone();
    message.extend_from_slice(&Sha256::digest(&client_bytes));
    let signed = key.alg == ES256
        && decode(Some(&json!(key.point)))
            .and_then(|point| p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).ok())
            .zip(p256::ecdsa::Signature::from_der(&signature).ok())
            .is_some_and(|(k, s)| {
                use p256::ecdsa::signature::Verifier;
                k.verify(&message, &s).is_ok()
            });
    let accepted = answered == expected
        && data.user_present
        && (data.user_verified || !verification_required)
        && handle_ok
        && counter_ok
        && signed
        && key.user == row.user_id;
    if !accepted {
        return Ok(None);
    }
    // Guarded by the counter read: a concurrent use of the same assertion finds it moved.
    let used = ctx
        .store
        .batch(vec![ctx.store.use_passkey(
            org,
            &row.id,
            (&row.credential, stored),
            count,
            ctx.now,
        )?])
        .await?;
    Ok((used.first().is_some_and(crate::store::written)).then_some(row.user_id))
}

/// Completes a passkey sign-in without a password (`POST /session/second-factor`, method
/// `passkey`, on a challenge from `POST /session/passkey` {organization}).
pub async fn finish_sign_in(
    ctx: &Ctx,
    challenge: &ChallengeRow,
    credential: &Value,
    throttle: &[(String, livechat_access::LoginThrottle)],
    records: &[livechat_access::Failures],
) -> Result<Response, ApiError> {
    match sign_in_without_password(ctx, challenge, credential).await? {
        Some(user) => {
            // A local sign-in: refused under SSO required, but to the break-glass admin.
            let policy = ctx.store.sso_policy(&user.organization()).await?;
            livechat_access::local_sign_in_allowed(&policy, Some(&user.id))?;
            signed_in_by_challenge(ctx, &challenge.digest, &throttle[0].0, &user, None).await
        }
        None => {
            crate::signin::sessions::count_failure(ctx, throttle, records).await?;
            ctx.store
                .batch(vec![ctx.store.fail_challenge(&challenge.digest)?])
                .await?;
            Err(Code::SecondFactorInvalid.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coset::iana::{Algorithm, EllipticCurve};
    use coset::{AsCborValue, CoseKeyBuilder};

    /// The generator of P-256: a point on the curve, so a valid public key.
    const GX: &str = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296";
    const GY: &str = "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";

    fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    fn rp() -> RelyingParty {
        RelyingParty {
            id: "localhost".into(),
            origin: "http://localhost:8787".into(),
        }
    }

    fn es256_key() -> coset::CoseKey {
        CoseKeyBuilder::new_ec2_pub_key(EllipticCurve::P_256, bytes(GX), bytes(GY))
            .algorithm(Algorithm::ES256)
            .build()
    }

    /// Authenticator data for `rp_id`: flags, counter, and attested credential data.
    fn auth_data(rp_id: &str, flags: u8, count: u32, key: coset::CoseKey) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&count.to_be_bytes());
        data.extend_from_slice(&[0; 16]);
        data.extend_from_slice(&[0, 2, 7, 9]);
        let mut cbor = Vec::new();
        ciborium::ser::into_writer(&key.to_cbor_value().unwrap(), &mut cbor).unwrap();
        data.extend_from_slice(&cbor);
        data
    }

    #[test]
    fn authenticator_data_is_read_for_this_relying_party_only() {
        let data =
            authenticator_data(&auth_data("localhost", 0x45, 5, es256_key()), &rp()).unwrap();
        assert!(data.user_present && data.user_verified);
        assert_eq!(data.sign_count, 5);
        let (id, key) = data.credential.unwrap();
        assert_eq!(id, [7, 9]);
        assert_eq!(
            es256_point(&key).unwrap()[1..],
            [bytes(GX), bytes(GY)].concat()
        );
        // Another site's RP ID hash, or truncated data: nothing.
        assert!(authenticator_data(&auth_data("evil.test", 0x45, 5, es256_key()), &rp()).is_none());
        assert!(authenticator_data(&[0; 20], &rp()).is_none());
    }

    #[test]
    fn only_es256_keys_on_the_curve_are_kept() {
        let other_curve =
            CoseKeyBuilder::new_ec2_pub_key(EllipticCurve::P_384, bytes(GX), bytes(GY))
                .algorithm(Algorithm::ES256)
                .build();
        assert!(es256_point(&other_curve).is_none());
        let rs256 = CoseKeyBuilder::new_ec2_pub_key(EllipticCurve::P_256, bytes(GX), bytes(GY))
            .algorithm(Algorithm::RS256)
            .build();
        assert!(es256_point(&rs256).is_none());
        let off_curve = CoseKeyBuilder::new_ec2_pub_key(EllipticCurve::P_256, bytes(GX), bytes(GX))
            .algorithm(Algorithm::ES256)
            .build();
        assert!(es256_point(&off_curve).is_none());
    }

    #[test]
    fn client_data_must_be_of_this_origin_type_and_not_cross_origin() {
        let response =
            |data: Value| json!({"clientDataJSON": base64url(data.to_string().as_bytes())});
        let good =
            json!({"type": "webauthn.get", "challenge": "abc", "origin": "http://localhost:8787"});
        assert_eq!(
            client_data(&response(good.clone()), "webauthn.get", &rp()).map(|c| c.1),
            Some("abc".into())
        );
        assert!(client_data(&response(good.clone()), "webauthn.create", &rp()).is_none());
        let mut elsewhere = good.clone();
        elsewhere["origin"] = json!("https://evil.test");
        assert!(client_data(&response(elsewhere), "webauthn.get", &rp()).is_none());
        let mut framed = good;
        framed["crossOrigin"] = json!(true);
        assert!(client_data(&response(framed), "webauthn.get", &rp()).is_none());
    }
}
