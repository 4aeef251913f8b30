//! The receipt of a cast ballot, the canonical text it is computed over, and its keyed seal.
//!
//! A voter keeps the ballot id, the time it was cast and a keyed hash of its content (DESIGN §1):
//! [`Receipt::seal`], HMAC-SHA256 of [`Receipt::canonical_bytes`] under a [`ReceiptKey`] that only
//! the server holds (the API derives it from `PLAZA_SECRET` for receipts alone and names it by a
//! key id). The key is what keeps the vote secret: every input of the canonical text but the
//! choices is printed on the receipt or public, so an unkeyed hash (plain SHA-256, as before
//! December 2026) was recovered by trying every possible ballot, about 33,000 guesses for 5
//! projects out of 24. With the key, whoever holds a receipt learns nothing of the vote, while the
//! voter can still have the server check it ([`Receipt::verify`]). The canonical text is UTF-8
//! (in fact ASCII), one `key:value` line each, every line ending in `\n`:
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
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt::Write;

/// The server's key for receipts, and its id (so that a rotated key can still check the receipts
/// it sealed). Its bytes never leave the server and are never printed.
#[derive(Clone)]
pub struct ReceiptKey {
    id: String,
    bytes: Vec<u8>,
}

impl ReceiptKey {
    /// A key named `id` with secret `bytes` (at least 32 of them: `None` otherwise).
    pub fn new(id: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Option<ReceiptKey> {
        let bytes = bytes.into();
        (bytes.len() >= 32).then(|| ReceiptKey {
            id: id.into(),
            bytes,
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    fn mac(&self) -> Hmac<Sha256> {
        // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
        Hmac::<Sha256>::new_from_slice(&self.bytes).unwrap_or_else(|_| unreachable!())
    }
}

impl std::fmt::Debug for ReceiptKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceiptKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A receipt's keyed hash and the id of the key that made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptSeal {
    pub key_id: String,
    /// HMAC-SHA256 of the canonical bytes, 32 bytes.
    pub mac: [u8; 32],
}

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

    /// The bytes the seal is computed over: [`Receipt::canonical_text`] as UTF-8.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.canonical_text().into_bytes()
    }

    /// The receipt's seal under `key`: HMAC-SHA256 of [`Receipt::canonical_bytes`].
    pub fn seal(&self, key: &ReceiptKey) -> ReceiptSeal {
        let mut mac = key.mac();
        mac.update(&self.canonical_bytes());
        ReceiptSeal {
            key_id: key.id.clone(),
            mac: mac.finalize().into_bytes().into(),
        }
    }

    /// Whether `seal` is this receipt's under `key` (the key its `key_id` names), compared in
    /// constant time.
    pub fn verify(&self, key: &ReceiptKey, seal: &ReceiptSeal) -> bool {
        if seal.key_id != key.id {
            return false;
        }
        let mut mac = key.mac();
        mac.update(&self.canonical_bytes());
        mac.verify_slice(&seal.mac).is_ok()
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

    fn key(id: &str, byte: u8) -> ReceiptKey {
        ReceiptKey::new(id, vec![byte; 32]).unwrap()
    }

    /// Every ballot choosing `size` of `projects` projects, as receipts of ballot 2 of budget 1.
    fn every_ballot(projects: u128, size: usize) -> Vec<Receipt> {
        let mut ballots = Vec::new();
        let mut chosen = Vec::new();
        fn walk(
            next: u128,
            projects: u128,
            size: usize,
            chosen: &mut Vec<u128>,
            out: &mut Vec<Receipt>,
        ) {
            if chosen.len() == size {
                out.push(Receipt::new(
                    BudgetId(1),
                    BallotId(2),
                    Timestamp(1_778_580_000),
                    chosen.iter().map(|&p| (ProjectId(p), 1)),
                ));
                return;
            }
            for p in next..projects {
                chosen.push(p);
                walk(p + 1, projects, size, chosen, out);
                chosen.pop();
            }
        }
        walk(0, projects, size, &mut chosen, &mut ballots);
        ballots
    }

    #[test]
    fn whoever_holds_a_receipt_cannot_recover_the_vote_by_trying_every_ballot() {
        use sha2::Digest;
        let ballots = every_ballot(12, 3);
        assert_eq!(ballots.len(), 220);
        let cast = &ballots[137];
        let server = key("receipts-2026", 7);
        let seal = cast.seal(&server);
        // Without the key, hashing every candidate ballot finds nothing...
        let unkeyed_matches = ballots
            .iter()
            .filter(|guess| {
                let digest: [u8; 32] = Sha256::digest(guess.canonical_bytes()).into();
                digest == seal.mac
            })
            .count();
        assert_eq!(unkeyed_matches, 0);
        // ...nor does sealing them under any other key.
        let guessed_key = key("receipts-2026", 8);
        assert!(ballots.iter().all(|guess| guess.seal(&guessed_key) != seal));
        // The server, holding the key, checks the voter's receipt, and no other ballot's.
        assert!(cast.verify(&server, &seal));
        let others_pass = ballots
            .iter()
            .filter(|guess| guess.verify(&server, &seal))
            .count();
        assert_eq!(others_pass, 1);
        // A seal names its key: another key id does not verify.
        assert!(!cast.verify(&key("receipts-2027", 7), &seal));
        // The key never shows in logs.
        assert_eq!(
            format!("{server:?}"),
            "ReceiptKey { id: \"receipts-2026\", .. }"
        );
        assert!(ReceiptKey::new("short", vec![1; 31]).is_none());
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
