//! Targets per role, team or person, per KPI, for one period or for every period.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Targets {
    Table,
    Id,
    Scope,
    ScopeKey,
    Kpi,
    Period,
    Target,
    Threshold,
    Stretch,
    ImportId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Targets::Table)
                    .col(big_pk_auto(Targets::Id))
                    // `role`, `team` or `person`.
                    .col(string(Targets::Scope))
                    .col(string(Targets::ScopeKey))
                    .col(string(Targets::Kpi))
                    // Empty for every period: NULLs would not be unique in the index below.
                    .col(string(Targets::Period))
                    .col(double(Targets::Target))
                    .col(double_null(Targets::Threshold))
                    .col(double_null(Targets::Stretch))
                    .col(big_integer(Targets::ImportId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("targets_unique")
                    .table(Targets::Table)
                    .col(Targets::Scope)
                    .col(Targets::ScopeKey)
                    .col(Targets::Kpi)
                    .col(Targets::Period)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Targets::Table).to_owned()).await
    }
}
