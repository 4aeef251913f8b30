//! Every outcome recorded in the reference `.expected.json` files, recomputed from the `.pb` files.
//!
//! The files in `tests/data/pabulib/` are real elections from pabulib.org with the outcomes that
//! pabutools 1.2.3 (exact rationals) and the equalshares.net tool semantics produced (see
//! `SOURCES.md` there and `shared/reference/pabulib-and-outcome-rules.md`). Everything expected is
//! read from the JSON at test time. Every (instance, rule) pair is its own test in
//! `pabulib_rules.rs`; this file checks what spans rules: the city-rule reconstructions, the
//! published outcomes, the votes counted, and the tie and META cases the reference discusses.

mod common;

use common::{load, selected_in_file, sorted, strings};
use plaza_domain::outcome::{self, OutcomeRule, TieBreaking};
use serde_json::Value;

/// Where the expected file records the checker's reconstruction of the city's greedy rule, the
/// same rule (file-order ties) gives the recorded set, and the file's `selected` column when the
/// reconstruction matched it.
#[test]
fn city_rules_reconstruct_the_selected_column() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for stem in common::instances() {
        let reference = load(&stem);
        let check = &reference.expected["checks"]["city_rule_reconstruction"];
        let Some(rule_name) = check["rule"].as_str() else {
            continue;
        };
        let rule: OutcomeRule = rule_name.parse().expect("a city rule name");
        let tally = match outcome::tally(&reference.election, &rule, Some(TieBreaking::FileOrder)) {
            Ok(tally) => tally,
            Err(error) => {
                failures.push(format!("{stem} / {rule_name}: {error}"));
                continue;
            }
        };
        checked += 1;
        let recorded = sorted(strings(&check["selected"]));
        if tally.selected != recorded {
            failures.push(format!(
                "{stem} / {rule_name}: {:?}, recorded {recorded:?}",
                tally.selected
            ));
        }
        if check["matches_selected_in_file"].as_bool() == Some(true) {
            let in_file = selected_in_file(&reference.election);
            if tally.selected != in_file {
                failures.push(format!(
                    "{stem} / {rule_name}: {:?}, file selected {in_file:?}",
                    tally.selected
                ));
            }
        }
    }
    println!("{checked} city-rule reconstructions checked");
    assert!(checked >= 10, "only {checked} reconstructions found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Ursus 2023 has a greedy tie at the budget boundary (reference §4): the city's file order
/// reproduces the projects the city funded, pabutools' id order the set pabutools computed, and
/// the two differ.
#[test]
fn the_ursus_tie_is_decided_by_the_chosen_tie_breaking() {
    let reference = load("Poland_Warszawa_2023_Ursus");
    let greedy: OutcomeRule = "greedy".parse().unwrap();
    let by_file =
        outcome::tally(&reference.election, &greedy, Some(TieBreaking::FileOrder)).unwrap();
    let by_id = outcome::tally(&reference.election, &greedy, Some(TieBreaking::ProjectId)).unwrap();
    assert_eq!(by_file.selected, selected_in_file(&reference.election));
    let pabutools = sorted(strings(
        &reference.expected["outcomes"]["greedy_cost_sat"]["selected"],
    ));
    assert_eq!(by_id.selected, pabutools);
    assert_ne!(
        by_file.selected, by_id.selected,
        "the tie decides the outcome"
    );
}

/// `--rule meta` on Wieliczka's Green Budget (`equalshares/add1-comparison`) funds exactly the
/// projects the city funded.
#[test]
fn meta_rule_of_wieliczka_funds_what_wieliczka_funded() {
    let reference = load("Poland_Wieliczka_2023_Green_Budget");
    let tally = outcome::tally(&reference.election, &OutcomeRule::Meta, None).unwrap();
    assert_eq!(tally.rule, "esnet_add1_no_exhaustive_stop_comparison");
    let in_file = selected_in_file(&reference.election);
    assert!(!in_file.is_empty());
    assert_eq!(tally.selected, in_file);
    let comparison = tally.comparison.expect("a comparison step");
    assert!(!comparison.greedy_chosen);
}

/// Every rule the expected files mark as reproducing a published outcome reproduces the file's
/// `selected == 1` projects here too.
#[test]
fn published_outcomes_are_reproduced() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for stem in common::instances() {
        let reference = load(&stem);
        let Some(matches) = reference.expected["checks"]["published_outcome_match"].as_object()
        else {
            continue;
        };
        let in_file = selected_in_file(&reference.election);
        for (key, reproduces) in matches {
            if reproduces.as_bool() != Some(true) {
                continue;
            }
            checked += 1;
            let tally = outcome::tally(&reference.election, &key.parse().unwrap(), None).unwrap();
            if tally.selected != in_file {
                failures.push(format!(
                    "{stem} / {key}: {:?}, published {in_file:?}",
                    tally.selected
                ));
            }
        }
    }
    println!("{checked} published outcomes checked");
    assert!(checked > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The votes per project counted from the ballots equal the reference counts.
#[test]
fn votes_per_project_match_the_reference() {
    let rule: OutcomeRule = "greedy".parse().unwrap();
    for stem in common::instances() {
        let reference = load(&stem);
        let tally = outcome::tally(&reference.election, &rule, None).unwrap();
        let expected = reference.expected["votes_per_project"]
            .as_object()
            .expect("votes_per_project");
        for project in &tally.projects {
            assert_eq!(
                Some(project.votes),
                expected.get(&project.id).and_then(Value::as_u64),
                "{stem} / {}",
                project.id
            );
        }
        let order = strings(&reference.expected["project_ids_in_file_order"]);
        let ids: Vec<String> = reference
            .election
            .projects
            .iter()
            .map(|p| p.id.clone())
            .collect();
        assert_eq!(ids, order, "{stem}: project order");
    }
}
