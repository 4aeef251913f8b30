//! One unit of work per use case: a write transaction, its side effects and its audit entries,
//! committed together.
//!
//! A use case that changes state opens a [`UnitOfWork`], reads and writes through
//! [`UnitOfWork::db`], queues side effects with [`UnitOfWork::enqueue`] (outbox rows, sent by the
//! worker only once the transaction commits) and records civil servants' actions with
//! [`UnitOfWork::audit`] ([`AuditAction`] is the closed list of what the audit log holds). Then
//! [`UnitOfWork::commit`] commits all of it at once and wakes the worker if something was
//! queued.
//!
//! Jobs and audit entries are written at the commit, with the writes a use case hands to
//! [`UnitOfWork::defer`] (a row it updates and does not touch again): one round trip to
//! PostgreSQL for all of them (`store::deferred`). Nothing in the unit reads, updates or deletes
//! them after deferring them.
//!
//! Dropping a unit without committing (an early `?`) rolls everything back: no mail for work
//! that did not happen, no audit entry for a change that was not made.

use super::AppState;
use super::error::AppResult;
use super::notifications::Notice;
use super::tenancy::Organization;
use crate::db;
use crate::jobs::{self, Job};
use crate::store;
use plaza_domain::UserId;
use sea_orm::DatabaseTransaction;
use std::sync::Mutex;
use store::deferred::Write;
use time::OffsetDateTime;

/// Everything the audit log records, each with the kind of thing it acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    ScopeCreate,
    ScopeUpdate,
    ProcessCreate,
    CategoryCreate,
    CategoryUpdate,
    ProcessUpdate,
    BudgetCreate,
    BudgetUpdate,
    BudgetTally,
    BudgetResultsPublish,
    ProjectCreate,
    ProjectUpdate,
    BallotCheckout,
    BallotCancel,
    ProposalAnswer,
    ProposalAnswerPublish,
    DebateClose,
    CensusImport,
    UserBlock,
    UserUnblock,
    UserDelete,
    UserRolesUpdate,
    AdminCreate,
}

impl AuditAction {
    /// The name stored in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::ScopeCreate => "scope.create",
            AuditAction::ScopeUpdate => "scope.update",
            AuditAction::ProcessCreate => "process.create",
            AuditAction::ProcessUpdate => "process.update",
            AuditAction::CategoryCreate => "category.create",
            AuditAction::CategoryUpdate => "category.update",
            AuditAction::BudgetCreate => "budget.create",
            AuditAction::BudgetUpdate => "budget.update",
            AuditAction::BudgetTally => "budget.tally",
            AuditAction::BudgetResultsPublish => "budget.results.publish",
            AuditAction::ProjectCreate => "project.create",
            AuditAction::ProjectUpdate => "project.update",
            AuditAction::BallotCheckout => "ballot.checkout",
            AuditAction::BallotCancel => "ballot.cancel",
            AuditAction::ProposalAnswer => "proposal.answer",
            AuditAction::ProposalAnswerPublish => "proposal.answer.publish",
            AuditAction::DebateClose => "debate.close",
            AuditAction::CensusImport => "census.import",
            AuditAction::UserBlock => "user.block",
            AuditAction::UserUnblock => "user.unblock",
            AuditAction::UserDelete => "user.delete",
            AuditAction::UserRolesUpdate => "user.roles.update",
            AuditAction::AdminCreate => "admin.create",
        }
    }

    /// The kind of thing the action acts on (the audit log's `target_kind`).
    pub fn target_kind(self) -> &'static str {
        match self {
            AuditAction::ScopeCreate | AuditAction::ScopeUpdate => "scope",
            AuditAction::ProcessCreate | AuditAction::ProcessUpdate => "process",
            AuditAction::CategoryCreate | AuditAction::CategoryUpdate => "category",
            AuditAction::BudgetCreate
            | AuditAction::BudgetUpdate
            | AuditAction::BudgetTally
            | AuditAction::BudgetResultsPublish => "budget",
            AuditAction::ProjectCreate | AuditAction::ProjectUpdate => "project",
            AuditAction::BallotCheckout | AuditAction::BallotCancel => "ballot",
            AuditAction::ProposalAnswer | AuditAction::ProposalAnswerPublish => "proposal",
            AuditAction::DebateClose => "debate",
            AuditAction::CensusImport => "census",
            AuditAction::UserBlock
            | AuditAction::UserUnblock
            | AuditAction::UserDelete
            | AuditAction::UserRolesUpdate
            | AuditAction::AdminCreate => "user",
        }
    }
}

/// A use case's transaction with its side effects and audit entries.
pub struct UnitOfWork<'a> {
    state: &'a AppState,
    tx: DatabaseTransaction,
    organization: Organization,
    /// Who acts, for the audit log (`None`: an operator at the command line, or the system).
    actor_id: Option<UserId>,
    now: OffsetDateTime,
    enqueued: bool,
    /// Written at the commit, in order (a lock: `audit` takes `&self`, and a unit moves
    /// between threads with its future).
    deferred: Mutex<Vec<Write>>,
}

impl<'a> UnitOfWork<'a> {
    /// Opens a write transaction (on SQLite it takes the write lock at once) for a use case of
    /// `organization`, acted by `actor_id`, at the clock's current time.
    pub async fn begin(
        state: &'a AppState,
        organization: &Organization,
        actor_id: Option<UserId>,
    ) -> AppResult<UnitOfWork<'a>> {
        Ok(UnitOfWork {
            state,
            tx: db::begin_write(&state.db).await?,
            organization: organization.clone(),
            actor_id,
            now: state.now(),
            enqueued: false,
            deferred: Mutex::new(Vec::new()),
        })
    }

    /// The transaction: every read and write of the use case goes through it.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.tx
    }

    /// The use case's time (read once, when the unit began).
    pub fn now(&self) -> OffsetDateTime {
        self.now
    }

    /// Queues `job`, to run once the unit commits.
    pub async fn enqueue(&mut self, job: Job) -> AppResult<()> {
        let insert = jobs::enqueue(Some(self.organization.id), &job, self.now)?;
        self.defer(insert);
        self.enqueued = true;
        Ok(())
    }

    /// Writes `write` when the unit commits, with the other deferred writes: a new row, or a
    /// row no other deferred write touches, which nothing in the unit reads, updates or deletes
    /// afterwards.
    pub fn defer(&self, write: impl Into<Write>) {
        self.deferred
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(write.into());
    }

    /// Tells `recipient` of `notice` once the unit commits (a row of their notifications).
    pub async fn notify(&self, recipient: UserId, notice: &Notice) -> AppResult<()> {
        store::notifications::insert(
            &self.tx,
            notice.row(&self.organization, recipient, self.now),
        )
        .await?;
        Ok(())
    }

    /// Records `action` on `target` (its id), with the state before and after.
    pub async fn audit(
        &self,
        action: AuditAction,
        target: impl ToString,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> AppResult<()> {
        self.defer(store::audit::insert(
            store::audit::AuditEntry {
                organization_id: self.organization.id,
                actor_id: self.actor_id,
                action: action.as_str(),
                target_kind: action.target_kind(),
                target_id: target.to_string(),
                before,
                after,
            },
            self.now,
        ));
        Ok(())
    }

    /// Commits the transaction, then wakes the outbox worker if a job was queued.
    pub async fn commit(self) -> AppResult<()> {
        let deferred = self
            .deferred
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        store::deferred::send(&self.tx, deferred).await?;
        self.tx.commit().await?;
        if self.enqueued {
            self.state.wake_outbox();
        }
        Ok(())
    }
}
