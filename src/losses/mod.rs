//! What a region run produces, and the insurer's figures as pure functions of its losses:
//! per-period accumulators, claim severities, EP points, AAL and the insurer cost; the report
//! layer ([`crate::report::loss_tables`]) lays them out as the year loss table, EP curves,
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
//!   and `aal = fl(fl(T) / P) / 2^20` (the [`Moments`](crate::stats::Moments) mean), the correctly rounded mean of the
//!   column values (while `T < 2^53`).
//! * `max_loss` is also on the grid, so a period's largest loss never exceeds its aggregate,
//!   and OEP never exceeds AEP (see [`ep_points`]).
//!
//! # Files
//!
//! * `period.rs`: [`PeriodAccumulator`] (one period's losses, filled by the engine) and
//!   [`PeriodRow`] (a row of `ylt.csv`);
//! * `severity.rs`: [`SeverityTally`], claim severities across periods;
//! * `pools.rs`: [`PoolTally`], what a responder pool did;
//! * `results.rs`: [`Partial`] (the merged results of some periods: a thread's accumulator, a
//!   shard's state) and [`RegionRun`] (the finished run the report layer reads);
//! * `events.rs`: [`EventLoss`], one claim of the event table, and the [`EventSink`] the
//!   report layer implements to stream them;
//! * `ep.rs`: [`ep_points`], exceedance-probability curves;
//! * `insurer.rs`: [`LossSeries`] and [`insurer_cost`], the figures of `insurer_cost.csv`;
//! * this file: the fixed-point grid, perspectives, the policy terms ([`insured_loss`]) and
//!   the ORD summary ids.

mod ep;
mod events;
mod insurer;
mod period;
mod pools;
mod results;
mod severity;

pub use ep::{EpPoint, ep_points};
pub use events::{EventLoss, EventSink};
pub use insurer::{InsurerCost, LossSeries, insurer_cost};
pub use period::{PeriodAccumulator, PeriodRow};
pub use pools::PoolTally;
pub(crate) use results::aal_relative_precision;
pub use results::{FinishError, Partial, RegionRun};
pub use severity::SeverityTally;

use crate::model::region::PolicyTerms;
use crate::stats::quantise;

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
