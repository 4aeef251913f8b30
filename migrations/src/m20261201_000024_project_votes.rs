//! `projects.votes_count`: how many cast ballots choose each project, for the budgets whose
//! counts may be read (DESIGN §2.5, issue 8).
//!
//! Kept up to date by checkout and cancellation only where the budget shows counts during
//! voting (and recounted when an admin turns that on or off), and set from the results when they
//! are published; elsewhere it stays 0 and is never shown, so that the default, secret budgets
//! take no hot counter rows on voting day. It orders the `most_voted` project list.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .add_column(big_integer(Projects::VotesCount).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_projects_budget_votes")
                    .table(Projects::Table)
                    .col(Projects::BudgetId)
                    .col(Projects::VotesCount)
                    .col(Projects::Id)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_projects_budget_votes")
                    .table(Projects::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .drop_column(Projects::VotesCount)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    BudgetId,
    VotesCount,
    Id,
}
