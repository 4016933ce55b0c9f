//! On PostgreSQL, metric values partitioned by month: a table of its own per month
//! (`metric_values_202610`), so a month is read by scanning its own table alone, and a
//! month imported for the first time is loaded without an index and indexed once at
//! the end (a sort), where a row at a time through the index cost twice as much.
//! Every row is kept. SQLite keeps its one table, keyed by month first.

use sea_orm::DbBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The table as it is declared under `name`, with `suffix` after its columns.
fn declared(name: &str, suffix: &str) -> String {
    format!(
        "CREATE TABLE {name} (month INTEGER NOT NULL, subject_id INTEGER NOT NULL, metric_id INTEGER NOT NULL, \
         value DOUBLE PRECISION NOT NULL, import_id BIGINT NOT NULL, PRIMARY KEY (month, subject_id, metric_id)){suffix}"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared(&declared("metric_values_by_month", " PARTITION BY LIST (month)"))
            .await?;
        // A partition per month stored so far, then every row moved over.
        db.execute_unprepared(
            "DO $$ DECLARE stored INTEGER; BEGIN \
               FOR stored IN SELECT DISTINCT month FROM metric_values LOOP \
                 EXECUTE format('CREATE TABLE metric_values_%s PARTITION OF metric_values_by_month FOR VALUES IN (%s)', stored, stored); \
               END LOOP; \
             END $$",
        )
        .await?;
        for sql in [
            "INSERT INTO metric_values_by_month SELECT month, subject_id, metric_id, value, import_id FROM metric_values",
            "DROP TABLE metric_values",
            "ALTER TABLE metric_values_by_month RENAME TO metric_values",
        ] {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        // Dropping the partitioned table drops its partitions with it.
        for sql in [
            declared("metric_values_whole", ""),
            "INSERT INTO metric_values_whole SELECT month, subject_id, metric_id, value, import_id FROM metric_values"
                .to_owned(),
            "DROP TABLE metric_values".to_owned(),
            "ALTER TABLE metric_values_whole RENAME TO metric_values".to_owned(),
        ] {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
