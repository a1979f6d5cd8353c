//! `resolution_shares`: which remedy got the keys back, per strategy, with the damage share.

use std::collections::HashMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::report::format::{format_percent, percent_tick};
use crate::report::schema::RemedyRow;

use super::Figure;
use super::axis::{Axis, build_chart, category_margin, px, rect, row_y};
use super::draw::{
    DrawResult, INK, LegendItem, MARGIN, NOTE_PX, PALETTE, Swatch, capitalise, draw_header,
    draw_legend, item, put_text, sample_phrase, strategy_label, text_style, text_width,
};
use super::read::Tables;

struct ResolutionRow {
    name: String,
    /// Resolved share per remedy, indexed like `ResolutionFigure::remedies`.
    resolved: Vec<f64>,
    damage: f64,
}

pub(super) struct ResolutionFigure {
    scenario: String,
    sample: String,
    remedies: Vec<String>,
    rows: Vec<ResolutionRow>,
}

const FALLBACK: &str = "fallback";
const FALLBACK_COLOUR: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// Merges each strategy's remedy list (each in scenario order) into one list in scenario
/// order: a remedy not seen yet goes right after its predecessor in the list that has it.
/// `fallback` always comes last.
fn merge_remedy_order(lists: &[Vec<&str>]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for list in lists {
        let mut prev: Option<usize> = None;
        for &r in list.iter().filter(|r| **r != FALLBACK) {
            match order.iter().position(|o| o == r) {
                Some(p) => prev = Some(p),
                None => {
                    let at = prev.map_or(0, |p| p + 1);
                    order.insert(at, r.to_string());
                    prev = Some(at);
                }
            }
        }
    }
    if lists.iter().flatten().any(|r| *r == FALLBACK) {
        order.push(FALLBACK.to_string());
    }
    order
}

impl ResolutionFigure {
    pub(super) fn new(tables: &Tables) -> Self {
        let baseline = tables.baseline().strategy.clone();
        let per_strategy: Vec<Vec<&RemedyRow>> = tables
            .summary
            .iter()
            .map(|s| {
                tables
                    .remedies
                    .iter()
                    .filter(|r| r.strategy == s.strategy)
                    .collect()
            })
            .collect();
        let lists: Vec<Vec<&str>> = per_strategy
            .iter()
            .map(|rows| rows.iter().map(|r| r.remedy.as_str()).collect())
            .collect();
        let remedies = merge_remedy_order(&lists);
        let index: HashMap<&str, usize> = remedies
            .iter()
            .enumerate()
            .map(|(i, r)| (r.as_str(), i))
            .collect();
        let rows = tables
            .summary
            .iter()
            .zip(&per_strategy)
            .map(|(s, rows)| {
                let mut resolved = vec![0.0; remedies.len()];
                for r in rows {
                    resolved[index[r.remedy.as_str()]] += r.resolved_share;
                }
                ResolutionRow {
                    name: strategy_label(s, &baseline),
                    resolved,
                    damage: rows.iter().map(|r| r.damage_share).sum(),
                }
            })
            .collect();
        Self {
            scenario: tables.run.scenario.name.clone(),
            sample: sample_phrase(tables),
            remedies,
            rows,
        }
    }

    /// Okabe–Ito without black (black marks damage); past seven remedies the same hues
    /// come again as dark shades (tints would be confused with sky blue and orange), so no
    /// two remedies share a colour.
    fn remedy_colour(&self, i: usize) -> RGBColor {
        if self.remedies[i] == FALLBACK {
            return FALLBACK_COLOUR;
        }
        let hues: Vec<RGBColor> = PALETTE.into_iter().filter(|c| *c != BLACK).collect();
        let RGBColor(r, g, b) = hues[i % hues.len()];
        if (i / hues.len()).is_multiple_of(2) {
            RGBColor(r, g, b)
        } else {
            RGBColor(r / 2, g / 2, b / 2)
        }
    }

    fn remedy_label(&self, i: usize) -> String {
        if self.remedies[i] == FALLBACK {
            "fallback (unresolved by any remedy)".to_string()
        } else {
            self.remedies[i].clone()
        }
    }
}

/// Black or white, whichever reads better on `bg`.
fn text_on(bg: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = bg;
    let luma = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luma > 140.0 { INK } else { WHITE }
}

impl Figure for ResolutionFigure {
    const NAME: &'static str = "resolution_shares";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let x = Axis::linear(0.0, 1.0, "share of incidents".into(), percent_tick);
        let names: Vec<String> = self.rows.iter().map(|r| r.name.clone()).collect();
        let y = Axis::categories(&names);
        let body = draw_header(
            root,
            &format!("Which remedy got the keys back: {}", self.scenario),
            &format!(
                "Share of incidents ended by each remedy; thin black bar: damage events per incident. {}.",
                capitalise(&self.sample)
            ),
        )?;
        let mut legend: Vec<LegendItem> = (0..self.remedies.len())
            .map(|i| item(self.remedy_label(i), Swatch::Fill(self.remedy_colour(i))))
            .collect();
        legend.push(item("damage events (share of incidents)", Swatch::ThinBar));
        let plot = draw_legend(root, &body, &legend)?;
        let note = text_style(NOTE_PX, INK);
        let damage_text: Vec<String> = self
            .rows
            .iter()
            .map(|r| format!("damage {}", format_percent(r.damage)))
            .collect();
        let mut widest = 0;
        for t in &damage_text {
            widest = widest.max(text_width(root, t, &note)?);
        }
        let left = category_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN + widest + 16, false)?;
        let n = self.rows.len();
        for (i, row) in self.rows.iter().enumerate() {
            let yc = row_y(i, n);
            let (top, bottom) = (yc + 0.34, yc - 0.08);
            let mut start = 0.0;
            for (k, &share) in row.resolved.iter().enumerate() {
                if share <= 0.0 {
                    continue;
                }
                let end = (start + share).min(1.0);
                let c = self.remedy_colour(k);
                rect(&mut chart, (start, bottom), (end, top), c.filled())?;
                rect(
                    &mut chart,
                    (start, bottom),
                    (end, top),
                    WHITE.stroke_width(1),
                )?;
                let label = format_percent(share);
                let (a, b) = (px(&chart, start, yc), px(&chart, end, yc));
                let w = text_width(root, &label, &note)?;
                if b.0 - a.0 > w + 10 {
                    let mid = px(&chart, start, (top + bottom) / 2.0).1;
                    put_text(
                        root,
                        &label,
                        ((a.0 + b.0) / 2, mid),
                        &text_style(NOTE_PX, text_on(c)),
                        HPos::Center,
                        VPos::Center,
                    )?;
                }
                start = end;
            }
            let (d0, d1) = (yc - 0.34, yc - 0.22);
            if row.damage > 0.0 {
                rect(
                    &mut chart,
                    (0.0, d0),
                    (row.damage.min(1.0), d1),
                    INK.filled(),
                )?;
            }
            // In the right margin, a column of its own: never on top of the bars.
            let at = px(&chart, 1.0, (d0 + d1) / 2.0);
            put_text(
                root,
                &damage_text[i],
                (at.0 + 10, at.1),
                &note,
                HPos::Left,
                VPos::Center,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remedy_order_is_merged_from_subsets() {
        let a = vec!["locksmith", "break window", "fallback"];
        let b = vec!["spare key", "locksmith", "fallback"];
        let c = vec!["key box", "roadside", "break window"];
        assert_eq!(
            merge_remedy_order(&[a, b, c]),
            [
                "key box",
                "roadside",
                "spare key",
                "locksmith",
                "break window",
                "fallback"
            ]
        );
    }
}
