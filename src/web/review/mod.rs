//! The monthly review in the browser: `/review` shows a month's review team by team
//! (who has rated themselves, who is rated, which teams are signed off, what is still
//! missing) with hr's steps (start, finalize, reopen with a reason, the payroll file);
//! a card takes the self-assessment and the manager's rating.

use super::AppState;
use super::access::{Capability, may, refuse};
use super::error::AppError;
use super::session::{self, Session};
use crate::kpi::period::{Month, Period};
use crate::review::ReviewError;
use crate::store::AccountRole;
use actix_web::{HttpRequest, web};

mod card;
mod month;
mod page;
mod payroll;
mod steps;

pub(super) use card::{card_of, reviewer as reviewer_with};
pub(super) use month::MonthReview;
use page::{review_page, review_view};
pub(super) use payroll::payroll_response;
pub(super) use {month_in_path as month_of_path, rater_of as rater};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .service(review_page)
        .service(steps::start_review)
        .service(steps::finalize_review)
        .service(steps::reopen_review)
        .service(steps::sign_off_team)
        .service(steps::mark_checked)
        .service(payroll::payroll_file)
        .service(card::save_appraisal)
        .service(card::decide);
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

/// The month of a review: months only.
fn month_of(period: Period) -> Result<Month, AppError> {
    match period {
        Period::Month(month) => Ok(month),
        other => Err(AppError::BadRequest(format!(
            "{other} is not a month; a review is held per month"
        ))),
    }
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

/// A month named in a path, for the pages and the API alike.
pub(in crate::web) fn month_in_path(text: &str) -> Result<Month, AppError> {
    text.parse()
        .map_err(|_| AppError::BadRequest(format!("`{}` is not a month (YYYY-MM)", crate::kpi::id::shown(text))))
}

/// Who a posted rating is by, as a form or a request names it: `self` or `manager`.
pub(in crate::web) fn rater_of(text: &str) -> Result<crate::store::Rater, AppError> {
    match text {
        "self" => Ok(crate::store::Rater::Themselves),
        "manager" => Ok(crate::store::Rater::Manager),
        _ => Err(AppError::BadRequest("`as` must be self or manager".into())),
    }
}
