//! The insurer's figures of a region run as pure functions of its losses: per-period
//! accumulators, claim severities, EP points, AAL and the insurer cost; the report layer
//! ([`crate::report::loss_tables`]) lays them out as the year loss table, EP curves,
//! frequency–severity table and the Open Results Data (ORD) export.
//!
//! The engine simulates each period (year) whole on one thread and folds its incidents, per
//! strategy and perspective, into a [`PeriodAccumulator`]; the finished accumulator becomes a
//! [`PeriodRow`]. Claim severities go into a [`SeverityTally`] per strategy and perspective. The
//! rows of all periods plus the tally make a [`LossSeries`]. Everything is a pure function of
//! its inputs: the same series give byte-identical tables.
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

use crate::model::region::PolicyTerms;
use crate::stats::{CI_LEVEL, Moments, QuantileSketch, quantise};

/// Value of one unit of the fixed-point grid of [`quantise`]: `2^20` steps per currency unit
/// (or per hour). `quantise(1.0) == 2^20` is checked by a test.
pub(crate) const SCALE: f64 = 1_048_576.0;

/// Converts a grid integer back to the value it stands for (`q / 2^20`).
pub(crate) fn from_grid(q: i128) -> f64 {
    q as f64 / SCALE
}

/// Rounds a value to the fixed-point grid (idempotent on values already on it).
pub(crate) fn to_grid(x: f64) -> f64 {
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
