//! `Idempotency-Key`: a signed-in write sent again with the same key gets the first answer and
//! does not act twice; a key is its account's, for one request, for a day.

use plaza_tests::{Reply, Session, TestApp};
use serde_json::{Value, json};

const CENSUS: &str = "document_number,birth_date,scope_code\n12345678Z,1990-04-01,N1\n";

async fn with_census() -> (TestApp, Session) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let imported = app.import_census(&admin, CENSUS).await;
    assert_eq!(imported.status, 200, "{imported:#?}");
    let ana = app.participant("ana@example.org").await;
    (app, ana)
}

fn wrong_birth_date() -> Value {
    json!({ "document_number": "12345678Z", "birth_date": "2000-01-01" })
}

fn right_birth_date() -> Value {
    json!({ "document_number": "12345678Z", "birth_date": "1990-04-01" })
}

async fn verify_with_key(app: &TestApp, who: &Session, key: &str, body: Value) -> Reply {
    let bearer = format!("Bearer {}", who.access_token);
    app.call_with_headers(
        poem::http::Method::POST,
        "/api/v1/me/verification",
        &[
            ("host", plaza_tests::HOST),
            ("authorization", &bearer),
            ("idempotency-key", key),
        ],
        Some(body),
    )
    .await
}

/// The failed census matches counted against an account.
async fn failures_of(app: &TestApp, who: &Session) -> i32 {
    use plaza_api::store::entities::verification_attempts;
    use sea_orm::EntityTrait;
    verification_attempts::Entity::find_by_id(who.user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .map_or(0, |row| row.failures)
}

#[tokio::test]
async fn a_retried_request_gets_the_first_answer_and_acts_once() {
    let (app, ana) = with_census().await;
    let first = verify_with_key(&app, &ana, "retry-1", wrong_birth_date()).await;
    first.assert_problem(422, "census_no_match");
    assert_eq!(first.header("idempotent-replayed"), None);
    // Five failures would lock verification; the same request retried five times is one.
    for _ in 0..5 {
        let again = verify_with_key(&app, &ana, "retry-1", wrong_birth_date()).await;
        assert_eq!(again.status, 422, "{again:#?}");
        assert_eq!(again.body, first.body, "the very same answer");
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
    }
    assert_eq!(failures_of(&app, &ana).await, 1);
    // A new key is a new request.
    let next = verify_with_key(&app, &ana, "retry-2", right_birth_date()).await;
    assert_eq!(next.status, 200, "{next:#?}");
    assert_eq!(next.body["scope"]["code"], "N1");
}

#[tokio::test]
async fn a_key_sent_with_another_body_is_refused() {
    let (app, ana) = with_census().await;
    verify_with_key(&app, &ana, "k", wrong_birth_date())
        .await
        .assert_problem(422, "census_no_match");
    verify_with_key(&app, &ana, "k", right_birth_date())
        .await
        .assert_problem(422, "idempotency_key_reused");
    let me = app.get("/api/v1/me", Some(&ana.access_token)).await;
    assert_eq!(me.body["residency"], Value::Null, "nothing was verified");
}

#[tokio::test]
async fn a_key_belongs_to_the_account_that_sent_it() {
    let (app, ana) = with_census().await;
    let bea = app.participant("bea@example.org").await;
    verify_with_key(&app, &ana, "shared", wrong_birth_date())
        .await
        .assert_problem(422, "census_no_match");
    let hers = verify_with_key(&app, &bea, "shared", right_birth_date()).await;
    assert_eq!(hers.status, 200, "Bea's request runs: {hers:#?}");
    assert_eq!(hers.header("idempotent-replayed"), None);
}

#[tokio::test]
async fn a_malformed_key_is_a_bad_request_and_acts_not() {
    let (app, ana) = with_census().await;
    let too_long = "k".repeat(256);
    for key in ["two words", too_long.as_str()] {
        let reply = verify_with_key(&app, &ana, key, wrong_birth_date()).await;
        reply.assert_problem(400, "invalid_parameter");
        assert_eq!(
            reply.field_errors(),
            [(
                "Idempotency-Key".to_string(),
                "invalid_idempotency_key".to_string()
            )]
        );
    }
    assert_eq!(failures_of(&app, &ana).await, 0);
}

#[tokio::test]
async fn an_answer_is_kept_for_a_day_then_forgotten() {
    let (app, ana) = with_census().await;
    verify_with_key(&app, &ana, "daily", wrong_birth_date())
        .await
        .assert_problem(422, "census_no_match");
    app.clock.advance(time::Duration::hours(23));
    // Access tokens live minutes: a client retrying the next day has signed in again.
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    let replayed = verify_with_key(&app, &ana, "daily", wrong_birth_date()).await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(failures_of(&app, &ana).await, 1);

    app.clock.advance(time::Duration::hours(2));
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    app.run_outbox().await;
    use plaza_api::store::entities::idempotency_keys;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let kept = idempotency_keys::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(kept, 0, "the worker deleted the expired answer");
    let fresh = verify_with_key(&app, &ana, "daily", wrong_birth_date()).await;
    fresh.assert_problem(422, "census_no_match");
    assert_eq!(
        fresh.header("idempotent-replayed"),
        None,
        "a day later it runs again"
    );
}

#[tokio::test]
async fn answers_a_retry_should_not_reuse_are_not_kept() {
    let (app, ana) = with_census().await;
    // An expired token: 401, and the same key with a fresh token then runs the request.
    app.clock.advance(time::Duration::hours(2));
    verify_with_key(&app, &ana, "after-refresh", wrong_birth_date())
        .await
        .assert_problem(401, "token_expired");
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    let ran = verify_with_key(&app, &ana, "after-refresh", wrong_birth_date()).await;
    ran.assert_problem(422, "census_no_match");
    assert_eq!(ran.header("idempotent-replayed"), None);
    assert_eq!(failures_of(&app, &ana).await, 1);
}

#[tokio::test]
async fn a_key_sent_with_a_method_the_path_does_not_take_is_not_claimed() {
    let (app, ana) = with_census().await;
    let bearer = format!("Bearer {}", ana.access_token);
    let headers = [
        ("host", plaza_tests::HOST),
        ("authorization", bearer.as_str()),
        ("idempotency-key", "shared"),
    ];
    verify_with_key(&app, &ana, "shared", wrong_birth_date())
        .await
        .assert_problem(422, "census_no_match");
    // The same key on a PUT the path does not have: 405 with Allow, not a reused key.
    let put = app
        .call_with_headers(
            poem::http::Method::PUT,
            "/api/v1/me/verification",
            &headers,
            Some(wrong_birth_date()),
        )
        .await;
    put.assert_problem(405, "method_not_allowed");
    assert_eq!(put.header("allow"), Some("POST"));
}
