//! Team pages: a team with its members' leaderboard and its sub-teams, and the overview
//! of every team one may see ranked by total. Reps have no team pages.

use super::board::{BoardLine, Members, TeamLine, Unranked, sub_team_lines, team_line, visible_team};
use super::nav::Nav;
use super::words::Lang;
use super::{PeriodQuery, chosen, render};
use crate::kpi::organisation::TeamId;
use crate::report::CardView;
use crate::report::KpiView;
use crate::standings::{Standing, leaderboard, without_total};
use crate::web::AppState;
use crate::web::access::{Capability, may, refuse};
use crate::web::error::AppError;
use crate::web::scores::ScoredPeriod;
use crate::web::session;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use std::collections::HashMap;

#[derive(Template, WebTemplate)]
#[template(path = "team.html")]
struct TeamPage {
    nav: Nav,
    team: TeamLine,
    without_total: Vec<Unranked>,
    sub_teams: Vec<TeamLine>,
    /// Role names in the page's language, by role key.
    role_names: HashMap<String, String>,
    /// The lead of the team, shown apart from its members.
    lead: Option<MemberRow>,
    /// The KPIs of the heat map's columns: id and name.
    kpis: Vec<(String, String)>,
    /// Everyone else with a total, in the order asked for: this page's rows.
    members: Vec<MemberRow>,
    /// The page shown, from 1, of how many (`MEMBERS_PER_PAGE` members each).
    page: usize,
    pages: usize,
    /// Each grade among the members: grade, count, share of the bar in percent.
    grades: Vec<(String, usize, f64)>,
    /// The column the members are sorted by, and whether descending.
    sort: String,
    descending: bool,
    /// The previous period, whose totals the change is against.
    previous: Option<String>,
}

/// A member's line of the team page: their board line, the change of their total
/// since the period before, and a heat map cell per KPI.
struct MemberRow {
    line: BoardLine,
    change: Option<f64>,
    change_text: String,
    cells: Vec<HeatCell>,
}

/// One KPI of one member: achievement coloured by standing, the value inside.
struct HeatCell {
    /// `on_track`, `behind`, `far_behind` or `none`.
    class: &'static str,
    text: String,
    title: String,
}

#[derive(Debug, Deserialize)]
pub struct SortQuery {
    /// `rank`, `name`, `role`, `total`, `grade`, `change` or `kpi:<id>`.
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// The page of members, from 1.
    page: Option<usize>,
}

/// Members on one page of a team: a team of thousands is read a page at a time.
const MEMBERS_PER_PAGE: usize = 100;

impl TeamPage {
    fn nav_lang(&self) -> Lang {
        self.nav.language()
    }

    /// The link that sorts by `column`: the other direction when it is the current one.
    fn sort_link(&self, column: &str) -> String {
        let dir = if self.sort == column && self.descending {
            "asc"
        } else {
            "desc"
        };
        format!(
            "?period={}&lang={}&sort={}&dir={dir}",
            self.nav.period,
            self.nav.lang,
            crate::web::url_part(column)
        )
    }

    /// The link to page `page` of the members, in the same order.
    fn page_link(&self, page: usize) -> String {
        format!(
            "?period={}&lang={}&sort={}&dir={}&page={page}",
            self.nav.period,
            self.nav.lang,
            crate::web::url_part(&self.sort),
            if self.descending { "desc" } else { "asc" }
        )
    }

    /// `aria-sort` for a column header.
    fn aria_sort(&self, column: &str) -> &'static str {
        super::sorting::aria_sort(&self.sort, self.descending, column)
    }
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
    order: web::Query<SortQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    let chosen = chosen(&state, &query).await?;
    let period = chosen.period;
    let lang = Lang::negotiate(&req, query.lang.as_deref());
    let (scored, visible, id) = visible_team(&state, &session, &key, period).await?;
    let everyone = Members::of(&scored, &visible, id);
    let rulebook = &scored.version.rulebook;
    let previous_period = super::periods::shift(period, -1);
    let before = match previous_period {
        Some(p) => Some(state.scores.figures(&state, p).await?),
        None => None,
    };
    let kpis = heat_columns(everyone.ranked.iter().map(|s| s.card), lang);
    let sort = order.sort.clone().unwrap_or_else(|| "rank".to_owned());
    let descending = order
        .dir
        .as_deref()
        .map_or(sort != "rank" && sort != "name", |d| d == "desc");
    // Only a KPI's column sorts by its achievement: worked out for every member then,
    // for none otherwise.
    let sort_kpi = sort
        .strip_prefix("kpi:")
        .filter(|k| kpis.iter().any(|(key, _)| key == k));
    let team_role = rulebook.team_role().map(|id| rulebook.role(id).key.as_str());
    // The change since the period before is looked up for the rows shown, or for
    // every member when the page is sorted by it.
    let change = |standing: &Standing| {
        before
            .as_ref()
            .and_then(|b| b.total(&standing.card.subject))
            .map(|b| standing.total - b)
    };
    let by_change = sort == "change";
    let mut lead = None;
    let mut members = Vec::new();
    for standing in &everyone.ranked {
        let card = standing.card;
        let member = Member {
            standing: standing.clone(),
            change: if by_change { change(standing) } else { None },
            achievement: sort_kpi.and_then(|k| achievement(card.kpis.iter().find(|v| v.kpi == k), rulebook)),
        };
        let leads_here = Some(card.role.as_str()) == team_role && card.team.as_deref() == Some(key.as_str());
        if leads_here && lead.is_none() {
            lead = Some(member);
        } else {
            members.push(member);
        }
    }
    sort_members(&mut members, &sort, sort_kpi.is_some(), descending);
    let grades = grade_spread(
        members
            .iter()
            .chain(lead.as_ref())
            .map(|m| m.standing.card.grade.as_deref().unwrap_or_default()),
        rulebook,
    );
    let pages = members.len().div_ceil(MEMBERS_PER_PAGE).max(1);
    let page_number = order.page.unwrap_or(1).clamp(1, pages);
    let row = |m: &Member| {
        let card = m.standing.card;
        let change = if by_change { m.change } else { change(&m.standing) };
        MemberRow {
            line: BoardLine::of(&m.standing),
            change,
            change_text: change.map_or_else(|| "–".to_owned(), |c| super::glance::change(c, 0.0)),
            cells: kpis
                .iter()
                .map(|(kpi, _)| heat_cell(card.kpis.iter().find(|k| k.kpi == *kpi), rulebook, lang))
                .collect(),
        }
    };
    let members: Vec<MemberRow> = members
        .iter()
        .skip((page_number - 1) * MEMBERS_PER_PAGE)
        .take(MEMBERS_PER_PAGE)
        .map(row)
        .collect();
    let lead = lead.as_ref().map(row);
    let role_names = members
        .iter()
        .chain(lead.as_ref())
        .map(|m| {
            (
                m.line.role.clone(),
                super::cards::role_name(rulebook, &m.line.role, lang),
            )
        })
        .collect();
    let page = TeamPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        team: team_line(&scored, &key),
        without_total: everyone.without_total.iter().copied().map(Unranked::of).collect(),
        sub_teams: sub_team_lines(&scored, id),
        role_names,
        lead,
        kpis,
        members,
        page: page_number,
        pages,
        grades,
        sort,
        descending,
        previous: previous_period.map(|p| p.to_string()),
    };
    Ok(render(page).finish_with_body())
}

/// The heat map's columns, id and name: every KPI on the cards of `cards`, in the
/// order first met. A card shows the KPIs of its role, so a role is read once.
fn heat_columns<'a>(cards: impl Iterator<Item = &'a CardView>, lang: Lang) -> Vec<(String, String)> {
    crate::report::kpis_shown(cards)
        .into_iter()
        .map(|k| (k.kpi.clone(), lang.pick(&k.name).to_owned()))
        .collect()
}

/// A member of the team page before a page of them is shown: what any column sorts by.
struct Member<'a> {
    standing: Standing<'a>,
    change: Option<f64>,
    /// Of the KPI sorted by, when the page is sorted by one.
    achievement: Option<f64>,
}

/// A KPI's achievement as its heat map cell shows it: none where the KPI has no value
/// or its standing against the target cannot be told.
fn achievement(kpi: Option<&KpiView>, rulebook: &crate::kpi::rulebook::Rulebook) -> Option<f64> {
    use crate::kpi::scorecard::KpiOutcome;
    let kpi = kpi?;
    match (&kpi.outcome, kpi.gap(rulebook)) {
        (KpiOutcome::Scored { achievement, .. }, Some(_)) => *achievement,
        _ => None,
    }
}

fn heat_cell(kpi: Option<&crate::report::KpiView>, rulebook: &crate::kpi::rulebook::Rulebook, lang: Lang) -> HeatCell {
    use crate::kpi::scorecard::KpiOutcome;
    let Some(kpi) = kpi else {
        return HeatCell {
            class: "none",
            text: "–".into(),
            title: String::new(),
        };
    };
    let unit = kpi.unit_in(rulebook);
    match (&kpi.outcome, kpi.gap(rulebook)) {
        (KpiOutcome::Scored { value, achievement, .. }, Some(gap)) => {
            let standing = super::glance::standing_view(gap.standing, lang);
            let shown = super::glance::with_unit(*value, unit, rulebook.currency(), lang);
            let of_target = achievement.map_or_else(String::new, |a| format!(" · {a:.0}%"));
            HeatCell {
                class: standing.key,
                text: shown.clone(),
                title: format!("{}: {shown}{of_target}", standing.word),
            }
        }
        (KpiOutcome::NoData { reason } | KpiOutcome::NotComputable { reason }, _) => HeatCell {
            class: "none",
            text: "–".into(),
            title: reason.clone(),
        },
        _ => HeatCell {
            class: "none",
            text: "–".into(),
            title: String::new(),
        },
    }
}

/// Sorts the members by `column`; ties and missing values keep the board's order.
/// `by_kpi`: `column` is a KPI of the heat map's, whose achievement each member holds.
fn sort_members(members: &mut [Member], column: &str, by_kpi: bool, descending: bool) {
    let missing_last = |a, b| super::sorting::numbers(a, b, descending);
    let text = |a: &str, b: &str| if descending { b.cmp(a) } else { a.cmp(b) };
    match column {
        "name" => members.sort_by(|a, b| text(&a.standing.card.name, &b.standing.card.name)),
        "role" => members.sort_by(|a, b| text(&a.standing.card.role, &b.standing.card.role)),
        // A grade follows the total within its scale: S before A, not after D.
        "total" | "grade" => members.sort_by(|a, b| missing_last(Some(a.standing.total), Some(b.standing.total))),
        "change" => members.sort_by(|a, b| missing_last(a.change, b.change)),
        _ if by_kpi => members.sort_by(|a, b| missing_last(a.achievement, b.achievement)),
        _ if descending => members.sort_by_key(|m| std::cmp::Reverse(m.standing.rank)),
        _ => members.sort_by_key(|m| m.standing.rank),
    }
}

/// How many members hold each grade, best grade first, with each one's share.
fn grade_spread<'a>(
    grades: impl Iterator<Item = &'a str>,
    rulebook: &crate::kpi::rulebook::Rulebook,
) -> Vec<(String, usize, f64)> {
    let names = rulebook.grade_names();
    let mut counts = vec![0usize; names.len()];
    let mut held = 0usize;
    for grade in grades.filter(|g| !g.is_empty()) {
        held += 1;
        if let Some(at) = names.iter().position(|name| name == grade) {
            counts[at] += 1;
        }
    }
    let total = held.max(1) as f64;
    names
        .into_iter()
        .zip(counts)
        .map(|(g, n)| (g, n, n as f64 / total * 100.0))
        .collect()
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
    /// The teams one may see as a tree, parents before their sub-teams.
    tree: Vec<TreeLine>,
}

/// A team in the tree: how deep, its total and grade, and its people's grades.
struct TreeLine {
    depth: usize,
    subject: String,
    name: String,
    total: String,
    grade: String,
    /// Each grade held by someone in the team or below, with how many: "A 5".
    spread: Vec<(String, usize)>,
}

/// The visible teams under `parent` (the top when `None`), depth first.
fn tree_lines(
    scored: &ScoredPeriod,
    can_see: &dyn Fn(&str) -> bool,
    parent: Option<TeamId>,
    depth: usize,
    grades: &[String],
    lang: Lang,
    out: &mut Vec<TreeLine>,
) {
    let organisation = &scored.organisation;
    for (id, team) in organisation.teams_with_ids() {
        // A team whose parent one may not see sits at the top of one's tree.
        let effective_parent = team.parent.filter(|p| can_see(&organisation.team(*p).key));
        if effective_parent != parent || !can_see(&team.key) {
            continue;
        }
        let card = scored.card(&team.key);
        let held: Vec<&str> = organisation
            .members(id)
            .iter()
            .filter_map(|p| scored.card(&organisation.person(*p).key))
            .filter(|c| can_see(&c.subject))
            .filter_map(|c| c.grade.as_deref())
            .collect();
        let spread = grades
            .iter()
            .map(|g| (g.clone(), held.iter().filter(|h| **h == g.as_str()).count()))
            .filter(|(_, n)| *n > 0)
            .collect();
        out.push(TreeLine {
            depth,
            subject: team.key.clone(),
            name: lang.name_or(&team.name, team.name_zh.as_deref()).to_owned(),
            total: card
                .and_then(|c| c.total)
                .map_or_else(|| "–".to_owned(), |t| format!("{t:.1}")),
            grade: card.and_then(|c| c.grade.clone()).unwrap_or_default(),
            spread,
        });
        tree_lines(scored, can_see, Some(id), depth + 1, grades, lang, out);
    }
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
            name: lang.card_name(s.card).to_owned(),
            parent: s.card.team.clone(),
            total: s.total,
            grade: s.card.grade.clone().unwrap_or_default(),
        })
        .collect();
    let grades = scored.version.rulebook.grade_names();
    let mut tree = Vec::new();
    tree_lines(&scored, &|key| visible.can_see(key), None, 0, &grades, lang, &mut tree);
    let page = TeamsPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        teams,
        unranked,
        tree,
    };
    Ok(render(page).finish_with_body())
}
