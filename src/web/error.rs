//! One mapping from everything that can go wrong in a request to a status, a stable
//! code and a page or JSON body. The cause is logged, never shown.

use crate::web::pages::Lang;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use serde::Serialize;

/// One bad field of a request: where (`rows[3].value`) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Where in the request body, as `rows[3].value`; empty for the body as a whole.
    pub path: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also what asking for somebody else's card gives: no hint that it exists.
    #[error("not found")]
    NotFound,
    #[error("sign in first")]
    Unauthenticated { json: bool },
    #[error("the form has expired or did not come from this site; reload the page and try again")]
    BadCsrf,
    #[error("too many sign-in attempts at once; wait {retry_after} seconds and try again")]
    SignInBusy { retry_after: u64 },
    #[error("too many failed sign-ins; wait {retry_after} seconds and try again")]
    SignInLocked { retry_after: u64 },
    #[error("{0}")]
    BadRequest(String),
    #[error("the API token is unknown or revoked, or its account is disabled")]
    BadToken,
    #[error("this token may only read; sending data needs a token with the write scope")]
    InsufficientScope,
    #[error("{0}")]
    Forbidden(String),
    /// A request body that is not the JSON asked for: malformed, wrong types, missing fields.
    #[error("{message}")]
    BadBody { message: String, errors: Vec<FieldError> },
    /// Rows that are well-formed but refused by the same checks as a file import.
    #[error("{message}")]
    InvalidRows { message: String, errors: Vec<FieldError> },
    /// Data or targets for a month that is finalized: the request was right, the
    /// month is closed. Each refused month is one error at its first row.
    #[error("{message}")]
    PeriodFinalized { message: String, errors: Vec<FieldError> },
    /// Somebody else changed what this request was made against (the definitions in force).
    #[error("{0}")]
    Conflict(String),
    #[error("the request body must be JSON, sent as Content-Type: application/json; this one is {found}")]
    UnsupportedMediaType { found: String },
    #[error("the request body is larger than the {limit} bytes this route accepts")]
    PayloadTooLarge { limit: usize },
    #[error("this route does not answer {method}; it answers {allow}")]
    MethodNotAllowed { method: String, allow: String },
    /// An upload over the size limit; the message says the limit and what to do.
    #[error("{0}")]
    UploadTooLarge(String),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Unauthenticated { .. } => "unauthenticated",
            AppError::BadCsrf => "bad_csrf",
            AppError::SignInBusy { .. } => "too_many_requests",
            AppError::SignInLocked { .. } => "sign_in_locked",
            AppError::BadRequest(_) => "bad_request",
            AppError::BadToken => "invalid_token",
            AppError::InsufficientScope => "insufficient_scope",
            AppError::Forbidden(_) => "forbidden",
            AppError::BadBody { .. } => "invalid_body",
            AppError::InvalidRows { .. } => "invalid_rows",
            AppError::PeriodFinalized { .. } => "period_finalized",
            AppError::Conflict(_) => "conflict",
            AppError::UnsupportedMediaType { .. } => "unsupported_media_type",
            AppError::PayloadTooLarge { .. } => "payload_too_large",
            AppError::MethodNotAllowed { .. } => "method_not_allowed",
            AppError::UploadTooLarge(_) => "payload_too_large",
            AppError::Internal(_) => "internal",
        }
    }

    /// The bad fields behind a 400, 409 or 422; none for other errors.
    fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::BadBody { errors, .. }
            | AppError::InvalidRows { errors, .. }
            | AppError::PeriodFinalized { errors, .. } => errors,
            _ => &[],
        }
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(error: crate::store::StoreError) -> Self {
        match error {
            crate::store::StoreError::Finalized(_) => AppError::PeriodFinalized {
                message: error.to_string(),
                errors: Vec::new(),
            },
            crate::store::StoreError::ReviewState(message) => AppError::Conflict(message),
            other => AppError::Internal(other.into()),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: &'static str,
    title: &'static str,
    message: String,
    back: &'static str,
    /// The signed-in header, when the reader is signed in.
    nav: Option<crate::web::pages::Nav>,
}

/// An error page's words in both languages, kept on the response so that
/// `web::language` can send it again in the reader's language with their header.
#[derive(Debug, Clone)]
pub struct ShownError {
    en: (&'static str, String),
    zh: (&'static str, String),
}

impl ShownError {
    /// The page in `lang`, with the signed-in header when there is one.
    pub fn page(&self, lang: Lang, nav: Option<crate::web::pages::Nav>) -> Result<String, askama::Error> {
        let (title, message) = if lang == Lang::Zh { &self.zh } else { &self.en };
        ErrorPage {
            lang: lang.code(),
            title,
            message: message.clone(),
            back: if lang == Lang::Zh {
                "返回绩效卡"
            } else {
                "Back to the scorecards"
            },
            nav,
        }
        .render()
    }
}

impl AppError {
    /// A title a person understands, by what went wrong.
    fn title(&self, lang: Lang) -> &'static str {
        let zh = lang == Lang::Zh;
        if let AppError::Conflict(_) = self {
            return if zh { "已被他人更改" } else { "Changed meanwhile" };
        }
        match (self.status_code().as_u16(), zh) {
            (400, false) => "This request cannot be used",
            (400, true) => "请求无法处理",
            (401, false) => "Sign in first",
            (401, true) => "请先登录",
            (403, false) => "Not allowed",
            (403, true) => "无权执行此操作",
            (404, false) => "Not found",
            (404, true) => "页面不存在",
            (405, false) => "Not answered here",
            (405, true) => "不支持此请求方式",
            (409, false) => "The period is closed",
            (409, true) => "该期间已定稿",
            (413, false) => "Too large",
            (413, true) => "内容过大",
            (415, false) => "Not in a form this page reads",
            (415, true) => "格式不支持",
            (422, false) => "Rows refused",
            (422, true) => "数据被拒绝",
            (429, false) => "Too many attempts",
            (429, true) => "尝试次数过多",
            (_, false) => "Something went wrong",
            (_, true) => "出错了",
        }
    }

    /// What went wrong, in `lang`. Details that quote the request (a field, a row)
    /// stay as they were written.
    fn message_in(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            AppError::NotFound => "找不到该页面，或您无权查看。".into(),
            AppError::Unauthenticated { .. } => "请先登录。".into(),
            AppError::BadCsrf => "表单已过期或并非来自本站；请刷新页面后重试。".into(),
            AppError::SignInBusy { retry_after } => format!("同时登录的人太多；请等待 {retry_after} 秒后重试。"),
            AppError::SignInLocked { retry_after } => format!("登录失败次数过多；请等待 {retry_after} 秒后重试。"),
            AppError::BadToken => "API 令牌未知或已吊销，或其账户已停用。".into(),
            AppError::InsufficientScope => "此令牌只能读取；发送数据需要具有写入权限的令牌。".into(),
            AppError::PayloadTooLarge { limit } => format!("请求内容超过此路径允许的 {limit} 字节。"),
            AppError::MethodNotAllowed { method, allow } => format!("此路径不支持 {method}；支持 {allow}。"),
            AppError::UnsupportedMediaType { found } => {
                format!("请求内容必须是 JSON（Content-Type: application/json）；当前为 {found}。")
            }
            AppError::Internal(_) => "服务器出错了；请稍后重试。如果问题持续，请联系管理员。".into(),
            AppError::BadRequest(detail)
            | AppError::Forbidden(detail)
            | AppError::UploadTooLarge(detail)
            | AppError::Conflict(detail) => {
                format!("{}：{detail}", self.title(lang))
            }
            AppError::BadBody { message, .. }
            | AppError::InvalidRows { message, .. }
            | AppError::PeriodFinalized { message, .. } => format!("{}：{message}", self.title(lang)),
        }
    }

    fn shown(&self) -> ShownError {
        ShownError {
            en: (self.title(Lang::En), self.message_in(Lang::En)),
            zh: (self.title(Lang::Zh), self.message_in(Lang::Zh)),
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            AppError::BadCsrf => StatusCode::FORBIDDEN,
            AppError::SignInBusy { .. } | AppError::SignInLocked { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest(_) | AppError::BadBody { .. } => StatusCode::BAD_REQUEST,
            AppError::BadToken => StatusCode::UNAUTHORIZED,
            AppError::InsufficientScope | AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::InvalidRows { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::PeriodFinalized { .. } | AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge { .. } | AppError::UploadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            AppError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(cause) = self {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let mut response = match self {
            // A browser is sent to the sign-in page; an API client gets JSON.
            AppError::Unauthenticated { json: false } => {
                HttpResponse::SeeOther().insert_header(("Location", "/login")).finish()
            }
            AppError::Unauthenticated { json: true } => json_error(self),
            _ => {
                let shown = self.shown();
                match shown.page(Lang::En, None) {
                    Ok(html) => {
                        let mut response = HttpResponse::build(self.status_code())
                            .content_type("text/html; charset=utf-8")
                            .body(html);
                        response.extensions_mut().insert(shown);
                        response
                    }
                    Err(_) => HttpResponse::build(self.status_code()).body(self.to_string()),
                }
            }
        };
        retry_after(self, &mut response);
        response
    }
}

/// The JSON body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, snake_case: `not_found`, `unauthenticated`, `invalid_token`,
    /// `insufficient_scope`, `forbidden`, `bad_csrf`, `bad_request`, `invalid_body`,
    /// `invalid_rows`, `period_finalized`, `conflict`, `unsupported_media_type`, `payload_too_large`,
    /// `method_not_allowed`, `too_many_requests`, `sign_in_locked`, `internal`.
    pub code: String,
    /// For people; may change wording between versions.
    pub message: String,
    /// Every bad field, for `invalid_body`, `invalid_rows` and `period_finalized`;
    /// empty otherwise.
    pub errors: Vec<FieldError>,
}

/// The JSON form of an error, for `/api/v1`.
pub fn json_error(error: &AppError) -> HttpResponse {
    let body = ErrorBody {
        error: ErrorDetail {
            code: error.code().to_owned(),
            message: error.to_string(),
            errors: error.field_errors().to_vec(),
        },
    };
    let mut response = HttpResponse::build(error.status_code());
    match error {
        AppError::Unauthenticated { .. } | AppError::BadToken => {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        AppError::MethodNotAllowed { allow, .. } => {
            response.insert_header(("Allow", allow.as_str()));
        }
        _ => {}
    }
    let mut response = response.json(body);
    retry_after(error, &mut response);
    response
}

/// A locked-out or turned-away sign-in says when to come back.
fn retry_after(error: &AppError, response: &mut HttpResponse) {
    if let AppError::SignInLocked { retry_after } | AppError::SignInBusy { retry_after } = error {
        response.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(*retry_after),
        );
    }
}

/// An API error: the same mapping, always as JSON.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ApiError(#[from] pub AppError);

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        ApiError(error.into())
    }
}

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
