//! Line charts drawn on the server as inline SVG, so a trend needs no JavaScript.
//! The builder turns values into coordinates; `templates/partials/chart.html` writes
//! the elements. A period without a value is a gap in the line, never a zero.

/// The drawing area, in SVG user units.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 26.0;

/// A chart ready for the template: every number already placed.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// Unique within the page, for `aria-labelledby`.
    pub id: String,
    pub title: String,
    pub width: f64,
    pub height: f64,
    /// The line's runs between gaps, each as an SVG `points` list.
    pub runs: Vec<String>,
    /// One slot per period, in order: a dot with its value, or a gap.
    pub slots: Vec<Slot>,
    pub y_ticks: Vec<Tick>,
    /// The bottom of the plot, where the x axis and the gap marks are drawn.
    pub baseline: f64,
    pub plot_left: f64,
    pub plot_right: f64,
}

#[derive(Debug, Clone)]
pub struct Slot {
    pub label: String,
    pub x: f64,
    /// The value, formatted, and its height; `None` for a gap.
    pub value: Option<(String, f64)>,
    /// Whether the period's label is written under the axis (not all fit).
    pub labelled: bool,
}

#[derive(Debug, Clone)]
pub struct Tick {
    pub y: f64,
    pub text: String,
}

/// A chart of `values` (one per label; `None` is a gap) titled `title`.
pub fn line_chart(id: &str, title: &str, labels: &[String], values: &[Option<f64>]) -> LineChart {
    let present: Vec<f64> = values.iter().flatten().copied().filter(|v| v.is_finite()).collect();
    let (low, high) = value_range(&present);
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let n = labels.len().max(1);
    let step = plot_width / n as f64;
    let x_of = |i: usize| LEFT + step * (i as f64 + 0.5);
    let y_of = |v: f64| TOP + plot_height * (high - v) / (high - low);
    // Every label fits up to twelve periods; past that, every other one.
    let every = if n > 12 { 2 } else { 1 };
    let slots: Vec<Slot> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| Slot {
            label: label.clone(),
            x: round(x_of(i)),
            value: values
                .get(i)
                .copied()
                .flatten()
                .filter(|v| v.is_finite())
                .map(|v| (format!("{v:.1}"), round(y_of(v)))),
            labelled: (n - 1 - i) % every == 0,
        })
        .collect();
    let mut runs = Vec::new();
    let mut run = Vec::new();
    for slot in &slots {
        match &slot.value {
            Some((_, y)) => run.push(format!("{},{}", slot.x, y)),
            None if !run.is_empty() => runs.push(std::mem::take(&mut run).join(" ")),
            None => {}
        }
    }
    if !run.is_empty() {
        runs.push(run.join(" "));
    }
    let (step, ticks) = tick_step(low, high);
    let y_ticks = (0..=ticks)
        .map(|k| {
            let v = low + step * f64::from(k);
            Tick {
                y: round(y_of(v)),
                text: format!("{v:.0}"),
            }
        })
        .collect();
    LineChart {
        id: id.to_owned(),
        title: title.to_owned(),
        width: WIDTH,
        height: HEIGHT,
        runs,
        slots,
        y_ticks,
        baseline: HEIGHT - BOTTOM,
        plot_left: LEFT,
        plot_right: WIDTH - RIGHT,
    }
}

/// The value axis: from zero (or a round number below, for negative values) to a
/// round number at or above the largest value, at least 0 to 100 so scores read alike across charts.
fn value_range(values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().fold(0.0_f64, f64::min);
    let max = values.iter().copied().fold(100.0_f64, f64::max);
    let (step, _) = tick_step(min, max);
    ((min / step).floor() * step, (max / step).ceil() * step)
}

/// The smallest round step giving at most five intervals between `low` and `high`,
/// and how many intervals it gives.
fn tick_step(low: f64, high: f64) -> (f64, u32) {
    let span = (high - low).max(1.0);
    let step = [1.0, 2.0, 2.5, 5.0]
        .iter()
        .flat_map(|m| (1..=9).map(move |e| m * 10f64.powi(e)))
        .filter(|step| span / step <= 5.0)
        .fold(f64::INFINITY, f64::min);
    let step = if step.is_finite() { step } else { span };
    (step, (span / step).ceil() as u32)
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (1..=n).map(|m| format!("2026-{m:02}")).collect()
    }

    #[test]
    fn a_missing_value_breaks_the_line_instead_of_dropping_to_zero() {
        let values = [Some(50.0), Some(100.0), None, Some(0.0)];
        let chart = line_chart("c", "Total", &labels(4), &values);
        assert_eq!(chart.slots.len(), 4);
        assert!(chart.slots[2].value.is_none());
        // The plot spans 10..174 for 0..100; x steps of 146 from 117.
        assert_eq!(chart.runs, ["117,92 263,10", "555,174"]);
    }

    #[test]
    fn no_values_at_all_draw_no_line_but_keep_every_slot() {
        let chart = line_chart("c", "Total", &labels(12), &[None; 12]);
        assert!(chart.runs.is_empty());
        assert_eq!(chart.slots.len(), 12);
        assert!(chart.slots.iter().all(|s| s.value.is_none() && s.labelled));
    }

    #[test]
    fn the_value_axis_grows_past_one_hundred_and_below_zero() {
        assert_eq!(value_range(&[]), (0.0, 100.0));
        assert_eq!(value_range(&[104.0, 40.0]), (0.0, 125.0));
        assert_eq!(value_range(&[-5.0]), (-25.0, 100.0));
    }

    #[test]
    fn ticks_fall_on_round_numbers() {
        assert_eq!(tick_step(0.0, 100.0), (20.0, 5));
        assert_eq!(tick_step(0.0, 125.0), (25.0, 5));
        assert_eq!(tick_step(0.0, 400.0), (100.0, 4));
    }
}
