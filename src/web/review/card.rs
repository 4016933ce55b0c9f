//! What a card takes in the review: the self-assessment and the manager's rating, a
//! calibrated grade, and after finalizing the acknowledgement, the appeal and hr's
//! answer to it.

use super::month_of;
use crate::kpi::period::Month;
use crate::store::Rater;
use crate::web::AppState;
use crate::web::admin::see_other;
use crate::web::error::AppError;
use crate::web::form::Form;
use crate::web::pages::{PeriodQuery, period_of};
use crate::web::session;
use actix_web::{HttpRequest, HttpResponse, post, web};
use std::collections::HashMap;

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
        reviewer(&state, &version, &session),
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
        crate::web::url_part(&subject)
    )))
}

/// The signed-in account acting in the review.
fn reviewer<'a>(
    state: &'a AppState,
    version: &'a crate::definitions::RulebookVersion,
    session: &'a crate::web::session::Session,
) -> crate::review::Reviewer<'a> {
    crate::review::Reviewer {
        store: &state.store,
        version,
        account: &session.account,
    }
}

/// The card of `subject` in `month` as `session` may see it, with its scored period.
async fn card_of(
    state: &AppState,
    session: &crate::web::session::Session,
    subject: &str,
    month: Month,
) -> Result<crate::scorecards::CardRef, AppError> {
    crate::web::pages::visible_card(state, session, subject, crate::kpi::period::Period::Month(month)).await
}

/// Checks the form's token and reads the month asked for.
async fn posted(
    req: &HttpRequest,
    state: &AppState,
    query: &PeriodQuery,
    form: &HashMap<String, String>,
) -> Result<(crate::web::session::Session, Month), AppError> {
    let session = session::current(req, state, false).await?;
    if form.get("csrf") != Some(&session.csrf) {
        return Err(AppError::BadCsrf);
    }
    let month = month_of(period_of(state, query.period.as_deref()).await?)?;
    Ok((session, month))
}

fn back_to(subject: &str, month: Month) -> HttpResponse {
    see_other(&format!("/scorecards/{}?period={month}", crate::web::url_part(subject)))
}

fn field<'f>(form: &'f HashMap<String, String>, name: &str) -> &'f str {
    form.get(name).map_or("", String::as_str)
}

/// A grade set in calibration, with its reason.
#[post("/scorecards/{subject}/calibration")]
async fn calibrate_grade(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
    form: Form<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let form = form.fields()?;
    let (session, month) = posted(&req, &state, &query, &form).await?;
    let found = card_of(&state, &session, &subject, month).await?;
    let version = state.rulebook();
    crate::review::calibrate(
        reviewer(&state, &version, &session),
        &found.scored().organisation,
        month,
        found.card(),
        field(&form, "grade").trim(),
        field(&form, "reason"),
    )
    .await?;
    state.scores.data_changed(&state).await?;
    Ok(back_to(&subject, month))
}

#[post("/scorecards/{subject}/acknowledge")]
async fn acknowledge(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
    form: Form<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let form = form.fields()?;
    let (session, month) = posted(&req, &state, &query, &form).await?;
    crate::review::acknowledge(&state.store, &session.account, month, &subject).await?;
    state.scores.data_changed(&state).await?;
    Ok(back_to(&subject, month))
}

#[post("/scorecards/{subject}/appeal")]
async fn appeal(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
    form: Form<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let form = form.fields()?;
    let (session, month) = posted(&req, &state, &query, &form).await?;
    crate::review::appeal(&state.store, &session.account, month, &subject, field(&form, "text")).await?;
    state.scores.data_changed(&state).await?;
    Ok(back_to(&subject, month))
}

/// hr's answer to an appeal: `outcome` is `keep`, or `change` with `grade`.
#[post("/scorecards/{subject}/appeal/resolve")]
async fn resolve_appeal(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
    form: Form<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let form = form.fields()?;
    let (session, month) = posted(&req, &state, &query, &form).await?;
    let found = card_of(&state, &session, &subject, month).await?;
    let changed_to = match field(&form, "outcome") {
        "keep" => None,
        "change" => Some(field(&form, "grade").trim()),
        _ => return Err(AppError::BadRequest("`outcome` must be keep or change".into())),
    };
    let version = state.rulebook();
    crate::review::resolve(
        reviewer(&state, &version, &session),
        month,
        found.card(),
        changed_to,
        field(&form, "reason"),
    )
    .await?;
    state.scores.data_changed(&state).await?;
    Ok(back_to(&subject, month))
}
