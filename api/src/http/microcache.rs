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
//! At most [`MAX_BYTES`] of answers are kept: past that, the answers that are no longer fresh
//! are dropped, and if that is not enough, all of them (a burst of distinct URLs, such as every
//! visitor's own random order, costs reads, never memory).

use poem::http::{HeaderMap, Method, StatusCode, header};
use poem::{Body, Request, Response};
use poem_openapi::OperationId;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most memory the kept answers take at once, counting their bodies, headers and keys.
pub const MAX_BYTES: usize = 16 * 1024 * 1024;

struct Kept {
    at: Instant,
    status: StatusCode,
    headers: HeaderMap,
    body: bytes::Bytes,
    operation: OperationId,
}

impl Kept {
    /// What it takes in memory, near enough: its body, its headers and its key.
    fn size(&self, key: &str) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 32)
            .sum();
        self.body.len() + headers + key.len() + 64
    }
}

/// The answers kept, by request, and the memory they take.
struct Store {
    answers: HashMap<String, Kept>,
    bytes: usize,
}

/// The answers kept, by request.
pub struct Microcache {
    ttl: Duration,
    kept: Mutex<Store>,
}

impl Microcache {
    /// A cache keeping answers `ttl`; `None` when `ttl` is zero (off).
    pub fn new(ttl: Duration) -> Option<Microcache> {
        (!ttl.is_zero()).then(|| Microcache {
            ttl,
            kept: Mutex::new(Store {
                answers: HashMap::new(),
                bytes: 0,
            }),
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
        let found = kept
            .answers
            .get(key)
            .filter(|kept| kept.at.elapsed() < self.ttl)?;
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
        let answer = Kept {
            at: Instant::now(),
            status: parts.status,
            headers: parts.headers.clone(),
            body: bytes.clone(),
            operation,
        };
        if let Ok(mut kept) = self.kept.lock() {
            kept.keep(key, answer, self.ttl);
        }
        let mut response = Response::from_parts(parts, Body::from(bytes));
        response.set_data(operation);
        response
    }
}

impl Store {
    /// Keeps `answer` for `key` within [`MAX_BYTES`]: stale answers go first, then all.
    fn keep(&mut self, key: String, answer: Kept, ttl: Duration) {
        let size = answer.size(&key);
        if size > MAX_BYTES {
            return;
        }
        if let Some(replaced) = self.answers.remove(&key) {
            self.bytes -= replaced.size(&key);
        }
        if self.bytes + size > MAX_BYTES {
            self.answers.retain(|_, kept| kept.at.elapsed() < ttl);
            self.bytes = self.answers.iter().map(|(key, kept)| kept.size(key)).sum();
        }
        if self.bytes + size > MAX_BYTES {
            self.answers = HashMap::new();
            self.bytes = 0;
        }
        self.bytes += size;
        self.answers.insert(key, answer);
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

    fn answer(at: Instant, bytes: usize) -> Kept {
        Kept {
            at,
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(vec![b'x'; bytes]),
            operation: OperationId("list_proposals"),
        }
    }

    #[test]
    fn the_kept_answers_never_take_more_than_their_budget_and_stale_ones_go_first() {
        let ttl = Duration::from_secs(1);
        let mut store = Store {
            answers: HashMap::new(),
            bytes: 0,
        };
        let page = 100 * 1024;
        let stale = Instant::now() - Duration::from_secs(5);
        store.keep("old".into(), answer(stale, page), ttl);
        let mut n = 0;
        // Distinct URLs, each answered once (every visitor's own random order).
        while store.bytes + page < MAX_BYTES {
            store.keep(format!("fresh {n}"), answer(Instant::now(), page), ttl);
            n += 1;
            assert!(store.bytes <= MAX_BYTES);
        }
        assert!(store.answers.contains_key("old"));
        // The next one needs room: the stale answer goes, the fresh ones stay.
        store.keep("one more".into(), answer(Instant::now(), page), ttl);
        assert!(!store.answers.contains_key("old"));
        assert!(store.answers.contains_key("fresh 0"));
        // Keeping the same key again counts it once.
        let before = store.bytes;
        store.keep("one more".into(), answer(Instant::now(), page), ttl);
        assert_eq!(store.bytes, before);
        // When only fresh answers fill the memory, they all go.
        while store.bytes + page <= MAX_BYTES {
            store.keep(format!("again {n}"), answer(Instant::now(), page), ttl);
            n += 1;
        }
        store.keep("overflow".into(), answer(Instant::now(), page), ttl);
        assert_eq!(store.answers.len(), 1);
        assert!(store.bytes <= MAX_BYTES);
        assert_eq!(
            store.bytes,
            store.answers.iter().map(|(k, v)| v.size(k)).sum::<usize>()
        );
    }
}
