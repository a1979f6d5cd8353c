//! One strategy's accumulators: what its summary, remedy and segment tables come from.

use super::*;

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
    pub(super) fn record_common<const IN_RANGE: bool>(
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

    pub(super) fn checked_merge(&mut self, b: &StrategyTally) -> Result<(), String> {
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
    pub(super) fn validate(&self, n: u64, paired: bool) -> Result<(), String> {
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
