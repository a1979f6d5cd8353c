//! How one incident ended under one strategy: the record the engine produces and the tally,
//! the explain output and the region's loss accumulators read.

use serde::{Deserialize, Serialize};

/// `resolved_by` of an incident the (first) fallback ended; fallback `i` is `FALLBACK - i`.
pub const FALLBACK: u16 = u16::MAX;

/// The most fallbacks a scenario may have (their `resolved_by` codes stay far above remedy
/// indices, which are below `MAX_REMEDIES` = 64).
pub const MAX_FALLBACKS: usize = 16;

/// The `resolved_by` code of fallback `i` (below [`MAX_FALLBACKS`]).
#[inline]
pub const fn fallback_code(i: usize) -> u16 {
    FALLBACK - i as u16
}

/// Which fallback a `resolved_by` code names, if it names one.
#[inline]
pub const fn fallback_index(code: u16) -> Option<usize> {
    if code > FALLBACK - MAX_FALLBACKS as u16 {
        Some((FALLBACK - code) as usize)
    } else {
        None
    }
}

/// How one incident ended under one strategy: everything the statistics need.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Minutes from the lockout to access (including the fallback when it ended the incident).
    pub time_to_access_min: f64,
    /// Fees, cancellation fees and the fallback's cost.
    pub cost_direct: f64,
    /// Repair of damage done by the remedies.
    pub cost_damage: f64,
    /// Index of the remedy that gave access, or the code of the fallback that ended it
    /// ([`fallback_code`]).
    pub resolved_by: u16,
    /// Remedies started (bit per remedy index).
    pub attempted: u64,
    /// Remedies that succeeded.
    pub succeeded: u64,
    /// Remedies that did damage.
    pub damaged: u64,
    /// Vehicle segment index.
    pub segment: u16,
    /// Driver profile index.
    pub driver: u16,
    /// Place index.
    pub place: u8,
}

impl Outcome {
    /// A placeholder outcome, for preallocated arrays.
    pub const EMPTY: Outcome = Outcome {
        time_to_access_min: 0.0,
        cost_direct: 0.0,
        cost_damage: 0.0,
        resolved_by: 0,
        attempted: 0,
        succeeded: 0,
        damaged: 0,
        segment: 0,
        driver: 0,
        place: 0,
    };

    /// Money paid because of the incident: `cost_direct + cost_damage`.
    #[inline]
    pub fn cost(&self) -> f64 {
        self.cost_direct + self.cost_damage
    }
    /// Whether a fallback ended it.
    #[inline]
    pub fn unresolved(&self) -> bool {
        self.resolved_by > FALLBACK - MAX_FALLBACKS as u16
    }
}
