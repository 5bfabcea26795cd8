//! Calls out to addresses an organization's admins chose (webhook endpoints, identity
//! providers): never to the inside. The core's form rule first (`url_refusal`), then every
//! address DNS answers for the name (DNS over HTTPS, `WEBHOOK_DNS_RESOLVER`) must be one it
//! allows (`address_allowed`); redirects are not followed, and no answer within the timeout is an
//! error. Webhooks and sign-in call it; it calls only the runtime's fetch.

use crate::ctx::Config;
use futures_util::future::{select, Either};
use livechat_access::{address_allowed, url_refusal, Code};
use std::net::IpAddr;
use worker::{Headers, Request, RequestInit, Response};

/// Sends `init` to `url` once it is known to point outside (`loopback`: the deployment allows
/// `http://127.0.0.1` for local development and tests), within `timeout_s`; the error says why
/// in words for a log or a delivery record.
pub async fn send(
    config: &Config,
    url: &str,
    mut init: RequestInit,
    loopback: bool,
    timeout_s: u32,
) -> Result<Response, String> {
    reachable(config, url, loopback).await?;
    init.with_redirect(worker::RequestRedirect::Manual);
    let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let timeout = worker::Delay::from(std::time::Duration::from_secs(u64::from(timeout_s)));
    let fetcher = worker::Fetch::Request(request);
    let fetch = Box::pin(fetcher.send());
    let answered = match select(fetch, timeout).await {
        Either::Left((result, _)) => Some(result),
        Either::Right(_) => None,
    };
    match answered {
        Some(result) => result.map_err(|e| e.to_string()),
        None => Err(format!("no answer within {timeout_s} s")),
    }
}

/// Whether `url` may be called: the core's form rule again, then, for a name, every address DNS
/// answers for it must be one the core allows.
async fn reachable(config: &Config, url: &str, loopback: bool) -> Result<(), String> {
    if let Some(code) = url_refusal(url, loopback) {
        return Err(code.as_str().to_owned());
    }
    let parsed = worker::Url::parse(url).map_err(|e| e.to_string())?;
    let host = match parsed.host() {
        Some(worker::url::Host::Domain(name)) => name.to_owned(),
        Some(_) => return Ok(()), // a literal address: checked by the form rule above
        None => return Err("no host".into()),
    };
    let addresses = resolve(config, &host).await?;
    if addresses.is_empty() {
        return Err(format!("{host}: no address"));
    }
    match addresses.iter().find(|ip| !address_allowed(**ip, loopback)) {
        Some(ip) => Err(format!(
            "{}: {host} points to {ip}",
            Code::WebhookAddressForbidden.as_str()
        )),
        None => Ok(()),
    }
}

/// The A and AAAA records of `host`, from the DNS-over-HTTPS resolver's JSON answer.
async fn resolve(config: &Config, host: &str) -> Result<Vec<IpAddr>, String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "type")]
        kind: u16,
        data: String,
    }
    #[derive(serde::Deserialize)]
    struct Reply {
        #[serde(rename = "Answer", default)]
        answer: Vec<Answer>,
    }
    let resolver = &config.report.settings.webhook_dns_resolver;
    let mut addresses = Vec::new();
    for kind in ["A", "AAAA"] {
        let mut url = worker::Url::parse(resolver).map_err(|e| e.to_string())?;
        url.query_pairs_mut()
            .append_pair("name", host)
            .append_pair("type", kind);
        let headers = Headers::new();
        headers
            .set("accept", "application/dns-json")
            .map_err(|e| e.to_string())?;
        let mut init = RequestInit::new();
        init.with_headers(headers);
        let request = Request::new_with_init(url.as_str(), &init).map_err(|e| e.to_string())?;
        let mut response = worker::Fetch::Request(request)
            .send()
            .await
            .map_err(|e| format!("dns: {e}"))?;
        if response.status_code() != 200 {
            return Err(format!("dns: HTTP {}", response.status_code()));
        }
        let reply: Reply = response.json().await.map_err(|e| format!("dns: {e}"))?;
        addresses.extend(
            reply
                .answer
                .iter()
                .filter(|a| a.kind == 1 || a.kind == 28)
                .filter_map(|a| a.data.parse::<IpAddr>().ok()),
        );
    }
    Ok(addresses)
}
