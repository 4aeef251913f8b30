//! The numbers the rules compute with, derived once from an [`Election`].
//!
//! Money (budget and costs) is brought to one decimal scale and kept as `i128` counts of its
//! smallest unit, so sums and comparisons of money are exact; the greedy rules need nothing more,
//! while MES also needs every amount below 2^52 units ([`Instance::money_fits_floats`]). Points
//! are brought to one decimal scale too; a scoring ballot gives META `default_score` to every
//! project it does not list. A satisfaction measure becomes a
//! [`Profile`]: identical ballots are grouped with a multiplicity (Warszawa 2026 has 61,668 voters
//! but about 51,000 distinct ballots), and each listed project gets an integer weight `w` so that
//! the voter's utility is `λ(p) · w`, with `λ(p)` the project's cost for cost-based measures and 1
//! otherwise. Splitting the utility this way keeps every weight a small integer while still
//! comparing projects by the true utility.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::rule::Satisfaction;
use crate::pabulib::{Ballot, Decimal, DecimalError, Election};

/// Money and support of an election, exact.
#[derive(Debug, Clone)]
pub(crate) struct Instance {
    /// Decimal places of every money amount below.
    pub money_scale: u32,
    /// One currency unit (`10^money_scale`).
    pub unit: i128,
    pub budget: i128,
    /// The cost of each project; the sum of all of them (and the budget) fits an `i128`, so any
    /// subset sums without overflow.
    pub costs: Vec<i128>,
    /// Voters listing each project.
    pub votes: Vec<u64>,
    /// Pabulib score of each project: votes (approval), total points (cumulative, scoring, with
    /// META `default_score` for the projects a scoring ballot does not list), or total
    /// `L − position` (ordinal).
    pub scores: Vec<Decimal>,
    pub voters: u64,
    /// How ballots' points are read.
    points: Points,
}

/// How the points of cumulative and scoring ballots become integers.
#[derive(Debug, Clone, Copy)]
struct Points {
    /// Decimal places: points are counted in units of `10^-scale`.
    scale: u32,
    /// For scoring ballots, META `default_score` in those units: what a ballot gives to each
    /// project it does not list (`None` when it is 0 or absent).
    default: Option<i128>,
}

impl Points {
    fn new(election: &Election) -> Result<Points, InstanceError> {
        let default = election
            .default_score()
            .map_err(InstanceError::BadDefaultScore)?;
        let scale = election
            .voters
            .iter()
            .filter_map(|v| match &v.ballot {
                Ballot::Points(list) => list.iter().map(|(_, d)| d.scale()).max(),
                _ => None,
            })
            .chain(default.map(|d| d.scale()))
            .max()
            .unwrap_or(0);
        let default = match default {
            Some(d) if !d.is_zero() => Some(d.units_at_scale(scale).ok_or(TooLarge)?),
            _ => None,
        };
        Ok(Points { scale, default })
    }

    /// `points` in units of `10^-scale`.
    fn units(&self, points: &Decimal) -> Result<i128, TooLarge> {
        points.units_at_scale(self.scale).ok_or(TooLarge)
    }

    /// Calls `each(project, points)` for every project `ballot` gives points to (in units): the
    /// listed ones in ballot order, then, with a default score, every unlisted one of the
    /// `projects`.
    fn each(
        &self,
        ballot: &[(usize, Decimal)],
        projects: usize,
        mut each: impl FnMut(usize, i128) -> Result<(), TooLarge>,
    ) -> Result<(), TooLarge> {
        for (project, points) in ballot {
            each(*project, self.units(points)?)?;
        }
        if let Some(default) = self.default {
            let mut listed = vec![false; projects];
            for &(project, _) in ballot {
                if let Some(seen) = listed.get_mut(project) {
                    *seen = true;
                }
            }
            for project in (0..projects).filter(|&p| !listed[p]) {
                each(project, default)?;
            }
        }
        Ok(())
    }
}

/// The numbers of the file are beyond what the exact arithmetic here is sized for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge;

/// Why an [`Instance`] cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InstanceError {
    TooLarge,
    /// META `default_score` of a scoring election is not a number (an election built in code:
    /// the parser refuses such a file).
    BadDefaultScore(DecimalError),
}

impl From<TooLarge> for InstanceError {
    fn from(_: TooLarge) -> InstanceError {
        InstanceError::TooLarge
    }
}

/// Money below this many units is exact in an `f64`, as the float-certified MES engine needs.
const FLOAT_MONEY_LIMIT: i128 = 1 << 52;

impl Instance {
    pub(crate) fn new(election: &Election) -> Result<Instance, InstanceError> {
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
        let budget = to_money(&election.budget)?;
        // Every sum of costs (and the budget plus any of them) then fits.
        costs
            .iter()
            .try_fold(budget, |sum, &c| sum.checked_add(c))
            .ok_or(TooLarge)?;
        let points = Points::new(election)?;
        let projects = election.projects.len();
        let mut votes = vec![0u64; projects];
        // Scores from rankings and points, in units of 10^-points.scale, and the votes they
        // account for; every other vote is an approval, worth one point.
        let mut score_units = vec![0i128; projects];
        let mut scored_votes = vec![0u64; projects];
        for voter in &election.voters {
            match &voter.ballot {
                Ballot::Approval(list) => {
                    for &p in list {
                        votes[p] += 1;
                    }
                }
                Ballot::Ranking(list) => {
                    for (position, &p) in list.iter().enumerate() {
                        votes[p] += 1;
                        scored_votes[p] += 1;
                        // At most the ballot's length per voter: no overflow.
                        score_units[p] += (list.len() - position) as i128;
                    }
                }
                Ballot::Points(list) => {
                    for &(p, _) in list {
                        votes[p] += 1;
                        scored_votes[p] += 1;
                    }
                    points.each(list, projects, |p, units| {
                        let total = &mut score_units[p];
                        *total = total.checked_add(units).ok_or(TooLarge)?;
                        Ok(())
                    })?;
                }
            }
        }
        let one_point = 10i128.pow(points.scale);
        let scores = (0..projects)
            .map(|p| {
                let approvals = i128::from(votes[p] - scored_votes[p]);
                let units = approvals
                    .checked_mul(one_point)
                    .and_then(|a| a.checked_add(score_units[p]))
                    .ok_or(TooLarge)?;
                Decimal::from_units(units, points.scale).ok_or(TooLarge)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Instance {
            money_scale,
            unit: 10i128.pow(money_scale),
            budget,
            costs,
            votes,
            scores,
            voters: election.voters.len() as u64,
            points,
        })
    }

    /// The budget and every cost are below 2^52 units, exact in an `f64`: what MES needs (its
    /// fast engine computes in floats). The greedy rules add and compare integers only and have
    /// no such limit.
    pub(crate) fn money_fits_floats(&self) -> bool {
        self.budget < FLOAT_MONEY_LIMIT && self.costs.iter().all(|&c| c < FLOAT_MONEY_LIMIT)
    }

    pub(crate) fn total_cost(&self, projects: &[usize]) -> i128 {
        projects.iter().map(|&p| self.costs[p]).sum()
    }

    /// Money as a decimal with the election's scale (or fewer decimal places, when the trailing
    /// ones are zeros and the amount has too many digits otherwise); an error if no [`Decimal`]
    /// can hold it.
    pub(crate) fn money(&self, amount: i128) -> Result<Decimal, TooLarge> {
        let (mut units, mut scale) = (amount, self.money_scale);
        loop {
            if let Some(decimal) = Decimal::from_units(units, scale) {
                return Ok(decimal);
            }
            if scale == 0 || units % 10 != 0 {
                return Err(TooLarge);
            }
            units /= 10;
            scale -= 1;
        }
    }
}

/// One supporter (a group of identical ballots) of a project in a [`Profile`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Supporter {
    pub group: u32,
    pub weight: i64,
}

/// How a satisfaction measure weighs the projects on ballots.
#[derive(Debug, Clone, Copy)]
struct Weighing {
    by_score: bool,
    points: Points,
    projects: usize,
}

impl Weighing {
    fn new(instance: &Instance, satisfaction: Satisfaction) -> Weighing {
        Weighing {
            by_score: matches!(
                satisfaction,
                Satisfaction::Score | Satisfaction::ScoreTimesCost
            ),
            points: instance.points,
            projects: instance.costs.len(),
        }
    }

    /// How many units of weight make one point (or one `L − position`, or one approval).
    fn weight_unit(&self) -> i128 {
        if self.by_score {
            10i128.pow(self.points.scale)
        } else {
            1
        }
    }

    /// Calls `each(project, weight)` for every project on `ballot`, zero and negative weights
    /// included: weight 1 for a listed project under cost and cardinality measures; under score
    /// measures the points (in units of the election's points scale; with a META
    /// `default_score`, unlisted projects of a scoring ballot get it) or `L − position`.
    fn weigh(&self, ballot: &Ballot, mut each: impl FnMut(usize, i64)) -> Result<(), TooLarge> {
        match ballot {
            _ if !self.by_score => ballot.projects().for_each(|p| each(p, 1)),
            Ballot::Points(list) => self.points.each(list, self.projects, |p, units| {
                each(p, i64::try_from(units).map_err(|_| TooLarge)?);
                Ok(())
            })?,
            Ballot::Ranking(list) => {
                let length = list.len();
                for (position, &project) in list.iter().enumerate() {
                    each(project, (length - position) as i64);
                }
            }
            // Refused earlier by `OutcomeRule::resolve`; count a plain approval.
            Ballot::Approval(list) => list.iter().for_each(|&p| each(p, 1)),
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
    pub(crate) fn new(
        election: &Election,
        instance: &Instance,
        satisfaction: Satisfaction,
    ) -> Result<Totals, TooLarge> {
        let weighing = Weighing::new(instance, satisfaction);
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
    /// The weight all of a project's supporters give it, where they give one (always under
    /// cost and cardinality measures); `None` where weights differ or nobody supports it.
    pub same_weight: Vec<Option<i64>>,
    /// The weight of one point: `10^points_scale` under a points measure, 1 otherwise (a
    /// voter's utility is `λ(p) · w / weight_unit`, `λ(p)` in currency units).
    pub weight_unit: i128,
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
        instance: &Instance,
        satisfaction: Satisfaction,
    ) -> Result<Profile, TooLarge> {
        let weighing = Weighing::new(instance, satisfaction);
        let n_projects = election.projects.len();
        // Popularity: the number of voters listing the project.
        let mut project_of_rank: Vec<usize> = (0..n_projects).collect();
        project_of_rank.sort_by_key(|&p| (std::cmp::Reverse(instance.votes[p]), p));
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
        // Sized once (a doubling vector would hold two copies while it grows), and the keys
        // freed before the supporter lists are built: a 2,000 × 2,000 scoring file peaked 40 MB
        // higher otherwise.
        let mut entries = Vec::with_capacity(groups.iter().map(|(key, _)| key.len()).sum());
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
        drop(groups);

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
        let same_weight = (0..n_projects)
            .map(|p| {
                let weights = &supporter_weights[supporter_start[p]..supporter_start[p + 1]];
                let first = *weights.first()?;
                weights.iter().all(|&w| w == first).then_some(first)
            })
            .collect();
        Ok(Profile {
            lambda_is_cost: lambda_is_cost(satisfaction),
            same_weight,
            multiplicity,
            entry_start,
            entries,
            supporter_start,
            unit_weights: supporter_weights.iter().all(|&w| w == 1),
            weight_unit: weighing.weight_unit(),
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
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FastHasher {
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
