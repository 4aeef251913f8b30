//! Cross-origin requests from the city's frontends (CORS), for the origins in
//! `PLAZA_CORS_ORIGINS` and no others.
//!
//! Unset, only same-origin pages can call the API from a browser (no CORS header is ever sent).
//! For a listed origin a preflight (`OPTIONS` with `Access-Control-Request-Method`) is answered
//! 204 with the methods and request headers the API reads, and every answer carries
//! `Access-Control-Allow-Origin` (that origin, with credentials allowed) and exposes the response
//! headers a client needs (`x-request-id`, `Retry-After`, `Location`, `Content-Language`, `ETag`).
//! A request from any other origin is served as if CORS did not exist: the browser, finding no
//! allow header, keeps the answer from the page. (poem's own `Cors` middleware refuses unlisted
//! origins outright, which would also refuse a same-origin page whose browser sends `Origin`.)

use poem::http::header::{self, HeaderMap, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Request, Response};

/// The request headers a frontend may send.
const ALLOWED_HEADERS: &str = "authorization, content-type, accept-language, idempotency-key, if-match, if-none-match, x-request-id";
/// The response headers a frontend may read.
const EXPOSED_HEADERS: &str = "x-request-id, retry-after, location, content-language, etag";
/// The methods of the API.
const ALLOWED_METHODS: &str = "GET, POST, PUT, PATCH, DELETE";
/// How long a browser may cache a preflight answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// The listed origin a request comes from, if any.
pub fn listed_origin(request: &Request, allowed: &[String]) -> Option<HeaderValue> {
    let origin = request.headers().get(header::ORIGIN)?;
    let text = origin.to_str().ok()?.to_ascii_lowercase();
    allowed.contains(&text).then(|| origin.clone())
}

/// The answer to a preflight from a listed origin, or `None` when the request is not a preflight.
pub fn preflight(request: &Request, origin: &HeaderValue) -> Option<Response> {
    let is_preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if !is_preflight {
        return None;
    }
    let mut response = Response::builder().status(StatusCode::NO_CONTENT).finish();
    let headers = response.headers_mut();
    allow(headers, origin);
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(ALLOWED_METHODS),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(ALLOWED_HEADERS),
    );
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    headers.append(
        header::VARY,
        HeaderValue::from_static("access-control-request-method, access-control-request-headers"),
    );
    Some(response)
}

/// Adds the headers that let a page of `origin` read this answer.
pub fn allow(headers: &mut HeaderMap, origin: &HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSED_HEADERS),
    );
    headers.append(header::VARY, HeaderValue::from_static("origin"));
}
