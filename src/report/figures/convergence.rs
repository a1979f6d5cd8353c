//! `convergence` (uncertainty directories): each strategy's expected annual cost as the mean of
//! the first k parameter draws, against k, with the final 95% interval at the right: whether
//! the draws were enough to settle the ranking.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::format::format_fixed;

use super::Figure;
use super::axis::{Axis, build_chart, line, numeric_margin, polyline};
use super::draw::{DrawResult, MARGIN, colour, dashed, draw_header, draw_legend, strategy_legend};
use super::read::UncertaintyTables;

/// Running means of the annual cost over draws, per strategy.
pub(super) struct ConvergenceFigure {
    scenario: String,
    money: String,
    strategies: Vec<String>,
    /// Per strategy: the running mean after 1, 2, ..., D draws.
    means: Vec<Vec<f64>>,
    /// Per strategy: the final interval.
    intervals: Vec<(f64, f64)>,
}

impl ConvergenceFigure {
    pub(super) fn new(t: &UncertaintyTables) -> Self {
        let strategies = t.strategies();
        let n = strategies.len();
        let means = (0..n)
            .map(|s| {
                let mut sum = 0.0;
                t.draws
                    .iter()
                    .skip(s)
                    .step_by(n)
                    .enumerate()
                    .map(|(k, r)| {
                        sum += r.annual_cost_per_vehicle;
                        sum / (k + 1) as f64
                    })
                    .collect()
            })
            .collect();
        Self {
            scenario: t.run.scenario.name.clone(),
            money: format!("{} at {} prices", t.run.currency, t.run.price_year),
            intervals: t
                .decision
                .iter()
                .map(|r| {
                    (
                        r.expected_annual_cost_per_vehicle_ci95_low,
                        r.expected_annual_cost_per_vehicle_ci95_high,
                    )
                })
                .collect(),
            strategies,
            means,
        }
    }
}

impl Figure for ConvergenceFigure {
    const NAME: &'static str = "convergence";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let draws = self.means.first().map_or(1, Vec::len).max(1);
        let body = draw_header(
            root,
            &format!("Expected annual cost over the draws: {}", self.scenario),
            "Mean annual cost per vehicle of the first k parameter draws; at the right, the 95% interval after all of them.",
        )?;
        let legend = strategy_legend(&self.strategies);
        let plot = draw_legend(root, &body, &legend)?;
        let values = self
            .means
            .iter()
            .flatten()
            .copied()
            .chain(self.intervals.iter().flat_map(|&(a, b)| [a, b]));
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        let pad = 0.05 * (hi - lo).max(1e-9);
        let end = draws as f64 * 1.04 + 1.0;
        let x = Axis::linear(1.0, end, "parameter draws".into(), format_fixed);
        let y = Axis::linear(
            if lo >= 0.0 { 0.0 } else { lo - pad },
            hi + pad,
            format!("annual cost per vehicle ({})", self.money),
            format_fixed,
        );
        let left = numeric_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN, true)?;
        for (s, m) in self.means.iter().enumerate().rev() {
            let pts: Vec<(f64, f64)> = m
                .iter()
                .enumerate()
                .map(|(k, &v)| ((k + 1) as f64, v))
                .collect();
            polyline(&mut chart, pts, colour(s), 3, dashed(s))?;
            if let Some(&(a, b)) = self.intervals.get(s) {
                let at = draws as f64 * (1.01 + 0.03 * s as f64 / self.means.len() as f64);
                line(
                    &mut chart,
                    vec![(at, a), (at, b)],
                    colour(s).stroke_width(3),
                )?;
            }
        }
        Ok(())
    }
}
