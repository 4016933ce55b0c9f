//! Targets that override a role's defaults for a role, a team (its card and its
//! members') or one person, for every period or for one. The most specific wins:
//! person, then team, then role; within each, the target for the period before the
//! target for every period; the definitions' default last.

use crate::kpi::organisation::{PersonId, TeamId};
use crate::kpi::period::Period;
use crate::kpi::rulebook::{KpiId, RoleId, Target};
use std::collections::HashMap;

/// Whom a target is set for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetScope {
    Person(PersonId),
    Team(TeamId),
    Role(RoleId),
}

/// One override. A missing threshold or stretch keeps the role's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetOverride {
    pub scope: TargetScope,
    /// `None` for every period.
    pub period: Option<Period>,
    pub kpi: KpiId,
    pub target: Target,
}

/// All overrides, indexed by scope.
#[derive(Debug, Clone, Default)]
pub struct TargetBook {
    by_scope: HashMap<TargetScope, Vec<TargetOverride>>,
}

impl TargetBook {
    /// Adds an override; a later one for the same scope, period and KPI replaces the earlier.
    pub fn insert(&mut self, o: TargetOverride) {
        let list = self.by_scope.entry(o.scope).or_default();
        list.retain(|e| !(e.kpi == o.kpi && e.period == o.period));
        list.push(o);
    }

    pub fn is_empty(&self) -> bool {
        self.by_scope.is_empty()
    }

    /// The overrides in force for a card in `period`, one per KPI: the card's person
    /// (if any), its team, and its role, from the most specific down.
    pub fn for_card(
        &self,
        person: Option<PersonId>,
        team: TeamId,
        role: RoleId,
        period: Period,
    ) -> Vec<(KpiId, Target)> {
        let scopes = person
            .map(TargetScope::Person)
            .into_iter()
            .chain([TargetScope::Team(team), TargetScope::Role(role)]);
        let mut chosen: Vec<(KpiId, Target)> = Vec::new();
        for scope in scopes {
            let Some(list) = self.by_scope.get(&scope) else {
                continue;
            };
            for for_period in [true, false] {
                for o in list
                    .iter()
                    .filter(|o| o.period.is_some() == for_period && o.period.is_none_or(|p| p == period))
                {
                    if !chosen.iter().any(|(k, _)| *k == o.kpi) {
                        chosen.push((o.kpi, o.target));
                    }
                }
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(t: f64) -> Target {
        Target {
            target: t,
            threshold: None,
            stretch: None,
        }
    }

    fn set(book: &mut TargetBook, scope: TargetScope, period: Option<&str>, kpi: u32, value: f64) {
        let period = period.map(|p| p.parse().expect("a period"));
        book.insert(TargetOverride {
            scope,
            period,
            kpi: KpiId(kpi),
            target: target(value),
        });
    }

    #[test]
    fn the_most_specific_target_wins() {
        let (person, team, role) = (PersonId(3), TeamId(1), RoleId(0));
        let mut book = TargetBook::default();
        set(&mut book, TargetScope::Role(role), None, 1, 50.0);
        set(&mut book, TargetScope::Role(role), None, 2, 5.0);
        set(&mut book, TargetScope::Role(role), None, 3, 7.0);
        set(&mut book, TargetScope::Team(team), None, 2, 6.0);
        set(&mut book, TargetScope::Person(person), None, 1, 80.0);
        set(&mut book, TargetScope::Person(person), Some("2026-10"), 1, 90.0);
        let october = "2026-10".parse().expect("period");
        let november = "2026-11".parse().expect("period");
        let card = |period| {
            let mut t = book.for_card(Some(person), team, role, period);
            t.sort_by_key(|(k, _)| *k);
            t
        };
        assert_eq!(
            card(october),
            [
                (KpiId(1), target(90.0)),
                (KpiId(2), target(6.0)),
                (KpiId(3), target(7.0))
            ]
        );
        assert_eq!(card(november)[0], (KpiId(1), target(80.0)));
        // The team's own card sees the team's and the role's targets, not a member's.
        let mut team_card = book.for_card(None, team, role, october);
        team_card.sort_by_key(|(k, _)| *k);
        assert_eq!(
            team_card,
            [
                (KpiId(1), target(50.0)),
                (KpiId(2), target(6.0)),
                (KpiId(3), target(7.0))
            ]
        );
    }

    #[test]
    fn a_target_for_the_period_beats_one_for_every_period_in_the_same_scope() {
        let mut book = TargetBook::default();
        set(&mut book, TargetScope::Team(TeamId(0)), Some("2026-Q4"), 1, 70.0);
        set(&mut book, TargetScope::Team(TeamId(0)), None, 1, 60.0);
        let q4 = "2026-Q4".parse().expect("period");
        assert_eq!(
            book.for_card(None, TeamId(0), RoleId(0), q4),
            [(KpiId(1), target(70.0))]
        );
        let october = "2026-10".parse().expect("period");
        assert_eq!(
            book.for_card(None, TeamId(0), RoleId(0), october),
            [(KpiId(1), target(60.0))]
        );
    }
}
