//! What can be wrong with a `.pb` file, always with the line where it was found.
//!
//! A broken file is refused as a whole with a [`ParseError`]: its `Display` starts with
//! `line N:` so that a person can open the file at the right place. Oddities that pabutools
//! tolerates and that do not change the meaning of the file are accepted and reported as
//! [`ParseWarning`]s.

use std::fmt;
use thiserror::Error;

use super::decimal::DecimalError;

/// The three sections of a Pabulib file, in their mandatory order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    /// `META`: key/value pairs.
    Meta,
    /// `PROJECTS`: one row per project.
    Projects,
    /// `VOTES`: one row per voter.
    Votes,
}

impl Section {
    /// The marker as written in files: `META`, `PROJECTS`, `VOTES`.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Meta => "META",
            Section::Projects => "PROJECTS",
            Section::Votes => "VOTES",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file that cannot be read: `line` is 1-based (one past the last line for what is missing at
/// the end of the file).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// What is wrong, in words a person editing the file understands.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseErrorKind {
    #[error("the file must start with a META section, found `{found}`")]
    ContentBeforeMeta { found: String },
    #[error("the {0} section is missing")]
    MissingSection(Section),
    #[error("the {found} section must come after {expected}")]
    SectionOutOfOrder { found: Section, expected: Section },
    #[error("the {0} section appears twice")]
    RepeatedSection(Section),
    #[error("the {0} section has no column-header line")]
    MissingHeader(Section),
    #[error(
        "the line after META must be the header `key;value` or, in the older layout, a first `key;value` row; found `{found}`"
    )]
    BadMetaHeader { found: String },
    #[error("the first column of the {section} header must be `{expected}`, found `{found}`")]
    BadFirstColumn {
        section: Section,
        expected: &'static str,
        found: String,
    },
    #[error("the {section} header has no `{column}` column")]
    MissingColumn {
        section: Section,
        column: &'static str,
    },
    #[error("the {section} header names the column `{column}` twice")]
    DuplicateColumn { section: Section, column: String },
    #[error("a quoted field is not closed on this line (Pabulib fields never span lines)")]
    UnterminatedQuote,
    #[error(
        "the {section} header has {found} columns; at most {limit} are read (pabulib::Limits::max_columns)"
    )]
    TooManyColumns {
        section: Section,
        found: usize,
        limit: usize,
    },
    #[error(
        "voter `{voter}` has no vote (the `vote` cell is missing or `None`; an empty vote is written as an empty cell)"
    )]
    MissingVote { voter: String },
    #[error("this row has {found} fields but the {section} header has {expected}")]
    TooManyFields {
        section: Section,
        found: usize,
        expected: usize,
    },
    #[error(
        "a META row must be `key;value` (quote a value that contains `;`), found {found} fields"
    )]
    MetaRowShape { found: usize },
    #[error("the META key `{0}` appears twice")]
    DuplicateMetaKey(String),
    #[error("META has no `{0}`")]
    MissingMetaKey(&'static str),
    #[error("META `{key}` is `{value}`: {reason}")]
    BadMetaValue {
        key: &'static str,
        value: String,
        reason: String,
    },
    #[error(
        "META `vote_type` is `{0}`; expected approval, choose-1, cumulative, ordinal or scoring"
    )]
    UnknownVoteType(String),
    #[error("META `{key}` says {declared} but the {section} section has {actual} rows")]
    CountMismatch {
        key: &'static str,
        section: Section,
        declared: String,
        actual: usize,
    },
    #[error("empty project_id")]
    EmptyProjectId,
    #[error("project `{0}` is listed twice")]
    DuplicateProjectId(String),
    #[error("project `{project}` has no cost")]
    MissingCost { project: String },
    #[error("project `{project}` has an unreadable cost: {error}")]
    BadCost {
        project: String,
        error: DecimalError,
    },
    #[error("project `{project}` has a negative cost `{cost}`")]
    NegativeCost { project: String, cost: String },
    #[error("empty voter_id")]
    EmptyVoterId,
    #[error("voter `{voter}` votes for `{project}`, which is not in PROJECTS")]
    UnknownProject { voter: String, project: String },
    #[error("voter `{voter}` has an empty project id in a vote with points")]
    EmptyProjectInPointsVote { voter: String },
    #[error("voter `{voter}` lists {votes} projects but {points} points")]
    PointsLengthMismatch {
        voter: String,
        votes: usize,
        points: usize,
    },
    #[error("voter `{voter}` has unreadable points: {error}")]
    BadPoints { voter: String, error: DecimalError },
    #[error(
        "voter `{voter}` gives {points} points to `{project}`; cumulative points cannot be negative"
    )]
    NegativePoints {
        voter: String,
        project: String,
        points: String,
    },
}

/// Something tolerated, the way pabutools tolerates it, but worth telling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWarning {
    /// 1-based line number.
    pub line: usize,
    /// What was tolerated.
    pub kind: ParseWarningKind,
}

/// The tolerated oddities.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseWarningKind {
    /// One warning per vote, however many entries repeat a project (`repeats` of them; `project`
    /// is the first repeated). A voter id longer than 64 characters is quoted cut, with `…`.
    #[error(
        "voter `{voter}` lists project `{project}` more than once ({repeats} repeated entries in this vote); each project counted once ({resolution})"
    )]
    DuplicateProjectInVote {
        voter: String,
        project: String,
        repeats: usize,
        resolution: &'static str,
    },
    #[error("voter `{voter}` has an empty entry in their vote; skipped")]
    EmptyVoteEntry { voter: String },
    #[error("voter_id `{0}` appears more than once; each row is counted as a voter")]
    DuplicateVoterId(String),
    #[error("voter `{voter}` chose {count} projects in a choose-1 vote; read as approvals")]
    Choose1Length { voter: String, count: usize },
}

impl fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}
