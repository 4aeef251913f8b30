//! Accounts: who a person is to Plaza, and what they may do.
//!
//! Parsing functions turn raw form input into types that cannot be wrong ([`Email`],
//! [`PersonName`], [`Nickname`]); [`password`] holds the password policy of DESIGN §2.1;
//! [`Role`] and [`Permission`] decide what a civil servant may do. The API hashes passwords and
//! signs tokens; this module only decides.

pub mod password;
pub mod standing;
pub mod throttle;

use crate::error::{DomainError, FieldCode, FieldError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The longest email address, in characters as sent (spaces at either end count): the limit of
/// a forward path in RFC 5321.
pub const MAX_EMAIL_LENGTH: usize = 254;
/// The longest local part (before the `@`) of an email address (RFC 5321).
pub const MAX_EMAIL_LOCAL_PART_LENGTH: usize = 64;
/// The longest label of an email address's domain (RFC 1035).
pub const MAX_EMAIL_DOMAIN_LABEL_LENGTH: usize = 63;

/// A syntactically valid email address, trimmed and lowercased (Plaza treats addresses as
/// case-insensitive so that `Ana@Example.org` cannot open a second account).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Email(String);

impl Email {
    /// Parses an address for the field `field`. Deliberately simpler than RFC 5322: one `@`, a
    /// local part of printable ASCII without spaces or quotes, and a domain of at least two
    /// dot-separated labels of letters, digits and hyphens. That accepts every address a city's
    /// residents actually use and refuses what mail servers would bounce anyway.
    pub fn parse(field: &str, raw: &str) -> Result<Email, FieldError> {
        let invalid = || {
            FieldError::new(
                field,
                FieldCode::InvalidEmail,
                "Enter a valid email address.",
            )
        };
        // Measured as sent, as a form's `maxlength` and the spec's `maxLength` count.
        if raw.chars().count() > MAX_EMAIL_LENGTH {
            return Err(invalid());
        }
        let address = raw.trim().to_lowercase();
        let (local, domain) = address.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.len() <= MAX_EMAIL_LOCAL_PART_LENGTH
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.bytes().all(|b| {
                b.is_ascii_graphic()
                    && !matches!(
                        b,
                        b'@' | b'"'
                            | b'('
                            | b')'
                            | b','
                            | b':'
                            | b';'
                            | b'<'
                            | b'>'
                            | b'['
                            | b'\\'
                            | b']'
                    )
            });
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.len() <= MAX_EMAIL_DOMAIN_LABEL_LENGTH
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.len() >= 2 && !tld.bytes().all(|b| b.is_ascii_digit()));
        if local_ok && domain_ok {
            Ok(Email(address))
        } else {
            Err(invalid())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or(&self.0, |(local, _)| local)
    }

    /// The first label of the domain (`gmail` for `ana@gmail.com`).
    pub fn domain_first_label(&self) -> &str {
        self.0
            .split_once('@')
            .and_then(|(_, domain)| domain.split('.').next())
            .unwrap_or("")
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest display name, in characters as sent (spaces at either end count).
pub const MAX_NAME_LENGTH: usize = 100;

/// A person's display name: not blank, at most [`MAX_NAME_LENGTH`] characters as sent, kept
/// trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(field: &str, raw: &str) -> Result<PersonName, FieldError> {
        if raw.chars().count() > MAX_NAME_LENGTH {
            return Err(FieldError::new(
                field,
                FieldCode::TooLong,
                format!("Use at most {MAX_NAME_LENGTH} characters."),
            ));
        }
        let name = raw.trim();
        if name.is_empty() {
            return Err(FieldError::new(
                field,
                FieldCode::Required,
                "Enter your name.",
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                field,
                FieldCode::InvalidCharacters,
                "Remove control characters.",
            ));
        }
        Ok(PersonName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The shortest nickname, in characters after trimming.
pub const MIN_NICKNAME_LENGTH: usize = 3;
/// The longest nickname, in characters as sent (spaces at either end count).
pub const MAX_NICKNAME_LENGTH: usize = 20;

/// A public handle: [`MIN_NICKNAME_LENGTH`] to [`MAX_NICKNAME_LENGTH`] ASCII letters, digits and
/// `_`, trimmed and stored lowercased so that handles differing only in case cannot impersonate
/// each other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

impl Nickname {
    pub fn parse(field: &str, raw: &str) -> Result<Nickname, FieldError> {
        let invalid_length = || {
            FieldError::new(
                field,
                FieldCode::InvalidLength,
                format!("Use {MIN_NICKNAME_LENGTH} to {MAX_NICKNAME_LENGTH} characters."),
            )
        };
        if raw.chars().count() > MAX_NICKNAME_LENGTH {
            return Err(invalid_length());
        }
        let nickname = raw.trim().to_ascii_lowercase();
        if nickname.chars().count() < MIN_NICKNAME_LENGTH {
            return Err(invalid_length());
        }
        if !nickname
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(FieldError::new(
                field,
                FieldCode::InvalidCharacters,
                "Use only letters a-z, digits and underscores.",
            ));
        }
        Ok(Nickname(nickname))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a participant wants notification mail. Security mail (confirmation, password reset) is
/// always sent, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationMail {
    None,
    Immediate,
    Daily,
}

impl NotificationMail {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationMail::None => "none",
            NotificationMail::Immediate => "immediate",
            NotificationMail::Daily => "daily",
        }
    }

    pub fn parse(raw: &str) -> Option<NotificationMail> {
        match raw {
            "none" => Some(NotificationMail::None),
            "immediate" => Some(NotificationMail::Immediate),
            "daily" => Some(NotificationMail::Daily),
            _ => None,
        }
    }
}

/// What a mail is for, which decides who still gets it when it goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailPurpose {
    /// About the account itself (confirm the address, a reset link, a changed password): how
    /// the person secures or recovers it, so every live account gets it, blocked or not,
    /// whatever its notification choice.
    Account,
    /// About participation (a reply, an answer to a proposal): only to an account that is not
    /// blocked and chose immediate notification mail (`daily` is for a digest).
    Notification,
}

/// The state of an account when a mail to it goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailRecipient {
    pub deleted: bool,
    pub blocked: bool,
    pub notification_mail: NotificationMail,
}

/// Whether `recipient` gets a mail of `purpose` now. A deleted account gets nothing: its
/// address is erased, and so is any mail still waiting for it.
pub fn receives_mail(purpose: MailPurpose, recipient: MailRecipient) -> bool {
    if recipient.deleted {
        return false;
    }
    match purpose {
        MailPurpose::Account => true,
        MailPurpose::Notification => {
            !recipient.blocked && recipient.notification_mail == NotificationMail::Immediate
        }
    }
}

/// A civil-servant role within one organization. Every registered, confirmed account is a
/// participant; the other roles are granted by an admin (or `plaza admin create`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Participant,
    Evaluator,
    Moderator,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Participant,
        Role::Evaluator,
        Role::Moderator,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Participant => "participant",
            Role::Evaluator => "evaluator",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == raw)
    }
}

/// The roles an actor holds; always contains [`Role::Participant`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roles(BTreeSet<Role>);

impl Roles {
    pub fn new(granted: impl IntoIterator<Item = Role>) -> Roles {
        let mut roles: BTreeSet<Role> = granted.into_iter().collect();
        roles.insert(Role::Participant);
        Roles(roles)
    }

    pub fn has(&self, role: Role) -> bool {
        self.0.contains(&role)
    }

    pub fn iter(&self) -> impl Iterator<Item = Role> + '_ {
        self.0.iter().copied()
    }

    /// The roles held within one process: these organization-wide roles and those granted for
    /// that process alone. Only the roles of [`PROCESS_ROLES`] count there: a grant for one
    /// process never makes a moderator or an admin, whatever a stored row says.
    pub fn within_process(&self, granted: impl IntoIterator<Item = Role>) -> Roles {
        let mut roles = self.0.clone();
        roles.extend(
            granted
                .into_iter()
                .filter(|role| PROCESS_ROLES.contains(role)),
        );
        Roles(roles)
    }
}

/// The roles an admin may grant for one process only (DESIGN §1): evaluating that process's
/// proposals (answering them, reading their private answers).
pub const PROCESS_ROLES: [Role; 1] = [Role::Evaluator];

/// An action that needs more than being a participant. Each handler that changes
/// organization-wide data asks [`authorize`] for one of these; an action is denied unless a rule
/// below grants it (fail closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ManageScopes,
    ManageProcesses,
    ImportCensus,
    ManageRoles,
    ModerateContent,
    EvaluateProposals,
    /// See the service's work that failed for good (mail that could not be sent).
    ReadFailedJobs,
}

/// Decides whether `roles` grant `permission`.
pub fn authorize(roles: &Roles, permission: Permission) -> Result<(), DomainError> {
    let granted = match permission {
        Permission::ManageScopes
        | Permission::ManageProcesses
        | Permission::ImportCensus
        | Permission::ManageRoles
        | Permission::ReadFailedJobs => roles.has(Role::Admin),
        Permission::ModerateContent => roles.has(Role::Moderator) || roles.has(Role::Admin),
        Permission::EvaluateProposals => roles.has(Role::Evaluator) || roles.has(Role::Admin),
    };
    if granted {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

/// Decides the complete set of roles an admin asks an account to hold: the actor may not take
/// the admin role from themselves (an organization must not lose its last admin by accident), and
/// the admin role goes only to an account whose password meets the admin policy.
pub fn decide_roles(
    actor_roles: &Roles,
    acting_on_self: bool,
    wanted: impl IntoIterator<Item = Role>,
    target_password_meets_admin_policy: bool,
) -> Result<Roles, DomainError> {
    authorize(actor_roles, Permission::ManageRoles)?;
    let wanted = Roles::new(wanted);
    if acting_on_self && !wanted.has(Role::Admin) {
        return Err(DomainError::field(
            "roles",
            FieldCode::CannotRemoveOwnAdmin,
            "You cannot remove your own admin role.",
        ));
    }
    if wanted.has(Role::Admin) && !acting_on_self && !target_password_meets_admin_policy {
        return Err(DomainError::field(
            "roles",
            FieldCode::AdminPasswordTooWeak,
            "Admins need a password of 15 or more characters; ask this person to change theirs first.",
        ));
    }
    Ok(wanted)
}

/// Decides whether an actor may block or unblock an account: moderators and admins may, never
/// themselves, and never a civil servant (an admin removes their roles first), so that blocking
/// cannot be used to take an organization from its administrators.
pub fn decide_block(actor: &Roles, target: &Roles, on_self: bool) -> Result<(), DomainError> {
    authorize(actor, Permission::ModerateContent)?;
    if on_self || target.iter().any(|role| role != Role::Participant) {
        return Err(DomainError::Forbidden);
    }
    Ok(())
}

/// The shortest justification of a moderator's decision, in characters after trimming.
pub const MIN_JUSTIFICATION_LENGTH: usize = 15;
/// The longest justification, in characters as sent (spaces at either end count).
pub const MAX_JUSTIFICATION_LENGTH: usize = 1_000;

/// A moderator's reason for blocking or unblocking, kept in the audit log (trimmed):
/// [`MIN_JUSTIFICATION_LENGTH`] to [`MAX_JUSTIFICATION_LENGTH`] characters.
pub fn justification(field: &str, raw: &str) -> Result<String, FieldError> {
    let text = raw.trim();
    if raw.chars().count() > MAX_JUSTIFICATION_LENGTH
        || text.chars().count() < MIN_JUSTIFICATION_LENGTH
    {
        return Err(FieldError::new(
            field,
            FieldCode::InvalidLength,
            format!(
                "Explain the decision in {MIN_JUSTIFICATION_LENGTH} to {MAX_JUSTIFICATION_LENGTH} characters."
            ),
        ));
    }
    Ok(text.to_string())
}

/// The organization keeps an admin: the admin role may be taken from one of its `admins` (read
/// under the organization's lock) only if another remains.
pub fn may_remove_an_admin(admins: u64) -> Result<(), DomainError> {
    if admins <= 1 {
        return Err(DomainError::LastAdmin);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_mail_reaches_every_live_account_and_notifications_only_those_who_want_them() {
        let live = MailRecipient {
            deleted: false,
            blocked: false,
            notification_mail: NotificationMail::None,
        };
        assert!(receives_mail(MailPurpose::Account, live));
        assert!(receives_mail(
            MailPurpose::Account,
            MailRecipient {
                blocked: true,
                ..live
            }
        ));
        assert!(!receives_mail(MailPurpose::Notification, live));
        let wants_them = MailRecipient {
            notification_mail: NotificationMail::Immediate,
            ..live
        };
        assert!(receives_mail(MailPurpose::Notification, wants_them));
        assert!(!receives_mail(
            MailPurpose::Notification,
            MailRecipient {
                notification_mail: NotificationMail::Daily,
                ..live
            }
        ));
        assert!(!receives_mail(
            MailPurpose::Notification,
            MailRecipient {
                blocked: true,
                ..wants_them
            }
        ));
        for purpose in [MailPurpose::Account, MailPurpose::Notification] {
            assert!(!receives_mail(
                purpose,
                MailRecipient {
                    deleted: true,
                    ..wants_them
                }
            ));
        }
    }

    #[test]
    fn moderators_block_participants_but_not_civil_servants_or_themselves() {
        let moderator = Roles::new([Role::Moderator]);
        let participant = Roles::new([]);
        assert_eq!(decide_block(&moderator, &participant, false), Ok(()));
        assert_eq!(
            decide_block(&moderator, &Roles::new([Role::Admin]), false),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            decide_block(&moderator, &Roles::new([Role::Evaluator]), false),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            decide_block(&participant, &participant, false),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            decide_block(&Roles::new([Role::Admin]), &participant, true),
            Err(DomainError::Forbidden)
        );
        assert!(justification("justification", "  too short ").is_err());
        assert_eq!(
            justification("justification", " Repeated insults in comments ").unwrap(),
            "Repeated insults in comments"
        );
    }

    #[test]
    fn the_last_admin_cannot_go() {
        assert_eq!(may_remove_an_admin(1), Err(DomainError::LastAdmin));
        assert_eq!(may_remove_an_admin(0), Err(DomainError::LastAdmin));
        assert_eq!(may_remove_an_admin(2), Ok(()));
    }

    fn email(raw: &str) -> Result<Email, FieldError> {
        Email::parse("email", raw)
    }

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        assert_eq!(
            email("  Ana.Puig@Example.CAT ").unwrap().as_str(),
            "ana.puig@example.cat"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for raw in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "ana@@example.org",
            "ana puig@example.org",
            "ana@exa mple.org",
            "ana@-example.org",
            "ana@example.1",
            ".ana@example.org",
            "a..b@example.org",
            "ana@example..org",
        ] {
            let error = email(raw).unwrap_err();
            assert_eq!(
                (error.field.as_str(), error.code.as_str()),
                ("email", "invalid_email"),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn email_parts_feed_the_password_policy() {
        let address = email("ana.puig@gmail.com").unwrap();
        assert_eq!(address.local_part(), "ana.puig");
        assert_eq!(address.domain_first_label(), "gmail");
    }

    #[test]
    fn nicknames_are_lowercase_handles() {
        assert_eq!(
            Nickname::parse("nickname", "Ana_P").unwrap().as_str(),
            "ana_p"
        );
        assert_eq!(
            Nickname::parse("nickname", "an").unwrap_err().code,
            "invalid_length"
        );
        assert_eq!(
            Nickname::parse("nickname", "ana puig").unwrap_err().code,
            "invalid_characters"
        );
    }

    #[test]
    fn names_must_be_present_and_printable() {
        assert_eq!(
            PersonName::parse("name", "  ").unwrap_err().code,
            "required"
        );
        assert_eq!(
            PersonName::parse("name", "Ana\u{0}").unwrap_err().code,
            "invalid_characters"
        );
        assert_eq!(
            PersonName::parse("name", &"a".repeat(101))
                .unwrap_err()
                .code,
            "too_long"
        );
        assert_eq!(
            PersonName::parse("name", " Ana Puig ").unwrap().as_str(),
            "Ana Puig"
        );
    }

    /// `text` followed by spaces up to `length` characters.
    fn padded(text: &str, length: usize) -> String {
        format!("{text:<length$}")
    }

    #[test]
    fn maximum_lengths_count_the_text_as_sent_and_minimums_the_text_kept() {
        // A form's `maxlength` and the spec's `maxLength` count what is typed, spaces included.
        assert!(PersonName::parse("name", &padded("Ana", MAX_NAME_LENGTH)).is_ok());
        assert_eq!(
            PersonName::parse("name", &padded("Ana", MAX_NAME_LENGTH + 1))
                .unwrap_err()
                .code,
            "too_long"
        );
        assert!(Nickname::parse("nickname", &padded("ana", MAX_NICKNAME_LENGTH)).is_ok());
        assert!(Nickname::parse("nickname", &padded("ana", MAX_NICKNAME_LENGTH + 1)).is_err());
        assert!(Nickname::parse("nickname", "  an  ").is_err());
        assert!(email(&padded("ana@example.org", MAX_EMAIL_LENGTH)).is_ok());
        assert!(email(&padded("ana@example.org", MAX_EMAIL_LENGTH + 1)).is_err());
        let reason = "Repeated insults in comments";
        assert!(justification("justification", &padded(reason, MAX_JUSTIFICATION_LENGTH)).is_ok());
        assert!(
            justification(
                "justification",
                &padded(reason, MAX_JUSTIFICATION_LENGTH + 1)
            )
            .is_err()
        );
        assert!(
            justification(
                "justification",
                &padded("Too short", MIN_JUSTIFICATION_LENGTH)
            )
            .is_err()
        );
    }

    #[test]
    fn an_admin_cannot_demote_themselves_nor_promote_a_weak_password() {
        let admin = Roles::new([Role::Admin]);
        let code = |result: Result<Roles, DomainError>| match result {
            Err(DomainError::Invalid(errors)) => errors[0].code,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            code(decide_roles(&admin, true, [Role::Moderator], true)),
            "cannot_remove_own_admin"
        );
        assert_eq!(
            code(decide_roles(&admin, false, [Role::Admin], false)),
            "admin_password_too_weak"
        );
        assert_eq!(
            decide_roles(&admin, false, [Role::Moderator], false),
            Ok(Roles::new([Role::Moderator]))
        );
        assert_eq!(
            decide_roles(&admin, false, [Role::Admin], true),
            Ok(Roles::new([Role::Admin]))
        );
        assert_eq!(
            decide_roles(&Roles::new([Role::Moderator]), false, [], true),
            Err(DomainError::Forbidden)
        );
    }

    #[test]
    fn an_evaluator_of_one_process_evaluates_there_and_nowhere_else() {
        let participant = Roles::new([]);
        let in_their_process = participant.within_process([Role::Evaluator]);
        assert!(authorize(&in_their_process, Permission::EvaluateProposals).is_ok());
        let elsewhere = participant.within_process([]);
        assert_eq!(
            authorize(&elsewhere, Permission::EvaluateProposals),
            Err(DomainError::Forbidden)
        );
        // An organization-wide role holds in every process.
        let moderator = Roles::new([Role::Moderator]).within_process([]);
        assert!(authorize(&moderator, Permission::ModerateContent).is_ok());
    }

    #[test]
    fn a_grant_for_one_process_never_makes_a_moderator_or_an_admin() {
        let roles = Roles::new([]).within_process([Role::Admin, Role::Moderator]);
        assert_eq!(roles, Roles::new([]));
        assert_eq!(
            authorize(&roles, Permission::ManageProcesses),
            Err(DomainError::Forbidden)
        );
    }

    #[test]
    fn only_admins_manage_the_organization() {
        let participant = Roles::new([]);
        let moderator = Roles::new([Role::Moderator]);
        let admin = Roles::new([Role::Admin]);
        assert_eq!(
            authorize(&participant, Permission::ImportCensus),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            authorize(&moderator, Permission::ManageProcesses),
            Err(DomainError::Forbidden)
        );
        assert_eq!(authorize(&moderator, Permission::ModerateContent), Ok(()));
        assert_eq!(authorize(&admin, Permission::ImportCensus), Ok(()));
        assert_eq!(authorize(&admin, Permission::ModerateContent), Ok(()));
        assert!(participant.has(Role::Participant));
    }
}
