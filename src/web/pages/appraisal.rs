//! The review's part of a person's card: the manager's rating explained like a KPI
//! (rating, points, weight, contribution), the self-assessment beside it, both
//! comments, a calibrated grade with its reason, and after finalizing the
//! acknowledgement or the appeal with hr's answer; each with its form while it may
//! be given.

use super::words::Lang;
use crate::access::Visibility;
use crate::kpi::definition::SelfAssessment;
use crate::kpi::period::Period;
use crate::kpi::rulebook::Rulebook;
use crate::report::{CardView, GradeDecision, QualitativeView};
use crate::review::{may_calibrate, may_rate};
use crate::scorecards::ScoredWith;
use crate::store::{Account, AccountRole};

/// One aspect rated: its name, the rating with its meaning, its points.
pub(super) struct AspectLine {
    pub name: String,
    pub rating: String,
    pub points: String,
}

/// The manager's rating, when the role's card has a qualitative part.
pub(super) struct RatingPart {
    /// "20%": the part's weight in the total.
    pub weight: String,
    /// "110.0 × 20% = 22.0", or why it is not counted yet.
    pub counted: String,
    pub rated: bool,
    pub lines: Vec<AspectLine>,
    /// The self-assessment: aspect name and rating with its meaning.
    pub self_lines: Vec<(String, String)>,
    pub self_form: bool,
    pub manager_form: bool,
    /// What is rated: form field key, name.
    pub aspects: Vec<(String, String)>,
    /// The scale, best first: rating, "4 – Exceeds expectations".
    pub levels: Vec<(u8, String)>,
}

pub(super) struct AppraisalSection {
    pub zh: bool,
    pub rating: Option<RatingPart>,
    pub self_comment: String,
    pub manager_comment: String,
    pub rated_by: String,
    /// The computed grade and, when calibrated, "A: reason (hr, at)".
    pub computed_grade: String,
    pub calibrated: String,
    pub calibrate_form: bool,
    /// The role's grades, best first.
    pub grades: Vec<String>,
    pub acknowledged: String,
    pub appeal: String,
    pub resolution: String,
    pub answer_forms: bool,
    pub resolve_form: bool,
    /// The card's path with its period, which each form posts below.
    pub path: String,
    pub query: String,
    pub csrf: String,
}

/// Everything the section decides by, besides the card.
pub(super) struct Reader<'a> {
    pub rulebook: &'a Rulebook,
    /// Who the reader may see, as remembered with the scored period.
    pub visibility: &'a Visibility,
    pub account: &'a Account,
    pub csrf: &'a str,
    pub period: Period,
    pub scored_with: ScoredWith,
    pub lang: Lang,
}

fn decided(d: &GradeDecision) -> String {
    format!("{}: {} ({}, {})", d.grade, d.reason, d.by, d.at)
}

fn rating_part(card: &CardView, qualitative: &QualitativeView, reader: &Reader, open: bool) -> RatingPart {
    let (rulebook, lang) = (reader.rulebook, reader.lang);
    let zh = lang == Lang::Zh;
    let part = rulebook
        .find_role(&card.role)
        .and_then(|r| rulebook.role(r).qualitative.as_ref());
    let counted = match qualitative.points {
        Some(points) => format!(
            "{points:.1} × {:.0}% = {:.1}",
            qualitative.effective_weight, qualitative.contribution
        ),
        None if zh && qualitative.reason.as_deref() == Some("awaiting the manager's rating") => "等待经理评分".into(),
        None => qualitative.reason.clone().unwrap_or_default(),
    };
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
    let given = card.appraisal.as_ref().and_then(|a| a.self_ratings.as_ref());
    let self_lines = given.map_or_else(Vec::new, |given| {
        aspects
            .iter()
            .filter_map(|(key, name)| given.get(key).map(|&r| (name.clone(), label(r))))
            .collect()
    });
    let own = reader.account.person.as_deref() == Some(card.subject.as_str());
    let self_on = part.is_some_and(|p| p.self_assessment != SelfAssessment::Off);
    RatingPart {
        weight: format!("{:.0}%", qualitative.weight),
        counted,
        rated: qualitative.points.is_some(),
        lines: qualitative
            .ratings
            .iter()
            .map(|r| AspectLine {
                name: lang.pick(&r.name).to_owned(),
                rating: format!("{} – {}", r.rating, lang.pick(&r.label)),
                points: format!("{:.0}", r.points),
            })
            .collect(),
        self_lines,
        self_form: open && own && self_on && qualitative.points.is_none(),
        manager_form: open && may_rate(reader.account, reader.visibility, &card.subject),
        levels: part.map_or_else(Vec::new, |p| {
            p.scale.levels.iter().map(|l| (l.rating, label(l.rating))).collect()
        }),
        aspects,
    }
}

/// The section of a person's card in a month; `None` for a team's card or a quarter.
pub(super) fn section(card: &CardView, reader: &Reader) -> Option<AppraisalSection> {
    if card.kind != "person" || !matches!(reader.period, Period::Month(_)) {
        return None;
    }
    let open = matches!(reader.scored_with, ScoredWith::InForce(_));
    let finalized = !open;
    let appraisal = card.appraisal.clone().unwrap_or_default();
    let own = reader.account.person.as_deref() == Some(card.subject.as_str());
    let answered = appraisal.acknowledged_at.is_some() || appraisal.appeal.is_some();
    let rulebook = reader.rulebook;
    let grades = rulebook
        .find_role(&card.role)
        .map(|r| {
            rulebook
                .role(r)
                .grade_scale
                .grades
                .iter()
                .map(|g| g.grade.clone())
                .collect()
        })
        .unwrap_or_default();
    let resolution = appraisal
        .appeal
        .as_ref()
        .and_then(|a| a.resolution.as_ref())
        .map(|r| match &r.changed_to {
            Some(d) => format!("→ {}", decided(d)),
            None => format!("kept: {} ({}, {})", r.reason, r.by, r.at),
        })
        .unwrap_or_default();
    let open_appeal = appraisal.appeal.as_ref().is_some_and(|a| a.resolution.is_none());
    Some(AppraisalSection {
        zh: reader.lang == Lang::Zh,
        rating: card.qualitative.as_ref().map(|q| rating_part(card, q, reader, open)),
        self_comment: appraisal.self_comment.unwrap_or_default(),
        manager_comment: appraisal.manager_comment.unwrap_or_default(),
        rated_by: appraisal.rated_by.unwrap_or_default(),
        computed_grade: card.grade.clone().unwrap_or_default(),
        calibrated: appraisal.calibrated.as_ref().map(decided).unwrap_or_default(),
        calibrate_form: open
            && card.grade.is_some()
            && may_calibrate(rulebook, reader.account, reader.visibility, &card.subject),
        grades,
        acknowledged: appraisal.acknowledged_at.unwrap_or_default(),
        appeal: appraisal
            .appeal
            .as_ref()
            .map(|a| format!("{} ({})", a.text, a.at))
            .unwrap_or_default(),
        resolution,
        answer_forms: finalized && own && !answered,
        resolve_form: finalized && open_appeal && reader.account.role == AccountRole::Hr,
        path: format!("/scorecards/{}", crate::web::url_part(&card.subject)),
        query: format!("period={}", reader.period),
        csrf: reader.csrf.to_owned(),
    })
}
