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
