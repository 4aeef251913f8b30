//! Operations endpoints for load balancers, orchestrators and Prometheus.

use crate::app::AppState;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Response, handler};
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

/// `GET /metrics`: request counts and latency histograms in the Prometheus text format.
#[handler]
pub async fn metrics(state: Data<&Arc<AppState>>) -> Response {
    Response::builder()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render())
}
