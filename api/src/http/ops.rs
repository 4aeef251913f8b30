//! Operations endpoints for load balancers, orchestrators and Prometheus.

use crate::app::AppState;
use crate::metrics::OutboxJobs;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};
use std::sync::Arc;

/// `GET /health/live`: the process answers.
#[handler]
pub async fn live() -> Response {
    (StatusCode::OK, "ok\n").into_response()
}

/// `GET /health/ready`: the database answers; a load balancer sends traffic only then.
#[handler]
pub async fn ready(state: Data<&Arc<AppState>>) -> Response {
    match crate::db::ping(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

/// `GET /metrics`: request counts, latency histograms and outbox gauges in the OpenMetrics text
/// format (see `crate::metrics`). With `PLAZA_METRICS_TOKEN` set it answers only
/// `Authorization: Bearer <token>` (compared in constant time), 401 otherwise; unset, it is
/// public (the embedded default on a laptop).
#[handler]
pub async fn metrics(request: &Request, state: Data<&Arc<AppState>>) -> Response {
    if let Some(expected) = &state.settings.metrics_token {
        let given = request
            .headers()
            .get(poem::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !same_secret(given.trim(), expected) {
            return Response::builder()
                .status(StatusCode::UNAUTHORIZED)
                .header("www-authenticate", "Bearer realm=\"metrics\"")
                .body("a metrics token is required\n");
        }
    }
    let outbox = match crate::app::operations::outbox_counts(&state).await {
        Ok((waiting, dead)) => Some(OutboxJobs { waiting, dead }),
        Err(error) => {
            tracing::warn!(%error, "outbox counts unavailable for /metrics");
            None
        }
    };
    match state.metrics.render(outbox) {
        Ok(body) => Response::builder()
            .content_type(crate::metrics::CONTENT_TYPE)
            .body(body),
        Err(error) => {
            tracing::error!(%error, "metrics could not be encoded");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Compares two secrets without a timing signal of where they first differ: both are hashed
/// first, so the comparison runs over equal lengths whatever was sent.
fn same_secret(given: &str, expected: &str) -> bool {
    let (given, expected) = (
        crate::auth::token_hash(given),
        crate::auth::token_hash(expected),
    );
    given
        .bytes()
        .zip(expected.bytes())
        .fold(0_u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}
