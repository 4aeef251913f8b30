//! One MES run in certified floating point, with exact big-rational fallbacks.
//!
//! # Error bounds
//! `U` below is twice the unit roundoff of `f64`, so each bound has a safety factor of two.
//! - Every voter group's budget `b̃` differs from the exact budget `b` by at most `err_budget`
//!   (one bound for all groups). It starts at `2U·b₀` (rounding of the endowment) and after a
//!   round grows by `err_t·w_max + 3U·b₀` (the error of the price paid, plus two roundings).
//!   Budgets set to zero are exactly zero: `0.0` always means an exact zero, and a budget that
//!   is exactly positive is always stored positive. When a supporter's budget is so close to its
//!   share that only exact arithmetic tells that it keeps something, the exact remainder is
//!   stored, rounded (and at least the smallest normal `f64`), instead of `b̃ − t̃·w`, which could
//!   round to zero or below.
//! - A sum of `n` non-negative products `m·b̃` is within `M·err_budget + (n + 2)·U·sum` of the
//!   exact sum, `M` being the number of voters summed.
//! - For a poor/rich split, the price per unit of weight is `t = (c − paid) / W_rich`; its float
//!   is within `err_t = (err_paid + 2U(c + paid)) / W_rich + 2U·t` of the exact price *for that
//!   split*. The split is certified when every poor key `b̃/w` is below `t − err_t` by more than
//!   its own error `err_budget/w + 2U·key`, and every rich key above `t + err_t` by as much: then
//!   the exact split is the same, so `t` is within `err_t` of the exact price.
//! - `ρ = t/λ` is within `err_t/λ + 2U·ρ`.
//!
//! Weights and voter counts are integers; the float path uses them only while every project's
//! total support is below 2^53, where floats hold them exactly (otherwise every price is computed
//! exactly). A decision is taken in floats only when these intervals separate the alternatives.
//! Otherwise [`FastMes::exact_evaluation`] recomputes the project's price exactly.
//!
//! # Exact history
//! A group that never paid everything it had holds exactly `b₀ − Σ t_r · w_r` over the rounds `r`
//! in which it paid (the funded projects it supports); a group that paid everything holds 0. The
//! exact price of round `r` is `(c_r − Σ_{groups emptied at r} m·b^{(r)}) / W_rich(r)`, which
//! needs only earlier exact prices, so they are computed once, in order, when first needed.

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};
use std::cmp::Ordering;
use std::ops::Range;

use super::MesProblem;

/// Twice the unit roundoff of `f64`.
const U: f64 = f64::EPSILON;
const NOT_YET: u32 = u32::MAX;

/// A supporter with money left, as gathered for one evaluation.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// `b̃ / w`: the price per unit of weight above which this supporter cannot pay in full.
    key: f64,
    /// `m · b̃`.
    money: f64,
    /// `m`, an integer held exactly.
    voters: f64,
    /// `w`, an integer held exactly.
    weight: f64,
}

/// What one project costs its supporters this round.
#[derive(Debug, Clone)]
pub(crate) enum Evaluation {
    /// Its supporters' money cannot cover its cost (for good: budgets only shrink).
    Unaffordable,
    /// Price per unit of weight `t` (within `err_t`) and `ρ` (within `err_rho`) for a certified
    /// split; `rich_weight` is Σ m·w of those paying a full share, `any_poor` whether anyone pays
    /// everything they have (if nobody does, the exact price is simply `cost / rich_weight`).
    Float {
        t: f64,
        err_t: f64,
        rho: f64,
        err_rho: f64,
        rich_weight: i128,
        any_poor: bool,
    },
    /// Exact price and `ρ`, with their nearest floats. `float_split` tells that the float
    /// comparison `b̃/w < t` still splits the supporters exactly (the split was certified).
    Exact {
        t: BigRational,
        t_f: f64,
        rho: BigRational,
        rho_f: f64,
        float_split: bool,
    },
}

/// The price per unit of weight of a project being funded: what [`FastMes::pay`] charges.
/// Unlike an [`Evaluation`] it cannot be "unaffordable", so nothing is ever funded for free.
#[derive(Debug, Clone)]
enum Price {
    /// A certified float price `t` (within `err_t`); the poor/rich split is certified.
    Float { t: f64, err_t: f64 },
    /// The exact price and its nearest float; `float_split` as in [`Evaluation::Exact`].
    Exact {
        t: BigRational,
        t_f: f64,
        float_split: bool,
    },
}

impl Evaluation {
    /// What funding the project charges, or `None` if it is unaffordable.
    fn into_price(self) -> Option<Price> {
        match self {
            Evaluation::Unaffordable => None,
            Evaluation::Float { t, err_t, .. } => Some(Price::Float { t, err_t }),
            Evaluation::Exact {
                t,
                t_f,
                float_split,
                ..
            } => Some(Price::Exact {
                t,
                t_f,
                float_split,
            }),
        }
    }

    /// An interval that contains the exact `ρ`.
    fn rho_bounds(&self) -> (f64, f64) {
        match self {
            Evaluation::Unaffordable => (f64::INFINITY, f64::INFINITY),
            Evaluation::Float { rho, err_rho, .. } => (rho - err_rho, rho + err_rho),
            Evaluation::Exact { rho_f, .. } => (rho_f * (1.0 - 2.0 * U), rho_f * (1.0 + 2.0 * U)),
        }
    }
}

/// A voter group's money, next to its size so that one memory access reads both.
#[derive(Debug, Clone, Copy)]
struct Wallet {
    /// What each voter of the group has left (`b̃`).
    budget: f64,
    /// Number of voters in the group, as a float.
    voters: f64,
}

/// One funded project of the current run.
#[derive(Debug, Clone)]
struct Round {
    project: usize,
    /// Σ m·w over the supporters who paid `t·w` (not everything they had).
    rich_weight: i128,
    /// The groups that paid everything they had in this round, in `newly_poor`.
    emptied: Range<usize>,
}

/// One round of a run, as [`FastMes::history`] reports it.
#[derive(Debug, Clone)]
pub(crate) struct RoundRecord {
    /// The funded project.
    pub project: usize,
    /// Its exact price per unit of weight.
    pub t: BigRational,
    /// The groups that paid everything they had (possibly nothing).
    pub emptied: Vec<usize>,
}

/// What a run learnt, kept for the engine's next run (see [`FastMes::reuse_memo`]).
#[derive(Debug, Default)]
struct Memo {
    /// The run's endowment (`None` before the first run).
    endowment: Option<BigRational>,
    /// The project funded in each round.
    winners: Vec<usize>,
    /// What the evaluations found, in the order they were made: the round (the number of rounds
    /// paid before it), the project, and the verdict.
    verdicts: Vec<(u32, u32, Verdict)>,
}

/// What one evaluation proved about a project's price at the state it was made in.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    /// Its supporters held at most `money` together, less than its cost.
    Unaffordable { money: f64 },
    /// Its price per unit of weight was at least `t`, `rich_weight` (Σ m·w) paying it in full.
    Priced { t: f64, rich_weight: f64 },
}

/// Counters, summed over the runs of one engine.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stats {
    pub runs: u64,
    pub rounds: u64,
    pub evaluations: u64,
    /// Project prices computed exactly (to break a tie or where floats could not certify).
    pub exact_prices: u64,
    /// Supporting groups read by the evaluations (an evaluation reads every supporter of its
    /// project) and by the payments (every supporter of the funded project).
    pub supporters_read: u64,
    /// Projects still in the running, summed over rounds (each round sorts and scans them), and
    /// verdicts of the previous run read.
    pub scanned: u64,
    /// The work of the runs made by the exact reference (supports of 2^53 or more), in the same
    /// units ([`reference::EXACT_STEP_WORK`](super::reference::EXACT_STEP_WORK)).
    pub exact_work: u64,
    /// Projects known unaffordable from the previous run's record, not priced again.
    pub carried_over: u64,
}

impl Stats {
    /// The work of the runs so far, in steps that each take a few nanoseconds: a supporter read
    /// while pricing or paying for a project, a project sorted and scanned in a round, or a
    /// verdict of the previous run read.
    pub(crate) fn work(&self) -> u64 {
        self.supporters_read + self.scanned + self.exact_work
    }

    /// What the counters grew by since `earlier` (a snapshot of the same engine's counters).
    pub(crate) fn since(&self, earlier: &Stats) -> Stats {
        Stats {
            runs: self.runs - earlier.runs,
            rounds: self.rounds - earlier.rounds,
            evaluations: self.evaluations - earlier.evaluations,
            exact_prices: self.exact_prices - earlier.exact_prices,
            supporters_read: self.supporters_read - earlier.supporters_read,
            scanned: self.scanned - earlier.scanned,
            exact_work: self.exact_work - earlier.exact_work,
            carried_over: self.carried_over - earlier.carried_over,
        }
    }

    /// Adds the counters of `other`.
    pub(crate) fn add(&mut self, other: &Stats) {
        self.runs += other.runs;
        self.rounds += other.rounds;
        self.evaluations += other.evaluations;
        self.exact_prices += other.exact_prices;
        self.supporters_read += other.supporters_read;
        self.scanned += other.scanned;
        self.exact_work += other.exact_work;
        self.carried_over += other.carried_over;
    }
}

/// The MES engine; its buffers are reused across runs (add1 loops run it hundreds of times).
pub(crate) struct FastMes<'a> {
    problem: &'a MesProblem<'a>,
    /// Every support total is below 2^53, so weights and their sums are exact in floats.
    floats_hold_weights: bool,
    lambda_f: Vec<f64>,
    /// `ρ` of each project when all its supporters can pay: a lower bound for the whole run.
    first_rho_lo: Vec<f64>,
    /// The same lower bound, exact: `ρ ≥ num / den` (meaningful when `floats_hold_weights`).
    least_rho: Vec<(i128, i128)>,
    /// Each project's place in the tie order.
    rank: Vec<u32>,
    wallets: Vec<Wallet>,
    emptied_at: Vec<u32>,
    selected_at: Vec<u32>,
    rho_lo: Vec<f64>,
    /// The last price per unit of weight computed for each project in this run (a lower bound
    /// of its price now).
    t_last: Vec<f64>,
    active: Vec<u32>,
    rounds: Vec<Round>,
    newly_poor: Vec<u32>,
    exact_t: Vec<Option<BigRational>>,
    err_budget: f64,
    b0: f64,
    b0_exact: BigRational,
    scratch: Vec<Entry>,
    /// Σ m over all groups: every voter, those without a supported project included.
    voters: f64,
    /// The record of the previous run, read by this one while it funds the same projects.
    memo: Memo,
    /// The record this run is making.
    recording: Memo,
    /// Verdicts of `memo` already applied.
    memo_applied: usize,
    /// This run has funded the same projects, round after round, as `memo`'s run so far, at an
    /// endowment at least as high.
    reusing: bool,
    /// An upper bound of `n · (b₀' − b₀)`, `b₀'` this run's endowment and `b₀` the memo's: how
    /// much more money this run's voters hold together than `memo`'s at the same round.
    slack: f64,
    /// The money bound of the last evaluation found unaffordable in floats (infinite when it
    /// was found so exactly).
    unaffordable_money: f64,
    /// `false` only in tests: every price is then computed exactly, which sends every payment
    /// near the price through the exact comparisons of [`FastMes::pay`].
    certify_in_floats: bool,
    pub stats: Stats,
}

impl<'a> FastMes<'a> {
    pub(crate) fn new(problem: &'a MesProblem<'a>) -> FastMes<'a> {
        let profile = problem.profile;
        let n_projects = problem.costs.len();
        let lambda_f: Vec<f64> = (0..n_projects)
            .map(|p| {
                if profile.lambda_is_cost {
                    problem.costs[p] as f64
                } else {
                    1.0
                }
            })
            .collect();
        let first_rho_lo = (0..n_projects)
            .map(|p| {
                let support = profile.support[p] as f64;
                let rho = problem.costs[p] as f64 / (lambda_f[p] * support);
                if rho.is_finite() {
                    rho * (1.0 - 4.0 * U)
                } else {
                    0.0
                }
            })
            .collect();
        // ρ = t / λ ≥ (cost / support) / λ: 1 / support under cost utilities, cost / support
        // otherwise.
        let least_rho = (0..n_projects)
            .map(|p| {
                let numerator = if profile.lambda_is_cost {
                    1
                } else {
                    problem.costs[p]
                };
                (numerator, profile.support[p].max(1))
            })
            .collect();
        FastMes {
            problem,
            floats_hold_weights: profile.support.iter().all(|&w| w < 1i128 << 53),
            lambda_f,
            first_rho_lo,
            least_rho,
            rank: (0..n_projects).map(|p| problem.tie.rank(p)).collect(),
            wallets: profile
                .multiplicity
                .iter()
                .map(|&m| Wallet {
                    budget: 0.0,
                    voters: m as f64,
                })
                .collect(),
            emptied_at: vec![NOT_YET; profile.groups()],
            selected_at: vec![NOT_YET; n_projects],
            rho_lo: vec![0.0; n_projects],
            t_last: vec![0.0; n_projects],
            active: Vec::with_capacity(problem.candidates.len()),
            rounds: Vec::new(),
            newly_poor: Vec::new(),
            exact_t: Vec::new(),
            err_budget: 0.0,
            b0: 0.0,
            b0_exact: BigRational::zero(),
            scratch: Vec::new(),
            voters: profile.multiplicity.iter().map(|&m| m as f64).sum(),
            memo: Memo::default(),
            recording: Memo::default(),
            memo_applied: 0,
            reusing: false,
            slack: 0.0,
            unaffordable_money: f64::INFINITY,
            certify_in_floats: true,
            stats: Stats::default(),
        }
    }

    /// Whether every project's total support is below 2^53, so that floats hold weights and
    /// their sums exactly and can certify decisions.
    pub(crate) fn floats_hold_weights(&self) -> bool {
        self.floats_hold_weights
    }

    pub(crate) fn problem(&self) -> &'a MesProblem<'a> {
        self.problem
    }

    /// One MES run with `endowment` per voter (in money units); returns the funded projects in
    /// the order they were funded.
    pub(crate) fn run(&mut self, endowment: &BigRational) -> Vec<usize> {
        self.stats.runs += 1;
        self.b0_exact = endowment.clone();
        self.b0 = endowment.to_f64().unwrap_or(f64::MAX);
        for wallet in &mut self.wallets {
            wallet.budget = self.b0;
        }
        self.emptied_at.fill(NOT_YET);
        self.selected_at.fill(NOT_YET);
        self.rounds.clear();
        self.newly_poor.clear();
        self.exact_t.clear();
        self.err_budget = 2.0 * U * self.b0;
        self.active.clear();
        self.active.extend_from_slice(&self.problem.candidates);
        for &p in &self.problem.candidates {
            let p = p as usize;
            self.rho_lo[p] = self.first_rho_lo[p];
            self.t_last[p] = self.problem.costs[p] as f64 / self.problem.profile.support[p] as f64;
        }
        self.reuse_memo(endowment);
        let mut order = self.problem.free.clone();
        while let Some(project) = self.round() {
            order.push(project);
        }
        order
    }

    /// Makes the previous run's record the memo of this one, at `endowment`, and starts a new
    /// record.
    ///
    /// A run at an endowment `b₀'` at least the previous run's `b₀`, that has funded the same
    /// projects in the same rounds so far, is, round for round, the previous run with more
    /// money: every group holds at least what it held then (by induction over the rounds: a
    /// group paying a full share pays no more than it did, since more money among the
    /// supporters can only lower a price; one that paid everything held nothing then), and all
    /// `n` voters together hold exactly `n · (b₀' − b₀)` more (both runs paid the same costs).
    /// So a project's supporters hold at most that much more than they did: a project found
    /// unaffordable by a wider margin is unaffordable again, and a price `t` that `W` paid in
    /// full can now be lower by at most `n · (b₀' − b₀) / W` (with
    /// `F(x) = Σ m·min(b, x·w)`, `F(t) − F(t') ≥ W·(t − t')` while the extra money of those
    /// below the new price is at most `n · (b₀' − b₀)`). Each round, the verdicts of the
    /// previous run's same round are applied, as long as the rounds before funded the same
    /// projects: a project proved unaffordable leaves without being priced, a price bound raises
    /// the project's `ρ` lower bound. Every funded project and every price is still decided as
    /// before; only evaluations whose answer is already known are skipped.
    fn reuse_memo(&mut self, endowment: &BigRational) {
        std::mem::swap(&mut self.memo, &mut self.recording);
        self.recording.endowment = Some(endowment.clone());
        self.recording.winners.clear();
        self.recording.verdicts.clear();
        self.memo_applied = 0;
        self.reusing = false;
        if let Some(before) = &self.memo.endowment
            && endowment >= before
        {
            let more = (endowment - before).to_f64().unwrap_or(f64::INFINITY);
            self.slack = more * self.voters * (1.0 + 4.0 * U);
            self.reusing = self.slack.is_finite();
        }
    }

    /// Applies the memo's verdicts of this round (see [`FastMes::reuse_memo`]).
    fn apply_memo(&mut self) {
        let round = self.rounds.len() as u32;
        let mut gone = false;
        while let Some(&(at, project, verdict)) = self.memo.verdicts.get(self.memo_applied) {
            if at > round {
                break;
            }
            self.memo_applied += 1;
            self.stats.scanned += 1;
            let p = project as usize;
            match verdict {
                Verdict::Unaffordable { money } => {
                    let at_most = (money + self.slack) * (1.0 + 4.0 * U);
                    if at_most < self.problem.costs[p] as f64 && self.selected_at[p] == NOT_YET {
                        self.stats.carried_over += 1;
                        self.rho_lo[p] = f64::INFINITY;
                        gone = true;
                        // Recorded again with this run's bound, for the next run.
                        let verdict = Verdict::Unaffordable { money: at_most };
                        self.recording.verdicts.push((at, project, verdict));
                    }
                }
                Verdict::Priced { t, rich_weight } => {
                    let t = t - self.slack / rich_weight;
                    if t > 0.0 {
                        let rho = t / self.lambda_f[p] * (1.0 - 8.0 * U);
                        self.rho_lo[p] = self.rho_lo[p].max(rho);
                    }
                }
            }
        }
        if gone {
            let rho_lo = &self.rho_lo;
            self.active.retain(|&p| rho_lo[p as usize] != f64::INFINITY);
        }
    }

    /// Records what an evaluation of `project` found, for the next run.
    fn record(&mut self, project: usize, evaluation: &Evaluation) {
        let verdict = match evaluation {
            Evaluation::Unaffordable if self.unaffordable_money.is_finite() => {
                Verdict::Unaffordable {
                    money: self.unaffordable_money,
                }
            }
            Evaluation::Float {
                t,
                err_t,
                rich_weight,
                ..
            } => Verdict::Priced {
                t: t - err_t,
                rich_weight: *rich_weight as f64,
            },
            _ => return,
        };
        let round = self.rounds.len() as u32;
        self.recording
            .verdicts
            .push((round, project as u32, verdict));
    }

    /// The rounds of the last run as the engine decided them, with exact prices: for each funded
    /// project (in order), its price per unit of weight and the groups that paid everything they
    /// had in that round (the other supporters with money paid `t·w`).
    pub(crate) fn history(&mut self) -> Vec<RoundRecord> {
        self.ensure_exact_prices();
        self.rounds
            .iter()
            .zip(&self.exact_t)
            .map(|(round, t)| RoundRecord {
                project: round.project,
                t: t.clone().unwrap_or_default(),
                emptied: self.newly_poor[round.emptied.clone()]
                    .iter()
                    .map(|&g| g as usize)
                    .collect(),
            })
            .collect()
    }

    /// Funds the project with the smallest `ρ`, or returns `None` when none is affordable.
    fn round(&mut self) -> Option<usize> {
        self.stats.rounds += 1;
        if self.reusing {
            self.apply_memo();
        }
        loop {
            let mut active = std::mem::take(&mut self.active);
            self.stats.scanned += active.len() as u64;
            let (rho_lo, rank) = (&self.rho_lo, &self.rank);
            active.sort_unstable_by(|&a, &b| {
                let (a, b) = (a as usize, b as usize);
                rho_lo[a].total_cmp(&rho_lo[b]).then(rank[a].cmp(&rank[b]))
            });
            let mut evaluated: Vec<(usize, Evaluation)> = Vec::new();
            let mut best_hi = f64::INFINITY;
            // The evaluated project with the best exact `ρ` known as a ratio of integers, if any.
            let mut leader: Option<(usize, (i128, i128))> = None;
            for slot in active.iter_mut() {
                let p = *slot as usize;
                if self.rho_lo[p] > best_hi {
                    break;
                }
                if let Some((q, rho)) = leader
                    && self.loses_to(p, q, rho)
                {
                    continue;
                }
                let evaluation = self.evaluate(p);
                self.record(p, &evaluation);
                if let Evaluation::Unaffordable = evaluation {
                    *slot = NOT_YET;
                    continue;
                }
                let (lo, hi) = evaluation.rho_bounds();
                best_hi = best_hi.min(hi);
                self.rho_lo[p] = self.rho_lo[p].max(lo);
                if let Some(rho) = self.exact_ratio(p, &evaluation) {
                    let leads = match leader {
                        None => true,
                        Some((q, best)) => match ratio_cmp(rho, best) {
                            Ordering::Less => true,
                            Ordering::Equal => self.rank[p] < self.rank[q],
                            Ordering::Greater => false,
                        },
                    };
                    if leads {
                        leader = Some((p, rho));
                    }
                }
                evaluated.push((p, evaluation));
            }
            active.retain(|&p| p != NOT_YET);
            if evaluated.is_empty() {
                self.active = active;
                return None;
            }
            let contenders: Vec<usize> = (0..evaluated.len())
                .filter(|&i| evaluated[i].1.rho_bounds().0 <= best_hi)
                .collect();
            let chosen = if contenders.len() == 1 {
                Some(contenders[0])
            } else {
                self.break_tie(&mut evaluated, &contenders)
            };
            let Some(chosen) = chosen else {
                // Every contender turned out unaffordable when evaluated exactly (a float
                // certificate never says so wrongly, but nothing is funded on faith): they leave
                // for good, budgets only shrink, and the round starts again without them.
                for &i in &contenders {
                    if let (project, Evaluation::Unaffordable) = &evaluated[i] {
                        active.retain(|&p| p as usize != *project);
                    }
                }
                self.active = active;
                continue;
            };
            let (project, evaluation) = evaluated.swap_remove(chosen);
            let price = evaluation
                .into_price()
                .expect("only affordable projects are evaluated or chosen");
            self.pay(project, price);
            active.retain(|&p| p as usize != project);
            self.active = active;
            let round = self.rounds.len() - 1;
            self.recording.winners.push(project);
            if self.memo.winners.get(round) != Some(&project) {
                self.reusing = false;
            }
            return Some(project);
        }
    }

    /// The exact `ρ` of an evaluation as a ratio of integers, when it is that simple: nobody
    /// pays everything, so `t = cost / rich_weight` and `ρ = t / λ`.
    fn exact_ratio(&self, project: usize, evaluation: &Evaluation) -> Option<(i128, i128)> {
        match evaluation {
            Evaluation::Float {
                rich_weight,
                any_poor: false,
                ..
            } if self.floats_hold_weights && *rich_weight > 0 => {
                let numerator = if self.problem.profile.lambda_is_cost {
                    1
                } else {
                    self.problem.costs[project]
                };
                Some((numerator, *rich_weight))
            }
            _ => None,
        }
    }

    /// Whether `project` cannot be funded this round because the evaluated project `leader`,
    /// of exact `ρ = rho`, beats it whatever its price: its `ρ` is at least its all-rich `ρ`,
    /// which is already above `rho`, or equal to it with `project` later in the tie order. Many
    /// projects tied exactly (a voter approving thousands of projects of one cost) are then
    /// passed over at the cost of one comparison each, instead of being priced every round.
    fn loses_to(&self, project: usize, leader: usize, rho: (i128, i128)) -> bool {
        if !self.floats_hold_weights {
            return false;
        }
        match ratio_cmp(self.least_rho[project], rho) {
            Ordering::Greater => true,
            Ordering::Equal => self.rank[project] > self.rank[leader],
            Ordering::Less => false,
        }
    }

    /// Decides among projects whose `ρ` intervals overlap: exact `ρ`s, then the tie order.
    /// `None` when every contender turns out unaffordable once evaluated exactly (they are then
    /// left as [`Evaluation::Unaffordable`] in `evaluated`).
    fn break_tie(
        &mut self,
        evaluated: &mut [(usize, Evaluation)],
        contenders: &[usize],
    ) -> Option<usize> {
        for &i in contenders {
            let project = evaluated[i].0;
            match evaluated[i].1 {
                Evaluation::Float {
                    rich_weight,
                    any_poor: false,
                    ..
                } => {
                    self.stats.exact_prices += 1;
                    let t = BigRational::new(
                        BigInt::from(self.problem.costs[project]),
                        BigInt::from(rich_weight),
                    );
                    evaluated[i].1 = self.exact(project, t, true);
                }
                Evaluation::Float { t, .. } => evaluated[i].1 = self.exact_evaluation(project, t),
                _ => {}
            }
        }
        let mut best: Option<(usize, &BigRational)> = None;
        for &i in contenders {
            let Evaluation::Exact { rho, .. } = &evaluated[i].1 else {
                continue;
            };
            let better = match best {
                None => true,
                Some((j, best_rho)) => match rho.cmp(best_rho) {
                    Ordering::Less => true,
                    Ordering::Equal => {
                        self.problem.tie.cmp(evaluated[i].0, evaluated[j].0) == Ordering::Less
                    }
                    Ordering::Greater => false,
                },
            };
            if better {
                best = Some((i, rho));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The exact evaluation of `project` at price `t` per unit of weight.
    fn exact(&self, project: usize, t: BigRational, float_split: bool) -> Evaluation {
        let rho = if self.problem.profile.lambda_is_cost {
            &t / BigRational::from_integer(BigInt::from(self.problem.costs[project]))
        } else {
            t.clone()
        };
        Evaluation::Exact {
            t_f: t.to_f64().unwrap_or(f64::MAX),
            rho_f: rho.to_f64().unwrap_or(f64::MAX),
            t,
            rho,
            float_split,
        }
    }

    /// The price of `project` this round, certified in floats or computed exactly.
    fn evaluate(&mut self, project: usize) -> Evaluation {
        self.stats.evaluations += 1;
        self.stats.supporters_read += self.problem.profile.groups_of(project).len() as u64;
        self.unaffordable_money = f64::INFINITY;
        if !self.floats_hold_weights || !self.certify_in_floats {
            return self.exact_evaluation(project, f64::NAN);
        }
        // Prices only grow during a run, so supporters whose key is well above the project's last
        // price almost surely pay a full share: only the others are gathered one by one.
        let threshold = 1.5 * self.t_last[project];
        let evaluation = match self.evaluate_gathering_below(project, threshold) {
            Some(evaluation) => evaluation,
            None => self
                .evaluate_gathering_below(project, f64::INFINITY)
                .unwrap_or(Evaluation::Unaffordable),
        };
        match &evaluation {
            Evaluation::Float { t, .. } => self.t_last[project] = *t,
            Evaluation::Exact { t_f, .. } => self.t_last[project] = *t_f,
            Evaluation::Unaffordable => {}
        }
        evaluation
    }

    /// Evaluates `project` with the supporters whose key is below `threshold` gathered and the
    /// others summed up as paying a full share; `None` if that assumption cannot be certified.
    fn evaluate_gathering_below(&mut self, project: usize, threshold: f64) -> Option<Evaluation> {
        let profile = self.problem.profile;
        let cost = self.problem.costs[project] as f64;
        let err_budget = self.err_budget;
        let groups = profile.groups_of(project);
        let weights = profile.weights_of(project);
        self.scratch.clear();
        let mut rest = Rest::default();
        let mut gather = |wallet: Wallet, weight: f64, key: f64| {
            if key < threshold {
                self.scratch.push(Entry {
                    key,
                    money: wallet.voters * wallet.budget,
                    voters: wallet.voters,
                    weight,
                });
            } else {
                rest.add(wallet, weight, key);
            }
        };
        if profile.unit_weights {
            for &group in groups {
                let wallet = self.wallets[group as usize];
                if wallet.budget != 0.0 {
                    gather(wallet, 1.0, wallet.budget);
                }
            }
        } else {
            for (&group, &weight) in groups.iter().zip(weights) {
                let wallet = self.wallets[group as usize];
                if wallet.budget != 0.0 {
                    let weight = weight as f64;
                    gather(wallet, weight, wallet.budget / weight);
                }
            }
        }
        let min_weight = if profile.unit_weights {
            1.0
        } else {
            weights.iter().copied().min().unwrap_or(1) as f64
        };
        let mut money = rest.money;
        let mut voters = rest.voters;
        let mut live_weight = rest.weight;
        for entry in &self.scratch {
            money += entry.money;
            voters += entry.voters;
            live_weight += entry.voters * entry.weight;
        }
        let live = self.scratch.len() + rest.live;
        let err_money = err_budget * voters + (live as f64 + 2.0) * U * money;
        if money + err_money < cost {
            self.unaffordable_money = money + err_money;
            return Some(Evaluation::Unaffordable);
        }
        let affordable_for_sure = money - err_money >= cost;
        let split = water_fill(&mut self.scratch, cost, live_weight);
        if !affordable_for_sure || split.rich_weight == 0.0 {
            return Some(self.exact_evaluation(project, split.t));
        }
        // The error analysis bounds the price of this split, `(c − paid) / W_rich`: compute it
        // from the split itself rather than trust that the search returned it.
        let t = (cost - split.paid) / split.rich_weight;
        let err_paid = err_budget * split.poor_voters + (split.poor as f64 + 2.0) * U * split.paid;
        let err_t = (err_paid + 2.0 * U * (cost + split.paid)) / split.rich_weight + 2.0 * U * t;
        let key_error = |key: f64| err_budget / min_weight + 2.0 * U * key;
        let clearly_rich = |key: f64| key - key_error(key) > t + err_t;
        if rest.live > 0 && !clearly_rich(rest.min_key) {
            return None;
        }
        let poor_ok =
            split.poor == 0 || split.max_poor_key + key_error(split.max_poor_key) < t - err_t;
        let rich_ok = split.poor == self.scratch.len() || clearly_rich(split.min_rich_key);
        if !(poor_ok && rich_ok) {
            return Some(self.exact_evaluation(project, t));
        }
        // An integer below 2^53, exact in the float.
        let rich_weight = split.rich_weight as i128;
        Some(self.float_evaluation(project, t, err_t, rich_weight, split.poor > 0))
    }

    fn float_evaluation(
        &self,
        project: usize,
        t: f64,
        err_t: f64,
        rich_weight: i128,
        any_poor: bool,
    ) -> Evaluation {
        let lambda = self.lambda_f[project];
        let rho = t / lambda;
        Evaluation::Float {
            t,
            err_t,
            rho,
            err_rho: err_t / lambda + 2.0 * U * rho,
            rich_weight,
            any_poor,
        }
    }

    /// Charges the supporters of the funded `project` its `price`.
    fn pay(&mut self, project: usize, price: Price) {
        let profile = self.problem.profile;
        self.stats.supporters_read += profile.groups_of(project).len() as u64;
        let round = self.rounds.len() as u32;
        let emptied_start = self.newly_poor.len();
        let (t_f, err_t, exact, float_split) = match price {
            Price::Float { t, err_t } => (t, err_t, None, true),
            Price::Exact {
                t,
                t_f,
                float_split,
            } => (t_f, 2.0 * U * t_f, Some(t), float_split),
        };
        let err_budget = self.err_budget;
        // Σ m·w of those paying a full share: integers below 2^53, exact in the float.
        let mut rich_weight = 0.0f64;
        let mut max_weight: f64 = 0.0;
        for supporter in profile.supporters_of(project) {
            let group = supporter.group as usize;
            let wallet = self.wallets[group];
            let b = wallet.budget;
            if b == 0.0 {
                if self.emptied_at[group] == NOT_YET {
                    self.emptied_at[group] = round;
                    self.newly_poor.push(group as u32);
                }
                continue;
            }
            let w = supporter.weight as f64;
            let key = b / w;
            // How the budget compares with the share `t·w`; when that took exact arithmetic and
            // the supporter keeps money, `exact_left` is what they keep, rounded.
            let mut exact_left: Option<f64> = None;
            let comparison = match &exact {
                Some(t) if !float_split => {
                    let margin = err_budget / w + 2.0 * U * key + 4.0 * U * t_f;
                    if key + margin < t_f {
                        Ordering::Less
                    } else if key - margin > t_f {
                        Ordering::Greater
                    } else {
                        let share = t * BigRational::from_integer(BigInt::from(supporter.weight));
                        let budget = self.exact_budget(group);
                        let comparison = budget.cmp(&share);
                        if comparison == Ordering::Greater {
                            // Never 0.0 (an exact zero) for a positive amount.
                            let left = (budget - share).to_f64().unwrap_or(f64::MAX);
                            exact_left = Some(left.max(f64::MIN_POSITIVE));
                        }
                        comparison
                    }
                }
                // The split was certified: no key lies near the price.
                _ => {
                    if key < t_f {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    }
                }
            };
            match comparison {
                Ordering::Less => {
                    self.wallets[group].budget = 0.0;
                    self.emptied_at[group] = round;
                    self.newly_poor.push(group as u32);
                }
                Ordering::Equal => {
                    self.wallets[group].budget = 0.0;
                    rich_weight += wallet.voters * w;
                }
                Ordering::Greater => {
                    // Within rounding of the share, `b̃ − t̃·w` could round to 0 or below (money
                    // lost, or negative money outside the error analysis): the exact remainder
                    // is kept instead. Certified well above the share, the float difference is
                    // positive.
                    let left = exact_left.unwrap_or(b - t_f * w);
                    debug_assert!(
                        left > 0.0,
                        "a supporter paying a share keeps a positive budget"
                    );
                    self.wallets[group].budget = left;
                    rich_weight += wallet.voters * w;
                    if w > max_weight {
                        max_weight = w;
                    }
                }
            }
        }
        let rich_weight = rich_weight as i128;
        self.err_budget += err_t * max_weight + 3.0 * U * self.b0;
        self.rounds.push(Round {
            project,
            rich_weight,
            emptied: emptied_start..self.newly_poor.len(),
        });
        self.exact_t.push(exact);
        self.selected_at[project] = round;
    }

    /// The exact price of `project` this round (or `Unaffordable`), near the float estimate `hint`.
    ///
    /// Supporters whose float key is clearly below `hint − δ` pay everything, those clearly above
    /// `hint + δ` pay in full share; the few in between are sorted by exact key and walked as in
    /// pabutools. The result is accepted when it lies within `hint ± δ` (which proves the clear
    /// cases right); otherwise `δ` grows, up to every supporter being in between.
    pub(crate) fn exact_evaluation(&mut self, project: usize, hint: f64) -> Evaluation {
        self.stats.exact_prices += 1;
        self.ensure_exact_prices();
        let profile = self.problem.profile;
        let cost = BigRational::from_integer(BigInt::from(self.problem.costs[project]));
        let err_budget = self.err_budget;
        let mut delta = if hint.is_finite() && hint > 0.0 {
            let min_weight = profile
                .weights_of(project)
                .iter()
                .copied()
                .min()
                .unwrap_or(1) as f64;
            64.0 * (err_budget / min_weight + U * hint) + 1e-9 * hint
        } else {
            f64::INFINITY
        };
        loop {
            let mut below: Vec<usize> = Vec::new();
            let mut between: Vec<(BigRational, BigRational, i128, i64)> = Vec::new();
            let mut open_weight: i128 = 0;
            for supporter in profile.supporters_of(project) {
                let group = supporter.group as usize;
                let b = self.wallets[group].budget;
                if b == 0.0 {
                    continue;
                }
                let m = i128::from(profile.multiplicity[group]);
                let w = supporter.weight as f64;
                let key = b / w;
                let key_error = err_budget / w + 2.0 * U * key;
                if delta.is_finite() && key + key_error < hint - delta {
                    below.push(group);
                    continue;
                }
                open_weight += m * i128::from(supporter.weight);
                if delta.is_finite() && key - key_error > hint + delta {
                    continue;
                }
                let exact_b = self.exact_budget(group);
                let weight = BigRational::from_integer(BigInt::from(supporter.weight));
                between.push((&exact_b / &weight, exact_b, m, supporter.weight));
            }
            between.sort_by(|a, b| a.0.cmp(&b.0));
            let mut paid = self.exact_sum(&below);
            let mut price: Option<BigRational> = None;
            for (key, b, m, w) in &between {
                if open_weight == 0 {
                    break;
                }
                let t = (&cost - &paid) / BigRational::from_integer(BigInt::from(open_weight));
                if &t <= key {
                    price = Some(t);
                    break;
                }
                paid += b * BigRational::from_integer(BigInt::from(*m));
                open_weight -= *m * i128::from(*w);
            }
            let t = match price {
                Some(t) => t,
                None if open_weight > 0 => {
                    (&cost - &paid) / BigRational::from_integer(BigInt::from(open_weight))
                }
                None => {
                    // Nobody is left to pay a full share, so `paid` is all the money of the
                    // supporters: below the cost, the project is unaffordable; otherwise the
                    // supporters set aside as paying everything were wrongly set aside.
                    if paid < cost || !delta.is_finite() {
                        return Evaluation::Unaffordable;
                    }
                    delta = f64::INFINITY;
                    continue;
                }
            };
            let accepted = !delta.is_finite() || {
                let lo = BigRational::from_float(hint - delta);
                let hi = BigRational::from_float(hint + delta);
                matches!((lo, hi), (Some(lo), Some(hi)) if lo <= t && t <= hi)
            };
            if accepted {
                return self.exact(project, t, false);
            }
            delta = if delta < 1e300 {
                delta * 1024.0
            } else {
                f64::INFINITY
            };
        }
    }

    /// Computes the exact price of every earlier round of this run that does not have one yet.
    fn ensure_exact_prices(&mut self) {
        for r in 0..self.rounds.len() {
            if self.exact_t[r].is_some() {
                continue;
            }
            let round = self.rounds[r].clone();
            let emptied: Vec<usize> = self.newly_poor[round.emptied]
                .iter()
                .map(|&g| g as usize)
                .collect();
            let paid = self.exact_sum_before(&emptied, r as u32);
            let cost = BigRational::from_integer(BigInt::from(self.problem.costs[round.project]));
            let t = (cost - paid) / BigRational::from_integer(BigInt::from(round.rich_weight));
            self.exact_t[r] = Some(t);
        }
    }

    /// The exact current budget of one group (exact prices of past rounds must be known).
    fn exact_budget(&self, group: usize) -> BigRational {
        if self.wallets[group].budget == 0.0 {
            return BigRational::zero();
        }
        let mut b = self.b0_exact.clone();
        for &(project, weight) in self.problem.profile.entries_of(group) {
            let r = self.selected_at[project as usize];
            if let Some(Some(t)) = self.exact_t.get(r as usize) {
                b -= t * BigRational::from_integer(BigInt::from(weight));
            }
        }
        b
    }

    /// Σ m·b over `groups`, exact, for budgets as they are now.
    fn exact_sum(&self, groups: &[usize]) -> BigRational {
        self.exact_sum_before(groups, self.rounds.len() as u32)
    }

    /// Σ m·b over `groups` as they were before round `before`, assuming each of them paid its
    /// full share in every earlier round where it was a supporter of the funded project.
    fn exact_sum_before(&self, groups: &[usize], before: u32) -> BigRational {
        let profile = self.problem.profile;
        let mut voters: i128 = 0;
        let mut coefficient = vec![0i128; before as usize];
        for &group in groups {
            let m = i128::from(profile.multiplicity[group]);
            voters += m;
            for &(project, weight) in profile.entries_of(group) {
                let r = self.selected_at[project as usize];
                if r < before {
                    coefficient[r as usize] += m * i128::from(weight);
                }
            }
        }
        let mut sum = &self.b0_exact * BigRational::from_integer(BigInt::from(voters));
        for (r, c) in coefficient.into_iter().enumerate() {
            if c != 0
                && let Some(Some(t)) = self.exact_t.get(r)
            {
                sum -= t * BigRational::from_integer(BigInt::from(c));
            }
        }
        sum
    }
}

/// Compares `a.0 / a.1` with `b.0 / b.1` (non-negative numerators below 2^63, positive
/// denominators below 2^53 — the supports, when floats hold them — so the products fit).
fn ratio_cmp(a: (i128, i128), b: (i128, i128)) -> Ordering {
    (a.0 * b.1).cmp(&(b.0 * a.1))
}

/// The supporters of an evaluation that were summed up rather than gathered.
#[derive(Debug, Default)]
struct Rest {
    money: f64,
    voters: f64,
    /// Σ m·w (an integer, exact).
    weight: f64,
    min_key: f64,
    live: usize,
}

impl Rest {
    fn add(&mut self, wallet: Wallet, weight: f64, key: f64) {
        self.money += wallet.voters * wallet.budget;
        self.voters += wallet.voters;
        self.weight += wallet.voters * weight;
        // A plain comparison (keys are never NaN) compiles to one instruction; `f64::min` does not.
        if self.live == 0 || key < self.min_key {
            self.min_key = key;
        }
        self.live += 1;
    }
}

/// A poor/rich split found by water filling.
struct Split {
    /// Price per unit of weight for the rich.
    t: f64,
    /// Entries `[..poor]` of the scratch pay everything they have.
    poor: usize,
    paid: f64,
    poor_voters: f64,
    /// Σ m·w of those paying a full share (an integer, exact).
    rich_weight: f64,
    max_poor_key: f64,
    min_rich_key: f64,
}

impl Split {
    fn becomes_poor(&mut self, entry: &Entry) {
        self.paid += entry.money;
        self.poor_voters += entry.voters;
        self.rich_weight -= entry.voters * entry.weight;
        if entry.key > self.max_poor_key {
            self.max_poor_key = entry.key;
        }
        self.poor += 1;
    }
}

/// Finds `t` with `Σ min(m·b, t·m·w) = cost` over `entries` (reordered: poor first) and the
/// supporters summed in `live_weight` but not gathered, who all pay `t·w`.
///
/// Starts with everyone rich; whoever cannot pay the price becomes poor, which raises the price,
/// and so on until nobody changes side (usually two or three passes). After a few passes the rest
/// is sorted and walked once, as pabutools does.
fn water_fill(entries: &mut [Entry], cost: f64, live_weight: f64) -> Split {
    let mut split = Split {
        t: 0.0,
        poor: 0,
        paid: 0.0,
        poor_voters: 0.0,
        rich_weight: live_weight,
        max_poor_key: f64::NEG_INFINITY,
        min_rich_key: f64::INFINITY,
    };
    for _ in 0..4 {
        if split.rich_weight <= 0.0 {
            return split;
        }
        split.t = (cost - split.paid) / split.rich_weight;
        let before = split.poor;
        split.min_rich_key = f64::INFINITY;
        for i in split.poor..entries.len() {
            let entry = entries[i];
            if entry.key < split.t {
                entries.swap(split.poor, i);
                split.becomes_poor(&entry);
            } else if entry.key < split.min_rich_key {
                split.min_rich_key = entry.key;
            }
        }
        if split.poor == before {
            return split;
        }
    }
    // Still moving: sort the rest and walk it once.
    entries[split.poor..].sort_unstable_by(|a, b| a.key.total_cmp(&b.key));
    split.min_rich_key = f64::INFINITY;
    while split.poor < entries.len() && split.rich_weight > 0.0 {
        let entry = entries[split.poor];
        split.t = (cost - split.paid) / split.rich_weight;
        if entry.key >= split.t {
            split.min_rich_key = entry.key;
            return split;
        }
        split.becomes_poor(&entry);
    }
    // Every gathered supporter pays everything they have: the price falls on those summed up
    // (`live_weight` beyond the entries), and it must be computed after the last of them moved.
    // (Returning the price computed before that move undercharged the project: see the module
    // documentation of `outcome::mes`.)
    if split.rich_weight > 0.0 {
        split.t = (cost - split.paid) / split.rich_weight;
    }
    split
}

#[cfg(test)]
impl FastMes<'_> {
    /// An engine that computes every price exactly (the float certificates are never used).
    pub(crate) fn always_exact(mut self) -> Self {
        self.certify_in_floats = false;
        self
    }

    /// Checks the invariants of the float budgets after a run against the exact history: each
    /// group's float budget is within `err_budget` of its exact budget, and it is positive
    /// exactly when the exact budget is (`0.0` means an exact zero). Returns what is violated.
    pub(crate) fn budget_violations(&mut self) -> Vec<String> {
        self.ensure_exact_prices();
        let mut violations = Vec::new();
        for group in 0..self.wallets.len() {
            let exact = if self.emptied_at[group] == NOT_YET {
                let mut b = self.b0_exact.clone();
                for &(project, weight) in self.problem.profile.entries_of(group) {
                    let r = self.selected_at[project as usize];
                    if let Some(Some(t)) = self.exact_t.get(r as usize) {
                        b -= t * BigRational::from_integer(BigInt::from(weight));
                    }
                }
                b
            } else {
                BigRational::zero()
            };
            let float = self.wallets[group].budget;
            if (float > 0.0) != (exact > BigRational::zero()) {
                violations.push(format!(
                    "group {group}: float budget {float}, exact {exact}"
                ));
            }
            let error = num_traits::Signed::abs(
                &(BigRational::from_float(float).unwrap_or_default() - &exact),
            );
            let bound = BigRational::from_float(self.err_budget).unwrap_or_default();
            if error > bound {
                violations.push(format!(
                    "group {group}: float budget {float} is {} from exact {exact}, bound {}",
                    error.to_f64().unwrap_or(f64::NAN),
                    self.err_budget
                ));
            }
        }
        violations
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::profile::{Instance, Profile};
    use crate::outcome::rule::Satisfaction;
    use crate::outcome::testing::small_election;
    use crate::outcome::tie::{TieBreaking, TieOrder};
    use crate::pabulib::VoteType;

    fn int(value: i64) -> BigRational {
        BigRational::from_integer(BigInt::from(value))
    }

    /// Supporters with money left as water filling sees them: a key `b/w`, `m` voters of
    /// weight `w`; their money is `m·w·key`.
    fn entries() -> impl proptest::strategy::Strategy<Value = Vec<Entry>> {
        use proptest::prelude::*;
        prop::collection::vec((1u32..1000, 1u32..4, 1u32..4), 0..40).prop_map(|raw| {
            raw.into_iter()
                .map(|(key, voters, weight)| {
                    let (key, voters, weight) =
                        (f64::from(key), f64::from(voters), f64::from(weight));
                    Entry {
                        key,
                        money: voters * weight * key,
                        voters,
                        weight,
                    }
                })
                .collect()
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The split water filling returns is a fixed point: those marked poor have keys below
        /// the price, the others keys at or above it, and the price is what the rich must pay
        /// once the poor paid everything, `(cost − paid) / rich_weight`, for that very split.
        /// Supporters summed up rather than gathered (`extra` weight) always pay in full share.
        #[test]
        fn water_filling_prices_the_split_it_returns(
            mut entries in entries(),
            extra in 0u32..5,
            cost in 1u32..200_000,
        ) {
            let gathered: f64 = entries.iter().map(|e| e.voters * e.weight).sum();
            let live_weight = gathered + f64::from(extra);
            let cost = f64::from(cost);
            let split = water_fill(&mut entries, cost, live_weight);
            let paid: f64 = entries[..split.poor].iter().map(|e| e.money).sum();
            let rich: f64 = live_weight - entries[..split.poor].iter().map(|e| e.voters * e.weight).sum::<f64>();
            proptest::prop_assert_eq!(split.rich_weight, rich);
            proptest::prop_assume!(rich > 0.0);
            let t = (cost - paid) / rich;
            proptest::prop_assert!((split.t - t).abs() <= 1e-9 * t.abs(), "price {} for the split, returned {}", t, split.t);
            for entry in &entries[..split.poor] {
                proptest::prop_assert!(entry.key < split.t, "poor key {} ≥ price {}", entry.key, split.t);
            }
            for entry in &entries[split.poor..] {
                proptest::prop_assert!(entry.key >= split.t, "rich key {} < price {}", entry.key, split.t);
            }
        }
    }

    /// A project found unaffordable by a wide margin is not priced again in the next run at a
    /// higher endowment that funds the same projects first; one found so by a margin smaller
    /// than the voters' extra money is priced again.
    #[test]
    fn the_next_run_skips_what_the_previous_one_found_out_of_reach() {
        // Project 0 costs 2, voters 0 and 2 support it; project 1 costs 100, only voter 1 does.
        let ballots = vec![vec![(0, 1)], vec![(1, 1)], vec![(0, 1)]];
        let election = small_election(VoteType::Approval, 102, &[2, 100], &ballots);
        let instance = Instance::new(&election).unwrap();
        let profile = Profile::new(&election, &instance, Satisfaction::Cost).unwrap();
        let tie = TieOrder::new(TieBreaking::ProjectId, &election, &instance.votes);
        let problem = MesProblem::new(&instance, &profile, &tie);
        let mut engine = FastMes::new(&problem);
        assert_eq!(engine.run(&int(1)), vec![0]);
        assert_eq!(engine.stats.carried_over, 0);
        // Voter 1 holds at most 1 + 3 · 1 after one unit more each: far from 100.
        assert_eq!(engine.run(&int(2)), vec![0]);
        assert_eq!(engine.stats.carried_over, 1);
        // Carried again: at most 1 + 3 + 3 · 30 = 94 < 100.
        assert_eq!(engine.run(&int(32)), vec![0]);
        assert_eq!(engine.stats.carried_over, 2);
        // 94 + 3 · 10 is not below 100: priced again, and now affordable.
        assert_eq!(engine.run(&int(100)), vec![0, 1]);
        assert_eq!(engine.stats.carried_over, 2);
        // A lower endowment reuses nothing.
        assert_eq!(engine.run(&int(1)), vec![0]);
        assert_eq!(engine.stats.carried_over, 2);
    }

    /// Ties are broken on exact prices; a contender whose exact evaluation finds it unaffordable
    /// is no winner, even when it is the only contender (it must never be funded for free).
    #[test]
    fn a_tie_break_never_chooses_a_project_its_supporters_cannot_pay_for() {
        // Project 0 costs 10 and only voter 0 (endowment 1) supports it; project 1 costs 1.
        let ballots = vec![vec![(0, 1)], vec![(1, 1)], vec![]];
        let election = small_election(VoteType::Approval, 3, &[10, 1], &ballots);
        let instance = Instance::new(&election).unwrap();
        let profile = Profile::new(&election, &instance, Satisfaction::Cost).unwrap();
        let tie = TieOrder::new(TieBreaking::ProjectId, &election, &instance.votes);
        let problem = MesProblem::new(&instance, &profile, &tie);
        let mut engine = FastMes::new(&problem);
        assert_eq!(engine.run(&int(1)), vec![1]);
        // A float evaluation claiming project 0 affordable (as a wrong certificate would).
        let claimed = Evaluation::Float {
            t: 1.0,
            err_t: 0.0,
            rho: 0.1,
            err_rho: 0.0,
            rich_weight: 1,
            any_poor: true,
        };
        let mut evaluated = vec![(0, claimed)];
        assert_eq!(engine.break_tie(&mut evaluated, &[0]), None);
        assert!(matches!(evaluated[0].1, Evaluation::Unaffordable));
    }

    /// Endowment 1/3 + 10⁻³⁰ and a project of cost 1 split by three voters: each pays exactly
    /// 1/3 and keeps 10⁻³⁰. In floats both the endowment and the price round to the same
    /// `0.333…`, so `b − t·w` is `0.0`; only the exact comparison sees that they keep money, and
    /// the float budget must then stay positive (`0.0` means an exact zero) and within the
    /// error bound of the exact one.
    #[test]
    fn a_voter_who_keeps_a_sliver_of_money_keeps_a_positive_float_budget() {
        let three_alike = vec![vec![(0, 1)], vec![(0, 1)], vec![(0, 1)]];
        let election = small_election(VoteType::Approval, 1, &[1], &three_alike);
        let instance = Instance::new(&election).unwrap();
        for satisfaction in [Satisfaction::Cost, Satisfaction::Cardinality] {
            let profile = Profile::new(&election, &instance, satisfaction).unwrap();
            let tie = TieOrder::new(TieBreaking::ProjectId, &election, &instance.votes);
            let problem = MesProblem::new(&instance, &profile, &tie);
            let sliver = BigRational::new(BigInt::from(1), BigInt::from(10).pow(30));
            let endowment = BigRational::new(BigInt::from(1), BigInt::from(3)) + sliver;
            for mut engine in [
                FastMes::new(&problem),
                FastMes::new(&problem).always_exact(),
            ] {
                assert_eq!(engine.run(&endowment), vec![0]);
                assert_eq!(engine.budget_violations(), Vec::<String>::new());
            }
        }
    }
}
