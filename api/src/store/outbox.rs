//! The transactional outbox: side effects written with the business change, run by a worker.
//!
//! [`enqueue`]'s statement is written inside a use case's transaction (through `jobs::enqueue`,
//! which turns a `jobs::Job` into a [`NewJob`]; this module stores content it does not read).
//! The worker [`claim`]s one due row at a time in one statement (on PostgreSQL with `FOR UPDATE
//! SKIP LOCKED`, so replicas never run the same row twice; SQLite is one process and its write
//! lock serialises claims) with a lease of its own, runs it, and marks it [`done`],
//! [`reschedule`]s it with a growing delay, or, after its last allowed attempt, marks it
//! [`dead`]: kept with its last error for admins and metrics, never retried.
//!
//! Jobs with the same `ordering_key` (the account a mail goes to, or a digest of the address a
//! reset request names) run in the order they were written: a job is not claimed while an earlier one with its
//! key is neither done nor dead, so a retried mail is not overtaken by a later one to the same
//! person (an old reset link arriving after the new one).

use super::entities::outbox;
use plaza_domain::{JobId, OrganizationId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use time::OffsetDateTime;
use uuid::Uuid;

/// A job to write: its kind's name, its content, and the key that orders it among others.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    pub organization_id: Option<OrganizationId>,
    pub topic: &'static str,
    pub payload: serde_json::Value,
    pub ordering_key: String,
}

/// The statement that writes a job, to run once the surrounding transaction commits.
pub fn enqueue(job: NewJob, now: OffsetDateTime) -> sea_orm::sea_query::InsertStatement {
    use sea_orm::QueryTrait;
    let row = outbox::Model {
        id: Uuid::now_v7(),
        organization_id: job.organization_id.map(OrganizationId::uuid),
        topic: job.topic.to_string(),
        payload: job.payload,
        created_at: now,
        available_at: now,
        attempts: 0,
        last_error: None,
        done_at: None,
        ordering_key: Some(job.ordering_key),
        dead_at: None,
    };
    outbox::Entity::insert(row.into_active_model()).into_query()
}

/// A claimed job: run it, then call [`done`] or [`reschedule`] with its id.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: JobId,
    pub organization_id: Option<OrganizationId>,
    pub attempts: i32,
    /// The job's content, decoded by its runner (`jobs`).
    pub payload: serde_json::Value,
}

/// Claims the next due job, pushing its `available_at` forward by `lease` so that a worker that
/// dies mid-job releases it for another attempt after the lease. One job per claim: a lease
/// covers one job's run (a mail's send is bounded well below it), never a batch whose last jobs
/// would outlive their lease and be sent twice by another replica.
///
/// One statement, outside any transaction: an `UPDATE` of the one row a subquery picks,
/// answering the row. On PostgreSQL the subquery locks the row it picks and skips rows other
/// replicas are claiming (`FOR UPDATE SKIP LOCKED`); on SQLite the statement holds the write
/// lock. The pick walks the index of jobs still to run in claim order (`ix_outbox_due`), so a
/// claim costs the same with 10 or 100,000 jobs waiting.
pub async fn claim(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    lease: time::Duration,
) -> Result<Option<Claimed>, DbErr> {
    use sea_orm::sea_query::{Alias, Func, Order, Query, QueryStatementBuilder};
    let earlier = Alias::new("earlier");
    let pending_before = Query::select()
        .expr(Expr::val(1))
        .from_as(outbox::Entity, earlier.clone())
        .and_where(
            Expr::col((earlier.clone(), outbox::Column::OrderingKey))
                .equals((outbox::Entity, outbox::Column::OrderingKey)),
        )
        .and_where(
            Expr::col((earlier.clone(), outbox::Column::Id))
                .lt(Expr::col((outbox::Entity, outbox::Column::Id))),
        )
        // Neither done nor dead, written so that the planner cannot answer it from
        // `ix_outbox_due` (whose predicate `done_at IS NULL AND dead_at IS NULL` would match):
        // statistics gathered while every job was done say that almost none waits, and with
        // them PostgreSQL read every waiting job through that index for each candidate.
        // `idx_outbox_ordering_key` finds the recipient's earlier jobs directly.
        .and_where(
            Expr::expr(Func::coalesce([
                Expr::col((earlier.clone(), outbox::Column::DoneAt)),
                Expr::col((earlier, outbox::Column::DeadAt)),
            ]))
            .is_null(),
        )
        .to_owned();
    let mut next = Query::select();
    next.column((outbox::Entity, outbox::Column::Id))
        .from(outbox::Entity)
        .and_where(Expr::col((outbox::Entity, outbox::Column::DoneAt)).is_null())
        .and_where(Expr::col((outbox::Entity, outbox::Column::DeadAt)).is_null())
        .and_where(Expr::col((outbox::Entity, outbox::Column::AvailableAt)).lte(now))
        .and_where(Expr::exists(pending_before).not())
        .order_by((outbox::Entity, outbox::Column::AvailableAt), Order::Asc)
        .order_by((outbox::Entity, outbox::Column::Id), Order::Asc)
        .limit(1);
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        next.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        );
    }
    let claim = Query::update()
        .table(outbox::Entity)
        .value(outbox::Column::AvailableAt, now + lease)
        .value(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        // `= (subquery)`, run once: with `IN (subquery)` PostgreSQL may run the subquery again
        // for each row it scans, and each run, skipping the row this statement has just
        // locked, picks the next job: one claim would lease several.
        .and_where(Expr::col(outbox::Column::Id).eq(Expr::SubQuery(
            None,
            Box::new(next.into_sub_query_statement()),
        )))
        .returning(Query::returning().all())
        .to_owned();
    let Some(row) = db.query_one_raw(backend.build(&claim)).await? else {
        return Ok(None);
    };
    let row = outbox::Model::from_query_result(&row, "")?;
    Ok(Some(Claimed {
        id: JobId::from(row.id),
        organization_id: row.organization_id.map(OrganizationId::from),
        attempts: row.attempts,
        payload: row.payload,
    }))
}

/// What a finished job keeps: nothing of its content (a sent mail held links with live tokens
/// and a resident's address).
fn redacted() -> serde_json::Value {
    serde_json::json!({ "redacted": true })
}

/// Marks a job done and erases its content.
pub async fn done(db: &impl ConnectionTrait, id: JobId, now: OffsetDateTime) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::DoneAt, Expr::value(now))
        .col_expr(outbox::Column::Payload, Expr::value(redacted()))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Id.eq(id.uuid()))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn reschedule(
    db: &impl ConnectionTrait,
    id: JobId,
    error: &str,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::AvailableAt, Expr::value(at))
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .filter(outbox::Column::Id.eq(id.uuid()))
        .exec(db)
        .await
        .map(|_| ())
}

/// Sets a job aside after its last allowed attempt: no longer retried, its content erased (a
/// mail holds live links), its last error kept for admins.
pub async fn dead(
    db: &impl ConnectionTrait,
    id: JobId,
    error: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::DeadAt, Expr::value(now))
        .col_expr(outbox::Column::Payload, Expr::value(redacted()))
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .filter(outbox::Column::Id.eq(id.uuid()))
        .exec(db)
        .await
        .map(|_| ())
}

/// How many jobs wait to run and how many were set aside (for `/metrics`).
pub async fn counts(db: &impl ConnectionTrait) -> Result<(u64, u64), DbErr> {
    use sea_orm::PaginatorTrait;
    let waiting = outbox::Entity::find()
        .filter(outbox::Column::DoneAt.is_null())
        .filter(outbox::Column::DeadAt.is_null())
        .count(db)
        .await?;
    let dead = outbox::Entity::find()
        .filter(outbox::Column::DeadAt.is_not_null())
        .count(db)
        .await?;
    Ok((waiting, dead))
}

/// A job set aside, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadJob {
    pub id: Uuid,
    pub kind: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
    pub dead_at: OffsetDateTime,
}

/// A page of the organization's dead jobs, newest first, after the job `after`.
pub async fn dead_page(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<DeadJob>, DbErr> {
    let query = outbox::Entity::find()
        .filter(outbox::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(outbox::Column::DeadAt.is_not_null());
    let order = super::paging::Keyset {
        key: None,
        id: outbox::Column::Id,
        descending: true,
    };
    let rows = super::paging::keyset(query, order, after.map(|id| (None, id)))
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(DeadJob {
                id: row.id,
                kind: row.topic,
                attempts: row.attempts,
                last_error: row.last_error,
                created_at: row.created_at,
                dead_at: row.dead_at?,
            })
        })
        .collect())
}

/// Erases and marks done the organization's pending jobs whose content `matches` (an account
/// being deleted: see `jobs::forget_account`). Other organizations' jobs are theirs and stay.
pub async fn erase_pending(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    now: OffsetDateTime,
    matches: impl Fn(&serde_json::Value) -> bool,
) -> Result<(), DbErr> {
    let pending = outbox::Entity::find()
        .filter(outbox::Column::DoneAt.is_null())
        .filter(outbox::Column::DeadAt.is_null())
        .filter(outbox::Column::OrganizationId.eq(organization_id.uuid()))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = pending
        .into_iter()
        .filter(|row| matches(&row.payload))
        .map(|row| row.id)
        .collect();
    if !ids.is_empty() {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::DoneAt, Expr::value(now))
            .col_expr(outbox::Column::Payload, Expr::value(redacted()))
            .filter(outbox::Column::Id.is_in(ids))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Jobs not yet done nor dead (for health reporting and tests).
pub async fn pending(db: &impl ConnectionTrait) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::DoneAt.is_null())
        .filter(outbox::Column::DeadAt.is_null())
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
}
