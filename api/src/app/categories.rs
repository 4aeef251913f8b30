//! The categories of a process: the themes (mobility, green spaces, ...) proposals are filed
//! under, named in each of the organization's languages and ordered by admins.
//!
//! Everyone reads them; admins create and rename or reorder them, each change audited in the
//! same transaction. A change may be made conditional on the version read (`If-Match`), checked
//! under the row's lock.

use super::AppState;
use super::catalog::{check_translation, stored_texts};
use super::error::{AppError, AppResult};
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::store::{self, entities::categories};
use plaza_domain::accounts::{Permission, authorize};
use plaza_domain::processes::MAX_TITLE_LENGTH;
use plaza_domain::{CategoryId, FieldErrors, ProcessId};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A category as use cases hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub id: CategoryId,
    pub process_id: ProcessId,
    /// Names by locale.
    pub name: BTreeMap<String, String>,
    /// Order among the process's categories.
    pub position: i32,
}

impl TryFrom<categories::Model> for Category {
    type Error = AppError;

    fn try_from(row: categories::Model) -> AppResult<Category> {
        Ok(Category {
            name: stored_texts(&row.name, "category name")?,
            id: CategoryId::from(row.id),
            process_id: ProcessId::from(row.process_id),
            position: row.position,
        })
    }
}

/// What an admin sends to create or change a category (on change, absent fields stay).
#[derive(Debug, Clone, Default)]
pub struct CategoryForm {
    pub name: Option<BTreeMap<String, String>>,
    pub position: Option<i32>,
}

/// The categories of the process `slug`, in order.
pub async fn list(
    state: &AppState,
    organization: &Organization,
    slug: &str,
) -> AppResult<Vec<Category>> {
    let process = store::orgs::process_by_slug(&state.db, organization.id, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    store::orgs::categories_of(&state.db, ProcessId::from(process.id))
        .await?
        .into_iter()
        .map(Category::try_from)
        .collect()
}

/// One category.
pub async fn get(
    state: &AppState,
    organization: &Organization,
    id: CategoryId,
) -> AppResult<Category> {
    store::orgs::category(&state.db, organization.id, id, false)
        .await?
        .ok_or(AppError::NotFound)
        .and_then(Category::try_from)
}

/// Creates a category of the process `slug` (admins only).
pub async fn create(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    slug: &str,
    form: CategoryForm,
) -> AppResult<Category> {
    authorize(&actor.roles, Permission::ManageProcesses)?;
    let mut errors = FieldErrors::new();
    let name = check_translation(
        "name",
        form.name.as_ref(),
        organization,
        MAX_TITLE_LENGTH,
        &mut errors,
    );
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let process = store::orgs::process_by_slug(work.db(), organization.id, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    errors.finish()?;
    let Some(name) = name else {
        return Err(AppError::internal("validated fields missing"));
    };
    let row = categories::Model {
        id: Uuid::now_v7(),
        organization_id: organization.id.uuid(),
        process_id: process.id,
        name: serde_json::to_value(name.as_map()).map_err(AppError::internal)?,
        position: form.position.unwrap_or(0),
        created_at: work.now(),
    };
    let saved = store::orgs::insert_category(work.db(), row).await?;
    work.audit(
        AuditAction::CategoryCreate,
        saved.id,
        None,
        Some(category_json(&saved)),
    )
    .await?;
    work.commit().await?;
    Category::try_from(saved)
}

/// Renames or reorders a category (admins only), if `precondition` holds of it as it is.
pub async fn update(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: CategoryId,
    form: CategoryForm,
    precondition: impl FnOnce(&Category) -> bool,
) -> AppResult<Category> {
    authorize(&actor.roles, Permission::ManageProcesses)?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let before = store::orgs::category(work.db(), organization.id, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    if !precondition(&Category::try_from(before.clone())?) {
        return Err(AppError::PreconditionFailed);
    }
    let mut errors = FieldErrors::new();
    let mut row = before.clone();
    if form.name.is_some()
        && let Some(name) = check_translation(
            "name",
            form.name.as_ref(),
            organization,
            MAX_TITLE_LENGTH,
            &mut errors,
        )
    {
        row.name = serde_json::to_value(name.as_map()).map_err(AppError::internal)?;
    }
    if let Some(position) = form.position {
        row.position = position;
    }
    errors.finish()?;
    let saved = store::orgs::update_category(work.db(), row).await?;
    work.audit(
        AuditAction::CategoryUpdate,
        saved.id,
        Some(category_json(&before)),
        Some(category_json(&saved)),
    )
    .await?;
    work.commit().await?;
    Category::try_from(saved)
}

fn category_json(row: &categories::Model) -> serde_json::Value {
    serde_json::json!({ "process_id": row.process_id, "name": row.name, "position": row.position })
}
