//! `budgets`, `projects` and `ballots`: the participatory budgets of a process (DESIGN §2.5,
//! issue 8).
//!
//! A budget holds its money in integer cents (`total_cents`), its territory (`scope_id`; `NULL`:
//! city-wide), its voting rule as the domain's JSON (`{"kind": "knapsack", "min_percent": 70}`),
//! its outcome rule and workflow by name, and whether counts show during voting. A project
//! belongs to one budget and costs `cost_cents`; `random_key` orders the seeded random lists as
//! proposals' does, and `comments_count` counts its live comments as a proposal's does. A ballot is one resident's in one budget: the unique `(budget_id, user_id)`
//! key is what makes a second ballot impossible whatever the interleaving; its lines and checkout
//! columns come with the ballot endpoints. The settings residents voted under freeze once a
//! ballot row exists, which is why the table exists with the budgets.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Budgets::Table)
                    .col(pk_uuid(Budgets::Id))
                    .col(uuid(Budgets::OrganizationId))
                    .col(uuid(Budgets::ProcessId))
                    .col(json(Budgets::Title))
                    .col(json(Budgets::Description))
                    .col(big_integer(Budgets::TotalCents))
                    .col(uuid_null(Budgets::ScopeId))
                    .col(json(Budgets::VotingRule))
                    .col(string_len(Budgets::OutcomeRule, 32))
                    .col(string_len(Budgets::Workflow, 16))
                    .col(boolean(Budgets::ShowVotesDuringVoting))
                    .col(integer(Budgets::Position).default(0))
                    .col(timestamp_with_time_zone(Budgets::CreatedAt))
                    .col(timestamp_with_time_zone(Budgets::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_budgets_organization")
                            .from(Budgets::Table, Budgets::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_budgets_process")
                            .from(Budgets::Table, Budgets::ProcessId)
                            .to(Processes::Table, Processes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_budgets_scope")
                            .from(Budgets::Table, Budgets::ScopeId)
                            .to(Scopes::Table, Scopes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_budgets_process_position")
                    .table(Budgets::Table)
                    .col(Budgets::ProcessId)
                    .col(Budgets::Position)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .col(pk_uuid(Projects::Id))
                    .col(uuid(Projects::OrganizationId))
                    .col(uuid(Projects::BudgetId))
                    .col(json(Projects::Title))
                    .col(json(Projects::Description))
                    .col(big_integer(Projects::CostCents))
                    .col(uuid_null(Projects::ScopeId))
                    .col(uuid_null(Projects::CategoryId))
                    .col(big_integer(Projects::RandomKey))
                    .col(integer(Projects::CommentsCount).default(0))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .col(timestamp_with_time_zone(Projects::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_projects_organization")
                            .from(Projects::Table, Projects::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_projects_budget")
                            .from(Projects::Table, Projects::BudgetId)
                            .to(Budgets::Table, Budgets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, key) in [
            ("ix_projects_budget_cost", Projects::CostCents),
            ("ix_projects_budget_random", Projects::RandomKey),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Projects::Table)
                        .col(Projects::BudgetId)
                        .col(key)
                        .col(Projects::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Ballots::Table)
                    .col(pk_uuid(Ballots::Id))
                    .col(uuid(Ballots::OrganizationId))
                    .col(uuid(Ballots::BudgetId))
                    .col(uuid(Ballots::UserId))
                    .col(timestamp_with_time_zone(Ballots::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballots_organization")
                            .from(Ballots::Table, Ballots::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballots_budget")
                            .from(Ballots::Table, Ballots::BudgetId)
                            .to(Budgets::Table, Budgets::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballots_user")
                            .from(Ballots::Table, Ballots::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_ballots_budget_user")
                    .table(Ballots::Table)
                    .col(Ballots::BudgetId)
                    .col(Ballots::UserId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Ballots::Table.into_iden(),
            Projects::Table.into_iden(),
            Budgets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Budgets {
    Table,
    Id,
    OrganizationId,
    ProcessId,
    Title,
    Description,
    TotalCents,
    ScopeId,
    VotingRule,
    OutcomeRule,
    Workflow,
    ShowVotesDuringVoting,
    Position,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
    OrganizationId,
    BudgetId,
    Title,
    Description,
    CostCents,
    ScopeId,
    CategoryId,
    RandomKey,
    CommentsCount,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Ballots {
    Table,
    Id,
    OrganizationId,
    BudgetId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Processes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Scopes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
