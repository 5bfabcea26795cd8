//! The scheduled purge's deletes: rows past their life (the core's `purge_cutoffs`), a bounded
//! batch per statement.

use super::StoreError;
use super::{num, Store};

/// What the purge deletes, and the column that says a row is past its life.
#[derive(Debug, Clone, Copy)]
pub enum Purge {
    Sessions,
    Challenges,
    Resets,
    Throttles,
    Invitations,
    Outbox,
    Events,
}

impl Purge {
    pub const ALL: [Purge; 7] = [
        Purge::Sessions,
        Purge::Challenges,
        Purge::Resets,
        Purge::Throttles,
        Purge::Invitations,
        Purge::Outbox,
        Purge::Events,
    ];

    fn table_and_column(self) -> (&'static str, &'static str) {
        match self {
            Purge::Sessions => ("sessions", "expires_at"),
            Purge::Challenges => ("sign_in_challenges", "expires_at"),
            Purge::Resets => ("password_resets", "expires_at"),
            Purge::Throttles => ("login_failures", "window_start"),
            Purge::Invitations => ("invitations", "expires_at"),
            Purge::Outbox => ("outbox", "done_at"),
            Purge::Events => ("events", "created_at"),
        }
    }

    pub fn table(self) -> &'static str {
        self.table_and_column().0
    }
}

impl Store {
    /// Deletes at most `batch` rows of one kind whose time is before `cutoff`; how many it did.
    pub async fn purge(&self, kind: Purge, cutoff: i64, batch: u32) -> Result<usize, StoreError> {
        let (table, column) = kind.table_and_column();
        self.run(
            &format!(
                "DELETE FROM {table} WHERE rowid IN \
                 (SELECT rowid FROM {table} WHERE {column} < ?1 LIMIT ?2)"
            ),
            &[num(cutoff), num(i64::from(batch))],
        )
        .await
    }
}
