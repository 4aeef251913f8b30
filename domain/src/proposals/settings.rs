//! A process's proposal settings (DESIGN §2.2), typed, with their defaults and their checks.
//!
//! Limits are unsigned (a negative limit cannot be represented); an admin's change arrives as a
//! [`SettingsChange`] of raw numbers, and [`ProposalSettings::apply`] refuses nonsense field by
//! field (a negative threshold, a body limit below the minimum body, a minimum of supports per
//! participant that the vote limit makes unreachable) before anything is stored.

use crate::error::{DomainError, FieldCode, FieldError, FieldErrors};
use serde::{Deserialize, Serialize};

/// The fewest characters of a proposal body (DESIGN §2.2).
pub const MIN_BODY: u32 = 15;
/// The most characters an organization may allow in a proposal body.
pub const MAX_BODY_LIMIT: u32 = 10_000;
/// The longest edit window an organization may set after publication: one day.
pub const MAX_EDIT_WINDOW_SECONDS: u32 = 24 * 60 * 60;

/// How a process runs its proposals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
/// Stored as JSON; a setting missing from a stored object takes its default.
#[serde(default)]
pub struct ProposalSettings {
    /// Proposals (not withdrawn) one author may have in the process; 0: no limit.
    pub proposal_limit: u32,
    /// The most characters of a proposal body.
    pub proposal_length: u32,
    /// Supports one participant may give in the process; 0: no limit.
    pub vote_limit: u32,
    /// Supports a participant must give before any of theirs counts; 0: each counts at once.
    pub minimum_votes_per_user: u32,
    /// Supports after which a proposal takes no more; 0: no threshold.
    pub threshold_per_proposal: u32,
    /// Whether a proposal past its threshold still takes supports.
    pub can_accumulate_supports_beyond_threshold: bool,
    /// Whether only residents (verified against the census) may support.
    pub supports_require_residency: bool,
    /// Whether an acceptance must state a cost.
    pub answers_with_costs: bool,
    /// Whether an evaluator's answer is public at once (otherwise on its own publication).
    pub publish_answers_immediately: bool,
    /// Seconds after publication during which the author may still edit (while unsupported).
    pub edit_window_seconds: u32,
}

impl Default for ProposalSettings {
    /// DESIGN §2.2's defaults.
    fn default() -> ProposalSettings {
        ProposalSettings {
            proposal_limit: 0,
            proposal_length: 500,
            vote_limit: 0,
            minimum_votes_per_user: 0,
            threshold_per_proposal: 0,
            can_accumulate_supports_beyond_threshold: false,
            supports_require_residency: true,
            answers_with_costs: false,
            publish_answers_immediately: true,
            edit_window_seconds: 5 * 60,
        }
    }
}

/// An admin's change of some settings, as sent (numbers not yet checked).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SettingsChange {
    pub proposal_limit: Option<i64>,
    pub proposal_length: Option<i64>,
    pub vote_limit: Option<i64>,
    pub minimum_votes_per_user: Option<i64>,
    pub threshold_per_proposal: Option<i64>,
    pub can_accumulate_supports_beyond_threshold: Option<bool>,
    pub supports_require_residency: Option<bool>,
    pub answers_with_costs: Option<bool>,
    pub publish_answers_immediately: Option<bool>,
    pub edit_window_seconds: Option<i64>,
}

/// Reads a count of `field` between `min` and `max`.
fn count(
    field: &'static str,
    raw: Option<i64>,
    current: u32,
    (min, max): (u32, u32),
    errors: &mut FieldErrors,
) -> u32 {
    let Some(raw) = raw else {
        return current;
    };
    match u32::try_from(raw) {
        Ok(value) if (min..=max).contains(&value) => value,
        _ => {
            errors.push(FieldError::new(
                field,
                FieldCode::OutOfRange,
                format!("Give a whole number from {min} to {max}."),
            ));
            current
        }
    }
}

impl ProposalSettings {
    /// The settings after `change`, or every field the change gets wrong.
    pub fn apply(self, change: SettingsChange) -> Result<ProposalSettings, DomainError> {
        let mut errors = FieldErrors::new();
        let any = (0, u32::MAX);
        let next = ProposalSettings {
            proposal_limit: count(
                "proposal_limit",
                change.proposal_limit,
                self.proposal_limit,
                any,
                &mut errors,
            ),
            proposal_length: count(
                "proposal_length",
                change.proposal_length,
                self.proposal_length,
                (MIN_BODY, MAX_BODY_LIMIT),
                &mut errors,
            ),
            vote_limit: count(
                "vote_limit",
                change.vote_limit,
                self.vote_limit,
                any,
                &mut errors,
            ),
            minimum_votes_per_user: count(
                "minimum_votes_per_user",
                change.minimum_votes_per_user,
                self.minimum_votes_per_user,
                any,
                &mut errors,
            ),
            threshold_per_proposal: count(
                "threshold_per_proposal",
                change.threshold_per_proposal,
                self.threshold_per_proposal,
                any,
                &mut errors,
            ),
            can_accumulate_supports_beyond_threshold: change
                .can_accumulate_supports_beyond_threshold
                .unwrap_or(self.can_accumulate_supports_beyond_threshold),
            supports_require_residency: change
                .supports_require_residency
                .unwrap_or(self.supports_require_residency),
            answers_with_costs: change.answers_with_costs.unwrap_or(self.answers_with_costs),
            publish_answers_immediately: change
                .publish_answers_immediately
                .unwrap_or(self.publish_answers_immediately),
            edit_window_seconds: count(
                "edit_window_seconds",
                change.edit_window_seconds,
                self.edit_window_seconds,
                (0, MAX_EDIT_WINDOW_SECONDS),
                &mut errors,
            ),
        };
        if next.vote_limit > 0 && next.minimum_votes_per_user > next.vote_limit {
            errors.push(FieldError::new(
                "minimum_votes_per_user",
                FieldCode::UnreachableMinimum,
                "The minimum of supports per participant cannot exceed the vote limit.",
            ));
        }
        errors.finish()?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(change: SettingsChange) -> Vec<FieldError> {
        match ProposalSettings::default().apply(change) {
            Err(DomainError::Invalid(errors)) => errors,
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn defaults_are_the_designs() {
        let settings = ProposalSettings::default();
        assert_eq!(settings.proposal_length, 500);
        assert_eq!(settings.edit_window_seconds, 300);
        assert!(settings.supports_require_residency && settings.publish_answers_immediately);
        assert_eq!(
            (
                settings.proposal_limit,
                settings.vote_limit,
                settings.threshold_per_proposal
            ),
            (0, 0, 0)
        );
    }

    #[test]
    fn a_change_sets_only_what_it_names() {
        let change = SettingsChange {
            vote_limit: Some(5),
            answers_with_costs: Some(true),
            ..SettingsChange::default()
        };
        let next = ProposalSettings::default().apply(change).unwrap();
        assert_eq!(next.vote_limit, 5);
        assert!(next.answers_with_costs);
        assert_eq!(next.proposal_length, 500);
    }

    #[test]
    fn nonsense_is_refused_field_by_field() {
        let change = SettingsChange {
            threshold_per_proposal: Some(-1),
            proposal_length: Some(10),
            edit_window_seconds: Some(i64::from(MAX_EDIT_WINDOW_SECONDS) + 1),
            ..SettingsChange::default()
        };
        let errors = refused(change);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "proposal_length",
                "threshold_per_proposal",
                "edit_window_seconds"
            ]
        );
        assert!(errors.iter().all(|e| e.code == "out_of_range"));
    }

    #[test]
    fn a_minimum_the_vote_limit_makes_unreachable_is_refused() {
        let change = SettingsChange {
            vote_limit: Some(3),
            minimum_votes_per_user: Some(4),
            ..SettingsChange::default()
        };
        let errors = refused(change);
        assert_eq!(errors[0].code, "unreachable_minimum");
        let without_limit = SettingsChange {
            minimum_votes_per_user: Some(4),
            ..SettingsChange::default()
        };
        assert!(ProposalSettings::default().apply(without_limit).is_ok());
    }
}
