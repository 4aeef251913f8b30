//! Shared by the tests that read the reference files in `tests/data/pabulib/`: loading an
//! instance with its `.expected.json`, and comparing a tally with one recorded outcome.

#![allow(
    dead_code,
    reason = "each test target uses a different part of this module"
)]

use plaza_domain::outcome::Tally;
use plaza_domain::pabulib::{self, Decimal, Election};
use serde_json::Value;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pabulib")
}

pub struct Reference {
    pub election: Election,
    pub expected: Value,
}

pub fn load(stem: &str) -> Reference {
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

pub fn strings(value: &Value) -> Vec<String> {
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

pub fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// The projects the file marks `selected == 1`.
pub fn selected_in_file(election: &Election) -> Vec<String> {
    let ids = (0..election.projects.len())
        .filter(|&p| election.project_cell(p, "selected") == Some("1"))
        .map(|p| election.projects[p].id.clone())
        .collect();
    sorted(ids)
}

/// Compares one tally with one expected record; returns what differs.
pub fn differences(tally: &Tally, record: &Value) -> Vec<String> {
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

/// The stems (file names without `.expected.json`) of every reference instance, sorted.
pub fn instances() -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(data_dir())
        .expect("tests/data/pabulib exists")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".expected.json").map(str::to_string)
        })
        .collect();
    stems.sort();
    stems
}

/// Whether the reference marks a recorded outcome as not computed.
pub fn is_skipped(record: &Value) -> bool {
    record
        .get("skipped")
        .is_some_and(|s| s.as_bool() == Some(true) || s.as_str().is_some())
}
