//! The pure core: KPI definitions, compiled once into a rulebook, and the scoring of
//! people and teams for a period. No I/O, no web, no database: everything here is a
//! function of its arguments, so it is tested alone with numbers worked out by hand.

pub mod calibration;
pub mod columns;
pub mod definition;
pub mod evaluate;
pub mod formula;
pub mod id;
pub mod organisation;
pub mod period;
pub mod qualitative;
pub mod rollup;
pub mod rulebook;
pub mod scorecard;
pub mod scoring;
pub mod shortfall;
pub mod source_map;
pub mod targets;
