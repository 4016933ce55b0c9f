//! PostgreSQL keeps each month's metric values in a table of its own, a partition of
//! `metric_values` (`metric_values_202610`). A month's first import fills its table
//! with no index, builds the key once from the sorted rows and attaches the table:
//! half the cost of putting each row through the index. Months that already have a
//! table take their rows through `metric_values` as on SQLite.
//!
//! Everything here runs in the merge's write transaction: a failed merge leaves no
//! table behind, and writers take turns, so no other merge creates the same month.

use super::StoreError;
use crate::kpi::period::Month;
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult, Statement};
use std::collections::BTreeSet;

/// The table holding `month`'s values.
pub(super) fn partition(month: Month) -> String {
    format!("metric_values_{}", month.number())
}

/// Every month's table (`name`) with its size in pages as last sampled (`pages`).
pub(super) const MONTH_TABLES: &str = "SELECT c.relname::text AS name, c.relpages AS pages \
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'metric_values'::regclass";

/// Which of `months` have no table yet: nothing is stored for them.
pub(crate) async fn months_without_table(
    txn: &DatabaseTransaction,
    months: &BTreeSet<Month>,
) -> Result<Vec<Month>, StoreError> {
    #[derive(FromQueryResult)]
    struct Named {
        name: String,
    }
    let backend = txn.get_database_backend();
    let tables = Named::find_by_statement(Statement::from_string(backend, MONTH_TABLES))
        .all(txn)
        .await?;
    let existing: BTreeSet<String> = tables.into_iter().map(|t| t.name).collect();
    Ok(months
        .iter()
        .copied()
        .filter(|m| !existing.contains(&partition(*m)))
        .collect())
}

/// Moves the staged rows of `months` (which have no table yet) into a table each,
/// indexed once they are all in, and attaches the tables to `metric_values`.
pub(crate) async fn load_new_months(
    txn: &DatabaseTransaction,
    staging: &str,
    months: &[Month],
    import_id: i64,
) -> Result<(), StoreError> {
    if months.is_empty() {
        return Ok(());
    }
    // One pass over the staged rows fills every new month's table: each is first a
    // partition of a loader of the batch's own, without any index.
    let loader = format!("{staging}_loader");
    txn.execute_unprepared(&format!(
        "CREATE TABLE {loader} (LIKE metric_values INCLUDING DEFAULTS) PARTITION BY LIST (month)"
    ))
    .await?;
    for &month in months {
        let (table, number) = (partition(month), month.number());
        // The check lets `ATTACH` trust the rows' month without scanning them again.
        txn.execute_unprepared(&format!(
            "CREATE TABLE {table} (LIKE metric_values INCLUDING DEFAULTS, CONSTRAINT {table}_month CHECK (month = {number}))"
        ))
        .await?;
        txn.execute_unprepared(&format!(
            "ALTER TABLE {loader} ATTACH PARTITION {table} FOR VALUES IN ({number})"
        ))
        .await?;
    }
    let list: Vec<String> = months.iter().map(|m| m.number().to_string()).collect();
    txn.execute_unprepared(&format!(
        "INSERT INTO {loader} (month, subject_id, metric_id, value, import_id) \
         SELECT month, subject_id, metric_id, value, {import_id} FROM {staging} WHERE month IN ({})",
        list.join(",")
    ))
    .await?;
    for &month in months {
        let (table, number) = (partition(month), month.number());
        for sql in [
            format!("ALTER TABLE {loader} DETACH PARTITION {table}"),
            format!("ALTER TABLE {table} ADD PRIMARY KEY (month, subject_id, metric_id)"),
            format!("ALTER TABLE metric_values ATTACH PARTITION {table} FOR VALUES IN ({number})"),
            // A sample of the new rows for the planner now, not when autovacuum comes
            // round: without it, the next import's comparison is planned blind.
            format!("ANALYZE {table}"),
        ] {
            txn.execute_unprepared(&sql).await?;
        }
    }
    txn.execute_unprepared(&format!("DROP TABLE {loader}")).await?;
    Ok(())
}
