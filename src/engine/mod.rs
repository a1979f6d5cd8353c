//! The simulation engine: the event queue and clock, random streams, one incident as a
//! discrete-event simulation ([`incident`]), and one period of a region, its incidents against
//! shared responder pools ([`period`]). Engines write no files and format no numbers: they
//! return outcomes and record into the accumulators of [`crate::tally`] and [`crate::losses`].

pub mod adoption;
pub mod attempt;
pub mod incident;
pub mod period;
pub mod queue;
pub mod situation;
pub mod streams;
pub mod trace;

pub use attempt::AttemptDraws;
pub use incident::{Process, Scheduler, Scratch, simulate};
pub use situation::{FactDraws, Situation, SituationDraws};
pub use trace::{StepCause, Trace, TraceEvent};
