//! A short-lived memory of anonymous public reads: on a day when thousands of residents open the
//! same first page of proposals, each replica reads it from the database once per
//! `PLAZA_PUBLIC_CACHE_MS` (1 s by default) and answers the rest from memory.
//!
//! Only what is public already is kept: a `GET` under `/api/` sent without `Authorization`,
//! whose operation is a public read (`caching::PUBLIC_READS`) and whose answer is 200 (the
//! answers every shared cache may keep for `Cache-Control: public, max-age=60` anyway). The key
//! is the host (the organization), the path with its query, and `Accept-Language` (the rendered
//! language): a signed-in reader's answer, which says what they may do, is never kept nor served
//! from here. An anonymous visitor may see a list up to that long after a change, as behind any
//! CDN; the ETag and `304 Not Modified` work on kept answers as on fresh ones.
//!
//! At most [`MAX_ENTRIES`] answers are kept; past that the memory is emptied (a burst of distinct
//! URLs costs reads, never memory).

use poem::http::{HeaderMap, Method, StatusCode, header};
use poem::{Body, Request, Response};
use poem_openapi::OperationId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most answers kept at once.
pub const MAX_ENTRIES: usize = 10_000;

struct Kept {
    at: Instant,
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
    operation: OperationId,
}

/// The answers kept, by request.
pub struct Microcache {
    ttl: Duration,
    kept: Mutex<HashMap<String, Kept>>,
}

impl Microcache {
    /// A cache keeping answers `ttl`; `None` when `ttl` is zero (off).
    pub fn new(ttl: Duration) -> Option<Microcache> {
        (!ttl.is_zero()).then(|| Microcache {
            ttl,
            kept: Mutex::new(HashMap::new()),
        })
    }

    /// The key of a request whose answer may be kept: an anonymous `GET` of the API.
    pub fn key(request: &Request) -> Option<String> {
        let anonymous = !request.headers().contains_key(header::AUTHORIZATION);
        let path = request.uri().path_and_query()?.as_str();
        if request.method() != Method::GET || !anonymous || !path.starts_with("/api/") {
            return None;
        }
        let header = |name| {
            request
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("")
        };
        Some(format!(
            "{}\n{path}\n{}",
            header(header::HOST),
            header(header::ACCEPT_LANGUAGE)
        ))
    }

    /// The answer kept for `key`, if it is fresh.
    pub fn get(&self, key: &str) -> Option<Response> {
        let kept = self.kept.lock().ok()?;
        let found = kept.get(key).filter(|kept| kept.at.elapsed() < self.ttl)?;
        let mut response = Response::builder()
            .status(found.status)
            .body(Body::from(found.body.clone()));
        *response.headers_mut() = found.headers.clone();
        response.set_data(found.operation);
        Some(response)
    }

    /// Keeps `response` (the answer of a public read to the request `key`) and returns it.
    pub async fn keep(&self, key: String, response: Response, operation: OperationId) -> Response {
        let (parts, body) = response.into_parts();
        let Ok(bytes) = body.into_bytes().await else {
            return Response::builder()
                .status(StatusCode::INTERNAL_SERVER_ERROR)
                .finish();
        };
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= MAX_ENTRIES {
                kept.clear();
            }
            kept.insert(
                key,
                Kept {
                    at: Instant::now(),
                    status: parts.status,
                    headers: parts.headers.clone(),
                    body: bytes.clone(),
                    operation,
                },
            );
        }
        let mut response = Response::from_parts(parts, Body::from(bytes));
        response.set_data(operation);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method, uri: &str, authorization: bool) -> Request {
        let mut builder = Request::builder()
            .method(method)
            .uri(uri.parse().unwrap())
            .header(header::HOST, "plaza.test")
            .header(header::ACCEPT_LANGUAGE, "es");
        if authorization {
            builder = builder.header(header::AUTHORIZATION, "Bearer x");
        }
        builder.finish()
    }

    #[test]
    fn only_anonymous_gets_of_the_api_are_kept_by_host_path_query_and_language() {
        let key = Microcache::key(&request(
            Method::GET,
            "/api/v1/processes/x/proposals?sort=recent",
            false,
        ));
        assert_eq!(
            key.as_deref(),
            Some("plaza.test\n/api/v1/processes/x/proposals?sort=recent\nes")
        );
        assert_eq!(
            Microcache::key(&request(Method::GET, "/api/v1/processes", true)),
            None
        );
        assert_eq!(
            Microcache::key(&request(Method::POST, "/api/v1/processes", false)),
            None
        );
        assert_eq!(
            Microcache::key(&request(Method::GET, "/health/ready", false)),
            None
        );
        assert!(Microcache::new(Duration::ZERO).is_none(), "0 turns it off");
    }
}
