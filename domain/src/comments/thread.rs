//! Reading comments back as threads: the flat rows of one page of root comments and all their
//! replies, nested.
//!
//! The store pages through the root comments of an item in the requested order (CONSUL's
//! `CommentTree` does the same: a page of roots plus every descendant of each) and hands over
//! the roots and their replies as one flat list; [`nest`] puts each reply under its parent. Roots
//! come in the order of [`ThreadSort`]; replies always read as a conversation, oldest first.
//!
//! The tree is built with an explicit stack, never by recursion, so its shape cannot exhaust the
//! call stack; writes keep it at most [`super::Depth::MAX`] levels deep anyway. A row whose parent
//! is not in the list (which consistent data cannot produce, since a page holds whole threads) is
//! left out rather than shown out of place; so is any row caught in a parent cycle.

use crate::calendar::Timestamp;
use crate::ids::CommentId;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

/// The order of a thread's root comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThreadSort {
    /// Newest first.
    Recent,
    /// Oldest first.
    Oldest,
    /// Highest score (up votes minus down votes) first; equal scores newest first.
    Best,
}

impl ThreadSort {
    pub const ALL: [ThreadSort; 3] = [ThreadSort::Recent, ThreadSort::Oldest, ThreadSort::Best];

    /// The name used in the API's `sort` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadSort::Recent => "recent",
            ThreadSort::Oldest => "oldest",
            ThreadSort::Best => "best",
        }
    }

    pub fn parse(raw: &str) -> Option<ThreadSort> {
        ThreadSort::ALL
            .into_iter()
            .find(|sort| sort.as_str() == raw)
    }

    /// How two root comments compare in this order. Every order ends on the id (newest first
    /// where recency decides) so that the order is total and a page boundary is stable.
    pub fn compare<T: Threaded>(self, a: &T, b: &T) -> Ordering {
        let recent = |a: &T, b: &T| oldest_first(b, a);
        match self {
            ThreadSort::Recent => recent(a, b),
            ThreadSort::Oldest => oldest_first(a, b),
            ThreadSort::Best => b.score().cmp(&a.score()).then_with(|| recent(a, b)),
        }
    }
}

/// What [`nest`] needs to know of a comment.
pub trait Threaded {
    fn id(&self) -> CommentId;
    /// The comment it replies to; `None` for a root comment.
    fn parent(&self) -> Option<CommentId>;
    fn created_at(&self) -> Timestamp;
    /// Up votes minus down votes.
    fn score(&self) -> i64;
}

/// A comment and its replies, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread<T> {
    pub comment: T,
    pub replies: Vec<Thread<T>>,
}

/// Nests `comments` (one page of root comments and all their replies, in any order) into
/// threads: roots in `sort` order, replies under their parent, oldest first.
pub fn nest<T: Threaded>(
    comments: impl IntoIterator<Item = T>,
    sort: ThreadSort,
) -> Vec<Thread<T>> {
    let comments: Vec<T> = comments.into_iter().collect();
    let present: HashSet<CommentId> = comments.iter().map(Threaded::id).collect();
    let mut roots = Vec::new();
    let mut replies: HashMap<CommentId, Vec<T>> = HashMap::new();
    for comment in comments {
        match comment.parent() {
            None => roots.push(comment),
            Some(parent) if present.contains(&parent) => {
                replies.entry(parent).or_default().push(comment);
            }
            Some(_) => {}
        }
    }
    for siblings in replies.values_mut() {
        siblings.sort_by(oldest_first);
    }
    roots.sort_by(|a, b| sort.compare(a, b));

    let mut threads = Vec::with_capacity(roots.len());
    for root in roots {
        let mut stack = vec![Frame::new(root, &mut replies)];
        while let Some(top) = stack.last_mut() {
            if let Some(reply) = top.pending.next() {
                let frame = Frame::new(reply, &mut replies);
                stack.push(frame);
                continue;
            }
            let Some(done) = stack.pop() else { break };
            let thread = Thread {
                comment: done.comment,
                replies: done.replies,
            };
            match stack.last_mut() {
                Some(parent) => parent.replies.push(thread),
                None => threads.push(thread),
            }
        }
    }
    threads
}

/// A comment whose replies are being nested: those still to visit, and those done.
struct Frame<T> {
    comment: T,
    pending: std::vec::IntoIter<T>,
    replies: Vec<Thread<T>>,
}

impl<T: Threaded> Frame<T> {
    /// Takes the comment's replies out of `replies`, so each row is placed at most once.
    fn new(comment: T, replies: &mut HashMap<CommentId, Vec<T>>) -> Frame<T> {
        let pending = replies.remove(&comment.id()).unwrap_or_default();
        Frame {
            replies: Vec::with_capacity(pending.len()),
            pending: pending.into_iter(),
            comment,
        }
    }
}

fn oldest_first<T: Threaded>(a: &T, b: &T) -> Ordering {
    a.created_at()
        .cmp(&b.created_at())
        .then_with(|| a.id().cmp(&b.id()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Row {
        id: u128,
        parent: Option<u128>,
        created_at: i64,
        score: i64,
    }

    impl Threaded for Row {
        fn id(&self) -> CommentId {
            CommentId::from_uuid(Uuid::from_u128(self.id))
        }
        fn parent(&self) -> Option<CommentId> {
            self.parent
                .map(|parent| CommentId::from_uuid(Uuid::from_u128(parent)))
        }
        fn created_at(&self) -> Timestamp {
            Timestamp(self.created_at)
        }
        fn score(&self) -> i64 {
            self.score
        }
    }

    fn root(id: u128, created_at: i64, score: i64) -> Row {
        Row {
            id,
            parent: None,
            created_at,
            score,
        }
    }

    fn reply(id: u128, parent: u128, created_at: i64) -> Row {
        Row {
            id,
            parent: Some(parent),
            created_at,
            score: 0,
        }
    }

    /// The ids of the threads, depth first, each with its depth.
    fn outline(threads: &[Thread<Row>]) -> Vec<(usize, u128)> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, &Thread<Row>)> = threads.iter().rev().map(|t| (0, t)).collect();
        while let Some((depth, thread)) = stack.pop() {
            out.push((depth, thread.comment.id));
            stack.extend(thread.replies.iter().rev().map(|t| (depth + 1, t)));
        }
        out
    }

    fn roots(threads: &[Thread<Row>]) -> Vec<u128> {
        threads.iter().map(|thread| thread.comment.id).collect()
    }

    fn page() -> Vec<Row> {
        vec![
            reply(11, 1, 150),
            root(1, 100, 2),
            root(2, 200, 5),
            root(3, 300, 2),
            reply(12, 1, 120),
            reply(111, 11, 160),
            reply(1111, 111, 170),
        ]
    }

    #[test]
    fn replies_nest_under_their_parent_oldest_first() {
        let threads = nest(page(), ThreadSort::Oldest);
        assert_eq!(
            outline(&threads),
            vec![
                (0, 1),
                (1, 12),
                (1, 11),
                (2, 111),
                (3, 1111),
                (0, 2),
                (0, 3)
            ]
        );
    }

    #[test]
    fn recent_puts_the_newest_root_first() {
        assert_eq!(roots(&nest(page(), ThreadSort::Recent)), vec![3, 2, 1]);
    }

    #[test]
    fn oldest_puts_the_oldest_root_first() {
        assert_eq!(roots(&nest(page(), ThreadSort::Oldest)), vec![1, 2, 3]);
    }

    #[test]
    fn best_sorts_by_up_minus_down_and_ties_by_recency() {
        assert_eq!(roots(&nest(page(), ThreadSort::Best)), vec![2, 3, 1]);
    }

    #[test]
    fn replies_read_oldest_first_whatever_the_sort() {
        for sort in ThreadSort::ALL {
            let threads = nest(page(), sort);
            let first = threads
                .iter()
                .find(|thread| thread.comment.id == 1)
                .unwrap();
            assert_eq!(roots(&first.replies), vec![12, 11], "{sort:?}");
        }
    }

    #[test]
    fn equal_times_are_ordered_by_id_so_pages_are_stable() {
        let rows = vec![root(2, 100, 0), root(1, 100, 0), root(3, 100, 0)];
        assert_eq!(
            roots(&nest(rows.clone(), ThreadSort::Oldest)),
            vec![1, 2, 3]
        );
        assert_eq!(
            roots(&nest(rows.clone(), ThreadSort::Recent)),
            vec![3, 2, 1]
        );
        assert_eq!(roots(&nest(rows, ThreadSort::Best)), vec![3, 2, 1]);
    }

    #[test]
    fn rows_without_their_parent_or_in_a_cycle_are_left_out() {
        let rows = vec![
            root(1, 100, 0),
            reply(2, 99, 110),
            reply(3, 4, 120),
            reply(4, 3, 130),
        ];
        assert_eq!(outline(&nest(rows, ThreadSort::Oldest)), vec![(0, 1)]);
    }

    #[test]
    fn a_deep_chain_is_nested_without_recursion() {
        // Far deeper than writes allow (3); dropping the result is recursive (drop glue), so the
        // chain stays modest for the test thread's stack.
        let depth: u128 = 1_000;
        let rows = std::iter::once(root(0, 0, 0))
            .chain((1..=depth).map(|id| reply(id, id - 1, i64::try_from(id).unwrap())));
        let threads = nest(rows, ThreadSort::Oldest);
        let outline = outline(&threads);
        assert_eq!(outline.len(), 1_001);
        assert_eq!(outline.last(), Some(&(1_000, 1_000)));
    }

    #[test]
    fn sorts_read_and_print_as_their_api_names() {
        for sort in ThreadSort::ALL {
            assert_eq!(ThreadSort::parse(sort.as_str()), Some(sort));
        }
        assert_eq!(ThreadSort::parse("hot"), None);
    }
}
