//! The loss tables of a region run: `ylt.csv`, `ep_curve.csv`, `insurer_cost.csv` and the
//! Oasis ORD export `ord/ept.csv`, `ord/alt.csv`, `ord/summary-info.csv`, `ord/splt.csv`
//! (headers exactly as ktools / OasisLMF write them). Money is in the run's currency at its
//! price year.

use serde::{Deserialize, Serialize};

use super::{ser_num, ser_opt};

/// One row of `ylt.csv`, the short-form year loss table: one period of one strategy in one
/// perspective. Losses are the exact values of the fixed-point grid (multiples of 2^-20).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YltRow {
    /// Strategy name.
    pub strategy: String,
    /// `ground_up` or `insured` (after the policy terms).
    pub perspective: String,
    /// Period number, from 1.
    pub period_no: u64,
    /// Incidents in the period, claims or not.
    pub incidents: u64,
    /// Incidents with a non-zero loss in this perspective.
    pub claims: u64,
    /// Sum of the period's losses (the AEP input).
    #[serde(serialize_with = "ser_num")]
    pub aggregate_loss: f64,
    /// Largest single loss of the period (the OEP input); 0 without claims.
    #[serde(serialize_with = "ser_num")]
    pub max_loss: f64,
    /// Sum of the incidents' downtime, hours.
    #[serde(serialize_with = "ser_num")]
    pub downtime_h: f64,
    /// Currency of the money columns.
    pub currency: String,
    /// Price year of the money columns.
    pub price_year: i32,
}

/// One row of `ep_curve.csv`: one point of a strategy's exceedance curve in one perspective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpRow {
    /// Strategy name.
    pub strategy: String,
    /// `ground_up` or `insured` (after the policy terms).
    pub perspective: String,
    /// `AEP` (a period's total loss) or `OEP` (a period's largest single loss).
    pub ep_type: String,
    /// Return period in years.
    #[serde(serialize_with = "ser_num")]
    pub return_period_years: f64,
    /// 1 / return period.
    #[serde(serialize_with = "ser_num")]
    pub exceedance_probability: f64,
    /// Loss exceeded on average once per return period.
    #[serde(serialize_with = "ser_num")]
    pub loss: f64,
    /// Tail value at risk as Oasis' EP calculator defines it (see
    /// [`ep_points`](crate::losses::ep_points)).
    #[serde(serialize_with = "ser_opt")]
    pub tvar: Option<f64>,
    /// Simulated periods behind the curve.
    pub periods: u64,
    /// Currency of `loss` and `tvar`.
    pub currency: String,
    /// Price year of `loss` and `tvar`.
    pub price_year: i32,
}

/// One row of `insurer_cost.csv`: the insurer's view of one strategy in one perspective.
/// Money per year for the whole region unless the name says per vehicle-year; statistics that
/// cannot be estimated (no claims, one period, a return period beyond the periods) are empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InsurerCostRow {
    /// Strategy name.
    pub strategy: String,
    /// `ground_up` or `insured`.
    pub perspective: String,
    /// Simulated periods.
    pub periods: u64,
    /// Vehicles × periods.
    #[serde(serialize_with = "ser_num")]
    pub exposure_vehicle_years: f64,
    /// Incidents over all periods.
    pub incidents: u64,
    /// Incidents with a loss above zero in this perspective.
    pub claims: u64,
    /// Claims per vehicle-year.
    #[serde(serialize_with = "ser_opt")]
    pub claim_frequency_per_vehicle_year: Option<f64>,
    /// Mean loss per claim.
    #[serde(serialize_with = "ser_opt")]
    pub severity_mean: Option<f64>,
    /// SD of the loss per claim.
    #[serde(serialize_with = "ser_opt")]
    pub severity_sd: Option<f64>,
    /// Median loss per claim.
    #[serde(serialize_with = "ser_opt")]
    pub severity_p50: Option<f64>,
    /// 90th percentile of the loss per claim.
    #[serde(serialize_with = "ser_opt")]
    pub severity_p90: Option<f64>,
    /// 99th percentile of the loss per claim.
    #[serde(serialize_with = "ser_opt")]
    pub severity_p99: Option<f64>,
    /// Expected loss per vehicle-year (frequency × severity).
    #[serde(serialize_with = "ser_opt")]
    pub pure_premium_per_vehicle_year: Option<f64>,
    /// Average annual loss: the mean of the period aggregate losses.
    #[serde(serialize_with = "ser_num")]
    pub aal: f64,
    /// SD of the period aggregate losses.
    #[serde(serialize_with = "ser_opt")]
    pub aal_sd: Option<f64>,
    /// Standard error of the AAL.
    #[serde(serialize_with = "ser_opt")]
    pub aal_se: Option<f64>,
    /// Lower bound of the 95% CI of the AAL.
    #[serde(serialize_with = "ser_opt")]
    pub aal_ci95_low: Option<f64>,
    /// Upper bound of the 95% CI of the AAL.
    #[serde(serialize_with = "ser_opt")]
    pub aal_ci95_high: Option<f64>,
    /// AEP loss at 20 years (VaR 95%).
    #[serde(serialize_with = "ser_opt")]
    pub var_95: Option<f64>,
    /// AEP loss at 100 years (VaR 99%).
    #[serde(serialize_with = "ser_opt")]
    pub var_99: Option<f64>,
    /// AEP loss at 200 years (VaR 99.5%).
    #[serde(serialize_with = "ser_opt")]
    pub var_995: Option<f64>,
    /// AEP TVaR at 20 years.
    #[serde(serialize_with = "ser_opt")]
    pub tvar_95: Option<f64>,
    /// AEP TVaR at 100 years.
    #[serde(serialize_with = "ser_opt")]
    pub tvar_99: Option<f64>,
    /// AEP TVaR at 200 years.
    #[serde(serialize_with = "ser_opt")]
    pub tvar_995: Option<f64>,
    /// Whether every tail metric is estimated (at least 200 periods).
    pub tail_metrics_estimable: bool,
    /// Currency of the money columns.
    pub currency: String,
    /// Price year of the money columns.
    pub price_year: i32,
}

/// ORD `EPCalc` code of the EP table: 2, full uncertainty (all samples ranked; one sample per
/// period here).
pub const ORD_EPCALC_FULL_UNCERTAINTY: u8 = 2;

/// ORD `SampleType` code of sample statistics (as opposed to 1, analytical).
pub const ORD_SAMPLE_TYPE_SAMPLE: u8 = 2;

/// One row of `ord/ept.csv`, as ktools `ordleccalc` writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdEptRow {
    /// The strategy and perspective (see `ord/summary-info.csv`).
    #[serde(rename = "SummaryId")]
    pub summary_id: u32,
    /// [`ORD_EPCALC_FULL_UNCERTAINTY`].
    #[serde(rename = "EPCalc")]
    pub ep_calc: u8,
    /// 1 OEP, 2 OEP TVaR, 3 AEP, 4 AEP TVaR.
    #[serde(rename = "EPType")]
    pub ep_type: u8,
    /// Return period, years.
    #[serde(rename = "ReturnPeriod", serialize_with = "ser_num")]
    pub return_period: f64,
    /// Loss (or TVaR) at the return period.
    #[serde(rename = "Loss", serialize_with = "ser_num")]
    pub loss: f64,
}

/// One row of `ord/alt.csv`, as ktools `aalcalc` (ORD) writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdAltRow {
    /// The strategy and perspective (see `ord/summary-info.csv`).
    #[serde(rename = "SummaryId")]
    pub summary_id: u32,
    /// [`ORD_SAMPLE_TYPE_SAMPLE`].
    #[serde(rename = "SampleType")]
    pub sample_type: u8,
    /// Average annual loss.
    #[serde(rename = "MeanLoss", serialize_with = "ser_num")]
    pub mean_loss: f64,
    /// SD of the period aggregate losses (empty with one period).
    #[serde(rename = "SDLoss", serialize_with = "ser_opt")]
    pub sd_loss: Option<f64>,
}

/// One row of `ord/summary-info.csv`: the SummaryId and the grouping it stands for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrdSummaryInfoRow {
    /// Position of the series in the run, from 1.
    #[serde(rename = "SummaryId")]
    pub summary_id: u32,
    /// Strategy name.
    pub strategy: String,
    /// `ground_up` or `insured`.
    pub perspective: String,
}

/// One row of `ord/splt.csv` (sample period loss table), as ktools `pltcalc` (ORD) writes it:
/// one event's loss for one SummaryId.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpltRow {
    /// Period, from 1.
    #[serde(rename = "Period")]
    pub period: u64,
    /// The period's weight (1/P for equally likely periods).
    #[serde(rename = "PeriodWeight", serialize_with = "ser_num")]
    pub period_weight: f64,
    /// The event's id within its period.
    #[serde(rename = "EventId")]
    pub event_id: u64,
    /// Year within the simulation, from 1.
    #[serde(rename = "Year")]
    pub year: u32,
    /// Month, 1–12.
    #[serde(rename = "Month")]
    pub month: u8,
    /// Day of the month, 1–31.
    #[serde(rename = "Day")]
    pub day: u8,
    /// Hour, 0–23.
    #[serde(rename = "Hour")]
    pub hour: u8,
    /// Minute, 0–59.
    #[serde(rename = "Minute")]
    pub minute: u8,
    /// The strategy and perspective (see `ord/summary-info.csv`).
    #[serde(rename = "SummaryId")]
    pub summary_id: u32,
    /// Always 1: one realisation per period.
    #[serde(rename = "SampleId")]
    pub sample_id: u32,
    /// The loss, on the fixed-point grid.
    #[serde(rename = "Loss", serialize_with = "ser_num")]
    pub loss: f64,
    /// Always 0: no insured-value exposure per event (0 marks it as not provided).
    #[serde(rename = "ImpactedExposure")]
    pub impacted_exposure: u32,
}
