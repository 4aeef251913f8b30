//! Plaza: a backend for municipal civic participation.
//!
//! The crate is the `plaza` binary's library: [`config`] reads the settings, [`build_state`]
//! connects what the app needs, [`http::app`] is the whole HTTP application (used by `serve` and
//! by the black-box tests), and [`serve`] runs it with the outbox worker until SIGTERM. Requests
//! flow one way: `http` (parse) → `app` (use case) → `plaza_domain` (rule) → `store` + outbox in
//! one transaction → `jobs` (mail). See `docs/architecture.md`.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod metrics;
pub mod pb;
pub mod store;
pub mod telemetry;

use app::AppState;
use clock::Clock;
use config::Settings;
use std::sync::Arc;

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot connect to the database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("mail: {0}")]
    Mail(#[from] mail::SendError),
    #[error("the database has {0} pending migration(s): run `plaza migrate` first")]
    PendingMigrations(usize),
    #[error(
        "the census hashes in the database were made with key {recorded}, but the configured census key is {configured}: \
         PLAZA_SECRET changed. Set PLAZA_CENSUS_SECRET to the former PLAZA_SECRET (see the README, \"Rotating the secret\")"
    )]
    CensusKeyChanged {
        recorded: String,
        configured: String,
    },
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
}

/// Connects the database and builds the shared state (no migration, no background task).
pub async fn build_state(
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> Result<Arc<AppState>, StartError> {
    let db = db::connect_with(&settings.database_url, settings.db_max_connections).await?;
    let mailer = mail::Mailer::new(
        settings.smtp_url.as_deref(),
        settings.mail_from.clone(),
        settings.mail_dir(),
    )?;
    let hasher = auth::passwords::Hasher::new(settings.max_hashes, auth::passwords::SLOT_WAIT);
    if let Err(error) = hasher.warm_up().await {
        tracing::warn!(%error, "the dummy password hash could not be computed at start");
    }
    let limits = limits::Limits::new(&settings.limits);
    Ok(Arc::new(AppState {
        db,
        keys: auth::Keys::from_settings(&settings),
        hasher,
        limits,
        clock,
        settings: Arc::new(settings),
        mailer,
        metrics: Arc::new(metrics::Metrics::new()),
        outbox_wakeup: Arc::new(tokio::sync::Notify::new()),
        hosts: Arc::default(),
    }))
}

/// Brings the schema up to date where the embedded mode expects it (SQLite), and refuses to start
/// on a PostgreSQL database with pending migrations (production migrates as its own step).
pub async fn prepare_database(state: &AppState) -> Result<(), StartError> {
    use plaza_migrations::sea_orm_migration::MigratorTrait;
    if state.db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db::migrate(&state.db).await?;
        return check_census_key(state).await;
    }
    let pending = plaza_migrations::Migrator::get_pending_migrations(&state.db)
        .await?
        .len();
    if pending > 0 {
        return Err(StartError::PendingMigrations(pending));
    }
    check_census_key(state).await
}

/// Records the census key's id on first start, and refuses a different key while document
/// hashes made with the recorded one exist: they would all stop matching, silently.
pub async fn check_census_key(state: &AppState) -> Result<(), StartError> {
    let configured = auth::key_id(&state.keys.census);
    match store::census::recorded_key_id(&state.db, "census").await? {
        Some(recorded) if recorded == configured => Ok(()),
        Some(recorded) if store::census::holds_document_hashes(&state.db).await? => {
            Err(StartError::CensusKeyChanged {
                recorded,
                configured,
            })
        }
        _ => {
            store::census::record_key_id(&state.db, "census", &configured, state.now()).await?;
            Ok(())
        }
    }
}

/// Runs the HTTP server and the outbox worker until SIGTERM or Ctrl-C, then finishes in-flight
/// requests (up to 20 s) and stops.
pub async fn serve(state: Arc<AppState>) -> Result<(), StartError> {
    use poem::listener::TcpListener;
    let addr = state.settings.addr;
    let listener = poem::listener::Listener::into_acceptor(TcpListener::bind(addr))
        .await
        .map_err(|source| StartError::Listen { addr, source })?;
    let (stop_worker, worker_stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(jobs::run(state.clone(), async move {
        let _ = worker_stopped.await;
    }));
    tracing::info!(%addr, public_url = %state.settings.public_url, "plaza is listening");
    warn_about_unknown_hosts(&state).await;
    let result = poem::Server::new_with_acceptor(listener)
        .run_with_graceful_shutdown(
            http::app(state.clone()),
            shutdown_signal(),
            Some(std::time::Duration::from_secs(20)),
        )
        .await;
    let _ = stop_worker.send(());
    let _ = worker.await;
    tracing::info!("plaza stopped");
    result.map_err(|source| StartError::Listen { addr, source })
}

/// Says at start what a request to a host no organization names will get, when that is not what
/// an operator may expect: nothing at all once there are several organizations and no
/// `PLAZA_DEFAULT_ORGANIZATION` (the single-organization fallback no longer applies), or nothing
/// because the default names no organization.
async fn warn_about_unknown_hosts(state: &AppState) {
    let organizations = match store::orgs::all(&state.db).await {
        Ok(all) => all,
        Err(error) => {
            tracing::warn!(%error, "could not list the organizations at start");
            return;
        }
    };
    match state.settings.default_organization.as_deref() {
        Some(slug) if !organizations.iter().any(|o| o.slug == slug) => tracing::warn!(
            slug,
            "PLAZA_DEFAULT_ORGANIZATION names no organization: requests to unknown hosts get 404"
        ),
        Some(_) => {}
        None if organizations.len() > 1 => tracing::warn!(
            organizations = organizations.len(),
            "several organizations and no PLAZA_DEFAULT_ORGANIZATION: requests to a host no \
             organization names get 404 (set it to keep serving them)"
        ),
        None => {}
    }
}

/// Resolves on SIGTERM (what orchestrators send) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
