//! Properties every outcome rule must have, on generated elections (through the public API).
//!
//! (That MES never charges a voter more than their endowment is checked inside the crate, where
//! the exact reference engine exposes every voter's remaining budget: `outcome::mes::tests`.)

use plaza_domain::outcome::{self, OutcomeError, OutcomeRule, TieBreaking};
use plaza_domain::pabulib::{self, Ballot, Decimal, Election, Project, VoteType, Voter};
use proptest::prelude::*;
use std::cmp::Ordering;

const APPROVAL_RULES: &[&str] = &[
    "greedy",
    "greedy_cost_sat",
    "greedy_cardinality_sat",
    "mes_cost_sat",
    "mes_cardinality_sat",
    "mes_cost_sat_add1",
    "mes_cost_sat_add1_then_greedy",
    "mes_cost_sat_budget_increase_no_exhaustive_stop",
    "esnet",
    "esnet_add1",
    "esnet_add1u",
    "esnet_add1_no_exhaustive_stop",
    "esnet_add1_no_exhaustive_stop_comparison",
    "esnet_add1u_comparison",
    "equal-shares",
];

const POINTS_RULES: &[&str] = &[
    "greedy",
    "greedy_score",
    "greedy_points_per_cost",
    "greedy_votes_cost_sat",
    "mes_points",
    "mes_cost_sat",
    "mes_points_add1",
    "mes_points_add1_then_greedy",
    "mes_points_budget_increase_no_exhaustive_stop",
    "equal-shares",
];

fn rules_for(vote_type: VoteType) -> &'static [&'static str] {
    if vote_type.is_approval() {
        APPROVAL_RULES
    } else {
        POINTS_RULES
    }
}

/// Small elections: projects `p0…` with costs of 0 to 2 decimals, a budget, ballots.
fn elections() -> impl Strategy<Value = Election> {
    let vote_type = prop_oneof![
        Just(VoteType::Approval),
        Just(VoteType::Cumulative),
        Just(VoteType::Ordinal)
    ];
    (vote_type, 1usize..7)
        .prop_flat_map(|(vote_type, projects)| {
            let costs = prop::collection::vec((0i64..3000, 0u32..3), projects);
            let ballot = prop::collection::vec((0..projects, 1i64..5), 0..=projects);
            (
                Just(vote_type),
                (1i64..6000, 0u32..2),
                costs,
                prop::collection::vec(ballot, 0..14),
            )
        })
        .prop_map(|(vote_type, (budget, budget_scale), costs, ballots)| {
            let decimal = |units: i64, scale: u32| {
                Decimal::from_units(i128::from(units), scale).expect("small")
            };
            let projects = costs
                .into_iter()
                .enumerate()
                .map(|(p, (units, scale))| Project {
                    id: format!("p{p}"),
                    cost: decimal(units, scale),
                    cells: Vec::new(),
                })
                .collect();
            let voters = ballots
                .into_iter()
                .enumerate()
                .map(|(v, entries)| Voter {
                    id: format!("v{v}"),
                    ballot: Ballot::new(
                        vote_type,
                        entries
                            .into_iter()
                            .map(|(p, points)| (p, Decimal::from_integer(points))),
                    ),
                    cells: Vec::new(),
                })
                .collect();
            Election::new(vote_type, decimal(budget, budget_scale), projects, voters)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(120))]

    #[test]
    fn no_rule_spends_more_than_the_budget(election in elections()) {
        for name in rules_for(election.vote_type) {
            let rule: OutcomeRule = name.parse().unwrap();
            for tie_breaking in [None, Some(TieBreaking::FileOrder), Some(TieBreaking::CostThenVotes)] {
                let tally = outcome::tally(&election, &rule, tie_breaking)
                    .map_err(|e| TestCaseError::fail(format!("{name}: {e}")))?;
                prop_assert_ne!(tally.total_cost.cmp_value(&election.budget), Ordering::Greater, "{}", name);
                let mut unique = tally.selection_order.clone();
                unique.sort();
                unique.dedup();
                prop_assert_eq!(unique, tally.selected.clone(), "{} funds a project twice", name);
            }
        }
    }

    #[test]
    fn outcomes_do_not_depend_on_the_order_of_voters(
        (election, order) in elections().prop_flat_map(|e| {
            let n = e.voters.len();
            (Just(e), Just((0..n).collect::<Vec<_>>()).prop_shuffle())
        })
    ) {
        let mut shuffled = election.clone();
        shuffled.voters = order.iter().map(|&v| election.voters[v].clone()).collect();
        for name in rules_for(election.vote_type) {
            let rule: OutcomeRule = name.parse().unwrap();
            let a = outcome::tally(&election, &rule, None).unwrap();
            let b = outcome::tally(&shuffled, &rule, None).unwrap();
            prop_assert_eq!(&a.selection_order, &b.selection_order, "{}", name);
            prop_assert_eq!(a.mes.map(|m| m.final_endowment), b.mes.map(|m| m.final_endowment), "{}", name);
        }
    }
}

#[test]
fn a_rule_that_does_not_read_these_ballots_is_an_error_naming_it() {
    let text = "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\n\
                VOTES\nvoter_id;vote\n1;a\n";
    let election = pabulib::parse(text).unwrap().election;
    for name in ["mes_points", "greedy_score", "mes_score_add1"] {
        let error = outcome::tally(&election, &name.parse().unwrap(), None).unwrap_err();
        assert!(
            matches!(error, OutcomeError::NotApplicable { .. }),
            "{name}: {error}"
        );
        assert!(error.to_string().contains("approval"), "{error}");
    }
    let ordinal = text.replace("vote_type;approval", "vote_type;ordinal");
    let election = pabulib::parse(&ordinal).unwrap().election;
    let error = outcome::tally(&election, &"esnet_add1".parse().unwrap(), None).unwrap_err();
    assert!(error.to_string().contains("esnet_add1"), "{error}");
    // No META rule, and a threshold rule without its threshold.
    assert_eq!(
        outcome::tally(&election, &OutcomeRule::Meta, None).unwrap_err(),
        OutcomeError::NoMetaRule
    );
    let error = outcome::tally(&election, &"greedy-threshold".parse().unwrap(), None).unwrap_err();
    assert!(
        matches!(error, OutcomeError::MissingMetaKey { .. }),
        "{error}"
    );
}

#[test]
fn meta_rules_without_a_definition_are_refused() {
    let text = "META\nkey;value\nbudget;10\nvote_type;approval\nrule;greedy-custom\nPROJECTS\n\
                project_id;cost\na;5\nVOTES\nvoter_id;vote\n1;a\n";
    let election = pabulib::parse(text).unwrap().election;
    let error = outcome::tally(&election, &OutcomeRule::Meta, None).unwrap_err();
    assert_eq!(
        error,
        OutcomeError::MetaRuleNotComputable("greedy-custom".to_string())
    );
}

#[test]
fn aliases_resolve_by_vote_type() {
    let approval = "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\n\
                    VOTES\nvoter_id;vote\n1;a\n";
    let cumulative = "META\nkey;value\nbudget;10\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;5\n\
                      VOTES\nvoter_id;vote;points\n1;a;3\n";
    let ordinal = approval.replace("vote_type;approval", "vote_type;ordinal");
    let cases = [
        (approval, "mes", "mes_cost_sat"),
        (cumulative, "mes", "mes_points"),
        (ordinal.as_str(), "mes", "mes_score"),
        (approval, "mes-add1", "mes_cost_sat_add1"),
        (
            cumulative,
            "equal-shares",
            "mes_points_budget_increase_no_exhaustive_stop_then_greedy",
        ),
        (
            approval,
            "equalshares/add1",
            "esnet_add1_no_exhaustive_stop",
        ),
    ];
    for (text, alias, canonical) in cases {
        let election = pabulib::parse(text).unwrap().election;
        let tally = outcome::tally(&election, &alias.parse().unwrap(), None).unwrap();
        assert_eq!(tally.rule, canonical);
        assert_eq!(tally.selected, ["a"]);
    }
}

#[test]
fn a_tally_serializes_to_json_with_the_documented_fields() {
    let text = "META\nkey;value\nbudget;100.50\nvote_type;approval\nrule;equalshares/add1\nPROJECTS\n\
                project_id;cost;name\na;60;Park\nb;40.25;Bench\nc;30;Trees\nVOTES\nvoter_id;vote\n1;a,b\n2;a\n3;b,c\n4;c\n";
    let election = pabulib::parse(text).unwrap().election;
    let tally = outcome::tally(&election, &OutcomeRule::Meta, None).unwrap();
    let json: serde_json::Value = serde_json::to_value(&tally).unwrap();
    assert_eq!(json["rule"], "esnet_add1_no_exhaustive_stop");
    assert_eq!(json["tie_breaking"], "cost-then-votes");
    assert_eq!(json["budget"], "100.50");
    assert!(json["selected"].is_array() && json["selection_order"].is_array());
    assert!(json["total_cost"].is_string());
    assert_eq!(json["projects"][0]["name"], "Park");
    assert!(json["mes"]["final_endowment"]["exact"].is_string());
}

#[test]
fn an_election_built_in_code_with_a_missing_project_is_refused() {
    let text = "META\nkey;value\nbudget;10\nvote_type;approval\nPROJECTS\nproject_id;cost\na;5\n\
                VOTES\nvoter_id;vote\n1;a\n";
    let mut election = pabulib::parse(text).unwrap().election;
    election.voters[0].ballot = Ballot::Approval(vec![0, 7]);
    let error = outcome::tally(&election, &"mes".parse().unwrap(), None).unwrap_err();
    assert!(
        matches!(error, OutcomeError::BallotOutOfRange { project: 7, .. }),
        "{error}"
    );
}

/// One voter alone supports a project costing 90% of the budget: the add1 loops would raise every
/// endowment one unit at a time until that voter alone can pay for it, about four million runs.
/// A tally stops at the documented cap instead, with an error naming the rule and the cap.
#[test]
fn add1_loops_stop_at_the_run_cap_on_a_hostile_file() {
    use plaza_domain::outcome::mes::MAX_RUNS;
    // Project `a` (9,000,000) is supported by voter 1 only; `b` (2,000,000) by voter 2 in the
    // second file, so that not everything fits and the no-exhaustive-stop loop must run too.
    let alone = "META\nkey;value\nbudget;10000000\nvote_type;approval\nPROJECTS\nproject_id;cost\n\
                 a;9000000\nb;2000000\nVOTES\nvoter_id;vote\n1;a\n2;\n";
    let both = alone.replace("2;\n", "2;b\n");
    let cases = [
        (alone, "mes_cost_sat_add1"),
        (alone, "esnet_add1"),
        (alone, "esnet_add1_no_exhaustive_stop"),
        (
            both.as_str(),
            "mes_cost_sat_budget_increase_no_exhaustive_stop",
        ),
    ];
    for (text, name) in cases {
        let election = pabulib::parse(text).unwrap().election;
        let error = outcome::tally(&election, &name.parse().unwrap(), None).unwrap_err();
        assert_eq!(
            error,
            OutcomeError::TooManyRuns {
                rule: name.to_string(),
                cap: MAX_RUNS
            }
        );
        let message = error.to_string();
        assert!(
            message.contains(name) && message.contains(&MAX_RUNS.to_string()),
            "{message}"
        );
    }
}

/// Greedy rules compare and add exact integers, so they work with amounts beyond 2⁵², where the
/// float-certified MES engine cannot represent money exactly and refuses.
#[test]
fn greedy_rules_work_beyond_the_range_mes_computes_in() {
    let text = "META\nkey;value\nbudget;100000000000000000\nvote_type;approval\nPROJECTS\n\
                project_id;cost\na;60000000000000000\nb;50000000000000000\nc;40000000000000000\n\
                VOTES\nvoter_id;vote\n1;a,b\n2;a\n3;b,c\n";
    let election = pabulib::parse(text).unwrap().election;
    // By votes (a: 2, b: 2, c: 1; ties by id or file order): a, then b does not fit, then c.
    // By votes per cost: b (2/50), a (2/60) does not fit, c (1/40).
    let cases = [
        ("greedy", ["a", "c"], "100000000000000000"),
        ("greedy_cost_sat", ["a", "c"], "100000000000000000"),
        ("greedy_cardinality_sat", ["b", "c"], "90000000000000000"),
    ];
    for (name, order, total) in cases {
        let tally = outcome::tally(&election, &name.parse().unwrap(), None)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(tally.selection_order, order, "{name}");
        assert_eq!(tally.total_cost.to_string(), total, "{name}");
    }
    let error = outcome::tally(&election, &"mes_cost_sat".parse().unwrap(), None).unwrap_err();
    assert_eq!(
        error,
        OutcomeError::NumberTooLarge {
            rule: "mes_cost_sat".to_string()
        }
    );
}

/// A total cost that no [`Decimal`] can hold (more than 24 significant digits) is an error, never
/// a silent 0.
#[test]
fn a_total_cost_no_decimal_can_hold_is_an_error() {
    let text = "META\nkey;value\nbudget;999999999999999999999999\nvote_type;approval\nPROJECTS\n\
                project_id;cost\na;999999999999999999999998\nb;0.000000000001\n\
                VOTES\nvoter_id;vote\n1;a,b\n";
    let election = pabulib::parse(text).unwrap().election;
    let error = outcome::tally(&election, &"greedy".parse().unwrap(), None).unwrap_err();
    assert_eq!(
        error,
        OutcomeError::NumberTooLarge {
            rule: "greedy".to_string()
        }
    );
}

/// Scoring ballots give META `default_score` to every project they do not list (the Pabulib
/// format; pabutools ignores the key, which is the same as the default of 0). Voter 1 scores `a`
/// 4, voters 2 and 3 score `b` 3: without a default `b` leads (6 to 4); with `default_score;3`
/// the unlisted projects get 3 each, so `a` totals 4 + 3 + 3 = 10 and `b` 3 + 3 + 3 = 9.
#[test]
fn scoring_ballots_give_the_default_score_to_unlisted_projects() {
    let without = "META\nkey;value\nbudget;10\nvote_type;scoring\nPROJECTS\nproject_id;cost\n\
                   a;10\nb;10\nVOTES\nvoter_id;vote;points\n1;a;4\n2;b;3\n3;b;3\n";
    let with = without.replace(
        "vote_type;scoring\n",
        "vote_type;scoring\ndefault_score;3\n",
    );
    let score = |tally: &outcome::Tally, id: &str| {
        let project = tally.projects.iter().find(|p| p.id == id).unwrap();
        (project.score.to_string(), project.votes)
    };
    let tally_of = |text: &str, rule: &str| {
        let election = pabulib::parse(text).unwrap().election;
        outcome::tally(&election, &rule.parse().unwrap(), None).unwrap()
    };
    let plain = tally_of(without, "greedy");
    assert_eq!(plain.selected, ["b"]);
    assert_eq!(score(&plain, "a"), ("4".to_string(), 1));
    let defaulted = tally_of(&with, "greedy");
    assert_eq!(defaulted.selected, ["a"]);
    // The score counts the default; the votes still count the voters who listed the project.
    assert_eq!(score(&defaulted, "a"), ("10".to_string(), 1));
    assert_eq!(score(&defaulted, "b"), ("9".to_string(), 2));
    assert_eq!(tally_of(&with, "greedy_score").selected, ["a"]);
    // MES with points: without the default neither project's supporters can pay 10; with it,
    // every voter supports both and `a` wins the exact tie of ρ = 10/9 by its id.
    assert!(tally_of(without, "mes_points").selected.is_empty());
    assert_eq!(tally_of(&with, "mes_points").selected, ["a"]);
}
