//! What a card takes in the review: the self-assessment and the manager's rating, a
//! calibrated grade, and after finalizing the acknowledgement, the appeal and hr's
//! answer to it.

use super::month_of;
use crate::kpi::period::Month;
use crate::review::Decision;
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
    let rater = super::rater_of(form.get("as").map_or("", String::as_str))?;
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
pub(in crate::web) fn reviewer<'a>(
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
pub(in crate::web) async fn card_of(
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

/// A decision on the card's month: `action` is `calibrate` (with `grade`),
/// `acknowledge`, `appeal`, or `keep` / `change` (with `grade`) to resolve an appeal;
/// `text` is the reason, or the appeal's words.
#[post("/scorecards/{subject}/decisions")]
async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
    form: Form<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    let form = form.fields()?;
    let (session, month) = posted(&req, &state, &query, &form).await?;
    let decision = Decision::read(field(&form, "action"), field(&form, "grade"), field(&form, "text"))?;
    let found = card_of(&state, &session, &subject, month).await?;
    let version = state.rulebook();
    let reviewer = reviewer(&state, &version, &session);
    crate::review::decide(reviewer, &found.scored().organisation, month, found.card(), decision).await?;
    state.scores.data_changed(&state).await?;
    Ok(back_to(&subject, month))
}
