//! Money as integer cents.
//!
//! Budgets, project costs and ballot totals are always whole cents in an `i64`: no floating point
//! ever touches money, so a sum can never drift and a comparison can never flip.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in cents (the minor unit of the organization's currency).
///
/// Negative amounts are representable so that differences can be computed, but costs and budget
/// totals are validated to be positive where they are parsed. There is no `+`, `-` or `sum`:
/// arithmetic on money is [`Cents::checked_add`] and [`Cents::checked_sub`], which refuse to
/// overflow, or is done in `i128` (a sum of `i64` amounts cannot overflow it), so that hostile
/// amounts are refused rather than wrapped in release builds or panicking in debug ones.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    /// Adds two amounts, `None` on overflow (an `i64` of cents is ±92 quadrillion euros, so
    /// overflow only happens with hostile input, which must be refused rather than wrapped).
    pub fn checked_add(self, other: Cents) -> Option<Cents> {
        self.0.checked_add(other.0).map(Cents)
    }

    pub fn checked_sub(self, other: Cents) -> Option<Cents> {
        self.0.checked_sub(other.0).map(Cents)
    }

    /// Whether `self` is at least `percent`% of `of`, computed in integers (no rounding).
    pub fn is_at_least_percent_of(self, percent: u8, of: Cents) -> bool {
        i128::from(self.0) * 100 >= i128::from(of.0) * i128::from(percent)
    }
}

impl fmt::Display for Cents {
    /// `1234567` cents display as `12345.67`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_is_exact_at_the_boundary() {
        assert!(Cents(70).is_at_least_percent_of(70, Cents(100)));
        assert!(!Cents(69).is_at_least_percent_of(70, Cents(100)));
        assert!(Cents(7).is_at_least_percent_of(70, Cents(10)));
    }

    #[test]
    fn overflow_is_refused_not_wrapped() {
        assert_eq!(Cents(i64::MAX).checked_add(Cents(1)), None);
        assert_eq!(Cents(i64::MIN).checked_sub(Cents(1)), None);
        assert_eq!(Cents(250).checked_add(Cents(-50)), Some(Cents(200)));
    }

    #[test]
    fn display_has_two_decimals() {
        assert_eq!(Cents(1_234_567).to_string(), "12345.67");
        assert_eq!(Cents(-5).to_string(), "-0.05");
    }
}
