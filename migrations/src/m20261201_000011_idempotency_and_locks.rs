//! `idempotency_keys` and `locks` (issue 6, point 6).
//!
//! `idempotency_keys` remembers, for 24 hours, the first answer to a signed-in write sent with an
//! `Idempotency-Key` header, so that a client retrying after a lost answer (a mobile network on
//! voting day) gets that answer again instead of a second effect. The key is the account and the
//! client's key; `route` and `fingerprint` tell a retry from a different request reusing a key;
//! `status` is null while the first request is in flight.
//!
//! `locks` holds one row per thing whose invariant spans several rows (an account's census
//! verification today; a participant's supports in a process and a voter's ballots next). A use
//! case that must count or check those rows first locks this row (`SELECT … FOR UPDATE` on
//! PostgreSQL), so that two concurrent requests decide one after the other.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .col(uuid(IdempotencyKeys::UserId))
                    .col(string_len(IdempotencyKeys::Key, 255))
                    .col(string(IdempotencyKeys::Route))
                    .col(string_len(IdempotencyKeys::Fingerprint, 64))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .col(timestamp_with_time_zone(IdempotencyKeys::ExpiresAt))
                    .col(integer_null(IdempotencyKeys::Status))
                    .col(text_null(IdempotencyKeys::Headers))
                    .col(blob_null(IdempotencyKeys::Body))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::Key),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_idempotency_keys_user")
                            .from(IdempotencyKeys::Table, IdempotencyKeys::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_expires_at")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Locks::Table)
                    .col(string(Locks::Name).primary_key())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Locks::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    UserId,
    Key,
    Route,
    Fingerprint,
    CreatedAt,
    ExpiresAt,
    Status,
    Headers,
    Body,
}

#[derive(DeriveIden)]
enum Locks {
    Table,
    Name,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
