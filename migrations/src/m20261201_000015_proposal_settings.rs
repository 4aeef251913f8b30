//! `processes.proposal_settings`: how a process runs its proposals (DESIGN §2.2: limits,
//! thresholds, residency, answers, edit window), as one JSON object read into
//! `domain::proposals::settings::ProposalSettings`. `NULL`: the design's defaults, so processes
//! created before it need no rewrite.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Processes::Table)
                    .add_column(json_null(Processes::ProposalSettings))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Processes::Table)
                    .drop_column(Processes::ProposalSettings)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Processes {
    Table,
    ProposalSettings,
}
