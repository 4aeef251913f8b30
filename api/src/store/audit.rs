//! The append-only audit log of civil-servant actions (DESIGN §2.4).
//!
//! Only [`insert`]'s statement writes here, always inside the transaction of the action it
//! records (the unit of work sends it with the other writes it defers); nothing updates or
//! deletes an entry.

use super::entities::audit_log;
use plaza_domain::{OrganizationId, UserId};
use sea_orm::sea_query::InsertStatement;
use sea_orm::{EntityTrait, IntoActiveModel, QueryTrait};
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

/// The statement that records `entry` at `now`.
pub fn insert(entry: AuditEntry<'_>, now: OffsetDateTime) -> InsertStatement {
    let row = audit_log::Model {
        id: Uuid::now_v7(),
        organization_id: entry.organization_id.uuid(),
        actor_id: entry.actor_id.map(UserId::uuid),
        action: entry.action.to_string(),
        target_kind: entry.target_kind.to_string(),
        target_id: entry.target_id,
        before: entry.before,
        after: entry.after,
        created_at: now,
    };
    audit_log::Entity::insert(row.into_active_model()).into_query()
}
