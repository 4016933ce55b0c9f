//! The monthly review over HTTP, as its people run it: a rep rates themselves, their
//! manager rates them and the card counts it, hr starts, finalizes and reopens the
//! month, and the payroll file is read back; every step refused to whoever it is
//! not for, and nothing changes in a finalized month.

use crate::server::{TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::Value;

const MONTH: &str = "2026-10";

impl TestApp {
    async fn post_with_csrf(&self, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
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

    async fn rate(
        &self,
        client: &reqwest::Client,
        person: &str,
        rater: &str,
        rating: &str,
        comment: &str,
    ) -> StatusCode {
        let path = format!("/scorecards/{person}/appraisal?period={MONTH}");
        let fields = [("as", rater), ("rating.overall", rating), ("comment", comment)];
        self.post_with_csrf(client, &path, &fields).await.status()
    }

    /// Imports one row of `kind` as a file would, its fields by column name.
    async fn import_row(&self, kind: yardstick::import::ImportKind, fields: &[(&str, &str)]) {
        let (_, version) = yardstick::definitions::in_force(&self.store, None)
            .await
            .expect("in force");
        let (required, optional) = kind.columns();
        let columns: Vec<&str> = [required, optional].concat();
        let mut record: Vec<String> = columns.iter().map(|_| String::new()).collect();
        for (column, value) in fields {
            let at = columns.iter().position(|c| c == column).expect("a column of the kind");
            record[at] = (*value).to_owned();
        }
        let table = yardstick::import::Table::from_records("a file", &columns, vec![record]);
        yardstick::import::import_table(&self.store, version.against(), kind, &table, "", "test", &|_, _| {})
            .await
            .expect("imported");
    }

    async fn card_json(&self, client: &reqwest::Client, person: &str) -> Value {
        let card: Value = client
            .get(format!("{}/api/v1/scorecards/{person}?period={MONTH}", self.address))
            .send()
            .await
            .expect("GET a card")
            .json()
            .await
            .expect("JSON");
        card["card"].clone()
    }
}

#[tokio::test]
async fn a_rating_counts_in_the_total_beside_the_tiers() {
    let app = spawn_app().await;
    let (rep, lead) = (app.signed_in("rep.p002").await, app.signed_in("lead.east").await);
    let before = app.card_json(&lead, "p002").await;
    assert_eq!(before["qualitative"]["reason"], "awaiting the manager's rating");
    let weighted = before["weighted_score"].as_f64().expect("a weighted score");
    let total = before["total"].as_f64().expect("a total");
    let adjustments = total - weighted;

    assert_eq!(
        app.rate(&rep, "p002", "self", "4", "Beat my visit plan").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.rate(&lead, "p002", "manager", "5", "Strong month").await,
        StatusCode::SEE_OTHER
    );

    let after = app.card_json(&lead, "p002").await;
    // The tiers keep 80% of their weight; a 5 is worth 120 points at 20%: 24 points.
    let expected = weighted * 0.8 + 120.0 * 0.2 + adjustments;
    let got = after["total"].as_f64().expect("a total");
    assert!((got - expected).abs() < 1e-9, "total {got}, expected {expected}");
    assert_eq!(after["qualitative"]["points"], 120.0);
    assert_eq!(after["qualitative"]["contribution"], 24.0);
    assert_eq!(after["qualitative"]["ratings"][0]["label"]["en"], "Outstanding");
    assert_eq!(after["appraisal"]["self_ratings"]["overall"], 4);
    assert_eq!(after["appraisal"]["self_comment"], "Beat my visit plan");
    assert_eq!(after["appraisal"]["manager_comment"], "Strong month");

    // The rep sees both side by side on their card; the self-assessment is closed now.
    let page = app.page(&rep, &format!("/scorecards/p002?period={MONTH}")).await;
    assert!(
        page.contains("Beat my visit plan") && page.contains("Strong month"),
        "{page}"
    );
    assert!(page.contains("5 – Outstanding") && page.contains("4 – Exceeds expectations"));
    assert!(
        !page.contains("data-testid=\"rating-form\""),
        "rated: no form for the rep"
    );
    assert_eq!(app.rate(&rep, "p002", "self", "5", "again").await, StatusCode::CONFLICT);
    let audit = app.audit_trail("appraisal", "2026-10/p002").await;
    assert_eq!(audit.len(), 2, "both ratings audited");
}

#[tokio::test]
async fn nobody_rates_beyond_their_place() {
    let app = spawn_app().await;
    let rep = app.signed_in("rep.p002").await;
    assert_eq!(
        app.rate(&rep, "p002", "manager", "5", "").await,
        StatusCode::FORBIDDEN,
        "a rep cannot rate"
    );
    assert_eq!(
        app.rate(&rep, "p003", "self", "5", "").await,
        StatusCode::NOT_FOUND,
        "nor rate another"
    );
    let care = app.signed_in("lead.care").await;
    assert_eq!(
        app.rate(&care, "p002", "manager", "3", "").await,
        StatusCode::NOT_FOUND,
        "a manager rates only their teams"
    );
    let lead = app.signed_in("lead.east").await;
    assert_eq!(
        app.rate(&lead, "p002", "manager", "9", "").await,
        StatusCode::BAD_REQUEST,
        "off the scale"
    );
    let hr = app.signed_in("hr").await;
    assert_eq!(
        app.rate(&hr, "p002", "manager", "3", "").await,
        StatusCode::FORBIDDEN,
        "hr does not rate"
    );
    // Reps do not see the review; managers do not run hr's steps.
    assert_eq!(
        app.status(&rep, &format!("/review?period={MONTH}")).await,
        StatusCode::NOT_FOUND
    );
    let start = format!("/review/{MONTH}/start");
    assert_eq!(
        app.post_with_csrf(&lead, &start, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post_with_csrf(&lead, &format!("/review/{MONTH}/payroll"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(
        app.store
            .list_appraisals(MONTH.parse().expect("a month"))
            .await
            .expect("appraisals")
            .is_empty()
    );
}

#[tokio::test]
async fn hr_runs_the_month_from_start_to_payroll_and_reopens_it_with_a_reason() {
    let app = spawn_app().await;
    let (hr, lead) = (app.signed_in("hr").await, app.signed_in("lead.east").await);
    // Require the manager's rating of junior reps and each team's sign-off.
    require_ratings_and_sign_offs(&app).await;

    let start = app.post_with_csrf(&hr, &format!("/review/{MONTH}/start"), &[]).await;
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let review = app.page(&lead, &format!("/review?period={MONTH}")).await;
    assert!(review.contains("data-status=\"in review\""), "{review}");
    assert!(
        review.contains("the manager&#39;s rating of p002"),
        "the lead sees whom to chase: {review}"
    );
    assert!(!review.contains("data-team=\"care\""), "only their own teams");

    let refused = app.post_with_csrf(&hr, &format!("/review/{MONTH}/finalize"), &[]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let page = refused.text().await.expect("a page");
    assert!(
        page.contains("2026-10 cannot be finalized yet: east: the manager&#39;s rating of p002"),
        "{page}"
    );
    assert!(page.contains("the manager&#39;s sign-off"), "{page}");

    let (_, version) = yardstick::definitions::in_force(&app.store, None)
        .await
        .expect("in force");
    let organisation = yardstick::import::stored_organisation(&app.store, &version.rulebook, None)
        .await
        .expect("the organisation");
    let month = MONTH.parse().expect("a month");
    let appraisals = app.store.list_appraisals(month).await.expect("appraisals");
    let progress = yardstick::review::progress(&version.rulebook, &organisation, month, &appraisals, &[]);
    for team in &progress.teams {
        // The demo's junior reps all work in east and east-key, under lead.east.
        for person in team.people.iter().filter(|p| p.rating_required) {
            let rated = app.rate(&lead, &person.person, "manager", "3", "").await;
            assert_eq!(rated, StatusCode::SEE_OTHER, "{}", person.person);
        }
        let sign_off = format!("/review/{MONTH}/teams/{}/sign-off", team.team);
        assert_eq!(
            app.post_with_csrf(&hr, &sign_off, &[]).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let finalized = app.post_with_csrf(&hr, &format!("/review/{MONTH}/finalize"), &[]).await;
    assert_eq!(finalized.status(), StatusCode::SEE_OTHER);

    // Nobody edits a finalized month.
    assert_eq!(app.rate(&lead, "p002", "manager", "5", "").await, StatusCode::CONFLICT);
    let frozen = app.card_json(&lead, "p002").await;
    assert_eq!(frozen["qualitative"]["points"], 100.0, "frozen with its rating");

    // The payroll file, read back as a spreadsheet would.
    let xlsx = hr
        .get(format!("{}/review/{MONTH}/payroll?format=xlsx", app.address))
        .send()
        .await
        .expect("payroll");
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.expect("bytes");
    let rows = read_sheet(&bytes);
    assert_eq!(rows[0][..4], ["period", "person", "name", "team"]);
    let p002 = rows.iter().find(|r| r[1] == "p002").expect("p002's row");
    assert_eq!(p002[8], "100", "the qualitative points");
    let csv = hr
        .get(format!("{}/review/{MONTH}/payroll", app.address))
        .send()
        .await
        .expect("payroll")
        .text()
        .await
        .expect("csv");
    assert!(csv.starts_with("period,person,name,team,role,base,process,result,qualitative,total"));
    assert_eq!(
        app.status(&lead, &format!("/review/{MONTH}/payroll")).await,
        StatusCode::NOT_FOUND
    );

    // Reopened only with a reason; the cards it was finalized with are kept.
    let no_reason = app
        .post_with_csrf(&hr, &format!("/review/{MONTH}/reopen"), &[("reason", "  ")])
        .await;
    assert_eq!(no_reason.status(), StatusCode::BAD_REQUEST);
    let reopen = [("reason", "late corrections from the CRM")];
    let reopened = app
        .post_with_csrf(&hr, &format!("/review/{MONTH}/reopen"), &reopen)
        .await;
    assert_eq!(reopened.status(), StatusCode::SEE_OTHER);
    let kept = app.store.snapshot_history(month).await.expect("history");
    assert!(
        kept.iter()
            .any(|s| s.subject == "p002" && s.revision == 1 && s.reason == reopen[0].1)
    );
    assert_eq!(
        app.rate(&lead, "p002", "manager", "5", "").await,
        StatusCode::SEE_OTHER,
        "open again"
    );
    let audit = app.audit_trail("period", MONTH).await;
    let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["status", "status", "reopen"], "{audit:?}");
}

/// Publishes the shipped definitions with the junior reps' rating and every team's
/// sign-off required, and waits until the server has taken them up.
async fn require_ratings_and_sign_offs(app: &TestApp) {
    let files = yardstick::definitions::shipped_files()
        .into_iter()
        .map(|mut f| {
            if f.name == "review.yaml" {
                f.text = f.text.replace("team_sign_off: false", "team_sign_off: true");
            }
            if f.name == "role-junior-rep.yaml" {
                f.text = f.text.replace("required: false", "required: true");
            }
            f
        })
        .collect();
    let version = yardstick::definitions::RulebookVersion::compile(None, files).expect("valid definitions");
    yardstick::definitions::publish(
        &app.store,
        version,
        "test",
        "ratings required",
        yardstick::store::PublishBase::Current,
    )
    .await
    .expect("published");
    let hr = app.signed_in("hr").await;
    for _ in 0..50 {
        let page = app.page(&hr, &format!("/review?period={MONTH}")).await;
        if page.contains("the manager&#39;s sign-off") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let page = app.page(&hr, &format!("/review?period={MONTH}")).await;
    panic!("the server never took the new definitions up: {page}");
}

fn read_sheet(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("a workbook");
    let range = workbook.worksheet_range("Payroll").expect("the Payroll sheet");
    range
        .rows()
        .map(|row| row.iter().map(|c| c.to_string()).collect())
        .collect()
}

#[tokio::test]
async fn hr_calibrates_a_grade_with_a_reason_against_the_forced_distribution() {
    let app = spawn_app().await;
    let (hr, lead) = (app.signed_in("hr").await, app.signed_in("lead.east").await);
    let before = app.card_json(&hr, "p002").await;
    assert_eq!(before["grade"], "A");

    let path = format!("/scorecards/p002/decisions?period={MONTH}");
    let calibrate = |grade, reason| [("action", "calibrate"), ("grade", grade), ("text", reason)];
    let no_reason = app.post_with_csrf(&hr, &path, &calibrate("B", " ")).await;
    assert_eq!(no_reason.status(), StatusCode::BAD_REQUEST);
    let off_scale = app.post_with_csrf(&hr, &path, &calibrate("Z", "x")).await;
    assert_eq!(off_scale.status(), StatusCode::BAD_REQUEST);
    let by_lead = app.post_with_csrf(&lead, &path, &calibrate("B", "x")).await;
    assert_eq!(
        by_lead.status(),
        StatusCode::FORBIDDEN,
        "managers calibrate only where the definitions allow"
    );
    let reason = "A is over its 20% in east";
    let done = app.post_with_csrf(&hr, &path, &calibrate("B", reason)).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);

    let after = app.card_json(&hr, "p002").await;
    assert_eq!(after["grade"], "A", "the computed grade stays");
    assert_eq!(after["appraisal"]["calibrated"]["grade"], "B");
    assert_eq!(after["appraisal"]["calibrated"]["reason"], reason);
    assert_eq!(after["appraisal"]["calibrated"]["bonus_coefficient"], 1.0);
    let card = app.page(&lead, &format!("/scorecards/p002?period={MONTH}")).await;
    assert!(
        card.contains("calibrated to") && card.contains(reason),
        "the card shows both grades and why"
    );
    let review = app.page(&hr, &format!("/review?period={MONTH}")).await;
    assert!(review.contains("<td data-testid=\"grade\">A → B</td>"), "{review}");
    // The demo's east team holds more A grades than a fifth: flagged.
    assert!(review.contains("data-testid=\"bound-off\">A at most 20%"), "{review}");
    let audit = app.audit_trail("appraisal", "2026-10/p002").await;
    assert!(
        audit
            .iter()
            .any(|a| a.action == "grade_adjusted" && a.after.as_deref() == Some(&format!("B: {reason}")[..]))
    );
}

#[tokio::test]
async fn after_finalizing_people_acknowledge_or_appeal_and_hr_resolves() {
    let app = spawn_app().await;
    let (hr, lead) = (app.signed_in("hr").await, app.signed_in("lead.east").await);
    let (p002, p003) = (app.signed_in("rep.p002").await, app.signed_in("rep.p003").await);
    let ack = |person: &str| format!("/scorecards/{person}/decisions?period={MONTH}");
    let acknowledge = [("action", "acknowledge")];
    assert_eq!(
        app.post_with_csrf(&p002, &ack("p002"), &acknowledge).await.status(),
        StatusCode::CONFLICT,
        "nothing to acknowledge before finalizing"
    );
    app.finalize(MONTH).await;

    let own = ack("p002");
    let answer = |fields| app.post_with_csrf(&p002, &own, fields);
    assert_eq!(answer(&acknowledge).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(answer(&acknowledge).await.status(), StatusCode::CONFLICT, "once");
    let not_own = app.post_with_csrf(&p002, &ack("p003"), &acknowledge).await;
    assert_eq!(not_own.status(), StatusCode::NOT_FOUND, "only one's own");
    let why = "My visits in the east-key accounts were not counted";
    let appeal = [("action", "appeal"), ("text", why)];
    assert_eq!(
        app.post_with_csrf(&p003, &ack("p003"), &appeal).await.status(),
        StatusCode::SEE_OTHER
    );

    let review = app.page(&lead, &format!("/review?period={MONTH}")).await;
    assert!(review.contains("data-person=\"p002\"") && review.contains("acknowledged"));
    assert!(review.contains("appealed"), "the manager sees who appealed");

    let resolve = ack("p003");
    let fields = [("action", "change"), ("grade", "S"), ("text", "visits recounted")];
    assert_eq!(
        app.post_with_csrf(&lead, &resolve, &fields).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post_with_csrf(&hr, &resolve, &fields).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.post_with_csrf(&hr, &resolve, &fields).await.status(),
        StatusCode::CONFLICT,
        "resolved once"
    );

    let card = app.page(&p003, &format!("/scorecards/p003?period={MONTH}")).await;
    assert!(
        card.contains(why) && card.contains("visits recounted"),
        "the rep sees the whole exchange"
    );
    let csv = hr
        .get(format!("{}/review/{MONTH}/payroll", app.address))
        .send()
        .await
        .expect("payroll")
        .text()
        .await
        .expect("csv");
    let row: Vec<&str> = csv
        .lines()
        .find(|l| l.contains(",p003,"))
        .expect("p003")
        .split(',')
        .collect();
    assert_eq!(
        (row[10], row[11], row[12]),
        ("A", "S", "1.5"),
        "computed A, final S and its coefficient: {csv}"
    );
}

#[tokio::test]
async fn a_value_far_from_its_own_history_is_flagged_and_marked_checked_without_changing_a_score() {
    let app = spawn_app().await;
    let lead = app.signed_in("lead.east").await;
    let card = app.card_json(&lead, "p002").await;
    let visits = card["kpis"]
        .as_array()
        .expect("kpis")
        .iter()
        .flat_map(|k| k["inputs"].as_array().expect("inputs"))
        .find(|i| i["name"] == "visits_made")
        .and_then(|i| i["value"].as_f64())
        .expect("visits made");
    let outlier = (visits * 10.0).to_string();
    let row = [
        ("subject", "p002"),
        ("period", MONTH),
        ("metric", "visits_made"),
        ("value", &outlier),
    ];
    app.import_row(yardstick::import::ImportKind::Metrics, &row).await;

    // The server takes another process's import up within a quarter of a second.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let review = app.page(&lead, &format!("/review?period={MONTH}")).await;
    let flag =
        format!("data-check=\"own_history:visits_made\" data-person=\"p002\">p002: visits_made {outlier}, own median");
    assert!(review.contains(&flag), "{review}");
    let total = app.card_json(&lead, "p002").await["total"].clone();
    let mark = format!("/review/{MONTH}/checks/p002/own_history:visits_made");
    assert_eq!(
        app.post_with_csrf(&lead, &mark, &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let review = app.page(&lead, &format!("/review?period={MONTH}")).await;
    assert!(review.contains("checked by lead.east"), "{review}");
    assert_eq!(
        app.card_json(&lead, "p002").await["total"],
        total,
        "a flag never changes a score"
    );
    let care = app.signed_in("lead.care").await;
    assert_eq!(
        app.post_with_csrf(&care, &mark, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_attention_list_names_kpis_far_behind_for_months_running_to_their_managers_only() {
    let app = spawn_app().await;
    let (lead, care) = (app.signed_in("lead.east").await, app.signed_in("lead.care").await);
    let east = app.page(&lead, &format!("/review?period={MONTH}")).await;
    let at = east.find("data-testid=\"attention\"").expect("an attention list");
    let list = &east[at..];
    // p010's sales growth has been far behind since August: 6.1, 3.5, -2.5.
    assert!(list.contains("data-person=\"p010\""), "{list}");
    assert!(list.contains("2026-08: 6.1 → 2026-09: 3.5 → 2026-10: -2.5"), "{list}");
    let theirs = app.page(&care, &format!("/review?period={MONTH}")).await;
    assert!(
        !theirs.contains("data-person=\"p010\""),
        "another team's people are not listed"
    );
}

/// The review's records on each database: the command line's steps, a rating and a
/// calibrated grade frozen with the month, every reopening kept under its revision.
#[test]
fn the_review_keeps_its_records_on_every_database() {
    use crate::store::{databases, import_demo, ok, run, runtime};
    let dir = tempfile::tempdir().expect("a temporary folder");
    let month: yardstick::kpi::period::Month = MONTH.parse().expect("a month");
    for url in databases(dir.path()) {
        import_demo(&url);
        let rt = runtime();
        let store = rt.block_on(yardstick::store::Store::open(&url)).expect("open");
        let ratings = yardstick::kpi::qualitative::Ratings::from([("overall".to_owned(), 2)]);
        let rater = yardstick::store::Rater::Manager;
        rt.block_on(store.save_rating(month, "p002", rater, &ratings, "a slow month", "lead"))
            .expect("rated");
        rt.block_on(store.adjust_grade(month, "p003", "B", "over the A quota", "hr"))
            .expect("calibrated");

        assert!(ok(&url, &["review", "start", "--period", MONTH]).contains("2026-10 is in review"));
        let status = ok(&url, &["review", "status", "--period", MONTH]);
        assert!(
            status.contains("2026-10: in review") && status.contains("east: 1 of "),
            "{url}: {status}"
        );
        assert!(ok(&url, &["finalize", "--period", MONTH]).contains("scorecards frozen"));
        let payroll = ok(&url, &["export", "payroll", "--period", MONTH]);
        let p002: Vec<&str> = payroll
            .lines()
            .find(|l| l.contains(",p002,"))
            .expect("p002")
            .split(',')
            .collect();
        assert_eq!(p002[8], "70", "{url}: a 2 is worth 70 points: {payroll}");
        let p003: Vec<&str> = payroll
            .lines()
            .find(|l| l.contains(",p003,"))
            .expect("p003")
            .split(',')
            .collect();
        assert_eq!((p003[10], p003[11]), ("A", "B"), "{url}");

        rt.block_on(store.acknowledge(month, "p002", "rep.p002"))
            .expect("acknowledged");
        let refused = run(&url, &["review", "reopen", "--period", MONTH, "--reason", " "]);
        assert_eq!(refused.status.code(), Some(1));
        for revision in 1..=2 {
            let reopened = ok(&url, &["review", "reopen", "--period", MONTH, "--reason", "late data"]);
            assert!(
                reopened.contains(&format!("kept as revision {revision}")),
                "{url}: {reopened}"
            );
            ok(&url, &["finalize", "--period", MONTH]);
        }
        let history = rt.block_on(store.snapshot_history(month)).expect("history");
        let revisions: std::collections::BTreeSet<i32> = history.iter().map(|s| s.revision).collect();
        assert_eq!(revisions, [1, 2].into(), "{url}: every finalization kept");
        let state = rt.block_on(store.period_state(month)).expect("state");
        assert_eq!((state.status.as_str(), state.reopened), ("finalized", 2), "{url}");
    }
}

#[tokio::test]
async fn the_payroll_never_hands_a_spreadsheet_a_formula() {
    let app = spawn_app().await;
    let name = "=HYPERLINK(\"http://example.invalid\",\"pay\")";
    let row = [("id", "p099"), ("name", name), ("team", "east"), ("role", "junior_rep")];
    app.import_row(yardstick::import::ImportKind::People, &row).await;
    app.finalize(MONTH).await;
    let hr = app.signed_in("hr").await;
    let bytes = hr
        .get(format!("{}/review/{MONTH}/payroll?format=xlsx", app.address))
        .send()
        .await
        .expect("payroll")
        .bytes()
        .await
        .expect("bytes");
    let rows = read_sheet(&bytes);
    let row = rows.iter().find(|r| r[1] == "p099").expect("p099's row");
    assert_eq!(row[2], format!("'{name}"), "shown as text, never run");
    let csv = hr
        .get(format!("{}/review/{MONTH}/payroll", app.address))
        .send()
        .await
        .expect("payroll")
        .text()
        .await
        .expect("csv");
    assert!(csv.contains("p099,\"'=HYPERLINK("), "{csv}");
}
