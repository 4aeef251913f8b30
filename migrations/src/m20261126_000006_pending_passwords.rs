//! Registration hardening:
//! - `email_tokens.password_hash`: the password chosen with a registration travels with its
//!   confirmation link and is set when that link is used, so that someone who registers another
//!   person's address first cannot keep a password on the account its owner later confirms;
//! - `users.admin_grade_password`: whether the account's password meets the admin policy (15+
//!   characters), required before the admin role can be granted to it.

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
                    .add_column(string_null(EmailTokens::PasswordHash))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(boolean(Users::AdminGradePassword).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(Users::AdminGradePassword)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EmailTokens::Table)
                    .drop_column(EmailTokens::PasswordHash)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum EmailTokens {
    Table,
    PasswordHash,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    AdminGradePassword,
}
