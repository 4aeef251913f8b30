//! What a participant is told (DESIGN §2.6): a use case writes a [`Notice`] for a recipient in
//! its own transaction (`UnitOfWork::notify`), so that nobody is told of work that was rolled
//! back; the recipient reads theirs newest first (`GET /me/notifications`). Mail delivery and the
//! participant's mail preference come later and will read the same rows.

use super::AppState;
use super::error::{AppError, AppResult};
use super::paging::{Page, PageRequest, Position};
use super::tenancy::{Actor, Organization};
use crate::store::{self, entities::notifications};
use plaza_domain::ProposalId;
use plaza_domain::proposals::AnswerState;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

/// The kinds of notice, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    ProposalAnswered,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 1] = [NoticeKind::ProposalAnswered];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::ProposalAnswered => "proposal_answered",
        }
    }

    pub fn parse(raw: &str) -> Option<NoticeKind> {
        NoticeKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw)
    }
}

/// Something a participant is told, with what they need to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// An answer to their proposal became public.
    ProposalAnswered {
        proposal: ProposalId,
        title: String,
        state: AnswerState,
    },
}

impl Notice {
    pub fn kind(&self) -> NoticeKind {
        match self {
            Notice::ProposalAnswered { .. } => NoticeKind::ProposalAnswered,
        }
    }

    /// What it is about: its kind and id.
    fn subject(&self) -> (&'static str, Uuid) {
        match self {
            Notice::ProposalAnswered { proposal, .. } => ("proposal", proposal.uuid()),
        }
    }

    /// What the recipient reads without another request.
    fn data(&self) -> serde_json::Value {
        match self {
            Notice::ProposalAnswered { title, state, .. } => {
                json!({ "title": title, "state": state.as_str() })
            }
        }
    }

    /// The row that tells `recipient` of it at `now`.
    pub(super) fn row(
        &self,
        organization: &Organization,
        recipient: plaza_domain::UserId,
        now: OffsetDateTime,
    ) -> notifications::Model {
        let (subject_kind, subject_id) = self.subject();
        notifications::Model {
            id: Uuid::now_v7(),
            organization_id: organization.id.uuid(),
            user_id: recipient.uuid(),
            kind: self.kind().as_str().to_string(),
            subject_kind: subject_kind.to_string(),
            subject_id,
            data: self.data(),
            created_at: now,
            read_at: None,
        }
    }
}

/// A notification as the recipient reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub kind: NoticeKind,
    pub subject_kind: String,
    pub subject_id: Uuid,
    pub data: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub read_at: Option<OffsetDateTime>,
}

/// The name of the one order of the list, for its cursors.
pub const NEWEST_FIRST: &str = "newest";

/// A page of `actor`'s notifications, newest first.
pub async fn list(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    request: PageRequest<()>,
) -> AppResult<Page<Notification>> {
    let rows = store::notifications::page_of(
        &state.db,
        organization.id,
        actor.id(),
        request.after.map(|position| position.id),
        request.limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, request.limit, |row| Position {
        key: None,
        id: row.id,
    });
    let next = page.next;
    let items = page
        .items
        .into_iter()
        .map(|row| {
            // A kind this server does not know fails the request rather than vanish.
            let kind = NoticeKind::parse(&row.kind).ok_or_else(|| {
                AppError::internal(format!(
                    "notification {}: unknown kind {:?}",
                    row.id, row.kind
                ))
            })?;
            Ok(Notification {
                id: row.id,
                kind,
                subject_kind: row.subject_kind,
                subject_id: row.subject_id,
                data: row.data,
                created_at: row.created_at,
                read_at: row.read_at,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(Page { items, next })
}
