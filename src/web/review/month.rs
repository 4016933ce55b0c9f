//! A month's review as one reader may see it, loaded once for the page and the API:
//! its state, each visible team's progress, the data checks and who marked them, the
//! grade distributions and the attention list.

use crate::kpi::period::{Month, Period};
use crate::report::PeriodReport;
use crate::review::{Attention, DataFlag, GroupDistribution, TeamProgress, attention_list, data_flags, distributions};
use crate::scorecards::ScoredPeriod;
use crate::store::{AccountRole, PeriodState};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::session::Session;
use std::collections::HashMap;
use std::sync::Arc;

/// Months read for the attention list and the data checks, the month itself last:
/// a year, so a run of up to twelve months is seen whole.
const HISTORY_MONTHS: usize = 12;

pub(crate) struct MonthReview {
    pub scored: Arc<ScoredPeriod>,
    pub state: PeriodState,
    /// The teams the reader may see.
    pub teams: Vec<TeamProgress>,
    pub flags: Vec<DataFlag>,
    /// Who marked a check (person, check) as checked.
    pub marks: HashMap<(String, String), String>,
    pub distributions: Vec<GroupDistribution>,
    pub attention: Vec<Attention>,
}

impl MonthReview {
    pub async fn load(state: &AppState, session: &Session, month: Month) -> Result<MonthReview, AppError> {
        let scored = state.scores.get(state, Period::Month(month)).await?;
        let visibility = scored.visibility(&session.account);
        let rulebook = &scored.version.rulebook;
        let appraisals = state.store.list_appraisals(month).await?;
        let sign_offs = state.store.list_sign_offs(month).await?;
        let progress = crate::review::progress(rulebook, &scored.organisation, month, &appraisals, &sign_offs);
        let mut history: Vec<(Month, Arc<ScoredPeriod>)> = Vec::with_capacity(HISTORY_MONTHS);
        let mut at = month;
        for _ in 1..HISTORY_MONTHS {
            at = at.previous();
            history.push((at, state.scores.get(state, Period::Month(at)).await?));
        }
        history.reverse();
        history.push((month, Arc::clone(&scored)));
        let reports: Vec<(Month, &PeriodReport)> = history.iter().map(|(m, s)| (*m, &s.report)).collect();
        let flags = data_flags(rulebook, &reports)
            .into_iter()
            .filter(|f| visibility.can_see(&f.person))
            .collect();
        let attention = attention_list(rulebook, &reports)
            .into_iter()
            .filter(|a| visibility.can_see(&a.person))
            .collect();
        let sees_everyone = matches!(session.account.role, AccountRole::Hr | AccountRole::Admin);
        let distributions = distributions(
            rulebook,
            &scored.organisation,
            &scored.report,
            sees_everyone,
            &visibility,
        );
        let marks = state
            .store
            .list_check_marks(month)
            .await?
            .into_iter()
            .map(|(person, check, by)| ((person, check), by))
            .collect();
        let teams = progress
            .teams
            .into_iter()
            .filter(|t| visibility.can_see(&t.team))
            .collect();
        Ok(MonthReview {
            state: state.store.period_state(month).await?,
            teams,
            flags,
            marks,
            distributions,
            attention,
            scored,
        })
    }
}
