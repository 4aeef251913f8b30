//! Participatory processes and their phases (DESIGN §1).
//!
//! A process has ordered phases, each with a date window and the features it opens
//! (`proposals_creation`, `supports`, `debates`, `comments`, `budget_voting`,
//! `results_published`). The active phase is the one whose window contains `now`, unless an admin
//! pinned one. Later rules ask the active phase whether a feature is open at `now`.

use crate::calendar::Timestamp;
use crate::error::{DomainError, FieldCode, FieldError};

/// The shortest slug, in characters after trimming.
pub const MIN_SLUG_LENGTH: usize = 3;
/// The longest slug, in characters as sent (spaces at either end count).
pub const MAX_SLUG_LENGTH: usize = 64;
/// The longest title of a process or a phase, in each locale, in characters as sent.
pub const MAX_TITLE_LENGTH: usize = 150;
/// The longest description of a process, in each locale, in characters as sent.
pub const MAX_DESCRIPTION_LENGTH: usize = 5_000;

/// A URL-safe identifier: [`MIN_SLUG_LENGTH`] to [`MAX_SLUG_LENGTH`] characters of `a-z`, `0-9`
/// and single inner hyphens, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Slug(String);

impl Slug {
    pub fn parse(field: &str, raw: &str) -> Result<Slug, FieldError> {
        let slug = raw.trim();
        let valid = raw.chars().count() <= MAX_SLUG_LENGTH
            && slug.len() >= MIN_SLUG_LENGTH
            && slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-')
            && !slug.ends_with('-')
            && !slug.contains("--");
        if valid {
            Ok(Slug(slug.to_string()))
        } else {
            Err(FieldError::new(
                field,
                FieldCode::InvalidSlug,
                format!(
                    "Use {MIN_SLUG_LENGTH} to {MAX_SLUG_LENGTH} lowercase letters, digits and \
                     single hyphens (not at the ends)."
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A feature a phase can open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Feature {
    ProposalsCreation,
    Supports,
    Debates,
    Comments,
    BudgetVoting,
    ResultsPublished,
}

impl Feature {
    pub const ALL: [Feature; 6] = [
        Feature::ProposalsCreation,
        Feature::Supports,
        Feature::Debates,
        Feature::Comments,
        Feature::BudgetVoting,
        Feature::ResultsPublished,
    ];

    /// The name used in the API and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Feature::ProposalsCreation => "proposals_creation",
            Feature::Supports => "supports",
            Feature::Debates => "debates",
            Feature::Comments => "comments",
            Feature::BudgetVoting => "budget_voting",
            Feature::ResultsPublished => "results_published",
        }
    }
}

/// One phase's window (start inclusive, end exclusive) and the features it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseWindow {
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub features: Vec<Feature>,
}

impl PhaseWindow {
    pub fn contains(&self, now: Timestamp) -> bool {
        self.starts_at <= now && now < self.ends_at
    }

    pub fn opens(&self, feature: Feature) -> bool {
        self.features.contains(&feature)
    }
}

/// Validates the phases of a process, in order: each must end after it starts, and each must
/// start no earlier than the previous one ends (phases follow each other, never overlap), so that
/// at most one phase is active at any instant. Field paths are `phases.N.starts_at` etc.
pub fn validate_phases(phases: &[PhaseWindow]) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    for (index, phase) in phases.iter().enumerate() {
        if phase.ends_at <= phase.starts_at {
            errors.push(FieldError::new(
                format!("phases.{index}.ends_at"),
                FieldCode::EndsBeforeStart,
                "A phase must end after it starts.",
            ));
        }
        let previous = index.checked_sub(1).and_then(|i| phases.get(i));
        if previous.is_some_and(|previous| phase.starts_at < previous.ends_at) {
            errors.push(FieldError::new(
                format!("phases.{index}.starts_at"),
                FieldCode::OverlapsPreviousPhase,
                "A phase must start when or after the previous phase ends.",
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// A pinned phase must be one of the process's phases (`pinned` is a position, from 0).
pub fn check_pinned_phase(
    field: &str,
    pinned: Option<u32>,
    phase_count: usize,
) -> Result<(), FieldError> {
    match pinned {
        Some(position) if position as usize >= phase_count => Err(FieldError::new(
            field,
            FieldCode::OutOfRange,
            "Pin one of the process's phases by its position (from 0).",
        )),
        _ => Ok(()),
    }
}

/// The index of the active phase: the pinned one if an admin pinned one, otherwise the one whose
/// window contains `now` (none between or outside phases).
pub fn active_phase(
    phases: &[PhaseWindow],
    pinned: Option<usize>,
    now: Timestamp,
) -> Option<usize> {
    match pinned {
        Some(index) if index < phases.len() => Some(index),
        _ => phases.iter().position(|phase| phase.contains(now)),
    }
}

/// Refuses with [`DomainError::Closed`] (403, one code per feature) unless the phase active at
/// `now` opens `feature`.
pub fn require_open(
    phases: &[PhaseWindow],
    pinned: Option<usize>,
    now: Timestamp,
    feature: Feature,
) -> Result<(), DomainError> {
    let active = active_phase(phases, pinned, now).and_then(|index| phases.get(index));
    require_open_in(active, feature)
}

/// Refuses with [`DomainError::Closed`] unless `active` (the active phase, `None` between or
/// outside phases) opens `feature`: the one check behind every "only in this phase" rule.
pub fn require_open_in(active: Option<&PhaseWindow>, feature: Feature) -> Result<(), DomainError> {
    match active {
        Some(phase) if phase.opens(feature) => Ok(()),
        _ => Err(DomainError::Closed(feature)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(starts: i64, ends: i64, features: &[Feature]) -> PhaseWindow {
        PhaseWindow {
            starts_at: Timestamp(starts),
            ends_at: Timestamp(ends),
            features: features.to_vec(),
        }
    }

    #[test]
    fn a_feature_is_open_only_in_an_active_phase_that_has_it() {
        let phases = [
            phase(0, 100, &[Feature::ProposalsCreation]),
            phase(100, 200, &[Feature::Supports]),
        ];
        let open = |now, feature| require_open(&phases, None, Timestamp(now), feature);
        assert_eq!(open(50, Feature::ProposalsCreation), Ok(()));
        assert_eq!(
            open(150, Feature::ProposalsCreation),
            Err(DomainError::Closed(Feature::ProposalsCreation))
        );
        assert_eq!(
            open(250, Feature::Supports),
            Err(DomainError::Closed(Feature::Supports))
        );
        // A pinned phase is the active one, whatever the date.
        assert_eq!(
            require_open(&phases, Some(1), Timestamp(50), Feature::Supports),
            Ok(())
        );
    }

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(
            Slug::parse("slug", "pressupostos-2026").unwrap().as_str(),
            "pressupostos-2026"
        );
        for bad in [
            "PP",
            "pp 2026",
            "-pp",
            "pp-",
            "pp--2026",
            "pressupostos_2026",
        ] {
            assert_eq!(
                Slug::parse("slug", bad).unwrap_err().code,
                "invalid_slug",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_slug_is_trimmed_but_its_maximum_counts_the_text_as_sent() {
        let longest = "a".repeat(MAX_SLUG_LENGTH);
        assert!(Slug::parse("slug", &longest).is_ok());
        assert!(Slug::parse("slug", &format!(" {longest}")).is_err());
        assert_eq!(Slug::parse("slug", " pp-26 ").unwrap().as_str(), "pp-26");
        assert!(Slug::parse("slug", &format!(" {} ", "a".repeat(MIN_SLUG_LENGTH - 1))).is_err());
    }

    #[test]
    fn the_active_phase_is_the_one_containing_now() {
        let phases = [
            phase(0, 10, &[Feature::ProposalsCreation]),
            phase(10, 20, &[Feature::BudgetVoting]),
        ];
        assert_eq!(active_phase(&phases, None, Timestamp(9)), Some(0));
        assert_eq!(active_phase(&phases, None, Timestamp(10)), Some(1));
        assert_eq!(active_phase(&phases, None, Timestamp(20)), None);
        assert!(phases[1].opens(Feature::BudgetVoting));
        assert!(!phases[1].opens(Feature::Supports));
    }

    #[test]
    fn only_an_existing_phase_can_be_pinned() {
        assert_eq!(check_pinned_phase("pinned_phase", Some(1), 2), Ok(()));
        assert_eq!(check_pinned_phase("pinned_phase", None, 0), Ok(()));
        assert_eq!(
            check_pinned_phase("pinned_phase", Some(2), 2)
                .unwrap_err()
                .code,
            "out_of_range"
        );
    }

    #[test]
    fn a_pinned_phase_wins_over_the_calendar() {
        let phases = [phase(0, 10, &[]), phase(10, 20, &[])];
        assert_eq!(active_phase(&phases, Some(0), Timestamp(15)), Some(0));
        assert_eq!(
            active_phase(&phases, Some(5), Timestamp(15)),
            Some(1),
            "a stale pin is ignored"
        );
    }

    #[test]
    fn phases_must_not_overlap_or_end_before_they_start() {
        let errors = validate_phases(&[phase(0, 10, &[]), phase(5, 4, &[])]).unwrap_err();
        let found: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("phases.1.ends_at", "ends_before_start"),
                ("phases.1.starts_at", "overlaps_previous_phase")
            ]
        );
        assert!(validate_phases(&[phase(0, 10, &[]), phase(10, 20, &[])]).is_ok());
    }
}
