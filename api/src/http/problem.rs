//! RFC 9457 problem+json: the one table from error to status, code and title.
//!
//! Every failure a client can see passes through [`describe`], an exhaustive match: adding an
//! error anywhere without deciding its status does not compile. The body carries `type`, `title`,
//! `status`, `detail`, a stable snake_case `code`, `errors[]` for field problems and the
//! `request_id` that the logs carry too. Internal causes are logged here and never sent.
//!
//! The spec lists every `code` and every `errors[].code` as an `enum` ([`Listed`]), generated
//! from the domain's two tables (`ProblemCode`, `FieldCode`) with each code's meaning: a code
//! added to a table is documented with it, and a contract test that checks answers against the
//! spec fails on a code the tables do not hold.

use crate::app::error::AppError;
use plaza_domain::error::ErrorKind;
use plaza_domain::{DomainError, FieldCode, FieldError, ProblemCode};
use poem::http::{HeaderValue, StatusCode};
use poem_openapi::registry::{
    MetaMediaType, MetaResponse, MetaResponses, MetaSchema, MetaSchemaRef, Registry,
};
use poem_openapi::types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type};
use poem_openapi::{ApiResponse, Object};
use serde_json::Value;
use std::borrow::Cow;
use std::sync::OnceLock;

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
    pub code: Listed<ProblemCode>,
    /// One entry per invalid field when the problem is about fields; always sent (empty
    /// otherwise), so that generated clients can decode every problem.
    pub errors: Vec<FieldProblem>,
    /// The id of this request, as in the server's logs (also the `x-request-id` header).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// With `not_eligible` only: why the caller may not vote in this budget, as a stable code
    /// (`not_a_resident`, `outside_budget_scope`, `under_minimum_age`, `workflow_limit_reached`,
    /// `process_misconfigured`).
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One invalid field.
#[derive(Debug, Clone, Object, serde::Serialize)]
pub struct FieldProblem {
    /// The field's JSON name, or a dotted path (`phases.0.ends_at`); `body` for the body itself.
    pub field: String,
    /// Why, as a stable snake_case code (`required`, `invalid_type`, `password_too_short`, ...).
    pub code: Listed<FieldCode>,
    /// Why, for a person.
    pub message: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(error: &FieldError) -> FieldProblem {
        FieldProblem {
            field: error.field.clone(),
            code: Listed(error.code),
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
        ErrorKind::PreconditionFailed => S::PRECONDITION_FAILED,
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

/// A code of one of the domain's tables, documented in the spec as an `enum` of the whole table
/// with what each code means (a schema of its own, `ProblemCode` or `FieldCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed<C>(pub C);

/// A table of codes that [`Listed`] documents.
pub trait CodeTable: Copy + Send + Sync + 'static {
    /// The schema's name in the spec.
    const SCHEMA: &'static str;
    /// Every code of the table.
    fn all() -> &'static [Self];
    /// The code as sent.
    fn name(self) -> &'static str;
    /// The schema's description: what the codes are, and each one's meaning.
    fn description() -> &'static str;
}

/// The first lines of both tables' descriptions.
const CODES_MAY_GROW: &str = "New codes may be added in later versions of the API: treat a \
     code you do not know by the answer's status.";

impl CodeTable for ProblemCode {
    const SCHEMA: &'static str = "ProblemCode";

    fn all() -> &'static [Self] {
        ProblemCode::ALL
    }

    fn name(self) -> &'static str {
        self.describe().code
    }

    fn description() -> &'static str {
        static DESCRIPTION: OnceLock<String> = OnceLock::new();
        DESCRIPTION.get_or_init(|| {
            let rows: String = ProblemCode::ALL
                .iter()
                .map(|code| {
                    let described = code.describe();
                    format!(
                        "\n| `{}` | {} | {} |",
                        described.code,
                        status_of(described.kind).as_u16(),
                        described.title
                    )
                })
                .collect();
            format!(
                "The stable code of a problem: match on this. {CODES_MAY_GROW}\n\n\
                 | code | status | title |\n| --- | --- | --- |{rows}"
            )
        })
    }
}

impl CodeTable for FieldCode {
    const SCHEMA: &'static str = "FieldCode";

    fn all() -> &'static [Self] {
        FieldCode::ALL
    }

    fn name(self) -> &'static str {
        self.as_str()
    }

    fn description() -> &'static str {
        static DESCRIPTION: OnceLock<String> = OnceLock::new();
        DESCRIPTION.get_or_init(|| {
            let rows: String = FieldCode::ALL
                .iter()
                .map(|code| format!("\n- `{}`: {}", code.as_str(), code.meaning()))
                .collect();
            format!("Why one field is invalid. {CODES_MAY_GROW}\n{rows}")
        })
    }
}

impl<C: CodeTable> Type for Listed<C> {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        C::SCHEMA.into()
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(C::SCHEMA.to_string())
    }

    fn register(registry: &mut Registry) {
        registry.create_schema::<Self, _>(C::SCHEMA.to_string(), |_| MetaSchema {
            description: Some(C::description()),
            enum_items: C::all()
                .iter()
                .map(|code| Value::from(code.name()))
                .collect(),
            ..MetaSchema::new("string")
        });
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(
        &'a self,
    ) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl<C: CodeTable> ToJSON for Listed<C> {
    fn to_json(&self) -> Option<Value> {
        Some(Value::from(self.0.name()))
    }
}

impl<C: CodeTable> ParseFromJSON for Listed<C> {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        let value = value.unwrap_or_default();
        value
            .as_str()
            .and_then(|name| C::all().iter().find(|code| code.name() == name))
            .map(|code| Listed(*code))
            .ok_or_else(|| ParseError::expected_type(value.clone()))
    }
}

impl<C: CodeTable> serde::Serialize for Listed<C> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.name())
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
                code: Listed(FieldCode::AlreadyTaken),
                message: format!("This {field} is already taken."),
            }]
        }
        _ => Vec::new(),
    }
}

/// Builds the problem document of `error` for the current request.
pub fn body(error: &AppError) -> ProblemBody {
    let described = error.describe();
    let (status, code, title) = (status_of(described.kind), described.code, described.title);
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
        code: Listed(error.problem_code()),
        errors: field_errors(error),
        request_id,
        reason: match error {
            AppError::Domain(plaza_domain::DomainError::NotEligible { reason }) => {
                Some(reason.code().to_string())
            }
            _ => None,
        },
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
    pub const PRECONDITION_FAILED: u16 = 1 << 8;
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
        412,
        answers::PRECONDITION_FAILED,
        "`If-Match` names a version that is no longer current: the resource changed since it was read. Read it again (its answer's `ETag`) and redo the change on what it now is.",
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
