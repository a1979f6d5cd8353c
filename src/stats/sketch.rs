//! Quantiles of non-negative values from a fixed-layout log-linear histogram whose merge is
//! exact, associative and commutative.

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

/// Number of mantissa bits that select the linear sub-bucket within a binary octave:
/// 2^7 = 128 sub-buckets per octave.
pub const SUB_BITS: u32 = 7;

/// Smallest binary exponent covered by the octave buckets: values in
/// [2^MIN_EXP, 2^MAX_EXP) = [≈ 9.8e-4, ≈ 1.1e12) get relative-error buckets.
pub const MIN_EXP: i32 = -10;

/// Exponent of the first value that no longer fits an octave bucket: values
/// ≥ 2^MAX_EXP ≈ 1.1e12 go into the overflow bucket.
pub const MAX_EXP: i32 = 40;

/// Total number of buckets: zero, underflow, (MAX_EXP − MIN_EXP) · 2^SUB_BITS octave
/// sub-buckets (50 · 128 = 6400) and overflow, i.e. 6403.
pub const NUM_BUCKETS: usize = OVERFLOW + 1;

/// Bucket of the values exactly equal to zero.
const ZERO: usize = 0;
/// Bucket of the values in (0, 2^MIN_EXP).
const UNDERFLOW: usize = 1;
/// First octave sub-bucket: [2^MIN_EXP, 2^MIN_EXP · (1 + 1/128)).
const FIRST_OCTAVE: usize = 2;
/// Bucket of the values ≥ 2^MAX_EXP.
const OVERFLOW: usize = FIRST_OCTAVE + ((MAX_EXP - MIN_EXP) as usize) * (1 << SUB_BITS);

/// Right shift that keeps the exponent and the top SUB_BITS mantissa bits of an f64.
const SHIFT: u32 = 52 - SUB_BITS;
/// Bit pattern of 2^MIN_EXP (positive f64 bit patterns are ordered like the values).
const LOW_BITS: u64 = ((1023 + MIN_EXP) as u64) << 52;
/// Bit pattern of 2^MAX_EXP.
const HIGH_BITS: u64 = ((1023 + MAX_EXP) as u64) << 52;
/// Bit pattern of the upper bound of the underflow bucket seen as one more sub-bucket below
/// the first octave bucket, so that the index is a shift of the clamped bit pattern.
const BASE_BITS: u64 = LOW_BITS - (1 << SHIFT);

/// Estimate returned for the underflow bucket: 2^(MIN_EXP − 1), half its upper bound.
const UNDERFLOW_ESTIMATE: f64 = 1.0 / (1u64 << (1 - MIN_EXP)) as f64;
/// Estimate returned for the overflow bucket: 2^MAX_EXP, its lower bound.
const OVERFLOW_ESTIMATE: f64 = (1u64 << MAX_EXP) as f64;

/// Bucket of a value `x ≥ 0` (anything not `> 0`, including NaN, maps to the zero bucket),
/// computed from the f64 bit pattern without logarithms or branches.
#[inline]
fn bucket_index(x: f64) -> usize {
    let bits = if x > 0.0 { x.to_bits() } else { 0 };
    // Clamping the bit pattern to [BASE_BITS, HIGH_BITS] maps (0, 2^MIN_EXP) to UNDERFLOW and
    // [2^MAX_EXP, +inf] to OVERFLOW; within range, the index is exponent and top mantissa bits.
    let index = ((bits.clamp(BASE_BITS, HIGH_BITS) - BASE_BITS) >> SHIFT) as usize + UNDERFLOW;
    index - usize::from(bits == 0)
}

/// Point estimate of the values in bucket `index` (before clamping into [min, max]): exactly 0
/// for the zero bucket, the exact midpoint for octave buckets, 2^(MIN_EXP−1) for underflow,
/// 2^MAX_EXP for overflow.
fn bucket_estimate(index: usize) -> f64 {
    match index {
        ZERO => 0.0,
        UNDERFLOW => UNDERFLOW_ESTIMATE,
        OVERFLOW => OVERFLOW_ESTIMATE,
        _ => {
            // Lower bound bits, plus half a sub-bucket: the midpoint, exactly representable.
            let lower = LOW_BITS + (((index - FIRST_OCTAVE) as u64) << SHIFT);
            f64::from_bits(lower + (1 << (SHIFT - 1)))
        }
    }
}

/// Bit pattern marking a bucket whose values are not all the same (or that is empty): a NaN
/// pattern, never the bits of a value the sketch holds.
const MIXED: u64 = u64::MAX;

/// Streaming quantile sketch for non-negative values: a log-linear (HDR-style) histogram with
/// a fixed bucket layout, plus the exact minimum and maximum and, per bucket, the value all
/// its values share when they are all the same (an atom: a fixed duration or price).
///
/// # Layout
///
/// * one exact zero bucket for values `== 0.0` (very common for costs);
/// * an underflow bucket for values in (0, 2^MIN_EXP) = (0, 2^-10 ≈ 9.8e-4);
/// * for each binary octave [2^e, 2^(e+1)), e = MIN_EXP..MAX_EXP (−10..40), 2^SUB_BITS = 128
///   equal-width sub-buckets chosen by the top 7 mantissa bits of the value;
/// * an overflow bucket for values ≥ 2^MAX_EXP = 2^40 ≈ 1.1e12.
///
/// That is [`NUM_BUCKETS`] = 6403 `u64` counts and as many `u64` atoms, allocated once by
/// [`new`](Self::new): 102 448 bytes on the heap whatever the number of samples, plus the
/// 72-byte struct.
///
/// # Exactness
///
/// The state is integer counts, the exact min and max, and per bucket the bit pattern of its
/// single value or [`MIXED`], so [`merge`](Self::merge) (element-wise addition of counts, min
/// of mins, max of maxes; a bucket keeps its single value when the other side's bucket is
/// empty or holds the same value, else becomes mixed) is exact, associative and commutative:
/// any grouping of chunks gives a state equal (`==`) to that of pushing all the values into
/// one sketch.
///
/// # Accuracy
///
/// The quantile of order `q` is defined as the value of rank `k = max(1, ⌈q·n⌉)` (1-based) in
/// sorted order, the "lower" empirical quantile (the inverse of the empirical CDF), with `q·n`
/// computed in f64. When every value in the bucket that holds rank `k` is the same, the sketch
/// returns that value, exactly (a fixed 0.5 min button or a 15.00 fee reads 0.5 and 15.0,
/// not a bucket midpoint, as long as no other value falls in its bucket, within 1/128 of
/// it); otherwise the midpoint of the bucket, clamped into [min, max]. Rank 1 returns the
/// exact min and rank `n` the exact max. For a rank whose
/// value lies in [2^-10, 2^40) the estimate satisfies
/// `|estimate − true| ≤ true / 256` (≈ 0.39%): a sub-bucket [lo, lo + w) has `w = 2^e/128`
/// and `lo ≥ 2^e`, so the midpoint is within `w/2 ≤ lo/256` of any value in it. A zero value is
/// returned exactly as 0. Values in the underflow bucket are estimated as 2^-11 (half its upper
/// bound) and values in the overflow bucket as 2^40 (its lower bound), both clamped into
/// [min, max]; there is no relative-error guarantee there.
///
/// # Invalid values
///
/// Negative values and NaN are a bug in the caller (checked in debug builds); in release
/// builds they are counted as 0. Infinity is also rejected in debug builds; in release it goes
/// to the overflow bucket.
///
/// # Serialisation
///
/// Serialised compactly: the layout parameters, the count, the min and max (`null` when
/// empty) and only the non-empty buckets as `[index, count]` pairs. Deserialisation checks the
/// layout and the consistency of the state.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantileSketch {
    /// Count per bucket, [`NUM_BUCKETS`] long.
    counts: Vec<u64>,
    /// Per bucket: the bit pattern of the value all its values equal, or [`MIXED`] (also for
    /// an empty bucket), [`NUM_BUCKETS`] long.
    atoms: Vec<u64>,
    /// Total count, the sum of `counts`.
    total: u64,
    /// Smallest value pushed (+inf when empty).
    min: f64,
    /// Largest value pushed (−inf when empty).
    max: f64,
}

impl Default for QuantileSketch {
    fn default() -> Self {
        Self::new()
    }
}

impl QuantileSketch {
    /// An empty sketch; allocates the [`NUM_BUCKETS`] counts and atoms (102 448 bytes) once.
    pub fn new() -> Self {
        Self {
            counts: vec![0; NUM_BUCKETS],
            atoms: vec![MIXED; NUM_BUCKETS],
            total: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }

    /// Adds one value `x ≥ 0` (finite; checked in debug builds, clamped to 0 in release if
    /// negative or NaN). Does not allocate; the bucket comes from the bit pattern of `x`.
    #[inline]
    pub fn push(&mut self, x: f64) {
        debug_assert!(
            x >= 0.0 && x.is_finite(),
            "QuantileSketch::push: value must be finite and >= 0 (got {x})"
        );
        let x = if x > 0.0 { x } else { 0.0 };
        let i = bucket_index(x);
        let bits = x.to_bits();
        let atom = &mut self.atoms[i];
        *atom = if self.counts[i] == 0 || *atom == bits {
            bits
        } else {
            MIXED
        };
        self.counts[i] += 1;
        self.total += 1;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
    }

    /// [`QuantileSketch::merge`] with checked arithmetic, for state read from a file.
    pub fn checked_merge(&mut self, other: &Self) -> Result<(), String> {
        self.merge_atoms(other);
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a = super::checked(a.checked_add(*b), "a histogram count")?;
        }
        self.total = super::checked(self.total.checked_add(other.total), "count")?;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        Ok(())
    }

    /// Adds the state of `other` into `self`: counts element-wise, min of the minima, max of
    /// the maxima. Exact, associative and commutative.
    pub fn merge(&mut self, other: &Self) {
        self.merge_atoms(other);
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += *b;
        }
        self.total += other.total;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Merges the atoms of `other` into `self`'s, before the counts are added: a bucket that
    /// is empty on one side takes the other's atom; two non-empty buckets keep their atom if
    /// it is the same, else become [`MIXED`].
    fn merge_atoms(&mut self, other: &Self) {
        for (i, (a, b)) in self.atoms.iter_mut().zip(&other.atoms).enumerate() {
            if other.counts[i] == 0 {
                continue;
            }
            *a = if self.counts[i] == 0 || *a == *b {
                *b
            } else {
                MIXED
            };
        }
    }

    /// Number of values pushed.
    #[inline]
    pub fn count(&self) -> u64 {
        self.total
    }

    /// Exact smallest value pushed; NaN when empty.
    pub fn min(&self) -> f64 {
        if self.total == 0 { f64::NAN } else { self.min }
    }

    /// Exact largest value pushed; NaN when empty.
    pub fn max(&self) -> f64 {
        if self.total == 0 { f64::NAN } else { self.max }
    }

    /// Estimated quantile of order `q` (see the type docs for the definition and the
    /// 1/256 relative-error guarantee); NaN when empty.
    ///
    /// # Panics
    ///
    /// If `q` is not in [0, 1].
    pub fn quantile(&self, q: f64) -> f64 {
        let mut out = [f64::NAN];
        self.quantiles_into(&[q], &mut out);
        out[0]
    }

    /// Estimated quantiles for several orders, in one pass over the buckets; NaN when empty.
    ///
    /// # Panics
    ///
    /// If any `q` is not in [0, 1] or `qs` is not sorted ascending.
    pub fn quantiles(&self, qs: &[f64]) -> Vec<f64> {
        let mut out = vec![f64::NAN; qs.len()];
        self.quantiles_into(qs, &mut out);
        out
    }

    /// Shared implementation of [`quantile`](Self::quantile) and
    /// [`quantiles`](Self::quantiles): fills `out[i]` with the estimate for `qs[i]`.
    fn quantiles_into(&self, qs: &[f64], out: &mut [f64]) {
        assert!(
            qs.iter().all(|q| (0.0..=1.0).contains(q)),
            "quantile orders must be in [0, 1] (got {qs:?})"
        );
        assert!(
            qs.is_sorted(),
            "quantile orders must be sorted ascending (got {qs:?})"
        );
        if self.total == 0 {
            out.fill(f64::NAN);
            return;
        }
        let n = self.total;
        let mut buckets = self.counts.iter().enumerate();
        let (mut index, mut cumulative) = (0, 0u64);
        for (q, slot) in qs.iter().zip(out.iter_mut()) {
            let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
            while cumulative < rank {
                let (i, c) = buckets.next().expect("counts sum to the total count");
                index = i;
                cumulative += c;
            }
            *slot = if rank == 1 {
                self.min
            } else if rank == n {
                self.max
            } else if self.atoms[index] != MIXED {
                f64::from_bits(self.atoms[index])
            } else {
                bucket_estimate(index).clamp(self.min, self.max)
            };
        }
    }
}

/// The serialised form of a [`QuantileSketch`]: layout, count, extremes and sparse buckets.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SketchRepr {
    /// [`SUB_BITS`] of the layout that produced the state.
    sub_bits: u32,
    /// [`MIN_EXP`] of the layout.
    min_exp: i32,
    /// [`MAX_EXP`] of the layout.
    max_exp: i32,
    /// Total count.
    count: u64,
    /// Exact minimum, absent when empty.
    min: Option<f64>,
    /// Exact maximum, absent when empty.
    max: Option<f64>,
    /// Non-empty buckets as (index, count), by increasing index.
    buckets: Vec<(u32, u64)>,
    /// Per listed bucket, in the same order: the value all its values equal, or `null` when
    /// they differ (a bucket of one value always has its value) and for the zero bucket (whose
    /// values are all 0).
    atoms: Vec<Option<f64>>,
}

impl Serialize for QuantileSketch {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let buckets = self
            .counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c > 0)
            .map(|(i, &c)| (i as u32, c))
            .collect();
        let atoms = self
            .atoms
            .iter()
            .zip(&self.counts)
            .enumerate()
            .filter(|&(_, (_, &c))| c > 0)
            .map(|(i, (&a, _))| (i != ZERO && a != MIXED).then(|| f64::from_bits(a)))
            .collect();
        SketchRepr {
            sub_bits: SUB_BITS,
            min_exp: MIN_EXP,
            max_exp: MAX_EXP,
            count: self.total,
            min: (self.total > 0).then_some(self.min),
            max: (self.total > 0).then_some(self.max),
            buckets,
            atoms,
        }
        .serialize(serializer)
    }
}

/// Whether `x` (the min or the max) agrees with the atom of its bucket, if it has one.
fn atom_agrees(sketch: &QuantileSketch, x: f64) -> bool {
    let atom = sketch.atoms[bucket_index(x)];
    atom == MIXED || atom == (x + 0.0).to_bits()
}

impl<'de> Deserialize<'de> for QuantileSketch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let repr = SketchRepr::deserialize(deserializer)?;
        if (repr.sub_bits, repr.min_exp, repr.max_exp) != (SUB_BITS, MIN_EXP, MAX_EXP) {
            return Err(D::Error::custom(format!(
                "quantile sketch layout (sub_bits {}, min_exp {}, max_exp {}) differs from this \
                 build's ({SUB_BITS}, {MIN_EXP}, {MAX_EXP})",
                repr.sub_bits, repr.min_exp, repr.max_exp
            )));
        }
        let mut sketch = QuantileSketch::new();
        let mut previous = None;
        for &(index, count) in &repr.buckets {
            let i = index as usize;
            if i >= NUM_BUCKETS || previous.is_some_and(|p| p >= i) || count == 0 {
                return Err(D::Error::custom(format!(
                    "quantile sketch bucket [{index}, {count}] is out of range, out of order or \
                     empty"
                )));
            }
            previous = Some(i);
            sketch.counts[i] = count;
            sketch.total = sketch
                .total
                .checked_add(count)
                .ok_or_else(|| D::Error::custom("quantile sketch count overflows u64"))?;
        }
        if sketch.total != repr.count {
            return Err(D::Error::custom(format!(
                "quantile sketch count {} differs from the sum of its buckets {}",
                repr.count, sketch.total
            )));
        }
        // The minimum and maximum lie in the first and last non-empty buckets.
        let ends = repr.buckets.first().zip(repr.buckets.last());
        let in_ends = |min: f64, max: f64| {
            ends.is_some_and(|(first, last)| {
                bucket_index(min) == first.0 as usize && bucket_index(max) == last.0 as usize
            })
        };
        if repr.atoms.len() != repr.buckets.len() {
            return Err(D::Error::custom(format!(
                "quantile sketch has {} atoms for {} buckets",
                repr.atoms.len(),
                repr.buckets.len()
            )));
        }
        for (&(index, count), &atom) in repr.buckets.iter().zip(&repr.atoms) {
            let i = index as usize;
            let fits = match atom {
                Some(value) => {
                    i != ZERO && value > 0.0 && value.is_finite() && bucket_index(value) == i
                }
                None => i == ZERO || count > 1,
            };
            if !fits {
                return Err(D::Error::custom(format!(
                    "quantile sketch atom {atom:?} does not fit bucket [{index}, {count}]"
                )));
            }
            sketch.atoms[i] = match atom {
                Some(value) => value.to_bits(),
                None if i == ZERO => 0f64.to_bits(),
                None => MIXED,
            };
        }
        match (repr.count, repr.min, repr.max) {
            (0, None, None) => {}
            (1.., Some(min), Some(max))
                if 0.0 <= min
                    && min <= max
                    && in_ends(min, max)
                    && atom_agrees(&sketch, min)
                    && atom_agrees(&sketch, max) =>
            {
                sketch.min = min;
                sketch.max = max;
            }
            (count, min, max) => {
                return Err(D::Error::custom(format!(
                    "quantile sketch min {min:?} and max {max:?} are inconsistent with count \
                     {count}"
                )));
            }
        }
        Ok(sketch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::testutil::SplitMix64;

    const QS: [f64; 9] = [0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999];

    fn sketch_of(xs: &[f64]) -> QuantileSketch {
        let mut s = QuantileSketch::new();
        xs.iter().for_each(|&x| s.push(x));
        s
    }

    /// The exact lower empirical quantile: the value of rank max(1, ⌈q·n⌉) of sorted data.
    fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
        let n = sorted.len();
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        sorted[rank - 1]
    }

    fn exponential(seed: u64, n: usize, mean: f64) -> Vec<f64> {
        let mut rng = SplitMix64::new(seed);
        (0..n).map(|_| rng.next_exp(mean)).collect()
    }

    #[test]
    fn layout_constants() {
        assert_eq!(NUM_BUCKETS, 6403);
        assert_eq!(UNDERFLOW_ESTIMATE, 2f64.powi(MIN_EXP - 1));
        assert_eq!(OVERFLOW_ESTIMATE, 2f64.powi(MAX_EXP));
        assert_eq!(f64::from_bits(LOW_BITS), 2f64.powi(MIN_EXP));
        assert_eq!(f64::from_bits(HIGH_BITS), 2f64.powi(MAX_EXP));
    }

    #[test]
    fn bucket_index_boundaries() {
        let low = 2f64.powi(MIN_EXP);
        let high = 2f64.powi(MAX_EXP);
        assert_eq!(bucket_index(0.0), ZERO);
        assert_eq!(bucket_index(-0.0), ZERO);
        assert_eq!(bucket_index(f64::NAN), ZERO);
        assert_eq!(bucket_index(-3.0), ZERO);
        assert_eq!(bucket_index(f64::from_bits(1)), UNDERFLOW); // smallest subnormal
        assert_eq!(bucket_index(low.next_down()), UNDERFLOW);
        assert_eq!(bucket_index(low), FIRST_OCTAVE);
        assert_eq!(bucket_index(low * (1.0 + 1.0 / 128.0)), FIRST_OCTAVE + 1);
        assert_eq!(bucket_index(1.0), FIRST_OCTAVE + 10 * 128);
        assert_eq!(bucket_index(1.5), FIRST_OCTAVE + 10 * 128 + 64);
        assert_eq!(bucket_index(high.next_down()), OVERFLOW - 1);
        assert_eq!(bucket_index(high), OVERFLOW);
        assert_eq!(bucket_index(f64::MAX), OVERFLOW);
        assert_eq!(bucket_index(f64::INFINITY), OVERFLOW);
    }

    #[test]
    fn bucket_midpoint_within_relative_bound() {
        // Every in-range value lies in its bucket, within 1/256 of the bucket's estimate.
        let mut rng = SplitMix64::new(11);
        let mut worst: f64 = 0.0;
        for _ in 0..200_000 {
            let exponent = f64::from(MIN_EXP) + rng.next_f64() * f64::from(MAX_EXP - MIN_EXP);
            let x = exponent.exp2();
            let i = bucket_index(x);
            assert!((FIRST_OCTAVE..OVERFLOW).contains(&i), "{x}");
            let mid = bucket_estimate(i);
            let half_width = mid - f64::from_bits(mid.to_bits() - (1 << (SHIFT - 1)));
            assert!((mid - x).abs() <= half_width, "{x} not in bucket of {mid}");
            worst = worst.max(((mid - x) / x).abs());
        }
        assert!(worst <= 1.0 / 256.0, "worst relative error {worst}");
        assert!(
            worst > 0.9 / 256.0,
            "bound should be nearly attained, got {worst}"
        );
    }

    #[test]
    fn exponential_quantiles_match_exact_empirical() {
        let n = 1_000_000;
        let xs = exponential(42, n, 30.0);
        let sketch = sketch_of(&xs);
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        let estimates = sketch.quantiles(&QS);
        for (&q, &est) in QS.iter().zip(&estimates) {
            let exact = exact_quantile(&sorted, q);
            let rel = ((est - exact) / exact).abs();
            assert!(
                rel <= 0.005,
                "q = {q}: sketch {est}, exact {exact}, rel {rel}"
            );
            assert!(rel <= 1.0 / 256.0, "q = {q}: guarantee violated, rel {rel}");
        }
        assert_eq!(sketch.min(), sorted[0]);
        assert_eq!(sketch.max(), sorted[n - 1]);
        assert_eq!(sketch.quantile(0.0), sorted[0]);
        assert_eq!(sketch.quantile(1e-9), sorted[0]);
        assert_eq!(sketch.quantile(1.0), sorted[n - 1]);
    }

    #[test]
    fn exponential_quantiles_match_distribution() {
        // The empirical q-quantile of n draws has standard deviation
        // ≈ √(q(1−q)/n) / f(x_q) (asymptotic normality of sample quantiles); for Exp(mean 30),
        // f(x_q) = (1−q)/30 and x_q = −30·ln(1−q), so relative to x_q it is
        // √(q/((1−q)·n)) / (−ln(1−q)): 3.2% at q = 0.001, 1.0% at 0.01, 0.32% at 0.1,
        // 0.09% at 0.5, 0.22% at 0.99, 0.46% at 0.999 for n = 10^6. A flat 3% would be under one
        // standard deviation at q = 0.001, so the tolerance is 5 standard deviations plus the
        // sketch's 1/256 bucket error; the seed is fixed, so the test is deterministic.
        let n = 1_000_000;
        let sketch = sketch_of(&exponential(43, n, 30.0));
        for (&q, est) in QS.iter().zip(sketch.quantiles(&QS)) {
            let truth = -30.0 * (-q).ln_1p();
            let sd_rel = (q / ((1.0 - q) * n as f64)).sqrt() / -(-q).ln_1p();
            let tol = 5.0 * sd_rel + 1.0 / 256.0;
            let rel = ((est - truth) / truth).abs();
            assert!(
                rel <= tol,
                "q = {q}: sketch {est}, truth {truth}, rel {rel} > {tol}"
            );
            if (0.01..=0.99).contains(&q) {
                assert!(rel <= 0.03, "q = {q}: rel {rel} > 3%");
            }
        }
        let mut hist_mean = 0.0;
        for (i, &c) in sketch.counts.iter().enumerate() {
            hist_mean += bucket_estimate(i) * c as f64;
        }
        hist_mean /= n as f64;
        assert!((hist_mean - 30.0).abs() < 0.2, "histogram mean {hist_mean}");
    }

    #[test]
    fn zero_bucket_is_exact() {
        // Half the values are exactly 0 (e.g. no cost): rank n/2 is still 0, rank n/2 + 1 is not.
        let n = 100_000;
        let mut rng = SplitMix64::new(5);
        let xs: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { 0.0 } else { rng.next_exp(30.0) })
            .collect();
        let sketch = sketch_of(&xs);
        assert_eq!(sketch.counts[ZERO], n as u64 / 2);
        assert_eq!(sketch.min(), 0.0);
        assert_eq!(sketch.quantile(0.0), 0.0);
        assert_eq!(sketch.quantile(0.25), 0.0);
        assert_eq!(sketch.quantile(0.5), 0.0);
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        // Rank n/2 + 1 is the smallest positive value (≈ 6e-4, in the underflow bucket).
        assert!(sketch.quantile(0.50001) > 0.0);
        for q in [0.51, 0.75, 0.99] {
            let exact = exact_quantile(&sorted, q);
            assert!(exact > 0.0);
            let est = sketch.quantile(q);
            assert!(((est - exact) / exact).abs() <= 1.0 / 256.0, "q = {q}");
        }
        let zeros = sketch_of(&[0.0; 10]);
        assert_eq!(zeros.quantiles(&[0.0, 0.5, 1.0]), vec![0.0, 0.0, 0.0]);
    }

    #[test]
    fn merge_is_exact_in_any_grouping() {
        let mut xs = exponential(9, 30_000, 30.0);
        xs.extend([0.0, 0.0, 1e-6, 3e12]); // zero, underflow, overflow buckets too
        // Atoms: 4000 in every chunk, 5000 in one, and 7.0 next to a value of its bucket.
        for k in 0..200 {
            xs.insert(k * 149, 4000.0);
        }
        xs.insert(3, 5000.0);
        xs.insert(20_000, 7.0);
        xs.insert(29_000, 7.01);
        let (a, rest) = xs.split_at(7_000);
        let (b, c) = rest.split_at(11_111);
        let (sa, sb, sc) = (sketch_of(a), sketch_of(b), sketch_of(c));

        let mut left = sa.clone(); // (a + b) + c
        left.merge(&sb);
        left.merge(&sc);
        let mut bc = sb.clone(); // a + (b + c)
        bc.merge(&sc);
        let mut right = sa.clone();
        right.merge(&bc);
        let mut rotated = sc.clone(); // c + a + b
        rotated.merge(&sa);
        rotated.merge(&sb);
        let mut with_empty = QuantileSketch::new();
        with_empty.merge(&rotated);
        with_empty.merge(&QuantileSketch::default());

        let whole = sketch_of(&xs);
        for other in [&left, &right, &rotated, &with_empty] {
            assert_eq!(*other, whole);
            assert_eq!(other.counts, whole.counts);
            assert_eq!(other.atoms, whole.atoms);
            assert_eq!(other.count(), xs.len() as u64);
        }
        assert_eq!(whole.min(), 0.0);
        assert_eq!(whole.max(), 3e12);
        assert_eq!(whole.atoms[bucket_index(7.0)], MIXED);
        assert_eq!(whole.atoms[bucket_index(4000.0)], 4000f64.to_bits());
        assert_eq!(whole.atoms[bucket_index(5000.0)], 5000f64.to_bits());
    }

    /// A fixed value's quantiles are exact, alone or as an atom of a mixture, wherever no
    /// other value shares its bucket; a bucket of several values gives its midpoint.
    #[test]
    fn atoms_are_exact() {
        for v in [0.5, 15.0, 0.3, 79.99, 1e-5, 2e12] {
            let s = sketch_of(&[v; 1000]);
            assert!(s.quantiles(&QS).iter().all(|q| *q == v), "{v}");
        }
        // A 0.5 min button resolving 40 % of incidents, the rest exponential from 2 min on; a
        // 15.00 fee for 30 %, the rest continuous from 20 on.
        let mut times = vec![0.5; 4000];
        times.extend(exponential(3, 6000, 10.0).iter().map(|x| x + 2.0));
        let mut fees = vec![15.0; 3000];
        fees.extend(exponential(4, 7000, 50.0).iter().map(|x| x + 20.0));
        for (xs, atom, share) in [(times, 0.5, 0.4), (fees, 15.0, 0.3)] {
            let whole = sketch_of(&xs);
            let mut sorted = xs.clone();
            sorted.sort_by(f64::total_cmp);
            for q in [0.001, 0.1, 0.25, share] {
                assert_eq!(whole.quantile(q), atom, "q = {q}");
            }
            for q in [0.5, 0.9, 0.99] {
                let exact = exact_quantile(&sorted, q);
                assert!(
                    (whole.quantile(q) - exact).abs() <= exact / 256.0,
                    "q = {q}"
                );
            }
        }
        // Two values in one bucket: the bucket's midpoint (the earlier behaviour).
        let two = sketch_of(&[7.0, 7.01, 7.0, 7.01, 100.0, 0.0]);
        assert_eq!(two.quantile(0.5), bucket_estimate(bucket_index(7.0)));
    }

    #[test]
    fn min_max_are_exact() {
        let xs = [17.123456789, 0.3333333333333333, 12345.678901234, 99.99];
        let sketch = sketch_of(&xs);
        assert_eq!(sketch.min(), 0.3333333333333333);
        assert_eq!(sketch.max(), 12345.678901234);
        assert_eq!(sketch.quantile(0.0), 0.3333333333333333);
        assert_eq!(sketch.quantile(0.25), 0.3333333333333333);
        assert_eq!(sketch.quantile(1.0), 12345.678901234);
        let empty = QuantileSketch::new();
        assert_eq!(empty.count(), 0);
        assert!(empty.min().is_nan() && empty.max().is_nan());
        assert!(empty.quantile(0.5).is_nan());
        assert!(empty.quantiles(&[0.1, 0.9]).iter().all(|v| v.is_nan()));
    }

    #[test]
    fn quantiles_equal_repeated_quantile() {
        let sketch = sketch_of(&exponential(3, 10_000, 30.0));
        let qs = [0.0, 0.0, 0.001, 0.3, 0.3, 0.5, 0.77, 0.9999, 1.0];
        let many = sketch.quantiles(&qs);
        for (&q, &v) in qs.iter().zip(&many) {
            assert_eq!(v.to_bits(), sketch.quantile(q).to_bits(), "q = {q}");
        }
        assert!(many.is_sorted());
        assert!(sketch.quantiles(&[]).is_empty());
    }

    #[test]
    #[should_panic(expected = "sorted ascending")]
    fn quantiles_reject_unsorted() {
        sketch_of(&[1.0, 2.0]).quantiles(&[0.5, 0.1]);
    }

    #[test]
    #[should_panic(expected = "must be in [0, 1]")]
    fn quantile_rejects_out_of_range() {
        sketch_of(&[1.0]).quantile(1.5);
    }

    #[test]
    fn underflow_and_overflow() {
        let tiny = sketch_of(&[1e-5, 2e-5, 5e-4, 1.0]);
        assert_eq!(tiny.counts[UNDERFLOW], 3);
        assert_eq!(tiny.quantile(0.5), 2f64.powi(MIN_EXP - 1)); // rank 2: 2^-11, within [min, max]
        assert_eq!(tiny.quantile(0.25), 1e-5); // rank 1: exact min
        // All ranks in the underflow bucket: the estimate is clamped into [min, max].
        let tinier = sketch_of(&[1e-7, 2e-7, 3e-7]);
        assert_eq!(tinier.quantile(0.5), 3e-7);

        let huge = sketch_of(&[1.0, 2f64.powi(41), 2f64.powi(42), 2f64.powi(45)]);
        assert_eq!(huge.counts[OVERFLOW], 3);
        assert_eq!(huge.quantile(0.5), 2f64.powi(MAX_EXP)); // rank 2: 2^40, within [min, max]
        assert_eq!(huge.quantile(1.0), 2f64.powi(45)); // rank n: exact max
        let huger = sketch_of(&[1e13, 2e13, 3e13]);
        assert_eq!(huger.quantile(0.5), 1e13); // 2^40 ≈ 1.1e12, clamped up to the min
    }

    #[test]
    fn serde_json_round_trip_is_sparse() {
        let mut xs = exponential(8, 50_000, 30.0);
        xs.extend([0.0, 1e-6, 5e12]);
        let sketch = sketch_of(&xs);
        let json = serde_json::to_string(&sketch).unwrap();
        let occupied = sketch.counts.iter().filter(|&&c| c > 0).count();
        assert!(occupied < 2000, "{occupied} occupied buckets");
        assert!(
            json.len() < 20 * occupied + 200,
            "json is {} bytes",
            json.len()
        );
        assert!(json.contains("\"min_exp\":-10"));
        let back: QuantileSketch = serde_json::from_str(&json).unwrap();
        assert_eq!(back, sketch);
        assert_eq!(back.max().to_bits(), sketch.max().to_bits());

        let empty_json = serde_json::to_string(&QuantileSketch::new()).unwrap();
        assert_eq!(
            empty_json,
            r#"{"sub_bits":7,"min_exp":-10,"max_exp":40,"count":0,"min":null,"max":null,"buckets":[],"atoms":[]}"#
        );
        let empty: QuantileSketch = serde_json::from_str(&empty_json).unwrap();
        assert_eq!(empty, QuantileSketch::new());
        // A state written before atoms were kept reads as every bucket mixed.
        // The zero bucket's values are all 0: no atom is written for it, none accepted.
        let zeros = sketch_of(&[0.0, 0.0, 3.0]);
        let json = serde_json::to_string(&zeros).unwrap();
        assert!(json.ends_with(r#""atoms":[null,3.0]}"#), "{json}");
        assert_eq!(
            serde_json::from_str::<QuantileSketch>(&json).unwrap(),
            zeros
        );
        let bad = json.replace("[null,3.0]", "[0.0,3.0]");
        assert!(serde_json::from_str::<QuantileSketch>(&bad).is_err());
        // A bucket of two values, one of them not 0.5: mixed.
        let two = r#"{"sub_bits":7,"min_exp":-10,"max_exp":40,"count":2,"min":0.5,"max":0.501,"buckets":[[1154,2]],"atoms":[null]}"#;
        let two: QuantileSketch = serde_json::from_str(two).unwrap();
        assert_eq!(two, sketch_of(&[0.5, 0.501]));
    }

    #[test]
    fn deserialize_rejects_inconsistent_state() {
        let good = r#"{"sub_bits":7,"min_exp":-10,"max_exp":40,"count":3,"min":0.5,"max":2.0,"buckets":[[1154,1],[1410,2]],"atoms":[0.5,2.0]}"#;
        let sketch: QuantileSketch = serde_json::from_str(good).unwrap();
        assert_eq!(sketch.count(), 3);
        assert_eq!(sketch, sketch_of(&[0.5, 2.0, 2.0]));
        for (from, to) in [
            ("\"sub_bits\":7", "\"sub_bits\":8"),           // another layout
            ("\"count\":3", "\"count\":4"),                 // count != Σ buckets
            ("[1410,2]", "[6403,2]"),                       // index out of range
            ("[[1154,1],[1410,2]]", "[[1410,2],[1154,1]]"), // out of order
            ("[1410,2]", "[1410,0]"),                       // empty bucket listed
            ("\"min\":0.5", "\"min\":null"),                // missing min
            ("\"min\":0.5", "\"min\":3.0"),                 // min > max
            ("\"min\":0.5", "\"min\":-1.0"),                // negative min
            ("\"max\":2.0", "\"max\":3.0"),                 // max not in the last bucket
            ("\"min\":0.5", "\"min\":0.75"),                // min not in the first bucket
            ("\"buckets\"", "\"extra\":1,\"buckets\""),     // unknown field
            ("[0.5,2.0]", "[0.75,2.0]"),                    // atom outside its bucket
            ("[0.5,2.0]", "[0.5]"),                         // an atom missing
            ("[0.5,2.0]", "[0.5,2.0,2.0]"),                 // an atom too many
            ("[0.5,2.0]", "[null,2.0]"),                    // a single value without atom
            ("[0.5,2.0]", "[0.501,2.0]"),                   // atom is not the min
            ("[0.5,2.0]", "[0.5,-2.0]"),                    // negative atom
        ] {
            let bad = good.replace(from, to);
            assert!(
                serde_json::from_str::<QuantileSketch>(&bad).is_err(),
                "accepted {bad}"
            );
        }
    }
}
