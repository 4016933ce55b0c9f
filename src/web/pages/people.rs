//! The index of everyone one may see in a period: each person's team, role, total,
//! grade and change since the period before, filtered by team, role and grade,
//! searched by name, sorted by any column, paged past 100 rows, and downloaded as
//! CSV or XLSX exactly as filtered and sorted. The teams one may see follow.

use super::nav::Nav;
use super::periods::shift;
use super::words::Lang;
use super::{PeriodQuery, chosen, render};
use crate::export::{self, Cell};
use crate::report::CardView;
use crate::store::AccountRole;
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

/// Rows on one page of the index.
pub const PAGE_ROWS: usize = 100;

#[derive(Debug, Default, Deserialize)]
pub struct PeopleQuery {
    team: Option<String>,
    role: Option<String>,
    grade: Option<String>,
    /// Part of a name or id, in any case.
    q: Option<String>,
    /// `id`, `name`, `team`, `role`, `total`, `grade` or `change`.
    sort: Option<String>,
    /// `asc` or `desc`.
    dir: Option<String>,
    /// From 1.
    page: Option<usize>,
    /// `csv` or `xlsx`: the rows as a file instead of a page.
    download: Option<String>,
}

/// One person of the index.
struct PersonLine {
    subject: String,
    name: String,
    team: String,
    role: String,
    role_name: String,
    total: Option<f64>,
    grade: String,
    change: Option<f64>,
}

impl PersonLine {
    fn total_text(&self) -> String {
        self.total.map_or_else(|| "–".to_owned(), |t| format!("{t:.1}"))
    }

    fn change_text(&self) -> String {
        self.change
            .map_or_else(|| "–".to_owned(), |c| super::glance::change(c, 0.0))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
struct IndexPage {
    nav: Nav,
    people: Vec<PersonLine>,
    /// Rows matching the filters, over every page.
    matching: usize,
    /// The first row shown, from 1, and the page's number of pages.
    first: usize,
    page: usize,
    pages: usize,
    teams: Vec<(String, String, String)>,
    /// The choices of the filters: teams, roles (key, name), grades.
    team_choices: Vec<String>,
    role_choices: Vec<(String, String)>,
    grade_choices: Vec<String>,
    filter: Filter,
    sort: String,
    descending: bool,
}

/// The filters as asked, for the form and the links that keep them.
#[derive(Default)]
struct Filter {
    team: String,
    role: String,
    grade: String,
    q: String,
}

impl IndexPage {
    /// The query of this page with `changes` applied, for links that keep the rest.
    fn link(&self, changes: &[(&str, String)]) -> String {
        let mut pairs: Vec<(&str, String)> = vec![
            ("period", self.nav.period.clone()),
            ("lang", self.nav.lang.to_owned()),
            ("team", self.filter.team.clone()),
            ("role", self.filter.role.clone()),
            ("grade", self.filter.grade.clone()),
            ("q", self.filter.q.clone()),
            ("sort", self.sort.clone()),
            ("dir", if self.descending { "desc" } else { "asc" }.to_owned()),
            ("page", self.page.to_string()),
        ];
        for (key, value) in changes {
            match pairs.iter_mut().find(|(k, _)| k == key) {
                Some(pair) => pair.1.clone_from(value),
                None => pairs.push((key, value.clone())),
            }
        }
        let query: Vec<String> = pairs
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", crate::web::url_part(&v)))
            .collect();
        format!("/?{}", query.join("&"))
    }

    /// The link sorting by `column`: the other way round when it is the current one,
    /// else highest first for numbers and A to Z for words.
    fn sort_link(&self, column: &str) -> String {
        let numeric = matches!(column, "total" | "grade" | "change");
        let descending = if self.sort == column { !self.descending } else { numeric };
        let dir = if descending { "desc" } else { "asc" };
        self.link(&[
            ("sort", column.to_owned()),
            ("dir", dir.to_owned()),
            ("page", "1".to_owned()),
        ])
    }

    fn aria_sort(&self, column: &str) -> &'static str {
        super::sorting::aria_sort(&self.sort, self.descending, column)
    }

    /// The table's columns: the sort key and the header.
    fn columns(&self) -> [(&'static str, &'static str); 7] {
        let w = self.nav.words;
        [
            ("id", "Id"),
            ("name", w.name),
            ("team", w.teams),
            ("role", w.role),
            ("total", w.total),
            ("grade", w.grade),
            ("change", w.change),
        ]
    }

    fn page_link(&self, page: usize) -> String {
        self.link(&[("page", page.to_string())])
    }

    fn download_link(&self, format: &str) -> String {
        self.link(&[("download", format.to_owned()), ("page", String::new())])
    }
}

#[get("/")]
async fn index(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
    asked: web::Query<PeopleQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    if let (AccountRole::Rep, Some(person)) = (session.account.role, &session.account.person) {
        return Ok(HttpResponse::SeeOther()
            .insert_header(("Location", format!("/scorecards/{}", crate::web::url_part(person))))
            .finish());
    }
    let chosen = chosen(&state, &query).await?;
    let period = chosen.period;
    let lang = Lang::negotiate(&req, query.lang.as_deref());
    let scored = state.scores.get(&state, period).await?;
    let before = match shift(period, -1) {
        Some(p) => Some(state.scores.get(&state, p).await?),
        None => None,
    };
    let visible = scored.visibility(&session.account);
    let everyone: Vec<PersonLine> = scored
        .report
        .people
        .iter()
        .filter(|c| visible.can_see(&c.subject))
        .map(|c| PersonLine {
            subject: c.subject.clone(),
            name: c.name.clone(),
            team: c.team.clone().unwrap_or_default(),
            role: c.role.clone(),
            role_name: super::cards::role_name(&scored.version.rulebook, &c.role, lang),
            total: c.total,
            grade: c.grade.clone().unwrap_or_default(),
            change: c
                .total
                .zip(before.as_ref().and_then(|b| b.card(&c.subject)).and_then(|b| b.total))
                .map(|(now, then)| now - then),
        })
        .collect();
    let mut team_choices: Vec<String> = everyone
        .iter()
        .map(|p| p.team.clone())
        .filter(|t| !t.is_empty())
        .collect();
    team_choices.sort();
    team_choices.dedup();
    let mut role_choices: Vec<(String, String)> =
        everyone.iter().map(|p| (p.role.clone(), p.role_name.clone())).collect();
    role_choices.sort();
    role_choices.dedup();
    let grade_choices = scored.version.rulebook.grade_names();
    let filter = Filter {
        team: asked.team.clone().unwrap_or_default(),
        role: asked.role.clone().unwrap_or_default(),
        grade: asked.grade.clone().unwrap_or_default(),
        q: asked.q.clone().unwrap_or_default().trim().to_owned(),
    };
    let needle = filter.q.to_lowercase();
    let mut people: Vec<PersonLine> = everyone
        .into_iter()
        .filter(|p| filter.team.is_empty() || p.team == filter.team)
        .filter(|p| filter.role.is_empty() || p.role == filter.role)
        .filter(|p| filter.grade.is_empty() || p.grade == filter.grade)
        .filter(|p| {
            needle.is_empty() || p.name.to_lowercase().contains(&needle) || p.subject.to_lowercase().contains(&needle)
        })
        .collect();
    let sort = asked.sort.clone().unwrap_or_else(|| "id".to_owned());
    let descending = asked.dir.as_deref() == Some("desc");
    sort_people(&mut people, &sort, descending);

    match asked.download.as_deref() {
        None | Some("") => {}
        Some(format) => return download(format, &people, period),
    }

    let matching = people.len();
    let pages = matching.div_ceil(PAGE_ROWS).max(1);
    let page = asked.page.unwrap_or(1).clamp(1, pages);
    let people: Vec<PersonLine> = people
        .into_iter()
        .skip((page - 1) * PAGE_ROWS)
        .take(PAGE_ROWS)
        .collect();
    let teams = scored
        .report
        .teams
        .iter()
        .filter(|c| visible.can_see(&c.subject))
        .map(|c| (c.subject.clone(), lang.card_name(c).to_owned(), shown_total(c)))
        .collect();
    let page = IndexPage {
        nav: Nav::new(&session, req.path(), period, lang).defaulted(chosen.default),
        first: (page - 1) * PAGE_ROWS + 1,
        people,
        matching,
        page,
        pages,
        teams,
        team_choices,
        role_choices,
        grade_choices,
        filter,
        sort,
        descending,
    };
    Ok(render(page).finish_with_body())
}

/// The rows as a CSV or XLSX file, every text cell made safe for a spreadsheet.
fn download(format: &str, people: &[PersonLine], period: crate::kpi::period::Period) -> Result<HttpResponse, AppError> {
    const HEADER: [&str; 8] = ["id", "name", "team", "role", "total", "grade", "change", "period"];
    let number = |n: Option<f64>| n.map_or(Cell::Empty, |n| Cell::Number((n * 10.0).round() / 10.0));
    let rows: Vec<Vec<Cell>> = people
        .iter()
        .map(|p| {
            vec![
                Cell::Text(p.subject.clone()),
                Cell::Text(p.name.clone()),
                Cell::Text(p.team.clone()),
                Cell::Text(p.role.clone()),
                number(p.total),
                if p.grade.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(p.grade.clone())
                },
                number(p.change),
                Cell::Text(period.to_string()),
            ]
        })
        .collect();
    let (bytes, content_type, extension) = match format {
        "csv" => (
            export::csv(&HEADER, &rows).map_err(|e| AppError::Internal(e.into()))?,
            "text/csv; charset=utf-8",
            "csv",
        ),
        "xlsx" => (
            export::xlsx("People", &HEADER, &rows).map_err(|e| AppError::Internal(e.into()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        other => {
            return Err(AppError::BadRequest(format!(
                "`{}` is not a download format; expected csv or xlsx",
                crate::kpi::id::shown(other)
            )));
        }
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"people-{period}.{extension}\""),
        ))
        .body(bytes))
}

/// Sorts by `column`; people without a total or change go last either way.
fn sort_people(people: &mut [PersonLine], column: &str, descending: bool) {
    use std::cmp::Ordering;
    let order = |o: Ordering| if descending { o.reverse() } else { o };
    let numbers = |a, b| super::sorting::numbers(a, b, descending);
    match column {
        "name" => people.sort_by(|a, b| order(a.name.cmp(&b.name))),
        "team" => people.sort_by(|a, b| order(a.team.cmp(&b.team))),
        "role" => people.sort_by(|a, b| order(a.role_name.cmp(&b.role_name))),
        // A grade follows the total within its scale: S before A, not after D.
        "total" | "grade" => people.sort_by(|a, b| numbers(a.total, b.total)),
        "change" => people.sort_by(|a, b| numbers(a.change, b.change)),
        _ => people.sort_by(|a, b| order(a.subject.cmp(&b.subject))),
    }
}

/// A card's total as a list shows it: a dash when it has none.
fn shown_total(card: &CardView) -> String {
    card.total.map_or_else(|| "–".to_owned(), |t| format!("{t:.1}"))
}
