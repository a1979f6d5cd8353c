//! One period's losses of one strategy in one perspective: the accumulator the engine fills,
//! and the `ylt.csv` row it becomes.

use super::from_grid;
use crate::stats::quantise;

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
    /// Incidents with a loss > 0 on the grid ([`is_claim`](super::is_claim)).
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
    /// as a claim when [`is_claim`](super::is_claim)`(loss)`.
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
