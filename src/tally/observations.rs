//! What `lockout calibrate` observes of the incidents of one parameter set under one strategy:
//! how they ended, where, and each responder's calls and waits. Fixed-size and exactly
//! mergeable (integer counts and fixed-point sums), like every tally.

use crate::model::Place;
use crate::model::calibration::{Statistic, Targets};
use crate::model::outcome::Outcome;
use crate::stats::{FixedSum, QuantileSketch};

/// The sum of the per-remedy `counts` whose bit is set in `mask`.
fn masked_sum(counts: &[u64], mask: u64) -> u64 {
    counts
        .iter()
        .enumerate()
        .filter(|(r, _)| (mask >> r) & 1 != 0)
        .map(|(_, n)| n)
        .sum()
}

/// Counts and sums over the incidents of one parameter set.
#[derive(Debug, Clone, PartialEq)]
pub struct Observations {
    /// Incidents simulated.
    pub incidents: u64,
    /// Incidents not ended by a remedy of [`Targets::not_counted`].
    pub counted: u64,
    /// Per remedy index: incidents it ended.
    pub resolved: Vec<u64>,
    /// Incidents a fallback ended.
    pub fallback: u64,
    /// Per place index: counted incidents there.
    pub places: [u64; Place::ALL.len()],
    /// Per remedy index: calls (starts, arrived or cancelled).
    pub calls: Vec<u64>,
    /// Per remedy index: calls whose responder arrived.
    pub arrivals: Vec<u64>,
    /// Per remedy index: Σ minutes from call to arrival, over arrivals.
    pub wait_sum: Vec<FixedSum>,
    /// Per entry of [`Targets::wait_thresholds`]: arrivals within its minutes.
    pub within: Vec<u64>,
    /// Per composition of the targets, per category: counted incidents in it.
    pub categories: Vec<Vec<u64>>,
    /// Per remedy index: a sketch of its waits, for the remedies of
    /// [`Targets::wait_sketches`] only (`None` for the others: a sketch is 100 kB).
    pub wait_sketches: Vec<Option<QuantileSketch>>,
}

impl Observations {
    /// Empty observations for `remedies` remedies and `targets`.
    pub fn new(remedies: usize, targets: &Targets) -> Observations {
        Observations {
            incidents: 0,
            counted: 0,
            resolved: vec![0; remedies],
            fallback: 0,
            places: [0; Place::ALL.len()],
            calls: vec![0; remedies],
            arrivals: vec![0; remedies],
            wait_sum: vec![FixedSum::default(); remedies],
            within: vec![0; targets.wait_thresholds.len()],
            categories: targets
                .compositions
                .iter()
                .map(|c| vec![0; c.categories.len()])
                .collect(),
            wait_sketches: (0..remedies)
                .map(|r| ((targets.wait_sketches >> r) & 1 != 0).then(QuantileSketch::new))
                .collect(),
        }
    }

    /// Records how an incident ended.
    #[inline]
    pub fn record_outcome(&mut self, o: &Outcome, targets: &Targets) {
        self.incidents += 1;
        let resolved_by = if o.unresolved() {
            self.fallback += 1;
            None
        } else {
            let r = o.resolved_by as usize;
            self.resolved[r] += 1;
            if (targets.not_counted >> r) & 1 != 0 {
                return;
            }
            Some(r)
        };
        self.counted += 1;
        self.places[o.place as usize] += 1;
        for (counts, c) in self.categories.iter_mut().zip(&targets.compositions) {
            if let Some(k) = c.category_of(resolved_by, o.succeeded) {
                counts[k] += 1;
            }
        }
    }

    /// Records a call to remedy `r`.
    #[inline]
    pub fn record_call(&mut self, r: usize) {
        self.calls[r] += 1;
    }

    /// Records the arrival of remedy `r`'s responder `wait_min` minutes after the call.
    #[inline]
    pub fn record_arrival(&mut self, r: usize, wait_min: f64, targets: &Targets) {
        self.arrivals[r] += 1;
        self.wait_sum[r].push(wait_min);
        if let Some(sketch) = &mut self.wait_sketches[r] {
            sketch.push(wait_min);
        }
        for (k, &(remedy, minutes)) in targets.wait_thresholds.iter().enumerate() {
            if remedy == r && wait_min <= minutes {
                self.within[k] += 1;
            }
        }
    }

    /// Adds `other` into `self` (exact).
    pub fn merge(&mut self, other: &Observations) {
        self.incidents += other.incidents;
        self.counted += other.counted;
        self.fallback += other.fallback;
        let add = |a: &mut [u64], b: &[u64]| a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        add(&mut self.resolved, &other.resolved);
        add(&mut self.places, &other.places);
        add(&mut self.calls, &other.calls);
        add(&mut self.arrivals, &other.arrivals);
        add(&mut self.within, &other.within);
        for (a, b) in self.categories.iter_mut().zip(&other.categories) {
            add(a, b);
        }
        for (a, b) in self.wait_sketches.iter_mut().zip(&other.wait_sketches) {
            if let (Some(a), Some(b)) = (a, b) {
                a.merge(b);
            }
        }
        for (a, b) in self.wait_sum.iter_mut().zip(&other.wait_sum) {
            a.merge(b);
        }
    }

    /// Counted incidents ended by the remedies of `mask`, or a fallback when `fallback`.
    pub fn ended_by(&self, mask: u64, fallback: bool) -> u64 {
        masked_sum(&self.resolved, mask) + if fallback { self.fallback } else { 0 }
    }

    /// The value of `statistic`, for incidents that happen `rate` times per vehicle-year; `None`
    /// when it has no denominator (no counted incident, no arrival).
    pub fn value(&self, statistic: &Statistic, rate: f64) -> Option<f64> {
        let ratio = |n: u64, d: u64| (d > 0).then(|| n as f64 / d as f64);
        match *statistic {
            Statistic::ResolvedShare { remedies, fallback } => {
                ratio(self.ended_by(remedies, fallback), self.counted)
            }
            Statistic::PlaceShare { place } => ratio(self.places[place], self.counted),
            Statistic::MeanWaitMin { remedy } => {
                let n = self.arrivals[remedy];
                (n > 0).then(|| self.wait_sum[remedy].sum() / n as f64)
            }
            Statistic::WaitQuantileMin { remedy, order } => self.wait_sketches[remedy]
                .as_ref()
                .filter(|s| s.count() > 0)
                .map(|s| s.quantile(order)),
            Statistic::WaitWithinShare {
                remedy, threshold, ..
            } => ratio(self.within[threshold], self.arrivals[remedy]),
            Statistic::CallsPerVehicleYear { remedies } => {
                ratio(masked_sum(&self.calls, remedies), self.incidents).map(|c| c * rate)
            }
            Statistic::CountedPerVehicleYear => {
                ratio(self.counted, self.incidents).map(|c| c * rate)
            }
        }
    }
}
