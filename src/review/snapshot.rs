//! The stored form of a frozen card. A finalized month is read for years, across
//! every later change of the code, so the snapshot says which format it was written
//! in and each format ever written stays readable:
//!
//! - format 1 (before the review): the card itself, a bare JSON object;
//! - format 2: `{ "format": 2, "card": … }`, the card with its qualitative part and the
//!   review's exchange (self-assessment, the manager's comment).
//!
//! `tests/fixtures/snapshots` keeps one of each, written by the code of its time; a
//! change of the card that can no longer read them fails the tests.

use crate::report::CardView;
use serde::{Deserialize, Serialize};

/// The format snapshots are written in now.
pub const FORMAT: u32 = 2;

#[derive(Serialize)]
struct Written<'a> {
    format: u32,
    card: &'a CardView,
}

#[derive(Deserialize)]
struct Versioned {
    format: u32,
    card: serde_json::Value,
}

/// Why a stored snapshot cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("it is not JSON: {0}")]
    NotJson(serde_json::Error),
    #[error("it is in format {0}, newer than this version of Yardstick reads (up to {FORMAT})")]
    Newer(u32),
    #[error("its card (format {format}) cannot be read: {source}")]
    Card { format: u32, source: serde_json::Error },
}

/// A card in the current format.
pub fn write(card: &CardView) -> String {
    serde_json::to_string(&Written { format: FORMAT, card }).unwrap_or_default()
}

/// A card from a snapshot of any format written so far.
pub fn read(text: &str) -> Result<CardView, SnapshotError> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(SnapshotError::NotJson)?;
    let (format, card) = if value.get("format").is_some() {
        let versioned: Versioned = serde_json::from_value(value).map_err(SnapshotError::NotJson)?;
        (versioned.format, versioned.card)
    } else {
        (1, value)
    };
    match format {
        // Format 2 wraps the same card; format 1's card lacks only what came later,
        // which the card reads as absent.
        1 | 2 => serde_json::from_value(card).map_err(|source| SnapshotError::Card { format, source }),
        newer => Err(SnapshotError::Newer(newer)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A card frozen before the review existed, written by the code of that time.
    const FORMAT_1: &str = include_str!("../../tests/fixtures/snapshots/format-1.json");

    #[test]
    fn a_snapshot_written_before_the_review_is_read_as_it_was_frozen() {
        let card = read(FORMAT_1).expect("format 1 reads");
        assert_eq!((card.subject.as_str(), card.grade.as_deref()), ("p002", Some("A")));
        assert_eq!(card.total, Some(103.97909902597402));
        assert_eq!(card.kpis.len(), 7);
        assert_eq!((card.qualitative, card.appraisal), (None, None), "it had neither");
    }

    #[test]
    fn the_current_format_says_its_number_and_reads_back_whole() {
        let mut card = read(FORMAT_1).expect("format 1 reads");
        card.appraisal = Some(crate::report::AppraisalView {
            manager_comment: Some("Strong month".into()),
            ..Default::default()
        });
        let written = write(&card);
        assert!(written.starts_with("{\"format\":2,\"card\":{"), "{written}");
        assert_eq!(read(&written).expect("format 2 reads"), card);
    }

    #[test]
    fn a_snapshot_from_a_newer_version_is_refused_by_name() {
        let error = read("{\"format\":3,\"card\":{}}").expect_err("too new");
        assert_eq!(
            error.to_string(),
            "it is in format 3, newer than this version of Yardstick reads (up to 2)"
        );
    }
}
