//! Ballots and their lines as rows: what the ballot use cases read and write.
//!
//! A ballot is found by its voter ([`Holder`]): the census document hash of a resident (so that
//! a new account of the same resident finds the ballot of their former one), or, for an account
//! that is no longer a resident, the account that holds it (it may still take back what it
//! chose). Every read here runs under the voter's lock in the process; the ballot row is read
//! `FOR UPDATE` besides, since two accounts (a former one whose residency ended, and the new
//! one) may reach one row.

use super::UniqueIndex;
use super::entities::{ballot_lines, ballots, projects};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QuerySelect, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// One ballot per resident and budget.
pub const UX_BALLOT_VOTER: UniqueIndex = UniqueIndex {
    name: "ux_ballots_budget_voter",
    table: "ballots",
    columns: &["budget_id", "voter"],
};

/// Whose ballots a use case reads.
#[derive(Debug, Clone, Copy)]
pub enum Holder<'a> {
    /// A resident, by census document hash: their ballots whichever account started them.
    Voter(&'a str),
    /// An account that is not (or no longer) a resident: the ballots it holds.
    Account(Uuid),
}

impl Holder<'_> {
    fn condition(self) -> Condition {
        match self {
            Holder::Voter(voter) => Condition::all().add(ballots::Column::Voter.eq(voter)),
            Holder::Account(user) => Condition::all().add(ballots::Column::UserId.eq(user)),
        }
    }
}

/// The holder's ballot of the budget, locked for the rest of the transaction when `for_update`.
pub async fn of_budget(
    db: &impl ConnectionTrait,
    budget_id: Uuid,
    holder: Holder<'_>,
    for_update: bool,
) -> Result<Option<ballots::Model>, DbErr> {
    let query = ballots::Entity::find()
        .filter(ballots::Column::BudgetId.eq(budget_id))
        .filter(holder.condition());
    if for_update {
        super::for_update(db, query).one(db).await
    } else {
        query.one(db).await
    }
}

/// The holder's ballots in the process, each with how many projects it holds.
pub async fn in_process(
    db: &impl ConnectionTrait,
    process_id: Uuid,
    holder: Holder<'_>,
) -> Result<Vec<(ballots::Model, u64)>, DbErr> {
    let rows = ballots::Entity::find()
        .filter(ballots::Column::ProcessId.eq(process_id))
        .filter(holder.condition())
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let counts: HashMap<Uuid, i64> = ballot_lines::Entity::find()
        .select_only()
        .column(ballot_lines::Column::BallotId)
        .column_as(ballot_lines::Column::ProjectId.count(), "lines")
        .filter(ballot_lines::Column::BallotId.is_in(rows.iter().map(|row| row.id)))
        .group_by(ballot_lines::Column::BallotId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let lines = counts.get(&row.id).copied().unwrap_or(0);
            (row, u64::try_from(lines).unwrap_or(0))
        })
        .collect())
}

/// The lines of a ballot, each with its project as it is now.
pub async fn lines(
    db: &impl ConnectionTrait,
    ballot_id: Uuid,
) -> Result<Vec<(ballot_lines::Model, projects::Model)>, DbErr> {
    let lines = ballot_lines::Entity::find()
        .filter(ballot_lines::Column::BallotId.eq(ballot_id))
        .all(db)
        .await?;
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let mut projects: HashMap<Uuid, projects::Model> = projects::Entity::find()
        .filter(projects::Column::Id.is_in(lines.iter().map(|line| line.project_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|project| (project.id, project))
        .collect();
    lines
        .into_iter()
        .map(|line| {
            let project = projects.remove(&line.project_id).ok_or_else(|| {
                DbErr::RecordNotFound(format!("project {} of a ballot line", line.project_id))
            })?;
            Ok((line, project))
        })
        .collect()
}

pub async fn insert(
    db: &impl ConnectionTrait,
    row: ballots::Model,
) -> Result<ballots::Model, DbErr> {
    row.into_active_model().insert(db).await
}

/// Stores the holder, status, cast time and receipt seal of `row`.
pub async fn update(
    db: &impl ConnectionTrait,
    row: ballots::Model,
) -> Result<ballots::Model, DbErr> {
    let mut active = row.clone().into_active_model();
    active.user_id = Set(row.user_id);
    active.status = Set(row.status);
    active.cast_at = Set(row.cast_at);
    active.receipt_mac = Set(row.receipt_mac);
    active.receipt_key_id = Set(row.receipt_key_id);
    active.updated_at = Set(row.updated_at);
    active.update(db).await
}

/// Makes the ballot's lines `wanted` (project, points), writing only what differs from `stored`.
pub async fn replace_lines(
    db: &impl ConnectionTrait,
    ballot_id: Uuid,
    stored: &HashMap<Uuid, i32>,
    wanted: &HashMap<Uuid, i32>,
) -> Result<(), DbErr> {
    let gone: Vec<Uuid> = stored
        .keys()
        .filter(|project| !wanted.contains_key(project))
        .copied()
        .collect();
    if !gone.is_empty() {
        ballot_lines::Entity::delete_many()
            .filter(ballot_lines::Column::BallotId.eq(ballot_id))
            .filter(ballot_lines::Column::ProjectId.is_in(gone))
            .exec(db)
            .await?;
    }
    for (project, points) in wanted {
        let line = ballot_lines::Model {
            ballot_id,
            project_id: *project,
            points: *points,
        };
        match stored.get(project) {
            None => {
                line.into_active_model().insert(db).await?;
            }
            Some(before) if before != points => {
                let mut active = line.into_active_model();
                active.points = Set(*points);
                active.update(db).await?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The lines of every cast ballot of the budget, by ballot: what a tally reads.
pub async fn cast_lines(
    db: &impl ConnectionTrait,
    budget_id: Uuid,
) -> Result<Vec<(Uuid, Vec<(Uuid, i32)>)>, DbErr> {
    use sea_orm::QueryOrder;
    use sea_orm::sea_query::Query;
    let lines = ballot_lines::Entity::find()
        .filter(
            ballot_lines::Column::BallotId.in_subquery(
                Query::select()
                    .column(ballots::Column::Id)
                    .from(ballots::Entity)
                    .and_where(ballots::Column::BudgetId.eq(budget_id))
                    .and_where(ballots::Column::Status.eq("cast"))
                    .to_owned(),
            ),
        )
        .order_by_asc(ballot_lines::Column::BallotId)
        .order_by_asc(ballot_lines::Column::ProjectId)
        .all(db)
        .await?;
    let mut by_ballot: Vec<(Uuid, Vec<(Uuid, i32)>)> = Vec::new();
    for line in lines {
        match by_ballot.last_mut() {
            Some((ballot, choices)) if *ballot == line.ballot_id => {
                choices.push((line.project_id, line.points));
            }
            _ => by_ballot.push((line.ballot_id, vec![(line.project_id, line.points)])),
        }
    }
    Ok(by_ballot)
}
