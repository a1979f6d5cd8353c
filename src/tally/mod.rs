//! Per-strategy accumulators over incident outcomes: what the tables are computed from.
//!
//! A [`RunTally`] is fixed-size (it does not grow with the number of incidents) and merges
//! exactly: every field is an integer count, a fixed-point [`Moments`] or an integer-count
//! [`QuantileSketch`]. So chunks folded on any thread, merged in any grouping, or run in separate
//! shards give the same tally to the bit.

use serde::{Deserialize, Serialize};

use crate::model::outcome::{Outcome, fallback_index};
use crate::model::{Place, Scenario};
use crate::stats::moments::{IN_RANGE_LIMIT, IN_RANGE_MAX_COUNT};
use crate::stats::{FixedSum, Moments, QuantileSketch, checked};

/// Whether every value may be pushed without overflow bookkeeping
/// ([`Moments::push_in_range`]); NaN may not. No early exit: the check is a few compares.
#[inline]
fn in_range(values: &[f64]) -> bool {
    values
        .iter()
        .fold(true, |ok, x| ok & (x.abs() < IN_RANGE_LIMIT))
}

/// The values of an outcome that a strategy's accumulators push (time, direct and damage cost,
/// cost, total cost); `in_range` of them allows the unchecked path.
#[inline]
fn pushed_values(o: &Outcome, cost: f64, total: f64) -> [f64; 5] {
    [
        o.time_to_access_min,
        o.cost_direct,
        o.cost_damage,
        cost,
        total,
    ]
}

/// Pushes into a [`Moments`] or [`FixedSum`]: unchecked when `IN_RANGE` (the caller has checked
/// every value of the incident against [`IN_RANGE_LIMIT`]), with overflow bookkeeping otherwise.
macro_rules! push {
    ($acc:expr, $x:expr, $in_range:expr) => {
        if $in_range {
            $acc.push_in_range($x)
        } else {
            $acc.push($x)
        }
    };
}

/// A statistic left its exact fixed-point range (see [`Moments::overflowed`]): no table may be
/// written from it. The message names the statistic and what to change.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InexactError(pub String);

mod groups;
pub mod observations;
mod prevention;
mod strategy;

pub use groups::{GroupTally, RemedyTally};
pub use prevention::PreventionTally;
pub use strategy::{CellShape, StrategyTally};

use groups::{at_most, checked_sum, same_count};

/// The whole run's accumulators: one [`StrategyTally`] per strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunTally {
    /// Incidents recorded under every strategy (the incident level). A region run leaves it 0:
    /// each strategy counts its own arrivals (`strategy(s).time.count()`).
    pub incidents: u64,
    /// Per strategy, in scenario order. A strategy whose model is another's (see `alias`)
    /// keeps an empty entry: read through [`RunTally::strategy`].
    pub strategies: Vec<StrategyTally>,
    /// For each strategy, the earlier strategy with the same model whose tally it shares.
    pub alias: Vec<Option<usize>>,
    /// Shape of the per-strategy cells.
    pub shape: CellShape,
    /// Index of the baseline strategy.
    pub baseline: usize,
    /// Whether every incident was recorded under every strategy (the incident level). A region
    /// run records each strategy's own lockouts: no lockout-by-lockout differences (its
    /// differences are paired period by period, from the period losses).
    pub paired: bool,
    /// Value of time in money per minute (turns minutes into time cost).
    pub value_of_time_per_min: f64,
    /// Per strategy, for one that applies to a share of the vehicles: adoption and weighted
    /// costs (`None` for one that applies to all). Empty when every strategy applies to all,
    /// and then not written, so such a tally reads and writes as before.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prevention: Vec<Option<PreventionTally>>,
}

impl RunTally {
    /// An empty tally shaped for `scenario`.
    pub fn new(scenario: &Scenario) -> RunTally {
        let n = &scenario.names;
        let strategy = StrategyTally {
            time: Moments::default(),
            cost: Moments::default(),
            cost_direct: FixedSum::default(),
            cost_damage: FixedSum::default(),
            total_cost: Moments::default(),
            time_diff: Moments::default(),
            cost_diff: Moments::default(),
            total_cost_diff: Moments::default(),
            time_sketch: QuantileSketch::new(),
            cost_sketch: QuantileSketch::new(),
            unresolved: 0,
            damaged: 0,
            remedies: vec![RemedyTally::default(); n.remedies.len()],
            fallback: RemedyTally::default(),
            by_fallback: if n.fallbacks.len() > 1 {
                vec![RemedyTally::default(); n.fallbacks.len()]
            } else {
                Vec::new()
            },
            cells: vec![
                GroupTally::default();
                n.segments.len() * n.drivers.len() * Place::ALL.len()
            ],
        };
        // A strategy that applies to a share of the vehicles records selected outcomes, not
        // its model's: it neither shares another's tally nor lends its own.
        let all = |s: usize| scenario.strategies[s].applies_to_all();
        let alias: Vec<Option<usize>> = scenario
            .strategies
            .iter()
            .enumerate()
            .map(|(k, s)| s.same_model_as.filter(|&j| all(k) && all(j)))
            .collect();
        let base_weight = scenario.strategies[scenario.baseline].incident_rate_multiplier;
        let prevention = if (0..scenario.strategies.len()).all(all) {
            Vec::new()
        } else {
            scenario
                .strategies
                .iter()
                .map(|s| {
                    (!s.applies_to_all())
                        .then(|| PreventionTally::new(s.incident_rate_multiplier, base_weight))
                })
                .collect()
        };
        RunTally {
            incidents: 0,
            strategies: alias
                .iter()
                .map(|a| match a {
                    // An alias never records: keep its entry empty and small.
                    Some(_) => StrategyTally {
                        remedies: Vec::new(),
                        cells: Vec::new(),
                        ..strategy.clone()
                    },
                    None => strategy.clone(),
                })
                .collect(),
            alias,
            shape: CellShape {
                segments: n.segments.len(),
                drivers: n.drivers.len(),
                places: Place::ALL.len(),
            },
            baseline: scenario.baseline,
            paired: true,
            value_of_time_per_min: scenario.value_of_time_per_hour / 60.0,
            prevention,
        }
    }

    /// An empty tally for a region run: strategies record their own incidents, no aliases.
    pub fn new_unpaired(scenario: &Scenario) -> RunTally {
        let mut t = RunTally::new(scenario);
        t.paired = false;
        let full = t.strategies[t.baseline].clone();
        for (s, a) in t.alias.iter_mut().enumerate() {
            if a.take().is_some() {
                t.strategies[s] = full.clone();
            }
        }
        t
    }

    /// Records one incident under strategy `s` alone (region runs; no paired differences).
    #[inline]
    pub fn record_one(&mut self, s: usize, o: &Outcome) {
        debug_assert!(!self.paired);
        let cost = o.cost();
        let total = cost + self.value_of_time_per_min * o.time_to_access_min;
        let shape = self.shape;
        let st = &mut self.strategies[s];
        // A region run may hold more values than `push_in_range` allows, so the strategy's
        // count is checked with the values (every accumulator it pushes into holds at most as
        // many values as its time to access).
        let in_range =
            st.time.count() < IN_RANGE_MAX_COUNT && in_range(&pushed_values(o, cost, total));
        if in_range {
            st.record_common::<true>(o, cost, total, shape);
        } else {
            st.record_common::<false>(o, cost, total, shape);
        }
    }

    /// The tally of strategy `s` (following its alias, if it shares another's model).
    pub fn strategy(&self, s: usize) -> &StrategyTally {
        &self.strategies[self.alias[s].unwrap_or(s)]
    }

    /// Every strategy's tally, in scenario order, aliases resolved.
    pub fn iter(&self) -> impl Iterator<Item = &StrategyTally> {
        (0..self.strategies.len()).map(|s| self.strategy(s))
    }

    /// Total cost of an outcome: cost + value of time × time to access.
    #[inline]
    pub fn total_cost(&self, o: &Outcome) -> f64 {
        o.cost() + self.value_of_time_per_min * o.time_to_access_min
    }

    /// Records one incident: its outcome under every strategy, in scenario order.
    #[inline]
    pub fn record(&mut self, outcomes: &[Outcome]) {
        debug_assert_eq!(outcomes.len(), self.strategies.len());
        self.incidents += 1;
        let base = outcomes[self.baseline];
        let base_total = self.total_cost(&base);
        let vot = self.value_of_time_per_min;
        let shape = self.shape;
        for ((s, o), alias) in self.strategies.iter_mut().zip(outcomes).zip(&self.alias) {
            if alias.is_some() {
                // Same model, same outcomes, same differences: shares its alias's tally.
                continue;
            }
            let cost = o.cost();
            let total = cost + vot * o.time_to_access_min;
            let diffs = [
                o.time_to_access_min - base.time_to_access_min,
                cost - base.cost(),
                total - base_total,
            ];
            // One range check of every value this incident pushes (an incident run holds at
            // most 2^36, within `push_in_range`'s count), instead of overflow bookkeeping in
            // each of the dozen pushes; a value out of range (or NaN) takes the checked path.
            if in_range(&pushed_values(o, cost, total)) & in_range(&diffs) {
                s.time_diff.push_in_range(diffs[0]);
                s.cost_diff.push_in_range(diffs[1]);
                s.total_cost_diff.push_in_range(diffs[2]);
                s.record_common::<true>(o, cost, total, shape);
            } else {
                s.time_diff.push(diffs[0]);
                s.cost_diff.push(diffs[1]);
                s.total_cost_diff.push(diffs[2]);
                s.record_common::<false>(o, cost, total, shape);
            }
        }
    }

    /// Records who was targeted and who adopted in one incident (a bit per strategy that
    /// applies to a share of the vehicles), after [`RunTally::record`] of its `outcomes`
    /// (a non-adopter's being the baseline's).
    pub fn record_adoption(&mut self, outcomes: &[Outcome], targeted: u64, adopted: u64) {
        let base_total = self.total_cost(&outcomes[self.baseline]);
        let vot = self.value_of_time_per_min;
        for (s, (p, o)) in self.prevention.iter_mut().zip(outcomes).enumerate() {
            let Some(p) = p else { continue };
            let total = o.cost() + vot * o.time_to_access_min;
            p.targeted += (targeted >> s) & 1;
            if (adopted >> s) & 1 != 0 {
                p.adopters += 1;
                p.weighted_total_cost.push(p.adopter_weight * total);
                p.adopter_total_cost.push(total);
                p.adopter_weighted_diff
                    .push(p.adopter_weight * total - p.other_weight * base_total);
            } else {
                p.weighted_total_cost.push(p.other_weight * total);
            }
        }
    }

    /// Checks a tally read from a file against `expected`, an empty tally of the same kind
    /// for the scenario ([`RunTally::new`] or [`RunTally::new_unpaired`]): the same shape
    /// (strategies, aliases, remedies, cells, baseline, value of time), and counts that agree
    /// with each other as every sequence of records leaves them. `Err` says what is wrong.
    pub fn validate(&self, expected: &RunTally) -> Result<(), String> {
        let shape = |t: &RunTally| {
            (
                t.strategies.len(),
                t.alias.clone(),
                t.shape,
                t.baseline,
                t.paired,
            )
        };
        // (A float read back from JSON may differ from the one written in the last bit.)
        let vot = (self.value_of_time_per_min, expected.value_of_time_per_min);
        if shape(self) != shape(expected) || !((vot.0 - vot.1).abs() <= 1e-12 * vot.1.abs()) {
            return Err(format!(
                "its strategies, aliases, cells, baseline or value of time (strategies {}, \
                 baseline {}, paired {}) do not match the scenario (strategies {}, baseline {}, \
                 paired {})",
                self.strategies.len(),
                self.baseline,
                self.paired,
                expected.strategies.len(),
                expected.baseline,
                expected.paired
            ));
        }
        let weights = |t: &RunTally| -> Vec<Option<(f64, f64)>> {
            t.prevention
                .iter()
                .map(|p| p.as_ref().map(|p| (p.adopter_weight, p.other_weight)))
                .collect()
        };
        if weights(self) != weights(expected) {
            return Err(
                "its strategies that apply to a share of the vehicles, or their incident rate \
                 multipliers, do not match the scenario"
                    .into(),
            );
        }
        for (s, p) in self.prevention.iter().enumerate() {
            if let Some(p) = p {
                p.validate(self.incidents)
                    .map_err(|e| format!("prevention[{s}]: {e}"))?;
            }
        }
        if !self.paired && self.incidents != 0 {
            return Err(format!(
                "incidents is {}, but a region tally counts per strategy",
                self.incidents
            ));
        }
        for (s, (t, e)) in self.strategies.iter().zip(&expected.strategies).enumerate() {
            let in_strategy = |err: String| format!("strategies[{s}]: {err}");
            if self.alias[s].is_some() {
                // An alias records nothing: its entry is the empty one.
                if t != e {
                    return Err(in_strategy("an alias entry must be empty".into()));
                }
                continue;
            }
            if (t.remedies.len(), t.cells.len()) != (e.remedies.len(), e.cells.len()) {
                return Err(in_strategy(format!(
                    "{} remedies and {} cells, the scenario has {} and {}",
                    t.remedies.len(),
                    t.cells.len(),
                    e.remedies.len(),
                    e.cells.len()
                )));
            }
            let n = if self.paired {
                self.incidents
            } else {
                t.time.count()
            };
            t.validate(n, self.paired).map_err(in_strategy)?;
        }
        Ok(())
    }

    /// [`RunTally::merge`] with checked arithmetic, for tallies read from files (validated
    /// first): `Err` if the shapes differ or a count or sum would overflow.
    pub fn checked_merge(&mut self, other: &RunTally) -> Result<(), String> {
        if self.strategies.len() != other.strategies.len() || self.paired != other.paired {
            return Err("the parts' tallies have different shapes".into());
        }
        self.incidents = checked(self.incidents.checked_add(other.incidents), "incidents")?;
        if self.prevention.len() != other.prevention.len() {
            return Err("the parts' tallies have different shapes".into());
        }
        for (s, (a, b)) in self
            .prevention
            .iter_mut()
            .zip(&other.prevention)
            .enumerate()
        {
            match (a, b) {
                (Some(a), Some(b)) => a
                    .checked_merge(b)
                    .map_err(|e| format!("prevention[{s}]: {e}"))?,
                (None, None) => {}
                _ => return Err("the parts' tallies have different shapes".into()),
            }
        }
        for (s, (a, b)) in self
            .strategies
            .iter_mut()
            .zip(&other.strategies)
            .enumerate()
        {
            a.checked_merge(b)
                .map_err(|e| format!("strategies[{s}]: {e}"))?;
        }
        Ok(())
    }

    /// An error when any statistic left its exact fixed-point range (see
    /// [`Moments::overflowed`]): a table must never hold a saturated or wrapped number.
    pub fn check_exact(&self) -> Result<(), InexactError> {
        for (s, p) in self.prevention.iter().enumerate() {
            let Some(p) = p else { continue };
            if let Some((what, _)) = p.moments().into_iter().find(|(_, m)| m.overflowed()) {
                return Err(InexactError(format!(
                    "the {what} statistics of strategy {} left the exact fixed-point range; no \
                     table is written (lower the distribution's tail, or run fewer incidents)",
                    s + 1
                )));
            }
        }
        for (s, st) in self.strategies.iter().enumerate() {
            let moments = [
                ("time to access", &st.time),
                ("cost", &st.cost),
                ("total cost", &st.total_cost),
                ("time difference", &st.time_diff),
                ("cost difference", &st.cost_diff),
                ("total cost difference", &st.total_cost_diff),
            ];
            let group = st
                .cells
                .iter()
                .flat_map(|c| [("time to access", &c.time), ("cost", &c.cost)]);
            let sums = [
                ("direct cost", &st.cost_direct),
                ("damage cost", &st.cost_damage),
            ]
            .into_iter()
            .chain(
                st.remedies
                    .iter()
                    .chain([&st.fallback])
                    .chain(&st.by_fallback)
                    .flat_map(|r| {
                        [
                            ("time to access", &r.resolved_time),
                            ("cost", &r.resolved_cost),
                        ]
                    }),
            );
            let bad = moments
                .into_iter()
                .chain(group)
                .find(|(_, m)| m.overflowed())
                .map(|(what, _)| what)
                .or_else(|| {
                    sums.into_iter()
                        .find(|(_, f)| f.overflowed())
                        .map(|(w, _)| w)
                });
            if let Some(what) = bad {
                return Err(InexactError(format!(
                    "the {what} statistics of strategy {} left the exact fixed-point range (a value above \
                     {} or a sum beyond 128 bits); no table is written (lower the distribution's \
                     tail, or run fewer incidents)",
                    s + 1,
                    crate::limits::MAX_VALUE
                )));
            }
        }
        Ok(())
    }

    /// Adds another tally of the same scenario (exact, associative, commutative).
    pub fn merge(&mut self, other: &RunTally) {
        assert_eq!(self.strategies.len(), other.strategies.len());
        assert_eq!(self.paired, other.paired);
        self.incidents += other.incidents;
        assert_eq!(self.prevention.len(), other.prevention.len());
        for (a, b) in self.prevention.iter_mut().zip(&other.prevention) {
            if let (Some(a), Some(b)) = (a, b) {
                a.merge(b);
            }
        }
        for (a, b) in self.strategies.iter_mut().zip(&other.strategies) {
            a.time.merge(&b.time);
            a.cost.merge(&b.cost);
            a.cost_direct.merge(&b.cost_direct);
            a.cost_damage.merge(&b.cost_damage);
            a.total_cost.merge(&b.total_cost);
            a.time_diff.merge(&b.time_diff);
            a.cost_diff.merge(&b.cost_diff);
            a.total_cost_diff.merge(&b.total_cost_diff);
            a.time_sketch.merge(&b.time_sketch);
            a.cost_sketch.merge(&b.cost_sketch);
            a.unresolved += b.unresolved;
            a.damaged += b.damaged;
            for (x, y) in a.remedies.iter_mut().zip(&b.remedies) {
                x.merge(y);
            }
            a.fallback.merge(&b.fallback);
            for (x, y) in a.by_fallback.iter_mut().zip(&b.by_fallback) {
                x.merge(y);
            }
            for (x, y) in a.cells.iter_mut().zip(&b.cells) {
                x.merge(y);
            }
        }
    }
}
