//! Outcome rules: which projects a participatory budget funds, given the ballots.
//!
//! Plaza computes the winners itself (DESIGN §2.5) and anyone must be able to re-compute them from
//! the published Pabulib file with the reference library pabutools (DESIGN §6). This module
//! implements the greedy rules and the Method of Equal Shares (MES) exactly as pabutools, the
//! Pabulib checker and the equalshares.net compute tool define them (see
//! `reference/pabulib-and-outcome-rules.md`), and [`tally`] reports an outcome in a form the CLI
//! prints (`plaza pb tally FILE.pb --rule RULE [--json]`).
//!
//! Results are exact: money is integer, greedy compares fractions of integers, and MES takes a
//! float decision only when a rigorous error bound proves it equal to the exact one, recomputing
//! with big rationals otherwise (see [`mes`] for why and how). They equal pabutools' exact-rational
//! results, ties included.
//!
//! # Rules
//!
//! | name (`--rule`) | ballots | what it computes | default ties |
//! |---|---|---|---|
//! | `greedy` | all | city rule: projects by score (votes; points for cumulative/scoring; `L − position` for ordinal), each funded if it still fits | file order |
//! | `greedy-threshold` | all | `greedy` over projects whose score ≥ META `min_project_score_threshold` | file order |
//! | `greedy-no-skip` | all | `greedy` that stops at the first project not fitting; withdrawn projects (cost 999999999) passed over; META threshold applied when present | file order |
//! | `greedy_cost_sat` (= `greedy_votes_cost_sat`) | all | pabutools greedy, `Cost_Sat`: by votes, skip what does not fit, unsupported projects last | project id |
//! | `greedy_cardinality_sat` | all | pabutools greedy, `Cardinality_Sat`: by votes per unit of cost | project id |
//! | `greedy_score` | points, ordinal | pabutools greedy by total score (points × cost utilities) | project id |
//! | `greedy_points_per_cost` (= `greedy_score_per_cost`) | points, ordinal | pabutools greedy by total score per unit of cost | project id |
//! | `mes_cost_sat`, `mes_cardinality_sat` | all | MES with cost (equal split of costs) or cardinality utilities, endowment budget/n | project id |
//! | `mes_points` (= `mes_score`) | points, ordinal | MES with the points (cumulative, scoring) or `L − position` (ordinal) as utilities | project id |
//! | `mes_<u>_add1` | as `mes_<u>` | pabutools `voter_budget_increment=1`: +1 currency unit per voter until the outcome is exhaustive (over supported projects), or the previous outcome if one overspends | project id |
//! | `mes_<u>_budget_increase_no_exhaustive_stop` | as `mes_<u>` | +1 per voter as long as the next outcome fits the budget; the last that fits | project id |
//! | `…_then_greedy` (after any `mes_<u>…`) | as `mes_<u>` | then the leftover filled greedily (by votes for `cost_sat`, by total score for points/score, by votes per cost for `cardinality_sat`) | project id |
//! | `esnet_add1` | approval | equalshares.net tool, add1 with its default options: start ⌊budget/n⌋, stop when exhaustive over all projects or when the next outcome overspends | cost then votes |
//! | `esnet_add1_no_exhaustive_stop` | approval | the same without the exhaustiveness stop: the Pabulib checker's `equalshares/add1`, which reproduces the published outcomes | cost then votes |
//! | `esnet_add1u`, `esnet_add1u_no_exhaustive_stop` | approval | then the tool's utilitarian completion (by votes, ties in the tool's project order) | cost then votes |
//! | `esnet`, `esnet_utilitarian` | approval | the tool without add1: one run with budget/n (then the completion) | cost then votes |
//! | `…_comparison` (after any `esnet…`) | approval | then the comparison step: the greedy-by-votes outcome wins if more voters approve more of its projects than of the MES outcome's | cost then votes |
//!
//! `<u>` is `cost_sat`, `cardinality_sat`, `points` or `score`. "points" means cumulative and
//! scoring ballots; a rule reading points or positions refuses approval ballots, and the `esnet`
//! rules refuse anything but approval and choose-1 ([`OutcomeError::NotApplicable`]).
//!
//! The add1 loops run MES once per currency unit added to each voter's endowment (another
//! increment with [`tally_with`] and [`TallyOptions::increment`]: a budget in cents adds one euro,
//! 100 cents, per run); a tally stops with [`OutcomeError::TooManyRuns`] after
//! [`TallyOptions::max_runs`] runs (at most [`mes::MAX_RUNS`], 100,000). Most shared elections
//! need a few hundred runs, Seattle 2019 District 5 1,015; Budapest's, in forints, 23,177 to
//! 27,765 (2024), and more than 100,000 for Budapest 2022 VIII.
//!
//! Many projects tied exactly (one voter approving thousands of projects of one cost) are not
//! priced every round: a project whose all-rich `ρ` (its least possible, exact) already loses to
//! the `ρ` of an evaluated project, or ties with it and comes later in the tie order, is passed
//! over at the cost of one integer comparison.
//!
//! # Aliases
//!
//! | alias | stands for |
//! |---|---|
//! | `meta` | the file's META `rule` (with its META `tie_breaking` when present and no other is given): `greedy`, `greedy-threshold`, `greedy-no-skip` as above; `equal-shares` as below (Plaza's exports); `equalshares` → `esnet`, `equalshares-comparison` → `esnet_comparison`, `equalshares/add1` → `esnet_add1_no_exhaustive_stop`, `equalshares/add1-comparison` → `esnet_add1_no_exhaustive_stop_comparison` (the variants that reproduce Wieliczka 2023 and Assen 2024) |
//! | `equalshares…` | the same META values, given directly |
//! | `mes` | `mes_cost_sat` for approval and choose-1, `mes_points` for cumulative and scoring, `mes_score` for ordinal (cost utilities for approval ballots, score utilities otherwise, as DESIGN §2.5) |
//! | `mes-add1` | `mes` with pabutools' add1 (`mes_<u>_add1`) |
//! | `equal-shares` | DESIGN §2.5's `equal_shares`: `mes` raised +1 per voter while the outcome still fits, then greedy fill (`mes_<u>_budget_increase_no_exhaustive_stop_then_greedy`) |
//!
//! Names are case-insensitive and `-`/`_` are interchangeable.
//!
//! # Tie-breaking
//! [`TieBreaking::ProjectId`] (pabutools: smaller id as a code-point string), [`TieBreaking::FileOrder`]
//! (cities and the checker) and [`TieBreaking::CostThenVotes`] (equalshares.net and the checker's
//! Equal Shares: lower cost, then more votes, then smaller id). Each rule defaults to the order
//! of its reference implementation ([`OutcomeRule::default_tie_breaking`]); DESIGN §2.5's "ties by
//! lower cost then id" for `greedy` is `greedy` with `cost-then-votes`. The `esnet` rules' greedy
//! steps always keep the tool's own project order (JavaScript object-key order) on equal votes.

mod error;
pub mod explain;
mod greedy;
#[doc(hidden)]
pub mod inspect;
pub mod mes;
mod profile;
mod rule;
#[cfg(test)]
mod testing;
mod tie;

pub use error::OutcomeError;
pub use rule::{CityRule, Comparison, Fill, Increase, OutcomeRule, Satisfaction};
pub use tie::{TieBreaking, UnknownTieBreaking};

use num_bigint::BigInt;
use num_rational::BigRational;
use serde::Serialize;

use crate::pabulib::{Decimal, Election, VoteType};
use profile::{Instance, InstanceError, Profile, Totals};
use tie::TieOrder;

/// The outcome of one rule on one election, ready to print or to serialize as JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// The canonical name of the rule computed (after resolving `meta` and aliases).
    pub rule: String,
    /// What the rule does, in one sentence.
    pub description: String,
    /// The tie-breaking used (the rule's default unless overridden).
    pub tie_breaking: TieBreaking,
    /// The file's META `vote_type`.
    pub vote_type: VoteType,
    /// Number of voters (rows of VOTES).
    pub voters: u64,
    /// The budget, exact as written in the file.
    pub budget: Decimal,
    /// Funded project ids in the order the rule funded them.
    pub selection_order: Vec<String>,
    /// Funded project ids sorted by id (code points), as in the reference files.
    pub selected: Vec<String>,
    /// Cost of the funded projects, exact.
    pub total_cost: Decimal,
    /// `total_cost / budget` in percent (for display; `total_cost` is the exact figure).
    pub budget_used_percent: f64,
    /// Every project, in file order.
    pub projects: Vec<ProjectTally>,
    /// For MES rules: the endowments and the add1 loop.
    pub mes: Option<MesReport>,
    /// For `…_comparison` rules: the comparison step.
    pub comparison: Option<ComparisonReport>,
}

/// One project's line in a tally.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjectTally {
    /// The `project_id`.
    pub id: String,
    /// The PROJECTS `name` cell, if any.
    pub name: Option<String>,
    /// The cost, exact as written in the file.
    pub cost: Decimal,
    /// Voters listing the project.
    pub votes: u64,
    /// Its Pabulib score: votes (approval), total points (cumulative; scoring, where a ballot
    /// not listing the project gives it META `default_score`), total `L − position` (ordinal).
    pub score: Decimal,
    /// Whether the rule funds it.
    pub selected: bool,
    /// 1 for the first project funded, 2 for the second…
    pub position: Option<usize>,
    /// For the city greedy rules: the project's turn, which explains its result (funded if its
    /// cost was at most the money left then). `None` for other rules, and for a project a city
    /// rule passed over (below the threshold, withdrawn) or never reached.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub turn: Option<GreedyTurn>,
}

/// A project's turn in a city greedy rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GreedyTurn {
    /// Its place in the rule's order (by score, then the tie-breaking), from 1.
    pub rank: usize,
    /// The money left when its turn came, exact.
    pub money_left: Decimal,
}

/// How MES got to its outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MesReport {
    /// Endowment per voter of the first run.
    pub initial_endowment: Endowment,
    /// Endowment per voter of the run whose outcome is reported.
    pub final_endowment: Endowment,
    /// Currency units added per voter between the two.
    pub increments: u64,
    /// MES runs computed.
    pub runs: u64,
    /// Project prices computed exactly with big rationals: to break an exact or near tie, or
    /// where floating point could not certify a decision.
    pub exact_prices: u64,
    /// The work of all runs, in steps of a few nanoseconds each: a supporter read while pricing
    /// or paying for a project, a project sorted and scanned in a round, a verdict of the
    /// previous run read (what [`TallyOptions::max_work`] bounds).
    pub work: u64,
    /// The final endowment in money units, exact: what an explanation of the tally replays
    /// ([`explain::equal_shares_of`]) without running the add1 loop again.
    #[serde(skip)]
    pub(crate) final_money: BigRational,
}

/// An amount of money per voter: exact (`"42703/21"` or `"2033"`, currency units) and approximate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Endowment {
    /// The exact amount as a reduced fraction or an integer.
    pub exact: String,
    /// The nearest float, for display.
    pub approx: f64,
}

/// The equalshares.net comparison step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComparisonReport {
    /// Voters approving more projects of the MES outcome than of the greedy one.
    pub prefer_equal_shares: u64,
    /// Voters approving more projects of the greedy outcome.
    pub prefer_greedy: u64,
    /// Whether the greedy outcome replaced the MES outcome.
    pub greedy_chosen: bool,
    /// The greedy-by-votes outcome compared with, in selection order.
    pub greedy_outcome: Vec<String>,
}

/// What a tally may change beyond the rule and its tie-breaking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyOptions {
    /// What each run of an add1 completion adds to every voter's endowment, in the election's
    /// currency (default 1: one currency unit, as pabutools and the equalshares.net tool add).
    /// An election whose amounts are written in cents (as Plaza stores money) passes 100 to add
    /// one euro per voter, which needs a hundredth of the runs; the equalshares.net tool's start
    /// ⌊budget/n⌋ is then rounded down to a multiple of it. It must be a whole number of the
    /// election's smallest unit of money.
    pub increment: Decimal,
    /// At most this many MES runs in one tally (default [`mes::MAX_RUNS`]; a higher value is
    /// capped to it): past it the tally stops with [`OutcomeError::TooManyRuns`].
    pub max_runs: u64,
    /// At most this much work in one tally's MES runs ([`MesReport::work`]; default
    /// [`mes::MAX_WORK`]), past which it stops with [`OutcomeError::TooManyRuns`] too: the
    /// bound on time that holds whatever the size of each run.
    pub max_work: u64,
    /// Threads an add1 completion computes its MES runs on (default 1): with more, the runs at
    /// the next endowments are computed while the current one is, and found ready when the loop
    /// asks for them. The outcome and the number of runs are the same for any number; the work
    /// counted is not (fewer evaluations are skipped on more threads: see `mes::runs`), so a
    /// tally near [`TallyOptions::max_work`] may be refused on some numbers of threads only.
    pub threads: usize,
}

impl Default for TallyOptions {
    fn default() -> TallyOptions {
        TallyOptions {
            increment: Decimal::from_integer(1),
            max_runs: mes::MAX_RUNS,
            max_work: mes::MAX_WORK,
            threads: 1,
        }
    }
}

/// Computes `rule` on `election`; `tie_breaking` overrides the rule's default order.
///
/// ```
/// use plaza_domain::{outcome, pabulib};
/// let text = "META\nkey;value\nbudget;100\nvote_type;approval\nrule;greedy\nPROJECTS\n\
///             project_id;cost\na;60\nb;50\nc;40\nVOTES\nvoter_id;vote\n1;a,b\n2;a\n3;b,c\n";
/// let election = pabulib::parse(text).unwrap().election;
/// let tally = outcome::tally(&election, &"meta".parse().unwrap(), None).unwrap();
/// assert_eq!(tally.rule, "greedy");
/// assert_eq!(tally.selection_order, ["a", "c"]); // a: 2 votes; b does not fit; c fits
/// assert_eq!(tally.total_cost.to_string(), "100");
/// ```
pub fn tally(
    election: &Election,
    rule: &OutcomeRule,
    tie_breaking: Option<TieBreaking>,
) -> Result<Tally, OutcomeError> {
    tally_with(election, rule, tie_breaking, &TallyOptions::default())
}

/// [`tally`] with other [`TallyOptions`].
pub fn tally_with(
    election: &Election,
    rule: &OutcomeRule,
    tie_breaking: Option<TieBreaking>,
    options: &TallyOptions,
) -> Result<Tally, OutcomeError> {
    let prepared = prepare(election, rule, tie_breaking)?;
    let increment = prepared.increment(&options.increment)?;
    let max_runs = options.max_runs.min(mes::MAX_RUNS);
    let too_many_runs = |name: &str| OutcomeError::TooManyRuns {
        rule: name.to_string(),
        cap: max_runs,
    };
    let Prepared {
        rule,
        name,
        instance,
        mode,
        tie,
    } = &prepared;
    let (rule, mode) = (*rule, *mode);
    let too_large = |_| prepared.too_large();
    // MES with the tally's increment and limits, as `flavour` defines it.
    let run_mes = |satisfaction, flavour, increase| {
        let profile = prepared.mes_profile(election, satisfaction)?;
        let mut problem = mes::MesProblem::new(instance, &profile, tie);
        problem.increment = increment;
        mes::equal_shares(
            instance,
            &problem,
            flavour,
            increase,
            max_runs,
            options.max_work,
            options.threads,
        )
        .map_err(|_| too_many_runs(name))
    };
    let mut mes_report = None;
    let mut comparison = None;
    let mut city_turns = None;
    let order = match rule {
        OutcomeRule::Greedy { satisfaction } => {
            let totals = Totals::new(election, instance, satisfaction).map_err(too_large)?;
            greedy::utilitarian(instance, &totals, tie, &[])
        }
        OutcomeRule::City(city) => {
            let threshold = city_threshold(election, city, name)?;
            let turns = greedy::city_turns(instance, city, threshold, tie);
            let order = turns
                .iter()
                .filter(|t| t.funded)
                .map(|t| t.project)
                .collect();
            city_turns = Some(turns);
            order
        }
        OutcomeRule::Mes {
            satisfaction,
            increase,
            fill,
        } => {
            let outcome = run_mes(satisfaction, mes::Flavour::Pabutools, increase)?;
            mes_report = Some(report(instance, &outcome));
            match fill {
                Fill::None => outcome.order,
                Fill::Greedy => {
                    let by = match satisfaction {
                        Satisfaction::Score => Satisfaction::ScoreTimesCost,
                        other => other,
                    };
                    let totals = Totals::new(election, instance, by).map_err(too_large)?;
                    greedy::utilitarian(instance, &totals, tie, &outcome.order)
                }
            }
        }
        OutcomeRule::EqualShares {
            increase,
            fill,
            comparison: step,
        } => {
            let outcome = run_mes(Satisfaction::Cost, mes::Flavour::EqualSharesTool, increase)?;
            mes_report = Some(report(instance, &outcome));
            let keys = TieOrder::javascript_keys(election);
            let mut order = match fill {
                Fill::None => outcome.order,
                Fill::Greedy => greedy::by_votes(instance, &keys, &outcome.order),
            };
            if step == Comparison::Satisfaction {
                let greedy_order = greedy::by_votes(instance, &keys, &[]);
                let preferences = greedy::compare(election, &order, &greedy_order);
                let greedy_chosen = preferences.prefer_second > preferences.prefer_first;
                comparison = Some(ComparisonReport {
                    prefer_equal_shares: preferences.prefer_first,
                    prefer_greedy: preferences.prefer_second,
                    greedy_chosen,
                    greedy_outcome: ids(election, &greedy_order),
                });
                if greedy_chosen {
                    order = greedy_order;
                }
            }
            order
        }
        // `resolve` never returns `Meta`; refuse rather than loop.
        OutcomeRule::Meta => return Err(OutcomeError::NoMetaRule),
    };
    let computed = Computed {
        order,
        mes: mes_report,
        comparison,
        turns: city_turns,
    };
    build_tally(election, instance, &rule, name.clone(), mode, computed)
}

/// A rule resolved against an election, with what every rule starts from.
struct Prepared {
    /// The rule, `meta` and aliases resolved.
    rule: OutcomeRule,
    /// Its canonical name for this election's vote type.
    name: String,
    instance: Instance,
    /// The tie-breaking in force (the rule's default unless overridden).
    mode: TieBreaking,
    tie: TieOrder,
}

fn prepare(
    election: &Election,
    rule: &OutcomeRule,
    tie_breaking: Option<TieBreaking>,
) -> Result<Prepared, OutcomeError> {
    let from_meta = *rule == OutcomeRule::Meta;
    let rule = rule.resolve(election)?;
    check_ballots(election)?;
    let name = rule.name(election.vote_type);
    // A file's own rule comes with its own tie-breaking when META names one (`tie_breaking`,
    // as Plaza's exports do); a tie-breaking given to the tally still wins.
    let meta_tie = match election.meta.get("tie_breaking") {
        Some(value) if from_meta => {
            Some(
                value
                    .parse::<TieBreaking>()
                    .map_err(|_| OutcomeError::BadMetaValue {
                        rule: name.clone(),
                        key: "tie_breaking",
                        value: value.to_string(),
                    })?,
            )
        }
        _ => None,
    };
    let tie_breaking = tie_breaking.or(meta_tie);
    let instance = Instance::new(election).map_err(|error| match error {
        InstanceError::TooLarge => OutcomeError::NumberTooLarge { rule: name.clone() },
        InstanceError::BadDefaultScore(_) => OutcomeError::BadMetaValue {
            rule: name.clone(),
            key: "default_score",
            value: election.meta.get("default_score").unwrap_or("").to_string(),
        },
    })?;
    let mode = tie_breaking.unwrap_or(rule.default_tie_breaking());
    let tie = TieOrder::new(mode, election, &instance.votes);
    Ok(Prepared {
        rule,
        name,
        instance,
        mode,
        tie,
    })
}

impl Prepared {
    /// `increment` (currency units) in money units: a positive whole number of them.
    fn increment(&self, increment: &Decimal) -> Result<i128, OutcomeError> {
        let units = increment.units_at_scale(self.instance.money_scale);
        match units {
            Some(units) if units > 0 => Ok(units),
            _ => Err(OutcomeError::BadIncrement {
                rule: self.name.clone(),
                increment: increment.to_string(),
                unit: self
                    .instance
                    .money(1)
                    .map_or_else(|_| "?".to_string(), |d| d.to_string()),
            }),
        }
    }

    fn too_large(&self) -> OutcomeError {
        OutcomeError::NumberTooLarge {
            rule: self.name.clone(),
        }
    }

    /// The grouped ballots MES runs on; MES computes money in floats, so amounts of 2^52 units
    /// or more are refused.
    fn mes_profile(
        &self,
        election: &Election,
        satisfaction: Satisfaction,
    ) -> Result<Profile, OutcomeError> {
        if !self.instance.money_fits_floats() {
            return Err(self.too_large());
        }
        Profile::new(election, &self.instance, satisfaction).map_err(|_| self.too_large())
    }
}

/// [`parse`](crate::pabulib::parse) never produces it, but an election built in code could list
/// a project that does not exist.
fn check_ballots(election: &Election) -> Result<(), OutcomeError> {
    let projects = election.projects.len();
    for voter in &election.voters {
        if let Some(project) = voter.ballot.projects().find(|&p| p >= projects) {
            return Err(OutcomeError::BallotOutOfRange {
                voter: voter.id.clone(),
                project,
                projects,
            });
        }
    }
    Ok(())
}

fn city_threshold(
    election: &Election,
    city: CityRule,
    name: &str,
) -> Result<Option<Decimal>, OutcomeError> {
    const KEY: &str = "min_project_score_threshold";
    let value = match city {
        CityRule::Greedy => return Ok(None),
        CityRule::Threshold => {
            Some(
                election
                    .meta
                    .get(KEY)
                    .ok_or_else(|| OutcomeError::MissingMetaKey {
                        rule: name.to_string(),
                        key: KEY,
                    })?,
            )
        }
        CityRule::NoSkip => election.meta.get(KEY),
    };
    value
        .map(|text| {
            Decimal::parse(text).map_err(|_| OutcomeError::BadMetaValue {
                rule: name.to_string(),
                key: KEY,
                value: text.to_string(),
            })
        })
        .transpose()
}

fn ids(election: &Election, order: &[usize]) -> Vec<String> {
    order
        .iter()
        .map(|&p| election.projects[p].id.clone())
        .collect()
}

fn endowment(instance: &Instance, money: &BigRational) -> Endowment {
    let per_voter = money / BigRational::from_integer(BigInt::from(instance.unit));
    Endowment {
        exact: per_voter.to_string(),
        approx: mes::approx(&per_voter),
    }
}

fn report(instance: &Instance, outcome: &mes::MesOutcome) -> MesReport {
    MesReport {
        initial_endowment: endowment(instance, &outcome.initial_endowment),
        final_endowment: endowment(instance, &outcome.final_endowment),
        increments: outcome.increments,
        runs: outcome.runs,
        exact_prices: outcome.exact_prices,
        work: outcome.work,
        final_money: outcome.final_endowment.clone(),
    }
}

/// What a rule computed, before it is reported.
#[derive(Debug)]
struct Computed {
    /// Funded projects in selection order.
    order: Vec<usize>,
    mes: Option<MesReport>,
    comparison: Option<ComparisonReport>,
    /// For the city greedy rules: each project's turn.
    turns: Option<Vec<greedy::Turn>>,
}

fn build_tally(
    election: &Election,
    instance: &Instance,
    rule: &OutcomeRule,
    name: String,
    tie_breaking: TieBreaking,
    computed: Computed,
) -> Result<Tally, OutcomeError> {
    let Computed {
        order,
        mes,
        comparison,
        turns,
    } = computed;
    let mut turn_of = vec![None; election.projects.len()];
    for turn in turns.iter().flatten() {
        let money_left = instance
            .money(turn.remaining)
            .map_err(|_| OutcomeError::NumberTooLarge { rule: name.clone() })?;
        turn_of[turn.project] = Some(GreedyTurn {
            rank: turn.rank,
            money_left,
        });
    }
    let mut position = vec![None; election.projects.len()];
    for (rank, &p) in order.iter().enumerate() {
        position[p] = Some(rank + 1);
    }
    let total = instance.total_cost(&order);
    let selection_order = ids(election, &order);
    let mut selected = selection_order.clone();
    selected.sort();
    let projects = election
        .projects
        .iter()
        .enumerate()
        .map(|(p, project)| ProjectTally {
            id: project.id.clone(),
            name: election.project_cell(p, "name").map(str::to_string),
            cost: project.cost,
            votes: instance.votes[p],
            score: instance.scores[p],
            selected: position[p].is_some(),
            position: position[p],
            turn: turn_of[p].clone(),
        })
        .collect();
    let total_cost = instance
        .money(total)
        .map_err(|_| OutcomeError::NumberTooLarge { rule: name.clone() })?;
    let budget_used_percent = if instance.budget > 0 {
        100.0 * total as f64 / instance.budget as f64
    } else {
        0.0
    };
    Ok(Tally {
        rule: name,
        description: rule.describe().to_string(),
        tie_breaking,
        vote_type: election.vote_type,
        voters: instance.voters,
        budget: election.budget,
        selection_order,
        selected,
        total_cost,
        budget_used_percent,
        projects,
        mes,
        comparison,
    })
}
