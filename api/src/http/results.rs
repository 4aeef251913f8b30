//! HTTP for a budget's results: the admin's tally and publication, everyone's reading of the
//! published results and of the Pabulib file that recounts them (DESIGN §3 budgets paths, §6).
//!
//! Handlers only translate between JSON and `app::results`.

use super::ApiTags;
use super::problem::{Problem, answers};
use super::security::{BearerAuth, MaybeSignedIn, State, Tenant};
use crate::app::results::{self, Results};
use poem::Request;
use poem_openapi::param::Path;
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a budget's results stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ResultsStageName {
    /// A tally is running (in the worker).
    Computing,
    /// Computed; admins check them before publishing.
    Computed,
    /// The tally failed (`error` says why); it may be asked for again.
    Failed,
    /// Published: public and final.
    Published,
    /// Never tallied (not shown: such results are not found).
    NotTallied,
}

impl From<plaza_domain::budgets::results::ResultsStage> for ResultsStageName {
    fn from(stage: plaza_domain::budgets::results::ResultsStage) -> ResultsStageName {
        use plaza_domain::budgets::results::ResultsStage as S;
        match stage {
            S::Computing => ResultsStageName::Computing,
            S::Computed => ResultsStageName::Computed,
            S::Failed => ResultsStageName::Failed,
            S::Published => ResultsStageName::Published,
            S::NotTallied => ResultsStageName::NotTallied,
        }
    }
}

/// One project's result.
#[derive(Debug, Clone, Object)]
pub struct ProjectResultView {
    pub project_id: Uuid,
    /// In cents.
    pub cost: i64,
    /// Cast ballots choosing it.
    pub votes: u64,
    /// What the rule ranks by: the votes, or the points under a cumulative rule (a decimal).
    pub score: String,
    /// Funded.
    pub selected: bool,
    /// Its place in the order the rule funded projects (1 = first); `null` if not funded.
    #[oai(nullable)]
    pub position: Option<u32>,
    /// Why it was or was not funded, for a greedy budget (`null` otherwise): its turn in the
    /// rule's order and the money left then.
    #[oai(nullable)]
    pub turn: Option<TurnView>,
    /// Why it was or was not bought, for an Equal Shares budget (`null` otherwise): the round
    /// that bought it and its price per supporter, or the round from which its supporters no
    /// longer held enough together, and what they held then.
    #[oai(nullable)]
    pub shares: Option<SharesView>,
}

/// What Equal Shares did with a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum SharesKind {
    /// Bought in round `round`.
    Bought,
    /// Costing nothing: funded before the first round.
    Free,
    /// Out of reach from round `after` on: its supporters held less than its cost together.
    OutOfReach,
}

/// Why Equal Shares bought a project or not. Every voter holds an equal share of the budget (the
/// results' `endowment`); each round buys the project its supporters can pay at the lowest price
/// per unit of what they get, each supporter paying that price (or everything they have left,
/// if that is less); a project is out of reach once its supporters hold less than its cost
/// together. Money in cents, rounded to the nearest cent.
#[derive(Debug, Clone, Object)]
pub struct SharesView {
    pub kind: SharesKind,
    /// `bought`: the round (1 = first).
    #[oai(nullable)]
    pub round: Option<u32>,
    /// `bought`: what each supporter who could afford it paid (per point under a cumulative
    /// rule).
    #[oai(nullable)]
    pub price: Option<i64>,
    /// `bought`: the voters supporting it.
    #[oai(nullable)]
    pub supporters: Option<u64>,
    /// `bought`: of them, those who paid all they had left, which was less than the price.
    #[oai(nullable)]
    pub paying_everything: Option<u64>,
    /// `out_of_reach`: the rounds paid before it went out of reach (0: from the start).
    #[oai(nullable)]
    pub after: Option<u32>,
    /// `out_of_reach`: what its supporters held together then, less than its cost.
    #[oai(nullable)]
    pub supporters_left: Option<i64>,
}

impl From<results::ProjectShares> for SharesView {
    fn from(shares: results::ProjectShares) -> SharesView {
        let empty = SharesView {
            kind: SharesKind::Free,
            round: None,
            price: None,
            supporters: None,
            paying_everything: None,
            after: None,
            supporters_left: None,
        };
        match shares {
            results::ProjectShares::Bought {
                round,
                price_cents,
                supporters,
                paying_everything,
            } => SharesView {
                kind: SharesKind::Bought,
                round: Some(round),
                price: Some(price_cents),
                supporters: Some(supporters),
                paying_everything: Some(paying_everything),
                ..empty
            },
            results::ProjectShares::Free => empty,
            results::ProjectShares::OutOfReach { after, left_cents } => SharesView {
                kind: SharesKind::OutOfReach,
                after: Some(after),
                supporters_left: Some(left_cents),
                ..empty
            },
        }
    }
}

/// How the caller's equal share was spent on the projects they chose.
#[derive(Debug, Clone, Object)]
pub struct ShareView {
    pub budget_id: Uuid,
    /// The caller's share of the budget (every voter's), in cents.
    pub endowment: i64,
    /// Each project the caller chose: those the rounds bought first, in round order.
    pub choices: Vec<ChoiceShareView>,
    /// What the caller had left after the rounds, in cents (the completion, if any, spends the
    /// budget's leftover, not the voters' shares).
    pub left: i64,
}

/// One chosen project and what the caller paid for it.
#[derive(Debug, Clone, Object)]
pub struct ChoiceShareView {
    pub project_id: Uuid,
    /// The caller's points for it (1 under rules without points).
    pub points: u32,
    /// The round that bought it; `null` if the rounds did not.
    #[oai(nullable)]
    pub round: Option<u32>,
    /// What the caller owed for it in full (the round's price times their points), in cents.
    #[oai(nullable)]
    pub due: Option<i64>,
    /// What they paid, in cents: `due`, or all they had left if that was less; 0 if not bought.
    pub paid: i64,
    /// Funded in the end (by a round, or by the completion with the leftover).
    pub selected: bool,
}

impl From<results::ShareSpending> for ShareView {
    fn from(share: results::ShareSpending) -> ShareView {
        ShareView {
            budget_id: share.budget_id,
            endowment: share.endowment.0,
            choices: share
                .choices
                .into_iter()
                .map(|choice| ChoiceShareView {
                    project_id: choice.project_id,
                    points: choice.points,
                    round: choice.round,
                    due: choice.due.map(|cents| cents.0),
                    paid: choice.paid.0,
                    selected: choice.selected,
                })
                .collect(),
            left: share.left.0,
        }
    }
}

/// A project's turn in a greedy budget: projects are taken by votes (ties: lower cost, more
/// votes, project id), each funded if its cost is at most the money left when its turn comes.
#[derive(Debug, Clone, Object)]
pub struct TurnView {
    /// Its place in that order, from 1.
    pub rank: u32,
    /// The money left when its turn came, in cents.
    pub money_left: i64,
}

/// A budget's results.
#[derive(Debug, Clone, Object)]
pub struct ResultsView {
    pub budget_id: Uuid,
    pub stage: ResultsStageName,
    pub requested_at: OffsetDateTime,
    #[oai(nullable)]
    pub computed_at: Option<OffsetDateTime>,
    #[oai(nullable)]
    pub published_at: Option<OffsetDateTime>,
    /// The outcome rule computed, by its canonical name in `plaza pb tally` (`greedy`,
    /// `mes_cost_sat_budget_increase_no_exhaustive_stop_then_greedy`, ...).
    #[oai(nullable)]
    pub rule: Option<String>,
    /// `cost-then-votes` (greedy) or `project-id` (Equal Shares).
    #[oai(nullable)]
    pub tie_breaking: Option<String>,
    /// Cast ballots counted.
    #[oai(nullable)]
    pub ballots: Option<u64>,
    /// SHA-256 (hex) of the exact Pabulib text the tally read: the published file without its
    /// `votes` and `selected` columns.
    #[oai(nullable)]
    pub inputs_sha256: Option<String>,
    /// The funded projects' costs added up, in cents.
    #[oai(nullable)]
    pub total_cost: Option<i64>,
    /// Funded projects first, in the order they were funded; then the others, most votes first.
    pub projects: Vec<ProjectResultView>,
    /// Equal Shares budgets: each voter's share of the budget in the run that bought the
    /// projects, in cents (`null` for other rules).
    #[oai(nullable)]
    pub endowment: Option<i64>,
    /// How long the computation took.
    #[oai(nullable)]
    pub duration_ms: Option<i64>,
    /// Why the last tally failed.
    #[oai(nullable)]
    pub error: Option<String>,
}

impl From<Results> for ResultsView {
    fn from(results: Results) -> ResultsView {
        ResultsView {
            budget_id: results.budget_id,
            stage: results.stage.into(),
            requested_at: results.requested_at,
            computed_at: results.computed_at,
            published_at: results.published_at,
            rule: results.rule,
            tie_breaking: results.tie_breaking,
            ballots: results.ballots,
            inputs_sha256: results.inputs_sha256,
            total_cost: results.total_cost.map(|cents| cents.0),
            projects: results
                .projects
                .into_iter()
                .map(|line| ProjectResultView {
                    project_id: line.project_id,
                    cost: line.cost_cents,
                    votes: line.votes,
                    score: line.score,
                    selected: line.selected,
                    position: line.position,
                    turn: line
                        .rank
                        .zip(line.money_left_cents)
                        .map(|(rank, money_left)| TurnView { rank, money_left }),
                    shares: line.shares.map(SharesView::from),
                })
                .collect(),
            endowment: results.endowment.map(|cents| cents.0),
            duration_ms: results.duration_ms,
            error: results.error,
        }
    }
}

/// A tally was asked for.
#[derive(ApiResponse)]
pub enum TallyRequested {
    /// Accepted: the worker computes it; `GET /budgets/{id}/results` shows `computing` until it
    /// is done.
    #[oai(status = 202)]
    Accepted(Json<ResultsView>),
}

/// The published Pabulib file.
#[derive(ApiResponse)]
pub enum PabulibFile {
    /// The file (UTF-8 text), named for download.
    #[oai(status = 200)]
    File(
        PlainText<String>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

pub struct ResultsApi;

#[OpenApi(tag = "ApiTags::Budgets")]
impl ResultsApi {
    /// Tally a budget
    ///
    /// Computes the budget's results from its cast ballots with its outcome rule, in the
    /// background, once voting has closed (409 `voting_not_closed` before; 409
    /// `results_already_published` after publication). Asked again before publication, it
    /// computes them again. Audited.
    #[oai(
        path = "/budgets/:id/tally",
        method = "post",
        operation_id = "tally_budget"
    )]
    async fn tally(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<TallyRequested, Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT }>> {
        let results = results::request_tally(&state, &organization, &auth.0, id.0).await?;
        Ok(TallyRequested::Accepted(Json(results.into())))
    }

    /// Publish a budget's results
    ///
    /// Makes computed results public and final (409 `results_not_computed` before a tally has
    /// finished, `results_already_published` a second time). Audited.
    #[oai(
        path = "/budgets/:id/results/publish",
        method = "post",
        operation_id = "publish_results"
    )]
    async fn publish(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<Json<ResultsView>, Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT }>> {
        let results = results::publish(&state, &organization, &auth.0, id.0).await?;
        Ok(Json(results.into()))
    }

    /// Read a budget's results
    ///
    /// Public once published (404 before); admins also read them while computing and before
    /// publishing them.
    #[oai(
        path = "/budgets/:id/results",
        method = "get",
        operation_id = "get_results"
    )]
    async fn get(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: MaybeSignedIn,
        request: &Request,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<Json<ResultsView>, Problem<{ answers::UNAUTHORIZED }>> {
        let reader = auth.actor(request).await?;
        let results = results::show(&state, &organization, reader.as_ref(), id.0).await?;
        Ok(Json(results.into()))
    }

    /// How my equal share was spent
    ///
    /// For an Equal Shares budget whose results the caller may read (published), and the
    /// caller's cast ballot: their share of the budget, what they paid in which round for each
    /// project they chose, and what they had left. 404 for any other budget, before
    /// publication, and without a cast ballot.
    #[oai(
        path = "/budgets/:id/ballot/share",
        method = "get",
        operation_id = "get_ballot_share"
    )]
    async fn share(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<Json<ShareView>, Problem<{ answers::SIGNED_IN }>> {
        let share = results::share(&state, &organization, &auth.0, id.0).await?;
        Ok(Json(share.into()))
    }

    /// Download the Pabulib file
    ///
    /// Once results are published: the budget's cast ballots under random voter keys, its
    /// projects with costs in currency units, `votes` and `selected`, and META naming the exact
    /// outcome rule and tie-breaking, so that `plaza pb tally FILE --rule meta` (or pabutools)
    /// recounts the published result. 404 before publication.
    #[oai(
        path = "/budgets/:id/export.pb",
        method = "get",
        operation_id = "export_budget"
    )]
    async fn export(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<PabulibFile, Problem<0>> {
        let text = results::export(&state, &organization, id.0).await?;
        Ok(PabulibFile::File(
            PlainText(text),
            format!("attachment; filename=\"budget-{}.pb\"", id.0),
        ))
    }
}
