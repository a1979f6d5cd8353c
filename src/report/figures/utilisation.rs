//! `utilisation` (region runs): busy share of each pool per strategy, with the p90 queue wait.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::report::format::{decimals_for, format_fixed, format_percent, percent_tick};

use super::Figure;
use super::axis::{Axis, build_chart, category_margin, px, rect, row_y};
use super::draw::{
    DESC_PX, DrawResult, INK, LegendItem, MARGIN, NOTE_PX, Swatch, colour, draw_header,
    draw_legend, item, put_text, text_style, text_width,
};
use super::read::{RegionTables, Tables};
use super::waits::pool_heading;

struct UtilBar {
    slot: usize,
    utilisation: Option<f64>,
    p90: Option<f64>,
    calls: u64,
}

struct UtilGroup {
    label: String,
    bars: Vec<UtilBar>,
}

pub(super) struct UtilisationFigure {
    scenario: String,
    periods: String,
    strategies: Vec<String>,
    groups: Vec<UtilGroup>,
}

impl UtilisationFigure {
    pub(super) fn new(tables: &Tables, region: &RegionTables) -> Self {
        let strategies = tables.strategy_labels();
        let groups = region
            .pools()
            .iter()
            .map(|pool| UtilGroup {
                label: pool_heading(pool, region.responders_in(pool)),
                bars: strategies
                    .iter()
                    .enumerate()
                    .filter_map(|(slot, (name, _))| {
                        let r = region
                            .responders
                            .iter()
                            .find(|r| &r.pool == pool && &r.strategy == name)?;
                        Some(UtilBar {
                            slot,
                            utilisation: r.utilisation.filter(|u| u.is_finite()),
                            p90: r.queue_wait_p90_min.filter(|w| w.is_finite()),
                            calls: r.dispatched_calls,
                        })
                    })
                    .collect(),
            })
            .collect();
        Self {
            scenario: tables.run.scenario.name.clone(),
            periods: tables.periods_phrase(),
            strategies: strategies.into_iter().map(|s| s.1).collect(),
            groups,
        }
    }

    fn annotation(bar: &UtilBar) -> String {
        let util = bar
            .utilisation
            .map_or_else(|| "no capacity".to_string(), format_percent);
        match bar.p90 {
            Some(w) if bar.calls > 0 => {
                format!(
                    "{util} · p90 wait {} min",
                    format_fixed(w, decimals_for(w).min(1))
                )
            }
            _ => format!("{util} · no lockout calls"),
        }
    }
}

impl Figure for UtilisationFigure {
    const NAME: &'static str = "utilisation";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let body = draw_header(
            root,
            &format!("Responder utilisation: {}", self.scenario),
            &format!(
                "Busy time ÷ on-shift capacity per pool (lockouts and other calls), {}. \
                 Labels: utilisation and the 90th percentile queue wait of lockout calls.",
                self.periods
            ),
        )?;
        let legend: Vec<LegendItem> = self
            .strategies
            .iter()
            .enumerate()
            .map(|(i, s)| item(s, Swatch::Fill(colour(i))))
            .collect();
        let plot = draw_legend(root, &body, &legend)?;
        if self.groups.is_empty() {
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
        let max = self
            .groups
            .iter()
            .flat_map(|g| g.bars.iter().filter_map(|b| b.utilisation))
            .fold(0.0, f64::max);
        let x = Axis::linear(
            0.0,
            max.max(0.1),
            "utilisation (busy ÷ on-shift capacity)".into(),
            percent_tick,
        );
        let names: Vec<String> = self.groups.iter().map(|g| g.label.clone()).collect();
        let y = Axis::categories(&names);
        let note = text_style(NOTE_PX, INK);
        let mut widest = 0;
        for g in &self.groups {
            for b in &g.bars {
                widest = widest.max(text_width(root, &Self::annotation(b), &note)?);
            }
        }
        let left = category_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN + widest + 16, false)?;
        let n = self.groups.len();
        let band = 0.84;
        for (i, g) in self.groups.iter().enumerate() {
            let yc = row_y(i, n);
            let k = g.bars.len().max(1) as f64;
            let step = band / k;
            for (j, b) in g.bars.iter().enumerate() {
                let mid = yc + band / 2.0 - (j as f64 + 0.5) * step;
                let half = 0.4 * step;
                let u = b.utilisation.unwrap_or(0.0);
                if u > 0.0 {
                    rect(
                        &mut chart,
                        (0.0, mid - half),
                        (u.min(x.hi), mid + half),
                        colour(b.slot).filled(),
                    )?;
                }
                let end = px(&chart, u.min(x.hi), mid);
                put_text(
                    root,
                    &Self::annotation(b),
                    (end.0 + 8, end.1),
                    &note,
                    HPos::Left,
                    VPos::Center,
                )?;
            }
        }
        Ok(())
    }
}
