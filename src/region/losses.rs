//! The insurer's loss tables of a region run: year loss table, EP curves, frequency–severity
//! and AAL, and the Open Results Data (ORD) export.
//!
//! The engine simulates each period (year) whole on one thread and folds its incidents, per
//! strategy and perspective, into a [`PeriodAccumulator`]; the finished accumulator becomes a
//! [`PeriodRow`]. Claim severities go into a [`SeverityTally`] per strategy and perspective. The
//! rows of all periods plus the tally make a [`LossSeries`], and the writers here turn a slice
//! of series into the tables. Everything is a pure function of its inputs: the same series give
//! byte-identical files.
//!
//! # Money on a fixed-point grid
//!
//! Losses and downtime are summed exactly, as in [`crate::stats`]: every incident's loss is
//! rounded once to the grid of [`quantise`] (multiples of 2^-20 ≈ 9.5e-7 currency units) and
//! the sums are `i128` integers, so a period's aggregate does not depend on the order of its
//! incidents. A value on the grid is an integer `q` divided by 2^20; it converts to `f64`
//! exactly while `|q| < 2^53` (amounts below 2^33 ≈ 8.6e9 currency units). The tables write
//! these grid values, and every derived statistic (AAL, EP losses, TVaR) is computed from the
//! same integers, which is what makes the identities below exact:
//!
//! * `aal` in `insurer_cost.csv` is the mean of the `aggregate_loss` column of `ylt.csv`: the
//!   column values are `q_p / 2^20`, the exact integer total `T = Σ q_p` is formed from them,
//!   and `aal = fl(fl(T) / P) / 2^20` (the [`Moments`] mean), the correctly rounded mean of the
//!   column values (while `T < 2^53`).
//! * `max_loss` is also on the grid, so a period's largest loss never exceeds its aggregate,
//!   and OEP never exceeds AEP (see [`ep_points`]).
//!
//! # Tables
//!
//! Native tables follow the project's conventions: snake_case columns with units in their
//! names, a `strategy` column, money with `currency` and `price_year`, probabilities as
//! fractions, floats in shortest round-trip form (empty when undefined), one header row.
//!
//! * [`write_ylt`]: `ylt.csv`, one row per (strategy, perspective, period).
//! * [`write_ep_curve`]: `ep_curve.csv`, OEP and AEP loss and TVaR at standard return periods.
//! * [`write_insurer_cost`]: `insurer_cost.csv`, frequency–severity, pure premium, AAL with its
//!   standard error and confidence interval, VaR and TVaR at 95 / 99 / 99.5 %.
//! * [`write_ord_ept`], [`write_ord_alt`], [`write_ord_summary_info`] and [`SpltWriter`]: the
//!   ORD export `ord/ept.csv`, `ord/alt.csv`, `ord/summary-info.csv` and `ord/splt.csv`, with
//!   the headers exactly as ktools / OasisLMF write them.

use std::io::Write;

use crate::model::region::PolicyTerms;
use crate::report::tables::num;
use crate::stats::{CI_LEVEL, Moments, QuantileSketch, quantise};

/// Value of one unit of the fixed-point grid of [`quantise`]: `2^20` steps per currency unit
/// (or per hour). `quantise(1.0) == 2^20` is checked by a test.
const SCALE: f64 = 1_048_576.0;

/// Converts a grid integer back to the value it stands for (`q / 2^20`).
fn from_grid(q: i128) -> f64 {
    q as f64 / SCALE
}

/// Rounds a value to the fixed-point grid (idempotent on values already on it).
fn to_grid(x: f64) -> f64 {
    from_grid(i128::from(quantise(x)))
}

/// The return periods of `ep_curve.csv` and `ord/ept.csv`, in years: 2, 5, 10, 20, 25, 50,
/// 100, 200, 250, 500 and 1000 (those above the number of periods are left out).
pub const STANDARD_RETURN_PERIODS: [f64; 11] = [
    2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0,
];

/// The return periods of the VaR / TVaR columns of `insurer_cost.csv`: 20, 100 and 200 years,
/// i.e. confidence levels 95 %, 99 % and 99.5 % (`RP = 1 / (1 − level)`).
pub const TAIL_RETURN_PERIODS: [f64; 3] = [20.0, 100.0, 200.0];

/// The number of periods needed for every tail metric of `insurer_cost.csv` to be estimated
/// without extrapolation (the largest of [`TAIL_RETURN_PERIODS`]).
pub const MIN_PERIODS_FOR_TAIL_METRICS: u64 = 200;

// ---------------------------------------------------------------------------------------------
// Perspectives and policy terms
// ---------------------------------------------------------------------------------------------

/// Whose loss a number is: the whole cost (ground-up, Oasis GUL) or the insurer's share after
/// the policy terms (insured, Oasis IL).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Perspective {
    /// The incident's full cost (the core's `cost`).
    GroundUp,
    /// The loss after deductible, per-incident limit and annual call limit ([`insured_loss`]).
    Insured,
}

impl Perspective {
    /// Both perspectives, in table order (ground-up first).
    pub const ALL: [Perspective; 2] = [Perspective::GroundUp, Perspective::Insured];

    /// The value of the `perspective` column: `ground_up` or `insured`.
    pub fn name(self) -> &'static str {
        match self {
            Perspective::GroundUp => "ground_up",
            Perspective::Insured => "insured",
        }
    }

    /// Position in [`Perspective::ALL`]: 0 for ground-up, 1 for insured.
    pub fn index(self) -> usize {
        match self {
            Perspective::GroundUp => 0,
            Perspective::Insured => 1,
        }
    }
}

/// The insurer's loss for one incident with ground-up loss `ground_up`:
///
/// * `0` when `terms.annual_call_limit` is `Some(n)` and `calls_so_far_this_period ≥ n`;
/// * otherwise `min(max(ground_up − deductible, 0), limit_per_incident)` (no `min` when the
///   limit is `None`).
///
/// `calls_so_far_this_period` is the number of *earlier paid calls* of the same vehicle in the
/// same period (a period is one year, so the limit is an annual limit per member): the caller
/// counts an incident as a paid call when this function's result is a claim ([`is_claim`]),
/// and starts from 0 at each period. Incidents under the deductible are therefore not paid
/// calls and do not use up the limit.
///
/// A negative or NaN `ground_up` is a bug in the caller (checked in debug builds) and gives 0.
pub fn insured_loss(ground_up: f64, terms: &PolicyTerms, calls_so_far_this_period: u32) -> f64 {
    debug_assert!(
        ground_up >= 0.0 && ground_up.is_finite(),
        "insured_loss: ground-up loss must be finite and >= 0 (got {ground_up})"
    );
    if terms
        .annual_call_limit
        .is_some_and(|n| calls_so_far_this_period >= n)
    {
        return 0.0;
    }
    let excess = ground_up - terms.deductible;
    // `!(excess > 0)` also maps NaN to 0.
    let excess = if excess > 0.0 { excess } else { 0.0 };
    match terms.limit_per_incident {
        Some(limit) => excess.min(limit),
        None => excess,
    }
}

/// Whether an incident with this loss is a claim: its loss, rounded to the fixed-point grid, is
/// positive (loss ≥ 2^-21 ≈ 4.8e-7 currency units). [`PeriodAccumulator`] and
/// [`SeverityTally`] use this same rule, so their claim counts agree.
pub fn is_claim(loss: f64) -> bool {
    quantise(loss) > 0
}

// ---------------------------------------------------------------------------------------------
// Per-period accumulation
// ---------------------------------------------------------------------------------------------

/// One period's losses of one strategy in one perspective: what the engine fills while it
/// simulates the period. Fixed size (56 bytes); integer state, so the result does not depend
/// on the order of the incidents.
///
/// Losses and downtime are rounded once to the fixed-point grid of [`quantise`] and summed
/// exactly in `i128`; the largest loss is kept on the same grid (so it never exceeds the
/// aggregate).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PeriodAccumulator {
    /// All incidents, claims or not.
    incident_count: u64,
    /// Incidents with a loss > 0 on the grid ([`is_claim`]).
    claim_count: u64,
    /// `Σ quantise(loss)`.
    #[serde(with = "crate::stats::i128_string")]
    loss_q: i128,
    /// `max quantise(loss)` (0 when there is no claim).
    max_loss_q: i64,
    /// `Σ quantise(downtime_h)`.
    #[serde(with = "crate::stats::i128_string")]
    downtime_q: i128,
}

impl PeriodAccumulator {
    /// An empty accumulator (same as [`Default`]).
    pub const fn new() -> Self {
        Self {
            incident_count: 0,
            claim_count: 0,
            loss_q: 0,
            max_loss_q: 0,
            downtime_q: 0,
        }
    }

    /// Adds one incident with loss `loss` (currency units, in this accumulator's perspective)
    /// and downtime `downtime_h` (hours). Every incident counts in `incident_count`; it counts
    /// as a claim when [`is_claim`]`(loss)`.
    ///
    /// Both values must be finite and ≥ 0 (checked in debug builds; in release builds a
    /// negative or NaN value counts as 0).
    #[inline]
    pub fn push_incident(&mut self, loss: f64, downtime_h: f64) {
        debug_assert!(
            loss >= 0.0 && loss.is_finite(),
            "PeriodAccumulator: loss must be finite and >= 0 (got {loss})"
        );
        debug_assert!(
            downtime_h >= 0.0 && downtime_h.is_finite(),
            "PeriodAccumulator: downtime must be finite and >= 0 (got {downtime_h})"
        );
        let q = quantise(loss).max(0);
        self.incident_count += 1;
        if q > 0 {
            self.claim_count += 1;
            self.loss_q += i128::from(q);
            self.max_loss_q = self.max_loss_q.max(q);
        }
        self.downtime_q += i128::from(quantise(downtime_h).max(0));
    }

    /// Adds another accumulator of the same period (counts and sums add, maxima combine).
    /// Exact, associative and commutative.
    pub fn merge(&mut self, other: &PeriodAccumulator) {
        self.incident_count += other.incident_count;
        self.claim_count += other.claim_count;
        self.loss_q += other.loss_q;
        self.max_loss_q = self.max_loss_q.max(other.max_loss_q);
        self.downtime_q += other.downtime_q;
    }

    /// Checks, for state read from a file, what every sequence of pushes leaves: claims among
    /// the incidents, non-negative sums, the largest loss no more than the aggregate and the
    /// aggregate no more than claims × the largest, downtime within incidents × 2^63 steps.
    pub fn validate(&self) -> Result<(), String> {
        let (n, claims, loss, max, downtime) = (
            self.incident_count,
            self.claim_count,
            self.loss_q,
            self.max_loss_q,
            self.downtime_q,
        );
        let fits = claims <= n
            && (claims == 0) == (loss == 0)
            && (claims == 0) == (max == 0)
            && max >= 0
            && i128::from(max) <= loss
            && loss.unsigned_abs() <= u128::from(claims) * max.unsigned_abs() as u128
            && downtime >= 0
            && downtime.unsigned_abs() <= u128::from(n) << 63;
        if fits {
            Ok(())
        } else {
            Err(format!(
                "inconsistent period losses: {n} incidents, {claims} claims, loss {loss}, \
                 largest {max}, downtime {downtime} (grid steps)"
            ))
        }
    }

    /// Number of incidents pushed.
    pub fn incident_count(&self) -> u64 {
        self.incident_count
    }

    /// Number of claims (incidents with a positive loss on the grid).
    pub fn claim_count(&self) -> u64 {
        self.claim_count
    }

    /// The period's aggregate loss (exact sum on the grid), in currency units.
    pub fn aggregate_loss(&self) -> f64 {
        from_grid(self.loss_q)
    }

    /// The period's largest single loss, on the grid; 0 when there is no claim.
    pub fn max_loss(&self) -> f64 {
        from_grid(i128::from(self.max_loss_q))
    }

    /// The period's total downtime (exact sum on the grid), in hours.
    pub fn downtime_h(&self) -> f64 {
        from_grid(self.downtime_q)
    }

    /// The finished period as a table row, numbered `period_no` (from 1).
    pub fn row(&self, period_no: u64) -> PeriodRow {
        PeriodRow {
            period_no,
            incident_count: self.incident_count,
            claim_count: self.claim_count,
            aggregate_loss: self.aggregate_loss(),
            max_loss: self.max_loss(),
            downtime_h: self.downtime_h(),
        }
    }
}

/// One period of one strategy in one perspective: a row of `ylt.csv` (without its keys), as
/// produced by [`PeriodAccumulator::row`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PeriodRow {
    /// Period number, from 1 (ORD `Period`).
    pub period_no: u64,
    /// Incidents in the period, claims or not.
    pub incident_count: u64,
    /// Incidents with a non-zero loss in this perspective.
    pub claim_count: u64,
    /// Sum of the incidents' losses, currency units (the AEP input).
    pub aggregate_loss: f64,
    /// Largest single loss, currency units (the OEP input); 0 without claims.
    pub max_loss: f64,
    /// Sum of the incidents' downtime, hours.
    pub downtime_h: f64,
}

// ---------------------------------------------------------------------------------------------
// Severity across periods
// ---------------------------------------------------------------------------------------------

/// Claim severity of one strategy in one perspective across all periods: exact moments and a
/// quantile sketch of the losses of claims (incidents with [`is_claim`]`(loss)`); merging is
/// exact, associative and commutative, so per-thread tallies combine bit-identically.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SeverityTally {
    /// Count, mean and variance of claim losses.
    moments: Moments,
    /// Distribution of claim losses.
    sketch: QuantileSketch,
}

impl SeverityTally {
    /// An empty tally; allocates the sketch's buckets once.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one incident's loss; ignored unless it is a claim ([`is_claim`]).
    pub fn push_incident(&mut self, loss: f64) {
        if is_claim(loss) {
            self.moments.push(loss);
            self.sketch.push(loss);
        }
    }

    /// Adds another tally (exact).
    pub fn merge(&mut self, other: &SeverityTally) {
        self.moments.merge(&other.moments);
        self.sketch.merge(&other.sketch);
    }

    /// [`SeverityTally::merge`] with checked arithmetic, for state read from a file.
    pub fn checked_merge(&mut self, other: &SeverityTally) -> Result<(), String> {
        self.moments.checked_merge(&other.moments)?;
        self.sketch.checked_merge(&other.sketch)
    }

    /// Checks, for state read from a file, the moments and that the sketch counts the same
    /// claims.
    pub fn validate(&self) -> Result<(), String> {
        self.moments.validate()?;
        if self.moments.count() != self.sketch.count() {
            return Err(format!(
                "{} claims in the moments but {} in the sketch",
                self.moments.count(),
                self.sketch.count()
            ));
        }
        Ok(())
    }

    /// Number of claims.
    pub fn claim_count(&self) -> u64 {
        self.moments.count()
    }

    /// Mean claim loss; NaN without claims.
    pub fn mean(&self) -> f64 {
        self.moments.mean()
    }

    /// Sample standard deviation of claim losses; NaN with fewer than two claims.
    pub fn sd(&self) -> f64 {
        self.moments.sd()
    }

    /// Estimated quantile of order `q` of claim losses (the sketch's rank-⌈q·n⌉ estimate,
    /// relative error ≤ 1/256); NaN without claims.
    ///
    /// # Panics
    ///
    /// If `q` is not in [0, 1].
    pub fn quantile(&self, q: f64) -> f64 {
        self.sketch.quantile(q)
    }

    /// The exact moments of claim losses.
    pub fn moments(&self) -> &Moments {
        &self.moments
    }
}

// ---------------------------------------------------------------------------------------------
// EP curves
// ---------------------------------------------------------------------------------------------

/// One point of an exceedance-probability curve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpPoint {
    /// Return period, years (exceedance probability `1 / return_period` per period).
    pub return_period: f64,
    /// Loss at that return period (VaR), currency units.
    pub loss: f64,
    /// Tail value at risk: mean of the ranked period losses at or beyond that return period.
    pub tvar: f64,
}

/// EP curve points from one loss per period, with the Oasis "full uncertainty" calculation
/// (ktools `leccalc` / ORD EPCalc 2, one sample per period). Pass the per-period aggregate
/// losses for the AEP curve and the per-period largest losses for the OEP curve.
///
/// # Definition
///
/// Let `P = losses.len()` and `L_1 ≥ L_2 ≥ … ≥ L_P` the losses sorted descending, *including*
/// the periods with zero loss (they are periods of the YLT). Rank `i` has return period
/// `RP_i = P / i`. For each requested return period `r` (a whole number of years,
/// `1 ≤ r ≤ P`; larger ones are omitted from the result, smaller or fractional ones panic),
/// let `k = ⌊P / r⌋ ≥ 1`, so `RP_{k+1} < r ≤ RP_k`:
///
/// * if `k · r = P` (a computed return period): `loss = L_k`;
/// * else if `L_{k+1} = 0`: `loss = 0` (ktools interpolates only between non-zero computed
///   points: its `GetLoss` returns 0 when the lower bounding loss is 0);
/// * else linear interpolation *on return period* between `(RP_{k+1}, L_{k+1})` and
///   `(RP_k, L_k)`, as ktools' `linear_interpolate` does:
///   `loss = L_{k+1} + (r − RP_{k+1}) · (L_k − L_{k+1}) / (RP_k − RP_{k+1})`,
///   which simplifies (with `RP_k − RP_{k+1} = P / (k(k+1))`) to
///   `loss = L_{k+1} + w · (L_k − L_{k+1})` with `w = (r·(k+1) − P) · k / P ∈ (0, 1)`.
///
/// `tvar = (L_1 + … + L_k) / k`: the mean of the ranked losses whose return period is at least
/// `r`. Where `r` divides `P` (every standard return period when `P` is a multiple of 1000)
/// this is exactly ktools' TVaR; elsewhere ktools averages those `k` losses together with the
/// interpolated loss, `(L_1 + … + L_k + loss) / (k + 1)`. Both satisfy `tvar ≥ loss`.
///
/// # Exactness
///
/// The losses are first rounded to the fixed-point grid of [`quantise`] (a no-op for YLT
/// values, which are on it) and everything is computed in integers: `w` is the exact rational
/// `c / P` with integer `c = (r(k+1) − P)·k`, the interpolated loss is
/// `q_{k+1} + ⌊(q_k − q_{k+1}) · c / P⌋` and the TVaR `⌊(q_1 + … + q_k) / k⌋`, both rounded
/// down to the grid (≤ 9.5e-7 currency units). Hence, exactly and not just up to rounding:
/// the loss is non-decreasing in the return period (non-increasing in exceedance
/// probability), lies between its bounding ranked losses, `tvar ≥ loss`, and if each period's
/// OEP input is at most its AEP input then OEP ≤ AEP and TVaR_OEP ≤ TVaR_AEP at every return
/// period. The result does not depend on the order of `losses`.
///
/// Points come in the order of `return_periods`. No losses give no points.
///
/// # Panics
///
/// If a loss is negative, NaN or infinite, or a return period is not a whole number ≥ 1.
pub fn ep_points(losses: &[f64], return_periods: &[f64]) -> Vec<EpPoint> {
    assert!(
        losses.iter().all(|x| *x >= 0.0 && x.is_finite()),
        "ep_points: losses must be finite and >= 0"
    );
    assert!(
        return_periods
            .iter()
            .all(|r| *r >= 1.0 && r.fract() == 0.0 && *r < 9.0e15),
        "ep_points: return periods must be whole numbers >= 1 (got {return_periods:?})"
    );
    let p = losses.len() as u128;
    if p == 0 {
        return Vec::new();
    }
    let mut q: Vec<i128> = losses.iter().map(|x| i128::from(quantise(*x))).collect();
    q.sort_unstable_by(|a, b| b.cmp(a));
    // prefix[i] = q_1 + … + q_i (1-based ranks).
    let mut prefix = Vec::with_capacity(q.len() + 1);
    prefix.push(0i128);
    for (i, v) in q.iter().enumerate() {
        prefix.push(prefix[i] + v);
    }
    let mut out = Vec::new();
    for &r in return_periods {
        let r_int = r as u128;
        if r_int > p {
            continue;
        }
        let k = p / r_int; // ≥ 1 since r ≤ P
        let hi = q[(k - 1) as usize]; // L_k
        let loss_q = if k * r_int == p {
            hi
        } else {
            // k < P here (r ≥ 1 and k·r < P), so rank k + 1 exists.
            let lo = q[k as usize]; // L_{k+1}
            if lo == 0 {
                0
            } else {
                let c = (r_int * (k + 1) - p) * k; // 0 < c < P
                lo + ((hi - lo) * c as i128).div_euclid(p as i128)
            }
        };
        let tvar_q = prefix[k as usize].div_euclid(k as i128);
        out.push(EpPoint {
            return_period: r,
            loss: from_grid(loss_q),
            tvar: from_grid(tvar_q),
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Series and derived statistics
// ---------------------------------------------------------------------------------------------

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
/// are the AEP points of [`ep_points`] at [`TAIL_RETURN_PERIODS`], identical to the
/// corresponding `ep_curve.csv` rows. Incident and claim counts are summed over the periods.
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
    let points = series.aep(&TAIL_RETURN_PERIODS);
    for point in &points {
        let slot = TAIL_RETURN_PERIODS
            .iter()
            .position(|r| *r == point.return_period)
            .expect("a point per requested return period");
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

/// The ORD `SummaryId` of a strategy and perspective: `strategy_index · n_perspectives +
/// perspective.index() + 1`, i.e. from 1 in strategy-then-perspective order. This is also the
/// position + 1 of the series in the slices the writers take, and the mapping
/// `ord/summary-info.csv` writes.
///
/// # Panics
///
/// If `n_perspectives` is not 1 (ground-up only) or 2, or the perspective is insured with
/// `n_perspectives` = 1.
pub fn summary_id(strategy_index: usize, perspective: Perspective, n_perspectives: usize) -> u32 {
    assert!(
        n_perspectives == 1 || n_perspectives == 2,
        "n_perspectives must be 1 or 2 (got {n_perspectives})"
    );
    assert!(
        perspective.index() < n_perspectives,
        "perspective {} with {n_perspectives} perspective(s)",
        perspective.name()
    );
    u32::try_from(strategy_index * n_perspectives + perspective.index() + 1)
        .expect("SummaryId fits a u32")
}

/// Checks the layout the writers rely on: series grouped by strategy, each strategy with the
/// same perspectives in [`Perspective::ALL`] order (ground-up only, or ground-up then
/// insured), and each series' periods numbered 1, 2, …, P.
///
/// # Panics
///
/// If the layout is violated (a bug in the caller).
fn check_layout(series: &[LossSeries]) {
    let n_persp = if series.len() >= 2 && series[1].perspective == Perspective::Insured {
        2
    } else {
        1
    };
    assert!(
        series.len().is_multiple_of(n_persp),
        "every strategy needs the same perspectives"
    );
    for (i, s) in series.iter().enumerate() {
        assert_eq!(
            s.perspective,
            Perspective::ALL[i % n_persp],
            "series {i} ({}): expected perspective {}",
            s.strategy,
            Perspective::ALL[i % n_persp].name()
        );
        if i % n_persp != 0 {
            assert_eq!(
                s.strategy,
                series[i - 1].strategy,
                "series {i}: perspectives of a strategy must be adjacent"
            );
        }
        for (j, row) in s.periods.iter().enumerate() {
            assert_eq!(
                row.period_no,
                j as u64 + 1,
                "series {i} ({}): periods must be numbered 1, 2, … in order",
                s.strategy
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Native tables
// ---------------------------------------------------------------------------------------------

/// Header of `ylt.csv`.
pub const YLT_HEADER: [&str; 10] = [
    "strategy",
    "perspective",
    "period_no",
    "incident_count",
    "claim_count",
    "aggregate_loss",
    "max_loss",
    "downtime_h",
    "currency",
    "price_year",
];

/// Writes `ylt.csv`, the short-form year loss table: one row per (strategy, perspective,
/// period), every period including those without loss, in the order of `series` (strategy,
/// then perspective) and then `period_no`. `aggregate_loss` and `max_loss` are in
/// `currency` at `price_year` prices, `downtime_h` in hours; all three are the exact grid
/// values (see the module docs).
///
/// # Panics
///
/// If `series` is not grouped by strategy with perspectives in order, or periods are not
/// numbered 1, 2, … in order.
pub fn write_ylt<W: Write>(
    out: W,
    series: &[LossSeries],
    currency: &str,
    price_year: i32,
) -> csv::Result<()> {
    check_layout(series);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(YLT_HEADER)?;
    let year = price_year.to_string();
    for s in series {
        for row in &s.periods {
            w.write_record([
                s.strategy.as_str(),
                s.perspective.name(),
                &row.period_no.to_string(),
                &row.incident_count.to_string(),
                &row.claim_count.to_string(),
                &num(to_grid(row.aggregate_loss)),
                &num(to_grid(row.max_loss)),
                &num(to_grid(row.downtime_h)),
                currency,
                &year,
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Header of `ep_curve.csv`.
pub const EP_CURVE_HEADER: [&str; 10] = [
    "strategy",
    "perspective",
    "ep_type",
    "return_period_years",
    "exceedance_probability",
    "loss",
    "tvar",
    "n_periods",
    "currency",
    "price_year",
];

/// Writes `ep_curve.csv`: per series (in slice order), `ep_type` `OEP` then `AEP`, one row
/// per return period of `return_periods` not above the number of periods (normally
/// [`STANDARD_RETURN_PERIODS`], ascending), with `exceedance_probability = 1 /
/// return_period_years` and the loss and TVaR of [`ep_points`].
///
/// # Panics
///
/// As [`write_ylt`], and as [`ep_points`] for invalid return periods.
pub fn write_ep_curve<W: Write>(
    out: W,
    series: &[LossSeries],
    return_periods: &[f64],
    currency: &str,
    price_year: i32,
) -> csv::Result<()> {
    check_layout(series);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EP_CURVE_HEADER)?;
    let year = price_year.to_string();
    for s in series {
        let n = s.n_periods().to_string();
        for (ep_type, points) in [
            ("OEP", s.oep(return_periods)),
            ("AEP", s.aep(return_periods)),
        ] {
            for pt in points {
                w.write_record([
                    s.strategy.as_str(),
                    s.perspective.name(),
                    ep_type,
                    &num(pt.return_period),
                    &num(1.0 / pt.return_period),
                    &num(pt.loss),
                    &num(pt.tvar),
                    &n,
                    currency,
                    &year,
                ])?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// Header of `insurer_cost.csv`.
pub const INSURER_COST_HEADER: [&str; 27] = [
    "strategy",
    "perspective",
    "n_periods",
    "exposure_vehicle_years",
    "incident_count",
    "claim_count",
    "claim_frequency_per_vehicle_year",
    "severity_mean",
    "severity_sd",
    "severity_p50",
    "severity_p90",
    "severity_p99",
    "pure_premium_per_vehicle_year",
    "aal",
    "aal_sd",
    "aal_se",
    "aal_ci95_low",
    "aal_ci95_high",
    "var_95",
    "var_99",
    "var_995",
    "tvar_95",
    "tvar_99",
    "tvar_995",
    "tail_metrics_estimable",
    "currency",
    "price_year",
];

// The column names say 95 %: keep them in step with the published interval level.
const _: () = assert!(CI_LEVEL == 0.95);

/// Writes `insurer_cost.csv`: one row per series (strategy, perspective) with the statistics
/// of [`insurer_cost`]. Money columns are in `currency` at `price_year` prices (`aal` and the
/// tail metrics per year for the whole region, the pure premium per vehicle-year). VaR / TVaR
/// columns whose return period exceeds the number of periods are empty, and
/// `tail_metrics_estimable` is `false` when there are fewer than 200 periods.
///
/// # Panics
///
/// As [`write_ylt`].
pub fn write_insurer_cost<W: Write>(
    out: W,
    series: &[LossSeries],
    currency: &str,
    price_year: i32,
) -> csv::Result<()> {
    check_layout(series);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(INSURER_COST_HEADER)?;
    for s in series {
        let c = insurer_cost(s);
        let mut rec = vec![
            s.strategy.clone(),
            s.perspective.name().to_string(),
            c.n_periods.to_string(),
            num(c.exposure_vehicle_years),
            c.incident_count.to_string(),
            c.claim_count.to_string(),
        ];
        rec.extend(
            [
                c.claim_frequency_per_vehicle_year,
                c.severity_mean,
                c.severity_sd,
                c.severity_p50,
                c.severity_p90,
                c.severity_p99,
                c.pure_premium_per_vehicle_year,
                c.aal,
                c.aal_sd,
                c.aal_se,
                c.aal_ci95_low,
                c.aal_ci95_high,
            ]
            .into_iter()
            .chain(c.var)
            .chain(c.tvar)
            .map(num),
        );
        rec.push(c.tail_metrics_estimable.to_string());
        rec.push(currency.to_string());
        rec.push(price_year.to_string());
        debug_assert_eq!(rec.len(), INSURER_COST_HEADER.len());
        w.write_record(&rec)?;
    }
    w.flush()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// ORD export
// ---------------------------------------------------------------------------------------------

/// Header of `ord/ept.csv`, exactly as ktools `ordleccalc` / OasisLMF write it.
pub const ORD_EPT_HEADER: [&str; 5] = ["SummaryId", "EPCalc", "EPType", "ReturnPeriod", "Loss"];

/// Header of `ord/alt.csv`, exactly as ktools `aalcalc` (ORD) / OasisLMF write it.
pub const ORD_ALT_HEADER: [&str; 4] = ["SummaryId", "SampleType", "MeanLoss", "SDLoss"];

/// Header of `ord/summary-info.csv`: the SummaryId and the grouping it stands for.
pub const ORD_SUMMARY_INFO_HEADER: [&str; 3] = ["SummaryId", "strategy", "perspective"];

/// Header of `ord/splt.csv` (sample period loss table), exactly as ktools `pltcalc` (ORD) /
/// OasisLMF write it.
pub const ORD_SPLT_HEADER: [&str; 12] = [
    "Period",
    "PeriodWeight",
    "EventId",
    "Year",
    "Month",
    "Day",
    "Hour",
    "Minute",
    "SummaryId",
    "SampleId",
    "Loss",
    "ImpactedExposure",
];

/// ORD `EPCalc` code of the EP table: 2, full uncertainty (all samples ranked; one sample per
/// period here).
pub const ORD_EPCALC_FULL_UNCERTAINTY: u8 = 2;

/// ORD `SampleType` code of sample statistics (as opposed to 1, analytical).
pub const ORD_SAMPLE_TYPE_SAMPLE: u8 = 2;

/// Writes `ord/summary-info.csv`: `SummaryId` (position in `series` + 1, see [`summary_id`]),
/// `strategy` and `perspective`.
///
/// # Panics
///
/// As [`write_ylt`].
pub fn write_ord_summary_info<W: Write>(out: W, series: &[LossSeries]) -> csv::Result<()> {
    check_layout(series);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ORD_SUMMARY_INFO_HEADER)?;
    for (i, s) in series.iter().enumerate() {
        w.write_record([
            (i + 1).to_string().as_str(),
            s.strategy.as_str(),
            s.perspective.name(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `ord/ept.csv`: `SummaryId,EPCalc,EPType,ReturnPeriod,Loss` with `EPCalc` 2 (full
/// uncertainty) and `EPType` 1 (OEP), 2 (OEP TVaR), 3 (AEP), 4 (AEP TVaR). The values are those
/// of `ep_curve.csv` ([`ep_points`]). Rows are ordered by SummaryId, then EPType, then
/// ReturnPeriod descending (the order ktools writes for a descending return-period file).
/// Numbers are written in shortest round-trip form (ktools writes six decimals); return periods
/// above the number of periods are omitted, as ktools does.
///
/// # Panics
///
/// As [`write_ep_curve`].
pub fn write_ord_ept<W: Write>(
    out: W,
    series: &[LossSeries],
    return_periods: &[f64],
) -> csv::Result<()> {
    check_layout(series);
    let mut descending = return_periods.to_vec();
    descending.sort_by(|a, b| b.total_cmp(a));
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ORD_EPT_HEADER)?;
    let epcalc = ORD_EPCALC_FULL_UNCERTAINTY.to_string();
    for (i, s) in series.iter().enumerate() {
        let id = (i + 1).to_string();
        let oep = s.oep(&descending);
        let aep = s.aep(&descending);
        let blocks: [(&str, &[EpPoint], bool); 4] = [
            ("1", &oep, false),
            ("2", &oep, true),
            ("3", &aep, false),
            ("4", &aep, true),
        ];
        for (ep_type, points, is_tvar) in blocks {
            for pt in points {
                let value = if is_tvar { pt.tvar } else { pt.loss };
                w.write_record([
                    id.as_str(),
                    &epcalc,
                    ep_type,
                    &num(pt.return_period),
                    &num(value),
                ])?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes `ord/alt.csv`: `SummaryId,SampleType,MeanLoss,SDLoss`, one row per series with
/// `SampleType` 2 (sample statistics), `MeanLoss` the AAL and `SDLoss` the SD of the period
/// aggregate losses (`P − 1` degrees of freedom, as ktools for one sample per period): the
/// `aal` and `aal_sd` of `insurer_cost.csv`.
///
/// # Panics
///
/// As [`write_ylt`].
pub fn write_ord_alt<W: Write>(out: W, series: &[LossSeries]) -> csv::Result<()> {
    check_layout(series);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(ORD_ALT_HEADER)?;
    let sample_type = ORD_SAMPLE_TYPE_SAMPLE.to_string();
    for (i, s) in series.iter().enumerate() {
        let m = s.aggregate_moments();
        w.write_record([
            (i + 1).to_string().as_str(),
            &sample_type,
            &num(m.mean()),
            &num(m.sd()),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Streaming writer of `ord/splt.csv`, the ORD sample period loss table: one row per
/// (event, SummaryId), written while the periods are simulated (the caller writes periods in
/// order, so the file is in period order).
///
/// `SampleId` is always 1 (one realisation per period) and `ImpactedExposure` is always 0: the
/// simulator has no insured-value exposure per event, and 0 marks it as not provided. `Loss` is
/// rounded to the fixed-point grid, so a period's SPLT losses sum exactly to its `ylt.csv`
/// `aggregate_loss`. Which events to write is the caller's choice; Oasis writes events with a
/// non-zero loss only.
pub struct SpltWriter<W: Write> {
    /// The CSV writer, header already written.
    w: csv::Writer<W>,
}

impl<W: Write> SpltWriter<W> {
    /// Starts the table: writes the header.
    pub fn new(out: W) -> csv::Result<Self> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(ORD_SPLT_HEADER)?;
        Ok(Self { w })
    }

    /// Writes one event's loss for one SummaryId ([`summary_id`]): `period` (from 1),
    /// `weight` (the period weight, 1/P for equally likely periods), `event_id`, the event's
    /// local date and time (`year` within the simulation from 1, `month` 1–12, `day` 1–31,
    /// `hour` 0–23, `minute` 0–59) and the `loss` in currency units.
    #[allow(clippy::too_many_arguments)] // one argument per ORD column
    pub fn write_event(
        &mut self,
        period: u64,
        weight: f64,
        event_id: u64,
        year: u32,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        summary_id: u32,
        loss: f64,
    ) -> csv::Result<()> {
        self.w.write_record([
            period.to_string().as_str(),
            &num(weight),
            &event_id.to_string(),
            &year.to_string(),
            &month.to_string(),
            &day.to_string(),
            &hour.to_string(),
            &minute.to_string(),
            &summary_id.to_string(),
            "1",
            &num(to_grid(loss)),
            "0",
        ])
    }

    /// Flushes the table and returns the underlying writer.
    pub fn finish(self) -> csv::Result<W> {
        self.w
            .into_inner()
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64: a small reproducible generator for test data.
    struct SplitMix64(u64);

    impl SplitMix64 {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        fn next_f64(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
        }

        /// Uniform integer in 0..n.
        fn below(&mut self, n: u64) -> u64 {
            self.next_u64() % n
        }
    }

    /// Random periods of one strategy, both perspectives: a random number of incidents per
    /// period (often zero), heavy-tailed ground-up losses, insured after a deductible, a limit
    /// and a call limit of 2 per vehicle (10 vehicles).
    fn random_pair(seed: u64, strategy: &str, periods: u64) -> [LossSeries; 2] {
        let mut rng = SplitMix64(seed);
        let terms = PolicyTerms {
            deductible: 50.0,
            limit_per_incident: Some(400.0),
            annual_call_limit: Some(2),
        };
        let mut rows = [Vec::new(), Vec::new()];
        let mut sev = [SeverityTally::new(), SeverityTally::new()];
        for period in 1..=periods {
            let mut acc = [PeriodAccumulator::new(), PeriodAccumulator::new()];
            let mut calls = [0u32; 10];
            for _ in 0..rng.below(6) {
                let vehicle = rng.below(10) as usize;
                let u = rng.next_f64();
                let gu = 30.0 / (1.0 - u).powf(0.6); // Pareto-like
                let downtime = rng.next_f64() * 3.0;
                let il = insured_loss(gu, &terms, calls[vehicle]);
                if is_claim(il) {
                    calls[vehicle] += 1;
                }
                for (k, loss) in [gu, il].into_iter().enumerate() {
                    acc[k].push_incident(loss, downtime);
                    sev[k].push_incident(loss);
                }
            }
            for (r, a) in rows.iter_mut().zip(&acc) {
                r.push(a.row(period));
            }
        }
        let [gu_rows, il_rows] = rows;
        let [gu_sev, il_sev] = sev;
        [
            LossSeries {
                strategy: strategy.to_string(),
                perspective: Perspective::GroundUp,
                exposure_vehicle_years: 10.0 * periods as f64,
                periods: gu_rows,
                severity: gu_sev,
            },
            LossSeries {
                strategy: strategy.to_string(),
                perspective: Perspective::Insured,
                exposure_vehicle_years: 10.0 * periods as f64,
                periods: il_rows,
                severity: il_sev,
            },
        ]
    }

    fn two_strategies(periods: u64) -> Vec<LossSeries> {
        let mut v: Vec<LossSeries> = random_pair(1, "baseline", periods).into();
        v.extend(random_pair(2, "spare_key", periods));
        v
    }

    fn to_string(f: impl FnOnce(&mut Vec<u8>) -> csv::Result<()>) -> String {
        let mut buf = Vec::new();
        f(&mut buf).expect("writing to memory");
        String::from_utf8(buf).expect("UTF-8")
    }

    fn all_tables(series: &[LossSeries]) -> Vec<String> {
        let rps = STANDARD_RETURN_PERIODS;
        vec![
            to_string(|b| write_ylt(b, series, "EUR", 2025)),
            to_string(|b| write_ep_curve(b, series, &rps, "EUR", 2025)),
            to_string(|b| write_insurer_cost(b, series, "EUR", 2025)),
            to_string(|b| write_ord_ept(b, series, &rps)),
            to_string(|b| write_ord_alt(b, series)),
            to_string(|b| write_ord_summary_info(b, series)),
        ]
    }

    /// Parses a CSV string into (header, rows).
    fn parse(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().unwrap().iter().map(str::to_string).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
            .collect();
        (header, rows)
    }

    #[test]
    fn grid_scale_matches_stats_quantise() {
        assert_eq!(quantise(1.0), 1 << 20);
        assert_eq!(SCALE, (1u64 << 20) as f64);
        assert_eq!(to_grid(0.1), 104_858.0 / SCALE);
        assert_eq!(to_grid(to_grid(1234.567)), to_grid(1234.567));
    }

    #[test]
    fn perspective_names() {
        assert_eq!(Perspective::GroundUp.name(), "ground_up");
        assert_eq!(Perspective::Insured.name(), "insured");
        assert_eq!(Perspective::ALL.map(Perspective::index), [0, 1]);
    }

    #[test]
    fn insured_loss_cases() {
        let none = PolicyTerms::default();
        assert_eq!(insured_loss(123.25, &none, 0), 123.25);
        assert_eq!(insured_loss(123.25, &none, 99), 123.25);
        assert_eq!(insured_loss(0.0, &none, 0), 0.0);

        let terms = PolicyTerms {
            deductible: 100.0,
            limit_per_incident: Some(250.0),
            annual_call_limit: Some(3),
        };
        assert_eq!(insured_loss(80.0, &terms, 0), 0.0, "under the deductible");
        assert_eq!(insured_loss(100.0, &terms, 0), 0.0, "at the deductible");
        assert_eq!(
            insured_loss(180.0, &terms, 0),
            80.0,
            "loss minus deductible"
        );
        assert_eq!(
            insured_loss(350.0, &terms, 2),
            250.0,
            "exactly at the limit"
        );
        assert_eq!(insured_loss(900.0, &terms, 1), 250.0, "capped at the limit");
        assert_eq!(insured_loss(900.0, &terms, 3), 0.0, "call limit used up");
        assert_eq!(insured_loss(180.0, &terms, 7), 0.0, "beyond the call limit");

        let no_calls = PolicyTerms {
            annual_call_limit: Some(0),
            ..PolicyTerms::default()
        };
        assert_eq!(insured_loss(500.0, &no_calls, 0), 0.0);
        let deductible_only = PolicyTerms {
            deductible: 40.0,
            ..PolicyTerms::default()
        };
        assert_eq!(insured_loss(1e6, &deductible_only, 1000), 1e6 - 40.0);
    }

    #[test]
    fn period_accumulator_counts_sums_and_merges_exactly() {
        let losses = [0.0, 120.5, 0.0, 33.25, 1e-9, 0.1, 7.0];
        let mut whole = PeriodAccumulator::new();
        for (i, x) in losses.iter().enumerate() {
            whole.push_incident(*x, i as f64 * 0.5);
        }
        assert_eq!(whole.incident_count(), 7);
        // 1e-9 rounds to 0 on the grid: an incident, not a claim.
        assert_eq!(whole.claim_count(), 4);
        assert_eq!(whole.max_loss(), 120.5);
        assert_eq!(whole.downtime_h(), 10.5);
        let expected_q: i128 = losses.iter().map(|x| i128::from(quantise(*x))).sum();
        assert_eq!(whole.aggregate_loss(), from_grid(expected_q));

        // Any split and merge order gives the same state.
        for split in 0..=losses.len() {
            let (mut a, mut b) = (PeriodAccumulator::new(), PeriodAccumulator::new());
            for (i, x) in losses.iter().enumerate().rev() {
                let target = if i < split { &mut a } else { &mut b };
                target.push_incident(*x, i as f64 * 0.5);
            }
            let mut ab = a.clone();
            ab.merge(&b);
            b.merge(&a);
            assert_eq!(ab, whole);
            assert_eq!(b, whole);
        }
        let row = whole.row(3);
        assert_eq!(row.period_no, 3);
        assert_eq!(row.incident_count, 7);
        assert_eq!(row.claim_count, 4);
        assert_eq!(row.max_loss, 120.5);

        let empty = PeriodAccumulator::new().row(1);
        assert_eq!(
            (empty.aggregate_loss, empty.max_loss, empty.downtime_h),
            (0.0, 0.0, 0.0)
        );
    }

    #[test]
    fn severity_tally_counts_claims_only_and_merges_exactly() {
        let mut all = SeverityTally::new();
        let (mut a, mut b) = (SeverityTally::new(), SeverityTally::new());
        for (i, x) in [0.0, 10.0, 20.0, 0.0, 30.0, 1e-9].into_iter().enumerate() {
            all.push_incident(x);
            if i % 2 == 0 { &mut a } else { &mut b }.push_incident(x);
        }
        assert_eq!(all.claim_count(), 3);
        assert_eq!(all.mean(), 20.0);
        assert_eq!(all.sd(), 10.0);
        assert!((all.quantile(0.5) - 20.0).abs() <= 20.0 / 256.0);
        b.merge(&a);
        assert_eq!(b, all);
    }

    /// Ten periods, worked by hand. Losses per period:
    /// `[0, 120, 0, 40, 300, 0, 80, 10, 0, 200]`, sorted descending
    /// `300, 200, 120, 80, 40, 10, 0, 0, 0, 0`; rank i has RP 10/i:
    /// 10, 5, 3.33, 2.5, 2, 1.67, ….
    ///
    /// * RP 10: k = 1, 1·10 = 10, computed point: loss 300, TVaR 300.
    /// * RP 5: k = 2, computed point: loss 200, TVaR (300 + 200)/2 = 250.
    /// * RP 2: k = 5, computed point: loss 40, TVaR (300+200+120+80+40)/5 = 740/5 = 148.
    /// * RP 20, 25, …: above P = 10, omitted.
    /// * RP 7: k = 1, between RP 5 (200) and RP 10 (300):
    ///   200 + (7 − 5)·(300 − 200)/(10 − 5) = 240; w = (7·2 − 10)·1/10 = 0.4. TVaR 300.
    /// * RP 4: k = 2, between RP 3.33 (120) and RP 5 (200):
    ///   120 + (4 − 10/3)·80/(5 − 10/3) = 120 + 80·0.4 = 152; w = (4·3 − 10)·2/10 = 0.4.
    ///   TVaR 250.
    /// * RP 3: k = 3, between RP 2.5 (80) and RP 3.33 (120):
    ///   80 + (3 − 2.5)·40/(10/3 − 2.5) = 80 + 40·0.6 = 104; w = (3·4 − 10)·3/10 = 0.6.
    ///   TVaR 620/3 = 206.67 (rounded down to the 2^-20 grid).
    /// * RP 1: k = 10, computed point: loss 0, TVaR 750/10 = 75 (the mean of all periods).
    #[test]
    fn ep_points_hand_worked_example() {
        let losses = [0.0, 120.0, 0.0, 40.0, 300.0, 0.0, 80.0, 10.0, 0.0, 200.0];
        let pts = ep_points(&losses, &STANDARD_RETURN_PERIODS);
        let got: Vec<(f64, f64, f64)> = pts
            .iter()
            .map(|p| (p.return_period, p.loss, p.tvar))
            .collect();
        assert_eq!(
            got,
            vec![
                (2.0, 40.0, 148.0),
                (5.0, 200.0, 250.0),
                (10.0, 300.0, 300.0)
            ]
        );

        let pts = ep_points(&losses, &[7.0, 4.0, 3.0, 1.0]);
        assert_eq!((pts[0].loss, pts[0].tvar), (240.0, 300.0));
        assert_eq!((pts[1].loss, pts[1].tvar), (152.0, 250.0));
        assert_eq!(pts[2].loss, 104.0);
        let tvar3 = ((620i128 << 20) / 3) as f64 / SCALE;
        assert_eq!(pts[2].tvar, tvar3);
        assert!((pts[2].tvar - 620.0 / 3.0).abs() < 1e-6);
        assert_eq!((pts[3].loss, pts[3].tvar), (0.0, 75.0));

        // The order of the input does not matter.
        let mut reversed = losses;
        reversed.reverse();
        assert_eq!(ep_points(&reversed, &[7.0, 4.0, 3.0, 1.0]), pts);
    }

    /// ktools interpolates only between non-zero computed points: below the return period of
    /// the smallest positive loss the loss is 0, while the TVaR still averages the zeros.
    #[test]
    fn ep_points_zero_below_smallest_positive_loss() {
        // Sorted: 300, 200, 120, 0 × 7; RP 3 lies between rank 3 (RP 3.33, 120) and rank 4
        // (RP 2.5, 0): loss 0 (plain interpolation would give 72). TVaR (300+200+120)/3.
        let losses = [0.0, 120.0, 0.0, 0.0, 300.0, 0.0, 0.0, 0.0, 0.0, 200.0];
        let pts = ep_points(&losses, &[3.0, 2.0]);
        assert_eq!(pts[0].loss, 0.0);
        assert!((pts[0].tvar - 620.0 / 3.0).abs() < 1e-6);
        assert_eq!((pts[1].loss, pts[1].tvar), (0.0, 124.0));
        // All-zero and empty inputs.
        let zeros = ep_points(&[0.0; 5], &[2.0, 5.0]);
        assert!(zeros.iter().all(|p| p.loss == 0.0 && p.tvar == 0.0));
        assert!(ep_points(&[], &STANDARD_RETURN_PERIODS).is_empty());
    }

    #[test]
    #[should_panic(expected = "whole numbers")]
    fn ep_points_rejects_fractional_return_periods() {
        ep_points(&[1.0, 2.0], &[1.5]);
    }

    #[test]
    fn ep_curves_monotone_tvar_above_var_oep_below_aep() {
        for seed in 0..40u64 {
            let periods = 1 + seed * 7;
            let [gu, il] = random_pair(seed, "s", periods);
            let rps: Vec<f64> = (1..=periods).map(|r| r as f64).collect();
            for s in [&gu, &il] {
                let oep = s.oep(&rps);
                let aep = s.aep(&rps);
                assert_eq!(oep.len(), periods as usize);
                for curve in [&oep, &aep] {
                    for w in curve.windows(2) {
                        // Return periods ascend, so exceedance probabilities descend: the loss
                        // must not decrease.
                        assert!(w[1].loss >= w[0].loss, "seed {seed}: {w:?}");
                    }
                    for p in curve.iter() {
                        assert!(p.tvar >= p.loss, "seed {seed}: {p:?}");
                    }
                }
                for (o, a) in oep.iter().zip(&aep) {
                    assert!(o.loss <= a.loss, "seed {seed}: OEP {o:?} > AEP {a:?}");
                    assert!(o.tvar <= a.tvar, "seed {seed}: OEP {o:?} > AEP {a:?}");
                }
            }
            // Insured never exceeds ground-up here (deductible and limits only reduce), so
            // neither do its EP curves.
            for (i, g) in il.aep(&rps).iter().zip(gu.aep(&rps)) {
                assert!(i.loss <= g.loss && i.tvar <= g.tvar);
            }
        }
    }

    #[test]
    fn aal_equals_mean_of_ylt_aggregate_column_exactly() {
        for periods in [1u64, 2, 37, 500] {
            let series = two_strategies(periods);
            let (_, ylt) = parse(&to_string(|b| write_ylt(b, &series, "EUR", 2025)));
            let (head, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
            let col = |name: &str| head.iter().position(|h| h == name).unwrap();
            assert_eq!(cost.len(), series.len());
            for (row, s) in cost.iter().zip(&series) {
                let values: Vec<f64> = ylt
                    .iter()
                    .filter(|r| r[0] == s.strategy && r[1] == s.perspective.name())
                    .map(|r| r[5].parse::<f64>().unwrap())
                    .collect();
                assert_eq!(values.len() as u64, periods);
                // Every column value is on the 2^-20 grid, so the exact total is an integer
                // number of grid steps; the AAL is that total over P, rounded once.
                let mut total: i128 = 0;
                for v in &values {
                    let steps = v * SCALE;
                    assert_eq!(steps.fract(), 0.0);
                    total += steps as i128;
                }
                let mean = total as f64 / periods as f64 / SCALE;
                assert_eq!(row[col("aal")], format!("{mean}"));
                // And it agrees with a naive floating-point mean to rounding.
                let naive = values.iter().sum::<f64>() / values.len() as f64;
                assert!((mean - naive).abs() <= 1e-9 * naive.abs().max(1.0));
                // Pure premium is the same total over the exposure.
                let pp: f64 = row[col("pure_premium_per_vehicle_year")].parse().unwrap();
                assert_eq!(pp, total as f64 / SCALE / s.exposure_vehicle_years);
                // ORD ALT carries the same mean.
                let (_, alt) = parse(&to_string(|b| write_ord_alt(b, &series)));
                let i = series.iter().position(|x| std::ptr::eq(x, s)).unwrap();
                assert_eq!(alt[i][2], row[col("aal")]);
                assert_eq!(alt[i][3], row[col("aal_sd")]);
            }
        }
    }

    #[test]
    fn insurer_cost_values_and_consistency_with_ep_curve() {
        let series = two_strategies(1000);
        let ept = parse(&to_string(|b| {
            write_ep_curve(b, &series, &STANDARD_RETURN_PERIODS, "EUR", 2025)
        }))
        .1;
        let (head, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
        assert_eq!(head, INSURER_COST_HEADER);
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        for (row, s) in cost.iter().zip(&series) {
            let c = insurer_cost(s);
            assert_eq!(c.claim_count, s.severity.claim_count());
            assert_eq!(row[col("tail_metrics_estimable")], "true");
            assert_eq!(row[col("n_periods")], "1000");
            let freq = c.claim_count as f64 / s.exposure_vehicle_years;
            assert_eq!(
                row[col("claim_frequency_per_vehicle_year")],
                format!("{freq}")
            );
            // Pure premium = frequency × severity (up to rounding).
            assert!(
                (c.pure_premium_per_vehicle_year - freq * c.severity_mean).abs()
                    < 1e-9 * c.pure_premium_per_vehicle_year
            );
            assert_eq!(c.aal_se, c.aal_sd / 1000f64.sqrt());
            assert!(c.aal_ci95_low < c.aal && c.aal < c.aal_ci95_high);
            for (name, rp) in [("var_95", "20"), ("var_99", "100"), ("var_995", "200")] {
                let ep = ept
                    .iter()
                    .find(|r| {
                        r[0] == s.strategy
                            && r[1] == s.perspective.name()
                            && r[2] == "AEP"
                            && r[3] == rp
                    })
                    .unwrap();
                assert_eq!(row[col(name)], ep[5]);
                let tname = name.replace("var", "tvar");
                assert_eq!(row[col(&tname)], ep[6]);
            }
        }
    }

    #[test]
    fn return_periods_above_p_omitted_and_tail_flagged() {
        let series = two_strategies(150);
        let (_, ep) = parse(&to_string(|b| {
            write_ep_curve(b, &series, &STANDARD_RETURN_PERIODS, "EUR", 2025)
        }));
        let rps: Vec<&str> = ep
            .iter()
            .filter(|r| r[0] == "baseline" && r[1] == "ground_up" && r[2] == "AEP")
            .map(|r| r[3].as_str())
            .collect();
        assert_eq!(rps, ["2", "5", "10", "20", "25", "50", "100"]);
        assert_eq!(ep.len(), 4 * 2 * 7);
        for r in &ep {
            let rp: f64 = r[3].parse().unwrap();
            assert_eq!(r[4], format!("{}", 1.0 / rp));
            assert_eq!(r[7], "150");
        }
        let (head, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        for row in &cost {
            assert_eq!(row[col("tail_metrics_estimable")], "false");
            assert_eq!(row[col("var_995")], "");
            assert_eq!(row[col("tvar_995")], "");
            assert!(!row[col("var_95")].is_empty());
            assert!(!row[col("tvar_99")].is_empty());
        }
        let (_, ord) = parse(&to_string(|b| {
            write_ord_ept(b, &series, &STANDARD_RETURN_PERIODS)
        }));
        assert!(ord.iter().all(|r| r[3].parse::<f64>().unwrap() <= 150.0));
        assert_eq!(ord.len(), 4 * 4 * 7);

        // At exactly 200 periods every tail metric is there.
        let series = two_strategies(200);
        let (_, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
        for row in &cost {
            assert_eq!(row[col("tail_metrics_estimable")], "true");
            assert!(
                row[col("var_95")..=col("tvar_995")]
                    .iter()
                    .all(|v| !v.is_empty())
            );
        }
    }

    #[test]
    fn ord_headers_exact() {
        let series = two_strategies(20);
        let first_line = |text: String| text.lines().next().unwrap().to_string();
        assert_eq!(
            first_line(to_string(|b| write_ord_ept(
                b,
                &series,
                &STANDARD_RETURN_PERIODS
            ))),
            "SummaryId,EPCalc,EPType,ReturnPeriod,Loss"
        );
        assert_eq!(
            first_line(to_string(|b| write_ord_alt(b, &series))),
            "SummaryId,SampleType,MeanLoss,SDLoss"
        );
        assert_eq!(
            first_line(to_string(|b| write_ord_summary_info(b, &series))),
            "SummaryId,strategy,perspective"
        );
        let mut splt = SpltWriter::new(Vec::new()).unwrap();
        splt.write_event(1, 0.05, 17, 1, 12, 24, 18, 5, 3, 120.5)
            .unwrap();
        let text = String::from_utf8(splt.finish().unwrap()).unwrap();
        assert_eq!(
            text,
            "Period,PeriodWeight,EventId,Year,Month,Day,Hour,Minute,SummaryId,SampleId,Loss,ImpactedExposure\n\
             1,0.05,17,1,12,24,18,5,3,1,120.5,0\n"
        );
    }

    #[test]
    fn ord_tables_content() {
        let series = two_strategies(20);
        let (_, info) = parse(&to_string(|b| write_ord_summary_info(b, &series)));
        assert_eq!(
            info,
            [
                ["1", "baseline", "ground_up"],
                ["2", "baseline", "insured"],
                ["3", "spare_key", "ground_up"],
                ["4", "spare_key", "insured"],
            ]
        );
        for (i, s) in series.iter().enumerate() {
            let strategy_index = i / 2;
            assert_eq!(summary_id(strategy_index, s.perspective, 2) as usize, i + 1);
        }
        assert_eq!(summary_id(4, Perspective::GroundUp, 1), 5);

        let (_, ept) = parse(&to_string(|b| {
            write_ord_ept(b, &series, &STANDARD_RETURN_PERIODS)
        }));
        // 4 summaries × 4 EP types × RPs 20, 10, 5, 2.
        assert_eq!(ept.len(), 64);
        let aep = series[1].aep(&[20.0, 10.0, 5.0, 2.0]);
        let rows: Vec<&Vec<String>> = ept.iter().filter(|r| r[0] == "2").collect();
        for (j, row) in rows.iter().enumerate() {
            assert_eq!(row[1], "2");
            let ep_type = (j / 4 + 1).to_string();
            assert_eq!(row[2], ep_type);
            let p = series[1].oep(&[20.0, 10.0, 5.0, 2.0])[j % 4];
            let (loss, tvar) = if j < 8 {
                (p.loss, p.tvar)
            } else {
                (aep[j % 4].loss, aep[j % 4].tvar)
            };
            assert_eq!(row[3], format!("{}", [20, 10, 5, 2][j % 4]));
            let expected = if j / 4 % 2 == 0 { loss } else { tvar };
            assert_eq!(row[4], format!("{expected}"));
        }
        let (_, alt) = parse(&to_string(|b| write_ord_alt(b, &series)));
        assert_eq!(alt.len(), 4);
        assert!(alt.iter().all(|r| r[1] == "2"));
    }

    #[test]
    fn splt_losses_sum_to_ylt_aggregate() {
        let losses = [0.1, 0.2, 0.30000000000000004, 1234.5678];
        let mut acc = PeriodAccumulator::new();
        let mut splt = SpltWriter::new(Vec::new()).unwrap();
        for (i, x) in losses.iter().enumerate() {
            acc.push_incident(*x, 0.0);
            splt.write_event(1, 1.0, i as u64 + 1, 1, 1, 1, 0, 0, 1, *x)
                .unwrap();
        }
        let text = String::from_utf8(splt.finish().unwrap()).unwrap();
        let (_, rows) = parse(&text);
        let total: i128 = rows
            .iter()
            .map(|r| {
                let steps = r[10].parse::<f64>().unwrap() * SCALE;
                assert_eq!(steps.fract(), 0.0);
                steps as i128
            })
            .sum();
        assert_eq!(from_grid(total), acc.aggregate_loss());
    }

    #[test]
    fn ylt_has_every_period_in_order() {
        let series = two_strategies(30);
        let (head, rows) = parse(&to_string(|b| write_ylt(b, &series, "EUR", 2025)));
        assert_eq!(head, YLT_HEADER);
        assert_eq!(rows.len(), 4 * 30);
        let mut zero_periods = 0;
        for (i, r) in rows.iter().enumerate() {
            let s = &series[i / 30];
            assert_eq!(r[0], s.strategy);
            assert_eq!(r[1], s.perspective.name());
            assert_eq!(r[2], (i % 30 + 1).to_string());
            assert_eq!(&r[8..], ["EUR", "2025"]);
            let agg: f64 = r[5].parse().unwrap();
            let max: f64 = r[6].parse().unwrap();
            assert!(max <= agg);
            if agg == 0.0 {
                zero_periods += 1;
            }
        }
        assert!(
            zero_periods > 0,
            "the test data should have zero-loss periods"
        );
    }

    #[test]
    fn outputs_are_byte_identical_when_repeated() {
        let first = all_tables(&two_strategies(250));
        let second = all_tables(&two_strategies(250));
        assert_eq!(first, second);
    }

    #[test]
    #[should_panic(expected = "numbered")]
    fn writers_reject_misnumbered_periods() {
        let mut series = two_strategies(5);
        series[0].periods.swap(1, 2);
        let _ = to_string(|b| write_ylt(b, &series, "EUR", 2025));
    }

    #[test]
    fn nan_written_as_empty_field() {
        // One period: no SD, no SE, no interval.
        let series = two_strategies(1);
        let (head, cost) = parse(&to_string(|b| write_insurer_cost(b, &series, "EUR", 2025)));
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        assert_eq!(cost[0][col("aal_sd")], "");
        assert_eq!(cost[0][col("aal_se")], "");
        assert_eq!(cost[0][col("var_95")], "");
    }
}
