//! `/upload`: hr and admin send a CSV or XLSX file of teams, people, targets or
//! metrics from the browser. The file is streamed to a temporary folder under its
//! own name (so its extension says how to read it), cut off at `UPLOAD_LIMIT`, and
//! imported by the same `import` service as the command line: all or nothing,
//! audited with the signed-in user as the actor. The folder is removed when the
//! request ends, whatever happened.

use super::AppState;
use super::admin::{require, respond};
use super::error::AppError;
use super::session::{self, Session};
use crate::import::{
    FinalizedRows, ImportFailure, ImportKind, METRIC_COLUMNS, PEOPLE_COLUMNS, TARGET_COLUMNS, TEAM_COLUMNS,
    import_file_as,
};
use crate::web::access::Capability;
use crate::web::pages::{Lang, Nav};
use actix_multipart::{Field, Multipart};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use futures_util::StreamExt;
use std::io::Write;
use std::path::PathBuf;

/// The largest file accepted, in bytes.
pub const UPLOAD_LIMIT: u64 = 16 * 1024 * 1024;
/// After the limit is passed, how much more is read (and thrown away) so the browser
/// can finish sending and see the answer; beyond it the connection is simply dropped.
const DRAIN_LIMIT: u64 = 4 * UPLOAD_LIMIT;
/// The largest text field (the CSRF token, the kind).
const FIELD_LIMIT: usize = 1024;
/// The extensions the importer reads; anything else is refused before importing.
const EXTENSIONS: [&str; 4] = ["csv", "xlsx", "xlsm", "xlsb"];

/// What the form can say a file holds, with the columns it expects.
const KINDS: [(&str, ImportKind); 4] = [
    ("teams", ImportKind::Teams),
    ("people", ImportKind::People),
    ("targets", ImportKind::Targets),
    ("metrics", ImportKind::Metrics),
];

/// What an upload did, for the page.
enum Outcome {
    Imported {
        file: String,
        kind: String,
        rows: usize,
        added: usize,
        changed: usize,
        unchanged: usize,
    },
    Refused {
        file: String,
        /// Line, column (may be empty), reason.
        errors: Vec<(u64, String, String)>,
        more: usize,
    },
    /// The form itself was incomplete (no file, no kind, a type we cannot read).
    Incomplete(String),
}

#[derive(Template)]
#[template(path = "upload.html")]
struct UploadPage {
    nav: Nav,
    csrf: String,
    kind: String,
    /// Each kind with its required and optional columns.
    kinds: Vec<(&'static str, String, String)>,
    limit_mib: u64,
    outcome: Option<Outcome>,
}

/// Registers the upload routes.
pub fn routes(config: &mut web::ServiceConfig) {
    config.service(upload_form).service(upload_file);
}

#[get("/upload")]
async fn upload_form(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let session = uploader(&req, &state).await?;
    respond(StatusCode::OK, &page(&session, String::new(), None))
}

#[post("/upload")]
async fn upload_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: Multipart,
) -> Result<HttpResponse, AppError> {
    let session = match uploader(&req, &state).await {
        Ok(session) => session,
        // The file of someone who may not send it is never read; closing the
        // connection keeps their client from sending its next request after it.
        Err(refused) => {
            let mut response = actix_web::ResponseError::error_response(&refused);
            response
                .head_mut()
                .set_connection_type(actix_web::http::ConnectionType::Close);
            return Ok(response);
        }
    };
    let received = receive(payload).await?;
    if received.csrf != session.csrf {
        return Err(AppError::BadCsrf);
    }
    let kind = KINDS.iter().find(|(name, _)| *name == received.kind).map(|&(_, k)| k);
    let (Some(kind), Some(file)) = (kind, &received.file) else {
        let missing = match (&received.file, &received.unreadable) {
            (None, Some(name)) => format!(
                "{name} cannot be read: upload a CSV file or a spreadsheet ({}).",
                EXTENSIONS.map(|e| format!(".{e}")).join(", ")
            ),
            (None, None) => "Choose a file to upload.".to_owned(),
            (Some(_), _) => "Choose what the file holds: teams, people, targets or metrics.".to_owned(),
        };
        let outcome = Outcome::Incomplete(missing);
        let page = page(&session, received.kind.clone(), Some(outcome));
        return respond(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let quiet = |_: u64, _: u64| {};
    let mut result = Err(ImportFailure::Read {
        path: file.name.clone(),
        reason: "not imported".into(),
    });
    for attempt in 0..2 {
        let version = state.rulebook();
        result = import_file_as(
            &state.store,
            version.against(),
            kind,
            &file.path,
            &file.name,
            &session.account.username,
            &quiet,
        )
        .await;
        // Definitions published meanwhile: take them up and check the file again, once.
        if attempt == 0 && matches!(result, Err(ImportFailure::DefinitionsChanged { .. })) {
            state
                .definitions
                .refresh(&state.store)
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            continue;
        }
        break;
    }
    let (status, outcome) = match result {
        Ok(report) => {
            // Readers of this server see the new data at once.
            state.scores.data_changed(&state).await?;
            (
                StatusCode::OK,
                Outcome::Imported {
                    file: file.name.clone(),
                    kind: received.kind.clone(),
                    rows: report.rows,
                    added: report.changes.added,
                    changed: report.changes.changed,
                    unchanged: report.changes.unchanged,
                },
            )
        }
        Err(ImportFailure::Rows(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Outcome::Refused {
                file: file.name.clone(),
                errors: errors
                    .errors
                    .into_iter()
                    .map(|e| (e.line, e.column.unwrap_or_default(), e.message))
                    .collect(),
                more: errors.more,
            },
        ),
        Err(ImportFailure::Finalized(refused)) => (
            StatusCode::CONFLICT,
            Outcome::Refused {
                file: file.name.clone(),
                errors: refused
                    .months
                    .iter()
                    .map(|(month, lines)| {
                        let first = lines.first().copied().unwrap_or(1);
                        (first, "period".to_owned(), FinalizedRows::reason(month, lines))
                    })
                    .collect(),
                more: 0,
            },
        ),
        Err(e @ ImportFailure::DefinitionsChanged { .. }) => return Err(AppError::Conflict(e.to_string())),
        Err(e) => return Err(AppError::Internal(anyhow::Error::new(e).context("upload"))),
    };
    respond(status, &page(&session, received.kind.clone(), Some(outcome)))
}

async fn uploader(req: &HttpRequest, state: &AppState) -> Result<Session, AppError> {
    let session = session::current(req, state, false).await?;
    require(state, &session, Capability::SendData, "/upload").await?;
    Ok(session)
}

fn page(session: &Session, kind: String, outcome: Option<Outcome>) -> UploadPage {
    let columns = |kind: ImportKind| match kind {
        ImportKind::Teams => TEAM_COLUMNS,
        ImportKind::People => PEOPLE_COLUMNS,
        ImportKind::Targets => TARGET_COLUMNS,
        ImportKind::Metrics => METRIC_COLUMNS,
    };
    UploadPage {
        nav: Nav::without_period(session, "/upload", Lang::En),
        csrf: session.csrf.clone(),
        kind,
        kinds: KINDS
            .iter()
            .map(|&(name, kind)| {
                let (required, optional) = columns(kind);
                (name, required.join(","), optional.join(","))
            })
            .collect(),
        limit_mib: UPLOAD_LIMIT / (1024 * 1024),
        outcome,
    }
}

/// An uploaded file, saved under its own name in a folder of its own; both are
/// removed when this is dropped.
struct SavedFile {
    _folder: tempfile::TempDir,
    path: PathBuf,
    /// The name the browser sent, as shown and recorded.
    name: String,
}

/// The fields of the upload form.
#[derive(Default)]
struct Received {
    csrf: String,
    kind: String,
    file: Option<SavedFile>,
    /// The name of a file sent with an extension the importer does not read.
    unreadable: Option<String>,
}

/// Reads the form, saving the file part to disk as it streams in.
async fn receive(mut payload: Multipart) -> Result<Received, AppError> {
    let mut received = Received::default();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        match field.name().unwrap_or_default() {
            "csrf" => received.csrf = text(&mut field).await?,
            "kind" => received.kind = text(&mut field).await?,
            "file" => {
                let sent = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                // A browser sends an empty name when no file was chosen.
                let Some(name) = file_name(&sent).filter(|_| !sent.is_empty()) else {
                    if !sent.is_empty() {
                        received.unreadable = Some(sent);
                    }
                    skip(&mut field).await?;
                    continue;
                };
                match save(&mut field, name).await? {
                    Some(saved) => received.file = Some(saved),
                    None => {
                        // The next part is only given once this one is dropped.
                        drop(field);
                        drain(payload).await;
                        return Err(AppError::UploadTooLarge(format!(
                            "The file is larger than {} MiB, the most an upload may hold. Split it into \
                             smaller files (by month, say) and upload each; nothing was imported.",
                            UPLOAD_LIMIT / (1024 * 1024)
                        )));
                    }
                }
            }
            _ => skip(&mut field).await?,
        }
    }
    Ok(received)
}

/// Saves the file part; `None` when it passes the limit (the part is read to its end).
async fn save(field: &mut Field, name: String) -> Result<Option<SavedFile>, AppError> {
    let folder = tempfile::Builder::new()
        .prefix("yardstick-upload-")
        .tempdir()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("a folder for an upload: {e}")))?;
    let path = folder.path().join(&name);
    let mut out =
        std::fs::File::create(&path).map_err(|e| AppError::Internal(anyhow::anyhow!("saving an upload: {e}")))?;
    let mut size = 0u64;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(unreadable)?;
        size += chunk.len() as u64;
        if size > UPLOAD_LIMIT {
            skip(field).await?;
            return Ok(None);
        }
        out.write_all(&chunk)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("saving an upload: {e}")))?;
    }
    out.flush()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("saving an upload: {e}")))?;
    Ok(Some(SavedFile {
        _folder: folder,
        path,
        name,
    }))
}

/// A short text field.
async fn text(field: &mut Field) -> Result<String, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        bytes.extend_from_slice(&chunk.map_err(unreadable)?);
        if bytes.len() > FIELD_LIMIT {
            return Err(AppError::BadRequest("a form field is too long".into()));
        }
    }
    String::from_utf8(bytes).map_err(|_| AppError::BadRequest("a form field is not UTF-8 text".into()))
}

/// Reads a part to its end, keeping nothing.
async fn skip(field: &mut Field) -> Result<(), AppError> {
    while let Some(chunk) = field.next().await {
        chunk.map_err(unreadable)?;
    }
    Ok(())
}

/// Reads what is left of an oversize upload, up to `DRAIN_LIMIT`, so the answer
/// reaches a browser that is still sending.
async fn drain(mut payload: Multipart) {
    let mut drained = 0u64;
    while let Some(Ok(mut field)) = payload.next().await {
        while let Some(Ok(chunk)) = field.next().await {
            drained += chunk.len() as u64;
            if drained > DRAIN_LIMIT {
                return;
            }
        }
    }
}

fn unreadable(error: actix_multipart::MultipartError) -> AppError {
    AppError::BadRequest(format!("the upload could not be read: {error}"))
}

/// The last component of the name a browser sent (some send a whole path), or
/// `None` unless its extension is one the importer reads.
fn file_name(sent: &str) -> Option<String> {
    let name = sent.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    let readable = name
        .rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()));
    (readable && !name.chars().any(char::is_control) && name.chars().count() <= 200).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn only_the_last_part_of_a_sent_name_is_kept() {
        assert_eq!(file_name("C:\\Users\\hr\\metrics.csv").as_deref(), Some("metrics.csv"));
        assert_eq!(file_name("../../etc/people.XLSX").as_deref(), Some("people.XLSX"));
        assert_eq!(file_name("指标 2026-10.xlsx").as_deref(), Some("指标 2026-10.xlsx"));
    }

    #[test]
    fn names_the_importer_cannot_read_are_refused() {
        assert_eq!(file_name("notes.txt"), None);
        assert_eq!(file_name(".csv"), None);
        assert_eq!(file_name("metrics"), None);
        assert_eq!(file_name(".."), None);
    }
}
