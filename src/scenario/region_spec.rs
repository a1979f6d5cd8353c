//! The `[region]` section of a scenario file (serde types): a population over simulated years, incident
//! arrivals with daily, weekly and seasonal profiles, and pools of responders.

use serde::Deserialize;

use crate::dist::DurationDist;

/// The region (or fleet) a scenario simulates period by period.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionSpec {
    /// Number of vehicles (members, fleet size).
    pub vehicles: u64,
    /// Default number of simulated periods (365-day years); `--periods` overrides.
    #[serde(default = "default_periods")]
    pub periods: u64,
    /// Relative arrival intensity by hour of day, 24 values from 00:00 (default flat).
    #[serde(default)]
    pub hour_profile: Option<Vec<f64>>,
    /// Relative intensity by day of week, 7 values from Monday (default flat).
    #[serde(default)]
    pub weekday_profile: Option<Vec<f64>>,
    /// Relative intensity by month, 12 values from January (default flat).
    #[serde(default)]
    pub month_profile: Option<Vec<f64>>,
    /// Share of incidents with priority (a child or pet locked in): served before the others.
    #[serde(default)]
    pub priority_share: f64,
    /// Responder pools.
    #[serde(default)]
    pub pool: Vec<PoolSpec>,
    /// Policy terms for the insurer's view (insured perspective); none: ground-up only.
    #[serde(default)]
    pub policy_terms: Option<PolicyTermsSpec>,
}

fn default_periods() -> u64 {
    1000
}

/// A pool of identical responders (roadside trucks, locksmiths, a depot key runner).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// Name, for tables.
    pub name: String,
    /// Number of responders.
    pub count: u32,
    /// Remedies whose call-outs this pool serves (their `wait` is replaced by queue + travel).
    pub serves: Vec<String>,
    /// Daily shift, e.g. `{ start = "07:00", end = "23:00" }`; absent: around the clock.
    #[serde(default)]
    pub shift: Option<ShiftSpec>,
    /// Travel time from dispatch to on scene.
    pub travel: DurationDist,
    /// Other (non-lockout) calls the pool also serves, per hour, following the arrival
    /// profiles.
    #[serde(default)]
    pub other_calls_per_hour: f64,
    /// How long another call occupies a responder after travel.
    #[serde(default)]
    pub other_call_service: Option<DurationDist>,
}

/// A daily shift in local time.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    /// Start, `"HH:MM"`.
    pub start: String,
    /// End, `"HH:MM"` (before start: the shift runs past midnight).
    pub end: String,
}

/// Policy terms applied per incident for the insured perspective.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyTermsSpec {
    /// Deductible per incident.
    #[serde(default)]
    pub deductible: f64,
    /// Limit per incident.
    #[serde(default)]
    pub limit_per_incident: Option<f64>,
    /// Paid calls per vehicle and period; later calls are not covered.
    #[serde(default)]
    pub annual_call_limit: Option<u32>,
}
