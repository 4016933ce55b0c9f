//! Metric data files (long form `subject,period,metric,value`) -> validated rows.

use super::suggest;
use super::table::{ImportErrors, Table};
use crate::kpi::definition::Unit;
use crate::kpi::organisation::Organisation;
use crate::kpi::period::Month;
use crate::kpi::rollup::MetricData;
use crate::kpi::rulebook::Rulebook;
use crate::store::MetricRow;
use rustc_hash::FxHashMap;
use std::collections::HashSet;
use std::sync::Arc;

pub const METRIC_COLUMNS: (&[&str], &[&str]) = (&["subject", "period", "metric", "value"], &[]);

/// Validates every row: a known person or team, a month, a metric of the rulebook, a
/// finite number (not negative for a count), and no second value for the same key.
pub fn parse_metrics(
    table: &Table,
    rulebook: &Rulebook,
    subjects: &HashSet<&str>,
) -> Result<Vec<MetricRow>, ImportErrors> {
    // Names are interned once and rows are keyed by small numbers: at a million rows,
    // hashing and allocating strings per row would cost more than the database write.
    let subject_ids: FxHashMap<&str, (u32, Arc<str>)> = subjects
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, (i as u32, Arc::from(*s))))
        .collect();
    let metric_names: Vec<Arc<str>> = rulebook.metrics().iter().map(|m| Arc::from(m.key.as_str())).collect();
    let mut errors = ImportErrors::default();
    let mut seen: FxHashMap<(u32, Month, usize), u64> = FxHashMap::default();
    seen.reserve(table.len());
    let mut rows = Vec::with_capacity(table.len());
    for row in table.rows() {
        let parsed = (|| {
            let key = row.required("subject")?;
            let Some((subject_id, subject)) = subject_ids.get(key) else {
                return Err(row.error(
                    "subject",
                    format!("unknown person or team `{key}`{}", suggest(key, subjects.iter())),
                ));
            };
            let period = row.required("period")?;
            let month: Month = period.parse().map_err(|_| {
                row.error(
                    "period",
                    format!("`{period}` is not a month; metric data is monthly, as `YYYY-MM`"),
                )
            })?;
            let name = row.required("metric")?;
            let metric = rulebook.find_metric(name).ok_or_else(|| {
                let known = rulebook.metrics().iter().map(|m| &m.key);
                row.error("metric", format!("unknown metric `{name}`{}", suggest(name, known)))
            })?;
            let value = row.number("value")?;
            if value < 0.0 && rulebook.metric(metric).unit == Unit::Count {
                return Err(row.error("value", format!("`{name}` is a count and cannot be negative ({value})")));
            }
            if let Some(first) = seen.insert((*subject_id, month, metric.index()), row.line) {
                return Err(row.error(
                    "metric",
                    format!(
                        "a second value for `{key}`, {month}, `{name}`; the first is on {}",
                        table.place(first)
                    ),
                ));
            }
            let metric = Arc::clone(&metric_names[metric.index()]);
            Ok(MetricRow {
                line: row.line,
                subject: Arc::clone(subject),
                month,
                metric,
                value,
            })
        })();
        match parsed {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    errors.or(rows)
}

/// The ids of an organisation's people and teams, which data rows may name.
pub fn subject_keys(organisation: &Organisation) -> HashSet<&str> {
    organisation
        .people()
        .iter()
        .map(|p| p.key.as_str())
        .chain(organisation.teams().iter().map(|t| t.key.as_str()))
        .collect()
}

/// Validated rows -> the engine's monthly table.
pub fn build_metric_data(rulebook: &Rulebook, organisation: &Organisation, rows: &[MetricRow]) -> MetricData {
    let mut data = MetricData::new(
        rulebook.metrics().len(),
        organisation.people().len(),
        organisation.teams().len(),
    );
    for row in rows {
        if let (Some(subject), Some(metric)) = (organisation.find(&row.subject), rulebook.find_metric(&row.metric)) {
            data.set(subject, row.month, metric, row.value);
        }
    }
    data
}
