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

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::schema::{
    EpRow, InsurerCostRow, Manifest, QuantileRow, RemedyRow, ResponderRow, SummaryRow,
    SweepManifest, SweepRow, WaitRow,
};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::format::{
    decimals_for, format_auto, format_fixed, format_percent, format_trimmed, percent_tick,
};
use serde::de::DeserializeOwned;

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

/// What can go wrong while reading a results directory or drawing its figures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// A table or the run manifest is not in the results directory.
    #[error("{}: missing table (is this a results directory written by `lockout run`?)", path.display())]
    MissingTable {
        /// The file that was expected.
        path: PathBuf,
    },
    /// A file exists but could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file being read or written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A column is missing or one of its values cannot be parsed.
    #[error("{}: {message}", path.display())]
    BadColumn {
        /// The table.
        path: PathBuf,
        /// Line, column and problem, e.g. "line 3: column `cost_mean`: invalid float literal".
        message: String,
    },
    /// The table parses but its content cannot be drawn (no rows, a strategy without
    /// quantiles, a missing quantile, ...).
    #[error("{}: {message}", path.display())]
    BadTable {
        /// The table.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The run manifest `run.json` is not valid JSON or lacks a required field.
    #[error("{}: bad manifest: {message}", path.display())]
    BadManifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The bundled font could not be loaded.
    #[error("bundled font assets/fonts/DejaVuSans.ttf: {message}")]
    Font {
        /// What is wrong.
        message: String,
    },
    /// plotters failed while drawing or encoding a figure.
    #[error("{}: drawing failed: {message}", path.display())]
    Draw {
        /// The figure file being written.
        path: PathBuf,
        /// The backend's error.
        message: String,
    },
    /// A figure or the page could not be put in place.
    #[error(transparent)]
    Output(#[from] super::output::OutputError),
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------

/// Everything read from a results directory.
#[derive(Debug, Clone)]
pub struct Tables {
    /// The results directory.
    pub dir: PathBuf,
    /// `run.json`.
    pub run: Manifest,
    /// `summary.csv`, in scenario order.
    pub summary: Vec<SummaryRow>,
    /// `remedies.csv`, in file order.
    pub remedies: Vec<RemedyRow>,
    /// `distributions.csv`, in file order.
    pub distributions: Vec<QuantileRow>,
    /// The region tables, when the directory holds a region run (`ep_curve.csv` exists).
    pub region: Option<RegionTables>,
}

impl Tables {
    /// Reads `run.json`, `summary.csv`, `remedies.csv` and `distributions.csv` from `dir`,
    /// and the region tables when `ep_curve.csv` is there (see [`RegionTables::load`]).
    ///
    /// Extra columns and fields are ignored; a missing file, a missing column or an
    /// unparsable value is an error naming the file, line and column.
    pub fn load(dir: &Path) -> Result<Self, PlotError> {
        let run_path = dir.join("run.json");
        let text = read_text(&run_path)?;
        let run: Manifest = serde_json::from_str(&text).map_err(|e| PlotError::BadManifest {
            path: run_path.clone(),
            message: e.to_string(),
        })?;
        let mut seen: Vec<String> = Vec::new();
        let summary: Vec<SummaryRow> =
            read_csv_with(&dir.join("summary.csv"), |row: &SummaryRow| {
                row.check()?;
                if seen.contains(&row.strategy) {
                    return Err(format!("strategy `{}` has a second row", row.strategy));
                }
                seen.push(row.strategy.clone());
                Ok(())
            })?;
        if summary.is_empty() {
            return Err(PlotError::BadTable {
                path: dir.join("summary.csv"),
                message: "no strategies (the table has a header but no rows)".into(),
            });
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            run,
            summary,
            remedies: read_csv_with(&dir.join("remedies.csv"), |row: &RemedyRow| {
                row.check()?;
                known_strategy(&seen)(&row.strategy)
            })?,
            distributions: read_csv_with(&dir.join("distributions.csv"), quantile_order(&seen))?,
            region: RegionTables::load(dir)?,
        })
    }

    /// The baseline's summary row: the row flagged `baseline`, else the one named in
    /// `run.json`, else the first.
    pub fn baseline(&self) -> &SummaryRow {
        self.summary
            .iter()
            .find(|r| r.baseline)
            .or_else(|| {
                self.summary
                    .iter()
                    .find(|r| r.strategy == self.run.baseline)
            })
            .unwrap_or(&self.summary[0])
    }

    /// Currency code of the money columns (from `run.json`).
    pub fn currency(&self) -> &str {
        &self.run.currency
    }

    /// Price year of the money columns (from `run.json`).
    pub fn price_year(&self) -> i32 {
        self.run.price_year
    }

    /// Confidence level of the intervals in the tables (from `run.json`).
    pub fn confidence_level(&self) -> f64 {
        self.run.confidence_level
    }

    /// "USD, 2025 prices": the unit of every money axis and column.
    pub fn money_unit(&self) -> String {
        format!("{}, {} prices", self.currency(), self.price_year())
    }

    /// The quantile rows of one strategy, sorted by quantile.
    fn quantiles(&self, strategy: &str) -> Result<Vec<&QuantileRow>, PlotError> {
        let mut rows: Vec<&QuantileRow> = self
            .distributions
            .iter()
            .filter(|r| r.strategy == strategy)
            .collect();
        if rows.len() < 2 {
            return Err(self.bad_distributions(format!(
                "strategy `{strategy}` has {} quantile rows (expected 999)",
                rows.len()
            )));
        }
        rows.sort_by(|a, b| a.quantile.total_cmp(&b.quantile));
        Ok(rows)
    }

    fn bad_distributions(&self, message: String) -> PlotError {
        PlotError::BadTable {
            path: self.dir.join("distributions.csv"),
            message,
        }
    }
}

/// The row whose quantile is `q` (to within half a step of the 0.001 grid).
fn quantile_at<'a>(
    tables: &Tables,
    rows: &[&'a QuantileRow],
    q: f64,
) -> Result<&'a QuantileRow, PlotError> {
    rows.iter()
        .copied()
        .min_by(|a, b| (a.quantile - q).abs().total_cmp(&(b.quantile - q).abs()))
        .filter(|r| (r.quantile - q).abs() < 5e-4)
        .ok_or_else(|| {
            tables.bad_distributions(format!(
                "strategy `{}` has no row for quantile {q}",
                rows[0].strategy
            ))
        })
}

fn read_text(path: &Path) -> Result<String, PlotError> {
    std::fs::read_to_string(path).map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, e: std::io::Error) -> PlotError {
    if e.kind() == std::io::ErrorKind::NotFound {
        PlotError::MissingTable {
            path: path.to_path_buf(),
        }
    } else if e.kind() == std::io::ErrorKind::InvalidData {
        // The file is there but its content is not text: bad input, not a failing disk.
        PlotError::BadTable {
            path: path.to_path_buf(),
            message: format!("not a table lockout wrote: {e}"),
        }
    } else {
        PlotError::Io {
            path: path.to_path_buf(),
            source: e,
        }
    }
}

/// Reads a table and checks every row ([`CheckRow`]).
fn read_csv<T: DeserializeOwned + CheckRow>(path: &Path) -> Result<Vec<T>, PlotError> {
    read_csv_with(path, |row: &T| row.check())
}

/// Reads a table, checking each row in order with `check` (which may keep state, for checks
/// across rows): a failure is reported as `PATH: line N: message`, N the CSV line.
fn read_csv_with<T: DeserializeOwned>(
    path: &Path,
    mut check: impl FnMut(&T) -> Result<(), String>,
) -> Result<Vec<T>, PlotError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let mut reader = csv::Reader::from_reader(file);
    let bad = |message: String| PlotError::BadColumn {
        path: path.to_path_buf(),
        message,
    };
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("header: {e}")))?
        .clone();
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(bad(describe_csv_error(&e, &headers))),
        }
        let line = record.position().map_or(0, |p| p.line());
        let row: T = record
            .deserialize(Some(&headers))
            .map_err(|e| bad(describe_csv_error(&e, &headers)))?;
        check(&row).map_err(|message| PlotError::BadTable {
            path: path.to_path_buf(),
            message: format!("line {line}: {message}"),
        })?;
        rows.push(row);
    }
    Ok(rows)
}

/// What every row of a table must satisfy before it is drawn: finite numbers, probabilities
/// and shares in [0, 1], quantiles in order, intervals around their estimates.
trait CheckRow {
    /// `Err` says which column is wrong and how.
    fn check(&self) -> Result<(), String>;
}

/// `Err` unless every value is finite.
fn finite(values: &[(&str, f64)]) -> Result<(), String> {
    match values.iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((name, v)) => Err(format!("column `{name}`: {v} is not a finite number")),
    }
}

/// `Err` unless every present value is finite.
fn finite_opt(values: &[(&str, Option<f64>)]) -> Result<(), String> {
    for (name, v) in values {
        if let Some(v) = v {
            finite(&[(name, *v)])?;
        }
    }
    Ok(())
}

/// `Err` unless every value is a probability or share, in [0, 1].
fn share(values: &[(&str, f64)]) -> Result<(), String> {
    match values.iter().find(|(_, v)| !(0.0..=1.0).contains(v)) {
        None => Ok(()),
        Some((name, v)) => Err(format!("column `{name}`: {v} is not in [0, 1]")),
    }
}

/// `Err` unless the values are in non-decreasing order (each present one).
fn ordered(values: &[(&str, Option<f64>)]) -> Result<(), String> {
    let present: Vec<(&str, f64)> = values
        .iter()
        .filter_map(|(n, v)| v.map(|v| (*n, v)))
        .collect();
    for pair in present.windows(2) {
        if !(pair[0].1 <= pair[1].1) {
            return Err(format!(
                "columns `{}` ({}) and `{}` ({}) are out of order",
                pair[0].0, pair[0].1, pair[1].0, pair[1].1
            ));
        }
    }
    Ok(())
}

/// `(column, value)` pairs of a row's fields for the checks below, named by the field
/// identifiers, which are the column names (see [`super::schema`]); each value converted to
/// what the check takes (`f64` or `Option<f64>`).
macro_rules! cols {
    ($row:expr; $($field:ident),+ $(,)?) => {
        [$((stringify!($field), $row.$field.into())),+]
    };
}

impl CheckRow for SummaryRow {
    fn check(&self) -> Result<(), String> {
        if self.strategy.is_empty() {
            return Err(format!("column `{}` is empty", stringify!(strategy)));
        }
        finite(&cols![self;
            time_to_access_mean_min,
            time_to_access_ci95_low_min,
            time_to_access_ci95_high_min,
            time_to_access_p50_min,
            time_to_access_p90_min,
            time_to_access_p99_min,
            cost_mean,
            cost_ci95_low,
            cost_ci95_high,
            total_cost_mean,
            total_cost_ci95_low,
            total_cost_ci95_high,
            incident_rate_per_vehicle_year,
            prevention_cost_per_year,
            incident_cost_per_vehicle_year,
            annual_cost_per_vehicle,
            annual_cost_per_vehicle_ci95_low,
            annual_cost_per_vehicle_ci95_high,
            value_of_time_per_hour,
        ])?;
        finite_opt(&cols![self;
            time_diff_vs_baseline_mean_min,
            time_diff_vs_baseline_ci95_low_min,
            time_diff_vs_baseline_ci95_high_min,
            cost_diff_vs_baseline_mean,
            cost_diff_vs_baseline_ci95_low,
            cost_diff_vs_baseline_ci95_high,
            total_cost_diff_vs_baseline_mean,
            total_cost_diff_vs_baseline_ci95_low,
            total_cost_diff_vs_baseline_ci95_high,
            break_even_incident_rate,
        ])?;
        share(&cols![self; damage_rate, unresolved_rate])?;
        if !(self.time_to_access_p50_min >= 0.0) {
            return Err(format!(
                "column `{}`: {} is negative",
                stringify!(time_to_access_p50_min),
                self.time_to_access_p50_min
            ));
        }
        ordered(&cols![self;
            time_to_access_p50_min,
            time_to_access_p90_min,
            time_to_access_p99_min,
        ])?;
        // Every interval holds its estimate.
        ordered(&cols![self;
            time_to_access_ci95_low_min,
            time_to_access_mean_min,
            time_to_access_ci95_high_min,
        ])?;
        ordered(&cols![self; cost_ci95_low, cost_mean, cost_ci95_high])?;
        ordered(&cols![self; total_cost_ci95_low, total_cost_mean, total_cost_ci95_high])?;
        ordered(&cols![self;
            annual_cost_per_vehicle_ci95_low,
            annual_cost_per_vehicle_ci95_high,
        ])?;
        ordered(&cols![self;
            time_diff_vs_baseline_ci95_low_min,
            time_diff_vs_baseline_mean_min,
            time_diff_vs_baseline_ci95_high_min,
        ])?;
        ordered(&cols![self;
            cost_diff_vs_baseline_ci95_low,
            cost_diff_vs_baseline_mean,
            cost_diff_vs_baseline_ci95_high,
        ])?;
        ordered(&cols![self;
            total_cost_diff_vs_baseline_ci95_low,
            total_cost_diff_vs_baseline_mean,
            total_cost_diff_vs_baseline_ci95_high,
        ])
    }
}

impl CheckRow for RemedyRow {
    fn check(&self) -> Result<(), String> {
        share(&cols![self; resolved_share, damage_share])
    }
}

impl CheckRow for QuantileRow {
    fn check(&self) -> Result<(), String> {
        share(&cols![self; quantile])?;
        finite(&cols![self; time_to_access_min, cost])
    }
}

/// A check of the rows of a table against the strategies of `summary.csv`.
fn known_strategy<'a>(names: &'a [String]) -> impl Fn(&str) -> Result<(), String> + 'a {
    move |strategy| {
        if names.iter().any(|n| n == strategy) {
            Ok(())
        } else {
            Err(format!("strategy `{strategy}` is not in summary.csv"))
        }
    }
}

/// Checks of `distributions.csv` across rows: each strategy's quantiles strictly increasing,
/// its times and costs non-decreasing with them.
fn quantile_order(names: &[String]) -> impl FnMut(&QuantileRow) -> Result<(), String> + '_ {
    let known = known_strategy(names);
    let mut last: HashMap<String, (f64, f64, f64)> = HashMap::new();
    move |row| {
        row.check()?;
        known(&row.strategy)?;
        if let Some(&(q, t, c)) = last.get(&row.strategy) {
            if !(row.quantile > q) {
                return Err(format!(
                    "quantile {} of `{}` does not follow {q}",
                    row.quantile, row.strategy
                ));
            }
            if !(row.time_to_access_min >= t && row.cost >= c) {
                return Err(format!(
                    "the quantiles of `{}` decrease at quantile {} (time {} after {t}, cost {} \
                     after {c})",
                    row.strategy, row.quantile, row.time_to_access_min, row.cost
                ));
            }
        }
        last.insert(
            row.strategy.clone(),
            (row.quantile, row.time_to_access_min, row.cost),
        );
        Ok(())
    }
}

impl CheckRow for EpRow {
    fn check(&self) -> Result<(), String> {
        finite(&cols![self; return_period_years, loss])?;
        finite_opt(&cols![self; tvar])?;
        share(&cols![self; exceedance_probability])
    }
}

impl CheckRow for InsurerCostRow {
    fn check(&self) -> Result<(), String> {
        finite(&cols![self; exposure_vehicle_years, aal])?;
        finite_opt(&cols![self;
            claim_frequency_per_vehicle_year,
            severity_mean,
            pure_premium_per_vehicle_year,
            aal_se,
            aal_ci95_low,
            aal_ci95_high,
            var_95,
            var_99,
            tvar_95,
            tvar_99,
        ])?;
        ordered(&cols![self; var_95, var_99])
    }
}

impl CheckRow for ResponderRow {
    fn check(&self) -> Result<(), String> {
        finite_opt(&cols![self; utilisation, queue_wait_mean_min, response_p90_min])?;
        ordered(&cols![self; queue_wait_p50_min, queue_wait_p90_min, queue_wait_p99_min])?;
        finite_opt(&cols![self; queue_wait_p99_min])
    }
}

impl CheckRow for WaitRow {
    fn check(&self) -> Result<(), String> {
        share(&cols![self; quantile])?;
        finite_opt(&cols![self; queue_wait_min, response_min])
    }
}

impl CheckRow for SweepRow {
    fn check(&self) -> Result<(), String> {
        finite(&[(stringify!(value), self.value.number)])?;
        finite_opt(&cols![self;
            time_to_access_mean_min,
            time_to_access_ci95_low_min,
            time_to_access_ci95_high_min,
            total_cost_mean,
            total_cost_ci95_low,
            total_cost_ci95_high,
        ])?;
        finite_opt(&cols![self; utilisation])?;
        ordered(&cols![self; queue_wait_p50_min, queue_wait_p90_min, queue_wait_p99_min])?;
        finite_opt(&cols![self; queue_wait_p99_min])
    }
}

/// "line 3: column `cost_mean`: invalid float literal" from a csv error.
fn describe_csv_error(e: &csv::Error, headers: &csv::StringRecord) -> String {
    let line = e
        .position()
        .map(|p| format!("line {}: ", p.line()))
        .unwrap_or_default();
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let column = err
                .field()
                .and_then(|i| headers.get(i as usize))
                .map(|h| format!("column `{h}`: "))
                .unwrap_or_default();
            let problem = match err.kind() {
                csv::DeserializeErrorKind::Message(m) if m.starts_with("missing field") => {
                    m.replacen("missing field", "missing column", 1)
                }
                kind => kind.to_string(),
            };
            format!("{line}{column}{problem}")
        }
        _ => format!("{line}{e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Entry point and the shared drawing machinery
// ---------------------------------------------------------------------------------------------

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

fn register_fonts() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let fonts: [(FontStyle, &'static [u8]); 2] = [
                (
                    FontStyle::Normal,
                    include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
                ),
                (
                    FontStyle::Bold,
                    include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
                ),
            ];
            for (style, bytes) in fonts {
                plotters::style::register_font(FONT, style, bytes)
                    .map_err(|_| "not a valid TrueType font".to_string())?;
            }
            Ok(())
        })
        .clone()
        .map_err(|message| PlotError::Font { message })
}

/// Drawing errors are carried as text: the backends' error types differ.
type DrawResult<T = ()> = Result<T, String>;

fn de<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
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

const FONT: &str = "sans-serif";
const TITLE_PX: f64 = 34.0;
const SUBTITLE_PX: f64 = 21.0;
const LABEL_PX: f64 = 20.0;
const DESC_PX: f64 = 22.0;
const NOTE_PX: f64 = 18.0;
/// Outer margin of every figure, in pixels.
const MARGIN: i32 = 30;
const GRID: RGBColor = RGBColor(225, 225, 225);
const INK: RGBColor = RGBColor(20, 20, 20);
const MUTED: RGBColor = RGBColor(90, 90, 90);

/// Okabe–Ito, reordered so the first colours have the most contrast on white (yellow last).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Series beyond the palette's length are told apart by dashes as well as colour.
fn dashed(i: usize) -> bool {
    (i / PALETTE.len()) % 2 == 1
}

fn text_style(px: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, px).into_font().color(&color)
}

fn bold_style(px: f64, color: RGBColor) -> TextStyle<'static> {
    (FONT, px, FontStyle::Bold).into_font().color(&color)
}

fn text_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> DrawResult<i32> {
    Ok(root.estimate_text_size(text, style).map_err(de)?.0 as i32)
}

/// Draws `text` at pixel `at`, anchored by `h`/`v`.
fn put_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    style: &TextStyle,
    h: HPos,
    v: VPos,
) -> DrawResult {
    let style = style.pos(Pos::new(h, v));
    root.draw(&Text::new(text.to_string(), at, style))
        .map_err(de)
}

/// Draws the title and subtitle and returns the area below them.
fn draw_header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> DrawResult<DrawingArea<DB, Shift>> {
    put_text(
        root,
        title,
        (MARGIN, 22),
        &bold_style(TITLE_PX, INK),
        HPos::Left,
        VPos::Top,
    )?;
    put_text(
        root,
        subtitle,
        (MARGIN, 66),
        &text_style(SUBTITLE_PX, MUTED),
        HPos::Left,
        VPos::Top,
    )?;
    Ok(root.split_vertically(104).1)
}

/// How a legend entry shows its series.
#[derive(Clone, Copy)]
enum Swatch {
    /// A line in a colour, dashed or solid.
    Line(RGBColor, bool),
    /// A filled box.
    Fill(RGBColor),
    /// A thin black bar (damage).
    ThinBar,
    /// A marker in black outline or filled.
    Mark(Marker, RGBColor, bool),
    /// A box-and-whisker glyph.
    BoxPlot,
    /// A horizontal confidence-interval line with caps.
    Interval,
}

#[derive(Clone, Copy)]
enum Marker {
    Circle,
    Triangle,
    Cross,
}

struct LegendItem {
    label: String,
    swatch: Swatch,
}

fn item(label: impl Into<String>, swatch: Swatch) -> LegendItem {
    LegendItem {
        label: label.into(),
        swatch,
    }
}

const SWATCH_W: i32 = 40;
const LEGEND_ROW: i32 = 34;

/// Lays legend entries out left to right, wrapping at `width`: rows of (item index, x offset).
fn legend_rows<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
    width: i32,
) -> DrawResult<Vec<Vec<(usize, i32)>>> {
    let style = text_style(LABEL_PX, INK);
    let mut rows: Vec<Vec<(usize, i32)>> = vec![Vec::new()];
    let mut x = 0;
    for (i, it) in items.iter().enumerate() {
        let w = SWATCH_W + 10 + text_width(root, &it.label, &style)?;
        if x > 0 && x + w > width {
            rows.push(Vec::new());
            x = 0;
        }
        rows.last_mut().expect("one row at least").push((i, x));
        x += w + 36;
    }
    Ok(rows)
}

/// Height in pixels the legend needs across the figure's width.
fn legend_height<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
) -> DrawResult<i32> {
    let width = root.dim_in_pixel().0 as i32 - 2 * MARGIN;
    Ok(legend_rows(root, items, width)?.len() as i32 * LEGEND_ROW + 24)
}

/// Splits the legend off the bottom of `area`, draws it there and returns the area above.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
) -> DrawResult<DrawingArea<DB, Shift>> {
    let height = legend_height(root, items)?;
    let (w, h) = area.dim_in_pixel();
    let (above, _) = area.split_vertically(h as i32 - height);
    let top = area.get_base_pixel().1 + h as i32 - height + 12;
    let rows = legend_rows(root, items, w as i32 - 2 * MARGIN)?;
    let style = text_style(LABEL_PX, INK);
    for (r, row) in rows.iter().enumerate() {
        let y = top + r as i32 * LEGEND_ROW + LEGEND_ROW / 2;
        for &(i, dx) in row {
            let x = MARGIN + dx;
            draw_swatch(root, items[i].swatch, (x, y))?;
            put_text(
                root,
                &items[i].label,
                (x + SWATCH_W + 10, y),
                &style,
                HPos::Left,
                VPos::Center,
            )?;
        }
    }
    Ok(above)
}

fn draw_swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> DrawResult {
    let x1 = x + SWATCH_W;
    match swatch {
        Swatch::Line(c, dash) => {
            let pts = [(x, y), (x1, y)];
            if dash {
                root.draw(&DashedPathElement::new(pts, 8, 5, c.stroke_width(3)))
            } else {
                root.draw(&PathElement::new(pts, c.stroke_width(3)))
            }
            .map_err(de)
        }
        Swatch::Fill(c) => {
            root.draw(&Rectangle::new([(x, y - 10), (x1, y + 10)], c.filled()))
                .map_err(de)?;
            root.draw(&Rectangle::new(
                [(x, y - 10), (x1, y + 10)],
                INK.stroke_width(1),
            ))
            .map_err(de)
        }
        Swatch::ThinBar => root
            .draw(&Rectangle::new([(x, y - 4), (x1, y + 4)], INK.filled()))
            .map_err(de),
        Swatch::Mark(m, c, filled) => draw_marker(root, m, (x + SWATCH_W / 2, y), c, filled),
        Swatch::BoxPlot => {
            root.draw(&PathElement::new([(x, y), (x1, y)], INK.stroke_width(2)))
                .map_err(de)?;
            let b = [(x + 10, y - 10), (x1 - 10, y + 10)];
            root.draw(&Rectangle::new(b, RGBColor(200, 200, 200).filled()))
                .map_err(de)?;
            root.draw(&Rectangle::new(b, INK.stroke_width(2)))
                .map_err(de)?;
            root.draw(&PathElement::new(
                [(x + 22, y - 10), (x + 22, y + 10)],
                INK.stroke_width(3),
            ))
            .map_err(de)
        }
        Swatch::Interval => {
            root.draw(&PathElement::new([(x, y), (x1, y)], INK.stroke_width(2)))
                .map_err(de)?;
            for cx in [x, x1] {
                root.draw(&PathElement::new(
                    [(cx, y - 8), (cx, y + 8)],
                    INK.stroke_width(2),
                ))
                .map_err(de)?;
            }
            Ok(())
        }
    }
}

/// Draws a marker centred on pixel `at`: filled in `c` with a dark outline, or hollow.
fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    marker: Marker,
    at: (i32, i32),
    c: RGBColor,
    filled: bool,
) -> DrawResult {
    let outline = INK.stroke_width(2);
    match marker {
        Marker::Circle => {
            let fill = if filled { c.filled() } else { WHITE.filled() };
            root.draw(&Circle::new(at, 8, fill)).map_err(de)?;
            let ring = if filled { outline } else { c.stroke_width(3) };
            root.draw(&Circle::new(at, 8, ring)).map_err(de)
        }
        Marker::Triangle => {
            let (x, y) = at;
            let pts = vec![(x, y - 10), (x + 9, y + 6), (x - 9, y + 6)];
            let fill = if filled { c.filled() } else { WHITE.filled() };
            root.draw(&Polygon::new(pts.clone(), fill)).map_err(de)?;
            let mut closed = pts.clone();
            closed.push(pts[0]);
            root.draw(&PathElement::new(closed, outline)).map_err(de)
        }
        Marker::Cross => root.draw(&Cross::new(at, 7, c.stroke_width(3))).map_err(de),
    }
}

/// How data values map onto an axis.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scale {
    Linear,
    /// log10; values at or below zero are clamped to the axis minimum.
    Log10,
    /// log10(1 + x / c): linear near zero, logarithmic above `c`, defined at zero.
    SymLog(f64),
}

impl Scale {
    fn forward(self, v: f64) -> f64 {
        match self {
            Scale::Linear => v,
            Scale::Log10 => v.max(f64::MIN_POSITIVE).log10(),
            Scale::SymLog(c) => v.signum() * (1.0 + v.abs() / c).log10(),
        }
    }
}

/// One axis: range and ticks in axis (transformed) units, with labels and description.
struct Axis {
    lo: f64,
    hi: f64,
    scale: Scale,
    ticks: Vec<(f64, String)>,
    desc: String,
}

impl Axis {
    /// A linear axis over [lo, hi] (widened to nice round ticks), labels via `fmt`.
    fn linear(lo: f64, hi: f64, desc: String, fmt: impl Fn(f64, usize) -> String) -> Self {
        let (step, decimals) = nice_step(hi - lo, 6);
        let lo = (lo / step).floor() * step;
        let hi = (hi / step).ceil() * step;
        let n = ((hi - lo) / step).round() as i64;
        let ticks = (0..=n)
            .map(|k| {
                let v = lo + k as f64 * step;
                (
                    v,
                    fmt(if v.abs() < step * 1e-9 { 0.0 } else { v }, decimals),
                )
            })
            .collect();
        Self {
            lo,
            hi,
            scale: Scale::Linear,
            ticks,
            desc,
        }
    }

    /// A log10 axis covering [lo, hi] (0 < lo < hi) with a little room either side and ticks
    /// at 1, 2 and 5 × 10^k (only 10^k over more than four decades).
    fn log10(lo: f64, hi: f64, desc: String) -> Self {
        let (lo, hi) = (
            (lo / 1.15).log10(),
            (hi * 1.15).log10().max(lo.log10() + 1.0),
        );
        let (d0, d1) = (lo.floor() as i32, hi.ceil() as i32);
        let mantissas: &[f64] = if hi - lo <= 4.0 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let mut ticks = Vec::new();
        for d in d0..=d1 {
            for &m in mantissas {
                let v = m * 10f64.powi(d);
                if (lo..=hi).contains(&v.log10()) {
                    ticks.push((v.log10(), format_fixed(v, (-d).max(0) as usize)));
                }
            }
        }
        Self {
            lo,
            hi,
            scale: Scale::Log10,
            ticks,
            desc,
        }
    }

    /// A symmetric-log axis from 0 to at least `hi` with linear threshold `c` (a power of ten).
    fn symlog(c: f64, hi: f64, desc: String) -> Self {
        let scale = Scale::SymLog(c);
        let d0 = c.log10().round() as i32;
        let d1 = (hi.log10().ceil() as i32).max(d0 + 1);
        let mantissas: &[f64] = if d1 - d0 <= 3 {
            &[1.0, 2.0, 5.0]
        } else {
            &[1.0]
        };
        let mut ticks = vec![(0.0, "0".to_string())];
        for d in d0..=d1 {
            for &m in mantissas.iter().filter(|&&m| d < d1 || m == 1.0) {
                let v = m * 10f64.powi(d);
                ticks.push((scale.forward(v), format_fixed(v, (-d).max(0) as usize)));
            }
        }
        Self {
            lo: 0.0,
            hi: scale.forward(10f64.powi(d1)),
            scale,
            ticks,
            desc,
        }
    }

    /// A category axis: `names[0]` at the top.
    fn categories(names: &[String]) -> Self {
        let n = names.len();
        Self {
            lo: -0.6,
            hi: n as f64 - 0.4,
            scale: Scale::Linear,
            ticks: names
                .iter()
                .enumerate()
                .map(|(i, s)| ((n - 1 - i) as f64, s.clone()))
                .collect(),
            desc: String::new(),
        }
    }

    fn at(&self, v: f64) -> f64 {
        self.scale.forward(v).clamp(self.lo, self.hi)
    }

    fn label(&self, t: f64) -> String {
        let tol = (self.hi - self.lo).abs() * 1e-9;
        self.ticks
            .iter()
            .find(|(p, _)| (p - t).abs() <= tol)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    }

    fn widest_label<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<i32> {
        let style = text_style(LABEL_PX, INK);
        let mut w = 0;
        for (_, s) in &self.ticks {
            w = w.max(text_width(root, s, &style)?);
        }
        Ok(w)
    }
}

/// Row position of category `i` of `n` (the first at the top).
fn row_y(i: usize, n: usize) -> f64 {
    (n - 1 - i) as f64
}

/// A "nice" tick step (1, 2 or 5 × 10^k) giving about `target` intervals over `span`, and the
/// decimals its labels need.
fn nice_step(span: f64, target: u32) -> (f64, usize) {
    let span = if span > 0.0 && span.is_finite() {
        span
    } else {
        1.0
    };
    let raw = span / f64::from(target);
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    let m = raw / base;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    let step = nice * base;
    (step, (-step.log10().floor()).max(0.0) as usize)
}

/// A linear f64 coordinate whose grid lines and labels sit exactly at the given key points
/// (plotters' own f64 coordinate picks its own ticks, and its `WithKeyPoints` wrapper cannot
/// take a label formatter).
struct Ticked {
    lo: f64,
    hi: f64,
    keys: Vec<f64>,
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let share = (v - self.lo) / (self.hi - self.lo);
        let length = f64::from(limit.1 - limit.0);
        limit.0 + (length * share).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.keys.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

type Coords = Cartesian2d<Ticked, Ticked>;

/// Builds a chart in `area` with `left` pixels for the y labels and draws its grid and axes.
fn build_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    left: i32,
    right: i32,
    grid_y: bool,
) -> DrawResult<ChartContext<'a, DB, Coords>> {
    let x_keys: Vec<f64> = x.ticks.iter().map(|t| t.0).collect();
    let y_keys: Vec<f64> = y.ticks.iter().map(|t| t.0).collect();
    let bottom = if x.desc.is_empty() { 44 } else { 84 };
    let mut chart = ChartBuilder::on(area)
        .margin_top(12)
        .margin_left(MARGIN)
        .margin_right(right)
        .y_label_area_size(left)
        .x_label_area_size(bottom)
        .build_cartesian_2d(
            Ticked {
                lo: x.lo,
                hi: x.hi,
                keys: x_keys,
            },
            Ticked {
                lo: y.lo,
                hi: y.hi,
                keys: y_keys,
            },
        )
        .map_err(de)?;
    let fx = |v: &f64| x.label(*v);
    let fy = |v: &f64| y.label(*v);
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&fx)
        .y_label_formatter(&fy)
        .label_style(text_style(LABEL_PX, INK))
        .axis_desc_style(text_style(DESC_PX, INK))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(INK.stroke_width(1))
        .set_all_tick_mark_size(6);
    if !x.desc.is_empty() {
        mesh.x_desc(x.desc.clone());
    }
    if !y.desc.is_empty() {
        mesh.y_desc(y.desc.clone());
    }
    if !grid_y {
        mesh.disable_y_mesh();
    }
    mesh.draw().map_err(de)?;
    Ok(chart)
}

/// Pixel position of data point (x, y) in axis units.
fn px<DB: DrawingBackend>(chart: &ChartContext<DB, Coords>, x: f64, y: f64) -> (i32, i32) {
    chart.plotting_area().map_coordinate(&(x, y))
}

fn rect<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coords>,
    (x0, y0): (f64, f64),
    (x1, y1): (f64, f64),
    style: ShapeStyle,
) -> DrawResult {
    chart
        .draw_series(std::iter::once(Rectangle::new([(x0, y0), (x1, y1)], style)))
        .map_err(de)?;
    Ok(())
}

fn line<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coords>,
    pts: Vec<(f64, f64)>,
    style: ShapeStyle,
) -> DrawResult {
    chart
        .draw_series(std::iter::once(PathElement::new(pts, style)))
        .map_err(de)?;
    Ok(())
}

/// Pixels needed left of a category chart: the longest name plus padding.
fn category_margin<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    axis: &Axis,
) -> DrawResult<i32> {
    Ok(axis.widest_label(root)? + 24)
}

/// Pixels needed left of a numeric chart with a rotated axis description.
fn numeric_margin<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    axis: &Axis,
) -> DrawResult<i32> {
    Ok(axis.widest_label(root)? + 24 + if axis.desc.is_empty() { 0 } else { 40 })
}

/// Sample-size phrase for subtitles: "20,000 incidents per strategy".
fn sample_phrase(tables: &Tables) -> String {
    let n = tables.run.incidents;
    format!(
        "{} simulated incidents per strategy",
        format_fixed(n as f64, 0)
    )
}

fn strategy_label(row: &SummaryRow, baseline: &str) -> String {
    if row.strategy == baseline {
        format!("{} (baseline)", row.strategy)
    } else {
        row.strategy.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// time_to_access_cdf
// ---------------------------------------------------------------------------------------------

struct CdfSeries {
    name: String,
    /// (minutes, cumulative share), sorted by share.
    points: Vec<(f64, f64)>,
    p50: f64,
    p90: f64,
}

struct CdfFigure {
    scenario: String,
    sample: String,
    series: Vec<CdfSeries>,
    log: bool,
}

impl CdfFigure {
    fn new(tables: &Tables) -> Result<Self, PlotError> {
        let mut series = Vec::new();
        for row in &tables.summary {
            let rows = tables.quantiles(&row.strategy)?;
            series.push(CdfSeries {
                name: row.strategy.clone(),
                points: rows
                    .iter()
                    .map(|r| (r.time_to_access_min, r.quantile))
                    .collect(),
                p50: quantile_at(tables, &rows, 0.5)?.time_to_access_min,
                p90: quantile_at(tables, &rows, 0.9)?.time_to_access_min,
            });
        }
        let min_p50 = series.iter().map(|s| s.p50).fold(f64::INFINITY, f64::min);
        let max_p99 = tables
            .summary
            .iter()
            .map(|r| r.time_to_access_p99_min)
            .fold(0.0, f64::max);
        Ok(Self {
            scenario: tables.run.scenario.name.clone(),
            sample: sample_phrase(tables),
            log: min_p50 > 0.0 && max_p99 / min_p50 > 20.0,
            series,
        })
    }
}

impl Figure for CdfFigure {
    const NAME: &'static str = "time_to_access_cdf";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let xs = || {
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0))
        };
        let max = xs().fold(0.0, f64::max);
        let x = if self.log {
            let min_pos = xs().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
            Axis::log10(min_pos, max, "time to access (minutes, log scale)".into())
        } else {
            Axis::linear(0.0, max, "time to access (minutes)".into(), format_fixed)
        };
        let y = Axis::linear(
            0.0,
            1.0,
            "share of incidents with access by then".into(),
            percent_tick,
        );
        let body = draw_header(
            root,
            &format!("Time to access: {}", self.scenario),
            &format!(
                "Empirical distribution from {}. Markers: median (circle) and 90th percentile (triangle).",
                self.sample
            ),
        )?;
        let mut legend: Vec<LegendItem> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| item(&s.name, Swatch::Line(colour(i), dashed(i))))
            .collect();
        legend.push(item(
            "median (p50)",
            Swatch::Mark(Marker::Circle, WHITE, true),
        ));
        legend.push(item(
            "90th percentile (p90)",
            Swatch::Mark(Marker::Triangle, WHITE, true),
        ));
        let plot = draw_legend(root, &body, &legend)?;
        let left = numeric_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN + 20, true)?;
        for (i, s) in self.series.iter().enumerate() {
            let pts: Vec<(f64, f64)> = s.points.iter().map(|&(t, q)| (x.at(t), q)).collect();
            let style = colour(i).stroke_width(3);
            if dashed(i) {
                chart
                    .draw_series(DashedLineSeries::new(pts, 12, 6, style))
                    .map_err(de)?;
            } else {
                chart.draw_series(LineSeries::new(pts, style)).map_err(de)?;
            }
        }
        for (i, s) in self.series.iter().enumerate() {
            let p50 = px(&chart, x.at(s.p50), 0.5);
            let p90 = px(&chart, x.at(s.p90), 0.9);
            draw_marker(root, Marker::Circle, p50, colour(i), true)?;
            draw_marker(root, Marker::Triangle, p90, colour(i), true)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// cost_distribution
// ---------------------------------------------------------------------------------------------

/// Cost per incident percentiles of one strategy: p10, p25, p50, p75, p90, p99.
struct CostBox {
    name: String,
    p: [f64; 6],
    mean: f64,
}

struct CostFigure {
    scenario: String,
    sample: String,
    money: String,
    boxes: Vec<CostBox>,
}

impl CostFigure {
    fn new(tables: &Tables) -> Result<Self, PlotError> {
        let baseline = tables.baseline().strategy.clone();
        let mut boxes = Vec::new();
        for row in &tables.summary {
            let rows = tables.quantiles(&row.strategy)?;
            let mut p = [0.0; 6];
            for (slot, q) in p.iter_mut().zip([0.10, 0.25, 0.50, 0.75, 0.90, 0.99]) {
                *slot = quantile_at(tables, &rows, q)?.cost;
            }
            boxes.push(CostBox {
                name: strategy_label(row, &baseline),
                p,
                mean: row.cost_mean,
            });
        }
        Ok(Self {
            scenario: tables.run.scenario.name.clone(),
            sample: sample_phrase(tables),
            money: tables.money_unit(),
            boxes,
        })
    }

    /// Linear when the values span less than a factor of 30, else symmetric log (which keeps
    /// zero costs on the axis).
    fn axis(&self) -> Axis {
        let values = || {
            self.boxes
                .iter()
                .flat_map(|b| b.p.iter().copied().chain([b.mean]))
        };
        let max = values().fold(0.0, f64::max);
        let min = values().fold(f64::INFINITY, f64::min);
        let min_pos = values().filter(|v| *v > 0.0).fold(f64::INFINITY, f64::min);
        let desc = format!("cost per incident ({})", self.money);
        if min >= 0.0 && min_pos.is_finite() && max / min_pos > 30.0 {
            let c = 10f64.powf(min_pos.log10().floor().max(0.0));
            Axis::symlog(
                c,
                max,
                format!(
                    "{desc}; log scale above {}, zero at the left edge",
                    format_trimmed(c)
                ),
            )
        } else {
            let hi = if max > 0.0 { max } else { 1.0 };
            Axis::linear(min.min(0.0), hi, desc, format_fixed)
        }
    }
}

impl Figure for CostFigure {
    const NAME: &'static str = "cost_distribution";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let x = self.axis();
        let names: Vec<String> = self.boxes.iter().map(|b| b.name.clone()).collect();
        let y = Axis::categories(&names);
        let body = draw_header(
            root,
            &format!("Cost per incident: {}", self.scenario),
            &format!(
                "Money paid because of the incident ({}), {}.",
                self.money, self.sample
            ),
        )?;
        let legend = [
            item("p25 to p75 (box) and median (bar)", Swatch::BoxPlot),
            item("p10 to p90 (whiskers)", Swatch::Interval),
            item("p99", Swatch::Mark(Marker::Circle, MUTED, true)),
            item("mean", Swatch::Mark(Marker::Cross, INK, true)),
        ];
        let plot = draw_legend(root, &body, &legend)?;
        let left = category_margin(root, &y)?;
        let mut chart = build_chart(&plot, &x, &y, left, MARGIN + 20, false)?;
        let n = self.boxes.len();
        let half = 0.22;
        for (i, b) in self.boxes.iter().enumerate() {
            let yc = row_y(i, n);
            let v: Vec<f64> = b.p.iter().map(|&c| x.at(c)).collect();
            let ink = INK.stroke_width(2);
            line(&mut chart, vec![(v[0], yc), (v[1], yc)], ink)?;
            line(&mut chart, vec![(v[3], yc), (v[4], yc)], ink)?;
            for cap in [v[0], v[4]] {
                line(&mut chart, vec![(cap, yc - 0.1), (cap, yc + 0.1)], ink)?;
            }
            let c = colour(i);
            rect(
                &mut chart,
                (v[1], yc - half),
                (v[3], yc + half),
                c.mix(0.55).filled(),
            )?;
            rect(&mut chart, (v[1], yc - half), (v[3], yc + half), ink)?;
            line(
                &mut chart,
                vec![(v[2], yc - half), (v[2], yc + half)],
                INK.stroke_width(4),
            )?;
            draw_marker(root, Marker::Circle, px(&chart, v[5], yc), c, true)?;
            draw_marker(root, Marker::Cross, px(&chart, x.at(b.mean), yc), INK, true)?;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// annual_cost
// ---------------------------------------------------------------------------------------------

struct AnnualBar {
    name: String,
    prevention: f64,
    incident: f64,
    total: f64,
    low: f64,
    high: f64,
}

struct AnnualFigure {
    scenario: String,
    currency: String,
    money: String,
    value_of_time: String,
    bars: Vec<AnnualBar>,
}

impl AnnualFigure {
    fn new(tables: &Tables) -> Self {
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

// ---------------------------------------------------------------------------------------------
// difference_vs_baseline
// ---------------------------------------------------------------------------------------------

/// A mean difference and its confidence interval.
#[derive(Clone, Copy)]
struct Interval {
    mean: f64,
    low: f64,
    high: f64,
}

impl Interval {
    fn from_columns(mean: Option<f64>, low: Option<f64>, high: Option<f64>) -> Option<Self> {
        Some(Self {
            mean: mean?,
            low: low?,
            high: high?,
        })
    }

    /// Whether the interval excludes zero.
    fn excludes_zero(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

struct DifferenceFigure {
    scenario: String,
    baseline: String,
    money: String,
    currency: String,
    names: Vec<String>,
    time: Vec<Option<Interval>>,
    cost: Vec<Option<Interval>>,
}

impl DifferenceFigure {
    fn new(tables: &Tables) -> Self {
        let baseline = tables.baseline().strategy.clone();
        let rows: Vec<&SummaryRow> = tables
            .summary
            .iter()
            .filter(|r| r.strategy != baseline)
            .collect();
        Self {
            scenario: tables.run.scenario.name.clone(),
            money: tables.money_unit(),
            currency: tables.currency().to_string(),
            names: rows.iter().map(|r| r.strategy.clone()).collect(),
            time: rows
                .iter()
                .map(|r| {
                    Interval::from_columns(
                        r.time_diff_vs_baseline_mean_min,
                        r.time_diff_vs_baseline_ci95_low_min,
                        r.time_diff_vs_baseline_ci95_high_min,
                    )
                })
                .collect(),
            cost: rows
                .iter()
                .map(|r| {
                    Interval::from_columns(
                        r.total_cost_diff_vs_baseline_mean,
                        r.total_cost_diff_vs_baseline_ci95_low,
                        r.total_cost_diff_vs_baseline_ci95_high,
                    )
                })
                .collect(),
            baseline,
        }
    }
}

const SAVING: RGBColor = RGBColor(0x00, 0x9E, 0x73);
const WORSE: RGBColor = RGBColor(0xD5, 0x5E, 0x00);
const UNCLEAR: RGBColor = RGBColor(0x77, 0x77, 0x77);

/// One forest panel: returns nothing; draws the intervals of `values` in `area`.
#[allow(clippy::too_many_arguments)]
fn forest_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    heading: &str,
    y: &Axis,
    left: i32,
    right: i32,
    values: &[Option<Interval>],
    desc: String,
    unit: &dyn Fn(&str) -> String,
) -> DrawResult {
    let (head, area) = area.split_vertically(40);
    let base = head.get_base_pixel();
    let lo = values.iter().flatten().map(|v| v.low).fold(0.0, f64::min);
    let hi = values.iter().flatten().map(|v| v.high).fold(0.0, f64::max);
    let pad = 0.08 * (hi - lo).max(1e-9);
    let x = Axis::linear(lo - pad, hi + pad, desc, format_fixed);
    let mut chart = build_chart(&area, &x, y, left, right, true)?;
    let (px0, px1) = {
        let r = chart.plotting_area().get_pixel_range().0;
        (r.start, r.end)
    };
    put_text(
        root,
        heading,
        ((px0 + px1) / 2, base.1 + 8),
        &bold_style(DESC_PX, INK),
        HPos::Center,
        VPos::Top,
    )?;
    line(
        &mut chart,
        vec![(0.0, y.lo), (0.0, y.hi)],
        INK.stroke_width(2),
    )?;
    let n = values.len();
    let note = text_style(NOTE_PX, INK);
    for (i, v) in values.iter().enumerate() {
        let Some(v) = v else { continue };
        let yc = row_y(i, n);
        let c = if !v.excludes_zero() {
            UNCLEAR
        } else if v.mean < 0.0 {
            SAVING
        } else {
            WORSE
        };
        line(
            &mut chart,
            vec![(v.low, yc), (v.high, yc)],
            c.stroke_width(4),
        )?;
        for cap in [v.low, v.high] {
            line(
                &mut chart,
                vec![(cap, yc - 0.08), (cap, yc + 0.08)],
                c.stroke_width(3),
            )?;
        }
        let at = px(&chart, v.mean, yc);
        draw_marker(root, Marker::Circle, at, c, v.excludes_zero())?;
        let d = decimals_for(v.mean.abs().max(v.low.abs()).max(v.high.abs()));
        let text = format!(
            "{} (95% CI {} to {})",
            unit(&format_fixed(v.mean, d)),
            format_fixed(v.low, d),
            format_fixed(v.high, d)
        );
        let w = text_width(root, &text, &note)?;
        let cx =
            at.0.clamp(px0 + w / 2 + 4, (px1 - w / 2 - 4).max(px0 + w / 2 + 4));
        // A white halo keeps the text readable where it crosses the zero line or the grid.
        let (x0, bottom) = (cx - w / 2 - 3, at.1 - 13);
        let halo = [(x0, bottom - NOTE_PX as i32 - 6), (x0 + w + 6, bottom)];
        root.draw(&Rectangle::new(halo, WHITE.filled()))
            .map_err(de)?;
        put_text(
            root,
            &text,
            (cx, at.1 - 16),
            &note,
            HPos::Center,
            VPos::Bottom,
        )?;
    }
    Ok(())
}

impl Figure for DifferenceFigure {
    const NAME: &'static str = "difference_vs_baseline";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let body = draw_header(
            root,
            &format!("Difference from the baseline: {}", self.scenario),
            &format!(
                "Each strategy minus {} (paired, per incident); negative = faster or cheaper.",
                self.baseline
            ),
        )?;
        let legend = [
            item(
                "faster / cheaper (95% CI excludes 0)",
                Swatch::Mark(Marker::Circle, SAVING, true),
            ),
            item(
                "slower / dearer (95% CI excludes 0)",
                Swatch::Mark(Marker::Circle, WORSE, true),
            ),
            item(
                "not distinguishable from the baseline",
                Swatch::Mark(Marker::Circle, UNCLEAR, false),
            ),
        ];
        let plot = draw_legend(root, &body, &legend)?;
        if self.names.is_empty() {
            put_text(
                root,
                "no strategies besides the baseline",
                (800, 500),
                &text_style(DESC_PX, INK),
                HPos::Center,
                VPos::Center,
            )?;
            return Ok(());
        }
        let y = Axis::categories(&self.names);
        let left = category_margin(root, &y)?;
        let width = plot.dim_in_pixel().0 as i32;
        let gap = 70;
        let panel = (width - left - MARGIN - gap) / 2;
        let (a, b) = plot.split_horizontally(left + panel + 10);
        let blank = Axis {
            ticks: y.ticks.iter().map(|(p, _)| (*p, String::new())).collect(),
            ..Axis::categories(&self.names)
        };
        forest_panel(
            root,
            &a,
            "Time to access",
            &y,
            left,
            20,
            &self.time,
            "difference in time to access (minutes)".into(),
            &|m| format!("{m} min"),
        )?;
        let currency = self.currency.clone();
        forest_panel(
            root,
            &b,
            "Total cost per incident (money + time)",
            &blank,
            gap - 10 - MARGIN,
            MARGIN,
            &self.cost,
            format!("difference in total cost per incident ({})", self.money),
            &move |m| format!("{currency} {m}"),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// resolution_shares
// ---------------------------------------------------------------------------------------------

struct ResolutionRow {
    name: String,
    /// Resolved share per remedy, indexed like `ResolutionFigure::remedies`.
    resolved: Vec<f64>,
    damage: f64,
}

struct ResolutionFigure {
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
    fn new(tables: &Tables) -> Self {
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

// ---------------------------------------------------------------------------------------------
// Region tables
// ---------------------------------------------------------------------------------------------

/// The tables a region run writes besides the incident tables.
#[derive(Debug, Clone)]
pub struct RegionTables {
    /// `ep_curve.csv`, in file order.
    pub ep_curve: Vec<EpRow>,
    /// `insurer_cost.csv`, in file order.
    pub insurer_cost: Vec<InsurerCostRow>,
    /// `responders.csv`, in file order.
    pub responders: Vec<ResponderRow>,
    /// `waits.csv`, in file order.
    pub waits: Vec<WaitRow>,
}

impl RegionTables {
    /// Reads `ep_curve.csv`, `insurer_cost.csv`, `responders.csv` and `waits.csv` from `dir`;
    /// `None` when `ep_curve.csv` is absent (an incident-level run). Once `ep_curve.csv` is
    /// there, a missing companion table is an error.
    pub fn load(dir: &Path) -> Result<Option<Self>, PlotError> {
        let ep = dir.join("ep_curve.csv");
        if !ep.exists() {
            return Ok(None);
        }
        Ok(Some(Self {
            ep_curve: read_csv(&ep)?,
            insurer_cost: read_csv(&dir.join("insurer_cost.csv"))?,
            responders: read_csv(&dir.join("responders.csv"))?,
            waits: read_csv(&dir.join("waits.csv"))?,
        }))
    }

    /// Pool names in table (scenario) order.
    pub fn pools(&self) -> Vec<String> {
        let mut pools: Vec<String> = Vec::new();
        for r in &self.responders {
            if !pools.contains(&r.pool) {
                pools.push(r.pool.clone());
            }
        }
        for r in &self.waits {
            if !pools.contains(&r.pool) {
                pools.push(r.pool.clone());
            }
        }
        pools
    }

    /// Perspectives, `ground_up` first, then `insured`, then any other in table order.
    pub fn perspectives(&self) -> Vec<String> {
        let mut seen: Vec<String> = Vec::new();
        let names = self
            .ep_curve
            .iter()
            .map(|r| &r.perspective)
            .chain(self.insurer_cost.iter().map(|r| &r.perspective));
        for p in names {
            if !seen.contains(p) {
                seen.push(p.clone());
            }
        }
        let rank = |p: &String| match p.as_str() {
            "ground_up" => 0,
            "insured" => 1,
            _ => 2,
        };
        seen.sort_by_key(rank);
        seen
    }

    /// Responders in `pool` (from `responders.csv`).
    pub fn responders_in(&self, pool: &str) -> Option<u64> {
        self.responders
            .iter()
            .find(|r| r.pool == pool)
            .map(|r| r.responders)
    }
}

/// "Ground-up loss", "Insured loss" or the perspective's own name.
pub fn perspective_label(perspective: &str) -> String {
    match perspective {
        "ground_up" => "Ground-up loss".to_string(),
        "insured" => "Insured loss".to_string(),
        other => capitalise(&other.replace('_', " ")),
    }
}

impl Tables {
    /// Simulated periods of a region run: from `run.json`, else from the region tables.
    pub fn periods(&self) -> Option<u64> {
        self.run.periods.or_else(|| {
            let region = self.region.as_ref()?;
            region
                .insurer_cost
                .first()
                .map(|r| r.n_periods)
                .or_else(|| region.responders.first().map(|r| r.periods))
                .or_else(|| region.ep_curve.first().map(|r| r.n_periods))
        })
    }

    /// "30 simulated years" (or "simulated years" when unknown).
    fn periods_phrase(&self) -> String {
        match self.periods() {
            Some(1) => "1 simulated year".to_string(),
            Some(p) => format!("{} simulated years", format_fixed(p as f64, 0)),
            None => "simulated years".to_string(),
        }
    }

    /// Strategies in scenario order with their legend labels; the index is the palette slot.
    fn strategy_labels(&self) -> Vec<(String, String)> {
        let baseline = self.baseline().strategy.clone();
        self.summary
            .iter()
            .map(|r| (r.strategy.clone(), strategy_label(r, &baseline)))
            .collect()
    }
}

/// Draws a line through `pts` (axis units), solid or dashed.
fn polyline<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coords>,
    pts: Vec<(f64, f64)>,
    c: RGBColor,
    width: u32,
    dash: bool,
) -> DrawResult {
    let style = c.stroke_width(width);
    if dash {
        chart
            .draw_series(DashedLineSeries::new(pts, 10, 6, style))
            .map_err(de)?;
    } else {
        chart.draw_series(LineSeries::new(pts, style)).map_err(de)?;
    }
    Ok(())
}

/// Draws the runs of consecutive defined points of `pts` as separate lines.
fn broken_line<DB: DrawingBackend>(
    chart: &mut ChartContext<DB, Coords>,
    pts: &[Option<(f64, f64)>],
    c: RGBColor,
    width: u32,
    dash: bool,
) -> DrawResult {
    for run in pts.split(Option::is_none) {
        let run: Vec<(f64, f64)> = run.iter().flatten().copied().collect();
        if run.len() > 1 {
            polyline(chart, run, c, width, dash)?;
        }
    }
    Ok(())
}

/// A small filled dot with a white rim at pixel `at`.
fn dot<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    c: RGBColor,
) -> DrawResult {
    root.draw(&Circle::new(at, 6, WHITE.filled())).map_err(de)?;
    root.draw(&Circle::new(at, 5, c.filled())).map_err(de)
}

/// Writes a panel heading centred over the chart's plotting area, `top` pixels down.
fn panel_heading<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<DB, Coords>,
    top: i32,
    text: &str,
) -> DrawResult {
    let r = chart.plotting_area().get_pixel_range().0;
    put_text(
        root,
        text,
        ((r.start + r.end) / 2, top + 6),
        &bold_style(DESC_PX, INK),
        HPos::Center,
        VPos::Top,
    )
}

/// Writes a note in the middle of the chart's plotting area (e.g. "no calls").
fn panel_note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<DB, Coords>,
    text: &str,
) -> DrawResult {
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    put_text(
        root,
        text,
        ((xr.start + xr.end) / 2, (yr.start + yr.end) / 2),
        &text_style(DESC_PX, MUTED),
        HPos::Center,
        VPos::Center,
    )
}

/// Writes a note at the bottom right inside the chart's plotting area (below rising curves
/// that start from a zero axis), on a white halo.
fn corner_note<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<DB, Coords>,
    text: &str,
) -> DrawResult {
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    let style = text_style(NOTE_PX, INK);
    let w = text_width(root, text, &style)?;
    let (x, y) = (xr.end - 12 - w, yr.end - 12 - NOTE_PX as i32);
    root.draw(&Rectangle::new(
        [(x - 4, y - 4), (x + w + 4, y + NOTE_PX as i32 + 4)],
        WHITE.filled(),
    ))
    .map_err(de)?;
    put_text(root, text, (x, y), &style, HPos::Left, VPos::Top)
}

/// A y axis for money or minutes from zero to `max` (at least `floor`).
fn from_zero(max: f64, floor: f64, desc: String) -> Axis {
    let hi = if max.is_finite() && max > floor {
        max
    } else {
        floor
    };
    Axis::linear(0.0, hi, desc, format_fixed)
}

/// A linear axis with room left of zero, so a curve starting on zero does not hide in the
/// axis line.
fn from_zero_padded(max: f64, desc: String) -> Axis {
    let mut axis = from_zero(max, 1.0, desc);
    axis.lo = -0.02 * (axis.hi - axis.lo);
    axis
}

// ---------------------------------------------------------------------------------------------
// ep_curve
// ---------------------------------------------------------------------------------------------

struct EpSeries {
    slot: usize,
    /// (return period, loss, TVaR), sorted by return period.
    points: Vec<(f64, f64, Option<f64>)>,
}

struct EpPanel {
    heading: String,
    series: Vec<EpSeries>,
}

struct EpFigure {
    scenario: String,
    periods: String,
    money: String,
    strategies: Vec<String>,
    /// One row per perspective: the AEP panel and the OEP panel.
    rows: Vec<[EpPanel; 2]>,
}

impl EpFigure {
    fn new(tables: &Tables, region: &RegionTables) -> Result<Self, PlotError> {
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

// ---------------------------------------------------------------------------------------------
// responder_waits
// ---------------------------------------------------------------------------------------------

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

struct WaitsFigure {
    scenario: String,
    periods: String,
    strategies: Vec<String>,
    panels: Vec<WaitPanel>,
}

/// "patrol trucks (4 responders)".
fn pool_heading(pool: &str, responders: Option<u64>) -> String {
    match responders {
        Some(1) => format!("{pool} (1 responder)"),
        Some(n) => format!("{pool} ({n} responders)"),
        None => pool.to_string(),
    }
}

impl WaitsFigure {
    fn new(tables: &Tables, region: &RegionTables) -> Self {
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
            let y = Axis::linear(
                y_lo,
                1.0,
                "share of calls dispatched within".into(),
                percent_tick,
            );
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

// ---------------------------------------------------------------------------------------------
// utilisation
// ---------------------------------------------------------------------------------------------

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

struct UtilisationFigure {
    scenario: String,
    periods: String,
    strategies: Vec<String>,
    groups: Vec<UtilGroup>,
}

impl UtilisationFigure {
    fn new(tables: &Tables, region: &RegionTables) -> Self {
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

// ---------------------------------------------------------------------------------------------
// staffing (sweep directories)
// ---------------------------------------------------------------------------------------------

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

/// The swept parameter as an axis title, with the unit of a swept duration.
fn sweep_parameter_label(rows: &[SweepRow]) -> String {
    match rows[0].unit.as_str() {
        "" => rows[0].parameter.clone(),
        unit => format!("{} ({unit})", rows[0].parameter),
    }
}

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
struct SweepMeansFigure {
    title: String,
    parameter: String,
    currency: String,
    values: Vec<f64>,
    strategies: Vec<String>,
    series: Vec<SweepMeansSeries>,
}

impl SweepMeansFigure {
    fn new(rows: &[SweepRow], scenario: Option<String>) -> Self {
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

/// Ticks at the swept values when there are few, else round ticks.
fn sweep_x_axis(values: &[f64], desc: String) -> Axis {
    let (lo, hi) = (values[0], values[values.len() - 1]);
    if values.len() > 12 {
        return Axis::linear(lo, hi, desc, format_fixed);
    }
    let pad = if hi > lo { 0.06 * (hi - lo) } else { 0.5 };
    Axis {
        lo: lo - pad,
        hi: hi + pad,
        scale: Scale::Linear,
        ticks: values.iter().map(|&v| (v, format_trimmed(v))).collect(),
        desc,
    }
}

impl Figure for SweepMeansFigure {
    const NAME: &'static str = "sweep_means";

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult {
        let body = draw_header(
            root,
            &self.title,
            &format!(
                "Every value run with the same seed; mean per incident with its 95% interval, \
                 one line per strategy ({} values).",
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

struct StaffingFigure {
    title: String,
    parameter: String,
    values: Vec<f64>,
    strategies: Vec<String>,
    pools: Vec<StaffingPool>,
}

impl StaffingFigure {
    fn new(rows: &[SweepRow], scenario: Option<String>) -> Self {
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
                self.parameter
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

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_round() {
        assert_eq!(nice_step(100.0, 6), (20.0, 0));
        assert_eq!(nice_step(1.0, 10), (0.1, 1));
        assert_eq!(nice_step(7.0, 6), (2.0, 0));
    }

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

    #[test]
    fn symlog_axis_starts_at_zero() {
        let axis = Axis::symlog(1.0, 620.0, String::new());
        assert_eq!(axis.lo, 0.0);
        assert_eq!(axis.at(0.0), 0.0);
        let labels: Vec<&str> = axis.ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            labels,
            [
                "0", "1", "2", "5", "10", "20", "50", "100", "200", "500", "1,000"
            ]
        );
    }
}
