//! `run.json`: what was run, how, and how fast; for a sweep, what was swept.

use serde::{Deserialize, Serialize};

/// The scenario behind a run or a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Human name, shown in every title.
    pub name: String,
    /// One-paragraph description from the scenario file.
    pub description: String,
    /// Path as given on the command line.
    pub path: String,
    /// SHA-256 of the file's bytes.
    pub sha256: String,
}

/// The run manifest written as `run.json` beside the tables of a run, and read by the figures
/// and the report page (unknown fields are ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The scenario.
    pub scenario: ScenarioInfo,
    /// `--set` overrides applied, as `path=value`.
    pub overrides: Vec<String>,
    /// Seed of every random stream.
    pub seed: u64,
    /// Incidents simulated (each under every strategy).
    pub incidents: u64,
    /// Worker threads used.
    pub threads: usize,
    /// Incidents per parallel chunk.
    pub chunk_incidents: u64,
    /// Strategies, in table order.
    pub strategies: Vec<String>,
    /// The baseline strategy.
    pub baseline: String,
    /// The random generator and how streams are keyed.
    pub generator: String,
    /// Which implementation computes exp/ln in the samplers.
    pub math_backend: String,
    /// Version of lockout that produced the run.
    pub lockout_version: String,
    /// The day the run was written, UTC, as `YYYY-MM-DD`: `SOURCE_DATE_EPOCH` when set (the
    /// reproducible-builds convention, so that a reference run can be remade to the byte),
    /// otherwise the clock. Empty in a manifest written before the field existed.
    #[serde(default)]
    pub run_date: String,
    /// Target the binary was built for.
    pub platform: String,
    /// Currency of every money column.
    pub currency: String,
    /// Price year of every money column.
    pub price_year: i32,
    /// Value of time, currency per hour.
    pub value_of_time_per_hour: f64,
    /// Confidence level of every interval.
    pub confidence_level: f64,
    /// How quantiles are estimated.
    pub quantile_method: String,
    /// Wall-clock seconds of the simulation (excludes writing tables and figures).
    pub wall_time_s: f64,
    /// Incidents per second of wall time.
    pub incidents_per_second: f64,
    /// Incident-strategy evaluations per second (incidents × strategies / wall time).
    pub evaluations_per_second: f64,
    /// For a shard: which part of the run this directory holds (tables are not written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::units::Shard>,
    /// For a merged run: how many shards it was merged from (threads and wall time are sums).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_shards: Option<u64>,
    /// For a precision run: the target relative half-width of the 95% intervals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision_target: Option<f64>,
    /// For a precision run: the largest relative half-width reached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision_reached: Option<f64>,
    /// For a precision run: whether the target was met (false: stopped at max_incidents).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision_met: Option<bool>,
    /// For a precision run: the cap on incidents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_incidents: Option<u64>,
    /// For a region run: the number of simulated periods (365-day years).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods: Option<u64>,
    /// For a region run: events processed per second (arrivals, other calls and the events of
    /// the period queues, in time order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_per_second: Option<f64>,
}

/// The manifest written as `run.json` beside `sweep.csv`. Written with its keys in alphabetical
/// order at every level (through [`serde_json::Value`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepManifest {
    /// The swept scenario (the file, before the swept and fixed overrides).
    pub scenario: ScenarioInfo,
    /// Seed of every run of the sweep.
    pub seed: u64,
    /// The swept field and its values.
    pub sweep: SweepInfo,
    /// `--set` overrides applied to every run, as `path=value`.
    pub fixed_overrides: Vec<String>,
    /// Version of lockout that produced the sweep.
    pub lockout_version: String,
    /// Currency of every money column.
    pub currency: String,
    /// Price year of every money column.
    pub price_year: i32,
    /// Confidence level of every interval.
    pub confidence_level: f64,
}

/// The swept field of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepInfo {
    /// Dotted path of the swept field.
    pub parameter: String,
    /// Its values, in order (numbers in `unit`).
    pub values: Vec<f64>,
    /// The unit of a swept duration (`min`, `h`, ...), or none for plain numbers.
    pub unit: Option<String>,
}

/// The math backend of the samplers: rand_distr's `std_math` feature is enabled in Cargo.toml.
pub const MATH_BACKEND: &str = "std (rand_distr feature std_math)";

/// How quantiles are estimated, for the manifest and the README.
pub const QUANTILE_METHOD: &str = "lower empirical quantile (rank ceil(q*n)) from a log-linear histogram with 128 sub-buckets per octave: relative error at most 0.4%, exact where every value of the bucket is the same (a fixed duration or price)";

/// The target platform string, e.g. `x86_64-linux`.
pub fn platform() -> String {
    format!("{}-{}", std::env::consts::ARCH, std::env::consts::OS)
}
