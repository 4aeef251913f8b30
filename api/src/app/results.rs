//! A budget's results as use cases: an admin asks for the tally once voting closed, the worker
//! computes it, an admin publishes it, and then everyone reads the results and downloads the
//! Pabulib file that recounts them (DESIGN §2.5, §6).
//!
//! The decisions are `plaza_domain::budgets::results`' (a tally only once voting closed,
//! published results final and the only ones anyone but an admin reads); the computation is
//! `plaza_domain::outcome`'s, on the Pabulib election `plaza_domain::budgets::open_data` makes
//! of the cast ballots, with voter keys drawn at random for each tally. The tally runs in the
//! outbox worker ([`compute`], on a blocking thread): the request answers 202 with the results
//! `computing`, and `GET /budgets/{id}/results` shows `computed` (or `failed`) when it is done.
//! What it stores: each project's votes and place in the selection order, the rule and the
//! tie-breaking, the SHA-256 of the exact file the tally read, how long it took, and the file
//! with `votes` and `selected` that `GET /budgets/{id}/export.pb` serves once published.

use super::AppState;
use super::budgets::Budget;
use super::catalog::{self, ProcessRef};
use super::error::{AppError, AppResult};
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::clock::to_timestamp;
use crate::jobs::Job;
use crate::store::{self, entities::budget_results};
use num_rational::BigRational;
use plaza_domain::accounts::{Permission, authorize};
use plaza_domain::budgets::open_data::{self, Context, ListedBallot, ListedProject};
use plaza_domain::budgets::results::{self as rules, ResultsStage};
use plaza_domain::budgets::{self as budgets_rules, BudgetId, ProjectId};
use plaza_domain::outcome::explain::{ProjectShares as Explained, SharesExplanation};
use plaza_domain::processes::Feature;
use plaza_domain::{Cents, OrganizationId, outcome, pabulib};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// One project's line in the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectResult {
    pub project_id: Uuid,
    pub cost_cents: i64,
    /// Cast ballots choosing it.
    pub votes: u64,
    /// What the rule ranks by: votes, or points under cumulative rules (a decimal text).
    pub score: String,
    pub selected: bool,
    /// 1 for the first project funded, 2 for the second...
    pub position: Option<u32>,
    /// Greedy budgets: the project's place in the rule's order (votes, then the tie-breaking).
    #[serde(default)]
    pub rank: Option<u32>,
    /// Greedy budgets: the money left when its turn came, in cents (funded if its cost was at
    /// most this).
    #[serde(default)]
    pub money_left_cents: Option<i64>,
    /// Equal Shares budgets: why it was or was not bought by the rounds.
    #[serde(default)]
    pub shares: Option<ProjectShares>,
}

/// Why Equal Shares bought a project or not (`plaza_domain::outcome::explain`), money in cents
/// rounded to the nearest cent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProjectShares {
    /// Bought in round `round` (1 = first): each supporter who could afford it paid
    /// `price_cents` (per point under cumulative ballots); `paying_everything` of its
    /// `supporters` paid all they had left instead, which was less.
    Bought {
        round: u32,
        price_cents: i64,
        supporters: u64,
        paying_everything: u64,
    },
    /// Costing nothing: funded before the first round.
    Free,
    /// Out of reach from round `after` on (0: from the start): its supporters then held
    /// `left_cents` together, less than its cost. The greedy completion may still fund it.
    OutOfReach { after: u32, left_cents: i64 },
}

/// What an Equal Shares tally keeps to explain a voter's share to them: the endowment and each
/// round's price, exact (`n/d` rationals in currency units), so that a voter's payments are
/// replayed from their own ballot alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredShares {
    endowment: String,
    /// Each round's project and price per unit of weight, in order.
    rounds: Vec<(Uuid, String)>,
}

/// What a computed tally stores as `outcome`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredOutcome {
    total_cost_cents: i64,
    /// Funded first, in selection order; then the others, most votes first.
    projects: Vec<ProjectResult>,
    /// Equal Shares budgets: what explains a voter's share.
    #[serde(default)]
    shares: Option<StoredShares>,
}

/// A budget's results as use cases hand them out.
#[derive(Debug, Clone)]
pub struct Results {
    pub budget_id: Uuid,
    pub stage: ResultsStage,
    pub requested_at: OffsetDateTime,
    pub computed_at: Option<OffsetDateTime>,
    pub published_at: Option<OffsetDateTime>,
    /// The outcome rule computed, by its canonical name.
    pub rule: Option<String>,
    pub tie_breaking: Option<String>,
    /// Cast ballots counted.
    pub ballots: Option<u64>,
    pub inputs_sha256: Option<String>,
    pub total_cost: Option<Cents>,
    pub projects: Vec<ProjectResult>,
    /// Equal Shares budgets: each voter's share of the budget in the run that bought the
    /// projects, in cents (rounded to the nearest cent).
    pub endowment: Option<Cents>,
    pub duration_ms: Option<i64>,
    /// Why the last tally failed.
    pub error: Option<String>,
}

impl TryFrom<budget_results::Model> for Results {
    type Error = AppError;

    fn try_from(row: budget_results::Model) -> AppResult<Results> {
        let stage = ResultsStage::parse(&row.stage).ok_or_else(|| {
            AppError::internal(format!("results {}: unreadable stage", row.budget_id))
        })?;
        let outcome = stored_outcome_of(&row)?;
        Ok(Results {
            budget_id: row.budget_id,
            stage,
            requested_at: row.requested_at,
            computed_at: row.computed_at,
            published_at: row.published_at,
            rule: row.rule,
            tie_breaking: row.tie_breaking,
            ballots: row.ballots.and_then(|n| u64::try_from(n).ok()),
            inputs_sha256: row.inputs_sha256,
            total_cost: outcome.as_ref().map(|o| Cents(o.total_cost_cents)),
            endowment: outcome
                .as_ref()
                .and_then(|o| o.shares.as_ref())
                .map(|shares| rational(&shares.endowment).map(|amount| Cents(to_cents(&amount))))
                .transpose()?,
            projects: outcome.map(|o| o.projects).unwrap_or_default(),
            duration_ms: row.duration_ms,
            error: row.error,
        })
    }
}

/// The outcome a computed tally stored in `row`, if any.
fn stored_outcome_of(row: &budget_results::Model) -> AppResult<Option<StoredOutcome>> {
    row.outcome
        .clone()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|_| AppError::internal(format!("results {}: unreadable outcome", row.budget_id)))
}

/// An admin asks for budget `budget_id` to be tallied: once voting closed, and until its results
/// are published (a new request computes them again). The worker does the computing.
pub async fn request_tally(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
) -> AppResult<Results> {
    authorize(&actor.roles, Permission::ManageProcesses)?;
    let mut work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    // The budget's row serialises requests about its results.
    let budget = store::budgets::by_id(work.db(), organization.id, budget_id, true)
        .await?
        .ok_or(AppError::NotFound)
        .and_then(Budget::try_from)?;
    let process = catalog::process_in(
        work.db(),
        organization,
        ProcessRef::Id(budget.process_id),
        work.now(),
    )
    .await?;
    let before = store::budgets::results(work.db(), budget_id, true).await?;
    let stage = match &before {
        Some(row) => Results::try_from(row.clone())?.stage,
        None => ResultsStage::NotTallied,
    };
    rules::decide_tally(
        process.voting_window(),
        process.voting_ended(work.now()),
        stage,
        to_timestamp(work.now()),
    )?;
    let row = budget_results::Model {
        budget_id,
        organization_id: organization.id.uuid(),
        stage: ResultsStage::Computing.as_str().to_string(),
        requested_at: work.now(),
        computed_at: None,
        published_at: None,
        rule: None,
        tie_breaking: None,
        ballots: None,
        inputs_sha256: None,
        outcome: None,
        export_pb: None,
        duration_ms: None,
        error: None,
    };
    store::budgets::save_results(work.db(), row.clone()).await?;
    work.enqueue(Job::TallyBudget { budget_id }).await?;
    work.audit(AuditAction::BudgetTally, budget_id, None, None)
        .await?;
    work.commit().await?;
    Results::try_from(row)
}

/// The worker's half of a tally: computes the results of budget `budget_id` if a tally is still
/// asked for (`computing`), and stores them. A rule that refuses the election (its limits on
/// runs or work) makes the results `failed` with the reason, not a retried job.
pub async fn compute(
    state: &AppState,
    organization_id: OrganizationId,
    budget_id: Uuid,
) -> AppResult<()> {
    let db = &state.db;
    let Some(row) = store::budgets::results(db, budget_id, false).await? else {
        return Ok(());
    };
    if row.stage != ResultsStage::Computing.as_str() {
        return Ok(());
    }
    let organization = store::orgs::find_by_id(db, organization_id)
        .await?
        .ok_or(AppError::NotFound)
        .and_then(Organization::try_from)?;
    let budget = store::budgets::by_id(db, organization_id, budget_id, false)
        .await?
        .ok_or(AppError::NotFound)
        .and_then(Budget::try_from)?;
    let election = election_of(state, &organization, &budget).await?;
    let ballots = election.voters.len();
    let (rule, tie_breaking) = budget.outcome_rule.computation();
    let started = std::time::Instant::now();
    let computed = tokio::task::spawn_blocking(move || {
        let options = outcome::TallyOptions {
            threads: crate::pb::tally_threads(),
            ..outcome::TallyOptions::default()
        };
        let tally =
            outcome::tally_with(&election, &rule, Some(tie_breaking), &options).and_then(|tally| {
                let shares = outcome::explain::equal_shares_of(
                    &election,
                    &rule,
                    Some(tie_breaking),
                    &tally,
                )?;
                Ok((tally, shares))
            });
        (election, tally)
    })
    .await
    .map_err(AppError::internal)?;
    let duration = started.elapsed();
    tracing::info!(budget = %budget_id, ballots, ms = duration.as_millis(), "budget tallied");
    let (election, tally) = computed;
    let mut done = row;
    done.computed_at = Some(state.now());
    done.duration_ms = Some(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX));
    done.ballots = Some(i64::try_from(ballots).unwrap_or(i64::MAX));
    match tally {
        Ok((tally, shares)) => {
            let read = pabulib::write(&election).map_err(AppError::internal)?;
            let published = pabulib::write(&open_data::with_outcome(&election, &tally))
                .map_err(AppError::internal)?;
            let stored = stored_outcome(&budget, &election, &tally, shares.as_ref())?;
            done.stage = ResultsStage::Computed.as_str().to_string();
            done.rule = Some(tally.rule.clone());
            done.tie_breaking = Some(tally.tie_breaking.as_str().to_string());
            done.inputs_sha256 = Some(crate::auth::sha256_hex(read.as_bytes()));
            done.outcome = Some(serde_json::to_value(stored).map_err(AppError::internal)?);
            done.export_pb = Some(published);
            done.error = None;
        }
        Err(refused) => {
            tracing::warn!(budget = %budget_id, error = %refused, "budget tally failed");
            done.stage = ResultsStage::Failed.as_str().to_string();
            done.error = Some(refused.to_string());
        }
    }
    // Stored only if no newer request or publication came in meanwhile (a newer request's own
    // job computes again).
    let tx = crate::db::begin_write(db).await?;
    let current = store::budgets::results(&tx, budget_id, true).await?;
    if current.is_some_and(|now| {
        now.stage == ResultsStage::Computing.as_str() && now.requested_at == done.requested_at
    }) {
        store::budgets::save_results(&tx, done).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The Pabulib election of the budget's cast ballots, voters under fresh random keys.
async fn election_of(
    state: &AppState,
    organization: &Organization,
    budget: &Budget,
) -> AppResult<pabulib::Election> {
    let db = &state.db;
    let process = catalog::process_in(
        db,
        organization,
        ProcessRef::Id(budget.process_id),
        state.now(),
    )
    .await?;
    let voting = process
        .phases
        .iter()
        .rfind(|phase| phase.features.contains(&Feature::BudgetVoting));
    let text_in = |texts: &std::collections::BTreeMap<String, String>| {
        texts
            .get(&organization.default_locale)
            .or_else(|| texts.values().next())
            .cloned()
            .unwrap_or_default()
    };
    let context = Context {
        description: text_in(&budget.title),
        unit: organization.name.clone(),
        instance: format!("{}/{}", process.process.slug, budget.id),
        currency: "EUR".to_string(),
        language: organization.default_locale.clone(),
        dates: voting.map(|phase| {
            let last_second = phase.ends_at - time::Duration::seconds(1);
            (
                organization.time_zone.date_at(phase.starts_at),
                organization
                    .time_zone
                    .date_at(last_second.max(phase.starts_at)),
            )
        }),
    };
    let projects = store::budgets::all_projects(db, budget.id)
        .await?
        .into_iter()
        .map(|row| {
            let project = super::projects::Project::try_from(row)?;
            Ok(ListedProject {
                id: ProjectId(project.id.as_u128()),
                cost_cents: project.cost.0,
                name: text_in(&project.title),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let ballots: Vec<ListedBallot> = store::ballots::cast_lines(db, budget.id)
        .await?
        .into_iter()
        .map(|(_, choices)| ListedBallot {
            voter_key: crate::auth::random_token(12),
            choices: choices
                .into_iter()
                .map(|(project, points)| {
                    (
                        ProjectId(project.as_u128()),
                        u32::try_from(points).unwrap_or(0),
                    )
                })
                .collect(),
        })
        .collect();
    let rules_budget = budgets_rules::Budget {
        id: BudgetId(budget.id.as_u128()),
        settings: budget.settings()?,
    };
    open_data::election(&rules_budget, &context, &projects, &ballots).map_err(|project| {
        AppError::internal(format!(
            "a cast ballot names project {project} of another budget"
        ))
    })
}

/// What a tally stores of `tally` (and of the Equal Shares explanation `shares`): money back in
/// cents, the funded projects first.
fn stored_outcome(
    budget: &Budget,
    election: &pabulib::Election,
    tally: &outcome::Tally,
    shares: Option<&SharesExplanation>,
) -> AppResult<StoredOutcome> {
    let project_id = |index: usize| -> AppResult<Uuid> {
        election
            .projects
            .get(index)
            .ok_or_else(|| AppError::internal("an explained project out of range"))?
            .id
            .parse()
            .map_err(AppError::internal)
    };
    let mut why_of = std::collections::HashMap::new();
    if let Some(shares) = shares {
        for (index, why) in shares.projects.iter().enumerate() {
            let why = match why {
                Explained::Bought { round } => {
                    let bought = shares
                        .rounds
                        .get(round - 1)
                        .ok_or_else(|| AppError::internal("an explained round out of range"))?;
                    ProjectShares::Bought {
                        round: u32::try_from(*round).map_err(AppError::internal)?,
                        price_cents: to_cents(&bought.price),
                        supporters: bought.supporters,
                        paying_everything: bought.paying_everything,
                    }
                }
                Explained::Free => ProjectShares::Free,
                Explained::OutOfReach { after, left } => ProjectShares::OutOfReach {
                    after: u32::try_from(*after).map_err(AppError::internal)?,
                    left_cents: to_cents(left),
                },
            };
            why_of.insert(project_id(index)?, why);
        }
    }
    let stored_shares = shares
        .map(|shares| -> AppResult<StoredShares> {
            Ok(StoredShares {
                endowment: shares.endowment.to_string(),
                rounds: shares
                    .rounds
                    .iter()
                    .map(|round| Ok((project_id(round.project)?, round.price.to_string())))
                    .collect::<AppResult<Vec<_>>>()?,
            })
        })
        .transpose()?;
    let cents = |amount: &pabulib::Decimal| -> AppResult<i64> {
        amount
            .units_at_scale(2)
            .and_then(|units| i64::try_from(units).ok())
            .ok_or_else(|| {
                AppError::internal(format!("budget {}: an amount beyond cents", budget.id))
            })
    };
    let mut projects = tally
        .projects
        .iter()
        .map(|line| {
            Ok(ProjectResult {
                project_id: line.id.parse().map_err(AppError::internal)?,
                cost_cents: cents(&line.cost)?,
                votes: line.votes,
                score: line.score.to_string(),
                selected: line.selected,
                position: line.position.and_then(|p| u32::try_from(p).ok()),
                rank: line.turn.as_ref().and_then(|t| u32::try_from(t.rank).ok()),
                money_left_cents: line
                    .turn
                    .as_ref()
                    .map(|t| cents(&t.money_left))
                    .transpose()?,
                shares: line
                    .id
                    .parse::<Uuid>()
                    .ok()
                    .and_then(|id| why_of.get(&id).cloned()),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    projects.sort_by(|a, b| {
        (
            a.position.is_none(),
            a.position,
            std::cmp::Reverse(a.votes),
            a.project_id,
        )
            .cmp(&(
                b.position.is_none(),
                b.position,
                std::cmp::Reverse(b.votes),
                b.project_id,
            ))
    });
    Ok(StoredOutcome {
        total_cost_cents: cents(&tally.total_cost)?,
        projects,
        shares: stored_shares,
    })
}

/// An exact amount in currency units, in cents rounded to the nearest cent (halves away from
/// zero).
fn to_cents(amount: &BigRational) -> i64 {
    let cents = amount * BigRational::from_integer(100.into());
    cents.round().to_integer().try_into().unwrap_or(i64::MAX)
}

/// A stored `n/d` rational.
fn rational(text: &str) -> AppResult<BigRational> {
    text.parse()
        .map_err(|_| AppError::internal(format!("results: unreadable amount {text:?}")))
}

/// An admin publishes computed results: from now on everyone reads them and their file.
pub async fn publish(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
) -> AppResult<Results> {
    authorize(&actor.roles, Permission::ManageProcesses)?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    store::budgets::by_id(work.db(), organization.id, budget_id, true)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut row = store::budgets::results(work.db(), budget_id, true)
        .await?
        .filter(|row| row.organization_id == organization.id.uuid());
    let stage = match &row {
        Some(found) => Results::try_from(found.clone())?.stage,
        None => ResultsStage::NotTallied,
    };
    rules::decide_publish(stage)?;
    let Some(mut published) = row.take() else {
        return Err(AppError::internal("publishing results that do not exist"));
    };
    published.stage = ResultsStage::Published.as_str().to_string();
    published.published_at = Some(work.now());
    store::budgets::save_results(work.db(), published.clone()).await?;
    let results = Results::try_from(published.clone())?;
    let votes: Vec<(Uuid, i64)> = results
        .projects
        .iter()
        .map(|line| {
            (
                line.project_id,
                i64::try_from(line.votes).unwrap_or(i64::MAX),
            )
        })
        .collect();
    store::budgets::set_votes(work.db(), &votes).await?;
    work.audit(
        AuditAction::BudgetResultsPublish,
        budget_id,
        None,
        Some(serde_json::json!({ "inputs_sha256": published.inputs_sha256 })),
    )
    .await?;
    work.commit().await?;
    Ok(results)
}

/// The results of budget `budget_id`: public once published; before, only for admins.
pub async fn show(
    state: &AppState,
    organization: &Organization,
    reader: Option<&Actor>,
    budget_id: Uuid,
) -> AppResult<Results> {
    store::budgets::by_id(&state.db, organization.id, budget_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let results = match store::budgets::results(&state.db, budget_id, false).await? {
        Some(row) => Results::try_from(row)?,
        None => return Err(AppError::NotFound),
    };
    let manages =
        reader.is_some_and(|actor| authorize(&actor.roles, Permission::ManageProcesses).is_ok());
    if !rules::results_visible(results.stage, manages) {
        return Err(AppError::NotFound);
    }
    Ok(results)
}

/// The published Pabulib file of budget `budget_id` (not found before publication).
pub async fn export(
    state: &AppState,
    organization: &Organization,
    budget_id: Uuid,
) -> AppResult<String> {
    store::budgets::by_id(&state.db, organization.id, budget_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    store::budgets::results(&state.db, budget_id, false)
        .await?
        .filter(|row| row.stage == ResultsStage::Published.as_str())
        .and_then(|row| row.export_pb)
        .ok_or(AppError::NotFound)
}

/// How a voter's equal share was spent on the projects they chose.
#[derive(Debug, Clone)]
pub struct ShareSpending {
    pub budget_id: Uuid,
    /// The voter's share of the budget in the run that bought the projects.
    pub endowment: Cents,
    /// Each project the voter chose, in the order the rounds bought them, then the others.
    pub choices: Vec<ChoiceSpending>,
    /// What the voter had left after the rounds (the completion spends the city's leftover,
    /// not the voters' shares).
    pub left: Cents,
}

/// One chosen project and what the voter paid for it.
#[derive(Debug, Clone)]
pub struct ChoiceSpending {
    pub project_id: Uuid,
    /// The voter's points for it (1 under rules without points).
    pub points: u32,
    /// The round that bought it (`None`: not bought by the rounds).
    pub round: Option<u32>,
    /// What the voter would have paid in full: the round's price times their points.
    pub due: Option<Cents>,
    /// What they paid: `due`, or all they had left if that was less; 0 if not bought.
    pub paid: Cents,
    /// Funded in the end (by a round or by the completion).
    pub selected: bool,
}

/// `GET /budgets/{id}/ballot/share`: for the signed-in voter of a cast ballot in an Equal Shares
/// budget whose results they may read, how their share was spent, replayed from the stored
/// rounds and their own ballot ([`outcome::explain::spend`]). Not found for any other budget,
/// before the results are readable, and without a cast ballot of the acting account.
pub async fn share(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
) -> AppResult<ShareSpending> {
    let db = &state.db;
    let budget = store::budgets::by_id(db, organization.id, budget_id, false)
        .await?
        .ok_or(AppError::NotFound)
        .and_then(Budget::try_from)?;
    let row = store::budgets::results(db, budget_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let stored = stored_outcome_of(&row)?;
    let results = Results::try_from(row)?;
    let manages = authorize(&actor.roles, Permission::ManageProcesses).is_ok();
    if !rules::results_visible(results.stage, manages) {
        return Err(AppError::NotFound);
    }
    let Some(shares) = stored.and_then(|stored| stored.shares) else {
        return Err(AppError::NotFound);
    };
    let resident = store::census::resident_of(db, actor.id())
        .await?
        .filter(|row| row.organization_id == organization.id.uuid());
    let holder = store::ballots::Holder::of(resident.as_ref(), actor.id().uuid());
    let ballot = store::ballots::of_budget(db, budget_id, holder, false)
        .await?
        .filter(|ballot| ballot.status == "cast" && ballot.user_id == actor.id().uuid())
        .ok_or(AppError::NotFound)?;
    let points: std::collections::HashMap<Uuid, u32> = store::ballots::lines(db, ballot.id)
        .await?
        .into_iter()
        .map(|(line, _)| (line.project_id, u32::try_from(line.points).unwrap_or(0)))
        .collect();
    let voting_rule = budget.settings()?.voting_rule();
    let weight = |project: &Uuid| {
        points
            .get(project)
            .map_or(0, |&points| voting_rule.line_weight(points))
    };
    let rounds = shares
        .rounds
        .iter()
        .map(|(project, price)| Ok((*project, rational(price)?)))
        .collect::<AppResult<Vec<_>>>()?;
    let endowment = rational(&shares.endowment)?;
    let (spent, left) = outcome::explain::spend(&endowment, &rounds, weight);
    let selected: std::collections::HashSet<Uuid> = results
        .projects
        .iter()
        .filter(|line| line.selected)
        .map(|line| line.project_id)
        .collect();
    let mut choices: Vec<ChoiceSpending> = spent
        .iter()
        .map(|spent| ChoiceSpending {
            project_id: spent.project,
            points: points.get(&spent.project).copied().unwrap_or(0),
            round: u32::try_from(spent.round).ok(),
            due: Some(Cents(to_cents(&spent.due))),
            paid: Cents(to_cents(&spent.paid)),
            selected: true,
        })
        .collect();
    let mut unbought: Vec<Uuid> = points
        .keys()
        .filter(|project| !spent.iter().any(|spent| spent.project == **project))
        .copied()
        .collect();
    unbought.sort_unstable();
    choices.extend(unbought.into_iter().map(|project_id| ChoiceSpending {
        project_id,
        points: points.get(&project_id).copied().unwrap_or(0),
        round: None,
        due: None,
        paid: Cents(0),
        selected: selected.contains(&project_id),
    }));
    Ok(ShareSpending {
        budget_id,
        endowment: Cents(to_cents(&endowment)),
        choices,
        left: Cents(to_cents(&left)),
    })
}
