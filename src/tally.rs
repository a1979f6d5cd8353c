//! Per-strategy accumulators over incident outcomes: what the tables are computed from.
//!
//! A [`RunTally`] is fixed-size (it does not grow with the number of incidents) and merges
//! exactly: every field is an integer count, a fixed-point [`Moments`] or an integer-count
//! [`QuantileSketch`]. So chunks folded on any thread, merged in any grouping, or run in separate
//! shards give the same tally to the bit.

use serde::{Deserialize, Serialize};

use crate::model::outcome::{Outcome, fallback_index};
use crate::model::{Place, Scenario};
use crate::stats::moments::IN_RANGE_LIMIT;
use crate::stats::{FixedSum, Moments, QuantileSketch, checked};

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

/// Counts and moments of one group of incidents (a segment, driver profile or place).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupTally {
    /// Time to access, minutes.
    pub time: Moments,
    /// Cost (direct + damage). (Total cost is derived from the two means.)
    pub cost: Moments,
    /// Incidents the fallback ended.
    pub unresolved: u64,
    /// Incidents with any damage.
    pub damaged: u64,
}

impl GroupTally {
    #[inline]
    fn record<const IN_RANGE: bool>(&mut self, o: &Outcome, cost: f64) {
        push!(self.time, o.time_to_access_min, IN_RANGE);
        push!(self.cost, cost, IN_RANGE);
        self.unresolved += o.unresolved() as u64;
        self.damaged += (o.damaged != 0) as u64;
    }

    fn merge(&mut self, other: &GroupTally) {
        self.time.merge(&other.time);
        self.cost.merge(&other.cost);
        self.unresolved += other.unresolved;
        self.damaged += other.damaged;
    }

    fn checked_merge(&mut self, other: &GroupTally) -> Result<(), String> {
        self.time.checked_merge(&other.time)?;
        self.cost.checked_merge(&other.cost)?;
        self.unresolved = checked(self.unresolved.checked_add(other.unresolved), "unresolved")?;
        self.damaged = checked(self.damaged.checked_add(other.damaged), "damaged")?;
        Ok(())
    }

    fn validate(&self) -> Result<(), String> {
        let n = self.time.count();
        self.time.validate().map_err(|e| format!("time: {e}"))?;
        self.cost.validate().map_err(|e| format!("cost: {e}"))?;
        same_count(&[("time", n), ("cost", self.cost.count())])?;
        at_most("unresolved", self.unresolved, n)?;
        at_most("damaged", self.damaged, n)
    }
}

/// What one remedy did under one strategy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemedyTally {
    /// Incidents in which it was started.
    pub attempts: u64,
    /// Incidents in which it succeeded.
    pub successes: u64,
    /// Incidents it ended (gave access).
    pub resolved: u64,
    /// Incidents in which it did damage.
    pub damage_events: u64,
    /// Time to access of the incidents it ended, minutes.
    pub resolved_time: FixedSum,
    /// Cost of the incidents it ended.
    pub resolved_cost: FixedSum,
}

impl RemedyTally {
    fn merge(&mut self, other: &RemedyTally) {
        self.attempts += other.attempts;
        self.successes += other.successes;
        self.resolved += other.resolved;
        self.damage_events += other.damage_events;
        self.resolved_time.merge(&other.resolved_time);
        self.resolved_cost.merge(&other.resolved_cost);
    }

    fn checked_merge(&mut self, other: &RemedyTally) -> Result<(), String> {
        self.attempts = checked(self.attempts.checked_add(other.attempts), "attempts")?;
        self.successes = checked(self.successes.checked_add(other.successes), "successes")?;
        self.resolved = checked(self.resolved.checked_add(other.resolved), "resolved")?;
        self.damage_events = checked(
            self.damage_events.checked_add(other.damage_events),
            "damage_events",
        )?;
        self.resolved_time.checked_merge(&other.resolved_time)?;
        self.resolved_cost.checked_merge(&other.resolved_cost)
    }

    /// Checks the counts of a remedy's row among `n` incidents.
    fn validate(&self, n: u64) -> Result<(), String> {
        at_most("attempts", self.attempts, n)?;
        at_most("successes", self.successes, self.attempts)?;
        at_most("damage_events", self.damage_events, self.attempts)?;
        at_most("resolved", self.resolved, n)?;
        self.resolved_time
            .validate()
            .map_err(|e| format!("resolved_time: {e}"))?;
        self.resolved_cost
            .validate()
            .map_err(|e| format!("resolved_cost: {e}"))?;
        same_count(&[
            ("resolved", self.resolved),
            ("resolved_time", self.resolved_time.count()),
            ("resolved_cost", self.resolved_cost.count()),
        ])
    }
}

/// `Err` unless every named count equals the first.
fn same_count(counts: &[(&str, u64)]) -> Result<(), String> {
    let (first, n) = counts[0];
    match counts.iter().find(|(_, c)| *c != n) {
        None => Ok(()),
        Some((what, c)) => Err(format!("{what} counts {c} values but {first} {n}")),
    }
}

/// `Err` unless `value <= limit`.
fn at_most(what: &str, value: u64, limit: u64) -> Result<(), String> {
    if value <= limit {
        Ok(())
    } else {
        Err(format!("{what} is {value}, more than {limit}"))
    }
}

/// Adds up counts, `Err` on overflow.
fn checked_sum(what: &str, counts: impl IntoIterator<Item = u64>) -> Result<u64, String> {
    counts.into_iter().try_fold(0u64, |a, c| {
        a.checked_add(c)
            .ok_or_else(|| format!("the sum of {what} overflows"))
    })
}

/// Everything accumulated for one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StrategyTally {
    /// Time to access, minutes.
    pub time: Moments,
    /// Cost (direct + damage).
    pub cost: Moments,
    /// Direct cost (fees, cancellation fees, fallback).
    pub cost_direct: FixedSum,
    /// Damage repair cost.
    pub cost_damage: FixedSum,
    /// Total cost = cost + value of time × time.
    pub total_cost: Moments,
    /// Paired difference in time, this strategy minus the baseline, minutes.
    pub time_diff: Moments,
    /// Paired difference in cost.
    pub cost_diff: Moments,
    /// Paired difference in total cost.
    pub total_cost_diff: Moments,
    /// Quantile sketch of time to access.
    pub time_sketch: QuantileSketch,
    /// Quantile sketch of cost.
    pub cost_sketch: QuantileSketch,
    /// Incidents the fallback ended.
    pub unresolved: u64,
    /// Incidents with any damage.
    pub damaged: u64,
    /// Per remedy, in scenario order.
    pub remedies: Vec<RemedyTally>,
    /// Incidents a fallback ended (any of them), as a remedy-like row.
    pub fallback: RemedyTally,
    /// The same, per fallback in scenario order, when the scenario has more than one fallback
    /// (empty otherwise: the row above is then the one fallback's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_fallback: Vec<RemedyTally>,
    /// Per (segment, driver profile, place) cell, in that nesting order: one push per incident
    /// instead of one per dimension; the marginals are exact sums of cells.
    pub cells: Vec<GroupTally>,
}

/// The shape of the (segment, driver, place) cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellShape {
    /// Vehicle segments.
    pub segments: usize,
    /// Driver profiles.
    pub drivers: usize,
    /// Places.
    pub places: usize,
}

impl CellShape {
    /// The cell index of an incident.
    #[inline]
    pub fn index(self, segment: u16, driver: u16, place: u8) -> usize {
        (segment as usize * self.drivers + driver as usize) * self.places + place as usize
    }
}

impl StrategyTally {
    /// Records everything but the paired differences.
    #[inline]
    fn record_common<const IN_RANGE: bool>(
        &mut self,
        o: &Outcome,
        cost: f64,
        total: f64,
        shape: CellShape,
    ) {
        push!(self.time, o.time_to_access_min, IN_RANGE);
        push!(self.cost, cost, IN_RANGE);
        push!(self.cost_direct, o.cost_direct, IN_RANGE);
        push!(self.cost_damage, o.cost_damage, IN_RANGE);
        push!(self.total_cost, total, IN_RANGE);
        self.time_sketch.push(o.time_to_access_min);
        self.cost_sketch.push(cost);
        self.unresolved += o.unresolved() as u64;
        self.damaged += (o.damaged != 0) as u64;
        let mut bits = o.attempted;
        while bits != 0 {
            let r = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            let t = &mut self.remedies[r];
            t.attempts += 1;
            t.successes += (o.succeeded >> r) & 1;
            t.damage_events += (o.damaged >> r) & 1;
        }
        let ended_by = if o.unresolved() {
            &mut self.fallback
        } else {
            &mut self.remedies[o.resolved_by as usize]
        };
        ended_by.resolved += 1;
        push!(ended_by.resolved_time, o.time_to_access_min, IN_RANGE);
        push!(ended_by.resolved_cost, cost, IN_RANGE);
        if o.unresolved()
            && let Some(t) = fallback_index(o.resolved_by).and_then(|i| self.by_fallback.get_mut(i))
        {
            t.resolved += 1;
            push!(t.resolved_time, o.time_to_access_min, IN_RANGE);
            push!(t.resolved_cost, cost, IN_RANGE);
        }
        self.cells[shape.index(o.segment, o.driver, o.place)].record::<IN_RANGE>(o, cost);
    }

    fn checked_merge(&mut self, b: &StrategyTally) -> Result<(), String> {
        let shape = |t: &StrategyTally| (t.remedies.len(), t.by_fallback.len(), t.cells.len());
        if shape(self) != shape(b) {
            return Err("the parts have different numbers of remedies or cells".into());
        }
        let a = self;
        a.time.checked_merge(&b.time)?;
        a.cost.checked_merge(&b.cost)?;
        a.cost_direct.checked_merge(&b.cost_direct)?;
        a.cost_damage.checked_merge(&b.cost_damage)?;
        a.total_cost.checked_merge(&b.total_cost)?;
        a.time_diff.checked_merge(&b.time_diff)?;
        a.cost_diff.checked_merge(&b.cost_diff)?;
        a.total_cost_diff.checked_merge(&b.total_cost_diff)?;
        a.time_sketch.checked_merge(&b.time_sketch)?;
        a.cost_sketch.checked_merge(&b.cost_sketch)?;
        a.unresolved = checked(a.unresolved.checked_add(b.unresolved), "unresolved")?;
        a.damaged = checked(a.damaged.checked_add(b.damaged), "damaged")?;
        for (x, y) in a.remedies.iter_mut().zip(&b.remedies) {
            x.checked_merge(y)?;
        }
        a.fallback.checked_merge(&b.fallback)?;
        for (x, y) in a.by_fallback.iter_mut().zip(&b.by_fallback) {
            x.checked_merge(y)?;
        }
        for (x, y) in a.cells.iter_mut().zip(&b.cells) {
            x.checked_merge(y)?;
        }
        Ok(())
    }

    /// Checks that the counts agree with each other for `n` incidents (`paired`: with paired
    /// differences), as every sequence of records leaves them.
    fn validate(&self, n: u64, paired: bool) -> Result<(), String> {
        let moments = [
            ("time", &self.time),
            ("cost", &self.cost),
            ("total_cost", &self.total_cost),
            ("time_diff", &self.time_diff),
            ("cost_diff", &self.cost_diff),
            ("total_cost_diff", &self.total_cost_diff),
        ];
        for (what, m) in moments {
            m.validate().map_err(|e| format!("{what}: {e}"))?;
        }
        for (what, f) in [
            ("cost_direct", &self.cost_direct),
            ("cost_damage", &self.cost_damage),
        ] {
            f.validate().map_err(|e| format!("{what}: {e}"))?;
        }
        let diffs = if paired { n } else { 0 };
        same_count(&[
            ("the run", n),
            ("time", self.time.count()),
            ("cost", self.cost.count()),
            ("total_cost", self.total_cost.count()),
            ("cost_direct", self.cost_direct.count()),
            ("cost_damage", self.cost_damage.count()),
            ("time_sketch", self.time_sketch.count()),
            ("cost_sketch", self.cost_sketch.count()),
        ])?;
        same_count(&[
            ("the paired differences", diffs),
            ("time_diff", self.time_diff.count()),
            ("cost_diff", self.cost_diff.count()),
            ("total_cost_diff", self.total_cost_diff.count()),
        ])?;
        at_most("unresolved", self.unresolved, n)?;
        at_most("damaged", self.damaged, n)?;
        for (r, t) in self.remedies.iter().enumerate() {
            t.validate(n).map_err(|e| format!("remedies[{r}]: {e}"))?;
        }
        self.fallback
            .validate(n)
            .map_err(|e| format!("fallback: {e}"))?;
        same_count(&[
            ("unresolved", self.unresolved),
            ("fallback.resolved", self.fallback.resolved),
        ])?;
        // The fallback is never attempted as a remedy: only its ends are counted.
        let f = &self.fallback;
        if (f.attempts, f.successes, f.damage_events) != (0, 0, 0) {
            return Err("fallback: attempts, successes and damage_events must be 0".into());
        }
        let resolved = checked_sum(
            "resolved",
            self.remedies
                .iter()
                .chain([&self.fallback])
                .map(|t| t.resolved),
        )?;
        same_count(&[("the run", n), ("the resolved of every row", resolved)])?;
        if !self.by_fallback.is_empty() {
            for (i, t) in self.by_fallback.iter().enumerate() {
                t.validate(n)
                    .map_err(|e| format!("by_fallback[{i}]: {e}"))?;
            }
            let by = checked_sum("resolved", self.by_fallback.iter().map(|t| t.resolved))?;
            same_count(&[
                ("fallback.resolved", self.fallback.resolved),
                ("the resolved of every fallback", by),
            ])?;
        }
        for (c, cell) in self.cells.iter().enumerate() {
            cell.validate().map_err(|e| format!("cells[{c}]: {e}"))?;
        }
        let cells =
            |what: &str, f: fn(&GroupTally) -> u64| checked_sum(what, self.cells.iter().map(f));
        same_count(&[
            ("the run", n),
            ("the cells", cells("the cells' counts", |c| c.time.count())?),
        ])?;
        same_count(&[
            ("unresolved", self.unresolved),
            (
                "the cells' unresolved",
                cells("unresolved", |c| c.unresolved)?,
            ),
        ])?;
        same_count(&[
            ("damaged", self.damaged),
            ("the cells' damaged", cells("damaged", |c| c.damaged)?),
        ])
    }

    /// Statistics by segment, by driver profile and by place, summed from the cells.
    pub fn marginals(&self, shape: CellShape) -> [Vec<GroupTally>; 3] {
        let mut by = [
            vec![GroupTally::default(); shape.segments],
            vec![GroupTally::default(); shape.drivers],
            vec![GroupTally::default(); shape.places],
        ];
        for seg in 0..shape.segments {
            for drv in 0..shape.drivers {
                for place in 0..shape.places {
                    let cell = &self.cells[shape.index(seg as u16, drv as u16, place as u8)];
                    by[0][seg].merge(cell);
                    by[1][drv].merge(cell);
                    by[2][place].merge(cell);
                }
            }
        }
        by
    }
}

/// What a strategy that applies to a share of the vehicles needs beyond its [`StrategyTally`]
/// (which holds the selected outcomes: an adopter's under the strategy, a non-adopter's under
/// the baseline, each lockout of the baseline's stream once): who adopted, and the total cost
/// weighted by each lockout's incident rate multiplier, so that the annual cost per vehicle
/// comes out right over the whole population (see [`crate::model::Strategy`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreventionTally {
    /// Weight of an adopter's lockout: the strategy's incident rate multiplier `m`.
    pub adopter_weight: f64,
    /// Weight of a non-adopter's lockout: the baseline's multiplier `m_b`.
    pub other_weight: f64,
    /// Lockouts whose vehicle is targeted.
    pub targeted: u64,
    /// Lockouts whose vehicle adopts the strategy.
    pub adopters: u64,
    /// Every lockout: weight × total cost (its mean × the scenario's rate is the incident
    /// cost per vehicle-year).
    pub weighted_total_cost: Moments,
    /// Adopters' lockouts: total cost under the strategy.
    pub adopter_total_cost: Moments,
    /// Adopters' lockouts, paired: `m` × total cost under the strategy − `m_b` × total cost
    /// under the baseline (a non-adopter's is 0).
    pub adopter_weighted_diff: Moments,
}

impl PreventionTally {
    fn new(adopter_weight: f64, other_weight: f64) -> Self {
        PreventionTally {
            adopter_weight,
            other_weight,
            targeted: 0,
            adopters: 0,
            weighted_total_cost: Moments::default(),
            adopter_total_cost: Moments::default(),
            adopter_weighted_diff: Moments::default(),
        }
    }

    fn moments(&self) -> [(&'static str, &Moments); 3] {
        [
            ("weighted total cost", &self.weighted_total_cost),
            ("adopters' total cost", &self.adopter_total_cost),
            ("adopters' weighted difference", &self.adopter_weighted_diff),
        ]
    }

    fn merge(&mut self, b: &PreventionTally) {
        self.targeted += b.targeted;
        self.adopters += b.adopters;
        self.weighted_total_cost.merge(&b.weighted_total_cost);
        self.adopter_total_cost.merge(&b.adopter_total_cost);
        self.adopter_weighted_diff.merge(&b.adopter_weighted_diff);
    }

    fn checked_merge(&mut self, b: &PreventionTally) -> Result<(), String> {
        self.targeted = checked(self.targeted.checked_add(b.targeted), "targeted")?;
        self.adopters = checked(self.adopters.checked_add(b.adopters), "adopters")?;
        self.weighted_total_cost
            .checked_merge(&b.weighted_total_cost)?;
        self.adopter_total_cost
            .checked_merge(&b.adopter_total_cost)?;
        self.adopter_weighted_diff
            .checked_merge(&b.adopter_weighted_diff)
    }

    fn validate(&self, n: u64) -> Result<(), String> {
        for (what, m) in self.moments() {
            m.validate().map_err(|e| format!("{what}: {e}"))?;
        }
        at_most("targeted", self.targeted, n)?;
        at_most("adopters", self.adopters, self.targeted)?;
        same_count(&[
            ("the run", n),
            ("weighted_total_cost", self.weighted_total_cost.count()),
        ])?;
        same_count(&[
            ("adopters", self.adopters),
            ("adopter_total_cost", self.adopter_total_cost.count()),
            ("adopter_weighted_diff", self.adopter_weighted_diff.count()),
        ])
    }
}

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
    /// run records each strategy's own arrivals: no paired differences.
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
        // A region run may hold more values than `push_in_range` allows: always checked.
        st.record_common::<false>(o, cost, total, shape);
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
            let values = [
                o.time_to_access_min,
                o.cost_direct,
                o.cost_damage,
                cost,
                total,
            ];
            let in_range = values
                .iter()
                .chain(&diffs)
                .fold(true, |ok, x| ok & (x.abs() < IN_RANGE_LIMIT));
            if in_range {
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
