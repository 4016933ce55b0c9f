//! Request bodies: declared as JSON (415 otherwise), read up to a limit (413 past it,
//! whatever the client claims), then parsed with the path of the first bad field (400).

use crate::web::error::{AppError, FieldError};
use actix_web::HttpRequest;
use actix_web::web::{Bytes, Payload};
use serde::de::DeserializeOwned;

/// Metric data comes in bulk: about 100,000 rows fit.
pub const METRICS_LIMIT: usize = 8 * 1024 * 1024;
/// People, teams and targets are a few thousand rows at most.
pub const SMALL_LIMIT: usize = 1024 * 1024;

/// Refuses a body not declared as JSON (`application/json` or `application/…+json`,
/// with any parameters): a form post or a stray upload is told what to send, before
/// a byte of it is read.
pub fn require_json(req: &HttpRequest) -> Result<(), AppError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let essence = declared
        .as_deref()
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let is_json = essence
        .as_deref()
        .is_some_and(|e| e == "application/json" || (e.starts_with("application/") && e.ends_with("+json")));
    if is_json {
        return Ok(());
    }
    Err(AppError::UnsupportedMediaType {
        found: match essence {
            Some(e) if !e.is_empty() => format!("`{}`", crate::kpi::id::shown(&e)),
            _ => "no Content-Type".to_owned(),
        },
    })
}

/// The whole body, refused as soon as it passes `limit` bytes: a declared length
/// over the limit is refused before anything is read, and a body without one (or
/// lying about it) is cut off where it passes.
pub async fn read(req: &HttpRequest, payload: Payload, limit: usize) -> Result<Bytes, AppError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(AppError::PayloadTooLarge { limit });
    }
    match payload.to_bytes_limited(limit).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(e)) => Err(AppError::BadRequest(format!("the request body could not be read: {e}"))),
        Err(_) => Err(AppError::PayloadTooLarge { limit }),
    }
}

/// `bytes` as a `T`, or 400 naming the bad field (`rows[3].value`) and why.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let path = match e.path().to_string() {
            root if root == "." => String::new(),
            path => path,
        };
        bad_body(path, e.inner())
    })?;
    deserializer.end().map_err(|e| bad_body(String::new(), &e))?;
    Ok(value)
}

fn bad_body(path: String, error: &serde_json::Error) -> AppError {
    let reason = match error.classify() {
        serde_json::error::Category::Eof => format!("the JSON ends too early ({error})"),
        serde_json::error::Category::Syntax => format!("the body is not valid JSON ({error})"),
        serde_json::error::Category::Data | serde_json::error::Category::Io => error.to_string(),
    };
    let message = if path.is_empty() {
        reason.clone()
    } else {
        format!("{path}: {reason}")
    };
    AppError::BadBody {
        message,
        errors: vec![FieldError { path, message: reason }],
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::web::error::AppError;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only the parse errors are looked at")]
    struct Body {
        rows: Vec<Row>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only the parse errors are looked at")]
    struct Row {
        subject: String,
        value: f64,
    }

    fn path_of(json: &str) -> String {
        match parse::<Body>(json.as_bytes()) {
            Err(AppError::BadBody { errors, .. }) => errors[0].path.clone(),
            other => panic!("{json} should be refused, got {other:?}"),
        }
    }

    #[test]
    fn a_wrong_type_is_placed_at_its_row_and_field() {
        assert_eq!(
            path_of(r#"{"rows":[{"subject":"p1","value":1},{"subject":"p2","value":"x"}]}"#),
            "rows[1].value"
        );
    }

    #[test]
    fn a_missing_field_is_placed_at_its_row() {
        assert_eq!(path_of(r#"{"rows":[{"subject":"p1"}]}"#), "rows[0]");
    }

    #[test]
    fn an_unknown_field_is_refused() {
        assert_eq!(
            path_of(r#"{"rows":[{"subject":"p1","value":1,"valeu":2}]}"#),
            "rows[0].valeu"
        );
    }

    #[test]
    fn malformed_json_and_trailing_text_concern_the_whole_body() {
        assert_eq!(path_of(r#"{"rows":["#), "rows");
        assert_eq!(path_of(r#"{"rows":[]} and more"#), "");
    }
}
