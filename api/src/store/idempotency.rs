//! The `Idempotency-Key` store: the first answer to a signed-in write, kept for a day.
//!
//! A request carrying a key first [`claim`]s `(account, key)`. The first claim inserts a row with
//! no answer yet (in flight) and runs the operation; its answer is then [`record`]ed (2xx and 4xx
//! but the transient ones) or the row [`release`]d (5xx, 429, 503: a retry should run again). A
//! later claim with the same key finds the row and gets the stored answer, waits while it is in
//! flight, or is refused when the key was used for another route or another body (the
//! `fingerprint`). Expired rows are deleted by the worker ([`purge_expired`]); an in-flight row
//! older than [`STALE_IN_FLIGHT`] belonged to a request whose server died and may be taken over.
//!
//! The insert of the claim is the arbiter: of twenty requests racing with one key, exactly one
//! inserts (a primary key), on SQLite and PostgreSQL alike.

use super::entities::idempotency_keys as keys;
use plaza_domain::UserId;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use time::OffsetDateTime;

/// How long an answer is kept.
pub const KEEP_FOR: time::Duration = time::Duration::hours(24);
/// An in-flight claim older than this is a request that will never answer (its server stopped).
pub const STALE_IN_FLIGHT: time::Duration = time::Duration::minutes(2);

/// Who sent which key for what.
#[derive(Debug, Clone)]
pub struct Claimant<'a> {
    pub user_id: UserId,
    pub key: &'a str,
    /// Method and path, e.g. `POST /api/v1/me/verification`.
    pub route: &'a str,
    /// A digest of the route, query and body: a retry sends the same.
    pub fingerprint: &'a str,
}

/// A stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The headers worth replaying (content type, `Location`, `ETag`, ...), in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This request is the first with the key: run it, then record or release.
    First,
    /// An earlier request with the key was answered: replay its answer.
    Answered(Answer),
    /// An earlier request with the key is still running.
    InFlight,
    /// The key was used for another route or body.
    Mismatch,
}

/// Claims `(user, key)` at `now` (see the module documentation).
pub async fn claim(
    db: &impl ConnectionTrait,
    claimant: &Claimant<'_>,
    now: OffsetDateTime,
) -> Result<Claim, DbErr> {
    // Three rounds are enough: a round only repeats after deleting an expired or abandoned row,
    // and a concurrent claimant that inserted in between is then found in the next round.
    for _ in 0..3 {
        let inserted = keys::Entity::insert(keys::ActiveModel {
            user_id: Set(claimant.user_id.uuid()),
            key: Set(claimant.key.to_string()),
            route: Set(claimant.route.to_string()),
            fingerprint: Set(claimant.fingerprint.to_string()),
            created_at: Set(now),
            expires_at: Set(now + KEEP_FOR),
            status: Set(None),
            headers: Set(None),
            body: Set(None),
        })
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
            return Ok(Claim::First);
        }
        let Some(row) =
            keys::Entity::find_by_id((claimant.user_id.uuid(), claimant.key.to_string()))
                .one(db)
                .await?
        else {
            continue;
        };
        let abandoned = row.status.is_none() && row.created_at + STALE_IN_FLIGHT <= now;
        if row.expires_at <= now || abandoned {
            // Only the row seen: a claimant that replaced it meanwhile keeps its own.
            keys::Entity::delete_many()
                .filter(keys::Column::UserId.eq(row.user_id))
                .filter(keys::Column::Key.eq(row.key.clone()))
                .filter(keys::Column::CreatedAt.eq(row.created_at))
                .exec(db)
                .await?;
            continue;
        }
        if row.route != claimant.route || row.fingerprint != claimant.fingerprint {
            return Ok(Claim::Mismatch);
        }
        return Ok(match row.status {
            None => Claim::InFlight,
            Some(status) => Claim::Answered(Answer {
                status: u16::try_from(status)
                    .map_err(|_| DbErr::Custom(format!("stored status {status}")))?,
                headers: match row.headers.as_deref() {
                    None => Vec::new(),
                    Some(json) => serde_json::from_str(json)
                        .map_err(|e| DbErr::Custom(format!("stored headers: {e}")))?,
                },
                body: row.body.unwrap_or_default(),
            }),
        });
    }
    Err(DbErr::Custom(
        "an idempotency key changed hands three times during one claim".into(),
    ))
}

/// Stores the answer of the first request with the key.
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: UserId,
    key: &str,
    answer: &Answer,
) -> Result<(), DbErr> {
    let headers = serde_json::to_string(&answer.headers)
        .map_err(|e| DbErr::Custom(format!("headers: {e}")))?;
    keys::Entity::update_many()
        .col_expr(keys::Column::Status, Expr::value(i32::from(answer.status)))
        .col_expr(keys::Column::Headers, Expr::value(headers))
        .col_expr(keys::Column::Body, Expr::value(answer.body.clone()))
        .filter(keys::Column::UserId.eq(user_id.uuid()))
        .filter(keys::Column::Key.eq(key))
        .exec(db)
        .await
        .map(|_| ())
}

/// Forgets a claim whose request failed in a way a retry may not (a 5xx, a limit).
pub async fn release(db: &impl ConnectionTrait, user_id: UserId, key: &str) -> Result<(), DbErr> {
    keys::Entity::delete_many()
        .filter(keys::Column::UserId.eq(user_id.uuid()))
        .filter(keys::Column::Key.eq(key))
        .filter(keys::Column::Status.is_null())
        .exec(db)
        .await
        .map(|_| ())
}

/// Deletes the answers kept past their day; returns how many.
pub async fn purge_expired(db: &impl ConnectionTrait, now: OffsetDateTime) -> Result<u64, DbErr> {
    keys::Entity::delete_many()
        .filter(keys::Column::ExpiresAt.lte(now))
        .exec(db)
        .await
        .map(|result| result.rows_affected)
}
