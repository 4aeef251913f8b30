//! Storage: sea-orm entities and the queries each use case needs, per aggregate.
//!
//! Functions take any connection (`&impl ConnectionTrait`), so a use case runs them all inside
//! its one transaction. They return rows or plain values; rules live in `plaza-domain`, and the
//! mapping from a unique-index violation to a product error lives here, by index name.

pub mod audit;
pub mod census;
pub mod entities;
pub mod orgs;
pub mod outbox;
pub mod users;

use sea_orm::{DbErr, SqlErr};

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

/// Converts stored JSON translations into a map.
pub fn translations(value: &serde_json::Value) -> std::collections::BTreeMap<String, String> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}
