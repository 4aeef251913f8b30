//! Reading a `.pb` file into an [`Election`].
//!
//! The reader follows pabutools' `parse_pabulib_from_string` (what the reference outcomes were
//! computed from) and the Pabulib checker's structural rules, choosing the strict side where
//! pabutools would silently misread a file: a vote for an unknown project, points that do not
//! match the vote, a count in META that disagrees with the rows, or an unreadable cost are errors
//! naming the line. Cells are trimmed; a cell that is empty or reads `None` (any case) is absent.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::csv::{UnterminatedQuote, numbered_lines, split_fields};
use super::decimal::Decimal;
use super::error::{ParseError, ParseErrorKind as Kind, ParseWarning, ParseWarningKind, Section};
use super::{Ballot, Election, Meta, Project, VoteType, Voter};

/// A parsed file: the election and what was tolerated on the way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Everything the file says.
    pub election: Election,
    /// Oddities that were tolerated, in line order: at most one of each kind per row, and at
    /// most [`Limits::max_warnings`] in all.
    pub warnings: Vec<ParseWarning>,
    /// Warnings beyond [`Limits::max_warnings`], counted but not kept.
    pub more_warnings: usize,
}

/// What the reader accepts before it refuses a file as too large, so that a small hostile file
/// cannot make it allocate without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Columns of a PROJECTS or VOTES header. Every row keeps one cell per column (a row shorter
    /// than its header is padded), so this bounds the memory per row; real files have at most
    /// about a dozen. Default 64.
    pub max_columns: usize,
    /// Warnings kept (the rest are only counted). Default 1,000.
    pub max_warnings: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_columns: 64,
            max_warnings: 1_000,
        }
    }
}

/// Characters of a voter id quoted in a warning; a longer id is cut with `…`.
const QUOTED_ID_CHARS: usize = 64;

fn quoted(id: &str) -> String {
    match id.char_indices().nth(QUOTED_ID_CHARS) {
        Some((end, _)) => format!("{}…", &id[..end]),
        None => id.to_string(),
    }
}

/// Parses the text of a `.pb` file (a leading BOM is allowed).
///
/// ```
/// let text = "META\nkey;value\nnum_projects;2\nnum_votes;2\nbudget;100\nvote_type;approval\n\
///             rule;greedy\nPROJECTS\nproject_id;cost;name\na;60;\"Park; north\"\nb;50;None\n\
///             VOTES\nvoter_id;vote\n1;a,b\n2;b\n";
/// let parsed = plaza_domain::pabulib::parse(text).unwrap();
/// assert_eq!(parsed.election.projects.len(), 2);
/// assert_eq!(parsed.election.project_cell(0, "name"), Some("Park; north"));
/// assert_eq!(parsed.election.project_cell(1, "name"), None);
/// assert!(plaza_domain::pabulib::parse("META\nkey;value\n").unwrap_err().to_string().starts_with("line 3:"));
/// ```
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    parse_with(text, Limits::default())
}

/// [`parse()`] with other [`Limits`].
pub fn parse_with(text: &str, limits: Limits) -> Result<Parsed, ParseError> {
    let mut reader = Reader {
        limits,
        ..Reader::default()
    };
    let mut fields: Vec<Cow<'_, str>> = Vec::with_capacity(16);
    let mut last_line = 0;
    for (number, line) in numbered_lines(text) {
        last_line = number;
        if line.trim().is_empty() {
            continue;
        }
        split_fields(line, &mut fields).map_err(|UnterminatedQuote| ParseError {
            line: number,
            kind: Kind::UnterminatedQuote,
        })?;
        reader.row(number, &fields)?;
    }
    reader.finish(last_line + 1)
}

fn fail<T>(line: usize, kind: Kind) -> Result<T, ParseError> {
    Err(ParseError { line, kind })
}

/// A cell as pabutools sees it: trimmed, and absent when empty or `None`.
fn cell<'a>(fields: &'a [Cow<'_, str>], at: usize) -> Option<&'a str> {
    let value = fields.get(at)?.trim();
    (!value.is_empty() && !value.eq_ignore_ascii_case("none")).then_some(value)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    BeforeMeta,
    /// Just saw a section marker; its header comes next.
    AwaitingHeader(Section),
    In(Section),
}

/// The columns of the VOTES header that have a meaning.
#[derive(Debug, Default)]
struct VoteColumns {
    vote: usize,
    points: Option<usize>,
    /// Positions of the other columns, aligned with `Election::voter_columns`.
    others: Vec<usize>,
}

#[derive(Debug)]
struct Reader {
    position: Position,
    meta: Vec<(String, String)>,
    meta_lines: HashMap<String, usize>,
    /// Known once META is complete (at the PROJECTS marker).
    vote_type: Option<VoteType>,
    budget: Option<Decimal>,
    cost_column: usize,
    project_other_columns: Vec<usize>,
    project_columns: Vec<String>,
    projects: Vec<Project>,
    project_index: HashMap<String, usize>,
    vote_columns: VoteColumns,
    voter_columns: Vec<String>,
    voters: Vec<Voter>,
    voter_lines: Vec<usize>,
    /// `seen[p] == stamp` when project `p` was already listed by the current voter.
    seen: Vec<usize>,
    /// Where the current voter's points ballot holds project `p` (valid when `seen[p] == stamp`).
    slot: Vec<usize>,
    /// Entries of the current vote that repeat a project, and the first project repeated.
    repeats: (usize, usize),
    warnings: Vec<ParseWarning>,
    more_warnings: usize,
    limits: Limits,
}

impl Default for Reader {
    fn default() -> Reader {
        Reader {
            position: Position::BeforeMeta,
            meta: Vec::new(),
            meta_lines: HashMap::new(),
            vote_type: None,
            budget: None,
            cost_column: 0,
            project_other_columns: Vec::new(),
            project_columns: Vec::new(),
            projects: Vec::new(),
            project_index: HashMap::new(),
            vote_columns: VoteColumns::default(),
            voter_columns: Vec::new(),
            voters: Vec::new(),
            voter_lines: Vec::new(),
            seen: Vec::new(),
            slot: Vec::new(),
            repeats: (0, 0),
            warnings: Vec::new(),
            more_warnings: 0,
            limits: Limits::default(),
        }
    }
}

impl Reader {
    fn row(&mut self, line: usize, fields: &[Cow<'_, str>]) -> Result<(), ParseError> {
        let first = fields.first().map_or("", |f| f.trim());
        let marker = match first.to_ascii_lowercase().as_str() {
            "meta" => Some(Section::Meta),
            "projects" => Some(Section::Projects),
            "votes" => Some(Section::Votes),
            _ => None,
        };
        if let Some(section) = marker {
            return self.start_section(line, section);
        }
        match self.position {
            Position::BeforeMeta => fail(
                line,
                Kind::ContentBeforeMeta {
                    found: first.to_string(),
                },
            ),
            Position::AwaitingHeader(section) => {
                self.header(line, section, fields)?;
                self.position = Position::In(section);
                Ok(())
            }
            Position::In(Section::Meta) => self.meta_row(line, fields),
            Position::In(Section::Projects) => self.project_row(line, fields),
            Position::In(Section::Votes) => self.vote_row(line, fields),
        }
    }

    fn start_section(&mut self, line: usize, section: Section) -> Result<(), ParseError> {
        let expected = match self.position {
            Position::BeforeMeta => Section::Meta,
            Position::AwaitingHeader(current) => {
                return fail(line, Kind::MissingHeader(current));
            }
            Position::In(Section::Meta) => Section::Projects,
            Position::In(Section::Projects) => Section::Votes,
            Position::In(Section::Votes) => return fail(line, Kind::RepeatedSection(section)),
        };
        if section < expected {
            return fail(line, Kind::RepeatedSection(section));
        }
        if section > expected {
            return fail(
                line,
                Kind::SectionOutOfOrder {
                    found: section,
                    expected,
                },
            );
        }
        if section == Section::Projects {
            self.finish_meta(line)?;
        }
        self.position = Position::AwaitingHeader(section);
        Ok(())
    }

    fn header(
        &mut self,
        line: usize,
        section: Section,
        fields: &[Cow<'_, str>],
    ) -> Result<(), ParseError> {
        if section != Section::Meta && fields.len() > self.limits.max_columns {
            return fail(
                line,
                Kind::TooManyColumns {
                    section,
                    found: fields.len(),
                    limit: self.limits.max_columns,
                },
            );
        }
        let names: Vec<String> = fields.iter().map(|f| f.trim().to_string()).collect();
        let mut unique = HashSet::new();
        for name in &names {
            if !unique.insert(name.as_str()) {
                return fail(
                    line,
                    Kind::DuplicateColumn {
                        section,
                        column: name.clone(),
                    },
                );
            }
        }
        let position_of = |column: &'static str| -> Result<usize, ParseError> {
            names.iter().position(|n| n == column).ok_or(ParseError {
                line,
                kind: Kind::MissingColumn { section, column },
            })
        };
        let first_must_be = |expected: &'static str| -> Result<(), ParseError> {
            if names[0] == expected {
                Ok(())
            } else {
                fail(
                    line,
                    Kind::BadFirstColumn {
                        section,
                        expected,
                        found: names[0].clone(),
                    },
                )
            }
        };
        match section {
            Section::Meta => {
                let is_header = names.len() == 2
                    && names[0].eq_ignore_ascii_case("key")
                    && names[1].eq_ignore_ascii_case("value");
                if is_header {
                    return Ok(());
                }
                // The older layout (29 files of Pabulib's 2023 release) has no header: its META
                // rows start on the line after the marker. pabutools skips that line whatever it
                // holds, losing the first row (`description` in those files); it is read here as
                // the row it is.
                if names.len() == 2 && !names[0].is_empty() {
                    return self.meta_row(line, fields);
                }
                return fail(
                    line,
                    Kind::BadMetaHeader {
                        found: names.join(";"),
                    },
                );
            }
            Section::Projects => {
                first_must_be("project_id")?;
                self.cost_column = position_of("cost")?;
                for (at, name) in names.iter().enumerate().skip(1) {
                    if at != self.cost_column {
                        self.project_other_columns.push(at);
                        self.project_columns.push(name.clone());
                    }
                }
            }
            Section::Votes => {
                first_must_be("voter_id")?;
                let vote = position_of("vote")?;
                let needs_points = self.vote_type.is_some_and(VoteType::has_points);
                let points = if needs_points {
                    Some(position_of("points")?)
                } else {
                    None
                };
                let mut others = Vec::new();
                for (at, name) in names.iter().enumerate().skip(1) {
                    if at != vote && Some(at) != points {
                        others.push(at);
                        self.voter_columns.push(name.clone());
                    }
                }
                self.vote_columns = VoteColumns {
                    vote,
                    points,
                    others,
                };
                self.seen = vec![usize::MAX; self.projects.len()];
                self.slot = vec![0; self.projects.len()];
            }
        }
        Ok(())
    }

    fn meta_row(&mut self, line: usize, fields: &[Cow<'_, str>]) -> Result<(), ParseError> {
        if fields.len() != 2 || fields[0].trim().is_empty() {
            return fail(
                line,
                Kind::MetaRowShape {
                    found: fields.len(),
                },
            );
        }
        let key = fields[0].trim().to_string();
        if self.meta_lines.insert(key.clone(), line).is_some() {
            return fail(line, Kind::DuplicateMetaKey(key));
        }
        self.meta.push((key, fields[1].trim().to_string()));
        Ok(())
    }

    fn meta_value(&self, key: &str) -> Option<(&str, usize)> {
        let value = self.meta.iter().find(|(k, _)| k == key)?.1.as_str();
        Some((value, self.meta_lines.get(key).copied().unwrap_or(0)))
    }

    /// Reads the META keys the rest of the file depends on; `line` is the PROJECTS marker.
    fn finish_meta(&mut self, line: usize) -> Result<(), ParseError> {
        let (text, at) = self.meta_value("vote_type").ok_or(ParseError {
            line,
            kind: Kind::MissingMetaKey("vote_type"),
        })?;
        let vote_type = VoteType::parse(text).ok_or_else(|| ParseError {
            line: at,
            kind: Kind::UnknownVoteType(text.to_string()),
        })?;
        let (text, at) = self.meta_value("budget").ok_or(ParseError {
            line,
            kind: Kind::MissingMetaKey("budget"),
        })?;
        let bad_budget = |reason: String| ParseError {
            line: at,
            kind: Kind::BadMetaValue {
                key: "budget",
                value: text.to_string(),
                reason,
            },
        };
        let budget = Decimal::parse(text).map_err(|e| bad_budget(e.to_string()))?;
        if budget.is_negative() {
            return Err(bad_budget("a budget cannot be negative".to_string()));
        }
        if vote_type == VoteType::Scoring
            && let Some((text, at)) = self.meta_value("default_score")
            && !text.is_empty()
            && !text.eq_ignore_ascii_case("none")
            && let Err(error) = Decimal::parse(text)
        {
            return fail(
                at,
                Kind::BadMetaValue {
                    key: "default_score",
                    value: text.to_string(),
                    reason: error.to_string(),
                },
            );
        }
        self.vote_type = Some(vote_type);
        self.budget = Some(budget);
        Ok(())
    }

    fn too_many_fields(
        line: usize,
        section: Section,
        found: usize,
        expected: usize,
    ) -> Result<(), ParseError> {
        if found > expected {
            return fail(
                line,
                Kind::TooManyFields {
                    section,
                    found,
                    expected,
                },
            );
        }
        Ok(())
    }

    fn project_row(&mut self, line: usize, fields: &[Cow<'_, str>]) -> Result<(), ParseError> {
        let expected = self.project_columns.len() + 2;
        Self::too_many_fields(line, Section::Projects, fields.len(), expected)?;
        let id = fields[0].trim();
        if id.is_empty() {
            return fail(line, Kind::EmptyProjectId);
        }
        if self.project_index.contains_key(id) {
            return fail(line, Kind::DuplicateProjectId(id.to_string()));
        }
        let cost_text = cell(fields, self.cost_column).ok_or_else(|| ParseError {
            line,
            kind: Kind::MissingCost {
                project: id.to_string(),
            },
        })?;
        let cost = Decimal::parse(cost_text).map_err(|error| ParseError {
            line,
            kind: Kind::BadCost {
                project: id.to_string(),
                error,
            },
        })?;
        if cost.is_negative() {
            return fail(
                line,
                Kind::NegativeCost {
                    project: id.to_string(),
                    cost: cost_text.to_string(),
                },
            );
        }
        let cells = self
            .project_other_columns
            .iter()
            .map(|&at| cell(fields, at).map(str::to_string))
            .collect();
        self.project_index
            .insert(id.to_string(), self.projects.len());
        self.projects.push(Project {
            id: id.to_string(),
            cost,
            cells,
        });
        Ok(())
    }

    fn project_of(&self, line: usize, voter: &str, id: &str) -> Result<usize, ParseError> {
        self.project_index
            .get(id)
            .copied()
            .ok_or_else(|| ParseError {
                line,
                kind: Kind::UnknownProject {
                    voter: voter.to_string(),
                    project: id.to_string(),
                },
            })
    }

    /// Keeps `kind` unless [`Limits::max_warnings`] are kept already.
    fn warn(&mut self, line: usize, kind: ParseWarningKind) {
        if self.warnings.len() < self.limits.max_warnings {
            self.warnings.push(ParseWarning { line, kind });
        } else {
            self.more_warnings += 1;
        }
    }

    /// Notes that the current vote lists `project` again.
    fn repeated(&mut self, project: usize) {
        if self.repeats.0 == 0 {
            self.repeats.1 = project;
        }
        self.repeats.0 += 1;
    }

    /// One warning for all the repeats of the current vote, if any.
    fn repeats_warning(&mut self, line: usize, voter: &str, resolution: &'static str) {
        let (repeats, first) = std::mem::take(&mut self.repeats);
        if repeats > 0 {
            let kind = ParseWarningKind::DuplicateProjectInVote {
                voter: quoted(voter),
                project: self.projects[first].id.clone(),
                repeats,
                resolution,
            };
            self.warn(line, kind);
        }
    }

    fn vote_row(&mut self, line: usize, fields: &[Cow<'_, str>]) -> Result<(), ParseError> {
        let expected =
            self.voter_columns.len() + 2 + usize::from(self.vote_columns.points.is_some());
        Self::too_many_fields(line, Section::Votes, fields.len(), expected)?;
        let voter = fields[0].trim();
        if voter.is_empty() {
            return fail(line, Kind::EmptyVoterId);
        }
        let stamp = self.voters.len();
        let vote_type = self.vote_type.unwrap_or(VoteType::Approval);
        // pabutools refuses a row without a vote (a KeyError); an empty vote is an empty ballot.
        let vote = match fields.get(self.vote_columns.vote).map(|f| f.trim()) {
            None => {
                return fail(
                    line,
                    Kind::MissingVote {
                        voter: quoted(voter),
                    },
                );
            }
            Some(text) if text.eq_ignore_ascii_case("none") => {
                return fail(
                    line,
                    Kind::MissingVote {
                        voter: quoted(voter),
                    },
                );
            }
            Some(text) => text,
        };
        let ballot = match self.vote_columns.points {
            Some(points_at) => {
                self.points_ballot(line, voter, vote, cell(fields, points_at), stamp)?
            }
            None => {
                let mut list = Vec::new();
                let mut empty_entry = false;
                for entry in vote.split(',').map(str::trim) {
                    if entry.is_empty() {
                        empty_entry |= !vote.is_empty();
                        continue;
                    }
                    let project = self.project_of(line, voter, entry)?;
                    if self.seen[project] == stamp {
                        self.repeated(project);
                    } else {
                        self.seen[project] = stamp;
                        list.push(project);
                    }
                }
                let resolution = if vote_type == VoteType::Ordinal {
                    "kept at its first rank"
                } else {
                    "a vote is a set"
                };
                self.repeats_warning(line, voter, resolution);
                if empty_entry {
                    let kind = ParseWarningKind::EmptyVoteEntry {
                        voter: quoted(voter),
                    };
                    self.warn(line, kind);
                }
                if vote_type == VoteType::Choose1 && list.len() != 1 {
                    let kind = ParseWarningKind::Choose1Length {
                        voter: quoted(voter),
                        count: list.len(),
                    };
                    self.warn(line, kind);
                }
                if vote_type == VoteType::Ordinal {
                    Ballot::Ranking(list)
                } else {
                    Ballot::Approval(list)
                }
            }
        };
        let cells = self
            .vote_columns
            .others
            .iter()
            .map(|&at| cell(fields, at).map(str::to_string))
            .collect();
        self.voters.push(Voter {
            id: voter.to_string(),
            ballot,
            cells,
        });
        self.voter_lines.push(line);
        Ok(())
    }

    fn points_ballot(
        &mut self,
        line: usize,
        voter: &str,
        vote: &str,
        points: Option<&str>,
        stamp: usize,
    ) -> Result<Ballot, ParseError> {
        let ids: Vec<&str> = if vote.is_empty() {
            Vec::new()
        } else {
            vote.split(',').map(str::trim).collect()
        };
        let values: Vec<&str> = match points {
            Some(text) => text.split(',').map(str::trim).collect(),
            None => Vec::new(),
        };
        if ids.len() != values.len() {
            return fail(
                line,
                Kind::PointsLengthMismatch {
                    voter: voter.to_string(),
                    votes: ids.len(),
                    points: values.len(),
                },
            );
        }
        let mut list: Vec<(usize, Decimal)> = Vec::with_capacity(ids.len());
        for (id, value) in ids.into_iter().zip(values) {
            if id.is_empty() {
                return fail(
                    line,
                    Kind::EmptyProjectInPointsVote {
                        voter: voter.to_string(),
                    },
                );
            }
            let project = self.project_of(line, voter, id)?;
            let value = Decimal::parse(value).map_err(|error| ParseError {
                line,
                kind: Kind::BadPoints {
                    voter: voter.to_string(),
                    error,
                },
            })?;
            // Cumulative ballots spread points (the format's `min_points` defaults to 0);
            // scoring ballots may give negative scores.
            if value.is_negative() && self.vote_type == Some(VoteType::Cumulative) {
                return fail(
                    line,
                    Kind::NegativePoints {
                        voter: voter.to_string(),
                        project: id.to_string(),
                        points: value.to_string(),
                    },
                );
            }
            if self.seen[project] == stamp {
                self.repeated(project);
                list[self.slot[project]].1 = value;
            } else {
                self.seen[project] = stamp;
                self.slot[project] = list.len();
                list.push((project, value));
            }
        }
        self.repeats_warning(line, voter, "the points written last are kept");
        Ok(Ballot::Points(list))
    }

    fn finish(mut self, end: usize) -> Result<Parsed, ParseError> {
        match self.position {
            Position::BeforeMeta => return fail(end, Kind::MissingSection(Section::Meta)),
            Position::AwaitingHeader(section) => return fail(end, Kind::MissingHeader(section)),
            Position::In(Section::Meta) => {
                return fail(end, Kind::MissingSection(Section::Projects));
            }
            Position::In(Section::Projects) => {
                return fail(end, Kind::MissingSection(Section::Votes));
            }
            Position::In(Section::Votes) => {}
        }
        for (key, section, actual) in [
            ("num_projects", Section::Projects, self.projects.len()),
            ("num_votes", Section::Votes, self.voters.len()),
        ] {
            if let Some((declared, at)) = self.meta_value(key) {
                let number: Option<usize> = declared.parse().ok();
                match number {
                    None => {
                        return fail(
                            at,
                            Kind::BadMetaValue {
                                key,
                                value: declared.to_string(),
                                reason: "not a whole number".to_string(),
                            },
                        );
                    }
                    Some(n) if n != actual => {
                        return fail(
                            at,
                            Kind::CountMismatch {
                                key,
                                section,
                                declared: declared.to_string(),
                                actual,
                            },
                        );
                    }
                    Some(_) => {}
                }
            }
        }
        let mut ids = HashSet::with_capacity(self.voters.len());
        let mut repeated_ids = Vec::new();
        for (voter, &line) in self.voters.iter().zip(&self.voter_lines) {
            if !ids.insert(voter.id.as_str()) {
                repeated_ids.push((line, quoted(&voter.id)));
            }
        }
        for (line, id) in repeated_ids {
            self.warn(line, ParseWarningKind::DuplicateVoterId(id));
        }
        // Both are set when the PROJECTS marker was read, which `position` proves happened.
        let (Some(vote_type), Some(budget)) = (self.vote_type, self.budget) else {
            return fail(end, Kind::MissingSection(Section::Projects));
        };
        let mut election = Election {
            meta: Meta::from_iter(self.meta),
            vote_type,
            budget,
            project_columns: self.project_columns,
            projects: self.projects,
            voter_columns: self.voter_columns,
            voters: self.voters,
        };
        election.sync_meta();
        self.warnings.sort_by_key(|w| w.line);
        Ok(Parsed {
            election,
            warnings: self.warnings,
            more_warnings: self.more_warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pabulib::{ParseErrorKind, ParseWarningKind};

    const HEAD: &str = "META\nkey;value\nnum_projects;3\nnum_votes;2\nbudget;100\nvote_type;approval\nrule;greedy\n";
    const PROJECTS: &str = "PROJECTS\nproject_id;cost;name\na;60;Park\nb;50;None\nc;40;\n";

    fn error_of(text: &str) -> ParseError {
        parse(text).expect_err("the file should be refused")
    }

    #[test]
    fn reads_crlf_lf_mixes_a_bom_quotes_and_none_cells() {
        let text = "\u{feff}META\r\nkey;value\r\nbudget;10000,0\nvote_type;approval\r\ncomment;\"#1: \"\"x\"\"; y\"\r\n\
                    PROJECTS\r\nproject_id;cost;name;latitude\r\n 1 ; 2500.50 ;\"Konkurs \"\" NA\";None\n\
                    2;300;Konkurs \" NA;\r\nVOTES\nvoter_id;vote;age\r\nv1;1,2;NONE\r\nv2;2;34\r\n";
        let parsed = parse(text).unwrap();
        let e = &parsed.election;
        assert_eq!(e.budget.to_string(), "10000.0");
        assert_eq!(e.meta.get("budget"), Some("10000.0"));
        assert_eq!(e.meta.get("comment"), Some("#1: \"x\"; y"));
        assert_eq!(e.projects[0].id, "1");
        assert_eq!(e.projects[0].cost.to_string(), "2500.50");
        assert_eq!(e.project_cell(0, "name"), Some("Konkurs \" NA"));
        assert_eq!(e.project_cell(1, "name"), Some("Konkurs \" NA"));
        assert_eq!(e.project_cell(0, "latitude"), None);
        assert_eq!(e.voter_cell(0, "age"), None);
        assert_eq!(e.voter_cell(1, "age"), Some("34"));
        assert_eq!(e.voters[0].ballot, Ballot::Approval(vec![0, 1]));
        // num_projects and num_votes were missing: added from the rows.
        assert_eq!(e.meta.get("num_votes"), Some("2"));
        assert!(parsed.warnings.is_empty());
    }

    #[test]
    fn duplicate_ids_in_a_vote_are_resolved_as_pabutools_does_with_a_warning() {
        let approval = format!("{HEAD}{PROJECTS}VOTES\nvoter_id;vote\n1;a,b,a\n2;c,,b\n");
        let parsed = parse(&approval).unwrap();
        assert_eq!(
            parsed.election.voters[0].ballot,
            Ballot::Approval(vec![0, 1])
        );
        assert_eq!(
            parsed.election.voters[1].ballot,
            Ballot::Approval(vec![2, 1])
        );
        assert_eq!(parsed.warnings.len(), 2);
        assert_eq!(parsed.warnings[0].line, 15);
        assert!(matches!(
            parsed.warnings[0].kind,
            ParseWarningKind::DuplicateProjectInVote { .. }
        ));
        assert!(matches!(
            parsed.warnings[1].kind,
            ParseWarningKind::EmptyVoteEntry { .. }
        ));

        let ordinal = approval.replace("vote_type;approval", "vote_type;ordinal");
        let parsed = parse(&ordinal).unwrap();
        assert_eq!(
            parsed.election.voters[0].ballot,
            Ballot::Ranking(vec![0, 1])
        );

        let cumulative = format!(
            "{}{PROJECTS}VOTES\nvoter_id;vote;points\n1;a,b,a;1,2,3\n2;c;0.5\n",
            HEAD.replace("vote_type;approval", "vote_type;cumulative")
        );
        let parsed = parse(&cumulative).unwrap();
        let three = Decimal::from_integer(3);
        let two = Decimal::from_integer(2);
        assert_eq!(
            parsed.election.voters[0].ballot,
            Ballot::Points(vec![(0, three), (1, two)])
        );
        assert_eq!(
            parsed.election.voters[1].ballot,
            Ballot::Points(vec![(2, Decimal::parse("0.5").unwrap())])
        );
        assert_eq!(parsed.warnings.len(), 1);
    }

    #[test]
    fn broken_files_name_the_line_and_the_problem() {
        let votes = "VOTES\nvoter_id;vote\n1;a\n2;b\n";
        type Case = (String, usize, fn(&ParseErrorKind) -> bool);
        let cases: Vec<Case> = vec![
            ("hello\nMETA\n".to_string(), 1, |k| {
                matches!(k, ParseErrorKind::ContentBeforeMeta { .. })
            }),
            (HEAD.to_string(), 8, |k| {
                matches!(k, ParseErrorKind::MissingSection(Section::Projects))
            }),
            (format!("{HEAD}{PROJECTS}"), 13, |k| {
                matches!(k, ParseErrorKind::MissingSection(Section::Votes))
            }),
            (format!("{HEAD}VOTES\n"), 8, |k| {
                matches!(k, ParseErrorKind::SectionOutOfOrder { .. })
            }),
            (format!("{HEAD}PROJECTS\nid;cost\n{votes}"), 9, |k| {
                matches!(k, ParseErrorKind::BadFirstColumn { .. })
            }),
            (format!("{HEAD}PROJECTS\nproject_id;price\n"), 9, |k| {
                matches!(k, ParseErrorKind::MissingColumn { .. })
            }),
            (format!("{HEAD}{PROJECTS}VOTES\nid;vote\n"), 14, |k| {
                matches!(k, ParseErrorKind::BadFirstColumn { .. })
            }),
            (
                format!("{HEAD}{PROJECTS}VOTES\nvoter_id;vote\n1;a\n2;z\n"),
                16,
                |k| matches!(k, ParseErrorKind::UnknownProject { project, .. } if project == "z"),
            ),
            (
                format!("{HEAD}{PROJECTS}VOTES\nvoter_id;vote\n1;a\n"),
                4,
                |k| {
                    matches!(
                        k,
                        ParseErrorKind::CountMismatch {
                            key: "num_votes",
                            actual: 1,
                            ..
                        }
                    )
                },
            ),
            (
                format!(
                    "{}{PROJECTS}{votes}",
                    HEAD.replace("num_projects;3", "num_projects;4")
                ),
                3,
                |k| {
                    matches!(
                        k,
                        ParseErrorKind::CountMismatch {
                            key: "num_projects",
                            ..
                        }
                    )
                },
            ),
            (
                format!("{HEAD}{}{votes}", PROJECTS.replace("b;50", "b;5O")),
                11,
                |k| matches!(k, ParseErrorKind::BadCost { project, .. } if project == "b"),
            ),
            (
                format!("{HEAD}{}{votes}", PROJECTS.replace("b;50", "b;-5")),
                11,
                |k| matches!(k, ParseErrorKind::NegativeCost { .. }),
            ),
            (
                format!("{HEAD}{}{votes}", PROJECTS.replace("c;40", "a;40")),
                12,
                |k| matches!(k, ParseErrorKind::DuplicateProjectId(id) if id == "a"),
            ),
            (
                format!("{HEAD}{}{votes}", PROJECTS.replace("b;50;None", "b;50;x;y")),
                11,
                |k| {
                    matches!(
                        k,
                        ParseErrorKind::TooManyFields {
                            found: 4,
                            expected: 3,
                            ..
                        }
                    )
                },
            ),
            (
                format!(
                    "{HEAD}{}{votes}",
                    PROJECTS.replace("b;50;None", "b;50;\"open")
                ),
                11,
                |k| matches!(k, ParseErrorKind::UnterminatedQuote),
            ),
            (
                HEAD.replace("budget;100", "budget;lots") + PROJECTS,
                5,
                |k| matches!(k, ParseErrorKind::BadMetaValue { key: "budget", .. }),
            ),
            (
                HEAD.replace("vote_type;approval", "vote_type;quadratic") + PROJECTS,
                6,
                |k| matches!(k, ParseErrorKind::UnknownVoteType(_)),
            ),
            (
                HEAD.replace("rule;greedy", "rule;greedy;extra") + PROJECTS,
                7,
                |k| matches!(k, ParseErrorKind::MetaRowShape { found: 3 }),
            ),
            (HEAD.replace("rule;greedy", "budget;7") + PROJECTS, 7, |k| {
                matches!(k, ParseErrorKind::DuplicateMetaKey(_))
            }),
            ("META\nkey;value;comment\n".to_string(), 2, |k| {
                matches!(k, ParseErrorKind::BadMetaHeader { .. })
            }),
            ("META\ndescription\n".to_string(), 2, |k| {
                matches!(k, ParseErrorKind::BadMetaHeader { .. })
            }),
        ];
        for (text, line, is_expected) in cases {
            let error = error_of(&text);
            assert_eq!(error.line, line, "{error} for\n{text}");
            assert!(is_expected(&error.kind), "{error} for\n{text}");
            assert!(error.to_string().starts_with(&format!("line {line}: ")));
        }
    }

    /// A row without a vote cell, or with `None` there, is refused as pabutools refuses it (it
    /// would otherwise count as a voter with an empty ballot and change MES endowments); an
    /// empty vote cell is an empty ballot.
    #[test]
    fn a_vote_row_needs_a_vote() {
        for row in ["3", "3;None", "3; none "] {
            let text = format!("{HEAD}{PROJECTS}VOTES\nvoter_id;vote\n1;a\n2;b\n{row}\n");
            let text = text.replace("num_votes;2", "num_votes;3");
            let error = error_of(&text);
            assert_eq!(error.line, 17, "{row}");
            assert!(
                matches!(error.kind, ParseErrorKind::MissingVote { .. }),
                "{row}: {error}"
            );
        }
        let text = format!("{HEAD}{PROJECTS}VOTES\nvoter_id;vote\n1;a\n2;\n");
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.election.voters[1].ballot, Ballot::Approval(vec![]));
    }

    /// A vote repeating projects thousands of times gives one warning, and warnings stop being
    /// kept at the limit; voter ids are quoted cut. Headers wider than the limit are refused.
    #[test]
    fn warnings_and_columns_are_bounded() {
        let long_id = "v".repeat(100_000);
        let repeated = vec!["a"; 20_000].join(",");
        let text = format!("{HEAD}{PROJECTS}VOTES\nvoter_id;vote\n{long_id};{repeated}\n2;b,b\n");
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.warnings.len(), 2);
        match &parsed.warnings[0].kind {
            ParseWarningKind::DuplicateProjectInVote { voter, repeats, .. } => {
                assert_eq!(*repeats, 19_999);
                assert_eq!(voter.chars().count(), 65);
            }
            other => panic!("{other:?}"),
        }
        let limits = Limits {
            max_warnings: 1,
            ..Limits::default()
        };
        let parsed = parse_with(&text, limits).unwrap();
        assert_eq!((parsed.warnings.len(), parsed.more_warnings), (1, 1));

        let wide = (0..100)
            .map(|i| format!("c{i}"))
            .collect::<Vec<_>>()
            .join(";");
        let text = format!("{HEAD}PROJECTS\nproject_id;cost;{wide}\na;1\n");
        let error = error_of(&text);
        assert_eq!(error.line, 9);
        assert!(
            matches!(
                error.kind,
                ParseErrorKind::TooManyColumns {
                    found: 102,
                    limit: 64,
                    ..
                }
            ),
            "{error}"
        );
        let limits = Limits {
            max_columns: 200,
            ..Limits::default()
        };
        assert!(matches!(
            parse_with(&text, limits).unwrap_err().kind,
            ParseErrorKind::MissingSection(Section::Votes)
        ));
    }

    /// Files of Pabulib's 2023 release have no `key;value` line under META; every row is kept.
    #[test]
    fn the_older_layout_without_a_meta_header_is_read() {
        let older = HEAD.replace("META\nkey;value\n", "META\ndescription;Grochów\n")
            + "PROJECTS\nproject_id;cost\n1;60\n2;50\n3;40\nVOTES\nvoter_id;vote\n1;1,2\n2;3\n";
        let parsed = parse(&older).expect("the older layout parses");
        assert_eq!(parsed.election.meta.get("description"), Some("Grochów"));
        assert_eq!(parsed.election.budget.to_string(), "100");
        assert_eq!(parsed.election.projects.len(), 3);
        assert_eq!(parsed.election.voters.len(), 2);
    }

    #[test]
    fn points_must_match_the_vote() {
        let head = HEAD.replace("vote_type;approval", "vote_type;cumulative");
        let text = format!("{head}{PROJECTS}VOTES\nvoter_id;vote;points\n1;a,b;1\n2;b;1\n");
        let error = error_of(&text);
        assert_eq!(error.line, 15);
        assert!(matches!(
            error.kind,
            ParseErrorKind::PointsLengthMismatch {
                votes: 2,
                points: 1,
                ..
            }
        ));
        let text = format!("{head}{PROJECTS}VOTES\nvoter_id;vote;points\n1;a;x\n2;b;1\n");
        assert!(matches!(
            error_of(&text).kind,
            ParseErrorKind::BadPoints { .. }
        ));
        let text = format!("{head}{PROJECTS}VOTES\nvoter_id;vote\n1;a\n2;b\n");
        assert!(matches!(
            error_of(&text).kind,
            ParseErrorKind::MissingColumn {
                column: "points",
                ..
            }
        ));
    }

    /// Cumulative ballots spread points: a negative number of points is refused, naming the line,
    /// the voter and the project. Scoring ballots may give negative scores (the format's
    /// `min_points` for scoring defaults to −∞).
    #[test]
    fn cumulative_points_cannot_be_negative_but_scores_can() {
        let votes = "VOTES\nvoter_id;vote;points\n1;a,b;2,1\n2;b,c;3,-1\n";
        let cumulative = HEAD.replace("vote_type;approval", "vote_type;cumulative");
        let error = error_of(&format!("{cumulative}{PROJECTS}{votes}"));
        assert_eq!(error.line, 16);
        assert_eq!(
            error.kind,
            ParseErrorKind::NegativePoints {
                voter: "2".to_string(),
                project: "c".to_string(),
                points: "-1".to_string()
            }
        );
        assert!(
            error.to_string().starts_with("line 16: voter `2`"),
            "{error}"
        );
        let scoring = HEAD.replace("vote_type;approval", "vote_type;scoring");
        let parsed = parse(&format!("{scoring}{PROJECTS}{votes}")).unwrap();
        assert_eq!(
            parsed.election.voters[1].ballot,
            Ballot::Points(vec![
                (1, Decimal::from_integer(3)),
                (2, Decimal::from_integer(-1))
            ])
        );
    }

    /// META `default_score` (what a scoring ballot gives to the projects it does not list) must
    /// be a number in a scoring file; other vote types do not read it.
    #[test]
    fn a_scoring_file_needs_a_numeric_default_score() {
        let votes = "VOTES\nvoter_id;vote;points\n1;a;2\n2;b;1\n";
        let scoring = HEAD.replace(
            "vote_type;approval",
            "vote_type;scoring\ndefault_score;-0.5",
        );
        let parsed = parse(&format!("{scoring}{PROJECTS}{votes}")).unwrap();
        assert_eq!(
            parsed.election.default_score(),
            Ok(Some(Decimal::parse("-0.5").unwrap()))
        );
        let broken = scoring.replace("default_score;-0.5", "default_score;low");
        let error = error_of(&format!("{broken}{PROJECTS}{votes}"));
        assert_eq!(error.line, 7);
        assert!(matches!(
            error.kind,
            ParseErrorKind::BadMetaValue {
                key: "default_score",
                ..
            }
        ));
        let cumulative = broken.replace("vote_type;scoring", "vote_type;cumulative");
        let parsed = parse(&format!("{cumulative}{PROJECTS}{votes}")).unwrap();
        assert_eq!(parsed.election.default_score(), Ok(None));
    }

    #[test]
    fn scoring_and_choose_1_votes_are_read() {
        let head = HEAD.replace("vote_type;approval", "vote_type;scoring");
        let text = format!("{head}{PROJECTS}VOTES\nvoter_id;vote;points\n1;a,b;-1,2.5\n2;;\n");
        let parsed = parse(&text).unwrap();
        assert_eq!(
            parsed.election.voters[0].ballot,
            Ballot::Points(vec![
                (0, Decimal::from_integer(-1)),
                (1, Decimal::parse("2.5").unwrap())
            ])
        );
        assert!(parsed.election.voters[1].ballot.is_empty());

        let head = HEAD.replace("vote_type;approval", "vote_type;choose-1");
        let text = format!("{head}{PROJECTS}VOTES\nvoter_id;vote\n1;a\n2;a,b\n");
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.election.vote_type, VoteType::Choose1);
        assert!(matches!(
            parsed.warnings[0].kind,
            ParseWarningKind::Choose1Length { count: 2, .. }
        ));
    }
}
