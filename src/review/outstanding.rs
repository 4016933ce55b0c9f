//! Where a month's review stands, team by team: who has rated themselves, who their
//! manager has rated, which teams are signed off, and what the definitions require
//! before the month can be finalized. Managers read it to know whom to chase;
//! finalizing refuses while anything required is outstanding and names it.

use crate::kpi::definition::SelfAssessment;
use crate::kpi::organisation::{Organisation, TeamId};
use crate::kpi::period::Month;
use crate::kpi::rulebook::Rulebook;
use crate::store::{AppraisalRow, SignOff};
use std::collections::HashMap;

/// One person's place in the review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonProgress {
    pub person: String,
    pub name: String,
    pub role: String,
    /// `None` when the role's review has no self-assessment.
    pub self_assessed: Option<bool>,
    pub self_required: bool,
    /// `None` when the role's card has no qualitative part.
    pub rated: Option<bool>,
    pub rating_required: bool,
}

/// One team's review: its own members (sub-teams are teams of their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamProgress {
    pub team: String,
    pub name: String,
    pub people: Vec<PersonProgress>,
    pub sign_off_required: bool,
    pub signed_off: Option<SignOff>,
}

impl TeamProgress {
    /// What the definitions require that this team has not done yet.
    pub fn outstanding(&self) -> Vec<String> {
        let list = |pick: &dyn Fn(&PersonProgress) -> bool| -> Vec<&str> {
            self.people
                .iter()
                .filter(|p| pick(p))
                .map(|p| p.person.as_str())
                .collect()
        };
        let mut missing = Vec::new();
        let unrated = list(&|p| p.rating_required && p.rated == Some(false));
        if !unrated.is_empty() {
            missing.push(format!("the manager's rating of {}", unrated.join(", ")));
        }
        let unassessed = list(&|p| p.self_required && p.self_assessed == Some(false));
        if !unassessed.is_empty() {
            missing.push(format!("the self-assessment of {}", unassessed.join(", ")));
        }
        if self.sign_off_required && self.signed_off.is_none() {
            missing.push("the manager's sign-off".into());
        }
        missing
    }
}

/// A month's review, team by team, in the organisation's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewProgress {
    pub month: Month,
    pub teams: Vec<TeamProgress>,
}

impl ReviewProgress {
    /// Everything outstanding, one line per team: "east: the manager's rating of p002, p003".
    pub fn outstanding(&self) -> Vec<String> {
        self.teams
            .iter()
            .filter_map(|t| {
                let missing = t.outstanding();
                (!missing.is_empty()).then(|| format!("{}: {}", t.team, missing.join("; ")))
            })
            .collect()
    }
}

/// Where `month`'s review stands for every team of `organisation` with people
/// active in it.
pub fn progress(
    rulebook: &Rulebook,
    organisation: &Organisation,
    month: Month,
    appraisals: &[AppraisalRow],
    sign_offs: &[SignOff],
) -> ReviewProgress {
    let by_person: HashMap<&str, &AppraisalRow> = appraisals.iter().map(|a| (a.person.as_str(), a)).collect();
    let sign_off_required = rulebook.review().team_sign_off;
    let teams = organisation
        .teams_with_ids()
        .filter_map(|(id, team)| {
            let people = people_of(rulebook, organisation, id, month, &by_person);
            (!people.is_empty()).then(|| TeamProgress {
                team: team.key.clone(),
                name: team.name.clone(),
                people,
                sign_off_required,
                signed_off: sign_offs.iter().find(|s| s.team == team.key).cloned(),
            })
        })
        .collect();
    ReviewProgress { month, teams }
}

fn people_of(
    rulebook: &Rulebook,
    organisation: &Organisation,
    team: TeamId,
    month: Month,
    by_person: &HashMap<&str, &AppraisalRow>,
) -> Vec<PersonProgress> {
    // `members` holds the sub-teams' people too; each person is reviewed in their own team.
    organisation
        .members(team)
        .iter()
        .map(|&id| organisation.person(id))
        .filter(|person| person.team == team && person.active.contains(month))
        .map(|person| {
            let role = rulebook.role(person.role);
            let appraisal = by_person.get(person.key.as_str());
            let part = role.qualitative.as_ref();
            let self_on = part.is_some_and(|q| q.self_assessment != SelfAssessment::Off);
            PersonProgress {
                person: person.key.clone(),
                name: person.name.clone(),
                role: role.key.clone(),
                self_assessed: self_on.then(|| appraisal.is_some_and(|a| a.self_ratings.is_some())),
                self_required: part.is_some_and(|q| q.self_assessment == SelfAssessment::Required),
                rated: part.map(|_| appraisal.is_some_and(|a| a.manager_ratings.is_some())),
                rating_required: part.is_some_and(|q| q.required),
            }
        })
        .collect()
}
