//! The one place that reads the wall clock.
//!
//! Rules take `now` as a parameter; handlers get it from the [`Clock`] in the application state.
//! Tests use a [`ManualClock`] to expire tokens or close phases without sleeping.

use plaza_domain::Timestamp;
use std::sync::Mutex;
use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> OffsetDateTime;

    /// The current time as the domain sees it.
    fn timestamp(&self) -> Timestamp {
        to_timestamp(self.now())
    }
}

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        #[expect(
            clippy::disallowed_methods,
            reason = "the single place that reads the wall clock"
        )]
        let now = OffsetDateTime::now_utc();
        storable(now)
    }
}

/// A clock that stands still until moved, for tests.
#[derive(Debug)]
pub struct ManualClock(Mutex<OffsetDateTime>);

impl ManualClock {
    pub fn new(start: OffsetDateTime) -> ManualClock {
        ManualClock(Mutex::new(start))
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: time::Duration) {
        let mut now = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *now += by;
    }

    pub fn set(&self, to: OffsetDateTime) {
        *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        storable(
            *self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

/// An instant as Plaza stores it: in UTC, to the whole second. SQLite keeps timestamps as text
/// and compares them as text, which only orders them correctly when every value has the same
/// shape (`2026-11-26 10:00:00+00:00`, never a fraction of a second or another offset).
pub fn storable(at: OffsetDateTime) -> OffsetDateTime {
    let utc = at.to_offset(time::UtcOffset::UTC);
    utc.replace_nanosecond(0).unwrap_or(utc)
}

/// Converts to the domain's instant (whole seconds).
pub fn to_timestamp(at: OffsetDateTime) -> Timestamp {
    Timestamp(at.unix_timestamp())
}

/// Converts from the domain's instant.
pub fn from_timestamp(at: Timestamp) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(at.seconds()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Converts a domain date to a `time` date.
pub fn to_time_date(date: plaza_domain::Date) -> Option<time::Date> {
    time::Month::try_from(date.month())
        .ok()
        .and_then(|month| time::Date::from_calendar_date(date.year(), month, date.day()).ok())
}

/// Converts a `time` date to a domain date.
pub fn from_time_date(date: time::Date) -> plaza_domain::Date {
    plaza_domain::Date::new(date.year(), u8::from(date.month()), date.day())
        .unwrap_or_else(|| plaza_domain::Date::from_days_since_epoch(0))
}
