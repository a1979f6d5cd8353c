//! `difference_vs_baseline`: forest plot of the paired difference in time and in total cost
//! against the baseline, with confidence intervals.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::report::format::{decimals_for, format_fixed};
use crate::report::schema::SummaryRow;

use super::Figure;
use super::axis::{Axis, build_chart, category_margin, line, px, row_y};
use super::draw::{
    DESC_PX, DrawResult, INK, MARGIN, Marker, NOTE_PX, Swatch, bold_style, de, draw_header,
    draw_legend, draw_marker, item, put_text, text_style, text_width,
};
use super::read::Tables;

/// A mean difference and its confidence interval.
#[derive(Clone, Copy)]
struct Interval {
    mean: f64,
    low: f64,
    high: f64,
}

impl Interval {
    fn from_columns(mean: Option<f64>, low: Option<f64>, high: Option<f64>) -> Option<Self> {
        Some(Self {
            mean: mean?,
            low: low?,
            high: high?,
        })
    }

    /// Whether the interval excludes zero.
    fn excludes_zero(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

pub(super) struct DifferenceFigure {
    scenario: String,
    baseline: String,
    money: String,
    currency: String,
    names: Vec<String>,
    time: Vec<Option<Interval>>,
    cost: Vec<Option<Interval>>,
    /// Whether the differences are paired incident by incident (an incident-level run) or,
    /// in a region run, period by period (every strategy sees each period's arrivals).
    by_incident: bool,
}

impl DifferenceFigure {
    pub(super) fn new(tables: &Tables) -> Self {
        let baseline = tables.baseline().strategy.clone();
        let rows: Vec<&SummaryRow> = tables
            .summary
            .iter()
            .filter(|r| r.strategy != baseline)
            .collect();
        Self {
            by_incident: tables.run.periods.is_none(),
            scenario: tables.run.scenario.name.clone(),
            money: tables.money_unit(),
            currency: tables.currency().to_string(),
            names: rows.iter().map(|r| r.strategy.clone()).collect(),
            time: rows
                .iter()
                .map(|r| {
                    Interval::from_columns(
                        r.time_diff_vs_baseline_mean_min,
                        r.time_diff_vs_baseline_ci95_low_min,
                        r.time_diff_vs_baseline_ci95_high_min,
                    )
                })
                .collect(),
            cost: rows
                .iter()
                .map(|r| {
                    Interval::from_columns(
                        r.total_cost_diff_vs_baseline_mean,
                        r.total_cost_diff_vs_baseline_ci95_low,
                        r.total_cost_diff_vs_baseline_ci95_high,
                    )
                })
                .collect(),
            baseline,
        }
    }
}

const SAVING: RGBColor = RGBColor(0x00, 0x9E, 0x73);
const WORSE: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const UNCLEAR: RGBColor = RGBColor(0x77, 0x77, 0x77);

/// One forest panel: returns nothing; draws the intervals of `values` in `area`.
#[allow(clippy::too_many_arguments)]
fn forest_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    y: &Axis,
    left: i32,
    right: i32,
    values: &[Option<Interval>],
    desc: String,
    unit: &dyn Fn(&str) -> String,
) -> DrawResult {
    let (head, area) = area.split_vertically(40);
    let base = head.get_base_pixel();
    let lo = values.iter().flatten().map(|v| v.low).fold(0.0, f64::min);
    let hi = values.iter().flatten().map(|v| v.high).fold(0.0, f64::max);
    let pad = 0.08 * (hi - lo).max(1e-9);
    let x = Axis::linear(lo - pad, hi + pad, desc, format_fixed);
    let mut chart = build_chart(&area, &x, y, left, right, true)?;
    let (px0, px1) = {
        let r = chart.plotting_area().get_pixel_range().0;
        (r.start, r.end)
    };
    put_text(
        root,
        heading,
        ((px0 + px1) / 2, base.1 + 8),
        &bold_style(DESC_PX, INK),
        HPos::Center,
        VPos::Top,
    )?;
    line(
        &mut chart,
        vec![(0.0, y.lo), (0.0, y.hi)],
        INK.stroke_width(2),
    )?;
    let n = values.len();
    let note = text_style(NOTE_PX, INK);
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        let yc = row_y(i, n);
        let c = if !v.excludes_zero() {
            UNCLEAR
        } else if v.mean < 0.0 {
            SAVING
        } else {
            WORSE
        };
        line(
            &mut chart,
            vec![(v.low, yc), (v.high, yc)],
            c.stroke_width(4),
        )?;
        for cap in [v.low, v.high] {
            line(
                &mut chart,
                vec![(cap, yc - 0.08), (cap, yc + 0.08)],
                c.stroke_width(3),
            )?;
        }
        let at = px(&chart, v.mean, yc);
        draw_marker(root, Marker::Circle, at, c, v.excludes_zero())?;
        let d = decimals_for(v.mean.abs().max(v.low.abs()).max(v.high.abs()));
        // Every paired difference exactly zero: the strategy leaves each lockout as it was
        // (it acts on how often lockouts happen, or on fees), not "indistinguishable".
        let text = if v.mean == 0.0 && v.low == 0.0 && v.high == 0.0 {
            "identical in every incident".to_string()
        } else {
            format!(
                "{} (95% CI {} to {})",
                unit(&format_fixed(v.mean, d)),
                format_fixed(v.low, d),
                format_fixed(v.high, d)
            )
        };
        let w = text_width(root, &text, &note)?;
        let cx =
            at.0.clamp(px0 + w / 2 + 4, (px1 - w / 2 - 4).max(px0 + w / 2 + 4));
        // A white halo keeps the text readable where it crosses the zero line or the grid.
        let (x0, bottom) = (cx - w / 2 - 3, at.1 - 13);
        let halo = [(x0, bottom - NOTE_PX as i32 - 6), (x0 + w + 6, bottom)];
        root.draw(&Rectangle::new(halo, WHITE.filled()))
            .map_err(de)?;
        put_text(
            root,
            &text,
            (cx, at.1 - 16),
            &note,
            HPos::Center,
            VPos::Bottom,
        )?;
    }
    Ok(())
}

impl Figure for DifferenceFigure {
    const NAME: &'static str = "difference_vs_baseline";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let body = draw_header(
            root,
            &format!("Difference from the baseline: {}", self.scenario),
            &format!(
                "Each strategy minus {} ({}); negative = faster or cheaper.",
                self.baseline,
                if self.by_incident {
                    "paired, per incident"
                } else {
                    "per incident, paired by period: every strategy sees each simulated year's arrivals"
                }
            ),
        )?;
        let legend = [
            item(
                "faster / cheaper (95% CI excludes 0)",
                Swatch::Mark(Marker::Circle, SAVING, true),
            ),
            item(
                "slower / dearer (95% CI excludes 0)",
                Swatch::Mark(Marker::Circle, WORSE, true),
            ),
            item(
                "not distinguishable from the baseline",
                Swatch::Mark(Marker::Circle, UNCLEAR, false),
            ),
        ];
        let plot = draw_legend(root, &body, &legend)?;
        if self.names.is_empty() {
            put_text(
                root,
                "no strategies besides the baseline",
                (800, 500),
                &text_style(DESC_PX, INK),
                HPos::Center,
                VPos::Center,
            )?;
            return Ok(());
        }
        let y = Axis::categories(&self.names);
        let left = category_margin(root, &y)?;
        let width = plot.dim_in_pixel().0 as i32;
        let gap = 70;
        let panel = (width - left - MARGIN - gap) / 2;
        let (a, b) = plot.split_horizontally(left + panel + 10);
        let blank = Axis {
            ticks: y.ticks.iter().map(|(p, _)| (*p, String::new())).collect(),
            ..Axis::categories(&self.names)
        };
        forest_panel(
            root,
            &a,
            "Time to access",
            &y,
            left,
            20,
            &self.time,
            "difference in time to access (minutes)".into(),
            &|m| format!("{m} min"),
        )?;
        let currency = self.currency.clone();
        forest_panel(
            root,
            &b,
            "Total cost per incident (money + time)",
            &blank,
            gap - 10 - MARGIN,
            MARGIN,
            &self.cost,
            format!("difference in total cost per incident ({})", self.money),
            &move |m| format!("{currency} {m}"),
        )
    }
}
