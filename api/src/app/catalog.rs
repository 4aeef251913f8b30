//! Scopes (the territorial tree) and participatory processes with their phases.
//!
//! Anyone may read them; admins create and change them, each change audited. A change may be
//! conditional: it takes a precondition on the current version (HTTP's `If-Match`), asked with
//! the resource read under its lock in the changing transaction, before anything is checked or
//! changed; when it does not hold the change is refused (`PreconditionFailed`), so of two admins
//! changing the same version at once, the second is refused instead of undoing the first.

use super::AppState;
use super::error::{AppError, AppResult};
use super::paging::{Page, PageRequest, Position};
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::clock::to_timestamp;
use crate::store::{
    self,
    entities::{phases, processes, scopes},
};
use plaza_domain::accounts::{Permission, authorize};
use plaza_domain::i18n::TranslatedText;
use plaza_domain::processes::{
    self as rules, Feature, MAX_DESCRIPTION_LENGTH, MAX_TITLE_LENGTH, PhaseWindow, Slug,
};
use plaza_domain::proposals::settings::{ProposalSettings, SettingsChange};
use plaza_domain::scopes::{
    MAX_NAME_LENGTH as MAX_SCOPE_NAME_LENGTH, Placement, ScopeCode, ScopeKind, check_placement,
    creates_cycle,
};
use plaza_domain::{DomainError, FieldCode, FieldError, FieldErrors};
use plaza_domain::{ProcessId, ScopeId};
use std::collections::{BTreeMap, HashMap};
use time::OffsetDateTime;
use uuid::Uuid;

/// A scope as use cases hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub id: ScopeId,
    pub parent_id: Option<ScopeId>,
    /// In capitals (see `ScopeCode`).
    pub code: String,
    pub kind: ScopeKind,
    /// Names by locale.
    pub name: BTreeMap<String, String>,
    /// Order among siblings.
    pub position: i32,
}

impl TryFrom<scopes::Model> for Scope {
    type Error = AppError;

    /// Reads a stored scope; a kind or name the server cannot read is a failure, not a default.
    fn try_from(row: scopes::Model) -> AppResult<Scope> {
        Ok(Scope {
            kind: ScopeKind::parse(&row.kind)
                .ok_or_else(|| AppError::internal(format!("scope {}: unreadable kind", row.id)))?,
            name: stored_texts(&row.name, "scope name")?,
            id: row.id.into(),
            parent_id: row.parent_id.map(ScopeId::from),
            code: row.code,
            position: row.position,
        })
    }
}

/// Texts by locale as stored (a JSON object of strings); anything else is a failure.
pub(crate) fn stored_texts(
    value: &serde_json::Value,
    what: &str,
) -> AppResult<BTreeMap<String, String>> {
    serde_json::from_value(value.clone())
        .map_err(|error| AppError::internal(format!("unreadable {what}: {error}")))
}

/// A scope with its children, for the tree.
#[derive(Debug, Clone)]
pub struct ScopeNode {
    pub scope: Scope,
    pub children: Vec<ScopeNode>,
}

/// The organization's scopes as a forest (roots in order, children in order).
pub async fn scope_tree(
    state: &AppState,
    organization: &Organization,
) -> AppResult<Vec<ScopeNode>> {
    let all = store::orgs::scopes_of(&state.db, organization.id).await?;
    let mut children: HashMap<Option<ScopeId>, Vec<Scope>> = HashMap::new();
    for scope in all {
        let scope = Scope::try_from(scope)?;
        children.entry(scope.parent_id).or_default().push(scope);
    }
    fn build(
        parent: Option<ScopeId>,
        children: &mut HashMap<Option<ScopeId>, Vec<Scope>>,
        depth: usize,
    ) -> Vec<ScopeNode> {
        let level = children.remove(&parent).unwrap_or_default();
        level
            .into_iter()
            .map(|scope| {
                // The tree cannot be deeper than the number of scopes; the guard only protects
                // against a corrupted parent cycle.
                let grandchildren = if depth < 64 {
                    build(Some(scope.id), children, depth + 1)
                } else {
                    Vec::new()
                };
                ScopeNode {
                    scope,
                    children: grandchildren,
                }
            })
            .collect()
    }
    Ok(build(None, &mut children, 0))
}

/// One scope by id.
pub async fn get_scope(
    state: &AppState,
    organization: &Organization,
    id: ScopeId,
) -> AppResult<Scope> {
    let row = store::orgs::scope(&state.db, organization.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Scope::try_from(row)
}

/// What an admin sends to create or change a scope.
#[derive(Debug, Clone, Default)]
pub struct ScopeForm {
    pub code: Option<String>,
    pub kind: Option<ScopeKind>,
    pub name: Option<BTreeMap<String, String>>,
    /// `Some(None)` makes the scope a root.
    pub parent_id: Option<Option<ScopeId>>,
    pub position: Option<i32>,
}

/// Creates a scope (admins only).
pub async fn create_scope(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    form: ScopeForm,
) -> AppResult<Scope> {
    authorize(&actor.roles, Permission::ManageScopes)?;
    let mut errors = FieldErrors::new();
    let code = match &form.code {
        Some(raw) => errors.take(ScopeCode::parse("code", raw)),
        None => errors.take(Err(FieldError::new(
            "code",
            FieldCode::Required,
            "A scope needs a code.",
        ))),
    };
    let name = check_translation(
        "name",
        form.name.as_ref(),
        organization,
        MAX_SCOPE_NAME_LENGTH,
        &mut errors,
    );
    let parent_id = form.parent_id.flatten();
    let kind = form.kind.unwrap_or(ScopeKind::Other);
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let now = work.now();
    // The whole tree, locked: a concurrent move cannot deepen the branch this scope joins.
    let tree = Tree::of(store::orgs::scopes_of_for_update(work.db(), organization.id).await?)?;
    match parent_id {
        Some(parent) if !tree.kinds.contains_key(&parent) => errors.push(FieldError::new(
            "parent_id",
            FieldCode::NotFound,
            "No scope has this id.",
        )),
        _ => errors.take_all(check_placement(Placement {
            kind,
            parent: tree.parent_of(parent_id),
            children: &[],
            height: 1,
        })),
    }
    errors.finish()?;
    let (Some(code), Some(name)) = (code, name) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let row = scopes::Model {
        id: Uuid::now_v7(),
        organization_id: organization.id.uuid(),
        parent_id: parent_id.map(ScopeId::uuid),
        code: code.as_str().to_string(),
        kind: kind.as_str().to_string(),
        name: serde_json::to_value(name.as_map()).map_err(AppError::internal)?,
        position: form.position.unwrap_or(0),
        created_at: now,
    };
    let saved = store::orgs::insert_scope(work.db(), row)
        .await
        .map_err(|error| taken_or(error, &store::orgs::UX_SCOPE_CODE, "code"))?;
    work.audit(
        AuditAction::ScopeCreate,
        saved.id,
        None,
        Some(scope_json(&saved)),
    )
    .await?;
    work.commit().await?;
    Scope::try_from(saved)
}

/// Changes a scope (admins only), if `precondition` holds of it as it is. A scope cannot become
/// its own ancestor; the tree is read inside the transaction so that two concurrent moves cannot
/// make a cycle together.
pub async fn update_scope(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: ScopeId,
    form: ScopeForm,
    precondition: impl FnOnce(&Scope) -> bool + Send,
) -> AppResult<Scope> {
    authorize(&actor.roles, Permission::ManageScopes)?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let all = store::orgs::scopes_of_for_update(work.db(), organization.id).await?;
    let before = all
        .iter()
        .find(|s| s.id == id.uuid())
        .cloned()
        .ok_or(AppError::NotFound)?;
    if !precondition(&Scope::try_from(before.clone())?) {
        return Err(AppError::PreconditionFailed);
    }
    let tree = Tree::of(all)?;
    let mut scope = before.clone();
    let mut kind = tree.kinds[&id];
    let mut errors = FieldErrors::new();
    if let Some(raw) = &form.code
        && let Some(code) = errors.take(ScopeCode::parse("code", raw))
    {
        scope.code = code.as_str().to_string();
    }
    if let Some(new_kind) = form.kind {
        kind = new_kind;
        scope.kind = kind.as_str().to_string();
    }
    if form.name.is_some()
        && let Some(name) = check_translation(
            "name",
            form.name.as_ref(),
            organization,
            MAX_SCOPE_NAME_LENGTH,
            &mut errors,
        )
    {
        scope.name = serde_json::to_value(name.as_map()).map_err(AppError::internal)?;
    }
    if let Some(position) = form.position {
        scope.position = position;
    }
    if let Some(parent) = form.parent_id {
        if let Some(parent_id) = parent {
            if !tree.kinds.contains_key(&parent_id) {
                errors.push(FieldError::new(
                    "parent_id",
                    FieldCode::NotFound,
                    "No scope has this id.",
                ));
            } else if creates_cycle(id, parent_id, &tree.parents) {
                errors.push(FieldError::new(
                    "parent_id",
                    FieldCode::Cycle,
                    "A scope cannot be placed inside itself.",
                ));
            }
        }
        scope.parent_id = parent.map(ScopeId::uuid);
    }
    if errors.is_empty() {
        errors.take_all(check_placement(Placement {
            kind,
            parent: tree.parent_of(scope.parent_id.map(ScopeId::from)),
            children: &tree.children_kinds(id),
            height: tree.height(id),
        }));
    }
    errors.finish()?;
    let saved = store::orgs::update_scope(work.db(), scope)
        .await
        .map_err(|error| taken_or(error, &store::orgs::UX_SCOPE_CODE, "code"))?;
    work.audit(
        AuditAction::ScopeUpdate,
        saved.id,
        Some(scope_json(&before)),
        Some(scope_json(&saved)),
    )
    .await?;
    work.commit().await?;
    Scope::try_from(saved)
}

/// An organization's scopes as a tree, for the checks of [`check_placement`].
struct Tree {
    parents: HashMap<ScopeId, Option<ScopeId>>,
    kinds: HashMap<ScopeId, ScopeKind>,
    children: HashMap<ScopeId, Vec<ScopeId>>,
}

impl Tree {
    /// Reads stored scopes; a kind the server cannot read is a failure, not a default.
    fn of(scopes: Vec<scopes::Model>) -> AppResult<Tree> {
        let mut tree = Tree {
            parents: HashMap::new(),
            kinds: HashMap::new(),
            children: HashMap::new(),
        };
        for scope in scopes {
            let kind = ScopeKind::parse(&scope.kind).ok_or_else(|| {
                AppError::internal(format!("scope {}: unreadable kind", scope.id))
            })?;
            tree.parents
                .insert(ScopeId::from(scope.id), scope.parent_id.map(ScopeId::from));
            tree.kinds.insert(ScopeId::from(scope.id), kind);
            if let Some(parent) = scope.parent_id {
                tree.children
                    .entry(ScopeId::from(parent))
                    .or_default()
                    .push(ScopeId::from(scope.id));
            }
        }
        Ok(tree)
    }

    /// The kind and depth (a root is at 1) of `parent`, when there is one.
    fn parent_of(&self, parent: Option<ScopeId>) -> Option<(ScopeKind, usize)> {
        let parent = parent?;
        let mut depth = 1;
        let mut current = self.parents.get(&parent).copied().flatten();
        // Bounded by the number of scopes: stored parents cannot loop, but a walk never hangs.
        while let Some(id) = current
            && depth <= self.parents.len()
        {
            depth += 1;
            current = self.parents.get(&id).copied().flatten();
        }
        Some((*self.kinds.get(&parent)?, depth))
    }

    fn children_kinds(&self, id: ScopeId) -> Vec<ScopeKind> {
        self.children
            .get(&id)
            .into_iter()
            .flatten()
            .filter_map(|child| self.kinds.get(child).copied())
            .collect()
    }

    /// The levels of `id`'s subtree, itself included.
    fn height(&self, id: ScopeId) -> usize {
        let mut level = vec![id];
        let mut height = 0;
        while !level.is_empty() && height <= self.parents.len() {
            height += 1;
            level = level
                .iter()
                .flat_map(|node| self.children.get(node).into_iter().flatten().copied())
                .collect();
        }
        height
    }
}

pub(super) fn check_translation(
    field: &str,
    raw: Option<&BTreeMap<String, String>>,
    organization: &Organization,
    max_chars: usize,
    errors: &mut FieldErrors,
) -> Option<TranslatedText> {
    let Some(raw) = raw else {
        errors.push(FieldError::new(
            field,
            FieldCode::Required,
            "This field is required.",
        ));
        return None;
    };
    match TranslatedText::parse(
        field,
        raw,
        &organization.available_locales,
        &organization.default_locale,
        max_chars,
    ) {
        Ok(text) => Some(text),
        Err(problems) => {
            for problem in problems {
                errors.push(problem);
            }
            None
        }
    }
}

fn taken_or(error: sea_orm::DbErr, index: &store::UniqueIndex, field: &'static str) -> AppError {
    if index.violated_by(&error) {
        AppError::AlreadyTaken { field }
    } else {
        error.into()
    }
}

fn scope_json(scope: &scopes::Model) -> serde_json::Value {
    serde_json::json!({ "code": scope.code, "kind": scope.kind, "name": scope.name, "parent_id": scope.parent_id, "position": scope.position })
}

/// A phase as use cases hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    /// Its place in the process, from 0.
    pub position: u32,
    pub title: BTreeMap<String, String>,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    /// What it opens.
    pub features: Vec<Feature>,
}

/// A process as use cases hand it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub id: ProcessId,
    pub slug: String,
    pub title: BTreeMap<String, String>,
    pub description: BTreeMap<String, String>,
    /// The scope it covers; `None`: the whole organization.
    pub scope_id: Option<ScopeId>,
    /// A phase an admin pinned as active regardless of dates.
    pub pinned_phase: Option<u32>,
    /// How it runs its proposals.
    pub proposal_settings: ProposalSettings,
}

/// Reads a process's stored proposal settings (`None`: the defaults); an object the server
/// cannot read is a failure, not a default.
fn stored_settings(raw: Option<&serde_json::Value>) -> AppResult<ProposalSettings> {
    raw.map(|value| {
        serde_json::from_value(value.clone())
            .map_err(|e| AppError::internal(format!("unreadable proposal settings: {e}")))
    })
    .transpose()
    .map(Option::unwrap_or_default)
}

/// The settings after an admin's `change`, or its field errors (named `proposal_settings.*`).
fn changed_settings(
    current: ProposalSettings,
    change: SettingsChange,
    errors: &mut FieldErrors,
) -> AppResult<ProposalSettings> {
    match current.apply(change) {
        Ok(next) => Ok(next),
        Err(DomainError::Invalid(problems)) => {
            for mut problem in problems {
                problem.field = format!("proposal_settings.{}", problem.field);
                errors.push(problem);
            }
            Ok(current)
        }
        Err(other) => Err(other.into()),
    }
}

/// A process with its phases in order.
#[derive(Debug, Clone)]
pub struct ProcessView {
    pub process: Process,
    pub phases: Vec<Phase>,
    /// The index (in `phases`) of the active phase at the time of reading.
    pub active_phase: Option<usize>,
}

/// A process with its phases as stored, read by the use cases of this module.
#[derive(Debug, Clone)]
struct Loaded {
    process: processes::Model,
    phases: Vec<phases::Model>,
    active_phase: Option<usize>,
}

impl TryFrom<Loaded> for ProcessView {
    type Error = AppError;

    /// Reads stored values; one the server cannot read is a failure, never a default.
    fn try_from(loaded: Loaded) -> AppResult<ProcessView> {
        let unreadable = |what: &str| {
            AppError::internal(format!("process {}: unreadable {what}", loaded.process.id))
        };
        let phases = loaded
            .phases
            .iter()
            .map(|row| {
                Ok(Phase {
                    position: u32::try_from(row.position).map_err(|_| unreadable("position"))?,
                    title: stored_texts(&row.title, "phase title")?,
                    starts_at: row.starts_at,
                    ends_at: row.ends_at,
                    features: window(row).features,
                })
            })
            .collect::<AppResult<Vec<Phase>>>()?;
        let process = &loaded.process;
        Ok(ProcessView {
            process: Process {
                id: ProcessId::from(process.id),
                slug: process.slug.clone(),
                title: stored_texts(&process.title, "process title")?,
                description: stored_texts(&process.description, "process description")?,
                scope_id: process.scope_id.map(ScopeId::from),
                pinned_phase: process
                    .pinned_phase
                    .map(|pin| u32::try_from(pin).map_err(|_| unreadable("pinned_phase")))
                    .transpose()?,
                proposal_settings: stored_settings(process.proposal_settings.as_ref())?,
            },
            phases,
            active_phase: loaded.active_phase,
        })
    }
}

fn window(phase: &phases::Model) -> PhaseWindow {
    let features = [
        (phase.proposals_creation, Feature::ProposalsCreation),
        (phase.supports, Feature::Supports),
        (phase.debates, Feature::Debates),
        (phase.comments, Feature::Comments),
        (phase.budget_voting, Feature::BudgetVoting),
        (phase.results_published, Feature::ResultsPublished),
    ]
    .into_iter()
    .filter_map(|(on, feature)| on.then_some(feature))
    .collect();
    PhaseWindow {
        starts_at: to_timestamp(phase.starts_at),
        ends_at: to_timestamp(phase.ends_at),
        features,
    }
}

fn view(process: processes::Model, phases: Vec<phases::Model>, now: OffsetDateTime) -> Loaded {
    let windows: Vec<PhaseWindow> = phases.iter().map(window).collect();
    let pinned = process.pinned_phase.and_then(|p| usize::try_from(p).ok());
    let active_phase = rules::active_phase(&windows, pinned, to_timestamp(now));
    Loaded {
        process,
        phases,
        active_phase,
    }
}

/// The orders of the process list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessSort {
    /// Creation order (the default).
    Oldest,
    /// The newest first.
    Newest,
}

impl ProcessSort {
    /// The name clients use, and that a cursor records.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessSort::Oldest => "oldest",
            ProcessSort::Newest => "newest",
        }
    }
}

/// What the process list is filtered by.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessFilter {
    /// Only the processes of this scope.
    pub scope_id: Option<ScopeId>,
}

/// A page of the organization's processes.
pub async fn list_processes(
    state: &AppState,
    organization: &Organization,
    filter: ProcessFilter,
    request: PageRequest<ProcessSort>,
) -> AppResult<Page<ProcessView>> {
    let rows = store::orgs::processes_page(
        &state.db,
        organization.id,
        filter.scope_id,
        request.sort == ProcessSort::Newest,
        (request.after.map(|position| position.id)).map(ProcessId::from),
        request.limit + 1,
    )
    .await?;
    let page = Page::from_rows(rows, request.limit, |row| Position {
        key: None,
        id: row.id,
    });
    let ids: Vec<ProcessId> = page
        .items
        .iter()
        .map(|row| ProcessId::from(row.id))
        .collect();
    let mut phases_by_process: HashMap<Uuid, Vec<phases::Model>> = HashMap::new();
    for phase in store::orgs::phases_of(&state.db, &ids).await? {
        phases_by_process
            .entry(phase.process_id)
            .or_default()
            .push(phase);
    }
    let now = state.now();
    let views = page
        .items
        .into_iter()
        .map(|process| {
            let phases = phases_by_process.remove(&process.id).unwrap_or_default();
            ProcessView::try_from(view(process, phases, now))
        })
        .collect::<AppResult<Vec<ProcessView>>>()?;
    Ok(Page {
        items: views,
        next: page.next,
    })
}

/// One process by slug.
pub async fn get_process(
    state: &AppState,
    organization: &Organization,
    slug: &str,
) -> AppResult<ProcessView> {
    process_in(&state.db, organization, ProcessRef::Slug(slug), state.now()).await
}

/// A process, by slug or by id, read through `db` (a use case's transaction) at `now`.
pub async fn process_in(
    db: &impl sea_orm::ConnectionTrait,
    organization: &Organization,
    process: ProcessRef<'_>,
    now: OffsetDateTime,
) -> AppResult<ProcessView> {
    let (row, phases) = store::orgs::process_with_phases(db, organization.id, process)
        .await?
        .ok_or(AppError::NotFound)?;
    process_view(row, phases, now)
}

/// The process `row` with its `phases` (in order) as read at `now`.
pub fn process_view(
    row: processes::Model,
    phases: Vec<phases::Model>,
    now: OffsetDateTime,
) -> AppResult<ProcessView> {
    ProcessView::try_from(view(row, phases, now))
}

/// Every scope of the organization with its parent: what "inside a scope" is decided on.
pub async fn scope_parents(
    db: &impl sea_orm::ConnectionTrait,
    organization: &Organization,
) -> AppResult<HashMap<Uuid, Option<Uuid>>> {
    Ok(store::orgs::scopes_of(db, organization.id)
        .await?
        .into_iter()
        .map(|scope| (scope.id, scope.parent_id))
        .collect())
}

/// `root` and every scope inside it: what a list filtered by a scope keeps (a district's
/// items include its neighbourhoods').
pub async fn scope_and_inside(
    db: &impl sea_orm::ConnectionTrait,
    organization: &Organization,
    root: ScopeId,
) -> AppResult<Vec<ScopeId>> {
    let parents = scope_parents(db, organization).await?;
    Ok(plaza_domain::scopes::subtree(root.uuid(), &parents)
        .into_iter()
        .map(ScopeId::from)
        .collect())
}

pub use crate::store::orgs::ProcessRef;

impl ProcessView {
    /// The active phase (when the process was read) as the rules see it; `None` between or
    /// outside phases.
    pub fn active_window(&self) -> Option<PhaseWindow> {
        self.active_phase
            .and_then(|index| self.phases.get(index))
            .map(|phase| PhaseWindow {
                starts_at: to_timestamp(phase.starts_at),
                ends_at: to_timestamp(phase.ends_at),
                features: phase.features.clone(),
            })
    }

    /// When ballots of the process's budgets may be written, as its active phase says (when the
    /// process was read): a pinned voting phase is open whatever its dates (DESIGN §1).
    pub fn voting_window(&self) -> plaza_domain::budgets::VotingWindow {
        use plaza_domain::budgets::VotingWindow;
        let Some((index, phase)) = self
            .active_phase
            .and_then(|index| self.phases.get(index).map(|phase| (index, phase)))
        else {
            return VotingWindow::NoVotingPhase;
        };
        if !phase.features.contains(&Feature::BudgetVoting) {
            return VotingWindow::NoVotingPhase;
        }
        let pinned = self
            .process
            .pinned_phase
            .and_then(|pin| usize::try_from(pin).ok())
            == Some(index);
        if pinned {
            VotingWindow::Pinned
        } else {
            VotingWindow::Phase {
                starts_at: to_timestamp(phase.starts_at),
                ends_at: to_timestamp(phase.ends_at),
            }
        }
    }

    /// Whether a phase with budget voting has ended by `now`.
    pub fn voting_ended(&self, now: OffsetDateTime) -> bool {
        self.phases
            .iter()
            .any(|phase| phase.features.contains(&Feature::BudgetVoting) && phase.ends_at <= now)
    }

    /// Whether the active phase (when the process was read) opens `feature`: the one phase check
    /// of every participation rule ([`rules::require_open_in`]).
    pub fn require_open(&self, feature: Feature) -> Result<(), plaza_domain::DomainError> {
        rules::require_open_in(self.active_window().as_ref(), feature)
    }
}

/// One phase as an admin writes it.
#[derive(Debug, Clone)]
pub struct PhaseForm {
    pub title: BTreeMap<String, String>,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub features: Vec<Feature>,
}

/// What an admin sends to create or change a process. On change, `phases` (when given) replaces
/// the whole list; `pinned_phase` is a position in it (`Some(None)` unpins).
#[derive(Debug, Clone, Default)]
pub struct ProcessForm {
    pub slug: Option<String>,
    pub title: Option<BTreeMap<String, String>>,
    /// `Some(None)` (or an empty map) clears it.
    pub description: Option<Option<BTreeMap<String, String>>>,
    pub scope_id: Option<Option<ScopeId>>,
    pub phases: Option<Vec<PhaseForm>>,
    pub pinned_phase: Option<Option<u32>>,
    /// The proposal settings it names; the others stay as they are (defaults on creation).
    pub proposal_settings: Option<SettingsChange>,
}

fn phase_rows(
    process_id: ProcessId,
    forms: &[PhaseForm],
    organization: &Organization,
    errors: &mut FieldErrors,
) -> Vec<phases::Model> {
    // Phases are stored to the second: a fraction is refused rather than cut off after the
    // windows were checked (two windows overlapping by half a second would be stored touching).
    for (index, form) in forms.iter().enumerate() {
        for (field, at) in [("starts_at", form.starts_at), ("ends_at", form.ends_at)] {
            if at.nanosecond() != 0 {
                errors.push(FieldError::new(
                    format!("phases.{index}.{field}"),
                    FieldCode::WholeSeconds,
                    "Give phase times in whole seconds.",
                ));
            }
        }
    }
    let windows: Vec<PhaseWindow> = forms
        .iter()
        .map(|form| PhaseWindow {
            starts_at: to_timestamp(form.starts_at),
            ends_at: to_timestamp(form.ends_at),
            features: form.features.clone(),
        })
        .collect();
    if let Err(problems) = rules::validate_phases(&windows) {
        for problem in problems {
            errors.push(problem);
        }
    }
    forms
        .iter()
        .enumerate()
        .filter_map(|(index, form)| {
            let title = check_translation(
                &format!("phases.{index}.title"),
                Some(&form.title),
                organization,
                MAX_TITLE_LENGTH,
                errors,
            )?;
            let title = serde_json::to_value(title.as_map()).unwrap_or_default();
            Some(phase_row(
                process_id,
                index,
                title,
                form.starts_at,
                form.ends_at,
                &form.features,
            ))
        })
        .collect()
}

/// The stored row of a process's phase at `position` (the inverse of [`window`]); times are
/// stored in UTC to the second (SQLite compares them as text).
pub(crate) fn phase_row(
    process_id: ProcessId,
    position: usize,
    title: serde_json::Value,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    features: &[Feature],
) -> phases::Model {
    let has = |feature: Feature| features.contains(&feature);
    phases::Model {
        id: Uuid::now_v7(),
        process_id: process_id.uuid(),
        position: i32::try_from(position).unwrap_or(i32::MAX),
        title,
        starts_at: crate::clock::storable(starts_at),
        ends_at: crate::clock::storable(ends_at),
        proposals_creation: has(Feature::ProposalsCreation),
        supports: has(Feature::Supports),
        debates: has(Feature::Debates),
        comments: has(Feature::Comments),
        budget_voting: has(Feature::BudgetVoting),
        results_published: has(Feature::ResultsPublished),
    }
}

async fn check_scope(
    db: &impl sea_orm::ConnectionTrait,
    organization: &Organization,
    scope_id: Option<ScopeId>,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if let Some(scope_id) = scope_id
        && store::orgs::scope(db, organization.id, scope_id)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "scope_id",
            FieldCode::NotFound,
            "No scope has this id.",
        ));
    }
    Ok(())
}

/// A process's description: absent, `null` or `{}` is no description (on create and on
/// change alike); otherwise a translation like any other.
pub(super) fn description_of(
    raw: Option<&BTreeMap<String, String>>,
    organization: &Organization,
    errors: &mut FieldErrors,
) -> Option<TranslatedText> {
    match raw {
        Some(raw) if !raw.is_empty() => check_translation(
            "description",
            Some(raw),
            organization,
            MAX_DESCRIPTION_LENGTH,
            errors,
        ),
        _ => Some(TranslatedText::from_stored(BTreeMap::new())),
    }
}

fn check_pin(pinned: Option<u32>, phase_count: usize, errors: &mut FieldErrors) {
    errors.take(rules::check_pinned_phase(
        "pinned_phase",
        pinned,
        phase_count,
    ));
}

/// Creates a process with its phases (admins only).
pub async fn create_process(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    form: ProcessForm,
) -> AppResult<ProcessView> {
    authorize(&actor.roles, Permission::ManageProcesses)?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let now = work.now();
    let id = Uuid::now_v7();
    let mut errors = FieldErrors::new();
    let slug = match &form.slug {
        Some(raw) => errors.take(Slug::parse("slug", raw)),
        None => errors.take(Err(FieldError::new(
            "slug",
            FieldCode::Required,
            "A process needs a slug.",
        ))),
    };
    let title = check_translation(
        "title",
        form.title.as_ref(),
        organization,
        MAX_TITLE_LENGTH,
        &mut errors,
    );
    let description = description_of(
        form.description.as_ref().and_then(Option::as_ref),
        organization,
        &mut errors,
    );
    let scope_id = form.scope_id.flatten();
    check_scope(work.db(), organization, scope_id, &mut errors).await?;
    let phase_forms = form.phases.clone().unwrap_or_default();
    let phases = phase_rows(ProcessId::from(id), &phase_forms, organization, &mut errors);
    let pinned = form.pinned_phase.flatten();
    check_pin(pinned, phase_forms.len(), &mut errors);
    let settings = match form.proposal_settings {
        Some(change) => changed_settings(ProposalSettings::default(), change, &mut errors)?,
        None => ProposalSettings::default(),
    };
    errors.finish()?;
    let (Some(slug), Some(title), Some(description)) = (slug, title, description) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let process = processes::Model {
        id,
        organization_id: organization.id.uuid(),
        slug: slug.as_str().to_string(),
        title: serde_json::to_value(title.as_map()).map_err(AppError::internal)?,
        description: serde_json::to_value(description.as_map()).map_err(AppError::internal)?,
        scope_id: scope_id.map(ScopeId::uuid),
        pinned_phase: pinned.map(|p| i32::try_from(p).unwrap_or(i32::MAX)),
        created_at: now,
        updated_at: now,
        proposal_settings: Some(serde_json::to_value(settings).map_err(AppError::internal)?),
    };
    let saved = store::orgs::insert_process(work.db(), process)
        .await
        .map_err(|error| taken_or(error, &store::orgs::UX_PROCESS_SLUG, "slug"))?;
    store::orgs::replace_phases(work.db(), ProcessId::from(saved.id), phases.clone()).await?;
    work.audit(
        AuditAction::ProcessCreate,
        saved.id,
        None,
        Some(process_json(&saved, &phases)),
    )
    .await?;
    work.commit().await?;
    ProcessView::try_from(view(saved, phases, now))
}

/// Changes a process (admins only), if `precondition` holds of it as it is.
pub async fn update_process(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    slug: &str,
    form: ProcessForm,
    precondition: impl FnOnce(&ProcessView) -> bool + Send,
) -> AppResult<ProcessView> {
    authorize(&actor.roles, Permission::ManageProcesses)?;
    // Read inside the transaction (locked on PostgreSQL), so that the audit's "before" is what
    // this change replaced and concurrent edits apply one after the other.
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let now = work.now();
    let before_process = store::orgs::process_by_slug_for_update(work.db(), organization.id, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let before_phases =
        store::orgs::phases_of(work.db(), &[ProcessId::from(before_process.id)]).await?;
    let before = view(before_process, before_phases, now);
    if !precondition(&ProcessView::try_from(before.clone())?) {
        return Err(AppError::PreconditionFailed);
    }
    let mut process = before.process.clone();
    let mut errors = FieldErrors::new();
    if let Some(raw) = &form.slug
        && let Some(slug) = errors.take(Slug::parse("slug", raw))
    {
        process.slug = slug.as_str().to_string();
    }
    if form.title.is_some()
        && let Some(title) = check_translation(
            "title",
            form.title.as_ref(),
            organization,
            MAX_TITLE_LENGTH,
            &mut errors,
        )
    {
        process.title = serde_json::to_value(title.as_map()).map_err(AppError::internal)?;
    }
    if let Some(raw) = &form.description
        && let Some(description) = description_of(raw.as_ref(), organization, &mut errors)
    {
        process.description =
            serde_json::to_value(description.as_map()).map_err(AppError::internal)?;
    }
    if let Some(scope_id) = form.scope_id {
        check_scope(work.db(), organization, scope_id, &mut errors).await?;
        process.scope_id = scope_id.map(ScopeId::uuid);
    }
    if let Some(change) = form.proposal_settings {
        let current = stored_settings(process.proposal_settings.as_ref())?;
        let next = changed_settings(current, change, &mut errors)?;
        process.proposal_settings = Some(serde_json::to_value(next).map_err(AppError::internal)?);
    }
    let new_phases = form.phases.as_ref().map(|forms| {
        phase_rows(
            ProcessId::from(process.id),
            forms,
            organization,
            &mut errors,
        )
    });
    let phase_count = new_phases.as_ref().map_or(before.phases.len(), Vec::len);
    let pinned = match form.pinned_phase {
        Some(pin) => {
            check_pin(pin, phase_count, &mut errors);
            pin
        }
        None => {
            let kept = process.pinned_phase.and_then(|p| u32::try_from(p).ok());
            // The pin is a position in the list the client replaces: say so on `phases`, the
            // field it sent, rather than on a `pinned_phase` it did not send.
            if new_phases.is_some() && kept.is_some_and(|pin| pin as usize >= phase_count) {
                errors.push(FieldError::new(
                    "phases",
                    FieldCode::PinnedPhaseRemoved,
                    "The process is pinned to a phase these phases no longer have: send \
                     pinned_phase with them (null to unpin).",
                ));
            }
            kept
        }
    };
    process.pinned_phase = pinned.map(|p| i32::try_from(p).unwrap_or(i32::MAX));
    errors.finish()?;
    process.updated_at = now;

    let saved = store::orgs::update_process(work.db(), process)
        .await
        .map_err(|error| taken_or(error, &store::orgs::UX_PROCESS_SLUG, "slug"))?;
    let phases = match new_phases {
        Some(rows) => {
            store::orgs::replace_phases(work.db(), ProcessId::from(saved.id), rows.clone()).await?;
            rows
        }
        None => before.phases.clone(),
    };
    work.audit(
        AuditAction::ProcessUpdate,
        saved.id,
        Some(process_json(&before.process, &before.phases)),
        Some(process_json(&saved, &phases)),
    )
    .await?;
    work.commit().await?;
    ProcessView::try_from(view(saved, phases, now))
}

fn process_json(process: &processes::Model, phases: &[phases::Model]) -> serde_json::Value {
    serde_json::json!({
        "slug": process.slug,
        "title": process.title,
        "description": process.description,
        "scope_id": process.scope_id,
        "pinned_phase": process.pinned_phase,
        "proposal_settings": process.proposal_settings,
        "phases": phases.iter().map(|p| serde_json::json!({
            "title": p.title,
            "starts_at": p.starts_at.unix_timestamp(),
            "ends_at": p.ends_at.unix_timestamp(),
            "features": window(p).features.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
