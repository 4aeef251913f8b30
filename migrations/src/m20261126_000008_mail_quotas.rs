//! Security mails sent per address and hour (keyed by the SHA-256 of the address), so that
//! nobody can flood a resident's mailbox through registration or password-reset requests.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(MailQuotas::Table)
                    .col(uuid(MailQuotas::OrganizationId))
                    .col(string(MailQuotas::EmailKey))
                    .col(timestamp_with_time_zone_null(MailQuotas::WindowStartedAt))
                    .col(integer(MailQuotas::SentInWindow))
                    .primary_key(
                        Index::create()
                            .col(MailQuotas::OrganizationId)
                            .col(MailQuotas::EmailKey),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MailQuotas::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum MailQuotas {
    Table,
    OrganizationId,
    EmailKey,
    WindowStartedAt,
    SentInWindow,
}
