//! Mail goes through the outbox: over real SMTP, and never for work that rolled back.

use plaza_tests::smtp::SmtpServer;
use plaza_tests::{GOOD_PASSWORD, Options, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_confirmation_mail_is_delivered_over_smtp() {
    let server = SmtpServer::start();
    let app = TestApp::spawn_with(Options {
        smtp_url: Some(server.url()),
        ..Options::default()
    })
    .await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "ana@example.org", "name": "Ana" }),
        )
        .await;
    assert_eq!(reply.status, 202);
    assert!(
        server.received().is_empty(),
        "nothing is sent before the worker runs"
    );

    assert_eq!(app.run_outbox().await, 1);
    let received = server.received();
    assert_eq!(received.len(), 1, "{received:#?}");
    assert_eq!(received[0].from, "no-reply@plaza.test");
    assert_eq!(received[0].to, vec!["ana@example.org".to_string()]);
    let mail = plaza_tests::parse_mail(&received[0].data);
    let token = mail.token();
    assert_eq!(
        app.confirm(&token, GOOD_PASSWORD).await.status,
        204,
        "the mailed link works"
    );
    assert_eq!(
        app.run_outbox().await,
        0,
        "a delivered mail is not sent twice"
    );
}

#[tokio::test]
async fn mail_is_retried_until_the_server_answers() {
    // A port nothing listens on: the first attempt fails and the job stays queued.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let app = TestApp::spawn_with(Options {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Options::default()
    })
    .await;
    app.post(
        "/api/v1/auth/register",
        None,
        json!({ "email": "ana@example.org", "name": "Ana" }),
    )
    .await;
    assert_eq!(app.run_outbox().await, 0);
    let pending = plaza_api::store::outbox::pending(&app.state.db)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].attempts, 1);
    assert!(pending[0].last_error.is_some());
}

#[tokio::test]
async fn a_registration_that_rolls_back_sends_nothing() {
    let app = TestApp::spawn().await;
    // Make the last write of the registration fail, after its mail was queued.
    if app.is_postgres() {
        app.execute_sql("CREATE FUNCTION plaza_test_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql").await;
        app.execute_sql("CREATE TRIGGER plaza_test_fail BEFORE INSERT ON email_tokens FOR EACH ROW EXECUTE FUNCTION plaza_test_fail()").await;
    } else {
        app.execute_sql("CREATE TRIGGER plaza_test_fail BEFORE INSERT ON email_tokens BEGIN SELECT RAISE(ABORT, 'injected failure'); END").await;
    }
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "ana@example.org", "name": "Ana" }),
        )
        .await;
    reply.assert_problem(500, "internal_error");

    assert!(
        plaza_api::store::outbox::pending(&app.state.db)
            .await
            .unwrap()
            .is_empty(),
        "the queued mail rolled back with the rest"
    );
    assert!(app.mails().await.is_empty(), "no mail was sent");
    let user =
        plaza_api::store::users::by_email(&app.state.db, app.organization.id, "ana@example.org")
            .await
            .unwrap();
    assert!(user.is_none(), "no account was created");

    app.execute_sql(if app.is_postgres() {
        "DROP TRIGGER plaza_test_fail ON email_tokens"
    } else {
        "DROP TRIGGER plaza_test_fail"
    })
    .await;
    let retry = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "ana@example.org", "name": "Ana" }),
        )
        .await;
    assert_eq!(retry.status, 202);
    assert_eq!(app.mails().await.len(), 1);
}
