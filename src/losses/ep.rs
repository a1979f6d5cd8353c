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
/// The TVaR is the one of Oasis' own EP calculator (oasislmf `lecpy`, `write_ept` with a
/// return-period file; ktools `leccalc` likewise), so `ord/ept.csv` agrees with it to float
/// rounding (`tests/integration/oasis.rs` checks a fixture written by oasislmf). Oasis walks the
/// ranked losses from the top, keeping a running mean, and visits the requested return periods
/// in descending order: return period `r` is met at rank `i = ⌈P / r⌉` (the first rank whose
/// return period is at most `r`: `i = k` when `r` divides `P`, else `k + 1`), and its TVaR is
/// the mean of the ranked losses above that rank *together with* the losses of every requested
/// return period met at the same rank, its own included:
///
/// `tvar(r) = (L_1 + … + L_{i−1} + Σ_{s ∈ G(r)} loss(s)) / (i − 1 + |G(r)|)`,
///
/// where `G(r)` holds the requested return periods `s ≥ r` with `⌈P / s⌉ = i`. So where `r`
/// divides `P` and no other requested return period falls between ranks `i − 1` and `i`, this
/// is the mean of the `P / r` largest losses (every standard return period when `P` is a
/// multiple of 1000); elsewhere it depends on the *list* of requested return periods, which
/// this function takes as a set (order and repeats do not matter). For example with `P = 30`
/// and return periods 25 and 20 (both between rank 1, RP 30, and rank 2, RP 15):
/// `tvar(25) = (L_1 + loss(25)) / 2` and `tvar(20) = (L_1 + loss(25) + loss(20)) / 3`. Return
/// periods above `P` are left out, as Oasis does. Both TVaRs satisfy `tvar ≥ loss`.
///
/// # Exactness
///
/// The losses are first rounded to the fixed-point grid of [`quantise`] (a no-op for YLT
/// values, which are on it) and everything is computed in integers: `w` is the exact rational
/// `c / P` with integer `c = (r(k+1) − P)·k`, the interpolated loss is
/// `q_{k+1} + ⌊(q_k − q_{k+1}) · c / P⌋` and the TVaR the floor of the integer sum above
/// over its count, both rounded down to the grid (≤ 9.5e-7 currency units). Hence, exactly and not just up to rounding:
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
    // Each requested return period's loss, and the rank `i = ⌈P / r⌉` at which Oasis meets it.
    let loss_at = |r_int: u128| -> i128 {
        let k = p / r_int; // ≥ 1 since r ≤ P
        let hi = q[(k - 1) as usize]; // L_k
        if k * r_int == p {
            return hi;
        }
        // k < P here (r ≥ 1 and k·r < P), so rank k + 1 exists.
        let lo = q[k as usize]; // L_{k+1}
        if lo == 0 {
            return 0;
        }
        let c = (r_int * (k + 1) - p) * k; // 0 < c < P
        lo + ((hi - lo) * c as i128).div_euclid(p as i128)
    };
    // The distinct requested return periods within range, descending (the order Oasis visits
    // them), with their TVaR: the running group of return periods met at the same rank.
    let mut visited: Vec<u128> = return_periods
        .iter()
        .map(|r| *r as u128)
        .filter(|r| *r <= p)
        .collect();
    visited.sort_unstable_by(|a, b| b.cmp(a));
    visited.dedup();
    let mut tvar_of: Vec<(u128, i128)> = Vec::with_capacity(visited.len());
    let (mut group_rank, mut group_sum, mut group_len) = (0u128, 0i128, 0i128);
    for &r_int in &visited {
        let rank = p.div_ceil(r_int);
        if rank != group_rank {
            (group_rank, group_sum, group_len) = (rank, 0, 0);
        }
        group_sum += loss_at(r_int);
        group_len += 1;
        let above = prefix[(rank - 1) as usize]; // L_1 + … + L_{i−1}
        let count = (rank - 1) as i128 + group_len;
        tvar_of.push((r_int, (above + group_sum).div_euclid(count)));
    }
    let mut out = Vec::new();
    for &r in return_periods {
        let r_int = r as u128;
        if r_int > p {
            continue;
        }
        let tvar_q = tvar_of
            .iter()
            .find(|(s, _)| *s == r_int)
            .map(|(_, t)| *t)
            .expect("every return period within range was visited");
        out.push(EpPoint {
            return_period: r,
            loss: from_grid(loss_at(r_int)),
            tvar: from_grid(tvar_q),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A line-by-line port of oasislmf's `write_ept` (lecpy, full uncertainty, one sample,
    /// return-period file) in floating point: its running mean and its visit of the
    /// return periods, as a reference for the integer implementation above.
    fn oasis_reference(losses: &[f64], return_periods: &[f64]) -> Vec<(f64, f64, f64)> {
        let max_rp = losses.len() as f64;
        let mut rps: Vec<f64> = return_periods.to_vec();
        rps.sort_by(|a, b| b.total_cmp(a));
        rps.dedup();
        let mut sorted: Vec<f64> = losses.iter().copied().filter(|x| *x > 0.0).collect();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let get_loss = |next: f64, last_rp: f64, last_loss: f64, cur_rp: f64, cur_loss: f64| {
            if cur_loss == 0.0 {
                0.0
            } else if cur_rp == next {
                cur_loss
            } else {
                (next - cur_rp) * (last_loss - cur_loss) / (last_rp - cur_rp) + cur_loss
            }
        };
        let mut out = Vec::new();
        let (mut next_idx, mut last_rp, mut last_loss, mut tvar) = (0usize, 0.0, 0.0, 0.0);
        let mut i = 1usize;
        // Ranked non-zero losses, then zeros until every return period is met.
        while next_idx < rps.len() {
            let value = sorted.get(i - 1).copied().unwrap_or(0.0);
            let cur_rp = max_rp / i as f64;
            let mut counter = i as f64;
            let mut local = tvar;
            while next_idx < rps.len() {
                let next = rps[next_idx];
                if cur_rp > next {
                    break;
                }
                if next > max_rp {
                    next_idx += 1;
                    continue;
                }
                let loss = get_loss(next, last_rp, last_loss, cur_rp, value);
                local -= (local - loss) / counter;
                out.push((next, loss, local));
                next_idx += 1;
                counter += 1.0;
            }
            (last_rp, last_loss) = (cur_rp, value);
            tvar -= (tvar - value) / i as f64;
            i += 1;
        }
        out
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-6 * b.abs().max(1.0)
    }

    /// P = 30 with return periods 25 and 20, both between rank 1 (RP 30) and rank 2 (RP 15):
    /// Oasis averages the first ranked loss with the interpolated losses met so far.
    #[test]
    fn two_return_periods_between_the_same_ranks() {
        let mut losses = vec![0.0; 30];
        losses[3] = 900.0;
        losses[7] = 600.0;
        losses[11] = 300.0;
        let pts = ep_points(&losses, &[25.0, 20.0, 10.0]);
        // RP 25: 600 + (25 − 15)·(900 − 600)/(30 − 15) = 800; RP 20: 600 + 5·20 = 700.
        assert_eq!((pts[0].loss, pts[0].tvar), (800.0, (900.0 + 800.0) / 2.0));
        assert_eq!(
            (pts[1].loss, pts[1].tvar),
            (700.0, (900.0 + 800.0 + 700.0) / 3.0)
        );
        // RP 10 divides 30: the mean of the three largest.
        assert_eq!((pts[2].loss, pts[2].tvar), (300.0, 600.0));
        // Asked alone, RP 20 has a TVaR of its own: the list matters, its order does not.
        assert_eq!(ep_points(&losses, &[20.0])[0].tvar, (900.0 + 700.0) / 2.0);
        assert_eq!(ep_points(&losses, &[10.0, 20.0, 25.0, 20.0])[1].tvar, 800.0);
    }

    /// The integer implementation equals the port of Oasis' algorithm on varied inputs:
    /// period counts that the return periods do and do not divide, ties, zero periods,
    /// return periods above P and several between the same two ranks.
    #[test]
    fn equals_oasis_running_mean() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let lists: [&[f64]; 3] = [
            &[
                2.0, 5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0, 250.0, 500.0, 1000.0,
            ],
            &[
                1.0, 2.0, 3.0, 4.0, 6.0, 7.0, 9.0, 11.0, 13.0, 17.0, 19.0, 23.0, 29.0,
            ],
            &[
                30.0, 29.0, 28.0, 27.0, 26.0, 25.0, 20.0, 16.0, 15.0, 14.0, 8.0,
            ],
        ];
        for case in 0..300u64 {
            let p = 1 + (next() % 120) as usize;
            let zero_share = next() % 4;
            let losses: Vec<f64> = (0..p)
                .map(|_| {
                    if next() % 4 < zero_share {
                        0.0
                    } else {
                        // Multiples of 1/64 (on the grid) with some ties.
                        (next() % 20_000) as f64 / 64.0
                    }
                })
                .collect();
            let rps = lists[case as usize % lists.len()];
            let want = oasis_reference(&losses, rps);
            let got = ep_points(&losses, rps);
            let mut got_desc: Vec<(f64, f64, f64)> = got
                .iter()
                .map(|pt| (pt.return_period, pt.loss, pt.tvar))
                .collect();
            got_desc.sort_by(|a, b| b.0.total_cmp(&a.0));
            got_desc.dedup_by(|a, b| a.0 == b.0);
            assert_eq!(got_desc.len(), want.len(), "case {case}, P = {p}");
            for (g, w) in got_desc.iter().zip(&want) {
                assert_eq!(g.0, w.0, "case {case}");
                assert!(close(g.1, w.1), "case {case}, P = {p}: loss {g:?} vs {w:?}");
                assert!(close(g.2, w.2), "case {case}, P = {p}: tvar {g:?} vs {w:?}");
            }
        }
    }
}
