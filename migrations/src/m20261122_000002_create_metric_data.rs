//! Imports (who brought what, when) and the metric values they brought.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub enum Imports {
    Table,
    Id,
    Kind,
    Source,
    Digest,
    Actor,
    At,
    Added,
    Changed,
    Unchanged,
}

#[derive(DeriveIden)]
pub enum MetricValues {
    Table,
    Subject,
    Month,
    Metric,
    Value,
    ImportId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Imports::Table)
                    .col(big_pk_auto(Imports::Id))
                    .col(string(Imports::Kind))
                    .col(string(Imports::Source))
                    .col(string(Imports::Digest))
                    .col(string(Imports::Actor))
                    .col(string(Imports::At))
                    .col(big_integer(Imports::Added))
                    .col(big_integer(Imports::Changed))
                    .col(big_integer(Imports::Unchanged))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MetricValues::Table)
                    // A person's or a team's key: data can belong to either.
                    .col(string(MetricValues::Subject))
                    .col(string(MetricValues::Month))
                    .col(string(MetricValues::Metric))
                    .col(double(MetricValues::Value))
                    .col(big_integer(MetricValues::ImportId))
                    .primary_key(
                        Index::create()
                            .col(MetricValues::Subject)
                            .col(MetricValues::Month)
                            .col(MetricValues::Metric),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MetricValues::Table, MetricValues::ImportId)
                            .to(Imports::Table, Imports::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("metric_values_by_month")
                    .table(MetricValues::Table)
                    .col(MetricValues::Month)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MetricValues::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Imports::Table).to_owned()).await
    }
}
