//! The append-only audit log of civil-servant actions (DESIGN §2.4).
//!
//! Only [`record`] writes here, always inside the transaction of the action it records; nothing
//! updates or deletes an entry.

use super::entities::audit_log;
use plaza_domain::{OrganizationId, UserId};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, IntoActiveModel};
use time::OffsetDateTime;
use uuid::Uuid;

/// One audited action.
pub struct AuditEntry<'a> {
    pub organization_id: OrganizationId,
    /// `None` for actions taken from the command line by an operator.
    pub actor_id: Option<UserId>,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn record(
    db: &impl ConnectionTrait,
    entry: AuditEntry<'_>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    audit_log::Model {
        id: Uuid::now_v7(),
        organization_id: entry.organization_id.uuid(),
        actor_id: entry.actor_id.map(UserId::uuid),
        action: entry.action.to_string(),
        target_kind: entry.target_kind.to_string(),
        target_id: entry.target_id,
        before: entry.before,
        after: entry.after,
        created_at: now,
    }
    .into_active_model()
    .insert(db)
    .await
    .map(|_| ())
}
