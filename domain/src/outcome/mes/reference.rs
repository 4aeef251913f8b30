//! A literal, exact transcription of pabutools' MES run, kept to check the fast engine.
//!
//! Every round does what `mes_inner_algo` does, with nothing certified or lazy: drop the
//! projects whose supporters' money no longer covers their cost, then for every remaining project
//! sort all its supporters by `budget / weight`, walk them to find the price, and fund the project
//! with the smallest `ρ` (ties: the tie order). Money is exact: every budget is an integer
//! numerator over one common denominator `D`, so sums and comparisons of money are integer
//! operations (no gcd per addition, as big rationals would need); after a round with price
//! `t = a / (W·D)` in lowest terms, `D` becomes `W·D` and every budget is rescaled. Only the `ρ`
//! of each project, compared across projects, is a big rational.
//!
//! Property tests run both engines on generated elections full of ties and compare the funded
//! projects, and [`inspect::endowment_sweep`](crate::outcome::inspect::endowment_sweep) runs both
//! on real elections at every endowment an add1 loop passes through. (What the fast engine charges
//! each voter is checked on the fast engine itself: `outcome::inspect` and
//! `tests/outcome_properties.rs`.)

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Zero};
use std::cmp::Ordering;

use super::MesProblem;

/// The funded projects in order.
pub(crate) fn run(problem: &MesProblem<'_>, endowment: &BigRational) -> Vec<usize> {
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
