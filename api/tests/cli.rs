//! The `plaza` binary as an operator uses it: an embedded deployment administered from the command
//! line, and `serve` answering and stopping cleanly on SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn data_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plaza-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn plaza(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plaza"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PLAZA_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run plaza")
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "plaza failed: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn an_operator_sets_up_an_embedded_deployment() {
    let dir = data_dir();
    let first = stdout(&plaza(&dir, &["seed", "--demo"]));
    assert!(
        first.contains("1 organization(s), 84 scope(s), 1 process(es), 36 proposal(s), "),
        "{first}"
    );
    assert!(
        first.contains(", 4 budget(s), 22 project(s), 10 census record(s) created"),
        "{first}"
    );
    let second = stdout(&plaza(&dir, &["seed", "--demo"]));
    assert!(
        second.contains(
            "0 organization(s), 0 scope(s), 0 process(es), 0 proposal(s), 0 support(s), 0 budget(s), 0 project(s), 0 census record(s) created"
        ),
        "{second}"
    );

    let admin = stdout(&plaza(
        &dir,
        &[
            "admin",
            "create",
            "alcaldia@example.org",
            "--generate-password",
        ],
    ));
    assert!(
        admin.contains("admin alcaldia@example.org") && admin.contains("password (shown once): "),
        "{admin}"
    );

    // The demo census holds one resident per district: ten records before these two.
    let csv = dir.join("census.csv");
    std::fs::write(&csv, "document_number,birth_date,scope_code\n12345678Z,1990-04-01,B31\nX1234567L,2001-02-03,B01\n").unwrap();
    let imported = stdout(&plaza(&dir, &["census", "import", csv.to_str().unwrap()]));
    assert!(
        imported
            .contains("census: 2 created, 0 updated, 0 removed (0 residencies ended), 12 in total"),
        "{imported}"
    );

    std::fs::write(
        &csv,
        "document_number,birth_date,scope_code\n12345678Z,1990-04-01,NOWHERE\n",
    )
    .unwrap();
    let refused = plaza(&dir, &["census", "import", csv.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("lines.2: No scope has the code"),
        "{refused:?}"
    );

    let organizations = stdout(&plaza(&dir, &["org", "list"]));
    assert!(organizations.starts_with("barcelona\t"), "{organizations}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn migrations_roll_back_and_apply_again() {
    let dir = data_dir();
    stdout(&plaza(&dir, &["migrate"]));
    assert!(
        stdout(&plaza(&dir, &["migrate", "--down", "4"])).contains("rolled back 4 migration(s)")
    );
    stdout(&plaza(&dir, &["migrate"]));
    assert!(stdout(&plaza(&dir, &["seed", "--demo"])).contains("1 organization(s)"));
    // More steps than are applied would drop every table: refused, nothing rolled back.
    let refused = plaza(&dir, &["migrate", "--down", "999"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("--down 999 asks for more"),
        "{refused:?}"
    );
    assert!(stdout(&plaza(&dir, &["org", "list"])).contains("barcelona"));
    // An operator sets the time zone (organizations upgraded from before it have UTC).
    assert!(
        stdout(&plaza(
            &dir,
            &["org", "set-time-zone", "barcelona", "Atlantic/Canary"]
        ))
        .contains("Atlantic/Canary")
    );
    assert!(stdout(&plaza(&dir, &["org", "list"])).contains("Atlantic/Canary"));
    let unknown = plaza(
        &dir,
        &["org", "set-time-zone", "barcelona", "Mars/Olympus_Mons"],
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown_time_zone"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_setting_stops_the_process_naming_the_variable() {
    let dir = data_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_plaza"))
        .arg("serve")
        .env("PLAZA_DATA_DIR", &dir)
        .env("PLAZA_ADDR", "localhost")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("invalid setting PLAZA_ADDR"),
        "{output:?}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let status = answer.split_whitespace().nth(1)?.parse().ok()?;
    Some((status, answer))
}

#[test]
fn serve_answers_and_stops_cleanly_on_sigterm() {
    let dir = data_dir();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new(env!("CARGO_BIN_EXE_plaza"))
        .arg("serve")
        .env("PLAZA_DATA_DIR", &dir)
        .env("PLAZA_ADDR", format!("127.0.0.1:{port}"))
        .env("PLAZA_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    let ready = loop {
        if let Some((status, _)) = http_get(port, "/health/ready") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "plaza serve did not answer within a minute"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(ready, 200);
    let (status, answer) = http_get(port, "/api/v1/scopes").unwrap();
    assert_eq!(status, 404, "no organization yet: {answer}");
    assert!(
        answer.contains("application/problem+json") && answer.contains("organization_not_found"),
        "{answer}"
    );

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = server.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "plaza serve exited with {:?}",
        output.status
    );
    let logs = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    let request_line = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|event| {
            event["route"] == "unmatched"
                || event["route"] == "list_scopes"
                || event["status"] == 404
        })
        .unwrap_or_else(|| panic!("no JSON request log line in:\n{logs}"));
    assert!(
        request_line["span"]["request_id"].is_string() || request_line["request_id"].is_string(),
        "{request_line}"
    );
    assert!(logs.contains("plaza stopped"), "{logs}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pb_tally_meta_reproduces_the_projects_wieliczka_funded() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/tests/data/pabulib");
    let file = data.join("Poland_Wieliczka_2023_Green_Budget.pb");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(data.join("Poland_Wieliczka_2023_Green_Budget.expected.json"))
            .unwrap(),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_plaza"))
        .args(["pb", "tally"])
        .arg(&file)
        .args(["--rule", "meta", "--json"])
        .output()
        .unwrap();
    let tally: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let mut funded: Vec<String> = expected["selected_in_file"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    funded.sort();
    let mut selected: Vec<String> = tally["selected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    selected.sort();
    assert_eq!(selected, funded);
    assert_eq!(tally["rule"], "esnet_add1_no_exhaustive_stop_comparison");

    let table = stdout(
        &Command::new(env!("CARGO_BIN_EXE_plaza"))
            .args(["pb", "tally"])
            .arg(&file)
            .args(["--rule", "greedy_cost_sat"])
            .output()
            .unwrap(),
    );
    let greedy = expected["outcomes"]["greedy_cost_sat"]["selection_order"]
        .as_array()
        .unwrap();
    assert!(table.contains("rule: greedy_cost_sat"), "{table}");
    assert!(
        table.contains(&format!("selected {} projects", greedy.len())),
        "{table}"
    );
    let order: Vec<&str> = greedy.iter().map(|id| id.as_str().unwrap()).collect();
    let first_row = table
        .lines()
        .find(|line| line.trim_start().starts_with("1 "))
        .unwrap();
    assert!(
        first_row.split_whitespace().nth(1) == Some(order[0]),
        "{first_row}"
    );

    let wrong = Command::new(env!("CARGO_BIN_EXE_plaza"))
        .args(["pb", "tally"])
        .arg(&file)
        .args(["--rule", "mes_points"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("mes_points"),
        "{wrong:?}"
    );
}
