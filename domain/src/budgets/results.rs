//! When a budget's results may be computed, published and read (DESIGN §2.5, §6).
//!
//! A tally reads cast ballots, so it waits until none can change: the budget's voting window is
//! not open at `now` and a voting phase of the process has ended (a tally before voting starts
//! would count nothing). It may be run again until the results are published (a failed run, or
//! an admin checking them first); published results never change, and only published results
//! are read by anyone but an admin.

use super::eligibility::VotingWindow;
use super::settings::VoteCountVisibility;
use crate::calendar::Timestamp;
use crate::error::{DomainError, FieldCode};

/// Where a budget's results stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsStage {
    /// Never tallied.
    NotTallied,
    /// A tally is running.
    Computing,
    /// Computed, not yet published.
    Computed,
    /// The last tally failed (an outcome rule's limits); it may be run again.
    Failed,
    /// Published: public, final.
    Published,
}

impl ResultsStage {
    /// The name stored and shown (`not_tallied`, `computing`, `computed`, `failed`, `published`).
    pub fn as_str(self) -> &'static str {
        match self {
            ResultsStage::NotTallied => "not_tallied",
            ResultsStage::Computing => "computing",
            ResultsStage::Computed => "computed",
            ResultsStage::Failed => "failed",
            ResultsStage::Published => "published",
        }
    }

    pub fn parse(raw: &str) -> Option<ResultsStage> {
        [
            ResultsStage::NotTallied,
            ResultsStage::Computing,
            ResultsStage::Computed,
            ResultsStage::Failed,
            ResultsStage::Published,
        ]
        .into_iter()
        .find(|stage| stage.as_str() == raw)
    }
}

/// Decides an admin's request to tally: [`DomainError::VotingNotClosed`] while `window` is open
/// at `now` or before any voting phase of the process has ended (`voting_ended`);
/// [`DomainError::ResultsAlreadyPublished`] once published.
pub fn decide_tally(
    window: VotingWindow,
    voting_ended: bool,
    stage: ResultsStage,
    now: Timestamp,
) -> Result<(), DomainError> {
    if stage == ResultsStage::Published {
        return Err(DomainError::ResultsAlreadyPublished);
    }
    if window.is_open_at(now) || !voting_ended {
        return Err(DomainError::VotingNotClosed);
    }
    Ok(())
}

/// Decides publishing: only computed results ([`DomainError::ResultsNotComputed`] otherwise;
/// [`DomainError::ResultsAlreadyPublished`] a second time).
pub fn decide_publish(stage: ResultsStage) -> Result<(), DomainError> {
    match stage {
        ResultsStage::Computed => Ok(()),
        ResultsStage::Published => Err(DomainError::ResultsAlreadyPublished),
        ResultsStage::NotTallied | ResultsStage::Computing | ResultsStage::Failed => {
            Err(DomainError::ResultsNotComputed)
        }
    }
}

/// Whether a reader sees the results: everyone once published; before, only those who manage
/// the process (`manages`), who check them first.
pub fn results_visible(stage: ResultsStage, manages: bool) -> bool {
    stage == ResultsStage::Published || (manages && stage != ResultsStage::NotTallied)
}

/// Whether anyone may read the vote counts of a budget's projects: once its results are
/// published; before, only where an admin chose to show them during voting (DESIGN §2.5: during
/// voting no endpoint reveals counts unless `show_votes_during_voting`). Counts stay secret
/// between the end of voting and publication too.
pub fn votes_visible(visibility: VoteCountVisibility, stage: ResultsStage) -> bool {
    stage == ResultsStage::Published || visibility == VoteCountVisibility::ShownWhileVoting
}

/// Decides a project list ordered by votes: only where counts may be read (422 `sort`
/// `votes_secret`), since the order itself would reveal them.
pub fn check_order_by_votes(visible: bool) -> Result<(), DomainError> {
    if visible {
        Ok(())
    } else {
        Err(DomainError::field(
            "sort",
            FieldCode::VotesSecret,
            "Vote counts are secret until the results are published: choose another order.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_800_000_000);

    fn phase(open: bool) -> VotingWindow {
        if open {
            VotingWindow::Phase {
                starts_at: Timestamp(NOW.0 - 10),
                ends_at: Timestamp(NOW.0 + 10),
            }
        } else {
            VotingWindow::NoVotingPhase
        }
    }

    #[test]
    fn a_tally_waits_until_voting_has_closed() {
        let stage = ResultsStage::NotTallied;
        assert_eq!(
            decide_tally(phase(true), true, stage, NOW),
            Err(DomainError::VotingNotClosed)
        );
        assert_eq!(
            decide_tally(VotingWindow::Pinned, true, stage, NOW),
            Err(DomainError::VotingNotClosed),
            "a pinned voting phase is open"
        );
        assert_eq!(
            decide_tally(phase(false), false, stage, NOW),
            Err(DomainError::VotingNotClosed),
            "no voting phase has ended yet"
        );
        assert_eq!(decide_tally(phase(false), true, stage, NOW), Ok(()));
        assert_eq!(
            decide_tally(phase(false), true, ResultsStage::Computed, NOW),
            Ok(()),
            "run again before publication"
        );
    }

    #[test]
    fn published_results_are_final_and_public() {
        assert_eq!(
            decide_tally(phase(false), true, ResultsStage::Published, NOW),
            Err(DomainError::ResultsAlreadyPublished)
        );
        assert_eq!(decide_publish(ResultsStage::Computed), Ok(()));
        assert_eq!(
            decide_publish(ResultsStage::Computing),
            Err(DomainError::ResultsNotComputed)
        );
        assert_eq!(
            decide_publish(ResultsStage::Published),
            Err(DomainError::ResultsAlreadyPublished)
        );
        assert!(results_visible(ResultsStage::Published, false));
        assert!(!results_visible(ResultsStage::Computed, false));
        assert!(results_visible(ResultsStage::Computing, true));
        assert!(!results_visible(ResultsStage::NotTallied, true));
    }

    #[test]
    fn counts_stay_secret_until_publication_unless_shown_during_voting() {
        use VoteCountVisibility::{HiddenWhileVoting, ShownWhileVoting};
        for stage in [
            ResultsStage::NotTallied,
            ResultsStage::Computing,
            ResultsStage::Computed,
            ResultsStage::Failed,
        ] {
            assert!(!votes_visible(HiddenWhileVoting, stage), "{stage:?}");
            assert!(votes_visible(ShownWhileVoting, stage), "{stage:?}");
        }
        assert!(votes_visible(HiddenWhileVoting, ResultsStage::Published));
        assert!(check_order_by_votes(true).is_ok());
        let refused = check_order_by_votes(false).unwrap_err();
        assert_eq!(refused.code(), "validation_failed");
    }
}
