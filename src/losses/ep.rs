//! Exceedance-probability curves from one loss per period.

use super::from_grid;
use crate::stats::quantise;

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
