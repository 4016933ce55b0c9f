//! Review periods: a month is the unit data arrives in; quarters and years are
//! rolled up from their months.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A calendar month, the grain of all metric data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Month {
    year: u16,
    /// 1 to 12.
    month: u8,
}

impl Month {
    /// A month, if `month` is 1 to 12 and the year is a plausible four-digit one.
    pub const fn new(year: u16, month: u8) -> Option<Month> {
        if year >= 1000 && year <= 9999 && month >= 1 && month <= 12 {
            Some(Month { year, month })
        } else {
            None
        }
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// The month as one number, 202610 for 2026-10: how the store keys metric values
    /// (four bytes, compared as an integer, read back without parsing text).
    pub const fn number(self) -> u32 {
        self.year as u32 * 100 + self.month as u32
    }

    /// The month `number` stands for, if it is one.
    pub fn from_number(number: u32) -> Option<Month> {
        Month::new(u16::try_from(number / 100).ok()?, (number % 100) as u8)
    }

    /// The month before this one, for "last period" comparisons.
    pub fn previous(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A period a scorecard is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    Month(Month),
    /// A year and its quarter, 1 to 4.
    Quarter(u16, u8),
    Year(u16),
}

impl Period {
    /// The months the period is made of, in calendar order.
    pub fn months(self) -> Vec<Month> {
        let (year, first, count) = match self {
            Period::Month(m) => return vec![m],
            Period::Quarter(year, q) => (year, (q - 1) * 3 + 1, 3),
            Period::Year(year) => (year, 1, 12),
        };
        (first..first + count)
            .filter_map(|month| Month::new(year, month))
            .collect()
    }

    /// Whether `month` lies in this period.
    pub fn contains(self, month: Month) -> bool {
        match self {
            Period::Month(m) => m == month,
            Period::Quarter(year, q) => month.year == year && (month.month - 1) / 3 + 1 == q,
            Period::Year(year) => month.year == year,
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month(m) => m.fmt(f),
            Period::Quarter(year, q) => write!(f, "{year:04}-Q{q}"),
            Period::Year(year) => write!(f, "{year:04}"),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Period, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{}` is not a period; expected a month `YYYY-MM`, a quarter `YYYY-Qn` or a year `YYYY`",
    super::id::shown(text)
)]
pub struct PeriodParseError {
    pub text: String,
}

impl FromStr for Period {
    type Err = PeriodParseError;

    fn from_str(text: &str) -> Result<Period, PeriodParseError> {
        let error = || PeriodParseError { text: text.to_owned() };
        let digits = |s: &str, len: usize| -> Option<u16> {
            (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
                .then(|| s.parse().ok())
                .flatten()
        };
        let year = digits(text.get(..4).ok_or_else(error)?, 4).ok_or_else(error)?;
        let rest = &text[4..];
        if rest.is_empty() {
            return Month::new(year, 1).map(|_| Period::Year(year)).ok_or_else(error);
        }
        let rest = rest.strip_prefix('-').ok_or_else(error)?;
        if let Some(q) = rest.strip_prefix('Q').or_else(|| rest.strip_prefix('q')) {
            let q = digits(q, 1).ok_or_else(error)?;
            return match q {
                1..=4 if Month::new(year, 1).is_some() => Ok(Period::Quarter(year, q as u8)),
                _ => Err(error()),
            };
        }
        let month = digits(rest, 2).ok_or_else(error)?;
        u8::try_from(month)
            .ok()
            .and_then(|m| Month::new(year, m))
            .map(Period::Month)
            .ok_or_else(error)
    }
}

impl FromStr for Month {
    type Err = PeriodParseError;

    fn from_str(text: &str) -> Result<Month, PeriodParseError> {
        match text.parse()? {
            Period::Month(m) => Ok(m),
            _ => Err(PeriodParseError { text: text.to_owned() }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Period {
        s.parse().expect("a valid period in the test")
    }

    #[test]
    fn months_quarters_and_years_parse_and_print_back() {
        for text in ["2026-10", "2026-Q3", "2026", "2026-01", "2026-Q1"] {
            assert_eq!(p(text).to_string(), text);
        }
    }

    #[test]
    fn a_quarter_is_its_three_months() {
        let months: Vec<String> = p("2026-Q3").months().iter().map(|m| m.to_string()).collect();
        assert_eq!(months, ["2026-07", "2026-08", "2026-09"]);
        assert_eq!(p("2026").months().len(), 12);
        assert!(p("2026-Q4").contains("2026-12".parse().expect("month")));
        assert!(!p("2026-Q4").contains("2026-09".parse().expect("month")));
    }

    #[test]
    fn malformed_periods_are_refused() {
        for text in [
            "",
            "2026-13",
            "2026-00",
            "2026-Q5",
            "2026-Q0",
            "26-10",
            "2026-1",
            "2026/10",
            "abcd",
            "2026-10-01",
        ] {
            assert!(text.parse::<Period>().is_err(), "{text} should be refused");
        }
    }

    #[test]
    fn january_follows_december() {
        let jan: Month = "2026-01".parse().expect("month");
        assert_eq!(jan.previous().to_string(), "2025-12");
    }

    #[test]
    fn a_month_is_stored_as_its_number_and_read_back() {
        let october: Month = "2026-10".parse().expect("month");
        assert_eq!(october.number(), 202610);
        assert_eq!(Month::from_number(202610), Some(october));
        assert_eq!(
            Month::from_number(202601).map(|m| m.to_string()).as_deref(),
            Some("2026-01")
        );
        // Numbers that are not a month are refused, not wrapped into one.
        for number in [0, 202600, 202613, 99912, 1_000_001] {
            assert_eq!(Month::from_number(number), None, "{number}");
        }
    }
}
