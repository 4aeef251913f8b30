//! `/auth`: registration, email confirmation, sign-in, token refresh, sign-out, password reset.

use super::ApiTags;
use super::body::JsonBody;
use super::client::{Limit, Mail, SignIn, SignUp};
use super::common::{Accepted, NoContent};
use super::problem::{Problem, answers};
use super::security::{BearerAuth, State, Tenant};
use crate::app::accounts::{self, Registration, TokenPair};
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use serde::Deserialize;

/// A new account.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// The address the confirmation link is sent to; it also signs in. The password is chosen
    /// with the link (`POST /auth/confirm`), so that only the mailbox's owner can set it. Spaces
    /// at either end are removed and letters lowercased: addresses differing only in case are
    /// one.
    pub email: String,
    /// How the person wants to be called. Spaces at either end are removed (the maximum length
    /// counts them).
    pub name: String,
    /// A public handle of letters, digits and underscores, unique in the organization. Spaces at
    /// either end are removed (the maximum length counts them) and letters lowercased.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub nickname: Option<String>,
    /// One of the organization's locales (its default when absent); mail comes in this language.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub locale: Option<String>,
}

/// A confirmation link's token and the password to set.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// The token from the link in the confirmation mail.
    pub token: String,
    /// The account's password, taken as sent: at least 5 different characters, not containing
    /// your name, nickname, email or the site's name, and not a common password.
    pub password: String,
}

/// Credentials.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// Spaces at either end are removed and letters lowercased, as at registration.
    pub email: String,
    pub password: String,
}

/// A refresh token.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    /// The refresh token of the last sign-in or refresh. Each works once.
    pub refresh_token: String,
}

/// An address to send a password-reset link to.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetBody {
    pub email: String,
}

/// A new password with the mailed token.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirmBody {
    /// The token from the link in the mail.
    pub token: String,
    /// The new password (the rules of registration; an admin's must be longer).
    pub password: String,
}

/// Tokens for a session.
#[derive(Debug, Object)]
pub struct Tokens {
    /// Send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Exchange at `POST /auth/refresh` for new tokens; works once. The session ends after 30
    /// minutes without a refresh and 12 hours after sign-in.
    pub refresh_token: String,
}

impl From<TokenPair> for Tokens {
    fn from(pair: TokenPair) -> Tokens {
        Tokens {
            access_token: pair.access_token,
            token_type: "Bearer".into(),
            expires_in: pair.expires_in,
            refresh_token: pair.refresh_token,
        }
    }
}

pub struct AuthApi;

#[OpenApi(prefix_path = "/auth", tag = "ApiTags::Auth")]
impl AuthApi {
    /// Register an account
    ///
    /// Creates an unconfirmed account and mails a confirmation link, with which the address's
    /// owner chooses the password. To protect residents' privacy the answer is the same when the
    /// address already has an account (its owner is told by mail instead).
    #[oai(
        path = "/register",
        method = "post",
        operation_id = "create_registration"
    )]
    async fn register(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        _limit: Limit<SignUp>,
        body: JsonBody<RegisterBody>,
    ) -> Result<
        Accepted,
        Problem<
            {
                answers::BODY
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        accounts::register(
            &state,
            &organization,
            Registration {
                email: form.email,
                name: form.name,
                nickname: form.nickname,
                locale: form.locale,
            },
        )
        .await?;
        Ok(Accepted::with(
            "Check your mailbox: we sent you a link to confirm your address.",
        ))
    }

    /// Confirm an email address and choose the password
    ///
    /// Confirms the address with the token from the confirmation mail and sets the account's
    /// password; the account gets the name, nickname and locale given with the registration that
    /// sent this link. A token works once and expires after 7 days; a weak password (422) or a
    /// nickname taken meanwhile (409) leaves it unused.
    #[oai(path = "/confirm", method = "post", operation_id = "confirm_email")]
    async fn confirm(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        _limit: Limit<SignIn>,
        body: JsonBody<ConfirmBody>,
    ) -> Result<
        NoContent,
        Problem<
            {
                answers::BODY
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        accounts::confirm_email(&state, &organization, &form.token, form.password).await?;
        Ok(NoContent::NoContent)
    }

    /// Sign in
    ///
    /// Exchanges email and password for an access token and a refresh token. Wrong email and
    /// wrong password give the same answer.
    #[oai(path = "/login", method = "post", operation_id = "create_session")]
    async fn login(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        _limit: Limit<SignIn>,
        body: JsonBody<LoginBody>,
    ) -> Result<
        Json<Tokens>,
        Problem<{ answers::BODY | answers::SIGNED_IN | answers::TOO_MANY_REQUESTS }>,
    > {
        let pair = accounts::login(&state, &organization, &body.0.email, &body.0.password).await?;
        Ok(Json(pair.into()))
    }

    /// Refresh the tokens
    ///
    /// Exchanges a refresh token for new tokens. Each refresh token works once: presenting a
    /// spent one again ends the whole session (someone else may hold it).
    #[oai(path = "/refresh", method = "post", operation_id = "refresh_session")]
    async fn refresh(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        body: JsonBody<RefreshBody>,
    ) -> Result<Json<Tokens>, Problem<{ answers::BODY | answers::UNAUTHORIZED }>> {
        let pair = accounts::refresh(&state, &organization, &body.0.refresh_token).await?;
        Ok(Json(pair.into()))
    }

    /// Sign out
    ///
    /// Ends the current session: its access and refresh tokens stop working at once.
    #[oai(path = "/logout", method = "post", operation_id = "delete_session")]
    async fn logout(
        &self,
        State(state): State,
        auth: BearerAuth,
    ) -> Result<NoContent, Problem<{ answers::SIGNED_IN_WRITE }>> {
        accounts::logout(&state, &auth.0).await?;
        Ok(NoContent::NoContent)
    }

    /// Ask for a password reset
    ///
    /// Mails a reset link (valid 6 hours, once) if the address has an account. The answer is the
    /// same either way.
    #[oai(
        path = "/password-reset",
        method = "post",
        operation_id = "request_password_reset"
    )]
    async fn password_reset(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        _limit: Limit<Mail>,
        body: JsonBody<PasswordResetBody>,
    ) -> Result<Accepted, Problem<{ answers::BODY | answers::TOO_MANY_REQUESTS }>> {
        accounts::request_password_reset(&state, &organization, &body.0.email).await?;
        Ok(Accepted::with(
            "If this address has an account, we sent it a link to choose a new password.",
        ))
    }

    /// Set a new password
    ///
    /// Sets a new password with the token from the reset mail, and signs out every session.
    #[oai(
        path = "/password-reset/confirm",
        method = "post",
        operation_id = "confirm_password_reset"
    )]
    async fn password_reset_confirm(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        _limit: Limit<SignIn>,
        body: JsonBody<PasswordResetConfirmBody>,
    ) -> Result<
        NoContent,
        Problem<{ answers::BODY | answers::UNPROCESSABLE | answers::TOO_MANY_REQUESTS }>,
    > {
        let form = body.0;
        accounts::reset_password(&state, &organization, &form.token, form.password).await?;
        Ok(NoContent::NoContent)
    }
}
