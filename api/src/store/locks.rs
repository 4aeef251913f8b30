//! Locks: how a use case serialises an invariant that spans several rows.
//!
//! "One document verifies one live account", "at most `vote_limit` supports per participant in a
//! process", "one checked-out ballot per voter across a process's budgets": each is a count or a
//! check over several rows, and two concurrent requests under READ COMMITTED would each see the
//! state before the other and both go ahead. A use case that decides such a thing first takes
//! the [`Lock`] of its subject inside its transaction, so that the second request waits for the
//! first to commit and then, in its next statement, sees what it wrote.
//!
//! On PostgreSQL a lock is a transaction-scoped advisory lock (`pg_advisory_xact_lock`) on a
//! 64-bit key derived from the lock's name ([`Lock::key`]): one statement, on first use as on any
//! other, released at commit or rollback, seen by PostgreSQL's deadlock detector. Two names that
//! shared a key (about one chance in 10¹⁹ for two given names) would only make their requests
//! wait for each other. On SQLite every write transaction already holds the database's write
//! lock from its `BEGIN IMMEDIATE` (`db::begin_write`), so taking a lock there does nothing.
//!
//! Locking a key of its own, rather than the subject's row (the `users` row of an account),
//! keeps unrelated writes to that row (a profile change, a sign-in) from waiting behind a long
//! decision.
//!
//! (Earlier versions locked a row of the `locks` table, created on first use; the table stays,
//! unused, for the databases that hold it.)

use plaza_domain::{ProcessId, UserId};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use sha2::{Digest, Sha256};

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
    /// The lock's name: the variant and its ids, so that two subjects never share a lock.
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

    /// The key of the lock's PostgreSQL advisory lock: the first eight bytes of the SHA-256 of
    /// its name.
    pub fn key(self) -> i64 {
        let digest = Sha256::digest(self.name().as_bytes());
        let mut first = [0_u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    }
}

/// Takes `lock` until the end of the transaction `db` runs in (call it inside one): one
/// statement on PostgreSQL, nothing on SQLite (see the module documentation).
pub async fn take(db: &impl ConnectionTrait, lock: Lock) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT pg_advisory_xact_lock($1)::text",
        [lock.key().into()],
    ))
    .await
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn each_subject_has_its_own_lock() {
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
        assert_ne!(
            Lock::Verification { user_id: a }.key(),
            Lock::Verification { user_id: b }.key()
        );
        let process = ProcessId::from_uuid(Uuid::from_u128(3));
        assert_ne!(
            Lock::Participation {
                user_id: a,
                process_id: process
            }
            .key(),
            Lock::Verification { user_id: a }.key()
        );
    }

    #[test]
    fn a_key_is_the_same_on_every_server() {
        // Replicas must agree on the key of a name, whatever their build: the SHA-256 of the
        // name, not a hasher seeded per process.
        assert_eq!(Lock::DemoSeed.key(), Lock::DemoSeed.key());
        let digest = Sha256::digest(b"demo_seed");
        assert_eq!(Lock::DemoSeed.key().to_be_bytes().as_slice(), &digest[..8]);
    }
}
