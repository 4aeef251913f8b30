//! Greedy rules: pabutools' `greedy_utilitarian_welfare`, the cities' greedy rules, and the
//! equalshares.net tool's greedy steps (utilitarian completion and comparison).
//!
//! All comparisons are exact: densities are fractions of integers compared by cross
//! multiplication (with a big-integer fallback if a product would overflow `i128`), scores are
//! [`Decimal`]s compared by value.

use num_bigint::BigInt;
use std::cmp::Ordering;

use super::profile::{Instance, Totals};
use super::rule::CityRule;
use super::tie::TieOrder;
use crate::pabulib::{Decimal, Election};

/// The cost pabulib uses to mark a withdrawn project (ignored by `greedy-no-skip`).
const WITHDRAWN_COST: i128 = 999_999_999;

/// Total satisfaction per unit of cost, as pabutools' `satisfaction_density` defines it.
#[derive(Debug, Clone, Copy)]
enum Density {
    /// No positive total satisfaction.
    Zero,
    /// `numerator / denominator`, both positive.
    Ratio { numerator: i128, denominator: i128 },
    /// Positive satisfaction for a project that costs nothing.
    Infinite,
}

fn compare_density(a: Density, b: Density) -> Ordering {
    use Density::*;
    match (a, b) {
        (Zero, Zero) | (Infinite, Infinite) => Ordering::Equal,
        (Zero, _) | (_, Infinite) => Ordering::Less,
        (_, Zero) | (Infinite, _) => Ordering::Greater,
        (
            Ratio {
                numerator: an,
                denominator: ad,
            },
            Ratio {
                numerator: bn,
                denominator: bd,
            },
        ) => match (an.checked_mul(bd), bn.checked_mul(ad)) {
            (Some(left), Some(right)) => left.cmp(&right),
            _ => (BigInt::from(an) * BigInt::from(bd)).cmp(&(BigInt::from(bn) * BigInt::from(ad))),
        },
    }
}

fn density(instance: &Instance, totals: &Totals, project: usize) -> Density {
    let cost = instance.costs[project];
    let total = totals.signed_support[project];
    // The true total satisfaction is λ·total, with λ = cost for cost-based measures.
    let positive = total > 0 && !(totals.lambda_is_cost && cost == 0);
    match (positive, cost == 0, totals.lambda_is_cost) {
        (false, _, _) => Density::Zero,
        (true, true, _) => Density::Infinite,
        (true, false, true) => Density::Ratio {
            numerator: total,
            denominator: 1,
        },
        (true, false, false) => Density::Ratio {
            numerator: total,
            denominator: cost,
        },
    }
}

/// pabutools' `greedy_utilitarian_welfare`: starting from `already` (funded first, in the given
/// order), the other projects by decreasing density (ties by `tie`), each added if it still fits.
/// Projects nobody supports come last and are added too if money remains, as in pabutools.
pub(crate) fn utilitarian(
    instance: &Instance,
    totals: &Totals,
    tie: &TieOrder,
    already: &[usize],
) -> Vec<usize> {
    let mut funded = vec![false; instance.costs.len()];
    for &p in already {
        funded[p] = true;
    }
    let mut candidates: Vec<usize> = (0..instance.costs.len()).filter(|&p| !funded[p]).collect();
    candidates.sort_by(|&a, &b| {
        compare_density(density(instance, totals, b), density(instance, totals, a))
            .then(tie.cmp(a, b))
    });
    fill(instance, already, candidates)
}

/// Adds `candidates` in order to `already`, each if it still fits the budget.
fn fill(instance: &Instance, already: &[usize], candidates: Vec<usize>) -> Vec<usize> {
    let mut remaining = instance.budget - instance.total_cost(already);
    let mut order = already.to_vec();
    for p in candidates {
        if instance.costs[p] <= remaining {
            remaining -= instance.costs[p];
            order.push(p);
        }
    }
    order
}

/// One project's turn in a city greedy rule: where it came in the rule's order, the money left
/// when its turn came (in the instance's money units), and whether it was funded. Projects the
/// rule never reached (after `greedy-no-skip` stopped) or passed over (below the threshold,
/// withdrawn) have no turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Turn {
    pub project: usize,
    pub rank: usize,
    pub remaining: i128,
    pub funded: bool,
}

/// The cities' greedy rules as the Pabulib checker reconstructs them, turn by turn: projects by
/// decreasing score (ties by `tie`, file order by default), each funded if it still fits; with a
/// threshold only projects whose score is at least the threshold; `greedy-no-skip` stops at the
/// first project that does not fit and passes over withdrawn projects (cost 999999999). The
/// funded turns, in order, are the outcome; every turn explains its project's result.
pub(crate) fn city_turns(
    instance: &Instance,
    rule: CityRule,
    threshold: Option<Decimal>,
    tie: &TieOrder,
) -> Vec<Turn> {
    let mut candidates: Vec<usize> = (0..instance.costs.len()).collect();
    candidates.sort_by(|&a, &b| {
        instance.scores[b]
            .cmp_value(&instance.scores[a])
            .then(tie.cmp(a, b))
    });
    let mut remaining = instance.budget;
    let mut turns = Vec::new();
    for p in candidates {
        if threshold.is_some_and(|t| instance.scores[p].cmp_value(&t) == Ordering::Less) {
            continue;
        }
        let cost = instance.costs[p];
        if rule == CityRule::NoSkip && cost == WITHDRAWN_COST * instance.unit {
            continue;
        }
        let funded = cost <= remaining;
        turns.push(Turn {
            project: p,
            rank: turns.len() + 1,
            remaining,
            funded,
        });
        if funded {
            remaining -= cost;
        } else if rule == CityRule::NoSkip {
            break;
        }
    }
    turns
}

/// The equalshares.net tool's `utilitarianCompletion`: starting from `already`, every project by
/// decreasing number of votes (ties by the tool's project order `keys`), each added if it fits.
pub(crate) fn by_votes(instance: &Instance, keys: &TieOrder, already: &[usize]) -> Vec<usize> {
    let mut funded = vec![false; instance.costs.len()];
    for &p in already {
        funded[p] = true;
    }
    let mut candidates: Vec<usize> = (0..instance.costs.len()).filter(|&p| !funded[p]).collect();
    candidates.sort_by(|&a, &b| {
        instance.votes[b]
            .cmp(&instance.votes[a])
            .then(keys.cmp(a, b))
    });
    fill(instance, already, candidates)
}

/// How many voters approve more winners of one outcome than of the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Preferences {
    pub prefer_first: u64,
    pub prefer_second: u64,
}

/// Counts, over every voter (a voter with no winner in an outcome counts 0 for it, as the
/// Pabulib checker does), who has more listed winners in `first` and who in `second`.
pub(crate) fn compare(election: &Election, first: &[usize], second: &[usize]) -> Preferences {
    let mut in_first = vec![false; election.projects.len()];
    let mut in_second = vec![false; election.projects.len()];
    for &p in first {
        in_first[p] = true;
    }
    for &p in second {
        in_second[p] = true;
    }
    let mut preferences = Preferences {
        prefer_first: 0,
        prefer_second: 0,
    };
    for voter in &election.voters {
        let a = voter.ballot.projects().filter(|&p| in_first[p]).count();
        let b = voter.ballot.projects().filter(|&p| in_second[p]).count();
        match a.cmp(&b) {
            Ordering::Greater => preferences.prefer_first += 1,
            Ordering::Less => preferences.prefer_second += 1,
            Ordering::Equal => {}
        }
    }
    preferences
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn densities_compare_exactly_even_when_products_overflow() {
        let big = Density::Ratio {
            numerator: i128::MAX / 2,
            denominator: 3,
        };
        let bigger = Density::Ratio {
            numerator: i128::MAX / 2,
            denominator: 2,
        };
        assert_eq!(compare_density(big, bigger), Ordering::Less);
        assert_eq!(
            compare_density(Density::Infinite, bigger),
            Ordering::Greater
        );
        assert_eq!(compare_density(Density::Zero, big), Ordering::Less);
        let third = Density::Ratio {
            numerator: 1,
            denominator: 3,
        };
        let two_sixths = Density::Ratio {
            numerator: 2,
            denominator: 6,
        };
        assert_eq!(compare_density(third, two_sixths), Ordering::Equal);
    }
}
