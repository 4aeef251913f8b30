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

/// Creates a budget of `pp-2027` and returns its id.
async fn created_id(app: &TestApp, admin: &Session, body: Value) -> String {
    let created = create(app, admin, body).await;
    assert_eq!(created.status, 201, "{created:#?}");
    created.body["id"].as_str().unwrap().to_string()
}

async fn change(app: &TestApp, who: &Session, id: &str, body: Value) -> Reply {
    app.patch(
        &format!("/api/v1/budgets/{id}"),
        Some(&who.access_token),
        body,
    )
    .await
}

/// A ballot row of `budget` for `who` (a draft), as the ballot endpoints write it: what freezes
/// a budget's settings, without a voting phase.
async fn ballot_exists(app: &TestApp, budget: &str, who: &Session) {
    use plaza_api::store::entities::{ballots, budgets};
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
    let budget: uuid::Uuid = budget.parse().unwrap();
    let process_id = budgets::Entity::find_by_id(budget)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .process_id;
    ballots::Model {
        id: uuid::Uuid::now_v7(),
        organization_id: app.organization.id.uuid(),
        process_id,
        budget_id: budget,
        voter: format!("document-of-{}", who.user_id),
        user_id: who.user_id.uuid(),
        residence_scope_id: app.scope_id("N1").await,
        status: "draft".into(),
        cast_at: None,
        receipt_mac: None,
        receipt_key_id: None,
        created_at: app.state.now(),
        updated_at: app.state.now(),
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
        json!({ "kind": "knapsack", "min_percent": 70 })
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
    // Changing one budget's workflow changes the process's: every budget takes it.
    let changed = change(&app, &admin, id, json!({ "workflow": "one" })).await;
    assert_eq!(changed.body["workflow"], "one", "{changed:#?}");
    let listed = app.get("/api/v1/processes/pp-2027/budgets", None).await;
    assert!(
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["workflow"] == "one"),
        "{listed:#?}"
    );
    // Once any budget of the process has a ballot, none can change it.
    let first = first.body["id"].as_str().unwrap();
    let ana = app.participant("ana@example.org").await;
    ballot_exists(&app, first, &ana).await;
    change(&app, &admin, id, json!({ "workflow": "all" }))
        .await
        .assert_problem(409, "budget_rules_locked");
    let listed = app.get("/api/v1/processes/pp-2027/budgets", None).await;
    assert!(
        listed
            .body
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["workflow"] == "one")
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

async fn project(app: &TestApp, who: &Session, budget: &str, body: Value) -> Reply {
    app.post(
        &format!("/api/v1/budgets/{budget}/projects"),
        Some(&who.access_token),
        body,
    )
    .await
}

/// Gràcia's budget of 1,000 cents in `pp-2027` with one project, a park of 600: (budget id, the
/// project's creation).
async fn gracia_with_a_park(app: &TestApp, admin: &Session) -> (String, Reply) {
    let budget = created_id(
        app,
        admin,
        json!({ "title": { "ca": "Gràcia" }, "total": 1_000 }),
    )
    .await;
    let added = project(
        app,
        admin,
        &budget,
        json!({ "title": { "ca": "Un parc" }, "cost": 600 }),
    )
    .await;
    assert_eq!(added.status, 201, "{added:#?}");
    (budget, added)
}

fn costs(page: &Reply) -> Vec<i64> {
    page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["cost"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn projects_cost_something_within_the_total_and_list_by_cost_or_shuffled_by_a_seed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    process(&app, &admin).await;
    let budget = created_id(
        &app,
        &admin,
        json!({ "title": { "ca": "Gràcia" }, "total": 1_000 }),
    )
    .await;
    for cost in [300, 100, 700, 1_000] {
        let added = project(
            &app,
            &admin,
            &budget,
            json!({ "title": { "ca": format!("Projecte de {cost}") }, "cost": cost }),
        )
        .await;
        assert_eq!(added.status, 201, "{added:#?}");
        let location = added.header("location").unwrap().to_string();
        assert_eq!(app.get(&location, None).await.body, added.body);
    }
    for (cost, code) in [(0, "must_be_positive"), (1_001, "above_total")] {
        let refused = project(
            &app,
            &admin,
            &budget,
            json!({ "title": { "ca": "Massa car" }, "cost": cost }),
        )
        .await;
        refused.assert_problem(422, "validation_failed");
        assert_eq!(
            refused.field_errors(),
            [("cost".to_string(), code.to_string())]
        );
    }
    let ana = app.participant("ana@example.org").await;
    project(
        &app,
        &ana,
        &budget,
        json!({ "title": { "ca": "Meu" }, "cost": 10 }),
    )
    .await
    .assert_problem(403, "forbidden");

    let path = format!("/api/v1/budgets/{budget}/projects");
    let by_cost = app.get(&path, None).await;
    assert_eq!(by_cost.status, 200, "{by_cost:#?}");
    assert_eq!(costs(&by_cost), [100, 300, 700, 1_000]);
    // A random order: the same seed, the same order on every page; every project once.
    let shuffled = |cursor: Option<&str>| {
        let mut path = format!("{path}?sort=random&seed=7&limit=3");
        if let Some(cursor) = cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let app = &app;
        async move { app.get(&path, None).await }
    };
    let first = shuffled(None).await;
    assert_eq!(first.body, shuffled(None).await.body);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_string();
    let second = shuffled(Some(&cursor)).await;
    let mut all = costs(&first);
    all.extend(costs(&second));
    all.sort();
    assert_eq!(all, [100, 300, 700, 1_000]);
    assert_eq!(second.body["next_cursor"], Value::Null);
    app.get(&format!("{path}?sort=random&seed=8&cursor={cursor}"), None)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get(&format!("{path}?sort=random"), None)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get(
        &format!("/api/v1/budgets/{}/projects", uuid::Uuid::now_v7()),
        None,
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_project_cost_freezes_once_a_ballot_exists_and_no_cost_ever_exceeds_the_total() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    process(&app, &admin).await;
    let (budget, added) = gracia_with_a_park(&app, &admin).await;
    let id = added.body["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/projects/{id}");
    let cheaper = app
        .patch(&path, Some(&admin.access_token), json!({ "cost": 500 }))
        .await;
    assert_eq!(cheaper.body["cost"], 500, "{cheaper:#?}");
    // The total never falls below a project's cost.
    let lowered = change(&app, &admin, &budget, json!({ "total": 400 })).await;
    lowered.assert_problem(422, "validation_failed");
    assert_eq!(
        lowered.field_errors(),
        [("total".to_string(), "below_project_cost".to_string())]
    );
    let ana = app.participant("ana@example.org").await;
    ballot_exists(&app, &budget, &ana).await;
    app.patch(&path, Some(&admin.access_token), json!({ "cost": 450 }))
        .await
        .assert_problem(409, "budget_rules_locked");
    // The same cost again, and the texts, still change.
    let renamed = app
        .patch(
            &path,
            Some(&admin.access_token),
            json!({ "cost": 500, "title": { "ca": "Un parc per al barri" } }),
        )
        .await;
    assert_eq!(renamed.status, 200, "{renamed:#?}");
    assert_eq!(renamed.body["title_text"], "Un parc per al barri");
    assert_eq!(app.get(&path, None).await.body["cost"], 500);
}

#[tokio::test]
async fn a_project_lies_in_its_budgets_territory_and_a_category_of_its_process() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    process(&app, &admin).await;
    let district = app.scope_id("D1").await;
    let budget = created_id(
        &app,
        &admin,
        json!({ "title": { "ca": "Districte 1" }, "total": 1_000, "scope_id": district }),
    )
    .await;
    let green = app
        .post(
            "/api/v1/processes/pp-2027/categories",
            Some(&admin.access_token),
            json!({ "name": { "ca": "Espais verds" } }),
        )
        .await;
    let green = green.body["id"].as_str().unwrap().to_string();
    let in_n1 = project(
        &app,
        &admin,
        &budget,
        json!({ "title": { "ca": "Arbres al Barri 1" }, "cost": 100, "scope_id": app.scope_id("N1").await, "category_id": green }),
    )
    .await;
    assert_eq!(in_n1.status, 201, "{in_n1:#?}");
    let citywide = project(
        &app,
        &admin,
        &budget,
        json!({ "title": { "ca": "Per a tota la ciutat" }, "cost": 100, "scope_id": app.scope_id("TST").await, "category_id": uuid::Uuid::now_v7() }),
    )
    .await;
    citywide.assert_problem(422, "validation_failed");
    let mut fields = citywide.field_errors();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("category_id".to_string(), "not_in_process".to_string()),
            ("scope_id".to_string(), "not_in_process".to_string()),
        ]
    );
    let other = project(
        &app,
        &admin,
        &budget,
        json!({ "title": { "ca": "Sense lloc" }, "cost": 200 }),
    )
    .await;
    assert_eq!(other.status, 201);
    let filtered = app
        .get(
            &format!("/api/v1/budgets/{budget}/projects?scope_id={district}&category_id={green}"),
            None,
        )
        .await;
    assert_eq!(costs(&filtered), [100], "{filtered:#?}");
}

#[tokio::test]
async fn residents_talk_projects_through_while_the_phase_opens_comments() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    crate::proposals::process_with(
        &app,
        &admin,
        "pp-2027",
        json!({ "comments": true }),
        json!({}),
    )
    .await;
    let (_, added) = gracia_with_a_park(&app, &admin).await;
    let id = added.body["id"].as_str().unwrap().to_string();
    assert_eq!(added.body["comments_count"], 0);
    let ana = app.participant("ana@example.org").await;
    let path = format!("/api/v1/projects/{id}/comments");
    let said = app
        .post(
            &path,
            Some(&ana.access_token),
            json!({ "body": "Necessitem més ombra al barri.", "alignment": 1 }),
        )
        .await;
    assert_eq!(said.status, 201, "{said:#?}");
    let reply = app
        .post(
            &path,
            Some(&admin.access_token),
            json!({ "body": "Es plantaran vint arbres.", "parent_id": said.body["id"] }),
        )
        .await;
    assert_eq!(reply.status, 201, "{reply:#?}");
    let thread = app.get(&path, None).await;
    assert_eq!(thread.status, 200, "{thread:#?}");
    assert_eq!(
        thread.body["items"][0]["comment"]["body"],
        "Necessitem més ombra al barri."
    );
    assert_eq!(
        thread.body["items"][0]["replies"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}"), None).await.body["comments_count"],
        2
    );
    // The thread's comments change as any other: their author deletes one, the count follows.
    let deleted = app
        .delete(
            &format!("/api/v1/comments/{}", said.body["id"].as_str().unwrap()),
            Some(&ana.access_token),
        )
        .await;
    assert_eq!(deleted.status, 200, "{deleted:#?}");
    assert_eq!(
        app.get(&format!("/api/v1/projects/{id}"), None).await.body["comments_count"],
        1
    );
    app.post(
        &format!("/api/v1/projects/{}/comments", uuid::Uuid::now_v7()),
        Some(&ana.access_token),
        json!({ "body": "On és?" }),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_project_takes_no_comments_while_its_phase_closes_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    process(&app, &admin).await;
    let (_, added) = gracia_with_a_park(&app, &admin).await;
    let ana = app.participant("ana@example.org").await;
    app.post(
        &format!(
            "/api/v1/projects/{}/comments",
            added.body["id"].as_str().unwrap()
        ),
        Some(&ana.access_token),
        json!({ "body": "Quan es votarà?" }),
    )
    .await
    .assert_problem(403, "comments_closed");
}

#[tokio::test]
async fn a_project_names_the_proposals_it_came_from_and_they_show_what_they_became() {
    use crate::proposals::{draft, open_process, published};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let slug = open_process(&app, &admin, json!({})).await;
    let ana = app.participant("ana@example.org").await;
    let fountain = published(&app, &ana, &slug, "Una font a la plaça del barri").await;
    let unpublished = draft(&app, &ana, &slug, "Un esborrany que ningú no veu").await;
    let unpublished = unpublished.body["id"].as_str().unwrap().to_string();
    let budget = crate::ballots::another_budget(&app, &admin, &slug, json!({})).await;
    let path = format!("/api/v1/budgets/{budget}/projects");
    let body = |proposals: Value| json!({ "title": { "ca": "Fonts per als barris" }, "cost": 50_000, "proposal_ids": proposals });

    let created = app
        .post(
            &path,
            Some(&admin.access_token),
            body(json!([fountain, fountain])),
        )
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
    assert_eq!(
        created.body["proposal_ids"],
        json!([fountain]),
        "a repeat counts once"
    );
    let project = created.body["id"].as_str().unwrap().to_string();
    let proposal = app
        .get(&format!("/api/v1/proposals/{fountain}"), None)
        .await;
    assert_eq!(
        proposal.body["became_projects"],
        json!([{ "project_id": project, "budget_id": budget }])
    );
    let listed = app.get(&path, None).await;
    assert_eq!(listed.body["items"][0]["proposal_ids"], json!([fountain]));
    let listed = app
        .get(&format!("/api/v1/processes/{slug}/proposals"), None)
        .await;
    assert_eq!(
        listed.body["items"][0]["became_projects"][0]["project_id"],
        json!(project)
    );

    // A draft, an unknown proposal, and a proposal of another process are refused by position.
    let refused = app
        .post(
            &path,
            Some(&admin.access_token),
            body(json!([unpublished, uuid::Uuid::now_v7()])),
        )
        .await;
    assert_eq!(
        refused.field_errors(),
        [
            ("proposal_ids.0".to_string(), "not_found".to_string()),
            ("proposal_ids.1".to_string(), "not_found".to_string()),
        ]
    );
    let elsewhere = crate::ballots::spending_anything(&app, &admin).await;
    let refused = app
        .post(
            &format!("/api/v1/budgets/{elsewhere}/projects"),
            Some(&admin.access_token),
            body(json!([fountain])),
        )
        .await;
    assert_eq!(
        refused.field_errors(),
        [("proposal_ids.0".to_string(), "not_in_process".to_string())]
    );

    // An admin unlinks them; the proposal no longer shows the project.
    let unlinked = app
        .patch(
            &format!("/api/v1/projects/{project}"),
            Some(&admin.access_token),
            json!({ "proposal_ids": [] }),
        )
        .await;
    assert_eq!(unlinked.status, 200, "{unlinked:#?}");
    assert_eq!(unlinked.body["proposal_ids"], json!([]));
    let proposal = app
        .get(&format!("/api/v1/proposals/{fountain}"), None)
        .await;
    assert_eq!(proposal.body["became_projects"], json!([]));
}
