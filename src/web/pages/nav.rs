//! What the header of every signed-in page shows: where to go, the period switcher
//! (a GET form and previous / next links), the language switch and signing out.

use super::periods::{PeriodKind, shift};
use super::words::{Lang, Words};
use crate::kpi::period::Period;
use crate::web::access::{Capability, may};
use crate::web::scores::DefaultMonth;
use crate::web::session::Session;

#[derive(Debug)]
pub struct Nav {
    pub user: String,
    pub csrf: String,
    pub lang: &'static str,
    pub words: &'static Words,
    /// The page's own path, for links that change only the period or the language.
    pub path: String,
    /// The period shown; empty on pages that show none.
    pub period: String,
    /// The period switcher, on pages that show a period.
    pub switcher: Option<Switcher>,
    /// Whether the team pages are open to this account (not to reps).
    pub sees_teams: bool,
    /// Whether data upload is open to this account (hr and admin).
    pub uploads: bool,
    /// Whether the admin pages are open to this account.
    pub admin: bool,
    /// Which month is shown when none was asked for, and why, in the page's language.
    pub default_note: Option<String>,
}

/// The kind of period shown, and its neighbours of the same kind.
#[derive(Debug)]
pub struct Switcher {
    pub kind: &'static str,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Nav {
    /// The page's language.
    pub fn language(&self) -> Lang {
        Lang::parse(Some(self.lang))
    }

    /// The header of a page about `period`.
    pub fn new(session: &Session, path: &str, period: Period, lang: Lang) -> Nav {
        let mut nav = Nav::without_period(session, path, lang);
        nav.period = period.to_string();
        nav.switcher = Some(Switcher {
            kind: PeriodKind::of(period).as_str(),
            previous: shift(period, -1).map(|p| p.to_string()),
            next: shift(period, 1).map(|p| p.to_string()),
        });
        nav
    }

    /// The header of a page that shows no period (accounts, definitions, upload).
    pub fn without_period(session: &Session, path: &str, lang: Lang) -> Nav {
        let account = &session.account;
        Nav {
            user: session.account.username.clone(),
            csrf: session.csrf.clone(),
            lang: lang.code(),
            words: lang.words(),
            path: path.to_owned(),
            period: String::new(),
            switcher: None,
            sees_teams: may(account, Capability::TeamBoards),
            uploads: may(account, Capability::SendData),
            admin: may(account, Capability::Administer),
            default_note: None,
        }
    }

    /// Says on the page which month was chosen for it, when none was asked for.
    pub fn defaulted(mut self, default: Option<DefaultMonth>) -> Nav {
        self.default_note = default.map(|d| Lang::parse(Some(self.lang)).default_month(d));
        self
    }

    /// The switcher's kind buttons: value, label, and whether it is the current kind.
    pub fn kinds(&self) -> [(&'static str, &'static str, bool); 3] {
        let words = self.words;
        let kind = self.switcher.as_ref().map_or("", |s| s.kind);
        [
            ("month", words.month, kind == "month"),
            ("quarter", words.quarter, kind == "quarter"),
            ("year", words.year, kind == "year"),
        ]
    }
}
