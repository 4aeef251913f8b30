//! Connecting to the database, migrating it, and opening write transactions.
//!
//! The same code serves SQLite (the embedded default) and PostgreSQL. SQLite gets WAL journaling
//! (readers never wait for the writer) and write transactions that take the write lock at
//! `BEGIN` (`BEGIN IMMEDIATE`), so that two concurrent use cases queue on the busy timeout
//! ([`SQLITE_BUSY_TIMEOUT`]) instead of failing when both try to upgrade a read lock. A writer
//! that still finds the lock held after that wait, like a PostgreSQL deadlock or serialization
//! failure, is a transient refusal ([`is_busy`]): the client gets 503 `busy` with `Retry-After`,
//! never a 500.

use plaza_migrations::Migrator;
use plaza_migrations::sea_orm_migration::MigratorTrait;
use sea_orm::sqlx::sqlite::SqliteSynchronous;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// How long an SQLite writer waits for the write lock before giving up with `SQLITE_BUSY`.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The most connections a server opens to PostgreSQL unless `PLAZA_DB_MAX_CONNECTIONS` says
/// otherwise. Few: every connection beyond what the database's cores can run at once adds
/// switching and contention, not throughput. On this project's 2-core machines, 50 voters
/// checking out at once made 696–888 checkouts/s with a p99 of 156–227 ms through 20
/// connections, and 870–1,074/s with a p99 of 83–88 ms through 8, PostgreSQL spending 1.05–1.31
/// ms of CPU a checkout instead of 1.34–1.70 (docs/performance.md, three runs each). Requests
/// beyond the pool wait for a connection (up to the acquire timeout of 10 s). Several replicas
/// share the database's `max_connections` (100 by default).
pub const DEFAULT_MAX_CONNECTIONS: u32 = 8;

/// Opens a pool on `url` (`sqlite:...` or `postgres://...`) with the default size.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, DEFAULT_MAX_CONNECTIONS).await
}

/// Opens a pool on `url` of at most `max_connections` connections to PostgreSQL (SQLite: 8).
pub async fn connect_with(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        options
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|sqlite| {
                // Per connection (a PRAGMA run through the pool reaches only one of them). The
                // journal mode is the database file's, set once below: switching it takes a
                // lock that the busy timeout cannot wait for.
                sqlite
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .synchronous(SqliteSynchronous::Normal)
            });
    } else {
        options
            .max_connections(max_connections)
            .min_connections(max_connections.min(2));
    }
    let connection = Database::connect(options).await?;
    if connection.get_database_backend() == DbBackend::Sqlite {
        connection
            .execute_unprepared("PRAGMA journal_mode=WAL;")
            .await?;
    }
    Ok(connection)
}

/// Applies every pending migration.
///
/// On SQLite the whole run is one transaction, on one connection: the migrator would otherwise
/// send each statement to any pooled connection, and a connection that read the schema before
/// another one altered it parses the next `ALTER TABLE` against its stale copy ("no such
/// column"). SQLite's DDL is transactional, so a failed run also leaves nothing half-applied.
pub async fn migrate(connection: &DatabaseConnection) -> Result<(), DbErr> {
    if connection.get_database_backend() == DbBackend::Sqlite {
        let tx = connection.begin().await?;
        Migrator::up(&tx, None).await?;
        return tx.commit().await;
    }
    Migrator::up(connection, None).await
}

/// Rolls back the last `steps` migrations (`None`: all of them), on SQLite in one transaction
/// as [`migrate`] does.
pub async fn migrate_down(
    connection: &DatabaseConnection,
    steps: Option<u32>,
) -> Result<(), DbErr> {
    if connection.get_database_backend() == DbBackend::Sqlite {
        let tx = connection.begin().await?;
        Migrator::down(&tx, steps).await?;
        return tx.commit().await;
    }
    Migrator::down(connection, steps).await
}

/// How many migrations are applied.
pub async fn applied_migrations(connection: &DatabaseConnection) -> Result<usize, DbErr> {
    Ok(Migrator::get_applied_migrations(connection).await?.len())
}

/// Begins a transaction that will write: on SQLite it takes the write lock immediately.
pub async fn begin_write(connection: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    connection
        .begin_with_options(TransactionOptions {
            isolation_level: None,
            access_mode: None,
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        })
        .await
}

/// Whether `error` is a transient refusal that a retry may not meet: SQLite's write lock still
/// held after the busy timeout (`SQLITE_BUSY`, `SQLITE_LOCKED` and their extended codes), or a
/// PostgreSQL deadlock or serialization failure (SQLSTATE 40P01, 40001).
pub fn is_busy(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let (DbErr::Exec(RuntimeErr::SqlxError(inner))
    | DbErr::Query(RuntimeErr::SqlxError(inner))
    | DbErr::Conn(RuntimeErr::SqlxError(inner))) = error
    else {
        return false;
    };
    let sea_orm::sqlx::Error::Database(database) = inner.as_ref() else {
        return false;
    };
    let code = database.code().unwrap_or_default();
    match database.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>() {
        // The primary result code is the low byte of an extended one (517 = BUSY_SNAPSHOT).
        Some(_) => code
            .parse::<u32>()
            .is_ok_and(|code| matches!(code & 0xff, 5 | 6)),
        None => matches!(code.as_ref(), "40P01" | "40001"),
    }
}

/// Checks that the database answers.
pub async fn ping(connection: &DatabaseConnection) -> Result<(), DbErr> {
    connection.ping().await
}
