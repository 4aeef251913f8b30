//! Request metrics in the Prometheus text format (served at `GET /metrics`).
//!
//! Counts and latency histograms by route, method and status. The route is the OpenAPI
//! operation id (`login`, `get_process`, ...), never the raw path, so that ids in URLs cannot
//! explode the number of series. Kept in-process: each replica exposes its own numbers and
//! Prometheus sums them.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    sum_seconds: f64,
    /// Observations per bucket (not cumulative; made cumulative when rendered).
    buckets: [u64; BUCKETS.len()],
}

/// The registry of request metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::default()
    }

    /// Records one finished request.
    pub fn observe(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut series = self
            .series
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let entry = series
            .entry((route.to_string(), method.to_string(), status))
            .or_default();
        entry.count += 1;
        entry.sum_seconds += seconds;
        if let Some(bucket) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            entry.buckets[bucket] += 1;
        }
    }

    /// The Prometheus text exposition of everything recorded so far.
    pub fn render(&self) -> String {
        let series = self
            .series
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let mut out = String::new();
        out.push_str("# HELP plaza_http_requests_total HTTP requests handled, by route, method and status.\n");
        out.push_str("# TYPE plaza_http_requests_total counter\n");
        for ((route, method, status), s) in &series {
            let _ = writeln!(
                out,
                "plaza_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP plaza_http_request_duration_seconds Time to answer HTTP requests, by route, method and status.\n");
        out.push_str("# TYPE plaza_http_request_duration_seconds histogram\n");
        for ((route, method, status), s) in &series {
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            let mut cumulative = 0;
            for (bound, in_bucket) in BUCKETS.iter().zip(s.buckets) {
                cumulative += in_bucket;
                let _ = writeln!(
                    out,
                    "plaza_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "plaza_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "plaza_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_seconds
            );
            let _ = writeln!(
                out,
                "plaza_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let metrics = Metrics::new();
        metrics.observe("login", "POST", 200, Duration::from_millis(3));
        metrics.observe("login", "POST", 200, Duration::from_millis(30));
        metrics.observe("login", "POST", 401, Duration::from_secs(20));
        let text = metrics.render();
        assert!(text.contains(
            "plaza_http_requests_total{route=\"login\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains("plaza_http_request_duration_seconds_bucket{route=\"login\",method=\"POST\",status=\"200\",le=\"0.005\"} 1"));
        assert!(text.contains("plaza_http_request_duration_seconds_bucket{route=\"login\",method=\"POST\",status=\"200\",le=\"0.05\"} 2"));
        assert!(text.contains("plaza_http_request_duration_seconds_bucket{route=\"login\",method=\"POST\",status=\"401\",le=\"10\"} 0"));
        assert!(text.contains("plaza_http_request_duration_seconds_bucket{route=\"login\",method=\"POST\",status=\"401\",le=\"+Inf\"} 1"));
    }
}
