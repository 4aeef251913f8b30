//! Request bodies that report field errors: [`JsonBody`] and [`CsvBody`].
//!
//! poem-openapi's own `Json<T>` reports a missing or mistyped field as one English sentence
//! without the field's name. `JsonBody<T>` keeps the documented schema (from `T`'s `Object`
//! derive) but parses with serde and `serde_path_to_error`, so a client gets problem+json with
//! `errors[].field` naming each field: malformed JSON is `malformed_json`, a missing field, a
//! wrong type or an unknown field is `invalid_body` (400). Both bodies are read with a 1 MiB
//! limit (`payload_too_large`, 413), and refuse control characters in their text
//! (`control_character`, see `edge`).

use crate::app::error::AppError;
use plaza_domain::{FieldCode, FieldError};
use poem::{Request, RequestBody};
use poem_openapi::payload::{ParsePayload, Payload};
use poem_openapi::registry::{MetaSchema, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use serde::de::DeserializeOwned;

/// The largest body any operation reads.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

async fn read_limited(request: &Request, body: &mut RequestBody) -> Result<bytes::Bytes, AppError> {
    let body = body.take().map_err(|_| AppError::MalformedJson {
        detail: "the body was already read".into(),
    })?;
    read_bounded(request.headers(), body).await
}

/// Reads a whole request body of at most [`MAX_BODY_BYTES`] (`payload_too_large` beyond,
/// refused at once when `Content-Length` says so).
pub async fn read_bounded(
    headers: &poem::http::HeaderMap,
    body: poem::Body,
) -> Result<bytes::Bytes, AppError> {
    let declared = headers
        .get(poem::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES) {
        return Err(AppError::PayloadTooLarge {
            limit_bytes: MAX_BODY_BYTES,
        });
    }
    body.into_bytes_limit(MAX_BODY_BYTES)
        .await
        .map_err(|error| match error {
            poem::error::ReadBodyError::PayloadTooLarge => AppError::PayloadTooLarge {
                limit_bytes: MAX_BODY_BYTES,
            },
            other => AppError::MalformedJson {
                detail: format!("the body could not be read ({other})"),
            },
        })
}

/// Reads an optional field that may be absent but is not nullable in the spec: `null` is
/// refused as the wrong type (`invalid_type`), as any other value of the wrong type is. Use with
/// `#[serde(default, deserialize_with = "not_null")]`; fields where `null` means something
/// (clear, unpin) are `MaybeUndefined` and declared nullable instead.
pub fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A JSON request body of type `T`, with field-level errors.
pub struct JsonBody<T>(pub T);

impl<T: Type + Send> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        content_type.parse::<mime::Mime>().is_ok_and(|mime| {
            mime.type_() == "application"
                && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
        })
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = read_limited(request, body).await?;
        parse_json(&bytes).map(JsonBody).map_err(poem::Error::from)
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: Type + DeserializeOwned + Send);

/// A JSON request body that may be left out: no body (and no `Content-Type`) reads as
/// `T::default()`; a body is read as [`JsonBody`] reads it. For writes whose every field is
/// optional (`PUT .../ballot/projects/{id}` chooses a project with no body at all).
pub struct OptionalJsonBody<T>(pub T);

impl<'a, T: Type + DeserializeOwned + Default + Send> poem_openapi::ApiExtractor<'a>
    for OptionalJsonBody<T>
{
    const TYPES: &'static [poem_openapi::ApiExtractorType] =
        &[poem_openapi::ApiExtractorType::RequestObject];

    type ParamType = ();
    type ParamRawType = ();

    fn register(registry: &mut Registry) {
        T::register(registry);
    }

    fn request_meta() -> Option<poem_openapi::registry::MetaRequest> {
        Some(poem_openapi::registry::MetaRequest {
            description: None,
            content: vec![poem_openapi::registry::MetaMediaType {
                content_type: <JsonBody<T> as Payload>::CONTENT_TYPE,
                schema: T::schema_ref(),
            }],
            required: false,
        })
    }

    async fn from_request(
        request: &'a Request,
        body: &mut RequestBody,
        _param_opts: poem_openapi::ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let bytes = read_limited(request, body).await?;
        match request.content_type() {
            None if bytes.is_empty() => Ok(OptionalJsonBody(T::default())),
            Some(content_type) if JsonBody::<T>::check_content_type(content_type) => {
                parse_json(&bytes)
                    .map(OptionalJsonBody)
                    .map_err(poem::Error::from)
            }
            Some(content_type) => Err(poem_openapi::error::ContentTypeError::NotSupported {
                content_type: content_type.to_string(),
            }
            .into()),
            None => Err(poem_openapi::error::ContentTypeError::ExpectContentType.into()),
        }
    }
}

/// Parses JSON into `T`, turning serde's errors into field errors.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| AppError::MalformedJson {
            detail: format!(
                "{} at line {} column {}",
                describe_syntax(&e),
                e.line(),
                e.column()
            ),
        })?;
    // serde would read an array positionally into a struct; every body of this API is an object.
    if !value.is_object() {
        return Err(AppError::InvalidBody(vec![FieldError::new(
            "body",
            FieldCode::InvalidType,
            "The body must be a JSON object.",
        )]));
    }
    super::edge::check_json(&value)?;
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        AppError::InvalidBody(vec![field_error(&path, &error.into_inner().to_string())])
    })
}

fn describe_syntax(error: &serde_json::Error) -> &'static str {
    match error.classify() {
        serde_json::error::Category::Eof => "it ends too early",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data | serde_json::error::Category::Io => "it cannot be read",
    }
}

/// Maps one serde error at `path` to a field error with a stable code.
fn field_error(path: &str, message: &str) -> FieldError {
    let joined = |field: &str| {
        if path.is_empty() || path == "." {
            field.to_string()
        } else {
            format!("{path}.{field}")
        }
    };
    let backticked = |text: &str| text.split('`').nth(1).map(str::to_string);
    if let Some(rest) = message.strip_prefix("missing field ") {
        let field = backticked(rest).unwrap_or_default();
        return FieldError::new(
            joined(&field),
            FieldCode::Required,
            "This field is required.",
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        // serde_path_to_error's path already ends at the unknown key.
        let field = if path.is_empty() || path == "." {
            backticked(rest).unwrap_or_default()
        } else {
            path.to_string()
        };
        return FieldError::new(
            field,
            FieldCode::UnknownField,
            "This field is not part of the schema.",
        );
    }
    let field = if path.is_empty() || path == "." {
        "body".to_string()
    } else {
        path.to_string()
    };
    if message.starts_with("invalid type") {
        return FieldError::new(field, FieldCode::InvalidType, sentence(message));
    }
    if message.starts_with("unknown variant") {
        return FieldError::new(field, FieldCode::InvalidValue, sentence(message));
    }
    FieldError::new(field, FieldCode::InvalidValue, sentence(message))
}

/// serde's messages with a capital and a full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}

/// A CSV request body (`text/csv`), read as UTF-8 text.
pub struct CsvBody(pub String);

impl Payload for CsvBody {
    const CONTENT_TYPE: &'static str = "text/csv";

    fn check_content_type(content_type: &str) -> bool {
        content_type
            .parse::<mime::Mime>()
            .is_ok_and(|mime| mime.type_() == "text" && mime.subtype() == "csv")
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Inline(Box::new(MetaSchema {
            description: Some(
                "A CSV file with a header line: document_number, birth_date (YYYY-MM-DD), scope_code.",
            ),
            ..MetaSchema::new("string")
        }))
    }
}

impl ParsePayload for CsvBody {
    const IS_REQUIRED: bool = true;

    async fn from_request(request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = read_limited(request, body).await?;
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
            AppError::InvalidBody(vec![FieldError::new(
                "body",
                FieldCode::InvalidEncoding,
                "The file must be UTF-8 text.",
            )])
        })?;
        super::edge::check_text(&text)?;
        Ok(CsvBody(text))
    }
}

poem_openapi::impl_apirequest_for_payload!(CsvBody,);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(
        dead_code,
        reason = "only parsed: the tests read the errors, not the fields"
    )]
    struct Form {
        email: String,
        age: u32,
        nested: Option<Nested>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(
        dead_code,
        reason = "only parsed: the tests read the errors, not the fields"
    )]
    struct Nested {
        when: String,
    }

    fn errors(json: &str) -> Vec<(String, &'static str)> {
        match parse_json::<Form>(json.as_bytes()) {
            Err(AppError::InvalidBody(errors)) => errors
                .into_iter()
                .map(|e| (e.field, e.code.as_str()))
                .collect(),
            other => panic!("expected invalid body, got {other:?}"),
        }
    }

    #[test]
    fn each_schema_problem_names_its_field() {
        assert_eq!(
            errors(r#"{"age": 3}"#),
            vec![("email".to_string(), "required")]
        );
        assert_eq!(
            errors(r#"{"email": "a", "age": "three"}"#),
            vec![("age".to_string(), "invalid_type")]
        );
        assert_eq!(
            errors(r#"{"email": "a", "age": 3, "role": "admin"}"#),
            vec![("role".to_string(), "unknown_field")]
        );
        assert_eq!(
            errors(r#"{"email": "a", "age": 3, "nested": {}}"#),
            vec![("nested.when".to_string(), "required")]
        );
        assert_eq!(
            errors(r#"[1, 2]"#),
            vec![("body".to_string(), "invalid_type")]
        );
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Optional {
        #[serde(default, deserialize_with = "not_null")]
        nickname: Option<String>,
    }

    #[test]
    fn an_optional_field_may_be_absent_but_not_null() {
        let absent = parse_json::<Optional>(b"{}").map(|body| body.nickname);
        assert!(matches!(absent, Ok(None)));
        let given = parse_json::<Optional>(br#"{"nickname": "ana"}"#).map(|body| body.nickname);
        assert!(matches!(given, Ok(Some(nickname)) if nickname == "ana"));
        match parse_json::<Optional>(br#"{"nickname": null}"#) {
            Err(AppError::InvalidBody(errors)) => assert_eq!(
                errors
                    .iter()
                    .map(|e| (e.field.as_str(), e.code.as_str()))
                    .collect::<Vec<_>>(),
                vec![("nickname", "invalid_type")]
            ),
            other => panic!("expected an invalid body, got {other:?}"),
        }
    }

    #[test]
    fn broken_json_is_malformed() {
        assert!(matches!(
            parse_json::<Form>(b"{\"email\": "),
            Err(AppError::MalformedJson { .. })
        ));
        assert!(matches!(
            parse_json::<Form>(b"email=a"),
            Err(AppError::MalformedJson { .. })
        ));
    }
}
