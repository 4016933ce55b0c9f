//! Line charts drawn on the server as inline SVG, so a trend needs no JavaScript.
//! The builder turns values into coordinates; `templates/partials/chart.html` writes
//! the elements. A period without a value is a gap in the line, never a zero.

/// The drawing area, in SVG user units.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 200.0;
/// A small multiple is drawn on a narrower canvas, so its labels stay legible when
/// it is shown a third as wide as the total's chart.
const SMALL_WIDTH: f64 = 320.0;
const SMALL_HEIGHT: f64 = 180.0;
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
    /// Reference lines across the plot: target, threshold, stretch.
    pub guides: Vec<Guide>,
    /// Bands behind the line, as a total's grades.
    pub bands: Vec<BandArea>,
}

/// A horizontal reference line: `class` is `target`, `threshold` or `stretch`.
#[derive(Debug, Clone)]
pub struct Guide {
    pub class: &'static str,
    pub label: String,
    pub y: f64,
}

/// A band of values drawn behind the line, from `top` to `top + height`.
#[derive(Debug, Clone)]
pub struct BandArea {
    pub label: String,
    pub top: f64,
    pub height: f64,
    /// Every other band is shaded, so neighbours read apart.
    pub shaded: bool,
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

/// What a chart draws besides its line.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// `(class, label, value)` of each reference line.
    pub guides: Vec<(&'static str, String, f64)>,
    /// `(label, from, to)` of each band, in the chart's values.
    pub bands: Vec<(String, f64, f64)>,
    /// A small multiple: the same drawing, shorter.
    pub small: bool,
}

/// A chart of `values` (one per label; `None` is a gap) titled `title`, with the
/// reference lines and bands of `extras`.
pub fn chart_with(id: &str, title: &str, labels: &[String], values: &[Option<f64>], extras: &Extras) -> LineChart {
    let mut present: Vec<f64> = values.iter().flatten().copied().filter(|v| v.is_finite()).collect();
    // The axis reaches every reference line, so none is drawn off the plot.
    present.extend(extras.guides.iter().map(|(_, _, v)| *v).filter(|v| v.is_finite()));
    // A score reads against 0 to 100; a KPI's value against its own range.
    let (low, high) = if extras.small {
        fitted_range(&present)
    } else {
        value_range(&present)
    };
    let (width, height) = if extras.small {
        (SMALL_WIDTH, SMALL_HEIGHT)
    } else {
        (WIDTH, HEIGHT)
    };
    let plot_width = width - LEFT - RIGHT;
    let plot_height = height - TOP - BOTTOM;
    let n = labels.len().max(1);
    let step = plot_width / n as f64;
    let x_of = |i: usize| LEFT + step * (i as f64 + 0.5);
    let y_of = |v: f64| TOP + plot_height * (high - v) / (high - low);
    // Every label fits up to twelve periods (four on a small multiple); past that,
    // every other one.
    let every = if n > 12 || (extras.small && n > 4) { 2 } else { 1 };
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
            labelled: (n - 1 - i).is_multiple_of(every),
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
    let (step, ticks) = if extras.small {
        tick_step_fine(low, high)
    } else {
        tick_step(low, high)
    };
    let decimals = if step >= 1.0 {
        0
    } else if step >= 0.1 {
        1
    } else {
        2
    };
    let y_ticks = (0..=ticks)
        .map(|k| {
            let v = low + step * f64::from(k);
            Tick {
                y: round(y_of(v)),
                text: format!("{v:.decimals$}"),
            }
        })
        .collect();
    let guides = extras
        .guides
        .iter()
        .filter(|(_, _, v)| v.is_finite())
        .map(|(class, label, v)| Guide {
            class,
            label: label.clone(),
            y: round(y_of(*v)),
        })
        .collect();
    let bands = extras
        .bands
        .iter()
        .enumerate()
        .map(|(i, (label, from, to))| {
            let top = y_of(to.min(high));
            let bottom = y_of(from.max(low));
            BandArea {
                label: label.clone(),
                top: round(top),
                height: round((bottom - top).max(0.0)),
                shaded: i % 2 == 0,
            }
        })
        .filter(|b| b.height > 0.0)
        .collect();
    LineChart {
        id: id.to_owned(),
        title: title.to_owned(),
        width,
        height,
        runs,
        slots,
        y_ticks,
        baseline: height - BOTTOM,
        plot_left: LEFT,
        plot_right: width - RIGHT,
        guides,
        bands,
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

/// The value axis of a KPI's own values: round numbers around what is drawn, from
/// zero when the values are near it, so a change of 0.4 points is not lost on a
/// 0 to 100 scale.
fn fitted_range(values: &[f64]) -> (f64, f64) {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !min.is_finite() || !max.is_finite() {
        return (0.0, 100.0);
    }
    let min = if min > 0.0 && min < (max - min) { 0.0 } else { min };
    let (step, _) = tick_step_fine(min, max);
    let low = (min / step).floor() * step;
    let high = ((max / step).ceil() * step).max(low + step);
    (low, high)
}

/// As `tick_step`, down to steps of 0.01 for small values.
fn tick_step_fine(low: f64, high: f64) -> (f64, u32) {
    let span = (high - low).max(0.01);
    let step = [1.0, 2.0, 2.5, 5.0]
        .iter()
        .flat_map(|m| (-2..=9).map(move |e| m * 10f64.powi(e)))
        .filter(|step| span / step <= 5.0)
        .fold(f64::INFINITY, f64::min);
    let step = if step.is_finite() { step } else { span };
    (step, (span / step).ceil() as u32)
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
        let chart = chart_with("c", "Total", &labels(4), &values, &Extras::default());
        assert_eq!(chart.slots.len(), 4);
        assert!(chart.slots[2].value.is_none());
        // The plot spans 10..174 for 0..100; x steps of 146 from 117.
        assert_eq!(chart.runs, ["117,92 263,10", "555,174"]);
    }

    #[test]
    fn no_values_at_all_draw_no_line_but_keep_every_slot() {
        let chart = chart_with("c", "Total", &labels(12), &[None; 12], &Extras::default());
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

    #[test]
    fn guides_stretch_the_axis_and_bands_fill_between_their_bounds() {
        let extras = Extras {
            guides: vec![("target", "target 150".into(), 150.0)],
            bands: vec![("D".into(), 0.0, 70.0), ("C".into(), 70.0, 85.0)],
            small: false,
        };
        let chart = chart_with("c", "Total", &labels(2), &[Some(50.0), Some(80.0)], &extras);
        // 0..150 over 10..174: the target line is at the top.
        assert_eq!(chart.guides[0].y, 10.0);
        assert_eq!(chart.bands.len(), 2);
        assert_eq!((chart.bands[0].top, chart.bands[0].height), (97.5, 76.5));
        assert!(chart.bands[0].shaded && !chart.bands[1].shaded);
    }

    #[test]
    fn a_small_multiple_fits_its_axis_to_the_values() {
        // Click rates of 3.1% to 4%: 3.0 to 4.0 in steps of 0.2, not 0 to 100.
        assert_eq!(fitted_range(&[3.6, 4.0, 3.1]), (3.0, 4.0));
        // Values close to zero for their spread start at zero.
        assert_eq!(fitted_range(&[0.5, 4.0]), (0.0, 4.0));
        // Values far from zero keep their own range: 88 to 95 in steps of 2.
        assert_eq!(fitted_range(&[91.4, 95.0, 88.0]), (88.0, 96.0));
        assert_eq!(fitted_range(&[]), (0.0, 100.0));
        assert_eq!(tick_step_fine(0.0, 5.0), (1.0, 5));
    }
}
