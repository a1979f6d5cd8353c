//! What a region run produces: [`Partial`], the mergeable results of some periods (a
//! thread's accumulator, a shard's state), and [`RegionRun`], the finished run of every period
//! that the report layer reads.

use super::{LossSeries, PeriodAccumulator, Perspective, PoolTally, SeverityTally};
use crate::model::Scenario;
use crate::model::region::Region;
use crate::stats::{CI_LEVEL, Moments};
use crate::tally::{InexactError, RunTally};

/// Why merged period results cannot make a finished region run.
#[derive(Debug, thiserror::Error)]
pub enum FinishError {
    /// The parts' periods are not exactly 1..=N, each once (a part missing or given twice).
    #[error("the periods of the parts do not make up periods 1..={0}")]
    Periods(u64),
    /// A statistic left its exact range.
    #[error(transparent)]
    Inexact(#[from] InexactError),
}

/// The results of a region run, merged over periods.
#[derive(Debug, Clone)]
pub struct RegionRun {
    /// Periods simulated.
    pub periods: u64,
    /// Per period (in period order): per strategy, ground-up and insured losses.
    pub losses: Vec<Vec<[PeriodAccumulator; 2]>>,
    /// Incident statistics over all periods, each strategy's own lockouts (no lockout-by-lockout
    /// pairs; `losses` pairs strategies period by period).
    pub tally: RunTally,
    /// Per strategy: claim severities, ground-up and insured.
    pub severity: Vec<[SeverityTally; 2]>,
    /// Per strategy and pool.
    pub pools: Vec<Vec<PoolTally>>,
    /// Events popped, all periods and strategies.
    pub events: u64,
    /// Threads used.
    pub threads: usize,
    /// Wall-clock time.
    pub wall_time: std::time::Duration,
}

/// The merged results of some periods of a region run: what a shard stores in its state.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Partial {
    /// Per simulated period: (period_no, per strategy ground-up and insured losses).
    pub losses: Vec<(u64, Vec<[PeriodAccumulator; 2]>)>,
    /// Incident statistics.
    pub tally: RunTally,
    /// Claim severities.
    pub severity: Vec<[SeverityTally; 2]>,
    /// Per strategy and pool.
    pub pools: Vec<Vec<PoolTally>>,
    /// Events popped.
    pub events: u64,
}

impl Partial {
    /// Nothing yet.
    pub fn empty(scenario: &Scenario, region: &Region) -> Partial {
        let n = scenario.strategies.len();
        Partial {
            losses: Vec::new(),
            tally: RunTally::new_unpaired(scenario),
            severity: (0..n)
                .map(|_| [SeverityTally::new(), SeverityTally::new()])
                .collect(),
            pools: (0..n)
                .map(|_| region.pools.iter().map(|_| PoolTally::empty()).collect())
                .collect(),
            events: 0,
        }
    }

    /// Both together (exact).
    pub fn merge(mut self, other: Partial) -> Partial {
        self.absorb(other);
        self
    }

    /// Adds `other` (periods this does not have) into this, in place (exact): what
    /// [`Partial::merge`] does.
    pub fn absorb(&mut self, other: Partial) {
        self.tally.merge(&other.tally);
        for (a, b) in self.severity.iter_mut().zip(&other.severity) {
            for (x, y) in a.iter_mut().zip(b) {
                x.merge(y);
            }
        }
        for (a, b) in self.pools.iter_mut().zip(&other.pools) {
            for (x, y) in a.iter_mut().zip(b) {
                x.merge(y);
            }
        }
        self.events += other.events;
        self.losses.extend(other.losses);
    }
}

impl Partial {
    /// An error when any statistic left its exact fixed-point range: the incident statistics,
    /// claim severities, pool statistics, and the moments of the period losses the tables
    /// derive (AAL, its sd) over the periods.
    fn check_exact(&self) -> Result<(), InexactError> {
        self.tally.check_exact()?;
        let severity = self
            .severity
            .iter()
            .flatten()
            .any(|t| t.moments().overflowed());
        let pools = self
            .pools
            .iter()
            .flatten()
            .any(|t| t.queue_wait.overflowed() || t.busy_min.overflowed());
        let mut periods = false;
        for s in 0..self.severity.len() {
            for k in 0..2 {
                let mut loss = Moments::new();
                let mut downtime = Moments::new();
                for (_, per) in &self.losses {
                    loss.push(per[s][k].aggregate_loss());
                    downtime.push(per[s][k].downtime_h());
                }
                periods |= loss.overflowed() || downtime.overflowed();
            }
        }
        if severity || pools || periods {
            return Err(InexactError(format!(
                "the {} statistics left the exact fixed-point range (a period loss above {} or a \
                 sum beyond 128 bits); no table is written",
                if severity {
                    "claim severity"
                } else if pools {
                    "responder"
                } else {
                    "period loss"
                },
                crate::limits::MAX_PERIOD_LOSS
            )));
        }
        Ok(())
    }

    /// Checks a part read from a file against `scenario`: every vector as long as the
    /// strategies and pools, each period of `periods` exactly once and no other, and every
    /// accumulator's own invariants. `Err` says what is wrong.
    pub fn validate(
        &self,
        scenario: &Scenario,
        region: &Region,
        periods: std::ops::Range<u64>,
    ) -> Result<(), String> {
        let n = scenario.strategies.len();
        self.tally
            .validate(&RunTally::new_unpaired(scenario))
            .map_err(|e| format!("tally: {e}"))?;
        if self.severity.len() != n || self.pools.len() != n {
            return Err(format!(
                "{} severities and {} pool rows for {n} strategies",
                self.severity.len(),
                self.pools.len()
            ));
        }
        for (s, pair) in self.severity.iter().enumerate() {
            for (k, t) in pair.iter().enumerate() {
                t.validate()
                    .map_err(|e| format!("severity[{s}][{k}]: {e}"))?;
            }
        }
        for (s, pools) in self.pools.iter().enumerate() {
            if pools.len() != region.pools.len() {
                return Err(format!(
                    "pools[{s}] has {} pools, the scenario {}",
                    pools.len(),
                    region.pools.len()
                ));
            }
            for (p, t) in pools.iter().enumerate() {
                t.validate().map_err(|e| format!("pools[{s}][{p}]: {e}"))?;
            }
        }
        // Periods: exactly the range, each once (without allocating by a number in the file).
        let expected = periods.end.saturating_sub(periods.start);
        if self.losses.len() as u64 != expected {
            return Err(format!(
                "{} periods, but the part simulated {expected} ({}..{})",
                self.losses.len(),
                periods.start,
                periods.end
            ));
        }
        let mut numbers: Vec<u64> = self.losses.iter().map(|(p, _)| *p).collect();
        numbers.sort_unstable();
        for (i, p) in numbers.iter().enumerate() {
            if *p != periods.start + i as u64 {
                return Err(format!(
                    "period {p} is repeated or outside the part's periods {}..{}",
                    periods.start, periods.end
                ));
            }
        }
        // Per strategy and perspective: the periods' incidents and claims add up (in 64 bits)
        // to the incidents of the tally and the claims of the severity.
        let mut incidents = vec![[0u64; 2]; n];
        let mut claims = vec![[0u64; 2]; n];
        for (p, row) in &self.losses {
            if row.len() != n {
                return Err(format!("period {p}: {} strategies, not {n}", row.len()));
            }
            for (s, pair) in row.iter().enumerate() {
                for (k, a) in pair.iter().enumerate() {
                    a.validate()
                        .map_err(|e| format!("period {p}, strategy {s}: {e}"))?;
                    let add = |sum: &mut u64, x: u64| {
                        *sum = crate::stats::checked(sum.checked_add(x), "the periods' counts")?;
                        Ok::<_, String>(())
                    };
                    add(&mut incidents[s][k], a.incident_count())?;
                    add(&mut claims[s][k], a.claim_count())?;
                }
            }
        }
        for s in 0..n {
            let recorded = self.tally.strategy(s).time.count();
            for k in 0..2 {
                if incidents[s][k] != recorded || claims[s][k] != self.severity[s][k].claim_count()
                {
                    return Err(format!(
                        "strategy {s}: the periods count {} incidents and {} claims, the tally \
                         {recorded} incidents and the severity {} claims",
                        incidents[s][k],
                        claims[s][k],
                        self.severity[s][k].claim_count()
                    ));
                }
            }
        }
        Ok(())
    }

    /// [`Partial::merge`] with checked arithmetic, for parts read from files and validated.
    pub fn checked_merge(mut self, other: Partial) -> Result<Partial, String> {
        self.tally.checked_merge(&other.tally)?;
        if self.severity.len() != other.severity.len() || self.pools.len() != other.pools.len() {
            return Err("the parts have different numbers of strategies".into());
        }
        for (a, b) in self.severity.iter_mut().zip(&other.severity) {
            for (x, y) in a.iter_mut().zip(b) {
                x.checked_merge(y)?;
            }
        }
        for (a, b) in self.pools.iter_mut().zip(&other.pools) {
            if a.len() != b.len() {
                return Err("the parts have different numbers of pools".into());
            }
            for (x, y) in a.iter_mut().zip(b) {
                x.checked_merge(y)?;
            }
        }
        self.events = crate::stats::checked(self.events.checked_add(other.events), "events")?;
        self.losses.extend(other.losses);
        Ok(self)
    }

    /// The run of `periods` periods these results make up; every period 1..=periods must be
    /// present exactly once.
    pub fn finish(
        self,
        periods: u64,
        threads: usize,
        wall_time: std::time::Duration,
    ) -> Result<RegionRun, FinishError> {
        let mut losses = self.losses;
        losses.sort_by_key(|(p, _)| *p);
        let numbered = losses
            .iter()
            .enumerate()
            .all(|(i, (p, _))| *p == i as u64 + 1);
        if !(numbered && losses.len() as u64 == periods) {
            return Err(FinishError::Periods(periods));
        }
        let checked = Partial {
            losses,
            tally: self.tally,
            severity: self.severity,
            pools: self.pools,
            events: self.events,
        };
        checked.check_exact()?;
        let Partial {
            losses,
            tally,
            severity,
            pools,
            events,
        } = checked;
        Ok(RegionRun {
            periods,
            losses: losses.into_iter().map(|(_, l)| l).collect(),
            tally,
            severity,
            pools,
            events,
            threads,
            wall_time,
        })
    }
}

/// The largest relative 95% half-width, over strategies, of the ground-up average annual loss
/// (the sd of period losses / √P, as in insurer_cost.csv). A zero AAL with zero spread counts
/// as precise.
pub(crate) fn aal_relative_precision(
    losses: &[(u64, Vec<[PeriodAccumulator; 2]>)],
    strategies: usize,
) -> f64 {
    (0..strategies)
        .map(|s| {
            let mut m = Moments::default();
            for (_, per) in losses {
                m.push(per[s][0].aggregate_loss());
            }
            m.relative_half_width(CI_LEVEL)
        })
        .fold(0.0, f64::max)
}

impl RegionRun {
    /// The loss series of every strategy and perspective (ground-up, then insured when the
    /// region has policy terms), in table order.
    pub fn loss_series(&self, scenario: &Scenario, region: &Region) -> Vec<LossSeries> {
        let perspectives: &[Perspective] = if region.insured {
            &Perspective::ALL
        } else {
            &Perspective::ALL[..1]
        };
        let mut out = Vec::new();
        for (s, st) in scenario.strategies.iter().enumerate() {
            for &p in perspectives {
                out.push(LossSeries {
                    strategy: st.name.clone(),
                    perspective: p,
                    exposure_vehicle_years: region.vehicles as f64 * self.periods as f64,
                    periods: self
                        .losses
                        .iter()
                        .enumerate()
                        .map(|(i, per)| per[s][p.index()].row(i as u64 + 1))
                        .collect(),
                    severity: self.severity[s][p.index()].clone(),
                });
            }
        }
        out
    }
}
