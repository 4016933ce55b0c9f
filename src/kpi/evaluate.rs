//! Scoring a whole organisation for a period: every person with their role, every
//! team with the team scorecard, on both cores.

use crate::kpi::columns::KpiColumns;
use crate::kpi::definition::ScoredOn;
use crate::kpi::organisation::{Organisation, PersonId, Subject, TeamId};
use crate::kpi::period::Period;
use crate::kpi::qualitative::{Rated, RatingBook};
use crate::kpi::rollup::PeriodInputs;
use crate::kpi::rulebook::{RoleId, Rulebook};
use crate::kpi::scorecard::{Scorecard, SubjectInputs, Workspace, score_subject};
use crate::kpi::targets::TargetBook;
use rayon::prelude::*;

/// The scorecards of a period, people and teams in organisation order.
#[derive(Debug, Clone)]
pub struct PeriodScores {
    pub period: Period,
    pub people: Vec<Scorecard>,
    /// `None` for every team when the rulebook names no team scorecard.
    pub teams: Vec<Option<Scorecard>>,
}

impl PeriodScores {
    /// Every card with its subject: people, then the teams that have one.
    pub fn cards(&self) -> impl Iterator<Item = (Subject, &Scorecard)> + '_ {
        let people = self
            .people
            .iter()
            .enumerate()
            .map(|(i, card)| (Subject::Person(PersonId(i as u32)), card));
        let teams = self
            .teams
            .iter()
            .enumerate()
            .filter_map(|(i, card)| card.as_ref().map(|card| (Subject::Team(TeamId(i as u32)), card)));
        people.chain(teams)
    }
}

/// The role a team's card is scored with: its own, else the team scorecard role.
pub fn team_card(rulebook: &Rulebook, organisation: &Organisation, team: TeamId) -> Option<RoleId> {
    organisation.team(team).card.or(rulebook.team_role())
}

/// The inputs a subject's card is computed from: a person scored on their team's
/// numbers (a team lead) reads the team's row.
pub fn inputs_subject(rulebook: &Rulebook, organisation: &Organisation, subject: Subject) -> Subject {
    match subject {
        Subject::Person(p) => {
            let person = organisation.person(p);
            match rulebook.role(person.role).scored_on {
                ScoredOn::Team => Subject::Team(person.team),
                ScoredOn::Person => subject,
            }
        }
        Subject::Team(_) => subject,
    }
}

/// What scoring a period reads: the period, its inputs, the targets and ratings.
#[derive(Debug, Clone, Copy)]
pub struct PeriodCase<'a> {
    pub rulebook: &'a Rulebook,
    pub organisation: &'a Organisation,
    pub inputs: &'a PeriodInputs,
    pub targets: &'a TargetBook,
    pub ratings: &'a RatingBook,
    pub period: Period,
}

impl PeriodCase<'_> {
    /// The card of `subject` scored with `role`, its KPIs taken from `columns` where
    /// they were worked out a column at a time, else one subject at a time.
    pub fn score(
        &self,
        subject: Subject,
        role: RoleId,
        columns: Option<&KpiColumns>,
        workspace: &mut Workspace,
    ) -> Scorecard {
        let PeriodCase {
            rulebook,
            organisation,
            inputs,
            targets,
            ratings,
            period,
        } = *self;
        let source = SubjectInputs {
            inputs,
            organisation,
            subject: inputs_subject(rulebook, organisation, subject),
            columns,
        };
        let overrides = if targets.is_empty() {
            Vec::new()
        } else {
            let (person, team) = match subject {
                Subject::Person(p) => (Some(p), organisation.person(p).team),
                Subject::Team(t) => (None, t),
            };
            targets.for_card(person, team, role, period)
        };
        // Managers rate months; a quarter or a year is judged on its numbers.
        let rated = match (subject, period) {
            (Subject::Person(p), Period::Month(_)) => Rated::Person(ratings.of(p)),
            _ => Rated::NotRated,
        };
        score_subject(rulebook, role, source, &overrides, rated, workspace)
    }
}

/// Scores every person and team of `organisation` for `period`, people with their
/// managers' `ratings`. A month's KPIs are worked out a column at a time first
/// ([`KpiColumns`]); the cards are then put together on every core.
pub fn score_period(
    rulebook: &Rulebook,
    organisation: &Organisation,
    inputs: &PeriodInputs,
    targets: &TargetBook,
    ratings: &RatingBook,
    period: Period,
) -> PeriodScores {
    let case = PeriodCase {
        rulebook,
        organisation,
        inputs,
        targets,
        ratings,
        period,
    };
    let columns = KpiColumns::of_month(rulebook, organisation, inputs);
    let columns = columns.as_ref();
    let people = (0..organisation.people().len())
        .into_par_iter()
        .with_min_len(256)
        .map_init(Workspace::default, |ws, p| {
            let id = PersonId(p as u32);
            case.score(Subject::Person(id), organisation.person(id).role, columns, ws)
        })
        .collect();
    let teams = (0..organisation.teams().len())
        .into_par_iter()
        .map_init(Workspace::default, |ws, t| {
            let id = TeamId(t as u32);
            team_card(rulebook, organisation, id).map(|role| case.score(Subject::Team(id), role, columns, ws))
        })
        .collect();
    PeriodScores { period, people, teams }
}
