//! Races a busy voting day produces: the same request sent twice at once must not break a rule.

use plaza_tests::{GOOD_PASSWORD, TestApp};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_refresh_token_sent_twice_at_once_is_spent_once() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let token = &ana.refresh_token;
    let (a, b) = tokio::join!(app.refresh(token), app.refresh(token));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 401], "{a:#?}\n{b:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_document_cannot_verify_two_accounts_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let csv = "document_number,birth_date,scope_code\n12345678Z,1990-04-01,N1\n";
    app.call_raw(
        poem::http::Method::POST,
        "/api/v1/admin/census",
        Some(&admin.access_token),
        "text/csv",
        csv.as_bytes().to_vec(),
    )
    .await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let body = json!({ "document_number": "12345678Z", "birth_date": "1990-04-01" });
    let (a, b) = tokio::join!(
        app.post(
            "/api/v1/me/verification",
            Some(&ana.access_token),
            body.clone()
        ),
        app.post(
            "/api/v1/me/verification",
            Some(&bea.access_token),
            body.clone()
        )
    );
    let mut outcomes = [
        (a.status, a.code().to_string()),
        (b.status, b.code().to_string()),
    ];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            (200, String::new()),
            (409, "document_already_used".to_string())
        ],
        "{a:#?}\n{b:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_failed_sign_ins_are_all_counted() {
    let app = TestApp::spawn().await;
    app.participant("ana@example.org").await;
    let guess = || app.sign_in("ana@example.org", "guess guess guess");
    let replies = tokio::join!(guess(), guess(), guess(), guess(), guess());
    for reply in [replies.0, replies.1, replies.2, replies.3, replies.4] {
        reply.assert_problem(401, "invalid_credentials");
    }
    app.sign_in("ana@example.org", GOOD_PASSWORD)
        .await
        .assert_problem(429, "too_many_attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_address_registered_twice_at_once_opens_one_account() {
    let app = TestApp::spawn().await;
    let body = json!({ "email": "ana@example.org", "password": GOOD_PASSWORD, "name": "Ana" });
    let (a, b, c) = tokio::join!(
        app.post("/api/v1/auth/register", None, body.clone()),
        app.post("/api/v1/auth/register", None, body.clone()),
        app.post("/api/v1/auth/register", None, body.clone())
    );
    assert_eq!(
        [a.status, b.status, c.status],
        [202, 202, 202],
        "{a:#?}\n{b:#?}\n{c:#?}"
    );
    use plaza_api::store::entities::users;
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(users::Entity::find().count(&app.state.db).await.unwrap(), 1);
    // Each registration after the first mails a fresh link and voids the older ones: exactly one
    // link works, whichever request came last.
    let mut confirmed = 0;
    for mail in app.mails().await {
        if app
            .post(
                "/api/v1/auth/confirm",
                None,
                json!({ "token": mail.token() }),
            )
            .await
            .status
            == 204
        {
            confirmed += 1;
        }
    }
    assert_eq!(confirmed, 1);
    app.login("ana@example.org", GOOD_PASSWORD).await;
}
