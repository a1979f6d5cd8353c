//! Importance sampling in the unit cube: proposals, their densities, self-normalised weights of
//! a deterministic mixture of proposals, the effective sample size, weighted summaries and
//! systematic resampling. `lockout calibrate` works in the priors' probability space (each
//! parameter `x_j = Q_j(u_j)` with `Q_j` its prior's quantile function), where the prior is
//! uniform on the cube and every density below is exact.

/// Smallest half-width of a proposal's box per coordinate, so a sharply peaked posterior still
/// gets a proposal with room around its peak.
const MIN_HALF_WIDTH: f64 = 0.01;

/// A proposal on the unit cube: with probability `defensive` uniform on the cube, otherwise
/// uniform on a box (the defensive part keeps every weight below `1/defensive` times the
/// likelihood, so no set's weight can explode).
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// Per coordinate: `[low, high)` of the box; `None`: the uniform cube (the prior).
    pub boxes: Option<Vec<(f64, f64)>>,
    /// Probability of the uniform part.
    pub defensive: f64,
}

impl Proposal {
    /// The prior: uniform on the cube.
    pub fn uniform() -> Proposal {
        Proposal {
            boxes: None,
            defensive: 1.0,
        }
    }

    /// A proposal fitted to weighted points: per coordinate the box mean ± `spread` weighted
    /// standard deviations (at least [`MIN_HALF_WIDTH`]), cut to the cube, mixed with the
    /// uniform cube with probability `defensive`.
    pub fn fitted(points: &[Vec<f64>], weights: &[f64], spread: f64, defensive: f64) -> Proposal {
        let dims = points.first().map_or(0, Vec::len);
        let boxes = (0..dims)
            .map(|j| {
                let column: Vec<f64> = points.iter().map(|p| p[j]).collect();
                let (mean, sd) = weighted_mean_sd(&column, weights);
                let half = (spread * sd).max(MIN_HALF_WIDTH);
                ((mean - half).max(0.0), (mean + half).min(1.0))
            })
            .collect();
        Proposal {
            boxes: Some(boxes),
            defensive,
        }
    }

    /// The density at `u` (the cube has volume 1, so the uniform part's density is 1).
    pub fn density(&self, u: &[f64]) -> f64 {
        let Some(boxes) = &self.boxes else {
            return 1.0;
        };
        let inside = boxes.iter().zip(u).all(|(&(lo, hi), &x)| x >= lo && x < hi);
        let volume: f64 = boxes.iter().map(|(lo, hi)| hi - lo).product();
        self.defensive
            + if inside {
                (1.0 - self.defensive) / volume
            } else {
                0.0
            }
    }

    /// A point of `dims` coordinates, each strictly inside (0, 1), from uniforms on [0, 1)
    /// drawn by `uniform` (one for the component, then one per coordinate).
    pub fn sample(&self, dims: usize, uniform: &mut impl FnMut() -> f64) -> Vec<f64> {
        let open = |x: f64| x.clamp(1e-12, 1.0 - 1e-12);
        let in_box = uniform() >= self.defensive;
        (0..dims)
            .map(|j| {
                let v = uniform();
                match (&self.boxes, in_box) {
                    (Some(b), true) => open(b[j].0 + v * (b[j].1 - b[j].0)),
                    _ => open(v),
                }
            })
            .collect()
    }
}

/// Self-normalised importance weights of points drawn in equal numbers from each of
/// `proposals` (the deterministic-mixture, or balance-heuristic, estimator: each point is
/// weighted by its likelihood over the mean of every proposal's density at it), with the
/// target density the uniform prior × `exp(log_likelihood)`. Points whose log-likelihood is
/// −∞ weigh 0. Returns `None` when every point weighs 0.
pub fn mixture_weights(
    points: &[Vec<f64>],
    log_likelihood: &[f64],
    proposals: &[Proposal],
) -> Option<Vec<f64>> {
    let log_w: Vec<f64> = points
        .iter()
        .zip(log_likelihood)
        .map(|(u, &l)| {
            let q: f64 =
                proposals.iter().map(|p| p.density(u)).sum::<f64>() / proposals.len() as f64;
            l - q.ln()
        })
        .collect();
    let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return None;
    }
    let w: Vec<f64> = log_w.iter().map(|&l| (l - max).exp()).collect();
    let total: f64 = w.iter().sum();
    Some(w.into_iter().map(|x| x / total).collect())
}

/// Kish's effective sample size of normalised weights: `1 / Σ w²`.
pub fn effective_sample_size(weights: &[f64]) -> f64 {
    1.0 / weights.iter().map(|w| w * w).sum::<f64>()
}

/// The weighted mean and standard deviation of `values` (weights summing to 1).
pub fn weighted_mean_sd(values: &[f64], weights: &[f64]) -> (f64, f64) {
    let mean: f64 = values.iter().zip(weights).map(|(x, w)| x * w).sum();
    let var: f64 = values
        .iter()
        .zip(weights)
        .map(|(x, w)| w * (x - mean) * (x - mean))
        .sum();
    (mean, var.max(0.0).sqrt())
}

/// The weighted lower quantile of order `p` of `values`: the smallest value whose cumulative
/// weight reaches `p`. Values that are NaN are left out (their weight too).
pub fn weighted_quantile(values: &[f64], weights: &[f64], p: f64) -> f64 {
    let mut pairs: Vec<(f64, f64)> = values
        .iter()
        .copied()
        .zip(weights.iter().copied())
        .filter(|(x, _)| !x.is_nan())
        .collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = pairs.iter().map(|x| x.1).sum();
    let mut cum = 0.0;
    for (x, w) in &pairs {
        cum += w;
        if cum >= p * total {
            return *x;
        }
    }
    pairs.last().map_or(f64::NAN, |x| x.0)
}

/// Systematic resampling: `m` indices of `weights` (summing to 1), index `i` about `m·w_i`
/// times, from one uniform `u0` in [0, 1). The indices come out in increasing order.
pub fn systematic_resample(weights: &[f64], m: usize, u0: f64) -> Vec<usize> {
    let mut out = Vec::with_capacity(m);
    let mut cum = 0.0;
    let mut i = 0;
    for k in 0..m {
        let target = (k as f64 + u0) / m as f64;
        while i + 1 < weights.len() && cum + weights[i] <= target {
            cum += weights[i];
            i += 1;
        }
        out.push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Uniforms on [0, 1) from a seeded generator.
    fn uniforms(seed: u64) -> impl FnMut() -> f64 {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
        move || (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    #[test]
    fn a_proposal_integrates_to_one_and_samples_its_density() {
        let p = Proposal {
            boxes: Some(vec![(0.2, 0.4), (0.5, 1.0)]),
            defensive: 0.1,
        };
        // Midpoint rule on a 200 × 200 grid.
        let n = 200;
        let mut total = 0.0;
        for a in 0..n {
            for b in 0..n {
                let u = [(a as f64 + 0.5) / n as f64, (b as f64 + 0.5) / n as f64];
                total += p.density(&u) / (n * n) as f64;
            }
        }
        assert!((total - 1.0).abs() < 1e-9, "{total}");
        // The share of samples in the box: 0.9 + 0.1 × its volume (0.1).
        let mut rng = uniforms(3);
        let draws = 100_000;
        let inside = (0..draws)
            .filter(|_| {
                let u = p.sample(2, &mut rng);
                (0.2..0.4).contains(&u[0]) && (0.5..1.0).contains(&u[1])
            })
            .count() as f64
            / draws as f64;
        let expected = 0.9 + 0.1 * 0.1;
        let se = (expected * (1.0 - expected) / draws as f64).sqrt();
        assert!((inside - expected).abs() < 4.0 * se, "{inside}");
    }

    #[test]
    fn mixture_weights_recover_a_known_posterior_mean() {
        // Prior U(0,1); likelihood ∝ exp(-(u-0.3)²/(2·0.05²)): posterior mean 0.3, sd 0.05.
        let ll = |u: f64| -(u - 0.3) * (u - 0.3) / (2.0 * 0.05 * 0.05);
        let mut rng = uniforms(7);
        let mut points = Vec::new();
        let mut proposals = vec![Proposal::uniform()];
        for _ in 0..500 {
            points.push(proposals[0].sample(1, &mut rng));
        }
        let lls: Vec<f64> = points.iter().map(|u| ll(u[0])).collect();
        let w = mixture_weights(&points, &lls, &proposals).unwrap();
        let fitted = Proposal::fitted(&points, &w, 3.0, 0.1);
        for _ in 0..500 {
            points.push(fitted.sample(1, &mut rng));
        }
        proposals.push(fitted);
        let lls: Vec<f64> = points.iter().map(|u| ll(u[0])).collect();
        let w = mixture_weights(&points, &lls, &proposals).unwrap();
        let xs: Vec<f64> = points.iter().map(|u| u[0]).collect();
        let (mean, sd) = weighted_mean_sd(&xs, &w);
        let ess = effective_sample_size(&w);
        assert!(ess > 150.0, "{ess}");
        assert!((mean - 0.3).abs() < 4.0 * 0.05 / ess.sqrt(), "{mean}");
        assert!((sd - 0.05).abs() < 0.01, "{sd}");
    }

    #[test]
    fn systematic_resampling_keeps_the_weights() {
        let w = [0.5, 0.0, 0.25, 0.25];
        let idx = systematic_resample(&w, 8, 0.3);
        assert_eq!(idx, vec![0, 0, 0, 0, 2, 2, 3, 3]);
        assert_eq!(
            weighted_quantile(&[3.0, 1.0, 2.0], &[0.2, 0.5, 0.3], 0.5),
            1.0
        );
        assert_eq!(
            weighted_quantile(&[3.0, 1.0, 2.0], &[0.2, 0.5, 0.3], 0.6),
            2.0
        );
        assert!(
            mixture_weights(&[vec![0.5]], &[f64::NEG_INFINITY], &[Proposal::uniform()]).is_none()
        );
    }
}
