//! `sweep.csv`: one row per (swept value, strategy, responder pool) of `lockout sweep`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ser_opt;

/// One row of `sweep.csv`: the headline statistics of one strategy at one value of the swept
/// field (and, for a region scenario, of one responder pool; the strategy's columns repeat on
/// each pool's row). Times in minutes, money in `currency` at `price_year` prices; the pool
/// columns are empty for an incident-level scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// The swept scenario field, e.g. `region.pool.patrol trucks.count`.
    pub parameter: String,
    /// Its value in this run.
    pub value: SweptValue,
    /// The unit of a swept duration (`min`, `h`, ...); empty for plain numbers (and in tables
    /// of older versions, which lack the column).
    #[serde(default)]
    pub unit: String,
    /// Strategy name.
    pub strategy: String,
    /// Incidents simulated for the strategy.
    pub incidents: u64,
    /// Mean time to access, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub time_to_access_mean_min: Option<f64>,
    /// Its 95% interval, low end.
    #[serde(serialize_with = "ser_opt")]
    pub time_to_access_ci95_low_min: Option<f64>,
    /// Its 95% interval, high end.
    #[serde(serialize_with = "ser_opt")]
    pub time_to_access_ci95_high_min: Option<f64>,
    /// 90th percentile of time to access, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub time_to_access_p90_min: Option<f64>,
    /// Mean total cost per incident (money paid + value of time).
    #[serde(serialize_with = "ser_opt")]
    pub total_cost_mean: Option<f64>,
    /// Its 95% interval, low end.
    #[serde(serialize_with = "ser_opt")]
    pub total_cost_ci95_low: Option<f64>,
    /// Its 95% interval, high end.
    #[serde(serialize_with = "ser_opt")]
    pub total_cost_ci95_high: Option<f64>,
    /// Share of incidents ended by the fallback (0 to 1).
    #[serde(serialize_with = "ser_opt")]
    pub unresolved_rate: Option<f64>,
    /// Expected cost per vehicle and year.
    #[serde(serialize_with = "ser_opt")]
    pub annual_cost_per_vehicle: Option<f64>,
    /// Responder pool (empty for incident-level scenarios).
    pub pool: String,
    /// The pool's utilisation (0 to 1).
    #[serde(serialize_with = "ser_opt")]
    pub utilisation: Option<f64>,
    /// Median queue wait, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub queue_wait_p50_min: Option<f64>,
    /// 90th percentile queue wait, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub queue_wait_p90_min: Option<f64>,
    /// 99th percentile queue wait, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub queue_wait_p99_min: Option<f64>,
    /// Lockout calls the pool abandoned (another route got in first).
    pub abandoned_calls: Option<u64>,
    /// Currency of the money columns.
    pub currency: String,
    /// Price year of the money columns.
    pub price_year: i32,
}

/// A swept value: written as its exact decimal text (`0.05`, `3`), read as the nearest double.
#[derive(Debug, Clone, PartialEq)]
pub struct SweptValue {
    /// The decimal text, as `lockout sweep` computed it.
    pub text: String,
    /// The nearest double.
    pub number: f64,
}

impl Serialize for SweptValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for SweptValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let number = text.trim().parse().map_err(serde::de::Error::custom)?;
        Ok(Self { text, number })
    }
}
