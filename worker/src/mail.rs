//! Email that arrives. A request that owes a message writes its record to D1, then puts a message
//! in the outbox (a Queue); the queue's consumer, below, renders it in the organization's locale,
//! sends it through Cloudflare's `send_email` binding with retries and backoff, and records the
//! outcome in D1. The words are the core's (`livechat_access::invitation_mail`, `reset_mail`);
//! the message format is mail-builder's.

use crate::ctx::var;
use crate::outbox::QueueBody;
use crate::store::{CatalogAt, Owed, Store};
use livechat_access::{
    endpoint_disabled_mail, header_text, invitation_mail, reset_mail, EndpointDisabledMail,
    InvitationMail, Mail, ResetMail, Role,
};
use serde::{Deserialize, Serialize};
use worker::{EmailMessage, Env, MessageExt, QueueRetryOptionsBuilder};

/// One message owed, as the outbox carries it. The link travels here (its token is stored only
/// hashed); everything else is read from D1 when it is sent, so a revoked invitation or a used
/// reset link is never mailed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Outgoing {
    /// An invitation's link; `delivery` names this link's delivery (a resend makes another).
    #[serde(rename_all = "camelCase")]
    Invitation {
        invitation: String,
        delivery: String,
        link: String,
    },
    /// A password reset link.
    #[serde(rename_all = "camelCase")]
    PasswordReset { reset: String, link: String },
    /// The activation link of an account an identity provider made without a password: the
    /// invitation's words, a reset link's mechanics.
    #[serde(rename_all = "camelCase")]
    Activation { reset: String, link: String },
    /// The notice to one admin that an endpoint of their organization was disabled after
    /// failing for too long (sent at most once: nothing to claim it by).
    #[serde(rename_all = "camelCase")]
    EndpointDisabled { endpoint: String, admin: String },
}

/// A message owed with the change that owes it: the statement for that change's batch, and what
/// to put on the queue once the batch committed.
pub struct Owing {
    pub statement: Option<worker::D1PreparedStatement>,
    pub body: QueueBody,
}

/// Owes `message` of `org`, as long as `condition` holds when the batch runs (SQL over the batch's
/// earlier writes, `values` bound from `?7`: the invitation inserted, the reset link written).
pub fn owe(
    store: &Store,
    config: &crate::ctx::Config,
    org: &livechat_access::OrganizationId,
    message: Outgoing,
    (condition, values): (&str, &[&str]),
    now: i64,
) -> Result<Owing, crate::http::ApiError> {
    let Some(sealed) = config.factor_keys.seal(&serde_json::to_string(&message)?) else {
        // Nothing to seal its link with (FACTOR_KEY refused, named by /health): straight to the
        // queue, as before the outbox.
        return Ok(Owing {
            statement: None,
            body: QueueBody::Message(message),
        });
    };
    let id = crate::secrets::new_id();
    let due = now + sweep_ms(config);
    let subject = match &message {
        Outgoing::Invitation { invitation, .. } => invitation,
        Outgoing::PasswordReset { reset, .. } | Outgoing::Activation { reset, .. } => reset,
        Outgoing::EndpointDisabled { endpoint, .. } => endpoint,
    };
    Ok(Owing {
        statement: Some(store.owe(&id, org, subject, &sealed, condition, values, now, due)?),
        body: QueueBody::Owed { outbox: id },
    })
}

/// A reset link's email (a password reset, or an account's activation), owed in the batch that
/// writes the link `reset`, only if that write happened; then put on the queue.
pub async fn owe_reset(
    store: &Store,
    config: &crate::ctx::Config,
    org: &livechat_access::OrganizationId,
    link_write: worker::D1PreparedStatement,
    message: Outgoing,
    now: i64,
) -> Result<(), crate::http::ApiError> {
    let owing = owe(
        store,
        config,
        org,
        message,
        ("EXISTS (SELECT 1 FROM password_resets WHERE id = ?6)", &[]),
        now,
    )?;
    let mut writes = vec![link_write];
    writes.extend(owing.statement);
    store.batch(writes).await?;
    store.enqueue(&[owing.body]).await?;
    Ok(())
}

/// The notice that endpoint `endpoint` of `org` was disabled, owed to each of its active admins
/// through the outbox.
pub async fn owe_endpoint_disabled(
    store: &Store,
    config: &crate::ctx::Config,
    org: &livechat_access::OrganizationId,
    endpoint: &str,
    now: i64,
) -> Result<(), crate::http::ApiError> {
    let mut writes = Vec::new();
    let mut bodies = Vec::new();
    for admin in store.admin_ids(org).await? {
        let message = Outgoing::EndpointDisabled {
            endpoint: endpoint.to_owned(),
            admin,
        };
        let owing = owe(store, config, org, message, ("1", &[]), now)?;
        writes.extend(owing.statement);
        bodies.push(owing.body);
    }
    if !writes.is_empty() {
        store.batch(writes).await?;
    }
    store.enqueue(&bodies).await?;
    Ok(())
}

fn sweep_ms(config: &crate::ctx::Config) -> i64 {
    i64::from(config.report.settings.outbox_sweep_seconds) * 1000
}

/// The Cron Trigger's sweep: whatever is still owed past its time (its queue message lost, the
/// Worker killed before it sent it) goes on the queue again, once a sweep; the delivery's claim
/// in D1 keeps it from being sent twice.
pub async fn sweep(env: &Env, now: i64) -> Result<usize, crate::http::ApiError> {
    let store = Store::open(env)?;
    let config = crate::ctx::Config::from_env(env);
    let overdue = store.overdue_messages(now, 100).await?;
    if overdue.is_empty() {
        return Ok(0);
    }
    let bodies: Vec<QueueBody> = overdue
        .iter()
        .map(|m| QueueBody::Owed {
            outbox: m.id.clone(),
        })
        .collect();
    store.enqueue(&bodies).await?;
    for message in &overdue {
        store
            .outbox_due(&message.id, now + sweep_ms(&config))
            .await?;
    }
    Ok(overdue.len())
}

/// Who the messages come from (`MAIL_FROM`, `MAIL_FROM_NAME`).
#[derive(Debug, Clone)]
pub struct Sender {
    pub address: String,
    pub name: String,
}

impl Sender {
    pub fn from_env(env: &Env) -> Sender {
        let from = crate::ctx::settings(env).settings.mail_from.clone();
        Sender {
            // A missing or refused MAIL_FROM is named by `GET /health`.
            address: from.map_or_else(|| "no-reply@localhost".into(), |e| e.as_str().to_owned()),
            name: var(env, "MAIL_FROM_NAME").unwrap_or_else(|| "Livechat".into()),
        }
    }

    fn domain(&self) -> &str {
        self.address.rsplit('@').next().unwrap_or("localhost")
    }
}

/// The whole message (RFC 5322, multipart/alternative: text and HTML). Every header value is the
/// core's one-line text or a checked address, and mail-builder encodes anything beyond ASCII as
/// encoded words: nothing a person typed can add a header.
pub fn message(sender: &Sender, to: &str, mail: &Mail, id: &str, date_s: i64) -> String {
    mail_builder::MessageBuilder::new()
        .from((header_text(&sender.name), sender.address.clone()))
        .to(to.to_owned())
        .subject(header_text(&mail.subject))
        .message_id(format!("{id}@{}", sender.domain()))
        .date(date_s)
        .text_body(mail.text.clone())
        .html_body(mail.html.clone())
        .write_to_string()
        .unwrap_or_default()
}

/// How many times a message is tried, and the first retry's delay in seconds.
struct Retries {
    attempts: i64,
    first_delay_s: u32,
}

/// The outbox's consumer.
pub async fn consume(messages: Vec<worker::Message<QueueBody>>, env: Env) -> worker::Result<()> {
    let store = Store::open(&env)?;
    let config = crate::ctx::Config::from_env(&env);
    let sender = Sender::from_env(&env);
    let mailer = env.send_email("MAILER")?;
    let settings = &crate::ctx::settings(&env).settings;
    let retries = Retries {
        attempts: i64::from(settings.mail_attempts),
        first_delay_s: settings.mail_retry_seconds,
    };
    for message in messages {
        let now = js_sys::Date::now() as i64;
        let (outbox, outgoing) = match message.body() {
            QueueBody::Webhooks { .. } => continue, // the webhook consumer's
            QueueBody::Message(outgoing) => (None, outgoing.clone()),
            QueueBody::Owed { outbox } => match owed_message(&store, &config, outbox).await {
                Ok(Some(outgoing)) => (Some(outbox.clone()), outgoing),
                // Done already (sent, or by another copy of this message), or unreadable.
                Ok(None) => {
                    message.ack();
                    continue;
                }
                Err(e) => {
                    worker::console_error!("mail: {e:?}");
                    message.retry();
                    continue;
                }
            },
        };
        let outcome = try_once(&store, &sender, &mailer, &outgoing, now).await;
        match outcome {
            Ok(Attempt::Done) => {
                outbox_done(&store, outbox.as_deref(), now).await;
                message.ack();
            }
            Ok(Attempt::Failed { attempt, error }) => {
                let last = attempt >= retries.attempts;
                if let Some(claim) = owed(&outgoing, now) {
                    store
                        .record_delivery(claim, Err((&error, last)), now)
                        .await
                        .ok();
                }
                worker::console_error!("mail: attempt {attempt} failed: {error}");
                if last {
                    outbox_done(&store, outbox.as_deref(), now).await;
                    message.ack();
                } else {
                    let attempt = u32::try_from(attempt).unwrap_or(u32::MAX);
                    let delay = livechat_access::retry_delay_s(retries.first_delay_s, attempt);
                    // The sweep leaves it to this retry, unless the retry too is lost.
                    if let Some(id) = &outbox {
                        let due = now + i64::from(delay) * 1000 + sweep_ms(&config);
                        store.outbox_due(id, due).await.ok();
                    }
                    message.retry_with_options(
                        &QueueRetryOptionsBuilder::new()
                            .with_delay_seconds(delay)
                            .build(),
                    );
                }
            }
            // D1 unreachable: the queue tries again later.
            Err(e) => {
                worker::console_error!("mail: {e:?}");
                message.retry();
            }
        }
    }
    // A last failure published `invitation.delivery_failed`: its deliveries go on the queue.
    crate::outbox::dispatch(&store).await;
    Ok(())
}

/// An outbox row is no longer owed (sent, or nothing left to send); should this write fail, the
/// sweep queues it again and the delivery's claim finds nothing to send.
async fn outbox_done(store: &Store, outbox: Option<&str>, now: i64) {
    if let Some(id) = outbox {
        if let Err(e) = store.outbox_done(id, now).await {
            worker::console_error!("outbox {id}: {e:?}");
        }
    }
}

/// The message an outbox row holds, while it is owed.
async fn owed_message(
    store: &Store,
    config: &crate::ctx::Config,
    id: &str,
) -> Result<Option<Outgoing>, crate::http::ApiError> {
    let Some(row) = store.owed_message(id).await? else {
        return Ok(None);
    };
    let Some(opened) = config.factor_keys.open(&row.message) else {
        worker::console_error!("mail: outbox {id} cannot be opened with FACTOR_KEY");
        return Ok(None);
    };
    Ok(Some(serde_json::from_str(&opened.plain)?))
}

/// What one try came to.
enum Attempt {
    /// Sent, or nothing left to send.
    Done,
    /// The sender refused; the `attempt`-th try of this message.
    Failed { attempt: i64, error: String },
}

async fn send(
    mailer: &worker::SendEmail,
    sender: &Sender,
    to: &str,
    mail: &Mail,
    id: &str,
    now: i64,
) -> Result<(), String> {
    let raw = message(sender, to, mail, id, now / 1000);
    let email = EmailMessage::new(&sender.address, to, &raw).map_err(|e| format!("{e:?}"))?;
    mailer
        .send(&email)
        .await
        .map(|_| ())
        .map_err(|e| js_error_text(&e))
}

/// A JS error's message, as the sender gave it.
fn js_error_text(error: &wasm_bindgen::JsValue) -> String {
    js_sys::Reflect::get(error, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// One try of one message: claimed in D1 first, so that a message the queue delivers twice is
/// sent once, and one whose link was revoked, replaced or used is not sent at all.
async fn try_once(
    store: &Store,
    sender: &Sender,
    mailer: &worker::SendEmail,
    message: &Outgoing,
    now: i64,
) -> Result<Attempt, crate::http::ApiError> {
    let Some(claim) = owed(message, now) else {
        // A notice: no row to claim it by, one try.
        let Some((to, mail)) = compose(store, sender, message, now).await? else {
            return Ok(Attempt::Done);
        };
        let id = crate::secrets::new_id();
        if let Err(e) = send(mailer, sender, &to, &mail, &id, now).await {
            worker::console_error!("mail: notice not sent: {e}");
        }
        return Ok(Attempt::Done);
    };
    let Some(attempt) = store.claim_delivery(claim, now).await? else {
        return Ok(Attempt::Done);
    };
    let Some((to, mail)) = compose(store, sender, message, now).await? else {
        return Ok(Attempt::Done);
    };
    match send(mailer, sender, &to, &mail, claim.message_id(), now).await {
        Ok(()) => {
            store.record_delivery(claim, Ok(()), now).await?;
            Ok(Attempt::Done)
        }
        Err(error) => Ok(Attempt::Failed { attempt, error }),
    }
}

/// The recipient and the words of a message, in its organization's locale, from D1 as it is now.
async fn compose(
    store: &Store,
    sender: &Sender,
    message: &Outgoing,
    now: i64,
) -> Result<Option<(String, Mail)>, crate::http::ApiError> {
    Ok(match message {
        Outgoing::Invitation {
            invitation, link, ..
        } => match store.invitation_mail(invitation).await? {
            None => None,
            Some(owed) => {
                let locale = CatalogAt::parse(&owed.catalog, 0)?.catalog.locale();
                let inviter = owed.inviter_name().unwrap_or_else(|| sender.name.clone());
                let mail = invitation_mail(
                    &InvitationMail {
                        organization: &owed.organization,
                        inviter: &inviter,
                        role: Role::parse(&owed.role).unwrap_or(Role::Agent),
                        link,
                        expires_at: owed.expires_at,
                        through_provider: owed.sso_required != 0,
                    },
                    locale,
                );
                Some((owed.email, mail))
            }
        },
        Outgoing::Activation { reset, link } => match store.reset_mail(reset, now).await? {
            None => None,
            Some(owed) => {
                let locale = owed.locale()?;
                let mail = invitation_mail(
                    &InvitationMail {
                        organization: &owed.organization,
                        inviter: &sender.name,
                        role: Role::parse(&owed.role).unwrap_or(Role::Agent),
                        link,
                        expires_at: owed.expires_at,
                        // A link to set a password: never sent under SSO required.
                        through_provider: false,
                    },
                    locale,
                );
                Some((owed.email, mail))
            }
        },
        Outgoing::EndpointDisabled { endpoint, admin } => {
            match store.endpoint_notice(endpoint, admin).await? {
                None => None,
                Some(notice) => {
                    let locale = CatalogAt::parse(&notice.catalog, 0)?.catalog.locale();
                    let link = format!("{}#webhooks", notice.page_url.as_deref().unwrap_or("/"));
                    let mail = endpoint_disabled_mail(
                        &EndpointDisabledMail {
                            organization: &notice.organization,
                            url: &notice.url,
                            failing_since: notice.failing_since,
                            link: &link,
                        },
                        locale,
                    );
                    Some((notice.email, mail))
                }
            }
        }
        Outgoing::PasswordReset { reset, link } => match store.reset_mail(reset, now).await? {
            None => None,
            Some(owed) => {
                let locale = owed.locale()?;
                let mail = reset_mail(
                    &ResetMail {
                        organization: &owed.organization,
                        link,
                        expires_at: owed.expires_at,
                    },
                    locale,
                );
                Some((owed.email, mail))
            }
        },
    })
}

/// The record a message's delivery is claimed and recorded in (a notice has none).
fn owed(message: &Outgoing, now: i64) -> Option<Owed<'_>> {
    match message {
        Outgoing::Invitation {
            invitation,
            delivery,
            ..
        } => Some(Owed::Invitation {
            id: invitation,
            delivery,
        }),
        Outgoing::PasswordReset { reset, .. } | Outgoing::Activation { reset, .. } => {
            Some(Owed::Reset { id: reset, now })
        }
        Outgoing::EndpointDisabled { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use livechat_access::Locale;
    use mail_parser::MessageParser;

    fn sample(organization: &str, inviter: &str) -> Mail {
        invitation_mail(
            &InvitationMail {
                organization,
                inviter,
                role: Role::Agent,
                link: "https://x.test/accept#token=abc",
                expires_at: 1_790_000_000_000,
                through_provider: false,
            },
            Locale::Fr,
        )
    }

    #[test]
    fn a_message_has_both_bodies_and_the_expected_headers() {
        let sender = Sender {
            address: "no-reply@x.test".into(),
            name: "Livechat".into(),
        };
        let raw = message(
            &sender,
            "lea@exemple.fr",
            &sample("Acme", "Zoé Martin"),
            "d1",
            1_790_000_000,
        );
        let parsed = MessageParser::default().parse(raw.as_bytes()).unwrap();
        assert_eq!(
            parsed.subject(),
            Some("Zoé Martin vous invite à rejoindre Acme")
        );
        assert_eq!(parsed.message_id(), Some("d1@x.test"));
        assert!(parsed
            .body_text(0)
            .unwrap()
            .contains("https://x.test/accept#token=abc"));
        assert!(parsed
            .body_html(0)
            .unwrap()
            .contains("href=\"https://x.test/accept#token=abc\""));
        assert_eq!(
            parsed.from().unwrap().first().unwrap().address(),
            Some("no-reply@x.test")
        );
    }

    /// Text that tries to break out of a header: line breaks of every kind, encoded words,
    /// header names, and anything else.
    fn hostile() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("\r\n".to_owned()),
            Just("\n".to_owned()),
            Just("\r".to_owned()),
            Just("\r\nBcc: victim@evil.test".to_owned()),
            Just("\nX-Injected: yes".to_owned()),
            Just("=?utf-8?q?=0D=0ABcc:_x@evil.test?=".to_owned()),
            Just("=?utf-8?b?DQpCY2M6IHhAZXZpbC50ZXN0?=".to_owned()),
            Just("\u{2028}\u{0085}\u{000B}\u{000C}".to_owned()),
            Just("Zoé « l'équipe » <b>&</b>".to_owned()),
            ".{0,12}",
        ];
        proptest::collection::vec(piece, 0..8).prop_map(|p| p.concat())
    }

    proptest::proptest! {
        #[test]
        fn no_header_can_be_injected_through_names(
            organization in hostile(), inviter in hostile(), sender_name in hostile()
        ) {
            let sender = Sender { address: "no-reply@x.test".into(), name: sender_name.clone() };
            for mail in [
                sample(&organization, &inviter),
                reset_mail(&ResetMail { organization: &organization, link: "https://x.test/reset#token=t", expires_at: 0 }, Locale::En),
            ] {
                let raw = message(&sender, "lea@exemple.fr", &mail, "d1", 1_790_000_000);
                let parsed = MessageParser::default().parse(raw.as_bytes()).unwrap();
                // Exactly the headers written, each once.
                let mut names: Vec<String> = parsed.headers().iter().map(|h| h.name().to_ascii_lowercase()).collect();
                names.sort();
                proptest::prop_assert_eq!(names, vec!["content-type", "date", "from", "message-id", "mime-version", "subject", "to"]);
                // The subject and the sender's name read back as the one-line text that was meant.
                proptest::prop_assert_eq!(parsed.subject().unwrap_or(""), mail.subject.as_str());
                proptest::prop_assert!(!mail.subject.chars().any(char::is_control));
                let from = parsed.from().unwrap().first().unwrap();
                proptest::prop_assert_eq!(from.address(), Some("no-reply@x.test"));
                proptest::prop_assert_eq!(from.name().unwrap_or(""), header_text(&sender_name));
                let to: Vec<_> = parsed.to().unwrap().iter().map(|a| a.address().unwrap_or("").to_owned()).collect();
                proptest::prop_assert_eq!(to, vec!["lea@exemple.fr".to_owned()]);
                proptest::prop_assert!(parsed.bcc().is_none() && parsed.cc().is_none());
            }
        }
    }
}
