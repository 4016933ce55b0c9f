//! What hr's mail says: the teams ranked, the organisation's grades against the forced
//! distribution, the appeals still open and what the review still waits for.

use super::{Language, ReportSources, bar, link, number, team_name};
use crate::kpi::calibration::{Bound, distribution};
use crate::kpi::rulebook::Rulebook;
use crate::standings::leaderboard;

/// One team's line of the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamLine {
    pub rank: usize,
    pub name: String,
    pub total: String,
    pub grade: String,
    pub change: String,
}

/// One grade's count and share of the organisation.
#[derive(Debug, Clone, PartialEq)]
pub struct GradeLine {
    pub grade: String,
    pub count: usize,
    pub share: String,
    /// The bar's width in pixels, 100% at 200.
    pub bar: u32,
}

/// One bound of the forced distribution and whether it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleLine {
    /// "S at most 10%: 2 of 24 (8.3%)".
    pub text: String,
    /// "holds", "1 over", "2 short".
    pub verdict: String,
    pub holds: bool,
}

/// An appeal hr has not answered yet.
#[derive(Debug, Clone, PartialEq)]
pub struct AppealLine {
    pub name: String,
    pub grade: String,
    pub text: String,
    pub link: String,
}

/// hr's view of a month.
#[derive(Debug, Clone, PartialEq)]
pub struct HrReport {
    pub zh: bool,
    pub period: String,
    pub finalized: bool,
    pub teams: Vec<TeamLine>,
    /// People with a grade.
    pub graded: usize,
    pub grades: Vec<GradeLine>,
    pub rules: Vec<RuleLine>,
    pub appeals: Vec<AppealLine>,
    /// "east: the manager's rating of p002, p003", per team.
    pub outstanding: Vec<String>,
    pub review_link: String,
}

/// hr's report of the month of `sources`.
pub fn hr_report(sources: &ReportSources, rulebook: &Rulebook, language: Language, public_url: &str) -> HrReport {
    let last = sources.len() - 1;
    let month = sources.month;
    let report = sources.report();
    let teams = leaderboard(&report.teams)
        .into_iter()
        .map(|s| TeamLine {
            rank: s.rank,
            name: team_name(s.card, language),
            total: number(Some(s.total)),
            grade: s.card.final_grade().unwrap_or("–").to_owned(),
            change: sources.change(
                Some(s.total),
                last.checked_sub(1)
                    .and_then(|at| sources.team_card(at, &s.card.subject)),
                language,
            ),
        })
        .collect();

    let rules = &rulebook.review().forced_distribution;
    let graded = distribution(
        rules,
        &rulebook.grade_names(),
        report.people.iter().filter_map(|c| c.final_grade()),
    );
    let grade_lines = graded
        .grades
        .iter()
        .map(|(grade, count, share)| GradeLine {
            grade: grade.clone(),
            count: *count,
            share: format!("{share:.1}%"),
            bar: bar(*share, 200.0),
        })
        .collect();
    let rule_lines = graded
        .checks
        .iter()
        .map(|check| {
            let grades = check.rule.grades.join(", ");
            let text = match (language, check.rule.bound) {
                (Language::En, Bound::AtMost(p)) => format!("{grades} at most {p}%"),
                (Language::En, Bound::AtLeast(p)) => format!("{grades} at least {p}%"),
                (Language::Zh, Bound::AtMost(p)) => format!("{grades} 不超过 {p}%"),
                (Language::Zh, Bound::AtLeast(p)) => format!("{grades} 不少于 {p}%"),
            };
            let count = match language {
                Language::En => format!("{} of {} ({:.1}%)", check.count, graded.people, check.share),
                Language::Zh => format!("{} / {} 人（{:.1}%）", check.count, graded.people, check.share),
            };
            let verdict = match (check.off_by, check.rule.bound, language) {
                (0, _, _) => language.say("holds", "符合").to_owned(),
                (n, Bound::AtMost(_), Language::En) => format!("{n} over"),
                (n, Bound::AtLeast(_), Language::En) => format!("{n} short"),
                (n, Bound::AtMost(_), Language::Zh) => format!("超出 {n} 人"),
                (n, Bound::AtLeast(_), Language::Zh) => format!("差 {n} 人"),
            };
            RuleLine {
                text: format!("{text}: {count}"),
                verdict,
                holds: check.off_by == 0,
            }
        })
        .collect();

    let appeals = sources
        .appraisals
        .iter()
        .filter(|a| a.appeal.as_ref().is_some_and(|appeal| appeal.resolution.is_none()))
        .filter_map(|a| {
            let card = sources.card_now(&a.person)?;
            Some(AppealLine {
                name: card.name.clone(),
                grade: card.final_grade().unwrap_or("–").to_owned(),
                text: a.appeal.as_ref().map(|x| x.text.clone()).unwrap_or_default(),
                link: link(public_url, &format!("/scorecards/{}", a.person), month, language),
            })
        })
        .collect();

    let outstanding = if sources.finalized {
        Vec::new()
    } else {
        sources.review(rulebook).outstanding()
    };

    HrReport {
        zh: language == Language::Zh,
        period: month.to_string(),
        finalized: sources.finalized,
        teams,
        graded: graded.people,
        grades: grade_lines,
        rules: rule_lines,
        appeals,
        outstanding,
        review_link: link(public_url, "/review", month, language),
    }
}
