//! Health, metrics, request ids, the served spec and the interactive docs.

use plaza_tests::TestApp;
use poem::http::Method;

#[tokio::test]
async fn health_endpoints_answer() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/health/live", None).await.status, 200);
    assert_eq!(app.get("/health/ready", None).await.status, 200);
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.clone().close().await.ok();
    assert_eq!(app.get("/health/ready", None).await.status, 503);
    assert_eq!(app.get("/health/live", None).await.status, 200);
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = TestApp::spawn().await;
    app.get("/api/v1/scopes", None).await;
    app.get("/api/v1/scopes", None).await;
    app.get("/api/v1/me", None).await;
    let reply = app.get("/metrics", None).await;
    let text = reply.body.as_str().unwrap();
    assert!(
        text.contains(
            r#"plaza_http_requests_total{route="list_scopes",method="GET",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"plaza_http_requests_total{route="get_me",method="GET",status="401"} 1"#),
        "{text}"
    );
    assert!(text.contains(r#"plaza_http_request_duration_seconds_count{route="list_scopes",method="GET",status="200"} 2"#), "{text}");
    // OpenMetrics, said so to the scraper (it reads the counter's family without `_total`).
    assert_eq!(
        reply.header("content-type"),
        Some(plaza_api::metrics::CONTENT_TYPE)
    );
    assert!(
        text.contains("# TYPE plaza_http_requests counter\n"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let given = app
        .call_with_headers(
            Method::GET,
            "/api/v1/me",
            &[("host", plaza_tests::HOST), ("x-request-id", "front-123")],
            None,
        )
        .await;
    assert_eq!(given.header("x-request-id"), Some("front-123"));
    assert_eq!(given.body["request_id"], "front-123");
    let generated = app.get("/api/v1/scopes", None).await;
    assert_eq!(generated.header("x-request-id").map(str::len), Some(32));
    // A public read is cacheable; anything else from the API is never stored.
    assert_eq!(
        generated.header("cache-control"),
        Some("public, max-age=60")
    );
    assert_eq!(given.header("cache-control"), Some("no-store"));
    assert_eq!(generated.header("x-content-type-options"), Some("nosniff"));
}

#[tokio::test]
async fn the_spec_and_the_docs_are_served() {
    let app = TestApp::spawn().await;
    let json = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(json.status, 200);
    assert_eq!(json.body["info"]["title"], "Plaza API");
    let yaml = app.get("/api/v1/openapi.yaml", None).await;
    assert!(yaml.body.as_str().unwrap().starts_with("openapi: 3.0.0"));
    let docs = app.get("/docs", None).await;
    assert_eq!(docs.status, 200);
    assert!(docs.body.as_str().unwrap().contains("swagger"), "{docs:#?}");
}

#[tokio::test]
async fn migrations_roll_back_to_nothing_and_apply_again() {
    let app = TestApp::spawn().await;
    plaza_api::db::migrate_down(&app.state.db, None)
        .await
        .expect("every migration has a working down");
    assert!(
        plaza_api::store::orgs::count(&app.state.db).await.is_err(),
        "the tables are gone"
    );
    plaza_api::db::migrate(&app.state.db)
        .await
        .expect("and up again");
    assert_eq!(
        plaza_api::store::orgs::count(&app.state.db).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn cross_origin_calls_are_allowed_for_the_listed_origins_only() {
    use plaza_tests::{HOST, Options};
    let listed = "https://participa.example.org";
    let app = TestApp::spawn_with(Options {
        settings: vec![(
            "PLAZA_CORS_ORIGINS",
            format!("{listed}, http://localhost:5173"),
        )],
        ..Options::default()
    })
    .await;
    let app = &app;
    let preflight = |origin: &'static str| async move {
        app.call_with_headers(
            Method::OPTIONS,
            "/api/v1/auth/login",
            &[
                ("host", HOST),
                ("origin", origin),
                ("access-control-request-method", "POST"),
                ("access-control-request-headers", "content-type"),
            ],
            None,
        )
        .await
    };
    let allowed = preflight(listed).await;
    assert_eq!(allowed.status, 204, "{allowed:#?}");
    assert_eq!(allowed.header("access-control-allow-origin"), Some(listed));
    assert_eq!(
        allowed.header("access-control-allow-credentials"),
        Some("true")
    );
    assert!(
        allowed
            .header("access-control-allow-methods")
            .unwrap()
            .contains("POST")
    );
    assert!(
        allowed
            .header("access-control-allow-headers")
            .unwrap()
            .contains("content-type")
    );
    assert_eq!(
        allowed.header("vary").unwrap().matches("origin").count(),
        1,
        "{allowed:#?}"
    );
    let refused = preflight("https://elsewhere.example").await;
    assert_eq!(
        refused.header("access-control-allow-origin"),
        None,
        "{refused:#?}"
    );

    let get = |origin: &'static str| async move {
        app.call_with_headers(
            Method::GET,
            "/api/v1/processes",
            &[("host", HOST), ("origin", origin)],
            None,
        )
        .await
    };
    let from_listed = get(listed).await;
    assert_eq!(from_listed.status, 200);
    assert_eq!(
        from_listed.header("access-control-allow-origin"),
        Some(listed)
    );
    assert!(
        from_listed
            .header("access-control-expose-headers")
            .unwrap()
            .contains("x-request-id")
    );
    assert!(
        from_listed
            .header("vary")
            .unwrap_or_default()
            .contains("origin")
    );
    let from_elsewhere = get("https://elsewhere.example").await;
    assert_eq!(
        from_elsewhere.status, 200,
        "served as if CORS did not exist"
    );
    assert_eq!(from_elsewhere.header("access-control-allow-origin"), None);

    // Without the setting, no CORS header at all.
    let plain = TestApp::spawn().await;
    let answer = plain
        .call_with_headers(
            Method::GET,
            "/api/v1/processes",
            &[("host", HOST), ("origin", listed)],
            None,
        )
        .await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
}
