//! Exact decimal numbers as Pabulib files write them: budgets, costs, points and thresholds.
//!
//! A `.pb` file writes money as `24186815`, `10000.0` or (tolerated by pabutools) `10000,0`, and
//! points may be decimals. Reading them through a binary float would turn `0.1` into
//! `0.1000000000000000055…` and could flip an exact tie, so they are kept as an integer count of
//! `10^-scale` units. The scale written in the file is kept too (`10000.0` stays `10000.0` when
//! written back), which is what makes write → parse an identity.

use serde::{Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;
use thiserror::Error;

/// An exact decimal number: `units × 10^-scale`.
///
/// Equality is structural (`10000.0` and `10000` are different values of this type, because a file
/// that writes one must be written back the same way); compare amounts with
/// [`Decimal::cmp_value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    units: i128,
    scale: u32,
}

/// Why a text is not a decimal number this crate accepts.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecimalError {
    #[error("`{0}` is not a number (expected digits with an optional `.` or `,` decimal part)")]
    NotANumber(String),
    #[error("`{0}` has more than {max} decimal places", max = Decimal::MAX_SCALE)]
    TooManyDecimals(String),
    #[error("`{0}` has more than {max} digits", max = Decimal::MAX_DIGITS)]
    TooManyDigits(String),
}

impl Decimal {
    /// At most this many digits after the decimal separator.
    pub const MAX_SCALE: u32 = 12;
    /// At most this many significant digits. Brought to a common scale (at most
    /// [`Decimal::MAX_SCALE`] places), a value has at most 24 + 12 = 36 digits, below the 38 of
    /// `i128::MAX` (about 1.7 × 10³⁸): any two values compare exactly, and sums of up to about a
    /// hundred such values fit. There is no room for more (such as multiplying by a voter count),
    /// so code that needs it uses checked arithmetic ([`Decimal::checked_add`],
    /// [`Decimal::checked_mul_int`]) or big integers.
    pub const MAX_DIGITS: u32 = 24;

    /// Zero, with no decimal places.
    pub const ZERO: Decimal = Decimal { units: 0, scale: 0 };

    /// A whole number.
    pub fn from_integer(value: i64) -> Decimal {
        Decimal {
            units: i128::from(value),
            scale: 0,
        }
    }

    /// `units × 10^-scale`; `None` when the scale or the number of digits is beyond the limits.
    pub fn from_units(units: i128, scale: u32) -> Option<Decimal> {
        let digits = units.unsigned_abs().checked_ilog10().map_or(1, |d| d + 1);
        (scale <= Self::MAX_SCALE && digits <= Self::MAX_DIGITS).then_some(Decimal { units, scale })
    }

    /// Parses `123`, `-4`, `10000.0`, `0,5` (a `,` is read as the decimal separator, as pabutools
    /// does), `.5` and `5.`. Surrounding whitespace is ignored; exponents are refused.
    pub fn parse(text: &str) -> Result<Decimal, DecimalError> {
        let trimmed = text.trim();
        let not_a_number = || DecimalError::NotANumber(trimmed.to_string());
        let (negative, body) = match trimmed.as_bytes().first() {
            Some(b'-') => (true, &trimmed[1..]),
            Some(b'+') => (false, &trimmed[1..]),
            _ => (false, trimmed),
        };
        let (whole, fraction) = match body.find(['.', ',']) {
            Some(at) => (&body[..at], &body[at + 1..]),
            None => (body, ""),
        };
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty()) || !all_digits(whole) || !all_digits(fraction)
        {
            return Err(not_a_number());
        }
        let scale = u32::try_from(fraction.len()).map_err(|_| not_a_number())?;
        if scale > Self::MAX_SCALE {
            return Err(DecimalError::TooManyDecimals(trimmed.to_string()));
        }
        let significant = whole.trim_start_matches('0').len() + fraction.len();
        if significant > Self::MAX_DIGITS as usize {
            return Err(DecimalError::TooManyDigits(trimmed.to_string()));
        }
        let mut units: i128 = 0;
        for digit in whole.bytes().chain(fraction.bytes()) {
            // Cannot overflow: at most MAX_DIGITS significant digits.
            units = units * 10 + i128::from(digit - b'0');
        }
        Ok(Decimal {
            units: if negative { -units } else { units },
            scale,
        })
    }

    /// The integer count of `10^-scale` units.
    pub fn units(&self) -> i128 {
        self.units
    }

    /// The number of decimal places as written.
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// Whether the value is 0.
    pub fn is_zero(&self) -> bool {
        self.units == 0
    }

    /// Whether the value is below 0.
    pub fn is_negative(&self) -> bool {
        self.units < 0
    }

    /// Whether the value is above 0.
    pub fn is_positive(&self) -> bool {
        self.units > 0
    }

    /// The value as a count of `10^-scale` units for a `scale` at least [`Decimal::scale`].
    pub fn units_at_scale(&self, scale: u32) -> Option<i128> {
        let shift = scale.checked_sub(self.scale)?;
        10i128
            .checked_pow(shift)
            .and_then(|f| self.units.checked_mul(f))
    }

    /// Compares the values (`10000.0` equals `10000`).
    pub fn cmp_value(&self, other: &Decimal) -> Ordering {
        let scale = self.scale.max(other.scale);
        match (self.units_at_scale(scale), other.units_at_scale(scale)) {
            (Some(a), Some(b)) => a.cmp(&b),
            // Unreachable within the digit limits; compare through floats rather than panic.
            _ => self.to_f64().total_cmp(&other.to_f64()),
        }
    }

    /// The exact sum, at the larger of the two scales; `None` beyond the limits.
    pub fn checked_add(&self, other: &Decimal) -> Option<Decimal> {
        let scale = self.scale.max(other.scale);
        let units = self
            .units_at_scale(scale)?
            .checked_add(other.units_at_scale(scale)?)?;
        Decimal::from_units(units, scale)
    }

    /// `self × factor`, exact; `None` beyond the limits.
    pub fn checked_mul_int(&self, factor: i128) -> Option<Decimal> {
        Decimal::from_units(self.units.checked_mul(factor)?, self.scale)
    }

    /// The nearest binary float, for display and ratios only: never for a decision.
    pub fn to_f64(&self) -> f64 {
        self.units as f64 / 10f64.powi(self.scale as i32)
    }

    /// Whether the value is a whole number (`10000.0` is).
    pub fn is_integer(&self) -> bool {
        self.units % 10i128.pow(self.scale) == 0
    }
}

impl fmt::Display for Decimal {
    /// Writes the value with its own scale and a `.` separator: `10000.0`, `-0.25`, `7`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.units < 0 { "-" } else { "" };
        let digits = self.units.unsigned_abs().to_string();
        if self.scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let scale = self.scale as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

impl Serialize for Decimal {
    /// Serialized as a JSON string (`"10000.0"`), so no reader turns it into a float.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl std::str::FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(text: &str) -> Result<Decimal, DecimalError> {
        Decimal::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_found_in_real_files() {
        assert_eq!(
            Decimal::parse("24186815").unwrap(),
            Decimal::from_integer(24_186_815)
        );
        let d = Decimal::parse("10000.0").unwrap();
        assert_eq!((d.units(), d.scale()), (100_000, 1));
        assert_eq!(Decimal::parse("10000,0").unwrap(), d);
        assert_eq!(Decimal::parse(" 0.5 ").unwrap().to_string(), "0.5");
        assert_eq!(Decimal::parse("-2").unwrap().to_string(), "-2");
        assert_eq!(Decimal::parse(".25").unwrap().to_string(), "0.25");
        assert_eq!(Decimal::parse("5.").unwrap().to_string(), "5");
    }

    #[test]
    fn refuses_what_is_not_a_plain_decimal() {
        for bad in [
            "", "-", "1e5", "abc", "1.2.3", "1,000.5", "0x10", "None", ".",
        ] {
            assert!(Decimal::parse(bad).is_err(), "{bad} should be refused");
        }
        assert!(matches!(
            Decimal::parse("0.1234567890123"),
            Err(DecimalError::TooManyDecimals(_))
        ));
        assert!(matches!(
            Decimal::parse("1234567890123456789012345"),
            Err(DecimalError::TooManyDigits(_))
        ));
    }

    #[test]
    fn display_keeps_the_written_scale() {
        for text in ["10000.0", "0.05", "-0.5", "12", "0", "3.140"] {
            assert_eq!(Decimal::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn values_compare_across_scales() {
        let a = Decimal::parse("10000.0").unwrap();
        let b = Decimal::parse("10000").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.cmp_value(&b), Ordering::Equal);
        assert_eq!(
            Decimal::parse("0.3")
                .unwrap()
                .cmp_value(&Decimal::parse("0.25").unwrap()),
            Ordering::Greater
        );
        assert!(a.is_integer());
        assert!(!Decimal::parse("0.5").unwrap().is_integer());
        assert_eq!(
            a.checked_add(&Decimal::parse("0.25").unwrap())
                .unwrap()
                .to_string(),
            "10000.25"
        );
    }
}
