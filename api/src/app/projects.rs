//! The projects of a budget (DESIGN §2.5): costed items residents vote for, created and changed
//! by admins, listed for everyone.
//!
//! A project's cost is decided by `plaza_domain::budgets::decide_project_cost`: above zero, at
//! most its budget's total, and frozen once a ballot exists (a ballot's lines carry the costs it
//! was filled with). Creation and change run under the lock of the budget's row and read its
//! ballots under it, the order every change of a budget's projects takes. Lists are keyset
//! pages: by cost, or in a random order stable for a seed (a rotation of random keys, as
//! proposals'), or by votes where counts may be read. A project carries its vote count only where
//! counts may be read (`plaza_domain::budgets::results::votes_visible`: once results are
//! published, or during voting where the budget shows them); elsewhere the count is `None` and
//! ordering by votes is refused (422 `sort` `votes_secret`).

use super::AppState;
use super::budgets::Budget;
use super::catalog::{self, ProcessRef, check_translation, description_of, stored_texts};
use super::error::{AppError, AppResult};
use super::paging::{self, Page, PageRequest, Position};
use super::proposals::{as_rules, check_placement, random_key};
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::store::{self, entities::projects};
use plaza_domain::accounts::{Permission, authorize};
use plaza_domain::budgets::decide_project_cost;
use plaza_domain::budgets::results::{self as results_rules, ResultsStage};
use plaza_domain::processes::MAX_TITLE_LENGTH;
use plaza_domain::proposals::{self as rules, Viewer};
use plaza_domain::{CategoryId, Cents, FieldCode, FieldError, FieldErrors, ScopeId};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A project as use cases hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: Uuid,
    pub budget_id: Uuid,
    pub title: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub cost: Cents,
    pub scope_id: Option<ScopeId>,
    pub category_id: Option<CategoryId>,
    /// Live comments on it.
    pub comments_count: u32,
    /// Cast ballots choosing it, where counts may be read (`None` while they are secret).
    pub votes: Option<u64>,
    /// The proposals it came from (ascending ids).
    pub proposal_ids: Vec<Uuid>,
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
}

impl TryFrom<projects::Model> for Project {
    type Error = AppError;

    fn try_from(row: projects::Model) -> AppResult<Project> {
        Ok(Project {
            title: stored_texts(&row.title, "project title")?,
            description: stored_texts(&row.description, "project description")?,
            id: row.id,
            budget_id: row.budget_id,
            cost: Cents(row.cost_cents),
            scope_id: row.scope_id.map(ScopeId::from),
            category_id: row.category_id.map(CategoryId::from),
            comments_count: store::stored_count(row.comments_count, "comments_count")?,
            votes: None,
            proposal_ids: Vec::new(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// What an admin sends to create a project, or to change one (absent fields stay as they are).
#[derive(Debug, Clone, Default)]
pub struct ProjectForm {
    pub title: Option<BTreeMap<String, String>>,
    /// Absent, `null` or `{}`: no description.
    pub description: Option<Option<BTreeMap<String, String>>>,
    pub cost: Option<Cents>,
    /// `Some(None)`: no scope.
    pub scope_id: Option<Option<ScopeId>>,
    /// `Some(None)`: no category.
    pub category_id: Option<Option<CategoryId>>,
    /// The proposals of the process it came from (`Some(vec![])`: none).
    pub proposal_ids: Option<Vec<Uuid>>,
}

/// The orders of a project list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectSort {
    /// Cheapest first.
    Cost,
    /// The most votes first: only where counts may be read.
    MostVoted,
    /// Shuffled by `seed`: the same seed gives the same order on every page.
    Random { seed: u32 },
}

impl ProjectSort {
    /// The name a cursor records (a random order's seed is part of it).
    pub fn cursor_name(self) -> String {
        match self {
            ProjectSort::Cost => "cost".into(),
            ProjectSort::MostVoted => "most_voted".into(),
            ProjectSort::Random { seed } => format!("random:{seed}"),
        }
    }
}

/// What a project list keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProjectFilter {
    /// Only projects in this scope or a scope inside it.
    pub scope_id: Option<ScopeId>,
    pub category_id: Option<CategoryId>,
}

/// A page of the projects of the budget `budget_id`.
pub async fn list(
    state: &AppState,
    organization: &Organization,
    budget_id: Uuid,
    filter: ProjectFilter,
    request: PageRequest<ProjectSort>,
) -> AppResult<Page<Project>> {
    let db = &state.db;
    let budget = store::budgets::by_id(db, organization.id, budget_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let visible = counts_visible(db, &budget).await?;
    if request.sort == ProjectSort::MostVoted {
        results_rules::check_order_by_votes(visible)?;
    }
    let scopes = match filter.scope_id {
        Some(root) => Some(catalog::scope_and_inside(db, organization, root).await?),
        None => None,
    };
    let order = match request.sort {
        ProjectSort::Cost => store::budgets::ProjectOrder::Cost,
        ProjectSort::MostVoted => store::budgets::ProjectOrder::MostVoted,
        ProjectSort::Random { seed } => store::budgets::ProjectOrder::Random {
            start: i64::from(paging::rotation_start(seed)),
        },
    };
    let rows = store::budgets::projects_page(
        db,
        budget.id,
        &store::budgets::ProjectFilter {
            scopes,
            category: filter.category_id,
        },
        order,
        request.after.map(|position| (position.key, position.id)),
        request.limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, request.limit, |row| Position {
        key: Some(match order {
            store::budgets::ProjectOrder::Cost => row.cost_cents,
            store::budgets::ProjectOrder::MostVoted => row.votes_count,
            store::budgets::ProjectOrder::Random { .. } => row.random_key,
        }),
        id: row.id,
    });
    let items = page
        .items
        .into_iter()
        .map(|row| shown(row, visible))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page {
        items: with_proposals(db, items).await?,
        next: page.next,
    })
}

/// `projects` with the proposals each came from (one query for them all).
async fn with_proposals(
    db: &impl sea_orm::ConnectionTrait,
    mut projects: Vec<Project>,
) -> AppResult<Vec<Project>> {
    let ids: Vec<Uuid> = projects.iter().map(|project| project.id).collect();
    let mut of = store::budgets::proposals_of_projects(db, &ids).await?;
    for project in &mut projects {
        project.proposal_ids = of.remove(&project.id).unwrap_or_default();
    }
    Ok(projects)
}

/// One project with the proposals it came from.
async fn with_proposals_one(
    db: &impl sea_orm::ConnectionTrait,
    project: Project,
) -> AppResult<Project> {
    with_proposals(db, vec![project])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a project lost"))
}

/// The proposals `ids` (at most [`MAX_PROPOSALS`]), checked: each a proposal of the process
/// `process` that anyone may read (`plaza_domain::proposals::visible_to` an anonymous visitor:
/// `proposal_ids.N` `not_found` for an unknown, draft or hidden one, `not_in_process` for
/// another process's). Repeats count once; ascending ids.
async fn check_proposals(
    db: &impl sea_orm::ConnectionTrait,
    organization: &Organization,
    process: plaza_domain::ProcessId,
    ids: &[Uuid],
    errors: &mut FieldErrors,
) -> AppResult<Vec<Uuid>> {
    if ids.len() > MAX_PROPOSALS {
        errors.push(FieldError::new(
            "proposal_ids",
            FieldCode::OutOfRange,
            format!("Name at most {MAX_PROPOSALS} proposals."),
        ));
        return Ok(Vec::new());
    }
    let found = store::proposals::by_ids(db, organization.id, ids).await?;
    for (at, id) in ids.iter().enumerate() {
        let field = format!("proposal_ids.{at}");
        match found.iter().find(|row| row.id == *id) {
            Some(row) if !rules::visible_to(&as_rules(row, false)?, Viewer::Anonymous) => errors
                .push(FieldError::new(
                    field,
                    FieldCode::NotFound,
                    "Name a published proposal.",
                )),
            Some(row) if row.process_id != process.uuid() => errors.push(FieldError::new(
                field,
                FieldCode::NotInProcess,
                "Name a proposal of the budget's process.",
            )),
            Some(_) => {}
            None => errors.push(FieldError::new(
                field,
                FieldCode::NotFound,
                "No proposal has this id.",
            )),
        }
    }
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// How many proposals one project may name.
pub const MAX_PROPOSALS: usize = 100;

/// One project.
pub async fn get(state: &AppState, organization: &Organization, id: Uuid) -> AppResult<Project> {
    let db = &state.db;
    let row = store::budgets::project(db, organization.id, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let budget = store::budgets::by_id(db, organization.id, row.budget_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let project = shown(row, counts_visible(db, &budget).await?)?;
    with_proposals_one(db, project).await
}

/// Whether the vote counts of `budget`'s projects may be read now
/// (`plaza_domain::budgets::results::votes_visible`).
async fn counts_visible(
    db: &impl sea_orm::ConnectionTrait,
    budget: &store::entities::budgets::Model,
) -> AppResult<bool> {
    let settings = Budget::try_from(budget.clone())?.settings()?;
    let stage = match store::budgets::results(db, budget.id, false).await? {
        Some(row) => ResultsStage::parse(&row.stage).ok_or_else(|| {
            AppError::internal(format!("results {}: unreadable stage", budget.id))
        })?,
        None => ResultsStage::NotTallied,
    };
    Ok(results_rules::votes_visible(settings.vote_counts(), stage))
}

/// `row` as handed out: with its vote count when counts may be read (`visible`).
fn shown(row: projects::Model, visible: bool) -> AppResult<Project> {
    let votes = u64::try_from(row.votes_count).unwrap_or(0);
    let mut project = Project::try_from(row)?;
    project.votes = visible.then_some(votes);
    Ok(project)
}

/// Creates a project of the budget `budget_id` (admins only).
pub async fn create(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
    form: ProjectForm,
) -> AppResult<Project> {
    authorize(&actor.roles, Permission::ManageProcesses)?;
    let mut errors = FieldErrors::new();
    let title = check_translation(
        "title",
        form.title.as_ref(),
        organization,
        MAX_TITLE_LENGTH,
        &mut errors,
    );
    let description = description_of(
        form.description.as_ref().and_then(Option::as_ref),
        organization,
        &mut errors,
    );
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let budget_row = store::budgets::by_id(work.db(), organization.id, budget_id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let budget = Budget::try_from(budget_row)?;
    let scope_id = form.scope_id.flatten();
    let category_id = form.category_id.flatten();
    let process = catalog::process_in(
        work.db(),
        organization,
        ProcessRef::Id(budget.process_id),
        work.now(),
    )
    .await?;
    check_placement(
        work.db(),
        organization,
        &process,
        scope_id,
        category_id,
        &mut errors,
    )
    .await?;
    check_in_budget(work.db(), organization, &budget, scope_id, &mut errors).await?;
    let proposal_ids = check_proposals(
        work.db(),
        organization,
        budget.process_id,
        form.proposal_ids.as_deref().unwrap_or_default(),
        &mut errors,
    )
    .await?;
    let ballots = store::budgets::ballot_count(work.db(), budget.id).await?;
    let cost = match form.cost {
        Some(cost) => errors.take_invalid(decide_project_cost(
            &budget.settings()?,
            None,
            cost,
            ballots,
        ))?,
        None => {
            errors.push(FieldError::new(
                "cost",
                FieldCode::Required,
                "Say what the project costs, in cents.",
            ));
            None
        }
    };
    errors.finish()?;
    let (Some(title), Some(description), Some(cost)) = (title, description, cost) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let row = projects::Model {
        id: Uuid::now_v7(),
        organization_id: organization.id.uuid(),
        budget_id: budget.id,
        title: serde_json::to_value(title.as_map()).map_err(AppError::internal)?,
        description: serde_json::to_value(description.as_map()).map_err(AppError::internal)?,
        cost_cents: cost.0,
        scope_id: scope_id.map(ScopeId::uuid),
        category_id: category_id.map(CategoryId::uuid),
        random_key: random_key(),
        comments_count: 0,
        created_at: work.now(),
        updated_at: work.now(),
        votes_count: 0,
    };
    let saved = store::budgets::insert_project(work.db(), row).await?;
    store::budgets::set_project_proposals(work.db(), saved.id, &proposal_ids).await?;
    work.audit(
        AuditAction::ProjectCreate,
        saved.id,
        None,
        Some(project_json(&saved, &proposal_ids)),
    )
    .await?;
    work.commit().await?;
    let mut project = Project::try_from(saved)?;
    project.proposal_ids = proposal_ids;
    Ok(project)
}

/// Changes a project (admins only), if `precondition` holds of it as it is.
pub async fn update(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: Uuid,
    form: ProjectForm,
    precondition: impl FnOnce(&Project) -> bool,
) -> AppResult<Project> {
    authorize(&actor.roles, Permission::ManageProcesses)?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let found = store::budgets::project(work.db(), organization.id, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    // The budget first, then the project: the order creation takes too.
    let budget_row = store::budgets::by_id(work.db(), organization.id, found.budget_id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let budget = Budget::try_from(budget_row)?;
    let before_row = store::budgets::project(work.db(), organization.id, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = with_proposals_one(work.db(), Project::try_from(before_row.clone())?).await?;
    if !precondition(&before) {
        return Err(AppError::PreconditionFailed);
    }
    let mut errors = FieldErrors::new();
    let mut row = before_row.clone();
    super::budgets::retitle(
        (&mut row.title, &mut row.description),
        (form.title.as_ref(), form.description.as_ref()),
        organization,
        &mut errors,
    )?;
    let scope_id = form.scope_id.unwrap_or(before.scope_id);
    let category_id = form.category_id.unwrap_or(before.category_id);
    if form.scope_id.is_some() || form.category_id.is_some() {
        let process = catalog::process_in(
            work.db(),
            organization,
            ProcessRef::Id(budget.process_id),
            work.now(),
        )
        .await?;
        check_placement(
            work.db(),
            organization,
            &process,
            form.scope_id.flatten(),
            form.category_id.flatten(),
            &mut errors,
        )
        .await?;
    }
    if form.scope_id.is_some() {
        check_in_budget(work.db(), organization, &budget, scope_id, &mut errors).await?;
    }
    if let Some(cost) = form.cost {
        let ballots = store::budgets::ballot_count(work.db(), budget.id).await?;
        if let Some(cost) = errors.take_invalid(decide_project_cost(
            &budget.settings()?,
            Some(before.cost),
            cost,
            ballots,
        ))? {
            row.cost_cents = cost.0;
        }
    }
    let proposal_ids = match &form.proposal_ids {
        Some(ids) => {
            check_proposals(work.db(), organization, budget.process_id, ids, &mut errors).await?
        }
        None => before.proposal_ids.clone(),
    };
    errors.finish()?;
    row.scope_id = scope_id.map(ScopeId::uuid);
    row.category_id = category_id.map(CategoryId::uuid);
    row.updated_at = work.now();
    let saved = store::budgets::update_project(work.db(), row).await?;
    if proposal_ids != before.proposal_ids {
        store::budgets::set_project_proposals(work.db(), saved.id, &proposal_ids).await?;
    }
    work.audit(
        AuditAction::ProjectUpdate,
        saved.id,
        Some(project_json(&before_row, &before.proposal_ids)),
        Some(project_json(&saved, &proposal_ids)),
    )
    .await?;
    work.commit().await?;
    let mut project = Project::try_from(saved)?;
    project.proposal_ids = proposal_ids;
    Ok(project)
}

/// A project's scope lies in its budget's territory too (a district budget funds projects of that
/// district): `scope_id` `not_in_process` otherwise.
async fn check_in_budget(
    db: &impl sea_orm::ConnectionTrait,
    organization: &Organization,
    budget: &Budget,
    scope_id: Option<ScopeId>,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if let (Some(territory), Some(scope)) = (budget.scope_id, scope_id)
        && !catalog::scope_and_inside(db, organization, territory)
            .await?
            .contains(&scope)
    {
        errors.push(FieldError::new(
            "scope_id",
            FieldCode::NotInProcess,
            "Choose a scope of the budget's territory.",
        ));
    }
    Ok(())
}

fn project_json(row: &projects::Model, proposal_ids: &[Uuid]) -> serde_json::Value {
    serde_json::json!({
        "budget_id": row.budget_id,
        "title": row.title,
        "cost_cents": row.cost_cents,
        "scope_id": row.scope_id,
        "category_id": row.category_id,
        "proposal_ids": proposal_ids,
    })
}
