//! The outbox worker: runs the side effects that use cases committed (DESIGN §4 "jobs").
//!
//! Jobs are ids and template keys (`kinds.rs`); one handler per [`Job`] kind: `AccountMail`
//! renders a mail from the account as it is when it runs and sends it (`mail.rs`);
//! `PasswordResetRequested` decides, in its own transaction, whether the address has an account
//! and queues the reset mail (run twice after a crash, it mails a second link that voids the
//! first: harmless); `TallyBudget` computes a budget's results (run twice, it computes the same
//! results again).
//!
//! It claims one due job at a time in one statement (with a lease of its own, so that a
//! slow mail server cannot make a job outlive its lease and be sent again by another replica),
//! runs it outside any transaction, and marks it done, schedules a retry with exponential backoff
//! (capped at an hour), or, after [`MAX_ATTEMPTS`], sets it aside as dead (kept with its last
//! error; counted in `/metrics` and listed to admins at `GET /admin/jobs/dead`). A failed job is
//! rescheduled into the future, so the same pass goes on with the other due jobs. Jobs to one
//! recipient run in the order they were written (`store::outbox`). Every replica runs one
//! worker; PostgreSQL's `SKIP LOCKED` keeps them from taking the same job. The server wakes the
//! worker right after a commit that enqueued something and polls every few seconds as a safety
//! net. Tests call [`run_due_jobs`] directly instead of waiting.

mod kinds;
mod mail;

pub use kinds::{AccountMail, Job};

use crate::app::AppState;
use crate::store::outbox;
use plaza_domain::OrganizationId;
use std::sync::Arc;
use std::time::Duration;

/// How long a claimed job is reserved for its worker before another may retry it: far above
/// one job's run (a mail's send times out after 20 s).
const LEASE: time::Duration = time::Duration::minutes(5);
/// The longest wait between retries.
const MAX_BACKOFF_SECONDS: i64 = 3_600;
/// Attempts before a job is set aside as dead: about five hours of retries (2 s, 4 s, ... an
/// hour), enough to outlast a mail server's outage, and no retry loop that runs for days.
pub const MAX_ATTEMPTS: i32 = 15;
/// The most jobs one pass runs before it yields (the next wake-up or poll goes on).
const MAX_JOBS_PER_PASS: usize = 1_000;
/// How often the worker looks for due jobs when nobody wakes it.
pub const POLL_INTERVAL: Duration = Duration::from_secs(5);

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub done: usize,
    pub failed: usize,
    /// Jobs that failed their last allowed attempt in this pass.
    pub dead: usize,
}

/// Claims and runs the jobs that are due now, one at a time, until none is left.
pub async fn run_due_jobs(state: &AppState) -> Result<Pass, sea_orm::DbErr> {
    let mut pass = Pass::default();
    // Housekeeping rides each pass: answers kept for `Idempotency-Key` retries past their day.
    crate::store::idempotency::purge_expired(&state.db, state.now()).await?;
    while pass.done + pass.failed + pass.dead < MAX_JOBS_PER_PASS {
        let Some(job) = outbox::claim(&state.db, state.now(), LEASE).await? else {
            break;
        };
        let outcome = match serde_json::from_value::<Job>(job.payload) {
            Ok(decoded) => run_one(state, job.organization_id, &decoded).await,
            Err(unreadable) => Err(format!("unreadable job: {unreadable}")),
        };
        let now = state.now();
        match outcome {
            Ok(()) => {
                outbox::done(&state.db, job.id, now).await?;
                pass.done += 1;
            }
            Err(error) if job.attempts >= MAX_ATTEMPTS => {
                tracing::error!(job = %job.id, attempts = job.attempts, %error, "outbox job failed its last attempt; set aside as dead");
                outbox::dead(&state.db, job.id, &error, now).await?;
                pass.dead += 1;
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
    Ok(pass)
}

/// Runs one job: its kind's handler.
async fn run_one(
    state: &AppState,
    organization_id: Option<OrganizationId>,
    job: &Job,
) -> Result<(), String> {
    match job {
        Job::AccountMail { user_id, mail } => {
            let organization_id =
                organization_id.ok_or("an account's mail without its organization")?;
            mail::send_to_account(state, organization_id, *user_id, mail).await
        }
        Job::PasswordResetRequested {
            organization_id,
            email,
        } => crate::app::accounts::send_password_reset(state, *organization_id, email)
            .await
            .map_err(|e| e.to_string()),
        Job::RenderedMail(mail) => state.mailer.send(mail).await.map_err(|e| e.to_string()),
        Job::TallyBudget { budget_id } => {
            let organization_id = organization_id.ok_or("a tally without its organization")?;
            crate::app::results::compute(state, organization_id, *budget_id)
                .await
                .map_err(|e| e.to_string())
        }
    }
}

/// The statement that queues `job` for `organization_id`, to write inside the caller's
/// transaction: the job runs once it commits.
pub fn enqueue(
    organization_id: Option<OrganizationId>,
    job: &Job,
    now: time::OffsetDateTime,
) -> Result<sea_orm::sea_query::InsertStatement, sea_orm::DbErr> {
    let payload = serde_json::to_value(job)
        .map_err(|e| sea_orm::DbErr::Custom(format!("outbox payload: {e}")))?;
    let row = outbox::NewJob {
        organization_id,
        topic: job.topic(),
        payload,
        ordering_key: job.ordering_key(),
    };
    Ok(outbox::enqueue(row, now))
}

/// Erases the organization's pending jobs for an account being deleted (its mails, its reset
/// requests, mail queued to its address by an earlier version): their content holds its
/// address or live links. The handlers would skip a deleted account anyway; this leaves nothing
/// of it in the outbox.
pub async fn forget_account(
    db: &impl sea_orm::ConnectionTrait,
    organization_id: OrganizationId,
    user_id: plaza_domain::UserId,
    address: &str,
    now: time::OffsetDateTime,
) -> Result<(), sea_orm::DbErr> {
    outbox::erase_pending(
        db,
        organization_id,
        now,
        |payload| match serde_json::from_value::<Job>(payload.clone()) {
            Ok(Job::AccountMail { user_id: to, .. }) => to == user_id,
            Ok(Job::PasswordResetRequested { email, .. }) => email == address,
            Ok(Job::RenderedMail(mail)) => mail.to == address,
            Ok(Job::TallyBudget { .. }) | Err(_) => false,
        },
    )
    .await
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
