//! Debates (DESIGN §2.3): an open conversation in a process, which its author or a moderator may
//! close with conclusions.
//!
//! A [`Debate`] is open until it is closed, and closing is final: a closed debate carries its
//! [`Closure`] (the conclusions, who closed it and when) and takes no edits, no second closing and
//! no comments. Each use case loads the debate, calls one decision here and stores what it
//! returns; nothing here reads a clock or a database. Texts are parsed first, into types that
//! passed their rule ([`DebateText`], [`DebateChanges`], [`Conclusions`]), so a decision never
//! sees a raw string.
//!
//! What each decision checks, in this order (the first failure is returned):
//!
//! | decision | checks |
//! | --- | --- |
//! | [`may_start`], [`Debate::start`] | the active phase opens `debates` (403 `debates_closed`) |
//! | [`Debate::edit`] | the actor is the author (403 `forbidden`); the debate is open (409 `debate_closed`) |
//! | [`Debate::close`] | the actor is the author, or may moderate content (403 `forbidden`); the debate is open (409 `debate_closed`) |
//! | [`Debate::accepts_comments`] | the debate is open (409 `debate_closed`); the comment rules ask it |
//!
//! Lengths, in characters after trimming (see [`crate::text`]): title [`TITLE_LENGTH`] and
//! description [`DESCRIPTION_LENGTH`], the same as a proposal's title and a generous body;
//! conclusions [`CONCLUSIONS_LENGTH`] (Decidim's 10..10,000).
//!
//! Editing and closing do not depend on the phase: an author may fix a typo in, or close, a debate
//! opened in an earlier phase (Decidim does the same); only starting one does.

use crate::accounts::{Permission, Roles, authorize};
use crate::calendar::Timestamp;
use crate::error::{DomainError, FieldError, FieldErrors};
use crate::ids::{DebateId, ProcessId, UserId};
use crate::processes::{Feature, PhaseWindow};
use crate::proposals::Viewer;
use crate::text::{Length, PlainText};

/// A debate title's length, in characters (as a proposal's title).
pub const TITLE_LENGTH: Length = Length::between(15, 150);
/// A debate description's length, in characters.
pub const DESCRIPTION_LENGTH: Length = Length::between(15, 10_000);
/// The length of the conclusions a debate is closed with, in characters (Decidim's rule).
pub const CONCLUSIONS_LENGTH: Length = Length::between(10, 10_000);

/// A debate's title, within [`TITLE_LENGTH`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebateTitle(PlainText);

impl DebateTitle {
    /// Reads the `title` field.
    pub fn parse(raw: &str) -> Result<DebateTitle, FieldError> {
        PlainText::parse("title", raw, TITLE_LENGTH).map(DebateTitle)
    }

    /// A title read back from storage (it passed its rule when it was written).
    pub fn from_stored(text: String) -> DebateTitle {
        DebateTitle(PlainText::from_stored(text))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// A debate's description, within [`DESCRIPTION_LENGTH`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebateDescription(PlainText);

impl DebateDescription {
    /// Reads the `description` field.
    pub fn parse(raw: &str) -> Result<DebateDescription, FieldError> {
        PlainText::parse("description", raw, DESCRIPTION_LENGTH).map(DebateDescription)
    }

    /// A description read back from storage (it passed its rule when it was written).
    pub fn from_stored(text: String) -> DebateDescription {
        DebateDescription(PlainText::from_stored(text))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// What a debate concluded, within [`CONCLUSIONS_LENGTH`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conclusions(PlainText);

impl Conclusions {
    /// Reads the `conclusions` field.
    pub fn parse(raw: &str) -> Result<Conclusions, FieldError> {
        PlainText::parse("conclusions", raw, CONCLUSIONS_LENGTH).map(Conclusions)
    }

    /// Conclusions read back from storage (they passed their rule when they were written).
    pub fn from_stored(text: String) -> Conclusions {
        Conclusions(PlainText::from_stored(text))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The texts of a new debate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebateText {
    pub title: DebateTitle,
    pub description: DebateDescription,
}

impl DebateText {
    /// Reads both fields, reporting every problem at once (`title`, `description`).
    pub fn parse(title: &str, description: &str) -> Result<DebateText, DomainError> {
        match (
            DebateTitle::parse(title),
            DebateDescription::parse(description),
        ) {
            (Ok(title), Ok(description)) => Ok(DebateText { title, description }),
            (title, description) => Err(DomainError::Invalid(
                title.err().into_iter().chain(description.err()).collect(),
            )),
        }
    }
}

/// The texts an edit changes (a PATCH: a field left out keeps its value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DebateChanges {
    pub title: Option<DebateTitle>,
    pub description: Option<DebateDescription>,
}

impl DebateChanges {
    /// Reads the fields given, reporting every problem at once (`title`, `description`).
    pub fn parse(
        title: Option<&str>,
        description: Option<&str>,
    ) -> Result<DebateChanges, DomainError> {
        let mut errors = FieldErrors::new();
        let title = title.and_then(|raw| errors.take(DebateTitle::parse(raw)));
        let description = description.and_then(|raw| errors.take(DebateDescription::parse(raw)));
        errors.finish()?;
        Ok(DebateChanges { title, description })
    }

    /// Whether the edit changes nothing at all.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.description.is_none()
    }
}

/// How a debate was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closure {
    pub conclusions: Conclusions,
    pub closed_by: UserId,
    pub closed_at: Timestamp,
}

/// Whether a debate still runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DebateStatus {
    /// Open: its author may edit it, anyone may comment while the phase opens comments.
    Open,
    /// Closed for good, with its conclusions.
    Closed(Closure),
}

/// In which right a debate was closed, which decides whether the use case writes an audit entry
/// (a moderator's action on someone else's content is audited; an author closing their own
/// debate is not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedAs {
    /// The author closed their own debate (even if they are also a moderator).
    Author,
    /// A moderator (or an admin) closed someone else's debate.
    Moderator,
}

/// A closed debate, and in which right it was closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub debate: Debate,
    pub closed_as: ClosedAs,
}

/// A debate as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Debate {
    pub id: DebateId,
    pub process: ProcessId,
    pub author: UserId,
    pub title: DebateTitle,
    pub description: DebateDescription,
    pub status: DebateStatus,
    pub created_at: Timestamp,
    /// When its author last changed it, if ever.
    pub edited_at: Option<Timestamp>,
}

/// Whether a debate may be started now: only while the active phase (`None` between or outside
/// phases) opens `debates`; otherwise [`DomainError::Closed`] (403 `debates_closed`).
pub fn may_start(active_phase: Option<&PhaseWindow>) -> Result<(), DomainError> {
    crate::processes::require_open_in(active_phase, Feature::Debates)
}

impl Debate {
    /// A new open debate by `author` in `process`, if [`may_start`] allows it. The use case mints
    /// `id` (UUIDv7).
    pub fn start(
        id: DebateId,
        process: ProcessId,
        author: UserId,
        text: DebateText,
        active_phase: Option<&PhaseWindow>,
        now: Timestamp,
    ) -> Result<Debate, DomainError> {
        may_start(active_phase)?;
        Ok(Debate {
            id,
            process,
            author,
            title: text.title,
            description: text.description,
            status: DebateStatus::Open,
            created_at: now,
            edited_at: None,
        })
    }

    pub fn is_open(&self) -> bool {
        matches!(self.status, DebateStatus::Open)
    }

    /// Whether `viewer` may see the debate (404 otherwise): a debate `hidden` by moderation is
    /// its author's and the moderators' alone.
    pub fn visible_to(&self, hidden: bool, viewer: Viewer<'_>) -> bool {
        !hidden || viewer.sees_hidden_of(self.author)
    }

    /// Whether `actor` may edit the debate now: its author, while it is open.
    pub fn may_edit(&self, actor: UserId) -> Result<(), DomainError> {
        if actor != self.author {
            return Err(DomainError::Forbidden);
        }
        self.check_open()
    }

    /// Whether `actor` may close the debate now, and in which right: its author, or anyone who
    /// may moderate content; only while it is open.
    pub fn may_close(&self, actor: UserId, roles: &Roles) -> Result<ClosedAs, DomainError> {
        let closed_as = if actor == self.author {
            ClosedAs::Author
        } else {
            authorize(roles, Permission::ModerateContent)?;
            ClosedAs::Moderator
        };
        self.check_open()?;
        Ok(closed_as)
    }

    /// The debate with `changes` applied, by its author while it is open. An edit that changes
    /// nothing returns the debate as it was (not marked as edited).
    pub fn edit(
        &self,
        actor: UserId,
        changes: DebateChanges,
        now: Timestamp,
    ) -> Result<Debate, DomainError> {
        self.may_edit(actor)?;
        if changes.is_empty() {
            return Ok(self.clone());
        }
        let mut edited = self.clone();
        if let Some(title) = changes.title {
            edited.title = title;
        }
        if let Some(description) = changes.description {
            edited.description = description;
        }
        edited.edited_at = Some(now);
        Ok(edited)
    }

    /// The debate closed with `conclusions` by its author, or by anyone who may moderate content
    /// (moderators and admins); closing is final, so a closed debate refuses a second closing.
    pub fn close(
        &self,
        actor: UserId,
        roles: &Roles,
        conclusions: Conclusions,
        now: Timestamp,
    ) -> Result<Closing, DomainError> {
        let closed_as = self.may_close(actor, roles)?;
        let debate = Debate {
            status: DebateStatus::Closed(Closure {
                conclusions,
                closed_by: actor,
                closed_at: now,
            }),
            ..self.clone()
        };
        Ok(Closing { debate, closed_as })
    }

    /// Whether the debate takes new comments: only while open ([`DomainError::DebateClosed`],
    /// 409, once closed). The comment rules ask it, after the phase.
    pub fn accepts_comments(&self) -> Result<(), DomainError> {
        self.check_open()
    }

    fn check_open(&self) -> Result<(), DomainError> {
        match self.status {
            DebateStatus::Open => Ok(()),
            DebateStatus::Closed(_) => Err(DomainError::DebateClosed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;
    use crate::error::ErrorKind;
    use uuid::Uuid;

    const ANA: UserId = UserId::from_uuid(Uuid::from_u128(1));
    const BEA: UserId = UserId::from_uuid(Uuid::from_u128(2));
    const MODERATOR: UserId = UserId::from_uuid(Uuid::from_u128(3));
    const NOW: Timestamp = Timestamp(1_778_580_000);
    const LATER: Timestamp = Timestamp(1_778_590_000);

    fn phase(features: &[Feature]) -> PhaseWindow {
        PhaseWindow {
            starts_at: Timestamp(0),
            ends_at: Timestamp(i64::MAX),
            features: features.to_vec(),
        }
    }

    fn text() -> DebateText {
        DebateText::parse(
            "Com volem la nova plaça?",
            "Parlem de l'ombra, els bancs i els jocs.",
        )
        .unwrap()
    }

    fn open_debate() -> Debate {
        Debate::start(
            DebateId::from_uuid(Uuid::from_u128(10)),
            ProcessId::from_uuid(Uuid::from_u128(20)),
            ANA,
            text(),
            Some(&phase(&[Feature::Debates])),
            NOW,
        )
        .unwrap()
    }

    fn conclusions() -> Conclusions {
        Conclusions::parse("Més ombra i fonts d'aigua.").unwrap()
    }

    fn participant() -> Roles {
        Roles::new([])
    }

    fn closed_debate() -> Debate {
        open_debate()
            .close(ANA, &participant(), conclusions(), LATER)
            .unwrap()
            .debate
    }

    fn field_codes(error: DomainError) -> Vec<(String, &'static str)> {
        match error {
            DomainError::Invalid(errors) => errors
                .into_iter()
                .map(|e| (e.field, e.code.as_str()))
                .collect(),
            other => panic!("not a field error: {other:?}"),
        }
    }

    #[test]
    fn debates_start_only_while_the_active_phase_opens_debates() {
        assert_eq!(may_start(Some(&phase(&[Feature::Debates]))), Ok(()));
        for refused in [
            may_start(Some(&phase(&[
                Feature::Comments,
                Feature::ProposalsCreation,
            ]))),
            may_start(None),
        ] {
            let error = refused.unwrap_err();
            assert_eq!(error, DomainError::Closed(Feature::Debates));
            assert_eq!(error.code(), "debates_closed");
            assert_eq!(error.describe().kind, ErrorKind::Forbidden);
        }
        let started = open_debate();
        assert!(started.is_open());
        assert_eq!((started.author, started.created_at), (ANA, NOW));
        assert_eq!(started.edited_at, None);
    }

    #[test]
    fn a_debate_cannot_start_outside_a_debates_phase() {
        let refused = Debate::start(
            DebateId::from_uuid(Uuid::from_u128(10)),
            ProcessId::from_uuid(Uuid::from_u128(20)),
            ANA,
            text(),
            Some(&phase(&[Feature::Supports])),
            NOW,
        );
        assert_eq!(refused, Err(DomainError::Closed(Feature::Debates)));
    }

    #[test]
    fn title_and_description_have_their_lengths_and_are_reported_together() {
        assert_eq!(
            field_codes(DebateText::parse("Plaça", "Curt").unwrap_err()),
            vec![
                ("title".to_string(), "too_short"),
                ("description".to_string(), "too_short")
            ]
        );
        let long_title = "a".repeat(TITLE_LENGTH.max + 1);
        assert_eq!(
            field_codes(
                DebateText::parse(&long_title, "Parlem de l'ombra i dels bancs.").unwrap_err()
            ),
            vec![("title".to_string(), "too_long")]
        );
        let longest = "b".repeat(DESCRIPTION_LENGTH.max);
        assert!(DebateText::parse("Com volem la nova plaça?", &longest).is_ok());
        let too_long = "b".repeat(DESCRIPTION_LENGTH.max + 1);
        assert_eq!(
            field_codes(DebateText::parse("Com volem la nova plaça?", &too_long).unwrap_err()),
            vec![("description".to_string(), "too_long")]
        );
        assert_eq!(
            (TITLE_LENGTH.min, TITLE_LENGTH.max),
            (15, 150),
            "as a proposal's title"
        );
        assert_eq!(
            (DESCRIPTION_LENGTH.min, DESCRIPTION_LENGTH.max),
            (15, 10_000)
        );
    }

    #[test]
    fn the_author_edits_an_open_debate() {
        let debate = open_debate();
        let changes = DebateChanges::parse(Some("Com volem la plaça del Sol?"), None).unwrap();
        let edited = debate.edit(ANA, changes, LATER).unwrap();
        assert_eq!(edited.title.as_str(), "Com volem la plaça del Sol?");
        assert_eq!(edited.description, debate.description, "left out, kept");
        assert_eq!(edited.edited_at, Some(LATER));
    }

    #[test]
    fn an_edit_that_changes_nothing_leaves_the_debate_as_it_was() {
        let debate = open_debate();
        let unchanged = debate
            .edit(ANA, DebateChanges::parse(None, None).unwrap(), LATER)
            .unwrap();
        assert_eq!(unchanged, debate);
    }

    #[test]
    fn an_edit_reports_every_text_problem() {
        assert_eq!(
            field_codes(DebateChanges::parse(Some("Curt"), Some("Curt")).unwrap_err()),
            vec![
                ("title".to_string(), "too_short"),
                ("description".to_string(), "too_short")
            ]
        );
    }

    #[test]
    fn only_the_author_edits_a_debate_not_even_a_moderator() {
        let changes = || DebateChanges::parse(Some("Com volem la plaça del Sol?"), None).unwrap();
        assert_eq!(
            open_debate().edit(BEA, changes(), LATER),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            open_debate().edit(MODERATOR, changes(), LATER),
            Err(DomainError::Forbidden)
        );
    }

    #[test]
    fn a_closed_debate_cannot_be_edited() {
        let changes = DebateChanges::parse(Some("Com volem la plaça del Sol?"), None).unwrap();
        let refused = closed_debate().edit(ANA, changes, LATER).unwrap_err();
        assert_eq!(refused, DomainError::DebateClosed);
        assert_eq!(refused.code(), "debate_closed");
        assert_eq!(refused.describe().kind, ErrorKind::Conflict);
    }

    #[test]
    fn the_author_closes_their_debate_with_conclusions() {
        let closing = open_debate()
            .close(ANA, &participant(), conclusions(), LATER)
            .unwrap();
        assert_eq!(closing.closed_as, ClosedAs::Author);
        assert!(!closing.debate.is_open());
        assert_eq!(
            closing.debate.status,
            DebateStatus::Closed(Closure {
                conclusions: conclusions(),
                closed_by: ANA,
                closed_at: LATER,
            })
        );
    }

    #[test]
    fn a_moderator_or_an_admin_closes_someone_elses_debate_and_it_is_audited() {
        for role in [Role::Moderator, Role::Admin] {
            let closing = open_debate()
                .close(MODERATOR, &Roles::new([role]), conclusions(), LATER)
                .unwrap();
            assert_eq!(closing.closed_as, ClosedAs::Moderator, "{role:?}");
            assert!(matches!(
                closing.debate.status,
                DebateStatus::Closed(Closure {
                    closed_by: MODERATOR,
                    ..
                })
            ));
        }
    }

    #[test]
    fn what_a_reader_may_do_is_asked_without_doing_it() {
        let debate = open_debate();
        assert_eq!(debate.may_edit(ANA), Ok(()));
        assert_eq!(debate.may_edit(BEA), Err(DomainError::Forbidden));
        assert_eq!(debate.may_close(ANA, &participant()), Ok(ClosedAs::Author));
        assert_eq!(
            debate.may_close(BEA, &participant()),
            Err(DomainError::Forbidden)
        );
        assert_eq!(
            debate.may_close(MODERATOR, &Roles::new([Role::Moderator])),
            Ok(ClosedAs::Moderator)
        );
        let closed = closed_debate();
        assert_eq!(closed.may_edit(ANA), Err(DomainError::DebateClosed));
        assert_eq!(
            closed.may_close(ANA, &participant()),
            Err(DomainError::DebateClosed)
        );
    }

    #[test]
    fn a_hidden_debate_is_seen_by_its_author_and_moderators_only() {
        let debate = open_debate();
        let participant = participant();
        let moderator = Roles::new([Role::Moderator]);
        let bea = Viewer::Account {
            id: BEA,
            roles: &participant,
        };
        let ana = Viewer::Account {
            id: ANA,
            roles: &participant,
        };
        let moderating = Viewer::Account {
            id: MODERATOR,
            roles: &moderator,
        };
        for viewer in [Viewer::Anonymous, bea, ana, moderating] {
            assert!(debate.visible_to(false, viewer));
        }
        assert!(!debate.visible_to(true, Viewer::Anonymous));
        assert!(!debate.visible_to(true, bea));
        assert!(debate.visible_to(true, ana));
        assert!(debate.visible_to(true, moderating));
    }

    #[test]
    fn an_author_who_is_a_moderator_closes_as_the_author() {
        let closing = open_debate()
            .close(ANA, &Roles::new([Role::Moderator]), conclusions(), LATER)
            .unwrap();
        assert_eq!(closing.closed_as, ClosedAs::Author);
    }

    #[test]
    fn other_participants_and_evaluators_cannot_close_a_debate() {
        for roles in [participant(), Roles::new([Role::Evaluator])] {
            assert_eq!(
                open_debate().close(BEA, &roles, conclusions(), LATER),
                Err(DomainError::Forbidden)
            );
        }
    }

    #[test]
    fn conclusions_have_10_to_10000_characters() {
        let short = Conclusions::parse("Ombra.").unwrap_err();
        assert_eq!(
            (short.field.as_str(), short.code.as_str()),
            ("conclusions", "too_short")
        );
        assert!(Conclusions::parse(&"c".repeat(10)).is_ok());
        assert!(Conclusions::parse(&"c".repeat(10_000)).is_ok());
        let long = Conclusions::parse(&"c".repeat(10_001)).unwrap_err();
        assert_eq!(
            (long.field.as_str(), long.code.as_str()),
            ("conclusions", "too_long")
        );
    }

    #[test]
    fn closing_a_closed_debate_twice_is_a_conflict() {
        let closed = closed_debate();
        for (actor, roles) in [
            (ANA, participant()),
            (MODERATOR, Roles::new([Role::Moderator])),
        ] {
            let refused = closed
                .close(actor, &roles, conclusions(), LATER)
                .unwrap_err();
            assert_eq!(refused, DomainError::DebateClosed);
            assert_eq!(refused.code(), "debate_closed");
        }
    }

    #[test]
    fn a_closed_debate_takes_no_comments() {
        assert_eq!(open_debate().accepts_comments(), Ok(()));
        let refused = closed_debate().accepts_comments().unwrap_err();
        assert_eq!(refused.code(), "debate_closed");
        assert_eq!(refused.describe().kind, ErrorKind::Conflict);
    }
}
