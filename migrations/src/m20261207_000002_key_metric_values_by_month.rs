//! Metric values keyed by month first: every read is of a period's months, and one
//! index (the key) now serves them, where a key by subject and a second index by month
//! were both kept up on every write. The foreign key to `imports` goes: imports are
//! never deleted, and checking it cost PostgreSQL a trigger per row written (half of
//! a large import's time). The table is rebuilt, its rows kept.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MetricValues {
    Table,
    Subject,
    Month,
    Metric,
    Value,
    ImportId,
}

#[derive(DeriveIden)]
enum MetricValuesRebuilt {
    Table,
}

#[derive(DeriveIden)]
enum Imports {
    Table,
    Id,
}

/// The table under `name`, keyed by `key`; with the foreign key when `linked`.
fn table(name: impl IntoIden, key: [MetricValues; 3], linked: bool) -> TableCreateStatement {
    let name = name.into_iden();
    let mut create = Table::create();
    create
        .table(name.clone())
        .col(string(MetricValues::Subject))
        .col(string(MetricValues::Month))
        .col(string(MetricValues::Metric))
        .col(double(MetricValues::Value))
        .col(big_integer(MetricValues::ImportId))
        .primary_key(
            key.into_iter()
                .fold(&mut Index::create(), |index, column| index.col(column)),
        );
    if linked {
        create.foreign_key(
            ForeignKey::create()
                .from(name, MetricValues::ImportId)
                .to(Imports::Table, Imports::Id),
        );
    }
    create.to_owned()
}

/// Moves every row into the table built by `create`, which then takes the name. On
/// SQLite the table is `WITHOUT ROWID`: its rows live in the key's own tree, so a
/// month's rows are read in one sweep and written into one tree, not a table and an index.
async fn rebuild(manager: &SchemaManager<'_>, create: TableCreateStatement) -> Result<(), DbErr> {
    let connection = manager.get_connection();
    if connection.get_database_backend() == sea_orm::DbBackend::Sqlite {
        let sql = create.to_string(SqliteQueryBuilder) + " WITHOUT ROWID";
        connection.execute_unprepared(&sql).await?;
    } else {
        manager.create_table(create).await?;
    }
    manager
        .get_connection()
        .execute_unprepared(
            "INSERT INTO metric_values_rebuilt (subject, month, metric, value, import_id) \
             SELECT subject, month, metric, value, import_id FROM metric_values",
        )
        .await?;
    manager
        .drop_table(Table::drop().table(MetricValues::Table).to_owned())
        .await?;
    manager
        .rename_table(
            Table::rename()
                .table(MetricValuesRebuilt::Table, MetricValues::Table)
                .to_owned(),
        )
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the rebuild is done whole or not at all, on one
    /// connection that sees its own steps.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let key = [MetricValues::Month, MetricValues::Subject, MetricValues::Metric];
        rebuild(manager, table(MetricValuesRebuilt::Table, key, false)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let key = [MetricValues::Subject, MetricValues::Month, MetricValues::Metric];
        rebuild(manager, table(MetricValuesRebuilt::Table, key, true)).await?;
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
}
