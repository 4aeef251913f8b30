//! Plaza's rules, as pure functions of (actor, current state, input, now).
//!
//! Nothing in this crate performs I/O, reads a clock, talks to a database or knows an HTTP request:
//! the API crate loads the state, calls a rule from here, and persists what the rule decided.
//! CI proves the purity with `cargo tree -p plaza-domain -e normal` (no sea-orm, poem, tokio,
//! lettre or meilisearch-sdk may appear). Every refusal of a product rule is a [`DomainError`]
//! with a stable code; reading a Pabulib file and computing an outcome from one have their own
//! error types ([`pabulib::ParseError`], [`outcome::OutcomeError`]), which name lines and rules.

pub mod accounts;
pub mod budgets;
pub mod calendar;
pub mod census;
pub mod comments;
pub mod debates;
pub mod error;
pub mod i18n;
pub mod ids;
pub mod money;
pub mod outcome;
pub mod pabulib;
pub mod processes;
pub mod proposals;
pub mod scopes;
pub mod sessions;
pub mod text;

pub use calendar::{Date, Timestamp};
pub use error::{DomainError, FieldCode, FieldError, FieldErrors, ProblemCode};
pub use ids::{
    CategoryId, CommentId, DebateId, JobId, OrganizationId, ProcessId, ProposalId, ScopeId,
    SessionId, UserId,
};
pub use money::Cents;
