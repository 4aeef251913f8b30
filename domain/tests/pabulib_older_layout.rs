//! The older Pabulib layout (29 files of the 2023 release): no `key;value` line under `META`.
//! `more/poland_warszawa_2018_grochow-kinowa.pb` is one of them; it must read whole and tally
//! under every rule, and its META rule must fund what Warsaw funded (its `selected` column).

mod common;

use plaza_domain::outcome::{self, OutcomeError, OutcomeRule};
use plaza_domain::pabulib;

const RULES: &[&str] = &[
    "meta",
    "greedy",
    "greedy-no-skip",
    "mes",
    "mes-add1",
    "equal-shares",
    "mes_cardinality_sat_add1",
    "mes_cost_sat_budget_increase_no_exhaustive_stop",
    "esnet",
    "esnet_comparison",
    "esnet_add1u_no_exhaustive_stop",
];

#[test]
fn the_older_layout_reads_whole_and_tallies_under_every_rule() {
    let path = common::data_dir().join("more/poland_warszawa_2018_grochow-kinowa.pb");
    let text = std::fs::read_to_string(path).expect("the file");
    assert!(text.starts_with("META\ndescription;"), "the older layout");
    let election = pabulib::parse(&text).expect("parses").election;
    assert_eq!(
        election.meta.get("description"),
        Some("Local PB in Warsaw, Praga-Południe | Grochów Kinowa")
    );
    assert_eq!((election.projects.len(), election.voters.len()), (18, 826));

    let meta = outcome::tally(&election, &"meta".parse().expect("a rule"), None).expect("tallies");
    assert_eq!(meta.rule, "greedy");
    assert_eq!(meta.selected, common::selected_in_file(&election));

    let names = RULES.iter().copied().chain(OutcomeRule::EXPECTED_FILE_KEYS);
    let mut tallied = 0;
    for name in names {
        let rule: OutcomeRule = name.parse().expect("a rule name");
        match outcome::tally(&election, &rule, None) {
            Ok(tally) => {
                assert!(!tally.selected.is_empty(), "{name} funds something");
                assert!(
                    tally.total_cost.cmp_value(&election.budget).is_le(),
                    "{name} fits"
                );
                tallied += 1;
            }
            // Rules reading points or positions do not apply to approval ballots.
            Err(OutcomeError::NotApplicable { .. })
                if name.contains("score") || name.contains("points") => {}
            Err(error) => panic!("{name}: {error}"),
        }
    }
    // 14 of the 21 reference keys are for approval ballots.
    assert_eq!(tallied, RULES.len() + 14);
}
