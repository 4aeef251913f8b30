//! Comments (DESIGN §2.3): threads on proposals and debates, to depth 3, soft deletion, votes.

use crate::debates::{debates_process, start};
use crate::proposals::{draft, open_process, process_with, published};
use plaza_tests::{Reply, Session, TestApp};
use serde_json::{Value, json};

async fn comment(app: &TestApp, who: &Session, on: &str, body: Value) -> Reply {
    app.post(&format!("{on}/comments"), Some(&who.access_token), body)
        .await
}

fn id_of(reply: &Reply) -> String {
    reply.body["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a created item: {reply:#?}"))
        .to_string()
}

#[tokio::test]
async fn comments_are_written_only_while_the_phase_opens_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = process_with(
        &app,
        &admin,
        "sense-comentaris",
        json!({ "proposals_creation": true }),
        json!({}),
    )
    .await;
    let ana = app.participant("ana@example.org").await;
    let id = published(&app, &ana, &slug, "Una proposta sense comentaris").await;
    comment(
        &app,
        &ana,
        &format!("/api/v1/proposals/{id}"),
        json!({ "body": "Hola" }),
    )
    .await
    .assert_problem(403, "comments_closed");
    // A draft takes none either, whatever the phase.
    let open = open_process(&app, &admin, json!({})).await;
    let unpublished = draft(&app, &ana, &open, "Un esborrany sense comentaris").await;
    comment(
        &app,
        &ana,
        &format!("/api/v1/proposals/{}", id_of(&unpublished)),
        json!({ "body": "Hola" }),
    )
    .await
    .assert_problem(409, "proposal_state_conflict");
}

#[tokio::test]
async fn threads_go_three_replies_deep_and_read_whole_a_page_of_roots_at_a_time() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = published(&app, &ana, &slug, "Una proposta per conversar").await;
    let on = format!("/api/v1/proposals/{id}");
    let root = comment(
        &app,
        &bea,
        &on,
        json!({ "body": "Molt d'acord!", "alignment": 1 }),
    )
    .await;
    assert_eq!(root.status, 201, "{root:#?}");
    assert_eq!(root.body["depth"], 0);
    assert_eq!(root.body["alignment"], 1);
    let mut parent = id_of(&root);
    for depth in 1..=3 {
        let reply = comment(
            &app,
            &ana,
            &on,
            json!({ "body": format!("Resposta de nivell {depth}"), "parent_id": parent }),
        )
        .await;
        assert_eq!(reply.body["depth"], depth, "{reply:#?}");
        parent = id_of(&reply);
    }
    let too_deep = comment(
        &app,
        &bea,
        &on,
        json!({ "body": "Massa avall", "parent_id": parent }),
    )
    .await;
    too_deep.assert_problem(422, "validation_failed");
    assert_eq!(
        too_deep.field_errors(),
        [("parent_id".to_string(), "too_deep".to_string())]
    );
    for bad in [
        json!({ "body": "   " }),
        json!({ "body": "x".repeat(1_001) }),
        json!({ "body": "Bé", "alignment": 2 }),
    ] {
        comment(&app, &bea, &on, bad)
            .await
            .assert_problem(422, "validation_failed");
    }
    // A second root; a page of one root carries its whole thread.
    comment(&app, &ana, &on, json!({ "body": "Un altre fil" })).await;
    let page = app
        .get(&format!("{on}/comments?sort=oldest&limit=1"), None)
        .await;
    assert_eq!(page.status, 200, "{page:#?}");
    let thread = &page.body["items"][0];
    assert_eq!(thread["comment"]["body"], "Molt d'acord!");
    let depths: Vec<u64> = thread["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|reply| reply["depth"].as_u64().unwrap())
        .collect();
    assert_eq!(depths, [1, 2, 3], "reading order");
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let next = app
        .get(
            &format!("{on}/comments?sort=oldest&limit=1&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(next.body["items"][0]["comment"]["body"], "Un altre fil");
    assert_eq!(next.body["next_cursor"], Value::Null);
    let proposal = app.get(&on, None).await;
    assert_eq!(proposal.body["comments_count"], 5);
}

#[tokio::test]
async fn a_deleted_comment_leaves_a_placeholder_and_is_no_longer_counted() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = published(&app, &ana, &slug, "Una proposta amb un comentari esborrat").await;
    let on = format!("/api/v1/proposals/{id}");
    let root = id_of(&comment(&app, &bea, &on, json!({ "body": "M'ho he repensat" })).await);
    comment(
        &app,
        &ana,
        &on,
        json!({ "body": "Per què?", "parent_id": root }),
    )
    .await;
    let path = format!("/api/v1/comments/{root}");
    app.delete(&path, Some(&ana.access_token))
        .await
        .assert_problem(403, "forbidden");
    let edited = app
        .patch(
            &path,
            Some(&bea.access_token),
            json!({ "body": "M'ho he repensat del tot" }),
        )
        .await;
    assert_eq!(
        edited.body["body"], "M'ho he repensat del tot",
        "{edited:#?}"
    );
    assert!(edited.body["edited_at"].is_string());
    let deleted = app.delete(&path, Some(&bea.access_token)).await;
    assert_eq!(deleted.status, 200, "{deleted:#?}");
    assert_eq!(
        (&deleted.body["body"], &deleted.body["author"]),
        (&Value::Null, &Value::Null)
    );
    assert!(deleted.body["deleted_at"].is_string());
    assert_eq!(
        app.delete(&path, Some(&bea.access_token)).await.status,
        200,
        "again: nothing changes"
    );
    app.patch(&path, Some(&bea.access_token), json!({ "body": "Torno" }))
        .await
        .assert_problem(409, "comment_deleted");
    comment(
        &app,
        &ana,
        &on,
        json!({ "body": "Resposta a un esborrat", "parent_id": root }),
    )
    .await
    .assert_problem(409, "comment_deleted");
    let thread = app.get(&format!("{on}/comments"), None).await;
    let item = &thread.body["items"][0];
    assert_eq!(
        item["comment"]["body"],
        Value::Null,
        "the placeholder stays"
    );
    assert_eq!(
        item["replies"][0]["body"], "Per què?",
        "and its replies under it"
    );
    assert_eq!(app.get(&on, None).await.body["comments_count"], 1);
}

#[tokio::test]
async fn a_vote_is_set_idempotently_replaced_by_the_other_direction_and_removed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = published(&app, &ana, &slug, "Una proposta amb vots als comentaris").await;
    let on = format!("/api/v1/proposals/{id}");
    let first = id_of(&comment(&app, &ana, &on, json!({ "body": "Primer comentari" })).await);
    let second = id_of(&comment(&app, &ana, &on, json!({ "body": "Segon comentari" })).await);
    let vote = |comment: &str, vote: &str| {
        let path = format!("/api/v1/comments/{comment}/votes");
        let token = bea.access_token.clone();
        let body = json!({ "vote": vote });
        let app = &app;
        async move { app.post(&path, Some(&token), body).await }
    };
    let up = vote(&first, "up").await;
    assert_eq!(
        (
            &up.body["up_votes"],
            &up.body["down_votes"],
            &up.body["my_vote"]
        ),
        (&json!(1), &json!(0), &json!("up")),
        "{up:#?}"
    );
    let again = vote(&first, "up").await;
    assert_eq!(again.body["up_votes"], 1, "the same vote changes nothing");
    let down = vote(&first, "down").await;
    assert_eq!(
        (&down.body["up_votes"], &down.body["down_votes"]),
        (&json!(0), &json!(1))
    );
    vote(&second, "up").await;
    let best = app.get(&format!("{on}/comments?sort=best"), None).await;
    let bodies: Vec<&str> = best.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|thread| thread["comment"]["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["Segon comentari", "Primer comentari"]);
    let removed = app
        .delete(
            &format!("/api/v1/comments/{first}/votes"),
            Some(&bea.access_token),
        )
        .await;
    assert_eq!(
        (&removed.body["down_votes"], &removed.body["my_vote"]),
        (&json!(0), &Value::Null)
    );
    vote(&first, "sideways")
        .await
        .assert_problem(400, "invalid_body");
}

#[tokio::test]
async fn a_closed_debate_takes_no_comments() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = debates_process(&app, &admin).await;
    let ana = app.participant("ana@example.org").await;
    let debate = id_of(&start(&app, &ana, &slug, "Un debat que es tancarà aviat").await);
    let on = format!("/api/v1/debates/{debate}");
    let written = comment(&app, &ana, &on, json!({ "body": "Obro el debat" })).await;
    assert_eq!(written.status, 201, "{written:#?}");
    app.post(
        &format!("{on}/close"),
        Some(&ana.access_token),
        json!({ "conclusions": "Tancat per falta de temps." }),
    )
    .await;
    comment(&app, &ana, &on, json!({ "body": "Massa tard" }))
        .await
        .assert_problem(409, "debate_closed");
    let read = app.get(&on, None).await;
    assert_eq!(read.body["comments_count"], 1);
    let thread = app.get(&format!("{on}/comments"), None).await;
    assert_eq!(thread.body["items"][0]["comment"]["body"], "Obro el debat");
    // A reply cannot cross from one item's thread to another's.
    let other = id_of(&start(&app, &ana, &slug, "Un altre debat obert del barri").await);
    let crossed = comment(
        &app,
        &ana,
        &format!("/api/v1/debates/{other}"),
        json!({ "body": "Resposta creuada", "parent_id": written.body["id"] }),
    )
    .await;
    assert_eq!(
        crossed.field_errors(),
        [("parent_id".to_string(), "not_in_thread".to_string())]
    );
}
