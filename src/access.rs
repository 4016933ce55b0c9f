//! Who may see what, decided in one place for the web, the command line and the mail
//! alike: a rep their own cards; a manager their teams, the teams below, and the
//! people in them; hr and admin everyone.

use crate::kpi::organisation::{Organisation, TeamId};
use crate::store::{Account, AccountRole};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// The subjects (people and team keys) an account may see.
#[derive(Debug)]
pub struct Visibility {
    everyone: bool,
    subjects: HashSet<String>,
    /// The teams seen with everyone in them (a manager's, and those below).
    whole_teams: HashSet<String>,
}

impl Visibility {
    pub fn of(account: &Account, organisation: &Organisation) -> Visibility {
        match account.role {
            AccountRole::Hr | AccountRole::Admin => Visibility {
                everyone: true,
                subjects: HashSet::new(),
                whole_teams: HashSet::new(),
            },
            AccountRole::Rep => Visibility {
                everyone: false,
                subjects: account.person.iter().cloned().collect(),
                whole_teams: HashSet::new(),
            },
            AccountRole::Manager => {
                let led: Vec<TeamId> = account.teams.iter().filter_map(|t| organisation.find_team(t)).collect();
                let (mut subjects, mut whole_teams) = (HashSet::new(), HashSet::new());
                let mut todo = led;
                while let Some(team) = todo.pop() {
                    if whole_teams.insert(organisation.team(team).key.clone()) {
                        subjects.insert(organisation.team(team).key.clone());
                        todo.extend_from_slice(organisation.sub_teams(team));
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
                    whole_teams,
                }
            }
        }
    }

    /// Whether every subject is visible (hr and admin).
    pub fn sees_everyone(&self) -> bool {
        self.everyone
    }

    pub fn can_see(&self, subject: &str) -> bool {
        self.everyone || self.subjects.contains(subject)
    }

    /// Whether everyone in team `key` (its sub-teams' members too) is visible: a team
    /// of thousands is then shown without asking member by member.
    pub fn sees_everyone_in(&self, key: &str) -> bool {
        self.everyone || self.whole_teams.contains(key)
    }
}

/// What an account may do beyond reading the scorecards it may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// Team pages, the team overview and leaderboards: everyone but reps.
    TeamBoards,
    /// Sending data, by upload or through the API: hr and admin.
    SendData,
    /// Accounts, and editing and publishing definitions: admin.
    Administer,
    /// The history of the definitions, their diffs and a draft's preview: hr and admin.
    ReadDefinitions,
}

/// Whether `account` may do what `capability` names.
pub fn may(account: &Account, capability: Capability) -> bool {
    match capability {
        Capability::TeamBoards => account.role != AccountRole::Rep,
        Capability::SendData => matches!(account.role, AccountRole::Hr | AccountRole::Admin),
        Capability::Administer => account.role == AccountRole::Admin,
        Capability::ReadDefinitions => matches!(account.role, AccountRole::Hr | AccountRole::Admin),
    }
}

/// What an account's visibility depends on: the same key, the same answer.
type VisibilityKey = (AccountRole, Option<String>, Vec<String>);

/// The visibilities worked out over one organisation, kept beside it: a manager's
/// walk of the team tree is made once per scored period, not on every request.
#[derive(Debug, Default)]
pub struct VisibilityMemo {
    known: Mutex<HashMap<VisibilityKey, Arc<Visibility>>>,
}

/// Distinct accounts remembered before the memo starts afresh.
const MEMO_CAPACITY: usize = 4096;

impl VisibilityMemo {
    /// `Visibility::of(account, organisation)`, remembered; `organisation` must be the
    /// one this memo belongs to.
    pub fn of(&self, account: &Account, organisation: &Organisation) -> Arc<Visibility> {
        let key = (account.role, account.person.clone(), account.teams.clone());
        if let Some(known) = self.lock().get(&key) {
            return Arc::clone(known);
        }
        let visibility = Arc::new(Visibility::of(account, organisation));
        let mut known = self.lock();
        if known.len() >= MEMO_CAPACITY {
            known.clear();
        }
        known.insert(key, Arc::clone(&visibility));
        visibility
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<VisibilityKey, Arc<Visibility>>> {
        // A panic while holding the lock leaves only a memo behind: keep using it.
        self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpi::organisation::Team;

    fn team(key: &str, parent: Option<u32>) -> Team {
        Team {
            key: key.into(),
            name: key.into(),
            name_zh: None,
            card: None,
            parent: parent.map(TeamId),
        }
    }

    fn manager(teams: &[&str]) -> Account {
        Account {
            id: 1,
            username: "lead".into(),
            password_hash: String::new(),
            role: AccountRole::Manager,
            person: None,
            teams: teams.iter().map(|t| (*t).to_owned()).collect(),
            disabled: false,
        }
    }

    #[test]
    fn a_manager_sees_their_team_and_those_below_it_but_not_beside_it() {
        let organisation = Organisation::new(
            vec![
                team("sales", None),
                team("east", Some(0)),
                team("east-key", Some(1)),
                team("west", Some(0)),
            ],
            Vec::new(),
        )
        .expect("a tree");
        let east = Visibility::of(&manager(&["east"]), &organisation);
        assert!(east.can_see("east") && east.can_see("east-key"));
        assert!(!east.can_see("west") && !east.can_see("sales"));
    }

    #[test]
    fn a_team_is_seen_whole_only_where_every_member_of_it_is_visible() {
        use crate::kpi::organisation::{ActiveMonths, Person};
        let person = |key: &str, team: u32| Person {
            key: key.into(),
            name: key.into(),
            email: String::new(),
            team: TeamId(team),
            role: crate::kpi::rulebook::RoleId(0),
            active: ActiveMonths::default(),
        };
        let organisation = Organisation::new(
            vec![team("sales", None), team("east", Some(0)), team("west", Some(0))],
            vec![person("ann", 1), person("bob", 2), person("east", 2)],
        )
        .expect("a tree");
        let east = Visibility::of(&manager(&["east"]), &organisation);
        assert!(east.sees_everyone_in("east") && east.can_see("ann"));
        assert!(!east.sees_everyone_in("sales") && !east.can_see("bob"));
        let rep = Account {
            role: AccountRole::Rep,
            person: Some("east".into()),
            teams: Vec::new(),
            ..manager(&[])
        };
        let rep = Visibility::of(&rep, &organisation);
        assert!(rep.can_see("east"), "their own card, keyed like a team");
        assert!(!rep.sees_everyone_in("east"), "but not the team of that name");
    }

    #[test]
    fn the_memo_answers_as_the_rules_do_for_each_set_of_teams() {
        let organisation = Organisation::new(vec![team("east", None), team("west", None)], Vec::new()).expect("a tree");
        let memo = VisibilityMemo::default();
        let first = memo.of(&manager(&["east"]), &organisation);
        let again = memo.of(&manager(&["east"]), &organisation);
        assert!(Arc::ptr_eq(&first, &again), "the same account is worked out once");
        let west = memo.of(&manager(&["west"]), &organisation);
        assert!(
            west.can_see("west") && !west.can_see("east"),
            "other teams, another answer"
        );
    }
}
