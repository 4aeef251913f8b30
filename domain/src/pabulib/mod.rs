//! Pabulib `.pb` files: the open-data format of participatory-budgeting elections.
//!
//! Plaza publishes every budget's ballots as a Pabulib file (DESIGN §6) and must compute the same
//! outcome as anyone re-running pabutools on it; `plaza pb tally` reads any file of the
//! [pabulib.org](https://pabulib.org) collection. This module turns such a file into an
//! [`Election`] and back:
//!
//! - [`parse()`] reads a file's text, accepting every quirk of the real files (CRLF/LF mixes, a BOM,
//!   `;` CSV with quotes and stray quotes, `None` cells, `10000.0` or `10000,0` costs kept exact as
//!   [`Decimal`], opaque string ids, duplicate ids inside a vote, the older layout whose META
//!   section has no `key;value` header line) and refusing broken ones with a
//!   [`ParseError`] that names the line (an unknown project in a vote, negative cumulative
//!   points, a META `default_score` of a scoring file that is not a number…). Tolerated oddities
//!   come back as [`ParseWarning`]s.
//! - [`write()`] produces the canonical text of an election, or a [`WriteError`] when the format
//!   cannot carry it exactly; whenever it succeeds, `parse(&write(e)?)` gives back `e`.
//!
//! Duplicate project ids inside one vote are tolerated the way pabutools reads them, each with a
//! warning: an approval (or choose-1) vote is a set, so the repeat is dropped; a ranking keeps the
//! project at its first position (pabutools' `OrdinalBallot` is an ordered set), so positions and
//! the ballot length used for ordinal scores count it once; a cumulative or scoring vote keeps the
//! project at its first position with the points of its **last** occurrence, which is what
//! pabutools' dictionary assignment does (the points are not added up).
//!
//! Everything here is pure: the caller reads the file and passes its text.

mod csv;
mod decimal;
mod error;
mod parse;
mod write;

pub use decimal::{Decimal, DecimalError};
pub use error::{ParseError, ParseErrorKind, ParseWarning, ParseWarningKind, Section};
pub use parse::{Limits, Parsed, parse, parse_with};
pub use write::{WriteError, WriteProblem, write};

use serde::Serialize;
use std::fmt;

/// How voters express their preferences (META `vote_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VoteType {
    /// A set of approved projects.
    Approval,
    /// A single approved project (read as an approval ballot, as pabutools does).
    #[serde(rename = "choose-1")]
    Choose1,
    /// Points spread over projects (`vote` + `points`, never negative), unlisted projects get 0.
    Cumulative,
    /// A ranking, most preferred first.
    Ordinal,
    /// Scores given to projects (`vote` + `points`, possibly negative), unlisted projects get
    /// META `default_score` (0 when absent; see [`Election::default_score`]).
    Scoring,
}

impl VoteType {
    /// The META spelling: `approval`, `choose-1`, `cumulative`, `ordinal`, `scoring`.
    pub fn as_str(self) -> &'static str {
        match self {
            VoteType::Approval => "approval",
            VoteType::Choose1 => "choose-1",
            VoteType::Cumulative => "cumulative",
            VoteType::Ordinal => "ordinal",
            VoteType::Scoring => "scoring",
        }
    }

    /// Reads a META `vote_type` value (case-insensitive).
    pub fn parse(text: &str) -> Option<VoteType> {
        match text.trim().to_ascii_lowercase().as_str() {
            "approval" => Some(VoteType::Approval),
            "choose-1" => Some(VoteType::Choose1),
            "cumulative" => Some(VoteType::Cumulative),
            "ordinal" => Some(VoteType::Ordinal),
            "scoring" => Some(VoteType::Scoring),
            _ => None,
        }
    }

    /// Whether votes of this type carry points (`cumulative`, `scoring`).
    pub fn has_points(self) -> bool {
        matches!(self, VoteType::Cumulative | VoteType::Scoring)
    }

    /// Whether votes of this type are plain approvals (`approval`, `choose-1`).
    pub fn is_approval(self) -> bool {
        matches!(self, VoteType::Approval | VoteType::Choose1)
    }
}

impl fmt::Display for VoteType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The META section: key/value pairs in file order, unknown keys included.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    entries: Vec<(String, String)>,
}

impl Meta {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Sets `key`, in place when present, at the end otherwise.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key.to_string(), value)),
        }
    }

    /// The pairs in order.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether META has no pair.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl FromIterator<(String, String)> for Meta {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Meta {
        Meta {
            entries: iter.into_iter().collect(),
        }
    }
}

/// One row of PROJECTS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The opaque `project_id` (`24`, `BO.OM.97/24`, `M/01/X`…); never a number.
    pub id: String,
    /// The cost, exact as written.
    pub cost: Decimal,
    /// The other cells, aligned with [`Election::project_columns`]; `None` for an empty or `None` cell.
    pub cells: Vec<Option<String>>,
}

/// One voter's ballot. Project numbers are indices into [`Election::projects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ballot {
    /// `approval` and `choose-1`: the approved projects, in the order written, without repeats.
    Approval(Vec<usize>),
    /// `ordinal`: the ranked projects, most preferred first, without repeats.
    Ranking(Vec<usize>),
    /// `cumulative` and `scoring`: projects with the points given to each, without repeats.
    Points(Vec<(usize, Decimal)>),
}

impl Ballot {
    /// The ballot of a voter who listed `entries` (project number, points) in this order: an
    /// approval set, a ranking or points according to `vote_type` (points are ignored for
    /// approval, choose-1 and ordinal votes). A project listed again is kept once, as [`parse()`]
    /// reads such votes: at its first position, with the points given last.
    pub fn new(vote_type: VoteType, entries: impl IntoIterator<Item = (usize, Decimal)>) -> Ballot {
        let mut listed: Vec<(usize, Decimal)> = Vec::new();
        for (project, points) in entries {
            match listed.iter_mut().find(|(p, _)| *p == project) {
                Some(entry) => entry.1 = points,
                None => listed.push((project, points)),
            }
        }
        match vote_type {
            VoteType::Cumulative | VoteType::Scoring => Ballot::Points(listed),
            VoteType::Ordinal => Ballot::Ranking(listed.into_iter().map(|(p, _)| p).collect()),
            VoteType::Approval | VoteType::Choose1 => {
                Ballot::Approval(listed.into_iter().map(|(p, _)| p).collect())
            }
        }
    }

    /// The projects listed on the ballot, in ballot order.
    pub fn projects(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len()).map(move |at| match self {
            Ballot::Approval(list) | Ballot::Ranking(list) => list[at],
            Ballot::Points(list) => list[at].0,
        })
    }

    /// The number of projects listed.
    pub fn len(&self) -> usize {
        match self {
            Ballot::Approval(list) | Ballot::Ranking(list) => list.len(),
            Ballot::Points(list) => list.len(),
        }
    }

    /// Whether the ballot lists no project.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One row of VOTES.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    /// The opaque `voter_id`.
    pub id: String,
    /// What the voter chose.
    pub ballot: Ballot,
    /// The other cells (age, sex, voting_method…), aligned with [`Election::voter_columns`].
    pub cells: Vec<Option<String>>,
}

/// A whole Pabulib file.
///
/// `meta` holds every META pair; the four keys that have typed fields here (`budget`,
/// `vote_type`, `num_projects`, `num_votes`) are kept equal to those fields by [`parse()`] and by
/// [`Election::sync_meta`], and [`write()`] always writes the typed values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Election {
    /// Every META pair, in file order.
    pub meta: Meta,
    /// META `vote_type`.
    pub vote_type: VoteType,
    /// META `budget`, exact.
    pub budget: Decimal,
    /// PROJECTS columns other than `project_id` and `cost`, in file order.
    pub project_columns: Vec<String>,
    /// Projects in file order.
    pub projects: Vec<Project>,
    /// VOTES columns other than `voter_id`, `vote` and `points`, in file order.
    pub voter_columns: Vec<String>,
    /// Voters in file order.
    pub voters: Vec<Voter>,
}

impl Election {
    /// An election without extra META keys or extra columns; META holds the typed keys.
    pub fn new(
        vote_type: VoteType,
        budget: Decimal,
        projects: Vec<Project>,
        voters: Vec<Voter>,
    ) -> Election {
        let mut election = Election {
            meta: Meta::default(),
            vote_type,
            budget,
            project_columns: Vec::new(),
            projects,
            voter_columns: Vec::new(),
            voters,
        };
        election.sync_meta();
        election
    }

    /// The META `rule` value (`greedy`, `equalshares/add1`…), if any.
    pub fn meta_rule(&self) -> Option<&str> {
        self.meta.get("rule")
    }

    /// META `default_score` of a scoring election: the score a ballot gives to every project it
    /// does not list (the format's default is 0). `None` for other vote types, or when the key
    /// is absent, empty or `None`; an error when it is not a number ([`parse()`] refuses such a
    /// file, naming the line).
    pub fn default_score(&self) -> Result<Option<Decimal>, DecimalError> {
        if self.vote_type != VoteType::Scoring {
            return Ok(None);
        }
        self.meta
            .get("default_score")
            .filter(|v| !v.trim().is_empty() && !v.trim().eq_ignore_ascii_case("none"))
            .map(Decimal::parse)
            .transpose()
    }

    /// The index of the project with this id.
    pub fn project_index(&self, id: &str) -> Option<usize> {
        self.projects.iter().position(|p| p.id == id)
    }

    /// A PROJECTS cell (`name`, `selected`, `votes`…) of project number `project`.
    pub fn project_cell(&self, project: usize, column: &str) -> Option<&str> {
        let at = self.project_columns.iter().position(|c| c == column)?;
        self.projects.get(project)?.cells.get(at)?.as_deref()
    }

    /// A VOTES cell (`age`, `sex`…) of voter number `voter`.
    pub fn voter_cell(&self, voter: usize, column: &str) -> Option<&str> {
        let at = self.voter_columns.iter().position(|c| c == column)?;
        self.voters.get(voter)?.cells.get(at)?.as_deref()
    }

    /// Brings `budget`, `vote_type`, `num_projects` and `num_votes` in [`Election::meta`] in line
    /// with the typed fields (in place, or appended when missing).
    pub fn sync_meta(&mut self) {
        for (key, value) in self.typed_meta() {
            self.meta.set(key, value);
        }
    }

    /// The canonical values of the META keys that mirror typed fields.
    pub(crate) fn typed_meta(&self) -> [(&'static str, String); 4] {
        [
            ("num_projects", self.projects.len().to_string()),
            ("num_votes", self.voters.len().to_string()),
            ("budget", self.budget.to_string()),
            ("vote_type", self.vote_type.as_str().to_string()),
        ]
    }
}
