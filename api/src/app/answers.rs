//! Evaluators' answers to proposals (DESIGN §2.2): answer (`evaluating`, `accepted` with its cost
//! when the process answers with costs, `rejected` with a reason), and publish an answer kept
//! private. Both are audited in their transaction; when an answer becomes public its author is
//! told (a row of their notifications).

use super::AppState;
use super::catalog::ProcessView;
use super::error::AppResult;
use super::notifications::Notice;
use super::proposals::{Shown, as_rules, process_of, shown, visible_row};
use super::tenancy::{Actor, Organization, roles_in_process};
use super::unit::{AuditAction, UnitOfWork};
use crate::clock::{from_timestamp, to_timestamp};
use crate::store::{self, entities::proposals};
use plaza_domain::accounts::{Permission, authorize};
use plaza_domain::i18n::TranslatedText;
use plaza_domain::proposals::{self as rules, AnswerForm, AnswerState, Answered, MAX_ANSWER};
use plaza_domain::{Cents, DomainError, ProposalId, UserId};
use std::collections::BTreeMap;

/// An answer as an evaluator sends it.
#[derive(Debug, Clone)]
pub struct AnswerRequest {
    pub state: AnswerState,
    /// The answer's text by locale.
    pub text: Option<BTreeMap<String, String>>,
    pub cost: Option<Cents>,
}

/// Answers the proposal `id` (evaluators of its process, organization-wide evaluators, admins).
pub async fn answer(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: ProposalId,
    request: AnswerRequest,
) -> AppResult<Shown> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let row = visible_row(work.db(), organization, Some(actor), id, true).await?;
    let process = process_of(work.db(), organization, &row, work.now()).await?;
    let roles = roles_in_process(work.db(), actor, process.process.id).await?;
    authorize(&roles, Permission::EvaluateProposals)?;
    let text = match &request.text {
        Some(texts) => Some(
            TranslatedText::parse(
                "answer",
                texts,
                &organization.available_locales,
                &organization.default_locale,
                MAX_ANSWER,
            )
            .map_err(DomainError::Invalid)?,
        ),
        None => None,
    };
    let answered = rules::answer(
        &roles,
        &as_rules(&row, false)?,
        AnswerForm {
            state: request.state,
            text,
            cost: request.cost,
        },
        &process.process.proposal_settings,
        to_timestamp(work.now()),
    )?;
    finish(
        work,
        &process,
        actor,
        row,
        answered,
        AuditAction::ProposalAnswer,
    )
    .await
}

/// Makes the proposal's private answer public (its process's evaluators, organization-wide
/// evaluators, admins).
pub async fn publish(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: ProposalId,
) -> AppResult<Shown> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let row = visible_row(work.db(), organization, Some(actor), id, true).await?;
    let process = process_of(work.db(), organization, &row, work.now()).await?;
    let roles = roles_in_process(work.db(), actor, process.process.id).await?;
    let answered =
        rules::publish_answer(&roles, &as_rules(&row, false)?, to_timestamp(work.now()))?;
    finish(
        work,
        &process,
        actor,
        row,
        answered,
        AuditAction::ProposalAnswerPublish,
    )
    .await
}

/// Stores what an answer changed, audits it, tells the author when it became public, commits.
async fn finish(
    work: UnitOfWork<'_>,
    process: &ProcessView,
    actor: &Actor,
    before: proposals::Model,
    answered: Answered,
    action: AuditAction,
) -> AppResult<Shown> {
    let mut row = before.clone();
    let answer = &answered.answer;
    row.state = answered.public_state.as_str().to_string();
    row.answer_state = Some(answer.state.as_str().to_string());
    row.answer_text = answer
        .text
        .as_ref()
        .map(|text| serde_json::to_value(text.as_map()))
        .transpose()
        .map_err(super::error::AppError::internal)?;
    row.answer_cost = answer.cost.map(|cost| cost.0);
    row.answered_at = Some(from_timestamp(answer.answered_at));
    row.answer_published_at = answer.published_at.map(from_timestamp);
    row.updated_at = work.now();
    let saved = store::proposals::save(work.db(), row).await?;
    work.audit(
        action,
        saved.id,
        Some(answer_json(&before)),
        Some(answer_json(&saved)),
    )
    .await?;
    if answer.published_at.is_some() {
        work.notify(
            UserId::from(saved.author_id),
            &Notice::ProposalAnswered {
                proposal: ProposalId::from(saved.id),
                title: saved.title.clone(),
                state: answer.state,
            },
        )
        .await?;
    }
    let shown = shown(work.db(), process, Some(actor), saved, work.now()).await?;
    work.commit().await?;
    Ok(shown)
}

fn answer_json(row: &proposals::Model) -> serde_json::Value {
    serde_json::json!({
        "state": row.state,
        "answer_state": row.answer_state,
        "answer_text": row.answer_text,
        "answer_cost": row.answer_cost,
        "answer_published_at": row.answer_published_at,
    })
}
