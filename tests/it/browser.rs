//! A real browser (Debian's chromium, headless, through chromedriver) signs in and
//! reads a scorecard and its trend as a person would, and leaves screenshots behind.
//!
//! `.ci/run` installs chromium and sets `YARDSTICK_BROWSER_TESTS=1`, which makes a
//! missing browser a failure; elsewhere the test says it was skipped.

use crate::helpers::root;
use crate::server::spawn_app;
use fantoccini::{ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use std::process::{Child, Command, Stdio};
use yardstick::demo::DEMO_PASSWORD;

struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_chromedriver() -> Option<Driver> {
    let binary = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new(binary)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let driver = Driver { child, port };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(driver);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    None
}

#[tokio::test]
async fn a_rep_signs_in_with_a_browser_and_reads_their_scorecard() {
    let Some(driver) = start_chromedriver() else {
        assert!(
            std::env::var("YARDSTICK_BROWSER_TESTS").is_err(),
            "chromedriver is required here but was not found"
        );
        eprintln!("skipped: no chromedriver (install chromium and chromium-driver to run the browser test)");
        return;
    };
    let app = spawn_app().await;
    let capabilities = serde_json::json!({
        "goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--window-size=1280,1600"]
        }
    });
    let capabilities = capabilities.as_object().cloned().expect("an object");
    // chromedriver speaks plain HTTP on loopback: no TLS stack is needed.
    let browser = ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a browser session");

    // The sign-in page in both languages; the last choice (English) is remembered.
    let out = root().join("target/browser");
    std::fs::create_dir_all(&out).expect("a folder for screenshots");
    for (lang, title) in [("zh", "登录"), ("en", "Sign in")] {
        browser
            .goto(&format!("{}/login?lang={lang}", app.address))
            .await
            .expect("open the sign-in page");
        let heading = browser
            .find(Locator::Css("h1"))
            .await
            .expect("a heading")
            .text()
            .await
            .expect("text");
        assert_eq!(heading, title, "the sign-in page in {lang}");
        let png = browser.screenshot().await.expect("a screenshot");
        std::fs::write(out.join(format!("login-{lang}.png")), png).expect("save the screenshot");
    }
    sign_in(&browser, &app.address, "rep.p002", "[data-testid=total]").await;

    let url = browser.current_url().await.expect("a URL");
    assert!(url.path().ends_with("/scorecards/p002"), "{url}");
    let total = browser
        .find(Locator::Css("[data-testid=total]"))
        .await
        .expect("the total")
        .text()
        .await
        .expect("text");
    let grade = browser
        .find(Locator::Css("[data-testid=grade]"))
        .await
        .expect("the grade")
        .text()
        .await
        .expect("text");
    let heading = browser
        .find(Locator::Css("h1"))
        .await
        .expect("a heading")
        .text()
        .await
        .expect("text");
    assert!(heading.contains("陈晓"), "{heading}");
    assert!(total.parse::<f64>().is_ok_and(|t| t > 0.0), "{total}");
    assert!(["S", "A", "B", "C", "D"].contains(&grade.as_str()), "{grade}");
    let rows = browser.find_all(Locator::Css("tr[data-kpi]")).await.expect("KPI rows");
    assert!((5..=10).contains(&rows.len()), "{} KPI rows", rows.len());

    let png = browser.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(out.join("scorecard.png"), png).expect("save the screenshot");

    // At a glance: each scored KPI's standing in words, and the largest shortfalls.
    let standings = browser
        .find_all(Locator::Css("[data-testid=standing]"))
        .await
        .expect("standings");
    assert!(standings.len() >= 5, "{} standings", standings.len());
    for standing in &standings {
        let text = standing.text().await.expect("text");
        assert!(
            ["On track", "Behind", "Far behind"].iter().any(|w| text.contains(w)),
            "a word, not colour alone: {text:?}"
        );
    }
    let shortfalls = browser
        .find_all(Locator::Css("[data-testid=shortfalls] li"))
        .await
        .expect("the shortfalls");
    assert!((1..=3).contains(&shortfalls.len()), "{} shortfalls", shortfalls.len());
    assert_fits(&browser, 1280).await;

    // On a phone: the same card, no sideways scrolling, each KPI a block of its own.
    browser.set_window_size(390, 844).await.expect("a phone-sized window");
    browser.refresh().await.expect("reload");
    browser
        .wait()
        .for_element(Locator::Css("[data-testid=shortfalls]"))
        .await
        .expect("the card at 390 px");
    assert_fits(&browser, 390).await;
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(out.join("scorecard-390.png"), png).expect("save the screenshot");
    browser
        .set_window_size(1280, 1600)
        .await
        .expect("back to a desktop window");

    // The trend: the months from the first with data (May) to October, drawn
    // without JavaScript.
    browser
        .goto(&format!("{}/scorecards/p002/trend?period=2026-10", app.address))
        .await
        .expect("open the trend");
    let slots = browser
        .find_all(Locator::Css("svg[data-chart=total] .point, svg[data-chart=total] .gap"))
        .await
        .expect("the total's chart");
    assert_eq!(slots.len(), 6, "May to October on the total's chart");
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(out.join("trend.png"), png).expect("save the screenshot");

    // An admin reads the definitions at 1280 px without scrolling sideways; each
    // role's section folds.
    browser.delete_all_cookies().await.expect("sign out");
    sign_in(&browser, &app.address, "admin", "[data-testid=people]").await;
    browser
        .goto(&format!("{}/admin/definitions", app.address))
        .await
        .expect("open the definitions");
    browser
        .wait()
        .for_element(Locator::Css("details.role"))
        .await
        .expect("the definitions load");
    let roles = browser
        .find_all(Locator::Css("details.role"))
        .await
        .expect("role sections");
    assert!(roles.len() >= 4, "{} role sections", roles.len());
    assert_fits(&browser, 1280).await;
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(out.join("definitions.png"), png).expect("save the screenshot");

    // On a phone, the index, a team, a trend and the definitions scroll only within
    // their wide tables, never the page.
    browser.set_window_size(390, 844).await.expect("a phone-sized window");
    for (path, shot) in [
        ("/?period=2026-10", "index-390.png"),
        ("/teams/east?period=2026-10", "team-390.png"),
        ("/teams?period=2026-10", "teams-390.png"),
        ("/scorecards/p002/trend?period=2026-10", "trend-390.png"),
        ("/admin/definitions", "definitions-390.png"),
        ("/scorecards/p002?period=2026-10&lang=zh", "scorecard-zh-390.png"),
        ("/teams/east?period=2026-10&lang=zh", "team-zh-390.png"),
    ] {
        browser
            .goto(&format!("{}{path}", app.address))
            .await
            .expect("open the page");
        browser
            .wait()
            .for_element(Locator::Css("main h1"))
            .await
            .expect("the page loads");
        assert_fits(&browser, 390).await;
        let png = browser.screenshot().await.expect("a screenshot");
        std::fs::write(out.join(shot), png).expect("save the screenshot");
    }

    // An admin changes two weights through the form, sees the sum run, previews the
    // draft and publishes it.
    browser.set_window_size(1280, 1600).await.expect("a desktop window");
    browser
        .goto(&format!("{}/admin/definitions", app.address))
        .await
        .expect("open the definitions");
    click(&browser, "[data-testid=begin-draft]").await;
    browser
        .wait()
        .for_element(Locator::Css("[data-testid=common-changes]"))
        .await
        .expect("the draft's form");
    let weight = |kpi: &str| format!("input[name=\"n/roles/junior_rep/tiers/process/kpis/{kpi}/weight\"]");
    let sum = "output[data-sum-of=junior_rep-process]";
    let set = async |selector: &str, value: &str| {
        let input = browser.find(Locator::Css(selector)).await.expect("an input");
        input.clear().await.expect("clear");
        input.send_keys(value).await.expect("type");
    };
    set(&weight("visit_plan_completion"), "50").await;
    assert_eq!(text(&browser, sum).await, "110", "the sum runs while typing");
    set(&weight("communication_quality"), "25").await;
    assert_eq!(text(&browser, sum).await, "100");
    click(&browser, "[data-testid=common-changes] button[type=submit]").await;
    notice_reads(&browser, "2 changes saved.").await;
    assert_fits(&browser, 1280).await;
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(out.join("draft.png"), png).expect("save the screenshot");
    let draft = browser.current_url().await.expect("a URL");
    click(&browser, "[data-testid=preview-link]").await;
    browser
        .wait()
        .for_element(Locator::Css("section[data-period] tr[data-subject]"))
        .await
        .expect("the preview");
    let changes = browser
        .find_all(Locator::Css("section[data-period] td[data-change]"))
        .await
        .expect("changes");
    assert!(changes.len() > 10, "{} rows of changes", changes.len());
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(out.join("preview.png"), png).expect("save the screenshot");
    browser.goto(draft.as_str()).await.expect("back to the draft");
    browser
        .find(Locator::Css("[data-testid=publish] input[name=comment]"))
        .await
        .expect("the comment")
        .send_keys("visits weigh more for junior reps")
        .await
        .expect("type");
    // The draft's page still shows "2 changes saved." until the publication's page
    // replaces it, so the notice is waited for by its words, not by its presence.
    click(&browser, "[data-testid=publish] button[type=submit]").await;
    notice_reads(&browser, "Published as version 2").await;

    // A manager runs the month's review: rates a rep on their card, then reads the
    // review page, on a desktop and on a phone, in both languages.
    browser.delete_all_cookies().await.expect("sign out");
    sign_in(&browser, &app.address, "lead.east", "[data-testid=people]").await;
    browser
        .goto(&format!("{}/scorecards/p002?period=2026-10", app.address))
        .await
        .expect("open a card");
    browser
        .find(Locator::Css("select[name=\"rating.overall\"]"))
        .await
        .expect("the rating")
        .select_by_value("4")
        .await
        .expect("choose 4");
    browser
        .find(Locator::Css("[data-testid=rating-form] textarea[name=comment]"))
        .await
        .expect("the comment")
        .send_keys("Visits well above plan")
        .await
        .expect("type");
    click(&browser, "[data-testid=rating-form] button[type=submit]").await;
    browser
        .wait()
        .for_element(Locator::Css("[data-testid=manager-comment]"))
        .await
        .expect("the rating saved");
    let counted = settled_text(&browser, "[data-testid=qualitative]").await;
    assert!(counted.starts_with("110.0 × 20% = 22.0"), "{counted}");
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(out.join("scorecard-rated.png"), png).expect("save the screenshot");
    browser
        .goto(&format!("{}/review?period=2026-10", app.address))
        .await
        .expect("open the review");
    browser
        .wait()
        .for_element(Locator::Css("[data-testid=review-status]"))
        .await
        .expect("the review");
    assert_eq!(
        settled_text(&browser, "tr[data-person=p002] td[data-testid=rated]").await,
        "✓"
    );
    let distributions = browser
        .find_all(Locator::Css("[data-testid=distribution]"))
        .await
        .expect("distributions");
    assert_eq!(distributions.len(), 2, "east and east-key, not the organisation");
    assert_fits(&browser, 1280).await;
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(out.join("review.png"), png).expect("save the screenshot");
    browser.set_window_size(390, 844).await.expect("a phone-sized window");
    for lang in ["en", "zh"] {
        browser
            .goto(&format!("{}/review?period=2026-10&lang={lang}", app.address))
            .await
            .expect("open the review");
        assert_fits(&browser, 390).await;
        let png = browser.screenshot().await.expect("a screenshot");
        std::fs::write(out.join(format!("review-390-{lang}.png")), png).expect("save the screenshot");
    }
    browser.close().await.expect("close the browser");
}

async fn click(browser: &fantoccini::Client, selector: &str) {
    browser
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .click()
        .await
        .expect("click");
}

/// The text of `selector` once the page holds it: a page still replacing itself after
/// a form's redirect can hand back an element that is gone by the time it is read.
async fn settled_text(browser: &fantoccini::Client, selector: &str) -> String {
    for _ in 0..50 {
        if let Ok(element) = browser.find(Locator::Css(selector)).await
            && let Ok(text) = element.text().await
        {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{selector} never settled on the page");
}

/// Waits until the page's notice begins with `words`, naming what it read if it never does.
async fn notice_reads(browser: &fantoccini::Client, words: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(element) = browser.find(Locator::Css("[data-testid=notice]")).await
            && let Ok(text) = element.text().await
        {
            if text.starts_with(words) {
                return;
            }
            last = text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the notice never read {words:?}; last it read {last:?}");
}

async fn text(browser: &fantoccini::Client, selector: &str) -> String {
    browser
        .find(Locator::Css(selector))
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .text()
        .await
        .expect("text")
}

/// The page is no wider than the window: nothing to scroll sideways.
async fn assert_fits(browser: &fantoccini::Client, width: u32) {
    let widths = browser
        .execute(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];",
            vec![],
        )
        .await
        .expect("the page's widths");
    let widths: Vec<u64> = serde_json::from_value(widths).expect("two numbers");
    if widths[0] <= widths[1] {
        return;
    }
    // Name what sticks out, to say where to look.
    let wide = browser
        .execute(
            "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')]\
             .filter(e => e.getBoundingClientRect().right > w + 1)\
             .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));",
            vec![],
        )
        .await
        .expect("the elements past the edge");
    panic!(
        "at {width} px the page is {} px wide, the window {} px; past the edge: {wide}",
        widths[0], widths[1]
    );
}

/// Signs in through the form as `username` and waits for `landing` on the page it
/// leads to.
async fn sign_in(browser: &fantoccini::Client, address: &str, username: &str, landing: &str) {
    browser
        .goto(&format!("{address}/login"))
        .await
        .expect("open the sign-in page");
    for (field, text) in [("username", username), ("password", DEMO_PASSWORD)] {
        browser
            .find(Locator::Css(&format!("input[name={field}]")))
            .await
            .expect("a field")
            .send_keys(text)
            .await
            .expect("type");
    }
    browser
        .find(Locator::Css("button[type=submit]"))
        .await
        .expect("a button")
        .click()
        .await
        .expect("sign in");
    browser
        .wait()
        .for_element(Locator::Css(landing))
        .await
        .expect("the page after signing in");
}
