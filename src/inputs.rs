//! Where a period's inputs come from: files given on the command line, or the store.
//! Either way the engine receives the same three things.

use crate::import::{
    ImportErrors, build_metric_data, build_target_book, read_metrics, read_organisation, read_targets,
    stored_organisation,
};
use crate::kpi::organisation::Organisation;
use crate::kpi::period::Period;
use crate::kpi::qualitative::RatingBook;
use crate::kpi::rollup::MetricData;
use crate::kpi::rulebook::Rulebook;
use crate::kpi::targets::TargetBook;
use crate::store::{Store, StoreError};
use std::path::Path;

/// The organisation, its metric data, its targets and the managers' ratings, ready
/// to score.
#[derive(Debug)]
pub struct PeriodSources {
    pub organisation: Organisation,
    pub data: MetricData,
    pub targets: TargetBook,
    /// Empty unless the period is a month with ratings in the store.
    pub ratings: RatingBook,
}

/// The files of `yardstick evaluate --people --teams --data [--targets]`.
#[derive(Debug, Clone, Copy)]
pub struct InputFiles<'a> {
    pub people: &'a Path,
    pub teams: &'a Path,
    pub data: &'a Path,
    pub targets: Option<&'a Path>,
}

impl PeriodSources {
    /// What the files hold for `period`: rows of other months are checked, not kept.
    pub fn from_files(rulebook: &Rulebook, files: InputFiles, period: Period) -> Result<PeriodSources, ImportErrors> {
        let organisation = read_organisation(rulebook, files.teams, files.people)?;
        let data = read_metrics(rulebook, &organisation, files.data, period)?;
        let targets = match files.targets {
            Some(path) => read_targets(rulebook, &organisation, path)?,
            None => TargetBook::default(),
        };
        Ok(PeriodSources {
            organisation,
            data,
            targets,
            ratings: RatingBook::default(),
        })
    }

    /// What the store holds for `period`. People whose active months (`active_from` to
    /// `active_to`) miss the period entirely have no card for it.
    pub async fn from_store(store: &Store, rulebook: &Rulebook, period: Period) -> Result<PeriodSources, StoreError> {
        let organisation = stored_organisation(store, rulebook, Some(period)).await?;
        let rows = store.list_metric_values(period).await?;
        let data = build_metric_data(rulebook, &organisation, &rows);
        let targets = build_target_book(rulebook, &organisation, &store.list_targets().await?);
        let mut ratings = RatingBook::default();
        // Ratings are given per month; a quarter or a year is rolled up from finalized months.
        if let Period::Month(month) = period {
            for row in store.list_appraisals(month).await? {
                if let (Some(person), Some(given)) = (organisation.find_person(&row.person), row.manager_ratings) {
                    ratings.insert(person, given);
                }
            }
        }
        Ok(PeriodSources {
            organisation,
            data,
            targets,
            ratings,
        })
    }
}
