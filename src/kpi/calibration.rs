//! Calibration against a forced distribution (强制分布): how many people of a team, a
//! department or the whole organisation hold each grade, and which bound of the
//! distribution the definitions set is off, by how many people.
//!
//! A bound of `p` percent over `n` people allows at most `floor(p x n / 100)` people,
//! or needs at least `ceil(p x n / 100)`: a team of 20 with "S at most 10%" may have
//! two S, and with "C and D at least 10%" needs two of them.

/// A bound on the share of people holding one of some grades.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// Percent.
    AtMost(f64),
    AtLeast(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DistributionRule {
    pub grades: Vec<String>,
    pub bound: Bound,
}

impl DistributionRule {
    /// "S at most 10%", "C, D at least 10%".
    pub fn describe(&self) -> String {
        let grades = self.grades.join(", ");
        match self.bound {
            Bound::AtMost(p) => format!("{grades} at most {p}%"),
            Bound::AtLeast(p) => format!("{grades} at least {p}%"),
        }
    }
}

/// One bound checked against a group of people.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCheck {
    pub rule: DistributionRule,
    /// People holding one of the rule's grades.
    pub count: usize,
    /// Their share of the group, in percent.
    pub share: f64,
    /// The most (at most) or the fewest (at least) people the bound allows.
    pub limit: usize,
    /// How many people over (at most) or short (at least); 0 when the bound holds.
    pub off_by: usize,
}

/// The grades of a group and the bounds checked against them.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    /// People with a grade; cards without one are left out.
    pub people: usize,
    /// Each grade with its count and share (percent), in the order given.
    pub grades: Vec<(String, usize, f64)>,
    pub checks: Vec<RuleCheck>,
}

impl Distribution {
    /// Whether any bound is off.
    pub fn is_off(&self) -> bool {
        self.checks.iter().any(|c| c.off_by > 0)
    }
}

/// Float slack for percentages of whole numbers of people: 10% of 20 is 2, not 1.999….
const SLACK: f64 = 1e-9;

/// The distribution of `grades` (one per person with a grade) in the order of
/// `grade_order`, checked against `rules`.
pub fn distribution<'g>(
    rules: &[DistributionRule],
    grade_order: &[String],
    grades: impl IntoIterator<Item = &'g str>,
) -> Distribution {
    let grades: Vec<&str> = grades.into_iter().collect();
    let people = grades.len();
    let share = |count: usize| {
        if people == 0 {
            0.0
        } else {
            count as f64 * 100.0 / people as f64
        }
    };
    let count_of = |wanted: &[String]| grades.iter().filter(|g| wanted.iter().any(|w| w == *g)).count();
    let by_grade = grade_order
        .iter()
        .map(|g| {
            let count = count_of(std::slice::from_ref(g));
            (g.clone(), count, share(count))
        })
        .collect();
    let checks = rules
        .iter()
        .map(|rule| {
            let count = count_of(&rule.grades);
            let n = people as f64;
            let (limit, off_by) = match rule.bound {
                Bound::AtMost(p) => {
                    let limit = (p * n / 100.0 + SLACK).floor() as usize;
                    (limit, count.saturating_sub(limit))
                }
                Bound::AtLeast(p) => {
                    let limit = (p * n / 100.0 - SLACK).ceil().max(0.0) as usize;
                    (limit, limit.saturating_sub(count))
                }
            };
            RuleCheck {
                rule: rule.clone(),
                count,
                share: share(count),
                limit,
                off_by,
            }
        })
        .collect();
    Distribution {
        people,
        grades: by_grade,
        checks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<DistributionRule> {
        let rule = |grades: &[&str], bound| DistributionRule {
            grades: grades.iter().map(|g| (*g).to_owned()).collect(),
            bound,
        };
        vec![
            rule(&["S"], Bound::AtMost(10.0)),
            rule(&["A"], Bound::AtMost(20.0)),
            rule(&["C", "D"], Bound::AtLeast(10.0)),
        ]
    }

    fn order() -> Vec<String> {
        ["S", "A", "B", "C", "D"].iter().map(|g| (*g).to_owned()).collect()
    }

    #[test]
    fn twenty_people_with_three_s_and_one_c_are_off_by_one_each_way() {
        // 3 S, 4 A, 12 B, 1 C: S is 15% (2 allowed: one over); A is 20% (4 allowed:
        // holds); C and D are 5% (2 needed: one short).
        let grades = [vec!["S"; 3], vec!["A"; 4], vec!["B"; 12], vec!["C"]].concat();
        let d = distribution(&rules(), &order(), grades);
        assert_eq!(d.people, 20);
        assert_eq!(d.grades[0], ("S".to_owned(), 3, 15.0));
        let off: Vec<(usize, usize, usize)> = d.checks.iter().map(|c| (c.count, c.limit, c.off_by)).collect();
        assert_eq!(off, [(3, 2, 1), (4, 4, 0), (1, 2, 1)]);
        assert!(d.is_off());
        assert_eq!(d.checks[2].rule.describe(), "C, D at least 10%");
    }

    #[test]
    fn a_small_team_may_hold_no_s_and_an_empty_one_is_never_off() {
        // 10% of 5 people is half a person: no S allowed; 10% at least of 5 needs one C or D.
        let d = distribution(&rules(), &order(), ["S", "B", "B", "B", "D"]);
        let off: Vec<usize> = d.checks.iter().map(|c| c.off_by).collect();
        assert_eq!(off, [1, 0, 0]);
        let empty = distribution(&rules(), &order(), []);
        assert!(!empty.is_off(), "nobody graded, nothing to calibrate");
    }
}
