//! Property tests: whatever a voter does, in whatever order, a ballot never breaks its rule.
//!
//! Each case draws a voting rule, a budget total, a handful of projects and a sequence of voter
//! actions, then runs every action through the decisions and checks the invariants after each
//! one. Checkout is judged against [`satisfies`], a plain restatement of DESIGN §2.5 written
//! independently of the decision code.

use super::*;
use crate::budgets::fixtures::{Booth, NOW, budget, project};
use crate::budgets::settings::Workflow;
use proptest::prelude::*;

/// Whether a ballot of `(cost, points)` lines may be cast under `rule` with a budget of `total`.
fn satisfies(rule: VotingRule, total: i64, lines: &[(i64, u32)]) -> bool {
    let count = lines.len() as u64;
    let cost: i128 = lines.iter().map(|&(cost, _)| i128::from(cost)).sum();
    let within_budget = cost <= i128::from(total);
    count > 0
        && match rule {
            VotingRule::Knapsack { min_percent } => {
                within_budget && cost * 100 >= i128::from(total) * i128::from(min_percent)
            }
            VotingRule::KnapsackMinProjects { min_projects } => {
                within_budget && count >= u64::from(min_projects)
            }
            VotingRule::Approval {
                min_projects,
                max_projects,
            } => u64::from(min_projects) <= count && count <= u64::from(max_projects),
            VotingRule::Cumulative {
                points,
                max_per_project,
            } => {
                lines.iter().all(|&(_, given)| given <= max_per_project)
                    && lines
                        .iter()
                        .map(|&(_, given)| u64::from(given))
                        .sum::<u64>()
                        == u64::from(points)
            }
        }
}

fn any_rule() -> impl Strategy<Value = VotingRule> {
    prop_oneof![
        (0u8..=100).prop_map(|percent| VotingRule::knapsack(percent).unwrap()),
        (1u32..=5).prop_map(|min| VotingRule::knapsack_min_projects(min).unwrap()),
        (1u32..=4, 0u32..=4)
            .prop_map(|(min, extra)| VotingRule::approval(min, min + extra).unwrap()),
        (1u32..=12)
            .prop_flat_map(|points| (Just(points), 1..=points))
            .prop_map(|(points, max)| VotingRule::cumulative(points, max).unwrap()),
    ]
}

fn knapsack_rule() -> impl Strategy<Value = VotingRule> {
    prop_oneof![
        (0u8..=100).prop_map(|percent| VotingRule::knapsack(percent).unwrap()),
        (1u32..=5).prop_map(|min| VotingRule::knapsack_min_projects(min).unwrap()),
    ]
}

/// What a voter (or a retrying client) may do.
#[derive(Debug, Clone, Copy)]
enum Action {
    Add { project: usize, points: u32 },
    Remove { project: usize },
    Checkout,
    Cancel,
}

fn any_action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (0usize..8, 1u32..=6).prop_map(|(project, points)| Action::Add { project, points }),
        2 => (0usize..8).prop_map(|project| Action::Remove { project }),
        1 => Just(Action::Checkout),
        1 => Just(Action::Cancel),
    ]
}

fn lines_of(ballot: &Ballot) -> Vec<(i64, u32)> {
    ballot
        .lines()
        .map(|line| (line.cost.0, line.points.get()))
        .collect()
}

/// The limits that must hold after every accepted decision.
fn assert_within_limits(
    rule: VotingRule,
    total: i64,
    ballot: &Ballot,
) -> Result<(), TestCaseError> {
    match rule {
        VotingRule::Knapsack { .. } | VotingRule::KnapsackMinProjects { .. } => {
            prop_assert!(
                ballot.total_cost() <= Cents(total),
                "over budget: {ballot:?}"
            );
        }
        VotingRule::Approval { max_projects, .. } => {
            prop_assert!(ballot.project_count() as u64 <= u64::from(max_projects));
        }
        VotingRule::Cumulative {
            points,
            max_per_project,
        } => {
            prop_assert!(ballot.points_used() <= u64::from(points));
            prop_assert!(
                ballot
                    .lines()
                    .all(|line| line.points.get() <= max_per_project)
            );
        }
    }
    Ok(())
}

/// Runs `actions` from an empty draft, checking the invariants after each accepted decision.
fn run(
    rule: VotingRule,
    total: i64,
    costs: &[i64],
    actions: &[Action],
) -> Result<(), TestCaseError> {
    let booth = Booth::new(budget(rule, total, Workflow::All));
    let projects: Vec<Project> = (0u128..)
        .zip(costs)
        .map(|(id, &cost)| project(id, cost))
        .collect();

    let mut ballot = Ballot::new_draft(BallotId(7));
    for action in actions {
        let next = match *action {
            Action::Add { project, points } => {
                let project = &projects[project % projects.len()];
                let choice = if rule.uses_points() {
                    Choice::points(points).unwrap()
                } else {
                    Choice::Select
                };
                booth.add(&ballot, project, choice)
            }
            Action::Remove { project } => {
                ballot.remove(booth.voting(), projects[project % projects.len()].id(), NOW)
            }
            Action::Checkout => {
                let was_draft = ballot.status() == BallotStatus::Draft;
                let outcome = booth.checkout(&ballot);
                if was_draft {
                    prop_assert_eq!(
                        outcome.is_ok(),
                        satisfies(rule, total, &lines_of(&ballot)),
                        "checkout of {:?} under {:?} with total {}: {:?}",
                        ballot,
                        rule,
                        total,
                        outcome
                    );
                } else {
                    prop_assert_eq!(outcome.clone().err(), Some(DomainError::BallotAlreadyCast));
                }
                outcome.map(|checkout| checkout.ballot)
            }
            Action::Cancel => ballot.cancel(booth.voting(), NOW),
        };
        if let Ok(next) = next {
            assert_within_limits(rule, total, &next)?;
            ballot = next;
        }
    }
    Ok(())
}

// Totals and costs are small on purpose: sums then land exactly on the limits (a total equal to
// the budget, one cent over, exactly the minimum percent) often enough to catch off-by-one errors.
proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_sequence_of_decisions_takes_a_knapsack_ballot_over_budget(
        rule in knapsack_rule(),
        total in 1i64..=40,
        costs in prop::collection::vec(1i64..=25, 1..8),
        actions in prop::collection::vec(any_action(), 0..40),
    ) {
        run(rule, total, &costs, &actions)?;
    }

    #[test]
    fn no_sequence_of_decisions_breaks_any_rule_and_checkout_succeeds_exactly_when_the_rule_holds(
        rule in any_rule(),
        total in 1i64..=40,
        costs in prop::collection::vec(1i64..=25, 1..8),
        actions in prop::collection::vec(any_action(), 0..40),
    ) {
        run(rule, total, &costs, &actions)?;
    }

    #[test]
    fn checkout_of_any_stored_draft_succeeds_only_when_it_satisfies_the_rule(
        rule in any_rule(),
        total in 1i64..=40,
        lines in prop::collection::btree_map(0u128..16, (1i64..=25, 1u32..=8), 0..8),
    ) {
        let booth = Booth::new(budget(rule, total, Workflow::All));
        // Rules without points store 1 point per project.
        let stored: Vec<(Project, NonZeroU32)> = lines
            .iter()
            .map(|(&id, &(cost, points))| (
                project(id, cost),
                NonZeroU32::new(if rule.uses_points() { points } else { 1 }).unwrap(),
            ))
            .collect();
        let ballot = Ballot::restore(BallotId(3), BallotStatus::Draft, &booth.budget, stored).unwrap();
        let outcome = booth.checkout(&ballot);
        prop_assert_eq!(outcome.is_ok(), satisfies(rule, total, &lines_of(&ballot)));
        prop_assert_eq!(ballot.check_complete(&booth.budget).is_ok(), outcome.is_ok());
        if let Ok(checkout) = outcome {
            prop_assert_eq!(checkout.receipt.choices().len(), ballot.project_count());
        }
    }

    #[test]
    fn approval_ballots_never_hold_more_than_their_maximum(
        min in 1u32..=3,
        extra in 0u32..=3,
        costs in prop::collection::vec(1i64..=25, 1..8),
        actions in prop::collection::vec(any_action(), 0..40),
    ) {
        run(VotingRule::approval(min, min + extra).unwrap(), 1_000, &costs, &actions)?;
    }

    #[test]
    fn cumulative_ballots_never_give_more_than_their_points(
        (points, max_per_project) in (1u32..=12).prop_flat_map(|points| (Just(points), 1..=points)),
        costs in prop::collection::vec(1i64..=25, 1..8),
        actions in prop::collection::vec(any_action(), 0..40),
    ) {
        run(VotingRule::cumulative(points, max_per_project).unwrap(), 1_000, &costs, &actions)?;
    }
}
