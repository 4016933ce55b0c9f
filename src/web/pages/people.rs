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
use std::collections::HashMap;

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
#[derive(Default, PartialEq)]
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
        Some(p) => Some(state.scores.figures(&state, p).await?),
        None => None,
    };
    let visible = scored.visibility(&session.account);
    let rulebook = &scored.version.rulebook;
    let people = &scored.report.people;
    // The filters' choices, from everyone one may see; each role named once.
    let (team_choices, roles): (Vec<String>, Vec<String>) = if visible.sees_everyone() {
        let held = scored.held();
        (held.teams.clone(), held.roles.clone())
    } else {
        let (mut teams, mut roles): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        for card in people.iter().filter(|c| visible.can_see(&c.subject)) {
            teams.extend(card.team.as_deref().filter(|t| !t.is_empty()));
            roles.push(&card.role);
        }
        let held = |mut keys: Vec<&str>| {
            keys.sort_unstable();
            keys.dedup();
            keys.into_iter().map(str::to_owned).collect()
        };
        (held(teams), held(roles))
    };
    // Every role of the period named, not only those one may see: the orders sorted by
    // role name are the period's, shared by every account.
    let role_names: HashMap<&str, String> = scored
        .held()
        .roles
        .iter()
        .map(|r| (r.as_str(), super::cards::role_name(rulebook, r, lang)))
        .collect();
    let mut role_choices: Vec<(String, String)> = roles
        .into_iter()
        .map(|key| {
            let name = role_names.get(key.as_str()).cloned().unwrap_or_default();
            (key, name)
        })
        .collect();
    role_choices.sort();
    let grade_choices = rulebook.grade_names();
    let filter = Filter {
        team: asked.team.clone().unwrap_or_default(),
        role: asked.role.clone().unwrap_or_default(),
        grade: asked.grade.clone().unwrap_or_default(),
        q: asked.q.clone().unwrap_or_default().trim().to_owned(),
    };
    let needle = filter.q.to_lowercase();
    let sort = asked.sort.clone().unwrap_or_else(|| "id".to_owned());
    let descending = asked.dir.as_deref() == Some("desc");
    let change = |card: &CardView| {
        card.total
            .zip(before.as_ref().and_then(|b| b.total(&card.subject)))
            .map(|(now, then)| now - then)
    };
    let listed = |c: &CardView| {
        visible.can_see(&c.subject)
            && (filter.team.is_empty() || c.team.as_deref().unwrap_or_default() == filter.team)
            && (filter.role.is_empty() || c.role == filter.role)
            && (filter.grade.is_empty() || c.grade.as_deref().unwrap_or_default() == filter.grade)
            && (needle.is_empty()
                || c.name.to_lowercase().contains(&needle)
                || c.subject.to_lowercase().contains(&needle))
    };
    let everyone_listed = visible.sees_everyone() && filter == Filter::default();
    let candidate = |at: u32| {
        let card = &people[at as usize];
        Candidate {
            at,
            card,
            role_name: role_names.get(card.role.as_str()).map_or("", String::as_str),
            change: None,
        }
    };
    // The rows listed, in order: by the change since the period before, sorted here;
    // by any other column, in the period's order for it (sorted once per period), the
    // rows one may not see or that the filters leave out skipped.
    let rows: Vec<u32> = if sort == "change" {
        let mut listed: Vec<Candidate> = (0..people.len() as u32)
            .map(candidate)
            .filter(|c| listed(c.card))
            .map(|c| Candidate {
                change: change(c.card),
                ..c
            })
            .collect();
        sort_people(&mut listed, &sort, descending);
        listed.iter().map(|c| c.at).collect()
    } else {
        // Kept by the column it sorts by, never by the text asked for: any other `sort`
        // is the id's order, so a request cannot make the period keep orders without end.
        let column = match sort.as_str() {
            "name" | "team" | "role" | "total" => sort.as_str(),
            "grade" => "total",
            _ => "id",
        };
        let name = format!("{column} {} {}", if descending { "desc" } else { "asc" }, lang.code());
        let order = scored.people_order(&name, |_| {
            let mut all: Vec<Candidate> = (0..people.len() as u32).map(candidate).collect();
            sort_people(&mut all, column, descending);
            all.iter().map(|c| c.at).collect()
        });
        if everyone_listed {
            order.to_vec()
        } else {
            order
                .iter()
                .copied()
                .filter(|&at| listed(&people[at as usize]))
                .collect()
        }
    };
    let line = |at: &u32| {
        let card = &people[*at as usize];
        PersonLine {
            subject: card.subject.clone(),
            name: card.name.clone(),
            team: card.team.clone().unwrap_or_default(),
            role: card.role.clone(),
            role_name: role_names.get(card.role.as_str()).cloned().unwrap_or_default(),
            total: card.total,
            grade: card.grade.clone().unwrap_or_default(),
            change: change(card),
        }
    };

    match asked.download.as_deref() {
        None | Some("") => {}
        Some(format) => {
            let lines: Vec<PersonLine> = rows.iter().map(line).collect();
            return download(format, &lines, period);
        }
    }

    let matching = rows.len();
    let pages = matching.div_ceil(PAGE_ROWS).max(1);
    let page = asked.page.unwrap_or(1).clamp(1, pages);
    let people: Vec<PersonLine> = rows
        .iter()
        .skip((page - 1) * PAGE_ROWS)
        .take(PAGE_ROWS)
        .map(line)
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

/// A person of the index before a page of them is shown: their card, and what the
/// role and change columns sort by.
struct Candidate<'a> {
    /// The card's position in the period's people.
    at: u32,
    card: &'a CardView,
    role_name: &'a str,
    /// Worked out only where it is sorted by.
    change: Option<f64>,
}

/// Sorts by `column`; people without a total or change go last either way.
fn sort_people(people: &mut [Candidate], column: &str, descending: bool) {
    use std::cmp::Ordering;
    let order = |o: Ordering| if descending { o.reverse() } else { o };
    let numbers = |a, b| super::sorting::numbers(a, b, descending);
    match column {
        "name" => people.sort_by(|a, b| order(a.card.name.cmp(&b.card.name))),
        "team" => people.sort_by(|a, b| {
            order(
                a.card
                    .team
                    .as_deref()
                    .unwrap_or_default()
                    .cmp(b.card.team.as_deref().unwrap_or_default()),
            )
        }),
        "role" => people.sort_by(|a, b| order(a.role_name.cmp(b.role_name))),
        // A grade follows the total within its scale: S before A, not after D.
        "total" | "grade" => people.sort_by(|a, b| numbers(a.card.total, b.card.total)),
        "change" => people.sort_by(|a, b| numbers(a.change, b.change)),
        _ => people.sort_by(|a, b| order(a.card.subject.cmp(&b.card.subject))),
    }
}

/// A card's total as a list shows it: a dash when it has none.
fn shown_total(card: &CardView) -> String {
    card.total.map_or_else(|| "–".to_owned(), |t| format!("{t:.1}"))
}
