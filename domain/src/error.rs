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
            DomainError::RefreshTokenReused => "refresh_token_reused",
            DomainError::SessionEnded => "session_ended",
        }
    }

    /// Shorthand for a refusal of a single field.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, code, message)])
    }
}
