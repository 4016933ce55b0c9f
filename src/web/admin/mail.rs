//! `/admin/mail`: the outbox of appraisal mails, a month at a time: each mail's state,
//! its tries and the SMTP server's reply for a failure, and a resend button for a mail
//! whose outcome is unknown (`sending`) or that failed. Beside it, the batches the
//! servers queued by themselves.

use super::{require, respond, see_other};
use crate::store::{Mail, MailRun, MailStatus};
use crate::web::AppState;
use crate::web::access::Capability;
use crate::web::error::AppError;
use crate::web::form::Form;
use crate::web::pages::{Lang, Nav};
use crate::web::review::month_in_path;
use crate::web::session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

/// Mails shown at most on one page; a status filter narrows a large month down.
const SHOWN: usize = 1000;

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct MailPage {
    nav: Nav,
    csrf: String,
    /// The months with mails, newest first.
    periods: Vec<String>,
    period: String,
    status: String,
    /// Each status with how many mails of the month hold it.
    counts: Vec<(&'static str, usize)>,
    mails: Vec<Mail>,
    more: usize,
    runs: Vec<MailRun>,
    resent: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct MailQuery {
    period: Option<String>,
    #[serde(default)]
    status: String,
    resent: Option<i64>,
}

#[get("/admin/mail")]
async fn mail_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<MailQuery>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    require(&state, &session, Capability::Administer, "/admin/mail").await?;
    let query = query.into_inner();
    let status = match query.status.as_str() {
        "" => None,
        given => Some(
            [
                MailStatus::Queued,
                MailStatus::Sending,
                MailStatus::Sent,
                MailStatus::Failed,
            ]
            .into_iter()
            .find(|s| s.as_str() == given)
            .ok_or_else(|| {
                AppError::BadRequest(format!(
                    "`{}` is not a mail's status: queued, sending, sent or failed",
                    crate::kpi::id::shown(given)
                ))
            })?,
        ),
    };
    let mut periods = state.store.mail_periods().await?;
    periods.sort_unstable_by(|a, b| b.cmp(a));
    let period = match query.period {
        Some(text) => month_in_path(&text)?.to_string(),
        None => periods.first().cloned().unwrap_or_default(),
    };
    let all = if period.is_empty() {
        Vec::new()
    } else {
        state.store.list_mails(Some(&period)).await?
    };
    let counts = [
        MailStatus::Queued,
        MailStatus::Sending,
        MailStatus::Sent,
        MailStatus::Failed,
    ]
    .into_iter()
    .map(|s| (s.as_str(), all.iter().filter(|m| m.status == s).count()))
    .collect();
    let mut mails: Vec<Mail> = all
        .into_iter()
        .filter(|m| status.is_none_or(|s| m.status == s))
        .collect();
    let more = mails.len().saturating_sub(SHOWN);
    mails.truncate(SHOWN);
    let mut runs = state.store.list_mail_runs().await?;
    runs.truncate(20);
    let page = MailPage {
        nav: Nav::without_period(&session, "/admin/mail", Lang::En),
        csrf: session.csrf.clone(),
        periods,
        period,
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        counts,
        mails,
        more,
        runs,
        resent: query.resent,
    };
    respond(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct ResendForm {
    csrf: String,
}

/// Queues a mail again, by hand: the outbox's own senders deliver it next.
#[post("/admin/mail/{id}/resend")]
async fn resend(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: Form<ResendForm>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    require(&state, &session, Capability::Administer, "/admin/mail").await?;
    if form.fields()?.csrf != session.csrf {
        return Err(AppError::BadCsrf);
    }
    let id = id.into_inner();
    let mail = state.store.find_mail(id).await?.ok_or(AppError::NotFound)?;
    state.store.resend_mail(id, &session.account.username).await?;
    Ok(see_other(&format!("/admin/mail?period={}&resent={id}", mail.period)))
}
