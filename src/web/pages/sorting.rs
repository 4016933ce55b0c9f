//! What every sortable table shares: the order of numbers with the missing last
//! either way, and what a column header tells a screen reader.

use std::cmp::Ordering;

/// `a` against `b`, highest first when `descending`; a missing value goes last in
/// both directions, so people without a total never lead a list.
pub fn numbers(a: Option<f64>, b: Option<f64>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) if descending => b.total_cmp(&a),
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// `aria-sort` of `column` when the table is sorted by `sorted`.
pub fn aria_sort(sorted: &str, descending: bool, column: &str) -> &'static str {
    match (sorted == column, descending) {
        (false, _) => "none",
        (true, true) => "descending",
        (true, false) => "ascending",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_numbers_go_last_either_way() {
        let mut values = vec![None, Some(2.0), Some(5.0), None, Some(1.0)];
        values.sort_by(|a, b| numbers(*a, *b, true));
        assert_eq!(values, [Some(5.0), Some(2.0), Some(1.0), None, None]);
        values.sort_by(|a, b| numbers(*a, *b, false));
        assert_eq!(values, [Some(1.0), Some(2.0), Some(5.0), None, None]);
        assert_eq!(aria_sort("total", true, "total"), "descending");
        assert_eq!(aria_sort("total", false, "name"), "none");
    }
}
