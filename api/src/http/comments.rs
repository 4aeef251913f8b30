//! HTTP for comments (DESIGN §3 paths): threads on proposals and debates, a comment's edit and
//! deletion, and votes. Handlers translate between JSON and `app::comments`.

use super::ApiTags;
use super::body::JsonBody;
use super::common::Page;
use super::problem::{Problem, answers};
use super::proposals::AuthorView;
use super::security::{BearerAuth, MaybeSignedIn, State, Tenant};
use crate::app::comments::{self, CommentRequest, ShownComment, ShownThread, Target};
use crate::app::paging::{self, PageRequest};
use crate::clock::from_timestamp;
use plaza_domain::comments::Shown;
use plaza_domain::comments::thread::ThreadSort;
use plaza_domain::comments::votes::CommentVote;
use plaza_domain::{CommentId, DebateId, ProposalId};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

/// An up or a down vote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum VoteName {
    Up,
    Down,
}

impl From<VoteName> for CommentVote {
    fn from(vote: VoteName) -> CommentVote {
        match vote {
            VoteName::Up => CommentVote::Up,
            VoteName::Down => CommentVote::Down,
        }
    }
}

impl From<CommentVote> for VoteName {
    fn from(vote: CommentVote) -> VoteName {
        match vote {
            CommentVote::Up => VoteName::Up,
            CommentVote::Down => VoteName::Down,
        }
    }
}

/// A comment, or the placeholder of a deleted one (then only `id`, `parent_id`, `depth`,
/// `created_at` and `deleted_at` are set).
#[derive(Debug, Object)]
pub struct CommentView {
    pub id: Uuid,
    /// The comment it replies to; `null` for a comment on the item itself.
    #[oai(nullable)]
    pub parent_id: Option<Uuid>,
    /// 0 for a comment on the item, up to 3 for a reply's reply's reply.
    pub depth: u8,
    /// Who wrote it; `null` once deleted.
    #[oai(nullable)]
    pub author: Option<AuthorView>,
    /// Plain text, never markup; `null` once deleted.
    #[oai(nullable)]
    pub body: Option<String>,
    /// -1 against, 0 neutral, 1 in favour; `null` once deleted.
    #[oai(nullable)]
    pub alignment: Option<i8>,
    #[oai(nullable)]
    pub up_votes: Option<u32>,
    #[oai(nullable)]
    pub down_votes: Option<u32>,
    pub created_at: OffsetDateTime,
    #[oai(nullable)]
    pub edited_at: Option<OffsetDateTime>,
    #[oai(nullable)]
    pub deleted_at: Option<OffsetDateTime>,
    /// The signed-in reader's vote (`null` without one, or anonymous).
    #[oai(nullable)]
    pub my_vote: Option<VoteName>,
}

impl From<ShownComment> for CommentView {
    fn from(shown: ShownComment) -> CommentView {
        let comment = &shown.comment;
        let mut view = CommentView {
            id: comment.id.uuid(),
            parent_id: comment.parent.map(CommentId::uuid),
            depth: comment.depth.get(),
            author: shown.author.map(|author| AuthorView {
                id: author.id.uuid(),
                name: author.name,
            }),
            body: None,
            alignment: None,
            up_votes: None,
            down_votes: None,
            created_at: from_timestamp(comment.created_at),
            edited_at: None,
            deleted_at: None,
            my_vote: shown.my_vote.map(VoteName::from),
        };
        match comment.shown() {
            Shown::Live {
                body,
                alignment,
                votes,
                ..
            } => {
                view.body = Some(body.to_string());
                view.alignment = Some(i8::from(alignment));
                view.up_votes = Some(votes.up);
                view.down_votes = Some(votes.down);
                view.edited_at = shown.edited_at;
            }
            Shown::Deleted { deleted_at } => {
                view.deleted_at = Some(from_timestamp(deleted_at));
            }
        }
        view
    }
}

/// A root comment with every reply under it.
#[derive(Debug, Object)]
pub struct ThreadView {
    pub comment: CommentView,
    /// Every reply under it at any depth, in reading order: each after its parent (named by
    /// `parent_id`), siblings oldest first.
    pub replies: Vec<CommentView>,
}

impl From<ShownThread> for ThreadView {
    fn from(thread: ShownThread) -> ThreadView {
        ThreadView {
            comment: thread.comment.into(),
            replies: thread.replies.into_iter().map(CommentView::from).collect(),
        }
    }
}

/// A new comment or reply.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateCommentBody {
    /// 1 to 1,000 characters once trimmed, plain text.
    pub body: String,
    /// -1 against, 0 neutral (the default), 1 in favour.
    #[serde(default, deserialize_with = "super::body::not_null")]
    #[oai(validator(minimum(value = "-1"), maximum(value = "1")))]
    pub alignment: Option<i16>,
    /// The comment this one replies to (on the same item; at most 3 levels deep).
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub parent_id: Option<Uuid>,
}

/// A comment's new text.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateCommentBody {
    /// 1 to 1,000 characters once trimmed, plain text.
    pub body: String,
}

/// The caller's vote.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    pub vote: VoteName,
}

/// The orders of a thread's root comments.
#[derive(Debug, Clone, Copy, Default, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ThreadSortName {
    /// The newest first.
    #[default]
    Recent,
    /// The oldest first.
    Oldest,
    /// The highest score (up minus down votes) first; equal scores newest first.
    Best,
}

impl From<ThreadSortName> for ThreadSort {
    fn from(sort: ThreadSortName) -> ThreadSort {
        match sort {
            ThreadSortName::Recent => ThreadSort::Recent,
            ThreadSortName::Oldest => ThreadSort::Oldest,
            ThreadSortName::Best => ThreadSort::Best,
        }
    }
}

/// A comment was written.
#[derive(ApiResponse)]
pub enum CommentCreated {
    /// Written; `Location` is its path (where it is changed or deleted).
    #[oai(status = 201)]
    Created(Json<CommentView>, #[oai(header = "Location")] String),
}

async fn list(
    state: &crate::app::AppState,
    organization: &crate::app::tenancy::Organization,
    actor: Option<&crate::app::tenancy::Actor>,
    target: Target,
    sort: ThreadSortName,
    cursor: Option<&str>,
    limit: u64,
) -> Result<Page<ThreadView>, crate::app::error::AppError> {
    let sort = ThreadSort::from(sort);
    let after = paging::after(cursor, sort.as_str())?;
    let page = comments::list(
        state,
        organization,
        actor,
        target,
        PageRequest { sort, limit, after },
    )
    .await?;
    Ok(Page::of(page, sort.as_str(), ThreadView::from))
}

fn created(shown: ShownComment) -> CommentCreated {
    let view = CommentView::from(shown);
    let location = format!("/api/v1/comments/{}", view.id);
    CommentCreated::Created(Json(view), location)
}

pub struct CommentsApi;

#[OpenApi(tag = "ApiTags::Comments")]
impl CommentsApi {
    /// List a proposal's comments
    ///
    /// Pages of up to 100 root comments in `sort` order, each with every reply under it.
    #[oai(
        path = "/proposals/:id/comments",
        method = "get",
        operation_id = "list_proposal_comments"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented parameter"
    )]
    async fn list_on_proposal(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: MaybeSignedIn,
        request: &Request,
        /// The proposal's id.
        id: Path<Uuid>,
        /// `recent` (the default), `oldest` or `best`.
        #[oai(default)]
        sort: Query<ThreadSortName>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Root comments per page, 1 to 100.
        #[oai(
            default = "super::common::default_page_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
    ) -> Result<Json<Page<ThreadView>>, Problem<{ answers::BAD_REQUEST | answers::UNAUTHORIZED }>>
    {
        let actor = auth.actor(request).await?;
        let target = Target::Proposal(ProposalId::from(id.0));
        let page = list(
            &state,
            &organization,
            actor.as_ref(),
            target,
            sort.0,
            cursor.0.as_deref(),
            limit.0,
        )
        .await?;
        Ok(Json(page))
    }

    /// Comment on a proposal
    ///
    /// While the active phase opens comments (403 `comments_closed`); a reply names its
    /// `parent_id` (at most 3 levels deep: 422 `parent_id` `too_deep`).
    #[oai(
        path = "/proposals/:id/comments",
        method = "post",
        operation_id = "create_proposal_comment"
    )]
    async fn create_on_proposal(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The proposal's id.
        id: Path<Uuid>,
        body: JsonBody<CreateCommentBody>,
    ) -> Result<
        CommentCreated,
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
        let shown = comments::create(
            &state,
            &organization,
            &auth.0,
            Target::Proposal(ProposalId::from(id.0)),
            CommentRequest {
                body: form.body,
                alignment: form.alignment,
                parent_id: form.parent_id.map(CommentId::from),
            },
        )
        .await?;
        Ok(created(shown))
    }

    /// List a debate's comments
    ///
    /// Pages of up to 100 root comments in `sort` order, each with every reply under it.
    #[oai(
        path = "/debates/:id/comments",
        method = "get",
        operation_id = "list_debate_comments"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented parameter"
    )]
    async fn list_on_debate(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: MaybeSignedIn,
        request: &Request,
        /// The debate's id.
        id: Path<Uuid>,
        /// `recent` (the default), `oldest` or `best`.
        #[oai(default)]
        sort: Query<ThreadSortName>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Root comments per page, 1 to 100.
        #[oai(
            default = "super::common::default_page_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
    ) -> Result<Json<Page<ThreadView>>, Problem<{ answers::BAD_REQUEST | answers::UNAUTHORIZED }>>
    {
        let actor = auth.actor(request).await?;
        let target = Target::Debate(DebateId::from(id.0));
        let page = list(
            &state,
            &organization,
            actor.as_ref(),
            target,
            sort.0,
            cursor.0.as_deref(),
            limit.0,
        )
        .await?;
        Ok(Json(page))
    }

    /// Comment on a debate
    ///
    /// While the active phase opens comments and the debate is open (409 `debate_closed`).
    #[oai(
        path = "/debates/:id/comments",
        method = "post",
        operation_id = "create_debate_comment"
    )]
    async fn create_on_debate(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The debate's id.
        id: Path<Uuid>,
        body: JsonBody<CreateCommentBody>,
    ) -> Result<
        CommentCreated,
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
        let shown = comments::create(
            &state,
            &organization,
            &auth.0,
            Target::Debate(DebateId::from(id.0)),
            CommentRequest {
                body: form.body,
                alignment: form.alignment,
                parent_id: form.parent_id.map(CommentId::from),
            },
        )
        .await?;
        Ok(created(shown))
    }

    /// List a project's comments
    ///
    /// Pages of up to 100 root comments in `sort` order, each with every reply under it.
    #[oai(
        path = "/projects/:id/comments",
        method = "get",
        operation_id = "list_project_comments"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented parameter"
    )]
    async fn list_on_project(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: MaybeSignedIn,
        request: &Request,
        /// The project's id.
        id: Path<Uuid>,
        /// `recent` (the default), `oldest` or `best`.
        #[oai(default)]
        sort: Query<ThreadSortName>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Root comments per page, 1 to 100.
        #[oai(
            default = "super::common::default_page_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
    ) -> Result<Json<Page<ThreadView>>, Problem<{ answers::BAD_REQUEST | answers::UNAUTHORIZED }>>
    {
        let actor = auth.actor(request).await?;
        let target = Target::Project(id.0);
        let page = list(
            &state,
            &organization,
            actor.as_ref(),
            target,
            sort.0,
            cursor.0.as_deref(),
            limit.0,
        )
        .await?;
        Ok(Json(page))
    }

    /// Comment on a project
    ///
    /// While the active phase of its budget's process opens comments (403 `comments_closed`); a
    /// reply names its `parent_id` (at most 3 levels deep).
    #[oai(
        path = "/projects/:id/comments",
        method = "post",
        operation_id = "create_project_comment"
    )]
    async fn create_on_project(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The project's id.
        id: Path<Uuid>,
        body: JsonBody<CreateCommentBody>,
    ) -> Result<
        CommentCreated,
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
        let shown = comments::create(
            &state,
            &organization,
            &auth.0,
            Target::Project(id.0),
            CommentRequest {
                body: form.body,
                alignment: form.alignment,
                parent_id: form.parent_id.map(CommentId::from),
            },
        )
        .await?;
        Ok(created(shown))
    }

    /// Change a comment
    ///
    /// Its author, unless it was deleted (409 `comment_deleted`).
    #[oai(
        path = "/comments/:id",
        method = "patch",
        operation_id = "update_comment"
    )]
    async fn update(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The comment's id.
        id: Path<Uuid>,
        body: JsonBody<UpdateCommentBody>,
    ) -> Result<
        Json<CommentView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN_WRITE
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
            },
        >,
    > {
        let shown = comments::update(
            &state,
            &organization,
            &auth.0,
            CommentId::from(id.0),
            &body.0.body,
        )
        .await?;
        Ok(Json(shown.into()))
    }

    /// Delete a comment
    ///
    /// Its author: the comment becomes a placeholder that keeps its place and its replies.
    /// Deleting it again changes nothing.
    #[oai(
        path = "/comments/:id",
        method = "delete",
        operation_id = "delete_comment"
    )]
    async fn delete(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The comment's id.
        id: Path<Uuid>,
    ) -> Result<Json<CommentView>, Problem<{ answers::SIGNED_IN_WRITE }>> {
        let shown = comments::delete(&state, &organization, &auth.0, CommentId::from(id.0)).await?;
        Ok(Json(shown.into()))
    }

    /// Vote on a comment
    ///
    /// Sets the caller's vote: the same vote again changes nothing, the other direction
    /// replaces it. Not on a deleted comment (409 `comment_deleted`).
    #[oai(
        path = "/comments/:id/votes",
        method = "post",
        operation_id = "set_comment_vote"
    )]
    async fn vote(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The comment's id.
        id: Path<Uuid>,
        body: JsonBody<VoteBody>,
    ) -> Result<
        Json<CommentView>,
        Problem<{ answers::BODY | answers::SIGNED_IN_WRITE | answers::CONFLICT }>,
    > {
        let shown = comments::vote(
            &state,
            &organization,
            &auth.0,
            CommentId::from(id.0),
            Some(body.0.vote.into()),
        )
        .await?;
        Ok(Json(shown.into()))
    }

    /// Take back a vote
    ///
    /// Removes the caller's vote, if any.
    #[oai(
        path = "/comments/:id/votes",
        method = "delete",
        operation_id = "delete_comment_vote"
    )]
    async fn unvote(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The comment's id.
        id: Path<Uuid>,
    ) -> Result<Json<CommentView>, Problem<{ answers::SIGNED_IN_WRITE }>> {
        let shown =
            comments::vote(&state, &organization, &auth.0, CommentId::from(id.0), None).await?;
        Ok(Json(shown.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn votes_read_back_as_they_were_sent() {
        for vote in [VoteName::Up, VoteName::Down] {
            assert_eq!(VoteName::from(CommentVote::from(vote)), vote);
        }
    }
}
