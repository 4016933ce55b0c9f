//! What each appraisal mail says, worked out from a month's scored cards and its
//! review: each rep's own appraisal (`rep`), each manager's team summary (`manager`)
//! and hr's view of the organisation (`hr`). Numbers and words are chosen here, in the
//! reader's language; the templates only lay them out. Pure: the sources are loaded
//! once per run by the mail layer and read for every recipient.

mod hr;
mod manager;
mod rep;

pub use hr::{HrReport, hr_report};
pub use manager::{AttentionLine, ManagerReport, MemberLine, TeamSection, manager_report};
pub use rep::{KpiLine, RepReport, rep_report};

use crate::kpi::organisation::Organisation;
use crate::kpi::period::Month;
use crate::kpi::rulebook::Rulebook;
use crate::report::{CardView, PeriodReport};
use crate::review::{Attention, ReviewProgress, attention_list, progress};
use crate::store::{AccountEntry, AppraisalRow, SignOff};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Months of history a KPI's trend shows, the month itself included.
pub const TREND_MONTHS: usize = 6;
/// Months read for the attention list, the month itself last: a year, as the review
/// page reads, so a run of up to twelve months is seen whole.
pub const HISTORY_MONTHS: usize = 12;

/// The language a mail is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    Zh,
}

impl Language {
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Zh => "zh",
        }
    }

    /// `zh` for Chinese; English for anything else.
    pub fn from_code(code: &str) -> Language {
        if code == "zh" { Language::Zh } else { Language::En }
    }

    pub fn pick(self, name: &crate::kpi::definition::LocalizedName) -> &str {
        match self {
            Language::En => &name.en,
            Language::Zh => &name.zh,
        }
    }

    /// The English or the Chinese of a fixed phrase.
    fn say(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Language::En => en,
            Language::Zh => zh,
        }
    }
}

/// Everything the reports of one month read: its scored months (the month last), the
/// organisation, the review's records and the accounts (which teams a manager leads).
#[derive(Debug)]
pub struct ReportSources {
    pub month: Month,
    months: Vec<(Month, PeriodReport)>,
    by_subject: Vec<HashMap<String, usize>>,
    pub finalized: bool,
    pub organisation: Organisation,
    pub appraisals: Vec<AppraisalRow>,
    pub sign_offs: Vec<SignOff>,
    pub accounts: Vec<AccountEntry>,
    /// Worked out once for the whole organisation, read by every manager's report.
    attention: OnceLock<Vec<Attention>>,
    review: OnceLock<ReviewProgress>,
}

impl ReportSources {
    /// `months` oldest first, the month reported last.
    pub fn new(
        months: Vec<(Month, PeriodReport)>,
        finalized: bool,
        organisation: Organisation,
        appraisals: Vec<AppraisalRow>,
        sign_offs: Vec<SignOff>,
        accounts: Vec<AccountEntry>,
    ) -> Option<ReportSources> {
        let month = months.last()?.0;
        let by_subject = months
            .iter()
            .map(|(_, r)| {
                r.people
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.subject.clone(), i))
                    .collect()
            })
            .collect();
        Some(ReportSources {
            month,
            months,
            by_subject,
            finalized,
            organisation,
            appraisals,
            sign_offs,
            accounts,
            attention: OnceLock::new(),
            review: OnceLock::new(),
        })
    }

    /// The attention list of the month, everyone in it.
    fn attention(&self, rulebook: &Rulebook) -> &[Attention] {
        self.attention.get_or_init(|| attention_list(rulebook, &self.history()))
    }

    /// Where the month's review stands, every team.
    fn review(&self, rulebook: &Rulebook) -> &ReviewProgress {
        self.review.get_or_init(|| {
            progress(
                rulebook,
                &self.organisation,
                self.month,
                &self.appraisals,
                &self.sign_offs,
            )
        })
    }

    /// A person's card in the `at`-th month.
    fn card(&self, at: usize, subject: &str) -> Option<&CardView> {
        let i = *self.by_subject.get(at)?.get(subject)?;
        self.months.get(at).map(|(_, r)| &r.people[i])
    }

    /// A team's card in the `at`-th month.
    fn team_card(&self, at: usize, team: &str) -> Option<&CardView> {
        self.months.get(at)?.1.teams.iter().find(|c| c.subject == team)
    }

    /// The month reported.
    pub fn report(&self) -> &PeriodReport {
        &self.months[self.months.len() - 1].1
    }

    /// A person's card in the month reported.
    pub fn card_now(&self, subject: &str) -> Option<&CardView> {
        self.card(self.len() - 1, subject)
    }

    /// The months read, oldest first, each beside its report.
    pub fn history(&self) -> Vec<(Month, &PeriodReport)> {
        self.months.iter().map(|(m, r)| (*m, r)).collect()
    }

    fn month_at(&self, at: usize) -> Month {
        self.months[at].0
    }

    fn len(&self) -> usize {
        self.months.len()
    }

    /// "+3.2 since 2026-09" for a card whose month before is at `before`.
    fn change(&self, now: Option<f64>, before: Option<&CardView>, language: Language) -> String {
        let last = self.len() - 1;
        match (now, before.and_then(|b| b.total)) {
            (Some(now), Some(then)) if last > 0 => {
                let previous = self.month_at(last - 1);
                match language {
                    Language::Zh => format!("较 {previous} {:+.1}", now - then),
                    Language::En => format!("{:+.1} since {previous}", now - then),
                }
            }
            _ => String::new(),
        }
    }
}

fn number(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), |v| format!("{v:.1}"))
}

/// A link to a page of the server, in the reader's language.
fn link(public_url: &str, path: &str, month: Month, language: Language) -> String {
    format!(
        "{}{path}?period={month}&lang={}",
        public_url.trim_end_matches('/'),
        language.code()
    )
}

/// A team's name in the reader's language.
fn team_name(card: &CardView, language: Language) -> String {
    match (language, &card.name_zh) {
        (Language::Zh, Some(zh)) => zh.clone(),
        _ => card.name.clone(),
    }
}

/// A bar's width in pixels: `share` percent of `full`.
fn bar(share: f64, full: f64) -> u32 {
    (share.clamp(0.0, 100.0) / 100.0 * full).round() as u32
}
