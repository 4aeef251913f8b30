//! Proposals (DESIGN §2.2): a participant's idea in a process, from draft to answer.
//!
//! States: `draft` → `published` → (`evaluating` | `accepted` | `rejected`), and `withdrawn` by
//! the author from draft or published while nobody supports it. Each use case asks one rule here
//! with the proposal as loaded and persists what the rule returns: [`may_create`] (the phase and
//! the author's `proposal_limit`), [`ProposalText::parse`], [`may_edit`] (a draft always, a
//! published proposal within `edit_window` and while unsupported), [`publish`], [`withdraw`],
//! [`answer`] and [`publish_answer`] (evaluators; an answer stays private until published), and
//! [`visible_to`] (a draft is its author's alone; a hidden proposal is its author's and the
//! moderators'). Supports have their own module, [`supports`]; settings theirs, [`settings`].

pub mod settings;
pub mod supports;

use crate::accounts::{Permission, Role, Roles, authorize};
use crate::calendar::Timestamp;
use crate::error::{DomainError, FieldCode, FieldError, FieldErrors};
use crate::i18n::TranslatedText;
use crate::ids::UserId;
use crate::money::Cents;
use crate::text::{Length, PlainText};
use settings::{MIN_BODY, ProposalSettings};

/// A proposal title's length, in characters.
pub const TITLE_LENGTH: Length = Length::between(15, 150);
/// The longest answer text an evaluator writes, per language.
pub const MAX_ANSWER: usize = 5_000;

/// Where a proposal is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProposalState {
    Draft,
    Published,
    Evaluating,
    Accepted,
    Rejected,
    Withdrawn,
}

impl ProposalState {
    pub const ALL: [ProposalState; 6] = [
        ProposalState::Draft,
        ProposalState::Published,
        ProposalState::Evaluating,
        ProposalState::Accepted,
        ProposalState::Rejected,
        ProposalState::Withdrawn,
    ];

    /// The name stored and shown in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Draft => "draft",
            ProposalState::Published => "published",
            ProposalState::Evaluating => "evaluating",
            ProposalState::Accepted => "accepted",
            ProposalState::Rejected => "rejected",
            ProposalState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<ProposalState> {
        ProposalState::ALL
            .into_iter()
            .find(|state| state.as_str() == raw)
    }
}

/// An evaluator's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnswerState {
    Evaluating,
    Accepted,
    Rejected,
}

impl AnswerState {
    pub const ALL: [AnswerState; 3] = [
        AnswerState::Evaluating,
        AnswerState::Accepted,
        AnswerState::Rejected,
    ];

    /// The name stored and shown in the API.
    pub fn as_str(self) -> &'static str {
        self.proposal_state().as_str()
    }

    pub fn parse(raw: &str) -> Option<AnswerState> {
        AnswerState::ALL
            .into_iter()
            .find(|state| state.as_str() == raw)
    }

    fn proposal_state(self) -> ProposalState {
        match self {
            AnswerState::Evaluating => ProposalState::Evaluating,
            AnswerState::Accepted => ProposalState::Accepted,
            AnswerState::Rejected => ProposalState::Rejected,
        }
    }
}

/// An evaluator's answer, public or not yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub state: AnswerState,
    pub text: Option<TranslatedText>,
    pub cost: Option<Cents>,
    pub answered_at: Timestamp,
    /// When it became public; `None`: only evaluators and admins see it.
    pub published_at: Option<Timestamp>,
}

/// What the rules need to know about a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub author: UserId,
    /// The state everyone sees (an unpublished answer does not change it).
    pub state: ProposalState,
    pub published_at: Option<Timestamp>,
    /// Counted supports (pending ones excluded).
    pub supports_count: u32,
    /// Pending or counted: whether anyone supports it at all.
    pub has_supports: bool,
    pub hidden: bool,
    pub answer: Option<Answer>,
}

/// Who is asking: nobody (an anonymous visitor) or an account with its roles.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    Anonymous,
    Account { id: UserId, roles: &'a Roles },
}

impl Viewer<'_> {
    fn is(&self, account: UserId) -> bool {
        matches!(self, Viewer::Account { id, .. } if *id == account)
    }

    fn has(&self, role: Role) -> bool {
        matches!(self, Viewer::Account { roles, .. } if roles.has(role) || roles.has(Role::Admin))
    }

    /// Whether this viewer reads what moderation hid of `author`'s: the author and moderators
    /// (and admins). Anyone else gets 404, as if it did not exist (DESIGN §2.4).
    pub fn sees_hidden_of(&self, author: UserId) -> bool {
        self.is(author) || self.has(Role::Moderator)
    }
}

/// Whether `viewer` may see `proposal` at all (otherwise it is 404 to them, as if absent): a
/// draft is its author's alone; a hidden proposal its author's and the moderators'. Withdrawn
/// proposals stay readable (lists leave them out unless asked).
pub fn visible_to(proposal: &Proposal, viewer: Viewer<'_>) -> bool {
    if proposal.state == ProposalState::Draft {
        return viewer.is(proposal.author);
    }
    !proposal.hidden || viewer.sees_hidden_of(proposal.author)
}

/// The states a list shows when none is asked for: what residents can support or read about.
pub const LISTED: [ProposalState; 4] = [
    ProposalState::Published,
    ProposalState::Evaluating,
    ProposalState::Accepted,
    ProposalState::Rejected,
];

/// What a list of a process's proposals holds for one reader: these states, and only this
/// author's proposals when `author` is set. (Hidden proposals are never listed, whoever reads.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub states: Vec<ProposalState>,
    pub author: Option<UserId>,
}

/// The list `reader` (`None`: an anonymous visitor) gets when asking for proposals in `state`
/// (none: [`LISTED`]), and for their own only when `mine` (a signed-in reader's). Withdrawn
/// proposals are listed only when asked for; drafts only their author's: `mine` adds the
/// reader's drafts, and asking for drafts lists the reader's own (none for a visitor). So no
/// count of a list includes a withdrawn proposal unless it asked for withdrawn ones.
pub fn listing(reader: Option<UserId>, state: Option<ProposalState>, mine: bool) -> Listing {
    let own = reader.filter(|_| mine);
    match state {
        Some(ProposalState::Draft) => Listing {
            states: if reader.is_some() {
                vec![ProposalState::Draft]
            } else {
                Vec::new()
            },
            author: reader,
        },
        Some(state) => Listing {
            states: vec![state],
            author: own,
        },
        None => {
            let mut states = LISTED.to_vec();
            if own.is_some() {
                states.push(ProposalState::Draft);
            }
            Listing {
                states,
                author: own,
            }
        }
    }
}

/// Whether `viewer` may see the answer of `proposal` (an unpublished one: evaluators and admins).
pub fn answer_visible_to(answer: &Answer, viewer: Viewer<'_>) -> bool {
    answer.published_at.is_some() || viewer.has(Role::Evaluator)
}

/// The title and body of a proposal, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalText {
    pub title: PlainText,
    pub body: PlainText,
}

impl ProposalText {
    /// Reads a title (15..150 characters) and a body (15..`proposal_length`).
    pub fn parse(
        title: &str,
        body: &str,
        settings: &ProposalSettings,
    ) -> Result<ProposalText, DomainError> {
        let mut errors = FieldErrors::new();
        let title = errors.take(PlainText::parse("title", title, TITLE_LENGTH));
        let body_length = Length::between(MIN_BODY as usize, settings.proposal_length as usize);
        let body = errors.take(PlainText::parse("body", body, body_length));
        errors.finish()?;
        match (title, body) {
            (Some(title), Some(body)) => Ok(ProposalText { title, body }),
            _ => Err(DomainError::Invalid(Vec::new())),
        }
    }
}

/// Whether an author may create a proposal now: the active phase opens proposal creation (403
/// `proposals_creation_closed`), and they hold fewer than `proposal_limit` proposals that are not
/// withdrawn (409 `proposal_limit_reached`). `phase_open` comes from
/// [`crate::processes::require_open`].
pub fn may_create(
    phase_open: Result<(), DomainError>,
    authors_proposals: u32,
    settings: &ProposalSettings,
) -> Result<(), DomainError> {
    phase_open?;
    let limit = settings.proposal_limit;
    if limit > 0 && authors_proposals >= limit {
        return Err(DomainError::ProposalLimitReached { limit });
    }
    Ok(())
}

fn only_the_author(actor: UserId, proposal: &Proposal) -> Result<(), DomainError> {
    if actor == proposal.author {
        Ok(())
    } else {
        Err(DomainError::Forbidden)
    }
}

fn state_conflict(proposal: &Proposal) -> DomainError {
    DomainError::ProposalStateConflict {
        state: proposal.state,
    }
}

/// Whether `actor` may edit `proposal` at `now`: its author, while a draft, or once published
/// within `edit_window_seconds` of its publication and while nobody supports it.
pub fn may_edit(
    actor: UserId,
    proposal: &Proposal,
    settings: &ProposalSettings,
    now: Timestamp,
) -> Result<(), DomainError> {
    only_the_author(actor, proposal)?;
    match proposal.state {
        ProposalState::Draft => Ok(()),
        ProposalState::Published => {
            let published = proposal.published_at.unwrap_or(now);
            if now.seconds() - published.seconds() > i64::from(settings.edit_window_seconds) {
                Err(DomainError::EditWindowClosed)
            } else if proposal.has_supports {
                Err(DomainError::ProposalHasSupports)
            } else {
                Ok(())
            }
        }
        _ => Err(state_conflict(proposal)),
    }
}

/// Publishes a draft: its author, while the phase opens proposal creation. Returns the
/// publication time.
pub fn publish(
    actor: UserId,
    proposal: &Proposal,
    phase_open: Result<(), DomainError>,
    now: Timestamp,
) -> Result<Timestamp, DomainError> {
    only_the_author(actor, proposal)?;
    if proposal.state != ProposalState::Draft {
        return Err(state_conflict(proposal));
    }
    phase_open?;
    Ok(now)
}

/// Withdraws a proposal: its author, from draft or published, while nobody supports it.
pub fn withdraw(actor: UserId, proposal: &Proposal) -> Result<ProposalState, DomainError> {
    only_the_author(actor, proposal)?;
    match proposal.state {
        ProposalState::Draft | ProposalState::Published if proposal.has_supports => {
            Err(DomainError::ProposalHasSupports)
        }
        ProposalState::Draft | ProposalState::Published => Ok(ProposalState::Withdrawn),
        _ => Err(state_conflict(proposal)),
    }
}

/// An evaluator's answer as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerForm {
    pub state: AnswerState,
    pub text: Option<TranslatedText>,
    pub cost: Option<Cents>,
}

/// What an answer changes: the answer to store and the state everyone sees from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub answer: Answer,
    pub public_state: ProposalState,
}

/// Whether `roles` (as held within the proposal's process) may answer `proposal`: evaluators
/// and admins, once it is published and until it is withdrawn.
pub fn may_answer(roles: &Roles, proposal: &Proposal) -> Result<(), DomainError> {
    authorize(roles, Permission::EvaluateProposals)?;
    if matches!(
        proposal.state,
        ProposalState::Draft | ProposalState::Withdrawn
    ) {
        return Err(state_conflict(proposal));
    }
    Ok(())
}

/// Answers a published (or already answered) proposal: evaluators and admins only. A rejection
/// needs a text; an acceptance needs a cost when the process answers with costs (a cost is never
/// negative). Published at once when the process says so; otherwise the public state stays
/// until [`publish_answer`].
pub fn answer(
    roles: &Roles,
    proposal: &Proposal,
    form: AnswerForm,
    settings: &ProposalSettings,
    now: Timestamp,
) -> Result<Answered, DomainError> {
    may_answer(roles, proposal)?;
    let mut errors = FieldErrors::new();
    if form.state == AnswerState::Rejected && form.text.is_none() {
        errors.push(FieldError::new(
            "answer",
            FieldCode::Required,
            "Explain a rejection to the proposal's author.",
        ));
    }
    if form.state == AnswerState::Accepted && settings.answers_with_costs && form.cost.is_none() {
        errors.push(FieldError::new(
            "cost",
            FieldCode::Required,
            "This process answers acceptances with their cost.",
        ));
    }
    if form.cost.is_some_and(|cost| cost.0 < 0) {
        errors.push(FieldError::new(
            "cost",
            FieldCode::OutOfRange,
            "A cost is never negative.",
        ));
    }
    errors.finish()?;
    let published_at = settings.publish_answers_immediately.then_some(now);
    let public_state = if published_at.is_some() {
        form.state.proposal_state()
    } else {
        proposal.state
    };
    Ok(Answered {
        answer: Answer {
            state: form.state,
            text: form.text,
            cost: form.cost,
            answered_at: now,
            published_at,
        },
        public_state,
    })
}

/// Makes a private answer public: evaluators and admins; the proposal takes the answer's state.
pub fn publish_answer(
    roles: &Roles,
    proposal: &Proposal,
    now: Timestamp,
) -> Result<Answered, DomainError> {
    authorize(roles, Permission::EvaluateProposals)?;
    match &proposal.answer {
        Some(answer) if answer.published_at.is_none() => Ok(Answered {
            public_state: answer.state.proposal_state(),
            answer: Answer {
                published_at: Some(now),
                ..answer.clone()
            },
        }),
        Some(_) => Err(DomainError::AnswerAlreadyPublished),
        None => Err(DomainError::NotAnswered),
    }
}

#[cfg(test)]
mod tests;
