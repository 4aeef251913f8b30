//! Residents' ballots: choosing projects, casting with a receipt, cancelling, and every refusal
//! the domain decides (DESIGN §2.5), as a frontend sees them.

use plaza_tests::{Reply, Session, TestApp};
use serde_json::{Value, json};

/// A voting phase around the test clock's start (2026-11-26 10:00 UTC): open from November 20
/// to December 20, 2026.
pub const VOTING_ENDS: time::OffsetDateTime = time::macros::datetime!(2026-12-20 00:00 UTC);

/// Creates process `slug` with one phase of budget voting and a budget with `settings` (total
/// 1,000,000 cents unless given); the budget's id.
pub async fn voting_budget(app: &TestApp, admin: &Session, slug: &str, settings: Value) -> String {
    let created = app
        .post(
            "/api/v1/processes",
            Some(&admin.access_token),
            json!({
                "slug": slug,
                "title": { "ca": "Pressupostos 2027" },
                "phases": [{
                    "title": { "ca": "Votació" },
                    "starts_at": "2026-11-20T00:00:00Z",
                    "ends_at": VOTING_ENDS.format(&time::format_description::well_known::Rfc3339).unwrap(),
                    "features": { "budget_voting": true },
                }],
            }),
        )
        .await;
    if created.status != 201 {
        assert_eq!(created.code(), "slug_taken", "{created:#?}");
    }
    another_budget(app, admin, slug, settings).await
}

/// A budget of process `pp-2027` where a ballot may spend any part of the 1,000,000 cents (a
/// knapsack without minimum); its id.
pub async fn spending_anything(app: &TestApp, admin: &Session) -> String {
    let rule = json!({ "voting_rule": { "kind": "knapsack", "min_percent": 0 } });
    voting_budget(app, admin, "pp-2027", rule).await
}

/// One more budget in process `slug`; its id.
pub async fn another_budget(app: &TestApp, admin: &Session, slug: &str, settings: Value) -> String {
    let mut body = json!({ "title": { "ca": "Pressupost" }, "total": 1_000_000 });
    if let (Some(body), Some(settings)) = (body.as_object_mut(), settings.as_object()) {
        body.extend(settings.clone());
    }
    let created = app
        .post(
            &format!("/api/v1/processes/{slug}/budgets"),
            Some(&admin.access_token),
            body,
        )
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
    created.body["id"].as_str().unwrap().to_string()
}

/// A project of `budget` costing `cost` cents; its id.
pub async fn project(app: &TestApp, admin: &Session, budget: &str, cost: i64) -> String {
    let created = app
        .post(
            &format!("/api/v1/budgets/{budget}/projects"),
            Some(&admin.access_token),
            json!({ "title": { "ca": format!("Projecte de {cost}") }, "cost": cost }),
        )
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
    created.body["id"].as_str().unwrap().to_string()
}

/// A valid Spanish DNI number from `n`.
pub fn dni(n: u32) -> String {
    const LETTERS: &[u8] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    let number = 10_000_000 + n;
    format!("{number}{}", LETTERS[(number % 23) as usize] as char)
}

/// A participant verified as a resident of scope `scope` (N1, N2, D1), born in 1990, holding
/// document `dni(document)`.
pub async fn resident(
    app: &TestApp,
    admin: &Session,
    email: &str,
    document: u32,
    scope: &str,
) -> Session {
    let who = app.participant(email).await;
    verify(app, admin, &who, document, "1990-04-01", scope).await;
    who
}

async fn verify(
    app: &TestApp,
    admin: &Session,
    who: &Session,
    document: u32,
    born: &str,
    scope: &str,
) {
    let csv = format!(
        "document_number,birth_date,scope_code\n{},{born},{scope}\n",
        dni(document)
    );
    let imported = app.import_census(admin, &csv).await;
    assert_eq!(imported.status, 200, "{imported:#?}");
    let verified = app
        .post(
            "/api/v1/me/verification",
            Some(&who.access_token),
            json!({ "document_number": dni(document), "birth_date": born }),
        )
        .await;
    assert_eq!(verified.status, 200, "{verified:#?}");
}

pub async fn choose(app: &TestApp, who: &Session, budget: &str, project: &str) -> Reply {
    app.call(
        poem::http::Method::PUT,
        &format!("/api/v1/budgets/{budget}/ballot/projects/{project}"),
        Some(&who.access_token),
        Some(json!({})),
    )
    .await
}

async fn give_points(
    app: &TestApp,
    who: &Session,
    budget: &str,
    project: &str,
    points: u32,
) -> Reply {
    app.call(
        poem::http::Method::PUT,
        &format!("/api/v1/budgets/{budget}/ballot/projects/{project}"),
        Some(&who.access_token),
        Some(json!({ "points": points })),
    )
    .await
}

async fn unchoose(app: &TestApp, who: &Session, budget: &str, project: &str) -> Reply {
    app.delete(
        &format!("/api/v1/budgets/{budget}/ballot/projects/{project}"),
        Some(&who.access_token),
    )
    .await
}

pub async fn checkout(app: &TestApp, who: &Session, budget: &str) -> Reply {
    app.post(
        &format!("/api/v1/budgets/{budget}/ballot/checkout"),
        Some(&who.access_token),
        json!({}),
    )
    .await
}

pub async fn ballot(app: &TestApp, who: &Session, budget: &str) -> Reply {
    let reply = app
        .get(
            &format!("/api/v1/budgets/{budget}/ballot"),
            Some(&who.access_token),
        )
        .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    reply
}

async fn receipt(app: &TestApp, who: &Session, budget: &str) -> Reply {
    app.get(
        &format!("/api/v1/budgets/{budget}/ballot/receipt"),
        Some(&who.access_token),
    )
    .await
}

async fn withdraw(app: &TestApp, who: &Session, budget: &str) -> Reply {
    app.delete(
        &format!("/api/v1/budgets/{budget}/ballot"),
        Some(&who.access_token),
    )
    .await
}

fn chosen(reply: &Reply) -> Vec<String> {
    reply.body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["project_id"].as_str().unwrap().to_string())
        .collect()
}

/// How many audit entries of `action` exist.
pub async fn audited(app: &TestApp, action: &str) -> usize {
    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    audit_log::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| entry.action == action)
        .count()
}

/// How many ballots, and how many of them cast, the budget has.
pub async fn ballots_of(app: &TestApp, budget: &str) -> (usize, usize) {
    use plaza_api::store::entities::ballots;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let rows = ballots::Entity::find()
        .filter(ballots::Column::BudgetId.eq(budget.parse::<uuid::Uuid>().unwrap()))
        .all(&app.state.db)
        .await
        .unwrap();
    let cast = rows.iter().filter(|row| row.status == "cast").count();
    (rows.len(), cast)
}

#[tokio::test]
async fn a_resident_fills_a_knapsack_ballot_casts_it_and_checks_the_receipt() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let budget = voting_budget(
        &app,
        &admin,
        "pp-2027",
        json!({ "voting_rule": { "kind": "knapsack", "min_percent": 50 } }),
    )
    .await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let library = project(&app, &admin, &budget, 500_000).await;
    let benches = project(&app, &admin, &budget, 300_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;

    let empty = ballot(&app, &ana, &budget).await;
    assert_eq!(empty.body["id"], Value::Null);
    assert_eq!(empty.body["status"], "draft");
    assert_eq!(empty.body["eligible"], true);
    assert_eq!(empty.body["voting_open"], true);
    assert_eq!(empty.body["can_checkout"], false);
    assert_eq!(empty.body["checkout_problem"], "too_few_projects");

    let first = choose(&app, &ana, &budget, &park).await;
    assert_eq!(first.status, 200, "{first:#?}");
    assert_eq!(chosen(&first), [park.as_str()]);
    assert_eq!(first.body["total_cost"], 400_000);
    assert_eq!(first.body["checkout_problem"], "below_minimum_spend");
    checkout(&app, &ana, &budget)
        .await
        .assert_problem(422, "below_minimum_spend");
    assert_eq!(ballot(&app, &ana, &budget).await.body["status"], "draft");
    // The same choice again changes nothing (sent without a body, as a frontend may).
    let again = app
        .call(
            poem::http::Method::PUT,
            &format!("/api/v1/budgets/{budget}/ballot/projects/{park}"),
            Some(&ana.access_token),
            None,
        )
        .await;
    assert_eq!(again.status, 200, "{again:#?}");
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(chosen(&again), [park.as_str()]);

    let both = choose(&app, &ana, &budget, &library).await;
    assert_eq!(both.body["total_cost"], 900_000);
    assert_eq!(both.body["can_checkout"], true);
    choose(&app, &ana, &budget, &benches)
        .await
        .assert_problem(422, "over_budget");
    assert_eq!(
        ballot(&app, &ana, &budget).await.body["total_cost"],
        900_000
    );

    let cast = checkout(&app, &ana, &budget).await;
    assert_eq!(cast.status, 200, "{cast:#?}");
    assert_eq!(cast.body["ballot_id"], first.body["id"]);
    assert_eq!(cast.body["valid"], true);
    assert_eq!(cast.body["format"], "plaza-ballot-receipt/1");
    let seal = cast.body["seal"].as_str().unwrap().to_string();
    assert_eq!(seal.len(), 64);
    assert!(seal.bytes().all(|b| b.is_ascii_hexdigit()));

    let read = receipt(&app, &ana, &budget).await;
    assert_eq!(read.status, 200, "{read:#?}");
    assert_eq!(
        read.body, cast.body,
        "the receipt read back is the one given"
    );
    let shown = ballot(&app, &ana, &budget).await;
    assert_eq!(shown.body["status"], "cast");
    assert_eq!(shown.body["cast_at"], cast.body["cast_at"]);
    assert_eq!(shown.body["can_checkout"], false);

    choose(&app, &ana, &budget, &benches)
        .await
        .assert_problem(409, "ballot_already_cast");
    unchoose(&app, &ana, &budget, &park)
        .await
        .assert_problem(409, "ballot_already_cast");
    checkout(&app, &ana, &budget)
        .await
        .assert_problem(409, "ballot_already_cast");

    assert_eq!(audited(&app, "ballot.checkout").await, 1);
    app.run_outbox().await;
    let mail = app.only_mail_to("ana@example.org").await;
    assert!(mail.body.contains(&seal), "{}", mail.body);
    assert!(
        mail.body.contains(first.body["id"].as_str().unwrap()),
        "{}",
        mail.body
    );
    assert_eq!(ballots_of(&app, &budget).await, (1, 1));
}

#[tokio::test]
async fn a_voter_cancels_while_voting_is_open_and_nothing_changes_once_it_closes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let budget = spending_anything(&app, &admin).await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let library = project(&app, &admin, &budget, 500_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    choose(&app, &ana, &budget, &park).await;
    let first = checkout(&app, &ana, &budget).await;
    assert_eq!(first.status, 200, "{first:#?}");

    let cancelled = withdraw(&app, &ana, &budget).await;
    assert_eq!(cancelled.status, 200, "{cancelled:#?}");
    assert_eq!(cancelled.body["status"], "draft");
    assert_eq!(chosen(&cancelled), [park.as_str()], "its projects stay");
    receipt(&app, &ana, &budget)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(audited(&app, "ballot.cancel").await, 1);
    assert_eq!(ballots_of(&app, &budget).await, (1, 0));

    // Adjusted and cast again: a new receipt.
    assert_eq!(choose(&app, &ana, &budget, &library).await.status, 200);
    app.clock.advance(time::Duration::seconds(5));
    let second = checkout(&app, &ana, &budget).await;
    assert_eq!(second.status, 200, "{second:#?}");
    assert_ne!(second.body["seal"], first.body["seal"]);
    assert_eq!(ballots_of(&app, &budget).await, (1, 1));

    // Emptying a draft keeps nothing.
    withdraw(&app, &ana, &budget).await;
    let emptied = withdraw(&app, &ana, &budget).await;
    assert_eq!(emptied.status, 200, "{emptied:#?}");
    assert_eq!(chosen(&emptied), Vec::<String>::new());
    assert_eq!(choose(&app, &ana, &budget, &park).await.status, 200);
    assert_eq!(checkout(&app, &ana, &budget).await.status, 200);

    // One second after the phase ends: no write, whatever the client thinks the time is.
    app.clock.set(VOTING_ENDS + time::Duration::seconds(1));
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    withdraw(&app, &ana, &budget)
        .await
        .assert_problem(403, "voting_closed");
    choose(&app, &ana, &budget, &library)
        .await
        .assert_problem(403, "voting_closed");
    let closed = ballot(&app, &ana, &budget).await;
    assert_eq!(closed.body["voting_open"], false);
    assert_eq!(closed.body["status"], "cast", "a cast ballot stays cast");
    assert_eq!(receipt(&app, &ana, &budget).await.body["valid"], true);
}

#[tokio::test]
async fn only_residents_the_budget_is_for_vote_and_only_for_its_own_projects() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let n2 = app.scope_id("N2").await;
    let budget = voting_budget(&app, &admin, "pp-2027", json!({ "scope_id": n2 })).await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let elsewhere = another_budget(&app, &admin, "pp-2027", json!({})).await;
    let foreign = project(&app, &admin, &elsewhere, 100_000).await;

    let unverified = app.participant("una@example.org").await;
    let refused = choose(&app, &unverified, &budget, &park).await;
    refused.assert_problem(403, "not_eligible");
    assert_eq!(refused.body["reason"], "not_a_resident");
    assert_eq!(
        ballot(&app, &unverified, &budget).await.body["ineligible_reason"],
        "not_a_resident"
    );

    let neighbour = resident(&app, &admin, "nil@example.org", 2, "N1").await;
    let refused = choose(&app, &neighbour, &budget, &park).await;
    refused.assert_problem(403, "not_eligible");
    assert_eq!(refused.body["reason"], "outside_budget_scope");

    let ana = resident(&app, &admin, "ana@example.org", 1, "N2").await;
    choose(&app, &ana, &budget, &foreign)
        .await
        .assert_problem(422, "project_of_another_budget");
    choose(&app, &ana, &budget, &uuid::Uuid::now_v7().to_string())
        .await
        .assert_problem(404, "not_found");
    app.get(
        &format!("/api/v1/budgets/{}/ballot", uuid::Uuid::now_v7()),
        Some(&ana.access_token),
    )
    .await
    .assert_problem(404, "not_found");
    app.get(&format!("/api/v1/budgets/{budget}/ballot"), None)
        .await
        .assert_problem(401, "unauthenticated");
    assert_eq!(
        ballots_of(&app, &budget).await,
        (0, 0),
        "no refusal left a ballot"
    );
    assert_eq!(choose(&app, &ana, &budget, &park).await.status, 200);
}

#[tokio::test]
async fn checkout_below_the_rules_requirements_leaves_a_draft() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let approval = voting_budget(
        &app,
        &admin,
        "pp-2027",
        json!({
            "voting_rule": { "kind": "approval", "min_projects": 2, "max_projects": 2 },
            "workflow": "all",
        }),
    )
    .await;
    let a = project(&app, &admin, &approval, 100_000).await;
    let b = project(&app, &admin, &approval, 100_000).await;
    let c = project(&app, &admin, &approval, 100_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    choose(&app, &ana, &approval, &a).await;
    checkout(&app, &ana, &approval)
        .await
        .assert_problem(422, "too_few_projects");
    assert_eq!(ballot(&app, &ana, &approval).await.body["status"], "draft");
    choose(&app, &ana, &approval, &b).await;
    choose(&app, &ana, &approval, &c)
        .await
        .assert_problem(422, "too_many_projects");
    give_points(&app, &ana, &approval, &c, 2)
        .await
        .assert_problem(422, "validation_failed");

    let cumulative = another_budget(
        &app,
        &admin,
        "pp-2027",
        json!({
            "voting_rule": { "kind": "cumulative", "points": 6, "max_per_project": 4 },
            "workflow": "all",
        }),
    )
    .await;
    let x = project(&app, &admin, &cumulative, 100_000).await;
    let y = project(&app, &admin, &cumulative, 100_000).await;
    let refused = choose(&app, &ana, &cumulative, &x).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [("points".to_string(), "points_required".to_string())]
    );
    give_points(&app, &ana, &cumulative, &x, 5)
        .await
        .assert_problem(422, "too_many_points_for_project");
    assert_eq!(
        give_points(&app, &ana, &cumulative, &x, 3).await.status,
        200
    );
    // The same project again replaces its points.
    let replaced = give_points(&app, &ana, &cumulative, &x, 4).await;
    assert_eq!(replaced.status, 200, "{replaced:#?}");
    assert_eq!(replaced.body["points_used"], 4);
    checkout(&app, &ana, &cumulative)
        .await
        .assert_problem(422, "points_left_unspent");
    give_points(&app, &ana, &cumulative, &y, 3)
        .await
        .assert_problem(422, "too_many_points");
    assert_eq!(
        give_points(&app, &ana, &cumulative, &y, 2).await.status,
        200
    );
    assert_eq!(checkout(&app, &ana, &cumulative).await.status, 200);
    assert_eq!(ballots_of(&app, &approval).await, (1, 0));
}

#[tokio::test]
async fn under_workflow_one_the_first_budget_cast_takes_the_residents_vote() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let rule = json!({ "voting_rule": { "kind": "knapsack", "min_percent": 0 } });
    let first = voting_budget(&app, &admin, "pp-2027", rule.clone()).await;
    let second = another_budget(&app, &admin, "pp-2027", rule).await;
    let a = project(&app, &admin, &first, 100_000).await;
    let b = project(&app, &admin, &second, 100_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    assert_eq!(choose(&app, &ana, &first, &a).await.status, 200);
    let refused = choose(&app, &ana, &second, &b).await;
    refused.assert_problem(403, "not_eligible");
    assert_eq!(refused.body["reason"], "workflow_limit_reached");
    assert_eq!(checkout(&app, &ana, &first).await.status, 200);
    assert_eq!(
        ballot(&app, &ana, &second).await.body["ineligible_reason"],
        "workflow_limit_reached"
    );
}

#[tokio::test]
async fn a_new_account_of_the_same_resident_inherits_having_voted_never_the_vote() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let budget = spending_anything(&app, &admin).await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let library = project(&app, &admin, &budget, 500_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    choose(&app, &ana, &budget, &park).await;
    assert_eq!(checkout(&app, &ana, &budget).await.status, 200);
    assert_eq!(
        app.delete("/api/v1/me", Some(&ana.access_token))
            .await
            .status,
        204
    );

    let again = app.participant("ana.nova@example.org").await;
    verify(&app, &admin, &again, 1, "1990-04-01", "N1").await;
    let inherited = ballot(&app, &again, &budget).await;
    assert_eq!(inherited.body["status"], "cast", "already voted");
    assert_eq!(inherited.body["inherited"], true);
    assert_eq!(
        chosen(&inherited),
        Vec::<String>::new(),
        "never the old content"
    );
    assert_eq!(inherited.body["total_cost"], 0);
    receipt(&app, &again, &budget)
        .await
        .assert_problem(404, "not_found");
    choose(&app, &again, &budget, &library)
        .await
        .assert_problem(409, "ballot_already_cast");
    checkout(&app, &again, &budget)
        .await
        .assert_problem(409, "ballot_already_cast");

    // Cancelled, it comes back empty, and can be filled and cast anew: still one ballot.
    let cancelled = withdraw(&app, &again, &budget).await;
    assert_eq!(cancelled.status, 200, "{cancelled:#?}");
    assert_eq!(cancelled.body["status"], "draft");
    assert_eq!(cancelled.body["inherited"], false);
    assert_eq!(chosen(&cancelled), Vec::<String>::new());
    assert_eq!(choose(&app, &again, &budget, &library).await.status, 200);
    assert_eq!(checkout(&app, &again, &budget).await.status, 200);
    assert_eq!(ballots_of(&app, &budget).await, (1, 1));
}

#[tokio::test]
async fn a_retried_checkout_with_its_key_gets_the_same_receipt() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let budget = spending_anything(&app, &admin).await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    choose(&app, &ana, &budget, &park).await;
    let path = format!("/api/v1/budgets/{budget}/ballot/checkout");
    let bearer = format!("Bearer {}", ana.access_token);
    let headers = [
        ("host", plaza_tests::HOST),
        ("authorization", bearer.as_str()),
        ("idempotency-key", "checkout-1"),
    ];
    let send = || app.call_with_headers(poem::http::Method::POST, &path, &headers, Some(json!({})));
    let first = send().await;
    let retried = send().await;
    assert_eq!(first.status, 200, "{first:#?}");
    assert_eq!(retried.status, 200, "{retried:#?}");
    assert_eq!(retried.body, first.body);
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    assert_eq!(audited(&app, "ballot.checkout").await, 1);
}
