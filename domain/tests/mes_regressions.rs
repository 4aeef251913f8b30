//! Plain Method of Equal Shares runs that once disagreed with the reference library pabutools,
//! kept as ordinary tests. Each file in `tests/data/pabulib/regressions/` is a real election from
//! `more/` with only its `budget` line raised to an endowment that the add1 completion passes
//! through; `expected.json` there gives pabutools' exact outcome (see its `about`). The fourth
//! test is the final add1 outcome that one of those wrong runs changed.

mod common;

use plaza_domain::outcome::{self, OutcomeRule};
use plaza_domain::pabulib::{self, Election};
use serde_json::Value;

fn election(path: &str) -> Election {
    let file = common::data_dir().join(path);
    let text = std::fs::read_to_string(&file).expect("the .pb file is in tests/data/pabulib");
    pabulib::parse(&text)
        .unwrap_or_else(|error| panic!("{path}: {error}"))
        .election
}

fn funded(election: &Election, rule: &str) -> Vec<String> {
    let rule: OutcomeRule = rule.parse().expect("a rule name");
    outcome::tally(election, &rule, None)
        .expect("the rule applies")
        .selected
}

#[test]
fn every_recorded_regression_funds_what_pabutools_funds() {
    let json = std::fs::read_to_string(common::data_dir().join("regressions/expected.json"))
        .expect("regressions/expected.json");
    let expected: Value = serde_json::from_str(&json).expect("valid JSON");
    let cases = expected["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 4);
    let mut wrong = Vec::new();
    for case in cases {
        let file = case["file"].as_str().expect("file");
        let rule = case["rule"].as_str().expect("rule");
        let election = election(&format!("regressions/{file}"));
        let selected = funded(&election, rule);
        let reference = common::sorted(common::strings(&case["pabutools_selected"]));
        if selected != reference {
            wrong.push(format!(
                "{file} {rule}: {selected:?}, pabutools {reference:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// One wrong run made the add1 loop stop at another endowment: `1` was funded instead of `19`.
#[test]
fn zurich_s5r_with_add1_funds_what_pabutools_funds() {
    let election = election("more/Switzerland_Zurich_S5R.pb");
    let expected: Vec<String> = ["11", "13", "14", "17", "19", "24", "5", "6", "7"]
        .map(String::from)
        .to_vec();
    assert_eq!(funded(&election, "mes_score_add1"), expected);
}

/// MES does not depend on the unit money is counted in: an election written in cents, whose
/// add1 loop adds 100 cents per run, funds what the same election in złoty funds adding one
/// złoty, after as many runs, at a hundred times the endowment.
#[test]
fn an_election_in_cents_with_an_increment_of_100_funds_what_it_funds_in_whole_units() {
    use plaza_domain::outcome::{TallyOptions, tally_with};
    use plaza_domain::pabulib::Decimal;
    let whole = election("Poland_Wieliczka_2023_Green_Budget.pb");
    let times_100 = |d: &Decimal| {
        let units = d.units_at_scale(d.scale()).expect("fits");
        Decimal::from_units(units * 100, d.scale()).expect("fits")
    };
    let mut cents = whole.clone();
    cents.budget = times_100(&whole.budget);
    for project in &mut cents.projects {
        project.cost = times_100(&project.cost);
    }
    for rule in ["mes_cost_sat_add1", "esnet_add1", "equal-shares"] {
        let parsed: OutcomeRule = rule.parse().expect("a rule");
        let in_units = outcome::tally(&whole, &parsed, None).expect("tallies");
        let options = TallyOptions {
            increment: Decimal::from_integer(100),
            ..TallyOptions::default()
        };
        let in_cents = tally_with(&cents, &parsed, None, &options).expect("tallies");
        assert_eq!(in_cents.selection_order, in_units.selection_order, "{rule}");
        let (units_mes, cents_mes) = (in_units.mes.expect("MES"), in_cents.mes.expect("MES"));
        assert_eq!(cents_mes.runs, units_mes.runs, "{rule}");
        assert!(units_mes.runs > 1, "{rule}: the add1 loop ran");
        let hundredfold = units_mes.final_endowment.approx * 100.0;
        assert!(
            (cents_mes.final_endowment.approx - hundredfold).abs() < 1e-6 * hundredfold,
            "{rule}"
        );
    }
    // An increment finer than the money of the file is refused.
    let options = TallyOptions {
        increment: Decimal::parse("0.5").expect("a number"),
        ..TallyOptions::default()
    };
    let error = tally_with(
        &whole,
        &"mes_cost_sat_add1".parse().expect("a rule"),
        None,
        &options,
    )
    .expect_err("refused");
    assert!(error.to_string().contains("increment `0.5`"), "{error}");
}

/// An add1 loop computed on several threads (the next endowments' runs computed while the
/// current one is) funds what it funds on one, after as many runs, at the same endowment; and the
/// explanation of a tally, which replays only its final run, is the one computed from scratch.
#[test]
fn threads_and_explanations_change_no_outcome() {
    use plaza_domain::outcome::{TallyOptions, explain, tally_with};
    let files = [
        "Poland_Wieliczka_2023_Green_Budget.pb",
        "Poland_Katowice_2023.pb",
        "Netherlands_Assen_2024.pb",
        "more/Switzerland_Zurich_S5R.pb",
    ];
    for file in files {
        let election = election(file);
        for rule in [
            "mes_cost_sat_add1",
            "mes_add1",
            "esnet_add1",
            "equal-shares",
        ] {
            let Ok(rule_parsed) = rule.parse::<OutcomeRule>() else {
                panic!("{rule}: a rule name");
            };
            let one = match outcome::tally(&election, &rule_parsed, None) {
                Ok(tally) => tally,
                // Some rules do not read every vote type (esnet: approval only).
                Err(_) => continue,
            };
            for threads in [2, 3] {
                let options = TallyOptions {
                    threads,
                    ..TallyOptions::default()
                };
                let many = tally_with(&election, &rule_parsed, None, &options).expect("tallies");
                assert_eq!(
                    many.selection_order, one.selection_order,
                    "{file} {rule} {threads}"
                );
                let (one_mes, many_mes) = (one.mes.as_ref(), many.mes.as_ref());
                assert_eq!(
                    many_mes.map(|m| (m.runs, m.final_endowment.clone())),
                    one_mes.map(|m| (m.runs, m.final_endowment.clone())),
                    "{file} {rule} {threads}"
                );
            }
            let from_scratch =
                explain::equal_shares(&election, &rule_parsed, None).expect("explains");
            let of_tally =
                explain::equal_shares_of(&election, &rule_parsed, None, &one).expect("explains");
            assert!(
                from_scratch.is_some(),
                "{file} {rule}: an MES rule is explained"
            );
            assert_eq!(of_tally, from_scratch, "{file} {rule}");
        }
    }
}
