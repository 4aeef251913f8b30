//! Organizations (tenants), their territorial scopes, and participatory processes with phases.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(pk_uuid(Organizations::Id))
                    .col(string_uniq(Organizations::Slug))
                    .col(string(Organizations::Name))
                    .col(string_uniq(Organizations::Host))
                    .col(string(Organizations::DefaultLocale))
                    .col(json(Organizations::AvailableLocales))
                    .col(small_integer(Organizations::MinimumAge))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Scopes::Table)
                    .col(pk_uuid(Scopes::Id))
                    .col(uuid(Scopes::OrganizationId))
                    .col(uuid_null(Scopes::ParentId))
                    .col(string(Scopes::Code))
                    .col(string(Scopes::Kind))
                    .col(json(Scopes::Name))
                    .col(integer(Scopes::Position))
                    .col(timestamp_with_time_zone(Scopes::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scopes_organization")
                            .from(Scopes::Table, Scopes::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scopes_parent")
                            .from(Scopes::Table, Scopes::ParentId)
                            .to(Scopes::Table, Scopes::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_scopes_organization_code")
                    .table(Scopes::Table)
                    .col(Scopes::OrganizationId)
                    .col(Scopes::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Processes::Table)
                    .col(pk_uuid(Processes::Id))
                    .col(uuid(Processes::OrganizationId))
                    .col(string(Processes::Slug))
                    .col(json(Processes::Title))
                    .col(json(Processes::Description))
                    .col(uuid_null(Processes::ScopeId))
                    .col(integer_null(Processes::PinnedPhase))
                    .col(timestamp_with_time_zone(Processes::CreatedAt))
                    .col(timestamp_with_time_zone(Processes::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_processes_organization")
                            .from(Processes::Table, Processes::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_processes_scope")
                            .from(Processes::Table, Processes::ScopeId)
                            .to(Scopes::Table, Scopes::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_processes_organization_slug")
                    .table(Processes::Table)
                    .col(Processes::OrganizationId)
                    .col(Processes::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Phases::Table)
                    .col(pk_uuid(Phases::Id))
                    .col(uuid(Phases::ProcessId))
                    .col(integer(Phases::Position))
                    .col(json(Phases::Title))
                    .col(timestamp_with_time_zone(Phases::StartsAt))
                    .col(timestamp_with_time_zone(Phases::EndsAt))
                    .col(boolean(Phases::ProposalsCreation))
                    .col(boolean(Phases::Supports))
                    .col(boolean(Phases::Debates))
                    .col(boolean(Phases::Comments))
                    .col(boolean(Phases::BudgetVoting))
                    .col(boolean(Phases::ResultsPublished))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_phases_process")
                            .from(Phases::Table, Phases::ProcessId)
                            .to(Processes::Table, Processes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_phases_process_position")
                    .table(Phases::Table)
                    .col(Phases::ProcessId)
                    .col(Phases::Position)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite's DROP TABLE deletes row by row and would trip the scopes' self-reference.
        manager
            .exec_stmt(
                Query::update()
                    .table(Scopes::Table)
                    .value(Scopes::ParentId, Expr::value(Value::Uuid(None)))
                    .to_owned(),
            )
            .await?;
        for table in [
            Phases::Table.into_iden(),
            Processes::Table.into_iden(),
            Scopes::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub(crate) enum Organizations {
    Table,
    Id,
    Slug,
    Name,
    Host,
    DefaultLocale,
    AvailableLocales,
    MinimumAge,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum Scopes {
    Table,
    Id,
    OrganizationId,
    ParentId,
    Code,
    Kind,
    Name,
    Position,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Processes {
    Table,
    Id,
    OrganizationId,
    Slug,
    Title,
    Description,
    ScopeId,
    PinnedPhase,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Phases {
    Table,
    Id,
    ProcessId,
    Position,
    Title,
    StartsAt,
    EndsAt,
    ProposalsCreation,
    Supports,
    Debates,
    Comments,
    BudgetVoting,
    ResultsPublished,
}
