//! Races a busy voting day produces: the same request sent twice at once must not break a rule.

use plaza_tests::{GOOD_PASSWORD, TestApp};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_refresh_token_sent_twice_at_once_is_spent_once_and_both_get_its_successor() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let token = &ana.refresh_token;
    let (a, b) = tokio::join!(app.refresh(token), app.refresh(token));
    // One rotates it; the other, a retry within the grace period, gets the same successor.
    assert_eq!([a.status, b.status], [200, 200], "{a:#?}\n{b:#?}");
    assert_eq!(a.body["refresh_token"], b.body["refresh_token"]);
    use plaza_api::store::entities::refresh_tokens;
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(
        refresh_tokens::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap(),
        2,
        "the first token and one successor"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_document_cannot_verify_two_accounts_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let csv = "document_number,birth_date,scope_code\n12345678Z,1990-04-01,N1\n";
    app.import_census(&admin, csv).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    let body = json!({ "document_number": "12345678Z", "birth_date": "1990-04-01" });
    let (a, b) = tokio::join!(
        app.post(
            "/api/v1/me/verification",
            Some(&ana.access_token),
            body.clone()
        ),
        app.post(
            "/api/v1/me/verification",
            Some(&bea.access_token),
            body.clone()
        )
    );
    let mut outcomes = [
        (a.status, a.code().to_string()),
        (b.status, b.code().to_string()),
    ];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [
            (200, String::new()),
            (409, "document_already_used".to_string())
        ],
        "{a:#?}\n{b:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_failed_sign_ins_are_all_counted() {
    let app = TestApp::spawn().await;
    app.participant("ana@example.org").await;
    let guess = || app.sign_in("ana@example.org", "guess guess guess");
    let replies = tokio::join!(guess(), guess(), guess(), guess(), guess());
    for reply in [replies.0, replies.1, replies.2, replies.3, replies.4] {
        reply.assert_problem(401, "invalid_credentials");
    }
    app.sign_in("ana@example.org", GOOD_PASSWORD)
        .await
        .assert_problem(429, "too_many_attempts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_address_registered_twice_at_once_opens_one_account() {
    let app = TestApp::spawn().await;
    let body = json!({ "email": "ana@example.org", "name": "Ana" });
    let (a, b, c) = tokio::join!(
        app.post("/api/v1/auth/register", None, body.clone()),
        app.post("/api/v1/auth/register", None, body.clone()),
        app.post("/api/v1/auth/register", None, body.clone())
    );
    assert_eq!(
        [a.status, b.status, c.status],
        [202, 202, 202],
        "{a:#?}\n{b:#?}\n{c:#?}"
    );
    use plaza_api::store::entities::users;
    use sea_orm::{EntityTrait, PaginatorTrait};
    assert_eq!(users::Entity::find().count(&app.state.db).await.unwrap(), 1);
    // Each registration after the first mails a fresh link and voids the older ones: exactly one
    // link works, whichever request came last.
    let mut confirmed = 0;
    for mail in app.mails().await {
        if app.confirm(&mail.token(), GOOD_PASSWORD).await.status == 204 {
            confirmed += 1;
        }
    }
    assert_eq!(confirmed, 1);
    app.login("ana@example.org", GOOD_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_that_overlaps_a_password_change_does_not_outlive_it() {
    let app = TestApp::spawn().await;
    for round in 0..12 {
        let email = format!("round{round}@example.org");
        let owner = app.participant(&email).await;
        let change = app.patch(
            "/api/v1/me",
            Some(&owner.access_token),
            json!({ "current_password": GOOD_PASSWORD, "new_password": "a changed violet kettle 2" }),
        );
        let (changed, signed_in) = tokio::join!(change, app.sign_in(&email, GOOD_PASSWORD));
        assert_eq!(changed.status, 200, "{changed:#?}");
        match signed_in.status {
            // Signed in before the change: the change signed that session out.
            200 => {
                let token = signed_in.body["access_token"].as_str().unwrap();
                app.get("/api/v1/me", Some(token))
                    .await
                    .assert_problem(401, "unauthenticated");
                app.refresh(signed_in.body["refresh_token"].as_str().unwrap())
                    .await
                    .assert_problem(401, "session_ended");
            }
            _ => signed_in.assert_problem(401, "invalid_credentials"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sign_in_that_overlaps_a_password_reset_does_not_outlive_it() {
    let app = TestApp::spawn().await;
    for round in 0..12 {
        let email = format!("round{round}@example.org");
        app.participant(&email).await;
        app.post(
            "/api/v1/auth/password-reset",
            None,
            json!({ "email": email }),
        )
        .await;
        let token = app.only_mail_to(&email).await.token();
        let reset = app.post(
            "/api/v1/auth/password-reset/confirm",
            None,
            json!({ "token": token, "password": "a reset violet kettle 3" }),
        );
        let (reset, signed_in) = tokio::join!(reset, app.sign_in(&email, GOOD_PASSWORD));
        assert_eq!(reset.status, 204, "{reset:#?}");
        match signed_in.status {
            200 => {
                let token = signed_in.body["access_token"].as_str().unwrap();
                app.get("/api/v1/me", Some(token))
                    .await
                    .assert_problem(401, "unauthenticated");
            }
            _ => signed_in.assert_problem(401, "invalid_credentials"),
        }
        app.mails().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = TestApp::spawn().await;
    let first = app.admin().await;
    let second = app.participant("second@example.org").await;
    let promoted = app
        .patch(
            &format!("/api/v1/admin/users/{}/roles", second.user_id),
            Some(&first.access_token),
            json!({ "roles": ["admin"] }),
        )
        .await;
    assert_eq!(promoted.status, 200, "{promoted:#?}");
    let app = &app;
    let demote = |token: String, target: uuid::Uuid| async move {
        app.patch(
            &format!("/api/v1/admin/users/{target}/roles"),
            Some(&token),
            json!({ "roles": [] }),
        )
        .await
    };
    let (a, b) = tokio::join!(
        demote(first.access_token.clone(), second.user_id.uuid()),
        demote(second.access_token.clone(), first.user_id.uuid())
    );
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    // The second to run is no longer an admin by then.
    assert_eq!(statuses, [200, 403], "{a:#?}\n{b:#?}");
    let admins = plaza_api::store::users::count_admins(&app.state.db, app.organization.id)
        .await
        .unwrap();
    assert_eq!(admins, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_account_verifying_two_documents_at_once_ends_with_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let csv =
        "document_number,birth_date,scope_code\n12345678Z,1990-04-01,N1\n87654321X,1985-01-31,N2\n";
    let imported = app.import_census(&admin, csv).await;
    assert_eq!(imported.status, 200);
    let ana = app.participant("ana@example.org").await;
    let verify = |document: &str, birth_date: &str| {
        app.post(
            "/api/v1/me/verification",
            Some(&ana.access_token),
            json!({ "document_number": document, "birth_date": birth_date }),
        )
    };
    let (a, b) = tokio::join!(
        verify("12345678Z", "1990-04-01"),
        verify("87654321X", "1985-01-31")
    );
    let mut outcomes = [
        (a.status, a.code().to_string()),
        (b.status, b.code().to_string()),
    ];
    outcomes.sort();
    assert_eq!(
        outcomes,
        [(200, String::new()), (409, "already_verified".to_string())],
        "{a:#?}\n{b:#?}"
    );
    // The residency is the one that was answered 200.
    let winner = if a.status == 200 { &a } else { &b };
    let me = app.get("/api/v1/me", Some(&ana.access_token)).await;
    assert_eq!(
        me.body["residency"]["scope"]["code"], winner.body["scope"]["code"],
        "{me:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_ins_that_succeed_and_fail_at_once_never_fail_the_server() {
    // A successful sign-in clears the address's throttle row while failed ones count on it.
    let app = TestApp::spawn().await;
    app.participant("ana@example.org").await;
    for _ in 0..40 {
        let right = || app.sign_in("ana@example.org", GOOD_PASSWORD);
        let wrong = || app.sign_in("ana@example.org", "not the password at all");
        let (a, b, c, d, e, f) = tokio::join!(right(), wrong(), right(), wrong(), right(), wrong());
        for reply in [&e, &f] {
            assert!(reply.status < 500, "{reply:#?}");
        }
        for reply in [&a, &c] {
            assert!(
                reply.status == 200 || reply.code() == "too_many_attempts",
                "{reply:#?}"
            );
        }
        for reply in [&b, &d] {
            assert!(
                matches!(reply.code(), "invalid_credentials" | "too_many_attempts"),
                "{reply:#?}"
            );
        }
    }
}

/// Twenty copies of one request with one `Idempotency-Key`, sent at once over twenty
/// connections (a client retrying aggressively over a flaky network): one runs, the others wait
/// for its answer and get it, byte for byte. A failed census match is counted once, not twenty
/// times (twenty failures would lock verification: 429s instead of 422s).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_requests_with_one_idempotency_key_act_once_and_get_one_answer() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let csv = "document_number,birth_date,scope_code\n12345678Z,1990-04-01,N1\n";
    let imported = app.import_census(&admin, csv).await;
    assert_eq!(imported.status, 200);
    let ana = app.participant("ana@example.org").await;
    let server = app.serve_on_socket().await;
    let loopback = std::net::IpAddr::from([127, 0, 0, 1]);
    let send = |body: serde_json::Value, key: &'static str| {
        let bearer = format!("Bearer {}", ana.access_token);
        tokio::spawn(async move {
            plaza_tests::call_from(
                loopback,
                server,
                "POST",
                "/api/v1/me/verification",
                &[("authorization", &bearer), ("idempotency-key", key)],
                Some(body),
            )
            .await
        })
    };

    let wrong = json!({ "document_number": "12345678Z", "birth_date": "2000-01-01" });
    let tasks: Vec<_> = (0..20).map(|_| send(wrong.clone(), "wrong-date")).collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("a request task"));
    }
    for reply in &replies {
        assert_eq!(
            (reply.status, &reply.body["code"], &reply.body["detail"]),
            (422, &replies[0].body["code"], &replies[0].body["detail"]),
            "{reply:#?}"
        );
    }
    assert_eq!(replies[0].body["code"], "census_no_match");
    assert!(
        replies.iter().all(|r| r.body == replies[0].body),
        "one answer, byte for byte (its request id too)"
    );
    let replayed = replies
        .iter()
        .filter(|r| r.headers.get("idempotent-replayed").map(String::as_str) == Some("true"))
        .count();
    assert_eq!(replayed, 19, "one ran, nineteen were replays");
    use plaza_api::store::entities::verification_attempts;
    use sea_orm::EntityTrait;
    let failures = verification_attempts::Entity::find_by_id(ana.user_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .map_or(0, |row| row.failures);
    assert_eq!(failures, 1, "one effect");

    // The same with a request that succeeds: one residency, twenty identical answers.
    let right = json!({ "document_number": "12345678Z", "birth_date": "1990-04-01" });
    let tasks: Vec<_> = (0..20).map(|_| send(right.clone(), "right-date")).collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("a request task"));
    }
    assert!(
        replies
            .iter()
            .all(|r| r.status == 200 && r.body == replies[0].body),
        "{replies:#?}"
    );
    assert_eq!(replies[0].body["scope"]["code"], "N1");
    use plaza_api::store::entities::residents;
    use sea_orm::{ColumnTrait, PaginatorTrait, QueryFilter};
    let residencies = residents::Entity::find()
        .filter(residents::Column::UserId.eq(ana.user_id.uuid()))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(residencies, 1);
}

mod participation {
    //! The acceptance races of issue 7: a participant's parallel requests never pass a rule
    //! together, and every refusal is the domain's own (409), never a rate limit's.

    use crate::proposals::{draft, open_process, published, support};
    use futures_util::future::join_all;
    use plaza_tests::TestApp;
    use serde_json::json;

    fn statuses(replies: &[plaza_tests::Reply]) -> (usize, Vec<String>) {
        let accepted = replies.iter().filter(|r| r.status == 201).count();
        let refused = replies
            .iter()
            .filter(|r| r.status != 201)
            .map(|r| format!("{} {}", r.status, r.code()))
            .collect();
        (accepted, refused)
    }

    async fn supports_count(app: &TestApp, id: &str) -> u64 {
        app.get(&format!("/api/v1/proposals/{id}"), None).await.body["supports_count"]
            .as_u64()
            .unwrap()
    }

    async fn support_rows(app: &TestApp) -> u64 {
        use plaza_api::store::entities::proposal_supports;
        use sea_orm::{EntityTrait, PaginatorTrait};
        proposal_supports::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn twenty_parallel_supports_from_one_participant_give_one_support() {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let slug = open_process(&app, &admin, json!({ "supports_require_residency": false })).await;
        let ana = app.participant("ana@example.org").await;
        let bea = app.participant("bea@example.org").await;
        let id = published(&app, &ana, &slug, "Una proposta molt popular").await;
        let replies = join_all((0..20).map(|_| support(&app, &bea, &id))).await;
        let (accepted, refused) = statuses(&replies);
        assert_eq!(accepted, 1, "{refused:?}");
        assert!(
            refused.iter().all(|r| r == "409 already_supported"),
            "{refused:?}"
        );
        assert_eq!(support_rows(&app).await, 1);
        assert_eq!(supports_count(&app, &id).await, 1);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn ten_parallel_supports_with_five_left_accept_exactly_five() {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let slug = open_process(
            &app,
            &admin,
            json!({ "supports_require_residency": false, "vote_limit": 5 }),
        )
        .await;
        let ana = app.participant("ana@example.org").await;
        let bea = app.participant("bea@example.org").await;
        let mut ids = Vec::new();
        for n in 0..10 {
            ids.push(published(&app, &ana, &slug, &format!("Proposta paral·lela {n:02}")).await);
        }
        let replies = join_all(ids.iter().map(|id| support(&app, &bea, id))).await;
        let (accepted, refused) = statuses(&replies);
        assert_eq!(accepted, 5, "{refused:?}");
        assert!(
            refused.iter().all(|r| r == "409 vote_limit_reached"),
            "{refused:?}"
        );
        assert_eq!(support_rows(&app).await, 5);
        let mut total = 0;
        for id in &ids {
            total += supports_count(&app, id).await;
        }
        assert_eq!(total, 5, "the counters equal the rows");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn five_parallel_creations_with_a_limit_of_one_create_one() {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let slug = open_process(&app, &admin, json!({ "proposal_limit": 1 })).await;
        let ana = app.participant("ana@example.org").await;
        let titles: Vec<String> = (0..5).map(|n| format!("Proposta simultània {n}")).collect();
        let replies = join_all(titles.iter().map(|title| draft(&app, &ana, &slug, title))).await;
        let (accepted, refused) = statuses(&replies);
        assert_eq!(accepted, 1, "{refused:?}");
        assert!(
            refused.iter().all(|r| r == "409 proposal_limit_reached"),
            "{refused:?}"
        );
        let mine = app
            .get(
                &format!("/api/v1/processes/{slug}/proposals?author=me"),
                Some(&ana.access_token),
            )
            .await;
        assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(1));
    }
}

mod comment_votes {
    use crate::proposals::{open_process, published};
    use futures_util::future::join_all;
    use plaza_tests::TestApp;
    use serde_json::json;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn twenty_parallel_identical_votes_are_one_vote() {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let slug = open_process(&app, &admin, json!({})).await;
        let ana = app.participant("ana@example.org").await;
        let bea = app.participant("bea@example.org").await;
        let id = published(&app, &ana, &slug, "Una proposta per votar comentaris").await;
        let written = app
            .post(
                &format!("/api/v1/proposals/{id}/comments"),
                Some(&ana.access_token),
                json!({ "body": "Voteu-me" }),
            )
            .await;
        let comment = written.body["id"].as_str().unwrap().to_string();
        let path = format!("/api/v1/comments/{comment}/votes");
        let replies = join_all(
            (0..20).map(|_| app.post(&path, Some(&bea.access_token), json!({ "vote": "up" }))),
        )
        .await;
        let statuses: Vec<u16> = replies.iter().map(|reply| reply.status).collect();
        assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
        use plaza_api::store::entities::comment_votes;
        use sea_orm::{EntityTrait, PaginatorTrait};
        let rows = comment_votes::Entity::find()
            .count(&app.state.db)
            .await
            .unwrap();
        assert_eq!(rows, 1);
        let thread = app
            .get(&format!("/api/v1/proposals/{id}/comments"), None)
            .await;
        assert_eq!(thread.body["items"][0]["comment"]["up_votes"], 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_workers_claiming_at_once_take_each_job_once() {
    let app = TestApp::spawn().await;
    for n in 0..12 {
        let reply = app
            .post(
                "/api/v1/auth/register",
                None,
                json!({ "email": format!("resident{n}@example.org"), "name": "Resident" }),
            )
            .await;
        assert_eq!(reply.status, 202, "{reply:#?}");
    }
    let lease = time::Duration::minutes(5);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let db = app.state.db.clone();
            tokio::spawn(async move {
                let mut taken = Vec::new();
                while let Some(job) =
                    plaza_api::store::outbox::claim(&db, plaza_tests::START, lease)
                        .await
                        .expect("a claim")
                {
                    taken.push(job.id);
                }
                taken
            })
        })
        .collect();
    let mut taken = Vec::new();
    for worker in workers {
        taken.extend(worker.await.expect("a worker"));
    }
    let once: std::collections::HashSet<_> = taken.iter().collect();
    assert_eq!(
        (taken.len(), once.len()),
        (12, 12),
        "twelve confirmation mails, each claimed by one worker: {taken:?}"
    );
}

/// Sends `requests` (method, path, access token, body) at once over real sockets, each on its
/// own task; the answers in the same order.
async fn all_at_once(
    app: &TestApp,
    requests: Vec<(&'static str, String, String, Option<serde_json::Value>)>,
) -> Vec<plaza_tests::Reply> {
    let server = app.serve_on_socket().await;
    let loopback = std::net::IpAddr::from([127, 0, 0, 1]);
    let tasks: Vec<_> = requests
        .into_iter()
        .map(|(method, path, token, body)| {
            tokio::spawn(async move {
                let bearer = format!("Bearer {token}");
                plaza_tests::call_from(
                    loopback,
                    server,
                    method,
                    &path,
                    &[("authorization", &bearer)],
                    body,
                )
                .await
            })
        })
        .collect();
    let mut replies = Vec::new();
    for task in tasks {
        replies.push(task.await.expect("a request task"));
    }
    replies
}

fn statuses(replies: &[plaza_tests::Reply]) -> Vec<(u16, String)> {
    let mut seen: Vec<(u16, String)> = replies
        .iter()
        .map(|r| (r.status, r.body["code"].as_str().unwrap_or("").to_string()))
        .collect();
    seen.sort();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_parallel_first_choices_of_one_resident_make_one_ballot_with_one_line() {
    use crate::ballots::{ballots_of, project, resident, spending_anything};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let budget = spending_anything(&app, &admin).await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    let path = format!("/api/v1/budgets/{budget}/ballot/projects/{park}");
    let requests = (0..20)
        .map(|_| {
            (
                "PUT",
                path.clone(),
                ana.access_token.clone(),
                Some(json!({})),
            )
        })
        .collect();
    let replies = all_at_once(&app, requests).await;
    assert!(
        replies.iter().all(|r| r.status == 200),
        "{:?}",
        statuses(&replies)
    );
    assert_eq!(ballots_of(&app, &budget).await, (1, 0));
    use plaza_api::store::entities::ballot_lines;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let lines = ballot_lines::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(lines, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_projects_that_do_not_fit_together_chosen_at_once_one_is_refused() {
    use crate::ballots::{ballot, project, resident, voting_budget};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let rule = json!({ "total": 100_000, "voting_rule": { "kind": "knapsack", "min_percent": 0 } });
    let budget = voting_budget(&app, &admin, "pp-2027", rule).await;
    let a = project(&app, &admin, &budget, 60_000).await;
    let b = project(&app, &admin, &budget, 60_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    let requests = [a, b]
        .iter()
        .map(|p| {
            let path = format!("/api/v1/budgets/{budget}/ballot/projects/{p}");
            ("PUT", path, ana.access_token.clone(), Some(json!({})))
        })
        .collect();
    let replies = all_at_once(&app, requests).await;
    assert_eq!(
        statuses(&replies),
        [(200, String::new()), (422, "over_budget".to_string())]
    );
    let stored = ballot(&app, &ana, &budget).await;
    assert_eq!(stored.body["total_cost"], 60_000, "{stored:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_parallel_checkouts_cast_once_with_one_receipt_one_audit_entry_and_one_mail() {
    use crate::ballots::{audited, ballots_of, choose, project, resident, spending_anything};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let budget = spending_anything(&app, &admin).await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    assert_eq!(choose(&app, &ana, &budget, &park).await.status, 200);
    let mails_before = app.outbox_rows().await.len();
    let path = format!("/api/v1/budgets/{budget}/ballot/checkout");
    let requests = (0..10)
        .map(|_| {
            (
                "POST",
                path.clone(),
                ana.access_token.clone(),
                Some(json!({})),
            )
        })
        .collect();
    let replies = all_at_once(&app, requests).await;
    let mut expected = vec![(409, "ballot_already_cast".to_string()); 9];
    expected.push((200, String::new()));
    expected.sort();
    assert_eq!(statuses(&replies), expected);
    assert_eq!(ballots_of(&app, &budget).await, (1, 1));
    assert_eq!(audited(&app, "ballot.checkout").await, 1);
    assert_eq!(
        app.outbox_rows().await.len(),
        mails_before + 1,
        "one receipt mail"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_checkouts_in_two_budgets_under_workflow_one_count_once() {
    use crate::ballots::{ballots_of, project, resident, voting_budget};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let rule = json!({ "voting_rule": { "kind": "knapsack", "min_percent": 0 } });
    let first = voting_budget(&app, &admin, "pp-2027", rule.clone()).await;
    let second = crate::ballots::another_budget(&app, &admin, "pp-2027", rule).await;
    let a = project(&app, &admin, &first, 100_000).await;
    let b = project(&app, &admin, &second, 100_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    // Two drafts holding projects at once, as two racing first choices can leave them (written
    // directly: the API itself refuses the second choice once the first is stored).
    for (budget, project) in [(&first, &a), (&second, &b)] {
        draft_with(&app, &ana, budget, project).await;
    }
    let requests = [&first, &second]
        .iter()
        .map(|budget| {
            let path = format!("/api/v1/budgets/{budget}/ballot/checkout");
            ("POST", path, ana.access_token.clone(), Some(json!({})))
        })
        .collect();
    let replies = all_at_once(&app, requests).await;
    let seen = statuses(&replies);
    assert_eq!(seen[0], (200, String::new()), "{seen:?}");
    assert_eq!(seen[1], (403, "not_eligible".to_string()), "{seen:?}");
    let cast = ballots_of(&app, &first).await.1 + ballots_of(&app, &second).await.1;
    assert_eq!(cast, 1, "exactly one budget counts the resident");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_first_choice_and_an_admin_moving_the_budget_at_once_never_both_succeed() {
    use crate::ballots::{ballots_of, project, resident, spending_anything};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let budget = spending_anything(&app, &admin).await;
    let park = project(&app, &admin, &budget, 400_000).await;
    let ana = resident(&app, &admin, "ana@example.org", 1, "N1").await;
    let n2 = app.scope_id("N2").await;
    // The admin moves the city-wide budget to N2, where Ana does not live, while she makes its
    // first ballot: either the move comes first and her choice is refused, or her ballot comes
    // first and freezes the budget's territory. A ballot decided on the territory before the
    // move, with the move accepted as well, is what must never happen.
    let requests = vec![
        (
            "PATCH",
            format!("/api/v1/budgets/{budget}"),
            admin.access_token.clone(),
            Some(json!({ "scope_id": n2 })),
        ),
        (
            "PUT",
            format!("/api/v1/budgets/{budget}/ballot/projects/{park}"),
            ana.access_token.clone(),
            Some(json!({})),
        ),
    ];
    let replies = all_at_once(&app, requests).await;
    let (moved, chosen) = (&replies[0], &replies[1]);
    match (moved.status, chosen.status) {
        (200, 403) => {
            assert_eq!(chosen.body["reason"], "outside_budget_scope", "{chosen:#?}");
            assert_eq!(ballots_of(&app, &budget).await, (0, 0));
        }
        (409, 200) => {
            assert_eq!(moved.code(), "budget_rules_locked", "{moved:#?}");
            assert_eq!(ballots_of(&app, &budget).await, (1, 0));
        }
        _ => panic!("the move answered {moved:#?} and the choice {chosen:#?}"),
    }
}

/// A draft of `budget` holding `project`, written as the ballot endpoints write one.
async fn draft_with(app: &TestApp, who: &plaza_tests::Session, budget: &str, project: &str) {
    use plaza_api::store::entities::{ballot_lines, ballots, budgets, residents};
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel};
    let budget: uuid::Uuid = budget.parse().unwrap();
    let db = &app.state.db;
    let process_id = budgets::Entity::find_by_id(budget)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .process_id;
    let resident = residents::Entity::find_by_id(who.user_id.uuid())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let id = uuid::Uuid::now_v7();
    ballots::Model {
        id,
        organization_id: app.organization.id.uuid(),
        process_id,
        budget_id: budget,
        voter: resident.document_hash,
        user_id: who.user_id.uuid(),
        residence_scope_id: resident.scope_id,
        status: "draft".into(),
        cast_at: None,
        receipt_mac: None,
        receipt_key_id: None,
        created_at: app.state.now(),
        updated_at: app.state.now(),
    }
    .into_active_model()
    .insert(db)
    .await
    .unwrap();
    ballot_lines::Model {
        ballot_id: id,
        project_id: project.parse().unwrap(),
        points: 1,
    }
    .into_active_model()
    .insert(db)
    .await
    .unwrap();
}
