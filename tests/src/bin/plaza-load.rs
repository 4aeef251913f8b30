//! A small HTTP/1.1 load generator for the benchmark scripts (`scripts/participation-bench`):
//! CLIENTS tasks, each on its own keep-alive connection, send requests back to back for SECONDS
//! and time each one; prints one JSON line with the latency percentiles, the throughput and the
//! count of each status.
//!
//! ```text
//! plaza-load --addr 127.0.0.1:8080 --host bench.test --clients 50 --seconds 15 \
//!            (--path /api/v1/... | --paths-file FILE) [--method POST --body '{}'] [--tokens-file FILE]
//! ```
//!
//! With `--paths-file`, client `c` sends the file's lines `c`, `c + CLIENTS`, `c + 2 CLIENTS`, ...
//! in turn (so that clients never share a line); with `--tokens-file`, client `c` sends the
//! token of line `c` as `Authorization: Bearer`. With `--requests-file`, each line is a whole
//! request, `METHOD PATH [TOKEN]`, taken in the same turns (a voter's requests laid out on the
//! lines of one client run in order, one after the other); the run ends when every client has
//! sent its lines, or at SECONDS. The JSON line also holds `per_second`: for each second of the
//! run (by when a request was sent), `[requests, p50, p99, max]` in ms (`null` for a second in
//! which no request was sent), so that a stall inside a long window shows where it happened.
//! Written in Rust rather than in the scripts' Python so that the client's own cost stays small
//! beside the server's on a 2-core machine.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Options {
    addr: String,
    host: String,
    clients: usize,
    seconds: f64,
    method: String,
    body: Option<String>,
    paths: Vec<String>,
    tokens: Vec<String>,
    /// `--requests-file`: method, path and token of each request.
    requests: Vec<(String, String, Option<String>)>,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        addr: String::new(),
        host: "localhost".into(),
        clients: 50,
        seconds: 15.0,
        method: "GET".into(),
        body: None,
        paths: Vec::new(),
        tokens: Vec::new(),
        requests: Vec::new(),
    };
    let lines = |file: &str| -> Result<Vec<String>, String> {
        Ok(std::fs::read_to_string(file)
            .map_err(|e| format!("{file}: {e}"))?
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(str::to_string)
            .collect())
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--addr" => options.addr = value,
            "--host" => options.host = value,
            "--clients" => options.clients = value.parse().map_err(|_| "--clients")?,
            "--seconds" => options.seconds = value.parse().map_err(|_| "--seconds")?,
            "--method" => options.method = value,
            "--body" => options.body = Some(value),
            "--path" => options.paths = vec![value],
            "--paths-file" => options.paths = lines(&value)?,
            "--tokens-file" => options.tokens = lines(&value)?,
            "--requests-file" => {
                for line in lines(&value)? {
                    let mut fields = line.split_whitespace();
                    let (Some(method), Some(path)) = (fields.next(), fields.next()) else {
                        return Err(format!("{value}: not `METHOD PATH [TOKEN]`: {line}"));
                    };
                    let token = fields.next().map(str::to_string);
                    options
                        .requests
                        .push((method.to_string(), path.to_string(), token));
                }
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if options.addr.is_empty()
        || (options.paths.is_empty() && options.requests.is_empty())
        || options.clients == 0
    {
        return Err("--addr, --clients and a path are required".into());
    }
    Ok(options)
}

/// One request on `stream`; its status (the body is read and dropped).
async fn send(stream: &mut BufReader<TcpStream>, request: &[u8]) -> std::io::Result<u16> {
    stream.get_mut().write_all(request).await?;
    let mut line = String::new();
    stream.read_line(&mut line).await?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP status line: {line:?}")))?;
    let mut length = 0usize;
    loop {
        line.clear();
        stream.read_line(&mut line).await?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await?;
    Ok(status)
}

fn request_bytes(options: &Options, method: &str, path: &str, token: Option<&str>) -> Vec<u8> {
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {}\r\nconnection: keep-alive\r\n",
        options.host
    );
    if let Some(token) = token {
        head.push_str(&format!("authorization: Bearer {token}\r\n"));
    }
    match &options.body {
        Some(body) => {
            head.push_str(&format!(
                "content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            ));
        }
        None if method != "GET" => head.push_str("content-length: 0\r\n\r\n"),
        None => head.push_str("\r\n"),
    }
    head.into_bytes()
}

/// p50, p99 and the maximum of `latencies` (sorted here); `None` when there are none.
fn spread(latencies: &mut [f64]) -> Option<(f64, f64, f64)> {
    latencies.sort_by(f64::total_cmp);
    let at = |fraction: f64| {
        let index = (fraction * latencies.len() as f64) as usize;
        latencies[index.min(latencies.len() - 1)]
    };
    Some((at(0.50), at(0.99), *latencies.last()?))
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let options = std::sync::Arc::new(options()?);
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(options.seconds);
    let mut tasks = Vec::new();
    for client in 0..options.clients {
        let options = options.clone();
        tasks.push(tokio::spawn(async move {
            // (seconds since the start when sent, latency in ms)
            let mut timed: Vec<(f64, f64)> = Vec::new();
            let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
            let token = options.tokens.get(client).map(String::as_str);
            let connect = || TcpStream::connect(options.addr.clone());
            let mut stream = BufReader::new(connect().await.map_err(|e| e.to_string())?);
            let mut turn = 0usize;
            while Instant::now() < deadline {
                let line = client + turn * options.clients;
                let request = if options.requests.is_empty() {
                    let path = if options.paths.len() == 1 {
                        &options.paths[0]
                    } else {
                        match options.paths.get(line) {
                            Some(path) => path,
                            None => break,
                        }
                    };
                    request_bytes(&options, &options.method, path, token)
                } else {
                    match options.requests.get(line) {
                        Some((method, path, own)) => {
                            request_bytes(&options, method, path, own.as_deref().or(token))
                        }
                        None => break,
                    }
                };
                let begun = Instant::now();
                let status = send(&mut stream, &request)
                    .await
                    .map_err(|e| format!("client {client}: {e}"))?;
                timed.push((
                    begun.duration_since(started).as_secs_f64(),
                    begun.elapsed().as_secs_f64() * 1000.0,
                ));
                *statuses.entry(status).or_default() += 1;
                turn += 1;
            }
            Ok::<_, String>((timed, statuses))
        }));
    }
    let mut samples = Vec::new();
    let mut statuses: BTreeMap<u16, u64> = BTreeMap::new();
    for task in tasks {
        let (part, counts) = task.await.map_err(|e| e.to_string())??;
        samples.extend(part);
        for (status, count) in counts {
            *statuses.entry(status).or_default() += count;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<f64> = samples.iter().map(|&(_, latency)| latency).collect();
    let (p50, p99, max) = spread(&mut latencies).unwrap_or((f64::NAN, f64::NAN, f64::NAN));
    let mut seconds: Vec<Vec<f64>> = Vec::new();
    for &(sent, latency) in &samples {
        let second = sent as usize;
        if seconds.len() <= second {
            seconds.resize_with(second + 1, Vec::new);
        }
        seconds[second].push(latency);
    }
    let per_second: Vec<String> = seconds
        .iter_mut()
        .map(|second| match spread(second) {
            Some((p50, p99, max)) => format!("[{}, {p50:.1}, {p99:.1}, {max:.1}]", second.len()),
            // No request was sent in that second: every client waited on a slower one.
            None => "[0, null, null, null]".to_string(),
        })
        .collect();
    let statuses: Vec<String> = statuses
        .iter()
        .map(|(status, count)| format!("\"{status}\": {count}"))
        .collect();
    println!(
        "{{\"requests\": {}, \"seconds\": {elapsed:.3}, \"p50_ms\": {p50:.3}, \"p99_ms\": {p99:.3}, \"max_ms\": {max:.3}, \"statuses\": {{{}}}, \"per_second\": [{}]}}",
        latencies.len(),
        statuses.join(", "),
        per_second.join(", ")
    );
    Ok(())
}
