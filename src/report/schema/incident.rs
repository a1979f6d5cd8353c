//! The incident tables besides the summary: `remedies.csv`, `segments.csv` and
//! `distributions.csv`.

use serde::{Deserialize, Serialize};

use super::{ser_num, ser_opt};

/// One row of `remedies.csv`: how one remedy (or the fallback) did under one strategy. Times
/// in minutes, money in `currency` at `price_year` prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemedyRow {
    /// Strategy name.
    pub strategy: String,
    /// Remedy name, or `fallback` for incidents no remedy ended.
    pub remedy: String,
    /// The remedy's label as the scenario gives it (its name when it gives none); for a
    /// fallback row, the fallback's name.
    pub label: String,
    /// Times the remedy was tried.
    pub attempts: u64,
    /// Times it worked.
    pub successes: u64,
    /// Incidents it ended.
    pub resolved: u64,
    /// Share of the strategy's incidents this remedy ended (0 to 1).
    #[serde(serialize_with = "ser_num")]
    pub resolved_share: f64,
    /// Damage events this remedy caused.
    pub damage_events: u64,
    /// Damage events of this remedy per incident of the strategy.
    #[serde(serialize_with = "ser_num")]
    pub damage_share: f64,
    /// Mean time to access of the incidents it ended, minutes (empty when it ended none).
    #[serde(serialize_with = "ser_opt")]
    pub resolved_time_mean_min: Option<f64>,
    /// Mean money paid in the incidents it ended (empty when it ended none).
    #[serde(serialize_with = "ser_opt")]
    pub resolved_cost_mean: Option<f64>,
    /// Currency of the money columns.
    pub currency: String,
    /// Price year of the money columns.
    pub price_year: i32,
}

/// One row of `segments.csv`: one strategy's incidents of one vehicle segment, driver profile
/// or place. Times in minutes, money in `currency` at `price_year` prices; statistics of a
/// group without incidents are empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRow {
    /// Strategy name.
    pub strategy: String,
    /// `vehicle_segment`, `driver_profile` or `place`.
    pub dimension: String,
    /// The segment, profile or place.
    pub value: String,
    /// Incidents in the group.
    pub incidents: u64,
    /// Share of the strategy's incidents in the group (0 to 1).
    #[serde(serialize_with = "ser_num")]
    pub incident_share: f64,
    /// Mean time to access, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub time_to_access_mean_min: Option<f64>,
    /// Lower bound of its 95% CI, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub time_to_access_ci95_low_min: Option<f64>,
    /// Upper bound of its 95% CI, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub time_to_access_ci95_high_min: Option<f64>,
    /// Mean money paid per incident.
    #[serde(serialize_with = "ser_opt")]
    pub cost_mean: Option<f64>,
    /// Lower bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub cost_ci95_low: Option<f64>,
    /// Upper bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub cost_ci95_high: Option<f64>,
    /// Mean total cost per incident (money paid + value of time).
    #[serde(serialize_with = "ser_opt")]
    pub total_cost_mean: Option<f64>,
    /// Share of the group's incidents with damage (0 to 1).
    #[serde(serialize_with = "ser_opt")]
    pub damage_rate: Option<f64>,
    /// Share of the group's incidents ended by the fallback (0 to 1).
    #[serde(serialize_with = "ser_opt")]
    pub unresolved_rate: Option<f64>,
    /// Currency of the money columns.
    pub currency: String,
    /// Price year of the money columns.
    pub price_year: i32,
}

/// One row of `distributions.csv`: a quantile of one strategy's time to access and cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuantileRow {
    /// Strategy name.
    pub strategy: String,
    /// Quantile level, 0.001 to 0.999.
    #[serde(serialize_with = "ser_num")]
    pub quantile: f64,
    /// Time to access at this quantile, minutes.
    #[serde(serialize_with = "ser_num")]
    pub time_to_access_min: f64,
    /// Money paid per incident at this quantile.
    #[serde(serialize_with = "ser_num")]
    pub cost: f64,
    /// Currency of `cost`.
    pub currency: String,
    /// Price year of `cost`.
    pub price_year: i32,
}
