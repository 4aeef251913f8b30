//! `/admin`: census import, civil-servant roles (every change audited) and the jobs that failed
//! for good (admins only).

use super::ApiTags;
use super::body::{CsvBody, JsonBody};
use super::common::Page;
use super::me::RoleName;
use super::problem::{Problem, answers};
use super::security::{BearerAuth, State, Tenant};
use crate::app::paging::{self, PageRequest};
use crate::app::{accounts, census, operations};
use plaza_domain::UserId;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

/// What a census import did.
#[derive(Debug, Object)]
pub struct CensusImport {
    /// Documents new to the census.
    pub created: u64,
    /// Documents already there, with birth date and scope refreshed.
    pub updated: u64,
    /// Records removed because a `replace` import did not list them.
    pub removed: u64,
    /// Residencies ended because their document left the census (`replace` only).
    pub residents_removed: u64,
    /// Records in the census after the import.
    pub total: u64,
}

/// How a census file is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poem_openapi::Enum)]
#[oai(rename_all = "snake_case")]
pub enum CensusImportMode {
    /// Add and refresh records; remove nothing (the census may come in several files).
    Merge,
    /// The file is the whole census: records it does not list are removed, and the residency
    /// of the residents verified with them ends.
    Replace,
}

impl From<CensusImportMode> for census::ImportMode {
    fn from(mode: CensusImportMode) -> census::ImportMode {
        match mode {
            CensusImportMode::Merge => census::ImportMode::Merge,
            CensusImportMode::Replace => census::ImportMode::Replace,
        }
    }
}

/// A job that failed its last attempt and is no longer retried.
#[derive(Debug, Object)]
pub struct DeadJob {
    pub id: Uuid,
    /// What the job was: `account_mail`, `password_reset_requested`, or `mail` (a mail queued
    /// rendered, by a version before template keys).
    pub kind: String,
    pub attempts: i32,
    /// The error of its last attempt, as the worker saw it.
    #[oai(nullable)]
    pub last_error: Option<String>,
    pub created_at: time::OffsetDateTime,
    /// When it was set aside.
    pub failed_at: time::OffsetDateTime,
}

/// An account's roles.
#[derive(Debug, Object)]
pub struct UserRoles {
    pub user_id: Uuid,
    /// Always contains `participant`. These roles hold in every process of the organization.
    pub roles: Vec<RoleName>,
    /// The processes (by slug, in order) the account evaluates by a grant for that process
    /// alone: it answers their proposals and reads their private answers, and no other's
    /// (unless `roles` holds `evaluator` or `admin`).
    pub evaluator_of: Vec<String>,
}

/// The complete set of roles an account should hold.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateRolesBody {
    /// The organization-wide roles; `participant` is implied.
    pub roles: Vec<RoleName>,
    /// The processes (by slug) the account evaluates alone, replacing those it evaluated;
    /// `[]` takes them all away; absent, they stay as they are.
    pub evaluator_of: Option<Vec<String>>,
}

fn user_roles(user_id: Uuid, grants: accounts::Grants) -> UserRoles {
    UserRoles {
        user_id,
        roles: grants.roles.iter().map(RoleName::from).collect(),
        evaluator_of: grants.evaluator_of,
    }
}

pub struct AdminApi;

#[OpenApi(prefix_path = "/admin", tag = "ApiTags::Admin")]
impl AdminApi {
    /// Import the census
    ///
    /// Adds or refreshes census records from a CSV file (`text/csv`, UTF-8, at most 1 MiB; use
    /// `plaza census import FILE` for larger files) with the header `document_number,birth_date,scope_code`
    /// (`,` or `;`). Every row is checked first: if any row is wrong, nothing is imported and
    /// each problem is reported as `lines.N`. Document numbers are stored only as keyed hashes.
    /// With `mode=replace` the file is the whole census: records it does not list are removed,
    /// and so is the residency of anyone verified with them.
    #[oai(path = "/census", method = "post", operation_id = "import_census")]
    async fn import_census(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// `merge` (the default) or `replace`.
        mode: Query<Option<CensusImportMode>>,
        body: CsvBody,
    ) -> Result<
        Json<CensusImport>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let mode = mode.0.unwrap_or(CensusImportMode::Merge).into();
        let summary = census::import(&state, &organization, Some(&auth.0), &body.0, mode).await?;
        Ok(Json(CensusImport {
            created: summary.created,
            updated: summary.updated,
            removed: summary.removed,
            residents_removed: summary.residents_removed,
            total: summary.total,
        }))
    }

    /// Read an account's roles
    #[oai(
        path = "/users/:id/roles",
        method = "get",
        operation_id = "get_user_roles"
    )]
    async fn get_roles(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The account's id.
        id: Path<Uuid>,
    ) -> Result<Json<UserRoles>, Problem<{ answers::BAD_REQUEST | answers::SIGNED_IN }>> {
        let grants =
            accounts::roles_of_user(&state, &organization, &auth.0, UserId::from(id.0)).await?;
        Ok(Json(user_roles(id.0, grants)))
    }

    /// Set an account's roles
    ///
    /// Replaces the account's civil-servant roles: `roles` hold in the whole organization;
    /// `evaluator_of` names the processes it evaluates alone (answering their proposals, reading
    /// their private answers), replacing those it evaluated (absent: unchanged; an unknown slug
    /// is 422 `evaluator_of.N` `not_found`). Admins cannot remove their own admin role. Audited
    /// with before and after.
    #[oai(
        path = "/users/:id/roles",
        method = "patch",
        operation_id = "update_user_roles"
    )]
    async fn update_roles(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The account's id.
        id: Path<Uuid>,
        body: JsonBody<UpdateRolesBody>,
    ) -> Result<
        Json<UserRoles>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let wanted: Vec<plaza_domain::accounts::Role> =
            body.0.roles.into_iter().map(Into::into).collect();
        let grants = accounts::set_roles(
            &state,
            &organization,
            &auth.0,
            UserId::from(id.0),
            &wanted,
            body.0.evaluator_of.as_deref(),
        )
        .await?;
        Ok(Json(user_roles(id.0, grants)))
    }

    /// List the jobs that failed for good
    ///
    /// Mail the worker could not send after every retry (about five hours of them), newest
    /// first: the address the mail server refused, or an outage that lasted. Their content was
    /// erased; the last error says why they failed.
    #[oai(path = "/jobs/dead", method = "get", operation_id = "list_dead_jobs")]
    async fn dead_jobs(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1 to 100.
        #[oai(
            default = "super::common::default_page_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
    ) -> Result<Json<Page<DeadJob>>, Problem<{ answers::BAD_REQUEST | answers::SIGNED_IN }>> {
        let sort = operations::NewestFirst::NAME;
        let after = paging::after(cursor.0.as_deref(), sort)?;
        let page = operations::dead_jobs(
            &state,
            &organization,
            &auth.0,
            PageRequest {
                sort: operations::NewestFirst,
                limit: limit.0,
                after,
            },
        )
        .await?;
        Ok(Json(Page::of(page, sort, |job| DeadJob {
            id: job.id,
            kind: job.kind,
            attempts: job.attempts,
            last_error: job.last_error,
            created_at: job.created_at,
            failed_at: job.dead_at,
        })))
    }
}
