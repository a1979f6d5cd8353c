//! The tables and manifest of `lockout calibrate`: `calibration.csv` (one row per target, or
//! per category of a composition), `parameters.csv` (one row per fitted parameter), `sets.csv`
//! (one row per simulated parameter set), `posterior.csv` (the joint sample `[uncertainty]`
//! reads) and its `run.json`.

use std::io::Write;

use serde::{Deserialize, Serialize};

use super::manifest::ScenarioInfo;
use super::{ser_num, ser_opt};
use crate::report::format::num;

/// One row of `calibration.csv`: an observed value and the model's before and after the fit.
/// Values are in `unit`; a composition's category is a share of the named answers (the survey's
/// answers outside every category left out, see the README's Calibration section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationRow {
    /// The target's name, or `composition: category`.
    pub target: String,
    /// The statistic compared (`resolved_share`, `mean_wait_min`, ...,
    /// `share_of_named_answers`).
    pub statistic: String,
    /// Unit of `observed` and every `simulated_*` column (`share`, `min`, `per vehicle-year`).
    pub unit: String,
    /// The observed value.
    #[serde(serialize_with = "ser_num")]
    pub observed: f64,
    /// Its standard error from the source alone (a composition's: multinomial, from the
    /// survey's sample size).
    #[serde(serialize_with = "ser_num")]
    pub observed_se: f64,
    /// The standard deviation the fit allows between simulated and observed: `observed_se`
    /// and the stated discrepancy between the model and the source, in quadrature.
    #[serde(serialize_with = "ser_num")]
    pub fit_sd: f64,
    /// The statistic for the scenario as written (empty when it has no denominator).
    #[serde(serialize_with = "ser_opt")]
    pub simulated_before: Option<f64>,
    /// Its posterior mean over the weighted parameter sets.
    #[serde(serialize_with = "ser_opt")]
    pub simulated_after: Option<f64>,
    /// 2.5% quantile of the statistic over the weighted parameter sets.
    #[serde(serialize_with = "ser_opt")]
    pub simulated_after_p2_5: Option<f64>,
    /// 97.5% quantile of the statistic over the weighted parameter sets.
    #[serde(serialize_with = "ser_opt")]
    pub simulated_after_p97_5: Option<f64>,
    /// (simulated_after − observed) / fit_sd: beyond ±2 the model and the source still
    /// disagree after the fit.
    #[serde(serialize_with = "ser_opt")]
    pub standardised_residual_after: Option<f64>,
    /// Where the observation comes from.
    pub source: String,
    /// Parameter sets simulated (every round).
    pub parameter_sets: u64,
    /// Incidents simulated per parameter set (the same incidents in every set).
    pub incidents_per_set: u64,
    /// Kish's effective sample size of the weighted parameter sets.
    #[serde(serialize_with = "ser_num")]
    pub effective_sample_size: f64,
}

/// One row of `parameters.csv`: a fitted parameter's prior and posterior, in `unit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterFitRow {
    /// The field's path (the column of `posterior.csv`).
    pub parameter: String,
    /// `min` for a duration, else empty (the field's own unit).
    pub unit: String,
    /// Prior mean.
    #[serde(serialize_with = "ser_num")]
    pub prior_mean: f64,
    /// Prior standard deviation.
    #[serde(serialize_with = "ser_num")]
    pub prior_sd: f64,
    /// Prior 2.5% quantile.
    #[serde(serialize_with = "ser_num")]
    pub prior_p2_5: f64,
    /// Prior 97.5% quantile.
    #[serde(serialize_with = "ser_num")]
    pub prior_p97_5: f64,
    /// Posterior mean (weighted parameter sets).
    #[serde(serialize_with = "ser_num")]
    pub posterior_mean: f64,
    /// Posterior standard deviation.
    #[serde(serialize_with = "ser_num")]
    pub posterior_sd: f64,
    /// Posterior 2.5% quantile.
    #[serde(serialize_with = "ser_num")]
    pub posterior_p2_5: f64,
    /// Posterior 97.5% quantile.
    #[serde(serialize_with = "ser_num")]
    pub posterior_p97_5: f64,
    /// posterior_sd / prior_sd: near 1 the targets say little about the parameter.
    #[serde(serialize_with = "ser_num")]
    pub sd_ratio: f64,
    /// Where the prior comes from.
    pub source: String,
    /// Kish's effective sample size of the weighted parameter sets.
    #[serde(serialize_with = "ser_num")]
    pub effective_sample_size: f64,
}

/// Writes a table of parameter values with leading columns: the header `leading` then a column
/// per parameter path (then `trailing`), each row's `leading` cells, values, `trailing` cells.
/// `sets.csv` and `posterior.csv` are written by it (their columns come from the scenario).
pub fn write_parameter_table<W: Write>(
    out: W,
    leading: &[&str],
    paths: &[String],
    trailing: &[&str],
    rows: impl Iterator<Item = (Vec<String>, Vec<f64>, Vec<String>)>,
) -> csv::Result<W> {
    let mut w = csv::Writer::from_writer(out);
    let header: Vec<&str> = leading
        .iter()
        .copied()
        .chain(paths.iter().map(String::as_str))
        .chain(trailing.iter().copied())
        .collect();
    w.write_record(&header)?;
    for (lead, values, trail) in rows {
        let record: Vec<String> = lead
            .into_iter()
            .chain(values.iter().map(|&x| num(x)))
            .chain(trail)
            .collect();
        w.write_record(&record)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// The `run.json` of `lockout calibrate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationManifest {
    /// The scenario file.
    pub scenario: ScenarioInfo,
    /// The targets file.
    pub targets_path: String,
    /// SHA-256 of the targets file.
    pub targets_sha256: String,
    /// `--set` overrides, as given.
    pub overrides: Vec<String>,
    /// The strategy whose incidents were compared.
    pub strategy: String,
    /// The seed.
    pub seed: u64,
    /// Parameter sets per round.
    pub sets_per_round: u64,
    /// Rounds.
    pub rounds: u64,
    /// Incidents per set.
    pub incidents_per_set: u64,
    /// Rows of `posterior.csv`.
    pub posterior_draws: u64,
    /// Kish's effective sample size of the weights.
    pub effective_sample_size: f64,
    /// How the fit works.
    pub method: String,
    /// How the random streams relate.
    pub streams: String,
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
    /// Wall time, seconds.
    pub wall_time_s: f64,
    /// Incidents simulated per second (one strategy each).
    pub incidents_per_second: f64,
}
