//! Comments and their votes: the rows, a page of a thread's roots with every reply under them,
//! and the counters kept beside the rows (a comment's votes, an item's `comments_count`).
//!
//! Counters are changed by adding to them in the database, never by writing a value read earlier.

use super::entities::{comment_votes, comments, debates, projects, proposals};
use super::paging::{Keyset, keyset};
use plaza_domain::{CommentId, OrganizationId, UserId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

pub async fn insert(
    db: &impl ConnectionTrait,
    row: comments::Model,
) -> Result<comments::Model, DbErr> {
    row.into_active_model().reset_all().insert(db).await
}

/// Writes every column of `row` (read in the same transaction).
pub async fn save(
    db: &impl ConnectionTrait,
    row: comments::Model,
) -> Result<comments::Model, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

/// A comment of `organization_id`; with `lock`, locked for the rest of the transaction on
/// PostgreSQL (its votes are decided one at a time).
pub async fn by_id(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: CommentId,
    lock: bool,
) -> Result<Option<comments::Model>, DbErr> {
    let query = comments::Entity::find_by_id(id.uuid())
        .filter(comments::Column::OrganizationId.eq(organization_id.uuid()));
    if lock {
        super::for_update(db, query).one(db).await
    } else {
        query.one(db).await
    }
}

/// The order of a thread's root comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RootOrder {
    Recent,
    Oldest,
    Best,
}

/// Up to `limit` root comments of the item `target_id` after `after`, in `order`.
pub async fn roots(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    target_id: Uuid,
    order: RootOrder,
    after: Option<(Option<i64>, Uuid)>,
    limit: u64,
) -> Result<Vec<comments::Model>, DbErr> {
    let query = comments::Entity::find()
        .filter(comments::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(comments::Column::TargetId.eq(target_id))
        .filter(comments::Column::Depth.eq(0))
        .filter(comments::Column::Hidden.eq(false));
    let keyed = match order {
        RootOrder::Recent => Keyset {
            key: None,
            id: comments::Column::Id,
            descending: true,
        },
        RootOrder::Oldest => Keyset {
            key: None,
            id: comments::Column::Id,
            descending: false,
        },
        RootOrder::Best => Keyset {
            key: Some(comments::Column::Score),
            id: comments::Column::Id,
            descending: true,
        },
    };
    keyset(query, keyed, after).limit(limit).all(db).await
}

/// Every reply under the root comments `roots` (hidden ones left out, with what is under them).
pub async fn replies_under(
    db: &impl ConnectionTrait,
    roots: &[Uuid],
) -> Result<Vec<comments::Model>, DbErr> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    comments::Entity::find()
        .filter(comments::Column::RootId.is_in(roots.iter().copied()))
        .filter(comments::Column::Depth.gt(0))
        .filter(comments::Column::Hidden.eq(false))
        .all(db)
        .await
}

/// The caller's vote on a comment (+1 or -1), if any.
pub async fn vote_of(
    db: &impl ConnectionTrait,
    comment: CommentId,
    user: UserId,
) -> Result<Option<i16>, DbErr> {
    Ok(
        comment_votes::Entity::find_by_id((comment.uuid(), user.uuid()))
            .one(db)
            .await?
            .map(|vote| vote.weight),
    )
}

/// The caller's votes on `comments`.
pub async fn votes_of(
    db: &impl ConnectionTrait,
    user: UserId,
    comments: &[Uuid],
) -> Result<HashMap<Uuid, i16>, DbErr> {
    let rows: Vec<(Uuid, i16)> = comment_votes::Entity::find()
        .select_only()
        .column(comment_votes::Column::CommentId)
        .column(comment_votes::Column::Weight)
        .filter(comment_votes::Column::UserId.eq(user.uuid()))
        .filter(comment_votes::Column::CommentId.is_in(comments.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Writes the caller's vote (`weight` +1 or -1), replacing the one they had.
pub async fn put_vote(
    db: &impl ConnectionTrait,
    comment: CommentId,
    user: UserId,
    weight: i16,
    now: time::OffsetDateTime,
) -> Result<(), DbErr> {
    comment_votes::Entity::delete_by_id((comment.uuid(), user.uuid()))
        .exec(db)
        .await?;
    comment_votes::Entity::insert(
        comment_votes::Model {
            comment_id: comment.uuid(),
            user_id: user.uuid(),
            weight,
            created_at: now,
        }
        .into_active_model(),
    )
    .exec_without_returning(db)
    .await
    .map(|_| ())
}

/// Removes the caller's vote.
pub async fn delete_vote(
    db: &impl ConnectionTrait,
    comment: CommentId,
    user: UserId,
) -> Result<(), DbErr> {
    comment_votes::Entity::delete_by_id((comment.uuid(), user.uuid()))
        .exec(db)
        .await
        .map(|_| ())
}

/// Adds to a comment's vote counters (and its score, up minus down).
pub async fn add_votes(
    db: &impl ConnectionTrait,
    comment: CommentId,
    up: i32,
    down: i32,
) -> Result<(), DbErr> {
    comments::Entity::update_many()
        .col_expr(
            comments::Column::UpVotes,
            Expr::col(comments::Column::UpVotes).add(up),
        )
        .col_expr(
            comments::Column::DownVotes,
            Expr::col(comments::Column::DownVotes).add(down),
        )
        .col_expr(
            comments::Column::Score,
            Expr::col(comments::Column::Score).add(up - down),
        )
        .filter(comments::Column::Id.eq(comment.uuid()))
        .exec(db)
        .await
        .map(|_| ())
}

/// Adds `delta` to the `comments_count` of the item commented on (a proposal, a debate or a
/// budget's project).
pub async fn add_to_count(
    db: &impl ConnectionTrait,
    target_kind: &str,
    target_id: Uuid,
    delta: i32,
) -> Result<(), DbErr> {
    if delta == 0 {
        return Ok(());
    }
    match target_kind {
        "proposal" => proposals::Entity::update_many()
            .col_expr(
                proposals::Column::CommentsCount,
                Expr::col(proposals::Column::CommentsCount).add(delta),
            )
            .filter(proposals::Column::Id.eq(target_id))
            .exec(db)
            .await
            .map(|_| ()),
        "debate" => debates::Entity::update_many()
            .col_expr(
                debates::Column::CommentsCount,
                Expr::col(debates::Column::CommentsCount).add(delta),
            )
            .filter(debates::Column::Id.eq(target_id))
            .exec(db)
            .await
            .map(|_| ()),
        "project" => projects::Entity::update_many()
            .col_expr(
                projects::Column::CommentsCount,
                Expr::col(projects::Column::CommentsCount).add(delta),
            )
            .filter(projects::Column::Id.eq(target_id))
            .exec(db)
            .await
            .map(|_| ()),
        other => Err(DbErr::Custom(format!("no comments_count on a {other}"))),
    }
}
