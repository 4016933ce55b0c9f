//! Metric values keyed by numbers: the month as 202610, the subject and the metric by
//! ids from two name tables (`subjects`, `metrics`) that only ever grow. A key of three
//! integers is compared as such (text keys went through the collation on PostgreSQL),
//! a row is half the size, and a large month is read back without a string per value.
//! The table is rebuilt, its rows kept.

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveIden)]
enum MetricValues {
    Month,
    SubjectId,
    MetricId,
    Value,
    ImportId,
}

#[derive(DeriveIden)]
enum Subjects {
    Table,
    Id,
    Key,
}

#[derive(DeriveIden)]
enum Metrics {
    Table,
    Id,
    Name,
}

/// Creates `name` from `create`; on SQLite `WITHOUT ROWID`, so a month's rows live in
/// the key's own tree.
async fn create_keyed(manager: &SchemaManager<'_>, create: TableCreateStatement) -> Result<(), DbErr> {
    let connection = manager.get_connection();
    if connection.get_database_backend() == DbBackend::Sqlite {
        let sql = create.to_string(SqliteQueryBuilder) + " WITHOUT ROWID";
        connection.execute_unprepared(&sql).await?;
        Ok(())
    } else {
        manager.create_table(create).await
    }
}

/// Runs each statement in order.
async fn run(manager: &SchemaManager<'_>, statements: &[&str]) -> Result<(), DbErr> {
    for sql in statements {
        manager.get_connection().execute_unprepared(sql).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the rebuild is done whole or not at all.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Subjects::Table)
                    .col(pk_auto(Subjects::Id))
                    .col(string_uniq(Subjects::Key))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Metrics::Table)
                    .col(pk_auto(Metrics::Id))
                    .col(string_uniq(Metrics::Name))
                    .to_owned(),
            )
            .await?;
        let numbered = Table::create()
            .table(Alias::new("metric_values_numbered"))
            .col(integer(MetricValues::Month))
            .col(integer(MetricValues::SubjectId))
            .col(integer(MetricValues::MetricId))
            .col(double(MetricValues::Value))
            .col(big_integer(MetricValues::ImportId))
            .primary_key(
                Index::create()
                    .col(MetricValues::Month)
                    .col(MetricValues::SubjectId)
                    .col(MetricValues::MetricId),
            )
            .to_owned();
        create_keyed(manager, numbered).await?;
        run(
            manager,
            &[
                "INSERT INTO subjects (key) SELECT DISTINCT subject FROM metric_values ORDER BY subject",
                "INSERT INTO metrics (name) SELECT DISTINCT metric FROM metric_values ORDER BY metric",
                // Months were written `2026-10`: without the dash, the number.
                "INSERT INTO metric_values_numbered (month, subject_id, metric_id, value, import_id) \
                 SELECT CAST(REPLACE(v.month, '-', '') AS INTEGER), s.id, m.id, v.value, v.import_id \
                 FROM metric_values v JOIN subjects s ON s.key = v.subject JOIN metrics m ON m.name = v.metric",
                "DROP TABLE metric_values",
                "ALTER TABLE metric_values_numbered RENAME TO metric_values",
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let named = Table::create()
            .table(Alias::new("metric_values_named"))
            .col(string(Alias::new("subject")))
            .col(string(Alias::new("month")))
            .col(string(Alias::new("metric")))
            .col(double(MetricValues::Value))
            .col(big_integer(MetricValues::ImportId))
            .primary_key(
                Index::create()
                    .col(Alias::new("month"))
                    .col(Alias::new("subject"))
                    .col(Alias::new("metric")),
            )
            .to_owned();
        create_keyed(manager, named).await?;
        // `2026` || '-' || `10`: SUBSTR and || read the same on both databases.
        run(
            manager,
            &[
                "INSERT INTO metric_values_named (subject, month, metric, value, import_id) \
                 SELECT s.key, SUBSTR(CAST(v.month AS TEXT), 1, 4) || '-' || SUBSTR(CAST(v.month AS TEXT), 5, 2), \
                 m.name, v.value, v.import_id \
                 FROM metric_values v JOIN subjects s ON s.id = v.subject_id JOIN metrics m ON m.id = v.metric_id",
                "DROP TABLE metric_values",
                "ALTER TABLE metric_values_named RENAME TO metric_values",
                "DROP TABLE subjects",
                "DROP TABLE metrics",
            ],
        )
        .await
    }
}

#[derive(DeriveMigrationName)]
pub struct Migration;
