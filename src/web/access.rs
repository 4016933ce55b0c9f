//! Who may see what, decided in one place for every route, HTML and JSON alike:
//! a rep their own cards; a manager their teams, the teams below, and the people in
//! them; hr and admin everyone.

use crate::kpi::organisation::{Organisation, TeamId};
use crate::store::{Account, AccountRole};
use std::collections::HashSet;

/// The subjects (people and team keys) an account may see.
#[derive(Debug)]
pub struct Visibility {
    everyone: bool,
    subjects: HashSet<String>,
}

impl Visibility {
    pub fn of(account: &Account, organisation: &Organisation) -> Visibility {
        match account.role {
            AccountRole::Hr | AccountRole::Admin => Visibility {
                everyone: true,
                subjects: HashSet::new(),
            },
            AccountRole::Rep => Visibility {
                everyone: false,
                subjects: account.person.iter().cloned().collect(),
            },
            AccountRole::Manager => {
                let led: Vec<TeamId> = organisation
                    .teams()
                    .iter()
                    .enumerate()
                    .filter(|(_, t)| account.teams.contains(&t.key))
                    .map(|(i, _)| TeamId(i as u32))
                    .collect();
                let mut subjects = HashSet::new();
                let mut todo = led;
                while let Some(team) = todo.pop() {
                    if subjects.insert(organisation.team(team).key.clone()) {
                        todo.extend(organisation.sub_teams(team));
                        subjects.extend(
                            organisation
                                .members(team)
                                .iter()
                                .map(|p| organisation.person(*p).key.clone()),
                        );
                    }
                }
                subjects.extend(account.person.iter().cloned());
                Visibility {
                    everyone: false,
                    subjects,
                }
            }
        }
    }

    pub fn can_see(&self, subject: &str) -> bool {
        self.everyone || self.subjects.contains(subject)
    }
}
