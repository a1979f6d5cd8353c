//! `summary.csv`: the headline statistics of each strategy.

use serde::{Deserialize, Serialize};

use super::{ser_num, ser_opt};

/// One row of `summary.csv`: the results of one strategy. Times in minutes, money in the row's
/// `currency` at `price_year` prices; differences are strategy minus baseline, paired incident
/// by incident in an incident-level run and period by period in a region run (the difference
/// of the strategies' means per lockout, its interval by the delta method over the periods'
/// sums; exactly 0 for the baseline). Intervals are 95% confidence intervals of the mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// Strategy name, as in the scenario.
    pub strategy: String,
    /// Whether this row is the baseline strategy.
    pub baseline: bool,
    /// Incidents simulated for this strategy.
    pub incidents: u64,
    /// Mean time to access, minutes.
    #[serde(serialize_with = "ser_num")]
    pub time_to_access_mean_min: f64,
    /// Standard deviation of time to access, minutes (empty with fewer than two incidents).
    #[serde(serialize_with = "ser_opt")]
    pub time_to_access_sd_min: Option<f64>,
    /// Lower bound of the 95% CI of the mean time to access, minutes.
    #[serde(serialize_with = "ser_num")]
    pub time_to_access_ci95_low_min: f64,
    /// Upper bound of the 95% CI of the mean time to access, minutes.
    #[serde(serialize_with = "ser_num")]
    pub time_to_access_ci95_high_min: f64,
    /// Median time to access, minutes.
    #[serde(serialize_with = "ser_num")]
    pub time_to_access_p50_min: f64,
    /// 90th percentile of time to access, minutes.
    #[serde(serialize_with = "ser_num")]
    pub time_to_access_p90_min: f64,
    /// 99th percentile of time to access, minutes.
    #[serde(serialize_with = "ser_num")]
    pub time_to_access_p99_min: f64,
    /// Mean difference in time to access (strategy minus baseline), minutes.
    #[serde(serialize_with = "ser_opt")]
    pub time_diff_vs_baseline_mean_min: Option<f64>,
    /// Lower bound of its 95% CI, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub time_diff_vs_baseline_ci95_low_min: Option<f64>,
    /// Upper bound of its 95% CI, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub time_diff_vs_baseline_ci95_high_min: Option<f64>,
    /// Mean money paid per incident.
    #[serde(serialize_with = "ser_num")]
    pub cost_mean: f64,
    /// Standard deviation of the money paid per incident (empty with fewer than two incidents).
    #[serde(serialize_with = "ser_opt")]
    pub cost_sd: Option<f64>,
    /// Lower bound of the 95% CI of the mean cost.
    #[serde(serialize_with = "ser_num")]
    pub cost_ci95_low: f64,
    /// Upper bound of the 95% CI of the mean cost.
    #[serde(serialize_with = "ser_num")]
    pub cost_ci95_high: f64,
    /// Median money paid per incident.
    #[serde(serialize_with = "ser_num")]
    pub cost_p50: f64,
    /// 90th percentile of the money paid per incident.
    #[serde(serialize_with = "ser_num")]
    pub cost_p90: f64,
    /// 99th percentile of the money paid per incident.
    #[serde(serialize_with = "ser_num")]
    pub cost_p99: f64,
    /// Mean money paid to the remedies (fees, parts) per incident.
    #[serde(serialize_with = "ser_num")]
    pub cost_direct_mean: f64,
    /// Mean cost of damage to the vehicle per incident.
    #[serde(serialize_with = "ser_num")]
    pub cost_damage_mean: f64,
    /// Mean value of the driver's time lost per incident (value of time × time to access).
    #[serde(serialize_with = "ser_num")]
    pub time_cost_mean: f64,
    /// Mean total cost per incident (money paid + value of time).
    #[serde(serialize_with = "ser_num")]
    pub total_cost_mean: f64,
    /// Lower bound of the 95% CI of the mean total cost.
    #[serde(serialize_with = "ser_num")]
    pub total_cost_ci95_low: f64,
    /// Upper bound of the 95% CI of the mean total cost.
    #[serde(serialize_with = "ser_num")]
    pub total_cost_ci95_high: f64,
    /// Mean difference in money paid (strategy minus baseline).
    #[serde(serialize_with = "ser_opt")]
    pub cost_diff_vs_baseline_mean: Option<f64>,
    /// Lower bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub cost_diff_vs_baseline_ci95_low: Option<f64>,
    /// Upper bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub cost_diff_vs_baseline_ci95_high: Option<f64>,
    /// Mean difference in total cost (strategy minus baseline).
    #[serde(serialize_with = "ser_opt")]
    pub total_cost_diff_vs_baseline_mean: Option<f64>,
    /// Lower bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub total_cost_diff_vs_baseline_ci95_low: Option<f64>,
    /// Upper bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub total_cost_diff_vs_baseline_ci95_high: Option<f64>,
    /// Share of incidents with damage to the vehicle (0 to 1).
    #[serde(serialize_with = "ser_num")]
    pub damage_rate: f64,
    /// Share of incidents that ended with the fallback (0 to 1).
    #[serde(serialize_with = "ser_num")]
    pub unresolved_rate: f64,
    /// Lockouts per vehicle and year under this strategy.
    #[serde(serialize_with = "ser_num")]
    pub incident_rate_per_vehicle_year: f64,
    /// Cost of the prevention strategy per vehicle and year.
    #[serde(serialize_with = "ser_num")]
    pub prevention_cost_per_year: f64,
    /// Expected incident cost per vehicle and year (rate × mean total cost).
    #[serde(serialize_with = "ser_num")]
    pub incident_cost_per_vehicle_year: f64,
    /// Expected cost per vehicle and year: incident cost + prevention cost.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_per_vehicle: f64,
    /// Lower bound of its 95% CI.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_per_vehicle_ci95_low: f64,
    /// Upper bound of its 95% CI.
    #[serde(serialize_with = "ser_num")]
    pub annual_cost_per_vehicle_ci95_high: f64,
    /// Paired difference in annual cost per vehicle, strategy − baseline (negative: the
    /// strategy is cheaper per vehicle-year): paired incident by incident under common random
    /// numbers, or in a region run period by period (0 for the baseline). Empty when
    /// undefined (absent in tables written before it existed).
    #[serde(default, serialize_with = "ser_opt")]
    pub annual_cost_diff_vs_baseline_mean: Option<f64>,
    /// Lower bound of its 95% CI.
    #[serde(default, serialize_with = "ser_opt")]
    pub annual_cost_diff_vs_baseline_ci95_low: Option<f64>,
    /// Upper bound of its 95% CI.
    #[serde(default, serialize_with = "ser_opt")]
    pub annual_cost_diff_vs_baseline_ci95_high: Option<f64>,
    /// The incident rate per vehicle-year at which the strategy's annual cost equals the
    /// baseline's (empty: none; 0 when it is cheaper at any rate).
    #[serde(serialize_with = "ser_opt")]
    pub break_even_incident_rate: Option<f64>,
    /// When the strategy is cheaper per vehicle-year than the baseline (`baseline` for the
    /// baseline, so the column is text in every run; empty in tables written before).
    #[serde(default)]
    pub cheaper_than_baseline_when: Option<CheaperWhen>,
    /// Money value of one hour of the driver's time.
    #[serde(serialize_with = "ser_num")]
    pub value_of_time_per_hour: f64,
    /// Currency of the money columns (ISO code, e.g. `USD`).
    pub currency: String,
    /// Price year of the money columns.
    pub price_year: i32,
}

/// When a strategy's expected annual cost per vehicle is below the baseline's, as a function of
/// the baseline incident rate. Written in `summary.csv` as the snake_case word of each variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CheaperWhen {
    /// At any incident rate.
    #[serde(rename = "always")]
    Always,
    /// At no incident rate.
    #[serde(rename = "never")]
    Never,
    /// Above the break-even rate (it costs more per year but saves per incident).
    #[serde(rename = "rate_above_break_even")]
    RateAbove,
    /// Below the break-even rate (it saves per year but costs more per incident).
    #[serde(rename = "rate_below_break_even")]
    RateBelow,
    /// The row is the baseline's.
    #[serde(rename = "baseline")]
    Baseline,
}
