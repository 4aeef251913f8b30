//! The MES runs of one tally, one endowment after another, with the next endowments' runs
//! computed on other threads while the current one is.
//!
//! An add1 completion runs MES at `b₀`, `b₀ + step`, `b₀ + 2·step`, … and stops at the first run
//! that overspends (or that is exhaustive): which run is the last is only known once the runs
//! before it are, but the runs themselves do not depend on each other (each starts from fresh
//! budgets). So while the loop's current run is computed, [`Runs`] computes the next ones on
//! other threads; the loop then finds them ready. On a city-sized budget (100,000 voters, 344
//! runs) two threads take two thirds of the time one does. The outcome of a tally is the same
//! whatever the number of threads, and so is the number of runs reported: a run computed ahead
//! and never asked for is neither reported nor counted (only its time is lost, at most one run
//! per extra thread). The work counted is not: each engine reuses what its own previous run
//! learnt ([`FastMes`]'s memo), and with more threads that run is further behind, so fewer
//! evaluations are skipped. A tally near the work cap ([`Runs::work_cap`]) may therefore be
//! refused on more threads and not on fewer (or the reverse); `plaza pb tally --threads N`
//! reproduces a given count.

use num_rational::BigRational;
use std::collections::VecDeque;

use super::fast::{FastMes, Stats};
use super::{MAX_RUNS, MesProblem, TooManyRuns, reference};

/// Runs are computed ahead on other threads only once a run takes at least this much work
/// ([`Stats::work`], a few nanoseconds a step: about a third of a millisecond). Starting a thread
/// costs tens of microseconds, more than a small election's whole run: a loop of 100,000 tiny
/// runs went three times slower when each pair of runs started a thread.
const WORTH_A_THREAD: u64 = 100_000;

/// The runs of one tally: the engines (one per thread, each with its own buffers) and the runs
/// computed ahead of the loop.
pub(crate) struct Runs<'a> {
    engines: Vec<FastMes<'a>>,
    /// Runs computed but not asked for yet, in the order the loop will ask for them.
    ahead: VecDeque<Computed>,
    /// The work of the last run computed (0 before the first).
    last_work: u64,
    /// The counters of the runs asked for, summed.
    pub stats: Stats,
    /// At most this many runs are asked for ([`MAX_RUNS`] unless lowered) …
    pub run_cap: u64,
    /// … and no run is started once their [`Stats::work`] reaches this (unbounded unless set).
    pub work_cap: u64,
    /// When set, every run asked for is recorded here (endowment, funded projects).
    pub log: Option<Vec<(BigRational, Vec<usize>)>>,
}

/// One run: its endowment, the projects it funded in order, and its counters.
struct Computed {
    endowment: BigRational,
    order: Vec<usize>,
    stats: Stats,
}

impl<'a> Runs<'a> {
    /// The runs of `problem` on `threads` threads (at least one).
    pub(crate) fn new(problem: &'a MesProblem<'a>, threads: usize) -> Runs<'a> {
        Runs {
            engines: (0..threads.max(1)).map(|_| FastMes::new(problem)).collect(),
            ahead: VecDeque::new(),
            last_work: 0,
            stats: Stats::default(),
            run_cap: MAX_RUNS,
            work_cap: u64::MAX,
            log: None,
        }
    }

    /// The projects MES funds, in order, at `endowment` (in money units per voter). `upcoming`
    /// gives the endowments the loop will ask for next, in order, unless this run ends it: the
    /// other threads compute them meanwhile (pass `std::iter::empty()` when there are none).
    /// Refused once [`Runs::run_cap`] runs were asked for or their work reached
    /// [`Runs::work_cap`].
    pub(crate) fn run(
        &mut self,
        endowment: &BigRational,
        upcoming: impl Iterator<Item = BigRational>,
    ) -> Result<Vec<usize>, TooManyRuns> {
        if self.stats.runs >= self.run_cap || self.stats.work() >= self.work_cap {
            return Err(TooManyRuns);
        }
        let computed = match self.ahead.pop_front() {
            Some(ready) if ready.endowment == *endowment => ready,
            _ => {
                // Not the run the loop was expected to ask for (or none computed ahead): what
                // was computed ahead is of no use any more.
                self.ahead.clear();
                let threads = if self.last_work >= WORTH_A_THREAD {
                    self.engines.len()
                } else {
                    1
                };
                let batch: Vec<BigRational> = std::iter::once(endowment.clone())
                    .chain(upcoming.take(threads - 1))
                    .collect();
                let mut computed = self.compute(&batch);
                let first = computed.pop_front().expect("a batch holds its first run");
                self.last_work = first.stats.work();
                self.ahead = computed;
                first
            }
        };
        self.stats.add(&computed.stats);
        if let Some(log) = &mut self.log {
            log.push((computed.endowment.clone(), computed.order.clone()));
        }
        Ok(computed.order)
    }

    /// The runs at `batch`'s endowments, the first on this thread and the others each on a
    /// thread of its own.
    fn compute(&mut self, batch: &[BigRational]) -> VecDeque<Computed> {
        let (first, others) = self.engines.split_first_mut().expect("at least one engine");
        if batch.len() == 1 {
            return VecDeque::from([one_run(first, &batch[0])]);
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = others
                .iter_mut()
                .zip(&batch[1..])
                .map(|(engine, endowment)| scope.spawn(move || one_run(engine, endowment)))
                .collect();
            let mut computed = VecDeque::from([one_run(first, &batch[0])]);
            for handle in handles {
                match handle.join() {
                    Ok(run) => computed.push_back(run),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            computed
        })
    }
}

/// One MES run on `engine`, with the counters it added.
fn one_run(engine: &mut FastMes<'_>, endowment: &BigRational) -> Computed {
    let before = engine.stats;
    let order = if engine.floats_hold_weights() {
        engine.run(endowment)
    } else {
        // Supports of 2^53 or more (points that large): floats certify nothing, and the fast
        // engine's exact path re-derives every budget from the run's history for every price.
        // The exact reference, its budgets integers over one denominator, is far quicker then
        // (and equal to it: both are checked against each other).
        engine.stats.runs += 1;
        reference::run(engine.problem(), endowment, &mut engine.stats.exact_work)
    };
    Computed {
        endowment: endowment.clone(),
        order,
        stats: engine.stats.since(&before),
    }
}
