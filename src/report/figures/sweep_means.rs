//! `sweep_means` (sweep directories): mean time to access and mean total cost with their
//! intervals against the swept value, one line per strategy.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::schema::SweepRow;

use super::Figure;
use super::axis::{
    Axis, broken_line, build_chart, dot, from_zero, line, numeric_margin, panel_heading, px,
    sweep_x_axis,
};
use super::draw::{DrawResult, LegendItem, MARGIN, Swatch, colour, draw_header, draw_legend, item};
use super::sweep_label::sweep_parameter_label;

/// A mean with its interval at one swept value.
#[derive(Clone, Copy)]
struct MeanCi {
    mean: f64,
    low: f64,
    high: f64,
}

impl MeanCi {
    fn of(mean: Option<f64>, low: Option<f64>, high: Option<f64>) -> Option<MeanCi> {
        let (mean, low, high) = (mean?, low.or(mean)?, high.or(mean)?);
        [mean, low, high]
            .iter()
            .all(|x| x.is_finite())
            .then_some(MeanCi { mean, low, high })
    }
}

struct SweepMeansSeries {
    slot: usize,
    /// Per swept value: time to access and total cost.
    time: Vec<Option<MeanCi>>,
    cost: Vec<Option<MeanCi>>,
}

/// Mean time to access and mean total cost, with 95% intervals, against the swept value.
pub(super) struct SweepMeansFigure {
    title: String,
    /// The swept field's path, as given to `--set`.
    path: String,
    /// The swept field as people read it, with its unit: the x axis.
    parameter: String,
    currency: String,
    values: Vec<f64>,
    strategies: Vec<String>,
    series: Vec<SweepMeansSeries>,
}

impl SweepMeansFigure {
    pub(super) fn new(rows: &[SweepRow], scenario: Option<String>) -> Self {
        let mut values: Vec<f64> = Vec::new();
        let mut strategies: Vec<String> = Vec::new();
        for r in rows {
            if !values.contains(&r.value.number) {
                values.push(r.value.number);
            }
            if !strategies.contains(&r.strategy) {
                strategies.push(r.strategy.clone());
            }
        }
        values.sort_by(f64::total_cmp);
        let series = strategies
            .iter()
            .enumerate()
            .map(|(slot, name)| {
                // A region sweep repeats each strategy's row once per pool: the first will do.
                let at = |v: f64| {
                    rows.iter()
                        .find(|r| &r.strategy == name && r.value.number == v)
                };
                SweepMeansSeries {
                    slot,
                    time: values
                        .iter()
                        .map(|&v| {
                            let r = at(v)?;
                            MeanCi::of(
                                r.time_to_access_mean_min,
                                r.time_to_access_ci95_low_min,
                                r.time_to_access_ci95_high_min,
                            )
                        })
                        .collect(),
                    cost: values
                        .iter()
                        .map(|&v| {
                            let r = at(v)?;
                            MeanCi::of(
                                r.total_cost_mean,
                                r.total_cost_ci95_low,
                                r.total_cost_ci95_high,
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        Self {
            title: match scenario {
                Some(s) => format!("Sweep: {s}"),
                None => format!("Sweep of {}", rows[0].parameter),
            },
            path: rows[0].parameter.clone(),
            parameter: sweep_parameter_label(rows),
            currency: rows[0].currency.clone(),
            values,
            strategies,
            series,
        }
    }

    fn x_axis(&self) -> Axis {
        sweep_x_axis(&self.values, self.parameter.clone())
    }
}

impl Figure for SweepMeansFigure {
    const NAME: &'static str = "sweep_means";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let body = draw_header(
            root,
            &self.title,
            &format!(
                "Every value of {} run with the same seed; mean per incident with its 95% \
                 interval, one line per strategy ({} values).",
                self.path,
                self.values.len()
            ),
        )?;
        let legend: Vec<LegendItem> = self
            .strategies
            .iter()
            .enumerate()
            .map(|(i, s)| item(s, Swatch::Fill(colour(i))))
            .collect();
        let plot = draw_legend(root, &body, &legend)?;
        let (w, _) = plot.dim_in_pixel();
        let (left_area, right_area) = plot.split_horizontally((w / 2) as i32);
        let money = if self.currency.is_empty() {
            "total cost per incident".to_string()
        } else {
            format!("total cost per incident ({})", self.currency)
        };
        let panels: [(&DrawingArea<DB, Shift>, &str, String, bool); 2] = [
            (&left_area, "Time to access", "minutes".to_string(), true),
            (&right_area, "Total cost", money, false),
        ];
        for (area, heading, unit, is_time) in panels {
            let pick = |s: &SweepMeansSeries| {
                if is_time {
                    s.time.clone()
                } else {
                    s.cost.clone()
                }
            };
            let high = self
                .series
                .iter()
                .flat_map(|s| pick(s).into_iter().flatten().map(|m| m.high))
                .fold(0.0, f64::max);
            let x = self.x_axis();
            let y = from_zero(high, 1.0, unit);
            let (head, chart_area) = area.split_vertically(40);
            let left = numeric_margin(root, &y)?;
            let mut chart = build_chart(&chart_area, &x, &y, left, MARGIN, true)?;
            panel_heading(root, &chart, head.get_base_pixel().1, heading)?;
            // A small sideways offset per strategy keeps overlapping intervals apart.
            let n = self.series.len().max(1) as f64;
            let spread = if self.values.len() > 1 {
                (self.values[1] - self.values[0]).abs() * 0.12
            } else {
                0.3
            };
            for s in self.series.iter().rev() {
                let shift = if n > 1.0 {
                    spread * (s.slot as f64 / (n - 1.0) - 0.5)
                } else {
                    0.0
                };
                let points = pick(s);
                let pts: Vec<Option<(f64, f64)>> = self
                    .values
                    .iter()
                    .zip(&points)
                    .map(|(&v, m)| m.map(|m| (x.at(v + shift), m.mean)))
                    .collect();
                broken_line(&mut chart, &pts, colour(s.slot), 3, false)?;
                for (&v, m) in self.values.iter().zip(&points) {
                    if let Some(m) = m {
                        let at = x.at(v + shift);
                        line(
                            &mut chart,
                            vec![(at, m.low), (at, m.high)],
                            colour(s.slot).stroke_width(2),
                        )?;
                        dot(root, px(&chart, at, m.mean), colour(s.slot))?;
                    }
                }
            }
        }
        Ok(())
    }
}
