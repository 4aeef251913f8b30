//! Comments (DESIGN §2.3): threaded plain text on a proposal, a debate or a budget project, with
//! an alignment and up/down votes.
//!
//! A [`Comment`] is a value each decision turns into the next one: [`Comment::write`] makes a new
//! comment or a reply, [`Comment::edit`] changes its body, [`Comment::delete`] leaves a placeholder,
//! and [`Comment::set_vote`] / [`Comment::remove_vote`] say what a participant's vote does (see
//! [`votes`]). Reading a thread back is [`thread::nest`]. The use case loads the state (the item
//! commented on, the parent, the comment, the caller's current vote), calls one decision and
//! stores what it returns, with the counters it says to move ([`CountDelta`],
//! [`votes::VoteCountsDelta`]) in the same transaction.
//!
//! What each decision checks, in this order (the first failure is returned):
//!
//! | decision | checks |
//! | --- | --- |
//! | [`CommentForm::parse`] | body 1..1,000 characters (`body`); alignment -1, 0 or 1 (`alignment`): 422, every problem at once |
//! | [`may_comment`], [`Comment::write`] | the active phase opens `comments` (403 `comments_closed`); the item takes comments: a debate is open (409 `debate_closed`); a reply's parent is on the same item (422 `parent_id` `not_in_thread`), is not deleted (409 `comment_deleted`) and has depth below 3 (422 `parent_id` `too_deep`) |
//! | [`Comment::edit`] | the actor is the author (403 `forbidden`); the comment is not deleted (409 `comment_deleted`) |
//! | [`Comment::delete`] | the actor is the author (403 `forbidden`); deleting a deleted comment changes nothing |
//! | [`Comment::set_vote`] | the comment is not deleted (409 `comment_deleted`) |
//! | [`Comment::remove_vote`] | nothing: a vote can always be taken back |
//!
//! Choices, with the reference systems (`reference/decidim.md` §4, `reference/consul.md` §4):
//! - Depth 0..=3 as Decidim's `MAX_DEPTH`: a reply to a depth-3 comment is a field error on
//!   `parent_id`, like the rest of the form's input rules (422 `validation_failed`). A deleted
//!   comment takes no replies (Decidim's `accepts_new_comments?` is false once deleted).
//! - Soft delete by the author only. The comment stays in its thread as a placeholder that shows
//!   when it was deleted and nothing else ([`Shown::Deleted`]): the body is erased from the stored
//!   state, the author, alignment and votes are not shown, and its replies stay where they are.
//! - Editing and deleting do not depend on the phase or on the debate being open, as in Decidim:
//!   a participant may always correct or withdraw their own words. Only writing new comments does.
//! - Unlike Decidim, moderators and admins do not bypass a closed phase or a closed debate: the
//!   rule is the same for everyone.
//! - Votes: see [`votes`] (self-votes are allowed, as in both Decidim and CONSUL).
//! - `comments_count` of the item commented on counts its comments at every depth that are live
//!   and not hidden by moderation: Decidim's `update_comments_count` counts
//!   `comments.not_hidden.not_deleted` over the whole tree, and CONSUL resets the counter when a
//!   comment is hidden or restored. See [`Comment::is_counted`] and [`CountDelta`].

pub mod thread;
pub mod votes;

#[cfg(test)]
mod tests;

use crate::budgets::ProjectId;
use crate::calendar::Timestamp;
use crate::debates::Debate;
use crate::error::{DomainError, FieldCode, FieldError};
use crate::ids::{CommentId, DebateId, ProposalId, UserId};
use crate::processes::{Feature, PhaseWindow};
use crate::text::{Length, PlainText};
use votes::{CommentVote, VoteChange, VoteCounts};

/// A comment body's length, in characters (Decidim's and CONSUL's default maximum).
pub const BODY_LENGTH: Length = Length::between(1, 1_000);

/// The item a comment is written on (its thread's root).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommentTarget {
    Proposal(ProposalId),
    Debate(DebateId),
    Project(ProjectId),
}

/// The item a new comment is written on, as loaded by the use case: what its own rules need to
/// say whether it takes comments. Only a debate has a state that matters today.
#[derive(Debug, Clone, Copy)]
pub enum Commentable<'a> {
    Proposal(ProposalId),
    Debate(&'a Debate),
    Project(ProjectId),
}

impl Commentable<'_> {
    /// Which item this is.
    pub fn target(&self) -> CommentTarget {
        match self {
            Commentable::Proposal(id) => CommentTarget::Proposal(*id),
            Commentable::Debate(debate) => CommentTarget::Debate(debate.id),
            Commentable::Project(id) => CommentTarget::Project(*id),
        }
    }

    fn accepts_comments(&self) -> Result<(), DomainError> {
        match self {
            Commentable::Debate(debate) => debate.accepts_comments(),
            Commentable::Proposal(_) | Commentable::Project(_) => Ok(()),
        }
    }
}

/// How deep a comment sits in its thread: 0 for a comment on the item, its parent's depth + 1
/// for a reply, never more than [`Depth::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Depth(u8);

impl Depth {
    /// A comment on the item itself.
    pub const ROOT: Depth = Depth(0);
    /// The deepest a reply may be (Decidim's `MAX_DEPTH`).
    pub const MAX: Depth = Depth(3);

    /// A depth read back from storage; `None` beyond [`Depth::MAX`].
    pub fn new(depth: u8) -> Option<Depth> {
        (depth <= Depth::MAX.0).then_some(Depth(depth))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// The depth of a reply to a comment at this depth. A reply to a comment at [`Depth::MAX`]
    /// is refused: field `parent_id`, code `too_deep`.
    pub fn of_reply(self) -> Result<Depth, FieldError> {
        if self >= Depth::MAX {
            return Err(FieldError::new(
                "parent_id",
                FieldCode::TooDeep,
                format!(
                    "Replies go at most {} levels deep: reply to an earlier comment of the thread.",
                    Depth::MAX.0
                ),
            ));
        }
        Ok(Depth(self.0 + 1))
    }
}

/// Where a comment stands on the item: against, neutral (the default) or in favour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Alignment {
    Against = -1,
    #[default]
    Neutral = 0,
    InFavour = 1,
}

impl Alignment {
    /// The value of the `alignment` field: -1, 0 or 1; anything else is a field error.
    fn from_value(value: i16) -> Result<Alignment, FieldError> {
        match value {
            -1 => Ok(Alignment::Against),
            0 => Ok(Alignment::Neutral),
            1 => Ok(Alignment::InFavour),
            _ => Err(FieldError::new(
                "alignment",
                FieldCode::InvalidAlignment,
                "Use -1 (against), 0 (neutral) or 1 (in favour).",
            )),
        }
    }
}

impl TryFrom<i8> for Alignment {
    type Error = FieldError;

    fn try_from(value: i8) -> Result<Alignment, FieldError> {
        Alignment::from_value(i16::from(value))
    }
}

impl TryFrom<i16> for Alignment {
    type Error = FieldError;

    fn try_from(value: i16) -> Result<Alignment, FieldError> {
        Alignment::from_value(value)
    }
}

impl From<Alignment> for i8 {
    fn from(alignment: Alignment) -> i8 {
        alignment as i8
    }
}

impl From<Alignment> for i16 {
    fn from(alignment: Alignment) -> i16 {
        i16::from(alignment as i8)
    }
}

/// A comment's text, within [`BODY_LENGTH`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(PlainText);

impl CommentBody {
    /// Reads the `body` field.
    pub fn parse(raw: &str) -> Result<CommentBody, FieldError> {
        PlainText::parse("body", raw, BODY_LENGTH).map(CommentBody)
    }

    /// A body read back from storage (it passed its rule when it was written).
    pub fn from_stored(text: String) -> CommentBody {
        CommentBody(PlainText::from_stored(text))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// What a participant writes: the body and, optionally, an alignment (neutral when left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentForm {
    pub body: CommentBody,
    pub alignment: Alignment,
}

impl CommentForm {
    /// Reads the fields, reporting every problem at once (`body`, `alignment`).
    pub fn parse(body: &str, alignment: Option<i16>) -> Result<CommentForm, DomainError> {
        let alignment = alignment.map_or(Ok(Alignment::Neutral), Alignment::try_from);
        match (CommentBody::parse(body), alignment) {
            (Ok(body), Ok(alignment)) => Ok(CommentForm { body, alignment }),
            (body, alignment) => Err(DomainError::Invalid(
                body.err().into_iter().chain(alignment.err()).collect(),
            )),
        }
    }
}

/// Whether a comment is there to read or was deleted by its author.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentState {
    /// Readable; `edited_at` says when its author last changed the body, if ever.
    Live {
        body: CommentBody,
        edited_at: Option<Timestamp>,
    },
    /// Deleted by its author at `at`: the body is gone, a placeholder stays in the thread.
    Deleted { at: Timestamp },
}

/// A comment as stored. The author stays on a deleted comment (the row keeps its owner, so the
/// author's own data export can still list it) but is never shown: see [`Comment::shown`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    pub target: CommentTarget,
    /// The comment this one replies to; `None` for a comment on the item itself.
    pub parent: Option<CommentId>,
    pub depth: Depth,
    pub author: UserId,
    pub alignment: Alignment,
    pub state: CommentState,
    /// Its up and down votes, kept equal to its vote rows by [`votes::VoteChange`].
    pub votes: VoteCounts,
    pub created_at: Timestamp,
}

/// What a comment shows in its thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown<'a> {
    Live {
        author: UserId,
        body: &'a str,
        alignment: Alignment,
        votes: VoteCounts,
        edited_at: Option<Timestamp>,
    },
    /// A placeholder ("Comment deleted on …"): no body, no author, no alignment, no votes.
    Deleted { deleted_at: Timestamp },
}

/// What deleting a comment does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deletion {
    /// The comment to store, now a placeholder.
    Deleted(Comment),
    /// It was deleted already: nothing to store (a retried DELETE succeeds again).
    AlreadyDeleted,
}

/// How a change moves the `comments_count` of the item commented on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CountDelta {
    Decrement,
    Unchanged,
    Increment,
}

impl CountDelta {
    /// The move between a comment counted (or not) before a change and after it; a comment that
    /// did not exist before was not counted.
    pub fn between(counted_before: bool, counted_after: bool) -> CountDelta {
        match (counted_before, counted_after) {
            (false, true) => CountDelta::Increment,
            (true, false) => CountDelta::Decrement,
            (true, true) | (false, false) => CountDelta::Unchanged,
        }
    }

    /// -1, 0 or 1, to add to the stored counter in the same transaction.
    pub fn as_i32(self) -> i32 {
        match self {
            CountDelta::Decrement => -1,
            CountDelta::Unchanged => 0,
            CountDelta::Increment => 1,
        }
    }
}

/// Whether a new comment may be written on `commentable` now: the active phase (`None` between
/// or outside phases) must open `comments` (403 `comments_closed`), then the item must take
/// comments — a closed debate does not (409 `debate_closed`).
pub fn may_comment(
    active_phase: Option<&PhaseWindow>,
    commentable: &Commentable<'_>,
) -> Result<(), DomainError> {
    crate::processes::require_open_in(active_phase, Feature::Comments)?;
    commentable.accepts_comments()
}

impl Comment {
    /// A new comment by `author` on `commentable`, or a reply to `parent` (loaded by the use case
    /// from the `parent_id` given), if [`may_comment`] allows it and the parent takes replies.
    /// The use case mints `id` (UUIDv7); the item's `comments_count` moves by
    /// [`CountDelta::Increment`].
    pub fn write(
        id: CommentId,
        author: UserId,
        commentable: Commentable<'_>,
        parent: Option<&Comment>,
        form: CommentForm,
        active_phase: Option<&PhaseWindow>,
        now: Timestamp,
    ) -> Result<Comment, DomainError> {
        may_comment(active_phase, &commentable)?;
        let target = commentable.target();
        let depth = match parent {
            None => Depth::ROOT,
            Some(parent) => {
                if parent.target != target {
                    return Err(DomainError::field(
                        "parent_id",
                        FieldCode::NotInThread,
                        "Reply to a comment on the same item.",
                    ));
                }
                if !parent.is_live() {
                    return Err(DomainError::CommentDeleted);
                }
                parent
                    .depth
                    .of_reply()
                    .map_err(|error| DomainError::Invalid(vec![error]))?
            }
        };
        Ok(Comment {
            id,
            target,
            parent: parent.map(|parent| parent.id),
            depth,
            author,
            alignment: form.alignment,
            state: CommentState::Live {
                body: form.body,
                edited_at: None,
            },
            votes: VoteCounts::default(),
            created_at: now,
        })
    }

    pub fn is_live(&self) -> bool {
        matches!(self.state, CommentState::Live { .. })
    }

    /// The comment with a new body, by its author, unless it was deleted.
    pub fn edit(
        &self,
        actor: UserId,
        body: CommentBody,
        now: Timestamp,
    ) -> Result<Comment, DomainError> {
        if actor != self.author {
            return Err(DomainError::Forbidden);
        }
        if !self.is_live() {
            return Err(DomainError::CommentDeleted);
        }
        Ok(Comment {
            state: CommentState::Live {
                body,
                edited_at: Some(now),
            },
            ..self.clone()
        })
    }

    /// Its author's soft delete: the comment becomes a placeholder that keeps its place, depth
    /// and replies; its body is erased. The item's `comments_count` moves by
    /// `CountDelta::between(before.is_counted(hidden), after.is_counted(hidden))`.
    pub fn delete(&self, actor: UserId, now: Timestamp) -> Result<Deletion, DomainError> {
        if actor != self.author {
            return Err(DomainError::Forbidden);
        }
        if !self.is_live() {
            return Ok(Deletion::AlreadyDeleted);
        }
        Ok(Deletion::Deleted(Comment {
            state: CommentState::Deleted { at: now },
            ..self.clone()
        }))
    }

    /// What the caller's "set my vote to `wanted`" does, given their `current` vote on this
    /// comment; a deleted comment takes no new votes (409 `comment_deleted`). Any participant
    /// may vote, the author included: neither Decidim (`VoteComment`, `CommentVote`'s
    /// validations, the `vote` permission) nor CONSUL (`can :vote, Comment`, unlike flagging,
    /// which excludes one's own) forbids voting on one's own comment, and Plaza follows them.
    pub fn set_vote(
        &self,
        current: Option<CommentVote>,
        wanted: CommentVote,
    ) -> Result<VoteChange, DomainError> {
        if !self.is_live() {
            return Err(DomainError::CommentDeleted);
        }
        Ok(VoteChange::set(current, wanted))
    }

    /// What the caller's DELETE of their vote does: removes it, or nothing without one. Allowed
    /// on a deleted comment too, so a participant can always take their vote back.
    pub fn remove_vote(&self, current: Option<CommentVote>) -> VoteChange {
        VoteChange::remove(current)
    }

    /// Whether the comment is one of its item's `comments_count`: live and not `hidden` by
    /// moderation (whether it is hidden is moderation's state, passed in).
    pub fn is_counted(&self, hidden: bool) -> bool {
        self.is_live() && !hidden
    }

    /// What the comment shows in its thread: everything while live, only when it was deleted
    /// once deleted.
    pub fn shown(&self) -> Shown<'_> {
        match &self.state {
            CommentState::Live { body, edited_at } => Shown::Live {
                author: self.author,
                body: body.as_str(),
                alignment: self.alignment,
                votes: self.votes,
                edited_at: *edited_at,
            },
            CommentState::Deleted { at } => Shown::Deleted { deleted_at: *at },
        }
    }
}

impl thread::Threaded for Comment {
    fn id(&self) -> CommentId {
        self.id
    }

    fn parent(&self) -> Option<CommentId> {
        self.parent
    }

    fn created_at(&self) -> Timestamp {
        self.created_at
    }

    fn score(&self) -> i64 {
        self.votes.score()
    }
}
