//! Sign-in throttling. Failed sign-ins are counted per account name and per client
//! address over a sliding window; once either count reaches its limit, sign-ins for
//! that name or from that address answer 429 with Retry-After, before any password is
//! checked, until the oldest failure leaves the window. A successful sign-in clears
//! the account's count. Each lockout is written to the audit log once.
//!
//! Kept in memory: a restart forgets the counts, and each server counts on its own.

use super::AppState;
use super::error::AppError;
use super::session;
use super::telemetry::SignIn;
use crate::settings::SignInLimits;
use crate::store::Account;
use actix_web::HttpRequest;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many names and addresses, those with no failure left in the window are
/// forgotten, so guessing many names cannot grow the table without bound.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug)]
pub struct Throttle {
    per_account: usize,
    per_address: usize,
    window: Duration,
    behind_proxy: bool,
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl Throttle {
    pub fn new(limits: &SignInLimits, behind_proxy: bool) -> Throttle {
        Throttle {
            per_account: limits.failures_per_account.get() as usize,
            per_address: limits.failures_per_address.get() as usize,
            window: Duration::from_secs(limits.window_seconds.get()),
            behind_proxy,
            failures: Mutex::default(),
        }
    }

    /// Names are counted whatever their case, so changing it buys no extra attempts.
    fn keys(&self, username: &str, address: Option<IpAddr>) -> impl Iterator<Item = (Key, usize)> {
        let account = (Key::Account(username.trim().to_lowercase()), self.per_account);
        let address = address.map(|a| (Key::Address(a), self.per_address));
        std::iter::once(account).chain(address)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, VecDeque<Instant>>> {
        // A panic while holding the lock leaves only counts behind: keep using them.
        self.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long `username` from `address` must wait before trying again; `None`: not at all.
    pub fn wait(&self, username: &str, address: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let mut failures = self.lock();
        self.keys(username, address)
            .filter_map(|(key, limit)| {
                let times = failures.get_mut(&key)?;
                forget_before(times, now, self.window);
                let oldest = *times.front()?;
                (times.len() >= limit).then(|| (oldest + self.window).saturating_duration_since(now))
            })
            .max()
    }

    /// Counts a failed sign-in; returns the names and addresses it locked out.
    pub fn failed(&self, username: &str, address: Option<IpAddr>, now: Instant) -> Vec<Key> {
        let mut failures = self.lock();
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, times| {
                forget_before(times, now, self.window);
                !times.is_empty()
            });
        }
        self.keys(username, address)
            .filter(|(key, limit)| {
                let times = failures.entry(key.clone()).or_default();
                forget_before(times, now, self.window);
                times.push_back(now);
                // Exactly at the limit: the failure that locked it, reported once.
                times.len() == *limit
            })
            .map(|(key, _)| key)
            .collect()
    }

    /// Clears the account's count after a successful sign-in; the address keeps its own.
    pub fn succeeded(&self, username: &str) {
        self.lock().remove(&Key::Account(username.trim().to_lowercase()));
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

/// `session::verify` behind the throttle: refused with 429 while locked out, counted
/// and, on reaching a limit, recorded in the audit log.
pub async fn verify(
    state: &AppState,
    req: &HttpRequest,
    username: &str,
    password: &str,
) -> Result<Option<Account>, AppError> {
    let address = client_address(req, state.throttle.behind_proxy);
    if let Some(wait) = state.throttle.wait(username, address, Instant::now()) {
        state.telemetry.sign_in(SignIn::Throttled);
        // Whole seconds, rounded up: a client that waits that long is let in.
        let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return Err(AppError::SignInLocked {
            retry_after: retry_after.max(1),
        });
    }
    let account = session::verify(state, username, password).await?;
    if account.is_some() {
        state.throttle.succeeded(username);
        state.telemetry.sign_in(SignIn::Succeeded);
        return Ok(account);
    }
    state.telemetry.sign_in(SignIn::Failed);
    for key in state.throttle.failed(username, address, Instant::now()) {
        let (entity, locked) = match &key {
            Key::Account(name) => ("account", name.clone()),
            Key::Address(ip) => ("client_address", ip.to_string()),
        };
        tracing::warn!(entity, locked, "sign-ins locked out after too many failures");
        let detail = format!(
            "too many failed sign-ins; locked for up to {} s",
            state.throttle.window.as_secs()
        );
        state
            .store
            .record(username, "login_locked", entity, &locked, Some(detail))
            .await?;
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

    #[test]
    fn the_third_failure_locks_the_name_until_the_first_leaves_the_window() {
        let throttle = throttle(3, 100, 60);
        let t0 = Instant::now();
        let s = Duration::from_secs;
        assert!(throttle.failed("rep.p002", HOME, t0).is_empty());
        assert!(throttle.failed("rep.p002", HOME, t0 + s(10)).is_empty());
        assert_eq!(
            throttle.wait("rep.p002", HOME, t0 + s(15)),
            None,
            "two failures are allowed"
        );
        let locked = throttle.failed("REP.p002", HOME, t0 + s(20));
        assert_eq!(locked, vec![Key::Account("rep.p002".into())], "case does not matter");
        assert_eq!(throttle.wait("rep.p002", HOME, t0 + s(20)), Some(s(40)));
        assert_eq!(throttle.wait("rep.p002", HOME, t0 + s(59)), Some(s(1)));
        assert_eq!(
            throttle.wait("rep.p002", HOME, t0 + s(60)),
            None,
            "the first failure has left the window"
        );
        assert_eq!(
            throttle.wait("rep.p003", HOME, t0 + s(20)),
            None,
            "another name is free"
        );
    }

    #[test]
    fn a_success_clears_the_names_count_but_not_the_addresss() {
        let throttle = throttle(2, 3, 60);
        let t0 = Instant::now();
        throttle.failed("rep.p002", HOME, t0);
        throttle.succeeded("rep.p002");
        assert!(
            throttle.failed("rep.p002", HOME, t0).is_empty(),
            "the count starts again"
        );
        let locked = throttle.failed("hr", HOME, t0);
        assert_eq!(locked, vec![Key::Address(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))]);
        assert_eq!(
            throttle.wait("admin", HOME, t0),
            Some(Duration::from_secs(60)),
            "the address is locked for every name"
        );
        assert_eq!(
            throttle.wait("admin", None, t0),
            None,
            "unknown addresses are not pooled"
        );
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
        assert_eq!(throttle.failed("hr", HOME, t0).len(), 1);
        assert!(
            throttle.failed("hr", HOME, t0).is_empty(),
            "a failure racing past the check adds no second report"
        );
    }
}
