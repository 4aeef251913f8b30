//! The committed contract `openapi/openapi.yaml` is the code's spec, and every operation is
//! documented the way client generators and readers need.

use serde_json::Value;

#[test]
fn the_committed_spec_matches_the_code() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.yaml");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = plaza_api::http::spec_yaml();
    assert!(
        committed == generated,
        "openapi/openapi.yaml is out of date; regenerate it with\n    cargo run -q -p plaza-api -- openapi > openapi/openapi.yaml"
    );
}

#[test]
fn every_error_code_is_listed_with_its_status_and_meaning() {
    use plaza_domain::{FieldCode, ProblemCode};
    let spec: Value = serde_json::from_str(&plaza_api::http::spec_json()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let listed = |schema: &str| -> Vec<String> {
        schemas[schema]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{schema} is not an enum"))
            .iter()
            .map(|code| code.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        listed("ProblemCode"),
        ProblemCode::ALL
            .iter()
            .map(|code| code.describe().code)
            .collect::<Vec<_>>()
    );
    assert_eq!(
        listed("FieldCode"),
        FieldCode::ALL
            .iter()
            .map(|code| code.as_str())
            .collect::<Vec<_>>()
    );
    let problems = schemas["ProblemCode"]["description"].as_str().unwrap();
    assert!(
        problems.contains("| `not_found` | 404 | Not found |"),
        "{problems}"
    );
    let fields = schemas["FieldCode"]["description"].as_str().unwrap();
    assert!(fields.contains("- `required`: "), "{fields}");
    for (schema, table) in [("Problem", "ProblemCode"), ("FieldProblem", "FieldCode")] {
        assert_eq!(
            schemas[schema]["properties"]["code"]["allOf"][0]["$ref"],
            format!("#/components/schemas/{table}")
        );
    }
}

#[test]
fn every_operation_has_a_summary_a_tag_an_id_and_error_responses() {
    let spec: Value = serde_json::from_str(&plaza_api::http::spec_json()).unwrap();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let id = operation["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            assert!(
                id.contains('_') && id.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{id} is not verb_resource"
            );
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{id} has no summary"
            );
            assert!(
                operation["tags"].as_array().is_some_and(|t| !t.is_empty()),
                "{id} has no tag"
            );
            let responses = operation["responses"].as_object().unwrap();
            let needs_token = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            if needs_token && method != "get" {
                assert!(
                    responses.contains_key("429"),
                    "{id} is an authenticated write (limited per account) but does not document 429"
                );
            }
            assert!(
                operation["description"]
                    .as_str()
                    .is_some_and(|d| d.contains("**Who may call it:**")),
                "{id} does not say who may call it (http::who_may_call)"
            );
            assert!(
                operation["parameters"].as_array().is_some_and(|ps| ps
                    .iter()
                    .any(|p| p["$ref"] == "#/components/parameters/AcceptLanguage")),
                "{id} does not declare Accept-Language"
            );
            for (status, response) in responses {
                assert!(
                    response["headers"]["x-request-id"].is_object()
                        && response["headers"]["Content-Language"].is_object(),
                    "{id} {status} does not declare x-request-id and Content-Language"
                );
                if status == "429" || status == "503" {
                    assert!(
                        response["headers"]["Retry-After"].is_object(),
                        "{id} {status} does not declare Retry-After"
                    );
                }
                if status == "201" {
                    assert!(
                        response["headers"]["Location"].is_object()
                            || response["headers"]["location"].is_object(),
                        "{id} creates without declaring Location: {response}"
                    );
                }
            }
            let documents = |status: &str| {
                responses
                    .get(status)
                    .is_some_and(|r| r["content"]["application/problem+json"].is_object())
            };
            for status in ["404", "500", "503"] {
                assert!(
                    documents(status),
                    "{id} does not document {status} as problem+json"
                );
            }
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(
                        documents(status),
                        "{id} reads a body but does not document {status}"
                    );
                }
            }
            let schemes = operation["security"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            // `{}` among the schemes: a token is optional (an anonymous visitor reads too).
            let optional = schemes
                .iter()
                .any(|s| s.as_object().is_some_and(|s| s.is_empty()));
            let signed_in = !schemes.is_empty() && !optional;
            if optional {
                assert!(
                    documents("401"),
                    "{id} takes an optional token but does not document 401 for a bad one"
                );
            } else if signed_in {
                assert!(
                    documents("401") && documents("403"),
                    "{id} needs a token but does not document 401 and 403"
                );
            } else if documents("401") {
                assert!(
                    ["create_session", "refresh_session"].contains(&id),
                    "{id} needs no token but documents 401"
                );
            }
        }
    }
    assert!(operations >= 20, "only {operations} operations");
}
