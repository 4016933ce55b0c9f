//! Sign-in throttling and the queue for password checks.
//!
//! Failed sign-ins are counted per account name and per client address over a
//! sliding window; once either count reaches its limit, sign-ins for that name or
//! from that address answer 429 with Retry-After, before any password is checked,
//! until the oldest failure leaves the window. An attempt is counted *before* its
//! password is checked and released if it succeeds, so parallel guesses cannot race
//! past the limit. Each lockout is written to the audit log once.
//!
//! A browser that has signed in to an account before carries a signed device cookie
//! (OWASP's "device cookies"): its attempts for that account are counted on the
//! device alone and checked in a lane of their own, so a flood at the name, or from
//! many addresses, does not shut the owner out. Everyone else waits in a short,
//! bounded queue for one of two password checks, at most a few attempts per address
//! at once; past that the answer is 429 with Retry-After.
//!
//! Failures are counted in memory and in the database (`store::sign_ins`), which
//! every server shares: before a password is checked the database's counts for its
//! keys are read (a key found at its limit is then refused here without asking again
//! until its oldest failure leaves the window), and each failure is written to it. A
//! flood spread over several servers is limited as one; at most the checks in flight
//! on each server at once may pass a limit together.

use super::AppState;
use super::error::AppError;
use super::session;
use super::signing::{Purpose, Signer};
use super::telemetry::SignIn;
use crate::settings::SignInLimits;
use crate::store::{Account, Store};
use actix_web::HttpRequest;
use actix_web::cookie::Cookie;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Past this many names and addresses, those with no failure left in the window are
/// forgotten, so guessing many names cannot grow the table without bound.
const PRUNE_ABOVE: usize = 10_000;
/// Password checks at once in the general lane: argon2id is made to be slow, and the
/// machine has other work.
const GENERAL_CHECKS: usize = 2;
/// Attempts that may wait for a general check; past that they are turned away.
const MAX_WAITING: usize = 16;
/// How long an attempt waits in the general queue before it is turned away.
const GENERAL_WAIT: Duration = Duration::from_secs(3);
/// Attempts from one address checked or waiting at once (an office behind one NAT
/// signs in together; a flood from one address takes no more than this of the queue).
const PER_ADDRESS_AT_ONCE: usize = 4;
/// How long an attempt from a known device waits for its own lane.
const TRUSTED_WAIT: Duration = Duration::from_secs(5);
/// What a turned-away attempt is told to wait, in seconds.
const BUSY_RETRY_AFTER: u64 = 1;

/// The device cookie, sent only to the sign-in page.
pub const DEVICE_COOKIE: &str = "ys_device";
const DEVICE_DAYS: i64 = 365;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Account(String),
    Address(IpAddr),
    /// A device cookie's nonce.
    Device(String),
}

/// A sign-in attempt, counted as a failure on each of its keys until released.
#[derive(Debug)]
pub struct Attempt {
    keys: Vec<Key>,
    at: Instant,
    /// The keys this attempt brought to their limit: locked if it fails.
    locks: Vec<Key>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    General,
    Trusted,
}

#[derive(Debug)]
pub struct Throttle {
    per_account: usize,
    per_address: usize,
    window: Duration,
    behind_proxy: bool,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
    /// Keys the database found at their limit, until when.
    shared_locks: Mutex<HashMap<Key, Instant>>,
    general: Arc<Semaphore>,
    trusted: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
    at_once: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// Leave to check a password; the place in line is given back when dropped.
#[derive(Debug)]
pub struct Permit {
    _permit: OwnedSemaphorePermit,
    _slot: Option<AddressSlot>,
}

/// One of an address's places among the attempts checked or waiting at once.
#[derive(Debug)]
struct AddressSlot {
    address: IpAddr,
    at_once: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut at_once = lock(&self.at_once);
        if let Some(n) = at_once.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                at_once.remove(&self.address);
            }
        }
    }
}

/// Counts an attempt among those waiting, until dropped.
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves only counts behind: keep using them.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn busy() -> AppError {
    AppError::SignInBusy {
        retry_after: BUSY_RETRY_AFTER,
    }
}

impl Throttle {
    pub fn new(limits: &SignInLimits, behind_proxy: bool) -> Throttle {
        Throttle {
            per_account: limits.failures_per_account.get() as usize,
            per_address: limits.failures_per_address.get() as usize,
            window: Duration::from_secs(limits.window_seconds.get()),
            behind_proxy,
            failures: Mutex::default(),
            shared_locks: Mutex::default(),
            general: Arc::new(Semaphore::new(GENERAL_CHECKS)),
            trusted: Arc::new(Semaphore::new(1)),
            waiting: Arc::default(),
            at_once: Arc::default(),
        }
    }

    /// The keys an attempt without a known device is counted on. Names are counted
    /// whatever their case, so changing it buys no extra attempts.
    fn keys(&self, username: &str, address: Option<IpAddr>) -> Vec<(Key, usize)> {
        let mut keys = vec![(Key::Account(username.trim().to_lowercase()), self.per_account)];
        keys.extend(address.map(|a| (Key::Address(a), self.per_address)));
        keys
    }

    /// Counts an attempt on `keys` unless one of them is at its limit already; then
    /// the wait until it is free again.
    pub fn reserve(&self, keys: &[(Key, usize)], now: Instant) -> Result<Attempt, Duration> {
        let shared_wait = {
            let mut shared = lock(&self.shared_locks);
            shared.retain(|_, until| *until > now);
            keys.iter()
                .filter_map(|(key, _)| shared.get(key))
                .max()
                .map(|until| *until - now)
        };
        if let Some(wait) = shared_wait {
            return Err(wait);
        }
        let mut failures = lock(&self.failures);
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, times| {
                forget_before(times, now, self.window);
                !times.is_empty()
            });
        }
        let wait = keys
            .iter()
            .filter_map(|(key, limit)| {
                let times = failures.get_mut(key)?;
                forget_before(times, now, self.window);
                let oldest = *times.front()?;
                (times.len() >= *limit).then(|| (oldest + self.window).saturating_duration_since(now))
            })
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        let mut locks = Vec::new();
        for (key, limit) in keys {
            let times = failures.entry(key.clone()).or_default();
            times.push_back(now);
            if times.len() == *limit {
                locks.push(key.clone());
            }
        }
        Ok(Attempt {
            keys: keys.iter().map(|(key, _)| key.clone()).collect(),
            at: now,
            locks,
        })
    }

    /// Takes back an attempt that was not a failure: one that succeeded, or was never
    /// checked.
    pub fn release(&self, attempt: &Attempt) {
        let mut failures = lock(&self.failures);
        for key in &attempt.keys {
            if let Some(times) = failures.get_mut(key) {
                if let Some(i) = times.iter().rposition(|t| *t == attempt.at) {
                    times.remove(i);
                }
                if times.is_empty() {
                    failures.remove(key);
                }
            }
        }
    }

    /// Clears the account's count after a successful sign-in; the address keeps its own.
    pub fn succeeded(&self, username: &str) {
        lock(&self.failures).remove(&Key::Account(username.trim().to_lowercase()));
    }

    /// The limit of failures on `key`.
    fn limit(&self, key: &Key) -> usize {
        match key {
            Key::Account(_) | Key::Device(_) => self.per_account,
            Key::Address(_) => self.per_address,
        }
    }

    /// How long the attempt must wait by the counts every server shares, if a key
    /// of it is at its limit there; such a key is then refused here until it is free.
    async fn shared_wait(&self, store: &Store, attempt: &Attempt) -> Result<Option<Duration>, AppError> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let window_ms = self.window.as_millis() as i64;
        let names: Vec<String> = attempt.keys.iter().map(stored_key).collect();
        let counts = store.sign_in_failures(&names, now_ms - window_ms).await?;
        let mut wait = None;
        for (key, name) in attempt.keys.iter().zip(&names) {
            let Some(count) = counts.iter().find(|c| &c.key == name) else {
                continue;
            };
            if count.count as usize >= self.limit(key) {
                let until = Duration::from_millis((count.oldest_ms + window_ms - now_ms).max(1) as u64);
                lock(&self.shared_locks).insert(key.clone(), Instant::now() + until);
                wait = wait.max(Some(until));
            }
        }
        Ok(wait)
    }

    /// Tells every server of a failure on the attempt's keys. A database that cannot
    /// be written leaves this server's own count, which still holds.
    async fn share_failure(&self, store: &Store, attempt: &Attempt) {
        let now_ms = chrono::Utc::now().timestamp_millis();
        let names: Vec<String> = attempt.keys.iter().map(stored_key).collect();
        let before_ms = now_ms - self.window.as_millis() as i64;
        if let Err(error) = store.record_sign_in_failure(&names, now_ms, before_ms).await {
            tracing::warn!(%error, "a failed sign-in could not be shared with the other servers");
        }
    }

    /// Waits for leave to check a password in `lane`, or turns the attempt away.
    async fn permit(&self, lane: Lane, address: Option<IpAddr>) -> Result<Permit, AppError> {
        if lane == Lane::Trusted {
            let permit = tokio::time::timeout(TRUSTED_WAIT, self.trusted.clone().acquire_owned())
                .await
                .map_err(|_| busy())?
                .map_err(|e| AppError::Internal(anyhow::anyhow!("password permits: {e}")))?;
            return Ok(Permit {
                _permit: permit,
                _slot: None,
            });
        }
        let slot = self.address_slot(address)?;
        let waiting = self.join_queue()?;
        // The semaphore hands out permits in the order they were asked for.
        let permit = tokio::time::timeout(GENERAL_WAIT, self.general.clone().acquire_owned())
            .await
            .map_err(|_| busy())?
            .map_err(|e| AppError::Internal(anyhow::anyhow!("password permits: {e}")))?;
        drop(waiting);
        Ok(Permit {
            _permit: permit,
            _slot: slot,
        })
    }

    /// One of `address`'s places among the attempts at once, if it has one left.
    fn address_slot(&self, address: Option<IpAddr>) -> Result<Option<AddressSlot>, AppError> {
        let Some(address) = address else { return Ok(None) };
        let mut at_once = lock(&self.at_once);
        let n = at_once.entry(address).or_default();
        if *n >= PER_ADDRESS_AT_ONCE {
            return Err(busy());
        }
        *n += 1;
        Ok(Some(AddressSlot {
            address,
            at_once: Arc::clone(&self.at_once),
        }))
    }

    /// A place in the general queue, if it is not full.
    fn join_queue(&self) -> Result<Waiting, AppError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy());
        }
        Ok(Waiting(Arc::clone(&self.waiting)))
    }

    /// Leave to hash a password (a new account's), in the general lane's order.
    pub async fn hashing_permit(&self) -> Result<OwnedSemaphorePermit, AppError> {
        self.general
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("password permits: {e}")))
    }
}

/// How a key is written in the database's shared counts.
fn stored_key(key: &Key) -> String {
    match key {
        Key::Account(name) => format!("account:{name}"),
        Key::Address(address) => format!("address:{address}"),
        Key::Device(nonce) => format!("device:{nonce}"),
    }
}

fn forget_before(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

/// The client's address: the peer's, or behind our proxy the last `X-Forwarded-For`
/// entry, the one the proxy appended (earlier entries are whatever the client sent).
fn client_address(req: &HttpRequest, behind_proxy: bool) -> Option<IpAddr> {
    let forwarded = behind_proxy
        .then(|| req.headers().get_all("x-forwarded-for").last())
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|last| last.trim().parse().ok());
    forwarded.or_else(|| req.peer_addr().map(|a| a.ip()))
}

/// The nonce of the request's device cookie, if the server signed it for `username`.
fn known_device(req: &HttpRequest, signer: &Signer, username: &str) -> Option<String> {
    let cookie = req.cookie(DEVICE_COOKIE)?;
    let message = signer.open(Purpose::Device, cookie.value())?;
    let (name, nonce) = message.split_once('|')?;
    (name == username.trim().to_lowercase()).then(|| nonce.to_owned())
}

/// A device cookie for the account just signed in to from this browser.
pub async fn device_cookie(state: &AppState, username: &str) -> Result<Cookie<'static>, AppError> {
    let message = format!(
        "{}|{}",
        username.trim().to_lowercase(),
        crate::credentials::random_token()
    );
    let value = state.signer().await?.seal(Purpose::Device, &message);
    let mut cookie = session::cookie(state, DEVICE_COOKIE, value, "/login");
    cookie.set_max_age(actix_web::cookie::time::Duration::days(DEVICE_DAYS));
    Ok(cookie)
}

/// `session::verify` behind the throttle: refused with 429 while locked out or while
/// the queue is full, counted and, on reaching a limit, recorded in the audit log.
pub async fn verify(
    state: &AppState,
    req: &HttpRequest,
    username: &str,
    password: &str,
) -> Result<Option<Account>, AppError> {
    let throttle = &state.throttle;
    let address = client_address(req, throttle.behind_proxy);
    let now = Instant::now();
    // A known device is counted on its own; locked out, it is a stranger again.
    let trusted = known_device(req, state.signer().await?, username).and_then(|nonce| {
        throttle
            .reserve(&[(Key::Device(nonce), throttle.per_account)], now)
            .ok()
    });
    let (attempt, lane) = match trusted {
        Some(attempt) => (attempt, Lane::Trusted),
        None => match throttle.reserve(&throttle.keys(username, address), now) {
            Ok(attempt) => (attempt, Lane::General),
            Err(wait) => {
                state.telemetry.sign_in(SignIn::Throttled);
                // Whole seconds, rounded up: a client that waits that long is let in.
                let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                return Err(AppError::SignInLocked {
                    retry_after: retry_after.max(1),
                });
            }
        },
    };
    let shared = throttle.shared_wait(&state.store, &attempt).await;
    if !matches!(shared, Ok(None)) {
        throttle.release(&attempt);
        let wait = shared?.unwrap_or_default();
        state.telemetry.sign_in(SignIn::Throttled);
        return Err(AppError::SignInLocked {
            retry_after: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
        });
    }
    let checked = match throttle.permit(lane, address).await {
        Ok(permit) => {
            let checked = session::verify(state, username, password).await;
            drop(permit);
            checked
        }
        Err(error) => Err(error),
    };
    let account = match checked {
        Ok(account) => account,
        Err(error) => {
            // Turned away or failed on our side: no password was judged wrong.
            throttle.release(&attempt);
            if matches!(error, AppError::SignInBusy { .. }) {
                state.telemetry.sign_in(SignIn::Throttled);
            }
            return Err(error);
        }
    };
    if account.is_some() {
        throttle.release(&attempt);
        // From a known device only the device's count clears: a flood at the name
        // keeps the name locked for everyone else.
        if lane == Lane::General {
            throttle.succeeded(username);
            let account = stored_key(&Key::Account(username.trim().to_lowercase()));
            if let Err(error) = state.store.clear_sign_in_failures(&account).await {
                tracing::warn!(%error, "a sign-in's earlier failures could not be cleared for the other servers");
            }
        }
        state.telemetry.sign_in(SignIn::Succeeded);
        return Ok(account);
    }
    state.telemetry.sign_in(SignIn::Failed);
    throttle.share_failure(&state.store, &attempt).await;
    for key in &attempt.locks {
        let (entity, locked) = match key {
            Key::Account(name) => ("account", name.clone()),
            Key::Address(ip) => ("client_address", ip.to_string()),
            Key::Device(_) => ("account", username.trim().to_lowercase()),
        };
        tracing::warn!(entity, locked, "sign-ins locked out after too many failures");
        let detail = format!(
            "too many failed sign-ins; locked for up to {} s",
            throttle.window.as_secs()
        );
        state
            .audit
            .record(username, "login_locked", entity, &locked, Some(detail))
            .await;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::{NonZeroU32, NonZeroU64};

    fn throttle(per_account: u32, per_address: u32, window: u64) -> Throttle {
        Throttle::new(
            &SignInLimits {
                failures_per_account: NonZeroU32::new(per_account).expect("not zero"),
                failures_per_address: NonZeroU32::new(per_address).expect("not zero"),
                window_seconds: NonZeroU64::new(window).expect("not zero"),
            },
            false,
        )
    }

    const HOME: Option<IpAddr> = Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    /// An attempt that fails: reserved and never released.
    fn fail(throttle: &Throttle, name: &str, at: Instant) -> Result<Vec<Key>, Duration> {
        throttle.reserve(&throttle.keys(name, HOME), at).map(|a| a.locks)
    }

    fn wait(throttle: &Throttle, name: &str, at: Instant) -> Option<Duration> {
        match throttle.reserve(&throttle.keys(name, HOME), at) {
            Ok(attempt) => {
                throttle.release(&attempt);
                None
            }
            Err(wait) => Some(wait),
        }
    }

    #[test]
    fn the_third_failure_locks_the_name_until_the_first_leaves_the_window() {
        let throttle = throttle(3, 100, 60);
        let t0 = Instant::now();
        let s = Duration::from_secs;
        assert_eq!(fail(&throttle, "rep.p002", t0), Ok(vec![]));
        assert_eq!(fail(&throttle, "rep.p002", t0 + s(10)), Ok(vec![]));
        assert_eq!(
            wait(&throttle, "rep.p002", t0 + s(15)),
            None,
            "two failures are allowed"
        );
        let locked = fail(&throttle, "REP.p002", t0 + s(20));
        assert_eq!(
            locked,
            Ok(vec![Key::Account("rep.p002".into())]),
            "case does not matter"
        );
        assert_eq!(wait(&throttle, "rep.p002", t0 + s(20)), Some(s(40)));
        assert_eq!(wait(&throttle, "rep.p002", t0 + s(59)), Some(s(1)));
        assert_eq!(
            wait(&throttle, "rep.p002", t0 + s(60)),
            None,
            "the first failure has left the window"
        );
        assert_eq!(wait(&throttle, "rep.p003", t0 + s(20)), None, "another name is free");
    }

    #[test]
    fn parallel_attempts_are_counted_before_their_passwords_so_none_races_past_the_limit() {
        let throttle = throttle(5, 20, 60);
        let t0 = Instant::now();
        // Eight attempts at once, none of them checked yet.
        let attempts: Vec<_> = (0..8)
            .map(|_| throttle.reserve(&throttle.keys("hr", HOME), t0))
            .collect();
        assert_eq!(attempts.iter().filter(|a| a.is_ok()).count(), 5);
        // From one address, under many names: twenty, not twenty-one.
        let throttle = self::throttle(5, 20, 60);
        let guesses = (0..30)
            .filter(|i| throttle.reserve(&throttle.keys(&format!("name{i}"), HOME), t0).is_ok())
            .count();
        assert_eq!(guesses, 20);
    }

    #[test]
    fn a_success_clears_the_names_count_but_not_the_addresss() {
        let throttle = throttle(2, 3, 60);
        let t0 = Instant::now();
        fail(&throttle, "rep.p002", t0).expect("free");
        let attempt = throttle.reserve(&throttle.keys("rep.p002", HOME), t0).expect("free");
        throttle.release(&attempt);
        throttle.succeeded("rep.p002");
        assert_eq!(fail(&throttle, "rep.p002", t0), Ok(vec![]), "the count starts again");
        let locked = fail(&throttle, "hr", t0);
        assert_eq!(
            locked,
            Ok(vec![Key::Address(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))])
        );
        assert_eq!(
            wait(&throttle, "admin", t0),
            Some(Duration::from_secs(60)),
            "the address is locked for every name"
        );
        let stranger = throttle.reserve(&[(Key::Account("admin".into()), 2)], t0);
        assert!(stranger.is_ok(), "unknown addresses are not pooled");
    }

    #[test]
    fn a_released_attempt_leaves_no_count_behind() {
        let throttle = throttle(1, 100, 60);
        let t0 = Instant::now();
        let attempt = throttle.reserve(&throttle.keys("hr", HOME), t0).expect("free");
        assert!(
            throttle.reserve(&throttle.keys("hr", HOME), t0).is_err(),
            "one at a time at limit 1"
        );
        throttle.release(&attempt);
        assert!(throttle.reserve(&throttle.keys("hr", HOME), t0).is_ok());
    }

    #[test]
    fn a_known_device_is_counted_on_its_own() {
        let throttle = throttle(2, 100, 60);
        let t0 = Instant::now();
        fail(&throttle, "hr", t0).expect("free");
        fail(&throttle, "hr", t0).expect("free");
        assert!(wait(&throttle, "hr", t0).is_some(), "the name is locked");
        let device = [(Key::Device("nonce".into()), 2)];
        assert!(throttle.reserve(&device, t0).is_ok(), "its owner's browser is not");
    }

    #[test]
    fn behind_a_proxy_the_last_forwarded_address_is_the_clients() {
        let peer: std::net::SocketAddr = "10.0.0.9:40000".parse().expect("an address");
        let req = actix_web::test::TestRequest::default()
            .peer_addr(peer)
            .insert_header(("X-Forwarded-For", "6.6.6.6, 203.0.113.7"))
            .to_http_request();
        let client: IpAddr = "203.0.113.7".parse().expect("an address");
        assert_eq!(client_address(&req, true), Some(client), "the entry our proxy appended");
        assert_eq!(
            client_address(&req, false),
            Some(peer.ip()),
            "the header is not trusted"
        );
        let garbled = actix_web::test::TestRequest::default()
            .peer_addr(peer)
            .insert_header(("X-Forwarded-For", "not an address"))
            .to_http_request();
        assert_eq!(client_address(&garbled, true), Some(peer.ip()));
    }

    #[test]
    fn a_lockout_is_reported_once() {
        let throttle = throttle(1, 100, 60);
        let t0 = Instant::now();
        assert_eq!(fail(&throttle, "hr", t0).map(|l| l.len()), Ok(1));
        assert!(
            fail(&throttle, "hr", t0).is_err(),
            "the next is refused, not reported again"
        );
    }

    #[test]
    fn the_general_queue_turns_away_past_its_bounds() {
        let throttle = throttle(100, 100, 60);
        let flood: IpAddr = "203.0.113.9".parse().expect("an address");
        let slots: Vec<_> = (0..PER_ADDRESS_AT_ONCE)
            .map(|_| throttle.address_slot(Some(flood)).expect("a place"))
            .collect();
        assert!(matches!(
            throttle.address_slot(Some(flood)),
            Err(AppError::SignInBusy { retry_after: 1 })
        ));
        assert!(
            throttle.address_slot(HOME).is_ok(),
            "another address has its own places"
        );
        drop(slots);
        assert!(throttle.address_slot(Some(flood)).is_ok(), "places are given back");

        let queue: Vec<_> = (0..MAX_WAITING)
            .map(|_| throttle.join_queue().expect("a place"))
            .collect();
        assert!(matches!(throttle.join_queue(), Err(AppError::SignInBusy { .. })));
        drop(queue);
        assert!(throttle.join_queue().is_ok());
    }
}
