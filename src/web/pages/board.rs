//! A team's board in a period: its own card's total, its members ranked (sorted once
//! per period and kept with it, visibility applied per view), those without a total,
//! its sub-teams. The team page and `/api/v1/leaderboards/{team}` read it here.

use crate::access::Visibility;
use crate::kpi::organisation::TeamId;
use crate::kpi::period::Period;
use crate::report::CardView;
use crate::standings::{Standing, leaderboard_order, ranked};
use crate::web::AppState;
use crate::web::access::{Capability, may, refuse};
use crate::web::error::AppError;
use crate::web::scores::ScoredPeriod;
use crate::web::session::Session;
use serde::Serialize;
use std::sync::Arc;

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
    pub(super) fn of(card: &CardView) -> Unranked {
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
    /// The name in Chinese, when one is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    /// `None` when the team has no scorecard of its own.
    pub total: Option<f64>,
    pub grade: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BoardLine {
    pub rank: usize,
    pub subject: String,
    pub name: String,
    pub role: String,
    pub team: Option<String>,
    pub total: f64,
    pub grade: String,
}

/// The scored period of `period` and team `key` in it, with what the session may see
/// there, if the session may see the team; 404 otherwise, whether or not it exists,
/// and the refusal is recorded.
pub(super) async fn visible_team(
    state: &AppState,
    session: &Session,
    key: &str,
    period: Period,
) -> Result<(Arc<ScoredPeriod>, Arc<Visibility>, TeamId), AppError> {
    let scored = state.scores.get(state, period).await?;
    let visible = scored.visibility(&session.account);
    if !may(&session.account, Capability::TeamBoards) || !visible.can_see(key) {
        refuse(state, session, "team", key, Some(period)).await?;
    }
    let id = find_team(&scored, key).ok_or(AppError::NotFound)?;
    Ok((scored, visible, id))
}

/// A team's members as the session may see them: the ranked and those without a
/// total, as references into the scored period. A team of thousands is ranked whole
/// (a sort of its totals), and lines are built only for the rows a page shows.
pub(super) struct Members<'a> {
    pub(super) ranked: Vec<Standing<'a>>,
    pub(super) without_total: Vec<&'a CardView>,
}

impl<'a> Members<'a> {
    pub(super) fn of(scored: &'a ScoredPeriod, visible: &Visibility, id: TeamId) -> Members<'a> {
        let organisation = &scored.organisation;
        let people = &scored.report.people;
        let positions = || {
            organisation
                .members(id)
                .iter()
                .filter_map(|p| scored.person_position(&organisation.person(*p).key))
        };
        // The team's board is the period's, sorted once and read by every view.
        let board = scored.people_order(&format!("team {} board", id.0), |people| {
            let mut board: Vec<u32> = positions().filter(|&at| people[at as usize].total.is_some()).collect();
            board.sort_by(|&a, &b| leaderboard_order(&people[a as usize], &people[b as usize]));
            board
        });
        let left_off = scored.people_order(&format!("team {} without total", id.0), |people| {
            let mut left_off: Vec<u32> = positions().filter(|&at| people[at as usize].total.is_none()).collect();
            left_off.sort_by(|&a, &b| people[a as usize].subject.cmp(&people[b as usize].subject));
            left_off
        });
        let whole_team = visible.sees_everyone_in(&organisation.team(id).key);
        let seen = |at: &u32| {
            let card = &people[*at as usize];
            (whole_team || visible.can_see(&card.subject)).then_some(card)
        };
        Members {
            ranked: ranked(board.iter().filter_map(seen)),
            without_total: left_off.iter().filter_map(seen).collect(),
        }
    }
}

impl BoardLine {
    pub(super) fn of(standing: &Standing) -> BoardLine {
        let card = standing.card;
        BoardLine {
            rank: standing.rank,
            subject: card.subject.clone(),
            name: card.name.clone(),
            role: card.role.clone(),
            team: card.team.clone(),
            total: standing.total,
            grade: card.grade.clone().unwrap_or_default(),
        }
    }
}

/// The board of team `key` for `period` with the members ranked `rows` (from 0; the
/// rest left off), and how many are ranked in all; 404 as [`visible_team`].
pub async fn team_board(
    state: &AppState,
    session: &Session,
    key: &str,
    period: Period,
    rows: std::ops::Range<usize>,
) -> Result<(TeamBoard, usize), AppError> {
    let (scored, visible, id) = visible_team(state, session, key, period).await?;
    let members = Members::of(&scored, &visible, id);
    let shown = members
        .ranked
        .get(rows.start..rows.end.min(members.ranked.len()))
        .unwrap_or_default();
    let board = TeamBoard {
        period,
        team: team_line(&scored, key),
        members: shown.iter().map(BoardLine::of).collect(),
        without_total: members.without_total.iter().copied().map(Unranked::of).collect(),
        sub_teams: sub_team_lines(&scored, id),
    };
    Ok((board, members.ranked.len()))
}

pub(super) fn sub_team_lines(scored: &ScoredPeriod, id: TeamId) -> Vec<TeamLine> {
    let organisation = &scored.organisation;
    organisation
        .sub_teams(id)
        .iter()
        .map(|&t| team_line(scored, &organisation.team(t).key))
        .collect()
}

pub(super) fn find_team(scored: &ScoredPeriod, key: &str) -> Option<TeamId> {
    scored.organisation.find_team(key)
}

pub(super) fn team_line(scored: &ScoredPeriod, key: &str) -> TeamLine {
    let team = find_team(scored, key).map(|t| scored.organisation.team(t));
    let card = scored.card(key);
    TeamLine {
        subject: key.to_owned(),
        name: team.map_or_else(|| key.to_owned(), |t| t.name.clone()),
        name_zh: team.and_then(|t| t.name_zh.clone()),
        total: card.and_then(|c| c.total),
        grade: card.and_then(|c| c.grade.clone()),
    }
}
