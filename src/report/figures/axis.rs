//! Axes and charts: how values map onto an axis ([`Scale`], [`Axis`] and its ticks), the chart
//! built over two axes with its grid, and what is drawn in chart coordinates (lines, boxes,
//! panel headings and notes).

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::report::format::{format_fixed, format_trimmed};

use super::draw::{
    DESC_PX, DrawResult, GRID, INK, LABEL_PX, MARGIN, MUTED, NOTE_PX, bold_style, de, put_text,
    text_style, text_width,
};

/// How data values map onto an axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Scale {
    Linear,
    /// log10; values at or below zero are clamped to the axis minimum.
    Log10,
    /// log10(1 + x / c): linear near zero, logarithmic above `c`, defined at zero.
    SymLog(f64),
}

impl Scale {
    fn forward(self, v: f64) -> f64 {
        match self {
            Scale::Linear => v,
            Scale::Log10 => v.max(f64::MIN_POSITIVE).log10(),
            Scale::SymLog(c) => v.signum() * (1.0 + v.abs() / c).log10(),
        }
    }
}

/// One axis: range and ticks in axis (transformed) units, with labels and description.
pub(super) struct Axis {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) scale: Scale,
    pub(super) ticks: Vec<(f64, String)>,
    pub(super) desc: String,
}

impl Axis {
    /// A linear axis over [lo, hi] (widened to nice round ticks), labels via `fmt`.
    pub(super) fn linear(
        lo: f64,
        hi: f64,
        desc: String,
        fmt: impl Fn(f64, usize) -> String,
    ) -> Self {
        let (step, decimals) = nice_step(hi - lo, 6);
        let lo = (lo / step).floor() * step;
        let hi = (hi / step).ceil() * step;
        let n = ((hi - lo) / step).round() as i64;
        let ticks = (0..=n)
            .map(|k| {
                let v = lo + k as f64 * step;
                (
                    v,
                    fmt(if v.abs() < step * 1e-9 { 0.0 } else { v }, decimals),
                )
            })
            .collect();
        Self {
            lo,
            hi,
            scale: Scale::Linear,
            ticks,
            desc,
        }
    }

    /// A log10 axis covering [lo, hi] (0 < lo < hi) with a little room either side and ticks
    /// at 1, 2 and 5 × 10^k (only 10^k over more than four decades).
    pub(super) fn log10(lo: f64, hi: f64, desc: String) -> Self {
        let (lo, hi) = (
            (lo / 1.15).log10(),
            (hi * 1.15).log10().max(lo.log10() + 1.0),
        );
        let (d0, d1) = (lo.floor() as i32, hi.ceil() as i32);
        let mantissas: &[f64] = if hi - lo <= 4.0 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let mut ticks = Vec::new();
        for d in d0..=d1 {
            for &m in mantissas {
                let v = m * 10f64.powi(d);
                if (lo..=hi).contains(&v.log10()) {
                    ticks.push((v.log10(), format_fixed(v, (-d).max(0) as usize)));
                }
            }
        }
        Self {
            lo,
            hi,
            scale: Scale::Log10,
            ticks,
            desc,
        }
    }

    /// A symmetric-log axis from 0 to at least `hi` with linear threshold `c` (a power of ten).
    pub(super) fn symlog(c: f64, hi: f64, desc: String) -> Self {
        let scale = Scale::SymLog(c);
        let d0 = c.log10().round() as i32;
        let d1 = (hi.log10().ceil() as i32).max(d0 + 1);
        let mantissas: &[f64] = if d1 - d0 <= 3 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let mut ticks = vec![(0.0, "0".to_string())];
        for d in d0..=d1 {
            for &m in mantissas.iter().filter(|&&m| d < d1 || m == 1.0) {
                let v = m * 10f64.powi(d);
                ticks.push((scale.forward(v), format_fixed(v, (-d).max(0) as usize)));
            }
        }
        Self {
            lo: 0.0,
            hi: scale.forward(10f64.powi(d1)),
            scale,
            ticks,
            desc,
        }
    }

    /// A category axis: `names[0]` at the top.
    pub(super) fn categories(names: &[String]) -> Self {
        let n = names.len();
        Self {
            lo: -0.6,
            hi: n as f64 - 0.4,
            scale: Scale::Linear,
            ticks: names
                .iter()
                .enumerate()
                .map(|(i, s)| ((n - 1 - i) as f64, s.clone()))
                .collect(),
            desc: String::new(),
        }
    }

    pub(super) fn at(&self, v: f64) -> f64 {
        self.scale.forward(v).clamp(self.lo, self.hi)
    }

    fn label(&self, t: f64) -> String {
        let tol = (self.hi - self.lo).abs() * 1e-9;
        self.ticks
            .iter()
            .find(|(p, _)| (p - t).abs() <= tol)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    }

    fn widest_label<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<i32> {
        let style = text_style(LABEL_PX, INK);
        let mut w = 0;
        for (_, s) in &self.ticks {
            w = w.max(text_width(root, s, &style)?);
        }
        Ok(w)
    }
}

/// Row position of category `i` of `n` (the first at the top).
pub(super) fn row_y(i: usize, n: usize) -> f64 {
    (n - 1 - i) as f64
}

/// A "nice" tick step (1, 2 or 5 × 10^k) giving about `target` intervals over `span`, and the
/// decimals its labels need.
fn nice_step(span: f64, target: u32) -> (f64, usize) {
    let span = if span > 0.0 && span.is_finite() {
        span
    } else {
        1.0
    };
    let raw = span / f64::from(target);
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    let m = raw / base;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    let step = nice * base;
    (step, (-step.log10().floor()).max(0.0) as usize)
}

/// A linear f64 coordinate whose grid lines and labels sit exactly at the given key points
/// (plotters' own f64 coordinate picks its own ticks, and its `WithKeyPoints` wrapper cannot
/// take a label formatter).
pub(super) struct Ticked {
    lo: f64,
    hi: f64,
    keys: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let share = (v - self.lo) / (self.hi - self.lo);
        let length = f64::from(limit.1 - limit.0);
        limit.0 + (length * share).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

pub(super) type Coords = Cartesian2d<Ticked, Ticked>;

/// Builds a chart in `area` with `left` pixels for the y labels and draws its grid and axes.
pub(super) fn build_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    left: i32,
    right: i32,
    grid_y: bool,
) -> DrawResult<ChartContext<'a, DB, Coords>> {
    let x_keys: Vec<f64> = x.ticks.iter().map(|t| t.0).collect();
    let y_keys: Vec<f64> = y.ticks.iter().map(|t| t.0).collect();
    let bottom = if x.desc.is_empty() { 44 } else { 84 };
    let mut chart = ChartBuilder::on(area)
        .margin_top(12)
        .margin_left(MARGIN)
        .margin_right(right)
        .y_label_area_size(left)
        .x_label_area_size(bottom)
        .build_cartesian_2d(
            Ticked {
                lo: x.lo,
                hi: x.hi,
                keys: x_keys,
            },
            Ticked {
                lo: y.lo,
                hi: y.hi,
                keys: y_keys,
            },
        )
        .map_err(de)?;
    let fx = |v: &f64| x.label(*v);
    let fy = |v: &f64| y.label(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .label_style(text_style(LABEL_PX, INK))
        .axis_desc_style(text_style(DESC_PX, INK))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(INK.stroke_width(1))
        .set_all_tick_mark_size(6);
    if !x.desc.is_empty() {
        mesh.x_desc(x.desc.clone());
    }
    if !y.desc.is_empty() {
        mesh.y_desc(y.desc.clone());
    }
    if !grid_y {
        mesh.disable_y_mesh();
    }
    mesh.draw().map_err(de)?;
    Ok(chart)
}

/// Pixel position of data point (x, y) in axis units.
pub(super) fn px<DB: DrawingBackend>(
    chart: &ChartContext<DB, Coords>,
    x: f64,
    y: f64,
) -> (i32, i32) {
    chart.plotting_area().map_coordinate(&(x, y))
}

pub(super) fn rect<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coords>,
    (x0, y0): (f64, f64),
    (x1, y1): (f64, f64),
    style: ShapeStyle,
) -> DrawResult {
    chart
        .draw_series(std::iter::once(Rectangle::new([(x0, y0), (x1, y1)], style)))
        .map_err(de)?;
    Ok(())
}

pub(super) fn line<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coords>,
    pts: Vec<(f64, f64)>,
    style: ShapeStyle,
) -> DrawResult {
    chart
        .draw_series(std::iter::once(PathElement::new(pts, style)))
        .map_err(de)?;
    Ok(())
}

/// Pixels needed left of a category chart: the longest name plus padding.
pub(super) fn category_margin<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    axis: &Axis,
) -> DrawResult<i32> {
    Ok(axis.widest_label(root)? + 24)
}

/// Pixels needed left of a numeric chart with a rotated axis description.
pub(super) fn numeric_margin<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    axis: &Axis,
) -> DrawResult<i32> {
    Ok(axis.widest_label(root)? + 24 + if axis.desc.is_empty() { 0 } else { 40 })
}

/// Draws a line through `pts` (axis units), solid or dashed.
pub(super) fn polyline<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coords>,
    pts: Vec<(f64, f64)>,
    c: RGBColor,
    width: u32,
    dash: bool,
) -> DrawResult {
    let style = c.stroke_width(width);
    if dash {
        chart
            .draw_series(DashedLineSeries::new(pts, 10, 6, style))
            .map_err(de)?;
    } else {
        chart.draw_series(LineSeries::new(pts, style)).map_err(de)?;
    }
    Ok(())
}

/// Draws the runs of consecutive defined points of `pts` as separate lines.
pub(super) fn broken_line<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coords>,
    pts: &[Option<(f64, f64)>],
    c: RGBColor,
    width: u32,
    dash: bool,
) -> DrawResult {
    for run in pts.split(Option::is_none) {
        let run: Vec<(f64, f64)> = run.iter().flatten().copied().collect();
        if run.len() > 1 {
            polyline(chart, run, c, width, dash)?;
        }
    }
    Ok(())
}

/// A small filled dot with a white rim at pixel `at`.
pub(super) fn dot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    c: RGBColor,
) -> DrawResult {
    root.draw(&Circle::new(at, 6, WHITE.filled())).map_err(de)?;
    root.draw(&Circle::new(at, 5, c.filled())).map_err(de)
}

/// Writes a panel heading centred over the chart's plotting area, `top` pixels down.
pub(super) fn panel_heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<DB, Coords>,
    top: i32,
    text: &str,
) -> DrawResult {
    let r = chart.plotting_area().get_pixel_range().0;
    put_text(
        root,
        text,
        ((r.start + r.end) / 2, top + 6),
        &bold_style(DESC_PX, INK),
        HPos::Center,
        VPos::Top,
    )
}

/// Writes a note in the middle of the chart's plotting area (e.g. "no calls").
pub(super) fn panel_note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<DB, Coords>,
    text: &str,
) -> DrawResult {
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    put_text(
        root,
        text,
        ((xr.start + xr.end) / 2, (yr.start + yr.end) / 2),
        &text_style(DESC_PX, MUTED),
        HPos::Center,
        VPos::Center,
    )
}

/// Writes a note at the bottom right inside the chart's plotting area (below rising curves
/// that start from a zero axis), on a white halo.
pub(super) fn corner_note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<DB, Coords>,
    text: &str,
) -> DrawResult {
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let style = text_style(NOTE_PX, INK);
    let w = text_width(root, text, &style)?;
    let (x, y) = (xr.end - 12 - w, yr.end - 12 - NOTE_PX as i32);
    root.draw(&Rectangle::new(
        [(x - 4, y - 4), (x + w + 4, y + NOTE_PX as i32 + 4)],
        WHITE.filled(),
    ))
    .map_err(de)?;
    put_text(root, text, (x, y), &style, HPos::Left, VPos::Top)
}

/// A y axis for money or minutes from zero to `max` (at least `floor`).
pub(super) fn from_zero(max: f64, floor: f64, desc: String) -> Axis {
    let hi = if max.is_finite() && max > floor {
        max
    } else {
        floor
    };
    Axis::linear(0.0, hi, desc, format_fixed)
}

/// A linear axis with room left of zero, so a curve starting on zero does not hide in the
/// axis line.
pub(super) fn from_zero_padded(max: f64, desc: String) -> Axis {
    let mut axis = from_zero(max, 1.0, desc);
    axis.lo = -0.02 * (axis.hi - axis.lo);
    axis
}

/// Ticks at the swept values when there are few, else round ticks.
pub(super) fn sweep_x_axis(values: &[f64], desc: String) -> Axis {
    let (lo, hi) = (values[0], values[values.len() - 1]);
    if values.len() > 12 {
        return Axis::linear(lo, hi, desc, format_fixed);
    }
    let pad = if hi > lo { 0.06 * (hi - lo) } else { 0.5 };
    Axis {
        lo: lo - pad,
        hi: hi + pad,
        scale: Scale::Linear,
        ticks: values.iter().map(|&v| (v, format_trimmed(v))).collect(),
        desc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_round() {
        assert_eq!(nice_step(100.0, 6), (20.0, 0));
        assert_eq!(nice_step(1.0, 10), (0.1, 1));
        assert_eq!(nice_step(7.0, 6), (2.0, 0));
    }

    #[test]
    fn symlog_axis_starts_at_zero() {
        let axis = Axis::symlog(1.0, 620.0, String::new());
        assert_eq!(axis.lo, 0.0);
        assert_eq!(axis.at(0.0), 0.0);
        let labels: Vec<&str> = axis.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            labels,
            [
                "0", "1", "2", "5", "10", "20", "50", "100", "200", "500", "1,000"
            ]
        );
    }
}
