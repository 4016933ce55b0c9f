//! The monthly review in the browser: `/review` shows a month's review team by team
//! (who has rated themselves, who is rated, which teams are signed off, what is still
//! missing) with hr's steps (start, finalize, reopen with a reason, the payroll file);
//! a card takes the self-assessment and the manager's rating.

use super::AppState;
use super::access::{Capability, may, refuse};
use super::admin::{respond, see_other};
use super::error::AppError;
use super::form::Form;
use super::pages::{Lang, Nav, PeriodQuery, period_of};
use super::session::{self, Session};
use crate::kpi::period::{Month, Period};
use crate::review::payroll::{self, PayrollFormat};
use crate::review::{ReviewError, TeamProgress};
use crate::store::{AccountRole, PeriodStatus, Rater};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use std::collections::HashMap;

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(review_page)
        .service(start_review)
        .service(finalize_review)
        .service(reopen_review)
        .service(sign_off_team)
        .service(payroll_file)
        .service(save_appraisal);
}

impl From<ReviewError> for AppError {
    fn from(error: ReviewError) -> Self {
        match error {
            ReviewError::Store(store) => store.into(),
            ReviewError::NotYours => AppError::NotFound,
            ReviewError::Forbidden(message) => AppError::Forbidden(message),
            e @ ReviewError::Incomplete { .. } => AppError::Conflict(e.to_string()),
            e @ (ReviewError::Invalid(_) | ReviewError::Rating(_)) => AppError::BadRequest(e.to_string()),
        }
    }
}

/// One person's line on the review page.
struct PersonLine {
    person: String,
    name: String,
    role: String,
    /// "✓", "–" or "" when the role has no such step.
    self_assessed: &'static str,
    rated: &'static str,
    total: String,
    grade: String,
}

struct TeamSection {
    team: String,
    name: String,
    people: Vec<PersonLine>,
    missing: Vec<String>,
    signed_off: String,
    /// Whether this reader may sign the team off now.
    may_sign_off: bool,
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewPage {
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
    teams: Vec<TeamSection>,
    problem: String,
}

/// The month of a review: months only.
fn month_of(period: Period) -> Result<Month, AppError> {
    match period {
        Period::Month(month) => Ok(month),
        other => Err(AppError::BadRequest(format!(
            "{other} is not a month; a review is held per month"
        ))),
    }
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

async fn review_view(
    state: &AppState,
    session: &Session,
    month: Month,
    lang: Lang,
    problem: String,
) -> Result<ReviewPage, AppError> {
    let zh = lang == Lang::Zh;
    let period = Period::Month(month);
    let scored = state.scores.get(state, period).await?;
    let visibility = scored.visibility(&session.account);
    let version = &scored.version;
    let appraisals = state.store.list_appraisals(month).await?;
    let sign_offs = state.store.list_sign_offs(month).await?;
    let progress = crate::review::progress(&version.rulebook, &scored.organisation, month, &appraisals, &sign_offs);
    let period_state = state.store.period_state(month).await?;
    let open = period_state.status != PeriodStatus::Finalized;
    let mark = |done: Option<bool>| match done {
        Some(true) => "✓",
        Some(false) => "–",
        None => "",
    };
    let teams = progress
        .teams
        .iter()
        .filter(|t| visibility.can_see(&t.team))
        .map(|t: &TeamProgress| TeamSection {
            team: t.team.clone(),
            name: t.name.clone(),
            people: t
                .people
                .iter()
                .map(|p| {
                    let card = scored.card(&p.person);
                    PersonLine {
                        person: p.person.clone(),
                        name: p.name.clone(),
                        role: p.role.clone(),
                        self_assessed: mark(p.self_assessed),
                        rated: mark(p.rated),
                        total: card
                            .and_then(|c| c.total)
                            .map_or_else(|| "–".into(), |t| format!("{t:.1}")),
                        grade: card.and_then(|c| c.grade.clone()).unwrap_or_else(|| "–".into()),
                    }
                })
                .collect(),
            missing: t.outstanding(),
            signed_off: t
                .signed_off
                .as_ref()
                .map_or_else(String::new, |s| format!("{} · {}", s.signed_by, s.signed_at)),
            may_sign_off: open
                && t.signed_off.is_none()
                && matches!(session.account.role, AccountRole::Hr | AccountRole::Manager),
        })
        .collect();
    let mut nav = Nav::new(session, "/review", period, lang);
    nav.switcher = None;
    Ok(ReviewPage {
        nav,
        zh,
        month: month.to_string(),
        status: status_words(period_state.status, zh),
        is_open: period_state.status == PeriodStatus::Open,
        is_finalized: period_state.status == PeriodStatus::Finalized,
        changed: match (period_state.changed_by, period_state.changed_at) {
            (Some(by), Some(at)) => format!("{by} · {at}"),
            _ => String::new(),
        },
        reopened: period_state.reopened,
        hr: session.account.role == AccountRole::Hr,
        teams,
        problem,
    })
}

/// Managers see their teams' review; hr and admin everyone's; reps none (404).
async fn reviewer(req: &HttpRequest, state: &AppState) -> Result<Session, AppError> {
    let session = session::current(req, state, false).await?;
    if !may(&session.account, Capability::TeamBoards) {
        refuse(state, &session, "page", "/review", None).await?;
    }
    Ok(session)
}

/// hr's steps of a month's review; anyone else is refused as if it were not there.
async fn hr_only(req: &HttpRequest, state: &AppState) -> Result<Session, AppError> {
    let session = session::current(req, state, false).await?;
    if session.account.role != AccountRole::Hr {
        refuse(state, &session, "page", "/review", None).await?;
    }
    Ok(session)
}

#[get("/review")]
async fn review_page(
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

#[derive(Debug, Deserialize)]
pub struct StepForm {
    csrf: String,
    #[serde(default)]
    reason: String,
}

fn month_in_path(text: &str) -> Result<Month, AppError> {
    text.parse()
        .map_err(|_| AppError::BadRequest(format!("`{}` is not a month", crate::kpi::id::shown(text))))
}

/// A step's answer: back to the review page, or the page with the refusal on it.
async fn after_step(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    month: Month,
    done: Result<(), ReviewError>,
) -> Result<HttpResponse, AppError> {
    match done {
        Ok(()) => {
            state.scores.data_changed(state).await?;
            Ok(see_other(&format!("/review?period={month}")))
        }
        Err(error @ (ReviewError::Incomplete { .. } | ReviewError::Invalid(_) | ReviewError::Rating(_))) => {
            let status = if matches!(error, ReviewError::Incomplete { .. }) {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            let lang = Lang::negotiate(req, None);
            respond(
                status,
                &review_view(state, session, month, lang, error.to_string()).await?,
            )
        }
        Err(ReviewError::Store(crate::store::StoreError::ReviewState(message))) => {
            let lang = Lang::negotiate(req, None);
            respond(
                StatusCode::CONFLICT,
                &review_view(state, session, month, lang, message).await?,
            )
        }
        Err(other) => Err(other.into()),
    }
}

/// One of hr's steps on a month: who sent it, the month, the form, checked.
async fn hr_step(
    req: &HttpRequest,
    state: &AppState,
    month: &str,
    form: Form<StepForm>,
) -> Result<(Session, Month, StepForm), AppError> {
    let session = hr_only(req, state).await?;
    let form = form.fields()?;
    if form.csrf != session.csrf {
        return Err(AppError::BadCsrf);
    }
    Ok((session, month_in_path(month)?, form))
}

#[post("/review/{month}/start")]
async fn start_review(
    req: HttpRequest,
    state: web::Data<AppState>,
    month: web::Path<String>,
    form: Form<StepForm>,
) -> Result<HttpResponse, AppError> {
    let (session, month, _) = hr_step(&req, &state, &month, form).await?;
    let done = crate::review::start(&state.store, month, &session.account.username).await;
    after_step(&req, &state, &session, month, done).await
}

#[post("/review/{month}/finalize")]
async fn finalize_review(
    req: HttpRequest,
    state: web::Data<AppState>,
    month: web::Path<String>,
    form: Form<StepForm>,
) -> Result<HttpResponse, AppError> {
    let (session, month, _) = hr_step(&req, &state, &month, form).await?;
    let version = state.rulebook();
    let done = crate::review::finalize(&state.store, &version, Period::Month(month), &session.account.username)
        .await
        .map(|_| ());
    after_step(&req, &state, &session, month, done).await
}

#[post("/review/{month}/reopen")]
async fn reopen_review(
    req: HttpRequest,
    state: web::Data<AppState>,
    month: web::Path<String>,
    form: Form<StepForm>,
) -> Result<HttpResponse, AppError> {
    let (session, month, form) = hr_step(&req, &state, &month, form).await?;
    let done = crate::review::reopen(&state.store, month, &form.reason, &session.account.username)
        .await
        .map(|_| ());
    after_step(&req, &state, &session, month, done).await
}

#[post("/review/{month}/teams/{team}/sign-off")]
async fn sign_off_team(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: Form<StepForm>,
) -> Result<HttpResponse, AppError> {
    let session = reviewer(&req, &state).await?;
    let form = form.fields()?;
    if form.csrf != session.csrf {
        return Err(AppError::BadCsrf);
    }
    let (month, team) = path.into_inner();
    let month = month_in_path(&month)?;
    let version = state.rulebook();
    let done = crate::review::sign_off(&state.store, &version, &session.account, month, &team).await;
    after_step(&req, &state, &session, month, done).await
}

#[derive(Debug, Deserialize)]
pub struct PayrollQuery {
    format: Option<String>,
}

/// The payroll file of a finalized month, for hr.
#[get("/review/{month}/payroll")]
async fn payroll_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    month: web::Path<String>,
    query: web::Query<PayrollQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    payroll_response(&state, &session, &month, query.format.as_deref()).await
}

/// The payroll file as a download, for the page and the API alike.
pub(super) async fn payroll_response(
    state: &AppState,
    session: &Session,
    month: &str,
    format: Option<&str>,
) -> Result<HttpResponse, AppError> {
    if !matches!(session.account.role, AccountRole::Hr | AccountRole::Admin) {
        refuse(state, session, "payroll", month, None).await?;
    }
    let month = month_in_path(month)?;
    let format = match format.unwrap_or("csv") {
        "csv" => PayrollFormat::Csv,
        "xlsx" => PayrollFormat::Xlsx,
        other => {
            return Err(AppError::BadRequest(format!(
                "`{}` is not a payroll format; expected csv or xlsx",
                crate::kpi::id::shown(other)
            )));
        }
    };
    let bytes = match payroll::export(&state.store, month, format).await {
        Ok(bytes) => bytes,
        Err(payroll::PayrollError::NotFinalized(month)) => {
            return Err(AppError::Conflict(format!(
                "{month} is not finalized; payroll is exported from a finalized month only"
            )));
        }
        Err(payroll::PayrollError::Store(e)) => return Err(e.into()),
        Err(e) => return Err(AppError::Internal(anyhow::Error::new(e))),
    };
    let (content_type, extension) = match format {
        PayrollFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        PayrollFormat::Xlsx => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"payroll-{month}.{extension}\""),
        ))
        .body(bytes))
}

/// A rating from the card page: `as` is `self` or `manager`, each aspect's rating in
/// `rating.<aspect>`, and a comment.
#[post("/scorecards/{subject}/appraisal")]
async fn save_appraisal(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
    form: Form<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    let form = form.fields()?;
    if form.get("csrf") != Some(&session.csrf) {
        return Err(AppError::BadCsrf);
    }
    let month = month_of(period_of(&state, query.period.as_deref()).await?)?;
    let rater = match form.get("as").map(String::as_str) {
        Some("self") => Rater::Themselves,
        Some("manager") => Rater::Manager,
        _ => return Err(AppError::BadRequest("`as` must be self or manager".into())),
    };
    let ratings = crate::review::read_ratings(
        form.iter()
            .filter_map(|(k, v)| k.strip_prefix("rating.").map(|aspect| (aspect, v.as_str()))),
    )?;
    let comment = form.get("comment").map_or("", String::as_str);
    let version = state.rulebook();
    crate::review::rate(
        &state.store,
        &version,
        &session.account,
        month,
        &subject,
        rater,
        &ratings,
        comment,
    )
    .await?;
    state.scores.data_changed(&state).await?;
    Ok(see_other(&format!(
        "/scorecards/{}?period={month}",
        super::url_part(&subject)
    )))
}
