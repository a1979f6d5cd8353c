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
    /// Remedy names in scenario order (the order of `remedies.csv`), fallbacks last.
    remedies: Vec<String>,
    /// Their labels, as the legend shows them.
    labels: Vec<String>,
    /// Whether each ended an incident under some strategy: only those are in the legend.
    resolves: Vec<bool>,
    rows: Vec<ResolutionRow>,
}

/// `remedies.csv` names the fallback row `fallback`, or `fallback: NAME` with several.
const FALLBACK: &str = "fallback";
/// Greys for the fallbacks, in their order (one fallback: the first).
const FALLBACK_GREYS: [u8; 3] = [0x99, 0x70, 0xC0];

fn is_fallback(name: &str) -> bool {
    name == FALLBACK || name.starts_with("fallback: ")
}

/// Merges each strategy's remedy list (each in scenario order) into one list in scenario
/// order: a remedy not seen yet goes right after its predecessor in the list that has it.
/// The fallback rows (`fallback`, or one `fallback: NAME` each) always come last, in order.
fn merge_remedy_order(lists: &[Vec<&str>]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for list in lists {
        let mut prev: Option<usize> = None;
        for &r in list.iter().filter(|r| !is_fallback(r)) {
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
    for &r in lists.iter().flatten().filter(|r| is_fallback(r)) {
        if !order.iter().any(|o| o == r) {
            order.push(r.to_string());
        }
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
        let rows: Vec<ResolutionRow> = tables
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
        let labels = remedies
            .iter()
            .map(|name| {
                let label = tables
                    .remedies
                    .iter()
                    .find(|r| &r.remedy == name)
                    .map_or(name.as_str(), |r| r.label.as_str());
                if is_fallback(name) {
                    format!("fallback: {label} (no remedy worked)")
                } else {
                    label.to_string()
                }
            })
            .collect();
        let resolves = (0..remedies.len())
            .map(|k| rows.iter().any(|r| r.resolved[k] > 0.0))
            .collect();
        Self {
            scenario: tables.run.scenario.name.clone(),
            sample: sample_phrase(tables),
            remedies,
            labels,
            resolves,
            rows,
        }
    }

    /// Okabe–Ito without black (black marks damage), by the remedy's place in the scenario, so
    /// a remedy has the same colour in every figure and report of its scenario: the seven hues,
    /// then the same hues as dark shades, then as light tints (21 in all before they repeat).
    fn remedy_colour(&self, i: usize) -> RGBColor {
        if is_fallback(&self.remedies[i]) {
            let k = self.remedies[..i].iter().filter(|r| is_fallback(r)).count();
            let g = FALLBACK_GREYS[k % FALLBACK_GREYS.len()];
            return RGBColor(g, g, g);
        }
        let hues: Vec<RGBColor> = PALETTE.into_iter().filter(|c| *c != BLACK).collect();
        let RGBColor(r, g, b) = hues[i % hues.len()];
        match (i / hues.len()) % 3 {
            0 => RGBColor(r, g, b),
            1 => RGBColor(r / 2, g / 2, b / 2),
            _ => RGBColor(r / 2 + 128, g / 2 + 128, b / 2 + 128),
        }
    }

    /// Labels of the remedies that ended no incident under any strategy (they only open the
    /// cabin, or never worked here), named in a note of the legend instead of a colour.
    fn never_resolving(&self) -> Vec<&str> {
        (0..self.remedies.len())
            .filter(|&k| !self.resolves[k])
            .map(|k| self.labels[k].as_str())
            .collect()
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
            .filter(|&i| self.resolves[i])
            .map(|i| item(self.labels[i].clone(), Swatch::Fill(self.remedy_colour(i))))
            .collect();
        legend.push(item("damage events (share of incidents)", Swatch::ThinBar));
        let never = self.never_resolving();
        if !never.is_empty() {
            legend.push(item(
                format!("never ended an incident: {}", never.join(", ")),
                Swatch::Note,
            ));
        }
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
            // In the right margin, a column of its own, level with its strategy's bar.
            let at = px(&chart, 1.0, (top + bottom) / 2.0);
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
        // Several fallbacks stay last, in their order.
        let d = vec!["spare key", "fallback: tow", "fallback: new key"];
        let e = vec![
            "roadside",
            "spare key",
            "fallback: tow",
            "fallback: new key",
        ];
        assert_eq!(
            merge_remedy_order(&[d, e]),
            [
                "roadside",
                "spare key",
                "fallback: tow",
                "fallback: new key"
            ]
        );
    }
}
