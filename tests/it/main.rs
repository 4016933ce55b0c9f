//! The integration tests: one binary, a module per capability.

mod admin;
mod architecture;
mod browser;
mod check;
mod evaluate;
mod helpers;
mod properties;
mod rule_cases;
mod server;
mod store;
mod upload;
