//! The scheduled purge (Cron Trigger, `[triggers]` in wrangler.toml): sessions, sign-in
//! challenges and reset links past their expiry, throttle counters past every brake's window,
//! invitations a retention after their link died. Each kind in batches of `PURGE_BATCH`, at most
//! `ROUNDS` a run, so one run stays short whatever piled up; the next run takes the rest.

use crate::store::{Purge, Store};
use livechat_access::{purge_cutoffs, PURGE_BATCH};
use worker::Env;

const ROUNDS: usize = 20;

/// One run at `now`; logs what it deleted.
pub async fn run(env: &Env, now: i64) -> Result<(), crate::http::ApiError> {
    let store = Store::open(env)?;
    let cut = purge_cutoffs(now);
    for kind in Purge::ALL {
        let cutoff = match kind {
            Purge::Sessions => cut.sessions,
            Purge::Challenges => cut.challenges,
            Purge::Resets => cut.resets,
            Purge::Throttles => cut.throttles,
            Purge::Invitations => cut.invitations,
            Purge::Outbox => cut.outbox,
            Purge::Events => cut.events,
        };
        let mut deleted = 0;
        for _ in 0..ROUNDS {
            let n = store.purge(kind, cutoff, PURGE_BATCH).await?;
            deleted += n;
            if n < PURGE_BATCH as usize {
                break;
            }
        }
        if deleted > 0 {
            worker::console_log!("purge: {deleted} rows of {}", kind.table());
        }
    }
    Ok(())
}
