//! `ballots` as the ballot endpoints need them, and `ballot_lines` (DESIGN §2.5, issue 8).
//!
//! Migration 21 made a placeholder `ballots` table (id, budget, account) so that settings could
//! freeze once a ballot exists; no endpoint wrote to it, so it is replaced here rather than
//! altered (SQLite cannot add the `NOT NULL` columns a ballot needs).
//!
//! A ballot belongs to a **voter**, the census document hash of the resident who started it
//! (`residents.document_hash`, already a keyed hash): the unique `(budget_id, voter)` key makes
//! a second ballot per resident and budget impossible whatever the interleaving, and an account
//! that re-registers and verifies with the same document finds the ballot its former account
//! cast ("already voted", DESIGN §2.1). `user_id` is the account holding it now (an anonymised
//! row once that account is deleted); while it is not the account reading, the ballot's content
//! is not shown. `process_id` and `voter` index the workflow's question
//! "the resident's other ballots in this process"; `residence_scope_id` is where the resident
//! lived at their first ballot of the process, which every later ballot of the process repeats.
//! A cast ballot has `cast_at` and its receipt seal (`receipt_mac`, hex, under key
//! `receipt_key_id`); a draft has none of them. `ballot_lines` holds the chosen projects with
//! their points (1 under rules without points), one row per project and ballot.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Ballots::Table).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Ballots::Table)
                    .col(pk_uuid(Ballots::Id))
                    .col(uuid(Ballots::OrganizationId))
                    .col(uuid(Ballots::ProcessId))
                    .col(uuid(Ballots::BudgetId))
                    .col(string_len(Ballots::Voter, 64))
                    .col(uuid(Ballots::UserId))
                    .col(uuid(Ballots::ResidenceScopeId))
                    .col(string_len(Ballots::Status, 8))
                    .col(timestamp_with_time_zone_null(Ballots::CastAt))
                    .col(string_len_null(Ballots::ReceiptMac, 64))
                    .col(string_len_null(Ballots::ReceiptKeyId, 32))
                    .col(timestamp_with_time_zone(Ballots::CreatedAt))
                    .col(timestamp_with_time_zone(Ballots::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballots_organization")
                            .from(Ballots::Table, Ballots::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballots_process")
                            .from(Ballots::Table, Ballots::ProcessId)
                            .to(Processes::Table, Processes::Id)
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
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballots_residence_scope")
                            .from(Ballots::Table, Ballots::ResidenceScopeId)
                            .to(Scopes::Table, Scopes::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_ballots_budget_voter")
                    .table(Ballots::Table)
                    .col(Ballots::BudgetId)
                    .col(Ballots::Voter)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, first, second) in [
            (
                "ix_ballots_process_voter",
                Ballots::ProcessId,
                Ballots::Voter,
            ),
            ("ix_ballots_user_budget", Ballots::UserId, Ballots::BudgetId),
            (
                "ix_ballots_budget_status",
                Ballots::BudgetId,
                Ballots::Status,
            ),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Ballots::Table)
                        .col(first)
                        .col(second)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(BallotLines::Table)
                    .col(uuid(BallotLines::BallotId))
                    .col(uuid(BallotLines::ProjectId))
                    .col(integer(BallotLines::Points))
                    .primary_key(
                        Index::create()
                            .col(BallotLines::BallotId)
                            .col(BallotLines::ProjectId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballot_lines_ballot")
                            .from(BallotLines::Table, BallotLines::BallotId)
                            .to(Ballots::Table, Ballots::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_ballot_lines_project")
                            .from(BallotLines::Table, BallotLines::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_ballot_lines_project")
                    .table(BallotLines::Table)
                    .col(BallotLines::ProjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BallotLines::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Ballots::Table).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Ballots::Table)
                    .col(pk_uuid(Ballots::Id))
                    .col(uuid(Ballots::OrganizationId))
                    .col(uuid(Ballots::BudgetId))
                    .col(uuid(Ballots::UserId))
                    .col(timestamp_with_time_zone(Ballots::CreatedAt))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Ballots {
    Table,
    Id,
    OrganizationId,
    ProcessId,
    BudgetId,
    Voter,
    UserId,
    ResidenceScopeId,
    Status,
    CastAt,
    ReceiptMac,
    ReceiptKeyId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum BallotLines {
    Table,
    BallotId,
    ProjectId,
    Points,
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
enum Budgets {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Scopes {
    Table,
    Id,
}
