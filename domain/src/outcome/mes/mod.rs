//! The Method of Equal Shares (MES) and its add1 completions, exactly as pabutools computes them.
//!
//! # Semantics (pabutools 1.2.3 `method_of_equal_shares_scheme`)
//! Every voter starts with the same endowment `b`. In each round, every remaining project `p` with
//! enough money among its supporters gets the smallest `ρ(p)` such that
//! `Σ_i min(b_i, ρ · u_i(p)) = cost(p)`; the project with the smallest `ρ` is funded (ties: the
//! chosen [`TieBreaking`](super::TieBreaking)) and each supporter pays `min(b_i, ρ · u_i(p))`.
//!
//! A project's supporters are the voters whose utility `u_i(p)` for it is positive, as in
//! pabutools. Projects nobody supports are never funded. A project of cost 0 with supporters is
//! funded before the first round; under cost utilities (`u_i(p) = cost(p)` for an approved
//! project, pabutools' `Cost_Sat`) a project of cost 0 has utility 0 for everyone, so it has no
//! supporters and MES never funds it: neither pabutools nor the equalshares.net tool (which only
//! considers projects with `cost > 0`) does. With cardinality or points utilities it is funded
//! first. A completion (`…_then_greedy`, the tool's utilitarian completion) may still add it.
//!
//! # Arithmetic: a certified float path with an exact fallback
//! pabutools uses exact rationals (`gmpy2.mpq`); the published outcomes depend on exact ties
//! (Assen 2024: `11` against `2` in every add1 run). Exact rationals throughout would be slow:
//! the budgets' denominators multiply round after round (thousands of bits after a few dozen
//! rounds on a city-wide file). So each run computes in `f64` and carries a rigorous bound on the
//! error of every budget, of every project's `ρ` and of every poor/rich split; a decision is taken
//! in floats only when the bound proves it is the exact decision. When it cannot (an exact or near
//! tie, a voter whose budget is within the bound of the price, money exactly equal to a cost), the
//! `fast` engine recomputes the quantities involved exactly with big rationals (`num-rational`),
//! from the run's history: a voter's exact budget is the endowment minus, for each funded project
//! they paid for in full share, that round's exact price per unit of utility, and those prices are
//! themselves computed exactly (once, on demand) from who paid everything in each round. A float
//! may therefore never decide a comparison it could get wrong, and the exact work stays
//! proportional to the few decisions that need it.
//!
//! A certificate proves a decision only for the price it is given: it checks that every
//! supporter lies clearly on one side of `t` (pays everything, or pays `t·w`), and its error
//! bound on `t` assumes `t = (c − paid) / W_rich` for that split. Until November 2026 the water
//! filling that searches the split could return a stale `t`: when the walk over sorted keys moved
//! its last gathered supporter to "pays everything", it returned the price computed *before* that
//! move, too low, while the split it returned was the new one. Every supporter was then still
//! clearly on its side of that lower `t`, so the certificate passed and the project looked cheaper
//! than it was: its `ρ` was underestimated and it could be funded ahead of the project exact
//! arithmetic funds (Zurich S5R at the endowment 72,960: `1` with exact `ρ` 129.68 funded before
//! `11` at 123.32), or paid for too cheaply so that voters kept money for one project more
//! (Warszawa 2024 Wesoła). It needed more than four water-filling passes with every gathered
//! supporter ending poor, which the small generated elections of the property tests never
//! produced; real elections with many voters of very different budgets do. The price is now
//! computed from the split it is certified with, the search returns the price of its own split
//! (a property test of `water_fill`), and the four runs are tests (`tests/mes_regressions.rs`).
//!
//! The lazy re-evaluation trick keeps rounds cheap: `ρ(p)` only grows during a run, so projects
//! are examined in increasing order of their last known `ρ` and a round stops as soon as that
//! lower bound exceeds the best `ρ` found.
//!
//! Add1 loops run MES hundreds of times at endowments one unit apart, and two tricks keep them
//! cheap without changing a decision. Each engine remembers what its previous run proved (a
//! project out of reach with at most this money, a price at least this high) and, while a new
//! run at a higher endowment funds the same projects round after round, reuses it widened by the
//! voters' extra money, which is exactly `n · (b₀' − b₀)` in all (`FastMes::reuse_memo` has the
//! proof): projects proved out of reach are not priced again. And the loop's next endowments are
//! computed on other threads while the current one is (`runs`), since runs are independent and
//! only the stopping point depends on their order.

pub(crate) mod fast;
pub(crate) mod reference;
pub(crate) mod runs;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::ToPrimitive;

use super::profile::{Instance, Profile};
use super::rule::Increase;
use super::tie::TieOrder;
use runs::Runs;

/// At most this many MES runs in one tally.
///
/// The add1 completions run MES once per currency unit added to every voter's endowment, until
/// the outcome is exhaustive or the next one overspends. On the shared reference files that takes
/// at most about a thousand runs (Seattle 2019 District 5: 1,015). A hostile or odd file can need
/// billions: one voter alone supporting a project that costs almost the whole budget makes the
/// endowment grow one unit at a time until that voter alone can pay for it. Rather than appear to
/// hang, a tally stops after this many runs with [`OutcomeError::TooManyRuns`](super::OutcomeError::TooManyRuns).
pub const MAX_RUNS: u64 = 100_000;

/// By default a tally stops once its MES runs have done this much work (a supporter read while
/// pricing or paying for a project, a project sorted and scanned in a round, a verdict of the
/// previous run read: a few nanoseconds each), a few seconds at most. Warszawa 2026's add1 loops
/// (61,668 voters, 186 and 279 runs) do 85 and 96 million steps;
/// Budapest 2024's (in forints, 23,177 runs) more than this and need a higher
/// [`TallyOptions::max_work`](super::TallyOptions::max_work) or a larger increment. A hostile
/// file (a voter alone supporting a project far beyond their share, beside thousands of tied
/// projects) stops with a clear error within seconds instead of running for hours towards
/// [`MAX_RUNS`].
pub const MAX_WORK: u64 = 300_000_000;

/// The tally needed more than [`MAX_RUNS`] MES runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooManyRuns;

/// What an MES run needs that does not change between runs.
pub(crate) struct MesProblem<'a> {
    pub profile: &'a Profile,
    pub costs: &'a [i128],
    pub tie: &'a TieOrder,
    /// Projects with supporters (voters whose utility for them is positive) and a positive cost.
    pub candidates: Vec<u32>,
    /// Projects of cost 0 with supporters, funded before the first round (in tie order). Always
    /// empty under cost utilities, where a project of cost 0 has utility 0 for everyone.
    pub free: Vec<usize>,
    /// Money units the add1 completions add to every endowment per run (one currency unit
    /// unless the tally says otherwise: [`TallyOptions::increment`](super::TallyOptions)).
    pub increment: i128,
}

impl<'a> MesProblem<'a> {
    pub(crate) fn new(
        instance: &'a Instance,
        profile: &'a Profile,
        tie: &'a TieOrder,
    ) -> MesProblem<'a> {
        let mut candidates = Vec::new();
        let mut free = Vec::new();
        for p in 0..instance.costs.len() {
            // A voter's utility is λ(p)·w with w > 0; λ(p) is the cost under cost utilities, so
            // a project of cost 0 then has utility 0 for everyone: no supporter (pabutools keeps
            // as supporters only the voters with a positive `sat_project`).
            let utility_is_zero = profile.lambda_is_cost && instance.costs[p] == 0;
            if profile.support[p] == 0 || utility_is_zero {
                continue;
            }
            if instance.costs[p] > 0 {
                candidates.push(p as u32);
            } else {
                free.push(p);
            }
        }
        free.sort_by(|&a, &b| tie.cmp(a, b));
        MesProblem {
            profile,
            costs: &instance.costs,
            tie,
            candidates,
            free,
            increment: instance.unit,
        }
    }
}

/// The result of MES with or without a completion loop.
#[derive(Debug, Clone)]
pub(crate) struct MesOutcome {
    /// Funded projects in the order MES funded them.
    pub order: Vec<usize>,
    /// Endowment per voter of the first run, in money units (see [`Instance::money_scale`]).
    pub initial_endowment: BigRational,
    /// Endowment per voter of the returned run.
    pub final_endowment: BigRational,
    /// Currency units added per voter between the first and the returned run.
    pub increments: u64,
    /// Number of MES runs computed.
    pub runs: u64,
    /// Prices computed exactly because floating point could not certify a decision.
    pub exact_prices: u64,
    /// Work over all runs: supporters read while pricing, projects sorted and scanned.
    pub work: u64,
}

fn money(amount: i128) -> BigRational {
    BigRational::from_integer(BigInt::from(amount))
}

fn is_feasible(instance: &Instance, order: &[usize]) -> bool {
    instance.total_cost(order) <= instance.budget
}

/// No project of `pool` outside `order` would still fit the budget.
fn is_exhaustive(instance: &Instance, order: &[usize], pool: impl Iterator<Item = usize>) -> bool {
    let spent = instance.total_cost(order);
    let mut funded = vec![false; instance.costs.len()];
    for &p in order {
        funded[p] = true;
    }
    let mut pool = pool;
    !pool.any(|p| !funded[p] && spent + instance.costs[p] <= instance.budget)
}

fn outcome(
    runs: &Runs<'_>,
    order: Vec<usize>,
    initial: &BigRational,
    endowment: BigRational,
    increments: u64,
) -> MesOutcome {
    MesOutcome {
        order,
        initial_endowment: initial.clone(),
        final_endowment: endowment,
        increments,
        runs: runs.stats.runs,
        exact_prices: runs.stats.exact_prices,
        work: runs.stats.work(),
    }
}

/// Whose semantics an MES computation follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    /// pabutools' `method_of_equal_shares` and its completions.
    Pabutools,
    /// The equalshares.net compute tool.
    EqualSharesTool,
}

/// MES with `increase`, as `flavour` defines it. Without ballots MES funds nothing (pabutools
/// returns the empty allocation).
pub(crate) fn equal_shares(
    instance: &Instance,
    problem: &MesProblem<'_>,
    flavour: Flavour,
    increase: Increase,
    max_runs: u64,
    max_work: u64,
    threads: usize,
) -> Result<MesOutcome, TooManyRuns> {
    let mut runs = Runs::new(problem, threads);
    runs.run_cap = max_runs.min(MAX_RUNS);
    runs.work_cap = max_work;
    equal_shares_with(&mut runs, instance, problem, flavour, increase)
}

/// The first `cap` runs (at most [`MAX_RUNS`]) that [`equal_shares`] makes, in order: the
/// endowment (money units per voter) and the projects funded; and whether the loop was stopped
/// by the cap rather than at its own end. For the differential checks of [`inspect`](super::inspect).
pub(crate) fn logged_runs(
    instance: &Instance,
    problem: &MesProblem<'_>,
    flavour: Flavour,
    increase: Increase,
    cap: u64,
) -> (Vec<(BigRational, Vec<usize>)>, bool) {
    let mut runs = Runs::new(problem, 1);
    runs.run_cap = cap.min(MAX_RUNS);
    runs.log = Some(Vec::new());
    let capped = equal_shares_with(&mut runs, instance, problem, flavour, increase).is_err();
    (runs.log.take().unwrap_or_default(), capped)
}

fn equal_shares_with(
    runs: &mut Runs<'_>,
    instance: &Instance,
    problem: &MesProblem<'_>,
    flavour: Flavour,
    increase: Increase,
) -> Result<MesOutcome, TooManyRuns> {
    if instance.voters == 0 {
        let zero = BigRational::default();
        return Ok(outcome(runs, Vec::new(), &zero, zero.clone(), 0));
    }
    match flavour {
        Flavour::Pabutools => pabutools_mes(runs, instance, problem, increase),
        Flavour::EqualSharesTool => tool_mes(runs, instance, problem, increase),
    }
}

/// pabutools' `method_of_equal_shares` from the endowment budget/n, with its completions:
/// `voter_budget_increment=1` ([`Increase::UntilExhaustive`]) or
/// `exhaustion_by_budget_increase(exhaustive_stop=False, budget_step=n)`
/// ([`Increase::WhileNextFits`]).
fn pabutools_mes(
    runs: &mut Runs<'_>,
    instance: &Instance,
    problem: &MesProblem<'_>,
    increase: Increase,
) -> Result<MesOutcome, TooManyRuns> {
    let voters = instance.voters;
    let start = BigRational::new(BigInt::from(instance.budget), BigInt::from(voters));
    let step = money(problem.increment);
    let at = |k: u64| &start + &step * BigRational::from_integer(BigInt::from(k));
    match increase {
        Increase::None => {
            let order = runs.run(&start, std::iter::empty())?;
            Ok(outcome(runs, order, &start, start.clone(), 0))
        }
        Increase::UntilExhaustive => {
            // pabutools' previous outcome starts as the initial allocation (the free projects).
            let mut previous = problem.free.clone();
            let mut k: u64 = 0;
            loop {
                let order = runs.run(&at(k), (k + 1..).map(at))?;
                if !is_feasible(instance, &order) {
                    let back = k.saturating_sub(1);
                    return Ok(outcome(runs, previous, &start, at(back), back));
                }
                let pool = problem.candidates.iter().map(|&p| p as usize);
                if is_exhaustive(instance, &order, pool) {
                    return Ok(outcome(runs, order, &start, at(k), k));
                }
                previous = order;
                k += 1;
            }
        }
        Increase::WhileNextFits => {
            // The loop runs while budget + k·n·step ≤ budget·(n + 1), i.e. k ≤ ⌊budget / step⌋
            // (⌊budget⌋ in currency units when the step is one unit, as in pabutools).
            let last_k = u64::try_from(instance.budget / problem.increment).unwrap_or(u64::MAX);
            if all_fit(instance, problem) {
                // No run can overspend, so pabutools stops at its budget bound: the run at `last_k`.
                let order = runs.run(&at(last_k), std::iter::empty())?;
                return Ok(outcome(runs, order, &start, at(last_k), last_k));
            }
            let mut previous: Option<(Vec<usize>, u64)> = None;
            for k in 0..=last_k {
                let order = runs.run(&at(k), (k + 1..=last_k).map(at))?;
                if !is_feasible(instance, &order) {
                    break;
                }
                previous = Some((order, k));
            }
            let (order, k) = previous.unwrap_or((Vec::new(), 0));
            Ok(outcome(runs, order, &start, at(k), k))
        }
    }
}

/// Every project MES could fund fits the budget together, so no run can overspend.
fn all_fit(instance: &Instance, problem: &MesProblem<'_>) -> bool {
    problem
        .candidates
        .iter()
        .map(|&p| instance.costs[p as usize])
        .chain(problem.free.iter().map(|&p| instance.costs[p]))
        .sum::<i128>()
        <= instance.budget
}

/// The equalshares.net compute tool's MES on approval ballots (`equalShares()` in its worker):
/// when every project fits the budget, or without add1, one run at budget/n; otherwise add1 from
/// the whole-unit endowment ⌊budget/n⌋, stopping when the outcome is exhaustive over all projects
/// ([`Increase::UntilExhaustive`], the tool's default "exhaustive" option) or when the next run
/// would overspend, or once every supported project is funded (where the tool would never stop).
fn tool_mes(
    runs: &mut Runs<'_>,
    instance: &Instance,
    problem: &MesProblem<'_>,
    increase: Increase,
) -> Result<MesOutcome, TooManyRuns> {
    let voters = instance.voters;
    let everything_fits = instance.costs.iter().sum::<i128>() <= instance.budget;
    if increase == Increase::None || everything_fits {
        let start = BigRational::new(BigInt::from(instance.budget), BigInt::from(voters));
        let order = runs.run(&start, std::iter::empty())?;
        return Ok(outcome(runs, order, &start, start.clone(), 0));
    }
    let per_voter_steps = instance.budget / (problem.increment * i128::from(voters));
    let start = money(per_voter_steps * problem.increment);
    let unit = money(problem.increment);
    // The endowments the loop asks for after `endowment`, if it goes on.
    let after = |endowment: &BigRational| {
        let (mut next, unit) = (endowment.clone(), &unit);
        std::iter::from_fn(move || {
            next += unit;
            Some(next.clone())
        })
    };
    let mut endowment = start.clone();
    let mut order = runs.run(&endowment, after(&endowment))?;
    let mut k: u64 = 0;
    let supported = problem.candidates.len() + problem.free.len();
    loop {
        if increase == Increase::UntilExhaustive
            && is_exhaustive(instance, &order, 0..instance.costs.len())
        {
            break;
        }
        // Every supported project is funded: more money cannot fund more. (The tool itself would
        // loop for ever here when an unsupported project still fits the leftover.)
        if order.len() == supported {
            break;
        }
        let next_endowment = &endowment + &unit;
        let next = runs.run(&next_endowment, after(&next_endowment))?;
        if !is_feasible(instance, &next) {
            break;
        }
        endowment = next_endowment;
        order = next;
        k += 1;
    }
    Ok(outcome(runs, order, &start, endowment, k))
}

/// An endowment in money units as a float, for reports.
pub(crate) fn approx(value: &BigRational) -> f64 {
    value.to_f64().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::rule::Satisfaction;
    use crate::outcome::testing::small_election;
    use crate::outcome::tie::TieBreaking;
    use crate::pabulib::VoteType;
    use proptest::prelude::*;

    /// Vote type, budget, costs and ballots of `(project, points)`.
    type Small = (VoteType, i64, Vec<i64>, Vec<Vec<(usize, i64)>>);

    /// Small elections with small integer costs (0 one time in five) and few voters: exact ties,
    /// voters whose budget equals the price exactly and projects whose supporters have exactly
    /// their cost are common.
    fn elections() -> impl Strategy<Value = Small> {
        (
            1usize..6,
            prop_oneof![
                Just(VoteType::Approval),
                Just(VoteType::Cumulative),
                Just(VoteType::Scoring),
                Just(VoteType::Ordinal),
            ],
        )
            .prop_flat_map(|(projects, vote_type)| {
                let costs =
                    prop::collection::vec(prop_oneof![4 => 1i64..12, 1 => Just(0i64)], projects);
                // Zero points always, negative scores on scoring ballots.
                let low = if vote_type == VoteType::Scoring {
                    -2
                } else {
                    0
                };
                let ballot = prop::collection::vec((0..projects, low..4i64), 0..=projects);
                (
                    Just(vote_type),
                    1i64..40,
                    costs,
                    prop::collection::vec(ballot, 1..10),
                )
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        /// The production engine (floats certified by error bounds, exact fallbacks), the same
        /// engine forced to compute every price exactly, the literal exact transcription of
        /// pabutools and the exact engine that keeps each distinct budget once fund the same
        /// projects in the same order. Endowments sometimes carry a
        /// sliver of ±10⁻ᵏ so that budgets sit within rounding of the shares voters pay; after
        /// each run, every float budget is within its error bound of the exact budget and is
        /// An engine reused from one endowment to a higher one (as the add1 loops reuse it)
        /// skips the evaluations its previous run already answered; it still funds what exact
        /// arithmetic funds at every endowment, small steps and large, and budgets where money
        /// is exactly equal to costs included.
        #[test]
        fn an_engine_that_reuses_its_previous_run_funds_what_exact_arithmetic_funds(
            (vote_type, budget, costs, ballots) in elections(),
            steps in proptest::collection::vec((0i64..4, 1i64..4), 1..6),
        ) {
            let election = small_election(vote_type, budget, &costs, &ballots);
            let instance = Instance::new(&election).unwrap();
            let satisfaction = if vote_type == VoteType::Approval { Satisfaction::Cost } else { Satisfaction::Score };
            let profile = Profile::new(&election, &instance, satisfaction).unwrap();
            let tie = TieOrder::new(TieBreaking::ProjectId, &election, &instance.votes);
            let problem = MesProblem::new(&instance, &profile, &tie);
            let mut reused = fast::FastMes::new(&problem);
            let mut endowment = BigRational::new(BigInt::from(budget), BigInt::from(instance.voters as i64));
            for (numerator, denominator) in steps {
                endowment += BigRational::new(BigInt::from(numerator), BigInt::from(denominator));
                let exact = reference::run(&problem, &endowment, &mut 0);
                prop_assert_eq!(reused.run(&endowment), exact, "at {}", endowment);
                let violations = reused.budget_violations();
                prop_assert!(violations.is_empty(), "{:?}", violations);
            }
        }

        /// positive exactly when the exact one is.
        #[test]
        fn the_certified_engine_funds_what_exact_arithmetic_funds(
            (vote_type, budget, costs, ballots) in elections(),
            extra in 0i64..6,
            denominator in 1i64..4,
            sliver in prop_oneof![2 => Just(0i32), 1 => 14i32..40, 1 => -40i32..-14],
        ) {
            let election = small_election(vote_type, budget, &costs, &ballots);
            let instance = Instance::new(&election).unwrap();
            let satisfactions: &[Satisfaction] = if vote_type == VoteType::Approval {
                &[Satisfaction::Cost, Satisfaction::Cardinality]
            } else {
                &[Satisfaction::Cost, Satisfaction::Score, Satisfaction::ScoreTimesCost]
            };
            let mut endowment = BigRational::new(
                BigInt::from(budget * denominator + extra * instance.voters as i64),
                BigInt::from(instance.voters as i64 * denominator),
            );
            if sliver != 0 {
                let tiny = BigRational::new(BigInt::from(sliver.signum()), BigInt::from(10).pow(sliver.unsigned_abs()));
                endowment += tiny;
            }
            for &satisfaction in satisfactions {
                let profile = Profile::new(&election, &instance, satisfaction).unwrap();
                for mode in [TieBreaking::ProjectId, TieBreaking::CostThenVotes] {
                    let tie = TieOrder::new(mode, &election, &instance.votes);
                    let problem = MesProblem::new(&instance, &profile, &tie);
                    let exact = reference::run(&problem, &endowment, &mut 0);
                    prop_assert_eq!(&reference::literal(&problem, &endowment), &exact, "budget classes {:?} {:?}", satisfaction, mode);
                    for (mut engine, name) in [
                        (fast::FastMes::new(&problem), "certified"),
                        (fast::FastMes::new(&problem).always_exact(), "always exact"),
                    ] {
                        let fast = engine.run(&endowment);
                        prop_assert_eq!(&fast, &exact, "{} {:?} {:?}", name, satisfaction, mode);
                        let violations = engine.budget_violations();
                        prop_assert!(violations.is_empty(), "{} {:?}", name, violations);
                        // MES never spends more than the voters' money.
                        let spent = money(instance.total_cost(&fast));
                        let endowed = &endowment * BigRational::from_integer(BigInt::from(instance.voters));
                        prop_assert!(spent <= endowed);
                    }
                }
            }
        }

        /// pabutools' `exhaustion_by_budget_increase` without the exhaustive stop runs MES at
        /// budget/n + k for k = 0, 1, … up to its budget bound (k = ⌊budget⌋) and returns the
        /// last outcome that fits. Plaza runs it literally, except that when every project MES
        /// could fund fits the budget together it runs only the last k: both give the same
        /// outcome and endowment (the literal loop here uses the exact reference engine).
        #[test]
        fn the_budget_increase_loop_matches_its_literal_definition(
            (vote_type, budget, costs, ballots) in elections(),
        ) {
            let election = small_election(vote_type, budget, &costs, &ballots);
            let instance = Instance::new(&election).unwrap();
            let satisfaction = if vote_type == VoteType::Approval { Satisfaction::Cost } else { Satisfaction::Score };
            let profile = Profile::new(&election, &instance, satisfaction).unwrap();
            let tie = TieOrder::new(TieBreaking::ProjectId, &election, &instance.votes);
            let problem = MesProblem::new(&instance, &profile, &tie);
            let start = BigRational::new(BigInt::from(instance.budget), BigInt::from(instance.voters));
            let at = |k: u64| &start + money(instance.unit) * BigRational::from_integer(BigInt::from(k));
            let mut literal = (Vec::new(), BigRational::default());
            for k in 0..=(instance.budget / instance.unit) as u64 {
                let order = reference::run(&problem, &at(k), &mut 0);
                if !is_feasible(&instance, &order) {
                    break;
                }
                literal = (order, at(k));
            }
            let outcome = equal_shares(&instance, &problem, Flavour::Pabutools, Increase::WhileNextFits, MAX_RUNS, u64::MAX, 2).unwrap();
            prop_assert_eq!(outcome.order, literal.0, "all fit: {}", all_fit(&instance, &problem));
            prop_assert_eq!(outcome.final_endowment, literal.1);
        }

        #[test]
        fn completed_outcomes_fit_the_budget((vote_type, budget, costs, ballots) in elections()) {
            let election = small_election(vote_type, budget, &costs, &ballots);
            let instance = Instance::new(&election).unwrap();
            let profile = Profile::new(&election, &instance, Satisfaction::Cost).unwrap();
            let tie = TieOrder::new(TieBreaking::ProjectId, &election, &instance.votes);
            let problem = MesProblem::new(&instance, &profile, &tie);
            for increase in [Increase::None, Increase::UntilExhaustive, Increase::WhileNextFits] {
                let outcome = equal_shares(&instance, &problem, Flavour::Pabutools, increase, MAX_RUNS, u64::MAX, 1).unwrap();
                prop_assert!(is_feasible(&instance, &outcome.order), "{:?}", increase);
                if vote_type == VoteType::Approval {
                    let outcome = equal_shares(&instance, &problem, Flavour::EqualSharesTool, increase, MAX_RUNS, u64::MAX, 1).unwrap();
                    prop_assert!(is_feasible(&instance, &outcome.order), "tool {:?}", increase);
                }
            }
        }
    }

    /// pabutools' MES supports a project with the voters whose *utility* for it is positive. With
    /// cost utilities (`Cost_Sat`: cost × approval) a project of cost 0 has utility 0 for
    /// everyone, so it has no supporters and MES never funds it (neither at the start nor in a
    /// round); the equalshares.net tool likewise only considers projects with `cost > 0`. With
    /// cardinality or points utilities it keeps its supporters and is funded before the first
    /// round.
    #[test]
    fn a_project_of_cost_zero_is_funded_only_where_its_utility_is_positive() {
        // Budget 10; project 0 costs 0, project 1 costs 10; one voter lists both (2 points each).
        let listed_both = vec![vec![(0, 2), (1, 2)]];
        let cases = [
            (VoteType::Approval, Satisfaction::Cost, vec![1]),
            (VoteType::Approval, Satisfaction::Cardinality, vec![0, 1]),
            (VoteType::Cumulative, Satisfaction::Cost, vec![1]),
            (VoteType::Cumulative, Satisfaction::Score, vec![0, 1]),
            (VoteType::Cumulative, Satisfaction::ScoreTimesCost, vec![1]),
            (VoteType::Ordinal, Satisfaction::Score, vec![0, 1]),
        ];
        for (vote_type, satisfaction, expected) in cases {
            let election = small_election(vote_type, 10, &[0, 10], &listed_both);
            let instance = Instance::new(&election).unwrap();
            let profile = Profile::new(&election, &instance, satisfaction).unwrap();
            let tie = TieOrder::new(TieBreaking::ProjectId, &election, &instance.votes);
            let problem = MesProblem::new(&instance, &profile, &tie);
            for increase in [
                Increase::None,
                Increase::UntilExhaustive,
                Increase::WhileNextFits,
            ] {
                let outcome = equal_shares(
                    &instance,
                    &problem,
                    Flavour::Pabutools,
                    increase,
                    MAX_RUNS,
                    u64::MAX,
                    1,
                );
                assert_eq!(
                    outcome.map(|o| o.order),
                    Ok(expected.clone()),
                    "{vote_type:?} {satisfaction:?} {increase:?}"
                );
            }
            if vote_type == VoteType::Approval && satisfaction == Satisfaction::Cost {
                for increase in [
                    Increase::None,
                    Increase::UntilExhaustive,
                    Increase::WhileNextFits,
                ] {
                    let tool = equal_shares(
                        &instance,
                        &problem,
                        Flavour::EqualSharesTool,
                        increase,
                        MAX_RUNS,
                        u64::MAX,
                        1,
                    );
                    assert_eq!(tool.map(|o| o.order), Ok(vec![1]), "tool {increase:?}");
                }
            }
        }
    }

    /// Points of 2^53 and more: the loops run the exact reference, which funds what the fast
    /// engine's own exact path funds, run for run.
    #[test]
    fn points_beyond_what_floats_hold_are_computed_exactly_and_alike() {
        let big = 1i64 << 53;
        let ballots = vec![
            vec![(0, big + 5), (1, big), (2, 3)],
            vec![(1, big + 1), (3, big * 2)],
            vec![(0, big), (2, big + 7), (3, 1)],
            vec![(2, big), (4, big + 3)],
            vec![(4, big), (0, 2)],
        ];
        let election = small_election(VoteType::Cumulative, 40, &[12, 9, 15, 7, 11], &ballots);
        let instance = Instance::new(&election).unwrap();
        let profile = Profile::new(&election, &instance, Satisfaction::Score).unwrap();
        let tie = TieOrder::new(TieBreaking::ProjectId, &election, &instance.votes);
        let problem = MesProblem::new(&instance, &profile, &tie);
        assert!(!fast::FastMes::new(&problem).floats_hold_weights());
        let (logged, capped) = logged_runs(
            &instance,
            &problem,
            Flavour::Pabutools,
            Increase::WhileNextFits,
            MAX_RUNS,
        );
        assert!(!capped && logged.len() > 1);
        let mut by_history = fast::FastMes::new(&problem).always_exact();
        for (endowment, order) in logged {
            assert_eq!(by_history.run(&endowment), order, "at {endowment}");
        }
    }

    #[test]
    fn an_exact_tie_is_broken_by_the_tie_order_not_by_rounding() {
        // Projects 0 and 1 cost the same and have the same supporters' money: an exact tie.
        let ballots = vec![
            vec![(0, 1), (1, 1)],
            vec![(0, 1), (1, 1)],
            vec![(0, 1), (1, 1)],
        ];
        let election = small_election(VoteType::Approval, 3, &[1, 1], &ballots);
        let instance = Instance::new(&election).unwrap();
        let profile = Profile::new(&election, &instance, Satisfaction::Cost).unwrap();
        let by_id = TieOrder::new(TieBreaking::ProjectId, &election, &instance.votes);
        let problem = MesProblem::new(&instance, &profile, &by_id);
        let endowment = BigRational::new(BigInt::from(1), BigInt::from(3));
        // Each voter has 1/3 and both projects cost 1: exactly one of them can be funded.
        assert_eq!(fast::FastMes::new(&problem).run(&endowment), vec![0]);
    }
}
