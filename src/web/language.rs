//! The reader's language across pages: a `?lang=` choice is remembered in a cookie
//! for the pages that follow, and an error page is sent in the language the reader
//! reads (`Lang::negotiate`: the choice, the cookie, then `Accept-Language`), with
//! the signed-in header when the reader is signed in.

use crate::web::AppState;
use crate::web::error::ShownError;
use crate::web::pages::{LANG_COOKIE, Lang, Nav};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

/// The `lang` a query string asks for, if it names one this product speaks.
fn asked(query: &str) -> Option<Lang> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(Lang::from_code)
}

pub async fn remember(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let choice = asked(req.query_string());
    let lang = Lang::negotiate(req.request(), choice.map(Lang::code));
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.secure_cookies);
    let response = next.call(req).await?;
    let shown = response.response().extensions().get::<ShownError>().cloned();
    let mut response = match shown {
        Some(shown) => {
            let state = response.request().app_data::<web::Data<AppState>>().cloned();
            let session = match state {
                Some(state) => crate::web::session::current(response.request(), &state, false)
                    .await
                    .ok(),
                None => None,
            };
            let path = response.request().path().to_owned();
            let nav = session.as_ref().map(|s| Nav::without_period(s, &path, lang));
            match shown.page(lang, nav) {
                Ok(page) => response.map_body(|_, _| BoxBody::new(page)),
                Err(_) => response.map_into_boxed_body(),
            }
        }
        None => response.map_into_boxed_body(),
    };
    if let Some(choice) = choice {
        let cookie = Cookie::build(LANG_COOKIE, choice.code())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        response
            .response_mut()
            .add_cookie(&cookie)
            .map_err(actix_web::Error::from)?;
    }
    Ok(response)
}
