//! Claim severities across periods.

use super::is_claim;
use crate::stats::{Moments, QuantileSketch};

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
