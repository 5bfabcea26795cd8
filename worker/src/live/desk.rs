//! `OrganizationDesk`: one organization's live desk as a SQLite-backed Durable Object. It holds
//! the core's `LiveDesk` between requests; every decision in it is the core's (`route`,
//! `can_transfer`, `sees`). A change is written to the object's SQLite before anyone is told
//! (the output gate holds answers and socket frames until it is durable), then pushed to the
//! sockets whose person may see it. What routing reads of people comes from D1, at a version:
//! the desk catches up whenever a request carries a newer one, so a crash between a D1 write and
//! the desk's update is caught by the next request.

use super::wire::{Command, Reply, ORGANIZATION_HEADER, PERSON_HEADER, VERSION_HEADER};
use crate::store::{ConversationRow, OpenedConversation, RoutingSummary, Store, UserRow};
use livechat_access::{
    conversation_scope, may_watch, sees, Actor, Code, ConversationScope, DeskMember, LiveDesk,
    LiveEvent, LiveMessage, OpenConversation, OrganizationId, Profile, WaitingConversation,
};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::BTreeMap;
use worker::{
    durable_object, DurableObject, Env, Request, Response, Result, SqlStorageValue, State,
    WebSocket, WebSocketPair,
};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS desk (
  id INTEGER PRIMARY KEY CHECK (id = 1), organization TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS conversations (
  id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, questionnaire TEXT NOT NULL,
  language TEXT NOT NULL, channel TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('waiting', 'assigned', 'closed')),
  assigned_to TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS conversations_by_time ON conversations (created_at, id);
CREATE INDEX IF NOT EXISTS conversations_open ON conversations (status) WHERE status <> 'closed';
CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, last_assigned_at INTEGER);
CREATE TABLE IF NOT EXISTS leaving (id TEXT PRIMARY KEY, due INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_outbox (
  n INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, type TEXT NOT NULL, payload TEXT NOT NULL);
";

/// How many of its events a desk hands to D1 in one batch.
const WEBHOOK_FLUSH: usize = 50;

const COLUMNS: &str =
    "id, organization_id, questionnaire, language, channel, status, assigned_to, created_at, updated_at";

#[durable_object]
pub struct OrganizationDesk {
    state: State,
    env: Env,
    held: RefCell<Option<Held>>,
}

/// What the object holds in memory between requests (rebuilt from its SQLite and D1 when it
/// starts again).
struct Held {
    organization: OrganizationId,
    desk: LiveDesk,
    /// The D1 access version the desk was built from.
    version: i64,
    /// Not suspended.
    active: bool,
    /// Everyone of the organization, as the scope rule reads them (for the sockets).
    people: BTreeMap<String, Actor>,
}

/// What a socket carries through hibernation: whose it is.
#[derive(Serialize, Deserialize)]
struct Attachment {
    person: String,
}

fn failed(e: impl std::fmt::Debug) -> worker::Error {
    worker::Error::RustError(format!("{e:?}"))
}

fn text(s: &str) -> SqlStorageValue {
    SqlStorageValue::from(s)
}

fn opt_text(s: Option<&str>) -> SqlStorageValue {
    s.map_or(SqlStorageValue::Null, text)
}

/// How supervisors see a person named (the core's rule, `Profile::display_name`).
fn display_name(row: &UserRow) -> String {
    serde_json::from_str::<Profile>(&row.profile)
        .unwrap_or_default()
        .display_name(&row.email)
}

impl OrganizationDesk {
    fn sql(&self) -> worker::SqlStorage {
        self.state.storage().sql()
    }

    fn rows(&self, query: &str, args: Vec<SqlStorageValue>) -> Result<Vec<ConversationRow>> {
        self.sql().exec(query, args)?.to_array()
    }

    fn row(&self, id: &str) -> Result<Option<ConversationRow>> {
        Ok(self
            .rows(
                &format!("SELECT {COLUMNS} FROM conversations WHERE id = ?"),
                vec![text(id)],
            )?
            .pop())
    }

    /// The desk as its storage holds it: open conversations, no people yet.
    fn restore(&self, organization: &OrganizationId) -> Result<Held> {
        let mut desk = LiveDesk::new();
        for row in self.rows(
            &format!("SELECT {COLUMNS} FROM conversations WHERE status <> 'closed'"),
            Vec::new(),
        )? {
            desk.restore(OpenConversation {
                id: row.id.clone(),
                opened_at: row.created_at,
                conversation: row.waiting(),
            });
        }
        Ok(Held {
            organization: organization.clone(),
            desk,
            version: -1,
            active: true,
            people: BTreeMap::new(),
        })
    }

    /// Conversations written to D1 before the desks existed move here, without loss: copied
    /// (idempotent), then removed from D1; a crash in between copies them again next start.
    async fn take_over(&self, store: &Store, organization: &OrganizationId) -> Result<()> {
        for _ in 0..100 {
            let leftovers = store
                .leftover_conversations(organization)
                .await
                .map_err(failed)?;
            if leftovers.is_empty() {
                break;
            }
            for row in &leftovers {
                self.sql().exec(
                    &format!(
                        "INSERT OR IGNORE INTO conversations ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    vec![
                        text(&row.id),
                        text(organization.as_str()),
                        text(&row.questionnaire),
                        text(&row.language),
                        text(row.channel.as_str()),
                        text(status_name(row.status)),
                        opt_text(row.assigned_to.as_deref()),
                        SqlStorageValue::from(row.created_at),
                        SqlStorageValue::from(row.updated_at),
                    ],
                )?;
            }
            let ids: Vec<String> = leftovers.into_iter().map(|r| r.id).collect();
            store
                .forget_conversations(organization, &ids)
                .await
                .map_err(failed)?;
        }
        Ok(())
    }

    /// Makes sure the desk is in memory and built from D1 at `version` at least.
    async fn at(&self, organization: &OrganizationId, version: i64, now: i64) -> Result<()> {
        let behind = match self.held.borrow().as_ref() {
            None => true,
            Some(held) => {
                if &held.organization != organization {
                    return Err(failed("a desk serves one organization"));
                }
                held.version < version
            }
        };
        if behind {
            self.catch_up(organization, now).await?;
        }
        Ok(())
    }

    /// Reads the organization's people from D1 and applies them: access changes, who left, who
    /// signed in or out; conversations move as the core decides (a disabled agent's go back to
    /// the queue, the queue drains to whoever may now take it).
    async fn catch_up(&self, organization: &OrganizationId, now: i64) -> Result<()> {
        let store = Store::open(&self.env)?;
        let cold = self.held.borrow().is_none();
        if cold {
            self.sql().exec(SCHEMA, None)?;
            self.sql().exec(
                "INSERT OR IGNORE INTO desk (id, organization, seq) VALUES (1, ?, 0)",
                vec![text(organization.as_str())],
            )?;
            self.take_over(&store, organization).await?;
        }
        let Some(roster) = store.roster(organization).await.map_err(failed)? else {
            // The organization is gone: nothing to route, nobody to tell.
            self.close_sockets(|_| true, "organization deleted");
            return Ok(());
        };
        let stored: BTreeMap<String, Option<i64>> = {
            #[derive(Deserialize)]
            struct Stored {
                id: String,
                last_assigned_at: Option<i64>,
            }
            self.sql()
                .exec("SELECT id, last_assigned_at FROM agents", None)?
                .to_array::<Stored>()?
                .into_iter()
                .map(|s| (s.id, s.last_assigned_at))
                .collect()
        };
        let events = {
            let mut slot = self.held.borrow_mut();
            if slot.as_ref().is_some_and(|h| h.version > roster.version) {
                // A concurrent catch-up read a newer roster: this one is stale.
                return Ok(());
            }
            if slot.is_none() {
                *slot = Some(self.restore(organization)?);
            }
            let Some(held) = slot.as_mut() else {
                return Ok(());
            };
            let mut events = Vec::new();
            let mut people = BTreeMap::new();
            for row in &roster.people {
                let (Ok(mut agent), Ok(actor)) = (row.snapshot(), row.actor()) else {
                    continue;
                };
                if let Some(Some(at)) = stored.get(&row.id) {
                    agent.last_assigned_at = agent.last_assigned_at.max(Some(*at));
                }
                let signed_in_until = if roster.active {
                    row.signed_in_until
                } else {
                    None
                };
                events.extend(held.desk.upsert_member(
                    DeskMember {
                        agent,
                        name: display_name(row),
                        signed_in_until,
                    },
                    now,
                ));
                people.insert(row.id.clone(), actor);
            }
            let gone: Vec<String> = held
                .desk
                .agents()
                .filter(|a| !people.contains_key(&a.id))
                .map(|a| a.id.clone())
                .collect();
            for id in gone {
                events.extend(held.desk.remove_agent(&id, now));
            }
            held.people = people;
            held.version = roster.version;
            held.active = roster.active;
            events
        };
        self.publish(events, now)?;
        // Sockets of people who may no longer see anything close; the rest see by their new
        // access from the next frame on.
        let (active, people) = {
            let held = self.held.borrow();
            let Some(held) = held.as_ref() else {
                return Ok(());
            };
            (held.active, held.people.clone())
        };
        if !active {
            self.close_sockets(|_| true, "organization suspended");
        } else {
            self.close_sockets(
                |person| {
                    people
                        .get(person)
                        .is_none_or(|actor| !may_watch(actor, true))
                },
                "access ended",
            );
        }
        Ok(())
    }

    fn close_sockets(&self, which: impl Fn(&str) -> bool, reason: &str) {
        for ws in self.state.get_websockets() {
            let person = ws
                .deserialize_attachment::<Attachment>()
                .ok()
                .flatten()
                .map(|a| a.person)
                .unwrap_or_default();
            if which(&person) {
                let _ = ws.close(Some(4403), Some(reason));
            }
        }
    }

    /// Writes what `events` changed, numbers them, then tells each socket what its person may
    /// see, and the desk as they may see it.
    fn publish(&self, events: Vec<LiveEvent>, now: i64) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        for event in &events {
            self.persist(event, now)?;
            self.owe_webhook(event, now)?;
        }
        #[derive(Deserialize)]
        struct Seq {
            seq: i64,
        }
        let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
        let last = self
            .sql()
            .exec(
                "UPDATE desk SET seq = seq + ? WHERE id = 1 RETURNING seq",
                vec![SqlStorageValue::from(count)],
            )?
            .to_array::<Seq>()?
            .pop()
            .map_or(count, |s| s.seq);
        let first = u64::try_from(last - count + 1).unwrap_or(1);
        let held = self.held.borrow();
        let Some(held) = held.as_ref() else {
            return Ok(());
        };
        for ws in self.state.get_websockets() {
            let Some(actor) = ws
                .deserialize_attachment::<Attachment>()
                .ok()
                .flatten()
                .and_then(|a| held.people.get(&a.person))
            else {
                continue;
            };
            let mut told = false;
            for (i, event) in events.iter().enumerate() {
                if sees(actor, event) {
                    told = true;
                    send(
                        &ws,
                        &LiveMessage::Event {
                            seq: first + i as u64,
                            at: now,
                            event: event.clone(),
                        },
                    );
                }
            }
            if told || matches!(conversation_scope(actor), ConversationScope::All) {
                send(
                    &ws,
                    &LiveMessage::Desk {
                        desk: held.desk.view(actor, now),
                    },
                );
            }
        }
        Ok(())
    }

    /// Keeps `event` for the organization's webhooks, in the same storage transaction as the
    /// change it reports (the output gate holds the answer until both are durable); the alarm
    /// hands it to D1 (`flush_webhooks`).
    fn owe_webhook(&self, event: &LiveEvent, now: i64) -> Result<()> {
        let organization = match self.held.borrow().as_ref() {
            Some(held) => held.organization.clone(),
            None => return Ok(()),
        };
        let event_type = livechat_access::EventType::of_live(event);
        let record = crate::store::EventRecord::new(
            &organization,
            event_type,
            livechat_access::EventData::Live(event.clone()),
            now,
        )
        .map_err(failed)?;
        self.sql().exec(
            "INSERT INTO webhook_outbox (id, type, payload) VALUES (?, ?, ?)",
            vec![
                text(&record.id),
                text(event_type.as_str()),
                text(&record.payload),
            ],
        )?;
        Ok(())
    }

    /// Sets the alarm now when events are owed to D1 and it is not set sooner.
    async fn schedule_flush(&self) -> Result<()> {
        #[derive(Deserialize)]
        struct Count {
            n: i64,
        }
        // A wiped desk (its organization deleted) has no tables left: nothing is owed.
        let owed = self
            .sql()
            .exec("SELECT COUNT(*) AS n FROM webhook_outbox", None)
            .and_then(|rows| rows.to_array::<Count>())
            .ok()
            .and_then(|mut rows| rows.pop())
            .is_some_and(|c| c.n > 0);
        let storage = self.state.storage();
        if owed && storage.get_alarm().await?.is_none() {
            storage.set_alarm(1).await?;
        }
        Ok(())
    }

    /// Hands the events owed to webhooks to D1, numbered with the organization's other events,
    /// written once each (their ids are this desk's) and only when an endpoint wants their type;
    /// then their deliveries go on the queue. A failure leaves them owed: the alarm is retried.
    async fn flush_webhooks(&self, organization: &OrganizationId, now: i64) -> Result<bool> {
        #[derive(Deserialize)]
        struct Owed {
            n: i64,
            id: String,
            #[serde(rename = "type")]
            event_type: String,
            payload: String,
        }
        let owed: Vec<Owed> = self
            .sql()
            .exec(
                "SELECT n, id, type, payload FROM webhook_outbox ORDER BY n LIMIT ?",
                vec![SqlStorageValue::from(WEBHOOK_FLUSH as i64)],
            )?
            .to_array()?;
        let Some(last) = owed.last().map(|o| o.n) else {
            return Ok(false);
        };
        let records: Vec<crate::store::EventRecord> = owed
            .into_iter()
            .filter_map(|o| {
                Some(crate::store::EventRecord {
                    event_type: livechat_access::EventType::parse(&o.event_type)?,
                    id: o.id,
                    payload: o.payload,
                })
            })
            .collect();
        let store = Store::open(&self.env)?;
        let guard = Store::once_if_subscribed("?1");
        let writes = store
            .publish(organization, &records, &guard, now)
            .map_err(failed)?;
        store.batch(writes).await?;
        self.sql().exec(
            "DELETE FROM webhook_outbox WHERE n <= ?",
            vec![SqlStorageValue::from(last)],
        )?;
        crate::outbox::dispatch(&store).await;
        Ok(true)
    }

    fn persist(&self, event: &LiveEvent, now: i64) -> Result<()> {
        let set = |status: &str, agent: Option<&str>, id: &str| {
            self.sql().exec(
                "UPDATE conversations SET status = ?, assigned_to = ?, updated_at = ? WHERE id = ?",
                vec![
                    text(status),
                    opt_text(agent),
                    SqlStorageValue::from(now),
                    text(id),
                ],
            )
        };
        match event {
            LiveEvent::ConversationAssigned {
                conversation,
                agent,
            }
            | LiveEvent::ConversationTransferred {
                conversation,
                to: agent,
                ..
            } => {
                set("assigned", Some(agent), conversation)?;
                self.sql().exec(
                    "INSERT INTO agents (id, last_assigned_at) VALUES (?, ?) \
                     ON CONFLICT (id) DO UPDATE SET last_assigned_at = excluded.last_assigned_at",
                    vec![text(agent), SqlStorageValue::from(now)],
                )?;
            }
            LiveEvent::ConversationRequeued { conversation, .. } => {
                set("waiting", None, conversation)?;
            }
            LiveEvent::ConversationClosed {
                conversation,
                agent,
            } => {
                set("closed", agent.as_deref(), conversation)?;
            }
            // Written before the event is made (`open`); presence is D1's.
            LiveEvent::ConversationQueued { .. } | LiveEvent::PresenceChanged { .. } => {}
        }
        Ok(())
    }

    async fn run(&self, command: Command) -> Result<String> {
        let organization = OrganizationId::new(command.organization());
        match command {
            Command::Open {
                id,
                questionnaire,
                language,
                channel,
                now,
                version,
                ..
            } => {
                self.at(&organization, version, now).await?;
                let conversation = WaitingConversation {
                    organization: organization.clone(),
                    questionnaire,
                    language,
                    channel,
                    assigned_to: None,
                };
                self.sql().exec(
                    &format!(
                        "INSERT INTO conversations ({COLUMNS}) VALUES (?, ?, ?, ?, ?, 'waiting', NULL, ?, ?)"
                    ),
                    vec![
                        text(&id),
                        text(organization.as_str()),
                        text(&conversation.questionnaire),
                        text(&conversation.language),
                        text(conversation.channel.as_str()),
                        SqlStorageValue::from(now),
                        SqlStorageValue::from(now),
                    ],
                )?;
                let (decision, events) =
                    self.with_desk(|desk| desk.open(&id, conversation, now))?;
                self.publish(events, now)?;
                let row = self.row(&id)?.ok_or_else(|| failed("just written"))?;
                json(Reply::Ok(OpenedConversation {
                    id: row.id.clone(),
                    status: row.status,
                    assigned_to: row.assigned_to.clone(),
                    conversation: row,
                    routing: RoutingSummary {
                        eligible: decision.eligible,
                        reasons: decision.reasons,
                    },
                }))
            }
            Command::List {
                assigned_to,
                status,
                limit,
                ..
            } => {
                self.at(&organization, 0, js_sys::Date::now() as i64)
                    .await?;
                let rows = self.rows(
                    &format!(
                        "SELECT {COLUMNS} FROM conversations WHERE (?1 IS NULL OR assigned_to = ?1) \
                         AND (?2 IS NULL OR status = ?2) ORDER BY created_at DESC, id LIMIT ?3"
                    ),
                    vec![
                        opt_text(assigned_to.as_deref()),
                        opt_text(status.map(status_name)),
                        SqlStorageValue::from(i64::from(limit)),
                    ],
                )?;
                json(Reply::Ok(rows))
            }
            Command::Get { id, .. } => {
                self.at(&organization, 0, js_sys::Date::now() as i64)
                    .await?;
                json(Reply::Ok(self.row(&id)?))
            }
            Command::Transfer {
                id,
                from,
                to,
                now,
                version,
                ..
            } => {
                self.act(&organization, &id, from, now, version, |desk| {
                    desk.transfer(&id, &to, now)
                })
                .await
            }
            Command::Close {
                id,
                from,
                now,
                version,
                ..
            } => {
                self.act(&organization, &id, from, now, version, |desk| {
                    desk.close(&id, now).map_err(|code| vec![code])
                })
                .await
            }
            Command::CatchUp { now, .. } => {
                self.at(&organization, 0, now).await?;
                let store = Store::open(&self.env)?;
                let current = store
                    .access_version(&organization)
                    .await
                    .map_err(failed)?
                    .unwrap_or(0);
                self.at(&organization, current, now).await?;
                json(Reply::Ok(()))
            }
            Command::Wipe { .. } => {
                self.close_sockets(|_| true, "organization deleted");
                self.state.storage().delete_alarm().await?;
                self.state.storage().delete_all().await?;
                *self.held.borrow_mut() = None;
                json(Reply::Ok(()))
            }
        }
    }

    /// Acts on conversation `id` the Worker authorized as held by `from`, at `version` at
    /// least: refused if it moved meanwhile or by the core's reasons; else written, pushed, and
    /// answered as it now stands.
    async fn act(
        &self,
        organization: &OrganizationId,
        id: &str,
        from: Option<String>,
        now: i64,
        version: i64,
        change: impl FnOnce(&mut LiveDesk) -> std::result::Result<Vec<LiveEvent>, Vec<Code>>,
    ) -> Result<String> {
        self.at(organization, version, now).await?;
        if let Some(refusal) = self.moved(id, from.as_deref())? {
            return json(Reply::<()>::refused(&[refusal]));
        }
        match self.with_desk(change)? {
            Err(codes) => json(Reply::<()>::refused(&codes)),
            Ok(events) => {
                self.publish(events, now)?;
                json(Reply::Ok(self.row(id)?))
            }
        }
    }

    /// Why a conversation the Worker authorized as held by `from` may not be acted on now:
    /// closed meanwhile, or moved (someone else acted first).
    fn moved(&self, id: &str, from: Option<&str>) -> Result<Option<Code>> {
        let Some(row) = self.row(id)? else {
            return Ok(Some(Code::NotFound));
        };
        if row.status == crate::store::ConversationStatus::Closed {
            return Ok(Some(Code::ConversationClosed));
        }
        Ok((row.assigned_to.as_deref() != from).then_some(Code::AtCapacity))
    }

    fn with_desk<T>(&self, f: impl FnOnce(&mut LiveDesk) -> T) -> Result<T> {
        let mut held = self.held.borrow_mut();
        let held = held.as_mut().ok_or_else(|| failed("desk not loaded"))?;
        Ok(f(&mut held.desk))
    }

    /// A person's live connection, authenticated by the Worker: accepted with hibernation (an
    /// idle socket costs nothing), tagged with whose it is, and shown the desk at once.
    async fn accept_person(&self, req: &Request) -> Result<Response> {
        let header = |name: &str| req.headers().get(name).ok().flatten().unwrap_or_default();
        let organization = OrganizationId::new(header(ORGANIZATION_HEADER));
        let person = header(PERSON_HEADER);
        let version = header(VERSION_HEADER).parse::<i64>().unwrap_or(0);
        let now = js_sys::Date::now() as i64;
        self.at(&organization, version, now).await?;
        let view = {
            let held = self.held.borrow();
            let Some(held) = held.as_ref() else {
                return Response::error("desk not loaded", 500);
            };
            match held.people.get(&person) {
                Some(actor) if may_watch(actor, held.active) => held.desk.view(actor, now),
                _ => return Response::error("forbidden", 403),
            }
        };
        let pair = WebSocketPair::new()?;
        self.state
            .accept_websocket_with_tags(&pair.server, &[person.as_str()]);
        pair.server.serialize_attachment(Attachment {
            person: person.clone(),
        })?;
        self.sql()
            .exec("DELETE FROM leaving WHERE id = ?", vec![text(&person)])?;
        send(&pair.server, &LiveMessage::Desk { desk: view });
        Response::from_websocket(pair.client)
    }

    /// A socket closed: its person stays online for the grace period, then the alarm looks.
    async fn left(&self, ws: &WebSocket) -> Result<()> {
        let Some(Attachment { person }) = ws.deserialize_attachment::<Attachment>()? else {
            return Ok(());
        };
        // The rule: online lasts `LIVE_AWAY_AFTER_SECONDS` past the last socket, so a reload or
        // a network blip changes nothing; after that, the alarm sets them away.
        let due = js_sys::Date::now() as i64 + self.grace_ms();
        self.sql().exec(
            "INSERT INTO leaving (id, due) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET due = excluded.due",
            vec![text(&person), SqlStorageValue::from(due)],
        )?;
        let storage = self.state.storage();
        if storage.get_alarm().await?.is_none_or(|at| at > due) {
            storage.set_alarm(self.grace_ms().max(1)).await?;
        }
        Ok(())
    }

    /// How long a person stays online once their last socket closed (`LIVE_AWAY_AFTER_SECONDS`).
    fn grace_ms(&self) -> i64 {
        let config = crate::ctx::Config::from_env(&self.env);
        i64::from(config.report.settings.live_away_after_seconds) * 1000
    }
}

/// A reply as the JSON text the Worker reads.
fn json<T: Serialize>(reply: Reply<T>) -> Result<String> {
    serde_json::to_string(&reply).map_err(failed)
}

fn status_name(status: crate::store::ConversationStatus) -> &'static str {
    match status {
        crate::store::ConversationStatus::Waiting => "waiting",
        crate::store::ConversationStatus::Assigned => "assigned",
        crate::store::ConversationStatus::Closed => "closed",
    }
}

fn send(ws: &WebSocket, message: &LiveMessage) {
    if let Ok(text) = serde_json::to_string(message) {
        // A socket closing meanwhile is not an error of the change: it reconnects and reads the
        // desk again.
        let _ = ws.send_with_str(text);
    }
}

impl DurableObject for OrganizationDesk {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            held: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/connect" => self.accept_person(&req).await,
            "/command" => {
                let command: Command = req.json().await?;
                let answer = self.run(command).await?;
                self.schedule_flush().await?;
                let mut response = Response::ok(answer)?;
                response
                    .headers_mut()
                    .set("content-type", "application/json")?;
                Ok(response)
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        _message: worker::WebSocketIncomingMessage,
    ) -> Result<()> {
        // Nothing is read from a socket: changes go through the API, where they are authorized.
        let _ = ws.send_with_str(r#"{"type":"error","code":"read_only"}"#);
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        let _ = ws.close(Some(1000), Some("closed"));
        self.left(&ws).await
    }
    async fn websocket_error(&self, ws: WebSocket, _error: worker::Error) -> Result<()> {
        self.left(&ws).await
    }

    async fn alarm(&self) -> Result<Response> {
        #[derive(Deserialize)]
        struct Leaving {
            id: String,
            due: i64,
        }
        #[derive(Deserialize)]
        struct Named {
            organization: String,
        }
        let now = js_sys::Date::now() as i64;
        let Some(Named { organization }) = self
            .sql()
            .exec("SELECT organization FROM desk WHERE id = 1", None)?
            .to_array::<Named>()?
            .pop()
        else {
            return Response::ok("");
        };
        let organization = OrganizationId::new(organization);
        let leaving: Vec<Leaving> = self
            .sql()
            .exec("SELECT id, due FROM leaving ORDER BY due", None)?
            .to_array()?;
        let store = Store::open(&self.env)?;
        let mut changed = false;
        let mut next = None;
        for row in leaving {
            if row.due > now {
                next = next.or(Some(row.due));
                continue;
            }
            self.sql()
                .exec("DELETE FROM leaving WHERE id = ?", vec![text(&row.id)])?;
            if self.state.get_websockets_with_tag(&row.id).is_empty() {
                changed |= store
                    .set_away_if_online(&organization, &row.id, now)
                    .await
                    .map_err(failed)?;
            }
        }
        if changed {
            self.catch_up(&organization, now).await?;
        }
        if self.flush_webhooks(&organization, now).await? {
            // More may be owed: the next alarm looks at once.
            next = Some(next.map_or(now, |due: i64| due.min(now)));
        }
        if let Some(due) = next {
            self.state.storage().set_alarm((due - now).max(1)).await?;
        }
        Response::ok("")
    }
}
