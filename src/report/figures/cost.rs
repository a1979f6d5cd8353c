//! `cost_distribution`: cost per incident per strategy, box p25-p75, whiskers p10-p90, median
//! and p99 dot.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::report::format::{format_fixed, format_trimmed};

use super::Figure;
use super::axis::{Axis, build_chart, category_margin, line, px, rect, row_y};
use super::draw::{
    DrawResult, INK, MARGIN, MUTED, Marker, NOTE_PX, Swatch, colour, draw_header, draw_legend,
    draw_marker, item, put_text, sample_phrase, strategy_label, text_style,
};
use super::read::{PlotError, Tables, quantile_at};

/// Cost per incident percentiles of one strategy: p10, p25, p50, p75, p90, p99.
struct CostBox {
    name: String,
    p: [f64; 6],
    mean: f64,
}

pub(super) struct CostFigure {
    scenario: String,
    sample: String,
    money: String,
    boxes: Vec<CostBox>,
}

impl CostFigure {
    pub(super) fn new(tables: &Tables) -> Result<Self, PlotError> {
        let baseline = tables.baseline().strategy.clone();
        let mut boxes = Vec::new();
        for row in &tables.summary {
            let rows = tables.quantiles(&row.strategy)?;
            let mut p = [0.0; 6];
            for (slot, q) in p.iter_mut().zip([0.10, 0.25, 0.50, 0.75, 0.90, 0.99]) {
                *slot = quantile_at(tables, &rows, q)?.cost;
            }
            boxes.push(CostBox {
                name: strategy_label(row, &baseline),
                p,
                mean: row.cost_mean,
            });
        }
        Ok(Self {
            scenario: tables.run.scenario.name.clone(),
            sample: sample_phrase(tables),
            money: tables.money_unit(),
            boxes,
        })
    }

    /// Linear when the values span less than a factor of 30, else symmetric log (which keeps
    /// zero costs on the axis).
    fn axis(&self) -> Axis {
        let values = || {
            self.boxes
                .iter()
                .flat_map(|b| b.p.iter().copied().chain([b.mean]))
        };
        let max = values().fold(0.0, f64::max);
        let min = values().fold(f64::INFINITY, f64::min);
        let min_pos = values().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
        let desc = format!("cost per incident ({})", self.money);
        if min >= 0.0 && min_pos.is_finite() && max / min_pos > 30.0 {
            let c = 10f64.powf(min_pos.log10().floor().max(0.0));
            Axis::symlog(
                c,
                max,
                format!(
                    "{desc}; linear from 0 to {c}, log scale above",
                    c = format_trimmed(c)
                ),
            )
        } else {
            let hi = if max > 0.0 { max } else { 1.0 };
            Axis::linear(min.min(0.0), hi, desc, format_fixed)
        }
    }
}

impl Figure for CostFigure {
    const NAME: &'static str = "cost_distribution";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let x = self.axis();
        let names: Vec<String> = self.boxes.iter().map(|b| b.name.clone()).collect();
        let y = Axis::categories(&names);
        let body = draw_header(
            root,
            &format!("Cost per incident: {}", self.scenario),
            &format!(
                "Money paid because of the incident ({}), {}.",
                self.money, self.sample
            ),
        )?;
        let legend = [
            item("p25 to p75 (box) and median (bar)", Swatch::BoxPlot),
            item("p10 to p90 (whiskers)", Swatch::Interval),
            item("p99", Swatch::Mark(Marker::Circle, MUTED, true)),
            item("mean", Swatch::Mark(Marker::Cross, INK, true)),
        ];
        let plot = draw_legend(root, &body, &legend)?;
        let left = category_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN + 20, false)?;
        let n = self.boxes.len();
        let half = 0.22;
        for (i, b) in self.boxes.iter().enumerate() {
            let yc = row_y(i, n);
            let v: Vec<f64> = b.p.iter().map(|&c| x.at(c)).collect();
            let ink = INK.stroke_width(2);
            line(&mut chart, vec![(v[0], yc), (v[1], yc)], ink)?;
            line(&mut chart, vec![(v[3], yc), (v[4], yc)], ink)?;
            for cap in [v[0], v[4]] {
                line(&mut chart, vec![(cap, yc - 0.1), (cap, yc + 0.1)], ink)?;
            }
            let c = colour(i);
            rect(
                &mut chart,
                (v[1], yc - half),
                (v[3], yc + half),
                c.mix(0.55).filled(),
            )?;
            rect(&mut chart, (v[1], yc - half), (v[3], yc + half), ink)?;
            line(
                &mut chart,
                vec![(v[2], yc - half), (v[2], yc + half)],
                INK.stroke_width(4),
            )?;
            // A box of no width (p25 = p75: a fixed price, or no cost at all) would vanish:
            // say where it is.
            if (b.p[3] - b.p[1]).abs() <= f64::EPSILON * b.p[3].abs().max(1.0) {
                let at = px(&chart, v[3], yc + half);
                put_text(
                    root,
                    &format!("p25 to p75 all {}", format_trimmed(b.p[1])),
                    (at.0 + 8, at.1 - 4),
                    &text_style(NOTE_PX, INK),
                    HPos::Left,
                    VPos::Bottom,
                )?;
            }
            draw_marker(root, Marker::Circle, px(&chart, v[5], yc), c, true)?;
            draw_marker(root, Marker::Cross, px(&chart, x.at(b.mean), yc), INK, true)?;
        }
        Ok(())
    }
}
