//! Elections built from plain numbers, for the unit tests of the outcome rules.

use crate::pabulib::{Ballot, Decimal, Election, Meta, Project, VoteType, Voter};

/// An election with projects `p0, p1, …` of the given costs and one voter per ballot. A ballot
/// lists `(project, points)`; approval ballots ignore the points; repeats keep the first entry.
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
        .map(|(v, ballot)| {
            let mut seen = Vec::new();
            let mut entries = Vec::new();
            for &(p, points) in ballot {
                if !seen.contains(&p) {
                    seen.push(p);
                    entries.push((p, Decimal::from_integer(points)));
                }
            }
            let ballot = match vote_type {
                VoteType::Cumulative | VoteType::Scoring => Ballot::Points(entries),
                VoteType::Ordinal => Ballot::Ranking(seen),
                VoteType::Approval | VoteType::Choose1 => Ballot::Approval(seen),
            };
            Voter {
                id: format!("v{v}"),
                ballot,
                cells: Vec::new(),
            }
        })
        .collect();
    let mut election = Election {
        meta: Meta::default(),
        vote_type,
        budget: Decimal::from_integer(budget),
        project_columns: Vec::new(),
        projects,
        voter_columns: Vec::new(),
        voters,
    };
    election.sync_meta();
    election
}
