//! The pages beyond a single card: a card's trend, its standing among peers, team
//! pages with their leaderboards (HTML and JSON), the overview of teams, and the
//! period switcher, for every role that may open them and 404 for the rest.

use crate::server::{TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::Value;

const PERIOD: &str = "2026-10";

async fn html(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let response = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("a request");
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.expect("a page")
}

async fn json(app: &TestApp, client: &reqwest::Client, path: &str) -> Value {
    let response = client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("a request");
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.expect("JSON")
}

/// Every value of `attribute="..."` on the page, in order.
fn attributes(page: &str, attribute: &str) -> Vec<String> {
    let needle = format!("{attribute}=\"");
    page.match_indices(&needle)
        .map(|(at, _)| page[at + needle.len()..].chars().take_while(|&c| c != '"').collect())
        .collect()
}

/// The text of the element marked `data-testid="{id}"`.
fn test_id(page: &str, id: &str) -> String {
    let needle = format!("data-testid=\"{id}\">");
    let start = page.find(&needle).unwrap_or_else(|| panic!("{id} on the page")) + needle.len();
    page[start..].chars().take_while(|&c| c != '<').collect()
}

/// The part of a trend page holding the chart `id`.
fn chart<'a>(page: &'a str, id: &str) -> &'a str {
    let start = page
        .find(&format!("data-chart=\"{id}\""))
        .unwrap_or_else(|| panic!("chart {id}"));
    let end = page[start..].find("</svg>").expect("the chart ends") + start;
    &page[start..end]
}

/// The engine's card of `subject` through the API, as hr.
async fn card(app: &TestApp, hr: &reqwest::Client, subject: &str, period: &str) -> Value {
    json(app, hr, &format!("/api/v1/scorecards/{subject}?period={period}")).await["card"].clone()
}

#[tokio::test]
async fn a_trend_starts_at_the_first_data_and_sets_each_kpi_against_its_target() {
    let app = spawn_app().await;
    let rep = app.signed_in("rep.p002").await;
    let card_page = html(&app, &rep, &format!("/scorecards/p002?period={PERIOD}")).await;
    assert!(
        card_page.contains(&format!("/scorecards/p002/trend?period={PERIOD}&amp;lang=en")),
        "the card links to its trend"
    );
    let page = html(&app, &rep, &format!("/scorecards/p002/trend?period={PERIOD}")).await;

    // Of the twelve months ending at October, the demo holds data from May: the six
    // months before are left out, not drawn as gaps.
    let total = chart(&page, "total");
    let points = attributes(total, "data-period");
    let expected: Vec<String> = (5..=10).map(|m| format!("2026-{m:02}")).collect();
    assert_eq!(
        points, expected,
        "from the first month with data to {PERIOD}, oldest first"
    );
    assert_eq!(total.matches("class=\"gap\"").count(), 0, "{total}");
    assert_eq!(total.matches("class=\"point\"").count(), 6, "{total}");
    assert!(total.contains("<title id=\"total-title\">"), "an accessible title");
    assert_eq!(
        total.matches("class=\"band\"").count(),
        5,
        "the grade bands behind the total"
    );

    // Each point is the engine's total of its month.
    let hr = app.signed_in("hr").await;
    let values = attributes(total, "data-value");
    for (month, value) in expected.iter().zip(&values) {
        let engine = card(&app, &hr, "p002", month).await["total"].as_f64().expect("a total");
        assert_eq!(*value, format!("{engine:.1}"), "the total of {month}");
    }

    // Every KPI has a small chart of its value with its target line, and a table.
    let october = card(&app, &hr, "p002", PERIOD).await;
    let kpis = october["kpis"].as_array().expect("KPIs");
    let charts = attributes(&page, "data-chart");
    assert_eq!(charts.len(), kpis.len() + 1, "the total and one chart per KPI");
    assert!(page.contains("<div class=\"multiples\">"), "small multiples");
    for (i, kpi) in kpis.iter().enumerate() {
        let drawn = chart(&page, &format!("kpi-{i}"));
        assert_eq!(attributes(drawn, "data-period").len(), 6, "kpi-{i}");
        assert!(drawn.contains("data-guide=\"target\""), "a target line on kpi-{i}");
        if kpi["status"] == "scored" {
            let value = kpi["value"].as_f64().expect("a value");
            assert_eq!(
                attributes(drawn, "data-value").last().expect("October"),
                &format!("{value:.1}"),
                "{}: the value, not the points",
                kpi["kpi"]
            );
        }
    }
    assert_eq!(
        page.matches("<table class=\"visually-hidden\">").count(),
        kpis.len() + 1
    );
}

#[tokio::test]
async fn a_quarter_trend_starts_at_the_first_quarter_with_data() {
    let app = spawn_app().await;
    let lead = app.signed_in("lead.east").await;
    let page = html(&app, &lead, "/scorecards/east/trend?period=2026-Q4&lang=zh").await;
    let total = chart(&page, "total");
    let quarters = attributes(total, "data-period");
    // The data runs from May to October and a KPI needs all three months of a
    // quarter: the third is the first with data, and the fourth (October only) a gap.
    assert_eq!(quarters, ["2026-Q3", "2026-Q4"]);
    assert!(total.contains("class=\"point\" data-period=\"2026-Q3\""), "{total}");
    assert!(total.contains("class=\"gap\" data-period=\"2026-Q4\""), "{total}");
    assert!(page.contains("<html lang=\"zh\">") && page.contains("趋势") && page.contains("目标"));
}

#[tokio::test]
async fn nobody_sees_the_trend_of_a_card_they_may_not_open() {
    let app = spawn_app().await;
    let rep = app.signed_in("rep.p002").await;
    for path in [
        "/scorecards/p003/trend",
        "/scorecards/east/trend",
        "/scorecards/nobody/trend",
    ] {
        assert_eq!(app.status(&rep, path).await, StatusCode::NOT_FOUND, "{path}");
    }
    let care = app.signed_in("lead.care").await;
    assert_eq!(app.status(&care, "/scorecards/p002/trend").await, StatusCode::NOT_FOUND);
    let trail = app.audit_trail("scorecard", "p003").await;
    assert!(
        trail
            .iter()
            .any(|e| e.action == "access_denied" && e.actor == "rep.p002")
    );
}

#[tokio::test]
async fn a_persons_card_shows_their_rank_and_percentile_among_their_role_and_their_teams_median() {
    let app = spawn_app().await;
    let hr = app.signed_in("hr").await;
    let mut people = Vec::new();
    for n in 1..=25 {
        people.push(card(&app, &hr, &format!("p{n:03}"), PERIOD).await);
    }
    let total = |c: &Value| c["total"].as_f64().expect("a total");
    // The best of the junior reps, one in the middle, and a senior rep in east-key.
    let mut ranks = Vec::new();
    for subject in ["p002", "p003", "p012"] {
        let me = people.iter().find(|c| c["subject"] == subject).expect("a card");
        let others: Vec<f64> = people
            .iter()
            .filter(|c| c["role"] == me["role"] && c["subject"] != subject)
            .map(total)
            .collect();
        let higher = others.iter().filter(|&&t| t > total(me)).count();
        let lower = others.iter().filter(|&&t| t < total(me)).count();
        let mut team: Vec<f64> = people.iter().filter(|c| c["team"] == me["team"]).map(total).collect();
        team.sort_by(f64::total_cmp);
        let median = if team.len() % 2 == 1 {
            team[team.len() / 2]
        } else {
            (team[team.len() / 2 - 1] + team[team.len() / 2]) / 2.0
        };

        let page = html(&app, &hr, &format!("/scorecards/{subject}?period={PERIOD}")).await;
        assert_eq!(
            test_id(&page, "peer-rank"),
            format!("{} / {}", higher + 1, others.len() + 1),
            "{subject}"
        );
        assert_eq!(
            test_id(&page, "percentile"),
            format!("{:.0}%", 100.0 * lower as f64 / others.len() as f64),
            "{subject}"
        );
        assert_eq!(test_id(&page, "team-median"), format!("{median:.1}"), "{subject}");
        ranks.push(higher + 1);
    }
    assert!(ranks.iter().any(|&r| r > 1), "not everyone checked is first: {ranks:?}");
    let team = html(&app, &hr, &format!("/scorecards/east?period={PERIOD}")).await;
    assert!(!team.contains("data-testid=\"peer-rank\""), "a team card has no peers");
}

#[tokio::test]
async fn a_team_page_ranks_its_members_by_the_engines_totals() {
    let app = spawn_app().await;
    let lead = app.signed_in("lead.east").await;
    let page = html(&app, &lead, &format!("/teams/east?period={PERIOD}")).await;
    let board = &page[page.find("data-testid=\"leaderboard\"").expect("a leaderboard")..];
    let board = &board[..board.find("</table>").expect("the table ends")];
    let subjects = attributes(board, "data-subject");
    // The lead, p001, stands apart; the members of east and its sub-team east-key follow.
    let mut expected: Vec<String> = (2..=16).map(|n| format!("p{n:03}")).collect();
    let mut listed = subjects.clone();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected, "east and its sub-team east-key");
    let lead_line = &page[page.find("data-testid=\"lead\"").expect("the lead apart")..];
    assert!(
        lead_line[..lead_line.find("</p>").expect("a line")].contains("/scorecards/p001?"),
        "{lead_line}"
    );

    let hr = app.signed_in("hr").await;
    let mut totals = Vec::new();
    for subject in &subjects {
        totals.push(
            card(&app, &hr, subject, PERIOD).await["total"]
                .as_f64()
                .expect("a total"),
        );
    }
    assert!(
        totals.windows(2).all(|w| w[0] >= w[1]),
        "highest total first: {totals:?}"
    );
    assert_eq!(
        attributes(board, "data-total"),
        totals.iter().map(f64::to_string).collect::<Vec<_>>()
    );

    let team_total = card(&app, &hr, "east", PERIOD).await["total"]
        .as_f64()
        .expect("a total");
    assert_eq!(test_id(&page, "team-total"), format!("{team_total:.1}"));
    assert!(page.contains(&format!(
        "href=\"/scorecards/east?period={PERIOD}&amp;lang=en\" data-testid=\"team-card\""
    )));
    assert!(
        page.contains(&format!("href=\"/teams/east-key?period={PERIOD}")),
        "its sub-team"
    );

    // The API gives the same board.
    let api = json(&app, &lead, &format!("/api/v1/leaderboards/east?period={PERIOD}")).await;
    let api_subjects: Vec<&str> = api["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["subject"].as_str().expect("a subject"))
        .filter(|s| *s != "p001")
        .collect();
    assert_eq!(api_subjects, subjects, "the same order, the lead apart");
    assert!(
        api["members"]
            .as_array()
            .expect("members")
            .iter()
            .any(|m| m["subject"] == "p001")
    );
    assert_eq!(api["members"][0]["rank"], 1);
    assert_eq!(api["team"]["total"].as_f64(), Some(team_total));
    assert_eq!(api["sub_teams"][0]["subject"], "east-key");
}

#[tokio::test]
async fn team_pages_answer_every_role_as_the_access_rules_say() {
    let app = spawn_app().await;
    let expected = |user: &str, team: &str| match user {
        "admin" | "hr" => team != "nowhere",
        "lead.east" => matches!(team, "east" | "east-key"),
        "lead.care" => team == "care",
        _ => false,
    };
    for user in ["admin", "hr", "lead.east", "lead.care", "rep.p002"] {
        let client = app.signed_in(user).await;
        for team in ["east", "east-key", "care", "nowhere"] {
            let want = if expected(user, team) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            for path in [format!("/teams/{team}"), format!("/api/v1/leaderboards/{team}")] {
                assert_eq!(app.status(&client, &path).await, want, "{user} GET {path}");
            }
        }
        let overview = if user == "rep.p002" {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::OK
        };
        assert_eq!(app.status(&client, "/teams").await, overview, "{user} GET /teams");
    }
    let trail = app.audit_trail("team", "east").await;
    assert!(
        trail
            .iter()
            .any(|e| e.action == "access_denied" && e.actor == "rep.p002"),
        "a rep guessing a team is recorded: {trail:?}"
    );
    let anonymous = app.client();
    assert_eq!(app.status(&anonymous, "/teams").await, StatusCode::SEE_OTHER);
    assert_eq!(
        app.status(&anonymous, "/api/v1/leaderboards/east").await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_overview_ranks_the_teams_one_may_see_by_total() {
    let app = spawn_app().await;
    let hr = app.signed_in("hr").await;
    let overview = |page: &str| {
        let table = &page[page.find("data-testid=\"overview\"").expect("a table")..];
        attributes(
            &table[..table.find("</table>").expect("the table ends")],
            "data-subject",
        )
    };

    let all = overview(&html(&app, &hr, &format!("/teams?period={PERIOD}")).await);
    let mut totals = Vec::new();
    for team in &all {
        totals.push(card(&app, &hr, team, PERIOD).await["total"].as_f64().expect("a total"));
    }
    assert_eq!(all.len(), 3, "every team for hr: {all:?}");
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{all:?} {totals:?}");

    let east = app.signed_in("lead.east").await;
    let mut theirs = overview(&html(&app, &east, &format!("/teams?period={PERIOD}")).await);
    theirs.sort();
    assert_eq!(theirs, ["east", "east-key"], "a manager's teams and those below");
    let care = app.signed_in("lead.care").await;
    assert_eq!(
        overview(&html(&app, &care, &format!("/teams?period={PERIOD}")).await),
        ["care"]
    );
}

#[tokio::test]
async fn the_period_switcher_changes_the_kind_of_period_and_keeps_the_language() {
    let app = spawn_app().await;
    let lead = app.signed_in("lead.east").await;
    let page = html(&app, &lead, "/teams/east?period=2026-10&kind=quarter&lang=zh").await;
    assert!(
        page.contains("<input name=\"period\" value=\"2026-Q4\""),
        "the quarter holding October"
    );
    assert!(
        page.contains("href=\"/teams/east?period=2026-Q3&amp;lang=zh\""),
        "previous"
    );
    assert!(page.contains("href=\"/teams/east?period=2027-Q1&amp;lang=zh\""), "next");
    assert!(page.contains("团队") && page.contains("<html lang=\"zh\">"));

    // Back down to a month: the newest month with data inside the year.
    let page = html(&app, &lead, "/scorecards/p002?period=2026&kind=month").await;
    assert!(page.contains("<input name=\"period\" value=\"2026-10\""));

    // Every signed-in page carries the switcher, the language switch and the overview link.
    for path in [
        "/",
        "/teams",
        "/teams/east",
        "/scorecards/p002",
        "/scorecards/p002/trend",
    ] {
        let page = html(&app, &lead, &format!("{path}?period=2026-09&lang=zh")).await;
        assert!(page.contains("name=\"kind\" value=\"year\""), "{path}: the switcher");
        assert!(
            page.contains(&format!("href=\"{path}?period=2026-09&amp;lang=en\"")),
            "{path}: English"
        );
        assert!(
            page.contains("href=\"/teams?period=2026-09&amp;lang=zh\""),
            "{path}: the overview"
        );
    }
    assert_eq!(
        app.status(&lead, "/teams?period=2026-10&kind=decade").await,
        StatusCode::BAD_REQUEST
    );
}

/// The row of KPI `kpi` on a card page.
fn kpi_row<'a>(page: &'a str, kpi: &str) -> &'a str {
    let start = page
        .find(&format!("<tr data-kpi=\"{kpi}\""))
        .unwrap_or_else(|| panic!("a row for {kpi}"));
    let end = page[start..].find("</tr>").expect("the row ends") + start;
    &page[start..end]
}

#[tokio::test]
async fn a_card_says_what_is_behind_by_how_much_and_what_it_costs() {
    let app = spawn_app().await;
    let rep = app.signed_in("rep.p002").await;
    let hr = app.signed_in("hr").await;
    let page = html(&app, &rep, &format!("/scorecards/p002?period={PERIOD}")).await;

    // Follow-up timeliness: 32 of 35 enquiries in 24 h is 91.4% against a target of
    // 95%, 3.6 points short; 90.5 points at 15% of the card lose 1.4 of the total.
    let row = kpi_row(&page, "follow_up_timeliness");
    assert!(row.contains("data-standing=\"behind\""), "{row}");
    assert!(row.contains("Behind</span>"), "a word beside the colour: {row}");
    assert!(row.contains("3.6 points below target"), "{row}");
    assert!(
        row.contains("91.4% <small>/ 95.0%</small>"),
        "units on value and target: {row}"
    );
    assert!(row.contains("−1.4"), "{row}");
    assert!(
        row.contains("class=\"bar\"") && row.contains("96.2% of target"),
        "{row}"
    );
    assert!(row.contains("data-testid=\"sparkline\""), "{row}");
    assert!(
        row.contains("enquiries_followed_24h (Enquiries followed up within 24 h) = 32.00"),
        "the explanation names each input: {row}"
    );
    let row = kpi_row(&page, "customer_record_completeness");
    assert!(row.contains("data-standing=\"on_track\""), "{row}");
    assert!(!row.contains("data-testid=\"gap\""), "a met target has no gap: {row}");

    // Every scored KPI has a standing, and the card's largest shortfalls lead.
    let api = card(&app, &hr, "p002", PERIOD).await;
    let scored = api["kpis"]
        .as_array()
        .expect("KPIs")
        .iter()
        .filter(|k| k["status"] == "scored")
        .count();
    assert_eq!(attributes(&page, "data-standing").len(), scored);
    let shortfalls = &page[page.find("data-testid=\"shortfalls\"").expect("the shortfalls")..];
    let shortfalls = &shortfalls[..shortfalls.find("</ol>").expect("a list")];
    assert_eq!(shortfalls.matches("<li>").count(), 3, "{shortfalls}");
    let lost: Vec<f64> = shortfalls
        .split("class=\"lost\">−")
        .skip(1)
        .map(|s| s.split(' ').next().expect("a number").parse().expect("points"))
        .collect();
    assert!(lost.windows(2).all(|w| w[0] >= w[1]), "largest first: {lost:?}");

    // The total against the grade bands, and its change since September.
    let september = card(&app, &hr, "p002", "2026-09").await["total"]
        .as_f64()
        .expect("a total");
    let october = api["total"].as_f64().expect("a total");
    let change = october - september;
    assert_eq!(
        test_id(&page, "change"),
        format!(
            "{}{:.1} since 2026-09",
            if change >= 0.0 { "+" } else { "−" },
            change.abs()
        )
    );
    assert_eq!(
        attributes(&page, "class")
            .iter()
            .filter(|c| *c == "band" || *c == "band mine")
            .count(),
        5
    );
    assert!(
        page.contains("class=\"band mine\"><title>A</title>"),
        "the card's grade band"
    );

    // In Chinese: tiers, standings and gaps in the reader's words.
    let zh = html(&app, &rep, &format!("/scorecards/p002?period={PERIOD}&lang=zh")).await;
    let row = kpi_row(&zh, "follow_up_timeliness");
    assert!(row.contains("落后") && row.contains("低于目标 3.6 个百分点"), "{row}");
    assert!(
        test_id(&zh, "change").starts_with("较 2026-09 "),
        "in the order Chinese says it"
    );
    assert!(row.contains("<small class=\"tier\">基础</small>"), "{row}");
    assert!(zh.contains("<th scope=\"row\">过程</th>") && zh.contains("<th scope=\"row\">结果</th>"));
}

#[tokio::test]
async fn amounts_show_the_currency_of_the_definitions() {
    let app = spawn_app().await;
    let hr = app.signed_in("hr").await;
    let api = card(&app, &hr, "p008", PERIOD).await;
    let amount = api["kpis"]
        .as_array()
        .expect("KPIs")
        .iter()
        .find(|k| k["status"] == "scored" && k["unit"] == "currency")
        .expect("a KPI in money on a senior rep's card")
        .clone();
    let page = html(&app, &hr, &format!("/scorecards/p008?period={PERIOD}")).await;
    let row = kpi_row(&page, amount["kpi"].as_str().expect("an id"));
    let target = amount["target"]["target"].as_f64().expect("a target");
    assert!(
        row.contains(&format!("/ ¥{}", grouped(target))),
        "¥ and thousands on the target {target}: {row}"
    );
}

/// `12400` as `12,400`, worked out apart from the server's own formatting.
fn grouped(value: f64) -> String {
    let digits = format!("{value:.0}");
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[tokio::test]
async fn bonuses_deductions_and_gates_say_why_by_name() {
    let app = spawn_app().await;
    let hr = app.signed_in("hr").await;
    // p002 had 2 referring customers in October at 2 points each.
    let page = html(&app, &hr, &format!("/scorecards/p002?period={PERIOD}")).await;
    let adjustments = &page[page.find("data-testid=\"adjustments\"").expect("the adjustments")..];
    assert!(
        adjustments.contains(
            "<th scope=\"row\">Customer referrals</th><td>2 × 2.0 points (referring_customers), at most 10.0</td><td class=\"n\">+4.0</td>"
        ),
        "{adjustments}"
    );
    assert!(
        adjustments.contains("<th scope=\"row\">Verified complaints</th>"),
        "{adjustments}"
    );
    assert!(!adjustments.contains("referral_bonus"), "names, not ids");
    // p006 had a compliance violation in September: the red line zeroes the card.
    let page = html(&app, &hr, "/scorecards/p006?period=2026-09").await;
    assert!(
        page.contains("<strong>Gate fired</strong>: Compliance red line: compliance_violations &#62; 0 held, so the card scores zero"),
        "{page}"
    );
    let zh = html(&app, &hr, "/scorecards/p006?period=2026-09&lang=zh").await;
    assert!(
        zh.contains("合规红线一票否决：compliance_violations &#62; 0 成立，因此整张绩效卡计零分"),
        "{zh}"
    );
}

#[tokio::test]
async fn pages_speak_the_readers_language_chosen_then_remembered_then_from_the_browser() {
    let app = spawn_app().await;
    let get = |client: &reqwest::Client, path: &str, accept: &str| {
        client
            .get(format!("{}{path}", app.address))
            .header("Accept-Language", accept)
            .send()
    };
    // A browser set to Chinese gets the Chinese sign-in page.
    let stranger = app.client();
    let page = get(&stranger, "/login", "zh-CN,zh;q=0.9,en;q=0.8")
        .await
        .expect("GET /login")
        .text()
        .await
        .expect("a page");
    assert!(
        page.contains("<html lang=\"zh\">") && page.contains("<h1>登录</h1>"),
        "{page}"
    );
    assert!(page.contains("用户名") && page.contains("密码"), "{page}");
    let page = get(&stranger, "/login", "en-GB")
        .await
        .expect("GET")
        .text()
        .await
        .expect("a page");
    assert!(page.contains("<h1>Sign in</h1>"), "{page}");

    // A choice beats the browser and is remembered.
    let rep = app.signed_in("rep.p002").await;
    let chosen = get(&rep, "/scorecards/p002?period=2026-10&lang=en", "zh-CN")
        .await
        .expect("GET");
    let cookie = chosen
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ASCII").to_owned())
        .find(|c| c.starts_with("ys_lang="))
        .expect("the choice is remembered");
    assert!(
        cookie.starts_with("ys_lang=en;") && cookie.contains("Path=/"),
        "{cookie}"
    );
    let page = get(&rep, "/scorecards/p002?period=2026-10", "zh-CN")
        .await
        .expect("GET")
        .text()
        .await
        .expect("a page");
    assert!(
        page.contains("<html lang=\"en\">"),
        "the cookie outranks Accept-Language"
    );

    // Error pages have human titles, in the reader's language.
    let refused = get(&rep, "/scorecards/p003?period=2026-10&lang=zh", "en")
        .await
        .expect("GET");
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let page = refused.text().await.expect("a page");
    assert!(
        page.contains("<h1>页面不存在</h1>") && page.contains("找不到该页面"),
        "{page}"
    );
    assert!(!page.contains("not_found"), "no codes: {page}");
    let refused = get(&rep, "/scorecards/p003?period=2026-10&lang=en", "zh")
        .await
        .expect("GET");
    let page = refused.text().await.expect("a page");
    assert!(page.contains("<h1>Not found</h1>"), "{page}");
    let bad = get(&rep, "/scorecards/p002?period=2026-13&lang=zh", "zh")
        .await
        .expect("GET");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let page = bad.text().await.expect("a page");
    assert!(
        page.contains("<h1>请求无法处理</h1>") && page.contains("`2026-13`"),
        "{page}"
    );
}

#[tokio::test]
async fn a_wrong_password_is_said_in_the_readers_language() {
    let app = spawn_app().await;
    let client = app.client();
    // Choosing Chinese once is remembered for the sign-in that follows.
    client
        .get(format!("{}/login?lang=zh", app.address))
        .send()
        .await
        .expect("GET /login");
    let response = app.sign_in(&client, "hr", "not-it").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let page = response.text().await.expect("a page");
    assert!(page.contains("用户名或密码错误。"), "{page}");
}

#[tokio::test]
async fn a_team_page_maps_each_members_kpis_their_change_and_the_grades_and_sorts_by_any_column() {
    let app = spawn_app().await;
    let lead = app.signed_in("lead.east").await;
    let hr = app.signed_in("hr").await;
    let page = html(&app, &lead, &format!("/teams/east?period={PERIOD}")).await;
    let row = |page: &str, subject: &str| -> String {
        let start = page.find(&format!("<tr data-subject=\"{subject}\"")).expect("a row");
        page[start..start + page[start..].find("</tr>").expect("the row ends")].to_owned()
    };

    // p002's follow-up timeliness is behind (91.4% against 95%): an amber cell, value inside.
    let p002 = row(&page, "p002");
    assert!(
        p002.contains("class=\"n cell behind\" title=\"Behind: 91.4% · 96%\">91.4%</td>"),
        "{p002}"
    );
    assert!(p002.contains("class=\"n cell on_track\""), "{p002}");
    // Its change is against September's total.
    let october = card(&app, &hr, "p002", PERIOD).await["total"]
        .as_f64()
        .expect("a total");
    let september = card(&app, &hr, "p002", "2026-09").await["total"]
        .as_f64()
        .expect("a total");
    let delta = october - september;
    assert!(
        p002.contains(&format!(
            "data-testid=\"change\">{}{:.1}</td>",
            if delta >= 0.0 { "+" } else { "−" },
            delta.abs()
        )),
        "{p002}"
    );

    // The grades of the lead and members add up to everyone on the board.
    let spread = &page[page.find("data-testid=\"grade-spread\"").expect("the grades")..];
    let spread = &spread[..spread.find("</table>").expect("the table ends")];
    let counts: usize = spread
        .split("<td class=\"n\">")
        .skip(1)
        .map(|c| c[..c.find('<').expect("a number")].parse::<usize>().expect("a count"))
        .sum();
    assert_eq!(counts, 16, "{spread}");

    // Sorted by name, then by a KPI's achievement, highest first.
    let by_name = html(&app, &lead, &format!("/teams/east?period={PERIOD}&sort=name&dir=asc")).await;
    let board = &by_name[by_name.find("data-testid=\"leaderboard\"").expect("the board")..];
    let names: Vec<String> = board
        .split("<th scope=\"row\"><a href=")
        .skip(1)
        .map(|r| r[r.find('>').expect("a link") + 1..r.find("</a>").expect("a name")].to_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert!(board.contains("aria-sort=\"ascending\""), "the sorted column says so");
    let by_kpi = html(
        &app,
        &lead,
        &format!("/teams/east?period={PERIOD}&sort=kpi:follow_up_timeliness&dir=desc"),
    )
    .await;
    let board = &by_kpi[by_kpi.find("data-testid=\"leaderboard\"").expect("the board")..];
    let board = &board[..board.find("</table>").expect("the table ends")];
    let first = attributes(board, "data-subject");
    let mut achievements = Vec::new();
    for subject in &first {
        let api = card(&app, &hr, subject, PERIOD).await;
        let kpi = api["kpis"]
            .as_array()
            .expect("KPIs")
            .iter()
            .find(|k| k["kpi"] == "follow_up_timeliness")
            .and_then(|k| k["achievement"].as_f64());
        achievements.push(kpi);
    }
    let present: Vec<f64> = achievements.iter().flatten().copied().collect();
    assert!(
        present.windows(2).all(|w| w[0] >= w[1]),
        "highest first: {achievements:?}"
    );
    let first_missing = achievements
        .iter()
        .position(Option::is_none)
        .unwrap_or(achievements.len());
    assert!(
        achievements[first_missing..].iter().all(Option::is_none),
        "members without it last"
    );
}

#[tokio::test]
async fn hr_filters_sorts_pages_and_downloads_everyone() {
    let app = spawn_app().await;
    // 150 more reps in east, one of them named like a formula.
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut people = String::from("id,name,email,team,role\n");
    for n in 0..150 {
        let name = if n == 7 {
            "=HYPERLINK(\"http://x\")".to_owned()
        } else {
            format!("Extra {n:03}")
        };
        people.push_str(&format!(
            "x{n:03},\"{}\",x{n}@example.com,east,junior_rep\n",
            name.replace('"', "\"\"")
        ));
    }
    let path = crate::helpers::write(dir.path(), "more-people.csv", &people);
    let files =
        yardstick::import::read_definitions(&crate::helpers::root().join("kpi-definitions")).expect("definitions");
    let rulebook = yardstick::kpi::rulebook::Rulebook::load(&files).expect("the shipped definitions");
    yardstick::import::import_file(
        &app.store,
        yardstick::import::Against {
            rulebook: &rulebook,
            version: None,
        },
        yardstick::import::ImportKind::People,
        &path,
        "test",
        &|_, _| {},
    )
    .await
    .expect("imported");
    let hr = app.signed_in("hr").await;

    // 175 people (the demo's 25 and 150): a hundred on the first page, the rest on the second.
    let page = html(&app, &hr, &format!("/?period={PERIOD}")).await;
    assert_eq!(
        test_id(&page, "matching").trim_start().split(" ·").next(),
        Some("Rows 1–100 / 175")
    );
    let table = &page[page.find("data-testid=\"people\"").expect("the table")..];
    assert_eq!(
        attributes(&table[..table.find("</table>").expect("ends")], "data-subject").len(),
        100
    );
    let second = html(&app, &hr, &format!("/?period={PERIOD}&page=2")).await;
    assert!(
        test_id(&second, "matching").contains("101–175 / 175"),
        "{}",
        test_id(&second, "matching")
    );
    assert!(second.contains("rel=\"prev\" href=\"/?period=2026-10"), "a way back");

    // Filtered by role and searched by name.
    let seniors = html(&app, &hr, &format!("/?period={PERIOD}&role=senior_rep")).await;
    let table = &seniors[seniors.find("data-testid=\"people\"").expect("the table")..];
    let listed = attributes(&table[..table.find("</table>").expect("ends")], "data-subject");
    assert_eq!(
        listed,
        ["p008", "p009", "p010", "p012", "p013", "p014", "p015"],
        "the senior reps"
    );
    let found = html(&app, &hr, &format!("/?period={PERIOD}&q=extra%2001")).await;
    assert!(
        test_id(&found, "matching").contains("/ 10"),
        "Extra 010 to 019: {}",
        test_id(&found, "matching")
    );

    // A column it does not know sorts by id, as when none is asked for.
    let rows = |page: &str| {
        let table = &page[page.find("data-testid=\"people\"").expect("the table")..];
        attributes(&table[..table.find("</table>").expect("ends")], "data-subject")
    };
    let unknown = html(&app, &hr, &format!("/?period={PERIOD}&sort=no-such-column")).await;
    let plain = html(&app, &hr, &format!("/?period={PERIOD}")).await;
    assert_eq!(rows(&unknown), rows(&plain));

    // Sorted by total, highest first; people without a total last.
    let sorted = html(&app, &hr, &format!("/?period={PERIOD}&sort=total&dir=desc")).await;
    let table = &sorted[sorted.find("data-testid=\"people\"").expect("the table")..];
    let order = attributes(&table[..table.find("</table>").expect("ends")], "data-subject");
    let mut totals = Vec::new();
    for subject in order.iter().take(25) {
        totals.push(card(&app, &hr, subject, PERIOD).await["total"].as_f64());
    }
    let present: Vec<f64> = totals.iter().flatten().copied().collect();
    assert!(present.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    assert!(
        order[25..].iter().all(|s| s.starts_with('x')),
        "the new people have no data yet"
    );

    // The download holds what is shown, over every page, its text made safe.
    let csv = hr
        .get(format!(
            "{}/?period={PERIOD}&team=east&sort=name&download=csv",
            app.address
        ))
        .send()
        .await
        .expect("the CSV");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .expect("ASCII")
            .contains("people-2026-10.csv")
    );
    let text = csv.text().await.expect("text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,name,team,role,total,grade,change,period");
    assert_eq!(
        lines.len(),
        1 + 150 + 10,
        "every person of east, not only a page: {}",
        lines.len()
    );
    assert!(
        text.contains("x007,\"'=HYPERLINK(\"\"http://x\"\")\",east,junior_rep"),
        "escaped: {text}"
    );
    let xlsx = hr
        .get(format!("{}/?period={PERIOD}&download=xlsx", app.address))
        .send()
        .await
        .expect("the workbook");
    assert_eq!(
        xlsx.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.bytes().await.expect("bytes").starts_with(b"PK"), "a zip");
    let bad = hr
        .get(format!("{}/?period={PERIOD}&download=pdf", app.address))
        .send()
        .await
        .expect("a refusal");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // Sorted by the change since September, largest first, people without one last;
    // the page shows the download's first rows with the same changes.
    let by_change = hr
        .get(format!(
            "{}/?period={PERIOD}&sort=change&dir=desc&download=csv",
            app.address
        ))
        .send()
        .await
        .expect("the CSV")
        .text()
        .await
        .expect("text");
    let mut reader = csv::Reader::from_reader(by_change.as_bytes());
    let rows: Vec<(String, Option<f64>)> = reader
        .records()
        .map(|r| {
            let r = r.expect("a row");
            (r[0].to_owned(), r[6].parse().ok())
        })
        .collect();
    let changes: Vec<f64> = rows.iter().map_while(|(_, c)| *c).collect();
    assert!(
        changes.len() >= 10,
        "the demo's people changed since September: {rows:?}"
    );
    assert!(changes.windows(2).all(|w| w[0] >= w[1]), "{changes:?}");
    assert!(rows[changes.len()..].iter().all(|(_, c)| c.is_none()), "{rows:?}");
    let page = html(&app, &hr, &format!("/?period={PERIOD}&sort=change&dir=desc")).await;
    let table = &page[page.find("data-testid=\"people\"").expect("the table")..];
    let shown = attributes(&table[..table.find("</table>").expect("ends")], "data-subject");
    let downloaded: Vec<String> = rows.iter().take(100).map(|(s, _)| s.clone()).collect();
    assert_eq!(shown, downloaded);
    let (first, change) = (&rows[0].0, rows[0].1.expect("a change"));
    let row = &table[table.find(&format!("data-subject=\"{first}\"")).expect("the first row")..];
    let row = &row[..row.find("</tr>").expect("its end")];
    let cell = row.rsplit("<td class=\"n\">").next().expect("the change cell");
    let shown: f64 = cell[..cell.find("</td>").expect("ends")]
        .replace('−', "-")
        .parse()
        .expect("a change shown");
    assert!(
        (shown - change).abs() < 0.051,
        "{first}: {shown} on the page, {change} downloaded"
    );

    // A manager's download holds only the people they may see.
    let care = app.signed_in("lead.care").await;
    let text = care
        .get(format!("{}/?period={PERIOD}&download=csv", app.address))
        .send()
        .await
        .expect("the CSV")
        .text()
        .await
        .expect("text");
    assert!(!text.contains("p002,") && !text.contains("x007,"), "{text}");

    // An order is sorted once for the period and shared: the manager's list by role
    // name (ties by id) is hr's with only the manager's people left in, whoever asked first.
    let subjects = |csv: String| -> Vec<String> {
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap_or_default().to_owned())
            .collect()
    };
    let by_role = |client: reqwest::Client| {
        let url = format!("{}/?period={PERIOD}&sort=role&dir=desc&download=csv", app.address);
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("the CSV")
                .text()
                .await
                .expect("text")
        }
    };
    let theirs = subjects(by_role(care.clone()).await);
    let everyone = subjects(by_role(hr.clone()).await);
    assert!(!theirs.is_empty() && theirs.len() < everyone.len(), "{theirs:?}");
    let kept: Vec<String> = everyone.into_iter().filter(|s| theirs.contains(s)).collect();
    assert_eq!(theirs, kept);
}

#[tokio::test]
async fn the_teams_overview_is_a_tree_with_each_teams_grades() {
    let app = spawn_app().await;
    let hr = app.signed_in("hr").await;
    let page = html(&app, &hr, &format!("/teams?period={PERIOD}")).await;
    let tree = &page[page.find("data-testid=\"tree\"").expect("the tree")..];
    let tree = &tree[..tree.find("</table>").expect("the table ends")];
    let order = attributes(tree, "data-subject");
    let depths = attributes(tree, "data-depth");
    let east = order.iter().position(|t| t == "east").expect("east");
    assert_eq!(
        order[east + 1],
        "east-key",
        "a sub-team right under its parent: {order:?}"
    );
    assert_eq!((depths[east].as_str(), depths[east + 1].as_str()), ("0", "1"));
    // east's grades count everyone in east and east-key with a grade.
    let row = &tree[tree.find("data-subject=\"east\"").expect("east's row")..];
    let row = &row[..row.find("</tr>").expect("the row ends")];
    let cell = row.rsplit("<td>").next().expect("the spread");
    let counted: usize = cell
        .trim_end_matches("</td>")
        .split(" · ")
        .map(|g| {
            g.rsplit(' ')
                .next()
                .expect("a count")
                .parse::<usize>()
                .expect("a number")
        })
        .sum();
    let mut graded = 0;
    for n in 1..=16 {
        if card(&app, &hr, &format!("p{n:03}"), PERIOD).await["grade"].is_string() {
            graded += 1;
        }
    }
    assert_eq!(counted, graded, "{row}");

    // A manager's tree starts at the teams they lead.
    let care = app.signed_in("lead.care").await;
    let page = html(&app, &care, &format!("/teams?period={PERIOD}")).await;
    let tree = &page[page.find("data-testid=\"tree\"").expect("the tree")..];
    let tree = &tree[..tree.find("</table>").expect("the table ends")];
    assert_eq!(attributes(tree, "data-subject"), ["care"]);
    assert_eq!(attributes(tree, "data-depth"), ["0"]);
}

#[tokio::test]
async fn an_error_page_keeps_the_signed_in_header() {
    let app = spawn_app().await;
    let rep = app.signed_in("rep.p002").await;
    let refused = rep
        .get(format!("{}/scorecards/p003?period={PERIOD}", app.address))
        .send()
        .await
        .expect("GET");
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let page = refused.text().await.expect("a page");
    assert!(page.contains("<h1>Not found</h1>"), "{page}");
    assert!(
        page.contains("rep.p002") && page.contains("action=\"/logout\""),
        "the header and sign-out: {page}"
    );
    let stranger = app
        .client()
        .get(format!("{}/no-such-page", app.address))
        .send()
        .await
        .expect("GET");
    assert_eq!(stranger.status(), StatusCode::NOT_FOUND);
    let page = stranger.text().await.expect("a page");
    assert!(
        !page.contains("action=\"/logout\""),
        "no header for someone not signed in: {page}"
    );
}

/// WCAG 2's relative luminance of `#rrggbb`.
fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).expect("a hex colour")) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
}

fn contrast(a: &str, b: &str) -> f64 {
    let (a, b) = (luminance(a), luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

#[test]
fn text_colours_meet_wcag_aa_contrast_on_their_backgrounds() {
    assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9, "the formula");
    let css = std::fs::read_to_string(crate::helpers::root().join("templates/base.html")).expect("the styles");
    // Text on the backgrounds it is drawn on: page, tables and cards, header, heat cells.
    let pairs = [
        ("body text", "#1d2430", "#f6f7f9"),
        ("body text in a table", "#1d2430", "#ffffff"),
        ("header", "#ffffff", "#1d2430"),
        ("warnings", "#a4370e", "#f6f7f9"),
        ("warnings in a table", "#a4370e", "#ffffff"),
        ("notes and small print", "#4a5568", "#ffffff"),
        ("notes on the page", "#4a5568", "#f6f7f9"),
        ("on track", "#22663a", "#ffffff"),
        ("behind", "#8a4b00", "#ffffff"),
        ("far behind, points lost", "#9b2c2c", "#ffffff"),
        ("a heat cell on track", "#1d2430", "#c6f6d5"),
        ("a heat cell behind", "#1d2430", "#feebc8"),
        ("a heat cell far behind", "#1d2430", "#fed7d7"),
        ("an empty heat cell", "#4a5568", "#ffffff"),
    ];
    for (what, text, background) in pairs {
        for colour in [text, background] {
            assert!(
                colour == "#ffffff" || css.contains(colour),
                "{what}: {colour} is not in the styles any more; update this list"
            );
        }
        let ratio = contrast(text, background);
        assert!(
            ratio >= 4.5,
            "{what}: {text} on {background} is {ratio:.2}:1, under AA's 4.5:1"
        );
    }
}

#[tokio::test]
async fn teams_are_named_in_the_readers_language() {
    let app = spawn_app().await;
    let hr = app.signed_in("hr").await;
    let zh = html(&app, &hr, &format!("/teams/east?period={PERIOD}&lang=zh")).await;
    assert!(zh.contains("<h1>华东区销售部 <small>(east)</small></h1>"), "{zh}");
    assert!(zh.contains(">大客户组</a>"), "the sub-team too");
    let card = html(&app, &hr, &format!("/scorecards/east?period={PERIOD}&lang=zh")).await;
    assert!(card.contains("<h1>华东区销售部"), "the team's card");
    let overview = html(&app, &hr, &format!("/teams?period={PERIOD}&lang=zh")).await;
    assert!(overview.contains(">客户服务部</a>"), "the overview and tree");
    let en = html(&app, &hr, &format!("/teams/east?period={PERIOD}&lang=en")).await;
    assert!(en.contains("<h1>East Region Sales <small>(east)</small></h1>"), "{en}");
    let board = json(&app, &hr, &format!("/api/v1/leaderboards/east?period={PERIOD}")).await;
    assert_eq!(board["team"]["name_zh"], "华东区销售部");
}

#[tokio::test]
async fn a_server_fault_and_a_lockout_are_said_in_the_readers_language_without_details() {
    use sea_orm::ConnectionTrait;
    let app = spawn_app().await;
    let rep = app.signed_in("rep.p002").await;
    // The database loses a table under the running server: every card read fails inside.
    let other = sea_orm::Database::connect(app.url.clone())
        .await
        .expect("a second connection");
    other
        .execute_unprepared("DROP TABLE metric_values")
        .await
        .expect("drop a table");
    for (lang, title, message) in [
        ("zh", "<h1>出错了</h1>", "服务器出错了；请稍后重试。"),
        ("en", "<h1>Something went wrong</h1>", "internal error"),
    ] {
        let failed = rep
            .get(format!("{}/scorecards/p002?period={PERIOD}&lang={lang}", app.address))
            .send()
            .await
            .expect("GET");
        assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR, "{lang}");
        let page = failed.text().await.expect("a page");
        assert!(page.contains(title) && page.contains(message), "{lang}: {page}");
        assert!(page.contains(&format!("<html lang=\"{lang}\">")), "{page}");
        assert!(
            !page.contains("metric_values") && !page.to_lowercase().contains("sql"),
            "nothing of the inside shows: {page}"
        );
        assert!(page.contains("action=\"/logout\""), "the header stays: {page}");
    }

    // Too many wrong passwords for one account: 429 in the reader's words.
    let client = app.client();
    client
        .get(format!("{}/login?lang=zh", app.address))
        .send()
        .await
        .expect("GET /login");
    let mut locked = app.sign_in(&client, "rep.p003", "not-the-password").await;
    for _ in 0..5 {
        locked = app.sign_in(&client, "rep.p003", "not-the-password").await;
    }
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = locked.text().await.expect("a page");
    assert!(
        page.contains("<h1>尝试次数过多</h1>") && page.contains("登录失败次数过多"),
        "{page}"
    );
}

/// `count` more junior reps in team `east`, each with p002's October numbers.
async fn grow_east(app: &TestApp, count: usize) {
    let (token, hash) = yardstick::credentials::new_api_token();
    app.store
        .insert_api_token("grow", "hr", yardstick::store::ApiScope::Write, &hash, "test")
        .await
        .expect("a token");
    let post = |path: &'static str, body: Value| {
        let request = app
            .client()
            .post(format!("{}{path}", app.address))
            .bearer_auth(&token)
            .json(&body);
        async move {
            let response = request.send().await.expect("a POST");
            assert_eq!(response.status(), StatusCode::OK, "POST {path}");
        }
    };
    let people: Vec<Value> = (0..count)
        .map(|i| serde_json::json!({ "id": format!("x{i:04}"), "name": format!("Extra {i}"), "email": "", "team": "east", "role": "junior_rep" }))
        .collect();
    post("/api/v1/people", serde_json::json!({ "rows": people })).await;
    let october: Vec<(String, f64)> = std::fs::read_to_string(crate::helpers::demo("metrics.csv"))
        .expect("the demo's metrics")
        .lines()
        .filter_map(|l| l.strip_prefix("p002,2026-10,"))
        .map(|l| {
            let (metric, value) = l.split_once(',').expect("metric,value");
            (metric.to_owned(), value.parse().expect("a number"))
        })
        .collect();
    let rows: Vec<Value> = (0..count)
        .flat_map(|i| {
            october.iter().map(move |(metric, value)| {
                serde_json::json!({ "subject": format!("x{i:04}"), "period": PERIOD, "metric": metric, "value": value * (1.0 + i as f64 / 1000.0) })
            })
        })
        .collect();
    post("/api/v1/metrics", serde_json::json!({ "rows": rows })).await;
}

#[tokio::test]
async fn a_large_team_comes_a_page_at_a_time_on_its_page_and_from_the_api() {
    let app = spawn_app().await;
    grow_east(&app, 150).await;
    let hr = app.signed_in("hr").await;

    // The API: pages of `limit`, `paging.next` leading on until the last.
    let whole = json(
        &app,
        &hr,
        &format!("/api/v1/leaderboards/east?period={PERIOD}&limit=1000"),
    )
    .await;
    let total = whole["paging"]["total"].as_u64().expect("a total") as usize;
    assert!(total > 150, "{total}");
    assert_eq!(whole["members"].as_array().map(Vec::len), Some(total));
    assert_eq!(whole["paging"]["next"], Value::Null);
    let first = json(&app, &hr, &format!("/api/v1/leaderboards/east?period={PERIOD}")).await;
    assert_eq!(first["members"].as_array().map(Vec::len), Some(100), "100 unless asked");
    let mut paged = Vec::new();
    let mut next = Some(format!("/api/v1/leaderboards/east?period={PERIOD}&limit=60"));
    while let Some(path) = next {
        let page = json(&app, &hr, &path).await;
        paged.extend(
            page["members"]
                .as_array()
                .expect("members")
                .iter()
                .map(|m| m["subject"].clone()),
        );
        next = page["paging"]["next"].as_str().map(str::to_owned);
    }
    let all: Vec<Value> = whole["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| m["subject"].clone())
        .collect();
    assert_eq!(paged, all, "the pages, one after the other, are the board");
    let too_many = hr
        .get(format!("{}/api/v1/leaderboards/east?limit=5000", app.address))
        .send()
        .await
        .expect("a GET");
    assert_eq!(too_many.status(), StatusCode::BAD_REQUEST);

    // The page: 100 members (the lead apart, on every page), a link on; the second
    // page the rest, in the same order.
    let members = |page: &str| -> Vec<String> {
        let board = &page[page.find("data-testid=\"leaderboard\"").expect("the board")..];
        let board = &board[..board.find("</table>").expect("its end")];
        attributes(board, "data-subject")
    };
    let page = app.page(&hr, &format!("/teams/east?period={PERIOD}")).await;
    let shown = members(&page);
    assert_eq!(shown.len(), 100, "a page of members: {shown:?}");
    assert!(page.contains("rel=\"next\""), "a link to the next page");
    let second = app
        .page(&hr, &format!("/teams/east?period={PERIOD}&sort=rank&dir=asc&page=2"))
        .await;
    let rest = members(&second);
    assert!(!rest.is_empty() && rest.len() < 100, "{}", rest.len());
    assert!(second.contains("rel=\"prev\""));
    assert!(rest.iter().all(|s| !shown.contains(s)), "no one twice");
}
