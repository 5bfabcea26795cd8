//! Webhooks (issue #22, work in progress): the Standard Webhooks headers of one delivery, made by
//! the specification's own Rust library, so that any Standard Webhooks verifier reads them as they
//! are. Endpoints, the outbox's events and their deliveries are still to come.

use standardwebhooks::Webhook;

/// The three headers of a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `webhook-id`: the event's id, the same on every retry (receivers drop duplicates by it).
    pub id: String,
    /// `webhook-timestamp`: when this attempt was signed, in Unix seconds.
    pub timestamp: String,
    /// `webhook-signature`: `v1,<base64>` per live secret, space-separated (two during a
    /// rotation, the new first, so a receiver holding either verifies it).
    pub signature: String,
}

/// Signs `body` for event `id` at `timestamp_s` with each of `secrets` (`whsec_…`); `None` when
/// a secret is not one (not base64) or the body not UTF-8.
pub fn sign(secrets: &[&str], id: &str, timestamp_s: i64, body: &str) -> Option<SignedHeaders> {
    let signatures = secrets
        .iter()
        .map(|secret| {
            Webhook::new(secret)
                .ok()?
                .sign(id, timestamp_s, body.as_bytes())
                .ok()
        })
        .collect::<Option<Vec<String>>>()?;
    (!signatures.is_empty()).then(|| SignedHeaders {
        id: id.to_owned(),
        timestamp: timestamp_s.to_string(),
        signature: signatures.join(" "),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn headers(signed: &SignedHeaders) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        map.insert("webhook-id", signed.id.parse().unwrap());
        map.insert("webhook-timestamp", signed.timestamp.parse().unwrap());
        map.insert("webhook-signature", signed.signature.parse().unwrap());
        map
    }

    #[test]
    fn the_specifications_vector() {
        let signed = sign(
            &[NEW],
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
        )
        .unwrap();
        assert_eq!(
            signed.signature,
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
    }

    #[test]
    fn during_a_rotation_either_secret_verifies_and_nothing_else_does() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let body = r#"{"type":"person.disabled","data":{"id":"u1"}}"#;
        let signed = sign(&[NEW, OLD], "evt_1", now, body).unwrap();
        assert_eq!(signed.signature.split(' ').count(), 2);
        for secret in [NEW, OLD] {
            assert!(Webhook::new(secret)
                .unwrap()
                .verify(body.as_bytes(), &headers(&signed))
                .is_ok());
        }
        let stranger = Webhook::new("whsec_dGhpcyBpcyBub3QgdGhlIHNlY3JldCBhdCBhbGw=").unwrap();
        assert!(stranger.verify(body.as_bytes(), &headers(&signed)).is_err());
        let tampered = body.replace("u1", "u2");
        assert!(Webhook::new(NEW)
            .unwrap()
            .verify(tampered.as_bytes(), &headers(&signed))
            .is_err());
        assert_eq!(sign(&["whsec_not base64!"], "evt_1", now, body), None);
        assert_eq!(sign(&[], "evt_1", now, body), None);
    }
}
