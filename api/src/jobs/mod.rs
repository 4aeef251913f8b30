//! The outbox worker: runs the side effects that use cases committed (DESIGN §4 "jobs").
//!
//! One handler per [`Job`] kind: `Mail` sends a rendered mail; `PasswordResetRequested` decides,
//! in its own transaction, whether the address has an account and queues the reset mail (run
//! twice after a crash, it mails a second link that voids the first: harmless).
//!
//! It claims due jobs in a short transaction, runs each one outside any transaction, and marks
//! it done or schedules a retry with exponential backoff (capped at an hour, never dropped).
//! Every replica runs one; PostgreSQL's `SKIP LOCKED` keeps them from taking the same job. The
//! server wakes the worker right after a commit that enqueued something and polls every few
//! seconds as a safety net. Tests call [`run_due_jobs`] directly instead of waiting.

use crate::app::AppState;
use crate::db;
use crate::store::outbox::{self, Job};
use std::sync::Arc;
use std::time::Duration;

/// How many jobs one claim takes.
const BATCH: u64 = 20;
/// How long a claimed job is reserved for its worker before another may retry it.
const LEASE: time::Duration = time::Duration::minutes(5);
/// The longest wait between retries.
const MAX_BACKOFF_SECONDS: i64 = 3_600;
/// How often the worker looks for due jobs when nobody wakes it.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub done: usize,
    pub failed: usize,
}

/// Claims and runs the jobs that are due now, until none is left (or a whole batch failed).
pub async fn run_due_jobs(state: &AppState) -> Result<Pass, sea_orm::DbErr> {
    let mut total = Pass::default();
    // Housekeeping rides each pass: answers kept for `Idempotency-Key` retries past their day.
    crate::store::idempotency::purge_expired(&state.db, state.now()).await?;
    loop {
        let now = state.now();
        let tx = db::begin_write(&state.db).await?;
        let claimed = outbox::claim(&tx, now, LEASE, BATCH).await?;
        tx.commit().await?;
        if claimed.is_empty() {
            return Ok(total);
        }
        let mut pass = Pass::default();
        for job in claimed {
            let outcome = match &job.job {
                Ok(Job::Mail(mail)) => state.mailer.send(mail).await.map_err(|e| e.to_string()),
                Ok(Job::PasswordResetRequested {
                    organization_id,
                    email,
                }) => crate::app::accounts::send_password_reset(state, *organization_id, email)
                    .await
                    .map_err(|e| e.to_string()),
                Err(unreadable) => Err(format!("unreadable job: {unreadable}")),
            };
            let now = state.now();
            match outcome {
                Ok(()) => {
                    outbox::done(&state.db, job.id, now).await?;
                    pass.done += 1;
                }
                Err(error) => {
                    let backoff = (1_i64 << job.attempts.clamp(0, 12)).min(MAX_BACKOFF_SECONDS);
                    tracing::warn!(job = %job.id, attempts = job.attempts, retry_in_s = backoff, %error, "outbox job failed");
                    outbox::reschedule(
                        &state.db,
                        job.id,
                        &error,
                        now + time::Duration::seconds(backoff),
                    )
                    .await?;
                    pass.failed += 1;
                }
            }
        }
        total.done += pass.done;
        total.failed += pass.failed;
        if pass.done == 0 {
            return Ok(total);
        }
    }
}

/// Runs the worker until `shutdown` resolves.
pub async fn run(state: Arc<AppState>, shutdown: impl std::future::Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        if let Err(error) = run_due_jobs(&state).await {
            tracing::error!(%error, "outbox worker could not reach the database");
        }
        tokio::select! {
            () = &mut shutdown => return,
            () = state.outbox_wakeup.notified() => {}
            () = tokio::time::sleep(POLL_INTERVAL) => {}
        }
    }
}
