//! The transactional outbox: side effects written with the business change, run by a worker.
//!
//! [`enqueue`] is called inside a use case's transaction. The worker [`claim`]s due rows (on
//! PostgreSQL with `FOR UPDATE SKIP LOCKED`, so replicas never run the same row twice; SQLite is
//! one process and its write lock serialises claims), runs them, and marks them [`done`] or
//! [`reschedule`]s them with a growing delay.

use super::entities::outbox;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// A side effect waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Send a mail already rendered by the use case.
    Mail(crate::mail::OutgoingMail),
    /// Someone asked for a password-reset link for `email` (normalised): whether the address
    /// has an account is decided when the job runs, so that the request itself does the same
    /// work for every address and its timing tells nothing.
    PasswordResetRequested {
        organization_id: Uuid,
        email: String,
    },
}

impl Job {
    fn topic(&self) -> &'static str {
        match self {
            Job::Mail(_) => "mail",
            Job::PasswordResetRequested { .. } => "password_reset_requested",
        }
    }
}

/// Writes a job, to run once the surrounding transaction commits.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    organization_id: Option<Uuid>,
    job: &Job,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let payload =
        serde_json::to_value(job).map_err(|e| DbErr::Custom(format!("outbox payload: {e}")))?;
    outbox::Model {
        id: Uuid::now_v7(),
        organization_id,
        topic: job.topic().to_string(),
        payload,
        created_at: now,
        available_at: now,
        attempts: 0,
        last_error: None,
        done_at: None,
    }
    .into_active_model()
    .insert(db)
    .await
    .map(|_| ())
}

/// A claimed job: run it, then call [`done`] or [`reschedule`] with its id.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub attempts: i32,
    pub job: Result<Job, String>,
}

/// Claims up to `limit` due jobs, pushing their `available_at` forward by `lease` so that a
/// worker that dies mid-job releases them for another attempt after the lease.
pub async fn claim(
    db: &impl ConnectionTrait,
    now: OffsetDateTime,
    lease: time::Duration,
    limit: u64,
) -> Result<Vec<Claimed>, DbErr> {
    let mut query = outbox::Entity::find()
        .filter(outbox::Column::DoneAt.is_null())
        .filter(outbox::Column::AvailableAt.lte(now))
        .order_by_asc(outbox::Column::AvailableAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    if db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(
            sea_orm::sea_query::LockType::Update,
            sea_orm::sea_query::LockBehavior::SkipLocked,
        );
    }
    let rows = query.all(db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    if !ids.is_empty() {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::AvailableAt, Expr::value(now + lease))
            .col_expr(
                outbox::Column::Attempts,
                Expr::col(outbox::Column::Attempts).add(1),
            )
            .filter(outbox::Column::Id.is_in(ids))
            .exec(db)
            .await?;
    }
    Ok(rows
        .into_iter()
        .map(|row| Claimed {
            id: row.id,
            attempts: row.attempts + 1,
            job: serde_json::from_value(row.payload).map_err(|e| e.to_string()),
        })
        .collect())
}

/// What a finished job keeps: nothing of its content (a sent mail held links with live tokens
/// and a resident's address).
fn redacted() -> serde_json::Value {
    serde_json::json!({ "redacted": true })
}

/// Marks a job done and erases its content.
pub async fn done(db: &impl ConnectionTrait, id: Uuid, now: OffsetDateTime) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::DoneAt, Expr::value(now))
        .col_expr(outbox::Column::Payload, Expr::value(redacted()))
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn reschedule(
    db: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
    at: OffsetDateTime,
) -> Result<(), DbErr> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::AvailableAt, Expr::value(at))
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Drops the organization's pending mail to `address` (an account being deleted): erased and
/// marked done. Other organizations' mail to the same address is theirs and stays.
pub async fn forget_recipient(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    address: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let pending = outbox::Entity::find()
        .filter(outbox::Column::DoneAt.is_null())
        .filter(outbox::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = pending
        .into_iter()
        .filter(|row| matches!(serde_json::from_value::<Job>(row.payload.clone()), Ok(Job::Mail(mail)) if mail.to == address))
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

/// Jobs not yet done (for health reporting and tests).
pub async fn pending(db: &impl ConnectionTrait) -> Result<Vec<outbox::Model>, DbErr> {
    outbox::Entity::find()
        .filter(outbox::Column::DoneAt.is_null())
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await
}
