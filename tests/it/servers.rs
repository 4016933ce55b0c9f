//! Several `yardstick serve` processes on one database, as behind a load balancer:
//! what one server learns (a failed sign-in, a session, a revoked token, new data)
//! holds at the others.

use crate::helpers::{Server, serve, yardstick};
use crate::server::hidden_csrf;
use crate::store::{databases, import_demo};
use reqwest::StatusCode;
use std::time::{Duration, Instant};

const PASSWORD: &str = "a-long-enough-password";

fn add_account(url: &str, username: &str, role: &str) {
    yardstick()
        .args(["--database", url, "user", "add", "--username", username, "--role", role])
        .write_stdin(format!("{PASSWORD}\n"))
        .assert()
        .success();
}

fn add_token(url: &str, username: &str, scope: &str, name: &str) -> String {
    let added = yardstick()
        .args(["--database", url, "token", "add", "--username", username])
        .args(["--scope", scope, "--name", name])
        .assert()
        .success();
    String::from_utf8_lossy(&added.get_output().stdout).trim().to_owned()
}

/// Polls `check` every 100 ms until it holds; how long that took, or a panic after 10 s.
async fn within<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) -> Duration {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if check().await {
            return started.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen within 10 s");
}

async fn sign_in(server: &Server, client: &reqwest::Client, username: &str, password: &str) -> StatusCode {
    let page = client
        .get(format!("{}/login", server.address))
        .send()
        .await
        .expect("GET /login")
        .text()
        .await
        .expect("a page");
    client
        .post(format!("{}/login", server.address))
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &hidden_csrf(&page)),
        ])
        .send()
        .await
        .expect("POST /login")
        .status()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

async fn get(server: &Server, client: &reqwest::Client, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = client.get(format!("{}{path}", server.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("a GET")
}

/// p002's total for October as server `server` answers it now.
async fn total(server: &Server, token: &str) -> f64 {
    let card: serde_json::Value = get(server, &client(), "/api/v1/scorecards/p002?period=2026-10", Some(token))
        .await
        .json()
        .await
        .expect("JSON");
    card["card"]["total"]
        .as_f64()
        .unwrap_or_else(|| panic!("a total: {card}"))
}

#[test]
fn two_servers_share_sign_in_counts_sessions_token_revocation_and_new_data() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for url in databases(dir.path()) {
        crate::store::runtime().block_on(two_servers_on(&url, dir.path()));
    }
}

async fn two_servers_on(url: &str, dir: &std::path::Path) {
    import_demo(url);
    add_account(url, "hr", "hr");
    add_account(url, "flooded", "hr");
    let reader = add_token(url, "hr", "read", "dashboard");
    let writer = add_token(url, "hr", "write", "crm");
    let env = [
        ("YARDSTICK_SIGN_IN_FAILURES_PER_ACCOUNT", "4"),
        ("YARDSTICK_SIGN_IN_WINDOW_SECONDS", "600"),
    ];
    let (a, b) = (serve(url, dir, &[], &env), serve(url, dir, &[], &env));

    // A session begun at one server is good at the other; ended there, it ends here.
    let browser = client();
    assert_eq!(
        sign_in(&a, &browser, "hr", PASSWORD).await,
        StatusCode::SEE_OTHER,
        "{url}"
    );
    assert_eq!(
        get(&b, &browser, "/scorecards/p002", None).await.status(),
        StatusCode::OK
    );
    let page = get(&b, &browser, "/scorecards/p002", None)
        .await
        .text()
        .await
        .expect("a page");
    let logout = browser
        .post(format!("{}/logout", b.address))
        .form(&[("csrf", hidden_csrf(&page))])
        .send()
        .await
        .expect("POST /logout");
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    within("the session ending at the other server", || async {
        get(&a, &browser, "/scorecards/p002", None).await.status() == StatusCode::SEE_OTHER
    })
    .await;

    // Data sent to one server is scored by the other within 2 s.
    let before = total(&b, &reader).await;
    let sent = client()
        .post(format!("{}/api/v1/metrics", a.address))
        .bearer_auth(&writer)
        .json(&serde_json::json!({ "rows": [{ "subject": "p002", "period": "2026-10", "metric": "complaints", "value": 7 }] }))
        .send()
        .await
        .expect("POST /api/v1/metrics");
    assert_eq!(
        sent.status(),
        StatusCode::OK,
        "{}",
        sent.text().await.unwrap_or_default()
    );
    let took = within("the other server scoring the new data", || async {
        total(&b, &reader).await != before
    })
    .await;
    assert!(took < Duration::from_secs(2), "seen after {took:?}");

    // A token revoked (here from the command line) is refused by every server.
    assert_eq!(
        get(&b, &client(), "/api/v1/teams", Some(&reader)).await.status(),
        StatusCode::OK
    );
    yardstick()
        .args(["--database", url, "token", "revoke", "--name", "dashboard"])
        .assert()
        .success();
    for server in [&a, &b] {
        within("the revoked token refused", || async {
            get(server, &client(), "/api/v1/teams", Some(&reader)).await.status() == StatusCode::UNAUTHORIZED
        })
        .await;
    }

    // Four failures for one name, two at each server: the name is locked at both,
    // though each server saw only two.
    for server in [&a, &b, &a, &b] {
        let status = sign_in(server, &client(), "flooded", "wrong-password").await;
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS, "{url}");
    }
    for server in [&a, &b] {
        let status = sign_in(server, &client(), "flooded", PASSWORD).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "even the right password waits: {url}"
        );
    }
    // Another name is not held up.
    assert_eq!(sign_in(&b, &client(), "hr", PASSWORD).await, StatusCode::SEE_OTHER);
}
