//! `ep_curve` (region runs): AEP and OEP loss against return period with TVaR, per
//! perspective.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Figure;
use super::axis::{
    Axis, broken_line, build_chart, corner_note, dot, from_zero, numeric_margin, panel_heading,
    panel_note, polyline, px,
};
use super::draw::{
    DrawResult, INK, LegendItem, MARGIN, Swatch, colour, draw_header, draw_legend, item,
};
use super::read::{PlotError, RegionTables, Tables, perspective_label};

struct EpSeries {
    slot: usize,
    /// (return period, loss, TVaR), sorted by return period.
    points: Vec<(f64, f64, Option<f64>)>,
}

struct EpPanel {
    heading: String,
    series: Vec<EpSeries>,
}

pub(super) struct EpFigure {
    scenario: String,
    periods: String,
    money: String,
    strategies: Vec<String>,
    /// One row per perspective: the AEP panel and the OEP panel.
    rows: Vec<[EpPanel; 2]>,
}

impl EpFigure {
    pub(super) fn new(tables: &Tables, region: &RegionTables) -> Result<Self, PlotError> {
        let strategies = tables.strategy_labels();
        let mut perspectives = region.perspectives();
        if perspectives.is_empty() {
            perspectives.push("ground_up".to_string());
        }
        let panel = |perspective: &str, ep_type: &str, what: &str| -> Result<EpPanel, PlotError> {
            let mut series = Vec::new();
            for (slot, (name, _)) in strategies.iter().enumerate() {
                let mut points: Vec<(f64, f64, Option<f64>)> = region
                    .ep_curve
                    .iter()
                    .filter(|r| {
                        &r.strategy == name && r.perspective == perspective && r.ep_type == ep_type
                    })
                    .map(|r| (r.return_period_years, r.loss, r.tvar))
                    .collect();
                if let Some(bad) = points.iter().find(|p| !(p.0 > 0.0) || !p.1.is_finite()) {
                    return Err(PlotError::BadTable {
                        path: tables.dir.join("ep_curve.csv"),
                        message: format!(
                            "strategy `{name}`, {perspective} {ep_type}: return period {} with loss {} cannot be drawn",
                            bad.0, bad.1
                        ),
                    });
                }
                points.sort_by(|a, b| a.0.total_cmp(&b.0));
                if !points.is_empty() {
                    series.push(EpSeries { slot, points });
                }
            }
            Ok(EpPanel {
                heading: format!("{} · {ep_type} ({what})", perspective_label(perspective)),
                series,
            })
        };
        let rows = perspectives
            .iter()
            .map(|p| {
                Ok([
                    panel(p, "AEP", "total per year")?,
                    panel(p, "OEP", "largest per year")?,
                ])
            })
            .collect::<Result<_, PlotError>>()?;
        Ok(Self {
            scenario: tables.run.scenario.name.clone(),
            periods: tables.periods_phrase(),
            money: tables.money_unit(),
            strategies: strategies.into_iter().map(|s| s.1).collect(),
            rows,
        })
    }
}

impl Figure for EpFigure {
    const NAME: &'static str = "ep_curve";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let body = draw_header(
            root,
            &format!("Loss exceedance: {}", self.scenario),
            &format!(
                "From {}. AEP: a year's total loss; OEP: a year's largest single loss ({}).",
                self.periods, self.money
            ),
        )?;
        let mut legend: Vec<LegendItem> = self
            .strategies
            .iter()
            .enumerate()
            .map(|(i, s)| item(s, Swatch::Fill(colour(i))))
            .collect();
        legend.push(item("loss at the return period", Swatch::Line(INK, false)));
        legend.push(item(
            "TVaR: mean loss of the years at least that bad",
            Swatch::Line(INK, true),
        ));
        let plot = draw_legend(root, &body, &legend)?;
        let rps = || {
            self.rows
                .iter()
                .flatten()
                .flat_map(|p| p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0)))
        };
        let (rp_lo, rp_hi) = (
            rps().fold(f64::INFINITY, f64::min),
            rps().fold(0.0, f64::max),
        );
        let (rp_lo, rp_hi) = if rp_lo.is_finite() {
            (rp_lo, rp_hi)
        } else {
            (2.0, 10.0)
        };
        let (w, h) = plot.dim_in_pixel();
        let n_rows = self.rows.len() as u32;
        let row_h = h / n_rows;
        for (r, row) in self.rows.iter().enumerate() {
            let top = r as u32 * row_h;
            let (_, below) = plot.split_vertically(top as i32);
            let (row_area, _) = below.split_vertically(row_h as i32);
            let (left_area, right_area) = row_area.split_horizontally((w / 2) as i32);
            let last = r + 1 == self.rows.len();
            for (panel, area) in row.iter().zip([left_area, right_area]) {
                let desc = if last {
                    "return period (years, log scale)".to_string()
                } else {
                    String::new()
                };
                let x = Axis::log10(rp_lo, rp_hi, desc);
                let max = panel
                    .series
                    .iter()
                    .flat_map(|s| s.points.iter().map(|p| p.1.max(p.2.unwrap_or(0.0))))
                    .fold(0.0, f64::max);
                // Headroom above the highest point, so flat curves at a limit stay visible.
                let y = from_zero(1.04 * max, 1.0, self.money.clone());
                let (head, chart_area) = area.split_vertically(40);
                let left = numeric_margin(root, &y)?;
                let mut chart = build_chart(&chart_area, &x, &y, left, MARGIN, true)?;
                panel_heading(root, &chart, head.get_base_pixel().1, &panel.heading)?;
                if panel.series.is_empty() {
                    panel_note(root, &chart, "no return period within the simulated years")?;
                    continue;
                }
                // The baseline last, on top: where curves coincide, it is the one seen.
                for s in panel.series.iter().rev() {
                    let c = colour(s.slot);
                    let tvar: Vec<Option<(f64, f64)>> = s
                        .points
                        .iter()
                        .map(|p| p.2.map(|t| (x.at(p.0), t)))
                        .collect();
                    broken_line(&mut chart, &tvar, c, 2, true)?;
                    let loss: Vec<(f64, f64)> = s.points.iter().map(|p| (x.at(p.0), p.1)).collect();
                    polyline(&mut chart, loss, c, 3, false)?;
                }
                for s in panel.series.iter().rev() {
                    for p in &s.points {
                        dot(root, px(&chart, x.at(p.0), p.1), colour(s.slot))?;
                    }
                }
                let first = &panel.series[0].points;
                if panel.series.len() > 1 && panel.series.iter().all(|s| &s.points == first) {
                    corner_note(root, &chart, "all strategies give the same curve")?;
                }
            }
        }
        Ok(())
    }
}
