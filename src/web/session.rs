//! Sign-in, sessions and CSRF. Sessions live in the database (only a hash of each
//! token), so signing out or disabling an account ends them at once; passwords are
//! checked with argon2id off the async workers, a few at a time.

use super::AppState;
use super::error::AppError;
use crate::store::Account;
use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::{HttpRequest, web};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "ys_session";
pub const LOGIN_COOKIE: &str = "ys_login";
const SESSION_HOURS: i64 = 12;

/// A signed-in user and the CSRF token their forms carry.
#[derive(Debug, Clone)]
pub struct Session {
    pub account: Account,
    pub csrf: String,
}

/// 256 random bits, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn token_hash(token: &str) -> String {
    format!("{:x}", Sha256::digest(token.as_bytes()))
}

/// An argon2id hash (PHC string) of `password`.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("cannot make a salt: {e}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))
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
        Some((account, csrf)) => Ok(Session { account, csrf }),
        None => Err(AppError::Unauthenticated { json }),
    }
}

/// Checks a username and password; `None` for a wrong pair. Bounded: when all
/// permits are taken the caller gets 429 before the CPU is.
pub async fn verify(state: &AppState, username: &str, password: &str) -> Result<Option<Account>, AppError> {
    let Ok(_permit) = state.password_checks.clone().try_acquire_owned() else {
        return Err(AppError::TooManyRequests);
    };
    let account = state.store.find_account_by_name(username).await?;
    // An unknown name is checked against a stand-in hash, so timing tells nothing.
    let hash = account
        .as_ref()
        .map_or_else(|| state.stand_in_hash.clone(), |a| a.password_hash.clone());
    let password = password.to_owned();
    let matches = web::block(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("password check: {e}")))?;
    Ok(account.filter(|a| matches && !a.disabled))
}

/// Starts a new session (a new id at every sign-in); returns its cookie.
pub async fn start(state: &AppState, account: &Account) -> Result<Cookie<'static>, AppError> {
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
