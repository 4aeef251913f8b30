//! Plaza's database schema, as an ordered list of sea-orm migrations.
//!
//! The same migrations run on SQLite (the embedded default) and PostgreSQL (production): they use
//! sea-query's portable schema statements, and SQL of their own only where both databases read
//! it alike (a partial index) or for a PostgreSQL storage setting that SQLite has no use for (a
//! table's fillfactor). One file per change, each with a working `down`;
//! a merged migration is never edited, a new one is added instead. Uniqueness rules the product
//! relies on (one email per organization, one census document per resident, ...) are unique
//! indexes here, so that the database refuses a duplicate even when two requests race.

pub use sea_orm_migration;
use sea_orm_migration::prelude::*;

mod m20261126_000001_organizations;
mod m20261126_000002_accounts;
mod m20261126_000003_census;
mod m20261126_000004_outbox_and_audit;
mod m20261126_000005_login_throttles;
mod m20261126_000006_pending_passwords;
mod m20261126_000007_document_attempts;
mod m20261126_000008_mail_quotas;
mod m20261130_000009_link_holder_sets_the_password;
mod m20261130_000010_server_keys;
mod m20261201_000011_idempotency_and_locks;
mod m20261201_000012_outbox_dead_letters_and_order;
mod m20261201_000013_organization_time_zone;
mod m20261201_000014_scope_codes_in_capitals;
mod m20261201_000015_proposal_settings;
mod m20261201_000016_categories;
mod m20261201_000017_proposals;
mod m20261201_000018_notifications;
mod m20261201_000019_debates_and_comments;
mod m20261201_000020_process_roles;
mod m20261201_000021_budgets;
mod m20261201_000022_ballots;
mod m20261201_000023_budget_results;
mod m20261201_000024_project_votes;
mod m20261201_000025_project_proposals;
mod m20261202_000026_outbox_due_index;
mod m20261202_000027_ballots_updated_in_place;

/// The ordered list of Plaza's migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_organizations::Migration),
            Box::new(m20261126_000002_accounts::Migration),
            Box::new(m20261126_000003_census::Migration),
            Box::new(m20261126_000004_outbox_and_audit::Migration),
            Box::new(m20261126_000005_login_throttles::Migration),
            Box::new(m20261126_000006_pending_passwords::Migration),
            Box::new(m20261126_000007_document_attempts::Migration),
            Box::new(m20261126_000008_mail_quotas::Migration),
            Box::new(m20261130_000009_link_holder_sets_the_password::Migration),
            Box::new(m20261130_000010_server_keys::Migration),
            Box::new(m20261201_000011_idempotency_and_locks::Migration),
            Box::new(m20261201_000012_outbox_dead_letters_and_order::Migration),
            Box::new(m20261201_000013_organization_time_zone::Migration),
            Box::new(m20261201_000014_scope_codes_in_capitals::Migration),
            Box::new(m20261201_000015_proposal_settings::Migration),
            Box::new(m20261201_000016_categories::Migration),
            Box::new(m20261201_000017_proposals::Migration),
            Box::new(m20261201_000018_notifications::Migration),
            Box::new(m20261201_000019_debates_and_comments::Migration),
            Box::new(m20261201_000020_process_roles::Migration),
            Box::new(m20261201_000021_budgets::Migration),
            Box::new(m20261201_000022_ballots::Migration),
            Box::new(m20261201_000023_budget_results::Migration),
            Box::new(m20261201_000024_project_votes::Migration),
            Box::new(m20261201_000025_project_proposals::Migration),
            Box::new(m20261202_000026_outbox_due_index::Migration),
            Box::new(m20261202_000027_ballots_updated_in_place::Migration),
        ]
    }
}
