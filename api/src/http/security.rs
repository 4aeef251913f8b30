//! Who is calling, for which organization, in which language.
//!
//! [`resolve_organization`] wraps the versioned API: it finds the organization from `Host`
//! once per request and keeps it in the request. Handlers read it with the [`Tenant`]
//! extractor; [`BearerAuth`] verifies the access token against that organization and yields the
//! [`Actor`]; [`Locale`] picks the rendering language from `Accept-Language`.

use crate::app::AppState;
use crate::app::error::AppError;
use crate::app::tenancy::{self, Actor, Organization};
use poem::{Endpoint, FromRequest, IntoResponse, Request, RequestBody, Response};
use poem_openapi::SecurityScheme;
use poem_openapi::auth::Bearer;
use std::sync::Arc;

fn state_of(request: &Request) -> Result<&Arc<AppState>, AppError> {
    request
        .data::<Arc<AppState>>()
        .ok_or_else(|| AppError::internal("application state missing"))
}

/// The host a request was sent to: the `Host` header, or the URI's authority (HTTP/2).
fn host_of(request: &Request) -> String {
    request
        .headers()
        .get(poem::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default()
}

/// Middleware of the versioned API: resolves the organization before any handler runs.
pub async fn resolve_organization<E: Endpoint>(
    next: Arc<E>,
    mut request: Request,
) -> poem::Result<Response> {
    let state = state_of(&request)?.clone();
    let organization = tenancy::resolve(&state, &host_of(&request)).await?;
    let locale = plaza_domain::i18n::negotiate(
        request
            .headers()
            .get(poem::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        &organization.available_locales,
        &organization.default_locale,
    )
    .to_string();
    request.extensions_mut().insert(organization);
    let mut response = match next.call(request).await {
        Ok(output) => output.into_response(),
        Err(error) => super::middleware::problem_response(error),
    };
    // Every answer of the API says in which language its texts are, and that it depends on the
    // Accept-Language header (for caches).
    let headers = response.headers_mut();
    if let Ok(value) = poem::http::HeaderValue::from_str(&locale) {
        headers.insert(poem::http::header::CONTENT_LANGUAGE, value);
    }
    headers.append(
        poem::http::header::VARY,
        poem::http::HeaderValue::from_static("accept-language"),
    );
    Ok(response)
}

/// The organization of the request.
pub struct Tenant(pub Organization);

impl<'a> FromRequest<'a> for Tenant {
    async fn from_request(request: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        request
            .extensions()
            .get::<Organization>()
            .cloned()
            .map(Tenant)
            .ok_or_else(|| AppError::OrganizationNotFound.into())
    }
}

/// The application state, for handlers.
pub struct State(pub Arc<AppState>);

impl<'a> FromRequest<'a> for State {
    async fn from_request(request: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(State(state_of(request)?.clone()))
    }
}

/// The locale to render translatable texts in: the best match of `Accept-Language` among the
/// organization's locales, else its default.
pub struct Locale(pub String);

impl<'a> FromRequest<'a> for Locale {
    async fn from_request(request: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let Tenant(organization) = Tenant::from_request(request, body).await?;
        let header = request
            .headers()
            .get(poem::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Ok(Locale(
            plaza_domain::i18n::negotiate(
                header,
                &organization.available_locales,
                &organization.default_locale,
            )
            .to_string(),
        ))
    }
}

/// A short-lived access token from `POST /auth/login` or `POST /auth/refresh`.
#[derive(SecurityScheme)]
#[oai(ty = "bearer", bearer_format = "JWT", checker = "authenticate")]
pub struct BearerAuth(pub Actor);

/// Authenticates the access token; a write (any method but GET, HEAD, OPTIONS) then counts
/// against the account's rate limit (`PLAZA_LIMIT_ACCOUNT_WRITES`), here once for every
/// authenticated write rather than in each handler.
async fn authenticate(request: &Request, bearer: Bearer) -> poem::Result<Actor> {
    use poem::http::Method;
    let state = state_of(request)?;
    let organization = request
        .extensions()
        .get::<Organization>()
        .ok_or(AppError::OrganizationNotFound)?;
    let actor = tenancy::authenticate(state, organization, &bearer.token).await?;
    if ![Method::GET, Method::HEAD, Method::OPTIONS].contains(request.method()) {
        state.limits.check_account(actor.id())?;
    }
    Ok(actor)
}

/// The caller of a read that anyone may make: a signed-in account when an access token is
/// sent (then the answer says what they may do), an anonymous visitor otherwise.
#[derive(SecurityScheme)]
pub enum MaybeSignedIn {
    SignedIn(BearerAuth),
    /// No `Authorization` header.
    #[oai(fallback)]
    Anonymous,
}

impl MaybeSignedIn {
    /// The signed-in actor, if any. A token that is sent but not valid (expired, revoked) is
    /// refused as on any signed-in operation, never read as an anonymous visit: a client whose
    /// token expired must learn to refresh it, not lose what its resident may do.
    pub async fn actor(self, request: &Request) -> Result<Option<Actor>, AppError> {
        match self {
            MaybeSignedIn::SignedIn(auth) => Ok(Some(auth.0)),
            MaybeSignedIn::Anonymous => {
                let Some(header) = request.headers().get(poem::http::header::AUTHORIZATION) else {
                    return Ok(None);
                };
                let token = header
                    .to_str()
                    .ok()
                    .and_then(|value| {
                        value
                            .strip_prefix("Bearer ")
                            .or_else(|| value.strip_prefix("bearer "))
                    })
                    .ok_or(AppError::Unauthenticated)?;
                let state = state_of(request)?;
                let organization = request
                    .extensions()
                    .get::<Organization>()
                    .ok_or(AppError::OrganizationNotFound)?;
                tenancy::authenticate(state, organization, token.trim())
                    .await
                    .map(Some)
            }
        }
    }
}
