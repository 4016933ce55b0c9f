//! Yardstick's schema, one migration per step, applied in order on start and by
//! `yardstick migrate`. A migration that has shipped is never edited; a change is a
//! new migration.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_organisation;
mod m20261122_000002_create_metric_data;
mod m20261122_000003_create_targets;
mod m20261122_000004_create_periods_and_snapshots;
mod m20261122_000005_create_audit_log;
mod m20261122_000006_create_accounts;
mod m20261125_133000_create_api_tokens;
mod m20261203_000001_create_server_secrets;
mod m20261204_000001_add_team_name_zh;
mod m20261205_000001_create_definition_publications;
mod m20261205_000002_create_definition_drafts;
mod m20261205_000003_add_team_card;
mod m20261206_000001_create_review;
mod m20261206_000002_create_outbox;
mod m20261206_000003_add_person_language;
mod m20261207_000001_create_sign_in_failures;
mod m20261207_000002_key_metric_values_by_month;
mod m20261208_000001_number_metric_values;
mod m20261208_000002_partition_metric_values_by_month;

#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_organisation::Migration),
            Box::new(m20261122_000002_create_metric_data::Migration),
            Box::new(m20261122_000003_create_targets::Migration),
            Box::new(m20261122_000004_create_periods_and_snapshots::Migration),
            Box::new(m20261122_000005_create_audit_log::Migration),
            Box::new(m20261122_000006_create_accounts::Migration),
            Box::new(m20261125_133000_create_api_tokens::Migration),
            Box::new(m20261203_000001_create_server_secrets::Migration),
            Box::new(m20261204_000001_add_team_name_zh::Migration),
            Box::new(m20261205_000001_create_definition_publications::Migration),
            Box::new(m20261205_000002_create_definition_drafts::Migration),
            Box::new(m20261205_000003_add_team_card::Migration),
            Box::new(m20261206_000001_create_review::Migration),
            Box::new(m20261206_000002_create_outbox::Migration),
            Box::new(m20261206_000003_add_person_language::Migration),
            Box::new(m20261207_000001_create_sign_in_failures::Migration),
            Box::new(m20261207_000002_key_metric_values_by_month::Migration),
            Box::new(m20261208_000001_number_metric_values::Migration),
            Box::new(m20261208_000002_partition_metric_values_by_month::Migration),
        ]
    }
}
