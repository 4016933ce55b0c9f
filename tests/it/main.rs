//! The integration tests: one binary, a module per capability.

mod admin;
mod api;
mod architecture;
mod browser;
mod check;
mod definitions;
mod drafts;
mod empty_periods;
mod evaluate;
mod helpers;
mod hostile;
mod mail;
mod ops;
mod pages;
mod properties;
mod review;
mod rule_cases;
mod server;
mod servers;
mod store;
mod upload;
