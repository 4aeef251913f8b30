//! Failed census verifications counted per document number (by its keyed hash), whichever
//! accounts made them: guessing the birth date of a known document with many accounts locks the
//! document, not just each account.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DocumentAttempts::Table)
                    .col(uuid(DocumentAttempts::OrganizationId))
                    .col(string(DocumentAttempts::DocumentHash))
                    .col(integer(DocumentAttempts::Failures))
                    .col(timestamp_with_time_zone_null(
                        DocumentAttempts::LastFailureAt,
                    ))
                    .col(timestamp_with_time_zone_null(DocumentAttempts::LockedUntil))
                    .primary_key(
                        Index::create()
                            .col(DocumentAttempts::OrganizationId)
                            .col(DocumentAttempts::DocumentHash),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DocumentAttempts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DocumentAttempts {
    Table,
    OrganizationId,
    DocumentHash,
    Failures,
    LastFailureAt,
    LockedUntil,
}
