//! Why an outcome cannot be computed. Every message names the rule involved.

use thiserror::Error;

use crate::pabulib::VoteType;

/// An outcome that cannot be computed for this election and rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OutcomeError {
    #[error("unknown outcome rule `{0}`; see the table in the outcome module documentation")]
    UnknownRule(String),
    #[error("rule `{rule}` does not apply to {vote_type} ballots: {reason}")]
    NotApplicable {
        rule: String,
        vote_type: VoteType,
        reason: &'static str,
    },
    #[error("`--rule meta` needs a META `rule`, and this file has none")]
    NoMetaRule,
    #[error("the META rule `{0}` has no computable definition here; choose a rule explicitly")]
    MetaRuleNotComputable(String),
    #[error("rule `{rule}` needs META `{key}`, which this file does not have")]
    MissingMetaKey { rule: String, key: &'static str },
    #[error("rule `{rule}`: META `{key}` is `{value}`, which is not a number")]
    BadMetaValue {
        rule: String,
        key: &'static str,
        value: String,
    },
    #[error("rule `{rule}`: the numbers of this file are too large to compute with exactly")]
    NumberTooLarge { rule: String },
    #[error(
        "rule `{rule}` needs more than {cap} runs of the Method of Equal Shares, or more work than allowed, on this file (its add1 loop raises every voter's endowment by the increment, one currency unit unless set, per run; a project far more expensive than its supporters' shares can make that loop run for ages), so the tally was stopped; a larger increment, or higher limits (plaza pb tally --increment, --max-runs, --max-work), let it go on"
    )]
    TooManyRuns { rule: String, cap: u64 },
    #[error(
        "rule `{rule}`: the add1 increment `{increment}` must be a positive multiple of this election's smallest amount of money, {unit}"
    )]
    BadIncrement {
        rule: String,
        increment: String,
        unit: String,
    },
    #[error(
        "voter `{voter}` lists project number {project}, but the election has {projects} projects"
    )]
    BallotOutOfRange {
        voter: String,
        project: usize,
        projects: usize,
    },
}
