//! Yardstick: a rule-configurable KPI scorecard and appraisal server.
//!
//! `kpi` is the pure core. Around it: `import` reads definitions and data files,
//! `store` keeps everything in a database, `inputs` gathers a period's inputs from
//! either, `review` finalizes periods, `report` prints results, and `cli` wires them
//! to the command line.

pub mod access;
pub mod cli;
pub mod credentials;
pub mod definitions;
pub mod demo;
pub mod export;
pub mod import;
pub mod inputs;
pub mod kpi;
pub mod mail;
pub mod report;
pub mod review;
pub mod scorecards;
pub mod settings;
pub mod standings;
pub mod store;
pub mod web;
