//! What an organization's admins see of the service's own work: the jobs that failed for good.
//!
//! A mail that could not be sent after every retry (an address the mail server refuses, a
//! server down for hours) is set aside by the worker as dead rather than retried forever; the
//! admins of its organization list them here, with the last error, to act on the cause.

use super::AppState;
use super::error::AppResult;
use super::paging::{Page, PageRequest, Position};
use super::tenancy::{Actor, Organization};
use crate::store;
use plaza_domain::accounts::{Permission, authorize};

pub use store::outbox::DeadJob;

/// The only order of the dead-job list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewestFirst;

impl NewestFirst {
    /// The name a cursor records.
    pub const NAME: &'static str = "newest";
}

/// A page of the organization's dead jobs, the newest first (admins only).
pub async fn dead_jobs(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    request: PageRequest<NewestFirst>,
) -> AppResult<Page<DeadJob>> {
    authorize(&actor.roles, Permission::ReadFailedJobs)?;
    let rows = store::outbox::dead_page(
        &state.db,
        organization.id,
        request.after.map(|position| position.id),
        request.limit + 1,
    )
    .await?;
    Ok(Page::from_rows(rows, request.limit, |job| Position {
        key: None,
        id: job.id,
    }))
}

/// How many jobs wait to run and how many are dead, across organizations (for `/metrics`).
pub async fn outbox_counts(state: &AppState) -> AppResult<(u64, u64)> {
    Ok(store::outbox::counts(&state.db).await?)
}
