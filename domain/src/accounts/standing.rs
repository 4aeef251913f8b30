//! An account's standing (confirmed, blocked, deleted) and what it lets the account do: sign in,
//! keep a session going, receive a registration's mail, and what deleting it leaves behind.
//!
//! These are the decisions the sign-in, refresh, registration and deletion use cases take; the
//! API loads the account, asks here, and persists the answer.

use super::NotificationMail;
use crate::error::DomainError;
use crate::ids::UserId;

/// What the rules need to know about an account's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub confirmed: bool,
    pub blocked: bool,
    pub deleted: bool,
}

/// Whether an account whose password was just verified may open a session. A deleted account
/// is no account (the same answer as a wrong password, so that nobody learns it existed); a
/// blocked one is told so; an unconfirmed one must use its confirmation link first.
pub fn may_sign_in(standing: Standing) -> Result<(), DomainError> {
    if standing.deleted {
        Err(DomainError::InvalidCredentials)
    } else if standing.blocked {
        Err(DomainError::AccountBlocked)
    } else if !standing.confirmed {
        Err(DomainError::EmailNotConfirmed)
    } else {
        Ok(())
    }
}

/// Whether a session of the account may be renewed: not once the account is blocked or
/// deleted (its sessions were revoked then; this holds even for a token issued in between).
pub fn may_renew_session(standing: Standing) -> Result<(), DomainError> {
    if standing.deleted || standing.blocked {
        Err(DomainError::SessionEnded)
    } else {
        Ok(())
    }
}

/// What a registration does with the address it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationPath {
    /// Nobody has the address: create an unconfirmed account and mail it a confirmation link.
    CreateAccount,
    /// An unconfirmed account has it: mail a fresh confirmation link carrying this
    /// registration's details (whoever uses the link sets the password).
    ResendConfirmation,
    /// A confirmed account has it: tell its owner by mail that someone tried, with a reset link.
    TellOwner,
}

/// The path of a registration for an address held by `existing` (a live account), if any. The
/// answer to the request is the same on every path, so that it reveals nothing.
pub fn registration_path(existing: Option<Standing>) -> RegistrationPath {
    match existing {
        None => RegistrationPath::CreateAccount,
        Some(account) if account.confirmed => RegistrationPath::TellOwner,
        Some(_) => RegistrationPath::ResendConfirmation,
    }
}

/// What a deleted account keeps of its personal data (DESIGN §2.1): nothing. The row stays so
/// that content and ballots stay counted without pointing at the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anonymised {
    /// A unique address nobody can receive mail at (the column is unique and required).
    pub email: String,
    pub name: Option<String>,
    pub nickname: Option<String>,
    pub notification_mail: NotificationMail,
}

/// The personal data of the account `id` once deleted; its password is erased too.
pub fn anonymised(id: UserId) -> Anonymised {
    Anonymised {
        email: format!("deleted-{}@deleted.invalid", id.uuid().simple()),
        name: None,
        nickname: None,
        notification_mail: NotificationMail::None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIVE: Standing = Standing {
        confirmed: true,
        blocked: false,
        deleted: false,
    };

    #[test]
    fn a_confirmed_account_in_good_standing_signs_in() {
        assert_eq!(may_sign_in(ACTIVE), Ok(()));
    }

    #[test]
    fn a_deleted_account_signs_in_as_if_it_never_existed() {
        let deleted = Standing {
            deleted: true,
            blocked: true,
            ..ACTIVE
        };
        assert_eq!(may_sign_in(deleted), Err(DomainError::InvalidCredentials));
    }

    #[test]
    fn a_blocked_account_is_told_before_an_unconfirmed_one() {
        let blocked = Standing {
            blocked: true,
            confirmed: false,
            ..ACTIVE
        };
        assert_eq!(may_sign_in(blocked), Err(DomainError::AccountBlocked));
        let unconfirmed = Standing {
            confirmed: false,
            ..ACTIVE
        };
        assert_eq!(
            may_sign_in(unconfirmed),
            Err(DomainError::EmailNotConfirmed)
        );
    }

    #[test]
    fn sessions_of_blocked_or_deleted_accounts_are_not_renewed() {
        assert_eq!(may_renew_session(ACTIVE), Ok(()));
        for standing in [
            Standing {
                blocked: true,
                ..ACTIVE
            },
            Standing {
                deleted: true,
                ..ACTIVE
            },
        ] {
            assert_eq!(may_renew_session(standing), Err(DomainError::SessionEnded));
        }
    }

    #[test]
    fn a_registration_creates_resends_or_tells_the_owner() {
        assert_eq!(registration_path(None), RegistrationPath::CreateAccount);
        let unconfirmed = Standing {
            confirmed: false,
            ..ACTIVE
        };
        assert_eq!(
            registration_path(Some(unconfirmed)),
            RegistrationPath::ResendConfirmation
        );
        assert_eq!(registration_path(Some(ACTIVE)), RegistrationPath::TellOwner);
    }

    #[test]
    fn a_deleted_account_keeps_no_personal_data() {
        let id = UserId::from_uuid(uuid::Uuid::from_u128(0xabc));
        let left = anonymised(id);
        assert_eq!(
            left.email,
            "deleted-00000000000000000000000000000abc@deleted.invalid"
        );
        assert_eq!((left.name, left.nickname), (None, None));
        assert_eq!(left.notification_mail, NotificationMail::None);
    }
}
