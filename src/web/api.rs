//! The JSON API under `/api/v1`: the same access rules as the pages, errors as JSON.

mod leaderboards;

pub use leaderboards::leaderboard;

use super::AppState;
use super::error::{ApiError, AppError};
use super::pages::{PeriodQuery, period_of, visible_card};
use super::session;
use actix_web::{HttpRequest, HttpResponse, get, web};

#[get("/api/v1/scorecards/{subject}")]
async fn scorecard(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let session = session::current(&req, &state, true).await?;
    let period = period_of(&state, query.period.as_deref()).await?;
    let card = visible_card(&state, &session, &subject, period).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "period": period, "card": card })))
}

#[get("/healthz")]
async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.store.data_version().await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}
