//! Account use cases: register, confirm, sign in, refresh, sign out, reset a password, the
//! participant's own profile (read, change, delete), and civil-servant roles.
//!
//! Anti-enumeration (DESIGN §2.1): registration, sign-in and password-reset answer the same way
//! whether or not the address has an account, after the same work: every sign-in verifies a
//! password (a dummy hash for unknown addresses), the sign-in throttle counts unknown addresses
//! too, and a reset request only queues a job that decides later. The person who owns an address
//! learns what happened by mail instead.
//!
//! The mailbox owner sets the password: a registration carries no password, only the details
//! (name, nickname, locale) that travel with its confirmation link; whoever uses the link — the
//! person who reads the mailbox — chooses the password and gets those details. Every password
//! change (confirmation, reset, profile, operator) voids every outstanding reset link, and a new
//! link voids the older ones of its kind only once the address's mail quota lets it be sent.
//! Password checks and session openings re-read the account under its lock, so a sign-in that
//! overlaps a password change cannot outlive it.

use super::AppState;
use super::error::{AppError, AppResult};
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::auth::{self, jwt};
use crate::clock::{from_timestamp, to_timestamp};
use crate::db;
use crate::jobs::{AccountMail, Job};
use crate::store::{
    self,
    entities::{login_throttles, mail_quotas, sessions as session_rows, users},
    users::EmailTokenPurpose,
};
use plaza_domain::FieldCode;
use plaza_domain::accounts::password::{self, AccountKind, PersonalData};
use plaza_domain::accounts::standing::{self, RegistrationPath, Standing, registration_path};
use plaza_domain::accounts::throttle::{LoginThrottle, MailQuota};
use plaza_domain::accounts::{
    Email, Nickname, NotificationMail, PersonName, Role, Roles, decide_roles,
};
use plaza_domain::i18n::choose_locale;
use plaza_domain::sessions::RevokeReason;
use plaza_domain::sessions::{self, RefreshDecision, SessionState, TokenState};
use plaza_domain::{DomainError, FieldError, FieldErrors};
use plaza_domain::{OrganizationId, ProcessId, ScopeId, SessionId, UserId};
use sea_orm::ConnectionTrait;
use time::OffsetDateTime;
use uuid::Uuid;

/// An account as use cases hand it out: what the person and the rules see, never its password
/// hash (a use case that checks a password reads the row itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    pub nickname: Option<String>,
    pub locale: String,
    pub notification_mail: NotificationMail,
    pub confirmed_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

impl TryFrom<users::Model> for Account {
    type Error = AppError;

    /// Reads a stored account; a notification choice the server cannot read is a failure, not
    /// a default.
    fn try_from(row: users::Model) -> AppResult<Account> {
        let notification_mail =
            NotificationMail::parse(&row.notification_mail).ok_or_else(|| {
                AppError::internal(format!(
                    "account {}: unreadable notification choice {:?}",
                    row.id, row.notification_mail
                ))
            })?;
        Ok(Account {
            id: UserId::from(row.id),
            email: row.email,
            name: row.name,
            nickname: row.nickname,
            locale: row.locale,
            notification_mail,
            confirmed_at: row.confirmed_at,
            created_at: row.created_at,
        })
    }
}

/// The account's standing, as the rules of `accounts::standing` read it.
fn standing(row: &users::Model) -> Standing {
    Standing {
        confirmed: row.confirmed_at.is_some(),
        blocked: row.blocked_at.is_some(),
        deleted: row.deleted_at.is_some(),
    }
}

/// What a sign-up form sends (the password is chosen at confirmation, by the link's holder).
pub struct Registration {
    pub email: String,
    pub name: String,
    pub nickname: Option<String>,
    pub locale: Option<String>,
}

/// The details a registration leaves with its confirmation link, applied when the link is used.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct PendingRegistration {
    name: String,
    nickname: Option<String>,
    locale: String,
}

/// Tokens handed out at sign-in and refresh.
#[derive(Debug, Clone)]
pub struct TokenPair {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: String,
}

/// The password policy's view of a person and organization.
fn personal_data<'a>(
    organization: &'a Organization,
    email: Option<&'a Email>,
    name: Option<&'a str>,
    nickname: Option<&'a str>,
) -> PersonalData<'a> {
    PersonalData {
        name,
        nickname,
        email_local_part: email.map(Email::local_part),
        email_domain_label: email.map(Email::domain_first_label),
        organization_host: Some(organization.host.as_str()),
    }
}

fn check_password(
    field: &str,
    candidate: &str,
    kind: AccountKind,
    personal: &PersonalData<'_>,
    errors: &mut FieldErrors,
) {
    if let Err(problems) = password::check(field, candidate, kind, personal) {
        for problem in problems {
            errors.push(problem);
        }
    }
}

/// A mailed token to issue: for whom (the account, and its address for the hourly quota), for
/// what, and (for a registration's confirmation) the details to apply when it is used.
struct TokenFor<'a> {
    user_id: UserId,
    address: &'a str,
    purpose: EmailTokenPurpose,
    registration: Option<PendingRegistration>,
}

/// Issues a fresh link of `token_for.purpose`, within the address's hourly mail quota: voids the
/// older links of that purpose, queues the mail `mail` makes from the new token (rendered with
/// its link when the job runs), and stores the token's hash (the token itself travels only in
/// the job and the mail; the job's content is erased once sent). Past the quota nothing changes: the
/// links already mailed keep working. (The mail is queued in the caller's transaction and
/// written with the unit's other deferred writes at its commit; a failure of the token's write
/// or of the mail's leaves neither. A test injects its failure at each to prove it.)
async fn mail_with_token(
    work: &mut UnitOfWork<'_>,
    organization: &Organization,
    token_for: TokenFor<'_>,
    mail: impl FnOnce(String) -> AccountMail,
) -> AppResult<()> {
    let now = work.now();
    let TokenFor {
        user_id,
        address,
        purpose,
        registration,
    } = token_for;
    let lifetime = match purpose {
        EmailTokenPurpose::ConfirmEmail => sessions::CONFIRMATION_TOKEN_SECONDS,
        EmailTokenPurpose::ResetPassword => sessions::PASSWORD_RESET_TOKEN_SECONDS,
    };
    let token = auth::random_token(32);
    let token_hash = auth::token_hash(&token);
    // Past the address's hourly quota the request gets the same answer but sends nothing.
    let quota_row =
        store::users::lock_mail_quota(work.db(), organization.id, &throttle_key(address)).await?;
    let quota = MailQuota {
        window_started_at: quota_row.window_started_at.map(to_timestamp),
        sent_in_window: store::stored_count(quota_row.sent_in_window, "mails sent")?,
    };
    let (allowed, next) = quota.send_one(to_timestamp(now));
    if !allowed {
        tracing::info!(user = %user_id, "security mail quota reached; nothing sent, older links kept");
        return Ok(());
    }
    store::users::void_email_tokens(work.db(), user_id, purpose, now).await?;
    store::users::save_mail_quota(
        work.db(),
        mail_quotas::Model {
            window_started_at: next.window_started_at.map(from_timestamp),
            sent_in_window: i32::try_from(next.sent_in_window).unwrap_or(i32::MAX),
            ..quota_row
        },
    )
    .await?;
    work.enqueue(Job::AccountMail {
        user_id,
        mail: mail(token),
    })
    .await?;
    store::users::insert_email_token(
        work.db(),
        user_id,
        purpose,
        token_hash,
        now,
        now + time::Duration::seconds(lifetime),
        registration
            .map(|details| serde_json::to_value(details).map_err(AppError::internal))
            .transpose()?,
    )
    .await?;
    Ok(())
}

fn nickname_conflict(error: sea_orm::DbErr) -> AppError {
    if store::users::UX_USER_NICKNAME.violated_by(&error) {
        AppError::AlreadyTaken { field: "nickname" }
    } else {
        error.into()
    }
}

/// Registers an account and mails a confirmation link.
///
/// For an address that already has an account nothing is created and the answer is the same:
/// a confirmed account's owner is told by mail that someone tried (with a reset link); an
/// unconfirmed one gets a fresh confirmation link carrying *this* registration's details, which
/// voids the older links. Whoever uses a link sets the password, so only the mailbox owner can.
/// A nickname held by another participant is refused before the address is looked at, so that
/// it cannot reveal whether the address has an account (an unconfirmed account holds none).
pub async fn register(
    state: &AppState,
    organization: &Organization,
    form: Registration,
) -> AppResult<()> {
    let (email, details) = parse_registration(organization, &form)?;
    let mut work = UnitOfWork::begin(state, organization, None).await?;
    if let Some(nickname) = &details.nickname
        && store::users::nickname_taken(work.db(), organization.id, nickname).await?
    {
        return Err(AppError::AlreadyTaken { field: "nickname" });
    }
    // An existing account is read under its lock: two registrations of one address then issue
    // their links one after the other, and exactly one link stays valid.
    let existing = match store::users::by_email(work.db(), organization.id, email.as_str()).await? {
        Some(found) => {
            store::users::by_id_for_update(work.db(), organization.id, UserId::from(found.id))
                .await?
        }
        None => None,
    };
    let account = match (registration_path(existing.as_ref().map(standing)), existing) {
        (RegistrationPath::TellOwner, Some(owner)) => {
            let token_for = TokenFor {
                user_id: UserId::from(owner.id),
                address: &owner.email,
                purpose: EmailTokenPurpose::ResetPassword,
                registration: None,
            };
            let mail = |reset_token| AccountMail::AlreadyRegistered { reset_token };
            mail_with_token(&mut work, organization, token_for, mail).await?;
            return work.commit().await;
        }
        (_, Some(unconfirmed)) => unconfirmed,
        (_, None) => match create_unconfirmed_account(&work, organization, &email, &details).await?
        {
            Some(created) => created,
            // The same address registered at the same instant by another request: that one
            // sends the confirmation; this one answers the same as for any known address.
            None => return Ok(()),
        },
    };
    let locale = details.locale.clone();
    let token_for = TokenFor {
        user_id: UserId::from(account.id),
        address: &account.email,
        purpose: EmailTokenPurpose::ConfirmEmail,
        registration: Some(details),
    };
    let mail = |token| AccountMail::ConfirmEmail { token, locale };
    mail_with_token(&mut work, organization, token_for, mail).await?;
    work.commit().await
}

/// Reads a sign-up form: the address, and the details its confirmation link will carry. Every
/// field's problem is reported at once.
fn parse_registration(
    organization: &Organization,
    form: &Registration,
) -> AppResult<(Email, PendingRegistration)> {
    let mut errors = FieldErrors::new();
    let email = errors.take(Email::parse("email", &form.email));
    let name = errors.take(PersonName::parse("name", &form.name));
    let nickname = match form.nickname.as_deref() {
        Some(raw) => errors.take(Nickname::parse("nickname", raw)),
        None => None,
    };
    let locale = errors.take(choose_locale(
        "locale",
        form.locale.as_deref(),
        &organization.available_locales,
        &organization.default_locale,
    ));
    errors.finish()?;
    let (Some(email), Some(name), Some(locale)) = (email, name, locale) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let details = PendingRegistration {
        name: name.as_str().to_string(),
        nickname: nickname.as_ref().map(|n| n.as_str().to_string()),
        locale,
    };
    Ok((email, details))
}

/// Creates the unconfirmed account a registration asks for: no password (the link's holder
/// chooses it), no nickname yet (it is the registration's until confirmed). `None`: another
/// request created an account with this address at the same instant.
async fn create_unconfirmed_account(
    work: &UnitOfWork<'_>,
    organization: &Organization,
    email: &Email,
    details: &PendingRegistration,
) -> AppResult<Option<users::Model>> {
    let now = work.now();
    let account = users::Model {
        id: Uuid::now_v7(),
        organization_id: organization.id.uuid(),
        email: email.as_str().to_string(),
        password_hash: None,
        name: Some(details.name.clone()),
        nickname: None,
        locale: details.locale.clone(),
        notification_mail: NotificationMail::Immediate.as_str().to_string(),
        confirmed_at: None,
        blocked_at: None,
        deleted_at: None,
        created_at: now,
        updated_at: now,
        admin_grade_password: false,
    };
    match store::users::insert(work.db(), account.clone()).await {
        Ok(_) => Ok(Some(account)),
        Err(error) if store::users::UX_USER_EMAIL.violated_by(&error) => Ok(None),
        Err(error) => Err(error.into()),
    }
}

/// Confirms an email address with the mailed token and sets the password its holder chooses;
/// the account gets the name, nickname and locale of the registration that sent the link. A
/// weak password or a nickname taken since is refused without spending the link.
pub async fn confirm_email(
    state: &AppState,
    organization: &Organization,
    token: &str,
    password: String,
) -> AppResult<()> {
    let token_hash = auth::token_hash(token);
    let pending = store::users::valid_email_token(
        &state.db,
        EmailTokenPurpose::ConfirmEmail,
        &token_hash,
        state.now(),
    )
    .await?
    .ok_or(AppError::InvalidLink)?;
    let details: Option<PendingRegistration> = pending
        .registration
        .clone()
        .and_then(|value| serde_json::from_value(value).ok());
    let user = store::users::by_id(&state.db, organization.id, UserId::from(pending.user_id))
        .await?
        .filter(|u| u.deleted_at.is_none() && u.confirmed_at.is_none())
        .ok_or(AppError::InvalidLink)?;
    let email = Email::parse("email", &user.email).ok();
    let name = details
        .as_ref()
        .map(|d| d.name.as_str())
        .or(user.name.as_deref());
    let nickname = details.as_ref().and_then(|d| d.nickname.as_deref());
    let personal = personal_data(organization, email.as_ref(), name, nickname);
    let mut errors = FieldErrors::new();
    check_password(
        "password",
        &password,
        AccountKind::Participant,
        &personal,
        &mut errors,
    );
    errors.finish()?;
    let admin_grade_password = password::meets_admin_policy(&password, &personal);
    let password_hash = state.hasher.hash(password).await?;

    let now = state.now();
    let tx = db::begin_write(&state.db).await?;
    let spent =
        store::users::spend_email_token(&tx, EmailTokenPurpose::ConfirmEmail, &token_hash, now)
            .await?;
    if spent.map(|token| token.user_id) != Some(user.id) {
        return Err(AppError::InvalidLink);
    }
    let mut user = store::users::by_id_for_update(&tx, organization.id, UserId::from(user.id))
        .await?
        .filter(|u| u.deleted_at.is_none() && u.confirmed_at.is_none())
        .ok_or(AppError::InvalidLink)?;
    if let Some(details) = details {
        user.name = Some(details.name);
        user.nickname = details.nickname;
        user.locale = details.locale;
    }
    user.password_hash = Some(password_hash);
    user.admin_grade_password = admin_grade_password;
    user.confirmed_at = Some(now);
    user.updated_at = now;
    let user = store::users::save(&tx, user)
        .await
        .map_err(nickname_conflict)?;
    store::users::void_all_email_tokens(&tx, UserId::from(user.id), now).await?;
    tx.commit().await?;
    Ok(())
}

/// Opens a session and returns its tokens.
async fn open_session(
    state: &AppState,
    db: &impl ConnectionTrait,
    organization: &Organization,
    user_id: UserId,
    now: OffsetDateTime,
) -> AppResult<TokenPair> {
    let session_id = Uuid::now_v7();
    store::users::insert_session(
        db,
        session_rows::Model {
            id: session_id,
            user_id: user_id.uuid(),
            created_at: now,
            last_used_at: now,
            revoked_at: None,
            revoked_reason: None,
        },
    )
    .await?;
    let refresh_token = auth::random_token(32);
    store::users::insert_refresh_token(
        db,
        SessionId::from(session_id),
        auth::token_hash(&refresh_token),
        now,
    )
    .await?;
    Ok(tokens(
        state,
        organization,
        user_id,
        SessionId::from(session_id),
        now,
        refresh_token,
    ))
}

fn tokens(
    state: &AppState,
    organization: &Organization,
    user_id: UserId,
    session_id: SessionId,
    now: OffsetDateTime,
    refresh_token: String,
) -> TokenPair {
    let access_token = jwt::issue(
        &state.keys.jwt,
        organization.id,
        user_id,
        session_id,
        to_timestamp(now),
        sessions::ACCESS_TOKEN_SECONDS,
    );
    TokenPair {
        access_token,
        expires_in: sessions::ACCESS_TOKEN_SECONDS,
        refresh_token,
    }
}

/// The throttle key of an address as typed: the SHA-256 of its normalised form, so addresses
/// without an account are never stored in clear.
fn throttle_key(email: &str) -> String {
    let normalised = Email::parse("email", email)
        .map_or_else(|_| email.trim().to_lowercase(), |e| e.as_str().to_string());
    auth::token_hash(&normalised)
}

fn throttle_of(row: &login_throttles::Model) -> AppResult<LoginThrottle> {
    Ok(LoginThrottle {
        window_started_at: row.window_started_at.map(to_timestamp),
        failures_in_window: store::stored_count(row.failures_in_window, "sign-in failures")?,
        failures_in_a_row: store::stored_count(row.failures_in_a_row, "sign-in failures")?,
        locked_until: row.locked_until.map(to_timestamp),
    })
}

/// Counts one password attempt against the throttle of the address `key` (created empty, locked,
/// in its own committed transaction, so parallel guesses are all counted), refusing it while the
/// throttle is locked. A success later clears it ([`store::users::clear_login_throttle`]).
async fn count_password_attempt(
    state: &AppState,
    organization: &Organization,
    key: &str,
    now: OffsetDateTime,
) -> AppResult<()> {
    let tx = db::begin_write(&state.db).await?;
    let row = store::users::lock_login_throttle(&tx, organization.id, key).await?;
    throttle_of(&row)?.check(to_timestamp(now))?;
    let next = throttle_of(&row)?.after_failure(to_timestamp(now));
    store::users::save_login_throttle(
        &tx,
        login_throttles::Model {
            window_started_at: next.window_started_at.map(from_timestamp),
            failures_in_window: i32::try_from(next.failures_in_window).unwrap_or(i32::MAX),
            failures_in_a_row: i32::try_from(next.failures_in_a_row).unwrap_or(i32::MAX),
            locked_until: next.locked_until.map(from_timestamp),
            ..row
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Signs in with email and password.
///
/// The attempt is first counted as a failure in the address's throttle, then the password is
/// verified (against a dummy hash for unknown or deleted addresses). Unknown addresses, wrong
/// passwords and deleted accounts get the same answer after the same work. The session is opened
/// under the account's lock, and only if the password verified is still the account's: a sign-in
/// that overlaps a password change or reset (which signs out every session) cannot outlive it.
pub async fn login(
    state: &AppState,
    organization: &Organization,
    email: &str,
    password: &str,
) -> AppResult<TokenPair> {
    let now = state.now();
    let key = throttle_key(email);
    count_password_attempt(state, organization, &key, now).await?;

    let user = match Email::parse("email", email) {
        Ok(email) => store::users::by_email(&state.db, organization.id, email.as_str())
            .await?
            .filter(|u| u.deleted_at.is_none()),
        Err(_) => None,
    };
    let verified = state
        .hasher
        .verify(
            password.to_string(),
            user.as_ref().and_then(|u| u.password_hash.clone()),
        )
        .await?;
    let Some(user) = user.filter(|_| verified) else {
        return Err(DomainError::InvalidCredentials.into());
    };
    let tx = db::begin_write(&state.db).await?;
    // The password verified above must still be the account's once it is locked.
    let user = store::users::by_id_for_update(&tx, organization.id, UserId::from(user.id))
        .await?
        .filter(|now_stored| now_stored.password_hash == user.password_hash)
        .ok_or(DomainError::InvalidCredentials)?;
    standing::may_sign_in(standing(&user))?;
    store::users::clear_login_throttle(&tx, organization.id, &key).await?;
    let pair = open_session(state, &tx, organization, UserId::from(user.id), now).await?;
    tx.commit().await?;
    Ok(pair)
}

/// Exchanges a refresh token for a new pair. A token presented twice revokes its session, unless
/// the second time is a retry within seconds while its successor is unused: then the answer is
/// that same successor (`sessions::REFRESH_RETRY_GRACE_SECONDS`).
pub async fn refresh(
    state: &AppState,
    organization: &Organization,
    refresh_token: &str,
) -> AppResult<TokenPair> {
    let now = state.now();
    let tx = db::begin_write(&state.db).await?;
    let token = store::users::refresh_token_for_update(&tx, &auth::token_hash(refresh_token))
        .await?
        .ok_or(DomainError::SessionEnded)?;
    let session = store::users::session(&tx, SessionId::from(token.session_id))
        .await?
        .ok_or(DomainError::SessionEnded)?;
    let user = store::users::by_id(&tx, organization.id, UserId::from(session.user_id))
        .await?
        .ok_or(DomainError::SessionEnded)?;
    standing::may_renew_session(standing(&user))?;
    let successor = state.keys.successor_refresh_token(refresh_token);
    let token_state = match token.used_at {
        None => TokenState::Unspent,
        Some(at) => {
            let next =
                store::users::refresh_token_for_update(&tx, &auth::token_hash(&successor)).await?;
            TokenState::Spent {
                at: to_timestamp(at),
                successor_unspent: next.is_some_and(|next| next.used_at.is_none()),
            }
        }
    };
    let state_of_session = SessionState {
        created_at: to_timestamp(session.created_at),
        last_used_at: to_timestamp(session.last_used_at),
        revoked: session.revoked_at.is_some(),
    };
    let decision = sessions::decide_refresh(state_of_session, token_state, to_timestamp(now))?;
    match decision {
        RefreshDecision::Rotate
            if store::users::spend_refresh_token(&tx, token.id, now).await? =>
        {
            store::users::insert_refresh_token(
                &tx,
                SessionId::from(session.id),
                auth::token_hash(&successor),
                now,
            )
            .await?;
        }
        RefreshDecision::ReplaySuccessor => {
            tracing::info!(session = %session.id, "refresh retried within the grace period; same successor");
        }
        RefreshDecision::Rotate | RefreshDecision::RevokeFamily => {
            store::users::revoke_session(
                &tx,
                SessionId::from(session.id),
                RevokeReason::RefreshTokenReused,
                now,
            )
            .await?;
            tx.commit().await?;
            tracing::warn!(session = %session.id, user = %user.id, "refresh token reused; session revoked");
            return Err(DomainError::RefreshTokenReused.into());
        }
    }
    store::users::touch_session(&tx, SessionId::from(session.id), now).await?;
    tx.commit().await?;
    Ok(tokens(
        state,
        organization,
        UserId::from(user.id),
        SessionId::from(session.id),
        now,
        successor,
    ))
}

/// Ends the actor's current session: its access and refresh tokens stop working at once.
pub async fn logout(state: &AppState, actor: &Actor) -> AppResult<()> {
    store::users::revoke_session(
        &state.db,
        actor.session_id,
        RevokeReason::Logout,
        state.now(),
    )
    .await?;
    Ok(())
}

/// Asks for a password-reset link for `email`; answers the same whether or not the address has
/// an account, after the same work: one job queued in one transaction. The job
/// ([`send_password_reset`]) decides later, in the worker, whether there is anyone to mail.
pub async fn request_password_reset(
    state: &AppState,
    organization: &Organization,
    email: &str,
) -> AppResult<()> {
    let Ok(email) = Email::parse("email", email) else {
        return Ok(());
    };
    let mut work = UnitOfWork::begin(state, organization, None).await?;
    let job = Job::PasswordResetRequested {
        organization_id: organization.id,
        email: email.as_str().to_string(),
    };
    work.enqueue(job).await?;
    work.commit().await?;
    Ok(())
}

/// The outbox's handler of a password-reset request: if `email` has a live account in the
/// organization, voids its older reset links and queues a mail with a new one (within the
/// address's mail quota), all under the account's lock; otherwise does nothing.
pub async fn send_password_reset(
    state: &AppState,
    organization_id: OrganizationId,
    email: &str,
) -> AppResult<()> {
    let Some(organization) = store::orgs::find_by_id(&state.db, organization_id).await? else {
        return Ok(());
    };
    let organization = Organization::try_from(organization)?;
    let mut work = UnitOfWork::begin(state, &organization, None).await?;
    let Some(found) = store::users::by_email(work.db(), organization.id, email).await? else {
        return Ok(());
    };
    let Some(user) =
        store::users::by_id_for_update(work.db(), organization.id, UserId::from(found.id))
            .await?
            .filter(|u| u.deleted_at.is_none())
    else {
        return Ok(());
    };
    let token_for = TokenFor {
        user_id: UserId::from(user.id),
        address: &user.email,
        purpose: EmailTokenPurpose::ResetPassword,
        registration: None,
    };
    let mail = |token| AccountMail::ResetPassword { token };
    mail_with_token(&mut work, &organization, token_for, mail).await?;
    work.commit().await?;
    Ok(())
}

/// Sets a new password with a mailed reset token; signs out every session and confirms the
/// address (the link proved the person reads that mailbox).
pub async fn reset_password(
    state: &AppState,
    organization: &Organization,
    token: &str,
    new_password: String,
) -> AppResult<()> {
    let token_hash = auth::token_hash(token);
    // Check the password against the account's data before spending the token, so that a weak
    // password can be corrected with the same link.
    let pending = store::users::valid_email_token(
        &state.db,
        EmailTokenPurpose::ResetPassword,
        &token_hash,
        state.now(),
    )
    .await?
    .ok_or(AppError::InvalidLink)?;
    let user = store::users::by_id(&state.db, organization.id, UserId::from(pending.user_id))
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::InvalidLink)?;
    let roles = super::tenancy::roles_of(state, UserId::from(user.id)).await?;
    let email = Email::parse("email", &user.email).ok();
    let personal = personal_data(
        organization,
        email.as_ref(),
        user.name.as_deref(),
        user.nickname.as_deref(),
    );
    let mut errors = FieldErrors::new();
    check_password(
        "password",
        &new_password,
        AccountKind::of(&roles),
        &personal,
        &mut errors,
    );
    errors.finish()?;
    let admin_grade_password = password::meets_admin_policy(&new_password, &personal);
    let password_hash = state.hasher.hash(new_password).await?;

    let mut work = UnitOfWork::begin(state, organization, None).await?;
    let now = work.now();
    let spent = store::users::spend_email_token(
        work.db(),
        EmailTokenPurpose::ResetPassword,
        &token_hash,
        now,
    )
    .await?;
    if spent.map(|token| token.user_id) != Some(user.id) {
        return Err(AppError::InvalidLink);
    }
    let mut user =
        store::users::by_id_for_update(work.db(), organization.id, UserId::from(user.id))
            .await?
            .filter(|u| u.deleted_at.is_none())
            .ok_or(AppError::InvalidLink)?;
    user.password_hash = Some(password_hash);
    user.admin_grade_password = admin_grade_password;
    user.confirmed_at = user.confirmed_at.or(Some(now));
    user.updated_at = now;
    let user = store::users::save(work.db(), user).await?;
    store::users::void_all_email_tokens(work.db(), UserId::from(user.id), now).await?;
    store::users::revoke_all_sessions(
        work.db(),
        UserId::from(user.id),
        RevokeReason::PasswordReset,
        now,
    )
    .await?;
    work.enqueue(Job::AccountMail {
        user_id: UserId::from(user.id),
        mail: AccountMail::PasswordChanged,
    })
    .await?;
    work.commit().await?;
    Ok(())
}

/// A participant's view of their own account.
#[derive(Debug, Clone)]
pub struct Profile {
    pub account: Account,
    pub roles: Roles,
    /// The processes the participant evaluates by a grant for that process alone, by slug.
    pub evaluator_of: Vec<String>,
    pub residency: Option<super::census::Residency>,
}

/// Reads the actor's profile. The account itself is the one authentication just loaded (or the
/// one a change just saved); only the residency is read here.
pub async fn profile(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
) -> AppResult<Profile> {
    let account = actor.account.clone();
    let residency = match store::census::resident_of(&state.db, account.id).await? {
        Some(resident) => {
            store::orgs::scope(&state.db, organization.id, ScopeId::from(resident.scope_id))
                .await?
                .map(|scope| {
                    Ok::<_, AppError>(super::census::Residency {
                        scope: super::catalog::Scope::try_from(scope)?,
                        verified_at: resident.verified_at,
                    })
                })
                .transpose()?
        }
        None => None,
    };
    Ok(Profile {
        evaluator_of: evaluated_processes(&state.db, account.id).await?,
        account,
        roles: actor.roles.clone(),
        residency,
    })
}

/// What a participant may change about themselves.
#[derive(Debug, Default)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub nickname: Option<String>,
    pub locale: Option<String>,
    pub notification_mail: Option<NotificationMail>,
    /// A new password; `current_password` must then be given too.
    pub new_password: Option<String>,
    pub current_password: Option<String>,
}

/// Changes the actor's profile. A password change needs the current password, signs out every
/// other session and tells the owner by mail. The account is re-read and locked inside the
/// transaction, so a concurrent deletion, reset or block is never overwritten.
pub async fn update_profile(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    changes: ProfileChanges,
) -> AppResult<Profile> {
    let mut errors = FieldErrors::new();
    let parsed = parse_profile_changes(organization, &changes, &mut errors);
    let new_password = match &changes.new_password {
        Some(candidate) => {
            let change = NewPassword {
                candidate,
                current: changes.current_password.as_deref(),
            };
            PasswordChange::check(state, organization, actor, &parsed, change, &mut errors).await?
        }
        None => None,
    };
    errors.finish()?;

    let mut work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let now = work.now();
    let mut user = store::users::by_id_for_update(work.db(), organization.id, actor.id())
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::Unauthenticated)?;
    if let Some(change) = &new_password
        && user.password_hash != change.verified_hash
    {
        // The password changed since this request verified the current one.
        return Err(wrong_current_password().into());
    }
    parsed.apply_to(&mut user);
    if let Some(change) = &new_password {
        user.password_hash = Some(change.hash.clone());
        user.admin_grade_password = change.admin_grade;
    }
    user.updated_at = now;
    let saved = store::users::save(work.db(), user)
        .await
        .map_err(nickname_conflict)?;
    if new_password.is_some() {
        after_password_change(&mut work, organization, actor, &saved).await?;
    }
    work.commit().await?;
    let refreshed = Actor {
        account: Account::try_from(saved)?,
        ..actor.clone()
    };
    profile(state, organization, &refreshed).await
}

/// The profile fields a change sets, each read by its rule (problems go to `errors`).
struct ParsedProfile {
    name: Option<PersonName>,
    nickname: Option<Nickname>,
    locale: Option<String>,
    notification_mail: Option<NotificationMail>,
}

fn parse_profile_changes(
    organization: &Organization,
    changes: &ProfileChanges,
    errors: &mut FieldErrors,
) -> ParsedProfile {
    let name = changes
        .name
        .as_deref()
        .and_then(|raw| errors.take(PersonName::parse("name", raw)));
    let nickname = changes
        .nickname
        .as_deref()
        .and_then(|raw| errors.take(Nickname::parse("nickname", raw)));
    let locale = changes.locale.as_deref().and_then(|raw| {
        errors.take(choose_locale(
            "locale",
            Some(raw),
            &organization.available_locales,
            &organization.default_locale,
        ))
    });
    ParsedProfile {
        name,
        nickname,
        locale,
        notification_mail: changes.notification_mail,
    }
}

impl ParsedProfile {
    fn apply_to(self, user: &mut users::Model) {
        if let Some(name) = self.name {
            user.name = Some(name.as_str().to_string());
        }
        if let Some(nickname) = self.nickname {
            user.nickname = Some(nickname.as_str().to_string());
        }
        if let Some(locale) = self.locale {
            user.locale = locale;
        }
        if let Some(choice) = self.notification_mail {
            user.notification_mail = choice.as_str().to_string();
        }
    }
}

fn wrong_current_password() -> FieldError {
    FieldError::new(
        "current_password",
        FieldCode::WrongPassword,
        "The current password is wrong.",
    )
}

/// A password change as asked: the new password and the current one that authorises it.
struct NewPassword<'a> {
    candidate: &'a str,
    current: Option<&'a str>,
}

/// A new password, checked and hashed, with the hash the current password was verified against
/// (the change applies only if that is still the account's hash once its row is locked).
struct PasswordChange {
    hash: String,
    admin_grade: bool,
    verified_hash: Option<String>,
}

impl PasswordChange {
    /// Checks a password change of `actor`: the current password (each guess counts against
    /// the sign-in throttle) and the new one against the policy for the account's kind and its
    /// personal data as it will be after the change. Problems go to `errors`; the hash is made
    /// only when there are none.
    async fn check(
        state: &AppState,
        organization: &Organization,
        actor: &Actor,
        parsed: &ParsedProfile,
        NewPassword { candidate, current }: NewPassword<'_>,
        errors: &mut FieldErrors,
    ) -> AppResult<Option<PasswordChange>> {
        let verified_hash = store::users::by_id(&state.db, organization.id, actor.id())
            .await?
            .ok_or(AppError::Unauthenticated)?
            .password_hash;
        match current {
            None => errors.push(FieldError::new(
                "current_password",
                FieldCode::Required,
                "Enter your current password to change it.",
            )),
            Some(current) => {
                let key = throttle_key(&actor.account.email);
                count_password_attempt(state, organization, &key, state.now()).await?;
                let verified = state
                    .hasher
                    .verify(current.to_string(), verified_hash.clone())
                    .await?;
                if !verified {
                    errors.push(wrong_current_password());
                }
            }
        }
        let email = Email::parse("email", &actor.account.email).ok();
        let name = parsed.name.as_ref().map(PersonName::as_str);
        let nickname = parsed.nickname.as_ref().map(Nickname::as_str);
        let personal = personal_data(
            organization,
            email.as_ref(),
            name.or(actor.account.name.as_deref()),
            nickname.or(actor.account.nickname.as_deref()),
        );
        let kind = AccountKind::of(&actor.roles);
        check_password("new_password", candidate, kind, &personal, errors);
        if !errors.is_empty() {
            return Ok(None);
        }
        Ok(Some(PasswordChange {
            hash: state.hasher.hash(candidate.to_string()).await?,
            admin_grade: password::meets_admin_policy(candidate, &personal),
            verified_hash,
        }))
    }
}

/// What a password change does besides the new hash: the throttle on the address is cleared,
/// reset links are voided, every other session ends, and the owner is told by mail.
async fn after_password_change(
    work: &mut UnitOfWork<'_>,
    organization: &Organization,
    actor: &Actor,
    saved: &users::Model,
) -> AppResult<()> {
    let now = work.now();
    let user_id = UserId::from(saved.id);
    store::users::clear_login_throttle(work.db(), organization.id, &throttle_key(&saved.email))
        .await?;
    store::users::void_all_email_tokens(work.db(), user_id, now).await?;
    store::users::revoke_sessions_except(
        work.db(),
        user_id,
        actor.session_id,
        RevokeReason::PasswordChanged,
        now,
    )
    .await?;
    work.enqueue(Job::AccountMail {
        user_id,
        mail: AccountMail::PasswordChanged,
    })
    .await
}

/// Deletes the actor's account by anonymising it (DESIGN §2.1): personal data is erased, every
/// session ends, roles are dropped; the row stays so that content and cast ballots remain counted
/// without pointing at the person, and the residency stays (keyed by the document hash only) so
/// that a new account verifying with the same document takes it over instead of voting twice.
pub async fn delete_account(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
) -> AppResult<()> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let now = work.now();
    // Who administers the organization changes one request at a time.
    store::orgs::lock_organization(work.db(), organization.id).await?;
    let mut user = store::users::by_id_for_update(work.db(), organization.id, actor.id())
        .await?
        .ok_or(AppError::NotFound)?;
    let roles_before = super::tenancy::roles_in(work.db(), UserId::from(user.id)).await?;
    let evaluated_before = evaluated_processes(work.db(), UserId::from(user.id)).await?;
    if roles_before.has(Role::Admin) {
        one_admin_may_go(work.db(), organization).await?;
    }
    let address = user.email.clone();
    let left = standing::anonymised(UserId::from(user.id));
    user.email = left.email;
    user.password_hash = None;
    user.admin_grade_password = false;
    user.name = left.name;
    user.nickname = left.nickname;
    user.notification_mail = left.notification_mail.as_str().to_string();
    user.deleted_at = Some(now);
    user.updated_at = now;
    store::users::save(work.db(), user.clone()).await?;
    store::users::revoke_all_sessions(
        work.db(),
        UserId::from(user.id),
        RevokeReason::AccountDeleted,
        now,
    )
    .await?;
    store::users::revoke_all_roles(work.db(), UserId::from(user.id)).await?;
    store::users::revoke_all_process_roles(work.db(), UserId::from(user.id)).await?;
    store::users::void_all_email_tokens(work.db(), UserId::from(user.id), now).await?;
    store::census::clear_attempts(work.db(), UserId::from(user.id)).await?;
    crate::jobs::forget_account(
        work.db(),
        organization.id,
        UserId::from(user.id),
        &address,
        now,
    )
    .await?;
    if roles_before.iter().any(|role| role != Role::Participant) || !evaluated_before.is_empty() {
        work.audit(
            AuditAction::UserDelete,
            user.id,
            Some(serde_json::json!({
                "roles": role_names(&roles_before),
                "evaluator_of": evaluated_before,
            })),
            Some(serde_json::json!({ "roles": [], "evaluator_of": [] })),
        )
        .await?;
    }
    work.commit().await?;
    Ok(())
}

/// Refuses (409 `last_admin`) a change that takes the admin role from one account when it is the
/// organization's only admin; run it under `orgs::lock_organization`.
async fn one_admin_may_go(db: &impl ConnectionTrait, organization: &Organization) -> AppResult<()> {
    let admins = store::users::count_admins(db, organization.id).await?;
    plaza_domain::accounts::may_remove_an_admin(admins)?;
    Ok(())
}

fn role_names(roles: &Roles) -> Vec<&'static str> {
    roles
        .iter()
        .filter(|role| *role != Role::Participant)
        .map(Role::as_str)
        .collect()
}

/// Creates (or promotes) an organization admin from the command line: the account is confirmed
/// at once, gets the admin role, and the action is audited with no actor (the operator).
pub async fn create_admin(
    state: &AppState,
    organization: &Organization,
    email: &str,
    name: &str,
    password: String,
) -> AppResult<UserId> {
    let mut errors = FieldErrors::new();
    let parsed_email = errors.take(Email::parse("email", email));
    let parsed_name = errors.take(PersonName::parse("name", name));
    check_password(
        "password",
        &password,
        AccountKind::Admin,
        &personal_data(organization, parsed_email.as_ref(), Some(name), None),
        &mut errors,
    );
    errors.finish()?;
    let (Some(email), Some(name)) = (parsed_email, parsed_name) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let hash = state.hasher.hash(password).await?;
    let work = UnitOfWork::begin(state, organization, None).await?;
    let now = work.now();
    let existing = store::users::by_email(work.db(), organization.id, email.as_str())
        .await?
        .filter(|u| u.deleted_at.is_none());
    let user = match existing {
        Some(existing) => {
            let mut user = store::users::by_id_for_update(
                work.db(),
                organization.id,
                UserId::from(existing.id),
            )
            .await?
            .ok_or(AppError::NotFound)?;
            user.password_hash = Some(hash);
            user.admin_grade_password = true;
            user.confirmed_at = user.confirmed_at.or(Some(now));
            user.updated_at = now;
            store::users::save(work.db(), user).await?
        }
        None => {
            store::users::insert(
                work.db(),
                users::Model {
                    id: Uuid::now_v7(),
                    organization_id: organization.id.uuid(),
                    email: email.as_str().to_string(),
                    password_hash: Some(hash),
                    name: Some(name.as_str().to_string()),
                    nickname: None,
                    locale: organization.default_locale.clone(),
                    notification_mail: NotificationMail::Immediate.as_str().to_string(),
                    confirmed_at: Some(now),
                    blocked_at: None,
                    deleted_at: None,
                    created_at: now,
                    updated_at: now,
                    admin_grade_password: true,
                },
            )
            .await?
        }
    };
    store::users::grant_role(work.db(), UserId::from(user.id), Role::Admin.as_str(), now).await?;
    work.audit(
        AuditAction::AdminCreate,
        user.id,
        None,
        Some(serde_json::json!({ "roles": ["admin"] })),
    )
    .await?;
    store::users::void_all_email_tokens(work.db(), UserId::from(user.id), now).await?;
    store::users::revoke_all_sessions(
        work.db(),
        UserId::from(user.id),
        RevokeReason::PasswordSetByOperator,
        now,
    )
    .await?;
    work.commit().await?;
    Ok(UserId::from(user.id))
}

/// An account's civil-servant roles: organization-wide ones, and the processes it evaluates
/// alone (by slug).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grants {
    pub roles: Roles,
    pub evaluator_of: Vec<String>,
}

/// How many processes one request may name in `evaluator_of`.
pub const MAX_EVALUATED_PROCESSES: usize = 1_000;

/// The slugs of the processes `user_id` evaluates by a grant for that process alone.
async fn evaluated_processes(db: &impl ConnectionTrait, user_id: UserId) -> AppResult<Vec<String>> {
    Ok(
        store::users::processes_with_role(db, user_id, Role::Evaluator.as_str())
            .await?
            .into_iter()
            .map(|process| process.slug)
            .collect(),
    )
}

/// Reads the processes named by slug in `evaluator_of` (each one of the organization's; an
/// unknown one is 422 `evaluator_of.N` `not_found`), each once.
async fn processes_named(
    db: &impl ConnectionTrait,
    organization: &Organization,
    slugs: &[String],
) -> AppResult<Vec<store::entities::processes::Model>> {
    if slugs.len() > MAX_EVALUATED_PROCESSES {
        return Err(FieldError::new(
            "evaluator_of",
            FieldCode::OutOfRange,
            format!("At most {MAX_EVALUATED_PROCESSES} processes at once."),
        )
        .into());
    }
    let found = store::orgs::processes_by_slugs(db, organization.id, slugs).await?;
    let mut errors = FieldErrors::new();
    for (index, slug) in slugs.iter().enumerate() {
        if found.iter().all(|process| &process.slug != slug) {
            errors.push(FieldError::new(
                format!("evaluator_of.{index}"),
                FieldCode::NotFound,
                "No process of this organization has this slug.",
            ));
        }
    }
    errors.finish()?;
    Ok(found)
}

/// Replaces the civil-servant roles of an account (admins only), audited with before and after:
/// its organization-wide `roles`, and, when `evaluator_of` is given, the processes it evaluates
/// alone (absent: those stay as they are).
pub async fn set_roles(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    user_id: UserId,
    roles: &[Role],
    evaluator_of: Option<&[String]>,
) -> AppResult<Grants> {
    plaza_domain::accounts::authorize(
        &actor.roles,
        plaza_domain::accounts::Permission::ManageRoles,
    )?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let now = work.now();
    // Role changes run one at a time per organization, on roles read under that lock: two
    // admins demoting each other at once cannot both succeed.
    store::orgs::lock_organization(work.db(), organization.id).await?;
    let actor_roles = super::tenancy::roles_in(work.db(), actor.id()).await?;
    let target = store::users::by_id_for_update(work.db(), organization.id, user_id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let target_id = UserId::from(target.id);
    let wanted = decide_roles(
        &actor_roles,
        target.id == actor.id().uuid(),
        roles.iter().copied(),
        target.admin_grade_password,
    )?;
    let evaluated = match evaluator_of {
        Some(slugs) => Some(processes_named(work.db(), organization, slugs).await?),
        None => None,
    };
    let before = store::users::roles_of(work.db(), target_id).await?;
    let evaluated_before = evaluated_processes(work.db(), target_id).await?;
    if before.iter().any(|r| r == Role::Admin.as_str()) && !wanted.has(Role::Admin) {
        one_admin_may_go(work.db(), organization).await?;
    }
    store::users::revoke_all_roles(work.db(), target_id).await?;
    for role in wanted.iter().filter(|r| *r != Role::Participant) {
        store::users::grant_role(work.db(), target_id, role.as_str(), now).await?;
    }
    if let Some(processes) = &evaluated {
        store::users::revoke_all_process_roles(work.db(), target_id).await?;
        for process in processes {
            store::users::grant_process_role(
                work.db(),
                target_id,
                ProcessId::from(process.id),
                Role::Evaluator.as_str(),
                now,
            )
            .await?;
        }
    }
    let evaluator_of = evaluated_processes(work.db(), target_id).await?;
    work.audit(
        AuditAction::UserRolesUpdate,
        target.id,
        Some(serde_json::json!({ "roles": before, "evaluator_of": evaluated_before })),
        Some(serde_json::json!({
            "roles": role_names(&wanted),
            "evaluator_of": evaluator_of,
        })),
    )
    .await?;
    work.commit().await?;
    Ok(Grants {
        roles: wanted,
        evaluator_of,
    })
}

/// The roles of an account of the organization (admins only).
pub async fn roles_of_user(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    user_id: UserId,
) -> AppResult<Grants> {
    plaza_domain::accounts::authorize(
        &actor.roles,
        plaza_domain::accounts::Permission::ManageRoles,
    )?;
    let target = store::users::by_id(&state.db, organization.id, user_id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let target_id = UserId::from(target.id);
    Ok(Grants {
        roles: super::tenancy::roles_of(state, target_id).await?,
        evaluator_of: evaluated_processes(&state.db, target_id).await?,
    })
}
