//! Reading a results directory for the figures and the page: [`Tables`] and [`RegionTables`],
//! every row checked before it is drawn, and [`PlotError`], what can go wrong.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::report::schema::{
    DecisionRow, DrawRow, EpRow, InsurerCostRow, Manifest, QuantileRow, RemedyRow, ResponderRow,
    SensitivityRow, SummaryRow, SweepRow, UncertaintyManifest, WaitRow,
};

use super::draw::capitalise;

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
    Output(#[from] crate::report::output::OutputError),
}

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
    pub(super) fn quantiles(&self, strategy: &str) -> Result<Vec<&QuantileRow>, PlotError> {
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
pub(super) fn quantile_at<'a>(
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

pub(super) fn read_text(path: &Path) -> Result<String, PlotError> {
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
pub(super) fn read_csv<T: DeserializeOwned + CheckRow>(path: &Path) -> Result<Vec<T>, PlotError> {
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
pub(super) trait CheckRow {
    /// `Err` says which column is wrong and how.
    fn check(&self) -> Result<(), String>;
}

/// `Err` unless every value is finite.
pub(super) fn finite(values: &[(&str, f64)]) -> Result<(), String> {
    match values.iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((name, v)) => Err(format!("column `{name}`: {v} is not a finite number")),
    }
}

/// `Err` unless every present value is finite.
pub(super) fn finite_opt(values: &[(&str, Option<f64>)]) -> Result<(), String> {
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
pub(super) fn ordered(values: &[(&str, Option<f64>)]) -> Result<(), String> {
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
/// identifiers, which are the column names (see [`crate::report::schema`]); each value
/// converted to what the check takes (`f64` or `Option<f64>`).
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

impl CheckRow for DecisionRow {
    fn check(&self) -> Result<(), String> {
        finite(&cols![self;
            expected_annual_cost_per_vehicle,
            annual_cost_outer_variance,
            annual_cost_inner_variance,
            expected_opportunity_loss,
        ])?;
        share(&cols![self; probability_cheapest])?;
        ordered(&[
            (
                stringify!(expected_annual_cost_per_vehicle_ci95_low),
                Some(self.expected_annual_cost_per_vehicle_ci95_low),
            ),
            (
                stringify!(expected_annual_cost_per_vehicle),
                Some(self.expected_annual_cost_per_vehicle),
            ),
            (
                stringify!(expected_annual_cost_per_vehicle_ci95_high),
                Some(self.expected_annual_cost_per_vehicle_ci95_high),
            ),
        ])?;
        ordered(&[
            (stringify!(annual_cost_p05), Some(self.annual_cost_p05)),
            (stringify!(annual_cost_p50), Some(self.annual_cost_p50)),
            (stringify!(annual_cost_p95), Some(self.annual_cost_p95)),
        ])
    }
}

impl CheckRow for SensitivityRow {
    fn check(&self) -> Result<(), String> {
        finite(&cols![self;
            annual_cost_diff_vs_baseline_at_p10,
            annual_cost_diff_vs_baseline_at_p50,
            annual_cost_diff_vs_baseline_at_p90,
            evppi_per_vehicle_year,
        ])?;
        if let Some(v) = self.first_order_variance_share {
            share(&[(stringify!(first_order_variance_share), v)])?;
        }
        ordered(&[
            (stringify!(value_p10), Some(self.value_p10)),
            (stringify!(value_p50), Some(self.value_p50)),
            (stringify!(value_p90), Some(self.value_p90)),
        ])
    }
}

/// Everything read from the results directory of `lockout uncertainty`.
#[derive(Debug, Clone)]
pub struct UncertaintyTables {
    /// `run.json`.
    pub run: UncertaintyManifest,
    /// `decision.csv`, in scenario order.
    pub decision: Vec<DecisionRow>,
    /// `sensitivity.csv`.
    pub sensitivity: Vec<SensitivityRow>,
    /// The parameter columns of `draws.csv`.
    pub parameters: Vec<String>,
    /// `draws.csv`'s rows, draw by draw, each with its parameter values.
    pub draws: Vec<DrawRow>,
}

impl UncertaintyTables {
    /// Reads `run.json`, `decision.csv`, `sensitivity.csv` and `draws.csv` from `dir`.
    pub fn load(dir: &Path) -> Result<Self, PlotError> {
        let run_path = dir.join("run.json");
        let run: UncertaintyManifest =
            serde_json::from_str(&read_text(&run_path)?).map_err(|e| PlotError::BadManifest {
                path: run_path.clone(),
                message: e.to_string(),
            })?;
        let decision: Vec<DecisionRow> = read_csv(&dir.join("decision.csv"))?;
        let names: Vec<String> = decision.iter().map(|r| r.strategy.clone()).collect();
        let bad = |path: PathBuf, message: String| PlotError::BadTable { path, message };
        if decision.is_empty() {
            return Err(bad(dir.join("decision.csv"), "no strategies".into()));
        }
        let sensitivity = read_csv_with(&dir.join("sensitivity.csv"), |row: &SensitivityRow| {
            row.check()?;
            known_strategy(&names)(&row.strategy)
        })?;
        let draws_path = dir.join("draws.csv");
        let bytes = std::fs::read(&draws_path).map_err(|e| io_error(&draws_path, e))?;
        let (parameters, rows) =
            crate::report::schema::read_draws(&bytes).map_err(|e| PlotError::BadColumn {
                path: draws_path.clone(),
                message: e.to_string(),
            })?;
        // Draw by draw, every strategy in decision.csv's order: what the curves assume.
        let n = names.len();
        for (i, (row, values)) in rows.iter().enumerate() {
            let line = i + 2;
            if row.strategy != names[i % n] || row.draw != (i / n) as u64 {
                return Err(bad(
                    draws_path.clone(),
                    format!(
                        "line {line}: expected draw {} of strategy `{}`",
                        i / n,
                        names[i % n]
                    ),
                ));
            }
            let numbers = [
                row.annual_cost_per_vehicle,
                row.prevention_cost_per_year,
                row.incident_cost_per_vehicle_year,
                row.time_to_access_min_per_vehicle_year,
                row.baseline_incident_rate_per_vehicle_year,
                row.value_of_time_per_hour,
            ];
            if numbers.iter().chain(values).any(|x| !x.is_finite()) {
                return Err(bad(
                    draws_path.clone(),
                    format!("line {line}: a value is not a finite number"),
                ));
            }
        }
        if rows.is_empty() || rows.len() % n != 0 {
            return Err(bad(
                draws_path,
                "no draws, or a draw without every strategy".into(),
            ));
        }
        Ok(Self {
            run,
            decision,
            sensitivity,
            parameters,
            draws: rows.into_iter().map(|(r, _)| r).collect(),
        })
    }

    /// Strategy names, in scenario order.
    pub fn strategies(&self) -> Vec<String> {
        self.decision.iter().map(|r| r.strategy.clone()).collect()
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
                .map(|r| r.periods)
                .or_else(|| region.responders.first().map(|r| r.periods))
                .or_else(|| region.ep_curve.first().map(|r| r.periods))
        })
    }
}
