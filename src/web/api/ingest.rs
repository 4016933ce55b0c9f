//! Sending data: metric values, people, teams and targets as JSON rows, through the
//! same validation and the same all-or-nothing write as a file import. Only hr and
//! admin accounts may, with a write-scope token or a session and its CSRF token.

use super::body::{self, METRICS_LIMIT, SMALL_LIMIT};
use super::{ApiResult, caller};
use crate::import::{FinalizedRows, ImportFailure, ImportKind, RowError, Table, import_table};
use crate::web::AppState;
use crate::web::access::{Capability, may};
use crate::web::error::{AppError, FieldError};
use crate::web::session::ApiAccess;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// Where API rows say they came from, in errors and in the imports record.
const SOURCE: &str = "request body";

/// Rows to add or correct; all are written, or none.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Rows<T> {
    pub rows: Vec<T>,
}

/// One monthly metric value of a person or a team.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricIn {
    /// A person's or a team's id.
    pub subject: String,
    /// A month, `YYYY-MM`.
    pub period: String,
    /// A metric of the definitions.
    pub metric: String,
    pub value: f64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonIn {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub email: String,
    pub team: String,
    /// A role of the definitions.
    pub role: String,
    #[serde(default)]
    pub manager: Option<String>,
    /// `YYYY-MM`.
    #[serde(default)]
    pub active_from: Option<String>,
    /// `YYYY-MM`.
    #[serde(default)]
    pub active_to: Option<String>,
    /// `en` or `zh`: the language of their mails.
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamIn {
    pub id: String,
    pub name: String,
    /// The name on Chinese pages.
    #[serde(default)]
    pub name_zh: Option<String>,
    #[serde(default)]
    pub parent: Option<String>,
    /// The role the team's own card is scored with; absent: the team scorecard role.
    #[serde(default)]
    pub card: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetIn {
    /// A person's or a team's id, or `role:<id>`.
    pub subject: String,
    /// A month, quarter or year; absent or empty for every period.
    #[serde(default)]
    pub period: Option<String>,
    pub kpi: String,
    pub target: f64,
    #[serde(default)]
    pub threshold: Option<f64>,
    #[serde(default)]
    pub stretch: Option<f64>,
}

/// What a write did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestReport {
    /// Rows received.
    pub rows: usize,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// A row as the fields of its import kind's columns, required then optional.
trait AsRecord {
    const KIND: ImportKind;
    fn record(self) -> Vec<String>;
}

fn number(value: Option<f64>) -> String {
    // f64's Display is the shortest text that reads back as the same number.
    value.map_or_else(String::new, |v| v.to_string())
}

impl AsRecord for MetricIn {
    const KIND: ImportKind = ImportKind::Metrics;
    fn record(self) -> Vec<String> {
        vec![self.subject, self.period, self.metric, number(Some(self.value))]
    }
}

impl AsRecord for PersonIn {
    const KIND: ImportKind = ImportKind::People;
    fn record(self) -> Vec<String> {
        vec![
            self.id,
            self.name,
            self.email,
            self.team,
            self.role,
            self.manager.unwrap_or_default(),
            self.active_from.unwrap_or_default(),
            self.active_to.unwrap_or_default(),
            self.language.unwrap_or_default(),
        ]
    }
}

impl AsRecord for TeamIn {
    const KIND: ImportKind = ImportKind::Teams;
    fn record(self) -> Vec<String> {
        // In the order of TEAM_COLUMNS: id, name, then the optional name_zh, parent, card.
        vec![
            self.id,
            self.name,
            self.name_zh.unwrap_or_default(),
            self.parent.unwrap_or_default(),
            self.card.unwrap_or_default(),
        ]
    }
}

impl AsRecord for TargetIn {
    const KIND: ImportKind = ImportKind::Targets;
    fn record(self) -> Vec<String> {
        vec![
            self.subject,
            self.period.unwrap_or_default(),
            self.kpi,
            number(Some(self.target)),
            number(self.threshold),
            number(self.stretch),
        ]
    }
}

/// Add or correct monthly metric values (up to 8 MiB of JSON).
#[utoipa::path(
    tag = "ingestion",
    request_body = Rows<MetricIn>,
    responses(
        (status = 200, description = "Every row was valid and is stored", body = IngestReport),
        (status = 400, description = "Malformed JSON, a wrong type or a missing field, with its path", body = crate::web::error::ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = crate::web::error::ErrorBody),
        (status = 403, description = "A read-scope token, an account other than hr or admin, or a session without its X-CSRF-Token", body = crate::web::error::ErrorBody),
        (status = 413, description = "The body is over 8 MiB", body = crate::web::error::ErrorBody),
        (status = 415, description = "The body is not declared as JSON (Content-Type: application/json)", body = crate::web::error::ErrorBody),
        (status = 409, description = "Rows would change a finalized month; one error per month at its first row; nothing was written", body = crate::web::error::ErrorBody),
        (status = 422, description = "Rows refused (unknown subject or metric, ...); each at `rows[i].field`; nothing was written", body = crate::web::error::ErrorBody),
    )
)]
#[post("/api/v1/metrics")]
pub(super) async fn post_metrics(req: HttpRequest, state: web::Data<AppState>, payload: web::Payload) -> ApiResult {
    ingest::<MetricIn>(&req, &state, payload, METRICS_LIMIT).await
}

/// Add or change people (up to 1 MiB of JSON).
#[utoipa::path(
    tag = "ingestion",
    request_body = Rows<PersonIn>,
    responses(
        (status = 200, description = "Every row was valid and is stored", body = IngestReport),
        (status = 400, description = "Malformed JSON, a wrong type or a missing field, with its path", body = crate::web::error::ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = crate::web::error::ErrorBody),
        (status = 403, description = "A read-scope token, an account other than hr or admin, or a session without its X-CSRF-Token", body = crate::web::error::ErrorBody),
        (status = 413, description = "The body is over 1 MiB", body = crate::web::error::ErrorBody),
        (status = 415, description = "The body is not declared as JSON (Content-Type: application/json)", body = crate::web::error::ErrorBody),
        (status = 422, description = "Rows refused, each at `rows[i].field`; nothing was written", body = crate::web::error::ErrorBody),
    )
)]
#[post("/api/v1/people")]
pub(super) async fn post_people(req: HttpRequest, state: web::Data<AppState>, payload: web::Payload) -> ApiResult {
    ingest::<PersonIn>(&req, &state, payload, SMALL_LIMIT).await
}

/// Add or change teams (up to 1 MiB of JSON).
#[utoipa::path(
    tag = "ingestion",
    request_body = Rows<TeamIn>,
    responses(
        (status = 200, description = "Every row was valid and is stored", body = IngestReport),
        (status = 400, description = "Malformed JSON, a wrong type or a missing field, with its path", body = crate::web::error::ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = crate::web::error::ErrorBody),
        (status = 403, description = "A read-scope token, an account other than hr or admin, or a session without its X-CSRF-Token", body = crate::web::error::ErrorBody),
        (status = 413, description = "The body is over 1 MiB", body = crate::web::error::ErrorBody),
        (status = 415, description = "The body is not declared as JSON (Content-Type: application/json)", body = crate::web::error::ErrorBody),
        (status = 422, description = "Rows refused (an unknown parent, a loop, a tree over 64 levels), each at `rows[i].field`; nothing was written", body = crate::web::error::ErrorBody),
    )
)]
#[post("/api/v1/teams")]
pub(super) async fn post_teams(req: HttpRequest, state: web::Data<AppState>, payload: web::Payload) -> ApiResult {
    ingest::<TeamIn>(&req, &state, payload, SMALL_LIMIT).await
}

/// Add or change target overrides (up to 1 MiB of JSON).
#[utoipa::path(
    tag = "ingestion",
    request_body = Rows<TargetIn>,
    responses(
        (status = 200, description = "Every row was valid and is stored", body = IngestReport),
        (status = 400, description = "Malformed JSON, a wrong type or a missing field, with its path", body = crate::web::error::ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = crate::web::error::ErrorBody),
        (status = 403, description = "A read-scope token, an account other than hr or admin, or a session without its X-CSRF-Token", body = crate::web::error::ErrorBody),
        (status = 413, description = "The body is over 1 MiB", body = crate::web::error::ErrorBody),
        (status = 415, description = "The body is not declared as JSON (Content-Type: application/json)", body = crate::web::error::ErrorBody),
        (status = 409, description = "Rows would change a finalized month; one error per month at its first row; nothing was written", body = crate::web::error::ErrorBody),
        (status = 422, description = "Rows refused (a KPI not on the card, ...), each at `rows[i].field`; nothing was written", body = crate::web::error::ErrorBody),
    )
)]
#[post("/api/v1/targets")]
pub(super) async fn post_targets(req: HttpRequest, state: web::Data<AppState>, payload: web::Payload) -> ApiResult {
    ingest::<TargetIn>(&req, &state, payload, SMALL_LIMIT).await
}

/// Checks who asks before reading the body, then imports it as a file would be.
async fn ingest<T: AsRecord + serde::de::DeserializeOwned>(
    req: &HttpRequest,
    state: &AppState,
    payload: web::Payload,
    limit: usize,
) -> ApiResult {
    let session = caller(req, state, ApiAccess::Write).await?;
    if !may(&session.account, Capability::SendData) {
        return Err(AppError::Forbidden("only hr and admin accounts may send data".into()).into());
    }
    body::require_json(req)?;
    let bytes = body::read(req, payload, limit).await?;
    let rows: Rows<T> = body::parse(&bytes)?;
    let (required, optional) = T::KIND.columns();
    let columns = [required, optional].concat();
    let table = Table::from_records(SOURCE, &columns, rows.rows.into_iter().map(T::record).collect());
    let digest = format!("{:x}", Sha256::digest(&bytes));
    let actor = format!("{} (api)", session.account.username);
    let mut result = import_table(
        &state.store,
        state.rulebook().against(),
        T::KIND,
        &table,
        &digest,
        &actor,
        &|_, _| {},
    )
    .await;
    if matches!(result, Err(ImportFailure::DefinitionsChanged { .. })) {
        // Definitions published meanwhile: take them up and check the rows again, once.
        state
            .definitions
            .refresh(&state.store)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        result = import_table(
            &state.store,
            state.rulebook().against(),
            T::KIND,
            &table,
            &digest,
            &actor,
            &|_, _| {},
        )
        .await;
    }
    let report = result.map_err(|failure| match failure {
        ImportFailure::Rows(errors) => invalid_rows(&errors.errors, errors.more),
        ImportFailure::Finalized(refused) => finalized_rows(&refused),
        ImportFailure::Store(e) => AppError::from(e),
        ImportFailure::Read { reason, .. } => AppError::Internal(anyhow::anyhow!(reason)),
        e @ ImportFailure::DefinitionsChanged { .. } => AppError::Conflict(e.to_string()),
    })?;
    state.scores.data_changed(state).await?;
    Ok(HttpResponse::Ok().json(IngestReport {
        rows: report.rows,
        added: report.changes.added,
        changed: report.changes.changed,
        unchanged: report.changes.unchanged,
    }))
}

/// Row errors as 422, each at its JSON path.
fn invalid_rows(errors: &[RowError], more: usize) -> AppError {
    let errors: Vec<FieldError> = errors
        .iter()
        .map(|e| FieldError {
            path: field_path(e),
            message: e.message.clone(),
        })
        .collect();
    let n = errors.len() + more;
    let message = if more > 0 {
        format!("{n} bad rows (the first {} listed); nothing was written", errors.len())
    } else {
        format!("{n} bad row{}; nothing was written", if n == 1 { "" } else { "s" })
    };
    AppError::InvalidRows { message, errors }
}

/// Rows for finalized months as 409, one error per month at its first row.
fn finalized_rows(refused: &FinalizedRows) -> AppError {
    let errors: Vec<FieldError> = refused
        .months
        .iter()
        .map(|(month, rows)| FieldError {
            path: format!("rows[{}].period", rows.first().copied().unwrap_or(0)),
            message: FinalizedRows::reason(month, rows),
        })
        .collect();
    let months: Vec<&str> = refused.months.keys().map(String::as_str).collect();
    let message = format!(
        "period{} {} {} finalized; nothing was written",
        if months.len() == 1 { "" } else { "s" },
        months.join(", "),
        if months.len() == 1 { "is" } else { "are" }
    );
    AppError::PeriodFinalized { message, errors }
}

/// `rows[3].value` for an error in row 3's `value` (rows are placed by index).
fn field_path(error: &RowError) -> String {
    match &error.column {
        Some(column) => format!("rows[{}].{column}", error.line),
        None => format!("rows[{}]", error.line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: u64, column: Option<&str>) -> RowError {
        RowError {
            file: SOURCE.into(),
            line,
            column: column.map(str::to_owned),
            message: "bad".into(),
        }
    }

    #[test]
    fn every_kind_of_row_gives_a_value_per_column_in_order() {
        let team = TeamIn {
            id: "t".into(),
            name: "T".into(),
            name_zh: Some("团".into()),
            parent: Some("p".into()),
            card: Some("care_team".into()),
        };
        let (required, optional) = ImportKind::Teams.columns();
        let columns = [required, optional].concat();
        let record = team.record();
        assert_eq!(record.len(), columns.len());
        let at = |name: &str| record[columns.iter().position(|c| *c == name).expect("a column")].as_str();
        assert_eq!(
            (at("id"), at("name"), at("name_zh"), at("parent")),
            ("t", "T", "团", "p")
        );
    }

    #[test]
    fn a_row_error_is_placed_at_its_index_and_field() {
        assert_eq!(field_path(&error(3, Some("value"))), "rows[3].value");
        assert_eq!(field_path(&error(0, None)), "rows[0]");
    }

    #[test]
    fn the_message_counts_every_bad_row_even_beyond_those_listed() {
        let AppError::InvalidRows { message, errors } = invalid_rows(&[error(1, Some("value"))], 4) else {
            panic!("invalid rows");
        };
        assert_eq!(message, "5 bad rows (the first 1 listed); nothing was written");
        assert_eq!(errors.len(), 1);
    }

    #[test]
    fn numbers_become_text_that_reads_back_as_the_same_number() {
        for value in [0.1 + 0.2, 1e21, -3.5, 1.0 / 3.0, f64::MIN_POSITIVE] {
            assert_eq!(number(Some(value)).parse::<f64>(), Ok(value));
        }
        assert_eq!(number(None), "");
    }
}
