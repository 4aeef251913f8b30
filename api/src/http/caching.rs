//! HTTP caching of public reads: the scope tree, the process list and a process, read without
//! credentials, are sent with a strong `ETag` (a hash of the body) and
//! `Cache-Control: public, max-age=60`; a request whose `If-None-Match` names the current ETag
//! gets 304 with no body. Everything else from the API stays `no-store` (answers to a signed-in
//! caller may carry personal data, and lists may be personalised for them). The answers vary by
//! `Accept-Language`, which they declare in `Vary`.

use poem::http::header::{self, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Response};

/// The operations whose anonymous answers are public.
pub const PUBLIC_READS: &[&str] = &[
    "get_organization",
    "list_scopes",
    "list_processes",
    "get_process",
];

/// How long a shared cache may keep a public answer without asking again.
const CACHE_CONTROL: &str = "public, max-age=60";

/// Whether the answer of `operation` to this request may be cached publicly.
pub fn is_public_read(
    method: &Method,
    operation: Option<&str>,
    signed_in: bool,
    status: StatusCode,
) -> bool {
    method == Method::GET
        && !signed_in
        && status == StatusCode::OK
        && operation.is_some_and(|operation| PUBLIC_READS.contains(&operation))
}

/// Whether an `If-None-Match` value names `etag` (or is `*`).
fn matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}

/// Adds the ETag and caching headers to a public answer, or replaces it with 304 when the client
/// already holds it.
pub async fn public(response: Response, if_none_match: Option<&str>) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = body.into_bytes().await else {
        return Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .finish();
    };
    let etag = format!("\"{}\"", &crate::auth::sha256_hex(&bytes)[..32]);
    if let Ok(value) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, value);
    }
    parts.headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    if if_none_match.is_some_and(|value| matches(value, &etag)) {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_anonymous_successful_gets_of_public_reads_are_public() {
        let ok = StatusCode::OK;
        assert!(is_public_read(
            &Method::GET,
            Some("list_processes"),
            false,
            ok
        ));
        assert!(!is_public_read(
            &Method::GET,
            Some("list_processes"),
            true,
            ok
        ));
        assert!(!is_public_read(&Method::GET, Some("get_me"), false, ok));
        assert!(!is_public_read(
            &Method::POST,
            Some("list_processes"),
            false,
            ok
        ));
        assert!(!is_public_read(
            &Method::GET,
            Some("get_process"),
            false,
            StatusCode::NOT_FOUND
        ));
        assert!(matches("\"a\", \"b\"", "\"b\""));
        assert!(matches("W/\"b\"", "\"b\""));
        assert!(matches("*", "\"b\""));
        assert!(!matches("\"a\"", "\"b\""));
    }
}
