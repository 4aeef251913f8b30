//! Moderation of accounts: blocking and unblocking a participant (moderators and admins).
//!
//! Blocking ends every session of the account at once (its tokens stop working, and unblocking
//! does not bring them back: the person signs in again) and voids its mailed links; while blocked
//! the account cannot sign in (403 `account_blocked`) and gets no mail but security mail (today
//! Plaza sends no other kind; notification mail, when it comes, must skip blocked accounts). Both
//! decisions carry a justification and are audited.

use super::AppState;
use super::error::{AppError, AppResult};
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::store;
use plaza_domain::UserId;
use plaza_domain::accounts::{decide_block, justification};
use plaza_domain::sessions::RevokeReason;

/// Blocks or unblocks an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Block,
    Unblock,
}

impl Decision {
    fn action(self) -> AuditAction {
        match self {
            Decision::Block => AuditAction::UserBlock,
            Decision::Unblock => AuditAction::UserUnblock,
        }
    }
}

/// Blocks or unblocks `user_id` with a justification. Blocking a blocked account (or unblocking
/// an unblocked one) changes nothing and records nothing.
pub async fn decide(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    user_id: UserId,
    decision: Decision,
    reason: &str,
) -> AppResult<()> {
    let reason = justification("justification", reason)?;
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let now = work.now();
    let tx = work.db();
    let mut target = store::users::by_id_for_update(tx, organization.id, user_id)
        .await?
        .filter(|u| u.deleted_at.is_none())
        .ok_or(AppError::NotFound)?;
    let actor_roles = super::tenancy::roles_in(tx, actor.id()).await?;
    let target_roles = super::tenancy::roles_anywhere(tx, UserId::from(target.id)).await?;
    decide_block(&actor_roles, &target_roles, target.id == actor.id().uuid())?;
    let blocked_before = target.blocked_at.is_some();
    let blocked_after = decision == Decision::Block;
    if blocked_before == blocked_after {
        return Ok(());
    }
    target.blocked_at = blocked_after.then_some(now);
    target.updated_at = now;
    let target = store::users::save(tx, target).await?;
    if blocked_after {
        store::users::revoke_all_sessions(
            tx,
            UserId::from(target.id),
            RevokeReason::AccountBlocked,
            now,
        )
        .await?;
        store::users::void_all_email_tokens(tx, UserId::from(target.id), now).await?;
    }
    work.audit(
        decision.action(),
        target.id,
        Some(serde_json::json!({ "blocked": blocked_before })),
        Some(serde_json::json!({ "blocked": blocked_after, "justification": reason })),
    )
    .await?;
    work.commit().await?;
    Ok(())
}
