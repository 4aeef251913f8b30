//! Bad requests: every failure is problem+json with a stable code.

use plaza_tests::{HOST, TestApp};
use poem::http::Method;
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let app = TestApp::spawn().await;
    let reply = app
        .call_raw(
            Method::POST,
            "/api/v1/auth/login",
            None,
            "application/json",
            b"{\"email\": ".to_vec(),
        )
        .await;
    reply.assert_problem(400, "malformed_json");
    assert!(
        reply.body["detail"].as_str().unwrap().contains("line 1"),
        "{reply:#?}"
    );
}

#[tokio::test]
async fn a_missing_field_is_named() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({ "email": "ana@example.org" }),
        )
        .await;
    reply.assert_problem(400, "invalid_body");
    assert_eq!(
        reply.field_errors(),
        vec![("password".into(), "required".into())]
    );
}

#[tokio::test]
async fn a_field_of_the_wrong_type_is_named() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/login",
            None,
            json!({ "email": 42, "password": "x" }),
        )
        .await;
    reply.assert_problem(400, "invalid_body");
    assert_eq!(
        reply.field_errors(),
        vec![("email".into(), "invalid_type".into())]
    );
    let nested = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "a@b.org", "name": ["Ana"] }),
        )
        .await;
    assert_eq!(
        nested.field_errors(),
        vec![("name".into(), "invalid_type".into())]
    );
}

#[tokio::test]
async fn privileged_fields_cannot_be_smuggled_in() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "ana@example.org", "name": "Ana", "roles": ["admin"] }),
        )
        .await;
    reply.assert_problem(400, "invalid_body");
    assert_eq!(
        reply.field_errors(),
        vec![("roles".into(), "unknown_field".into())]
    );
}

#[tokio::test]
async fn an_unknown_route_and_a_wrong_method_are_problems() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/nowhere", None)
        .await
        .assert_problem(404, "not_found");
    app.get("/nowhere", None)
        .await
        .assert_problem(404, "not_found");
    let wrong = app
        .call(Method::DELETE, "/api/v1/auth/login", None, None)
        .await;
    wrong.assert_problem(405, "method_not_allowed");
    assert_eq!(wrong.header("allow"), Some("POST"));
    let templated = app
        .call(Method::DELETE, "/api/v1/processes/some-slug", None, None)
        .await;
    templated.assert_problem(405, "method_not_allowed");
    assert_eq!(templated.header("allow"), Some("GET, PATCH"));
    let ops = app.call(Method::POST, "/health/live", None, None).await;
    assert_eq!((ops.status, ops.header("allow")), (405, Some("GET, HEAD")));
}

#[tokio::test]
async fn a_body_of_another_content_type_is_unsupported() {
    let app = TestApp::spawn().await;
    let reply = app
        .call_raw(
            Method::POST,
            "/api/v1/auth/login",
            None,
            "text/plain",
            b"email=ana".to_vec(),
        )
        .await;
    reply.assert_problem(415, "unsupported_media_type");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused() {
    let app = TestApp::spawn().await;
    let big = oversized_login_body();
    let reply = app
        .call_raw(
            Method::POST,
            "/api/v1/auth/login",
            None,
            "application/json",
            big,
        )
        .await;
    reply.assert_problem(413, "payload_too_large");
}

#[tokio::test]
async fn a_malformed_path_parameter_is_a_bad_request() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let reply = app
        .patch(
            "/api/v1/scopes/not-a-uuid",
            Some(&admin.access_token),
            json!({ "position": 1 }),
        )
        .await;
    reply.assert_problem(400, "invalid_parameter");
}

#[tokio::test]
async fn an_unknown_host_has_no_organization_once_there_are_several() {
    let app = TestApp::spawn().await;
    let one = app
        .call_with_headers(
            Method::GET,
            "/api/v1/scopes",
            &[("host", "anything.example:8080")],
            None,
        )
        .await;
    assert_eq!(one.status, 200, "a single organization serves every host");
    plaza_api::app::seed::seed_demo(&app.state).await.unwrap();
    app.call_with_headers(
        Method::GET,
        "/api/v1/scopes",
        &[("host", "anything.example")],
        None,
    )
    .await
    .assert_problem(404, "organization_not_found");
    let ours = app
        .call_with_headers(Method::GET, "/api/v1/scopes", &[("host", HOST)], None)
        .await;
    assert_eq!(ours.body[0]["code"], "TST");
    // A fully qualified name (trailing dot) and a port name the same host.
    let fqdn = format!("{HOST}.:443");
    let dotted = app
        .call_with_headers(Method::GET, "/api/v1/scopes", &[("host", &fqdn)], None)
        .await;
    assert_eq!(dotted.body[0]["code"], "TST", "{dotted:#?}");
}

#[tokio::test]
async fn a_default_organization_serves_the_hosts_no_organization_names() {
    let app = TestApp::spawn_with(plaza_tests::Options {
        settings: vec![("PLAZA_DEFAULT_ORGANIZATION", "testville".into())],
        ..plaza_tests::Options::default()
    })
    .await;
    plaza_api::app::seed::seed_demo(&app.state).await.unwrap();
    let unknown = app
        .call_with_headers(
            Method::GET,
            "/api/v1/organization",
            &[("host", "anything.example")],
            None,
        )
        .await;
    assert_eq!(unknown.body["slug"], "testville", "{unknown:#?}");
    let named = app
        .call_with_headers(
            Method::GET,
            "/api/v1/organization",
            &[("host", "barcelona.plaza.localhost")],
            None,
        )
        .await;
    assert_eq!(
        named.body["slug"], "barcelona",
        "a named host keeps its own"
    );
}

#[tokio::test]
async fn internal_errors_leak_nothing() {
    let app = TestApp::spawn().await;
    app.execute_sql("DROP TABLE phases").await;
    let reply = app.get("/api/v1/processes", None).await;
    reply.assert_problem(500, "internal_error");
    let text = reply.body.to_string().to_lowercase();
    assert!(
        !text.contains("phases") && !text.contains("sql") && !text.contains("table"),
        "{text}"
    );
}

#[tokio::test]
async fn a_streamed_body_over_one_mebibyte_is_refused_too() {
    let app = TestApp::spawn().await;
    let big = oversized_login_body();
    let reply = app
        .call_streamed(Method::POST, "/api/v1/auth/login", "application/json", big)
        .await;
    reply.assert_problem(413, "payload_too_large");
}

/// A sign-in body just over the 1 MiB limit.
fn oversized_login_body() -> Vec<u8> {
    format!(
        "{{\"email\": \"{}\", \"password\": \"x\"}}",
        "a".repeat(1024 * 1024)
    )
    .into_bytes()
}

#[tokio::test]
async fn a_uniqueness_rule_no_use_case_maps_is_a_conflict_not_a_server_error() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    // A rule of the database that no use case knows of (as a future migration might add).
    app.execute_sql("CREATE UNIQUE INDEX ux_test_users_name ON users (name)")
        .await;
    let name = json!({ "name": "Ana Puig" });
    let first = app
        .patch("/api/v1/me", Some(&ana.access_token), name.clone())
        .await;
    assert_eq!(first.status, 200, "{first:#?}");
    app.patch("/api/v1/me", Some(&bea.access_token), name)
        .await
        .assert_problem(409, "conflict");
}

#[tokio::test]
async fn a_damaged_security_counter_fails_closed() {
    let app = TestApp::spawn().await;
    app.participant("ana@example.org").await;
    app.sign_in("ana@example.org", "not her password")
        .await
        .assert_problem(401, "invalid_credentials");
    // A counter no server wrote (negative): read as 0 it would reopen the attempts it counts.
    app.execute_sql("UPDATE login_throttles SET failures_in_a_row = -1000")
        .await;
    app.sign_in("ana@example.org", "not her password either")
        .await
        .assert_problem(500, "internal_error");
}
