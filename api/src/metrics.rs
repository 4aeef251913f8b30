//! Request and outbox metrics in the OpenMetrics text format (served at `GET /metrics`), kept and
//! written by `prometheus-client`, the Prometheus project's own Rust client.
//!
//! Counts and latency histograms by route, method and status. The route is the OpenAPI
//! operation id (`login`, `get_process`, ...), never the raw path, so that ids in URLs cannot
//! explode the number of series. Kept in-process: each replica exposes its own numbers and
//! Prometheus sums them. The outbox gauges are read from the database at each scrape and
//! rendered after the request metrics.
//!
//! The crate replaces a writer of our own, so that the exposition format (suffixes, cumulative
//! buckets up to `+Inf`, `_sum` and `_count`, the spelling of values) is the Prometheus project's
//! to get right, not ours. What scrapers see is unchanged: the same series
//! (`plaza_http_requests_total`, `plaza_http_request_duration_seconds_bucket`, `_sum`, `_count`,
//! `plaza_outbox_jobs`), label names and bucket bounds. What differs is the format's own
//! spelling, served as [`CONTENT_TYPE`] so that Prometheus reads it as OpenMetrics: the counter's
//! `# HELP`/`# TYPE` lines name its family, `plaza_http_requests` (its samples keep `_total`); the
//! histogram gains a `# UNIT` line; whole bucket bounds are written `le="1.0"` rather than
//! `le="1"` (the float form Prometheus 3 stores whatever the format; `histogram_quantile` reads
//! either); `le` comes first in a bucket's labels (their order means nothing to a scraper); the
//! text ends with `# EOF`; and a family with no series yet is left out rather than written as
//! bare `# HELP`/`# TYPE` lines.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::time::Duration;

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds of the latency buckets, in seconds (`+Inf` is added by the histogram).
const BUCKETS: [f64; 12] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The labels of a request series, in the order they are written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

/// The label of an outbox gauge: `waiting` or `dead`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct OutboxLabels {
    state: &'static str,
}

/// How many outbox jobs wait to run and how many are dead, as read at a scrape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxJobs {
    pub waiting: u64,
    pub dead: u64,
}

/// The registry of request metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram, fn() -> Histogram>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let requests = Family::<RequestLabels, Counter>::default();
        let durations: Family<RequestLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(BUCKETS));
        let mut registry = Registry::default();
        // Registered without `_total`: the encoder appends it to the samples of a counter.
        registry.register(
            "plaza_http_requests",
            "HTTP requests handled, by route, method and status",
            requests.clone(),
        );
        registry.register_with_unit(
            "plaza_http_request_duration",
            "Time to answer HTTP requests, by route, method and status",
            Unit::Seconds,
            durations.clone(),
        );
        Metrics {
            registry,
            requests,
            durations,
        }
    }

    /// Records one finished request.
    pub fn observe(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let labels = RequestLabels {
            route: route.to_string(),
            method: method.to_string(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.durations
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// The OpenMetrics text of everything recorded so far, with the outbox gauges when they
    /// could be read (the outbox is shared by every replica: each reports the same numbers, so
    /// take the max, not the sum). Writing to a `String` does not fail; the error is the
    /// encoder's signature.
    pub fn render(&self, outbox: Option<OutboxJobs>) -> Result<String, std::fmt::Error> {
        let mut text = String::new();
        encode_registry(&mut text, &self.registry)?;
        if let Some(OutboxJobs { waiting, dead }) = outbox {
            let jobs = Family::<OutboxLabels, Gauge>::default();
            let gauge = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
            jobs.get_or_create(&OutboxLabels { state: "waiting" })
                .set(gauge(waiting));
            jobs.get_or_create(&OutboxLabels { state: "dead" })
                .set(gauge(dead));
            let mut shared = Registry::default();
            shared.register(
                "plaza_outbox_jobs",
                "Jobs in the outbox shared by all replicas: waiting to run, or dead (failed their last attempt, no longer retried)",
                jobs,
            );
            encode_registry(&mut text, &shared)?;
        }
        encode_eof(&mut text)?;
        Ok(text)
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
        let text = metrics.render(None).unwrap();
        assert!(text.contains(
            "plaza_http_requests_total{route=\"login\",method=\"POST\",status=\"200\"} 2"
        ));
        assert!(text.contains("plaza_http_request_duration_seconds_bucket{le=\"0.005\",route=\"login\",method=\"POST\",status=\"200\"} 1"));
        assert!(text.contains("plaza_http_request_duration_seconds_bucket{le=\"0.05\",route=\"login\",method=\"POST\",status=\"200\"} 2"));
        assert!(text.contains("plaza_http_request_duration_seconds_bucket{le=\"10.0\",route=\"login\",method=\"POST\",status=\"401\"} 0"));
        assert!(text.contains("plaza_http_request_duration_seconds_bucket{le=\"+Inf\",route=\"login\",method=\"POST\",status=\"401\"} 1"));
        assert!(text.contains(
            "plaza_http_request_duration_seconds_count{route=\"login\",method=\"POST\",status=\"401\"} 1"
        ));
        assert!(!text.contains("plaza_outbox_jobs"));
    }

    #[test]
    fn the_exposition_is_openmetrics_with_the_same_series() {
        let metrics = Metrics::new();
        metrics.observe("get_me", "GET", 401, Duration::from_millis(1));
        let text = metrics
            .render(Some(OutboxJobs {
                waiting: 3,
                dead: 1,
            }))
            .unwrap();
        let expected_lines = [
            "# HELP plaza_http_requests HTTP requests handled, by route, method and status.",
            "# TYPE plaza_http_requests counter",
            "# TYPE plaza_http_request_duration_seconds histogram",
            "# UNIT plaza_http_request_duration_seconds seconds",
            "plaza_http_request_duration_seconds_bucket{le=\"0.001\",route=\"get_me\",method=\"GET\",status=\"401\"} 1",
            "# TYPE plaza_outbox_jobs gauge",
            "plaza_outbox_jobs{state=\"waiting\"} 3",
            "plaza_outbox_jobs{state=\"dead\"} 1",
        ];
        for line in expected_lines {
            assert!(text.lines().any(|l| l == line), "{line}\n{text}");
        }
        // Every bound is written, and the text ends as OpenMetrics requires.
        let bounds = text
            .lines()
            .filter(|l| l.starts_with("plaza_http_request_duration_seconds_bucket{"))
            .count();
        assert_eq!(bounds, BUCKETS.len() + 1);
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
