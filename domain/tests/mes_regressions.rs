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
