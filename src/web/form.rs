//! Form bodies, read before the handler runs but looked at only once it knows who sent
//! them: an anonymous or signed-out client is sent to the sign-in page whatever it
//! posted, and a form that cannot be read is a 400 page saying why, not the
//! framework's plain-text error. Reading the small body either way keeps the
//! connection usable for the client's next request.

use crate::web::error::AppError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// A page's form is a few fields; nothing legitimate comes near this.
pub const FORM_LIMIT: usize = 16 * 1024;

/// A definitions file edited in the browser is sent whole, percent-encoded: room for
/// the largest file a folder may hold.
pub const FILE_FORM_LIMIT: usize = 4 * crate::kpi::rulebook::MAX_FILE_BYTES;

/// A URL-encoded form as `T` of at most `LIMIT` bytes, or why it could not be read;
/// see [`Form::fields`].
pub struct Form<T, const LIMIT: usize = FORM_LIMIT>(Result<T, AppError>);

impl<T, const LIMIT: usize> Form<T, LIMIT> {
    /// The form's fields; call it once the sender is known to be allowed.
    pub fn fields(self) -> Result<T, AppError> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static, const LIMIT: usize> FromRequest for Form<T, LIMIT> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let body = read(&mut payload, LIMIT).await;
            Ok(Form(body.and_then(|body| parse(&req, &body))))
        })
    }
}

/// The whole body, whatever it claims to be, up to the limit.
async fn read(payload: &mut Payload, limit: usize) -> Result<Vec<u8>, AppError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn parse<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, AppError> {
    let essence = req.content_type().to_ascii_lowercase();
    if essence != "application/x-www-form-urlencoded" {
        return Err(AppError::BadRequest(
            "the form must be sent as application/x-www-form-urlencoded, as the page's form does".into(),
        ));
    }
    serde_urlencoded::from_bytes(body).map_err(|e| AppError::BadRequest(format!("the form could not be read: {e}")))
}
