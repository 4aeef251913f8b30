//! Proposals and supports (DESIGN §2.2): each test is one rule, seen through the API.

use plaza_tests::{GOOD_PASSWORD, HOST, Reply, Session, TestApp};
use poem::http::Method;
use serde_json::{Value, json};

/// A process whose one phase (November and December 2026, around the test clock) opens proposal
/// creation, supports and comments, with `settings` over the defaults; its slug.
pub async fn open_process(app: &TestApp, admin: &Session, settings: Value) -> String {
    process_with(
        app,
        admin,
        "barris-2027",
        json!({ "proposals_creation": true, "supports": true, "comments": true }),
        settings,
    )
    .await
}

pub async fn process_with(
    app: &TestApp,
    admin: &Session,
    slug: &str,
    features: Value,
    settings: Value,
) -> String {
    let created = app
        .post(
            "/api/v1/processes",
            Some(&admin.access_token),
            json!({
                "slug": slug,
                "title": { "ca": "Pressupostos dels barris 2027" },
                "phases": [{
                    "title": { "ca": "Propostes" },
                    "starts_at": "2026-11-01T00:00:00+01:00",
                    "ends_at": "2027-01-01T00:00:00+01:00",
                    "features": features,
                }],
                "proposal_settings": settings,
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
    slug.to_string()
}

/// Creates a draft in the process `slug`.
pub async fn draft(app: &TestApp, who: &Session, slug: &str, title: &str) -> Reply {
    app.post(
        &format!("/api/v1/processes/{slug}/proposals"),
        Some(&who.access_token),
        json!({ "title": title, "body": "Un banc i una font a la plaça, per a tothom." }),
    )
    .await
}

/// Creates and publishes a proposal; its id.
pub async fn published(app: &TestApp, who: &Session, slug: &str, title: &str) -> String {
    let created = draft(app, who, slug, title).await;
    assert_eq!(created.status, 201, "{created:#?}");
    let id = created.body["id"].as_str().unwrap().to_string();
    let publish = app
        .post(
            &format!("/api/v1/proposals/{id}/publish"),
            Some(&who.access_token),
            json!({}),
        )
        .await;
    assert_eq!(publish.status, 200, "{publish:#?}");
    id
}

pub async fn support(app: &TestApp, who: &Session, id: &str) -> Reply {
    app.post(
        &format!("/api/v1/proposals/{id}/supports"),
        Some(&who.access_token),
        json!({}),
    )
    .await
}

/// Supports need no residency in these tests unless they say so.
fn open_to_all(mut settings: Value) -> Value {
    settings["supports_require_residency"] = json!(false);
    settings
}

async fn counts(app: &TestApp, ids: &[String]) -> Vec<u64> {
    let mut counts = Vec::new();
    for id in ids {
        counts.push(
            read(app, id, None).await.body["supports_count"]
                .as_u64()
                .unwrap(),
        );
    }
    counts
}

async fn read(app: &TestApp, id: &str, who: Option<&Session>) -> Reply {
    app.get(
        &format!("/api/v1/proposals/{id}"),
        who.map(|s| s.access_token.as_str()),
    )
    .await
}

fn titles(reply: &Reply) -> Vec<String> {
    reply.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {reply:#?}"))
        .iter()
        .map(|item| item["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_draft_is_seen_by_its_author_alone_until_published() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let created = draft(&app, &ana, &slug, "Més arbres al carrer Gran").await;
    assert_eq!(created.status, 201, "{created:#?}");
    assert_eq!(created.body["state"], "draft");
    assert_eq!(created.body["author"]["id"], json!(ana.user_id.uuid()));
    let id = created.body["id"].as_str().unwrap();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/proposals/{id}").as_str())
    );
    assert_eq!(read(&app, id, Some(&ana)).await.status, 200);
    read(&app, id, Some(&bea))
        .await
        .assert_problem(404, "not_found");
    read(&app, id, None).await.assert_problem(404, "not_found");
    let listed = app
        .get(&format!("/api/v1/processes/{slug}/proposals"), None)
        .await;
    assert_eq!(titles(&listed), Vec::<String>::new());
    let mine = app
        .get(
            &format!("/api/v1/processes/{slug}/proposals?author=me"),
            Some(&ana.access_token),
        )
        .await;
    assert_eq!(titles(&mine), ["Més arbres al carrer Gran"]);
    // Only the author publishes it; then everyone reads it.
    app.post(
        &format!("/api/v1/proposals/{id}/publish"),
        Some(&bea.access_token),
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
    let publish = app
        .post(
            &format!("/api/v1/proposals/{id}/publish"),
            Some(&ana.access_token),
            json!({}),
        )
        .await;
    assert_eq!(publish.status, 200, "{publish:#?}");
    assert_eq!(publish.body["state"], "published");
    let public = read(&app, id, None).await;
    assert_eq!(public.status, 200);
    assert_eq!(public.body["supported_by_me"], Value::Null);
    assert!(public.header("etag").is_some());
    app.post(
        &format!("/api/v1/proposals/{id}/publish"),
        Some(&ana.access_token),
        json!({}),
    )
    .await
    .assert_problem(409, "proposal_state_conflict");
}

#[tokio::test]
async fn proposals_are_created_and_published_only_while_the_phase_opens_creation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = process_with(
        &app,
        &admin,
        "nomes-suports",
        json!({ "supports": true }),
        json!({}),
    )
    .await;
    let ana = app.participant("ana@example.org").await;
    draft(&app, &ana, &slug, "Una biblioteca al barri")
        .await
        .assert_problem(403, "proposals_creation_closed");
    app.post(
        "/api/v1/processes/no-such-process/proposals",
        Some(&ana.access_token),
        json!({ "title": "Una biblioteca al barri", "body": "Amb sala d'estudi oberta." }),
    )
    .await
    .assert_problem(404, "not_found");
    // A draft written while creation was open cannot be published once it has closed.
    let open = open_process(&app, &admin, json!({})).await;
    let created = draft(&app, &ana, &open, "Una biblioteca al barri").await;
    let id = created.body["id"].as_str().unwrap();
    app.clock.set(plaza_tests::START + time::Duration::days(60));
    let ana = app.login("ana@example.org", GOOD_PASSWORD).await;
    app.post(
        &format!("/api/v1/proposals/{id}/publish"),
        Some(&ana.access_token),
        json!({}),
    )
    .await
    .assert_problem(403, "proposals_creation_closed");
}

#[tokio::test]
async fn titles_and_bodies_are_plain_text_measured_in_characters_after_trimming() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({ "proposal_length": 500 })).await;
    let ana = app.participant("ana@example.org").await;
    let path = format!("/api/v1/processes/{slug}/proposals");
    let create = |title: String, body: String| {
        app.post(
            &path,
            Some(&ana.access_token),
            json!({ "title": title, "body": body }),
        )
    };
    // 15 characters of two bytes each are a long enough title; padding does not count.
    let accented = "é".repeat(15);
    let created = create(format!("   {accented}  "), "àèìòù ".repeat(5)).await;
    assert_eq!(created.status, 201, "{created:#?}");
    assert_eq!(created.body["title"], accented);
    // Decomposed accents are stored composed (NFC).
    let decomposed = create("Cafe\u{301} del barri per a tothom".into(), "x".repeat(20)).await;
    assert_eq!(decomposed.body["title"], "Café del barri per a tothom");
    // Markup is kept as inert text, never interpreted.
    let script = "<script>alert('x')</script> al barri";
    let markup = create(script.into(), "<b>negreta</b> i <i>cursiva</i>".into()).await;
    assert_eq!(markup.status, 201, "{markup:#?}");
    assert_eq!(markup.body["title"], script);
    let short = create("   curt   ".into(), "prou llarg per ser un cos".into()).await;
    short.assert_problem(422, "validation_failed");
    assert!(
        short
            .field_errors()
            .contains(&("title".into(), "too_short".into())),
        "{:?}",
        short.field_errors()
    );
    let long = create("Un títol prou llarg".into(), "a".repeat(10_000)).await;
    long.assert_problem(422, "validation_failed");
    assert!(
        long.field_errors()
            .contains(&("body".into(), "too_long".into())),
        "{:?}",
        long.field_errors()
    );
}

#[tokio::test]
async fn what_the_server_decides_cannot_be_sent_by_a_client() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    for (field, value) in [
        ("state", json!("accepted")),
        ("supports_count", json!(1000)),
        ("author_id", json!(admin.user_id.uuid())),
    ] {
        let mut body =
            json!({ "title": "Un títol prou llarg", "body": "Un cos prou llarg també." });
        body[field] = value;
        let reply = app
            .post(
                &format!("/api/v1/processes/{slug}/proposals"),
                Some(&ana.access_token),
                body,
            )
            .await;
        reply.assert_problem(400, "invalid_body");
        assert_eq!(
            reply.field_errors(),
            [(field.to_string(), "unknown_field".to_string())]
        );
    }
    let id = published(&app, &ana, &slug, "Un títol prou llarg").await;
    app.patch(
        &format!("/api/v1/proposals/{id}"),
        Some(&ana.access_token),
        json!({ "supports_count": 99 }),
    )
    .await
    .assert_problem(400, "invalid_body");
    let after = read(&app, &id, None).await;
    assert_eq!(
        (&after.body["supports_count"], &after.body["state"]),
        (&json!(0), &json!("published"))
    );
}

#[tokio::test]
async fn an_author_holds_at_most_proposal_limit_proposals_that_are_not_withdrawn() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({ "proposal_limit": 2 })).await;
    let ana = app.participant("ana@example.org").await;
    let first = draft(&app, &ana, &slug, "Primera proposta del barri").await;
    draft(&app, &ana, &slug, "Segona proposta del barri").await;
    let third = draft(&app, &ana, &slug, "Tercera proposta del barri").await;
    third.assert_problem(409, "proposal_limit_reached");
    // Another author has their own allowance.
    let bea = app.participant("bea@example.org").await;
    assert_eq!(
        draft(&app, &bea, &slug, "La proposta de la Bea")
            .await
            .status,
        201
    );
    // A withdrawn proposal no longer counts.
    let id = first.body["id"].as_str().unwrap();
    let withdrawn = app
        .post(
            &format!("/api/v1/proposals/{id}/withdraw"),
            Some(&ana.access_token),
            json!({}),
        )
        .await;
    assert_eq!(withdrawn.body["state"], "withdrawn", "{withdrawn:#?}");
    assert_eq!(
        draft(&app, &ana, &slug, "Tercera proposta del barri")
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn a_published_proposal_is_editable_within_the_window_and_while_nobody_supports_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(
        &app,
        &admin,
        open_to_all(json!({ "edit_window_seconds": 300 })),
    )
    .await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = published(&app, &ana, &slug, "Un parc infantil nou").await;
    let path = format!("/api/v1/proposals/{id}");
    let edited = app
        .patch(
            &path,
            Some(&ana.access_token),
            json!({ "title": "Un parc infantil nou i gran" }),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:#?}");
    assert_eq!(edited.body["title"], "Un parc infantil nou i gran");
    assert_eq!(
        edited.body["body"],
        "Un banc i una font a la plaça, per a tothom."
    );
    // Someone else may not, whatever the window.
    app.patch(
        &path,
        Some(&bea.access_token),
        json!({ "title": "Un altre títol llarg" }),
    )
    .await
    .assert_problem(403, "forbidden");
    // Once supported, no longer.
    assert_eq!(support(&app, &bea, &id).await.status, 201);
    app.patch(
        &path,
        Some(&ana.access_token),
        json!({ "title": "Un parc infantil més gran" }),
    )
    .await
    .assert_problem(409, "proposal_has_supports");
    app.post(
        &format!("/api/v1/proposals/{id}/withdraw"),
        Some(&ana.access_token),
        json!({}),
    )
    .await
    .assert_problem(409, "proposal_has_supports");
    // Another, unsupported, past the window.
    let late = published(&app, &ana, &slug, "Una font al parc del barri").await;
    app.clock.advance(time::Duration::seconds(301));
    let ana = app.login("ana@example.org", GOOD_PASSWORD).await;
    let reply = app
        .patch(
            &format!("/api/v1/proposals/{late}"),
            Some(&ana.access_token),
            json!({ "body": "Una font d'aigua potable." }),
        )
        .await;
    reply.assert_problem(409, "edit_window_closed");
    assert_eq!(
        read(&app, &late, Some(&ana)).await.body["can_edit"],
        false,
        "the reader is told before trying"
    );
    // A draft stays editable whenever.
    let created = draft(&app, &ana, &slug, "Un esborrany per a més tard").await;
    let draft_id = created.body["id"].as_str().unwrap();
    app.clock.advance(time::Duration::days(10));
    let ana = app.login("ana@example.org", GOOD_PASSWORD).await;
    let edited = app
        .patch(
            &format!("/api/v1/proposals/{draft_id}"),
            Some(&ana.access_token),
            json!({ "title": "Un esborrany revisat més tard" }),
        )
        .await;
    assert_eq!(edited.status, 200, "{edited:#?}");
}

#[tokio::test]
async fn a_proposal_is_placed_in_a_scope_and_category_of_its_process() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let category = app
        .post(
            &format!("/api/v1/processes/{slug}/categories"),
            Some(&admin.access_token),
            json!({ "name": { "ca": "Mobilitat" } }),
        )
        .await;
    let category_id = category.body["id"].as_str().unwrap().to_string();
    let ana = app.participant("ana@example.org").await;
    let n1 = app.scope_id("N1").await;
    let placed = app
        .post(
            &format!("/api/v1/processes/{slug}/proposals"),
            Some(&ana.access_token),
            json!({ "title": "Carril bici al barri 1", "body": "Des de la plaça fins a l'escola.", "scope_id": n1, "category_id": category_id }),
        )
        .await;
    assert_eq!(placed.status, 201, "{placed:#?}");
    assert_eq!(placed.body["scope_id"], json!(n1));
    assert_eq!(placed.body["category_id"], json!(category_id));
    let wrong = app
        .post(
            &format!("/api/v1/processes/{slug}/proposals"),
            Some(&ana.access_token),
            json!({ "title": "Carril bici al barri 1", "body": "Des de la plaça fins a l'escola.", "scope_id": uuid::Uuid::now_v7(), "category_id": uuid::Uuid::now_v7() }),
        )
        .await;
    wrong.assert_problem(422, "validation_failed");
    let mut fields = wrong.field_errors();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("category_id".to_string(), "not_in_process".to_string()),
            ("scope_id".to_string(), "not_in_process".to_string())
        ]
    );
    // `null` removes the scope on a change.
    let id = placed.body["id"].as_str().unwrap();
    let cleared = app
        .patch(
            &format!("/api/v1/proposals/{id}"),
            Some(&ana.access_token),
            json!({ "scope_id": null }),
        )
        .await;
    assert_eq!(cleared.body["scope_id"], Value::Null, "{cleared:#?}");
    assert_eq!(cleared.body["category_id"], json!(category_id));
}

#[tokio::test]
async fn a_proposal_of_another_organization_is_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let id = published(&app, &ana, &slug, "Una proposta de Testville").await;
    app.other_organization().await;
    let elsewhere = app
        .call_with_headers(
            Method::GET,
            &format!("/api/v1/proposals/{id}"),
            &[("host", "other.test")],
            None,
        )
        .await;
    elsewhere.assert_problem(404, "not_found");
}

#[tokio::test]
async fn one_support_per_participant_counted_on_the_proposal_and_withdrawable() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, open_to_all(json!({}))).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = published(&app, &ana, &slug, "Més bancs a la plaça").await;
    let before = read(&app, &id, Some(&bea)).await;
    assert_eq!(
        (&before.body["can_support"], &before.body["supported_by_me"]),
        (&json!(true), &json!(false))
    );
    let given = support(&app, &bea, &id).await;
    assert_eq!(given.status, 201, "{given:#?}");
    assert_eq!(given.body["supports_count"], 1);
    assert_eq!(given.body["supported_by_me"], true);
    assert_eq!(given.body["can_support"], false);
    support(&app, &bea, &id)
        .await
        .assert_problem(409, "already_supported");
    assert_eq!(read(&app, &id, None).await.body["supports_count"], 1);
    let taken_back = app
        .delete(
            &format!("/api/v1/proposals/{id}/supports"),
            Some(&bea.access_token),
        )
        .await;
    assert_eq!(taken_back.status, 200, "{taken_back:#?}");
    assert_eq!(taken_back.body["supports_count"], 0);
    app.delete(
        &format!("/api/v1/proposals/{id}/supports"),
        Some(&bea.access_token),
    )
    .await
    .assert_problem(409, "not_supported");
    // Without a token: 401; a draft or an unknown id: 404.
    app.post(&format!("/api/v1/proposals/{id}/supports"), None, json!({}))
        .await
        .assert_problem(401, "unauthenticated");
    let unpublished = draft(&app, &ana, &slug, "Un esborrany de l'Ana").await;
    support(&app, &bea, unpublished.body["id"].as_str().unwrap())
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn supports_are_given_and_taken_back_only_while_the_phase_opens_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = process_with(
        &app,
        &admin,
        "sense-suports",
        json!({ "proposals_creation": true }),
        open_to_all(json!({})),
    )
    .await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = published(&app, &ana, &slug, "Una proposta sense suports").await;
    support(&app, &bea, &id)
        .await
        .assert_problem(403, "supports_closed");
    assert_eq!(read(&app, &id, Some(&bea)).await.body["can_support"], false);
    app.delete(
        &format!("/api/v1/proposals/{id}/supports"),
        Some(&bea.access_token),
    )
    .await
    .assert_problem(403, "supports_closed");
}

#[tokio::test]
async fn only_verified_residents_support_when_the_process_requires_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({ "supports_require_residency": true })).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = published(&app, &ana, &slug, "Voreres més amples").await;
    support(&app, &bea, &id)
        .await
        .assert_problem(403, "residency_required");
    let reply = app
        .import_census(
            &admin,
            "document_number,birth_date,scope_code\n12345678Z,1990-04-01,N1\n",
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let verified = app
        .post(
            "/api/v1/me/verification",
            Some(&bea.access_token),
            json!({ "document_number": "12345678Z", "birth_date": "1990-04-01" }),
        )
        .await;
    assert_eq!(verified.status, 200, "{verified:#?}");
    assert_eq!(support(&app, &bea, &id).await.status, 201);
}

#[tokio::test]
async fn withdrawn_and_rejected_proposals_take_no_supports_and_withdrawn_ones_leave_the_list() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, open_to_all(json!({}))).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = published(&app, &ana, &slug, "Una proposta que es retira").await;
    let kept = published(&app, &ana, &slug, "Una proposta que es queda").await;
    let withdrawn = app
        .post(
            &format!("/api/v1/proposals/{id}/withdraw"),
            Some(&ana.access_token),
            json!({}),
        )
        .await;
    assert_eq!(withdrawn.body["state"], "withdrawn", "{withdrawn:#?}");
    support(&app, &bea, &id)
        .await
        .assert_problem(409, "proposal_not_supportable");
    // Still readable by its URL, but out of the list unless asked for.
    assert_eq!(read(&app, &id, None).await.status, 200);
    let list = |query: &str| {
        let path = format!("/api/v1/processes/{slug}/proposals{query}");
        let app = &app;
        async move { app.get(&path, None).await }
    };
    assert_eq!(titles(&list("").await), ["Una proposta que es queda"]);
    assert_eq!(
        titles(&list("?state=withdrawn").await),
        ["Una proposta que es retira"]
    );
    // Someone other than the author cannot withdraw.
    app.post(
        &format!("/api/v1/proposals/{kept}/withdraw"),
        Some(&bea.access_token),
        json!({}),
    )
    .await
    .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn a_participant_gives_at_most_vote_limit_supports_in_a_process() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, open_to_all(json!({ "vote_limit": 2 }))).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let mut ids = Vec::new();
    for title in ["Primera proposta", "Segona proposta", "Tercera proposta"] {
        ids.push(published(&app, &ana, &slug, &format!("{title} del barri")).await);
    }
    assert_eq!(support(&app, &bea, &ids[0]).await.status, 201);
    assert_eq!(support(&app, &bea, &ids[1]).await.status, 201);
    support(&app, &bea, &ids[2])
        .await
        .assert_problem(409, "vote_limit_reached");
    assert_eq!(
        read(&app, &ids[2], Some(&bea)).await.body["can_support"],
        false
    );
    // Taking one back frees a support.
    app.delete(
        &format!("/api/v1/proposals/{}/supports", ids[0]),
        Some(&bea.access_token),
    )
    .await;
    assert_eq!(support(&app, &bea, &ids[2]).await.status, 201);
}

#[tokio::test]
async fn a_proposal_at_its_threshold_takes_no_more_supports_unless_they_accumulate() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(
        &app,
        &admin,
        open_to_all(json!({ "threshold_per_proposal": 2 })),
    )
    .await;
    let ana = app.participant("ana@example.org").await;
    let id = published(&app, &ana, &slug, "Una proposta amb llindar").await;
    for email in ["b@example.org", "c@example.org"] {
        let who = app.participant(email).await;
        assert_eq!(support(&app, &who, &id).await.status, 201);
    }
    let late = app.participant("d@example.org").await;
    support(&app, &late, &id)
        .await
        .assert_problem(409, "support_threshold_reached");
    let accumulating = app
        .patch(
            &format!("/api/v1/processes/{slug}"),
            Some(&admin.access_token),
            json!({ "proposal_settings": { "can_accumulate_supports_beyond_threshold": true } }),
        )
        .await;
    assert_eq!(accumulating.status, 200, "{accumulating:#?}");
    let given = support(&app, &late, &id).await;
    assert_eq!(given.body["supports_count"], 3, "{given:#?}");
}

#[tokio::test]
async fn supports_under_the_minimum_per_participant_are_pending_until_it_is_reached() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(
        &app,
        &admin,
        open_to_all(json!({ "minimum_votes_per_user": 3 })),
    )
    .await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let mut ids = Vec::new();
    for n in 1..=4 {
        ids.push(published(&app, &ana, &slug, &format!("Proposta número {n} del barri")).await);
    }
    support(&app, &bea, &ids[0]).await;
    let second = support(&app, &bea, &ids[1]).await;
    assert_eq!(second.body["supported_by_me"], true);
    assert_eq!(counts(&app, &ids).await, [0, 0, 0, 0], "pending");
    support(&app, &bea, &ids[2]).await;
    assert_eq!(counts(&app, &ids).await, [1, 1, 1, 0], "all three count");
    support(&app, &bea, &ids[3]).await;
    assert_eq!(counts(&app, &ids).await, [1, 1, 1, 1]);
    // From four to three: only the withdrawn one stops counting; to two: all of them.
    app.delete(
        &format!("/api/v1/proposals/{}/supports", ids[3]),
        Some(&bea.access_token),
    )
    .await;
    assert_eq!(counts(&app, &ids).await, [1, 1, 1, 0]);
    app.delete(
        &format!("/api/v1/proposals/{}/supports", ids[0]),
        Some(&bea.access_token),
    )
    .await;
    assert_eq!(counts(&app, &ids).await, [0, 0, 0, 0], "below the minimum");
}

#[tokio::test]
async fn lists_sort_by_supports_and_recency_and_filter_by_scope_category_and_author() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, open_to_all(json!({}))).await;
    let category = app
        .post(
            &format!("/api/v1/processes/{slug}/categories"),
            Some(&admin.access_token),
            json!({ "name": { "ca": "Verd urbà" } }),
        )
        .await;
    let category_id = category.body["id"].as_str().unwrap().to_string();
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let (n1, n2, d1) = (
        app.scope_id("N1").await,
        app.scope_id("N2").await,
        app.scope_id("D1").await,
    );
    let mut ids = Vec::new();
    for (title, scope, category) in [
        (
            "Arbres al barri 1, ara",
            Some(n1),
            Some(category_id.clone()),
        ),
        ("Bancs al barri 2, ara", Some(n2), None),
        ("Fonts a tota la ciutat", None, None),
    ] {
        app.clock.advance(time::Duration::minutes(1));
        let mut body = json!({ "title": title, "body": "Una proposta per al barri." });
        if let Some(scope) = scope {
            body["scope_id"] = json!(scope);
        }
        if let Some(category) = category {
            body["category_id"] = json!(category);
        }
        let created = app
            .post(
                &format!("/api/v1/processes/{slug}/proposals"),
                Some(&ana.access_token),
                body,
            )
            .await;
        let id = created.body["id"].as_str().unwrap().to_string();
        app.post(
            &format!("/api/v1/proposals/{id}/publish"),
            Some(&ana.access_token),
            json!({}),
        )
        .await;
        ids.push(id);
    }
    let carol = app.participant("carol@example.org").await;
    for who in [&bea, &carol] {
        support(&app, who, &ids[1]).await;
    }
    support(&app, &bea, &ids[2]).await;
    let list = |query: String| {
        let path = format!("/api/v1/processes/{slug}/proposals{query}");
        let app = &app;
        async move { app.get(&path, None).await }
    };
    assert_eq!(
        titles(&list(String::new()).await),
        [
            "Fonts a tota la ciutat",
            "Bancs al barri 2, ara",
            "Arbres al barri 1, ara"
        ],
        "the newest first"
    );
    assert_eq!(
        titles(&list("?sort=most_supported".into()).await),
        [
            "Bancs al barri 2, ara",
            "Fonts a tota la ciutat",
            "Arbres al barri 1, ara"
        ]
    );
    assert_eq!(
        titles(&list(format!("?scope_id={d1}")).await),
        ["Bancs al barri 2, ara", "Arbres al barri 1, ara"],
        "a district's list holds its neighbourhoods'"
    );
    assert_eq!(
        titles(&list(format!("?scope_id={n1}")).await),
        ["Arbres al barri 1, ara"]
    );
    assert_eq!(
        titles(&list(format!("?category_id={category_id}")).await),
        ["Arbres al barri 1, ara"]
    );
    list("?sort=loudest".into())
        .await
        .assert_problem(400, "invalid_parameter");
    list("?state=lost".into())
        .await
        .assert_problem(400, "invalid_parameter");
    list("?author=me".into())
        .await
        .assert_problem(401, "unauthenticated");
    // A signed-in reader sees the same list and what they may do with each item.
    let as_bea = app
        .get(
            &format!("/api/v1/processes/{slug}/proposals?sort=most_supported"),
            Some(&bea.access_token),
        )
        .await;
    let flags: Vec<(bool, bool)> = as_bea.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            (
                item["supported_by_me"].as_bool().unwrap(),
                item["can_support"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(flags, [(true, false), (true, false), (false, true)]);
    assert_eq!(as_bea.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn a_random_order_is_the_same_on_every_page_for_a_seed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let mut all = Vec::new();
    for n in 0..12 {
        let title = format!("Proposta aleatòria {n:02}");
        published(&app, &ana, &slug, &title).await;
        all.push(title);
    }
    all.sort();
    let read_all = |seed: u32, limit: u32| {
        let app = &app;
        let slug = slug.clone();
        async move {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let mut path = format!(
                    "/api/v1/processes/{slug}/proposals?sort=random&seed={seed}&limit={limit}"
                );
                if let Some(cursor) = &cursor {
                    path.push_str(&format!("&cursor={cursor}"));
                }
                let page = app.get(&path, None).await;
                assert_eq!(page.status, 200, "{page:#?}");
                seen.extend(titles(&page));
                match page.body["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_string()),
                    None => break,
                }
            }
            seen
        }
    };
    let whole = read_all(7, 100).await;
    assert_eq!(read_all(7, 5).await, whole, "pages continue one order");
    let mut sorted = whole.clone();
    sorted.sort();
    assert_eq!(sorted, all, "every proposal once");
    let mut orders = std::collections::BTreeSet::new();
    for seed in [1_000_003, 2_000_006, 3_000_009, 4_000_012] {
        orders.insert(read_all(seed, 100).await);
    }
    assert!(orders.len() > 1, "seeds shuffle differently");
    let page = app
        .get(
            &format!("/api/v1/processes/{slug}/proposals?sort=random&seed=7&limit=5"),
            None,
        )
        .await;
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let crossed = app
        .get(
            &format!("/api/v1/processes/{slug}/proposals?sort=random&seed=8&cursor={cursor}"),
            None,
        )
        .await;
    crossed.assert_problem(400, "invalid_parameter");
    app.get(
        &format!("/api/v1/processes/{slug}/proposals?sort=random"),
        None,
    )
    .await
    .assert_problem(400, "invalid_parameter");
}

#[tokio::test]
async fn an_expired_token_on_a_public_read_is_refused_not_read_as_anonymous() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    app.clock.advance(time::Duration::hours(2));
    let reply = app
        .call_with_headers(
            Method::GET,
            &format!("/api/v1/processes/{slug}/proposals"),
            &[
                ("host", HOST),
                ("authorization", &format!("Bearer {}", ana.access_token)),
            ],
            None,
        )
        .await;
    reply.assert_problem(401, "token_expired");
}

#[tokio::test]
async fn a_support_retried_with_its_idempotency_key_gets_the_first_answer_and_counts_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, open_to_all(json!({}))).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = published(&app, &ana, &slug, "Una proposta per reintentar").await;
    let bearer = format!("Bearer {}", bea.access_token);
    let path = format!("/api/v1/proposals/{id}/supports");
    let headers = [
        ("host", HOST),
        ("authorization", bearer.as_str()),
        ("idempotency-key", "3f1c9a52-support"),
    ];
    let send = || app.call_with_headers(Method::POST, &path, &headers, Some(json!({})));
    let first = send().await;
    assert_eq!(first.status, 201, "{first:#?}");
    let retry = send().await;
    assert_eq!(retry.status, 201, "the first answer, not already_supported");
    assert_eq!(retry.header("idempotent-replayed"), Some("true"));
    assert_eq!(retry.body, first.body);
    assert_eq!(read(&app, &id, None).await.body["supports_count"], 1);
}

#[tokio::test]
async fn an_anonymous_list_of_drafts_is_empty() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    draft(&app, &ana, &slug, "Un esborrany que ningú més veu").await;
    let anonymous = app
        .get(
            &format!("/api/v1/processes/{slug}/proposals?state=draft"),
            None,
        )
        .await;
    assert_eq!(titles(&anonymous), Vec::<String>::new());
    let bea = app.participant("bea@example.org").await;
    let other = app
        .get(
            &format!("/api/v1/processes/{slug}/proposals?state=draft"),
            Some(&bea.access_token),
        )
        .await;
    assert_eq!(titles(&other), Vec::<String>::new());
    let own = app
        .get(
            &format!("/api/v1/processes/{slug}/proposals?state=draft"),
            Some(&ana.access_token),
        )
        .await;
    assert_eq!(titles(&own), ["Un esborrany que ningú més veu"]);
}

#[tokio::test]
async fn an_anonymous_list_is_answered_from_memory_for_the_public_cache_time_and_a_signed_in_one_never()
 {
    let app = TestApp::spawn_with(plaza_tests::Options {
        settings: vec![("PLAZA_PUBLIC_CACHE_MS", "60000".to_string())],
        ..Default::default()
    })
    .await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let path = format!("/api/v1/processes/{slug}/proposals");
    let before = app.get(&path, None).await;
    assert_eq!(titles(&before), Vec::<String>::new());
    published(&app, &ana, &slug, "Una proposta nova i fresca").await;
    let kept = app.get(&path, None).await;
    assert_eq!(
        titles(&kept),
        Vec::<String>::new(),
        "kept for the cache time"
    );
    assert_eq!(kept.header("etag"), before.header("etag"));
    let not_modified = app
        .call_with_headers(
            Method::GET,
            &path,
            &[
                ("host", HOST),
                ("if-none-match", before.header("etag").unwrap()),
            ],
            None,
        )
        .await;
    assert_eq!(not_modified.status, 304);
    let signed_in = app.get(&path, Some(&ana.access_token)).await;
    assert_eq!(titles(&signed_in), ["Una proposta nova i fresca"]);
    let in_spanish = app
        .call_with_headers(
            Method::GET,
            &path,
            &[("host", HOST), ("accept-language", "es")],
            None,
        )
        .await;
    assert_eq!(
        titles(&in_spanish),
        ["Una proposta nova i fresca"],
        "another language, another key"
    );
}

#[tokio::test]
async fn researchers_export_what_anyone_reads_of_the_proposals_without_their_authors() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, open_to_all(json!({}))).await;
    let ana = app.participant("ana@example.org").await;
    let first = published(&app, &ana, &slug, "Un banc, una font i \"ombra\"").await;
    let formula = published(&app, &ana, &slug, "=HYPERLINK(\"http://x\")").await;
    let secret = draft(&app, &ana, &slug, "Un esborrany que ningú no veu").await;
    let hidden = published(&app, &ana, &slug, "Una proposta amagada").await;
    {
        use plaza_api::store::entities::proposals;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
        proposals::Entity::update_many()
            .col_expr(proposals::Column::Hidden, Expr::value(true))
            .filter(proposals::Column::Id.eq(hidden.parse::<uuid::Uuid>().unwrap()))
            .exec(&app.state.db)
            .await
            .unwrap();
    }
    let bea = app.participant("bea@example.org").await;
    assert_eq!(support(&app, &bea, &first).await.status, 201);

    let json = app
        .get(
            &format!("/api/v1/processes/{slug}/proposals/export.json"),
            None,
        )
        .await;
    assert_eq!(json.status, 200, "{json:#?}");
    assert_eq!(json.body["process"], slug.as_str());
    let rows = json.body["proposals"].as_array().unwrap();
    let ids: Vec<&str> = rows.iter().map(|row| row["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [first.as_str(), formula.as_str()],
        "no draft, nothing hidden"
    );
    assert_eq!(rows[0]["supports_count"], 1);
    assert_eq!(rows[0]["state"], "published");
    let secret_id = secret.body["id"].as_str().unwrap();
    for reply in [&json] {
        let text = reply.body.to_string();
        for personal in ["ana@example.org", "bea@example.org", "author"] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        assert!(!text.contains(&ana.user_id.to_string()) && !text.contains(secret_id));
    }

    let csv = app
        .get(
            &format!("/api/v1/processes/{slug}/proposals/export.csv"),
            None,
        )
        .await;
    assert_eq!(csv.status, 200, "{csv:#?}");
    assert!(
        csv.header("content-type")
            .is_some_and(|value| value.starts_with("text/csv")),
        "{csv:#?}"
    );
    assert!(
        csv.header("content-disposition")
            .is_some_and(|value| value.contains(&format!("proposals-{slug}.csv"))),
        "{csv:#?}"
    );
    let text = csv.body.as_str().unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|line| !line.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,title,body,state,scope_id,category_id,supports_count,comments_count,published_at,answer_state"
    );
    assert_eq!(lines.len(), 3, "{text}");
    // Quotes are doubled inside a quoted field; a formula is neutralised for spreadsheets.
    assert!(
        lines[1].starts_with(&format!("{first},\"Un banc, una font i \"\"ombra\"\"\",")),
        "{text}"
    );
    assert!(
        lines[2].starts_with(&format!("{formula},\"'=HYPERLINK(\"\"http://x\"\")\",")),
        "{text}"
    );
    assert!(!text.contains("ana@example.org") && !text.contains(&ana.user_id.to_string()));

    app.get(
        "/api/v1/processes/no-such-process/proposals/export.csv",
        None,
    )
    .await
    .assert_problem(404, "not_found");
}
