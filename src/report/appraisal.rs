//! The review's part of a card: the manager's rating explained like a KPI, what the
//! person and their manager wrote, a calibrated grade, and the appeal with hr's answer.

use super::CardView;
use crate::kpi::definition::LocalizedName;
use crate::kpi::rulebook::Role;
use crate::kpi::scorecard::{QualitativeOutcome, QualitativeScore};
use serde::{Deserialize, Serialize};

/// The qualitative part as the card explains it, like a KPI: each aspect's rating
/// with its meaning, the points, the weight and what it adds to the total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualitativeView {
    /// Percent of the total, as defined.
    pub weight: f64,
    /// What it counted for: its weight when rated, else 0.
    pub effective_weight: f64,
    /// `None` while it awaits the manager's rating.
    pub points: Option<f64>,
    pub contribution: f64,
    /// Why it is not counted yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The aspects rated, in the role's order; empty until rated.
    pub ratings: Vec<AspectRating>,
}

/// One aspect (a competency, or the overall judgement) as the manager rated it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AspectRating {
    pub aspect: String,
    pub name: LocalizedName,
    /// Percent of the qualitative part.
    pub weight: f64,
    pub rating: u8,
    pub label: LocalizedName,
    pub points: f64,
}

/// What the person and their manager wrote in the review.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AppraisalView {
    /// The person's own ratings, by aspect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_ratings: Option<std::collections::BTreeMap<String, u8>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_comment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rated_at: Option<String>,
    /// The grade set in calibration, replacing the computed one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibrated: Option<GradeDecision>,
    /// When the person acknowledged the finalized appraisal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal: Option<AppealView>,
}

/// A grade someone set over the computed one, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeDecision {
    pub grade: String,
    /// The coefficient the grade earns on the role's scale.
    pub bonus_coefficient: Option<f64>,
    pub reason: String,
    pub by: String,
    pub at: String,
}

/// A person's appeal of a finalized appraisal, and hr's answer once given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppealView {
    pub text: String,
    pub at: String,
    /// `kept`, or the grade it was changed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<AppealResolution>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppealResolution {
    /// `None`: the appraisal is kept.
    pub changed_to: Option<GradeDecision>,
    pub reason: String,
    pub by: String,
    pub at: String,
}

impl CardView {
    /// The grade pay is computed from: an appeal's changed grade, else calibration's,
    /// else the computed one.
    pub fn final_grade(&self) -> Option<&str> {
        self.final_decision()
            .map(|d| d.grade.as_str())
            .or(self.grade.as_deref())
    }

    /// The bonus coefficient of the final grade.
    pub fn final_bonus_coefficient(&self) -> Option<f64> {
        match self.final_decision() {
            Some(decision) => decision.bonus_coefficient,
            None => self.bonus_coefficient,
        }
    }

    fn final_decision(&self) -> Option<&GradeDecision> {
        let appraisal = self.appraisal.as_ref()?;
        let appealed = appraisal
            .appeal
            .as_ref()
            .and_then(|a| a.resolution.as_ref())
            .and_then(|r| r.changed_to.as_ref());
        appealed.or(appraisal.calibrated.as_ref())
    }
}

/// The card's qualitative part with each rating's meaning from the role's scale.
pub(super) fn qualitative_view(role: &Role, score: &QualitativeScore) -> Option<QualitativeView> {
    let part = role.qualitative.as_ref()?;
    let (points, reason, ratings) = match &score.outcome {
        QualitativeOutcome::Rated { ratings, points } => {
            let aspects = part
                .aspects()
                .into_iter()
                .enumerate()
                .filter_map(|(i, aspect)| {
                    let rating = *ratings.get(aspect)?;
                    let level = part.scale.level(rating)?;
                    let (name, weight) = match part.competencies.get(i) {
                        Some(c) => (c.name.clone(), c.weight),
                        None => (
                            LocalizedName {
                                en: "Overall".into(),
                                zh: "综合评价".into(),
                            },
                            100.0,
                        ),
                    };
                    Some(AspectRating {
                        aspect: aspect.to_owned(),
                        name,
                        weight,
                        rating,
                        label: level.label.clone(),
                        points: level.points,
                    })
                })
                .collect();
            (Some(*points), None, aspects)
        }
        QualitativeOutcome::Awaiting { reason } => (None, Some(reason.clone()), Vec::new()),
    };
    Some(QualitativeView {
        weight: score.weight,
        effective_weight: score.effective_weight,
        points,
        contribution: score.contribution,
        reason,
        ratings,
    })
}
