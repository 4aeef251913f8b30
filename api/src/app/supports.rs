//! Supports as use cases: a participant supports a proposal, or takes their support back.
//!
//! Both run in one [`UnitOfWork`] under the participant's participation lock in the process
//! (`store::locks::Lock::Participation`): their supports there are counted, checked against
//! `vote_limit` and `minimum_votes_per_user`, and written one request at a time, so that ten
//! parallel supports with five left accept exactly five. One support per participant and
//! proposal is the table's primary key besides: a second one is refused (409
//! `already_supported`) whether the check or the key finds it.
//!
//! Counters follow the rows: each row's `counted` flag changes together with the proposal's
//! `supports_count` ([`plaza_domain::proposals::supports::Recount`] says which), and a threshold
//! is checked by the counter's own update (`supports_count < threshold`), so that two supporters
//! of one proposal cannot pass it together.

use super::AppState;
use super::catalog::{self, ProcessRef};
use super::error::AppResult;
use super::proposals::{Shown, as_rules, shown, visible_row};
use super::tenancy::{Actor, Organization};
use super::unit::UnitOfWork;
use crate::store::{self, entities::proposal_supports, locks::Lock};
use plaza_domain::processes::Feature;
use plaza_domain::proposals::supports::{
    self as rules, Recount, Supporter, after_support, after_withdrawal,
};
use plaza_domain::{DomainError, ProcessId, ProposalId};

/// `actor` supports the proposal `id`; the proposal as it is afterwards.
pub async fn support(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: ProposalId,
) -> AppResult<Shown> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let db = work.db();
    let row = visible_row(db, organization, Some(actor), id, false).await?;
    let process_id = ProcessId::from(row.process_id);
    let process =
        catalog::process_in(db, organization, ProcessRef::Id(process_id), work.now()).await?;
    let settings = &process.process.proposal_settings;
    store::locks::take(
        db,
        Lock::Participation {
            user_id: actor.id(),
            process_id,
        },
    )
    .await?;
    // Read again, locked: an author withdrawing it, or another supporter reaching its
    // threshold, decides before or after this support, never beside it.
    let row = visible_row(db, organization, Some(actor), id, true).await?;
    let proposal = as_rules(&row, row.supports_count > 0)?;
    if store::proposals::support(db, id, actor.id())
        .await?
        .is_some()
    {
        return Err(DomainError::AlreadySupported.into());
    }
    let before = given(db, actor, process_id).await?;
    let supporter = Supporter {
        resident: store::census::resident_of(db, actor.id()).await?.is_some(),
        supports_in_process: before,
    };
    rules::may_support(
        process.require_open(Feature::Supports),
        supporter,
        &proposal,
        settings,
    )?;
    let recount = after_support(settings, before);
    let inserted = store::proposals::insert_support(
        db,
        proposal_supports::Model {
            proposal_id: id.uuid(),
            user_id: actor.id().uuid(),
            process_id: process_id.uuid(),
            counted: recount == Recount::ThisProposal,
            created_at: work.now(),
        },
    )
    .await;
    match inserted {
        Err(error) if store::proposals::PK_SUPPORT.violated_by(&error) => {
            return Err(DomainError::AlreadySupported.into());
        }
        other => other?,
    }
    let threshold = (settings.threshold_per_proposal > 0
        && !settings.can_accumulate_supports_beyond_threshold)
        .then_some(settings.threshold_per_proposal);
    match recount {
        Recount::Nothing => {}
        Recount::ThisProposal => {
            if !store::proposals::add_support_count(db, id, 1, threshold).await? {
                // Another supporter reached the threshold first; nothing of this one stays.
                let threshold = threshold.unwrap_or_default();
                return Err(DomainError::SupportThresholdReached { threshold }.into());
            }
        }
        Recount::AllOfTheirs => {
            let now_counted =
                store::proposals::set_counted(db, actor.id(), process_id, true).await?;
            store::proposals::add_support_counts(db, &now_counted, 1).await?;
        }
    }
    let after = visible_row(db, organization, Some(actor), id, false).await?;
    let shown = shown(db, &process, Some(actor), after, work.now()).await?;
    work.commit().await?;
    Ok(shown)
}

/// `actor` takes back their support of the proposal `id`, while the phase opens supports.
pub async fn withdraw(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    id: ProposalId,
) -> AppResult<Shown> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let db = work.db();
    let row = visible_row(db, organization, Some(actor), id, false).await?;
    let process_id = ProcessId::from(row.process_id);
    let process =
        catalog::process_in(db, organization, ProcessRef::Id(process_id), work.now()).await?;
    let settings = &process.process.proposal_settings;
    store::locks::take(
        db,
        Lock::Participation {
            user_id: actor.id(),
            process_id,
        },
    )
    .await?;
    rules::may_withdraw_support(process.require_open(Feature::Supports))?;
    let support = store::proposals::support(db, id, actor.id())
        .await?
        .ok_or(DomainError::NotSupported)?;
    let before = given(db, actor, process_id).await?;
    store::proposals::delete_support(db, id, actor.id()).await?;
    match after_withdrawal(settings, before) {
        Recount::Nothing | Recount::ThisProposal => {}
        Recount::AllOfTheirs => {
            let uncounted =
                store::proposals::set_counted(db, actor.id(), process_id, false).await?;
            store::proposals::add_support_counts(db, &uncounted, -1).await?;
        }
    }
    // The withdrawn row leaves the count it was in, whatever the rule says of the others (an
    // admin may have changed the minimum since it was given).
    if support.counted {
        store::proposals::add_support_count(db, id, -1, None).await?;
    }
    let after = visible_row(db, organization, Some(actor), id, false).await?;
    let shown = shown(db, &process, Some(actor), after, work.now()).await?;
    work.commit().await?;
    Ok(shown)
}

/// How many supports `actor` gives in the process (read under their participation lock).
async fn given(
    db: &impl sea_orm::ConnectionTrait,
    actor: &Actor,
    process: ProcessId,
) -> AppResult<u32> {
    let count = store::proposals::supports_in_process(db, actor.id(), process).await?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}
