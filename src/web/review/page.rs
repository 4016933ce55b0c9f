//! `/review`: a month's review as a manager or hr reads it. Team by team: who has
//! rated themselves, who is rated, the grades (computed, and calibrated where set),
//! the data checks to look at, the sign-off, and after finalizing who has acknowledged
//! or appealed; the grade distribution against the forced distribution; the attention
//! list; hr's steps.

use super::month::MonthReview;
use super::{month_of, reviewer};
use crate::kpi::calibration::Distribution;
use crate::kpi::period::{Month, Period};
use crate::report::CardView;
use crate::review::TeamProgress;
use crate::store::{AccountRole, PeriodStatus};
use crate::web::AppState;
use crate::web::admin::respond;
use crate::web::error::AppError;
use crate::web::pages::{Lang, Nav, PeriodQuery, period_of};
use crate::web::session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;

/// One person's line on the review page.
struct PersonLine {
    person: String,
    name: String,
    role: String,
    /// "✓", "–" or "" when the role has no such step.
    self_assessed: &'static str,
    rated: &'static str,
    total: String,
    /// The computed grade, and the calibrated one after an arrow where set.
    grade: String,
    /// After finalizing: acknowledged, appealed, or nothing yet.
    after: String,
}

/// A data check on the page, with who marked it checked.
struct FlagLine {
    person: String,
    check: String,
    why: String,
    checked_by: String,
}

struct TeamSection {
    team: String,
    name: String,
    people: Vec<PersonLine>,
    missing: Vec<String>,
    signed_off: String,
    /// Whether this reader may sign the team off now.
    may_sign_off: bool,
    flags: Vec<FlagLine>,
}

/// A grade distribution, drawn as bars and checked bound by bound.
struct DistributionView {
    name: String,
    people: usize,
    /// Grade, count, share as text, bar width in percent.
    bars: Vec<(String, usize, String, f64)>,
    /// The bound, the share it has, and whether it holds ("1 over").
    checks: Vec<(String, String, String, bool)>,
    off: bool,
}

struct AttentionLine {
    person: String,
    name: String,
    kpi: String,
    since: String,
    months: usize,
    trend: String,
}

#[derive(Template)]
#[template(path = "review.html")]
pub(super) struct ReviewPage {
    nav: Nav,
    zh: bool,
    month: String,
    status: &'static str,
    is_open: bool,
    is_finalized: bool,
    changed: String,
    reopened: u32,
    /// hr's steps, offered by the status.
    hr: bool,
    /// Whether this reader marks data checks as checked.
    may_mark: bool,
    teams: Vec<TeamSection>,
    distributions: Vec<DistributionView>,
    forced: bool,
    attention: Vec<AttentionLine>,
    problem: String,
}

fn status_words(status: PeriodStatus, zh: bool) -> &'static str {
    match (status, zh) {
        (PeriodStatus::Open, false) => "open",
        (PeriodStatus::Open, true) => "进行中",
        (PeriodStatus::InReview, false) => "in review",
        (PeriodStatus::InReview, true) => "考核中",
        (PeriodStatus::Finalized, false) => "finalized",
        (PeriodStatus::Finalized, true) => "已定稿",
    }
}

fn distribution_view(name: String, d: &Distribution, zh: bool) -> DistributionView {
    let widest = d.grades.iter().map(|g| g.1).max().unwrap_or(0).max(1);
    DistributionView {
        name,
        people: d.people,
        bars: d
            .grades
            .iter()
            .map(|(grade, count, share)| {
                (
                    grade.clone(),
                    *count,
                    format!("{share:.0}%"),
                    *count as f64 * 100.0 / widest as f64,
                )
            })
            .collect(),
        checks: d
            .checks
            .iter()
            .map(|c| {
                let verdict = match (c.off_by, &c.rule.bound, zh) {
                    (0, _, false) => "holds".to_owned(),
                    (0, _, true) => "符合".to_owned(),
                    (n, crate::kpi::calibration::Bound::AtMost(_), false) => format!("{n} over"),
                    (n, crate::kpi::calibration::Bound::AtMost(_), true) => format!("超出 {n} 人"),
                    (n, crate::kpi::calibration::Bound::AtLeast(_), false) => format!("{n} short"),
                    (n, crate::kpi::calibration::Bound::AtLeast(_), true) => format!("不足 {n} 人"),
                };
                (
                    c.rule.describe(),
                    format!("{} ({:.0}%)", c.count, c.share),
                    verdict,
                    c.off_by > 0,
                )
            })
            .collect(),
        off: d.is_off(),
    }
}

/// A team's name in the reader's language, when the organisation has it.
fn team_name(scored: &crate::scorecards::ScoredPeriod, team: &str, lang: Lang) -> Option<String> {
    let team = scored.organisation.team(scored.organisation.find_team(team)?);
    Some(match (lang, &team.name_zh) {
        (Lang::Zh, Some(zh)) => zh.clone(),
        _ => team.name.clone(),
    })
}

fn grade_line(card: Option<&CardView>) -> String {
    let Some(card) = card else {
        return "–".into();
    };
    let computed = card.grade.clone().unwrap_or_else(|| "–".into());
    match card.final_grade() {
        Some(last) if Some(last) != card.grade.as_deref() => format!("{computed} → {last}"),
        _ => computed,
    }
}

fn after_line(card: Option<&CardView>, zh: bool) -> String {
    let appraisal = card.and_then(|c| c.appraisal.as_ref());
    match (appraisal, zh) {
        (Some(a), false) if a.appeal.as_ref().is_some_and(|a| a.resolution.is_none()) => "appealed".into(),
        (Some(a), true) if a.appeal.as_ref().is_some_and(|a| a.resolution.is_none()) => "已申诉".into(),
        (Some(a), false) if a.appeal.is_some() => "appeal resolved".into(),
        (Some(a), true) if a.appeal.is_some() => "申诉已处理".into(),
        (Some(a), false) if a.acknowledged_at.is_some() => "acknowledged".into(),
        (Some(a), true) if a.acknowledged_at.is_some() => "已确认".into(),
        _ => "–".into(),
    }
}

pub(super) async fn review_view(
    state: &AppState,
    session: &Session,
    month: Month,
    lang: Lang,
    problem: String,
) -> Result<ReviewPage, AppError> {
    let zh = lang == Lang::Zh;
    let review = MonthReview::load(state, session, month).await?;
    let scored = &review.scored;
    let rulebook = &scored.version.rulebook;
    let open = review.state.status != PeriodStatus::Finalized;
    let role = session.account.role;
    let mark = |done: Option<bool>| match done {
        Some(true) => "✓",
        Some(false) => "–",
        None => "",
    };
    let teams = review
        .teams
        .iter()
        .map(|t: &TeamProgress| TeamSection {
            team: t.team.clone(),
            name: team_name(scored, &t.team, lang).unwrap_or_else(|| t.name.clone()),
            people: t
                .people
                .iter()
                .map(|p| {
                    let card = scored.card(&p.person);
                    PersonLine {
                        person: p.person.clone(),
                        name: p.name.clone(),
                        role: rulebook
                            .find_role(&p.role)
                            .map_or_else(|| p.role.clone(), |r| lang.pick(&rulebook.role(r).name).to_owned()),
                        self_assessed: mark(p.self_assessed),
                        rated: mark(p.rated),
                        total: card
                            .and_then(|c| c.total)
                            .map_or_else(|| "–".into(), |t| format!("{t:.1}")),
                        grade: grade_line(card),
                        after: after_line(card, zh),
                    }
                })
                .collect(),
            missing: t.outstanding(),
            signed_off: t
                .signed_off
                .as_ref()
                .map_or_else(String::new, |s| format!("{} · {}", s.signed_by, s.signed_at)),
            may_sign_off: open && t.signed_off.is_none() && matches!(role, AccountRole::Hr | AccountRole::Manager),
            flags: review
                .flags
                .iter()
                .filter(|f| t.people.iter().any(|p| p.person == f.person))
                .map(|f| FlagLine {
                    person: f.person.clone(),
                    check: f.check.clone(),
                    why: f.why.clone(),
                    checked_by: review
                        .marks
                        .get(&(f.person.clone(), f.check.clone()))
                        .cloned()
                        .unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let distributions = review
        .distributions
        .iter()
        .map(|g| {
            let name = match (&g.team, zh) {
                (None, true) => "全公司".to_owned(),
                (None, false) => g.name.clone(),
                (Some(team), _) => {
                    let name = team_name(scored, team, lang).unwrap_or_else(|| g.name.clone());
                    format!("{name} ({team})")
                }
            };
            distribution_view(name, &g.distribution, zh)
        })
        .collect();
    let attention = review
        .attention
        .iter()
        .map(|a| AttentionLine {
            person: a.person.clone(),
            name: a.name.clone(),
            kpi: lang.pick(&a.kpi_name).to_owned(),
            since: a.since.to_string(),
            months: a.months,
            trend: a
                .trend
                .iter()
                .map(|(m, v)| format!("{m}: {v:.1}"))
                .collect::<Vec<_>>()
                .join(" → "),
        })
        .collect();
    let mut nav = Nav::new(session, "/review", Period::Month(month), lang);
    nav.switcher = None;
    let period_state = &review.state;
    Ok(ReviewPage {
        nav,
        zh,
        month: month.to_string(),
        status: status_words(period_state.status, zh),
        is_open: period_state.status == PeriodStatus::Open,
        is_finalized: !open,
        changed: match (&period_state.changed_by, &period_state.changed_at) {
            (Some(by), Some(at)) => format!("{by} · {at}"),
            _ => String::new(),
        },
        reopened: period_state.reopened,
        hr: role == AccountRole::Hr,
        may_mark: open && matches!(role, AccountRole::Hr | AccountRole::Manager),
        teams,
        forced: !scored.version.rulebook.review().forced_distribution.is_empty(),
        distributions,
        attention,
        problem,
    })
}

#[get("/review")]
pub(super) async fn review_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<PeriodQuery>,
) -> Result<HttpResponse, AppError> {
    let session = reviewer(&req, &state).await?;
    let month = month_of(period_of(&state, query.period.as_deref()).await?)?;
    let lang = Lang::negotiate(&req, query.lang.as_deref());
    respond(
        StatusCode::OK,
        &review_view(&state, &session, month, lang, String::new()).await?,
    )
}
