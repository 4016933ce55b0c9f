//! Cards as a table for a terminal: it fits the terminal's width, else 80 columns.

use super::CardView;
use crate::kpi::scorecard::GateState;

/// The table's width when it is not shown in a terminal that says its own.
const TABLE_WIDTH: u16 = 80;
/// The tier scores and the total, aligned on their decimal point.
const NUMBER_COLUMNS: std::ops::RangeInclusive<usize> = 4..=7;

/// Text for a terminal: control characters (a carriage return, an escape sequence,
/// a bidirectional override) dropped, so a name cannot redraw the table.
/// `text` without the characters that would break a table's lines or turn its
/// reading order around.
fn plain_text(text: &str) -> String {
    text.chars().filter(|c| !crate::kpi::id::hidden(*c)).collect()
}

/// Cards' rows ([`table_row`]) as a table that fits the terminal, else 80 columns; `subject` heads the
/// first column (`person` or `team`). Ids, numbers and grades are never broken and
/// names wrap; notes stay in their column when they fit on one line, else the column
/// holds a number and the notes follow the table, whole, so that a gate's id is
/// never cut in two.
pub(super) fn table(rows: Vec<[String; 10]>, subject: &str) -> String {
    use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Width};
    let mut table = comfy_table::Table::new();
    // A header rule and columns apart by a space: borders would take a fifth of
    // an 80-column terminal.
    table.load_preset("     ──            ");
    table.set_content_arrangement(ContentArrangement::Dynamic);
    if table.width().is_none() {
        table.set_width(TABLE_WIDTH);
    }
    let width = table.width().unwrap_or(TABLE_WIDTH);
    let header = [
        subject, "name", "team", "role", "base", "process", "result", "total", "grade", "note",
    ];
    let with_notes = rows.iter().any(|r| !r[NOTE].is_empty());
    // The widest each column would be on one line, and one space between columns.
    let one_line: u16 = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| text_width(&r[i]))
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .sum::<usize>()
        .saturating_add(header.len() - 1)
        .try_into()
        .unwrap_or(u16::MAX);
    let notes_below = with_notes && one_line > width;
    let mut below = Vec::new();
    let columns = if with_notes { header.len() } else { NOTE };
    table.set_header(&header[..columns]);
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, 0));
        if NUMBER_COLUMNS.contains(&i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
        if i == 1 || (i == NOTE && !notes_below) {
            column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(6)));
        } else {
            column.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    for mut row in rows {
        if notes_below && !row[NOTE].is_empty() {
            below.push(format!("[{}] {} {}: {}", below.len() + 1, row[0], row[1], row[NOTE]));
            row[NOTE] = format!("[{}]", below.len());
        }
        table.add_row(&row[..columns]);
    }
    let mut text = table.to_string();
    for note in below {
        text.push('\n');
        text.push_str(&note);
    }
    text
}

/// The column of a table's notes.
const NOTE: usize = 9;

/// How many columns `text` takes in a terminal: East Asian wide characters take two.
fn text_width(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// One card's cells, in the order of the table's header.
pub(super) fn table_row(card: &CardView) -> [String; 10] {
    let tier = |name: &str| {
        card.tiers
            .iter()
            .find(|t| t.tier == name)
            .and_then(|t| t.score)
            .map_or_else(|| "-".to_owned(), |s| format!("{s:.1}"))
    };
    let missing = card.kpis.iter().filter(|k| k.outcome.points().is_none()).count();
    let fired: Vec<&str> = card
        .gates
        .iter()
        .filter(|g| g.state == GateState::Fired)
        .map(|g| g.gate.as_str())
        .collect();
    let mut note = Vec::new();
    if let Some(reason) = &card.reason {
        note.push(reason.clone());
    } else if missing > 0 {
        // A card without a total says why; that its KPIs went unscored is the same news.
        note.push(format!(
            "incomplete: {missing} KPI{} unscored",
            if missing == 1 { "" } else { "s" }
        ));
    }
    if !fired.is_empty() {
        note.push(format!("gate: {}", fired.join(", ")));
    }
    [
        plain_text(&card.subject),
        plain_text(&card.name),
        plain_text(card.team.as_deref().unwrap_or_default()),
        plain_text(&card.role),
        tier("base"),
        tier("process"),
        tier("result"),
        card.total.map_or_else(|| "-".to_owned(), |t| format!("{t:.1}")),
        card.grade.as_deref().map_or_else(|| "-".to_owned(), plain_text),
        plain_text(&note.join("; ")),
    ]
}
