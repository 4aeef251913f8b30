//! HTTP for the participatory budgets of a process: read by everyone, created and changed by
//! admins (DESIGN §3 budgets paths).
//!
//! Handlers only translate between JSON and `app::budgets`; a budget's reads carry an `ETag`
//! that its change takes as `If-Match`. Money is in integer cents.

use super::ApiTags;
use super::body::JsonBody;
use super::caching::IfMatch;
use super::catalog::{Translations, render};
use super::common::Page;
use super::problem::{Problem, answers};
use super::security::{BearerAuth, Locale, State, Tenant};
use crate::app::budgets::{self, Budget, BudgetForm};
use crate::app::paging::{self, PageRequest};
use crate::app::projects::{self, Project, ProjectFilter, ProjectForm, ProjectSort};
use crate::app::tenancy::Organization;
use plaza_domain::budgets::{OutcomeRule, VotingRule, VotingRuleForm, Workflow};
use plaza_domain::{CategoryId, Cents, FieldCode, FieldError, ScopeId};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use uuid::Uuid;

/// The kind of a voting rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum VotingRuleKind {
    /// Projects whose costs add up to at most the total, and to at least `min_percent`% of it
    /// at checkout.
    Knapsack,
    /// At most the total, and at least `min_projects` projects at checkout.
    KnapsackMinProjects,
    /// Between `min_projects` and `max_projects` projects; costs are ignored.
    Approval,
    /// `points` spread over projects, at most `max_per_project` on one.
    Cumulative,
}

/// How residents vote in a budget: `kind` and the numbers that kind takes (the others are absent,
/// in requests and answers alike). Field errors name `voting_rule.<number>`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct VotingRuleBody {
    pub kind: VotingRuleKind,
    /// `knapsack`: 0..100.
    #[serde(default, deserialize_with = "super::body::not_null")]
    #[oai(skip_serializing_if_is_none)]
    pub min_percent: Option<u8>,
    /// `knapsack_min_projects` and `approval`: at least 1.
    #[serde(default, deserialize_with = "super::body::not_null")]
    #[oai(skip_serializing_if_is_none)]
    pub min_projects: Option<u32>,
    /// `approval`: at least `min_projects`.
    #[serde(default, deserialize_with = "super::body::not_null")]
    #[oai(skip_serializing_if_is_none)]
    pub max_projects: Option<u32>,
    /// `cumulative`: at least 1.
    #[serde(default, deserialize_with = "super::body::not_null")]
    #[oai(skip_serializing_if_is_none)]
    pub points: Option<u32>,
    /// `cumulative`: 1..`points`.
    #[serde(default, deserialize_with = "super::body::not_null")]
    #[oai(skip_serializing_if_is_none)]
    pub max_per_project: Option<u32>,
}

impl VotingRuleBody {
    /// The rule as the domain reads it, or the numbers missing or out of place.
    fn form(&self) -> Result<VotingRuleForm, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut need = |name: &str, value: Option<u32>| -> u32 {
            value.unwrap_or_else(|| {
                problems.push(FieldError::new(
                    format!("voting_rule.{name}"),
                    FieldCode::Required,
                    "This voting rule needs this number.",
                ));
                0
            })
        };
        let form = match self.kind {
            VotingRuleKind::Knapsack => VotingRuleForm::Knapsack {
                min_percent: u8::try_from(need("min_percent", self.min_percent.map(u32::from)))
                    .unwrap_or(0),
            },
            VotingRuleKind::KnapsackMinProjects => VotingRuleForm::KnapsackMinProjects {
                min_projects: need("min_projects", self.min_projects),
            },
            VotingRuleKind::Approval => VotingRuleForm::Approval {
                min_projects: need("min_projects", self.min_projects),
                max_projects: need("max_projects", self.max_projects),
            },
            VotingRuleKind::Cumulative => VotingRuleForm::Cumulative {
                points: need("points", self.points),
                max_per_project: need("max_per_project", self.max_per_project),
            },
        };
        let used = match self.kind {
            VotingRuleKind::Knapsack => ["min_percent"].as_slice(),
            VotingRuleKind::KnapsackMinProjects => &["min_projects"],
            VotingRuleKind::Approval => &["min_projects", "max_projects"],
            VotingRuleKind::Cumulative => &["points", "max_per_project"],
        };
        let given = [
            ("min_percent", self.min_percent.is_some()),
            ("min_projects", self.min_projects.is_some()),
            ("max_projects", self.max_projects.is_some()),
            ("points", self.points.is_some()),
            ("max_per_project", self.max_per_project.is_some()),
        ];
        for (name, present) in given {
            if present && !used.contains(&name) {
                problems.push(FieldError::new(
                    format!("voting_rule.{name}"),
                    FieldCode::UnknownField,
                    "This voting rule does not take this number.",
                ));
            }
        }
        if problems.is_empty() {
            Ok(form)
        } else {
            Err(problems)
        }
    }
}

impl From<VotingRule> for VotingRuleBody {
    fn from(rule: VotingRule) -> VotingRuleBody {
        let mut body = VotingRuleBody {
            kind: VotingRuleKind::Knapsack,
            min_percent: None,
            min_projects: None,
            max_projects: None,
            points: None,
            max_per_project: None,
        };
        match rule {
            VotingRule::Knapsack { min_percent, .. } => body.min_percent = Some(min_percent),
            VotingRule::KnapsackMinProjects { min_projects, .. } => {
                body.kind = VotingRuleKind::KnapsackMinProjects;
                body.min_projects = Some(min_projects);
            }
            VotingRule::Approval {
                min_projects,
                max_projects,
                ..
            } => {
                body.kind = VotingRuleKind::Approval;
                body.min_projects = Some(min_projects);
                body.max_projects = Some(max_projects);
            }
            VotingRule::Cumulative {
                points,
                max_per_project,
                ..
            } => {
                body.kind = VotingRuleKind::Cumulative;
                body.points = Some(points);
                body.max_per_project = Some(max_per_project);
            }
        }
        body
    }
}

/// How the winners are computed once voting closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OutcomeRuleName {
    /// Projects by votes, each taken if it still fits (ties: lower cost, then more votes, then
    /// id).
    Greedy,
    /// The Method of Equal Shares, completed by add1 and a greedy fill.
    EqualShares,
}

impl From<OutcomeRuleName> for OutcomeRule {
    fn from(name: OutcomeRuleName) -> OutcomeRule {
        match name {
            OutcomeRuleName::Greedy => OutcomeRule::Greedy,
            OutcomeRuleName::EqualShares => OutcomeRule::EqualShares,
        }
    }
}

impl From<OutcomeRule> for OutcomeRuleName {
    fn from(rule: OutcomeRule) -> OutcomeRuleName {
        match rule {
            OutcomeRule::Greedy => OutcomeRuleName::Greedy,
            OutcomeRule::EqualShares => OutcomeRuleName::EqualShares,
        }
    }
}

/// Which budgets of the process a resident may vote in; every budget of a process has the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum WorkflowName {
    /// One budget of the process, whichever the resident chooses first.
    One,
    /// Every budget whose territory the resident lives in.
    All,
    /// Their own budgets and one other.
    OwnPlusOne,
}

impl From<WorkflowName> for Workflow {
    fn from(name: WorkflowName) -> Workflow {
        match name {
            WorkflowName::One => Workflow::One,
            WorkflowName::All => Workflow::All,
            WorkflowName::OwnPlusOne => Workflow::OwnPlusOne,
        }
    }
}

impl From<Workflow> for WorkflowName {
    fn from(workflow: Workflow) -> WorkflowName {
        match workflow {
            Workflow::One => WorkflowName::One,
            Workflow::All => WorkflowName::All,
            Workflow::OwnPlusOne => WorkflowName::OwnPlusOne,
        }
    }
}

/// A participatory budget: money a process shares out among projects residents vote for.
#[derive(Debug, Object)]
pub struct BudgetView {
    pub id: Uuid,
    pub process_id: Uuid,
    /// Titles by locale.
    pub title: Translations,
    /// The title in the request's language (or the organization's default).
    pub title_text: String,
    pub description: Translations,
    pub description_text: String,
    /// The money shared out, in cents.
    pub total: i64,
    /// The territory it is for; `null`: city-wide.
    #[oai(nullable)]
    pub scope_id: Option<Uuid>,
    pub voting_rule: VotingRuleBody,
    pub outcome_rule: OutcomeRuleName,
    pub workflow: WorkflowName,
    /// Whether vote counts show while voting is open.
    pub show_votes_during_voting: bool,
    /// Order among the process's budgets (lowest first).
    pub position: i32,
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
}

impl BudgetView {
    fn new(budget: &Budget, organization: &Organization, locale: &str) -> BudgetView {
        let (title, title_text) = render(&budget.title, organization, locale);
        let (description, description_text) = render(&budget.description, organization, locale);
        BudgetView {
            id: budget.id,
            process_id: budget.process_id.uuid(),
            title,
            title_text,
            description,
            description_text,
            total: budget.total.0,
            scope_id: budget.scope_id.map(ScopeId::uuid),
            voting_rule: budget.voting_rule.into(),
            outcome_rule: budget.outcome_rule.into(),
            workflow: budget.workflow.into(),
            show_votes_during_voting: budget.show_votes_during_voting,
            position: budget.position,
            created_at: budget.created_at,
            updated_at: budget.updated_at,
        }
    }
}

/// A new budget.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateBudgetBody {
    /// The title in each of the organization's locales (its default one required), up to 150
    /// characters each, trimmed.
    pub title: Translations,
    /// Texts as for `title`, up to 5,000 characters; absent or `{}`: no description.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub description: Option<Translations>,
    /// The money shared out, in cents (above zero).
    pub total: i64,
    /// A scope of the process's territory; absent: city-wide.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub scope_id: Option<Uuid>,
    /// Absent: `knapsack` with `min_percent` 70.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub voting_rule: Option<VotingRuleBody>,
    /// Absent: `greedy`.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub outcome_rule: Option<OutcomeRuleName>,
    /// Absent: the workflow of the process's other budgets (`one` for its first).
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub workflow: Option<WorkflowName>,
    /// Absent: `false` (counts stay secret until voting closes).
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub show_votes_during_voting: Option<bool>,
    /// Order among the process's budgets; 0 when absent.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub position: Option<i32>,
}

/// Changes to a budget; absent fields stay as they are. Once a ballot exists, `total`,
/// `scope_id`, `voting_rule`, `outcome_rule` and `workflow` cannot change (409
/// `budget_rules_locked`).
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateBudgetBody {
    /// Replaces every title, as on creation.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub title: Option<Translations>,
    /// `null` or `{}` clears the description.
    #[serde(default)]
    #[oai(nullable)]
    pub description: MaybeUndefined<Translations>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub total: Option<i64>,
    /// `null` makes the budget city-wide.
    #[serde(default)]
    #[oai(nullable)]
    pub scope_id: MaybeUndefined<Uuid>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub voting_rule: Option<VotingRuleBody>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub outcome_rule: Option<OutcomeRuleName>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub workflow: Option<WorkflowName>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub show_votes_during_voting: Option<bool>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub position: Option<i32>,
}

/// A budget was created.
#[derive(ApiResponse)]
pub enum BudgetCreated {
    /// Created; `Location` is the new budget's path.
    #[oai(status = 201)]
    Created(Json<BudgetView>, #[oai(header = "Location")] String),
}

fn voting_rule(
    body: Option<&VotingRuleBody>,
) -> Result<Option<VotingRuleForm>, crate::app::error::AppError> {
    match body {
        Some(body) => body
            .form()
            .map(Some)
            .map_err(|problems| plaza_domain::DomainError::Invalid(problems).into()),
        None => Ok(None),
    }
}

/// A costed project of a budget, which residents vote for.
#[derive(Debug, Object)]
pub struct ProjectView {
    pub id: Uuid,
    pub budget_id: Uuid,
    /// Titles by locale.
    pub title: Translations,
    /// The title in the request's language (or the organization's default).
    pub title_text: String,
    pub description: Translations,
    pub description_text: String,
    /// What it costs, in cents.
    pub cost: i64,
    #[oai(nullable)]
    pub scope_id: Option<Uuid>,
    #[oai(nullable)]
    pub category_id: Option<Uuid>,
    /// Live comments on it (`GET /projects/{id}/comments`).
    pub comments_count: u32,
    /// Cast ballots choosing it: once the budget's results are published, or during voting
    /// where the budget shows counts (`show_votes_during_voting`); `null` while they are secret.
    #[oai(nullable)]
    pub votes: Option<u64>,
    /// The proposals it came from (`GET /proposals/{id}`).
    pub proposal_ids: Vec<Uuid>,
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
}

impl ProjectView {
    fn new(project: &Project, organization: &Organization, locale: &str) -> ProjectView {
        let (title, title_text) = render(&project.title, organization, locale);
        let (description, description_text) = render(&project.description, organization, locale);
        ProjectView {
            id: project.id,
            budget_id: project.budget_id,
            title,
            title_text,
            description,
            description_text,
            cost: project.cost.0,
            scope_id: project.scope_id.map(ScopeId::uuid),
            category_id: project.category_id.map(CategoryId::uuid),
            comments_count: project.comments_count,
            votes: project.votes,
            proposal_ids: project.proposal_ids.clone(),
            created_at: project.created_at,
            updated_at: project.updated_at,
        }
    }
}

/// A new project.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectBody {
    /// The title in each of the organization's locales (its default one required), up to 150
    /// characters each, trimmed.
    pub title: Translations,
    /// Texts as for `title`, up to 5,000 characters; absent or `{}`: no description.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub description: Option<Translations>,
    /// In cents: above zero and at most the budget's total.
    pub cost: i64,
    /// A scope of the budget's territory.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub scope_id: Option<Uuid>,
    /// A category of the budget's process.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub category_id: Option<Uuid>,
    /// The published proposals of the budget's process this project came from (at most 100;
    /// `proposal_ids.N` `not_found` for an unknown, draft or hidden one, `not_in_process` for
    /// another process's). Each proposal then shows the project in `became_projects`.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub proposal_ids: Option<Vec<Uuid>>,
}

/// Changes to a project; absent fields stay as they are. Once a ballot exists in its budget,
/// its cost cannot change (409 `budget_rules_locked`).
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectBody {
    /// Replaces every title, as on creation.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub title: Option<Translations>,
    /// `null` or `{}` clears the description.
    #[serde(default)]
    #[oai(nullable)]
    pub description: MaybeUndefined<Translations>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub cost: Option<i64>,
    /// `null`: no scope.
    #[serde(default)]
    #[oai(nullable)]
    pub scope_id: MaybeUndefined<Uuid>,
    /// `null`: no category.
    #[serde(default)]
    #[oai(nullable)]
    pub category_id: MaybeUndefined<Uuid>,
    /// Replaces the proposals it came from, as on creation; `[]`: none.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub proposal_ids: Option<Vec<Uuid>>,
}

/// A project was created.
#[derive(ApiResponse)]
pub enum ProjectCreated {
    /// Created; `Location` is the new project's path.
    #[oai(status = 201)]
    Created(Json<ProjectView>, #[oai(header = "Location")] String),
}

/// The orders of a project list.
#[derive(Debug, Clone, Copy, Default, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProjectSortName {
    /// Cheapest first.
    #[default]
    Cost,
    /// The most votes first: only where vote counts may be read (422 `sort` `votes_secret`
    /// otherwise).
    MostVoted,
    /// Shuffled by `seed` (required with it).
    Random,
}

pub struct BudgetsApi;

#[OpenApi(tag = "ApiTags::Budgets")]
impl BudgetsApi {
    /// List a process's budgets
    ///
    /// Its participatory budgets (one per district in Barcelona), in order.
    #[oai(
        path = "/processes/:slug/budgets",
        method = "get",
        operation_id = "list_budgets"
    )]
    async fn list(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        /// The process's slug.
        slug: Path<String>,
    ) -> Result<Json<Vec<BudgetView>>, Problem<0>> {
        let found = budgets::list(&state, &organization, &slug.0).await?;
        Ok(Json(
            found
                .iter()
                .map(|budget| BudgetView::new(budget, &organization, &locale))
                .collect(),
        ))
    }

    /// Create a budget
    ///
    /// A budget of the process: its money in cents, its territory (a scope of the process's),
    /// its voting rule, outcome rule and workflow (every budget of a process has the same
    /// workflow: a different one is 422 `workflow` `differs_from_process`). Audited.
    #[oai(
        path = "/processes/:slug/budgets",
        method = "post",
        operation_id = "create_budget"
    )]
    async fn create(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        /// The process's slug.
        slug: Path<String>,
        body: JsonBody<CreateBudgetBody>,
    ) -> Result<
        BudgetCreated,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let budget = budgets::create(
            &state,
            &organization,
            &auth.0,
            &slug.0,
            BudgetForm {
                title: Some(form.title),
                description: Some(form.description),
                total: Some(Cents(form.total)),
                scope_id: Some(form.scope_id.map(ScopeId::from)),
                voting_rule: voting_rule(form.voting_rule.as_ref())?,
                outcome_rule: form.outcome_rule.map(Into::into),
                workflow: form.workflow.map(Into::into),
                show_votes_during_voting: form.show_votes_during_voting,
                position: form.position,
            },
        )
        .await?;
        let location = format!("/api/v1/budgets/{}", budget.id);
        Ok(BudgetCreated::Created(
            Json(BudgetView::new(&budget, &organization, &locale)),
            location,
        ))
    }

    /// Read a budget
    ///
    /// Its `ETag` names this version of it, for a change with `If-Match`.
    #[oai(path = "/budgets/:id", method = "get", operation_id = "get_budget")]
    async fn get(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<Json<BudgetView>, Problem<0>> {
        let budget = budgets::get(&state, &organization, id.0).await?;
        Ok(Json(BudgetView::new(&budget, &organization, &locale)))
    }

    /// Change a budget
    ///
    /// Absent fields stay as they are. A new `workflow` is given to every budget of the process
    /// (they share one). Once a ballot exists, the rules residents voted under (total,
    /// territory, voting and outcome rules, workflow: of any budget of the process) answer 409
    /// `budget_rules_locked`; the total never falls below a project's cost (422 `total`
    /// `below_project_cost`). With `If-Match`, only if the budget is still the version read.
    /// Audited.
    #[oai(
        path = "/budgets/:id",
        method = "patch",
        operation_id = "update_budget"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented parameter"
    )]
    async fn update(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
        /// The `ETag` of the version this change was made on: if the budget changed since,
        /// nothing is changed and the answer is 412. `*` stands for any version.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateBudgetBody>,
    ) -> Result<
        Json<BudgetView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::PRECONDITION_FAILED
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let if_match = IfMatch::parse(if_match.0.as_deref());
        let budget = budgets::update(
            &state,
            &organization,
            &auth.0,
            id.0,
            BudgetForm {
                title: form.title,
                description: form.description.into(),
                total: form.total.map(Cents),
                scope_id: Option::from(form.scope_id)
                    .map(|scope: Option<Uuid>| scope.map(ScopeId::from)),
                voting_rule: voting_rule(form.voting_rule.as_ref())?,
                outcome_rule: form.outcome_rule.map(Into::into),
                workflow: form.workflow.map(Into::into),
                show_votes_during_voting: form.show_votes_during_voting,
                position: form.position,
            },
            |current| {
                if_match.holds_in_any_locale(&organization, |locale| {
                    BudgetView::new(current, &organization, locale)
                })
            },
        )
        .await?;
        Ok(Json(BudgetView::new(&budget, &organization, &locale)))
    }

    /// List a budget's projects
    ///
    /// A page of its projects: by `cost` (cheapest first, the default), in a `random` order
    /// that a `seed` keeps the same on every page, or `most_voted` where vote counts may be read
    /// (422 `sort` `votes_secret` while they are secret); filtered by scope (with the scopes
    /// inside it) and category.
    #[oai(
        path = "/budgets/:id/projects",
        method = "get",
        operation_id = "list_projects"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented query parameter"
    )]
    async fn list_projects(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        /// The budget's id.
        id: Path<Uuid>,
        /// The order: `cost` (the default) or `random`.
        #[oai(default)]
        sort: Query<ProjectSortName>,
        /// The shuffle of `sort=random` (required with it): keep it for the whole visit.
        seed: Query<Option<u32>>,
        /// Only projects in this scope or a scope inside it.
        scope_id: Query<Option<Uuid>>,
        /// Only projects of this category.
        category_id: Query<Option<Uuid>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1 to 100.
        #[oai(
            default = "super::common::default_page_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
    ) -> Result<Json<Page<ProjectView>>, Problem<{ answers::BAD_REQUEST | answers::UNPROCESSABLE }>>
    {
        let sort = match (sort.0, seed.0) {
            (ProjectSortName::Cost, _) => ProjectSort::Cost,
            (ProjectSortName::MostVoted, _) => ProjectSort::MostVoted,
            (ProjectSortName::Random, seed) => ProjectSort::Random {
                seed: super::common::required_seed(seed)?,
            },
        };
        let name = sort.cursor_name();
        let after = paging::after(cursor.0.as_deref(), &name)?;
        let page = projects::list(
            &state,
            &organization,
            id.0,
            ProjectFilter {
                scope_id: scope_id.0.map(ScopeId::from),
                category_id: category_id.0.map(CategoryId::from),
            },
            PageRequest {
                sort,
                limit: limit.0,
                after,
            },
        )
        .await?;
        Ok(Json(Page::of(page, &name, |project| {
            ProjectView::new(&project, &organization, &locale)
        })))
    }

    /// Create a project
    ///
    /// A project of the budget: its cost in cents (above zero, at most the budget's total), a
    /// scope of the budget's territory, a category of its process. Audited.
    #[oai(
        path = "/budgets/:id/projects",
        method = "post",
        operation_id = "create_project"
    )]
    async fn create_project(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
        body: JsonBody<CreateProjectBody>,
    ) -> Result<
        ProjectCreated,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let project = projects::create(
            &state,
            &organization,
            &auth.0,
            id.0,
            ProjectForm {
                title: Some(form.title),
                description: Some(form.description),
                cost: Some(Cents(form.cost)),
                scope_id: Some(form.scope_id.map(ScopeId::from)),
                category_id: Some(form.category_id.map(CategoryId::from)),
                proposal_ids: form.proposal_ids,
            },
        )
        .await?;
        let location = format!("/api/v1/projects/{}", project.id);
        Ok(ProjectCreated::Created(
            Json(ProjectView::new(&project, &organization, &locale)),
            location,
        ))
    }

    /// Read a project
    ///
    /// Its `ETag` names this version of it, for a change with `If-Match`.
    #[oai(path = "/projects/:id", method = "get", operation_id = "get_project")]
    async fn get_project(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        /// The project's id.
        id: Path<Uuid>,
    ) -> Result<Json<ProjectView>, Problem<0>> {
        let project = projects::get(&state, &organization, id.0).await?;
        Ok(Json(ProjectView::new(&project, &organization, &locale)))
    }

    /// Change a project
    ///
    /// Absent fields stay as they are. Once a ballot exists in its budget, its cost cannot
    /// change (409 `budget_rules_locked`). With `If-Match`, only if the project is still the
    /// version read. Audited.
    #[oai(
        path = "/projects/:id",
        method = "patch",
        operation_id = "update_project"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented parameter"
    )]
    async fn update_project(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        /// The project's id.
        id: Path<Uuid>,
        /// The `ETag` of the version this change was made on: if the project changed since,
        /// nothing is changed and the answer is 412. `*` stands for any version.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateProjectBody>,
    ) -> Result<
        Json<ProjectView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::PRECONDITION_FAILED
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let if_match = IfMatch::parse(if_match.0.as_deref());
        let project = projects::update(
            &state,
            &organization,
            &auth.0,
            id.0,
            ProjectForm {
                title: form.title,
                description: form.description.into(),
                cost: form.cost.map(Cents),
                scope_id: Option::from(form.scope_id)
                    .map(|scope: Option<Uuid>| scope.map(ScopeId::from)),
                category_id: Option::from(form.category_id)
                    .map(|category: Option<Uuid>| category.map(CategoryId::from)),
                proposal_ids: form.proposal_ids,
            },
            |current| {
                if_match.holds_in_any_locale(&organization, |locale| {
                    ProjectView::new(current, &organization, locale)
                })
            },
        )
        .await?;
        Ok(Json(ProjectView::new(&project, &organization, &locale)))
    }
}
