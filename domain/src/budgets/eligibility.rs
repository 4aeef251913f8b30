//! Who may vote in which budget, and when.
//!
//! Three questions, each a pure function of data the API loads (DESIGN §2.5):
//! - **Is voting open?** [`VotingWindow`]: the active phase has `budget_voting` and `now` lies in its
//!   window. Every ballot write checks it with the server's clock.
//! - **May this person vote here at all?** [`check_eligibility`]: a verified resident, old enough on
//!   the organization's calendar day ([`Voter::today`], in its time zone), and allowed by the
//!   process's [`Workflow`] given where they live and their other ballots in the process.
//! - **Where else may they still vote?** [`budgets_open_to`], the same decision over every budget
//!   of the process, for the screen that lists them.
//!
//! How the workflows read the resident's other ballots (Decidim's `Workflows::Base` does the same):
//! while a ballot is being filled ([`Stage::Filling`]) another ballot counts once it holds a
//! project, draft or cast; an empty draft is ignored. So a resident who started in one budget
//! under [`Workflow::One`] holds that budget until they cast there or empty their ballot to
//! switch; a cast ballot, even cancelled back to a draft with its projects, still holds its slot.
//! At checkout ([`Stage::Casting`]) only the *cast* ballots elsewhere count: should two drafts
//! hold projects at once (two requests racing, each seeing the other's ballot still empty), the
//! first checkout wins and the other is refused, rather than each blocking the other for good
//! (Decidim's checkout asks the same). "Their own" budgets under [`Workflow::OwnPlusOne`] are
//! every budget whose territory contains them (city-wide budgets included); the "one more" is any
//! other budget of the process, which is the only way a resident votes outside their territory
//! (Barcelona's rule).
//!
//! The decisions fail closed on data that does not add up, since the API reads it in pieces: a
//! ballot of a budget missing from [`Voter::process_budgets`] counts as a ballot outside the
//! resident's territory, a budget being decided on that is missing from them allows nothing, and
//! so do budgets of one process that disagree on the workflow ([`decide_workflow`] keeps an admin
//! from making them disagree).
//!
//! Where a resident lives is read from the census at each write. A resident who moves during the
//! vote could then vote in their old district and their new one under [`Workflow::All`]; the API
//! prevents it by giving the decisions the territory recorded with the resident's first ballot of
//! the process ([`Residency::as_first_voted`]) for as long as they stay a resident.

use super::ids::BudgetId;
use super::scope::{BudgetScope, ScopeAncestry};
use super::settings::{Budget, Workflow};
use crate::calendar::{Date, Timestamp};
use crate::error::{DomainError, FieldCode};
use std::fmt;

/// When ballots of a budget may be written, as the active phase of its process says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VotingWindow {
    /// No phase is active, or the active phase does not have `budget_voting`.
    NoVotingPhase,
    /// The active phase has `budget_voting`; it is open from `starts_at` (included) to `ends_at`
    /// (excluded).
    Phase {
        starts_at: Timestamp,
        ends_at: Timestamp,
    },
    /// An admin pinned a phase with `budget_voting`: a pinned phase is the active phase for every
    /// rule (DESIGN §1), so voting is open whatever its dates say, until it is unpinned. (Were its
    /// window still checked, the process would show voting while every write said
    /// `voting_closed`.)
    Pinned,
}

impl VotingWindow {
    /// Whether ballots may be written at `now`.
    pub fn is_open_at(&self, now: Timestamp) -> bool {
        match *self {
            VotingWindow::NoVotingPhase => false,
            VotingWindow::Phase { starts_at, ends_at } => starts_at <= now && now < ends_at,
            VotingWindow::Pinned => true,
        }
    }

    /// `Ok` while open, [`DomainError::VOTING_CLOSED`] otherwise.
    pub fn check_open(&self, now: Timestamp) -> Result<(), DomainError> {
        if self.is_open_at(now) {
            Ok(())
        } else {
            Err(DomainError::VOTING_CLOSED)
        }
    }
}

/// What the census says about the person acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Residency {
    /// A participant who has not verified against the census (or whose verification was revoked).
    NotResident,
    /// A verified resident.
    Resident(Resident),
}

/// A verified resident: where they live and when they were born.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    pub scopes: ScopeAncestry,
    pub born_on: Date,
}

impl Residency {
    /// The residency the decisions of a process read: today's, but living where the resident
    /// lived at their first ballot of the process (`first_voted_in`, recorded then) when there is
    /// one. Someone who moves during the vote keeps voting where they started; someone the census
    /// no longer lists is no longer a resident at all.
    pub fn as_first_voted(&self, first_voted_in: Option<&ScopeAncestry>) -> Residency {
        match (self, first_voted_in) {
            (Residency::Resident(resident), Some(scopes)) => Residency::Resident(Resident {
                scopes: scopes.clone(),
                born_on: resident.born_on,
            }),
            _ => self.clone(),
        }
    }
}

/// Which decision eligibility is asked for: the workflows count the resident's other ballots
/// differently while a ballot is filled and when it is cast (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Starting or filling a ballot: other ballots holding projects take their slots.
    Filling,
    /// Casting it: only cast ballots elsewhere take their slots; the first checkout wins.
    Casting,
}

/// Why a person may not vote in a budget, carried by [`DomainError::NotEligible`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IneligibilityReason {
    /// Not verified as a resident.
    NotAResident,
    /// The budget's territory does not contain where the resident lives.
    OutsideBudgetScope,
    /// Younger than the organization's minimum age on the day of the vote.
    UnderMinimumAge { minimum_age: u8 },
    /// The budget's workflow allows no further budget given the resident's other ballots.
    WorkflowLimitReached { workflow: Workflow },
    /// The budgets of the process do not agree on one workflow, or the decision was not given
    /// them all: nothing is allowed until they do (an admin's setup, never the resident's doing).
    ProcessMisconfigured,
}

impl IneligibilityReason {
    /// A stable snake_case code the API may add next to `not_eligible` (e.g. as a `reason` member).
    pub fn code(&self) -> &'static str {
        match self {
            IneligibilityReason::NotAResident => "not_a_resident",
            IneligibilityReason::OutsideBudgetScope => "outside_budget_scope",
            IneligibilityReason::UnderMinimumAge { .. } => "under_minimum_age",
            IneligibilityReason::WorkflowLimitReached { .. } => "workflow_limit_reached",
            IneligibilityReason::ProcessMisconfigured => "process_misconfigured",
        }
    }
}

impl fmt::Display for IneligibilityReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IneligibilityReason::NotAResident => {
                write!(f, "only residents verified against the census can vote")
            }
            IneligibilityReason::OutsideBudgetScope => {
                write!(f, "this budget is for another part of the city")
            }
            IneligibilityReason::UnderMinimumAge { minimum_age } => {
                write!(f, "voters must be at least {minimum_age} years old")
            }
            IneligibilityReason::WorkflowLimitReached { workflow } => match workflow {
                Workflow::One => write!(f, "you are already voting in another budget"),
                Workflow::All => write!(f, "you cannot vote in more budgets"),
                Workflow::OwnPlusOne => {
                    write!(f, "you already vote in one budget outside your own area")
                }
            },
            IneligibilityReason::ProcessMisconfigured => write!(
                f,
                "the budgets of this process are not set up consistently yet"
            ),
        }
    }
}

/// One budget of the process, as the workflow decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessBudget {
    pub id: BudgetId,
    pub scope: BudgetScope,
    pub workflow: Workflow,
}

impl From<&Budget> for ProcessBudget {
    fn from(budget: &Budget) -> ProcessBudget {
        ProcessBudget {
            id: budget.id,
            scope: budget.settings.scope(),
            workflow: budget.settings.workflow(),
        }
    }
}

/// Decides the workflow an admin gives a budget of a process whose other budgets have `others`:
/// every budget of a process shares one workflow (which budgets a resident may vote in is a
/// question about the process), so a different one is refused (422 `workflow`
/// `differs_from_process`) until the others change too; the first budget sets it.
pub fn decide_workflow(
    others: impl IntoIterator<Item = Workflow>,
    proposed: Workflow,
) -> Result<Workflow, DomainError> {
    if others.into_iter().any(|workflow| workflow != proposed) {
        return Err(DomainError::field(
            "workflow",
            FieldCode::DiffersFromProcess,
            "Every budget of a process has the same workflow: change theirs first.",
        ));
    }
    Ok(proposed)
}

/// Decides a change of a process's workflow from `current` to `proposed`, which every budget of
/// the process takes at once: refused with [`DomainError::BudgetRulesLocked`] (`workflow`) once
/// any budget of the process has a ballot (`ballots_in_process`), since residents chose where to
/// vote under it.
pub fn change_process_workflow(
    current: Workflow,
    proposed: Workflow,
    ballots_in_process: u64,
) -> Result<Workflow, DomainError> {
    if proposed != current && ballots_in_process > 0 {
        return Err(DomainError::BudgetRulesLocked {
            setting: "workflow",
        });
    }
    Ok(proposed)
}

/// How far one of the resident's ballots has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotProgress {
    /// A draft without projects: ignored by the workflows.
    Empty,
    /// A draft holding at least one project.
    InProgress,
    /// Checked out.
    Cast,
}

impl BallotProgress {
    /// Whether a ballot this far along takes up a slot of the workflow.
    pub fn counts(self) -> bool {
        self != BallotProgress::Empty
    }
}

/// One of the resident's ballots in the process: in which budget, and how far it has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoterBallot {
    pub budget_id: BudgetId,
    pub progress: BallotProgress,
}

/// The person acting, and what of the process their eligibility depends on.
#[derive(Debug, Clone, Copy)]
pub struct Voter<'a> {
    /// As the process reads it: see [`Residency::as_first_voted`].
    pub residency: &'a Residency,
    /// The organization's minimum participation age (default 16).
    pub minimum_age: u8,
    /// The organization's calendar day at the time of the decision, in its time zone: the day
    /// on which the resident's age is counted (a birthday starts at local midnight, not UTC's).
    pub today: Date,
    /// Every budget of the process, with its scope and workflow.
    pub process_budgets: &'a [ProcessBudget],
    /// The person's ballots in the process, in any budget (the ballot of the budget being decided
    /// on is ignored). A ballot of a budget missing from `process_budgets` counts as one outside
    /// the resident's territory: incomplete data never opens a slot.
    pub ballots: &'a [VoterBallot],
}

impl Voter<'_> {
    /// The resident's other ballots that take a slot at `stage`, with their budget's territory
    /// (`None`: a budget missing from `process_budgets`).
    fn ballots_outside(
        &self,
        target: BudgetId,
        stage: Stage,
    ) -> impl Iterator<Item = Option<&ProcessBudget>> {
        self.ballots
            .iter()
            .filter(move |ballot| {
                ballot.budget_id != target
                    && match stage {
                        Stage::Filling => ballot.progress.counts(),
                        Stage::Casting => ballot.progress == BallotProgress::Cast,
                    }
            })
            .map(|ballot| {
                self.process_budgets
                    .iter()
                    .find(|budget| budget.id == ballot.budget_id)
            })
    }
}

/// Decides whether `voter` may start or fill ([`Stage::Filling`]) or cast ([`Stage::Casting`]) a
/// ballot in `budget`: a resident, at least the minimum age on [`Voter::today`], and allowed by
/// the process's workflow. The refusal is [`DomainError::NotEligible`] with the first reason
/// found, in that order.
pub fn check_eligibility(
    budget: &ProcessBudget,
    voter: &Voter<'_>,
    stage: Stage,
) -> Result<(), DomainError> {
    eligibility(budget, voter, stage).map_err(|reason| DomainError::NotEligible { reason })
}

fn eligibility(
    budget: &ProcessBudget,
    voter: &Voter<'_>,
    stage: Stage,
) -> Result<(), IneligibilityReason> {
    let Residency::Resident(resident) = voter.residency else {
        return Err(IneligibilityReason::NotAResident);
    };
    if resident.born_on.age_on(voter.today) < i32::from(voter.minimum_age) {
        return Err(IneligibilityReason::UnderMinimumAge {
            minimum_age: voter.minimum_age,
        });
    }
    workflow_allows(budget, &resident.scopes, voter, stage)
}

/// The workflow part of eligibility; see the module documentation for how ballots are counted.
fn workflow_allows(
    budget: &ProcessBudget,
    scopes: &ScopeAncestry,
    voter: &Voter<'_>,
    stage: Stage,
) -> Result<(), IneligibilityReason> {
    let listed = voter.process_budgets.iter().any(|b| b.id == budget.id);
    let agree = voter
        .process_budgets
        .iter()
        .all(|other| other.workflow == budget.workflow);
    if !listed || !agree {
        return Err(IneligibilityReason::ProcessMisconfigured);
    }
    let own = budget.scope.contains(scopes);
    let limit_reached = Err(IneligibilityReason::WorkflowLimitReached {
        workflow: budget.workflow,
    });
    let mut others = voter.ballots_outside(budget.id, stage);
    match budget.workflow {
        Workflow::All if own => Ok(()),
        Workflow::One if own => {
            if others.next().is_some() {
                limit_reached
            } else {
                Ok(())
            }
        }
        Workflow::All | Workflow::One => Err(IneligibilityReason::OutsideBudgetScope),
        Workflow::OwnPlusOne if own => Ok(()),
        Workflow::OwnPlusOne => {
            let extra_in_use =
                others.any(|other| other.is_none_or(|other| !other.scope.contains(scopes)));
            if extra_in_use { limit_reached } else { Ok(()) }
        }
    }
}

/// The budgets of the process in which `voter` may still vote: eligible to fill a ballot there,
/// and not already cast there. In the order of `voter.process_budgets`.
pub fn budgets_open_to(voter: &Voter<'_>) -> Vec<BudgetId> {
    voter
        .process_budgets
        .iter()
        .filter(|budget| {
            let cast_here = voter.ballots.iter().any(|ballot| {
                ballot.budget_id == budget.id && ballot.progress == BallotProgress::Cast
            });
            !cast_here && eligibility(budget, voter, Stage::Filling).is_ok()
        })
        .map(|budget| budget.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::budgets::fixtures::{CITY, GRACIA, HORTA, NOW, SANTS, resident_of_vila_de_gracia};

    fn budget(id: u128, scope: BudgetScope, workflow: Workflow) -> ProcessBudget {
        ProcessBudget {
            id: BudgetId(id),
            scope,
            workflow,
        }
    }

    /// A process with district budgets for Gràcia (1), Sants (2), Horta (3) and a city-wide one (4).
    fn process(workflow: Workflow) -> Vec<ProcessBudget> {
        vec![
            budget(1, BudgetScope::Scope(GRACIA), workflow),
            budget(2, BudgetScope::Scope(SANTS), workflow),
            budget(3, BudgetScope::Scope(HORTA), workflow),
            budget(4, BudgetScope::CityWide, workflow),
        ]
    }

    fn ballot(budget: u128, progress: BallotProgress) -> VoterBallot {
        VoterBallot {
            budget_id: BudgetId(budget),
            progress,
        }
    }

    fn voter<'a>(
        residency: &'a Residency,
        budgets: &'a [ProcessBudget],
        ballots: &'a [VoterBallot],
    ) -> Voter<'a> {
        Voter {
            residency,
            minimum_age: 16,
            today: NOW.date(),
            process_budgets: budgets,
            ballots,
        }
    }

    fn decide(
        residency: &Residency,
        budgets: &[ProcessBudget],
        ballots: &[VoterBallot],
        target: usize,
    ) -> Result<(), DomainError> {
        check_eligibility(
            &budgets[target],
            &voter(residency, budgets, ballots),
            Stage::Filling,
        )
    }

    fn refused(reason: IneligibilityReason) -> Result<(), DomainError> {
        Err(DomainError::NotEligible { reason })
    }

    #[test]
    fn voting_is_open_only_inside_the_window_of_a_voting_phase() {
        let window = VotingWindow::Phase {
            starts_at: Timestamp(100),
            ends_at: Timestamp(200),
        };
        assert!(!window.is_open_at(Timestamp(99)));
        assert!(window.is_open_at(Timestamp(100)));
        assert!(window.is_open_at(Timestamp(199)));
        assert_eq!(
            window.check_open(Timestamp(200)),
            Err(DomainError::VOTING_CLOSED)
        );
        assert_eq!(
            VotingWindow::NoVotingPhase.check_open(Timestamp(150)),
            Err(DomainError::VOTING_CLOSED)
        );
        assert_eq!(DomainError::VOTING_CLOSED.code(), "voting_closed");
    }

    #[test]
    fn only_verified_residents_may_vote() {
        let budgets = process(Workflow::All);
        assert_eq!(
            decide(&Residency::NotResident, &budgets, &[], 3),
            refused(IneligibilityReason::NotAResident)
        );
        assert_eq!(IneligibilityReason::NotAResident.code(), "not_a_resident");
    }

    #[test]
    fn a_resident_under_the_minimum_age_may_not_vote_until_their_birthday() {
        let budgets = process(Workflow::All);
        let turns_16_tomorrow = Residency::Resident(Resident {
            scopes: ScopeAncestry::new(SANTS, [CITY]),
            born_on: Date::new(2010, 5, 13).unwrap(),
        });
        let refusal = decide(&turns_16_tomorrow, &budgets, &[], 3).unwrap_err();
        assert_eq!(
            refusal,
            DomainError::NotEligible {
                reason: IneligibilityReason::UnderMinimumAge { minimum_age: 16 }
            }
        );
        assert_eq!(refusal.code(), "not_eligible");
        assert_eq!(
            refusal.to_string(),
            "You cannot vote in this budget: voters must be at least 16 years old."
        );

        let turns_16_today = Residency::Resident(Resident {
            scopes: ScopeAncestry::new(SANTS, [CITY]),
            born_on: Date::new(2010, 5, 12).unwrap(),
        });
        assert_eq!(decide(&turns_16_today, &budgets, &[], 3), Ok(()));
    }

    #[test]
    fn a_district_budget_is_for_the_residents_of_that_district() {
        let budgets = process(Workflow::All);
        let resident = resident_of_vila_de_gracia();
        assert_eq!(decide(&resident, &budgets, &[], 0), Ok(()));
        assert_eq!(
            decide(&resident, &budgets, &[], 1),
            refused(IneligibilityReason::OutsideBudgetScope)
        );
    }

    #[test]
    fn all_allows_every_budget_the_resident_lives_in() {
        let budgets = process(Workflow::All);
        let resident = resident_of_vila_de_gracia();
        let ballots = [ballot(1, BallotProgress::Cast)];
        assert_eq!(decide(&resident, &budgets, &ballots, 3), Ok(()));
        assert_eq!(
            budgets_open_to(&voter(&resident, &budgets, &ballots)),
            [BudgetId(4)]
        );
    }

    #[test]
    fn one_allows_a_single_budget_of_the_process() {
        let budgets = process(Workflow::One);
        let resident = resident_of_vila_de_gracia();
        assert_eq!(decide(&resident, &budgets, &[], 0), Ok(()));
        assert_eq!(decide(&resident, &budgets, &[], 3), Ok(()));

        let voted_in_gracia = [ballot(1, BallotProgress::Cast)];
        assert_eq!(
            decide(&resident, &budgets, &voted_in_gracia, 3),
            refused(IneligibilityReason::WorkflowLimitReached {
                workflow: Workflow::One
            })
        );
        assert_eq!(decide(&resident, &budgets, &voted_in_gracia, 0), Ok(()));
    }

    #[test]
    fn one_counts_a_draft_with_projects_but_not_an_empty_one() {
        let budgets = process(Workflow::One);
        let resident = resident_of_vila_de_gracia();
        assert!(
            decide(
                &resident,
                &budgets,
                &[ballot(4, BallotProgress::InProgress)],
                0
            )
            .is_err()
        );
        assert_eq!(
            decide(&resident, &budgets, &[ballot(4, BallotProgress::Empty)], 0),
            Ok(())
        );
    }

    #[test]
    fn one_still_requires_the_resident_to_live_in_the_budgets_territory() {
        let budgets = process(Workflow::One);
        assert_eq!(
            decide(&resident_of_vila_de_gracia(), &budgets, &[], 1),
            refused(IneligibilityReason::OutsideBudgetScope)
        );
    }

    #[test]
    fn own_plus_one_allows_the_own_district_and_one_other() {
        let budgets = process(Workflow::OwnPlusOne);
        let resident = resident_of_vila_de_gracia();
        assert_eq!(decide(&resident, &budgets, &[], 0), Ok(()));
        assert_eq!(decide(&resident, &budgets, &[], 1), Ok(()));

        let own_and_sants = [
            ballot(1, BallotProgress::Cast),
            ballot(2, BallotProgress::Cast),
        ];
        assert_eq!(
            decide(&resident, &budgets, &own_and_sants, 2),
            refused(IneligibilityReason::WorkflowLimitReached {
                workflow: Workflow::OwnPlusOne
            })
        );
        // Their own budgets stay open whatever they did elsewhere, city-wide included.
        assert_eq!(decide(&resident, &budgets, &own_and_sants, 3), Ok(()));
        // The one other budget they chose stays theirs too.
        assert_eq!(decide(&resident, &budgets, &own_and_sants, 1), Ok(()));
    }

    #[test]
    fn own_plus_one_counts_a_draft_elsewhere_as_the_one_other() {
        let budgets = process(Workflow::OwnPlusOne);
        let resident = resident_of_vila_de_gracia();
        let drafting_in_horta = [ballot(3, BallotProgress::InProgress)];
        assert!(decide(&resident, &budgets, &drafting_in_horta, 1).is_err());
        let emptied_horta = [ballot(3, BallotProgress::Empty)];
        assert_eq!(decide(&resident, &budgets, &emptied_horta, 1), Ok(()));

        assert_eq!(
            budgets_open_to(&voter(&resident, &budgets, &drafting_in_horta)),
            [BudgetId(1), BudgetId(3), BudgetId(4)]
        );
    }

    #[test]
    fn a_ballot_of_a_budget_the_decision_was_not_given_takes_a_slot() {
        // Incomplete data fails closed: the ballot could be in a budget outside the territory.
        let resident = resident_of_vila_de_gracia();
        let unknown = [ballot(99, BallotProgress::Cast)];
        let one = process(Workflow::One);
        assert_eq!(
            decide(&resident, &one, &unknown, 0),
            refused(IneligibilityReason::WorkflowLimitReached {
                workflow: Workflow::One
            })
        );
        let own_plus_one = process(Workflow::OwnPlusOne);
        assert!(decide(&resident, &own_plus_one, &unknown, 1).is_err());
        assert_eq!(decide(&resident, &own_plus_one, &unknown, 0), Ok(()));
    }

    #[test]
    fn nothing_is_allowed_while_the_budgets_of_a_process_disagree_on_the_workflow() {
        let resident = resident_of_vila_de_gracia();
        let mut budgets = process(Workflow::All);
        budgets[2].workflow = Workflow::One;
        assert_eq!(
            decide(&resident, &budgets, &[], 0),
            refused(IneligibilityReason::ProcessMisconfigured)
        );
        // Nor when the budget decided on is missing from the process's budgets.
        let listed = process(Workflow::All);
        let missing = budget(7, BudgetScope::CityWide, Workflow::All);
        assert_eq!(
            check_eligibility(&missing, &voter(&resident, &listed, &[]), Stage::Filling),
            refused(IneligibilityReason::ProcessMisconfigured)
        );
        // An admin cannot make them disagree: a budget takes the workflow of the others.
        assert_eq!(
            decide_workflow([Workflow::All, Workflow::All], Workflow::One),
            Err(DomainError::field(
                "workflow",
                FieldCode::DiffersFromProcess,
                "Every budget of a process has the same workflow: change theirs first."
            ))
        );
        assert_eq!(
            decide_workflow([Workflow::All], Workflow::All),
            Ok(Workflow::All)
        );
        assert_eq!(decide_workflow([], Workflow::One), Ok(Workflow::One));
    }

    #[test]
    fn a_process_changes_its_workflow_only_while_no_budget_has_a_ballot() {
        assert_eq!(
            change_process_workflow(Workflow::One, Workflow::All, 0),
            Ok(Workflow::All)
        );
        assert_eq!(
            change_process_workflow(Workflow::One, Workflow::All, 1),
            Err(DomainError::BudgetRulesLocked {
                setting: "workflow"
            })
        );
        assert_eq!(
            change_process_workflow(Workflow::One, Workflow::One, 9),
            Ok(Workflow::One),
            "the same workflow again is no change"
        );
    }

    #[test]
    fn under_one_two_drafts_holding_projects_do_not_block_each_other_the_first_checkout_wins() {
        let budgets = process(Workflow::One);
        let resident = resident_of_vila_de_gracia();
        let cast = |ballots: &[VoterBallot], target: usize| {
            check_eligibility(
                &budgets[target],
                &voter(&resident, &budgets, ballots),
                Stage::Casting,
            )
        };
        // Two requests raced: Gràcia's and the city's drafts both hold projects.
        let both_drafts = [
            ballot(1, BallotProgress::InProgress),
            ballot(4, BallotProgress::InProgress),
        ];
        assert!(
            decide(&resident, &budgets, &both_drafts, 0).is_err(),
            "no more filling"
        );
        assert_eq!(cast(&both_drafts, 0), Ok(()));
        assert_eq!(cast(&both_drafts, 3), Ok(()));
        // Gràcia is cast first: the city's draft can no longer be cast.
        let gracia_cast = [
            ballot(1, BallotProgress::Cast),
            ballot(4, BallotProgress::InProgress),
        ];
        assert_eq!(
            cast(&gracia_cast, 3),
            refused(IneligibilityReason::WorkflowLimitReached {
                workflow: Workflow::One
            })
        );
    }

    #[test]
    fn age_is_counted_on_the_organizations_calendar_day() {
        let budgets = process(Workflow::All);
        let born = Date::new(2010, 5, 13).unwrap();
        let resident = Residency::Resident(Resident {
            scopes: ScopeAncestry::new(SANTS, [CITY]),
            born_on: born,
        });
        // 23:30 UTC on 12 May is already 13 May in Barcelona: the resident is 16 there.
        let mut barcelona = voter(&resident, &budgets, &[]);
        barcelona.today = Date::new(2026, 5, 13).unwrap();
        assert_eq!(
            check_eligibility(&budgets[3], &barcelona, Stage::Filling),
            Ok(())
        );
        barcelona.today = Date::new(2026, 5, 12).unwrap();
        assert!(check_eligibility(&budgets[3], &barcelona, Stage::Filling).is_err());
    }

    #[test]
    fn a_resident_who_moves_keeps_voting_where_their_first_ballot_placed_them() {
        let budgets = process(Workflow::All);
        let moved_to_sants = Residency::Resident(Resident {
            scopes: ScopeAncestry::new(SANTS, [CITY]),
            born_on: Date::new(1980, 1, 1).unwrap(),
        });
        let Residency::Resident(gracia) = resident_of_vila_de_gracia() else {
            unreachable!()
        };
        let as_voted = moved_to_sants.as_first_voted(Some(&gracia.scopes));
        let cast_in_gracia = [ballot(1, BallotProgress::Cast)];
        assert_eq!(
            decide(&as_voted, &budgets, &cast_in_gracia, 1),
            refused(IneligibilityReason::OutsideBudgetScope),
            "no second district"
        );
        assert_eq!(decide(&as_voted, &budgets, &cast_in_gracia, 0), Ok(()));
        // No ballot yet: where they live today.
        assert_eq!(moved_to_sants.as_first_voted(None), moved_to_sants);
        // The census no longer lists them: not a resident, whatever was recorded.
        assert_eq!(
            Residency::NotResident.as_first_voted(Some(&gracia.scopes)),
            Residency::NotResident
        );
    }

    #[test]
    fn a_pinned_voting_phase_is_open_whatever_its_dates() {
        assert!(VotingWindow::Pinned.is_open_at(Timestamp(0)));
        assert!(VotingWindow::Pinned.is_open_at(Timestamp(i64::MAX)));
        assert_eq!(VotingWindow::Pinned.check_open(NOW), Ok(()));
    }

    #[test]
    fn every_reason_has_a_stable_code() {
        let codes = [
            IneligibilityReason::NotAResident.code(),
            IneligibilityReason::OutsideBudgetScope.code(),
            IneligibilityReason::UnderMinimumAge { minimum_age: 16 }.code(),
            IneligibilityReason::WorkflowLimitReached {
                workflow: Workflow::All,
            }
            .code(),
            IneligibilityReason::ProcessMisconfigured.code(),
        ];
        assert_eq!(
            codes,
            [
                "not_a_resident",
                "outside_budget_scope",
                "under_minimum_age",
                "workflow_limit_reached",
                "process_misconfigured"
            ]
        );
    }
}
