//! HTTP for proposals and their supports (DESIGN §3 paths).
//!
//! Handlers translate between JSON and `app::proposals` / `app::supports`. Reads are open to
//! anyone; a signed-in reader's answers also say what they may do with each proposal
//! (`supported_by_me`, `can_support`, `can_edit`, `can_withdraw`, `can_answer`), decided by the
//! same rules as the writes, so that a frontend shows a button exactly when pressing it would
//! work.

use super::ApiTags;
use super::body::JsonBody;
use super::common::Page;
use super::problem::{Problem, answers};
use super::security::{BearerAuth, MaybeSignedIn, State, Tenant};
use crate::app::answers::{self as evaluation, AnswerRequest};
use crate::app::paging::{self, PageRequest};
use crate::app::proposals::{
    self, ProposalChange, ProposalFilter, ProposalForm, ProposalSort, Shown,
};
use crate::app::supports;
use plaza_domain::proposals::{AnswerState, ProposalState};
use plaza_domain::{CategoryId, Cents, ProposalId, ScopeId};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::{Json, PlainText};
use poem_openapi::types::MaybeUndefined;
use poem_openapi::{ApiResponse, Enum, Object, OpenApi};
use serde::Deserialize;
use std::collections::BTreeMap;
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a proposal is in its life: `draft` (its author's alone) → `published` →
/// `evaluating` | `accepted` | `rejected` (an evaluator's published answer), or `withdrawn` by
/// its author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProposalStateName {
    Draft,
    Published,
    Evaluating,
    Accepted,
    Rejected,
    Withdrawn,
}

impl From<ProposalState> for ProposalStateName {
    fn from(state: ProposalState) -> ProposalStateName {
        match state {
            ProposalState::Draft => ProposalStateName::Draft,
            ProposalState::Published => ProposalStateName::Published,
            ProposalState::Evaluating => ProposalStateName::Evaluating,
            ProposalState::Accepted => ProposalStateName::Accepted,
            ProposalState::Rejected => ProposalStateName::Rejected,
            ProposalState::Withdrawn => ProposalStateName::Withdrawn,
        }
    }
}

impl From<ProposalStateName> for ProposalState {
    fn from(state: ProposalStateName) -> ProposalState {
        match state {
            ProposalStateName::Draft => ProposalState::Draft,
            ProposalStateName::Published => ProposalState::Published,
            ProposalStateName::Evaluating => ProposalState::Evaluating,
            ProposalStateName::Accepted => ProposalState::Accepted,
            ProposalStateName::Rejected => ProposalState::Rejected,
            ProposalStateName::Withdrawn => ProposalState::Withdrawn,
        }
    }
}

/// An evaluator's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AnswerStateName {
    Evaluating,
    Accepted,
    Rejected,
}

impl From<AnswerStateName> for AnswerState {
    fn from(state: AnswerStateName) -> AnswerState {
        match state {
            AnswerStateName::Evaluating => AnswerState::Evaluating,
            AnswerStateName::Accepted => AnswerState::Accepted,
            AnswerStateName::Rejected => AnswerState::Rejected,
        }
    }
}

impl From<AnswerState> for AnswerStateName {
    fn from(state: AnswerState) -> AnswerStateName {
        match state {
            AnswerState::Evaluating => AnswerStateName::Evaluating,
            AnswerState::Accepted => AnswerStateName::Accepted,
            AnswerState::Rejected => AnswerStateName::Rejected,
        }
    }
}

/// Who wrote a proposal.
#[derive(Debug, Object)]
pub struct AuthorView {
    pub id: Uuid,
    /// Their nickname, else their name; `null` once the account is deleted.
    #[oai(nullable)]
    pub name: Option<String>,
}

/// The evaluators' answer to a proposal.
#[derive(Debug, Object)]
pub struct AnswerView {
    pub state: AnswerStateName,
    /// The answer's text by locale, if any.
    #[oai(nullable)]
    pub text: Option<BTreeMap<String, String>>,
    /// What carrying it out would cost, in cents, when the process answers with costs.
    #[oai(nullable)]
    pub cost: Option<i64>,
    /// When it became public; `null`: only evaluators and admins read it yet.
    #[oai(nullable)]
    pub published_at: Option<OffsetDateTime>,
}

/// An evaluator's answer to a proposal.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    pub state: AnswerStateName,
    /// The answer's text in the organization's locales (its default one required), up to
    /// 5,000 characters each; required to reject.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub answer: Option<BTreeMap<String, String>>,
    /// What carrying it out would cost, in cents (never negative); required to accept when the
    /// process answers with costs.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub cost: Option<i64>,
}

/// A resident's proposal.
#[derive(Debug, Object)]
pub struct ProposalView {
    pub id: Uuid,
    pub process_id: Uuid,
    /// Plain text, never markup: render it as text.
    pub title: String,
    /// Plain text, never markup: render it as text (line breaks as typed).
    pub body: String,
    pub state: ProposalStateName,
    #[oai(nullable)]
    pub scope_id: Option<Uuid>,
    #[oai(nullable)]
    pub category_id: Option<Uuid>,
    pub author: AuthorView,
    /// Supports that count (those pending under the process's `minimum_votes_per_user` do not).
    pub supports_count: u32,
    pub comments_count: u32,
    /// Hidden by moderation: only its author and moderators read it.
    pub hidden: bool,
    #[oai(nullable)]
    pub published_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The evaluators' answer, once public (evaluators see it before).
    #[oai(nullable)]
    pub answer: Option<AnswerView>,
    /// The participatory-budget projects it became (an admin links a project to the proposals
    /// it came from): "this proposal became project X".
    pub became_projects: Vec<BecameProjectView>,
    /// Whether the signed-in reader supports it (`null` for an anonymous visitor).
    #[oai(nullable)]
    pub supported_by_me: Option<bool>,
    /// Whether `POST /proposals/{id}/supports` would be accepted now (`null` anonymous).
    #[oai(nullable)]
    pub can_support: Option<bool>,
    /// Whether `PATCH /proposals/{id}` would be accepted now (`null` anonymous).
    #[oai(nullable)]
    pub can_edit: Option<bool>,
    /// Whether `POST /proposals/{id}/withdraw` would be accepted now (`null` anonymous).
    #[oai(nullable)]
    pub can_withdraw: Option<bool>,
    /// Whether `POST /proposals/{id}/answer` would be accepted from the reader: an evaluator of
    /// its process (or of the whole organization) or an admin, once it is published (`null`
    /// anonymous).
    #[oai(nullable)]
    pub can_answer: Option<bool>,
}

/// A budget project a proposal became.
#[derive(Debug, Clone, Object)]
pub struct BecameProjectView {
    /// `GET /projects/{id}`.
    pub project_id: Uuid,
    pub budget_id: Uuid,
}

impl From<Shown> for ProposalView {
    fn from(shown: Shown) -> ProposalView {
        let proposal = shown.proposal;
        let abilities = shown.abilities;
        ProposalView {
            id: proposal.id.uuid(),
            process_id: proposal.process_id.uuid(),
            title: proposal.title,
            body: proposal.body,
            state: proposal.state.into(),
            scope_id: proposal.scope_id.map(ScopeId::uuid),
            category_id: proposal.category_id.map(CategoryId::uuid),
            author: AuthorView {
                id: proposal.author.id.uuid(),
                name: proposal.author.name,
            },
            supports_count: proposal.supports_count,
            comments_count: proposal.comments_count,
            hidden: proposal.hidden,
            published_at: proposal.published_at,
            created_at: proposal.created_at,
            updated_at: proposal.updated_at,
            answer: proposal.answer.map(|answer| AnswerView {
                state: answer.state.into(),
                text: answer.text.map(|text| text.as_map().clone()),
                cost: answer.cost.map(|cost| cost.0),
                published_at: answer.published_at.map(crate::clock::from_timestamp),
            }),
            became_projects: proposal
                .became_projects
                .into_iter()
                .map(|(project_id, budget_id)| BecameProjectView {
                    project_id,
                    budget_id,
                })
                .collect(),
            supported_by_me: abilities.map(|a| a.supported_by_me),
            can_support: abilities.map(|a| a.can_support),
            can_edit: abilities.map(|a| a.can_edit),
            can_withdraw: abilities.map(|a| a.can_withdraw),
            can_answer: abilities.map(|a| a.can_answer),
        }
    }
}

/// A new proposal (a draft until `POST /proposals/{id}/publish`).
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CreateProposalBody {
    /// 15 to 150 characters once trimmed, plain text.
    pub title: String,
    /// 15 characters to the process's `proposal_length` once trimmed, plain text.
    pub body: String,
    /// A scope of the process's territory (its own scope or one inside it).
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub scope_id: Option<Uuid>,
    /// One of the process's categories.
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub category_id: Option<Uuid>,
}

/// Changes to a proposal; absent fields stay as they are.
#[derive(Debug, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UpdateProposalBody {
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "super::body::not_null")]
    pub body: Option<String>,
    /// `null` removes the scope.
    #[serde(default)]
    #[oai(nullable)]
    pub scope_id: MaybeUndefined<Uuid>,
    /// `null` removes the category.
    #[serde(default)]
    #[oai(nullable)]
    pub category_id: MaybeUndefined<Uuid>,
}

/// The orders of the proposal list.
#[derive(Debug, Clone, Copy, Default, Enum)]
#[oai(rename_all = "snake_case")]
pub enum ProposalSortName {
    /// The newest publication first.
    #[default]
    Recent,
    /// The most counted supports first.
    MostSupported,
    /// The most comments first.
    MostCommented,
    /// A shuffle, the same on every page for the same `seed`.
    Random,
}

/// Whose proposals a list keeps.
#[derive(Debug, Clone, Copy, Enum)]
#[oai(rename_all = "snake_case")]
pub enum AuthorFilter {
    /// The signed-in reader's own (their drafts included).
    Me,
}

/// A proposal was created.
#[derive(ApiResponse)]
pub enum ProposalCreated {
    /// Created as a draft; `Location` is its path.
    #[oai(status = 201)]
    Created(Json<ProposalView>, #[oai(header = "Location")] String),
}

/// A support was given.
#[derive(ApiResponse)]
pub enum SupportGiven {
    /// Supported; the proposal as it is now. `Location` is the support's path (where
    /// `DELETE` takes it back).
    #[oai(status = 201)]
    Created(Json<ProposalView>, #[oai(header = "Location")] String),
}

/// One proposal of the open-data export: what anyone reads of it, without its author.
#[derive(Debug, Clone, Object)]
pub struct OpenProposalView {
    pub id: Uuid,
    /// Plain text, as its author typed it.
    pub title: String,
    /// Plain text, as its author typed it.
    pub body: String,
    pub state: ProposalStateName,
    #[oai(nullable)]
    pub scope_id: Option<Uuid>,
    #[oai(nullable)]
    pub category_id: Option<Uuid>,
    /// Counted supports.
    pub supports_count: u32,
    /// Live comments.
    pub comments_count: u32,
    #[oai(nullable)]
    pub published_at: Option<OffsetDateTime>,
    /// The published answer's state (`evaluating`, `accepted` or `rejected`); `null` while
    /// there is none.
    #[oai(nullable)]
    pub answer_state: Option<String>,
}

impl From<proposals::OpenProposal> for OpenProposalView {
    fn from(open: proposals::OpenProposal) -> OpenProposalView {
        OpenProposalView {
            id: open.id,
            title: open.title,
            body: open.body,
            state: open.state.into(),
            scope_id: open.scope_id.map(ScopeId::uuid),
            category_id: open.category_id.map(CategoryId::uuid),
            supports_count: open.supports_count,
            comments_count: open.comments_count,
            published_at: open.published_at,
            answer_state: open.answer_state.map(|state| state.as_str().to_string()),
        }
    }
}

/// A process's proposals as open data.
#[derive(Debug, Clone, Object)]
pub struct OpenProposalsView {
    /// The process's slug.
    pub process: String,
    /// Every proposal anyone may read (published, answered, withdrawn), oldest first.
    pub proposals: Vec<OpenProposalView>,
}

/// The CSV export.
#[derive(ApiResponse)]
pub enum ProposalsCsv {
    /// RFC 4180 CSV (UTF-8, comma-separated, a header line), named for download.
    #[oai(status = 200, content_type = "text/csv; charset=utf-8")]
    File(
        PlainText<String>,
        #[oai(header = "Content-Disposition")] String,
    ),
}

/// The proposals as CSV: one line per proposal, the columns of [`OpenProposalView`].
fn proposals_csv(proposals: &[OpenProposalView]) -> String {
    let mut out = String::from(
        "id,title,body,state,scope_id,category_id,supports_count,comments_count,published_at,answer_state\r\n",
    );
    /// An enumeration's name as the JSON answers spell it.
    fn name(value: &impl poem_openapi::types::ToJSON) -> String {
        value
            .to_json()
            .and_then(|json| json.as_str().map(str::to_string))
            .unwrap_or_default()
    }
    for proposal in proposals {
        let fields = [
            proposal.id.to_string(),
            proposal.title.clone(),
            proposal.body.clone(),
            name(&proposal.state),
            proposal
                .scope_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            proposal
                .category_id
                .map(|id| id.to_string())
                .unwrap_or_default(),
            proposal.supports_count.to_string(),
            proposal.comments_count.to_string(),
            proposal
                .published_at
                .and_then(|at| {
                    at.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default(),
            proposal.answer_state.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled), and
/// with a leading `'` when a spreadsheet would read it as a formula (`=`, `+`, `-`, `@`, a tab or
/// a carriage return first): titles and bodies are residents' text.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn location(view: &ProposalView) -> String {
    format!("/api/v1/proposals/{}", view.id)
}

pub struct ProposalsApi;

#[OpenApi(tag = "ApiTags::Proposals")]
impl ProposalsApi {
    /// List a process's proposals
    ///
    /// Published proposals (answered or not), a page at a time: pass `next_cursor` back as
    /// `cursor` with the same `sort`, `seed` and filters. Hidden proposals are never listed,
    /// withdrawn ones only with `state=withdrawn`, drafts only their author's (`author=me` or
    /// `state=draft`). With an access token each item also says what the reader may do with it.
    #[oai(
        path = "/processes/:slug/proposals",
        method = "get",
        operation_id = "list_proposals"
    )]
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per documented query parameter"
    )]
    async fn list(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: MaybeSignedIn,
        request: &Request,
        /// The process's slug.
        slug: Path<String>,
        /// The order: `recent` (the default), `most_supported`, `most_commented` or `random`.
        #[oai(default)]
        sort: Query<ProposalSortName>,
        /// The shuffle of `sort=random` (required with it): keep it for the whole visit, and
        /// every page continues the same order.
        seed: Query<Option<u32>>,
        /// Only proposals in this scope or a scope inside it.
        scope_id: Query<Option<Uuid>>,
        /// Only proposals in this state.
        #[oai(name = "state")]
        in_state: Query<Option<ProposalStateName>>,
        /// Only proposals of this category.
        category_id: Query<Option<Uuid>>,
        /// `me`: only the reader's own proposals (an access token is required).
        author: Query<Option<AuthorFilter>>,
        /// The `next_cursor` of the previous page.
        cursor: Query<Option<String>>,
        /// Items per page, 1 to 100.
        #[oai(
            default = "super::common::default_page_limit",
            validator(minimum(value = "1"), maximum(value = "100"))
        )]
        limit: Query<u64>,
    ) -> Result<Json<Page<ProposalView>>, Problem<{ answers::BAD_REQUEST | answers::UNAUTHORIZED }>>
    {
        let actor = auth.actor(request).await?;
        let sort = match (sort.0, seed.0) {
            (ProposalSortName::Recent, _) => ProposalSort::Recent,
            (ProposalSortName::MostSupported, _) => ProposalSort::MostSupported,
            (ProposalSortName::MostCommented, _) => ProposalSort::MostCommented,
            (ProposalSortName::Random, seed) => ProposalSort::Random {
                seed: super::common::required_seed(seed)?,
            },
        };
        let name = sort.cursor_name();
        let after = paging::after(cursor.0.as_deref(), &name)?;
        let page = proposals::list(
            &state,
            &organization,
            actor.as_ref(),
            &slug.0,
            ProposalFilter {
                scope_id: scope_id.0.map(ScopeId::from),
                state: in_state.0.map(ProposalState::from),
                category_id: category_id.0.map(CategoryId::from),
                mine: author.0.is_some(),
            },
            PageRequest {
                sort,
                limit: limit.0,
                after,
            },
        )
        .await?;
        Ok(Json(Page::of(page, &name, ProposalView::from)))
    }

    /// Create a proposal
    ///
    /// A draft, seen by its author alone until published; while the active phase opens
    /// proposal creation, and within the process's `proposal_limit`.
    #[oai(
        path = "/processes/:slug/proposals",
        method = "post",
        operation_id = "create_proposal"
    )]
    async fn create(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The process's slug.
        slug: Path<String>,
        body: JsonBody<CreateProposalBody>,
    ) -> Result<
        ProposalCreated,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN_WRITE
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
            },
        >,
    > {
        let form = body.0;
        let shown = proposals::create(
            &state,
            &organization,
            &auth.0,
            &slug.0,
            ProposalForm {
                title: form.title,
                body: form.body,
                scope_id: form.scope_id.map(ScopeId::from),
                category_id: form.category_id.map(CategoryId::from),
            },
        )
        .await?;
        let view = ProposalView::from(shown);
        let location = location(&view);
        Ok(ProposalCreated::Created(Json(view), location))
    }

    /// Export a process's proposals as CSV
    ///
    /// Open data for researchers (DESIGN §6): every proposal anyone may read in the process
    /// (published, answered or withdrawn; never a draft or a hidden one), oldest first, with
    /// its state, scope, category, counts, publication time and published answer's state, and
    /// nothing about its author or its supporters. Fields a spreadsheet would read as a formula
    /// start with `'`.
    #[oai(
        path = "/processes/:slug/proposals/export.csv",
        method = "get",
        operation_id = "export_proposals_csv"
    )]
    async fn export_csv(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        /// The process's slug.
        slug: Path<String>,
    ) -> Result<ProposalsCsv, Problem<0>> {
        let (process, open) = proposals::open_data(&state, &organization, &slug.0).await?;
        let rows: Vec<OpenProposalView> = open.into_iter().map(Into::into).collect();
        Ok(ProposalsCsv::File(
            PlainText(proposals_csv(&rows)),
            format!(
                "attachment; filename=\"proposals-{}.csv\"",
                process.process.slug
            ),
        ))
    }

    /// Export a process's proposals as JSON
    ///
    /// The same open data as the CSV export, as JSON.
    #[oai(
        path = "/processes/:slug/proposals/export.json",
        method = "get",
        operation_id = "export_proposals_json"
    )]
    async fn export_json(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        /// The process's slug.
        slug: Path<String>,
    ) -> Result<Json<OpenProposalsView>, Problem<0>> {
        let (process, open) = proposals::open_data(&state, &organization, &slug.0).await?;
        Ok(Json(OpenProposalsView {
            process: process.process.slug,
            proposals: open.into_iter().map(Into::into).collect(),
        }))
    }

    /// Read a proposal
    ///
    /// A draft answers 404 to all but its author, a hidden proposal to all but its author and
    /// moderators.
    #[oai(path = "/proposals/:id", method = "get", operation_id = "get_proposal")]
    async fn get(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: MaybeSignedIn,
        request: &Request,
        /// The proposal's id.
        id: Path<Uuid>,
    ) -> Result<Json<ProposalView>, Problem<{ answers::UNAUTHORIZED }>> {
        let actor = auth.actor(request).await?;
        let shown = proposals::get(
            &state,
            &organization,
            actor.as_ref(),
            ProposalId::from(id.0),
        )
        .await?;
        Ok(Json(shown.into()))
    }

    /// Change a proposal
    ///
    /// Its author: a draft at any time; a published proposal within the process's edit window
    /// after publication and while nobody supports it (409 `edit_window_closed`,
    /// `proposal_has_supports`).
    #[oai(
        path = "/proposals/:id",
        method = "patch",
        operation_id = "update_proposal"
    )]
    async fn update(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The proposal's id.
        id: Path<Uuid>,
        body: JsonBody<UpdateProposalBody>,
    ) -> Result<
        Json<ProposalView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN_WRITE
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
            },
        >,
    > {
        let form = body.0;
        let shown = proposals::update(
            &state,
            &organization,
            &auth.0,
            ProposalId::from(id.0),
            ProposalChange {
                title: form.title,
                body: form.body,
                scope_id: Option::from(form.scope_id)
                    .map(|scope: Option<Uuid>| scope.map(ScopeId::from)),
                category_id: Option::from(form.category_id)
                    .map(|category: Option<Uuid>| category.map(CategoryId::from)),
            },
        )
        .await?;
        Ok(Json(shown.into()))
    }

    /// Publish a proposal
    ///
    /// Its author publishes their draft, while the active phase opens proposal creation.
    #[oai(
        path = "/proposals/:id/publish",
        method = "post",
        operation_id = "publish_proposal"
    )]
    async fn publish(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The proposal's id.
        id: Path<Uuid>,
    ) -> Result<Json<ProposalView>, Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT }>> {
        let shown =
            proposals::publish(&state, &organization, &auth.0, ProposalId::from(id.0)).await?;
        Ok(Json(shown.into()))
    }

    /// Withdraw a proposal
    ///
    /// Its author withdraws a draft or a published proposal that nobody supports.
    #[oai(
        path = "/proposals/:id/withdraw",
        method = "post",
        operation_id = "withdraw_proposal"
    )]
    async fn withdraw(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The proposal's id.
        id: Path<Uuid>,
    ) -> Result<Json<ProposalView>, Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT }>> {
        let shown =
            proposals::withdraw(&state, &organization, &auth.0, ProposalId::from(id.0)).await?;
        Ok(Json(shown.into()))
    }

    /// Support a proposal
    ///
    /// One support per participant and proposal (409 `already_supported`), while the active
    /// phase opens supports, by residents when the process requires it (403
    /// `residency_required`), within the process's `vote_limit` (409 `vote_limit_reached`) and
    /// threshold. Send an `Idempotency-Key` so that a retry after a lost answer gets the first
    /// answer again.
    #[oai(
        path = "/proposals/:id/supports",
        method = "post",
        operation_id = "create_support"
    )]
    async fn support(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The proposal's id.
        id: Path<Uuid>,
    ) -> Result<SupportGiven, Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT }>> {
        let shown =
            supports::support(&state, &organization, &auth.0, ProposalId::from(id.0)).await?;
        let view = ProposalView::from(shown);
        let location = format!("{}/supports", location(&view));
        Ok(SupportGiven::Created(Json(view), location))
    }

    /// Withdraw a support
    ///
    /// The caller takes back their support while the active phase opens supports (409
    /// `not_supported` if they gave none).
    #[oai(
        path = "/proposals/:id/supports",
        method = "delete",
        operation_id = "delete_support"
    )]
    async fn unsupport(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The proposal's id.
        id: Path<Uuid>,
    ) -> Result<Json<ProposalView>, Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT }>> {
        let shown =
            supports::withdraw(&state, &organization, &auth.0, ProposalId::from(id.0)).await?;
        Ok(Json(shown.into()))
    }

    /// Answer a proposal
    ///
    /// An evaluator's verdict: `evaluating`, `accepted` (with its `cost` when the process answers
    /// with costs) or `rejected` (with an `answer` saying why). Public at once when the process
    /// publishes answers immediately, else kept for evaluators until
    /// `POST /proposals/{id}/answer/publish`. Audited; the author is told once it is public.
    #[oai(
        path = "/proposals/:id/answer",
        method = "post",
        operation_id = "answer_proposal"
    )]
    async fn answer(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The proposal's id.
        id: Path<Uuid>,
        body: JsonBody<AnswerBody>,
    ) -> Result<
        Json<ProposalView>,
        Problem<
            {
                answers::BODY
                    | answers::SIGNED_IN_WRITE
                    | answers::CONFLICT
                    | answers::UNPROCESSABLE
            },
        >,
    > {
        let form = body.0;
        let shown = evaluation::answer(
            &state,
            &organization,
            &auth.0,
            ProposalId::from(id.0),
            AnswerRequest {
                state: form.state.into(),
                text: form.answer,
                cost: form.cost.map(Cents),
            },
        )
        .await?;
        Ok(Json(shown.into()))
    }

    /// Publish a proposal's answer
    ///
    /// Makes the private answer public: the proposal takes its state and its author is told.
    #[oai(
        path = "/proposals/:id/answer/publish",
        method = "post",
        operation_id = "publish_answer"
    )]
    async fn publish_answer(
        &self,
        State(state): State,
        Tenant(organization): Tenant,
        auth: BearerAuth,
        /// The proposal's id.
        id: Path<Uuid>,
    ) -> Result<Json<ProposalView>, Problem<{ answers::SIGNED_IN_WRITE | answers::CONFLICT }>> {
        let shown =
            evaluation::publish(&state, &organization, &auth.0, ProposalId::from(id.0)).await?;
        Ok(Json(shown.into()))
    }
}
