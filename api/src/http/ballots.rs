//! HTTP for a resident's ballot in a budget: read it, choose projects, cast it and get its
//! receipt, cancel it (DESIGN §3 budgets paths).
//!
//! Every operation is the signed-in caller's own ballot: there is no way to name another's.
//! Handlers only translate between JSON and `app::ballots`; the decisions (voting open on the
//! server's clock, eligibility, the voting rule, the workflow across budgets) are the domain's.
//! Every write takes an `Idempotency-Key`, so a phone that lost an answer retries safely.

use super::ApiTags;
use super::body::OptionalJsonBody;
use super::problem::{Problem, answers};
use super::security::{BearerAuth, State, Tenant};
use crate::app::ballots::{self, BallotState, ReceiptState};
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// Whether a ballot is being filled or has been cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum BallotStatusName {
    /// Being filled in; not counted.
    Draft,
    /// Checked out; counted.
    Cast,
}

/// One chosen project.
#[derive(Debug, Clone, Object)]
pub struct BallotLineView {
    pub project_id: Uuid,
    /// The project's cost, in cents.
    pub cost: i64,
    /// The points it gets (1 unless the rule is cumulative).
    pub points: u32,
}

/// The caller's ballot in a budget. Never a count of anyone's votes.
#[derive(Debug, Clone, Object)]
pub struct BallotView {
    /// `null` until the first project is chosen.
    #[oai(nullable)]
    pub id: Option<Uuid>,
    pub budget_id: Uuid,
    pub status: BallotStatusName,
    /// When it was cast (`null` for a draft).
    #[oai(nullable)]
    pub cast_at: Option<OffsetDateTime>,
    /// The chosen projects, by project id.
    pub projects: Vec<BallotLineView>,
    /// Cast by a former account of the same resident (same census document): it counts, and
    /// may be cancelled while voting is open, but its projects are not shown.
    pub inherited: bool,
    /// The chosen projects' costs added up, in cents.
    pub total_cost: i64,
    /// The points given in all (the number of projects under rules without points).
    pub points_used: u64,
    /// Whether ballots of this budget may be written now (server clock).
    pub voting_open: bool,
    /// Whether the caller may fill a ballot in this budget.
    pub eligible: bool,
    /// Why not, when not eligible: `not_a_resident`, `outside_budget_scope`,
    /// `under_minimum_age`, `workflow_limit_reached` or `process_misconfigured`.
    #[oai(nullable)]
    pub ineligible_reason: Option<String>,
    /// For a draft: whether its projects meet the voting rule for checkout.
    pub can_checkout: bool,
    /// For a draft that cannot be cast yet: the problem code checkout would answer
    /// (`too_few_projects`, `below_minimum_spend`, `points_left_unspent`, ...).
    #[oai(nullable)]
    pub checkout_problem: Option<String>,
}

impl From<BallotState> for BallotView {
    fn from(state: BallotState) -> BallotView {
        BallotView {
            id: state.id,
            budget_id: state.budget_id,
            status: if state.cast_at.is_some() {
                BallotStatusName::Cast
            } else {
                BallotStatusName::Draft
            },
            cast_at: state.cast_at,
            projects: state
                .lines
                .into_iter()
                .map(|line| BallotLineView {
                    project_id: line.project_id,
                    cost: line.cost.0,
                    points: line.points,
                })
                .collect(),
            inherited: state.inherited,
            total_cost: state.total_cost.0,
            points_used: state.points_used,
            voting_open: state.voting_open,
            eligible: state.ineligible.is_none(),
            ineligible_reason: state.ineligible.map(|reason| reason.code().to_string()),
            can_checkout: state.cast_at.is_none() && state.checkout_refusal.is_none(),
            checkout_problem: state
                .checkout_refusal
                .map(|refusal| refusal.code().to_string()),
        }
    }
}

/// What a voter keeps after checkout: it proves the ballot, and reveals nothing of its content
/// to whoever reads it (the seal is keyed with a secret only the server holds).
#[derive(Debug, Clone, Object)]
pub struct ReceiptView {
    pub budget_id: Uuid,
    pub ballot_id: Uuid,
    /// When the ballot was cast (whole seconds).
    pub cast_at: OffsetDateTime,
    /// The format of the sealed text (`plaza-ballot-receipt/1`).
    pub format: String,
    /// Names the server key that made the seal.
    pub key_id: String,
    /// HMAC-SHA256 of the ballot's canonical content, hex.
    pub seal: String,
    /// Whether the seal matches the ballot as stored now, checked by the server at this request.
    pub valid: bool,
}

impl From<ReceiptState> for ReceiptView {
    fn from(receipt: ReceiptState) -> ReceiptView {
        ReceiptView {
            budget_id: receipt.budget_id,
            ballot_id: receipt.ballot_id,
            cast_at: receipt.cast_at,
            format: plaza_domain::budgets::RECEIPT_FORMAT.to_string(),
            key_id: receipt.key_id,
            seal: receipt.seal,
            valid: receipt.valid,
        }
    }
}

/// A project's place in the ballot.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ChooseProjectBody {
    /// Cumulative rules only, and then required: the points the project gets (replacing any it
    /// had). Absent under other rules.
    #[serde(default, deserialize_with = "super::body::not_null")]
    #[oai(
        skip_serializing_if_is_none,
        validator(minimum(value = "1"), maximum(value = "4294967295"))
    )]
    pub points: Option<u32>,
}

pub struct BallotsApi;

#[OpenApi(tag = "ApiTags::Budgets")]
impl BallotsApi {
    /// Read my ballot
    ///
    /// The caller's ballot in the budget: its projects, whether it is cast, whether they may
    /// vote here (`eligible`, `ineligible_reason`) and whether it could be cast now
    /// (`can_checkout`, `checkout_problem`). Without a ballot yet: an empty draft with `id`
    /// `null`.
    #[oai(
        path = "/budgets/:id/ballot",
        method = "get",
        operation_id = "get_ballot"
    )]
    async fn get(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<Json<BallotView>, Problem<{ answers::SIGNED_IN }>> {
        let ballot = ballots::show(&state, &organization, &auth.0, id.0).await?;
        Ok(Json(ballot.into()))
    }

    /// Cancel or empty my ballot
    ///
    /// While voting is open: a cast ballot is cancelled (a draft again, with its projects; its
    /// receipt no longer counts; audited); a draft is emptied. The ballot as it is afterwards.
    /// Outside the voting phase: 403 `voting_closed`.
    #[oai(
        path = "/budgets/:id/ballot",
        method = "delete",
        operation_id = "delete_ballot"
    )]
    async fn delete(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<Json<BallotView>, Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT }>> {
        let ballot = ballots::withdraw(&state, &organization, &auth.0, id.0).await?;
        Ok(Json(ballot.into()))
    }

    /// Choose a project
    ///
    /// Puts the project in the caller's draft (the first choice makes the ballot), or under a
    /// cumulative rule sets its `points`; repeating it changes nothing. Refused outside the
    /// voting phase (403 `voting_closed`), to those who may not vote here (403
    /// `not_eligible` with its `reason`), on a cast ballot (409 `ballot_already_cast`), for a
    /// project of another budget (422 `project_of_another_budget`) and beyond the rule's limits
    /// (422 `over_budget`, `too_many_projects`, `too_many_points`,
    /// `too_many_points_for_project`).
    #[oai(
        path = "/budgets/:id/ballot/projects/:project_id",
        method = "put",
        operation_id = "choose_ballot_project"
    )]
    async fn choose(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
        /// The project's id.
        project_id: Path<Uuid>,
        body: OptionalJsonBody<ChooseProjectBody>,
    ) -> Result<
        Json<BallotView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN_WRITE
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
            },
        >,
    > {
        let points = body.0.points;
        let ballot =
            ballots::choose(&state, &organization, &auth.0, id.0, project_id.0, points).await?;
        Ok(Json(ballot.into()))
    }

    /// Unchoose a project
    ///
    /// Takes the project out of the caller's draft (409 `project_not_in_ballot` if it is not
    /// there, `ballot_already_cast` once cast).
    #[oai(
        path = "/budgets/:id/ballot/projects/:project_id",
        method = "delete",
        operation_id = "unchoose_ballot_project"
    )]
    async fn unchoose(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
        /// The project's id.
        project_id: Path<Uuid>,
    ) -> Result<Json<BallotView>, Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT }>> {
        let ballot = ballots::unchoose(&state, &organization, &auth.0, id.0, project_id.0).await?;
        Ok(Json(ballot.into()))
    }

    /// Cast my ballot
    ///
    /// Validates the draft against the voting rule and casts it in one step, with its receipt;
    /// the receipt is also mailed. Refused below the rule's requirements (422
    /// `too_few_projects`, `below_minimum_spend`, `points_left_unspent`: the ballot stays a
    /// draft), when the workflow allows no more budgets (403 `not_eligible`
    /// `workflow_limit_reached`) and once cast (409 `ballot_already_cast`). Send an
    /// `Idempotency-Key`: a retry gets the same receipt.
    #[oai(
        path = "/budgets/:id/ballot/checkout",
        method = "post",
        operation_id = "checkout_ballot"
    )]
    async fn checkout(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<
        Json<ReceiptView>,
        Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT | answers::UNPROCESSABLE }>,
    > {
        let receipt = ballots::checkout(&state, &organization, &auth.0, id.0).await?;
        Ok(Json(receipt.into()))
    }

    /// Read and check my receipt
    ///
    /// The receipt of the caller's cast ballot, with `valid` saying whether its seal matches
    /// the ballot as stored now. 404 without a cast ballot (and for a ballot a former account
    /// of the same resident cast).
    #[oai(
        path = "/budgets/:id/ballot/receipt",
        method = "get",
        operation_id = "get_ballot_receipt"
    )]
    async fn receipt(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The budget's id.
        id: Path<Uuid>,
    ) -> Result<Json<ReceiptView>, Problem<{ answers::SIGNED_IN }>> {
        let receipt = ballots::receipt(&state, &organization, &auth.0, id.0).await?;
        Ok(Json(receipt.into()))
    }
}
