//! Login sessions and refresh-token rotation (DESIGN §3, ASVS V3).
//!
//! A login opens a session (a "family" of refresh tokens). Each refresh spends the presented
//! token and issues the next one. Presenting a spent token again means it was stolen or replayed:
//! the whole family is revoked and the holder must sign in again. A session also ends after
//! [`IDLE_TIMEOUT_SECONDS`] without a refresh and [`ABSOLUTE_TIMEOUT_SECONDS`] after login
//! (ASVS 3.3.2 level 2). Access tokens live [`ACCESS_TOKEN_SECONDS`]; they carry the session id,
//! and the API rejects them as soon as their session is revoked.

use crate::calendar::Timestamp;
use crate::error::DomainError;

/// Lifetime of an access token.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
/// A session unused for this long ends.
pub const IDLE_TIMEOUT_SECONDS: i64 = 30 * 60;
/// No session outlives this, however active.
pub const ABSOLUTE_TIMEOUT_SECONDS: i64 = 12 * 60 * 60;
/// Lifetime of an email-confirmation link.
pub const CONFIRMATION_TOKEN_SECONDS: i64 = 7 * 24 * 60 * 60;
/// Lifetime of a password-reset link (Decidim: 6 hours).
pub const PASSWORD_RESET_TOKEN_SECONDS: i64 = 6 * 60 * 60;

/// What the database knows of a session when a refresh token of it is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState {
    pub created_at: Timestamp,
    pub last_used_at: Timestamp,
    pub revoked: bool,
}

impl SessionState {
    /// Whether the session still admits access tokens and refreshes at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        !self.revoked
            && now.seconds() - self.last_used_at.seconds() < IDLE_TIMEOUT_SECONDS
            && now.seconds() - self.created_at.seconds() < ABSOLUTE_TIMEOUT_SECONDS
    }

    /// Whether an access token of this session is still honoured at `now`: the session is not
    /// revoked and younger than the absolute limit. (Idleness ends a session at its next refresh;
    /// an access token already issued lives out its short life.)
    pub fn is_live_ignoring_idle(&self, now: Timestamp) -> bool {
        !self.revoked && now.seconds() - self.created_at.seconds() < ABSOLUTE_TIMEOUT_SECONDS
    }
}

/// What a refresh must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshDecision {
    /// Spend the token, issue the next one in the same session.
    Rotate,
    /// The token was already spent: revoke the whole session, refuse.
    RevokeFamily,
}

/// Decides a refresh with a token that is `already_spent` or not, of session `session`.
pub fn decide_refresh(
    session: SessionState,
    already_spent: bool,
    now: Timestamp,
) -> Result<RefreshDecision, DomainError> {
    if session.revoked {
        return Err(DomainError::SessionEnded);
    }
    if already_spent {
        return Ok(RefreshDecision::RevokeFamily);
    }
    if !session.is_live(now) {
        return Err(DomainError::SessionEnded);
    }
    Ok(RefreshDecision::Rotate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(created: i64, last_used: i64, revoked: bool) -> SessionState {
        SessionState {
            created_at: Timestamp(created),
            last_used_at: Timestamp(last_used),
            revoked,
        }
    }

    #[test]
    fn a_fresh_token_rotates() {
        assert_eq!(
            decide_refresh(session(0, 100, false), false, Timestamp(200)),
            Ok(RefreshDecision::Rotate)
        );
    }

    #[test]
    fn a_spent_token_revokes_its_family() {
        assert_eq!(
            decide_refresh(session(0, 100, false), true, Timestamp(200)),
            Ok(RefreshDecision::RevokeFamily)
        );
    }

    #[test]
    fn a_revoked_session_cannot_refresh() {
        assert_eq!(
            decide_refresh(session(0, 100, true), false, Timestamp(200)),
            Err(DomainError::SessionEnded)
        );
        assert_eq!(
            decide_refresh(session(0, 100, true), true, Timestamp(200)),
            Err(DomainError::SessionEnded)
        );
    }

    #[test]
    fn idle_and_old_sessions_end() {
        let idle = Timestamp(100 + IDLE_TIMEOUT_SECONDS);
        assert_eq!(
            decide_refresh(session(0, 100, false), false, idle),
            Err(DomainError::SessionEnded)
        );
        let old = session(0, ABSOLUTE_TIMEOUT_SECONDS - 10, false);
        assert_eq!(
            decide_refresh(old, false, Timestamp(ABSOLUTE_TIMEOUT_SECONDS)),
            Err(DomainError::SessionEnded)
        );
    }
}
