//! A window into the Method of Equal Shares engine that [`tally`](super::tally) uses, for tests:
//! who paid what in each round of the run whose outcome a tally reports.
//!
//! Not part of the supported API (hidden from the documentation). The property tests in
//! `tests/outcome_properties.rs` use it to check, with exact rationals, that the production
//! engine (floats certified by error bounds, exact fallbacks) charges voters as MES must: the
//! payments for a funded project add up to its cost, nobody pays more than they have, and a voter
//! who keeps money pays exactly `ρ · u`, one who pays everything less than that.
//!
//! [`endowment_sweep`] lists every endowment the add1 loops of a rule pass through, with what
//! the production engine funds at each, and computes at any of them what the literal exact
//! transcription of pabutools' MES funds: the differential check of `tests/mes_differential.rs`
//! and of the sweep script `scripts/mes-sweep`.
//!
//! The payments are derived from the engine's own decisions (its exact price per round and the
//! groups it found unable to pay a full share), applied in exact arithmetic; nothing is
//! recomputed independently here, so an engine that decided wrongly shows up as a broken
//! property.

use num_bigint::BigInt;
use num_rational::BigRational;

use std::collections::BTreeMap;

use super::mes::{self, MesProblem, fast::FastMes};
use super::profile::Profile;
use super::rule::{Increase, OutcomeRule, Satisfaction};
use super::tie::TieBreaking;
use super::{MesReport, OutcomeError, Prepared, prepare};
use crate::pabulib::{Election, VoteType};

/// The run of MES whose outcome [`tally`](super::tally) reports (the last endowment of an add1
/// loop), round by round. Money is in currency units.
#[derive(Debug, Clone)]
pub struct MesRun {
    /// Each voter's endowment in this run.
    pub endowment: BigRational,
    /// Voters per group of identical ballots; payments name groups by their index here.
    pub group_sizes: Vec<u64>,
    /// Projects of cost 0 funded before the first round, in order.
    pub free: Vec<usize>,
    /// The rounds, in order: one project funded in each.
    pub rounds: Vec<MesRound>,
    /// The groups supporting each project (by project index).
    pub supporters: Vec<Vec<u32>>,
}

/// One round: the project funded and what each of its supporters paid.
#[derive(Debug, Clone)]
pub struct MesRound {
    /// The project funded (an index into the election's projects).
    pub project: usize,
    /// Its cost.
    pub cost: BigRational,
    /// The project's `ρ`: a supporter who can afford it pays `ρ · u`, `u` their utility.
    pub rho: BigRational,
    /// What a supporter who can afford it pays per unit of their ballot's weight for it: per
    /// approval under cost and cardinality utilities, per point under points utilities.
    pub price: BigRational,
    /// One entry per supporting group (voters whose utility for the project is positive).
    pub payments: Vec<Payment>,
}

/// What each voter of one group paid in one round.
#[derive(Debug, Clone)]
pub struct Payment {
    /// The group (an index into [`MesRun::group_sizes`]).
    pub group: usize,
    /// Each voter's utility for the project: its cost (cost utilities), 1 (cardinality), the
    /// points or the Pabulib ordinal score, times the cost for score-times-cost utilities.
    pub utility: BigRational,
    /// What each voter of the group paid.
    pub amount: BigRational,
    /// Whether the engine found the group unable to pay `ρ · u` in full, so that it paid
    /// everything it had left.
    pub paid_everything: bool,
}

/// The final MES run of `rule` on `election`, as [`tally`](super::tally) computes it; `None` for
/// a rule that is not a Method of Equal Shares.
pub fn mes_run(
    election: &Election,
    rule: &OutcomeRule,
    tie_breaking: Option<TieBreaking>,
) -> Result<Option<MesRun>, OutcomeError> {
    mes_run_after(election, rule, tie_breaking, None)
}

/// [`mes_run`] for a tally already computed with the same rule and tie-breaking: its report
/// holds the endowment of the final run, so the add1 loop is not run again (on a city-sized
/// budget it is most of the work). Without a report, as [`mes_run`].
pub(crate) fn mes_run_after(
    election: &Election,
    rule: &OutcomeRule,
    tie_breaking: Option<TieBreaking>,
    tallied: Option<&MesReport>,
) -> Result<Option<MesRun>, OutcomeError> {
    let prepared = prepare(election, rule, tie_breaking)?;
    let (satisfaction, flavour, increase) = match prepared.rule {
        OutcomeRule::Mes {
            satisfaction,
            increase,
            ..
        } => (satisfaction, mes::Flavour::Pabutools, increase),
        OutcomeRule::EqualShares { increase, .. } => {
            (Satisfaction::Cost, mes::Flavour::EqualSharesTool, increase)
        }
        _ => return Ok(None),
    };
    let instance = &prepared.instance;
    let profile = prepared.mes_profile(election, satisfaction)?;
    let problem = MesProblem::new(instance, &profile, &prepared.tie);
    let final_endowment = match tallied {
        Some(report) => report.final_money.clone(),
        None => {
            mes::equal_shares(
                instance,
                &problem,
                flavour,
                increase,
                mes::MAX_RUNS,
                u64::MAX,
                1,
            )
            .map_err(|_| OutcomeError::TooManyRuns {
                rule: prepared.name.clone(),
                cap: mes::MAX_RUNS,
            })?
            .final_endowment
        }
    };
    let mut engine = FastMes::new(&problem);
    engine.run(&final_endowment);
    let history = engine.history();

    let int = |value: i128| BigRational::from_integer(BigInt::from(value));
    let unit = int(instance.unit);
    // A voter's utility is λ(p) · w / weight_unit, λ(p) the cost in currency units or 1; so
    // ρ = payment / utility = (t · w / unit) / (λ(p) · w / weight_unit).
    let lambda = |project: usize| {
        if profile.lambda_is_cost {
            int(instance.costs[project]) / &unit
        } else {
            int(1)
        }
    };
    let weight_unit = int(profile.weight_unit);
    let groups = profile.groups();
    let mut left = vec![final_endowment.clone(); groups];
    let mut emptied = vec![false; groups];
    let mut rounds = Vec::with_capacity(history.len());
    let mut emptied_now = vec![false; groups];
    for record in history {
        let project = record.project;
        for &group in &record.emptied {
            emptied_now[group] = true;
        }
        let share_per_weight = &record.t / &unit;
        let rho = &share_per_weight * &weight_unit / lambda(project);
        let mut payments = Vec::new();
        for supporter in profile.supporters_of(project) {
            let group = supporter.group as usize;
            let weight = int(i128::from(supporter.weight));
            let utility = lambda(project) * &weight / &weight_unit;
            let pays_everything = emptied[group] || emptied_now[group];
            let amount = if pays_everything {
                std::mem::take(&mut left[group])
            } else {
                let share = &record.t * &weight;
                left[group] -= &share;
                share
            };
            payments.push(Payment {
                group,
                utility,
                amount: amount / &unit,
                paid_everything: pays_everything,
            });
        }
        for &group in &record.emptied {
            emptied_now[group] = false;
            emptied[group] = true;
        }
        rounds.push(MesRound {
            project,
            cost: int(instance.costs[project]) / &unit,
            price: &share_per_weight * &weight_unit,
            rho,
            payments,
        });
    }
    Ok(Some(MesRun {
        endowment: final_endowment / &unit,
        group_sizes: profile.multiplicity.clone(),
        free: problem.free.clone(),
        rounds,
        supporters: (0..instance.costs.len())
            .map(|project| profile.groups_of(project).to_vec())
            .collect(),
    }))
}

/// The MES rules a differential sweep checks on an election of `vote_type`: pabutools' cost and
/// cardinality utilities and the equalshares.net tool for approval ballots; the ballots' own
/// points (or ordinal scores) and cost utilities otherwise.
pub fn swept_rules(vote_type: VoteType) -> &'static [&'static str] {
    match vote_type {
        VoteType::Approval | VoteType::Choose1 => &["mes_cost_sat", "mes_cardinality_sat", "esnet"],
        VoteType::Ordinal => &["mes_score", "mes_cost_sat"],
        VoteType::Cumulative | VoteType::Scoring => &["mes_points", "mes_cost_sat"],
    }
}

/// The endowments the add1 loops of one MES rule pass through, with what the production engine
/// funds at each; [`EndowmentSweep::exact`] computes what the exact transcription funds.
pub struct EndowmentSweep {
    prepared: Prepared,
    profile: Profile,
    /// `(endowment in money units, funded projects)`, by increasing endowment, each once.
    runs: Vec<(BigRational, Vec<usize>)>,
    capped: bool,
}

/// Every endowment per voter that the add1 loops of `rule` pass through, computed with the
/// production engine: for a pabutools MES rule (`mes_<u>…`), both of its loops from budget/n
/// (add1 until exhaustive, and the budget increase while the next outcome fits, which goes on
/// to the first outcome that overspends); for an equalshares.net rule (`esnet…`), the tool's
/// loop from ⌊budget/n⌋ with and without its exhaustiveness stop. Whatever completion or
/// comparison the rule names is left out: they do not change the endowments. A loop that needs
/// more than `max_runs` runs (at most [`MAX_RUNS`](mes::MAX_RUNS)) contributes its first ones
/// ([`EndowmentSweep::capped`]). `None` for a rule that is not a Method of Equal Shares.
pub fn endowment_sweep(
    election: &Election,
    rule: &OutcomeRule,
    tie_breaking: Option<TieBreaking>,
    max_runs: u64,
) -> Result<Option<EndowmentSweep>, OutcomeError> {
    let prepared = prepare(election, rule, tie_breaking)?;
    let (satisfaction, flavour) = match prepared.rule {
        OutcomeRule::Mes { satisfaction, .. } => (satisfaction, mes::Flavour::Pabutools),
        OutcomeRule::EqualShares { .. } => (Satisfaction::Cost, mes::Flavour::EqualSharesTool),
        _ => return Ok(None),
    };
    let profile = prepared.mes_profile(election, satisfaction)?;
    let mut runs = BTreeMap::new();
    let mut capped = false;
    {
        let problem = MesProblem::new(&prepared.instance, &profile, &prepared.tie);
        for increase in [Increase::UntilExhaustive, Increase::WhileNextFits] {
            let (logged, stopped) =
                mes::logged_runs(&prepared.instance, &problem, flavour, increase, max_runs);
            runs.extend(logged);
            capped |= stopped;
        }
    }
    Ok(Some(EndowmentSweep {
        prepared,
        profile,
        runs: runs.into_iter().collect(),
        capped,
    }))
}

impl EndowmentSweep {
    /// The rule's canonical name.
    pub fn rule(&self) -> &str {
        &self.prepared.name
    }

    /// Whether a loop needed more runs than the sweep's `max_runs`: it then holds the first ones
    /// only.
    pub fn capped(&self) -> bool {
        self.capped
    }

    /// Number of distinct endowments.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether the loops ran no MES at all (an election without voters).
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// The `i`-th endowment per voter, in currency units.
    pub fn endowment(&self, i: usize) -> BigRational {
        let unit = BigRational::from_integer(BigInt::from(self.prepared.instance.unit));
        &self.runs[i].0 / unit
    }

    /// What the production engine funds at the `i`-th endowment (project indices, in order).
    pub fn fast(&self, i: usize) -> &[usize] {
        &self.runs[i].1
    }

    /// What the literal exact transcription of pabutools' MES funds at the `i`-th endowment
    /// (project indices, in order). Slow on large elections: every budget is a big rational and
    /// every round sorts every supporter of every project.
    pub fn exact(&self, i: usize) -> Vec<usize> {
        let problem = MesProblem::new(&self.prepared.instance, &self.profile, &self.prepared.tie);
        mes::reference::run(&problem, &self.runs[i].0, &mut 0)
    }
}
