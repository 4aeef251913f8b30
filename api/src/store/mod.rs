//! Storage: sea-orm entities and the queries each use case needs, per aggregate.
//!
//! Functions take any connection (`&impl ConnectionTrait`), so a use case runs them all inside
//! its one transaction. They return rows or plain values; rules live in `plaza-domain`, and the
//! mapping from a unique-index violation to a product error lives here, by index name.

pub mod audit;
pub mod ballots;
pub mod budgets;
pub mod census;
pub mod comments;
pub mod debates;
pub mod deferred;
pub mod entities;
pub mod idempotency;
pub mod locks;
pub mod notifications;
pub mod orgs;
pub mod outbox;
pub mod paging;
pub mod proposals;
pub mod users;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    IntoActiveModel, QuerySelect, Select, SqlErr,
};

/// Locks the rows `query` reads for the rest of the transaction on PostgreSQL (`FOR UPDATE`).
/// SQLite needs nothing: Plaza's write transactions take its write lock at `BEGIN`.
pub fn for_update<E: EntityTrait>(db: &impl ConnectionTrait, query: Select<E>) -> Select<E> {
    if db.get_database_backend() == DbBackend::Postgres {
        query.lock_exclusive()
    } else {
        query
    }
}

/// Creates the counter row `empty` unless its key exists, then reads it with `find` (the same
/// key), locked: a read-count-write under this lock counts concurrent requests one after the
/// other, and two first requests cannot both insert.
///
/// A concurrent transaction may delete the row between the insert (which found it there) and the
/// locking read (a successful sign-in clears its throttle): the read then finds nothing, and the
/// insert is tried again, so that the caller always holds the lock of a row that exists. (Falling
/// back to the unsaved `empty` row, as this once did, made the caller's later update fail: a 500
/// seen once in 50 runs of a PostgreSQL race test.)
pub async fn lock_or_create<E, A>(
    db: &impl ConnectionTrait,
    empty: E::Model,
    find: Select<E>,
) -> Result<E::Model, DbErr>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<A> + Clone,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    const ATTEMPTS: usize = 5;
    for _ in 0..ATTEMPTS {
        E::insert(empty.clone().into_active_model())
            .on_conflict_do_nothing()
            .exec_without_returning(db)
            .await?;
        if let Some(row) = for_update(db, find.clone()).one(db).await? {
            return Ok(row);
        }
    }
    Err(DbErr::Custom(format!(
        "a counter row vanished {ATTEMPTS} times between its insert and its lock"
    )))
}

/// Writes every column of a row read with [`lock_or_create`].
pub async fn save_locked<E, A>(db: &impl ConnectionTrait, row: E::Model) -> Result<(), DbErr>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<A>,
    A: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    row.into_active_model()
        .reset_all()
        .update(db)
        .await
        .map(|_| ())
}

/// A unique index the product relies on, named as in the migrations, with the columns SQLite
/// reports instead of the name (`UNIQUE constraint failed: users.organization_id, users.email`).
pub struct UniqueIndex {
    pub name: &'static str,
    pub table: &'static str,
    pub columns: &'static [&'static str],
}

impl UniqueIndex {
    /// Whether `error` is a violation of this index.
    pub fn violated_by(&self, error: &DbErr) -> bool {
        let Some(SqlErr::UniqueConstraintViolation(message)) = error.sql_err() else {
            return false;
        };
        if message.contains(self.name) {
            return true;
        }
        let sqlite_columns = self
            .columns
            .iter()
            .map(|column| format!("{}.{column}", self.table))
            .collect::<Vec<_>>()
            .join(", ");
        message.contains(&format!("UNIQUE constraint failed: {sqlite_columns}"))
    }
}

/// A counter as stored (an `i32` column) as the count a rule reads. A negative value is not a
/// count the server wrote: the request fails rather than reading it as 0, so that a damaged
/// security counter (failed sign-ins, verification attempts) fails closed, never open.
pub fn stored_count(value: i32, what: &str) -> Result<u32, DbErr> {
    u32::try_from(value).map_err(|_| DbErr::Custom(format!("unreadable {what}: {value}")))
}
