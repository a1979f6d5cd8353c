//! `prevention.csv`: who each strategy applies to and what it costs, over the whole population
//! and per adopting vehicle.

use serde::{Deserialize, Serialize};

use super::{ser_num, ser_opt};

/// One row of `prevention.csv`: one strategy's reach and annual cost. Money per vehicle and
/// year in `currency` at `price_year` prices; a strategy that applies to all has every vehicle
/// as an adopter. Shares are of the baseline's lockouts, which are also shares of vehicles (the
/// baseline rate is the same for every vehicle). Intervals are 95% confidence intervals;
/// savings are the baseline minus the strategy, paired incident by incident in an
/// incident-level run and period by period in a region run (where every vehicle adopts, so
/// both savings are `summary.csv`'s annual cost difference negated; 0 for the baseline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreventionRow {
    /// Strategy name, as in the scenario.
    pub strategy: String,
    /// Whether this row is the baseline strategy.
    pub baseline: bool,
    /// Share of the targeted vehicles that adopt it, as stated in the scenario.
    #[serde(serialize_with = "ser_num")]
    pub uptake: f64,
    /// Multiplier of an adopter's incident rate, as stated.
    #[serde(serialize_with = "ser_num")]
    pub incident_rate_multiplier: f64,
    /// Lockouts simulated.
    pub incidents: u64,
    /// Of them, those of a targeted vehicle.
    pub targeted_incidents: u64,
    /// Of them, those of an adopting vehicle.
    pub adopter_incidents: u64,
    /// Share of vehicles targeted (empty without incidents).
    #[serde(serialize_with = "ser_opt")]
    pub targeted_share: Option<f64>,
    /// Share of vehicles adopting, `a` (empty without incidents).
    #[serde(serialize_with = "ser_opt")]
    pub adopting_share: Option<f64>,
    /// Adopters' share of the lockouts under the strategy, `a·m / (a·m + (1 − a)·m_b)`
    /// (empty when there are none).
    #[serde(serialize_with = "ser_opt")]
    pub adopter_incident_share: Option<f64>,
    /// The annual cost of the strategy per adopting vehicle, as stated (the whole fee).
    #[serde(serialize_with = "ser_num")]
    pub annual_cost: f64,
    /// The share of it attributable to lockouts, as stated.
    #[serde(serialize_with = "ser_num")]
    pub lockout_share: f64,
    /// What an adopting vehicle is charged per year: `annual_cost × lockout_share`.
    #[serde(serialize_with = "ser_num")]
    pub prevention_cost_per_adopter: f64,
    /// The prevention cost per vehicle over the whole population: charged × adopting share.
    #[serde(serialize_with = "ser_opt")]
    pub prevention_cost_per_vehicle: Option<f64>,
    /// Lockouts per vehicle and year over the whole population.
    #[serde(serialize_with = "ser_opt")]
    pub incident_rate_per_vehicle_year: Option<f64>,
    /// Expected incident cost per vehicle and year over the whole population (each lockout's
    /// total cost weighted by its vehicle's incident rate).
    #[serde(serialize_with = "ser_opt")]
    pub incident_cost_per_vehicle_year: Option<f64>,
    /// Expected annual cost per vehicle over the whole population: incident cost + prevention
    /// cost (as `annual_cost_per_vehicle` in `summary.csv`).
    #[serde(serialize_with = "ser_opt")]
    pub annual_cost_per_vehicle: Option<f64>,
    /// Lower bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub annual_cost_per_vehicle_ci95_low: Option<f64>,
    /// Upper bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub annual_cost_per_vehicle_ci95_high: Option<f64>,
    /// The baseline's annual cost per vehicle minus this one's, over the whole population.
    #[serde(serialize_with = "ser_opt")]
    pub saving_per_vehicle_vs_baseline: Option<f64>,
    /// Lower bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub saving_per_vehicle_vs_baseline_ci95_low: Option<f64>,
    /// Upper bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub saving_per_vehicle_vs_baseline_ci95_high: Option<f64>,
    /// An adopter's lockouts per year: the scenario's rate × the multiplier.
    #[serde(serialize_with = "ser_num")]
    pub adopter_incident_rate_per_year: f64,
    /// Mean total cost of an adopter's lockout under the strategy (empty without adopters).
    #[serde(serialize_with = "ser_opt")]
    pub adopter_total_cost_mean: Option<f64>,
    /// Expected annual cost of an adopting vehicle: its incident cost + what it is charged
    /// (empty without adopters).
    #[serde(serialize_with = "ser_opt")]
    pub annual_cost_per_adopter: Option<f64>,
    /// Lower bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub annual_cost_per_adopter_ci95_low: Option<f64>,
    /// Upper bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub annual_cost_per_adopter_ci95_high: Option<f64>,
    /// Expected annual cost of the same vehicles under the baseline (empty without adopters).
    #[serde(serialize_with = "ser_opt")]
    pub adopter_baseline_annual_cost: Option<f64>,
    /// What adopting saves an adopting vehicle per year: the baseline's cost minus this one's.
    #[serde(serialize_with = "ser_opt")]
    pub saving_per_adopter_vs_baseline: Option<f64>,
    /// Lower bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub saving_per_adopter_vs_baseline_ci95_low: Option<f64>,
    /// Upper bound of its 95% CI.
    #[serde(serialize_with = "ser_opt")]
    pub saving_per_adopter_vs_baseline_ci95_high: Option<f64>,
    /// Currency of the money columns.
    pub currency: String,
    /// Price year of the money columns.
    pub price_year: i32,
}
