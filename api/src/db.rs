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

/// Opens a pool on `url` (`sqlite:...` or `postgres://...`).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
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
        options.max_connections(20).min_connections(2);
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
