//! `GET /api/v1/leaderboards/{team}`: a team's members ranked by total, its own total
//! and its sub-teams', with the team page's access rules.

use super::{ApiResult, caller};
use crate::web::AppState;
use crate::web::error::ErrorBody;
use crate::web::pages::{PeriodQuery, chosen_period, team_board};
use crate::web::session::ApiAccess;
use actix_web::{HttpRequest, HttpResponse, get, web};

/// A team's leaderboard for a period: the same board as the team page.
#[utoipa::path(
    tag = "teams",
    params(
        ("team" = String, Path, description = "A team's id"),
        ("period" = Option<String>, Query, description = "A month `2026-10`, quarter `2026-Q3` or year `2026`; default the latest month with enough data to score (half its people with a total), else the latest finalized"),
        ("kind" = Option<String>, Query, description = "`month`, `quarter` or `year`: the period of that kind holding `period`"),
    ),
    responses(
        (status = 200, description = "The team's total, its members highest total first (rank, percentile among their role), its sub-teams", content_type = "application/json", body = Object),
        (status = 400, description = "The period cannot be read", body = ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = ErrorBody),
        (status = 404, description = "No such team, or not one the caller may see (reps see no team boards)", body = ErrorBody),
    )
)]
#[get("/api/v1/leaderboards/{team}")]
async fn leaderboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    team: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Read).await?;
    let period = chosen_period(&state, &query).await?;
    let board = team_board(&state, &session, &team, period).await?;
    Ok(HttpResponse::Ok().json(board))
}
