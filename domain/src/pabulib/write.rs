//! Writing an [`Election`] as canonical Pabulib text.
//!
//! Canonical means: `\n` line endings, no BOM, upper-case section markers, `project_id;cost`
//! first in PROJECTS and `voter_id;vote[;points]` first in VOTES, absent cells written empty,
//! quotes only where a field needs them, decimals with `.` and their own scale. META is written in
//! its stored order, with `num_projects`, `num_votes`, `budget` and `vote_type` taken from the
//! typed fields.
//!
//! [`write()`] refuses, with a [`WriteError`], an election that the format cannot carry exactly,
//! instead of producing a file that [`super::parse()`] would refuse or read differently: an id or a
//! META key that reads as a section marker (`meta`, `projects`, `votes`, any case), a project id
//! containing `,` (it separates the projects of a vote) or reading `None`, text with a line break
//! or with outer whitespace (the reader trims), an empty or `None` cell (the reader takes it for
//! an absent one), repeated ids, keys or columns, a ballot that does not fit the vote type, and
//! numbers the reader refuses. So whenever `write(e)` succeeds, `parse(&write(e)?)` gives back `e`.

use thiserror::Error;

use super::csv::push_field;
use super::decimal::DecimalError;
use super::{Ballot, Election, VoteType};

/// An election the Pabulib format cannot carry exactly: `place` says where (`project id
/// \`meta\``, `the \`name\` cell of project \`a\``…), `problem` what.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("cannot write this election as a Pabulib file: {place} {problem}")]
pub struct WriteError {
    /// The id, key, cell or ballot concerned, in words.
    pub place: String,
    /// What the reader would do with it.
    pub problem: WriteProblem,
}

/// Why a value cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WriteProblem {
    #[error("would be read as a section marker")]
    SectionMarker,
    #[error("is empty")]
    Empty,
    #[error("starts or ends with whitespace, which the reader trims")]
    OuterWhitespace,
    #[error("contains a line break (Pabulib fields never span lines)")]
    LineBreak,
    #[error("contains `,`, which separates the projects of a vote")]
    Comma,
    #[error("reads `None`, which the reader takes for an absent value")]
    NoneMarker,
    #[error("appears twice")]
    Duplicate,
    #[error("has {found} cells for {expected} columns")]
    CellCount { found: usize, expected: usize },
    #[error("lists project number {project}, but the election has {projects} projects")]
    UnknownProject { project: usize, projects: usize },
    #[error("lists a project twice")]
    ProjectListedTwice,
    #[error("is not a ballot of a {0} election")]
    WrongBallot(VoteType),
    #[error("is negative")]
    Negative,
    #[error("is not a number: {0}")]
    NotANumber(DecimalError),
}

/// The canonical text of `election`, or why the format cannot carry it exactly.
///
/// ```
/// use plaza_domain::pabulib::{self, WriteProblem};
/// let text = "META\nkey;value\nbudget;100\nvote_type;approval\nPROJECTS\nproject_id;cost\n\
///             a;60\nb;50\nVOTES\nvoter_id;vote\n1;a,b\n";
/// let mut election = pabulib::parse(text).unwrap().election;
/// let written = pabulib::write(&election).unwrap();
/// assert_eq!(pabulib::parse(&written).unwrap().election, election);
/// election.projects[1].id = "b,c".to_string();
/// assert_eq!(pabulib::write(&election).unwrap_err().problem, WriteProblem::Comma);
/// ```
pub fn write(election: &Election) -> Result<String, WriteError> {
    check(election)?;
    let mut out =
        String::with_capacity(64 * (election.voters.len() + election.projects.len() + 16));
    let typed = election.typed_meta();
    out.push_str("META\nkey;value\n");
    let mut written = [false; 4];
    for (key, value) in election.meta.entries() {
        let value = match typed.iter().position(|(k, _)| k == key) {
            Some(at) => {
                written[at] = true;
                typed[at].1.as_str()
            }
            None => value.as_str(),
        };
        push_row(&mut out, [key.as_str(), value]);
    }
    for ((key, value), done) in typed.iter().zip(written) {
        if !done {
            push_row(&mut out, [*key, value.as_str()]);
        }
    }

    out.push_str("PROJECTS\n");
    let header = ["project_id", "cost"]
        .into_iter()
        .chain(election.project_columns.iter().map(String::as_str));
    push_row(&mut out, header);
    for project in &election.projects {
        let cost = project.cost.to_string();
        let cells = project.cells.iter().map(|c| c.as_deref().unwrap_or(""));
        push_row(
            &mut out,
            [project.id.as_str(), cost.as_str()]
                .into_iter()
                .chain(cells),
        );
    }

    out.push_str("VOTES\n");
    let with_points = election.vote_type.has_points();
    let points_column: &[&str] = if with_points { &["points"] } else { &[] };
    let header = ["voter_id", "vote"]
        .into_iter()
        .chain(points_column.iter().copied())
        .chain(election.voter_columns.iter().map(String::as_str));
    push_row(&mut out, header);
    let id_of = |project: usize| election.projects[project].id.as_str();
    for voter in &election.voters {
        let vote = voter
            .ballot
            .projects()
            .map(id_of)
            .collect::<Vec<_>>()
            .join(",");
        let points = match &voter.ballot {
            Ballot::Points(list) => list
                .iter()
                .map(|(_, v)| v.to_string())
                .collect::<Vec<_>>()
                .join(","),
            Ballot::Approval(_) | Ballot::Ranking(_) => String::new(),
        };
        let points_cell: &[&str] = if with_points { &[points.as_str()] } else { &[] };
        let cells = voter.cells.iter().map(|c| c.as_deref().unwrap_or(""));
        let row = [voter.id.as_str(), vote.as_str()]
            .into_iter()
            .chain(points_cell.iter().copied())
            .chain(cells);
        push_row(&mut out, row);
    }
    Ok(out)
}

fn push_row<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (at, field) in fields.into_iter().enumerate() {
        if at > 0 {
            out.push(';');
        }
        push_field(out, field);
    }
    out.push('\n');
}

/// What kind of text a value is, for the rules of [`check_text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Text {
    /// The first field of a META, PROJECTS or VOTES row: trimmed, and a marker starts a section.
    RowKey,
    /// A project id: a row key that is also listed in votes (split on `,`, `None` is absent).
    ProjectId,
    /// A cell: trimmed, and empty or `None` means absent.
    Cell,
    /// A META value or a column name: trimmed.
    Trimmed,
}

fn check_text(text: &str, kind: Text, place: impl FnOnce() -> String) -> Result<(), WriteError> {
    let lower = text.trim().to_ascii_lowercase();
    let problem = if text.contains(['\n', '\r']) {
        Some(WriteProblem::LineBreak)
    } else if text.trim() != text {
        Some(WriteProblem::OuterWhitespace)
    } else if text.is_empty() && kind != Text::Trimmed {
        Some(WriteProblem::Empty)
    } else if matches!(kind, Text::RowKey | Text::ProjectId)
        && ["meta", "projects", "votes"].contains(&lower.as_str())
    {
        Some(WriteProblem::SectionMarker)
    } else if kind == Text::ProjectId && text.contains(',') {
        Some(WriteProblem::Comma)
    } else if matches!(kind, Text::ProjectId | Text::Cell) && lower == "none" {
        Some(WriteProblem::NoneMarker)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(WriteError {
            place: place(),
            problem,
        }),
        None => Ok(()),
    }
}

fn fail(place: String, problem: WriteProblem) -> Result<(), WriteError> {
    Err(WriteError { place, problem })
}

/// Column names of one section: each readable, none repeated (the mandatory ones included).
fn check_columns(fixed: &[&str], names: &[String], section: &str) -> Result<(), WriteError> {
    let mut seen: Vec<&str> = fixed.to_vec();
    for name in names {
        let place = || format!("the {section} column `{name}`");
        check_text(name, Text::Trimmed, place)?;
        if seen.contains(&name.as_str()) {
            return fail(place(), WriteProblem::Duplicate);
        }
        seen.push(name);
    }
    Ok(())
}

fn check_cells(
    cells: &[Option<String>],
    columns: &[String],
    owner: &str,
) -> Result<(), WriteError> {
    if cells.len() != columns.len() {
        return fail(
            owner.to_string(),
            WriteProblem::CellCount {
                found: cells.len(),
                expected: columns.len(),
            },
        );
    }
    for (cell, column) in cells.iter().zip(columns) {
        if let Some(text) = cell {
            check_text(text, Text::Cell, || {
                format!("the `{column}` cell of {owner}")
            })?;
        }
    }
    Ok(())
}

/// Everything [`write()`] refuses, checked before anything is written.
fn check(election: &Election) -> Result<(), WriteError> {
    let mut keys = std::collections::HashSet::new();
    for (key, value) in election.meta.entries() {
        check_text(key, Text::RowKey, || format!("the META key `{key}`"))?;
        check_text(value, Text::Trimmed, || {
            format!("the value of META `{key}`")
        })?;
        if !keys.insert(key.as_str()) {
            return fail(format!("the META key `{key}`"), WriteProblem::Duplicate);
        }
    }
    if election.budget.is_negative() {
        return fail("the budget".to_string(), WriteProblem::Negative);
    }
    if let Err(error) = election.default_score() {
        return fail(
            "META `default_score`".to_string(),
            WriteProblem::NotANumber(error),
        );
    }
    check_columns(
        &["project_id", "cost"],
        &election.project_columns,
        "PROJECTS",
    )?;
    let mut ids = std::collections::HashSet::new();
    for project in &election.projects {
        let id = &project.id;
        check_text(id, Text::ProjectId, || format!("the project id `{id}`"))?;
        if !ids.insert(id.as_str()) {
            return fail(format!("the project id `{id}`"), WriteProblem::Duplicate);
        }
        if project.cost.is_negative() {
            return fail(
                format!("the cost of project `{id}`"),
                WriteProblem::Negative,
            );
        }
        let owner = format!("project `{id}`");
        check_cells(&project.cells, &election.project_columns, &owner)?;
    }
    let points: &[&str] = if election.vote_type.has_points() {
        &["voter_id", "vote", "points"]
    } else {
        &["voter_id", "vote"]
    };
    check_columns(points, &election.voter_columns, "VOTES")?;
    let projects = election.projects.len();
    for voter in &election.voters {
        let id = &voter.id;
        check_text(id, Text::RowKey, || format!("the voter id `{id}`"))?;
        let owner = format!("voter `{id}`");
        check_cells(&voter.cells, &election.voter_columns, &owner)?;
        let ballot = || format!("the ballot of voter `{id}`");
        let fits = match &voter.ballot {
            Ballot::Approval(_) => election.vote_type.is_approval(),
            Ballot::Ranking(_) => election.vote_type == VoteType::Ordinal,
            Ballot::Points(_) => election.vote_type.has_points(),
        };
        if !fits {
            return fail(ballot(), WriteProblem::WrongBallot(election.vote_type));
        }
        let mut listed = vec![false; projects];
        for project in voter.ballot.projects() {
            match listed.get_mut(project) {
                None => {
                    return fail(ballot(), WriteProblem::UnknownProject { project, projects });
                }
                Some(true) => return fail(ballot(), WriteProblem::ProjectListedTwice),
                Some(seen) => *seen = true,
            }
        }
        if let Ballot::Points(list) = &voter.ballot
            && election.vote_type == VoteType::Cumulative
            && list.iter().any(|(_, points)| points.is_negative())
        {
            return fail(
                format!("a number of points on {}", ballot()),
                WriteProblem::Negative,
            );
        }
    }
    Ok(())
}
