//! The participatory budgets of a process (DESIGN §2.5): created and changed by admins, read by
//! everyone.
//!
//! Every setting is decided by `plaza_domain::budgets`: valid settings
//! ([`BudgetSettings::new`]: a positive total, a checked voting rule), one workflow per process
//! ([`rules::decide_workflow`] on creation; a change of one budget's workflow changes all of
//! them, refused once any has a ballot), and the freeze once residents voted ([`BudgetSettings::change_to`]:
//! rules, total, territory and workflow answer 409 `budget_rules_locked` once a ballot exists;
//! the total never falls below a project's cost). A change runs under the lock of the process's
//! row, so that two admins cannot give two budgets of one process different workflows at once,
//! and reads the ballots and projects it decides on under it. Each change is audited in its
//! transaction.

use super::AppState;
use super::catalog::{self, ProcessRef, check_translation, description_of, stored_texts};
use super::error::{AppError, AppResult};
use super::proposals::check_placement;
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::store::{self, entities::budgets};
use plaza_domain::accounts::{Permission, authorize};
use plaza_domain::budgets::{
    self as rules, BudgetScope, BudgetSettings, OutcomeRule, VoteCountVisibility, VotingRule,
    VotingRuleForm, Workflow,
};
use plaza_domain::processes::MAX_TITLE_LENGTH;
use plaza_domain::{Cents, FieldErrors, ProcessId, ScopeId};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A budget as use cases hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub id: Uuid,
    pub process_id: ProcessId,
    pub title: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    pub total: Cents,
    /// `None`: city-wide.
    pub scope_id: Option<ScopeId>,
    pub voting_rule: VotingRule,
    pub outcome_rule: OutcomeRule,
    pub workflow: Workflow,
    pub show_votes_during_voting: bool,
    pub position: i32,
    pub created_at: time::OffsetDateTime,
    pub updated_at: time::OffsetDateTime,
}

impl TryFrom<budgets::Model> for Budget {
    type Error = AppError;

    fn try_from(row: budgets::Model) -> AppResult<Budget> {
        let unreadable =
            |what: &str| AppError::internal(format!("budget {}: unreadable {what}", row.id));
        Ok(Budget {
            title: stored_texts(&row.title, "budget title")?,
            description: stored_texts(&row.description, "budget description")?,
            voting_rule: serde_json::from_value(row.voting_rule.clone())
                .map_err(|_| unreadable("voting_rule"))?,
            outcome_rule: OutcomeRule::parse(&row.outcome_rule)
                .ok_or_else(|| unreadable("outcome_rule"))?,
            workflow: Workflow::parse(&row.workflow).ok_or_else(|| unreadable("workflow"))?,
            id: row.id,
            process_id: ProcessId::from(row.process_id),
            total: Cents(row.total_cents),
            scope_id: row.scope_id.map(ScopeId::from),
            show_votes_during_voting: row.show_votes_during_voting,
            position: row.position,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

impl Budget {
    /// The settings the domain decides on.
    pub(super) fn settings(&self) -> AppResult<BudgetSettings> {
        settings_of(
            self.total,
            self.scope_id,
            self.voting_rule,
            self.outcome_rule,
            self.workflow,
            self.show_votes_during_voting,
        )
        .map_err(|_| AppError::internal(format!("budget {}: stored settings are invalid", self.id)))
    }
}

fn settings_of(
    total: Cents,
    scope_id: Option<ScopeId>,
    voting_rule: VotingRule,
    outcome_rule: OutcomeRule,
    workflow: Workflow,
    show_votes: bool,
) -> Result<BudgetSettings, plaza_domain::DomainError> {
    BudgetSettings::new(
        total,
        match scope_id {
            Some(scope) => BudgetScope::Scope(rules::ScopeId(scope.uuid().as_u128())),
            None => BudgetScope::CityWide,
        },
        voting_rule,
        outcome_rule,
        workflow,
        if show_votes {
            VoteCountVisibility::ShownWhileVoting
        } else {
            VoteCountVisibility::HiddenWhileVoting
        },
    )
}

/// What an admin sends to create a budget, or to change one (absent fields stay as they are).
#[derive(Debug, Clone, Default)]
pub struct BudgetForm {
    pub title: Option<BTreeMap<String, String>>,
    /// Absent, `null` or `{}`: no description.
    pub description: Option<Option<BTreeMap<String, String>>>,
    pub total: Option<Cents>,
    /// `Some(None)`: city-wide.
    pub scope_id: Option<Option<ScopeId>>,
    pub voting_rule: Option<VotingRuleForm>,
    pub outcome_rule: Option<OutcomeRule>,
    pub workflow: Option<Workflow>,
    pub show_votes_during_voting: Option<bool>,
    pub position: Option<i32>,
}

/// The budgets of the process `slug`, in order.
pub async fn list(
    state: &AppState,
    organization: &Organization,
    slug: &str,
) -> AppResult<Vec<Budget>> {
    let process = store::orgs::process_by_slug(&state.db, organization.id, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    store::budgets::of_process(&state.db, ProcessId::from(process.id))
        .await?
        .into_iter()
        .map(Budget::try_from)
        .collect()
}

/// One budget.
pub async fn get(state: &AppState, organization: &Organization, id: Uuid) -> AppResult<Budget> {
    store::budgets::by_id(&state.db, organization.id, id, false)
        .await?
        .ok_or(AppError::NotFound)
        .and_then(Budget::try_from)
}

/// Creates a budget in the process `slug` (admins only). Defaults: knapsack with a 70% minimum
/// (Decidim's), greedy outcome, the workflow of the process's other budgets (`one` for the
/// first), counts hidden during voting, city-wide.
pub async fn create(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    slug: &str,
    form: BudgetForm,
) -> AppResult<Budget> {
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
    let voting_rule = match form.voting_rule {
        Some(rule) => errors.take_invalid(rule.check())?,
        None => Some(VotingRule::knapsack(70)?),
    };
    let Some(total) = form.total else {
        errors.push(plaza_domain::FieldError::new(
            "total",
            plaza_domain::FieldCode::Required,
            "Say how much money the budget shares out, in cents.",
        ));
        return Err(refused(errors));
    };
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let process = store::orgs::process_by_slug_for_update(work.db(), organization.id, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let view = catalog::process_in(
        work.db(),
        organization,
        ProcessRef::Id(ProcessId::from(process.id)),
        work.now(),
    )
    .await?;
    let scope_id = form.scope_id.flatten();
    check_placement(work.db(), organization, &view, scope_id, None, &mut errors).await?;
    let others = store::budgets::of_process(work.db(), ProcessId::from(process.id)).await?;
    let others = others
        .into_iter()
        .map(Budget::try_from)
        .collect::<AppResult<Vec<_>>>()?;
    let workflow = match form.workflow {
        Some(workflow) => errors.take_invalid(rules::decide_workflow(
            others.iter().map(|b| b.workflow),
            workflow,
        ))?,
        None => Some(others.first().map_or(Workflow::One, |b| b.workflow)),
    };
    let (Some(title), Some(description), Some(voting_rule), Some(workflow)) =
        (title, description, voting_rule, workflow)
    else {
        return Err(refused(errors));
    };
    let outcome_rule = form.outcome_rule.unwrap_or(OutcomeRule::Greedy);
    let show_votes = form.show_votes_during_voting.unwrap_or(false);
    let settings = errors.take_invalid(settings_of(
        total,
        scope_id,
        voting_rule,
        outcome_rule,
        workflow,
        show_votes,
    ))?;
    errors.finish()?;
    let Some(settings) = settings else {
        return Err(AppError::internal("validated settings missing"));
    };
    let row = budgets::Model {
        id: Uuid::now_v7(),
        organization_id: organization.id.uuid(),
        process_id: process.id,
        title: serde_json::to_value(title.as_map()).map_err(AppError::internal)?,
        description: serde_json::to_value(description.as_map()).map_err(AppError::internal)?,
        total_cents: settings.total().0,
        scope_id: scope_id.map(ScopeId::uuid),
        voting_rule: serde_json::to_value(settings.voting_rule()).map_err(AppError::internal)?,
        outcome_rule: settings.outcome_rule().as_str().to_string(),
        workflow: settings.workflow().as_str().to_string(),
        show_votes_during_voting: show_votes,
        position: form.position.unwrap_or(0),
        created_at: work.now(),
        updated_at: work.now(),
    };
    let saved = store::budgets::insert(work.db(), row).await?;
    work.audit(
        AuditAction::BudgetCreate,
        saved.id,
        None,
        Some(budget_json(&saved)),
    )
    .await?;
    work.commit().await?;
    Budget::try_from(saved)
}

/// Changes a budget (admins only), if `precondition` holds of it as it is. See the module
/// documentation for what freezes once a ballot exists.
pub async fn update(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: Uuid,
    form: BudgetForm,
    precondition: impl FnOnce(&Budget) -> bool,
) -> AppResult<Budget> {
    authorize(&actor.roles, Permission::ManageProcesses)?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let found = store::budgets::by_id(work.db(), organization.id, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    // The process first, then the budget: the order every change of a process's budgets takes.
    let process = store::orgs::process_for_update(
        work.db(),
        organization.id,
        ProcessId::from(found.process_id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let before_row = store::budgets::by_id(work.db(), organization.id, id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = Budget::try_from(before_row.clone())?;
    if !precondition(&before) {
        return Err(AppError::PreconditionFailed);
    }
    let mut errors = FieldErrors::new();
    let mut row = before_row.clone();
    retitle(
        (&mut row.title, &mut row.description),
        (form.title.as_ref(), form.description.as_ref()),
        organization,
        &mut errors,
    )?;
    let scope_id = match form.scope_id {
        Some(scope_id) => {
            let view = catalog::process_in(
                work.db(),
                organization,
                ProcessRef::Id(ProcessId::from(process.id)),
                work.now(),
            )
            .await?;
            check_placement(work.db(), organization, &view, scope_id, None, &mut errors).await?;
            scope_id
        }
        None => before.scope_id,
    };
    let voting_rule = match form.voting_rule {
        Some(rule) => errors.take_invalid(rule.check())?,
        None => Some(before.voting_rule),
    };
    // The workflow is the process's: a change of one budget's is a change of all of them.
    let workflow = match form.workflow {
        Some(proposed) if proposed != before.workflow => {
            let ballots =
                store::budgets::ballot_count_in_process(work.db(), ProcessId::from(process.id))
                    .await?;
            rules::change_process_workflow(before.workflow, proposed, ballots)?
        }
        _ => before.workflow,
    };
    let siblings = if workflow == before.workflow {
        Vec::new()
    } else {
        store::budgets::of_process(work.db(), ProcessId::from(process.id))
            .await?
            .into_iter()
            .filter(|other| other.id != id)
            .collect()
    };
    let workflow = Some(workflow);
    let show_votes = form
        .show_votes_during_voting
        .unwrap_or(before.show_votes_during_voting);
    let proposed = match (voting_rule, workflow) {
        (Some(voting_rule), Some(workflow)) => errors.take_invalid(settings_of(
            form.total.unwrap_or(before.total),
            scope_id,
            voting_rule,
            form.outcome_rule.unwrap_or(before.outcome_rule),
            workflow,
            show_votes,
        ))?,
        _ => None,
    };
    errors.finish()?;
    let Some(proposed) = proposed else {
        return Err(AppError::internal("validated settings missing"));
    };
    let ballots = store::budgets::ballot_count(work.db(), id).await?;
    let costliest = store::budgets::costliest_project(work.db(), id)
        .await?
        .map(Cents);
    let settings = before.settings()?.change_to(proposed, ballots, costliest)?;
    row.total_cents = settings.total().0;
    row.scope_id = scope_id.map(ScopeId::uuid);
    row.voting_rule = serde_json::to_value(settings.voting_rule()).map_err(AppError::internal)?;
    row.outcome_rule = settings.outcome_rule().as_str().to_string();
    row.workflow = settings.workflow().as_str().to_string();
    row.show_votes_during_voting = show_votes;
    if let Some(position) = form.position {
        row.position = position;
    }
    row.updated_at = work.now();
    let saved = store::budgets::update(work.db(), row).await?;
    if saved.show_votes_during_voting != before.show_votes_during_voting {
        // Counts kept from now on start from the ballots already cast.
        store::budgets::recount_votes(work.db(), id).await?;
    }
    work.audit(
        AuditAction::BudgetUpdate,
        saved.id,
        Some(budget_json(&before_row)),
        Some(budget_json(&saved)),
    )
    .await?;
    for sibling in siblings {
        let mut changed = sibling.clone();
        changed.workflow = saved.workflow.clone();
        changed.updated_at = work.now();
        let changed = store::budgets::update(work.db(), changed).await?;
        work.audit(
            AuditAction::BudgetUpdate,
            changed.id,
            Some(budget_json(&sibling)),
            Some(budget_json(&changed)),
        )
        .await?;
    }
    work.commit().await?;
    Budget::try_from(saved)
}

/// Texts by locale.
type Texts = BTreeMap<String, String>;

/// Applies a change of title and description (budgets' and projects' alike) to the stored
/// `texts`: a title given replaces every title; a description given (`None`: cleared) replaces
/// the description. Problems go to `errors`, and the texts then stay as they were.
pub(super) fn retitle(
    texts: (&mut serde_json::Value, &mut serde_json::Value),
    changes: (Option<&Texts>, Option<&Option<Texts>>),
    organization: &Organization,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    let (title, description) = texts;
    if let Some(raw) = changes.0
        && let Some(checked) =
            check_translation("title", Some(raw), organization, MAX_TITLE_LENGTH, errors)
    {
        *title = serde_json::to_value(checked.as_map()).map_err(AppError::internal)?;
    }
    if let Some(raw) = changes.1
        && let Some(checked) = description_of(raw.as_ref(), organization, errors)
    {
        *description = serde_json::to_value(checked.as_map()).map_err(AppError::internal)?;
    }
    Ok(())
}

fn refused(errors: FieldErrors) -> AppError {
    match errors.finish() {
        Err(error) => error.into(),
        Ok(()) => AppError::internal("a refusal without a reason"),
    }
}

fn budget_json(row: &budgets::Model) -> serde_json::Value {
    serde_json::json!({
        "process_id": row.process_id,
        "title": row.title,
        "total_cents": row.total_cents,
        "scope_id": row.scope_id,
        "voting_rule": row.voting_rule,
        "outcome_rule": row.outcome_rule,
        "workflow": row.workflow,
        "show_votes_during_voting": row.show_votes_during_voting,
        "position": row.position,
    })
}
