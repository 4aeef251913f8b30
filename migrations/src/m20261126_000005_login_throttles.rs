//! Sign-in throttling: failed attempts per organization and email address (keyed by a SHA-256
//! of the address as typed, so addresses without an account are not stored in clear).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LoginThrottles::Table)
                    .col(uuid(LoginThrottles::OrganizationId))
                    .col(string(LoginThrottles::EmailKey))
                    .col(timestamp_with_time_zone_null(
                        LoginThrottles::WindowStartedAt,
                    ))
                    .col(integer(LoginThrottles::FailuresInWindow))
                    .col(integer(LoginThrottles::FailuresInARow))
                    .col(timestamp_with_time_zone_null(LoginThrottles::LockedUntil))
                    .primary_key(
                        Index::create()
                            .col(LoginThrottles::OrganizationId)
                            .col(LoginThrottles::EmailKey),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginThrottles::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LoginThrottles {
    Table,
    OrganizationId,
    EmailKey,
    WindowStartedAt,
    FailuresInWindow,
    FailuresInARow,
    LockedUntil,
}
