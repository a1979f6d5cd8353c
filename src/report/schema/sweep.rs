//! `sweep.csv`: one row per (swept value, strategy, responder pool) of `lockout sweep`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ser_opt;

/// One row of `sweep.csv`: the headline statistics of one strategy at one value of the swept
/// field (and, for a region scenario, of one responder pool; the strategy's columns repeat on
/// each pool's row). Times in minutes, money in `currency` at `price_year` prices. Every
/// column keeps its type in every sweep: for an incident-level scenario `pool` is `none`,
/// the pool statistics are empty and `abandoned_calls` is 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// The swept scenario field, e.g. `region.pool.patrol trucks.count`.
    pub parameter: String,
    /// Its value in this run (column `swept_value`, always written as a float; named `value`,
    /// and written whole numbers as integers, before `value` meant a segment's value only).
    #[serde(rename = "swept_value")]
    pub value: SweptValue,
    /// The unit of a swept duration (`min`, `h`, ...); empty for plain numbers, written
    /// `none` (and absent in tables of older versions).
    #[serde(default, serialize_with = "ser_none", deserialize_with = "de_none")]
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
    /// Responder pool; empty for incident-level scenarios, written `none`.
    #[serde(serialize_with = "ser_none", deserialize_with = "de_none")]
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
    /// Lockout calls the pool abandoned (another route got in first); 0 without a pool (empty
    /// in tables of older versions).
    #[serde(serialize_with = "ser_count")]
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

/// Whether `text` is a whole number written without a decimal point (`3`, `-2`).
fn is_whole(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

impl Serialize for SweptValue {
    /// The exact decimal text, with `.0` after a whole number so the column reads as floats.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if is_whole(&self.text) {
            s.serialize_str(&format!("{}.0", self.text))
        } else {
            s.serialize_str(&self.text)
        }
    }
}

impl<'de> Deserialize<'de> for SweptValue {
    /// Reads the text back as `lockout sweep` computed it (`3.0` as `3`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut text = String::deserialize(d)?;
        let number = text.trim().parse().map_err(serde::de::Error::custom)?;
        if let Some(whole) = text.strip_suffix(".0").filter(|t| is_whole(t)) {
            text = whole.to_string();
        }
        Ok(Self { text, number })
    }
}

/// Writes an empty text as `none`, so a text column is never all empty (pandas would read it
/// as floats).
fn ser_none<S: Serializer>(text: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(if text.is_empty() { "none" } else { text })
}

/// Reads `none` (or an empty field) as an empty text.
fn de_none<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let text = String::deserialize(d)?;
    Ok(if text == "none" { String::new() } else { text })
}

/// Writes a count, 0 when there is none.
fn ser_count<S: Serializer>(n: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(n.unwrap_or(0))
}
