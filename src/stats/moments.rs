//! Count, mean, variance and normal-approximation confidence intervals, kept in exact
//! fixed-point integer sums so that merging is exact, associative and commutative.

use serde::{Deserialize, Serialize};

/// The confidence level used for the published intervals: 95%, two-sided.
pub const CI_LEVEL: f64 = 0.95;

/// Number of fractional bits of the fixed-point quantisation (`q = round(x · 2^FRAC_BITS)`).
const FRAC_BITS: i32 = 20;

/// `2^FRAC_BITS` = 1 048 576: one unit of the value is this many fixed-point steps.
const SCALE: f64 = (1u64 << FRAC_BITS) as f64;

/// Quantises a value to fixed point: `round(x · 2^20)` as an `i64`, ties to even.
///
/// For `|x · 2^20| < 2^51` (|x| below about 2.1e9, every realistic time or price) the rounding
/// is done by adding and subtracting 1.5 · 2^52, which the FPU rounds to the nearest integer in
/// two instructions; `f64::round` would be a libm call on baseline x86-64 and costs more than
/// the rest of [`Moments::push`]. Larger values take the slow path with the same rule.
#[inline]
pub fn quantise(x: f64) -> i64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    let y = x * SCALE;
    if y.abs() < (1u64 << 51) as f64 {
        ((y + MAGIC) - MAGIC) as i64
    } else {
        y.round_ties_even() as i64
    }
}

/// Streaming count, sum and sum of squares of `f64` values, held exactly in fixed point.
///
/// Every value `x` is quantised once, on entry, to `q = round(x · 2^20)` (an `i64`; ties
/// round to even, see [`quantise`]). The resolution is therefore 2^-20 ≈ 9.5e-7 of the value's unit
/// (minutes, currency units, ...): each value is stored with an absolute error of at most
/// 2^-21 ≈ 4.8e-7. The rounding of a value depends only on that value, never on the order of
/// pushes, and the state is integer sums `n`, `Σq` (`i128`) and `Σq²` (`i128`). Hence
/// [`merge`](Self::merge) is integer addition: exact, associative and commutative, and any
/// grouping of chunks gives a bit-identical state and bit-identical derived statistics.
///
/// The state has a fixed size of 40 bytes, whatever the number of samples.
///
/// # Range
///
/// `q` must fit an `i64`, so `|x| < 2^43` ≈ 8.8e12. `Σq²` must fit an `i128` (< 2^127): with
/// values `|x| ≤ 2^20` ≈ 1e6 that allows 2^47 ≈ 1.4e14 samples, with `|x| ≤ 2^30` ≈ 1e9 it
/// allows 2^27 ≈ 1.3e8 samples. A value out of the `i64` range (or NaN), or a sum that would
/// leave the `i128`, never becomes a number: it sets the overflow flag
/// ([`overflowed`](Self::overflowed)), which stays set through merges, and whoever reports the
/// statistics must refuse a flagged accumulator. `crate::limits` bounds the inputs so that this
/// does not happen with more than negligible probability.
///
/// # Serialisation
///
/// The `i128` sums are serialised as decimal strings (`"sum": "-123"`), since JSON numbers
/// cannot carry 128-bit integers portably; `n` is a plain number.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moments {
    /// Number of values pushed.
    n: u64,
    /// `Σq`, the sum of the quantised values, in units of 2^-20.
    #[serde(with = "i128_string")]
    sum: i128,
    /// `Σq²`, the sum of the squared quantised values, in units of 2^-40.
    #[serde(with = "i128_string")]
    sum_sq: i128,
    /// Set when a value or a sum left the exact range: the statistics are then not numbers.
    /// (Written only when set, so states without an overflow keep their layout.)
    #[serde(default, skip_serializing_if = "is_false")]
    overflow: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// `|x|` below this quantises without saturating: `|x · 2^20| < 2^63`.
const QUANTISE_LIMIT: f64 = (1u64 << 43) as f64;

/// Values of magnitude below this (2^24 = 16,777,216 of the value's unit) may be pushed with
/// [`Moments::push_in_range`] into an accumulator that will hold at most [`IN_RANGE_MAX_COUNT`]
/// values: then `|q| < 2^44`, `q² < 2^88`, and neither `Σq` nor `Σq²` can leave the `i128`, so
/// nothing needs checking per value.
pub const IN_RANGE_LIMIT: f64 = (1u64 << 24) as f64;

/// The most values an accumulator fed by [`Moments::push_in_range`] may hold: 2^39 (with
/// `q² < 2^88`, `Σq² < 2^127`). Runs of incidents stop at `crate::limits::MAX_INCIDENTS` = 2^36.
pub const IN_RANGE_MAX_COUNT: u64 = 1 << 39;

impl Moments {
    /// An empty accumulator (same as [`Default`]).
    pub const fn new() -> Self {
        Self {
            n: 0,
            sum: 0,
            sum_sq: 0,
            overflow: false,
        }
    }

    /// Adds one value: `q = round(x · 2^20)`, `n += 1`, `Σq += q`, `Σq² += q²`.
    ///
    /// Does not allocate and does not branch. A value that is not finite or has `|x| ≥ 2^43`,
    /// or a sum leaving the `i128`, sets the overflow flag ([`overflowed`](Self::overflowed)).
    #[inline]
    pub fn push(&mut self, x: f64) {
        let q = i128::from(quantise(x));
        // |q| < 2^63, so q² < 2^126 never overflows, and neither can `n` (a run has at most
        // 2^36 values, `crate::limits`) nor `Σq` (at most 2^36 · 2^63 = 2^99 in magnitude):
        // only `Σq²` and the quantisation itself need the flag on this hot path.
        let (sum_sq, overflowed) = self.sum_sq.overflowing_add(q * q);
        self.n += 1;
        self.sum += q;
        self.sum_sq = sum_sq;
        self.overflow |= !(x.abs() < QUANTISE_LIMIT) | overflowed;
    }

    /// Adds one value the caller has checked to be in range: `|x| <` [`IN_RANGE_LIMIT`], into
    /// an accumulator that never holds more than [`IN_RANGE_MAX_COUNT`] values. The state is
    /// the one [`Moments::push`] gives; only the per-value overflow bookkeeping is skipped,
    /// which the hot loop of an incident run checks once per incident instead.
    #[inline]
    pub fn push_in_range(&mut self, x: f64) {
        debug_assert!(x.abs() < IN_RANGE_LIMIT && self.n < IN_RANGE_MAX_COUNT);
        let q = i128::from(quantise(x));
        self.n += 1;
        self.sum += q;
        self.sum_sq += q * q;
    }

    /// Adds the state of `other` into `self` (integer addition of `n`, `Σq`, `Σq²`).
    ///
    /// Exact, associative and commutative: the result is the state that pushing both
    /// sequences of values into one accumulator would give. A sum that would leave its integer
    /// sets the overflow flag instead of wrapping.
    #[inline]
    pub fn merge(&mut self, other: &Moments) {
        let n = self.n.checked_add(other.n);
        let sum = self.sum.checked_add(other.sum);
        let sum_sq = self.sum_sq.checked_add(other.sum_sq);
        match (n, sum, sum_sq) {
            (Some(n), Some(sum), Some(sum_sq)) => {
                self.n = n;
                self.sum = sum;
                self.sum_sq = sum_sq;
                self.overflow |= other.overflow;
            }
            _ => self.overflow = true,
        }
    }

    /// Whether a value or a sum left the exact range: the statistics are then not numbers and
    /// must not be reported.
    #[inline]
    pub fn overflowed(&self) -> bool {
        self.overflow || self.sum_sq < 0
    }

    /// [`Moments::merge`] with checked arithmetic, for state read from a file: `Err` (and
    /// `self` unusable) if a count or a sum would overflow.
    pub fn checked_merge(&mut self, other: &Moments) -> Result<(), String> {
        self.n = checked(self.n.checked_add(other.n), "count")?;
        self.sum = checked(self.sum.checked_add(other.sum), "sum")?;
        self.sum_sq = checked(self.sum_sq.checked_add(other.sum_sq), "sum of squares")?;
        Ok(())
    }

    /// Checks what every sequence of pushes satisfies, for state read from a file: no sums
    /// without values; each value's grid point within ±2^63 (|x| < 2^43, see
    /// [`Moments::push`]), so |Σq| ≤ n·2^63; Σq² ≥ 0 and (Σq)² ≤ n·Σq² (Cauchy-Schwarz, in
    /// the form [`Moments::variance`] evaluates, so reading it cannot overflow).
    pub fn validate(&self) -> Result<(), String> {
        let (n, sum, sum_sq) = (self.n, self.sum, self.sum_sq);
        if n == 0 {
            return if sum == 0 && sum_sq == 0 {
                Ok(())
            } else {
                Err(format!("no values but non-zero sums ({sum}, {sum_sq})"))
            };
        }
        if sum_sq < 0 {
            return Err(format!("negative sum of squares {sum_sq}"));
        }
        if sum.unsigned_abs() > u128::from(n) << 63 {
            return Err(format!("sum {sum} is beyond what {n} values can add up to"));
        }
        let wide = i128::from(n);
        let (a, r) = (sum.div_euclid(wide), sum.rem_euclid(wide));
        let centred = sum
            .checked_add(r)
            .and_then(|s| a.checked_mul(s))
            .and_then(|p| sum_sq.checked_sub(p));
        if centred.is_none_or(|m| m < 0) || (n == 1 && sum.checked_mul(sum) != Some(sum_sq)) {
            return Err(format!(
                "sum {sum} and sum of squares {sum_sq} of {n} values are inconsistent"
            ));
        }
        Ok(())
    }

    /// Number of values pushed, `n`.
    #[inline]
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Half-width of the confidence interval at `level` over |mean|: the relative precision of
    /// the mean. 0 when the half-width is 0 (a constant, even a constant 0).
    pub fn relative_half_width(&self, level: f64) -> f64 {
        let (lo, hi) = self.ci(level);
        let half = 0.5 * (hi - lo);
        if half == 0.0 {
            0.0
        } else {
            half / self.mean().abs()
        }
    }

    /// Sum of the (quantised) values, `Σq / 2^20`, in the unit of the values.
    pub fn sum(&self) -> f64 {
        self.sum as f64 / SCALE
    }

    /// Arithmetic mean `Σq / (n · 2^20)`, in the unit of the values; NaN when `n = 0`.
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        self.sum as f64 / self.n as f64 / SCALE
    }

    /// Sample variance `Σ(q − q̄)² / ((n − 1) · 2^40)`, in the unit of the values squared;
    /// NaN when `n < 2`.
    ///
    /// The centred sum of squares is computed without cancellation: with `a = ⌊Σq / n⌋` and
    /// `r = Σq − n·a` (so `0 ≤ r < n`), the integer `M = Σ(q − a)² = Σq² − a·(Σq + r)` is
    /// exact, and `Σ(q − q̄)² = M − r²/n` loses nothing significant in `f64`. The result is
    /// clamped at ≥ 0.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        let n = i128::from(self.n);
        let a = self.sum.div_euclid(n);
        let r = self.sum.rem_euclid(n);
        let m = self.sum_sq - a * (self.sum + r);
        let r = r as f64;
        let centred = m as f64 - r * r / self.n as f64;
        (centred / (self.n - 1) as f64 / (SCALE * SCALE)).max(0.0)
    }

    /// Sample standard deviation `√variance`, in the unit of the values; NaN when `n < 2`.
    pub fn sd(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Standard error of the mean `sd / √n`, in the unit of the values; NaN when `n < 2`.
    pub fn std_error(&self) -> f64 {
        self.sd() / (self.n as f64).sqrt()
    }

    /// Two-sided confidence interval for the mean at `level` (e.g. [`CI_LEVEL`] = 0.95), by
    /// the normal approximation: `mean ± z · sd / √n` with `z = z_value(level)`.
    ///
    /// Returns `(mean, mean)` when `n = 1` and `(NaN, NaN)` when `n = 0`.
    ///
    /// # Panics
    ///
    /// If `level` is not strictly between 0 and 1 (see [`z_value`]).
    pub fn ci(&self, level: f64) -> (f64, f64) {
        let z = z_value(level);
        match self.n {
            0 => (f64::NAN, f64::NAN),
            1 => (self.mean(), self.mean()),
            _ => {
                let mean = self.mean();
                let half = z * self.std_error();
                (mean - half, mean + half)
            }
        }
    }
}

/// Two-sided standard-normal quantile for a confidence `level`: the `z` with
/// `P(|Z| ≤ z) = level`, i.e. `z = Φ⁻¹(1 − (1 − level)/2)`.
///
/// For example 0.95 → 1.959963984540054 and 0.99 → 2.5758293035489004. Computed by Acklam's
/// rational approximation of `Φ⁻¹` (relative error ≤ 1.15e-9) followed by one Halley
/// refinement step (using an `erfc` accurate to ~1e-15), which brings the error to about 1e-15.
///
/// # Panics
///
/// If `level` is not strictly between 0 and 1.
pub fn z_value(level: f64) -> f64 {
    assert!(
        level > 0.0 && level < 1.0,
        "confidence level must be in (0, 1) (got {level})"
    );
    -inverse_normal_cdf((1.0 - level) / 2.0)
}

/// The standard normal distribution function `Φ(x)`.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

/// Standard-normal quantile `Φ⁻¹(p)` for `0 < p < 1`: Acklam's algorithm plus one Halley step.
pub fn inverse_normal_cdf(p: f64) -> f64 {
    debug_assert!(p > 0.0 && p < 1.0);
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.38357751867269e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-03,
        3.224671290700398e-01,
        2.445134137142996e+00,
        3.754408661907416e+00,
    ];
    const P_LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    let x = if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    };
    // Halley step on f(x) = Φ(x) − p, with Φ(x) = erfc(−x/√2)/2.
    let e = 0.5 * erfc(-x / std::f64::consts::SQRT_2) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

/// Complementary error function `erfc(x) = 1 − erf(x)`, relative error ≲ 2e-15 for `x ≥ 0`
/// (absolute ≲ 1e-15 for `x < 0`, via `erfc(x) = 2 − erfc(−x)`).
///
/// For `0 ≤ x < 1.25`: `1 − erf(x)` with the all-positive series
/// `erf(x) = (2/√π) e^{−x²} Σₙ x (2x²)ⁿ / (1·3···(2n+1))`.
/// For `x ≥ 1.25`: the continued fraction `erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x +
/// (3/2)/(x + ...))))`, evaluated backwards over 200
/// terms (converged to f64 precision for `x ≥ 1.25`).
fn erfc(x: f64) -> f64 {
    const FRAC_1_SQRT_PI: f64 = 0.564_189_583_547_756_3;
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 1.25 {
        let two_x2 = 2.0 * x * x;
        let mut term = x;
        let mut sum = x;
        let mut k = 0.0;
        while term > sum * 1e-17 {
            k += 1.0;
            term *= two_x2 / (2.0 * k + 1.0);
            sum += term;
        }
        1.0 - 2.0 * FRAC_1_SQRT_PI * (-x * x).exp() * sum
    } else {
        let mut f = x;
        for k in (1..=200).rev() {
            f = x + (f64::from(k) / 2.0) / f;
        }
        FRAC_1_SQRT_PI * (-x * x).exp() / f
    }
}

/// The value of a checked operation, or an error saying what overflowed.
pub fn checked<T>(value: Option<T>, what: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("{what} overflows when the parts are added"))
}

/// Serde adapter: an `i128` as a decimal string, since JSON numbers cannot portably carry it.
pub mod i128_string {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    /// Writes the integer as its decimal string.
    pub fn serialize<S: Serializer>(value: &i128, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    /// Parses a decimal string back into the integer.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i128, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|e| D::Error::custom(format!("invalid 128-bit integer {text:?}: {e}")))
    }
}

/// A streaming count and exact fixed-point sum, for statistics that need only a mean (half the
/// work of [`Moments`]). Same quantisation and the same exact, associative merge.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixedSum {
    /// Number of values pushed.
    n: u64,
    /// `Σq`, in units of 2^-20.
    #[serde(with = "i128_string")]
    sum: i128,
    /// Set when a value or the sum left the exact range (see [`Moments::overflowed`]).
    #[serde(default, skip_serializing_if = "is_false")]
    overflow: bool,
}

impl FixedSum {
    /// Adds one value; one out of the exact range sets the overflow flag.
    #[inline]
    pub fn push(&mut self, x: f64) {
        // As in `Moments::push`: neither `n` nor the sum can overflow within the run limits.
        self.n += 1;
        self.sum += i128::from(quantise(x));
        self.overflow |= !(x.abs() < QUANTISE_LIMIT);
    }

    /// Adds one value checked to be in range, as [`Moments::push_in_range`].
    #[inline]
    pub fn push_in_range(&mut self, x: f64) {
        debug_assert!(x.abs() < IN_RANGE_LIMIT && self.n < IN_RANGE_MAX_COUNT);
        self.n += 1;
        self.sum += i128::from(quantise(x));
    }

    /// Adds another accumulator's state (exact); a sum leaving its integer sets the flag.
    #[inline]
    pub fn merge(&mut self, other: &FixedSum) {
        match (self.n.checked_add(other.n), self.sum.checked_add(other.sum)) {
            (Some(n), Some(sum)) => {
                self.n = n;
                self.sum = sum;
                self.overflow |= other.overflow;
            }
            _ => self.overflow = true,
        }
    }

    /// Whether a value or the sum left the exact range.
    #[inline]
    pub fn overflowed(&self) -> bool {
        self.overflow
    }

    /// [`FixedSum::merge`] with checked arithmetic, for state read from a file.
    pub fn checked_merge(&mut self, other: &FixedSum) -> Result<(), String> {
        self.n = checked(self.n.checked_add(other.n), "count")?;
        self.sum = checked(self.sum.checked_add(other.sum), "sum")?;
        Ok(())
    }

    /// Checks, for state read from a file, that the sum is one `n` values can have: 0 without
    /// values, |Σq| ≤ n·2^63 otherwise.
    pub fn validate(&self) -> Result<(), String> {
        if self.sum.unsigned_abs() > u128::from(self.n) << 63 {
            return Err(format!(
                "sum {} is beyond what {} values can add up to",
                self.sum, self.n
            ));
        }
        Ok(())
    }

    /// Number of values pushed.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// Sum of the quantised values.
    pub fn sum(&self) -> f64 {
        self.sum as f64 / SCALE
    }

    /// Mean; NaN when empty.
    pub fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.sum as f64 / self.n as f64 / SCALE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testutil::SplitMix64;

    fn assert_rel(actual: f64, expected: f64, tol: f64) {
        let rel = ((actual - expected) / expected).abs();
        assert!(
            rel <= tol,
            "actual {actual}, expected {expected}, relative error {rel:e} > {tol:e}"
        );
    }

    /// Two-pass mean and sample variance in f64.
    fn two_pass(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    fn quantised(x: f64) -> f64 {
        quantise(x) as f64 / SCALE
    }

    fn sample(seed: u64, n: usize) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        (0..n)
            .map(|i| match i % 3 {
                0 => rng.next_exp(30.0),
                1 => 100.0 * rng.next_f64() - 20.0,
                _ => 1000.0 * rng.next_f64(),
            })
            .collect()
    }

    fn moments_of(xs: &[f64]) -> Moments {
        let mut m = Moments::new();
        xs.iter().for_each(|&x| m.push(x));
        m
    }

    #[test]
    fn mean_and_variance_match_two_pass() {
        let xs = sample(1, 5000);
        let m = moments_of(&xs);
        assert_eq!(m.count(), 5000);
        // Against the raw values: only the 2^-21 quantisation separates them.
        let (mean, var) = two_pass(&xs);
        assert_rel(m.mean(), mean, 1e-9);
        assert_rel(m.variance(), var, 1e-9);
        assert_rel(m.sd(), var.sqrt(), 1e-9);
        assert_rel(m.std_error(), (var / 5000.0).sqrt(), 1e-9);
        assert_rel(m.sum(), xs.iter().sum(), 1e-9);
        // Against the quantised values the integer arithmetic is exact: only f64 rounding left.
        let q: Vec<f64> = xs.iter().map(|&x| quantised(x)).collect();
        let (mean_q, var_q) = two_pass(&q);
        assert_rel(m.mean(), mean_q, 1e-13);
        assert_rel(m.variance(), var_q, 1e-12);
    }

    #[test]
    fn variance_has_no_cancellation_with_large_offset() {
        // Mean 1e6, sd ≈ 0.29: the naive f64 formula (Σx² − (Σx)²/n)/(n − 1) loses all digits.
        let mut rng = SplitMix64::new(7);
        let xs: Vec<f64> = (0..4000).map(|_| quantised(1e6 + rng.next_f64())).collect();
        let m = moments_of(&xs);
        let (mean, var) = two_pass(&xs);
        assert_rel(m.mean(), mean, 1e-12);
        assert_rel(m.variance(), var, 1e-9);
        // Constant data: exactly zero variance, even with a value that is not representable.
        let c = moments_of(&[0.1; 1000]);
        assert_eq!(c.variance(), 0.0);
        assert_eq!(c.mean(), quantised(0.1));
    }

    #[test]
    fn quantisation_is_per_value_and_deterministic() {
        let mut m = Moments::new();
        m.push(0.1);
        m.push(-2.5 / SCALE); // a tie: rounds to the even neighbour, -2 steps
        assert_eq!(m.sum, 104_858 - 2);
        assert_eq!(m.sum_sq, 104_858 * 104_858 + 4);
        assert_eq!(m.sum(), (104_858.0 - 2.0) / SCALE);
        // The fast path and the slow path agree.
        for x in [
            0.1,
            -7.25,
            1e-7,
            123_456.789,
            -2.5 / SCALE,
            3.5 / SCALE,
            2e9,
            -3e12,
        ] {
            assert_eq!(quantise(x), (x * SCALE).round_ties_even() as i64, "{x}");
        }
        assert!((quantised(0.1) - 0.1).abs() <= 0.5 / SCALE);
    }

    #[test]
    fn merge_is_exact_in_any_grouping() {
        let xs = sample(2, 3001);
        let (a, rest) = xs.split_at(1000);
        let (b, c) = rest.split_at(1234);
        let (ma, mb, mc) = (moments_of(a), moments_of(b), moments_of(c));

        let mut left = ma.clone(); // (a + b) + c
        left.merge(&mb);
        left.merge(&mc);
        let mut bc = mb.clone(); // a + (b + c)
        bc.merge(&mc);
        let mut right = ma.clone();
        right.merge(&bc);
        let mut rotated = mc.clone(); // c + a + b
        rotated.merge(&ma);
        rotated.merge(&mb);
        let mut with_empty = Moments::default();
        with_empty.merge(&left);
        with_empty.merge(&Moments::new());

        let whole = moments_of(&xs);
        for other in [&left, &right, &rotated, &with_empty] {
            assert_eq!(*other, whole);
            assert_eq!(other.mean().to_bits(), whole.mean().to_bits());
            assert_eq!(other.variance().to_bits(), whole.variance().to_bits());
        }
    }

    #[test]
    fn small_counts() {
        let empty = Moments::new();
        assert_eq!(empty.count(), 0);
        assert!(empty.mean().is_nan());
        assert!(empty.variance().is_nan());
        let (lo, hi) = empty.ci(CI_LEVEL);
        assert!(lo.is_nan() && hi.is_nan());

        let one = moments_of(&[4.25]);
        assert_eq!(one.mean(), 4.25);
        assert!(one.variance().is_nan());
        assert!(one.std_error().is_nan());
        assert_eq!(one.ci(CI_LEVEL), (4.25, 4.25));

        let two = moments_of(&[1.0, 3.0]);
        assert_eq!(two.mean(), 2.0);
        assert_eq!(two.variance(), 2.0);
    }

    #[test]
    fn ci_uses_normal_quantile() {
        let xs = sample(3, 2000);
        let m = moments_of(&xs);
        let (lo, hi) = m.ci(CI_LEVEL);
        assert_rel((hi - lo) / 2.0, 1.959963984540054 * m.std_error(), 1e-14);
        assert_rel((hi + lo) / 2.0, m.mean(), 1e-14);
        let (lo99, hi99) = m.ci(0.99);
        assert_rel(
            (hi99 - lo99) / 2.0,
            2.5758293035489004 * m.std_error(),
            1e-14,
        );
    }

    #[test]
    #[should_panic(expected = "confidence level must be in (0, 1)")]
    fn z_value_rejects_level_one() {
        z_value(1.0);
    }

    #[test]
    fn z_value_known_values() {
        // Reference values from mpmath (30 digits): sqrt(2) · erfinv(level).
        for (level, z) in [
            (0.8, 1.2815515655446006),
            (0.9, 1.6448536269514729),
            (0.95, 1.959963984540054),
            (0.99, 2.5758293035489004),
            (0.995, 2.807033768343804),
            (0.999, 3.2905267314918945),
            (0.999999, 4.891638475692932),
        ] {
            let got = z_value(level);
            assert!((got - z).abs() <= 1e-12, "level {level}: {got} vs {z}");
        }
        // The documented exact doubles of the two common levels.
        assert!((z_value(0.95) - 1.959963984540054).abs() <= 1e-15);
        assert!((z_value(0.99) - 2.5758293035489004).abs() <= 1e-15);
    }

    #[test]
    fn inverse_normal_cdf_is_accurate_and_symmetric() {
        assert_eq!(inverse_normal_cdf(0.5), 0.0);
        // mpmath: -sqrt(2) · erfinv(1 − 2p).
        assert!((inverse_normal_cdf(0.001) + 3.090232306167813).abs() < 1e-12);
        assert!((inverse_normal_cdf(0.3) + 0.5244005127080407).abs() < 1e-14);
        for p in [1e-10, 1e-6, 0.01, 0.02425, 0.1, 0.3, 0.45] {
            let lo = inverse_normal_cdf(p);
            let hi = inverse_normal_cdf(1.0 - p);
            // 1 − p is rounded (and Φ near 1 is only absolutely accurate): an error of ~1e-16
            // in the probability moves the quantile by ~1e-16 / φ(x).
            let density = (-lo * lo / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
            let tol = 1e-13 + 1e-15 / density;
            assert!((lo + hi).abs() < tol, "p = {p}: {lo} vs {hi}");
            // Round trip through Φ, relative in the probability.
            assert_rel(0.5 * erfc(-lo / std::f64::consts::SQRT_2), p, 1e-12);
        }
    }

    #[test]
    fn erfc_known_values() {
        // Reference values from mpmath (30 digits).
        for (x, want) in [
            (0.0, 1.0),
            (0.1, 0.887537083981715),
            (0.5, 0.4795001221869535),
            (1.0, 0.15729920705028513),
            (2.0, 0.004677734981047266),
            (2.4999, 0.00040716990033345092),
            (2.5, 0.0004069520174449589),
            (3.0, 2.209049699858544e-05),
            (4.0, 1.541725790028002e-08),
            (6.0, 2.1519736712498913e-17),
            (10.0, 2.088487583762545e-45),
        ] {
            assert_rel(erfc(x), want, 2e-15);
            assert!((erfc(-x) - (2.0 - want)).abs() <= 1e-15, "erfc(-{x})");
        }
        assert_eq!(erfc(30.0), 0.0);
    }

    #[test]
    fn values_and_sums_beyond_the_range_are_flagged_not_saturated() {
        let mut m = moments_of(&[1.0, 2.0]);
        assert!(!m.overflowed());
        m.push(2e13); // beyond 2^43: once saturated to a mean of 8.8e12
        assert!(m.overflowed());
        let mut n = Moments::new();
        n.push(f64::NAN);
        assert!(n.overflowed());
        // Merging keeps the flag; sums that would wrap set it.
        let mut a = moments_of(&[1.0]);
        a.merge(&m);
        assert!(a.overflowed());
        let mut big = moments_of(&[1.0]);
        big.sum_sq = i128::MAX / 3 * 2;
        let mut sum = big.clone();
        assert!(!sum.overflowed());
        sum.merge(&big);
        assert!(sum.overflowed());
        let mut f = FixedSum::default();
        f.push(3.0);
        let mut g = FixedSum::default();
        g.push(-1e300);
        f.merge(&g);
        assert!(f.overflowed());
        // An unflagged state serialises as before.
        let json = serde_json::to_string(&moments_of(&[1.0])).unwrap();
        assert!(!json.contains("overflow"), "{json}");
    }

    #[test]
    fn serde_json_round_trip() {
        let mut m = moments_of(&sample(4, 1000));
        m.push(-5e8); // negative sum, Σq² beyond the u64 range
        assert!(m.sum < 0 && m.sum_sq > i128::from(u64::MAX));
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains(&format!("\"sum\":\"{}\"", m.sum)), "{json}");
        let back: Moments = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);

        let empty: Moments = serde_json::from_str(r#"{"n":0,"sum":"0","sum_sq":"0"}"#).unwrap();
        assert_eq!(empty, Moments::new());
        assert!(serde_json::from_str::<Moments>(r#"{"n":1,"sum":"x1","sum_sq":"1"}"#).is_err());
        assert!(serde_json::from_str::<Moments>(r#"{"n":1,"sum":1,"sum_sq":"1"}"#).is_err());
    }
}
