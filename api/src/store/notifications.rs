//! Notification rows: written by the use cases that tell a participant something, read newest
//! first by the participant.

use super::entities::notifications;
use super::paging::{Keyset, keyset};
use plaza_domain::{OrganizationId, UserId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect,
};
use uuid::Uuid;

pub async fn insert(db: &impl ConnectionTrait, row: notifications::Model) -> Result<(), DbErr> {
    row.into_active_model()
        .reset_all()
        .insert(db)
        .await
        .map(|_| ())
}

/// Up to `limit` of `user`'s notifications, newest first, after the one `after`.
pub async fn page_of(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    user: UserId,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<notifications::Model>, DbErr> {
    let query = notifications::Entity::find()
        .filter(notifications::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(notifications::Column::UserId.eq(user.uuid()));
    let order = Keyset {
        key: None,
        id: notifications::Column::Id,
        descending: true,
    };
    keyset(query, order, after.map(|id| (None, id)))
        .limit(limit)
        .all(db)
        .await
}
