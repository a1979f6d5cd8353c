//! `tornado` (uncertainty directories): for the strategy the decision is about, how its annual
//! cost difference from the baseline moves when each uncertain parameter goes from its 10th to
//! its 90th percentile with the others at their medians (one-way), widest swing on top.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::report::format::{format_auto, format_fixed};

use super::Figure;
use super::axis::{Axis, build_chart, category_margin, line, px, rect, row_y};
use super::draw::{
    DrawResult, INK, LABEL_PX, MARGIN, MUTED, Swatch, colour, draw_header, draw_legend, item,
    put_text, text_style,
};
use super::read::UncertaintyTables;

struct Bar {
    label: String,
    at_p10: f64,
    at_p90: f64,
    values: String,
}

/// One-way sensitivity of one strategy's difference from the baseline.
pub(super) struct TornadoFigure {
    scenario: String,
    strategy: String,
    baseline: String,
    money: String,
    centre: f64,
    bars: Vec<Bar>,
}

/// The strategy a tornado is drawn for: the one with the lowest expected annual cost, or, when
/// that is the baseline, the next lowest (the alternative the decision weighs against it).
pub(super) fn decided_strategy(t: &UncertaintyTables) -> usize {
    let mut order: Vec<usize> = (0..t.decision.len()).collect();
    order.sort_by(|&a, &b| {
        t.decision[a]
            .expected_annual_cost_per_vehicle
            .total_cmp(&t.decision[b].expected_annual_cost_per_vehicle)
    });
    order
        .into_iter()
        .find(|&s| !t.decision[s].baseline)
        .unwrap_or(0)
}

impl TornadoFigure {
    pub(super) fn new(t: &UncertaintyTables) -> Self {
        let s = decided_strategy(t);
        let strategy = t.decision[s].strategy.clone();
        let rows: Vec<_> = t
            .sensitivity
            .iter()
            .filter(|r| r.strategy == strategy)
            .collect();
        let mut bars: Vec<Bar> = rows
            .iter()
            .map(|r| {
                let unit = if r.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", r.unit)
                };
                Bar {
                    label: r.parameter.clone(),
                    at_p10: r.annual_cost_diff_vs_baseline_at_p10,
                    at_p90: r.annual_cost_diff_vs_baseline_at_p90,
                    values: format!(
                        "{}{unit} to {}{unit}",
                        format_auto(r.value_p10),
                        format_auto(r.value_p90)
                    ),
                }
            })
            .collect();
        // Widest swing on top; ties keep file order (a stable sort).
        bars.sort_by(|a, b| {
            (b.at_p90 - b.at_p10)
                .abs()
                .total_cmp(&(a.at_p90 - a.at_p10).abs())
        });
        Self {
            scenario: t.run.scenario.name.clone(),
            strategy,
            baseline: t.run.baseline.clone(),
            money: format!("{} at {} prices", t.run.currency, t.run.price_year),
            centre: rows
                .first()
                .map_or(0.0, |r| r.annual_cost_diff_vs_baseline_at_p50),
            bars,
        }
    }
}

impl Figure for TornadoFigure {
    const NAME: &'static str = "tornado";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let lo = self
            .bars
            .iter()
            .flat_map(|b| [b.at_p10, b.at_p90])
            .chain([self.centre, 0.0])
            .fold(f64::INFINITY, f64::min);
        let hi = self
            .bars
            .iter()
            .flat_map(|b| [b.at_p10, b.at_p90])
            .chain([self.centre, 0.0])
            .fold(f64::NEG_INFINITY, f64::max);
        let pad = 0.05 * (hi - lo).max(1e-9);
        let x = Axis::linear(
            lo - pad,
            hi + pad,
            format!(
                "{} minus {} ({} per vehicle and year; below 0: cheaper)",
                self.strategy, self.baseline, self.money
            ),
            format_fixed,
        );
        let names: Vec<String> = self.bars.iter().map(|b| b.label.clone()).collect();
        let y = Axis::categories(&names);
        let body = draw_header(
            root,
            &format!("What the decision turns on: {}", self.scenario),
            &format!(
                "Annual cost difference with each parameter at its 10th and 90th percentile, the others at their medians (centre line: all at medians, {}).",
                format_auto(self.centre)
            ),
        )?;
        let legend = [
            item("parameter at its 10th percentile", Swatch::Fill(colour(0))),
            item("parameter at its 90th percentile", Swatch::Fill(colour(1))),
        ];
        let plot = draw_legend(root, &body, &legend)?;
        let left = category_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN + 200, false)?;
        let n = self.bars.len();
        let style = text_style(LABEL_PX, MUTED);
        for (i, b) in self.bars.iter().enumerate() {
            let yc = row_y(i, n);
            let h = 0.32;
            for (end, c) in [(b.at_p10, colour(0)), (b.at_p90, colour(1))] {
                let (a, z) = if end < self.centre {
                    (end, self.centre)
                } else {
                    (self.centre, end)
                };
                rect(&mut chart, (a, yc - h), (z, yc + h), c.filled())?;
            }
            let right = px(&chart, x.hi, yc);
            put_text(
                root,
                &b.values,
                (right.0 + 12, right.1),
                &style,
                HPos::Left,
                VPos::Center,
            )?;
        }
        let ink = INK.stroke_width(2);
        line(
            &mut chart,
            vec![(self.centre, y.lo), (self.centre, y.hi)],
            ink,
        )?;
        line(
            &mut chart,
            vec![(0.0, y.lo), (0.0, y.hi)],
            MUTED.stroke_width(1),
        )?;
        Ok(())
    }
}
