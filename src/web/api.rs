//! The JSON API under `/api/v1`: the same access rules as the pages, errors as JSON
//! (`{"error":{"code","message","errors":[{"path","message"}]}}`), and an OpenAPI
//! document generated from the handlers themselves.

mod body;
mod directory;
mod ingest;
mod leaderboards;
mod review;

use super::AppState;
use super::error::{ApiError, AppError, ErrorBody, ErrorDetail, FieldError, json_error};
use super::pages::{PeriodQuery, period_of, visible_card};
use super::session::{self, ApiAccess, Session};
use crate::kpi::period::Period;
use crate::report::CardView;
use actix_web::{HttpRequest, HttpResponse, ResponseError, get, web};
use serde::Serialize;
use std::sync::LazyLock;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

type ApiResult = Result<HttpResponse, ApiError>;

/// Every `/api/v1` route, registered in one place.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(openapi_json)
        .service(scorecard)
        .service(directory::list_people)
        .service(directory::get_person)
        .service(directory::list_teams)
        .service(directory::get_team)
        .service(directory::list_targets)
        .service(leaderboards::leaderboard)
        .service(ingest::post_metrics)
        .service(ingest::post_people)
        .service(ingest::post_teams)
        .service(ingest::post_targets)
        .service(review::get_review)
        .service(review::post_sign_off)
        .service(review::post_step)
        .service(review::post_appraisal)
        .service(review::post_decision)
        .service(review::get_payroll);
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Yardstick API",
        description = "KPI scorecards, people, teams, targets and metric data. Send `Authorization: Bearer <token>` (from `yardstick token add`); a signed-in browser's session cookie works too, with its CSRF token in `X-CSRF-Token` for a POST. What the caller may not see is 404, whether it exists or not; an unknown path is 404 and a known one asked with another method 405. Every error is `{\"error\":{\"code\",\"message\",\"errors\":[{\"path\",\"message\"}]}}`."
    ),
    paths(
        openapi_json,
        scorecard,
        directory::list_people,
        directory::get_person,
        directory::list_teams,
        directory::get_team,
        directory::list_targets,
        leaderboards::leaderboard,
        ingest::post_metrics,
        ingest::post_people,
        ingest::post_teams,
        ingest::post_targets,
        review::get_review,
        review::post_step,
        review::post_sign_off,
        review::post_appraisal,
        review::post_decision,
        review::get_payroll,
    ),
    components(schemas(ErrorBody, ErrorDetail, FieldError)),
    modifiers(&CallerSchemes),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "scorecards", description = "Scored cards, as the pages show them"),
        (name = "people", description = "People the caller may see"),
        (name = "teams", description = "Teams the caller may see"),
        (name = "targets", description = "Target overrides the caller may see"),
        (name = "ingestion", description = "Sending data: hr and admin, write scope; all or nothing, validated as a file import"),
        (name = "review", description = "The monthly review: progress, hr's steps, ratings, calibration, acknowledgement, appeal, payroll"),
        (name = "meta", description = "This document"),
    )
)]
struct ApiDoc;

/// The two ways to call: a bearer token, or a browser's session cookie.
struct CallerSchemes;

impl Modify for CallerSchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token from `yardstick token add --scope read|write`; read allows GET only",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                session::SESSION_COOKIE,
                "A signed-in browser; a POST also sends the session's CSRF token in `X-CSRF-Token`",
            ))),
        );
    }
}

/// Built once: it describes code, which does not change while the server runs.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// This API's OpenAPI 3.1 document.
#[utoipa::path(
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
#[get("/api/v1/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(&*DOCUMENT)
}

/// A scorecard and the period it is for.
#[derive(Debug, Serialize, ToSchema)]
struct ScorecardResponse<'a> {
    /// The period scored: `2026-10`, `2026-Q3` or `2026`.
    #[schema(value_type = String)]
    period: Period,
    /// The card: total, grade, tiers, each KPI with value, target, achievement,
    /// points, weight, contribution, its formula and inputs, and gates.
    #[schema(value_type = Object)]
    card: &'a CardView,
}

/// One subject's scorecard for a period, if the caller may see it.
#[utoipa::path(
    tag = "scorecards",
    params(
        ("subject" = String, Path, description = "A person's or a team's id"),
        ("period" = Option<String>, Query, description = "A month `2026-10`, quarter `2026-Q3` or year `2026`; default the latest month with enough data to score (half its people with a total), else the latest finalized"),
        ("lang" = Option<String>, Query, description = "Ignored by the API: cards carry names in every language"),
    ),
    responses(
        (status = 200, description = "The card", body = ScorecardResponse),
        (status = 400, description = "The period cannot be read", body = ErrorBody),
        (status = 401, description = "Not signed in, or a bad token", body = ErrorBody),
        (status = 404, description = "No such subject, or not one the caller may see", body = ErrorBody),
    )
)]
#[get("/api/v1/scorecards/{subject}")]
async fn scorecard(
    req: HttpRequest,
    state: web::Data<AppState>,
    subject: web::Path<String>,
    query: web::Query<PeriodQuery>,
) -> ApiResult {
    let session = caller(&req, &state, ApiAccess::Read).await?;
    let period = period_of(&state, query.period.as_deref()).await?;
    let found = visible_card(&state, &session, &subject, period).await?;
    // Written straight from the cached card: no copy, no intermediate JSON tree.
    Ok(HttpResponse::Ok().json(ScorecardResponse {
        period,
        card: found.card(),
    }))
}

#[get("/healthz")]
async fn healthz(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    state.store.data_version().await?;
    Ok(HttpResponse::Ok().content_type("text/plain").body("ok"))
}

/// Who calls, by bearer token or session cookie; see `session::api_caller`.
async fn caller(req: &HttpRequest, state: &AppState, access: ApiAccess) -> Result<Session, AppError> {
    session::api_caller(req, state, access).await
}

/// Query strings that cannot be read: JSON 400 under `/api/v1`, the error page elsewhere.
pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, req| bad_request(req, error.to_string()))
}

fn bad_request(req: &HttpRequest, message: String) -> actix_web::Error {
    let error = AppError::BadRequest(message);
    let response = if is_api(req.path()) {
        json_error(&error)
    } else {
        error.error_response()
    };
    actix_web::error::InternalError::from_response(error, response).into()
}

fn is_api(path: &str) -> bool {
    path == "/api/v1" || path.starts_with("/api/v1/")
}

/// Whatever no route answered: under `/api/v1`, JSON 405 when the path is a route
/// that takes other methods, else JSON 404; elsewhere the 404 page.
pub async fn fallback(req: HttpRequest) -> HttpResponse {
    let path = req.path();
    if !is_api(path) {
        return AppError::NotFound.error_response();
    }
    let allow = allowed_methods(&DOCUMENT, path);
    if allow.is_empty() {
        json_error(&AppError::NotFound)
    } else {
        json_error(&AppError::MethodNotAllowed {
            method: req.method().to_string(),
            allow: allow.join(", "),
        })
    }
}

/// The methods the document lists for the route `path` falls on.
fn allowed_methods(document: &utoipa::openapi::OpenApi, path: &str) -> Vec<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut allow = Vec::new();
    for (template, item) in &document.paths.paths {
        let parts: Vec<&str> = template.split('/').collect();
        let fits = parts.len() == segments.len()
            && parts
                .iter()
                .zip(&segments)
                .all(|(part, segment)| part == segment || (part.starts_with('{') && !segment.is_empty()));
        if !fits {
            continue;
        }
        for (method, operation) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ] {
            if operation.is_some() && !allow.contains(&method) {
                allow.push(method);
            }
        }
    }
    allow
}

#[cfg(test)]
mod tests {
    use super::{DOCUMENT, allowed_methods};

    #[test]
    fn a_route_with_other_methods_lists_them() {
        assert_eq!(allowed_methods(&DOCUMENT, "/api/v1/people"), ["GET", "POST"]);
        assert_eq!(allowed_methods(&DOCUMENT, "/api/v1/people/p002"), ["GET"]);
        assert_eq!(allowed_methods(&DOCUMENT, "/api/v1/metrics"), ["POST"]);
    }

    #[test]
    fn a_path_no_route_takes_lists_nothing() {
        assert!(allowed_methods(&DOCUMENT, "/api/v1/nothing").is_empty());
        assert!(
            allowed_methods(&DOCUMENT, "/api/v1/people/").is_empty(),
            "an empty id is no id"
        );
        assert!(allowed_methods(&DOCUMENT, "/api/v1/people/p002/more").is_empty());
    }
}
