//! Civil-servant roles: only admins grant them, every change is audited.

use crate::proposals::open_process;
use plaza_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn an_admin_grants_roles_and_the_change_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ana = app.participant("ana@example.org").await;
    let path = format!("/api/v1/admin/users/{}/roles", ana.user_id);
    let granted = app
        .patch(
            &path,
            Some(&admin.access_token),
            json!({ "roles": ["moderator", "evaluator"] }),
        )
        .await;
    assert_eq!(granted.status, 200, "{granted:#?}");
    assert_eq!(
        granted.body["roles"],
        json!(["participant", "evaluator", "moderator"])
    );
    assert_eq!(
        app.get(&path, Some(&admin.access_token)).await.body["roles"],
        granted.body["roles"]
    );
    let me = app.get("/api/v1/me", Some(&ana.access_token)).await;
    assert_eq!(
        me.body["roles"],
        json!(["participant", "evaluator", "moderator"]),
        "roles apply at once"
    );

    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    let entries = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    let entry = entries
        .iter()
        .find(|e| e.action == "user.roles.update")
        .expect("an audit entry");
    assert_eq!(entry.actor_id, Some(admin.user_id.uuid()));
    assert_eq!(entry.target_id, ana.user_id.to_string());
    assert_eq!(
        entry.before,
        Some(json!({ "roles": [], "evaluator_of": [] }))
    );
}

#[tokio::test]
async fn participants_and_moderators_cannot_grant_roles() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    app.patch(
        &format!("/api/v1/admin/users/{}/roles", bea.user_id),
        Some(&admin.access_token),
        json!({ "roles": ["moderator"] }),
    )
    .await;
    for who in [&ana, &bea] {
        app.patch(
            &format!("/api/v1/admin/users/{}/roles", ana.user_id),
            Some(&who.access_token),
            json!({ "roles": ["admin"] }),
        )
        .await
        .assert_problem(403, "forbidden");
    }
    app.get(
        &format!("/api/v1/admin/users/{}/roles", uuid::Uuid::new_v4()),
        Some(&admin.access_token),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn the_admin_role_needs_an_admin_grade_password_and_cannot_be_dropped_by_oneself() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.registered("short@example.org", "k3tTl#vi0Lq2").await;
    let short = app.login("short@example.org", "k3tTl#vi0Lq2").await;
    let promote = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", short.user_id),
            Some(&admin.access_token),
            json!({ "roles": ["admin"] }),
        )
        .await;
    promote.assert_problem(422, "validation_failed");
    assert_eq!(
        promote.field_errors(),
        vec![("roles".into(), "admin_password_too_weak".into())]
    );

    let ana = app.participant("ana@example.org").await;
    let promoted = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", ana.user_id),
            Some(&admin.access_token),
            json!({ "roles": ["admin"] }),
        )
        .await;
    assert_eq!(promoted.status, 200, "a 15+ character password qualifies");

    let demote = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", admin.user_id),
            Some(&admin.access_token),
            json!({ "roles": [] }),
        )
        .await;
    assert_eq!(
        demote.field_errors(),
        vec![("roles".into(), "cannot_remove_own_admin".into())]
    );
}

#[tokio::test]
async fn the_last_admin_cannot_delete_their_account_but_one_of_two_can() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.delete("/api/v1/me", Some(&admin.access_token))
        .await
        .assert_problem(409, "last_admin");
    assert_eq!(
        app.get("/api/v1/me", Some(&admin.access_token))
            .await
            .status,
        200,
        "nothing was deleted"
    );
    let ana = app.participant("ana@example.org").await;
    let promoted = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", ana.user_id),
            Some(&admin.access_token),
            json!({ "roles": ["admin"] }),
        )
        .await;
    assert_eq!(promoted.status, 200);
    assert_eq!(
        app.delete("/api/v1/me", Some(&admin.access_token))
            .await
            .status,
        204
    );
    // The deletion of an admin is audited with the roles it dropped.
    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    let entries = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    let entry = entries
        .iter()
        .find(|e| e.action == "user.delete")
        .expect("an audit entry");
    assert_eq!(entry.target_id, admin.user_id.to_string());
    assert_eq!(
        entry.before,
        Some(json!({ "roles": ["admin"], "evaluator_of": [] }))
    );
    // Ana is now the last admin.
    app.delete("/api/v1/me", Some(&ana.access_token))
        .await
        .assert_problem(409, "last_admin");
}

#[tokio::test]
async fn an_admin_names_the_processes_an_account_evaluates_and_the_grant_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let eva = app.participant("eva@example.org").await;
    let path = format!("/api/v1/admin/users/{}/roles", eva.user_id);
    let granted = app
        .patch(
            &path,
            Some(&admin.access_token),
            json!({ "roles": [], "evaluator_of": [slug, slug] }),
        )
        .await;
    assert_eq!(granted.status, 200, "{granted:#?}");
    assert_eq!(granted.body["roles"], json!(["participant"]));
    assert_eq!(granted.body["evaluator_of"], json!([slug]));
    let me = app.get("/api/v1/me", Some(&eva.access_token)).await;
    assert_eq!(me.body["evaluator_of"], json!([slug]));
    assert_eq!(me.body["roles"], json!(["participant"]));

    // Roles sent without `evaluator_of` leave the processes as they are.
    let moderator = app
        .patch(
            &path,
            Some(&admin.access_token),
            json!({ "roles": ["moderator"] }),
        )
        .await;
    assert_eq!(
        moderator.body["evaluator_of"],
        json!([slug]),
        "{moderator:#?}"
    );
    assert_eq!(
        app.get(&path, Some(&admin.access_token)).await.body["evaluator_of"],
        json!([slug])
    );

    // An unknown process names its place in the list; nothing changes.
    let unknown = app
        .patch(
            &path,
            Some(&admin.access_token),
            json!({ "roles": [], "evaluator_of": [slug, "no-such-process"] }),
        )
        .await;
    unknown.assert_problem(422, "validation_failed");
    assert_eq!(
        unknown.field_errors(),
        [("evaluator_of.1".to_string(), "not_found".to_string())]
    );
    let unchanged = app.get(&path, Some(&admin.access_token)).await;
    assert_eq!(unchanged.body["roles"], json!(["participant", "moderator"]));
    assert_eq!(unchanged.body["evaluator_of"], json!([slug]));

    // Only admins grant it.
    let ana = app.participant("ana@example.org").await;
    app.patch(
        &format!("/api/v1/admin/users/{}/roles", ana.user_id),
        Some(&eva.access_token),
        json!({ "roles": [], "evaluator_of": [slug] }),
    )
    .await
    .assert_problem(403, "forbidden");

    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    let entries = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    let changes: Vec<_> = entries
        .iter()
        .filter(|e| e.action == "user.roles.update")
        .map(|e| (e.before.clone(), e.after.clone()))
        .collect();
    assert_eq!(changes.len(), 2, "{changes:#?}");
    assert!(changes.contains(&(
        Some(json!({ "roles": [], "evaluator_of": [] })),
        Some(json!({ "roles": [], "evaluator_of": [slug] })),
    )));

    // A civil servant of one process is still a civil servant: moderators do not block them,
    // and their deletion is audited with what it dropped.
    let dropped = app
        .patch(&path, Some(&admin.access_token), json!({ "roles": [] }))
        .await;
    assert_eq!(dropped.body["evaluator_of"], json!([slug]));
    let bea = app.participant("bea@example.org").await;
    let granted = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", bea.user_id),
            Some(&admin.access_token),
            json!({ "roles": ["moderator"] }),
        )
        .await;
    assert_eq!(granted.status, 200);
    let bea = app
        .login("bea@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    app.post(
        &format!("/api/v1/moderation/users/{}/block", eva.user_id),
        Some(&bea.access_token),
        json!({ "justification": "Comentaris ofensius repetits" }),
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(
        app.delete("/api/v1/me", Some(&eva.access_token))
            .await
            .status,
        204
    );
    let entries = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    let deletion = entries
        .iter()
        .find(|e| e.action == "user.delete")
        .expect("an audit entry");
    assert_eq!(
        deletion.before,
        Some(json!({ "roles": [], "evaluator_of": [slug] }))
    );
    let after = app.get(&path, Some(&admin.access_token)).await;
    after.assert_problem(404, "not_found");
}
