//! How one KPI value becomes points: achievement against target, then the KPI's
//! scoring rule. 100 points always means "exactly on target".

use crate::kpi::definition::{BandBasis, BandStep, Direction, ScoringDef};
use crate::kpi::rulebook::Target;

/// How a value compares with its target, as compiled from a KPI's `direction` (and,
/// for lower is better, its `achievement` convention).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AchievementRule {
    /// `value / target x 100`.
    Higher,
    /// `(2 x target - value) / target x 100`, the mirror image of higher: each
    /// percent under target earns a percent above 100, and a value of 0 stays finite
    /// (200%). The default for lower is better.
    LowerMirror,
    /// `target / value x 100`: a cost of 1,250 against 2,500 is 200%. A value of 0
    /// has no ratio and earns `at_zero`.
    LowerRatio { at_zero: f64 },
    /// `100 - |value - target| / |target| x 100`: 5% off either way is 95%.
    Closest,
}

impl AchievementRule {
    pub fn direction(self) -> Direction {
        match self {
            AchievementRule::Higher => Direction::Higher,
            AchievementRule::LowerMirror | AchievementRule::LowerRatio { .. } => Direction::Lower,
            AchievementRule::Closest => Direction::Closest,
        }
    }
}

/// Achievement in percent of target, by `rule`. `None` when the target is zero,
/// where no percentage exists.
pub fn achievement(rule: AchievementRule, value: f64, target: f64) -> Option<f64> {
    if target == 0.0 {
        return None;
    }
    Some(match rule {
        AchievementRule::Higher => value / target * 100.0,
        AchievementRule::LowerMirror => (2.0 * target - value) / target * 100.0,
        AchievementRule::LowerRatio { at_zero } => {
            if value == 0.0 {
                at_zero
            } else {
                target / value * 100.0
            }
        }
        AchievementRule::Closest => 100.0 - (value - target).abs() / target.abs() * 100.0,
    })
}

/// Why a value could not be turned into points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointsError {
    #[error("the target is 0, so achievement is undefined")]
    ZeroTarget,
}

/// Points for `value` under `rule`. Validation has guaranteed the target suits the
/// rule (levels present and ordered), so the only failure left is a zero target
/// under a rule that needs achievement.
pub fn points(
    rule: &ScoringDef,
    achievement_rule: AchievementRule,
    value: f64,
    target: &Target,
) -> Result<f64, PointsError> {
    let direction = achievement_rule.direction();
    let achieved = || achievement(achievement_rule, value, target.target).ok_or(PointsError::ZeroTarget);
    Ok(match rule {
        ScoringDef::Linear { floor, cap } => {
            let a = achieved()?;
            if a < *floor { 0.0 } else { a.min(*cap).max(0.0) }
        }
        ScoringDef::Levels {
            threshold_points,
            stretch_points,
        } => {
            let (Some(threshold), Some(stretch)) = (target.threshold, target.stretch) else {
                // Validation refuses a levels rule without levels; treat a bare target as its own levels.
                return Ok(if meets(direction, value, target) { 100.0 } else { 0.0 });
            };
            // Lower-is-better levels descend; negating every number makes them ascend.
            let sign = if direction == Direction::Lower { -1.0 } else { 1.0 };
            let levels = [
                (sign * threshold, *threshold_points),
                (sign * target.target, 100.0),
                (sign * stretch, *stretch_points),
            ];
            piecewise(sign * value, &levels)
        }
        ScoringDef::Bands { of, steps } => {
            let quantity = match of {
                BandBasis::Value => value,
                BandBasis::Achievement => achieved()?,
            };
            band_points(steps, quantity)
        }
        ScoringDef::PassFail { points } => {
            if meets(direction, value, target) {
                *points
            } else {
                0.0
            }
        }
    })
}

/// Zero below the first level, straight lines between levels, flat above the last.
fn piecewise(x: f64, levels: &[(f64, f64); 3]) -> f64 {
    if x < levels[0].0 {
        return 0.0;
    }
    for pair in levels.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        if x < x1 {
            return y0 + (x - x0) / (x1 - x0) * (y1 - y0);
        }
    }
    levels[2].1
}

/// The points of the highest band whose `from` the quantity reaches; zero below all bands.
fn band_points(steps: &[BandStep], quantity: f64) -> f64 {
    steps
        .iter()
        .rev()
        .find(|step| quantity >= step.from)
        .map_or(0.0, |step| step.points)
}

/// Whether the target is met in the KPI's direction. For "closest is best" the value
/// must lie between threshold and stretch when they are given, else equal the target.
fn meets(direction: Direction, value: f64, target: &Target) -> bool {
    match direction {
        Direction::Higher => value >= target.target,
        Direction::Lower => value <= target.target,
        Direction::Closest => match (target.threshold, target.stretch) {
            (Some(a), Some(b)) => value >= a.min(b) && value <= a.max(b),
            _ => value == target.target,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(target: f64) -> Target {
        Target {
            target,
            threshold: None,
            stretch: None,
        }
    }

    fn levels(threshold: f64, target: f64, stretch: f64) -> Target {
        Target {
            target,
            threshold: Some(threshold),
            stretch: Some(stretch),
        }
    }

    const LINEAR: ScoringDef = ScoringDef::Linear {
        floor: 60.0,
        cap: 120.0,
    };

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn achievement_by_direction_worked_by_hand() {
        assert_eq!(achievement(AchievementRule::Higher, 90.0, 120.0), Some(75.0));
        // Cost 1200 against a target of 1500: 20% under target earns 120%.
        assert_eq!(achievement(AchievementRule::LowerMirror, 1200.0, 1500.0), Some(120.0));
        assert_eq!(achievement(AchievementRule::LowerMirror, 1800.0, 1500.0), Some(80.0));
        // Forecast 95 against 100 is 5% off either way.
        assert_eq!(achievement(AchievementRule::Closest, 95.0, 100.0), Some(95.0));
        assert_eq!(achievement(AchievementRule::Closest, 105.0, 100.0), Some(95.0));
        assert_eq!(achievement(AchievementRule::Higher, 5.0, 0.0), None);
    }

    #[test]
    fn linear_scores_achievement_between_floor_and_cap() {
        let p = |v| points(&LINEAR, AchievementRule::Higher, v, &plain(200.0)).expect("scored");
        assert_eq!(p(180.0), 90.0);
        assert_eq!(p(120.0), 60.0, "exactly at the floor still scores");
        assert_eq!(p(118.0), 0.0, "59% is below the 60% floor");
        assert_eq!(p(300.0), 120.0, "150% is capped at 120");
    }

    #[test]
    fn linear_lower_is_better_mirrors_around_target() {
        let p = |v| points(&LINEAR, AchievementRule::LowerMirror, v, &plain(4.0)).expect("scored");
        assert_eq!(p(3.0), 120.0, "25% under target earns 125%, capped at 120");
        assert_eq!(p(5.0), 75.0);
        assert_eq!(p(6.0), 0.0, "50% over target is 50% achievement, below the floor");
    }

    #[test]
    fn lower_is_better_as_a_ratio_worked_by_hand() {
        let ratio = AchievementRule::LowerRatio { at_zero: 200.0 };
        // CAC 1,250 against a target of 2,500: half the cost is twice the achievement.
        assert_eq!(achievement(ratio, 1250.0, 2500.0), Some(200.0));
        // 3,000 against 2,500: 2500 / 3000 = 83.33%.
        assert!(close(achievement(ratio, 3000.0, 2500.0).expect("a ratio"), 250.0 / 3.0));
        assert_eq!(
            achievement(ratio, 0.0, 2500.0),
            Some(200.0),
            "a value of 0 earns at_zero"
        );
        // The mirror of the same numbers: (2 x 2500 - 1250) / 2500 = 150%, 80% and 200%.
        assert_eq!(achievement(AchievementRule::LowerMirror, 1250.0, 2500.0), Some(150.0));
        assert_eq!(achievement(AchievementRule::LowerMirror, 3000.0, 2500.0), Some(80.0));
        assert_eq!(achievement(AchievementRule::LowerMirror, 0.0, 2500.0), Some(200.0));
        // Under a linear rule capped at 120, both forms cap; at 3,000 they differ.
        let p = |rule, v| points(&LINEAR, rule, v, &plain(2500.0)).expect("scored");
        assert_eq!(p(ratio, 1250.0), 120.0);
        assert!(close(p(ratio, 3000.0), 250.0 / 3.0));
        assert_eq!(p(AchievementRule::LowerMirror, 3000.0), 80.0);
    }

    #[test]
    fn linear_with_a_zero_target_is_refused() {
        assert_eq!(
            points(&LINEAR, AchievementRule::Higher, 5.0, &plain(0.0)),
            Err(PointsError::ZeroTarget)
        );
    }

    #[test]
    fn levels_interpolate_between_threshold_target_and_stretch() {
        let rule = ScoringDef::Levels {
            threshold_points: 60.0,
            stretch_points: 120.0,
        };
        let t = levels(80.0, 100.0, 120.0);
        let p = |v| points(&rule, AchievementRule::Higher, v, &t).expect("scored");
        assert_eq!(p(79.9), 0.0);
        assert_eq!(p(80.0), 60.0);
        assert_eq!(p(90.0), 80.0);
        assert_eq!(p(100.0), 100.0);
        assert_eq!(p(110.0), 110.0);
        assert_eq!(p(150.0), 120.0);
    }

    #[test]
    fn levels_lower_is_better_run_downwards() {
        let rule = ScoringDef::Levels {
            threshold_points: 60.0,
            stretch_points: 120.0,
        };
        // Response time: 8 h threshold, 4 h target, 2 h stretch.
        let t = levels(8.0, 4.0, 2.0);
        let p = |v| points(&rule, AchievementRule::LowerMirror, v, &t).expect("scored");
        assert_eq!(p(9.0), 0.0);
        assert_eq!(p(8.0), 60.0);
        assert_eq!(p(6.0), 80.0);
        assert_eq!(p(3.0), 110.0);
        assert_eq!(p(1.0), 120.0);
    }

    #[test]
    fn bands_take_the_highest_band_reached() {
        let steps = vec![
            BandStep { from: 0.0, points: 0.0 },
            BandStep {
                from: 80.0,
                points: 60.0,
            },
            BandStep {
                from: 100.0,
                points: 100.0,
            },
        ];
        let rule = ScoringDef::Bands {
            of: BandBasis::Value,
            steps: steps.clone(),
        };
        let p = |v| points(&rule, AchievementRule::Higher, v, &plain(100.0)).expect("scored");
        assert_eq!(p(-5.0), 0.0);
        assert_eq!(p(79.99), 0.0);
        assert_eq!(p(80.0), 60.0);
        assert_eq!(p(250.0), 100.0);

        let on_achievement = ScoringDef::Bands {
            of: BandBasis::Achievement,
            steps,
        };
        // 45 of a 50 target is 90% achievement: the 80 band.
        assert_eq!(
            points(&on_achievement, AchievementRule::Higher, 45.0, &plain(50.0)),
            Ok(60.0)
        );
    }

    #[test]
    fn pass_fail_checks_the_direction() {
        let rule = ScoringDef::PassFail { points: 100.0 };
        assert_eq!(points(&rule, AchievementRule::Higher, 95.0, &plain(95.0)), Ok(100.0));
        assert_eq!(points(&rule, AchievementRule::Higher, 94.9, &plain(95.0)), Ok(0.0));
        assert_eq!(points(&rule, AchievementRule::LowerMirror, 2.0, &plain(3.0)), Ok(100.0));
        assert_eq!(
            points(&rule, AchievementRule::Closest, 98.0, &levels(95.0, 100.0, 105.0)),
            Ok(100.0)
        );
        assert_eq!(
            points(&rule, AchievementRule::Closest, 94.0, &levels(95.0, 100.0, 105.0)),
            Ok(0.0)
        );
    }

    #[test]
    fn closest_linear_penalises_both_sides() {
        let p = |v| points(&LINEAR, AchievementRule::Closest, v, &plain(100.0)).expect("scored");
        assert!(close(p(90.0), 90.0));
        assert!(close(p(110.0), 90.0));
        assert_eq!(p(150.0), 0.0);
    }
}
