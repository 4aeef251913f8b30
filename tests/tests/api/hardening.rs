//! Abuse a hostile client would try: floods of password hashing, many requests from one address,
//! control characters anywhere, timing and header tricks. Each test pins one refusal.

use plaza_tests::{GOOD_PASSWORD, HOST, Options, TestApp, call_from};
use poem::http::Method;
use serde_json::{Value, json};
use std::net::IpAddr;

async fn spawn_with(settings: &[(&'static str, &str)]) -> TestApp {
    TestApp::spawn_with(Options {
        settings: settings
            .iter()
            .map(|(name, value)| (*name, value.to_string()))
            .collect(),
        ..Options::default()
    })
    .await
}

fn loopback(last: u8) -> IpAddr {
    IpAddr::from([127, 0, 0, last])
}

fn login_body(email: &str) -> Value {
    json!({ "email": email, "password": "not the password at all" })
}

// --- 1. Password hashing is bounded --------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_saturated_hasher_answers_busy_never_wrong_password() {
    // One hashing slot and a short wait; the test holds the slot, as a flood would.
    let app = spawn_with(&[("PLAZA_MAX_HASHES", "1"), ("PLAZA_HASH_WAIT_MS", "50")]).await;
    app.registered("ana@example.org", GOOD_PASSWORD).await;
    app.register("bea@example.org", "Bea").await;
    let bea_link = app.only_mail_to("bea@example.org").await.token();
    let flood_slot = app.state.hasher.slot().await.unwrap();
    let right = app.sign_in("ana@example.org", GOOD_PASSWORD).await;
    right.assert_problem(503, "busy");
    assert!(right.header("retry-after").is_some(), "{right:#?}");
    let flood: Vec<_> = (0..20)
        .map(|i| {
            app.post(
                "/api/v1/auth/login",
                None,
                login_body(&format!("n{i}@example.org")),
            )
        })
        .collect();
    for reply in futures_join_all(flood).await {
        reply.assert_problem(503, "busy");
    }
    // Confirming an address hashes its new password: busy too, and the link stays unused.
    app.confirm(&bea_link, GOOD_PASSWORD)
        .await
        .assert_problem(503, "busy");
    drop(flood_slot);
    // The slot is free again: the right password works, a wrong one is wrong, the link works.
    assert_eq!(app.confirm(&bea_link, GOOD_PASSWORD).await.status, 204);
    app.login("ana@example.org", GOOD_PASSWORD).await;
    app.sign_in("ana@example.org", "not the password at all")
        .await
        .assert_problem(401, "invalid_credentials");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_bad_sign_ins_gets_only_wrong_password_or_busy_answers() {
    let app = spawn_with(&[("PLAZA_MAX_HASHES", "1"), ("PLAZA_HASH_WAIT_MS", "20")]).await;
    app.registered("ana@example.org", GOOD_PASSWORD).await;
    let flood: Vec<_> = (0..60)
        .map(|i| {
            app.post(
                "/api/v1/auth/login",
                None,
                login_body(&format!("n{i}@example.org")),
            )
        })
        .collect();
    let right = app.sign_in("ana@example.org", GOOD_PASSWORD);
    let (flood, right) = tokio::join!(futures_join_all(flood), right);
    for reply in &flood {
        match reply.status {
            401 => reply.assert_problem(401, "invalid_credentials"),
            _ => {
                reply.assert_problem(503, "busy");
                assert!(reply.header("retry-after").is_some(), "{reply:#?}");
            }
        }
    }
    assert!(
        right.status == 200 || right.status == 503,
        "the right password was answered {right:#?}"
    );
}

/// Runs every future at once and keeps their order.
async fn futures_join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pinned: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = (0..pinned.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in pinned.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

// --- 2. Per-client and per-account limits ---------------------------------------------------

#[tokio::test]
async fn sign_ins_are_limited_per_client_address() {
    let app = spawn_with(&[("PLAZA_LIMIT_SIGN_IN", "3/hour")]).await;
    let server = app.serve_on_socket().await;
    let attempt = |from: u8, i: u32| {
        call_from(
            loopback(from),
            server,
            "POST",
            "/api/v1/auth/login",
            &[],
            Some(login_body(&format!("guess{i}@example.org"))),
        )
    };
    for i in 0..3 {
        attempt(2, i)
            .await
            .assert_problem(401, "invalid_credentials");
    }
    let refused = attempt(2, 3).await;
    refused.assert_problem(429, "rate_limited");
    let retry_after: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=1_200).contains(&retry_after), "{retry_after}");
    // Another address is another client.
    attempt(3, 4)
        .await
        .assert_problem(401, "invalid_credentials");
}

#[tokio::test]
async fn registrations_and_reset_mails_are_limited_per_client_address() {
    let app = spawn_with(&[
        ("PLAZA_LIMIT_SIGN_UP", "2/hour"),
        ("PLAZA_LIMIT_MAIL", "2/hour"),
    ])
    .await;
    let server = app.serve_on_socket().await;
    let register = |from: u8, i: u32| {
        call_from(
            loopback(from),
            server,
            "POST",
            "/api/v1/auth/register",
            &[],
            Some(json!({ "email": format!("r{i}@example.org"), "name": "R" })),
        )
    };
    let reset = |from: u8, i: u32| {
        call_from(
            loopback(from),
            server,
            "POST",
            "/api/v1/auth/password-reset",
            &[],
            Some(json!({ "email": format!("r{i}@example.org") })),
        )
    };
    assert_eq!(register(2, 0).await.status, 202);
    assert_eq!(register(2, 1).await.status, 202);
    register(2, 2).await.assert_problem(429, "rate_limited");
    assert_eq!(register(3, 3).await.status, 202);
    assert_eq!(reset(2, 0).await.status, 202);
    assert_eq!(reset(2, 1).await.status, 202);
    reset(2, 2).await.assert_problem(429, "rate_limited");
    assert_eq!(reset(4, 2).await.status, 202);
    // A refused registration created nothing.
    let accounts =
        plaza_api::store::users::by_email(&app.state.db, app.organization.id, "r2@example.org")
            .await
            .unwrap();
    assert!(accounts.is_none());
}

#[tokio::test]
async fn forwarded_addresses_count_only_from_a_trusted_proxy() {
    let app = spawn_with(&[
        ("PLAZA_LIMIT_SIGN_IN", "2/hour"),
        ("PLAZA_TRUSTED_PROXIES", "127.0.0.10"),
    ])
    .await;
    let server = app.serve_on_socket().await;
    let attempt = |from: u8, forwarded_for: &'static str| async move {
        call_from(
            loopback(from),
            server,
            "POST",
            "/api/v1/auth/login",
            &[("x-forwarded-for", forwarded_for)],
            Some(login_body("guess@example.org")),
        )
        .await
    };
    // Behind the trusted proxy each resident is counted apart...
    for _ in 0..2 {
        assert_eq!(attempt(10, "198.51.100.1").await.status, 401);
    }
    attempt(10, "198.51.100.1")
        .await
        .assert_problem(429, "rate_limited");
    assert_eq!(attempt(10, "198.51.100.2").await.status, 401);
    // ... and a resident who writes a fake address first gains nothing.
    attempt(10, "203.0.113.50, 198.51.100.1")
        .await
        .assert_problem(429, "rate_limited");
    // An untrusted peer cannot pick its address with the header.
    assert_eq!(attempt(11, "198.51.100.3").await.status, 401);
    assert_eq!(attempt(11, "198.51.100.4").await.status, 401);
    attempt(11, "198.51.100.5")
        .await
        .assert_problem(429, "rate_limited");
}

#[tokio::test]
async fn a_forwarded_host_counts_only_from_a_trusted_proxy() {
    let app = spawn_with(&[("PLAZA_TRUSTED_PROXIES", "127.0.0.10")]).await;
    plaza_api::app::seed::seed_demo(&app.state).await.unwrap();
    let server = app.serve_on_socket().await;
    let scopes = |from: u8| {
        call_from(
            loopback(from),
            server,
            "GET",
            "/api/v1/scopes",
            &[("x-forwarded-host", "barcelona.plaza.localhost")],
            None,
        )
    };
    // From the trusted proxy, the forwarded host picks the demo city; from anyone else the
    // header is ignored and the Host header (the test organization) counts.
    let through_proxy = scopes(10).await;
    assert_eq!(through_proxy.status, 200, "{through_proxy:#?}");
    assert_ne!(through_proxy.body[0]["code"], "TST", "{through_proxy:#?}");
    let direct = scopes(12).await;
    assert_eq!(direct.body[0]["code"], "TST", "{direct:#?}");
}

#[tokio::test]
async fn an_account_s_writes_are_limited_per_account() {
    let app = spawn_with(&[("PLAZA_LIMIT_ACCOUNT_WRITES", "2/minute")]).await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    for name in ["Ana One", "Ana Two"] {
        let reply = app
            .patch(
                "/api/v1/me",
                Some(&ana.access_token),
                json!({ "name": name }),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:#?}");
    }
    app.patch(
        "/api/v1/me",
        Some(&ana.access_token),
        json!({ "name": "Ana Three" }),
    )
    .await
    .assert_problem(429, "rate_limited");
    let me = app.get("/api/v1/me", Some(&ana.access_token)).await;
    assert_eq!(me.body["name"], "Ana Two", "reads are not limited");
    let other = app
        .patch(
            "/api/v1/me",
            Some(&bea.access_token),
            json!({ "name": "Bea" }),
        )
        .await;
    assert_eq!(other.status, 200);
}

// --- 3. Control characters, on every operation ----------------------------------------------

/// A value for `schema` in which every string is `text`.
fn sample(spec: &Value, schema: &Value, text: &str, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return sample(spec, &spec["components"]["schemas"][name], text, depth + 1);
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        if let Some(first) = schema[combinator]
            .as_array()
            .and_then(|options| options.iter().find(|o| o["type"] != "null"))
        {
            return sample(spec, first, text, depth + 1);
        }
    }
    match schema["type"].as_str() {
        Some("string") => Value::String(text.to_string()),
        Some("integer" | "number") => json!(1),
        Some("boolean") => json!(true),
        Some("array") => json!([sample(spec, &schema["items"], text, depth + 1)]),
        _ => {
            let mut object = serde_json::Map::new();
            if let Some(properties) = schema["properties"].as_object() {
                for (name, property) in properties {
                    object.insert(name.clone(), sample(spec, property, text, depth + 1));
                }
            } else if schema["additionalProperties"].is_object() {
                object.insert(
                    "ca".into(),
                    sample(spec, &schema["additionalProperties"], text, depth + 1),
                );
            }
            Value::Object(object)
        }
    }
}

#[tokio::test]
async fn a_control_character_anywhere_is_refused_by_every_operation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let spec: Value = serde_json::from_str(&plaza_api::http::spec_json()).unwrap();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let method: Method = method.to_uppercase().parse().unwrap();
            let parameters = operation["parameters"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let with_path_values = |value: &str| {
                let mut filled = format!("/api/v1{path}");
                for parameter in &parameters {
                    if parameter["in"] == "path" {
                        let name = parameter["name"].as_str().unwrap();
                        filled = filled.replace(&format!("{{{name}}}"), value);
                    }
                }
                filled
            };
            let valid_path = with_path_values("00000000-0000-0000-0000-000000000000");
            let label = format!("{method} {path}");

            // In the path (or after it, for an operation without path parameters).
            let mut in_path = with_path_values("a%00b");
            if in_path == valid_path {
                in_path.push_str("%00");
            }
            let reply = app
                .call(method.clone(), &in_path, Some(&admin.access_token), None)
                .await;
            reply.assert_problem(400, "invalid_parameter");
            assert!(
                reply
                    .field_errors()
                    .iter()
                    .any(|(_, code)| code == "control_character"),
                "{label}: {reply:#?}"
            );

            // In each query parameter (or an undocumented one).
            let mut names: Vec<&str> = parameters
                .iter()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str())
                .collect();
            if names.is_empty() {
                names.push("q");
            }
            for name in names {
                let reply = app
                    .call(
                        method.clone(),
                        &format!("{valid_path}?{name}=a%00b"),
                        Some(&admin.access_token),
                        None,
                    )
                    .await;
                reply.assert_problem(400, "invalid_parameter");
                assert_eq!(
                    reply.field_errors(),
                    vec![(name.to_string(), "control_character".to_string())],
                    "{label}"
                );
            }

            // In every string of the body (a body without text, such as a ballot line's
            // points, has nowhere to put one).
            let content = &operation["requestBody"]["content"];
            if let Some(schema) = content["application/json"]["schema"].as_object()
                && let body = sample(&spec, &Value::Object(schema.clone()), "a\u{0}b", 0)
                && body.to_string().contains("\\u0000")
            {
                let reply = app
                    .call(
                        method.clone(),
                        &valid_path,
                        Some(&admin.access_token),
                        Some(body),
                    )
                    .await;
                reply.assert_problem(400, "invalid_body");
                assert!(
                    reply
                        .field_errors()
                        .iter()
                        .all(|(_, code)| code == "control_character"),
                    "{label}: {reply:#?}"
                );
            }
            if content.get("text/csv").is_some() {
                let csv = "document_number,birth_date,scope_code\n1234\u{0}5678Z,2000-01-01,N1\n";
                let reply = app
                    .call_raw(
                        method.clone(),
                        &valid_path,
                        Some(&admin.access_token),
                        "text/csv",
                        csv.as_bytes().to_vec(),
                    )
                    .await;
                reply.assert_problem(400, "invalid_body");
                assert_eq!(
                    reply.field_errors(),
                    vec![("line 2".to_string(), "control_character".to_string())]
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 18, "only {checked} operations in the spec?");
    // Nothing reached the database: the admin's organization has no process and one scope tree.
    let processes = app.get("/api/v1/processes", None).await;
    assert_eq!(processes.body["items"], json!([]), "{processes:#?}");
}

#[tokio::test]
async fn translatable_text_with_a_nul_is_refused_before_the_database() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let reply = app
        .post(
            "/api/v1/scopes",
            Some(&admin.access_token),
            json!({ "code": "N3", "kind": "neighbourhood", "name": { "ca": "Barri\u{0}3" } }),
        )
        .await;
    reply.assert_problem(400, "invalid_body");
    assert_eq!(
        reply.field_errors(),
        vec![("name.ca".to_string(), "control_character".to_string())]
    );
    app.get("/api/v1/processes/a%00b", None)
        .await
        .assert_problem(400, "invalid_parameter");
}

// --- 4. A reset request does the same work for any address ----------------------------------

#[tokio::test]
async fn a_reset_request_queues_one_job_whether_or_not_the_address_has_an_account() {
    let app = TestApp::spawn().await;
    app.registered("ana@example.org", GOOD_PASSWORD).await;
    let pending = || async {
        plaza_api::store::outbox::pending(&app.state.db)
            .await
            .unwrap()
            .len()
    };
    assert_eq!(pending().await, 0);
    for email in ["ana@example.org", "nobody@example.org"] {
        let reply = app
            .post(
                "/api/v1/auth/password-reset",
                None,
                json!({ "email": email }),
            )
            .await;
        assert_eq!(reply.status, 202);
    }
    // One job each, the same kind; the decision is the worker's.
    let jobs = plaza_api::store::outbox::pending(&app.state.db)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 2);
    assert!(
        jobs.iter()
            .all(|job| job.topic == "password_reset_requested")
    );
    let mails = app.mails().await;
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert!(mails[0].to.contains("ana@example.org"));
    assert_eq!(pending().await, 0);
}

// --- 6. The Host header is not echoed -------------------------------------------------------

#[tokio::test]
async fn an_unknown_host_is_not_echoed() {
    let app = TestApp::spawn().await;
    plaza_api::app::seed::seed_demo(&app.state).await.unwrap();
    let host = format!("{}.example", "h".repeat(5_000));
    let reply = app
        .call_with_headers(Method::GET, "/api/v1/scopes", &[("host", &host)], None)
        .await;
    reply.assert_problem(404, "organization_not_found");
    let text = reply.body.to_string();
    assert!(!text.contains("hhhhhhhh") && text.len() < 600, "{text}");
    assert!(HOST.len() < 20);
}

// --- 7. A burst of writes on SQLite is never a 500 ------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_registrations_is_answered_without_a_server_error() {
    let app = spawn_with(&[("PLAZA_MAX_HASHES", "8")]).await;
    let burst: Vec<_> = (0..150)
        .map(|i| {
            app.post(
                "/api/v1/auth/register",
                None,
                json!({ "email": format!("resident{i}@example.org"), "name": "Resident" }),
            )
        })
        .collect();
    let replies = futures_join_all(burst).await;
    let mut accepted = 0;
    for reply in &replies {
        match reply.status {
            202 => accepted += 1,
            503 => {
                assert!(matches!(reply.code(), "busy"), "{reply:#?}");
                assert!(reply.header("retry-after").is_some());
            }
            _ => panic!("a registration in the burst got {reply:#?}"),
        }
    }
    use plaza_api::store::entities::users;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let accounts = users::Entity::find().count(&app.state.db).await.unwrap();
    assert_eq!(
        accounts, accepted,
        "every accepted registration, and only those, is stored"
    );
    assert!(accepted > 0);
}

// --- 9. Metrics can be protected ------------------------------------------------------------

#[tokio::test]
async fn metrics_answer_only_the_configured_token() {
    let token = "a-metrics-token-for-prometheus";
    let app = spawn_with(&[("PLAZA_METRICS_TOKEN", token)]).await;
    let reply = app.get("/metrics", None).await;
    assert_eq!(reply.status, 401);
    assert!(!reply.body.to_string().contains("plaza_http_requests_total"));
    let wrong = app
        .get("/metrics", Some("a-metrics-token-for-prometheuZ"))
        .await;
    assert_eq!(wrong.status, 401);
    let right = app.get("/metrics", Some(token)).await;
    assert_eq!(right.status, 200);
    assert!(
        right
            .body
            .as_str()
            .unwrap()
            .contains("plaza_http_requests_total")
    );
}
