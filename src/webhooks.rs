//! Events out: what an organization's webhook endpoints may subscribe to, which change publishes
//! which event and what it carries, the endpoint form, which addresses a delivery may reach, and
//! when a failed delivery is tried again. Signing (Standard Webhooks) and sending are the Worker's.

use crate::error::{Code, Violation};
use crate::input::{keys_of, object};
use crate::live::LiveEvent;
use crate::SortedSet;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

macro_rules! event_types {
    ($($variant:ident => $name:tt, $doc:tt;)*) => {
        /// What happened, as a webhook names it: one catalogue for people, invitations, teams,
        /// settings, keys, the organization and the live desk.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum EventType {
            $(#[doc = $doc] #[serde(rename = $name)] $variant,)*
        }

        impl EventType {
            /// Every event type, in the catalogue's order.
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];

            /// The wire name (`person.created`).
            pub fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $name,)* }
            }

            /// What it means, in a sentence (the API description's).
            pub fn description(self) -> &'static str {
                match self { $(EventType::$variant => $doc,)* }
            }
        }
    };
}

event_types! {
    PersonCreated => "person.created", "Someone was added (page, invitation accepted, SCIM).";
    PersonAccessChanged => "person.access_changed", "Modules, questionnaires, languages, channels or capacity changed.";
    PersonRoleChanged => "person.role_changed", "The role changed.";
    PersonDisabled => "person.disabled", "Disabled: signed out, routed nothing.";
    PersonEnabled => "person.enabled", "Enabled again.";
    PersonDeleted => "person.deleted", "Deleted.";
    PersonSecondFactorsReset => "person.second_factors_reset", "An admin reset their second factors.";
    InvitationSent => "invitation.sent", "An invitation (or a new link) was sent.";
    InvitationAccepted => "invitation.accepted", "An invitation was accepted.";
    InvitationRevoked => "invitation.revoked", "An invitation was revoked.";
    InvitationExpired => "invitation.expired", "An invitation's link died unused.";
    InvitationDeliveryFailed => "invitation.delivery_failed", "An invitation's email could not be sent.";
    TeamCreated => "team.created", "A team was created.";
    TeamChanged => "team.changed", "A team's name, members or questionnaires changed.";
    TeamDeleted => "team.deleted", "A team was deleted.";
    CatalogChanged => "catalog.changed", "The organization's catalog changed.";
    SecurityPolicyChanged => "security_policy.changed", "The second-factor policy changed.";
    ScimTokenCreated => "scim_token.created", "A SCIM token was created.";
    ScimTokenRevoked => "scim_token.revoked", "A SCIM token was revoked.";
    IntegrationKeyCreated => "integration_key.created", "An integration key was created.";
    IntegrationKeyRevoked => "integration_key.revoked", "An integration key was revoked.";
    OrganizationSuspended => "organization.suspended", "The operator suspended the organization.";
    OrganizationResumed => "organization.resumed", "The operator resumed the organization.";
    ConversationQueued => "conversation.queued", "A conversation waits.";
    ConversationAssigned => "conversation.assigned", "An agent took a conversation.";
    ConversationTransferred => "conversation.transferred", "A conversation changed hands (a requeue is a transfer to nobody).";
    ConversationClosed => "conversation.closed", "A conversation ended.";
    AgentPresenceChanged => "agent.presence_changed", "An agent came online, went away or left.";
}

impl EventType {
    /// Reads a wire name.
    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.iter().copied().find(|t| t.as_str() == name)
    }

    /// The type a live desk's event is published as.
    pub fn of_live(event: &LiveEvent) -> EventType {
        match event {
            LiveEvent::ConversationQueued { .. } => EventType::ConversationQueued,
            LiveEvent::ConversationAssigned { .. } => EventType::ConversationAssigned,
            LiveEvent::ConversationTransferred { .. } | LiveEvent::ConversationRequeued { .. } => {
                EventType::ConversationTransferred
            }
            LiveEvent::ConversationClosed { .. } => EventType::ConversationClosed,
            LiveEvent::PresenceChanged { .. } => EventType::AgentPresenceChanged,
        }
    }
}

/// What a person's edit is published as: `person.disabled` / `person.enabled` when that flipped,
/// `person.role_changed` when the role did, `person.access_changed` when anything else routing or
/// authorization reads did (modules, questionnaires, languages, channels, capacity). A profile
/// edit alone publishes nothing: nobody downstream acts on a pseudonym.
pub fn person_edit_events(
    (before, was_disabled): (&crate::Access, bool),
    (after, is_disabled): (&crate::Access, bool),
) -> Vec<EventType> {
    let mut events = Vec::new();
    match (was_disabled, is_disabled) {
        (false, true) => events.push(EventType::PersonDisabled),
        (true, false) => events.push(EventType::PersonEnabled),
        _ => {}
    }
    if before.role != after.role {
        events.push(EventType::PersonRoleChanged);
    }
    if before.modules != after.modules || before.livechat != after.livechat {
        events.push(EventType::PersonAccessChanged);
    }
    events
}

/// What an audited change publishes: `action` is the audit log's name for it, `before`/`after`
/// the records it keeps (a person's access, the catalog…). A change nobody downstream acts on
/// (a password changed, a profile edit alone) publishes nothing.
pub fn events_of_change(
    action: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Vec<EventType> {
    use EventType::*;
    let access = |v: Option<&Value>| v.and_then(|v| crate::Access::deserialize(v).ok());
    match action {
        "created" => vec![PersonCreated],
        "accepted" => vec![InvitationAccepted, PersonCreated],
        "invited" | "reinvited" => vec![InvitationSent],
        "revoked" => vec![InvitationRevoked],
        "expired" => vec![InvitationExpired],
        "delivery_failed" => vec![InvitationDeliveryFailed],
        "changed" | "disabled" | "enabled" => match (access(before), access(after)) {
            (Some(b), Some(a)) => {
                person_edit_events((&b, action == "enabled"), (&a, action == "disabled"))
            }
            _ => Vec::new(),
        },
        "removed" => vec![PersonDeleted],
        "second_factors_reset" => vec![PersonSecondFactorsReset],
        "team_created" => vec![TeamCreated],
        "team_changed" => vec![TeamChanged],
        "team_removed" => vec![TeamDeleted],
        "catalog_changed" => vec![CatalogChanged],
        "second_factor_policy" => vec![SecurityPolicyChanged],
        "scim_token_created" => vec![ScimTokenCreated],
        "scim_token_revoked" => vec![ScimTokenRevoked],
        "integration_key_created" => vec![IntegrationKeyCreated],
        "integration_key_revoked" => vec![IntegrationKeyRevoked],
        "organization_suspended" => vec![OrganizationSuspended],
        "organization_resumed" => vec![OrganizationResumed],
        _ => Vec::new(),
    }
}

/// What an event is about: the account, invitation, team, key… (`null` for organization-wide
/// changes such as the catalog).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventSubject {
    /// Its id.
    pub id: Option<String>,
    /// Its address or name, as the audit log shows it.
    pub name: Option<String>,
}

/// What an access change's event carries: who did it, to what, and the record before and after
/// (a person's access, the catalog), as the audit log has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeData {
    /// The account or token that made the change (`null`: the deployment, the operator, time).
    pub actor: Option<String>,
    /// What it changed.
    pub subject: EventSubject,
    /// The record before (`null` for a creation).
    #[cfg_attr(feature = "wasm", tsify(type = "unknown"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub before: Option<Value>,
    /// The record after (`null` for a deletion): the state the receiver should hold.
    #[cfg_attr(feature = "wasm", tsify(type = "unknown"))]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub after: Option<Value>,
}

/// An event's data: an access change as audited, or what a live desk did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum EventData {
    /// People, invitations, teams, catalog, policy, tokens, keys, the organization.
    Change(ChangeData),
    /// Conversations and presence.
    Live(LiveEvent),
}

/// The body of every delivery (Standard Webhooks: `webhook-id` is `id`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEvent {
    /// The event's id: the same on every attempt (drop duplicates by it).
    pub id: String,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// The organization it happened in (an endpoint only ever receives its own).
    pub organization: String,
    /// Increases with every event of the organization, in the order the changes were made:
    /// reorder by it (gaps are events of types an endpoint did not subscribe to).
    pub seq: i64,
    /// When it happened (ms since the epoch).
    pub at: i64,
    /// What it carries.
    pub data: EventData,
}

/// The longest endpoint address accepted.
pub const MAX_WEBHOOK_URL: usize = 2048;

/// An endpoint's form (`POST /organization/webhooks`).
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), tsify(missing_as_null))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookEndpointInput {
    /// Where events are posted: `https://` only.
    pub url: String,
    /// The event types it receives; at least one.
    pub events: Vec<EventType>,
    /// Whether it receives events (`true` when left out); `false` disables it.
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// A valid endpoint: its address and the events it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// The address, as given.
    pub url: String,
    /// Each event type once.
    pub events: SortedSet<EventType>,
    /// Whether it receives events.
    pub enabled: bool,
}

/// Validates an endpoint's form: an `https://` address whose host is a name or a public address
/// (`allow_loopback`: the deployment lets local development and tests post to `http://127.0.0.1`),
/// and at least one known event type.
pub fn validate_webhook_endpoint(
    input: &Value,
    allow_loopback: bool,
) -> Result<WebhookEndpoint, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<WebhookEndpointInput>(), &mut errors) else {
        return Err(errors);
    };
    let url = obj.required_text("url", MAX_WEBHOOK_URL, &mut errors);
    if let Some(url) = &url {
        if let Some(code) = url_refusal(url, allow_loopback) {
            errors.push(Violation::new("url", code).value(url));
        }
    }
    let mut events = SortedSet::new();
    if let Some(names) = obj.required_strings("events", &mut errors) {
        for (i, name) in names.iter().enumerate() {
            match EventType::parse(name) {
                Some(t) => {
                    events.insert(t);
                }
                None => errors.push(
                    Violation::new(format!("events[{i}]"), Code::EventTypeUnknown).value(name),
                ),
            }
        }
        if names.is_empty() {
            errors.push(Violation::new("events", Code::EventsEmpty));
        }
    }
    let enabled = obj.boolean("enabled", &mut errors).unwrap_or(true);
    match url {
        Some(url) if errors.is_empty() => Ok(WebhookEndpoint {
            url,
            events,
            enabled,
        }),
        _ => Err(errors),
    }
}

/// `POST /organization/webhooks/{id}/redeliver`.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedeliverInput {
    /// The event to send again (its `webhook-id`).
    pub event: String,
}

/// Reads a redelivery request: the event's id.
pub fn validate_redelivery(input: &Value) -> Result<String, Vec<Violation>> {
    let mut errors = Vec::new();
    let Some(obj) = object(input, "", keys_of::<RedeliverInput>(), &mut errors) else {
        return Err(errors);
    };
    match obj.required_text("event", 64, &mut errors) {
        Some(event) if errors.is_empty() => Ok(event),
        _ => Err(errors),
    }
}

/// Why an endpoint address is refused, if it is: not `https` (`webhook_url_not_https`), or a
/// host that is an address a delivery may not reach (`webhook_address_forbidden`). A name is
/// checked again at delivery time, against what DNS answers (`address_allowed`).
pub fn url_refusal(url: &str, allow_loopback: bool) -> Option<Code> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty()
        || authority.contains('@')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Some(Code::FieldInvalid);
    }
    let host = host_of(authority);
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok();
    let loopback = literal.is_some_and(|ip| ip.is_loopback()) || host == "localhost";
    match scheme {
        "https" => {}
        "http" if allow_loopback && loopback => return None,
        _ => return Some(Code::WebhookUrlNotHttps),
    }
    match literal {
        Some(ip) if !address_allowed(ip, allow_loopback) => Some(Code::WebhookAddressForbidden),
        None if host == "localhost" && !allow_loopback => Some(Code::WebhookAddressForbidden),
        _ => None,
    }
}

fn host_of(authority: &str) -> &str {
    if authority.starts_with('[') {
        return authority
            .find(']')
            .map_or(authority, |end| &authority[..=end]);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

/// Whether a delivery may reach `ip`: never a private, loopback (unless the deployment allows it
/// for local development), link-local (cloud metadata lives there), shared, documentation,
/// multicast or unspecified address, in IPv4 or IPv6 (IPv4-mapped included).
pub fn address_allowed(ip: IpAddr, allow_loopback: bool) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_allowed(v4, allow_loopback),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4_allowed(v4, allow_loopback),
            None => v6_allowed(v6, allow_loopback),
        },
    }
}

fn v4_allowed(ip: Ipv4Addr, allow_loopback: bool) -> bool {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        return allow_loopback;
    }
    !(ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (RFC 6598)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking (RFC 2544)
        || a >= 240) // reserved
}

fn v6_allowed(ip: Ipv6Addr, allow_loopback: bool) -> bool {
    if ip.is_loopback() {
        return allow_loopback;
    }
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
        || (first == 0x0064 && ip.segments()[1] == 0xff9b)) // NAT64 may reach private IPv4
}

/// The first retry's delay, in seconds.
pub const WEBHOOK_FIRST_RETRY_S: u32 = 30;
/// The ceiling of a delivery's doubling delays, in seconds.
pub const WEBHOOK_RETRY_CEILING_S: u32 = 24 * 3600;

/// How long to wait before the `attempt`-th retry of a failed delivery: `first_s`
/// (`WEBHOOK_RETRY_SECONDS`, 30 by default), doubling, never more than a day apart.
pub fn webhook_retry_delay_s(first_s: u32, attempt: u32) -> u32 {
    let doubled = 1u64 << attempt.saturating_sub(1).min(32);
    u64::from(first_s)
        .saturating_mul(doubled)
        .min(u64::from(WEBHOOK_RETRY_CEILING_S)) as u32
}

/// One attempt at a delivery, as the delivery's records and the receiver's answer show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// The receiver's status, `None` when it gave none (refused address, timeout, network).
    pub status: Option<u16>,
    /// Whether the endpoint was disabled (by an admin, or for failing) when its turn came.
    pub endpoint_disabled: bool,
    /// This attempt's number, the first being 1.
    pub attempt: u32,
    /// Since when the endpoint has failed without a success between (ms), if it has.
    pub failing_since_ms: Option<i64>,
    /// When the attempt ended (ms).
    pub now_ms: i64,
}

/// What an attempt comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// A 2xx: nothing more is owed, and the endpoint is no longer failing.
    Delivered,
    /// Owed again (the same event id and body).
    Retry {
        /// When (ms).
        at_ms: i64,
        /// How long from now.
        delay_s: u32,
    },
    /// Nothing more is owed.
    GiveUp {
        /// The endpoint has failed for `disable_after_s` and is to be disabled now (its admins
        /// told); false when it was disabled already.
        disable: bool,
    },
}

/// Whether a delivery is done, tried again (doubling from `retry_first_s`), or given up: an
/// endpoint failing for `disable_after_s` (`WEBHOOK_DISABLE_AFTER_SECONDS`, counted from its
/// first failure since its last success, whatever the event) is disabled rather than retried,
/// so one dead receiver does not pile up a day's retries for every event.
pub fn delivery_outcome(
    attempt: &DeliveryAttempt,
    retry_first_s: u32,
    disable_after_s: u32,
) -> DeliveryOutcome {
    if attempt.endpoint_disabled {
        return DeliveryOutcome::GiveUp { disable: false };
    }
    if attempt.status.is_some_and(|s| (200..300).contains(&s)) {
        return DeliveryOutcome::Delivered;
    }
    let failing_for_ms = attempt.now_ms - attempt.failing_since_ms.unwrap_or(attempt.now_ms);
    if failing_for_ms >= i64::from(disable_after_s) * 1000 {
        return DeliveryOutcome::GiveUp { disable: true };
    }
    let delay_s = webhook_retry_delay_s(retry_first_s, attempt.attempt);
    DeliveryOutcome::Retry {
        at_ms: attempt.now_ms + i64::from(delay_s) * 1000,
        delay_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_event_type_reads_back_by_its_name_and_names_are_distinct() {
        let mut names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
            assert_eq!(serde_json::to_value(t).unwrap(), json!(t.as_str()));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventType::ALL.len());
        assert_eq!(EventType::parse("person.hacked"), None);
    }

    #[test]
    fn the_form_takes_https_and_known_events_only() {
        let ok = validate_webhook_endpoint(
            &json!({"url": "https://hooks.exemple.fr/livechat", "events": ["person.disabled", "conversation.assigned"]}),
            false,
        )
        .unwrap();
        assert_eq!(ok.events.len(), 2);
        let codes = |v: Value, loopback: bool| -> Vec<(String, Code)> {
            validate_webhook_endpoint(&v, loopback)
                .unwrap_err()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            codes(
                json!({"url": "http://hooks.exemple.fr", "events": ["person.created"]}),
                false
            ),
            [("url".into(), Code::WebhookUrlNotHttps)]
        );
        assert_eq!(
            codes(
                json!({"url": "https://hooks.exemple.fr", "events": []}),
                false
            ),
            [("events".into(), Code::EventsEmpty)]
        );
        assert_eq!(
            codes(
                json!({"url": "https://hooks.exemple.fr", "events": ["person.hacked"]}),
                false
            ),
            [("events[0]".into(), Code::EventTypeUnknown)]
        );
        for private in [
            "https://10.0.0.1/",
            "https://192.168.1.10:8443/x",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00::1]/",
            "https://[::ffff:10.1.2.3]/",
            "https://127.0.0.1/",
            "https://localhost/",
            "https://100.64.0.1/",
        ] {
            assert_eq!(
                url_refusal(private, false),
                Some(Code::WebhookAddressForbidden),
                "{private}"
            );
        }
        assert_eq!(
            url_refusal("https://user:pw@hooks.exemple.fr/", false),
            Some(Code::FieldInvalid)
        );
        // Local development and the tests: loopback over http, only when the deployment says so.
        assert_eq!(url_refusal("http://127.0.0.1:9000/hook", true), None);
        assert_eq!(
            url_refusal("http://127.0.0.1:9000/hook", false),
            Some(Code::WebhookUrlNotHttps)
        );
        assert_eq!(
            url_refusal("http://10.0.0.1/hook", true),
            Some(Code::WebhookUrlNotHttps)
        );
    }

    #[test]
    fn public_addresses_are_reachable_and_nothing_inside_is() {
        for public in ["1.1.1.1", "93.184.216.34", "2606:4700:4700::1111"] {
            assert!(address_allowed(public.parse().unwrap(), false), "{public}");
        }
        for inside in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "127.0.0.1",
            "0.0.0.0",
            "169.254.169.254",
            "100.100.100.200",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "::ffff:192.168.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!address_allowed(inside.parse().unwrap(), false), "{inside}");
        }
        assert!(address_allowed("127.0.0.1".parse().unwrap(), true));
        assert!(!address_allowed("10.0.0.1".parse().unwrap(), true));
    }

    #[test]
    fn each_audited_change_publishes_its_events_and_a_profile_edit_none() {
        let agent = json!({"role": "agent", "modules": ["livechat"], "livechat": {
            "maxConversations": 2, "languages": ["fr"], "mainLanguage": "fr", "questionnaires": ["q1"],
            "channels": []}});
        let mut manager = agent.clone();
        manager["role"] = json!("manager");
        let mut narrowed = agent.clone();
        narrowed["livechat"]["questionnaires"] = json!([]);
        let of = |action, b: &Value, a: &Value| events_of_change(action, Some(b), Some(a));
        assert_eq!(of("changed", &agent, &agent), []);
        assert_eq!(
            of("changed", &agent, &manager),
            [EventType::PersonRoleChanged]
        );
        assert_eq!(
            of("changed", &agent, &narrowed),
            [EventType::PersonAccessChanged]
        );
        assert_eq!(
            of("disabled", &agent, &manager),
            [EventType::PersonDisabled, EventType::PersonRoleChanged]
        );
        assert_eq!(of("enabled", &agent, &agent), [EventType::PersonEnabled]);
        assert_eq!(
            events_of_change("accepted", None, Some(&agent)),
            [EventType::InvitationAccepted, EventType::PersonCreated]
        );
        assert_eq!(events_of_change("password_changed", None, None), []);
        // Every event type but the live ones has a change that publishes it.
        let audited = [
            "created",
            "accepted",
            "invited",
            "revoked",
            "expired",
            "delivery_failed",
            "disabled",
            "enabled",
            "removed",
            "second_factors_reset",
            "team_created",
            "team_changed",
            "team_removed",
            "catalog_changed",
            "second_factor_policy",
            "scim_token_created",
            "scim_token_revoked",
            "integration_key_created",
            "integration_key_revoked",
            "organization_suspended",
            "organization_resumed",
        ];
        let mut published: Vec<EventType> = audited
            .iter()
            .flat_map(|a| events_of_change(a, Some(&agent), Some(&manager)))
            .chain(of("changed", &agent, &narrowed))
            .collect();
        published.sort();
        published.dedup();
        let live = [
            EventType::ConversationQueued,
            EventType::ConversationAssigned,
            EventType::ConversationTransferred,
            EventType::ConversationClosed,
            EventType::AgentPresenceChanged,
        ];
        let expected: Vec<EventType> = EventType::ALL
            .iter()
            .copied()
            .filter(|t| !live.contains(t))
            .collect();
        assert_eq!(published, expected);
    }

    #[test]
    fn retries_double_from_thirty_seconds_up_to_a_day() {
        let delays: Vec<u32> = (1..=14)
            .map(|n| webhook_retry_delay_s(WEBHOOK_FIRST_RETRY_S, n))
            .collect();
        assert_eq!(&delays[..5], [30, 60, 120, 240, 480]);
        assert!(delays.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(*delays.last().unwrap(), 24 * 3600);
        assert_eq!(webhook_retry_delay_s(1, u32::MAX), 24 * 3600);
        assert_eq!(webhook_retry_delay_s(1, 3), 4);
    }

    #[test]
    fn an_edit_publishes_what_changed_and_nothing_for_a_profile() {
        let agent: crate::Access =
            serde_json::from_value(json!({"role": "agent", "modules": ["livechat"],
            "livechat": {"maxConversations": 3, "languages": ["fr"], "mainLanguage": "fr",
            "questionnaires": ["site"], "channels": ["chat"]}}))
            .unwrap();
        assert!(person_edit_events((&agent, false), (&agent, false)).is_empty());
        assert_eq!(
            person_edit_events((&agent, false), (&agent, true)),
            [EventType::PersonDisabled]
        );
        let mut manager = agent.clone();
        manager.role = crate::Role::Manager;
        assert_eq!(
            person_edit_events((&agent, true), (&manager, false)),
            [EventType::PersonEnabled, EventType::PersonRoleChanged]
        );
        let mut wider = agent.clone();
        wider.livechat.max_conversations = crate::ConversationLimit::Unlimited;
        assert_eq!(
            person_edit_events((&agent, false), (&wider, false)),
            [EventType::PersonAccessChanged]
        );
    }

    #[test]
    fn live_events_publish_under_their_type() {
        let requeued = LiveEvent::ConversationRequeued {
            conversation: "c".into(),
            from: "a".into(),
        };
        assert_eq!(
            EventType::of_live(&requeued),
            EventType::ConversationTransferred
        );
    }

    #[test]
    fn an_attempt_is_delivered_retried_or_given_up() {
        let now_ms = 1_000_000_000_000;
        let tried = |status, attempt, failing_since_ms| DeliveryAttempt {
            status,
            endpoint_disabled: false,
            attempt,
            failing_since_ms,
            now_ms,
        };
        let outcome = |a: &DeliveryAttempt| delivery_outcome(a, 30, 3 * 24 * 3600);
        for ok in [200, 204, 299] {
            assert_eq!(
                outcome(&tried(Some(ok), 5, Some(now_ms - 1000))),
                DeliveryOutcome::Delivered
            );
        }
        // Anything else fails, a redirect included (redirects are not followed).
        for failed in [None, Some(301), Some(404), Some(500)] {
            assert_eq!(
                outcome(&tried(failed, 1, None)),
                DeliveryOutcome::Retry {
                    at_ms: now_ms + 30_000,
                    delay_s: 30
                }
            );
        }
        assert_eq!(
            outcome(&tried(Some(503), 4, Some(now_ms - 60_000))),
            DeliveryOutcome::Retry {
                at_ms: now_ms + 240_000,
                delay_s: 240
            }
        );
        // Failing for the whole stretch, to the millisecond: disabled, whatever the attempt.
        let stretch_ms = 3 * 24 * 3600 * 1000;
        assert_eq!(
            outcome(&tried(Some(500), 1, Some(now_ms - stretch_ms))),
            DeliveryOutcome::GiveUp { disable: true }
        );
        assert!(matches!(
            outcome(&tried(Some(500), 1, Some(now_ms - stretch_ms + 1))),
            DeliveryOutcome::Retry { .. }
        ));
        // A success after the stretch still counts: the receiver is back.
        assert_eq!(
            outcome(&tried(Some(200), 1, Some(now_ms - 2 * stretch_ms))),
            DeliveryOutcome::Delivered
        );
        // Disabled already: nothing is posted or owed, and it is not disabled twice.
        let disabled = DeliveryAttempt {
            endpoint_disabled: true,
            ..tried(None, 1, None)
        };
        assert_eq!(
            outcome(&disabled),
            DeliveryOutcome::GiveUp { disable: false }
        );
    }
}
