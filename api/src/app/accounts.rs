//! Account use cases: register, confirm, sign in, refresh, sign out, reset a password, and the
//! participant's own profile (read, change, delete).
//!
//! Anti-enumeration (DESIGN §2.1): registration and password-reset requests answer the same way
//! whether or not the address has an account, and take about as long (a password hash is
//! computed on every registration, a dummy one on a login for an unknown address). The person
//! who owns an address learns what happened by mail instead.

use super::AppState;
use super::error::{AppError, AppResult};
use super::tenancy::{Actor, Organization};
use crate::auth::{self, jwt, passwords};
use crate::clock::{from_timestamp, to_timestamp};
use crate::db;
use crate::mail::{OutgoingMail, templates};
use crate::store::{
    self,
    entities::{login_throttles, residents, scopes, users},
    outbox::Job,
    users::EmailTokenPurpose,
};
use plaza_domain::accounts::password::{self, AccountKind, PersonalData};
use plaza_domain::accounts::throttle::LoginThrottle;
use plaza_domain::accounts::{Email, Nickname, NotificationMail, PersonName, Roles};
use plaza_domain::sessions::{self, RefreshDecision, SessionState};
use plaza_domain::{DomainError, FieldError, FieldErrors};
use sea_orm::ConnectionTrait;
use time::OffsetDateTime;
use uuid::Uuid;

/// What a sign-up form sends.
pub struct Registration {
    pub email: String,
    pub password: String,
    pub name: String,
    pub nickname: Option<String>,
    pub locale: Option<String>,
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

fn parse_locale(
    organization: &Organization,
    field: &str,
    raw: Option<&str>,
) -> Result<String, FieldError> {
    match raw {
        None => Ok(organization.default_locale.clone()),
        Some(locale) if organization.available_locales.iter().any(|l| l == locale) => {
            Ok(locale.to_string())
        }
        Some(_) => Err(FieldError::new(
            field,
            "unknown_locale",
            format!(
                "Choose one of {}.",
                organization.available_locales.join(", ")
            ),
        )),
    }
}

/// A link to the frontend page that finishes a mailed action.
fn link(state: &AppState, page: &str, token: &str) -> String {
    format!("{}/{page}?token={token}", state.settings.public_url)
}

/// Creates a mailed token for `user` and returns the token (its hash is what is stored).
async fn issue_email_token(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    purpose: EmailTokenPurpose,
    now: OffsetDateTime,
) -> AppResult<String> {
    let lifetime = match purpose {
        EmailTokenPurpose::ConfirmEmail => sessions::CONFIRMATION_TOKEN_SECONDS,
        EmailTokenPurpose::ResetPassword => sessions::PASSWORD_RESET_TOKEN_SECONDS,
    };
    let token = auth::random_token(32);
    store::users::insert_email_token(
        db,
        user_id,
        purpose,
        auth::token_hash(&token),
        now,
        now + time::Duration::seconds(lifetime),
    )
    .await?;
    Ok(token)
}

async fn send(
    db: &impl ConnectionTrait,
    organization: &Organization,
    mail: OutgoingMail,
    now: OffsetDateTime,
) -> AppResult<()> {
    store::outbox::enqueue(db, Some(organization.id), &Job::Mail(mail), now).await?;
    Ok(())
}

/// Registers an account and mails a confirmation link. For an address that already has an
/// account, nothing is created: a confirmed account's owner is told by mail that someone tried
/// (with a reset link), an unconfirmed one gets a fresh confirmation link. The caller answers the
/// same in every case.
pub async fn register(
    state: &AppState,
    organization: &Organization,
    form: Registration,
) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    let email = errors.take(Email::parse("email", &form.email));
    let name = errors.take(PersonName::parse("name", &form.name));
    let nickname = match form.nickname.as_deref() {
        Some(raw) => errors.take(Nickname::parse("nickname", raw)),
        None => None,
    };
    let locale = errors.take(parse_locale(organization, "locale", form.locale.as_deref()));
    let personal = personal_data(
        organization,
        email.as_ref(),
        name.as_ref().map(PersonName::as_str),
        nickname.as_ref().map(Nickname::as_str),
    );
    check_password(
        "password",
        &form.password,
        AccountKind::Participant,
        &personal,
        &mut errors,
    );
    errors.finish()?;
    let (Some(email), Some(name), Some(locale)) = (email, name, locale) else {
        return Err(AppError::internal("validated fields missing"));
    };

    let password_hash = passwords::hash(form.password)
        .await
        .map_err(AppError::internal)?;
    let now = state.now();
    let tx = db::begin_write(&state.db).await?;
    match store::users::by_email(&tx, organization.id, email.as_str()).await? {
        Some(existing) if existing.confirmed_at.is_some() => {
            let token =
                issue_email_token(&tx, existing.id, EmailTokenPurpose::ResetPassword, now).await?;
            let mail = templates::already_registered(
                existing.email.as_str(),
                &existing.locale,
                &organization.name,
                &link(state, "password-reset", &token),
            );
            send(&tx, organization, mail, now).await?;
        }
        Some(existing) => {
            let mail_token = auth::random_token(32);
            let mail = templates::confirm_email(
                existing.email.as_str(),
                &existing.locale,
                &organization.name,
                &link(state, "confirm", &mail_token),
            );
            send(&tx, organization, mail, now).await?;
            store::users::insert_email_token(
                &tx,
                existing.id,
                EmailTokenPurpose::ConfirmEmail,
                auth::token_hash(&mail_token),
                now,
                now + time::Duration::seconds(sessions::CONFIRMATION_TOKEN_SECONDS),
            )
            .await?;
        }
        None => {
            let user = users::Model {
                id: Uuid::now_v7(),
                organization_id: organization.id,
                email: email.as_str().to_string(),
                password_hash: Some(password_hash),
                name: Some(name.as_str().to_string()),
                nickname: nickname.map(|n| n.as_str().to_string()),
                locale,
                notification_mail: NotificationMail::Immediate.as_str().to_string(),
                confirmed_at: None,
                blocked_at: None,
                deleted_at: None,
                created_at: now,
                updated_at: now,
            };
            store::users::insert(&tx, user.clone())
                .await
                .map_err(|error| {
                    if store::users::UX_USER_NICKNAME.violated_by(&error) {
                        AppError::AlreadyTaken { field: "nickname" }
                    } else {
                        error.into()
                    }
                })?;
            // The mail is queued before its token is stored: if anything after this point fails,
            // the whole transaction (mail included) rolls back and nothing is sent.
            let mail_token = auth::random_token(32);
            let mail = templates::confirm_email(
                &user.email,
                &user.locale,
                &organization.name,
                &link(state, "confirm", &mail_token),
            );
            send(&tx, organization, mail, now).await?;
            store::users::insert_email_token(
                &tx,
                user.id,
                EmailTokenPurpose::ConfirmEmail,
                auth::token_hash(&mail_token),
                now,
                now + time::Duration::seconds(sessions::CONFIRMATION_TOKEN_SECONDS),
            )
            .await?;
        }
    }
    tx.commit().await?;
    state.wake_outbox();
    Ok(())
}

/// Confirms an email address with the mailed token.
pub async fn confirm_email(
    state: &AppState,
    organization: &Organization,
    token: &str,
) -> AppResult<()> {
    let now = state.now();
    let tx = db::begin_write(&state.db).await?;
    let user_id = store::users::spend_email_token(
        &tx,
        EmailTokenPurpose::ConfirmEmail,
        &auth::token_hash(token),
        now,
    )
    .await?
    .ok_or(AppError::InvalidLink)?;
    let mut user = store::users::by_id(&tx, organization.id, user_id)
        .await?
        .ok_or(AppError::InvalidLink)?;
    if user.deleted_at.is_some() {
        return Err(AppError::InvalidLink);
    }
    if user.confirmed_at.is_none() {
        user.confirmed_at = Some(now);
        user.updated_at = now;
        store::users::save(&tx, user).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Opens a session and returns its tokens.
async fn open_session(
    state: &AppState,
    db: &impl ConnectionTrait,
    organization: &Organization,
    user_id: Uuid,
    now: OffsetDateTime,
) -> AppResult<TokenPair> {
    let session_id = Uuid::now_v7();
    store::users::insert_session(
        db,
        crate::store::entities::sessions::Model {
            id: session_id,
            user_id,
            created_at: now,
            last_used_at: now,
            revoked_at: None,
            revoked_reason: None,
        },
    )
    .await?;
    let refresh_token = auth::random_token(32);
    store::users::insert_refresh_token(db, session_id, auth::token_hash(&refresh_token), now)
        .await?;
    Ok(tokens(
        state,
        organization,
        user_id,
        session_id,
        now,
        refresh_token,
    ))
}

fn tokens(
    state: &AppState,
    organization: &Organization,
    user_id: Uuid,
    session_id: Uuid,
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

/// Signs in with email and password. Unknown addresses, wrong passwords and deleted accounts get
/// the same answer after the same work.
pub async fn login(
    state: &AppState,
    organization: &Organization,
    email: &str,
    password: &str,
) -> AppResult<TokenPair> {
    let now = state.now();
    let email_key = auth::token_hash(&email.trim().to_lowercase());
    let throttle_row = store::users::login_throttle(&state.db, organization.id, &email_key).await?;
    let throttle = throttle_row
        .as_ref()
        .map_or_else(LoginThrottle::default, |row| LoginThrottle {
            window_started_at: row.window_started_at.map(to_timestamp),
            failures_in_window: u32::try_from(row.failures_in_window).unwrap_or(0),
            failures_in_a_row: u32::try_from(row.failures_in_a_row).unwrap_or(0),
            locked_until: row.locked_until.map(to_timestamp),
        });
    throttle.check(to_timestamp(now))?;

    let user = match Email::parse("email", email) {
        Ok(email) => store::users::by_email(&state.db, organization.id, email.as_str())
            .await?
            .filter(|u| u.deleted_at.is_none()),
        Err(_) => None,
    };
    let stored_hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let user = match user {
        Some(user) if passwords::verify(password.to_string(), stored_hash).await => user,
        _ => {
            // The same bookkeeping for unknown addresses and wrong passwords.
            let next = throttle.after_failure(to_timestamp(now));
            let tx = db::begin_write(&state.db).await?;
            store::users::save_login_throttle(
                &tx,
                login_throttles::Model {
                    organization_id: organization.id,
                    email_key,
                    window_started_at: next.window_started_at.map(from_timestamp),
                    failures_in_window: i32::try_from(next.failures_in_window).unwrap_or(i32::MAX),
                    failures_in_a_row: i32::try_from(next.failures_in_a_row).unwrap_or(i32::MAX),
                    locked_until: next.locked_until.map(from_timestamp),
                },
            )
            .await?;
            tx.commit().await?;
            return Err(AppError::InvalidCredentials);
        }
    };
    if user.blocked_at.is_some() {
        return Err(AppError::AccountBlocked);
    }
    if user.confirmed_at.is_none() {
        return Err(AppError::EmailNotConfirmed);
    }
    let tx = db::begin_write(&state.db).await?;
    if throttle_row.is_some() {
        store::users::clear_login_throttle(&tx, organization.id, &email_key).await?;
    }
    let pair = open_session(state, &tx, organization, user.id, now).await?;
    tx.commit().await?;
    Ok(pair)
}

/// Exchanges a refresh token for a new pair. A token presented twice revokes its session.
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
    let session = store::users::session(&tx, token.session_id)
        .await?
        .ok_or(DomainError::SessionEnded)?;
    let user = store::users::by_id(&tx, organization.id, session.user_id)
        .await?
        .ok_or(DomainError::SessionEnded)?;
    if user.deleted_at.is_some() || user.blocked_at.is_some() {
        return Err(DomainError::SessionEnded.into());
    }
    let state_of_session = SessionState {
        created_at: to_timestamp(session.created_at),
        last_used_at: to_timestamp(session.last_used_at),
        revoked: session.revoked_at.is_some(),
    };
    let decision =
        sessions::decide_refresh(state_of_session, token.used_at.is_some(), to_timestamp(now))?;
    let rotated = decision == RefreshDecision::Rotate
        && store::users::spend_refresh_token(&tx, token.id, now).await?;
    if !rotated {
        store::users::revoke_session(&tx, session.id, "refresh_token_reused", now).await?;
        tx.commit().await?;
        tracing::warn!(session = %session.id, user = %user.id, "refresh token reused; session revoked");
        return Err(DomainError::RefreshTokenReused.into());
    }
    let next = auth::random_token(32);
    store::users::insert_refresh_token(&tx, session.id, auth::token_hash(&next), now).await?;
    store::users::touch_session(&tx, session.id, now).await?;
    tx.commit().await?;
    Ok(tokens(state, organization, user.id, session.id, now, next))
}

/// Ends the actor's current session: its access and refresh tokens stop working at once.
pub async fn logout(state: &AppState, actor: &Actor) -> AppResult<()> {
    let now = state.now();
    store::users::revoke_session(&state.db, actor.session_id, "logout", now).await?;
    Ok(())
}

/// Mails a password-reset link if the address has an account; answers the same either way.
pub async fn request_password_reset(
    state: &AppState,
    organization: &Organization,
    email: &str,
) -> AppResult<()> {
    let Ok(email) = Email::parse("email", email) else {
        return Ok(());
    };
    let now = state.now();
    let tx = db::begin_write(&state.db).await?;
    if let Some(user) = store::users::by_email(&tx, organization.id, email.as_str())
        .await?
        .filter(|u| u.deleted_at.is_none())
    {
        store::users::void_email_tokens(&tx, user.id, EmailTokenPurpose::ResetPassword, now)
            .await?;
        let token = issue_email_token(&tx, user.id, EmailTokenPurpose::ResetPassword, now).await?;
        let mail = templates::reset_password(
            &user.email,
            &user.locale,
            &organization.name,
            &link(state, "password-reset", &token),
        );
        send(&tx, organization, mail, now).await?;
    }
    tx.commit().await?;
    state.wake_outbox();
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
    let user_id = store::users::valid_email_token(
        &state.db,
        EmailTokenPurpose::ResetPassword,
        &token_hash,
        state.now(),
    )
    .await?
    .ok_or(AppError::InvalidLink)?;
    let user = store::users::by_id(&state.db, organization.id, user_id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::InvalidLink)?;
    let email = Email::parse("email", &user.email).ok();
    let mut errors = FieldErrors::new();
    check_password(
        "password",
        &new_password,
        kind_of(state, user.id).await?,
        &personal_data(
            organization,
            email.as_ref(),
            user.name.as_deref(),
            user.nickname.as_deref(),
        ),
        &mut errors,
    );
    errors.finish()?;
    let password_hash = passwords::hash(new_password)
        .await
        .map_err(AppError::internal)?;

    let now = state.now();
    let tx = db::begin_write(&state.db).await?;
    if store::users::spend_email_token(&tx, EmailTokenPurpose::ResetPassword, &token_hash, now)
        .await?
        != Some(user.id)
    {
        return Err(AppError::InvalidLink);
    }
    let mut user = store::users::by_id(&tx, organization.id, user.id)
        .await?
        .ok_or(AppError::InvalidLink)?;
    user.password_hash = Some(password_hash);
    user.confirmed_at = user.confirmed_at.or(Some(now));
    user.updated_at = now;
    let user = store::users::save(&tx, user).await?;
    store::users::revoke_all_sessions(&tx, user.id, "password_reset", now).await?;
    send(
        &tx,
        organization,
        templates::password_changed(&user.email, &user.locale, &organization.name),
        now,
    )
    .await?;
    tx.commit().await?;
    state.wake_outbox();
    Ok(())
}

/// Admins need longer passwords.
async fn kind_of(state: &AppState, user_id: Uuid) -> AppResult<AccountKind> {
    let roles = super::tenancy::roles_of(state, user_id).await?;
    Ok(if roles.has(plaza_domain::accounts::Role::Admin) {
        AccountKind::Admin
    } else {
        AccountKind::Participant
    })
}

/// A participant's view of their own account.
#[derive(Debug, Clone)]
pub struct Profile {
    pub user: users::Model,
    pub roles: Roles,
    pub residency: Option<(residents::Model, scopes::Model)>,
}

/// Reads the actor's profile.
pub async fn profile(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
) -> AppResult<Profile> {
    let user = store::users::by_id(&state.db, organization.id, actor.id())
        .await?
        .ok_or(AppError::NotFound)?;
    let residency = match store::census::resident_of(&state.db, user.id).await? {
        Some(resident) => store::orgs::scope(&state.db, organization.id, resident.scope_id)
            .await?
            .map(|scope| (resident, scope)),
        None => None,
    };
    Ok(Profile {
        user,
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
    pub notification_mail: Option<String>,
    /// A new password; `current_password` must then be given too.
    pub new_password: Option<String>,
    pub current_password: Option<String>,
}

/// Changes the actor's profile. A password change needs the current password, signs out every
/// other session and tells the owner by mail.
pub async fn update_profile(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    changes: ProfileChanges,
) -> AppResult<Profile> {
    let mut user = actor.user.clone();
    let mut errors = FieldErrors::new();
    if let Some(raw) = &changes.name {
        if let Some(name) = errors.take(PersonName::parse("name", raw)) {
            user.name = Some(name.as_str().to_string());
        }
    }
    if let Some(raw) = &changes.nickname {
        if let Some(nickname) = errors.take(Nickname::parse("nickname", raw)) {
            user.nickname = Some(nickname.as_str().to_string());
        }
    }
    if let Some(raw) = &changes.locale {
        if let Some(locale) = errors.take(parse_locale(organization, "locale", Some(raw))) {
            user.locale = locale;
        }
    }
    if let Some(raw) = &changes.notification_mail {
        match NotificationMail::parse(raw) {
            Some(choice) => user.notification_mail = choice.as_str().to_string(),
            None => errors.push(FieldError::new(
                "notification_mail",
                "invalid_value",
                "Choose none, immediate or daily.",
            )),
        }
    }
    let mut new_hash = None;
    if let Some(new_password) = &changes.new_password {
        match &changes.current_password {
            None => errors.push(FieldError::new(
                "current_password",
                "required",
                "Enter your current password to change it.",
            )),
            Some(current) => {
                if !passwords::verify(current.clone(), actor.user.password_hash.clone()).await {
                    errors.push(FieldError::new(
                        "current_password",
                        "wrong_password",
                        "The current password is wrong.",
                    ));
                }
            }
        }
        let email = Email::parse("email", &user.email).ok();
        let kind = if actor.roles.has(plaza_domain::accounts::Role::Admin) {
            AccountKind::Admin
        } else {
            AccountKind::Participant
        };
        check_password(
            "new_password",
            new_password,
            kind,
            &personal_data(
                organization,
                email.as_ref(),
                user.name.as_deref(),
                user.nickname.as_deref(),
            ),
            &mut errors,
        );
        if errors.is_empty() {
            new_hash = Some(
                passwords::hash(new_password.clone())
                    .await
                    .map_err(AppError::internal)?,
            );
        }
    }
    errors.finish()?;

    let now = state.now();
    user.updated_at = now;
    let changed_password = new_hash.is_some();
    if let Some(hash) = new_hash {
        user.password_hash = Some(hash);
    }
    let tx = db::begin_write(&state.db).await?;
    let saved = store::users::save(&tx, user).await.map_err(|error| {
        if store::users::UX_USER_NICKNAME.violated_by(&error) {
            AppError::AlreadyTaken { field: "nickname" }
        } else {
            error.into()
        }
    })?;
    if changed_password {
        store::users::revoke_sessions_except(
            &tx,
            saved.id,
            actor.session_id,
            "password_changed",
            now,
        )
        .await?;
        send(
            &tx,
            organization,
            templates::password_changed(&saved.email, &saved.locale, &organization.name),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    if changed_password {
        state.wake_outbox();
    }
    let refreshed = Actor {
        user: saved,
        ..actor.clone()
    };
    profile(state, organization, &refreshed).await
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
    let now = state.now();
    let tx = db::begin_write(&state.db).await?;
    let mut user = store::users::by_id(&tx, organization.id, actor.id())
        .await?
        .ok_or(AppError::NotFound)?;
    user.email = format!("deleted-{}@deleted.invalid", user.id.simple());
    user.password_hash = None;
    user.name = None;
    user.nickname = None;
    user.notification_mail = NotificationMail::None.as_str().to_string();
    user.deleted_at = Some(now);
    user.updated_at = now;
    store::users::save(&tx, user.clone()).await?;
    store::users::revoke_all_sessions(&tx, user.id, "account_deleted", now).await?;
    store::users::revoke_all_roles(&tx, user.id).await?;
    store::users::void_email_tokens(&tx, user.id, EmailTokenPurpose::ConfirmEmail, now).await?;
    store::users::void_email_tokens(&tx, user.id, EmailTokenPurpose::ResetPassword, now).await?;
    store::census::clear_attempts(&tx, user.id).await?;
    tx.commit().await?;
    Ok(())
}

/// Creates (or promotes) an organization admin from the command line: the account is confirmed
/// at once, gets the admin role, and the action is audited with no actor (the operator).
pub async fn create_admin(
    state: &AppState,
    organization: &Organization,
    email: &str,
    name: &str,
    password: String,
) -> AppResult<Uuid> {
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
    let hash = passwords::hash(password)
        .await
        .map_err(AppError::internal)?;
    let now = state.now();
    let tx = db::begin_write(&state.db).await?;
    let user = match store::users::by_email(&tx, organization.id, email.as_str())
        .await?
        .filter(|u| u.deleted_at.is_none())
    {
        Some(mut existing) => {
            existing.password_hash = Some(hash);
            existing.confirmed_at = existing.confirmed_at.or(Some(now));
            existing.updated_at = now;
            store::users::save(&tx, existing).await?
        }
        None => {
            store::users::insert(
                &tx,
                users::Model {
                    id: Uuid::now_v7(),
                    organization_id: organization.id,
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
                },
            )
            .await?
        }
    };
    store::users::grant_role(&tx, user.id, "admin", now).await?;
    store::audit::record(
        &tx,
        store::audit::AuditEntry {
            organization_id: organization.id,
            actor_id: None,
            action: "admin.create",
            target_kind: "user",
            target_id: user.id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "roles": ["admin"] })),
        },
        now,
    )
    .await?;
    store::users::revoke_all_sessions(&tx, user.id, "password_set_by_operator", now).await?;
    tx.commit().await?;
    Ok(user.id)
}

/// Replaces the civil-servant roles of an account (admins only), audited with before and after.
pub async fn set_roles(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    user_id: Uuid,
    roles: &[plaza_domain::accounts::Role],
) -> AppResult<Roles> {
    plaza_domain::accounts::authorize(
        &actor.roles,
        plaza_domain::accounts::Permission::ManageRoles,
    )?;
    let now = state.now();
    let tx = db::begin_write(&state.db).await?;
    let target = store::users::by_id(&tx, organization.id, user_id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let before = store::users::roles_of(&tx, target.id).await?;
    let wanted = Roles::new(roles.iter().copied());
    if target.id == actor.id() && !wanted.has(plaza_domain::accounts::Role::Admin) {
        return Err(AppError::from(FieldError::new(
            "roles",
            "cannot_remove_own_admin",
            "You cannot remove your own admin role.",
        )));
    }
    store::users::revoke_all_roles(&tx, target.id).await?;
    for role in wanted
        .iter()
        .filter(|r| *r != plaza_domain::accounts::Role::Participant)
    {
        store::users::grant_role(&tx, target.id, role.as_str(), now).await?;
    }
    store::audit::record(
        &tx,
        store::audit::AuditEntry {
            organization_id: organization.id,
            actor_id: Some(actor.id()),
            action: "user.roles.update",
            target_kind: "user",
            target_id: target.id.to_string(),
            before: Some(serde_json::json!({ "roles": before })),
            after: Some(serde_json::json!({ "roles": wanted.iter().map(|r| r.as_str()).collect::<Vec<_>>() })),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(wanted)
}

/// The roles of an account of the organization (admins only).
pub async fn roles_of_user(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    user_id: Uuid,
) -> AppResult<Roles> {
    plaza_domain::accounts::authorize(
        &actor.roles,
        plaza_domain::accounts::Permission::ManageRoles,
    )?;
    let target = store::users::by_id(&state.db, organization.id, user_id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    super::tenancy::roles_of(state, target.id).await
}
