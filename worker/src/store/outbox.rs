//! The outbox: messages owed, each written with the change that owes it (`migrations/0013`).

use super::StoreError;
use super::{js, num, Store};
use livechat_access::OrganizationId;
use serde::Deserialize;
use worker::D1PreparedStatement;

/// A message still owed.
#[derive(Debug, Deserialize)]
pub struct OwedMessage {
    pub id: String,
    /// The queue message, sealed.
    pub message: String,
}

impl Store {
    /// Owes a message about `subject`, as long as `condition` (SQL over the batch's earlier
    /// writes, its values bound from `?7` on) holds when it runs: a message for a write that did not happen is never
    /// owed.
    #[allow(clippy::too_many_arguments)]
    pub fn owe(
        &self,
        id: &str,
        org: &OrganizationId,
        subject: &str,
        sealed: &str,
        condition: &str,
        values: &[&str],
        now: i64,
        due_at: i64,
    ) -> Result<D1PreparedStatement, StoreError> {
        let mut args = vec![
            js(id),
            js(org.as_str()),
            js(sealed),
            num(now),
            num(due_at),
            js(subject),
        ];
        args.extend(values.iter().map(|v| js(*v)));
        self.stmt(
            &format!(
                "INSERT INTO outbox (id, organization_id, message, created_at, due_at, subject) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE {condition}"
            ),
            &args,
        )
    }

    /// The message `id`, while it is owed.
    pub async fn owed_message(&self, id: &str) -> Result<Option<OwedMessage>, StoreError> {
        self.first(
            "SELECT id, message FROM outbox WHERE id = ?1 AND done_at IS NULL",
            &[js(id)],
        )
        .await
    }

    /// Messages that should have been handled by `now` and were not, oldest first.
    pub async fn overdue_messages(
        &self,
        now: i64,
        limit: u32,
    ) -> Result<Vec<OwedMessage>, StoreError> {
        self.all(
            "SELECT id, message FROM outbox WHERE done_at IS NULL AND due_at <= ?1 \
             ORDER BY due_at LIMIT ?2",
            &[num(now), num(i64::from(limit))],
        )
        .await
    }

    /// When the sweep takes message `id` again unless it is done by then.
    pub async fn outbox_due(&self, id: &str, due_at: i64) -> Result<(), StoreError> {
        self.run(
            "UPDATE outbox SET due_at = ?2 WHERE id = ?1 AND done_at IS NULL",
            &[js(id), num(due_at)],
        )
        .await?;
        Ok(())
    }

    /// Message `id` is sent, or there is nothing left to send.
    pub async fn outbox_done(&self, id: &str, now: i64) -> Result<(), StoreError> {
        self.run(
            "UPDATE outbox SET done_at = ?2 WHERE id = ?1 AND done_at IS NULL",
            &[js(id), num(now)],
        )
        .await?;
        Ok(())
    }
}
