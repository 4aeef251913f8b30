//! Proposals and their supports: the rows, the list queries, and the counters kept beside them.
//!
//! A list page is one index range per order (see the migration): `most_supported`,
//! `most_commented` and `recent` read `(process_id, key, id)` downwards from the last row seen;
//! `random(seed)` reads the random keys upwards from where the seed rotates them
//! ([`crate::app::paging::rotation_start`]) to the top, then from 0 up to that point.
//!
//! `supports_count` is changed only by adding to it in the database (`supports_count + 1`), never
//! by writing a value read earlier, so that two supports of one proposal from two participants
//! both count. A change of several proposals' counters at once first locks their rows in id
//! order, so that two such changes cannot deadlock.

use super::UniqueIndex;
use super::entities::{proposal_supports, proposals};
use super::paging::{Keyset, keyset};
use plaza_domain::{CategoryId, OrganizationId, ProcessId, ProposalId, ScopeId, UserId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use std::collections::HashSet;
use uuid::Uuid;

/// One support per participant and proposal: the primary key of `proposal_supports`.
pub const PK_SUPPORT: UniqueIndex = UniqueIndex {
    name: "pk_proposal_supports",
    table: "proposal_supports",
    columns: &["proposal_id", "user_id"],
};

pub async fn insert(
    db: &impl ConnectionTrait,
    row: proposals::Model,
) -> Result<proposals::Model, DbErr> {
    row.into_active_model().reset_all().insert(db).await
}

/// Writes every column of `row` (read in the same transaction).
pub async fn save(
    db: &impl ConnectionTrait,
    row: proposals::Model,
) -> Result<proposals::Model, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

/// A proposal of `organization_id`; with `lock`, locked for the rest of the transaction on
/// PostgreSQL.
pub async fn by_id(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: ProposalId,
    lock: bool,
) -> Result<Option<proposals::Model>, DbErr> {
    let query = proposals::Entity::find_by_id(id.uuid())
        .filter(proposals::Column::OrganizationId.eq(organization_id.uuid()));
    if lock {
        super::for_update(db, query).one(db).await
    } else {
        query.one(db).await
    }
}

/// The proposals of `organization_id` among `ids`.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    ids: &[Uuid],
) -> Result<Vec<proposals::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    proposals::Entity::find()
        .filter(proposals::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(proposals::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await
}

/// How many proposals `author` holds in `process` that are not withdrawn.
pub async fn live_count_of_author(
    db: &impl ConnectionTrait,
    author: UserId,
    process: ProcessId,
) -> Result<u64, DbErr> {
    proposals::Entity::find()
        .filter(proposals::Column::AuthorId.eq(author.uuid()))
        .filter(proposals::Column::ProcessId.eq(process.uuid()))
        .filter(proposals::Column::State.ne("withdrawn"))
        .count(db)
        .await
}

/// What a list keeps.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub process_id: Option<ProcessId>,
    /// Only these states (stored names).
    pub states: Vec<&'static str>,
    /// Only proposals placed in one of these scopes.
    pub scopes: Option<Vec<ScopeId>>,
    pub category: Option<CategoryId>,
    pub author: Option<UserId>,
}

/// The order of a list page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    MostSupported,
    MostCommented,
    Recent,
    /// Random keys from `start` up, then from 0 below it.
    Random {
        start: i64,
    },
}

fn filtered(organization_id: OrganizationId, filter: &Filter) -> Select<proposals::Entity> {
    let mut query = proposals::Entity::find()
        .filter(proposals::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(proposals::Column::Hidden.eq(false))
        .filter(proposals::Column::State.is_in(filter.states.iter().copied()));
    if let Some(process_id) = filter.process_id {
        query = query.filter(proposals::Column::ProcessId.eq(process_id.uuid()));
    }
    if let Some(scopes) = &filter.scopes {
        query = query.filter(proposals::Column::ScopeId.is_in(scopes.iter().map(|s| s.uuid())));
    }
    if let Some(category) = filter.category {
        query = query.filter(proposals::Column::CategoryId.eq(category.uuid()));
    }
    if let Some(author) = filter.author {
        query = query.filter(proposals::Column::AuthorId.eq(author.uuid()));
    }
    query
}

/// Every proposal `filter` keeps (hidden ones never), oldest first: the open-data export.
pub async fn all(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    filter: &Filter,
) -> Result<Vec<proposals::Model>, DbErr> {
    filtered(organization_id, filter)
        .order_by_asc(proposals::Column::Recency)
        .order_by_asc(proposals::Column::Id)
        .all(db)
        .await
}

/// Up to `limit` proposals after `after` (the last row's sort key and id) in `order`.
pub async fn page(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    filter: &Filter,
    order: Order,
    after: Option<(Option<i64>, Uuid)>,
    limit: u64,
) -> Result<Vec<proposals::Model>, DbErr> {
    let query = filtered(organization_id, filter);
    let descending = |key| Keyset {
        key: Some(key),
        id: proposals::Column::Id,
        descending: true,
    };
    let keyed = match order {
        Order::MostSupported => descending(proposals::Column::SupportsCount),
        Order::MostCommented => descending(proposals::Column::CommentsCount),
        Order::Recent => descending(proposals::Column::Recency),
        Order::Random { start } => {
            let ascending = Keyset {
                key: Some(proposals::Column::RandomKey),
                id: proposals::Column::Id,
                descending: false,
            };
            return super::paging::rotated(db, query, ascending, start, after, limit).await;
        }
    };
    keyset(query, keyed, after).limit(limit).all(db).await
}

/// The participant's support of a proposal, if they gave one.
pub async fn support(
    db: &impl ConnectionTrait,
    proposal: ProposalId,
    user: UserId,
) -> Result<Option<proposal_supports::Model>, DbErr> {
    proposal_supports::Entity::find_by_id((proposal.uuid(), user.uuid()))
        .one(db)
        .await
}

/// Whether anyone supports the proposal (pending supports included).
pub async fn has_supports(db: &impl ConnectionTrait, proposal: ProposalId) -> Result<bool, DbErr> {
    Ok(proposal_supports::Entity::find()
        .filter(proposal_supports::Column::ProposalId.eq(proposal.uuid()))
        .count(db)
        .await?
        > 0)
}

/// Which of `proposals` anyone supports.
pub async fn supported_among(
    db: &impl ConnectionTrait,
    proposals: &[Uuid],
) -> Result<HashSet<Uuid>, DbErr> {
    let ids: Vec<Uuid> = proposal_supports::Entity::find()
        .select_only()
        .column(proposal_supports::Column::ProposalId)
        .distinct()
        .filter(proposal_supports::Column::ProposalId.is_in(proposals.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// Which of `proposals` `user` supports.
pub async fn supported_by(
    db: &impl ConnectionTrait,
    user: UserId,
    proposals: &[Uuid],
) -> Result<HashSet<Uuid>, DbErr> {
    let ids: Vec<Uuid> = proposal_supports::Entity::find()
        .select_only()
        .column(proposal_supports::Column::ProposalId)
        .filter(proposal_supports::Column::UserId.eq(user.uuid()))
        .filter(proposal_supports::Column::ProposalId.is_in(proposals.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// How many supports `user` gives in `process` (pending or counted).
pub async fn supports_in_process(
    db: &impl ConnectionTrait,
    user: UserId,
    process: ProcessId,
) -> Result<u64, DbErr> {
    proposal_supports::Entity::find()
        .filter(proposal_supports::Column::UserId.eq(user.uuid()))
        .filter(proposal_supports::Column::ProcessId.eq(process.uuid()))
        .count(db)
        .await
}

/// Writes a support; a second one of the same participant and proposal violates [`PK_SUPPORT`].
pub async fn insert_support(
    db: &impl ConnectionTrait,
    row: proposal_supports::Model,
) -> Result<(), DbErr> {
    proposal_supports::Entity::insert(row.into_active_model())
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Removes a participant's support; whether there was one.
pub async fn delete_support(
    db: &impl ConnectionTrait,
    proposal: ProposalId,
    user: UserId,
) -> Result<bool, DbErr> {
    let deleted = proposal_supports::Entity::delete_by_id((proposal.uuid(), user.uuid()))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// Marks every support of `user` in `process` counted or not; the proposals whose support
/// changed (those already so are left out: their counters stay).
pub async fn set_counted(
    db: &impl ConnectionTrait,
    user: UserId,
    process: ProcessId,
    counted: bool,
) -> Result<Vec<Uuid>, DbErr> {
    let of_theirs = || {
        Condition::all()
            .add(proposal_supports::Column::UserId.eq(user.uuid()))
            .add(proposal_supports::Column::ProcessId.eq(process.uuid()))
            .add(proposal_supports::Column::Counted.ne(counted))
    };
    let changing: Vec<Uuid> = proposal_supports::Entity::find()
        .select_only()
        .column(proposal_supports::Column::ProposalId)
        .filter(of_theirs())
        .into_tuple()
        .all(db)
        .await?;
    proposal_supports::Entity::update_many()
        .col_expr(proposal_supports::Column::Counted, Expr::value(counted))
        .filter(of_theirs())
        .exec(db)
        .await?;
    Ok(changing)
}

/// Adds `delta` to the counted supports of one proposal; with `below`, only while its count is
/// below that number (a threshold): whether it was added.
pub async fn add_support_count(
    db: &impl ConnectionTrait,
    proposal: ProposalId,
    delta: i32,
    below: Option<u32>,
) -> Result<bool, DbErr> {
    let mut update = proposals::Entity::update_many()
        .col_expr(
            proposals::Column::SupportsCount,
            Expr::col(proposals::Column::SupportsCount).add(delta),
        )
        .filter(proposals::Column::Id.eq(proposal.uuid()));
    if let Some(limit) = below {
        update = update.filter(proposals::Column::SupportsCount.lt(i64::from(limit)));
    }
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Adds `delta` to the counted supports of each of `proposals`, their rows locked in id order
/// first.
pub async fn add_support_counts(
    db: &impl ConnectionTrait,
    proposals: &[Uuid],
    delta: i32,
) -> Result<(), DbErr> {
    if proposals.is_empty() {
        return Ok(());
    }
    let rows = proposals::Entity::find()
        .select_only()
        .column(proposals::Column::Id)
        .filter(proposals::Column::Id.is_in(proposals.iter().copied()))
        .order_by_asc(proposals::Column::Id);
    let _locked: Vec<Uuid> = super::for_update(db, rows).into_tuple().all(db).await?;
    proposals::Entity::update_many()
        .col_expr(
            proposals::Column::SupportsCount,
            Expr::col(proposals::Column::SupportsCount).add(delta),
        )
        .filter(Condition::all().add(proposals::Column::Id.is_in(proposals.iter().copied())))
        .exec(db)
        .await?;
    Ok(())
}
