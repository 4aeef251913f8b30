//! The participant's own account.

use plaza_tests::{GOOD_PASSWORD, TestApp};
use serde_json::json;

#[tokio::test]
async fn a_participant_changes_their_profile() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let reply = app.patch("/api/v1/me", Some(&ana.access_token), json!({ "name": "Ana P.", "nickname": "Ana_P", "locale": "es", "notification_mail": "daily" })).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(
        (
            &reply.body["name"],
            &reply.body["nickname"],
            &reply.body["locale"],
            &reply.body["notification_mail"]
        ),
        (
            &json!("Ana P."),
            &json!("ana_p"),
            &json!("es"),
            &json!("daily")
        )
    );
    let bad = app
        .patch(
            "/api/v1/me",
            Some(&ana.access_token),
            json!({ "locale": "fr", "nickname": "a b" }),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
    assert_eq!(
        bad.field_errors(),
        vec![
            ("nickname".into(), "invalid_characters".into()),
            ("locale".into(), "unknown_locale".into())
        ]
    );
}

#[tokio::test]
async fn a_nickname_belongs_to_one_participant() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    assert_eq!(
        app.patch(
            "/api/v1/me",
            Some(&ana.access_token),
            json!({ "nickname": "veina" })
        )
        .await
        .status,
        200
    );
    let taken = app
        .patch(
            "/api/v1/me",
            Some(&bea.access_token),
            json!({ "nickname": "VEINA" }),
        )
        .await;
    taken.assert_problem(409, "already_taken");
    assert_eq!(
        taken.field_errors(),
        vec![("nickname".into(), "already_taken".into())]
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_sessions() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let phone = app.login("ana@example.org", GOOD_PASSWORD).await;

    let missing = app
        .patch(
            "/api/v1/me",
            Some(&ana.access_token),
            json!({ "new_password": "a brand new kettle 9" }),
        )
        .await;
    assert_eq!(
        missing.field_errors(),
        vec![("current_password".into(), "required".into())]
    );
    let wrong = app
        .patch(
            "/api/v1/me",
            Some(&ana.access_token),
            json!({ "new_password": "a brand new kettle 9", "current_password": "nope nope nope" }),
        )
        .await;
    assert_eq!(
        wrong.field_errors(),
        vec![("current_password".into(), "wrong_password".into())]
    );

    let done = app
        .patch(
            "/api/v1/me",
            Some(&ana.access_token),
            json!({ "new_password": "a brand new kettle 9", "current_password": GOOD_PASSWORD }),
        )
        .await;
    assert_eq!(done.status, 200, "{done:#?}");
    assert_eq!(
        app.get("/api/v1/me", Some(&ana.access_token)).await.status,
        200,
        "the session that changed it stays"
    );
    app.get("/api/v1/me", Some(&phone.access_token))
        .await
        .assert_problem(401, "unauthenticated");
    app.login("ana@example.org", "a brand new kettle 9").await;
    assert_eq!(
        app.only_mail_to("ana@example.org").await.to,
        "ana@example.org"
    );
}

#[tokio::test]
async fn deleting_an_account_erases_the_person_and_frees_the_address() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    assert_eq!(
        app.delete("/api/v1/me", Some(&ana.access_token))
            .await
            .status,
        204
    );

    app.get("/api/v1/me", Some(&ana.access_token))
        .await
        .assert_problem(401, "unauthenticated");
    app.sign_in("ana@example.org", GOOD_PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");

    use plaza_api::store::users;
    let row = users::by_id(&app.state.db, app.organization.id, ana.user_id)
        .await
        .unwrap()
        .expect("the row stays");
    assert!(row.deleted_at.is_some());
    assert!(row.name.is_none() && row.nickname.is_none() && row.password_hash.is_none());
    assert!(
        !row.email.contains("ana"),
        "the address is erased: {}",
        row.email
    );

    let again = app.participant("ana@example.org").await;
    assert_ne!(
        again.user_id, ana.user_id,
        "the address can open a new account"
    );
}

#[tokio::test]
async fn deleting_an_account_keeps_other_organizations_mail_to_the_same_address() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    app.other_organization().await;
    // Ana also registers with the other town; its confirmation mail waits in the outbox.
    let elsewhere = app
        .call_with_headers(
            poem::http::Method::POST,
            "/api/v1/auth/register",
            &[("host", "other.test")],
            Some(json!({ "email": "ana@example.org", "name": "Ana" })),
        )
        .await;
    assert_eq!(elsewhere.status, 202);
    assert_eq!(
        app.delete("/api/v1/me", Some(&ana.access_token))
            .await
            .status,
        204
    );
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert!(mails[0].to.contains("ana@example.org") && mails[0].body.contains("confirm"));
}

#[tokio::test]
async fn guesses_of_the_current_password_are_throttled_like_sign_ins() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let change = |current: &str| {
        app.patch(
            "/api/v1/me",
            Some(&ana.access_token),
            json!({ "current_password": current, "new_password": "a changed violet kettle 2" }),
        )
    };
    for _ in 0..5 {
        let reply = change("a wrong guess 123").await;
        assert_eq!(
            reply.field_errors(),
            vec![("current_password".into(), "wrong_password".into())]
        );
    }
    change(GOOD_PASSWORD)
        .await
        .assert_problem(429, "too_many_attempts");
    // The throttle is the sign-in throttle of the address.
    app.sign_in("ana@example.org", GOOD_PASSWORD)
        .await
        .assert_problem(429, "too_many_attempts");
    app.clock.advance(time::Duration::seconds(60));
    assert_eq!(change(GOOD_PASSWORD).await.status, 200);
}
