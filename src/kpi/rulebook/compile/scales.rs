//! Checks of scoring rules and grade scales.

use super::{At, Compiler};
use crate::kpi::definition::{Direction, GradeScaleDef, KpiDef, ScoringDef};
use crate::kpi::rulebook::problem::Problem;
use crate::kpi::rulebook::{Grade, GradeScale};
use std::collections::HashSet;

impl Compiler<'_> {
    pub(super) fn check_kpi_scoring(&mut self, at: At, kpi: &KpiDef) {
        let mut problems: Vec<(Vec<&str>, Problem)> = Vec::new();
        let mut steps_out_of_order = Vec::new();
        let invalid = |detail: &str| Problem::Invalid {
            what: format!("scoring of KPI `{}`", at.key),
            detail: detail.to_owned(),
        };
        match &kpi.scoring {
            ScoringDef::Linear { floor, cap } => {
                if !(cap.is_finite() && *cap > 0.0) {
                    problems.push((
                        vec!["scoring", "linear", "cap"],
                        invalid("`cap` must be a positive number of points"),
                    ));
                }
                if !(floor.is_finite() && *floor >= 0.0 && floor <= cap) {
                    problems.push((
                        vec!["scoring", "linear", "floor"],
                        invalid("`floor` must lie between 0 and `cap`"),
                    ));
                }
            }
            ScoringDef::Levels {
                threshold_points,
                stretch_points,
            } => {
                if kpi.direction == Direction::Closest {
                    problems.push((
                        vec!["scoring"],
                        invalid("`levels` needs a KPI whose direction is higher or lower"),
                    ));
                }
                if !(0.0..=100.0).contains(threshold_points) {
                    problems.push((
                        vec!["scoring", "levels", "threshold_points"],
                        invalid("`threshold_points` must lie between 0 and 100"),
                    ));
                }
                if !(stretch_points.is_finite() && *stretch_points >= 100.0) {
                    problems.push((
                        vec!["scoring", "levels", "stretch_points"],
                        invalid("`stretch_points` must be at least 100"),
                    ));
                }
            }
            ScoringDef::Bands { steps, .. } => {
                if steps.is_empty() {
                    problems.push((
                        vec!["scoring", "bands", "steps"],
                        Problem::Empty {
                            what: format!("the band list of KPI `{}`", at.key),
                        },
                    ));
                }
                for (i, pair) in steps.windows(2).enumerate() {
                    if pair[0].from >= pair[1].from || pair[1].from.is_nan() {
                        let detail = format!(
                            "`from: {}` follows `from: {}`; list bands from the lowest `from` up",
                            pair[1].from, pair[0].from
                        );
                        let what = format!("the bands of KPI `{}`", at.key);
                        steps_out_of_order.push((i + 1, Problem::OutOfOrder { what, detail }));
                    }
                }
                if steps
                    .iter()
                    .any(|s| !(s.from.is_finite() && s.points.is_finite() && s.points >= 0.0))
                {
                    problems.push((
                        vec!["scoring", "bands", "steps"],
                        invalid("every band needs a finite `from` and points of at least 0"),
                    ));
                }
            }
            ScoringDef::PassFail { points } => {
                if !(points.is_finite() && *points >= 0.0) {
                    problems.push((
                        vec!["scoring", "pass_fail", "points"],
                        invalid("`points` must be at least 0"),
                    ));
                }
            }
        }
        for (path, problem) in problems {
            let position = self.value_at(at, &path);
            self.report(at.file, position, problem);
        }
        for (step, problem) in steps_out_of_order {
            let position = self.value_at(at, &["scoring", "bands", "steps", &step.to_string(), "from"]);
            self.report(at.file, position, problem);
        }
    }

    pub(super) fn grade_scale(&mut self, at: At, def: &GradeScaleDef) -> GradeScale {
        let what = format!("grade scale `{}`", at.key);
        if def.grades.is_empty() {
            let position = self.value_at(at, &["grades"]);
            self.report(
                at.file,
                position,
                Problem::Empty {
                    what: format!("the grade list of {what}"),
                },
            );
        }
        if !(def.total.min.is_finite() && def.total.max.is_finite() && def.total.min < def.total.max) {
            let position = self.value_at(at, &["total"]);
            let detail = format!("`min` ({}) must be below `max` ({})", def.total.min, def.total.max);
            self.report(
                at.file,
                position,
                Problem::Invalid {
                    what: format!("total bounds of {what}"),
                    detail,
                },
            );
        }
        for (i, pair) in def.grades.windows(2).enumerate() {
            if pair[0].min <= pair[1].min || pair[1].min.is_nan() {
                let position = self.value_at(at, &["grades", &(i + 1).to_string(), "min"]);
                let detail = format!(
                    "grade {} (min {}) follows grade {} (min {}); list grades from the best down",
                    pair[1].grade, pair[1].min, pair[0].grade, pair[0].min
                );
                self.report(
                    at.file,
                    position,
                    Problem::OutOfOrder {
                        what: format!("the grades of {what}"),
                        detail,
                    },
                );
            }
        }
        let mut names = HashSet::new();
        for (i, grade) in def.grades.iter().enumerate() {
            let index = i.to_string();
            if !names.insert(grade.grade.as_str()) {
                let position = self.value_at(at, &["grades", &index, "grade"]);
                self.report(
                    at.file,
                    position,
                    Problem::DuplicateId {
                        id: grade.grade.clone(),
                        first: what.clone(),
                    },
                );
            }
            if !(grade.bonus_coefficient.is_finite() && grade.bonus_coefficient >= 0.0) {
                let position = self.value_at(at, &["grades", &index, "bonus_coefficient"]);
                self.report(
                    at.file,
                    position,
                    Problem::Negative {
                        what: format!("the bonus coefficient of grade {}", grade.grade),
                        value: grade.bonus_coefficient,
                    },
                );
            }
        }
        if let Some(lowest) = def.grades.last()
            && lowest.min > def.total.min
        {
            let position = self.value_at(at, &["grades", &(def.grades.len() - 1).to_string(), "min"]);
            let detail = format!(
                "the lowest grade {} starts at {}, so totals from {} up to it would have no grade; let it start at {} or lower",
                lowest.grade, lowest.min, def.total.min, def.total.min
            );
            self.report(at.file, position, Problem::Invalid { what, detail });
        }
        // Returned even when flawed, so that roles naming it are still checked against it;
        // the problems already recorded keep the rulebook from loading.
        GradeScale {
            key: at.key.to_owned(),
            total_min: def.total.min,
            total_max: def.total.max,
            grades: def
                .grades
                .iter()
                .map(|g| Grade {
                    grade: g.grade.clone(),
                    min: g.min,
                    bonus_coefficient: g.bonus_coefficient,
                })
                .collect(),
        }
    }
}
