//! Scopes and processes.

use plaza_tests::TestApp;
use serde_json::{Value, json};
use uuid::Uuid;

fn phase(title: &str, starts: &str, ends: &str, features: Value) -> Value {
    json!({ "title": { "ca": title }, "starts_at": starts, "ends_at": ends, "features": features })
}

fn process_body(slug: &str) -> Value {
    json!({
        "slug": slug,
        "title": { "ca": "Pressupostos 2027", "es": "Presupuestos 2027" },
        "description": { "ca": "Decidim junts" },
        "phases": [
            phase("Propostes", "2026-11-01T00:00:00+01:00", "2026-12-01T00:00:00+01:00", json!({ "proposals_creation": true, "comments": true })),
            phase("Votació", "2026-12-01T00:00:00+01:00", "2026-12-15T00:00:00+01:00", json!({ "budget_voting": true })),
        ],
    })
}

#[tokio::test]
async fn scopes_are_listed_as_a_tree() {
    let app = TestApp::spawn().await;
    let reply = app.get("/api/v1/scopes", None).await;
    assert_eq!(reply.status, 200);
    let city = &reply.body[0];
    assert_eq!(
        (city["code"].as_str(), city["kind"].as_str()),
        (Some("TST"), Some("city"))
    );
    let district = &city["children"][0];
    assert_eq!(district["code"], "D1");
    let codes: Vec<&str> = district["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["N1", "N2"]);
    assert_eq!(district["children"][0]["name_text"], "Barri 1");
}

#[tokio::test]
async fn only_admins_manage_scopes_and_codes_are_unique() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ana = app.participant("ana@example.org").await;
    let district = app.scope_id("D1").await;
    let body = json!({ "code": "N3", "kind": "neighbourhood", "name": { "ca": "Barri 3", "es": "Barrio 3" }, "parent_id": district });
    app.post("/api/v1/scopes", Some(&ana.access_token), body.clone())
        .await
        .assert_problem(403, "forbidden");
    let created = app
        .post("/api/v1/scopes", Some(&admin.access_token), body.clone())
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
    assert_eq!(
        created.header("location").map(str::to_string),
        Some(format!(
            "/api/v1/scopes/{}",
            created.body["id"].as_str().unwrap()
        ))
    );
    app.post("/api/v1/scopes", Some(&admin.access_token), body)
        .await
        .assert_problem(409, "already_taken");

    let n3 = created.body["id"].as_str().unwrap();
    let city = app.scope_id("TST").await;
    let cycle = app
        .patch(
            &format!("/api/v1/scopes/{city}"),
            Some(&admin.access_token),
            json!({ "parent_id": n3 }),
        )
        .await;
    cycle.assert_problem(422, "validation_failed");
    assert_eq!(
        cycle.field_errors(),
        vec![("parent_id".into(), "cycle".into())]
    );
    let renamed = app
        .patch(
            &format!("/api/v1/scopes/{n3}"),
            Some(&admin.access_token),
            json!({ "name": { "ca": "El Barri Nou" } }),
        )
        .await;
    assert_eq!(renamed.body["name_text"], "El Barri Nou");
}

#[tokio::test]
async fn an_admin_creates_a_process_whose_active_phase_follows_the_clock() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/processes",
            Some(&admin.access_token),
            process_body("pressupostos-2027"),
        )
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
    assert_eq!(
        created.header("location"),
        Some("/api/v1/processes/pressupostos-2027")
    );

    let reply = app.get("/api/v1/processes/pressupostos-2027", None).await;
    assert_eq!(reply.body["active_phase"], 0);
    assert_eq!(reply.body["active_features"]["proposals_creation"], true);
    assert_eq!(reply.body["active_features"]["budget_voting"], false);
    assert_eq!(reply.body["phases"][0]["active"], true);

    app.clock.advance(time::Duration::days(6));
    let voting = app.get("/api/v1/processes/pressupostos-2027", None).await;
    assert_eq!(voting.body["active_phase"], 1);
    assert_eq!(voting.body["active_features"]["budget_voting"], true);

    app.clock.advance(time::Duration::days(30));
    let after = app.get("/api/v1/processes/pressupostos-2027", None).await;
    assert_eq!(after.body["active_phase"], Value::Null);
    assert_eq!(after.body["active_features"]["budget_voting"], false);
}

#[tokio::test]
async fn a_pinned_phase_wins_over_the_calendar() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.post(
        "/api/v1/processes",
        Some(&admin.access_token),
        process_body("pp-2027"),
    )
    .await;
    let pinned = app
        .patch(
            "/api/v1/processes/pp-2027",
            Some(&admin.access_token),
            json!({ "pinned_phase": 1 }),
        )
        .await;
    assert_eq!(
        (
            pinned.body["active_phase"].clone(),
            pinned.body["pinned_phase"].clone()
        ),
        (json!(1), json!(1))
    );
    let out_of_range = app
        .patch(
            "/api/v1/processes/pp-2027",
            Some(&admin.access_token),
            json!({ "pinned_phase": 5 }),
        )
        .await;
    assert_eq!(
        out_of_range.field_errors(),
        vec![("pinned_phase".into(), "out_of_range".into())]
    );
    let unpinned = app
        .patch(
            "/api/v1/processes/pp-2027",
            Some(&admin.access_token),
            json!({ "pinned_phase": null }),
        )
        .await;
    assert_eq!(
        (
            unpinned.body["active_phase"].clone(),
            unpinned.body["pinned_phase"].clone()
        ),
        (json!(0), Value::Null),
        "the calendar decides again"
    );
    // The former flag is gone: an unknown field, not a silent unpin.
    app.patch(
        "/api/v1/processes/pp-2027",
        Some(&admin.access_token),
        json!({ "unpin": true, "pinned_phase": 0 }),
    )
    .await
    .assert_problem(400, "invalid_body");
}

#[tokio::test]
async fn replacing_the_phases_of_a_pinned_process_asks_where_the_pin_goes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = Some(admin.access_token.as_str());
    app.post("/api/v1/processes", token, process_body("pp-2027"))
        .await;
    app.patch(
        "/api/v1/processes/pp-2027",
        token,
        json!({ "pinned_phase": 1 }),
    )
    .await;
    let one_phase = json!([phase(
        "Propostes",
        "2026-11-01T00:00:00+01:00",
        "2026-12-01T00:00:00+01:00",
        json!({ "proposals_creation": true })
    )]);
    let refused = app
        .patch(
            "/api/v1/processes/pp-2027",
            token,
            json!({ "phases": one_phase }),
        )
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [("phases".to_string(), "pinned_phase_removed".to_string())],
        "the error names the field the admin sent"
    );
    let replaced = app
        .patch(
            "/api/v1/processes/pp-2027",
            token,
            json!({ "phases": one_phase, "pinned_phase": null }),
        )
        .await;
    assert_eq!(replaced.status, 200, "{replaced:#?}");
    assert_eq!(replaced.body["phases"].as_array().map(Vec::len), Some(1));
    assert_eq!(replaced.body["pinned_phase"], Value::Null);
    // A pin that still exists is kept when the phases change.
    app.patch(
        "/api/v1/processes/pp-2027",
        token,
        json!({ "pinned_phase": 0 }),
    )
    .await;
    let kept = app
        .patch(
            "/api/v1/processes/pp-2027",
            token,
            json!({ "phases": process_body("x")["phases"] }),
        )
        .await;
    assert_eq!(kept.body["pinned_phase"], 0, "{kept:#?}");
}

#[tokio::test]
async fn null_clears_what_may_be_empty_and_absent_leaves_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = Some(admin.access_token.as_str());
    let district = app.scope_id("D1").await;
    let neighbourhood = app.scope_id("N1").await;

    // A scope moves back to the root.
    let moved = app
        .patch(
            &format!("/api/v1/scopes/{neighbourhood}"),
            token,
            json!({ "parent_id": null }),
        )
        .await;
    assert_eq!(moved.status, 200, "{moved:#?}");
    let roots = |tree: Value| -> Vec<String> {
        tree.as_array()
            .unwrap()
            .iter()
            .map(|root| root["code"].as_str().unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let tree = app.get("/api/v1/scopes", token).await;
    assert_eq!(roots(tree.body), ["N1", "TST"]);
    let repositioned = app
        .patch(
            &format!("/api/v1/scopes/{neighbourhood}"),
            token,
            json!({ "position": 7 }),
        )
        .await;
    assert_eq!(repositioned.status, 200, "{repositioned:#?}");
    let tree = app.get("/api/v1/scopes", token).await;
    assert_eq!(roots(tree.body), ["N1", "TST"], "absent: still a root");

    // A process loses its scope and its description; `{}` clears as on create.
    let mut body = process_body("pp-2027");
    body["scope_id"] = json!(district);
    app.post("/api/v1/processes", token, body).await;
    let untouched = app
        .patch(
            "/api/v1/processes/pp-2027",
            token,
            json!({ "title": { "ca": "Pressupostos" } }),
        )
        .await;
    assert_eq!(
        (
            untouched.body["scope_id"].clone(),
            untouched.body["description"]["ca"].clone()
        ),
        (json!(district), json!("Decidim junts"))
    );
    let cleared = app
        .patch(
            "/api/v1/processes/pp-2027",
            token,
            json!({ "scope_id": null, "description": null }),
        )
        .await;
    assert_eq!(cleared.status, 200, "{cleared:#?}");
    assert_eq!(
        (
            cleared.body["scope_id"].clone(),
            cleared.body["description"].clone()
        ),
        (Value::Null, json!({}))
    );
    let described = app
        .patch(
            "/api/v1/processes/pp-2027",
            token,
            json!({ "description": { "ca": "Decidim" } }),
        )
        .await;
    assert_eq!(described.body["description"]["ca"], "Decidim");
    let emptied = app
        .patch(
            "/api/v1/processes/pp-2027",
            token,
            json!({ "description": {} }),
        )
        .await;
    assert_eq!(emptied.status, 200, "{emptied:#?}");
    assert_eq!(emptied.body["description"], json!({}));
}

#[tokio::test]
async fn phase_times_are_whole_seconds() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut body = process_body("pp-2027");
    // Half a second of overlap would be stored as two phases that merely touch.
    body["phases"][0]["ends_at"] = json!("2026-12-01T00:00:00.5+01:00");
    body["phases"][1]["starts_at"] = json!("2026-12-01T00:00:00.2+01:00");
    let refused = app
        .post("/api/v1/processes", Some(&admin.access_token), body)
        .await;
    refused.assert_problem(422, "validation_failed");
    let whole_seconds: Vec<_> = refused
        .field_errors()
        .into_iter()
        .filter(|(_, code)| code == "whole_seconds")
        .collect();
    assert_eq!(
        whole_seconds,
        [
            ("phases.0.ends_at".to_string(), "whole_seconds".to_string()),
            (
                "phases.1.starts_at".to_string(),
                "whole_seconds".to_string()
            )
        ]
    );
}

#[tokio::test]
async fn texts_are_rendered_in_the_requested_language_with_a_fallback() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.post(
        "/api/v1/processes",
        Some(&admin.access_token),
        process_body("pp-2027"),
    )
    .await;
    let es = app
        .call_with_headers(
            poem::http::Method::GET,
            "/api/v1/processes/pp-2027",
            &[
                ("host", plaza_tests::HOST),
                ("accept-language", "es-ES,es;q=0.9"),
            ],
            None,
        )
        .await;
    assert_eq!(es.body["title_text"], "Presupuestos 2027");
    assert_eq!(es.header("content-language"), Some("es"));
    assert!(
        es.header("vary")
            .unwrap_or_default()
            .contains("accept-language")
    );
    assert_eq!(
        es.body["description_text"], "Decidim junts",
        "falls back to the default locale"
    );
    let en = app
        .call_with_headers(
            poem::http::Method::GET,
            "/api/v1/processes/pp-2027",
            &[("host", plaza_tests::HOST), ("accept-language", "en")],
            None,
        )
        .await;
    assert_eq!(en.body["title_text"], "Pressupostos 2027");
    assert_eq!(
        en.body["title"],
        json!({ "ca": "Pressupostos 2027", "es": "Presupuestos 2027" })
    );
}

#[tokio::test]
async fn invalid_processes_are_refused_with_field_paths() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut body = process_body("Bad Slug");
    body["title"] = json!({ "es": "Sin catalán", "fr": "Non" });
    body["phases"][1]["starts_at"] = json!("2026-11-15T00:00:00Z");
    body["phases"][1]["ends_at"] = json!("2026-11-10T00:00:00Z");
    let reply = app
        .post("/api/v1/processes", Some(&admin.access_token), body)
        .await;
    reply.assert_problem(422, "validation_failed");
    let errors = reply.field_errors();
    for expected in [
        ("slug", "invalid_slug"),
        ("title.fr", "unknown_locale"),
        ("title.ca", "required"),
        ("phases.1.ends_at", "ends_before_start"),
        ("phases.1.starts_at", "overlaps_previous_phase"),
    ] {
        assert!(
            errors.contains(&(expected.0.into(), expected.1.into())),
            "missing {expected:?} in {errors:?}"
        );
    }
    app.post(
        "/api/v1/processes",
        Some(&admin.access_token),
        process_body("pp-2027"),
    )
    .await;
    app.post(
        "/api/v1/processes",
        Some(&admin.access_token),
        process_body("pp-2027"),
    )
    .await
    .assert_problem(409, "already_taken");
}

#[tokio::test]
async fn processes_are_paginated_with_a_cursor() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for slug in ["first", "second", "third"] {
        assert_eq!(
            app.post(
                "/api/v1/processes",
                Some(&admin.access_token),
                process_body(slug)
            )
            .await
            .status,
            201
        );
    }
    let page = app.get("/api/v1/processes?limit=2", None).await;
    let slugs: Vec<&str> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec!["first", "second"]);
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let next = app
        .get(&format!("/api/v1/processes?limit=2&cursor={cursor}"), None)
        .await;
    assert_eq!(next.body["items"][0]["slug"], "third");
    assert_eq!(next.body["next_cursor"], Value::Null);

    // Newest first, by the same keyset: three pages of one, then none.
    let slugs_of = |page: &plaza_tests::Reply| -> Vec<String> {
        page.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["slug"].as_str().unwrap().to_string())
            .collect()
    };
    let mut seen = Vec::new();
    let mut path = "/api/v1/processes?sort=newest&limit=1".to_string();
    loop {
        let page = app.get(&path, None).await;
        assert_eq!(page.status, 200, "{page:#?}");
        seen.extend(slugs_of(&page));
        match page.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/processes?sort=newest&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ["third", "second", "first"]);
    // A cursor keeps its order: one of `oldest` is refused with `newest`.
    let refused = app
        .get(
            &format!("/api/v1/processes?sort=newest&cursor={cursor}"),
            None,
        )
        .await;
    refused.assert_problem(400, "invalid_parameter");
    assert_eq!(
        refused.field_errors(),
        [("cursor".to_string(), "invalid_cursor".to_string())]
    );
    app.get("/api/v1/processes?sort=most_popular", None)
        .await
        .assert_problem(400, "invalid_parameter");

    // Filtered by scope.
    let district = app.scope_id("D1").await;
    let mut scoped = process_body("district");
    scoped["scope_id"] = json!(district);
    app.post("/api/v1/processes", Some(&admin.access_token), scoped)
        .await;
    let in_district = app
        .get(&format!("/api/v1/processes?scope_id={district}"), None)
        .await;
    assert_eq!(slugs_of(&in_district), ["district"]);

    app.get("/api/v1/processes?limit=0", None)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/processes?limit=101", None)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/processes?cursor=nonsense", None)
        .await
        .assert_problem(400, "invalid_parameter");
    app.get("/api/v1/processes/nope", None)
        .await
        .assert_problem(404, "not_found");
}

#[tokio::test]
async fn the_demo_seed_loads_barcelona_once() {
    let app = TestApp::spawn().await;
    let first = plaza_api::app::seed::seed_demo(&app.state).await.unwrap();
    assert_eq!(
        (first.organizations, first.scopes, first.processes),
        (1, 84, 1)
    );
    let second = plaza_api::app::seed::seed_demo(&app.state).await.unwrap();
    assert_eq!(
        (second.organizations, second.scopes, second.processes),
        (0, 0, 0)
    );
    assert_eq!((first.proposals, second.proposals), (36, 0));
    assert_eq!(second.supports, 0);
    assert_eq!(
        (
            first.budgets,
            first.projects,
            second.budgets,
            second.projects
        ),
        (4, 22, 0, 0)
    );
    let budgets = app
        .call_with_headers(
            poem::http::Method::GET,
            "/api/v1/processes/pressupostos-participatius-2026/budgets",
            &[
                ("host", "barcelona.plaza.localhost"),
                ("accept-language", "es"),
            ],
            None,
        )
        .await;
    let titles: Vec<&str> = budgets
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|budget| budget["title_text"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Presupuesto de Ciutat Vella",
            "Presupuesto de Sants-Montjuïc",
            "Presupuesto de Gràcia",
            "Presupuesto de Horta-Guinardó"
        ]
    );
    assert!(
        budgets.body.as_array().unwrap().iter().all(|budget| {
            budget["workflow"] == "own_plus_one" && budget["scope_id"].is_string()
        })
    );
    let gracia = budgets.body[2]["id"].as_str().unwrap();
    let projects = app
        .call_with_headers(
            poem::http::Method::GET,
            &format!("/api/v1/budgets/{gracia}/projects"),
            &[("host", "barcelona.plaza.localhost")],
            None,
        )
        .await;
    let items = projects.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 6, "{projects:#?}");
    assert_eq!(
        items[0]["title_text"], "Horts urbans al Coll",
        "cheapest first"
    );
    assert!(items.iter().all(|item| item["category_id"].is_string()
        && item["cost"].as_i64().unwrap() <= budgets.body[2]["total"].as_i64().unwrap()));
    let listed = app
        .call_with_headers(
            poem::http::Method::GET,
            "/api/v1/processes/pressupostos-participatius-2026/proposals?sort=most_supported&limit=100",
            &[("host", "barcelona.plaza.localhost")],
            None,
        )
        .await;
    let items = listed.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 36, "{listed:#?}");
    let counted: u64 = items
        .iter()
        .map(|item| item["supports_count"].as_u64().unwrap())
        .sum();
    assert_eq!(
        counted,
        u64::from(first.supports),
        "counters equal the rows"
    );
    assert!(items.iter().all(|item| item["scope_id"].is_string()
        && item["category_id"].is_string()
        && item["author"]["name"].is_string()));
    let talked: Vec<u64> = items
        .iter()
        .filter_map(|item| item["comments_count"].as_u64())
        .filter(|count| *count > 0)
        .collect();
    assert_eq!(talked.len(), 3, "three proposals have threads");
    let debates = app
        .call_with_headers(
            poem::http::Method::GET,
            "/api/v1/processes/pressupostos-participatius-2026/debates",
            &[("host", "barcelona.plaza.localhost")],
            None,
        )
        .await;
    let debate = &debates.body["items"][0];
    assert_eq!(debate["comments_count"], 4, "{debates:#?}");
    let thread = app
        .call_with_headers(
            poem::http::Method::GET,
            &format!(
                "/api/v1/debates/{}/comments?sort=oldest",
                debate["id"].as_str().unwrap()
            ),
            &[("host", "barcelona.plaza.localhost")],
            None,
        )
        .await;
    let first = &thread.body["items"][0];
    assert_eq!(
        first["replies"].as_array().map(Vec::len),
        Some(2),
        "{thread:#?}"
    );

    let barcelona = plaza_api::store::orgs::find_by_slug(&app.state.db, "barcelona")
        .await
        .unwrap()
        .unwrap();
    let scopes = plaza_api::store::orgs::scopes_of(
        &app.state.db,
        plaza_domain::OrganizationId::from(barcelona.id),
    )
    .await
    .unwrap();
    let count = |kind: &str| scopes.iter().filter(|s| s.kind == kind).count();
    assert_eq!(
        (count("city"), count("district"), count("neighbourhood")),
        (1, 10, 73)
    );
    let gracia = scopes.iter().find(|s| s.code == "D06").unwrap();
    assert_eq!(gracia.name["ca"], "Gràcia");

    // Phases begin at midnight in Barcelona, summer time or not.
    let process = app
        .call_with_headers(
            poem::http::Method::GET,
            "/api/v1/processes",
            &[("host", "barcelona.plaza.localhost")],
            None,
        )
        .await;
    let starts: Vec<&str> = process.body["items"][0]["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|phase| phase["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-09-30T22:00:00Z",
            "2026-12-14T23:00:00Z",
            "2027-01-30T23:00:00Z",
            "2027-03-31T22:00:00Z",
            "2027-04-15T22:00:00Z"
        ]
    );
    let organization = app
        .call_with_headers(
            poem::http::Method::GET,
            "/api/v1/organization",
            &[("host", "barcelona.plaza.localhost")],
            None,
        )
        .await;
    assert_eq!(organization.body["time_zone"], "Europe/Madrid");
    let vila = scopes.iter().find(|s| s.code == "B31").unwrap();
    assert_eq!(
        (vila.name["ca"].as_str(), vila.parent_id),
        (Some("la Vila de Gràcia"), Some(gracia.id))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_demo_seeds_at_once_create_barcelona_once() {
    let app = TestApp::spawn().await;
    let (a, b) = tokio::join!(
        plaza_api::app::seed::seed_demo(&app.state),
        plaza_api::app::seed::seed_demo(&app.state)
    );
    let (a, b) = (a.expect("first seed"), b.expect("second seed"));
    assert_eq!(
        (
            a.organizations + b.organizations,
            a.scopes + b.scopes,
            a.processes + b.processes
        ),
        (1, 84, 1)
    );
}

#[tokio::test]
async fn public_reads_are_cacheable_and_answer_not_modified() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.post(
        "/api/v1/processes",
        Some(&admin.access_token),
        process_body("pp-2027"),
    )
    .await;
    let first = app.get("/api/v1/processes/pp-2027", None).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("cache-control"), Some("public, max-age=60"));
    let etag = first.header("etag").expect("an ETag").to_string();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let conditional = |etag: String| {
        let app = &app;
        async move {
            app.call_with_headers(
                poem::http::Method::GET,
                "/api/v1/processes/pp-2027",
                &[("host", plaza_tests::HOST), ("if-none-match", &etag)],
                None,
            )
            .await
        }
    };
    let unchanged = conditional(etag.clone()).await;
    assert_eq!(unchanged.status, 304, "{unchanged:#?}");
    assert_eq!(unchanged.body, serde_json::Value::String(String::new()));
    assert_eq!(unchanged.header("etag"), Some(etag.as_str()));

    // A signed-in caller's answers are never stored; a process's still names its version, for
    // a change with If-Match.
    let signed_in = app
        .get("/api/v1/processes/pp-2027", Some(&admin.access_token))
        .await;
    assert_eq!(signed_in.header("cache-control"), Some("no-store"));
    assert_eq!(signed_in.header("etag"), Some(etag.as_str()));

    // A change makes the old ETag stale.
    let changed = app
        .patch(
            "/api/v1/processes/pp-2027",
            Some(&admin.access_token),
            json!({ "title": { "ca": "Pressupostos 2027 (nou)" } }),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:#?}");
    let fresh = conditional(etag.clone()).await;
    assert_eq!(fresh.status, 200);
    assert_ne!(fresh.header("etag"), Some(etag.as_str()));
    // Lists are public reads too.
    let scopes = app.get("/api/v1/scopes", None).await;
    assert!(scopes.header("etag").is_some());
}

#[tokio::test]
async fn a_frontend_reads_the_organization_it_serves() {
    let app = TestApp::spawn().await;
    let reply = app.get("/api/v1/organization", None).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(
        reply.body,
        json!({
            "id": app.organization.id,
            "slug": "testville",
            "name": "Ajuntament de Testville",
            "host": plaza_tests::HOST,
            "available_locales": ["ca", "es", "en"],
            "default_locale": "ca",
            "minimum_age": 16,
            "time_zone": "Europe/Madrid",
        })
    );
    assert!(reply.header("etag").is_some());
}

#[tokio::test]
async fn scope_trees_keep_their_kinds_in_order_their_depth_bounded_and_codes_one_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = Some(admin.access_token.as_str());
    let n1 = app.scope_id("N1").await;
    let d1 = app.scope_id("D1").await;
    let scope = |code: &str, kind: &str, parent: Uuid| json!({ "code": code, "kind": kind, "name": { "ca": code }, "parent_id": parent });

    // A city inside a neighbourhood.
    let refused = app
        .post("/api/v1/scopes", token, scope("C2", "city", n1))
        .await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.field_errors(),
        [("kind".to_string(), "kind_out_of_order".to_string())]
    );
    // A district that holds neighbourhoods cannot become a neighbourhood.
    let refused = app
        .patch(
            &format!("/api/v1/scopes/{d1}"),
            token,
            json!({ "kind": "neighbourhood" }),
        )
        .await;
    assert_eq!(
        refused.field_errors(),
        [("kind".to_string(), "kind_out_of_order".to_string())]
    );

    // Codes are one whatever the case, and kept in capitals.
    app.post("/api/v1/scopes", token, scope("n1", "neighbourhood", d1))
        .await
        .assert_problem(409, "already_taken");
    let created = app
        .post("/api/v1/scopes", token, scope("n3", "neighbourhood", d1))
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
    assert_eq!(created.body["code"], "N3");

    // At most eight levels: TST (1) > D1 (2) > N1 (3) > five more, then no further.
    let mut parent = n1;
    for level in 4..=8 {
        let made = app
            .post(
                "/api/v1/scopes",
                token,
                scope(&format!("L{level}"), "other", parent),
            )
            .await;
        assert_eq!(made.status, 201, "level {level}: {made:#?}");
        parent = Uuid::parse_str(made.body["id"].as_str().unwrap()).unwrap();
    }
    let too_deep = app
        .post("/api/v1/scopes", token, scope("L9", "other", parent))
        .await;
    assert_eq!(
        too_deep.field_errors(),
        [("parent_id".to_string(), "too_deep".to_string())]
    );
    // Moving a branch counts its whole height: N1 and its five levels below cannot go four
    // levels down.
    let n2 = app.scope_id("N2").await;
    let block = app
        .post("/api/v1/scopes", token, scope("X1", "other", n2))
        .await;
    let block = block.body["id"].as_str().unwrap().to_string();
    let moved = app
        .patch(
            &format!("/api/v1/scopes/{n1}"),
            token,
            json!({ "parent_id": block }),
        )
        .await;
    assert_eq!(
        moved.field_errors(),
        [("parent_id".to_string(), "too_deep".to_string())]
    );
}

/// A PATCH with `If-Match`: the reply of a change with `etag`, or of one without when `None`.
async fn patch_if_match(
    app: &TestApp,
    token: &str,
    path: &str,
    etag: Option<&str>,
    body: Value,
) -> plaza_tests::Reply {
    let authorization = format!("Bearer {token}");
    let mut headers = vec![
        ("host", plaza_tests::HOST),
        ("authorization", authorization.as_str()),
    ];
    if let Some(etag) = etag {
        headers.push(("if-match", etag));
    }
    app.call_with_headers(poem::http::Method::PATCH, path, &headers, Some(body))
        .await
}

#[tokio::test]
async fn a_process_changes_only_from_the_version_its_if_match_names() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = admin.access_token.as_str();
    let path = "/api/v1/processes/pp-2027";
    app.post("/api/v1/processes", Some(token), process_body("pp-2027"))
        .await;
    let read = app.get(path, Some(token)).await;
    let read_etag = read
        .header("etag")
        .expect("a read names its version")
        .to_string();

    let renamed = json!({ "title": { "ca": "Pressupostos 2027 (1)" } });
    let changed = patch_if_match(&app, token, path, Some(&read_etag), renamed).await;
    assert_eq!(changed.status, 200, "{changed:#?}");
    let changed_etag = changed
        .header("etag")
        .expect("a change names the new version")
        .to_string();
    assert_ne!(changed_etag, read_etag);
    assert_eq!(
        app.get(path, Some(token)).await.header("etag"),
        Some(changed_etag.as_str()),
        "the change's ETag is the one a read now sends"
    );

    // Another admin still holding the first version is refused, and nothing changes.
    let stale = json!({ "title": { "ca": "Pressupostos 2027 (2)" } });
    let refused = patch_if_match(&app, token, path, Some(&read_etag), stale.clone()).await;
    refused.assert_problem(412, "precondition_failed");
    let now = app.get(path, Some(token)).await;
    assert_eq!(now.body["title"]["ca"], "Pressupostos 2027 (1)");
    // A weak tag never matches (If-Match compares strongly), nor does a body's rule run first.
    patch_if_match(
        &app,
        token,
        path,
        Some(&format!("W/{changed_etag}")),
        stale.clone(),
    )
    .await
    .assert_problem(412, "precondition_failed");
    patch_if_match(&app, token, path, Some(&read_etag), json!({ "slug": "NO" }))
        .await
        .assert_problem(412, "precondition_failed");

    // A list names any of its versions; `*` any version of a process that exists; no If-Match
    // changes whatever is there, as before.
    let listed = format!("\"0000\", {changed_etag}");
    let second = patch_if_match(&app, token, path, Some(&listed), stale).await;
    assert_eq!(second.status, 200, "{second:#?}");
    let any = json!({ "title": { "ca": "Pressupostos 2027 (3)" } });
    assert_eq!(
        patch_if_match(&app, token, path, Some("*"), any)
            .await
            .status,
        200
    );
    let blind = json!({ "title": { "ca": "Pressupostos 2027 (4)" } });
    assert_eq!(
        patch_if_match(&app, token, path, None, blind).await.status,
        200
    );
    patch_if_match(
        &app,
        token,
        "/api/v1/processes/no-such-process",
        Some("*"),
        json!({}),
    )
    .await
    .assert_problem(404, "not_found");
}

#[tokio::test]
async fn the_version_of_a_process_read_in_any_locale_may_be_named() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = admin.access_token.as_str();
    let path = "/api/v1/processes/pp-2027";
    app.post("/api/v1/processes", Some(token), process_body("pp-2027"))
        .await;
    let in_spanish = app
        .call_with_headers(
            poem::http::Method::GET,
            path,
            &[("host", plaza_tests::HOST), ("accept-language", "es")],
            None,
        )
        .await;
    let etag = in_spanish.header("etag").unwrap().to_string();
    assert_ne!(
        Some(etag.as_str()),
        app.get(path, None).await.header("etag")
    );
    let changed =
        patch_if_match(&app, token, path, Some(&etag), json!({ "pinned_phase": 1 })).await;
    assert_eq!(changed.status, 200, "{changed:#?}");
}

#[tokio::test]
async fn a_scope_changes_only_from_the_version_its_if_match_names() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = admin.access_token.as_str();
    let district = app.scope_id("D1").await;
    let path = format!("/api/v1/scopes/{district}");
    let read = app.get(&path, None).await;
    assert_eq!(read.status, 200, "{read:#?}");
    assert_eq!(
        (read.body["code"].as_str(), read.body["position"].as_i64()),
        (Some("D1"), Some(0))
    );
    let read_etag = read
        .header("etag")
        .expect("a scope names its version")
        .to_string();

    let moved = patch_if_match(
        &app,
        token,
        &path,
        Some(&read_etag),
        json!({ "position": 3 }),
    )
    .await;
    assert_eq!(moved.status, 200, "{moved:#?}");
    assert_eq!(moved.body["position"], 3);
    assert_eq!(
        moved.header("etag"),
        app.get(&path, None).await.header("etag")
    );
    patch_if_match(
        &app,
        token,
        &path,
        Some(&read_etag),
        json!({ "position": 4 }),
    )
    .await
    .assert_problem(412, "precondition_failed");
    assert_eq!(app.get(&path, None).await.body["position"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_changing_one_version_at_once_cannot_both_win() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = admin.access_token.as_str();
    let path = "/api/v1/processes/pp-2027";
    app.post("/api/v1/processes", Some(token), process_body("pp-2027"))
        .await;
    let etag = app
        .get(path, None)
        .await
        .header("etag")
        .unwrap()
        .to_string();
    let (a, b) = tokio::join!(
        patch_if_match(
            &app,
            token,
            path,
            Some(&etag),
            json!({ "title": { "ca": "A" } })
        ),
        patch_if_match(
            &app,
            token,
            path,
            Some(&etag),
            json!({ "title": { "ca": "B" } })
        ),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [200, 412], "{a:#?}\n{b:#?}");
    let winner = if a.status == 200 { &a } else { &b };
    assert_eq!(
        app.get(path, None).await.body["title"],
        winner.body["title"]
    );
}

#[tokio::test]
async fn a_process_shows_its_proposal_settings_with_the_designs_defaults() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let created = app
        .post(
            "/api/v1/processes",
            Some(&admin.access_token),
            process_body("pp-2027"),
        )
        .await;
    assert_eq!(created.status, 201, "{created:#?}");
    let read = app.get("/api/v1/processes/pp-2027", None).await;
    assert_eq!(
        read.body["proposal_settings"],
        json!({
            "proposal_limit": 0,
            "proposal_length": 500,
            "vote_limit": 0,
            "minimum_votes_per_user": 0,
            "threshold_per_proposal": 0,
            "can_accumulate_supports_beyond_threshold": false,
            "supports_require_residency": true,
            "answers_with_costs": false,
            "publish_answers_immediately": true,
            "edit_window_seconds": 300,
        })
    );
}

#[tokio::test]
async fn admins_change_the_proposal_settings_they_name_and_nonsense_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let token = Some(admin.access_token.as_str());
    let mut body = process_body("pp-2027");
    body["proposal_settings"] = json!({ "proposal_limit": 1 });
    assert_eq!(app.post("/api/v1/processes", token, body).await.status, 201);

    let changed = app
        .patch(
            "/api/v1/processes/pp-2027",
            token,
            json!({ "proposal_settings": { "vote_limit": 5, "minimum_votes_per_user": 3 } }),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed:#?}");
    let settings = &changed.body["proposal_settings"];
    assert_eq!(
        (
            &settings["proposal_limit"],
            &settings["vote_limit"],
            &settings["minimum_votes_per_user"],
            &settings["proposal_length"]
        ),
        (&json!(1), &json!(5), &json!(3), &json!(500)),
        "named settings change, the others stay"
    );

    let nonsense = app
        .patch(
            "/api/v1/processes/pp-2027",
            token,
            json!({ "proposal_settings": {
                "proposal_length": 10,
                "edit_window_seconds": 100_000,
                "minimum_votes_per_user": 6,
            } }),
        )
        .await;
    nonsense.assert_problem(422, "validation_failed");
    let errors = nonsense.field_errors();
    for expected in [
        ("proposal_settings.proposal_length", "out_of_range"),
        ("proposal_settings.edit_window_seconds", "out_of_range"),
        (
            "proposal_settings.minimum_votes_per_user",
            "unreachable_minimum",
        ),
    ] {
        assert!(
            errors.contains(&(expected.0.into(), expected.1.into())),
            "missing {expected:?} in {errors:?}"
        );
    }
    app.patch(
        "/api/v1/processes/pp-2027",
        token,
        json!({ "proposal_settings": { "threshold_per_proposal": -1 } }),
    )
    .await
    .assert_problem(400, "invalid_body");
    let unchanged = app.get("/api/v1/processes/pp-2027", None).await;
    assert_eq!(unchanged.body["proposal_settings"], *settings);

    let participant = app.participant("ana@example.org").await;
    app.patch(
        "/api/v1/processes/pp-2027",
        Some(&participant.access_token),
        json!({ "proposal_settings": { "vote_limit": 1 } }),
    )
    .await
    .assert_problem(403, "forbidden");

    // The audit log keeps what the settings were and became.
    use plaza_api::store::entities::audit_log;
    use sea_orm::EntityTrait;
    let entries = audit_log::Entity::find().all(&app.state.db).await.unwrap();
    let update = entries
        .iter()
        .rev()
        .find(|entry| entry.action == "process.update")
        .expect("the change is audited");
    let before = update.before.as_ref().unwrap();
    let after = update.after.as_ref().unwrap();
    assert_eq!(before["proposal_settings"]["vote_limit"], 0);
    assert_eq!(after["proposal_settings"]["vote_limit"], 5);
}
