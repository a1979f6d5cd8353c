//! `staffing` (sweep directories of a region): p90 and p50 queue wait and utilisation against
//! the swept value, per pool. The x axis names the swept field as people read it (the pool and
//! what of it is swept); the subtitle gives its path. No target line: a scenario states no wait
//! target or service level (`[region]` and its pools have no such field).

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::format::percent_tick;
use crate::report::schema::SweepRow;

use super::Figure;
use super::axis::{
    Axis, broken_line, build_chart, dot, from_zero, numeric_margin, panel_heading, px, sweep_x_axis,
};
use super::draw::{
    DrawResult, INK, LegendItem, MARGIN, Swatch, colour, draw_header, draw_legend, item,
};
use super::sweep_label::sweep_parameter_label;

struct StaffingSeries {
    slot: usize,
    /// Per swept value (indexed like `StaffingFigure::values`).
    p50: Vec<Option<f64>>,
    p90: Vec<Option<f64>>,
    utilisation: Vec<Option<f64>>,
}

struct StaffingPool {
    pool: String,
    series: Vec<StaffingSeries>,
}

pub(super) struct StaffingFigure {
    title: String,
    /// The swept field's path, as given to `--set`.
    path: String,
    /// The swept field as people read it (pool and what is swept, with its unit): the x axis.
    parameter: String,
    values: Vec<f64>,
    strategies: Vec<String>,
    pools: Vec<StaffingPool>,
}

impl StaffingFigure {
    pub(super) fn new(rows: &[SweepRow], scenario: Option<String>) -> Self {
        let mut values: Vec<f64> = Vec::new();
        let mut strategies: Vec<String> = Vec::new();
        let mut pools: Vec<String> = Vec::new();
        for r in rows {
            if !values.contains(&r.value.number) {
                values.push(r.value.number);
            }
            if !strategies.contains(&r.strategy) {
                strategies.push(r.strategy.clone());
            }
            if !r.pool.is_empty() && !pools.contains(&r.pool) {
                pools.push(r.pool.clone());
            }
        }
        values.sort_by(f64::total_cmp);
        let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
        let pools = pools
            .into_iter()
            .map(|pool| {
                let series = strategies
                    .iter()
                    .enumerate()
                    .map(|(slot, name)| {
                        let at = |v: f64| {
                            rows.iter().rev().find(|r| {
                                r.pool == pool && &r.strategy == name && r.value.number == v
                            })
                        };
                        StaffingSeries {
                            slot,
                            p50: values
                                .iter()
                                .map(|&v| finite(at(v)?.queue_wait_p50_min))
                                .collect(),
                            p90: values
                                .iter()
                                .map(|&v| finite(at(v)?.queue_wait_p90_min))
                                .collect(),
                            utilisation: values
                                .iter()
                                .map(|&v| finite(at(v)?.utilisation))
                                .collect(),
                        }
                    })
                    .collect();
                StaffingPool { pool, series }
            })
            .collect();
        Self {
            title: match scenario {
                Some(s) => format!("Staffing: {s}"),
                None => format!("Staffing: sweep of {}", rows[0].parameter),
            },
            path: rows[0].parameter.clone(),
            parameter: sweep_parameter_label(rows),
            values,
            strategies,
            pools,
        }
    }

    /// Ticks at the swept values when there are few, else round ticks.
    fn x_axis(&self, desc: String) -> Axis {
        sweep_x_axis(&self.values, desc)
    }
}

impl Figure for StaffingFigure {
    const NAME: &'static str = "staffing";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let body = draw_header(
            root,
            &self.title,
            &format!(
                "Each value of {} run with the same seed; queue wait of lockout calls (call to \
                 dispatch) and utilisation per responder pool.",
                self.path
            ),
        )?;
        let mut legend: Vec<LegendItem> = self
            .strategies
            .iter()
            .enumerate()
            .map(|(i, s)| item(s, Swatch::Fill(colour(i))))
            .collect();
        legend.push(item("p90 queue wait", Swatch::Line(INK, false)));
        legend.push(item("p50 queue wait", Swatch::Line(INK, true)));
        let plot = draw_legend(root, &body, &legend)?;
        let (w, h) = plot.dim_in_pixel();
        let row_h = h / self.pools.len() as u32;
        let split = (f64::from(w) * 0.58) as i32;
        for (r, pool) in self.pools.iter().enumerate() {
            let (_, below) = plot.split_vertically((r as u32 * row_h) as i32);
            let (row_area, _) = below.split_vertically(row_h as i32);
            let (wait_area, util_area) = row_area.split_horizontally(split);
            let last = r + 1 == self.pools.len();
            let desc = if last {
                self.parameter.clone()
            } else {
                String::new()
            };
            let x = self.x_axis(desc.clone());
            let all = |f: &dyn Fn(&StaffingSeries) -> &Vec<Option<f64>>| {
                pool.series
                    .iter()
                    .flat_map(|s| f(s).iter().flatten().copied())
                    .fold(0.0, f64::max)
            };
            // Queue wait panel.
            let wait_max = all(&|s| &s.p90).max(all(&|s| &s.p50));
            let y = from_zero(wait_max, 1.0, "queue wait (minutes)".into());
            let (head, area) = wait_area.split_vertically(40);
            let left = numeric_margin(root, &y)?;
            let mut chart = build_chart(&area, &x, &y, left, 20, true)?;
            panel_heading(
                root,
                &chart,
                head.get_base_pixel().1,
                &format!("{}: queue wait", pool.pool),
            )?;
            // The first strategy (the baseline) last, on top.
            for s in pool.series.iter().rev() {
                for (values, dash) in [(&s.p50, true), (&s.p90, false)] {
                    let pts: Vec<Option<(f64, f64)>> = self
                        .values
                        .iter()
                        .zip(values)
                        .map(|(&v, w)| w.map(|w| (x.at(v), w)))
                        .collect();
                    broken_line(&mut chart, &pts, colour(s.slot), 3, dash)?;
                }
            }
            for s in pool.series.iter().rev() {
                for (&v, w) in self.values.iter().zip(&s.p90) {
                    if let Some(w) = w {
                        dot(root, px(&chart, x.at(v), *w), colour(s.slot))?;
                    }
                }
            }
            // Utilisation panel.
            let y = Axis::linear(
                0.0,
                all(&|s| &s.utilisation).max(0.1),
                "utilisation".into(),
                percent_tick,
            );
            let (head, area) = util_area.split_vertically(40);
            let left = numeric_margin(root, &y)?;
            let mut chart = build_chart(&area, &x, &y, left, MARGIN, true)?;
            panel_heading(
                root,
                &chart,
                head.get_base_pixel().1,
                &format!("{}: utilisation", pool.pool),
            )?;
            for s in pool.series.iter().rev() {
                let pts: Vec<Option<(f64, f64)>> = self
                    .values
                    .iter()
                    .zip(&s.utilisation)
                    .map(|(&v, u)| u.map(|u| (x.at(v), u)))
                    .collect();
                broken_line(&mut chart, &pts, colour(s.slot), 3, false)?;
                for p in pts.iter().flatten() {
                    dot(root, px(&chart, p.0, p.1), colour(s.slot))?;
                }
            }
        }
        Ok(())
    }
}
