//! Why the Method of Equal Shares funded what it funded, in terms a resident can follow.
//!
//! Cities that used Equal Shares had to write FAQ pages by hand to answer "why was my project not
//! funded when it had more votes?". Every voter receives an equal share of the budget (the
//! endowment); in each round the project whose supporters can buy it at the lowest price per
//! unit of satisfaction is bought, each supporter paying that price (or everything they have left,
//! if that is less); a project is out of reach once its supporters, together, hold less than its
//! cost. [`equal_shares`] replays the rounds of the run a tally reports and says, for every
//! project, the round it was bought in and its price, or from which round it was out of reach and
//! what its supporters still held then. [`spend`] replays one voter's share: what they paid in
//! which round, from the rounds' prices and their own ballot alone, so that a server can answer a
//! signed-in voter without keeping anyone's ballot next to the explanation.
//!
//! Everything is exact (big rationals in currency units), taken from the engine's own run
//! ([`super::inspect::mes_run`]): nothing is recomputed by another method.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;

use super::inspect::mes_run_after;
use super::rule::OutcomeRule;
use super::tie::TieBreaking;
use super::{MesReport, OutcomeError, Tally};
use crate::pabulib::Election;

/// The explanation of the Equal Shares run a tally reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SharesExplanation {
    /// Each voter's share of the budget in that run (after the completion raised it), in
    /// currency units.
    pub endowment: BigRational,
    /// The rounds, in order: one project bought in each.
    pub rounds: Vec<SharesRound>,
    /// Why each project (by its index in the election) was or was not bought.
    pub projects: Vec<ProjectShares>,
}

/// One round: the project bought and its price.
#[derive(Debug, Clone, PartialEq)]
pub struct SharesRound {
    /// The project (its index in the election).
    pub project: usize,
    /// What a supporter who could afford it paid per unit of their ballot's weight for it: per
    /// approval (so, per supporter) under cost utilities, per point under points utilities.
    pub price: BigRational,
    /// Voters supporting it.
    pub supporters: u64,
    /// Of them, the voters who paid everything they had left, less than the price.
    pub paying_everything: u64,
}

/// Why one project was or was not bought by the rounds of Equal Shares.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectShares {
    /// Bought in round `round` (1 for the first).
    Bought { round: usize },
    /// Costing nothing, funded before the first round.
    Free,
    /// Out of reach from round `after` on (0: from the start, before any round; `k`: once the
    /// `k`-th round was paid): its supporters then held `left` together, less than its cost. A
    /// completion after the rounds (greedy fill) may still fund it with the money left over.
    OutOfReach { after: usize, left: BigRational },
}

/// The explanation of `rule` on `election` as [`super::tally`] computes it; `None` when the rule
/// is not a Method of Equal Shares.
pub fn equal_shares(
    election: &Election,
    rule: &OutcomeRule,
    tie_breaking: Option<TieBreaking>,
) -> Result<Option<SharesExplanation>, OutcomeError> {
    explained(election, rule, tie_breaking, None)
}

/// [`equal_shares`] for `tally`, computed with the same rule and tie-breaking: only its final
/// run is replayed (the add1 loop that found it is not run again).
pub fn equal_shares_of(
    election: &Election,
    rule: &OutcomeRule,
    tie_breaking: Option<TieBreaking>,
    tally: &Tally,
) -> Result<Option<SharesExplanation>, OutcomeError> {
    explained(election, rule, tie_breaking, tally.mes.as_ref())
}

fn explained(
    election: &Election,
    rule: &OutcomeRule,
    tie_breaking: Option<TieBreaking>,
    tallied: Option<&MesReport>,
) -> Result<Option<SharesExplanation>, OutcomeError> {
    let Some(run) = mes_run_after(election, rule, tie_breaking, tallied)? else {
        return Ok(None);
    };
    let sizes: Vec<BigRational> = run
        .group_sizes
        .iter()
        .map(|&size| BigRational::from_integer(BigInt::from(size)))
        .collect();
    let projects = run.supporters.len();
    let mut projects_of_group: Vec<Vec<usize>> = vec![Vec::new(); run.group_sizes.len()];
    for (project, groups) in run.supporters.iter().enumerate() {
        for &group in groups {
            projects_of_group[group as usize].push(project);
        }
    }
    let mut why: Vec<Option<ProjectShares>> = vec![None; projects];
    for &project in &run.free {
        why[project] = Some(ProjectShares::Free);
    }
    for (at, round) in run.rounds.iter().enumerate() {
        why[round.project] = Some(ProjectShares::Bought { round: at + 1 });
    }
    let costs: Vec<BigRational> = election
        .projects
        .iter()
        .map(|project| exact(&project.cost))
        .collect();
    // What the supporters of each project not bought hold together, kept as the rounds are paid:
    // it only falls, so the first time it is below the cost is the round the project went out of
    // reach.
    let mut held: Vec<BigRational> = (0..projects)
        .map(|project| {
            run.supporters[project]
                .iter()
                .map(|&group| &sizes[group as usize] * &run.endowment)
                .fold(BigRational::zero(), |sum, part| sum + part)
        })
        .collect();
    let settle = |why: &mut Vec<Option<ProjectShares>>, held: &[BigRational], after: usize| {
        for project in 0..projects {
            if why[project].is_none() && held[project] < costs[project] {
                why[project] = Some(ProjectShares::OutOfReach {
                    after,
                    left: held[project].clone(),
                });
            }
        }
    };
    settle(&mut why, &held, 0);
    let mut rounds = Vec::with_capacity(run.rounds.len());
    for (at, round) in run.rounds.iter().enumerate() {
        let mut supporters = 0_u64;
        let mut paying_everything = 0_u64;
        for payment in &round.payments {
            let size = run.group_sizes[payment.group];
            supporters += size;
            if payment.paid_everything {
                paying_everything += size;
            }
            let paid = &sizes[payment.group] * &payment.amount;
            for &project in &projects_of_group[payment.group] {
                if why[project].is_none() {
                    held[project] -= &paid;
                }
            }
        }
        rounds.push(SharesRound {
            project: round.project,
            price: round.price.clone(),
            supporters,
            paying_everything,
        });
        settle(&mut why, &held, at + 1);
    }
    let after = run.rounds.len();
    let projects = why
        .into_iter()
        .enumerate()
        .map(|(project, why)| {
            // The rounds end when nothing is within reach; a project still "within reach" here
            // would be the engine's error, and is reported as out of reach at the end with what
            // its supporters hold.
            why.unwrap_or_else(|| ProjectShares::OutOfReach {
                after,
                left: held[project].clone(),
            })
        })
        .collect();
    Ok(Some(SharesExplanation {
        endowment: run.endowment,
        rounds,
        projects,
    }))
}

/// `amount` as an exact rational.
fn exact(amount: &crate::pabulib::Decimal) -> BigRational {
    BigRational::new(
        BigInt::from(amount.units()),
        num_traits::pow(BigInt::from(10), amount.scale() as usize),
    )
}

/// What one voter paid in one round.
#[derive(Debug, Clone, PartialEq)]
pub struct Spent<P> {
    /// The round (1 for the first).
    pub round: usize,
    /// The project bought.
    pub project: P,
    /// What the voter would pay in full: the round's price times the voter's weight for it.
    pub due: BigRational,
    /// What they paid: `due`, or everything they had left if that was less.
    pub paid: BigRational,
}

/// How a voter's `endowment` was spent over `rounds` (each the project bought and its price per
/// unit of weight, in order), given the voter's weight for a project (1 for an approval, the
/// points for points utilities, 0 for a project they did not choose): in each round where the
/// voter supports the project, they pay the price times their weight, or everything they have
/// left if that is less, as Equal Shares charges supporters. Returns the payments in round
/// order and what is left.
pub fn spend<P: Clone>(
    endowment: &BigRational,
    rounds: &[(P, BigRational)],
    weight: impl Fn(&P) -> u64,
) -> (Vec<Spent<P>>, BigRational) {
    let mut left = endowment.clone();
    let mut spent = Vec::new();
    for (at, (project, price)) in rounds.iter().enumerate() {
        let weight = weight(project);
        if weight == 0 {
            continue;
        }
        let due = price * BigRational::from_integer(BigInt::from(weight));
        let paid = if due <= left {
            due.clone()
        } else {
            left.clone()
        };
        left -= &paid;
        spent.push(Spent {
            round: at + 1,
            project: project.clone(),
            due,
            paid,
        });
    }
    (spent, left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pabulib;

    fn units(n: i64) -> BigRational {
        BigRational::from_integer(BigInt::from(n))
    }

    /// Budget 300 for 3 voters (a share of 100 each): `a` (cost 150) is wanted by voters 1 and 2,
    /// `b` (cost 240) by voters 2 and 3, `c` (cost 100) by voter 3 alone.
    fn three_voters() -> Election {
        pabulib::parse(
            "META\nkey;value\ndescription;test\nnum_projects;3\nnum_votes;3\nbudget;300\n\
             vote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost;votes\n\
             a;150;2\nb;240;2\nc;100;1\nVOTES\nvoter_id;vote\n1;a\n2;a,b\n3;b,c\n",
        )
        .expect("a valid file")
        .election
    }

    #[test]
    fn each_project_says_the_round_it_was_bought_in_or_when_it_went_out_of_reach() {
        let election = three_voters();
        let rule: OutcomeRule = "mes_cost_sat".parse().unwrap();
        let explained = equal_shares(&election, &rule, None).unwrap().unwrap();
        assert_eq!(explained.endowment, units(100));
        // `b` (240) is out of reach from the start: its supporters hold 200. Round 1: `a`, its two
        // supporters paying 75 each (ρ 1/2 per unit of cost); round 2: `c`, voter 3 paying 100
        // alone (ρ 1).
        assert_eq!(explained.rounds[0].project, 0);
        assert_eq!(explained.rounds[0].price, units(75));
        assert_eq!(explained.rounds[0].supporters, 2);
        assert_eq!(explained.rounds[0].paying_everything, 0);
        assert_eq!(explained.projects[0], ProjectShares::Bought { round: 1 });
        assert_eq!(
            explained.projects[1],
            ProjectShares::OutOfReach {
                after: 0,
                left: units(200)
            }
        );
        assert_eq!(explained.projects[2], ProjectShares::Bought { round: 2 });
    }

    #[test]
    fn a_voter_pays_the_price_of_each_project_they_chose_or_what_they_have_left() {
        let rounds = vec![("a", units(75)), ("c", units(100)), ("d", units(40))];
        let chose = |project: &&str| u64::from(["a", "d"].contains(project));
        let (spent, left) = spend(&units(100), &rounds, chose);
        assert_eq!(spent.len(), 2);
        assert_eq!((spent[0].round, spent[0].project), (1, "a"));
        assert_eq!(spent[0].paid, units(75));
        // 25 left when `d` (40) is bought: the voter pays everything.
        assert_eq!((spent[1].round, spent[1].project), (3, "d"));
        assert_eq!(spent[1].due, units(40));
        assert_eq!(spent[1].paid, units(25));
        assert_eq!(left, units(0));
    }

    #[test]
    fn points_multiply_the_price() {
        let rounds = vec![("a", units(3))];
        let (spent, left) = spend(&units(100), &rounds, |_| 5);
        assert_eq!(spent[0].paid, units(15));
        assert_eq!(left, units(85));
    }
}
