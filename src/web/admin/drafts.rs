//! Editing the definitions in the browser: an admin begins a draft from the version in
//! force, edits its files (saved whether valid or not, every problem shown at its file,
//! line and column), previews what it would change on real data, and publishes it to
//! every server. hr may read the history, the diffs and a preview; reps see none of it.

use super::draft_form::{DraftForm, card_changes, edits};
use super::{require, respond, see_other};
use crate::definitions::edit::{Applied, Located, NewKpi, add_kpi, apply, change_cards};
use crate::definitions::preview::{PeriodPreview, StoredRows, compare, frozen_outcomes, score_months};
use crate::definitions::{DefinitionsError, RulebookVersion, publish};
use crate::kpi::period::Period;
use crate::kpi::rulebook::SourceFile;
use crate::store::{Draft, PublishBase, StoreError, StoredDefinitions};
use crate::web::AppState;
use crate::web::access::Capability;
use crate::web::error::AppError;
use crate::web::form::{FILE_FORM_LIMIT, Form};
use crate::web::pages::{Lang, Nav};
use crate::web::session::{self, Session};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// A form that carries the page's CSRF token.
pub(super) trait Csrf {
    fn csrf(&self) -> &str;
}

macro_rules! csrf_field {
    ($($form:ty),*) => {$(
        impl Csrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        }
    )*};
}

csrf_field!(CsrfForm, FileForm, NewKpiForm, PublishForm);

impl Csrf for HashMap<String, String> {
    fn csrf(&self) -> &str {
        self.get("csrf").map_or("", String::as_str)
    }
}

/// The signed-in admin and the form they sent, its token checked; anyone else gets
/// 404 (recorded) before the form is looked at.
pub(super) async fn admin_post<T: Csrf, const LIMIT: usize>(
    req: &HttpRequest,
    state: &AppState,
    page: &str,
    form: Form<T, LIMIT>,
) -> Result<(Session, T), AppError> {
    let session = session::current(req, state, false).await?;
    require(state, &session, Capability::Administer, page).await?;
    let form = form.fields()?;
    if form.csrf() != session.csrf {
        return Err(AppError::BadCsrf);
    }
    Ok((session, form))
}

pub(super) async fn reader(
    req: &HttpRequest,
    state: &AppState,
    capability: Capability,
    page: &str,
) -> Result<Session, AppError> {
    let session = session::current(req, state, false).await?;
    require(state, &session, capability, page).await?;
    Ok(session)
}

async fn found_draft(state: &AppState, id: i64) -> Result<Draft, AppError> {
    state.store.draft(id).await?.ok_or(AppError::NotFound)
}

pub(super) fn sources(files: &BTreeMap<String, String>) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(name, text)| SourceFile {
            name: name.clone(),
            text: text.clone(),
        })
        .collect()
}

/// The draft compiled, or every problem as `file:line:col: problem`.
fn compiled(draft: &Draft) -> Result<RulebookVersion, Vec<String>> {
    RulebookVersion::compile(None, sources(&draft.files))
        .map_err(|errors| errors.0.iter().map(ToString::to_string).collect())
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

#[post("/admin/definitions/drafts")]
async fn create_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    let (session, _) = admin_post(&req, &state, "/admin/definitions/drafts", form).await?;
    let active = state.store.active_publication().await?;
    let version = state.rulebook();
    let files = version
        .sources
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect();
    let draft = state
        .store
        .create_draft(active.map(|p| p.id), &files, &session.account.username)
        .await?;
    Ok(see_other(&format!("/admin/definitions/drafts/{}", draft.id)))
}

/// One file of a draft, with the problems found in it.
struct FileView {
    name: String,
    text: String,
    rows: usize,
    problems: Vec<String>,
    changed: bool,
}

#[derive(Template)]
#[template(path = "admin_draft.html")]
struct DraftPage {
    nav: Nav,
    csrf: String,
    draft: Draft,
    files: Vec<FileView>,
    /// Problems not tied to one file (a weight sum over files, a missing file).
    problems: Vec<String>,
    valid: bool,
    /// The common changes as a form, laid out from the files that read as definitions.
    form: Option<DraftForm>,
    /// Why the form's last submission was not saved.
    form_problems: Vec<String>,
    /// The metrics a new KPI's formula may read.
    metrics: Vec<String>,
    /// The publication now in force, when it is not the one the draft began from.
    moved_on: Option<i64>,
    notice: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DraftQuery {
    saved: Option<String>,
}

#[get("/admin/definitions/drafts/{id}")]
async fn draft_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    query: web::Query<DraftQuery>,
) -> Result<HttpResponse, AppError> {
    let session = reader(&req, &state, Capability::Administer, "/admin/definitions/drafts").await?;
    let draft = found_draft(&state, *id).await?;
    let notice = query.saved.as_ref().map(|file| format!("{file} saved."));
    draft_response(&state, &session, draft, notice, Vec::new(), StatusCode::OK).await
}

async fn draft_response(
    state: &AppState,
    session: &Session,
    draft: Draft,
    notice: Option<String>,
    form_problems: Vec<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let in_force = state.rulebook();
    let form = Some(DraftForm::of(&draft.files, &Located::new(&draft.files))).filter(|f| !f.roles.is_empty());
    let problems = match compiled(&draft) {
        // Valid on its own, it must still fit what is stored.
        Ok(version) => crate::definitions::misfits(
            &version.rulebook,
            &state.store.list_people().await?,
            &state.store.list_teams().await?,
        ),
        Err(problems) => problems,
    };
    let valid = problems.is_empty();
    let mut unplaced = Vec::new();
    let mut by_file: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for problem in &problems {
        match draft.files.keys().find(|name| problem.starts_with(&format!("{name}:"))) {
            Some(name) => by_file.entry(name).or_default().push(problem.clone()),
            None => unplaced.push(problem.clone()),
        }
    }
    let files = draft
        .files
        .iter()
        .map(|(name, text)| FileView {
            name: name.clone(),
            rows: text.lines().count().clamp(6, 40) + 1,
            problems: by_file.remove(name.as_str()).unwrap_or_default(),
            changed: in_force
                .sources
                .iter()
                .find(|f| &f.name == name)
                .is_none_or(|f| &f.text != text),
            text: text.clone(),
        })
        .collect();
    let active = state.store.active_publication_id().await?;
    let metrics = draft
        .files
        .values()
        .filter_map(|text| crate::kpi::definition::DefinitionFile::read(text))
        .flat_map(|f| f.metrics.into_keys())
        .collect();
    let page = DraftPage {
        nav: Nav::without_period(session, "/admin/definitions", Lang::En),
        csrf: session.csrf.clone(),
        moved_on: active.filter(|a| Some(*a) != draft.base),
        draft,
        files,
        problems: unplaced,
        valid,
        form,
        form_problems,
        metrics,
        notice,
    };
    respond(status, &page)
}

#[derive(Debug, Deserialize)]
pub struct FileForm {
    csrf: String,
    file: String,
    text: String,
}

#[post("/admin/definitions/drafts/{id}/files")]
async fn save_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: Form<FileForm, FILE_FORM_LIMIT>,
) -> Result<HttpResponse, AppError> {
    let (session, form) = admin_post(&req, &state, "/admin/definitions/drafts", form).await?;
    let mut draft = found_draft(&state, *id).await?;
    if !draft.files.contains_key(&form.file) {
        return Err(AppError::BadRequest(format!(
            "the draft has no file `{}`",
            crate::kpi::id::shown(&form.file)
        )));
    }
    if form.text.len() > crate::kpi::rulebook::MAX_FILE_BYTES {
        return Err(AppError::BadRequest(format!(
            "{} is {} bytes; a definitions file may be at most {} bytes",
            form.file,
            form.text.len(),
            crate::kpi::rulebook::MAX_FILE_BYTES
        )));
    }
    // Browsers send a textarea's lines ending in CR LF.
    let text = form.text.replace("\r\n", "\n");
    draft.files.insert(form.file.clone(), text);
    let summary = format!("{} edited", form.file);
    saved(&state, &session, draft.id, &draft.files, &summary, &form.file).await
}

/// Saves `files` as the draft's, audited with `summary`, and shows the draft saying
/// "`what` saved."
async fn saved(
    state: &AppState,
    session: &Session,
    draft: i64,
    files: &BTreeMap<String, String>,
    summary: &str,
    what: &str,
) -> Result<HttpResponse, AppError> {
    state
        .store
        .save_draft(draft, files, &session.account.username, summary)
        .await?;
    Ok(see_other(&format!(
        "/admin/definitions/drafts/{draft}?saved={}",
        crate::web::url_part(what)
    )))
}

/// The draft again, with why a form's changes were not made.
async fn refused(
    state: &AppState,
    session: &Session,
    draft: Draft,
    problems: Vec<String>,
) -> Result<HttpResponse, AppError> {
    draft_response(state, session, draft, None, problems, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The common changes, posted as `n/<path>` and `t/<path>` fields beside `csrf`.
#[post("/admin/definitions/drafts/{id}/form")]
async fn save_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: Form<HashMap<String, String>, FILE_FORM_LIMIT>,
) -> Result<HttpResponse, AppError> {
    let (session, fields) = admin_post(&req, &state, "/admin/definitions/drafts", form).await?;
    let draft = found_draft(&state, *id).await?;
    let applied = apply(&draft.files, &edits(&fields)).and_then(|values| {
        let cards = change_cards(&values.files, &card_changes(&fields))?;
        Ok(Applied {
            files: cards.files,
            changed: values.changed.into_iter().chain(cards.changed).collect(),
        })
    });
    match applied {
        Ok(Applied { changed, .. }) if changed.is_empty() => {
            Ok(see_other(&format!("/admin/definitions/drafts/{}", draft.id)))
        }
        Ok(Applied { files, changed }) => {
            let what = format!("{} changes", changed.len());
            saved(&state, &session, draft.id, &files, &changed.join("; "), &what).await
        }
        Err(problems) => refused(&state, &session, draft, problems).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct NewKpiForm {
    csrf: String,
    id: String,
    name_en: String,
    #[serde(default)]
    name_zh: String,
    tier: String,
    unit: String,
    direction: String,
    formula: String,
    floor: String,
    cap: String,
}

/// A KPI new to the catalogue; put it on a role with the form of common changes.
#[post("/admin/definitions/drafts/{id}/kpis")]
async fn add_new_kpi(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: Form<NewKpiForm>,
) -> Result<HttpResponse, AppError> {
    let (session, form) = admin_post(&req, &state, "/admin/definitions/drafts", form).await?;
    let draft = found_draft(&state, *id).await?;
    let kpi = NewKpi {
        id: form.id.trim().to_owned(),
        name_en: form.name_en,
        name_zh: form.name_zh,
        tier: form.tier,
        unit: form.unit,
        direction: form.direction,
        formula: form.formula,
        floor: form.floor,
        cap: form.cap,
    };
    match add_kpi(&draft.files, &kpi) {
        Ok(Applied { files, changed }) => {
            let what = format!("KPI {}", kpi.id);
            saved(&state, &session, draft.id, &files, &changed.join("; "), &what).await
        }
        Err(problems) => refused(&state, &session, draft, problems).await,
    }
}

#[derive(Debug, Deserialize)]
pub struct PublishForm {
    csrf: String,
    #[serde(default)]
    comment: String,
}

#[derive(Template)]
#[template(path = "admin_conflict.html")]
struct ConflictPage {
    nav: Nav,
    draft: i64,
    base: String,
    active: String,
    diff: String,
}

#[post("/admin/definitions/drafts/{id}/publish")]
async fn publish_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: Form<PublishForm>,
) -> Result<HttpResponse, AppError> {
    let (session, form) = admin_post(&req, &state, "/admin/definitions/drafts", form).await?;
    let draft = found_draft(&state, *id).await?;
    let Ok(version) = compiled(&draft) else {
        // Never published while invalid: the page lists why.
        return draft_response(
            &state,
            &session,
            draft,
            None,
            Vec::new(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let base = PublishBase::Draft {
        id: draft.id,
        base: draft.base,
    };
    match publish(
        &state.store,
        version,
        &session.account.username,
        form.comment.trim(),
        base,
    )
    .await
    {
        Ok((publication, _)) => {
            // This server takes it up at once; the others within their next look.
            state.definitions.refresh(&state.store).await.map_err(internal)?;
            Ok(see_other(&format!(
                "/admin/definitions/history?published={}",
                publication.id
            )))
        }
        Err(DefinitionsError::Store(StoreError::PublishConflict { base, active })) => {
            let (old, new) = (published(&state, base).await?, published(&state, active).await?);
            let diff = match (&old, &new) {
                (Some(old), Some(new)) => crate::definitions::diff(old, new),
                _ => String::new(),
            };
            let label = |p: Option<i64>| p.map_or_else(|| "none".to_owned(), |p| format!("publication {p}"));
            let page = ConflictPage {
                nav: Nav::without_period(&session, "/admin/definitions", Lang::En),
                draft: draft.id,
                base: label(base),
                active: label(active),
                diff,
            };
            respond(StatusCode::CONFLICT, &page)
        }
        Err(DefinitionsError::DoesNotFitStored(problems)) => {
            let notice = Some(format!("Not published: {}", problems.join("; ")));
            draft_response(
                &state,
                &session,
                draft,
                notice,
                Vec::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(internal(e)),
    }
}

/// The files publication `id` put in force.
async fn published(state: &AppState, id: Option<i64>) -> Result<Option<StoredDefinitions>, AppError> {
    let Some(id) = id else { return Ok(None) };
    let Some(p) = state.store.publications().await?.into_iter().find(|p| p.id == id) else {
        return Ok(None);
    };
    Ok(state.store.definition_version(p.version).await?)
}

pub(super) fn internal(e: impl Into<anyhow::Error>) -> AppError {
    AppError::Internal(e.into())
}

#[post("/admin/definitions/drafts/{id}/discard")]
async fn discard_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    form: Form<CsrfForm>,
) -> Result<HttpResponse, AppError> {
    let (session, _) = admin_post(&req, &state, "/admin/definitions/drafts", form).await?;
    let draft = found_draft(&state, *id).await?;
    state.store.discard_draft(draft.id, &session.account.username).await?;
    Ok(see_other("/admin/definitions"))
}

#[derive(Template)]
#[template(path = "admin_preview.html")]
struct PreviewPage {
    nav: Nav,
    draft: i64,
    previews: Vec<PeriodPreview>,
}

#[get("/admin/definitions/drafts/{id}/preview")]
async fn preview_draft(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let session = reader(&req, &state, Capability::ReadDefinitions, "/admin/definitions/drafts").await?;
    let draft = found_draft(&state, *id).await?;
    let draft_version = compiled(&draft).map_err(|problems| {
        AppError::BadRequest(format!("the draft has {} problems; fix them first", problems.len()))
    })?;
    let in_force = state.rulebook();
    let current = state.scores.default_month(&state).await?.month();
    let finalized = state.store.latest_finalized_month().await?;
    let mut months = vec![current];
    months.extend(finalized.filter(|f| *f != current));
    let rows = StoredRows::load(&state.store, &months).await?;
    let mut previews = Vec::new();
    let new = score_months(&draft_version.rulebook, &rows, &months)?;
    for (month, new) in months.iter().zip(&new) {
        let period = Period::Month(*month);
        let preview = if state.store.is_finalized(*month).await? {
            // A finalized month against what was frozen: previewed, never re-scored.
            let frozen = crate::review::frozen_report(&state.store, period).await?;
            compare(period, true, &frozen_outcomes(&frozen), new)
        } else {
            let old = score_months(&in_force.rulebook, &rows, &[*month])?;
            compare(period, false, &old[0], new)
        };
        previews.push(preview);
    }
    let page = PreviewPage {
        nav: Nav::without_period(&session, "/admin/definitions", Lang::En),
        draft: draft.id,
        previews,
    };
    respond(StatusCode::OK, &page)
}
