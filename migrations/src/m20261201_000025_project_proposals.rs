//! `project_proposals`: which proposals a budget's project came from (issue 8, point 9), so that
//! a project names the residents' proposals it grew out of and a proposal shows the project it
//! became.
//!
//! An admin sets the links on the project (one project may merge several proposals; a proposal
//! may feed projects of several budgets). The rows go with their project or proposal (cascade).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProjectProposals::Table)
                    .col(uuid(ProjectProposals::ProjectId))
                    .col(uuid(ProjectProposals::ProposalId))
                    .primary_key(
                        Index::create()
                            .col(ProjectProposals::ProjectId)
                            .col(ProjectProposals::ProposalId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_proposals_project")
                            .from(ProjectProposals::Table, ProjectProposals::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_project_proposals_proposal")
                            .from(ProjectProposals::Table, ProjectProposals::ProposalId)
                            .to(Proposals::Table, Proposals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_project_proposals_proposal")
                    .table(ProjectProposals::Table)
                    .col(ProjectProposals::ProposalId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProjectProposals::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ProjectProposals {
    Table,
    ProjectId,
    ProposalId,
}

#[derive(DeriveIden)]
enum Projects {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Proposals {
    Table,
    Id,
}
