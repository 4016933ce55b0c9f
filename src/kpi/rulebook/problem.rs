//! What can be wrong with a definitions folder, and where.

use crate::kpi::formula::FormulaError;
use std::fmt;

/// One problem in a definitions folder, in an admin's words.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("{0}")]
    Yaml(String),
    #[error("duplicate id `{id}`: already defined at {first}")]
    DuplicateId { id: String, first: String },
    #[error("the file is {size} bytes; a definitions file may be at most {limit} bytes")]
    FileTooLarge { size: usize, limit: usize },
    #[error("the definitions are {size} bytes together; at most {limit} bytes are read")]
    TooMuchText { size: usize, limit: usize },
    #[error("the file nests deeper than {limit} levels; definitions need a few")]
    TooDeep { limit: usize },
    #[error("the {what} id {error}")]
    BadId {
        what: &'static str,
        error: crate::kpi::id::IdError,
    },
    #[error("the currency is set a second time (first at {first}); set it in one file")]
    CurrencyTwice { first: String },
    #[error("the currency {detail}")]
    BadCurrency { detail: String },
    #[error("no definitions found: the folder holds no .yaml file")]
    NoFiles,
    #[error("{context}: {error}")]
    Formula { context: String, error: FormulaError },
    #[error("{context}: unknown metric or KPI `{name}`{}", suggest(.suggestion))]
    UnknownVariable {
        context: String,
        name: String,
        suggestion: Option<String>,
    },
    #[error("KPI `{kpi}` depends on itself: {}", .path.join(" -> "))]
    Cycle { kpi: String, path: Vec<String> },
    #[error("{what} add up to {sum}, not 100")]
    WeightsNot100 { what: String, sum: f64 },
    #[error("{what} must not be negative (found {value})")]
    Negative { what: String, value: f64 },
    #[error("unknown KPI `{kpi}` in role `{role}`{}", suggest(.suggestion))]
    UnknownKpi {
        role: String,
        kpi: String,
        suggestion: Option<String>,
    },
    #[error("unknown grade scale `{scale}` in role `{role}`{}", suggest(.suggestion))]
    UnknownGradeScale {
        role: String,
        scale: String,
        suggestion: Option<String>,
    },
    #[error("unknown rating scale `{scale}` in role `{role}`{}", suggest(.suggestion))]
    UnknownRatingScale {
        role: String,
        scale: String,
        suggestion: Option<String>,
    },
    #[error("the review is set a second time (first at {first}); set it in one file")]
    ReviewTwice { first: String },
    #[error("unknown grade `{grade}` in gate `{gate}`; the scale `{scale}` has {known}")]
    UnknownGrade {
        gate: String,
        grade: String,
        scale: String,
        known: String,
    },
    #[error("KPI `{kpi}` is a {actual} indicator but sits in the {placed} tier of role `{role}`")]
    WrongTier {
        role: String,
        kpi: String,
        actual: &'static str,
        placed: &'static str,
    },
    #[error("KPI `{kpi}` appears twice on the card of role `{role}`")]
    KpiTwiceOnCard { role: String, kpi: String },
    #[error("gate `{gate}` zeroes the {tier} tier, which role `{role}` does not have")]
    TierNotOnCard {
        role: String,
        gate: String,
        tier: &'static str,
    },
    #[error("role `{role}` has no tiers; a card needs at least one KPI")]
    EmptyCard { role: String },
    #[error("{what} is empty")]
    Empty { what: String },
    #[error("{what} are out of order: {detail}")]
    OutOfOrder { what: String, detail: String },
    #[error("{what}: {detail}")]
    Invalid { what: String, detail: String },
    #[error("roles `{first}` and `{second}` both say `team_scorecard: true`; teams are scored with one role")]
    TwoTeamScorecards { first: String, second: String },
}

fn suggest(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!("; did you mean `{name}`?"),
        None => String::new(),
    }
}

/// A problem and the place an admin has to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub problem: Problem,
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.problem)
    }
}

impl std::error::Error for DefinitionError {}

/// Every problem found in a definitions folder, in file and line order.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionErrors(pub Vec<DefinitionError>);

impl fmt::Display for DefinitionErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for error in &self.0 {
            writeln!(f, "{error}")?;
        }
        let n = self.0.len();
        write!(f, "{n} problem{} found", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for DefinitionErrors {}
