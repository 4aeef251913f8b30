//! RFC 9457 problem+json: the one table from error to status, code and title.
//!
//! Every failure a client can see passes through [`describe`], an exhaustive match: adding an
//! error anywhere without deciding its status does not compile. The body carries `type`, `title`,
//! `status`, `detail`, a stable snake_case `code`, `errors[]` for field problems and the
//! `request_id` that the logs carry too. Internal causes are logged here and never sent.

use crate::app::error::AppError;
use plaza_domain::{DomainError, FieldError};
use poem::http::{HeaderValue, StatusCode};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Object, serde::Serialize)]
#[oai(rename = "Problem")]
pub struct ProblemBody {
    /// A URI naming the kind of problem (`urn:plaza:problem:<code>`).
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short, human-readable summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong for this request, for a person.
    pub detail: String,
    /// The stable, snake_case code of the problem: match on this.
    pub code: String,
    /// One entry per invalid field when the problem is about fields; always sent (empty
    /// otherwise), so that generated clients can decode every problem.
    pub errors: Vec<FieldProblem>,
    /// The id of this request, as in the server's logs (also the `x-request-id` header).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// One invalid field.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct FieldProblem {
    /// The field's JSON name, or a dotted path (`phases.0.ends_at`); `body` for the body itself.
    pub field: String,
    /// Why, as a stable snake_case code (`required`, `invalid_type`, `password_too_short`, ...).
    pub code: String,
    /// Why, for a person.
    pub message: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(error: &FieldError) -> FieldProblem {
        FieldProblem {
            field: error.field.clone(),
            code: error.code.to_string(),
            message: error.message.clone(),
        }
    }
}

/// Status, code and title of every error: the one table.
pub fn describe(error: &AppError) -> (StatusCode, &'static str, &'static str) {
    use StatusCode as S;
    match error {
        AppError::Domain(domain) => describe_domain(domain),
        AppError::MalformedJson { .. } => (
            S::BAD_REQUEST,
            "malformed_json",
            "The body is not valid JSON",
        ),
        AppError::InvalidBody(_) => (
            S::BAD_REQUEST,
            "invalid_body",
            "The body does not match the schema",
        ),
        AppError::InvalidParameter(_) => (
            S::BAD_REQUEST,
            "invalid_parameter",
            "A parameter is not valid",
        ),
        AppError::PayloadTooLarge { .. } => (
            S::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "The body is too large",
        ),
        AppError::UnsupportedMediaType => (
            S::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported content type",
        ),
        AppError::MethodNotAllowed => (
            S::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "Method not allowed",
        ),
        AppError::Unauthenticated => (
            S::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
        ),
        AppError::TokenExpired => (
            S::UNAUTHORIZED,
            "token_expired",
            "The access token has expired",
        ),
        AppError::InvalidCredentials => (
            S::UNAUTHORIZED,
            "invalid_credentials",
            "Wrong email or password",
        ),
        AppError::AccountBlocked => (S::FORBIDDEN, "account_blocked", "Account blocked"),
        AppError::EmailNotConfirmed => (
            S::FORBIDDEN,
            "email_not_confirmed",
            "Email address not confirmed",
        ),
        AppError::InvalidLink => (
            S::UNPROCESSABLE_ENTITY,
            "invalid_link",
            "The link is invalid or has expired",
        ),
        AppError::AlreadyTaken { .. } => (S::CONFLICT, "already_taken", "Already taken"),
        AppError::NotFound => (S::NOT_FOUND, "not_found", "Not found"),
        AppError::OrganizationNotFound => (
            S::NOT_FOUND,
            "organization_not_found",
            "No organization here",
        ),
        AppError::Unavailable => (
            S::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "Service unavailable",
        ),
        AppError::Busy { .. } => (S::SERVICE_UNAVAILABLE, "busy", "The server is busy"),
        AppError::RateLimited { .. } => (
            S::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests from this client",
        ),
        AppError::IdempotencyKeyReused => (
            S::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency key used for another request",
        ),
        AppError::IdempotencyKeyInUse { .. } => (
            S::CONFLICT,
            "idempotency_key_in_use",
            "A request with this idempotency key is still running",
        ),
        AppError::Internal(_) => (S::INTERNAL_SERVER_ERROR, "internal_error", "Internal error"),
    }
}

fn describe_domain(error: &DomainError) -> (StatusCode, &'static str, &'static str) {
    use StatusCode as S;
    let code = error.code();
    let (status, title) = match error {
        DomainError::Invalid(_) => (S::UNPROCESSABLE_ENTITY, "Some fields are not valid"),
        DomainError::Forbidden => (S::FORBIDDEN, "Forbidden"),
        DomainError::CensusNoMatch => (S::UNPROCESSABLE_ENTITY, "No match in the census"),
        DomainError::UnderMinimumAge { .. } => (S::UNPROCESSABLE_ENTITY, "Under the minimum age"),
        DomainError::DocumentAlreadyUsed => (S::CONFLICT, "Document already used"),
        DomainError::AlreadyVerified => (S::CONFLICT, "Already verified"),
        DomainError::LastAdmin => (S::CONFLICT, "Last admin"),
        DomainError::VerificationLocked { .. } => (S::TOO_MANY_REQUESTS, "Verification locked"),
        DomainError::RefreshTokenReused => (S::UNAUTHORIZED, "Session revoked"),
        DomainError::SessionEnded => (S::UNAUTHORIZED, "Session ended"),
        DomainError::TooManyAttempts { .. } => (S::TOO_MANY_REQUESTS, "Too many attempts"),
        DomainError::OverBudget { .. } => (S::UNPROCESSABLE_ENTITY, "Over budget"),
        DomainError::TooFewProjects { .. } => (S::UNPROCESSABLE_ENTITY, "Too few projects"),
        DomainError::TooManyProjects { .. } => (S::UNPROCESSABLE_ENTITY, "Too many projects"),
        DomainError::BelowMinimumSpend { .. } => {
            (S::UNPROCESSABLE_ENTITY, "Below the minimum spend")
        }
        DomainError::ProjectOfAnotherBudget => {
            (S::UNPROCESSABLE_ENTITY, "Project of another budget")
        }
        DomainError::TooManyPoints { .. } => (S::UNPROCESSABLE_ENTITY, "Too many points"),
        DomainError::TooManyPointsForProject { .. } => {
            (S::UNPROCESSABLE_ENTITY, "Too many points for one project")
        }
        DomainError::PointsLeftUnspent { .. } => (S::UNPROCESSABLE_ENTITY, "Points left unspent"),
        DomainError::ProjectAlreadyInBallot => (S::CONFLICT, "Project already in the ballot"),
        DomainError::ProjectNotInBallot => (S::CONFLICT, "Project not in the ballot"),
        DomainError::BallotAlreadyCast => (S::CONFLICT, "Ballot already cast"),
        DomainError::BallotNotCast => (S::CONFLICT, "Ballot not cast"),
        DomainError::BudgetRulesLocked { .. } => (S::CONFLICT, "Budget rules locked"),
        DomainError::NotEligible { .. } => (S::FORBIDDEN, "Not eligible"),
        DomainError::VotingClosed => (S::FORBIDDEN, "Voting closed"),
    };
    (status, code, title)
}

/// The human detail: specific where it helps, generic where it would leak.
fn detail(error: &AppError) -> String {
    match error {
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
        AppError::InvalidCredentials => "The email address or the password is wrong.".into(),
        AppError::AccountBlocked => "This account has been blocked by the moderators.".into(),
        AppError::EmailNotConfirmed => {
            "Confirm your email address with the link we sent you, then sign in.".into()
        }
        AppError::InvalidLink => {
            "This link is invalid, was already used, or has expired. Ask for a new one.".into()
        }
        AppError::AlreadyTaken { field } => format!("This {field} is already taken."),
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
        AppError::Internal(_) => {
            "Something went wrong on our side. It has been logged; try again later.".into()
        }
    }
}

fn field_errors(error: &AppError) -> Vec<FieldProblem> {
    match error {
        AppError::Domain(DomainError::Invalid(errors))
        | AppError::InvalidBody(errors)
        | AppError::InvalidParameter(errors) => errors.iter().map(FieldProblem::from).collect(),
        AppError::AlreadyTaken { field } => {
            vec![FieldProblem {
                field: (*field).to_string(),
                code: "already_taken".into(),
                message: format!("This {field} is already taken."),
            }]
        }
        _ => Vec::new(),
    }
}

/// Builds the problem document of `error` for the current request.
pub fn body(error: &AppError) -> ProblemBody {
    let (status, code, title) = describe(error);
    let request_id = super::request_id::current();
    if status.is_server_error() {
        tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), code, cause = %error, "request failed");
    }
    ProblemBody {
        problem_type: format!("urn:plaza:problem:{code}"),
        title: title.to_string(),
        status: status.as_u16(),
        detail: detail(error),
        code: code.to_string(),
        errors: field_errors(error),
        request_id,
    }
}

/// Renders `error` as a complete HTTP response.
pub fn response(error: &AppError) -> poem::Response {
    let body = body(error);
    let status = StatusCode::from_u16(body.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = poem::Response::builder()
        .status(status)
        .content_type(PROBLEM_JSON)
        .body(json);
    match error {
        AppError::Domain(
            DomainError::VerificationLocked {
                retry_after_seconds,
            }
            | DomainError::TooManyAttempts {
                retry_after_seconds,
            },
        )
        | AppError::Busy {
            retry_after_seconds,
        }
        | AppError::RateLimited {
            retry_after_seconds,
        }
        | AppError::IdempotencyKeyInUse {
            retry_after_seconds,
        } => {
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert("retry-after", value);
            }
        }
        AppError::Unauthenticated | AppError::TokenExpired => {
            response
                .headers_mut()
                .insert("www-authenticate", HeaderValue::from_static("Bearer"));
        }
        AppError::Unavailable => {
            response
                .headers_mut()
                .insert("retry-after", HeaderValue::from_static("5"));
        }
        _ => {}
    }
    response
}

impl poem::IntoResponse for AppError {
    fn into_response(self) -> poem::Response {
        response(&self)
    }
}

impl From<AppError> for poem::Error {
    fn from(error: AppError) -> poem::Error {
        poem::Error::from_response(response(&error))
    }
}

/// The error statuses an operation documents, as bits of a `u16`: see [`Problem`].
pub mod answers {
    pub const BAD_REQUEST: u16 = 1 << 0;
    pub const UNAUTHORIZED: u16 = 1 << 1;
    pub const FORBIDDEN: u16 = 1 << 2;
    pub const CONFLICT: u16 = 1 << 3;
    pub const PAYLOAD_TOO_LARGE: u16 = 1 << 4;
    pub const UNSUPPORTED_MEDIA_TYPE: u16 = 1 << 5;
    pub const UNPROCESSABLE: u16 = 1 << 6;
    pub const TOO_MANY_REQUESTS: u16 = 1 << 7;
    /// An operation that reads a JSON or CSV body.
    pub const BODY: u16 = BAD_REQUEST | PAYLOAD_TOO_LARGE | UNSUPPORTED_MEDIA_TYPE;
    /// An operation that needs an access token (401 without one, 403 for a blocked account or a
    /// missing role).
    pub const SIGNED_IN: u16 = UNAUTHORIZED | FORBIDDEN;
    /// A write that needs an access token: also 429 past the account's write limit.
    pub const SIGNED_IN_WRITE: u16 = SIGNED_IN | TOO_MANY_REQUESTS;
}

/// Every error status, its bit in [`answers`] (0: documented on every operation), and what it
/// means in this API.
const DOCUMENTED: &[(u16, u16, &str)] = &[
    (
        400,
        answers::BAD_REQUEST,
        "The request cannot be read: malformed JSON, a missing or mistyped field, a bad parameter.",
    ),
    (
        401,
        answers::UNAUTHORIZED,
        "No valid access token, or wrong credentials.",
    ),
    (
        403,
        answers::FORBIDDEN,
        "The caller is known but may not do this (a missing role, a blocked account, an unconfirmed address).",
    ),
    (
        404,
        0,
        "Not found, or not visible to the caller; or no organization is served at this host.",
    ),
    (
        409,
        answers::CONFLICT,
        "Conflicts with the current state (a value already taken, a document already used), or the first request with this `Idempotency-Key` is still running (`Retry-After`).",
    ),
    (
        413,
        answers::PAYLOAD_TOO_LARGE,
        "The body is larger than 1 MiB.",
    ),
    (
        415,
        answers::UNSUPPORTED_MEDIA_TYPE,
        "The body has an unsupported content type.",
    ),
    (
        422,
        answers::UNPROCESSABLE,
        "The request is readable but breaks a rule; see `errors`.",
    ),
    (
        429,
        answers::TOO_MANY_REQUESTS,
        "Too many attempts; retry after the `Retry-After` header's seconds.",
    ),
    (
        500,
        0,
        "An unexpected error; it is logged with the request id.",
    ),
    (
        503,
        0,
        "A dependency is down or the server is saturated; retry after the `Retry-After` header's seconds.",
    ),
];

/// The error answer of an operation: any [`AppError`], rendered as problem+json, documented in
/// the spec with the statuses whose bits are in `ANSWERS` (plus 404, 500 and 503, which any
/// operation can give). Handlers return `Result<T, Problem<{ answers::BODY | ... }>>` and use `?`
/// on use cases.
pub struct Problem<const ANSWERS: u16>(pub AppError);

impl<const ANSWERS: u16> From<AppError> for Problem<ANSWERS> {
    fn from(error: AppError) -> Self {
        Problem(error)
    }
}

impl<const ANSWERS: u16> From<Problem<ANSWERS>> for poem::Error {
    fn from(problem: Problem<ANSWERS>) -> poem::Error {
        problem.0.into()
    }
}

impl<const ANSWERS: u16> ApiResponse for Problem<ANSWERS> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: DOCUMENTED
                .iter()
                .filter(|(_, bit, _)| *bit == 0 || ANSWERS & bit != 0)
                .map(|(status, _, description)| MetaResponse {
                    description,
                    status: Some(*status),
                    status_range: None,
                    content: vec![MetaMediaType {
                        content_type: PROBLEM_JSON,
                        schema: ProblemBody::schema_ref(),
                    }],
                    headers: vec![],
                })
                .collect(),
        }
    }

    fn register(registry: &mut Registry) {
        ProblemBody::register(registry);
    }
}

/// The spec's answer for an error `status` of the table above, as poem-openapi writes it, for
/// the answers that the spec adds to operations after generation (see `http::complete_operation`).
pub fn documented_response(status: u16) -> Option<serde_json::Value> {
    DOCUMENTED
        .iter()
        .find(|(documented, _, _)| *documented == status)
        .map(|(_, _, description)| {
            serde_json::json!({
                "description": description,
                "content": { PROBLEM_JSON: { "schema": { "$ref": "#/components/schemas/Problem" } } },
            })
        })
}
