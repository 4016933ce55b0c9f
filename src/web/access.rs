//! Access on the web: the rules are `crate::access`; a refusal is recorded and
//! answered as if nothing were there.

use super::AppState;
use super::error::AppError;
use super::session::Session;
pub use crate::access::{Capability, Visibility, may};
use crate::kpi::period::Period;

/// The answer to what one may not see: the attempt is recorded in the audit log
/// (who, what, and the period if any) and the caller gets 404, never a hint.
pub async fn refuse(
    state: &AppState,
    session: &Session,
    entity: &str,
    key: &str,
    period: Option<Period>,
) -> Result<(), AppError> {
    state
        .audit
        .record(
            &session.account.username,
            "access_denied",
            entity,
            key,
            period.map(|p| p.to_string()),
        )
        .await;
    Err(AppError::NotFound)
}
