//! The server, spoken to over HTTP as a browser and an integration would: signing in
//! and out, CSRF, and who may see which scorecard, page and API alike.

use crate::helpers::root;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
use yardstick::demo::DEMO_PASSWORD;
use yardstick::settings::Settings;
use yardstick::store::Store;
use yardstick::web::Application;

/// A server on a free port over a fresh SQLite database holding the demo organisation.
pub struct TestApp {
    pub address: String,
    pub store: Store,
    /// The database's URL, for a second connection (a writer holding the lock).
    pub url: String,
    audit: yardstick::web::AuditTrail,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Settings::default()).await
}

/// `spawn_app` with these settings; the address is always a free port on 127.0.0.1.
pub async fn spawn_app_with(mut settings: Settings) -> TestApp {
    settings.server.bind = "127.0.0.1:0".into();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("server.db").display());
    let store = Store::open(&url).await.expect("open the database");
    let (publication, version) = yardstick::definitions::in_force(&store, None)
        .await
        .expect("the shipped definitions");
    yardstick::demo::seed(&store, version.against())
        .await
        .expect("demo data");
    let definitions = std::sync::Arc::new(yardstick::definitions::ActiveRulebook::new(&publication, version));
    let app = Application::build(store.clone(), definitions, &settings).expect("bind");
    let address = format!("http://127.0.0.1:{}", app.port());
    let audit = app.audit_trail();
    tokio::spawn(app.run());
    TestApp {
        address,
        url,
        audit,
        store,
        _dir: dir,
    }
}

impl TestApp {
    /// Freezes `month` with the definitions in force, as `yardstick finalize` does.
    pub(crate) async fn finalize(&self, month: &str) {
        let (_, version) = yardstick::definitions::in_force(&self.store, None)
            .await
            .expect("the definitions in force");
        let month = month.parse().expect("a month");
        yardstick::review::finalize(&self.store, &version, month, "test")
            .await
            .expect("finalize");
    }

    /// The audit log of one entity, once every row the server was handed is written.
    pub(crate) async fn audit_trail(&self, entity: &str, key: &str) -> Vec<yardstick::store::entity::audit_log::Model> {
        self.audit.flush().await;
        self.store.audit_trail(entity, key).await.expect("the audit log")
    }

    pub(crate) fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("a client")
    }

    /// A client signed in as `username`.
    pub(crate) async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = self.client();
        let response = self.sign_in(&client, username, DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{username} signs in");
        client
    }

    pub(crate) async fn sign_in(&self, client: &reqwest::Client, username: &str, password: &str) -> reqwest::Response {
        let page = client
            .get(format!("{}/login", self.address))
            .send()
            .await
            .expect("GET /login")
            .text()
            .await
            .expect("a page");
        let csrf = hidden_csrf(&page);
        client
            .post(format!("{}/login", self.address))
            .form(&[("username", username), ("password", password), ("csrf", &csrf)])
            .send()
            .await
            .expect("POST /login")
    }

    pub(crate) async fn status(&self, client: &reqwest::Client, path: &str) -> StatusCode {
        client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("a request")
            .status()
    }

    /// The page at `path` as `client` sees it.
    pub(crate) async fn page(&self, client: &reqwest::Client, path: &str) -> String {
        client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("a request")
            .text()
            .await
            .expect("a page")
    }

    /// The session's CSRF token, from the first page `client` lands on.
    pub(crate) async fn csrf(&self, client: &reqwest::Client) -> String {
        let home = client.get(format!("{}/", self.address)).send().await.expect("GET /");
        // A rep is sent on to their own card.
        let page = match home.headers().get("location").and_then(|l| l.to_str().ok()) {
            Some(location) => self.page(client, location).await,
            None => home.text().await.expect("a page"),
        };
        hidden_csrf(&page)
    }
}

pub(crate) fn hidden_csrf(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + "name=\"csrf\" value=\"".len();
    page[start..].chars().take_while(|c| *c != '"').collect()
}

#[tokio::test]
async fn a_rep_signs_in_and_sees_their_own_scorecard() {
    let app = spawn_app().await;
    let client = app.signed_in("rep.p002").await;
    let home = client.get(format!("{}/", app.address)).send().await.expect("GET /");
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(home.headers()["location"], "/scorecards/p002");

    let page = client
        .get(format!("{}/scorecards/p002?period=2026-10", app.address))
        .send()
        .await
        .expect("the card");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .expect("ASCII")
            .contains("frame-ancestors 'none'")
    );
    let html = page.text().await.expect("a page");
    assert!(
        html.contains("陈晓") && html.contains("data-testid=\"total\""),
        "{html}"
    );
    assert!(
        html.contains("data-kpi=\"sales_target_achievement\""),
        "each KPI has its row"
    );

    // The page shows the numbers the engine computed.
    let json: serde_json::Value = client
        .get(format!("{}/api/v1/scorecards/p002?period=2026-10", app.address))
        .send()
        .await
        .expect("the API")
        .json()
        .await
        .expect("JSON");
    let total = json["card"]["total"].as_f64().expect("a total");
    assert!(
        html.contains(&format!("data-testid=\"total\">{total:.1}<")),
        "total {total:.1} on the page"
    );

    let zh = app.page(&client, "/scorecards/p002?period=2026-10&lang=zh").await;
    assert!(zh.contains("销售目标达成率"), "KPI names in Chinese from the YAML");
}

#[tokio::test]
async fn another_persons_card_is_not_found_and_the_attempt_is_recorded() {
    let app = spawn_app().await;
    let client = app.signed_in("rep.p002").await;
    assert_eq!(app.status(&client, "/scorecards/p003").await, StatusCode::NOT_FOUND);
    assert_eq!(
        app.status(&client, "/scorecards/nobody").await,
        StatusCode::NOT_FOUND,
        "no hint whether it exists"
    );
    assert_eq!(
        app.status(&client, "/api/v1/scorecards/p003").await,
        StatusCode::NOT_FOUND
    );
    let trail = app.audit_trail("scorecard", "p003").await;
    assert!(
        trail
            .iter()
            .any(|e| e.action == "access_denied" && e.actor == "rep.p002"),
        "{trail:?}"
    );
}

/// Who may see which subject in the demo: p002 and p011 are in east (p011 in its
/// sub-team east-key); p017 leads care.
fn may_see(user: &str, subject: &str) -> bool {
    match user {
        "admin" | "hr" => true,
        "lead.east" => !matches!(subject, "p017" | "care"),
        "lead.care" => matches!(subject, "p017" | "care"),
        "rep.p002" => subject == "p002",
        _ => false,
    }
}

const USERS: [&str; 5] = ["admin", "hr", "lead.east", "lead.care", "rep.p002"];
const PEOPLE: [&str; 4] = ["p002", "p003", "p011", "p017"];
const TEAMS: [&str; 3] = ["east", "east-key", "care"];

#[tokio::test]
async fn every_route_answers_every_role_as_the_access_rules_say() {
    let app = spawn_app().await;
    let ok_or_404 = |allowed: bool| if allowed { StatusCode::OK } else { StatusCode::NOT_FOUND };
    for user in USERS {
        let client = app.signed_in(user).await;
        let mut expected: Vec<(String, StatusCode)> = Vec::new();
        for subject in PEOPLE.iter().chain(&TEAMS) {
            let is_team = TEAMS.contains(subject);
            let allowed = may_see(user, subject);
            for path in [
                format!("/scorecards/{subject}"),
                format!("/scorecards/{subject}/trend"),
                format!("/api/v1/scorecards/{subject}"),
            ] {
                expected.push((path, ok_or_404(allowed)));
            }
            // Person routes know no teams, team routes no people; reps have no team boards.
            let person_route = ok_or_404(allowed && !is_team);
            let team_route = ok_or_404(allowed && is_team);
            let team_board = ok_or_404(allowed && is_team && user != "rep.p002");
            expected.push((format!("/api/v1/people/{subject}"), person_route));
            expected.push((format!("/api/v1/teams/{subject}"), team_route));
            expected.push((format!("/teams/{subject}"), team_board));
            expected.push((format!("/api/v1/leaderboards/{subject}"), team_board));
        }
        // A guess at an id that does not exist looks the same as one that is hidden.
        for path in ["/scorecards/nobody", "/api/v1/people/nobody", "/teams/nowhere"] {
            expected.push((path.to_owned(), StatusCode::NOT_FOUND));
        }
        let rep = user == "rep.p002";
        let admin = user == "admin";
        for (path, status) in [
            ("/", if rep { StatusCode::SEE_OTHER } else { StatusCode::OK }),
            ("/teams", ok_or_404(!rep)),
            ("/api/v1/people", StatusCode::OK),
            ("/api/v1/teams", StatusCode::OK),
            ("/api/v1/targets", StatusCode::OK),
            ("/api/v1/openapi.json", StatusCode::OK),
            ("/upload", ok_or_404(matches!(user, "admin" | "hr"))),
            ("/admin/users", ok_or_404(admin)),
            ("/admin/definitions", ok_or_404(admin)),
            ("/healthz", StatusCode::OK),
        ] {
            expected.push((path.to_owned(), status));
        }
        for (path, want) in expected {
            let path = if path.contains("scorecards") || path.contains("teams") || path.contains("leaderboards") {
                format!("{path}?period=2026-10")
            } else {
                path
            };
            assert_eq!(app.status(&client, &path).await, want, "{user} GET {path}");
        }
    }
    let anonymous = app.client();
    for page in [
        "/",
        "/scorecards/p002",
        "/scorecards/p002/trend",
        "/teams",
        "/teams/east",
        "/upload",
        "/admin/users",
    ] {
        assert_eq!(
            app.status(&anonymous, page).await,
            StatusCode::SEE_OTHER,
            "a browser is sent to sign in from {page}"
        );
    }
    for api in [
        "/api/v1/scorecards/p002",
        "/api/v1/people",
        "/api/v1/teams/east",
        "/api/v1/leaderboards/east",
        "/api/v1/targets",
    ] {
        assert_eq!(app.status(&anonymous, api).await, StatusCode::UNAUTHORIZED, "{api}");
    }
    assert_eq!(app.status(&anonymous, "/healthz").await, StatusCode::OK);
}

#[tokio::test]
async fn a_manager_lists_only_their_teams() {
    let app = spawn_app().await;
    let client = app.signed_in("lead.care").await;
    let html = app.page(&client, "/?period=2026-10").await;
    assert!(
        html.contains("/scorecards/p018?") && html.contains("/scorecards/care?"),
        "{html}"
    );
    assert!(
        !html.contains("/scorecards/p002?") && !html.contains("/scorecards/east?"),
        "{html}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_recorded() {
    let app = spawn_app().await;
    let client = app.client();
    let response = app.sign_in(&client, "rep.p002", "not-the-password").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response
            .text()
            .await
            .expect("a page")
            .contains("Wrong username or password")
    );
    let unknown = app.sign_in(&client, "nobody", DEMO_PASSWORD).await;
    assert_eq!(
        unknown.status(),
        StatusCode::UNAUTHORIZED,
        "an unknown name looks the same"
    );
    let trail = app.audit_trail("account", "rep.p002").await;
    assert!(trail.iter().any(|e| e.action == "login_failed"));
}

#[tokio::test]
async fn forms_without_their_csrf_token_are_refused() {
    let app = spawn_app().await;
    let client = app.client();
    client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .expect("GET /login");
    let forged = client
        .post(format!("{}/login", app.address))
        .form(&[
            ("username", "rep.p002"),
            ("password", DEMO_PASSWORD),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    // An attacker who can plant a cookie (a sibling subdomain) sets it to match the
    // form they make the victim post: the value is not one the server signed.
    let planted = app.client();
    let url = reqwest::Url::parse(&app.address).expect("the address");
    let jar = reqwest::cookie::Jar::default();
    jar.add_cookie_str("ys_login=chosen-by-the-attacker; Path=/login", &url);
    let planted_client = reqwest::Client::builder()
        .cookie_provider(std::sync::Arc::new(jar))
        .redirect(Policy::none())
        .build()
        .expect("a client");
    let response = planted_client
        .post(format!("{}/login", app.address))
        .form(&[
            ("username", "rep.p002"),
            ("password", DEMO_PASSWORD),
            ("csrf", "chosen-by-the-attacker"),
        ])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "a planted double-submit is refused"
    );
    drop(planted);

    let signed_in = app.signed_in("rep.p002").await;
    let logout = signed_in
        .post(format!("{}/logout", app.address))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("POST /logout");
    assert_eq!(logout.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.status(&signed_in, "/scorecards/p002").await,
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn signing_out_and_disabling_an_account_end_its_sessions() {
    let app = spawn_app().await;
    let client = app.signed_in("rep.p002").await;
    let page = app.page(&client, "/scorecards/p002").await;
    let logout = client
        .post(format!("{}/logout", app.address))
        .form(&[("csrf", hidden_csrf(&page))])
        .send()
        .await
        .expect("POST /logout");
    assert_eq!(logout.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.status(&client, "/api/v1/scorecards/p002").await,
        StatusCode::UNAUTHORIZED
    );

    let other = app.signed_in("rep.p003").await;
    assert_eq!(app.status(&other, "/api/v1/scorecards/p003").await, StatusCode::OK);
    app.store.disable_account("rep.p003", "test").await.expect("disable");
    assert_eq!(
        app.status(&other, "/api/v1/scorecards/p003").await,
        StatusCode::UNAUTHORIZED,
        "the live session ended"
    );
    let again = app.sign_in(&app.client(), "rep.p003", DEMO_PASSWORD).await;
    assert_eq!(
        again.status(),
        StatusCode::UNAUTHORIZED,
        "a disabled account cannot sign in"
    );
}

#[test]
fn the_server_stops_gracefully_on_sigterm() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("serve.db").display());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("yardstick"))
        .current_dir(root())
        .args(["--database", &url, "serve", "--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the server");
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("the address line");
    assert!(
        first.starts_with("Yardstick is serving on http://127.0.0.1:"),
        "{first}"
    );
    let address = first
        .trim()
        .rsplit(' ')
        .next()
        .expect("an address")
        .trim_end_matches('/')
        .to_owned();
    // Wait until it answers HTTP, and a little more: its signal handlers are installed
    // once it runs, and a SIGTERM before that would simply kill it.
    let answered = (0..100).any(|_| {
        use std::io::{Read, Write};
        let reply = std::net::TcpStream::connect(address.trim_start_matches("http://")).and_then(|mut stream| {
            stream.write_all(b"GET /healthz HTTP/1.0\r\n\r\n")?;
            let mut reply = String::new();
            stream.read_to_string(&mut reply)?;
            Ok(reply)
        });
        let ok = reply.is_ok_and(|r| r.starts_with("HTTP/1.0 200") || r.starts_with("HTTP/1.1 200"));
        if !ok {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        ok
    });
    assert!(answered, "the server answers /healthz at {address}");
    std::thread::sleep(std::time::Duration::from_millis(500));

    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("send SIGTERM");
    assert!(status.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("poll the server") {
            assert!(status.success(), "a graceful stop exits 0, not {status}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not stop within 20 s of SIGTERM"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[tokio::test]
async fn the_header_links_only_to_the_pages_an_account_may_open() {
    let app = spawn_app().await;
    for (user, teams, upload, admin) in [
        ("admin", true, true, true),
        ("hr", true, true, false),
        ("lead.east", true, false, false),
        ("rep.p002", false, false, false),
    ] {
        let client = app.signed_in(user).await;
        let card = if user == "rep.p002" { "p002" } else { "east" };
        let page = app.page(&client, &format!("/scorecards/{card}?period=2026-10")).await;
        assert_eq!(page.contains("href=\"/teams?"), teams, "{user}: the overview");
        assert_eq!(page.contains("href=\"/upload\""), upload, "{user}: upload");
        assert_eq!(page.contains("href=\"/admin/users\""), admin, "{user}: accounts");
        assert_eq!(page.contains("href=\"/admin/definitions"), admin, "{user}: definitions");
    }
}
