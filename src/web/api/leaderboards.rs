//! `GET /api/v1/leaderboards/{team}`: a team's members ranked by total, its own total
//! and its sub-teams', with the team page's access rules; members a page at a time.

use super::{ApiResult, caller};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::error::ErrorBody;
use crate::web::pages::TeamBoard;
use crate::web::pages::{PeriodQuery, chosen_period, team_board};
use crate::web::session::ApiAccess;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};

/// Members per page unless asked, and at most.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    limit: Option<usize>,
    offset: Option<usize>,
}

/// Where a page of members stands among them all.
#[derive(Debug, Serialize)]
struct Paging {
    offset: usize,
    limit: usize,
    /// Members with a total, over every page.
    total: usize,
    /// The next page's path and query, while there is one.
    next: Option<String>,
}

#[derive(Debug, Serialize)]
struct PagedBoard {
    #[serde(flatten)]
    board: TeamBoard,
    paging: Paging,
}

/// A team's leaderboard for a period: the same board as the team page.
#[utoipa::path(
    tag = "teams",
    params(
        ("team" = String, Path, description = "A team's id"),
        ("period" = Option<String>, Query, description = "A month `2026-10`, quarter `2026-Q3` or year `2026`; default the latest month with enough data to score (half its people with a total), else the latest finalized"),
        ("kind" = Option<String>, Query, description = "`month`, `quarter` or `year`: the period of that kind holding `period`"),
        ("limit" = Option<usize>, Query, description = "Members per page, 1 to 1000; default 100"),
        ("offset" = Option<usize>, Query, description = "How many members (by rank) come before this page; default 0. `paging.next` gives the next page"),
    ),
    responses(
        (status = 200, description = "The team's total, a page of its members highest total first (rank, name, role, team, total, grade), its sub-teams, and `paging` (offset, limit, total, next)", content_type = "application/json", body = Object),
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
    paging: web::Query<PageQuery>,
) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Read).await?;
    let limit = paging.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::BadRequest(format!("`limit` is 1 to {MAX_LIMIT}, not {limit}")).into());
    }
    let offset = paging.offset.unwrap_or(0);
    let period = chosen_period(&state, &query).await?;
    let (board, total) = team_board(&state, &session, &team, period, offset..offset.saturating_add(limit)).await?;
    let next = (offset + limit < total).then(|| {
        format!(
            "/api/v1/leaderboards/{}?period={period}&limit={limit}&offset={}",
            crate::web::url_part(&team),
            offset + limit
        )
    });
    let paging = Paging {
        offset,
        limit,
        total,
        next,
    };
    Ok(HttpResponse::Ok().json(PagedBoard { board, paging }))
}
