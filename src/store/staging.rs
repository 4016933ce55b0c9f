//! Metric data on its way in: validated rows are streamed into a staging table of
//! their own (PostgreSQL `COPY`, SQLite multi-row inserts committed in slices, so other
//! writers go on meanwhile), then merged into `metric_values` in the one write
//! transaction that checks finalized months, counts, audits and records the import.
//! Memory stays bounded whatever the file's size: rows are never all held, and the
//! comparison with what is stored is the database's join, not a map in memory.
//!
//! Rows are staged by numbers (the month as 202610, subject and metric ids): every
//! subject of the organisation and every metric of the definitions has its number
//! before the first row is staged.
//!
//! A staging table is named by its batch, the nanosecond it began
//! (`metric_staging_<batch>`), dropped once merged or abandoned; one left behind by a
//! process that died is dropped by the next import a day later.

use super::copy_binary::{BinaryWriter, Field};
use super::entity::imports;
use super::metrics::stored_month;
use super::metrics::{ImportRefused, MetricsImport};
use super::organisation::Changes;
use super::partitions;
use super::periods::finalized_months;
use super::{Store, StoreError, Writer, audit_entry, insert_import};
use crate::kpi::period::Month;
use rustc_hash::FxHashMap;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::postgres::{PgCopyIn, PgPoolCopyExt, Postgres};
use sea_orm::{
    ActiveValue, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, FromQueryResult, Statement, Value,
};
use std::collections::BTreeSet;

/// Rows per SQLite insert statement: five values a row, under its 32,766 variables.
const SQLITE_ROWS_PER_STATEMENT: usize = 6000;
/// Rows per SQLite transaction while staging: the database's write lock is let go
/// between slices, so a large file does not hold up other writers.
const SQLITE_ROWS_PER_SLICE: usize = 200_000;
/// Bytes of binary COPY rows sent to PostgreSQL at a time.
const COPY_BYTES: usize = 1 << 20;
/// Staging tables older than this are taken as left behind by a process that died.
const STALE_NANOS: i64 = 24 * 3600 * 1_000_000_000;

/// One validated row, borrowed from the reader.
#[derive(Debug, Clone, Copy)]
pub struct StagedRow<'a> {
    pub line: u64,
    pub subject: &'a str,
    pub month: Month,
    pub metric: &'a str,
    pub value: f64,
}

enum Sink {
    Postgres {
        copy: Option<PgCopyIn<PoolConnection<Postgres>>>,
        rows: BinaryWriter,
    },
    Sqlite {
        /// The statement's values so far, five a row. Every full statement has the
        /// same text, so it is prepared once.
        values: Vec<Value>,
        slice: Option<DatabaseTransaction>,
        in_slice: usize,
    },
}

/// A batch of validated rows being staged.
pub struct MetricStaging<'s> {
    store: &'s Store,
    batch: i64,
    sink: Sink,
    staged: u64,
    months: BTreeSet<Month>,
    /// Every subject's and metric's number, by name.
    subjects: FxHashMap<String, i32>,
    metrics: FxHashMap<String, i32>,
}

impl std::fmt::Debug for MetricStaging<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricStaging")
            .field("batch", &self.batch)
            .field("staged", &self.staged)
            .finish_non_exhaustive()
    }
}

/// A batch staged in full, waiting for its merge.
#[derive(Debug)]
pub struct StagedMetrics {
    batch: i64,
    pub rows: u64,
    pub months: BTreeSet<Month>,
}

fn table(batch: i64) -> String {
    format!("metric_staging_{batch}")
}

impl Store {
    /// Begins staging a batch of values of the organisation's subjects and `metrics`:
    /// numbers every name that has none yet, drops tables left behind, creates the
    /// batch's own.
    pub async fn stage_metrics<'m>(
        &self,
        metrics: impl IntoIterator<Item = &'m str>,
    ) -> Result<MetricStaging<'_>, StoreError> {
        self.number_names(metrics).await?;
        let names = self.value_names().await?;
        let batch = chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default();
        self.drop_stale_staging(batch).await?;
        let postgres = self.db().get_database_backend() == DbBackend::Postgres;
        // Unlogged on PostgreSQL: scratch rows need no write-ahead log.
        let create = format!(
            "CREATE {}TABLE {} (line BIGINT NOT NULL, month INTEGER NOT NULL, subject_id INTEGER NOT NULL, metric_id INTEGER NOT NULL, value DOUBLE PRECISION NOT NULL)",
            if postgres { "UNLOGGED " } else { "" },
            table(batch)
        );
        self.db().execute_unprepared(&create).await?;
        let sink = if postgres {
            let copy = self
                .db()
                .get_postgres_connection_pool()
                .copy_in_raw(&format!(
                    "COPY {} (line, month, subject_id, metric_id, value) FROM STDIN (FORMAT binary)",
                    table(batch)
                ))
                .await
                .map_err(|e| StoreError::Staging(e.to_string()))?;
            Sink::Postgres {
                copy: Some(copy),
                rows: BinaryWriter::new(COPY_BYTES + 1024),
            }
        } else {
            Sink::Sqlite {
                values: Vec::with_capacity(5 * SQLITE_ROWS_PER_STATEMENT),
                slice: None,
                in_slice: 0,
            }
        };
        Ok(MetricStaging {
            store: self,
            batch,
            sink,
            staged: 0,
            months: BTreeSet::new(),
            subjects: names.subjects.into_iter().map(|(id, key)| (key, id as i32)).collect(),
            metrics: names.metrics.into_iter().map(|(id, name)| (name, id as i32)).collect(),
        })
    }

    /// Gives every subject of the organisation (people and teams) and every one of
    /// `metrics` a number if it has none yet. Numbers are only ever added, in a write
    /// of their own, so a batch staged with them finds them still there at its merge.
    async fn number_names<'m>(&self, metrics: impl IntoIterator<Item = &'m str>) -> Result<(), StoreError> {
        let txn = self.begin_write().await?;
        let backend = txn.get_database_backend();
        for owner in ["people", "teams"] {
            txn.execute_unprepared(&format!(
                "INSERT INTO subjects (key) SELECT o.key FROM {owner} o \
                 WHERE NOT EXISTS (SELECT 1 FROM subjects s WHERE s.key = o.key)"
            ))
            .await?;
        }
        let metrics: Vec<&str> = metrics.into_iter().collect();
        for chunk in metrics.chunks(super::CHUNK_ROWS) {
            let placeholders: Vec<String> = (1..=chunk.len())
                .map(|i| {
                    if backend == DbBackend::Postgres {
                        format!("(${i})")
                    } else {
                        "(?)".to_owned()
                    }
                })
                .collect();
            let sql = format!(
                "INSERT INTO metrics (name) VALUES {} ON CONFLICT (name) DO NOTHING",
                placeholders.join(",")
            );
            let values = chunk.iter().map(|&name| Value::from(name)).collect::<Vec<_>>();
            txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    async fn drop_stale_staging(&self, now: i64) -> Result<(), StoreError> {
        let listing = match self.db().get_database_backend() {
            DbBackend::Postgres => {
                "SELECT tablename AS name FROM pg_tables WHERE tablename LIKE 'metric\\_staging\\_%'"
            }
            _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'metric\\_staging\\_%' ESCAPE '\\'",
        };
        #[derive(FromQueryResult)]
        struct Named {
            name: String,
        }
        let backend = self.db().get_database_backend();
        let tables = Named::find_by_statement(Statement::from_string(backend, listing))
            .all(self.db())
            .await?;
        for named in tables {
            let started = named.name.trim_start_matches("metric_staging_").parse::<i64>();
            if started.is_ok_and(|batch| batch < now - STALE_NANOS) {
                self.db()
                    .execute_unprepared(&format!("DROP TABLE IF EXISTS {}", named.name))
                    .await?;
            }
        }
        Ok(())
    }
}

impl MetricStaging<'_> {
    /// Adds one row; rows go to the database as they fill a statement or a buffer.
    pub async fn push(&mut self, row: StagedRow<'_>) -> Result<(), StoreError> {
        let unnumbered = |what: &str, name: &str| {
            StoreError::Staging(format!("line {}: {what} `{name}` has no number in the store", row.line))
        };
        let subject = *self
            .subjects
            .get(row.subject)
            .ok_or_else(|| unnumbered("subject", row.subject))?;
        let metric = *self
            .metrics
            .get(row.metric)
            .ok_or_else(|| unnumbered("metric", row.metric))?;
        let month = row.month.number() as i32;
        self.staged += 1;
        self.months.insert(row.month);
        match &mut self.sink {
            Sink::Postgres { copy, rows } => {
                rows.row(&[
                    Field::Int8(row.line as i64),
                    Field::Int4(month),
                    Field::Int4(subject),
                    Field::Int4(metric),
                    Field::Float8(row.value),
                ]);
                if rows.buffer.len() >= COPY_BYTES {
                    let copy = copy.as_mut().expect("an open COPY");
                    copy.send(std::mem::take(&mut rows.buffer).as_slice())
                        .await
                        .map_err(|e| StoreError::Staging(e.to_string()))?;
                    rows.buffer.reserve(COPY_BYTES + 1024);
                }
            }
            Sink::Sqlite { values, .. } => {
                values.extend([
                    Value::BigInt(Some(row.line as i64)),
                    Value::Int(Some(month)),
                    Value::Int(Some(subject)),
                    Value::Int(Some(metric)),
                    row.value.into(),
                ]);
                if values.len() >= 5 * SQLITE_ROWS_PER_STATEMENT {
                    self.flush_sqlite().await?;
                }
            }
        }
        Ok(())
    }

    async fn flush_sqlite(&mut self) -> Result<(), StoreError> {
        let Sink::Sqlite {
            values,
            slice,
            in_slice,
        } = &mut self.sink
        else {
            return Ok(());
        };
        if values.is_empty() {
            return Ok(());
        }
        if slice.is_none() {
            *slice = Some(self.store.begin_write().await?);
        }
        let txn = slice.as_ref().expect("a slice begun");
        let rows = values.len() / 5;
        *in_slice += rows;
        let mut sql = format!(
            "INSERT INTO {} (line, month, subject_id, metric_id, value) VALUES ",
            table(self.batch)
        );
        for row in 0..rows {
            sql.push_str(if row == 0 { "(?,?,?,?,?)" } else { ",(?,?,?,?,?)" });
        }
        let statement = Statement::from_sql_and_values(DbBackend::Sqlite, sql, std::mem::take(values));
        txn.execute_raw(statement).await?;
        if *in_slice >= SQLITE_ROWS_PER_SLICE {
            slice.take().expect("a slice begun").commit().await?;
            *in_slice = 0;
        }
        Ok(())
    }

    /// Every row is staged: the batch, ready to merge.
    pub async fn finish(mut self) -> Result<StagedMetrics, StoreError> {
        match &mut self.sink {
            Sink::Postgres { copy, rows } => {
                let mut copy = copy.take().expect("an open COPY");
                rows.finish();
                copy.send(std::mem::take(&mut rows.buffer).as_slice())
                    .await
                    .map_err(|e| StoreError::Staging(e.to_string()))?;
                copy.finish().await.map_err(|e| StoreError::Staging(e.to_string()))?;
            }
            Sink::Sqlite { .. } => {
                self.flush_sqlite().await?;
                if let Sink::Sqlite { slice, .. } = &mut self.sink
                    && let Some(txn) = slice.take()
                {
                    txn.commit().await?;
                }
            }
        }
        Ok(StagedMetrics {
            batch: self.batch,
            rows: self.staged,
            months: std::mem::take(&mut self.months),
        })
    }

    /// Nothing of the batch is wanted (a bad row was found): its table is dropped.
    pub async fn abandon(mut self) -> Result<(), StoreError> {
        match &mut self.sink {
            Sink::Postgres { copy, .. } => {
                if let Some(copy) = copy.take() {
                    copy.abort("the file was refused").await.ok();
                }
            }
            Sink::Sqlite { slice, .. } => {
                if let Some(txn) = slice.take() {
                    txn.rollback().await?;
                }
            }
        }
        self.store
            .db()
            .execute_unprepared(&format!("DROP TABLE IF EXISTS {}", table(self.batch)))
            .await?;
        Ok(())
    }
}

impl StagedMetrics {
    /// Drops the batch's table: after a refusal, or when the merge failed.
    pub async fn discard(self, store: &Store) -> Result<(), StoreError> {
        store
            .db()
            .execute_unprepared(&format!("DROP TABLE IF EXISTS {}", table(self.batch)))
            .await?;
        Ok(())
    }
}

#[derive(FromQueryResult)]
struct Refused {
    line: i64,
    month: i32,
}

#[derive(FromQueryResult)]
struct Corrected {
    subject: String,
    month: i32,
    metric: String,
    old: f64,
    new: f64,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

impl Writer {
    /// Merges a staged batch: new values are added, corrected values replace the old
    /// ones (each replacement in the audit log with its old value), identical values
    /// are left alone. A row that would change a finalized month refuses the whole
    /// import; one that repeats what such a month holds is merely unchanged. The
    /// batch's table is dropped with the merge.
    pub async fn merge_metrics(
        &self,
        staged: &StagedMetrics,
        import: &MetricsImport<'_>,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> Result<Changes, ImportRefused> {
        let txn = self.txn();
        let backend = txn.get_database_backend();
        let staging = table(staged.batch);
        let batch = |sql: String, values: Vec<Value>| Statement::from_sql_and_values(backend, sql, values);
        let same_key = "m.month = s.month AND m.subject_id = s.subject_id AND m.metric_id = s.metric_id";
        let joined = format!("{staging} s JOIN metric_values m ON {same_key}");

        let months = staged.months.iter().map(Month::to_string);
        let finalized = finalized_months(txn, months).await?;
        if !finalized.is_empty() {
            let list: Vec<String> = (staged.months.iter())
                .filter(|m| finalized.contains(&m.to_string()))
                .map(|m| m.number().to_string())
                .collect();
            let sql = format!(
                "SELECT s.line AS line, s.month AS month FROM {staging} s LEFT JOIN metric_values m ON {same_key} \
                 WHERE s.month IN ({}) AND (m.value IS NULL OR m.value <> s.value) ORDER BY s.line",
                list.join(",")
            );
            let refused = Refused::find_by_statement(batch(sql, vec![])).all(txn).await?;
            if !refused.is_empty() {
                let refused: Result<Vec<_>, StoreError> = (refused.into_iter())
                    .map(|r| Ok((r.line as u64, stored_month(r.month)?.to_string())))
                    .collect();
                return Err(ImportRefused::Finalized(refused?));
            }
        }
        // A batch of months nothing is stored for yet is all new: no comparison to make.
        let months: Vec<String> = staged.months.iter().map(|m| m.number().to_string()).collect();
        let stored = Count::find_by_statement(batch(
            format!(
                "SELECT COUNT(*) AS n FROM (SELECT 1 FROM metric_values WHERE month IN ({}) LIMIT 1) AS any_stored",
                months.join(",")
            ),
            vec![],
        ))
        .one(txn)
        .await?
        .is_some_and(|c| c.n > 0);
        if stored && backend == DbBackend::Postgres {
            // The batch is sampled, and joined by hashing: sorting 10 M staged rows
            // against every month's index (which the planner may pick) is 2-3 times
            // slower. Both for this transaction only.
            txn.execute_unprepared(&format!("ANALYZE {staging}")).await?;
            txn.execute_unprepared("SET LOCAL enable_mergejoin = off").await?;
        }
        #[derive(FromQueryResult)]
        struct Matched {
            unchanged: Option<i64>,
            corrected: Option<i64>,
        }
        // One pass counts both; the corrections are listed only when there are some.
        let matched = match stored {
            false => None,
            true => {
                Matched::find_by_statement(batch(
                    format!(
                        "SELECT SUM(CASE WHEN m.value = s.value THEN 1 ELSE 0 END) AS unchanged, \
                         SUM(CASE WHEN m.value <> s.value THEN 1 ELSE 0 END) AS corrected FROM {joined}"
                    ),
                    vec![],
                ))
                .one(txn)
                .await?
            }
        };
        let unchanged = matched.as_ref().and_then(|m| m.unchanged).unwrap_or(0).max(0) as u64;
        let corrected =
            match matched.and_then(|m| m.corrected).unwrap_or(0) {
                0 => Vec::new(),
                _ => Corrected::find_by_statement(batch(
                    format!(
                        "SELECT k.key AS subject, s.month AS month, n.name AS metric, m.value AS old, s.value AS new \
                         FROM {joined} JOIN subjects k ON k.id = s.subject_id JOIN metrics n ON n.id = s.metric_id \
                         WHERE m.value <> s.value ORDER BY s.line"
                    ),
                    vec![],
                ))
                .all(txn)
                .await?,
            };
        let changes = Changes {
            added: (staged.rows - unchanged) as usize - corrected.len(),
            changed: corrected.len(),
            unchanged: unchanged as usize,
        };
        if changes.added + changes.changed == 0 {
            // Nothing to change: leave no trace of a no-op import.
            txn.execute_unprepared(&format!("DROP TABLE {staging}")).await?;
            return Ok(changes);
        }
        // Its counts are written once the rows are.
        let import_id = insert_import(
            txn,
            "metrics",
            import.source,
            import.digest,
            import.actor,
            Changes::default(),
        )
        .await?;
        // Writers take turns (`Store::writer`), so nothing else adds a value meanwhile:
        // the changed rows are updated and the new ones inserted, each a plain
        // statement, cheaper than an upsert's insert-or-update per row.
        let id = if backend == DbBackend::Postgres { "$1" } else { "?" };
        if changes.changed > 0 {
            let update = format!(
                "UPDATE metric_values SET value = s.value, import_id = {id} FROM {staging} s \
                 WHERE metric_values.month = s.month AND metric_values.subject_id = s.subject_id \
                 AND metric_values.metric_id = s.metric_id AND metric_values.value <> s.value"
            );
            txn.execute_raw(batch(update, vec![import_id.into()])).await?;
        }
        if changes.added > 0 {
            // PostgreSQL: months with no table of their own yet are loaded whole.
            let new_months = match backend {
                DbBackend::Postgres => partitions::months_without_table(txn, &staged.months).await?,
                _ => Vec::new(),
            };
            partitions::load_new_months(txn, &staging, &new_months, import_id).await?;
            let mut only = Vec::new();
            if !new_months.is_empty() {
                let list: Vec<String> = new_months.iter().map(|m| m.number().to_string()).collect();
                only.push(format!("s.month NOT IN ({})", list.join(",")));
            }
            if stored {
                only.push(format!("NOT EXISTS (SELECT 1 FROM metric_values m WHERE {same_key})"));
            }
            if new_months.len() < staged.months.len() {
                let only = match only.is_empty() {
                    true => String::new(),
                    false => format!(" WHERE {}", only.join(" AND ")),
                };
                let insert = format!(
                    "INSERT INTO metric_values (month, subject_id, metric_id, value, import_id) \
                     SELECT s.month, s.subject_id, s.metric_id, s.value, {id} FROM {staging} s{only}"
                );
                txn.execute_raw(batch(insert, vec![import_id.into()])).await?;
            }
        }
        progress(staged.rows, staged.rows);
        txn.execute_unprepared(&format!("DROP TABLE {staging}")).await?;

        let mut audit = corrected
            .into_iter()
            .map(|c| {
                Ok(audit_entry(
                    import.actor,
                    "update",
                    "metric_value",
                    format!("{}/{}/{}", c.subject, stored_month(c.month)?, c.metric),
                    Some(c.old.to_string()),
                    Some(c.new.to_string()),
                ))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let summary = serde_json::json!({ "source": import.source, "digest": import.digest, "added": changes.added, "changed": changes.changed, "unchanged": changes.unchanged });
        audit.push(audit_entry(
            import.actor,
            "import",
            "metrics",
            import_id.to_string(),
            None,
            Some(summary.to_string()),
        ));
        Store::audit(txn, audit).await?;
        imports::Entity::update(imports::ActiveModel {
            id: ActiveValue::Unchanged(import_id),
            added: ActiveValue::Set(changes.added as i64),
            changed: ActiveValue::Set(changes.changed as i64),
            unchanged: ActiveValue::Set(changes.unchanged as i64),
            ..Default::default()
        })
        .exec(txn)
        .await?;
        Ok(changes)
    }
}
