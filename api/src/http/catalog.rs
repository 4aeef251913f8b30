//! `/scopes` and `/processes`: the organization's territory and its participatory processes.
//!
//! An admin's change of a scope or a process may name the version it was made on in `If-Match`
//! (the `ETag` of its read): the change applies only to that version, else 412
//! (`caching::IfMatch`).

use super::ApiTags;
use super::body::JsonBody;
use super::caching::IfMatch;
use super::common::Page;
use super::problem::{Problem, answers};
use super::security::{BearerAuth, Locale, State, Tenant};
use crate::app::catalog::{
    self, PhaseForm, ProcessFilter, ProcessForm, Scope, ScopeForm, ScopeNode,
};
use crate::app::paging::{self, PageRequest};
use crate::app::tenancy::Organization;
use plaza_domain::ScopeId;
use plaza_domain::i18n::TranslatedText;
use plaza_domain::processes::Feature;
use plaza_domain::proposals::settings::{ProposalSettings, SettingsChange};
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Texts by locale, e.g. `{"ca": "Gràcia", "es": "Gracia"}`.
pub type Translations = BTreeMap<String, String>;

pub(super) fn render(
    map: &Translations,
    organization: &Organization,
    locale: &str,
) -> (Translations, String) {
    let text = TranslatedText::from_stored(map.clone())
        .render(locale, &organization.default_locale)
        .to_string();
    (map.clone(), text)
}

/// What a scope is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    City,
    District,
    Neighbourhood,
    Other,
}

impl From<ScopeKind> for plaza_domain::scopes::ScopeKind {
    fn from(kind: ScopeKind) -> Self {
        match kind {
            ScopeKind::City => Self::City,
            ScopeKind::District => Self::District,
            ScopeKind::Neighbourhood => Self::Neighbourhood,
            ScopeKind::Other => Self::Other,
        }
    }
}

impl From<plaza_domain::scopes::ScopeKind> for ScopeKind {
    fn from(kind: plaza_domain::scopes::ScopeKind) -> ScopeKind {
        use plaza_domain::scopes::ScopeKind as Kind;
        match kind {
            Kind::City => ScopeKind::City,
            Kind::District => ScopeKind::District,
            Kind::Neighbourhood => ScopeKind::Neighbourhood,
            Kind::Other => ScopeKind::Other,
        }
    }
}

/// A scope, without its children.
#[derive(Debug, Clone, Object)]
pub struct ScopeRef {
    pub id: Uuid,
    /// The organization's code for the scope (census files use it).
    pub code: String,
    pub kind: ScopeKind,
    pub name: Translations,
    /// `name` in the request's locale.
    pub name_text: String,
}

impl ScopeRef {
    pub fn new(scope: &Scope, organization: &Organization, locale: &str) -> ScopeRef {
        let (name, name_text) = render(&scope.name, organization, locale);
        ScopeRef {
            id: scope.id.uuid(),
            code: scope.code.clone(),
            kind: scope.kind.into(),
            name,
            name_text,
        }
    }
}

/// A scope, with its place in the tree.
#[derive(Debug, Clone, Object)]
pub struct ScopeView {
    pub id: Uuid,
    /// The organization's code for the scope (census files use it).
    pub code: String,
    pub kind: ScopeKind,
    pub name: Translations,
    /// `name` in the request's locale.
    pub name_text: String,
    /// The scope it belongs to; `null` for a root.
    #[oai(nullable)]
    pub parent_id: Option<Uuid>,
    /// Order among siblings.
    pub position: i32,
}

impl ScopeView {
    pub fn new(scope: &Scope, organization: &Organization, locale: &str) -> ScopeView {
        let (name, name_text) = render(&scope.name, organization, locale);
        ScopeView {
            id: scope.id.uuid(),
            code: scope.code.clone(),
            kind: scope.kind.into(),
            name,
            name_text,
            parent_id: scope.parent_id.map(ScopeId::uuid),
            position: scope.position,
        }
    }
}

/// A scope with its sub-scopes.
#[derive(Debug, Clone, Object)]
pub struct ScopeTree {
    pub id: Uuid,
    pub code: String,
    pub kind: ScopeKind,
    pub name: Translations,
    pub name_text: String,
    #[oai(nullable)]
    pub parent_id: Option<Uuid>,
    /// Order among siblings.
    pub position: i32,
    pub children: Vec<ScopeTree>,
}

fn tree(node: ScopeNode, organization: &Organization, locale: &str) -> ScopeTree {
    let (name, name_text) = render(&node.scope.name, organization, locale);
    ScopeTree {
        id: node.scope.id.uuid(),
        code: node.scope.code,
        kind: node.scope.kind.into(),
        name,
        name_text,
        parent_id: node.scope.parent_id.map(ScopeId::uuid),
        position: node.scope.position,
        children: node
            .children
            .into_iter()
            .map(|child| tree(child, organization, locale))
            .collect(),
    }
}

/// A new scope.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateScopeBody {
    /// Letters, digits, `-` or `_`, unique in the organization. Spaces at either end are
    /// removed (the maximum length counts them) and letters uppercased: `b31` is `B31`.
    pub code: String,
    pub kind: ScopeKind,
    /// The name in each of the organization's locales (its default one required). Each text is
    /// trimmed (its maximum length counts the text as sent).
    pub name: Translations,
    /// The scope this one belongs to; a root when absent.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub parent_id: Option<Uuid>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub position: Option<i32>,
}

/// Changes to a scope; absent fields are left as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateScopeBody {
    /// As on creation: trimmed and uppercased.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub kind: Option<ScopeKind>,
    /// Replaces every name, as on creation.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub name: Option<Translations>,
    /// Moves the scope under another one (not under itself or its descendants); `null` makes it
    /// a root.
    #[serde(default)]
    #[oai(nullable)]
    pub parent_id: MaybeUndefined<Uuid>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub position: Option<i32>,
}

/// A scope was created.
#[derive(ApiResponse)]
pub enum ScopeCreated {
    /// Created; `Location` is the new scope's path.
    #[oai(status = 201)]
    Created(Json<ScopeView>, #[oai(header = "Location")] String),
}

pub struct ScopesApi;

#[OpenApi(prefix_path = "/scopes", tag = "ApiTags::Scopes")]
impl ScopesApi {
    /// List the scopes as a tree
    ///
    /// The organization's territory: roots (usually the city) with their districts and
    /// neighbourhoods, each level in order.
    #[oai(path = "/", method = "get", operation_id = "list_scopes")]
    async fn list(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
    ) -> Result<Json<Vec<ScopeTree>>, Problem<0>> {
        let forest = catalog::scope_tree(&state, &organization).await?;
        Ok(Json(
            forest
                .into_iter()
                .map(|node| tree(node, &organization, &locale))
                .collect(),
        ))
    }

    /// Read a scope
    ///
    /// One scope with its place in the tree. Its `ETag` names this version of it, for a change
    /// with `If-Match`.
    #[oai(path = "/:id", method = "get", operation_id = "get_scope")]
    async fn get(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        /// The scope's id.
        id: Path<Uuid>,
    ) -> Result<Json<ScopeView>, Problem<0>> {
        let scope = catalog::get_scope(&state, &organization, ScopeId::from(id.0)).await?;
        Ok(Json(ScopeView::new(&scope, &organization, &locale)))
    }

    /// Create a scope
    #[oai(path = "/", method = "post", operation_id = "create_scope")]
    async fn create(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        body: JsonBody<CreateScopeBody>,
    ) -> Result<
        ScopeCreated,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let scope = catalog::create_scope(
            &state,
            &organization,
            &auth.0,
            ScopeForm {
                code: Some(form.code),
                kind: Some(form.kind.into()),
                name: Some(form.name),
                parent_id: Some(form.parent_id.map(ScopeId::from)),
                position: form.position,
            },
        )
        .await?;
        let location = format!("/api/v1/scopes/{}", scope.id);
        Ok(ScopeCreated::Created(
            Json(ScopeView::new(&scope, &organization, &locale)),
            location,
        ))
    }

    /// Change a scope
    ///
    /// With `If-Match`, only if the scope is still the version read.
    #[oai(path = "/:id", method = "patch", operation_id = "update_scope")]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented parameter"
    )]
    async fn update(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        /// The scope's id.
        id: Path<Uuid>,
        /// The `ETag` of the version this change was made on (a read's, or the last change's):
        /// if the scope changed since, nothing is changed and the answer is 412. `*` stands for
        /// any version. Without it the change applies to whatever the scope is.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateScopeBody>,
    ) -> Result<
        Json<ScopeView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::CONFLICT
                    | answers::PRECONDITION_FAILED
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let if_match = IfMatch::parse(if_match.0.as_deref());
        let scope = catalog::update_scope(
            &state,
            &organization,
            &auth.0,
            ScopeId::from(id.0),
            ScopeForm {
                code: form.code,
                kind: form.kind.map(Into::into),
                name: form.name,
                parent_id: Option::from(form.parent_id)
                    .map(|parent: Option<Uuid>| parent.map(ScopeId::from)),
                position: form.position,
            },
            |current| {
                if_match.holds_in_any_locale(&organization, |locale| {
                    ScopeView::new(current, &organization, locale)
                })
            },
        )
        .await?;
        Ok(Json(ScopeView::new(&scope, &organization, &locale)))
    }
}

/// The features a phase opens.
#[derive(Debug, Clone, Default, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(default, deny_unknown_fields)]
pub struct Features {
    /// Participants may create proposals.
    #[oai(default)]
    pub proposals_creation: bool,
    /// Residents may support proposals.
    #[oai(default)]
    pub supports: bool,
    /// Participants may open debates.
    #[oai(default)]
    pub debates: bool,
    /// Participants may comment.
    #[oai(default)]
    pub comments: bool,
    /// Residents may vote in the budgets.
    #[oai(default)]
    pub budget_voting: bool,
    /// Budget results are public.
    #[oai(default)]
    pub results_published: bool,
}

impl Features {
    fn of(features: &[Feature]) -> Features {
        let has = |feature| features.contains(&feature);
        Features {
            proposals_creation: has(Feature::ProposalsCreation),
            supports: has(Feature::Supports),
            debates: has(Feature::Debates),
            comments: has(Feature::Comments),
            budget_voting: has(Feature::BudgetVoting),
            results_published: has(Feature::ResultsPublished),
        }
    }

    fn list(&self) -> Vec<Feature> {
        [
            (self.proposals_creation, Feature::ProposalsCreation),
            (self.supports, Feature::Supports),
            (self.debates, Feature::Debates),
            (self.comments, Feature::Comments),
            (self.budget_voting, Feature::BudgetVoting),
            (self.results_published, Feature::ResultsPublished),
        ]
        .into_iter()
        .filter_map(|(on, feature)| on.then_some(feature))
        .collect()
    }
}

/// A phase of a process.
#[derive(Debug, Object)]
pub struct PhaseView {
    /// The phase's place in the process, from 0.
    pub position: u32,
    pub title: Translations,
    pub title_text: String,
    /// When the phase opens (inclusive).
    pub starts_at: OffsetDateTime,
    /// When the phase closes (exclusive).
    pub ends_at: OffsetDateTime,
    pub features: Features,
    /// Whether this is the active phase now.
    pub active: bool,
}

/// A participatory process.
#[derive(Debug, Object)]
pub struct ProcessView {
    pub id: Uuid,
    pub slug: String,
    pub title: Translations,
    pub title_text: String,
    pub description: Translations,
    pub description_text: String,
    /// The scope the process covers, if not the whole organization.
    #[oai(nullable)]
    pub scope_id: Option<Uuid>,
    pub phases: Vec<PhaseView>,
    /// The position of the active phase: the pinned one, else the one whose window contains now.
    #[oai(nullable)]
    pub active_phase: Option<u32>,
    /// A phase an admin pinned as active regardless of dates.
    #[oai(nullable)]
    pub pinned_phase: Option<u32>,
    /// The features open now (all false between phases).
    pub active_features: Features,
    /// How the process runs its proposals.
    pub proposal_settings: ProposalSettingsView,
}

/// How a process runs its proposals (DESIGN §2.2). A limit of 0 means none.
#[derive(Debug, Object)]
pub struct ProposalSettingsView {
    /// Proposals (not withdrawn) one author may have in the process; 0: no limit.
    pub proposal_limit: u32,
    /// The most characters of a proposal body (at least 15).
    pub proposal_length: u32,
    /// Supports one participant may give in the process; 0: no limit.
    pub vote_limit: u32,
    /// Supports a participant must give before any of theirs counts; 0: each counts at once.
    pub minimum_votes_per_user: u32,
    /// Supports after which a proposal takes no more; 0: no threshold.
    pub threshold_per_proposal: u32,
    /// Whether a proposal past its threshold still takes supports.
    pub can_accumulate_supports_beyond_threshold: bool,
    /// Whether only residents verified against the census may support.
    pub supports_require_residency: bool,
    /// Whether an acceptance states a cost.
    pub answers_with_costs: bool,
    /// Whether an evaluator's answer is public at once (otherwise when published).
    pub publish_answers_immediately: bool,
    /// Seconds after publication during which an unsupported proposal is still editable.
    pub edit_window_seconds: u32,
}

impl From<ProposalSettings> for ProposalSettingsView {
    fn from(settings: ProposalSettings) -> ProposalSettingsView {
        ProposalSettingsView {
            proposal_limit: settings.proposal_limit,
            proposal_length: settings.proposal_length,
            vote_limit: settings.vote_limit,
            minimum_votes_per_user: settings.minimum_votes_per_user,
            threshold_per_proposal: settings.threshold_per_proposal,
            can_accumulate_supports_beyond_threshold: settings
                .can_accumulate_supports_beyond_threshold,
            supports_require_residency: settings.supports_require_residency,
            answers_with_costs: settings.answers_with_costs,
            publish_answers_immediately: settings.publish_answers_immediately,
            edit_window_seconds: settings.edit_window_seconds,
        }
    }
}

/// Proposal settings to change; absent ones stay as they are (the defaults, on creation).
/// Numbers out of their range (`proposal_length` 15..10,000, `edit_window_seconds` up to a
/// day, a `minimum_votes_per_user` above a non-zero `vote_limit`) are refused with 422 and the
/// field `proposal_settings.<name>`.
#[derive(Debug, Default, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ProposalSettingsBody {
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub proposal_limit: Option<u32>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub proposal_length: Option<u32>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub vote_limit: Option<u32>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub minimum_votes_per_user: Option<u32>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub threshold_per_proposal: Option<u32>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub can_accumulate_supports_beyond_threshold: Option<bool>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub supports_require_residency: Option<bool>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub answers_with_costs: Option<bool>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub publish_answers_immediately: Option<bool>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub edit_window_seconds: Option<u32>,
}

impl From<ProposalSettingsBody> for SettingsChange {
    fn from(body: ProposalSettingsBody) -> SettingsChange {
        SettingsChange {
            proposal_limit: body.proposal_limit.map(i64::from),
            proposal_length: body.proposal_length.map(i64::from),
            vote_limit: body.vote_limit.map(i64::from),
            minimum_votes_per_user: body.minimum_votes_per_user.map(i64::from),
            threshold_per_proposal: body.threshold_per_proposal.map(i64::from),
            can_accumulate_supports_beyond_threshold: body.can_accumulate_supports_beyond_threshold,
            supports_require_residency: body.supports_require_residency,
            answers_with_costs: body.answers_with_costs,
            publish_answers_immediately: body.publish_answers_immediately,
            edit_window_seconds: body.edit_window_seconds.map(i64::from),
        }
    }
}

fn process_view(
    view: catalog::ProcessView,
    organization: &Organization,
    locale: &str,
) -> ProcessView {
    let (title, title_text) = render(&view.process.title, organization, locale);
    let (description, description_text) = render(&view.process.description, organization, locale);
    let active_features = view
        .active_phase
        .and_then(|index| view.phases.get(index))
        .map(|phase| Features::of(&phase.features))
        .unwrap_or_default();
    let phases = view
        .phases
        .iter()
        .enumerate()
        .map(|(index, phase)| {
            let (title, title_text) = render(&phase.title, organization, locale);
            PhaseView {
                position: phase.position,
                title,
                title_text,
                starts_at: phase.starts_at,
                ends_at: phase.ends_at,
                features: Features::of(&phase.features),
                active: view.active_phase == Some(index),
            }
        })
        .collect();
    ProcessView {
        id: view.process.id.uuid(),
        slug: view.process.slug,
        title,
        title_text,
        description,
        description_text,
        scope_id: view.process.scope_id.map(ScopeId::uuid),
        phases,
        active_phase: view
            .active_phase
            .and_then(|index| u32::try_from(index).ok()),
        pinned_phase: view.process.pinned_phase,
        active_features,
        proposal_settings: view.process.proposal_settings.into(),
    }
}

/// A phase as an admin writes it.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct PhaseBody {
    /// Texts by locale, as a process's title.
    pub title: Translations,
    /// RFC 3339, e.g. `2026-10-01T00:00:00+02:00`.
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    /// RFC 3339; after `starts_at`, and no later than the next phase's start.
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// Features the phase opens; absent ones are closed.
    #[serde(default)]
    #[oai(default)]
    pub features: Features,
}

impl From<PhaseBody> for PhaseForm {
    fn from(body: PhaseBody) -> PhaseForm {
        PhaseForm {
            title: body.title,
            starts_at: body.starts_at,
            ends_at: body.ends_at,
            features: body.features.list(),
        }
    }
}

/// A new process.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateProcessBody {
    /// Lowercase letters and digits, in words joined by single hyphens; unique in the
    /// organization; used in URLs. Spaces at either end are removed (the maximum length counts
    /// them).
    pub slug: String,
    /// The title in each of the organization's locales (its default one required). Each text is
    /// trimmed (its maximum length counts the text as sent).
    pub title: Translations,
    /// Texts as for `title`; absent or `{}`: no description.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub description: Option<Translations>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub scope_id: Option<Uuid>,
    /// The phases in order; they may not overlap.
    #[serde(default)]
    #[oai(default)]
    pub phases: Vec<PhaseBody>,
    /// Pins a phase (by position) as active regardless of dates.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub pinned_phase: Option<u32>,
    /// How the process runs its proposals; absent settings take their defaults.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub proposal_settings: Option<ProposalSettingsBody>,
}

/// Changes to a process; absent fields are left as they are, `null` clears a field that may be
/// empty. `phases`, when given, replaces the whole list.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateProcessBody {
    /// As on creation.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub slug: Option<String>,
    /// Replaces every title, as on creation.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub title: Option<Translations>,
    /// `null` or `{}` clears the description.
    #[serde(default)]
    #[oai(nullable)]
    pub description: MaybeUndefined<Translations>,
    /// `null` makes the process city-wide (no scope).
    #[serde(default)]
    #[oai(nullable)]
    pub scope_id: MaybeUndefined<Uuid>,
    /// Replaces every phase. When the process is pinned, send `pinned_phase` with them (the pin
    /// is a position in the list).
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub phases: Option<Vec<PhaseBody>>,
    /// Pins a phase by position; `null` removes the pin, so the calendar decides again.
    #[serde(default)]
    #[oai(nullable)]
    pub pinned_phase: MaybeUndefined<u32>,
    /// Changes the proposal settings it names; the others stay as they are.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub proposal_settings: Option<ProposalSettingsBody>,
}

/// A process was created.
#[derive(ApiResponse)]
pub enum ProcessCreated {
    /// Created; `Location` is the new process's path.
    #[oai(status = 201)]
    Created(Json<ProcessView>, #[oai(header = "Location")] String),
}

/// The orders of the process list.
#[derive(Debug, Clone, Copy, Default, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProcessSort {
    /// Creation order.
    #[default]
    Oldest,
    /// The newest first.
    Newest,
}

impl From<ProcessSort> for catalog::ProcessSort {
    fn from(sort: ProcessSort) -> catalog::ProcessSort {
        match sort {
            ProcessSort::Oldest => catalog::ProcessSort::Oldest,
            ProcessSort::Newest => catalog::ProcessSort::Newest,
        }
    }
}

pub struct ProcessesApi;

#[OpenApi(prefix_path = "/processes", tag = "ApiTags::Processes")]
impl ProcessesApi {
    /// List processes
    ///
    /// The organization's processes, with their phases and the features open now, a page at a
    /// time (pass `next_cursor` back as `cursor`, with the same `sort` and filters).
    #[oai(path = "/", method = "get", operation_id = "list_processes")]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented query parameter"
    )]
    async fn list(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        /// The order: `oldest` (creation order, the default) or `newest`.
        #[oai(default)]
        sort: Query<ProcessSort>,
        /// Only the processes of this scope.
        scope_id: Query<Option<Uuid>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1 to 100.
        #[oai(
            default = "super::common::default_page_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
    ) -> Result<Json<Page<ProcessView>>, Problem<{ answers::BAD_REQUEST }>> {
        let sort = catalog::ProcessSort::from(sort.0);
        let after = paging::after(cursor.0.as_deref(), sort.as_str())?;
        let page = catalog::list_processes(
            &state,
            &organization,
            ProcessFilter {
                scope_id: scope_id.0.map(ScopeId::from),
            },
            PageRequest {
                sort,
                limit: limit.0,
                after,
            },
        )
        .await?;
        Ok(Json(Page::of(page, sort.as_str(), |view| {
            process_view(view, &organization, &locale)
        })))
    }

    /// Read a process
    #[oai(path = "/:slug", method = "get", operation_id = "get_process")]
    async fn get(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        /// The process's slug.
        slug: Path<String>,
    ) -> Result<Json<ProcessView>, Problem<0>> {
        let view = catalog::get_process(&state, &organization, &slug.0).await?;
        Ok(Json(process_view(view, &organization, &locale)))
    }

    /// Create a process
    #[oai(path = "/", method = "post", operation_id = "create_process")]
    async fn create(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        body: JsonBody<CreateProcessBody>,
    ) -> Result<
        ProcessCreated,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let view = catalog::create_process(
            &state,
            &organization,
            &auth.0,
            ProcessForm {
                slug: Some(form.slug),
                title: Some(form.title),
                description: Some(form.description),
                scope_id: Some(form.scope_id.map(ScopeId::from)),
                phases: Some(form.phases.into_iter().map(PhaseForm::from).collect()),
                pinned_phase: Some(form.pinned_phase),
                proposal_settings: form.proposal_settings.map(SettingsChange::from),
            },
        )
        .await?;
        let body = process_view(view, &organization, &locale);
        let location = format!("/api/v1/processes/{}", body.slug);
        Ok(ProcessCreated::Created(Json(body), location))
    }

    /// Change a process
    ///
    /// With `If-Match`, only if the process is still the version read.
    #[oai(path = "/:slug", method = "patch", operation_id = "update_process")]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented parameter"
    )]
    async fn update(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        Locale(locale): Locale,
        auth: BearerAuth,
        /// The process's slug.
        slug: Path<String>,
        /// The `ETag` of the version this change was made on (a read's, or the last change's):
        /// if the process changed since (its active phase too, as time passes), nothing is
        /// changed and the answer is 412. `*` stands for any version. Without it the change
        /// applies to whatever the process is.
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        body: JsonBody<UpdateProcessBody>,
    ) -> Result<
        Json<ProcessView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN
                    | answers::CONFLICT
                    | answers::PRECONDITION_FAILED
                    | answers::UNPROCESSABLE
                    | answers::TOO_MANY_REQUESTS
            },
        >,
    > {
        let form = body.0;
        let if_match = IfMatch::parse(if_match.0.as_deref());
        let view = catalog::update_process(
            &state,
            &organization,
            &auth.0,
            &slug.0,
            ProcessForm {
                slug: form.slug,
                title: form.title,
                description: form.description.into(),
                scope_id: Option::from(form.scope_id)
                    .map(|scope: Option<Uuid>| scope.map(ScopeId::from)),
                phases: form
                    .phases
                    .map(|phases| phases.into_iter().map(PhaseForm::from).collect()),
                pinned_phase: form.pinned_phase.into(),
                proposal_settings: form.proposal_settings.map(SettingsChange::from),
            },
            |current| {
                if_match.holds_in_any_locale(&organization, |locale| {
                    process_view(current.clone(), &organization, locale)
                })
            },
        )
        .await?;
        Ok(Json(process_view(view, &organization, &locale)))
    }
}
