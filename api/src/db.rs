//! Connecting to the database, migrating it, and opening write transactions.
//!
//! The same code serves SQLite (the embedded default) and PostgreSQL. SQLite gets WAL journaling
//! (readers never wait for the writer) and write transactions that take the write lock at
//! `BEGIN` (`BEGIN IMMEDIATE`), so that two concurrent use cases queue on the busy timeout
//! instead of failing when both try to upgrade a read lock.

use plaza_migrations::Migrator;
use plaza_migrations::sea_orm_migration::MigratorTrait;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// Opens a pool on `url` (`sqlite:...` or `postgres://...`).
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_string());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        options.max_connections(8).min_connections(1);
    } else {
        options.max_connections(20).min_connections(2);
    }
    let connection = Database::connect(options).await?;
    if connection.get_database_backend() == DbBackend::Sqlite {
        connection
            .execute_unprepared("PRAGMA journal_mode=WAL;")
            .await?;
        connection
            .execute_unprepared("PRAGMA synchronous=NORMAL;")
            .await?;
    }
    Ok(connection)
}

/// Applies every pending migration.
pub async fn migrate(connection: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(connection, None).await
}

/// Rolls back the last `steps` migrations (`None`: all of them).
pub async fn migrate_down(
    connection: &DatabaseConnection,
    steps: Option<u32>,
) -> Result<(), DbErr> {
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

/// Checks that the database answers.
pub async fn ping(connection: &DatabaseConnection) -> Result<(), DbErr> {
    connection.ping().await
}
