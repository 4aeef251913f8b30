//! The HTTP API: one module per OpenAPI tag, with handlers of a few lines (read the request,
//! call a use case, shape the answer), plus the plumbing every request goes through.
//!
//! Routes: `/api/v1/...` (the versioned API, resolved to an organization from `Host`),
//! `/api/v1/openapi.json|yaml` (the spec), `/docs` (interactive documentation), and the
//! operations endpoints `/health/live`, `/health/ready` and `/metrics`.

pub mod admin;
pub mod auth;
pub mod ballots;
pub mod body;
pub mod budgets;
pub mod caching;
pub mod catalog;
pub mod categories;
pub mod client;
pub mod comments;
pub mod common;
pub mod constraints;
pub mod cors;
pub mod debates;
pub mod edge;
pub mod idempotency;
pub mod me;
pub mod microcache;
pub mod middleware;
pub mod moderation;
pub mod ops;
pub mod organization;
pub mod problem;
pub mod proposals;
pub mod request_id;
pub mod results;
pub mod security;

use crate::app::AppState;
use poem::{Endpoint, EndpointExt, IntoEndpoint, Route, get};
use poem_openapi::{OpenApiService, Tags};
use std::sync::Arc;

/// The groups of operations in the documentation.
#[derive(Tags)]
pub enum ApiTags {
    /// The organization this host serves.
    Organization,
    /// Registration, sign-in, tokens and password reset.
    Auth,
    /// The signed-in participant's own account.
    Me,
    /// The organization's territorial scopes (city, districts, neighbourhoods).
    Scopes,
    /// Participatory processes and their phases.
    Processes,
    /// Residents' proposals and their supports.
    Proposals,
    /// Debates in a process.
    Debates,
    /// Participatory budgets of a process.
    Budgets,
    /// Threaded comments on proposals, debates and budget projects, and their votes.
    Comments,
    /// Administration: census, roles and failed jobs.
    Admin,
    /// Moderation: blocking and unblocking participants.
    Moderation,
}

/// Where the versioned API is served (the idempotency middleware sees paths without it).
pub const API_PREFIX: &str = "/api/v1";

/// The version of the API in the spec.
pub const API_VERSION: &str = "1.0.0";

/// Every group of operations, in the order of the documentation.
pub type Operations = (
    organization::OrganizationApi,
    auth::AuthApi,
    me::MeApi,
    catalog::ScopesApi,
    catalog::ProcessesApi,
    categories::CategoriesApi,
    proposals::ProposalsApi,
    debates::DebatesApi,
    comments::CommentsApi,
    budgets::BudgetsApi,
    ballots::BallotsApi,
    results::ResultsApi,
    admin::AdminApi,
    moderation::ModerationApi,
);

/// The OpenAPI service of every operation.
pub fn api_service() -> OpenApiService<Operations, ()> {
    OpenApiService::new(
        (
            organization::OrganizationApi,
            auth::AuthApi,
            me::MeApi,
            catalog::ScopesApi,
            catalog::ProcessesApi,
            categories::CategoriesApi,
            proposals::ProposalsApi,
            debates::DebatesApi,
            comments::CommentsApi,
            budgets::BudgetsApi,
            ballots::BallotsApi,
            results::ResultsApi,
            admin::AdminApi,
            moderation::ModerationApi,
        ),
        "Plaza API",
        API_VERSION,
    )
    .description(
        "The API of Plaza, an open-source platform for municipal civic participation: accounts, \
         census verification, territorial scopes, participatory processes, residents' proposals, debates and comments, participatory budgets.\n\n\
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

/// The spec as a JSON value: what poem-openapi generates from the code, plus an explicit empty
/// `security` on the operations that need no credentials (poem-openapi omits it, and OpenAPI
/// linters rightly ask every operation to say whether it needs authentication).
pub fn spec_value() -> serde_json::Value {
    static SPEC: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    SPEC.get_or_init(build_spec).clone()
}

/// Generates the spec (once per process: [`spec_value`] keeps it).
fn build_spec() -> serde_json::Value {
    use serde_json::json;
    let mut spec: serde_json::Value =
        serde_json::from_str(&api_service().spec()).expect("poem-openapi writes valid JSON");
    complete_nullable(&mut spec);
    constraints::apply(&mut spec);
    constrain_requests(&mut spec);
    if let Some(paths) = spec
        .get_mut("paths")
        .and_then(serde_json::Value::as_object_mut)
    {
        for (method, operation) in paths
            .values_mut()
            .filter_map(serde_json::Value::as_object_mut)
            .flat_map(|item| item.iter_mut())
        {
            if let Some(operation) = operation.as_object_mut() {
                complete_operation(method, operation);
            }
        }
    }
    if let Some(components) = spec
        .get_mut("components")
        .and_then(serde_json::Value::as_object_mut)
    {
        components.insert(
            "parameters".into(),
            json!({
                "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": false,
                "description": "A key of your choice (1 to 255 visible ASCII characters, a new UUID per request) that makes a retry safe: for 24 hours, the same request sent again with the same key gets the first answer again (with `Idempotent-Replayed: true`) instead of acting twice. While the first request runs, a retry waits for its answer (up to 10 s, then 409 `idempotency_key_in_use`); the same key with another path or body is 422 `idempotency_key_reused`. Answers 401, 429 and 5xx are not kept: retry those.",
                "schema": { "type": "string", "pattern": "^[!-~]{1,255}$" },
                },
                "AcceptLanguage": {
                "name": "Accept-Language",
                "in": "header",
                "required": false,
                "description": "The preferred languages (RFC 9110), e.g. `es, ca;q=0.8`. Translatable texts are rendered in the best match among the organization's locales, else its default; the answer's `Content-Language` says which.",
                "schema": { "type": "string" },
            }}),
        );
        components.insert(
            "headers".into(),
            json!({
                "RequestId": {
                    "description": "The id of this request, as in the server's logs (the client's own `x-request-id` when it sent a well-formed one).",
                    "schema": { "type": "string" },
                },
                "ContentLanguage": {
                    "description": "The locale translatable texts were rendered in.",
                    "schema": { "type": "string" },
                },
                "RetryAfter": {
                    "description": "Seconds to wait before retrying.",
                    "schema": { "type": "integer", "minimum": 0 },
                },
                "ETag": {
                    "description": "A strong validator of the answer (a hash of its body): send it back in `If-None-Match` to read again (anonymous reads), or in `If-Match` to change a scope or a process only if it is still this version.",
                    "schema": { "type": "string" },
                },
                "CacheControl": {
                    "description": "`public, max-age=60` for an anonymous public read; `no-store` otherwise.",
                    "schema": { "type": "string" },
                },
            }),
        );
    }
    spec
}

/// A nullable reference to another schema is written by poem-openapi as `nullable` beside an
/// `allOf` without a `type`, with `nullable` repeated in the `allOf`'s annotation member; OpenAPI
/// 3.0 wants a `type` beside `nullable`. The reference gets `type: object` (every schema
/// referenced so is an object) and the annotation member loses its stray `nullable`.
fn complete_nullable(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let nullable = map.get("nullable") == Some(&serde_json::Value::Bool(true));
            if nullable && !map.contains_key("type") {
                if map.contains_key("allOf") {
                    map.insert("type".into(), serde_json::json!("object"));
                } else {
                    map.remove("nullable");
                }
            }
            map.values_mut().for_each(complete_nullable);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(complete_nullable),
        _ => {}
    }
}

/// A string without a control character (tab, line feed and carriage return allowed): what the
/// edge check (`edge`) lets through in JSON texts and CSV bodies.
const NO_CONTROL_CHARACTERS: &str =
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";

/// A string without any control character: what the edge check lets through in paths and query
/// parameters (percent-decoded).
const NO_CONTROL_CHARACTERS_IN_URLS: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";

/// States in the spec what the server refuses of a request that poem-openapi does not write:
/// request bodies take no property they do not name (`additionalProperties: false`: every body
/// is read with unknown fields refused), and their texts and the path and query parameters hold
/// no control character (a `pattern`, as the edge check refuses them, on the texts that
/// `constraints` gives no pattern or format of their own).
fn constrain_requests(spec: &mut serde_json::Value) {
    use serde_json::Value;
    fn add_pattern_of(schema: &mut serde_json::Map<String, Value>, pattern: &str) {
        let plain_string = schema.get("type") == Some(&Value::from("string"))
            && !schema.contains_key("format")
            && !schema.contains_key("enum")
            && !schema.contains_key("pattern");
        if plain_string {
            schema.insert("pattern".into(), Value::from(pattern));
        }
    }
    fn add_pattern(schema: &mut serde_json::Map<String, Value>) {
        add_pattern_of(schema, NO_CONTROL_CHARACTERS);
    }
    fn constrain_schema(schema: &mut Value, refs: &mut Vec<String>) {
        let Some(map) = schema.as_object_mut() else {
            return;
        };
        if let Some(Value::String(reference)) = map.get("$ref") {
            refs.push(
                reference
                    .trim_start_matches("#/components/schemas/")
                    .to_string(),
            );
            return;
        }
        add_pattern(map);
        if map.contains_key("properties") && !map.contains_key("additionalProperties") {
            map.insert("additionalProperties".into(), Value::Bool(false));
        }
        for key in ["items", "additionalProperties"] {
            if let Some(inner) = map.get_mut(key) {
                constrain_schema(inner, refs);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(members)) = map.get_mut(key) {
                members
                    .iter_mut()
                    .for_each(|member| constrain_schema(member, refs));
            }
        }
        if let Some(Value::Object(properties)) = map.get_mut("properties") {
            properties
                .values_mut()
                .for_each(|property| constrain_schema(property, refs));
        }
    }
    let mut pending = Vec::new();
    if let Some(Value::Object(paths)) = spec.get_mut("paths") {
        for operation in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|item| item.values_mut())
            .filter_map(Value::as_object_mut)
        {
            if let Some(Value::Object(contents)) = operation
                .get_mut("requestBody")
                .and_then(|body| body.get_mut("content"))
            {
                for content in contents.values_mut() {
                    if let Some(schema) = content.get_mut("schema") {
                        constrain_schema(schema, &mut pending);
                    }
                }
            }
            if let Some(Value::Array(parameters)) = operation.get_mut("parameters") {
                for parameter in parameters.iter_mut().filter_map(Value::as_object_mut) {
                    let in_url = matches!(
                        parameter.get("in").and_then(Value::as_str),
                        Some("path" | "query")
                    );
                    if in_url && let Some(Value::Object(schema)) = parameter.get_mut("schema") {
                        add_pattern_of(schema, NO_CONTROL_CHARACTERS_IN_URLS);
                    }
                }
            }
        }
    }
    let mut done = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = spec
            .get_mut("components")
            .and_then(|components| components.get_mut("schemas"))
            .and_then(|schemas| schemas.get_mut(&name))
        {
            constrain_schema(schema, &mut pending);
        }
    }
}

/// Who may call an operation, as its description's last line says (`None` for an operation
/// this table does not know: the spec test fails until it is added).
fn who_may_call(operation_id: &str) -> Option<&'static str> {
    const ANYONE: &str = "**Who may call it:** anyone (no access token).";
    const SIGNED_IN: &str =
        "**Who may call it:** any signed-in participant, for their own account.";
    const ADMIN: &str = "**Who may call it:** an admin of the organization.";
    const MODERATOR: &str = "**Who may call it:** a moderator or an admin of the organization.";
    Some(match operation_id {
        "get_organization"
        | "create_registration"
        | "confirm_email"
        | "create_session"
        | "refresh_session"
        | "request_password_reset"
        | "confirm_password_reset"
        | "list_scopes"
        | "get_scope"
        | "list_processes"
        | "get_process"
        | "list_categories"
        | "get_category"
        | "list_budgets"
        | "get_budget"
        | "list_projects"
        | "get_project"
        | "export_budget"
        | "export_proposals_csv"
        | "export_proposals_json" => ANYONE,
        "get_results" => {
            "**Who may call it:** anyone once the results are published; before, an admin of the \
             organization."
        }
        "list_proposals"
        | "get_proposal"
        | "list_debates"
        | "get_debate"
        | "list_proposal_comments"
        | "list_debate_comments"
        | "list_project_comments" => {
            "**Who may call it:** anyone; with an access token, the answer also says what the \
             signed-in participant may do."
        }
        "create_proposal" | "update_proposal" | "publish_proposal" | "withdraw_proposal"
        | "create_support" | "delete_support" => {
            "**Who may call it:** any signed-in participant (a proposal's changes: its author)."
        }
        "create_debate" | "update_debate" | "close_debate" => {
            "**Who may call it:** any signed-in participant (a debate's changes: its author; \
             closing: its author or a moderator)."
        }
        "create_proposal_comment"
        | "create_debate_comment"
        | "create_project_comment"
        | "update_comment"
        | "delete_comment"
        | "set_comment_vote"
        | "delete_comment_vote" => {
            "**Who may call it:** any signed-in participant (a comment's changes: its author)."
        }
        "delete_session"
        | "get_me"
        | "update_me"
        | "delete_me"
        | "create_verification"
        | "list_notifications" => SIGNED_IN,
        "get_ballot"
        | "delete_ballot"
        | "choose_ballot_project"
        | "unchoose_ballot_project"
        | "checkout_ballot"
        | "get_ballot_receipt"
        | "get_ballot_share" => {
            "**Who may call it:** any signed-in participant, for their own ballot (voting itself: \
             verified residents the budget is open to)."
        }
        "create_scope" | "update_scope" | "create_process" | "update_process"
        | "create_category" | "update_category" | "create_budget" | "update_budget"
        | "create_project" | "update_project" | "import_census" | "get_user_roles"
        | "update_user_roles" | "list_dead_jobs" | "tally_budget" | "publish_results" => ADMIN,
        "block_user" | "unblock_user" => MODERATOR,
        "answer_proposal" | "publish_answer" => {
            "**Who may call it:** an evaluator of the proposal's process (`evaluator_of`), an evaluator or an admin of the organization."
        }
        _ => return None,
    })
}

/// What poem-openapi cannot say from a handler's types, added to each operation: an explicit
/// empty `security` on operations that need no credentials (OpenAPI linters rightly ask every
/// operation to say), the `Accept-Language` parameter, the `Idempotency-Key` parameter of every
/// signed-in write with the answers it adds, the caching of public reads and the `ETag` of
/// versioned answers (`caching`), and the response headers every answer carries
/// (`x-request-id`, `Content-Language`, and `Retry-After` on 409, 429 and 503).
fn complete_operation(method: &str, operation: &mut serde_json::Map<String, serde_json::Value>) {
    use serde_json::json;
    let signed_in = operation
        .get("security")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|schemes| !schemes.is_empty());
    operation.entry("security").or_insert_with(|| json!([]));
    if signed_in && method != "get" {
        declare_idempotency_key(operation);
    }
    // A path or query parameter holding a control character is refused at the edge (400): any
    // operation with one documents it.
    let has_url_parameters = operation
        .get("parameters")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|parameters| {
            parameters.iter().any(|p| {
                matches!(
                    p.get("in").and_then(serde_json::Value::as_str),
                    Some("path" | "query")
                )
            })
        });
    if has_url_parameters {
        document_errors(operation, &[400]);
    }
    if let Some(who) = operation
        .get("operationId")
        .and_then(serde_json::Value::as_str)
        .and_then(who_may_call)
    {
        let described = operation
            .get("description")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| who.to_string(), |text| format!("{text}\n\n{who}"));
        operation.insert("description".into(), json!(described));
    }
    if let Some(parameters) = operation
        .entry("parameters")
        .or_insert_with(|| json!([]))
        .as_array_mut()
    {
        parameters.push(json!({ "$ref": "#/components/parameters/AcceptLanguage" }));
    }
    let public_read = operation
        .get("operationId")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|id| caching::PUBLIC_READS.contains(&id));
    if public_read {
        if let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(serde_json::Value::as_array_mut)
        {
            parameters.push(json!({
                "name": "If-None-Match",
                "in": "header",
                "required": false,
                "description": "The ETag of an answer already held: 304 with no body if it is still current.",
                "schema": { "type": "string" },
            }));
        }
        if let Some(responses) = operation
            .get_mut("responses")
            .and_then(serde_json::Value::as_object_mut)
        {
            if let Some(ok) = responses.get_mut("200") {
                ok["headers"]["ETag"] = json!({ "$ref": "#/components/headers/ETag" });
                ok["headers"]["Cache-Control"] =
                    json!({ "$ref": "#/components/headers/CacheControl" });
            }
            responses.insert(
                "304".into(),
                json!({
                    "description": "Not modified: the ETag in If-None-Match is current (anonymous callers only).",
                    "headers": { "ETag": { "$ref": "#/components/headers/ETag" } },
                }),
            );
        }
    }
    let versioned = operation
        .get("operationId")
        .and_then(serde_json::Value::as_str)
        .is_some_and(|id| caching::VERSIONED.contains(&id));
    if versioned
        && let Some(ok) = operation
            .get_mut("responses")
            .and_then(|responses| responses.get_mut("200"))
    {
        ok["headers"]["ETag"] = json!({ "$ref": "#/components/headers/ETag" });
    }
    if let Some(responses) = operation
        .get_mut("responses")
        .and_then(serde_json::Value::as_object_mut)
    {
        for (status, response) in responses.iter_mut() {
            let Some(response) = response.as_object_mut() else {
                continue;
            };
            let headers = response.entry("headers").or_insert_with(|| json!({}));
            if let Some(headers) = headers.as_object_mut() {
                // poem-openapi writes declared header names in capitals.
                if let Some(mut location) = headers.remove("LOCATION") {
                    location["description"] = json!("The path of the created resource.");
                    headers.insert("Location".into(), location);
                }
                headers.insert(
                    "x-request-id".into(),
                    json!({ "$ref": "#/components/headers/RequestId" }),
                );
                headers.insert(
                    "Content-Language".into(),
                    json!({ "$ref": "#/components/headers/ContentLanguage" }),
                );
                if status == "409" || status == "429" || status == "503" {
                    headers.insert(
                        "Retry-After".into(),
                        json!({ "$ref": "#/components/headers/RetryAfter" }),
                    );
                }
            }
        }
    }
}

/// Declares the `Idempotency-Key` header of a signed-in write (see [`idempotency`]) and the
/// answers it can add: 400 for a malformed key, 409 while the first request with the key runs,
/// 422 for a key reused with another request.
fn declare_idempotency_key(operation: &mut serde_json::Map<String, serde_json::Value>) {
    use serde_json::json;
    if let Some(parameters) = operation
        .entry("parameters")
        .or_insert_with(|| json!([]))
        .as_array_mut()
    {
        parameters.push(json!({ "$ref": "#/components/parameters/IdempotencyKey" }));
    }
    document_errors(operation, &[400, 409, 422]);
}

/// Adds the problem answers `statuses` (as `http::problem` documents them) to an operation that
/// lacks them, keeping its answers in status order as poem-openapi writes them.
fn document_errors(operation: &mut serde_json::Map<String, serde_json::Value>, statuses: &[u16]) {
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return;
    };
    for status in statuses {
        if let Some(described) = problem::documented_response(*status) {
            responses.entry(status.to_string()).or_insert(described);
        }
    }
    let mut sorted: Vec<(String, serde_json::Value)> =
        std::mem::take(responses).into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    responses.extend(sorted);
}

/// The spec as YAML, exactly as served and as committed in `openapi/openapi.yaml`.
pub fn spec_yaml() -> String {
    serde_yaml::to_string(&spec_value()).expect("a JSON value serialises as YAML")
}

/// The spec as JSON, as served.
pub fn spec_json() -> String {
    serde_json::to_string_pretty(&spec_value()).expect("a JSON value serialises")
}

/// The whole HTTP application over `state`.
pub fn app(state: Arc<AppState>) -> impl Endpoint {
    let service = api_service();
    let docs = service.swagger_ui();
    let (json, yaml) = (spec_json(), spec_yaml());
    let spec_json = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json")
            .body(json.clone())
    });
    let spec_yaml = poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/yaml")
            .body(yaml.clone())
    });
    let api = service
        .into_endpoint()
        .around(idempotency::idempotent)
        .around(security::resolve_organization);
    let outer = state.clone();
    let kept = Arc::new(microcache::Microcache::new(state.settings.public_cache));
    let routes = Route::new()
        .at("/api/v1/openapi.json", spec_json)
        .at("/api/v1/openapi.yaml", spec_yaml)
        .nest(API_PREFIX, api)
        .nest("/docs", docs)
        .at("/health/live", get(ops::live))
        .at("/health/ready", get(ops::ready))
        .at("/metrics", get(ops::metrics))
        .data(state);
    let routes = Arc::new(routes);
    poem::endpoint::make(move |request| {
        let routes = routes.clone();
        let state = outer.clone();
        let kept = kept.clone();
        async move { middleware::observe(routes, state, kept, request).await }
    })
}
