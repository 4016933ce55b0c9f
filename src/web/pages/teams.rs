//! Team pages: a team with its members' leaderboard and its sub-teams, and the overview
//! of every team one may see ranked by total. Reps have no team pages.

use super::nav::Nav;
use super::words::Lang;
use super::{PeriodQuery, chosen, render};
use crate::kpi::organisation::TeamId;
use crate::kpi::period::Period;
use crate::report::CardView;
use crate::standings::{leaderboard, without_total};
use crate::web::AppState;
use crate::web::access::{Capability, may, refuse};
use crate::web::error::AppError;
use crate::web::scores::ScoredPeriod;
use crate::web::session::{self, Session};
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Serialize;
use std::collections::HashMap;

/// A team's standings in a period: its own card's total, its members ranked, its
/// sub-teams. The team page and `/api/v1/leaderboards/{team}` show the same.
#[derive(Debug, Serialize)]
pub struct TeamBoard {
    pub period: Period,
    pub team: TeamLine,
    /// Everyone in the team and the teams below it with a total, highest first.
    pub members: Vec<BoardLine>,
    /// Members without a total this period (no data, or too little), left off the board.
    pub without_total: Vec<Unranked>,
    pub sub_teams: Vec<TeamLine>,
}

/// A card a leaderboard leaves out, and why.
#[derive(Debug, Serialize)]
pub struct Unranked {
    pub subject: String,
    pub name: String,
    pub reason: Option<String>,
}

impl Unranked {
    fn of(card: &CardView) -> Unranked {
        Unranked {
            subject: card.subject.clone(),
            name: card.name.clone(),
            reason: card.reason.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct TeamLine {
    pub subject: String,
    pub name: String,
    /// `None` when the team has no scorecard of its own.
    pub total: Option<f64>,
    pub grade: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BoardLine {
    pub rank: usize,
    pub subject: String,
    pub name: String,
    pub role: String,
    pub team: Option<String>,
    pub total: f64,
    pub grade: String,
}

/// The board of team `key` for `period` if the session may see the team; 404
/// otherwise, whether or not it exists, and the refusal is recorded.
pub async fn team_board(state: &AppState, session: &Session, key: &str, period: Period) -> Result<TeamBoard, AppError> {
    let scored = state.scores.get(state, period).await?;
    let visible = scored.visibility(&session.account);
    if !may(&session.account, Capability::TeamBoards) || !visible.can_see(key) {
        refuse(state, session, "team", key, Some(period)).await?;
    }
    let id = find_team(&scored, key).ok_or(AppError::NotFound)?;
    let organisation = &scored.organisation;
    let members: Vec<&CardView> = organisation
        .members(id)
        .iter()
        .filter_map(|p| {
            let key = &organisation.person(*p).key;
            scored.card(key).filter(|_| visible.can_see(key))
        })
        .collect();
    let without_total = without_total(members.iter().copied())
        .into_iter()
        .map(Unranked::of)
        .collect();
    let members = leaderboard(members)
        .into_iter()
        .map(|s| BoardLine {
            rank: s.rank,
            subject: s.card.subject.clone(),
            name: s.card.name.clone(),
            role: s.card.role.clone(),
            team: s.card.team.clone(),
            total: s.total,
            grade: s.card.grade.clone().unwrap_or_default(),
        })
        .collect();
    let sub_teams = organisation
        .sub_teams(id)
        .map(|t| team_line(&scored, &organisation.team(t).key))
        .collect();
    Ok(TeamBoard {
        period,
        team: team_line(&scored, key),
        members,
        without_total,
        sub_teams,
    })
}

fn find_team(scored: &ScoredPeriod, key: &str) -> Option<TeamId> {
    let index = scored.organisation.teams().iter().position(|t| t.key == key)?;
    Some(TeamId(u32::try_from(index).ok()?))
}

fn team_line(scored: &ScoredPeriod, key: &str) -> TeamLine {
    let name = find_team(scored, key).map_or_else(|| key.to_owned(), |t| scored.organisation.team(t).name.clone());
    let card = scored.card(key);
    TeamLine {
        subject: key.to_owned(),
        name,
        total: card.and_then(|c| c.total),
        grade: card.and_then(|c| c.grade.clone()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "team.html")]
struct TeamPage {
    nav: Nav,
    board: TeamBoard,
    /// Role names in the page's language, by role key.
    role_names: HashMap<String, String>,
}

impl TeamPage {
    fn role<'a>(&'a self, key: &'a str) -> &'a str {
        self.role_names.get(key).map_or(key, String::as_str)
    }
}

#[get("/teams/{team}")]
async fn team_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    key: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    let chosen = chosen(&state, &query).await?;
    let period = chosen.period;
    let lang = Lang::negotiate(&req, query.lang.as_deref());
    let board = team_board(&state, &session, &key, period).await?;
    let role_names = board
        .members
        .iter()
        .map(|m| (m.role.clone(), super::cards::role_name(&state.rulebook, &m.role, lang)))
        .collect();
    let page = TeamPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        board,
        role_names,
    };
    Ok(render(page).finish_with_body())
}

/// One line of the overview.
struct OverviewLine {
    rank: usize,
    subject: String,
    name: String,
    parent: Option<String>,
    total: f64,
    grade: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "teams.html")]
struct TeamsPage {
    nav: Nav,
    teams: Vec<OverviewLine>,
    unranked: Vec<Unranked>,
}

#[get("/teams")]
async fn teams_overview(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    let chosen = chosen(&state, &query).await?;
    let period = chosen.period;
    if !may(&session.account, Capability::TeamBoards) {
        refuse(&state, &session, "team", "*", Some(period)).await?;
    }
    let lang = Lang::negotiate(&req, query.lang.as_deref());
    let scored = state.scores.get(&state, period).await?;
    let visible = scored.visibility(&session.account);
    let cards = || scored.report.teams.iter().filter(|c| visible.can_see(&c.subject));
    let unranked = without_total(cards()).into_iter().map(Unranked::of).collect();
    let teams = leaderboard(cards())
        .into_iter()
        .map(|s| OverviewLine {
            rank: s.rank,
            subject: s.card.subject.clone(),
            name: s.card.name.clone(),
            parent: s.card.team.clone(),
            total: s.total,
            grade: s.card.grade.clone().unwrap_or_default(),
        })
        .collect();
    let page = TeamsPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        teams,
        unranked,
    };
    Ok(render(page).finish_with_body())
}
