//! Comment decisions, one rule per test.

use super::*;
use crate::accounts::Roles;
use crate::debates::{Conclusions, DebateText};
use crate::error::ErrorKind;
use crate::ids::ProcessId;
use uuid::Uuid;
use votes::VoteCountsDelta;

const ANA: UserId = UserId::from_uuid(Uuid::from_u128(1));
const BEA: UserId = UserId::from_uuid(Uuid::from_u128(2));
const NOW: Timestamp = Timestamp(1_778_580_000);
const LATER: Timestamp = Timestamp(1_778_590_000);
const PROPOSAL: ProposalId = ProposalId::from_uuid(Uuid::from_u128(50));
const PROJECT: ProjectId = ProjectId(60);

fn comment_id(n: u128) -> CommentId {
    CommentId::from_uuid(Uuid::from_u128(n))
}

fn phase(features: &[Feature]) -> PhaseWindow {
    PhaseWindow {
        starts_at: Timestamp(0),
        ends_at: Timestamp(i64::MAX),
        features: features.to_vec(),
    }
}

fn comments_phase() -> PhaseWindow {
    phase(&[Feature::Debates, Feature::Comments])
}

fn debate() -> Debate {
    Debate::start(
        DebateId::from_uuid(Uuid::from_u128(40)),
        ProcessId::from_uuid(Uuid::from_u128(20)),
        ANA,
        DebateText::parse(
            "Com volem la nova plaça?",
            "Parlem de l'ombra, els bancs i els jocs.",
        )
        .unwrap(),
        Some(&comments_phase()),
        NOW,
    )
    .unwrap()
}

fn closed_debate() -> Debate {
    debate()
        .close(
            ANA,
            &Roles::new([]),
            Conclusions::parse("Més ombra i fonts d'aigua.").unwrap(),
            LATER,
        )
        .unwrap()
        .debate
}

fn form(body: &str) -> CommentForm {
    CommentForm::parse(body, None).unwrap()
}

/// Ana's comment on the proposal, or a reply to `parent`.
fn write(id: u128, parent: Option<&Comment>) -> Result<Comment, DomainError> {
    Comment::write(
        comment_id(id),
        ANA,
        Commentable::Proposal(PROPOSAL),
        parent,
        form("Hi estic d'acord."),
        Some(&comments_phase()),
        NOW,
    )
}

/// A chain of replies down to `depth`, returning its deepest comment.
fn chain_to(depth: u8) -> Comment {
    let mut comment = write(1, None).unwrap();
    for n in 1..=depth {
        comment = write(1 + u128::from(n), Some(&comment)).unwrap();
    }
    comment
}

fn deleted(comment: &Comment) -> Comment {
    match comment.delete(comment.author, LATER).unwrap() {
        Deletion::Deleted(comment) => comment,
        Deletion::AlreadyDeleted => panic!("was deleted already"),
    }
}

fn field_codes(error: DomainError) -> Vec<(String, &'static str)> {
    match error {
        DomainError::Invalid(errors) => errors
            .into_iter()
            .map(|e| (e.field, e.code.as_str()))
            .collect(),
        other => panic!("not a field error: {other:?}"),
    }
}

// --- writing ------------------------------------------------------------------------------------

#[test]
fn a_comment_on_an_item_is_a_live_root_with_no_votes() {
    let comment = write(1, None).unwrap();
    assert_eq!(comment.target, CommentTarget::Proposal(PROPOSAL));
    assert_eq!((comment.parent, comment.depth), (None, Depth::ROOT));
    assert_eq!(comment.votes, VoteCounts::default());
    assert_eq!(comment.alignment, Alignment::Neutral);
    assert!(comment.is_live());
    assert!(comment.is_counted(false));
}

#[test]
fn a_reply_sits_one_level_below_its_parent() {
    let parent = write(1, None).unwrap();
    let reply = write(2, Some(&parent)).unwrap();
    assert_eq!(reply.parent, Some(parent.id));
    assert_eq!(reply.depth.get(), 1);
    assert_eq!(chain_to(3).depth, Depth::MAX);
}

#[test]
fn a_reply_to_a_depth_3_comment_is_refused() {
    let deepest = chain_to(3);
    let refused = write(9, Some(&deepest)).unwrap_err();
    assert_eq!(refused.describe().kind, ErrorKind::Invalid);
    assert_eq!(
        field_codes(refused),
        vec![("parent_id".to_string(), "too_deep")]
    );
}

#[test]
fn depths_beyond_3_cannot_be_read_back() {
    assert_eq!(Depth::new(3), Some(Depth::MAX));
    assert_eq!(Depth::new(4), None);
}

#[test]
fn comments_are_closed_when_the_active_phase_does_not_open_them() {
    for active in [Some(phase(&[Feature::Debates])), None] {
        let refused = may_comment(active.as_ref(), &Commentable::Proposal(PROPOSAL)).unwrap_err();
        assert_eq!(refused, DomainError::Closed(Feature::Comments));
        assert_eq!(refused.code(), "comments_closed");
        assert_eq!(refused.describe().kind, ErrorKind::Forbidden);
    }
    let written = Comment::write(
        comment_id(1),
        ANA,
        Commentable::Project(PROJECT),
        None,
        form("Bon projecte."),
        Some(&phase(&[Feature::BudgetVoting])),
        NOW,
    );
    assert_eq!(written, Err(DomainError::Closed(Feature::Comments)));
}

#[test]
fn a_closed_debate_takes_no_comments() {
    let open = debate();
    assert_eq!(
        may_comment(Some(&comments_phase()), &Commentable::Debate(&open)),
        Ok(())
    );
    let closed = closed_debate();
    let refused = may_comment(Some(&comments_phase()), &Commentable::Debate(&closed)).unwrap_err();
    assert_eq!(refused.code(), "debate_closed");
    assert_eq!(refused.describe().kind, ErrorKind::Conflict);
}

#[test]
fn a_closed_phase_is_reported_before_a_closed_debate() {
    let closed = closed_debate();
    assert_eq!(
        may_comment(None, &Commentable::Debate(&closed)),
        Err(DomainError::Closed(Feature::Comments))
    );
}

#[test]
fn a_comment_on_a_debate_or_a_project_names_its_item() {
    let open = debate();
    let on_debate = Comment::write(
        comment_id(1),
        BEA,
        Commentable::Debate(&open),
        None,
        form("Més ombra, si us plau."),
        Some(&comments_phase()),
        NOW,
    )
    .unwrap();
    assert_eq!(on_debate.target, CommentTarget::Debate(open.id));
    assert_eq!(
        Commentable::Project(PROJECT).target(),
        CommentTarget::Project(PROJECT)
    );
}

#[test]
fn a_reply_must_be_on_the_same_item_as_its_parent() {
    let parent = write(1, None).unwrap();
    let refused = Comment::write(
        comment_id(2),
        ANA,
        Commentable::Project(PROJECT),
        Some(&parent),
        form("Resposta."),
        Some(&comments_phase()),
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        field_codes(refused),
        vec![("parent_id".to_string(), "not_in_thread")]
    );
}

#[test]
fn a_deleted_comment_takes_no_replies() {
    let parent = deleted(&write(1, None).unwrap());
    let refused = write(2, Some(&parent)).unwrap_err();
    assert_eq!(refused, DomainError::CommentDeleted);
    assert_eq!(refused.code(), "comment_deleted");
    assert_eq!(refused.describe().kind, ErrorKind::Conflict);
}

// --- the form -----------------------------------------------------------------------------------

#[test]
fn a_body_has_1_to_1000_characters() {
    assert!(CommentBody::parse("D'acord").is_ok());
    assert!(CommentBody::parse(&"🌳".repeat(1_000)).is_ok());
    let empty = CommentBody::parse("  \n ").unwrap_err();
    assert_eq!(
        (empty.field.as_str(), empty.code.as_str()),
        ("body", "required")
    );
    let long = CommentBody::parse(&"a".repeat(1_001)).unwrap_err();
    assert_eq!(
        (long.field.as_str(), long.code.as_str()),
        ("body", "too_long")
    );
}

#[test]
fn alignment_is_against_neutral_or_in_favour() {
    assert_eq!(Alignment::try_from(-1i8), Ok(Alignment::Against));
    assert_eq!(Alignment::try_from(0i16), Ok(Alignment::Neutral));
    assert_eq!(Alignment::try_from(1i16), Ok(Alignment::InFavour));
    for alignment in [Alignment::Against, Alignment::Neutral, Alignment::InFavour] {
        assert_eq!(Alignment::try_from(i8::from(alignment)), Ok(alignment));
        assert_eq!(Alignment::try_from(i16::from(alignment)), Ok(alignment));
    }
    assert_eq!(i8::from(Alignment::Against), -1);
    assert_eq!(i16::from(Alignment::InFavour), 1);
    for other in [2i16, -2, 300, i16::MIN] {
        let refused = Alignment::try_from(other).unwrap_err();
        assert_eq!(
            (refused.field.as_str(), refused.code.as_str()),
            ("alignment", "invalid_alignment")
        );
    }
    assert!(Alignment::try_from(i8::MAX).is_err());
}

#[test]
fn a_left_out_alignment_is_neutral() {
    assert_eq!(form("D'acord").alignment, Alignment::Neutral);
    assert_eq!(
        CommentForm::parse("D'acord", Some(-1)).unwrap().alignment,
        Alignment::Against
    );
}

#[test]
fn the_form_reports_every_problem_at_once() {
    assert_eq!(
        field_codes(CommentForm::parse("", Some(7)).unwrap_err()),
        vec![
            ("body".to_string(), "required"),
            ("alignment".to_string(), "invalid_alignment")
        ]
    );
}

// --- editing and deleting -----------------------------------------------------------------------

#[test]
fn the_author_edits_their_comment() {
    let comment = write(1, None).unwrap();
    let edited = comment
        .edit(
            ANA,
            CommentBody::parse("Hi estic molt d'acord.").unwrap(),
            LATER,
        )
        .unwrap();
    assert_eq!(
        edited.state,
        CommentState::Live {
            body: CommentBody::parse("Hi estic molt d'acord.").unwrap(),
            edited_at: Some(LATER),
        }
    );
    assert_eq!(
        (edited.id, edited.created_at, edited.alignment),
        (comment.id, comment.created_at, comment.alignment)
    );
}

#[test]
fn only_the_author_edits_a_comment() {
    let comment = write(1, None).unwrap();
    assert_eq!(
        comment.edit(BEA, CommentBody::parse("Canviat").unwrap(), LATER),
        Err(DomainError::Forbidden)
    );
}

#[test]
fn a_deleted_comment_cannot_be_edited() {
    let comment = deleted(&write(1, None).unwrap());
    let refused = comment
        .edit(ANA, CommentBody::parse("Tornem-hi").unwrap(), LATER)
        .unwrap_err();
    assert_eq!(refused.code(), "comment_deleted");
}

#[test]
fn only_the_author_deletes_a_comment() {
    assert_eq!(
        write(1, None).unwrap().delete(BEA, LATER),
        Err(DomainError::Forbidden)
    );
}

#[test]
fn a_deleted_comment_is_a_placeholder_that_keeps_its_place() {
    let parent = write(1, None).unwrap();
    let reply = write(2, Some(&parent)).unwrap();
    let gone = deleted(&reply);
    assert_eq!(gone.state, CommentState::Deleted { at: LATER });
    assert_eq!(
        (gone.id, gone.parent, gone.depth, gone.target),
        (reply.id, reply.parent, reply.depth, reply.target)
    );
    assert_eq!(gone.shown(), Shown::Deleted { deleted_at: LATER });
    assert!(
        !format!("{:?}", gone.state).contains("Hi estic"),
        "the body is erased"
    );
    // Its own replies still point at it, and still take the thread's shape.
    let threads = thread::nest(
        [parent, gone, write(3, Some(&reply)).unwrap()],
        thread::ThreadSort::Oldest,
    );
    assert_eq!(threads[0].replies[0].replies[0].comment.id, comment_id(3));
}

#[test]
fn a_live_comment_shows_its_author_body_alignment_and_votes() {
    let comment = Comment {
        alignment: Alignment::InFavour,
        votes: VoteCounts { up: 2, down: 1 },
        ..write(1, None).unwrap()
    };
    assert_eq!(
        comment.shown(),
        Shown::Live {
            author: ANA,
            body: "Hi estic d'acord.",
            alignment: Alignment::InFavour,
            votes: VoteCounts { up: 2, down: 1 },
            edited_at: None,
        }
    );
}

#[test]
fn deleting_a_deleted_comment_changes_nothing() {
    let comment = deleted(&write(1, None).unwrap());
    assert_eq!(comment.delete(ANA, LATER), Ok(Deletion::AlreadyDeleted));
}

// --- comments_count -----------------------------------------------------------------------------

#[test]
fn comments_count_counts_live_comments_not_hidden_at_every_depth() {
    let root = write(1, None).unwrap();
    let reply = write(2, Some(&root)).unwrap();
    assert!(root.is_counted(false) && reply.is_counted(false));
    assert!(!reply.is_counted(true), "hidden by moderation");
    assert!(!deleted(&reply).is_counted(false));
}

#[test]
fn writing_a_comment_adds_one_to_the_count_and_deleting_it_takes_one_away() {
    let comment = write(1, None).unwrap();
    assert_eq!(
        CountDelta::between(false, comment.is_counted(false)),
        CountDelta::Increment
    );
    let gone = deleted(&comment);
    let delta = CountDelta::between(comment.is_counted(false), gone.is_counted(false));
    assert_eq!((delta, delta.as_i32()), (CountDelta::Decrement, -1));
}

#[test]
fn editing_a_comment_or_deleting_a_hidden_one_leaves_the_count() {
    let comment = write(1, None).unwrap();
    let edited = comment
        .edit(ANA, CommentBody::parse("Canviat").unwrap(), LATER)
        .unwrap();
    assert_eq!(
        CountDelta::between(comment.is_counted(false), edited.is_counted(false)),
        CountDelta::Unchanged
    );
    assert_eq!(
        CountDelta::between(comment.is_counted(true), deleted(&comment).is_counted(true)),
        CountDelta::Unchanged
    );
    assert_eq!(CountDelta::Unchanged.as_i32(), 0);
}

#[test]
fn hiding_a_comment_takes_it_off_the_count_and_unhiding_puts_it_back() {
    let comment = write(1, None).unwrap();
    assert_eq!(
        CountDelta::between(comment.is_counted(false), comment.is_counted(true)),
        CountDelta::Decrement
    );
    assert_eq!(
        CountDelta::between(comment.is_counted(true), comment.is_counted(false)),
        CountDelta::Increment
    );
}

// --- votes --------------------------------------------------------------------------------------

#[test]
fn authors_may_vote_on_their_own_comments() {
    let comment = write(1, None).unwrap();
    assert_eq!(
        comment.set_vote(None, CommentVote::Up),
        Ok(VoteChange::Insert(CommentVote::Up))
    );
}

#[test]
fn setting_a_vote_says_what_to_write_and_how_the_counters_move() {
    let comment = write(1, None).unwrap();
    let change = comment
        .set_vote(Some(CommentVote::Down), CommentVote::Up)
        .unwrap();
    assert_eq!(change.counts_delta(), VoteCountsDelta { up: 1, down: -1 });
    assert_eq!(
        comment.set_vote(Some(CommentVote::Up), CommentVote::Up),
        Ok(VoteChange::Unchanged)
    );
}

#[test]
fn a_deleted_comment_takes_no_votes_but_a_vote_on_it_can_be_taken_back() {
    let comment = deleted(&write(1, None).unwrap());
    assert_eq!(
        comment.set_vote(None, CommentVote::Up),
        Err(DomainError::CommentDeleted)
    );
    assert_eq!(
        comment.remove_vote(Some(CommentVote::Up)),
        VoteChange::Remove(CommentVote::Up)
    );
    assert_eq!(comment.remove_vote(None), VoteChange::Unchanged);
}

#[test]
fn comment_threads_nest_and_sort_by_score() {
    let older = Comment {
        votes: VoteCounts { up: 1, down: 0 },
        ..write(1, None).unwrap()
    };
    let newer = Comment {
        created_at: LATER,
        votes: VoteCounts { up: 3, down: 3 },
        ..write(2, None).unwrap()
    };
    let best = thread::nest([newer.clone(), older.clone()], thread::ThreadSort::Best);
    assert_eq!(best[0].comment.id, older.id, "1 beats 0");
    let recent = thread::nest([older, newer.clone()], thread::ThreadSort::Recent);
    assert_eq!(recent[0].comment.id, newer.id);
}
