//! Debates as use cases: start, edit, close with conclusions, read and list, each asking the
//! rules of `plaza_domain::debates` with the debate as loaded.
//!
//! A debate is placed like a proposal (a scope of its process's territory, a category of the
//! process). A moderator's closing of someone else's debate is audited in its transaction; an
//! author closing their own is not. Lists sort by `recent`, `most_commented` or `random(seed)`
//! in keyset pages and keep open or closed ones, a scope with the scopes inside it, a category,
//! or the reader's own.

use super::AppState;
use super::catalog::{self, ProcessRef, ProcessView};
use super::error::{AppError, AppResult};
use super::paging::{self, Page, PageRequest, Position};
use super::proposals::{check_placement, merge_refusals, random_key, recency, viewer_of};
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::clock::{from_timestamp, to_timestamp};
use crate::store::{self, entities::debates};
use plaza_domain::debates::{
    ClosedAs, Closure, Conclusions, Debate, DebateChanges, DebateDescription, DebateStatus,
    DebateText, DebateTitle,
};
use plaza_domain::{CategoryId, DebateId, FieldErrors, ProcessId, ScopeId, UserId};
use sea_orm::ConnectionTrait;
use time::OffsetDateTime;
use uuid::Uuid;

pub use super::proposals::Author;

/// A debate as use cases hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebateRecord {
    pub debate: Debate,
    pub author: Author,
    pub scope_id: Option<ScopeId>,
    pub category_id: Option<CategoryId>,
    pub hidden: bool,
    pub comments_count: u32,
}

/// What the signed-in reader may do with a debate now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DebateAbilities {
    pub can_edit: bool,
    pub can_close: bool,
    pub can_comment: bool,
}

/// A debate with what its reader may do (`None` for an anonymous visitor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownDebate {
    pub debate: DebateRecord,
    pub abilities: Option<DebateAbilities>,
}

/// A new debate as its author sends it.
#[derive(Debug, Clone, Default)]
pub struct DebateForm {
    pub title: String,
    pub description: String,
    pub scope_id: Option<ScopeId>,
    pub category_id: Option<CategoryId>,
}

/// The orders of a debate list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebateSort {
    Recent,
    MostCommented,
    Random { seed: u32 },
}

impl DebateSort {
    /// The name a cursor records (with the seed of a random order).
    pub fn cursor_name(self) -> String {
        match self {
            DebateSort::Recent => "recent".into(),
            DebateSort::MostCommented => "most_commented".into(),
            DebateSort::Random { seed } => format!("random:{seed}"),
        }
    }
}

/// What a debate list keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct DebateFilter {
    /// `Some(true)`: open ones; `Some(false)`: closed ones.
    pub open: Option<bool>,
    pub scope_id: Option<ScopeId>,
    pub category_id: Option<CategoryId>,
    /// Only the reader's own.
    pub mine: bool,
}

/// The stored row as the rules see it.
pub(super) fn as_rules(row: &debates::Model) -> Debate {
    let status = match (row.closed_at, &row.conclusions, row.closed_by) {
        (Some(closed_at), Some(conclusions), Some(closed_by)) => DebateStatus::Closed(Closure {
            conclusions: Conclusions::from_stored(conclusions.clone()),
            closed_by: UserId::from(closed_by),
            closed_at: to_timestamp(closed_at),
        }),
        _ => DebateStatus::Open,
    };
    Debate {
        id: DebateId::from(row.id),
        process: ProcessId::from(row.process_id),
        author: UserId::from(row.author_id),
        title: DebateTitle::from_stored(row.title.clone()),
        description: DebateDescription::from_stored(row.description.clone()),
        status,
        created_at: to_timestamp(row.created_at),
        edited_at: row.edited_at.map(to_timestamp),
    }
}

fn record(row: &debates::Model, author_name: Option<String>) -> AppResult<DebateRecord> {
    Ok(DebateRecord {
        debate: as_rules(row),
        author: Author {
            id: UserId::from(row.author_id),
            name: author_name,
        },
        scope_id: row.scope_id.map(ScopeId::from),
        category_id: row.category_id.map(CategoryId::from),
        hidden: row.hidden,
        comments_count: store::stored_count(row.comments_count, "comments_count")?,
    })
}

/// A debate `actor` may see, or 404.
pub(super) async fn visible_row(
    db: &impl ConnectionTrait,
    organization: &Organization,
    actor: Option<&Actor>,
    id: DebateId,
    lock: bool,
) -> AppResult<debates::Model> {
    store::debates::by_id(db, organization.id, id, lock)
        .await?
        .filter(|row| as_rules(row).visible_to(row.hidden, viewer_of(actor)))
        .ok_or(AppError::NotFound)
}

fn abilities(actor: &Actor, debate: &Debate, process: &ProcessView) -> DebateAbilities {
    DebateAbilities {
        can_edit: debate.may_edit(actor.id()).is_ok(),
        can_close: debate.may_close(actor.id(), &actor.roles).is_ok(),
        can_comment: plaza_domain::comments::may_comment(
            process.active_window().as_ref(),
            &plaza_domain::comments::Commentable::Debate(debate),
        )
        .is_ok(),
    }
}

/// Debates of `process` as `actor` sees them (two queries however many rows).
async fn shown_rows(
    db: &impl ConnectionTrait,
    process: &ProcessView,
    actor: Option<&Actor>,
    rows: &[debates::Model],
) -> AppResult<Vec<ShownDebate>> {
    let authors: Vec<Uuid> = rows.iter().map(|row| row.author_id).collect();
    let names = store::users::display_names(db, &authors).await?;
    rows.iter()
        .map(|row| {
            let debate = record(row, names.get(&row.author_id).cloned().flatten())?;
            let abilities = actor.map(|actor| abilities(actor, &debate.debate, process));
            Ok(ShownDebate { debate, abilities })
        })
        .collect()
}

/// One debate of `process` as `actor` sees it.
async fn shown(
    db: &impl ConnectionTrait,
    process: &ProcessView,
    actor: Option<&Actor>,
    row: &debates::Model,
) -> AppResult<ShownDebate> {
    shown_rows(db, process, actor, std::slice::from_ref(row))
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a debate read back went missing"))
}

/// The process a debate belongs to, with its active phase at `now`.
async fn process_of(
    db: &impl ConnectionTrait,
    organization: &Organization,
    row: &debates::Model,
    now: OffsetDateTime,
) -> AppResult<ProcessView> {
    catalog::process_in(
        db,
        organization,
        ProcessRef::Id(ProcessId::from(row.process_id)),
        now,
    )
    .await
}

/// One debate, as `actor` (or an anonymous visitor) may see it.
pub async fn get(
    state: &AppState,
    organization: &Organization,
    actor: Option<&Actor>,
    id: DebateId,
) -> AppResult<ShownDebate> {
    let row = visible_row(&state.db, organization, actor, id, false).await?;
    let process = process_of(&state.db, organization, &row, state.now()).await?;
    shown(&state.db, &process, actor, &row).await
}

/// Starts a debate in the process `slug`, while the active phase opens debates.
pub async fn create(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    slug: &str,
    form: DebateForm,
) -> AppResult<ShownDebate> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let process =
        catalog::process_in(work.db(), organization, ProcessRef::Slug(slug), work.now()).await?;
    let text = DebateText::parse(&form.title, &form.description);
    let mut errors = FieldErrors::new();
    check_placement(
        work.db(),
        organization,
        &process,
        form.scope_id,
        form.category_id,
        &mut errors,
    )
    .await?;
    let text = merge_refusals(text, errors)?;
    let now = work.now();
    let debate = Debate::start(
        DebateId::from(Uuid::now_v7()),
        process.process.id,
        actor.id(),
        text,
        process.active_window().as_ref(),
        to_timestamp(now),
    )?;
    let row = debates::Model {
        id: debate.id.uuid(),
        organization_id: organization.id.uuid(),
        process_id: process.process.id.uuid(),
        author_id: actor.id().uuid(),
        scope_id: form.scope_id.map(ScopeId::uuid),
        category_id: form.category_id.map(CategoryId::uuid),
        title: debate.title.as_str().to_string(),
        description: debate.description.as_str().to_string(),
        conclusions: None,
        closed_by: None,
        closed_at: None,
        hidden: false,
        comments_count: 0,
        recency: recency(now),
        random_key: random_key(),
        created_at: now,
        edited_at: None,
    };
    let saved = store::debates::insert(work.db(), row).await?;
    let shown = shown(work.db(), &process, Some(actor), &saved).await?;
    work.commit().await?;
    Ok(shown)
}

/// Changes a debate's title or description: its author, while it is open.
pub async fn update(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: DebateId,
    title: Option<String>,
    description: Option<String>,
) -> AppResult<ShownDebate> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let mut row = visible_row(work.db(), organization, Some(actor), id, true).await?;
    let changes = DebateChanges::parse(title.as_deref(), description.as_deref());
    let edited = as_rules(&row).edit(actor.id(), changes?, to_timestamp(work.now()))?;
    row.title = edited.title.as_str().to_string();
    row.description = edited.description.as_str().to_string();
    row.edited_at = edited.edited_at.map(from_timestamp);
    let saved = store::debates::save(work.db(), row).await?;
    let process = process_of(work.db(), organization, &saved, work.now()).await?;
    let shown = shown(work.db(), &process, Some(actor), &saved).await?;
    work.commit().await?;
    Ok(shown)
}

/// Closes a debate with its conclusions: its author, or a moderator (audited).
pub async fn close(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: DebateId,
    conclusions: &str,
) -> AppResult<ShownDebate> {
    let conclusions = Conclusions::parse(conclusions)
        .map_err(|error| AppError::from(plaza_domain::DomainError::Invalid(vec![error])))?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let before = visible_row(work.db(), organization, Some(actor), id, true).await?;
    let closing = as_rules(&before).close(
        actor.id(),
        &actor.roles,
        conclusions,
        to_timestamp(work.now()),
    )?;
    let mut row = before.clone();
    if let DebateStatus::Closed(closure) = &closing.debate.status {
        row.conclusions = Some(closure.conclusions.as_str().to_string());
        row.closed_by = Some(closure.closed_by.uuid());
        row.closed_at = Some(from_timestamp(closure.closed_at));
    }
    let saved = store::debates::save(work.db(), row).await?;
    if closing.closed_as == ClosedAs::Moderator {
        work.audit(
            AuditAction::DebateClose,
            saved.id,
            Some(serde_json::json!({ "closed_at": before.closed_at })),
            Some(serde_json::json!({ "closed_at": saved.closed_at, "conclusions": saved.conclusions })),
        )
        .await?;
    }
    let process = process_of(work.db(), organization, &saved, work.now()).await?;
    let shown = shown(work.db(), &process, Some(actor), &saved).await?;
    work.commit().await?;
    Ok(shown)
}

/// A page of the debates of the process `slug` (never a hidden one).
pub async fn list(
    state: &AppState,
    organization: &Organization,
    actor: Option<&Actor>,
    slug: &str,
    filter: DebateFilter,
    request: PageRequest<DebateSort>,
) -> AppResult<Page<ShownDebate>> {
    let db = &state.db;
    let now = state.now();
    let process = catalog::process_in(db, organization, ProcessRef::Slug(slug), now).await?;
    let author = match (filter.mine, actor) {
        (true, Some(actor)) => Some(actor.id()),
        (true, None) => return Err(AppError::Unauthenticated),
        (false, _) => None,
    };
    let scopes = match filter.scope_id {
        Some(root) => Some(catalog::scope_and_inside(db, organization, root).await?),
        None => None,
    };
    let order = match request.sort {
        DebateSort::Recent => store::debates::Order::Recent,
        DebateSort::MostCommented => store::debates::Order::MostCommented,
        DebateSort::Random { seed } => store::debates::Order::Random {
            start: i64::from(paging::rotation_start(seed)),
        },
    };
    let rows = store::debates::page(
        db,
        organization.id,
        &store::debates::Filter {
            process_id: Some(process.process.id),
            open: filter.open,
            scopes,
            category: filter.category_id,
            author,
        },
        order,
        request.after.map(|position| (position.key, position.id)),
        request.limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, request.limit, |row| Position {
        key: Some(match order {
            store::debates::Order::Recent => row.recency,
            store::debates::Order::MostCommented => i64::from(row.comments_count),
            store::debates::Order::Random { .. } => row.random_key,
        }),
        id: row.id,
    });
    let items = shown_rows(db, &process, actor, &page.items).await?;
    Ok(Page {
        items,
        next: page.next,
    })
}
