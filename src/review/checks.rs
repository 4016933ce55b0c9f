//! Data checks before sign-off: values that look wrong, flagged for the manager with
//! why, never changing a score. A metric far from the person's own last six months
//! or from their role's spread this month, a KPI at its cap for months running, a
//! ratio computed from very few cases.

use crate::kpi::definition::ScoringDef;
use crate::kpi::period::Month;
use crate::kpi::rulebook::Rulebook;
use crate::report::{CardView, PeriodReport};
use std::collections::HashMap;

/// A value this many times its own median (or that fraction of it) is flagged.
const OWN_FACTOR: f64 = 3.0;
/// Months of one's own history a comparison needs.
const OWN_MONTHS: usize = 3;
/// Interquartile ranges beyond the role's middle half that are flagged.
const SPREAD_FACTOR: f64 = 3.0;
/// People of a role a spread needs.
const SPREAD_PEOPLE: usize = 5;
/// Months running at the cap that are flagged.
const CAP_MONTHS: usize = 3;
/// A divisor under this share of its role's median this month makes a ratio of too
/// few cases: 2 leads where the role usually has 30.
const FEW_CASES_SHARE: f64 = 1.0 / 3.0;
/// Differences smaller than this are no news, whatever their ratio (1 complaint
/// where the median is 0.5).
const MIN_DIFFERENCE: f64 = 5.0;

/// One flag on one person's month.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFlag {
    pub person: String,
    /// Stable: `own_history:<metric>`, `role_spread:<metric>`, `at_cap:<kpi>`, `few_cases:<kpi>`.
    pub check: String,
    /// Why, with the numbers: "visits_made 142, own median 31".
    pub why: String,
}

/// Each metric a card read, once: the value its first KPI saw.
fn metrics_of(card: &CardView) -> HashMap<&str, f64> {
    let mut values = HashMap::new();
    for input in card.kpis.iter().flat_map(|k| &k.inputs) {
        if let Some(value) = input.value {
            values.entry(input.name.as_str()).or_insert(value);
        }
    }
    values
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The value at quantile `q` (0 to 1) of sorted `values`, linearly interpolated.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let (low, high) = (at.floor() as usize, at.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (at - low as f64)
}

fn number(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// The most points `scoring` gives, where a KPI can sit at a cap.
fn cap_of(scoring: &ScoringDef) -> Option<f64> {
    match scoring {
        ScoringDef::Linear { cap, .. } => Some(*cap),
        ScoringDef::Levels { stretch_points, .. } => Some(*stretch_points),
        ScoringDef::Bands { steps, .. } => steps.iter().map(|s| s.points).reduce(f64::max),
        // Pass or fail is at its points whenever the target is met: no news.
        ScoringDef::PassFail { .. } => None,
    }
}

/// The flags of the last of `months` (oldest first), its people compared with their
/// own earlier months and with their role.
pub fn data_flags(rulebook: &Rulebook, months: &[(Month, &PeriodReport)]) -> Vec<DataFlag> {
    let Some((_, report)) = months.last() else {
        return Vec::new();
    };
    let history: Vec<HashMap<&str, &CardView>> = months
        .iter()
        .map(|(_, r)| r.people.iter().map(|c| (c.subject.as_str(), c)).collect())
        .collect();
    let mut by_role: HashMap<(&str, &str), Vec<f64>> = HashMap::new();
    for card in &report.people {
        for (metric, value) in metrics_of(card) {
            by_role.entry((card.role.as_str(), metric)).or_default().push(value);
        }
    }
    for values in by_role.values_mut() {
        values.sort_by(f64::total_cmp);
    }
    let mut flags = Vec::new();
    for card in &report.people {
        let flag = |check: String, why: String| DataFlag {
            person: card.subject.clone(),
            check,
            why,
        };
        let own = metrics_of(card);
        let earlier: Vec<HashMap<&str, f64>> = history[..history.len() - 1]
            .iter()
            .rev()
            .take(6)
            .filter_map(|cards| cards.get(card.subject.as_str()).map(|c| metrics_of(c)))
            .collect();
        let mut metrics: Vec<(&str, f64)> = own.into_iter().collect();
        metrics.sort_by(|a, b| a.0.cmp(b.0));
        for (metric, value) in metrics {
            let mut past: Vec<f64> = earlier.iter().filter_map(|m| m.get(metric).copied()).collect();
            if past.len() >= OWN_MONTHS {
                let usual = median(&mut past);
                let far = value > usual * OWN_FACTOR || value < usual / OWN_FACTOR;
                if usual > 0.0 && far && (value - usual).abs() >= MIN_DIFFERENCE {
                    let why = format!("{metric} {}, own median {}", number(value), number(usual));
                    flags.push(flag(format!("own_history:{metric}"), why));
                }
            }
            let peers = &by_role[&(card.role.as_str(), metric)];
            if peers.len() >= SPREAD_PEOPLE {
                let (q1, q3) = (quantile(peers, 0.25), quantile(peers, 0.75));
                let spread = q3 - q1;
                if spread > 0.0 && (value > q3 + SPREAD_FACTOR * spread || value < q1 - SPREAD_FACTOR * spread) {
                    let why = format!(
                        "{metric} {}; the middle half of {} is {}–{}",
                        number(value),
                        card.role,
                        number(q1),
                        number(q3)
                    );
                    flags.push(flag(format!("role_spread:{metric}"), why));
                }
            }
        }
        for kpi in &card.kpis {
            let Some(definition) = rulebook.find_kpi(&kpi.kpi).map(|k| rulebook.kpi(k)) else {
                continue;
            };
            if let Some(cap) = cap_of(&definition.scoring) {
                let at_cap = history
                    .iter()
                    .rev()
                    .take_while(|cards| {
                        cards
                            .get(card.subject.as_str())
                            .and_then(|c| c.kpis.iter().find(|k| k.kpi == kpi.kpi))
                            .and_then(|k| k.outcome.points())
                            .is_some_and(|p| p >= cap)
                    })
                    .count();
                if at_cap >= CAP_MONTHS {
                    let why = format!(
                        "{} at its cap ({} points) for {at_cap} months running",
                        kpi.kpi,
                        number(cap)
                    );
                    flags.push(flag(format!("at_cap:{}", kpi.kpi), why));
                }
            }
            if kpi.outcome.value().is_some() {
                let divisors = definition.formula.divisors();
                let few = kpi.inputs.iter().filter(|i| divisors.contains(&i.name)).find_map(|i| {
                    let value = i.value?;
                    let peers = by_role.get(&(card.role.as_str(), i.name.as_str()))?;
                    let usual = (peers.len() >= SPREAD_PEOPLE).then(|| quantile(peers, 0.5))?;
                    (value > 0.0 && value < usual * FEW_CASES_SHARE).then_some((&i.name, value, usual))
                });
                if let Some((input, v, usual)) = few {
                    let why = format!(
                        "{} is computed from {input} {} where {} usually has {}: too few cases to judge by",
                        kpi.kpi,
                        number(v),
                        card.role,
                        number(usual)
                    );
                    flags.push(flag(format!("few_cases:{}", kpi.kpi), why));
                }
            }
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_are_interpolated_and_medians_of_even_counts_averaged() {
        let sorted = [10.0, 20.0, 30.0, 40.0, 50.0];
        assert_eq!((quantile(&sorted, 0.25), quantile(&sorted, 0.75)), (20.0, 40.0));
        assert_eq!(median(&mut [31.0, 29.0, 33.0, 30.0]), 30.5);
        assert_eq!(number(142.0), "142");
        assert_eq!(number(30.55), "30.6");
    }
}
