//! How far a KPI is from where it should be, as a manager reads a card: on track,
//! behind or far behind, the gap in the KPI's own unit, and the points of the total
//! it costs.
//!
//! - **On track**: at or past the target in the KPI's direction (for `closest`,
//!   within [`CLOSE_ENOUGH`] percent of it either way).
//! - **Far behind**: past the threshold on the wrong side when the role sets one
//!   (for `closest`, further from the target than the threshold is); without a
//!   threshold, more than [`FAR_SHARE`] percent of the target short.
//! - **Behind**: anything between.

use crate::kpi::definition::Direction;
use crate::kpi::rulebook::Target;

/// Without a threshold, this many percent of the target short is far behind.
pub const FAR_SHARE: f64 = 20.0;
/// For `closest`, this many percent of the target either way is on track.
pub const CLOSE_ENOUGH: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    OnTrack,
    Behind,
    FarBehind,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::OnTrack => "on_track",
            Standing::Behind => "behind",
            Standing::FarBehind => "far_behind",
        }
    }
}

/// Which side of the target a value is on, as its reader would say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Higher is better and the value is under target: "short".
    Short,
    /// Lower is better and the value is over target: "over".
    Over,
    /// `closest`, under the target.
    Below,
    /// `closest`, over the target.
    Above,
    /// At or past the target in the good direction (for `closest`, exactly on it).
    Met,
}

/// A scored KPI's distance from its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    pub standing: Standing,
    pub side: Side,
    /// How far from the target, in the KPI's unit; never negative (0 when met).
    pub amount: f64,
    /// Points of the card's total lost against a KPI scoring full points (100):
    /// the KPI's effective weight less its contribution, never negative.
    pub points_lost: f64,
}

/// The gap of `value` against `target` in `direction`, for a KPI that scored
/// `points` at `effective_weight` percent of the card.
pub fn gap(direction: Direction, target: &Target, value: f64, points: f64, effective_weight: f64) -> Gap {
    let points_lost = ((100.0 - points) * effective_weight / 100.0).max(0.0);
    let aim = target.target;
    let share = |distance: f64| {
        if aim == 0.0 {
            f64::INFINITY
        } else {
            distance / aim.abs() * 100.0
        }
    };
    let (side, amount, standing) = match direction {
        Direction::Higher if value >= aim => (Side::Met, 0.0, Standing::OnTrack),
        Direction::Higher => {
            let far = match target.threshold {
                Some(threshold) => value < threshold,
                None => share(aim - value) > FAR_SHARE,
            };
            (Side::Short, aim - value, behind(far))
        }
        Direction::Lower if value <= aim => (Side::Met, 0.0, Standing::OnTrack),
        Direction::Lower => {
            let far = match target.threshold {
                Some(threshold) => value > threshold,
                None => share(value - aim) > FAR_SHARE,
            };
            (Side::Over, value - aim, behind(far))
        }
        Direction::Closest => {
            let distance = (value - aim).abs();
            let side = if value < aim { Side::Below } else { Side::Above };
            if distance == 0.0 {
                (Side::Met, 0.0, Standing::OnTrack)
            } else if share(distance) <= CLOSE_ENOUGH {
                (side, distance, Standing::OnTrack)
            } else {
                let far = match target.threshold {
                    Some(threshold) => distance > (aim - threshold).abs(),
                    None => share(distance) > FAR_SHARE,
                };
                (side, distance, behind(far))
            }
        }
    };
    Gap {
        standing,
        side,
        amount,
        points_lost,
    }
}

fn behind(far: bool) -> Standing {
    if far { Standing::FarBehind } else { Standing::Behind }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(target: f64, threshold: Option<f64>) -> Target {
        Target {
            target,
            threshold,
            stretch: None,
        }
    }

    #[test]
    fn higher_is_better_is_short_of_its_target_and_far_behind_under_its_threshold() {
        // Win rate 26.4% against a target of 30 and a threshold of 25: 3.6 points short.
        let g = gap(Direction::Higher, &target(30.0, Some(25.0)), 26.4, 88.0, 20.0);
        assert_eq!((g.standing, g.side), (Standing::Behind, Side::Short));
        assert!((g.amount - 3.6).abs() < 1e-9);
        // 12 points under full, at 20% of the card: 2.4 points of the total.
        assert!((g.points_lost - 2.4).abs() < 1e-9);
        let g = gap(Direction::Higher, &target(30.0, Some(25.0)), 24.0, 0.0, 20.0);
        assert_eq!(g.standing, Standing::FarBehind);
        assert!((g.points_lost - 20.0).abs() < 1e-9);
        // Without a threshold: 12,400 short of 100,000 is 12.4%, behind; 25,000 short is far.
        let g = gap(Direction::Higher, &target(100_000.0, None), 87_600.0, 87.6, 10.0);
        assert_eq!(g.standing, Standing::Behind);
        assert!((g.amount - 12_400.0).abs() < 1e-6);
        let g = gap(Direction::Higher, &target(100_000.0, None), 75_000.0, 75.0, 10.0);
        assert_eq!(g.standing, Standing::FarBehind);
    }

    #[test]
    fn at_or_past_the_target_is_on_track_and_loses_nothing() {
        let g = gap(Direction::Higher, &target(30.0, None), 30.0, 100.0, 20.0);
        assert_eq!(
            (g.standing, g.side, g.amount, g.points_lost),
            (Standing::OnTrack, Side::Met, 0.0, 0.0)
        );
        // Stretch points above 100 are not a negative loss.
        let g = gap(Direction::Higher, &target(30.0, None), 40.0, 120.0, 20.0);
        assert_eq!((g.standing, g.points_lost), (Standing::OnTrack, 0.0));
        let g = gap(Direction::Lower, &target(2.0, Some(4.0)), 1.5, 110.0, 15.0);
        assert_eq!((g.standing, g.side), (Standing::OnTrack, Side::Met));
    }

    #[test]
    fn lower_is_better_is_over_its_target_and_far_behind_past_its_threshold() {
        // Resolution time 5.1 days against a target of 3 and a threshold of 5: 2.1 days over, far.
        let g = gap(Direction::Lower, &target(3.0, Some(5.0)), 5.1, 30.0, 10.0);
        assert_eq!((g.standing, g.side), (Standing::FarBehind, Side::Over));
        assert!((g.amount - 2.1).abs() < 1e-9);
        assert!((g.points_lost - 7.0).abs() < 1e-9);
        let g = gap(Direction::Lower, &target(3.0, Some(5.0)), 4.0, 70.0, 10.0);
        assert_eq!(g.standing, Standing::Behind);
        // Without a threshold: 3.5 against 3 is 16.7% over, behind; 3.7 is 23.3%, far.
        assert_eq!(
            gap(Direction::Lower, &target(3.0, None), 3.5, 80.0, 10.0).standing,
            Standing::Behind
        );
        assert_eq!(
            gap(Direction::Lower, &target(3.0, None), 3.7, 70.0, 10.0).standing,
            Standing::FarBehind
        );
        // Against a target of 0, any excess without a threshold is far.
        assert_eq!(
            gap(Direction::Lower, &target(0.0, None), 0.5, 0.0, 10.0).standing,
            Standing::FarBehind
        );
    }

    #[test]
    fn closest_counts_the_distance_either_way() {
        // Forecast 104 against a plan of 100: 4% off, on track; 108 is 8% above, behind.
        let g = gap(Direction::Closest, &target(100.0, None), 104.0, 96.0, 10.0);
        assert_eq!((g.standing, g.side), (Standing::OnTrack, Side::Above));
        let g = gap(Direction::Closest, &target(100.0, None), 108.0, 92.0, 10.0);
        assert_eq!((g.standing, g.side), (Standing::Behind, Side::Above));
        assert!((g.amount - 8.0).abs() < 1e-9);
        let g = gap(Direction::Closest, &target(100.0, None), 75.0, 75.0, 10.0);
        assert_eq!((g.standing, g.side), (Standing::FarBehind, Side::Below));
        // A threshold of 90 allows 10 either way before far behind: 111 is far, 89 too.
        assert_eq!(
            gap(Direction::Closest, &target(100.0, Some(90.0)), 111.0, 89.0, 10.0).standing,
            Standing::FarBehind
        );
        assert_eq!(
            gap(Direction::Closest, &target(100.0, Some(90.0)), 89.0, 89.0, 10.0).standing,
            Standing::FarBehind
        );
        assert_eq!(
            gap(Direction::Closest, &target(100.0, Some(90.0)), 109.0, 91.0, 10.0).standing,
            Standing::Behind
        );
    }
}
