//! The review's part of a card: the manager's rating explained like a KPI (rating,
//! points, weight, contribution), the self-assessment beside it, both comments, and
//! the forms to give them while the month is open.

use super::words::Lang;
use crate::kpi::definition::SelfAssessment;
use crate::kpi::organisation::Organisation;
use crate::kpi::period::Period;
use crate::kpi::rulebook::Rulebook;
use crate::report::CardView;
use crate::review::may_rate;
use crate::scorecards::ScoredWith;
use crate::store::Account;

/// One aspect rated: its name, the rating with its meaning, its points.
pub(super) struct AspectLine {
    pub name: String,
    pub rating: String,
    pub points: String,
}

pub(super) struct AppraisalSection {
    pub zh: bool,
    /// "20%": the part's weight in the total.
    pub weight: String,
    /// "110.0 × 20% = 22.0", or why it is not counted yet.
    pub counted: String,
    pub rated: bool,
    pub lines: Vec<AspectLine>,
    /// The self-assessment: aspect name and rating with its meaning.
    pub self_lines: Vec<(String, String)>,
    pub self_comment: String,
    pub manager_comment: String,
    pub rated_by: String,
    pub self_form: bool,
    pub manager_form: bool,
    /// What is rated: form field key, name.
    pub aspects: Vec<(String, String)>,
    /// The scale, best first: rating, "4 – Exceeds expectations".
    pub levels: Vec<(u8, String)>,
    pub action: String,
    pub csrf: String,
}

/// The section for `card`, or `None` when its role's card has no qualitative part.
#[expect(
    clippy::too_many_arguments,
    reason = "each is one thing the section shows or decides by"
)]
pub(super) fn section(
    card: &CardView,
    rulebook: &Rulebook,
    organisation: &Organisation,
    account: &Account,
    csrf: &str,
    period: Period,
    scored_with: ScoredWith,
    lang: Lang,
) -> Option<AppraisalSection> {
    let qualitative = card.qualitative.as_ref()?;
    let part = rulebook
        .find_role(&card.role)
        .and_then(|r| rulebook.role(r).qualitative.as_ref());
    let zh = lang == Lang::Zh;
    let counted = match qualitative.points {
        Some(points) => format!(
            "{points:.1} × {:.0}% = {:.1}",
            qualitative.effective_weight, qualitative.contribution
        ),
        None => qualitative.reason.clone().unwrap_or_default().replace(
            "awaiting the manager's rating",
            if zh {
                "等待经理评分"
            } else {
                "awaiting the manager's rating"
            },
        ),
    };
    let lines = qualitative
        .ratings
        .iter()
        .map(|r| AspectLine {
            name: lang.pick(&r.name).to_owned(),
            rating: format!("{} – {}", r.rating, lang.pick(&r.label)),
            points: format!("{:.0}", r.points),
        })
        .collect();
    let aspects: Vec<(String, String)> = part.map_or_else(Vec::new, |p| {
        p.aspects()
            .into_iter()
            .enumerate()
            .map(|(i, key)| {
                let name = p.competencies.get(i).map_or_else(
                    || if zh { "综合评价" } else { "Overall" }.to_owned(),
                    |c| lang.pick(&c.name).to_owned(),
                );
                (key.to_owned(), name)
            })
            .collect()
    });
    let label = |rating: u8| {
        part.and_then(|p| p.scale.level(rating))
            .map_or_else(|| rating.to_string(), |l| format!("{rating} – {}", lang.pick(&l.label)))
    };
    let appraisal = card.appraisal.clone().unwrap_or_default();
    let self_lines = appraisal.self_ratings.as_ref().map_or_else(Vec::new, |given| {
        aspects
            .iter()
            .filter_map(|(key, name)| given.get(key).map(|&r| (name.clone(), label(r))))
            .collect()
    });
    let open = matches!(scored_with, ScoredWith::InForce(_)) && matches!(period, Period::Month(_));
    let own = account.person.as_deref() == Some(card.subject.as_str());
    let self_on = part.is_some_and(|p| p.self_assessment != SelfAssessment::Off);
    Some(AppraisalSection {
        zh,
        weight: format!("{:.0}%", qualitative.weight),
        counted,
        rated: qualitative.points.is_some(),
        lines,
        self_lines,
        self_comment: appraisal.self_comment.unwrap_or_default(),
        manager_comment: appraisal.manager_comment.unwrap_or_default(),
        rated_by: appraisal.rated_by.unwrap_or_default(),
        self_form: open && own && self_on && qualitative.points.is_none(),
        manager_form: open && may_rate(account, organisation, &card.subject),
        levels: part.map_or_else(Vec::new, |p| {
            p.scale.levels.iter().map(|l| (l.rating, label(l.rating))).collect()
        }),
        aspects,
        action: format!(
            "/scorecards/{}/appraisal?period={period}",
            crate::web::url_part(&card.subject)
        ),
        csrf: csrf.to_owned(),
    })
}
