//! What the header of every signed-in page shows: where to go, the period switcher
//! (a GET form and previous / next links), the language switch and signing out.

use super::periods::{PeriodKind, shift};
use super::words::{Lang, Words};
use crate::kpi::period::Period;
use crate::store::AccountRole;
use crate::web::session::Session;

#[derive(Debug)]
pub struct Nav {
    pub user: String,
    pub csrf: String,
    pub lang: &'static str,
    pub words: &'static Words,
    /// The page's own path, for links that change only the period or the language.
    pub path: String,
    pub period: String,
    pub kind: &'static str,
    pub previous: Option<String>,
    pub next: Option<String>,
    /// Whether the team pages are open to this account (not to reps).
    pub sees_teams: bool,
}

impl Nav {
    pub fn new(session: &Session, path: &str, period: Period, lang: Lang) -> Nav {
        Nav {
            user: session.account.username.clone(),
            csrf: session.csrf.clone(),
            lang: lang.code(),
            words: lang.words(),
            path: path.to_owned(),
            period: period.to_string(),
            kind: PeriodKind::of(period).as_str(),
            previous: shift(period, -1).map(|p| p.to_string()),
            next: shift(period, 1).map(|p| p.to_string()),
            sees_teams: session.account.role != AccountRole::Rep,
        }
    }

    /// The switcher's kind buttons: value, label, and whether it is the current kind.
    pub fn kinds(&self) -> [(&'static str, &'static str, bool); 3] {
        let words = self.words;
        [
            ("month", words.month, self.kind == "month"),
            ("quarter", words.quarter, self.kind == "quarter"),
            ("year", words.year, self.kind == "year"),
        ]
    }
}
