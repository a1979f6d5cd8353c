//! `calibration` (calibration directories): each target's observation against the model before
//! and after the fit, on one axis in units of the target's fit standard deviation, so shares,
//! minutes and rates sit side by side; the observation at 0 with its ±2 band. Also the reader of
//! a calibration directory's tables ([`CalibrationTables`]), which the page uses too.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::report::calibration::value;
use crate::report::format::format_fixed;

use super::Figure;
use super::axis::{Axis, build_chart, category_margin, line, px, rect, row_y};
use super::draw::{
    DrawResult, INK, LABEL_PX, MARGIN, MUTED, Marker, Swatch, colour, draw_header, draw_legend,
    draw_marker, item, put_text, text_style,
};
use super::read::{CheckRow, PlotError, finite, finite_opt, ordered, read_csv, read_text};
use crate::report::schema::{CalibrationManifest, CalibrationRow, ParameterFitRow};

/// The band of ±2 fit sd around the observation.
const BAND: RGBColor = RGBColor(232, 232, 232);

/// One target, standardised: (value − observed) / fit sd.
struct Row {
    label: String,
    before: Option<f64>,
    after: Option<[f64; 3]>,
    note: String,
}

/// Observed against simulated, before and after the fit.
pub(super) struct CalibrationFigure {
    scenario: String,
    sets: u64,
    incidents: u64,
    ess: f64,
    rows: Vec<Row>,
}

impl CalibrationFigure {
    pub(super) fn new(t: &CalibrationTables) -> Self {
        let rows = t
            .rows
            .iter()
            .map(|r| {
                let z = |x: f64| (x - r.observed) / r.fit_sd;
                Row {
                    label: r.target.clone(),
                    before: r.simulated_before.map(z),
                    after: match (
                        r.simulated_after,
                        r.simulated_after_p2_5,
                        r.simulated_after_p97_5,
                    ) {
                        (Some(m), Some(lo), Some(hi)) => Some([z(m), z(lo), z(hi)]),
                        _ => None,
                    },
                    note: format!(
                        "observed {}, after {}",
                        value(Some(r.observed), &r.unit),
                        value(r.simulated_after, &r.unit)
                    ),
                }
            })
            .collect();
        let first = &t.rows[0];
        Self {
            scenario: t.run.scenario.name.clone(),
            sets: first.parameter_sets,
            incidents: first.incidents_per_set,
            ess: first.effective_sample_size,
            rows,
        }
    }
}

impl Figure for CalibrationFigure {
    const NAME: &'static str = "calibration";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let values = self
            .rows
            .iter()
            .flat_map(|r| r.before.into_iter().chain(r.after.into_iter().flatten()));
        let (lo, hi) = values.fold((-3.0f64, 3.0f64), |(a, b), x| (a.min(x), b.max(x)));
        let pad = 0.05 * (hi - lo);
        let x = Axis::linear(
            lo - pad,
            hi + pad,
            "(simulated − observed) / fit sd (the source's error and the stated discrepancy; \
             0: the observation)"
                .into(),
            format_fixed,
        );
        let names: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        let y = Axis::categories(&names);
        let body = draw_header(
            root,
            &format!("Observed against simulated: {}", self.scenario),
            &format!(
                "Before: the scenario as written. After: mean and 95% interval over {} weighted \
                 parameter sets of {} incidents each (effective sample size {}).",
                format_fixed(self.sets as f64, 0),
                format_fixed(self.incidents as f64, 0),
                format_fixed(self.ess, 0)
            ),
        )?;
        let after = colour(0);
        let before = colour(1);
        let legend = [
            item(
                "before the fit",
                Swatch::Mark(Marker::Circle, before, false),
            ),
            item(
                "after the fit (95% interval)",
                Swatch::Mark(Marker::Circle, after, true),
            ),
            item("within 2 fit sd of the observation", Swatch::Fill(BAND)),
        ];
        let plot = draw_legend(root, &body, &legend)?;
        let left = category_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN + 330, false)?;
        rect(&mut chart, (-2.0, y.lo), (2.0, y.hi), BAND.filled())?;
        line(
            &mut chart,
            vec![(0.0, y.lo), (0.0, y.hi)],
            INK.stroke_width(2),
        )?;
        let n = self.rows.len();
        let style = text_style(LABEL_PX, MUTED);
        for (i, r) in self.rows.iter().enumerate() {
            let yc = row_y(i, n);
            if let Some([m, lo, hi]) = r.after {
                line(&mut chart, vec![(lo, yc), (hi, yc)], after.stroke_width(4))?;
                draw_marker(root, Marker::Circle, px(&chart, m, yc), after, true)?;
            }
            // Before sits a little off the row, so that an unchanged value stays visible.
            if let Some(b) = r.before {
                draw_marker(
                    root,
                    Marker::Circle,
                    px(&chart, b, yc + 0.22),
                    before,
                    false,
                )?;
            }
            let right = px(&chart, x.hi, yc);
            put_text(
                root,
                &r.note,
                (right.0 + 12, right.1),
                &style,
                HPos::Left,
                VPos::Center,
            )?;
        }
        Ok(())
    }
}

impl CheckRow for CalibrationRow {
    fn check(&self) -> Result<(), String> {
        finite(&[
            ("observed", self.observed),
            ("observed_se", self.observed_se),
            ("fit_sd", self.fit_sd),
            ("effective_sample_size", self.effective_sample_size),
        ])?;
        finite_opt(&[
            ("simulated_before", self.simulated_before),
            ("simulated_after", self.simulated_after),
            ("simulated_after_p2_5", self.simulated_after_p2_5),
            ("simulated_after_p97_5", self.simulated_after_p97_5),
            (
                "standardised_residual_after",
                self.standardised_residual_after,
            ),
        ])?;
        if self.fit_sd <= 0.0 {
            return Err(format!("column `fit_sd`: {} is not above 0", self.fit_sd));
        }
        ordered(&[
            ("simulated_after_p2_5", self.simulated_after_p2_5),
            ("simulated_after_p97_5", self.simulated_after_p97_5),
        ])
    }
}

impl CheckRow for ParameterFitRow {
    fn check(&self) -> Result<(), String> {
        finite(&[
            ("prior_mean", self.prior_mean),
            ("prior_sd", self.prior_sd),
            ("prior_p2_5", self.prior_p2_5),
            ("prior_p97_5", self.prior_p97_5),
            ("posterior_mean", self.posterior_mean),
            ("posterior_sd", self.posterior_sd),
            ("posterior_p2_5", self.posterior_p2_5),
            ("posterior_p97_5", self.posterior_p97_5),
            ("sd_ratio", self.sd_ratio),
            ("effective_sample_size", self.effective_sample_size),
        ])?;
        ordered(&[
            ("posterior_p2_5", Some(self.posterior_p2_5)),
            ("posterior_p97_5", Some(self.posterior_p97_5)),
        ])
    }
}

/// Everything read from the results directory of `lockout calibrate`.
#[derive(Debug, Clone)]
pub struct CalibrationTables {
    /// `run.json`.
    pub run: CalibrationManifest,
    /// `calibration.csv`, in target order.
    pub rows: Vec<CalibrationRow>,
    /// `parameters.csv`, in parameter order.
    pub parameters: Vec<ParameterFitRow>,
}

impl CalibrationTables {
    /// Reads `run.json`, `calibration.csv` and `parameters.csv` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, PlotError> {
        let run_path = dir.join("run.json");
        let run: CalibrationManifest =
            serde_json::from_str(&read_text(&run_path)?).map_err(|e| PlotError::BadManifest {
                path: run_path.clone(),
                message: e.to_string(),
            })?;
        let rows: Vec<CalibrationRow> = read_csv(&dir.join("calibration.csv"))?;
        if rows.is_empty() {
            return Err(PlotError::BadTable {
                path: dir.join("calibration.csv"),
                message: "no targets".into(),
            });
        }
        let parameters = read_csv(&dir.join("parameters.csv"))?;
        Ok(Self {
            run,
            rows,
            parameters,
        })
    }
}
