//! The outbox worker finds the next due job through an index of the jobs still to run, in the
//! order it runs them (issue 8, voting day).
//!
//! The claim asks for the due job first in `(available_at, id)` order among those neither done
//! nor dead, whose recipient has no earlier job still to run. With only `ix_outbox_pending`
//! (`done_at, available_at`) PostgreSQL read and sorted every waiting job for each claim: with
//! 15,000 receipt mails waiting after a burst of checkouts, a claim took 25 ms, so the worker fell
//! further behind the more there was to send, and its claims took a share of the machine from
//! the voters. The partial index `ix_outbox_due` holds only the jobs still to run, in claim
//! order, so a claim reads the first due entries and stops (0.05 to 0.15 ms at the same backlog;
//! `store::outbox::claim` says how its query keeps that plan when the statistics are stale). It
//! also serves the count of waiting jobs, so `ix_outbox_pending` goes: a job written or finished
//! no longer updates it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // A partial index reads the same on both databases.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_outbox_due ON outbox (available_at, id) \
                 WHERE done_at IS NULL AND dead_at IS NULL",
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_outbox_pending")
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("ix_outbox_pending")
                    .table(Outbox::Table)
                    .col(Outbox::DoneAt)
                    .col(Outbox::AvailableAt)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_outbox_due")
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    DoneAt,
    AvailableAt,
}
