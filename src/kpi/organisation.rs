//! People and teams as the engine sees them: who is in which team, which role each
//! person is scored with, and which people every team (with its sub-teams) holds.

use crate::kpi::period::{Month, Period};
use crate::kpi::rulebook::RoleId;
use std::collections::HashMap;
use std::fmt;

/// A person of an organisation, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonId(pub u32);

/// A team of an organisation, by position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TeamId(pub u32);

impl PersonId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl TeamId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Whom a scorecard or a metric value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    Person(PersonId),
    Team(TeamId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// The id people and data files use, such as `east`.
    pub key: String,
    pub name: String,
    /// The name in Chinese, when one is given.
    pub name_zh: Option<String>,
    pub parent: Option<TeamId>,
    /// The role the team's own card is scored with; `None`: the team scorecard role.
    pub card: Option<RoleId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub key: String,
    pub name: String,
    pub email: String,
    pub team: TeamId,
    pub role: RoleId,
    /// The months the person works in; outside them a missing value is no gap.
    pub active: ActiveMonths,
}

/// From which month to which month a person is active; either end may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActiveMonths {
    pub from: Option<Month>,
    pub to: Option<Month>,
}

impl ActiveMonths {
    pub fn contains(self, month: Month) -> bool {
        self.from.is_none_or(|from| from <= month) && self.to.is_none_or(|to| month <= to)
    }

    /// Which months of `period` the person is active in: bit `i` for its `i`-th month.
    pub fn within(self, period: Period) -> u16 {
        period
            .months()
            .into_iter()
            .enumerate()
            .filter(|&(_, m)| self.contains(m))
            .fold(0, |bits, (i, _)| bits | 1 << i)
    }
}

/// Team parents that loop back on themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("teams form a loop: {}", .0.join(" -> "))]
pub struct TeamLoop(pub Vec<String>);

/// An organisation whose team tree is known to be a tree.
#[derive(Debug, Clone)]
pub struct Organisation {
    teams: Vec<Team>,
    people: Vec<Person>,
    /// For each team, every person in it or in any team below it.
    members: Vec<Vec<PersonId>>,
    /// For each team, the people in it and not in a team below it, and the teams
    /// directly below it, each in order: how a team's rollups take its members.
    own_members: Vec<Vec<PersonId>>,
    sub_teams: Vec<Vec<TeamId>>,
    /// Every team after every team below it.
    bottom_up: Vec<TeamId>,
    /// Each person's team and role, in order: what a sweep over everyone reads of
    /// them, eight bytes a person where their record is over a hundred.
    places: Vec<(TeamId, RoleId)>,
    /// Every person and team by key: ids are found by name, never by a position
    /// counted outside the engine.
    by_key: HashMap<String, Subject>,
}

impl Organisation {
    pub fn new(teams: Vec<Team>, people: Vec<Person>) -> Result<Organisation, TeamLoop> {
        let mut members = vec![Vec::new(); teams.len()];
        for (index, team) in teams.iter().enumerate() {
            let mut seen = vec![index];
            let mut parent = team.parent;
            while let Some(p) = parent {
                if seen.contains(&p.index()) {
                    let mut path: Vec<String> = seen.iter().map(|&t| teams[t].key.clone()).collect();
                    path.push(teams[p.index()].key.clone());
                    return Err(TeamLoop(path));
                }
                seen.push(p.index());
                parent = teams[p.index()].parent;
            }
        }
        let mut own_members = vec![Vec::new(); teams.len()];
        let mut sub_teams = vec![Vec::new(); teams.len()];
        let mut depth = vec![0usize; teams.len()];
        for (index, team) in teams.iter().enumerate() {
            if let Some(parent) = team.parent {
                sub_teams[parent.index()].push(TeamId(index as u32));
            }
            let mut parent = team.parent;
            while let Some(p) = parent {
                depth[index] += 1;
                parent = teams[p.index()].parent;
            }
        }
        let mut bottom_up: Vec<TeamId> = (0..teams.len()).map(|t| TeamId(t as u32)).collect();
        bottom_up.sort_by_key(|t| std::cmp::Reverse(depth[t.index()]));
        for (index, person) in people.iter().enumerate() {
            own_members[person.team.index()].push(PersonId(index as u32));
            let mut team = Some(person.team);
            while let Some(t) = team {
                members[t.index()].push(PersonId(index as u32));
                team = teams[t.index()].parent;
            }
        }
        let by_key = people
            .iter()
            .enumerate()
            .map(|(i, p)| (p.key.clone(), Subject::Person(PersonId(i as u32))))
            .chain(
                teams
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.key.clone(), Subject::Team(TeamId(i as u32)))),
            )
            .collect();
        let places = people.iter().map(|p| (p.team, p.role)).collect();
        Ok(Organisation {
            teams,
            people,
            members,
            own_members,
            sub_teams,
            bottom_up,
            places,
            by_key,
        })
    }

    pub fn teams(&self) -> &[Team] {
        &self.teams
    }

    pub fn people(&self) -> &[Person] {
        &self.people
    }

    /// Every person with their id, in order.
    pub fn people_with_ids(&self) -> impl Iterator<Item = (PersonId, &Person)> + '_ {
        self.people.iter().enumerate().map(|(i, p)| (PersonId(i as u32), p))
    }

    /// Every team with its id, in order.
    pub fn teams_with_ids(&self) -> impl Iterator<Item = (TeamId, &Team)> + '_ {
        self.teams.iter().enumerate().map(|(i, t)| (TeamId(i as u32), t))
    }

    /// The person or team with this key.
    pub fn find(&self, key: &str) -> Option<Subject> {
        self.by_key.get(key).copied()
    }

    pub fn find_person(&self, key: &str) -> Option<PersonId> {
        match self.find(key) {
            Some(Subject::Person(p)) => Some(p),
            _ => None,
        }
    }

    pub fn find_team(&self, key: &str) -> Option<TeamId> {
        match self.find(key) {
            Some(Subject::Team(t)) => Some(t),
            _ => None,
        }
    }

    pub fn team(&self, id: TeamId) -> &Team {
        &self.teams[id.index()]
    }

    pub fn person(&self, id: PersonId) -> &Person {
        &self.people[id.index()]
    }

    /// Every person's team and role, in the people's order.
    pub fn places(&self) -> &[(TeamId, RoleId)] {
        &self.places
    }

    /// Everyone in the team and its sub-teams.
    pub fn members(&self, id: TeamId) -> &[PersonId] {
        &self.members[id.index()]
    }

    /// The people in the team itself, not in a team below it.
    pub fn own_members(&self, id: TeamId) -> &[PersonId] {
        &self.own_members[id.index()]
    }

    /// The teams directly below `id`, in order.
    pub fn sub_teams(&self, id: TeamId) -> &[TeamId] {
        &self.sub_teams[id.index()]
    }

    /// Every team, each after every team below it.
    pub fn bottom_up(&self) -> &[TeamId] {
        &self.bottom_up
    }

    pub fn subject_key(&self, subject: Subject) -> &str {
        match subject {
            Subject::Person(p) => &self.person(p).key,
            Subject::Team(t) => &self.team(t).key,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Person(p) => write!(f, "person #{}", p.0),
            Subject::Team(t) => write!(f, "team #{}", t.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(key: &str, parent: Option<u32>) -> Team {
        Team {
            key: key.into(),
            name: key.into(),
            name_zh: None,
            card: None,
            parent: parent.map(TeamId),
        }
    }

    fn person(key: &str, team: u32) -> Person {
        Person {
            key: key.into(),
            name: key.into(),
            email: String::new(),
            team: TeamId(team),
            role: RoleId(0),
            active: ActiveMonths::default(),
        }
    }

    #[test]
    fn a_team_holds_the_people_of_its_sub_teams() {
        let org = Organisation::new(
            vec![team("east", None), team("east-key", Some(0)), team("care", None)],
            vec![person("a", 0), person("b", 1), person("c", 2)],
        )
        .expect("a tree");
        assert_eq!(org.members(TeamId(0)), [PersonId(0), PersonId(1)]);
        assert_eq!(org.members(TeamId(1)), [PersonId(1)]);
        assert_eq!(org.own_members(TeamId(0)), [PersonId(0)]);
        assert_eq!(org.sub_teams(TeamId(0)), [TeamId(1)]);
        assert_eq!(org.bottom_up()[0], TeamId(1), "the team below first");
    }

    #[test]
    fn a_loop_of_parents_is_refused() {
        let error = Organisation::new(vec![team("a", Some(1)), team("b", Some(0))], vec![]).expect_err("a loop");
        assert_eq!(error.to_string(), "teams form a loop: a -> b -> a");
    }
}
