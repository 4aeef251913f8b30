//! Ballots and their lines as rows: what the ballot use cases read and write.
//!
//! A ballot is found by its voter ([`Holder`]): the census document hash of a resident (so that
//! a new account of the same resident finds the ballot of their former one), or, for an account
//! that is no longer a resident, the account that holds it (it may still take back what it
//! chose). Every read here runs under the voter's lock in the process; the voter's ballot rows
//! are read `FOR UPDATE` besides, since two accounts (a former one whose residency ended, and
//! the new one) may reach one row.

use super::UniqueIndex;
use super::entities::{ballot_lines, ballots, projects, residents};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, FromQueryResult,
    IntoActiveModel, QueryFilter, QueryResult, QuerySelect, Set,
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

impl<'a> Holder<'a> {
    /// The holder of the ballots of `account`: its census residency's document when it is a
    /// resident (`resident`, its census row), the account itself otherwise.
    pub fn of(resident: Option<&'a residents::Model>, account: Uuid) -> Holder<'a> {
        match resident {
            Some(row) => Holder::Voter(&row.document_hash),
            None => Holder::Account(account),
        }
    }

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

/// One of the holder's ballots with how many projects it holds and, for the ballot of the
/// budget asked about, what it holds.
#[derive(Debug, Clone)]
pub struct Held {
    pub ballot: ballots::Model,
    pub lines: u64,
    /// The lines of the ballot of the budget asked about, by project id (empty for the others).
    pub chosen: Vec<Chosen>,
}

/// A ballot line with its project as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub project_id: Uuid,
    pub points: i32,
    /// The project's budget and cost now.
    pub project_budget_id: Uuid,
    pub cost_cents: i64,
}

/// A row of [`in_process`]: a ballot, and one of its lines when it is the budget's.
struct HeldRow {
    ballot: ballots::Model,
    lines: i64,
    chosen: Option<Chosen>,
}

impl FromQueryResult for HeldRow {
    fn from_query_result(row: &QueryResult, prefix: &str) -> Result<Self, DbErr> {
        let project_id: Option<Uuid> = row.try_get(prefix, "chosen_project_id")?;
        let chosen = match project_id {
            None => None,
            Some(project_id) => Some(Chosen {
                project_id,
                points: row.try_get(prefix, "chosen_points")?,
                project_budget_id: row.try_get(prefix, "chosen_budget_id")?,
                cost_cents: row.try_get(prefix, "chosen_cost_cents")?,
            }),
        };
        Ok(HeldRow {
            ballot: ballots::Model::from_query_result(row, prefix)?,
            lines: row.try_get(prefix, "lines")?,
            chosen,
        })
    }
}

/// The holder's ballots in the process, each with how many projects it holds, and the lines of
/// its ballot of budget `budget_id` with their projects, in one statement; the ballots locked
/// for the rest of the transaction when `for_update`.
pub async fn in_process(
    db: &impl ConnectionTrait,
    process_id: Uuid,
    budget_id: Uuid,
    holder: Holder<'_>,
    for_update: bool,
) -> Result<Vec<Held>, DbErr> {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockType, Order, Query, SimpleExpr};
    use sea_orm::{DbBackend, QueryTrait};
    let lines = Query::select()
        .expr(Expr::col((ballot_lines::Entity, ballot_lines::Column::ProjectId)).count())
        .from(ballot_lines::Entity)
        .and_where(
            Expr::col((ballot_lines::Entity, ballot_lines::Column::BallotId))
                .equals((ballots::Entity, ballots::Column::Id)),
        )
        .to_owned();
    let (chosen, project) = (Alias::new("chosen"), Alias::new("chosen_project"));
    let mut query = ballots::Entity::find()
        .filter(ballots::Column::ProcessId.eq(process_id))
        .filter(holder.condition())
        .expr_as(SimpleExpr::SubQuery(None, Box::new(lines.into())), "lines")
        .into_query();
    query
        .expr_as(
            Expr::col((chosen.clone(), ballot_lines::Column::ProjectId)),
            "chosen_project_id",
        )
        .expr_as(
            Expr::col((chosen.clone(), ballot_lines::Column::Points)),
            "chosen_points",
        )
        .expr_as(
            Expr::col((project.clone(), projects::Column::BudgetId)),
            "chosen_budget_id",
        )
        .expr_as(
            Expr::col((project.clone(), projects::Column::CostCents)),
            "chosen_cost_cents",
        )
        .join_as(
            sea_orm::JoinType::LeftJoin,
            ballot_lines::Entity,
            chosen.clone(),
            Condition::all()
                .add(
                    Expr::col((chosen.clone(), ballot_lines::Column::BallotId))
                        .equals((ballots::Entity, ballots::Column::Id)),
                )
                .add(Expr::col((ballots::Entity, ballots::Column::BudgetId)).eq(budget_id)),
        )
        .join_as(
            sea_orm::JoinType::LeftJoin,
            projects::Entity,
            project.clone(),
            Expr::col((project, projects::Column::Id))
                .equals((chosen.clone(), ballot_lines::Column::ProjectId)),
        )
        .order_by((ballots::Entity, ballots::Column::Id), Order::Asc)
        .order_by((chosen, ballot_lines::Column::ProjectId), Order::Asc);
    if for_update && db.get_database_backend() == DbBackend::Postgres {
        query.lock_with_tables(LockType::Update, [ballots::Entity]);
    }
    let rows = db.query_all(&query).await?;
    let mut held: Vec<Held> = Vec::new();
    for row in rows {
        let row = HeldRow::from_query_result(&row, "")?;
        let same = held
            .last()
            .is_some_and(|last| last.ballot.id == row.ballot.id);
        if !same {
            held.push(Held {
                ballot: row.ballot,
                lines: u64::try_from(row.lines).unwrap_or(0),
                chosen: Vec::new(),
            });
        }
        if let (Some(chosen), Some(last)) = (row.chosen, held.last_mut()) {
            last.chosen.push(chosen);
        }
    }
    Ok(held)
}

/// The lines of a ballot with their projects' budget and cost now, by project id.
pub async fn chosen(db: &impl ConnectionTrait, ballot_id: Uuid) -> Result<Vec<Chosen>, DbErr> {
    let mut chosen: Vec<Chosen> = lines(db, ballot_id)
        .await?
        .into_iter()
        .map(|(line, project)| Chosen {
            project_id: line.project_id,
            points: line.points,
            project_budget_id: project.budget_id,
            cost_cents: project.cost_cents,
        })
        .collect();
    chosen.sort_by_key(|line| line.project_id);
    Ok(chosen)
}

/// The lines of a ballot, each with its project as it is now, in one statement.
pub async fn lines(
    db: &impl ConnectionTrait,
    ballot_id: Uuid,
) -> Result<Vec<(ballot_lines::Model, projects::Model)>, DbErr> {
    use sea_orm::{JoinType, RelationDef};
    let project_of_line: RelationDef = ballot_lines::Entity::belongs_to(projects::Entity)
        .from(ballot_lines::Column::ProjectId)
        .to(projects::Column::Id)
        .into();
    ballot_lines::Entity::find()
        .filter(ballot_lines::Column::BallotId.eq(ballot_id))
        .join(JoinType::LeftJoin, project_of_line)
        .select_also(projects::Entity)
        .all(db)
        .await?
        .into_iter()
        .map(|(line, project)| {
            let project = project.ok_or_else(|| {
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

/// The statement that stores the holder, status, cast time and receipt seal of `row`. The
/// ballot use cases hold the row locked (`FOR UPDATE`, or SQLite's write lock) from their read
/// to their commit, so the row it names exists.
pub fn update(row: &ballots::Model) -> sea_orm::sea_query::UpdateStatement {
    use sea_orm::QueryTrait;
    ballots::Entity::update_many()
        .col_expr(ballots::Column::UserId, row.user_id.into())
        .col_expr(ballots::Column::Status, row.status.clone().into())
        .col_expr(ballots::Column::CastAt, row.cast_at.into())
        .col_expr(ballots::Column::ReceiptMac, row.receipt_mac.clone().into())
        .col_expr(
            ballots::Column::ReceiptKeyId,
            row.receipt_key_id.clone().into(),
        )
        .col_expr(ballots::Column::UpdatedAt, row.updated_at.into())
        .filter(ballots::Column::Id.eq(row.id))
        .into_query()
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
