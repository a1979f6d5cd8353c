//! What a responder pool did under one strategy: dispatches, waits, response times, busy time.

use serde::{Deserialize, Serialize};

use crate::stats::{FixedSum, Moments, QuantileSketch};

/// What one pool did in one period (or, merged, over all periods) under one strategy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolTally {
    /// Lockout calls dispatched.
    pub dispatched: u64,
    /// Lockout calls abandoned (cancelled before dispatch) or cancelled en route or on scene.
    pub abandoned: u64,
    /// Queue wait (call to dispatch) of dispatched lockout calls, minutes.
    pub queue_wait: Moments,
    /// Its distribution.
    pub queue_wait_sketch: QuantileSketch,
    /// Response time (call to on scene), minutes.
    pub response_sketch: QuantileSketch,
    /// Longest queue seen.
    pub longest_queue: u64,
    /// Responder-minutes busy (lockout and other calls).
    pub busy_min: FixedSum,
    /// Responder-minutes on shift.
    pub capacity_min: f64,
}

impl PoolTally {
    /// An empty tally with no capacity (the start of a merge).
    pub fn empty() -> PoolTally {
        PoolTally {
            dispatched: 0,
            abandoned: 0,
            queue_wait: Moments::default(),
            queue_wait_sketch: QuantileSketch::new(),
            response_sketch: QuantileSketch::new(),
            longest_queue: 0,
            busy_min: FixedSum::default(),
            capacity_min: 0.0,
        }
    }

    /// Adds another tally (exact; capacities add up).
    pub fn merge(&mut self, o: &PoolTally) {
        self.dispatched += o.dispatched;
        self.abandoned += o.abandoned;
        self.queue_wait.merge(&o.queue_wait);
        self.queue_wait_sketch.merge(&o.queue_wait_sketch);
        self.response_sketch.merge(&o.response_sketch);
        self.longest_queue = self.longest_queue.max(o.longest_queue);
        self.busy_min.merge(&o.busy_min);
        self.capacity_min += o.capacity_min;
    }

    /// [`PoolTally::merge`] with checked arithmetic, for state read from a file.
    pub fn checked_merge(&mut self, o: &PoolTally) -> Result<(), String> {
        use crate::stats::checked;
        self.dispatched = checked(self.dispatched.checked_add(o.dispatched), "dispatched")?;
        self.abandoned = checked(self.abandoned.checked_add(o.abandoned), "abandoned")?;
        self.queue_wait.checked_merge(&o.queue_wait)?;
        self.queue_wait_sketch.checked_merge(&o.queue_wait_sketch)?;
        self.response_sketch.checked_merge(&o.response_sketch)?;
        self.longest_queue = self.longest_queue.max(o.longest_queue);
        self.busy_min.checked_merge(&o.busy_min)?;
        self.capacity_min += o.capacity_min;
        Ok(())
    }

    /// Checks, for state read from a file: every dispatched call has a wait and a response
    /// time, sums are consistent, capacity is finite and not negative.
    pub fn validate(&self) -> Result<(), String> {
        self.queue_wait
            .validate()
            .map_err(|e| format!("queue_wait: {e}"))?;
        self.busy_min
            .validate()
            .map_err(|e| format!("busy_min: {e}"))?;
        let n = self.dispatched;
        if [
            self.queue_wait.count(),
            self.queue_wait_sketch.count(),
            self.response_sketch.count(),
        ] != [n; 3]
        {
            return Err(format!(
                "{n} calls dispatched but {} waits, {} sketched waits and {} response times",
                self.queue_wait.count(),
                self.queue_wait_sketch.count(),
                self.response_sketch.count()
            ));
        }
        if !(self.capacity_min >= 0.0 && self.capacity_min <= 1e15) {
            return Err(format!(
                "capacity_min {} is not a plausible capacity",
                self.capacity_min
            ));
        }
        Ok(())
    }

    /// Busy time over on-shift capacity.
    pub fn utilisation(&self) -> f64 {
        self.busy_min.sum() / self.capacity_min
    }
}
