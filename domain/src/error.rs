//! The refusals a rule can return.
//!
//! Every way a rule can say "no" is one variant of [`DomainError`], with a stable snake_case
//! [`code`](DomainError::code) that clients may match on. The HTTP layer owns the single table
//! that maps each code to a status (422 for a broken rule, 409 for a conflict with current state,
//! 403 for a missing right, ...); the `Display` text here becomes the problem's `detail`, so it is
//! written for the person using the app and never contains internal details.

use serde::Serialize;
use thiserror::Error;

/// One problem with one input field: `field` is the JSON name of the field (or a dotted path such
/// as `phases.0.ends_at`), `code` a stable snake_case reason, `message` a human sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Collects field problems so a form reports all of them at once instead of one per round trip.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records the error of `result` (if any) and returns its value.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, otherwise [`DomainError::Invalid`] with every problem.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
}

/// A rule's refusal. See the module documentation for how it reaches clients.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// Readable input that breaks one or more field rules (a weak password, a title too short).
    #[error("Some fields are not valid.")]
    Invalid(Vec<FieldError>),

    /// The actor is known but lacks the role or right for this action.
    #[error("You are not allowed to do this.")]
    Forbidden,

    // --- census and residency -----------------------------------------------------------------
    /// No census record matches the document number and birth date given.
    #[error("The census has no resident with this document number and birth date.")]
    CensusNoMatch,

    /// The resident is younger than the organization's minimum participation age.
    #[error("Residents must be at least {minimum_age} years old to take part.")]
    UnderMinimumAge { minimum_age: u8 },

    /// The document already verifies another live account of this organization.
    #[error("This document already verifies another account.")]
    DocumentAlreadyUsed,

    /// The account is already a resident through another document.
    #[error("Your account is already verified with another document.")]
    AlreadyVerified,

    /// The change would leave the organization without an admin.
    #[error("The organization must keep at least one admin: grant the role to someone else first.")]
    LastAdmin,

    /// Too many failed verification attempts: try again after `retry_after_seconds`.
    #[error("Too many failed verification attempts; try again in {retry_after_seconds} seconds.")]
    VerificationLocked { retry_after_seconds: u64 },

    // --- sessions -------------------------------------------------------------------------------
    /// A refresh token that was already exchanged was presented again: its whole family is revoked.
    #[error("This session has been revoked for your safety; please sign in again.")]
    RefreshTokenReused,

    /// The refresh token is unknown, expired, or belongs to a revoked or idle session.
    #[error("The session has ended; please sign in again.")]
    SessionEnded,

    /// Too many failed sign-ins for this address: wait `retry_after_seconds`.
    #[error("Too many failed attempts; try again in {retry_after_seconds} seconds.")]
    TooManyAttempts { retry_after_seconds: u64 },

    // --- budgets and ballots --------------------------------------------------------------------
    // Codes: over_budget, too_few_projects, too_many_projects, below_minimum_spend,
    // project_of_another_budget, project_already_in_ballot, project_not_in_ballot, too_many_points,
    // too_many_points_for_project, points_left_unspent, ballot_already_cast, ballot_not_cast,
    // voting_closed, not_eligible, budget_rules_locked. Their HTTP statuses: see `crate::budgets`.
    /// The chosen projects would cost more than the budget (knapsack rules, at any time).
    #[error("These projects cost {ballot_total}, more than the budget of {budget_total}.")]
    OverBudget {
        budget_total: crate::money::Cents,
        ballot_total: crate::money::Cents,
    },

    /// Checkout with fewer projects than the voting rule asks for (always at least 1).
    #[error("Choose at least {minimum} project(s) before casting your ballot.")]
    TooFewProjects { minimum: u32 },

    /// More projects than an approval ballot may hold.
    #[error("A ballot can hold at most {maximum} project(s).")]
    TooManyProjects { maximum: u32 },

    /// Checkout of a knapsack ballot spending less than `min_percent`% of the budget.
    #[error("Your choice must use at least {min_percent}% of the budget before you cast it.")]
    BelowMinimumSpend { min_percent: u8 },

    /// The project belongs to another budget than the ballot's.
    #[error("This project belongs to another budget.")]
    ProjectOfAnotherBudget,

    /// The project is already in the ballot.
    #[error("This project is already in your ballot.")]
    ProjectAlreadyInBallot,

    /// The project to remove is not in the ballot.
    #[error("This project is not in your ballot.")]
    ProjectNotInBallot,

    /// A cumulative ballot would give more than the `points` a voter has.
    #[error("You have {points} point(s) in all; this would give more.")]
    TooManyPoints { points: u32 },

    /// A cumulative ballot would give one project more than `max_per_project` points.
    #[error("A project can receive at most {max_per_project} point(s).")]
    TooManyPointsForProject { max_per_project: u32 },

    /// Checkout of a cumulative ballot with points not yet placed.
    #[error("Place all your points before casting your ballot ({left} left).")]
    PointsLeftUnspent { left: u32 },

    /// The ballot is cast: it cannot change (cancel it first while voting is open).
    #[error("Your ballot has already been cast.")]
    BallotAlreadyCast,

    /// Cancel of a ballot that was never cast.
    #[error("Your ballot has not been cast, so there is nothing to cancel.")]
    BallotNotCast,

    /// Ballots can only be written while the active phase has budget voting, within its window.
    #[error("Voting is not open.")]
    VotingClosed,

    /// The person may not vote in this budget, for `reason`.
    #[error("You cannot vote in this budget: {reason}.")]
    NotEligible {
        reason: crate::budgets::IneligibilityReason,
    },

    /// The voting rule, outcome rule or total of a budget cannot change once a ballot exists.
    #[error("This setting ({setting}) cannot change once residents have started voting.")]
    BudgetRulesLocked { setting: &'static str },
}

impl DomainError {
    /// The stable, snake_case code of this refusal, part of the API contract.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid(_) => "validation_failed",
            DomainError::Forbidden => "forbidden",
            DomainError::CensusNoMatch => "census_no_match",
            DomainError::UnderMinimumAge { .. } => "under_minimum_age",
            DomainError::DocumentAlreadyUsed => "document_already_used",
            DomainError::VerificationLocked { .. } => "verification_locked",
            DomainError::AlreadyVerified => "already_verified",
            DomainError::LastAdmin => "last_admin",
            DomainError::RefreshTokenReused => "refresh_token_reused",
            DomainError::SessionEnded => "session_ended",
            DomainError::TooManyAttempts { .. } => "too_many_attempts",
            DomainError::OverBudget { .. } => "over_budget",
            DomainError::TooFewProjects { .. } => "too_few_projects",
            DomainError::TooManyProjects { .. } => "too_many_projects",
            DomainError::BelowMinimumSpend { .. } => "below_minimum_spend",
            DomainError::ProjectOfAnotherBudget => "project_of_another_budget",
            DomainError::ProjectAlreadyInBallot => "project_already_in_ballot",
            DomainError::ProjectNotInBallot => "project_not_in_ballot",
            DomainError::TooManyPoints { .. } => "too_many_points",
            DomainError::TooManyPointsForProject { .. } => "too_many_points_for_project",
            DomainError::PointsLeftUnspent { .. } => "points_left_unspent",
            DomainError::BallotAlreadyCast => "ballot_already_cast",
            DomainError::BallotNotCast => "ballot_not_cast",
            DomainError::VotingClosed => "voting_closed",
            DomainError::NotEligible { .. } => "not_eligible",
            DomainError::BudgetRulesLocked { .. } => "budget_rules_locked",
        }
    }

    /// Shorthand for a refusal of a single field.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, code, message)])
    }
}
