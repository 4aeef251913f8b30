//! A resident's ballot in a budget as use cases: read it, choose and unchoose projects, cast it
//! (checkout, with a receipt), and cancel it or empty it (DESIGN §2.5).
//!
//! Every decision is `plaza_domain::budgets`': [`Ballot::set`], [`Ballot::remove`],
//! [`Ballot::checkout`] and [`Ballot::cancel`] decide on the ballot as stored (each line with
//! its project's current cost), the voter (census residency as at their first ballot of the
//! process, age on the organization's calendar day, their other ballots of the process) and the
//! voting window of the process's active phase on the server's clock. A write runs in one
//! [`UnitOfWork`] under the voter's participation lock in the process (`Lock::Participation`),
//! taken before anything it decides on is read (but the residency and the scopes above it, which
//! no lock covers and the statement taking the lock reads): twenty parallel first choices make one ballot,
//! two projects that do not fit together are never both chosen, and under workflow `one` two
//! budgets are never both cast. The unique `(budget, voter)` key stands behind the lock. A write
//! that may make the voter's first ballot of a budget (after which the budget's settings and
//! costs freeze) reads the process's and its budgets' rows again `FOR SHARE`: an admin's change,
//! which locks them `FOR UPDATE` and then counts ballots, either commits first and is decided
//! on, or waits and then finds the ballot (409 `budget_rules_locked`).
//!
//! A write reads little, since every vote on voting day runs it: the budget with the other
//! budgets of its process and the process with its phases in one statement, the residency
//! with the scopes above it (a recursive walk, not the whole tree) in the statement that takes
//! the lock, then the voter's ballots of the process with their line counts and the ballot's
//! lines with their projects in one. The writes that nothing reads back (the ballot's row, the
//! audit entry, the receipt mail) go to PostgreSQL together when it commits
//! ([`UnitOfWork::defer`]).
//!
//! A ballot belongs to the resident (their census document), not to the account: an account
//! that re-registers and verifies with the same document finds the ballot its former account
//! left, may cancel it or, once cancelled, fill it again, but never reads what it held. On its
//! first write the new account takes the ballot over: a draft's projects are dropped (nothing of
//! them was counted); a cast ballot stays cast and counted (shown as `inherited`, without its
//! projects or receipt) until it is cancelled, which drops its projects.
//!
//! Checkout stores the cast time (whole seconds) and the receipt's seal (HMAC-SHA256 under the
//! server's receipt key, [`crate::auth::Keys::receipt_key`]), writes one audit entry and queues
//! the receipt mail, all in its transaction. Counts of votes are never part of a ballot's answer;
//! where a budget shows them during voting, checkout and cancellation move them in the same
//! transaction.

use super::AppState;
use super::budgets::Budget;
use super::catalog;
use super::error::{AppError, AppResult};
use super::tenancy::{Actor, Organization};
use super::unit::{AuditAction, UnitOfWork};
use crate::clock::{from_time_date, from_timestamp, to_timestamp};
use crate::jobs::{AccountMail, Job};
use crate::store::ballots::Holder;
use crate::store::entities::{ballots, residents};
use crate::store::{self, locks::Lock};
use plaza_domain::budgets::{
    self as rules, Ballot, BallotId, BallotProgress, BallotStatus, BudgetId, BudgetVoting, Choice,
    IneligibilityReason, ProcessBudget, ProjectId, Receipt, ReceiptSeal, Residency, Resident,
    ScopeAncestry, Stage, VoteCountVisibility, Voter, VoterBallot, VotingWindow, check_eligibility,
};
use plaza_domain::calendar::Timestamp;
use plaza_domain::{Cents, DomainError, ProcessId};
use std::collections::HashMap;
use std::num::NonZeroU32;
use time::OffsetDateTime;
use uuid::Uuid;

/// One chosen project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub project_id: Uuid,
    /// Its cost now.
    pub cost: Cents,
    /// 1 under rules without points.
    pub points: u32,
}

/// A ballot as its voter sees it.
#[derive(Debug, Clone)]
pub struct BallotState {
    /// `None` until the first project is chosen.
    pub id: Option<Uuid>,
    pub budget_id: Uuid,
    /// `Some` once cast.
    pub cast_at: Option<OffsetDateTime>,
    /// By ascending project id; empty when `inherited`.
    pub lines: Vec<Line>,
    /// Cast by a former account of the same resident: counted, its content not shown.
    pub inherited: bool,
    pub total_cost: Cents,
    pub points_used: u64,
    /// Whether ballots of the budget may be written now.
    pub voting_open: bool,
    /// Why the voter may not fill a ballot here (`None`: they may).
    pub ineligible: Option<IneligibilityReason>,
    /// For a draft: why it could not be cast now, as the voting rule goes (`None`: it could).
    pub checkout_refusal: Option<DomainError>,
}

/// A cast ballot's receipt, and whether it still matches the ballot.
#[derive(Debug, Clone)]
pub struct ReceiptState {
    pub budget_id: Uuid,
    pub ballot_id: Uuid,
    pub cast_at: OffsetDateTime,
    pub key_id: String,
    /// HMAC-SHA256, hex.
    pub seal: String,
    /// Whether the seal is the stored ballot's, checked now under the key it names.
    pub valid: bool,
}

/// The voter's ballot of budget `budget_id` (an empty draft without id when they have none).
pub async fn show(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
) -> AppResult<BallotState> {
    let scene = Scene::load(
        &state.db,
        organization,
        actor,
        budget_id,
        state.now(),
        false,
    )
    .await?;
    scene.state()
}

/// Chooses project `project_id` in the voter's ballot of `budget_id` (`points` under cumulative
/// rules), or changes its points: `PUT .../ballot/projects/{project_id}`.
pub async fn choose(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
    project_id: Uuid,
    points: Option<u32>,
) -> AppResult<BallotState> {
    let choice = match points {
        None => Choice::Select,
        Some(points) => Choice::points(points)?,
    };
    let (work, scene, now) = begin(state, organization, actor, budget_id).await?;
    let project = store::budgets::project(work.db(), organization.id, project_id, false)
        .await?
        .ok_or(AppError::NotFound)?;
    let project = rules::Project::new(
        ProjectId(project.id.as_u128()),
        BudgetId(project.budget_id.as_u128()),
        Cents(project.cost_cents),
    )
    .map_err(|_| AppError::internal(format!("project {project_id}: stored cost is invalid")))?;
    let next = scene
        .ballot
        .set(scene.voting(), &scene.voter(), &project, choice, now)?;
    scene.save(work, next, None).await
}

/// Takes project `project_id` out of the voter's draft of `budget_id`.
pub async fn unchoose(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
    project_id: Uuid,
) -> AppResult<BallotState> {
    let (work, scene, now) = begin(state, organization, actor, budget_id).await?;
    let next = scene
        .ballot
        .remove(scene.voting(), ProjectId(project_id.as_u128()), now)?;
    scene.save(work, next, None).await
}

/// `DELETE /budgets/{id}/ballot`: a cast ballot is cancelled (a draft again, with its projects;
/// its receipt no longer counts); a draft is emptied. Both only while voting is open.
pub async fn withdraw(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
) -> AppResult<BallotState> {
    let (work, scene, now) = begin(state, organization, actor, budget_id).await?;
    match scene.ballot.status() {
        BallotStatus::Cast { .. } => {
            let cancelled = scene.ballot.cancel(scene.voting(), now)?;
            // A ballot another account cast goes back empty: its content is not the new
            // account's to read or to cast again.
            let next = if scene.hidden() {
                Ballot::new_draft(scene.ballot.id())
            } else {
                cancelled
            };
            if scene.counts_shown() {
                let chosen: Vec<Uuid> = scene.stored_lines.keys().copied().collect();
                store::budgets::add_votes(work.db(), &chosen, -1).await?;
            }
            if let Some(row) = &scene.row {
                work.audit(
                    AuditAction::BallotCancel,
                    row.id,
                    None,
                    Some(serde_json::json!({ "budget_id": budget_id })),
                )
                .await?;
            }
            scene.save(work, next, None).await
        }
        BallotStatus::Draft => {
            scene.voting().window.check_open(now)?;
            let mut next = scene.ballot.clone();
            for project in scene.ballot.lines().map(|line| line.project()) {
                next = next.remove(scene.voting(), project, now)?;
            }
            scene.save(work, next, None).await
        }
    }
}

/// Casts the voter's draft of `budget_id`: the ballot is validated and cast in one transaction,
/// with its receipt, its audit entry and the receipt mail.
pub async fn checkout(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
) -> AppResult<ReceiptState> {
    let (mut work, scene, now) = begin(state, organization, actor, budget_id).await?;
    let cast = scene.ballot.checkout(scene.voting(), &scene.voter(), now)?;
    let seal = cast.receipt.seal(&state.keys.receipt_key());
    let ballot_id = cast.ballot.id();
    if scene.counts_shown() {
        let chosen: Vec<Uuid> = cast
            .ballot
            .lines()
            .map(|line| Uuid::from_u128(line.project().0))
            .collect();
        store::budgets::add_votes(work.db(), &chosen, 1).await?;
    }
    let ballot_uuid = Uuid::from_u128(ballot_id.0);
    let cast_at = from_timestamp(now);
    work.audit(
        AuditAction::BallotCheckout,
        ballot_uuid,
        None,
        Some(serde_json::json!({ "budget_id": budget_id, "cast_at": now.seconds() })),
    )
    .await?;
    let receipt = ReceiptState {
        budget_id,
        ballot_id: ballot_uuid,
        cast_at,
        key_id: seal.key_id.clone(),
        seal: crate::auth::hex(&seal.mac),
        valid: true,
    };
    work.enqueue(Job::AccountMail {
        user_id: actor.id(),
        mail: AccountMail::BallotReceipt {
            budget_id,
            ballot_id: ballot_uuid,
            cast_at: cast_at
                .format(&time::format_description::well_known::Rfc3339)
                .map_err(AppError::internal)?,
            key_id: receipt.key_id.clone(),
            seal: receipt.seal.clone(),
        },
    })
    .await?;
    scene.save(work, cast.ballot, Some(&seal)).await?;
    Ok(receipt)
}

/// The receipt of the voter's cast ballot of `budget_id`, checked now against the ballot as
/// stored. Not found for a draft, for no ballot, and for a ballot a former account cast.
pub async fn receipt(
    state: &AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
) -> AppResult<ReceiptState> {
    let scene = Scene::load(
        &state.db,
        organization,
        actor,
        budget_id,
        state.now(),
        false,
    )
    .await?;
    let (Some(row), BallotStatus::Cast { cast_at }) = (&scene.row, scene.ballot.status()) else {
        return Err(AppError::NotFound);
    };
    if scene.hidden() {
        return Err(AppError::NotFound);
    }
    let (Some(key_id), Some(seal)) = (&row.receipt_key_id, &row.receipt_mac) else {
        return Err(AppError::internal(format!(
            "ballot {}: cast without a seal",
            row.id
        )));
    };
    let valid = match (state.keys.receipt_key_named(key_id), unhex(seal)) {
        (Some(key), Some(mac)) => {
            scene
                .ballot
                .receipt(scene.rules_budget.id)
                .is_some_and(|receipt: Receipt| {
                    receipt.verify(
                        &key,
                        &ReceiptSeal {
                            key_id: key_id.clone(),
                            mac,
                        },
                    )
                })
        }
        _ => false,
    };
    Ok(ReceiptState {
        budget_id,
        ballot_id: row.id,
        cast_at: from_timestamp(cast_at),
        key_id: key_id.clone(),
        seal: seal.clone(),
        valid,
    })
}

/// Opens the unit of work of a ballot write and reads its scene under the voter's lock; the
/// use case's time as the domain reads it.
async fn begin<'a>(
    state: &'a AppState,
    organization: &Organization,
    actor: &Actor,
    budget_id: Uuid,
) -> AppResult<(UnitOfWork<'a>, Scene, Timestamp)> {
    let work = UnitOfWork::begin(state, organization, Some(actor.id())).await?;
    let scene = Scene::load(work.db(), organization, actor, budget_id, work.now(), true).await?;
    let now = to_timestamp(work.now());
    Ok((work, scene, now))
}

/// Everything a ballot decision of one voter in one budget reads.
struct Scene {
    organization: Organization,
    actor_id: Uuid,
    process_id: ProcessId,
    rules_budget: rules::Budget,
    window: VotingWindow,
    process_budgets: Vec<ProcessBudget>,
    /// Where the resident lives as the process reads it.
    residency: Residency,
    /// The resident's census row (`None`: not a resident).
    resident: Option<residents::Model>,
    /// Where a new ballot says the resident lived at their first ballot of the process.
    residence_scope: Option<Uuid>,
    /// The voter's ballots of the process, as the workflow counts them.
    others: Vec<VoterBallot>,
    /// The stored ballot (`None`: none yet).
    row: Option<ballots::Model>,
    /// Its lines as stored (project, points).
    stored_lines: HashMap<Uuid, i32>,
    /// The ballot decisions start from (a draft another account left starts empty).
    ballot: Ballot,
    /// The use case's time, on the server's clock.
    now: Timestamp,
    today: plaza_domain::Date,
    minimum_age: u8,
}

impl Scene {
    /// Reads the scene; `for_write` takes the voter's lock in the process first and reads the
    /// ballot row locked.
    async fn load(
        db: &impl sea_orm::ConnectionTrait,
        organization: &Organization,
        actor: &Actor,
        budget_id: Uuid,
        now: OffsetDateTime,
        for_write: bool,
    ) -> AppResult<Scene> {
        // The budget with the other budgets of its process (the workflow is decided across
        // them), the process with its phases, then, for a write, the voter's lock.
        let (mut siblings, process, phases) =
            store::budgets::with_siblings_and_process(db, organization.id, budget_id)
                .await?
                .ok_or(AppError::NotFound)?;
        let process_id = ProcessId::from(process.id);
        let process = catalog::process_view(process, phases, now)?;
        // The voter's lock (a write), taken by the statement that reads their residency.
        let lock = for_write.then_some(Lock::Participation {
            user_id: actor.id(),
            process_id,
        });
        let (resident, scopes) =
            store::census::resident_with_scopes(db, organization.id, actor.id(), lock).await?;
        let mut parents: HashMap<Uuid, Option<Uuid>> = scopes.into_iter().collect();
        let holder = Holder::of(resident.as_ref(), actor.id().uuid());
        let in_process =
            store::ballots::in_process(db, process_id.uuid(), budget_id, holder, for_write).await?;
        let held = in_process
            .iter()
            .find(|held| held.ballot.budget_id == budget_id);
        if for_write && held.is_none() {
            // This write may make the voter's first ballot of the budget, after which its
            // settings freeze: read them again locked, so that an admin's change that counted
            // no ballot commits before this decision (and is decided on) or waits for it (and
            // then counts this ballot).
            siblings = store::budgets::with_siblings_shared(db, organization.id, budget_id).await?;
        }
        let row = held.map(|held| held.ballot.clone());
        let chosen = match held {
            // The ballot's row was locked by the statement that read its lines: when another
            // account holds it (a former account of the same resident, under a lock of its
            // own), the statement may have waited for that account's change of the row and read
            // the lines as they were before it. Read them again, after.
            Some(held) if for_write && held.ballot.user_id != actor.id().uuid() => {
                store::ballots::chosen(db, held.ballot.id).await?
            }
            Some(held) => held.chosen.clone(),
            None => Vec::new(),
        };
        let mut budget = None;
        let mut process_budgets = Vec::new();
        for other in siblings {
            let other = Budget::try_from(other)?;
            let settings = other.settings()?;
            process_budgets.push(ProcessBudget {
                id: BudgetId(other.id.as_u128()),
                scope: settings.scope(),
                workflow: settings.workflow(),
            });
            if other.id == budget_id {
                budget = Some(other);
            }
        }
        let budget = budget.ok_or(AppError::NotFound)?;
        let others = in_process
            .iter()
            .map(|held| VoterBallot {
                budget_id: BudgetId(held.ballot.budget_id.as_u128()),
                progress: if held.ballot.status == CAST {
                    BallotProgress::Cast
                } else if held.lines > 0 {
                    BallotProgress::InProgress
                } else {
                    BallotProgress::Empty
                },
            })
            .collect();
        let first_voted_in = in_process
            .iter()
            .min_by_key(|held| (held.ballot.created_at, held.ballot.id))
            .map(|held| held.ballot.residence_scope_id);
        let residency = match &resident {
            Some(row) => {
                if let Some(moved_from) =
                    first_voted_in.filter(|scope| !parents.contains_key(scope))
                {
                    // The resident moved since their first ballot of the process: where they
                    // lived then counts (`Residency::as_first_voted`).
                    parents.extend(
                        store::orgs::scopes_above(db, organization.id, &[moved_from]).await?,
                    );
                }
                let ancestry = |scope: Uuid| ancestry_of(scope, &parents);
                Residency::Resident(Resident {
                    scopes: ancestry(row.scope_id),
                    born_on: from_time_date(row.birth_date),
                })
                .as_first_voted(first_voted_in.map(ancestry).as_ref())
            }
            None => Residency::NotResident,
        };
        let residence_scope = first_voted_in.or(resident.as_ref().map(|row| row.scope_id));
        let rules_budget = rules::Budget {
            id: BudgetId(budget.id.as_u128()),
            settings: budget.settings()?,
        };
        let (ballot, stored_lines) = match &row {
            None => (
                Ballot::new_draft(BallotId(Uuid::now_v7().as_u128())),
                HashMap::new(),
            ),
            Some(row) => restore(row, &chosen, &rules_budget, actor)?,
        };
        Ok(Scene {
            organization: organization.clone(),
            actor_id: actor.id().uuid(),
            process_id,
            window: process.voting_window(),
            rules_budget,
            process_budgets,
            residency,
            resident,
            residence_scope,
            others,
            row,
            stored_lines,
            ballot,
            now: to_timestamp(now),
            today: organization.time_zone.date_at(now),
            minimum_age: organization.minimum_age,
        })
    }

    fn voting(&self) -> BudgetVoting<'_> {
        BudgetVoting {
            budget: &self.rules_budget,
            window: self.window,
        }
    }

    fn voter(&self) -> Voter<'_> {
        Voter {
            residency: &self.residency,
            minimum_age: self.minimum_age,
            today: self.today,
            process_budgets: &self.process_budgets,
            ballots: &self.others,
        }
    }

    /// Whether the budget shows its counts during voting: then each checkout and cancellation
    /// moves its projects' counts (`store::budgets::add_votes`); otherwise nothing is counted
    /// until the tally.
    fn counts_shown(&self) -> bool {
        self.rules_budget.settings.vote_counts() == VoteCountVisibility::ShownWhileVoting
    }

    /// Whether the stored ballot's content is not the acting account's to see: another account
    /// (a former account of the same resident) holds it.
    fn hidden(&self) -> bool {
        self.row
            .as_ref()
            .is_some_and(|row| row.user_id != self.actor_id)
    }

    /// The ballot as its voter sees it now.
    fn state(&self) -> AppResult<BallotState> {
        let hidden = self.hidden();
        let cast_at = match self.ballot.status() {
            BallotStatus::Cast { cast_at } => Some(from_timestamp(cast_at)),
            BallotStatus::Draft => None,
        };
        let shown = if hidden && cast_at.is_none() {
            // A draft another account left: it starts empty for this one.
            Ballot::new_draft(self.ballot.id())
        } else {
            self.ballot.clone()
        };
        let lines = if hidden {
            Vec::new()
        } else {
            shown
                .lines()
                .map(|line| Line {
                    project_id: Uuid::from_u128(line.project().0),
                    cost: line.cost(),
                    points: line.points().get(),
                })
                .collect()
        };
        Ok(BallotState {
            id: self.row.as_ref().map(|row| row.id),
            budget_id: Uuid::from_u128(self.rules_budget.id.0),
            cast_at,
            inherited: hidden && cast_at.is_some(),
            total_cost: if hidden { Cents(0) } else { shown.total_cost() },
            points_used: if hidden { 0 } else { shown.points_used() },
            lines,
            voting_open: self.window.is_open_at(self.now),
            ineligible: match check_eligibility(
                &ProcessBudget::from(&self.rules_budget),
                &self.voter(),
                Stage::Filling,
            ) {
                Err(DomainError::NotEligible { reason }) => Some(reason),
                _ => None,
            },
            checkout_refusal: match cast_at {
                Some(_) => None,
                None => shown.check_complete(&self.rules_budget).err(),
            },
        })
    }

    /// Stores `next` (with `seal` when it was just cast), commits `work`, and answers the ballot
    /// as it is now.
    async fn save(
        mut self,
        work: UnitOfWork<'_>,
        next: Ballot,
        seal: Option<&ReceiptSeal>,
    ) -> AppResult<BallotState> {
        let db = work.db();
        let now = work.now();
        let (status, cast_at) = match next.status() {
            BallotStatus::Draft => (DRAFT, None),
            BallotStatus::Cast { cast_at } => (CAST, Some(from_timestamp(cast_at))),
        };
        if status == CAST && seal.is_none() {
            return Err(AppError::internal("a ballot cast without a seal"));
        }
        let row = match self.row.take() {
            Some(mut row) => {
                // The acting account takes the ballot over (a former account's: see the module
                // documentation).
                row.user_id = self.actor_id;
                row.status = status.to_string();
                row.cast_at = cast_at;
                row.receipt_mac = seal.map(|seal| crate::auth::hex(&seal.mac));
                row.receipt_key_id = seal.map(|seal| seal.key_id.clone());
                row.updated_at = now;
                // Nothing reads the row again before the commit: written then, with the
                // audit entry and the receipt mail of a checkout.
                work.defer(store::ballots::update(&row));
                row
            }
            None if next.project_count() == 0 && status == DRAFT => {
                // Nothing chosen, nothing cast: no ballot is made (an empty ballot would freeze
                // the budget's settings for nothing), and nothing is written.
                self.row = None;
                return self.state();
            }
            None => {
                let Some(voter) = self.resident.as_ref().map(|row| row.document_hash.clone())
                else {
                    return Err(AppError::internal("a ballot decided for a non-resident"));
                };
                let Some(residence) = self.residence_scope else {
                    return Err(AppError::internal("a resident without a scope"));
                };
                let inserted = store::ballots::insert(
                    db,
                    ballots::Model {
                        id: Uuid::from_u128(next.id().0),
                        organization_id: self.organization.id.uuid(),
                        process_id: self.process_id.uuid(),
                        budget_id: Uuid::from_u128(self.rules_budget.id.0),
                        voter,
                        user_id: self.actor_id,
                        residence_scope_id: residence,
                        status: status.to_string(),
                        cast_at,
                        receipt_mac: seal.map(|seal| crate::auth::hex(&seal.mac)),
                        receipt_key_id: seal.map(|seal| seal.key_id.clone()),
                        created_at: now,
                        updated_at: now,
                    },
                )
                .await;
                match inserted {
                    Err(error) if store::ballots::UX_BALLOT_VOTER.violated_by(&error) => {
                        return Err(AppError::Conflict(error));
                    }
                    other => other?,
                }
            }
        };
        let wanted: HashMap<Uuid, i32> = next
            .lines()
            .map(|line| {
                let points = i32::try_from(line.points().get()).unwrap_or(i32::MAX);
                (Uuid::from_u128(line.project().0), points)
            })
            .collect();
        store::ballots::replace_lines(db, row.id, &self.stored_lines, &wanted).await?;
        self.stored_lines = wanted;
        self.ballot = next;
        self.row = Some(row);
        let answer = self.state()?;
        work.commit().await?;
        Ok(answer)
    }
}

/// The stored names of a ballot's status.
const DRAFT: &str = "draft";
const CAST: &str = "cast";

/// The ballot `row` (holding `chosen`) as the domain decides on it, and its lines as stored. A
/// draft held by another account (a former account of the same resident) starts empty: its
/// projects are not the acting account's.
fn restore(
    row: &ballots::Model,
    chosen: &[store::ballots::Chosen],
    budget: &rules::Budget,
    actor: &Actor,
) -> AppResult<(Ballot, HashMap<Uuid, i32>)> {
    let stored: HashMap<Uuid, i32> = chosen
        .iter()
        .map(|line| (line.project_id, line.points))
        .collect();
    let status = match (row.status.as_str(), row.cast_at) {
        (DRAFT, None) => BallotStatus::Draft,
        (CAST, Some(cast_at)) => BallotStatus::Cast {
            cast_at: to_timestamp(cast_at),
        },
        _ => {
            return Err(AppError::internal(format!(
                "ballot {}: unreadable status",
                row.id
            )));
        }
    };
    let foreign_draft = status == BallotStatus::Draft && row.user_id != actor.id().uuid();
    let mut restored = Vec::new();
    if !foreign_draft {
        for line in chosen {
            let project = rules::Project::new(
                ProjectId(line.project_id.as_u128()),
                BudgetId(line.project_budget_id.as_u128()),
                Cents(line.cost_cents),
            )?;
            let points = u32::try_from(line.points)
                .ok()
                .and_then(NonZeroU32::new)
                .ok_or_else(|| {
                    AppError::internal(format!("ballot {}: unreadable points", row.id))
                })?;
            restored.push((project, points));
        }
    }
    let ballot = Ballot::restore(BallotId(row.id.as_u128()), status, budget, restored)
        .map_err(|_| AppError::internal(format!("ballot {}: stored lines are invalid", row.id)))?;
    Ok((ballot, stored))
}

/// `scope` with the scopes it lies in, from the organization's parent links.
fn ancestry_of(scope: Uuid, parents: &HashMap<Uuid, Option<Uuid>>) -> ScopeAncestry {
    let mut ancestors = Vec::new();
    let mut current = parents.get(&scope).copied().flatten();
    while let Some(parent) = current {
        if ancestors.contains(&parent) || ancestors.len() > parents.len() {
            break;
        }
        ancestors.push(parent);
        current = parents.get(&parent).copied().flatten();
    }
    ScopeAncestry::new(
        rules::ScopeId(scope.as_u128()),
        ancestors.into_iter().map(|id| rules::ScopeId(id.as_u128())),
    )
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    let mut out = [0_u8; 32];
    if text.len() != 64 {
        return None;
    }
    for (index, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(index * 2..index * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}
