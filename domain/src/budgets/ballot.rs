//! A resident's ballot in one budget, and the four decisions that change it.
//!
//! A [`Ballot`] is a value: [`Ballot::add`], [`Ballot::set`], [`Ballot::remove`],
//! [`Ballot::checkout`] and [`Ballot::cancel`] never touch the ballot they are called on; each returns the ballot as it
//! should be stored next (or the cast ballot and its [`Receipt`]), or the [`DomainError`] saying
//! why not. The API loads the ballot with each project's *current* cost, calls one decision under
//! a lock on the ballot (and a unique key per resident and budget), and stores the result.
//!
//! What each decision checks, in this order (the first failure is returned):
//!
//! | decision | checks |
//! | --- | --- |
//! | `add` | voting open; voter eligible; ballot a draft; project of this budget; not yet in the ballot; points given exactly when the rule uses points; the rule's limits still hold after adding |
//! | `set` | as `add`, but a project already in the ballot gets the new points (the same points: no change) |
//! | `remove` | voting open; ballot a draft; project in the ballot |
//! | `checkout` | voting open; voter eligible (only cast ballots elsewhere count: the first checkout wins); ballot a draft; the rule's limits and its checkout requirements |
//! | `cancel` | voting open; ballot cast |
//!
//! Limits that hold at all times (checked by `add` and again at checkout): knapsack rules keep the
//! total cost within the budget; approval keeps at most `max_projects`; cumulative keeps at most
//! `points` in all and at most `max_per_project` on one project. Requirements at checkout: at least
//! one project under every rule; knapsack spends at least `min_percent`% of the budget; knapsack
//! with a minimum has at least `min_projects`; approval has at least `min_projects`; cumulative
//! places every point. Removing and cancelling withdraw support, so they do not re-check
//! eligibility: a resident who moved away may still take back what they chose.
//!
//! A cancelled ballot goes back to being a draft with the same projects (Decidim deletes it), so
//! the resident can adjust it and cast again while voting is open; its receipt no longer counts.

use super::eligibility::{BallotProgress, Stage, Voter, VotingWindow, check_eligibility};
use super::ids::{BallotId, BudgetId, ProjectId};
use super::receipt::Receipt;
use super::rules::VotingRule;
use super::settings::{Budget, Project};
use crate::calendar::Timestamp;
use crate::error::{DomainError, FieldCode};
use crate::money::Cents;
use std::collections::BTreeMap;
use std::num::NonZeroU32;

/// Whether a ballot still changes or has been cast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotStatus {
    /// Being filled in; not counted.
    Draft,
    /// Checked out at `cast_at`; counted by the tally.
    Cast { cast_at: Timestamp },
}

/// One project in a ballot: its cost when the ballot was loaded (always positive: it comes from
/// a [`Project`]), and the points it receives (always 1 unless the rule is cumulative). Made only
/// by the ballot's decisions and by [`Ballot::restore`], which check both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BallotLine {
    project: ProjectId,
    cost: Cents,
    points: NonZeroU32,
}

impl BallotLine {
    pub fn project(&self) -> ProjectId {
        self.project
    }

    pub fn cost(&self) -> Cents {
        self.cost
    }

    pub fn points(&self) -> NonZeroU32 {
        self.points
    }
}

/// What the voter asks for when adding a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Choose the project (knapsack and approval rules).
    Select,
    /// Give the project this many points (cumulative rule).
    Points(NonZeroU32),
}

impl Choice {
    /// Points as read from a request: zero is refused (field `points`, code `must_be_positive`).
    pub fn points(points: u32) -> Result<Choice, DomainError> {
        NonZeroU32::new(points).map(Choice::Points).ok_or_else(|| {
            DomainError::field(
                "points",
                FieldCode::MustBePositive,
                "Give at least 1 point.",
            )
        })
    }
}

/// The budget a ballot belongs to, and whether its voting is open.
#[derive(Debug, Clone, Copy)]
pub struct BudgetVoting<'a> {
    pub budget: &'a Budget,
    pub window: VotingWindow,
}

/// A cast ballot and what the voter's receipt needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    pub ballot: Ballot,
    pub receipt: Receipt,
}

/// One resident's selection of projects in one budget (which budget is known to the caller: the
/// ballot does not repeat it, so it cannot disagree with the budget it is decided against).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ballot {
    id: BallotId,
    status: BallotStatus,
    lines: BTreeMap<ProjectId, BallotLine>,
}

impl Ballot {
    /// How far along the ballot is, as the workflow counts it (see `eligibility`).
    pub fn progress(&self) -> BallotProgress {
        match self.status() {
            BallotStatus::Cast { .. } => BallotProgress::Cast,
            BallotStatus::Draft if self.project_count() == 0 => BallotProgress::Empty,
            BallotStatus::Draft => BallotProgress::InProgress,
        }
    }

    /// A new, empty draft.
    pub fn new_draft(id: BallotId) -> Ballot {
        Ballot {
            id,
            status: BallotStatus::Draft,
            lines: BTreeMap::new(),
        }
    }

    /// A ballot of `budget` as stored: each chosen project (with its current cost) and the points
    /// it received. Every line is checked as a decision would have checked it: the project is
    /// one of `budget`'s ([`DomainError::ProjectOfAnotherBudget`]) and has points exactly when
    /// the rule uses them, 1 otherwise (`points` `points_not_allowed`), so that no stored row can
    /// make a line no decision makes (points on the receipt of an approval ballot). The limits of
    /// the rule are not checked here: [`Ballot::checkout`] checks them on what was loaded. Two
    /// lines for one project cannot come from the database (its unique key forbids them); if
    /// given, the last one is kept.
    pub fn restore(
        id: BallotId,
        status: BallotStatus,
        budget: &Budget,
        lines: impl IntoIterator<Item = (Project, NonZeroU32)>,
    ) -> Result<Ballot, DomainError> {
        let uses_points = budget.settings.voting_rule().uses_points();
        let mut restored = BTreeMap::new();
        for (project, points) in lines {
            if project.budget_id() != budget.id {
                return Err(DomainError::ProjectOfAnotherBudget);
            }
            if !uses_points && points != NonZeroU32::MIN {
                return Err(DomainError::field(
                    "points",
                    FieldCode::PointsNotAllowed,
                    "This budget's ballots choose projects without points.",
                ));
            }
            restored.insert(
                project.id(),
                BallotLine {
                    project: project.id(),
                    cost: project.cost(),
                    points,
                },
            );
        }
        Ok(Ballot {
            id,
            status,
            lines: restored,
        })
    }

    pub fn id(&self) -> BallotId {
        self.id
    }

    pub fn status(&self) -> BallotStatus {
        self.status
    }

    /// The chosen projects, by ascending project id.
    pub fn lines(&self) -> impl Iterator<Item = &BallotLine> {
        self.lines.values()
    }

    pub fn project_count(&self) -> usize {
        self.lines.len()
    }

    pub fn contains(&self, project: ProjectId) -> bool {
        self.lines.contains_key(&project)
    }

    /// The sum of the chosen projects' costs (saturating: costs are positive `i64` cents, so only
    /// hostile data could reach the limit).
    pub fn total_cost(&self) -> Cents {
        Cents(i64::try_from(self.spent()).unwrap_or(i64::MAX))
    }

    /// The points given in all (the number of projects under rules without points).
    pub fn points_used(&self) -> u64 {
        self.lines
            .values()
            .map(|line| u64::from(line.points.get()))
            .sum()
    }

    /// The receipt of a cast ballot of `budget_id`; `None` for a draft.
    pub fn receipt(&self, budget_id: BudgetId) -> Option<Receipt> {
        match self.status {
            BallotStatus::Draft => None,
            BallotStatus::Cast { cast_at } => Some(self.receipt_at(budget_id, cast_at)),
        }
    }

    fn receipt_at(&self, budget_id: BudgetId, cast_at: Timestamp) -> Receipt {
        let choices = self
            .lines
            .values()
            .map(|line| (line.project, line.points.get()));
        Receipt::new(budget_id, self.id, cast_at, choices)
    }

    /// Decides adding `project` with `choice` to this draft. See the module table for the checks.
    pub fn add(
        &self,
        voting: BudgetVoting<'_>,
        voter: &Voter<'_>,
        project: &Project,
        choice: Choice,
        now: Timestamp,
    ) -> Result<Ballot, DomainError> {
        self.put(voting, voter, project, choice, now, Existing::Refuse)
    }

    /// Decides `PUT .../projects/{id}`: this draft with `project` chosen with `choice`, whether
    /// it held it or not. Absent, it is added as by [`Ballot::add`]; present, its points are
    /// replaced (cumulative rules) and the limits checked again; the same choice again changes
    /// nothing, so the request can be repeated.
    pub fn set(
        &self,
        voting: BudgetVoting<'_>,
        voter: &Voter<'_>,
        project: &Project,
        choice: Choice,
        now: Timestamp,
    ) -> Result<Ballot, DomainError> {
        self.put(voting, voter, project, choice, now, Existing::Replace)
    }

    fn put(
        &self,
        voting: BudgetVoting<'_>,
        voter: &Voter<'_>,
        project: &Project,
        choice: Choice,
        now: Timestamp,
        existing: Existing,
    ) -> Result<Ballot, DomainError> {
        voting.window.check_open(now)?;
        check_eligibility(&voting.budget.into(), voter, Stage::Filling)?;
        self.check_draft()?;
        if project.budget_id() != voting.budget.id {
            return Err(DomainError::ProjectOfAnotherBudget);
        }
        if existing == Existing::Refuse && self.contains(project.id()) {
            return Err(DomainError::ProjectAlreadyInBallot);
        }
        let rule = voting.budget.settings.voting_rule();
        let points = match (rule.uses_points(), choice) {
            (false, Choice::Select) => NonZeroU32::MIN,
            (true, Choice::Points(points)) => points,
            (true, Choice::Select) => {
                return Err(DomainError::field(
                    "points",
                    FieldCode::PointsRequired,
                    "Say how many points this project gets.",
                ));
            }
            (false, Choice::Points(_)) => {
                return Err(DomainError::field(
                    "points",
                    FieldCode::PointsNotAllowed,
                    "This budget's ballots choose projects without points.",
                ));
            }
        };
        let mut next = self.clone();
        next.lines.insert(
            project.id(),
            BallotLine {
                project: project.id(),
                cost: project.cost(),
                points,
            },
        );
        next.check_limits(voting.budget)?;
        Ok(next)
    }

    /// Decides taking `project` out of this draft.
    pub fn remove(
        &self,
        voting: BudgetVoting<'_>,
        project: ProjectId,
        now: Timestamp,
    ) -> Result<Ballot, DomainError> {
        voting.window.check_open(now)?;
        self.check_draft()?;
        let mut next = self.clone();
        if next.lines.remove(&project).is_none() {
            return Err(DomainError::ProjectNotInBallot);
        }
        Ok(next)
    }

    /// Decides casting this draft at `now`: the ballot becomes [`BallotStatus::Cast`] and a
    /// [`Receipt`] is issued.
    pub fn checkout(
        &self,
        voting: BudgetVoting<'_>,
        voter: &Voter<'_>,
        now: Timestamp,
    ) -> Result<Checkout, DomainError> {
        voting.window.check_open(now)?;
        check_eligibility(&voting.budget.into(), voter, Stage::Casting)?;
        self.check_draft()?;
        self.check_complete(voting.budget)?;
        let ballot = Ballot {
            status: BallotStatus::Cast { cast_at: now },
            ..self.clone()
        };
        let receipt = ballot.receipt_at(voting.budget.id, now);
        Ok(Checkout { ballot, receipt })
    }

    /// Decides cancelling this cast ballot: it becomes a draft again, with the same projects.
    pub fn cancel(&self, voting: BudgetVoting<'_>, now: Timestamp) -> Result<Ballot, DomainError> {
        voting.window.check_open(now)?;
        match self.status {
            BallotStatus::Draft => Err(DomainError::BallotNotCast),
            BallotStatus::Cast { .. } => Ok(Ballot {
                status: BallotStatus::Draft,
                ..self.clone()
            }),
        }
    }

    /// Whether this ballot could be cast in `budget` now as far as the voting rule goes: `Ok`, or
    /// the first rule it breaks. (The UI's "can checkout"; [`Ballot::checkout`] uses it too.)
    pub fn check_complete(&self, budget: &Budget) -> Result<(), DomainError> {
        self.check_limits(budget)?;
        let settings = &budget.settings;
        let count = self.project_count();
        if count == 0 {
            return Err(DomainError::TooFewProjects { minimum: 1 });
        }
        match settings.voting_rule() {
            VotingRule::Knapsack { min_percent } => {
                if !self
                    .total_cost()
                    .is_at_least_percent_of(min_percent, settings.total())
                {
                    return Err(DomainError::BelowMinimumSpend { min_percent });
                }
            }
            VotingRule::KnapsackMinProjects { min_projects }
            | VotingRule::Approval { min_projects, .. } => {
                if count < as_count(min_projects) {
                    return Err(DomainError::TooFewProjects {
                        minimum: min_projects,
                    });
                }
            }
            VotingRule::Cumulative { points, .. } => {
                let used = self.points_used();
                if used < u64::from(points) {
                    let left = u32::try_from(u64::from(points) - used).unwrap_or(points);
                    return Err(DomainError::PointsLeftUnspent { left });
                }
            }
        }
        Ok(())
    }

    /// The limits of the rule that hold at all times.
    fn check_limits(&self, budget: &Budget) -> Result<(), DomainError> {
        let settings = &budget.settings;
        match settings.voting_rule() {
            VotingRule::Knapsack { .. } | VotingRule::KnapsackMinProjects { .. } => {
                if self.spent() > i128::from(settings.total().0) {
                    return Err(DomainError::OverBudget {
                        budget_total: settings.total(),
                        ballot_total: self.total_cost(),
                    });
                }
            }
            VotingRule::Approval { max_projects, .. } => {
                if self.project_count() > as_count(max_projects) {
                    return Err(DomainError::TooManyProjects {
                        maximum: max_projects,
                    });
                }
            }
            VotingRule::Cumulative {
                points,
                max_per_project,
            } => {
                if self
                    .lines
                    .values()
                    .any(|line| line.points.get() > max_per_project)
                {
                    return Err(DomainError::TooManyPointsForProject { max_per_project });
                }
                if self.points_used() > u64::from(points) {
                    return Err(DomainError::TooManyPoints { points });
                }
            }
        }
        Ok(())
    }

    fn check_draft(&self) -> Result<(), DomainError> {
        match self.status {
            BallotStatus::Draft => Ok(()),
            BallotStatus::Cast { .. } => Err(DomainError::BallotAlreadyCast),
        }
    }

    /// The total cost in `i128`, which a sum of `i64` costs cannot overflow.
    fn spent(&self) -> i128 {
        self.lines
            .values()
            .map(|line| i128::from(line.cost.0))
            .sum()
    }
}

/// What putting a project already in the ballot does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    /// Refuse it ([`DomainError::ProjectAlreadyInBallot`]): `add`.
    Refuse,
    /// Replace its line: `set`.
    Replace,
}

/// A rule's `u32` count as a `usize` (saturating on the 16-bit targets Plaza never runs on).
fn as_count(count: u32) -> usize {
    usize::try_from(count).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod properties;
