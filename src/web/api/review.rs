//! The monthly review over the API, with the pages' rules: a month's review as the
//! caller may see it (`GET /api/v1/reviews/{month}`), hr's steps, a team's sign-off,
//! ratings, calibration, acknowledgement, appeal and its resolution, and the payroll.

use super::{ApiResult, body, caller};
use crate::kpi::period::Month;
use crate::report::CardView;
use crate::review::{Decision, ReviewError};
use crate::store::AccountRole;
use crate::web::AppState;
use crate::web::error::{ApiError, AppError, ErrorBody};
use crate::web::review::{MonthReview, card_of, month_of_path as month_of, payroll_response, rater, reviewer_with};
use crate::web::session::{ApiAccess, Session};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A JSON body of a review step: small.
const BODY_LIMIT: usize = 64 * 1024;

impl From<ReviewError> for ApiError {
    fn from(error: ReviewError) -> Self {
        ApiError(error.into())
    }
}

#[derive(Serialize)]
struct PersonJson<'a> {
    person: &'a str,
    name: &'a str,
    role: &'a str,
    /// `null` when the role's review has no such step.
    self_assessed: Option<bool>,
    rated: Option<bool>,
    total: Option<f64>,
    grade: Option<&'a str>,
    final_grade: Option<&'a str>,
    acknowledged: bool,
    appealed: bool,
}

#[derive(Serialize)]
struct TeamJson<'a> {
    team: &'a str,
    name: &'a str,
    outstanding: Vec<String>,
    signed_off_by: Option<&'a str>,
    people: Vec<PersonJson<'a>>,
}

#[derive(Serialize)]
struct BoundJson {
    bound: String,
    count: usize,
    share: f64,
    limit: usize,
    off_by: usize,
}

#[derive(Serialize)]
struct DistributionJson<'a> {
    /// `null` for the whole organisation.
    team: Option<&'a str>,
    people: usize,
    grades: BTreeMap<&'a str, usize>,
    bounds: Vec<BoundJson>,
}

#[derive(Serialize)]
struct FlagJson<'a> {
    person: &'a str,
    check: &'a str,
    why: &'a str,
    checked_by: Option<&'a str>,
}

#[derive(Serialize)]
struct AttentionJson<'a> {
    person: &'a str,
    kpi: &'a str,
    since: String,
    months: usize,
    trend: Vec<(String, f64)>,
}

#[derive(Serialize)]
struct ReviewJson<'a> {
    period: String,
    /// `open`, `in_review` or `finalized`.
    status: &'static str,
    reopened: u32,
    outstanding: Vec<String>,
    teams: Vec<TeamJson<'a>>,
    distributions: Vec<DistributionJson<'a>>,
    data_checks: Vec<FlagJson<'a>>,
    attention: Vec<AttentionJson<'a>>,
}

fn person_json<'a>(p: &'a crate::review::PersonProgress, card: Option<&'a CardView>) -> PersonJson<'a> {
    let appraisal = card.and_then(|c| c.appraisal.as_ref());
    PersonJson {
        person: &p.person,
        name: &p.name,
        role: &p.role,
        self_assessed: p.self_assessed,
        rated: p.rated,
        total: card.and_then(|c| c.total),
        grade: card.and_then(|c| c.grade.as_deref()),
        final_grade: card.and_then(|c| c.final_grade()),
        acknowledged: appraisal.is_some_and(|a| a.acknowledged_at.is_some()),
        appealed: appraisal.is_some_and(|a| a.appeal.is_some()),
    }
}

/// Managers, hr and admin; a rep is refused as if nothing were there.
async fn reviewer_of(req: &HttpRequest, state: &AppState, access: ApiAccess) -> Result<Session, AppError> {
    let session = caller(req, state, access).await?;
    if session.account.role == AccountRole::Rep {
        return Err(AppError::NotFound);
    }
    Ok(session)
}

/// A month's review: its state, each team's progress and what is outstanding, the
/// grade distributions, the data checks and the attention list.
#[utoipa::path(
    tag = "review",
    params(("month" = String, Path, description = "A month, `2026-10`")),
    responses(
        (status = 200, description = "The review as the caller may see it: a manager their teams, hr and admin everyone", content_type = "application/json", body = Object),
        (status = 400, description = "Not a month", body = ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = ErrorBody),
        (status = 404, description = "A rep's account", body = ErrorBody),
    )
)]
#[get("/api/v1/reviews/{month}")]
async fn get_review(req: HttpRequest, state: web::Data<AppState>, month: web::Path<String>) -> ApiResult {
    let session = reviewer_of(&req, &state, ApiAccess::Read).await?;
    let month = month_of(&month)?;
    let review = MonthReview::load(&state, &session, month).await?;
    let scored = &review.scored;
    let json = ReviewJson {
        period: month.to_string(),
        status: review.state.status.as_str(),
        reopened: review.state.reopened,
        outstanding: review
            .teams
            .iter()
            .filter_map(|t| {
                let missing = t.outstanding();
                (!missing.is_empty()).then(|| format!("{}: {}", t.team, missing.join("; ")))
            })
            .collect(),
        teams: review
            .teams
            .iter()
            .map(|t| TeamJson {
                team: &t.team,
                name: &t.name,
                outstanding: t.outstanding(),
                signed_off_by: t.signed_off.as_ref().map(|s| s.signed_by.as_str()),
                people: t
                    .people
                    .iter()
                    .map(|p| person_json(p, scored.card(&p.person)))
                    .collect(),
            })
            .collect(),
        distributions: review
            .distributions
            .iter()
            .map(|g| DistributionJson {
                team: g.team.as_deref(),
                people: g.distribution.people,
                grades: g
                    .distribution
                    .grades
                    .iter()
                    .map(|(grade, n, _)| (grade.as_str(), *n))
                    .collect(),
                bounds: g
                    .distribution
                    .checks
                    .iter()
                    .map(|c| BoundJson {
                        bound: c.rule.describe(),
                        count: c.count,
                        share: c.share,
                        limit: c.limit,
                        off_by: c.off_by,
                    })
                    .collect(),
            })
            .collect(),
        data_checks: review
            .flags
            .iter()
            .map(|f| FlagJson {
                person: &f.person,
                check: &f.check,
                why: &f.why,
                checked_by: review
                    .marks
                    .get(&(f.person.clone(), f.check.clone()))
                    .map(String::as_str),
            })
            .collect(),
        attention: review
            .attention
            .iter()
            .map(|a| AttentionJson {
                person: &a.person,
                kpi: &a.kpi,
                since: a.since.to_string(),
                months: a.months,
                trend: a.trend.iter().map(|(m, v)| (m.to_string(), *v)).collect(),
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(json))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StepIn {
    /// Why: required to reopen a finalized month.
    #[serde(default)]
    reason: String,
}

/// hr's step on a month: `start`, `finalize` or `reopen` (with a reason).
#[utoipa::path(
    tag = "review",
    params(
        ("month" = String, Path, description = "A month, `2026-10`"),
        ("step" = String, Path, description = "`start`, `finalize` or `reopen`"),
    ),
    request_body = StepIn,
    responses(
        (status = 200, description = "Done: the month's new status", content_type = "application/json", body = Object),
        (status = 400, description = "Not a month, an unknown step, a malformed body, or reopening without a reason", body = ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = ErrorBody),
        (status = 403, description = "A read-scope token, or a session without its X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "Not an hr account", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 409, description = "Not in a state for this step (already in review, not finalized, …), or finalizing while something required is missing, named per team", body = ErrorBody),
    )
)]
#[post("/api/v1/reviews/{month}/{step}")]
async fn post_step(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Write).await?;
    if session.account.role != AccountRole::Hr {
        return Err(AppError::NotFound.into());
    }
    let (month, step) = path.into_inner();
    let month = month_of(&month)?;
    let input: StepIn = read_body(&req, payload).await?;
    let actor = session.account.username.as_str();
    match step.as_str() {
        "start" => crate::review::start(&state.store, month, actor).await?,
        "finalize" => {
            let version = state.rulebook();
            crate::review::finalize(&state.store, &version, crate::kpi::period::Period::Month(month), actor).await?;
        }
        "reopen" => {
            crate::review::reopen(&state.store, month, &input.reason, actor).await?;
        }
        other => {
            return Err(AppError::BadRequest(format!(
                "`{}` is not a step; expected start, finalize or reopen",
                crate::kpi::id::shown(other)
            ))
            .into());
        }
    }
    state.scores.data_changed(&state).await?;
    let status = state.store.period_state(month).await?.status;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "period": month.to_string(), "status": status.as_str() })))
}

async fn read_body<T: serde::de::DeserializeOwned>(req: &HttpRequest, payload: web::Payload) -> Result<T, AppError> {
    body::require_json(req)?;
    let bytes = body::read(req, payload, BODY_LIMIT).await?;
    body::parse(&bytes)
}

/// A team's review signed off: by its manager or hr.
#[utoipa::path(
    tag = "review",
    params(
        ("month" = String, Path, description = "A month, `2026-10`"),
        ("team" = String, Path, description = "A team's id"),
    ),
    responses(
        (status = 204, description = "Signed off"),
        (status = 400, description = "Not a month", body = ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = ErrorBody),
        (status = 403, description = "A read-scope token, or a session without its X-CSRF-Token", body = ErrorBody),
        (status = 404, description = "No such team, or not the caller's", body = ErrorBody),
        (status = 409, description = "The month is finalized", body = ErrorBody),
    )
)]
#[post("/api/v1/reviews/{month}/teams/{team}/sign-off")]
async fn post_sign_off(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> ApiResult {
    let session = reviewer_of(&req, &state, ApiAccess::Write).await?;
    let (month, team) = path.into_inner();
    let month = month_of(&month)?;
    let version = state.rulebook();
    crate::review::sign_off(reviewer_with(&state, &version, &session), month, &team).await?;
    state.scores.data_changed(&state).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct AppraisalIn {
    /// `self` or `manager`.
    #[serde(rename = "as")]
    rater: String,
    /// Each aspect's rating: a competency's id, or `overall`.
    ratings: BTreeMap<String, u8>,
    #[serde(default)]
    comment: String,
}

/// A self-assessment or the manager's rating, with a comment.
#[utoipa::path(
    tag = "review",
    params(
        ("month" = String, Path, description = "A month, `2026-10`"),
        ("person" = String, Path, description = "A person's id"),
    ),
    request_body = AppraisalIn,
    responses(
        (status = 200, description = "Saved: the card as it now stands", content_type = "application/json", body = Object),
        (status = 400, description = "Ratings that do not fit the role's scale, or a malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = ErrorBody),
        (status = 403, description = "Not the caller's to rate (a rep as manager, hr), a read-scope token, or a session without its X-CSRF-Token", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 404, description = "Nobody the caller may see", body = ErrorBody),
        (status = 409, description = "A finalized month, or a self-assessment after the manager's rating", body = ErrorBody),
    )
)]
#[post("/api/v1/appraisals/{month}/{person}")]
async fn post_appraisal(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Write).await?;
    let (month, person) = path.into_inner();
    let month = month_of(&month)?;
    let input: AppraisalIn = read_body(&req, payload).await?;
    let rater = rater(&input.rater)?;
    let version = state.rulebook();
    let reviewer = reviewer_with(&state, &version, &session);
    crate::review::rate(reviewer, month, &person, rater, &input.ratings, &input.comment).await?;
    card_now(&state, &session, &person, month).await
}

async fn card_now(state: &AppState, session: &Session, person: &str, month: Month) -> ApiResult {
    state.scores.data_changed(state).await?;
    let found = card_of(state, session, person, month).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "period": month.to_string(), "card": found.card() })))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct DecisionIn {
    /// `calibrate` (with `grade`), `acknowledge`, `appeal` (with `text`), or
    /// `keep` / `change` (with `grade`) to resolve an appeal.
    action: String,
    #[serde(default)]
    grade: String,
    /// The reason of a calibration or a resolution, or the appeal's text.
    #[serde(default)]
    text: String,
}

/// Calibration, acknowledgement, appeal and its resolution on one person's month.
#[utoipa::path(
    tag = "review",
    params(
        ("month" = String, Path, description = "A month, `2026-10`"),
        ("person" = String, Path, description = "A person's id"),
    ),
    request_body = DecisionIn,
    responses(
        (status = 200, description = "Done: the card as it now stands", content_type = "application/json", body = Object),
        (status = 400, description = "An unknown action, a grade off the role's scale, a missing reason, or a malformed body", body = ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = ErrorBody),
        (status = 403, description = "Not the caller's to decide (calibration and resolutions are hr's), a read-scope token, or a session without its X-CSRF-Token", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 404, description = "Nobody the caller may see, or not their own appraisal", body = ErrorBody),
        (status = 409, description = "Not in a state for it: calibrating a finalized month, acknowledging one that is not, twice, …", body = ErrorBody),
    )
)]
#[post("/api/v1/appraisals/{month}/{person}/decisions")]
async fn post_decision(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    payload: web::Payload,
) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Write).await?;
    let (month, person) = path.into_inner();
    let month = month_of(&month)?;
    let input: DecisionIn = read_body(&req, payload).await?;
    let decision = Decision::read(&input.action, &input.grade, &input.text)?;
    let found = card_of(&state, &session, &person, month).await?;
    let version = state.rulebook();
    let reviewer = reviewer_with(&state, &version, &session);
    crate::review::decide(reviewer, &found.scored().organisation, month, found.card(), decision).await?;
    card_now(&state, &session, &person, month).await
}

#[derive(Deserialize)]
struct PayrollQuery {
    format: Option<String>,
}

/// The payroll file of a finalized month, CSV or XLSX, for hr and admin.
#[utoipa::path(
    tag = "review",
    params(
        ("month" = String, Path, description = "A finalized month, `2026-10`"),
        ("format" = Option<String>, Query, description = "`csv` (default) or `xlsx`"),
    ),
    responses(
        (status = 200, description = "period, person, name, team, role, base, process, result, qualitative, total, grade_computed, grade_final, bonus_coefficient; text cells spreadsheet-safe", content_type = "text/csv"),
        (status = 400, description = "Not a month, or an unknown format", body = ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = ErrorBody),
        (status = 404, description = "Not an hr or admin account", body = ErrorBody),
        (status = 409, description = "The month is not finalized", body = ErrorBody),
    )
)]
#[get("/api/v1/payroll/{month}")]
async fn get_payroll(
    req: HttpRequest,
    state: web::Data<AppState>,
    month: web::Path<String>,
    query: web::Query<PayrollQuery>,
) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Read).await?;
    Ok(payroll_response(&state, &session, &month, query.format.as_deref()).await?)
}
