//! `time_to_access_cdf`: the share of incidents with the keys back by each time, per strategy,
//! medians and 90th percentiles marked.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::format::{format_fixed, percent_tick};

use super::Figure;
use super::axis::{Axis, build_chart, numeric_margin, px};
use super::draw::{
    DrawResult, LegendItem, MARGIN, Marker, Swatch, colour, dashed, de, draw_header, draw_legend,
    draw_marker, item, sample_phrase,
};
use super::read::{PlotError, Tables, quantile_at};

struct CdfSeries {
    name: String,
    /// The earlier strategy whose curve this one is identical to: it would hide under it.
    same_as: Option<String>,
    /// (minutes, cumulative share), sorted by share.
    points: Vec<(f64, f64)>,
    p50: f64,
    p90: f64,
}

pub(super) struct CdfFigure {
    scenario: String,
    sample: String,
    series: Vec<CdfSeries>,
    log: bool,
}

impl CdfFigure {
    pub(super) fn new(tables: &Tables) -> Result<Self, PlotError> {
        let mut series = Vec::new();
        for row in &tables.summary {
            let rows = tables.quantiles(&row.strategy)?;
            let points: Vec<(f64, f64)> = rows
                .iter()
                .map(|r| (r.time_to_access_min, r.quantile))
                .collect();
            let same_as = series
                .iter()
                .find(|s: &&CdfSeries| s.same_as.is_none() && s.points == points)
                .map(|s| s.name.clone());
            series.push(CdfSeries {
                name: row.strategy.clone(),
                same_as,
                points,
                p50: quantile_at(tables, &rows, 0.5)?.time_to_access_min,
                p90: quantile_at(tables, &rows, 0.9)?.time_to_access_min,
            });
        }
        let min_p50 = series.iter().map(|s| s.p50).fold(f64::INFINITY, f64::min);
        let max_p99 = tables
            .summary
            .iter()
            .map(|r| r.time_to_access_p99_min)
            .fold(0.0, f64::max);
        Ok(Self {
            scenario: tables.run.scenario.name.clone(),
            sample: sample_phrase(tables),
            log: min_p50 > 0.0 && max_p99 / min_p50 > 20.0,
            series,
        })
    }
}

impl Figure for CdfFigure {
    const NAME: &'static str = "time_to_access_cdf";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let xs = || {
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0))
        };
        let max = xs().fold(0.0, f64::max);
        let x = if self.log {
            let min_pos = xs().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
            Axis::log10(min_pos, max, "time to access (minutes, log scale)".into())
        } else {
            Axis::linear(0.0, max, "time to access (minutes)".into(), format_fixed)
        };
        let y = Axis::linear(
            0.0,
            1.0,
            "share of incidents with access by then".into(),
            percent_tick,
        );
        let body = draw_header(
            root,
            &format!("Time to access: {}", self.scenario),
            &format!(
                "Empirical distribution from {}. Markers: median (circle) and 90th percentile (triangle).",
                self.sample
            ),
        )?;
        let mut legend: Vec<LegendItem> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| match &s.same_as {
                Some(other) => item(
                    format!("{} (same curve as {other})", s.name),
                    Swatch::Line(colour(i), dashed(i)),
                ),
                None => item(&s.name, Swatch::Line(colour(i), dashed(i))),
            })
            .collect();
        legend.push(item(
            "median (p50)",
            Swatch::Mark(Marker::Circle, WHITE, true),
        ));
        legend.push(item(
            "90th percentile (p90)",
            Swatch::Mark(Marker::Triangle, WHITE, true),
        ));
        let plot = draw_legend(root, &body, &legend)?;
        let left = numeric_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN + 20, true)?;
        for (i, s) in self.series.iter().enumerate() {
            let pts: Vec<(f64, f64)> = s.points.iter().map(|&(t, q)| (x.at(t), q)).collect();
            let style = colour(i).stroke_width(3);
            if dashed(i) {
                chart
                    .draw_series(DashedLineSeries::new(pts, 12, 6, style))
                    .map_err(de)?;
            } else {
                chart.draw_series(LineSeries::new(pts, style)).map_err(de)?;
            }
        }
        for (i, s) in self.series.iter().enumerate() {
            let p50 = px(&chart, x.at(s.p50), 0.5);
            let p90 = px(&chart, x.at(s.p90), 0.9);
            draw_marker(root, Marker::Circle, p50, colour(i), true)?;
            draw_marker(root, Marker::Triangle, p90, colour(i), true)?;
        }
        Ok(())
    }
}
