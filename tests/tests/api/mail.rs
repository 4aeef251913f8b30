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
    // The failure comes from a write made during the use case (the link's token), then from the
    // writes sent together at its commit (the queued mail itself): either way nothing stays.
    for failing in ["email_tokens", "outbox"] {
        let app = TestApp::spawn().await;
        if app.is_postgres() {
            app.execute_sql("CREATE FUNCTION plaza_test_fail() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql").await;
            app.execute_sql(&format!("CREATE TRIGGER plaza_test_fail BEFORE INSERT ON {failing} FOR EACH ROW EXECUTE FUNCTION plaza_test_fail()")).await;
        } else {
            app.execute_sql(&format!("CREATE TRIGGER plaza_test_fail BEFORE INSERT ON {failing} BEGIN SELECT RAISE(ABORT, 'injected failure'); END")).await;
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
            "failing at {failing}: the queued mail rolled back with the rest"
        );
        assert!(
            app.mails().await.is_empty(),
            "failing at {failing}: no mail was sent"
        );
        let user = plaza_api::store::users::by_email(
            &app.state.db,
            app.organization.id,
            "ana@example.org",
        )
        .await
        .unwrap();
        assert!(
            user.is_none(),
            "failing at {failing}: no account was created"
        );

        app.execute_sql(&if app.is_postgres() {
            format!("DROP TRIGGER plaza_test_fail ON {failing}")
        } else {
            "DROP TRIGGER plaza_test_fail".to_string()
        })
        .await;
        register(&app, "ana@example.org").await;
        assert_eq!(app.mails().await.len(), 1);
    }
}

async fn register(app: &TestApp, email: &str) {
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": email, "name": "Resident" }),
        )
        .await;
    assert_eq!(reply.status, 202, "{reply:#?}");
}

/// Retries until the job fails its last attempt: two hours between passes outlast any backoff.
async fn retry_until_dead(app: &TestApp) {
    for _ in 1..plaza_api::jobs::MAX_ATTEMPTS {
        app.clock.advance(time::Duration::hours(2));
        app.run_outbox().await;
    }
}

#[tokio::test]
async fn a_residents_mail_waits_for_an_earlier_one_being_retried_and_others_do_not() {
    let app = TestApp::spawn().await;
    register(&app, "ana@example.org").await;
    // Ana's first mail cannot be run (as if its content were unreadable): it is retried.
    app.execute_sql(
        "UPDATE outbox SET payload = '{\"kind\":\"nonsense\"}' WHERE id = (SELECT id FROM outbox ORDER BY id LIMIT 1)",
    )
    .await;
    register(&app, "bea@example.org").await;
    register(&app, "ana@example.org").await;

    let sent: Vec<String> = app.mails().await.into_iter().map(|m| m.to).collect();
    assert_eq!(
        sent,
        ["bea@example.org"],
        "Bea's mail is not held up; Ana's second waits for her first"
    );
    for _ in 0..3 {
        app.clock.advance(time::Duration::hours(2));
        assert!(app.mails().await.is_empty(), "still in order");
    }
    retry_until_dead(&app).await;
    let sent: Vec<String> = app.mails().await.into_iter().map(|m| m.to).collect();
    assert_eq!(
        sent,
        ["ana@example.org"],
        "once the first is set aside, the second goes"
    );
}

#[tokio::test]
async fn a_mail_that_never_goes_out_is_set_aside_and_shown_to_admins() {
    // A port nothing listens on: every attempt fails.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = TestApp::spawn_with(Options {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Options::default()
    })
    .await;
    app.admin().await;
    register(&app, "ana@example.org").await;
    register(&app, "bea@example.org").await;
    app.run_outbox().await;
    retry_until_dead(&app).await;
    assert!(
        plaza_api::store::outbox::pending(&app.state.db)
            .await
            .unwrap()
            .is_empty(),
        "nothing is retried forever"
    );
    // A day has passed: the admin signs in again.
    let admin = app
        .login("admin@plaza.test", "sturdy violet kettle harbour 42")
        .await;

    let listed = app
        .get(
            "/api/v1/admin/jobs/dead?limit=100",
            Some(&admin.access_token),
        )
        .await;
    assert_eq!(listed.status, 200, "{listed:#?}");
    let items = listed.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        assert_eq!(item["kind"], "account_mail");
        assert_eq!(item["attempts"], plaza_api::jobs::MAX_ATTEMPTS);
        assert!(item["last_error"].as_str().is_some_and(|e| !e.is_empty()));
    }
    let dead = items.len();
    assert_eq!(dead, 2, "Ana's and Bea's confirmation mails");

    let metrics = app.get("/metrics", None).await;
    let text = metrics.body.as_str().unwrap_or_default();
    assert!(
        text.contains(&format!("plaza_outbox_jobs{{state=\"dead\"}} {dead}")),
        "{text}"
    );
    assert!(
        text.contains("plaza_outbox_jobs{state=\"waiting\"} 0"),
        "{text}"
    );
}

#[tokio::test]
async fn only_admins_list_the_jobs_that_failed_for_good() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ana = app.participant("ana@example.org").await;
    app.get("/api/v1/admin/jobs/dead", Some(&ana.access_token))
        .await
        .assert_problem(403, "forbidden");
    let none = app
        .get("/api/v1/admin/jobs/dead", Some(&admin.access_token))
        .await;
    assert_eq!(none.status, 200, "{none:#?}");
    assert_eq!(none.body["items"], json!([]));
    assert_eq!(none.body["next_cursor"], serde_json::Value::Null);
}

#[tokio::test]
async fn a_claim_takes_one_job_with_a_lease_of_its_own() {
    let app = TestApp::spawn().await;
    register(&app, "ana@example.org").await;
    register(&app, "bea@example.org").await;
    let lease = time::Duration::minutes(5);
    let now = plaza_tests::START;
    let claim = || async {
        plaza_api::store::outbox::claim(&app.state.db, now, lease)
            .await
            .unwrap()
    };
    let first = claim().await.expect("a due job");
    let second = claim().await.expect("another due job");
    assert_ne!(first.id, second.id, "a leased job is not claimed again");
    assert!(claim().await.is_none(), "two jobs, two claims");
    // A worker that died mid-job releases it when its own lease ends.
    let later = plaza_api::store::outbox::claim(&app.state.db, now + lease, lease)
        .await
        .unwrap()
        .expect("the first job again, after its lease");
    assert_eq!((later.id, later.attempts), (first.id, 2));
}

#[tokio::test]
async fn a_mail_is_written_from_the_account_as_it_is_when_it_goes_out() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let changed = app
        .patch(
            "/api/v1/me",
            Some(&ana.access_token),
            json!({ "current_password": GOOD_PASSWORD, "new_password": "a changed violet kettle 2" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:#?}");
    // The "password changed" mail waits in the outbox while Ana switches to Spanish.
    let switched = app
        .patch(
            "/api/v1/me",
            Some(&ana.access_token),
            json!({ "locale": "es" }),
        )
        .await;
    assert_eq!(switched.status, 200, "{switched:#?}");
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert!(
        mails[0].subject.starts_with("Tu contrase"),
        "written in the language Ana has when it goes out: {:?}",
        mails[0].subject
    );
    // What the outbox kept of it: the kind and the key that orders Ana's mail, no address.
    let kept = app.outbox_rows().await;
    let row = kept.last().expect("the sent job is kept, erased");
    assert_eq!(row.topic, "account_mail");
    assert_eq!(row.payload, json!({ "redacted": true }));
}
