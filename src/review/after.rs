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

/// A decision on one person's month, as a form or a request names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision<'a> {
    /// hr (or a manager, where allowed) sets the grade, with why.
    Calibrate {
        grade: &'a str,
        reason: &'a str,
    },
    Acknowledge,
    Appeal {
        text: &'a str,
    },
    /// hr keeps the appraisal against an appeal, with why.
    Keep {
        reason: &'a str,
    },
    /// hr changes the grade on an appeal, with why.
    Change {
        grade: &'a str,
        reason: &'a str,
    },
}

impl<'a> Decision<'a> {
    /// The decision `action` names, with its `grade` and `text` (the reason, or the
    /// appeal's words).
    pub fn read(action: &str, grade: &'a str, text: &'a str) -> Result<Decision<'a>, ReviewError> {
        let grade = grade.trim();
        Ok(match action {
            "calibrate" => Decision::Calibrate { grade, reason: text },
            "acknowledge" => Decision::Acknowledge,
            "appeal" => Decision::Appeal { text },
            "keep" => Decision::Keep { reason: text },
            "change" => Decision::Change { grade, reason: text },
            other => {
                return Err(ReviewError::Invalid(format!(
                    "`{}` is not a decision; expected calibrate, acknowledge, appeal, keep or change",
                    crate::kpi::id::shown(other)
                )));
            }
        })
    }
}

/// Carries `decision` out on `card`'s person for `month`, by the reviewer; the
/// organisation is the one the card was read with (who manages whom).
pub async fn decide(
    reviewer: Reviewer<'_>,
    organisation: &crate::kpi::organisation::Organisation,
    month: Month,
    card: &CardView,
    decision: Decision<'_>,
) -> Result<(), ReviewError> {
    let (store, account, person) = (reviewer.store, reviewer.account, card.subject.as_str());
    match decision {
        Decision::Calibrate { grade, reason } => {
            super::calibrate(reviewer, organisation, month, card, grade, reason).await
        }
        Decision::Acknowledge => acknowledge(store, account, month, person).await,
        Decision::Appeal { text } => appeal(store, account, month, person, text).await,
        Decision::Keep { reason } => resolve(reviewer, month, card, None, reason).await,
        Decision::Change { grade, reason } => resolve(reviewer, month, card, Some(grade), reason).await,
    }
}
