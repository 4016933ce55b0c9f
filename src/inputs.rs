//! Where a period's inputs come from: files given on the command line, or the store.
//! Either way the engine receives the same three things.

use crate::import::{
    ImportErrors, build_target_book, read_metrics, read_organisation, read_targets, stored_organisation,
};
use crate::kpi::evaluate::{PeriodScores, score_period};
use crate::kpi::organisation::Organisation;
use crate::kpi::period::Period;
use crate::kpi::qualitative::RatingBook;
use crate::kpi::rollup::{MetricData, PeriodInputs};
use crate::kpi::rulebook::Rulebook;
use crate::kpi::targets::TargetBook;
use crate::store::{Store, StoreError, ValueNames};
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

/// The period's stored values straight into the engine's month tables: each row is
/// placed by its numbers (a value of someone outside the organisation, or of a
/// metric the definitions no longer have, is left out, as `build_metric_data` does).
async fn stored_metric_data(
    store: &Store,
    rulebook: &Rulebook,
    organisation: &Organisation,
    period: Period,
) -> Result<MetricData, StoreError> {
    let mut data = MetricData::new(
        rulebook.metrics().len(),
        organisation.people().len(),
        organisation.teams().len(),
    );
    // Each stored number's meaning here, looked up once per name, not per value.
    let names = store.value_names().await?;
    let subjects = ValueNames::by_id(&names.subjects, |key| organisation.find(key));
    let metrics = ValueNames::by_id(&names.metrics, |name| rulebook.find_metric(name));
    store
        .for_each_metric_value(&period.months(), |v| {
            let subject = subjects.get(v.subject as usize).copied().flatten();
            let metric = metrics.get(v.metric as usize).copied().flatten();
            if let (Some(subject), Some(metric)) = (subject, metric) {
                data.set(subject, v.month, metric, v.value);
            }
        })
        .await?;
    Ok(data)
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
    /// The period's inputs, and every card of it scored by the engine.
    pub fn score(&self, rulebook: &Rulebook, period: Period) -> (PeriodInputs, PeriodScores) {
        let inputs = self.data.period_inputs(rulebook, &self.organisation, period);
        let scores = score_period(
            rulebook,
            &self.organisation,
            &inputs,
            &self.targets,
            &self.ratings,
            period,
        );
        (inputs, scores)
    }

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
        let data = stored_metric_data(store, rulebook, &organisation, period).await?;
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
