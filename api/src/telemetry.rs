//! Logging: structured `tracing` events, as text for a terminal or JSON for a log collector.
//! Every event inside a request carries its `request_id` (the request span's field). Logs go
//! to stderr.

use crate::config::{LogFormat, Settings};
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber (once; later calls are ignored, which suits tests).
pub fn init(settings: &Settings) {
    let filter =
        EnvFilter::try_new(&settings.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    // Logs go to stderr: stdout carries what a command prints (`plaza org list`, `plaza openapi`).
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match settings.log_format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
}
