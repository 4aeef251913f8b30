//! Parse and tally benchmarks on the two largest shared elections (`cargo bench -p plaza-domain`).
//!
//! Warszawa 2026 (approval, 61,668 voters, 83 projects) and Katowice 2023 (cumulative, 39,828
//! voters, 25 projects): parsing, and every rule recorded in their `.expected.json` files plus
//! the file's own META rule (`greedy-threshold`) and the city `greedy`. Each rule is timed as
//! `outcome::tally` does it, building its grouped profile included, which is also what
//! pabutools' timings in the `.expected.json` files include. docs/performance.md reports the
//! medians next to pabutools' times.

use criterion::{Criterion, criterion_group, criterion_main};
use plaza_domain::outcome::{self, OutcomeRule};
use plaza_domain::pabulib::{self, Election};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn text(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/pabulib")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn election(text: &str) -> Election {
    pabulib::parse(text).expect("a shared file parses").election
}

fn bench_rules(c: &mut Criterion, label: &str, election: &Election, rules: &[&str], slow: bool) {
    let mut group = c.benchmark_group(label);
    if slow {
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(8));
    }
    for name in rules {
        let rule: OutcomeRule = name.parse().expect("a rule name");
        group.bench_function(*name, |b| {
            b.iter(|| outcome::tally(black_box(election), &rule, None).expect("the rule applies"))
        });
    }
    group.finish();
}

fn warszawa_2026(c: &mut Criterion) {
    let text = text("Poland_Warszawa_2026.pb");
    c.benchmark_group("warszawa_2026")
        .sample_size(30)
        .bench_function("parse", |b| {
            b.iter(|| pabulib::parse(black_box(&text)).expect("parses"))
        });
    let election = election(&text);
    bench_rules(
        c,
        "warszawa_2026",
        &election,
        &[
            "greedy",
            // The file's META rule (threshold 3000 votes).
            "greedy-threshold",
            "greedy_cost_sat",
            "greedy_cardinality_sat",
            "mes_cost_sat",
            "mes_cardinality_sat",
        ],
        false,
    );
    bench_rules(
        c,
        "warszawa_2026",
        &election,
        &[
            "mes_cost_sat_add1",
            "mes_cost_sat_add1_then_greedy",
            "mes_cost_sat_budget_increase_no_exhaustive_stop",
            "esnet_add1",
            "esnet_add1u",
            "esnet_add1_comparison",
            "esnet_add1u_comparison",
            "esnet_add1_no_exhaustive_stop",
            "esnet_add1_no_exhaustive_stop_comparison",
        ],
        true,
    );
}

fn katowice_2023(c: &mut Criterion) {
    let text = text("Poland_Katowice_2023.pb");
    c.benchmark_group("katowice_2023")
        .sample_size(30)
        .bench_function("parse", |b| {
            b.iter(|| pabulib::parse(black_box(&text)).expect("parses"))
        });
    let election = election(&text);
    bench_rules(
        c,
        "katowice_2023",
        &election,
        &[
            // The file's META rule.
            "greedy-threshold",
            "greedy_score",
            "greedy_points_per_cost",
            "greedy_votes_cost_sat",
            "mes_points",
            "mes_cost_sat",
        ],
        false,
    );
    bench_rules(
        c,
        "katowice_2023",
        &election,
        &[
            "mes_points_add1",
            "mes_points_add1_then_greedy",
            "mes_points_budget_increase_no_exhaustive_stop",
        ],
        true,
    );
}

criterion_group!(benches, warszawa_2026, katowice_2023);
criterion_main!(benches);
