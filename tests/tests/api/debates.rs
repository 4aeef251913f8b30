//! Debates (DESIGN §2.3): started in their phase, edited by their author while open, closed with
//! conclusions by their author or a moderator.

use crate::proposals::process_with;
use plaza_tests::{Reply, Session, TestApp};
use serde_json::{Value, json};

pub async fn debates_process(app: &TestApp, admin: &Session) -> String {
    process_with(
        app,
        admin,
        "debats-2027",
        json!({ "debates": true, "comments": true }),
        json!({}),
    )
    .await
}

pub async fn start(app: &TestApp, who: &Session, slug: &str, title: &str) -> Reply {
    app.post(
        &format!("/api/v1/processes/{slug}/debates"),
        Some(&who.access_token),
        json!({ "title": title, "description": "Parlem-ne entre veïns i veïnes del barri." }),
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
async fn debates_start_only_while_the_phase_opens_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let closed = process_with(
        &app,
        &admin,
        "sense-debats",
        json!({ "comments": true }),
        json!({}),
    )
    .await;
    let ana = app.participant("ana@example.org").await;
    start(&app, &ana, &closed, "Com volem la plaça del mercat?")
        .await
        .assert_problem(403, "debates_closed");
    let slug = debates_process(&app, &admin).await;
    let started = start(&app, &ana, &slug, "Com volem la plaça del mercat?").await;
    assert_eq!(started.status, 201, "{started:#?}");
    assert_eq!(started.body["state"], "open");
    assert_eq!(started.body["can_edit"], true);
    let location = started.header("location").unwrap().to_string();
    let read = app.get(&location, None).await;
    assert_eq!(read.body["title"], "Com volem la plaça del mercat?");
    assert_eq!(read.body["can_edit"], Value::Null);
    let short = app
        .post(
            &format!("/api/v1/processes/{slug}/debates"),
            Some(&ana.access_token),
            json!({ "title": "Curt", "description": "breu" }),
        )
        .await;
    short.assert_problem(422, "validation_failed");
    let mut fields = short.field_errors();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("description".to_string(), "too_short".to_string()),
            ("title".to_string(), "too_short".to_string())
        ]
    );
}

#[tokio::test]
async fn the_author_edits_while_open_and_the_author_or_a_moderator_closes_with_conclusions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = debates_process(&app, &admin).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let id = start(&app, &ana, &slug, "Horaris de la biblioteca del barri")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/debates/{id}");
    app.patch(
        &path,
        Some(&bea.access_token),
        json!({ "title": "Un altre títol llarg" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let edited = app
        .patch(
            &path,
            Some(&ana.access_token),
            json!({ "title": "Horaris de la biblioteca, a debat" }),
        )
        .await;
    assert_eq!(
        edited.body["title"], "Horaris de la biblioteca, a debat",
        "{edited:#?}"
    );
    assert!(edited.body["edited_at"].is_string());
    let close = |who: &Session, conclusions: &str| {
        let path = format!("{path}/close");
        let token = who.access_token.clone();
        let body = json!({ "conclusions": conclusions });
        let app = &app;
        async move { app.post(&path, Some(&token), body).await }
    };
    close(&bea, "Obrir els dissabtes.")
        .await
        .assert_problem(403, "forbidden");
    let too_short = close(&ana, "Curt").await;
    assert_eq!(
        too_short.field_errors(),
        [("conclusions".to_string(), "too_short".to_string())]
    );
    let closed = close(&ana, "Obrir els dissabtes al matí.").await;
    assert_eq!(closed.body["state"], "closed", "{closed:#?}");
    assert_eq!(closed.body["conclusions"], "Obrir els dissabtes al matí.");
    close(&ana, "Una segona conclusió.")
        .await
        .assert_problem(409, "debate_closed");
    app.patch(
        &path,
        Some(&ana.access_token),
        json!({ "title": "Massa tard per canviar-ho" }),
    )
    .await
    .assert_problem(409, "debate_closed");

    // A moderator closes someone else's debate, and that is audited.
    let other = start(&app, &ana, &slug, "Un debat que tanca la moderació")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let granted = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", bea.user_id),
            Some(&admin.access_token),
            json!({ "roles": ["moderator"] }),
        )
        .await;
    assert_eq!(granted.status, 200);
    let moderated = app
        .post(
            &format!("/api/v1/debates/{other}/close"),
            Some(&bea.access_token),
            json!({ "conclusions": "Tancat: es repetia amb un altre debat." }),
        )
        .await;
    assert_eq!(moderated.body["state"], "closed", "{moderated:#?}");
    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    let audited: Vec<String> = audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "debate.close")
        .map(|entry| entry.target_id)
        .collect();
    assert_eq!(audited, [other], "the author's own closing is not audited");
}

#[tokio::test]
async fn debates_are_listed_open_or_closed_newest_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = debates_process(&app, &admin).await;
    let ana = app.participant("ana@example.org").await;
    let first = start(&app, &ana, &slug, "El primer debat del barri")
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.clock.advance(time::Duration::minutes(1));
    start(&app, &ana, &slug, "El segon debat del barri").await;
    app.post(
        &format!("/api/v1/debates/{first}/close"),
        Some(&ana.access_token),
        json!({ "conclusions": "Ja en vam parlar prou." }),
    )
    .await;
    let list = |query: &str| {
        let path = format!("/api/v1/processes/{slug}/debates{query}");
        let app = &app;
        async move { app.get(&path, None).await }
    };
    assert_eq!(
        titles(&list("").await),
        ["El segon debat del barri", "El primer debat del barri"]
    );
    assert_eq!(
        titles(&list("?state=open").await),
        ["El segon debat del barri"]
    );
    assert_eq!(
        titles(&list("?state=closed").await),
        ["El primer debat del barri"]
    );
    assert_eq!(titles(&list("?sort=random&seed=3").await).len(), 2);
    list("?sort=random")
        .await
        .assert_problem(400, "invalid_parameter");
}
