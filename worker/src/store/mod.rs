//! D1 (the source of truth) and KV (invitation tokens with a TTL), one file per thing stored.
//! SQL lives here and in `migrations/`; no rule does: queries only narrow what the core then
//! decides on.

mod audit;
mod catalogs;
mod conversations;
mod factors;
mod integration_keys;
mod invitations;
mod organizations;
mod outbox;
mod purge;
mod resets;
mod scim_tokens;
mod sessions;
mod sso;
mod teams;
mod users;
mod webhooks;

pub use audit::{AuditEntry, Record, SsoLinkRecord};
pub use catalogs::CatalogAt;
pub use conversations::{
    ConversationList, ConversationRow, ConversationStatus, OpenedConversation, RoutingSummary,
};
pub use factors::{ChallengeRow, PasskeyView};
pub use integration_keys::IntegrationKeyView;
pub use invitations::{DeliveryStatus, InvitationRow, InvitationStatus, InvitationView, Owed};
pub use organizations::OrganizationRow;
pub use purge::Purge;
pub use scim_tokens::ScimTokenRow;
pub use sso::{SsoProviderRow, SsoProviderView};
pub use teams::TeamView;
pub use users::{NewUserRow, UserFilter, UserRow, UserView};
pub use webhooks::{ClaimedDelivery, DeliveryView, EventRecord, WebhookEndpointView};

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1DatabaseSession, D1PreparedStatement, D1Result, Env, KvStore};

/// D1 as a request reads and writes it: through a Sessions API session, so that its answer can
/// carry a bookmark (`x-d1-bookmark`) a later request's lagging reads start from.
pub struct Database(D1DatabaseSession);

impl Database {
    fn prepare(&self, sql: &str) -> D1PreparedStatement {
        self.0.prepare(sql)
    }

    async fn batch(&self, statements: Vec<D1PreparedStatement>) -> worker::Result<Vec<D1Result>> {
        self.0.batch(statements).await
    }
}

/// Whether a client's bookmark is one D1 could have given (hex groups and dashes): anything
/// else is ignored rather than handed to D1.
fn plausible_bookmark(bookmark: &str) -> bool {
    (1..=128).contains(&bookmark.len())
        && bookmark.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

/// The bindings, as named in wrangler.toml.
pub struct Store {
    /// Users, sessions, invitations, audit (conversations are each organization's desk's).
    pub db: Database,
    /// Invitation tokens.
    pub kv: KvStore,
    /// The outbox: messages owed (a Queue).
    pub outbox: Option<worker::Queue>,
    /// D1 statements prepared for this request, for the benchmarks' query counts.
    pub statements: std::cell::Cell<u32>,
    /// Events this request's batches wrote deliveries for: put on the queue once the request
    /// is done (`outbox::dispatch`); the sweep covers a queue message lost.
    pub owed_events: std::cell::RefCell<Vec<String>>,
    /// Whether audited changes publish their events: always, but for the benchmark that
    /// measures what publishing costs a write (`x-bench-events: off`, BENCH_MODES only).
    pub publishing: std::cell::Cell<bool>,
    /// Whether a delivery statement was prepared (`publish`): only then may a batch's results
    /// name owed events.
    delivery_prepared: std::cell::Cell<bool>,
}

pub fn js(value: impl Into<JsValue>) -> JsValue {
    value.into()
}

pub(crate) fn opt(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::NULL, JsValue::from)
}

pub(crate) fn num(n: i64) -> JsValue {
    // D1 binds JS numbers; every integer stored here is well inside 2^53.
    JsValue::from(n as f64)
}

pub(crate) fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// What went wrong in storage, in the store's own terms: the handlers turn it into an answer
/// (`From<StoreError> for StoreError`, in `http.rs`), the store never speaks HTTP.
#[derive(Debug)]
pub enum StoreError {
    /// D1, KV or the queue failed, or a stored row could not be read.
    Backend(String),
    /// The organization's catalog changed under a write guarded by its version.
    CatalogChanged,
}

impl From<worker::Error> for StoreError {
    fn from(e: worker::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Backend(e.to_string())
    }
}

/// Whether a D1 error is a uniqueness violation.
pub fn is_unique_violation(e: &worker::Error) -> bool {
    e.to_string().contains("UNIQUE constraint failed")
}

/// Whether a write changed anything. D1 counts in `changes` the rows its triggers wrote too
/// (the access-version triggers, migration 0012): a handler asks whether a guarded write
/// happened, never for an exact count.
pub fn written(result: &D1Result) -> bool {
    changes(result) > 0
}

/// The `changes` count of a write.
pub fn changes(result: &D1Result) -> usize {
    result
        .meta()
        .ok()
        .flatten()
        .and_then(|m| m.changes)
        .unwrap_or(0)
}

impl Store {
    /// The store on D1's primary (`first-primary`): sign-in, session checks and every write
    /// read what was last written, wherever replicas stand.
    pub fn open(env: &Env) -> worker::Result<Store> {
        Store::with(env, "first-primary")
    }

    /// A store for reads that may lag a little (lists of people, invitations, the audit log):
    /// any replica will do (`first-unconstrained`), unless the client carried back a bookmark,
    /// in which case D1 serves them from a copy at least that recent (its own writes included).
    pub fn lagging(env: &Env, bookmark: Option<&str>) -> worker::Result<Store> {
        Store::with(
            env,
            bookmark
                .filter(|b| plausible_bookmark(b))
                .unwrap_or("first-unconstrained"),
        )
    }

    /// The latest bookmark this request's session saw, for the client to carry back.
    pub fn bookmark(&self) -> Option<String> {
        self.db.0.get_bookmark().ok().flatten()
    }

    fn with(env: &Env, constraint_or_bookmark: &str) -> worker::Result<Store> {
        Ok(Store {
            db: Database(env.d1("DB")?.with_session(Some(constraint_or_bookmark))?),
            kv: env.kv("INVITES")?,
            outbox: env.queue("OUTBOX").ok(),
            statements: std::cell::Cell::new(0),
            owed_events: Default::default(),
            publishing: std::cell::Cell::new(true),
            delivery_prepared: std::cell::Cell::new(false),
        })
    }

    pub(crate) fn stmt(
        &self,
        sql: &str,
        args: &[JsValue],
    ) -> Result<D1PreparedStatement, StoreError> {
        self.statements.set(self.statements.get() + 1);
        Ok(self.db.prepare(sql).bind(args)?)
    }

    pub(crate) async fn first<T: for<'de> Deserialize<'de>>(
        &self,
        sql: &str,
        args: &[JsValue],
    ) -> Result<Option<T>, StoreError> {
        Ok(self.stmt(sql, args)?.first::<T>(None).await?)
    }

    pub(crate) async fn all<T: for<'de> Deserialize<'de>>(
        &self,
        sql: &str,
        args: &[JsValue],
    ) -> Result<Vec<T>, StoreError> {
        Ok(self.stmt(sql, args)?.all().await?.results::<T>()?)
    }

    pub(crate) async fn run(&self, sql: &str, args: &[JsValue]) -> Result<usize, StoreError> {
        Ok(changes(&self.stmt(sql, args)?.run().await?))
    }

    pub async fn batch(
        &self,
        statements: Vec<D1PreparedStatement>,
    ) -> Result<Vec<D1Result>, worker::Error> {
        let results = self.db.batch(statements).await?;
        self.note_deliveries(&results);
        Ok(results)
    }

    /// The same writes one round trip each, without a transaction: only for the benchmark that
    /// measures what batching saves (`BENCH_MODES`).
    pub async fn one_by_one(
        &self,
        statements: Vec<D1PreparedStatement>,
    ) -> Result<Vec<D1Result>, worker::Error> {
        let mut results = Vec::with_capacity(statements.len());
        for statement in statements {
            results.push(statement.run().await?);
        }
        Ok(results)
    }
}
