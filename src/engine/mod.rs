//! The simulation engine: the event queue and clock, random streams, one incident as a
//! discrete-event simulation ([`incident`]), and one period of a region, its incidents against
//! shared responder pools ([`period`]). Engines write no files and format no numbers: they
//! return outcomes and record into the accumulators of [`crate::tally`] and [`crate::losses`].

pub mod incident;
pub mod period;
pub mod queue;
pub mod streams;

pub use incident::{
    AttemptDraws, Process, Scheduler, Scratch, Situation, SituationDraws, Trace, TraceEvent,
    simulate,
};
