//! Census records, residents and verification attempts.

use super::UniqueIndex;
use super::entities::{census_records, residents, users, verification_attempts};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

pub const UX_RESIDENT_DOCUMENT: UniqueIndex = UniqueIndex {
    name: "ux_residents_organization_document",
    table: "residents",
    columns: &["organization_id", "document_hash"],
};

pub async fn record_by_hash(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    document_hash: &str,
) -> Result<Option<census_records::Model>, DbErr> {
    census_records::Entity::find()
        .filter(census_records::Column::OrganizationId.eq(organization_id))
        .filter(census_records::Column::DocumentHash.eq(document_hash))
        .one(db)
        .await
}

/// Inserts or updates a census record; `true` when it was new.
pub async fn upsert_record(
    db: &impl ConnectionTrait,
    row: census_records::Model,
) -> Result<bool, DbErr> {
    match record_by_hash(db, row.organization_id, &row.document_hash).await? {
        Some(existing) => {
            let mut active = existing.into_active_model();
            active.birth_date = Set(row.birth_date);
            active.scope_id = Set(row.scope_id);
            active.imported_at = Set(row.imported_at);
            active.update(db).await?;
            Ok(false)
        }
        None => {
            row.into_active_model().insert(db).await?;
            Ok(true)
        }
    }
}

pub async fn record_count(db: &impl ConnectionTrait, organization_id: Uuid) -> Result<u64, DbErr> {
    census_records::Entity::find()
        .filter(census_records::Column::OrganizationId.eq(organization_id))
        .count(db)
        .await
}

/// The resident row holding `document_hash`, with its account.
pub async fn resident_by_document(
    db: &impl ConnectionTrait,
    organization_id: Uuid,
    document_hash: &str,
) -> Result<Option<(residents::Model, Option<users::Model>)>, DbErr> {
    let Some(resident) = residents::Entity::find()
        .filter(residents::Column::OrganizationId.eq(organization_id))
        .filter(residents::Column::DocumentHash.eq(document_hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let account = users::Entity::find_by_id(resident.user_id).one(db).await?;
    Ok(Some((resident, account)))
}

pub async fn resident_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<residents::Model>, DbErr> {
    residents::Entity::find_by_id(user_id).one(db).await
}

/// Makes `row.user_id` the resident holding `row.document_hash`: replaces the account's previous
/// residency and, when `takes_over` is given, moves the deleted account's residency to this one.
pub async fn make_resident(
    db: &impl ConnectionTrait,
    row: residents::Model,
    takes_over: Option<Uuid>,
) -> Result<(), DbErr> {
    if let Some(previous) = takes_over {
        residents::Entity::delete_by_id(previous).exec(db).await?;
    }
    residents::Entity::delete_by_id(row.user_id)
        .exec(db)
        .await?;
    row.into_active_model().insert(db).await.map(|_| ())
}

pub async fn attempts_of(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<verification_attempts::Model>, DbErr> {
    verification_attempts::Entity::find_by_id(user_id)
        .one(db)
        .await
}

pub async fn save_attempts(
    db: &impl ConnectionTrait,
    row: verification_attempts::Model,
) -> Result<(), DbErr> {
    match attempts_of(db, row.user_id).await? {
        Some(_) => {
            let mut active = row.clone().into_active_model();
            active.failures = Set(row.failures);
            active.last_failure_at = Set(row.last_failure_at);
            active.locked_until = Set(row.locked_until);
            active.update(db).await.map(|_| ())
        }
        None => row.into_active_model().insert(db).await.map(|_| ()),
    }
}

pub async fn clear_attempts(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), DbErr> {
    verification_attempts::Entity::delete_by_id(user_id)
        .exec(db)
        .await
        .map(|_| ())
}
