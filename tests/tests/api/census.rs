//! Census import and residency verification.

use plaza_tests::{Session, TestApp};
use serde_json::json;

const CENSUS: &str = "document_number,birth_date,scope_code\n12345678Z,1990-04-01,N1\nX1234567L,2010-11-27,N2\n87654321X,1985-01-31,N1\n";

async fn import(app: &TestApp, admin: &Session, csv: &str) -> plaza_tests::Reply {
    app.call_raw(
        poem::http::Method::POST,
        "/api/v1/admin/census",
        Some(&admin.access_token),
        "text/csv",
        csv.as_bytes().to_vec(),
    )
    .await
}

async fn with_census() -> (TestApp, Session) {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let reply = import(&app, &admin, CENSUS).await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    (app, admin)
}

async fn verify(
    app: &TestApp,
    who: &Session,
    document: &str,
    birth_date: &str,
) -> plaza_tests::Reply {
    app.post(
        "/api/v1/me/verification",
        Some(&who.access_token),
        json!({ "document_number": document, "birth_date": birth_date }),
    )
    .await
}

#[tokio::test]
async fn an_admin_imports_the_census_and_reimporting_refreshes_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let first = import(&app, &admin, CENSUS).await;
    assert_eq!(
        first.body,
        json!({ "created": 3, "updated": 0, "removed": 0, "residents_removed": 0, "total": 3 })
    );
    let second = import(&app, &admin, "document_number;birth_date;scope_code\n12.345.678-z;1990-04-01;N2\nY7654321G;1999-09-09;N1\n").await;
    assert_eq!(
        second.body,
        json!({ "created": 1, "updated": 1, "removed": 0, "residents_removed": 0, "total": 4 })
    );
}

#[tokio::test]
async fn the_census_keeps_only_keyed_hashes_of_document_numbers() {
    let (app, _) = with_census().await;
    use plaza_api::store::entities::census_records;
    use sea_orm::EntityTrait;
    let rows = census_records::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        assert_eq!(row.document_hash.len(), 64);
        assert!(!row.document_hash.contains("12345678"));
    }
}

#[tokio::test]
async fn a_broken_census_file_imports_nothing_and_names_every_line() {
    let (app, admin) = with_census().await;
    let reply = import(&app, &admin, "document_number,birth_date,scope_code\nA1234567B,1990-01-01,N1\n12,1990-02-30,N1\nB7654321C,1991-01-01,NOWHERE\n").await;
    reply.assert_problem(422, "validation_failed");
    assert_eq!(
        reply.field_errors(),
        vec![
            ("lines.3".into(), "invalid_document_number".into()),
            ("lines.3".into(), "invalid_birth_date".into())
        ]
    );
    let unknown_scope = import(&app, &admin, "document_number,birth_date,scope_code\nA1234567B,1990-01-01,N1\nB7654321C,1991-01-01,NOWHERE\n").await;
    assert_eq!(
        unknown_scope.field_errors(),
        vec![("lines.3".into(), "unknown_scope_code".into())]
    );
    let count = plaza_api::store::census::record_count(&app.state.db, app.organization.id)
        .await
        .unwrap();
    assert_eq!(count, 3, "nothing of the refused files was imported");
}

#[tokio::test]
async fn a_participant_cannot_import_the_census() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    import(&app, &ana, CENSUS)
        .await
        .assert_problem(403, "forbidden");
    app.get(
        &format!("/api/v1/admin/users/{}/roles", ana.user_id),
        Some(&ana.access_token),
    )
    .await
    .assert_problem(403, "forbidden");
}

#[tokio::test]
async fn a_matching_resident_is_verified_into_their_scope() {
    let (app, _) = with_census().await;
    let ana = app.participant("ana@example.org").await;
    let reply = verify(&app, &ana, "12345678-z", "1990-04-01").await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    assert_eq!(reply.body["scope"]["code"], "N1");
    let me = app.get("/api/v1/me", Some(&ana.access_token)).await;
    assert_eq!(me.body["residency"]["scope"]["code"], "N1");
    assert_eq!(me.body["residency"]["scope"]["name_text"], "Barri 1");
}

#[tokio::test]
async fn a_resident_under_the_minimum_age_is_refused() {
    let (app, _) = with_census().await;
    let young = app.participant("young@example.org").await;
    // Born 2010-11-27: 15 on the test clock's 2026-11-26, 16 the next day.
    verify(&app, &young, "X1234567L", "2010-11-27")
        .await
        .assert_problem(422, "under_minimum_age");
    app.clock.advance(time::Duration::days(1));
    let young = app
        .login("young@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    assert_eq!(
        verify(&app, &young, "X1234567L", "2010-11-27").await.status,
        200
    );
}

#[tokio::test]
async fn scope_codes_in_a_census_file_match_whatever_their_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let reply = import(
        &app,
        &admin,
        "document_number,birth_date,scope_code\n12345678Z,1990-04-01,n1\n",
    )
    .await;
    assert_eq!(reply.status, 200, "{reply:#?}");
    let ana = app.participant("ana@example.org").await;
    let verified = verify(&app, &ana, "12345678Z", "1990-04-01").await;
    assert_eq!(verified.body["scope"]["code"], "N1", "{verified:#?}");
}

#[tokio::test]
async fn a_birthday_begins_at_midnight_where_the_resident_lives() {
    let (app, _) = with_census().await;
    // Born 2010-11-27; the organization is in Europe/Madrid (UTC+1 in November). At 22:30 UTC
    // on the 26th it is 23:30 in Barcelona: still 15.
    app.clock.advance(time::Duration::minutes(12 * 60 + 30));
    let young = app.participant("young@example.org").await;
    verify(&app, &young, "X1234567L", "2010-11-27")
        .await
        .assert_problem(422, "under_minimum_age");
    // At 23:30 UTC it is already the 27th in Barcelona, while UTC still says the 26th: 16.
    app.clock.advance(time::Duration::hours(1));
    let young = app
        .login("young@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    let verified = verify(&app, &young, "X1234567L", "2010-11-27").await;
    assert_eq!(verified.status, 200, "{verified:#?}");
}

#[tokio::test]
async fn an_unknown_document_or_wrong_birth_date_does_not_match() {
    let (app, _) = with_census().await;
    let ana = app.participant("ana@example.org").await;
    verify(&app, &ana, "99999999R", "1990-04-01")
        .await
        .assert_problem(422, "census_no_match");
    verify(&app, &ana, "12345678Z", "1990-04-02")
        .await
        .assert_problem(422, "census_no_match");
    let malformed = verify(&app, &ana, "1", "01/04/1990").await;
    malformed.assert_problem(422, "validation_failed");
    assert_eq!(
        malformed.field_errors(),
        vec![
            ("document_number".into(), "invalid_document_number".into()),
            ("birth_date".into(), "invalid_date".into())
        ]
    );
}

#[tokio::test]
async fn a_document_verifies_only_one_live_account() {
    let (app, _) = with_census().await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    assert_eq!(
        verify(&app, &ana, "12345678Z", "1990-04-01").await.status,
        200
    );
    verify(&app, &bea, "12345678Z", "1990-04-01")
        .await
        .assert_problem(409, "document_already_used");
    assert_eq!(
        verify(&app, &ana, "12345678Z", "1990-04-01").await.status,
        200,
        "verifying again is fine"
    );
}

#[tokio::test]
async fn a_new_account_takes_over_the_residency_of_a_deleted_one() {
    let (app, _) = with_census().await;
    let ana = app.participant("ana@example.org").await;
    verify(&app, &ana, "12345678Z", "1990-04-01").await;
    app.delete("/api/v1/me", Some(&ana.access_token)).await;
    let again = app.participant("ana.new@example.org").await;
    assert_eq!(
        verify(&app, &again, "12345678Z", "1990-04-01").await.status,
        200
    );
    let old = plaza_api::store::census::resident_of(&app.state.db, ana.user_id)
        .await
        .unwrap();
    assert!(
        old.is_none(),
        "the deleted account no longer holds the residency"
    );
}

#[tokio::test]
async fn five_failures_lock_verification_with_a_growing_delay() {
    let (app, _) = with_census().await;
    let ana = app.participant("ana@example.org").await;
    for _ in 0..5 {
        verify(&app, &ana, "12345678Z", "2000-01-01")
            .await
            .assert_problem(422, "census_no_match");
    }
    let locked = verify(&app, &ana, "12345678Z", "1990-04-01").await;
    locked.assert_problem(429, "verification_locked");
    assert_eq!(locked.header("retry-after"), Some("60"));

    app.clock.advance(time::Duration::seconds(60));
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    verify(&app, &ana, "12345678Z", "2000-01-01")
        .await
        .assert_problem(422, "census_no_match");
    let longer = verify(&app, &ana, "12345678Z", "1990-04-01").await;
    assert_eq!(longer.header("retry-after"), Some("120"), "{longer:#?}");

    app.clock.advance(time::Duration::seconds(120));
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    assert_eq!(
        verify(&app, &ana, "12345678Z", "1990-04-01").await.status,
        200,
        "the right answer works once the lock ends"
    );
}

#[tokio::test]
async fn the_command_line_import_has_the_same_rules() {
    let app = TestApp::spawn().await;
    let summary = plaza_api::app::census::import(
        &app.state,
        &app.organization,
        None,
        CENSUS,
        plaza_api::app::census::ImportMode::Merge,
    )
    .await
    .unwrap();
    assert_eq!((summary.created, summary.updated, summary.total), (3, 0, 3));
    let refused = plaza_api::app::census::import(
        &app.state,
        &app.organization,
        None,
        "document_number,birth_date,scope_code\nA1,x,N1\n",
        plaza_api::app::census::ImportMode::Merge,
    )
    .await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn an_account_keeps_the_document_it_verified_with() {
    let (app, _) = with_census().await;
    let ana = app.participant("ana@example.org").await;
    assert_eq!(
        verify(&app, &ana, "12345678Z", "1990-04-01").await.status,
        200
    );
    verify(&app, &ana, "87654321X", "1985-01-31")
        .await
        .assert_problem(409, "already_verified");
    let bea = app.participant("bea@example.org").await;
    verify(&app, &bea, "12345678Z", "1990-04-01")
        .await
        .assert_problem(409, "document_already_used");
}

#[tokio::test]
async fn guessing_a_documents_birth_date_with_many_accounts_locks_the_document() {
    let (app, _) = with_census().await;
    for guesser in 0..10 {
        let account = app
            .participant(&format!("guesser{guesser}@example.org"))
            .await;
        verify(
            &app,
            &account,
            "12345678Z",
            &format!("1990-01-{:02}", guesser + 10),
        )
        .await
        .assert_problem(422, "census_no_match");
    }
    let lucky = app.participant("lucky@example.org").await;
    verify(&app, &lucky, "12345678Z", "1990-04-01")
        .await
        .assert_problem(429, "verification_locked");
    assert_eq!(
        verify(&app, &lucky, "87654321X", "1985-01-31").await.status,
        200,
        "other documents are not locked"
    );
}

#[tokio::test]
async fn a_changed_secret_is_refused_at_start_while_census_hashes_exist() {
    let (app, _admin) = with_census().await;
    let start_with = |extra: &[(&str, &str)]| {
        let mut vars: std::collections::HashMap<String, String> = [
            ("DATABASE_URL", app.state.settings.database_url.as_str()),
            (
                "PLAZA_DATA_DIR",
                &app.state.settings.data_dir.display().to_string(),
            ),
            (
                "PLAZA_SECRET",
                "a-rotated-secret-that-is-long-enough-987654321",
            ),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            vars.insert(k.to_string(), v.to_string());
        }
        plaza_api::config::Settings::from_lookup(|name| vars.get(name).cloned()).unwrap()
    };
    let rotated = plaza_api::build_state(start_with(&[]), app.clock.clone())
        .await
        .unwrap();
    let refused = plaza_api::check_census_key(&rotated).await.unwrap_err();
    assert!(
        matches!(refused, plaza_api::StartError::CensusKeyChanged { .. }),
        "{refused}"
    );
    assert!(refused.to_string().contains("PLAZA_CENSUS_SECRET"));
    // Pinning the census key to the former secret starts, and the census still matches.
    let pinned = plaza_api::build_state(
        start_with(&[("PLAZA_CENSUS_SECRET", plaza_tests::SECRET)]),
        app.clock.clone(),
    )
    .await
    .unwrap();
    plaza_api::check_census_key(&pinned).await.unwrap();
    assert_eq!(pinned.keys.census, app.state.keys.census);
    assert_ne!(pinned.keys.jwt, app.state.keys.jwt);
}

#[tokio::test]
async fn access_tokens_of_the_former_secret_work_while_it_is_kept_as_previous() {
    let app = TestApp::spawn().await;
    let ana = app.participant("ana@example.org").await;
    let former = plaza_api::auth::Keys::derive(plaza_tests::SECRET.as_bytes());
    let mut rotated =
        plaza_api::auth::Keys::derive(b"a-rotated-secret-that-is-long-enough-987654321");
    rotated.previous_jwt = Some(former.jwt.clone());
    let accepted = plaza_api::auth::jwt::verify_with_any(
        &rotated.verifying_jwt(),
        &ana.access_token,
        app.organization.id,
        plaza_domain::Timestamp(plaza_tests::START.unix_timestamp()),
    );
    assert!(accepted.is_ok());
    rotated.previous_jwt = None;
    assert!(
        plaza_api::auth::jwt::verify_with_any(
            &rotated.verifying_jwt(),
            &ana.access_token,
            app.organization.id,
            plaza_domain::Timestamp(plaza_tests::START.unix_timestamp()),
        )
        .is_err()
    );
}

#[tokio::test]
async fn a_replacing_import_removes_those_who_left_and_ends_their_residency() {
    let (app, admin) = with_census().await;
    let ana = app.participant("ana@example.org").await;
    let bea = app.participant("bea@example.org").await;
    assert_eq!(
        verify(&app, &ana, "12345678Z", "1990-04-01").await.status,
        200
    );
    assert_eq!(
        verify(&app, &bea, "87654321X", "1985-01-31").await.status,
        200
    );
    // A merge import never removes anyone.
    let merged = import(
        &app,
        &admin,
        "document_number,birth_date,scope_code\n87654321X,1985-01-31,N2\n",
    )
    .await;
    assert_eq!(
        (
            &merged.body["removed"],
            &merged.body["residents_removed"],
            &merged.body["total"]
        ),
        (&json!(0), &json!(0), &json!(3))
    );
    // Ana moved away: the new census lists only Bea (now in N2).
    let replaced = app
        .call_raw(
            poem::http::Method::POST,
            "/api/v1/admin/census?mode=replace",
            Some(&admin.access_token),
            "text/csv",
            b"document_number,birth_date,scope_code\n87654321X,1985-01-31,N2\n".to_vec(),
        )
        .await;
    assert_eq!(replaced.status, 200, "{replaced:#?}");
    assert_eq!(
        (
            &replaced.body["removed"],
            &replaced.body["residents_removed"],
            &replaced.body["total"]
        ),
        (&json!(2), &json!(1), &json!(1))
    );
    let anas = app.get("/api/v1/me", Some(&ana.access_token)).await;
    assert_eq!(anas.body["residency"], serde_json::Value::Null, "{anas:#?}");
    verify(&app, &ana, "12345678Z", "1990-04-01")
        .await
        .assert_problem(422, "census_no_match");
    let beas = app.get("/api/v1/me", Some(&bea.access_token)).await;
    assert!(beas.body["residency"].is_object(), "{beas:#?}");
    // A replacing import cannot empty the census, and an unknown mode is refused.
    let empty = app
        .call_raw(
            poem::http::Method::POST,
            "/api/v1/admin/census?mode=replace",
            Some(&admin.access_token),
            "text/csv",
            b"document_number,birth_date,scope_code\n".to_vec(),
        )
        .await;
    assert_eq!(empty.status, 422, "{empty:#?}");
    app.call_raw(
        poem::http::Method::POST,
        "/api/v1/admin/census?mode=wipe",
        Some(&admin.access_token),
        "text/csv",
        b"document_number,birth_date,scope_code\n".to_vec(),
    )
    .await
    .assert_problem(400, "invalid_parameter");
}

#[tokio::test]
async fn failed_verifications_are_forgiven_with_quiet_time() {
    let (app, _) = with_census().await;
    let ana = app.participant("ana@example.org").await;
    for _ in 0..5 {
        verify(&app, &ana, "12345678Z", "2000-01-01")
            .await
            .assert_problem(422, "census_no_match");
    }
    // Locked for a minute; then five quiet hours forgive five failures.
    app.clock
        .advance(time::Duration::seconds(60) + time::Duration::hours(5));
    let ana = app
        .login("ana@example.org", plaza_tests::GOOD_PASSWORD)
        .await;
    for _ in 0..4 {
        verify(&app, &ana, "12345678Z", "2000-01-01")
            .await
            .assert_problem(422, "census_no_match");
    }
    // Without the forgiveness this would be the tenth failure in a row, locked for 32 minutes.
    let right = verify(&app, &ana, "12345678Z", "1990-04-01").await;
    assert_eq!(right.status, 200, "{right:#?}");
}
