//! The HTTP API: one module per OpenAPI tag, with handlers of a few lines (read the request,
//! call a use case, shape the answer), plus the plumbing every request goes through.
//!
//! Routes: `/api/v1/...` (the versioned API, resolved to an organization from `Host`),
//! `/api/v1/openapi.json|yaml` (the spec), `/docs` (interactive documentation), and the
//! operations endpoints `/health/live`, `/health/ready` and `/metrics`.

pub mod admin;
pub mod auth;
pub mod body;
pub mod catalog;
pub mod common;
pub mod me;
pub mod middleware;
pub mod ops;
pub mod problem;
pub mod request_id;
pub mod security;

use crate::app::AppState;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Route, get};
use poem_openapi::{OpenApiService, Tags};
use std::sync::Arc;

/// The groups of operations in the documentation.
#[derive(Tags)]
pub enum ApiTags {
    /// Registration, sign-in, tokens and password reset.
    Auth,
    /// The signed-in participant's own account.
    Me,
    /// The organization's territorial scopes (city, districts, neighbourhoods).
    Scopes,
    /// Participatory processes and their phases.
    Processes,
    /// Administration: census and roles.
    Admin,
}

/// The version of the API in the spec.
pub const API_VERSION: &str = "1.0.0";

/// The OpenAPI service of every operation.
pub fn api_service() -> OpenApiService<
    (
        auth::AuthApi,
        me::MeApi,
        catalog::ScopesApi,
        catalog::ProcessesApi,
        admin::AdminApi,
    ),
    (),
> {
    OpenApiService::new(
        (
            auth::AuthApi,
            me::MeApi,
            catalog::ScopesApi,
            catalog::ProcessesApi,
            admin::AdminApi,
        ),
        "Plaza API",
        API_VERSION,
    )
    .description(
        "The API of Plaza, an open-source platform for municipal civic participation: accounts, \
         census verification, territorial scopes and participatory processes.\n\n\
         Every error is an RFC 9457 `application/problem+json` document with a stable `code`. \
         Authenticated operations take a short-lived access token as `Authorization: Bearer`; \
         renew it with the refresh token at `POST /auth/refresh`. Translatable texts are maps \
         from locale to text, rendered in the `Accept-Language` locale in the `*_text` fields.",
    )
    .license(
        poem_openapi::LicenseObject::new("AGPL-3.0-or-later")
            .url("https://www.gnu.org/licenses/agpl-3.0.html"),
    )
    .server("/api/v1")
}

/// The spec as YAML, exactly as served and as committed in `openapi/openapi.yaml`.
pub fn spec_yaml() -> String {
    api_service().spec_yaml()
}

/// The spec as JSON.
pub fn spec_json() -> String {
    api_service().spec()
}

/// The whole HTTP application over `state`.
pub fn app(state: Arc<AppState>) -> impl Endpoint {
    let service = api_service();
    let docs = service.swagger_ui();
    let spec_json = service.spec_endpoint();
    let spec_yaml = service.spec_endpoint_yaml();
    let api = service
        .into_endpoint()
        .around(security::resolve_organization);
    let metrics = state.metrics.clone();
    let routes = Route::new()
        .at("/api/v1/openapi.json", spec_json)
        .at("/api/v1/openapi.yaml", spec_yaml)
        .nest("/api/v1", api)
        .nest("/docs", docs)
        .at("/health/live", get(ops::live))
        .at("/health/ready", get(ops::ready))
        .at("/metrics", get(ops::metrics))
        .data(state);
    let routes = Arc::new(routes);
    poem::endpoint::make(move |request| {
        let routes = routes.clone();
        let metrics = metrics.clone();
        async move { middleware::observe(routes, metrics, request).await }
    })
}
