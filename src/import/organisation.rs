//! Teams and people files -> validated rows, and rows -> the core's organisation.

use super::suggest;
use super::table::{ImportErrors, RowError, Table};
use crate::kpi::organisation::{ActiveMonths, Organisation, Person, Team, TeamId, TeamTreeError};
use crate::kpi::period::Month;
use crate::kpi::rulebook::Rulebook;
use crate::store::{PersonRow, TeamRow};
use std::collections::{HashMap, HashSet};

pub const TEAM_COLUMNS: (&[&str], &[&str]) = (&["id", "name"], &["name_zh", "parent", "card"]);
pub const PEOPLE_COLUMNS: (&[&str], &[&str]) = (
    &["id", "name", "email", "team", "role"],
    &["manager", "active_from", "active_to", "language"],
);

/// Validates teams; a parent may be another row or a team in `known`. An id may not
/// be one of `people`'s: a card, a data row and an access rule name either.
pub fn parse_teams(
    table: &Table,
    rulebook: &Rulebook,
    known: &HashSet<String>,
    people: &HashSet<String>,
) -> Result<Vec<TeamRow>, ImportErrors> {
    let mut errors = ImportErrors::default();
    let mut lines: HashMap<&str, u64> = HashMap::new();
    for row in table.rows() {
        match row.id("id") {
            Ok(id) => {
                if let Some(first) = lines.insert(id, row.line) {
                    errors.push(row.error("id", format!("duplicate team `{id}`; first on {}", table.place(first))));
                } else if people.contains(id) {
                    errors.push(row.error(
                        "id",
                        format!(
                            "`{id}` is already a person's id; people and teams share data files, so ids must differ"
                        ),
                    ));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    let mut rows = Vec::new();
    for row in table.rows() {
        let parsed = (|| {
            let parent = match row.get("parent") {
                "" => None,
                key if lines.contains_key(key) || known.contains(key) => Some(key.to_owned()),
                key => {
                    let names = lines.keys().copied().chain(known.iter().map(String::as_str));
                    return Err(row.error("parent", format!("unknown team `{key}`{}", suggest(key, names))));
                }
            };
            let name_zh = Some(row.get("name_zh").trim())
                .filter(|n| !n.is_empty())
                .map(str::to_owned);
            let card = match row.get("card").trim() {
                "" => None,
                role if rulebook.find_role(role).is_some() => Some(role.to_owned()),
                role => {
                    let roles = rulebook.roles().iter().map(|r| &r.key);
                    return Err(row.error("card", format!("unknown role `{role}`{}", suggest(role, roles))));
                }
            };
            Ok(TeamRow {
                key: row.id("id")?.to_owned(),
                name: row.required("name")?.to_owned(),
                name_zh,
                parent,
                card,
            })
        })();
        match parsed {
            Ok(team) => rows.push(team),
            Err(e) => errors.push(e),
        }
    }
    errors.or(rows)
}

/// Validates people; teams and managers may be rows of the same file or already known.
pub fn parse_people(
    table: &Table,
    rulebook: &Rulebook,
    teams: &HashSet<String>,
    known_people: &HashSet<String>,
) -> Result<Vec<PersonRow>, ImportErrors> {
    let mut errors = ImportErrors::default();
    let ids: HashSet<&str> = table.rows().map(|r| r.get("id")).collect();
    let mut lines: HashMap<String, u64> = HashMap::new();
    let mut rows = Vec::new();
    for row in table.rows() {
        let parsed = (|| {
            let id = row.id("id")?;
            if let Some(first) = lines.insert(id.to_owned(), row.line) {
                return Err(row.error(
                    "id",
                    format!("duplicate person `{id}`; first on {}", table.place(first)),
                ));
            }
            if teams.contains(id) {
                return Err(row.error(
                    "id",
                    format!("`{id}` is already a team's id; people and teams share data files, so ids must differ"),
                ));
            }
            let email = row.get("email");
            if !email.is_empty() && !is_mail_address(email) {
                return Err(row.error(
                    "email",
                    format!(
                        "`{}` is not a mail address (one `@`, a name before it, a domain with a dot after it, no spaces)",
                        crate::kpi::id::shown(email)
                    ),
                ));
            }
            let team = row.required("team")?;
            if !teams.contains(team) {
                return Err(row.error("team", format!("unknown team `{team}`{}", suggest(team, teams))));
            }
            let role = row.required("role")?;
            if rulebook.find_role(role).is_none() {
                let roles = rulebook.roles().iter().map(|r| &r.key);
                return Err(row.error("role", format!("unknown role `{role}`{}", suggest(role, roles))));
            }
            let manager = match row.get("manager") {
                "" => None,
                m if m == id => return Err(row.error("manager", "a person cannot be their own manager")),
                m if ids.contains(m) || known_people.contains(m) => Some(m.to_owned()),
                m => {
                    let known = ids.iter().copied().chain(known_people.iter().map(String::as_str));
                    return Err(row.error("manager", format!("unknown person `{m}`{}", suggest(m, known))));
                }
            };
            let month = |column: &str| -> Result<Option<String>, RowError> {
                match row.get(column) {
                    "" => Ok(None),
                    text => text
                        .parse::<Month>()
                        .map(|m| Some(m.to_string()))
                        .map_err(|_| row.error(column, format!("`{text}` is not a month `YYYY-MM`"))),
                }
            };
            let (active_from, active_to) = (month("active_from")?, month("active_to")?);
            if let (Some(from), Some(to)) = (&active_from, &active_to)
                && from > to
            {
                return Err(row.error("active_to", format!("{to} is before active_from {from}")));
            }
            let language = match row.get("language") {
                "" => None,
                "en" | "zh" => Some(row.get("language").to_owned()),
                other => {
                    return Err(row.error(
                        "language",
                        format!(
                            "`{}` is not a language Yardstick writes in; use en or zh",
                            crate::kpi::id::shown(other)
                        ),
                    ));
                }
            };
            Ok(PersonRow {
                key: id.to_owned(),
                name: row.required("name")?.to_owned(),
                email: email.to_owned(),
                team: team.to_owned(),
                role: role.to_owned(),
                manager,
                active_from,
                active_to,
                language,
            })
        })();
        match parsed {
            Ok(person) => rows.push(person),
            Err(e) => errors.push(e),
        }
    }
    errors.or(rows)
}

/// The core's organisation from validated rows; a loop of team parents, or a tree
/// too deep, is refused.
pub fn build_organisation(
    rulebook: &Rulebook,
    teams: &[TeamRow],
    people: &[PersonRow],
    teams_file: &str,
) -> Result<Organisation, ImportErrors> {
    organisation_of(rulebook, teams, people).map_err(|error| {
        let mut errors = ImportErrors::default();
        errors.push(RowError {
            file: teams_file.to_owned(),
            line: 1,
            column: Some("parent".into()),
            message: error.to_string(),
        });
        errors
    })
}

/// Parents that make no tree (a loop, or too many levels), placed at the first row
/// of `table` of a team the error names: a stored tree was a tree, so one of the
/// rows read broke it.
pub(super) fn tree_errors(table: &Table, error: &TeamTreeError) -> ImportErrors {
    let mut errors = ImportErrors::default();
    let teams = error.teams();
    let row = table.rows().find(|r| teams.contains(&r.get("id")));
    errors.push(match row {
        Some(row) => row.error("parent", error.to_string()),
        None => RowError {
            file: table.file().to_owned(),
            line: 1,
            column: Some("parent".into()),
            message: error.to_string(),
        },
    });
    errors
}

/// The core's organisation from validated rows, or why their parents make no tree.
pub(super) fn organisation_of(
    rulebook: &Rulebook,
    teams: &[TeamRow],
    people: &[PersonRow],
) -> Result<Organisation, TeamTreeError> {
    // The organisation is being made here: its teams keep the order of `teams`, so a
    // team's id is its place in it.
    let index: HashMap<&str, TeamId> = teams
        .iter()
        .enumerate()
        .map(|(i, t)| (t.key.as_str(), TeamId(i as u32)))
        .collect();
    let core_teams = teams
        .iter()
        .map(|t| Team {
            key: t.key.clone(),
            name: t.name.clone(),
            name_zh: t.name_zh.clone(),
            parent: t.parent.as_deref().map(|p| index[p]),
            card: t.card.as_deref().and_then(|role| rulebook.find_role(role)),
        })
        .collect();
    let core_people = people
        .iter()
        .map(|p| Person {
            key: p.key.clone(),
            name: p.name.clone(),
            email: p.email.clone(),
            team: index[p.team.as_str()],
            role: rulebook
                .find_role(&p.role)
                .expect("roles were validated against this rulebook"),
            active: ActiveMonths {
                from: p.active_from.as_deref().and_then(|m| m.parse().ok()),
                to: p.active_to.as_deref().and_then(|m| m.parse().ok()),
            },
        })
        .collect();
    Organisation::new(core_teams, core_people)
}

/// Whether `text` can be mailed to: `name@domain.tld`, at most 254 characters, no
/// spaces, control characters or angle brackets, one `@`. What a mail server then
/// says of the mailbox is the delivery's business; this catches typos on import.
pub fn is_mail_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let labels_ok = domain
        .split('.')
        .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
    text.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && labels_ok
        && !text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}

#[cfg(test)]
mod mail_address_tests {
    use super::is_mail_address;

    #[test]
    fn a_mail_address_needs_a_name_one_at_and_a_dotted_domain() {
        for good in ["xiao.chen@yardstick-demo.com", "a+b@mail.example.cn", "李@例子.中国"] {
            assert!(is_mail_address(good), "{good}");
        }
        for bad in [
            "xiao.chen",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@b..com",
            "<a@b.com>",
            "a@-b.com",
        ] {
            assert!(!is_mail_address(bad), "{bad}");
        }
    }
}
