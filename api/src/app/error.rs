//! Every way a request can fail, as one enum.
//!
//! Use cases return [`AppError`]; the HTTP layer renders it as problem+json through the single
//! table in `http::problem`, which maps each variant to its status, code and title. Internal
//! failures carry their cause for the log, never for the client.

use plaza_domain::{DomainError, FieldError};
use std::fmt;

/// A failure of a request, in the words of the product.
#[derive(Debug)]
pub enum AppError {
    /// A product rule said no.
    Domain(DomainError),
    /// The body is not JSON at all.
    MalformedJson { detail: String },
    /// The body is JSON but does not have the documented shape (missing field, wrong type,
    /// unknown field); one entry per problem.
    InvalidBody(Vec<FieldError>),
    /// A path or query parameter cannot be read.
    InvalidParameter(Vec<FieldError>),
    /// The body is larger than the server accepts.
    PayloadTooLarge { limit_bytes: usize },
    /// The body's content type is not one this operation reads.
    UnsupportedMediaType,
    /// The path exists but not with this method.
    MethodNotAllowed,
    /// No credentials, or credentials that are not a valid access token.
    Unauthenticated,
    /// An access token that was valid but has expired: refresh it.
    TokenExpired,
    /// Email and password do not match an account (the same answer for unknown emails).
    InvalidCredentials,
    /// The account was blocked by a moderator.
    AccountBlocked,
    /// The password is right but the email address is not confirmed yet.
    EmailNotConfirmed,
    /// A mailed link (confirmation, password reset) is unknown, used or expired.
    InvalidLink,
    /// A value that must be unique is taken (`what` names it: `nickname`, `slug`, `code`).
    AlreadyTaken { field: &'static str },
    /// What was asked for does not exist, or this caller may not see it.
    NotFound,
    /// No organization serves the request's host.
    OrganizationNotFound,
    /// A dependency (the database) is down; the request may be retried.
    Unavailable,
    /// The server is saturated (every password-hashing slot taken, the SQLite write lock held
    /// past its wait): retry after `retry_after_seconds`.
    Busy { retry_after_seconds: u64 },
    /// This client (address) or account sent more requests of this kind than its limit allows:
    /// retry after `retry_after_seconds`.
    RateLimited { retry_after_seconds: u64 },
    /// An `Idempotency-Key` sent again with another route or another body.
    IdempotencyKeyReused,
    /// An `Idempotency-Key` whose first request is still running after the wait: retry after
    /// `retry_after_seconds` to get its answer.
    IdempotencyKeyInUse { retry_after_seconds: u64 },
    /// A bug or an unexpected failure; the cause is logged with the request id.
    Internal(String),
}

impl AppError {
    /// Wraps an unexpected failure, keeping its text for the log only.
    pub fn internal(cause: impl fmt::Display) -> AppError {
        AppError::Internal(cause.to_string())
    }
}

impl From<DomainError> for AppError {
    fn from(error: DomainError) -> AppError {
        AppError::Domain(error)
    }
}

impl From<Vec<FieldError>> for AppError {
    /// Field errors from a domain parser are a broken rule (422).
    fn from(errors: Vec<FieldError>) -> AppError {
        AppError::Domain(DomainError::Invalid(errors))
    }
}

impl From<FieldError> for AppError {
    fn from(error: FieldError) -> AppError {
        AppError::Domain(DomainError::Invalid(vec![error]))
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(error: sea_orm::DbErr) -> AppError {
        match &error {
            _ if crate::db::is_busy(&error) => {
                tracing::warn!(error = %error, "database busy; the client is asked to retry");
                AppError::Busy {
                    retry_after_seconds: 1,
                }
            }
            sea_orm::DbErr::ConnectionAcquire(_) | sea_orm::DbErr::Conn(_) => {
                tracing::error!(error = %error, "database unavailable");
                AppError::Unavailable
            }
            _ => AppError::Internal(format!("database: {error}")),
        }
    }
}

impl From<crate::auth::passwords::PasswordError> for AppError {
    fn from(error: crate::auth::passwords::PasswordError) -> AppError {
        use crate::auth::passwords::{BUSY_RETRY_AFTER_SECONDS, PasswordError};
        match error {
            PasswordError::Busy => AppError::Busy {
                retry_after_seconds: BUSY_RETRY_AFTER_SECONDS,
            },
            PasswordError::Failed(cause) => AppError::Internal(cause),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Domain(error) => write!(f, "{error}"),
            AppError::Internal(cause) => write!(f, "internal error: {cause}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for AppError {}

/// The result of a use case.
pub type AppResult<T> = Result<T, AppError>;
