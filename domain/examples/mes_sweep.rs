//! The differential sweep of the Method of Equal Shares: for each Pabulib file given, every MES
//! rule that applies to its vote type, every endowment the add1 loops pass through, the
//! production engine against the literal exact transcription of pabutools' MES.
//!
//! ```text
//! cargo run --release -p plaza-domain --example mes_sweep -- [--every N] [--rule R] [--out DIR] FILE.pb...
//! ```
//!
//! `--jobs N` shares the exact runs among N threads (default: the machine's cores); the
//! reported `exact_total` is the time of the exact runs summed. `--rule R` sweeps that rule only
//! (e.g. `mes_cardinality_sat`) instead of every MES rule of the file's vote type.
//! `--every N` computes the exact run at every N-th endowment only (and always at the first and
//! the last); the default, 1, compares all of them. With `--out DIR`, each (file, rule) writes its
//! result to `DIR/<file>.<rule>.txt` and is skipped when that file exists, so a sweep that takes
//! hours can be stopped and resumed (`scripts/mes-sweep` does so over every shared election).
//! Exits with 1 if any run differs.

use plaza_domain::outcome::OutcomeRule;
use plaza_domain::outcome::inspect::{endowment_sweep, swept_rules};
use plaza_domain::pabulib::{self, Election};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::time::Instant;

fn ids(election: &Election, order: &[usize]) -> String {
    let ids: Vec<&str> = order
        .iter()
        .map(|&p| election.projects[p].id.as_str())
        .collect();
    ids.join(",")
}

/// Sweeps one rule on one election; returns the report and whether every compared run agreed.
fn sweep(
    election: &Election,
    rule: &str,
    every: usize,
    jobs: usize,
) -> Result<(String, bool), String> {
    let parsed: OutcomeRule = rule.parse().map_err(|e| format!("{rule}: {e}"))?;
    let started = Instant::now();
    let sweep = endowment_sweep(
        election,
        &parsed,
        None,
        plaza_domain::outcome::mes::MAX_RUNS,
    )
    .map_err(|e| format!("{rule}: {e}"))?
    .ok_or_else(|| format!("{rule} is not an MES rule"))?;
    let fast_seconds = started.elapsed().as_secs_f64();
    // The exact runs, shared among `jobs` threads; each result keeps its endowment's index.
    let indices: Vec<usize> = (0..sweep.len())
        .filter(|&i| i % every == 0 || i + 1 == sweep.len())
        .collect();
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, Vec<usize>, f64)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let Some(&i) = indices.get(next.fetch_add(1, AtomicOrdering::Relaxed))
                        else {
                            return done;
                        };
                        let run_started = Instant::now();
                        let exact = sweep.exact(i);
                        done.push((i, exact, run_started.elapsed().as_secs_f64()));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| worker.join().expect("an exact run does not panic"))
            .collect()
    });
    results.sort_by_key(|(i, _, _)| *i);
    let compared = results.len();
    let slowest = results.iter().map(|r| r.2).fold(0.0, f64::max);
    let exact_seconds: f64 = results.iter().map(|r| r.2).sum();
    let mut differences = Vec::new();
    for (i, exact, _) in &results {
        let i = *i;
        if *exact != sweep.fast(i) {
            differences.push(format!(
                "  endowment {} ({:.6}): fast [{}] exact [{}]",
                sweep.endowment(i),
                num_traits::ToPrimitive::to_f64(&sweep.endowment(i)).unwrap_or(f64::NAN),
                ids(election, sweep.fast(i)),
                ids(election, exact)
            ));
        }
    }
    let mut report = format!(
        "{} endowments={}{} compared={} differences={} fast={:.2}s exact_total={:.1}s slowest_exact={:.2}s\n",
        sweep.rule(),
        sweep.len(),
        if sweep.capped() {
            " (the first runs of a loop that needs more than the cap)"
        } else {
            ""
        },
        compared,
        differences.len(),
        fast_seconds,
        exact_seconds,
        slowest,
    );
    for line in &differences {
        report.push_str(line);
        report.push('\n');
    }
    Ok((report, differences.is_empty()))
}

fn main() {
    let mut every = 1usize;
    let mut out: Option<PathBuf> = None;
    let mut only: Option<String> = None;
    let mut jobs = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--every" => every = positive(args.next(), "--every N (N ≥ 1)"),
            "--jobs" => jobs = positive(args.next(), "--jobs N (N ≥ 1)"),
            "--rule" => only = Some(args.next().expect("--rule R")),
            "--out" => out = Some(PathBuf::from(args.next().expect("--out DIR"))),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    if let Some(dir) = &out {
        std::fs::create_dir_all(dir).expect("the --out directory can be created");
    }
    let mut all_agree = true;
    for file in &files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("?")
            .to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                println!("{name}: cannot read: {e}");
                all_agree = false;
                continue;
            }
        };
        let election = match pabulib::parse(&text) {
            Ok(parsed) => parsed.election,
            Err(e) => {
                println!("{name}: does not parse: {e}");
                all_agree = false;
                continue;
            }
        };
        for rule in swept_rules(election.vote_type) {
            if only.as_deref().is_some_and(|only| only != *rule) {
                continue;
            }
            let target = out.as_deref().map(|dir| result_path(dir, &name, rule));
            if let Some(done) = target.as_deref().filter(|p| p.exists()) {
                let report = std::fs::read_to_string(done).unwrap_or_default();
                all_agree &= report.contains(" differences=0 ");
                print!("{name} (done) {report}");
                continue;
            }
            let (report, agree) = match sweep(&election, rule, every, jobs) {
                Ok(result) => result,
                Err(e) => (format!("{rule}: not swept: {e}\n"), true),
            };
            all_agree &= agree;
            print!("{name} {report}");
            if let Some(target) = target {
                std::fs::write(target, &report).expect("the result can be written");
            }
        }
    }
    std::process::exit(if all_agree { 0 } else { 1 });
}

/// A command-line count of at least 1, or the usage line.
fn positive(arg: Option<String>, usage: &str) -> usize {
    arg.and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .expect(usage)
}

fn result_path(dir: &Path, file: &str, rule: &str) -> PathBuf {
    dir.join(format!("{file}.{rule}.txt"))
}
