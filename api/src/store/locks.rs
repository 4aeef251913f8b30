//! Lock rows: how a use case serialises an invariant that spans several rows.
//!
//! "One document verifies one live account", "at most `vote_limit` supports per participant in a
//! process", "one checked-out ballot per voter across a process's budgets": each is a count or a
//! check over several rows, and two concurrent requests under READ COMMITTED would each see the
//! state before the other and both go ahead. A use case that decides such a thing first takes
//! the [`Lock`] of its subject inside its transaction: the row is created on first use and read
//! `FOR UPDATE` (PostgreSQL), so the second request waits for the first to commit and then sees
//! what it wrote. On SQLite every write transaction already holds the database's write lock.
//!
//! A lock row holds nothing but its name and is never deleted. Taking a dedicated row, rather
//! than locking the subject's own row (the `users` row of an account), keeps unrelated writes to
//! that row (a profile change, a sign-in) from waiting behind a long decision.

use super::entities::locks;
use super::lock_or_create;
use plaza_domain::{ProcessId, UserId};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

/// What a lock serialises, one variant per invariant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    /// An account's census verification: which document it holds (one per account), checked and
    /// written one request at a time.
    Verification { user_id: UserId },
    /// A participant's part in a process: the proposals they hold (`proposal_limit`), the
    /// supports they give (`vote_limit`, `minimum_votes_per_user`) and their ballots in the
    /// process's budgets (one per budget, the workflow across budgets, a knapsack ballot within
    /// its total), counted and written one request at a time.
    Participation {
        user_id: UserId,
        process_id: ProcessId,
    },
    /// The demo's data: two `plaza seed --demo` at once (replicas starting together) create it
    /// once, the second finding what the first made.
    DemoSeed,
}

impl Lock {
    /// The row's name: the variant and its ids, so that two subjects never share a row.
    fn name(self) -> String {
        match self {
            Lock::Verification { user_id } => format!("verification:{user_id}"),
            Lock::Participation {
                user_id,
                process_id,
            } => format!("participation:{process_id}:{user_id}"),
            Lock::DemoSeed => "demo_seed".to_string(),
        }
    }
}

/// Takes `lock` until the end of the transaction `db` runs in (call it inside one).
///
/// A lock row is never deleted, so once a subject has used its lock the locking read alone
/// finds it: one statement, where creating the row first would cost two on every call.
pub async fn take(db: &impl ConnectionTrait, lock: Lock) -> Result<(), DbErr> {
    let name = lock.name();
    let find = locks::Entity::find_by_id(name.clone());
    if super::for_update(db, find.clone()).one(db).await?.is_some() {
        return Ok(());
    }
    lock_or_create(db, locks::Model { name }, find)
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn each_subject_has_its_own_row() {
        let a = UserId::from_uuid(Uuid::from_u128(1));
        let b = UserId::from_uuid(Uuid::from_u128(2));
        assert_ne!(
            Lock::Verification { user_id: a }.name(),
            Lock::Verification { user_id: b }.name()
        );
        assert_eq!(
            Lock::Verification { user_id: a }.name(),
            "verification:00000000-0000-0000-0000-000000000001"
        );
    }
}
