//! Comments as use cases: write (a comment or a reply), edit, delete (a placeholder stays),
//! vote, and read a page of threads, on any item behind [`Target`] (a proposal or a debate; a
//! budget project with the budgets). Each asks one decision of `plaza_domain::comments` with
//! the state as loaded and stores what it returns, with the counters it says to move, in one
//! [`UnitOfWork`].
//!
//! A vote locks its comment's row first, so that parallel votes of one participant decide one
//! after the other: the same vote twenty times at once is one row and one count.
//!
//! A page holds up to 100 root comments in `recent`, `oldest` or `best` order, each with every
//! reply under it (at most three levels), read in two queries: a thread of a few hundred
//! comments reads in a few requests.

use super::AppState;
use super::catalog::{self, ProcessRef, ProcessView};
use super::error::{AppError, AppResult};
use super::paging::{Page, PageRequest, Position};
use super::proposals::Author;
use super::tenancy::{Actor, Organization};
use super::unit::UnitOfWork;
use crate::clock::{from_timestamp, to_timestamp};
use crate::store::{self, entities::comments};
use plaza_domain::comments::thread::{self, Thread, ThreadSort};
use plaza_domain::comments::votes::{CommentVote, VoteChange, VoteCounts};
use plaza_domain::comments::{
    Alignment, Comment, CommentBody, CommentForm, CommentState, CommentTarget, Commentable,
    CountDelta, Deletion, Depth,
};
use plaza_domain::proposals::ProposalState;
use plaza_domain::{CommentId, DebateId, DomainError, ProcessId, ProposalId, UserId};
use sea_orm::ConnectionTrait;
use time::OffsetDateTime;
use uuid::Uuid;

/// The item a thread belongs to, as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Proposal(ProposalId),
    Debate(DebateId),
    /// A project of a budget, by id.
    Project(Uuid),
}

impl Target {
    fn kind(self) -> &'static str {
        match self {
            Target::Proposal(_) => "proposal",
            Target::Debate(_) => "debate",
            Target::Project(_) => "project",
        }
    }

    fn id(self) -> Uuid {
        match self {
            Target::Proposal(id) => id.uuid(),
            Target::Debate(id) => id.uuid(),
            Target::Project(id) => id,
        }
    }
}

/// A comment as use cases hand it out: the rules' comment and who wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownComment {
    pub comment: Comment,
    /// `None` on a deleted comment (a placeholder shows no author).
    pub author: Option<Author>,
    pub edited_at: Option<OffsetDateTime>,
    /// The signed-in reader's vote (`None` for an anonymous visitor or without a vote).
    pub my_vote: Option<CommentVote>,
}

/// A root comment with every reply under it, in reading order (each reply after its parent,
/// siblings oldest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownThread {
    pub comment: ShownComment,
    pub replies: Vec<ShownComment>,
}

/// A new comment as its author sends it.
#[derive(Debug, Clone)]
pub struct CommentRequest {
    pub body: String,
    pub alignment: Option<i16>,
    pub parent_id: Option<CommentId>,
}

fn target_of(row: &comments::Model) -> AppResult<CommentTarget> {
    match row.target_kind.as_str() {
        "proposal" => Ok(CommentTarget::Proposal(ProposalId::from(row.target_id))),
        "debate" => Ok(CommentTarget::Debate(DebateId::from(row.target_id))),
        "project" => Ok(CommentTarget::Project(plaza_domain::budgets::ProjectId(
            row.target_id.as_u128(),
        ))),
        other => Err(AppError::internal(format!(
            "comment {}: unknown target {other:?}",
            row.id
        ))),
    }
}

/// The stored row as the rules see it.
fn as_rules(row: &comments::Model) -> AppResult<Comment> {
    let unreadable =
        |what: &str| AppError::internal(format!("comment {}: unreadable {what}", row.id));
    let depth = u8::try_from(row.depth)
        .ok()
        .and_then(Depth::new)
        .ok_or_else(|| unreadable("depth"))?;
    let alignment = Alignment::try_from(row.alignment).map_err(|_| unreadable("alignment"))?;
    let state = match row.deleted_at {
        Some(at) => CommentState::Deleted {
            at: to_timestamp(at),
        },
        None => CommentState::Live {
            body: CommentBody::from_stored(row.body.clone()),
            edited_at: row.edited_at.map(to_timestamp),
        },
    };
    Ok(Comment {
        id: CommentId::from(row.id),
        target: target_of(row)?,
        parent: row.parent_id.map(CommentId::from),
        depth,
        author: UserId::from(row.author_id),
        alignment,
        state,
        votes: VoteCounts {
            up: store::stored_count(row.up_votes, "up_votes")?,
            down: store::stored_count(row.down_votes, "down_votes")?,
        },
        created_at: to_timestamp(row.created_at),
    })
}

/// The item a thread belongs to, loaded for a rule: its process, and the debate itself.
struct Loaded {
    process: ProcessView,
    debate: Option<plaza_domain::debates::Debate>,
}

/// Loads the item `target` as `actor` may see it (404 otherwise). A draft proposal takes no
/// comments (409 `proposal_state_conflict`) when `writing`.
async fn load(
    db: &impl ConnectionTrait,
    organization: &Organization,
    actor: Option<&Actor>,
    target: Target,
    writing: bool,
    now: OffsetDateTime,
) -> AppResult<Loaded> {
    let (process_id, debate) = match target {
        Target::Proposal(id) => {
            let row = super::proposals::visible_row(db, organization, actor, id, false).await?;
            let state = super::proposals::as_rules(&row, false)?.state;
            if writing && state == ProposalState::Draft {
                return Err(DomainError::ProposalStateConflict { state }.into());
            }
            (ProcessId::from(row.process_id), None)
        }
        Target::Debate(id) => {
            let row = super::debates::visible_row(db, organization, actor, id, false).await?;
            (
                ProcessId::from(row.process_id),
                Some(super::debates::as_rules(&row)),
            )
        }
        Target::Project(id) => {
            let project = store::budgets::project(db, organization.id, id, false)
                .await?
                .ok_or(AppError::NotFound)?;
            let budget = store::budgets::by_id(db, organization.id, project.budget_id, false)
                .await?
                .ok_or(AppError::NotFound)?;
            (ProcessId::from(budget.process_id), None)
        }
    };
    let process = catalog::process_in(db, organization, ProcessRef::Id(process_id), now).await?;
    Ok(Loaded { process, debate })
}

fn vote_of(weight: Option<i16>) -> Option<CommentVote> {
    weight
        .and_then(|weight| i8::try_from(weight).ok())
        .and_then(CommentVote::from_weight)
}

/// The rows as the reader sees them (authors' names, their own votes), in two queries.
async fn shown_rows(
    db: &impl ConnectionTrait,
    actor: Option<&Actor>,
    rows: Vec<comments::Model>,
) -> AppResult<Vec<ShownComment>> {
    let authors: Vec<Uuid> = rows.iter().map(|row| row.author_id).collect();
    let names = store::users::display_names(db, &authors).await?;
    let votes = match actor {
        Some(actor) => {
            let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
            store::comments::votes_of(db, actor.id(), &ids).await?
        }
        None => Default::default(),
    };
    rows.into_iter()
        .map(|row| {
            let comment = as_rules(&row)?;
            let author = comment.is_live().then(|| Author {
                id: UserId::from(row.author_id),
                name: names.get(&row.author_id).cloned().flatten(),
            });
            Ok(ShownComment {
                author,
                edited_at: row.edited_at,
                my_vote: vote_of(votes.get(&row.id).copied()),
                comment,
            })
        })
        .collect()
}

impl thread::Threaded for ShownComment {
    fn id(&self) -> CommentId {
        self.comment.id
    }

    fn parent(&self) -> Option<CommentId> {
        self.comment.parent
    }

    fn created_at(&self) -> plaza_domain::Timestamp {
        self.comment.created_at
    }

    fn score(&self) -> i64 {
        self.comment.votes.score()
    }
}

/// A thread's replies in reading order (each after its parent).
fn flatten(replies: Vec<Thread<ShownComment>>, into: &mut Vec<ShownComment>) {
    let mut stack: Vec<Thread<ShownComment>> = replies.into_iter().rev().collect();
    while let Some(thread) = stack.pop() {
        into.push(thread.comment);
        stack.extend(thread.replies.into_iter().rev());
    }
}

/// A page of the threads on `target`: root comments in `sort` order, each with its replies.
pub async fn list(
    state: &AppState,
    organization: &Organization,
    actor: Option<&Actor>,
    target: Target,
    request: PageRequest<ThreadSort>,
) -> AppResult<Page<ShownThread>> {
    let db = &state.db;
    load(db, organization, actor, target, false, state.now()).await?;
    let order = match request.sort {
        ThreadSort::Recent => store::comments::RootOrder::Recent,
        ThreadSort::Oldest => store::comments::RootOrder::Oldest,
        ThreadSort::Best => store::comments::RootOrder::Best,
    };
    let roots = store::comments::roots(
        db,
        organization.id,
        target.id(),
        order,
        request.after.map(|position| (position.key, position.id)),
        request.limit + 1,
    )
    .await?;
    let page = Page::from_rows(roots, request.limit, |row| Position {
        key: (order == store::comments::RootOrder::Best).then_some(i64::from(row.score)),
        id: row.id,
    });
    let root_ids: Vec<Uuid> = page.items.iter().map(|row| row.id).collect();
    let mut rows = page.items;
    rows.extend(store::comments::replies_under(db, &root_ids).await?);
    let shown = shown_rows(db, actor, rows).await?;
    let items = thread::nest(shown, request.sort)
        .into_iter()
        .map(|thread| {
            let mut replies = Vec::new();
            flatten(thread.replies, &mut replies);
            ShownThread {
                comment: thread.comment,
                replies,
            }
        })
        .collect();
    Ok(Page {
        items,
        next: page.next,
    })
}

async fn one(
    db: &impl ConnectionTrait,
    actor: &Actor,
    row: comments::Model,
) -> AppResult<ShownComment> {
    shown_rows(db, Some(actor), vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a comment read back went missing"))
}

/// A comment `actor` may see (its item visible to them), or 404.
async fn visible_comment(
    db: &impl ConnectionTrait,
    organization: &Organization,
    actor: &Actor,
    id: CommentId,
    now: OffsetDateTime,
) -> AppResult<comments::Model> {
    let row = store::comments::by_id(db, organization.id, id, true)
        .await?
        .filter(|row| !row.hidden)
        .ok_or(AppError::NotFound)?;
    let target = match target_of(&row)? {
        CommentTarget::Proposal(id) => Target::Proposal(id),
        CommentTarget::Debate(id) => Target::Debate(id),
        CommentTarget::Project(id) => Target::Project(Uuid::from_u128(id.0)),
    };
    load(db, organization, Some(actor), target, false, now).await?;
    Ok(row)
}

/// Writes a comment (or a reply to `parent_id`) on `target`: while the active phase opens
/// comments and the item takes them.
pub async fn create(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    target: Target,
    request: CommentRequest,
) -> AppResult<ShownComment> {
    let form = CommentForm::parse(&request.body, request.alignment)?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let db = work.db();
    let loaded = load(db, organization, Some(actor), target, true, work.now()).await?;
    let parent_row = match request.parent_id {
        Some(parent) => Some(
            store::comments::by_id(db, organization.id, parent, false)
                .await?
                .filter(|row| !row.hidden)
                .ok_or_else(|| {
                    DomainError::field(
                        "parent_id",
                        plaza_domain::FieldCode::NotFound,
                        "No comment has this id.",
                    )
                })?,
        ),
        None => None,
    };
    let parent = parent_row.as_ref().map(as_rules).transpose()?;
    let commentable = match (&target, &loaded.debate) {
        (Target::Debate(_), Some(debate)) => Commentable::Debate(debate),
        (Target::Proposal(id), _) => Commentable::Proposal(*id),
        (Target::Project(id), _) => {
            Commentable::Project(plaza_domain::budgets::ProjectId(id.as_u128()))
        }
        (Target::Debate(_), None) => return Err(AppError::internal("a debate loaded as none")),
    };
    let now = work.now();
    let comment = Comment::write(
        CommentId::from(Uuid::now_v7()),
        actor.id(),
        commentable,
        parent.as_ref(),
        form,
        loaded.process.active_window().as_ref(),
        to_timestamp(now),
    )?;
    let CommentState::Live { body, .. } = &comment.state else {
        return Err(AppError::internal("a new comment is not live"));
    };
    let row = comments::Model {
        id: comment.id.uuid(),
        organization_id: organization.id.uuid(),
        target_kind: target.kind().to_string(),
        target_id: target.id(),
        parent_id: comment.parent.map(CommentId::uuid),
        root_id: parent_row
            .as_ref()
            .map_or(comment.id.uuid(), |parent| parent.root_id),
        depth: i16::from(comment.depth.get()),
        author_id: actor.id().uuid(),
        alignment: i16::from(comment.alignment),
        body: body.as_str().to_string(),
        hidden: false,
        up_votes: 0,
        down_votes: 0,
        score: 0,
        created_at: now,
        edited_at: None,
        deleted_at: None,
    };
    let saved = store::comments::insert(db, row).await?;
    store::comments::add_to_count(
        db,
        target.kind(),
        target.id(),
        CountDelta::Increment.as_i32(),
    )
    .await?;
    let shown = one(db, actor, saved).await?;
    work.commit().await?;
    Ok(shown)
}

/// Changes a comment's body: its author, unless it was deleted.
pub async fn update(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: CommentId,
    body: &str,
) -> AppResult<ShownComment> {
    let body = CommentBody::parse(body).map_err(|error| DomainError::Invalid(vec![error]))?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let mut row = visible_comment(work.db(), organization, actor, id, work.now()).await?;
    let edited = as_rules(&row)?.edit(actor.id(), body, to_timestamp(work.now()))?;
    if let CommentState::Live { body, edited_at } = &edited.state {
        row.body = body.as_str().to_string();
        row.edited_at = edited_at.map(from_timestamp);
    }
    let saved = store::comments::save(work.db(), row).await?;
    let shown = one(work.db(), actor, saved).await?;
    work.commit().await?;
    Ok(shown)
}

/// Deletes a comment (its author): a placeholder stays in the thread, its replies under it.
pub async fn delete(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: CommentId,
) -> AppResult<ShownComment> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let row = visible_comment(work.db(), organization, actor, id, work.now()).await?;
    let before = as_rules(&row)?;
    let saved = match before.delete(actor.id(), to_timestamp(work.now()))? {
        Deletion::AlreadyDeleted => row,
        Deletion::Deleted(after) => {
            let delta =
                CountDelta::between(before.is_counted(row.hidden), after.is_counted(row.hidden));
            let mut changed = row;
            changed.body = String::new();
            changed.deleted_at = Some(work.now());
            let saved = store::comments::save(work.db(), changed).await?;
            store::comments::add_to_count(
                work.db(),
                &saved.target_kind,
                saved.target_id,
                delta.as_i32(),
            )
            .await?;
            saved
        }
    };
    let shown = one(work.db(), actor, saved).await?;
    work.commit().await?;
    Ok(shown)
}

/// Sets `actor`'s vote on a comment to `wanted` (`Some`) or removes it (`None`); the same vote
/// again changes nothing, the other direction replaces it.
pub async fn vote(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: CommentId,
    wanted: Option<CommentVote>,
) -> AppResult<ShownComment> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let db = work.db();
    // Locked: this participant's parallel votes decide one after the other.
    let row = visible_comment(db, organization, actor, id, work.now()).await?;
    let comment = as_rules(&row)?;
    let current = vote_of(store::comments::vote_of(db, id, actor.id()).await?);
    let change = match wanted {
        Some(wanted) => comment.set_vote(current, wanted)?,
        None => comment.remove_vote(current),
    };
    match change {
        VoteChange::Unchanged => {}
        VoteChange::Insert(vote) | VoteChange::Replace { to: vote, .. } => {
            store::comments::put_vote(db, id, actor.id(), i16::from(vote.weight()), work.now())
                .await?;
        }
        VoteChange::Remove(_) => store::comments::delete_vote(db, id, actor.id()).await?,
    }
    let delta = change.counts_delta();
    if delta != Default::default() {
        store::comments::add_votes(db, id, i32::from(delta.up), i32::from(delta.down)).await?;
    }
    let after = store::comments::by_id(db, organization.id, id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let shown = one(db, actor, after).await?;
    work.commit().await?;
    Ok(shown)
}
