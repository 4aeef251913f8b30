//! Evaluators' answers to proposals, and the notice their author gets (DESIGN §2.2, §2.6).

use crate::proposals::{open_process, process_with, published};
use plaza_tests::{Session, TestApp};
use serde_json::{Value, json};

async fn evaluator(app: &TestApp, admin: &Session, email: &str) -> Session {
    let who = app.participant(email).await;
    let granted = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", who.user_id),
            Some(&admin.access_token),
            json!({ "roles": ["evaluator"] }),
        )
        .await;
    assert_eq!(granted.status, 200, "{granted:#?}");
    who
}

async fn answer(app: &TestApp, who: &Session, id: &str, body: Value) -> plaza_tests::Reply {
    app.post(
        &format!("/api/v1/proposals/{id}/answer"),
        Some(&who.access_token),
        body,
    )
    .await
}

async fn notifications(app: &TestApp, who: &Session) -> Vec<Value> {
    let reply = app
        .get("/api/v1/me/notifications", Some(&who.access_token))
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    reply.body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_evaluator_accepts_with_a_cost_and_the_author_is_told() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({ "answers_with_costs": true })).await;
    let ana = app.participant("ana@example.org").await;
    let eva = evaluator(&app, &admin, "eva@example.org").await;
    let id = published(&app, &ana, &slug, "Un parc per a gossos al barri").await;
    // Only evaluators (and admins) answer.
    answer(
        &app,
        &ana,
        &id,
        json!({ "state": "accepted", "cost": 1_000 }),
    )
    .await
    .assert_problem(403, "forbidden");
    let without_cost = answer(&app, &eva, &id, json!({ "state": "accepted" })).await;
    without_cost.assert_problem(422, "validation_failed");
    assert_eq!(
        without_cost.field_errors(),
        [("cost".to_string(), "required".to_string())]
    );
    let accepted = answer(
        &app,
        &eva,
        &id,
        json!({ "state": "accepted", "cost": 2_500_000, "answer": { "ca": "Es farà el 2027." } }),
    )
    .await;
    assert_eq!(accepted.status, 200, "{accepted:#?}");
    assert_eq!(accepted.body["state"], "accepted");
    assert_eq!(accepted.body["answer"]["cost"], 2_500_000);
    let public = app.get(&format!("/api/v1/proposals/{id}"), None).await;
    assert_eq!(public.body["answer"]["answer"], Value::Null);
    assert_eq!(public.body["answer"]["text"]["ca"], "Es farà el 2027.");
    let told = notifications(&app, &ana).await;
    assert_eq!(told.len(), 1, "{told:#?}");
    assert_eq!(told[0]["kind"], "proposal_answered");
    assert_eq!(told[0]["subject_id"], json!(id));
    assert_eq!(told[0]["data"]["state"], "accepted");
    assert!(notifications(&app, &eva).await.is_empty());
    // The audit log holds it, with who answered.
    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    let entries = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    let entry = entries
        .iter()
        .find(|entry| entry.action == "proposal.answer")
        .expect("the answer is audited");
    assert_eq!(entry.actor_id, Some(eva.user_id.uuid()));
    assert_eq!(entry.target_id, id);
}

#[tokio::test]
async fn a_rejection_needs_a_reason() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let eva = evaluator(&app, &admin, "eva@example.org").await;
    let id = published(&app, &ana, &slug, "Una pista de patinatge").await;
    let bare = answer(&app, &eva, &id, json!({ "state": "rejected" })).await;
    assert_eq!(
        bare.field_errors(),
        [("answer".to_string(), "required".to_string())]
    );
    let negative = answer(
        &app,
        &eva,
        &id,
        json!({ "state": "evaluating", "cost": -1 }),
    )
    .await;
    assert_eq!(
        negative.field_errors(),
        [("cost".to_string(), "out_of_range".to_string())]
    );
    let rejected = answer(
        &app,
        &eva,
        &id,
        json!({ "state": "rejected", "answer": { "ca": "No és competència municipal.", "fr": "Non." } }),
    )
    .await;
    assert_eq!(
        rejected.field_errors(),
        [("answer.fr".to_string(), "unknown_locale".to_string())]
    );
    let rejected = answer(
        &app,
        &eva,
        &id,
        json!({ "state": "rejected", "answer": { "ca": "No és competència municipal." } }),
    )
    .await;
    assert_eq!(rejected.body["state"], "rejected", "{rejected:#?}");
}

#[tokio::test]
async fn a_private_answer_is_seen_by_evaluators_until_published() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(
        &app,
        &admin,
        json!({ "publish_answers_immediately": false }),
    )
    .await;
    let ana = app.participant("ana@example.org").await;
    let eva = evaluator(&app, &admin, "eva@example.org").await;
    let id = published(&app, &ana, &slug, "Més papereres al passeig").await;
    let private = answer(&app, &eva, &id, json!({ "state": "evaluating" })).await;
    assert_eq!(private.status, 200, "{private:#?}");
    assert_eq!(private.body["state"], "published", "the public state stays");
    assert_eq!(private.body["answer"]["state"], "evaluating");
    assert_eq!(private.body["answer"]["published_at"], Value::Null);
    let as_author = app
        .get(&format!("/api/v1/proposals/{id}"), Some(&ana.access_token))
        .await;
    assert_eq!(as_author.body["answer"], Value::Null);
    assert!(notifications(&app, &ana).await.is_empty());
    let publish = |who: &Session| {
        let path = format!("/api/v1/proposals/{id}/answer/publish");
        let token = who.access_token.clone();
        let app = &app;
        async move { app.post(&path, Some(&token), json!({})).await }
    };
    publish(&ana).await.assert_problem(403, "forbidden");
    let published_answer = publish(&eva).await;
    assert_eq!(
        published_answer.body["state"], "evaluating",
        "{published_answer:#?}"
    );
    publish(&eva)
        .await
        .assert_problem(409, "answer_already_published");
    let public = app.get(&format!("/api/v1/proposals/{id}"), None).await;
    assert_eq!(public.body["answer"]["state"], "evaluating");
    assert_eq!(notifications(&app, &ana).await.len(), 1);
    // A proposal nobody answered has nothing to publish.
    let other = published(&app, &ana, &slug, "Una altra proposta sense resposta").await;
    app.post(
        &format!("/api/v1/proposals/{other}/answer/publish"),
        Some(&eva.access_token),
        json!({}),
    )
    .await
    .assert_problem(409, "not_answered");
}

#[tokio::test]
async fn an_evaluator_of_one_process_answers_there_and_nowhere_else() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let private = json!({ "publish_answers_immediately": false });
    let features = json!({ "proposals_creation": true, "supports": true });
    let theirs = process_with(
        &app,
        &admin,
        "barris-2027",
        features.clone(),
        private.clone(),
    )
    .await;
    let other = process_with(&app, &admin, "ciutat-2027", features, private).await;
    let ana = app.participant("ana@example.org").await;
    let eva = app.participant("eva@example.org").await;
    let granted = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", eva.user_id),
            Some(&admin.access_token),
            json!({ "roles": [], "evaluator_of": [theirs] }),
        )
        .await;
    assert_eq!(granted.status, 200, "{granted:#?}");
    let here = published(&app, &ana, &theirs, "Un parc per a gossos al barri").await;
    let there = published(&app, &ana, &other, "Més fonts a les places de la ciutat").await;

    // The lists tell the frontend where the evaluator may answer.
    let read = |id: String| {
        let path = format!("/api/v1/proposals/{id}");
        let token = eva.access_token.clone();
        let app = &app;
        async move { app.get(&path, Some(&token)).await }
    };
    assert_eq!(read(here.clone()).await.body["can_answer"], true);
    assert_eq!(read(there.clone()).await.body["can_answer"], false);
    let as_author = app
        .get(
            &format!("/api/v1/proposals/{here}"),
            Some(&ana.access_token),
        )
        .await;
    assert_eq!(as_author.body["can_answer"], false);

    let answered = answer(&app, &eva, &here, json!({ "state": "evaluating" })).await;
    assert_eq!(answered.status, 200, "{answered:#?}");
    answer(&app, &eva, &there, json!({ "state": "evaluating" }))
        .await
        .assert_problem(403, "forbidden");
    // An organization-wide evaluator answers in any process; the private answer of the other
    // process stays out of reach of the evaluator of the first.
    let org_wide = evaluator(&app, &admin, "oriol@example.org").await;
    let elsewhere = answer(&app, &org_wide, &there, json!({ "state": "evaluating" })).await;
    assert_eq!(elsewhere.status, 200, "{elsewhere:#?}");
    assert_eq!(read(there.clone()).await.body["answer"], Value::Null);
    assert_eq!(
        read(here.clone()).await.body["answer"]["state"],
        "evaluating"
    );
    let listed = app
        .get(
            &format!("/api/v1/processes/{theirs}/proposals"),
            Some(&eva.access_token),
        )
        .await;
    assert_eq!(listed.body["items"][0]["answer"]["state"], "evaluating");
    let publish = |id: String| {
        let path = format!("/api/v1/proposals/{id}/answer/publish");
        let token = eva.access_token.clone();
        let app = &app;
        async move { app.post(&path, Some(&token), json!({})).await }
    };
    publish(there.clone())
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(publish(here.clone()).await.status, 200);

    // Taking the grant away ends it at once.
    let revoked = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", eva.user_id),
            Some(&admin.access_token),
            json!({ "roles": [], "evaluator_of": [] }),
        )
        .await;
    assert_eq!(revoked.status, 200, "{revoked:#?}");
    answer(
        &app,
        &eva,
        &here,
        json!({ "state": "rejected", "answer": { "ca": "No." } }),
    )
    .await
    .assert_problem(403, "forbidden");
    assert_eq!(read(here).await.body["can_answer"], false);
}

#[tokio::test]
async fn notifications_are_listed_newest_first_a_page_at_a_time() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let eva = evaluator(&app, &admin, "eva@example.org").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let id = published(&app, &ana, &slug, &format!("Proposta a respondre {n}")).await;
        answer(&app, &eva, &id, json!({ "state": "evaluating" })).await;
        ids.push(id);
    }
    let first = app
        .get("/api/v1/me/notifications?limit=2", Some(&ana.access_token))
        .await;
    let subjects: Vec<&Value> = first.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| &item["subject_id"])
        .collect();
    assert_eq!(subjects, [&json!(ids[2]), &json!(ids[1])]);
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &format!("/api/v1/me/notifications?limit=2&cursor={cursor}"),
            Some(&ana.access_token),
        )
        .await;
    assert_eq!(second.body["items"][0]["subject_id"], json!(ids[0]));
    assert_eq!(second.body["next_cursor"], Value::Null);
    app.get("/api/v1/me/notifications", None)
        .await
        .assert_problem(401, "unauthenticated");
}
