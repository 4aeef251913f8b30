//! `Idempotency-Key` on every signed-in write: a retry gets the first answer, not a second effect.
//!
//! A phone that loses its connection while a resident supports a proposal or checks out a ballot
//! cannot know whether the request arrived; it sends it again with the same key. This middleware
//! wraps the versioned API (after the organization is resolved) and, for a POST, PUT, PATCH or
//! DELETE with a valid access token and the header:
//!
//! 1. reads the body (at most 1 MiB) and digests the method, path, query and body;
//! 2. claims `(account, key)` (`app::idempotency`); exactly one of concurrent claims wins;
//! 3. the winner runs the operation; its answer is stored when it is final (2xx and 4xx but 401,
//!    408, 425 and 429), otherwise the claim is released so that a retry runs again (5xx, 429,
//!    401: a client retries those with a new token or later);
//! 4. a request with a key already answered gets that answer again, byte for byte, with
//!    `Idempotent-Replayed: true`; one arriving while the first runs waits up to
//!    [`WAIT_FOR_FIRST`] for it, then gets 409 `idempotency_key_in_use` with `Retry-After`;
//!    the same key with another path or body is 422 `idempotency_key_reused`.
//!
//! Keys are kept 24 hours (the worker deletes expired ones). Without the header, or without a
//! valid token (the operation then answers 401), the request runs as usual. A server that stops
//! between the operation's commit and the storing of its answer leaves a claim with no answer: a
//! retry after `STALE_IN_FLIGHT` (two minutes) runs the operation again, which for the operations
//! that have their own uniqueness rule (one verification, one support) answers as a duplicate.

use crate::app::AppState;
use crate::app::error::AppError;
use crate::app::idempotency::{self as kept, Answer, Claim, Claimant};
use crate::app::tenancy::{self, Organization};
use plaza_domain::FieldCode;
use poem::http::{HeaderName, HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response};
use std::sync::Arc;
use std::time::Duration;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The header on a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key accepted.
pub const MAX_KEY_CHARS: usize = 255;
/// How long a request waits for the first request with its key to answer.
pub const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

/// Whether the answer to a first request is kept for its retries: final answers only.
fn is_final(status: StatusCode) -> bool {
    (status.is_success() || status.is_client_error())
        && ![
            StatusCode::UNAUTHORIZED,
            StatusCode::REQUEST_TIMEOUT,
            StatusCode::TOO_EARLY,
            StatusCode::TOO_MANY_REQUESTS,
        ]
        .contains(&status)
}

/// A key is 1 to 255 visible ASCII characters (a UUID is the usual choice).
fn parse_key(raw: &HeaderValue) -> Result<String, AppError> {
    raw.to_str()
        .ok()
        .filter(|key| {
            (1..=MAX_KEY_CHARS).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
        })
        .map(str::to_string)
        .ok_or_else(|| {
            AppError::InvalidParameter(vec![plaza_domain::FieldError::new(
                "Idempotency-Key",
                FieldCode::InvalidIdempotencyKey,
                "Send 1 to 255 visible ASCII characters, such as a new UUID per request.",
            )])
        })
}

/// Middleware of the versioned API (inside `security::resolve_organization`).
pub async fn idempotent<E: Endpoint>(next: Arc<E>, request: Request) -> poem::Result<Response> {
    let Some(raw_key) = request.headers().get(HEADER).cloned() else {
        return run(&next, request).await;
    };
    // The writes the API has: a key sent with a method a path does not take (TRACE, a PUT where
    // only POST exists) is not claimed, so the request gets its 405. (Looked up only for the
    // requests that carry a key: every other request passes straight through.)
    let is_write = [Method::POST, Method::PUT, Method::PATCH, Method::DELETE]
        .contains(request.method())
        && super::middleware::allowed_methods(&format!(
            "{}{}",
            super::API_PREFIX,
            request.uri().path()
        ))
        .is_some_and(|methods| methods.split(", ").any(|m| m == request.method().as_str()));
    if !is_write {
        return run(&next, request).await;
    }
    let key = parse_key(&raw_key)?;
    let (Some(state), Some(organization)) = (
        request.data::<Arc<AppState>>().cloned(),
        request.extensions().get::<Organization>().cloned(),
    ) else {
        return Err(AppError::internal("application state or organization missing").into());
    };
    let bearer = request
        .headers()
        .get(poem::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let Some(user_id) =
        bearer.and_then(|token| tenancy::token_subject(&state, &organization, token))
    else {
        return run(&next, request).await;
    };
    let mut request = request;
    let unread = request.take_body();
    let body = super::body::read_bounded(request.headers(), unread).await?;
    let route = format!("{} {}", request.method(), request.uri().path());
    let fingerprint = {
        let mut digested = Vec::with_capacity(body.len() + 256);
        digested.extend_from_slice(request.method().as_str().as_bytes());
        digested.push(b' ');
        digested.extend_from_slice(request.uri().to_string().as_bytes());
        digested.push(b'\n');
        digested.extend_from_slice(&body);
        crate::auth::sha256_hex(&digested)
    };
    request.set_body(body);
    let claimant = Claimant {
        user_id,
        key: &key,
        route: &route,
        fingerprint: &fingerprint,
    };

    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(10);
    loop {
        match kept::claim(&state, &claimant).await? {
            Claim::First => break,
            Claim::Answered(answer) => return Ok(replay(answer)),
            Claim::Mismatch => return Err(AppError::IdempotencyKeyReused.into()),
            Claim::InFlight if started.elapsed() >= WAIT_FOR_FIRST => {
                return Err(AppError::IdempotencyKeyInUse {
                    retry_after_seconds: 1,
                }
                .into());
            }
            Claim::InFlight => {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
        }
    }

    let response = run(&next, request).await?;
    if !is_final(response.status()) {
        if let Err(error) = kept::release(&state, user_id, &key).await {
            tracing::error!(%error, "an idempotency key could not be released");
        }
        return Ok(response);
    }
    let (parts, body) = response.into_parts();
    let bytes = body
        .into_bytes()
        .await
        .map_err(|error| AppError::internal(format!("answer body: {error}")))?;
    let answer = Answer {
        status: parts.status.as_u16(),
        headers: parts
            .headers
            .iter()
            .filter_map(|(name, value)| {
                Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
            })
            .collect(),
        body: bytes.to_vec(),
    };
    if let Err(error) = kept::record(&state, user_id, &key, &answer).await {
        // The operation took effect; its answer still goes to this client. A retry will find an
        // unanswered claim and, once it is stale, run the operation again (see the module docs).
        tracing::error!(%error, "the answer to an idempotent request could not be stored");
    }
    Ok(Response::from_parts(parts, bytes.into()))
}

async fn run<E: Endpoint>(next: &Arc<E>, request: Request) -> poem::Result<Response> {
    Ok(match next.call(request).await {
        Ok(output) => output.into_response(),
        Err(error) => super::middleware::problem_response(error),
    })
}

/// The stored answer, as it was, marked as a replay.
fn replay(answer: Answer) -> Response {
    let mut response = Response::builder()
        .status(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK))
        .body(answer.body);
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_answers_are_kept_and_transient_ones_are_not() {
        for kept in [200, 201, 204, 400, 403, 404, 409, 422] {
            assert!(is_final(StatusCode::from_u16(kept).unwrap()), "{kept}");
        }
        for retried in [401, 408, 425, 429, 500, 503] {
            assert!(
                !is_final(StatusCode::from_u16(retried).unwrap()),
                "{retried}"
            );
        }
    }

    #[test]
    fn a_key_is_visible_ascii_of_bounded_length() {
        let ok = |raw: &str| parse_key(&HeaderValue::from_str(raw).unwrap()).is_ok();
        assert!(ok("0b5cde4e-6f7a-4c1e-9a59-3d5d8f0b1f2a"));
        assert!(ok(&"k".repeat(MAX_KEY_CHARS)));
        assert!(!ok(""));
        assert!(!ok(&"k".repeat(MAX_KEY_CHARS + 1)));
        assert!(!ok("two words"));
    }
}
