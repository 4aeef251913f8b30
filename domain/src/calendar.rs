//! Instants and civil dates, without a clock.
//!
//! Rules never read the time: the API reads the wall clock in one place and passes `now` in as a
//! [`Timestamp`]. Birth dates and census dates are [`Date`]s (a day in the proleptic Gregorian
//! calendar, no time zone), which is all an age check needs. Both are tiny value types so the
//! domain stays free of date libraries; the API converts them to and from `time` types at its edge.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An instant, as whole seconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn seconds(self) -> i64 {
        self.0
    }

    pub fn plus_seconds(self, seconds: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(seconds))
    }

    /// The UTC calendar day this instant falls on.
    pub fn date(self) -> Date {
        Date::from_days_since_epoch(self.0.div_euclid(86_400))
    }
}

/// A calendar day (proleptic Gregorian), e.g. a birth date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: i32,
    month: u8,
    day: u8,
}

impl Date {
    /// A valid date, or `None` (month 13, February 30th, ...).
    pub fn new(year: i32, month: u8, day: u8) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD` (ISO 8601, the only format the API accepts).
    pub fn parse_iso(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = &text[range];
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let year = i32::try_from(digits(0..4)?).ok()?;
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        Date::new(year, month, day)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// Whole years between `self` (a birth date) and `on`. Someone born on 29 February becomes a
    /// year older on 1 March in common years, as in Spanish and Catalan civil law.
    pub fn age_on(self, on: Date) -> i32 {
        let mut age = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            age -= 1;
        }
        age
    }

    /// Days since 1970-01-01 (negative before), by Howard Hinnant's `days_from_civil`.
    pub fn days_since_epoch(self) -> i64 {
        let year = i64::from(self.year) - i64::from(self.month <= 2);
        let era = year.div_euclid(400);
        let year_of_era = year - era * 400;
        let month = i64::from(self.month);
        let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The inverse of [`Date::days_since_epoch`] (Hinnant's `civil_from_days`).
    pub fn from_days_since_epoch(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u8;
        let month = (if mp < 10 { mp + 3 } else { mp - 9 }) as u8;
        let year = (year_of_era + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse_iso(text).unwrap()
    }

    #[test]
    fn parses_only_real_iso_dates() {
        assert_eq!(date("2008-02-29").to_string(), "2008-02-29");
        assert!(Date::parse_iso("2007-02-29").is_none());
        assert!(Date::parse_iso("2007-13-01").is_none());
        assert!(Date::parse_iso("07-01-2007").is_none());
        assert!(Date::parse_iso("2007-1-01").is_none());
        assert!(Date::parse_iso("+007-01-01").is_none());
    }

    #[test]
    fn age_turns_on_the_birthday() {
        let born = date("2010-06-15");
        assert_eq!(born.age_on(date("2026-06-14")), 15);
        assert_eq!(born.age_on(date("2026-06-15")), 16);
    }

    #[test]
    fn leap_day_births_age_on_first_of_march() {
        let born = date("2008-02-29");
        assert_eq!(born.age_on(date("2024-02-28")), 15);
        assert_eq!(born.age_on(date("2024-02-29")), 16);
        assert_eq!(born.age_on(date("2025-02-28")), 16);
        assert_eq!(born.age_on(date("2026-02-28")), 17);
        assert_eq!(born.age_on(date("2026-03-01")), 18);
    }

    #[test]
    fn days_round_trip() {
        for days in [-800_000, -1, 0, 1, 19_000, 20_000, 2_932_896] {
            assert_eq!(Date::from_days_since_epoch(days).days_since_epoch(), days);
        }
        assert_eq!(date("1970-01-01").days_since_epoch(), 0);
        assert_eq!(Timestamp(1_767_225_600).date(), date("2026-01-01"));
        assert_eq!(Timestamp(-1).date(), date("1969-12-31"));
    }
}
