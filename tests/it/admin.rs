//! The admin's pages, driven as a browser would: the list of accounts, creating and
//! disabling one (with and without the CSRF token), and the rulebook in force.

use crate::server::{TestApp, hidden_csrf, spawn_app};
use reqwest::StatusCode;
use yardstick::demo::DEMO_PASSWORD;

const ROLES: [&str; 5] = ["admin", "hr", "lead.east", "lead.care", "rep.p002"];

impl TestApp {
    /// Posts the account form with `fields` (the CSRF token is added unless given).
    async fn create(&self, client: &reqwest::Client, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf(client).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            form.push(("csrf", &csrf));
        }
        client
            .post(format!("{}/admin/users", self.address))
            .form(&form)
            .send()
            .await
            .expect("POST /admin/users")
    }
}

/// The text of every `data-problem="field"` message on a page.
fn problems(page: &str, field: &str) -> Vec<String> {
    let marker = format!("data-problem=\"{field}\">");
    page.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &page[at + marker.len()..];
            rest[..rest.find('<').unwrap_or(rest.len())].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_admin_pages_open_for_an_admin_and_are_not_found_for_everyone_else() {
    let app = spawn_app().await;
    for user in ROLES {
        let client = app.signed_in(user).await;
        let want = if user == "admin" {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        for path in [
            "/admin/users",
            "/admin/definitions",
            "/admin/definitions?lang=zh",
            "/admin/mail",
        ] {
            assert_eq!(app.status(&client, path).await, want, "{user} GET {path}");
        }
        if user != "admin" {
            // Their own valid token does not help either, and nothing is created.
            let created = app
                .create(
                    &client,
                    &[
                        ("username", "intruder"),
                        ("role", "admin"),
                        ("password", "long-enough-password"),
                    ],
                )
                .await;
            assert_eq!(created.status(), StatusCode::NOT_FOUND, "{user} POST /admin/users");
            let csrf = app.csrf(&client).await;
            let disabled = client
                .post(format!("{}/admin/users/disable", app.address))
                .form(&[("username", "rep.p003"), ("csrf", &csrf)])
                .send()
                .await
                .expect("POST disable");
            assert_eq!(disabled.status(), StatusCode::NOT_FOUND, "{user} POST disable");
        }
    }
    assert!(
        app.store
            .find_account_by_name("intruder")
            .await
            .expect("store")
            .is_none()
    );
    let p003 = app.store.find_account_by_name("rep.p003").await.expect("store");
    assert!(!p003.expect("the demo account").disabled);
    let trail = app.audit_trail("page", "/admin/users").await;
    assert!(
        trail
            .iter()
            .any(|e| e.action == "access_denied" && e.actor == "rep.p002"),
        "{trail:?}"
    );
    assert_eq!(
        app.status(&app.client(), "/admin/users").await,
        StatusCode::SEE_OTHER,
        "an anonymous browser is sent to sign in"
    );
}

#[tokio::test]
async fn the_account_list_shows_each_accounts_role_person_teams_and_state() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let page = app.page(&admin, "/admin/users").await;
    let row = |name: &str| {
        let start = page
            .find(&format!("data-account=\"{name}\""))
            .expect("a row per account");
        page[start..start + page[start..].find("</tr>").expect("row end")].to_owned()
    };
    let east = row("lead.east");
    assert!(
        east.contains("<td>manager</td>") && east.contains("<td>p001</td>") && east.contains("<td>east</td>"),
        "{east}"
    );
    assert!(row("rep.p002").contains("<td>p002</td>") && row("rep.p002").contains("enabled"));
    assert!(
        !row("admin").contains("Disable"),
        "an admin cannot disable their own account"
    );
}

#[tokio::test]
async fn an_admin_creates_an_account_that_signs_in_and_sees_only_its_card() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let response = app
        .create(
            &admin,
            &[
                ("username", "rep.p004"),
                ("role", "rep"),
                ("person", "p004"),
                ("password", "a-new-password-1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = response.headers()["location"].to_str().expect("a location").to_owned();
    assert!(location.starts_with("/admin/users?created=rep.p004&sig="), "{location}");
    let list = app.page(&admin, &location).await;
    assert!(list.contains("Account rep.p004 created."), "{list}");
    let unsigned = app
        .page(&admin, "/admin/users?created=Your+password+expired%2C+call+555")
        .await;
    assert!(
        !unsigned.contains("password expired"),
        "a link cannot put words on the page"
    );
    let forged = app.page(&admin, &location.replace("rep.p004", "rep.p005")).await;
    assert!(!forged.contains("created."), "the signature covers the name");
    assert!(list.contains("data-account=\"rep.p004\""));

    let account = app
        .store
        .find_account_by_name("rep.p004")
        .await
        .expect("store")
        .expect("created");
    assert!(
        account.password_hash.starts_with("$argon2id$"),
        "stored as an argon2id hash"
    );
    let trail = app.audit_trail("account", "rep.p004").await;
    assert!(
        trail.iter().any(|e| e.action == "create" && e.actor == "admin"),
        "{trail:?}"
    );

    let rep = app.client();
    let signed = app.sign_in(&rep, "rep.p004", "a-new-password-1").await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.status(&rep, "/scorecards/p004").await, StatusCode::OK);
    assert_eq!(app.status(&rep, "/scorecards/p002").await, StatusCode::NOT_FOUND);

    let manager = app
        .create(
            &admin,
            &[
                ("username", "lead.key"),
                ("role", "manager"),
                ("teams", "east-key"),
                ("teams", "care"),
                ("password", "another-password"),
            ],
        )
        .await;
    assert_eq!(manager.status(), StatusCode::SEE_OTHER);
    let lead = app
        .store
        .find_account_by_name("lead.key")
        .await
        .expect("store")
        .expect("created");
    let mut teams = lead.teams.clone();
    teams.sort();
    assert_eq!(teams, ["care", "east-key"]);
}

#[tokio::test]
async fn creating_without_the_right_csrf_token_is_refused_and_creates_nothing() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let fields = [
        ("username", "rep.p005"),
        ("role", "rep"),
        ("person", "p005"),
        ("password", "a-new-password-1"),
    ];
    let forged = app.create(&admin, &[&fields[..], &[("csrf", "forged")]].concat()).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let missing = admin
        .post(format!("{}/admin/users", app.address))
        .form(&fields)
        .send()
        .await
        .expect("POST");
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(
        app.store
            .find_account_by_name("rep.p005")
            .await
            .expect("store")
            .is_none()
    );
}

#[tokio::test]
async fn a_taken_name_an_unknown_person_or_team_and_a_short_password_are_refused_by_field() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;

    let taken = app
        .create(
            &admin,
            &[("username", "hr"), ("role", "hr"), ("password", "a-new-password-1")],
        )
        .await;
    assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = taken.text().await.expect("a page");
    assert_eq!(problems(&page, "username"), ["an account named `hr` exists already"]);

    let unknown = app
        .create(
            &admin,
            &[
                ("username", "rep.p999"),
                ("role", "rep"),
                ("person", "p999"),
                ("password", "a-new-password-1"),
            ],
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = unknown.text().await.expect("a page");
    assert_eq!(
        problems(&page, "person"),
        ["there is no person `p999`; did you mean `p009`?"]
    );
    assert!(problems(&page, "username").is_empty(), "the name itself was fine");
    assert!(page.contains("value=\"rep.p999\""), "what was typed is kept");

    let several = app
        .create(
            &admin,
            &[
                ("username", "lead.west"),
                ("role", "manager"),
                ("teams", "west"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(several.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = several.text().await.expect("a page");
    assert_eq!(
        problems(&page, "teams"),
        ["there is no team `west`; did you mean `east`?"]
    );
    assert_eq!(problems(&page, "password"), ["a password has at least 12 characters"]);

    let no_person = app
        .create(
            &admin,
            &[
                ("username", "rep.none"),
                ("role", "rep"),
                ("password", "a-new-password-1"),
            ],
        )
        .await;
    let page = no_person.text().await.expect("a page");
    assert_eq!(
        problems(&page, "person"),
        ["a rep&#39;s account belongs to a person; choose one"]
    );

    for name in ["rep.p999", "lead.west", "rep.none"] {
        assert!(
            app.store.find_account_by_name(name).await.expect("store").is_none(),
            "{name} was not created"
        );
    }
    let hr = app.audit_trail("account", "hr").await;
    assert_eq!(
        hr.iter().filter(|e| e.action == "create").count(),
        1,
        "only the demo's own creation"
    );
}

#[tokio::test]
async fn disabling_an_account_ends_its_live_session_at_once() {
    let app = spawn_app().await;
    let rep = app.signed_in("rep.p003").await;
    assert_eq!(app.status(&rep, "/scorecards/p003").await, StatusCode::OK);
    let admin = app.signed_in("admin").await;
    let csrf = hidden_csrf(&app.page(&admin, "/admin/users").await);

    let forged = admin
        .post(format!("{}/admin/users/disable", app.address))
        .form(&[("username", "rep.p003"), ("csrf", "forged")])
        .send()
        .await
        .expect("POST disable");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.status(&rep, "/scorecards/p003").await,
        StatusCode::OK,
        "a refused form changes nothing"
    );

    let disabled = admin
        .post(format!("{}/admin/users/disable", app.address))
        .form(&[("username", "rep.p003"), ("csrf", &csrf)])
        .send()
        .await
        .expect("POST disable");
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.status(&rep, "/scorecards/p003").await,
        StatusCode::SEE_OTHER,
        "the live session has ended: back to sign-in"
    );
    let again = app.sign_in(&app.client(), "rep.p003", DEMO_PASSWORD).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);

    let list = app.page(&admin, "/admin/users?disabled=rep.p003").await;
    let start = list.find("data-account=\"rep.p003\"").expect("still listed");
    assert!(
        list[start..]
            .split("</tr>")
            .next()
            .is_some_and(|row| row.contains("disabled"))
    );
    let trail = app.audit_trail("account", "rep.p003").await;
    assert!(
        trail.iter().any(|e| e.action == "disable" && e.actor == "admin"),
        "{trail:?}"
    );

    let unknown = admin
        .post(format!("{}/admin/users/disable", app.address))
        .form(&[("username", "nobody"), ("csrf", &csrf)])
        .send()
        .await
        .expect("POST disable");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let own = admin
        .post(format!("{}/admin/users/disable", app.address))
        .form(&[("username", "admin"), ("csrf", &csrf)])
        .send()
        .await
        .expect("POST disable");
    assert_eq!(
        own.status(),
        StatusCode::BAD_REQUEST,
        "an admin cannot lock themselves out"
    );
}

#[tokio::test]
async fn the_definitions_page_shows_the_rulebook_in_force_in_both_languages() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let en = app.page(&admin, "/admin/definitions").await;
    // Numbers from kpi-definitions/role-junior-rep.yaml, kpis-sales.yaml and grades.yaml.
    for expected in [
        "<h2>Junior sales rep <small>(junior_rep)</small></h2>",
        "data-path=\"roles.junior_rep.tiers.base.weight\">30<",
        "data-path=\"roles.junior_rep.tiers.process.weight\">45<",
        "data-path=\"roles.junior_rep.tiers.base.kpis.customer_record_completeness.weight\">50%<",
        "data-path=\"roles.junior_rep.tiers.base.kpis.customer_record_completeness.target\">92<",
        "data-path=\"roles.junior_rep.tiers.base.kpis.follow_up_timeliness.target.threshold\">80<",
        "data-path=\"roles.junior_rep.tiers.base.kpis.follow_up_timeliness.target.stretch\">100<",
        "data-path=\"kpis.sales_target_achievement.formula\">sales_amount / sales_target * 100<",
        "linear: points = achievement %, 0 below 60, at most 130",
        "<a href=\"#metric-sales_amount\">sales_amount</a>",
        "higher is better",
        "Compliance red line",
        "the whole card scores zero",
        "id=\"metric-visits_made\"",
        "<h3 id=\"scale-standard\">standard",
        "<tr><td>S</td><td class=\"n\">110</td><td class=\"n\">1.5</td></tr>",
    ] {
        assert!(en.contains(expected), "the page shows {expected}");
    }
    let zh = app.page(&admin, "/admin/definitions?lang=zh").await;
    assert!(zh.contains("初级销售代表") && zh.contains("销售目标达成率") && zh.contains("<html lang=\"zh\">"));
    assert!(!en.contains("初级销售代表"));
}

#[tokio::test]
async fn an_admin_changes_an_accounts_access_resets_its_password_and_enables_it_again() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let rep = app.signed_in("rep.p003").await;
    assert_eq!(app.status(&rep, "/teams/east").await, StatusCode::NOT_FOUND);
    let page = app.page(&admin, "/admin/users").await;
    assert!(
        page.contains("<a href=\"/admin/users/rep.p003\">rep.p003</a>"),
        "{page}"
    );
    let csrf = app.csrf(&admin).await;

    // A manager without a team is refused with the reason; with one, the open session
    // carries the new access at once.
    let post = |path: String, form: Vec<(&'static str, String)>| {
        let admin = admin.clone();
        async move { admin.post(path).form(&form).send().await.expect("POST") }
    };
    let access = format!("{}/admin/users/rep.p003/access", app.address);
    let refused = post(
        access.clone(),
        vec![
            ("csrf", csrf.clone()),
            ("role", "manager".into()),
            ("person", "p003".into()),
        ],
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .expect("a page")
            .contains("a manager leads at least one team")
    );
    let changed = post(
        access,
        vec![
            ("csrf", csrf.clone()),
            ("role", "manager".into()),
            ("person", "p003".into()),
            ("teams", "east".into()),
        ],
    )
    .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.status(&rep, "/teams/east").await,
        StatusCode::OK,
        "the session's access changed"
    );
    let trail = app.audit_trail("account", "rep.p003").await;
    let change = trail.iter().find(|e| e.action == "change").expect("the change audited");
    assert_eq!(change.before.as_deref(), Some("rep, person p003, teams []"));
    assert_eq!(change.after.as_deref(), Some("manager, person p003, teams [east]"));

    // A password made for the account is shown once; its old sessions end.
    let reset = post(
        format!("{}/admin/users/rep.p003/password", app.address),
        vec![("csrf", csrf.clone()), ("make", "1".into())],
    )
    .await;
    assert_eq!(reset.status(), StatusCode::OK);
    let page = reset.text().await.expect("a page");
    let marker = "data-testid=\"made-password\">";
    let at = page.find(marker).expect("the password shown") + marker.len();
    let made = page[at..at + page[at..].find('<').expect("its end")].to_owned();
    assert!(made.len() >= 12, "{made}");
    assert_eq!(app.status(&rep, "/").await, StatusCode::SEE_OTHER, "signed out");
    let again = app.client();
    let response = app.sign_in(&again, "rep.p003", &made).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the new password signs in");
    let old = app.sign_in(&app.client(), "rep.p003", DEMO_PASSWORD).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED, "the old one no longer does");

    // Disabled, then enabled again from its page.
    let disabled = post(
        format!("{}/admin/users/disable", app.address),
        vec![("csrf", csrf.clone()), ("username", "rep.p003".into())],
    )
    .await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.sign_in(&app.client(), "rep.p003", &made).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let page = app.page(&admin, "/admin/users/rep.p003").await;
    assert!(page.contains("Enable the account"), "{page}");
    let enabled = post(
        format!("{}/admin/users/rep.p003/enable", app.address),
        vec![("csrf", csrf.clone())],
    )
    .await;
    assert_eq!(enabled.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.sign_in(&app.client(), "rep.p003", &made).await.status(),
        StatusCode::SEE_OTHER
    );

    // Nobody but an admin reaches any of it.
    let hr = app.signed_in("hr").await;
    assert_eq!(app.status(&hr, "/admin/users/rep.p003").await, StatusCode::NOT_FOUND);
}

#[test]
fn the_command_line_lists_changes_resets_and_enables_accounts() {
    use crate::store::{import_demo, ok, run, sqlite_database};
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = &sqlite_database(dir.path());
    import_demo(url);
    let empty = ok(url, &["user", "list"]);
    assert!(empty.contains("no accounts"), "{empty}");
    let add = |args: &[&str], stdin: &str| {
        crate::helpers::yardstick()
            .args(["--database", url, "user"])
            .args(args)
            .write_stdin(stdin)
            .output()
            .expect("run yardstick")
    };
    let made = add(
        &["add", "--username", "ana", "--role", "rep", "--person", "p002"],
        "a-long-enough-password\n",
    );
    assert!(made.status.success());
    let changed = ok(
        url,
        &[
            "user",
            "change",
            "--username",
            "ana",
            "--role",
            "manager",
            "--team",
            "east",
        ],
    );
    assert!(changed.contains("account ana is now manager"), "{changed}");
    let refused = run(url, &["user", "change", "--username", "ana", "--role", "rep"]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("a rep's account belongs to a person"));
    let short = add(&["password", "--username", "ana"], "short\n");
    assert_eq!(short.status.code(), Some(1));
    let reset = add(&["password", "--username", "ana"], "another-long-password\n");
    assert!(String::from_utf8_lossy(&reset.stdout).contains("password of ana set"));
    ok(url, &["user", "disable", "--username", "ana"]);
    let list = ok(url, &["user", "list"]);
    let line = list.lines().find(|l| l.starts_with("ana ")).expect("ana listed");
    assert!(
        line.contains("manager") && line.contains("east") && line.contains("disabled"),
        "{list}"
    );
    ok(url, &["user", "enable", "--username", "ana"]);
    let list = ok(url, &["user", "list"]);
    assert!(
        list.lines().any(|l| l.starts_with("ana ") && l.contains(" enabled ")),
        "{list}"
    );
    let unknown = run(url, &["user", "enable", "--username", "nobody"]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no account named `nobody`"));
}

#[tokio::test]
async fn an_admin_sets_the_card_a_team_is_scored_with() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let page = app.page(&admin, "/admin/teams").await;
    assert!(
        page.contains("<option value=\"customer_success\" selected>"),
        "the demo's care team has its own card: {page}"
    );
    let csrf = app.csrf(&admin).await;
    let role_of = |card: serde_json::Value| card["card"]["role"].as_str().map(str::to_owned);
    let card = |client: reqwest::Client, address: String| async move {
        client
            .get(format!("{address}/api/v1/scorecards/east-key?period=2026-10"))
            .send()
            .await
            .expect("GET")
            .json::<serde_json::Value>()
            .await
            .expect("JSON")
    };
    assert_eq!(
        role_of(card(admin.clone(), app.address.clone()).await).as_deref(),
        Some("team_lead")
    );
    let set = admin
        .post(format!("{}/admin/teams/east-key/card", app.address))
        .form(&[("csrf", csrf.as_str()), ("card", "senior_rep")])
        .send()
        .await
        .expect("POST");
    assert_eq!(set.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        role_of(card(admin.clone(), app.address.clone()).await).as_deref(),
        Some("senior_rep"),
        "scored with its new card at once"
    );
    let trail = app.audit_trail("team", "east-key").await;
    assert!(!trail.is_empty(), "audited as an import is");
    let wrong = admin
        .post(format!("{}/admin/teams/east-key/card", app.address))
        .form(&[("csrf", csrf.as_str()), ("card", "senior_repp")])
        .send()
        .await
        .expect("POST");
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = wrong.text().await.expect("a page");
    assert!(
        page.contains("unknown role `senior_repp`; did you mean `senior_rep`?"),
        "{page}"
    );
    let hr = app.signed_in("hr").await;
    assert_eq!(app.status(&hr, "/admin/teams").await, StatusCode::NOT_FOUND);
}

fn mail_to(recipient: &str) -> yardstick::store::NewMail {
    yardstick::store::NewMail {
        period: "2026-10".into(),
        edition: "open".into(),
        recipient: recipient.into(),
        kind: "rep".into(),
        address: format!("{recipient}@yardstick-demo.com"),
        language: "en".into(),
        message_id: format!("<yardstick.2026-10.open.rep.{recipient}@yardstick-demo.com>"),
    }
}

#[tokio::test]
async fn an_admin_sees_the_outbox_with_the_servers_replies_and_resends_a_mail_in_doubt() {
    let app = spawn_app().await;
    let store = &app.store;
    let queued = store
        .queue_mails(vec![mail_to("p002"), mail_to("p003"), mail_to("p004")], None)
        .await
        .expect("queued");
    assert_eq!(queued, Some(3));
    // p002's was refused for good, p003's sender stopped mid-send, p004's arrived.
    let failed = store.claim_next("test").await.expect("claim").expect("p002's");
    store
        .mark_failed(failed.id, "550 5.1.1 <p002@yardstick-demo.com>: mailbox unavailable")
        .await
        .expect("failed");
    let in_doubt = store.claim_next("test").await.expect("claim").expect("p003's");
    let sent = store.claim_next("test").await.expect("claim").expect("p004's");
    store.mark_sent(sent.id).await.expect("sent");

    let rep = app.signed_in("rep.p002").await;
    assert_eq!(app.status(&rep, "/admin/mail").await, StatusCode::NOT_FOUND);
    let admin = app.signed_in("admin").await;
    let page = app.page(&admin, "/admin/mail").await;
    assert!(
        page.contains("<option value=\"2026-10\" selected>"),
        "the latest month by default"
    );
    assert!(
        page.contains("550 5.1.1 &#60;p002@yardstick-demo.com&#62;: mailbox unavailable"),
        "{page}"
    );
    assert!(page.contains("data-status=\"sending\">sending: 1<"), "{page}");
    assert_eq!(
        page.matches(">Resend</button>").count(),
        2,
        "the failed one and the one in doubt"
    );
    let only_failed = app.page(&admin, "/admin/mail?period=2026-10&status=failed").await;
    assert_eq!(only_failed.matches("<tr data-mail=").count(), 1);
    assert_eq!(
        app.status(&admin, "/admin/mail?status=lost").await,
        StatusCode::BAD_REQUEST
    );

    let csrf = app.csrf(&admin).await;
    let resend = |id: i64| {
        admin
            .post(format!("{}/admin/mail/{id}/resend", app.address))
            .form(&[("csrf", csrf.as_str())])
            .send()
    };
    let answer = resend(in_doubt.id).await.expect("POST resend");
    assert_eq!(answer.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        answer.headers()["location"],
        format!("/admin/mail?period=2026-10&resent={}", in_doubt.id).as_str()
    );
    let mails = store.list_mails(Some("2026-10")).await.expect("the mails");
    let again = mails.iter().find(|m| m.id == in_doubt.id).expect("p003's");
    assert_eq!(again.status, yardstick::store::MailStatus::Queued);
    assert_eq!(
        again.message_id, in_doubt.message_id,
        "the same Message-ID: a copy can be told"
    );
    let trail = app.audit_trail("mail", "2026-10/open/rep/p003").await;
    assert_eq!(trail.len(), 1, "the resend is audited");
    assert_eq!(trail[0].actor, "admin");
    // A mail that arrived is not sent again, and an unknown one is not found.
    assert_eq!(resend(sent.id).await.expect("POST").status(), StatusCode::CONFLICT);
    assert_eq!(resend(999_999).await.expect("POST").status(), StatusCode::NOT_FOUND);
    let forged = admin
        .post(format!("{}/admin/mail/{}/resend", app.address, failed.id))
        .form(&[("csrf", "forged")])
        .send()
        .await
        .expect("POST");
    assert_ne!(forged.status(), StatusCode::SEE_OTHER);
}
