//! Test harness for Plaza's black-box tests: every test gets its own running application on a
//! fresh database, and talks to it through HTTP only (poem's in-process client: the full
//! middleware stack, routing, parsing and problem rendering, without a socket).
//!
//! The database is SQLite in a temporary directory by default, or a fresh PostgreSQL database
//! per test when `PLAZA_TEST_DATABASE_URL` points at a server (`postgres://postgres@127.0.0.1/postgres`):
//! the harness creates `plaza_test_<random>` there, migrates it, and drops it when the test ends.
//! Time is a [`ManualClock`] the test can move; mail is written as files and read back with
//! [`TestApp::mails`], after the test runs the outbox explicitly (no sleeping, no polling).

pub mod smtp;

use plaza_api::app::AppState;
use plaza_api::app::seed::{NewOrganization, create_organization};
use plaza_api::app::tenancy::Organization;
use plaza_api::clock::ManualClock;
use plaza_api::config::Settings;
use poem::EndpointExt;
use poem::endpoint::BoxEndpoint;
use poem::http::Method;
use poem::test::TestClient;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// The host the default test organization is served at.
pub const HOST: &str = "plaza.test";
/// The secret of every test app (tests forge tokens with it and with others).
pub const SECRET: &str = "test-secret-that-is-long-enough-for-plaza-0123456789";
/// The start of every test's clock.
pub const START: time::OffsetDateTime = time::macros::datetime!(2026-11-26 10:00 UTC);
/// A password that passes the policy for participants and admins.
pub const GOOD_PASSWORD: &str = "violet kettle harbour 42";

/// An HTTP answer: status, headers and body (JSON when it parses, else a string).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Value,
}

impl Reply {
    /// The problem `code` of an error answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// `(field, code)` of each field error, in order.
    pub fn field_errors(&self) -> Vec<(String, String)> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| {
                        (
                            e["field"].as_str().unwrap_or("").to_string(),
                            e["code"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Asserts that this is a problem+json answer with `status` and `code`.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "unexpected answer: {self:#?}"
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problem media type: {self:#?}"
        );
        assert_eq!(self.body["status"], json!(status));
        assert!(
            self.body["title"].is_string()
                && self.body["detail"].is_string()
                && self.body["type"].is_string()
        );
        assert!(
            self.body["request_id"].is_string(),
            "problem without request id: {self:#?}"
        );
        assert!(
            self.body["errors"].is_array(),
            "problem without an errors array: {self:#?}"
        );
        // Every code the suite meets is one the contract lists.
        let spec = plaza_api::http::spec_value();
        let listed = |schema: &str, code: &serde_json::Value| {
            spec["components"]["schemas"][schema]["enum"]
                .as_array()
                .is_some_and(|codes| codes.contains(code))
        };
        assert!(
            listed("ProblemCode", &self.body["code"]),
            "a code the spec does not list: {self:#?}"
        );
        for error in self.body["errors"].as_array().into_iter().flatten() {
            assert!(
                listed("FieldCode", &error["code"]),
                "a field code the spec does not list: {self:#?}"
            );
        }
    }
}

/// A mail as delivered.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mail {
    /// The `token` parameter of the first link in the mail.
    pub fn token(&self) -> String {
        let start = self.body.find("token=").expect("the mail has a token link") + "token=".len();
        self.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect()
    }
}

/// A signed-in participant.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: plaza_domain::UserId,
    pub email: String,
    pub access_token: String,
    pub refresh_token: String,
}

enum Database {
    Sqlite,
    Postgres { admin_url: String, name: String },
}

/// One running application on its own database.
pub struct TestApp {
    pub state: Arc<AppState>,
    pub clock: Arc<ManualClock>,
    pub organization: Organization,
    client: TestClient<BoxEndpoint<'static, poem::Response>>,
    dir: PathBuf,
    seen_mail: Mutex<BTreeSet<PathBuf>>,
    database: Database,
}

/// How to start a test app.
#[derive(Default)]
pub struct Options {
    /// Send mail over SMTP to this URL instead of writing files.
    pub smtp_url: Option<String>,
    /// More settings (`PLAZA_LIMIT_SIGN_IN`, ...), over the harness's own. Rate limits are off
    /// unless a test sets `PLAZA_RATE_LIMITS` here (or a `PLAZA_LIMIT_*`), so that race tests
    /// prove the domain's refusals, not the limiter's.
    pub settings: Vec<(&'static str, String)>,
}

impl TestApp {
    /// An app with one organization (`plaza.test`, locales ca/es/en, minimum age 16) and a
    /// small territory: city `TST` > district `D1` > neighbourhoods `N1`, `N2`.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        let dir = std::env::temp_dir().join(format!("plaza-test-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let (database_url, database) = match std::env::var("PLAZA_TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.trim().is_empty() => {
                let name = format!("plaza_test_{}", Uuid::new_v4().simple());
                let admin = plaza_api::db::connect(&admin_url)
                    .await
                    .expect("PLAZA_TEST_DATABASE_URL must reach PostgreSQL");
                sea_orm::ConnectionTrait::execute_unprepared(
                    &admin,
                    &format!("CREATE DATABASE {name}"),
                )
                .await
                .expect("create test database");
                admin.close().await.ok();
                (
                    with_database(&admin_url, &name),
                    Database::Postgres { admin_url, name },
                )
            }
            _ => (
                format!("sqlite://{}?mode=rwc", dir.join("plaza.db").display()),
                Database::Sqlite,
            ),
        };
        let mut vars: HashMap<&str, String> = HashMap::from([
            ("PLAZA_DATA_DIR", dir.display().to_string()),
            ("DATABASE_URL", database_url),
            ("PLAZA_SECRET", SECRET.to_string()),
            (
                "PLAZA_PUBLIC_URL",
                "https://participa.plaza.test".to_string(),
            ),
            ("MAIL_FROM", "Plaza <no-reply@plaza.test>".to_string()),
        ]);
        if let Some(url) = options.smtp_url {
            vars.insert("SMTP_URL", url);
        }
        if !options
            .settings
            .iter()
            .any(|(name, _)| name.starts_with("PLAZA_LIMIT_") || *name == "PLAZA_RATE_LIMITS")
        {
            vars.insert("PLAZA_RATE_LIMITS", "off".to_string());
        }
        // Answers are read fresh in tests unless one turns the public cache on itself.
        vars.insert("PLAZA_PUBLIC_CACHE_MS", "0".to_string());
        vars.extend(options.settings);
        let settings =
            Settings::from_lookup(|name| vars.get(name).cloned()).expect("test settings");
        let clock = Arc::new(ManualClock::new(START));
        let state = plaza_api::build_state(settings, clock.clone())
            .await
            .expect("state");
        plaza_api::db::migrate(&state.db).await.expect("migrations");
        plaza_api::check_census_key(&state)
            .await
            .expect("the census key is recorded");
        let organization = create_organization(
            &state,
            NewOrganization {
                slug: "testville".into(),
                name: "Ajuntament de Testville".into(),
                host: HOST.into(),
                default_locale: "ca".into(),
                available_locales: vec!["ca".into(), "es".into(), "en".into()],
                minimum_age: 16,
                time_zone: "Europe/Madrid".into(),
            },
        )
        .await
        .expect("organization");
        let endpoint = plaza_api::http::app(state.clone())
            .map_to_response()
            .boxed();
        let app = TestApp {
            state,
            clock,
            organization,
            client: TestClient::new(endpoint),
            dir,
            seen_mail: Mutex::new(BTreeSet::new()),
            database,
        };
        app.seed_scopes().await;
        app
    }

    async fn seed_scopes(&self) {
        use plaza_api::store::{entities::scopes, orgs};
        let mut parent = None;
        let mut district = None;
        for (code, kind, name) in [
            ("TST", "city", "Testville"),
            ("D1", "district", "Districte 1"),
            ("N1", "neighbourhood", "Barri 1"),
            ("N2", "neighbourhood", "Barri 2"),
        ] {
            let parent_id = match kind {
                "city" => None,
                "district" => parent,
                _ => district,
            };
            let row = scopes::Model {
                id: Uuid::now_v7(),
                organization_id: self.organization.id.uuid(),
                parent_id,
                code: code.into(),
                kind: kind.into(),
                name: json!({ "ca": name }),
                position: 0,
                created_at: START,
            };
            let saved = orgs::insert_scope(&self.state.db, row)
                .await
                .expect("scope");
            match kind {
                "city" => parent = Some(saved.id),
                "district" => district = Some(saved.id),
                _ => {}
            }
        }
    }

    /// Sends a request to the organization's host.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, path).header("host", HOST);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request
                .content_type("application/json")
                .body(body.to_string());
        }
        reply(request.send().await).await
    }

    /// Sends raw bytes with a content type (for malformed requests and CSV).
    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let mut request = self
            .client
            .request(method, path)
            .header("host", HOST)
            .content_type(content_type)
            .body(body);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        reply(request.send().await).await
    }

    /// Sends a streamed body of unknown length (no `Content-Length`).
    pub async fn call_streamed(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        let stream = poem::Body::from_async_read(std::io::Cursor::new(body));
        let request = self
            .client
            .request(method, path)
            .header("host", HOST)
            .content_type(content_type)
            .body(stream);
        reply(request.send().await).await
    }

    /// Sends a request with any headers, to any host.
    pub async fn call_with_headers(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.client.request(method, path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request
                .content_type("application/json")
                .body(body.to_string());
        }
        reply(request.send().await).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::DELETE, path, token, None).await
    }

    /// Runs the outbox until nothing is due; returns how many jobs were done.
    pub async fn run_outbox(&self) -> usize {
        plaza_api::jobs::run_due_jobs(&self.state)
            .await
            .expect("outbox")
            .done
    }

    /// Runs the outbox, then returns the mails written since the last call.
    pub async fn mails(&self) -> Vec<Mail> {
        self.run_outbox().await;
        let mail_dir = self.dir.join("mail");
        let mut seen = self.seen_mail.lock().unwrap();
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(&mail_dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|ext| ext == "eml") && !seen.contains(p))
                    .map(|p| {
                        (
                            std::fs::metadata(&p)
                                .and_then(|m| m.modified())
                                .unwrap_or(std::time::UNIX_EPOCH),
                            p,
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| {
                let raw = std::fs::read_to_string(&path).expect("mail file");
                seen.insert(path);
                parse_mail(&raw)
            })
            .collect()
    }

    /// The only new mail to `to`; panics if there is not exactly one.
    pub async fn only_mail_to(&self, to: &str) -> Mail {
        let mails: Vec<Mail> = self
            .mails()
            .await
            .into_iter()
            .filter(|m| m.to.contains(to))
            .collect();
        assert_eq!(mails.len(), 1, "expected one mail to {to}, got {mails:#?}");
        mails.into_iter().next().unwrap()
    }

    /// Registers, confirms (choosing [`GOOD_PASSWORD`]) and signs in a participant.
    pub async fn participant(&self, email: &str) -> Session {
        let name = email.split('@').next().unwrap_or("resident");
        self.registered_as(email, GOOD_PASSWORD, &format!("Resident {name}"))
            .await;
        self.login(email, GOOD_PASSWORD).await
    }

    /// Asks to register `email` (no password: it is chosen with the link); returns the answer.
    pub async fn register(&self, email: &str, name: &str) -> Reply {
        self.post(
            "/api/v1/auth/register",
            None,
            json!({ "email": email, "name": name }),
        )
        .await
    }

    /// Uses a confirmation link's token, choosing `password`; returns the answer.
    pub async fn confirm(&self, token: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/confirm",
            None,
            json!({ "token": token, "password": password }),
        )
        .await
    }

    /// Registers `email` and confirms it with the mailed link, choosing `password`.
    pub async fn registered_as(&self, email: &str, password: &str, name: &str) {
        let reply = self.register(email, name).await;
        assert_eq!(reply.status, 202, "{reply:#?}");
        let token = self.only_mail_to(email).await.token();
        let reply = self.confirm(&token, password).await;
        assert_eq!(reply.status, 204, "{reply:#?}");
    }

    /// Tries to sign in, whatever the answer.
    pub async fn sign_in(&self, email: &str, password: &str) -> Reply {
        self.post(
            "/api/v1/auth/login",
            None,
            json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Exchanges a refresh token, whatever the answer.
    pub async fn refresh(&self, refresh_token: &str) -> Reply {
        self.post(
            "/api/v1/auth/refresh",
            None,
            json!({ "refresh_token": refresh_token }),
        )
        .await
    }

    /// Signs in; panics unless it works.
    pub async fn login(&self, email: &str, password: &str) -> Session {
        let reply = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({ "email": email, "password": password }),
            )
            .await;
        assert_eq!(reply.status, 200, "{reply:#?}");
        let access_token = reply.body["access_token"].as_str().unwrap().to_string();
        let me = self.get("/api/v1/me", Some(&access_token)).await;
        Session {
            user_id: Uuid::parse_str(me.body["id"].as_str().unwrap())
                .unwrap()
                .into(),
            email: email.to_string(),
            access_token,
            refresh_token: reply.body["refresh_token"].as_str().unwrap().to_string(),
        }
    }

    /// Creates an admin (as `plaza admin create` does) and signs them in.
    pub async fn admin(&self) -> Session {
        let email = "admin@plaza.test";
        let password = "sturdy violet kettle harbour 42";
        plaza_api::app::accounts::create_admin(
            &self.state,
            &self.organization,
            email,
            "Admin",
            password.to_string(),
        )
        .await
        .expect("admin");
        self.login(email, password).await
    }

    /// Registers and confirms an account with `password`, without signing in.
    pub async fn registered(&self, email: &str, password: &str) {
        self.registered_as(email, password, "Someone").await;
    }

    /// Imports a census CSV as `admin` (merge mode); returns the answer.
    pub async fn import_census(&self, admin: &Session, csv: &str) -> Reply {
        self.call_raw(
            Method::POST,
            "/api/v1/admin/census",
            Some(&admin.access_token),
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await
    }

    /// A second organization, "Other town", served at `other.test` (English, UTC): what a
    /// foreign tenant's requests are made to.
    pub async fn other_organization(&self) {
        use plaza_api::app::seed::{NewOrganization, create_organization};
        create_organization(
            &self.state,
            NewOrganization {
                slug: "other".into(),
                name: "Other town".into(),
                host: "other.test".into(),
                default_locale: "en".into(),
                available_locales: vec!["en".into()],
                minimum_age: 16,
                time_zone: "UTC".into(),
            },
        )
        .await
        .expect("the other organization");
    }

    /// The id of the test scope with `code`.
    pub async fn scope_id(&self, code: &str) -> Uuid {
        plaza_api::store::orgs::scope_by_code(&self.state.db, self.organization.id, code)
            .await
            .unwrap()
            .expect("scope")
            .id
    }

    /// Every outbox row, oldest first (pending, done and dead alike).
    pub async fn outbox_rows(&self) -> Vec<plaza_api::store::entities::outbox::Model> {
        use sea_orm::{EntityTrait, QueryOrder};
        plaza_api::store::entities::outbox::Entity::find()
            .order_by_asc(plaza_api::store::entities::outbox::Column::Id)
            .all(&self.state.db)
            .await
            .expect("outbox rows")
    }

    /// Runs raw SQL against the app's database (for fault injection).
    pub async fn execute_sql(&self, sql: &str) {
        sea_orm::ConnectionTrait::execute_unprepared(&self.state.db, sql)
            .await
            .expect("sql");
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self.database, Database::Postgres { .. })
    }

    /// Serves the app on a real socket at 127.0.0.1 (for what needs a peer address: per-client
    /// limits, forwarded headers); the server stops with the test's runtime.
    pub async fn serve_on_socket(&self) -> std::net::SocketAddr {
        use poem::listener::{Acceptor, Listener, TcpListener};
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("listen on loopback");
        let address = acceptor
            .local_addr()
            .into_iter()
            .find_map(|addr| addr.as_socket_addr().copied())
            .expect("a socket address");
        let endpoint = plaza_api::http::app(self.state.clone());
        tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor)
                .run(endpoint)
                .await;
        });
        address
    }
}

/// Sends one HTTP/1.1 request to `server` over a socket bound to `from` (another loopback
/// address, such as 127.0.0.2, is another client), and reads the whole answer.
pub async fn call_from(
    from: std::net::IpAddr,
    server: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Reply {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(std::net::SocketAddr::new(from, 0))
        .expect("bind the client address");
    let mut stream = socket.connect(server).await.expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {HOST}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("content-type: application/json\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream
        .write_all(request.as_bytes())
        .await
        .expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read the answer");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, payload) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect::<HashMap<_, _>>();
    let payload = if headers
        .get("transfer-encoding")
        .is_some_and(|value| value.eq_ignore_ascii_case("chunked"))
    {
        dechunk(payload)
    } else {
        payload.to_string()
    };
    Reply {
        status,
        headers,
        body: serde_json::from_str(&payload).unwrap_or(Value::String(payload)),
    }
}

/// The payload of a chunked HTTP/1.1 body.
fn dechunk(mut text: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        text = rest[size..].trim_start_matches("\r\n");
    }
    out
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Database::Postgres { admin_url, name } = &self.database {
            let admin_url = admin_url.clone();
            let name = name.clone();
            // The test's runtime is shutting down; drop the database from a thread of our own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                runtime.block_on(async {
                    if let Ok(admin) = plaza_api::db::connect(&admin_url).await {
                        let _ = sea_orm::ConnectionTrait::execute_unprepared(
                            &admin,
                            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                        )
                        .await;
                        admin.close().await.ok();
                    }
                });
            })
            .join();
        }
    }
}

/// `postgres://user@host:port/admin_db?x` with the database replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> String {
    let (base, query) = admin_url
        .split_once('?')
        .map_or((admin_url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut url = format!("{}/{name}", &base[..path_start]);
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

async fn reply(response: poem::test::TestResponse) -> Reply {
    let status = response.0.status().as_u16();
    // A header sent several times reads as its values joined by ", " (RFC 9110 §5.3).
    let mut headers: HashMap<String, String> = HashMap::new();
    for (name, value) in response.0.headers() {
        let value = value.to_str().unwrap_or("");
        headers
            .entry(name.as_str().to_ascii_lowercase())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(value);
            })
            .or_insert_with(|| value.to_string());
    }
    let text = response
        .0
        .into_body()
        .into_string()
        .await
        .unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// Parses a mail as lettre writes it: headers, a blank line, a body that may be
/// quoted-printable or base64 encoded.
pub fn parse_mail(raw: &str) -> Mail {
    let raw = raw.replace("\r\n", "\n");
    let (head, body) = raw.split_once("\n\n").unwrap_or((&raw, ""));
    let mut headers: HashMap<String, String> = HashMap::new();
    let mut last: Option<String> = None;
    for line in head.lines() {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(name) = &last {
                headers
                    .entry(name.clone())
                    .or_default()
                    .push_str(line.trim_start());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            let name = name.trim().to_ascii_lowercase();
            headers.insert(name.clone(), value.trim().to_string());
            last = Some(name);
        }
    }
    let encoding = headers
        .get("content-transfer-encoding")
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let body = match encoding.as_str() {
        "base64" => {
            use base64::Engine;
            let joined: String = body.split_whitespace().collect();
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(joined)
                    .unwrap_or_default(),
            )
            .unwrap_or_default()
        }
        "quoted-printable" => decode_quoted_printable(body),
        _ => body.to_string(),
    };
    Mail {
        to: headers.get("to").cloned().unwrap_or_default(),
        subject: decode_subject(headers.get("subject").map_or("", String::as_str)),
        body,
    }
}

fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(byte) = hex {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?...?=`) as lettre writes non-ASCII subjects.
fn decode_subject(subject: &str) -> String {
    use base64::Engine;
    subject
        .split_whitespace()
        .map(|word| {
            let lower = word.to_ascii_lowercase();
            if lower.starts_with("=?utf-8?b?") && word.ends_with("?=") {
                let encoded = &word[10..word.len() - 2];
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(encoded)
                        .unwrap_or_default(),
                )
                .unwrap_or_default()
            } else {
                format!("{word} ")
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}
