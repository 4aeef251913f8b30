//! Typed settings, read from the environment once at start and passed down (never global).
//!
//! Reading them takes two steps. [`ParsedSettings::from_env`] (or `from_lookup`) reads and checks
//! every variable and touches nothing on disk, so a bad value is reported before anything is
//! written. [`ParsedSettings::prepare_data_dir`] then creates the data directory and, when
//! `PLAZA_SECRET` is unset, reads the secret kept there (writing a new one on first start), which
//! gives the runnable [`Settings`]. [`Settings::from_env`] and [`Settings::from_lookup`] do both,
//! for the `plaza` command and the tests.
//!
//! Every setting has a default that serves the embedded mode (DESIGN §4), so `plaza serve` works
//! with no configuration at all. A bad value stops the process with a message naming the variable
//! and what was expected. Secrets are never logged: [`Settings`] implements `Debug` by hand.

use crate::limits::{LimitClass, LimitSettings, Rate};
use lettre::message::Mailbox;
use std::fmt;
use std::net::IpAddr;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Where the server's secret came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretSource {
    /// `PLAZA_SECRET` was set.
    Environment,
    /// Generated on first start into `$PLAZA_DATA_DIR/secret` (fine for a laptop or a town with
    /// one server; a deployment with several replicas must set `PLAZA_SECRET`).
    DataDirectory,
}

/// All of Plaza's settings.
#[derive(Clone)]
pub struct Settings {
    /// `PLAZA_ADDR`: where the API listens.
    pub addr: SocketAddr,
    /// `PLAZA_DATA_DIR`: SQLite file, mail files, generated secret.
    pub data_dir: PathBuf,
    /// `DATABASE_URL`: `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// `PLAZA_DB_MAX_CONNECTIONS`: the most connections this server opens to PostgreSQL
    /// (default [`crate::db::DEFAULT_MAX_CONNECTIONS`]; SQLite keeps its own pool of 8).
    pub db_max_connections: u32,
    /// `SMTP_URL`: send mail over SMTP; `None` writes `.eml` files to `$PLAZA_DATA_DIR/mail`.
    pub smtp_url: Option<String>,
    /// `MAIL_FROM`: the sender of every mail.
    pub mail_from: Mailbox,
    /// `PLAZA_SECRET`: signs tokens and keys the census hashes.
    pub secret: Vec<u8>,
    pub secret_source: SecretSource,
    /// `PLAZA_CENSUS_SECRET`: keys the census hashes instead of `PLAZA_SECRET` (pins them across
    /// a rotation of `PLAZA_SECRET`).
    pub census_secret: Option<Vec<u8>>,
    /// `PLAZA_SECRET_PREVIOUS`: a former `PLAZA_SECRET`, whose access tokens are still accepted.
    pub previous_secret: Option<Vec<u8>>,
    /// `PLAZA_PUBLIC_URL`: the base of links in mail, without a trailing slash.
    pub public_url: String,
    /// `RUST_LOG`: the log filter.
    pub log_filter: String,
    /// `PLAZA_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `PLAZA_MAX_HASHES`: how many password hashes may run at once (19 MiB each).
    pub max_hashes: usize,
    /// `PLAZA_HASH_WAIT_MS`: how long a request waits for a hashing slot before 503 `busy`.
    pub hash_wait: std::time::Duration,
    /// `PLAZA_RATE_LIMITS` and `PLAZA_LIMIT_*`: per-client and per-account rate limits.
    pub limits: LimitSettings,
    /// `PLAZA_TRUSTED_PROXIES`: the proxies whose `X-Forwarded-For` and `X-Forwarded-Host` count.
    pub trusted_proxies: Vec<IpNet>,
    /// `PLAZA_METRICS_TOKEN`: when set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
    /// `PLAZA_DEFAULT_ORGANIZATION`: the slug of the organization that serves hosts no
    /// organization names (unset: the only organization, while there is one).
    pub default_organization: Option<String>,
    /// `PLAZA_CORS_ORIGINS`: the exact origins whose pages may call the API from a browser.
    pub cors_origins: Vec<String>,
    /// `PLAZA_PUBLIC_CACHE_MS`: how long an anonymous public read is answered from memory
    /// (`http::microcache`); 0 turns it off. Default 1,000 ms; at most 60,000 (what
    /// `Cache-Control: max-age` already allows any shared cache).
    pub public_cache: std::time::Duration,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("data_dir", &self.data_dir)
            .field("database_url", &redact_url(&self.database_url))
            .field("db_max_connections", &self.db_max_connections)
            .field("smtp_url", &self.smtp_url.as_deref().map(redact_url))
            .field("mail_from", &self.mail_from.to_string())
            .field("secret", &"<redacted>")
            .field("secret_source", &self.secret_source)
            .field(
                "census_secret",
                &self.census_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "previous_secret",
                &self.previous_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("public_url", &self.public_url)
            .field("log_filter", &self.log_filter)
            .field("log_format", &self.log_format)
            .field("max_hashes", &self.max_hashes)
            .field("hash_wait", &self.hash_wait)
            .field("limits", &self.limits)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("cors_origins", &self.cors_origins)
            .field("public_cache", &self.public_cache)
            .field("default_organization", &self.default_organization)
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A setting that could not be used; the message names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct SettingsError {
    pub variable: &'static str,
    pub problem: String,
}

/// The whole-number setting `variable` (`None` when unset), refused unless it lies in `range`;
/// `what` names it in the error ("a number", "a number of milliseconds").
fn whole_number<T>(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    range: std::ops::RangeInclusive<T>,
    what: &str,
) -> Result<Option<T>, SettingsError>
where
    T: std::str::FromStr + PartialOrd + fmt::Display,
{
    let Some(text) = lookup(variable) else {
        return Ok(None);
    };
    match text.trim().parse::<T>() {
        Ok(value) if range.contains(&value) => Ok(Some(value)),
        _ => Err(bad(
            variable,
            format!(
                "{text:?} is not {what} from {} to {}",
                range.start(),
                range.end()
            ),
        )),
    }
}

fn bad(variable: &'static str, problem: impl Into<String>) -> SettingsError {
    SettingsError {
        variable,
        problem: problem.into(),
    }
}

/// The minimum length of `PLAZA_SECRET`, in bytes.
pub const MIN_SECRET_LENGTH: usize = 32;

/// The minimum length of `PLAZA_METRICS_TOKEN`, in bytes.
pub const MIN_METRICS_TOKEN_LENGTH: usize = 16;

/// The settings as read from the environment, every value checked, before anything on disk is
/// touched. [`ParsedSettings::prepare_data_dir`] turns them into runnable [`Settings`].
pub struct ParsedSettings {
    addr: SocketAddr,
    storage: StorageSettings,
    mail: MailSettings,
    secrets: SecretSettings,
    public_url: String,
    logging: LogSettings,
    hashing: HashingSettings,
    limits: LimitSettings,
    edge: EdgeSettings,
}

impl ParsedSettings {
    /// Reads and checks the settings from the process environment; writes nothing.
    pub fn from_env() -> Result<ParsedSettings, SettingsError> {
        ParsedSettings::from_lookup(read_env_var)
    }

    /// Reads and checks the settings through `lookup` (the environment in production, a map in
    /// tests); writes nothing. The first bad value is the error.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<ParsedSettings, SettingsError> {
        let addr = parse_addr(&lookup)?;
        let storage = parse_storage(&lookup)?;
        let mail = parse_mail(&lookup)?;
        let secrets = parse_secrets(&lookup, &storage.database_url)?;
        let public_url = parse_public_url(&lookup, addr)?;
        let logging = parse_logging(&lookup)?;
        let hashing = parse_hashing(&lookup)?;
        let limits = parse_limits(&lookup)?;
        let edge = parse_edge(&lookup)?;
        Ok(ParsedSettings {
            addr,
            storage,
            mail,
            secrets,
            public_url,
            logging,
            hashing,
            limits,
            edge,
        })
    }

    /// `PLAZA_DATA_DIR`: the directory [`ParsedSettings::prepare_data_dir`] creates.
    pub fn data_dir(&self) -> &Path {
        &self.storage.data_dir
    }

    /// Creates the data directory and settles the server's secret: `PLAZA_SECRET` when set, else
    /// the one kept in `$PLAZA_DATA_DIR/secret` (written on first start, read on every later
    /// one). The only step of reading the settings that touches the disk.
    pub fn prepare_data_dir(self) -> Result<Settings, SettingsError> {
        let data_dir = self.storage.data_dir;
        create_data_dir(&data_dir)?;
        let (secret, secret_source) = match self.secrets.secret {
            ServerSecret::FromEnvironment(secret) => (secret, SecretSource::Environment),
            ServerSecret::FromDataDirectory => (
                load_or_create_secret(&data_dir)?,
                SecretSource::DataDirectory,
            ),
        };
        Ok(Settings {
            addr: self.addr,
            data_dir,
            database_url: self.storage.database_url,
            db_max_connections: self.storage.db_max_connections,
            smtp_url: self.mail.smtp_url,
            mail_from: self.mail.mail_from,
            secret,
            secret_source,
            census_secret: self.secrets.census_secret,
            previous_secret: self.secrets.previous_secret,
            public_url: self.public_url,
            log_filter: self.logging.log_filter,
            log_format: self.logging.log_format,
            max_hashes: self.hashing.max_hashes,
            hash_wait: self.hashing.hash_wait,
            limits: self.limits,
            trusted_proxies: self.edge.trusted_proxies,
            metrics_token: self.edge.metrics_token,
            default_organization: self.edge.default_organization,
            cors_origins: self.edge.cors_origins,
            public_cache: self.edge.public_cache,
        })
    }
}

impl Settings {
    /// Reads the settings from the process environment and prepares the data directory
    /// ([`ParsedSettings::from_env`], then [`ParsedSettings::prepare_data_dir`]).
    pub fn from_env() -> Result<Settings, SettingsError> {
        ParsedSettings::from_env()?.prepare_data_dir()
    }

    /// Reads the settings through `lookup` (the environment in production, a map in tests), then
    /// prepares the data directory: creates it and, when `PLAZA_SECRET` is unset, reads
    /// `$PLAZA_DATA_DIR/secret` or writes a new one ([`ParsedSettings::from_lookup`], then
    /// [`ParsedSettings::prepare_data_dir`]). Nothing is written when a setting is bad.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        ParsedSettings::from_lookup(lookup)?.prepare_data_dir()
    }

    /// The directory where mail is written when no SMTP server is configured.
    pub fn mail_dir(&self) -> PathBuf {
        self.data_dir.join("mail")
    }
}

/// A variable of the process environment; blank counts as unset.
fn read_env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

// Parsing, one concern at a time. Each function reads its variables through `lookup` and returns
// the first bad value as the error; none touches the disk.

/// `PLAZA_ADDR`: where the API listens.
fn parse_addr(lookup: &impl Fn(&str) -> Option<String>) -> Result<SocketAddr, SettingsError> {
    let addr_text = lookup("PLAZA_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
    addr_text.trim().parse().map_err(|_| {
        bad(
            "PLAZA_ADDR",
            format!("{addr_text:?} is not an address and port such as 127.0.0.1:8080"),
        )
    })
}

/// Where the data lives.
struct StorageSettings {
    data_dir: PathBuf,
    database_url: String,
    db_max_connections: u32,
}

/// `PLAZA_DATA_DIR`, `DATABASE_URL` (by default, an SQLite file in the data directory) and
/// `PLAZA_DB_MAX_CONNECTIONS`.
fn parse_storage(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<StorageSettings, SettingsError> {
    let data_dir = PathBuf::from(lookup("PLAZA_DATA_DIR").unwrap_or_else(|| "./data".into()));
    let database_url = match lookup("DATABASE_URL") {
        Some(url) => {
            let url = url.trim().to_string();
            if !(url.starts_with("sqlite:")
                || url.starts_with("postgres://")
                || url.starts_with("postgresql://"))
            {
                return Err(bad(
                    "DATABASE_URL",
                    "must start with sqlite: or postgres://",
                ));
            }
            url
        }
        None => default_sqlite_url(&data_dir),
    };
    let db_max_connections =
        whole_number(lookup, "PLAZA_DB_MAX_CONNECTIONS", 1u32..=1_000, "a number")?
            .unwrap_or(crate::db::DEFAULT_MAX_CONNECTIONS);
    Ok(StorageSettings {
        data_dir,
        database_url,
        db_max_connections,
    })
}

fn default_sqlite_url(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("plaza.db").display())
}

/// How mail leaves.
struct MailSettings {
    smtp_url: Option<String>,
    mail_from: Mailbox,
}

/// `SMTP_URL` and `MAIL_FROM`.
fn parse_mail(lookup: &impl Fn(&str) -> Option<String>) -> Result<MailSettings, SettingsError> {
    let smtp_url = match lookup("SMTP_URL") {
        Some(url) => {
            let url = url.trim().to_string();
            crate::mail::validate_smtp_url(&url).map_err(|problem| bad("SMTP_URL", problem))?;
            Some(url)
        }
        None => None,
    };
    let mail_from_text = lookup("MAIL_FROM").unwrap_or_else(|| "Plaza <no-reply@localhost>".into());
    let mail_from: Mailbox = mail_from_text.trim().parse().map_err(|_| {
        bad(
            "MAIL_FROM",
            format!("{mail_from_text:?} is not a mailbox such as \"Plaza <no-reply@example.org>\""),
        )
    })?;
    Ok(MailSettings {
        smtp_url,
        mail_from,
    })
}

/// Where the server's secret will come from, decided while parsing and settled by
/// [`ParsedSettings::prepare_data_dir`].
enum ServerSecret {
    /// `PLAZA_SECRET`.
    FromEnvironment(Vec<u8>),
    /// `$PLAZA_DATA_DIR/secret`, read or written when the data directory is prepared.
    FromDataDirectory,
}

/// The keys.
struct SecretSettings {
    secret: ServerSecret,
    census_secret: Option<Vec<u8>>,
    previous_secret: Option<Vec<u8>>,
}

/// `PLAZA_SECRET` (required with PostgreSQL), `PLAZA_CENSUS_SECRET` and `PLAZA_SECRET_PREVIOUS`.
fn parse_secrets(
    lookup: &impl Fn(&str) -> Option<String>,
    database_url: &str,
) -> Result<SecretSettings, SettingsError> {
    let secret = match lookup("PLAZA_SECRET") {
        Some(secret) => {
            if secret.len() < MIN_SECRET_LENGTH {
                return Err(bad(
                    "PLAZA_SECRET",
                    format!("must be at least {MIN_SECRET_LENGTH} characters long"),
                ));
            }
            ServerSecret::FromEnvironment(secret.into_bytes())
        }
        None if database_url.starts_with("postgres") => {
            // PostgreSQL means production: every replica must share one secret, and a secret
            // generated on one machine's disk would differ from the next one's.
            return Err(bad(
                "PLAZA_SECRET",
                "is required with PostgreSQL (all replicas must share it; at least 32 characters)",
            ));
        }
        None => ServerSecret::FromDataDirectory,
    };
    Ok(SecretSettings {
        secret,
        census_secret: parse_optional_secret(lookup, "PLAZA_CENSUS_SECRET")?,
        previous_secret: parse_optional_secret(lookup, "PLAZA_SECRET_PREVIOUS")?,
    })
}

/// A secret that may be unset, and is at least [`MIN_SECRET_LENGTH`] long when set.
fn parse_optional_secret(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<Option<Vec<u8>>, SettingsError> {
    match lookup(variable) {
        Some(value) if value.len() < MIN_SECRET_LENGTH => Err(bad(
            variable,
            format!("must be at least {MIN_SECRET_LENGTH} characters long"),
        )),
        Some(value) => Ok(Some(value.into_bytes())),
        None => Ok(None),
    }
}

/// `PLAZA_PUBLIC_URL` (by default, `http://` and the listening address), without a trailing slash.
fn parse_public_url(
    lookup: &impl Fn(&str) -> Option<String>,
    addr: SocketAddr,
) -> Result<String, SettingsError> {
    let public_url = lookup("PLAZA_PUBLIC_URL").unwrap_or_else(|| format!("http://{addr}"));
    let public_url = public_url.trim().trim_end_matches('/').to_string();
    if !(public_url.starts_with("http://") || public_url.starts_with("https://"))
        || public_url.contains(char::is_whitespace)
    {
        return Err(bad(
            "PLAZA_PUBLIC_URL",
            format!("{public_url:?} is not an http:// or https:// URL"),
        ));
    }
    Ok(public_url)
}

/// What is logged, and how.
struct LogSettings {
    log_filter: String,
    log_format: LogFormat,
}

/// `RUST_LOG` and `PLAZA_LOG_FORMAT`.
fn parse_logging(lookup: &impl Fn(&str) -> Option<String>) -> Result<LogSettings, SettingsError> {
    let log_filter = lookup("RUST_LOG").unwrap_or_else(|| "info".into());
    tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|e| {
        bad(
            "RUST_LOG",
            format!("{log_filter:?} is not a log filter: {e}"),
        )
    })?;
    let log_format = match lookup("PLAZA_LOG_FORMAT").as_deref().map(str::trim) {
        None | Some("text") => LogFormat::Text,
        Some("json") => LogFormat::Json,
        Some(other) => {
            return Err(bad(
                "PLAZA_LOG_FORMAT",
                format!("{other:?} is neither text nor json"),
            ));
        }
    };
    Ok(LogSettings {
        log_filter,
        log_format,
    })
}

/// How many password hashes may run at once, and how long a request waits for one.
struct HashingSettings {
    max_hashes: usize,
    hash_wait: std::time::Duration,
}

/// `PLAZA_MAX_HASHES` and `PLAZA_HASH_WAIT_MS`.
fn parse_hashing(
    lookup: &impl Fn(&str) -> Option<String>,
) -> Result<HashingSettings, SettingsError> {
    let max_hashes = whole_number(lookup, "PLAZA_MAX_HASHES", 1usize..=1_024, "a number")?
        .unwrap_or_else(crate::auth::passwords::Hasher::default_max_concurrent);
    let hash_wait = whole_number(
        lookup,
        "PLAZA_HASH_WAIT_MS",
        1u64..=60_000,
        "a number of milliseconds",
    )?
    .map_or(
        crate::auth::passwords::SLOT_WAIT,
        std::time::Duration::from_millis,
    );
    Ok(HashingSettings {
        max_hashes,
        hash_wait,
    })
}

/// `PLAZA_RATE_LIMITS` (`on`, the default, or `off`) and each class's `PLAZA_LIMIT_*` (a rate
/// such as `30/minute`, or `off`).
fn parse_limits(lookup: &impl Fn(&str) -> Option<String>) -> Result<LimitSettings, SettingsError> {
    match lookup("PLAZA_RATE_LIMITS").as_deref().map(str::trim) {
        None | Some("on") => {}
        Some("off") => return Ok(LimitSettings::off()),
        Some(other) => {
            return Err(bad(
                "PLAZA_RATE_LIMITS",
                format!("{other:?} is neither on nor off"),
            ));
        }
    }
    let mut rates = [None; 4];
    for (slot, class) in rates.iter_mut().zip(LimitClass::ALL) {
        *slot = match lookup(class.variable()).as_deref().map(str::trim) {
            None => Some(class.default_rate()),
            Some("off") => None,
            Some(text) => {
                Some(Rate::parse(text).map_err(|problem| bad(class.variable(), problem))?)
            }
        };
    }
    Ok(LimitSettings { rates: Some(rates) })
}

/// Who the HTTP edge believes and serves.
struct EdgeSettings {
    trusted_proxies: Vec<IpNet>,
    metrics_token: Option<String>,
    default_organization: Option<String>,
    cors_origins: Vec<String>,
    public_cache: std::time::Duration,
}

/// `PLAZA_TRUSTED_PROXIES`, `PLAZA_METRICS_TOKEN`, `PLAZA_DEFAULT_ORGANIZATION`,
/// `PLAZA_CORS_ORIGINS` and `PLAZA_PUBLIC_CACHE_MS`.
fn parse_edge(lookup: &impl Fn(&str) -> Option<String>) -> Result<EdgeSettings, SettingsError> {
    let trusted_proxies = match lookup("PLAZA_TRUSTED_PROXIES") {
        Some(text) => {
            parse_trusted_proxies(&text).map_err(|problem| bad("PLAZA_TRUSTED_PROXIES", problem))?
        }
        None => Vec::new(),
    };
    let metrics_token = match lookup("PLAZA_METRICS_TOKEN") {
        Some(token) if token.trim().len() < MIN_METRICS_TOKEN_LENGTH => {
            return Err(bad(
                "PLAZA_METRICS_TOKEN",
                format!("must be at least {MIN_METRICS_TOKEN_LENGTH} characters long"),
            ));
        }
        Some(token) => Some(token.trim().to_string()),
        None => None,
    };
    let default_organization = lookup("PLAZA_DEFAULT_ORGANIZATION")
        .map(|slug| slug.trim().to_string())
        .filter(|slug| !slug.is_empty());
    let cors_origins = match lookup("PLAZA_CORS_ORIGINS") {
        Some(text) => parse_origins(&text).map_err(|problem| bad("PLAZA_CORS_ORIGINS", problem))?,
        None => Vec::new(),
    };
    let public_cache = whole_number(
        lookup,
        "PLAZA_PUBLIC_CACHE_MS",
        0u64..=60_000,
        "a number of milliseconds (0: off)",
    )?
    .map_or(
        std::time::Duration::from_millis(1_000),
        std::time::Duration::from_millis,
    );
    Ok(EdgeSettings {
        trusted_proxies,
        metrics_token,
        default_organization,
        cors_origins,
        public_cache,
    })
}

// The data directory: the one place reading the settings writes to disk, run by
// `ParsedSettings::prepare_data_dir`.

/// Creates `$PLAZA_DATA_DIR` (and its parents) unless it exists.
fn create_data_dir(data_dir: &Path) -> Result<(), SettingsError> {
    std::fs::create_dir_all(data_dir).map_err(|e| {
        bad(
            "PLAZA_DATA_DIR",
            format!("cannot create the directory {}: {e}", data_dir.display()),
        )
    })
}

/// Reads `$data_dir/secret`, or writes a new random one (readable by the owner only).
fn load_or_create_secret(data_dir: &Path) -> Result<Vec<u8>, SettingsError> {
    let path = data_dir.join("secret");
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= MIN_SECRET_LENGTH => Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => Err(bad(
            "PLAZA_SECRET",
            format!(
                "{} is too short; delete it or set PLAZA_SECRET",
                path.display()
            ),
        )),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let secret = crate::auth::random_token(48);
            write_private_file(&path, secret.as_bytes()).map_err(|e| {
                bad(
                    "PLAZA_SECRET",
                    format!("unset, and {} cannot be written: {e}", path.display()),
                )
            })?;
            Ok(secret.into_bytes())
        }
        Err(error) => Err(bad(
            "PLAZA_SECRET",
            format!("unset, and {} cannot be read: {error}", path.display()),
        )),
    }
}

fn write_private_file(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents)
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..scheme_end], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// An address block: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    network: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Reads `ADDRESS` or `ADDRESS/PREFIX`.
    pub fn parse(text: &str) -> Result<IpNet, String> {
        let text = text.trim();
        let problem = || format!("{text:?} is not an address or a block such as 10.0.0.0/8");
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address.trim().parse().map_err(|_| problem())?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(prefix) => prefix
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(problem)?,
            None => bits,
        };
        Ok(IpNet { network, prefix })
    }

    /// Whether `address` lies in this block (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, address: IpAddr) -> bool {
        let mask = |bits: u32| -> u128 {
            if self.prefix == 0 {
                0
            } else {
                u128::MAX << (bits - u32::from(self.prefix))
            }
        };
        match (self.network.to_canonical(), address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = mask(32);
                (u128::from(u32::from(network)) & mask) == (u128::from(u32::from(address)) & mask)
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = mask(128);
                (u128::from(network) & mask) == (u128::from(address) & mask)
            }
            _ => false,
        }
    }
}

/// Reads a comma-separated list of blocks (`PLAZA_TRUSTED_PROXIES`).
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split(',')
        .filter(|part| !part.trim().is_empty())
        .map(IpNet::parse)
        .collect()
}

/// Reads `PLAZA_CORS_ORIGINS`: comma-separated exact origins such as `https://decidim.barcelona`
/// (scheme, host and optional port; no path).
pub fn parse_origins(text: &str) -> Result<Vec<String>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|origin| !origin.is_empty())
        .map(|origin| {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            match rest {
                Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', ' ', '*']) => {
                    Ok(origin.to_ascii_lowercase())
                }
                _ => Err(format!(
                    "{origin:?} is not an origin such as https://participa.example.org (no path, no wildcard)"
                )),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_exact_scheme_and_host() {
        assert_eq!(
            parse_origins("https://participa.example.org, http://localhost:5173").unwrap(),
            vec!["https://participa.example.org", "http://localhost:5173"]
        );
        for bad in [
            "participa.example.org",
            "https://a.example/app",
            "https://*.example",
            "ftp://x",
        ] {
            assert!(parse_origins(bad).is_err(), "{bad}");
        }
        assert!(parse_origins("").unwrap().is_empty());
    }
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let dir = std::env::temp_dir().join(format!("plaza-settings-{}", uuid::Uuid::new_v4()));
        let mut map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.entry("PLAZA_DATA_DIR".into())
            .or_insert_with(|| dir.display().to_string());
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_serve_the_embedded_mode() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.addr.to_string(), "127.0.0.1:8080");
        assert!(
            settings.database_url.starts_with("sqlite://")
                && settings.database_url.ends_with("plaza.db?mode=rwc")
        );
        assert_eq!(settings.public_url, "http://127.0.0.1:8080");
        assert_eq!(settings.secret_source, SecretSource::DataDirectory);
        assert!(settings.secret.len() >= MIN_SECRET_LENGTH);
        assert_eq!(settings.log_format, LogFormat::Text);
        assert!(settings.smtp_url.is_none());
        assert_eq!(
            settings.db_max_connections,
            crate::db::DEFAULT_MAX_CONNECTIONS
        );
    }

    #[test]
    fn the_database_pool_size_is_a_number_from_1_to_1000() {
        let sized = settings(&[("PLAZA_DB_MAX_CONNECTIONS", " 24 ")]).unwrap();
        assert_eq!(sized.db_max_connections, 24);
        for wrong in ["0", "1001", "eight", "-3", ""] {
            let error = settings(&[("PLAZA_DB_MAX_CONNECTIONS", wrong)]).unwrap_err();
            assert_eq!(error.variable, "PLAZA_DB_MAX_CONNECTIONS", "{wrong:?}");
        }
    }

    #[test]
    fn an_smtp_url_is_checked_outside_any_runtime() {
        // main reads the settings before the tokio runtime exists.
        let settings = settings(&[("SMTP_URL", "smtp://user:pass@mail.example.org:587")]).unwrap();
        assert_eq!(
            settings.smtp_url.as_deref(),
            Some("smtp://user:pass@mail.example.org:587")
        );
        assert!(!format!("{settings:?}").contains("pass@"));
    }

    #[test]
    fn postgresql_requires_a_shared_secret() {
        let error = settings(&[("DATABASE_URL", "postgres://plaza@db/plaza")]).unwrap_err();
        assert_eq!(error.variable, "PLAZA_SECRET");
        let with_secret = settings(&[
            ("DATABASE_URL", "postgres://plaza@db/plaza"),
            ("PLAZA_SECRET", "a-shared-secret-of-at-least-32-characters"),
        ]);
        assert_eq!(
            with_secret.unwrap().secret_source,
            SecretSource::Environment
        );
    }

    #[test]
    fn the_generated_secret_is_kept() {
        let dir = std::env::temp_dir().join(format!("plaza-settings-{}", uuid::Uuid::new_v4()));
        let dir = dir.display().to_string();
        let first = settings(&[("PLAZA_DATA_DIR", &dir)]).unwrap();
        let second = settings(&[("PLAZA_DATA_DIR", &dir)]).unwrap();
        assert_eq!(first.secret, second.secret);
    }

    #[test]
    fn parsing_writes_nothing_and_preparing_the_data_dir_keeps_one_secret() {
        let dir = std::env::temp_dir().join(format!("plaza-settings-{}", uuid::Uuid::new_v4()));
        let dir_text = dir.display().to_string();
        let lookup = |name: &str| (name == "PLAZA_DATA_DIR").then(|| dir_text.clone());

        // PLAZA_SECRET is unset, so the secret will come from the data directory, but parsing
        // neither creates the directory nor writes the secret, even when a later setting is bad.
        let parsed = ParsedSettings::from_lookup(lookup).unwrap();
        assert_eq!(parsed.data_dir(), dir.as_path());
        let refused = Settings::from_lookup(|name| match name {
            "PLAZA_LOG_FORMAT" => Some("xml".to_string()),
            _ => lookup(name),
        })
        .unwrap_err();
        assert_eq!(refused.variable, "PLAZA_LOG_FORMAT");
        assert!(!dir.exists(), "parsing created {}", dir.display());

        // Preparing the data directory creates it and writes the secret, once.
        let first = parsed.prepare_data_dir().unwrap();
        assert_eq!(first.secret_source, SecretSource::DataDirectory);
        let stored = std::fs::read_to_string(dir.join("secret")).unwrap();
        assert_eq!(stored.trim().as_bytes(), first.secret.as_slice());
        assert!(first.secret.len() >= MIN_SECRET_LENGTH);

        // Later starts read it back and leave the file as it is.
        let second = ParsedSettings::from_lookup(lookup)
            .unwrap()
            .prepare_data_dir()
            .unwrap();
        assert_eq!(second.secret, first.secret);
        assert_eq!(std::fs::read_to_string(dir.join("secret")).unwrap(), stored);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn each_bad_value_names_its_variable() {
        for (variable, value) in [
            ("PLAZA_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("SMTP_URL", "http://mail.example.org"),
            ("MAIL_FROM", "not a mailbox"),
            ("PLAZA_SECRET", "short"),
            ("PLAZA_PUBLIC_URL", "ftp://example.org"),
            ("RUST_LOG", "plaza=loud"),
            ("PLAZA_LOG_FORMAT", "xml"),
            ("PLAZA_MAX_HASHES", "0"),
            ("PLAZA_HASH_WAIT_MS", "forever"),
            ("PLAZA_RATE_LIMITS", "sometimes"),
            ("PLAZA_LIMIT_SIGN_IN", "30/fortnight"),
            ("PLAZA_LIMIT_MAIL", "0/hour"),
            ("PLAZA_TRUSTED_PROXIES", "10.0.0.0/8, proxy.internal"),
            ("PLAZA_METRICS_TOKEN", "short"),
            ("PLAZA_CENSUS_SECRET", "short"),
            ("PLAZA_SECRET_PREVIOUS", "short"),
            (
                "PLAZA_CORS_ORIGINS",
                "https://ok.example, participa.example.org",
            ),
        ] {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable, "{error}");
            assert!(error.to_string().starts_with(variable));
        }
    }

    #[test]
    fn limits_are_on_by_default_and_each_can_be_set_or_turned_off() {
        let defaults = settings(&[]).unwrap();
        assert_eq!(defaults.limits, LimitSettings::defaults());
        assert!(defaults.max_hashes >= 1);
        assert!(defaults.trusted_proxies.is_empty() && defaults.metrics_token.is_none());
        let off = settings(&[("PLAZA_RATE_LIMITS", "off")]).unwrap();
        assert_eq!(off.limits, LimitSettings::off());
        let tuned = settings(&[
            ("PLAZA_LIMIT_SIGN_UP", "1000/hour"),
            ("PLAZA_LIMIT_MAIL", "off"),
            ("PLAZA_MAX_HASHES", "4"),
        ])
        .unwrap();
        let rates = tuned.limits.rates.unwrap();
        assert_eq!(rates[1], Some(Rate::parse("1000/hour").unwrap()));
        assert_eq!(rates[2], None);
        assert_eq!(rates[0], Some(LimitClass::SignIn.default_rate()));
        assert_eq!(tuned.max_hashes, 4);
    }

    #[test]
    fn debug_output_hides_secrets() {
        let settings = settings(&[
            (
                "PLAZA_SECRET",
                "a-very-long-secret-that-nobody-should-see-1234",
            ),
            ("DATABASE_URL", "postgres://plaza:hunter2@db/plaza"),
            ("PLAZA_METRICS_TOKEN", "metrics-token-nobody-sees"),
        ])
        .unwrap();
        let printed = format!("{settings:?}");
        assert!(!printed.contains("metrics-token-nobody-sees"));
        assert!(!printed.contains("a-very-long-secret"));
        assert!(!printed.contains("hunter2"));
        assert!(printed.contains("postgres://plaza:***@db/plaza"));
    }
}
