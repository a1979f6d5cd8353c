//! Figures drawn from a results directory's tables.
//!
//! The tables written by `lockout run` (`summary.csv`, `remedies.csv`, `distributions.csv` and
//! `run.json`) are the only input: nothing here knows about the simulator. [`draw_figures`]
//! reads them with [`Tables::load`] and writes every figure twice, as PNG (for documents) and
//! as SVG (for print), beside the tables. Each figure is prepared as plain data first (where
//! the tables are checked) and then drawn by one generic function over plotters'
//! [`DrawingBackend`], called once per backend, so the PNG and the SVG cannot drift apart.
//!
//! Text is set in the DejaVu Sans font bundled in `assets/fonts/`, registered once, so the
//! figures look the same on every machine whatever fonts are installed. Colours come from the
//! Okabe–Ito palette, which stays distinguishable for colour-blind readers. Drawing is
//! deterministic: the same tables always give byte-identical files.
//!
//! [`read`] reads and checks the tables, `draw` holds the fonts, palette, text, legend and
//! markers, `axis` the scales, ticks and charts, `sweep_label` the swept field as people read
//! it; every figure is a file of its own, named after it.

mod annual;
mod axis;
pub mod calibration;
mod cdf;
mod convergence;
mod cost;
mod difference;
mod draw;
mod ep_curve;
mod probability_cheapest;
pub mod read;
mod resolution;
mod staffing;
mod sweep_label;
mod sweep_means;
mod tornado;
mod utilisation;
mod waits;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::schema::{SweepManifest, SweepRow};

use annual::AnnualFigure;
use calibration::CalibrationFigure;
use calibration::CalibrationTables;
use cdf::CdfFigure;
use convergence::ConvergenceFigure;
use cost::CostFigure;
use difference::DifferenceFigure;
use draw::{DrawResult, de, register_fonts};
use ep_curve::EpFigure;
use probability_cheapest::CheapestFigure;
use read::UncertaintyTables;
use read::{PlotError, Tables, read_csv, read_text};
use resolution::ResolutionFigure;
use staffing::StaffingFigure;
use sweep_means::SweepMeansFigure;
use tornado::TornadoFigure;
use utilisation::UtilisationFigure;
use waits::WaitsFigure;

/// Size of every figure in pixels (width, height); the SVG uses the same user units.
pub const FIGURE_SIZE_PX: (u32, u32) = (1600, 1000);

/// The figures [`draw_figures`] writes, by file stem, in the order the report shows them.
pub const FIGURE_NAMES: [&str; 5] = [
    "time_to_access_cdf",
    "cost_distribution",
    "annual_cost",
    "difference_vs_baseline",
    "resolution_shares",
];

/// The figures [`draw_figures`] adds for region runs (directories with `ep_curve.csv`), by
/// file stem, in the order the report shows them after [`FIGURE_NAMES`].
pub const REGION_FIGURE_NAMES: [&str; 3] = ["ep_curve", "responder_waits", "utilisation"];

/// The figures [`draw_sweep_figures`] writes for a sweep directory: `sweep_means` always,
/// `staffing` when the swept scenario has responder pools.
pub const SWEEP_FIGURE_NAMES: [&str; 2] = ["sweep_means", "staffing"];

/// The figures [`draw_uncertainty_figures`] writes for a `lockout uncertainty` directory, in
/// the order its report shows them.
pub const UNCERTAINTY_FIGURE_NAMES: [&str; 3] = ["probability_cheapest", "tornado", "convergence"];

/// The figures of a `lockout calibrate` directory.
pub const CALIBRATION_FIGURE_NAMES: [&str; 1] = ["calibration"];

/// Reads the tables of a `lockout calibrate` directory (`calibration.csv`, `parameters.csv`,
/// `run.json`) and writes every figure of [`CALIBRATION_FIGURE_NAMES`] beside them, as PNG and
/// SVG. Returns the written paths.
pub fn draw_calibration_figures(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    register_fonts()?;
    let tables = CalibrationTables::load(dir)?;
    Ok(write_both(dir, &CalibrationFigure::new(&tables))?.to_vec())
}

/// Reads the tables of a `lockout uncertainty` directory (`decision.csv`, `sensitivity.csv`,
/// `draws.csv`, `run.json`) and writes every figure of [`UNCERTAINTY_FIGURE_NAMES`] beside
/// them, as PNG and SVG. Returns the written paths.
pub fn draw_uncertainty_figures(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    register_fonts()?;
    let tables = UncertaintyTables::load(dir)?;
    let mut written = Vec::new();
    written.extend(write_both(dir, &CheapestFigure::new(&tables))?);
    written.extend(write_both(dir, &TornadoFigure::new(&tables))?);
    written.extend(write_both(dir, &ConvergenceFigure::new(&tables))?);
    Ok(written)
}

/// Reads the tables in `dir` and writes every figure of [`FIGURE_NAMES`] into `dir`, as
/// `NAME.png` and `NAME.svg`, and for a region run those of [`REGION_FIGURE_NAMES`] too.
/// Returns the written paths, PNG before SVG for each figure.
pub fn draw_figures(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    register_fonts()?;
    let tables = Tables::load(dir)?;
    let mut written = Vec::new();
    written.extend(write_both(dir, &CdfFigure::new(&tables)?)?);
    written.extend(write_both(dir, &CostFigure::new(&tables)?)?);
    written.extend(write_both(dir, &AnnualFigure::new(&tables))?);
    written.extend(write_both(dir, &DifferenceFigure::new(&tables))?);
    written.extend(write_both(dir, &ResolutionFigure::new(&tables))?);
    if let Some(region) = &tables.region {
        written.extend(write_both(dir, &EpFigure::new(&tables, region)?)?);
        written.extend(write_both(dir, &WaitsFigure::new(&tables, region))?);
        written.extend(write_both(dir, &UtilisationFigure::new(&tables, region))?);
    }
    Ok(written)
}

/// Reads `dir/sweep.csv` (written by `lockout sweep`) and writes the [`SWEEP_FIGURE_NAMES`]
/// figure `staffing` as PNG and SVG beside it: per responder pool, the p90 and p50 queue wait
/// and the utilisation against the swept value, one line per strategy. A sweep of an
/// incident-level scenario has no pools: nothing is drawn and the list is empty. The title
/// names the scenario when a `run.json` lies beside the table.
pub fn draw_sweep_figures(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    register_fonts()?;
    let path = dir.join("sweep.csv");
    let rows: Vec<SweepRow> = read_csv(&path)?;
    if rows.is_empty() {
        return Err(PlotError::BadTable {
            path,
            message: "no runs (the table has a header but no rows)".into(),
        });
    }
    if let Some(other) = rows.iter().find(|r| r.parameter != rows[0].parameter) {
        return Err(PlotError::BadTable {
            path,
            message: format!(
                "more than one swept parameter (`{}` and `{}`)",
                rows[0].parameter, other.parameter
            ),
        });
    }
    if let Some(bad) = rows.iter().find(|r| !r.value.number.is_finite()) {
        return Err(PlotError::BadTable {
            path,
            message: format!(
                "value {} of `{}` cannot be drawn",
                bad.value.number, bad.parameter
            ),
        });
    }
    let run_path = dir.join("run.json");
    let scenario = if run_path.exists() {
        let text = read_text(&run_path)?;
        let run: SweepManifest =
            serde_json::from_str(&text).map_err(|e| PlotError::BadManifest {
                path: run_path.clone(),
                message: e.to_string(),
            })?;
        Some(run.scenario.name)
    } else {
        None
    };
    let mut written = write_both(dir, &SweepMeansFigure::new(&rows, scenario.clone()))?.to_vec();
    if rows.iter().any(|r| !r.pool.is_empty()) {
        written.extend(write_both(dir, &StaffingFigure::new(&rows, scenario))?);
    }
    Ok(written)
}

/// A figure prepared from the tables, drawable on any plotters backend.
trait Figure {
    /// File stem.
    const NAME: &'static str;
    /// Draws the whole figure on `root` (which covers the full canvas).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult;
}

/// Draws `figure` once with the PNG backend and once with the SVG backend.
fn write_both<F: Figure>(dir: &Path, figure: &F) -> Result<[PathBuf; 2], PlotError> {
    let png = dir.join(format!("{}.png", F::NAME));
    let svg = dir.join(format!("{}.svg", F::NAME));
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |message| PlotError::Draw { path, message }
    };
    // Each file is drawn under a temporary name and renamed: a full disk or a failed drawing
    // never leaves a truncated figure in place of a good one.
    super::output::write_atomically(&png, |tmp| {
        let root = BitMapBackend::new(tmp, FIGURE_SIZE_PX).into_drawing_area();
        draw_on(&root, figure).map_err(failed(&png))
    })?;
    super::output::write_atomically(&svg, |tmp| {
        let root = SVGBackend::new(tmp, FIGURE_SIZE_PX).into_drawing_area();
        draw_on(&root, figure).map_err(failed(&svg))
    })?;
    Ok([png, svg])
}

fn draw_on<DB: DrawingBackend, F: Figure>(root: &DrawingArea<DB, Shift>, figure: &F) -> DrawResult {
    root.fill(&WHITE).map_err(de)?;
    figure.draw(root)?;
    root.present().map_err(de)
}
