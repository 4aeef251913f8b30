//! Properties every outcome rule must have, on generated elections (through the public API).
//!
//! The elections are small but varied: every vote type, costs and budgets with up to three
//! decimals (so endowments have large denominators and near-ties), projects of cost 0, zero
//! points, negative scores, META `default_score`, and ids that are numbers in no particular order
//! (string, numeric and file order all differ). That MES charges voters as it must is checked on
//! the engine production uses, through `outcome::inspect`.

use num_rational::BigRational;
use plaza_domain::outcome::inspect::{self, MesRun};
use plaza_domain::outcome::{self, OutcomeError, OutcomeRule, Tally, TieBreaking};
use plaza_domain::pabulib::{self, Ballot, Decimal, Election, Project, VoteType, Voter};
use proptest::prelude::*;
use std::cmp::Ordering;

const APPROVAL_RULES: &[&str] = &[
    "greedy",
    "greedy-no-skip",
    "greedy_cost_sat",
    "greedy_cardinality_sat",
    "mes_cost_sat",
    "mes_cardinality_sat",
    "mes_cost_sat_add1",
    "mes_cardinality_sat_add1",
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
    "greedy-no-skip",
    "greedy_score",
    "greedy_points_per_cost",
    "greedy_votes_cost_sat",
    "greedy_cardinality_sat",
    "mes_points",
    "mes_cost_sat",
    "mes_cardinality_sat",
    "mes_points_add1",
    "mes_points_add1_then_greedy",
    "mes_points_budget_increase_no_exhaustive_stop",
    "mes_score_times_cost",
    "equal-shares",
];

fn rules_for(vote_type: VoteType) -> &'static [&'static str] {
    if vote_type.is_approval() {
        APPROVAL_RULES
    } else {
        POINTS_RULES
    }
}

/// An exact decimal of up to `max_whole` whole units and up to three decimals.
fn amount(max_whole: i64) -> impl Strategy<Value = Decimal> {
    (0..max_whole, 0u32..4, 0i64..1000).prop_map(|(whole, scale, digits)| {
        let fraction = digits % 10i64.pow(scale);
        let units = whole * 10i64.pow(scale) + fraction;
        Decimal::from_units(i128::from(units), scale).expect("small")
    })
}

/// Points for one listed project: whole or with one decimal; zero included, negative only for
/// scoring ballots.
fn points(vote_type: VoteType) -> impl Strategy<Value = Decimal> {
    let low = if vote_type == VoteType::Scoring {
        -30
    } else {
        0
    };
    (low..50i64, any::<bool>()).prop_map(|(tenths, whole)| {
        if whole {
            Decimal::from_integer(tenths / 10)
        } else {
            Decimal::from_units(i128::from(tenths), 1).expect("small")
        }
    })
}

fn ballot(vote_type: VoteType, projects: usize) -> BoxedStrategy<Vec<(usize, Decimal)>> {
    let listed = Just((0..projects).collect::<Vec<_>>())
        .prop_shuffle()
        .prop_flat_map(move |order| (0..=order.len()).prop_map(move |n| order[..n].to_vec()));
    match vote_type {
        VoteType::Choose1 => (0..projects)
            .prop_map(|p| vec![(p, Decimal::from_integer(1))])
            .boxed(),
        VoteType::Cumulative | VoteType::Scoring => listed
            .prop_flat_map(move |list| {
                let n = list.len();
                (Just(list), prop::collection::vec(points(vote_type), n))
            })
            .prop_map(|(list, points)| list.into_iter().zip(points).collect())
            .boxed(),
        _ => listed
            .prop_map(|list| list.into_iter().map(|p| (p, Decimal::ZERO)).collect())
            .boxed(),
    }
}

/// Small elections of every vote type. Costs: 0 one time in five, otherwise up to 3,000 with
/// up to three decimals; a budget up to 6,000 likewise; up to 30 voters. Project ids are
/// distinct numbers below 1,000 in random file order. Scoring elections may have a META
/// `default_score`.
fn elections() -> impl Strategy<Value = Election> {
    let vote_type = prop_oneof![
        Just(VoteType::Approval),
        Just(VoteType::Choose1),
        Just(VoteType::Cumulative),
        Just(VoteType::Ordinal),
        Just(VoteType::Scoring),
    ];
    (vote_type, 1usize..7)
        .prop_flat_map(|(vote_type, projects)| {
            let cost = prop_oneof![1 => Just(Decimal::ZERO), 4 => amount(3000)];
            let ids = prop::collection::btree_set(0u32..1000, projects)
                .prop_map(|ids| ids.into_iter().collect::<Vec<_>>())
                .prop_shuffle();
            let default_score = prop::option::of(-1i64..3);
            (
                Just(vote_type),
                amount(6000),
                prop::collection::vec(cost, projects),
                ids,
                prop::collection::vec(ballot(vote_type, projects), 0..30),
                default_score,
            )
        })
        .prop_map(|(vote_type, budget, costs, ids, ballots, default_score)| {
            let projects = costs
                .into_iter()
                .zip(ids)
                .map(|(cost, id)| Project {
                    id: id.to_string(),
                    cost,
                    cells: Vec::new(),
                })
                .collect();
            let voters = ballots
                .into_iter()
                .enumerate()
                .map(|(v, entries)| Voter {
                    id: format!("v{v}"),
                    ballot: Ballot::new(vote_type, entries),
                    cells: Vec::new(),
                })
                .collect();
            let mut election = Election::new(vote_type, budget, projects, voters);
            if let (VoteType::Scoring, Some(score)) = (vote_type, default_score) {
                election.meta.set("default_score", score.to_string());
            }
            election
        })
}

/// The same election with its voters and its projects listed in other orders (ballots
/// follow their projects; rankings keep their order).
fn reordered(election: &Election, voters: &[usize], projects: &[usize]) -> Election {
    let mut position = vec![0; projects.len()];
    for (at, &p) in projects.iter().enumerate() {
        position[p] = at;
    }
    let mut shuffled = election.clone();
    shuffled.projects = projects
        .iter()
        .map(|&p| election.projects[p].clone())
        .collect();
    shuffled.voters = voters
        .iter()
        .map(|&v| {
            let mut voter = election.voters[v].clone();
            voter.ballot = match &voter.ballot {
                Ballot::Approval(list) => {
                    Ballot::Approval(list.iter().map(|&p| position[p]).collect())
                }
                Ballot::Ranking(list) => {
                    Ballot::Ranking(list.iter().map(|&p| position[p]).collect())
                }
                Ballot::Points(list) => {
                    Ballot::Points(list.iter().map(|&(p, d)| (position[p], d)).collect())
                }
            };
            voter
        })
        .collect();
    shuffled
}

/// Whether two projects have the same score (the only ties the city rules break by file order).
fn scores_tie(tally: &Tally) -> bool {
    let mut scores: Vec<&Decimal> = tally.projects.iter().map(|p| &p.score).collect();
    scores.sort_by(|a, b| a.cmp_value(b));
    scores
        .windows(2)
        .any(|w| w[0].cmp_value(w[1]) == Ordering::Equal)
}

/// Replays an MES run from its payments, with exact rationals: what a funded project's
/// supporters pay adds up to its cost; nobody pays a negative amount or more than they have
/// left; a supporter who keeps money pays exactly `ρ · u` (no more), one who pays everything has
/// less than `ρ · u`; in the end no voter has paid more than the endowment.
fn check_payments(run: &MesRun, rule: &str) -> Result<(), TestCaseError> {
    let zero = BigRational::default();
    let mut left = vec![run.endowment.clone(); run.group_sizes.len()];
    for (r, round) in run.rounds.iter().enumerate() {
        let mut total = zero.clone();
        for payment in &round.payments {
            let g = payment.group;
            let full_share = &round.rho * &payment.utility;
            prop_assert!(
                payment.amount >= zero,
                "{} round {}: negative payment",
                rule,
                r
            );
            prop_assert!(
                payment.amount <= left[g],
                "{} round {}: group {} pays {} with {} left",
                rule,
                r,
                g,
                payment.amount,
                left[g]
            );
            prop_assert!(
                payment.amount <= full_share,
                "{} round {}: group {} pays {} > ρ·u = {}",
                rule,
                r,
                g,
                payment.amount,
                full_share
            );
            if payment.paid_everything {
                prop_assert_eq!(
                    &payment.amount,
                    &left[g],
                    "{} round {}: all it had",
                    rule,
                    r
                );
                prop_assert!(
                    payment.amount < full_share,
                    "{} round {}: could pay ρ·u",
                    rule,
                    r
                );
            } else {
                prop_assert_eq!(&payment.amount, &full_share, "{} round {}: ρ·u", rule, r);
            }
            left[g] -= &payment.amount;
            let voters = BigRational::from_integer(run.group_sizes[g].into());
            total += &payment.amount * voters;
        }
        prop_assert_eq!(
            &total,
            &round.cost,
            "{} round {}: payments add up to the cost",
            rule,
            r
        );
    }
    for (g, money) in left.iter().enumerate() {
        prop_assert!(
            *money >= zero,
            "{}: group {} paid more than its endowment",
            rule,
            g
        );
    }
    Ok(())
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

    /// The engine production uses charges voters as MES must, in every round of the run a tally
    /// reports (see `check_payments`), and funds what the tally reports.
    #[test]
    fn mes_charges_every_voter_at_most_their_share(election in elections()) {
        for name in rules_for(election.vote_type) {
            let rule: OutcomeRule = name.parse().unwrap();
            let Some(run) = inspect::mes_run(&election, &rule, None)
                .map_err(|e| TestCaseError::fail(format!("{name}: {e}")))? else {
                continue;
            };
            check_payments(&run, name)?;
            let tally = outcome::tally(&election, &rule, None).unwrap();
            let funded: Vec<String> = run
                .free
                .iter()
                .chain(run.rounds.iter().map(|r| &r.project))
                .map(|&p| election.projects[p].id.clone())
                .collect();
            let completed = name.contains("greedy") || name.contains("add1u") || *name == "equal-shares";
            let greedy_won = tally.comparison.as_ref().is_some_and(|c| c.greedy_chosen);
            if greedy_won {
                continue;
            }
            if completed {
                prop_assert_eq!(&tally.selection_order[..funded.len()], &funded[..], "{}", name);
            } else {
                prop_assert_eq!(&tally.selection_order, &funded, "{}", name);
            }
        }
    }

    /// Reordering the voters and the projects of the file changes nothing, except where a rule
    /// breaks ties by file order (the city rules): those are compared only when no two projects
    /// have the same score, and always with ties broken by project id instead.
    #[test]
    fn outcomes_do_not_depend_on_the_order_of_the_file(
        (election, voters, projects) in elections().prop_flat_map(|e| {
            let n = e.voters.len();
            let m = e.projects.len();
            (
                Just(e),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                Just((0..m).collect::<Vec<_>>()).prop_shuffle(),
            )
        })
    ) {
        let shuffled = reordered(&election, &voters, &projects);
        for name in rules_for(election.vote_type) {
            let rule: OutcomeRule = name.parse().unwrap();
            let a = outcome::tally(&election, &rule, None).unwrap();
            let b = outcome::tally(&shuffled, &rule, None).unwrap();
            if a.tie_breaking != TieBreaking::FileOrder || !scores_tie(&a) {
                prop_assert_eq!(&a.selection_order, &b.selection_order, "{}", name);
                prop_assert_eq!(a.mes.map(|m| m.final_endowment), b.mes.map(|m| m.final_endowment), "{}", name);
            }
            let by_id = Some(TieBreaking::ProjectId);
            let a = outcome::tally(&election, &rule, by_id).unwrap();
            let b = outcome::tally(&shuffled, &rule, by_id).unwrap();
            prop_assert_eq!(&a.selection_order, &b.selection_order, "{} by id", name);
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
