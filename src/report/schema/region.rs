//! The responder tables of a region run: `responders.csv` and `waits.csv`.

use serde::{Deserialize, Serialize};

use super::{ser_num, ser_opt};

/// One row of `responders.csv`: one responder pool serving one strategy's region. Times in
/// minutes; statistics of a pool without dispatched calls are empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponderRow {
    /// Strategy name.
    pub strategy: String,
    /// Pool name, as in the scenario.
    pub pool: String,
    /// Responders in the pool.
    pub responders: u64,
    /// Simulated periods (365-day years).
    pub periods: u64,
    /// Busy time ÷ on-shift capacity (0 to 1; empty without capacity).
    #[serde(serialize_with = "ser_opt")]
    pub utilisation: Option<f64>,
    /// Lockout calls dispatched.
    pub dispatched_calls: u64,
    /// Lockout calls abandoned (another route got in first).
    pub abandoned_calls: u64,
    /// Mean queue wait (call to dispatch), minutes.
    #[serde(serialize_with = "ser_opt")]
    pub queue_wait_mean_min: Option<f64>,
    /// Median queue wait, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub queue_wait_p50_min: Option<f64>,
    /// 90th percentile queue wait, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub queue_wait_p90_min: Option<f64>,
    /// 99th percentile queue wait, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub queue_wait_p99_min: Option<f64>,
    /// Median response (call to on scene), minutes.
    #[serde(serialize_with = "ser_opt")]
    pub response_p50_min: Option<f64>,
    /// 90th percentile response, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub response_p90_min: Option<f64>,
    /// 99th percentile response, minutes.
    #[serde(serialize_with = "ser_opt")]
    pub response_p99_min: Option<f64>,
    /// Longest queue seen, calls.
    pub longest_queue: u64,
}

/// One row of `waits.csv`: a quantile of one pool's queue wait and response time under one
/// strategy, for dispatched lockout calls.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitRow {
    /// Strategy name.
    pub strategy: String,
    /// Pool name.
    pub pool: String,
    /// Quantile level, 0.01 to 0.99.
    #[serde(serialize_with = "ser_num")]
    pub quantile: f64,
    /// Queue wait (call to dispatch) at this quantile, minutes; empty without calls.
    #[serde(serialize_with = "ser_opt")]
    pub queue_wait_min: Option<f64>,
    /// Response time (call to on scene) at this quantile, minutes; empty without calls.
    #[serde(serialize_with = "ser_opt")]
    pub response_min: Option<f64>,
    /// Lockout calls dispatched (the sample size).
    pub dispatched_calls: u64,
}
