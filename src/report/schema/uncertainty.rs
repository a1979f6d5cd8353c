//! The tables and manifest of `lockout uncertainty`: `draws.csv` (one row per draw and
//! strategy), `decision.csv` (one row per strategy), `sensitivity.csv` (one row per uncertain
//! parameter and strategy) and its `run.json`.

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::manifest::ScenarioInfo;
use super::{header, ser_num, ser_opt};
use crate::report::format::num;

/// One row of `draws.csv`: one strategy in one parameter draw. Between `draw` and `strategy`
/// the table has one column per uncertain parameter, named by its path, holding the draw's
/// value (durations in minutes); they are written and read by `report::uncertainty`, since
/// their names come from the scenario. Money in `currency` at `price_year` prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DrawRow {
    /// The parameter draw, from 0.
    pub draw: u64,
    /// Strategy name.
    pub strategy: String,
    /// Expected cost per vehicle and year in this draw (as `summary.csv` would give it for the
    /// draw's values and incidents).
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_per_vehicle: f64,
    /// Its standard error from the draw's incidents (the inner, Monte Carlo, error).
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_per_vehicle_se: f64,
    /// This strategy's annual cost minus the baseline's, in this draw (0 for the baseline).
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_diff_vs_baseline: f64,
    /// Its standard error from the draw's incidents (paired: the same incidents).
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_diff_vs_baseline_se: f64,
    /// Mean total cost per incident.
    #[serde(serialize_with = "ser_num")]
    pub total_cost_mean: f64,
    /// Mean time to access, minutes.
    #[serde(serialize_with = "ser_num")]
    pub time_to_access_mean_min: f64,
    /// Prevention cost per vehicle and year (the part of the annual cost that is not incidents).
    #[serde(serialize_with = "ser_num")]
    pub prevention_cost_per_year: f64,
    /// Incident cost per vehicle and year, value of time included.
    #[serde(serialize_with = "ser_num")]
    pub incident_cost_per_vehicle_year: f64,
    /// Minutes without the keys per vehicle and year (incident rate × mean time to access,
    /// weighted like the cost): the incident cost changes by this × Δ(value of time)/60.
    #[serde(serialize_with = "ser_num")]
    pub time_to_access_min_per_vehicle_year: f64,
    /// The scenario's (baseline) incident rate in this draw: the incident cost scales with it.
    #[serde(serialize_with = "ser_num")]
    pub baseline_incident_rate_per_vehicle_year: f64,
    /// The value of time in this draw, money per hour.
    #[serde(serialize_with = "ser_num")]
    pub value_of_time_per_hour: f64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Price year.
    pub price_year: i32,
}

/// One row of `decision.csv`: a strategy's annual cost over the parameter draws and how often
/// it is the cheapest. Money in `currency` at `price_year` prices, per vehicle and year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRow {
    /// Strategy name.
    pub strategy: String,
    /// Whether it is the baseline.
    pub baseline: bool,
    /// Parameter draws.
    pub draws: u64,
    /// Incidents simulated per draw (under every strategy).
    pub incidents_per_draw: u64,
    /// Mean over draws of the annual cost: the expected annual cost under parameter
    /// uncertainty.
    #[serde(serialize_with = "ser_num")]
    pub expected_annual_cost_per_vehicle: f64,
    /// Its 95% interval, low end (mean ± 1.96·sd/√draws; covers both levels of error, since
    /// every draw simulates incidents of its own).
    #[serde(serialize_with = "ser_num")]
    pub expected_annual_cost_per_vehicle_ci95_low: f64,
    /// Its 95% interval, high end.
    #[serde(serialize_with = "ser_num")]
    pub expected_annual_cost_per_vehicle_ci95_high: f64,
    /// 5th percentile of the draws' annual costs (lower empirical quantile).
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_p05: f64,
    /// Median of the draws' annual costs.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_p50: f64,
    /// 95th percentile of the draws' annual costs.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_p95: f64,
    /// Variance of the draws' annual costs due to the parameters (outer): the variance over
    /// draws minus the mean inner variance, at least 0. Money².
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_outer_variance: f64,
    /// Mean over draws of the variance of a draw's estimate from its incidents (inner). Money².
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_inner_variance: f64,
    /// Share of draws in which it is the cheapest (ties split equally): sums to 1.
    #[serde(serialize_with = "ser_num")]
    pub probability_cheapest: f64,
    /// Mean over draws of its annual cost minus the draw's cheapest.
    #[serde(serialize_with = "ser_num")]
    pub expected_opportunity_loss: f64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Price year.
    pub price_year: i32,
}

/// One row of `sensitivity.csv`: how one strategy's annual cost difference from the baseline
/// moves with one uncertain parameter. Money in `currency` at `price_year` prices, per vehicle
/// and year; parameter values in the parameter's unit (`unit`: `min` for a duration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensitivityRow {
    /// The parameter's path.
    pub parameter: String,
    /// `min` for a duration, else empty.
    pub unit: String,
    /// Strategy name.
    pub strategy: String,
    /// The parameter's 10th percentile.
    #[serde(serialize_with = "ser_num")]
    pub value_p10: f64,
    /// Its median.
    #[serde(serialize_with = "ser_num")]
    pub value_p50: f64,
    /// Its 90th percentile.
    #[serde(serialize_with = "ser_num")]
    pub value_p90: f64,
    /// Annual cost minus the baseline's with every parameter at its median.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_diff_vs_baseline_at_p50: f64,
    /// The same with this parameter at its p10, the others at their medians (one-way).
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_diff_vs_baseline_at_p10: f64,
    /// Its 95% interval from the run's incidents, low end.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_diff_vs_baseline_at_p10_ci95_low: f64,
    /// High end.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_diff_vs_baseline_at_p10_ci95_high: f64,
    /// The same with this parameter at its p90.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_diff_vs_baseline_at_p90: f64,
    /// Its 95% interval, low end.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_diff_vs_baseline_at_p90_ci95_low: f64,
    /// High end.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_diff_vs_baseline_at_p90_ci95_high: f64,
    /// Over the draws: the share of the variance of the strategy's annual cost difference
    /// that this parameter explains alone (first-order, Var E[Y | parameter] / Var Y, from bins
    /// of the draws sorted by the parameter); empty for the baseline.
    #[serde(serialize_with = "ser_opt")]
    pub first_order_variance_share: Option<f64>,
    /// Over the draws: the expected value of knowing this parameter exactly before choosing
    /// (EVPPI, from the same bins); the same on every row of the parameter.
    #[serde(serialize_with = "ser_num")]
    pub evppi_per_vehicle_year: f64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Price year.
    pub price_year: i32,
}

/// An uncertain parameter as `run.json` records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterInfo {
    /// Path.
    pub path: String,
    /// `min` for a duration, else empty.
    pub unit: String,
    /// Where its distribution comes from.
    pub source: String,
    /// 10th percentile, median and 90th percentile.
    pub p10: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// `run.json` of `lockout uncertainty`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UncertaintyManifest {
    /// The scenario file.
    pub scenario: ScenarioInfo,
    /// `--set` overrides, as given.
    pub overrides: Vec<String>,
    /// The run's seed.
    pub seed: u64,
    /// Parameter draws.
    pub draws: u64,
    /// Incidents per draw.
    pub incidents_per_draw: u64,
    /// How the random streams relate across draws.
    pub streams: String,
    /// The joint sample file the parameter sets come from (with its SHA-256), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joint_sample: Option<String>,
    /// The uncertain parameters.
    pub parameters: Vec<ParameterInfo>,
    /// Strategy names, in scenario order.
    pub strategies: Vec<String>,
    /// The baseline.
    pub baseline: String,
    /// The strategy with the lowest expected annual cost (absent in a part's manifest: a
    /// part decides nothing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cheapest_expected: Option<String>,
    /// Expected value of perfect information per vehicle-year: the lowest expected annual
    /// cost minus the expected lowest annual cost over draws (= the smallest expected
    /// opportunity loss of `decision.csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evpi_per_vehicle_year: Option<f64>,
    /// How much of it the incidents' Monte Carlo noise may account for (noise makes the
    /// cheapest of a draw look cheaper than it is, so it biases EVPI upward).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evpi_noise_bias_per_vehicle_year: Option<f64>,
    /// The global sensitivity measure of `sensitivity.csv`.
    pub global_sensitivity: String,
    /// Worker threads.
    pub threads: usize,
    /// Random generator.
    pub generator: String,
    /// Math backend.
    pub math_backend: String,
    /// lockout's version.
    pub lockout_version: String,
    /// Platform.
    pub platform: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// Price year.
    pub price_year: i32,
    /// Confidence level of the intervals.
    pub confidence_level: f64,
    /// Wall time of the simulation, seconds.
    pub wall_time_s: f64,
    /// Evaluations (incident × strategy) per second, over draws and one-way runs.
    pub evaluations_per_second: f64,
    /// For a shard: which part of the draws.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::units::Shard>,
}

/// Writes `draws.csv`: `draw`, a column per parameter (named by its path) with the draw's
/// value, then the rest of [`DrawRow`]'s columns. `values[d]` belongs to the rows of draw
/// `rows[..].draw == first + d`.
pub fn write_draws<W: Write>(
    out: W,
    parameters: &[String],
    first: u64,
    values: &[Vec<f64>],
    rows: &[DrawRow],
) -> csv::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    let head = header::<DrawRow>();
    let mut record: Vec<String> = vec![head[0].to_string()];
    record.extend(parameters.iter().cloned());
    record.extend(head[1..].iter().map(|h| h.to_string()));
    w.write_record(&record)?;
    for row in rows {
        // The row's own columns, written by its serde definition.
        let mut one = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        one.serialize(row)?;
        let bytes = one
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))?;
        let fields = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice())
            .into_records()
            .next()
            .expect("one record")?;
        let mut record: Vec<String> = vec![fields[0].to_string()];
        record.extend(values[(row.draw - first) as usize].iter().map(|&x| num(x)));
        record.extend(fields.iter().skip(1).map(str::to_string));
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// `draws.csv` read back: the parameter columns' names, and each row with its parameter values.
pub type DrawsTable = (Vec<String>, Vec<(DrawRow, Vec<f64>)>);

/// Reads `draws.csv`: its rows and, per row, the parameter columns (names and values).
pub fn read_draws(bytes: &[u8]) -> csv::Result<DrawsTable> {
    let mut r = csv::Reader::from_reader(bytes);
    let headers = r.headers()?.clone();
    let at = headers.iter().position(|h| h == "strategy").unwrap_or(1);
    let parameters: Vec<String> = headers
        .iter()
        .skip(1)
        .take(at - 1)
        .map(str::to_string)
        .collect();
    // The row's own columns without the parameters' (a parameter may share a column's name,
    // `value_of_time_per_hour`).
    let own = |r: &csv::StringRecord| -> csv::StringRecord {
        r.iter().take(1).chain(r.iter().skip(at)).collect()
    };
    let own_headers = own(&headers);
    let mut out = Vec::new();
    for record in r.records() {
        let record = record?;
        let row: DrawRow = own(&record).deserialize(Some(&own_headers))?;
        let values = (1..at)
            .map(|i| record[i].parse::<f64>().unwrap_or(f64::NAN))
            .collect();
        out.push((row, values));
    }
    Ok((parameters, out))
}
