//! Calibration: each team's, department's and the organisation's grades against the
//! forced distribution, and a grade set over the computed one with a reason.

use super::appraisal::MAX_COMMENT;
use super::{ReviewError, Reviewer};
use crate::access::Visibility;
use crate::kpi::calibration::{Distribution, distribution};
use crate::kpi::organisation::Organisation;
use crate::kpi::period::Month;
use crate::kpi::rulebook::Rulebook;
use crate::report::{CardView, PeriodReport};
use crate::store::{Account, AccountRole};
use std::collections::HashMap;

/// One group's grades against the forced distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDistribution {
    /// `None` for the whole organisation, else the team (with its sub-teams).
    pub team: Option<String>,
    pub name: String,
    pub distribution: Distribution,
}

/// The distributions `visibility` may see: the organisation's (for those who see
/// everyone), then every team's with its sub-teams, by the final grades of `report`.
pub fn distributions(
    rulebook: &Rulebook,
    organisation: &Organisation,
    report: &PeriodReport,
    sees_everyone: bool,
    visibility: &Visibility,
) -> Vec<GroupDistribution> {
    let rules = &rulebook.review().forced_distribution;
    let order = rulebook.grade_names();
    let final_grade: HashMap<&str, &str> = report
        .people
        .iter()
        .filter_map(|c| Some((c.subject.as_str(), c.final_grade()?)))
        .collect();
    let mut groups = Vec::new();
    if sees_everyone {
        groups.push(GroupDistribution {
            team: None,
            name: "Organisation".into(),
            distribution: distribution(rules, &order, final_grade.values().copied()),
        });
    }
    for (id, team) in organisation.teams_with_ids() {
        if !visibility.can_see(&team.key) {
            continue;
        }
        let grades = organisation
            .members(id)
            .iter()
            .filter_map(|&p| final_grade.get(organisation.person(p).key.as_str()).copied());
        groups.push(GroupDistribution {
            team: Some(team.key.clone()),
            name: team.name.clone(),
            distribution: distribution(rules, &order, grades),
        });
    }
    groups
}

/// Whether `account` calibrates `person`'s grade: hr always, a manager of their teams
/// when the definitions let managers calibrate.
pub fn may_calibrate(rulebook: &Rulebook, account: &Account, visibility: &Visibility, person: &str) -> bool {
    match account.role {
        AccountRole::Hr => true,
        AccountRole::Manager => {
            rulebook.review().managers_calibrate
                && account.person.as_deref() != Some(person)
                && visibility.can_see(person)
        }
        AccountRole::Rep | AccountRole::Admin => false,
    }
}

/// Sets `card`'s person's grade for `month` to `grade`, with the reason.
pub async fn calibrate(
    reviewer: Reviewer<'_>,
    organisation: &Organisation,
    month: Month,
    card: &CardView,
    grade: &str,
    reason: &str,
) -> Result<(), ReviewError> {
    let Reviewer {
        store,
        version,
        account,
    } = reviewer;
    let rulebook = &version.rulebook;
    if !may_calibrate(rulebook, account, &Visibility::of(account, organisation), &card.subject) {
        return Err(ReviewError::Forbidden(
            "grades are calibrated by hr (and by managers of their own teams, where the definitions allow)".into(),
        ));
    }
    if card.grade.is_none() {
        return Err(ReviewError::Invalid(format!(
            "{} has no computed grade this month to calibrate",
            card.subject
        )));
    }
    let scale = rulebook
        .find_role(&card.role)
        .map(|r| &rulebook.role(r).grade_scale)
        .ok_or_else(|| ReviewError::Invalid(format!("role `{}` is not in the definitions in force", card.role)))?;
    if scale.rank_of(grade).is_none() {
        let known: Vec<&str> = scale.grades.iter().map(|g| g.grade.as_str()).collect();
        return Err(ReviewError::Invalid(format!(
            "`{}` is not a grade of scale `{}`; it has {}",
            crate::kpi::id::shown(grade),
            scale.key,
            known.join(", ")
        )));
    }
    let reason = required_text(reason, "a calibrated grade needs a reason")?;
    Ok(store
        .adjust_grade(month, &card.subject, grade, reason, &account.username)
        .await?)
}

/// `text` trimmed, refused when empty (saying `missing`) or longer than a comment may be.
pub(super) fn required_text<'t>(text: &'t str, missing: &str) -> Result<&'t str, ReviewError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ReviewError::Invalid(missing.to_owned()));
    }
    if text.chars().count() > MAX_COMMENT {
        return Err(ReviewError::Invalid(format!(
            "the text is longer than {MAX_COMMENT} characters"
        )));
    }
    Ok(text)
}
