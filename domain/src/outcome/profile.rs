//! The numbers the rules compute with, derived once from an [`Election`].
//!
//! Money (budget and costs) is brought to one decimal scale and kept as `i128` counts of its
//! smallest unit, so sums and comparisons of money are exact. A satisfaction measure becomes a
//! [`Profile`]: identical ballots are grouped with a multiplicity (Warszawa 2026 has 61,668 voters
//! but about 51,000 distinct ballots), and each listed project gets an integer weight `w` so that
//! the voter's utility is `λ(p) · w`, with `λ(p)` the project's cost for cost-based measures and 1
//! otherwise. Splitting the utility this way keeps every weight a small integer while still
//! comparing projects by the true utility.

use std::collections::HashMap;

use super::rule::Satisfaction;
use crate::pabulib::{Ballot, Decimal, Election};

/// Money and support of an election, exact.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    /// Decimal places of every money amount below.
    pub money_scale: u32,
    /// One currency unit (`10^money_scale`).
    pub unit: i128,
    pub budget: i128,
    pub costs: Vec<i128>,
    /// Voters listing each project.
    pub votes: Vec<u64>,
    /// Pabulib score of each project: votes (approval), total points (cumulative, scoring), or
    /// total `L − position` (ordinal).
    pub scores: Vec<Decimal>,
    pub voters: u64,
}

/// The numbers of the file are beyond what the exact arithmetic here is sized for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

impl Instance {
    pub(crate) fn new(election: &Election) -> Result<Instance, TooLarge> {
        let money_scale = election
            .projects
            .iter()
            .map(|p| p.cost.scale())
            .chain([election.budget.scale()])
            .max()
            .unwrap_or(0);
        let to_money = |d: &Decimal| d.units_at_scale(money_scale).ok_or(TooLarge);
        let costs = election
            .projects
            .iter()
            .map(|p| to_money(&p.cost))
            .collect::<Result<Vec<_>, _>>()?;
        // Money goes through f64 in the fast MES path; keep every amount exactly representable.
        let limit = 1i128 << 52;
        let budget = to_money(&election.budget)?;
        if budget >= limit || costs.iter().any(|&c| c >= limit) {
            return Err(TooLarge);
        }
        let mut votes = vec![0u64; election.projects.len()];
        let mut scores = vec![Decimal::ZERO; election.projects.len()];
        for voter in &election.voters {
            let length = voter.ballot.len();
            for (position, project) in voter.ballot.projects().enumerate() {
                votes[project] += 1;
                let score = match &voter.ballot {
                    Ballot::Approval(_) => Decimal::from_integer(1),
                    Ballot::Ranking(_) => Decimal::from_integer((length - position) as i64),
                    Ballot::Points(list) => list[position].1,
                };
                scores[project] = scores[project].checked_add(&score).ok_or(TooLarge)?;
            }
        }
        Ok(Instance {
            money_scale,
            unit: 10i128.pow(money_scale),
            budget,
            costs,
            votes,
            scores,
            voters: election.voters.len() as u64,
        })
    }

    pub(crate) fn total_cost(&self, projects: &[usize]) -> i128 {
        projects.iter().map(|&p| self.costs[p]).sum()
    }

    /// Money as a decimal with the election's scale.
    pub(crate) fn money(&self, amount: i128) -> Decimal {
        Decimal::from_units(amount, self.money_scale).unwrap_or(Decimal::ZERO)
    }
}

/// A distinct ballot while groups are numbered: the popularity ranks of its projects (the sort
/// key), its `(project, weight)` entries and its multiplicity.
type SortedGroup = (Vec<u32>, Vec<(u32, i64)>, u64);

/// One supporter (a group of identical ballots) of a project in a [`Profile`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Supporter {
    pub group: u32,
    pub weight: i64,
}

/// A satisfaction measure applied to grouped ballots.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    /// `λ(p)` is the project's cost (true) or 1 (false).
    pub lambda_is_cost: bool,
    /// Number of voters with each distinct ballot.
    pub multiplicity: Vec<u64>,
    /// `entries[entry_start[g]..entry_start[g + 1]]`: the projects group `g` supports (weight > 0).
    pub entry_start: Vec<usize>,
    pub entries: Vec<(u32, i64)>,
    /// `supporter_groups[supporter_start[p]..supporter_start[p + 1]]`: who supports project `p`,
    /// with the weights at the same positions of `supporter_weights` (kept apart so that the hot
    /// loop of MES reads only the groups when every weight is 1).
    pub supporter_start: Vec<usize>,
    pub supporter_groups: Vec<u32>,
    pub supporter_weights: Vec<i64>,
    /// Every weight is 1 (cost and cardinality measures).
    pub unit_weights: bool,
    /// Σ multiplicity × weight over the supporters of each project.
    pub support: Vec<i128>,
    /// Σ multiplicity × weight over every voter listing the project, negative weights included
    /// (what greedy's total satisfaction adds up).
    pub signed_support: Vec<i128>,
}

impl Profile {
    /// Builds the profile of `satisfaction` (already resolved, never `ByVoteType`).
    pub(crate) fn new(
        election: &Election,
        satisfaction: Satisfaction,
    ) -> Result<Profile, TooLarge> {
        let lambda_is_cost = matches!(
            satisfaction,
            Satisfaction::Cost | Satisfaction::ScoreTimesCost
        );
        let by_score = matches!(
            satisfaction,
            Satisfaction::Score | Satisfaction::ScoreTimesCost
        );
        let points_scale = election
            .voters
            .iter()
            .filter_map(|v| match &v.ballot {
                Ballot::Points(list) => list.iter().map(|(_, d)| d.scale()).max(),
                _ => None,
            })
            .max()
            .unwrap_or(0);
        let n_projects = election.projects.len();
        let mut group_of: HashMap<Vec<(u32, i64)>, u32> = HashMap::new();
        let mut multiplicity: Vec<u64> = Vec::new();
        let mut signed_support = vec![0i128; n_projects];
        let mut key: Vec<(u32, i64)> = Vec::new();
        for voter in &election.voters {
            key.clear();
            let length = voter.ballot.len();
            for (position, project) in voter.ballot.projects().enumerate() {
                let weight: i64 = if !by_score {
                    1
                } else {
                    match &voter.ballot {
                        Ballot::Points(list) => {
                            let units = list[position]
                                .1
                                .units_at_scale(points_scale)
                                .ok_or(TooLarge)?;
                            i64::try_from(units).map_err(|_| TooLarge)?
                        }
                        Ballot::Ranking(_) => (length - position) as i64,
                        // Refused earlier by `OutcomeRule::resolve`; count a plain approval.
                        Ballot::Approval(_) => 1,
                    }
                };
                signed_support[project] += i128::from(weight);
                let project = u32::try_from(project).map_err(|_| TooLarge)?;
                if weight > 0 {
                    key.push((project, weight));
                }
            }
            key.sort_unstable();
            let next = multiplicity.len() as u32;
            let group = *group_of.entry(key.clone()).or_insert(next);
            if group == next {
                multiplicity.push(0);
            }
            multiplicity[group as usize] += 1;
        }
        // Number groups so that the supporters of popular projects sit next to each other in
        // memory: groups ordered by their projects, most supported projects first. MES reads the
        // budgets of a project's supporters many times per run; nearby reads are cheap reads.
        let mut popularity = vec![0u64; n_projects];
        for (list, &g) in &group_of {
            for &(p, _) in list {
                popularity[p as usize] += multiplicity[g as usize];
            }
        }
        let mut by_popularity: Vec<usize> = (0..n_projects).collect();
        by_popularity.sort_by_key(|&p| (std::cmp::Reverse(popularity[p]), p));
        let mut rank = vec![0u32; n_projects];
        for (position, &p) in by_popularity.iter().enumerate() {
            rank[p] = position as u32;
        }
        let mut groups: Vec<SortedGroup> = group_of
            .into_iter()
            .map(|(list, g)| {
                let mut ranks: Vec<u32> = list.iter().map(|&(p, _)| rank[p as usize]).collect();
                ranks.sort_unstable();
                (ranks, list, multiplicity[g as usize])
            })
            .collect();
        groups.sort_unstable();
        let multiplicity: Vec<u64> = groups.iter().map(|(_, _, m)| *m).collect();

        let mut entry_start = Vec::with_capacity(groups.len() + 1);
        let mut entries = Vec::new();
        let mut counts = vec![0usize; n_projects];
        for (_, list, _) in &groups {
            entry_start.push(entries.len());
            for &(p, w) in list {
                counts[p as usize] += 1;
                entries.push((p, w));
            }
        }
        entry_start.push(entries.len());

        let mut supporter_start = Vec::with_capacity(n_projects + 1);
        let mut total = 0;
        for count in &counts {
            supporter_start.push(total);
            total += count;
        }
        supporter_start.push(total);
        let mut fill = supporter_start.clone();
        let mut supporter_groups = vec![0u32; total];
        let mut supporter_weights = vec![0i64; total];
        let mut support = vec![0i128; n_projects];
        for (group, (_, list, _)) in groups.iter().enumerate() {
            for &(p, w) in list {
                let p = p as usize;
                supporter_groups[fill[p]] = group as u32;
                supporter_weights[fill[p]] = w;
                fill[p] += 1;
                support[p] += i128::from(multiplicity[group]) * i128::from(w);
            }
        }
        Ok(Profile {
            lambda_is_cost,
            multiplicity,
            entry_start,
            entries,
            supporter_start,
            unit_weights: supporter_weights.iter().all(|&w| w == 1),
            supporter_groups,
            supporter_weights,
            support,
            signed_support,
        })
    }

    pub(crate) fn groups(&self) -> usize {
        self.multiplicity.len()
    }

    pub(crate) fn groups_of(&self, project: usize) -> &[u32] {
        &self.supporter_groups[self.supporter_start[project]..self.supporter_start[project + 1]]
    }

    pub(crate) fn weights_of(&self, project: usize) -> &[i64] {
        &self.supporter_weights[self.supporter_start[project]..self.supporter_start[project + 1]]
    }

    pub(crate) fn supporters_of(&self, project: usize) -> impl Iterator<Item = Supporter> + '_ {
        self.groups_of(project)
            .iter()
            .zip(self.weights_of(project))
            .map(|(&group, &weight)| Supporter { group, weight })
    }

    pub(crate) fn entries_of(&self, group: usize) -> &[(u32, i64)] {
        &self.entries[self.entry_start[group]..self.entry_start[group + 1]]
    }
}
