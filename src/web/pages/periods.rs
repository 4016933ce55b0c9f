//! Moving between periods: the one before or after, the same moment seen as a month,
//! quarter or year, and the run of periods a trend shows.

use crate::kpi::period::{Month, Period};

/// The kinds of period one can switch between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Month,
    Quarter,
    Year,
}

impl PeriodKind {
    pub fn of(period: Period) -> PeriodKind {
        match period {
            Period::Month(_) => PeriodKind::Month,
            Period::Quarter(..) => PeriodKind::Quarter,
            Period::Year(_) => PeriodKind::Year,
        }
    }

    /// `month`, `quarter` or `year`, as the switcher's form sends it.
    pub fn parse(text: &str) -> Option<PeriodKind> {
        match text {
            "month" => Some(PeriodKind::Month),
            "quarter" => Some(PeriodKind::Quarter),
            "year" => Some(PeriodKind::Year),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Month => "month",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Year => "year",
        }
    }
}

/// The period `steps` periods of the same kind after `period` (before, if negative);
/// `None` past the years a period may have.
pub fn shift(period: Period, steps: i32) -> Option<Period> {
    let (index, per_year) = match period {
        Period::Month(m) => (i32::from(m.year()) * 12 + i32::from(m.month()) - 1, 12),
        Period::Quarter(year, q) => (i32::from(year) * 4 + i32::from(q) - 1, 4),
        Period::Year(year) => (i32::from(year), 1),
    };
    let index = index + steps;
    let year = u16::try_from(index.div_euclid(per_year)).ok()?;
    let within = u8::try_from(index.rem_euclid(per_year) + 1).ok()?;
    // Month::new checks the year's range for every kind.
    let month = Month::new(year, if per_year == 12 { within } else { 1 })?;
    Some(match period {
        Period::Month(_) => Period::Month(month),
        Period::Quarter(..) => Period::Quarter(year, within),
        Period::Year(_) => Period::Year(year),
    })
}

/// `period` seen as a period of `kind`: the quarter or year holding it, or, going
/// down, its last month, but no later than `latest` (the newest month with data)
/// when that month lies inside it.
pub fn as_kind(period: Period, kind: PeriodKind, latest: Option<Month>) -> Period {
    let months = period.months();
    let last = match latest {
        Some(latest) if period.contains(latest) => latest,
        _ => match months.last() {
            Some(last) => *last,
            None => return period,
        },
    };
    match kind {
        PeriodKind::Month => Period::Month(last),
        PeriodKind::Quarter => Period::Quarter(last.year(), (last.month() - 1) / 3 + 1),
        PeriodKind::Year => Period::Year(last.year()),
    }
}

/// Up to `count` periods of `period`'s kind ending with it, oldest first.
pub fn ending_at(period: Period, count: usize) -> Vec<Period> {
    let mut periods: Vec<Period> = (0..count)
        .map_while(|back| shift(period, -i32::try_from(back).ok()?))
        .collect();
    periods.reverse();
    periods
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Period {
        text.parse().expect("a period")
    }

    #[test]
    fn shifting_crosses_year_ends_for_every_kind() {
        assert_eq!(shift(p("2026-01"), -1), Some(p("2025-12")));
        assert_eq!(shift(p("2025-12"), 1), Some(p("2026-01")));
        assert_eq!(shift(p("2026-Q1"), -1), Some(p("2025-Q4")));
        assert_eq!(shift(p("2026-Q4"), 2), Some(p("2027-Q2")));
        assert_eq!(shift(p("2026"), -3), Some(p("2023")));
    }

    #[test]
    fn shifting_stops_at_the_years_a_period_may_have() {
        assert_eq!(shift(p("1000-01"), -1), None);
        assert_eq!(shift(p("9999-Q4"), 1), None);
        assert_eq!(shift(p("9999"), 1), None);
    }

    #[test]
    fn a_month_seen_as_a_quarter_or_year_is_the_one_holding_it() {
        assert_eq!(as_kind(p("2026-10"), PeriodKind::Quarter, None), p("2026-Q4"));
        assert_eq!(as_kind(p("2026-10"), PeriodKind::Year, None), p("2026"));
        assert_eq!(as_kind(p("2026-05"), PeriodKind::Month, None), p("2026-05"));
    }

    #[test]
    fn going_down_to_a_month_picks_the_newest_month_with_data_inside() {
        let latest = Month::new(2026, 10);
        assert_eq!(as_kind(p("2026"), PeriodKind::Month, latest), p("2026-10"));
        assert_eq!(as_kind(p("2026"), PeriodKind::Quarter, latest), p("2026-Q4"));
        assert_eq!(as_kind(p("2025-Q2"), PeriodKind::Month, latest), p("2025-06"));
    }

    #[test]
    fn a_trend_holds_twelve_periods_ending_at_the_chosen_one() {
        let months = ending_at(p("2026-10"), 12);
        assert_eq!(months.len(), 12);
        assert_eq!(months.first(), Some(&p("2025-11")));
        assert_eq!(months.last(), Some(&p("2026-10")));
        let quarters = ending_at(p("2026-Q2"), 12);
        assert_eq!((quarters[0], quarters[11]), (p("2023-Q3"), p("2026-Q2")));
        assert_eq!(ending_at(p("1002"), 12), [p("1000"), p("1001"), p("1002")]);
    }
}
