//! The `plaza` command: parse the command line, load the settings, run one command.
//!
//! [`main`] hands each subcommand to its own function. `pb` and `openapi` need nothing else; the
//! others run through [`with_database`], which reads the settings (creating the data directory),
//! starts logging and the runtime, and connects the database. Those that use the schema call
//! [`prepare_schema`] first (it migrates SQLite, refuses PostgreSQL with pending migrations and
//! checks the census key); `migrate` does not. Exit codes: 0 done, 1 failed, 2 a bad command line
//! (clap), setting or `--format`.

use clap::{Parser, Subcommand};
use plaza_api::app::seed::NewOrganization;
use plaza_api::app::{self, AppState, tenancy::Organization};
use plaza_api::config::{SecretSource, Settings, SettingsError};
use plaza_api::{StartError, build_state, clock::SystemClock, prepare_database};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// The allocator of the whole process (see `api/Cargo.toml` for why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Plaza: civic participation for cities. Settings come from the environment (and `.env`);
/// see the README for the list.
#[derive(Parser)]
#[command(name = "plaza", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API and the outbox worker (migrates an SQLite database first).
    Serve,
    /// Apply pending database migrations, or roll back with --down.
    Migrate {
        /// Roll back this many migrations instead of applying.
        #[arg(long, value_name = "STEPS")]
        down: Option<u32>,
    },
    /// Load demonstration data: Barcelona, its districts and neighbourhoods, a process.
    Seed {
        /// Required: seeding is only for demonstrations.
        #[arg(long)]
        demo: bool,
    },
    /// Manage organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage administrators.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Manage the census.
    #[command(subcommand)]
    Census(CensusCommand),
    /// Participatory-budget tools that work on Pabulib files.
    #[command(subcommand)]
    Pb(PbCommand),
    /// Print the OpenAPI specification.
    Openapi {
        /// `yaml` (as committed in openapi/openapi.yaml) or `json`.
        #[arg(long, default_value = "yaml")]
        format: String,
    },
}

#[derive(Subcommand)]
enum PbCommand {
    /// Compute the outcome of a Pabulib .pb file under an outcome rule.
    ///
    /// RULE is a rule name (greedy, greedy-threshold, greedy-no-skip, greedy_cost_sat,
    /// mes_cost_sat_add1, esnet_add1_no_exhaustive_stop_comparison, ...), an alias (mes,
    /// mes-add1, equal-shares) or `meta` for the file's own META rule. The full list is in
    /// plaza_domain::outcome's documentation (domain/src/outcome/mod.rs) and the README.
    Tally {
        /// The .pb file.
        file: PathBuf,
        /// The outcome rule.
        #[arg(long, default_value = "meta")]
        rule: String,
        /// Override the rule's tie-breaking: project-id (pabutools), file-order (cities),
        /// cost-then-votes (equalshares.net).
        #[arg(long)]
        tie_breaking: Option<String>,
        /// Print one JSON object (selected, selection_order, total_cost, rule, projects, ...).
        #[arg(long)]
        json: bool,
        /// What each run of an add1 completion adds to every voter's endowment, in the file's
        /// currency (pabutools and equalshares.net add 1). For a file whose amounts are cents,
        /// 100 adds one euro per voter.
        #[arg(long, default_value = "1")]
        increment: String,
        /// Stop a Method of Equal Shares tally after this many runs (at most 100000).
        #[arg(long, default_value_t = plaza_domain::outcome::mes::MAX_RUNS)]
        max_runs: u64,
        /// Stop a Method of Equal Shares tally after this much work (supporters read while
        /// pricing or paying for projects, projects scanned in rounds): a few seconds at most by
        /// default.
        #[arg(long, default_value_t = plaza_domain::outcome::mes::MAX_WORK)]
        max_work: u64,
        /// Threads for the runs of an add1 loop (the next endowments' runs computed while the
        /// current one is); default: the machine's cores, at most 4. The outcome is the same.
        #[arg(long)]
        threads: Option<usize>,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organization (a municipality).
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// The host name its residents use, e.g. decidim.barcelona.
        #[arg(long)]
        host: String,
        /// Comma-separated locales, e.g. ca,es,en.
        #[arg(long, default_value = "en")]
        locales: String,
        /// The fallback locale; one of --locales (default: the first).
        #[arg(long)]
        default_locale: Option<String>,
        /// Minimum age to participate.
        #[arg(long, default_value_t = 16)]
        minimum_age: u8,
        /// The IANA time zone of its residents (their calendar day for the age check), e.g.
        /// Europe/Madrid.
        #[arg(long, default_value = "UTC")]
        time_zone: String,
    },
    /// Set the IANA time zone of an organization's residents (organizations created before
    /// time zones were recorded have UTC).
    SetTimeZone {
        /// The organization's slug.
        slug: String,
        /// e.g. Europe/Madrid.
        time_zone: String,
    },
    /// List organizations.
    List,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator (or make an existing account one), asking for a password or
    /// generating one.
    Create {
        email: String,
        /// The organization's slug (needed when there are several).
        #[arg(long)]
        organization: Option<String>,
        #[arg(long, default_value = "Administrator")]
        name: String,
        /// Generate a strong password and print it once instead of asking.
        #[arg(long)]
        generate_password: bool,
    },
}

#[derive(Subcommand)]
enum CensusCommand {
    /// Import a census CSV (document_number,birth_date,scope_code): all rows or none.
    Import {
        file: PathBuf,
        /// The organization's slug (needed when there are several).
        #[arg(long)]
        organization: Option<String>,
        /// The file is the whole census: remove the records it does not list, and the residency
        /// of anyone verified with them.
        #[arg(long)]
        replace: bool,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        // Offline: no settings, no database.
        Command::Pb(command) => pb_tally(command),
        Command::Openapi { format } => print_openapi(&format),
        // Against the database.
        Command::Serve => with_database(serve),
        Command::Migrate { down } => with_database(async move |state| migrate(&state, down).await),
        Command::Seed { demo } => with_database(async move |state| seed(&state, demo).await),
        Command::Org(command) => with_database(async move |state| run_org(&state, command).await),
        Command::Admin(command) => {
            with_database(async move |state| admin_create(&state, command).await)
        }
        Command::Census(command) => {
            with_database(async move |state| census_import(&state, command).await)
        }
    }
}

// Set-up shared by the commands that use the database.

/// Runs a command that uses the database: reads the settings (exit code 2 when one is bad),
/// starts logging and the runtime, connects, and runs `command` (exit code 1 when it fails).
fn with_database(command: impl AsyncFnOnce(Arc<AppState>) -> Result<(), String>) -> ExitCode {
    let settings = match load_settings() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("plaza: invalid setting {error}");
            return ExitCode::from(2);
        }
    };
    plaza_api::telemetry::init(&settings);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("plaza: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        let state = connect(settings).await?;
        command(state).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("plaza: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The settings from the environment (and `.env`), with the data directory created and the
/// server's secret settled.
fn load_settings() -> Result<Settings, SettingsError> {
    let _ = dotenvy::dotenv();
    Settings::from_env()
}

/// Connects the database and builds the app's state (no migration), warning first when the
/// secret is the one generated in the data directory.
async fn connect(settings: Settings) -> Result<Arc<AppState>, String> {
    if settings.secret_source == SecretSource::DataDirectory {
        tracing::warn!(
            "PLAZA_SECRET is not set: using the secret generated in {}; set PLAZA_SECRET when running several replicas",
            settings.data_dir.join("secret").display()
        );
    }
    build_state(settings, Arc::new(SystemClock))
        .await
        .map_err(|e| e.to_string())
}

/// Readies the schema for a command that uses it: migrates an SQLite database, refuses a
/// PostgreSQL one with pending migrations, and checks the census key ([`prepare_database`]).
async fn prepare_schema(state: &AppState) -> Result<(), String> {
    prepare_database(state).await.map_err(|e| e.to_string())
}

// One function per command.

/// `plaza pb tally`: prints the outcome of a Pabulib file (warnings on stderr).
fn pb_tally(command: PbCommand) -> ExitCode {
    let PbCommand::Tally {
        file,
        rule,
        tie_breaking,
        json,
        increment,
        max_runs,
        max_work,
        threads,
    } = command;
    let Ok(increment) = plaza_domain::pabulib::Decimal::parse(&increment) else {
        eprintln!("plaza: --increment must be a number, found `{increment}`");
        return ExitCode::FAILURE;
    };
    let options = plaza_domain::outcome::TallyOptions {
        increment,
        max_runs,
        max_work,
        threads: threads.unwrap_or_else(plaza_api::pb::tally_threads),
    };
    let mut warnings = Vec::new();
    let result = plaza_api::pb::tally_file_with(
        &file,
        &rule,
        tie_breaking.as_deref(),
        json,
        &options,
        &mut warnings,
    );
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    match result {
        Ok(text) => {
            println!("{}", text.trim_end());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("plaza: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `plaza openapi`: prints the specification as YAML or JSON (exit code 2 for another format).
fn print_openapi(format: &str) -> ExitCode {
    match format {
        "yaml" => {
            print!("{}", plaza_api::http::spec_yaml());
            ExitCode::SUCCESS
        }
        "json" => {
            println!("{}", plaza_api::http::spec_json());
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("plaza: unknown format {other:?}; use yaml or json");
            ExitCode::from(2)
        }
    }
}

/// `plaza serve`: answers HTTP and runs the outbox worker until SIGTERM or Ctrl-C.
async fn serve(state: Arc<AppState>) -> Result<(), String> {
    prepare_schema(&state).await?;
    plaza_api::serve(state)
        .await
        .map_err(|e: StartError| e.to_string())
}

/// `plaza migrate [--down STEPS]`: applies the pending migrations, or rolls back STEPS of them
/// (refused when fewer are applied).
async fn migrate(state: &AppState, down: Option<u32>) -> Result<(), String> {
    let before = applied_migrations(state).await?;
    match down {
        None => {
            plaza_api::db::migrate(&state.db)
                .await
                .map_err(|e| e.to_string())?;
            let after = applied_migrations(state).await?;
            println!("applied {} migration(s); {after} in all", after - before);
        }
        Some(steps) => {
            if usize::try_from(steps).unwrap_or(usize::MAX) > before {
                return Err(format!(
                    "only {before} migration(s) are applied: --down {steps} asks for more; pass \
                     --down {before} to roll back all of them (this drops every table)"
                ));
            }
            plaza_api::db::migrate_down(&state.db, Some(steps))
                .await
                .map_err(|e| e.to_string())?;
            let after = applied_migrations(state).await?;
            println!("rolled back {} migration(s); {after} left", before - after);
        }
    }
    Ok(())
}

/// How many migrations the database has applied.
async fn applied_migrations(state: &AppState) -> Result<usize, String> {
    plaza_api::db::applied_migrations(&state.db)
        .await
        .map_err(|e| e.to_string())
}

/// `plaza seed --demo`: loads the demonstration data.
async fn seed(state: &AppState, demo: bool) -> Result<(), String> {
    if !demo {
        return Err("seed only loads demonstration data: pass --demo".into());
    }
    prepare_schema(state).await?;
    let report = app::seed::seed_demo(state)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "demo data: {} organization(s), {} scope(s), {} process(es), {} proposal(s), {} support(s), {} budget(s), {} project(s), {} census record(s) created",
        report.organizations,
        report.scopes,
        report.processes,
        report.proposals,
        report.supports,
        report.budgets,
        report.projects,
        report.census_records
    );
    Ok(())
}

/// `plaza org create | set-time-zone | list`.
async fn run_org(state: &AppState, command: OrgCommand) -> Result<(), String> {
    prepare_schema(state).await?;
    match command {
        OrgCommand::Create {
            slug,
            name,
            host,
            locales,
            default_locale,
            minimum_age,
            time_zone,
        } => {
            let (available_locales, default_locale) = read_locales(&locales, default_locale);
            let organization = NewOrganization {
                slug,
                name,
                host,
                default_locale,
                available_locales,
                minimum_age,
                time_zone,
            };
            org_create(state, organization).await
        }
        OrgCommand::SetTimeZone { slug, time_zone } => {
            org_set_time_zone(state, &slug, &time_zone).await
        }
        OrgCommand::List => org_list(state).await,
    }
}

/// `--locales` as a list, and the default locale: `--default-locale`, else the first of the
/// list, else `en`.
fn read_locales(locales: &str, default_locale: Option<String>) -> (Vec<String>, String) {
    let available_locales: Vec<String> = locales
        .split(',')
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let default_locale = default_locale
        .or_else(|| available_locales.first().cloned())
        .unwrap_or_else(|| "en".into());
    (available_locales, default_locale)
}

/// `plaza org create`.
async fn org_create(state: &AppState, organization: NewOrganization) -> Result<(), String> {
    let organization = app::seed::create_organization(state, organization)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "organization {} created (host {})",
        organization.slug, organization.host
    );
    Ok(())
}

/// `plaza org set-time-zone SLUG TIME_ZONE`.
async fn org_set_time_zone(state: &AppState, slug: &str, time_zone: &str) -> Result<(), String> {
    let organization = app::seed::set_time_zone(state, slug, time_zone)
        .await
        .map_err(describe)?;
    println!(
        "organization {} now keeps the time of {}",
        organization.slug,
        organization.time_zone.name()
    );
    Ok(())
}

/// `plaza org list`: one tab-separated line per organization (slug, host, time zone, name).
async fn org_list(state: &AppState) -> Result<(), String> {
    for row in plaza_api::store::orgs::all(&state.db)
        .await
        .map_err(|e| e.to_string())?
    {
        println!(
            "{}\t{}\t{}\t{}",
            row.slug, row.host, row.time_zone, row.name
        );
    }
    Ok(())
}

/// `plaza admin create EMAIL`: prints the generated password once when asked to generate one.
async fn admin_create(state: &AppState, command: AdminCommand) -> Result<(), String> {
    let AdminCommand::Create {
        email,
        organization,
        name,
        generate_password,
    } = command;
    prepare_schema(state).await?;
    let organization = pick_organization(state, organization.as_deref()).await?;
    let password = if generate_password {
        plaza_api::auth::random_token(24)
    } else {
        ask_new_password()?
    };
    let id = app::accounts::create_admin(state, &organization, &email, &name, password.clone())
        .await
        .map_err(describe)?;
    println!("admin {email} ({id}) can sign in to {}", organization.slug);
    if generate_password {
        println!("password (shown once): {password}");
    }
    Ok(())
}

/// Asks twice at the terminal, without echo, for the new admin's password.
fn ask_new_password() -> Result<String, String> {
    let first = rpassword::prompt_password("Password for the new admin (15+ characters): ")
        .map_err(|e| e.to_string())?;
    let second = rpassword::prompt_password("Repeat it: ").map_err(|e| e.to_string())?;
    if first != second {
        return Err("the passwords differ".into());
    }
    Ok(first)
}

/// `plaza census import FILE [--replace]`: all rows or none.
async fn census_import(state: &AppState, command: CensusCommand) -> Result<(), String> {
    let CensusCommand::Import {
        file,
        organization,
        replace,
    } = command;
    prepare_schema(state).await?;
    let organization = pick_organization(state, organization.as_deref()).await?;
    let csv = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mode = if replace {
        app::census::ImportMode::Replace
    } else {
        app::census::ImportMode::Merge
    };
    let summary = app::census::import(state, &organization, None, &csv, mode)
        .await
        .map_err(describe)?;
    println!(
        "census: {} created, {} updated, {} removed ({} residencies ended), {} in total",
        summary.created, summary.updated, summary.removed, summary.residents_removed, summary.total
    );
    Ok(())
}

/// The organization named by `slug`, or the only one.
async fn pick_organization(state: &AppState, slug: Option<&str>) -> Result<Organization, String> {
    let all = plaza_api::store::orgs::all(&state.db)
        .await
        .map_err(|e| e.to_string())?;
    match slug {
        Some(slug) => all
            .into_iter()
            .find(|o| o.slug == slug)
            .ok_or_else(|| format!("no organization has the slug {slug:?}"))
            .and_then(|row| Organization::try_from(row).map_err(|e| e.to_string())),
        None if all.len() == 1 => Organization::try_from(all.into_iter().next().ok_or("no organization")?)
            .map_err(|e| e.to_string()),
        None if all.is_empty() => Err("there is no organization yet: create one with `plaza org create` or `plaza seed --demo`".into()),
        None => Err("there are several organizations: name one with --organization SLUG".into()),
    }
}

/// An error for the terminal, with every field problem on its own line.
fn describe(error: plaza_api::app::error::AppError) -> String {
    use plaza_api::app::error::AppError;
    use plaza_domain::DomainError;
    match error {
        AppError::Domain(DomainError::Invalid(errors)) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| format!("  {}: {} ({})", e.field, e.message, e.code))
                .collect();
            format!("refused:\n{}", lines.join("\n"))
        }
        other => other.to_string(),
    }
}
