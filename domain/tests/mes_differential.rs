//! The production Method of Equal Shares engine (floats certified by error bounds, exact
//! fallbacks) against the literal exact transcription of pabutools' MES, on every real election
//! in `tests/data/pabulib/` (the 15 with reference outcomes, the 42 of `more/`, the regressions),
//! for every MES rule that applies to its vote type, at the endowments the add1 loops pass through
//! (pabutools' from budget/n, the equalshares.net tool's from ⌊budget/n⌋). Each (file, rule) is
//! one test that requires identical funded projects, in the same order.
//!
//! The fast engine runs at every endowment of the loops, up to `PLAZA_MES_RUNS` runs per loop
//! (default 400: the loops of Budapest 2024, in forints, take 23,177 and 27,765 runs of 20 ms);
//! the exact one, slower, at `PLAZA_MES_SAMPLES` of those endowments (default 4, spread evenly,
//! always the first and the last), or at all of them with `PLAZA_MES_SAMPLES=all`. The complete
//! sweep is `scripts/mes-sweep`, which writes its result per file and can be resumed.

mod common;

use libtest_mimic::{Arguments, Failed, Trial};
use plaza_domain::outcome::OutcomeRule;
use plaza_domain::outcome::inspect::{endowment_sweep, swept_rules};
use plaza_domain::pabulib::{self, Election};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

/// Every shared election: the reference instances, `more/` and `regressions/`.
fn files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["", "more", "regressions"] {
        let dir = common::data_dir().join(dir);
        for entry in std::fs::read_dir(&dir).expect("the data directory") {
            let path = entry.expect("a directory entry").path();
            if path.extension().is_some_and(|e| e == "pb") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Which of `count` endowments get an exact run.
fn sampled(count: usize, samples: Option<usize>) -> Vec<usize> {
    match samples {
        None => (0..count).collect(),
        Some(s) if count <= s => (0..count).collect(),
        Some(s) => {
            let mut picks: Vec<usize> = (0..s).map(|i| i * (count - 1) / (s - 1).max(1)).collect();
            picks.dedup();
            picks
        }
    }
}

fn check(
    election: &Election,
    rule: &str,
    samples: Option<usize>,
    max_runs: u64,
) -> Result<(), Failed> {
    let parsed: OutcomeRule = rule.parse().map_err(|e| format!("{rule}: {e}"))?;
    let sweep = endowment_sweep(election, &parsed, None, max_runs)
        .map_err(|e| format!("{rule}: {e}"))?
        .ok_or("not an MES rule")?;
    let ids = |order: &[usize]| -> Vec<String> {
        order
            .iter()
            .map(|&p| election.projects[p].id.clone())
            .collect()
    };
    let picks = sampled(sweep.len(), samples);
    assert!(!picks.is_empty() || election.voters.is_empty());
    let mut differences = Vec::new();
    for &i in &picks {
        let exact = sweep.exact(i);
        if exact != sweep.fast(i) {
            differences.push(format!(
                "endowment {}: fast {:?}, exact {:?}",
                sweep.endowment(i),
                ids(sweep.fast(i)),
                ids(&exact)
            ));
        }
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} of {} compared endowments (of {}) differ:\n{}",
            differences.len(),
            picks.len(),
            sweep.len(),
            differences.join("\n")
        )
        .into())
    }
}

fn main() {
    let arguments = Arguments::from_args();
    let samples = match std::env::var("PLAZA_MES_SAMPLES").as_deref() {
        Ok("all") => None,
        Ok(n) => Some(n.parse().expect("PLAZA_MES_SAMPLES: a number ≥ 2 or `all`")),
        Err(_) => Some(4),
    };
    let max_runs: u64 = std::env::var("PLAZA_MES_RUNS")
        .map(|n| n.parse().expect("PLAZA_MES_RUNS: a number"))
        .unwrap_or(400);
    let mut trials = Vec::new();
    for path in files() {
        let relative = path
            .strip_prefix(common::data_dir())
            .expect("under the data directory")
            .display()
            .to_string();
        let text = std::fs::read_to_string(&path).expect("a readable file");
        // Each file is parsed once here for its vote type, and again by its first test.
        let vote_type = pabulib::parse(&text)
            .unwrap_or_else(|e| panic!("{relative}: {e}"))
            .election
            .vote_type;
        let election: Arc<OnceLock<Election>> = Arc::new(OnceLock::new());
        for &rule in swept_rules(vote_type) {
            let (election, path) = (election.clone(), path.clone());
            trials.push(Trial::test(format!("{relative}::{rule}"), move || {
                let election = election.get_or_init(|| {
                    let text = std::fs::read_to_string(&path).expect("a readable file");
                    pabulib::parse(&text).expect("parsed above").election
                });
                check(election, rule, samples, max_runs)
            }));
        }
    }
    libtest_mimic::run(&arguments, trials).exit();
}
