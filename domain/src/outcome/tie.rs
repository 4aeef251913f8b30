//! Tie-breaking: which of two equally good projects a rule takes first.
//!
//! Ties are real: in Warszawa 2023 Ursus projects `311` and `387` both have 903 votes at the
//! budget boundary, and in Assen 2024 MES finds an exact tie between `11` and `2` in every add1
//! run. Each rule has a default order (the one its reference implementation uses, see
//! [`super::OutcomeRule::default_tie_breaking`]) and any of the three can be chosen instead.

use serde::Serialize;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::pabulib::Election;

/// The order in which tied projects are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TieBreaking {
    /// pabutools' default `lexico_tie_breaking`: the smaller `project_id`, compared as strings
    /// code point by code point (Python `str` order: `"10" < "9"`, `"B" < "a"`).
    ProjectId,
    /// The project listed earlier in PROJECTS, as cities and the Pabulib checker do (a stable
    /// sort of the rows by score).
    FileOrder,
    /// equalshares.net's recommendation and the Pabulib checker's Equal Shares order: the lower
    /// cost, then the most votes (voters listing the project), then the smaller `project_id`.
    CostThenVotes,
}

impl TieBreaking {
    /// All modes, for help texts.
    pub const ALL: [TieBreaking; 3] = [
        TieBreaking::ProjectId,
        TieBreaking::FileOrder,
        TieBreaking::CostThenVotes,
    ];

    /// The name used on the command line and in JSON: `project-id`, `file-order`, `cost-then-votes`.
    pub fn as_str(self) -> &'static str {
        match self {
            TieBreaking::ProjectId => "project-id",
            TieBreaking::FileOrder => "file-order",
            TieBreaking::CostThenVotes => "cost-then-votes",
        }
    }
}

impl fmt::Display for TieBreaking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A tie-breaking name that is not one of the modes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tie-breaking `{0}`; expected project-id, file-order or cost-then-votes")]
pub struct UnknownTieBreaking(pub String);

impl FromStr for TieBreaking {
    type Err = UnknownTieBreaking;

    /// Accepts the names of [`TieBreaking::as_str`] (with `-` or `_`) and the aliases `id`,
    /// `pabutools`, `lexicographic`, `file`, `equalshares` and `checker`.
    fn from_str(text: &str) -> Result<TieBreaking, UnknownTieBreaking> {
        match text.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "project-id" | "id" | "pabutools" | "lexicographic" => Ok(TieBreaking::ProjectId),
            "file-order" | "file" => Ok(TieBreaking::FileOrder),
            "cost-then-votes" | "equalshares" | "checker" => Ok(TieBreaking::CostThenVotes),
            _ => Err(UnknownTieBreaking(text.to_string())),
        }
    }
}

/// A tie-breaking order made concrete for one election: `rank[p]` is smaller for the project
/// taken first. Ranks are distinct, so every tie is decided.
#[derive(Debug, Clone)]
pub(crate) struct TieOrder {
    rank: Vec<u32>,
}

impl TieOrder {
    /// `votes[p]` is the number of voters listing project `p`; costs compare by value.
    pub(crate) fn new(mode: TieBreaking, election: &Election, votes: &[u64]) -> TieOrder {
        let projects = &election.projects;
        let mut order: Vec<usize> = (0..projects.len()).collect();
        match mode {
            TieBreaking::FileOrder => {}
            TieBreaking::ProjectId => order.sort_by(|&a, &b| projects[a].id.cmp(&projects[b].id)),
            TieBreaking::CostThenVotes => order.sort_by(|&a, &b| {
                projects[a]
                    .cost
                    .cmp_value(&projects[b].cost)
                    .then(votes[b].cmp(&votes[a]))
                    .then(projects[a].id.cmp(&projects[b].id))
            }),
        }
        TieOrder::from_order(&order)
    }

    /// The order in which the equalshares.net compute tool lists projects: JavaScript's
    /// `Object.keys` order of its project table, i.e. ids that are canonical array indices
    /// (`0`, `17`, … below 2³²−1, no leading zero) in numeric order, then the other ids in file
    /// order. The tool's greedy steps keep this order among projects with equal vote counts.
    pub(crate) fn javascript_keys(election: &Election) -> TieOrder {
        let index_value = |id: &str| -> Option<u64> {
            let canonical = !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && (id == "0" || !id.starts_with('0'));
            let value: u64 = if canonical {
                id.parse().ok()?
            } else {
                return None;
            };
            (value < u64::from(u32::MAX)).then_some(value)
        };
        let mut order: Vec<usize> = (0..election.projects.len()).collect();
        order.sort_by_key(|&p| match index_value(&election.projects[p].id) {
            Some(value) => (0, value, p),
            None => (1, 0, p),
        });
        TieOrder::from_order(&order)
    }

    fn from_order(order: &[usize]) -> TieOrder {
        let mut rank = vec![0; order.len()];
        for (position, &project) in order.iter().enumerate() {
            rank[project] = u32::try_from(position).unwrap_or(u32::MAX);
        }
        TieOrder { rank }
    }

    pub(crate) fn rank(&self, project: usize) -> u32 {
        self.rank.get(project).copied().unwrap_or(u32::MAX)
    }

    /// Compares two projects: `Less` when `a` is taken first.
    pub(crate) fn cmp(&self, a: usize, b: usize) -> Ordering {
        self.rank(a).cmp(&self.rank(b))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pabulib::parse;

    fn election() -> Election {
        let text = "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\n\
                    9;5\n10;5\nB;3\na;5\n007;1\nVOTES\nvoter_id;vote\n1;9,10,a\n2;a\n";
        parse(text).unwrap().election
    }

    fn ranked(order: &TieOrder, e: &Election) -> Vec<String> {
        let mut ids: Vec<usize> = (0..e.projects.len()).collect();
        ids.sort_by(|&a, &b| order.cmp(a, b));
        ids.into_iter().map(|p| e.projects[p].id.clone()).collect()
    }

    #[test]
    fn each_mode_orders_as_documented() {
        let e = election();
        let votes = [1, 1, 0, 2, 0];
        assert_eq!(
            ranked(&TieOrder::new(TieBreaking::ProjectId, &e, &votes), &e),
            ["007", "10", "9", "B", "a"]
        );
        assert_eq!(
            ranked(&TieOrder::new(TieBreaking::FileOrder, &e, &votes), &e),
            ["9", "10", "B", "a", "007"]
        );
        assert_eq!(
            ranked(&TieOrder::new(TieBreaking::CostThenVotes, &e, &votes), &e),
            ["007", "B", "a", "10", "9"]
        );
        assert_eq!(
            ranked(&TieOrder::javascript_keys(&e), &e),
            ["9", "10", "B", "a", "007"]
        );
    }

    #[test]
    fn names_round_trip() {
        for mode in TieBreaking::ALL {
            assert_eq!(mode.as_str().parse::<TieBreaking>().unwrap(), mode);
        }
        assert_eq!(
            "pabutools".parse::<TieBreaking>().unwrap(),
            TieBreaking::ProjectId
        );
        assert!("random".parse::<TieBreaking>().is_err());
    }
}
