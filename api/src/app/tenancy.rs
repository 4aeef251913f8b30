//! Organizations (tenants) and the actors acting in them.
//!
//! Every request is resolved to one [`Organization`] from its `Host`; every row a use case reads
//! or writes is filtered by that organization's id. An [`Actor`] is a signed-in account of that
//! organization with its roles.
//!
//! A server keeps the organizations it found by their own host for a second ([`Hosts`]): on
//! voting day the same few organizations answer every request, and their rows change only at the
//! command line (`plaza org ...`), which running servers then see within [`Hosts::FRESH_FOR`].

use super::AppState;
use super::error::{AppError, AppResult};
use crate::auth::jwt::{self, TokenRejection};
use crate::store::{self, entities::organizations};
use plaza_domain::FieldError;
use plaza_domain::accounts::{Role, Roles};
use plaza_domain::sessions::SessionState;
use plaza_domain::{FieldCode, OrganizationId, SessionId, UserId};
use time::OffsetDateTime;

/// A municipality served by this deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    pub slug: String,
    pub name: String,
    pub host: String,
    pub default_locale: String,
    pub available_locales: Vec<String>,
    pub minimum_age: u8,
    /// Where its residents live: their calendar days and local times.
    pub time_zone: TimeZone,
}

/// An IANA time zone, by name, with its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone {
    name: String,
    rules: jiff::tz::TimeZone,
}

impl TimeZone {
    /// The zone named `raw` (`Europe/Madrid`, `UTC`) in the bundled tz database.
    pub fn parse(field: &str, raw: &str) -> Result<TimeZone, FieldError> {
        let name = raw.trim();
        jiff::tz::TimeZone::get(name)
            .map(|rules| TimeZone {
                name: name.to_string(),
                rules,
            })
            .map_err(|_| {
                FieldError::new(
                    field,
                    FieldCode::UnknownTimeZone,
                    "Give an IANA time zone name, such as Europe/Madrid.",
                )
            })
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The calendar day at `instant` in this zone.
    pub fn date_at(&self, instant: OffsetDateTime) -> plaza_domain::Date {
        let local = jiff::Timestamp::from_second(instant.unix_timestamp())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(self.rules.clone())
            .date();
        plaza_domain::Date::new(
            i32::from(local.year()),
            local.month().unsigned_abs(),
            local.day().unsigned_abs(),
        )
        .unwrap_or_else(|| crate::clock::to_timestamp(instant).date())
    }

    /// The instant of the local wall-clock time `year-month-day hour:00` in this zone (the later
    /// one in a repeated hour, the first valid one after a skipped hour).
    pub fn instant_of(&self, year: i16, month: i8, day: i8, hour: i8) -> Option<OffsetDateTime> {
        let civil = jiff::civil::date(year, month, day).at(hour, 0, 0, 0);
        let zoned = civil.to_zoned(self.rules.clone()).ok()?;
        OffsetDateTime::from_unix_timestamp(zoned.timestamp().as_second()).ok()
    }
}

impl TryFrom<organizations::Model> for Organization {
    type Error = AppError;

    /// Reads a stored organization; a value the server cannot read is a failure, never a default.
    fn try_from(row: organizations::Model) -> Result<Organization, AppError> {
        let unreadable = |what: &str| {
            AppError::internal(format!("organization {}: unreadable {what}", row.slug))
        };
        Ok(Organization {
            available_locales: serde_json::from_value(row.available_locales.clone())
                .map_err(|_| unreadable("available_locales"))?,
            minimum_age: u8::try_from(row.minimum_age).map_err(|_| unreadable("minimum_age"))?,
            time_zone: TimeZone::parse("time_zone", &row.time_zone)
                .map_err(|_| unreadable("time_zone"))?,
            id: OrganizationId::from(row.id),
            slug: row.slug,
            name: row.name,
            host: row.host,
            default_locale: row.default_locale,
        })
    }
}

/// The host of a `Host` header: lowercase, without port and without the trailing dot of a fully
/// qualified name (`Barcelona.Example.:8080` → `barcelona.example`).
pub fn normalize_host(raw: &str) -> String {
    let raw = raw.trim().to_ascii_lowercase();
    if let Some(rest) = raw.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    let host = raw.split(':').next().unwrap_or_default();
    host.strip_suffix('.').unwrap_or(host).to_string()
}

/// Finds the organization serving `host`.
pub async fn resolve(state: &AppState, host: &str) -> AppResult<Organization> {
    let host = normalize_host(host);
    if let Some(found) = state.hosts.get(&host) {
        return Ok(found);
    }
    let organization = store::orgs::find_for_host(
        &state.db,
        &host,
        state.settings.default_organization.as_deref(),
    )
    .await?
    .map(Organization::try_from)
    .transpose()?
    .ok_or(AppError::OrganizationNotFound)?;
    if organization.host == host {
        // Only an organization found by its own host is kept: the fallbacks (the default
        // organization, the only one) answer for any host, and a second organization created
        // meanwhile may take it.
        state.hosts.keep(host, organization.clone());
    }
    Ok(organization)
}

/// The organizations a server found by their hosts, each kept for [`Hosts::FRESH_FOR`].
#[derive(Debug, Default)]
pub struct Hosts {
    found: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Organization)>>,
}

impl Hosts {
    /// How long an organization found is used without reading it again.
    pub const FRESH_FOR: std::time::Duration = std::time::Duration::from_secs(1);
    /// The most hosts kept (each is an organization's own host, so a handful in practice).
    const MAX_HOSTS: usize = 1_024;

    fn get(&self, host: &str) -> Option<Organization> {
        let found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        found
            .get(host)
            .filter(|(at, _)| at.elapsed() < Self::FRESH_FOR)
            .map(|(_, organization)| organization.clone())
    }

    fn keep(&self, host: String, organization: Organization) {
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        if found.len() >= Self::MAX_HOSTS {
            found.retain(|_, (at, _)| at.elapsed() < Self::FRESH_FOR);
        }
        if found.len() < Self::MAX_HOSTS {
            found.insert(host, (std::time::Instant::now(), organization));
        }
    }
}

/// A signed-in account acting in an organization.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account: super::accounts::Account,
    pub roles: Roles,
    pub session_id: SessionId,
}

impl Actor {
    pub fn id(&self) -> UserId {
        self.account.id
    }
}

/// Authenticates a bearer access token presented to `organization`: the signature, expiry and
/// organization of the token, then that its session is live and its account exists, is not
/// deleted and is not blocked.
pub async fn authenticate(
    state: &AppState,
    organization: &Organization,
    token: &str,
) -> AppResult<Actor> {
    let now = state.clock.timestamp();
    let claims = jwt::verify_with_any(&state.keys.verifying_jwt(), token, organization.id, now)
        .map_err(|rejection| match rejection {
            TokenRejection::Expired => AppError::TokenExpired,
            TokenRejection::Invalid => AppError::Unauthenticated,
        })?;
    let store::users::SignedIn {
        session,
        user,
        roles,
    } = store::users::signed_in(&state.db, organization.id, claims.sid, claims.sub)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let live = SessionState {
        created_at: crate::clock::to_timestamp(session.created_at),
        last_used_at: crate::clock::to_timestamp(session.last_used_at),
        revoked: session.revoked_at.is_some(),
    };
    // The idle timeout applies to refreshes; an access token stays usable for its short life
    // unless its session was revoked or reached the absolute limit.
    if live.revoked || !live.is_live_ignoring_idle(now) {
        return Err(AppError::Unauthenticated);
    }
    if user.deleted_at.is_some() {
        return Err(AppError::Unauthenticated);
    }
    if user.blocked_at.is_some() {
        return Err(plaza_domain::DomainError::AccountBlocked.into());
    }
    let account = super::accounts::Account::try_from(user)?;
    let roles = Roles::new(parse_roles(account.id, &roles)?);
    Ok(Actor {
        account,
        roles,
        session_id: SessionId::from(session.id),
    })
}

/// The account an access token was issued to, when its signature and expiry hold (no database
/// read: the session and the account are checked by [`authenticate`] when the operation runs).
/// Keys a client's `Idempotency-Key` to its account before the operation decides anything.
pub fn token_subject(state: &AppState, organization: &Organization, token: &str) -> Option<UserId> {
    jwt::verify_with_any(
        &state.keys.verifying_jwt(),
        token,
        organization.id,
        state.clock.timestamp(),
    )
    .ok()
    .map(|claims| claims.sub)
}

/// The roles an account holds.
pub async fn roles_of(state: &AppState, user_id: UserId) -> AppResult<Roles> {
    roles_in(&state.db, user_id).await
}

/// The roles an account holds, read through `db` (a transaction, to decide under its locks).
pub async fn roles_in(db: &impl sea_orm::ConnectionTrait, user_id: UserId) -> AppResult<Roles> {
    let names = store::users::roles_of(db, user_id).await?;
    Ok(Roles::new(parse_roles(user_id, &names)?))
}

/// The roles `actor` holds within the process `process`: their organization-wide roles and
/// those granted for that process alone (an evaluator of one process evaluates only there).
pub async fn roles_in_process(
    db: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    process: plaza_domain::ProcessId,
) -> AppResult<Roles> {
    let names = store::users::roles_in_process(db, actor.id(), process).await?;
    Ok(actor.roles.within_process(parse_roles(actor.id(), &names)?))
}

/// Every role an account holds anywhere: organization-wide or for some process (to decide
/// whether it is a civil servant at all).
pub async fn roles_anywhere(
    db: &impl sea_orm::ConnectionTrait,
    user_id: UserId,
) -> AppResult<Roles> {
    let organization_wide = roles_in(db, user_id).await?;
    let mut granted = Vec::new();
    for role in plaza_domain::accounts::PROCESS_ROLES {
        if store::users::holds_process_role(db, user_id, role.as_str()).await? {
            granted.push(role);
        }
    }
    Ok(organization_wide.within_process(granted))
}

/// Stored role names, read. A role the server cannot read fails the request: dropping it could
/// demote an admin silently, or hide a grant nobody made.
fn parse_roles(user_id: UserId, names: &[String]) -> AppResult<Vec<Role>> {
    names
        .iter()
        .map(|name| {
            Role::parse(name).ok_or_else(|| {
                AppError::internal(format!("account {user_id}: unreadable role {name:?}"))
            })
        })
        .collect()
}
