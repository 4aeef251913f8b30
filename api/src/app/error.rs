//! Every way a request can fail, as one enum.
//!
//! Use cases return [`AppError`]. Each variant is declared once: its code in the one arm of
//! [`AppError::problem_code`] (the code's kind and title are in the domain's one table,
//! `plaza_domain::error::ProblemCode`; a rule's refusal, [`AppError::Domain`], names its own),
//! its text for the person in [`AppError::detail`]. The HTTP layer renders any of them as
//! problem+json, mapping the kind to a status in one place (`http::problem`). Internal failures
//! carry their cause, as an error, for the log, never for the client.

use plaza_domain::error::{Described, ProblemCode};
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
    /// A mailed link (confirmation, password reset) is unknown, used or expired.
    InvalidLink,
    /// A value that must be unique is taken (`what` names it: `nickname`, `slug`, `code`).
    AlreadyTaken { field: &'static str },
    /// A write met a uniqueness rule of the database that no use case maps to a field (two
    /// requests creating the same thing at once): the client may read the state and retry.
    Conflict(sea_orm::DbErr),
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
    /// A conditional change (`If-Match`) of something that changed since the client read it.
    PreconditionFailed,
    /// A bug or an unexpected failure; the cause is logged with the request id.
    Internal(Cause),
}

/// The cause of an internal failure, kept as an error for the log.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

impl AppError {
    /// Wraps an unexpected failure, keeping it for the log only.
    pub fn internal(cause: impl Into<Cause>) -> AppError {
        AppError::Internal(cause.into())
    }

    /// The code of this error in the one table (`plaza_domain::error::ProblemCode`), which
    /// declares its kind and title.
    pub fn problem_code(&self) -> ProblemCode {
        use ProblemCode as Code;
        match self {
            AppError::Domain(domain) => domain.problem_code(),
            AppError::MalformedJson { .. } => Code::MalformedJson,
            AppError::InvalidBody(_) => Code::InvalidBody,
            AppError::InvalidParameter(_) => Code::InvalidParameter,
            AppError::PayloadTooLarge { .. } => Code::PayloadTooLarge,
            AppError::UnsupportedMediaType => Code::UnsupportedMediaType,
            AppError::MethodNotAllowed => Code::MethodNotAllowed,
            AppError::Unauthenticated => Code::Unauthenticated,
            AppError::TokenExpired => Code::TokenExpired,
            AppError::InvalidLink => Code::InvalidLink,
            AppError::AlreadyTaken { .. } => Code::AlreadyTaken,
            AppError::Conflict(_) => Code::Conflict,
            AppError::NotFound => Code::NotFound,
            AppError::OrganizationNotFound => Code::OrganizationNotFound,
            AppError::Unavailable => Code::ServiceUnavailable,
            AppError::Busy { .. } => Code::Busy,
            AppError::RateLimited { .. } => Code::RateLimited,
            AppError::IdempotencyKeyReused => Code::IdempotencyKeyReused,
            AppError::IdempotencyKeyInUse { .. } => Code::IdempotencyKeyInUse,
            AppError::PreconditionFailed => Code::PreconditionFailed,
            AppError::Internal(_) => Code::InternalError,
        }
    }

    /// Code, kind and title of this error, from the one table.
    pub fn describe(&self) -> Described {
        self.problem_code().describe()
    }

    /// What went wrong, for the person: specific where it helps, generic where it would leak.
    pub fn detail(&self) -> String {
        match self {
            AppError::Domain(domain) => domain.to_string(),
            AppError::MalformedJson { detail } => format!("The body is not valid JSON: {detail}."),
            AppError::InvalidBody(_) => {
                "The body does not have the documented shape; see errors.".into()
            }
            AppError::InvalidParameter(_) => {
                "A path or query parameter is not valid; see errors.".into()
            }
            AppError::PayloadTooLarge { limit_bytes } => {
                format!("Bodies may be at most {limit_bytes} bytes.")
            }
            AppError::UnsupportedMediaType => {
                "This operation reads another content type; see the API documentation.".into()
            }
            AppError::MethodNotAllowed => "This path does not accept this method.".into(),
            AppError::Unauthenticated => {
                "Send a valid access token in the Authorization header (Bearer).".into()
            }
            AppError::TokenExpired => {
                "The access token has expired; get a new one with your refresh token.".into()
            }
            AppError::InvalidLink => {
                "This link is invalid, was already used, or has expired. Ask for a new one.".into()
            }
            AppError::AlreadyTaken { field } => format!("This {field} is already taken."),
            AppError::Conflict(_) => {
                "Another change to the same thing was saved at the same moment; read it again \
                 and retry."
                    .into()
            }
            AppError::NotFound => "Nothing was found here.".into(),
            // The host is not echoed: it is whatever the client sent, of any length.
            AppError::OrganizationNotFound => "No organization is served at this host.".into(),
            AppError::Unavailable => {
                "The service is temporarily unavailable; try again shortly.".into()
            }
            AppError::Busy {
                retry_after_seconds,
            } => format!("The server is busy; try again in {retry_after_seconds} s."),
            AppError::RateLimited {
                retry_after_seconds,
            } => format!(
                "Too many requests of this kind from this client; try again in {retry_after_seconds} s."
            ),
            AppError::IdempotencyKeyReused => "This Idempotency-Key was sent with another request \
                 (another path or body); use a new key for a new request."
                .into(),
            AppError::IdempotencyKeyInUse {
                retry_after_seconds,
            } => format!(
                "The first request with this Idempotency-Key is still running; retry in \
                 {retry_after_seconds} s to get its answer."
            ),
            AppError::PreconditionFailed => "This was changed since you read it (If-Match no \
                 longer names its current ETag); read it again and redo your change on what it \
                 now is."
                .into(),
            AppError::Internal(_) => {
                "Something went wrong on our side. It has been logged; try again later.".into()
            }
        }
    }

    /// Seconds to wait before retrying, for the errors that say so (`Retry-After`).
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            AppError::Domain(domain) => domain.retry_after_seconds(),
            AppError::Busy {
                retry_after_seconds,
            }
            | AppError::RateLimited {
                retry_after_seconds,
            }
            | AppError::IdempotencyKeyInUse {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            AppError::Unavailable => Some(5),
            _ => None,
        }
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
            _ if error.sql_err().is_some_and(|sql| {
                matches!(sql, sea_orm::SqlErr::UniqueConstraintViolation(_))
            }) =>
            {
                AppError::Conflict(error)
            }
            _ => AppError::Internal(Box::new(error)),
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
            PasswordError::Failed(cause) => AppError::Internal(cause.into()),
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Domain(error) => write!(f, "{error}"),
            AppError::Internal(cause) => write!(f, "internal error: {cause}"),
            AppError::Conflict(cause) => write!(f, "unmapped unique violation: {cause}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for AppError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AppError::Internal(cause) => Some(cause.as_ref()),
            AppError::Conflict(cause) => Some(cause),
            AppError::Domain(domain) => Some(domain),
            _ => None,
        }
    }
}

/// The result of a use case.
pub type AppResult<T> = Result<T, AppError>;
