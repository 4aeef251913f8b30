//! Brute-force protection for sign-in (security research §3, ASVS 2.2.1).
//!
//! Failures are counted per email address as typed, whether or not it has an account, so the
//! throttle itself reveals nothing about which addresses exist. After
//! [`FAILURES_PER_WINDOW`] failures within [`WINDOW_SECONDS`] further attempts are refused until
//! the window ends (Decidim: 5 per minute); after [`FAILURES_BEFORE_LOCK`] failures without a
//! success the address is locked for [`LOCK_SECONDS`] (Decidim: 20, one hour). A successful
//! sign-in clears the count.

use crate::calendar::Timestamp;
use crate::error::DomainError;

/// Failures allowed within one window.
pub const FAILURES_PER_WINDOW: u32 = 5;
/// The length of the window.
pub const WINDOW_SECONDS: i64 = 60;
/// Failures in a row (across windows) that lock the address.
pub const FAILURES_BEFORE_LOCK: u32 = 20;
/// How long a lock lasts.
pub const LOCK_SECONDS: i64 = 60 * 60;

/// Where an address's sign-in attempts stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoginThrottle {
    pub window_started_at: Option<Timestamp>,
    pub failures_in_window: u32,
    pub failures_in_a_row: u32,
    pub locked_until: Option<Timestamp>,
}

impl LoginThrottle {
    /// Refuses an attempt at `now` while the address is throttled or locked.
    pub fn check(&self, now: Timestamp) -> Result<(), DomainError> {
        let wait_until = match (self.locked_until, self.window_started_at) {
            (Some(until), _) if until > now => Some(until),
            (_, Some(start))
                if self.failures_in_window >= FAILURES_PER_WINDOW
                    && now < start.plus_seconds(WINDOW_SECONDS) =>
            {
                Some(start.plus_seconds(WINDOW_SECONDS))
            }
            _ => None,
        };
        match wait_until {
            Some(until) => Err(DomainError::TooManyAttempts {
                retry_after_seconds: u64::try_from(until.seconds() - now.seconds())
                    .unwrap_or(1)
                    .max(1),
            }),
            None => Ok(()),
        }
    }

    /// The state after one more failure at `now`.
    pub fn after_failure(&self, now: Timestamp) -> LoginThrottle {
        let window_open = self
            .window_started_at
            .is_some_and(|start| now < start.plus_seconds(WINDOW_SECONDS));
        let (window_started_at, failures_in_window) = if window_open {
            (self.window_started_at, self.failures_in_window + 1)
        } else {
            (Some(now), 1)
        };
        let failures_in_a_row = self.failures_in_a_row.saturating_add(1);
        let locked_until = if failures_in_a_row >= FAILURES_BEFORE_LOCK {
            Some(now.plus_seconds(LOCK_SECONDS))
        } else {
            self.locked_until
        };
        LoginThrottle {
            window_started_at,
            failures_in_window,
            failures_in_a_row: if failures_in_a_row >= FAILURES_BEFORE_LOCK {
                0
            } else {
                failures_in_a_row
            },
            locked_until,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(failures: u32, at: Timestamp) -> LoginThrottle {
        (0..failures).fold(LoginThrottle::default(), |state, _| state.after_failure(at))
    }

    #[test]
    fn five_failures_in_a_minute_throttle_until_the_minute_ends() {
        let start = Timestamp(1_000);
        assert_eq!(after(4, start).check(start), Ok(()));
        let throttled = after(5, start);
        assert_eq!(
            throttled.check(start.plus_seconds(10)),
            Err(DomainError::TooManyAttempts {
                retry_after_seconds: 50
            })
        );
        assert_eq!(throttled.check(start.plus_seconds(60)), Ok(()));
    }

    #[test]
    fn a_new_window_starts_after_the_old_one_ends() {
        let start = Timestamp(1_000);
        let state = after(4, start).after_failure(start.plus_seconds(61));
        assert_eq!((state.failures_in_window, state.failures_in_a_row), (1, 5));
        assert_eq!(state.check(start.plus_seconds(61)), Ok(()));
    }

    #[test]
    fn twenty_failures_in_a_row_lock_for_an_hour() {
        let mut state = LoginThrottle::default();
        let mut now = Timestamp(0);
        for _ in 0..FAILURES_BEFORE_LOCK {
            assert_eq!(
                state.check(now),
                Ok(()),
                "slow failures are never throttled before the lock"
            );
            state = state.after_failure(now);
            now = now.plus_seconds(WINDOW_SECONDS / 4);
        }
        let locked_at = now.plus_seconds(-(WINDOW_SECONDS / 4));
        assert!(matches!(
            state.check(now),
            Err(DomainError::TooManyAttempts { .. })
        ));
        assert_eq!(state.check(locked_at.plus_seconds(LOCK_SECONDS)), Ok(()));
    }
}

/// Security mails (confirmation, "you already have an account", password reset) an address
/// receives per [`MAIL_WINDOW_SECONDS`], at most: beyond that, requests still get the same answer
/// but nothing is sent, so nobody can flood a resident's mailbox through Plaza.
pub const MAILS_PER_WINDOW: u32 = 5;
/// The window of [`MAILS_PER_WINDOW`].
pub const MAIL_WINDOW_SECONDS: i64 = 60 * 60;

/// How many security mails an address was sent in the current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MailQuota {
    pub window_started_at: Option<Timestamp>,
    pub sent_in_window: u32,
}

impl MailQuota {
    /// Whether one more mail may go out at `now`, and the quota after sending it (unchanged when
    /// it may not).
    pub fn send_one(&self, now: Timestamp) -> (bool, MailQuota) {
        let window_open = self
            .window_started_at
            .is_some_and(|start| now < start.plus_seconds(MAIL_WINDOW_SECONDS));
        let current = if window_open {
            *self
        } else {
            MailQuota {
                window_started_at: Some(now),
                sent_in_window: 0,
            }
        };
        if current.sent_in_window >= MAILS_PER_WINDOW {
            (false, current)
        } else {
            (
                true,
                MailQuota {
                    sent_in_window: current.sent_in_window + 1,
                    ..current
                },
            )
        }
    }
}

#[cfg(test)]
mod mail_quota_tests {
    use super::*;

    #[test]
    fn five_mails_an_hour_reach_an_address() {
        let start = Timestamp(0);
        let mut quota = MailQuota::default();
        for _ in 0..MAILS_PER_WINDOW {
            let (allowed, next) = quota.send_one(start);
            assert!(allowed);
            quota = next;
        }
        assert!(!quota.send_one(start.plus_seconds(10)).0);
        assert!(
            quota.send_one(start.plus_seconds(MAIL_WINDOW_SECONDS)).0,
            "a new window starts after an hour"
        );
    }
}
