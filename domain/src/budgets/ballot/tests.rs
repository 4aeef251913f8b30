//! Ballot decisions, one rule per test.

use super::*;
use crate::budgets::eligibility::{
    BallotProgress, IneligibilityReason, ProcessBudget, Residency, VoterBallot,
};
use crate::budgets::fixtures::{BUDGET, Booth, CLOSES, NOW, OPENS, budget as budget_with, project};
use crate::budgets::scope::BudgetScope;
use crate::budgets::settings::Workflow;
use crate::error::FieldCode;

const OTHER_BUDGET: BudgetId = BudgetId(200);

fn budget(rule: VotingRule, total: i64) -> Budget {
    budget_with(rule, total, Workflow::All)
}

fn knapsack(min_percent: u8) -> VotingRule {
    VotingRule::knapsack(min_percent).unwrap()
}

fn points(n: u32) -> Choice {
    Choice::points(n).unwrap()
}

// --- knapsack -----------------------------------------------------------------------------------

#[test]
fn a_knapsack_ballot_cannot_exceed_the_budget() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    let ballot = booth.draft_with(&[project(1, 600)]);
    let refused = booth.select(&ballot, &project(2, 401)).unwrap_err();
    assert_eq!(
        refused,
        DomainError::OverBudget {
            budget_total: Cents(1_000),
            ballot_total: Cents(1_001)
        }
    );
    assert_eq!(refused.code(), "over_budget");
    assert!(booth.select(&ballot, &project(3, 400)).is_ok());
}

#[test]
fn a_knapsack_ballot_may_spend_the_whole_budget_exactly() {
    let booth = Booth::new(budget(knapsack(100), 1_000));
    let checkout = booth.checkout(&booth.draft_with(&[project(1, 250), project(2, 750)]));
    assert!(checkout.is_ok());
}

#[test]
fn a_knapsack_ballot_must_spend_the_minimum_percent_at_checkout() {
    let booth = Booth::new(budget(knapsack(70), 1_000));
    let short = booth.draft_with(&[project(1, 699)]);
    let refused = booth.checkout(&short).unwrap_err();
    assert_eq!(refused, DomainError::BelowMinimumSpend { min_percent: 70 });
    assert_eq!(refused.code(), "below_minimum_spend");

    let enough = booth.draft_with(&[project(1, 700)]);
    assert!(booth.checkout(&enough).is_ok());
}

#[test]
fn checkout_uses_current_costs_so_a_raised_cost_can_push_a_ballot_over_budget() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    let loaded_after_a_cost_raise = Ballot::restore(
        BallotId(1),
        BallotStatus::Draft,
        &booth.budget,
        [(project(1, 1_200), NonZeroU32::MIN)],
    )
    .unwrap();
    assert_eq!(
        booth
            .checkout(&loaded_after_a_cost_raise)
            .unwrap_err()
            .code(),
        "over_budget"
    );
    assert_eq!(loaded_after_a_cost_raise.total_cost(), Cents(1_200));
}

#[test]
fn knapsack_min_projects_needs_enough_projects_at_checkout() {
    let booth = Booth::new(budget(VotingRule::knapsack_min_projects(3).unwrap(), 1_000));
    let two = booth.draft_with(&[project(1, 10), project(2, 10)]);
    let refused = booth.checkout(&two).unwrap_err();
    assert_eq!(refused, DomainError::TooFewProjects { minimum: 3 });
    assert_eq!(refused.code(), "too_few_projects");

    let three = booth.select(&two, &project(3, 10)).unwrap();
    assert!(booth.checkout(&three).is_ok());
}

#[test]
fn knapsack_min_projects_still_cannot_exceed_the_budget() {
    let booth = Booth::new(budget(VotingRule::knapsack_min_projects(1).unwrap(), 1_000));
    let ballot = booth.draft_with(&[project(1, 900)]);
    assert_eq!(
        booth.select(&ballot, &project(2, 101)).unwrap_err().code(),
        "over_budget"
    );
}

// --- approval -----------------------------------------------------------------------------------

#[test]
fn an_approval_ballot_ignores_money() {
    let booth = Booth::new(budget(VotingRule::approval(1, 3).unwrap(), 1_000));
    let ballot = booth.draft_with(&[project(1, 5_000), project(2, 9_000)]);
    assert_eq!(ballot.total_cost(), Cents(14_000));
    assert!(booth.checkout(&ballot).is_ok());
}

#[test]
fn an_approval_ballot_never_holds_more_than_its_maximum() {
    let booth = Booth::new(budget(VotingRule::approval(1, 2).unwrap(), 1_000));
    let full = booth.draft_with(&[project(1, 10), project(2, 10)]);
    let refused = booth.select(&full, &project(3, 10)).unwrap_err();
    assert_eq!(refused, DomainError::TooManyProjects { maximum: 2 });
    assert_eq!(refused.code(), "too_many_projects");
}

#[test]
fn an_approval_ballot_needs_its_minimum_at_checkout() {
    let booth = Booth::new(budget(VotingRule::approval(3, 5).unwrap(), 1_000));
    let two = booth.draft_with(&[project(1, 10), project(2, 10)]);
    assert_eq!(
        booth.checkout(&two).unwrap_err(),
        DomainError::TooFewProjects { minimum: 3 }
    );
}

#[test]
fn an_empty_ballot_is_never_cast() {
    for rule in [
        knapsack(0),
        VotingRule::approval(1, 3).unwrap(),
        VotingRule::cumulative(3, 3).unwrap(),
    ] {
        let booth = Booth::new(budget(rule, 1_000));
        assert_eq!(
            booth.checkout(&Ballot::new_draft(BallotId(1))).unwrap_err(),
            DomainError::TooFewProjects { minimum: 1 }
        );
    }
}

// --- cumulative ---------------------------------------------------------------------------------

fn aarau_booth() -> Booth {
    // 10 points, at most 4 per project: every cast ballot supports at least 3 projects.
    Booth::new(budget(VotingRule::cumulative(10, 4).unwrap(), 5_000_000))
}

#[test]
fn a_cumulative_ballot_caps_the_points_of_one_project() {
    let booth = aarau_booth();
    let refused = booth
        .add(&Ballot::new_draft(BallotId(1)), &project(1, 10), points(5))
        .unwrap_err();
    assert_eq!(
        refused,
        DomainError::TooManyPointsForProject { max_per_project: 4 }
    );
    assert_eq!(refused.code(), "too_many_points_for_project");
}

#[test]
fn a_cumulative_ballot_never_gives_more_than_its_points() {
    let booth = aarau_booth();
    let ballot = booth.draft_with_points(&[(project(1, 10), 4), (project(2, 10), 4)]);
    let refused = booth.add(&ballot, &project(3, 10), points(3)).unwrap_err();
    assert_eq!(refused, DomainError::TooManyPoints { points: 10 });
    assert_eq!(refused.code(), "too_many_points");
    assert_eq!(ballot.points_used(), 8);
}

#[test]
fn a_cumulative_ballot_places_every_point_before_checkout() {
    let booth = aarau_booth();
    let ballot = booth.draft_with_points(&[(project(1, 10), 4), (project(2, 10), 4)]);
    let refused = booth.checkout(&ballot).unwrap_err();
    assert_eq!(refused, DomainError::PointsLeftUnspent { left: 2 });
    assert_eq!(refused.code(), "points_left_unspent");

    let ballot = booth.add(&ballot, &project(3, 10), points(2)).unwrap();
    let checkout = booth.checkout(&ballot).unwrap();
    assert_eq!(
        checkout.receipt.choices(),
        [(ProjectId(1), 4), (ProjectId(2), 4), (ProjectId(3), 2)]
    );
}

#[test]
fn a_cumulative_ballot_needs_points_and_other_ballots_refuse_them() {
    let cumulative = aarau_booth();
    let draft = Ballot::new_draft(BallotId(1));
    let refused = cumulative.select(&draft, &project(1, 10)).unwrap_err();
    assert_eq!(
        refused,
        DomainError::field(
            "points",
            FieldCode::PointsRequired,
            "Say how many points this project gets."
        )
    );

    let approval = Booth::new(budget(VotingRule::approval(1, 3).unwrap(), 1_000));
    match approval.add(&draft, &project(1, 10), points(2)) {
        Err(DomainError::Invalid(problems)) => assert_eq!(problems[0].code, "points_not_allowed"),
        other => panic!("expected points_not_allowed, got {other:?}"),
    }
}

#[test]
fn zero_points_cannot_be_given() {
    match Choice::points(0) {
        Err(DomainError::Invalid(problems)) => {
            assert_eq!(
                (problems[0].field.as_str(), problems[0].code.as_str()),
                ("points", "must_be_positive")
            );
        }
        other => panic!("expected must_be_positive, got {other:?}"),
    }
}

// --- projects -----------------------------------------------------------------------------------

#[test]
fn a_project_of_another_budget_cannot_be_added() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    let elsewhere = Project::new(ProjectId(9), OTHER_BUDGET, Cents(10)).unwrap();
    let refused = booth
        .select(&Ballot::new_draft(BallotId(1)), &elsewhere)
        .unwrap_err();
    assert_eq!(refused, DomainError::ProjectOfAnotherBudget);
    assert_eq!(refused.code(), "project_of_another_budget");
}

#[test]
fn a_project_is_in_a_ballot_at_most_once() {
    let booth = Booth::new(budget(VotingRule::approval(1, 5).unwrap(), 1_000));
    let ballot = booth.draft_with(&[project(1, 10)]);
    let refused = booth.select(&ballot, &project(1, 10)).unwrap_err();
    assert_eq!(refused, DomainError::ProjectAlreadyInBallot);
    assert_eq!(refused.code(), "project_already_in_ballot");
}

#[test]
fn only_a_project_in_the_ballot_can_be_removed() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    let ballot = booth.draft_with(&[project(1, 10), project(2, 20)]);
    let removed = ballot.remove(booth.voting(), ProjectId(1), NOW).unwrap();
    assert!(!removed.contains(ProjectId(1)));
    assert_eq!(removed.total_cost(), Cents(20));

    let refused = removed
        .remove(booth.voting(), ProjectId(1), NOW)
        .unwrap_err();
    assert_eq!(refused, DomainError::ProjectNotInBallot);
    assert_eq!(refused.code(), "project_not_in_ballot");
}

#[test]
fn decisions_return_a_new_ballot_and_leave_the_given_one_alone() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    let before = booth.draft_with(&[project(1, 10)]);
    let snapshot = before.clone();
    let _ = booth.select(&before, &project(2, 10)).unwrap();
    let _ = before.remove(booth.voting(), ProjectId(1), NOW).unwrap();
    let _ = booth.checkout(&before).unwrap();
    assert_eq!(before, snapshot);
}

// --- cast and cancel ----------------------------------------------------------------------------

#[test]
fn checkout_casts_the_ballot_at_now_and_issues_its_receipt() {
    let booth = Booth::new(budget(knapsack(50), 1_000));
    let draft = booth.draft_with(&[project(2, 300), project(1, 300)]);
    assert_eq!(draft.receipt(BUDGET), None);

    let Checkout { ballot, receipt } = booth.checkout(&draft).unwrap();
    assert_eq!(ballot.status(), BallotStatus::Cast { cast_at: NOW });
    assert_eq!(receipt, ballot.receipt(BUDGET).unwrap());
    assert_eq!(
        (receipt.budget_id(), receipt.ballot_id(), receipt.cast_at()),
        (BUDGET, BallotId(1), NOW)
    );
    assert_eq!(receipt.choices(), [(ProjectId(1), 1), (ProjectId(2), 1)]);
}

#[test]
fn a_cast_ballot_cannot_be_changed() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    let cast = booth.cast(&[project(1, 10)]);
    let attempts = [
        booth.select(&cast, &project(2, 10)).map(|_| ()),
        cast.remove(booth.voting(), ProjectId(1), NOW).map(|_| ()),
        booth.checkout(&cast).map(|_| ()),
    ];
    for attempt in attempts {
        assert_eq!(attempt, Err(DomainError::BallotAlreadyCast));
    }
    assert_eq!(DomainError::BallotAlreadyCast.code(), "ballot_already_cast");
}

#[test]
fn a_cast_ballot_can_be_cancelled_while_voting_is_open() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    let cast = booth.cast(&[project(1, 10), project(2, 20)]);
    let cancelled = cast.cancel(booth.voting(), NOW).unwrap();
    assert_eq!(cancelled.status(), BallotStatus::Draft);
    assert_eq!(
        cancelled.lines().collect::<Vec<_>>(),
        cast.lines().collect::<Vec<_>>()
    );
    assert_eq!(cancelled.receipt(BUDGET), None);
    // ... and, being a draft again, it can be changed and cast anew.
    let changed = cancelled.remove(booth.voting(), ProjectId(2), NOW).unwrap();
    assert!(booth.checkout(&changed).is_ok());
}

#[test]
fn a_cast_ballot_cannot_be_cancelled_after_voting_closes() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    let cast = booth.cast(&[project(1, 10)]);
    let refused = cast.cancel(booth.voting(), CLOSES).unwrap_err();
    assert_eq!(refused, DomainError::VOTING_CLOSED);
}

#[test]
fn a_draft_cannot_be_cancelled() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    let refused = booth
        .draft_with(&[project(1, 10)])
        .cancel(booth.voting(), NOW)
        .unwrap_err();
    assert_eq!(refused, DomainError::BallotNotCast);
    assert_eq!(refused.code(), "ballot_not_cast");
}

// --- when and who -------------------------------------------------------------------------------

#[test]
fn no_ballot_is_written_outside_the_voting_window() {
    let mut booth = Booth::new(budget(knapsack(0), 1_000));
    let draft = booth.draft_with(&[project(1, 10)]);
    for window in [
        VotingWindow::NoVotingPhase,
        VotingWindow::Phase {
            starts_at: Timestamp(NOW.0 + 1),
            ends_at: CLOSES,
        },
        VotingWindow::Phase {
            starts_at: OPENS,
            ends_at: NOW,
        },
    ] {
        booth.window = window;
        assert_eq!(
            booth.select(&draft, &project(2, 10)).unwrap_err().code(),
            "voting_closed"
        );
        assert_eq!(
            draft.remove(booth.voting(), ProjectId(1), NOW).unwrap_err(),
            DomainError::VOTING_CLOSED
        );
        assert_eq!(
            booth.checkout(&draft).unwrap_err(),
            DomainError::VOTING_CLOSED
        );
    }
}

#[test]
fn only_an_eligible_voter_can_add_or_cast() {
    let mut booth = Booth::new(budget(knapsack(0), 1_000));
    let draft = booth.draft_with(&[project(1, 10)]);
    booth.residency = Residency::NotResident;
    let not_resident = DomainError::NotEligible {
        reason: IneligibilityReason::NotAResident,
    };
    assert_eq!(
        booth.select(&draft, &project(2, 10)).unwrap_err(),
        not_resident
    );
    assert_eq!(booth.checkout(&draft).unwrap_err(), not_resident);
    assert_eq!(not_resident.code(), "not_eligible");
    // Taking a project back needs no eligibility.
    assert!(draft.remove(booth.voting(), ProjectId(1), NOW).is_ok());
}

#[test]
fn checkout_rechecks_the_workflow_against_the_ballots_cast_elsewhere() {
    let mut booth = Booth::new(budget_with(knapsack(0), 1_000, Workflow::One));
    let draft = booth.draft_with(&[project(1, 10)]);
    // Meanwhile, a ballot in another budget of the process got a project: a draft there does
    // not keep this one from being cast (the first checkout wins)...
    booth.process.push(ProcessBudget {
        id: OTHER_BUDGET,
        scope: BudgetScope::CityWide,
        workflow: Workflow::One,
    });
    booth.other_ballots.push(VoterBallot {
        budget_id: OTHER_BUDGET,
        progress: BallotProgress::InProgress,
    });
    assert!(booth.checkout(&draft).is_ok());
    // ...but once it was cast there, this one cannot be.
    booth.other_ballots[0].progress = BallotProgress::Cast;
    assert_eq!(
        booth.checkout(&draft).unwrap_err(),
        DomainError::NotEligible {
            reason: IneligibilityReason::WorkflowLimitReached {
                workflow: Workflow::One
            }
        }
    );
}

#[test]
fn a_ballots_progress_is_what_the_workflows_count() {
    let booth = Booth::new(budget(knapsack(0), 1_000));
    assert_eq!(
        Ballot::new_draft(BallotId(1)).progress(),
        BallotProgress::Empty
    );
    assert_eq!(
        booth.draft_with(&[project(1, 10)]).progress(),
        BallotProgress::InProgress
    );
    assert_eq!(
        booth.cast(&[project(1, 10)]).progress(),
        BallotProgress::Cast
    );
    assert!(!BallotProgress::Empty.counts());
    assert!(BallotProgress::InProgress.counts() && BallotProgress::Cast.counts());
}

#[test]
fn every_budget_refusal_has_a_distinct_snake_case_code() {
    let refusals = [
        DomainError::OverBudget {
            budget_total: Cents(1),
            ballot_total: Cents(2),
        },
        DomainError::TooFewProjects { minimum: 1 },
        DomainError::TooManyProjects { maximum: 1 },
        DomainError::BelowMinimumSpend { min_percent: 1 },
        DomainError::ProjectOfAnotherBudget,
        DomainError::ProjectAlreadyInBallot,
        DomainError::ProjectNotInBallot,
        DomainError::TooManyPoints { points: 1 },
        DomainError::TooManyPointsForProject { max_per_project: 1 },
        DomainError::PointsLeftUnspent { left: 1 },
        DomainError::BallotAlreadyCast,
        DomainError::BallotNotCast,
        DomainError::VOTING_CLOSED,
        DomainError::NotEligible {
            reason: IneligibilityReason::OutsideBudgetScope,
        },
        DomainError::BudgetRulesLocked { setting: "total" },
    ];
    let codes: std::collections::BTreeSet<&str> = refusals.iter().map(DomainError::code).collect();
    assert_eq!(codes.len(), refusals.len());
    for code in codes {
        assert!(
            code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
            "{code}"
        );
    }
    for refusal in &refusals {
        assert!(!refusal.to_string().is_empty());
    }
}

#[test]
fn a_stored_ballot_is_restored_only_with_lines_a_decision_could_have_made() {
    let approval = Booth::new(budget(VotingRule::approval(1, 3).unwrap(), 1_000));
    let three = NonZeroU32::new(3).unwrap();
    let pointed = Ballot::restore(
        BallotId(1),
        BallotStatus::Draft,
        &approval.budget,
        [(project(1, 100), three)],
    );
    assert_eq!(
        pointed.unwrap_err(),
        DomainError::field(
            "points",
            FieldCode::PointsNotAllowed,
            "This budget's ballots choose projects without points."
        )
    );
    let foreign = Project::new(ProjectId(9), OTHER_BUDGET, Cents(100)).unwrap();
    assert_eq!(
        Ballot::restore(
            BallotId(1),
            BallotStatus::Draft,
            &approval.budget,
            [(foreign, NonZeroU32::MIN)]
        )
        .unwrap_err(),
        DomainError::ProjectOfAnotherBudget
    );
    // A cumulative ballot keeps its points, on its lines and on its receipt.
    let cumulative = Booth::new(budget(VotingRule::cumulative(10, 5).unwrap(), 1_000));
    let cast = Ballot::restore(
        BallotId(2),
        BallotStatus::Cast { cast_at: NOW },
        &cumulative.budget,
        [(project(1, 100), three)],
    )
    .unwrap();
    assert_eq!(cast.lines().next().map(BallotLine::points), Some(three));
    assert_eq!(cast.receipt(BUDGET).unwrap().choices(), [(ProjectId(1), 3)]);
}

#[test]
fn putting_a_project_again_replaces_its_points_and_the_same_points_change_nothing() {
    let booth = Booth::new(budget(VotingRule::cumulative(10, 6).unwrap(), 1_000));
    let three = booth.draft_with_points(&[(project(1, 100), 3), (project(2, 100), 4)]);
    // `add` refuses a project already there; `set` replaces its points.
    assert_eq!(
        booth.add(&three, &project(1, 100), points(5)).unwrap_err(),
        DomainError::ProjectAlreadyInBallot
    );
    let set = |ballot: &Ballot, id, n| {
        ballot.set(
            booth.voting(),
            &booth.voter(),
            &project(id, 100),
            points(n),
            NOW,
        )
    };
    let five = set(&three, 1, 5).unwrap();
    assert_eq!(five.points_used(), 9);
    assert_eq!(set(&five, 1, 5).unwrap(), five, "the same request again");
    // The limits hold for the replaced line too.
    assert_eq!(
        set(&five, 1, 7).unwrap_err(),
        DomainError::TooManyPointsForProject { max_per_project: 6 }
    );
    assert_eq!(
        set(&five, 1, 6).and_then(|b| set(&b, 2, 5)).unwrap_err(),
        DomainError::TooManyPoints { points: 10 }
    );
    // Absent, `set` adds; under a rule without points, a repeated selection changes nothing.
    assert_eq!(set(&five, 3, 1).unwrap().project_count(), 3);
    let approval = Booth::new(budget(VotingRule::approval(1, 3).unwrap(), 1_000));
    let chosen = approval.draft_with(&[project(1, 100)]);
    assert_eq!(
        chosen
            .set(
                approval.voting(),
                &approval.voter(),
                &project(1, 100),
                Choice::Select,
                NOW
            )
            .unwrap(),
        chosen
    );
    // A cast ballot takes no change, as with `add`.
    let cast =
        booth.checkout(&booth.draft_with_points(&[(project(1, 100), 6), (project(2, 100), 4)]));
    assert_eq!(
        set(&cast.unwrap().ballot, 1, 5).unwrap_err(),
        DomainError::BallotAlreadyCast
    );
}
