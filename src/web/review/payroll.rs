//! The payroll file of a finalized month, for hr, from the review page and the API.

use super::month_in_path;
use crate::review::payroll::{self, PayrollFormat};
use crate::store::AccountRole;
use crate::web::AppState;
use crate::web::access::refuse;
use crate::web::error::AppError;
use crate::web::session::{self, Session};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct PayrollQuery {
    format: Option<String>,
}

/// The payroll file of a finalized month, for hr.
#[get("/review/{month}/payroll")]
async fn payroll_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    month: web::Path<String>,
    query: web::Query<PayrollQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    payroll_response(&state, &session, &month, query.format.as_deref()).await
}

/// The payroll file as a download, for the page and the API alike.
pub(in crate::web) async fn payroll_response(
    state: &AppState,
    session: &Session,
    month: &str,
    format: Option<&str>,
) -> Result<HttpResponse, AppError> {
    if !matches!(session.account.role, AccountRole::Hr | AccountRole::Admin) {
        refuse(state, session, "payroll", month, None).await?;
    }
    let month = month_in_path(month)?;
    let format = match format.unwrap_or("csv") {
        "csv" => PayrollFormat::Csv,
        "xlsx" => PayrollFormat::Xlsx,
        other => {
            return Err(AppError::BadRequest(format!(
                "`{}` is not a payroll format; expected csv or xlsx",
                crate::kpi::id::shown(other)
            )));
        }
    };
    let bytes = match payroll::export(&state.store, &state.rulebook().rulebook, month, format).await {
        Ok(bytes) => bytes,
        Err(payroll::PayrollError::NotFinalized(month)) => {
            return Err(AppError::Conflict(format!(
                "{month} is not finalized; payroll is exported from a finalized month only"
            )));
        }
        Err(payroll::PayrollError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(AppError::Internal(anyhow::Error::new(e))),
    };
    let (content_type, extension) = match format {
        PayrollFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        PayrollFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"payroll-{month}.{extension}\""),
        ))
        .body(bytes))
}
