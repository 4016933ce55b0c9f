//! Each report as a mail: a subject, a plain-text body and an HTML body from askama
//! templates (`templates/mail/<report>/`), with inline styles and tables that mail
//! clients keep, and bars drawn with CSS: no scripts, no SVG.

use super::report::{HrReport, ManagerReport, RepReport};
use askama::Template;

/// A mail's three parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The three templates of one report, each given the report as `r`.
macro_rules! report_templates {
    ($report:ty, $render:ident, $subject:ident = $subject_path:literal, $text:ident = $text_path:literal, $html:ident = $html_path:literal) => {
        #[derive(Template)]
        #[template(path = $subject_path)]
        struct $subject<'a> {
            r: &'a $report,
        }

        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            r: &'a $report,
        }

        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            r: &'a $report,
        }

        pub fn $render(report: &$report) -> Result<Rendered, askama::Error> {
            Ok(Rendered {
                // A subject is one line, whatever a name holds.
                subject: $subject { r: report }.render()?.trim().replace(['\r', '\n'], " "),
                text: $text { r: report }.render()?,
                html: $html { r: report }.render()?,
            })
        }
    };
}

report_templates!(
    RepReport,
    rep,
    RepSubject = "mail/rep/subject.txt",
    RepText = "mail/rep/body.txt",
    RepHtml = "mail/rep/body.html"
);
report_templates!(
    ManagerReport,
    manager,
    ManagerSubject = "mail/manager/subject.txt",
    ManagerText = "mail/manager/body.txt",
    ManagerHtml = "mail/manager/body.html"
);
report_templates!(
    HrReport,
    hr,
    HrSubject = "mail/hr/subject.txt",
    HrText = "mail/hr/body.txt",
    HrHtml = "mail/hr/body.html"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::report::{AttentionLine, MemberLine, TeamSection};

    fn summary(zh: bool) -> ManagerReport {
        ManagerReport {
            zh,
            name: "王建国".into(),
            period: "2026-10".into(),
            finalized: false,
            teams: vec![TeamSection {
                name: if zh { "华东区销售部" } else { "East Region Sales" }.into(),
                total: "100.4".into(),
                grade: "A".into(),
                change: String::new(),
                members: vec![MemberLine {
                    rank: 1,
                    name: "李娜".into(),
                    total: "107.9".into(),
                    grade: "A".into(),
                    change: String::new(),
                    bar: 160,
                }],
                unranked: Vec::new(),
                link: "http://yardstick.example/teams/east?period=2026-10&lang=zh".into(),
            }],
            attention: vec![AttentionLine {
                name: "周婷".into(),
                kpi: "销售增长率".into(),
                detail: "自 2026-08 起连续 3 个月：6.1 → 3.5 → -2.5".into(),
            }],
            missing_self_assessment: Vec::new(),
            missing_rating: vec!["陈晓".into(), "Emily Zhang".into()],
            missing_acknowledgement: Vec::new(),
            review_link: "http://yardstick.example/review?period=2026-10&lang=zh".into(),
        }
    }

    #[test]
    fn a_managers_summary_reads_in_chinese_with_whom_the_review_waits_for() {
        let mail = manager(&summary(true)).expect("rendered");
        assert_eq!(mail.subject, "2026-10 团队考核摘要：仍有待办");
        assert!(mail.text.starts_with("王建国，您好："), "{}", mail.text);
        assert!(
            mail.text
                .contains("华东区销售部：总分 100.4，等级 A\n  1. 李娜：107.9，A\n"),
            "{}",
            mail.text
        );
        assert!(mail.text.contains("尚待您评分：陈晓、Emily Zhang\n"), "{}", mail.text);
        assert!(
            mail.text.contains("- 周婷，销售增长率：自 2026-08 起连续 3 个月"),
            "{}",
            mail.text
        );
        assert!(mail.html.starts_with("<!DOCTYPE html>") && mail.html.contains("<html lang=\"zh\">"));
        assert!(mail.html.contains("width:160px") && !mail.html.contains("<svg"));
    }

    #[test]
    fn a_summary_with_nobody_missing_says_so_in_its_subject() {
        let mut report = summary(false);
        report.missing_rating.clear();
        let mail = manager(&report).expect("rendered");
        assert_eq!(mail.subject, "Your teams' appraisal summary for 2026-10");
        assert!(mail.text.contains("The review waits for nobody."), "{}", mail.text);
    }
}
