//! Proposals as use cases: create a draft, edit, publish, withdraw, read and list, each asking
//! the rules of `plaza_domain::proposals` with the proposal as loaded.
//!
//! Every write is one [`UnitOfWork`]. Creation counts the author's proposals under their
//! participation lock (`store::locks::Lock::Participation`), so that parallel creations cannot
//! pass `proposal_limit` together; an edit, a publication or a withdrawal locks the proposal's
//! row. Reads answer 404 for a proposal the reader may not see (another's draft, a hidden one),
//! exactly as for one that does not exist.
//!
//! A signed-in reader also gets what they may do with each proposal ([`Abilities`]): the same
//! rules decide it, so that a frontend never re-implements a permission. Supports live in
//! `app::supports`.

use super::AppState;
use super::catalog::{self, ProcessRef, ProcessView};
use super::error::{AppError, AppResult};
use super::paging::{self, Page, PageRequest, Position};
use super::tenancy::{Actor, Organization};
use super::unit::UnitOfWork;
use crate::clock::{from_timestamp, to_timestamp};
use crate::store::{self, entities::proposals, locks::Lock};
use plaza_domain::accounts::Roles;
use plaza_domain::i18n::TranslatedText;
use plaza_domain::money::Cents;
use plaza_domain::processes::Feature;
use plaza_domain::proposals::supports::{Supporter, may_support};
use plaza_domain::proposals::{
    self as rules, Answer, AnswerState, ProposalState, ProposalText, Viewer,
};
use plaza_domain::scopes;
use plaza_domain::{
    CategoryId, FieldCode, FieldError, FieldErrors, ProcessId, ProposalId, ScopeId, UserId,
};
use sea_orm::ConnectionTrait;
use time::OffsetDateTime;
use uuid::Uuid;

/// Who wrote a proposal, as shown to everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub id: UserId,
    /// Their nickname, else their name; `None` once the account is deleted.
    pub name: Option<String>,
}

/// A proposal as use cases hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub id: ProposalId,
    pub process_id: ProcessId,
    pub author: Author,
    pub scope_id: Option<ScopeId>,
    pub category_id: Option<CategoryId>,
    pub title: String,
    pub body: String,
    pub state: ProposalState,
    pub hidden: bool,
    pub supports_count: u32,
    pub comments_count: u32,
    pub published_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The evaluators' answer, when the reader may see it.
    pub answer: Option<Answer>,
    /// The budget projects it became: (project, its budget), in project order.
    pub became_projects: Vec<(Uuid, Uuid)>,
}

/// What the signed-in reader may do with a proposal now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Abilities {
    pub supported_by_me: bool,
    pub can_support: bool,
    pub can_edit: bool,
    pub can_withdraw: bool,
    pub can_answer: bool,
}

/// A proposal with what its reader may do (`None` for an anonymous visitor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub proposal: Proposal,
    pub abilities: Option<Abilities>,
}

/// A new proposal as its author sends it.
#[derive(Debug, Clone, Default)]
pub struct ProposalForm {
    pub title: String,
    pub body: String,
    pub scope_id: Option<ScopeId>,
    pub category_id: Option<CategoryId>,
}

/// Changes to a proposal; absent fields stay, `Some(None)` clears a scope or category.
#[derive(Debug, Clone, Default)]
pub struct ProposalChange {
    pub title: Option<String>,
    pub body: Option<String>,
    pub scope_id: Option<Option<ScopeId>>,
    pub category_id: Option<Option<CategoryId>>,
}

/// The orders of a proposal list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalSort {
    /// Newest publication first (the default).
    Recent,
    MostSupported,
    MostCommented,
    /// A shuffle that stays the same, page after page, for the same seed.
    Random {
        seed: u32,
    },
}

impl ProposalSort {
    /// The name a cursor records (a random order's seed is part of it: a cursor of another seed
    /// is refused).
    pub fn cursor_name(self) -> String {
        match self {
            ProposalSort::Recent => "recent".into(),
            ProposalSort::MostSupported => "most_supported".into(),
            ProposalSort::MostCommented => "most_commented".into(),
            ProposalSort::Random { seed } => format!("random:{seed}"),
        }
    }
}

/// What a proposal list keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProposalFilter {
    /// Only proposals in this scope or a scope inside it.
    pub scope_id: Option<ScopeId>,
    /// Only proposals in this state; without it, the published ones (answered or not).
    pub state: Option<ProposalState>,
    pub category_id: Option<CategoryId>,
    /// Only the reader's own proposals (their drafts included).
    pub mine: bool,
}

/// The stored row as the rules see it.
pub(super) fn as_rules(row: &proposals::Model, has_supports: bool) -> AppResult<rules::Proposal> {
    Ok(rules::Proposal {
        author: UserId::from(row.author_id),
        state: state_of(row)?,
        published_at: row.published_at.map(to_timestamp),
        supports_count: store::stored_count(row.supports_count, "supports_count")?,
        has_supports,
        hidden: row.hidden,
        answer: answer_of(row)?,
    })
}

fn state_of(row: &proposals::Model) -> AppResult<ProposalState> {
    ProposalState::parse(&row.state).ok_or_else(|| {
        AppError::internal(format!(
            "proposal {}: unreadable state {:?}",
            row.id, row.state
        ))
    })
}

fn answer_of(row: &proposals::Model) -> AppResult<Option<Answer>> {
    let (Some(state), Some(answered_at)) = (&row.answer_state, row.answered_at) else {
        return Ok(None);
    };
    let state = AnswerState::parse(state).ok_or_else(|| {
        AppError::internal(format!("proposal {}: unreadable answer {state:?}", row.id))
    })?;
    let text = row
        .answer_text
        .as_ref()
        .map(|value| catalog::stored_texts(value, "answer text").map(TranslatedText::from_stored))
        .transpose()?;
    Ok(Some(Answer {
        state,
        text,
        cost: row.answer_cost.map(Cents),
        answered_at: to_timestamp(answered_at),
        published_at: row.answer_published_at.map(to_timestamp),
    }))
}

pub(super) fn viewer_of(actor: Option<&Actor>) -> Viewer<'_> {
    match actor {
        Some(actor) => Viewer::Account {
            id: actor.id(),
            roles: &actor.roles,
        },
        None => Viewer::Anonymous,
    }
}

/// The proposal as handed out to `viewer`: its answer only when they may see it.
fn record(
    row: &proposals::Model,
    author_name: Option<String>,
    viewer: Viewer<'_>,
) -> AppResult<Proposal> {
    let answer = answer_of(row)?.filter(|answer| rules::answer_visible_to(answer, viewer));
    Ok(Proposal {
        id: ProposalId::from(row.id),
        process_id: ProcessId::from(row.process_id),
        author: Author {
            id: UserId::from(row.author_id),
            name: author_name,
        },
        scope_id: row.scope_id.map(ScopeId::from),
        category_id: row.category_id.map(CategoryId::from),
        title: row.title.clone(),
        body: row.body.clone(),
        state: state_of(row)?,
        hidden: row.hidden,
        supports_count: store::stored_count(row.supports_count, "supports_count")?,
        comments_count: store::stored_count(row.comments_count, "comments_count")?,
        published_at: row.published_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
        answer,
        became_projects: Vec::new(),
    })
}

/// What the rules need to know about a signed-in reader of a process's proposals.
struct Reader<'a> {
    actor: &'a Actor,
    /// The reader's roles within the process (an evaluator of this process alone counts).
    roles: Roles,
    supporter: Supporter,
}

impl<'a> Reader<'a> {
    async fn read(
        db: &impl ConnectionTrait,
        actor: &'a Actor,
        process: ProcessId,
    ) -> AppResult<Reader<'a>> {
        let roles = super::tenancy::roles_in_process(db, actor, process).await?;
        let resident = store::census::resident_of(db, actor.id()).await?.is_some();
        let given = store::proposals::supports_in_process(db, actor.id(), process).await?;
        Ok(Reader {
            actor,
            roles,
            supporter: Supporter {
                resident,
                supports_in_process: u32::try_from(given).unwrap_or(u32::MAX),
            },
        })
    }

    fn viewer(&self) -> Viewer<'_> {
        Viewer::Account {
            id: self.actor.id(),
            roles: &self.roles,
        }
    }

    /// What this reader may do with `proposal` (`has_supports` matters for their own only).
    fn abilities(
        &self,
        process: &ProcessView,
        proposal: &rules::Proposal,
        supported_by_me: bool,
        now: OffsetDateTime,
    ) -> Abilities {
        let settings = &process.process.proposal_settings;
        let phase = process.require_open(Feature::Supports);
        Abilities {
            supported_by_me,
            can_support: !supported_by_me
                && may_support(phase, self.supporter, proposal, settings).is_ok(),
            can_edit: rules::may_edit(self.actor.id(), proposal, settings, to_timestamp(now))
                .is_ok(),
            can_withdraw: rules::withdraw(self.actor.id(), proposal).is_ok(),
            can_answer: rules::may_answer(&self.roles, proposal).is_ok(),
        }
    }
}

/// One proposal of `process` with what `actor` may do with it, read through `db` (the use
/// case's transaction, after its write).
pub(super) async fn shown(
    db: &impl ConnectionTrait,
    process: &ProcessView,
    actor: Option<&Actor>,
    row: proposals::Model,
    now: OffsetDateTime,
) -> AppResult<Shown> {
    shown_rows(db, process, actor, vec![row], now)
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a proposal read back went missing"))
}

/// A proposal `viewer` may see, or 404 (absent, another organization's, another's draft, hidden).
pub(super) async fn visible_row(
    db: &impl ConnectionTrait,
    organization: &Organization,
    actor: Option<&Actor>,
    id: ProposalId,
    lock: bool,
) -> AppResult<proposals::Model> {
    let row = store::proposals::by_id(db, organization.id, id, lock)
        .await?
        .ok_or(AppError::NotFound)?;
    let visible = rules::visible_to(&as_rules(&row, false)?, viewer_of(actor));
    if visible {
        Ok(row)
    } else {
        Err(AppError::NotFound)
    }
}

/// One proposal, as `actor` (or an anonymous visitor) may see it.
pub async fn get(
    state: &AppState,
    organization: &Organization,
    actor: Option<&Actor>,
    id: ProposalId,
) -> AppResult<Shown> {
    let row = visible_row(&state.db, organization, actor, id, false).await?;
    let process = process_of(&state.db, organization, &row, state.now()).await?;
    shown(&state.db, &process, actor, row, state.now()).await
}

/// The process a proposal belongs to, with its active phase at `now`.
pub(super) async fn process_of(
    db: &impl ConnectionTrait,
    organization: &Organization,
    row: &proposals::Model,
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

/// The scope and category of a proposal, checked against its process: a scope inside the
/// process's own (any of the organization's for a city-wide process), a category of the process.
pub(super) async fn check_placement(
    db: &impl ConnectionTrait,
    organization: &Organization,
    process: &ProcessView,
    scope_id: Option<ScopeId>,
    category_id: Option<CategoryId>,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if let Some(scope_id) = scope_id {
        let parents = catalog::scope_parents(db, organization).await?;
        let inside = parents.contains_key(&scope_id.uuid())
            && process.process.scope_id.is_none_or(|process_scope| {
                scopes::is_within(scope_id.uuid(), process_scope.uuid(), &parents)
            });
        if !inside {
            errors.push(FieldError::new(
                "scope_id",
                FieldCode::NotInProcess,
                "Choose a scope of the process's territory.",
            ));
        }
    }
    if let Some(category_id) = category_id {
        let category = store::orgs::category(db, organization.id, category_id, false).await?;
        if category.is_none_or(|category| category.process_id != process.process.id.uuid()) {
            errors.push(FieldError::new(
                "category_id",
                FieldCode::NotInProcess,
                "Choose one of the process's categories.",
            ));
        }
    }
    Ok(())
}

/// A random 32-bit key for the random order.
pub(super) fn random_key() -> i64 {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system provides random numbers");
    i64::from(u32::from_le_bytes(bytes))
}

/// Microseconds since 1970: the key of the `recent` order.
pub(super) fn recency(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

/// Creates a draft in the process `slug`: while the active phase opens proposal creation, and
/// while the author holds fewer than `proposal_limit` proposals there that are not withdrawn.
pub async fn create(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    slug: &str,
    form: ProposalForm,
) -> AppResult<Shown> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let process =
        catalog::process_in(work.db(), organization, ProcessRef::Slug(slug), work.now()).await?;
    let settings = &process.process.proposal_settings;
    let text = ProposalText::parse(&form.title, &form.body, settings);
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
    let process_id = process.process.id;
    store::locks::take(
        work.db(),
        Lock::Participation {
            user_id: actor.id(),
            process_id,
        },
    )
    .await?;
    let held = store::proposals::live_count_of_author(work.db(), actor.id(), process_id).await?;
    rules::may_create(
        process.require_open(Feature::ProposalsCreation),
        u32::try_from(held).unwrap_or(u32::MAX),
        settings,
    )?;
    let now = work.now();
    let row = proposals::Model {
        id: Uuid::now_v7(),
        organization_id: organization.id.uuid(),
        process_id: process_id.uuid(),
        author_id: actor.id().uuid(),
        scope_id: form.scope_id.map(ScopeId::uuid),
        category_id: form.category_id.map(CategoryId::uuid),
        title: text.title.into_string(),
        body: text.body.into_string(),
        state: ProposalState::Draft.as_str().to_string(),
        hidden: false,
        supports_count: 0,
        comments_count: 0,
        recency: recency(now),
        random_key: random_key(),
        published_at: None,
        answer_state: None,
        answer_text: None,
        answer_cost: None,
        answered_at: None,
        answer_published_at: None,
        created_at: now,
        updated_at: now,
    };
    let saved = store::proposals::insert(work.db(), row).await?;
    let shown = shown(work.db(), &process, Some(actor), saved, now).await?;
    work.commit().await?;
    Ok(shown)
}

/// Changes a proposal's text, scope or category: its author, while a draft, or once published
/// within the edit window and while nobody supports it.
pub async fn update(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: ProposalId,
    change: ProposalChange,
) -> AppResult<Shown> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let mut row = visible_row(work.db(), organization, Some(actor), id, true).await?;
    let process = process_of(work.db(), organization, &row, work.now()).await?;
    let settings = &process.process.proposal_settings;
    let has_supports = store::proposals::has_supports(work.db(), id).await?;
    rules::may_edit(
        actor.id(),
        &as_rules(&row, has_supports)?,
        settings,
        to_timestamp(work.now()),
    )?;
    let title = change.title.unwrap_or_else(|| row.title.clone());
    let body = change.body.unwrap_or_else(|| row.body.clone());
    let scope_id = change.scope_id.unwrap_or(row.scope_id.map(ScopeId::from));
    let category_id = change
        .category_id
        .unwrap_or(row.category_id.map(CategoryId::from));
    let text = ProposalText::parse(&title, &body, settings);
    let mut errors = FieldErrors::new();
    check_placement(
        work.db(),
        organization,
        &process,
        scope_id,
        category_id,
        &mut errors,
    )
    .await?;
    let text = merge_refusals(text, errors)?;
    row.title = text.title.into_string();
    row.body = text.body.into_string();
    row.scope_id = scope_id.map(ScopeId::uuid);
    row.category_id = category_id.map(CategoryId::uuid);
    row.updated_at = work.now();
    let saved = store::proposals::save(work.db(), row).await?;
    let shown = shown(work.db(), &process, Some(actor), saved, work.now()).await?;
    work.commit().await?;
    Ok(shown)
}

/// The checked text, or every field error of the text and of the placement together.
pub(super) fn merge_refusals<T>(
    text: Result<T, plaza_domain::DomainError>,
    placement: FieldErrors,
) -> AppResult<T> {
    match (text, placement.finish()) {
        (Ok(text), Ok(())) => Ok(text),
        (Err(plaza_domain::DomainError::Invalid(mut fields)), Err(more)) => {
            if let plaza_domain::DomainError::Invalid(more) = more {
                fields.extend(more);
            }
            Err(plaza_domain::DomainError::Invalid(fields).into())
        }
        (Err(error), _) | (Ok(_), Err(error)) => Err(error.into()),
    }
}

/// A proposal its author changes, locked, with its process as it is now.
async fn for_change(
    work: &UnitOfWork<'_>,
    organization: &Organization,
    actor: &Actor,
    id: ProposalId,
) -> AppResult<(proposals::Model, ProcessView)> {
    let row = visible_row(work.db(), organization, Some(actor), id, true).await?;
    let process = process_of(work.db(), organization, &row, work.now()).await?;
    Ok((row, process))
}

/// Publishes a draft: its author, while the active phase opens proposal creation.
pub async fn publish(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: ProposalId,
) -> AppResult<Shown> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let (mut row, process) = for_change(&work, organization, actor, id).await?;
    let published = rules::publish(
        actor.id(),
        &as_rules(&row, false)?,
        process.require_open(Feature::ProposalsCreation),
        to_timestamp(work.now()),
    )?;
    let at = from_timestamp(published);
    row.state = ProposalState::Published.as_str().to_string();
    row.published_at = Some(at);
    row.recency = recency(at);
    row.updated_at = work.now();
    let saved = store::proposals::save(work.db(), row).await?;
    let shown = shown(work.db(), &process, Some(actor), saved, work.now()).await?;
    work.commit().await?;
    Ok(shown)
}

/// Withdraws a draft or a published proposal nobody supports: its author.
pub async fn withdraw(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: ProposalId,
) -> AppResult<Shown> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let (mut row, process) = for_change(&work, organization, actor, id).await?;
    let has_supports = store::proposals::has_supports(work.db(), id).await?;
    let state_after = rules::withdraw(actor.id(), &as_rules(&row, has_supports)?)?;
    row.state = state_after.as_str().to_string();
    row.updated_at = work.now();
    let saved = store::proposals::save(work.db(), row).await?;
    let shown = shown(work.db(), &process, Some(actor), saved, work.now()).await?;
    work.commit().await?;
    Ok(shown)
}

/// A page of the proposals of the process `slug`, as `actor` (or an anonymous visitor) sees
/// them: never a hidden one, nor another's draft; withdrawn ones only when asked for by state.
pub async fn list(
    state: &AppState,
    organization: &Organization,
    actor: Option<&Actor>,
    slug: &str,
    filter: ProposalFilter,
    request: PageRequest<ProposalSort>,
) -> AppResult<Page<Shown>> {
    let db = &state.db;
    let now = state.now();
    let process = catalog::process_in(db, organization, ProcessRef::Slug(slug), now).await?;
    let author = match (filter.mine, actor) {
        (true, Some(actor)) => Some(actor.id()),
        (true, None) => return Err(AppError::Unauthenticated),
        (false, _) => None,
    };
    let listing = rules::listing(actor.map(Actor::id), filter.state, author.is_some());
    let scopes = match filter.scope_id {
        Some(root) => Some(catalog::scope_and_inside(db, organization, root).await?),
        None => None,
    };
    let store_filter = store::proposals::Filter {
        process_id: Some(process.process.id),
        states: listing.states.iter().map(|state| state.as_str()).collect(),
        scopes,
        category: filter.category_id,
        author: listing.author,
    };
    let order = match request.sort {
        ProposalSort::Recent => store::proposals::Order::Recent,
        ProposalSort::MostSupported => store::proposals::Order::MostSupported,
        ProposalSort::MostCommented => store::proposals::Order::MostCommented,
        ProposalSort::Random { seed } => store::proposals::Order::Random {
            start: i64::from(paging::rotation_start(seed)),
        },
    };
    let rows = store::proposals::page(
        db,
        organization.id,
        &store_filter,
        order,
        request.after.map(|position| (position.key, position.id)),
        request.limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, request.limit, |row| Position {
        key: Some(match order {
            store::proposals::Order::MostSupported => i64::from(row.supports_count),
            store::proposals::Order::MostCommented => i64::from(row.comments_count),
            store::proposals::Order::Recent => row.recency,
            store::proposals::Order::Random { .. } => row.random_key,
        }),
        id: row.id,
    });
    let next = page.next;
    let items = shown_rows(db, &process, actor, page.items, now).await?;
    Ok(Page { items, next })
}

/// One proposal as the open-data export gives it (DESIGN §6): what anyone reads of it through
/// the API, without its author (neither id nor name) and without its supporters.
#[derive(Debug, Clone)]
pub struct OpenProposal {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub state: ProposalState,
    pub scope_id: Option<ScopeId>,
    pub category_id: Option<CategoryId>,
    pub supports_count: u32,
    pub comments_count: u32,
    pub published_at: Option<OffsetDateTime>,
    /// The answer's state, once the answer is published.
    pub answer_state: Option<AnswerState>,
}

/// Every proposal of process `slug` that anyone may read (published, answered or withdrawn;
/// never a draft or a hidden one), oldest first, for researchers: `GET
/// /processes/{slug}/proposals/export.csv` and `.json`.
pub async fn open_data(
    state: &AppState,
    organization: &Organization,
    slug: &str,
) -> AppResult<(ProcessView, Vec<OpenProposal>)> {
    let db = &state.db;
    let process =
        catalog::process_in(db, organization, ProcessRef::Slug(slug), state.now()).await?;
    let states: Vec<&str> = ProposalState::ALL
        .iter()
        .filter(|state| **state != ProposalState::Draft)
        .map(|state| state.as_str())
        .collect();
    let filter = store::proposals::Filter {
        process_id: Some(process.process.id),
        states,
        scopes: None,
        category: None,
        author: None,
    };
    let rows = store::proposals::all(db, organization.id, &filter).await?;
    let proposals = rows
        .iter()
        .map(|row| {
            let seen = record(row, None, Viewer::Anonymous)?;
            Ok(OpenProposal {
                id: seen.id.uuid(),
                title: seen.title,
                body: seen.body,
                state: seen.state,
                scope_id: seen.scope_id,
                category_id: seen.category_id,
                supports_count: seen.supports_count,
                comments_count: seen.comments_count,
                published_at: seen.published_at,
                answer_state: seen.answer.map(|answer| answer.state),
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok((process, proposals))
}

/// Rows of `process` as `actor` sees them, with a constant number of queries however many.
async fn shown_rows(
    db: &impl ConnectionTrait,
    process: &ProcessView,
    actor: Option<&Actor>,
    rows: Vec<proposals::Model>,
    now: OffsetDateTime,
) -> AppResult<Vec<Shown>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let authors: Vec<Uuid> = rows.iter().map(|row| row.author_id).collect();
    let names = store::users::display_names(db, &authors).await?;
    let mut became = store::budgets::projects_of_proposals(db, &ids).await?;
    let reading = match actor {
        Some(actor) => {
            let reader = Reader::read(db, actor, process.process.id).await?;
            let mine: Vec<Uuid> = rows
                .iter()
                .filter(|row| row.author_id == actor.id().uuid())
                .map(|row| row.id)
                .collect();
            let supported = store::proposals::supported_by(db, actor.id(), &ids).await?;
            let with_supports = store::proposals::supported_among(db, &mine).await?;
            Some((reader, supported, with_supports))
        }
        None => None,
    };
    let viewer = match &reading {
        Some((reader, ..)) => reader.viewer(),
        None => Viewer::Anonymous,
    };
    rows.iter()
        .map(|row| {
            let mut proposal = record(row, names.get(&row.author_id).cloned().flatten(), viewer)?;
            proposal.became_projects = became.remove(&row.id).unwrap_or_default();
            let abilities = match &reading {
                Some((reader, supported, with_supports)) => Some(reader.abilities(
                    process,
                    &as_rules(row, with_supports.contains(&row.id))?,
                    supported.contains(&row.id),
                    now,
                )),
                None => None,
            };
            Ok(Shown {
                proposal,
                abilities,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_cursor_belongs_to_its_seed() {
        assert_ne!(
            ProposalSort::Random { seed: 1 }.cursor_name(),
            ProposalSort::Random { seed: 2 }.cursor_name()
        );
        assert_eq!(ProposalSort::MostSupported.cursor_name(), "most_supported");
    }
}
