//! Use cases: load state, authorize, ask a domain rule, persist the outcome with its side effects
//! (outbox) and audit entry in one transaction.
//!
//! Functions here take the [`AppState`], the tenant, the actor where there is one, and typed
//! input; they return typed output or an [`AppError`](error::AppError). They know nothing of HTTP
//! and are called by the handlers in `http` and by the CLI.

pub mod accounts;
pub mod answers;
pub mod ballots;
pub mod budgets;
pub mod catalog;
pub mod categories;
pub mod census;
pub mod comments;
pub mod debates;
mod demo_budgets;
mod demo_proposals;
pub mod error;
pub mod idempotency;
pub mod moderation;
pub mod notifications;
pub mod operations;
pub mod paging;
pub mod projects;
pub mod proposals;
pub mod results;
pub mod seed;
pub mod supports;
pub mod tenancy;
pub mod unit;

use crate::auth::Keys;
use crate::clock::Clock;
use crate::config::Settings;
use crate::mail::Mailer;
use crate::metrics::Metrics;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tokio::sync::Notify;

/// Everything a use case needs, built once at start and shared by every request.
pub struct AppState {
    pub db: DatabaseConnection,
    pub keys: Keys,
    /// Password hashing, bounded in how many hashes run at once.
    pub hasher: crate::auth::passwords::Hasher,
    /// Per-client and per-account rate limits.
    pub limits: crate::limits::Limits,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub mailer: Mailer,
    pub metrics: Arc<Metrics>,
    /// Wakes the outbox worker after a commit that enqueued work.
    pub outbox_wakeup: Arc<Notify>,
    /// The organizations found by their hosts in the last second.
    pub hosts: Arc<tenancy::Hosts>,
}

impl AppState {
    /// The current time, from the one clock.
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    /// Tells the outbox worker that new work was committed.
    pub fn wake_outbox(&self) {
        self.outbox_wakeup.notify_one();
    }
}
