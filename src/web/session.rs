//! Sign-in, sessions and CSRF. Sessions live in the database (only a hash of each
//! token), so signing out or disabling an account ends them at once; passwords are
//! checked with argon2id off the async workers, a few at a time.

use super::AppState;
use super::error::AppError;
use crate::credentials::{password_matches, random_token, token_hash};
use crate::store::{Account, ApiScope};
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, web};

pub const SESSION_COOKIE: &str = "ys_session";
pub const LOGIN_COOKIE: &str = "ys_login";
const SESSION_HOURS: i64 = 12;

/// A signed-in user and the CSRF token their forms carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    pub csrf: String,
}

/// A cookie as every one of ours is made: HttpOnly, SameSite, Secure behind TLS.
pub fn cookie(state: &AppState, name: &'static str, value: String, path: &'static str) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path)
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .finish()
}

pub fn expired(state: &AppState, name: &'static str, path: &'static str) -> Cookie<'static> {
    let mut c = cookie(state, name, String::new(), path);
    c.set_max_age(CookieDuration::ZERO);
    c
}

/// The session of the request. `json` chooses how an anonymous request is answered.
pub async fn current(req: &HttpRequest, state: &AppState, json: bool) -> Result<Session, AppError> {
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Err(AppError::Unauthenticated { json });
    };
    match state.store.find_session(&token_hash(cookie.value())).await? {
        Some(live) => Ok(Session {
            account: live.account.clone(),
            csrf: live.csrf.clone(),
        }),
        None => Err(AppError::Unauthenticated { json }),
    }
}

/// Checks a username and password; `None` for a wrong pair. The caller holds the
/// throttle's leave to check (see `throttle::verify`).
pub async fn verify(state: &AppState, username: &str, password: &str) -> Result<Option<Account>, AppError> {
    let account = state.store.find_account_by_name(username).await?;
    // An unknown name is checked against a stand-in hash, so timing tells nothing.
    let hash = account
        .as_ref()
        .map_or_else(|| state.stand_in_hash.clone(), |a| a.password_hash.clone());
    let password = password.to_owned();
    let matches = web::block(move || password_matches(&password, &hash))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("password check: {e}")))?;
    Ok(account.filter(|a| matches && !a.disabled))
}

/// Starts a new session (a new id at every sign-in); returns its cookie.
pub async fn start(state: &AppState, account: &Account) -> Result<Cookie<'static>, AppError> {
    // Sessions that ended by time go at each sign-in, so the table holds live ones only.
    state.store.purge_expired_sessions().await?;
    let token = random_token();
    let expires = chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS);
    let expires = expires.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    state
        .store
        .insert_session(&token_hash(&token), account.id, &random_token(), &expires)
        .await?;
    Ok(cookie(state, SESSION_COOKIE, token, "/"))
}

pub async fn end(req: &HttpRequest, state: &AppState) -> Result<(), AppError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        state.store.delete_session(&token_hash(cookie.value())).await?;
    }
    Ok(())
}

/// How long a token's "last used" time may lag: touching it on every request would
/// make every read a database write.
const LAST_USED_GRANULARITY_SECONDS: i64 = 60;

/// What an API request does: reading, or sending data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiAccess {
    Read,
    Write,
}

/// The caller of an API request. An `Authorization: Bearer` token acts as its account
/// within its scope, and needs no CSRF token (a browser never sends it by itself). A
/// browser's session cookie works too; sending data with it needs the session's CSRF
/// token in `X-CSRF-Token`, so another site cannot post on a user's behalf.
pub async fn api_caller(req: &HttpRequest, state: &AppState, access: ApiAccess) -> Result<Session, AppError> {
    let Some(header) = req.headers().get(actix_web::http::header::AUTHORIZATION) else {
        let session = current(req, state, true).await?;
        if access == ApiAccess::Write {
            let sent = req.headers().get("X-CSRF-Token").and_then(|v| v.to_str().ok());
            if sent != Some(session.csrf.as_str()) {
                return Err(AppError::BadCsrf);
            }
        }
        return Ok(session);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or(AppError::BadToken)?;
    let grant = state
        .store
        .find_api_token(&token_hash(token))
        .await?
        .ok_or(AppError::BadToken)?;
    if access == ApiAccess::Write && grant.scope == ApiScope::Read {
        return Err(AppError::InsufficientScope);
    }
    let stale = (chrono::Utc::now() - chrono::Duration::seconds(LAST_USED_GRANULARITY_SECONDS))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    if grant.last_used_at.as_deref().is_none_or(|at| at < stale.as_str()) {
        // Off the request's path: a busy writer (a large import) must not hold up a read.
        let store = state.store.clone();
        actix_web::rt::spawn(async move {
            if let Err(e) = store.touch_api_token(grant.token_id).await {
                tracing::warn!(error = %e, "cannot record an API token's use");
            }
        });
    }
    // A bearer caller has no session and so no CSRF token; nothing compares against it.
    Ok(Session {
        account: grant.account,
        csrf: String::new(),
    })
}
