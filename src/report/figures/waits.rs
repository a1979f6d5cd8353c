//! `responder_waits` (region runs): the queue-wait distribution of lockout calls per pool and
//! strategy, p90 marked.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::report::format::{format_percent, percent_tick};
use crate::report::schema::WaitRow;

use super::Figure;
use super::axis::{
    Axis, build_chart, from_zero_padded, numeric_margin, panel_heading, panel_note, polyline, px,
};
use super::draw::{
    DESC_PX, DrawResult, INK, LegendItem, MARGIN, Marker, Swatch, colour, draw_header, draw_legend,
    draw_marker, item, put_text, text_style,
};
use super::read::{RegionTables, Tables};

struct WaitSeries {
    slot: usize,
    /// (queue wait in minutes, quantile), sorted by quantile.
    points: Vec<(f64, f64)>,
    p90: Option<f64>,
}

struct WaitPanel {
    heading: String,
    series: Vec<WaitSeries>,
}

pub(super) struct WaitsFigure {
    scenario: String,
    periods: String,
    strategies: Vec<String>,
    panels: Vec<WaitPanel>,
}

/// "patrol trucks (4 responders)".
pub(super) fn pool_heading(pool: &str, responders: Option<u64>) -> String {
    match responders {
        Some(1) => format!("{pool} (1 responder)"),
        Some(n) => format!("{pool} ({n} responders)"),
        None => pool.to_string(),
    }
}

impl WaitsFigure {
    pub(super) fn new(tables: &Tables, region: &RegionTables) -> Self {
        let strategies = tables.strategy_labels();
        let panels = region
            .pools()
            .iter()
            .map(|pool| {
                let series = strategies
                    .iter()
                    .enumerate()
                    .filter_map(|(slot, (name, _))| {
                        let mut rows: Vec<&WaitRow> = region
                            .waits
                            .iter()
                            .filter(|r| &r.pool == pool && &r.strategy == name)
                            .collect();
                        rows.sort_by(|a, b| a.quantile.total_cmp(&b.quantile));
                        let points: Vec<(f64, f64)> = rows
                            .iter()
                            .filter_map(|r| Some((r.queue_wait_min?, r.quantile)))
                            .filter(|p| p.0.is_finite())
                            .collect();
                        let p90 = rows
                            .iter()
                            .find(|r| (r.quantile - 0.9).abs() < 5e-3)
                            .and_then(|r| r.queue_wait_min);
                        (points.len() > 1).then_some(WaitSeries { slot, points, p90 })
                    })
                    .collect();
                WaitPanel {
                    heading: pool_heading(pool, region.responders_in(pool)),
                    series,
                }
            })
            .collect();
        Self {
            scenario: tables.run.scenario.name.clone(),
            periods: tables.periods_phrase(),
            strategies: strategies.into_iter().map(|s| s.1).collect(),
            panels,
        }
    }
}

impl Figure for WaitsFigure {
    const NAME: &'static str = "responder_waits";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let body = draw_header(
            root,
            &format!("Waiting for a responder: {}", self.scenario),
            &format!(
                "Queue wait of lockout calls (call to dispatch) per responder pool, {}. \
                 Calls dispatched at once start each curve on the left edge.",
                self.periods
            ),
        )?;
        let mut legend: Vec<LegendItem> = self
            .strategies
            .iter()
            .enumerate()
            .map(|(i, s)| item(s, Swatch::Line(colour(i), false)))
            .collect();
        legend.push(item(
            "90th percentile (p90)",
            Swatch::Mark(Marker::Triangle, WHITE, true),
        ));
        let plot = draw_legend(root, &body, &legend)?;
        if self.panels.is_empty() {
            put_text(
                root,
                "no responder pools in this region",
                (800, 500),
                &text_style(DESC_PX, INK),
                HPos::Center,
                VPos::Center,
            )?;
            return Ok(());
        }
        let n = self.panels.len();
        let cols = n.min(3);
        let rows = n.div_ceil(cols);
        let cells = plot.split_evenly((rows, cols));
        for (panel, cell) in self.panels.iter().zip(&cells) {
            let max = panel
                .series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0))
                .fold(0.0, f64::max);
            let x = from_zero_padded(max, "queue wait (minutes)".into());
            // The axis starts a little below the smallest share dispatched at once, so the
            // queued calls fill the panel.
            let at_once = panel
                .series
                .iter()
                .map(|s| {
                    s.points[0].1.max(
                        s.points
                            .iter()
                            .filter(|p| p.0 <= 0.0)
                            .map(|p| p.1)
                            .fold(0.0, f64::max),
                    )
                })
                .fold(1.0, f64::min);
            let y_lo = ((at_once - 0.1) * 10.0 + 1e-9).floor().clamp(0.0, 9.0) / 10.0;
            let mut y = Axis::linear(
                y_lo,
                1.0,
                "share of calls dispatched within".into(),
                percent_tick,
            );
            // Said where the axis (widened to round ticks) really starts, when not at 0.
            if y.lo > 0.0 {
                y.desc = format!("{} (axis from {})", y.desc, format_percent(y.lo));
            }
            let (head, area) = cell.split_vertically(40);
            let left = numeric_margin(root, &y)?;
            let mut chart = build_chart(&area, &x, &y, left, MARGIN, true)?;
            panel_heading(root, &chart, head.get_base_pixel().1, &panel.heading)?;
            if panel.series.is_empty() {
                panel_note(root, &chart, "no lockout calls dispatched")?;
                continue;
            }
            for s in panel.series.iter().rev() {
                let pts = s.points.iter().map(|&(t, q)| (x.at(t), y.at(q))).collect();
                polyline(&mut chart, pts, colour(s.slot), 3, false)?;
            }
            for s in panel.series.iter().rev() {
                if let Some(p90) = s.p90 {
                    let at = px(&chart, x.at(p90), 0.9);
                    draw_marker(root, Marker::Triangle, at, colour(s.slot), true)?;
                }
            }
        }
        Ok(())
    }
}
