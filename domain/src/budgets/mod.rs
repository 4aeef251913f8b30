//! Participatory budgets: settings, voting rules, ballots, receipts, workflows and eligibility.
//!
//! Everything a resident's vote in a budget depends on is decided here as pure functions of data
//! the API loads (DESIGN §2.5): whether the person may vote in this budget at this moment
//! ([`eligibility`]), what their ballot may hold and when it may be cast ([`rules`], [`ballot`]),
//! what their receipt proves ([`receipt`]), and which settings freeze once voting began
//! ([`settings`]). Nothing here reads a clock or a database: `now` and the state come in as
//! arguments, and each decision returns the new state or a [`crate::DomainError`] with a stable
//! code. The tally that turns cast ballots into winners lives in the outcome module.
//!
//! # Refusals
//!
//! Each refusal is a [`crate::DomainError`] variant whose documentation says when it happens;
//! its code and kind (hence its HTTP status) are declared once, in `DomainError::describe`.
//! Field errors of `validation_failed` name `points` (`must_be_positive`, `points_required`,
//! `points_not_allowed`) and the settings (`total` with `below_project_cost`, `cost` with
//! `above_total`, `workflow` with `differs_from_process`, `voting_rule.*`); `not_eligible`
//! carries its reason ([`IneligibilityReason::code`]). Settings that residents voted under
//! (rules, total, territory, workflow, project costs) answer `budget_rules_locked` once a ballot
//! exists.

pub mod ballot;
pub mod eligibility;
pub mod ids;
pub mod open_data;
pub mod receipt;
pub mod results;
pub mod rules;
pub mod scope;
pub mod settings;

#[cfg(test)]
mod fixtures;

pub use ballot::{Ballot, BallotLine, BallotStatus, BudgetVoting, Checkout, Choice};
pub use eligibility::{
    BallotProgress, IneligibilityReason, ProcessBudget, Residency, Resident, Stage, Voter,
    VoterBallot, VotingWindow, budgets_open_to, change_process_workflow, check_eligibility,
    decide_workflow,
};
pub use ids::{BallotId, BudgetId, ProjectId, ScopeId};
pub use receipt::{RECEIPT_FORMAT, Receipt, ReceiptKey, ReceiptSeal};
pub use rules::{OutcomeRule, VotingRule, VotingRuleForm};
pub use scope::{BudgetScope, ScopeAncestry};
pub use settings::{
    Budget, BudgetSettings, Project, VoteCountVisibility, Workflow, decide_project_cost,
};
