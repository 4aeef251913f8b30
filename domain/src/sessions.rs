//! Login sessions and refresh-token rotation (DESIGN §3, ASVS V3).
//!
//! A login opens a session (a "family" of refresh tokens). Each refresh spends the presented
//! token and issues the next one. Presenting a spent token again means it was stolen or replayed:
//! the whole family is revoked and the holder must sign in again — except within
//! [`REFRESH_RETRY_GRACE_SECONDS`] of the spending, while its successor is unused: a mobile client
//! whose answer was lost on a flaky network retries within seconds, and gets the same successor
//! again instead of being signed out (the successor is derived from the spent token with a server
//! key, so nothing secret is stored to replay it). The price: a thief who replays a stolen token
//! within those seconds is not detected. A session also ends after
//! [`IDLE_TIMEOUT_SECONDS`] without a refresh and [`ABSOLUTE_TIMEOUT_SECONDS`] after login
//! (ASVS 3.3.2 level 2). Access tokens live [`ACCESS_TOKEN_SECONDS`]; they carry the session id,
//! and the API rejects them as soon as their session is revoked.

use crate::calendar::Timestamp;
use crate::error::DomainError;

/// Why a session ended before its time (kept with the session, for the account's history and
/// for support).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeReason {
    /// The holder signed out.
    Logout,
    /// A spent refresh token was presented again: the family is revoked.
    RefreshTokenReused,
    /// The holder changed the password: the other sessions end.
    PasswordChanged,
    /// A mailed reset link set a new password: every session ends.
    PasswordReset,
    /// An operator set the password at the command line.
    PasswordSetByOperator,
    /// The holder deleted the account.
    AccountDeleted,
    /// A moderator blocked the account.
    AccountBlocked,
}

impl RevokeReason {
    /// The name stored with the session.
    pub fn as_str(self) -> &'static str {
        match self {
            RevokeReason::Logout => "logout",
            RevokeReason::RefreshTokenReused => "refresh_token_reused",
            RevokeReason::PasswordChanged => "password_changed",
            RevokeReason::PasswordReset => "password_reset",
            RevokeReason::PasswordSetByOperator => "password_set_by_operator",
            RevokeReason::AccountDeleted => "account_deleted",
            RevokeReason::AccountBlocked => "account_blocked",
        }
    }
}

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
/// How long after a refresh token is spent a retry with it gets the same successor.
pub const REFRESH_RETRY_GRACE_SECONDS: i64 = 10;

/// Where a presented refresh token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    /// Never presented before.
    Unspent,
    /// Spent at `at`; `successor_unspent` when the token it was exchanged for is still unused.
    Spent {
        at: Timestamp,
        successor_unspent: bool,
    },
}

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
    /// A retry within the grace period: answer with the successor already issued.
    ReplaySuccessor,
    /// The token was already spent: revoke the whole session, refuse.
    RevokeFamily,
}

/// Decides a refresh with a token in `token` state, of session `session`.
pub fn decide_refresh(
    session: SessionState,
    token: TokenState,
    now: Timestamp,
) -> Result<RefreshDecision, DomainError> {
    if session.revoked {
        return Err(DomainError::SessionEnded);
    }
    match token {
        TokenState::Spent {
            at,
            successor_unspent: true,
        } if now.seconds() - at.seconds() <= REFRESH_RETRY_GRACE_SECONDS => {
            Ok(RefreshDecision::ReplaySuccessor)
        }
        TokenState::Spent { .. } => Ok(RefreshDecision::RevokeFamily),
        TokenState::Unspent if !session.is_live(now) => Err(DomainError::SessionEnded),
        TokenState::Unspent => Ok(RefreshDecision::Rotate),
    }
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

    fn spent(at: i64, successor_unspent: bool) -> TokenState {
        TokenState::Spent {
            at: Timestamp(at),
            successor_unspent,
        }
    }

    #[test]
    fn a_fresh_token_rotates() {
        assert_eq!(
            decide_refresh(session(0, 100, false), TokenState::Unspent, Timestamp(200)),
            Ok(RefreshDecision::Rotate)
        );
    }

    #[test]
    fn a_spent_token_revokes_its_family() {
        let live = session(0, 100, false);
        let after_grace = 200 + REFRESH_RETRY_GRACE_SECONDS + 1;
        assert_eq!(
            decide_refresh(live, spent(200, true), Timestamp(after_grace)),
            Ok(RefreshDecision::RevokeFamily)
        );
        // Within the grace period too, once its successor was used: the family moved on.
        assert_eq!(
            decide_refresh(live, spent(200, false), Timestamp(201)),
            Ok(RefreshDecision::RevokeFamily)
        );
    }

    #[test]
    fn a_retry_within_seconds_gets_the_same_successor() {
        let live = session(0, 200, false);
        for now in [200, 205, 200 + REFRESH_RETRY_GRACE_SECONDS] {
            assert_eq!(
                decide_refresh(live, spent(200, true), Timestamp(now)),
                Ok(RefreshDecision::ReplaySuccessor)
            );
        }
    }

    #[test]
    fn a_revoked_session_cannot_refresh() {
        assert_eq!(
            decide_refresh(session(0, 100, true), TokenState::Unspent, Timestamp(200)),
            Err(DomainError::SessionEnded)
        );
        assert_eq!(
            decide_refresh(session(0, 100, true), spent(199, true), Timestamp(200)),
            Err(DomainError::SessionEnded)
        );
    }

    #[test]
    fn idle_and_old_sessions_end() {
        let idle = Timestamp(100 + IDLE_TIMEOUT_SECONDS);
        assert_eq!(
            decide_refresh(session(0, 100, false), TokenState::Unspent, idle),
            Err(DomainError::SessionEnded)
        );
        let old = session(0, ABSOLUTE_TIMEOUT_SECONDS - 10, false);
        assert_eq!(
            decide_refresh(
                old,
                TokenState::Unspent,
                Timestamp(ABSOLUTE_TIMEOUT_SECONDS)
            ),
            Err(DomainError::SessionEnded)
        );
    }
}
