//! The attention list: people whose KPI has stayed far behind (below its threshold)
//! for as many months running as the definitions say, with since when and its trend,
//! for their manager.

use crate::kpi::period::Month;
use crate::kpi::rulebook::Rulebook;
use crate::kpi::shortfall::Standing;
use crate::report::{CardView, PeriodReport};
use std::collections::HashMap;

/// One KPI of one person that needs attention.
#[derive(Debug, Clone, PartialEq)]
pub struct Attention {
    pub person: String,
    pub name: String,
    pub team: Option<String>,
    pub kpi: String,
    pub kpi_name: crate::kpi::definition::LocalizedName,
    /// The first month of the run.
    pub since: Month,
    pub months: usize,
    /// The KPI's value in each month of the run, oldest first.
    pub trend: Vec<(Month, f64)>,
}

/// Who needs attention in the last of `months` (oldest first, each month's report
/// beside it), by the definitions in `rulebook`.
pub fn attention_list(rulebook: &Rulebook, months: &[(Month, &PeriodReport)]) -> Vec<Attention> {
    let Some((latest, report)) = months.last() else {
        return Vec::new();
    };
    let earlier: Vec<(Month, HashMap<&str, &CardView>)> = months
        .iter()
        .rev()
        .map(|(m, r)| (*m, r.people.iter().map(|c| (c.subject.as_str(), c)).collect()))
        .collect();
    let mut list = Vec::new();
    for card in &report.people {
        let Some(role) = rulebook.find_role(&card.role).map(|r| rulebook.role(r)) else {
            continue;
        };
        for kpi in &card.kpis {
            let Some(id) = rulebook.find_kpi(&kpi.kpi) else {
                continue;
            };
            let needed = role.attention_after(id) as usize;
            // Walk back from the latest month while the KPI stays far behind.
            let mut run = Vec::new();
            for (month, cards) in &earlier {
                let far = cards
                    .get(card.subject.as_str())
                    .and_then(|c| c.kpis.iter().find(|k| k.kpi == kpi.kpi))
                    .and_then(|k| Some((k.gap(rulebook)?, k.outcome.value()?)))
                    .filter(|(gap, _)| gap.standing == Standing::FarBehind);
                match far {
                    Some((_, value)) => run.push((*month, value)),
                    None => break,
                }
            }
            if run.len() >= needed {
                run.reverse();
                list.push(Attention {
                    person: card.subject.clone(),
                    name: card.name.clone(),
                    team: card.team.clone(),
                    kpi: kpi.kpi.clone(),
                    kpi_name: kpi.name.clone(),
                    since: run[0].0,
                    months: run.len(),
                    trend: run,
                });
            }
        }
    }
    debug_assert!(list.iter().all(|a| a.trend.last().is_some_and(|(m, _)| m == latest)));
    list.sort_by(|a, b| b.months.cmp(&a.months).then(a.person.cmp(&b.person)));
    list
}
