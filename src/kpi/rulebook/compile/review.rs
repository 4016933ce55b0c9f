//! Checks of the review's definitions: rating scales, each role's qualitative part,
//! and how the review runs.

use super::{At, Compiler};
use crate::kpi::calibration::{Bound, DistributionRule};
use crate::kpi::definition::{QualitativeDef, RatingLevelDef, ReviewDef};
use crate::kpi::qualitative::{Competency, Qualitative, RatingLevel, RatingScale};
use crate::kpi::rulebook::ReviewPolicy;
use crate::kpi::rulebook::nearest;
use crate::kpi::rulebook::problem::Problem;
use std::collections::{HashMap, HashSet};

/// Weights are percentages typed by people; allow for float rounding only.
const WEIGHT_TOLERANCE: f64 = 1e-6;

impl Compiler<'_> {
    /// A rating scale, its levels best first; `None` when it has problems.
    pub(super) fn rating_scale(&mut self, at: At, levels: &[RatingLevelDef]) -> Option<RatingScale> {
        let before = self.errors.len();
        if levels.is_empty() {
            let position = self.value_at(at, &[]);
            let what = format!("rating scale `{}`", at.key);
            self.report(at.file, position, Problem::Empty { what });
        }
        let mut seen = HashSet::new();
        for (i, level) in levels.iter().enumerate() {
            let index = i.to_string();
            if !seen.insert(level.rating) {
                let position = self.value_at(at, &[&index, "rating"]);
                let problem = Problem::Invalid {
                    what: format!("rating scale `{}`", at.key),
                    detail: format!("the rating {} is listed twice", level.rating),
                };
                self.report(at.file, position, problem);
            }
            if !(level.points.is_finite() && level.points >= 0.0) {
                let position = self.value_at(at, &[&index, "points"]);
                let problem = Problem::Negative {
                    what: format!("the points of rating {} in scale `{}`", level.rating, at.key),
                    value: level.points,
                };
                self.report(at.file, position, problem);
            }
        }
        if self.errors.len() != before {
            return None;
        }
        let mut levels: Vec<RatingLevel> = levels
            .iter()
            .map(|l| RatingLevel {
                rating: l.rating,
                points: l.points,
                label: l.label.clone(),
            })
            .collect();
        levels.sort_by_key(|l| std::cmp::Reverse(l.rating));
        Some(RatingScale {
            key: at.key.to_owned(),
            levels,
        })
    }

    /// A role's qualitative part; `None` when it has problems.
    pub(super) fn qualitative(
        &mut self,
        at: At,
        def: &QualitativeDef,
        scales: &HashMap<&str, Option<RatingScale>>,
    ) -> Option<Qualitative> {
        let before = self.errors.len();
        let role = at.key;
        if !(def.weight.is_finite() && def.weight > 0.0 && def.weight < 100.0) {
            let position = self.value_at(at, &["qualitative", "weight"]);
            let problem = Problem::Invalid {
                what: format!("the weight of the qualitative part of role `{role}`"),
                detail: format!(
                    "{} is not a percentage above 0 and below 100 (the tiers weigh the rest)",
                    def.weight
                ),
            };
            self.report(at.file, position, problem);
        }
        let scale = match scales.get(def.scale.as_str()) {
            Some(scale) => scale.clone(),
            None => {
                let position = self.value_at(at, &["qualitative", "scale"]);
                let problem = Problem::UnknownRatingScale {
                    role: role.to_owned(),
                    scale: def.scale.clone(),
                    suggestion: nearest(&def.scale, scales.keys().copied()),
                };
                self.report(at.file, position, problem);
                None
            }
        };
        let mut competencies = Vec::new();
        for (key, competency) in &def.competencies {
            let path = ["qualitative", "competencies", key.as_str()];
            if let Err(error) = crate::kpi::id::check(key) {
                let position = self.key_at(at, &path);
                let what = "competency";
                self.report(at.file, position, Problem::BadId { what, error });
            }
            if !(competency.weight.is_finite() && competency.weight >= 0.0) {
                let position = self.value_at(at, &[&path[..], &["weight"]].concat());
                let problem = Problem::Negative {
                    what: format!("the weight of competency `{key}` in role `{role}`"),
                    value: competency.weight,
                };
                self.report(at.file, position, problem);
            }
            competencies.push(Competency {
                key: key.clone(),
                name: competency.name.clone(),
                weight: competency.weight,
            });
        }
        let sum: f64 = competencies.iter().map(|c| c.weight).sum();
        if !competencies.is_empty() && (sum - 100.0).abs() > WEIGHT_TOLERANCE {
            let position = self.value_at(at, &["qualitative", "competencies"]);
            let problem = Problem::WeightsNot100 {
                what: format!("the competency weights of role `{role}`"),
                sum,
            };
            self.report(at.file, position, problem);
        }
        let scale = scale?;
        (self.errors.len() == before).then_some(Qualitative {
            weight: def.weight,
            scale,
            required: def.required,
            self_assessment: def.self_assessment,
            competencies,
        })
    }

    /// How the review runs, the forced distribution's grades checked against the scales.
    pub(super) fn review_policy(&mut self, file: usize, def: &ReviewDef, known_grades: &[&str]) -> ReviewPolicy {
        let mut rules = Vec::new();
        for (i, rule) in def.forced_distribution.iter().enumerate() {
            let index = i.to_string();
            let at = |key: &str| ["review", "forced_distribution", index.as_str(), key].map(str::to_owned);
            let what = format!("bound {} of the forced distribution", i + 1);
            let report = |this: &mut Self, key: &str, detail: String| {
                let path = at(key);
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                let position = this.files[file].map.value(&path);
                let problem = Problem::Invalid {
                    what: what.clone(),
                    detail,
                };
                this.report(file, position, problem);
            };
            if rule.grades.is_empty() {
                report(self, "grades", "name at least one grade".into());
            }
            for grade in &rule.grades {
                if !known_grades.contains(&grade.as_str()) {
                    let suggestion = crate::kpi::rulebook::did_you_mean(grade, known_grades.iter().copied());
                    report(self, "grades", format!("unknown grade `{grade}`{suggestion}"));
                }
            }
            let bound = match (rule.at_most, rule.at_least) {
                (Some(p), None) => Some(Bound::AtMost(p)),
                (None, Some(p)) => Some(Bound::AtLeast(p)),
                _ => {
                    report(
                        self,
                        "grades",
                        "give either `at_most` or `at_least`, a percentage".into(),
                    );
                    None
                }
            };
            if let Some(Bound::AtMost(p) | Bound::AtLeast(p)) = bound
                && !(0.0..=100.0).contains(&p)
            {
                let key = if rule.at_most.is_some() { "at_most" } else { "at_least" };
                report(self, key, format!("{p} is not a percentage from 0 to 100"));
            }
            if let Some(bound) = bound {
                rules.push(DistributionRule {
                    grades: rule.grades.clone(),
                    bound,
                });
            }
        }
        ReviewPolicy {
            team_sign_off: def.team_sign_off,
            forced_distribution: rules,
            managers_calibrate: def.managers_calibrate,
        }
    }
}
