//! The receipt of a cast ballot and the canonical text its hash is computed over.
//!
//! A voter keeps the ballot id, the time it was cast and a hash of its content (DESIGN §1). The
//! domain defines *what* is hashed, byte for byte, so that anyone holding a receipt and the ballot
//! can recompute it; the API computes SHA-256 over [`Receipt::canonical_bytes`] (the domain carries
//! no crypto). The canonical text is UTF-8 (in fact ASCII), one `key:value` line each, every line
//! ending in `\n`:
//!
//! ```text
//! plaza-ballot-receipt/1
//! budget:<budget id>
//! ballot:<ballot id>
//! cast_at:<whole seconds since 1970-01-01T00:00:00Z>
//! project:<project id>:<points>
//! project:<project id>:<points>
//! ```
//!
//! Ids are hyphenated lowercase UUID text; `project` lines come in ascending id order, one per
//! chosen project, with the points it received (1 under rules without points); numbers are
//! plain decimal without leading zeros. The first line names the format and its version, so a
//! later format can never produce the same bytes as this one.

use super::ids::{BallotId, BudgetId, ProjectId};
use crate::calendar::Timestamp;
use std::fmt::Write;

/// The first line of the canonical text: the format and its version.
pub const RECEIPT_FORMAT: &str = "plaza-ballot-receipt/1";

/// What a voter's receipt is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    budget_id: BudgetId,
    ballot_id: BallotId,
    cast_at: Timestamp,
    choices: Vec<(ProjectId, u32)>,
}

impl Receipt {
    /// The receipt of ballot `ballot_id` of budget `budget_id`, cast at `cast_at` with `choices`
    /// (project, points) in any order.
    pub fn new(
        budget_id: BudgetId,
        ballot_id: BallotId,
        cast_at: Timestamp,
        choices: impl IntoIterator<Item = (ProjectId, u32)>,
    ) -> Receipt {
        let mut choices: Vec<(ProjectId, u32)> = choices.into_iter().collect();
        choices.sort_unstable();
        Receipt {
            budget_id,
            ballot_id,
            cast_at,
            choices,
        }
    }

    pub fn budget_id(&self) -> BudgetId {
        self.budget_id
    }

    pub fn ballot_id(&self) -> BallotId {
        self.ballot_id
    }

    pub fn cast_at(&self) -> Timestamp {
        self.cast_at
    }

    /// The chosen projects with their points, by ascending project id.
    pub fn choices(&self) -> &[(ProjectId, u32)] {
        &self.choices
    }

    /// The canonical text described in the module documentation.
    pub fn canonical_text(&self) -> String {
        let mut text = format!(
            "{RECEIPT_FORMAT}\nbudget:{}\nballot:{}\ncast_at:{}\n",
            self.budget_id,
            self.ballot_id,
            self.cast_at.seconds()
        );
        for (project, points) in &self.choices {
            // Writing to a String cannot fail.
            let _ = writeln!(text, "project:{project}:{points}");
        }
        text
    }

    /// The bytes the API hashes with SHA-256 for the receipt: [`Receipt::canonical_text`] as UTF-8.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.canonical_text().into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_text_lists_projects_in_id_order_with_their_points() {
        let receipt = Receipt::new(
            BudgetId(0x0a),
            BallotId(0x0192_f0c1_7a3b_7c4d_8e5f_0a1b_2c3d_4e5f),
            Timestamp(1_778_580_000),
            [(ProjectId(0x30), 2), (ProjectId(0x1f), 5)],
        );
        assert_eq!(
            receipt.canonical_text(),
            "plaza-ballot-receipt/1\n\
             budget:00000000-0000-0000-0000-00000000000a\n\
             ballot:0192f0c1-7a3b-7c4d-8e5f-0a1b2c3d4e5f\n\
             cast_at:1778580000\n\
             project:00000000-0000-0000-0000-00000000001f:5\n\
             project:00000000-0000-0000-0000-000000000030:2\n"
        );
        assert_eq!(
            receipt.canonical_bytes(),
            receipt.canonical_text().as_bytes()
        );
        assert_eq!(receipt.choices()[0], (ProjectId(0x1f), 5));
    }

    #[test]
    fn the_same_ballot_gives_the_same_bytes_whatever_the_order_of_its_projects() {
        let one = Receipt::new(
            BudgetId(1),
            BallotId(2),
            Timestamp(3),
            [(ProjectId(5), 1), (ProjectId(4), 1)],
        );
        let other = Receipt::new(
            BudgetId(1),
            BallotId(2),
            Timestamp(3),
            [(ProjectId(4), 1), (ProjectId(5), 1)],
        );
        assert_eq!(one.canonical_bytes(), other.canonical_bytes());
        assert_eq!(
            (one.budget_id(), one.ballot_id(), one.cast_at()),
            (BudgetId(1), BallotId(2), Timestamp(3))
        );
    }

    #[test]
    fn a_different_cast_time_or_points_change_the_bytes() {
        let base = Receipt::new(BudgetId(1), BallotId(2), Timestamp(3), [(ProjectId(4), 1)]);
        let later = Receipt::new(BudgetId(1), BallotId(2), Timestamp(4), [(ProjectId(4), 1)]);
        let more_points = Receipt::new(BudgetId(1), BallotId(2), Timestamp(3), [(ProjectId(4), 2)]);
        assert_ne!(base.canonical_bytes(), later.canonical_bytes());
        assert_ne!(base.canonical_bytes(), more_points.canonical_bytes());
    }
}
