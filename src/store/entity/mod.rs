//! sea-orm entities, one per table; queries live beside them in `store`.

pub mod api_tokens;
pub mod appraisals;
pub mod audit_log;
pub mod data_check_marks;
pub mod definition_drafts;
pub mod definition_publications;
pub mod definition_versions;
pub mod imports;
pub mod mail_runs;
pub mod metric_values;
pub mod outbox;
pub mod people;
pub mod periods;
pub mod review_sign_offs;
pub mod server_secrets;
pub mod sessions;
pub mod sign_in_failures;
pub mod snapshot_history;
pub mod snapshots;
pub mod targets;
pub mod teams;
pub mod user_teams;
pub mod users;
