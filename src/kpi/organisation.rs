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

/// The most levels of teams a tree may have, its top team the first: more than any
/// sales force has, and a bound on what a hostile file can make every scoring walk.
pub const MAX_TEAM_LEVELS: usize = 64;

/// Team parents that do not make a tree an organisation can have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamTreeError {
    /// Parents that loop back on themselves, the first team named again at the end.
    #[error("teams form a loop: {}", .0.join(" -> "))]
    Loop(Vec<String>),
    #[error("team {team} is {levels} levels down from its top team {top}; at most {MAX_TEAM_LEVELS} levels of teams")]
    TooDeep { team: String, levels: usize, top: String },
}

impl TeamTreeError {
    /// The teams the error is about, to find the rows to point at.
    pub fn teams(&self) -> Vec<&str> {
        match self {
            TeamTreeError::Loop(path) => path.iter().map(String::as_str).collect(),
            TeamTreeError::TooDeep { team, .. } => vec![team.as_str()],
        }
    }
}

/// An organisation whose team tree is known to be a tree.
#[derive(Debug, Clone)]
pub struct Organisation {
    teams: Vec<Team>,
    people: Vec<Person>,
    /// For each team, every person in it or in any team below it.
    members: Vec<Vec<PersonId>>,
    /// For each team, the teams directly below it, in order.
    sub_teams: Vec<Vec<TeamId>>,
    /// Every team followed by the teams below it, sub-teams in order (a walk down
    /// the tree): a team's subtree is a run of this, `subtree_len` long from its
    /// place in it (`tree_place`).
    tree_order: Vec<TeamId>,
    tree_place: Vec<u32>,
    subtree_len: Vec<u32>,
    /// Each person's team and role, in order: what a sweep over everyone reads of
    /// them, eight bytes a person where their record is over a hundred.
    places: Vec<(TeamId, RoleId)>,
    /// Every person and team by key: ids are found by name, never by a position
    /// counted outside the engine.
    by_key: HashMap<String, Subject>,
}

impl Organisation {
    pub fn new(teams: Vec<Team>, people: Vec<Person>) -> Result<Organisation, TeamTreeError> {
        check_tree(&teams)?;
        let mut members = vec![Vec::new(); teams.len()];
        let mut sub_teams = vec![Vec::new(); teams.len()];
        for (index, team) in teams.iter().enumerate() {
            if let Some(parent) = team.parent {
                sub_teams[parent.index()].push(TeamId(index as u32));
            }
        }
        // Walked with a stack of its own: a chain of teams thousands deep takes
        // memory, not the thread's stack.
        let mut tree_order = Vec::with_capacity(teams.len());
        let mut walk: Vec<TeamId> = (0..teams.len())
            .rev()
            .filter(|&t| teams[t].parent.is_none())
            .map(|t| TeamId(t as u32))
            .collect();
        while let Some(team) = walk.pop() {
            tree_order.push(team);
            walk.extend(sub_teams[team.index()].iter().rev());
        }
        let mut tree_place = vec![0; teams.len()];
        for (place, team) in tree_order.iter().enumerate() {
            tree_place[team.index()] = place as u32;
        }
        let mut subtree_len = vec![1u32; teams.len()];
        for team in tree_order.iter().rev() {
            if let Some(parent) = teams[team.index()].parent {
                subtree_len[parent.index()] += subtree_len[team.index()];
            }
        }
        for (index, person) in people.iter().enumerate() {
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
            sub_teams,
            tree_order,
            tree_place,
            subtree_len,
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

    /// The teams directly below `id`, in order.
    pub fn sub_teams(&self, id: TeamId) -> &[TeamId] {
        &self.sub_teams[id.index()]
    }

    /// The team and every team below it, each followed by the teams below it.
    pub fn subtree(&self, id: TeamId) -> &[TeamId] {
        let place = self.tree_place(id);
        &self.tree_order[place..place + self.subtree_len[id.index()] as usize]
    }

    /// Where the team stands in a walk down the tree: its subtree's teams stand at
    /// its place and the places after it ([`Organisation::subtree`]).
    pub fn tree_place(&self, id: TeamId) -> usize {
        self.tree_place[id.index()] as usize
    }

    /// Every team, each after every team below it.
    pub fn bottom_up(&self) -> impl Iterator<Item = TeamId> + '_ {
        self.tree_order.iter().rev().copied()
    }

    pub fn subject_key(&self, subject: Subject) -> &str {
        match subject {
            Subject::Person(p) => &self.person(p).key,
            Subject::Team(t) => &self.team(t).key,
        }
    }
}

/// Refuses a loop of parents or a tree deeper than [`MAX_TEAM_LEVELS`], each team's
/// parents walked once (a team's level is its parent's plus one), so a chain of a
/// hundred thousand teams is refused as fast as it is read.
fn check_tree(teams: &[Team]) -> Result<(), TeamTreeError> {
    const UNSEEN: u32 = u32::MAX;
    const ON_WALK: u32 = u32::MAX - 1;
    // Per team, its level (1 for a top team) once known.
    let mut level = vec![UNSEEN; teams.len()];
    let mut walk = Vec::new();
    for start in 0..teams.len() {
        walk.clear();
        let mut at = start;
        let above = loop {
            match level[at] {
                UNSEEN => {
                    level[at] = ON_WALK;
                    walk.push(at);
                    match teams[at].parent {
                        Some(parent) => at = parent.index(),
                        None => break 0,
                    }
                }
                ON_WALK => {
                    let from = walk.iter().position(|&t| t == at).unwrap_or(0);
                    let path = walk[from..].iter().chain([&at]).map(|&t| teams[t].key.clone());
                    return Err(TeamTreeError::Loop(path.collect()));
                }
                known => break known as usize,
            }
        };
        for (below, &team) in walk.iter().rev().enumerate() {
            let levels = above + below + 1;
            if levels > MAX_TEAM_LEVELS {
                let mut top = team;
                while let Some(parent) = teams[top].parent {
                    top = parent.index();
                }
                return Err(TeamTreeError::TooDeep {
                    team: teams[team].key.clone(),
                    levels,
                    top: teams[top].key.clone(),
                });
            }
            level[team] = levels as u32;
        }
    }
    Ok(())
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
        assert_eq!(org.sub_teams(TeamId(0)), [TeamId(1)]);
    }

    #[test]
    fn a_walk_down_the_tree_keeps_each_subtree_together() {
        // 0 above 1 and 3, 1 above 4; 2 alone.
        let org = Organisation::new(
            vec![
                team("a", None),
                team("b", Some(0)),
                team("c", None),
                team("d", Some(0)),
                team("e", Some(1)),
            ],
            vec![],
        )
        .expect("a tree");
        let ids = |teams: &[TeamId]| teams.iter().map(|t| t.0).collect::<Vec<_>>();
        assert_eq!(ids(org.subtree(TeamId(0))), [0, 1, 4, 3]);
        assert_eq!(ids(org.subtree(TeamId(1))), [1, 4]);
        assert_eq!(ids(org.subtree(TeamId(2))), [2]);
        assert_eq!(org.tree_place(TeamId(2)), 4);
        assert_eq!(org.bottom_up().map(|t| t.0).collect::<Vec<_>>(), [2, 3, 4, 1, 0]);
    }

    #[test]
    fn a_loop_of_parents_is_refused() {
        let error = Organisation::new(vec![team("a", Some(1)), team("b", Some(0))], vec![]).expect_err("a loop");
        assert_eq!(error.to_string(), "teams form a loop: a -> b -> a");
    }

    #[test]
    fn a_tree_of_64_levels_is_taken_and_one_of_65_refused_at_its_deepest_team() {
        let chain = |n: u32| -> Vec<Team> { (0..n).map(|t| team(&format!("t{t}"), t.checked_sub(1))).collect() };
        assert!(Organisation::new(chain(64), vec![]).is_ok());
        let error = Organisation::new(chain(100_000), vec![]).expect_err("too deep");
        assert_eq!(
            error.to_string(),
            "team t64 is 65 levels down from its top team t0; at most 64 levels of teams"
        );
        assert_eq!(error.teams(), ["t64"]);
    }

    #[test]
    fn a_loop_below_a_sound_tree_names_only_the_loop() {
        // a is a top team; b hangs below it; c and d point at each other.
        let teams = vec![
            team("a", None),
            team("b", Some(0)),
            team("c", Some(3)),
            team("d", Some(2)),
        ];
        let error = Organisation::new(teams, vec![]).expect_err("a loop");
        assert_eq!(error.to_string(), "teams form a loop: c -> d -> c");
    }
}
