//! The admin's pages: accounts (list, create, disable), the rulebook in force, the
//! teams' cards and the outbox of appraisal mails.
//! Only an admin account opens them; anyone else gets 404, as for a card they may
//! not see.

mod accounts;
mod definitions;
mod draft_form;
mod drafts;
mod history;
mod mail;
mod teams;

use super::AppState;
use super::access::{Capability, may, refuse};
use super::error::AppError;
use super::session::Session;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::web::ServiceConfig;
use askama::Template;

/// Registers the admin routes.
pub fn routes(config: &mut ServiceConfig) {
    config
        .service(accounts::accounts_page)
        .service(accounts::create_account)
        .service(accounts::disable_account)
        .service(accounts::account_view)
        .service(accounts::change_access)
        .service(accounts::reset_password)
        .service(accounts::enable_account)
        .service(definitions::definitions_page)
        .service(drafts::create_draft)
        .service(drafts::draft_page)
        .service(drafts::save_file)
        .service(drafts::save_form)
        .service(drafts::add_new_kpi)
        .service(drafts::publish_draft)
        .service(drafts::discard_draft)
        .service(drafts::preview_draft)
        .service(history::history_page)
        .service(history::diff_page)
        .service(history::roll_back)
        .service(mail::mail_page)
        .service(mail::resend)
        .service(teams::teams_view)
        .service(teams::set_card);
}

/// Lets the request through when the session's account may do what `capability`
/// names (as `web::access` decides); otherwise records the attempt and answers 404, so the page's existence is not revealed.
pub(super) async fn require(
    state: &AppState,
    session: &Session,
    capability: Capability,
    page: &str,
) -> Result<(), AppError> {
    if may(&session.account, capability) {
        return Ok(());
    }
    refuse(state, session, "page", page, None).await
}

/// A page with `status`, for forms answered with their problems.
pub(super) fn respond(status: StatusCode, page: &impl Template) -> Result<HttpResponse, AppError> {
    let html = page
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// A redirect after a form was handled (post, redirect, get).
pub(super) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location.to_owned()))
        .finish()
}
