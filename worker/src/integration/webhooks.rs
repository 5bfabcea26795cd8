//! Webhook delivery: the Standard Webhooks headers of one attempt, made by the specification's
//! own Rust library (so any Standard Webhooks verifier reads them as they are); the queue's
//! consumer, which checks where an endpoint's name
//! points, posts, records every attempt, retries with doubling delays and disables an endpoint
//! failing for too long (its organization's admins emailed); and the minute's sweep of whatever
//! is still owed.

use crate::callout;
use crate::ctx::Config;
use crate::outbox::{self, QueueBody};
use crate::store::{ClaimedDelivery, Store};
use livechat_access::{delivery_outcome, DeliveryAttempt, DeliveryOutcome};
use standardwebhooks::Webhook;
use worker::{Env, Headers, Message, MessageExt, Method, RequestInit};

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

/// How long a claimed delivery is held for its attempt before the sweep may take it again.
const LEASE_MS: i64 = 60_000;
/// The longest a queue message may be delayed (Cloudflare Queues: 12 hours); a retry due later
/// is the sweep's to send.
const MAX_QUEUE_DELAY_S: u32 = 12 * 3600;
/// How much of a receiver's answer the delivery log keeps.
const EXCERPT_CHARS: usize = 200;

/// The minute's sweep: events with a delivery owed past its time plus `OUTBOX_SWEEP_SECONDS`
/// (its queue message lost, a retry beyond the queue's longest delay) go on the queue again;
/// the claim keeps two copies from sending twice.
pub async fn sweep(env: &Env, now: i64) -> Result<usize, crate::http::ApiError> {
    let store = Store::open(env)?;
    let config = Config::from_env(env);
    let sweep_ms = i64::from(config.report.settings.outbox_sweep_seconds) * 1000;
    let overdue = store.overdue_events(now - sweep_ms, 500).await?;
    store.enqueue(&outbox::events(&overdue)).await?;
    Ok(overdue.len())
}

/// The queue's webhook messages: each names events whose due deliveries are claimed, sent,
/// and recorded.
pub async fn consume(messages: Vec<Message<QueueBody>>, env: &Env) -> worker::Result<()> {
    let store = Store::open(env)?;
    let config = Config::from_env(env);
    for message in messages {
        let QueueBody::Webhooks { webhooks } = message.body() else {
            continue;
        };
        let now = js_sys::Date::now() as i64;
        match store.claim_deliveries(webhooks, now, LEASE_MS).await {
            Ok(claimed) => {
                for delivery in &claimed {
                    attempt(&store, &config, delivery).await;
                }
                message.ack();
            }
            // D1 unreachable: the queue tries again later.
            Err(e) => {
                worker::console_error!("webhooks: {e:?}");
                message.retry();
            }
        }
    }
    outbox::dispatch(&store).await;
    Ok(())
}

/// What one try came to.
struct Tried {
    status: Option<u16>,
    error: Option<String>,
}

/// One attempt of `delivery`, recorded; what it comes to (owed again after a delay, or the
/// endpoint disabled when it has failed for too long) is the core's `delivery_outcome`.
async fn attempt(store: &Store, config: &Config, delivery: &ClaimedDelivery) {
    let settings = &config.report.settings;
    let started = js_sys::Date::now() as i64;
    let tried = if delivery.disabled != 0 {
        Tried {
            status: None,
            error: Some("endpoint disabled".into()),
        }
    } else {
        post(config, delivery, started).await
    };
    let now = js_sys::Date::now() as i64;
    let outcome = delivery_outcome(
        &DeliveryAttempt {
            status: tried.status,
            endpoint_disabled: delivery.disabled != 0,
            attempt: u32::try_from(delivery.attempts).unwrap_or(u32::MAX),
            failing_since_ms: delivery.failing_since,
            now_ms: now,
        },
        settings.webhook_retry_seconds,
        settings.webhook_disable_after_seconds,
    );
    let recorded = store
        .record_attempt(
            delivery,
            now,
            tried.status,
            now - started,
            tried.error.as_deref(),
            outcome,
        )
        .await;
    if let Err(e) = recorded {
        // Left claimed: the sweep takes it again after the lease.
        worker::console_error!("webhooks: attempt not recorded: {e:?}");
        return;
    }
    match outcome {
        DeliveryOutcome::Retry { delay_s, .. } if delay_s <= MAX_QUEUE_DELAY_S => {
            let body = QueueBody::Webhooks {
                webhooks: vec![delivery.event_id.clone()],
            };
            if let Some(queue) = &store.outbox {
                let message = worker::MessageBuilder::new(body)
                    .delay_seconds(delay_s)
                    .build();
                if let Err(e) = queue.send(message).await {
                    worker::console_error!("webhooks: retry left to the sweep: {e:?}");
                }
            }
        }
        DeliveryOutcome::GiveUp { disable: true } => {
            disable(store, config, delivery, now).await;
        }
        _ => {}
    }
}

/// Disables an endpoint that failed for too long and tells its organization's admins.
async fn disable(store: &Store, config: &Config, delivery: &ClaimedDelivery, now: i64) {
    match store
        .disable_failing_endpoint(&delivery.endpoint_id, now)
        .await
    {
        Ok(true) => {
            let org = livechat_access::OrganizationId::new(&delivery.organization_id);
            if let Err(e) =
                crate::mail::owe_endpoint_disabled(store, config, &org, &delivery.endpoint_id, now)
                    .await
            {
                worker::console_error!("webhooks: admins not told: {e:?}");
            }
        }
        Ok(false) => {}
        Err(e) => worker::console_error!("webhooks: endpoint not disabled: {e:?}"),
    }
}

/// Posts the event to its endpoint, signed, within the timeout, after checking where its name
/// points.
async fn post(config: &Config, delivery: &ClaimedDelivery, now: i64) -> Tried {
    let failed = |error: String| Tried {
        status: None,
        error: Some(error),
    };
    let settings = &config.report.settings;
    let mut secrets = Vec::with_capacity(2);
    for sealed in std::iter::once(&delivery.secret).chain(delivery.previous_secret.as_ref()) {
        match config.factor_keys.open(sealed) {
            Some(opened) => secrets.push(opened.plain),
            None => return failed("secret cannot be opened with FACTOR_KEY".into()),
        }
    }
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let Some(signed) = sign(&secrets, &delivery.event_id, now / 1000, &delivery.payload) else {
        return failed("secret unreadable".into());
    };
    let headers = Headers::new();
    let set = |name: &str, value: &str| headers.set(name, value);
    let ok = set("content-type", "application/json")
        .and(set("user-agent", "livechat-access-webhooks/1"))
        .and(set("webhook-id", &signed.id))
        .and(set("webhook-timestamp", &signed.timestamp))
        .and(set("webhook-signature", &signed.signature));
    if let Err(e) = ok {
        return failed(e.to_string());
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_body(Some(delivery.payload.clone().into()));
    let loopback = settings.webhook_allow_loopback;
    let outcome = callout::send(
        config,
        &delivery.url,
        init,
        loopback,
        settings.webhook_timeout_seconds,
    )
    .await;
    let tried = match outcome {
        Ok(mut response) => {
            let status = response.status_code();
            let error = if (200..300).contains(&status) {
                None
            } else {
                let text = response.text().await.unwrap_or_default();
                Some(excerpt(&format!("HTTP {status}: {text}")))
            };
            Tried {
                status: Some(status),
                error,
            }
        }
        Err(e) => failed(excerpt(&e)),
    };
    tried
}

fn excerpt(text: &str) -> String {
    text.chars().take(EXCERPT_CHARS).collect()
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
