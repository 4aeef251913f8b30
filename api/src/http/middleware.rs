//! What happens around every request: request id, the client's address and host (trusting
//! forwarded headers only from trusted proxies), CORS for the listed origins, the refusal of
//! control characters in the URL,
//! logging, metrics, security headers, and the conversion of every error into problem+json
//! (including poem's own: unknown route, wrong method, unreadable parameters, missing
//! credentials).

use super::{caching, client, cors, edge, problem, request_id};
use crate::app::AppState;
use crate::app::error::AppError;
use plaza_domain::{FieldCode, FieldError};
use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Request, Response};
use poem_openapi::OperationId;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

/// Wraps the whole application.
pub async fn observe<E: Endpoint>(
    next: Arc<E>,
    state: Arc<AppState>,
    kept: Arc<Option<super::microcache::Microcache>>,
    mut request: Request,
) -> poem::Result<Response> {
    let metrics = &state.metrics;
    let id = request_id::accept_or_generate(
        request
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
    );
    // A label per method the client invents would grow the metrics without bound.
    let method = match request.method().as_str() {
        known @ ("GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") => {
            known.to_string()
        }
        _ => "OTHER".to_string(),
    };
    let path = request.uri().path().to_string();
    let is_api = path.starts_with("/api/");
    let span = tracing::info_span!("request", request_id = %id, method = %method, path = %path);
    let started = Instant::now();

    let peer = request
        .remote_addr()
        .as_socket_addr()
        .map(|address| address.ip());
    let origin = client::origin(peer, request.headers(), &state.settings.trusted_proxies);
    if let Some(host) = origin
        .forwarded_host
        .and_then(|host| HeaderValue::from_str(&host).ok())
    {
        request.headers_mut().insert(poem::http::header::HOST, host);
    }
    request
        .extensions_mut()
        .insert(client::ClientAddr(origin.client));
    let refused = edge::check_uri(request.uri()).err();
    let signed_in = request
        .headers()
        .contains_key(poem::http::header::AUTHORIZATION);
    let if_none_match = request
        .headers()
        .get(poem::http::header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let http_method = request.method().clone();
    let cors_origin = cors::listed_origin(&request, &state.settings.cors_origins);
    let preflight = cors_origin
        .as_ref()
        .and_then(|origin| cors::preflight(&request, origin));

    let cache = kept
        .as_ref()
        .as_ref()
        .zip(super::microcache::Microcache::key(&request));
    let mut response = request_id::scope(id.clone(), async {
        if let Some(answer) = preflight {
            return answer;
        }
        if let Some(error) = refused {
            return problem::response(&error);
        }
        if let Some(hit) = cache.as_ref().and_then(|(kept, key)| kept.get(key)) {
            return hit;
        }
        match next.call(request).await {
            Ok(output) => output.into_response(),
            Err(error) => problem_response(error),
        }
    })
    .instrument(span.clone())
    .await;

    let operation = response.data::<OperationId>().copied();
    if let (Some((kept, key)), Some(operation)) = (cache, operation)
        && caching::is_public_read(
            &http_method,
            Some(operation.0),
            signed_in,
            response.status(),
        )
    {
        response = kept.keep(key, response, operation).await;
    }
    if caching::is_public_read(
        &http_method,
        operation.map(|operation| operation.0),
        signed_in,
        response.status(),
    ) {
        response = caching::public(response, if_none_match.as_deref()).await;
        if let Some(operation) = operation {
            response.set_data(operation);
        }
    } else if caching::is_versioned(operation.map(|operation| operation.0), response.status()) {
        response = caching::tagged(response).await;
        if let Some(operation) = operation {
            response.set_data(operation);
        }
    }
    let status = response.status().as_u16();
    let route = response
        .data::<OperationId>()
        .map(|operation| operation.0.to_string())
        .unwrap_or_else(|| non_api_route(&path, status));
    metrics.observe(&route, &method, status, started.elapsed());
    span.in_scope(|| {
        tracing::info!(status, route = %route, elapsed_ms = started.elapsed().as_secs_f64() * 1000.0, "request");
    });

    let allow = (status == 405)
        .then(|| allowed_methods(&path))
        .flatten()
        .and_then(|methods| HeaderValue::from_str(&methods).ok());
    let headers = response.headers_mut();
    if let Some(allow) = allow
        && !headers.contains_key(poem::http::header::ALLOW)
    {
        headers.insert(poem::http::header::ALLOW, allow);
    }
    if let Some(origin) = &cors_origin
        && !headers.contains_key(poem::http::header::ACCESS_CONTROL_ALLOW_ORIGIN)
    {
        cors::allow(headers, origin);
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        headers.insert("x-request-id", value);
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    if is_api && !headers.contains_key("cache-control") {
        // API answers may carry personal data: never cache them (ASVS 8.2.1).
        headers.insert("cache-control", HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// The methods a path answers (for the `Allow` header of a 405), from the spec's paths
/// (`/processes/{slug}` matches any one segment) and the operations endpoints.
pub(super) fn allowed_methods(path: &str) -> Option<String> {
    use std::sync::OnceLock;
    static PATHS: OnceLock<Vec<(Vec<String>, Vec<String>)>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        let spec = super::spec_value();
        spec["paths"]
            .as_object()
            .map(|paths| {
                paths
                    .iter()
                    .map(|(template, item)| {
                        let segments = template.split('/').map(str::to_string).collect();
                        let methods = item
                            .as_object()
                            .map(|ops| ops.keys().map(|m| m.to_ascii_uppercase()).collect())
                            .unwrap_or_default();
                        (segments, methods)
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    if matches!(
        path,
        "/health/live"
            | "/health/ready"
            | "/metrics"
            | "/api/v1/openapi.json"
            | "/api/v1/openapi.yaml"
    ) {
        return Some("GET, HEAD".to_string());
    }
    let relative = path.strip_prefix("/api/v1")?;
    let relative = if relative.len() > 1 {
        relative.trim_end_matches('/')
    } else {
        relative
    };
    let segments: Vec<&str> = relative.split('/').collect();
    paths
        .iter()
        .find(|(template, _)| {
            template.len() == segments.len()
                && template
                    .iter()
                    .zip(&segments)
                    .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
        })
        .map(|(_, methods)| methods.join(", "))
}

/// A metric label for requests outside the OpenAPI operations.
fn non_api_route(path: &str, status: u16) -> String {
    match path {
        "/health/live"
        | "/health/ready"
        | "/metrics"
        | "/api/v1/openapi.json"
        | "/api/v1/openapi.yaml" => path.to_string(),
        _ if path.starts_with("/docs") => "/docs".to_string(),
        _ if status == 404 => "unmatched".to_string(),
        _ => "other".to_string(),
    }
}

/// Renders an error as problem+json, keeping the operation id it carries (the metrics label).
pub(super) fn problem_response(error: poem::Error) -> Response {
    let operation = error.data::<OperationId>().copied();
    let mut response = error_response(error);
    if let Some(operation) = operation {
        response.set_data(operation);
    }
    response
}

/// Turns any error into a problem+json response. Our own errors already are responses; poem's
/// and poem-openapi's are mapped to the closest product error.
fn error_response(error: poem::Error) -> Response {
    if error.is_from_response() {
        return error.into_response();
    }
    let mapped = if error.is::<poem::error::NotFoundError>() {
        AppError::NotFound
    } else if error.is::<poem::error::MethodNotAllowedError>() {
        AppError::MethodNotAllowed
    } else if error.is::<poem_openapi::error::ContentTypeError>() {
        AppError::UnsupportedMediaType
    } else if error.is::<poem_openapi::error::AuthorizationError>() {
        AppError::Unauthenticated
    } else if let Some(param) = error.downcast_ref::<poem_openapi::error::ParseParamError>() {
        AppError::InvalidParameter(vec![FieldError::new(
            param.name,
            FieldCode::InvalidValue,
            param.reason.clone(),
        )])
    } else if let Some(path) = error.downcast_ref::<poem_openapi::error::ParsePathError>() {
        AppError::InvalidParameter(vec![FieldError::new(
            "path",
            FieldCode::InvalidValue,
            path.to_string(),
        )])
    } else if let Some(payload) =
        error.downcast_ref::<poem_openapi::error::ParseRequestPayloadError>()
    {
        AppError::InvalidBody(vec![FieldError::new(
            "body",
            FieldCode::InvalidValue,
            payload.reason.clone(),
        )])
    } else {
        match error.status().as_u16() {
            400 => AppError::InvalidParameter(vec![FieldError::new(
                "request",
                FieldCode::InvalidValue,
                error.to_string(),
            )]),
            401 => AppError::Unauthenticated,
            404 => AppError::NotFound,
            405 => AppError::MethodNotAllowed,
            413 => AppError::PayloadTooLarge {
                limit_bytes: super::body::MAX_BODY_BYTES,
            },
            415 => AppError::UnsupportedMediaType,
            _ => AppError::internal(error.to_string()),
        }
    };
    problem::response(&mapped)
}
