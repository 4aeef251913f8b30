//! One test per (instance, rule) recorded in the reference files: for every `X.expected.json` in
//! `tests/data/pabulib/` and every outcome key in it, the rule computed on `X.pb` gives exactly the
//! recorded selected set (and, where recorded, selection order, total cost, add1 increments,
//! final endowment and comparison counts). The tests are made from the JSON at run time (a
//! libtest-mimic harness), so a new reference file is a new set of tests with no code to add,
//! and nothing expected is written in code. Keys the reference marks as not computed are listed
//! as ignored tests.

mod common;

use common::{Reference, differences, is_skipped, load};
use libtest_mimic::{Arguments, Failed, Trial};
use plaza_domain::outcome::{self, OutcomeRule};
use std::sync::{Arc, OnceLock};

fn check(reference: &Reference, key: &str) -> Result<(), Failed> {
    let record = &reference.expected["outcomes"][key];
    let rule: OutcomeRule = key.parse().map_err(|e| format!("{key}: {e}"))?;
    let tally =
        outcome::tally(&reference.election, &rule, None).map_err(|e| format!("{key}: {e}"))?;
    let mut problems = differences(&tally, record);
    if tally.rule != key {
        problems.push(format!("reported as rule `{}`", tally.rule));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; ").into())
    }
}

fn main() {
    let arguments = Arguments::from_args();
    let mut trials = Vec::new();
    for stem in common::instances() {
        // Each instance is parsed once, by whichever of its tests runs first.
        let reference: Arc<OnceLock<Reference>> = Arc::new(OnceLock::new());
        let keys: Vec<(String, bool)> = {
            let json =
                std::fs::read_to_string(common::data_dir().join(format!("{stem}.expected.json")))
                    .expect("the expected file");
            let expected: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
            expected["outcomes"]
                .as_object()
                .expect("outcomes")
                .iter()
                .map(|(key, record)| (key.clone(), is_skipped(record)))
                .collect()
        };
        assert!(!keys.is_empty(), "{stem}: no outcomes recorded");
        for (key, skipped) in keys {
            let reference = reference.clone();
            let stem_for_test = stem.clone();
            let name = format!("{stem}::{key}");
            let trial = Trial::test(name, move || {
                let reference = reference.get_or_init(|| load(&stem_for_test));
                check(reference, &key)
            });
            trials.push(trial.with_ignored_flag(skipped));
        }
    }
    libtest_mimic::run(&arguments, trials).exit();
}
