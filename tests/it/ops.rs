//! Operating the server: request ids, /metrics, sign-in throttling, and the
//! configuration file read by the binary.

use crate::helpers::{root, write};
use crate::server::{TestApp, hidden_csrf, spawn_app, spawn_app_with};
use reqwest::StatusCode;
use yardstick::demo::DEMO_PASSWORD;
use yardstick::settings::Settings;

const METRICS_TOKEN: &str = "scrape-me-please";

async fn app_with_metrics(token: Option<&str>) -> TestApp {
    let mut settings = Settings::default();
    settings.metrics.enabled = true;
    settings.metrics.token = token.map(Into::into);
    spawn_app_with(settings).await
}

async fn metrics(app: &TestApp) -> String {
    let response = app
        .client()
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().expect("ASCII").to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    response.text().await.expect("the metrics")
}

/// The value of the sample `name{labels}`, or 0 when there is none yet.
fn sample(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

fn request_id(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"].to_str().expect("ASCII").to_owned()
}

#[tokio::test]
async fn a_plain_request_id_is_echoed_and_a_missing_or_odd_one_is_made_anew() {
    let app = spawn_app().await;
    let client = app.client();
    let healthz = format!("{}/healthz", app.address);
    let given = client
        .get(&healthz)
        .header("X-Request-Id", "edge-7f3a.42")
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(request_id(&given), "edge-7f3a.42");

    let first = request_id(&client.get(&healthz).send().await.expect("GET /healthz"));
    let second = request_id(&client.get(&healthz).send().await.expect("GET /healthz"));
    assert_eq!(first.len(), 32, "{first}");
    assert!(first.chars().all(|c| c.is_ascii_hexdigit()), "{first}");
    assert_ne!(first, second, "every request gets its own");

    let odd = client
        .get(&healthz)
        .header("X-Request-Id", "x".repeat(200))
        .send()
        .await
        .expect("GET /healthz");
    assert_eq!(request_id(&odd).len(), 32, "an overlong id is replaced");

    let refused = app
        .client()
        .get(format!("{}/scorecards/p002", app.address))
        .send()
        .await
        .expect("GET");
    assert_eq!(refused.status(), StatusCode::SEE_OTHER);
    assert_eq!(request_id(&refused).len(), 32, "redirects and errors carry one too");
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_never_name_a_person() {
    let app = app_with_metrics(None).await;
    let before = metrics(&app).await;
    assert!(before.contains("yardstick_build_info{version=\""), "{before}");
    assert_eq!(sample(&before, "yardstick_sign_ins_total{outcome=\"succeeded\"}"), 0.0);

    let client = app.signed_in("rep.p002").await;
    for path in [
        "/scorecards/p002?period=2026-10",
        "/scorecards/p002?period=2026-10",
        "/scorecards/p003?period=2026-10",
    ] {
        client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("a card");
    }
    let wrong = app.sign_in(&app.client(), "rep.p003", "not-the-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let after = metrics(&app).await;
    let cards = |status: u16| {
        sample(
            &after,
            &format!(
                "yardstick_http_requests_total{{route=\"/scorecards/{{subject}}\",method=\"GET\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(cards(200), 2.0, "{after}");
    assert_eq!(cards(404), 1.0, "another's card, counted under the same pattern");
    assert_eq!(
        sample(
            &after,
            "yardstick_http_requests_total{route=\"/login\",method=\"POST\",status=\"303\"}"
        ),
        1.0
    );
    assert_eq!(
        sample(
            &after,
            "yardstick_http_request_duration_seconds_count{route=\"/scorecards/{subject}\",method=\"GET\"}"
        ),
        3.0
    );
    assert_eq!(sample(&after, "yardstick_sign_ins_total{outcome=\"succeeded\"}"), 1.0);
    assert_eq!(sample(&after, "yardstick_sign_ins_total{outcome=\"failed\"}"), 1.0);
    // The first view scores October and the five months before it (the card's
    // sparklines, kept as their figures; October's are its own); the second reads all
    // six from the cache, and so does the refusal (October only).
    assert_eq!(
        sample(&after, "yardstick_score_cache_total{outcome=\"miss\"}"),
        6.0,
        "{after}"
    );
    assert_eq!(
        sample(&after, "yardstick_score_cache_total{outcome=\"hit\"}"),
        7.0,
        "{after}"
    );
    assert_eq!(sample(&after, "yardstick_scoring_duration_seconds_count"), 6.0);
    assert!(
        sample(
            &after,
            "yardstick_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\"}"
        ) >= 1.0,
        "{after}"
    );
    assert!(
        !after.contains("p002") && !after.contains("p003"),
        "no ids in series: {after}"
    );
}

#[tokio::test]
async fn metrics_are_not_served_unless_enabled_and_then_only_to_the_token() {
    let app = spawn_app().await;
    assert_eq!(app.status(&app.client(), "/metrics").await, StatusCode::NOT_FOUND);

    let app = app_with_metrics(Some(METRICS_TOKEN)).await;
    let url = format!("{}/metrics", app.address);
    let client = app.client();
    let anonymous = client.get(&url).send().await.expect("GET /metrics");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let wrong = client
        .get(&url)
        .bearer_auth("guess")
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = client
        .get(&url)
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .expect("GET /metrics");
    assert_eq!(right.status(), StatusCode::OK);
    assert!(
        right
            .text()
            .await
            .expect("text")
            .contains("yardstick_http_requests_total")
    );

    // A token configured empty opens to nobody, not to everybody.
    let app = app_with_metrics(Some("")).await;
    let url = format!("{}/metrics", app.address);
    for request in [
        app.client().get(&url),
        app.client().get(&url).header("Authorization", "Bearer "),
    ] {
        let response = request.send().await.expect("GET /metrics");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_even_for_the_right_one_and_leave_others_alone() {
    let app = app_with_metrics(None).await;
    let client = app.client();
    // The default limit: five failures per account name in fifteen minutes.
    for attempt in 1..=5 {
        let response = app.sign_in(&client, "rep.p002", "not-the-password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    for _ in 0..2 {
        let locked = app.sign_in(&client, "rep.p002", DEMO_PASSWORD).await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = locked.headers()["retry-after"]
            .to_str()
            .expect("ASCII")
            .parse()
            .expect("whole seconds");
        assert!((1..=900).contains(&retry_after), "{retry_after}");
        assert!(
            locked
                .text()
                .await
                .expect("a page")
                .contains("too many failed sign-ins")
        );
    }
    assert_eq!(
        app.sign_in(&client, "Rep.P002", DEMO_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "another spelling of the name is the same account"
    );

    let other = app.sign_in(&app.client(), "rep.p003", DEMO_PASSWORD).await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER, "another account signs in");

    let trail = app.audit_trail("account", "rep.p002").await;
    let lockouts = trail.iter().filter(|e| e.action == "login_locked").count();
    assert_eq!(lockouts, 1, "the lockout is recorded once: {trail:?}");
    let after = metrics(&app).await;
    assert_eq!(sample(&after, "yardstick_sign_ins_total{outcome=\"throttled\"}"), 3.0);
    assert_eq!(sample(&after, "yardstick_sign_ins_total{outcome=\"failed\"}"), 5.0);
}

#[tokio::test]
async fn a_successful_sign_in_clears_the_accounts_failures() {
    let app = spawn_app().await;
    let client = app.client();
    for _ in 0..4 {
        app.sign_in(&client, "rep.p002", "not-the-password").await;
    }
    assert_eq!(
        app.sign_in(&client, "rep.p002", DEMO_PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    for _ in 0..4 {
        let again = app.sign_in(&app.client(), "rep.p002", "not-the-password").await;
        assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "counting started again");
    }
    let last = app.sign_in(&app.client(), "rep.p002", DEMO_PASSWORD).await;
    assert_eq!(last.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn too_many_failures_from_one_address_lock_every_name_from_it() {
    let mut settings = Settings::default();
    settings.sign_in.failures_per_address = 3.try_into().expect("not zero");
    let app = spawn_app_with(settings).await;
    let client = app.client();
    for name in ["hr", "nobody", "lead.east"] {
        let response = app.sign_in(&client, name, "not-the-password").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{name}");
    }
    let admin = app.sign_in(&client, "admin", DEMO_PASSWORD).await;
    assert_eq!(admin.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(admin.headers().contains_key("retry-after"));
    let trail = app.audit_trail("client_address", "127.0.0.1").await;
    assert_eq!(
        trail.iter().filter(|e| e.action == "login_locked").count(),
        1,
        "{trail:?}"
    );
}

/// Signs in as a browser behind the proxy at `client` would.
async fn sign_in_from(app: &TestApp, client: &str, username: &str, password: &str) -> StatusCode {
    let browser = app.client();
    let page = browser
        .get(format!("{}/login", app.address))
        .send()
        .await
        .expect("GET /login")
        .text()
        .await
        .expect("a page");
    browser
        .post(format!("{}/login", app.address))
        .header("X-Forwarded-For", client)
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

#[tokio::test]
async fn behind_a_proxy_each_client_address_has_its_own_limit() {
    let mut settings = Settings::default();
    settings.server.behind_proxy = true;
    settings.sign_in.failures_per_address = 2.try_into().expect("not zero");
    let app = spawn_app_with(settings).await;
    for name in ["hr", "nobody"] {
        let status = sign_in_from(&app, "203.0.113.7", name, "not-the-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        sign_in_from(&app, "203.0.113.7", "admin", DEMO_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_from(&app, "198.51.100.4", "admin", DEMO_PASSWORD).await,
        StatusCode::SEE_OTHER,
        "another client behind the same proxy is not locked out"
    );
}

#[test]
fn the_binary_takes_its_database_from_the_configuration_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let database = dir.path().join("from-file.db");
    let config = write(
        dir.path(),
        "ops.toml",
        &format!("database_url = \"sqlite://{}\"\n", database.display()),
    );
    crate::helpers::yardstick()
        .env_remove("YARDSTICK_DATABASE_URL")
        .args(["--config", config.to_str().expect("UTF-8"), "migrate"])
        .assert()
        .success();
    assert!(database.exists(), "the database named in the file was created");

    let other = dir.path().join("from-env-file.db");
    let config = write(
        dir.path(),
        "env.toml",
        &format!("database_url = \"sqlite://{}\"\n", other.display()),
    );
    crate::helpers::yardstick()
        .env_remove("YARDSTICK_DATABASE_URL")
        .env("YARDSTICK_CONFIG", &config)
        .arg("migrate")
        .assert()
        .success();
    assert!(other.exists(), "YARDSTICK_CONFIG names the file");
}

#[test]
fn a_mistake_in_the_configuration_file_stops_the_binary_with_its_place() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let config = write(dir.path(), "bad.toml", "[server]\nworkres = 4\n");
    let output = crate::helpers::yardstick()
        .args(["--config", config.to_str().expect("UTF-8"), "migrate"])
        .output()
        .expect("run yardstick");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml, line 2, key `server.workres`"), "{stderr}");
    assert!(stderr.contains("expected one of `bind`"), "{stderr}");
}

/// Sends one HTTP/1.0 request and returns the whole answer.
fn http_get(address: &str, path: &str, request_id: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address)?;
    write!(stream, "GET {path} HTTP/1.0\r\nX-Request-Id: {request_id}\r\n\r\n")?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    Ok(reply)
}

#[test]
fn serve_listens_where_the_file_says_and_logs_json_lines_with_the_request_id() {
    use std::io::{BufRead, Read};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let text = format!(
        "database_url = \"sqlite://{}\"\n[server]\nbind = \"127.0.0.1:{port}\"\n[log]\nformat = \"json\"\n",
        dir.path().join("serve.db").display()
    );
    let config = write(dir.path(), "serve.toml", &text);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("yardstick"))
        .current_dir(root())
        .env_remove("YARDSTICK_DATABASE_URL")
        .env_remove("YARDSTICK_BIND")
        .env_remove("YARDSTICK_LOG")
        .env_remove("RUST_LOG")
        .args(["--config", config.to_str().expect("UTF-8"), "serve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("the address line");
    let address = format!("127.0.0.1:{port}");
    assert_eq!(first.trim(), format!("Yardstick is serving on http://{address}/"));
    let reply = (0..100).find_map(|_| {
        let reply = http_get(&address, "/healthz", "ops-json-1").ok();
        if reply.is_none() {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        reply
    });
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("the log");
    let _ = child.wait();

    let reply = reply.expect("the server answers on the port from the file");
    assert!(
        reply.to_ascii_lowercase().contains("x-request-id: ops-json-1"),
        "{reply}"
    );
    let line = stderr
        .lines()
        .find(|l| l.contains("ops-json-1"))
        .unwrap_or_else(|| panic!("a log line for the request:\n{stderr}"));
    let event: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
    assert_eq!(event["span"]["request_id"], "ops-json-1", "{line}");
    assert_eq!(event["span"]["route"], "/healthz", "{line}");
    assert_eq!(event["span"]["method"], "GET", "{line}");
    assert_eq!(event["fields"]["status"], 200, "{line}");
    assert!(event["fields"]["latency_ms"].is_number(), "{line}");
}
