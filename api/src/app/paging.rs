//! One way to list: keyset pages with opaque cursors.
//!
//! Every list of the API answers `{items, next_cursor}` ([`Page`]), takes `limit` (1 to
//! [`MAX_LIMIT`], default [`DEFAULT_LIMIT`]) and the `cursor` of the previous page, and names its
//! orders and filters as enums in the spec. A page is read with a keyset condition (rows after
//! the last one seen, by the sort key and then the id), never with an offset: a page costs the
//! same at the start and at the end of a long list, and rows added while a resident scrolls do
//! not shift or repeat what they see.
//!
//! A cursor is the last row's [`Position`] (its sort key and id) with the sort it belongs to,
//! as base64url JSON. It is opaque to clients (they pass it back as it came), but it is not a
//! secret: a forged cursor can only choose where a page starts. One minted for another sort is
//! refused (400 `invalid_parameter`, `cursor`/`invalid_cursor`).
//!
//! Sort keys are integers (a supports count, a seeded random key, a time in seconds) or nothing
//! (the id alone: ids are UUIDv7, so the id order is the creation order). Random order pages by
//! keyset too: each row stores a random 32-bit key, and `random(seed)` orders by the key rotated
//! by the seed ([`rotate`]), so two residents with different seeds see the list start at
//! different places, each order stable across their pages, and no query sorts the whole table
//! by a function.

use super::error::AppError;
use base64::Engine;
use plaza_domain::{FieldCode, FieldError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: u64 = 20;
/// The most items a page holds.
pub const MAX_LIMIT: u64 = 100;

/// Where a page ends: the last row's sort key (if the sort has one) and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    #[serde(rename = "k", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<i64>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

/// The cursor's content: the sort it was minted for, and where the page ended.
#[derive(Debug, Serialize, Deserialize)]
struct CursorBody {
    #[serde(rename = "s")]
    sort: String,
    #[serde(flatten)]
    position: Position,
}

impl Position {
    /// The opaque cursor of this position in the order named `sort`.
    pub fn to_cursor(self, sort: &str) -> String {
        let body = CursorBody {
            sort: sort.to_string(),
            position: self,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Reads a cursor minted for the order named `sort`.
    pub fn from_cursor(raw: &str, sort: &str) -> Result<Position, AppError> {
        let invalid = |message: &str| {
            AppError::InvalidParameter(vec![FieldError::new(
                "cursor",
                FieldCode::InvalidCursor,
                message,
            )])
        };
        let body: CursorBody = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|json| serde_json::from_slice(&json).ok())
            .ok_or_else(|| invalid("Use the next_cursor of a previous page, as it came."))?;
        if body.sort != sort {
            return Err(invalid(
                "This cursor belongs to another order: keep the sort of the page it came from.",
            ));
        }
        Ok(body.position)
    }
}

/// The start of a page: after the position the `cursor` parameter names, if it is given.
pub fn after(cursor: Option<&str>, sort: &str) -> Result<Option<Position>, AppError> {
    cursor
        .map(|raw| Position::from_cursor(raw, sort))
        .transpose()
}

/// What a client asks of a list: an order (an enum per list), a size and a start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest<S> {
    pub sort: S,
    pub limit: u64,
    pub after: Option<Position>,
}

/// A page of items and the position to continue from (none on the last page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<Position>,
}

impl<T> Page<T> {
    /// The page of `rows` read with `limit + 1` (the extra row only says whether more follow).
    pub fn from_rows(mut rows: Vec<T>, limit: u64, position_of: impl Fn(&T) -> Position) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let next = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&position_of)
        } else {
            None
        };
        Page { items: rows, next }
    }

    /// The same page with each item turned into another value.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next: self.next,
        }
    }
}

/// The random order of a row for a seed: its stored 32-bit key rotated by the seed, so that the
/// order is a rotation of the key order (two index ranges: keys from [`rotation_start`] up, then
/// from 0), starting at another place for each seed. The seed is spread over the 32 bits first
/// (multiplied by an odd constant, a bijection), so that seeds 1, 2, 3 start far apart.
///
/// What this buys and what it does not: for a seed drawn at random, every row is equally likely
/// to open the list (no proposal owes its place on the first page to when it was written), and a
/// page costs one index range whatever the seed. Rows keep their neighbours, though: the cyclic
/// order of the keys is the same for every seed.
pub fn rotate(key: u32, seed: u32) -> u32 {
    key.wrapping_add(spread(seed))
}

/// The first stored key of the rotation for `seed` (see [`rotate`]): rows with keys from here
/// up come first, then rows with keys from 0 below it.
pub fn rotation_start(seed: u32) -> u32 {
    0u32.wrapping_sub(spread(seed))
}

/// Spreads a seed over 32 bits (Knuth's multiplicative hash: odd, so one seed per start).
fn spread(seed: u32) -> u32 {
    seed.wrapping_mul(0x9E37_79B1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_cursor_reads_back_in_its_own_order_only() {
        let position = Position {
            key: Some(-42),
            id: id(7),
        };
        let cursor = position.to_cursor("most_supported");
        assert_eq!(
            Position::from_cursor(&cursor, "most_supported").unwrap(),
            position
        );
        assert!(Position::from_cursor(&cursor, "recent").is_err());
        let without_key = Position {
            key: None,
            id: id(9),
        };
        assert_eq!(
            Position::from_cursor(&without_key.to_cursor("oldest"), "oldest").unwrap(),
            without_key
        );
        for nonsense in ["", "nonsense", "e30", "!!!"] {
            assert!(
                Position::from_cursor(nonsense, "oldest").is_err(),
                "{nonsense}"
            );
        }
    }

    #[test]
    fn a_page_read_with_one_extra_row_knows_whether_more_follow() {
        let at = |n: u128| Position {
            key: None,
            id: id(n),
        };
        let full = Page::from_rows(vec![1u128, 2, 3], 2, |n| at(*n));
        assert_eq!(full.items, [1, 2]);
        assert_eq!(full.next, Some(at(2)));
        let last = Page::from_rows(vec![1u128, 2], 2, |n| at(*n));
        assert_eq!(last.next, None);
    }

    #[test]
    fn random_order_is_a_rotation_of_the_key_order_per_seed() {
        let keys = [0u32, 5, 1 << 31, u32::MAX - 3, u32::MAX];
        for seed in [0u32, 1, 6, 1 << 31, u32::MAX] {
            let start = rotation_start(seed);
            // Ordering by the rotated key equals: keys from `start` up, then keys below it.
            let mut by_rotation = keys.to_vec();
            by_rotation.sort_by_key(|key| rotate(*key, seed));
            let mut by_ranges: Vec<u32> = keys.iter().copied().filter(|k| *k >= start).collect();
            by_ranges.sort_unstable();
            let mut low: Vec<u32> = keys.iter().copied().filter(|k| *k < start).collect();
            low.sort_unstable();
            by_ranges.extend(low);
            assert_eq!(by_rotation, by_ranges, "seed {seed}");
        }
    }
}
