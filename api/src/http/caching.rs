//! HTTP caching of public reads, and the versions of what admins change.
//!
//! The organization, the scope tree, a scope, the process list and a process, read without
//! credentials, are sent with a strong `ETag` (a hash of the body) and
//! `Cache-Control: public, max-age=60`; a request whose `If-None-Match` names the current ETag
//! gets 304 with no body. Everything else from the API stays `no-store` (answers to a signed-in
//! caller may carry personal data, and lists may be personalised for them). The answers vary by
//! `Accept-Language`, which they declare in `Vary`.
//!
//! A scope and a process carry their `ETag` to every caller, on reads and on changes
//! ([`VERSIONED`]), so that an admin can change one with `If-Match` ([`IfMatch`], RFC 9110
//! §13.1.1): the change applies only if the ETag is still the resource's (else 412). The use case
//! asks [`IfMatch::holds`] with the resource read under its lock, in the transaction that
//! changes it, so two admins changing the same version at once cannot both win.

use crate::app::tenancy::Organization;
use poem::http::header::{self, HeaderValue};
use poem::http::{Method, StatusCode};
use poem::{Body, Response};
use poem_openapi::types::ToJSON;

/// The operations whose anonymous answers are public.
pub const PUBLIC_READS: &[&str] = &[
    "get_organization",
    "list_scopes",
    "get_scope",
    "list_categories",
    "get_category",
    "list_processes",
    "get_process",
    "list_proposals",
    "export_proposals_csv",
    "export_proposals_json",
    "get_proposal",
    "list_debates",
    "get_debate",
    "list_proposal_comments",
    "list_debate_comments",
    "list_project_comments",
    "list_budgets",
    "get_budget",
    "list_projects",
    "get_project",
];

/// The operations whose successful answer is a version of a resource that a change may name in
/// `If-Match`: its ETag is sent to every caller, signed in or not.
pub const VERSIONED: &[&str] = &[
    "get_scope",
    "update_scope",
    "get_process",
    "update_process",
    "get_category",
    "update_category",
    "get_budget",
    "update_budget",
    "get_project",
    "update_project",
];

/// The strong ETag of an answer's body: the same bytes, the same tag.
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", &crate::auth::sha256_hex(body)[..32])
}

/// The ETag that `value` has as a JSON answer (as poem-openapi's `Json` writes it).
pub fn etag_of_json<T: ToJSON>(value: &T) -> String {
    etag_of(&serde_json::to_vec(&value.to_json()).unwrap_or_default())
}

/// An `If-Match` header (RFC 9110 §13.1.1): a precondition on the current version of the
/// resource a request changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No header: the change is unconditional.
    Absent,
    /// `*`: any current version (the resource exists).
    Any,
    /// A list of entity tags, compared strongly: a weak tag (`W/"..."`) names no version, and a
    /// header that is not a list of entity tags names none either.
    Tags(Vec<String>),
}

impl IfMatch {
    /// Reads the header's value.
    pub fn parse(header: Option<&str>) -> IfMatch {
        let Some(header) = header else {
            return IfMatch::Absent;
        };
        if header.trim() == "*" {
            return IfMatch::Any;
        }
        let mut tags = Vec::new();
        let mut rest = header;
        loop {
            rest = rest.trim_start_matches([' ', '\t', ',']);
            if rest.is_empty() {
                break;
            }
            let (weak, tail) = match rest.strip_prefix("W/") {
                Some(tail) => (true, tail),
                None => (false, rest),
            };
            let Some(end) = tail.strip_prefix('"').and_then(|quoted| quoted.find('"')) else {
                break;
            };
            if !weak {
                tags.push(tail[..end + 2].to_string());
            }
            rest = &tail[end + 2..];
        }
        IfMatch::Tags(tags)
    }

    /// Whether the precondition holds for a resource whose current representations have the
    /// ETags `current` (one per locale it can be rendered in: each holds every field and every
    /// translation, so any change of the resource changes them all).
    pub fn holds(&self, current: impl FnOnce() -> Vec<String>) -> bool {
        match self {
            IfMatch::Absent | IfMatch::Any => true,
            IfMatch::Tags(tags) => {
                let current = current();
                tags.iter().any(|tag| current.contains(tag))
            }
        }
    }

    /// Whether the precondition holds for a resource that `render` shows in a locale: a change's
    /// `If-Match` may name the version read in any of the organization's locales.
    pub fn holds_in_any_locale<T: ToJSON>(
        &self,
        organization: &Organization,
        render: impl Fn(&str) -> T,
    ) -> bool {
        self.holds(|| {
            organization
                .available_locales
                .iter()
                .chain(std::iter::once(&organization.default_locale))
                .map(|locale| etag_of_json(&render(locale)))
                .collect()
        })
    }
}

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

/// Whether the successful answer of `operation` carries its ETag whoever asks (see
/// [`VERSIONED`]).
pub fn is_versioned(operation: Option<&str>, status: StatusCode) -> bool {
    status == StatusCode::OK && operation.is_some_and(|operation| VERSIONED.contains(&operation))
}

/// Whether an `If-None-Match` value names `etag` (or is `*`).
fn matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == etag)
}

/// Adds the ETag of its body to an answer (its caching headers left as they are).
pub async fn tagged(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = body.into_bytes().await else {
        return Response::builder()
            .status(StatusCode::INTERNAL_SERVER_ERROR)
            .finish();
    };
    if let Ok(value) = HeaderValue::from_str(&etag_of(&bytes)) {
        parts.headers.insert(header::ETAG, value);
    }
    Response::from_parts(parts, Body::from(bytes))
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
    let etag = etag_of(&bytes);
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

    #[test]
    fn if_match_compares_entity_tags_strongly() {
        let current = || vec!["\"b\"".to_string()];
        assert!(IfMatch::parse(None).holds(current));
        assert!(IfMatch::parse(Some("*")).holds(current));
        assert!(IfMatch::parse(Some("\"b\"")).holds(current));
        assert!(IfMatch::parse(Some("\"a\", \"b\"")).holds(current));
        assert!(!IfMatch::parse(Some("\"a\"")).holds(current));
        // A weak tag never matches, nor does a header that is no list of tags.
        assert!(!IfMatch::parse(Some("W/\"b\"")).holds(current));
        assert!(!IfMatch::parse(Some("b")).holds(current));
        assert!(!IfMatch::parse(Some("")).holds(current));
        assert!(!IfMatch::parse(Some("\"b")).holds(current));
        assert_eq!(
            IfMatch::parse(Some(" W/\"a\" ,\"b\",\"c\"")),
            IfMatch::Tags(vec!["\"b\"".into(), "\"c\"".into()])
        );
    }
}
