//! Blocking and unblocking participants: sessions end for good, civil servants are out of reach.

use plaza_tests::{GOOD_PASSWORD, Session, TestApp};
use serde_json::json;

const WHY: &str = "Repeated insults in the comments of three proposals";

async fn moderator(app: &TestApp, admin: &Session) -> Session {
    let moderator = app.participant("mod@example.org").await;
    let granted = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", moderator.user_id),
            Some(&admin.access_token),
            json!({ "roles": ["moderator"] }),
        )
        .await;
    assert_eq!(granted.status, 200);
    moderator
}

async fn decide(
    app: &TestApp,
    who: &Session,
    target: uuid::Uuid,
    what: &str,
) -> plaza_tests::Reply {
    app.post(
        &format!("/api/v1/moderation/users/{target}/{what}"),
        Some(&who.access_token),
        json!({ "justification": WHY }),
    )
    .await
}

#[tokio::test]
async fn blocking_ends_every_session_for_good_and_unblocking_lets_the_person_sign_in_again() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let moderator = moderator(&app, &admin).await;
    let ana = app.participant("ana@example.org").await;
    let ana_on_phone = app.login("ana@example.org", GOOD_PASSWORD).await;

    assert_eq!(
        decide(&app, &moderator, ana.user_id.uuid(), "block")
            .await
            .status,
        204
    );
    for session in [&ana, &ana_on_phone] {
        app.get("/api/v1/me", Some(&session.access_token))
            .await
            .assert_problem(401, "unauthenticated");
        app.refresh(&session.refresh_token)
            .await
            .assert_problem(401, "session_ended");
    }
    app.sign_in("ana@example.org", GOOD_PASSWORD)
        .await
        .assert_problem(403, "account_blocked");

    assert_eq!(
        decide(&app, &moderator, ana.user_id.uuid(), "unblock")
            .await
            .status,
        204
    );
    // The sessions that blocking ended stay ended; signing in again works.
    app.get("/api/v1/me", Some(&ana.access_token))
        .await
        .assert_problem(401, "unauthenticated");
    app.refresh(&ana_on_phone.refresh_token)
        .await
        .assert_problem(401, "session_ended");
    app.login("ana@example.org", GOOD_PASSWORD).await;

    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    let entries = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    let block = entries.iter().find(|e| e.action == "user.block").unwrap();
    assert_eq!(block.actor_id, Some(moderator.user_id.uuid()));
    assert_eq!(block.target_id, ana.user_id.to_string());
    assert_eq!(
        block.after,
        Some(json!({ "blocked": true, "justification": WHY }))
    );
    assert!(entries.iter().any(|e| e.action == "user.unblock"));
}

#[tokio::test]
async fn only_moderators_block_and_never_civil_servants_or_themselves() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let moderator = moderator(&app, &admin).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    decide(&app, &bea, ana.user_id.uuid(), "block")
        .await
        .assert_problem(403, "forbidden");
    decide(&app, &moderator, admin.user_id.uuid(), "block")
        .await
        .assert_problem(403, "forbidden");
    decide(&app, &moderator, moderator.user_id.uuid(), "block")
        .await
        .assert_problem(403, "forbidden");
    decide(&app, &moderator, uuid::Uuid::now_v7(), "block")
        .await
        .assert_problem(404, "not_found");
    let terse = app
        .post(
            &format!("/api/v1/moderation/users/{}/block", ana.user_id),
            Some(&moderator.access_token),
            json!({ "justification": "rude" }),
        )
        .await;
    terse.assert_problem(422, "validation_failed");
    assert_eq!(
        terse.field_errors(),
        vec![("justification".into(), "invalid_length".into())]
    );
    // Nothing happened to Ana.
    assert_eq!(
        app.get("/api/v1/me", Some(&ana.access_token)).await.status,
        200
    );
}
