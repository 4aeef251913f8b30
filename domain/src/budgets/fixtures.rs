//! Shared test data for the budget tests: a few Barcelona scopes, a voting week in May 2026, an
//! adult resident of Vila de Gràcia, and a [`Booth`] that runs ballot decisions for them.

use super::ballot::{Ballot, BudgetVoting, Checkout, Choice};
use super::eligibility::{ProcessBudget, Residency, Resident, Voter, VoterBallot, VotingWindow};
use super::ids::{BallotId, BudgetId, ProjectId, ScopeId};
use super::rules::{OutcomeRule, VotingRule};
use super::scope::{BudgetScope, ScopeAncestry};
use super::settings::{Budget, BudgetSettings, Project, VoteCountVisibility, Workflow};
use crate::calendar::{Date, Timestamp};
use crate::error::DomainError;
use crate::money::Cents;

pub const CITY: ScopeId = ScopeId(1);
pub const SANTS: ScopeId = ScopeId(3);
pub const GRACIA: ScopeId = ScopeId(6);
pub const HORTA: ScopeId = ScopeId(7);
pub const VILA_DE_GRACIA: ScopeId = ScopeId(31);

/// Voting runs from 2026-05-12T07:00:00Z to 2026-05-17T18:00:00Z; `NOW` is 10:00 on the first day.
pub const OPENS: Timestamp = Timestamp(1_778_569_200);
pub const CLOSES: Timestamp = Timestamp(1_779_040_800);
pub const NOW: Timestamp = Timestamp(1_778_580_000);
pub const OPEN: VotingWindow = VotingWindow::Phase {
    starts_at: OPENS,
    ends_at: CLOSES,
};

/// The budget a [`Booth`] votes in.
pub const BUDGET: BudgetId = BudgetId(100);

/// A resident of Vila de Gràcia (district Gràcia), born in 1990.
pub fn resident_of_vila_de_gracia() -> Residency {
    Residency::Resident(Resident {
        scopes: ScopeAncestry::new(VILA_DE_GRACIA, [GRACIA, CITY]),
        born_on: Date::new(1990, 3, 4).unwrap(),
    })
}

/// A city-wide budget [`BUDGET`] of `total` cents under `rule` and `workflow`.
pub fn budget(rule: VotingRule, total: i64, workflow: Workflow) -> Budget {
    Budget {
        id: BUDGET,
        settings: BudgetSettings::new(
            Cents(total),
            BudgetScope::CityWide,
            rule,
            OutcomeRule::Greedy,
            workflow,
            VoteCountVisibility::HiddenWhileVoting,
        )
        .unwrap(),
    }
}

/// A project of [`BUDGET`].
pub fn project(id: u128, cost: i64) -> Project {
    Project::new(ProjectId(id), BUDGET, Cents(cost)).unwrap()
}

/// Runs decisions against one budget while voting is open, by default for the resident of Vila de
/// Gràcia with no ballot elsewhere. Fields can be changed to set up other situations.
pub struct Booth {
    pub budget: Budget,
    pub residency: Residency,
    pub process: Vec<ProcessBudget>,
    pub other_ballots: Vec<VoterBallot>,
    pub window: VotingWindow,
}

impl Booth {
    pub fn new(budget: Budget) -> Booth {
        let process = vec![ProcessBudget::from(&budget)];
        Booth {
            budget,
            residency: resident_of_vila_de_gracia(),
            process,
            other_ballots: Vec::new(),
            window: OPEN,
        }
    }

    pub fn voting(&self) -> BudgetVoting<'_> {
        BudgetVoting {
            budget: &self.budget,
            window: self.window,
        }
    }

    pub fn voter(&self) -> Voter<'_> {
        Voter {
            residency: &self.residency,
            minimum_age: 16,
            today: NOW.date(),
            process_budgets: &self.process,
            ballots: &self.other_ballots,
        }
    }

    pub fn add(
        &self,
        ballot: &Ballot,
        project: &Project,
        choice: Choice,
    ) -> Result<Ballot, DomainError> {
        ballot.add(self.voting(), &self.voter(), project, choice, NOW)
    }

    pub fn select(&self, ballot: &Ballot, project: &Project) -> Result<Ballot, DomainError> {
        self.add(ballot, project, Choice::Select)
    }

    /// A draft holding `projects`, each chosen through the decision.
    pub fn draft_with(&self, projects: &[Project]) -> Ballot {
        projects
            .iter()
            .fold(Ballot::new_draft(BallotId(1)), |ballot, project| {
                self.select(&ballot, project).unwrap()
            })
    }

    /// A draft giving each project its points, through the decision.
    pub fn draft_with_points(&self, choices: &[(Project, u32)]) -> Ballot {
        choices.iter().fold(
            Ballot::new_draft(BallotId(1)),
            |ballot, (project, points)| {
                self.add(&ballot, project, Choice::points(*points).unwrap())
                    .unwrap()
            },
        )
    }

    pub fn checkout(&self, ballot: &Ballot) -> Result<Checkout, DomainError> {
        ballot.checkout(self.voting(), &self.voter(), NOW)
    }

    /// A cast ballot holding `projects`.
    pub fn cast(&self, projects: &[Project]) -> Ballot {
        self.checkout(&self.draft_with(projects)).unwrap().ballot
    }
}
