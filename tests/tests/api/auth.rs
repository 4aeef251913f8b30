//! Registration, confirmation, sign-in, sign-out and password reset.

use plaza_tests::{GOOD_PASSWORD, TestApp};
use serde_json::json;

fn registration(email: &str, password: &str) -> serde_json::Value {
    json!({ "email": email, "password": password, "name": "Ana Puigdemunt", "nickname": "anap" })
}

#[tokio::test]
async fn a_resident_registers_confirms_and_signs_in() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            registration("ana@example.org", GOOD_PASSWORD),
        )
        .await;
    assert_eq!(reply.status, 202, "{reply:#?}");

    let mail = app.only_mail_to("ana@example.org").await;
    assert!(
        mail.body
            .contains("https://participa.plaza.test/confirm?token="),
        "{mail:#?}"
    );

    let before = app.sign_in("ana@example.org", GOOD_PASSWORD).await;
    before.assert_problem(403, "email_not_confirmed");

    let confirmed = app
        .post(
            "/api/v1/auth/confirm",
            None,
            json!({ "token": mail.token() }),
        )
        .await;
    assert_eq!(confirmed.status, 204, "{confirmed:#?}");

    let login = app.sign_in("ANA@example.org", GOOD_PASSWORD).await;
    assert_eq!(login.status, 200, "{login:#?}");
    assert_eq!(login.body["token_type"], "Bearer");
    assert_eq!(login.body["expires_in"], 900);
    let me = app
        .get("/api/v1/me", login.body["access_token"].as_str())
        .await;
    assert_eq!(
        (me.body["email"].as_str(), me.body["nickname"].as_str()),
        (Some("ana@example.org"), Some("anap"))
    );
    assert_eq!(me.body["roles"], json!(["participant"]));
}

#[tokio::test]
async fn a_confirmation_link_works_once() {
    let app = TestApp::spawn().await;
    app.post(
        "/api/v1/auth/register",
        None,
        registration("ana@example.org", GOOD_PASSWORD),
    )
    .await;
    let token = app.only_mail_to("ana@example.org").await.token();
    assert_eq!(
        app.post("/api/v1/auth/confirm", None, json!({ "token": token }))
            .await
            .status,
        204
    );
    app.post("/api/v1/auth/confirm", None, json!({ "token": token }))
        .await
        .assert_problem(422, "invalid_link");
    app.post("/api/v1/auth/confirm", None, json!({ "token": "made-up" }))
        .await
        .assert_problem(422, "invalid_link");
}

#[tokio::test]
async fn each_password_rule_is_enforced_with_its_own_code() {
    let app = TestApp::spawn().await;
    let cases = [
        ("k3tTl#vi0", "password_too_short"),
        (
            &"violet kettle harbour ".repeat(12) as &str,
            "password_too_long",
        ),
        ("abababababab", "password_too_few_distinct_characters"),
        ("my puigdemunt secret", "password_contains_personal_data"),
        ("zz anap zz kettle", "password_contains_personal_data"),
        ("resident.ana kettle!", "password_contains_personal_data"),
        (
            "kettle plaza harbour",
            "password_contains_organization_host",
        ),
        ("qwertyuiop", "password_too_common"),
        ("Password123", "password_too_common"),
    ];
    for (password, code) in cases {
        let reply = app
            .post("/api/v1/auth/register", None, json!({ "email": "resident.ana@example.org", "password": password, "name": "Ana Puigdemunt", "nickname": "anap" }))
            .await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply
                .field_errors()
                .contains(&("password".to_string(), code.to_string())),
            "{password:?} should fail with {code}: {reply:#?}"
        );
    }
    assert!(
        app.mails().await.is_empty(),
        "refused registrations send nothing"
    );
}

#[tokio::test]
async fn every_field_problem_is_reported_at_once() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "not-an-email", "password": "short", "name": " ", "locale": "fr" }),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    let errors = reply.field_errors();
    for expected in [
        ("email", "invalid_email"),
        ("name", "required"),
        ("locale", "unknown_locale"),
        ("password", "password_too_short"),
    ] {
        assert!(
            errors.contains(&(expected.0.to_string(), expected.1.to_string())),
            "missing {expected:?} in {errors:?}"
        );
    }
}

#[tokio::test]
async fn a_duplicate_email_gets_the_same_answer_and_its_owner_is_told_by_mail() {
    let app = TestApp::spawn().await;
    let first = app.participant("ana@example.org").await;

    let again = app.post("/api/v1/auth/register", None, json!({ "email": "Ana@Example.org", "password": "another violet kettle 7", "name": "Impostor" })).await;
    assert_eq!(again.status, 202);
    let fresh = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "new@example.org", "password": GOOD_PASSWORD, "name": "New" }),
        )
        .await;
    assert_eq!(
        again.body, fresh.body,
        "known and unknown addresses get the same answer"
    );

    let mails = app.mails().await;
    let to_ana: Vec<_> = mails
        .iter()
        .filter(|m| m.to.contains("ana@example.org"))
        .collect();
    assert_eq!(to_ana.len(), 1, "{mails:#?}");
    assert!(
        to_ana[0].body.contains("already have an account")
            || to_ana[0].body.contains("ja tens un compte"),
        "{:?}",
        to_ana[0]
    );

    let impostor = app
        .sign_in("ana@example.org", "another violet kettle 7")
        .await;
    impostor.assert_problem(401, "invalid_credentials");
    let me = app.get("/api/v1/me", Some(&first.access_token)).await;
    assert_eq!(
        me.body["name"], "Resident ana",
        "the existing account is untouched"
    );
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.participant("ana@example.org").await;
    let wrong = app.sign_in("ana@example.org", "not her password 123").await;
    let unknown = app
        .sign_in("nobody@example.org", "not her password 123")
        .await;
    let malformed = app.sign_in("nobody", "x").await;
    for reply in [&wrong, &unknown, &malformed] {
        reply.assert_problem(401, "invalid_credentials");
    }
    assert_eq!(
        (wrong.body["detail"].clone(), wrong.body["title"].clone()),
        (
            unknown.body["detail"].clone(),
            unknown.body["title"].clone()
        )
    );
}

#[tokio::test]
async fn signing_out_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    assert_eq!(
        app.post("/api/v1/auth/logout", Some(&ana.access_token), json!({}))
            .await
            .status,
        204
    );
    app.get("/api/v1/me", Some(&ana.access_token))
        .await
        .assert_problem(401, "unauthenticated");
    app.refresh(&ana.refresh_token)
        .await
        .assert_problem(401, "session_ended");
}

#[tokio::test]
async fn a_password_reset_sets_a_new_password_and_signs_out_everywhere() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;

    let reply = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({ "email": "ana@example.org" }),
        )
        .await;
    assert_eq!(reply.status, 202);
    let unknown = app
        .post(
            "/api/v1/auth/password-reset",
            None,
            json!({ "email": "nobody@example.org" }),
        )
        .await;
    assert_eq!(
        unknown.body, reply.body,
        "the same answer for unknown addresses"
    );
    let mails = app.mails().await;
    assert_eq!(
        mails.len(),
        1,
        "only the known address gets mail: {mails:#?}"
    );
    let token = mails[0].token();

    let weak = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": token, "password": "qwertyuiop" }),
        )
        .await;
    weak.assert_problem(422, "validation_failed");
    let done = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": token, "password": "a brand new kettle 9" }),
        )
        .await;
    assert_eq!(
        done.status, 204,
        "a weak attempt does not spend the link: {done:#?}"
    );
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({ "token": token, "password": "a brand new kettle 9" }),
    )
    .await
    .assert_problem(422, "invalid_link");

    app.get("/api/v1/me", Some(&ana.access_token))
        .await
        .assert_problem(401, "unauthenticated");
    app.sign_in("ana@example.org", GOOD_PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
    app.login("ana@example.org", "a brand new kettle 9").await;
    let changed = app.only_mail_to("ana@example.org").await;
    assert!(
        changed.subject.contains("password") || changed.subject.contains("contrasenya"),
        "{changed:#?}"
    );
}

#[tokio::test]
async fn a_reset_link_expires_after_six_hours() {
    let app = TestApp::spawn().await;
    app.participant("ana@example.org").await;
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({ "email": "ana@example.org" }),
    )
    .await;
    let token = app.only_mail_to("ana@example.org").await.token();
    app.clock.advance(time::Duration::hours(6));
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({ "token": token, "password": "a brand new kettle 9" }),
    )
    .await
    .assert_problem(422, "invalid_link");
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled_for_known_and_unknown_addresses_alike() {
    let app = TestApp::spawn().await;
    app.participant("ana@example.org").await;
    for email in ["ana@example.org", "nobody@example.org"] {
        for _ in 0..5 {
            app.sign_in(email, "guess guess guess")
                .await
                .assert_problem(401, "invalid_credentials");
        }
        let throttled = app.sign_in(email, GOOD_PASSWORD).await;
        throttled.assert_problem(429, "too_many_attempts");
        assert_eq!(throttled.header("retry-after"), Some("60"), "{email}");
    }
    app.clock.advance(time::Duration::seconds(60));
    app.login("ana@example.org", GOOD_PASSWORD).await;
    for _ in 0..5 {
        app.sign_in("ana@example.org", "guess guess guess").await;
    }
    app.sign_in("ana@example.org", GOOD_PASSWORD)
        .await
        .assert_problem(429, "too_many_attempts");
}

#[tokio::test]
async fn someone_who_registers_an_address_first_cannot_keep_a_password_on_it() {
    let app = TestApp::spawn().await;
    let squatter = app.post("/api/v1/auth/register", None, json!({ "email": "ana@example.org", "password": "squatter kettle 123", "name": "Not Ana" })).await;
    assert_eq!(squatter.status, 202);
    let squatters_link = app.only_mail_to("ana@example.org").await.token();

    let ana = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "ana@example.org", "password": GOOD_PASSWORD, "name": "Ana" }),
        )
        .await;
    assert_eq!(ana.status, 202);
    let anas_link = app.only_mail_to("ana@example.org").await.token();

    app.post(
        "/api/v1/auth/confirm",
        None,
        json!({ "token": squatters_link }),
    )
    .await
    .assert_problem(422, "invalid_link");
    assert_eq!(
        app.post("/api/v1/auth/confirm", None, json!({ "token": anas_link }))
            .await
            .status,
        204
    );
    app.sign_in("ana@example.org", "squatter kettle 123")
        .await
        .assert_problem(401, "invalid_credentials");
    app.login("ana@example.org", GOOD_PASSWORD).await;
}

#[tokio::test]
async fn a_taken_nickname_is_refused_whatever_the_address() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    app.patch(
        "/api/v1/me",
        Some(&ana.access_token),
        json!({ "nickname": "veina" }),
    )
    .await;
    for email in ["ana@example.org", "nobody@example.org"] {
        let reply = app.post("/api/v1/auth/register", None, json!({ "email": email, "password": GOOD_PASSWORD, "name": "X", "nickname": "veina" })).await;
        reply.assert_problem(409, "already_taken");
    }
}

#[tokio::test]
async fn nobody_can_flood_a_mailbox_through_plaza() {
    let app = TestApp::spawn().await;
    app.participant("ana@example.org").await;
    for _ in 0..8 {
        let reply = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                json!({ "email": "ana@example.org" }),
            )
            .await;
        assert_eq!(reply.status, 202, "the answer never changes");
    }
    assert_eq!(
        app.mails().await.len(),
        4,
        "five security mails an hour, the confirmation included"
    );
    app.clock.advance(time::Duration::hours(1));
    app.post(
        "/api/v1/auth/password-reset",
        None,
        json!({ "email": "ana@example.org" }),
    )
    .await;
    assert_eq!(app.mails().await.len(), 1);
}
