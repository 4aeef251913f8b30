//! RFC 9457 problem+json: the one table from error to status, code and title.
//!
//! Every failure a client can see passes through [`describe`], an exhaustive match: adding an
//! error anywhere without deciding its status does not compile. The body carries `type`, `title`,
//! `status`, `detail`, a stable snake_case `code`, `errors[]` for field problems and the
//! `request_id` that the logs carry too. Internal causes are logged here and never sent.

use crate::app::error::AppError;
use plaza_domain::error::ErrorKind;
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

/// The HTTP status of each kind of error: the one place where errors meet statuses (each error
/// declares its code and kind once, in `AppError::describe` or `DomainError::describe`).
pub fn status_of(kind: ErrorKind) -> StatusCode {
    use StatusCode as S;
    match kind {
        ErrorKind::Unreadable => S::BAD_REQUEST,
        ErrorKind::Invalid => S::UNPROCESSABLE_ENTITY,
        ErrorKind::Unauthenticated => S::UNAUTHORIZED,
        ErrorKind::Forbidden => S::FORBIDDEN,
        ErrorKind::NotFound => S::NOT_FOUND,
        ErrorKind::MethodNotAllowed => S::METHOD_NOT_ALLOWED,
        ErrorKind::Conflict => S::CONFLICT,
        ErrorKind::TooLarge => S::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedMediaType => S::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::Throttled => S::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => S::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => S::INTERNAL_SERVER_ERROR,
    }
}

/// Status, code and title of `error`.
pub fn describe(error: &AppError) -> (StatusCode, &'static str, &'static str) {
    let described = error.describe();
    (status_of(described.kind), described.code, described.title)
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
    } else if let AppError::Conflict(cause) = error {
        // A uniqueness rule no use case maps: the client gets 409, the log the index to map.
        tracing::warn!(request_id = request_id.as_deref().unwrap_or("-"), %cause, "unmapped unique violation");
    }
    ProblemBody {
        problem_type: format!("urn:plaza:problem:{code}"),
        title: title.to_string(),
        status: status.as_u16(),
        detail: error.detail(),
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
    if let Some(seconds) = error.retry_after_seconds()
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert("retry-after", value);
    }
    // A missing or expired token (not wrong credentials at sign-in) names the scheme to use.
    if matches!(error, AppError::Unauthenticated | AppError::TokenExpired) {
        response
            .headers_mut()
            .insert("www-authenticate", HeaderValue::from_static("Bearer"));
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
