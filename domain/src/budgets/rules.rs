//! How residents vote in a budget ([`VotingRule`]) and how the winners are computed ([`OutcomeRule`]).
//!
//! A voting rule is the contract of one ballot: what a voter may put in it at any time, and what it
//! must hold to be cast (DESIGN §2.5). Its parameters are checked when it is built, so a
//! `VotingRule` that exists is always a sensible one: outside this crate the variants can be
//! matched (with `..`) but only built through [`VotingRule::knapsack`],
//! [`VotingRule::knapsack_min_projects`], [`VotingRule::approval`], [`VotingRule::cumulative`] or
//! deserialization, which all validate. The outcome rule is only named here; the tally that
//! computes it lives in the outcome module.
//!
//! Field error codes of a refused rule (field names are under `voting_rule.`):
//! `out_of_range` (a percentage above 100), `must_be_positive` (a count or number of points of 0),
//! `min_above_max` (approval minimum above its maximum), `above_points` (cumulative per-project
//! maximum above the points a voter has).

use crate::error::{DomainError, FieldCode, FieldError};
use serde::{Deserialize, Serialize};

/// The rule a ballot of a budget must follow. Exactly one per budget.
///
/// Every rule requires a cast ballot to hold at least one project: an empty ballot says nothing
/// and would still use up a slot of the resident's workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "VotingRuleForm")]
pub enum VotingRule {
    /// Choose projects whose costs add up to at most the budget total at all times, and to at
    /// least `min_percent`% of it at checkout (Decidim's default rule, 70%).
    #[non_exhaustive]
    Knapsack { min_percent: u8 },

    /// Choose projects whose costs add up to at most the budget total at all times, and at least
    /// `min_projects` projects at checkout.
    #[non_exhaustive]
    KnapsackMinProjects { min_projects: u32 },

    /// Approve between `min_projects` and `max_projects` projects; costs are ignored. Never more
    /// than `max_projects` at any time.
    #[non_exhaustive]
    Approval {
        min_projects: u32,
        max_projects: u32,
    },

    /// Spread `points` over projects, at most `max_per_project` on any one of them. At checkout
    /// every point must be placed, so `max_per_project` also sets the least number of projects a
    /// voter supports: "10 points over at least 3 projects" (Aarau 2023) is `points: 10,
    /// max_per_project: 4`.
    #[non_exhaustive]
    Cumulative { points: u32, max_per_project: u32 },
}

impl VotingRule {
    /// Knapsack with a minimum spend of `min_percent`% (0..=100) of the budget total.
    pub fn knapsack(min_percent: u8) -> Result<VotingRule, DomainError> {
        VotingRule::Knapsack { min_percent }.validated()
    }

    /// Knapsack with at least `min_projects` (≥ 1) projects at checkout.
    pub fn knapsack_min_projects(min_projects: u32) -> Result<VotingRule, DomainError> {
        VotingRule::KnapsackMinProjects { min_projects }.validated()
    }

    /// Approval of `min_projects..=max_projects` projects (1 ≤ min ≤ max).
    pub fn approval(min_projects: u32, max_projects: u32) -> Result<VotingRule, DomainError> {
        VotingRule::Approval {
            min_projects,
            max_projects,
        }
        .validated()
    }

    /// Cumulative voting with `points` (≥ 1) to place, at most `max_per_project` (1..=points) per project.
    pub fn cumulative(points: u32, max_per_project: u32) -> Result<VotingRule, DomainError> {
        VotingRule::Cumulative {
            points,
            max_per_project,
        }
        .validated()
    }

    /// Whether this rule caps the ballot by money (the two knapsack rules) rather than by count or points.
    pub fn is_limited_by_money(&self) -> bool {
        matches!(
            self,
            VotingRule::Knapsack { .. } | VotingRule::KnapsackMinProjects { .. }
        )
    }

    /// Whether voters give points to projects (cumulative) rather than simply choosing them.
    pub fn uses_points(&self) -> bool {
        matches!(self, VotingRule::Cumulative { .. })
    }

    /// How much a ballot line giving `points` weighs in the tally's Equal Shares run: the points
    /// under a rule with points (points utilities), 1 otherwise (a choice; cost utilities). A
    /// voter owes a round's price times this weight ([`crate::outcome::explain::spend`]).
    pub fn line_weight(&self, points: u32) -> u64 {
        if self.uses_points() {
            u64::from(points)
        } else {
            1
        }
    }

    fn validated(self) -> Result<VotingRule, DomainError> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(DomainError::Invalid(problems))
        }
    }

    /// Every problem with this rule's parameters, so a form reports all of them at once.
    fn problems(&self) -> Vec<FieldError> {
        let mut problems = Vec::new();
        let mut positive = |field: &str, value: u32| {
            if value == 0 {
                problems.push(FieldError::new(
                    format!("voting_rule.{field}"),
                    FieldCode::MustBePositive,
                    "Must be at least 1.",
                ));
            }
        };
        match *self {
            VotingRule::Knapsack { min_percent } => {
                if min_percent > 100 {
                    problems.push(FieldError::new(
                        "voting_rule.min_percent",
                        FieldCode::OutOfRange,
                        "Must be a percentage between 0 and 100.",
                    ));
                }
            }
            VotingRule::KnapsackMinProjects { min_projects } => {
                positive("min_projects", min_projects);
            }
            VotingRule::Approval {
                min_projects,
                max_projects,
            } => {
                positive("min_projects", min_projects);
                positive("max_projects", max_projects);
                if min_projects > max_projects {
                    problems.push(FieldError::new(
                        "voting_rule.min_projects",
                        FieldCode::MinAboveMax,
                        "The minimum number of projects cannot be above the maximum.",
                    ));
                }
            }
            VotingRule::Cumulative {
                points,
                max_per_project,
            } => {
                positive("points", points);
                positive("max_per_project", max_per_project);
                if max_per_project > points {
                    problems.push(FieldError::new(
                        "voting_rule.max_per_project",
                        FieldCode::AbovePoints,
                        "A project cannot take more points than a voter has.",
                    ));
                }
            }
        }
        problems
    }
}

/// A voting rule as a request states it, before its parameters are checked: what the API reads
/// from a body, then hands to [`VotingRuleForm::check`], which keeps the field codes of every
/// problem (`voting_rule.min_percent` `out_of_range`, ...). Reading a [`VotingRule`] directly
/// with serde validates too, but a serde error is text: it is for stored rules, not requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum VotingRuleForm {
    Knapsack {
        min_percent: u8,
    },
    KnapsackMinProjects {
        min_projects: u32,
    },
    Approval {
        min_projects: u32,
        max_projects: u32,
    },
    Cumulative {
        points: u32,
        max_per_project: u32,
    },
}

impl VotingRuleForm {
    /// The rule, or [`DomainError::Invalid`] naming each field (`voting_rule.*`) and its code.
    pub fn check(self) -> Result<VotingRule, DomainError> {
        match self {
            VotingRuleForm::Knapsack { min_percent } => VotingRule::knapsack(min_percent),
            VotingRuleForm::KnapsackMinProjects { min_projects } => {
                VotingRule::knapsack_min_projects(min_projects)
            }
            VotingRuleForm::Approval {
                min_projects,
                max_projects,
            } => VotingRule::approval(min_projects, max_projects),
            VotingRuleForm::Cumulative {
                points,
                max_per_project,
            } => VotingRule::cumulative(points, max_per_project),
        }
    }
}

impl TryFrom<VotingRuleForm> for VotingRule {
    type Error = String;

    fn try_from(form: VotingRuleForm) -> Result<VotingRule, String> {
        form.check().map_err(|error| match error {
            DomainError::Invalid(problems) => problems
                .iter()
                .map(|problem| format!("{}: {}", problem.field, problem.message))
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        })
    }
}

/// How the winning projects of a budget are computed from its cast ballots once voting closes
/// (DESIGN §2.5; the computation lives in the outcome module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeRule {
    /// Projects by votes (points for cumulative ballots) descending, each taken if it still fits.
    Greedy,
    /// The Method of Equal Shares, completed by `add1` and a greedy fill.
    EqualShares,
}

impl OutcomeRule {
    pub const ALL: [OutcomeRule; 2] = [OutcomeRule::Greedy, OutcomeRule::EqualShares];

    /// The name stored and shown in the API (serde's name too).
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeRule::Greedy => "greedy",
            OutcomeRule::EqualShares => "equal_shares",
        }
    }

    pub fn parse(raw: &str) -> Option<OutcomeRule> {
        OutcomeRule::ALL
            .into_iter()
            .find(|rule| rule.as_str() == raw)
    }

    /// The rule of [`crate::outcome`] that computes this setting, and its tie-breaking.
    ///
    /// - `greedy` is the cities' greedy rule (by votes, or points for cumulative ballots, each
    ///   project taken if it still fits), ties by lower cost, then more votes, then project id
    ///   (DESIGN §2.5: "ties by lower cost then id"; among equal scores of approval ballots the
    ///   votes are equal too).
    /// - `equal_shares` is the Method of Equal Shares (cost utilities for approval and knapsack
    ///   ballots, score utilities for cumulative ones) raised by one currency unit per voter while
    ///   the outcome still fits the budget, then a greedy fill, with the pabutools tie-breaking
    ///   by project id; the `equal-shares` alias of [`crate::outcome`].
    pub fn computation(self) -> (crate::outcome::OutcomeRule, crate::outcome::TieBreaking) {
        use crate::outcome::{
            CityRule, Fill, Increase, OutcomeRule as Rule, Satisfaction, TieBreaking,
        };
        match self {
            OutcomeRule::Greedy => (Rule::City(CityRule::Greedy), TieBreaking::CostThenVotes),
            OutcomeRule::EqualShares => (
                Rule::Mes {
                    satisfaction: Satisfaction::ByVoteType,
                    increase: Increase::WhileNextFits,
                    fill: Fill::Greedy,
                },
                TieBreaking::ProjectId,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_setting_names_the_rule_that_computes_it() {
        let (greedy, ties) = OutcomeRule::Greedy.computation();
        assert_eq!(
            (greedy, ties),
            (
                "greedy".parse().unwrap(),
                crate::outcome::TieBreaking::CostThenVotes
            )
        );
        let (equal_shares, ties) = OutcomeRule::EqualShares.computation();
        assert_eq!(
            (equal_shares, ties),
            (
                "equal-shares".parse().unwrap(),
                crate::outcome::TieBreaking::ProjectId
            )
        );
    }

    fn field_codes(result: Result<VotingRule, DomainError>) -> Vec<(String, &'static str)> {
        match result {
            Err(DomainError::Invalid(problems)) => problems
                .into_iter()
                .map(|problem| (problem.field, problem.code.as_str()))
                .collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_knapsack_minimum_is_a_percentage() {
        assert!(VotingRule::knapsack(0).is_ok());
        assert!(VotingRule::knapsack(100).is_ok());
        assert_eq!(
            field_codes(VotingRule::knapsack(101)),
            [("voting_rule.min_percent".to_owned(), "out_of_range")]
        );
    }

    #[test]
    fn a_minimum_number_of_projects_is_at_least_one() {
        assert!(VotingRule::knapsack_min_projects(1).is_ok());
        assert_eq!(
            field_codes(VotingRule::knapsack_min_projects(0)),
            [("voting_rule.min_projects".to_owned(), "must_be_positive")]
        );
    }

    #[test]
    fn approval_needs_a_minimum_not_above_its_maximum() {
        assert!(VotingRule::approval(3, 3).is_ok());
        assert_eq!(
            field_codes(VotingRule::approval(4, 3)),
            [("voting_rule.min_projects".to_owned(), "min_above_max")]
        );
        assert_eq!(
            field_codes(VotingRule::approval(0, 0)),
            [
                ("voting_rule.min_projects".to_owned(), "must_be_positive"),
                ("voting_rule.max_projects".to_owned(), "must_be_positive"),
            ]
        );
    }

    #[test]
    fn cumulative_caps_a_project_at_most_at_all_the_points() {
        assert!(VotingRule::cumulative(10, 10).is_ok());
        assert!(VotingRule::cumulative(10, 4).is_ok());
        assert_eq!(
            field_codes(VotingRule::cumulative(10, 11)),
            [("voting_rule.max_per_project".to_owned(), "above_points")]
        );
        assert_eq!(
            field_codes(VotingRule::cumulative(0, 1)),
            [
                ("voting_rule.points".to_owned(), "must_be_positive"),
                ("voting_rule.max_per_project".to_owned(), "above_points"),
            ]
        );
    }

    #[test]
    fn rules_read_and_write_the_design_names() {
        let rule = VotingRule::approval(1, 5).unwrap();
        let json = serde_json::to_value(rule).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "approval", "min_projects": 1, "max_projects": 5})
        );
        assert_eq!(serde_json::from_value::<VotingRule>(json).unwrap(), rule);

        let knapsack: VotingRule =
            serde_json::from_str(r#"{"kind":"knapsack_min_projects","min_projects":2}"#).unwrap();
        assert_eq!(knapsack, VotingRule::knapsack_min_projects(2).unwrap());
        assert_eq!(
            serde_json::to_value(OutcomeRule::EqualShares).unwrap(),
            "equal_shares"
        );
    }

    #[test]
    fn reading_a_rule_validates_it() {
        let error = serde_json::from_str::<VotingRule>(
            r#"{"kind":"cumulative","points":3,"max_per_project":5}"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("voting_rule.max_per_project"));
        assert!(
            serde_json::from_str::<VotingRule>(r#"{"kind":"knapsack","min_percent":120}"#).is_err()
        );
    }

    #[test]
    fn a_rule_read_from_a_request_keeps_the_field_codes_of_its_problems() {
        let form: VotingRuleForm =
            serde_json::from_str(r#"{"kind":"approval","min_projects":4,"max_projects":2}"#)
                .unwrap();
        let DomainError::Invalid(problems) = form.check().unwrap_err() else {
            panic!("a validation error")
        };
        let named: Vec<(String, FieldCode)> = problems
            .into_iter()
            .map(|problem| (problem.field, problem.code))
            .collect();
        assert_eq!(
            named,
            [(
                "voting_rule.min_projects".to_owned(),
                FieldCode::MinAboveMax
            )]
        );
        let form: VotingRuleForm =
            serde_json::from_str(r#"{"kind":"knapsack","min_percent":70}"#).unwrap();
        assert_eq!(form.check(), VotingRule::knapsack(70));
    }

    #[test]
    fn only_knapsack_rules_count_money_and_only_cumulative_counts_points() {
        assert!(VotingRule::knapsack(70).unwrap().is_limited_by_money());
        assert!(
            VotingRule::knapsack_min_projects(1)
                .unwrap()
                .is_limited_by_money()
        );
        assert!(!VotingRule::approval(1, 2).unwrap().is_limited_by_money());
        assert!(VotingRule::cumulative(3, 3).unwrap().uses_points());
        assert!(!VotingRule::knapsack(70).unwrap().uses_points());
    }
}
