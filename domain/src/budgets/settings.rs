//! A budget's settings, the projects it funds, and the rule that freezes its rules once voting began.
//!
//! [`BudgetSettings`] gathers what an admin chooses for a budget (DESIGN §2.5): the money, the
//! territory, the voting rule, the outcome rule, the multi-budget workflow and whether vote counts
//! show during voting. It is built validated, so a budget total is always positive. Once the
//! first ballot exists, [`BudgetSettings::change_to`] refuses to change the voting rule, the
//! outcome rule, the total, the territory or the workflow, and [`decide_project_cost`] refuses to
//! change a project's cost: residents have chosen under them, and a cast ballot must never exceed
//! the total its receipt was issued under (CONSUL's issue #5321 shows what an admin switching
//! knapsack to approval mid-vote does to existing ballots). A project never costs more than its
//! budget's total, and the total is never lowered below a project's cost.

use super::ids::{BudgetId, ProjectId};
use super::rules::{OutcomeRule, VotingRule};
use super::scope::BudgetScope;
use crate::error::{DomainError, FieldCode, FieldError};
use crate::money::Cents;
use serde::{Deserialize, Serialize};

/// Which budgets of a process a resident may vote in (see [`super::eligibility`] for the decision).
///
/// The workflow belongs to the process in spirit (Decidim keeps it on the component); Plaza stores
/// it per budget as DESIGN says, and the API gives every budget of a process the same workflow.
/// Decisions use the workflow of the budget being voted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Workflow {
    /// One budget of the process, whichever the resident chooses first (Decidim's default).
    #[default]
    One,
    /// Every budget of the process whose territory the resident lives in.
    All,
    /// Every budget whose territory the resident lives in, plus one other budget of the process
    /// (Barcelona: the own district and one more).
    OwnPlusOne,
}

impl Workflow {
    pub const ALL: [Workflow; 3] = [Workflow::One, Workflow::All, Workflow::OwnPlusOne];

    /// The name stored and shown in the API (serde's name too).
    pub fn as_str(self) -> &'static str {
        match self {
            Workflow::One => "one",
            Workflow::All => "all",
            Workflow::OwnPlusOne => "own_plus_one",
        }
    }

    pub fn parse(raw: &str) -> Option<Workflow> {
        Workflow::ALL.into_iter().find(|w| w.as_str() == raw)
    }
}

/// Whether vote counts may be shown while voting is open (DESIGN's `show_votes_during_voting`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteCountVisibility {
    /// Counts stay secret until voting closes (the default, so early counts cannot sway voters).
    #[default]
    HiddenWhileVoting,
    /// Counts are public during voting too.
    ShownWhileVoting,
}

/// What an admin decides about one budget. Built by [`BudgetSettings::new`], which validates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetSettings {
    total: Cents,
    scope: BudgetScope,
    voting_rule: VotingRule,
    outcome_rule: OutcomeRule,
    workflow: Workflow,
    vote_counts: VoteCountVisibility,
}

impl BudgetSettings {
    /// Valid settings, or [`DomainError::Invalid`] with field `total` / code `must_be_positive`
    /// when the total is not above zero. (The voting rule was validated when it was built.)
    pub fn new(
        total: Cents,
        scope: BudgetScope,
        voting_rule: VotingRule,
        outcome_rule: OutcomeRule,
        workflow: Workflow,
        vote_counts: VoteCountVisibility,
    ) -> Result<BudgetSettings, DomainError> {
        let total = positive_amount("total", total).map_err(|e| DomainError::Invalid(vec![e]))?;
        Ok(BudgetSettings {
            total,
            scope,
            voting_rule,
            outcome_rule,
            workflow,
            vote_counts,
        })
    }

    /// The money to share out, in cents (always positive).
    pub fn total(&self) -> Cents {
        self.total
    }

    pub fn scope(&self) -> BudgetScope {
        self.scope
    }

    pub fn voting_rule(&self) -> VotingRule {
        self.voting_rule
    }

    pub fn outcome_rule(&self) -> OutcomeRule {
        self.outcome_rule
    }

    pub fn workflow(&self) -> Workflow {
        self.workflow
    }

    pub fn vote_counts(&self) -> VoteCountVisibility {
        self.vote_counts
    }

    /// Decides an admin's change of settings. While no ballot exists anything may change, except
    /// that the total may not fall below `costliest_project` (the highest cost among the budget's
    /// projects: 422 `total` `below_project_cost`). Once `existing_ballots` > 0 (drafts included:
    /// their owners chose under the current rules), a change of the voting rule, the outcome rule,
    /// the total, the territory or the workflow is refused with
    /// [`DomainError::BudgetRulesLocked`]; only the vote-count visibility may still change.
    pub fn change_to(
        &self,
        proposed: BudgetSettings,
        existing_ballots: u64,
        costliest_project: Option<Cents>,
    ) -> Result<BudgetSettings, DomainError> {
        if existing_ballots > 0 {
            let locked = if proposed.voting_rule != self.voting_rule {
                Some("voting_rule")
            } else if proposed.outcome_rule != self.outcome_rule {
                Some("outcome_rule")
            } else if proposed.total != self.total {
                Some("total")
            } else if proposed.scope != self.scope {
                Some("scope")
            } else if proposed.workflow != self.workflow {
                Some("workflow")
            } else {
                None
            };
            if let Some(setting) = locked {
                return Err(DomainError::BudgetRulesLocked { setting });
            }
        }
        if costliest_project.is_some_and(|cost| cost > proposed.total) {
            return Err(DomainError::field(
                "total",
                FieldCode::BelowProjectCost,
                "A project of this budget costs more than this total.",
            ));
        }
        Ok(proposed)
    }
}

/// Decides the cost an admin gives a project of the budget `settings`: above zero (`cost`
/// `must_be_positive`), at most the budget's total (`cost` `above_total`), and, for an existing
/// project (`current`), unchanged once `existing_ballots` > 0 ([`DomainError::BudgetRulesLocked`]
/// with `cost`): a ballot's lines carry the costs it was filled with, and a cast ballot must never
/// come to exceed the total. A new project may still be added while ballots exist.
pub fn decide_project_cost(
    settings: &BudgetSettings,
    current: Option<Cents>,
    proposed: Cents,
    existing_ballots: u64,
) -> Result<Cents, DomainError> {
    let cost = positive_amount("cost", proposed).map_err(|e| DomainError::Invalid(vec![e]))?;
    if cost > settings.total {
        return Err(DomainError::field(
            "cost",
            FieldCode::AboveTotal,
            "A project cannot cost more than its budget's total.",
        ));
    }
    if existing_ballots > 0 && current.is_some_and(|current| current != cost) {
        return Err(DomainError::BudgetRulesLocked { setting: "cost" });
    }
    Ok(cost)
}

/// A budget as ballot decisions see it: its id and its settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub id: BudgetId,
    pub settings: BudgetSettings,
}

/// A project as ballot decisions see it: which budget it belongs to and what it costs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Project {
    id: ProjectId,
    budget_id: BudgetId,
    cost: Cents,
}

impl Project {
    /// A project of `budget_id` costing `cost` (positive; field `cost`, code `must_be_positive`).
    pub fn new(id: ProjectId, budget_id: BudgetId, cost: Cents) -> Result<Project, DomainError> {
        let cost = positive_amount("cost", cost).map_err(|e| DomainError::Invalid(vec![e]))?;
        Ok(Project {
            id,
            budget_id,
            cost,
        })
    }

    pub fn id(&self) -> ProjectId {
        self.id
    }

    pub fn budget_id(&self) -> BudgetId {
        self.budget_id
    }

    pub fn cost(&self) -> Cents {
        self.cost
    }
}

/// `amount` when it is above zero, otherwise a `must_be_positive` error on `field`.
fn positive_amount(field: &str, amount: Cents) -> Result<Cents, FieldError> {
    if amount > Cents::ZERO {
        Ok(amount)
    } else {
        Err(FieldError::new(
            field,
            FieldCode::MustBePositive,
            "Must be an amount above zero.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(total: i64, voting_rule: VotingRule, outcome_rule: OutcomeRule) -> BudgetSettings {
        BudgetSettings::new(
            Cents(total),
            BudgetScope::CityWide,
            voting_rule,
            outcome_rule,
            Workflow::One,
            VoteCountVisibility::default(),
        )
        .unwrap()
    }

    fn knapsack() -> VotingRule {
        VotingRule::knapsack(70).unwrap()
    }

    #[test]
    fn workflows_and_outcome_rules_are_stored_by_their_api_names() {
        for workflow in Workflow::ALL {
            assert_eq!(Workflow::parse(workflow.as_str()), Some(workflow));
            assert_eq!(
                serde_json::to_value(workflow).unwrap(),
                workflow.as_str(),
                "serde agrees"
            );
        }
        for rule in OutcomeRule::ALL {
            assert_eq!(OutcomeRule::parse(rule.as_str()), Some(rule));
            assert_eq!(serde_json::to_value(rule).unwrap(), rule.as_str());
        }
        assert_eq!(Workflow::parse("One"), None);
        assert_eq!(OutcomeRule::parse("mes"), None);
    }

    #[test]
    fn a_budget_total_must_be_positive() {
        for total in [0, -100] {
            let refused = BudgetSettings::new(
                Cents(total),
                BudgetScope::CityWide,
                knapsack(),
                OutcomeRule::Greedy,
                Workflow::All,
                VoteCountVisibility::HiddenWhileVoting,
            )
            .unwrap_err();
            assert_eq!(
                refused,
                DomainError::field(
                    "total",
                    FieldCode::MustBePositive,
                    "Must be an amount above zero."
                )
            );
        }
        let accepted = settings(1, knapsack(), OutcomeRule::Greedy);
        assert_eq!(accepted.total(), Cents(1));
        assert_eq!(accepted.scope(), BudgetScope::CityWide);
        assert_eq!(accepted.workflow(), Workflow::One);
        assert_eq!(
            accepted.vote_counts(),
            VoteCountVisibility::HiddenWhileVoting
        );
    }

    #[test]
    fn a_project_must_cost_something() {
        let refused = Project::new(ProjectId(1), BudgetId(1), Cents::ZERO).unwrap_err();
        assert_eq!(refused.code(), "validation_failed");
        let project = Project::new(ProjectId(1), BudgetId(2), Cents(500)).unwrap();
        assert_eq!(
            (project.id(), project.budget_id(), project.cost()),
            (ProjectId(1), BudgetId(2), Cents(500))
        );
    }

    #[test]
    fn rules_can_change_freely_before_the_first_ballot() {
        let current = settings(1_000, knapsack(), OutcomeRule::Greedy);
        let proposed = settings(
            2_000,
            VotingRule::approval(1, 3).unwrap(),
            OutcomeRule::EqualShares,
        );
        assert_eq!(
            current.change_to(proposed.clone(), 0, Some(Cents(900))),
            Ok(proposed)
        );
    }

    #[test]
    fn voting_and_outcome_rules_are_locked_once_a_ballot_exists() {
        let current = settings(1_000, knapsack(), OutcomeRule::Greedy);
        let cases = [
            (
                settings(
                    1_000,
                    VotingRule::knapsack(50).unwrap(),
                    OutcomeRule::Greedy,
                ),
                "voting_rule",
            ),
            (
                settings(1_000, knapsack(), OutcomeRule::EqualShares),
                "outcome_rule",
            ),
            (settings(900, knapsack(), OutcomeRule::Greedy), "total"),
        ];
        for (proposed, setting) in cases {
            let refused = current.change_to(proposed, 1, None).unwrap_err();
            assert_eq!(refused, DomainError::BudgetRulesLocked { setting });
            assert_eq!(refused.code(), "budget_rules_locked");
        }
    }

    #[test]
    fn territory_and_workflow_are_locked_once_a_ballot_exists_and_visibility_is_not() {
        let current = settings(1_000, knapsack(), OutcomeRule::Greedy);
        let with = |scope, workflow, vote_counts| {
            BudgetSettings::new(
                Cents(1_000),
                scope,
                knapsack(),
                OutcomeRule::Greedy,
                workflow,
                vote_counts,
            )
            .unwrap()
        };
        let hidden = VoteCountVisibility::HiddenWhileVoting;
        let district = BudgetScope::Scope(super::super::ids::ScopeId(4));
        assert_eq!(
            current.change_to(with(district, Workflow::One, hidden), 12, None),
            Err(DomainError::BudgetRulesLocked { setting: "scope" })
        );
        assert_eq!(
            current.change_to(
                with(BudgetScope::CityWide, Workflow::OwnPlusOne, hidden),
                12,
                None
            ),
            Err(DomainError::BudgetRulesLocked {
                setting: "workflow"
            })
        );
        let shown = with(
            BudgetScope::CityWide,
            Workflow::One,
            VoteCountVisibility::ShownWhileVoting,
        );
        assert_eq!(current.change_to(shown.clone(), 12, None), Ok(shown));
        let moved = with(district, Workflow::OwnPlusOne, hidden);
        assert_eq!(current.change_to(moved.clone(), 0, None), Ok(moved));
    }

    #[test]
    fn the_total_never_falls_below_a_project_cost() {
        let current = settings(1_000, knapsack(), OutcomeRule::Greedy);
        let lower = settings(500, knapsack(), OutcomeRule::Greedy);
        let refused = current
            .change_to(lower.clone(), 0, Some(Cents(600)))
            .unwrap_err();
        assert_eq!(
            refused,
            DomainError::field(
                "total",
                FieldCode::BelowProjectCost,
                "A project of this budget costs more than this total."
            )
        );
        assert_eq!(
            current.change_to(lower.clone(), 0, Some(Cents(500))),
            Ok(lower)
        );
    }

    #[test]
    fn a_project_costs_more_than_nothing_and_at_most_the_total() {
        let budget = settings(1_000, knapsack(), OutcomeRule::Greedy);
        let field = |refused: DomainError| match refused {
            DomainError::Invalid(errors) => (errors[0].field.clone(), errors[0].code),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(decide_project_cost(&budget, None, Cents(0), 0).unwrap_err()),
            ("cost".to_string(), FieldCode::MustBePositive)
        );
        assert_eq!(
            field(decide_project_cost(&budget, None, Cents(1_001), 0).unwrap_err()),
            ("cost".to_string(), FieldCode::AboveTotal)
        );
        assert_eq!(
            decide_project_cost(&budget, None, Cents(1_000), 0),
            Ok(Cents(1_000))
        );
    }

    #[test]
    fn a_project_cost_is_frozen_once_a_ballot_exists() {
        let budget = settings(1_000, knapsack(), OutcomeRule::Greedy);
        // Before any ballot, a cost may change; after, only to itself (an idempotent edit).
        assert_eq!(
            decide_project_cost(&budget, Some(Cents(400)), Cents(600), 0),
            Ok(Cents(600))
        );
        assert_eq!(
            decide_project_cost(&budget, Some(Cents(400)), Cents(600), 1),
            Err(DomainError::BudgetRulesLocked { setting: "cost" })
        );
        assert_eq!(
            decide_project_cost(&budget, Some(Cents(400)), Cents(400), 1),
            Ok(Cents(400))
        );
        // A new project may still join a budget with ballots.
        assert_eq!(
            decide_project_cost(&budget, None, Cents(300), 5),
            Ok(Cents(300))
        );
    }
}
