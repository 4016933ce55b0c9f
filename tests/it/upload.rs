//! Uploading data from the browser: who may, good CSV and XLSX files, a file with bad
//! rows (refused whole), an oversize file (413), and the new data on a scorecard.

use crate::server::{TestApp, spawn_app};
use crate::store::write_xlsx;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use yardstick::kpi::period::Period;

const VISITS_FIX: &str = "subject,period,metric,value\np002,2026-10,visits_made,31\np002,2026-10,visits_planned,32\n";

impl TestApp {
    /// Uploads `bytes` as a file called `name` holding `kind`, with the session's
    /// CSRF token unless `csrf` is given.
    async fn upload(
        &self,
        client: &reqwest::Client,
        kind: &str,
        name: &str,
        bytes: Vec<u8>,
        csrf: Option<&str>,
    ) -> reqwest::Response {
        let csrf = match csrf {
            Some(token) => token.to_owned(),
            None => self.csrf(client).await,
        };
        let form = Form::new()
            .text("csrf", csrf)
            .text("kind", kind.to_owned())
            .part("file", Part::bytes(bytes).file_name(name.to_owned()));
        client
            .post(format!("{}/upload", self.address))
            .multipart(form)
            .send()
            .await
            .expect("POST /upload")
    }

    /// p002's stored `visits_made` for October 2026 (30 in the demo).
    async fn p002_visits(&self) -> f64 {
        let period: Period = "2026-10".parse().expect("a month");
        self.store
            .list_metric_values(period)
            .await
            .expect("store")
            .iter()
            .find(|r| &*r.subject == "p002" && &*r.metric == "visits_made")
            .expect("the demo's value")
            .value
    }
}

/// The number in the cell marked `data-testid="{id}"`.
fn count(page: &str, id: &str) -> String {
    let marker = format!("data-testid=\"{id}\">");
    let start = page
        .find(&marker)
        .unwrap_or_else(|| panic!("{id} on the page:\n{page}"))
        + marker.len();
    page[start..].chars().take_while(char::is_ascii_digit).collect()
}

#[tokio::test]
async fn the_upload_page_opens_for_hr_and_admin_and_is_not_found_for_everyone_else() {
    let app = spawn_app().await;
    for user in ["admin", "hr", "lead.east", "lead.care", "rep.p002"] {
        let client = app.signed_in(user).await;
        let may = matches!(user, "admin" | "hr");
        let want = if may { StatusCode::OK } else { StatusCode::NOT_FOUND };
        assert_eq!(app.status(&client, "/upload").await, want, "{user} GET /upload");
        if !may {
            let response = app.upload(&client, "metrics", "fix.csv", VISITS_FIX.into(), None).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{user} POST /upload");
        }
    }
    assert_eq!(app.p002_visits().await, 30.0, "nothing was written");
    assert_eq!(
        app.status(&app.client(), "/upload").await,
        StatusCode::SEE_OTHER,
        "an anonymous browser is sent to sign in"
    );
}

#[tokio::test]
async fn a_good_csv_is_imported_audited_under_its_own_name_and_shows_on_the_scorecard() {
    let app = spawn_app().await;
    let hr = app.signed_in("hr").await;
    let form = app
        .upload(&hr, "metrics", "october-fix.csv", VISITS_FIX.into(), None)
        .await;
    assert_eq!(form.status(), StatusCode::OK);
    let page = form.text().await.expect("a page");
    assert!(page.contains("october-fix.csv"), "{page}");
    assert_eq!(count(&page, "added"), "0");
    assert_eq!(count(&page, "changed"), "1");
    assert_eq!(count(&page, "unchanged"), "1");

    assert_eq!(app.p002_visits().await, 31.0);
    let change = app.audit_trail("metric_value", "p002/2026-10/visits_made").await;
    assert!(
        change
            .iter()
            .any(|e| e.actor == "hr" && e.before.as_deref() == Some("30") && e.after.as_deref() == Some("31")),
        "{change:?}"
    );
    let import_id = app.store.data_version().await.expect("the newest import");
    let import = app
        .store
        .audit_trail("metrics", &import_id.to_string())
        .await
        .expect("audit");
    assert!(
        import.iter().any(|e| e.actor == "hr"
            && e.after
                .as_deref()
                .is_some_and(|a| a.contains("\"source\":\"october-fix.csv\""))),
        "the upload's own name is recorded: {import:?}"
    );

    let card = app.page(&hr, "/scorecards/p002?period=2026-10").await;
    assert!(
        card.contains("visits_made (Visits made) = 31.00"),
        "the new value explains the card:\n{card}"
    );
}

#[tokio::test]
async fn a_good_xlsx_is_read_as_a_spreadsheet() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("new-people.xlsx");
    write_xlsx(
        &path,
        &[
            ["id", "name", "email", "team", "role"],
            ["x1", "Xu Li", "li.xu@example.com", "east", "junior_rep"],
            ["x2", "Yan Bo", "bo.yan@example.com", "care", "customer_success"],
        ],
    );
    let admin = app.signed_in("admin").await;
    let response = app
        .upload(
            &admin,
            "people",
            "new-people.xlsx",
            std::fs::read(&path).expect("the workbook"),
            None,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.expect("a page");
    assert_eq!(count(&page, "added"), "2");
    let people = app.store.list_people().await.expect("store");
    let x2 = people.iter().find(|p| p.key == "x2").expect("imported");
    assert_eq!((x2.name.as_str(), x2.team.as_str()), ("Yan Bo", "care"));
    let index = app.page(&admin, "/?period=2026-10").await;
    assert!(
        index.contains("/scorecards/x2?"),
        "the new person is listed at once, though a people import leaves the data version alone"
    );
}

#[tokio::test]
async fn a_file_with_bad_rows_is_refused_whole_with_every_bad_row_listed() {
    let app = spawn_app().await;
    let hr = app.signed_in("hr").await;
    let file = "subject,period,metric,value\n\
                p002,2026-10,visits_made,31\n\
                nobody,2026-10,visits_made,5\n\
                p002,2026-10,visits_made,many\n\
                p002,2026-13,visits_made,5\n";
    let response = app.upload(&hr, "metrics", "bad.csv", file.into(), None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("a page");
    assert!(page.contains("nothing from it was written"), "{page}");
    for (line, column) in [(3, "subject"), (4, "value"), (5, "period")] {
        let at = page
            .find(&format!("data-line=\"{line}\""))
            .unwrap_or_else(|| panic!("line {line} listed:\n{page}"));
        let row = page[at..].split("</tr>").next().expect("a row");
        assert!(row.contains(&format!("<td>{column}</td>")), "{row}");
    }
    assert!(!page.contains("data-line=\"2\""), "the good row is not blamed");
    assert_eq!(app.p002_visits().await, 30.0, "not even the good row was written");
}

#[tokio::test]
async fn a_file_changing_a_finalized_month_is_refused_409_once_per_month() {
    let app = spawn_app().await;
    app.finalize("2026-10").await;
    let hr = app.signed_in("hr").await;
    let file = format!(
        "subject,period,metric,value\n{}",
        crate::store::october_rows_changed(50)
    );
    let response = app.upload(&hr, "metrics", "late.csv", file.into(), None).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    let page = response.text().await.expect("a page");
    assert!(page.contains("nothing from it was written"), "{page}");
    assert_eq!(page.matches("data-line=").count(), 1, "one line for the month:\n{page}");
    assert!(
        page.contains("period 2026-10 is finalized; its data and targets can no longer change (50 rows"),
        "{page}"
    );
    assert_eq!(app.p002_visits().await, 30.0);
}

#[tokio::test]
async fn an_oversize_file_is_answered_413_and_writes_nothing() {
    let app = spawn_app().await;
    let hr = app.signed_in("hr").await;
    let line = "p002,2026-10,visits_made,31\n";
    let mut file = String::from("subject,period,metric,value\n");
    let lines = yardstick::web::UPLOAD_LIMIT as usize / line.len() + 1;
    file.push_str(&line.repeat(lines));
    let response = app.upload(&hr, "metrics", "huge.csv", file.into(), None).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = response.text().await.expect("a page");
    assert!(page.contains("larger than 16 MiB"), "{page}");
    assert_eq!(app.p002_visits().await, 30.0);
    assert_eq!(
        app.status(&hr, "/upload").await,
        StatusCode::OK,
        "the server goes on serving"
    );
}

#[tokio::test]
async fn an_upload_without_its_csrf_token_or_with_an_unreadable_file_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    let forged = app
        .upload(&admin, "metrics", "fix.csv", VISITS_FIX.into(), Some("forged"))
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let missing = admin
        .post(format!("{}/upload", app.address))
        .multipart(
            Form::new()
                .text("kind", "metrics")
                .part("file", Part::bytes(VISITS_FIX.as_bytes()).file_name("fix.csv")),
        )
        .send()
        .await
        .expect("POST /upload");
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);

    let text = app.upload(&admin, "metrics", "fix.txt", VISITS_FIX.into(), None).await;
    assert_eq!(text.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text.text().await.expect("a page").contains("fix.txt cannot be read"));
    let no_kind = app.upload(&admin, "", "fix.csv", VISITS_FIX.into(), None).await;
    assert_eq!(no_kind.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.p002_visits().await, 30.0);
}

/// A workbook of a header and one value at the last cell Excel has, `XFD1048576`: its
/// sheet declares 17 billion cells.
pub(crate) fn far_cell_workbook(path: &std::path::Path) {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (c, name) in ["id", "name", "email", "team", "role"].iter().enumerate() {
        sheet.write_string(0, c as u16, *name).expect("a header cell");
    }
    sheet.write_string(1_048_575, 16_383, "far").expect("the far cell");
    workbook.save(path).expect("save the workbook");
}

#[tokio::test]
async fn a_small_workbook_claiming_a_huge_sheet_is_refused_and_the_server_goes_on() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("far.xlsx");
    far_cell_workbook(&path);
    let bytes = std::fs::read(&path).expect("the workbook");
    assert!(bytes.len() < 16 * 1024, "a small file: {} bytes", bytes.len());
    let hr = app.signed_in("hr").await;
    let response = app.upload(&hr, "people", "far.xlsx", bytes, None).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.expect("a page");
    assert!(
        page.contains("cell XFD1048576 holds a value beyond column IV; at most 256 columns are read"),
        "{page}"
    );
    let old = app.upload(&hr, "people", "old.xls", b"not read".to_vec(), None).await;
    assert_eq!(old.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.status(&hr, "/upload").await,
        StatusCode::OK,
        "the server goes on serving"
    );
}
