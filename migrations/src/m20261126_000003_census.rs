//! The census of residents and the verifications made against it.
//!
//! Document numbers are never stored: `document_hash` is an HMAC of the normalised number keyed
//! with a server secret. `residents` links an account to the census entry it verified; the unique
//! index on (organization, document_hash) is what makes "one document verifies one account" hold
//! under concurrent requests.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_organizations::{Organizations, Scopes};
use crate::m20261126_000002_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CensusRecords::Table)
                    .col(pk_uuid(CensusRecords::Id))
                    .col(uuid(CensusRecords::OrganizationId))
                    .col(string(CensusRecords::DocumentHash))
                    .col(date(CensusRecords::BirthDate))
                    .col(uuid(CensusRecords::ScopeId))
                    .col(timestamp_with_time_zone(CensusRecords::ImportedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_census_records_organization")
                            .from(CensusRecords::Table, CensusRecords::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_census_records_scope")
                            .from(CensusRecords::Table, CensusRecords::ScopeId)
                            .to(Scopes::Table, Scopes::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_census_records_organization_document")
                    .table(CensusRecords::Table)
                    .col(CensusRecords::OrganizationId)
                    .col(CensusRecords::DocumentHash)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Residents::Table)
                    .col(uuid(Residents::UserId).primary_key())
                    .col(uuid(Residents::OrganizationId))
                    .col(string(Residents::DocumentHash))
                    .col(uuid(Residents::ScopeId))
                    .col(date(Residents::BirthDate))
                    .col(timestamp_with_time_zone(Residents::VerifiedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_residents_user")
                            .from(Residents::Table, Residents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_residents_scope")
                            .from(Residents::Table, Residents::ScopeId)
                            .to(Scopes::Table, Scopes::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_residents_organization_document")
                    .table(Residents::Table)
                    .col(Residents::OrganizationId)
                    .col(Residents::DocumentHash)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VerificationAttempts::Table)
                    .col(uuid(VerificationAttempts::UserId).primary_key())
                    .col(integer(VerificationAttempts::Failures))
                    .col(timestamp_with_time_zone(
                        VerificationAttempts::LastFailureAt,
                    ))
                    .col(timestamp_with_time_zone_null(
                        VerificationAttempts::LockedUntil,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_verification_attempts_user")
                            .from(VerificationAttempts::Table, VerificationAttempts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            VerificationAttempts::Table.into_iden(),
            Residents::Table.into_iden(),
            CensusRecords::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CensusRecords {
    Table,
    Id,
    OrganizationId,
    DocumentHash,
    BirthDate,
    ScopeId,
    ImportedAt,
}

#[derive(DeriveIden)]
enum Residents {
    Table,
    UserId,
    OrganizationId,
    DocumentHash,
    ScopeId,
    BirthDate,
    VerifiedAt,
}

#[derive(DeriveIden)]
enum VerificationAttempts {
    Table,
    UserId,
    Failures,
    LastFailureAt,
    LockedUntil,
}
