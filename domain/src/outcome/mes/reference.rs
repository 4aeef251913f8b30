//! Exact MES runs, kept to check the fast engine (and used by it where floats certify nothing).
//!
//! `literal` is a literal transcription of pabutools' `mes_inner_algo`, with nothing certified
//! or lazy: every round, drop the projects whose supporters' money no longer covers their cost,
//! then for every remaining project sort all its supporters by `budget / weight`, walk them to
//! find the price, and fund the project with the smallest `ρ` (ties: the tie order). Money is
//! exact: every budget is an integer numerator over one common denominator `D`, so sums and
//! comparisons of money are integer operations (no gcd per addition, as big rationals would
//! need); after a round with price `t = a / (W·D)` in lowest terms, `D` becomes `W·D` and every
//! budget is rescaled. Only the `ρ` of each project, compared across projects, is a big rational.
//!
//! [`run`] does the same rounds with the same exact numbers, but keeps each distinct budget once.
//! Voters who supported the same funded projects hold the same money, so a few hundred budgets
//! stand for tens of thousands of voter groups (Budapest 2024: 28,943 voters): a group holds the
//! index of its budget's *class*, a payment maps each (class, weight) of the payers to one new
//! class, and a rescaling multiplies the classes, not the groups. A project's supporters are
//! summed per (class, weight) before its price is walked; the walk is the literal one over those
//! sums, which changes nothing: supporters with the same `budget / weight` are consecutive in
//! the literal walk, and when the first of them cannot pay a full share, none of the others can
//! (if `left·w₁ > b₁·W` and `b₂/w₂ = b₁/w₁`, then `(left − b₁)·w₂ > b₂·(W − w₁)`), so the walk
//! passes them together or stops before them. Supporters with nothing left only leave the
//! weight, so they are skipped. And a round prices again only the projects that might win it:
//! budgets only shrink during a run, so a project's price, and its `ρ`, only grow, and the last
//! `ρ` computed for it is a lower bound; a project whose bound already loses to the best `ρ` of
//! the round (or ties with it, later in the tie order) cannot win, and is passed over. Property
//! tests check [`run`] against `literal` on generated elections full of ties (and of shared
//! budgets, and of projects passed over). The full differential sweep (`scripts/mes-sweep`) uses
//! [`run`]: four times quicker than `literal` on Budapest 2024. The fast engine uses it for
//! supports of 2^53 or more, where floats certify nothing; its work counts towards the tally's
//! work cap like the fast engine's.
//!
//! Property tests run the engines on generated elections and compare the funded projects, and
//! [`inspect::endowment_sweep`](crate::outcome::inspect::endowment_sweep) runs the fast engine
//! and [`run`] on real elections at every endowment an add1 loop passes through. (What the fast
//! engine charges each voter is checked on the fast engine itself: `outcome::inspect` and
//! `tests/outcome_properties.rs`.)

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use std::cmp::Ordering;

use super::MesProblem;
use crate::outcome::profile::FastMap;

/// The class of the groups that have nothing left (they are skipped: see the module docs).
const EMPTY: u32 = u32::MAX;

/// Supporters of one project with the same budget class and weight, summed.
#[derive(Debug, Clone, Copy)]
struct Holding {
    class: u32,
    weight: i64,
    /// Σ multiplicity over these supporters.
    voters: i128,
}

/// About `x / 2^shift` for `x ≥ 0`, from its two most significant 64-bit digits (no allocation):
/// floats that only order what exact comparisons then check.
fn over_power_of_two(x: &BigInt, shift: u64) -> f64 {
    let mut digits = x.iter_u64_digits().rev();
    let below = 64 * digits.len().saturating_sub(2) as i64 - shift as i64;
    let scale = 2f64.powi(below.clamp(-2000, 2000) as i32);
    match (digits.next(), digits.next()) {
        (None, _) => 0.0,
        (Some(top), None) => top as f64 * scale,
        (Some(top), Some(next)) => (top as f64 * 2f64.powi(64) + next as f64) * scale,
    }
}

/// Every voter group's money: `values[class_of[g]] / denominator` (0 for [`EMPTY`]). The classes
/// are numbered by increasing value, so that supporters of equal weights sort by class.
struct Budgets {
    denominator: BigInt,
    values: Vec<BigInt>,
    class_of: Vec<u32>,
    /// Scratch of [`Budgets::holdings`]: voters per class, and the classes met.
    voters_in: Vec<i128>,
    met: Vec<u32>,
}

impl Budgets {
    /// `project`'s supporters with money left, summed per (class, weight) and sorted by
    /// `budget / weight`, poorest first. `same_weight`: the weight of all its supporters, if
    /// they have one.
    fn holdings(
        &mut self,
        problem: &MesProblem<'_>,
        project: usize,
        same_weight: Option<i64>,
        into: &mut Vec<Holding>,
    ) {
        let profile = problem.profile;
        into.clear();
        if let Some(weight) = same_weight {
            // Classes are numbered by value: summing per class in place sorts as well.
            self.voters_in.resize(self.values.len(), 0);
            for &group in profile.groups_of(project) {
                let class = self.class_of[group as usize];
                if class == EMPTY {
                    continue;
                }
                let voters = &mut self.voters_in[class as usize];
                if *voters == 0 {
                    self.met.push(class);
                }
                *voters += i128::from(profile.multiplicity[group as usize]);
            }
            self.met.sort_unstable();
            for class in self.met.drain(..) {
                into.push(Holding {
                    class,
                    weight,
                    voters: std::mem::take(&mut self.voters_in[class as usize]),
                });
            }
            return;
        }
        for s in profile.supporters_of(project) {
            let class = self.class_of[s.group as usize];
            if class != EMPTY {
                into.push(Holding {
                    class,
                    weight: s.weight,
                    voters: i128::from(profile.multiplicity[s.group as usize]),
                });
            }
        }
        into.sort_unstable_by_key(|h| (h.class, h.weight));
        into.dedup_by(|next, kept| {
            let same = next.class == kept.class && next.weight == kept.weight;
            if same {
                kept.voters += next.voters;
            }
            same
        });
        let values = &self.values;
        // a before b when b_a / w_a < b_b / w_b, i.e. b_a · w_b < b_b · w_a: first by a float of
        // each key (budgets cut to about 60 bits of the denominator), then an insertion sort by
        // the exact comparison, which only walks the few pairs the floats could not order.
        let shift = self.denominator.bits();
        let key =
            |h: &Holding| over_power_of_two(&values[h.class as usize], shift) / h.weight as f64;
        into.sort_unstable_by(|a, b| key(a).total_cmp(&key(b)));
        let before = |a: &Holding, b: &Holding| {
            let (va, vb) = (&values[a.class as usize], &values[b.class as usize]);
            if a.weight == b.weight {
                va < vb
            } else {
                va * b.weight < vb * a.weight
            }
        };
        for i in 1..into.len() {
            let mut j = i;
            while j > 0 && before(&into[j], &into[j - 1]) {
                into.swap(j, j - 1);
                j -= 1;
            }
        }
    }

    /// Whether the supporters holding `holdings` have the money to cover `cost`.
    fn covers(&self, cost: i128, holdings: &[Holding]) -> bool {
        let money: BigInt = holdings
            .iter()
            .map(|h| &self.values[h.class as usize] * h.voters)
            .sum();
        money >= &self.denominator * cost
    }

    /// The price of a project whose supporters hold `holdings` (sorted), walked as `literal`
    /// walks the supporters (in units of `1 / D`: `(cost·D − paid, weight)`); `None` when
    /// nobody can pay a full share.
    fn price(&self, cost: i128, holdings: &[Holding]) -> Option<(BigInt, i128)> {
        let mut left = &self.denominator * cost;
        let mut weight: i128 = holdings
            .iter()
            .map(|h| h.voters * i128::from(h.weight))
            .sum();
        for h in holdings {
            let b = &self.values[h.class as usize];
            if &left * h.weight <= b * weight {
                return Some((left, weight));
            }
            left -= b * h.voters;
            weight -= h.voters * i128::from(h.weight);
        }
        None
    }

    /// Charges `numerator / D` per unit of weight (already over the current denominator) to
    /// `project`'s supporters: each pays that times its weight, or everything it has.
    fn pay(&mut self, problem: &MesProblem<'_>, project: usize, numerator: &BigInt) {
        let mut moved: FastMap<(u32, i64), u32> = FastMap::default();
        for s in problem.profile.supporters_of(project) {
            let class = self.class_of[s.group as usize];
            if class == EMPTY {
                continue;
            }
            let next = *moved.entry((class, s.weight)).or_insert_with(|| {
                let due = numerator * s.weight;
                let had = &self.values[class as usize];
                if due >= *had {
                    EMPTY
                } else {
                    self.values.push(had - due);
                    (self.values.len() - 1) as u32
                }
            });
            self.class_of[s.group as usize] = next;
        }
        // Keep only the classes some group still holds, numbered by increasing value.
        let mut held = vec![false; self.values.len()];
        for &class in &self.class_of {
            if class != EMPTY {
                held[class as usize] = true;
            }
        }
        let mut kept: Vec<u32> = (0..self.values.len() as u32)
            .filter(|&c| held[c as usize])
            .collect();
        kept.sort_unstable_by(|&a, &b| self.values[a as usize].cmp(&self.values[b as usize]));
        let mut renumbered = vec![EMPTY; self.values.len()];
        for (new, &old) in kept.iter().enumerate() {
            renumbered[old as usize] = new as u32;
        }
        for class in &mut self.class_of {
            if *class != EMPTY {
                *class = renumbered[*class as usize];
            }
        }
        self.values = kept
            .iter()
            .map(|&old| std::mem::take(&mut self.values[old as usize]))
            .collect();
    }

    /// Moves every budget to the denominator `D · scale`.
    fn rescale(&mut self, scale: &BigInt) {
        if !scale.is_one() {
            for value in &mut self.values {
                *value *= scale;
            }
            self.denominator *= scale;
        }
    }
}

/// The work of an exact run, in the units of the fast engine's
/// [`Stats::work`](super::fast::Stats::work) (a step of a few nanoseconds): each supporter read
/// counts one, and each (class, weight) sum priced with big integers this many.
pub(crate) const EXACT_STEP_WORK: u64 = 40;

/// A lower bound of a project's `ρ` in the current run: `numerator / denominator`, exactly
/// (`approx` only orders the projects to examine).
#[derive(Debug, Clone)]
struct Least {
    numerator: BigInt,
    denominator: BigInt,
    approx: f64,
}

impl Least {
    fn new(numerator: &BigInt, denominator: BigInt) -> Least {
        let shift = denominator.bits();
        let approx = over_power_of_two(numerator, shift) / over_power_of_two(&denominator, shift);
        Least {
            numerator: numerator.clone(),
            denominator,
            approx,
        }
    }
}

/// The funded projects in order: `literal`'s rounds, with each distinct budget kept once, and a
/// project priced again only if the last `ρ` computed for it in the run does not already lose
/// to the round's best (prices only grow during a run: budgets only shrink). Adds
/// the run's work to `work` (see [`EXACT_STEP_WORK`]).
pub(crate) fn run(problem: &MesProblem<'_>, endowment: &BigRational, work: &mut u64) -> Vec<usize> {
    let mut budgets = Budgets {
        denominator: endowment.denom().clone(),
        values: vec![endowment.numer().clone()],
        class_of: vec![if endowment.is_zero() { EMPTY } else { 0 }; problem.profile.groups()],
        voters_in: Vec::new(),
        met: Vec::new(),
    };
    let mut remaining: Vec<usize> = problem.candidates.iter().map(|&p| p as usize).collect();
    let mut order = problem.free.clone();
    let mut holdings = Vec::new();
    // The last `ρ` computed for each project in this run: a lower bound of its `ρ` now.
    let mut least: Vec<Option<Least>> = vec![None; problem.costs.len()];
    loop {
        // Likeliest winners first, so that the others are passed over by their bounds.
        remaining.sort_by(|&a, &b| {
            let bound = |p: usize| least[p].as_ref().map_or(0.0, |l| l.approx);
            bound(a)
                .total_cmp(&bound(b))
                .then_with(|| problem.tie.cmp(a, b))
        });
        // (project, numerator of the price, Σ m·w of those paying it in full, and that sum times
        // λ: ρ = numerator / (D · weight · λ), D common to all projects).
        let mut best: Option<(usize, BigInt, i128, BigInt)> = None;
        let mut dropped = Vec::new();
        for &p in &remaining {
            if let (Some(bound), Some((q, numerator, _, scale))) = (&least[p], &best) {
                // ρ(p) ≥ bound.numerator / bound.denominator; the best is numerator / (D · scale).
                *work += EXACT_STEP_WORK;
                let loses = (&bound.numerator * &budgets.denominator * scale)
                    .cmp(&(numerator * &bound.denominator));
                if loses == Ordering::Greater
                    || (loses == Ordering::Equal && problem.tie.cmp(p, *q) == Ordering::Greater)
                {
                    continue;
                }
            }
            budgets.holdings(problem, p, problem.profile.same_weight[p], &mut holdings);
            *work +=
                problem.profile.groups_of(p).len() as u64 + EXACT_STEP_WORK * holdings.len() as u64;
            let cost = problem.costs[p];
            if !budgets.covers(cost, &holdings) {
                dropped.push(p);
                continue;
            }
            let Some((numerator, weight)) = budgets.price(cost, &holdings) else {
                continue;
            };
            let lambda = if problem.profile.lambda_is_cost {
                cost
            } else {
                1
            };
            let scale = BigInt::from(weight) * BigInt::from(lambda);
            least[p] = Some(Least::new(&numerator, &budgets.denominator * &scale));
            let better = match &best {
                None => true,
                Some((q, best_numerator, _, best_scale)) => {
                    match (&numerator * best_scale).cmp(&(best_numerator * &scale)) {
                        Ordering::Less => true,
                        Ordering::Equal => problem.tie.cmp(p, *q) == Ordering::Less,
                        Ordering::Greater => false,
                    }
                }
            };
            if better {
                best = Some((p, numerator, weight, scale));
            }
        }
        remaining.retain(|p| !dropped.contains(p));
        let Some((p, numerator, weight, _)) = best else {
            return order;
        };
        // t = numerator / (weight · D) in lowest terms: the budgets move to the denominator that
        // holds both them and the shares t·w.
        let reduced = BigRational::new(numerator, BigInt::from(weight));
        // Rescaling and paying: big-integer steps per class and per payer, and a pass over the
        // groups to renumber the classes.
        *work += EXACT_STEP_WORK
            * (budgets.values.len() + problem.profile.groups_of(p).len()) as u64
            + budgets.class_of.len() as u64;
        budgets.rescale(reduced.denom());
        budgets.pay(problem, p, reduced.numer());
        order.push(p);
        remaining.retain(|&q| q != p);
    }
}

/// The funded projects in order, by the literal transcription (one budget per voter group).
#[cfg(test)]
pub(crate) fn literal(problem: &MesProblem<'_>, endowment: &BigRational) -> Vec<usize> {
    let profile = problem.profile;
    let groups = profile.groups();
    let multiplicity: Vec<BigInt> = profile
        .multiplicity
        .iter()
        .map(|&m| BigInt::from(m))
        .collect();
    // Budget of group g: budget[g] / denominator.
    let mut denominator = endowment.denom().clone();
    let mut budget = vec![endowment.numer().clone(); groups];
    let mut remaining: Vec<usize> = problem.candidates.iter().map(|&p| p as usize).collect();
    let mut order = problem.free.clone();
    loop {
        remaining.retain(|&p| {
            let money: BigInt = profile
                .supporters_of(p)
                .map(|s| &budget[s.group as usize] * &multiplicity[s.group as usize])
                .sum();
            money >= BigInt::from(problem.costs[p]) * &denominator
        });
        // (project, ρ, numerator of the price, Σ m·w of those paying it in full).
        let mut best: Option<(usize, BigRational, BigInt, i128)> = None;
        for &p in &remaining {
            let Some((numerator, weight)) = price(problem, p, &budget, &denominator) else {
                continue;
            };
            let t = BigRational::new(numerator.clone(), &denominator * BigInt::from(weight));
            let rho = if profile.lambda_is_cost {
                t / BigRational::from_integer(BigInt::from(problem.costs[p]))
            } else {
                t
            };
            let better = match &best {
                None => true,
                Some((q, best_rho, _, _)) => match rho.cmp(best_rho) {
                    Ordering::Less => true,
                    Ordering::Equal => problem.tie.cmp(p, *q) == Ordering::Less,
                    Ordering::Greater => false,
                },
            };
            if better {
                best = Some((p, rho, numerator, weight));
            }
        }
        let Some((p, _, numerator, weight)) = best else {
            return order;
        };
        // t = numerator / (weight · D) in lowest terms; budgets move to the denominator that
        // holds both them and the shares t·w.
        let reduced = BigRational::new(numerator, BigInt::from(weight));
        let (numerator, scale) = (reduced.numer(), reduced.denom());
        if !scale.is_one() {
            for b in &mut budget {
                if !b.is_zero() {
                    *b *= scale;
                }
            }
            denominator *= scale;
        }
        for s in profile.supporters_of(p) {
            let b = &mut budget[s.group as usize];
            let due = numerator * BigInt::from(s.weight);
            if due >= *b {
                *b = BigInt::zero();
            } else {
                *b -= due;
            }
        }
        order.push(p);
        remaining.retain(|&q| q != p);
    }
}

#[cfg(test)]
/// pabutools' price of `project`: its supporters sorted by `budget / weight`, each in turn paying
/// everything they have until the rest can share the remaining cost `t` per unit of weight. In
/// units of `1 / D`, returns `(cost·D − paid, weight)`, the price per unit of weight being their
/// quotient over `D`; `None` when nobody can pay a full share.
fn price(
    problem: &MesProblem<'_>,
    project: usize,
    budget: &[BigInt],
    denominator: &BigInt,
) -> Option<(BigInt, i128)> {
    let profile = problem.profile;
    let mut supporters: Vec<_> = profile.supporters_of(project).collect();
    // a before b when budget_a / w_a < budget_b / w_b, i.e. budget_a · w_b < budget_b · w_a.
    supporters.sort_by(|a, b| {
        let (ba, bb) = (&budget[a.group as usize], &budget[b.group as usize]);
        if a.weight == b.weight {
            ba.cmp(bb)
        } else {
            (ba * BigInt::from(b.weight)).cmp(&(bb * BigInt::from(a.weight)))
        }
    });
    let mut left = BigInt::from(problem.costs[project]) * denominator;
    let mut weight: i128 = supporters
        .iter()
        .map(|s| i128::from(profile.multiplicity[s.group as usize]) * i128::from(s.weight))
        .sum();
    for s in &supporters {
        let b = &budget[s.group as usize];
        // t = left / (weight · D); a full share t·w fits b / D when left · w ≤ b · weight.
        if &left * BigInt::from(s.weight) <= b * BigInt::from(weight) {
            return Some((left, weight));
        }
        let m = profile.multiplicity[s.group as usize];
        left -= b * BigInt::from(m);
        weight -= i128::from(m) * i128::from(s.weight);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::profile::{Instance, Profile};
    use crate::outcome::rule::Satisfaction;
    use crate::outcome::testing::small_election;
    use crate::outcome::tie::{TieBreaking, TieOrder};
    use crate::pabulib::VoteType;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Larger than the engines' shared property test (up to 14 projects and 40 voters, so
        /// that rounds pass many projects over by their bounds and many voters share a
        /// budget), at the endowments an add1 loop walks: the budget classes and the bounds
        /// fund what the literal transcription funds.
        #[test]
        fn budget_classes_and_bounds_fund_what_the_literal_run_funds(
            (vote_type, costs, ballots) in (1usize..15, prop::bool::ANY).prop_flat_map(|(projects, points)| {
                let vote_type = if points { VoteType::Cumulative } else { VoteType::Approval };
                let ballot = prop::collection::vec((0..projects, 1..5i64), 0..=projects.min(5));
                (Just(vote_type), prop::collection::vec(1i64..30, projects), prop::collection::vec(ballot, 1..40))
            }),
            budget in 1i64..120,
            steps in 0i64..12,
        ) {
            let election = small_election(vote_type, budget, &costs, &ballots);
            let instance = Instance::new(&election).unwrap();
            let satisfactions: &[Satisfaction] = if vote_type == VoteType::Approval {
                &[Satisfaction::Cost, Satisfaction::Cardinality]
            } else {
                &[Satisfaction::Score, Satisfaction::ScoreTimesCost]
            };
            for &satisfaction in satisfactions {
                let profile = Profile::new(&election, &instance, satisfaction).unwrap();
                let tie = TieOrder::new(TieBreaking::CostThenVotes, &election, &instance.votes);
                let problem = MesProblem::new(&instance, &profile, &tie);
                for k in 0..=steps {
                    let endowment = BigRational::new(
                        BigInt::from(budget + k * instance.voters as i64),
                        BigInt::from(instance.voters as i64),
                    );
                    let mut work = 0;
                    prop_assert_eq!(
                        run(&problem, &endowment, &mut work),
                        literal(&problem, &endowment),
                        "{:?} at {}", satisfaction, endowment
                    );
                    prop_assert!(work > 0 || problem.candidates.is_empty());
                }
            }
        }
    }
}
