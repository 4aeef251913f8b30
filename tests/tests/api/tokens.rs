//! Access and refresh tokens: every way a token can be wrong is a 401.

use base64::Engine;
use plaza_tests::{SECRET, TestApp};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The session id inside a genuine access token, so that forged tokens differ from it only in
/// what the test means to forge.
fn session_of(access_token: &str) -> plaza_domain::SessionId {
    let claims = access_token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(claims)
            .unwrap(),
    )
    .unwrap();
    uuid::Uuid::parse_str(claims["sid"].as_str().unwrap())
        .unwrap()
        .into()
}

#[tokio::test]
async fn a_request_without_a_token_is_unauthenticated() {
    let app = TestApp::spawn().await;
    let reply = app.get("/api/v1/me", None).await;
    reply.assert_problem(401, "unauthenticated");
    assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
    app.get("/api/v1/me", Some("garbage"))
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn an_expired_access_token_is_refused() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    app.clock.advance(time::Duration::minutes(15));
    app.get("/api/v1/me", Some(&ana.access_token))
        .await
        .assert_problem(401, "token_expired");
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_refused() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let mut parts: Vec<String> = ana.access_token.split('.').map(str::to_string).collect();
    // Same header and claims, signature of a different key.
    let forged = plaza_api::auth::jwt::issue(
        b"some-other-secret-that-is-long-enough-00000",
        app.organization.id,
        ana.user_id,
        session_of(&ana.access_token),
        plaza_domain::Timestamp(plaza_tests::START.unix_timestamp()),
        900,
    );
    parts[2] = forged.split('.').nth(2).unwrap().to_string();
    app.get("/api/v1/me", Some(&parts.join(".")))
        .await
        .assert_problem(401, "unauthenticated");
    app.get("/api/v1/me", Some(&forged))
        .await
        .assert_problem(401, "unauthenticated");
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_refused() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let claims = ana.access_token.split('.').nth(1).unwrap().to_string();
    for header in [
        r#"{"alg":"none","typ":"JWT"}"#,
        r#"{"alg":"None"}"#,
        r#"{"alg":"HS512","typ":"JWT"}"#,
    ] {
        let token = format!("{}.{claims}.", b64(header.as_bytes()));
        app.get("/api/v1/me", Some(&token))
            .await
            .assert_problem(401, "unauthenticated");
    }
}

#[tokio::test]
async fn a_token_of_another_organization_is_refused() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    app.other_organization().await;
    let at_other = app
        .call_with_headers(
            poem::http::Method::GET,
            "/api/v1/me",
            &[
                ("host", "other.test"),
                ("authorization", &format!("Bearer {}", ana.access_token)),
            ],
            None,
        )
        .await;
    at_other.assert_problem(401, "unauthenticated");
    // A token minted with the right key for the other organization's audience but claiming this
    // one is refused too.
    let other = plaza_api::store::orgs::find_by_slug(&app.state.db, "other")
        .await
        .unwrap()
        .unwrap();
    let crossed = plaza_api::auth::jwt::issue(
        &plaza_api::auth::Keys::derive(SECRET.as_bytes()).jwt,
        plaza_domain::OrganizationId::from(other.id),
        ana.user_id,
        session_of(&ana.access_token),
        plaza_domain::Timestamp(plaza_tests::START.unix_timestamp()),
        900,
    );
    app.get("/api/v1/me", Some(&crossed))
        .await
        .assert_problem(401, "unauthenticated");
    // And the original still works at home.
    assert_eq!(
        app.get("/api/v1/me", Some(&ana.access_token)).await.status,
        200
    );
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    app.get("/api/v1/me", Some(&ana.refresh_token))
        .await
        .assert_problem(401, "unauthenticated");
    app.refresh(&ana.access_token)
        .await
        .assert_problem(401, "session_ended");
}

#[tokio::test]
async fn a_refresh_rotates_both_tokens() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    app.clock.advance(time::Duration::minutes(10));
    let reply = app.refresh(&ana.refresh_token).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let access = reply.body["access_token"].as_str().unwrap();
    assert_ne!(
        reply.body["refresh_token"].as_str().unwrap(),
        ana.refresh_token
    );
    app.clock.advance(time::Duration::minutes(10));
    assert_eq!(
        app.get("/api/v1/me", Some(access)).await.status,
        200,
        "the new access token lives 15 minutes from the refresh"
    );
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_revokes_its_whole_family() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let first = app.refresh(&ana.refresh_token).await;
    let second_refresh = first.body["refresh_token"].as_str().unwrap().to_string();
    let second_access = first.body["access_token"].as_str().unwrap().to_string();

    // Past the retry grace period, a spent token is a stolen or replayed one.
    app.clock.advance(time::Duration::seconds(
        plaza_domain::sessions::REFRESH_RETRY_GRACE_SECONDS + 1,
    ));
    let replay = app.refresh(&ana.refresh_token).await;
    replay.assert_problem(401, "refresh_token_reused");

    app.refresh(&second_refresh)
        .await
        .assert_problem(401, "session_ended");
    app.get("/api/v1/me", Some(&second_access))
        .await
        .assert_problem(401, "unauthenticated");
    // Other sessions of the same person are not affected.
    let other = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    assert_eq!(
        app.get("/api/v1/me", Some(&other.access_token))
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn a_refresh_retried_within_seconds_gets_the_same_new_refresh_token() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let first = app.refresh(&ana.refresh_token).await;
    assert_eq!(first.status, 200);
    // The answer was lost on the way; the app retries a few seconds later.
    app.clock.advance(time::Duration::seconds(5));
    let retry = app.refresh(&ana.refresh_token).await;
    assert_eq!(retry.status, 200, "{retry:#?}");
    assert_eq!(retry.body["refresh_token"], first.body["refresh_token"]);
    let access = retry.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/me", Some(access)).await.status, 200);
    // The session goes on with that one successor.
    let next = app
        .refresh(retry.body["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(next.status, 200);
    // Once the successor was used, the old token is a replay even within the grace period.
    app.refresh(&ana.refresh_token)
        .await
        .assert_problem(401, "refresh_token_reused");
}

#[tokio::test]
async fn an_idle_session_ends() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    app.clock.advance(time::Duration::minutes(31));
    app.refresh(&ana.refresh_token)
        .await
        .assert_problem(401, "session_ended");
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_however_active() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let mut refresh_token = ana.refresh_token;
    for _ in 0..35 {
        app.clock.advance(time::Duration::minutes(20));
        let reply = app.refresh(&refresh_token).await;
        assert_eq!(reply.status, 200, "{reply:#?}");
        refresh_token = reply.body["refresh_token"].as_str().unwrap().to_string();
    }
    app.clock.advance(time::Duration::minutes(20));
    app.refresh(&refresh_token)
        .await
        .assert_problem(401, "session_ended");
}

#[tokio::test]
async fn an_access_token_issued_in_the_future_is_refused() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let in_an_hour = plaza_domain::Timestamp(plaza_tests::START.unix_timestamp() + 3_600);
    let from_the_future = plaza_api::auth::jwt::issue(
        &app.state.keys.jwt,
        app.organization.id,
        ana.user_id,
        session_of(&ana.access_token),
        in_an_hour,
        900,
    );
    app.get("/api/v1/me", Some(&from_the_future))
        .await
        .assert_problem(401, "unauthenticated");
    app.clock.advance(time::Duration::hours(1));
    // Its time has come (and the genuine token's has passed).
    let me = app.get("/api/v1/me", Some(&from_the_future)).await;
    assert_eq!(me.status, 200, "{me:#?}");
}
