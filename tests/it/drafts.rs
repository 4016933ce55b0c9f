//! Editing the definitions from the browser, driven over HTTP as a browser would: a
//! draft begun, an invalid edit saved but never published, a preview, a publish that
//! every card shows at once, a second publisher from the same base refused with the
//! diff, and a rollback; hr reads the history and a preview, a rep sees none of it.

use crate::server::{TestApp, spawn_app};
use reqwest::StatusCode;

impl TestApp {
    async fn post_form(&self, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf(client).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &csrf));
        client
            .post(format!("{}{path}", self.address))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// Begins a draft and returns its path.
    async fn begin_draft(&self, admin: &reqwest::Client) -> String {
        let response = self.post_form(admin, "/admin/definitions/drafts", &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        location(&response)
    }

    /// The text of one of a draft's files, as its page shows it.
    async fn draft_file(&self, admin: &reqwest::Client, draft: &str, file: &str) -> String {
        let page = self.page(admin, draft).await;
        let marker = format!("id=\"text-{file}\"");
        let at = page.find(&marker).expect("the file's textarea");
        let start = at + page[at..].find('>').expect("the tag ends") + 1;
        let end = start + page[start..].find("</textarea>").expect("the textarea ends");
        unescape(&page[start..end])
    }

    async fn total(&self, client: &reqwest::Client, subject: &str, period: &str) -> Option<f64> {
        let card: serde_json::Value = client
            .get(format!("{}/api/v1/scorecards/{subject}?period={period}", self.address))
            .send()
            .await
            .expect("GET a card")
            .json()
            .await
            .expect("JSON");
        card["card"]["total"].as_f64()
    }
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .expect("a redirect")
        .to_owned()
}

/// `html` with the entities askama writes (`&#62;`, `&amp;`, ...) turned back into text.
fn unescape(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        text.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest.find(';').expect("an entity ends");
        let entity = &rest[1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            numeric => {
                char::from_u32(numeric.trim_start_matches('#').parse().expect("a numeric entity")).expect("a char")
            }
        };
        text.push(c);
        rest = &rest[end + 1..];
    }
    text.push_str(rest);
    text
}

#[tokio::test]
async fn an_admin_edits_previews_and_publishes_and_a_second_publisher_is_refused() {
    let app = spawn_app().await;
    app.finalize("2026-08").await;
    let admin = app.signed_in("admin").await;
    let hr = app.signed_in("hr").await;
    let before = app.total(&hr, "p008", "2026-09").await;

    let draft = app.begin_draft(&admin).await;
    assert_eq!(draft, "/admin/definitions/drafts/1");
    let other = app.begin_draft(&admin).await;
    let role = app.draft_file(&admin, &draft, "role-senior-rep.yaml").await;
    assert!(
        role.contains("target: 1500"),
        "the draft starts from the version in force"
    );

    // A broken formula is saved, shown at its place, and cannot be published.
    let sales = app.draft_file(&admin, &draft, "kpis-sales.yaml").await;
    let broken = sales.replacen("formula: sales_amount", "formula: sales_amont", 1);
    let saved = app
        .post_form(
            &admin,
            &format!("{draft}/files"),
            &[("file", "kpis-sales.yaml"), ("text", &broken)],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page = app.page(&admin, &location(&saved)).await;
    assert!(page.contains("kpis-sales.yaml saved."), "{page}");
    assert!(
        page.contains("data-problem=\"kpis-sales.yaml\">kpis-sales.yaml:29:")
            && page.contains("unknown metric or KPI `sales_amont`; did you mean `sales_amount`?"),
        "the problem at its file, line and column: {page}"
    );
    let refused = app
        .post_form(&admin, &format!("{draft}/publish"), &[("comment", "broken")])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.store.active_publication_id().await.expect("read"),
        Some(1),
        "nothing published"
    );
    assert_eq!(app.total(&hr, "p008", "2026-09").await, before, "nothing live changed");

    // Fixed, and the senior reps' cost target cut.
    app.post_form(
        &admin,
        &format!("{draft}/files"),
        &[("file", "kpis-sales.yaml"), ("text", &sales)],
    )
    .await;
    app.post_form(
        &admin,
        &format!("{draft}/files"),
        &[
            ("file", "role-senior-rep.yaml"),
            ("text", &role.replace("target: 1500", "target: 900")),
        ],
    )
    .await;
    let page = app.page(&admin, &draft).await;
    assert!(page.contains("data-testid=\"valid\""), "{page}");

    let preview = app.page(&hr, &format!("{draft}/preview")).await;
    let october = &preview[preview.find("data-period=\"2026-10\"").expect("the current month")..];
    let october = &october[..october.find("</section>").expect("its end")];
    assert!(!october.contains("(finalized"), "{october}");
    let p008 = &october[october.find("data-subject=\"p008\"").expect("p008's row")..];
    let change = &p008[p008.find("data-change>").expect("a change") + "data-change>".len()..];
    assert!(
        change.starts_with('-'),
        "a harder cost target lowers a senior rep's total: {p008}"
    );
    let sizes: Vec<f64> = october
        .split("data-change>")
        .skip(1)
        .filter_map(|cell| cell[..cell.find('<').expect("the cell ends")].parse::<f64>().ok())
        .map(f64::abs)
        .collect();
    assert!(
        sizes.len() > 10 && sizes.windows(2).all(|w| w[0] >= w[1]),
        "the largest change first: {sizes:?}"
    );
    let august = &preview[preview
        .find("data-period=\"2026-08\"")
        .expect("the last finalized month")..];
    assert!(august.contains("(finalized: shown as frozen"), "{august}");
    let rep = app.signed_in("rep.p002").await;
    assert_eq!(
        app.status(&rep, &format!("{draft}/preview")).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.status(&rep, "/admin/definitions/history").await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.status(&hr, &draft).await, StatusCode::NOT_FOUND, "only admins edit");

    let published = app
        .post_form(
            &admin,
            &format!("{draft}/publish"),
            &[("comment", "cheaper senior reps")],
        )
        .await;
    assert_eq!(published.status(), StatusCode::SEE_OTHER);
    let history = app.page(&hr, &location(&published)).await;
    assert!(history.contains("Published as version 2 (publication 2)"), "{history}");
    assert!(
        history.contains("cheaper senior reps") && !history.contains("Publish version"),
        "hr reads, never rolls back: {history}"
    );
    let after = app.total(&hr, "p008", "2026-09").await;
    assert_ne!(after, before, "the card changed at once");
    assert_eq!(
        app.status(&admin, &draft).await,
        StatusCode::NOT_FOUND,
        "a published draft is gone"
    );
    let open = app.page(&hr, "/scorecards/p008?period=2026-09").await;
    assert!(
        open.contains("<span data-testid=\"scored-with\">Scored with definitions version 2</span>"),
        "{open}"
    );
    let frozen = app.page(&hr, "/scorecards/p008?period=2026-08&lang=zh").await;
    assert!(
        frozen.contains("定稿时按指标定义第 1 版计算"),
        "a finalized month keeps its version: {frozen}"
    );

    // The other draft began from publication 1: refused, with what changed meanwhile.
    let conflict = app
        .post_form(&admin, &format!("{other}/publish"), &[("comment", "mine")])
        .await;
    assert_eq!(conflict.status(), StatusCode::CONFLICT);
    let page = conflict.text().await.expect("a page");
    assert!(
        page.contains("begun from publication 1, but publication 2 is in force"),
        "{page}"
    );
    assert!(
        page.contains("-          customer_acquisition_cost: { weight: 15, target: 1500 }"),
        "{page}"
    );
    assert_eq!(app.total(&hr, "p008", "2026-09").await, after, "no silent overwrite");

    let diff = app.page(&hr, "/admin/definitions/diff?a=1&b=2").await;
    assert!(
        diff.contains("+          customer_acquisition_cost: { weight: 15, target: 900 }"),
        "{diff}"
    );

    // Rolling back publishes version 1 again.
    let back = app
        .post_form(
            &admin,
            "/admin/definitions/rollback",
            &[("version", "1"), ("active", "2")],
        )
        .await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.total(&hr, "p008", "2026-09").await, before);
    let stale = app
        .post_form(
            &admin,
            "/admin/definitions/rollback",
            &[("version", "2"), ("active", "2")],
        )
        .await;
    assert_eq!(
        stale.status(),
        StatusCode::CONFLICT,
        "a rollback from an old page is refused"
    );
    let trail = app.audit_trail("definitions", "3").await;
    assert!(
        trail.iter().any(|e| e.action == "publish" && e.actor == "admin"),
        "{trail:?}"
    );
    let published = app.audit_trail("definitions", "2").await;
    assert_eq!(
        published[0].after.as_deref(),
        Some("version 2: cheaper senior reps (role-senior-rep.yaml changed)"),
        "who, why and which files"
    );
}

/// Every input of the common-changes form, as a browser would send it.
fn form_inputs(page: &str) -> Vec<(String, String)> {
    let form = &page[page.find("data-testid=\"common-changes\"").expect("the form")..];
    let form = &form[..form.find("</form>").expect("its end")];
    form.split("<input ")
        .skip(1)
        .filter_map(|tag| {
            let attribute = |name: &str| {
                let marker = format!("{name}=\"");
                let at = tag.find(&marker)? + marker.len();
                Some(unescape(&tag[at..at + tag[at..].find('"')?]))
            };
            // A browser sends a checkbox only when it is ticked.
            if tag.contains("type=\"checkbox\"") && !tag.contains(" checked") {
                return None;
            }
            Some((attribute("name")?, attribute("value").unwrap_or_default()))
        })
        .filter(|(name, _)| name != "csrf")
        .collect()
}

#[tokio::test]
async fn the_form_of_common_changes_writes_only_what_changed_and_keeps_the_comments() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let draft = app.begin_draft(&admin).await;
    let original = app.draft_file(&admin, &draft, "role-junior-rep.yaml").await;
    let page = app.page(&admin, &draft).await;
    assert!(
        page.contains("<script src=\"/assets/sums.js\" defer></script>"),
        "{page}"
    );
    assert!(
        page.contains("data-sum-of=\"junior_rep-process\">100</output>"),
        "each tier's sum shown: {page}"
    );
    let mut inputs = form_inputs(&page);
    assert!(inputs.len() > 50, "{inputs:?}");
    let set = |inputs: &mut Vec<(String, String)>, path: &str, value: &str| {
        let field = inputs
            .iter_mut()
            .find(|(n, _)| n == path)
            .unwrap_or_else(|| panic!("{path} in the form"));
        field.1 = value.to_owned();
    };
    set(
        &mut inputs,
        "n/roles/junior_rep/tiers/process/kpis/visit_plan_completion/weight",
        "50",
    );
    set(
        &mut inputs,
        "n/roles/junior_rep/tiers/process/kpis/communication_quality/weight",
        "25",
    );
    set(
        &mut inputs,
        "n/roles/junior_rep/tiers/process/kpis/communication_quality/target/stretch",
        "92",
    );
    let fields: Vec<(&str, &str)> = inputs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let saved = app.post_form(&admin, &format!("{draft}/form"), &fields).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page = app.page(&admin, &location(&saved)).await;
    assert!(page.contains("3 changes saved."), "{page}");
    let after = app.draft_file(&admin, &draft, "role-junior-rep.yaml").await;
    assert_eq!(
        after,
        original
            .replace(
                "visit_plan_completion: { weight: 40,",
                "visit_plan_completion: { weight: 50,"
            )
            .replace(
                "communication_quality: { weight: 35,",
                "communication_quality: { weight: 25,"
            )
            .replace("target: 78, stretch: 90 }", "target: 78, stretch: 92 }"),
        "only the three values changed; comments and layout kept"
    );
    assert!(page.contains("data-testid=\"valid\""), "{page}");
    let trail = app.audit_trail("definitions_draft", "1").await;
    assert!(
        trail.iter().any(|e| e
            .after
            .as_deref()
            .is_some_and(|a| a.contains("visit_plan_completion/weight 40 → 50"))),
        "{trail:?}"
    );

    // A word where a number belongs is refused with its place; a sum off 100 is saved
    // and then shown as the draft's problem.
    set(
        &mut inputs,
        "n/roles/junior_rep/tiers/process/kpis/visit_plan_completion/weight",
        "lots",
    );
    let fields: Vec<(&str, &str)> = inputs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let refused = app.post_form(&admin, &format!("{draft}/form"), &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = refused.text().await.expect("a page");
    assert!(
        page.contains("roles/junior_rep/tiers/process/kpis/visit_plan_completion/weight: `lots` is not a number"),
        "{page}"
    );
    set(
        &mut inputs,
        "n/roles/junior_rep/tiers/process/kpis/visit_plan_completion/weight",
        "60",
    );
    let fields: Vec<(&str, &str)> = inputs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let saved = app.post_form(&admin, &format!("{draft}/form"), &fields).await;
    let page = app.page(&admin, &location(&saved)).await;
    assert!(
        page.contains("data-testid=\"problems\"") && page.contains("role-junior-rep.yaml:"),
        "{page}"
    );
    assert!(
        page.contains("add up to 110, not 100"),
        "the sum the admin has to fix: {page}"
    );
    assert!(
        page.contains("data-sum-of=\"junior_rep-process\" class=\"warn\">110</output>"),
        "{page}"
    );

    // A KPI taken off the tier and another put on, with the weights mended in the same form.
    set(
        &mut inputs,
        "n/roles/junior_rep/tiers/process/kpis/visit_plan_completion/weight",
        "50",
    );
    let mut fields: Vec<(&str, &str)> = inputs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    fields.push(("remove/junior_rep/process/email_click_rate", "1"));
    fields.push(("add/junior_rep/process/kpi", "sales_cycle_length"));
    fields.push(("add/junior_rep/process/weight", "25"));
    fields.push(("add/junior_rep/process/target", "40"));
    let saved = app.post_form(&admin, &format!("{draft}/form"), &fields).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page = app.page(&admin, &location(&saved)).await;
    assert!(page.contains("data-testid=\"valid\""), "{page}");
    let role = app.draft_file(&admin, &draft, "role-junior-rep.yaml").await;
    assert!(!role.contains("email_click_rate:"), "{role}");
    assert!(
        role.contains("          communication_quality: { weight: 25, target: { threshold: 65, target: 78, stretch: 92 } }\n          sales_cycle_length: { weight: 25, target: 40 }\n"),
        "put on after the tier's last KPI, indented as its neighbours: {role}"
    );

    // A scoring band's points, from the same form.
    let page = app.page(&admin, &draft).await;
    let mut inputs = form_inputs(&page);
    set(
        &mut inputs,
        "n/kpis/customer_retention_rate/scoring/bands/steps/1/points",
        "65",
    );
    set(&mut inputs, "n/kpis/sales_target_achievement/scoring/linear/cap", "125");
    let fields: Vec<(&str, &str)> = inputs.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let saved = app.post_form(&admin, &format!("{draft}/form"), &fields).await;
    assert!(app.page(&admin, &location(&saved)).await.contains("2 changes saved."));
    let customer = app.draft_file(&admin, &draft, "kpis-customer.yaml").await;
    assert!(
        customer.contains("          - { from: 90, points: 65 }\n"),
        "{customer}"
    );
    let sales = app.draft_file(&admin, &draft, "kpis-sales.yaml").await;
    assert!(
        sales.contains("scoring: { linear: { floor: 60, cap: 125 } }"),
        "{sales}"
    );

    let script = app.page(&admin, "/assets/sums.js").await;
    assert!(script.contains("data-sum-of"), "{script}");
}

#[tokio::test]
async fn a_new_kpi_from_the_metrics_is_added_to_the_catalogue_and_put_on_a_role() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let draft = app.begin_draft(&admin).await;
    let page = app.page(&admin, &draft).await;
    assert!(
        page.contains("<code>visits_made</code>"),
        "the metrics are listed: {page}"
    );
    let kpi = [
        ("id", "visits_per_lead"),
        ("name_en", "Visits per lead"),
        ("name_zh", "每条线索拜访数"),
        ("tier", "process"),
        ("unit", "ratio"),
        ("direction", "higher"),
        ("formula", "visits_made / leads"),
        ("floor", "0"),
        ("cap", "150"),
    ];
    let added = app.post_form(&admin, &format!("{draft}/kpis"), &kpi).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let page = app.page(&admin, &location(&added)).await;
    assert!(
        page.contains("KPI visits_per_lead saved.") && page.contains("data-testid=\"valid\""),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"visits_per_lead\">Visits per lead (visits_per_lead)</option>"),
        "it may be put on a process tier now: {page}"
    );
    let file = app.draft_file(&admin, &draft, "kpis-added.yaml").await;
    assert!(
        file.contains("  visits_per_lead:\n") && file.contains("formula: visits_made / leads"),
        "{file}"
    );

    let mut wrong = kpi.to_vec();
    wrong[6] = ("formula", "visits_made / leeds");
    wrong[0] = ("id", "visits_per_leed");
    let added = app.post_form(&admin, &format!("{draft}/kpis"), &wrong).await;
    let page = app.page(&admin, &location(&added)).await;
    assert!(
        page.contains("kpis-added.yaml:") && page.contains("unknown metric or KPI `leeds`; did you mean `leads`?"),
        "the draft's own checks place the problem: {page}"
    );
}
