//! The qualitative part of a card (定性评价): a manager's rating on a scale, overall or
//! per competency, weighed in the total beside the tiers. Numbers come from data;
//! the rating completes them.
//!
//! A rating is worth the points of its level on the scale (100 is "as expected", as
//! for a KPI on target); with competencies, the weighted mean of their levels' points.
//! A card whose rating is missing is scored on its tiers alone and says it awaits the
//! rating: a missing rating is never a low one.

use crate::kpi::definition::{LocalizedName, SelfAssessment};
use crate::kpi::organisation::PersonId;
use std::collections::{BTreeMap, HashMap};

/// The aspect rated when a role names no competencies.
pub const OVERALL: &str = "overall";

/// One level of a rating scale.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingLevel {
    pub rating: u8,
    pub points: f64,
    pub label: LocalizedName,
}

/// A rating scale, best level first.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingScale {
    pub key: String,
    pub levels: Vec<RatingLevel>,
}

impl RatingScale {
    pub fn level(&self, rating: u8) -> Option<&RatingLevel> {
        self.levels.iter().find(|l| l.rating == rating)
    }

    /// The ratings it takes, as a reader is told them: "1 to 5", or "1, 2, 4".
    pub fn describe(&self) -> String {
        let mut ratings: Vec<u8> = self.levels.iter().map(|l| l.rating).collect();
        ratings.sort_unstable();
        let consecutive = ratings.windows(2).all(|w| w[1] == w[0] + 1);
        match (ratings.first(), ratings.last()) {
            (Some(low), Some(high)) if consecutive && ratings.len() > 2 => format!("{low} to {high}"),
            _ => ratings.iter().map(u8::to_string).collect::<Vec<_>>().join(", "),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Competency {
    pub key: String,
    pub name: LocalizedName,
    /// Percent of the qualitative part.
    pub weight: f64,
}

/// A role's qualitative part, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Qualitative {
    /// Percent of the total.
    pub weight: f64,
    pub scale: RatingScale,
    /// Whether finalizing waits for the manager's rating.
    pub required: bool,
    pub self_assessment: SelfAssessment,
    /// Empty: one overall rating.
    pub competencies: Vec<Competency>,
}

/// Ratings as given: the rating of each aspect (competency, or [`OVERALL`]).
pub type Ratings = BTreeMap<String, u8>;

/// Why ratings do not fit a role's qualitative part.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RatingError {
    #[error("`{aspect}` is not rated")]
    Missing { aspect: String },
    #[error("`{aspect}` is not rated on this card; it rates {known}")]
    Unknown { aspect: String, known: String },
    #[error("`{aspect}` is rated {rating}, which is not on the scale ({scale})")]
    OffScale { aspect: String, rating: u8, scale: String },
}

impl Qualitative {
    /// What is rated, in the order the role lists it.
    pub fn aspects(&self) -> Vec<&str> {
        if self.competencies.is_empty() {
            vec![OVERALL]
        } else {
            self.competencies.iter().map(|c| c.key.as_str()).collect()
        }
    }

    /// The points `ratings` are worth, or why they do not fit: every aspect rated
    /// once, on the scale, and nothing else.
    pub fn points(&self, ratings: &Ratings) -> Result<f64, RatingError> {
        let aspects = self.aspects();
        if let Some(unknown) = ratings.keys().find(|k| !aspects.contains(&k.as_str())) {
            return Err(RatingError::Unknown {
                aspect: unknown.clone(),
                known: aspects.join(", "),
            });
        }
        let mut points = 0.0;
        for (i, aspect) in aspects.iter().enumerate() {
            let Some(&rating) = ratings.get(*aspect) else {
                return Err(RatingError::Missing {
                    aspect: (*aspect).to_owned(),
                });
            };
            let Some(level) = self.scale.level(rating) else {
                return Err(RatingError::OffScale {
                    aspect: (*aspect).to_owned(),
                    rating,
                    scale: self.scale.describe(),
                });
            };
            let weight = self.competencies.get(i).map_or(100.0, |c| c.weight);
            points += level.points * weight / 100.0;
        }
        Ok(points)
    }
}

/// Whether a card is rated at all: a team's card is nobody's to rate.
#[derive(Debug, Clone, Copy)]
pub enum Rated<'a> {
    /// A team's card.
    NotRated,
    /// A person's card, with the manager's ratings when given.
    Person(Option<&'a Ratings>),
}

/// The managers' ratings of a period, by person.
#[derive(Debug, Clone, Default)]
pub struct RatingBook {
    by_person: HashMap<PersonId, Ratings>,
}

impl RatingBook {
    pub fn insert(&mut self, person: PersonId, ratings: Ratings) {
        self.by_person.insert(person, ratings);
    }

    pub fn of(&self, person: PersonId) -> Option<&Ratings> {
        self.by_person.get(&person)
    }

    pub fn is_empty(&self) -> bool {
        self.by_person.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(en: &str) -> LocalizedName {
        LocalizedName {
            en: en.into(),
            zh: en.into(),
        }
    }

    fn five_point() -> RatingScale {
        let levels = [(5, 120.0), (4, 110.0), (3, 100.0), (2, 70.0), (1, 40.0)];
        RatingScale {
            key: "five_point".into(),
            levels: levels
                .iter()
                .map(|&(rating, points)| RatingLevel {
                    rating,
                    points,
                    label: name("level"),
                })
                .collect(),
        }
    }

    fn part(competencies: &[(&str, f64)]) -> Qualitative {
        Qualitative {
            weight: 20.0,
            scale: five_point(),
            required: true,
            self_assessment: SelfAssessment::Optional,
            competencies: competencies
                .iter()
                .map(|&(key, weight)| Competency {
                    key: key.into(),
                    name: name(key),
                    weight,
                })
                .collect(),
        }
    }

    fn ratings(given: &[(&str, u8)]) -> Ratings {
        given.iter().map(|&(k, r)| (k.to_owned(), r)).collect()
    }

    #[test]
    fn one_overall_rating_is_worth_its_levels_points() {
        assert_eq!(part(&[]).points(&ratings(&[("overall", 4)])), Ok(110.0));
    }

    #[test]
    fn competencies_are_the_weighted_mean_of_their_levels() {
        // 0.6 x 120 + 0.4 x 70 = 72 + 28 = 100
        let part = part(&[("customer_focus", 60.0), ("teamwork", 40.0)]);
        let points = part.points(&ratings(&[("customer_focus", 5), ("teamwork", 2)]));
        assert_eq!(points, Ok(100.0));
    }

    #[test]
    fn ratings_that_do_not_fit_say_why() {
        let part = part(&[("customer_focus", 60.0), ("teamwork", 40.0)]);
        assert_eq!(
            part.points(&ratings(&[("customer_focus", 5)])),
            Err(RatingError::Missing {
                aspect: "teamwork".into()
            })
        );
        let off = part.points(&ratings(&[("customer_focus", 6), ("teamwork", 3)]));
        assert_eq!(
            off.map_err(|e| e.to_string()),
            Err("`customer_focus` is rated 6, which is not on the scale (1 to 5)".into())
        );
        let unknown = part.points(&ratings(&[("overall", 3)]));
        assert_eq!(
            unknown.map_err(|e| e.to_string()),
            Err("`overall` is not rated on this card; it rates customer_focus, teamwork".into())
        );
    }
}
