//! hr's steps on a month (start, finalize, reopen), a team's sign-off and a data
//! check marked as checked, each answered with the review page.

use super::{hr_only, month_in_path, review_view, reviewer};
use crate::kpi::period::{Month, Period};
use crate::review::ReviewError;
use crate::web::AppState;
use crate::web::admin::{respond, see_other};
use crate::web::error::AppError;
use crate::web::form::Form;
use crate::web::pages::Lang;
use crate::web::session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct StepForm {
    csrf: String,
    #[serde(default)]
    reason: String,
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
    let done = crate::review::sign_off(super::reviewer_with(&state, &version, &session), month, &team).await;
    after_step(&req, &state, &session, month, done).await
}

/// A data check of a person's month marked as checked by their manager or hr.
#[post("/review/{month}/checks/{person}/{check}")]
async fn mark_checked(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    form: Form<StepForm>,
) -> Result<HttpResponse, AppError> {
    let session = reviewer(&req, &state).await?;
    let form = form.fields()?;
    if form.csrf != session.csrf {
        return Err(AppError::BadCsrf);
    }
    let (month, person, check) = path.into_inner();
    let month = month_in_path(&month)?;
    let scored = state.scores.get(&state, Period::Month(month)).await?;
    let allowed = matches!(
        session.account.role,
        crate::store::AccountRole::Hr | crate::store::AccountRole::Manager
    ) && scored.visibility(&session.account).can_see(&person);
    if !allowed || scored.card(&person).is_none() {
        return Err(AppError::NotFound);
    }
    crate::kpi::id::check(check.split(':').nth(1).unwrap_or(&check))
        .map_err(|e| AppError::BadRequest(format!("the check `{}` {e}", crate::kpi::id::shown(&check))))?;
    let done = state
        .store
        .mark_checked(month, &person, &check, &session.account.username)
        .await
        .map_err(ReviewError::from);
    after_step(&req, &state, &session, month, done).await
}
