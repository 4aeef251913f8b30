//! `process_roles`: civil-servant roles an admin grants for one process only (DESIGN §1: "evaluator
//! roles may name a process"), beside the organization-wide ones of `user_roles`.
//!
//! One row per (process, account, role); today the only role granted this way is `evaluator`: it
//! lets the account answer that process's proposals and read their private answers, nowhere else.
//! The rows go with their process or account (cascade), and are dropped with the other roles
//! when an account is deleted (which keeps its row).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProcessRoles::Table)
                    .col(uuid(ProcessRoles::ProcessId))
                    .col(uuid(ProcessRoles::UserId))
                    .col(string_len(ProcessRoles::Role, 16))
                    .col(timestamp_with_time_zone(ProcessRoles::GrantedAt))
                    .primary_key(
                        Index::create()
                            .col(ProcessRoles::ProcessId)
                            .col(ProcessRoles::UserId)
                            .col(ProcessRoles::Role),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_process_roles_process")
                            .from(ProcessRoles::Table, ProcessRoles::ProcessId)
                            .to(Processes::Table, Processes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_process_roles_user")
                            .from(ProcessRoles::Table, ProcessRoles::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_process_roles_user")
                    .table(ProcessRoles::Table)
                    .col(ProcessRoles::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProcessRoles::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ProcessRoles {
    Table,
    ProcessId,
    UserId,
    Role,
    GrantedAt,
}

#[derive(DeriveIden)]
enum Processes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
