//! `GET /api/v1/leaderboards/{team}`: a team's members ranked by total, its own total
//! and its sub-teams', with the team page's access rules.

use crate::web::AppState;
use crate::web::error::ApiError;
use crate::web::pages::{PeriodQuery, chosen_period, team_board};
use crate::web::session;
use actix_web::{HttpRequest, HttpResponse, get, web};

#[get("/api/v1/leaderboards/{team}")]
async fn leaderboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    team: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, ApiError> {
    let session = session::current(&req, &state, true).await?;
    let period = chosen_period(&state, &query).await?;
    let board = team_board(&state, &session, &team, period).await?;
    Ok(HttpResponse::Ok().json(board))
}
