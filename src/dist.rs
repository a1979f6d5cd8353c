//! Distributions as data with units, and the compiled samplers built from them.
//!
//! A scenario writes a distribution the way people know their numbers: a duration with its unit
//! (`"25 min"`, `"2 h"`), a lognormal wait by its median and 90th percentile, a price range as a
//! triangle. [`DistSpec`] is that description converted to base units (minutes for durations,
//! the scenario currency for money); [`Dist`] is the sampler, built once at load time through the
//! `rand_distr` constructors so that an invalid parameter is rejected before anything runs.
//!
//! Every distribution here has support on `[0, ∞)`: times and prices are never negative.

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Triangular, Uniform, Weibull};
use serde::{Deserialize, Deserializer};

/// Minutes, the base unit of every duration in the model.
pub type Minutes = f64;

/// Two-sided standard normal quantile at 0.90, used to turn a (median, p90) pair into sigma.
const Z_P90: f64 = 1.2815515655446004;

/// The smallest share of a normal distribution's mass that truncation may keep. Sampling is by
/// rejection, so a truncation window holding less than this would make sampling slow.
const MIN_TRUNCATED_MASS: f64 = 0.01;

/// What a distribution measures; decides how its numbers are written in a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// A duration: written as a string with a unit (`"30 s"`, `"25 min"`, `"2 h"`, `"3 d"`).
    Duration,
    /// Money in the scenario currency: written as a plain number.
    Money,
}

/// A distribution as described in a scenario, with every parameter in base units.
#[derive(Debug, Clone, PartialEq)]
pub enum DistSpec {
    /// Always the same value.
    Fixed(f64),
    /// Uniform on `[min, max)`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Triangular with the given mode.
    Triangular {
        /// Lower bound.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper bound.
        max: f64,
    },
    /// Normal, truncated to `[min, max]` by rejection (default `min` 0).
    Normal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal.
        sd: f64,
        /// Lower truncation bound.
        min: f64,
        /// Upper truncation bound (may be infinite).
        max: f64,
    },
    /// Lognormal: `exp(mu + sigma·Z)`, given in the file by median and p90 or by mean and sd.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean (1/rate).
        mean: f64,
    },
    /// Gamma with shape k and scale θ (mean kθ).
    Gamma {
        /// Shape k.
        shape: f64,
        /// Scale θ.
        scale: f64,
    },
    /// Weibull with shape k and scale λ.
    Weibull {
        /// Shape k.
        shape: f64,
        /// Scale λ.
        scale: f64,
    },
    /// An empirical table: each value with its weight (weights need not sum to 1).
    Empirical {
        /// The values.
        values: Vec<f64>,
        /// Their relative weights.
        weights: Vec<f64>,
    },
    /// A mixture: with probability proportional to its weight, a value of one component. The
    /// way to write a price with a risk of its own (a locksmith who usually charges the quote
    /// and sometimes twice it), whose mean is the weighted mean of the components' means.
    Mixture {
        /// The components in file order, each with its relative weight (weights need not sum
        /// to 1). A component is not itself a mixture.
        components: Vec<(f64, DistSpec)>,
    },
}

/// A compiled sampler. Immutable, `Send + Sync`, cheap to sample: no allocation, no strings.
#[derive(Debug, Clone)]
pub enum Dist {
    /// Always the same value; draws no randomness.
    Fixed(f64),
    /// Uniform.
    Uniform(Uniform<f64>),
    /// Triangular.
    Triangular(Triangular<f64>),
    /// Normal truncated to `[min, max]` by rejection.
    TruncatedNormal {
        /// The untruncated normal.
        normal: Normal<f64>,
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Lognormal.
    LogNormal(LogNormal<f64>),
    /// Exponential.
    Exponential(Exp<f64>),
    /// Gamma.
    Gamma(Gamma<f64>),
    /// Weibull.
    Weibull(Weibull<f64>),
    /// Empirical table sampled by inverse transform on the cumulative weights.
    Empirical {
        /// Values in file order.
        values: Box<[f64]>,
        /// Cumulative normalised weights, the last one exactly 1.
        cumulative: Box<[f64]>,
    },
    /// Mixture: one uniform picks the component by inverse transform on the cumulative
    /// weights, then the component draws its value.
    Mixture {
        /// Components in file order.
        components: Box<[Dist]>,
        /// Cumulative normalised weights, the last one exactly 1.
        cumulative: Box<[f64]>,
    },
}

impl Dist {
    /// Draws one value (in base units).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Fixed(v) => *v,
            Dist::Uniform(d) => d.sample(rng),
            Dist::Triangular(d) => d.sample(rng),
            Dist::TruncatedNormal { normal, min, max } => loop {
                let x = normal.sample(rng);
                if x >= *min && x <= *max {
                    break x;
                }
            },
            Dist::LogNormal(d) => d.sample(rng),
            Dist::Exponential(d) => d.sample(rng),
            Dist::Gamma(d) => d.sample(rng),
            Dist::Weibull(d) => d.sample(rng),
            Dist::Empirical { values, cumulative } => {
                let u = unit_uniform(rng);
                let i = cumulative.partition_point(|&c| c <= u);
                values[i.min(values.len() - 1)]
            }
            Dist::Mixture {
                components,
                cumulative,
            } => {
                let u = unit_uniform(rng);
                let i = cumulative.partition_point(|&c| c <= u);
                components[i.min(components.len() - 1)].sample(rng)
            }
        }
    }

    /// Whether sampling draws no randomness.
    pub fn is_fixed(&self) -> bool {
        matches!(self, Dist::Fixed(_))
    }
}

/// A uniform draw on `[0, 1)` with 53 random bits: `(x >> 11) · 2⁻⁵³`. Written out here rather
/// than taken from rand's `StandardUniform` so that the mapping is ours and documented.
#[inline]
pub fn unit_uniform<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl DistSpec {
    /// Builds the sampler through the `rand_distr` constructors, checking the support is
    /// non-negative. The error is a plain-language rule, to be prefixed with the field's place.
    pub fn compile(&self) -> Result<Dist, String> {
        let nonneg = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be a finite number >= 0 (got {v})"))
            }
        };
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be a finite number > 0 (got {v})"))
            }
        };
        Ok(match self {
            DistSpec::Fixed(v) => {
                nonneg("value", *v)?;
                Dist::Fixed(*v)
            }
            DistSpec::Uniform { min, max } => {
                nonneg("min", *min)?;
                if !(max > min) || !max.is_finite() {
                    return Err(format!("max must be above min (min {min}, max {max})"));
                }
                Dist::Uniform(Uniform::new(*min, *max).map_err(|e| e.to_string())?)
            }
            DistSpec::Triangular { min, mode, max } => {
                nonneg("min", *min)?;
                if !(min <= mode && mode <= max && min < max && max.is_finite()) {
                    return Err(format!(
                        "needs min <= mode <= max and min < max (got min {min}, mode {mode}, max {max})"
                    ));
                }
                Dist::Triangular(Triangular::new(*min, *max, *mode).map_err(|e| e.to_string())?)
            }
            DistSpec::Normal { mean, sd, min, max } => {
                positive("sd", *sd)?;
                nonneg("min", *min)?;
                if !mean.is_finite() {
                    return Err(format!("mean must be finite (got {mean})"));
                }
                if !(max > min) {
                    return Err(format!("max must be above min (min {min}, max {max})"));
                }
                let mass = normal_cdf((max - mean) / sd) - normal_cdf((min - mean) / sd);
                if mass < MIN_TRUNCATED_MASS {
                    return Err(format!(
                        "truncation to [{min}, {max}] keeps only {:.2e} of the mass of normal(mean {mean}, sd {sd}); \
                         times and prices cannot be negative, so pick a distribution whose mass lies above 0",
                        mass
                    ));
                }
                Dist::TruncatedNormal {
                    normal: Normal::new(*mean, *sd).map_err(|e| e.to_string())?,
                    min: *min,
                    max: *max,
                }
            }
            DistSpec::LogNormal { mu, sigma } => {
                if !(mu.is_finite() && sigma.is_finite() && *sigma >= 0.0) {
                    return Err(format!(
                        "lognormal needs finite mu and sigma >= 0 (got mu {mu}, sigma {sigma})"
                    ));
                }
                Dist::LogNormal(LogNormal::new(*mu, *sigma).map_err(|e| e.to_string())?)
            }
            DistSpec::Exponential { mean } => {
                positive("mean", *mean)?;
                Dist::Exponential(Exp::new(1.0 / mean).map_err(|e| e.to_string())?)
            }
            DistSpec::Gamma { shape, scale } => {
                positive("shape", *shape)?;
                positive("scale", *scale)?;
                Dist::Gamma(Gamma::new(*shape, *scale).map_err(|e| e.to_string())?)
            }
            DistSpec::Weibull { shape, scale } => {
                positive("shape", *shape)?;
                positive("scale", *scale)?;
                Dist::Weibull(Weibull::new(*scale, *shape).map_err(|e| e.to_string())?)
            }
            DistSpec::Empirical { values, weights } => {
                if values.is_empty() {
                    return Err("empirical table needs at least one value".into());
                }
                if values.len() != weights.len() {
                    return Err(format!(
                        "empirical table has {} values but {} weights",
                        values.len(),
                        weights.len()
                    ));
                }
                for v in values {
                    nonneg("every value", *v)?;
                }
                for w in weights {
                    nonneg("every weight", *w)?;
                }
                Dist::Empirical {
                    values: values.clone().into_boxed_slice(),
                    cumulative: cumulative_weights(weights, "empirical")?,
                }
            }
            DistSpec::Mixture { components } => {
                if components.len() < 2 {
                    return Err("a mixture needs at least two components".into());
                }
                let mut compiled = Vec::with_capacity(components.len());
                let mut weights = Vec::with_capacity(components.len());
                for (i, (weight, spec)) in components.iter().enumerate() {
                    nonneg("every weight", *weight)?;
                    if matches!(spec, DistSpec::Mixture { .. }) {
                        return Err(format!(
                            "component {}: a mixture's component cannot itself be a mixture",
                            i + 1
                        ));
                    }
                    compiled.push(
                        spec.compile()
                            .map_err(|e| format!("component {}: {e}", i + 1))?,
                    );
                    weights.push(*weight);
                }
                Dist::Mixture {
                    components: compiled.into_boxed_slice(),
                    cumulative: cumulative_weights(&weights, "mixture")?,
                }
            }
        })
    }

    /// An upper bound of the distribution's quantile of order `1 − tail` (`0 < tail < 1`), in
    /// base units: the largest value for bounded families, a conservative bound for the others
    /// (Chernoff's bound for the gamma). Used to refuse at load time a distribution whose values
    /// would leave the exact fixed-point range of the statistics ([`crate::limits`]).
    pub fn upper(&self, tail: f64) -> f64 {
        // z with P(Z > z) = tail, and -ln(tail), by closed forms good enough for a bound.
        let log_tail = -tail.ln();
        let z = crate::stats::z_value(1.0 - 2.0 * tail);
        match self {
            DistSpec::Fixed(v) => *v,
            DistSpec::Uniform { max, .. } | DistSpec::Triangular { max, .. } => *max,
            DistSpec::Normal { mean, sd, max, .. } => max.min(mean + z * sd),
            DistSpec::LogNormal { mu, sigma } => (mu + z * sigma).exp(),
            DistSpec::Exponential { mean } => mean * log_tail,
            DistSpec::Gamma { shape, scale } => {
                // P(X > x) <= (x / (kθ))^k e^(k − x/θ) for x > kθ: bisect on the bound.
                let k = *shape;
                let log_bound = |x: f64| k * (x / (k * scale)).ln() + k - x / scale;
                let (mut lo, mut hi) = (k * scale, k * scale + scale * (log_tail + 1.0));
                while log_bound(hi) > -log_tail && hi.is_finite() {
                    hi *= 2.0;
                }
                for _ in 0..100 {
                    let mid = 0.5 * (lo + hi);
                    if log_bound(mid) > -log_tail {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                hi
            }
            DistSpec::Weibull { shape, scale } => scale * log_tail.powf(1.0 / shape),
            DistSpec::Empirical { values, .. } => values.iter().copied().fold(0.0, f64::max),
            // P(X > x) = Σ wᵢ P(Xᵢ > x) <= tail when every component's P(Xᵢ > x) <= tail.
            DistSpec::Mixture { components } => components
                .iter()
                .map(|(_, spec)| spec.upper(tail))
                .fold(0.0, f64::max),
        }
    }

    /// The mean in base units, where it has a closed form (all but the truncated normal).
    pub fn mean(&self) -> Option<f64> {
        Some(match self {
            DistSpec::Fixed(v) => *v,
            DistSpec::Uniform { min, max } => 0.5 * (min + max),
            DistSpec::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            DistSpec::Normal { .. } => return None,
            DistSpec::LogNormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
            DistSpec::Exponential { mean } => *mean,
            DistSpec::Gamma { shape, scale } => shape * scale,
            DistSpec::Weibull { shape, scale } => scale * gamma_fn(1.0 + 1.0 / shape),
            DistSpec::Empirical { values, weights } => {
                let total: f64 = weights.iter().sum();
                values.iter().zip(weights).map(|(v, w)| v * w).sum::<f64>() / total
            }
            DistSpec::Mixture { components } => {
                let total: f64 = components.iter().map(|(w, _)| w).sum();
                let mut sum = 0.0;
                for (w, spec) in components {
                    sum += w * spec.mean()?;
                }
                sum / total
            }
        })
    }

    /// The quantile of order `p` (`0 < p < 1`) in base units: the lower quantile of a discrete
    /// table, closed forms for the continuous families, and for the gamma and a mixture (whose
    /// inverses have no closed form) the lower empirical quantile of 100,000 draws from a fixed
    /// stream, within about 1% of the exact one.
    pub fn quantile(&self, p: f64) -> f64 {
        debug_assert!(p > 0.0 && p < 1.0);
        let z = crate::stats::inverse_normal_cdf;
        match self {
            DistSpec::Fixed(v) => *v,
            DistSpec::Uniform { min, max } => min + p * (max - min),
            DistSpec::Triangular { min, mode, max } => {
                let (a, c, b) = (*min, *mode, *max);
                let f = (c - a) / (b - a);
                if p < f {
                    a + (p * (b - a) * (c - a)).sqrt()
                } else {
                    b - ((1.0 - p) * (b - a) * (b - c)).sqrt()
                }
            }
            DistSpec::Normal { mean, sd, min, max } => {
                let cdf = |x: f64| crate::stats::normal_cdf((x - mean) / sd);
                let (lo, hi) = (cdf(*min), if max.is_finite() { cdf(*max) } else { 1.0 });
                (mean + sd * z(lo + p * (hi - lo))).clamp(*min, *max)
            }
            DistSpec::LogNormal { mu, sigma } => (mu + sigma * z(p)).exp(),
            DistSpec::Exponential { mean } => -mean * (1.0 - p).ln(),
            DistSpec::Weibull { shape, scale } => scale * (-(1.0 - p).ln()).powf(1.0 / shape),
            DistSpec::Empirical { values, weights } => {
                let mut pairs: Vec<(f64, f64)> = values
                    .iter()
                    .copied()
                    .zip(weights.iter().copied())
                    .collect();
                pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
                let total: f64 = weights.iter().sum();
                let mut cum = 0.0;
                for (v, w) in &pairs {
                    cum += w / total;
                    if cum >= p {
                        return *v;
                    }
                }
                pairs.last().map_or(0.0, |x| x.0)
            }
            DistSpec::Gamma { .. } | DistSpec::Mixture { .. } => {
                use rand::SeedableRng;
                let Ok(dist) = self.compile() else {
                    return f64::NAN;
                };
                let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(0x9e37_79b9);
                let n = 100_000;
                let mut xs: Vec<f64> = (0..n).map(|_| dist.sample(&mut rng)).collect();
                xs.sort_by(f64::total_cmp);
                let rank = ((p * n as f64).ceil() as usize).clamp(1, n);
                xs[rank - 1]
            }
        }
    }

    /// Reads a distribution from a TOML value. Durations are strings with units; money is a
    /// plain number; anything else is a one-key table naming the family.
    pub fn from_toml(value: &toml::Value, quantity: Quantity) -> Result<DistSpec, String> {
        match value {
            toml::Value::Table(t) => {
                if t.len() != 1 {
                    return Err(format!(
                        "a distribution is one of {FAMILIES} written as a one-key table, e.g. \
                         {{ lognormal = {{ median = \"30 min\", p90 = \"75 min\" }} }} (got keys: {})",
                        t.keys().cloned().collect::<Vec<_>>().join(", ")
                    ));
                }
                let (family, params) = t.iter().next().expect("one key");
                Self::family_from_toml(family, params, quantity)
                    .map_err(|e| format!("{family}: {e}"))
            }
            scalar => Ok(DistSpec::Fixed(quantity_from_toml(scalar, quantity)?)),
        }
    }

    fn family_from_toml(
        family: &str,
        params: &toml::Value,
        quantity: Quantity,
    ) -> Result<DistSpec, String> {
        if family == "fixed" {
            return Ok(DistSpec::Fixed(quantity_from_toml(params, quantity)?));
        }
        if family == "mixture" {
            return mixture_from_toml(params, quantity);
        }
        let table = params
            .as_table()
            .ok_or_else(|| format!("parameters must be a table, e.g. {family} = {{ ... }}"))?;
        let p = Params { table, quantity };
        let spec = match family {
            "uniform" => {
                p.only(&["min", "max"])?;
                DistSpec::Uniform {
                    min: p.quantity("min")?,
                    max: p.quantity("max")?,
                }
            }
            "triangular" => {
                p.only(&["min", "mode", "max"])?;
                DistSpec::Triangular {
                    min: p.quantity("min")?,
                    mode: p.quantity("mode")?,
                    max: p.quantity("max")?,
                }
            }
            "normal" => {
                p.only(&["mean", "sd", "min", "max"])?;
                DistSpec::Normal {
                    mean: p.quantity("mean")?,
                    sd: p.quantity("sd")?,
                    min: p.optional_quantity("min")?.unwrap_or(0.0),
                    max: p.optional_quantity("max")?.unwrap_or(f64::INFINITY),
                }
            }
            "lognormal" => {
                if p.has("median") || p.has("p90") {
                    p.only(&["median", "p90"])?;
                    let median = p.quantity("median")?;
                    let p90 = p.quantity("p90")?;
                    if !(median > 0.0) {
                        return Err(format!("median must be > 0 (got {median})"));
                    }
                    if !(p90 > median) {
                        return Err(format!(
                            "p90 must be above the median (median {median}, p90 {p90})"
                        ));
                    }
                    DistSpec::LogNormal {
                        mu: median.ln(),
                        sigma: (p90.ln() - median.ln()) / Z_P90,
                    }
                } else {
                    p.only(&["mean", "sd"])?;
                    let mean = p.quantity("mean")?;
                    let sd = p.quantity("sd")?;
                    if !(mean > 0.0 && sd > 0.0) {
                        return Err(format!("mean and sd must be > 0 (got {mean}, {sd})"));
                    }
                    let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
                    DistSpec::LogNormal {
                        mu: mean.ln() - 0.5 * sigma2,
                        sigma: sigma2.sqrt(),
                    }
                }
            }
            "exponential" => {
                p.only(&["mean"])?;
                DistSpec::Exponential {
                    mean: p.quantity("mean")?,
                }
            }
            "gamma" => {
                if p.has("mean") || p.has("sd") {
                    p.only(&["mean", "sd"])?;
                    let mean = p.quantity("mean")?;
                    let sd = p.quantity("sd")?;
                    if !(mean > 0.0 && sd > 0.0) {
                        return Err(format!("mean and sd must be > 0 (got {mean}, {sd})"));
                    }
                    DistSpec::Gamma {
                        shape: (mean / sd).powi(2),
                        scale: sd * sd / mean,
                    }
                } else {
                    p.only(&["shape", "scale"])?;
                    DistSpec::Gamma {
                        shape: p.number("shape")?,
                        scale: p.quantity("scale")?,
                    }
                }
            }
            "weibull" => {
                p.only(&["shape", "scale"])?;
                DistSpec::Weibull {
                    shape: p.number("shape")?,
                    scale: p.quantity("scale")?,
                }
            }
            "empirical" => {
                p.only(&["values", "weights"])?;
                let values = p
                    .array("values")?
                    .iter()
                    .map(|v| quantity_from_toml(v, quantity))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| format!("values: {e}"))?;
                let weights = match p.table.get("weights") {
                    None => vec![1.0; values.len()],
                    Some(_) => p
                        .array("weights")?
                        .iter()
                        .map(|v| number_from_toml(v).map_err(|e| format!("weights: {e}")))
                        .collect::<Result<Vec<_>, _>>()?,
                };
                DistSpec::Empirical { values, weights }
            }
            other => {
                return Err(format!(
                    "unknown distribution `{other}`; expected one of {FAMILIES}"
                ));
            }
        };
        spec.compile()?;
        Ok(spec)
    }
}

const FAMILIES: &str = "fixed, uniform, triangular, normal, lognormal, exponential, gamma, \
                        weibull, empirical, mixture";

/// Cumulative normalised weights for inverse-transform sampling, the last one exactly 1.
fn cumulative_weights(weights: &[f64], what: &str) -> Result<Box<[f64]>, String> {
    let total: f64 = weights.iter().sum();
    if !(total > 0.0) || !total.is_finite() {
        return Err(format!("{what} weights must be finite and not all 0"));
    }
    let mut acc = 0.0;
    let mut cumulative: Vec<f64> = weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect();
    *cumulative.last_mut().expect("non-empty") = 1.0;
    Ok(cumulative.into_boxed_slice())
}

/// Reads `mixture = [ { weight = w, FAMILY = {...} }, ... ]`: each component a table with its
/// `weight` and one family key (or `fixed = value`), as a distribution is written elsewhere.
fn mixture_from_toml(params: &toml::Value, quantity: Quantity) -> Result<DistSpec, String> {
    let items = params.as_array().ok_or_else(|| {
        "expected a list of components, e.g. [ { weight = 0.86, fixed = 95.0 }, \
         { weight = 0.14, lognormal = { median = 400.0, p90 = 900.0 } } ]"
            .to_string()
    })?;
    let mut components = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let place = |e: String| format!("component {}: {e}", i + 1);
        let table = item
            .as_table()
            .ok_or_else(|| place("expected a table with `weight` and one family".into()))?;
        let weight = number_from_toml(
            table
                .get("weight")
                .ok_or_else(|| place("missing `weight`".into()))?,
        )
        .map_err(|e| place(format!("weight: {e}")))?;
        let rest: toml::Table = table
            .iter()
            .filter(|(k, _)| k.as_str() != "weight")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let spec = DistSpec::from_toml(&toml::Value::Table(rest), quantity).map_err(place)?;
        components.push((weight, spec));
    }
    let spec = DistSpec::Mixture { components };
    spec.compile()?;
    Ok(spec)
}

struct Params<'a> {
    table: &'a toml::Table,
    quantity: Quantity,
}

impl Params<'_> {
    fn has(&self, key: &str) -> bool {
        self.table.contains_key(key)
    }
    fn only(&self, allowed: &[&str]) -> Result<(), String> {
        for key in self.table.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(format!(
                    "unknown parameter `{key}`; expected {}",
                    allowed.join(", ")
                ));
            }
        }
        Ok(())
    }
    fn get(&self, key: &str) -> Result<&toml::Value, String> {
        self.table
            .get(key)
            .ok_or_else(|| format!("missing parameter `{key}`"))
    }
    fn quantity(&self, key: &str) -> Result<f64, String> {
        quantity_from_toml(self.get(key)?, self.quantity).map_err(|e| format!("{key}: {e}"))
    }
    fn optional_quantity(&self, key: &str) -> Result<Option<f64>, String> {
        if self.has(key) {
            self.quantity(key).map(Some)
        } else {
            Ok(None)
        }
    }
    fn number(&self, key: &str) -> Result<f64, String> {
        number_from_toml(self.get(key)?).map_err(|e| format!("{key}: {e}"))
    }
    fn array(&self, key: &str) -> Result<&Vec<toml::Value>, String> {
        self.get(key)?
            .as_array()
            .ok_or_else(|| format!("{key} must be an array"))
    }
}

fn number_from_toml(value: &toml::Value) -> Result<f64, String> {
    match value {
        toml::Value::Integer(i) => Ok(*i as f64),
        toml::Value::Float(f) => Ok(*f),
        other => Err(format!("expected a number, got {}", other.type_str())),
    }
}

/// Reads one number of the given quantity: a duration string with unit, or a plain money amount.
pub fn quantity_from_toml(value: &toml::Value, quantity: Quantity) -> Result<f64, String> {
    match (quantity, value) {
        (Quantity::Duration, toml::Value::String(s)) => parse_duration(s),
        (Quantity::Duration, toml::Value::Integer(_) | toml::Value::Float(_)) => Err(format!(
            "a duration needs a unit, e.g. \"{} min\" (units: s, min, h, d)",
            value
        )),
        (Quantity::Money, toml::Value::String(s)) => Err(format!(
            "money is a plain number in the scenario currency, not a string (got \"{s}\")"
        )),
        (Quantity::Money, v) => number_from_toml(v),
        (Quantity::Duration, other) => Err(format!(
            "expected a duration such as \"25 min\", got {}",
            other.type_str()
        )),
    }
}

/// Parses `"30 s"`, `"25 min"`, `"1.5 h"`, `"2 d"` (space optional) into minutes.
pub fn parse_duration(text: &str) -> Result<Minutes, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_' || c == '-' || c == '+'))
        .ok_or_else(|| {
            format!("duration \"{text}\" has no unit; write e.g. \"{t} min\" (units: s, min, h, d)")
        })?;
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .replace('_', "")
        .parse()
        .map_err(|_| format!("duration \"{text}\" does not start with a number"))?;
    let factor = match unit.trim() {
        "s" | "sec" => 1.0 / 60.0,
        "min" => 1.0,
        "h" => 60.0,
        "d" => 1440.0,
        other => {
            return Err(format!(
                "duration \"{text}\" has unknown unit `{other}` (units: s, min, h, d)"
            ));
        }
    };
    let minutes = value * factor;
    if !(minutes.is_finite() && minutes >= 0.0) {
        return Err(format!("duration \"{text}\" must not be negative"));
    }
    Ok(minutes)
}

/// A duration distribution in a scenario file (deserialises with the rules of [`DistSpec::from_toml`]).
#[derive(Debug, Clone, PartialEq)]
pub struct DurationDist(pub DistSpec);

/// A money distribution in a scenario file (deserialises with the rules of [`DistSpec::from_toml`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyDist(pub DistSpec);

/// A single duration written with its unit, in minutes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration(pub Minutes);

impl<'de> Deserialize<'de> for DurationDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = toml::Value::deserialize(d)?;
        DistSpec::from_toml(&v, Quantity::Duration)
            .map(DurationDist)
            .map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for MoneyDist {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = toml::Value::deserialize(d)?;
        DistSpec::from_toml(&v, Quantity::Money)
            .map(MoneyDist)
            .map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = toml::Value::deserialize(d)?;
        quantity_from_toml(&v, Quantity::Duration)
            .map(Duration)
            .map_err(serde::de::Error::custom)
    }
}

/// Standard normal CDF via `erfc` (Numerical Recipes' erfc approximation, |error| < 1.2e-7:
/// enough for the truncation-mass check it serves).
fn normal_cdf(x: f64) -> f64 {
    if x == f64::INFINITY {
        return 1.0;
    }
    if x == f64::NEG_INFINITY {
        return 0.0;
    }
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.26551223
            + t * (1.00002368
                + t * (0.37409196
                    + t * (0.09678418
                        + t * (-0.18628806
                            + t * (0.27886807
                                + t * (-1.13520398
                                    + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
            .exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// The gamma function (Lanczos approximation, g = 7), for the Weibull mean.
fn gamma_fn(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.5203681218851,
        -1259.1392167224028,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507343278686905,
        -0.13857109526572012,
        9.984_369_578_019_572e-6,
        1.5056327351493116e-7,
    ];
    if x < 0.5 {
        std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x))
    } else {
        let x = x - 1.0;
        let mut a = G[0];
        let t = x + 7.5;
        for (i, g) in G.iter().enumerate().skip(1) {
            a += g / (x + i as f64);
        }
        (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * a
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::Xoshiro256PlusPlus;

    fn parse(text: &str, q: Quantity) -> Result<DistSpec, String> {
        let v: toml::Value = toml::from_str(&format!("x = {text}")).unwrap();
        DistSpec::from_toml(&v["x"], q)
    }

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("30 s").unwrap(), 0.5);
        assert_eq!(parse_duration("25 min").unwrap(), 25.0);
        assert_eq!(parse_duration("1.5h").unwrap(), 90.0);
        assert_eq!(parse_duration("2 d").unwrap(), 2880.0);
        assert!(parse_duration("25").unwrap_err().contains("no unit"));
        assert!(
            parse_duration("25 mins")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(parse_duration("-5 min").unwrap_err().contains("negative"));
    }

    #[test]
    fn lognormal_by_median_and_p90_reproduces_them() {
        let DistSpec::LogNormal { mu, sigma } = parse(
            "{ lognormal = { median = \"30 min\", p90 = \"75 min\" } }",
            Quantity::Duration,
        )
        .unwrap() else {
            panic!("expected lognormal")
        };
        assert!((mu.exp() - 30.0).abs() < 1e-12);
        assert!(((mu + Z_P90 * sigma).exp() - 75.0).abs() < 1e-9);
    }

    #[test]
    fn impossible_distributions_are_rejected_with_the_rule() {
        let e = parse(
            "{ lognormal = { median = \"30 min\", p90 = \"20 min\" } }",
            Quantity::Duration,
        )
        .unwrap_err();
        assert!(e.contains("p90 must be above the median"), "{e}");
        let e = parse("{ uniform = { min = -5.0, max = 3.0 } }", Quantity::Money).unwrap_err();
        assert!(e.contains("min must be a finite number >= 0"), "{e}");
        let e = parse("{ normal = { mean = -50.0, sd = 5.0 } }", Quantity::Money).unwrap_err();
        assert!(e.contains("keeps only"), "{e}");
        let e = parse("{ poisson = { mean = 3.0 } }", Quantity::Money).unwrap_err();
        assert!(e.contains("unknown distribution"), "{e}");
        let e = parse("{ exponential = { mean = 15 } }", Quantity::Duration).unwrap_err();
        assert!(e.contains("needs a unit"), "{e}");
        let e = parse(
            "{ exponential = { mean = \"15 min\", sd = \"1 min\" } }",
            Quantity::Duration,
        )
        .unwrap_err();
        assert!(e.contains("unknown parameter `sd`"), "{e}");
    }

    #[test]
    fn sample_means_match_closed_forms() {
        let specs = [
            "{ uniform = { min = 10.0, max = 30.0 } }",
            "{ triangular = { min = 75.0, mode = 110.0, max = 180.0 } }",
            "{ lognormal = { median = 300.0, p90 = 900.0 } }",
            "{ exponential = { mean = 15.0 } }",
            "{ gamma = { mean = 40.0, sd = 20.0 } }",
            "{ weibull = { shape = 1.5, scale = 30.0 } }",
            "{ empirical = { values = [1.0, 2.0, 10.0], weights = [1, 2, 1] } }",
        ];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for text in specs {
            let spec = parse(text, Quantity::Money).unwrap();
            let dist = spec.compile().unwrap();
            let n = 400_000;
            let (mut s, mut s2) = (0.0, 0.0);
            for _ in 0..n {
                let x = dist.sample(&mut rng);
                assert!(x >= 0.0);
                s += x;
                s2 += x * x;
            }
            let mean = s / n as f64;
            let se = ((s2 / n as f64 - mean * mean) / n as f64).sqrt();
            let expected = spec.mean().unwrap();
            assert!(
                (mean - expected).abs() < 4.0 * se + 1e-12,
                "{text}: sample mean {mean} vs {expected} (se {se})"
            );
        }
    }

    #[test]
    fn mixture_mean_and_share_match_closed_forms() {
        // A quote of 100 paid 86% of the time, else a lognormal overcharge with mean 480.
        let spec = parse(
            "{ mixture = [{ weight = 0.86, fixed = 100.0 }, { weight = 0.14, lognormal = { mean = 480.0, sd = 300.0 } }] }",
            Quantity::Money,
        )
        .unwrap();
        let mean = spec.mean().unwrap();
        assert!((mean - (0.86 * 100.0 + 0.14 * 480.0)).abs() < 1e-9);
        let dist = spec.compile().unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let n = 400_000;
        let (mut sum, mut sum2, mut at_quote) = (0.0, 0.0, 0u64);
        for _ in 0..n {
            let x = dist.sample(&mut rng);
            sum += x;
            sum2 += x * x;
            at_quote += u64::from(x == 100.0);
        }
        let m = sum / n as f64;
        let se = ((sum2 / n as f64 - m * m) / n as f64).sqrt();
        assert!(
            (m - mean).abs() < 3.29 * se,
            "mean {m} against {mean} ± {se}"
        );
        let share = at_quote as f64 / n as f64;
        let se_share = (0.86 * 0.14 / n as f64).sqrt();
        assert!((share - 0.86).abs() < 3.29 * se_share, "share {share}");
        // The tail bound covers both components.
        assert!(spec.upper(1e-6) > 480.0);
    }

    #[test]
    fn bad_mixtures_are_rejected_with_the_rule() {
        for (text, rule) in [
            (
                "{ mixture = [{ weight = 1.0, fixed = 1.0 }] }",
                "at least two",
            ),
            (
                "{ mixture = [{ weight = -1.0, fixed = 1.0 }, { weight = 1.0, fixed = 2.0 }] }",
                "weight",
            ),
            (
                "{ mixture = [{ fixed = 1.0 }, { weight = 1.0, fixed = 2.0 }] }",
                "missing `weight`",
            ),
            (
                "{ mixture = [{ weight = 0.0, fixed = 1.0 }, { weight = 0.0, fixed = 2.0 }] }",
                "not all 0",
            ),
            ("{ mixture = { weight = 1.0 } }", "list of components"),
            (
                "{ mixture = [{ weight = 1.0, mixture = [{ weight = 1.0, fixed = 1.0 }, { weight = 1.0, fixed = 1.0 }] }, { weight = 1.0, fixed = 2.0 }] }",
                "cannot itself be a mixture",
            ),
            (
                "{ mixture = [{ weight = 1.0, uniform = { min = 5.0, max = 1.0 } }, { weight = 1.0, fixed = 2.0 }] }",
                "component 1",
            ),
        ] {
            let err = parse(text, Quantity::Money).unwrap_err();
            assert!(err.contains(rule), "{text}: {err}");
        }
    }

    #[test]
    fn truncated_normal_stays_in_bounds() {
        let d = parse(
            "{ normal = { mean = \"5 min\", sd = \"5 min\", max = \"12 min\" } }",
            Quantity::Duration,
        )
        .unwrap()
        .compile()
        .unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        for _ in 0..10_000 {
            let x = d.sample(&mut rng);
            assert!((0.0..=12.0).contains(&x));
        }
    }
}
