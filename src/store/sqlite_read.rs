//! A period's metric values read from a SQLite file in place.
//!
//! sqlx runs SQLite on a worker thread of its own and hands every row over a channel:
//! about 1.9 s for a month of 1,000,000 values that SQLite itself steps through in
//! 0.07 s, the reader and the worker waking each other row after row. Here the
//! statement is stepped by rusqlite (the same SQLite library, `libsqlite3-sys`, linked
//! once) on a blocking thread, and the values come back in batches: 0.19 s.
//!
//! A second connection to the file, opened per read: a single statement reads one
//! snapshot of the database (WAL), as the pool's own connections would. A database
//! in memory has no file to open; it is read through sqlx.

use super::StoreError;
use super::metrics::{StoredValue, stored_month};
use crate::kpi::period::Month;
use rusqlite::{OpenFlags, params_from_iter};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Values handed from the reading thread at a time.
const BATCH: usize = 16_384;

/// The file of the database `db` is connected to; `None` for one in memory.
pub(super) async fn file_of(db: &DatabaseConnection) -> Result<Option<Arc<Path>>, StoreError> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await?;
    let file: String = match row {
        Some(row) => row.try_get("", "file")?,
        None => String::new(),
    };
    Ok((!file.is_empty()).then(|| Arc::from(Path::new(&file))))
}

/// Every value of `months` stored in the SQLite `file`, handed to `each`; how many.
pub(super) async fn metric_values(
    file: Arc<Path>,
    months: &[Month],
    mut each: impl FnMut(StoredValue),
) -> Result<u64, StoreError> {
    let numbers: Vec<i32> = months.iter().map(|m| m.number() as i32).collect();
    let (sender, mut batches) = tokio::sync::mpsc::channel::<Vec<StoredValue>>(4);
    let reader = tokio::task::spawn_blocking(move || read(&file, &numbers, &sender));
    let mut count = 0;
    while let Some(batch) = batches.recv().await {
        count += batch.len() as u64;
        batch.into_iter().for_each(&mut each);
    }
    reader
        .await
        .map_err(|e| StoreError::Database(DbErr::Custom(format!("reading metric values: {e}"))))??;
    Ok(count)
}

/// Steps the statement on this (blocking) thread, sending the values in batches; stops
/// early when the receiver is gone.
fn read(file: &Path, months: &[i32], sender: &tokio::sync::mpsc::Sender<Vec<StoredValue>>) -> Result<(), StoreError> {
    let fail = |e: rusqlite::Error| StoreError::Database(DbErr::Custom(format!("reading metric values: {e}")));
    // The store's own file, never created here; only read from.
    let connection = rusqlite::Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail)?;
    connection.busy_timeout(Duration::from_secs(60)).map_err(fail)?;
    connection.pragma_update(None, "query_only", true).map_err(fail)?;
    let placeholders = vec!["?"; months.len()].join(",");
    let mut statement = connection
        .prepare(&format!(
            "SELECT month, subject_id, metric_id, value FROM metric_values WHERE month IN ({placeholders})"
        ))
        .map_err(fail)?;
    let mut rows = statement.query(params_from_iter(months)).map_err(fail)?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(row) = rows.next().map_err(fail)? {
        batch.push(StoredValue {
            month: stored_month(row.get(0).map_err(fail)?)?,
            subject: row.get::<_, i32>(1).map_err(fail)? as u32,
            metric: row.get::<_, i32>(2).map_err(fail)? as u32,
            value: row.get(3).map_err(fail)?,
        });
        if batch.len() == BATCH
            && sender
                .blocking_send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                .is_err()
        {
            return Ok(());
        }
    }
    if !batch.is_empty() {
        // A receiver gone has stopped reading: nothing more to do either way.
        let _ = sender.blocking_send(batch);
    }
    Ok(())
}
