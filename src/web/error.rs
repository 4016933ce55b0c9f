//! One mapping from everything that can go wrong in a request to a status, a stable
//! code and a page or JSON body. The cause is logged, never shown.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also what asking for somebody else's card gives: no hint that it exists.
    #[error("not found")]
    NotFound,
    #[error("sign in first")]
    Unauthenticated { json: bool },
    #[error("the form has expired or did not come from this site; reload the page and try again")]
    BadCsrf,
    #[error("too many sign-in attempts at once; wait a moment and try again")]
    TooManyRequests,
    #[error("{0}")]
    BadRequest(String),
    /// An upload over the size limit; the message says the limit.
    #[error("{0}")]
    TooLarge(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthenticated { .. } => "unauthenticated",
            AppError::BadCsrf => "bad_csrf",
            AppError::TooManyRequests => "too_many_requests",
            AppError::BadRequest(_) => "bad_request",
            AppError::TooLarge(_) => "too_large",
            AppError::Internal(_) => "internal",
        }
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(error: crate::store::StoreError) -> Self {
        AppError::Internal(error.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    message: String,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::BadCsrf => StatusCode::FORBIDDEN,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        match self {
            // A browser is sent to the sign-in page; an API client gets JSON.
            AppError::Unauthenticated { json: false } => {
                HttpResponse::SeeOther().insert_header(("Location", "/login")).finish()
            }
            AppError::Unauthenticated { json: true } => json_error(self),
            _ => {
                let page = ErrorPage {
                    title: self.code(),
                    message: self.to_string(),
                };
                match page.render() {
                    Ok(html) => HttpResponse::build(self.status_code())
                        .content_type("text/html; charset=utf-8")
                        .body(html),
                    Err(_) => HttpResponse::build(self.status_code()).body(self.to_string()),
                }
            }
        }
    }
}

/// The JSON form of an error, for `/api/v1`.
pub fn json_error(error: &AppError) -> HttpResponse {
    HttpResponse::build(error.status_code())
        .json(serde_json::json!({ "error": { "code": error.code(), "message": error.to_string() } }))
}

/// An API error: the same mapping, always as JSON.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = &self.0 {
            tracing::error!(error = format!("{cause:#}"), "API request failed");
        }
        json_error(&self.0)
    }
}
