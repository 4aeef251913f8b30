//! Participatory budgets of a process: admins create and change them under the domain's rules,
//! everyone reads them; what residents voted under freezes once a ballot exists (DESIGN §2.5).

use plaza_tests::{Reply, Session, TestApp};
use serde_json::{Value, json};

async fn process(app: &TestApp, admin: &Session) {
    let created = app
        .post(
            "/api/v1/processes",
            Some(&admin.access_token),
            json!({ "slug": "pp-2027", "title": { "ca": "Pressupostos 2027" } }),
        )
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
}

async fn create(app: &TestApp, who: &Session, body: Value) -> Reply {
    app.post(
        "/api/v1/processes/pp-2027/budgets",
        Some(&who.access_token),
        body,
    )
    .await
}

async fn change(app: &TestApp, who: &Session, id: &str, body: Value) -> Reply {
    app.patch(
        &format!("/api/v1/budgets/{id}"),
        Some(&who.access_token),
        body,
    )
    .await
}

/// A ballot row of `budget` for `who`, as the ballot endpoints will write it.
async fn ballot_exists(app: &TestApp, budget: &str, who: &Session) {
    use plaza_api::store::entities::ballots;
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    ballots::Model {
        id: uuid::Uuid::now_v7(),
        organization_id: app.organization.id.uuid(),
        budget_id: budget.parse().unwrap(),
        user_id: who.user_id.uuid(),
        created_at: app.state.now(),
    }
    .into_active_model()
    .insert(&app.state.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn admins_create_budgets_with_defaults_that_everyone_reads() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    process(&app, &admin).await;
    let district = app.scope_id("D1").await;
    let gracia = create(
        &app,
        &admin,
        json!({
            "title": { "ca": "Pressupost de Gràcia", "es": "Presupuesto de Gracia" },
            "total": 150_000_000,
            "scope_id": district,
            "position": 2,
        }),
    )
    .await;
    assert_eq!(gracia.status, 201, "{gracia:#?}");
    assert_eq!(gracia.body["total"], 150_000_000);
    assert_eq!(gracia.body["scope_id"], json!(district));
    // Defaults: Decidim's knapsack at 70%, greedy, `one` for a process's first budget, counts
    // secret during voting.
    assert_eq!(
        gracia.body["voting_rule"],
        json!({ "kind": "knapsack", "min_percent": 70, "min_projects": null, "max_projects": null, "points": null, "max_per_project": null })
    );
    assert_eq!(gracia.body["outcome_rule"], "greedy");
    assert_eq!(gracia.body["workflow"], "one");
    assert_eq!(gracia.body["show_votes_during_voting"], false);
    let location = gracia.header("location").unwrap().to_string();
    assert_eq!(app.get(&location, None).await.body, gracia.body);

    let city = create(
        &app,
        &admin,
        json!({
            "title": { "ca": "Pressupost de ciutat" },
            "total": 1_000_000_000,
            "voting_rule": { "kind": "approval", "min_projects": 1, "max_projects": 5 },
            "outcome_rule": "equal_shares",
        }),
    )
    .await;
    assert_eq!(city.status, 201, "{city:#?}");
    assert_eq!(city.body["scope_id"], Value::Null);
    assert_eq!(city.body["voting_rule"]["kind"], "approval");
    assert_eq!(city.body["voting_rule"]["max_projects"], 5);
    assert_eq!(city.body["outcome_rule"], "equal_shares");
    assert_eq!(city.body["workflow"], "one", "the process's workflow");

    let listed = app.get("/api/v1/processes/pp-2027/budgets", None).await;
    assert_eq!(listed.status, 200, "{listed:#?}");
    let titles: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|budget| budget["title_text"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Pressupost de ciutat", "Pressupost de Gràcia"]);

    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    let created = audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == "budget.create")
        .count();
    assert_eq!(created, 2);
}

#[tokio::test]
async fn a_budget_refuses_settings_that_make_no_sense_naming_each_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    process(&app, &admin).await;
    let refused = create(
        &app,
        &admin,
        json!({
            "title": { "ca": "" },
            "total": 0,
            "voting_rule": { "kind": "approval", "min_projects": 4, "max_projects": 2 },
        }),
    )
    .await;
    refused.assert_problem(422, "validation_failed");
    let mut fields = refused.field_errors();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("title.ca".to_string(), "required".to_string()),
            (
                "voting_rule.min_projects".to_string(),
                "min_above_max".to_string()
            ),
        ],
        "the total is checked once the rest is readable"
    );
    let zero = create(
        &app,
        &admin,
        json!({ "title": { "ca": "Zero" }, "total": 0 }),
    )
    .await;
    zero.assert_problem(422, "validation_failed");
    assert_eq!(
        zero.field_errors(),
        [("total".to_string(), "must_be_positive".to_string())]
    );
    let half_rule = create(
        &app,
        &admin,
        json!({ "title": { "ca": "Punts" }, "total": 100, "voting_rule": { "kind": "cumulative", "points": 10, "min_percent": 5 } }),
    )
    .await;
    half_rule.assert_problem(422, "validation_failed");
    let mut fields = half_rule.field_errors();
    fields.sort();
    assert_eq!(
        fields,
        [
            (
                "voting_rule.max_per_project".to_string(),
                "required".to_string()
            ),
            (
                "voting_rule.min_percent".to_string(),
                "unknown_field".to_string()
            ),
        ]
    );
    // A scope outside the organization, a non-admin, an unknown process.
    let outside = create(
        &app,
        &admin,
        json!({ "title": { "ca": "Enlloc" }, "total": 100, "scope_id": uuid::Uuid::now_v7() }),
    )
    .await;
    assert_eq!(
        outside.field_errors(),
        [("scope_id".to_string(), "not_in_process".to_string())]
    );
    let ana = app.participant("ana@example.org").await;
    create(
        &app,
        &ana,
        json!({ "title": { "ca": "Meu" }, "total": 100 }),
    )
    .await
    .assert_problem(403, "forbidden");
    app.post(
        "/api/v1/processes/no-such-process/budgets",
        Some(&admin.access_token),
        json!({ "title": { "ca": "Cap" }, "total": 100 }),
    )
    .await
    .assert_problem(404, "not_found");
    // Nothing was created.
    let listed = app.get("/api/v1/processes/pp-2027/budgets", None).await;
    assert_eq!(listed.body, json!([]));
}

#[tokio::test]
async fn every_budget_of_a_process_has_the_same_workflow() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    process(&app, &admin).await;
    let first = create(
        &app,
        &admin,
        json!({ "title": { "ca": "Districte" }, "total": 100, "workflow": "own_plus_one" }),
    )
    .await;
    assert_eq!(first.status, 201, "{first:#?}");
    let other = create(
        &app,
        &admin,
        json!({ "title": { "ca": "Ciutat" }, "total": 100, "workflow": "all" }),
    )
    .await;
    other.assert_problem(422, "validation_failed");
    assert_eq!(
        other.field_errors(),
        [("workflow".to_string(), "differs_from_process".to_string())]
    );
    let second = create(
        &app,
        &admin,
        json!({ "title": { "ca": "Ciutat" }, "total": 100 }),
    )
    .await;
    assert_eq!(second.body["workflow"], "own_plus_one", "{second:#?}");
    let id = second.body["id"].as_str().unwrap();
    let refused = change(&app, &admin, id, json!({ "workflow": "one" })).await;
    assert_eq!(
        refused.field_errors(),
        [("workflow".to_string(), "differs_from_process".to_string())]
    );
}

#[tokio::test]
async fn what_residents_voted_under_freezes_once_a_ballot_exists() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    process(&app, &admin).await;
    let budget = create(
        &app,
        &admin,
        json!({ "title": { "ca": "Gràcia" }, "total": 1_000 }),
    )
    .await;
    let id = budget.body["id"].as_str().unwrap().to_string();
    // Before any ballot, everything may change.
    let changed = change(
        &app,
        &admin,
        &id,
        json!({ "total": 2_000, "voting_rule": { "kind": "knapsack_min_projects", "min_projects": 2 }, "scope_id": app.scope_id("D1").await }),
    )
    .await;
    assert_eq!(changed.status, 200, "{changed:#?}");
    assert_eq!(changed.body["total"], 2_000);
    assert_eq!(changed.body["voting_rule"]["kind"], "knapsack_min_projects");

    let ana = app.participant("ana@example.org").await;
    ballot_exists(&app, &id, &ana).await;
    for (body, setting) in [
        (json!({ "total": 3_000 }), "total"),
        (
            json!({ "voting_rule": { "kind": "knapsack", "min_percent": 50 } }),
            "voting_rule",
        ),
        (json!({ "outcome_rule": "equal_shares" }), "outcome_rule"),
        (json!({ "scope_id": null }), "scope"),
        (json!({ "workflow": "all" }), "workflow"),
    ] {
        let refused = change(&app, &admin, &id, body).await;
        refused.assert_problem(409, "budget_rules_locked");
        assert!(
            refused.body["detail"]
                .as_str()
                .unwrap_or("")
                .contains(setting)
                || refused.body.to_string().contains(setting),
            "{setting}: {refused:#?}"
        );
    }
    // The rest may still change: titles, order, the visibility of counts.
    let renamed = change(
        &app,
        &admin,
        &id,
        json!({ "title": { "ca": "Pressupost de Gràcia" }, "show_votes_during_voting": true, "total": 2_000 }),
    )
    .await;
    assert_eq!(renamed.status, 200, "{renamed:#?}");
    assert_eq!(renamed.body["title_text"], "Pressupost de Gràcia");
    assert_eq!(renamed.body["show_votes_during_voting"], true);
    let read = app.get(&format!("/api/v1/budgets/{id}"), None).await;
    assert_eq!(read.body["total"], 2_000);
    assert_eq!(read.body["voting_rule"]["min_projects"], 2);
}

#[tokio::test]
async fn a_budget_of_another_organization_is_not_found() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    process(&app, &admin).await;
    let budget = create(
        &app,
        &admin,
        json!({ "title": { "ca": "Gràcia" }, "total": 1_000 }),
    )
    .await;
    let id = budget.body["id"].as_str().unwrap();
    app.other_organization().await;
    let elsewhere = app
        .call_with_headers(
            poem::http::Method::GET,
            &format!("/api/v1/budgets/{id}"),
            &[("host", "other.test")],
            None,
        )
        .await;
    elsewhere.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/budgets/{}", uuid::Uuid::now_v7()), None)
        .await
        .assert_problem(404, "not_found");
}
