//! `annual_cost`: expected annual cost per vehicle, prevention and incident cost stacked, with
//! their confidence intervals, best first.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::report::format::{format_auto, format_fixed, format_trimmed};

use super::Figure;
use super::axis::{Axis, build_chart, category_margin, line, px, rect, row_y};
use super::draw::{
    DrawResult, INK, LABEL_PX, MARGIN, Swatch, colour, draw_header, draw_legend, item, put_text,
    strategy_label, text_style, text_width,
};
use super::read::Tables;

struct AnnualBar {
    name: String,
    prevention: f64,
    incident: f64,
    total: f64,
    low: f64,
    high: f64,
}

pub(super) struct AnnualFigure {
    scenario: String,
    currency: String,
    money: String,
    value_of_time: String,
    bars: Vec<AnnualBar>,
}

impl AnnualFigure {
    pub(super) fn new(tables: &Tables) -> Self {
        let baseline = tables.baseline().strategy.clone();
        let mut bars: Vec<AnnualBar> = tables
            .summary
            .iter()
            .map(|r| AnnualBar {
                name: strategy_label(r, &baseline),
                prevention: r.prevention_cost_per_year,
                incident: r.incident_cost_per_vehicle_year,
                total: r.annual_cost_per_vehicle,
                low: r.annual_cost_per_vehicle_ci95_low,
                high: r.annual_cost_per_vehicle_ci95_high,
            })
            .collect();
        // Stable sort: ties keep scenario order.
        bars.sort_by(|a, b| a.total.total_cmp(&b.total));
        Self {
            scenario: tables.run.scenario.name.clone(),
            currency: tables.currency().to_string(),
            money: tables.money_unit(),
            value_of_time: format_trimmed(tables.summary[0].value_of_time_per_hour),
            bars,
        }
    }
}

impl Figure for AnnualFigure {
    const NAME: &'static str = "annual_cost";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let max = self
            .bars
            .iter()
            .map(|b| b.high.max(b.total).max(b.prevention + b.incident))
            .fold(0.0, f64::max);
        let min = self.bars.iter().map(|b| b.low.min(0.0)).fold(0.0, f64::min);
        let x = Axis::linear(
            min,
            if max > 0.0 { max } else { 1.0 },
            format!("expected cost per vehicle and year ({})", self.money),
            format_fixed,
        );
        let names: Vec<String> = self.bars.iter().map(|b| b.name.clone()).collect();
        let y = Axis::categories(&names);
        let body = draw_header(
            root,
            &format!("Expected annual cost per vehicle: {}", self.scenario),
            &format!(
                "Lowest first. Incident cost = incidents per vehicle-year × total cost per incident (time valued at {} {} per hour).",
                self.currency, self.value_of_time
            ),
        )?;
        let legend = [
            item("prevention cost per year", Swatch::Fill(colour(0))),
            item("expected incident cost per year", Swatch::Fill(colour(3))),
            item("95% confidence interval of the total", Swatch::Interval),
        ];
        let plot = draw_legend(root, &body, &legend)?;
        let value_text: Vec<String> = self
            .bars
            .iter()
            .map(|b| format!("{} {}", self.currency, format_auto(b.total)))
            .collect();
        let style = text_style(LABEL_PX, INK);
        let mut widest = 0;
        for t in &value_text {
            widest = widest.max(text_width(root, t, &style)?);
        }
        let left = category_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN + widest + 16, false)?;
        let n = self.bars.len();
        for (i, b) in self.bars.iter().enumerate() {
            let yc = row_y(i, n);
            let h = 0.3;
            let split = b.prevention;
            rect(
                &mut chart,
                (0.0, yc - h),
                (split, yc + h),
                colour(0).filled(),
            )?;
            rect(
                &mut chart,
                (split, yc - h),
                (split + b.incident, yc + h),
                colour(3).filled(),
            )?;
            let ink = INK.stroke_width(2);
            line(&mut chart, vec![(b.low, yc), (b.high, yc)], ink)?;
            for cap in [b.low, b.high] {
                line(&mut chart, vec![(cap, yc - 0.12), (cap, yc + 0.12)], ink)?;
            }
            let end = px(&chart, b.high.max(split + b.incident), yc);
            put_text(
                root,
                &value_text[i],
                (end.0 + 10, end.1),
                &style,
                HPos::Left,
                VPos::Center,
            )?;
        }
        Ok(())
    }
}
