//! Organizations, scopes, processes and phases.

use super::UniqueIndex;
use super::entities::{categories, organizations, phases, processes, scopes};
use plaza_domain::{CategoryId, OrganizationId, ProcessId, ScopeId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

pub const UX_SCOPE_CODE: UniqueIndex = UniqueIndex {
    name: "ux_scopes_organization_code",
    table: "scopes",
    columns: &["organization_id", "code"],
};
pub const UX_PROCESS_SLUG: UniqueIndex = UniqueIndex {
    name: "ux_processes_organization_slug",
    table: "processes",
    columns: &["organization_id", "slug"],
};
pub const UX_ORGANIZATION_SLUG: UniqueIndex = UniqueIndex {
    name: "organizations_slug_key",
    table: "organizations",
    columns: &["slug"],
};
pub const UX_ORGANIZATION_HOST: UniqueIndex = UniqueIndex {
    name: "organizations_host_key",
    table: "organizations",
    columns: &["host"],
};

/// The organization serving `host` (lowercase, without port); for a host no organization
/// names, the organization `default_slug` names when given, else the only organization when there
/// is exactly one (DESIGN §1: a single-organization deployment serves every host).
pub async fn find_for_host(
    db: &impl ConnectionTrait,
    host: &str,
    default_slug: Option<&str>,
) -> Result<Option<organizations::Model>, DbErr> {
    if let Some(found) = organizations::Entity::find()
        .filter(organizations::Column::Host.eq(host))
        .one(db)
        .await?
    {
        return Ok(Some(found));
    }
    if let Some(slug) = default_slug {
        return find_by_slug(db, slug).await;
    }
    let mut two = organizations::Entity::find().limit(2).all(db).await?;
    Ok(if two.len() == 1 { two.pop() } else { None })
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: OrganizationId,
) -> Result<Option<organizations::Model>, DbErr> {
    organizations::Entity::find_by_id(id).one(db).await
}

/// Locks the organization's row for the rest of the transaction: the one lock under which
/// changes to who administers it (role changes, an admin's deletion) run one after the other.
pub async fn lock_organization(db: &impl ConnectionTrait, id: OrganizationId) -> Result<(), DbErr> {
    super::for_update(db, organizations::Entity::find_by_id(id))
        .one(db)
        .await
        .map(|_| ())
}

pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<organizations::Model>, DbErr> {
    organizations::Entity::find()
        .filter(organizations::Column::Slug.eq(slug))
        .one(db)
        .await
}

pub async fn count(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    organizations::Entity::find().count(db).await
}

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<organizations::Model>, DbErr> {
    organizations::Entity::find()
        .order_by_asc(organizations::Column::Slug)
        .all(db)
        .await
}

pub async fn insert_organization(
    db: &impl ConnectionTrait,
    row: organizations::Model,
) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

/// Writes an organization's time zone (an IANA name, checked by the caller).
pub async fn set_time_zone(
    db: &impl ConnectionTrait,
    row: organizations::Model,
    time_zone: &str,
) -> Result<organizations::Model, DbErr> {
    let mut active = row.into_active_model();
    active.time_zone = sea_orm::ActiveValue::Set(time_zone.to_string());
    active.update(db).await
}

pub async fn scopes_of(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<Vec<scopes::Model>, DbErr> {
    scopes::Entity::find()
        .filter(scopes::Column::OrganizationId.eq(organization_id.uuid()))
        .order_by_asc(scopes::Column::Position)
        .order_by_asc(scopes::Column::Code)
        .all(db)
        .await
}

/// The scopes `starts` and every scope they lie in, each with its parent, read in one
/// statement (a recursive walk up the tree): what deciding "inside a scope" for a few scopes
/// needs, without reading the whole tree.
pub async fn scopes_above(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    starts: &[Uuid],
) -> Result<Vec<(Uuid, Option<Uuid>)>, DbErr> {
    use sea_orm::{Statement, Value};
    if starts.is_empty() {
        return Ok(Vec::new());
    }
    // `$n` numbers a parameter on PostgreSQL and on SQLite alike.
    let starts_list = (2..starts.len() + 2)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "WITH RECURSIVE above (id, parent_id) AS ( \
           SELECT id, parent_id FROM scopes WHERE organization_id = {org} AND id IN ({starts_list}) \
           UNION \
           SELECT scopes.id, scopes.parent_id FROM scopes JOIN above ON scopes.id = above.parent_id \
             WHERE scopes.organization_id = {org} \
         ) SELECT id, parent_id FROM above",
        org = "$1",
    );
    let mut values = vec![Value::from(organization_id.uuid())];
    values.extend(starts.iter().map(|id| Value::from(*id)));
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            values,
        ))
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "parent_id")?)))
        .collect()
}

/// Every scope of the organization, locked for the rest of the transaction on PostgreSQL (a
/// change that moves scopes must see a tree nobody else is changing).
pub async fn scopes_of_for_update(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<Vec<scopes::Model>, DbErr> {
    let query =
        scopes::Entity::find().filter(scopes::Column::OrganizationId.eq(organization_id.uuid()));
    super::for_update(db, query).all(db).await
}

pub async fn scope(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: ScopeId,
) -> Result<Option<scopes::Model>, DbErr> {
    scopes::Entity::find_by_id(id)
        .filter(scopes::Column::OrganizationId.eq(organization_id.uuid()))
        .one(db)
        .await
}

pub async fn scope_by_code(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    code: &str,
) -> Result<Option<scopes::Model>, DbErr> {
    scopes::Entity::find()
        .filter(scopes::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(scopes::Column::Code.eq(code))
        .one(db)
        .await
}

pub async fn insert_scope(
    db: &impl ConnectionTrait,
    row: scopes::Model,
) -> Result<scopes::Model, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn update_scope(
    db: &impl ConnectionTrait,
    row: scopes::Model,
) -> Result<scopes::Model, DbErr> {
    let mut active = row.clone().into_active_model();
    active.parent_id = Set(row.parent_id);
    active.code = Set(row.code.clone());
    active.kind = Set(row.kind.clone());
    active.name = Set(row.name.clone());
    active.position = Set(row.position);
    active.update(db).await
}

/// A page of the organization's processes (in `scope_id` only, when given) in `order`, after
/// the process `after`, at most `limit` of them.
pub async fn processes_page(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    scope_id: Option<ScopeId>,
    descending: bool,
    after: Option<ProcessId>,
    limit: u64,
) -> Result<Vec<processes::Model>, DbErr> {
    let mut query = processes::Entity::find()
        .filter(processes::Column::OrganizationId.eq(organization_id.uuid()));
    if let Some(scope_id) = scope_id {
        query = query.filter(processes::Column::ScopeId.eq(scope_id.uuid()));
    }
    let order = super::paging::Keyset {
        key: None,
        id: processes::Column::Id,
        descending,
    };
    super::paging::keyset(query, order, after.map(|id| (None, id.uuid())))
        .limit(limit)
        .all(db)
        .await
}

pub async fn process_by_slug(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    slug: &str,
) -> Result<Option<processes::Model>, DbErr> {
    processes::Entity::find()
        .filter(processes::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(processes::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// The organization's processes with these slugs (each once, whatever the repeats).
pub async fn processes_by_slugs(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    slugs: &[String],
) -> Result<Vec<processes::Model>, DbErr> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    processes::Entity::find()
        .filter(processes::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(processes::Column::Slug.is_in(slugs.iter().map(String::as_str)))
        .all(db)
        .await
}

/// How a use case names a process: by the slug of its URL, or by the id a row holds.
#[derive(Debug, Clone, Copy)]
pub enum ProcessRef<'a> {
    Slug(&'a str),
    Id(ProcessId),
}

/// A process of the organization with its phases in order, read in one statement (a process
/// is read on every participation request: its phases decide what is open).
pub async fn process_with_phases(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    process: ProcessRef<'_>,
) -> Result<Option<(processes::Model, Vec<phases::Model>)>, DbErr> {
    use sea_orm::JoinType;
    let phase_of_process: sea_orm::RelationDef = phases::Entity::belongs_to(processes::Entity)
        .from(phases::Column::ProcessId)
        .to(processes::Column::Id)
        .into();
    let query = processes::Entity::find()
        .filter(processes::Column::OrganizationId.eq(organization_id.uuid()));
    let query = match process {
        ProcessRef::Id(id) => query.filter(processes::Column::Id.eq(id.uuid())),
        ProcessRef::Slug(slug) => query.filter(processes::Column::Slug.eq(slug)),
    };
    let rows = query
        .join_rev(JoinType::LeftJoin, phase_of_process)
        .select_also(phases::Entity)
        .order_by_asc(phases::Column::Position)
        .all(db)
        .await?;
    let mut rows = rows.into_iter();
    let Some((process, first)) = rows.next() else {
        return Ok(None);
    };
    let phases = first
        .into_iter()
        .chain(rows.filter_map(|(_, phase)| phase))
        .collect();
    Ok(Some((process, phases)))
}

/// A process by id, locked for the rest of the transaction on PostgreSQL.
pub async fn process_for_update(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: ProcessId,
) -> Result<Option<processes::Model>, DbErr> {
    let query = processes::Entity::find_by_id(id.uuid())
        .filter(processes::Column::OrganizationId.eq(organization_id.uuid()));
    super::for_update(db, query).one(db).await
}

/// A process by slug, locked for the rest of the transaction on PostgreSQL.
pub async fn process_by_slug_for_update(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    slug: &str,
) -> Result<Option<processes::Model>, DbErr> {
    let query = processes::Entity::find()
        .filter(processes::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(processes::Column::Slug.eq(slug));
    super::for_update(db, query).one(db).await
}

pub async fn phases_of(
    db: &impl ConnectionTrait,
    process_ids: &[ProcessId],
) -> Result<Vec<phases::Model>, DbErr> {
    phases::Entity::find()
        .filter(phases::Column::ProcessId.is_in(process_ids.iter().map(|id| id.uuid())))
        .order_by_asc(phases::Column::ProcessId)
        .order_by_asc(phases::Column::Position)
        .all(db)
        .await
}

pub async fn insert_process(
    db: &impl ConnectionTrait,
    row: processes::Model,
) -> Result<processes::Model, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn update_process(
    db: &impl ConnectionTrait,
    row: processes::Model,
) -> Result<processes::Model, DbErr> {
    let mut active = row.clone().into_active_model();
    active.slug = Set(row.slug.clone());
    active.title = Set(row.title.clone());
    active.description = Set(row.description.clone());
    active.scope_id = Set(row.scope_id);
    active.pinned_phase = Set(row.pinned_phase);
    active.proposal_settings = Set(row.proposal_settings.clone());
    active.updated_at = Set(row.updated_at);
    active.update(db).await
}

/// Replaces all phases of a process.
pub async fn replace_phases(
    db: &impl ConnectionTrait,
    process_id: ProcessId,
    rows: Vec<phases::Model>,
) -> Result<(), DbErr> {
    phases::Entity::delete_many()
        .filter(phases::Column::ProcessId.eq(process_id.uuid()))
        .exec(db)
        .await?;
    if !rows.is_empty() {
        phases::Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// A process's categories, in order.
pub async fn categories_of(
    db: &impl ConnectionTrait,
    process_id: ProcessId,
) -> Result<Vec<categories::Model>, DbErr> {
    categories::Entity::find()
        .filter(categories::Column::ProcessId.eq(process_id.uuid()))
        .order_by_asc(categories::Column::Position)
        .order_by_asc(categories::Column::Id)
        .all(db)
        .await
}

/// One category of the organization, locked for the rest of the transaction when `for_update`.
pub async fn category(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: CategoryId,
    for_update: bool,
) -> Result<Option<categories::Model>, DbErr> {
    let query = categories::Entity::find_by_id(id.uuid())
        .filter(categories::Column::OrganizationId.eq(organization_id.uuid()));
    if for_update {
        super::for_update(db, query).one(db).await
    } else {
        query.one(db).await
    }
}

pub async fn insert_category(
    db: &impl ConnectionTrait,
    row: categories::Model,
) -> Result<categories::Model, DbErr> {
    row.into_active_model().insert(db).await
}

pub async fn update_category(
    db: &impl ConnectionTrait,
    row: categories::Model,
) -> Result<categories::Model, DbErr> {
    let mut active = row.clone().into_active_model();
    active.name = Set(row.name.clone());
    active.position = Set(row.position);
    active.update(db).await
}
