//! Budgets, their projects and ballots as rows: what the budget use cases read and write.

use super::entities::{ballots, budget_results, budgets, phases, processes, projects};
use plaza_domain::{OrganizationId, ProcessId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// The budgets of a process, in order.
pub async fn of_process(
    db: &impl ConnectionTrait,
    process_id: ProcessId,
) -> Result<Vec<budgets::Model>, DbErr> {
    budgets::Entity::find()
        .filter(budgets::Column::ProcessId.eq(process_id.uuid()))
        .order_by_asc(budgets::Column::Position)
        .order_by_asc(budgets::Column::Id)
        .all(db)
        .await
}

/// The budgets of the process that holds budget `id` of the organization, in order (empty when
/// there is no such budget), read again locked: on PostgreSQL the process's row and then its
/// budgets' rows are locked `FOR SHARE` until the transaction ends, so that no admin change of
/// them (which locks the process, then the budget, `FOR UPDATE` before counting ballots) commits
/// meanwhile. The order is the admin's, so that the two never wait on each other in a cycle (a
/// ballot's insert takes a key share of its process's row as well). SQLite's write transaction
/// already excludes the admin's.
pub async fn with_siblings_shared(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: Uuid,
) -> Result<Vec<budgets::Model>, DbErr> {
    use sea_orm::sea_query::Query;
    let process_of_budget = Query::select()
        .column(budgets::Column::ProcessId)
        .from(budgets::Entity)
        .and_where(budgets::Column::Id.eq(id))
        .to_owned();
    let query = budgets::Entity::find()
        .filter(budgets::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(budgets::Column::ProcessId.in_subquery(process_of_budget.clone()))
        .order_by_asc(budgets::Column::Position)
        .order_by_asc(budgets::Column::Id);
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return query.all(db).await;
    }
    processes::Entity::find()
        .filter(processes::Column::Id.in_subquery(process_of_budget))
        .lock_shared()
        .all(db)
        .await?;
    query.lock_shared().all(db).await
}

/// The budgets of the process that holds budget `id` of the organization, in order, with that
/// process and its phases in order, read in one statement (`None` when there is no such budget).
/// What a ballot write starts from.
pub async fn with_siblings_and_process(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: Uuid,
) -> Result<Option<(Vec<budgets::Model>, processes::Model, Vec<phases::Model>)>, DbErr> {
    use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Order, Query};
    use sea_orm::{FromQueryResult, IdenStatic, Iterable, QueryTrait};
    let process_of_budget = Query::select()
        .column(budgets::Column::ProcessId)
        .from(budgets::Entity)
        .and_where(budgets::Column::Id.eq(id))
        .to_owned();
    let (process, phase) = (Alias::new("process"), Alias::new("phase"));
    let mut query = budgets::Entity::find()
        .filter(budgets::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(budgets::Column::ProcessId.in_subquery(process_of_budget))
        .into_query();
    // The process and its phases come once, on the rows of budget `id` (one a phase); the
    // other budgets' rows leave them empty.
    for column in processes::Column::iter() {
        query.expr_as(
            Expr::col((process.clone(), column)),
            format!("{PROCESS}{}", column.as_str()),
        );
    }
    for column in phases::Column::iter() {
        query.expr_as(
            Expr::col((phase.clone(), column)),
            format!("{PHASE}{}", column.as_str()),
        );
    }
    query
        .join_as(
            sea_orm::JoinType::LeftJoin,
            processes::Entity,
            process.clone(),
            Condition::all()
                .add(
                    Expr::col((process.clone(), processes::Column::Id))
                        .equals((budgets::Entity, budgets::Column::ProcessId)),
                )
                .add(Expr::col((budgets::Entity, budgets::Column::Id)).eq(id))
                .add(
                    Expr::col((process.clone(), processes::Column::OrganizationId))
                        .eq(organization_id.uuid()),
                ),
        )
        .join_as(
            sea_orm::JoinType::LeftJoin,
            phases::Entity,
            phase.clone(),
            Expr::col((phase.clone(), phases::Column::ProcessId))
                .equals((process, processes::Column::Id)),
        )
        .order_by((budgets::Entity, budgets::Column::Position), Order::Asc)
        .order_by((budgets::Entity, budgets::Column::Id), Order::Asc)
        .order_by((phase, phases::Column::Position), Order::Asc);
    let mut budgets: Vec<budgets::Model> = Vec::new();
    let mut found_process = None;
    let mut found_phases = Vec::new();
    for row in db.query_all(&query).await? {
        let budget = budgets::Model::from_query_result(&row, "")?;
        if budgets.last().is_none_or(|last| last.id != budget.id) {
            budgets.push(budget);
        }
        let process_id: Option<Uuid> = row.try_get(PROCESS, processes::Column::Id.as_str())?;
        if process_id.is_some() && found_process.is_none() {
            found_process = Some(processes::Model::from_query_result(&row, PROCESS)?);
        }
        let phase_id: Option<Uuid> = row.try_get(PHASE, phases::Column::Id.as_str())?;
        if phase_id.is_some() {
            found_phases.push(phases::Model::from_query_result(&row, PHASE)?);
        }
    }
    Ok(found_process.map(|process| (budgets, process, found_phases)))
}

/// The prefixes of the process's and its phases' columns in [`with_siblings_and_process`]
/// (doubled underscores: `process_` would make the process's `id` the budget's `process_id`).
const PROCESS: &str = "process__";
const PHASE: &str = "phase__";

/// One budget of the organization, locked for the rest of the transaction when `for_update`.
pub async fn by_id(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: Uuid,
    for_update: bool,
) -> Result<Option<budgets::Model>, DbErr> {
    let query = budgets::Entity::find_by_id(id)
        .filter(budgets::Column::OrganizationId.eq(organization_id.uuid()));
    if for_update {
        super::for_update(db, query).one(db).await
    } else {
        query.one(db).await
    }
}

pub async fn insert(
    db: &impl ConnectionTrait,
    row: budgets::Model,
) -> Result<budgets::Model, DbErr> {
    row.into_active_model().insert(db).await
}

/// Stores every column of `row` but its id, organization, process and creation time.
pub async fn update(
    db: &impl ConnectionTrait,
    row: budgets::Model,
) -> Result<budgets::Model, DbErr> {
    use sea_orm::Set;
    let mut active = row.clone().into_active_model();
    active.title = Set(row.title);
    active.description = Set(row.description);
    active.total_cents = Set(row.total_cents);
    active.scope_id = Set(row.scope_id);
    active.voting_rule = Set(row.voting_rule);
    active.outcome_rule = Set(row.outcome_rule);
    active.workflow = Set(row.workflow);
    active.show_votes_during_voting = Set(row.show_votes_during_voting);
    active.position = Set(row.position);
    active.updated_at = Set(row.updated_at);
    active.update(db).await
}

/// How many ballots (drafts included) the budget has.
pub async fn ballot_count(db: &impl ConnectionTrait, budget_id: Uuid) -> Result<u64, DbErr> {
    ballots::Entity::find()
        .filter(ballots::Column::BudgetId.eq(budget_id))
        .count(db)
        .await
}

/// How many ballots (drafts included) the budgets of a process have, all together.
pub async fn ballot_count_in_process(
    db: &impl ConnectionTrait,
    process_id: ProcessId,
) -> Result<u64, DbErr> {
    use sea_orm::sea_query::Query;
    ballots::Entity::find()
        .filter(
            ballots::Column::BudgetId.in_subquery(
                Query::select()
                    .column(budgets::Column::Id)
                    .from(budgets::Entity)
                    .and_where(budgets::Column::ProcessId.eq(process_id.uuid()))
                    .to_owned(),
            ),
        )
        .count(db)
        .await
}

/// The highest cost among the budget's projects, in cents (`None`: no project).
pub async fn costliest_project(
    db: &impl ConnectionTrait,
    budget_id: Uuid,
) -> Result<Option<i64>, DbErr> {
    projects::Entity::find()
        .select_only()
        .column(projects::Column::CostCents)
        .filter(projects::Column::BudgetId.eq(budget_id))
        .order_by_desc(projects::Column::CostCents)
        .limit(1)
        .into_tuple::<i64>()
        .one(db)
        .await
}

/// What a project list keeps.
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    /// Projects in one of these scopes (a scope and the scopes inside it).
    pub scopes: Option<Vec<plaza_domain::ScopeId>>,
    pub category: Option<plaza_domain::CategoryId>,
}

/// The orders of a project list: cost ascending, votes descending, or a rotation of the random
/// keys from `start`.
#[derive(Debug, Clone, Copy)]
pub enum ProjectOrder {
    Cost,
    MostVoted,
    Random { start: i64 },
}

/// Up to `limit` projects of the budget after `after` (the last row's key and id) in `order`.
pub async fn projects_page(
    db: &impl ConnectionTrait,
    budget_id: Uuid,
    filter: &ProjectFilter,
    order: ProjectOrder,
    after: Option<(Option<i64>, Uuid)>,
    limit: u64,
) -> Result<Vec<projects::Model>, DbErr> {
    use super::paging::{Keyset, keyset, rotated};
    let mut query = projects::Entity::find().filter(projects::Column::BudgetId.eq(budget_id));
    if let Some(scopes) = &filter.scopes {
        query = query.filter(projects::Column::ScopeId.is_in(scopes.iter().map(|s| s.uuid())));
    }
    if let Some(category) = filter.category {
        query = query.filter(projects::Column::CategoryId.eq(category.uuid()));
    }
    match order {
        ProjectOrder::Cost => {
            let ascending = Keyset {
                key: Some(projects::Column::CostCents),
                id: projects::Column::Id,
                descending: false,
            };
            keyset(query, ascending, after).limit(limit).all(db).await
        }
        ProjectOrder::MostVoted => {
            let descending = Keyset {
                key: Some(projects::Column::VotesCount),
                id: projects::Column::Id,
                descending: true,
            };
            keyset(query, descending, after).limit(limit).all(db).await
        }
        ProjectOrder::Random { start } => {
            let ascending = Keyset {
                key: Some(projects::Column::RandomKey),
                id: projects::Column::Id,
                descending: false,
            };
            rotated(db, query, ascending, start, after, limit).await
        }
    }
}

/// One project of the organization, locked for the rest of the transaction when `for_update`.
pub async fn project(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: Uuid,
    for_update: bool,
) -> Result<Option<projects::Model>, DbErr> {
    let query = projects::Entity::find_by_id(id)
        .filter(projects::Column::OrganizationId.eq(organization_id.uuid()));
    if for_update {
        super::for_update(db, query).one(db).await
    } else {
        query.one(db).await
    }
}

pub async fn insert_project(
    db: &impl ConnectionTrait,
    row: projects::Model,
) -> Result<projects::Model, DbErr> {
    row.into_active_model().insert(db).await
}

/// Stores every column of `row` but its id, organization, budget, random key and creation time.
pub async fn update_project(
    db: &impl ConnectionTrait,
    row: projects::Model,
) -> Result<projects::Model, DbErr> {
    use sea_orm::Set;
    let mut active = row.clone().into_active_model();
    active.title = Set(row.title);
    active.description = Set(row.description);
    active.cost_cents = Set(row.cost_cents);
    active.scope_id = Set(row.scope_id);
    active.category_id = Set(row.category_id);
    active.updated_at = Set(row.updated_at);
    active.update(db).await
}

/// Every project of the budget, by id (creation order).
pub async fn all_projects(
    db: &impl ConnectionTrait,
    budget_id: Uuid,
) -> Result<Vec<projects::Model>, DbErr> {
    projects::Entity::find()
        .filter(projects::Column::BudgetId.eq(budget_id))
        .order_by_asc(projects::Column::Id)
        .all(db)
        .await
}

/// The budget's results row, locked for the rest of the transaction when `for_update`.
pub async fn results(
    db: &impl ConnectionTrait,
    budget_id: Uuid,
    for_update: bool,
) -> Result<Option<budget_results::Model>, DbErr> {
    let query = budget_results::Entity::find_by_id(budget_id);
    if for_update {
        super::for_update(db, query).one(db).await
    } else {
        query.one(db).await
    }
}

/// Inserts `row`, or replaces every column of the budget's row.
pub async fn save_results(
    db: &impl ConnectionTrait,
    row: budget_results::Model,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::OnConflict;
    budget_results::Entity::insert(row.into_active_model())
        .on_conflict(
            OnConflict::column(budget_results::Column::BudgetId)
                .update_columns([
                    budget_results::Column::Stage,
                    budget_results::Column::RequestedAt,
                    budget_results::Column::ComputedAt,
                    budget_results::Column::PublishedAt,
                    budget_results::Column::Rule,
                    budget_results::Column::TieBreaking,
                    budget_results::Column::Ballots,
                    budget_results::Column::InputsSha256,
                    budget_results::Column::Outcome,
                    budget_results::Column::ExportPb,
                    budget_results::Column::DurationMs,
                    budget_results::Column::Error,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Adds `delta` to the vote count of each of `projects`, in id order (so that two checkouts
/// sharing projects lock their rows in one order and never wait on each other in a cycle).
pub async fn add_votes(
    db: &impl ConnectionTrait,
    projects: &[Uuid],
    delta: i64,
) -> Result<(), DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    let mut ordered = projects.to_vec();
    ordered.sort_unstable();
    for project in ordered {
        projects::Entity::update_many()
            .col_expr(
                projects::Column::VotesCount,
                Expr::col(projects::Column::VotesCount).add(delta),
            )
            .filter(projects::Column::Id.eq(project))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Sets the vote count of every project of the budget to the number of its cast ballots that
/// choose it.
pub async fn recount_votes(db: &impl ConnectionTrait, budget_id: Uuid) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    let count = Expr::cust(
        "(SELECT count(*) FROM ballot_lines JOIN ballots ON ballots.id = ballot_lines.ballot_id \
         WHERE ballot_lines.project_id = projects.id AND ballots.status = 'cast')",
    );
    projects::Entity::update_many()
        .col_expr(projects::Column::VotesCount, count)
        .filter(projects::Column::BudgetId.eq(budget_id))
        .exec(db)
        .await
        .map(|_| ())
}

/// Sets each project's vote count to `votes` (the published results).
pub async fn set_votes(db: &impl ConnectionTrait, votes: &[(Uuid, i64)]) -> Result<(), DbErr> {
    for (project, count) in votes {
        projects::Entity::update_many()
            .col_expr(
                projects::Column::VotesCount,
                sea_orm::sea_query::Expr::value(*count),
            )
            .filter(projects::Column::Id.eq(*project))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The proposals each of `projects` came from, by project (ids in ascending order).
pub async fn proposals_of_projects(
    db: &impl ConnectionTrait,
    projects: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<Uuid>>, DbErr> {
    use super::entities::project_proposals;
    let mut of = std::collections::HashMap::<Uuid, Vec<Uuid>>::new();
    if projects.is_empty() {
        return Ok(of);
    }
    let rows = project_proposals::Entity::find()
        .filter(project_proposals::Column::ProjectId.is_in(projects.iter().copied()))
        .order_by_asc(project_proposals::Column::ProposalId)
        .all(db)
        .await?;
    for row in rows {
        of.entry(row.project_id).or_default().push(row.proposal_id);
    }
    Ok(of)
}

/// The projects (with their budgets) each of `proposals` became, by proposal, in project order.
pub async fn projects_of_proposals(
    db: &impl ConnectionTrait,
    proposals: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Vec<(Uuid, Uuid)>>, DbErr> {
    use super::entities::project_proposals;
    use sea_orm::{JoinType, RelationDef};
    let mut of = std::collections::HashMap::<Uuid, Vec<(Uuid, Uuid)>>::new();
    if proposals.is_empty() {
        return Ok(of);
    }
    let project_of_link: RelationDef = project_proposals::Entity::belongs_to(projects::Entity)
        .from(project_proposals::Column::ProjectId)
        .to(projects::Column::Id)
        .into();
    let rows: Vec<(Uuid, Uuid, Uuid)> = project_proposals::Entity::find()
        .select_only()
        .column(project_proposals::Column::ProposalId)
        .column(project_proposals::Column::ProjectId)
        .column(projects::Column::BudgetId)
        .join(JoinType::InnerJoin, project_of_link)
        .filter(project_proposals::Column::ProposalId.is_in(proposals.iter().copied()))
        .order_by_asc(project_proposals::Column::ProjectId)
        .into_tuple()
        .all(db)
        .await?;
    for (proposal, project, budget) in rows {
        of.entry(proposal).or_default().push((project, budget));
    }
    Ok(of)
}

/// Makes `proposals` the proposals project `project` came from.
pub async fn set_project_proposals(
    db: &impl ConnectionTrait,
    project: Uuid,
    proposals: &[Uuid],
) -> Result<(), DbErr> {
    use super::entities::project_proposals;
    project_proposals::Entity::delete_many()
        .filter(project_proposals::Column::ProjectId.eq(project))
        .exec(db)
        .await?;
    if proposals.is_empty() {
        return Ok(());
    }
    project_proposals::Entity::insert_many(proposals.iter().map(|&proposal_id| {
        project_proposals::Model {
            project_id: project,
            proposal_id,
        }
        .into_active_model()
    }))
    .exec_without_returning(db)
    .await
    .map(|_| ())
}
