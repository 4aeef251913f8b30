//! `budget_results`: one row per tallied budget (DESIGN §2.5, issue 8).
//!
//! `stage` is `computing` from the admin's request until the worker's tally finishes, then
//! `computed` (or `failed`, with `error`), and `published` once an admin publishes it. A
//! computed row keeps the rule and tie-breaking it ran, the number of cast ballots it read, the
//! SHA-256 of the exact Pabulib text it computed on (`inputs_sha256`), the outcome as JSON
//! (`outcome`: every project's votes, score and place in the selection order), how long it took,
//! and the published file (`export_pb`: that text with each project's `votes` and `selected`),
//! which is what `GET /budgets/{id}/export.pb` serves once published.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BudgetResults::Table)
                    .col(uuid(BudgetResults::BudgetId).primary_key())
                    .col(uuid(BudgetResults::OrganizationId))
                    .col(string_len(BudgetResults::Stage, 16))
                    .col(timestamp_with_time_zone(BudgetResults::RequestedAt))
                    .col(timestamp_with_time_zone_null(BudgetResults::ComputedAt))
                    .col(timestamp_with_time_zone_null(BudgetResults::PublishedAt))
                    .col(string_len_null(BudgetResults::Rule, 128))
                    .col(string_len_null(BudgetResults::TieBreaking, 32))
                    .col(big_integer_null(BudgetResults::Ballots))
                    .col(string_len_null(BudgetResults::InputsSha256, 64))
                    .col(json_null(BudgetResults::Outcome))
                    .col(text_null(BudgetResults::ExportPb))
                    .col(big_integer_null(BudgetResults::DurationMs))
                    .col(text_null(BudgetResults::Error))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_budget_results_budget")
                            .from(BudgetResults::Table, BudgetResults::BudgetId)
                            .to(Budgets::Table, Budgets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_budget_results_organization")
                            .from(BudgetResults::Table, BudgetResults::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BudgetResults::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum BudgetResults {
    Table,
    BudgetId,
    OrganizationId,
    Stage,
    RequestedAt,
    ComputedAt,
    PublishedAt,
    Rule,
    TieBreaking,
    Ballots,
    InputsSha256,
    Outcome,
    ExportPb,
    DurationMs,
    Error,
}

#[derive(DeriveIden)]
enum Budgets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}
