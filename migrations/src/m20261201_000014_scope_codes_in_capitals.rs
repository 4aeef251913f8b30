//! Scope codes are compared without regard to case and kept in capitals (`b31` is `B31`), so
//! that the unique index on (organization, code) also refuses codes differing only in case.
//! Codes written before are put in capitals; if two of one organization differ only in case the
//! upgrade stops and names them, for an operator to rename one first.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = db.get_database_backend();
        let clashes = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT UPPER(code) AS code FROM scopes GROUP BY organization_id, UPPER(code) \
                 HAVING COUNT(*) > 1",
            ))
            .await?;
        if !clashes.is_empty() {
            let codes: Vec<String> = clashes
                .iter()
                .filter_map(|row| row.try_get::<String>("", "code").ok())
                .collect();
            return Err(DbErr::Migration(format!(
                "scope codes that differ only in case exist ({}); rename one of each pair, then \
                 migrate again",
                codes.join(", ")
            )));
        }
        db.execute_unprepared("UPDATE scopes SET code = UPPER(code) WHERE code <> UPPER(code)")
            .await?;
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // The former case of each code is not kept; codes in capitals are valid before too.
        Ok(())
    }
}
