//! Elections built from plain numbers, for the unit tests of the outcome rules.

use crate::pabulib::{Ballot, Decimal, Election, Project, VoteType, Voter};

/// An election with projects `p0, p1, …` of the given costs and one voter `v0, v1, …` per ballot.
/// A ballot lists `(project, points)`; approval and ordinal ballots ignore the points.
pub(crate) fn small_election(
    vote_type: VoteType,
    budget: i64,
    costs: &[i64],
    ballots: &[Vec<(usize, i64)>],
) -> Election {
    let projects = costs
        .iter()
        .enumerate()
        .map(|(p, &cost)| Project {
            id: format!("p{p}"),
            cost: Decimal::from_integer(cost),
            cells: Vec::new(),
        })
        .collect();
    let voters = ballots
        .iter()
        .enumerate()
        .map(|(v, ballot)| Voter {
            id: format!("v{v}"),
            ballot: Ballot::new(
                vote_type,
                ballot
                    .iter()
                    .map(|&(p, points)| (p, Decimal::from_integer(points))),
            ),
            cells: Vec::new(),
        })
        .collect();
    Election::new(vote_type, Decimal::from_integer(budget), projects, voters)
}
