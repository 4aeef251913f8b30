//! write → parse gives back the same election: on every real file and on generated ones; and
//! `write` refuses what the format cannot carry (ids or keys read as section markers, project ids
//! with `,`…) rather than produce a file the reader would refuse or misread.

use plaza_domain::pabulib::{
    self, Ballot, Decimal, Election, Meta, ParseWarningKind, Project, VoteType, Voter, WriteProblem,
};
use proptest::prelude::*;
use std::path::Path;

#[test]
fn every_shared_file_survives_write_then_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pabulib");
    let mut files = 0;
    for entry in std::fs::read_dir(dir).expect("tests/data/pabulib") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_none_or(|e| e != "pb") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let parsed = pabulib::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let written =
            pabulib::write(&parsed.election).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let again =
            pabulib::parse(&written).unwrap_or_else(|e| panic!("{} written: {e}", path.display()));
        assert_eq!(again.election, parsed.election, "{}", path.display());
        assert!(
            again.warnings.is_empty(),
            "{}: {:?}",
            path.display(),
            again.warnings
        );
        // Canonical means stable: writing the re-read election gives the same text.
        assert_eq!(
            pabulib::write(&again.election).unwrap(),
            written,
            "{}",
            path.display()
        );
        files += 1;
    }
    assert_eq!(files, 15);
}

/// Text a cell can hold: no line break, no outer whitespace, never empty nor `None`.
fn cell_text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9ąęłżÓ\"';,. /#()-]{1,14}".prop_filter_map("trimmed, not None", |s| {
        let t = s.trim().to_string();
        (!t.is_empty() && !t.eq_ignore_ascii_case("none") && !is_marker(&t)).then_some(t)
    })
}

fn is_marker(text: &str) -> bool {
    ["meta", "projects", "votes"].contains(&text.to_ascii_lowercase().as_str())
}

/// Ids: opaque strings without `,` (they are listed in votes).
fn id_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9/._-]{1,8}".prop_filter("not a section marker", |s| !is_marker(s))
}

fn decimal(max_scale: u32, allow_negative: bool) -> impl Strategy<Value = Decimal> {
    (0i64..2_000_000, 0..=max_scale, any::<bool>()).prop_map(move |(units, scale, negative)| {
        let units = if allow_negative && negative {
            -units
        } else {
            units
        };
        Decimal::from_units(i128::from(units), scale).expect("within limits")
    })
}

fn vote_type() -> impl Strategy<Value = VoteType> {
    prop_oneof![
        Just(VoteType::Approval),
        Just(VoteType::Choose1),
        Just(VoteType::Cumulative),
        Just(VoteType::Ordinal),
        Just(VoteType::Scoring),
    ]
}

fn ballot(vote_type: VoteType, projects: usize) -> BoxedStrategy<Ballot> {
    let chosen = Just((0..projects).collect::<Vec<_>>())
        .prop_shuffle()
        .prop_flat_map(move |order| (0..=order.len()).prop_map(move |n| order[..n].to_vec()));
    match vote_type {
        VoteType::Approval | VoteType::Choose1 => chosen.prop_map(Ballot::Approval).boxed(),
        VoteType::Ordinal => chosen.prop_map(Ballot::Ranking).boxed(),
        VoteType::Cumulative | VoteType::Scoring => chosen
            .prop_flat_map(move |list| {
                let n = list.len();
                (
                    Just(list),
                    prop::collection::vec(decimal(2, vote_type == VoteType::Scoring), n),
                )
            })
            .prop_map(|(list, points)| Ballot::Points(list.into_iter().zip(points).collect()))
            .boxed(),
    }
}

fn elections() -> impl Strategy<Value = Election> {
    (vote_type(), prop::collection::btree_set(id_text(), 1..7))
        .prop_flat_map(|(vote_type, ids)| {
            let ids: Vec<String> = ids.into_iter().collect();
            let n = ids.len();
            let projects = prop::collection::vec(
                (
                    decimal(2, false),
                    prop::option::of(cell_text()),
                    prop::option::of(cell_text()),
                ),
                n,
            )
            .prop_map(move |rows| {
                ids.iter()
                    .zip(rows)
                    .map(|(id, (cost, name, selected))| Project {
                        id: id.clone(),
                        cost,
                        cells: vec![name, selected],
                    })
                    .collect::<Vec<_>>()
            });
            let voters =
                prop::collection::vec((ballot(vote_type, n), prop::option::of(cell_text())), 0..12)
                    .prop_map(|rows| {
                        rows.into_iter()
                            .enumerate()
                            .map(|(i, (ballot, age))| Voter {
                                id: format!("voter-{i}"),
                                ballot,
                                cells: vec![age],
                            })
                            .collect::<Vec<_>>()
                    });
            let meta = prop::collection::vec(
                (
                    "[a-z_]{1,10}",
                    prop_oneof![Just(String::new()), cell_text()],
                ),
                0..5,
            );
            (Just(vote_type), decimal(2, false), projects, voters, meta)
        })
        .prop_map(|(vote_type, budget, projects, voters, extra_meta)| {
            let mut meta = Meta::default();
            for (key, value) in extra_meta {
                if !is_marker(&key) && meta.get(&key).is_none() {
                    meta.set(&key, value);
                }
            }
            let mut election = Election {
                meta,
                vote_type,
                budget,
                project_columns: vec!["name".to_string(), "selected".to_string()],
                projects,
                voter_columns: vec!["age".to_string()],
                voters,
            };
            election.sync_meta();
            election
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn generated_elections_survive_write_then_parse(election in elections()) {
        let text = pabulib::write(&election).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let parsed = pabulib::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(&parsed.election, &election, "{}", text);
        prop_assert!(parsed.warnings.is_empty() || election.vote_type == VoteType::Choose1);
    }
}

/// Ids, keys and cells drawn from text that includes everything the reader treats specially:
/// section markers in any case, `,`, `;`, quotes, `None`, outer spaces, line breaks, empty text.
fn hostile_text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        "meta", "PROJECTS", "Votes", " votes", "None", "none", "a\nb", "x\r", "", " a", "a,b",
    ]);
    prop_oneof![
        8 => "[a-c;\"]{1,3}",
        1 => "[a-c,; \"]{0,4}",
        1 => special.prop_map(str::to_string),
    ]
}

/// Small approval or cumulative elections whose ids, META keys and cells are hostile text.
fn hostile_elections() -> impl Strategy<Value = Election> {
    let vote_type = prop_oneof![Just(VoteType::Approval), Just(VoteType::Cumulative)];
    (
        vote_type,
        prop::collection::vec((hostile_text(), prop::option::of(hostile_text())), 1..4),
        prop::collection::vec((hostile_text(), hostile_text()), 0..3),
        prop::collection::vec(hostile_text(), 0..3),
    )
        .prop_map(|(vote_type, projects, meta, voters)| {
            let n = projects.len();
            let projects = projects
                .into_iter()
                .enumerate()
                .map(|(p, (id, name))| Project {
                    id,
                    cost: Decimal::from_integer(10 * p as i64),
                    cells: vec![name],
                })
                .collect();
            let voters = voters
                .into_iter()
                .enumerate()
                .map(|(v, id)| Voter {
                    id,
                    ballot: Ballot::new(
                        vote_type,
                        (0..n)
                            .filter(|p| (p + v) % 2 == 0)
                            .map(|p| (p, Decimal::from_integer(1))),
                    ),
                    cells: Vec::new(),
                })
                .collect();
            let mut election = Election {
                meta: meta.into_iter().collect(),
                vote_type,
                budget: Decimal::from_integer(100),
                project_columns: vec!["name".to_string()],
                projects,
                voter_columns: Vec::new(),
                voters,
            };
            election.sync_meta();
            election
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// Whatever `write` accepts reads back as the same election, with no warning but a repeated
    /// voter id.
    #[test]
    fn whatever_write_accepts_reads_back_the_same(election in hostile_elections()) {
        if let Ok(text) = pabulib::write(&election) {
            let parsed = pabulib::parse(&text)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(&parsed.election, &election, "{}", text);
            // Repeated voter ids are tolerated (each row is a voter), with a warning.
            let unexpected: Vec<_> = parsed
                .warnings
                .iter()
                .filter(|w| !matches!(w.kind, ParseWarningKind::DuplicateVoterId(_)))
                .collect();
            prop_assert!(unexpected.is_empty(), "{:?}", unexpected);
        }
    }
}

fn small(vote_type: VoteType) -> Election {
    let text = format!(
        "META\nkey;value\nbudget;100\nvote_type;{vote_type}\nPROJECTS\nproject_id;cost;name\n\
         a;60;Park\nb;50;Bench\nVOTES\nvoter_id;vote;points\n1;a,b;1,2\n"
    );
    let text = if vote_type.has_points() {
        text
    } else {
        text.replace("vote;points", "vote").replace(";1,2", "")
    };
    pabulib::parse(&text).unwrap().election
}

/// Each kind of value the reader would misread is refused, naming the value.
#[test]
fn write_refuses_what_the_reader_would_misread() {
    type Edit = fn(&mut Election);
    let cases: Vec<(&str, Edit, WriteProblem)> = vec![
        (
            "meta",
            |e| e.projects[0].id = "meta".into(),
            WriteProblem::SectionMarker,
        ),
        (
            "Projects",
            |e| e.voters[0].id = "Projects".into(),
            WriteProblem::SectionMarker,
        ),
        (
            "VOTES",
            |e| e.meta.set("VOTES", "x"),
            WriteProblem::SectionMarker,
        ),
        (
            "a,c",
            |e| e.projects[0].id = "a,c".into(),
            WriteProblem::Comma,
        ),
        (
            "None",
            |e| e.projects[1].id = "None".into(),
            WriteProblem::NoneMarker,
        ),
        (
            "name",
            |e| e.projects[0].cells[0] = Some("none".into()),
            WriteProblem::NoneMarker,
        ),
        (
            "name",
            |e| e.projects[0].cells[0] = Some(String::new()),
            WriteProblem::Empty,
        ),
        (
            " a",
            |e| e.projects[0].id = " a".into(),
            WriteProblem::OuterWhitespace,
        ),
        (
            "comment",
            |e| e.meta.set("comment", "two\nlines"),
            WriteProblem::LineBreak,
        ),
        (
            "`b`",
            |e| e.projects[0].id = "b".into(),
            WriteProblem::Duplicate,
        ),
        (
            "`name`",
            |e| e.project_columns.push("name".into()),
            WriteProblem::Duplicate,
        ),
        (
            "voter `1`",
            |e| e.voters[0].ballot = Ballot::Approval(vec![0, 0]),
            WriteProblem::ProjectListedTwice,
        ),
        (
            "voter `1`",
            |e| e.voters[0].ballot = Ballot::Approval(vec![2]),
            WriteProblem::UnknownProject {
                project: 2,
                projects: 2,
            },
        ),
    ];
    for (named, edit, problem) in cases {
        let mut election = small(VoteType::Approval);
        edit(&mut election);
        let error = pabulib::write(&election).expect_err(named);
        assert_eq!(error.problem, problem, "{error}");
        assert!(error.to_string().contains(named), "{error}");
    }
    // A cumulative ballot with negative points, and a ballot of the wrong kind.
    let mut election = small(VoteType::Cumulative);
    election.voters[0].ballot = Ballot::Points(vec![
        (0, Decimal::from_integer(-1)),
        (1, Decimal::from_integer(2)),
    ]);
    assert_eq!(
        pabulib::write(&election).unwrap_err().problem,
        WriteProblem::Negative
    );
    election.voters[0].ballot = Ballot::Approval(vec![0]);
    assert_eq!(
        pabulib::write(&election).unwrap_err().problem,
        WriteProblem::WrongBallot(VoteType::Cumulative)
    );
}
