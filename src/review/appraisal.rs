//! Ratings and sign-offs as people give them: who may rate whom, ratings checked
//! against the person's role, and the errors a reviewer is shown.

use super::Reviewer;
use crate::access::Visibility;
use crate::definitions::RulebookVersion;
use crate::import::stored_organisation;
use crate::kpi::definition::SelfAssessment;
use crate::kpi::organisation::Organisation;
use crate::kpi::period::{Month, Period};
use crate::kpi::qualitative::{Qualitative, RatingError, Ratings};
use crate::store::{Account, AccountRole, Rater, StoreError};

/// The longest comment kept, in characters: a page of text.
pub(super) const MAX_COMMENT: usize = 4000;

/// Why a review step was refused.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The period cannot be finalized yet: what is missing, team by team.
    #[error("{month} cannot be finalized yet: {}", .missing.join("; "))]
    Incomplete { month: Month, missing: Vec<String> },
    /// Not this account's to do, or nobody's it may see: answered as not found.
    #[error("not found")]
    NotYours,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the rating does not fit the role's scale: {0}")]
    Rating(#[from] RatingError),
}

/// Ratings from a form or a request: aspect -> rating as text, each a whole number.
pub fn read_ratings<'a>(given: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Ratings, ReviewError> {
    let mut ratings = Ratings::new();
    for (aspect, rating) in given {
        let rating = rating.trim();
        if rating.is_empty() {
            continue;
        }
        let value: u8 = rating.parse().map_err(|_| {
            ReviewError::Invalid(format!(
                "the rating of `{}` is `{}`, not a whole number",
                crate::kpi::id::shown(aspect),
                crate::kpi::id::shown(rating)
            ))
        })?;
        ratings.insert(aspect.to_owned(), value);
    }
    Ok(ratings)
}

/// Whether `account` rates `person` as their manager: a manager of a team the person
/// is in (or one above it), never of themselves. `visibility` is the account's.
pub fn may_rate(account: &Account, visibility: &Visibility, person: &str) -> bool {
    account.role == AccountRole::Manager && account.person.as_deref() != Some(person) && visibility.can_see(person)
}

/// The role's qualitative part for `person` in `month`, or why there is none.
fn part_of<'r>(
    version: &'r RulebookVersion,
    organisation: &Organisation,
    person: &str,
) -> Result<&'r Qualitative, ReviewError> {
    let id = organisation.find_person(person).ok_or(ReviewError::NotYours)?;
    let role = version.rulebook.role(organisation.person(id).role);
    role.qualitative.as_ref().ok_or_else(|| {
        ReviewError::Invalid(format!(
            "the card of role `{}` has no qualitative part to rate",
            role.key
        ))
    })
}

/// Saves the reviewer's rating of `person` for `month`: of themselves, or as their
/// manager. Ratings must fit the person's role; a finalized month refuses.
pub async fn rate(
    reviewer: Reviewer<'_>,
    month: Month,
    person: &str,
    rater: Rater,
    ratings: &Ratings,
    comment: &str,
) -> Result<(), ReviewError> {
    let Reviewer {
        store,
        version,
        account,
    } = reviewer;
    let organisation = stored_organisation(store, &version.rulebook, Some(Period::Month(month))).await?;
    match rater {
        Rater::Themselves if account.person.as_deref() != Some(person) => return Err(ReviewError::NotYours),
        Rater::Manager if !may_rate(account, &Visibility::of(account, &organisation), person) => {
            return Err(if Visibility::of(account, &organisation).can_see(person) {
                ReviewError::Forbidden(format!("only a manager of {person}'s team rates {person}"))
            } else {
                ReviewError::NotYours
            });
        }
        _ => {}
    }
    let part = part_of(version, &organisation, person)?;
    if rater == Rater::Themselves && part.self_assessment == SelfAssessment::Off {
        return Err(ReviewError::Invalid("this role's review has no self-assessment".into()));
    }
    part.points(ratings)?;
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT {
        return Err(ReviewError::Invalid(format!(
            "the comment is longer than {MAX_COMMENT} characters"
        )));
    }
    let actor = account.username.as_str();
    Ok(store.save_rating(month, person, rater, ratings, comment, actor).await?)
}

/// Signs `team`'s review of `month` off: its manager (or one above), or hr.
pub async fn sign_off(reviewer: Reviewer<'_>, month: Month, team: &str) -> Result<(), ReviewError> {
    let Reviewer {
        store,
        version,
        account,
    } = reviewer;
    let organisation = stored_organisation(store, &version.rulebook, Some(Period::Month(month))).await?;
    if organisation.find_team(team).is_none() {
        return Err(ReviewError::NotYours);
    }
    let allowed = match account.role {
        AccountRole::Hr => true,
        AccountRole::Manager => Visibility::of(account, &organisation).can_see(team),
        AccountRole::Rep | AccountRole::Admin => false,
    };
    if !allowed {
        return Err(if Visibility::of(account, &organisation).can_see(team) {
            ReviewError::Forbidden("a team's review is signed off by its manager or by hr".into())
        } else {
            ReviewError::NotYours
        });
    }
    Ok(store.sign_off(month, team, &account.username).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_read_as_whole_numbers_and_blanks_are_left_out() {
        let read = read_ratings([("customer_focus", " 4 "), ("teamwork", "")]).expect("ratings");
        assert_eq!(read, Ratings::from([("customer_focus".to_owned(), 4)]));
        let error = read_ratings([("overall", "four")]).expect_err("not a number");
        assert_eq!(
            error.to_string(),
            "the rating of `overall` is `four`, not a whole number"
        );
    }
}
