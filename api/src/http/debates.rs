//! HTTP for debates (DESIGN §3 paths): handlers translate between JSON and `app::debates`.

use super::ApiTags;
use super::body::JsonBody;
use super::common::Page;
use super::problem::{Problem, answers};
use super::proposals::AuthorView;
use super::security::{BearerAuth, MaybeSignedIn, State, Tenant};
use crate::app::debates::{self, DebateFilter, DebateForm, DebateSort, ShownDebate};
use crate::app::paging::{self, PageRequest};
use crate::clock::from_timestamp;
use plaza_domain::debates::DebateStatus;
use plaza_domain::{CategoryId, DebateId, ScopeId};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// Whether a debate still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DebateStateName {
    Open,
    Closed,
}

/// A debate in a process.
#[derive(Debug, Object)]
pub struct DebateView {
    pub id: Uuid,
    pub process_id: Uuid,
    /// Plain text, never markup.
    pub title: String,
    /// Plain text, never markup.
    pub description: String,
    pub state: DebateStateName,
    /// The conclusions it was closed with (plain text).
    #[oai(nullable)]
    pub conclusions: Option<String>,
    #[oai(nullable)]
    pub closed_at: Option<OffsetDateTime>,
    #[oai(nullable)]
    pub scope_id: Option<Uuid>,
    #[oai(nullable)]
    pub category_id: Option<Uuid>,
    pub author: AuthorView,
    pub comments_count: u32,
    /// Hidden by moderation: only its author and moderators read it.
    pub hidden: bool,
    pub created_at: OffsetDateTime,
    #[oai(nullable)]
    pub edited_at: Option<OffsetDateTime>,
    /// Whether `PATCH /debates/{id}` would be accepted now (`null` anonymous).
    #[oai(nullable)]
    pub can_edit: Option<bool>,
    /// Whether `POST /debates/{id}/close` would be accepted now (`null` anonymous).
    #[oai(nullable)]
    pub can_close: Option<bool>,
    /// Whether `POST /debates/{id}/comments` would be accepted now (`null` anonymous).
    #[oai(nullable)]
    pub can_comment: Option<bool>,
}

impl From<ShownDebate> for DebateView {
    fn from(shown: ShownDebate) -> DebateView {
        let record = shown.debate;
        let debate = record.debate;
        let (state, conclusions, closed_at) = match debate.status {
            DebateStatus::Open => (DebateStateName::Open, None, None),
            DebateStatus::Closed(closure) => (
                DebateStateName::Closed,
                Some(closure.conclusions.as_str().to_string()),
                Some(from_timestamp(closure.closed_at)),
            ),
        };
        DebateView {
            id: debate.id.uuid(),
            process_id: debate.process.uuid(),
            title: debate.title.as_str().to_string(),
            description: debate.description.as_str().to_string(),
            state,
            conclusions,
            closed_at,
            scope_id: record.scope_id.map(ScopeId::uuid),
            category_id: record.category_id.map(CategoryId::uuid),
            author: AuthorView {
                id: record.author.id.uuid(),
                name: record.author.name,
            },
            comments_count: record.comments_count,
            hidden: record.hidden,
            created_at: from_timestamp(debate.created_at),
            edited_at: debate.edited_at.map(from_timestamp),
            can_edit: shown.abilities.map(|a| a.can_edit),
            can_close: shown.abilities.map(|a| a.can_close),
            can_comment: shown.abilities.map(|a| a.can_comment),
        }
    }
}

/// A new debate.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateDebateBody {
    /// 15 to 150 characters once trimmed, plain text.
    pub title: String,
    /// 15 to 10,000 characters once trimmed, plain text.
    pub description: String,
    /// A scope of the process's territory.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub scope_id: Option<Uuid>,
    /// One of the process's categories.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub category_id: Option<Uuid>,
}

/// Changes to a debate; absent fields stay as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateDebateBody {
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub description: Option<String>,
}

/// How a debate ends.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CloseDebateBody {
    /// What the debate concluded: 10 to 10,000 characters once trimmed, plain text.
    pub conclusions: String,
}

/// The orders of the debate list.
#[derive(Debug, Clone, Copy, Default, Enum)]
#[oai(rename_all = "snake_case")]
pub enum DebateSortName {
    /// The newest first.
    #[default]
    Recent,
    /// The most comments first.
    MostCommented,
    /// A shuffle, the same on every page for the same `seed`.
    Random,
}

/// A debate was started.
#[derive(ApiResponse)]
pub enum DebateCreated {
    /// Started; `Location` is its path.
    #[oai(status = 201)]
    Created(Json<DebateView>, #[oai(header = "Location")] String),
}

pub struct DebatesApi;

#[OpenApi(tag = "ApiTags::Debates")]
impl DebatesApi {
    /// List a process's debates
    ///
    /// A page at a time: pass `next_cursor` back as `cursor` with the same `sort`, `seed` and
    /// filters. Hidden debates are never listed. With an access token each item also says what
    /// the reader may do with it.
    #[oai(
        path = "/processes/:slug/debates",
        method = "get",
        operation_id = "list_debates"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented query parameter"
    )]
    async fn list(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: MaybeSignedIn,
        request: &Request,
        /// The process's slug.
        slug: Path<String>,
        /// The order: `recent` (the default), `most_commented` or `random`.
        #[oai(default)]
        sort: Query<DebateSortName>,
        /// The shuffle of `sort=random` (required with it).
        seed: Query<Option<u32>>,
        /// Only open or only closed debates.
        #[oai(name = "state")]
        in_state: Query<Option<DebateStateName>>,
        /// Only debates in this scope or a scope inside it.
        scope_id: Query<Option<Uuid>>,
        /// Only debates of this category.
        category_id: Query<Option<Uuid>>,
        /// `me`: only the reader's own debates (an access token is required).
        author: Query<Option<super::proposals::AuthorFilter>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1 to 100.
        #[oai(
            default = "super::common::default_page_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
    ) -> Result<Json<Page<DebateView>>, Problem<{ answers::BAD_REQUEST | answers::UNAUTHORIZED }>>
    {
        let actor = auth.actor(request).await?;
        let sort = match (sort.0, seed.0) {
            (DebateSortName::Recent, _) => DebateSort::Recent,
            (DebateSortName::MostCommented, _) => DebateSort::MostCommented,
            (DebateSortName::Random, seed) => DebateSort::Random {
                seed: super::common::required_seed(seed)?,
            },
        };
        let name = sort.cursor_name();
        let after = paging::after(cursor.0.as_deref(), &name)?;
        let page = debates::list(
            &state,
            &organization,
            actor.as_ref(),
            &slug.0,
            DebateFilter {
                open: in_state.0.map(|state| state == DebateStateName::Open),
                scope_id: scope_id.0.map(ScopeId::from),
                category_id: category_id.0.map(CategoryId::from),
                mine: author.0.is_some(),
            },
            PageRequest {
                sort,
                limit: limit.0,
                after,
            },
        )
        .await?;
        Ok(Json(Page::of(page, &name, DebateView::from)))
    }

    /// Start a debate
    ///
    /// While the active phase opens debates.
    #[oai(
        path = "/processes/:slug/debates",
        method = "post",
        operation_id = "create_debate"
    )]
    async fn create(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The process's slug.
        slug: Path<String>,
        body: JsonBody<CreateDebateBody>,
    ) -> Result<
        DebateCreated,
        Problem<{ answers::BODY | answers::SIGNED_IN_WRITE | answers::UNPROCESSABLE }>,
    > {
        let form = body.0;
        let shown = debates::create(
            &state,
            &organization,
            &auth.0,
            &slug.0,
            DebateForm {
                title: form.title,
                description: form.description,
                scope_id: form.scope_id.map(ScopeId::from),
                category_id: form.category_id.map(CategoryId::from),
            },
        )
        .await?;
        let view = DebateView::from(shown);
        let location = format!("/api/v1/debates/{}", view.id);
        Ok(DebateCreated::Created(Json(view), location))
    }

    /// Read a debate
    #[oai(path = "/debates/:id", method = "get", operation_id = "get_debate")]
    async fn get(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: MaybeSignedIn,
        request: &Request,
        /// The debate's id.
        id: Path<Uuid>,
    ) -> Result<Json<DebateView>, Problem<{ answers::UNAUTHORIZED }>> {
        let actor = auth.actor(request).await?;
        let shown =
            debates::get(&state, &organization, actor.as_ref(), DebateId::from(id.0)).await?;
        Ok(Json(shown.into()))
    }

    /// Change a debate
    ///
    /// Its author, while it is open (409 `debate_closed`).
    #[oai(
        path = "/debates/:id",
        method = "patch",
        operation_id = "update_debate"
    )]
    async fn update(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The debate's id.
        id: Path<Uuid>,
        body: JsonBody<UpdateDebateBody>,
    ) -> Result<
        Json<DebateView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN_WRITE
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
            },
        >,
    > {
        let form = body.0;
        let shown = debates::update(
            &state,
            &organization,
            &auth.0,
            DebateId::from(id.0),
            form.title,
            form.description,
        )
        .await?;
        Ok(Json(shown.into()))
    }

    /// Close a debate
    ///
    /// Its author, or a moderator (audited), with its conclusions; final: a closed debate takes
    /// no edits and no comments.
    #[oai(
        path = "/debates/:id/close",
        method = "post",
        operation_id = "close_debate"
    )]
    async fn close(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The debate's id.
        id: Path<Uuid>,
        body: JsonBody<CloseDebateBody>,
    ) -> Result<
        Json<DebateView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN_WRITE
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
            },
        >,
    > {
        let shown = debates::close(
            &state,
            &organization,
            &auth.0,
            DebateId::from(id.0),
            &body.0.conclusions,
        )
        .await?;
        Ok(Json(shown.into()))
    }
}
