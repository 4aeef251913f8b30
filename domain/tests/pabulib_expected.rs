//! Every outcome recorded in the reference `.expected.json` files, recomputed from the `.pb` files.
//!
//! The files in `tests/data/pabulib/` are real elections from pabulib.org with the outcomes that
//! pabutools 1.2.3 (exact rationals) and the equalshares.net tool semantics produced (see
//! `SOURCES.md` there and `shared/reference/pabulib-and-outcome-rules.md`). Everything expected is
//! read from the JSON at test time. Each instance is one test; inside it every rule key is
//! checked and every mismatching (instance, rule) pair is reported by name before the test fails.

use plaza_domain::outcome::{self, OutcomeRule, Tally, TieBreaking};
use plaza_domain::pabulib::{self, Decimal, Election};
use serde_json::Value;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pabulib")
}

struct Reference {
    election: Election,
    expected: Value,
}

fn load(stem: &str) -> Reference {
    let dir = data_dir();
    let text = std::fs::read_to_string(dir.join(format!("{stem}.pb")))
        .expect("the .pb file is in tests/data/pabulib");
    let json = std::fs::read_to_string(dir.join(format!("{stem}.expected.json")))
        .expect("the .expected.json file");
    let election = match pabulib::parse(&text) {
        Ok(parsed) => parsed.election,
        Err(error) => panic!("{stem}.pb does not parse: {error}"),
    };
    Reference {
        election,
        expected: serde_json::from_str(&json).expect("valid JSON"),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// The projects the file marks `selected == 1`.
fn selected_in_file(election: &Election) -> Vec<String> {
    let ids = (0..election.projects.len())
        .filter(|&p| election.project_cell(p, "selected") == Some("1"))
        .map(|p| election.projects[p].id.clone())
        .collect();
    sorted(ids)
}

/// Compares one tally with one expected record; returns what differs.
fn differences(tally: &Tally, record: &Value) -> Vec<String> {
    let mut found = Vec::new();
    let expected = sorted(strings(&record["selected"]));
    if tally.selected != expected {
        found.push(format!(
            "selected {:?}, expected {:?}",
            tally.selected, expected
        ));
    }
    let order = strings(&record["selection_order"]);
    if !order.is_empty() && tally.selection_order != order {
        found.push(format!(
            "selection order {:?}, expected {:?}",
            tally.selection_order, order
        ));
    }
    if let Some(cost) = record["total_cost"].as_f64() {
        let expected = Decimal::parse(&record["total_cost"].to_string()).ok();
        let same = match expected {
            Some(d) => d.cmp_value(&tally.total_cost) == Ordering::Equal,
            None => (tally.total_cost.to_f64() - cost).abs() < 1e-6,
        };
        if !same {
            found.push(format!(
                "total cost {}, expected {}",
                tally.total_cost, record["total_cost"]
            ));
        }
    }
    if let (Some(mes), Some(increments)) = (&tally.mes, record["increments"].as_u64())
        && mes.increments != increments
    {
        found.push(format!(
            "{} add1 increments, expected {increments}",
            mes.increments
        ));
    }
    if let (Some(mes), Some(endowment)) = (&tally.mes, record["final_budget_per_voter"].as_f64())
        && (mes.final_endowment.approx - endowment).abs() > 1e-9 * endowment.abs().max(1.0)
    {
        found.push(format!(
            "final endowment {}, expected {endowment}",
            mes.final_endowment.approx
        ));
    }
    if let Some(expected) = record.get("comparison") {
        match &tally.comparison {
            None => found.push("no comparison step reported".to_string()),
            Some(comparison) => {
                let counts = (comparison.prefer_equal_shares, comparison.prefer_greedy);
                let wanted = (
                    expected["prefers_mes"].as_u64(),
                    expected["prefers_greedy"].as_u64(),
                );
                if (Some(counts.0), Some(counts.1)) != wanted {
                    found.push(format!("comparison counts {counts:?}, expected {wanted:?}"));
                }
            }
        }
    }
    found
}

/// Checks every rule key recorded for one instance; fails listing every mismatching pair.
fn check_instance(stem: &str) {
    let reference = load(stem);
    let outcomes = reference.expected["outcomes"]
        .as_object()
        .unwrap_or_else(|| panic!("{stem}: no outcomes in the expected file"));
    let mut failures = Vec::new();
    let mut skipped = Vec::new();
    let mut checked = 0;
    for (key, record) in outcomes {
        if record
            .get("skipped")
            .is_some_and(|s| s.as_bool() == Some(true) || s.as_str().is_some())
        {
            skipped.push(key.as_str());
            continue;
        }
        let rule: OutcomeRule = match key.parse() {
            Ok(rule) => rule,
            Err(error) => {
                failures.push(format!("{stem} / {key}: {error}"));
                continue;
            }
        };
        match outcome::tally(&reference.election, &rule, None) {
            Ok(tally) => {
                checked += 1;
                if tally.rule != *key {
                    failures.push(format!("{stem} / {key}: reported as rule `{}`", tally.rule));
                }
                for difference in differences(&tally, record) {
                    failures.push(format!("{stem} / {key}: {difference}"));
                }
            }
            Err(error) => failures.push(format!("{stem} / {key}: {error}")),
        }
    }
    println!(
        "{stem}: {checked} rules match, {} skipped as recorded{}{}",
        skipped.len(),
        if skipped.is_empty() { "" } else { ": " },
        skipped.join(", ")
    );
    assert!(checked > 0, "{stem}: no rule was checked");
    assert!(
        failures.is_empty(),
        "{} (instance, rule) pairs differ from the reference:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

macro_rules! one_test_per_instance {
    ($($test:ident => $stem:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                check_instance($stem);
            }
        )*
        const INSTANCES: &[&str] = &[$($stem),*];
    };
}

one_test_per_instance! {
    toulouse_2024 => "France_Toulouse_2024",
    amsterdam_588 => "Netherlands_Amsterdam_588",
    amsterdam_604 => "Netherlands_Amsterdam_604",
    assen_2024 => "Netherlands_Assen_2024",
    czestochowa_2020_bleszno => "Poland_Czestochowa_2020_Bleszno",
    gdynia_2023_wzgorze_small => "Poland_Gdynia_2023_Wzgorze_Sw._Maksymiliana__small",
    katowice_2023 => "Poland_Katowice_2023",
    katowice_2023_piotrowice_ochojec => "Poland_Katowice_2023_Piotrowice_-_Ochojec",
    krakow_2020_pradnik_bialy => "Poland_Krakow_2020_Pradnik_Bialy",
    warszawa_2018_pole_mokotowskie => "Poland_Warszawa_2018_Pole_Mokotowskie",
    warszawa_2023_ursus => "Poland_Warszawa_2023_Ursus",
    warszawa_2026 => "Poland_Warszawa_2026",
    wieliczka_2023_green_budget => "Poland_Wieliczka_2023_Green_Budget",
    zabrze_2020_osiedle_mlodego_gornika => "Poland_Zabrze_2020_Osiedle_Mlodego_Gornika",
    seattle_2019_district_5_rankings =>
        "US_Stanford_Dataset_Your_Voice_Your_Choice_Parks_and_Streets-_Seattle_2019_District_5_vote_rankings",
}

#[test]
fn every_expected_file_has_its_test() {
    let mut stems: Vec<String> = std::fs::read_dir(data_dir())
        .expect("tests/data/pabulib exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".expected.json").map(str::to_string)
        })
        .collect();
    stems.sort();
    let mut listed: Vec<String> = INSTANCES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        stems, listed,
        "add a line to one_test_per_instance! for each new expected file"
    );
}

/// Where the expected file records the checker's reconstruction of the city's greedy rule, the
/// same rule (file-order ties) gives the recorded set, and the file's `selected` column when the
/// reconstruction matched it.
#[test]
fn city_rules_reconstruct_the_selected_column() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for stem in INSTANCES {
        let reference = load(stem);
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

/// Ursus 2023: `311` and `387` both have 903 votes at the budget boundary. The city funded `387`
/// (earlier in the file); pabutools' id order takes `311` ("311" < "387").
#[test]
fn the_ursus_tie_is_decided_by_the_chosen_tie_breaking() {
    let reference = load("Poland_Warszawa_2023_Ursus");
    let greedy: OutcomeRule = "greedy".parse().unwrap();
    let by_file =
        outcome::tally(&reference.election, &greedy, Some(TieBreaking::FileOrder)).unwrap();
    let by_id = outcome::tally(&reference.election, &greedy, Some(TieBreaking::ProjectId)).unwrap();
    assert!(
        by_file.selected.contains(&"387".to_string())
            && !by_file.selected.contains(&"311".to_string())
    );
    assert!(
        by_id.selected.contains(&"311".to_string()) && !by_id.selected.contains(&"387".to_string())
    );
    assert_eq!(by_file.selected, selected_in_file(&reference.election));
}

/// `--rule meta` on Wieliczka's Green Budget (`equalshares/add1-comparison`) funds exactly the
/// projects the city funded.
#[test]
fn meta_rule_of_wieliczka_funds_what_wieliczka_funded() {
    let reference = load("Poland_Wieliczka_2023_Green_Budget");
    let tally = outcome::tally(&reference.election, &OutcomeRule::Meta, None).unwrap();
    assert_eq!(tally.rule, "esnet_add1_no_exhaustive_stop_comparison");
    let in_file = selected_in_file(&reference.election);
    assert_eq!(in_file.len(), 30);
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
    for stem in INSTANCES {
        let reference = load(stem);
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
    for stem in INSTANCES {
        let reference = load(stem);
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
