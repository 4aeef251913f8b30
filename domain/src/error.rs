//! The refusals a rule can return.
//!
//! Every way a rule can say "no" is one variant of [`DomainError`], declared once: its `Display`
//! text (the problem's `detail`, written for the person using the app, never internal details)
//! on the variant, and its stable snake_case code, [`ErrorKind`] and title in the one arm of
//! [`DomainError::describe`]. The HTTP layer maps each kind to a status in one place (422 for a
//! broken rule, 409 for a conflict with current state, 403 for a missing right or a closed
//! phase, ...), so a new refusal is added here and nowhere else.

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

    /// Records every error of `result` (a check that reports several at once).
    pub fn take_all(&mut self, result: Result<(), Vec<FieldError>>) {
        if let Err(errors) = result {
            self.0.extend(errors);
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

/// What kind of failure an error is; each kind is one HTTP status, chosen in one place (the
/// API's problem table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request cannot be read: malformed, the wrong shape, a bad parameter (400).
    Unreadable,
    /// Readable, but it breaks a rule (422).
    Invalid,
    /// No valid credentials (401).
    Unauthenticated,
    /// The caller is known but may not do this, or not now (a phase is closed) (403).
    Forbidden,
    /// Nothing there, or nothing this caller may see (404).
    NotFound,
    /// The method does not apply to this path (405).
    MethodNotAllowed,
    /// It conflicts with the current state (409).
    Conflict,
    /// The body is larger than the server reads (413).
    TooLarge,
    /// The body's media type is not one the operation reads (415).
    UnsupportedMediaType,
    /// Too many attempts or requests: retry later (429).
    Throttled,
    /// A dependency is down or the server is saturated: retry later (503).
    Unavailable,
    /// A bug or an unexpected failure (500).
    Internal,
}

/// How an error presents itself: its stable code, its kind and a short title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Described {
    pub code: &'static str,
    pub kind: ErrorKind,
    pub title: &'static str,
}

impl Described {
    pub const fn new(code: &'static str, kind: ErrorKind, title: &'static str) -> Described {
        Described { code, kind, title }
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
    /// The email address or the password is wrong (or the account was deleted: the same answer).
    #[error("The email address or the password is wrong.")]
    InvalidCredentials,

    /// The account was blocked by a moderator.
    #[error("This account has been blocked by the moderators.")]
    AccountBlocked,

    /// The password is right but the email address is not confirmed yet.
    #[error("Confirm your email address with the link we sent you, then sign in.")]
    EmailNotConfirmed,

    /// A refresh token that was already exchanged was presented again: its whole family is revoked.
    #[error("This session has been revoked for your safety; please sign in again.")]
    RefreshTokenReused,

    /// The refresh token is unknown, expired, or belongs to a revoked or idle session.
    #[error("The session has ended; please sign in again.")]
    SessionEnded,

    /// Too many failed sign-ins for this address: wait `retry_after_seconds`.
    #[error("Too many failed attempts; try again in {retry_after_seconds} seconds.")]
    TooManyAttempts { retry_after_seconds: u64 },

    // --- participation -------------------------------------------------------------------------
    /// The active phase of the process does not open `feature` now (no phase, or one without
    /// it): a permission that depends on time, not a fault of the request. One code per feature.
    #[error("{}", closed_detail(*.0))]
    Closed(crate::processes::Feature),

    // --- budgets and ballots --------------------------------------------------------------------
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

    /// The person may not vote in this budget, for `reason`.
    #[error("You cannot vote in this budget: {reason}.")]
    NotEligible {
        reason: crate::budgets::IneligibilityReason,
    },

    /// The voting rule, outcome rule or total of a budget cannot change once a ballot exists.
    #[error("This setting ({setting}) cannot change once residents have started voting.")]
    BudgetRulesLocked { setting: &'static str },

    // --- debates and comments ------------------------------------------------------------------
    /// The debate was closed with conclusions: it cannot be edited, closed again or commented on.
    #[error("This debate is closed: it can no longer be changed or commented on.")]
    DebateClosed,

    /// The comment was deleted by its author: it cannot be edited, replied to or voted on.
    #[error("This comment has been deleted.")]
    CommentDeleted,
}

impl DomainError {
    /// Ballots can only be written while the active phase has budget voting, within its window.
    pub const VOTING_CLOSED: DomainError =
        DomainError::Closed(crate::processes::Feature::BudgetVoting);

    /// Code, kind and title of this refusal: the one table of the domain's errors. The code is
    /// part of the API contract.
    pub fn describe(&self) -> Described {
        use crate::processes::Feature;
        use ErrorKind::*;
        let (code, kind, title) = match self {
            DomainError::Invalid(_) => ("validation_failed", Invalid, "Some fields are not valid"),
            DomainError::Forbidden => ("forbidden", Forbidden, "Forbidden"),
            DomainError::CensusNoMatch => ("census_no_match", Invalid, "No match in the census"),
            DomainError::UnderMinimumAge { .. } => {
                ("under_minimum_age", Invalid, "Under the minimum age")
            }
            DomainError::DocumentAlreadyUsed => {
                ("document_already_used", Conflict, "Document already used")
            }
            DomainError::AlreadyVerified => ("already_verified", Conflict, "Already verified"),
            DomainError::LastAdmin => ("last_admin", Conflict, "Last admin"),
            DomainError::VerificationLocked { .. } => {
                ("verification_locked", Throttled, "Verification locked")
            }
            DomainError::RefreshTokenReused => {
                ("refresh_token_reused", Unauthenticated, "Session revoked")
            }
            DomainError::SessionEnded => ("session_ended", Unauthenticated, "Session ended"),
            DomainError::InvalidCredentials => (
                "invalid_credentials",
                Unauthenticated,
                "Wrong email or password",
            ),
            DomainError::AccountBlocked => ("account_blocked", Forbidden, "Account blocked"),
            DomainError::EmailNotConfirmed => (
                "email_not_confirmed",
                Forbidden,
                "Email address not confirmed",
            ),
            DomainError::TooManyAttempts { .. } => {
                ("too_many_attempts", Throttled, "Too many attempts")
            }
            DomainError::Closed(feature) => match feature {
                Feature::ProposalsCreation => (
                    "proposals_creation_closed",
                    Forbidden,
                    "Proposals cannot be created now",
                ),
                Feature::Supports => ("supports_closed", Forbidden, "Supports are closed"),
                Feature::Debates => ("debates_closed", Forbidden, "Debates are closed"),
                Feature::Comments => ("comments_closed", Forbidden, "Comments are closed"),
                Feature::BudgetVoting => ("voting_closed", Forbidden, "Voting closed"),
                Feature::ResultsPublished => {
                    ("results_not_published", Forbidden, "Results not published")
                }
            },
            // --- debates and comments ---
            DomainError::DebateClosed => ("debate_closed", Conflict, "Debate closed"),
            DomainError::CommentDeleted => ("comment_deleted", Conflict, "Comment deleted"),
            DomainError::OverBudget { .. } => ("over_budget", Invalid, "Over budget"),
            DomainError::TooFewProjects { .. } => ("too_few_projects", Invalid, "Too few projects"),
            DomainError::TooManyProjects { .. } => {
                ("too_many_projects", Invalid, "Too many projects")
            }
            DomainError::BelowMinimumSpend { .. } => {
                ("below_minimum_spend", Invalid, "Below the minimum spend")
            }
            DomainError::ProjectOfAnotherBudget => (
                "project_of_another_budget",
                Invalid,
                "Project of another budget",
            ),
            DomainError::TooManyPoints { .. } => ("too_many_points", Invalid, "Too many points"),
            DomainError::TooManyPointsForProject { .. } => (
                "too_many_points_for_project",
                Invalid,
                "Too many points for one project",
            ),
            DomainError::PointsLeftUnspent { .. } => {
                ("points_left_unspent", Invalid, "Points left unspent")
            }
            DomainError::ProjectAlreadyInBallot => (
                "project_already_in_ballot",
                Conflict,
                "Project already in the ballot",
            ),
            DomainError::ProjectNotInBallot => (
                "project_not_in_ballot",
                Conflict,
                "Project not in the ballot",
            ),
            DomainError::BallotAlreadyCast => {
                ("ballot_already_cast", Conflict, "Ballot already cast")
            }
            DomainError::BallotNotCast => ("ballot_not_cast", Conflict, "Ballot not cast"),
            DomainError::BudgetRulesLocked { .. } => {
                ("budget_rules_locked", Conflict, "Budget rules locked")
            }
            DomainError::NotEligible { .. } => ("not_eligible", Forbidden, "Not eligible"),
        };
        Described::new(code, kind, title)
    }

    /// The stable, snake_case code of this refusal.
    pub fn code(&self) -> &'static str {
        self.describe().code
    }

    /// Seconds to wait before trying again, for the refusals that say so.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            DomainError::VerificationLocked {
                retry_after_seconds,
            }
            | DomainError::TooManyAttempts {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    /// Shorthand for a refusal of a single field.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, code, message)])
    }
}

/// The detail of [`DomainError::Closed`].
fn closed_detail(feature: crate::processes::Feature) -> &'static str {
    use crate::processes::Feature;
    match feature {
        Feature::ProposalsCreation => "New proposals cannot be created in this phase.",
        Feature::Supports => "Supports are not open in this phase.",
        Feature::Debates => "Debates cannot be opened in this phase.",
        Feature::Comments => "Comments are not open in this phase.",
        Feature::BudgetVoting => "Voting is not open.",
        Feature::ResultsPublished => "The results are not published yet.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processes::Feature;

    #[test]
    fn a_closed_phase_is_forbidden_with_one_code_per_feature() {
        let codes: std::collections::BTreeSet<&str> = Feature::ALL
            .iter()
            .map(|feature| {
                let described = DomainError::Closed(*feature).describe();
                assert_eq!(described.kind, ErrorKind::Forbidden);
                described.code
            })
            .collect();
        assert_eq!(codes.len(), Feature::ALL.len());
        assert!(codes.contains("proposals_creation_closed"));
        assert!(codes.contains("supports_closed"));
        assert!(codes.contains("comments_closed"));
        assert_eq!(DomainError::VOTING_CLOSED.code(), "voting_closed");
        assert_eq!(
            DomainError::VOTING_CLOSED.to_string(),
            "Voting is not open."
        );
    }

    #[test]
    fn refusals_that_ask_to_wait_say_how_long() {
        let locked = DomainError::VerificationLocked {
            retry_after_seconds: 60,
        };
        assert_eq!(locked.describe().kind, ErrorKind::Throttled);
        assert_eq!(locked.retry_after_seconds(), Some(60));
        assert_eq!(DomainError::LastAdmin.retry_after_seconds(), None);
    }
}
