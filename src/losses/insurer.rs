//! The loss series of one strategy in one perspective, and the statistics of
//! `insurer_cost.csv` computed from it.

use super::{
    EpPoint, MIN_PERIODS_FOR_TAIL_METRICS, PeriodRow, Perspective, STANDARD_RETURN_PERIODS,
    SeverityTally, TAIL_RETURN_PERIODS, ep_points, to_grid,
};
use crate::stats::{CI_LEVEL, Moments};

/// The loss results of one strategy in one perspective over all periods: the input of the
/// table writers.
///
/// `periods` holds every simulated period, zero-loss ones included, in order:
/// `periods[i].period_no == i + 1` (checked by the writers).
#[derive(Clone, Debug, PartialEq)]
pub struct LossSeries {
    /// Strategy name (the `strategy` column).
    pub strategy: String,
    /// Ground-up or insured.
    pub perspective: Perspective,
    /// Exposure over all periods, vehicle-years (vehicles in the region × periods, pro rata
    /// for vehicles present part of a period).
    pub exposure_vehicle_years: f64,
    /// One row per period, `period_no` 1, 2, …, P.
    pub periods: Vec<PeriodRow>,
    /// Claim severities over all periods.
    pub severity: SeverityTally,
}

impl LossSeries {
    /// Number of periods `P`.
    pub fn n_periods(&self) -> u64 {
        self.periods.len() as u64
    }

    /// Exact moments of the period aggregate losses (each value rounded to the grid, a no-op
    /// for accumulator rows): `mean()` is the AAL, `sd()` the SD of annual loss, `sum()` the
    /// total loss over all periods.
    pub fn aggregate_moments(&self) -> Moments {
        let mut m = Moments::new();
        for row in &self.periods {
            m.push(to_grid(row.aggregate_loss));
        }
        m
    }

    /// The period aggregate losses on the grid (the AEP input and the `ylt.csv` column).
    pub fn aggregate_losses(&self) -> Vec<f64> {
        self.periods
            .iter()
            .map(|r| to_grid(r.aggregate_loss))
            .collect()
    }

    /// The period largest losses on the grid (the OEP input and the `ylt.csv` column).
    pub fn max_losses(&self) -> Vec<f64> {
        self.periods.iter().map(|r| to_grid(r.max_loss)).collect()
    }

    /// AEP points at `return_periods` ([`ep_points`] of the period aggregates).
    pub fn aep(&self, return_periods: &[f64]) -> Vec<EpPoint> {
        ep_points(&self.aggregate_losses(), return_periods)
    }

    /// OEP points at `return_periods` ([`ep_points`] of the period largest losses).
    pub fn oep(&self, return_periods: &[f64]) -> Vec<EpPoint> {
        ep_points(&self.max_losses(), return_periods)
    }
}

/// The statistics of one row of `insurer_cost.csv` (see [`insurer_cost`]).
#[derive(Clone, Debug, PartialEq)]
pub struct InsurerCost {
    /// Number of periods `P`.
    pub n_periods: u64,
    /// Exposure, vehicle-years.
    pub exposure_vehicle_years: f64,
    /// Incidents over all periods.
    pub incident_count: u64,
    /// Claims (incidents with a non-zero loss) over all periods.
    pub claim_count: u64,
    /// `claim_count / exposure`, claims per vehicle-year.
    pub claim_frequency_per_vehicle_year: f64,
    /// Mean claim loss.
    pub severity_mean: f64,
    /// SD of claim loss.
    pub severity_sd: f64,
    /// Median claim loss (sketch estimate).
    pub severity_p50: f64,
    /// 90th percentile of claim loss (sketch estimate).
    pub severity_p90: f64,
    /// 99th percentile of claim loss (sketch estimate).
    pub severity_p99: f64,
    /// Total loss / exposure, per vehicle-year (= frequency × severity).
    pub pure_premium_per_vehicle_year: f64,
    /// Average annual loss: mean of the period aggregates (ORD ALT `MeanLoss`).
    pub aal: f64,
    /// SD of the period aggregates, `P − 1` degrees of freedom (ORD ALT `SDLoss`).
    pub aal_sd: f64,
    /// Monte Carlo standard error of the AAL, `aal_sd / √P`.
    pub aal_se: f64,
    /// Lower bound of the 95 % confidence interval of the AAL (`aal − z·aal_se`).
    pub aal_ci95_low: f64,
    /// Upper bound of the 95 % confidence interval of the AAL.
    pub aal_ci95_high: f64,
    /// AEP losses at return periods 20, 100, 200 (VaR 95 %, 99 %, 99.5 %); NaN when the
    /// return period exceeds `P`.
    pub var: [f64; 3],
    /// AEP TVaR at return periods 20, 100, 200; NaN when the return period exceeds `P`.
    pub tvar: [f64; 3],
    /// Whether all tail metrics are estimated (`P ≥ 200`).
    pub tail_metrics_estimable: bool,
}

/// Computes the `insurer_cost.csv` statistics of one series.
///
/// The AAL, its SD, SE and interval come from [`LossSeries::aggregate_moments`], the exact
/// integer sums of the very values `ylt.csv` writes, so `aal` is the correctly rounded mean of
/// that column. The pure premium is the same exact total divided by the exposure. VaR and TVaR
/// are the AEP points of [`ep_points`] at [`TAIL_RETURN_PERIODS`], computed with the list of
/// [`STANDARD_RETURN_PERIODS`] (Oasis' TVaR depends on the list of requested return periods),
/// so they are identical to the corresponding `ep_curve.csv` and `ord/ept.csv` rows. Incident and claim counts are summed over the periods.
pub fn insurer_cost(series: &LossSeries) -> InsurerCost {
    let p = series.n_periods();
    let agg = series.aggregate_moments();
    let incident_count = series.periods.iter().map(|r| r.incident_count).sum();
    let claim_count: u64 = series.periods.iter().map(|r| r.claim_count).sum();
    debug_assert_eq!(
        claim_count,
        series.severity.claim_count(),
        "claims in the periods and in the severity tally differ"
    );
    let exposure = series.exposure_vehicle_years;
    let per_exposure = |x: f64| {
        if exposure > 0.0 {
            x / exposure
        } else {
            f64::NAN
        }
    };
    let (ci_low, ci_high) = agg.ci(CI_LEVEL);
    let mut var = [f64::NAN; 3];
    let mut tvar = [f64::NAN; 3];
    let points = series.aep(&STANDARD_RETURN_PERIODS);
    for point in &points {
        let Some(slot) = TAIL_RETURN_PERIODS
            .iter()
            .position(|r| *r == point.return_period)
        else {
            continue;
        };
        var[slot] = point.loss;
        tvar[slot] = point.tvar;
    }
    InsurerCost {
        n_periods: p,
        exposure_vehicle_years: exposure,
        incident_count,
        claim_count,
        claim_frequency_per_vehicle_year: per_exposure(claim_count as f64),
        severity_mean: series.severity.mean(),
        severity_sd: series.severity.sd(),
        severity_p50: series.severity.quantile(0.5),
        severity_p90: series.severity.quantile(0.9),
        severity_p99: series.severity.quantile(0.99),
        pure_premium_per_vehicle_year: per_exposure(agg.sum()),
        aal: agg.mean(),
        aal_sd: agg.sd(),
        aal_se: agg.std_error(),
        aal_ci95_low: ci_low,
        aal_ci95_high: ci_high,
        var,
        tvar,
        tail_metrics_estimable: p >= MIN_PERIODS_FOR_TAIL_METRICS,
    }
}
