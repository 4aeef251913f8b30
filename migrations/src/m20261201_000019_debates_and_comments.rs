//! `debates`, `comments` and `comment_votes` (DESIGN §2.3, issue 7).
//!
//! A debate is open until its author or a moderator closes it with conclusions; its
//! `comments_count`, `recency` and `random_key` sort its process's list as a proposal's do.
//!
//! A comment belongs to one item (`target_kind`: `proposal`, `debate` or `project`, and
//! `target_id`); a reply names its `parent_id` and, for every comment, `root_id` is the thread's
//! root comment (itself for a root), so that a page of root comments reads all their replies in
//! one query (`root_id IN (...)`). A deleted comment keeps its row with an empty body and its
//! `deleted_at`: the placeholder of its thread. `up_votes`, `down_votes` and `score` (up minus
//! down, what `best` sorts by) follow the rows of `comment_votes`, whose primary key is the rule
//! "one vote per participant and comment".

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Debates::Table)
                    .col(pk_uuid(Debates::Id))
                    .col(uuid(Debates::OrganizationId))
                    .col(uuid(Debates::ProcessId))
                    .col(uuid(Debates::AuthorId))
                    .col(uuid_null(Debates::ScopeId))
                    .col(uuid_null(Debates::CategoryId))
                    .col(text(Debates::Title))
                    .col(text(Debates::Description))
                    .col(text_null(Debates::Conclusions))
                    .col(uuid_null(Debates::ClosedBy))
                    .col(timestamp_with_time_zone_null(Debates::ClosedAt))
                    .col(boolean(Debates::Hidden).default(false))
                    .col(integer(Debates::CommentsCount).default(0))
                    .col(big_integer(Debates::Recency))
                    .col(big_integer(Debates::RandomKey))
                    .col(timestamp_with_time_zone(Debates::CreatedAt))
                    .col(timestamp_with_time_zone_null(Debates::EditedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_debates_organization")
                            .from(Debates::Table, Debates::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_debates_process")
                            .from(Debates::Table, Debates::ProcessId)
                            .to(Processes::Table, Processes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_debates_author")
                            .from(Debates::Table, Debates::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_debates_scope")
                            .from(Debates::Table, Debates::ScopeId)
                            .to(Scopes::Table, Scopes::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_debates_category")
                            .from(Debates::Table, Debates::CategoryId)
                            .to(Categories::Table, Categories::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, key) in [
            ("ix_debates_process_comments", Debates::CommentsCount),
            ("ix_debates_process_recency", Debates::Recency),
            ("ix_debates_process_random", Debates::RandomKey),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Debates::Table)
                        .col(Debates::ProcessId)
                        .col(key)
                        .col(Debates::Id)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Comments::Table)
                    .col(pk_uuid(Comments::Id))
                    .col(uuid(Comments::OrganizationId))
                    .col(string_len(Comments::TargetKind, 16))
                    .col(uuid(Comments::TargetId))
                    .col(uuid_null(Comments::ParentId))
                    .col(uuid(Comments::RootId))
                    .col(small_integer(Comments::Depth))
                    .col(uuid(Comments::AuthorId))
                    .col(small_integer(Comments::Alignment))
                    .col(text(Comments::Body))
                    .col(boolean(Comments::Hidden).default(false))
                    .col(integer(Comments::UpVotes).default(0))
                    .col(integer(Comments::DownVotes).default(0))
                    .col(integer(Comments::Score).default(0))
                    .col(timestamp_with_time_zone(Comments::CreatedAt))
                    .col(timestamp_with_time_zone_null(Comments::EditedAt))
                    .col(timestamp_with_time_zone_null(Comments::DeletedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_organization")
                            .from(Comments::Table, Comments::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comments_author")
                            .from(Comments::Table, Comments::AuthorId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_roots_by_id")
                    .table(Comments::Table)
                    .col(Comments::TargetId)
                    .col(Comments::Depth)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_roots_by_score")
                    .table(Comments::Table)
                    .col(Comments::TargetId)
                    .col(Comments::Depth)
                    .col(Comments::Score)
                    .col(Comments::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_comments_root")
                    .table(Comments::Table)
                    .col(Comments::RootId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CommentVotes::Table)
                    .col(uuid(CommentVotes::CommentId))
                    .col(uuid(CommentVotes::UserId))
                    .col(small_integer(CommentVotes::Weight))
                    .col(timestamp_with_time_zone(CommentVotes::CreatedAt))
                    .primary_key(
                        Index::create()
                            .name("pk_comment_votes")
                            .col(CommentVotes::CommentId)
                            .col(CommentVotes::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comment_votes_comment")
                            .from(CommentVotes::Table, CommentVotes::CommentId)
                            .to(Comments::Table, Comments::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_comment_votes_user")
                            .from(CommentVotes::Table, CommentVotes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CommentVotes::Table.into_iden(),
            Comments::Table.into_iden(),
            Debates::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Debates {
    Table,
    Id,
    OrganizationId,
    ProcessId,
    AuthorId,
    ScopeId,
    CategoryId,
    Title,
    Description,
    Conclusions,
    ClosedBy,
    ClosedAt,
    Hidden,
    CommentsCount,
    Recency,
    RandomKey,
    CreatedAt,
    EditedAt,
}

#[derive(DeriveIden)]
enum Comments {
    Table,
    Id,
    OrganizationId,
    TargetKind,
    TargetId,
    ParentId,
    RootId,
    Depth,
    AuthorId,
    Alignment,
    Body,
    Hidden,
    UpVotes,
    DownVotes,
    Score,
    CreatedAt,
    EditedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum CommentVotes {
    Table,
    CommentId,
    UserId,
    Weight,
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
