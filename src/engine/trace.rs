//! What happens in an incident, event by event, for `lockout explain`; the run traces into `()`,
//! which compiles to nothing.

use serde::Serialize;

use crate::model::Facts;

/// What happened, for `lockout explain`. Indices refer to the scenario's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceEvent {
    /// The incident starts in this situation.
    Start {
        /// Facts that hold.
        facts: Facts,
    },
    /// A remedy of the current step cannot be tried (unavailable or preconditions unmet).
    Skipped {
        /// Remedy index.
        remedy: u16,
    },
    /// A remedy starts; its draws are known now but revealed at completion.
    Started {
        /// Remedy index.
        remedy: u16,
        /// Minutes of waiting before work.
        wait_min: f64,
        /// Minutes of work.
        work_min: f64,
    },
    /// A remedy completes.
    Completed {
        /// Remedy index.
        remedy: u16,
        /// Whether it worked.
        success: bool,
        /// Price paid.
        cost: f64,
        /// Damage repair cost incurred.
        damage_cost: f64,
    },
    /// A running remedy is cancelled.
    Cancelled {
        /// Remedy index.
        remedy: u16,
        /// Cancellation fee paid.
        fee: f64,
    },
    /// A step of the policy starts. Traced only for policies with conditional or escalating
    /// steps (others start each step when the previous has ended).
    StepStarted {
        /// Step index, from 0.
        step: u16,
        /// Why it starts now.
        why: StepCause,
    },
    /// A conditional step's turn came but its `when` did not hold: it is passed over.
    StepPassedOver {
        /// Step index, from 0.
        step: u16,
    },
    /// Every step has been tried without access.
    StepsExhausted,
    /// The give-up horizon is reached.
    HorizonReached,
    /// The fallback starts.
    FallbackStarted {
        /// Which fallback (index in the scenario's order; omitted when 0, the first).
        #[serde(skip_serializing_if = "is_first")]
        fallback: u16,
        /// Minutes it takes.
        duration_min: f64,
        /// What it costs.
        cost: f64,
    },
    /// The keys are back in hand.
    Access {
        /// Remedy index, or a fallback's code ([`crate::model::outcome::fallback_code`]).
        by: u16,
    },
}

/// Why a step of a policy started when it did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum StepCause {
    /// The incident began.
    First,
    /// Every attempt running had ended without access.
    PreviousEnded,
    /// The step before had nothing it could try in this situation.
    NothingToTry,
    /// An attempt of the step before failed and that step escalates on failure.
    RacerFailed,
    /// The step before had run this long without access (its `escalate_after`).
    NoAccessAfter {
        /// Minutes since the step before started.
        min: f64,
    },
    /// The step before starts the next with itself (`escalate = "at_once"`).
    WithPrevious,
}

/// Receives the events of an incident. The run uses `()`, which compiles to nothing.
pub trait Trace {
    /// Records `event` at `time_min`.
    fn record(&mut self, time_min: f64, event: TraceEvent);
}

impl Trace for () {
    #[inline(always)]
    fn record(&mut self, _: f64, _: TraceEvent) {}
}

impl Trace for Vec<(f64, TraceEvent)> {
    fn record(&mut self, time_min: f64, event: TraceEvent) {
        self.push((time_min, event));
    }
}

fn is_first(i: &u16) -> bool {
    *i == 0
}
