//! Registration, confirmation, sign-in, sign-out and password reset.

use plaza_tests::{GOOD_PASSWORD, TestApp};
use serde_json::json;

fn registration(email: &str) -> serde_json::Value {
    json!({ "email": email, "name": "Ana Puigdemunt", "nickname": "anap" })
}

#[tokio::test]
async fn a_resident_registers_confirms_and_signs_in() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            registration("ana@example.org"),
        )
        .await;
    assert_eq!(reply.status, 202, "{reply:#?}");

    let mail = app.only_mail_to("ana@example.org").await;
    assert!(
        mail.body
            .contains("https://participa.plaza.test/confirm?token="),
        "{mail:#?}"
    );

    // Before the link is used the account has no password at all.
    let before = app.sign_in("ana@example.org", GOOD_PASSWORD).await;
    before.assert_problem(401, "invalid_credentials");

    let confirmed = app.confirm(&mail.token(), GOOD_PASSWORD).await;
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
        registration("ana@example.org"),
    )
    .await;
    let token = app.only_mail_to("ana@example.org").await.token();
    assert_eq!(app.confirm(&token, GOOD_PASSWORD).await.status, 204);
    app.confirm(&token, "another violet kettle 8")
        .await
        .assert_problem(422, "invalid_link");
    app.confirm("made-up", GOOD_PASSWORD)
        .await
        .assert_problem(422, "invalid_link");
    // The second use changed nothing.
    app.login("ana@example.org", GOOD_PASSWORD).await;
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
    app.post(
        "/api/v1/auth/register",
        None,
        registration("resident.ana@example.org"),
    )
    .await;
    let token = app.only_mail_to("resident.ana@example.org").await.token();
    for (password, code) in cases {
        let reply = app.confirm(&token, password).await;
        reply.assert_problem(422, "validation_failed");
        assert!(
            reply
                .field_errors()
                .contains(&("password".to_string(), code.to_string())),
            "{password:?} should fail with {code}: {reply:#?}"
        );
    }
    // A refused password leaves the link unused.
    assert_eq!(app.confirm(&token, GOOD_PASSWORD).await.status, 204);
}

#[tokio::test]
async fn every_field_problem_is_reported_at_once() {
    let app = TestApp::spawn().await;
    let reply = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "not-an-email", "name": " ", "locale": "fr", "nickname": "x" }),
        )
        .await;
    reply.assert_problem(422, "validation_failed");
    let errors = reply.field_errors();
    assert_eq!(errors.len(), 4, "{errors:?}");
    for expected in [
        ("email", "invalid_email"),
        ("name", "required"),
        ("locale", "unknown_locale"),
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

    let again = app.register("Ana@Example.org", "Impostor").await;
    assert_eq!(again.status, 202);
    let fresh = app.register("new@example.org", "New").await;
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
async fn only_the_mailbox_owner_sets_the_password_and_their_own_details() {
    let app = TestApp::spawn().await;
    // Someone registers Ana's address first, with details of their own.
    let squatter = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "ana@example.org", "name": "Not Ana", "nickname": "squatter" }),
        )
        .await;
    assert_eq!(squatter.status, 202);
    let squatters_link = app.only_mail_to("ana@example.org").await.token();
    // Ana registers too, with her own nickname; she is not refused for it.
    let ana = app
        .post(
            "/api/v1/auth/register",
            None,
            json!({ "email": "ana@example.org", "name": "Ana", "nickname": "anap", "locale": "es" }),
        )
        .await;
    assert_eq!(ana.status, 202, "{ana:#?}");
    let anas_mail = app.only_mail_to("ana@example.org").await;
    // The squatter never sees a link; the older one is void anyway.
    app.confirm(&squatters_link, "squatter kettle 123")
        .await
        .assert_problem(422, "invalid_link");
    // Ana's link sets Ana's password and Ana's details.
    let anas_password = "k3tTl#vi0Lq2";
    assert_eq!(
        app.confirm(&anas_mail.token(), anas_password).await.status,
        204
    );
    let session = app.login("ana@example.org", anas_password).await;
    let me = app.get("/api/v1/me", Some(&session.access_token)).await;
    assert_eq!(
        (&me.body["name"], &me.body["nickname"], &me.body["locale"]),
        (&json!("Ana"), &json!("anap"), &json!("es")),
        "{me:#?}"
    );
    // A 12-character password is not admin grade; a 15+ one chosen at confirmation is.
    let account =
        plaza_api::store::users::by_id(&app.state.db, app.organization.id, session.user_id)
            .await
            .unwrap()
            .unwrap();
    assert!(!account.admin_grade_password);
    app.register("bea@example.org", "Bea").await;
    let token = app.only_mail_to("bea@example.org").await.token();
    app.confirm(&token, "a long sturdy violet kettle 15").await;
    let bea = app
        .login("bea@example.org", "a long sturdy violet kettle 15")
        .await;
    let account = plaza_api::store::users::by_id(&app.state.db, app.organization.id, bea.user_id)
        .await
        .unwrap()
        .unwrap();
    assert!(account.admin_grade_password);
}

#[tokio::test]
async fn a_nickname_taken_before_confirmation_leaves_the_link_usable() {
    let app = TestApp::spawn().await;
    app.post(
        "/api/v1/auth/register",
        None,
        json!({ "email": "ana@example.org", "name": "Ana", "nickname": "veina" }),
    )
    .await;
    let anas_link = app.only_mail_to("ana@example.org").await.token();
    // Bea registers the same nickname and confirms first.
    app.post(
        "/api/v1/auth/register",
        None,
        json!({ "email": "bea@example.org", "name": "Bea", "nickname": "veina" }),
    )
    .await;
    let beas_link = app.only_mail_to("bea@example.org").await.token();
    assert_eq!(app.confirm(&beas_link, GOOD_PASSWORD).await.status, 204);
    app.confirm(&anas_link, GOOD_PASSWORD)
        .await
        .assert_problem(409, "already_taken");
    // Nothing was spent: re-registering without the nickname mails a link that works.
    app.register("ana@example.org", "Ana").await;
    let again = app.only_mail_to("ana@example.org").await.token();
    assert_eq!(app.confirm(&again, GOOD_PASSWORD).await.status, 204);
}

#[tokio::test]
async fn a_password_change_voids_every_outstanding_reset_link() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let ask_reset = || {
        app.post(
            "/api/v1/auth/password-reset",
            None,
            json!({ "email": "ana@example.org" }),
        )
    };
    // A link from a reset request, then one from an "already registered" mail, which voids it.
    ask_reset().await;
    let first = app.only_mail_to("ana@example.org").await.token();
    app.register("ana@example.org", "Ana").await;
    let second = app.only_mail_to("ana@example.org").await.token();
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({ "token": first, "password": "an older violet link 1" }),
    )
    .await
    .assert_problem(422, "invalid_link");
    // Ana changes her password in her profile: the outstanding link dies with the old password.
    let changed = app
        .patch(
            "/api/v1/me",
            Some(&ana.access_token),
            json!({ "current_password": GOOD_PASSWORD, "new_password": "a changed violet kettle 2" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:#?}");
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({ "token": second, "password": "someone else's kettle 3" }),
    )
    .await
    .assert_problem(422, "invalid_link");
    // A completed reset spends every other reset link too.
    app.mails().await;
    ask_reset().await;
    let third = app.only_mail_to("ana@example.org").await.token();
    ask_reset().await;
    let fourth = app.only_mail_to("ana@example.org").await.token();
    assert_eq!(
        app.post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": fourth, "password": "the newest violet kettle 4" }),
        )
        .await
        .status,
        204
    );
    app.post(
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({ "token": third, "password": "a stale violet kettle 5" }),
    )
    .await
    .assert_problem(422, "invalid_link");
}

#[tokio::test]
async fn a_request_over_the_mail_quota_keeps_the_links_already_mailed() {
    let app = TestApp::spawn().await;
    app.participant("ana@example.org").await;
    let ask_reset = || {
        app.post(
            "/api/v1/auth/password-reset",
            None,
            json!({ "email": "ana@example.org" }),
        )
    };
    // The confirmation and four resets use the hourly quota of five.
    let mut last = String::new();
    for _ in 0..4 {
        ask_reset().await;
        last = app.only_mail_to("ana@example.org").await.token();
    }
    // Over the quota: nothing is sent, and the last link mailed still works.
    for _ in 0..3 {
        ask_reset().await;
    }
    assert!(app.mails().await.is_empty());
    let reply = app
        .post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": last, "password": "a brand new kettle 9" }),
        )
        .await;
    assert_eq!(reply.status, 204, "{reply:#?}");
}

#[tokio::test]
async fn spent_and_voided_links_keep_no_personal_data() {
    let app = TestApp::spawn().await;
    app.register("ana@example.org", "Ana Secret-Name").await;
    app.only_mail_to("ana@example.org").await;
    app.register("ana@example.org", "Ana Secret-Name").await;
    let token = app.only_mail_to("ana@example.org").await.token();
    assert_eq!(app.confirm(&token, GOOD_PASSWORD).await.status, 204);
    use plaza_api::store::entities::email_tokens;
    use sea_orm::EntityTrait;
    let links = email_tokens::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(links.len(), 2);
    assert!(
        links
            .iter()
            .all(|link| link.used_at.is_some() && link.registration.is_none()),
        "{links:#?}"
    );
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
        let reply = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({ "email": email, "name": "X", "nickname": "veina" }),
            )
            .await;
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
