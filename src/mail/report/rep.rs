//! What a rep's appraisal mail says, worked out from the scored months: the total,
//! grade and bonus coefficient, the change since the month before, each KPI against
//! its target with its last six months, and the manager's comment once the month is
//! finalized. Numbers are formatted here; the templates only lay them out.

use super::{Language, ReportSources, TREND_MONTHS, link, number};

/// One KPI's line: its value against target, the bar of its achievement, its months.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiLine {
    pub name: String,
    pub value: String,
    pub target: String,
    /// Achievement in percent, capped for the bar at 150.
    pub achievement: String,
    /// The bar's width in pixels (120 for 100%).
    pub bar: u32,
    pub below_target: bool,
    /// "95.0 → 97.2 → –" over the last six months, the month itself last.
    pub trend: String,
}

/// A rep's appraisal of a month.
#[derive(Debug, Clone, PartialEq)]
pub struct RepReport {
    pub zh: bool,
    pub name: String,
    pub period: String,
    pub total: String,
    pub grade: String,
    pub bonus_coefficient: String,
    /// "+3.2 since 2026-09", empty when either month has no total.
    pub change: String,
    pub kpis: Vec<KpiLine>,
    /// The manager's rating and what it adds, "4 – Exceeds expectations: 110 × 20% = 22.0";
    /// empty when the card has no qualitative part or it awaits the rating.
    pub rating: String,
    pub finalized: bool,
    pub manager_comment: String,
    pub link: String,
}

/// `person`'s report of the month of `months`, or `None` when they have no card then.
pub fn rep_report(months: &ReportSources, person: &str, language: Language, public_url: &str) -> Option<RepReport> {
    let last = months.len().checked_sub(1)?;
    let card = months.card(last, person)?;
    let month = months.month;
    let zh = language == Language::Zh;
    let before = last.checked_sub(1).and_then(|at| months.card(at, person));
    let change = months.change(card.total, before, language);
    let kpis = card
        .kpis
        .iter()
        .map(|k| {
            let trend: Vec<String> = (last.saturating_sub(TREND_MONTHS - 1)..=last)
                .map(|at| {
                    let value = months
                        .card(at, person)
                        .and_then(|c| c.kpis.iter().find(|x| x.kpi == k.kpi))
                        .and_then(|x| x.outcome.value());
                    number(value)
                })
                .collect();
            let achievement = match &k.outcome {
                crate::kpi::scorecard::KpiOutcome::Scored { achievement, .. } => *achievement,
                _ => None,
            };
            KpiLine {
                name: language.pick(&k.name).to_owned(),
                value: number(k.outcome.value()),
                target: format!("{}", k.target.target),
                achievement: achievement.map_or_else(|| "–".to_owned(), |a| format!("{a:.0}%")),
                bar: achievement.map_or(0, |a| (a.clamp(0.0, 150.0) * 1.2).round() as u32),
                below_target: achievement.is_some_and(|a| a < 100.0),
                trend: trend.join(" → "),
            }
        })
        .collect();
    let manager_comment = if months.finalized {
        card.appraisal
            .as_ref()
            .and_then(|a| a.manager_comment.clone())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let rating = card
        .qualitative
        .as_ref()
        .filter(|q| q.points.is_some())
        .map(|q| {
            let levels: Vec<String> = q
                .ratings
                .iter()
                .map(|r| format!("{} – {}", r.rating, language.pick(&r.label)))
                .collect();
            format!(
                "{}: {:.1} × {:.0}% = {:.1}",
                levels.join(", "),
                q.points.unwrap_or_default(),
                q.effective_weight,
                q.contribution
            )
        })
        .unwrap_or_default();
    Some(RepReport {
        zh,
        rating,
        name: card.name.clone(),
        period: month.to_string(),
        total: number(card.total),
        grade: card.final_grade().unwrap_or("–").to_owned(),
        bonus_coefficient: card
            .final_bonus_coefficient()
            .map_or_else(|| "–".to_owned(), |c| c.to_string()),
        change,
        kpis,
        finalized: months.finalized,
        manager_comment,
        link: link(public_url, &format!("/scorecards/{person}"), month, language),
    })
}
