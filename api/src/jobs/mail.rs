//! The handler of [`Job::AccountMail`](super::Job::AccountMail): renders the mail from the
//! account as it is when the job runs, and hands it to the mailer.
//!
//! The organization, the account's address, language, block state and notification choice are
//! all read now, not when the job was queued; [`receives_mail`] decides whether the account
//! still gets the mail (a deleted account never does). Running it twice sends the mail twice at
//! worst (a crash between the send and marking the job done), never a different mail.

use super::kinds::AccountMail;
use crate::app::AppState;
use crate::app::tenancy::Organization;
use crate::mail::{OutgoingMail, templates};
use crate::store;
use plaza_domain::accounts::{MailRecipient, NotificationMail, receives_mail};
use plaza_domain::{OrganizationId, UserId};

/// Sends `mail` to the account `user_id` of `organization_id`, if it still gets it.
pub(super) async fn send_to_account(
    state: &AppState,
    organization_id: OrganizationId,
    user_id: UserId,
    mail: &AccountMail,
) -> Result<(), String> {
    let db = &state.db;
    let Some(organization) = store::orgs::find_by_id(db, organization_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    let organization = Organization::try_from(organization).map_err(|e| e.to_string())?;
    let Some(account) = store::users::by_id(db, organization_id, user_id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    let notification_mail = NotificationMail::parse(&account.notification_mail)
        .ok_or_else(|| format!("account {user_id}: unreadable notification choice"))?;
    let recipient = MailRecipient {
        deleted: account.deleted_at.is_some(),
        blocked: account.blocked_at.is_some(),
        notification_mail,
    };
    if !receives_mail(mail.purpose(), recipient) {
        tracing::info!(user = %user_id, "mail not sent: the account no longer gets it");
        return Ok(());
    }
    let rendered = render(state, &organization, &account.email, &account.locale, mail);
    state
        .mailer
        .send(&rendered)
        .await
        .map_err(|e| e.to_string())
}

/// The mail `mail` to `address`, in `locale` (a registration's own choice for its confirmation).
fn render(
    state: &AppState,
    organization: &Organization,
    address: &str,
    locale: &str,
    mail: &AccountMail,
) -> OutgoingMail {
    let name = &organization.name;
    match mail {
        AccountMail::ConfirmEmail { token, locale } => {
            templates::confirm_email(address, locale, name, &link(state, "confirm", token))
        }
        AccountMail::AlreadyRegistered { reset_token } => templates::already_registered(
            address,
            locale,
            name,
            &link(state, "password-reset", reset_token),
        ),
        AccountMail::ResetPassword { token } => {
            templates::reset_password(address, locale, name, &link(state, "password-reset", token))
        }
        AccountMail::PasswordChanged => templates::password_changed(address, locale, name),
        AccountMail::BallotReceipt {
            budget_id,
            ballot_id,
            cast_at,
            key_id,
            seal,
        } => templates::ballot_receipt(
            address,
            locale,
            name,
            &templates::ReceiptLines {
                ballot_id: &ballot_id.to_string(),
                cast_at,
                key_id,
                seal,
                check_link: &format!("{}/budgets/{budget_id}/ballot", state.settings.public_url),
            },
        ),
    }
}

/// A link to the frontend page that finishes a mailed action.
fn link(state: &AppState, page: &str, token: &str) -> String {
    format!("{}/{page}?token={token}", state.settings.public_url)
}
