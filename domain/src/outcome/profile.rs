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
use std::hash::{BuildHasherDefault, Hasher};

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

/// The largest number of decimal places of the points on any ballot.
fn points_scale(election: &Election) -> u32 {
    election
        .voters
        .iter()
        .filter_map(|v| match &v.ballot {
            Ballot::Points(list) => list.iter().map(|(_, d)| d.scale()).max(),
            _ => None,
        })
        .max()
        .unwrap_or(0)
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
        let points_scale = points_scale(election);
        let mut votes = vec![0u64; election.projects.len()];
        // Scores in units of 10^-points_scale.
        let mut score_units = vec![0i128; election.projects.len()];
        for voter in &election.voters {
            let length = voter.ballot.len();
            for (position, project) in voter.ballot.projects().enumerate() {
                votes[project] += 1;
                let score = match &voter.ballot {
                    Ballot::Approval(_) => 1,
                    Ballot::Ranking(_) => (length - position) as i128,
                    Ballot::Points(list) => list[position]
                        .1
                        .units_at_scale(points_scale)
                        .ok_or(TooLarge)?,
                };
                score_units[project] = score_units[project].checked_add(score).ok_or(TooLarge)?;
            }
        }
        let scores = score_units
            .into_iter()
            .map(|units| Decimal::from_units(units, points_scale).ok_or(TooLarge))
            .collect::<Result<Vec<_>, _>>()?;
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

/// One supporter (a group of identical ballots) of a project in a [`Profile`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Supporter {
    pub group: u32,
    pub weight: i64,
}

/// How a satisfaction measure weighs the projects listed on ballots.
#[derive(Debug, Clone, Copy)]
struct Weighing {
    by_score: bool,
    /// Decimal places of points (weights are points × 10^points_scale).
    points_scale: u32,
}

impl Weighing {
    fn new(election: &Election, satisfaction: Satisfaction) -> Weighing {
        let points_scale = points_scale(election);
        Weighing {
            by_score: matches!(
                satisfaction,
                Satisfaction::Score | Satisfaction::ScoreTimesCost
            ),
            points_scale,
        }
    }

    /// Calls `each(project, weight)` for every project on `ballot`, zero and negative weights
    /// included.
    fn weigh(&self, ballot: &Ballot, mut each: impl FnMut(usize, i64)) -> Result<(), TooLarge> {
        let length = ballot.len();
        for (position, project) in ballot.projects().enumerate() {
            let weight: i64 = match ballot {
                _ if !self.by_score => 1,
                Ballot::Points(list) => {
                    let units = list[position]
                        .1
                        .units_at_scale(self.points_scale)
                        .ok_or(TooLarge)?;
                    i64::try_from(units).map_err(|_| TooLarge)?
                }
                Ballot::Ranking(_) => (length - position) as i64,
                // Refused earlier by `OutcomeRule::resolve`; count a plain approval.
                Ballot::Approval(_) => 1,
            };
            each(project, weight);
        }
        Ok(())
    }
}

fn lambda_is_cost(satisfaction: Satisfaction) -> bool {
    matches!(
        satisfaction,
        Satisfaction::Cost | Satisfaction::ScoreTimesCost
    )
}

/// The total satisfaction of each project: all greedy needs.
#[derive(Debug, Clone)]
pub(crate) struct Totals {
    /// `λ(p)` is the project's cost (true) or 1 (false).
    pub lambda_is_cost: bool,
    /// Σ weight over every voter listing the project, negative weights included.
    pub signed_support: Vec<i128>,
}

impl Totals {
    pub(crate) fn new(election: &Election, satisfaction: Satisfaction) -> Result<Totals, TooLarge> {
        let weighing = Weighing::new(election, satisfaction);
        let mut signed_support = vec![0i128; election.projects.len()];
        for voter in &election.voters {
            weighing.weigh(&voter.ballot, |p, w| signed_support[p] += i128::from(w))?;
        }
        Ok(Totals {
            lambda_is_cost: lambda_is_cost(satisfaction),
            signed_support,
        })
    }
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
}

impl Profile {
    /// Groups the ballots under `satisfaction` (already resolved, never `ByVoteType`).
    ///
    /// Groups are numbered so that the supporters of popular projects sit next to each other in
    /// memory: a ballot's key lists its projects by popularity rank, and groups are sorted by
    /// key. MES reads the budgets of a project's supporters many times per run; nearby reads
    /// are cheap reads.
    pub(crate) fn new(
        election: &Election,
        satisfaction: Satisfaction,
    ) -> Result<Profile, TooLarge> {
        let weighing = Weighing::new(election, satisfaction);
        let n_projects = election.projects.len();
        let mut popularity = vec![0u64; n_projects];
        for voter in &election.voters {
            for project in voter.ballot.projects() {
                popularity[project] += 1;
            }
        }
        let mut project_of_rank: Vec<usize> = (0..n_projects).collect();
        project_of_rank.sort_by_key(|&p| (std::cmp::Reverse(popularity[p]), p));
        let mut rank = vec![0u32; n_projects];
        for (position, &p) in project_of_rank.iter().enumerate() {
            rank[p] = u32::try_from(position).map_err(|_| TooLarge)?;
        }

        let mut group_of: FastMap<Vec<(u32, i64)>, u64> = FastMap::default();
        let mut key: Vec<(u32, i64)> = Vec::new();
        for voter in &election.voters {
            key.clear();
            weighing.weigh(&voter.ballot, |p, w| {
                if w > 0 {
                    key.push((rank[p], w));
                }
            })?;
            key.sort_unstable();
            match group_of.get_mut(&key) {
                Some(count) => *count += 1,
                None => {
                    group_of.insert(key.clone(), 1);
                }
            }
        }
        let mut groups: Vec<(Vec<(u32, i64)>, u64)> = group_of.into_iter().collect();
        groups.sort_unstable();

        let mut multiplicity = Vec::with_capacity(groups.len());
        let mut entry_start = Vec::with_capacity(groups.len() + 1);
        let mut entries = Vec::new();
        let mut supporters_per_project = vec![0usize; n_projects];
        for (key, count) in &groups {
            multiplicity.push(*count);
            entry_start.push(entries.len());
            for &(r, w) in key {
                let p = project_of_rank[r as usize];
                supporters_per_project[p] += 1;
                entries.push((p as u32, w));
            }
        }
        entry_start.push(entries.len());

        let mut supporter_start = Vec::with_capacity(n_projects + 1);
        let mut total = 0;
        for count in &supporters_per_project {
            supporter_start.push(total);
            total += count;
        }
        supporter_start.push(total);
        let mut fill = supporter_start.clone();
        let mut supporter_groups = vec![0u32; total];
        let mut supporter_weights = vec![0i64; total];
        let mut support = vec![0i128; n_projects];
        for group in 0..multiplicity.len() {
            for &(p, w) in &entries[entry_start[group]..entry_start[group + 1]] {
                let p = p as usize;
                supporter_groups[fill[p]] = group as u32;
                supporter_weights[fill[p]] = w;
                fill[p] += 1;
                support[p] += i128::from(multiplicity[group]) * i128::from(w);
            }
        }
        Ok(Profile {
            lambda_is_cost: lambda_is_cost(satisfaction),
            multiplicity,
            entry_start,
            entries,
            supporter_start,
            unit_weights: supporter_weights.iter().all(|&w| w == 1),
            supporter_groups,
            supporter_weights,
            support,
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

/// A hash map with a fast, non-cryptographic hasher (multiply-rotate, as in rustc's FxHash) for
/// grouping ballots: SipHash made grouping 60,000 ballots the slowest part of a greedy tally.
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[derive(Debug, Default, Clone, Copy)]
struct FastHasher {
    hash: u64,
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_i64(&mut self, value: i64) {
        self.add(value as u64);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}
