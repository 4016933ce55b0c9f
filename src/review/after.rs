//! After finalizing: each person acknowledges their appraisal or appeals it, and hr
//! resolves an appeal, keeping the appraisal or changing the grade, with a reason.

use super::calibration::required_text;
use super::{ReviewError, Reviewer};
use crate::kpi::period::Month;
use crate::report::CardView;
use crate::store::{Account, AccountRole, Store};

/// `account`'s acknowledgement of their own appraisal of `month`.
pub async fn acknowledge(store: &Store, account: &Account, month: Month, person: &str) -> Result<(), ReviewError> {
    own(account, person)?;
    Ok(store.acknowledge(month, person, &account.username).await?)
}

/// `account`'s appeal of their own appraisal of `month`, with why.
pub async fn appeal(
    store: &Store,
    account: &Account,
    month: Month,
    person: &str,
    text: &str,
) -> Result<(), ReviewError> {
    own(account, person)?;
    let text = required_text(text, "an appeal says why")?;
    Ok(store.appeal(month, person, text, &account.username).await?)
}

/// hr's answer to an appeal: the appraisal kept (`changed_to` is `None`) or the grade
/// changed to one of the role's scale, with the reason either way.
pub async fn resolve(
    reviewer: Reviewer<'_>,
    month: Month,
    card: &CardView,
    changed_to: Option<&str>,
    reason: &str,
) -> Result<(), ReviewError> {
    let Reviewer {
        store,
        version,
        account,
    } = reviewer;
    if account.role != AccountRole::Hr {
        return Err(ReviewError::Forbidden("appeals are resolved by hr".into()));
    }
    if let Some(grade) = changed_to {
        let rulebook = &version.rulebook;
        let on_scale = rulebook
            .find_role(&card.role)
            .is_some_and(|r| rulebook.role(r).grade_scale.rank_of(grade).is_some());
        if !on_scale {
            return Err(ReviewError::Invalid(format!(
                "`{}` is not a grade of role `{}`",
                crate::kpi::id::shown(grade),
                card.role
            )));
        }
    }
    let reason = required_text(reason, "resolving an appeal needs a reason")?;
    Ok(store
        .resolve_appeal(month, &card.subject, changed_to, reason, &account.username)
        .await?)
}

fn own(account: &Account, person: &str) -> Result<(), ReviewError> {
    if account.person.as_deref() == Some(person) {
        Ok(())
    } else {
        Err(ReviewError::NotYours)
    }
}
