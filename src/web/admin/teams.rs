//! `/admin/teams`: each team with the card it is scored with, changed from a select.
//! A change is a one-row teams import, so it is checked and audited as a file is.

use super::{require, respond, see_other};
use crate::import::{ImportFailure, ImportKind, Table, import_table};
use crate::web::AppState;
use crate::web::access::Capability;
use crate::web::error::AppError;
use crate::web::form::Form;
use crate::web::pages::{Lang, Nav};
use crate::web::session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;

struct TeamLine {
    key: String,
    name: String,
    parent: String,
    card: String,
}

#[derive(Template)]
#[template(path = "admin_teams.html")]
struct TeamsPage {
    nav: Nav,
    csrf: String,
    teams: Vec<TeamLine>,
    /// Every role: id, name.
    roles: Vec<(String, String)>,
    /// The role a team without a card of its own is scored with.
    default_card: String,
    problems: Vec<String>,
}

async fn teams_page(
    state: &AppState,
    session: &session::Session,
    problems: Vec<String>,
) -> Result<TeamsPage, AppError> {
    let version = state.rulebook();
    let rulebook = &version.rulebook;
    Ok(TeamsPage {
        nav: Nav::without_period(session, "/admin/teams", Lang::En),
        csrf: session.csrf.clone(),
        teams: state
            .store
            .list_teams()
            .await?
            .into_iter()
            .map(|t| TeamLine {
                key: t.key,
                name: t.name,
                parent: t.parent.unwrap_or_default(),
                card: t.card.unwrap_or_default(),
            })
            .collect(),
        roles: rulebook
            .roles()
            .iter()
            .map(|r| (r.key.clone(), r.name.en.clone()))
            .collect(),
        default_card: rulebook.team_role().map_or_else(
            || "none (teams get no card)".to_owned(),
            |r| rulebook.role(r).key.clone(),
        ),
        problems,
    })
}

#[get("/admin/teams")]
async fn teams_view(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    require(&state, &session, Capability::Administer, "/admin/teams").await?;
    respond(StatusCode::OK, &teams_page(&state, &session, Vec::new()).await?)
}

#[derive(Debug, Deserialize)]
pub struct CardForm {
    csrf: String,
    #[serde(default)]
    card: String,
}

#[post("/admin/teams/{team}/card")]
async fn set_card(
    req: HttpRequest,
    state: web::Data<AppState>,
    team: web::Path<String>,
    form: Form<CardForm>,
) -> Result<HttpResponse, AppError> {
    let session = session::current(&req, &state, false).await?;
    require(&state, &session, Capability::Administer, "/admin/teams").await?;
    let form = form.fields()?;
    if form.csrf != session.csrf {
        return Err(AppError::BadCsrf);
    }
    let teams = state.store.list_teams().await?;
    let row = teams.into_iter().find(|t| t.key == *team).ok_or(AppError::NotFound)?;
    let (required, optional) = ImportKind::Teams.columns();
    let columns = [required, optional].concat();
    let record = vec![
        row.key,
        row.name,
        row.name_zh.unwrap_or_default(),
        row.parent.unwrap_or_default(),
        form.card.trim().to_owned(),
    ];
    let table = Table::from_records("the teams page", &columns, vec![record]);
    let version = state.rulebook();
    let actor = session.account.username.clone();
    match import_table(
        &state.store,
        version.against(),
        ImportKind::Teams,
        &table,
        "",
        &actor,
        &|_, _| {},
    )
    .await
    {
        Ok(_) => {
            state.scores.data_changed(&state).await?;
            Ok(see_other("/admin/teams"))
        }
        Err(ImportFailure::Rows(errors)) => {
            let problems = errors.errors.into_iter().map(|e| e.message).collect();
            respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                &teams_page(&state, &session, problems).await?,
            )
        }
        Err(e @ ImportFailure::DefinitionsChanged { .. }) => Err(AppError::Conflict(e.to_string())),
        Err(e) => Err(AppError::Internal(anyhow::Error::new(e).context("a team's card"))),
    }
}
