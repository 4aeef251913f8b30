//! Per-client and per-account rate limits, in front of the expensive and the mail-sending
//! operations (argon2 hashing, mail, census guessing).
//!
//! The per-address throttles of the domain (failed sign-ins per email, security mail per
//! address) protect one account; these protect the server and everyone's mailboxes from one
//! client sending many requests with different addresses. Each [`LimitClass`] has its own
//! [`Rate`] (a burst of `n` requests, refilled evenly over the period: GCRA, through the
//! `governor` crate), keyed by the client's address (IPv6 by its /64, which one subscriber
//! usually holds) or, for authenticated writes, by the account. Refusals are 429 `rate_limited`
//! with `Retry-After`. `PLAZA_RATE_LIMITS=off` turns them all off (the test harness does, so that
//! race tests prove the domain's refusals, not the limiter's).
//!
//! The client address is the socket's peer, or the one a trusted proxy names in
//! `X-Forwarded-For` (see `http::client`).

use crate::app::error::AppError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use plaza_domain::UserId;
use std::fmt;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The kinds of request with a limit of their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitClass {
    /// Sign-in attempts (each verifies a password), per client.
    SignIn,
    /// Registrations (each hashes a password and mails), per client.
    SignUp,
    /// Requests that mail someone a link (password reset), per client.
    Mail,
    /// Writes by a signed-in account (profile, password change, census verification), per account.
    AccountWrites,
}

impl LimitClass {
    /// Every class, in the order of the settings table.
    pub const ALL: [LimitClass; 4] = [
        LimitClass::SignIn,
        LimitClass::SignUp,
        LimitClass::Mail,
        LimitClass::AccountWrites,
    ];

    /// The environment variable that sets this class's rate.
    pub fn variable(self) -> &'static str {
        match self {
            LimitClass::SignIn => "PLAZA_LIMIT_SIGN_IN",
            LimitClass::SignUp => "PLAZA_LIMIT_SIGN_UP",
            LimitClass::Mail => "PLAZA_LIMIT_MAIL",
            LimitClass::AccountWrites => "PLAZA_LIMIT_ACCOUNT_WRITES",
        }
    }

    /// The default rate. Sign-up is generous: on voting day many residents share one carrier
    /// NAT address, and each registration is already bounded by the hashing slots.
    pub fn default_rate(self) -> Rate {
        match self {
            LimitClass::SignIn => Rate::new(30, Period::Minute),
            LimitClass::SignUp => Rate::new(300, Period::Hour),
            LimitClass::Mail => Rate::new(30, Period::Hour),
            LimitClass::AccountWrites => Rate::new(60, Period::Minute),
        }
    }

    fn index(self) -> usize {
        match self {
            LimitClass::SignIn => 0,
            LimitClass::SignUp => 1,
            LimitClass::Mail => 2,
            LimitClass::AccountWrites => 3,
        }
    }
}

/// The unit of a [`Rate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Second,
    Minute,
    Hour,
}

impl Period {
    fn duration(self) -> Duration {
        match self {
            Period::Second => Duration::from_secs(1),
            Period::Minute => Duration::from_secs(60),
            Period::Hour => Duration::from_secs(3_600),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Period::Second => "second",
            Period::Minute => "minute",
            Period::Hour => "hour",
        }
    }
}

/// At most `requests` in a burst, refilled evenly over one `period`: `30/minute`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub requests: NonZeroU32,
    pub period: Period,
}

impl Rate {
    /// A rate of `requests` (at least 1) per `period`.
    pub fn new(requests: u32, period: Period) -> Rate {
        Rate {
            requests: NonZeroU32::new(requests).unwrap_or(NonZeroU32::MIN),
            period,
        }
    }

    /// Reads `N/second`, `N/minute` or `N/hour` (N ≥ 1).
    pub fn parse(text: &str) -> Result<Rate, String> {
        let problem = || format!("{text:?} is not a rate such as 30/minute (second, minute, hour)");
        let (count, unit) = text.trim().split_once('/').ok_or_else(problem)?;
        let requests = count.trim().parse::<NonZeroU32>().map_err(|_| problem())?;
        let period = match unit.trim() {
            "second" | "s" => Period::Second,
            "minute" | "min" | "m" => Period::Minute,
            "hour" | "h" => Period::Hour,
            _ => return Err(problem()),
        };
        Ok(Rate { requests, period })
    }

    fn quota(self) -> Quota {
        let per_request = self.period.duration() / self.requests.get();
        Quota::with_period(per_request.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(self.requests))
            .allow_burst(self.requests)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.requests, self.period.name())
    }
}

/// The limits as configured: `None` turns them all off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    /// One rate per class, in the order of [`LimitClass::ALL`]; `None` for a class turned off.
    pub rates: Option<[Option<Rate>; 4]>,
}

impl LimitSettings {
    /// The defaults of every class.
    pub fn defaults() -> LimitSettings {
        LimitSettings {
            rates: Some(LimitClass::ALL.map(|class| Some(class.default_rate()))),
        }
    }

    /// Every limit off.
    pub fn off() -> LimitSettings {
        LimitSettings { rates: None }
    }
}

/// Where a request comes from, as far as limits are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ClientKey {
    V4(u32),
    /// The first 64 bits of an IPv6 address.
    V6(u64),
    /// No IP address (an in-process request): one shared bucket.
    Unknown,
}

impl ClientKey {
    fn of(address: Option<IpAddr>) -> ClientKey {
        match address.map(|a| a.to_canonical()) {
            Some(IpAddr::V4(v4)) => ClientKey::V4(u32::from(v4)),
            Some(IpAddr::V6(v6)) => ClientKey::V6((u128::from(v6) >> 64) as u64),
            None => ClientKey::Unknown,
        }
    }
}

type PerClient = DefaultKeyedRateLimiter<ClientKey>;
type PerAccount = DefaultKeyedRateLimiter<UserId>;

/// How many checks pass between two sweeps of the keys whose buckets are full again.
const SWEEP_EVERY: u64 = 4_096;

/// The live limiters of one process (each replica limits on its own).
pub struct Limits {
    per_client: [Option<PerClient>; 3],
    per_account: Option<PerAccount>,
    checks: AtomicU64,
}

impl Limits {
    pub fn new(settings: &LimitSettings) -> Limits {
        let rate = |class: LimitClass| {
            settings
                .rates
                .as_ref()
                .and_then(|rates| rates[class.index()])
        };
        let client = |class| rate(class).map(|r: Rate| PerClient::keyed(r.quota()));
        Limits {
            per_client: [
                client(LimitClass::SignIn),
                client(LimitClass::SignUp),
                client(LimitClass::Mail),
            ],
            per_account: rate(LimitClass::AccountWrites).map(|r| PerAccount::keyed(r.quota())),
            checks: AtomicU64::new(0),
        }
    }

    /// Counts one request of `class` from `client`; refuses it past the class's rate.
    pub fn check_client(&self, class: LimitClass, client: Option<IpAddr>) -> Result<(), AppError> {
        let limiter = match class {
            LimitClass::SignIn => &self.per_client[0],
            LimitClass::SignUp => &self.per_client[1],
            LimitClass::Mail => &self.per_client[2],
            LimitClass::AccountWrites => {
                return Err(AppError::internal("account limits are keyed by account"));
            }
        };
        let Some(limiter) = limiter else {
            return Ok(());
        };
        self.sweep_now_and_then();
        refusal(limiter, limiter.check_key(&ClientKey::of(client)))
    }

    /// Counts one authenticated write by `account`; refuses it past its rate.
    pub fn check_account(&self, account: UserId) -> Result<(), AppError> {
        let Some(limiter) = &self.per_account else {
            return Ok(());
        };
        self.sweep_now_and_then();
        refusal(limiter, limiter.check_key(&account))
    }

    /// Forgets keys whose buckets are full again, so that memory follows the active clients.
    fn sweep_now_and_then(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY != SWEEP_EVERY - 1 {
            return;
        }
        for limiter in self.per_client.iter().flatten() {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        if let Some(limiter) = &self.per_account {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

fn refusal<K: std::hash::Hash + Eq + Clone>(
    limiter: &DefaultKeyedRateLimiter<K>,
    outcome: Result<(), governor::NotUntil<<DefaultClock as Clock>::Instant>>,
) -> Result<(), AppError> {
    outcome.map_err(|not_until| {
        let wait = not_until.wait_time_from(limiter.clock().now());
        AppError::RateLimited {
            retry_after_seconds: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn limits(class: LimitClass, rate: &str) -> Limits {
        let mut rates = [None; 4];
        rates[class.index()] = Some(Rate::parse(rate).unwrap());
        Limits::new(&LimitSettings { rates: Some(rates) })
    }

    #[test]
    fn rates_are_read_and_written_alike() {
        assert_eq!(
            Rate::parse("30/minute").unwrap(),
            Rate::new(30, Period::Minute)
        );
        assert_eq!(Rate::parse(" 5 / h ").unwrap().to_string(), "5/hour");
        for bad in ["", "30", "0/minute", "-1/hour", "30/day", "many/minute"] {
            assert!(Rate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_client_gets_its_burst_then_waits() {
        let limits = limits(LimitClass::SignIn, "3/hour");
        let ana: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            limits.check_client(LimitClass::SignIn, Some(ana)).unwrap();
        }
        match limits.check_client(LimitClass::SignIn, Some(ana)) {
            Err(AppError::RateLimited {
                retry_after_seconds,
            }) => assert!((1_100..=1_200).contains(&retry_after_seconds)),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Another client, and another class for the same client, are counted apart.
        limits
            .check_client(LimitClass::SignIn, Some("192.0.2.2".parse().unwrap()))
            .unwrap();
        limits.check_client(LimitClass::Mail, Some(ana)).unwrap();
    }

    #[test]
    fn an_ipv6_subscriber_is_one_client_across_its_slash_64() {
        let limits = limits(LimitClass::Mail, "2/hour");
        for address in ["2001:db8:1:2::1", "2001:db8:1:2::ffff"] {
            limits
                .check_client(LimitClass::Mail, Some(address.parse().unwrap()))
                .unwrap();
        }
        assert!(
            limits
                .check_client(
                    LimitClass::Mail,
                    Some("2001:db8:1:2:abcd::9".parse().unwrap())
                )
                .is_err()
        );
        limits
            .check_client(LimitClass::Mail, Some("2001:db8:1:3::1".parse().unwrap()))
            .unwrap();
    }

    #[test]
    fn off_means_off() {
        let limits = Limits::new(&LimitSettings::off());
        for _ in 0..1_000 {
            limits.check_client(LimitClass::SignUp, None).unwrap();
            limits.check_account(UserId::from(Uuid::nil())).unwrap();
        }
    }

    #[test]
    fn accounts_are_limited_one_by_one() {
        let limits = limits(LimitClass::AccountWrites, "2/minute");
        let (ana, bea) = (
            UserId::from_uuid(Uuid::from_u128(1)),
            UserId::from_uuid(Uuid::from_u128(2)),
        );
        limits.check_account(ana).unwrap();
        limits.check_account(ana).unwrap();
        assert!(limits.check_account(ana).is_err());
        limits.check_account(bea).unwrap();
    }
}
