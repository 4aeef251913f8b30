//! The categories of a process: everyone reads them, admins create and change them.

use plaza_tests::{HOST, TestApp};
use poem::http::Method;
use serde_json::{Value, json};

async fn with_process(app: &TestApp, token: &str) {
    let created = app
        .post(
            "/api/v1/processes",
            Some(token),
            json!({ "slug": "pp-2027", "title": { "ca": "Pressupostos 2027" } }),
        )
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
}

#[tokio::test]
async fn admins_create_categories_that_everyone_reads_in_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = admin.access_token.as_str();
    with_process(&app, token).await;
    let create = |name: Value, position: i32| {
        app.post(
            "/api/v1/processes/pp-2027/categories",
            Some(token),
            json!({ "name": name, "position": position }),
        )
    };
    let green = create(json!({ "ca": "Espais verds", "es": "Zonas verdes" }), 2).await;
    assert_eq!(green.status, 201, "{green:#?}");
    let location = green.header("location").unwrap().to_string();
    assert_eq!(
        location,
        format!("/api/v1/categories/{}", green.body["id"].as_str().unwrap())
    );
    assert_eq!(app.get(&location, None).await.body, green.body);
    let mobility = create(json!({ "ca": "Mobilitat" }), 1).await;
    assert_eq!(mobility.status, 201, "{mobility:#?}");

    let listed = app
        .call_with_headers(
            Method::GET,
            "/api/v1/processes/pp-2027/categories",
            &[("host", HOST), ("accept-language", "es")],
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{listed:#?}");
    let names: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|category| category["name_text"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Mobilitat", "Zonas verdes"],
        "by position, in Spanish where named"
    );
    assert!(listed.header("etag").is_some());
}

#[tokio::test]
async fn only_admins_create_categories_and_bad_names_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    with_process(&app, &admin.access_token).await;
    let ana = app.participant("ana@example.org").await;
    let body = json!({ "name": { "ca": "Cultura" } });
    app.post(
        "/api/v1/processes/pp-2027/categories",
        Some(&ana.access_token),
        body.clone(),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post("/api/v1/processes/pp-2027/categories", None, body.clone())
        .await
        .assert_problem(401, "unauthenticated");
    app.post(
        "/api/v1/processes/no-such-process/categories",
        Some(&admin.access_token),
        body,
    )
    .await
    .assert_problem(404, "not_found");
    let unnamed = app
        .post(
            "/api/v1/processes/pp-2027/categories",
            Some(&admin.access_token),
            json!({ "name": { "es": "Cultura", "ca": "   " } }),
        )
        .await;
    unnamed.assert_problem(422, "validation_failed");
    assert!(
        unnamed
            .field_errors()
            .contains(&("name.ca".into(), "required".into())),
        "{:?}",
        unnamed.field_errors()
    );
    app.get("/api/v1/processes/no-such-process/categories", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_category_changes_only_from_the_version_read_and_the_change_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = Some(admin.access_token.as_str());
    with_process(&app, &admin.access_token).await;
    let created = app
        .post(
            "/api/v1/processes/pp-2027/categories",
            token,
            json!({ "name": { "ca": "Mobilitat" } }),
        )
        .await;
    let path = created.header("location").unwrap().to_string();
    let read = app.get(&path, None).await;
    let version = read.header("etag").unwrap().to_string();

    let renamed = app
        .call_with_headers(
            Method::PATCH,
            &path,
            &[
                ("host", HOST),
                ("authorization", &format!("Bearer {}", admin.access_token)),
                ("if-match", &version),
            ],
            Some(json!({ "name": { "ca": "Mobilitat sostenible" }, "position": 3 })),
        )
        .await;
    assert_eq!(renamed.status, 200, "{renamed:#?}");
    assert_eq!(renamed.body["name_text"], "Mobilitat sostenible");
    assert_eq!(renamed.body["position"], 3);

    let stale = app
        .call_with_headers(
            Method::PATCH,
            &path,
            &[
                ("host", HOST),
                ("authorization", &format!("Bearer {}", admin.access_token)),
                ("if-match", &version),
            ],
            Some(json!({ "position": 4 })),
        )
        .await;
    stale.assert_problem(412, "precondition_failed");
    assert_eq!(app.get(&path, None).await.body["position"], 3);

    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    let entries = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .filter(|entry| entry.target_kind == "category")
        .map(|entry| entry.action.as_str())
        .collect();
    assert_eq!(actions, ["category.create", "category.update"]);
}
