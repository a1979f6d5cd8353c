//! `probability_cheapest` (uncertainty directories): acceptability curves, the probability that
//! each strategy is the cheapest against the value of time and against the incident rate. A
//! draw's annual cost is linear in both, so each point rescales the draws of `draws.csv`
//! ([`crate::report::uncertainty::acceptability`]) without simulating again.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::format::format_fixed;
use crate::report::uncertainty::{acceptability, lower_quantile};

use super::Figure;
use super::axis::{Axis, build_chart, line, numeric_margin, panel_heading, polyline};
use super::draw::{
    DrawResult, MARGIN, MUTED, colour, dashed, draw_header, draw_legend, strategy_legend,
};
use super::read::UncertaintyTables;

/// Points per curve.
const POINTS: usize = 41;

struct Panel {
    heading: String,
    axis_title: String,
    xs: Vec<f64>,
    /// Per strategy, the probability at each x.
    curves: Vec<Vec<f64>>,
    /// The draws' median value, marked.
    median: f64,
}

/// Acceptability curves against the value of time and the incident rate.
pub(super) struct CheapestFigure {
    scenario: String,
    draws: usize,
    strategies: Vec<String>,
    panels: [Panel; 2],
}

impl CheapestFigure {
    pub(super) fn new(t: &UncertaintyTables) -> Self {
        let strategies = t.strategies();
        let n = strategies.len();
        let per_draw = |f: fn(&crate::report::schema::DrawRow) -> f64| -> Vec<f64> {
            t.draws.iter().step_by(n).map(f).collect()
        };
        let vot = per_draw(|r| r.value_of_time_per_hour);
        let rate = per_draw(|r| r.baseline_incident_rate_per_vehicle_year);
        let grid = |median: f64, top: f64| -> Vec<f64> {
            let hi = top.max(2.0 * median).max(f64::MIN_POSITIVE);
            (0..POINTS)
                .map(|k| hi * k as f64 / (POINTS - 1) as f64)
                .collect()
        };
        let curves = |xs: &[f64], by_rate: bool| -> Vec<Vec<f64>> {
            let points: Vec<Vec<f64>> = xs
                .iter()
                .map(|&x| {
                    if by_rate {
                        acceptability(&t.draws, &strategies, Some(x), None)
                    } else {
                        acceptability(&t.draws, &strategies, None, Some(x))
                    }
                })
                .collect();
            (0..n)
                .map(|s| points.iter().map(|p| p[s]).collect())
                .collect()
        };
        let vot_median = lower_quantile(&vot, 0.5);
        let rate_median = lower_quantile(&rate, 0.5);
        let vot_xs = grid(vot_median, 2.0 * vot.iter().copied().fold(0.0, f64::max));
        let rate_xs = grid(rate_median, 2.0 * rate.iter().copied().fold(0.0, f64::max));
        let currency = t.run.currency.clone();
        Self {
            scenario: t.run.scenario.name.clone(),
            draws: vot.len(),
            panels: [
                Panel {
                    heading: "Against the value of time".into(),
                    axis_title: format!("value of time ({currency} per hour)"),
                    curves: curves(&vot_xs, false),
                    xs: vot_xs,
                    median: vot_median,
                },
                Panel {
                    heading: "Against the incident rate".into(),
                    axis_title: "lockouts per vehicle-year (baseline)".into(),
                    curves: curves(&rate_xs, true),
                    xs: rate_xs,
                    median: rate_median,
                },
            ],
            strategies,
        }
    }
}

impl Figure for CheapestFigure {
    const NAME: &'static str = "probability_cheapest";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let body = draw_header(
            root,
            &format!("Probability of being the cheapest: {}", self.scenario),
            &format!(
                "Share of the {} draws in which each strategy is the cheapest, each draw's value set to the axis value (grey line: the draws' median).",
                self.draws
            ),
        )?;
        let legend = strategy_legend(&self.strategies);
        let plot = draw_legend(root, &body, &legend)?;
        let (w, _) = plot.dim_in_pixel();
        let (left_area, right_area) = plot.split_horizontally((w / 2) as i32);
        for (area, panel) in [
            (&left_area, &self.panels[0]),
            (&right_area, &self.panels[1]),
        ] {
            let x = Axis::linear(
                0.0,
                *panel.xs.last().unwrap_or(&1.0),
                panel.axis_title.clone(),
                format_fixed,
            );
            let y = Axis::linear(0.0, 1.0, "probability cheapest".into(), format_fixed);
            let (head, chart_area) = area.split_vertically(40);
            let left = numeric_margin(root, &y)?;
            let mut chart = build_chart(&chart_area, &x, &y, left, MARGIN, true)?;
            panel_heading(root, &chart, head.get_base_pixel().1, &panel.heading)?;
            line(
                &mut chart,
                vec![(panel.median, 0.0), (panel.median, 1.0)],
                MUTED.stroke_width(1),
            )?;
            for (s, curve) in panel.curves.iter().enumerate().rev() {
                let pts: Vec<(f64, f64)> = panel
                    .xs
                    .iter()
                    .copied()
                    .zip(curve.iter().copied())
                    .collect();
                polyline(&mut chart, pts, colour(s), 3, dashed(s))?;
            }
        }
        Ok(())
    }
}
