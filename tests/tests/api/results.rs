//! A budget's results: tallied once voting closed, private until an admin publishes them, then
//! public with a Pabulib file that recounts them (DESIGN §2.5, §6).

use crate::ballots::{
    VOTING_ENDS, another_budget, checkout, choose, project, resident, spending_anything,
    voting_budget,
};
use plaza_tests::{Reply, Session, TestApp};
use serde_json::{Value, json};

const ADMIN_EMAIL: &str = "admin@plaza.test";
const ADMIN_PASSWORD: &str = "sturdy violet kettle harbour 42";

/// Moves the clock past the end of voting; the admin signed in again (tokens expire).
async fn close_voting(app: &TestApp) -> Session {
    app.clock.set(VOTING_ENDS + time::Duration::seconds(1));
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
}

async fn tally(app: &TestApp, who: Option<&Session>, budget: &str) -> Reply {
    app.post(
        &format!("/api/v1/budgets/{budget}/tally"),
        who.map(|s| s.access_token.as_str()),
        json!({}),
    )
    .await
}

async fn publish(app: &TestApp, who: &Session, budget: &str) -> Reply {
    app.post(
        &format!("/api/v1/budgets/{budget}/results/publish"),
        Some(&who.access_token),
        json!({}),
    )
    .await
}

async fn results(app: &TestApp, who: Option<&Session>, budget: &str) -> Reply {
    app.get(
        &format!("/api/v1/budgets/{budget}/results"),
        who.map(|s| s.access_token.as_str()),
    )
    .await
}

async fn export(app: &TestApp, budget: &str) -> Reply {
    app.get(&format!("/api/v1/budgets/{budget}/export.pb"), None)
        .await
}

/// The funded project ids of a results answer, sorted.
fn funded(reply: &Reply) -> Vec<String> {
    let mut ids: Vec<String> = reply.body["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|line| line["selected"] == true)
        .map(|line| line["project_id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

/// What `plaza pb tally FILE --rule meta --json` funds on `text`.
fn recounted(text: &str) -> Vec<String> {
    let path = std::env::temp_dir().join(format!("plaza-export-{}.pb", uuid::Uuid::now_v7()));
    std::fs::write(&path, text).unwrap();
    let mut warnings = Vec::new();
    let printed = plaza_api::pb::tally_file(&path, "meta", None, true, &mut warnings).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!(warnings, Vec::<String>::new());
    let tally: Value = serde_json::from_str(&printed).unwrap();
    tally["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn results_are_tallied_after_voting_and_private_until_an_admin_publishes_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let budget = spending_anything(&app, &admin).await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let library = project(&app, &admin, &budget, 700_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    let bea = resident(&app, &admin, "bea@example.org", 2, "N1").await;
    for who in [&ana, &bea] {
        assert_eq!(choose(&app, who, &budget, &park).await.status, 200);
        assert_eq!(checkout(&app, who, &budget).await.status, 200);
    }
    assert_eq!(choose(&app, &ana, &budget, &library).await.status, 409);

    tally(&app, Some(&admin), &budget)
        .await
        .assert_problem(409, "voting_not_closed");
    results(&app, Some(&admin), &budget)
        .await
        .assert_problem(404, "not_found");

    let admin = close_voting(&app).await;
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    tally(&app, Some(&ana), &budget)
        .await
        .assert_problem(403, "forbidden");
    let asked = tally(&app, Some(&admin), &budget).await;
    assert_eq!(asked.status, 202, "{asked:#?}");
    assert_eq!(asked.body["stage"], "computing");
    assert_eq!(
        results(&app, Some(&admin), &budget).await.body["stage"],
        "computing"
    );
    publish(&app, &admin, &budget)
        .await
        .assert_problem(409, "results_not_computed");
    results(&app, None, &budget)
        .await
        .assert_problem(404, "not_found");

    app.run_outbox().await;
    let computed = results(&app, Some(&admin), &budget).await;
    assert_eq!(computed.status, 200, "{computed:#?}");
    assert_eq!(computed.body["stage"], "computed");
    assert_eq!(computed.body["ballots"], 2);
    assert_eq!(computed.body["rule"], "greedy");
    assert_eq!(computed.body["tie_breaking"], "cost-then-votes");
    assert_eq!(computed.body["projects"][0]["project_id"], json!(park));
    assert_eq!(computed.body["projects"][0]["votes"], 2);
    assert_eq!(computed.body["projects"][0]["position"], 1);
    assert_eq!(funded(&computed), [park.as_str()]);
    assert_eq!(computed.body["total_cost"], 400_000);
    // Each result explains itself: the park's turn came first with the whole budget; the
    // library's came second, with 600,000 left for its 700,000.
    assert_eq!(
        computed.body["projects"][0]["turn"],
        json!({ "rank": 1, "money_left": 1_000_000 })
    );
    assert_eq!(computed.body["projects"][1]["project_id"], json!(library));
    assert_eq!(
        computed.body["projects"][1]["turn"],
        json!({ "rank": 2, "money_left": 600_000 })
    );
    assert_eq!(computed.body["projects"][1]["selected"], false);
    // Nobody but admins reads them yet: not a resident, not the public, not the file.
    results(&app, Some(&ana), &budget)
        .await
        .assert_problem(404, "not_found");
    export(&app, &budget).await.assert_problem(404, "not_found");

    let published = publish(&app, &admin, &budget).await;
    assert_eq!(published.status, 200, "{published:#?}");
    assert_eq!(published.body["stage"], "published");
    let public = results(&app, None, &budget).await;
    assert_eq!(public.status, 200, "{public:#?}");
    assert_eq!(public.body, published.body);
    tally(&app, Some(&admin), &budget)
        .await
        .assert_problem(409, "results_already_published");
    publish(&app, &admin, &budget)
        .await
        .assert_problem(409, "results_already_published");

    let file = export(&app, &budget).await;
    assert_eq!(file.status, 200, "{file:#?}");
    assert!(
        file.header("content-disposition")
            .is_some_and(|value| value.contains(".pb")),
        "{file:#?}"
    );
    let text = file.body.as_str().unwrap();
    assert!(text.starts_with("META\n"), "{text}");
    assert!(text.contains("rule;greedy\n"), "{text}");
    assert!(text.contains("budget;10000.00\n"), "{text}");
    assert!(text.contains("num_votes;2\n"), "{text}");
    assert!(!text.contains("ana@example.org") && !text.contains(&ana.user_id.to_string()));
    assert_eq!(recounted(text), funded(&public));
    assert_eq!(
        public.body["inputs_sha256"].as_str().unwrap().len(),
        64,
        "{public:#?}"
    );
    assert_eq!(crate::ballots::audited(&app, "budget.tally").await, 1);
    assert_eq!(
        crate::ballots::audited(&app, "budget.results.publish").await,
        1
    );
}

/// Writes `count` cast ballots of `budget` straight into the database (as the ballot endpoints
/// store them), choosing projects by a fixed pseudo-random sequence: `choose(n, projects)`.
async fn cast_ballots(
    app: &TestApp,
    admin: &Session,
    budget: &str,
    count: u32,
    choose: impl Fn(u32) -> Vec<usize>,
    projects: &[String],
) {
    use plaza_api::store::entities::{ballot_lines, ballots, budgets};
    use sea_orm::{EntityTrait, IntoActiveModel};
    let db = &app.state.db;
    let budget_id: uuid::Uuid = budget.parse().unwrap();
    let process_id = budgets::Entity::find_by_id(budget_id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .process_id;
    let scope = app.scope_id("N1").await;
    let now = app.state.now();
    for chunk in (0..count).collect::<Vec<_>>().chunks(500) {
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        for n in chunk {
            let id = uuid::Uuid::now_v7();
            rows.push(
                ballots::Model {
                    id,
                    organization_id: app.organization.id.uuid(),
                    process_id,
                    budget_id,
                    voter: format!("voter-{budget}-{n}"),
                    user_id: admin.user_id.uuid(),
                    residence_scope_id: scope,
                    status: "cast".into(),
                    cast_at: Some(now),
                    receipt_mac: Some("0".repeat(64)),
                    receipt_key_id: Some("test".into()),
                    created_at: now,
                    updated_at: now,
                }
                .into_active_model(),
            );
            for at in choose(*n) {
                lines.push(
                    ballot_lines::Model {
                        ballot_id: id,
                        project_id: projects[at].parse().unwrap(),
                        points: 1,
                    }
                    .into_active_model(),
                );
            }
        }
        ballots::Entity::insert_many(rows).exec(db).await.unwrap();
        ballot_lines::Entity::insert_many(lines)
            .exec(db)
            .await
            .unwrap();
    }
}

/// A fixed pseudo-random number from `n` and `salt` (a hash, so that ballots differ).
fn mix(n: u32, salt: u32) -> u32 {
    let mut x = n.wrapping_mul(0x9E37_79B9) ^ salt.wrapping_mul(0x85EB_CA6B);
    x ^= x >> 15;
    x = x.wrapping_mul(0x2C1B_3C6D);
    x ^ (x >> 12)
}

#[tokio::test]
async fn five_thousand_ballots_round_trip_through_the_published_file() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // A knapsack budget computed by Equal Shares, and an approval budget computed greedily.
    let knapsack = voting_budget(
        &app,
        &admin,
        "pp-2027",
        json!({
            "total": 100_000_000,
            "voting_rule": { "kind": "knapsack", "min_percent": 0 },
            "outcome_rule": "equal_shares",
            "workflow": "all",
        }),
    )
    .await;
    let approval = another_budget(
        &app,
        &admin,
        "pp-2027",
        json!({
            "total": 100_000_000,
            "voting_rule": { "kind": "approval", "min_projects": 1, "max_projects": 4 },
            "workflow": "all",
        }),
    )
    .await;
    let costs = [
        35_000_000, 12_500_000, 8_000_000, 20_000_000, 15_000_050, 42_000_000, 5_000_000,
        27_500_000, 9_999_999, 18_000_000,
    ];
    let mut knapsack_projects = Vec::new();
    let mut approval_projects = Vec::new();
    for cost in costs {
        knapsack_projects.push(project(&app, &admin, &knapsack, cost).await);
        approval_projects.push(project(&app, &admin, &approval, cost).await);
    }
    // Knapsack ballots: projects in a shuffled order while they fit the total.
    let fits = |n: u32| {
        let mut chosen = Vec::new();
        let mut spent = 0;
        for k in 0..10 {
            let at = (mix(n, k) % 10) as usize;
            if !chosen.contains(&at)
                && spent + costs[at] <= 100_000_000
                && !mix(n, k + 50).is_multiple_of(3)
            {
                spent += costs[at];
                chosen.push(at);
            }
        }
        if chosen.is_empty() {
            chosen.push((n % 10) as usize);
        }
        chosen
    };
    // Approval ballots: 1 to 4 projects, popular ones more often.
    let approves = |n: u32| {
        let wanted = 1 + (mix(n, 7) % 4) as usize;
        let mut chosen = Vec::new();
        for k in 0..20 {
            let at = ((mix(n, k + 100) % 100) as f64).sqrt() as usize;
            if chosen.len() < wanted && !chosen.contains(&at) {
                chosen.push(at);
            }
        }
        chosen
    };
    cast_ballots(&app, &admin, &knapsack, 5_000, fits, &knapsack_projects).await;
    cast_ballots(&app, &admin, &approval, 5_000, approves, &approval_projects).await;

    let admin = close_voting(&app).await;
    for budget in [&knapsack, &approval] {
        assert_eq!(tally(&app, Some(&admin), budget).await.status, 202);
    }
    app.run_outbox().await;
    for (budget, rule) in [
        (
            &knapsack,
            "mes_cost_sat_budget_increase_no_exhaustive_stop_then_greedy",
        ),
        (&approval, "greedy"),
    ] {
        let computed = results(&app, Some(&admin), budget).await;
        assert_eq!(computed.body["stage"], "computed", "{computed:#?}");
        assert_eq!(computed.body["ballots"], 5_000);
        assert_eq!(computed.body["rule"], rule);
        assert_eq!(publish(&app, &admin, budget).await.status, 200);
        let public = results(&app, None, budget).await;
        let file = export(&app, budget).await;
        let text = file.body.as_str().unwrap();
        assert!(text.contains("num_votes;5000\n"), "{}", &text[..400]);
        let selected = funded(&public);
        assert!(!selected.is_empty());
        assert_eq!(
            recounted(text),
            selected,
            "{rule}: the file recounts the result"
        );
        assert!(
            public.body["total_cost"].as_i64().unwrap() <= 100_000_000,
            "{public:#?}"
        );
    }
}

/// The votes of project `id` as everyone reads them (`null` while secret).
async fn votes_of(app: &TestApp, id: &str) -> Value {
    let read = app.get(&format!("/api/v1/projects/{id}"), None).await;
    assert_eq!(read.status, 200, "{read:#?}");
    read.body["votes"].clone()
}

async fn most_voted(app: &TestApp, budget: &str) -> Reply {
    app.get(
        &format!("/api/v1/budgets/{budget}/projects?sort=most_voted"),
        None,
    )
    .await
}

#[tokio::test]
async fn vote_counts_stay_secret_until_published_unless_the_budget_shows_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let secret = spending_anything(&app, &admin).await;
    let shown = another_budget(
        &app,
        &admin,
        "pp-2027",
        json!({
            "voting_rule": { "kind": "knapsack", "min_percent": 0 },
            "show_votes_during_voting": true,
            "workflow": "one",
        }),
    )
    .await;
    let park = project(&app, &admin, &secret, 400_000).await;
    let square = project(&app, &admin, &secret, 300_000).await;
    let trees = project(&app, &admin, &shown, 200_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    let bea = resident(&app, &admin, "bea@example.org", 2, "N1").await;
    for who in [&ana, &bea] {
        assert_eq!(choose(&app, who, &secret, &park).await.status, 200);
        assert_eq!(checkout(&app, who, &secret).await.status, 200);
    }

    // Secret during voting: no count, no order by counts.
    assert_eq!(votes_of(&app, &park).await, Value::Null);
    let refused = most_voted(&app, &secret).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [("sort".to_string(), "votes_secret".to_string())]
    );
    let listed = app
        .get(&format!("/api/v1/budgets/{secret}/projects"), None)
        .await;
    assert!(
        listed.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["votes"].is_null()),
        "{listed:#?}"
    );

    // Shown during voting: counted at checkout, uncounted at cancellation.
    let cy = resident(&app, &admin, "cy@example.org", 3, "N1").await;
    assert_eq!(choose(&app, &cy, &shown, &trees).await.status, 200);
    assert_eq!(votes_of(&app, &trees).await, 0);
    assert_eq!(checkout(&app, &cy, &shown).await.status, 200);
    assert_eq!(votes_of(&app, &trees).await, 1);
    assert_eq!(most_voted(&app, &shown).await.status, 200);
    let cancelled = app
        .delete(
            &format!("/api/v1/budgets/{shown}/ballot"),
            Some(&cy.access_token),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{cancelled:#?}");
    assert_eq!(votes_of(&app, &trees).await, 0);

    // Published: everyone reads the counts and may order by them.
    let admin = close_voting(&app).await;
    assert_eq!(tally(&app, Some(&admin), &secret).await.status, 202);
    app.run_outbox().await;
    assert_eq!(
        votes_of(&app, &park).await,
        Value::Null,
        "computed is not published"
    );
    assert_eq!(publish(&app, &admin, &secret).await.status, 200);
    assert_eq!(votes_of(&app, &park).await, 2);
    assert_eq!(votes_of(&app, &square).await, 0);
    let ordered = most_voted(&app, &secret).await;
    assert_eq!(ordered.status, 200, "{ordered:#?}");
    assert_eq!(ordered.body["items"][0]["id"], json!(park));
    assert_eq!(ordered.body["items"][0]["votes"], 2);
}

#[tokio::test]
async fn equal_shares_results_say_why_each_project_was_bought_or_not_and_how_a_share_was_spent() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let rule = json!({
        "total": 330_000,
        "outcome_rule": "equal_shares",
        "voting_rule": { "kind": "knapsack", "min_percent": 0 },
    });
    let budget = voting_budget(&app, &admin, "pp-2027", rule).await;
    let square = project(&app, &admin, &budget, 120_000).await;
    let pool = project(&app, &admin, &budget, 200_000).await;
    let bench = project(&app, &admin, &budget, 50_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    let bea = resident(&app, &admin, "bea@example.org", 2, "N1").await;
    let cai = resident(&app, &admin, "cai@example.org", 3, "N1").await;
    // Everyone wants the square; Ana the pool too, Bea the bench too.
    for (who, extra) in [(&ana, Some(&pool)), (&bea, Some(&bench)), (&cai, None)] {
        for chosen in std::iter::once(&square).chain(extra) {
            assert_eq!(choose(&app, who, &budget, chosen).await.status, 200);
        }
        assert_eq!(checkout(&app, who, &budget).await.status, 200);
    }
    let admin = close_voting(&app).await;
    assert_eq!(tally(&app, Some(&admin), &budget).await.status, 202);
    app.run_outbox().await;
    assert_eq!(publish(&app, &admin, &budget).await.status, 200);
    let published = results(&app, None, &budget).await;
    assert_eq!(published.status, 200, "{published:#?}");
    assert_eq!(funded(&published), sorted(&[&square, &bench]));
    // The completion raised every share from 1,100 € (the total over three voters) while the
    // outcome still fit: at 2,400 € Ana could have paid the pool alone, which overspends the
    // 3,300 €; 2,399 € was the last share.
    assert_eq!(published.body["endowment"], 239_900);
    let line = |id: &str| {
        published.body["projects"]
            .as_array()
            .unwrap()
            .iter()
            .find(|line| line["project_id"] == id)
            .unwrap()["shares"]
            .clone()
    };
    // Round 1: the square, its three supporters paying 400 € each.
    assert_eq!(
        line(&square),
        json!({ "kind": "bought", "round": 1, "price": 40_000, "supporters": 3,
                "paying_everything": 0, "after": null, "supporters_left": null })
    );
    // Round 2: the bench, Bea paying its 500 € alone.
    assert_eq!(line(&bench)["round"], 2);
    assert_eq!(line(&bench)["price"], 50_000);
    // The pool went out of reach once the square was paid: Ana alone held 1,999 €.
    assert_eq!(
        line(&pool),
        json!({ "kind": "out_of_reach", "round": null, "price": null, "supporters": null,
                "paying_everything": null, "after": 1, "supporters_left": 199_900 })
    );

    // Each voter reads how their own share was spent.
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    let share = app
        .get(
            &format!("/api/v1/budgets/{budget}/ballot/share"),
            Some(&ana.access_token),
        )
        .await;
    assert_eq!(share.status, 200, "{share:#?}");
    assert_eq!(share.body["endowment"], 239_900);
    assert_eq!(
        share.body["choices"],
        json!([
            { "project_id": square, "points": 1, "round": 1, "due": 40_000, "paid": 40_000,
              "selected": true },
            { "project_id": pool, "points": 1, "round": null, "due": null, "paid": 0,
              "selected": false },
        ])
    );
    assert_eq!(share.body["left"], 199_900);
    // Only one's own: without a cast ballot there is nothing to explain.
    let dan = app.participant("dan@example.org").await;
    app.get(
        &format!("/api/v1/budgets/{budget}/ballot/share"),
        Some(&dan.access_token),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn a_share_is_not_explained_for_a_greedy_budget_or_before_publication() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let budget = spending_anything(&app, &admin).await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    assert_eq!(choose(&app, &ana, &budget, &park).await.status, 200);
    assert_eq!(checkout(&app, &ana, &budget).await.status, 200);
    let share = |who: Session| {
        let app = &app;
        let budget = budget.clone();
        async move {
            app.get(
                &format!("/api/v1/budgets/{budget}/ballot/share"),
                Some(&who.access_token),
            )
            .await
        }
    };
    share(ana.clone()).await.assert_problem(404, "not_found");
    let admin = close_voting(&app).await;
    assert_eq!(tally(&app, Some(&admin), &budget).await.status, 202);
    app.run_outbox().await;
    assert_eq!(publish(&app, &admin, &budget).await.status, 200);
    let published = results(&app, None, &budget).await;
    assert_eq!(published.body["endowment"], Value::Null);
    assert_eq!(published.body["projects"][0]["shares"], Value::Null);
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    share(ana).await.assert_problem(404, "not_found");
}

fn sorted(ids: &[&String]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    ids.sort();
    ids
}
