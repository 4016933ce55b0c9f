//! The history of the definitions: every publication with who, when and why, a diff
//! between any two versions, and publishing an older version again. hr reads it; only
//! an admin rolls back.

use super::drafts::{Csrf, admin_post, internal, reader, sources};
use super::{respond, see_other};
use crate::definitions::{DefinitionsError, RulebookVersion, publish};
use crate::store::{Draft, PublishBase, StoreError};
use crate::web::AppState;
use crate::web::access::Capability;
use crate::web::error::AppError;
use crate::web::form::Form;
use crate::web::pages::{Lang, Nav};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

/// A publication as the history lists it.
struct HistoryLine {
    id: i64,
    version: i64,
    /// The version before it, for the diff link.
    previous: Option<i64>,
    published_at: String,
    published_by: String,
    comment: String,
}

#[derive(Template)]
#[template(path = "admin_history.html")]
struct HistoryPage {
    nav: Nav,
    csrf: String,
    may_publish: bool,
    notice: Option<String>,
    history: Vec<HistoryLine>,
    drafts: Vec<Draft>,
}

#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    published: Option<i64>,
}

#[get("/admin/definitions/history")]
async fn history_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, AppError> {
    let session = reader(&req, &state, Capability::ReadDefinitions, "/admin/definitions/history").await?;
    let publications = state.store.publications().await?;
    let notice = query
        .published
        .and_then(|id| publications.iter().find(|p| p.id == id))
        .map(|p| {
            format!(
                "Published as version {} (publication {}); every server takes it up within seconds.",
                p.version, p.id
            )
        });
    let history = publications
        .iter()
        .enumerate()
        .map(|(i, p)| HistoryLine {
            id: p.id,
            version: p.version,
            previous: publications.get(i + 1).map(|q| q.version).filter(|v| *v != p.version),
            published_at: p.published_at.clone(),
            published_by: p.published_by.clone(),
            comment: p.comment.clone(),
        })
        .collect();
    let may_publish = crate::access::may(&session.account, Capability::Administer);
    let drafts = if may_publish {
        state.store.drafts().await?
    } else {
        Vec::new()
    };
    let page = HistoryPage {
        nav: Nav::without_period(&session, "/admin/definitions/history", Lang::En),
        csrf: session.csrf.clone(),
        may_publish,
        notice,
        history,
        drafts,
    };
    respond(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    a: i64,
    b: i64,
}

#[derive(Template)]
#[template(path = "admin_diff.html")]
struct DiffPage {
    nav: Nav,
    a: i64,
    b: i64,
    diff: String,
}

#[get("/admin/definitions/diff")]
async fn diff_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<DiffQuery>,
) -> Result<HttpResponse, AppError> {
    let session = reader(&req, &state, Capability::ReadDefinitions, "/admin/definitions/diff").await?;
    let a = state
        .store
        .definition_version(query.a)
        .await?
        .ok_or(AppError::NotFound)?;
    let b = state
        .store
        .definition_version(query.b)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = DiffPage {
        nav: Nav::without_period(&session, "/admin/definitions/history", Lang::En),
        a: a.version,
        b: b.version,
        diff: crate::definitions::diff(&a, &b),
    };
    respond(StatusCode::OK, &page)
}

#[derive(Debug, Deserialize)]
pub struct RollbackForm {
    csrf: String,
    version: i64,
    /// The publication the admin saw in force; another since is a conflict.
    active: i64,
}

impl Csrf for RollbackForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[post("/admin/definitions/rollback")]
async fn roll_back(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: Form<RollbackForm>,
) -> Result<HttpResponse, AppError> {
    let (session, form) = admin_post(&req, &state, "/admin/definitions/rollback", form).await?;
    let stored = state
        .store
        .definition_version(form.version)
        .await?
        .ok_or(AppError::NotFound)?;
    let version = RulebookVersion::compile(None, sources(&stored.files))
        .map_err(|e| AppError::BadRequest(format!("version {} no longer compiles: {e}", form.version)))?;
    let comment = format!("back to version {}", form.version);
    let base = PublishBase::Expect(Some(form.active));
    match publish(&state.store, version, &session.account.username, &comment, base).await {
        Ok((publication, _)) => {
            state.definitions.refresh(&state.store).await.map_err(internal)?;
            Ok(see_other(&format!(
                "/admin/definitions/history?published={}",
                publication.id
            )))
        }
        Err(DefinitionsError::Store(e @ StoreError::PublishConflict { .. })) => Err(AppError::Conflict(e.to_string())),
        Err(DefinitionsError::DoesNotFitStored(problems)) => Err(AppError::BadRequest(problems.join("; "))),
        Err(e) => Err(internal(e)),
    }
}
