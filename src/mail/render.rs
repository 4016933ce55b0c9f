//! Each report as a mail: a subject, a plain-text body and an HTML body from askama
//! templates (`templates/mail/<report>/`), with inline styles and tables that mail
//! clients keep, and bars drawn with CSS: no scripts, no SVG.

use super::report::RepReport;
use askama::Template;

#[derive(Template)]
#[template(path = "mail/rep/subject.txt")]
struct RepSubject<'a> {
    r: &'a RepReport,
}

#[derive(Template)]
#[template(path = "mail/rep/body.txt")]
struct RepText<'a> {
    r: &'a RepReport,
}

#[derive(Template)]
#[template(path = "mail/rep/body.html")]
struct RepHtml<'a> {
    r: &'a RepReport,
}

/// A mail's three parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub fn rep(report: &RepReport) -> Result<Rendered, askama::Error> {
    Ok(Rendered {
        // A subject is one line, whatever a name holds.
        subject: RepSubject { r: report }.render()?.replace(['\r', '\n'], " "),
        text: RepText { r: report }.render()?,
        html: RepHtml { r: report }.render()?,
    })
}
