//! A ballot's row is updated in place on voting day (issue 8): no index holds a column that a
//! choice or a checkout changes, and on PostgreSQL each page of `ballots` keeps room for the
//! row's next versions.
//!
//! A resident's ballot row changes with each choice (`updated_at`) and at checkout (`status`,
//! `cast_at`, the receipt's seal). `ix_ballots_budget_status` held `status`, so every checkout
//! wrote a new entry into each of the table's five indexes. The one reader it served, the tally's
//! "cast ballots of this budget", finds them as well through `ux_ballots_budget_voter`, whose
//! first column is the budget: the index goes. With no indexed column changed, PostgreSQL writes
//! the new version beside the old one on the same page and touches no index (a heap-only
//! update), as long as the page has room: `fillfactor = 80` leaves a fifth of each page for that
//! (PostgreSQL only; SQLite rewrites the row in its b-tree either way).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_ballots_budget_status")
                    .table(Ballots::Table)
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE ballots SET (fillfactor = 80)")
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE ballots RESET (fillfactor)")
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_ballots_budget_status")
                    .table(Ballots::Table)
                    .col(Ballots::BudgetId)
                    .col(Ballots::Status)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Ballots {
    Table,
    BudgetId,
    Status,
}
