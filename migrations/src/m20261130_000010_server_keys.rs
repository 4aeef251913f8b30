//! `server_keys`: the public id of each key whose change would silently invalidate stored data
//! (today the census key, under which document numbers are hashed). The server records it on
//! first start and refuses to start with another key while such data exists (issue 9, point 19).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ServerKeys::Table)
                    .col(string(ServerKeys::Purpose).primary_key())
                    .col(string(ServerKeys::KeyId))
                    .col(timestamp_with_time_zone(ServerKeys::RecordedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ServerKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ServerKeys {
    Table,
    Purpose,
    KeyId,
    RecordedAt,
}
