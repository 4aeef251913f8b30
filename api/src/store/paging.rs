//! The keyset condition of every list (see `app::paging`): rows after the last one a client
//! saw, in the order of an integer sort column (if any) and then the id, read in one index range.

use sea_orm::sea_query::{Expr, ExprTrait, IntoCondition};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

/// An order of a list: an optional integer column, then the id, both the same way.
#[derive(Debug, Clone, Copy)]
pub struct Keyset<C> {
    /// The sort column; `None` orders by the id alone (UUIDv7: creation order).
    pub key: Option<C>,
    pub id: C,
    pub descending: bool,
}

/// Orders `query` by `order` and keeps the rows after `after` (the last row seen: its key, when
/// the order has one, and its id).
pub fn keyset<E: EntityTrait>(
    query: Select<E>,
    order: Keyset<E::Column>,
    after: Option<(Option<i64>, Uuid)>,
) -> Select<E> {
    let direction = if order.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut query = query;
    if let Some((key, id)) = after {
        query = query.filter(after_condition(order, key, id));
    }
    if let Some(key) = order.key {
        query = query.order_by(key, direction.clone());
    }
    query.order_by(order.id, direction)
}

/// A page of a random order (see `app::paging::rotate`): the rows whose `key` is from `start`
/// up, in key order, then those below `start`, continuing after `after` (the last row's key and
/// id). Each part is one index range.
pub async fn rotated<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    order: Keyset<E::Column>,
    start: i64,
    after: Option<(Option<i64>, Uuid)>,
    limit: u64,
) -> Result<Vec<E::Model>, DbErr> {
    let Some(key) = order.key else {
        return keyset(query, order, after).limit(limit).all(db).await;
    };
    let upper = query.clone().filter(key.gte(start));
    let lower = query.filter(key.lt(start));
    let in_lower = matches!(after, Some((Some(last), _)) if last < start);
    let mut rows = Vec::new();
    if !in_lower {
        rows = keyset(upper, order, after).limit(limit).all(db).await?;
    }
    let missing = limit.saturating_sub(rows.len() as u64);
    if missing > 0 {
        let lower_after = if in_lower { after } else { None };
        rows.extend(
            keyset(lower, order, lower_after)
                .limit(missing)
                .all(db)
                .await?,
        );
    }
    Ok(rows)
}

/// The rows after `(key, id)`: a row comparison `(key_column, id) < (key, id)` (`>` ascending),
/// which PostgreSQL and SQLite both read as one range of the `(..., key, id)` index, where the
/// equivalent `key < k OR (key = k AND id < x)` makes PostgreSQL filter every row before it.
fn after_condition<C: ColumnTrait>(order: Keyset<C>, key: Option<i64>, id: Uuid) -> Condition {
    match (order.key, key) {
        (Some(column), Some(key)) => {
            let rows = Expr::tuple([column.into_expr(), order.id.into_expr()]);
            let last = Expr::tuple([Expr::value(key), Expr::value(id)]);
            if order.descending {
                rows.lt(last).into_condition()
            } else {
                rows.gt(last).into_condition()
            }
        }
        // A cursor without a key for an order with one (or the reverse) was refused when it was
        // read (its sort name differs); the id alone keeps the query well formed.
        _ => if order.descending {
            order.id.lt(id)
        } else {
            order.id.gt(id)
        }
        .into_condition(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::entities::processes;
    use sea_orm::{DbBackend, QueryTrait};

    fn sql(order: Keyset<processes::Column>, after: Option<(Option<i64>, Uuid)>) -> String {
        keyset(processes::Entity::find(), order, after)
            .build(DbBackend::Postgres)
            .to_string()
    }

    #[test]
    fn a_keyed_order_continues_after_the_last_key_then_the_last_id() {
        let order = Keyset {
            key: Some(processes::Column::PinnedPhase),
            id: processes::Column::Id,
            descending: true,
        };
        let id = Uuid::from_u128(1);
        let text = sql(order, Some((Some(12), id)));
        assert!(
            text.ends_with(
                "WHERE (\"processes\".\"pinned_phase\", \"processes\".\"id\") < (12, '00000000-0000-0000-0000-000000000001') ORDER BY \"processes\".\"pinned_phase\" DESC, \"processes\".\"id\" DESC"
            ),
            "{text}"
        );
    }

    #[test]
    fn an_order_by_id_continues_after_the_last_id() {
        let order = Keyset {
            key: None,
            id: processes::Column::Id,
            descending: false,
        };
        let first = sql(order, None);
        assert!(
            first.ends_with("ORDER BY \"processes\".\"id\" ASC"),
            "{first}"
        );
        let next = sql(order, Some((None, Uuid::from_u128(2))));
        assert!(
            next.ends_with(
                "WHERE \"processes\".\"id\" > '00000000-0000-0000-0000-000000000002' ORDER BY \"processes\".\"id\" ASC"
            ),
            "{next}"
        );
    }
}
