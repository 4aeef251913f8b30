//! Census records, residents and verification attempts.

use super::UniqueIndex;
use super::entities::{census_records, document_attempts, residents, users, verification_attempts};
use plaza_domain::{OrganizationId, UserId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QuerySelect,
};

pub const UX_RESIDENT_DOCUMENT: UniqueIndex = UniqueIndex {
    name: "ux_residents_organization_document",
    table: "residents",
    columns: &["organization_id", "document_hash"],
};

pub async fn record_by_hash(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    document_hash: &str,
) -> Result<Option<census_records::Model>, DbErr> {
    census_records::Entity::find()
        .filter(census_records::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(census_records::Column::DocumentHash.eq(document_hash))
        .one(db)
        .await
}

/// Inserts or updates a census record; `true` when it was new.
/// Inserts census records, or refreshes the birth date and scope of those already there, in
/// batches; returns how many were new. An upsert, so concurrent imports cannot conflict.
pub async fn import_records(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    rows: Vec<census_records::Model>,
) -> Result<u64, DbErr> {
    use sea_orm::sea_query::OnConflict;
    use std::collections::HashSet;
    let existing: HashSet<String> = census_records::Entity::find()
        .select_only()
        .column(census_records::Column::DocumentHash)
        .filter(census_records::Column::OrganizationId.eq(organization_id.uuid()))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let created = rows
        .iter()
        .filter(|row| !existing.contains(&row.document_hash))
        .count() as u64;
    for batch in rows.chunks(500) {
        census_records::Entity::insert_many(
            batch
                .iter()
                .cloned()
                .map(IntoActiveModel::into_active_model),
        )
        .on_conflict(
            OnConflict::columns([
                census_records::Column::OrganizationId,
                census_records::Column::DocumentHash,
            ])
            .update_columns([
                census_records::Column::BirthDate,
                census_records::Column::ScopeId,
                census_records::Column::ImportedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(created)
}

/// Removes the organization's census records whose hash is not in `keep` (a replacing import);
/// returns how many went.
pub async fn remove_records_not_in(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    keep: &std::collections::HashSet<String>,
) -> Result<u64, DbErr> {
    let gone: Vec<String> = census_records::Entity::find()
        .select_only()
        .column(census_records::Column::DocumentHash)
        .filter(census_records::Column::OrganizationId.eq(organization_id.uuid()))
        .into_tuple::<String>()
        .all(db)
        .await?
        .into_iter()
        .filter(|hash| !keep.contains(hash))
        .collect();
    for batch in gone.chunks(500) {
        census_records::Entity::delete_many()
            .filter(census_records::Column::OrganizationId.eq(organization_id.uuid()))
            .filter(census_records::Column::DocumentHash.is_in(batch.iter().cloned()))
            .exec(db)
            .await?;
    }
    Ok(gone.len() as u64)
}

/// Ends the residency of the organization's residents whose document is no longer in its census;
/// returns how many.
pub async fn remove_residents_without_record(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<u64, DbErr> {
    use sea_orm::sea_query::Query;
    let removed = residents::Entity::delete_many()
        .filter(residents::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(
            residents::Column::DocumentHash.not_in_subquery(
                Query::select()
                    .column(census_records::Column::DocumentHash)
                    .from(census_records::Entity)
                    .and_where(census_records::Column::OrganizationId.eq(organization_id.uuid()))
                    .to_owned(),
            ),
        )
        .exec(db)
        .await?;
    Ok(removed.rows_affected)
}

pub async fn record_count(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<u64, DbErr> {
    census_records::Entity::find()
        .filter(census_records::Column::OrganizationId.eq(organization_id.uuid()))
        .count(db)
        .await
}

/// The resident row holding `document_hash`, with its account.
pub async fn resident_by_document(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    document_hash: &str,
) -> Result<Option<(residents::Model, Option<users::Model>)>, DbErr> {
    let Some(resident) = residents::Entity::find()
        .filter(residents::Column::OrganizationId.eq(organization_id.uuid()))
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
    user_id: UserId,
) -> Result<Option<residents::Model>, DbErr> {
    residents::Entity::find_by_id(user_id).one(db).await
}

/// The account's census residency in the organization with the scopes its scope lies in (each
/// scope with its parent, from its own up to the top), in one statement which, given `lock`,
/// first takes it on PostgreSQL (`super::locks`; SQLite needs nothing).
///
/// Everything here is read as of the statement's start, as a read just before the lock would
/// be: residencies and scopes are not what the lock serialises, and whatever a use case decides
/// under it (a voter's ballots) it reads in its next statements.
pub async fn resident_with_scopes(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    user_id: UserId,
    lock: Option<super::locks::Lock>,
) -> Result<
    (
        Option<residents::Model>,
        Vec<(uuid::Uuid, Option<uuid::Uuid>)>,
    ),
    DbErr,
> {
    use sea_orm::{DbBackend, FromQueryResult, Statement, Value};
    let backend = db.get_database_backend();
    let mut values = vec![
        Value::from(organization_id.uuid()),
        Value::from(user_id.uuid()),
    ];
    // A single row to join the residency to; on PostgreSQL, computing it takes the lock.
    let taken = match lock {
        Some(lock) if backend == DbBackend::Postgres => {
            values.push(Value::from(lock.key()));
            "SELECT pg_advisory_xact_lock($3)::text AS locked"
        }
        _ => "SELECT '' AS locked",
    };
    // `$n` numbers a parameter on PostgreSQL and on SQLite alike.
    let sql = format!(
        "WITH RECURSIVE above (id, parent_id) AS ( \
           SELECT scopes.id, scopes.parent_id FROM scopes \
             JOIN residents ON scopes.id = residents.scope_id \
             WHERE residents.user_id = $2 AND residents.organization_id = $1 \
               AND scopes.organization_id = $1 \
           UNION \
           SELECT scopes.id, scopes.parent_id FROM scopes JOIN above ON scopes.id = above.parent_id \
             WHERE scopes.organization_id = $1 \
         ) \
         SELECT taken.locked, residents.*, above.id AS above_id, above.parent_id AS above_parent_id \
           FROM ({taken}) AS taken \
           LEFT JOIN residents ON residents.user_id = $2 AND residents.organization_id = $1 \
           LEFT JOIN above ON residents.user_id IS NOT NULL"
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
        .await?;
    let mut resident = None;
    let mut scopes = Vec::new();
    for row in rows {
        let found: Option<uuid::Uuid> = row.try_get("", "user_id")?;
        if found.is_none() {
            continue;
        }
        if resident.is_none() {
            resident = Some(residents::Model::from_query_result(&row, "")?);
        }
        let above: Option<uuid::Uuid> = row.try_get("", "above_id")?;
        if let Some(id) = above {
            scopes.push((id, row.try_get("", "above_parent_id")?));
        }
    }
    Ok((resident, scopes))
}

/// Makes `row.user_id` the resident holding `row.document_hash`: replaces the account's previous
/// residency and, when `takes_over` is given, moves the deleted account's residency to this one.
pub async fn make_resident(
    db: &impl ConnectionTrait,
    row: residents::Model,
    takes_over: Option<UserId>,
) -> Result<(), DbErr> {
    if let Some(previous) = takes_over {
        residents::Entity::delete_by_id(previous).exec(db).await?;
    }
    residents::Entity::delete_by_id(row.user_id)
        .exec(db)
        .await?;
    row.into_active_model().insert(db).await.map(|_| ())
}

/// An account's verification attempts, created empty if missing and locked for the rest of the
/// transaction, so that parallel attempts are counted one after the other.
pub async fn lock_account_attempts(
    db: &impl ConnectionTrait,
    user_id: UserId,
    now: time::OffsetDateTime,
) -> Result<verification_attempts::Model, DbErr> {
    let empty = verification_attempts::Model {
        user_id: user_id.uuid(),
        failures: 0,
        last_failure_at: now,
        locked_until: None,
    };
    super::lock_or_create(
        db,
        empty,
        verification_attempts::Entity::find_by_id(user_id),
    )
    .await
}

/// A document's failed attempts (by any account), created empty if missing and locked.
pub async fn lock_document_attempts(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    document_hash: &str,
) -> Result<document_attempts::Model, DbErr> {
    let empty = document_attempts::Model {
        organization_id: organization_id.uuid(),
        document_hash: document_hash.to_string(),
        failures: 0,
        last_failure_at: None,
        locked_until: None,
    };
    super::lock_or_create(
        db,
        empty,
        document_attempts::Entity::find_by_id((organization_id.uuid(), document_hash.to_string())),
    )
    .await
}

/// Writes an account's attempts (locked with [`lock_account_attempts`]).
pub async fn save_account_attempts(
    db: &impl ConnectionTrait,
    row: verification_attempts::Model,
) -> Result<(), DbErr> {
    super::save_locked::<verification_attempts::Entity, _>(db, row).await
}

/// Writes a document's attempts (locked with [`lock_document_attempts`]).
pub async fn save_document_attempts(
    db: &impl ConnectionTrait,
    row: document_attempts::Model,
) -> Result<(), DbErr> {
    super::save_locked::<document_attempts::Entity, _>(db, row).await
}

pub async fn clear_attempts(db: &impl ConnectionTrait, user_id: UserId) -> Result<(), DbErr> {
    verification_attempts::Entity::delete_by_id(user_id)
        .exec(db)
        .await
        .map(|_| ())
}

/// Whether any document hash is stored (census records or residents), in any organization.
pub async fn holds_document_hashes(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(census_records::Entity::find().one(db).await?.is_some()
        || residents::Entity::find().one(db).await?.is_some())
}

/// The key id recorded for `purpose`, if any.
pub async fn recorded_key_id(
    db: &impl ConnectionTrait,
    purpose: &str,
) -> Result<Option<String>, DbErr> {
    use super::entities::server_keys;
    Ok(server_keys::Entity::find_by_id(purpose.to_string())
        .one(db)
        .await?
        .map(|row| row.key_id))
}

/// Records (or replaces) the key id of `purpose`.
pub async fn record_key_id(
    db: &impl ConnectionTrait,
    purpose: &str,
    key_id: &str,
    now: time::OffsetDateTime,
) -> Result<(), DbErr> {
    use super::entities::server_keys;
    use sea_orm::sea_query::OnConflict;
    server_keys::Entity::insert(
        server_keys::Model {
            purpose: purpose.to_string(),
            key_id: key_id.to_string(),
            recorded_at: now,
        }
        .into_active_model(),
    )
    .on_conflict(
        OnConflict::column(server_keys::Column::Purpose)
            .update_columns([server_keys::Column::KeyId, server_keys::Column::RecordedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .map(|_| ())
}
