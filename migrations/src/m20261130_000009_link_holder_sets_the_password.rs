//! The holder of a confirmation link sets the account's password (issue 9, points 10 and 14):
//! - `email_tokens.password_hash` is dropped, and with it every password hash a registration
//!   ever stored in a link: a link no longer carries a password, so none is kept after it is
//!   spent, voided or its account deleted;
//! - `email_tokens.registration`: the name, nickname and locale given with the registration that
//!   sent a confirmation link, applied when that link is used (so the mailbox owner's own details
//!   win over anyone else's who registered the address), and erased when it is spent or voided.
//!
//! `down` restores the column empty: the hashes it held are gone for good.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EmailTokens::Table)
                    .drop_column(EmailTokens::PasswordHash)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EmailTokens::Table)
                    .add_column(json_null(EmailTokens::Registration))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(EmailTokens::Table)
                    .drop_column(EmailTokens::Registration)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EmailTokens::Table)
                    .add_column(string_null(EmailTokens::PasswordHash))
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum EmailTokens {
    Table,
    PasswordHash,
    Registration,
}
