//! `proposals` and `proposal_supports` (DESIGN §2.2, issue 7).
//!
//! A proposal row holds its text, its state, the answer an evaluator gave (private until
//! `answer_published_at`), and three counters the lists sort by: `supports_count` (counted
//! supports only: pending ones under `minimum_votes_per_user` are left out), `comments_count`,
//! and the keys of the other orders: `recency` (microseconds since 1970 of its publication, of
//! its creation while a draft) and `random_key` (a random 32-bit number; `random(seed)` orders by
//! it rotated by the seed). Each order has its index beside the process, so that any page of any
//! order reads one index range.
//!
//! `proposal_supports` has one row per participant and proposal: its primary key *is* the rule
//! "one support per participant", so that two concurrent supports cannot both be written.
//! `counted` says whether the row is in the proposal's `supports_count`; `process_id` is kept on
//! the row so that a participant's supports in a process are counted from one index.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Proposals::Table)
                    .col(pk_uuid(Proposals::Id))
                    .col(uuid(Proposals::OrganizationId))
                    .col(uuid(Proposals::ProcessId))
                    .col(uuid(Proposals::AuthorId))
                    .col(uuid_null(Proposals::ScopeId))
                    .col(uuid_null(Proposals::CategoryId))
                    .col(text(Proposals::Title))
                    .col(text(Proposals::Body))
                    .col(string_len(Proposals::State, 16))
                    .col(boolean(Proposals::Hidden).default(false))
                    .col(integer(Proposals::SupportsCount).default(0))
                    .col(integer(Proposals::CommentsCount).default(0))
                    .col(big_integer(Proposals::Recency))
                    .col(big_integer(Proposals::RandomKey))
                    .col(timestamp_with_time_zone_null(Proposals::PublishedAt))
                    .col(string_len_null(Proposals::AnswerState, 16))
                    .col(json_null(Proposals::AnswerText))
                    .col(big_integer_null(Proposals::AnswerCost))
                    .col(timestamp_with_time_zone_null(Proposals::AnsweredAt))
                    .col(timestamp_with_time_zone_null(Proposals::AnswerPublishedAt))
                    .col(timestamp_with_time_zone(Proposals::CreatedAt))
                    .col(timestamp_with_time_zone(Proposals::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_proposals_organization")
                            .from(Proposals::Table, Proposals::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_proposals_process")
                            .from(Proposals::Table, Proposals::ProcessId)
                            .to(Processes::Table, Processes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_proposals_author")
                            .from(Proposals::Table, Proposals::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_proposals_scope")
                            .from(Proposals::Table, Proposals::ScopeId)
                            .to(Scopes::Table, Scopes::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_proposals_category")
                            .from(Proposals::Table, Proposals::CategoryId)
                            .to(Categories::Table, Categories::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, key) in [
            ("ix_proposals_process_supports", Proposals::SupportsCount),
            ("ix_proposals_process_comments", Proposals::CommentsCount),
            ("ix_proposals_process_recency", Proposals::Recency),
            ("ix_proposals_process_random", Proposals::RandomKey),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Proposals::Table)
                        .col(Proposals::ProcessId)
                        .col(key)
                        .col(Proposals::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("ix_proposals_author_process")
                    .table(Proposals::Table)
                    .col(Proposals::AuthorId)
                    .col(Proposals::ProcessId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProposalSupports::Table)
                    .col(uuid(ProposalSupports::ProposalId))
                    .col(uuid(ProposalSupports::UserId))
                    .col(uuid(ProposalSupports::ProcessId))
                    .col(boolean(ProposalSupports::Counted))
                    .col(timestamp_with_time_zone(ProposalSupports::CreatedAt))
                    .primary_key(
                        Index::create()
                            .name("pk_proposal_supports")
                            .col(ProposalSupports::ProposalId)
                            .col(ProposalSupports::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_proposal_supports_proposal")
                            .from(ProposalSupports::Table, ProposalSupports::ProposalId)
                            .to(Proposals::Table, Proposals::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_proposal_supports_user")
                            .from(ProposalSupports::Table, ProposalSupports::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_proposal_supports_user_process")
                    .table(ProposalSupports::Table)
                    .col(ProposalSupports::UserId)
                    .col(ProposalSupports::ProcessId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProposalSupports::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Proposals::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Proposals {
    Table,
    Id,
    OrganizationId,
    ProcessId,
    AuthorId,
    ScopeId,
    CategoryId,
    Title,
    Body,
    State,
    Hidden,
    SupportsCount,
    CommentsCount,
    Recency,
    RandomKey,
    PublishedAt,
    AnswerState,
    AnswerText,
    AnswerCost,
    AnsweredAt,
    AnswerPublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ProposalSupports {
    Table,
    ProposalId,
    UserId,
    ProcessId,
    Counted,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Processes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Scopes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
}
