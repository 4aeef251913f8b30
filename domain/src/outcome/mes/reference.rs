//! A literal, slow, exact transcription of pabutools' MES run, kept to check the fast engine.
//!
//! Every budget is a big rational and every round sorts every supporter, exactly as
//! `mes_inner_algo` does; nothing is certified or lazy. Property tests run both engines on
//! generated elections full of ties and compare the funded projects. (What the fast engine
//! charges each voter is checked on the fast engine itself: `outcome::inspect` and
//! `tests/outcome_properties.rs`.)

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use std::cmp::Ordering;

use super::MesProblem;

/// The funded projects in order.
pub(crate) fn run(problem: &MesProblem<'_>, endowment: &BigRational) -> Vec<usize> {
    let profile = problem.profile;
    let int = |v: i128| BigRational::from_integer(BigInt::from(v));
    let mut budget = vec![endowment.clone(); profile.groups()];
    let mut remaining: Vec<usize> = problem.candidates.iter().map(|&p| p as usize).collect();
    let mut order = problem.free.clone();
    loop {
        let mut best: Option<(usize, BigRational, BigRational)> = None;
        remaining.retain(|&p| {
            let cost = int(problem.costs[p]);
            let money: BigRational = profile
                .supporters_of(p)
                .map(|s| {
                    &budget[s.group as usize]
                        * int(i128::from(profile.multiplicity[s.group as usize]))
                })
                .sum();
            money >= cost
        });
        for &p in &remaining {
            let cost = int(problem.costs[p]);
            let mut supporters: Vec<_> = profile.supporters_of(p).collect();
            supporters.sort_by(|a, b| {
                let ka = &budget[a.group as usize] / int(i128::from(a.weight));
                let kb = &budget[b.group as usize] / int(i128::from(b.weight));
                ka.cmp(&kb)
            });
            let mut paid = BigRational::zero();
            let mut weight: i128 = supporters
                .iter()
                .map(|s| i128::from(profile.multiplicity[s.group as usize]) * i128::from(s.weight))
                .sum();
            let mut price = None;
            for s in &supporters {
                let m = i128::from(profile.multiplicity[s.group as usize]);
                let t = (&cost - &paid) / int(weight);
                if &t * int(i128::from(s.weight)) <= budget[s.group as usize] {
                    price = Some(t);
                    break;
                }
                paid += &budget[s.group as usize] * int(m);
                weight -= m * i128::from(s.weight);
            }
            let Some(t) = price else { continue };
            let lambda = if profile.lambda_is_cost { cost } else { int(1) };
            let rho = &t / &lambda;
            let better = match &best {
                None => true,
                Some((q, best_rho, _)) => match rho.cmp(best_rho) {
                    Ordering::Less => true,
                    Ordering::Equal => problem.tie.cmp(p, *q) == Ordering::Less,
                    Ordering::Greater => false,
                },
            };
            if better {
                best = Some((p, rho, t));
            }
        }
        let Some((p, _, t)) = best else {
            return order;
        };
        for s in profile.supporters_of(p) {
            let b = &mut budget[s.group as usize];
            let due = &t * int(i128::from(s.weight));
            if due >= *b {
                *b = BigRational::zero();
            } else {
                *b -= due;
            }
        }
        order.push(p);
        remaining.retain(|&q| q != p);
    }
}
