//! Supports (DESIGN §2.2): a participant's "+1" on a proposal, and how supports are counted.
//!
//! [`may_support`] decides whether a support may be given (phase, residency, the proposal's
//! state, the participant's `vote_limit`, the proposal's threshold); one support per participant
//! and proposal is the database's unique key, not a check here. [`may_withdraw_support`] decides
//! whether one may be taken back (while the phase is open).
//!
//! With `minimum_votes_per_user` > 0 a participant's supports are *pending* until they have given
//! that many: none counts before, all count from then on, and if they withdraw below the minimum
//! again, all of theirs stop counting. [`after_support`] and [`after_withdrawal`] say which
//! proposals' `supports_count` change with each step, so that the counters always equal the
//! counted rows.

use super::settings::ProposalSettings;
use super::{Proposal, ProposalState};
use crate::error::DomainError;

/// What the rules need to know about the participant who supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Supporter {
    /// Verified against the census in this organization.
    pub resident: bool,
    /// Supports they give in the process now (pending or counted), before this one.
    pub supports_in_process: u32,
}

/// Whether `supporter` may support `proposal` now. The proposal is one the supporter may see
/// (a hidden or draft one is 404 before this rule). `phase_open` comes from
/// [`crate::processes::require_open`] with `Feature::Supports`.
pub fn may_support(
    phase_open: Result<(), DomainError>,
    supporter: Supporter,
    proposal: &Proposal,
    settings: &ProposalSettings,
) -> Result<(), DomainError> {
    phase_open?;
    if settings.supports_require_residency && !supporter.resident {
        return Err(DomainError::ResidencyRequired);
    }
    if !matches!(
        proposal.state,
        ProposalState::Published | ProposalState::Evaluating | ProposalState::Accepted
    ) {
        return Err(DomainError::ProposalNotSupportable {
            state: proposal.state,
        });
    }
    let limit = settings.vote_limit;
    if limit > 0 && supporter.supports_in_process >= limit {
        return Err(DomainError::VoteLimitReached { limit });
    }
    let threshold = settings.threshold_per_proposal;
    if threshold > 0
        && !settings.can_accumulate_supports_beyond_threshold
        && proposal.supports_count >= threshold
    {
        return Err(DomainError::SupportThresholdReached { threshold });
    }
    Ok(())
}

/// Whether a support may be taken back now: while the phase opens supports.
pub fn may_withdraw_support(phase_open: Result<(), DomainError>) -> Result<(), DomainError> {
    phase_open
}

/// Which proposals' counted supports change with one step of a participant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recount {
    /// None: the participant's supports are (and stay) pending.
    Nothing,
    /// Only the proposal of this step: +1 for a support, -1 for a withdrawal.
    ThisProposal,
    /// Every proposal the participant supports: +1 each as they reach the minimum (this one
    /// included), -1 each as they fall below it (this one included, for a withdrawal).
    AllOfTheirs,
}

/// What giving one more support does to the counts, for a participant who gave `before`.
pub fn after_support(settings: &ProposalSettings, before: u32) -> Recount {
    let minimum = settings.minimum_votes_per_user;
    let after = before.saturating_add(1);
    if minimum <= 1 || after > minimum {
        Recount::ThisProposal
    } else if after == minimum {
        Recount::AllOfTheirs
    } else {
        Recount::Nothing
    }
}

/// What withdrawing one support does to the counts, for a participant who gave `before`
/// (this one included).
pub fn after_withdrawal(settings: &ProposalSettings, before: u32) -> Recount {
    let minimum = settings.minimum_votes_per_user;
    if minimum <= 1 || before > minimum {
        Recount::ThisProposal
    } else if before == minimum {
        Recount::AllOfTheirs
    } else {
        Recount::Nothing
    }
}

/// Whether a participant's supports count, given how many they give in the process.
pub fn counted(settings: &ProposalSettings, supports_in_process: u32) -> bool {
    supports_in_process >= settings.minimum_votes_per_user
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::processes::Feature;

    const OPEN: Result<(), DomainError> = Ok(());

    fn proposal(state: ProposalState, supports_count: u32) -> Proposal {
        Proposal {
            author: UserId::from_uuid(uuid::Uuid::from_u128(1)),
            state,
            published_at: None,
            supports_count,
            has_supports: supports_count > 0,
            hidden: false,
            answer: None,
        }
    }

    const RESIDENT: Supporter = Supporter {
        resident: true,
        supports_in_process: 0,
    };

    #[test]
    fn supports_need_the_supports_phase() {
        let closed = Err(DomainError::Closed(Feature::Supports));
        assert_eq!(
            may_support(
                closed.clone(),
                RESIDENT,
                &proposal(ProposalState::Published, 0),
                &ProposalSettings::default()
            ),
            closed
        );
        assert_eq!(may_withdraw_support(closed.clone()), closed);
    }

    #[test]
    fn only_residents_support_when_the_process_requires_it() {
        let visitor = Supporter {
            resident: false,
            ..RESIDENT
        };
        let published = proposal(ProposalState::Published, 0);
        let settings = ProposalSettings::default();
        assert_eq!(
            may_support(OPEN, visitor, &published, &settings),
            Err(DomainError::ResidencyRequired)
        );
        let open_to_all = ProposalSettings {
            supports_require_residency: false,
            ..settings
        };
        assert_eq!(may_support(OPEN, visitor, &published, &open_to_all), Ok(()));
    }

    #[test]
    fn rejected_withdrawn_and_draft_proposals_take_no_supports() {
        let settings = ProposalSettings::default();
        for state in [
            ProposalState::Rejected,
            ProposalState::Withdrawn,
            ProposalState::Draft,
        ] {
            assert_eq!(
                may_support(OPEN, RESIDENT, &proposal(state, 0), &settings),
                Err(DomainError::ProposalNotSupportable { state })
            );
        }
        for state in [
            ProposalState::Published,
            ProposalState::Evaluating,
            ProposalState::Accepted,
        ] {
            assert_eq!(
                may_support(OPEN, RESIDENT, &proposal(state, 0), &settings),
                Ok(())
            );
        }
    }

    #[test]
    fn a_participant_gives_at_most_vote_limit_supports_in_a_process() {
        let settings = ProposalSettings {
            vote_limit: 5,
            ..ProposalSettings::default()
        };
        let published = proposal(ProposalState::Published, 0);
        let with = |given| Supporter {
            supports_in_process: given,
            ..RESIDENT
        };
        assert_eq!(may_support(OPEN, with(4), &published, &settings), Ok(()));
        assert_eq!(
            may_support(OPEN, with(5), &published, &settings),
            Err(DomainError::VoteLimitReached { limit: 5 })
        );
    }

    #[test]
    fn a_proposal_past_its_threshold_takes_no_more_unless_supports_accumulate() {
        let settings = ProposalSettings {
            threshold_per_proposal: 100,
            ..ProposalSettings::default()
        };
        assert_eq!(
            may_support(
                OPEN,
                RESIDENT,
                &proposal(ProposalState::Published, 99),
                &settings
            ),
            Ok(())
        );
        assert_eq!(
            may_support(
                OPEN,
                RESIDENT,
                &proposal(ProposalState::Published, 100),
                &settings
            ),
            Err(DomainError::SupportThresholdReached { threshold: 100 })
        );
        let accumulating = ProposalSettings {
            can_accumulate_supports_beyond_threshold: true,
            ..settings
        };
        assert_eq!(
            may_support(
                OPEN,
                RESIDENT,
                &proposal(ProposalState::Published, 100),
                &accumulating
            ),
            Ok(())
        );
    }

    #[test]
    fn without_a_minimum_each_support_counts_at_once() {
        let settings = ProposalSettings::default();
        assert_eq!(after_support(&settings, 0), Recount::ThisProposal);
        assert_eq!(after_withdrawal(&settings, 1), Recount::ThisProposal);
        assert!(counted(&settings, 1));
    }

    #[test]
    fn supports_are_pending_until_the_participant_reaches_the_minimum() {
        let settings = ProposalSettings {
            minimum_votes_per_user: 3,
            ..ProposalSettings::default()
        };
        // First and second support: pending, nothing counted.
        assert_eq!(after_support(&settings, 0), Recount::Nothing);
        assert_eq!(after_support(&settings, 1), Recount::Nothing);
        assert!(!counted(&settings, 2));
        // The third makes all three count.
        assert_eq!(after_support(&settings, 2), Recount::AllOfTheirs);
        assert!(counted(&settings, 3));
        // A fourth counts on its own.
        assert_eq!(after_support(&settings, 3), Recount::ThisProposal);
    }

    #[test]
    fn falling_below_the_minimum_uncounts_all_of_a_participants_supports() {
        let settings = ProposalSettings {
            minimum_votes_per_user: 3,
            ..ProposalSettings::default()
        };
        // From four to three: only the withdrawn one stops counting.
        assert_eq!(after_withdrawal(&settings, 4), Recount::ThisProposal);
        // From three to two: all of theirs stop counting (the withdrawn one with them).
        assert_eq!(after_withdrawal(&settings, 3), Recount::AllOfTheirs);
        // From two to one: they were pending already.
        assert_eq!(after_withdrawal(&settings, 2), Recount::Nothing);
    }

    /// The counters a sequence of supports and withdrawals leaves equal the supports that count,
    /// whatever the order: replaying [`Recount`] on a model of the rows.
    #[test]
    fn counters_always_equal_the_counted_rows() {
        let settings = ProposalSettings {
            minimum_votes_per_user: 3,
            ..ProposalSettings::default()
        };
        // One participant's steps over 5 proposals: (proposal, support?).
        let steps = [
            (0, true),
            (1, true),
            (2, true),
            (3, true),
            (1, false),
            (0, false),
            (4, true),
            (2, false),
            (2, true),
        ];
        let mut theirs: Vec<usize> = Vec::new();
        let mut counters = [0_i64; 5];
        for (proposal, support) in steps {
            let before = u32::try_from(theirs.len()).unwrap();
            let recount = if support {
                theirs.push(proposal);
                after_support(&settings, before)
            } else {
                theirs.retain(|p| *p != proposal);
                after_withdrawal(&settings, before)
            };
            let delta = if support { 1 } else { -1 };
            match recount {
                Recount::Nothing => {}
                Recount::ThisProposal => counters[proposal] += delta,
                Recount::AllOfTheirs => {
                    for p in &theirs {
                        counters[*p] += delta;
                    }
                    if !support {
                        counters[proposal] += delta;
                    }
                }
            }
            let counts = counted(&settings, u32::try_from(theirs.len()).unwrap());
            for (p, counter) in counters.iter().enumerate() {
                let expected = i64::from(counts && theirs.contains(&p));
                assert_eq!(
                    *counter, expected,
                    "proposal {p} after step {proposal}/{support}"
                );
            }
        }
    }
}
