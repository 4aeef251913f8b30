//! Accounts, roles, sessions, refresh tokens and mailed tokens.

use super::UniqueIndex;
use super::entities::{
    email_tokens, login_throttles, mail_quotas, process_roles, processes, refresh_tokens, sessions,
    user_roles, users,
};
use plaza_domain::sessions::RevokeReason;
use plaza_domain::{OrganizationId, ProcessId, SessionId, UserId};
use sea_orm::Condition;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    IntoActiveModel, PaginatorTrait, QueryFilter, QuerySelect, Set,
};
use std::collections::HashMap;
use time::OffsetDateTime;
use uuid::Uuid;

pub const UX_USER_EMAIL: UniqueIndex = UniqueIndex {
    name: "ux_users_organization_email",
    table: "users",
    columns: &["organization_id", "email"],
};
pub const UX_USER_NICKNAME: UniqueIndex = UniqueIndex {
    name: "ux_users_organization_nickname",
    table: "users",
    columns: &["organization_id", "nickname"],
};

/// What a mailed token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailTokenPurpose {
    ConfirmEmail,
    ResetPassword,
}

impl EmailTokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailTokenPurpose::ConfirmEmail => "confirm_email",
            EmailTokenPurpose::ResetPassword => "reset_password",
        }
    }
}

pub async fn by_email(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    email: &str,
) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find()
        .filter(users::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(users::Column::Email.eq(email))
        .one(db)
        .await
}

pub async fn by_id(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: UserId,
) -> Result<Option<users::Model>, DbErr> {
    users::Entity::find_by_id(id)
        .filter(users::Column::OrganizationId.eq(organization_id.uuid()))
        .one(db)
        .await
}

/// The account, locked for the rest of the transaction on PostgreSQL (SQLite's write
/// transactions already exclude each other), so that concurrent changes cannot overwrite it.
pub async fn by_id_for_update(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    id: UserId,
) -> Result<Option<users::Model>, DbErr> {
    let query = users::Entity::find_by_id(id)
        .filter(users::Column::OrganizationId.eq(organization_id.uuid()));
    super::for_update(db, query).one(db).await
}

/// Whether an account of the organization uses this nickname.
pub async fn nickname_taken(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    nickname: &str,
) -> Result<bool, DbErr> {
    Ok(users::Entity::find()
        .filter(users::Column::OrganizationId.eq(organization_id.uuid()))
        .filter(users::Column::Nickname.eq(nickname))
        .one(db)
        .await?
        .is_some())
}

pub async fn insert(db: &impl ConnectionTrait, row: users::Model) -> Result<users::Model, DbErr> {
    row.into_active_model().insert(db).await
}

/// Writes every column of `row`. The caller must have read the row in the same transaction
/// (with [`by_id_for_update`]) so that nothing written meanwhile is overwritten.
pub async fn save(db: &impl ConnectionTrait, row: users::Model) -> Result<users::Model, DbErr> {
    let mut active = row.clone().into_active_model();
    active.email = Set(row.email.clone());
    active.password_hash = Set(row.password_hash.clone());
    active.name = Set(row.name.clone());
    active.nickname = Set(row.nickname.clone());
    active.locale = Set(row.locale.clone());
    active.notification_mail = Set(row.notification_mail.clone());
    active.confirmed_at = Set(row.confirmed_at);
    active.blocked_at = Set(row.blocked_at);
    active.deleted_at = Set(row.deleted_at);
    active.updated_at = Set(row.updated_at);
    active.admin_grade_password = Set(row.admin_grade_password);
    active.update(db).await
}

/// How many live accounts of the organization hold the admin role (read it under
/// `orgs::lock_organization` to decide on it).
pub async fn count_admins(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
) -> Result<u64, DbErr> {
    use sea_orm::sea_query::Query;
    user_roles::Entity::find()
        .filter(user_roles::Column::Role.eq(plaza_domain::accounts::Role::Admin.as_str()))
        .filter(
            user_roles::Column::UserId.in_subquery(
                Query::select()
                    .column(users::Column::Id)
                    .from(users::Entity)
                    .and_where(users::Column::OrganizationId.eq(organization_id.uuid()))
                    .and_where(users::Column::DeletedAt.is_null())
                    .to_owned(),
            ),
        )
        .count(db)
        .await
}

pub async fn roles_of(db: &impl ConnectionTrait, user_id: UserId) -> Result<Vec<String>, DbErr> {
    Ok(user_roles::Entity::find()
        .filter(user_roles::Column::UserId.eq(user_id.uuid()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.role)
        .collect())
}

/// Grants a role; granting one already held changes nothing (and cannot conflict).
pub async fn grant_role(
    db: &impl ConnectionTrait,
    user_id: UserId,
    role: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let row = user_roles::Model {
        user_id: user_id.uuid(),
        role: role.to_string(),
        granted_at: now,
    };
    user_roles::Entity::insert(row.into_active_model())
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

pub async fn revoke_all_roles(db: &impl ConnectionTrait, user_id: UserId) -> Result<(), DbErr> {
    user_roles::Entity::delete_many()
        .filter(user_roles::Column::UserId.eq(user_id.uuid()))
        .exec(db)
        .await
        .map(|_| ())
}

/// The roles `user_id` holds for the process `process_id` alone.
pub async fn roles_in_process(
    db: &impl ConnectionTrait,
    user_id: UserId,
    process_id: ProcessId,
) -> Result<Vec<String>, DbErr> {
    Ok(process_roles::Entity::find()
        .filter(process_roles::Column::UserId.eq(user_id.uuid()))
        .filter(process_roles::Column::ProcessId.eq(process_id.uuid()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.role)
        .collect())
}

/// The processes for which `user_id` holds `role`, by slug.
pub async fn processes_with_role(
    db: &impl ConnectionTrait,
    user_id: UserId,
    role: &str,
) -> Result<Vec<processes::Model>, DbErr> {
    use sea_orm::QueryOrder;
    use sea_orm::sea_query::Query;
    processes::Entity::find()
        .filter(
            processes::Column::Id.in_subquery(
                Query::select()
                    .column(process_roles::Column::ProcessId)
                    .from(process_roles::Entity)
                    .and_where(process_roles::Column::UserId.eq(user_id.uuid()))
                    .and_where(process_roles::Column::Role.eq(role))
                    .to_owned(),
            ),
        )
        .order_by_asc(processes::Column::Slug)
        .all(db)
        .await
}

/// Whether `user_id` holds `role` for any process.
pub async fn holds_process_role(
    db: &impl ConnectionTrait,
    user_id: UserId,
    role: &str,
) -> Result<bool, DbErr> {
    Ok(process_roles::Entity::find()
        .filter(process_roles::Column::UserId.eq(user_id.uuid()))
        .filter(process_roles::Column::Role.eq(role))
        .count(db)
        .await?
        > 0)
}

/// Grants `role` for one process; granting one already held changes nothing.
pub async fn grant_process_role(
    db: &impl ConnectionTrait,
    user_id: UserId,
    process_id: ProcessId,
    role: &str,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let row = process_roles::Model {
        process_id: process_id.uuid(),
        user_id: user_id.uuid(),
        role: role.to_string(),
        granted_at: now,
    };
    process_roles::Entity::insert(row.into_active_model())
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Revokes every role `user_id` holds for single processes.
pub async fn revoke_all_process_roles(
    db: &impl ConnectionTrait,
    user_id: UserId,
) -> Result<(), DbErr> {
    process_roles::Entity::delete_many()
        .filter(process_roles::Column::UserId.eq(user_id.uuid()))
        .exec(db)
        .await
        .map(|_| ())
}

pub async fn insert_session(db: &impl ConnectionTrait, row: sessions::Model) -> Result<(), DbErr> {
    row.into_active_model().insert(db).await.map(|_| ())
}

/// A signed-in account as an access token names it: the session, its account in the
/// organization and the account's roles.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub session: sessions::Model,
    pub user: users::Model,
    pub roles: Vec<String>,
}

/// The session `session_id` of account `user_id` in the organization, with the account and its
/// roles, in one statement (it runs on every authenticated request). `None` when the session
/// does not exist, is another account's, or the account is not the organization's.
pub async fn signed_in(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    session_id: SessionId,
    user_id: UserId,
) -> Result<Option<SignedIn>, DbErr> {
    use sea_orm::{Statement, Value};
    // `$n` numbers a parameter on PostgreSQL and on SQLite alike; one row per role (one with a
    // NULL role for an account without any).
    let sql = "SELECT users.*, \
                 sessions.id AS session_id, \
                 sessions.created_at AS session_created_at, \
                 sessions.last_used_at AS session_last_used_at, \
                 sessions.revoked_at AS session_revoked_at, \
                 sessions.revoked_reason AS session_revoked_reason, \
                 user_roles.role AS held_role \
               FROM sessions \
               JOIN users ON users.id = sessions.user_id \
               LEFT JOIN user_roles ON user_roles.user_id = users.id \
               WHERE sessions.id = $1 AND users.id = $2 AND users.organization_id = $3";
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [
                Value::from(session_id.uuid()),
                Value::from(user_id.uuid()),
                Value::from(organization_id.uuid()),
            ],
        ))
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let user = users::Model::from_query_result(first, "")?;
    let session = sessions::Model {
        id: first.try_get("", "session_id")?,
        user_id: user.id,
        created_at: first.try_get("", "session_created_at")?,
        last_used_at: first.try_get("", "session_last_used_at")?,
        revoked_at: first.try_get("", "session_revoked_at")?,
        revoked_reason: first.try_get("", "session_revoked_reason")?,
    };
    let mut roles = Vec::new();
    for row in &rows {
        if let Some(role) = row.try_get::<Option<String>>("", "held_role")? {
            roles.push(role);
        }
    }
    Ok(Some(SignedIn {
        session,
        user,
        roles,
    }))
}

pub async fn session(
    db: &impl ConnectionTrait,
    id: SessionId,
) -> Result<Option<sessions::Model>, DbErr> {
    sessions::Entity::find_by_id(id).one(db).await
}

pub async fn touch_session(
    db: &impl ConnectionTrait,
    id: SessionId,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::LastUsedAt, Expr::value(now))
        .filter(sessions::Column::Id.eq(id.uuid()))
        .exec(db)
        .await
        .map(|_| ())
}

/// Revokes the live sessions that `which` selects.
async fn revoke(
    db: &impl ConnectionTrait,
    which: Condition,
    reason: RevokeReason,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .col_expr(
            sessions::Column::RevokedReason,
            Expr::value(reason.as_str()),
        )
        .filter(which)
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await
        .map(|_| ())
}

/// Revokes one session (sign-out, refresh-token reuse).
pub async fn revoke_session(
    db: &impl ConnectionTrait,
    id: SessionId,
    reason: RevokeReason,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    revoke(
        db,
        Condition::all().add(sessions::Column::Id.eq(id.uuid())),
        reason,
        now,
    )
    .await
}

/// Revokes every live session of a user (password reset, account deletion).
pub async fn revoke_all_sessions(
    db: &impl ConnectionTrait,
    user_id: UserId,
    reason: RevokeReason,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    revoke(
        db,
        Condition::all().add(sessions::Column::UserId.eq(user_id.uuid())),
        reason,
        now,
    )
    .await
}

/// Revokes every live session of a user but `keep` (a password change keeps the session that made it).
pub async fn revoke_sessions_except(
    db: &impl ConnectionTrait,
    user_id: UserId,
    keep: SessionId,
    reason: RevokeReason,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let which = Condition::all()
        .add(sessions::Column::UserId.eq(user_id.uuid()))
        .add(sessions::Column::Id.ne(keep.uuid()));
    revoke(db, which, reason, now).await
}

pub async fn insert_refresh_token(
    db: &impl ConnectionTrait,
    session_id: SessionId,
    token_hash: String,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    refresh_tokens::Model {
        id: Uuid::now_v7(),
        session_id: session_id.uuid(),
        token_hash,
        created_at: now,
        used_at: None,
    }
    .into_active_model()
    .insert(db)
    .await
    .map(|_| ())
}

/// The refresh token with this hash, locked for the rest of the transaction on PostgreSQL so that
/// two concurrent refreshes with the same token cannot both rotate it.
pub async fn refresh_token_for_update(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<refresh_tokens::Model>, DbErr> {
    let query =
        refresh_tokens::Entity::find().filter(refresh_tokens::Column::TokenHash.eq(token_hash));
    super::for_update(db, query).one(db).await
}

/// Marks a refresh token spent; `false` if it was already spent (a concurrent refresh won).
pub async fn spend_refresh_token(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let result = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn insert_email_token(
    db: &impl ConnectionTrait,
    user_id: UserId,
    purpose: EmailTokenPurpose,
    token_hash: String,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
    registration: Option<serde_json::Value>,
) -> Result<(), DbErr> {
    email_tokens::Model {
        id: Uuid::now_v7(),
        user_id: user_id.uuid(),
        purpose: purpose.as_str().to_string(),
        token_hash,
        created_at: now,
        expires_at,
        used_at: None,
        registration,
    }
    .into_active_model()
    .insert(db)
    .await
    .map(|_| ())
}

/// A mailed token that exists for `purpose`, is unused and unexpired at `now`, without spending it.
pub async fn valid_email_token(
    db: &impl ConnectionTrait,
    purpose: EmailTokenPurpose,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<Option<email_tokens::Model>, DbErr> {
    Ok(email_tokens::Entity::find()
        .filter(email_tokens::Column::TokenHash.eq(token_hash))
        .filter(email_tokens::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await?
        .filter(|token| token.used_at.is_none() && token.expires_at > now))
}

/// Spends a mailed token: returns it when it exists for `purpose`, is unused and unexpired at
/// `now`; the conditional update makes it work exactly once even under concurrent use.
pub async fn spend_email_token(
    db: &impl ConnectionTrait,
    purpose: EmailTokenPurpose,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<Option<email_tokens::Model>, DbErr> {
    let Some(token) = valid_email_token(db, purpose, token_hash, now).await? else {
        return Ok(None);
    };
    let spent = email_tokens::Entity::update_many()
        .col_expr(email_tokens::Column::UsedAt, Expr::value(now))
        .col_expr(email_tokens::Column::Registration, no_registration())
        .filter(email_tokens::Column::TokenHash.eq(token_hash))
        .filter(email_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok((spent.rows_affected == 1).then_some(token))
}

/// The value that erases a link's registration details.
fn no_registration() -> sea_orm::sea_query::SimpleExpr {
    Expr::value(Option::<serde_json::Value>::None)
}

/// Voids a user's unused tokens of one purpose (a new reset link voids older ones), erasing the
/// registration details they carried.
pub async fn void_email_tokens(
    db: &impl ConnectionTrait,
    user_id: UserId,
    purpose: EmailTokenPurpose,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    void_tokens(db, user_id, Some(purpose), now).await
}

/// Voids every unused mailed link of a user, whatever its purpose: a password change, a
/// confirmation, a block or a deletion leaves no link that could still set a password.
pub async fn void_all_email_tokens(
    db: &impl ConnectionTrait,
    user_id: UserId,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    void_tokens(db, user_id, None, now).await
}

async fn void_tokens(
    db: &impl ConnectionTrait,
    user_id: UserId,
    purpose: Option<EmailTokenPurpose>,
    now: OffsetDateTime,
) -> Result<(), DbErr> {
    let mut update = email_tokens::Entity::update_many()
        .col_expr(email_tokens::Column::UsedAt, Expr::value(now))
        .col_expr(email_tokens::Column::Registration, no_registration())
        .filter(email_tokens::Column::UserId.eq(user_id.uuid()))
        .filter(email_tokens::Column::UsedAt.is_null());
    if let Some(purpose) = purpose {
        update = update.filter(email_tokens::Column::Purpose.eq(purpose.as_str()));
    }
    update.exec(db).await.map(|_| ())
}

/// The sign-in throttle row of an address, created empty if missing and locked for the rest of
/// the transaction, so that concurrent attempts are counted one after the other.
pub async fn lock_login_throttle(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    email_key: &str,
) -> Result<login_throttles::Model, DbErr> {
    let empty = login_throttles::Model {
        organization_id: organization_id.uuid(),
        email_key: email_key.to_string(),
        window_started_at: None,
        failures_in_window: 0,
        failures_in_a_row: 0,
        locked_until: None,
    };
    super::lock_or_create(
        db,
        empty,
        login_throttles::Entity::find_by_id((organization_id.uuid(), email_key.to_string())),
    )
    .await
}

/// Writes an address's throttle state (its row was locked with [`lock_login_throttle`]).
pub async fn save_login_throttle(
    db: &impl ConnectionTrait,
    row: login_throttles::Model,
) -> Result<(), DbErr> {
    super::save_locked::<login_throttles::Entity, _>(db, row).await
}

/// Forgets an address's failures (after a successful sign-in).
pub async fn clear_login_throttle(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    email_key: &str,
) -> Result<(), DbErr> {
    login_throttles::Entity::delete_by_id((organization_id.uuid(), email_key.to_string()))
        .exec(db)
        .await
        .map(|_| ())
}

/// An address's security-mail quota, created empty if missing and locked for the rest of the
/// transaction.
pub async fn lock_mail_quota(
    db: &impl ConnectionTrait,
    organization_id: OrganizationId,
    email_key: &str,
) -> Result<mail_quotas::Model, DbErr> {
    let empty = mail_quotas::Model {
        organization_id: organization_id.uuid(),
        email_key: email_key.to_string(),
        window_started_at: None,
        sent_in_window: 0,
    };
    super::lock_or_create(
        db,
        empty,
        mail_quotas::Entity::find_by_id((organization_id.uuid(), email_key.to_string())),
    )
    .await
}

/// Writes an address's quota (locked with [`lock_mail_quota`]).
pub async fn save_mail_quota(
    db: &impl ConnectionTrait,
    row: mail_quotas::Model,
) -> Result<(), DbErr> {
    super::save_locked::<mail_quotas::Entity, _>(db, row).await
}

/// An author's id, nickname, name and deletion time.
type AuthorRow = (
    Uuid,
    Option<String>,
    Option<String>,
    Option<time::OffsetDateTime>,
);

/// The names accounts show on what they write (nickname, else name; none once an account is
/// deleted).
pub async fn display_names(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Option<String>>, DbErr> {
    let rows: Vec<AuthorRow> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::Nickname)
        .column(users::Column::Name)
        .column(users::Column::DeletedAt)
        .filter(users::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, nickname, name, deleted_at)| {
            (
                id,
                deleted_at.is_none().then(|| nickname.or(name)).flatten(),
            )
        })
        .collect())
}
