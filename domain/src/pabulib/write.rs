//! Writing an [`Election`] as canonical Pabulib text.
//!
//! Canonical means: `\n` line endings, no BOM, upper-case section markers, `project_id;cost`
//! first in PROJECTS and `voter_id;vote[;points]` first in VOTES, absent cells written empty,
//! quotes only where a field needs them, decimals with `.` and their own scale. META is written in
//! its stored order, with `num_projects`, `num_votes`, `budget` and `vote_type` taken from the
//! typed fields. [`super::parse`] of the result gives back the same election.

use super::csv::push_field;
use super::{Ballot, Election};

/// The canonical text of `election`.
///
/// Values that the format cannot carry are written as well as possible: a cell that reads `None`
/// or is empty comes back absent, outer whitespace is trimmed by the reader, and a project id
/// containing `,` cannot appear in a vote list.
pub fn write(election: &Election) -> String {
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
    let id_of = |project: usize| election.projects.get(project).map_or("", |p| p.id.as_str());
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
    out
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
