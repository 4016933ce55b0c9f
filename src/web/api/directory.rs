//! Reading people, teams and targets: each list holds only what the caller may see,
//! and anything else asked for by id is 404, whether it exists or not.

use super::{ApiResult, caller};
use crate::import::stored_organisation;
use crate::web::AppState;
use crate::web::access::{Visibility, refuse};
use crate::web::error::AppError;
use crate::web::session::{ApiAccess, Session};
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// A person, as the people import gives them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: String,
    pub name: String,
    pub email: String,
    /// The team they belong to.
    pub team: String,
    /// Their role in the definitions: which scorecard they get.
    pub role: String,
    pub manager: Option<String>,
    /// First month they are scored, `YYYY-MM`.
    pub active_from: Option<String>,
    /// Last month they are scored, `YYYY-MM`.
    pub active_to: Option<String>,
    /// `en` or `zh`: the language of their mails; English when unset.
    pub language: Option<String>,
}

/// A team and, for one team asked by id, who is in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    pub id: String,
    pub name: String,
    /// The name on Chinese pages, when one is given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_zh: Option<String>,
    pub parent: Option<String>,
    /// The role the team's own card is scored with, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<String>,
    /// The teams directly below (only with `GET /api/v1/teams/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_teams: Option<Vec<String>>,
    /// The people directly in it (only with `GET /api/v1/teams/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<String>>,
}

/// A target override: for a role, a team (its card and its members') or a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    /// `role`, `team` or `person`.
    pub scope: String,
    /// The role, team or person id.
    pub subject: String,
    pub kpi: String,
    /// A period (`2026-10`, `2026-Q3`, `2026`), or empty for every period.
    pub period: String,
    pub target: f64,
    pub threshold: Option<f64>,
    pub stretch: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeopleList {
    pub people: Vec<PersonView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamList {
    pub teams: Vec<TeamView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetList {
    pub targets: Vec<TargetView>,
}

/// The people the caller may see.
#[utoipa::path(
    tag = "people",
    responses(
        (status = 200, description = "The people the caller may see", body = PeopleList),
        (status = 401, description = "Not signed in, or a bad token", body = crate::web::error::ErrorBody),
    )
)]
#[get("/api/v1/people")]
pub(super) async fn list_people(req: HttpRequest, state: web::Data<AppState>) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Read).await?;
    let visible = visibility(&state, &session).await?;
    let people: Vec<PersonView> = state
        .store
        .list_people()
        .await?
        .into_iter()
        .filter(|p| visible.can_see(&p.key))
        .map(person_view)
        .collect();
    Ok(HttpResponse::Ok().json(PeopleList { people }))
}

/// One person, if the caller may see them.
#[utoipa::path(
    tag = "people",
    params(("id" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "The person", body = PersonView),
        (status = 401, description = "Not signed in, or a bad token", body = crate::web::error::ErrorBody),
        (status = 404, description = "No such person, or not one the caller may see", body = crate::web::error::ErrorBody),
    )
)]
#[get("/api/v1/people/{id}")]
pub(super) async fn get_person(req: HttpRequest, state: web::Data<AppState>, id: web::Path<String>) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Read).await?;
    let visible = visibility(&state, &session).await?;
    refuse_unless(&state, &session, &visible, "person", &id).await?;
    let person = state
        .store
        .list_people()
        .await?
        .into_iter()
        .find(|p| p.key == *id)
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(person_view(person)))
}

/// The teams the caller may see.
#[utoipa::path(
    tag = "teams",
    responses(
        (status = 200, description = "The teams the caller may see", body = TeamList),
        (status = 401, description = "Not signed in, or a bad token", body = crate::web::error::ErrorBody),
    )
)]
#[get("/api/v1/teams")]
pub(super) async fn list_teams(req: HttpRequest, state: web::Data<AppState>) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Read).await?;
    let visible = visibility(&state, &session).await?;
    let teams = state
        .store
        .list_teams()
        .await?
        .into_iter()
        .filter(|t| visible.can_see(&t.key))
        .map(|t| TeamView {
            id: t.key,
            name: t.name,
            name_zh: t.name_zh,
            parent: t.parent,
            card: t.card,
            sub_teams: None,
            members: None,
        })
        .collect();
    Ok(HttpResponse::Ok().json(TeamList { teams }))
}

/// One team with the teams and people directly in it, if the caller may see it.
#[utoipa::path(
    tag = "teams",
    params(("id" = String, Path, description = "The team's id")),
    responses(
        (status = 200, description = "The team", body = TeamView),
        (status = 401, description = "Not signed in, or a bad token", body = crate::web::error::ErrorBody),
        (status = 404, description = "No such team, or not one the caller may see", body = crate::web::error::ErrorBody),
    )
)]
#[get("/api/v1/teams/{id}")]
pub(super) async fn get_team(req: HttpRequest, state: web::Data<AppState>, id: web::Path<String>) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Read).await?;
    let visible = visibility(&state, &session).await?;
    refuse_unless(&state, &session, &visible, "team", &id).await?;
    let teams = state.store.list_teams().await?;
    let team = teams.iter().find(|t| t.key == *id).ok_or(AppError::NotFound)?;
    let sub_teams = teams
        .iter()
        .filter(|t| t.parent.as_deref() == Some(id.as_str()))
        .map(|t| t.key.clone())
        .collect();
    let members = state
        .store
        .list_people()
        .await?
        .into_iter()
        .filter(|p| p.team == *id)
        .map(|p| p.key)
        .collect();
    Ok(HttpResponse::Ok().json(TeamView {
        id: team.key.clone(),
        name: team.name.clone(),
        name_zh: team.name_zh.clone(),
        parent: team.parent.clone(),
        card: team.card.clone(),
        sub_teams: Some(sub_teams),
        members: Some(members),
    }))
}

/// The targets the caller may see: a person's or a team's when they may see it, a
/// role's when they may see someone with that role (their cards show it).
#[utoipa::path(
    tag = "targets",
    responses(
        (status = 200, description = "The targets the caller may see", body = TargetList),
        (status = 401, description = "Not signed in, or a bad token", body = crate::web::error::ErrorBody),
    )
)]
#[get("/api/v1/targets")]
pub(super) async fn list_targets(req: HttpRequest, state: web::Data<AppState>) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Read).await?;
    let version = state.rulebook();
    let organisation = stored_organisation(&state.store, &version.rulebook, None).await?;
    let visible = Visibility::of(&session.account, &organisation);
    let roles: HashSet<&str> = organisation
        .people()
        .iter()
        .filter(|p| visible.can_see(&p.key))
        .map(|p| version.rulebook.role(p.role).key.as_str())
        .collect();
    let targets = state
        .store
        .list_targets()
        .await?
        .into_iter()
        .filter(|t| match t.scope.as_str() {
            "role" => roles.contains(t.scope_key.as_str()),
            _ => visible.can_see(&t.scope_key),
        })
        .map(|t| TargetView {
            scope: t.scope,
            subject: t.scope_key,
            kpi: t.kpi,
            period: t.period,
            target: t.target,
            threshold: t.threshold,
            stretch: t.stretch,
        })
        .collect();
    Ok(HttpResponse::Ok().json(TargetList { targets }))
}

async fn visibility(state: &AppState, session: &Session) -> Result<Visibility, AppError> {
    let organisation = stored_organisation(&state.store, &state.rulebook().rulebook, None).await?;
    Ok(Visibility::of(&session.account, &organisation))
}

/// 404 unless the caller may see `id`; the refusal is recorded.
async fn refuse_unless(
    state: &AppState,
    session: &Session,
    visible: &Visibility,
    entity: &str,
    id: &str,
) -> Result<(), AppError> {
    if visible.can_see(id) {
        return Ok(());
    }
    refuse(state, session, entity, id, None).await
}

fn person_view(p: crate::store::PersonRow) -> PersonView {
    PersonView {
        id: p.key,
        name: p.name,
        email: p.email,
        team: p.team,
        role: p.role,
        manager: p.manager,
        active_from: p.active_from,
        active_to: p.active_to,
        language: p.language,
    }
}
