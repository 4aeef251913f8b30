//! Census use cases: an admin imports residents; a participant verifies against them.

use super::AppState;
use super::error::{AppError, AppResult};
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::clock::{from_time_date, from_timestamp, to_time_date, to_timestamp};
use crate::db;
use crate::store::{
    self,
    entities::{census_records, document_attempts, residents, verification_attempts},
};
use plaza_domain::accounts::{Permission, authorize};
use plaza_domain::census::{
    self, DocumentHolder, DocumentNumber, MAX_DOCUMENT_LENGTH, MIN_DOCUMENT_LENGTH,
    PreviousVerification, VerificationLock,
};
use plaza_domain::scopes::ScopeCode;
use plaza_domain::{Date, DomainError, FieldCode, FieldError};
use plaza_domain::{ScopeId, UserId};
use std::collections::HashMap;
use uuid::Uuid;

/// Whether an import adds to the census or replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportMode {
    /// Add new records, refresh those already there, remove nothing (the default: a city may
    /// import its census in several files).
    #[default]
    Merge,
    /// The file is the whole census: records absent from it are removed, and so is the residency
    /// of every resident whose document they were (they moved away or died). Their past
    /// participation stays counted; they cannot verify again until they are back in a census.
    Replace,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    /// Documents that were not in the census before.
    pub created: u64,
    /// Documents already there, whose birth date and scope were refreshed.
    pub updated: u64,
    /// Records removed because a replacing import did not list them.
    pub removed: u64,
    /// Residencies ended because their document left the census.
    pub residents_removed: u64,
    /// Records in the organization's census after the import.
    pub total: u64,
}

/// Imports a census CSV: all rows or none. Unknown scope codes and malformed rows are reported
/// together, each as `lines.N` with a code. The import is audited (counts only: the audit log
/// never holds document numbers).
pub async fn import(
    state: &AppState,
    organization: &Organization,
    actor: Option<&Actor>,
    csv: &str,
    mode: ImportMode,
) -> AppResult<ImportSummary> {
    if let Some(actor) = actor {
        authorize(&actor.roles, Permission::ImportCensus)?;
    }
    let line_error = |line: usize, code: FieldCode, message: String| {
        FieldError::new(format!("lines.{line}"), code, message)
    };
    let entries = census::parse_census_csv(csv).map_err(|errors| {
        DomainError::Invalid(
            errors
                .into_iter()
                .map(|e| line_error(e.line, e.code, e.message))
                .collect(),
        )
    })?;

    let scopes: HashMap<String, Uuid> = store::orgs::scopes_of(&state.db, organization.id)
        .await?
        .into_iter()
        .map(|s| (s.code, s.id))
        .collect();
    let mut unknown = Vec::new();
    let mut rows = Vec::with_capacity(entries.len());
    let now = state.now();
    for entry in &entries {
        // A code in the file is read as codes are stored (`ScopeCode`: in capitals), so a file
        // may write `b31` for `B31`; one that is no code at all matches no scope.
        let code = ScopeCode::parse("scope_code", &entry.scope_code).ok();
        match code.and_then(|code| scopes.get(code.as_str())) {
            Some(scope_id) => rows.push(census_records::Model {
                id: Uuid::now_v7(),
                organization_id: organization.id.uuid(),
                document_hash: state
                    .keys
                    .census_document_hash(organization.id.uuid(), &entry.document),
                birth_date: to_time_date(entry.birth_date)
                    .ok_or_else(|| AppError::internal("census date out of range"))?,
                scope_id: *scope_id,
                imported_at: now,
            }),
            None => unknown.push(line_error(
                entry.line,
                FieldCode::UnknownScopeCode,
                format!("No scope has the code {:?}.", entry.scope_code),
            )),
        }
    }
    if !unknown.is_empty() {
        return Err(DomainError::Invalid(unknown).into());
    }
    if mode == ImportMode::Replace && rows.is_empty() {
        return Err(FieldError::new(
            "body",
            FieldCode::EmptyCensus,
            "A replacing import needs at least one record: it would empty the census.",
        )
        .into());
    }

    let keep: std::collections::HashSet<String> =
        rows.iter().map(|row| row.document_hash.clone()).collect();
    let work = UnitOfWork::begin(state, organization, actor.map(Actor::id)).await?;
    let created = store::census::import_records(work.db(), organization.id, rows).await?;
    let updated = entries.len() as u64 - created;
    let (removed, residents_removed) = match mode {
        ImportMode::Merge => (0, 0),
        ImportMode::Replace => (
            store::census::remove_records_not_in(work.db(), organization.id, &keep).await?,
            store::census::remove_residents_without_record(work.db(), organization.id).await?,
        ),
    };
    let total = store::census::record_count(work.db(), organization.id).await?;
    let summary = serde_json::json!({
        "mode": match mode { ImportMode::Merge => "merge", ImportMode::Replace => "replace" },
        "created": created,
        "updated": updated,
        "removed": removed,
        "residents_removed": residents_removed,
        "total": total,
    });
    work.audit(
        AuditAction::CensusImport,
        organization.id,
        None,
        Some(summary),
    )
    .await?;
    work.commit().await?;
    Ok(ImportSummary {
        created,
        updated,
        removed,
        residents_removed,
        total,
    })
}

/// A verified residency: where, and since when.
#[derive(Debug, Clone)]
pub struct Residency {
    pub scope: super::catalog::Scope,
    pub verified_at: time::OffsetDateTime,
}

/// Verifies the actor against the census with a document number and birth date. A failed match
/// counts towards the lock (and is committed even though the request fails); being under age or
/// presenting a document that another live account already verified does not.
pub async fn verify(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    document_number: &str,
    birth_date: &str,
) -> AppResult<Residency> {
    let (document, claimed) = parse_verification(document_number, birth_date)?;
    let now = state.now();
    // The resident's calendar day where they live: a birthday begins at local midnight.
    let today = organization.time_zone.date_at(now);
    let document_hash = state
        .keys
        .census_document_hash(organization.id.uuid(), &document);
    let tx = db::begin_write(&state.db).await?;
    // The account's verification lock first: two verifications of one account run one after
    // the other, and the second sees the residency the first created.
    let lock = store::locks::Lock::Verification {
        user_id: actor.id(),
    };
    store::locks::take(&tx, lock).await?;
    store::users::by_id(&tx, organization.id, actor.id())
        .await?
        .filter(|user| user.deleted_at.is_none())
        .ok_or(AppError::Unauthenticated)?;
    let previous = match store::census::resident_of(&tx, actor.id()).await? {
        None => PreviousVerification::None,
        Some(resident) if resident.document_hash == document_hash => {
            PreviousVerification::SameDocument
        }
        Some(_) => PreviousVerification::OtherDocument,
    };
    previous.check()?;
    let attempts = Attempts::lock(&tx, organization, actor, &document_hash, now).await?;
    attempts.check(now)?;
    let record = store::census::record_by_hash(&tx, organization.id, &document_hash).await?;
    let holder = document_holder(&tx, organization, actor, &document_hash).await?;

    let decision = census::decide_verification(
        claimed,
        record.as_ref().map(|row| from_time_date(row.birth_date)),
        holder,
        organization.minimum_age,
        today,
    );
    let verified = match decision {
        Ok(verified) => verified,
        Err(refusal) => {
            if refusal.counts_as_failure {
                let failures = attempts.count_failure(&tx, now).await?;
                tx.commit().await?;
                tracing::info!(user = %actor.id(), failures, "census verification failed");
            }
            return Err(refusal.error.into());
        }
    };
    let Some(record) = record else {
        return Err(AppError::internal("verified without a census record"));
    };
    let resident = residents::Model {
        user_id: actor.id().uuid(),
        organization_id: organization.id.uuid(),
        document_hash,
        scope_id: record.scope_id,
        birth_date: record.birth_date,
        verified_at: now,
    };
    let residency = make_resident(&tx, organization, resident, verified.takes_over).await?;
    store::census::clear_attempts(&tx, actor.id()).await?;
    tx.commit().await?;
    if let Some(previous) = verified.takes_over {
        tracing::info!(user = %actor.id(), previous = %previous, "residency taken over from a deleted account");
    }
    Ok(residency)
}

/// Reads a verification request: the document as printed and the claimed birth date.
fn parse_verification(
    document_number: &str,
    birth_date: &str,
) -> AppResult<(DocumentNumber, Date)> {
    let mut errors = plaza_domain::FieldErrors::new();
    let document = errors.take(DocumentNumber::parse(document_number).ok_or_else(|| {
        FieldError::new(
            "document_number",
            FieldCode::InvalidDocumentNumber,
            format!(
                "Enter the document number as printed ({MIN_DOCUMENT_LENGTH} to \
                 {MAX_DOCUMENT_LENGTH} letters and digits)."
            ),
        )
    }));
    let claimed = errors.take(Date::parse_iso(birth_date).ok_or_else(|| {
        FieldError::new(
            "birth_date",
            FieldCode::InvalidDate,
            "Enter the date as YYYY-MM-DD.",
        )
    }));
    errors.finish()?;
    match (document, claimed) {
        (Some(document), Some(claimed)) => Ok((document, claimed)),
        _ => Err(AppError::internal("validated fields missing")),
    }
}

/// Who holds the residency of a document already, as the verification rule sees it.
async fn document_holder(
    db: &impl sea_orm::ConnectionTrait,
    organization: &Organization,
    actor: &Actor,
    document_hash: &str,
) -> AppResult<DocumentHolder<UserId>> {
    let found = store::census::resident_by_document(db, organization.id, document_hash).await?;
    Ok(match found {
        None => DocumentHolder::Nobody,
        Some((resident, _)) if resident.user_id == actor.id().uuid() => DocumentHolder::ThisAccount,
        Some((resident, Some(account))) if account.deleted_at.is_some() => {
            DocumentHolder::DeletedAccount(UserId::from(resident.user_id))
        }
        Some((resident, None)) => DocumentHolder::DeletedAccount(UserId::from(resident.user_id)),
        Some(_) => DocumentHolder::OtherLiveAccount,
    })
}

/// The failed attempts counted against the account and against the document, locked for the
/// rest of the transaction.
struct Attempts {
    account_row: verification_attempts::Model,
    document_row: document_attempts::Model,
    account: VerificationLock,
    document: VerificationLock,
}

impl Attempts {
    async fn lock(
        db: &impl sea_orm::ConnectionTrait,
        organization: &Organization,
        actor: &Actor,
        document_hash: &str,
        now: time::OffsetDateTime,
    ) -> AppResult<Attempts> {
        let account_row = store::census::lock_account_attempts(db, actor.id(), now).await?;
        let document_row =
            store::census::lock_document_attempts(db, organization.id, document_hash).await?;
        Ok(Attempts {
            account: VerificationLock {
                failures: store::stored_count(account_row.failures, "verification failures")?,
                last_failure_at: Some(to_timestamp(account_row.last_failure_at)),
                locked_until: account_row.locked_until.map(to_timestamp),
            },
            document: VerificationLock {
                failures: store::stored_count(document_row.failures, "verification failures")?,
                last_failure_at: document_row.last_failure_at.map(to_timestamp),
                locked_until: document_row.locked_until.map(to_timestamp),
            },
            account_row,
            document_row,
        })
    }

    /// Refuses while either the account or the document is locked.
    fn check(&self, now: time::OffsetDateTime) -> AppResult<()> {
        self.account.check(to_timestamp(now))?;
        self.document.check(to_timestamp(now))?;
        Ok(())
    }

    /// Counts a failed attempt against both; returns the account's failures so far.
    async fn count_failure(
        self,
        db: &impl sea_orm::ConnectionTrait,
        now: time::OffsetDateTime,
    ) -> AppResult<u32> {
        let account_next = self.account.after_failure(to_timestamp(now));
        let document_next = self.document.after_document_failure(to_timestamp(now));
        let account_row = verification_attempts::Model {
            failures: i32::try_from(account_next.failures).unwrap_or(i32::MAX),
            last_failure_at: now,
            locked_until: account_next.locked_until.map(from_timestamp),
            ..self.account_row
        };
        store::census::save_account_attempts(db, account_row).await?;
        let document_row = document_attempts::Model {
            failures: i32::try_from(document_next.failures).unwrap_or(i32::MAX),
            last_failure_at: Some(now),
            locked_until: document_next.locked_until.map(from_timestamp),
            ..self.document_row
        };
        store::census::save_document_attempts(db, document_row).await?;
        Ok(account_next.failures)
    }
}

/// Stores the residency (taking it over from a deleted account that held the document) and
/// returns it with its scope. A concurrent verification of the same document by another live
/// account loses on the unique index: 409 `document_already_used`.
async fn make_resident(
    db: &impl sea_orm::ConnectionTrait,
    organization: &Organization,
    resident: residents::Model,
    takes_over: Option<UserId>,
) -> AppResult<Residency> {
    let scope_id = ScopeId::from(resident.scope_id);
    let verified_at = resident.verified_at;
    store::census::make_resident(db, resident, takes_over)
        .await
        .map_err(|error| {
            if store::census::UX_RESIDENT_DOCUMENT.violated_by(&error) {
                AppError::Domain(DomainError::DocumentAlreadyUsed)
            } else {
                error.into()
            }
        })?;
    let scope = store::orgs::scope(db, organization.id, scope_id)
        .await?
        .ok_or_else(|| AppError::internal("census scope vanished"))?;
    Ok(Residency {
        scope: super::catalog::Scope::try_from(scope)?,
        verified_at,
    })
}
