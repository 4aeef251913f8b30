//! The refusals a rule can return, and the one table of every error code a client can get.
//!
//! Every way a rule can say "no" is one variant of [`DomainError`], declared once: its `Display`
//! text (the problem's `detail`, written for the person using the app, never internal details)
//! on the variant, and its [`ProblemCode`] in the one arm of [`DomainError::problem_code`].
//!
//! The codes themselves are declared in two tables, each a list in this file and nowhere else:
//! [`ProblemCode`] (the `code` of a problem: its stable snake_case name, [`ErrorKind`] and title,
//! for the domain's refusals and the API's own errors alike: a body it cannot read, a missing
//! token, ...) and [`FieldCode`] (why one field is invalid, in a problem's `errors`). A rule can
//! only name a code of the tables, so the API documents every code it can send by listing them.
//! The HTTP layer maps each kind to a status in one place (422 for a broken rule, 409 for a
//! conflict with current state, 403 for a missing right or a closed phase, ...), so a new
//! refusal is added here and nowhere else.

use serde::Serialize;
use thiserror::Error;

/// Declares [`ProblemCode`] from its table: `Variant = "code", Kind, "Title";`.
macro_rules! problem_codes {
    ($($variant:ident = $code:literal, $kind:ident, $title:literal;)+) => {
        /// The stable code of a problem, with its kind and title: the one table of every error
        /// a client can get (see the module documentation).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProblemCode {
            $(
                #[doc = $title]
                $variant,
            )+
        }

        impl ProblemCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant,)+];

            /// The code, kind and title.
            pub const fn describe(self) -> Described {
                match self {
                    $(ProblemCode::$variant => Described::new($code, ErrorKind::$kind, $title),)+
                }
            }
        }
    };
}

problem_codes! {
    // --- a rule's refusals (DomainError) -----------------------------------------------------
    ValidationFailed = "validation_failed", Invalid, "Some fields are not valid";
    Forbidden = "forbidden", Forbidden, "Forbidden";
    CensusNoMatch = "census_no_match", Invalid, "No match in the census";
    UnderMinimumAge = "under_minimum_age", Invalid, "Under the minimum age";
    DocumentAlreadyUsed = "document_already_used", Conflict, "Document already used";
    AlreadyVerified = "already_verified", Conflict, "Already verified";
    LastAdmin = "last_admin", Conflict, "Last admin";
    VerificationLocked = "verification_locked", Throttled, "Verification locked";
    RefreshTokenReused = "refresh_token_reused", Unauthenticated, "Session revoked";
    SessionEnded = "session_ended", Unauthenticated, "Session ended";
    TooManyAttempts = "too_many_attempts", Throttled, "Too many attempts";
    InvalidCredentials = "invalid_credentials", Unauthenticated, "Wrong email or password";
    AccountBlocked = "account_blocked", Forbidden, "Account blocked";
    EmailNotConfirmed = "email_not_confirmed", Forbidden, "Email address not confirmed";
    ProposalsCreationClosed = "proposals_creation_closed", Forbidden, "Proposals cannot be created now";
    SupportsClosed = "supports_closed", Forbidden, "Supports are closed";
    DebatesClosed = "debates_closed", Forbidden, "Debates are closed";
    CommentsClosed = "comments_closed", Forbidden, "Comments are closed";
    VotingClosed = "voting_closed", Forbidden, "Voting closed";
    ResultsNotPublished = "results_not_published", Forbidden, "Results not published";
    OverBudget = "over_budget", Invalid, "Over budget";
    TooFewProjects = "too_few_projects", Invalid, "Too few projects";
    TooManyProjects = "too_many_projects", Invalid, "Too many projects";
    BelowMinimumSpend = "below_minimum_spend", Invalid, "Below the minimum spend";
    ProjectOfAnotherBudget = "project_of_another_budget", Invalid, "Project of another budget";
    TooManyPoints = "too_many_points", Invalid, "Too many points";
    TooManyPointsForProject = "too_many_points_for_project", Invalid, "Too many points for one project";
    PointsLeftUnspent = "points_left_unspent", Invalid, "Points left unspent";
    ProjectAlreadyInBallot = "project_already_in_ballot", Conflict, "Project already in the ballot";
    ProjectNotInBallot = "project_not_in_ballot", Conflict, "Project not in the ballot";
    BallotAlreadyCast = "ballot_already_cast", Conflict, "Ballot already cast";
    BallotNotCast = "ballot_not_cast", Conflict, "Ballot not cast";
    BudgetRulesLocked = "budget_rules_locked", Conflict, "Budget rules locked";
    NotEligible = "not_eligible", Forbidden, "Not eligible";
    VotingNotClosed = "voting_not_closed", Conflict, "Voting has not closed";
    ResultsAlreadyPublished = "results_already_published", Conflict, "Results already published";
    ResultsNotComputed = "results_not_computed", Conflict, "Results not computed";
    // --- debates and comments -----------------------------------------------------------------
    DebateClosed = "debate_closed", Conflict, "Debate closed";
    CommentDeleted = "comment_deleted", Conflict, "Comment deleted";
    // --- proposals and supports ----------------------------------------------------------------
    ProposalLimitReached = "proposal_limit_reached", Conflict, "Proposal limit reached";
    ProposalStateConflict = "proposal_state_conflict", Conflict, "Not possible in the proposal's state";
    EditWindowClosed = "edit_window_closed", Conflict, "Edit window closed";
    ProposalHasSupports = "proposal_has_supports", Conflict, "Proposal has supports";
    AnswerAlreadyPublished = "answer_already_published", Conflict, "Answer already published";
    NotAnswered = "not_answered", Conflict, "Not answered";
    ResidencyRequired = "residency_required", Forbidden, "Residency required";
    ProposalNotSupportable = "proposal_not_supportable", Conflict, "Proposal takes no supports";
    VoteLimitReached = "vote_limit_reached", Conflict, "Vote limit reached";
    SupportThresholdReached = "support_threshold_reached", Conflict, "Support threshold reached";
    AlreadySupported = "already_supported", Conflict, "Already supported";
    NotSupported = "not_supported", Conflict, "Not supported";
    // --- the API's own errors (AppError) -----------------------------------------------------
    MalformedJson = "malformed_json", Unreadable, "The body is not valid JSON";
    InvalidBody = "invalid_body", Unreadable, "The body does not match the schema";
    InvalidParameter = "invalid_parameter", Unreadable, "A parameter is not valid";
    PayloadTooLarge = "payload_too_large", TooLarge, "The body is too large";
    UnsupportedMediaType = "unsupported_media_type", UnsupportedMediaType, "Unsupported content type";
    MethodNotAllowed = "method_not_allowed", MethodNotAllowed, "Method not allowed";
    Unauthenticated = "unauthenticated", Unauthenticated, "Authentication required";
    TokenExpired = "token_expired", Unauthenticated, "The access token has expired";
    InvalidLink = "invalid_link", Invalid, "The link is invalid or has expired";
    AlreadyTaken = "already_taken", Conflict, "Already taken";
    Conflict = "conflict", Conflict, "Conflicts with a concurrent change";
    NotFound = "not_found", NotFound, "Not found";
    OrganizationNotFound = "organization_not_found", NotFound, "No organization here";
    ServiceUnavailable = "service_unavailable", Unavailable, "Service unavailable";
    Busy = "busy", Unavailable, "The server is busy";
    RateLimited = "rate_limited", Throttled, "Too many requests from this client";
    IdempotencyKeyReused = "idempotency_key_reused", Invalid, "Idempotency key used for another request";
    IdempotencyKeyInUse = "idempotency_key_in_use", Conflict, "A request with this idempotency key is still running";
    PreconditionFailed = "precondition_failed", PreconditionFailed, "Changed since it was read";
    InternalError = "internal_error", Internal, "Internal error";
}

/// Declares [`FieldCode`] from its table: `Variant = "code", "What it means.";`.
macro_rules! field_codes {
    ($($variant:ident = $code:literal, $meaning:literal;)+) => {
        /// Why one field is invalid (a problem's `errors[].code`): the one table of them (see
        /// the module documentation).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum FieldCode {
            $(
                #[doc = $meaning]
                $variant,
            )+
        }

        impl FieldCode {
            /// Every code, in the order of the table.
            pub const ALL: &'static [FieldCode] = &[$(FieldCode::$variant,)+];

            /// The stable snake_case code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(FieldCode::$variant => $code,)+
                }
            }

            /// What the code means, for the documentation.
            pub const fn meaning(self) -> &'static str {
                match self {
                    $(FieldCode::$variant => $meaning,)+
                }
            }
        }
    };
}

field_codes! {
    // --- the shape of a request ---------------------------------------------------------------
    Required = "required", "The field is missing, or its text is blank.";
    UnknownField = "unknown_field", "The body has a field the schema does not name.";
    InvalidType = "invalid_type", "The value has the wrong JSON type (`null` included, where a field is not nullable).";
    InvalidValue = "invalid_value", "The value cannot be read (an unknown enum value, a malformed id, date or number).";
    InvalidEncoding = "invalid_encoding", "The body is not UTF-8 text.";
    ControlCharacter = "control_character", "The text holds a control character.";
    InvalidCursor = "invalid_cursor", "The cursor was not minted by this list with this sort.";
    InvalidIdempotencyKey = "invalid_idempotency_key", "The `Idempotency-Key` header is not of the documented form.";
    // --- texts --------------------------------------------------------------------------------
    TooShort = "too_short", "The text is shorter than the field's minimum length.";
    TooLong = "too_long", "The text is longer than the field's maximum length.";
    InvalidLength = "invalid_length", "The text is shorter or longer than the field allows.";
    InvalidCharacters = "invalid_characters", "The text holds characters the field does not allow.";
    UnknownLocale = "unknown_locale", "The locale is not one of the organization's.";
    UnknownTimeZone = "unknown_time_zone", "The time zone is not an IANA time zone.";
    InvalidHost = "invalid_host", "The host name is not valid.";
    // --- accounts -----------------------------------------------------------------------------
    InvalidEmail = "invalid_email", "The text is not a valid email address.";
    AlreadyTaken = "already_taken", "The value is already used by another record of the organization.";
    WrongPassword = "wrong_password", "The current password is wrong.";
    PasswordTooShort = "password_too_short", "The password is shorter than the policy allows.";
    PasswordTooLong = "password_too_long", "The password is longer than the policy allows.";
    PasswordTooFewDistinctCharacters = "password_too_few_distinct_characters", "The password has too few different characters.";
    PasswordContainsPersonalData = "password_contains_personal_data", "The password contains the person's name, nickname or email address.";
    PasswordContainsOrganizationHost = "password_contains_organization_host", "The password contains the name of the website.";
    PasswordTooCommon = "password_too_common", "The password is a common one.";
    CannotRemoveOwnAdmin = "cannot_remove_own_admin", "An admin cannot take the admin role from themselves.";
    AdminPasswordTooWeak = "admin_password_too_weak", "The account's password does not meet the admin policy.";
    // --- census -------------------------------------------------------------------------------
    InvalidDocumentNumber = "invalid_document_number", "The document number does not have the letters and digits it needs.";
    InvalidDate = "invalid_date", "The date is not a valid `YYYY-MM-DD` date.";
    InvalidBirthDate = "invalid_birth_date", "A census line's birth date is not a valid `YYYY-MM-DD` date.";
    MissingScopeCode = "missing_scope_code", "A census line has no scope code.";
    UnknownScopeCode = "unknown_scope_code", "A census line's scope code names no scope.";
    DuplicateDocumentNumber = "duplicate_document_number", "A census file lists the document number twice.";
    InvalidHeader = "invalid_header", "A census file's header does not name its columns.";
    EmptyFile = "empty_file", "The census file is empty.";
    EmptyCensus = "empty_census", "The census file has no resident.";
    UnreadableLine = "unreadable_line", "A census line cannot be read as CSV.";
    UnclosedQuote = "unclosed_quote", "A census line opens a quote it does not close.";
    // --- scopes and processes -----------------------------------------------------------------
    NotFound = "not_found", "No record has this id.";
    InvalidCode = "invalid_code", "The scope code has characters or a length it may not have.";
    Cycle = "cycle", "The scope would be placed inside itself.";
    KindOutOfOrder = "kind_out_of_order", "The scope's kind may not be placed under its parent's.";
    TooDeep = "too_deep", "The tree (of scopes, of a comment's replies) would be deeper than allowed.";
    InvalidSlug = "invalid_slug", "The slug has characters or a length it may not have.";
    EndsBeforeStart = "ends_before_start", "The phase ends before it starts.";
    OverlapsPreviousPhase = "overlaps_previous_phase", "The phase starts before the previous one ends.";
    OutOfRange = "out_of_range", "The number is outside the range the field allows.";
    UnreachableMinimum = "unreachable_minimum", "The minimum cannot be reached under the limit set beside it.";
    WholeSeconds = "whole_seconds", "The time has a fraction of a second.";
    PinnedPhaseRemoved = "pinned_phase_removed", "The process is pinned to a phase the new phases no longer have.";
    // --- debates and comments -----------------------------------------------------------------
    InvalidAlignment = "invalid_alignment", "The alignment is not -1, 0 or 1.";
    InvalidVote = "invalid_vote", "The vote is not `up` or `down`.";
    NotInProcess = "not_in_process", "The scope, category or proposal is not one of the process's.";
    NotInThread = "not_in_thread", "The parent comment belongs to another proposal, debate or project.";
    // --- budgets ------------------------------------------------------------------------------
    MustBePositive = "must_be_positive", "The number must be above zero.";
    AboveTotal = "above_total", "The project costs more than its budget's total.";
    BelowProjectCost = "below_project_cost", "The budget's total is below what one of its projects costs.";
    DiffersFromProcess = "differs_from_process", "The value differs from the one every other budget of the process has.";
    MinAboveMax = "min_above_max", "The minimum is above the maximum.";
    AbovePoints = "above_points", "The number is above the points a voter has.";
    PointsNotAllowed = "points_not_allowed", "The voting rule does not take points.";
    PointsRequired = "points_required", "The voting rule needs points.";
    VotesSecret = "votes_secret", "Vote counts are secret now, so nothing may be ordered by them.";
}

impl Serialize for FieldCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for FieldCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for FieldCode {
    /// Whether this is the code named `code` (tests read better with the names clients see).
    fn eq(&self, code: &&str) -> bool {
        self.as_str() == *code
    }
}

/// One problem with one input field: `field` is the JSON name of the field (or a dotted path such
/// as `phases.0.ends_at`), `code` a stable reason from the table, `message` a human sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: FieldCode,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Collects field problems so a form reports all of them at once instead of one per round trip.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Records the error of `result` (if any) and returns its value.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    /// Records the field errors of a refused decision (a [`DomainError::Invalid`]) and returns
    /// the decision's value; any other refusal is returned as it is.
    pub fn take_invalid<T>(
        &mut self,
        result: Result<T, DomainError>,
    ) -> Result<Option<T>, DomainError> {
        match result {
            Ok(value) => Ok(Some(value)),
            Err(DomainError::Invalid(errors)) => {
                self.0.extend(errors);
                Ok(None)
            }
            Err(other) => Err(other),
        }
    }

    /// Records every error of `result` (a check that reports several at once).
    pub fn take_all(&mut self, result: Result<(), Vec<FieldError>>) {
        if let Err(errors) = result {
            self.0.extend(errors);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was recorded, otherwise [`DomainError::Invalid`] with every problem.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Invalid(self.0))
        }
    }
}

/// What kind of failure an error is; each kind is one HTTP status, chosen in one place (the
/// API's problem table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request cannot be read: malformed, the wrong shape, a bad parameter (400).
    Unreadable,
    /// Readable, but it breaks a rule (422).
    Invalid,
    /// No valid credentials (401).
    Unauthenticated,
    /// The caller is known but may not do this, or not now (a phase is closed) (403).
    Forbidden,
    /// Nothing there, or nothing this caller may see (404).
    NotFound,
    /// The method does not apply to this path (405).
    MethodNotAllowed,
    /// It conflicts with the current state (409).
    Conflict,
    /// A conditional request's precondition (`If-Match`) does not hold: the resource changed
    /// since the client read it (412).
    PreconditionFailed,
    /// The body is larger than the server reads (413).
    TooLarge,
    /// The body's media type is not one the operation reads (415).
    UnsupportedMediaType,
    /// Too many attempts or requests: retry later (429).
    Throttled,
    /// A dependency is down or the server is saturated: retry later (503).
    Unavailable,
    /// A bug or an unexpected failure (500).
    Internal,
}

/// How an error presents itself: its stable code, its kind and a short title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Described {
    pub code: &'static str,
    pub kind: ErrorKind,
    pub title: &'static str,
}

impl Described {
    pub const fn new(code: &'static str, kind: ErrorKind, title: &'static str) -> Described {
        Described { code, kind, title }
    }
}

/// A rule's refusal. See the module documentation for how it reaches clients.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// Readable input that breaks one or more field rules (a weak password, a title too short).
    #[error("Some fields are not valid.")]
    Invalid(Vec<FieldError>),

    /// The actor is known but lacks the role or right for this action.
    #[error("You are not allowed to do this.")]
    Forbidden,

    // --- census and residency -----------------------------------------------------------------
    /// No census record matches the document number and birth date given.
    #[error("The census has no resident with this document number and birth date.")]
    CensusNoMatch,

    /// The resident is younger than the organization's minimum participation age.
    #[error("Residents must be at least {minimum_age} years old to take part.")]
    UnderMinimumAge { minimum_age: u8 },

    /// The document already verifies another live account of this organization.
    #[error("This document already verifies another account.")]
    DocumentAlreadyUsed,

    /// The account is already a resident through another document.
    #[error("Your account is already verified with another document.")]
    AlreadyVerified,

    /// The change would leave the organization without an admin.
    #[error("The organization must keep at least one admin: grant the role to someone else first.")]
    LastAdmin,

    /// Too many failed verification attempts: try again after `retry_after_seconds`.
    #[error("Too many failed verification attempts; try again in {retry_after_seconds} seconds.")]
    VerificationLocked { retry_after_seconds: u64 },

    // --- sessions -------------------------------------------------------------------------------
    /// The email address or the password is wrong (or the account was deleted: the same answer).
    #[error("The email address or the password is wrong.")]
    InvalidCredentials,

    /// The account was blocked by a moderator.
    #[error("This account has been blocked by the moderators.")]
    AccountBlocked,

    /// The password is right but the email address is not confirmed yet.
    #[error("Confirm your email address with the link we sent you, then sign in.")]
    EmailNotConfirmed,

    /// A refresh token that was already exchanged was presented again: its whole family is revoked.
    #[error("This session has been revoked for your safety; please sign in again.")]
    RefreshTokenReused,

    /// The refresh token is unknown, expired, or belongs to a revoked or idle session.
    #[error("The session has ended; please sign in again.")]
    SessionEnded,

    /// Too many failed sign-ins for this address: wait `retry_after_seconds`.
    #[error("Too many failed attempts; try again in {retry_after_seconds} seconds.")]
    TooManyAttempts { retry_after_seconds: u64 },

    // --- participation -------------------------------------------------------------------------
    /// The active phase of the process does not open `feature` now (no phase, or one without
    /// it): a permission that depends on time, not a fault of the request. One code per feature.
    #[error("{}", closed_detail(*.0))]
    Closed(crate::processes::Feature),

    // --- proposals and supports ----------------------------------------------------------------
    /// The author holds `limit` proposals that are not withdrawn, the process's most.
    #[error("You already have {limit} proposal(s) in this process, the most it allows.")]
    ProposalLimitReached { limit: u32 },

    /// The action does not apply to a proposal in `state` (publishing a published proposal,
    /// withdrawing an accepted one, answering a draft).
    #[error("This proposal is {}; that cannot be done now.", .state.as_str())]
    ProposalStateConflict {
        state: crate::proposals::ProposalState,
    },

    /// A published proposal is editable only for a short while after its publication.
    #[error("The time to edit this proposal after publishing it has passed.")]
    EditWindowClosed,

    /// Someone supports the proposal: it can no longer be edited or withdrawn.
    #[error("This proposal has supports: it can no longer be edited or withdrawn.")]
    ProposalHasSupports,

    /// The answer is public already.
    #[error("This answer is already published.")]
    AnswerAlreadyPublished,

    /// There is no answer to publish.
    #[error("This proposal has no answer yet.")]
    NotAnswered,

    /// Only residents verified against the census may support in this process.
    #[error("Verify your residency to support proposals in this process.")]
    ResidencyRequired,

    /// The proposal takes no supports in `state` (rejected, withdrawn, draft).
    #[error("A {} proposal takes no supports.", .state.as_str())]
    ProposalNotSupportable {
        state: crate::proposals::ProposalState,
    },

    /// The participant gives `limit` supports in this process already, the most it allows.
    #[error("You have given {limit} support(s) in this process, the most it allows.")]
    VoteLimitReached { limit: u32 },

    /// The proposal reached the process's threshold of supports and takes no more.
    #[error("This proposal has reached {threshold} supports and takes no more.")]
    SupportThresholdReached { threshold: u32 },

    /// The participant supports the proposal already (one support per participant).
    #[error("You already support this proposal.")]
    AlreadySupported,

    /// The participant does not support the proposal: there is nothing to withdraw.
    #[error("You do not support this proposal.")]
    NotSupported,

    // --- budgets and ballots --------------------------------------------------------------------
    /// The chosen projects would cost more than the budget (knapsack rules, at any time).
    #[error("These projects cost {ballot_total}, more than the budget of {budget_total}.")]
    OverBudget {
        budget_total: crate::money::Cents,
        ballot_total: crate::money::Cents,
    },

    /// Checkout with fewer projects than the voting rule asks for (always at least 1).
    #[error("Choose at least {minimum} project(s) before casting your ballot.")]
    TooFewProjects { minimum: u32 },

    /// More projects than an approval ballot may hold.
    #[error("A ballot can hold at most {maximum} project(s).")]
    TooManyProjects { maximum: u32 },

    /// Checkout of a knapsack ballot spending less than `min_percent`% of the budget.
    #[error("Your choice must use at least {min_percent}% of the budget before you cast it.")]
    BelowMinimumSpend { min_percent: u8 },

    /// The project belongs to another budget than the ballot's.
    #[error("This project belongs to another budget.")]
    ProjectOfAnotherBudget,

    /// The project is already in the ballot.
    #[error("This project is already in your ballot.")]
    ProjectAlreadyInBallot,

    /// The project to remove is not in the ballot.
    #[error("This project is not in your ballot.")]
    ProjectNotInBallot,

    /// A cumulative ballot would give more than the `points` a voter has.
    #[error("You have {points} point(s) in all; this would give more.")]
    TooManyPoints { points: u32 },

    /// A cumulative ballot would give one project more than `max_per_project` points.
    #[error("A project can receive at most {max_per_project} point(s).")]
    TooManyPointsForProject { max_per_project: u32 },

    /// Checkout of a cumulative ballot with points not yet placed.
    #[error("Place all your points before casting your ballot ({left} left).")]
    PointsLeftUnspent { left: u32 },

    /// The ballot is cast: it cannot change (cancel it first while voting is open).
    #[error("Your ballot has already been cast.")]
    BallotAlreadyCast,

    /// Cancel of a ballot that was never cast.
    #[error("Your ballot has not been cast, so there is nothing to cancel.")]
    BallotNotCast,

    /// The person may not vote in this budget, for `reason`.
    #[error("You cannot vote in this budget: {reason}.")]
    NotEligible {
        reason: crate::budgets::IneligibilityReason,
    },

    /// The voting rule, outcome rule or total of a budget cannot change once a ballot exists.
    #[error("This setting ({setting}) cannot change once residents have started voting.")]
    BudgetRulesLocked { setting: &'static str },

    /// A tally while ballots may still be written, or before any voting phase has ended.
    #[error("The budget's vote has not closed yet: tally it once its voting phase has ended.")]
    VotingNotClosed,

    /// A tally or a change of results once they are published.
    #[error("The results of this budget are published: they no longer change.")]
    ResultsAlreadyPublished,

    /// Publishing results that are not computed (never tallied, still computing, or failed).
    #[error("There are no computed results to publish: tally the budget first and wait for it.")]
    ResultsNotComputed,

    // --- debates and comments ------------------------------------------------------------------
    /// The debate was closed with conclusions: it cannot be edited, closed again or commented on.
    #[error("This debate is closed: it can no longer be changed or commented on.")]
    DebateClosed,

    /// The comment was deleted by its author: it cannot be edited, replied to or voted on.
    #[error("This comment has been deleted.")]
    CommentDeleted,
}

impl DomainError {
    /// Ballots can only be written while the active phase has budget voting, within its window.
    pub const VOTING_CLOSED: DomainError =
        DomainError::Closed(crate::processes::Feature::BudgetVoting);

    /// The code of this refusal in the one table; the code is part of the API contract.
    pub fn problem_code(&self) -> ProblemCode {
        use crate::processes::Feature;
        use ProblemCode as Code;
        match self {
            DomainError::Invalid(_) => Code::ValidationFailed,
            DomainError::Forbidden => Code::Forbidden,
            DomainError::CensusNoMatch => Code::CensusNoMatch,
            DomainError::UnderMinimumAge { .. } => Code::UnderMinimumAge,
            DomainError::DocumentAlreadyUsed => Code::DocumentAlreadyUsed,
            DomainError::AlreadyVerified => Code::AlreadyVerified,
            DomainError::LastAdmin => Code::LastAdmin,
            DomainError::VerificationLocked { .. } => Code::VerificationLocked,
            DomainError::RefreshTokenReused => Code::RefreshTokenReused,
            DomainError::SessionEnded => Code::SessionEnded,
            DomainError::TooManyAttempts { .. } => Code::TooManyAttempts,
            DomainError::InvalidCredentials => Code::InvalidCredentials,
            DomainError::AccountBlocked => Code::AccountBlocked,
            DomainError::EmailNotConfirmed => Code::EmailNotConfirmed,
            DomainError::Closed(feature) => match feature {
                Feature::ProposalsCreation => Code::ProposalsCreationClosed,
                Feature::Supports => Code::SupportsClosed,
                Feature::Debates => Code::DebatesClosed,
                Feature::Comments => Code::CommentsClosed,
                Feature::BudgetVoting => Code::VotingClosed,
                Feature::ResultsPublished => Code::ResultsNotPublished,
            },
            DomainError::OverBudget { .. } => Code::OverBudget,
            DomainError::TooFewProjects { .. } => Code::TooFewProjects,
            DomainError::TooManyProjects { .. } => Code::TooManyProjects,
            DomainError::BelowMinimumSpend { .. } => Code::BelowMinimumSpend,
            DomainError::ProjectOfAnotherBudget => Code::ProjectOfAnotherBudget,
            DomainError::TooManyPoints { .. } => Code::TooManyPoints,
            DomainError::TooManyPointsForProject { .. } => Code::TooManyPointsForProject,
            DomainError::PointsLeftUnspent { .. } => Code::PointsLeftUnspent,
            DomainError::ProjectAlreadyInBallot => Code::ProjectAlreadyInBallot,
            DomainError::ProjectNotInBallot => Code::ProjectNotInBallot,
            DomainError::BallotAlreadyCast => Code::BallotAlreadyCast,
            DomainError::BallotNotCast => Code::BallotNotCast,
            DomainError::BudgetRulesLocked { .. } => Code::BudgetRulesLocked,
            DomainError::NotEligible { .. } => Code::NotEligible,
            DomainError::VotingNotClosed => Code::VotingNotClosed,
            DomainError::ResultsAlreadyPublished => Code::ResultsAlreadyPublished,
            DomainError::ResultsNotComputed => Code::ResultsNotComputed,
            // --- debates and comments
            DomainError::DebateClosed => Code::DebateClosed,
            DomainError::CommentDeleted => Code::CommentDeleted,
            // --- proposals and supports
            DomainError::ProposalLimitReached { .. } => Code::ProposalLimitReached,
            DomainError::ProposalStateConflict { .. } => Code::ProposalStateConflict,
            DomainError::EditWindowClosed => Code::EditWindowClosed,
            DomainError::ProposalHasSupports => Code::ProposalHasSupports,
            DomainError::AnswerAlreadyPublished => Code::AnswerAlreadyPublished,
            DomainError::NotAnswered => Code::NotAnswered,
            DomainError::ResidencyRequired => Code::ResidencyRequired,
            DomainError::ProposalNotSupportable { .. } => Code::ProposalNotSupportable,
            DomainError::VoteLimitReached { .. } => Code::VoteLimitReached,
            DomainError::SupportThresholdReached { .. } => Code::SupportThresholdReached,
            DomainError::AlreadySupported => Code::AlreadySupported,
            DomainError::NotSupported => Code::NotSupported,
        }
    }

    /// Code, kind and title of this refusal, from the one table.
    pub fn describe(&self) -> Described {
        self.problem_code().describe()
    }

    /// The stable, snake_case code of this refusal.
    pub fn code(&self) -> &'static str {
        self.describe().code
    }

    /// Seconds to wait before trying again, for the refusals that say so.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        match self {
            DomainError::VerificationLocked {
                retry_after_seconds,
            }
            | DomainError::TooManyAttempts {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        }
    }

    /// Shorthand for a refusal of a single field.
    pub fn field(field: impl Into<String>, code: FieldCode, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, code, message)])
    }
}

/// The detail of [`DomainError::Closed`].
fn closed_detail(feature: crate::processes::Feature) -> &'static str {
    use crate::processes::Feature;
    match feature {
        Feature::ProposalsCreation => "New proposals cannot be created in this phase.",
        Feature::Supports => "Supports are not open in this phase.",
        Feature::Debates => "Debates cannot be opened in this phase.",
        Feature::Comments => "Comments are not open in this phase.",
        Feature::BudgetVoting => "Voting is not open.",
        Feature::ResultsPublished => "The results are not published yet.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processes::Feature;

    #[test]
    fn a_closed_phase_is_forbidden_with_one_code_per_feature() {
        let codes: std::collections::BTreeSet<&str> = Feature::ALL
            .iter()
            .map(|feature| {
                let described = DomainError::Closed(*feature).describe();
                assert_eq!(described.kind, ErrorKind::Forbidden);
                described.code
            })
            .collect();
        assert_eq!(codes.len(), Feature::ALL.len());
        assert!(codes.contains("proposals_creation_closed"));
        assert!(codes.contains("supports_closed"));
        assert!(codes.contains("comments_closed"));
        assert_eq!(DomainError::VOTING_CLOSED.code(), "voting_closed");
        assert_eq!(
            DomainError::VOTING_CLOSED.to_string(),
            "Voting is not open."
        );
    }

    #[test]
    fn every_code_is_in_the_table_once() {
        let problems: std::collections::BTreeSet<&str> =
            ProblemCode::ALL.iter().map(|c| c.describe().code).collect();
        assert_eq!(problems.len(), ProblemCode::ALL.len());
        let fields: std::collections::BTreeSet<&str> =
            FieldCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(fields.len(), FieldCode::ALL.len());
        for code in problems.iter().chain(&fields) {
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{code} is not snake_case"
            );
        }
        assert!(
            FieldCode::ALL
                .iter()
                .all(|c| c.meaning().ends_with('.') && !c.meaning().is_empty())
        );
    }

    #[test]
    fn refusals_that_ask_to_wait_say_how_long() {
        let locked = DomainError::VerificationLocked {
            retry_after_seconds: 60,
        };
        assert_eq!(locked.describe().kind, ErrorKind::Throttled);
        assert_eq!(locked.retry_after_seconds(), Some(60));
        assert_eq!(DomainError::LastAdmin.retry_after_seconds(), None);
    }
}
