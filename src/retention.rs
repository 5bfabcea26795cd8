//! How long what expires is kept: the scheduled purge (a Cron Trigger) deletes rows past these
//! instants, in bounded batches, so that expired secrets do not pile up in D1.

use crate::session::LoginThrottle;

/// How long a finished invitation (accepted, revoked, or expired) stays listed for its admins.
pub const INVITATION_RETENTION_MS: i64 = 30 * 24 * 3600 * 1000;

/// How long a message that left (or had nothing left to send) stays in the outbox: long enough to
/// answer "was it sent?" for a week, no longer (it holds a sealed link).
pub const OUTBOX_RETENTION_MS: i64 = 7 * 24 * 3600 * 1000;

/// How long an event and its delivery log stay readable (by then every delivery is settled:
/// retries stop at a day apart and an endpoint failing for 3 days is disabled).
pub const EVENT_RETENTION_MS: i64 = 30 * 24 * 3600 * 1000;

/// Most rows one purge statement deletes (a Worker's CPU and D1's write lock stay short).
pub const PURGE_BATCH: u32 = 500;

/// The instants before which each kind of row is gone, at `now` (ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurgeCutoffs {
    /// Sessions whose `expires_at` is before this.
    pub sessions: i64,
    /// Sign-in challenges (the second step, passkey ceremonies) expired before this.
    pub challenges: i64,
    /// Reset links expired before this.
    pub resets: i64,
    /// Throttle counters whose window started before this: no brake reads them any more.
    pub throttles: i64,
    /// Invitations whose link died before this.
    pub invitations: i64,
    /// Outbox messages done (sent, or nothing left to send) before this.
    pub outbox: i64,
    /// Events (with their deliveries and attempts) published before this.
    pub events: i64,
}

/// What the purge may delete at `now`: anything already dead, throttle counters past the longest
/// brake's window, invitations a retention after their link died.
pub fn purge_cutoffs(now: i64) -> PurgeCutoffs {
    let longest_window = LoginThrottle::PER_EMAIL
        .window_ms
        .max(LoginThrottle::PER_CLIENT.window_ms);
    PurgeCutoffs {
        sessions: now,
        challenges: now,
        resets: now,
        throttles: now.saturating_sub(longest_window),
        invitations: now.saturating_sub(INVITATION_RETENTION_MS),
        outbox: now.saturating_sub(OUTBOX_RETENTION_MS),
        events: now.saturating_sub(EVENT_RETENTION_MS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dead_go_now_counters_after_their_window_invitations_after_a_retention() {
        let now = 1_800_000_000_000;
        let cut = purge_cutoffs(now);
        assert_eq!((cut.sessions, cut.challenges, cut.resets), (now, now, now));
        assert_eq!(cut.throttles, now - 15 * 60 * 1000);
        assert_eq!(cut.invitations, now - 30 * 24 * 3600 * 1000);
        assert_eq!(cut.outbox, now - 7 * 24 * 3600 * 1000);
        // A counter still inside a brake's window is kept: the brake reads it.
        let brake = LoginThrottle::PER_CLIENT;
        assert!(now - brake.window_ms + 1 > cut.throttles);
        assert_eq!(purge_cutoffs(0).throttles, -15 * 60 * 1000);
    }
}
