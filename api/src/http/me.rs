//! `/me`: the signed-in participant's own account and census verification.

use super::ApiTags;
use super::body::JsonBody;
use super::catalog::ScopeRef;
use super::common::NoContent;
use super::common::Page;
use super::problem::{Problem, answers};
use super::security::{BearerAuth, Locale, State, Tenant};
use crate::app::accounts::{self, Profile, ProfileChanges};
use crate::app::census;
use crate::app::notifications;
use crate::app::paging::{self, PageRequest};
use crate::app::tenancy::Organization;
use plaza_domain::accounts::NotificationMail;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Enum, Object, OpenApi};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// A role within the organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    Participant,
    Evaluator,
    Moderator,
    Admin,
}

impl From<plaza_domain::accounts::Role> for RoleName {
    fn from(role: plaza_domain::accounts::Role) -> RoleName {
        use plaza_domain::accounts::Role;
        match role {
            Role::Participant => RoleName::Participant,
            Role::Evaluator => RoleName::Evaluator,
            Role::Moderator => RoleName::Moderator,
            Role::Admin => RoleName::Admin,
        }
    }
}

impl From<RoleName> for plaza_domain::accounts::Role {
    fn from(role: RoleName) -> plaza_domain::accounts::Role {
        use plaza_domain::accounts::Role;
        match role {
            RoleName::Participant => Role::Participant,
            RoleName::Evaluator => Role::Evaluator,
            RoleName::Moderator => Role::Moderator,
            RoleName::Admin => Role::Admin,
        }
    }
}

/// How often notification mail is sent (security mail is always sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum NotificationMailChoice {
    None,
    Immediate,
    Daily,
}

impl From<NotificationMailChoice> for NotificationMail {
    fn from(choice: NotificationMailChoice) -> NotificationMail {
        match choice {
            NotificationMailChoice::None => NotificationMail::None,
            NotificationMailChoice::Immediate => NotificationMail::Immediate,
            NotificationMailChoice::Daily => NotificationMail::Daily,
        }
    }
}

impl From<NotificationMail> for NotificationMailChoice {
    fn from(choice: NotificationMail) -> NotificationMailChoice {
        match choice {
            NotificationMail::None => NotificationMailChoice::None,
            NotificationMail::Immediate => NotificationMailChoice::Immediate,
            NotificationMail::Daily => NotificationMailChoice::Daily,
        }
    }
}

/// Where the census places the participant.
#[derive(Debug, Object)]
pub struct Residency {
    /// The scope the participant is a resident of.
    pub scope: ScopeRef,
    pub verified_at: OffsetDateTime,
}

/// The participant's own account.
#[derive(Debug, Object)]
pub struct MeView {
    pub id: Uuid,
    pub email: String,
    #[oai(nullable)]
    pub name: Option<String>,
    #[oai(nullable)]
    pub nickname: Option<String>,
    pub locale: String,
    pub notification_mail: NotificationMailChoice,
    /// Always contains `participant`. These roles hold in every process of the organization.
    pub roles: Vec<RoleName>,
    /// The processes (by slug) the participant evaluates by a grant for that process alone:
    /// they answer its proposals and read their private answers there.
    pub evaluator_of: Vec<String>,
    #[oai(nullable)]
    pub confirmed_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    /// Present once verified against the census.
    #[oai(nullable)]
    pub residency: Option<Residency>,
}

fn view(profile: Profile, organization: &Organization, locale: &str) -> MeView {
    let user = profile.account;
    MeView {
        id: user.id.uuid(),
        email: user.email,
        name: user.name,
        nickname: user.nickname,
        locale: user.locale,
        notification_mail: user.notification_mail.into(),
        roles: profile.roles.iter().map(RoleName::from).collect(),
        evaluator_of: profile.evaluator_of,
        confirmed_at: user.confirmed_at,
        created_at: user.created_at,
        residency: profile.residency.map(|residency| Residency {
            scope: ScopeRef::new(&residency.scope, organization, locale),
            verified_at: residency.verified_at,
        }),
    }
}

/// Changes to the participant's own account; absent fields are left as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeBody {
    /// Spaces at either end are removed (the maximum length counts them).
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub name: Option<String>,
    /// Letters, digits and underscores, unique in the organization. Spaces at either end are
    /// removed (the maximum length counts them) and letters lowercased.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub nickname: Option<String>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub locale: Option<String>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub notification_mail: Option<NotificationMailChoice>,
    /// Required with `new_password`.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub current_password: Option<String>,
    /// A new password (the rules of registration; an admin's must be longer); every other
    /// session is signed out.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub new_password: Option<String>,
}

/// A census check.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct VerificationBody {
    /// The identity document number as printed: its letters and digits, with spaces, dots,
    /// dashes, slashes or tabs anywhere (they are ignored, and so is the letters' case).
    pub document_number: String,
    /// The birth date, `YYYY-MM-DD`.
    pub birth_date: String,
}

/// What kind of thing a notification tells of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum NotificationKind {
    /// An answer to one of my proposals became public (`data`: `title`, `state`).
    ProposalAnswered,
}

/// Something I was told.
#[derive(Debug, Object)]
pub struct NotificationView {
    pub id: Uuid,
    pub kind: NotificationKind,
    /// What it is about: `proposal`, ...
    pub subject_kind: String,
    pub subject_id: Uuid,
    /// What to show without another request (per kind, see `kind`).
    pub data: serde_json::Value,
    pub created_at: OffsetDateTime,
    #[oai(nullable)]
    pub read_at: Option<OffsetDateTime>,
}

impl From<notifications::Notification> for NotificationView {
    fn from(notification: notifications::Notification) -> NotificationView {
        NotificationView {
            id: notification.id,
            kind: match notification.kind {
                notifications::NoticeKind::ProposalAnswered => NotificationKind::ProposalAnswered,
            },
            subject_kind: notification.subject_kind,
            subject_id: notification.subject_id,
            data: notification.data,
            created_at: notification.created_at,
            read_at: notification.read_at,
        }
    }
}

pub struct MeApi;

#[OpenApi(prefix_path = "/me", tag = "ApiTags::Me")]
impl MeApi {
    /// List my notifications
    ///
    /// What I was told (an answer to my proposal, ...), newest first, a page at a time.
    #[oai(
        path = "/notifications",
        method = "get",
        operation_id = "list_notifications"
    )]
    async fn notifications(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1 to 100.
        #[oai(
            default = "super::common::default_page_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
    ) -> Result<Json<Page<NotificationView>>, Problem<{ answers::BAD_REQUEST | answers::SIGNED_IN }>>
    {
        let after = paging::after(cursor.0.as_deref(), notifications::NEWEST_FIRST)?;
        let page = notifications::list(
            &state,
            &organization,
            &auth.0,
            PageRequest {
                sort: (),
                limit: limit.0,
                after,
            },
        )
        .await?;
        Ok(Json(Page::of(
            page,
            notifications::NEWEST_FIRST,
            NotificationView::from,
        )))
    }

    /// Read my account
    #[oai(path = "/", method = "get", operation_id = "get_me")]
    async fn get(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
    ) -> Result<Json<MeView>, Problem<{ answers::SIGNED_IN }>> {
        let profile = accounts::profile(&state, &organization, &auth.0).await?;
        Ok(Json(view(profile, &organization, &locale)))
    }

    /// Change my account
    ///
    /// Changes name, nickname, locale, notification mail, or (with the current password) the
    /// password.
    #[oai(path = "/", method = "patch", operation_id = "update_me")]
    async fn update(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        body: JsonBody<UpdateMeBody>,
    ) -> Result<
        Json<MeView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let changes = ProfileChanges {
            name: form.name,
            nickname: form.nickname,
            locale: form.locale,
            notification_mail: form.notification_mail.map(NotificationMail::from),
            new_password: form.new_password,
            current_password: form.current_password,
        };
        let profile = accounts::update_profile(&state, &organization, &auth.0, changes).await?;
        Ok(Json(view(profile, &organization, &locale)))
    }

    /// Delete my account
    ///
    /// Erases the account's personal data and signs it out everywhere. Contributions stay,
    /// shown as by a deleted participant; cast ballots stay counted, unlinkable to the person.
    #[oai(path = "/", method = "delete", operation_id = "delete_me")]
    async fn delete(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
    ) -> Result<NoContent, Problem<{ answers::SIGNED_IN | answers::TOO_MANY_REQUESTS }>> {
        accounts::delete_account(&state, &organization, &auth.0).await?;
        Ok(NoContent::NoContent)
    }

    /// Verify my residency
    ///
    /// Checks a document number and birth date against the census; a match makes the account a
    /// resident of the census scope. After 5 failed matches verification locks, longer after
    /// each further failure (`429` with `Retry-After`).
    #[oai(
        path = "/verification",
        method = "post",
        operation_id = "create_verification"
    )]
    async fn verify(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        body: JsonBody<VerificationBody>,
    ) -> Result<
        Json<Residency>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let residency = census::verify(
            &state,
            &organization,
            &auth.0,
            &body.0.document_number,
            &body.0.birth_date,
        )
        .await?;
        Ok(Json(Residency {
            scope: ScopeRef::new(&residency.scope, &organization, &locale),
            verified_at: residency.verified_at,
        }))
    }
}
