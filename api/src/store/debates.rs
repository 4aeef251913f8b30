//! Debates: the rows and the list query (one index range per order, as proposals).

use super::entities::debates;
use super::paging::{Keyset, keyset, rotated};
use plaza_domain::{CategoryId, DebateId, OrganizationId, ProcessId, ScopeId, UserId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

pub async fn insert(
    db: &impl ConnectionTrait,
    row: debates::Model,
) -> Result<debates::Model, DbErr> {
    row.into_active_model().reset_all().insert(db).await
}

/// Writes every column of `row` (read in the same transaction).
pub async fn save(db: &impl ConnectionTrait, row: debates::Model) -> Result<debates::Model, DbErr> {
    row.into_active_model().reset_all().update(db).await
}

/// A debate of `organization_id`; with `lock`, locked for the rest of the transaction on
/// PostgreSQL.
pub async fn by_id(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: DebateId,
    lock: bool,
) -> Result<Option<debates::Model>, DbErr> {
    let query = debates::Entity::find_by_id(id.uuid())
        .filter(debates::Column::OrganizationId.eq(organization_id.uuid()));
    if lock {
        super::for_update(db, query).one(db).await
    } else {
        query.one(db).await
    }
}

/// What a debate list keeps (hidden debates never).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub process_id: Option<ProcessId>,
    /// `Some(true)`: open ones only; `Some(false)`: closed ones only.
    pub open: Option<bool>,
    pub scopes: Option<Vec<ScopeId>>,
    pub category: Option<CategoryId>,
    pub author: Option<UserId>,
}

/// The order of a debate list page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Recent,
    MostCommented,
    /// Random keys from `start` up, then from 0 below it.
    Random {
        start: i64,
    },
}

/// Up to `limit` debates after `after` (the last row's sort key and id) in `order`.
pub async fn page(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    filter: &Filter,
    order: Order,
    after: Option<(Option<i64>, Uuid)>,
    limit: u64,
) -> Result<Vec<debates::Model>, DbErr> {
    let mut query = debates::Entity::find()
        .filter(debates::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(debates::Column::Hidden.eq(false));
    if let Some(process_id) = filter.process_id {
        query = query.filter(debates::Column::ProcessId.eq(process_id.uuid()));
    }
    match filter.open {
        Some(true) => query = query.filter(debates::Column::ClosedAt.is_null()),
        Some(false) => query = query.filter(debates::Column::ClosedAt.is_not_null()),
        None => {}
    }
    if let Some(scopes) = &filter.scopes {
        query = query.filter(debates::Column::ScopeId.is_in(scopes.iter().map(|s| s.uuid())));
    }
    if let Some(category) = filter.category {
        query = query.filter(debates::Column::CategoryId.eq(category.uuid()));
    }
    if let Some(author) = filter.author {
        query = query.filter(debates::Column::AuthorId.eq(author.uuid()));
    }
    let descending = |key| Keyset {
        key: Some(key),
        id: debates::Column::Id,
        descending: true,
    };
    match order {
        Order::Recent => {
            keyset(query, descending(debates::Column::Recency), after)
                .limit(limit)
                .all(db)
                .await
        }
        Order::MostCommented => {
            keyset(query, descending(debates::Column::CommentsCount), after)
                .limit(limit)
                .all(db)
                .await
        }
        Order::Random { start } => {
            let ascending = Keyset {
                key: Some(debates::Column::RandomKey),
                id: debates::Column::Id,
                descending: false,
            };
            rotated(db, query, ascending, start, after, limit).await
        }
    }
}
