//! Accumulators of one group of incidents (a cell of segment, profile and place) and of one
//! remedy; the count checks shared by every tally.

use super::*;

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
    pub(super) fn record<const IN_RANGE: bool>(&mut self, o: &Outcome, cost: f64) {
        push!(self.time, o.time_to_access_min, IN_RANGE);
        push!(self.cost, cost, IN_RANGE);
        self.unresolved += o.unresolved() as u64;
        self.damaged += (o.damaged != 0) as u64;
    }

    pub(super) fn merge(&mut self, other: &GroupTally) {
        self.time.merge(&other.time);
        self.cost.merge(&other.cost);
        self.unresolved += other.unresolved;
        self.damaged += other.damaged;
    }

    pub(super) fn checked_merge(&mut self, other: &GroupTally) -> Result<(), String> {
        self.time.checked_merge(&other.time)?;
        self.cost.checked_merge(&other.cost)?;
        self.unresolved = checked(self.unresolved.checked_add(other.unresolved), "unresolved")?;
        self.damaged = checked(self.damaged.checked_add(other.damaged), "damaged")?;
        Ok(())
    }

    pub(super) fn validate(&self) -> Result<(), String> {
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
    pub(super) fn merge(&mut self, other: &RemedyTally) {
        self.attempts += other.attempts;
        self.successes += other.successes;
        self.resolved += other.resolved;
        self.damage_events += other.damage_events;
        self.resolved_time.merge(&other.resolved_time);
        self.resolved_cost.merge(&other.resolved_cost);
    }

    pub(super) fn checked_merge(&mut self, other: &RemedyTally) -> Result<(), String> {
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
    pub(super) fn validate(&self, n: u64) -> Result<(), String> {
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
pub(super) fn same_count(counts: &[(&str, u64)]) -> Result<(), String> {
    let (first, n) = counts[0];
    match counts.iter().find(|(_, c)| *c != n) {
        None => Ok(()),
        Some((what, c)) => Err(format!("{what} counts {c} values but {first} {n}")),
    }
}

/// `Err` unless `value <= limit`.
pub(super) fn at_most(what: &str, value: u64, limit: u64) -> Result<(), String> {
    if value <= limit {
        Ok(())
    } else {
        Err(format!("{what} is {value}, more than {limit}"))
    }
}

/// Adds up counts, `Err` on overflow.
pub(super) fn checked_sum(
    what: &str,
    counts: impl IntoIterator<Item = u64>,
) -> Result<u64, String> {
    counts.into_iter().try_fold(0u64, |a, c| {
        a.checked_add(c)
            .ok_or_else(|| format!("the sum of {what} overflows"))
    })
}
