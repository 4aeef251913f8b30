//! What the outbox holds: the [`Job`]s that use cases queue, as ids and template keys.
//!
//! A job says *what* is to happen to *whom* (`AccountMail { user_id, mail: PasswordChanged }`),
//! never the rendered result: the recipient's address, language, block state and notification
//! choice are read when the job runs (`jobs::mail`), so a mail queued before the person changed
//! their language, blocked notifications or deleted their account follows what is true when it
//! goes out. What must travel with the job travels in it: the one-time token of a link (only its
//! hash is stored elsewhere) and a registration's chosen language. A job's content is erased once
//! it is done or dead (`store::outbox`).

use plaza_domain::accounts::MailPurpose;
use plaza_domain::{OrganizationId, UserId};
use serde::{Deserialize, Serialize};

/// A side effect waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Mail an account of the job's organization.
    AccountMail { user_id: UserId, mail: AccountMail },
    /// Someone asked for a password-reset link for `email` (normalised): whether the address
    /// has an account is decided when the job runs, so that the request itself does the same
    /// work for every address and its timing tells nothing.
    PasswordResetRequested {
        organization_id: OrganizationId,
        email: String,
    },
    /// Tally budget `budget_id` of the job's organization from its cast ballots
    /// (`app::results::compute`): requested by an admin once voting closed; runs in the worker so
    /// that a tally of 100,000 ballots never holds an API request.
    TallyBudget { budget_id: uuid::Uuid },
    /// A mail rendered when it was queued, as versions before ids and template keys wrote them:
    /// read so that mail queued before an upgrade still goes out; never written any more.
    #[serde(rename = "mail")]
    RenderedMail(crate::mail::OutgoingMail),
}

/// The mails an account gets, by template, with what each needs besides the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum AccountMail {
    /// "Confirm your address", after a registration, in the language the registration chose
    /// (the account takes it only when the link is used).
    ConfirmEmail { token: String, locale: String },
    /// Someone tried to register the address of this confirmed account: a reset link.
    AlreadyRegistered { reset_token: String },
    /// "Reset your password", with the link.
    ResetPassword { token: String },
    /// The password was changed or reset.
    PasswordChanged,
    /// "Your vote was cast": the receipt of a ballot checked out in budget `budget_id`. It
    /// carries what the receipt shows (its content is no secret: the seal is keyed), so that the
    /// mail says what the voter saw even if they cancel before it goes out.
    BallotReceipt {
        budget_id: uuid::Uuid,
        ballot_id: uuid::Uuid,
        /// RFC 3339, UTC.
        cast_at: String,
        key_id: String,
        /// The receipt's HMAC-SHA256, hex.
        seal: String,
    },
}

impl AccountMail {
    /// What the mail is for: who still gets it when it goes out.
    pub fn purpose(&self) -> MailPurpose {
        match self {
            AccountMail::ConfirmEmail { .. }
            | AccountMail::AlreadyRegistered { .. }
            | AccountMail::ResetPassword { .. }
            | AccountMail::PasswordChanged => MailPurpose::Account,
            // The voter's own record of a vote they just cast, sent whatever their choice of
            // notification mail (like a confirmation of any other act they did themselves).
            AccountMail::BallotReceipt { .. } => MailPurpose::Account,
        }
    }
}

impl Job {
    /// The name of the kind, as stored with the row (`topic`) and shown to admins.
    pub fn topic(&self) -> &'static str {
        match self {
            Job::AccountMail { .. } => "account_mail",
            Job::PasswordResetRequested { .. } => "password_reset_requested",
            Job::TallyBudget { .. } => "tally_budget",
            Job::RenderedMail(_) => "mail",
        }
    }

    /// The key that orders this job among others to the same person: an account's mails run in
    /// the order they were queued (an old reset link never arrives after the new one). Reset
    /// requests are keyed by the address digest (the row keeps the key after its content is
    /// erased; no address is stored in the clear).
    pub fn ordering_key(&self) -> String {
        match self {
            Job::AccountMail { user_id, .. } => format!("account:{user_id}"),
            Job::PasswordResetRequested { email, .. } => address_key(email),
            Job::TallyBudget { budget_id } => format!("tally:{budget_id}"),
            Job::RenderedMail(mail) => address_key(&mail.to),
        }
    }
}

fn address_key(address: &str) -> String {
    format!(
        "mail:{}",
        crate::auth::sha256_hex(address.trim().to_lowercase().as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_job_is_stored_as_ids_and_a_template_key() {
        let job = Job::AccountMail {
            user_id: UserId::from_uuid(Uuid::from_u128(7)),
            mail: AccountMail::PasswordChanged,
        };
        let stored = serde_json::to_value(&job).unwrap();
        assert_eq!(
            stored,
            serde_json::json!({
                "kind": "account_mail",
                "user_id": "00000000-0000-0000-0000-000000000007",
                "mail": { "template": "password_changed" },
            })
        );
        assert_eq!(serde_json::from_value::<Job>(stored).unwrap(), job);
    }

    #[test]
    fn mail_queued_by_an_earlier_version_is_still_read() {
        let stored = serde_json::json!({
            "kind": "mail", "to": "ana@example.org", "subject": "Hola", "text": "..."
        });
        let Ok(Job::RenderedMail(mail)) = serde_json::from_value::<Job>(stored) else {
            panic!("an earlier version's mail job is readable");
        };
        assert_eq!(mail.to, "ana@example.org");
    }

    #[test]
    fn an_accounts_mails_share_one_order() {
        let ana = UserId::from_uuid(Uuid::from_u128(1));
        let changed = Job::AccountMail {
            user_id: ana,
            mail: AccountMail::PasswordChanged,
        };
        let reset = Job::AccountMail {
            user_id: ana,
            mail: AccountMail::ResetPassword { token: "t".into() },
        };
        assert_eq!(changed.ordering_key(), reset.ordering_key());
        let asked = |email: &str| Job::PasswordResetRequested {
            organization_id: OrganizationId::from_uuid(Uuid::from_u128(2)),
            email: email.into(),
        };
        assert_eq!(
            asked("Ana@Example.org ").ordering_key(),
            asked("ana@example.org").ordering_key()
        );
        assert!(!asked("ana@example.org").ordering_key().contains("ana"));
    }
}
