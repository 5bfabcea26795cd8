//! The outbox: the one queue (`OUTBOX`) that carries what a change owes the world, email and
//! webhook events alike. Both are written to D1 in the change's own batch first; this room only
//! names what the queue carries and puts it there. Mail (`mail.rs`) and webhooks
//! (`integration::webhooks`) call it; it calls neither, and the queue's handler (`lib.rs`) hands
//! each its own messages.

use crate::store::Store;
use serde::{Deserialize, Serialize};

/// What the queue carries: the id of an outbox row (an email sealed in D1, written with the
/// change that owes it), an email itself (queued before the outbox, or with no FACTOR_KEY to
/// seal its link with), or events whose webhook deliveries are owed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum QueueBody {
    Owed { outbox: String },
    Message(crate::mail::Outgoing),
    Webhooks { webhooks: Vec<String> },
}

impl QueueBody {
    pub fn is_webhooks(&self) -> bool {
        matches!(self, QueueBody::Webhooks { .. })
    }
}

/// How many events one queue message names.
const EVENTS_PER_MESSAGE: usize = 25;

/// The queue messages for `events`.
pub fn events(events: &[String]) -> Vec<QueueBody> {
    events
        .chunks(EVENTS_PER_MESSAGE)
        .map(|chunk| QueueBody::Webhooks {
            webhooks: chunk.to_vec(),
        })
        .collect()
}

impl Store {
    /// Puts messages on the queue. On failure the caller records it where an admin sees it.
    pub async fn enqueue(&self, messages: &[QueueBody]) -> worker::Result<()> {
        if messages.is_empty() {
            return Ok(());
        }
        let outbox = self
            .outbox
            .as_ref()
            .ok_or_else(|| worker::Error::RustError("no OUTBOX binding".into()))?;
        outbox.send_batch(messages.to_vec()).await
    }
}

/// Puts the events this store's batches owe deliveries for on the queue. A message lost here
/// (the Worker stopped before it) is the webhook sweep's to find.
pub async fn dispatch(store: &Store) {
    let owed = std::mem::take(&mut *store.owed_events.borrow_mut());
    if owed.is_empty() {
        return;
    }
    if let Err(e) = store.enqueue(&events(&owed)).await {
        worker::console_error!("webhooks: {} event(s) left to the sweep: {e:?}", owed.len());
    }
}

/// After a request: its owed events go on the queue, unless the end-to-end tests make the queue
/// lose them (`x-test-fault: queue-lost`, loopback and `TEST_CLOCK` only), as when the Worker
/// dies right after its write.
pub async fn after_request(ctx: &crate::ctx::Ctx) {
    if crate::ctx::test_fault(&ctx.req, &ctx.config, "queue-lost") {
        ctx.store.owed_events.borrow_mut().clear();
        return;
    }
    dispatch(&ctx.store).await;
}
