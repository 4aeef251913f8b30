//! Up and down votes on comments: what a participant's request does to their one vote row, and
//! how the comment's counters move with it.
//!
//! A participant holds at most one vote per comment (a unique key on (comment, voter) in the
//! database). `POST /comments/{id}/votes` sets it: the same vote again changes nothing, the other
//! direction replaces it, and without one it is inserted. `DELETE` removes it, or does nothing
//! when there is none. Each answer is a [`VoteChange`] whose [`VoteChange::counts_delta`] the use
//! case adds to the comment's `up_votes`/`down_votes` in the same transaction as the row change,
//! so the counters always equal the rows.
//!
//! Unlike Decidim, where pressing the same button again removes the vote and switching direction
//! needs two requests, setting a vote here is idempotent (a retried request does not undo
//! itself) and taking one back is an explicit DELETE (DESIGN §2.3).

use crate::error::{FieldCode, FieldError};

/// One participant's vote on a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommentVote {
    Up,
    Down,
}

impl CommentVote {
    /// +1 or -1, as stored.
    pub fn weight(self) -> i8 {
        match self {
            CommentVote::Up => 1,
            CommentVote::Down => -1,
        }
    }

    /// A vote read back from its stored weight; `None` for anything but ±1.
    pub fn from_weight(weight: i8) -> Option<CommentVote> {
        match weight {
            1 => Some(CommentVote::Up),
            -1 => Some(CommentVote::Down),
            _ => None,
        }
    }

    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            CommentVote::Up => "up",
            CommentVote::Down => "down",
        }
    }

    /// Reads `up` or `down` from `field`.
    pub fn parse(field: &str, raw: &str) -> Result<CommentVote, FieldError> {
        match raw {
            "up" => Ok(CommentVote::Up),
            "down" => Ok(CommentVote::Down),
            _ => Err(FieldError::new(
                field,
                FieldCode::InvalidVote,
                "Vote `up` or `down`.",
            )),
        }
    }
}

/// What to write for a participant's vote request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteChange {
    /// Nothing: the vote is already the one asked for, or there is none to remove.
    Unchanged,
    /// Insert a vote row.
    Insert(CommentVote),
    /// Update the vote row from one direction to the other.
    Replace { from: CommentVote, to: CommentVote },
    /// Delete the vote row.
    Remove(CommentVote),
}

/// How a [`VoteChange`] moves a comment's counters: each of -1, 0 or +1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VoteCountsDelta {
    pub up: i8,
    pub down: i8,
}

/// A comment's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct VoteCounts {
    pub up: u32,
    pub down: u32,
}

impl VoteChange {
    /// Setting the vote to `wanted` when the participant's vote is `current`.
    pub fn set(current: Option<CommentVote>, wanted: CommentVote) -> VoteChange {
        match current {
            None => VoteChange::Insert(wanted),
            Some(current) if current == wanted => VoteChange::Unchanged,
            Some(current) => VoteChange::Replace {
                from: current,
                to: wanted,
            },
        }
    }

    /// Removing the participant's vote, `current`.
    pub fn remove(current: Option<CommentVote>) -> VoteChange {
        match current {
            None => VoteChange::Unchanged,
            Some(current) => VoteChange::Remove(current),
        }
    }

    /// The participant's vote once the change is stored.
    pub fn after(self, current: Option<CommentVote>) -> Option<CommentVote> {
        match self {
            VoteChange::Unchanged => current,
            VoteChange::Insert(vote) | VoteChange::Replace { to: vote, .. } => Some(vote),
            VoteChange::Remove(_) => None,
        }
    }

    /// How the comment's counters move.
    pub fn counts_delta(self) -> VoteCountsDelta {
        let one = |vote: CommentVote, by: i8| match vote {
            CommentVote::Up => VoteCountsDelta { up: by, down: 0 },
            CommentVote::Down => VoteCountsDelta { up: 0, down: by },
        };
        match self {
            VoteChange::Unchanged => VoteCountsDelta::default(),
            VoteChange::Insert(vote) => one(vote, 1),
            VoteChange::Remove(vote) => one(vote, -1),
            VoteChange::Replace { from, to } => {
                let (removed, added) = (one(from, -1), one(to, 1));
                VoteCountsDelta {
                    up: removed.up + added.up,
                    down: removed.down + added.down,
                }
            }
        }
    }
}

impl VoteCounts {
    /// The counts of a set of vote rows.
    pub fn of(votes: impl IntoIterator<Item = CommentVote>) -> VoteCounts {
        votes
            .into_iter()
            .fold(VoteCounts::default(), |counts, vote| match vote {
                CommentVote::Up => VoteCounts {
                    up: counts.up.saturating_add(1),
                    ..counts
                },
                CommentVote::Down => VoteCounts {
                    down: counts.down.saturating_add(1),
                    ..counts
                },
            })
    }

    /// The counters after `change` (never below zero).
    pub fn apply(self, change: VoteChange) -> VoteCounts {
        let delta = change.counts_delta();
        VoteCounts {
            up: self.up.saturating_add_signed(i32::from(delta.up)),
            down: self.down.saturating_add_signed(i32::from(delta.down)),
        }
    }

    /// Up minus down: what the `best` order of a thread sorts by.
    pub fn score(self) -> i64 {
        i64::from(self.up) - i64::from(self.down)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    use CommentVote::{Down, Up};

    #[test]
    fn a_first_vote_is_inserted() {
        assert_eq!(VoteChange::set(None, Up), VoteChange::Insert(Up));
        assert_eq!(
            VoteChange::Insert(Down).counts_delta(),
            VoteCountsDelta { up: 0, down: 1 }
        );
    }

    #[test]
    fn setting_the_same_vote_again_changes_nothing() {
        for vote in [Up, Down] {
            let change = VoteChange::set(Some(vote), vote);
            assert_eq!(change, VoteChange::Unchanged);
            assert_eq!(change.counts_delta(), VoteCountsDelta::default());
            assert_eq!(change.after(Some(vote)), Some(vote));
        }
    }

    #[test]
    fn the_other_direction_replaces_the_vote() {
        let change = VoteChange::set(Some(Up), Down);
        assert_eq!(change, VoteChange::Replace { from: Up, to: Down });
        assert_eq!(change.counts_delta(), VoteCountsDelta { up: -1, down: 1 });
        assert_eq!(
            VoteCounts { up: 3, down: 1 }.apply(change),
            VoteCounts { up: 2, down: 2 }
        );
    }

    #[test]
    fn removing_a_vote_deletes_it_and_removing_none_does_nothing() {
        assert_eq!(VoteChange::remove(Some(Down)), VoteChange::Remove(Down));
        assert_eq!(
            VoteChange::Remove(Down).counts_delta(),
            VoteCountsDelta { up: 0, down: -1 }
        );
        assert_eq!(VoteChange::remove(None), VoteChange::Unchanged);
        assert_eq!(VoteChange::Remove(Up).after(Some(Up)), None);
    }

    #[test]
    fn best_scores_are_up_minus_down() {
        assert_eq!(VoteCounts { up: 2, down: 5 }.score(), -3);
        assert_eq!(
            VoteCounts {
                up: u32::MAX,
                down: 0
            }
            .score(),
            i64::from(u32::MAX)
        );
    }

    #[test]
    fn votes_read_and_print_as_their_weight_and_name() {
        for vote in [Up, Down] {
            assert_eq!(CommentVote::from_weight(vote.weight()), Some(vote));
            assert_eq!(CommentVote::parse("vote", vote.as_str()), Ok(vote));
        }
        assert_eq!(CommentVote::from_weight(0), None);
        assert_eq!(
            CommentVote::parse("vote", "sideways").unwrap_err().code,
            "invalid_vote"
        );
    }

    #[derive(Debug, Clone, Copy)]
    enum Request {
        Set(u8, CommentVote),
        Remove(u8),
    }

    fn request() -> impl Strategy<Value = Request> {
        let vote = prop_oneof![Just(Up), Just(Down)];
        prop_oneof![
            (0u8..4, vote).prop_map(|(voter, vote)| Request::Set(voter, vote)),
            (0u8..4).prop_map(Request::Remove),
        ]
    }

    proptest! {
        /// Whatever participants ask, in any order, the counters a use case keeps by applying
        /// each change equal the counts of the vote rows it stores.
        #[test]
        fn counters_always_equal_the_vote_rows(requests in prop::collection::vec(request(), 0..40)) {
            let mut rows: BTreeMap<u8, CommentVote> = BTreeMap::new();
            let mut counters = VoteCounts::default();
            for request in requests {
                let (voter, change) = match request {
                    Request::Set(voter, vote) => (voter, VoteChange::set(rows.get(&voter).copied(), vote)),
                    Request::Remove(voter) => (voter, VoteChange::remove(rows.get(&voter).copied())),
                };
                match change.after(rows.get(&voter).copied()) {
                    Some(vote) => rows.insert(voter, vote),
                    None => rows.remove(&voter),
                };
                counters = counters.apply(change);
                prop_assert_eq!(counters, VoteCounts::of(rows.values().copied()));
            }
        }
    }
}
