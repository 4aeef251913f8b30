//! Writes sent together: the rows a use case writes without reading them back before it
//! commits (its audit entries, its outbox jobs, a row it updates by key) are kept and sent in
//! one round trip when it commits.
//!
//! On voting day every round trip to PostgreSQL costs more than the statement it carries (the
//! server's and PostgreSQL's turns on the processor, the network stack): a checkout's ballot
//! update, audit entry and receipt mail were three. [`send`] writes a batch on PostgreSQL as one
//! statement, each write but the last in a data-modifying `WITH` (PostgreSQL runs every one of
//! them to completion, whether or not the statement reads their output), and on SQLite, which
//! has no such statement and no network, one after the other. Either way the writes share the
//! use case's transaction: all of them or none.
//!
//! What may be deferred: inserts of new rows, and updates of rows that no other write of the
//! batch touches (PostgreSQL does not define which of two writes of one row in one statement
//! wins). Nothing in the transaction may read, update or delete a deferred row after deferring
//! it: it is not written yet (a later update would be overwritten by the deferred one, a delete
//! would miss it).

use sea_orm::sea_query::{
    Alias, CommonTableExpression, InsertStatement, SubQueryStatement, UpdateStatement, WithClause,
};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};

/// A write kept for the commit.
#[derive(Debug, Clone)]
pub enum Write {
    /// A new row.
    Insert(InsertStatement),
    /// A row no other write of the batch touches.
    Update(UpdateStatement),
}

impl From<InsertStatement> for Write {
    fn from(insert: InsertStatement) -> Write {
        Write::Insert(insert)
    }
}

impl From<UpdateStatement> for Write {
    fn from(update: UpdateStatement) -> Write {
        Write::Update(update)
    }
}

impl From<Write> for SubQueryStatement {
    fn from(write: Write) -> SubQueryStatement {
        match write {
            Write::Insert(insert) => insert.into(),
            Write::Update(update) => update.into(),
        }
    }
}

/// Sends `writes`, in one statement on PostgreSQL.
pub async fn send(db: &impl ConnectionTrait, mut writes: Vec<Write>) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres && writes.len() > 1 {
        let Some(last) = writes.pop() else {
            return Ok(());
        };
        let mut with = WithClause::new();
        for (index, write) in writes.into_iter().enumerate() {
            with.cte(
                CommonTableExpression::new()
                    .query(write)
                    .table_name(Alias::new(format!("write_{index}")))
                    .to_owned(),
            );
        }
        db.execute(&with.query(SubQueryStatement::from(last)))
            .await?;
        return Ok(());
    }
    for write in writes {
        match write {
            Write::Insert(insert) => db.execute(&insert).await?,
            Write::Update(update) => db.execute(&update).await?,
        };
    }
    Ok(())
}
