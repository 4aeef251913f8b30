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
//! # Refusals and their HTTP status
//!
//! | code | meaning | status |
//! | --- | --- | --- |
//! | `over_budget` | a knapsack ballot would cost more than the budget total | 422 |
//! | `too_few_projects` | checkout with fewer projects than the rule asks (always at least 1) | 422 |
//! | `too_many_projects` | an approval ballot would hold more than `max_projects` | 422 |
//! | `below_minimum_spend` | knapsack checkout below `min_percent`% of the total | 422 |
//! | `project_of_another_budget` | the project belongs to another budget | 422 |
//! | `too_many_points` | a cumulative ballot would give more than `points` in all | 422 |
//! | `too_many_points_for_project` | one project would get more than `max_per_project` | 422 |
//! | `points_left_unspent` | cumulative checkout before every point is placed | 422 |
//! | `validation_failed` | field errors: `points` (`must_be_positive`, `points_required`, `points_not_allowed`), settings (`total`, `cost`, `voting_rule.*`) | 422 |
//! | `project_already_in_ballot` | the project is already in the ballot | 409 |
//! | `project_not_in_ballot` | removal of a project the ballot does not hold | 409 |
//! | `ballot_already_cast` | add, remove or checkout on a cast ballot | 409 |
//! | `ballot_not_cast` | cancel of a draft | 409 |
//! | `budget_rules_locked` | voting rule, outcome rule or total changed once a ballot exists | 409 |
//! | `not_eligible` | not a resident, outside the budget's scope, under age, or the workflow's limit (reason in [`IneligibilityReason::code`]) | 403 |
//! | `voting_closed` | no budget voting at this moment: a permission that depends on time, not a fault of the request | 403 |

pub mod ballot;
pub mod eligibility;
pub mod ids;
pub mod receipt;
pub mod rules;
pub mod scope;
pub mod settings;

#[cfg(test)]
mod fixtures;

pub use ballot::{Ballot, BallotLine, BallotStatus, BudgetVoting, Checkout, Choice};
pub use eligibility::{
    BallotProgress, IneligibilityReason, ProcessBudget, Residency, Resident, Voter, VoterBallot,
    VotingWindow, budgets_open_to, check_eligibility,
};
pub use ids::{BallotId, BudgetId, ProjectId, ScopeId};
pub use receipt::{RECEIPT_FORMAT, Receipt};
pub use rules::{OutcomeRule, VotingRule};
pub use scope::{BudgetScope, ScopeAncestry};
pub use settings::{Budget, BudgetSettings, Project, VoteCountVisibility, Workflow};
